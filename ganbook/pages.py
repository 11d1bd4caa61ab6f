"""Numbers a notebook names for its page's prose: ``glue(name, value)``.

In the book build myst-nb's glue stores the value in the cell's output, where a
``{glue:}`name``` reference in the Markdown picks it up. myst-nb is a build tool, not one of
the package's dependencies: on Colab or after a plain ``pip install ganbook`` the same call
only shows the value (and keeps it in ``GLUED``), so every notebook runs without it.
"""

from __future__ import annotations

from typing import Any

# Every value glued in this process, by name (the page's references, without myst-nb).
GLUED: dict[str, Any] = {}


def glue(name: str, value: Any, display: bool = True) -> None:
    """Name ``value`` for the page (myst-nb's ``glue`` when it is installed); show it if
    ``display``. The value is also kept in ``GLUED[name]``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    GLUED[name] = value
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display)
