"""Mode coverage: how many modes of a mixture a generator reaches, and how cleanly.

Following the unrolled-GAN and VEEGAN papers: a sample is *high quality* if it lies within
``n_std`` standard deviations of its nearest mode; a mode is *covered* if it receives at
least ``min_share`` of the high-quality samples it would get under perfect coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .mixtures import GaussianMixture


@dataclass
class ModeCoverage:
    modes_hit: int
    n_modes: int
    high_quality: float  # share of samples within n_std of a mode
    counts: list[int]  # high-quality samples per mode

    def __str__(self) -> str:
        return (
            f"{self.modes_hit}/{self.n_modes} modes, {self.high_quality:.0%} high-quality samples"
        )


def mode_coverage(
    samples: Tensor, mixture: GaussianMixture, n_std: float = 3.0, min_share: float = 0.1
) -> ModeCoverage:
    """Count modes hit and the share of high-quality samples (see the module docstring)."""
    samples = torch.as_tensor(samples, dtype=torch.float32).detach().cpu()
    if samples.dim() == 1 and mixture.dim == 1:
        samples = samples[:, None]
    if samples.dim() != 2 or samples.shape[1] != mixture.dim:
        raise ValueError(f"samples must have shape (n, {mixture.dim}), got {tuple(samples.shape)}")
    dist = torch.cdist(samples, mixture.means)  # (n, K)
    nearest_dist, nearest = dist.min(dim=1)
    good = nearest_dist <= n_std * mixture.std
    counts = torch.bincount(nearest[good], minlength=mixture.n_modes)
    fair = len(samples) / mixture.n_modes
    hit = int((counts >= max(1.0, min_share * fair)).sum())
    return ModeCoverage(hit, mixture.n_modes, float(good.float().mean()), counts.tolist())
