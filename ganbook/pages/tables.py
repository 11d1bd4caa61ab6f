"""Result tables as real HTML tables (the rendered book shows raw pipes for Markdown output).

``show_table({"bicubic": {"PSNR": 24.1, ...}, "L1": {...}})`` displays one row per method
and one column per measure; notebooks call it instead of printing or building Markdown.
Cells are padded and ruled and numbers right-aligned (inline styles, so Jupyter, Colab and the
rendered book all show them), and identifier headers read as words (``min_class_share`` ->
"min class share", ``fd`` -> "FD").
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from numbers import Integral, Number, Real
from typing import Any, Mapping

# Padding and rules: without them neighbouring numbers run together ("31.4260.746").
# Small padding and type: a table as wide as the page's column must still fit it.
TABLE_STYLE = "border-collapse: collapse; margin: 0.5em 0; font-size: 0.85em;"
CELL_STYLE = "padding: 0.15em 0.35em; border: 1px solid #d0d7de;"
NUMBER_STYLE = CELL_STYLE + " text-align: right; font-variant-numeric: tabular-nums;"
HEAD_STYLE = CELL_STYLE + " background: #f6f8fa;"
# Short measure names that are read as acronyms.
ACRONYMS = {"fd": "FD", "fid": "FID", "kid": "KID", "psnr": "PSNR", "ssim": "SSIM",
            "nll": "NLL", "bleu": "BLEU", "swd": "SWD", "lpips": "LPIPS", "is": "IS"}


@dataclass(frozen=True)
class Link:
    """A table cell that links to another page: ``Link("image/04_portraits",
    "../image/04_portraits.html")`` (``href`` relative to the page showing the table)."""

    text: str
    href: str


def readable(name: Any) -> str:
    """A column or row name as a reader sees it: identifiers with underscores become words,
    known measure names acronyms (``kid_std`` -> "KID std"); anything else is unchanged."""
    text = str(name)
    if not text.isidentifier() or (text.lower() not in ACRONYMS and "_" not in text):
        return text
    return " ".join(ACRONYMS.get(word.lower(), word) for word in text.split("_") if word)


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, Link):
        link = f'<a href="{html.escape(value.href)}">{html.escape(value.text)}</a>'
        return f'<td style="{CELL_STYLE}">{link}</td>'
    if isinstance(value, Real) and not isinstance(value, Integral):  # numpy floats too
        text = "" if math.isnan(value) else f"{value:.{digits}f}"
    else:
        text = html.escape(str(value))
    is_number = isinstance(value, Number) and not isinstance(value, bool)
    return f'<td style="{NUMBER_STYLE if is_number else CELL_STYLE}">{text}</td>'


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
    head = "".join(f'<th style="{HEAD_STYLE}">{html.escape(readable(c))}</th>'
                   for c in [index_name, *columns])
    body = "".join(
        f'<tr><th style="{HEAD_STYLE} text-align: left;">' + html.escape(str(name)) + "</th>"
        + "".join(_cell(row.get(c, float("nan")), digits) for c in columns)
        + "</tr>"
        for name, row in rows.items()
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<table class="ganbook-table" style="{TABLE_STYLE}">{cap}<thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table>")


def show_table(rows: Mapping[str, Mapping[str, Any]], digits: int = 3, caption: str | None = None,
               index_name: str = "") -> None:
    """Display :func:`html_table` in a notebook.

    Returns nothing, so a call that ends a cell shows the table once, not twice.
    """
    from IPython.display import HTML, display

    display(HTML(html_table(rows, digits, caption, index_name)))
