"""Walking the latent space: interpolation, attribute directions, and what a step along one does.

A standard-normal latent in d dimensions lives near the sphere of radius sqrt(d); the
straight line between two such points passes well inside it, where the generator saw few
codes during training. Spherical interpolation (White 2016) keeps the norm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from ..core.utils import lerp, slerp
from .recipes import sample


def interpolate(
    G: nn.Module,
    a: Tensor,
    b: Tensor,
    steps: int = 8,
    mode: str = "slerp",
    labels: Tensor | None = None,
) -> Tensor:
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


def attribute_direction(
    G: nn.Module,
    attribute: Callable[[Tensor], Tensor],
    n: int = 2000,
    share: float = 0.2,
    seed: int = 0,
    labels: Tensor | None = None,
) -> Tensor:
    """Unit latent direction from the codes whose images score lowest on ``attribute``
    to those scoring highest.

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


def steered_codes(
    n: int, latent_dim: int, seed: int, moves: Sequence[tuple[float, Tensor]] = ()
) -> Tensor:
    """``n`` seeded codes ``z ~ N(0, I)``, each moved by ``amount * direction`` for every move.

    The same seed gives the same starting codes, so a figure and a slider show one set of digits.
    """
    z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
    for amount, direction in moves:
        if direction.shape != (latent_dim,):
            raise ValueError(
                f"each direction must have shape ({latent_dim},), got {tuple(direction.shape)}"
            )
        z = z + amount * direction
    return z


@dataclass
class DirectionEffect:
    """What a step along a latent direction does, beside random directions of the same length."""

    before: float  # mean attribute of the starting codes' images
    after: float  # mean attribute after the step along the direction
    same_class: float  # share of codes whose predicted class survives the step
    random_change: Tensor  # mean attribute change along each random unit direction
    random_same_class: float  # share of classes kept, averaged over the random directions


@torch.no_grad()
def direction_effect(
    G: nn.Module,
    direction: Tensor,
    attribute: Callable[[Tensor], Tensor],
    predict: Callable[[Tensor], Tensor],
    n: int = 500,
    step: float = 2.0,
    n_random: int = 8,
    generator: torch.Generator | None = None,
) -> DirectionEffect:
    """Move ``n`` codes by ``step * direction``, and by ``step`` along ``n_random`` random ones.

    The random steps are the baseline: an attribute direction should change ``attribute`` far more
    than they do, while keeping ``predict``'s class about as often. ``generator`` draws the codes,
    then the random directions.
    """
    if not isinstance(n_random, int) or n_random < 1:
        raise ValueError(f"n_random must be a positive int, got {n_random!r}")
    base = torch.randn(n, G.latent_dim, generator=generator)
    start = sample(G, n, z=base)
    before, classes = attribute(start).mean().item(), predict(start)
    moved = sample(G, n, z=base + step * direction)
    same_class = (classes == predict(moved)).float().mean().item()
    random_dirs = torch.randn(n_random, G.latent_dim, generator=generator)
    random_dirs /= random_dirs.norm(dim=1, keepdim=True)
    random_moved = [sample(G, n, z=base + step * r) for r in random_dirs]
    return DirectionEffect(
        before=before,
        after=attribute(moved).mean().item(),
        same_class=same_class,
        random_change=torch.tensor([attribute(x).mean().item() - before for x in random_moved]),
        random_same_class=torch.tensor(
            [(classes == predict(x)).float().mean().item() for x in random_moved]
        )
        .mean()
        .item(),
    )
