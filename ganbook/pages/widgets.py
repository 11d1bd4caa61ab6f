"""Interactive explorers that still say something on the static HTML pages.

Widgets need a live kernel; on the rendered book they are dead. :func:`explore` therefore
first draws a static figure for a few chosen settings, then offers the live widget.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence


def in_live_kernel() -> bool:
    """True inside an interactive Jupyter kernel (not when the book build executes notebooks)."""
    if os.environ.get("GANBOOK_STATIC"):
        return False
    try:
        from IPython import get_ipython

        return get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except ImportError:
        return False


def explore(
    draw: Callable[..., Any],
    controls: dict[str, Any],
    static_settings: Sequence[dict[str, Any]],
    static_figure: Callable[[Sequence[dict[str, Any]]], Any] | None = None,
) -> None:
    """Show ``static_figure(static_settings)`` (or one ``draw(**s)`` per setting),
    then a live widget.

    ``controls`` maps argument names to ipywidgets controls or ``interact`` abbreviations
    (a list for a dropdown, a ``(min, max, step)`` tuple for a slider).
    """
    import ipywidgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not static_settings:
        raise ValueError(
            "explore needs at least one static setting, for readers of the static page"
        )
    if static_figure is not None:
        static_figure(static_settings)
    else:
        for setting in static_settings:
            draw(**setting)
    plt.show()
    if in_live_kernel():
        display(ipywidgets.interactive(draw, **controls))
