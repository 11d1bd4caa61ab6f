"""Small helpers every domain needs: eval mode for a block, parameter counts,
slerp, seeded sampling.

They live here once so that image, text and music code (and the notebooks) share them
instead of rewriting them.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import Tensor, nn


@contextmanager
def eval_mode(*modules: nn.Module) -> Iterator[None]:
    """Put ``modules`` in eval mode for the ``with`` block, then restore each one's previous mode.

    Batch norm then uses its running statistics and dropout is off, as when sampling.
    """
    modes = [m.training for m in modules]
    try:
        for m in modules:
            m.eval()
        yield
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


EMAPairs = tuple[list[Tensor], list[Tensor], list[tuple[Tensor, Tensor]]]


def ema_pairs(ema: nn.Module, model: nn.Module) -> EMAPairs:
    """What :func:`ema_update` moves: both modules' parameters and their buffers, paired.

    Walking a module's tree costs more than the update itself for small networks, so a
    training loop builds these lists once and passes them on every step.
    """
    buffers = list(zip(ema.buffers(), model.buffers()))
    return list(ema.parameters()), list(model.parameters()), buffers


@torch.no_grad()
def ema_update(
    ema: nn.Module, model: nn.Module, step: int, decay: float, pairs: EMAPairs | None = None
) -> None:
    """Move ``ema``'s weights toward ``model``'s (an exponential moving average) and copy its
    buffers. The decay warms up as ``(1 + step) / (10 + step)`` until it reaches ``decay``
    (as in TF's EMA), so early averages do not remember the random initialisation.
    ``pairs`` (from :func:`ema_pairs`) saves walking both modules again."""
    decay = min(decay, (1 + step) / (10 + step))
    averaged, current, buffers = pairs if pairs is not None else ema_pairs(ema, model)
    # One fused call over all parameters (what torch.optim uses) instead of a Python loop.
    torch._foreach_lerp_(averaged, current, 1.0 - decay)
    for b_ema, b in buffers:
        b_ema.copy_(b)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _fractions(a: Tensor, b: Tensor, t: Tensor | float) -> tuple[Tensor, bool]:
    """Check the end points; return ``t`` shaped (k, 1[, 1]) and whether it was one number."""
    if a.shape != b.shape or a.dim() not in (1, 2):
        raise ValueError(
            f"a and b must be vectors or (n, d) batches of the same shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    return t.reshape(-1, *([1] * a.dim())), t.dim() == 0


def lerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    """Linear interpolation ``(1 - t) a + t b``, with the shapes of :func:`slerp`."""
    t, single = _fractions(a, b, t)
    out = (1 - t) * a + t * b
    return out[0] if single else out


def slerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    """Spherical interpolation from ``a`` to ``b`` along the last dimension (White 2016).

    ``a`` and ``b`` are vectors ``(d,)`` or batches ``(n, d)``; ``t`` is a number or a 1-D
    tensor of ``k`` fractions. Vectors give ``(d,)`` for a single ``t``, else ``(k, d)``;
    batches give ``(n, d)`` for a single ``t``, else ``(k, n, d)``. Pairs that are (nearly)
    parallel fall back to linear interpolation, where slerp's formula divides by zero.
    """
    t, single = _fractions(a, b, t)
    cos = (a * b).sum(-1, keepdim=True) / (
        a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True)
    )
    omega = torch.arccos(cos.clamp(-1, 1))
    sin = torch.sin(omega)
    parallel = sin.abs() < 1e-4
    safe = torch.where(parallel, torch.ones_like(sin), sin)
    spherical = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / safe
    linear = (1 - t) * a + t * b
    out = torch.where(parallel, linear, spherical)
    return out[0] if single else out


@torch.no_grad()
def sample(
    G: nn.Module,
    n: int,
    *cond: Tensor,
    seed: int | None = None,
    z: Tensor | None = None,
    batch_size: int = 1024,
) -> Tensor:
    """``n`` outputs of ``G(z, *cond)`` in eval mode, on the CPU, in batches of ``batch_size``.

    ``seed`` draws the latents from a private generator (the global RNG is untouched); ``z``
    passes them directly. ``cond`` tensors (labels, a condition) have ``n`` rows each; a
    ``None`` among them is left out, so ``sample(G, n, labels)`` serves any generator.
    """
    cond = tuple(c for c in cond if c is not None)
    if not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    for c in cond:
        if len(c) != n:
            raise ValueError(f"each cond tensor must have n={n} rows, got {len(c)}")
    if z is None:
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        z = torch.randn(n, G.latent_dim, generator=gen)
    elif len(z) != n:
        raise ValueError(f"z must have n={n} rows, got {len(z)}")
    device = next(G.parameters()).device
    out = []
    with eval_mode(G):
        for i in range(0, n, batch_size):
            args = [c[i : i + batch_size].to(device) for c in cond]
            out.append(G(z[i : i + batch_size].to(device), *args).cpu())
    return torch.cat(out)
