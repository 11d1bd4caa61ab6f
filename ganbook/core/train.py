"""The one GAN training loop: alternating discriminator and generator updates for any GAN.

``Trainer`` works for any generator ``G(z, *cond)`` and discriminator ``D(x, *cond)`` that
return logits. What one update minimises is an *objective hook*: :meth:`Trainer.d_objective`
and :meth:`Trainer.g_objective` return ``(loss, record)``; the base :class:`ganbook.core.loop.Loop`
alone does zero_grad, backward, clipping, the optimizer step, the NaN guard and the record.
Extra generator terms (a reconstruction, a cycle, feature matching: :mod:`ganbook.core.losses`)
are passed as ``terms=[...]``, so a pix2pix or super-resolution chapter is a Trainer with
weighted terms, not a new loop. A different update altogether (SeqGAN's policy gradient)
overrides ``g_objective`` in a subclass.

Paired data (image-to-image): with ``paired=True``, ``sample_real`` returns
``(input, target, *cond)``; the generator is called ``G(input, *cond)`` (or
``G(input, z, *cond)`` when the Trainer is given ``latent_dim=`` or ``noise=``) and the
discriminator ``D(x, *cond)`` (or ``D(x, input, *cond)`` with ``d_sees_input=True``, as
pix2pix's conditional discriminator).
"""

from __future__ import annotations

import copy
import numbers
import os
from typing import Any, Callable, NamedTuple, Sequence

import torch
from torch import Tensor, nn

from .loop import (
    Callback,
    Loop,
    check_nonnegative,
    check_positive,
    check_positive_ints,
    first_nonfinite,
)
from .losses import GANLoss, Term, get_loss, gradient_penalty
from .speed import autocast, check_speed_options, compile_module, make_scaler, to_channels_last
from .utils import ema_pairs, ema_update, eval_mode

__all__ = ["Batch", "Callback", "Trainer"]

Real = Tensor | tuple[Tensor, ...]

HISTORY_KEYS = ("step", "d_loss", "g_loss", "d_real", "d_fake", "gp", "seconds")


class Batch(NamedTuple):
    """One real batch on the trainer's device.

    ``real`` is what the discriminator should call real (the target, for paired data);
    ``cond`` the labels both networks see; ``source`` the generator's input for paired data.
    """

    real: Tensor
    cond: tuple[Tensor, ...] = ()
    source: Tensor | None = None


def _check_options(
    sample_real: Any, terms: Sequence[Any], *, batch_size: int, d_steps: int, g_steps: int,
    lr_g: float, lr_d: float, betas: Any, clip_g: float | None, clip_d: float | None,
    adv_weight: float, gp_weight: float | None, ema_decay: float | None, paired: bool,
    d_sees_input: bool,
) -> None:
    """Refuse a :class:`Trainer` option that cannot work, naming it and what was expected."""
    check_positive_ints(batch_size=batch_size, d_steps=d_steps, g_steps=g_steps)
    check_positive("lr_g", lr_g, integer=False)
    check_positive("lr_d", lr_d, integer=False)
    for name, clip in (("clip_g", clip_g), ("clip_d", clip_d)):
        if clip is not None:
            check_positive(name, clip, integer=False)
    check_nonnegative("adv_weight", adv_weight)
    if gp_weight is not None:
        check_nonnegative("gp_weight", gp_weight)
    if not (
        isinstance(betas, (tuple, list))
        and len(betas) == 2
        and all(isinstance(b, numbers.Real) and not isinstance(b, bool) for b in betas)
        and all(0 <= b < 1 for b in betas)
    ):
        raise ValueError(f"betas must be two numbers in [0, 1) (Adam's), got {betas!r}")
    if not callable(sample_real):
        hint = " (wrap a tensor in ganbook.core.data.TensorSampler)" if isinstance(
            sample_real, Tensor) else ""
        raise ValueError(
            f"sample_real must be a function batch_size -> x or (x, *cond), got a "
            f"{type(sample_real).__name__}{hint}"
        )
    if ema_decay is not None and not 0.0 < ema_decay < 1.0:
        raise ValueError(f"ema_decay must be in (0, 1) or None, got {ema_decay!r}")
    for term in terms:
        if not isinstance(term, Term):
            raise ValueError(
                f"terms must be ganbook.core.losses.Term objects, got {type(term).__name__}"
            )
    names = [t.name for t in terms]
    if len(set(names)) != len(names) or set(names) & set(HISTORY_KEYS):
        raise ValueError(f"terms need distinct names that are not history keys, got {names}")
    if d_sees_input and not paired:
        raise ValueError(
            "d_sees_input=True needs paired=True (the input it sees comes from paired data)"
        )


class Trainer(Loop):
    """Trains ``generator`` against ``discriminator`` on batches from ``sample_real``.

    ``sample_real(batch_size)`` returns a tensor of real data, or a tuple ``(x, *cond)``
    whose extra tensors (labels) are passed to both networks; fakes are made for the same
    labels (with ``paired=True``: ``(input, target, *cond)``, see the module docstring). It
    should draw its randomness from torch's global RNG, so that checkpoints (which store
    that RNG) make resumed runs exact. The generator's objective is
    ``adv_weight * adversarial loss + sum(term.weight * term(...))`` over ``terms``.

    :meth:`resume` refuses a checkpoint written with other settings (``loss``,
    ``batch_size``, ``betas``, ...), except ``lr_g`` and ``lr_d``: a new learning rate is
    applied and a line says so (:meth:`ganbook.core.loop.Loop.load_state_dict`).
    """

    history_keys = HISTORY_KEYS
    progress_keys = ("d_loss", "g_loss")

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        sample_real: Callable[[int], Real],
        *,
        # the objective: the GAN loss, the noise, extra generator terms, paired data
        loss: str | GANLoss = "non-saturating",
        gp_weight: float | None = None,
        latent_dim: int | None = None,
        noise: Callable[[int, torch.device], Tensor] | None = None,
        terms: Sequence[Term] = (),
        adv_weight: float = 1.0,
        paired: bool = False,
        d_sees_input: bool = False,
        # the updates: batch, steps per network, Adam, clipping, the generator's EMA copy
        batch_size: int = 64,
        d_steps: int = 1,
        g_steps: int = 1,
        lr_g: float = 2e-4,
        lr_d: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.999),
        clip_g: float | None = None,
        clip_d: float | None = None,
        ema_decay: float | None = 0.999,
        # the loop (ganbook.core.loop.Loop): device, checkpoints, how often to read records
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: float | None = 60.0,
        sync_every: int = 25,
        # GPU speed (ganbook.core.speed), all off by default
        precision: str = "fp32",
        compile: bool | str = False,
        channels_last: bool = False,
    ) -> None:
        super().__init__(
            device=device,
            checkpoint_path=checkpoint_path,
            checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
            sync_every=sync_every,
        )
        _check_options(sample_real, terms, batch_size=batch_size, d_steps=d_steps,
                       g_steps=g_steps, lr_g=lr_g, lr_d=lr_d, betas=betas, clip_g=clip_g,
                       clip_d=clip_d, adv_weight=adv_weight, gp_weight=gp_weight,
                       ema_decay=ema_decay, paired=paired, d_sees_input=d_sees_input)
        self.loss = get_loss(loss)
        self.gp_weight = self.loss.gp_weight if gp_weight is None else float(gp_weight)
        self.G = generator.to(self.device)
        self.D = discriminator.to(self.device)
        self.paired, self.d_sees_input = paired, d_sees_input
        # Paired generators take noise only when asked to; unpaired ones always do.
        inferred = None if paired else getattr(generator, "latent_dim", None)
        self.latent_dim = latent_dim if latent_dim is not None else inferred
        if noise is None and self.latent_dim is None and not paired:
            raise ValueError(
                "pass latent_dim=..., a noise=... function, "
                "or give the generator a latent_dim attribute"
            )
        self._noise = noise
        self.uses_noise = noise is not None or self.latent_dim is not None
        self.terms = nn.ModuleList(terms).to(self.device)
        self.adv_weight = float(adv_weight)
        self.sample_real = sample_real
        self.batch_size = int(batch_size)
        self.d_steps = int(d_steps)
        self.g_steps = int(g_steps)
        self.clip_g, self.clip_d = clip_g, clip_d
        self.opt_g = torch.optim.Adam(self.g_parameters(), lr=lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr_d, betas=betas)
        self.lr_g, self.lr_d, self.betas = float(lr_g), float(lr_d), tuple(betas)
        self.ema_decay = ema_decay
        self.G_ema = self._make_ema() if ema_decay is not None else None
        self._ema_pairs = None
        self.set_speed(precision, compile, channels_last)
        self._checked = False  # True once a step ran: the networks fit the data

    def set_speed(
        self, precision: str = "fp32", compile: bool | str = False, channels_last: bool = False
    ) -> None:
        """The GPU speed options of :mod:`ganbook.core.speed`, also settable after construction
        (``python -m ganbook train --precision bf16`` does). Compiling is in place, after the
        EMA copy was made, so every state_dict keeps its keys."""
        check_speed_options(precision, compile, self.gp_weight)
        self.precision, self.channels_last = precision, bool(channels_last)
        if channels_last:  # in place: the optimizers keep the same parameters
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        self.scaler_g = make_scaler(self.device, precision)
        self.scaler_d = make_scaler(self.device, precision)
        compile_module(self.G, compile)
        compile_module(self.D, compile)

    # -- pieces a subclass may override ---------------------------------------------------

    def sample_noise(self, n: int) -> Tensor:
        """Latent codes for ``n`` fakes (standard normal unless a ``noise`` function was given)."""
        if self._noise is not None:
            return self._noise(n, self.device)
        if self.latent_dim is None:
            raise ValueError("this Trainer has no noise: give it latent_dim=... or noise=...")
        return torch.randn(n, self.latent_dim, device=self.device)

    def real_batch(self) -> Batch:
        """One real batch from ``sample_real``, on the trainer's device."""
        batch = self.sample_real(self.batch_size)
        parts = list(batch) if isinstance(batch, (tuple, list)) else [batch]
        if not parts or not all(isinstance(p, Tensor) for p in parts):
            got = ", ".join(type(p).__name__ for p in parts) or "an empty tuple"
            hint = "; torch.as_tensor converts a numpy array" if "ndarray" in got else ""
            raise ValueError(
                f"sample_real({self.batch_size}) must return a tensor or a tuple (x, *cond) of "
                f"tensors, got {got}{hint}"
            )
        parts = [p.to(self.device) for p in parts]
        if self.channels_last:
            parts = [to_channels_last(p) for p in parts]
        if not self.paired:
            return Batch(parts[0], tuple(parts[1:]))
        if len(parts) < 2:
            raise ValueError("with paired=True, sample_real must return (input, target, *cond)")
        return Batch(parts[1], tuple(parts[2:]), parts[0])

    def make_fake(self, batch: Batch, G: nn.Module | None = None) -> tuple[Tensor, Tensor | None]:
        """The generator's output for ``batch`` and the noise it used
        (None for a noise-free generator)."""
        G = self.G if G is None else G
        n = batch.real.shape[0]
        z = self.sample_noise(n) if self.uses_noise else None
        if batch.source is None:
            inputs = (z,)
        else:
            inputs = (batch.source,) if z is None else (batch.source, z)
        return self._call("generator", G, inputs, batch.cond, n), z

    def critic(self, x: Tensor, batch: Batch, features: bool = False) -> Tensor:
        """Discriminator logits for ``x``, with the batch's labels (and input, if ``d_sees_input``).

        ``features=True`` calls the discriminator's ``features`` method instead (feature matching).
        """
        D = self.D
        if features:
            D = getattr(self.D, "features", None)
            if D is None:
                raise ValueError(
                    f"feature matching needs a discriminator with a features(...) method; "
                    f"{type(self.D).__name__} has none"
                )
        inputs = (x, batch.source) if self.d_sees_input else (x,)
        role = "features" if features else "discriminator"
        out = self._call(role, D, inputs, batch.cond, len(x))
        return out if self.precision == "fp32" else out.float()  # losses in float32

    def d_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """The discriminator's loss (plus its gradient penalty) on reals and fresh fakes.

        The record holds scalar tensors: the loop reads them all at once (see
        :mod:`ganbook.core.loop`), so recording costs no wait for the GPU.
        """
        with torch.no_grad():
            fake, _ = self.make_fake(batch)
        real_logits = self.critic(batch.real, batch)
        fake_logits = self.critic(fake, batch)
        loss = self.loss.d_loss(real_logits, fake_logits)
        gp = torch.zeros((), device=self.device)
        if self.gp_weight > 0:
            gp = gradient_penalty(lambda x: self.critic(x, batch), batch.real, fake,
                                  one_sided=self.loss.one_sided_gp)
            loss = loss + self.gp_weight * gp
        squash = torch.sigmoid if self.loss.probabilistic else (lambda t: t)
        return loss, {
            "d_loss": loss.detach(),
            "gp": gp.detach(),
            "d_real": squash(real_logits.detach()).mean(),
            "d_fake": squash(fake_logits.detach()).mean(),
        }

    def g_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """``adv_weight`` times the adversarial loss plus each weighted term,
        each recorded by name."""
        fake, z = self.make_fake(batch)
        fake_logits = self.critic(fake, batch)
        real_logits = (
            self.critic(batch.real, batch).detach() if self.loss.needs_real_logits else None
        )
        adversarial = self.loss.g_loss(fake_logits, real_logits)
        total = self.adv_weight * adversarial
        record = {"g_loss": adversarial.detach()}
        for term in self.terms:
            value = term(self, batch, fake, z)
            total = total + term.weight * value
            record[term.name] = value.detach()
        if len(self.terms) or self.adv_weight != 1.0:
            record["g_total"] = total.detach()
        return total, record

    def g_parameters(self) -> list[nn.Parameter]:
        """What the generator's optimizer updates: the generator and any term that has weights."""
        return list(self.G.parameters()) + list(self.terms.parameters())

    # -- one step -------------------------------------------------------------------------

    def d_step(self, batch: Batch) -> dict[str, float | Tensor]:
        """One discriminator update on ``batch``; returns the numbers to record."""
        with autocast(self.device, self.precision):
            loss, record = self.d_objective(batch)
        params = self.D.parameters() if self.clip_d is not None else None
        return self.update(self.opt_d, loss, record, params, self.clip_d, self.scaler_d)

    def g_step(self, batch: Batch) -> dict[str, float | Tensor]:
        """One generator update on ``batch``; returns the numbers to record."""
        with autocast(self.device, self.precision):
            loss, record = self.g_objective(batch)
        params = self.g_parameters() if self.clip_g is not None else None
        return self.update(self.opt_g, loss, record, params, self.clip_g, self.scaler_g)

    def train_step(self) -> dict[str, float | Tensor]:
        """``d_steps`` discriminator updates, ``g_steps`` generator updates (on the last real
        batch; one unless SinGAN-style training asks for more), one EMA update."""
        for net in (self.G, self.D):
            if not net.training:  # train() walks every submodule: skip it when it is a no-op
                net.train()
        for _ in range(self.d_steps):
            batch = self.real_batch()
            record = self.d_step(batch)
        for _ in range(self.g_steps):
            record.update(self.g_step(batch))
        self._update_ema()
        self._checked = True
        return record

    # -- generating -----------------------------------------------------------------------

    @torch.no_grad()
    def generate(self, n: int, *cond: Tensor, ema: bool = True) -> Tensor:
        """``n`` samples from the EMA generator (or the raw one), in eval mode, on the CPU.

        For paired data pass the inputs as the first ``cond`` tensor (``n`` rows).
        """
        check_positive("n", n)
        G = self.G_ema if (ema and self.G_ema is not None) else self.G
        if self._unusable is not None:
            raise RuntimeError(self._unusable)
        bad = first_nonfinite(G.state_dict())
        if bad is not None:
            raise FloatingPointError(
                f"generate: the generator's {bad} holds NaN or inf (step {self.step}); its "
                "samples would be NaN. Resume from a checkpoint written before the damage"
            )
        cond = tuple(c.to(self.device) for c in cond)
        with eval_mode(G):
            if self.paired:
                if not cond:
                    raise ValueError(
                        "a paired Trainer generates from inputs: pass them as generate(n, inputs)"
                    )
                fake, _ = self.make_fake(Batch(cond[0], cond[1:], cond[0]), G)
            else:
                fake = self._call("generator", G, (self.sample_noise(n),), cond, n)
        return fake.cpu()

    # -- checkpoints ----------------------------------------------------------------------

    def networks(self) -> dict[str, nn.Module]:
        nets = {"G": self.G, "D": self.D}
        if any(True for _ in self.terms.parameters()):
            nets["terms"] = self.terms
        return nets

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"G": self.opt_g, "D": self.opt_d}

    def scalers(self) -> dict[str, torch.amp.GradScaler]:
        pairs = (("G", self.scaler_g), ("D", self.scaler_d))
        return {k: v for k, v in pairs if v is not None}

    def replicated_modules(self) -> list[nn.Module]:
        ema = [self.G_ema] if self.G_ema is not None else []
        return super().replicated_modules() + ema

    def config(self) -> dict[str, Any]:
        return {
            "loss": self.loss.name,
            "batch_size": self.batch_size,
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "ema_decay": self.ema_decay,
            "gp_weight": self.gp_weight,
            "adv_weight": self.adv_weight,
            "terms": {t.name: t.weight for t in self.terms},
            "lr_g": self.lr_g,
            "lr_d": self.lr_d,
            "betas": [float(b) for b in self.betas],
        }

    def learning_rates(self) -> dict[str, torch.optim.Optimizer]:
        return {"lr_g": self.opt_g, "lr_d": self.opt_d}

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "ema": self.G_ema.state_dict() if self.G_ema is not None else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if self.G_ema is not None and state.get("ema") is not None:
            self.G_ema.load_state_dict(state["ema"])

    # -- internals ------------------------------------------------------------------------

    def _describe(self) -> str:
        return f" (loss {self.loss.name!r})"

    def _call(
        self, role: str, net: Callable[..., Tensor], inputs: tuple, cond: tuple, rows: int
    ) -> Tensor:
        """``net(*inputs, *cond)``, checked against the contract: the generator returns ``rows``
        samples, the discriminator logits of shape ``(rows,)`` (or ``(rows, h, w)`` patches).

        Until a step has run, a TypeError, RuntimeError or IndexError from inside the network
        becomes a ValueError that says what the Trainer called, with which shapes.
        """
        if self._checked:  # the contract held on the first step: no more checks
            return net(*inputs, *cond)
        try:
            out = net(*inputs, *cond)
        except (TypeError, RuntimeError, IndexError) as err:
            if isinstance(err, torch.cuda.OutOfMemoryError):
                raise
            raise ValueError(self._explain_failure(role, inputs, cond, err)) from err
        got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        if role == "generator" and (got == () or not isinstance(got, tuple) or got[0] != rows):
            raise ValueError(
                f"the generator must return one sample per noise row ({rows} rows), got {got}"
            )
        # Logits (batch,), or a patch discriminator's map (batch, h, w); never (batch, k).
        if role == "discriminator" and (
            not isinstance(got, tuple) or len(got) in (0, 2) or got[0] != rows
        ):
            raise ValueError(
                f"the discriminator must return one logit per sample, shape ({rows},) "
                f"(or a ({rows}, h, w) patch map), got {got}"
            )
        return out

    def _explain_failure(self, role: str, inputs: tuple, cond: tuple, err: Exception) -> str:
        if role == "generator":
            names = ("z",) if not self.paired else ("input", "z") if self.uses_noise else ("input",)
        else:
            names = ("x", "input") if self.d_sees_input else ("x",)
        call = {"generator": "G", "discriminator": "D", "features": "D.features"}[role]
        shapes = [tuple(t.shape) for t in cond]
        given = ", ".join(f"{n} {tuple(t.shape)}" for n, t in zip(names, inputs))
        message = (
            f"the Trainer called the {role} as {call}({', '.join(names)}, *cond) with {given} "
            f"and cond {shapes}, and it raised {type(err).__name__}: {err}"
        )
        arity = isinstance(err, TypeError) and "positional argument" in str(err)
        if arity and cond:
            hint = (
                f"sample_real returned {len(cond)} condition tensor(s) besides the data and the "
                "Trainer passes them to both networks: an unconditional network takes none, "
                "so return the data alone"
            )
        elif arity:
            hint = "a conditional network needs its labels: sample_real must return (x, labels)"
        elif isinstance(err, IndexError) and cond:
            ranges = [f"[{int(t.min())}, {int(t.max())}]" for t in cond if t.numel()]
            hint = f"labels must lie in [0, n_classes), got ranges {', '.join(ranges)}"
        else:
            hint = (
                "check that sample_real's batches and the generator's output have the shape "
                "the discriminator expects, and that the noise has the generator's latent_dim"
            )
        return f"{message}; {hint}"

    def _make_ema(self) -> nn.Module:
        ema = copy.deepcopy(self.G).eval()
        for p in ema.parameters():
            p.requires_grad_(False)
        return ema

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.G_ema is not None:
            if self._ema_pairs is None:  # built once: the parameters stay the same objects
                self._ema_pairs = ema_pairs(self.G_ema, self.G)
            ema_update(self.G_ema, self.G, self.step, self.ema_decay, self._ema_pairs)
