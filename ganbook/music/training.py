"""Train, save and reload chorale GANs with the shared :class:`ganbook.Trainer` (WGAN-GP).

The notebooks and ``bench/music_train.py`` (which made the shipped weights) all go through
:func:`make_trainer`, so a pretrained generator is exactly what a longer notebook run gives.
"""
from __future__ import annotations

import numpy as np
import torch

from ..checkpoint import load_model, save_model
from ..train import Trainer
from .corpus import Windows, make_sampler
from .grid import decode, encode
from .models import ChoraleCritic, ChoraleGenerator

DEFAULTS = {"latent_dim": 64, "hidden": 64, "bars": 4, "batch_size": 32, "d_steps": 2,
            "lr_g": 2e-4, "lr_d": 2e-4, "diversity_weight": 0.0}


class ChoraleTrainer(Trainer):
    """The shared Trainer plus an optional mode-seeking term in the generator's loss.

    With ``diversity_weight > 0`` the generator also minimises
    ``mean|z1 - z2| / (share of cells where G(z1) and G(z2) differ)`` over two halves of the batch (Mao et al., 2019,
    "Mode seeking GANs"): two different codes that give the same chorale cost extra, which
    pushes against mode collapse. With the default 0 this is exactly :class:`ganbook.Trainer`.
    """

    diversity_weight: float = 0.0

    def g_step(self, real, cond):
        if self.diversity_weight <= 0:
            return super().g_step(real, cond)
        z = self.sample_noise(real.shape[0])
        fake = self.G(z, *cond)
        loss = self.loss.g_loss(self.D(fake, *cond), None)
        half = real.shape[0] // 2
        # share of (voice, step) cells whose pitch differs, in [0, 1]
        spread = (fake[:half, ..., :-1] - fake[half:2 * half, ..., :-1]).abs().sum(-1).mean() / 2
        seeking = (z[:half] - z[half:2 * half]).abs().mean() / (spread + 1e-5)
        total = loss + self.diversity_weight * seeking
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        self.opt_g.step()
        return {"g_loss": loss.item(), "mode_seeking": seeking.item()}


def make_trainer(train: Windows, condition: str | None = None, **overrides) -> Trainer:
    """A Trainer (``loss="wgan-gp"``, Adam with betas (0.5, 0.9)) for a fresh generator and critic.

    ``overrides`` change any of :data:`DEFAULTS` or pass Trainer options (``checkpoint_path``...).
    """
    unknown = set(overrides) - set(DEFAULTS) - {"checkpoint_path", "checkpoint_every", "ema_decay", "gumbel"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; valid: {sorted(DEFAULTS)} and Trainer checkpoint options")
    cfg = {**DEFAULTS, **overrides}
    G = ChoraleGenerator(cfg["latent_dim"], cfg["hidden"], cfg["bars"], condition, gumbel=cfg.get("gumbel", False))
    D = ChoraleCritic(cfg["hidden"], cfg["bars"], condition)
    extra = {k: cfg[k] for k in ("checkpoint_path", "checkpoint_every", "ema_decay") if k in cfg}
    trainer = ChoraleTrainer(G, D, make_sampler(train, condition), loss="wgan-gp", batch_size=cfg["batch_size"],
                      d_steps=cfg["d_steps"], lr_g=cfg["lr_g"], lr_d=cfg["lr_d"], betas=(0.5, 0.9), **extra)
    trainer.diversity_weight = float(cfg["diversity_weight"])
    trainer.config = {k: cfg[k] for k in ("latent_dim", "hidden", "bars")} | {"condition": condition or "none"}
    return trainer


def save_generator(trainer: Trainer, name: str) -> None:
    """Ship the EMA generator (no critic, no optimizers) as ``ganbook/weights/NAME.pt``."""
    G = trainer.G_ema if trainer.G_ema is not None else trainer.G
    save_model(name, G, trainer.config, step=trainer.step, history=trainer.history)


def load_generator(name: str) -> tuple[ChoraleGenerator, dict]:
    """A shipped generator (in eval mode) and its checkpoint (``config``, ``step``, ``history``)."""

    def build(cfg: dict) -> ChoraleGenerator:
        condition = None if cfg["condition"] == "none" else cfg["condition"]
        return ChoraleGenerator(cfg["latent_dim"], cfg["hidden"], cfg["bars"], condition)

    return load_model(name, build)


@torch.no_grad()
def sample_grids(G: ChoraleGenerator, n: int, cond: torch.Tensor | None = None, z: torch.Tensor | None = None,
                 batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples from ``G`` (eval mode: argmax notes) as grids ``(pitch, onset)``."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n!r}")
    was_training = G.training
    G.eval()
    z = torch.randn(n, G.latent_dim) if z is None else z
    pitches, onsets = [], []
    for start in range(0, n, batch):
        args = () if cond is None else (cond[start:start + batch],)
        p, o = decode(G(z[start:start + batch], *args))
        pitches.append(p)
        onsets.append(o)
    G.train(was_training)
    return np.concatenate(pitches), np.concatenate(onsets)


def soprano_condition(data: Windows) -> torch.Tensor:
    """The soprano lines of ``data`` encoded as the ``"soprano"`` generator's condition ``(N, T, C)``."""
    return encode(data.pitch, data.onset)[:, 0]
