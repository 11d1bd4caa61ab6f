"""Ready-made image GANs for the notebooks: build one, watch it train,
ship and reload its generator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import torch
from torch import Tensor, nn

from ..core.checkpoint import load_model, save_model
from ..core.utils import sample
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .diffaugment import AugmentedDiscriminator
from .selfcond import SelfConditionedGenerator, kmeans_labels

# The sturdier training recipe (Trainer keyword arguments; build D with ``spectral_norm=True``):
# hinge loss (Lim & Ye 2017) with spectral norm (Miyato et al. 2018), a discriminator learning rate
# twice the generator's (TTUR, Heusel et al. 2017) and Adam betas (0, 0.9). Pair it with
# :class:`ganbook.core.callbacks.LinearDecay`.
HINGE_SN = {"loss": "hinge", "lr_g": 2e-4, "lr_d": 4e-4, "betas": (0.0, 0.9)}


def _check_square_images(x: Tensor) -> None:
    if x.dim() != 4 or x.shape[2] != x.shape[3]:
        raise ValueError(f"x must be square images (N, C, H, H), got shape {tuple(x.shape)}")


def image_gan(
    resolution: int = 8,
    channels: int = 1,
    width: int = 32,
    latent_dim: int = 32,
    upsample: str = "nearest",
    spectral_norm: bool = False,
    n_classes: int | None = None,
    augment: str | None = None,
    d_width: int | None = None,
) -> tuple[DCGANGenerator, nn.Module]:
    """A DCGAN pair with one set of knobs;
    ``augment='color,translation,cutout'`` wraps D in DiffAugment.

    ``d_width`` (default: ``width``) sizes the discriminator alone: only G is shipped,
    so D can be wider.
    """
    G = DCGANGenerator(latent_dim, resolution, channels, width, upsample, n_classes)
    D: nn.Module = DCGANDiscriminator(
        resolution, channels, d_width or width, spectral_norm, n_classes
    )
    if augment:
        D = AugmentedDiscriminator(D, augment)
    return G, D


def self_conditioned_gan(
    x: Tensor, clusters: int = 20, seed: int = 0, **image_gan_kwargs: Any
) -> tuple[SelfConditionedGenerator, nn.Module, Tensor]:
    """``(G, D, cluster_ids)``: k-means on the pixels of ``x``,
    then a DCGAN pair conditioned on the cluster ids.

    Train it with ``Trainer(G, D, TensorSampler(x, cluster_ids), ...)``; sample it like an
    unconditional generator (see :class:`~ganbook.image.selfcond.SelfConditionedGenerator`).
    """
    _check_square_images(x)
    ids = kmeans_labels(x, clusters, seed)
    G, D = image_gan(x.shape[2], x.shape[1], n_classes=clusters, **image_gan_kwargs)
    return SelfConditionedGenerator(G, torch.bincount(ids, minlength=clusters)), D, ids


def train_image_gan(
    x: Tensor,
    steps: int,
    labels: Tensor | None = None,
    *,
    loss: str = "non-saturating",
    spectral_norm: bool = False,
    width: int = 32,
    upsample: str = "nearest",
    augment: str | None = None,
    latent_dim: int = 32,
    seed: int = 0,
    batch_size: int = 64,
    lr: float = 2e-4,
    callbacks=(),
    progress: bool = True,
    **trainer_kwargs: Any,
):
    """Seed, build :func:`image_gan` for images ``x`` (and ``labels``),
    train it with the core Trainer, return the Trainer.

    One call per row of a comparison, so every variant gets the same seed, data and budget.
    """
    from ..core.data import TensorSampler
    from ..core.device import seed_everything
    from ..core.train import Trainer

    _check_square_images(x)
    seed_everything(seed)
    n_classes = int(labels.max()) + 1 if labels is not None else None
    G, D = image_gan(
        x.shape[2], x.shape[1], width, latent_dim, upsample, spectral_norm, n_classes, augment
    )
    trainer = Trainer(
        G,
        D,
        TensorSampler(x, labels),
        loss=loss,
        batch_size=batch_size,
        lr_g=lr,
        lr_d=lr,
        **trainer_kwargs,
    )
    trainer.fit(steps, callbacks=callbacks, progress=progress)
    return trainer


class TrainingMonitor:
    """A Trainer callback: every call, score the EMA and raw generators
    and keep a grid from fixed latents.

    Use as ``trainer.fit(steps, callbacks=[(every, monitor)])``; then :meth:`plot` and
    :attr:`snapshots` show how quality moved during training.
    """

    def __init__(self, evaluator, n_grid: int = 32, raw: bool = True, seed: int = 0) -> None:
        self.evaluator, self.raw = evaluator, raw
        self.z: Tensor | None = (
            None  # fixed latents, drawn on the first call (when latent_dim is known)
        )
        self.n_grid, self.seed = n_grid, seed
        self.records: list[dict[str, float]] = []
        self.snapshots: list[tuple[int, Tensor]] = []

    def _labels(self, G: nn.Module, n: int) -> Tensor | None:
        """Exact class (or cluster) proportions for conditional generators,
        as the floor has them."""
        if isinstance(G, SelfConditionedGenerator):
            return G.stratified_labels(n)
        return torch.arange(n) % G.n_classes if getattr(G, "n_classes", None) else None

    def __call__(self, trainer) -> None:
        n = self.evaluator.n_samples
        G_ema = trainer.G_ema if trainer.G_ema is not None else trainer.G
        if self.z is None:
            self.z = torch.randn(
                self.n_grid, trainer.latent_dim, generator=torch.Generator().manual_seed(self.seed)
            )
        record: dict[str, float] = {"step": trainer.step, "seconds": trainer.history["seconds"][-1]}
        ema = self.evaluator.score(
            sample(G_ema, n, self._labels(G_ema, n), seed=self.seed + trainer.step)
        )
        record.update(
            fd_ema=ema.fd,
            recall_ema=ema.recall,
            precision_ema=ema.precision,
            min_class_ema=ema.min_class_share,
        )
        if self.raw:
            raw = self.evaluator.score(
                sample(trainer.G, n, self._labels(trainer.G, n), seed=self.seed + trainer.step)
            )
            record.update(fd_raw=raw.fd, recall_raw=raw.recall)
        self.records.append(record)
        self.snapshots.append(
            (trainer.step, sample(G_ema, self.n_grid, self._labels(G_ema, self.n_grid), z=self.z))
        )

    def column(self, key: str) -> list[float]:
        return [r[key] for r in self.records]

    def plot(self, floor=None) -> plt.Figure:
        """FD (log scale) and recall over training, EMA and raw,
        with the real-vs-real floor dashed."""
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
        steps = self.column("step")
        for kind in ("raw", "ema"):
            if f"fd_{kind}" in self.records[0]:
                axes[0].plot(
                    steps, self.column(f"fd_{kind}"), marker="o", label=f"{kind.upper()} generator"
                )
                axes[1].plot(
                    steps,
                    self.column(f"recall_{kind}"),
                    marker="o",
                    label=f"{kind.upper()} generator",
                )
        if floor is not None:
            axes[0].axhline(floor.fd, color="grey", ls="--", label="real vs real")
            axes[1].axhline(floor.recall, color="grey", ls="--", label="real vs real")
        axes[0].set(yscale="log", xlabel="step", ylabel="Fréchet distance (lower is better)")
        axes[1].set(ylim=(0, 1), xlabel="step", ylabel="recall (higher is better)")
        for ax in axes:
            ax.legend()
        fig.tight_layout()
        return fig


def save_generator(
    G: DCGANGenerator | SelfConditionedGenerator, name_or_path: str | os.PathLike, **extra: Any
) -> Path:
    """Ship a generator: ``ganbook/weights/NAME.pt`` (or a path),
    in the core checkpoint format, no optimizers; ``extra`` entries (``steps``, ``seconds``...)
    are stored beside its config, as every saver stores them."""
    return save_model(name_or_path, G, G.config(), **extra)


def load_generator(name: str) -> tuple[DCGANGenerator | SelfConditionedGenerator, dict[str, Any]]:
    """A shipped generator (see :func:`save_generator`) in eval mode, and its checkpoint dict.

    Every domain's loader returns ``(model, info)``: ``info["config"]`` rebuilds the model;
    what :func:`save_generator` was given besides (``steps``, ``seconds``...) is in ``info``.
    """

    def build(config: dict[str, Any]) -> DCGANGenerator | SelfConditionedGenerator:
        keys = ("latent_dim", "resolution", "channels", "width", "upsample", "n_classes")
        args = {k: config[k] for k in keys}
        args["n_classes"] = args["n_classes"] or None
        G: nn.Module = DCGANGenerator(**args)
        if "cluster_counts" in config:
            G = SelfConditionedGenerator(G, config["cluster_counts"])
        return G

    return load_model(name, build)
