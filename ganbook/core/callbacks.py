"""Callbacks for :meth:`ganbook.core.loop.Loop.fit`: measure or log a run without touching the loop.

Each is a callable ``fn(trainer)`` passed as ``callbacks=[(every, fn)]``. The learning-rate
schedules (:class:`LinearDecay`, :class:`StepDecay`) change every optimizer of the loop, and a
checkpoint keeps what they set. The measuring ones
(:class:`GradNorms`, and :class:`ganbook.foundations.ModeShare` on toy data) draw their
randomness inside ``torch.random.fork_rng`` and restore the networks' buffers, so watching a
run does not change it; they add their numbers to ``trainer.history`` under their own keys
(NaN at the steps they skip), where :func:`ganbook.beyond.diagnose.diagnose` reads them and
checkpoints keep them.
"""

from __future__ import annotations

import csv
import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import torch
from torch import nn

__all__ = ["CSVLogger", "GradNorms", "LinearDecay", "StepDecay", "put", "untouched"]


def put(loop: Any, key: str, value: float) -> None:
    """Record ``value`` under ``key`` at the loop's latest step (callbacks run after it)."""
    history = loop.history
    n = len(history["step"])
    if key not in history:
        history[key] = [math.nan] * n
    column = history[key]
    column.extend([math.nan] * (n - len(column)))
    column[-1] = float(value)


class LinearDecay:
    """A learning-rate schedule: from step ``start`` on, scale every learning rate of the loop
    linearly down to 0 at step ``total``.

    Use as ``trainer.fit(total, callbacks=[(every, LinearDecay(start, total))])``. A lower learning
    rate late in training lets the generator settle instead of circling the equilibrium.
    """

    def __init__(self, start: int, total: int) -> None:
        if not isinstance(start, int) or not isinstance(total, int) or not 0 <= start < total:
            raise ValueError(
                f"start and total must be ints with 0 <= start < total, got {start!r}, {total!r}"
            )
        self.start, self.total = start, total

    def __call__(self, loop: Any) -> None:
        factor = min(1.0, max(0.0, (self.total - loop.step) / (self.total - self.start)))
        for opt in loop.optimizers().values():
            for group in opt.param_groups:
                group.setdefault("initial_lr", group["lr"])
                group["lr"] = group["initial_lr"] * factor


class StepDecay:
    """A learning-rate schedule: multiply every learning rate of the loop by ``gamma`` once, at
    step ``at`` (SinGAN's schedule; call it every step)."""

    def __init__(self, at: int, gamma: float = 0.1) -> None:
        if not isinstance(at, int) or at < 1:
            raise ValueError(f"at must be a positive int (a step), got {at!r}")
        if not 0 < gamma:
            raise ValueError(f"gamma must be positive, got {gamma!r}")
        self.at, self.gamma = at, gamma

    def __call__(self, loop: Any) -> None:
        if loop.step == self.at:
            for opt in loop.optimizers().values():
                for group in opt.param_groups:
                    group["lr"] *= self.gamma


@contextmanager
def untouched(loop: Any, modules: Sequence[nn.Module]) -> Iterator[None]:
    """Run a measurement without moving the RNG or the modules' buffers (BatchNorm stats)."""
    devices = [loop.device] if loop.device.type == "cuda" else []
    saved = [[b.detach().clone() for b in m.buffers()] for m in modules]
    with torch.random.fork_rng(devices=devices):
        yield
    with torch.no_grad():
        for m, buffers in zip(modules, saved):
            for b, old in zip(m.buffers(), buffers):
                b.copy_(old)


def _norm(loss: torch.Tensor, params: list[nn.Parameter]) -> float:
    params = [p for p in params if p.requires_grad]
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    total = sum(float(g.pow(2).sum()) for g in grads if g is not None)
    return math.sqrt(total)


class GradNorms:
    """Records the gradient norms of D's and G's losses on a fresh batch: ``grad_d``, ``grad_g``.

    The Trainer keeps no gradients worth reading after a step (G's backward also reaches D),
    so this computes them afresh with ``torch.autograd.grad``: nothing is stepped.
    """

    def __call__(self, trainer: Any) -> None:
        with untouched(trainer, [trainer.G, trainer.D]):
            batch = trainer.real_batch()
            d_loss, _ = trainer.d_objective(batch)
            grad_d = _norm(d_loss, list(trainer.D.parameters()))
            g_loss, _ = trainer.g_objective(batch)
            grad_g = _norm(g_loss, trainer.g_parameters())
        put(trainer, "grad_d", grad_d)
        put(trainer, "grad_g", grad_g)


class CSVLogger:
    """Appends every step's history row to a CSV file (one column per history key).

    Call it as a callback (``callbacks=[(50, CSVLogger("run.csv"))]``) and once more after
    ``fit`` for the last rows. Columns are fixed by the first write; keys that appear later
    (a term first recorded at step 500) are left out, so pass ``keys=`` to choose them.
    """

    def __init__(self, path: str | os.PathLike, keys: Sequence[str] | None = None) -> None:
        self.path = Path(path)
        self.keys = list(keys) if keys is not None else None
        self.written = 0  # history rows already in the file

    def __call__(self, trainer: Any) -> None:
        history = trainer.history
        if self.keys is None:
            self.keys = list(history)
        missing = [k for k in self.keys if k not in history]
        if missing:
            raise ValueError(f"keys {missing} are not in the history ({sorted(history)})")
        n = len(history["step"])
        if n <= self.written:
            return
        fresh = self.written == 0
        if fresh:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "w" if fresh else "a", newline="") as f:
            out = csv.writer(f)
            if fresh:
                out.writerow(self.keys)
            for i in range(self.written, n):
                out.writerow([_cell(history[k], i) for k in self.keys])
        self.written = n


def _cell(column: list[float], i: int) -> str:
    value = column[i] if i < len(column) else math.nan
    return "" if math.isnan(value) else repr(value)
