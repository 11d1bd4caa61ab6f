"""The one training loop: alternating discriminator and generator updates for any GAN.

``Trainer`` works for any generator ``G(z, *cond)`` and discriminator ``D(x, *cond)`` that
return logits. Domain chapters that need a different generator update (SeqGAN's policy
gradient) subclass it and override :meth:`Trainer.g_step`; everything else (n D steps per
G step, separate learning rates, EMA, history, progress bar, NaN guard, checkpoints and
resume) is shared.
"""
from __future__ import annotations

import copy
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from .checkpoint import get_rng_state, load_checkpoint, save_checkpoint, set_rng_state
from .device import get_device
from .losses import GANLoss, get_loss, gradient_penalty

Batch = Tensor | tuple[Tensor, ...]
Callback = tuple[int, Callable[["Trainer"], None]]

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake", "gp", "seconds")


def _positive(name: str, value: float, integer: bool = True) -> None:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if not ok or value <= 0:
        kind = "a positive int" if integer else "a positive number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")


class Trainer:
    """Trains ``generator`` against ``discriminator`` on batches from ``sample_real``.

    ``sample_real(batch_size)`` returns a tensor of real data, or a tuple ``(x, *cond)``
    whose extra tensors (labels) are passed to both networks; fakes are made for the same
    labels. It should draw its randomness from torch's global RNG, so that checkpoints
    (which store that RNG) make resumed runs exact.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        sample_real: Callable[[int], Batch],
        *,
        loss: str | GANLoss = "non-saturating",
        latent_dim: int | None = None,
        noise: Callable[[int, torch.device], Tensor] | None = None,
        batch_size: int = 64,
        d_steps: int = 1,
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        ema_decay: float | None = 0.999,
        gp_weight: float | None = None,
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
    ) -> None:
        _positive("batch_size", batch_size)
        _positive("d_steps", d_steps)
        _positive("lr_g", lr_g, integer=False)
        _positive("lr_d", lr_d, integer=False)
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None, got {ema_decay!r}")
        if checkpoint_every < 0:
            raise ValueError(f"checkpoint_every must be >= 0, got {checkpoint_every!r}")
        self.loss = get_loss(loss)
        self.gp_weight = self.loss.gp_weight if gp_weight is None else float(gp_weight)
        self.device = torch.device(device) if device is not None else get_device()
        self.G = generator.to(self.device)
        self.D = discriminator.to(self.device)
        self.latent_dim = latent_dim if latent_dim is not None else getattr(generator, "latent_dim", None)
        if noise is None and self.latent_dim is None:
            raise ValueError("pass latent_dim=..., a noise=... function, or give the generator a latent_dim attribute")
        self._noise = noise
        self.sample_real = sample_real
        self.batch_size = batch_size
        self.d_steps = d_steps
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr_d, betas=betas)
        self.ema_decay = ema_decay
        self.G_ema = self._make_ema() if ema_decay is not None else None
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self.checkpoint_every = checkpoint_every
        self.step = 0
        self.history: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
        self._elapsed = 0.0

    # -- pieces a subclass may override ---------------------------------------------------

    def sample_noise(self, n: int) -> Tensor:
        """Latent codes for ``n`` fakes (standard normal unless a ``noise`` function was given)."""
        if self._noise is not None:
            return self._noise(n, self.device)
        return torch.randn(n, self.latent_dim, device=self.device)

    def real_batch(self) -> tuple[Tensor, tuple[Tensor, ...]]:
        """One real batch as ``(x, cond)``, on the trainer's device."""
        batch = self.sample_real(self.batch_size)
        if isinstance(batch, (tuple, list)):
            x, *cond = batch
        else:
            x, cond = batch, []
        return x.to(self.device), tuple(c.to(self.device) for c in cond)

    def d_step(self, real: Tensor, cond: tuple[Tensor, ...]) -> dict[str, float]:
        """One discriminator update; returns the numbers to record."""
        with torch.no_grad():
            fake = self.G(self.sample_noise(real.shape[0]), *cond)
        real_logits = self.D(real, *cond)
        fake_logits = self.D(fake, *cond)
        loss = self.loss.d_loss(real_logits, fake_logits)
        gp = torch.zeros((), device=self.device)
        if self.gp_weight > 0:
            gp = gradient_penalty(self.D, real, fake, *cond)
            loss = loss + self.gp_weight * gp
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        squash = torch.sigmoid if self.loss.probabilistic else (lambda t: t)
        return {"d_loss": loss.item(), "gp": gp.item(),
                "d_real": squash(real_logits.detach()).mean().item(),
                "d_fake": squash(fake_logits.detach()).mean().item()}

    def g_step(self, real: Tensor, cond: tuple[Tensor, ...]) -> dict[str, float]:
        """One generator update; returns the numbers to record."""
        fake = self.G(self.sample_noise(real.shape[0]), *cond)
        fake_logits = self.D(fake, *cond)
        real_logits = self.D(real, *cond).detach() if self.loss.name == "relativistic" else None
        loss = self.loss.g_loss(fake_logits, real_logits)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return {"g_loss": loss.item()}

    # -- the loop -------------------------------------------------------------------------

    def train_step(self) -> dict[str, float]:
        """``d_steps`` discriminator updates, one generator update, one EMA update."""
        self.G.train()
        self.D.train()
        for _ in range(self.d_steps):
            real, cond = self.real_batch()
            record = self.d_step(real, cond)
            self._check_finite(record)
        record.update(self.g_step(real, cond))
        self._check_finite(record)
        self._update_ema()
        return record

    def fit(self, steps: int, callbacks: Sequence[Callback] = (), progress: bool = True) -> dict[str, list[float]]:
        """Train until ``self.step == steps`` (a total, so a resumed run continues where it stopped).

        ``callbacks`` is a list of ``(every, fn)``; ``fn(trainer)`` runs after every
        ``every``-th step. Ctrl-C saves a checkpoint (if a path was given) before stopping.
        """
        _positive("steps", steps)
        for every, _ in callbacks:
            _positive("callback interval", every)
        bar = tqdm(total=steps, initial=self.step, disable=not progress or None, desc="training",
                   dynamic_ncols=True)
        start = time.perf_counter() - self._elapsed
        try:
            while self.step < steps:
                record = self.train_step()
                self.step += 1
                self._elapsed = time.perf_counter() - start
                self._record(record)
                bar.update(1)
                if self.step % 25 == 0 or self.step == steps:
                    bar.set_postfix(d=f"{record['d_loss']:.3f}", g=f"{record['g_loss']:.3f}", refresh=False)
                for every, fn in callbacks:
                    if self.step % every == 0:
                        fn(self)
                if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                    self.save()
        except KeyboardInterrupt:
            if self.checkpoint_path is not None:
                self.save()
                print(f"interrupted at step {self.step}; checkpoint saved to {self.checkpoint_path}")
            raise
        finally:
            bar.close()
        if self.checkpoint_path is not None:
            self.save()
        return self.history

    # -- generating -----------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, n: int, *cond: Tensor, ema: bool = True) -> Tensor:
        """``n`` samples from the EMA generator (or the raw one), in eval mode, on the CPU."""
        _positive("n", n)
        G = self.G_ema if (ema and self.G_ema is not None) else self.G
        was_training = G.training
        G.eval()
        out = G(self.sample_noise(n), *(c.to(self.device) for c in cond))
        G.train(was_training)
        return out.cpu()

    # -- checkpoints ----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue this run exactly (see :mod:`ganbook.checkpoint`)."""
        return {
            "models": {"G": self.G.state_dict(), "D": self.D.state_dict()},
            "optimizers": {"G": self.opt_g.state_dict(), "D": self.opt_d.state_dict()},
            "ema": self.G_ema.state_dict() if self.G_ema is not None else None,
            "rng": get_rng_state(),
            "step": self.step,
            "elapsed": self._elapsed,
            "history": self.history,
            "config": {"loss": self.loss.name, "batch_size": self.batch_size, "d_steps": self.d_steps,
                       "ema_decay": self.ema_decay, "gp_weight": self.gp_weight},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.G.load_state_dict(state["models"]["G"])
        self.D.load_state_dict(state["models"]["D"])
        self.opt_g.load_state_dict(state["optimizers"]["G"])
        self.opt_d.load_state_dict(state["optimizers"]["D"])
        if self.G_ema is not None and state.get("ema") is not None:
            self.G_ema.load_state_dict(state["ema"])
        set_rng_state(state["rng"])
        self.step = int(state["step"])
        self._elapsed = float(state.get("elapsed", 0.0))
        self.history = {k: list(v) for k, v in state["history"].items()}

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write a checkpoint (atomically) to ``path`` or the trainer's checkpoint path."""
        path = path or self.checkpoint_path
        if path is None:
            raise ValueError("no checkpoint path: pass one, or give the Trainer checkpoint_path=...")
        return save_checkpoint(path, self.state_dict())

    def resume(self, path: str | os.PathLike | None = None) -> bool:
        """Load the checkpoint at ``path`` if it exists; return whether one was loaded."""
        path = Path(path or self.checkpoint_path or "")
        if not path.is_file():
            return False
        self.load_state_dict(load_checkpoint(path, map_location=self.device))
        return True

    # -- internals ------------------------------------------------------------------------

    def _make_ema(self) -> nn.Module:
        ema = copy.deepcopy(self.G).eval()
        for p in ema.parameters():
            p.requires_grad_(False)
        return ema

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.G_ema is None:
            return
        # Warm up: average over the steps so far until there are enough of them (as in TF's EMA).
        decay = min(self.ema_decay, (1 + self.step) / (10 + self.step))
        # One fused call over all parameters (what torch.optim uses) instead of a Python loop.
        torch._foreach_lerp_(list(self.G_ema.parameters()), list(self.G.parameters()), 1.0 - decay)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    def _check_finite(self, record: dict[str, float]) -> None:
        for key, value in record.items():
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"{key} became {value} at step {self.step + 1} (loss {self.loss.name!r}); "
                    "try a lower learning rate, a different loss, or check the data for NaN"
                )

    def _record(self, record: dict[str, float]) -> None:
        record = {**record, "step": self.step, "seconds": self._elapsed}
        for key in self.history:
            self.history[key].append(float(record.get(key, float("nan"))))
        for key, value in record.items():  # extra numbers a subclass reports
            if key not in self.history:
                self.history[key] = [float("nan")] * (len(self.history["step"]) - 1) + [float(value)]
