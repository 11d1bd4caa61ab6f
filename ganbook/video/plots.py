"""The chapter's figures: clips that play on the static page, and filmstrips of their frames."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
from torch import Tensor

from ..pages.plots import animate, image_grid, show_images
from .data import frames_of


def _rows(rows: Mapping[str, Tensor], n: int) -> dict[str, Tensor]:
    if not rows:
        raise ValueError("rows must name at least one set of clips")
    out = {}
    for name, video in rows.items():
        if not isinstance(video, Tensor) or video.dim() != 5 or len(video) < n:
            shape = tuple(video.shape) if isinstance(video, Tensor) else type(video).__name__
            raise ValueError(f"rows[{name!r}] must be at least {n} clips (N, 1, T, H, W), "
                             f"got {shape}")
        out[name] = video[:n]
    lengths = {v.shape[2] for v in out.values()}
    if len(lengths) != 1:
        raise ValueError(f"every row must have the same number of frames, got {sorted(lengths)}")
    return out


def play_clips(rows: Mapping[str, Tensor], n: int = 6, interval: int = 250) -> Any:
    """One animation of ``n`` clips per labelled row (real, each model), frame by frame:
    an ``IPython.display.HTML`` player for the static page (:func:`ganbook.pages.plots.animate`)."""
    rows = _rows(rows, n)
    frames = next(iter(rows.values())).shape[2]
    grids = [
        np.concatenate([image_grid(v[:, :, t], nrow=n) for v in rows.values()], axis=0)
        for t in range(frames)
    ]
    height = grids[0].shape[0] / grids[0].shape[1] * n * 0.75
    names = list(rows)
    label = max(len(name) for name in names) * 0.075 + 0.2  # inches for the row labels
    width = n * 0.6 + label + 0.3

    def draw(ax: plt.Axes, grid: np.ndarray, t: int) -> None:
        ax.figure.subplots_adjust(left=label / width, right=1 - 0.2 / width)
        ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        step = grid.shape[0] / len(names)
        ax.set_yticks([step * (i + 0.5) for i in range(len(names))], names, fontsize=9)
        ax.set_xticks([])
        ax.set_xlabel(f"frame {t + 1} of {frames}", fontsize=9)
        for side in ax.spines.values():
            side.set_visible(False)

    return animate(grids, draw, figsize=(width, height * 0.8 + 0.5), interval=interval)


def filmstrips(rows: Mapping[str, Tensor], n: int = 3, title: str | None = None) -> plt.Figure:
    """The frames of ``n`` clips per labelled row laid out left to right (time runs along
    each strip), for printing what :func:`play_clips` animates; returns the figure."""
    rows = _rows(rows, n)
    frames = next(iter(rows.values())).shape[2]
    fig, axes = plt.subplots(len(rows), 1, figsize=(frames * 0.5 + 2, len(rows) * n * 0.5 + 0.4))
    axes = np.atleast_1d(axes)
    for ax, (name, video) in zip(axes, rows.items()):
        show_images(frames_of(video), nrow=frames, ax=ax)
        ax.text(-0.01, 0.5, name, transform=ax.transAxes, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
