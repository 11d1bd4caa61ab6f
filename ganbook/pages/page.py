"""What a notebook puts on its page: the numbers its prose names (``glue(name, value)``) and
the note at the top saying which profile built it (:func:`show_profile`).

In the book build myst-nb's glue stores the value in the cell's output, where a
``{glue:}`name``` reference in the Markdown picks it up. myst-nb is a build tool, not one of
the package's dependencies: on Colab or after a plain ``pip install ganbook`` the same call
only shows the value (and keeps it in ``GLUED``), so every notebook runs without it.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from ..core.device import get_device
from ..core.profiles import (
    ENV_VAR,
    Profile,
    get_profile,
    is_smoke,
    smoke_steps,
    starting_point,
)

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


def profile_summary(profile: Profile | None = None) -> str:
    """One line for the top of every notebook: which profile, device and torch this run used."""
    profile = profile or get_profile()
    source = f"set by ${ENV_VAR}" if os.environ.get(ENV_VAR) else "auto-detected"
    return (
        f"ganbook profile: {profile.name} ({source}); device: {get_device()}; "
        f"torch {torch.__version__}; threads: {torch.get_num_threads()}"
        + ("; STARTING POINT (no training, shipped models untrained)" if starting_point() else "")
        + (f"; SMOKE ({smoke_steps()} steps per fit, numbers mean nothing)" if is_smoke() else "")
    )


MEANING = {  # what each profile means, for the note on every page
    "test": "CI sizes: seconds per notebook, so every number on it is small-scale and the "
    "checks use their test thresholds",
    "cpu": "laptop sizes: minutes per notebook on a 2-core CPU",
    "gpu": "full sizes, as on a Colab GPU",
}


def show_profile(profile: Profile | None = None, gpu: str | None = None) -> None:
    """Display the note at the top of every page: the profile that built it and what that means.

    ``gpu`` says in a phrase what the ``gpu`` profile changes on this page (longer runs, more
    samples, or nothing); every notebook states it, whichever profile builds the page.
    A visible admonition in HTML (the rendered book), the :func:`profile_summary` line as plain
    text.
    """
    from html import escape

    from IPython.display import display

    if gpu is not None and (not isinstance(gpu, str) or not gpu.strip()):
        raise ValueError(f"gpu must be a non-empty phrase (what gpu changes), got {gpu!r}")
    profile = profile or get_profile()
    line = profile_summary(profile)
    changes = "" if gpu is None else f"<p>What <code>gpu</code> changes here: {escape(gpu)}.</p>"
    html = (
        '<div class="admonition note"><p class="admonition-title">'
        f"This page was built under the <code>{profile.name}</code> profile</p>"
        f"<p>{escape(MEANING[profile.name])}. Rerun it with <code>{ENV_VAR}=cpu</code> or "
        f"<code>gpu</code> for larger runs.</p>{changes}<p><small>{escape(line)}</small></p></div>"
    )
    text = line if gpu is None else f"{line}\ngpu profile here: {gpu}"
    display({"text/html": html, "text/plain": text}, raw=True)
