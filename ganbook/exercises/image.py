"""Checkers for the image chapters: losses, interpolation and the sample-quality measures."""

from __future__ import annotations

from typing import Callable

import torch

from .runner import Case, run_checks


def _normal(gen: torch.Generator, *shape: int, shift: float = 0.0) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64) + shift


def check_frechet_distance(fn: Callable) -> bool:
    """``fn(a, b)`` for feature rows ``a`` (n, d) and ``b`` (m, d) must be the Fréchet distance
    of Gaussians fitted to them (covariances with n - 1), as
    :func:`ganbook.image.metrics.frechet_distance`."""
    from ..image.metrics import frechet_distance

    gen = torch.Generator().manual_seed(2)
    a = _normal(gen, 40, 3)
    stretch = torch.tensor([[2.0, 0.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.3]], dtype=torch.float64)
    cases = [
        Case((a, _normal(gen, 50, 3)), "two samples of the same Gaussian"),
        Case((a, a.clone()), "a set against itself: 0"),
        Case((a, a + 1.5), "a shift by 1.5 in each of 3 dims: 3 x 1.5^2 = 6.75"),
        Case((a, _normal(gen, 60, 3) @ stretch), "different covariances"),
        Case((_normal(gen, 30, 2), _normal(gen, 20, 2, shift=-1.0) * 0.5), "two features"),
        Case((_normal(gen, 6, 8), _normal(gen, 7, 8)),
             "fewer rows than features: singular covariances"),
    ]
    return run_checks(fn, frechet_distance, cases, atol=1e-5, rtol=1e-4)


def check_hinge_loss(fn: Callable) -> bool:
    """``fn(real_logits, fake_logits)`` must be the hinge discriminator loss
    mean relu(1 - real) + mean relu(1 + fake), as :func:`ganbook.core.losses.d_loss_hinge`."""
    from ..core.losses import d_loss_hinge

    gen = torch.Generator().manual_seed(3)
    cases = [
        Case((torch.randn(8, generator=gen) * 2, torch.randn(8, generator=gen) * 2),
             "random logits"),
        Case((torch.zeros(3), torch.zeros(3)), "all logits 0: a loss of 1 on each side"),
        Case((torch.tensor([1.5, 4.0]), torch.tensor([-2.0, -1.0])),
             "every margin met: nothing to learn, loss 0"),
        Case((torch.tensor([-3.0, 0.5, 2.0]), torch.tensor([3.0])),
             "3 real and 1 fake: average each side separately"),
    ]
    return run_checks(fn, d_loss_hinge, cases, atol=1e-6, rtol=1e-6)


def check_class_shares(fn: Callable) -> bool:
    """``fn(predicted, n_classes)`` must give the share of samples in each class (a list or a
    tensor of ``n_classes`` numbers), as :func:`ganbook.image.metrics.class_shares`."""
    from ..image.metrics import class_shares

    gen = torch.Generator().manual_seed(4)
    cases = [
        Case((torch.randint(10, (50,), generator=gen), 10), "50 random labels"),
        Case((torch.tensor([0, 0, 1, 3, 3, 3]), 5), "classes 2 and 4 never drawn: share 0"),
        Case((torch.full((7,), 2), 3), "a collapsed generator: one class only"),
        Case((torch.tensor([9]), 10), "one sample, of the last class"),
    ]
    return run_checks(fn, class_shares, cases, atol=1e-9, rtol=1e-9)


def check_mmd(fn: Callable) -> bool:
    """``fn(x, y)`` must be the unbiased squared MMD with the KID kernel
    k(u, v) = (u.v / d + 1)^3, as one subset of :func:`ganbook.image.metrics.kernel_distance`."""
    from ..image.metrics import _mmd2_unbiased

    gen = torch.Generator().manual_seed(5)
    cases = [
        Case((_normal(gen, 20, 3), _normal(gen, 20, 3, shift=1.0)), "a shifted Gaussian"),
        Case((_normal(gen, 15, 4), _normal(gen, 25, 4)),
             "the same distribution, 15 against 25 rows: near 0, and can be negative"),
        Case((_normal(gen, 10, 1), _normal(gen, 12, 1, shift=-2.0)), "one feature"),
        Case((torch.ones(3, 2, dtype=torch.float64), -torch.ones(4, 2, dtype=torch.float64)),
             "identical rows within each set: leave out k(x_i, x_i), not just i < j pairs"),
    ]
    return run_checks(fn, _mmd2_unbiased, cases, atol=1e-9, rtol=1e-7)


def check_slerp(fn: Callable) -> bool:
    """``fn(a, b, t)`` for vectors ``a``, ``b`` and a number ``t`` must be the spherical
    interpolation of :func:`ganbook.core.utils.slerp` (linear where a and b are parallel)."""
    from ..core.utils import slerp

    gen = torch.Generator().manual_seed(6)
    a, b = _normal(gen, 8), _normal(gen, 8)
    e1, e2 = torch.eye(2, dtype=torch.float64)
    cases = [
        Case((a, b, 0.3), "two random codes"),
        Case((a, b, 0.0), "t = 0: a itself"),
        Case((a, b, 1.0), "t = 1: b itself"),
        Case((e1, e2, 0.5), "orthogonal unit vectors: the middle has norm 1, not 0.71"),
        Case((a, 3 * b, 0.25), "different norms"),
        Case((a, 2 * a, 0.5), "parallel codes: sin(angle) = 0, so interpolate linearly"),
    ]
    return run_checks(fn, slerp, cases, atol=1e-6, rtol=1e-6)


def check_in_manifold(fn: Callable) -> bool:
    """``fn(reference, queries, k)`` must say, per query row, whether it lies inside some
    reference point's ball reaching its k-th nearest other reference point (radius inclusive),
    as :func:`ganbook.image.metrics.in_manifold`."""
    from ..image.metrics import in_manifold

    gen = torch.Generator().manual_seed(7)
    ref = _normal(gen, 30, 2)
    cases = [
        Case((ref, _normal(gen, 20, 2), 3), "random queries, k = 3"),
        Case((ref, ref[:5].clone(), 3), "the reference points themselves: all inside"),
        Case((ref, _normal(gen, 6, 2, shift=20.0), 3), "far away: all outside"),
        Case((ref, _normal(gen, 20, 2) * 1.5, 1), "k = 1: the nearest *other* point"),
        Case((_normal(gen, 12, 5), _normal(gen, 10, 5), 4), "five features"),
    ]
    return run_checks(fn, in_manifold, cases)
