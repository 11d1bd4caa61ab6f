"""Mode coverage: how many modes of a mixture a generator reaches, and how cleanly.

Following the unrolled-GAN and VEEGAN papers: a sample is *high quality* if it lies within
``n_std`` standard deviations of its nearest mode; a mode is *covered* if it receives at
least ``min_share`` of the high-quality samples it would get under perfect coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ..core.callbacks import put, untouched
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


class ModeShare:
    """Records ``diversity``: the share of a toy mixture's modes the raw generator covers.

    Uses :func:`mode_coverage` on ``n_samples`` fakes (1 = every mode, as real data would):
    the diversity signal :func:`ganbook.beyond.diagnose.diagnose` reads for collapse.
    """

    def __init__(self, mixture: Any, n_samples: int = 1000) -> None:
        if not isinstance(n_samples, int) or n_samples <= 0:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
        self.mixture, self.n_samples = mixture, n_samples

    @torch.no_grad()
    def __call__(self, trainer: Any) -> None:
        with untouched(trainer, [trainer.G]):
            samples = trainer.generate(self.n_samples, ema=False)
        cover = mode_coverage(samples, self.mixture)
        put(trainer, "diversity", cover.modes_hit / cover.n_modes)
