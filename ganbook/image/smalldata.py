"""A small-data study: one GAN trained on a few images under several settings, measured honestly.

With a hundred images there is no classifier to borrow features from and too few held-out images
for a Fréchet distance. :class:`SmallDataStudy` measures each run three ways: KID in a whitened
PCA space of the training images (unbiased at small sample sizes, read against the real-vs-held-out
floor), the discriminator gap over training (memorisation, what DiffAugment targets), and the
samples' memorisation ratio (copies score near 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
from torch import Tensor

from .metrics import PCAFeatures, discriminator_gap, kernel_distance, memorisation_ratio
from .recipes import sample, train_image_gan

if TYPE_CHECKING:
    from ..train import Trainer


class SmallDataStudy:
    """Runs of :func:`~ganbook.image.recipes.train_image_gan` on ``train``, measured on ``heldout``.

    ``pca_dim`` components of the training images are the KID features; KID averages
    ``kid_subsets`` subsets of ``kid_subset_size`` images (at most ``len(heldout)``).
    """

    def __init__(
        self,
        train: Tensor,
        heldout: Tensor,
        pca_dim: int = 16,
        kid_subsets: int = 50,
        kid_subset_size: int = 20,
    ) -> None:
        if train.dim() != 4 or heldout.shape[1:] != train.shape[1:]:
            raise ValueError(
                f"train and heldout must be image batches of one shape, got "
                f"{tuple(train.shape)} and {tuple(heldout.shape)}"
            )
        if not isinstance(kid_subset_size, int) or not 2 <= kid_subset_size <= len(heldout):
            raise ValueError(
                f"kid_subset_size must be an int in 2..{len(heldout)}, got {kid_subset_size!r}"
            )
        self.train, self.heldout = train, heldout
        self.pca = PCAFeatures(train, dim=pca_dim)
        self.heldout_features = self.pca(heldout)
        self.kid_subsets, self.kid_subset_size = kid_subsets, kid_subset_size
        self.runs: dict[str, Trainer] = {}
        self.gaps: dict[str, list[tuple[int, float]]] = {}  # name -> (step, discriminator gap)

    def kid(self, images: Tensor) -> tuple[float, float]:
        """KID of ``images`` against the held-out images in PCA space: (mean, std over subsets)."""
        return kernel_distance(
            self.pca(images),
            self.heldout_features,
            subsets=self.kid_subsets,
            subset_size=self.kid_subset_size,
        )

    def gap(self, D) -> float:
        """The discriminator gap: mean logit on training minus held-out images (unaugmented D)."""
        return discriminator_gap(D, self.train, self.heldout)

    def run(self, name: str, steps: int, gap_points: int = 15, **train_kwargs: Any) -> Trainer:
        """Train one setting, recording :meth:`gap` about ``gap_points`` times; return the Trainer.

        ``train_kwargs`` go to :func:`~ganbook.image.recipes.train_image_gan` (``augment=``,
        ``width=``, ``seed=``...): give every run the same ones but the setting compared.
        """
        if name in self.runs:
            raise ValueError(f"name {name!r} is already a run of this study")
        if not isinstance(gap_points, int) or gap_points < 1:
            raise ValueError(f"gap_points must be a positive int, got {gap_points!r}")
        curve = self.gaps[name] = []

        def record_gap(trainer: Trainer) -> None:
            curve.append((trainer.step, self.gap(trainer.D)))

        callbacks = [*train_kwargs.pop("callbacks", ()), (max(1, steps // gap_points), record_gap)]
        self.runs[name] = train_image_gan(self.train, steps, callbacks=callbacks, **train_kwargs)
        return self.runs[name]

    def scores(self, name: str, n: int = 200, seed: int = 1) -> dict[str, Any]:
        """``kid`` (mean, std), final ``gap``, ``memorisation`` of ``n`` EMA samples of ``name``."""
        if name not in self.runs:
            raise ValueError(f"name must be one of the runs {sorted(self.runs)}, got {name!r}")
        trainer = self.runs[name]
        samples = sample(trainer.G_ema, n, seed=seed)
        return {
            "kid": self.kid(samples),
            "gap": self.gap(trainer.D),
            "memorisation": memorisation_ratio(samples, self.train, self.heldout),
        }

    def plot_gaps(self) -> plt.Figure:
        """The discriminator gap of every run over training, with zero (no memorisation) marked."""
        fig, ax = plt.subplots(figsize=(6, 3))
        for name, curve in self.gaps.items():
            ax.plot(*zip(*curve), marker="o", label=name)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(
            xlabel="step",
            ylabel="mean logit: train - held-out",
            title=f"does the discriminator memorise its {len(self.train)} images?",
        )
        ax.legend()
        fig.tight_layout()
        return fig
