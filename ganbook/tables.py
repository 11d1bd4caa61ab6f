"""Result tables as real HTML tables (the rendered book shows raw pipes for Markdown output).

``show_table({"bicubic": {"PSNR": 24.1, ...}, "L1": {...}})`` displays one row per method
and one column per measure; notebooks call it instead of printing or building Markdown.
"""

from __future__ import annotations

import html
import math
from typing import Any, Mapping


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.{digits}f}"
    return html.escape(str(value))


def html_table(rows: Mapping[str, Mapping[str, Any]], digits: int = 3, caption: str | None = None,
               index_name: str = "") -> str:
    """An HTML ``<table>``: one row per key of ``rows``, columns in first-seen order.

    Floats are shown with ``digits`` decimals (NaN as an empty cell); other values as text.
    """
    if not rows:
        raise ValueError("rows must have at least one row")
    columns: list[str] = []
    for row in rows.values():
        columns += [c for c in row if c not in columns]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [index_name, *columns])
    body = "".join(
        "<tr><th>" + html.escape(str(name)) + "</th>"
        + "".join(f"<td>{_cell(row.get(c, float('nan')), digits)}</td>" for c in columns)
        + "</tr>"
        for name, row in rows.items()
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def show_table(rows: Mapping[str, Mapping[str, Any]], digits: int = 3, caption: str | None = None,
               index_name: str = "") -> None:
    """Display :func:`html_table` in a notebook.

    Returns nothing, so a call that ends a cell shows the table once, not twice.
    """
    from IPython.display import HTML, display

    display(HTML(html_table(rows, digits, caption, index_name)))
