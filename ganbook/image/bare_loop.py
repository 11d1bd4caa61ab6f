"""The whole GAN training loop on one screen: what :class:`ganbook.Trainer` runs, bare.

The DCGAN chapter shows this function's source (so its lines fit the page: 88 columns) and
checks that the Trainer, with its EMA switched off, ends with the same weights bit for bit.
Everything else the Trainer does (history, the NaN guard, checkpoints, losses by name,
penalties) is bookkeeping around these lines. ``bench/trainer_overhead.py`` times the
Trainer against it.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def bare_gan_loop(
    G: nn.Module,
    D: nn.Module,
    sample_real: Callable[[int], Tensor],
    steps: int,
    batch_size: int = 64,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    device: torch.device | str = "cpu",
) -> Tensor:
    """Train ``G`` and ``D`` for ``steps`` steps (non-saturating loss, Adam);
    return the losses, a ``(steps, 2)`` tensor of (D loss, G loss).

    ``sample_real(n)`` gives ``n`` real examples; ``G.latent_dim`` is the size
    of the noise; G and D are on ``device``."""
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
    G.train(), D.train()
    losses = []
    for _ in range(steps):
        # the discriminator: call real data real, fresh fakes fake (losses on logits)
        real = sample_real(batch_size).to(device)
        with torch.no_grad():
            fake = G(torch.randn(batch_size, G.latent_dim, device=device))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        # the generator: make the discriminator call new fakes real
        fake = G(torch.randn(batch_size, G.latent_dim, device=device))
        g_loss = F.softplus(-D(fake)).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        losses.append(torch.stack([d_loss.detach(), g_loss.detach()]))
    return torch.stack(losses)
