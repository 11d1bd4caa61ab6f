"""Gaussian mixtures with known density: the data whose optimum we can compute by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class GaussianMixture:
    """Equal-weight mixture of isotropic Gaussians with centres ``means`` (K, dim)
    and one ``std``."""

    means: Tensor
    std: float
    weights: Tensor | None = None

    def __post_init__(self) -> None:
        self.means = torch.as_tensor(self.means, dtype=torch.float32)
        if self.means.dim() == 1:
            self.means = self.means[:, None]
        if self.means.dim() != 2 or self.means.shape[0] < 1:
            raise ValueError(f"means must have shape (K, dim), got {tuple(self.means.shape)}")
        if not self.std > 0:
            raise ValueError(f"std must be positive, got {self.std!r}")
        k = self.means.shape[0]
        w = (
            torch.full((k,), 1.0 / k)
            if self.weights is None
            else torch.as_tensor(self.weights, dtype=torch.float32)
        )
        if w.shape != (k,) or (w < 0).any() or not torch.isclose(w.sum(), torch.tensor(1.0)):
            raise ValueError(f"weights must be {k} non-negative numbers summing to 1")
        self.weights = w

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def n_modes(self) -> int:
        return self.means.shape[0]

    def sample(self, n: int) -> Tensor:
        """``n`` samples of shape (n, dim), drawn with torch's global RNG."""
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"n must be a positive int, got {n!r}")
        idx = torch.multinomial(self.weights, n, replacement=True)
        return self.means[idx] + self.std * torch.randn(n, self.dim)

    def log_prob(self, x: Tensor) -> Tensor:
        """Exact log density at points ``x`` of shape (n, dim)."""
        x = torch.as_tensor(x, dtype=torch.float32)
        if x.dim() == 1 and self.dim == 1:
            x = x[:, None]
        sq = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)  # (n, K)
        log_norm = -0.5 * self.dim * math.log(2 * math.pi * self.std**2)
        return torch.logsumexp(self.weights.log()[None] + log_norm - sq / (2 * self.std**2), dim=1)

    def pdf(self, x: Tensor) -> Tensor:
        return self.log_prob(x).exp()


def mixture_1d(means: tuple[float, ...] = (-2.0, 2.0), std: float = 0.5) -> GaussianMixture:
    """A 1-D mixture (two bumps by default): small enough to plot D and both densities exactly."""
    return GaussianMixture(torch.tensor(means, dtype=torch.float32)[:, None], std)


def ring_2d(n_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture:
    """``n_modes`` Gaussians evenly spaced on a circle: the classic mode-collapse benchmark."""
    if n_modes < 1:
        raise ValueError(f"n_modes must be positive, got {n_modes}")
    angles = torch.arange(n_modes) * (2 * math.pi / n_modes)
    return GaussianMixture(radius * torch.stack([angles.cos(), angles.sin()], 1), std)


def grid_2d(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """A ``side`` x ``side`` grid of Gaussians centred on the origin (25 modes by default)."""
    if side < 1:
        raise ValueError(f"side must be positive, got {side}")
    ticks = (torch.arange(side) - (side - 1) / 2) * spacing
    xx, yy = torch.meshgrid(ticks, ticks, indexing="ij")
    return GaussianMixture(torch.stack([xx.flatten(), yy.flatten()], 1), std)
