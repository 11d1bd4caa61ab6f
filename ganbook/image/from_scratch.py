"""The evaluation chapter's three metrics written the short way, to read next to their formulas.

Each is the textbook definition in a few lines of torch on feature matrices (one row per
image). :mod:`ganbook.image.metrics` computes the same numbers the way the book measures with
them (float64, subsets, the evaluator's scaling); the unit tests hold the two to agreement.
"""

from __future__ import annotations

import torch
from torch import Tensor


def fd_from_scratch(a: Tensor, b: Tensor) -> float:
    """Fréchet distance of Gaussians fitted to ``a`` and ``b`` (Heusel et al. 2017):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^1/2), the root's trace from
    eigenvalues."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    eig = torch.linalg.eigvals(cov_a @ cov_b).real.clamp(min=0)
    return float(
        ((mu_a - mu_b) ** 2).sum()
        + cov_a.trace()
        + cov_b.trace()
        - 2 * eig.sqrt().sum()
    )


def mmd2_unbiased(x: Tensor, y: Tensor) -> float:
    """KID's statistic (Bińkowski et al. 2018): the unbiased squared MMD with the
    cubic kernel k(x, y) = (x.y / d + 1)^3, leaving out the k(x_i, x_i) terms."""
    d = x.shape[1]
    kxx, kyy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float(
        (kxx.sum() - kxx.trace()) / (m * (m - 1))
        + (kyy.sum() - kyy.trace()) / (n * (n - 1))
        - 2 * kxy.mean()
    )


def pr_from_scratch(real: Tensor, fake: Tensor, k: int = 3) -> tuple[float, float]:
    """Precision and recall (Kynkäänniemi et al. 2019): the share of fakes inside
    balls around the reals (radius: distance to the k-th nearest real), and the
    reverse."""
    # k + 1: each point is its own nearest neighbour
    r_real = torch.cdist(real, real).kthvalue(k + 1, dim=1).values
    r_fake = torch.cdist(fake, fake).kthvalue(k + 1, dim=1).values
    d = torch.cdist(fake, real)
    return (
        float((d <= r_real).any(1).double().mean()),
        float((d.T <= r_fake).any(1).double().mean()),
    )
