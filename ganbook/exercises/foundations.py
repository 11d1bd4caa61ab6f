"""Checkers for the core-concepts and minimax chapters: the GAN loss and the optimal D."""

from __future__ import annotations

from typing import Callable

import torch

from .runner import Case, run_checks


def _logits(gen: torch.Generator, *shape: int, scale: float = 2.0) -> torch.Tensor:
    return torch.randn(*shape, generator=gen) * scale


def check_discriminator_loss(fn: Callable) -> bool:
    """``fn(real_logits, fake_logits)`` must be the discriminator's loss on logits,
    -mean log D(x) - mean log(1 - D(G(z))), as :func:`ganbook.core.losses.d_loss_bce`."""
    from ..core.losses import d_loss_bce

    gen = torch.Generator().manual_seed(0)
    cases = [
        Case((_logits(gen, 8), _logits(gen, 8)), "random logits"),
        Case((torch.zeros(4), torch.zeros(4)), "D = 1/2 everywhere: the equilibrium, log 4"),
        Case((_logits(gen, 5), _logits(gen, 3)), "5 real and 3 fake: average each separately"),
        Case((torch.tensor([30.0, 60.0]), torch.tensor([-40.0, -90.0])),
             "a confident, correct D: the loss is almost 0"),
        Case((torch.tensor([-120.0, 5.0]), torch.tensor([150.0, 0.0])),
             "a confident, wrong D: log(sigmoid(x)) overflows here; use softplus"),
    ]
    return run_checks(fn, d_loss_bce, cases, atol=1e-5, rtol=1e-5)


def check_optimal_discriminator(fn: Callable) -> bool:
    """``fn(p_data, p_g)`` must be D* = p_data / (p_data + p_g) pointwise, 1/2 where both are 0,
    as :func:`ganbook.foundations.theory.optimal_discriminator`."""
    from ..foundations.theory import normal_pdf, optimal_discriminator

    gen = torch.Generator().manual_seed(1)
    grid = torch.linspace(-4, 4, 9, dtype=torch.float64)
    cases = [
        Case((torch.rand(6, generator=gen, dtype=torch.float64),
              torch.rand(6, generator=gen, dtype=torch.float64)), "random densities"),
        Case((normal_pdf(grid, 0.0, 1.0), normal_pdf(grid, 1.0, 1.0)), "two Gaussians"),
        Case((normal_pdf(grid, 0.0, 1.0),) * 2, "p_g = p_data: D* is 1/2 everywhere"),
        Case((torch.tensor([0.5, 0.0, 0.2], dtype=torch.float64),
              torch.tensor([0.0, 0.4, 0.0], dtype=torch.float64)),
             "disjoint supports: D* is 1 or 0"),
        Case((torch.tensor([0.0, 0.3, 0.0], dtype=torch.float64),
              torch.tensor([0.0, 0.1, 0.0], dtype=torch.float64)),
             "both densities 0 at the ends: D* = 1/2 there by convention, not 0/0"),
    ]
    return run_checks(fn, optimal_discriminator, cases, atol=1e-9, rtol=1e-7)
