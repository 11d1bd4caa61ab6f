"""Figures every chapter shares: training curves, image grids, animations for static pages."""

from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import animation
from torch import Tensor


def _smooth(values: Sequence[float], window: int) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if window <= 1 or len(v) < window:
        return v
    kernel = np.ones(window) / window
    return np.convolve(v, kernel, mode="valid")


def plot_history(
    history: dict[str, list[float]],
    smooth: int = 25,
    probabilities: bool = True,
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """Loss curves (left) and D(x), D(G(z)) (right) from a Trainer's history,
    smoothed over ``smooth`` steps."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    else:
        fig = axes[0].figure
    steps = np.asarray(history["step"])
    for key, label in (("d_loss", "discriminator loss"), ("g_loss", "generator loss")):
        y = _smooth(history[key], smooth)
        axes[0].plot(steps[len(steps) - len(y) :], y, label=label)
    axes[0].set(xlabel="step", ylabel="loss", title="Losses")
    axes[0].legend()
    names = ("D(x)", "D(G(z))") if probabilities else ("critic(x)", "critic(G(z))")
    for key, label in zip(("d_real", "d_fake"), names):
        y = _smooth(history[key], smooth)
        axes[1].plot(steps[len(steps) - len(y) :], y, label=label)
    if probabilities:
        axes[1].axhline(0.5, color="grey", lw=0.8, ls="--")
        axes[1].set_ylim(0, 1)
    axes[1].set(xlabel="step", title="Discriminator outputs")
    axes[1].legend()
    fig.tight_layout()
    return fig


def image_grid(
    images: Tensor,
    nrow: int | None = None,
    value_range: tuple[float, float] = (-1, 1),
    pad: int = 1,
) -> np.ndarray:
    """Tile images (N, C, H, W) into one array (H', W') or (H', W', 3) for ``imshow``."""
    images = torch.as_tensor(images).detach().cpu().float()
    if images.dim() == 3:
        images = images[:, None]
    if images.dim() != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape (N, 1 or 3, H, W), got {tuple(images.shape)}")
    lo, hi = value_range
    images = ((images - lo) / (hi - lo)).clamp(0, 1)
    n, c, h, w = images.shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    ncol = int(np.ceil(n / nrow))
    grid = torch.ones(c, ncol * (h + pad) + pad, nrow * (w + pad) + pad)
    for i in range(n):
        r, q = divmod(i, nrow)
        grid[
            :,
            pad + r * (h + pad) : pad + r * (h + pad) + h,
            pad + q * (w + pad) : pad + q * (w + pad) + w,
        ] = images[i]
    grid = grid.permute(1, 2, 0).numpy()
    return grid[..., 0] if c == 1 else grid


def show_images(
    images: Tensor,
    nrow: int | None = None,
    title: str | None = None,
    ax: plt.Axes | None = None,
    value_range: tuple[float, float] = (-1, 1),
) -> plt.Axes:
    """Show a grid of images on ``ax`` (a new figure if none)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    grid = image_grid(images, nrow, value_range)
    ax.imshow(
        grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest"
    )
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def animate(
    frames: Sequence,
    draw: Callable[[plt.Axes, object, int], None],
    figsize=(5, 4),
    interval: int = 200,
):
    """An animation that plays on the static HTML page: ``draw(ax, frame, i)`` renders one frame.

    Returns an ``IPython.display.HTML`` (matplotlib's JavaScript player), so it needs no kernel.
    """
    from IPython.display import HTML

    if len(frames) == 0:
        raise ValueError("animate needs at least one frame")
    fig, ax = plt.subplots(figsize=figsize)

    def update(i: int):
        ax.clear()
        draw(ax, frames[i], i)
        return []

    anim = animation.FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False)
    html = HTML(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return html
