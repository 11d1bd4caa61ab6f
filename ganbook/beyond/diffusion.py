"""A small flow-matching (rectified-flow) model for 8x8 digits: the diffusion-style rival to a GAN.

The model learns the velocity that carries noise to data along straight lines
(Lipman et al. 2023; Liu et al. 2023): with ``x_t = (1 - t) x + t e`` for an image ``x`` and
Gaussian noise ``e``, the network ``v(x_t, t)`` is regressed onto ``e - x``. Sampling starts
from noise at ``t = 1`` and takes ``steps`` Euler steps back to ``t = 0``: one forward pass per
step, where a GAN needs one in all. The same family as DDPM (Ho et al. 2020), with a simpler
sampler that can be run at any number of steps.

:class:`DenoisingTrainer` trains any model with a ``loss(x)`` method on the core
:class:`ganbook.core.loop.Loop` (progress bar, history, NaN guard, checkpoints); the PixelCNN of
:mod:`ganbook.beyond.pixelcnn` uses it too. :class:`QualityCurve` scores a model during training
against training time; :func:`seconds_per_image` times sampling, and
:func:`plot_quality_against_time` draws both.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import os
import time
from typing import Any, Callable, Mapping

import matplotlib.pyplot as plt
import torch
from torch import Tensor, nn

from ..core.checkpoint import load_model, save_model
from ..core.loop import Loop, ModelLoop, check_positive_ints
from ..core.utils import ema_pairs, ema_update


def time_features(t: Tensor, dim: int) -> Tensor:
    """Sines and cosines of ``t`` (batch,) at ``dim // 2`` frequencies: the network's clock."""
    freqs = torch.exp(torch.linspace(0.0, math.log(100.0), dim // 2, device=t.device))
    angles = t[:, None] * freqs[None, :] * math.pi
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class FlowMatching(nn.Module):
    """An MLP velocity field ``v(x_t, t)`` on (batch, 1, size, size) images in [-1, 1]."""

    def __init__(self, size: int = 8, width: int = 192, depth: int = 3, time_dim: int = 32) -> None:
        super().__init__()
        check_positive_ints(size=size, width=width, depth=depth, time_dim=time_dim)
        if time_dim % 2:
            raise ValueError(f"time_dim must be even, got {time_dim}")
        self.size, self.width, self.depth, self.time_dim = size, width, depth, time_dim
        pixels = size * size
        layers: list[nn.Module] = [nn.Linear(pixels + time_dim, width), nn.SiLU()]
        for _ in range(depth - 1):
            layers += [nn.Linear(width, width), nn.SiLU()]
        layers.append(nn.Linear(width, pixels))
        self.net = nn.Sequential(*layers)

    def config(self) -> dict[str, int]:
        return {"size": self.size, "width": self.width, "depth": self.depth,
                "time_dim": self.time_dim}

    def _check(self, x: Tensor) -> None:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, self.size, self.size):
            raise ValueError(
                f"x must have shape (batch, 1, {self.size}, {self.size}), got {tuple(x.shape)}"
            )

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        """The predicted velocity ``e - x`` at noisy images ``x_t`` and times ``t`` (batch,)."""
        self._check(x_t)
        h = torch.cat([x_t.flatten(1), time_features(t, self.time_dim)], dim=1)
        return self.net(h).view_as(x_t)

    def loss(self, x: Tensor) -> Tensor:
        """Mean squared error of the velocity at a random time per image."""
        self._check(x)
        t = torch.rand(len(x), device=x.device)
        noise = torch.randn_like(x)
        x_t = (1 - t)[:, None, None, None] * x + t[:, None, None, None] * noise
        return (self(x_t, t) - (noise - x)).pow(2).mean()

    @torch.no_grad()
    def sample(self, n: int, steps: int = 32, seed: int | None = None) -> Tensor:
        """``n`` images from ``steps`` Euler steps from noise (t=1) to data (t=0), in [-1, 1]."""
        check_positive_ints(n=n, steps=steps)
        was_training = self.training
        self.eval()
        device = self.net[0].weight.device
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        x = torch.randn(n, 1, self.size, self.size, generator=gen).to(device)
        times = torch.linspace(1.0, 0.0, steps + 1, device=device)
        for t, t_next in zip(times[:-1], times[1:]):
            x = x - (t - t_next) * self(x, t.expand(n))
        self.train(was_training)
        return x.clamp(-1, 1).cpu()


class DenoisingTrainer(ModelLoop):
    """Adam on ``model.loss(batch)`` for any model that has one: flow matching, a PixelCNN.

    Not adversarial, but the same :class:`ganbook.core.loop.Loop` as the GANs: ``fit(steps,
    callbacks=...)``, a history with ``loss`` and ``seconds``, checkpoints and exact resume.
    With ``ema_decay`` it also keeps ``ema``, an exponential moving average of the weights
    (the same warm-up as the GAN Trainer's EMA generator), which diffusion models sample from.
    """

    description = "denoising"

    def __init__(
        self,
        model: nn.Module,
        data: Tensor,
        *,
        batch_size: int = 128,
        lr: float = 1e-3,
        clip: float | None = 1.0,
        ema_decay: float | None = None,
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: float | None = 60.0,
    ) -> None:
        if not callable(getattr(model, "loss", None)):
            raise ValueError(f"model must have a loss(x) method, got {type(model).__name__}")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None, got {ema_decay!r}")
        super().__init__(
            model, data, batch_size=batch_size, lr=lr, clip=clip, device=device,
            checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
        )
        self.ema_decay = ema_decay
        self.ema: nn.Module | None = None
        self._ema_pairs = None  # what each EMA update moves, built at the first
        if ema_decay is not None:
            self.ema = copy.deepcopy(self.model).eval().requires_grad_(False)

    def objective(self, batch: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        loss = self.model.loss(batch)
        return loss, {"loss": loss.detach()}

    def train_step(self) -> dict[str, float | Tensor]:
        record = super().train_step()
        self._update_ema()
        return record

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is not None:
            if self._ema_pairs is None:
                self._ema_pairs = ema_pairs(self.ema, self.model)
            ema_update(self.ema, self.model, self.step, self.ema_decay, self._ema_pairs)

    @property
    def sampling_model(self) -> nn.Module:
        """The EMA model if there is one, else the trained model."""
        return self.ema if self.ema is not None else self.model

    def networks(self) -> dict[str, nn.Module]:
        return {**super().networks(), **({"ema": self.ema} if self.ema is not None else {})}

    def config(self) -> dict[str, Any]:
        extra = self.model.config() if hasattr(self.model, "config") else {}
        return {**super().config(), "ema_decay": self.ema_decay, **extra}

    def _describe(self) -> str:
        return f" ({type(self.model).__name__}); lower lr"


class QualityCurve:
    """A callback that scores ``draw(loop)`` (n images) with ``evaluator`` and notes training time.

    ``rows`` holds ``(step, train_seconds, Scores)``; ``train_seconds`` is the loop's clock
    minus the time spent in this callback, so scoring does not count as training. A curve read
    back by :meth:`from_dict` only plots: it has no evaluator to score with.
    """

    def __init__(self, evaluator, draw: Callable[[Loop], Tensor] | None) -> None:
        self.evaluator, self.draw = evaluator, draw
        self.rows: list[tuple[int, float, Any]] = []
        self._spent = 0.0

    def __call__(self, loop: Loop) -> None:
        if self.draw is None:
            raise ValueError("this QualityCurve was read back by from_dict: it cannot score")
        start = time.perf_counter()
        scores = self.evaluator.score(self.draw(loop))
        self.rows.append((loop.step, loop.history["seconds"][-1] - self._spent, scores))
        self._spent += time.perf_counter() - start

    def column(self, key: str) -> list[float]:
        """``seconds`` or a score field (``fd``, ``recall``, ...) per row."""
        if key == "seconds":
            return [r[1] for r in self.rows]
        return [getattr(r[2], key) for r in self.rows]

    def to_dict(self) -> dict[str, list]:
        """The rows as plain lists (steps, seconds, each row's scores as a dict), which a
        checkpoint can store beside the weights it describes."""
        return {"step": [r[0] for r in self.rows], "seconds": self.column("seconds"),
                "scores": [dataclasses.asdict(r[2]) for r in self.rows]}

    @classmethod
    def from_dict(cls, curve: Mapping[str, list], scores: Callable[..., Any]) -> QualityCurve:
        """A curve read back from :meth:`to_dict`, each row's scores rebuilt by
        ``scores(**fields)`` (e.g. :class:`ganbook.image.metrics.Scores`); it scores nothing."""
        if not {"step", "seconds", "scores"} <= set(curve):
            raise ValueError(f"curve must hold step, seconds and scores, got {sorted(curve)}")
        recorded = cls(evaluator=None, draw=None)
        recorded.rows = [(int(step), float(seconds), scores(**fields)) for step, seconds, fields
                         in zip(curve["step"], curve["seconds"], curve["scores"], strict=True)]
        return recorded


def seconds_per_image(make: Callable[[int], Tensor], n: int = 256, repeats: int = 3) -> float:
    """Best of ``repeats`` wall times of ``make(n)`` divided by ``n`` (time.perf_counter)."""
    check_positive_ints(n=n, repeats=repeats)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        make(n)
        best = min(best, time.perf_counter() - start)
    return best / n


def plot_quality_against_time(
    floor_fd: float,
    curves: Mapping[str, QualityCurve],
    trained: Mapping[str, tuple[float, float]],
    sampled: Mapping[str, Mapping[int, tuple[float, float]]],
) -> plt.Figure:
    """FD over the floor (log-log) against training CPU seconds (left: the ``curves``, and the
    ``trained`` models' ``(seconds, FD / floor)`` as stars) and against milliseconds to sample
    one image (right: ``sampled[name][passes] = (ms, FD / floor)``, several passes a line)."""
    if not floor_fd > 0:
        raise ValueError(f"floor_fd must be a positive FD, got {floor_fd!r}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, curve in curves.items():
        fd = [f / floor_fd for f in curve.column("fd")]
        left.plot(curve.column("seconds"), fd, "o-", label=name)
    for name, (seconds, ratio) in trained.items():
        left.plot(seconds, ratio, "*", ms=12, label=name)
    markers = itertools.cycle("*sD^v")
    for name, points in sampled.items():
        ms, ratio = zip(*points.values())
        if len(points) == 1:
            right.plot(ms, ratio, next(markers), ms=10, label=name)
            continue
        right.plot(ms, ratio, "o-", label=name)
        passes = list(points)
        for k in passes[:: max(1, len(passes) // 3)]:  # a few of the pass counts, labelled
            right.annotate(f"{k}", points[k], fontsize=8, textcoords="offset points",
                           xytext=(4, 4))
    for ax, x in ((left, "training CPU seconds"),
                  (right, "sampling milliseconds per image (CPU)")):
        ax.set(xscale="log", yscale="log", xlabel=x, ylabel="FD / floor (lower is better)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def save_flow(model: FlowMatching, name: str, **extra: Any) -> None:
    """Ship a flow model with :func:`ganbook.core.checkpoint.save_model` (its config rebuilds it;
    ``extra`` entries such as ``steps`` and ``seconds`` are stored beside it)."""
    save_model(name, model, model.config(), **extra)


def load_flow(name: str = "trends_flow") -> tuple[FlowMatching, dict[str, Any]]:
    """A shipped flow model in eval mode and its checkpoint dict (``info["config"]``,
    ``info["steps"]``...)."""
    keys = ("size", "width", "depth", "time_dim")
    return load_model(name, lambda config: FlowMatching(**{k: config[k] for k in keys}))
