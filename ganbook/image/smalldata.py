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
    from ..core.train import Trainer


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
        # name -> [(step, discriminator gap, KID of the EMA samples)], recorded during training
        self.curves: dict[str, list[tuple[int, float, float]]] = {}

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

    def run(self, name: str, steps: int, points: int = 15, **train_kwargs: Any) -> Trainer:
        """Train one setting, recording :meth:`gap` and the KID of 200 EMA samples (fixed
        latents) about ``points`` times; return the Trainer.

        ``train_kwargs`` go to :func:`~ganbook.image.recipes.train_image_gan` (``augment=``,
        ``width=``, ``seed=``...): give every run the same ones but the setting compared.
        """
        if name in self.runs:
            raise ValueError(f"name {name!r} is already a run of this study")
        if not isinstance(points, int) or points < 1:
            raise ValueError(f"points must be a positive int, got {points!r}")
        curve = self.curves[name] = []

        def record(trainer: Trainer) -> None:
            kid = self.kid(sample(trainer.G_ema, 200, seed=1))[0]
            curve.append((trainer.step, self.gap(trainer.D), kid))

        callbacks = [*train_kwargs.pop("callbacks", ()), (max(1, steps // points), record)]
        self.runs[name] = train_image_gan(self.train, steps, callbacks=callbacks, **train_kwargs)
        return self.runs[name]

    def late_kid(self, name: str) -> float:
        """Mean KID of the EMA samples over the second half of ``name``'s recorded points.

        A short GAN run oscillates, so its KID at one step depends on where the oscillation
        happened to stop (the seed, the CPU's float path); the mean over half a run does not.
        """
        curve = self.curves.get(name)
        if not curve:
            raise ValueError(f"name must be one of the runs {sorted(self.curves)}, got {name!r}")
        late = [kid for step, _, kid in curve if step > curve[-1][0] / 2] or [curve[-1][2]]
        return sum(late) / len(late)

    def scores(self, name: str, n: int = 200, seed: int = 1) -> dict[str, Any]:
        """``kid`` (mean, std), final ``gap``, ``memorisation`` of ``n`` EMA samples of ``name``,
        and ``late_kid`` (:meth:`late_kid`)."""
        if name not in self.runs:
            raise ValueError(f"name must be one of the runs {sorted(self.runs)}, got {name!r}")
        trainer = self.runs[name]
        samples = sample(trainer.G_ema, n, seed=seed)
        return {
            "kid": self.kid(samples),
            "late_kid": self.late_kid(name),
            "gap": self.gap(trainer.D),
            "memorisation": memorisation_ratio(samples, self.train, self.heldout),
        }

    def plot_curves(self, untrained_kid: float | None = None) -> plt.Figure:
        """Each run's discriminator gap (zero: no memorisation) and its samples' KID over
        training, with the untrained generator's KID marked if given."""
        fig, (ax_gap, ax_kid) = plt.subplots(1, 2, figsize=(10, 3))
        for name, curve in self.curves.items():
            steps, gaps, kids = zip(*curve)
            ax_gap.plot(steps, gaps, marker="o", label=name)
            ax_kid.plot(steps, kids, marker="o", label=name)
        ax_gap.axhline(0, color="grey", lw=0.8)
        ax_gap.set(xlabel="step", ylabel="mean logit: train - held-out",
                   title=f"does D memorise its {len(self.train)} images?")
        if untrained_kid is not None:
            ax_kid.axhline(untrained_kid, color="grey", ls="--", lw=0.8, label="untrained G")
        ax_kid.set(xlabel="step", ylabel="KID (PCA) vs held-out", title="EMA samples' KID")
        ax_kid.set_ylim(bottom=0)
        ax_gap.legend()
        ax_kid.legend()
        fig.tight_layout()
        return fig
