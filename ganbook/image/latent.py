"""Walking the latent space: linear and spherical interpolation, and attribute directions.

A standard-normal latent in d dimensions lives near the sphere of radius sqrt(d); the
straight line between two such points passes well inside it, where the generator saw few
codes during training. Spherical interpolation (White 2016) keeps the norm.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from ..utils import slerp
from .recipes import sample


def lerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    """Linear interpolation ``(1 - t) a + t b``, with the shapes of :func:`ganbook.utils.slerp`.

    ``a`` and ``b`` are vectors ``(d,)`` or batches ``(n, d)``; a single ``t`` keeps their shape,
    a 1-D tensor of ``k`` fractions adds a leading dimension of ``k``.
    """
    if a.shape != b.shape or a.dim() not in (1, 2):
        raise ValueError(f"a and b must be vectors or (n, d) batches of the same shape, "
                         f"got {tuple(a.shape)} and {tuple(b.shape)}")
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    single = t.dim() == 0
    t = t.reshape(-1, *([1] * a.dim()))
    out = (1 - t) * a + t * b
    return out[0] if single else out


def interpolate(G: nn.Module, a: Tensor, b: Tensor, steps: int = 8, mode: str = "slerp",
                labels: Tensor | None = None) -> Tensor:
    """Images along the path from latent ``a`` to ``b`` (``steps`` points, ends included)."""
    if mode not in ("lerp", "slerp"):
        raise ValueError(f"mode must be 'lerp' or 'slerp', got {mode!r}")
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an int >= 2, got {steps!r}")
    if a.dim() != 1:
        raise ValueError(f"a and b must be latent vectors (d,), got shape {tuple(a.shape)}")
    t = torch.linspace(0, 1, steps)
    z = lerp(a, b, t) if mode == "lerp" else slerp(a, b, t)
    return sample(G, steps, labels, z=z)


def attribute_direction(G: nn.Module, attribute: Callable[[Tensor], Tensor], n: int = 2000, share: float = 0.2,
                        seed: int = 0, labels: Tensor | None = None) -> Tensor:
    """Unit latent direction from the codes whose images score lowest on ``attribute`` to those scoring highest.

    ``attribute(images) -> (n,)`` scores each image (ink, width, a classifier's logit...);
    the direction is mean(z of the top ``share``) - mean(z of the bottom ``share``).
    """
    if not 0 < share <= 0.5:
        raise ValueError(f"share must be in (0, 0.5], got {share!r}")
    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(seed))
    scores = attribute(sample(G, n, labels, z=z))
    order = scores.argsort()
    k = max(1, int(share * n))
    direction = z[order[-k:]].mean(0) - z[order[:k]].mean(0)
    return direction / direction.norm()


def ink(images: Tensor) -> Tensor:
    """Mean brightness of each image (how much stroke a digit has), an attribute to steer."""
    return images.flatten(1).mean(1)
