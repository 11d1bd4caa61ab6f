"""Frames for the toy animations: densities and D in 1-D, decision surfaces and samples in 2-D."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import Tensor

from .mixtures import GaussianMixture


def draw_1d(
    ax: plt.Axes, frame: dict, mixture: GaussianMixture, points: Tensor, bins: int = 60
) -> None:
    """p_data (exact), a histogram of G's samples, and D(x) on a twin axis,
    as in Goodfellow (2014), Fig. 1."""
    x = points[:, 0].numpy()
    ax.plot(x, mixture.pdf(points).numpy(), color="black", lw=1.5, label="$p_{data}$")
    samples = frame["samples"][:, 0].clamp(float(x[0]), float(x[-1])).numpy()
    ax.hist(
        samples,
        bins=bins,
        range=(x[0], x[-1]),
        density=True,
        color="tab:green",
        alpha=0.5,
        label="$p_g$ (samples)",
    )
    ax.plot(x, frame["d"].numpy(), color="tab:blue", lw=1.5, ls="--", label="$D(x)$")
    ax.axhline(0.5, color="grey", lw=0.6, ls=":")
    ax.set(
        xlim=(x[0], x[-1]),
        ylim=(0, max(1.05, float(mixture.pdf(points).max()) * 1.1)),
        xlabel="x",
        title=f"step {frame['step']}",
    )
    ax.legend(loc="upper right", fontsize=8)


def draw_2d(
    ax: plt.Axes,
    frame: dict,
    mixture: GaussianMixture,
    points: Tensor,
    probabilities: bool = True,
    colorbar: bool = False,
) -> None:
    """D's decision surface (colour), G's samples (green)
    and the true mode centres (black crosses)."""
    n = int(round(len(points) ** 0.5))
    xx, yy = points[:, 0].reshape(n, n).numpy(), points[:, 1].reshape(n, n).numpy()
    levels = np.linspace(0, 1, 11) if probabilities else 11
    cs = ax.contourf(
        xx, yy, frame["d"].reshape(n, n).numpy(), levels=levels, cmap="RdBu_r", alpha=0.75
    )
    if colorbar:
        ax.figure.colorbar(cs, ax=ax, label="D(x)" if probabilities else "critic(x)")
    s = frame["samples"].numpy()
    ax.scatter(s[:, 0], s[:, 1], s=4, color="tab:green", alpha=0.6)
    m = mixture.means.numpy()
    ax.scatter(m[:, 0], m[:, 1], marker="x", s=40, color="black")
    title = f"step {frame['step']}"
    if "modes" in frame:
        title += f": {frame['modes']}/{mixture.n_modes} modes"
    ax.set(xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()), aspect="equal", title=title)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_samples(
    ax: plt.Axes, samples: Tensor, mixture: GaussianMixture, title: str = "", lim: float = 3.0
) -> None:
    """A scatter of 2-D samples over the mixture's mode centres."""
    s = torch.as_tensor(samples).numpy()
    ax.scatter(s[:, 0], s[:, 1], s=3, alpha=0.4, color="tab:green")
    m = mixture.means.numpy()
    ax.scatter(m[:, 0], m[:, 1], marker="x", s=40, color="black")
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", title=title)
    ax.set_xticks([])
    ax.set_yticks([])
