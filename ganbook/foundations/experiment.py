"""Toy GAN runs for the two-player-game chapter: one recipe, and a callback that films training."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..core.device import seed_everything
from ..core.nets import MLPDiscriminator, MLPGenerator
from ..core.train import Trainer
from ..core.utils import eval_mode
from .coverage import mode_coverage
from .mixtures import GaussianMixture


def toy_gan(
    mixture: GaussianMixture,
    loss: str = "non-saturating",
    *,
    latent_dim: int = 2,
    hidden: int = 128,
    layers: int = 3,
    lr: float = 1e-3,
    d_steps: int = 1,
    batch_size: int = 256,
    ema_decay: float | None = 0.999,
    seed: int = 0,
) -> Trainer:
    """A seeded MLP generator/discriminator pair on ``mixture``, ready to ``fit``
    (on the CPU: toys are tiny)."""
    seed_everything(seed)
    G = MLPGenerator(latent_dim, mixture.dim, hidden=hidden, layers=layers)
    D = MLPDiscriminator(mixture.dim, hidden=hidden, layers=layers)
    return Trainer(
        G,
        D,
        mixture.sample,
        loss=loss,
        batch_size=batch_size,
        d_steps=d_steps,
        lr_g=lr,
        lr_d=lr,
        ema_decay=ema_decay,
        device="cpu",
    )


def grid_points(lim: float, n: int = 100, dim: int = 2) -> Tensor:
    """A regular grid on [-lim, lim]^dim as points of shape (n**dim, dim)
    (row-major for ``reshape(n, n)``)."""
    if not lim > 0 or n < 2 or dim not in (1, 2):
        raise ValueError(
            f"need lim > 0, n >= 2 and dim in (1, 2); got lim={lim!r}, n={n!r}, dim={dim!r}"
        )
    ticks = torch.linspace(-lim, lim, n)
    if dim == 1:
        return ticks[:, None]
    yy, xx = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([xx.flatten(), yy.flatten()], 1)


@torch.no_grad()
def discriminator_map(D: nn.Module, points: Tensor, probabilities: bool = True) -> Tensor:
    """D's verdict at ``points``: sigmoid(logit) (or the raw critic score),
    in eval mode, without touching any RNG."""
    with eval_mode(D):
        out = D(points)
    return torch.sigmoid(out) if probabilities else out


class Snapshots:
    """Callback ``(every, snaps)`` for ``Trainer.fit``: records G's samples and D on a grid.

    The generator sees the same fixed latent codes at every snapshot (drawn from a private
    RNG, so filming a run does not change it). With ``mixture`` it also records modes hit.
    """

    def __init__(
        self,
        points: Tensor,
        n_samples: int = 512,
        mixture: GaussianMixture | None = None,
        seed: int = 1234,
    ) -> None:
        if n_samples <= 0:
            raise ValueError(f"n_samples must be positive, got {n_samples!r}")
        self.points, self.n_samples, self.mixture, self.seed = points, n_samples, mixture, seed
        self.frames: list[dict] = []
        self._z: Tensor | None = None

    @torch.no_grad()
    def __call__(self, trainer: Trainer) -> None:
        if self._z is None:
            gen = torch.Generator().manual_seed(self.seed)
            self._z = torch.randn(self.n_samples, trainer.latent_dim, generator=gen)
        with eval_mode(trainer.G):
            samples = trainer.G(self._z.to(trainer.device)).cpu()
        frame = {
            "step": trainer.step,
            "samples": samples,
            "d": discriminator_map(
                trainer.D, self.points.to(trainer.device), trainer.loss.probabilistic
            ).cpu(),
        }
        if self.mixture is not None:
            frame["modes"] = mode_coverage(samples, self.mixture).modes_hit
        self.frames.append(frame)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, i: int) -> dict:
        return self.frames[i]
