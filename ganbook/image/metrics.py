"""Sample-quality measures for image GANs, written out so the book can show every step.

All work on *features* (rows of a 2-D array): the digit classifier's penultimate layer for
digits, PCA of pixels for the 100 faces. Distances are computed in float64.

* :func:`frechet_distance` - Heusel et al. 2017: fit a Gaussian to each set, compare them.
* :func:`kernel_distance` - KID (Binkowski et al. 2018): unbiased squared MMD with the cubic
  polynomial kernel, averaged over random subsets; unbiased, so usable at small sample sizes.
* :func:`precision_recall` - Kynkaanniemi et al. 2019: k-NN balls around each sample
  approximate each manifold; precision = fakes inside the real manifold, recall = reals
  inside the fake manifold.
* :func:`in_manifold` - which samples precision counts as realistic (to look at the others).
* :func:`class_shares` - per-class coverage by a classifier.
* :func:`confidence` - how clearly a classifier sees some class in images (low: in-between ones).
* :func:`checkerboard_share` - how much of an image is the transposed-convolution artefact.
* :func:`memorisation_ratio` - nearest-training-neighbour distances of samples, relative to
  those of held-out real images (about 1: new images; near 0: copies).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import fmean

import numpy as np
import torch
from torch import Tensor

from ..core.utils import eval_mode, sample
from .diffaugment import unaugmented


def _as_features(name: str, x) -> Tensor:
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, Tensor) else x).detach().cpu().double()
    if x.dim() != 2 or len(x) < 2:
        raise ValueError(
            f"{name} must be a 2-D array of at least 2 feature rows, got shape {tuple(x.shape)}"
        )
    return x


def _same_dim(a: Tensor, b: Tensor) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"feature sets must have the same width, got {a.shape[1]} and {b.shape[1]}"
        )


def _sqrtm_psd(m: Tensor) -> Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return (vecs * vals.clamp(min=0).sqrt()) @ vecs.T


def frechet_distance(a, b) -> float:
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))
    between Gaussians fitted to features ``a`` and ``b``.

    The trace of the matrix square root is taken from the eigenvalues of the symmetric
    matrix S_a^(1/2) S_b S_a^(1/2), which has the same spectrum as S_a S_b and is stable.
    """
    a, b = _as_features("a", a), _as_features("b", b)
    _same_dim(a, b)
    mu_a, mu_b = a.mean(0), b.mean(0)
    # atleast_2d: for one feature torch.cov returns a 0-d variance, which eigh cannot take
    cov_a, cov_b = torch.atleast_2d(torch.cov(a.T)), torch.atleast_2d(torch.cov(b.T))
    root_a = _sqrtm_psd(cov_a)
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    return float(((mu_a - mu_b) ** 2).sum() + cov_a.trace() + cov_b.trace() - 2 * cross)


def _mmd2_unbiased(x: Tensor, y: Tensor) -> Tensor:
    d = x.shape[1]
    k_xx, k_yy, k_xy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
    m, n = len(x), len(y)
    return (
        (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
        + (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
        - 2 * k_xy.mean()
    )


def kernel_distance(
    a, b, subsets: int = 50, subset_size: int | None = None, seed: int = 0
) -> tuple[float, float]:
    """KID: mean and std over ``subsets`` random subsets of the unbiased MMD^2
    with k(x, y) = (x.y/d + 1)^3.

    ``subset_size`` defaults to min(1000, len(a), len(b)); subsets are drawn without
    replacement with their own seeded generator (the global RNG is not touched).
    """
    a, b = _as_features("a", a), _as_features("b", b)
    _same_dim(a, b)
    size = subset_size or min(1000, len(a), len(b))
    if not isinstance(subsets, int) or subsets < 1:
        raise ValueError(f"subsets must be a positive int, got {subsets!r}")
    if not 2 <= size <= min(len(a), len(b)):
        raise ValueError(f"subset_size must be in 2..{min(len(a), len(b))}, got {size}")
    gen = torch.Generator().manual_seed(seed)
    values = torch.stack(
        [
            _mmd2_unbiased(
                a[torch.randperm(len(a), generator=gen)[:size]],
                b[torch.randperm(len(b), generator=gen)[:size]],
            )
            for _ in range(subsets)
        ]
    )
    return float(values.mean()), float(values.std()) if subsets > 1 else 0.0


def _kth_neighbour_radius(x: Tensor, k: int) -> Tensor:
    dist = torch.cdist(x, x)
    return dist.kthvalue(k + 1, dim=1).values  # +1: the nearest "neighbour" is the point itself


def in_manifold(reference, queries, k: int = 3) -> Tensor:
    """For each query row: does it fall inside some reference point's k-th-neighbour ball?

    The balls approximate the manifold of ``reference`` (Kynkaanniemi et al. 2019); precision is
    this mask's mean for fakes against reals, recall the same with the roles swapped.
    """
    reference, queries = _as_features("reference", reference), _as_features("queries", queries)
    _same_dim(reference, queries)
    if not isinstance(k, int) or not 1 <= k < len(reference):
        raise ValueError(f"k must be an int in 1..{len(reference) - 1}, got {k!r}")
    radii = _kth_neighbour_radius(reference, k)
    return (torch.cdist(queries, reference) <= radii[None, :]).any(dim=1)


def precision_recall(real, fake, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019) with ``k``-th neighbour balls."""
    real, fake = _as_features("real", real), _as_features("fake", fake)
    _same_dim(real, fake)
    if not isinstance(k, int) or not 1 <= k < min(len(real), len(fake)):
        raise ValueError(f"k must be an int in 1..{min(len(real), len(fake)) - 1}, got {k!r}")
    precision = in_manifold(real, fake, k).double().mean()
    recall = in_manifold(fake, real, k).double().mean()
    return float(precision), float(recall)


def class_shares(predicted: Tensor, n_classes: int = 10) -> list[float]:
    """Share of samples the classifier puts in each class
    (a uniform generator gives 1/n_classes each)."""
    predicted = torch.as_tensor(predicted).long().flatten()
    if len(predicted) == 0 or predicted.min() < 0 or predicted.max() >= n_classes:
        raise ValueError(f"predicted must be a non-empty vector of class ids in 0..{n_classes - 1}")
    return (torch.bincount(predicted, minlength=n_classes).double() / len(predicted)).tolist()


def nearest_neighbours(queries: Tensor, reference: Tensor) -> tuple[Tensor, Tensor]:
    """Euclidean distance to, and index of, each query's nearest reference item
    (images are flattened)."""
    q, r = (
        torch.as_tensor(queries).flatten(1).double(),
        torch.as_tensor(reference).flatten(1).double(),
    )
    if q.shape[1] != r.shape[1]:
        raise ValueError(
            f"queries and reference must have the same size per item, "
            f"got {q.shape[1]} and {r.shape[1]}"
        )
    dist, idx = torch.cdist(q, r).min(dim=1)
    return dist.float(), idx


def memorisation_ratio(samples: Tensor, train: Tensor, heldout: Tensor) -> float:
    """median NN-distance(samples -> train) / median NN-distance(held-out reals -> train),
    in pixel space.

    Held-out real images are *new* images by construction, so a generator making new images
    scores about 1; one that copies its training set scores near 0.
    """
    d_samples = nearest_neighbours(samples, train)[0].median()
    d_heldout = nearest_neighbours(heldout, train)[0].median()
    return float(d_samples / d_heldout)


def checkerboard_share(images: Tensor) -> float:
    """Mean share of each image's variance in the pixel-level checkerboard pattern
    (+1, -1 alternating).

    The artefact of uneven transposed-convolution overlap (Odena et al. 2016) lives at exactly
    this frequency; compare a generator's share with that of real images.
    """
    x = torch.as_tensor(images).detach().cpu().double()
    if x.dim() != 4 or x.shape[2] < 2 or x.shape[3] < 2:
        raise ValueError(
            f"images must have shape (n, channels, height, width), got {tuple(x.shape)}"
        )
    h, w = x.shape[2:]
    sign = (torch.arange(h)[:, None] + torch.arange(w)[None, :]) % 2 * 2 - 1
    pattern = sign.double() / (h * w) ** 0.5  # unit norm
    centred = x - x.mean(dim=(2, 3), keepdim=True)
    power = (centred * pattern).sum(dim=(2, 3)) ** 2
    total = centred.pow(2).sum(dim=(2, 3)).clamp(min=1e-12)
    return float((power / total).mean())


@dataclass
class Scores:
    """The chapter's report card for one set of samples (see :class:`DigitEvaluator`)."""

    fd: float
    kid: float
    precision: float
    recall: float
    class_shares: list[float] = field(repr=False)
    memorisation: float = float("nan")

    @property
    def min_class_share(self) -> float:
        return min(self.class_shares)

    def row(self) -> dict[str, float]:
        """The numbers as a flat dict (one table row)."""
        d = asdict(self)
        d.pop("class_shares")
        return {**d, "min_class_share": self.min_class_share}

    @staticmethod
    def average(scores: list["Scores"]) -> "Scores":
        """Field-by-field mean of several :class:`Scores`
        (e.g. of several sample draws of one generator)."""
        if not scores:
            raise ValueError("need at least one Scores to average")
        shares = [fmean(col) for col in zip(*(s.class_shares for s in scores))]
        return Scores(
            fd=fmean(s.fd for s in scores),
            kid=fmean(s.kid for s in scores),
            precision=fmean(s.precision for s in scores),
            recall=fmean(s.recall for s in scores),
            class_shares=shares,
            memorisation=fmean(s.memorisation for s in scores),
        )

    def __str__(self) -> str:
        return (
            f"FD {self.fd:.3f}, KID {self.kid:.4f}, precision {self.precision:.2f}, "
            f"recall {self.recall:.2f}, "
            f"smallest class {self.min_class_share:.1%}, memorisation {self.memorisation:.2f}"
        )


class DigitEvaluator:
    """Scores digit samples against the held-out test split in the classifier's feature space.

    Compare a model with :meth:`floor`, the score of the *training images themselves*: a
    generator cannot be expected to beat real data drawn from the same distribution. Pass as
    many samples as there are training images (:attr:`n_samples`), so both sides of every
    comparison have the same sample sizes (FD is biased by sample size).
    """

    def __init__(self, classifier=None, k: int = 3) -> None:
        from .classifier import load_digit_classifier
        from .data import load_digits

        self.classifier = classifier if classifier is not None else load_digit_classifier()[0]
        self.train_x, self.train_y = load_digits("train")
        self.test_x, self.test_y = load_digits("test")
        self.k = k
        raw = self.classifier.embed(self.test_x)
        # One fixed scale, the test features' RMS: KID's kernel (x.y/d + 1)^3 then sees x.y/d
        # near 1, as with Inception features, instead of about 30 (which made KID values of
        # order 10^4). Precision, recall and FD ratios do not depend on it.
        self.feature_scale = float(raw.pow(2).mean().sqrt())
        self.test_features = raw / self.feature_scale
        self.n_samples = len(self.train_x)

    def features(self, images: Tensor) -> Tensor:
        """The classifier's penultimate features of ``images``, divided by :attr:`feature_scale`."""
        return self.classifier.embed(images) / self.feature_scale

    def score(self, samples: Tensor) -> Scores:
        """FD, KID, precision, recall (against the test split),
        class shares and memorisation ratio."""
        samples = torch.as_tensor(samples).detach().cpu().float()
        if samples.dim() != 4 or tuple(samples.shape[1:]) != (1, 8, 8):
            raise ValueError(f"samples must have shape (n, 1, 8, 8), got {tuple(samples.shape)}")
        raw, predicted = self.classifier.embed_and_predict(samples)
        feats = raw / self.feature_scale  # as :meth:`features`
        precision, recall = precision_recall(self.test_features, feats, self.k)
        return Scores(
            fd=frechet_distance(feats, self.test_features),
            kid=kernel_distance(feats, self.test_features, subsets=20)[0],
            precision=precision,
            recall=recall,
            class_shares=class_shares(predicted),
            memorisation=memorisation_ratio(samples, self.train_x, self.test_x),
        )

    def score_draws(self, G, draws: int = 5, labels: Tensor | None = None) -> list[Scores]:
        """Scores of ``draws`` independent sets of :attr:`n_samples` samples from ``G``
        (sample seeds 1..draws).

        One draw's FD moves by 10-30% with the seed alone; average the draws
        (:meth:`Scores.average`) before comparing a generator with a target.
        """
        if not isinstance(draws, int) or draws < 1:
            raise ValueError(f"draws must be a positive int, got {draws!r}")
        cond = () if labels is None else (labels,)
        return [
            self.score(sample(G, self.n_samples, *cond, seed=seed)) for seed in range(1, draws + 1)
        ]

    def floor(self) -> Scores:
        """Real-vs-real: the training images scored like a generator's samples
        (memorisation is 0 by definition)."""
        return self.score(self.train_x)


class PCAFeatures:
    """Pixel-space PCA fitted on reference images: a feature space for tiny sets with no classifier.

    It measures the coarse structure (pose, lighting, layout) the first ``dim`` principal
    components capture, not perceptual quality; use it with KID, which stays unbiased at
    small sample sizes, and always beside a real-vs-real floor.
    """

    def __init__(self, fit_on: Tensor, dim: int = 16) -> None:
        x = torch.as_tensor(fit_on).flatten(1).double()
        if not isinstance(dim, int) or not 1 <= dim <= min(x.shape):
            raise ValueError(f"dim must be an int in 1..{min(x.shape)}, got {dim!r}")
        self.mean = x.mean(0)
        _, s, vt = torch.linalg.svd(x - self.mean, full_matrices=False)
        self.components = vt[:dim]
        self.scale = (
            s[:dim] / (len(x) - 1) ** 0.5
        )  # whiten: each component has unit variance on fit_on

    def __call__(self, images: Tensor) -> Tensor:
        x = torch.as_tensor(images).detach().cpu().flatten(1).double()
        if x.shape[1] != self.mean.shape[0]:
            raise ValueError(f"images must have {self.mean.shape[0]} pixels each, got {x.shape[1]}")
        return (x - self.mean) @ self.components.T / self.scale


@torch.no_grad()
def discriminator_gap(D, train: Tensor, heldout: Tensor) -> float:
    """Mean logit on training images minus mean logit on held-out real images.

    Both are real, so a discriminator that generalises scores them alike (gap near 0); a
    large positive gap means D has memorised its training set: the overfitting that
    DiffAugment and ADA were designed against (Karras et al. 2020). An
    :class:`~ganbook.image.diffaugment.AugmentedDiscriminator` is measured without its augmentation.
    """
    D = unaugmented(D)
    device = next(D.parameters()).device
    with eval_mode(D):
        gap = D(train.to(device)).mean() - D(heldout.to(device)).mean()
    return float(gap)


@torch.no_grad()
def confidence(classifier, images: Tensor) -> float:
    """Mean top-class softmax probability: how clearly ``images`` look like *some* class.

    Low values flag in-between images (a blend of two digits), as a latent path can cross.
    """
    with eval_mode(classifier):
        return classifier(images).softmax(1).max(1).values.mean().item()


def show_scores(
    named: dict,
    extra: dict[str, dict[str, float]] | None = None,
    digits: int = 4,
    caption: str | None = None,
) -> None:
    """Display the :class:`Scores` in ``named`` as an HTML table, one row each, with
    ``extra`` columns per row and its label as the table's ``caption`` (kept with it)."""
    from ..pages.tables import show_table

    extra = extra or {}
    show_table({name: {**s.row(), **extra.get(name, {})} for name, s in named.items()},
               digits=digits, caption=caption)


def scores_table(named: dict, extra: dict[str, dict[str, float]] | None = None) -> str:
    """A fixed-width text table, one row per named :class:`Scores`
    (plus optional extra columns per row)."""
    extra = extra or {}
    cols = ["fd", "kid", "precision", "recall", "min_class_share", "memorisation"]
    extra_cols = sorted({k for row in extra.values() for k in row})
    width = max(len(n) for n in named) + 2
    lines = ["".ljust(width) + "".join(c.rjust(16) for c in cols + extra_cols)]
    for name, s in named.items():
        row = s.row()
        values = [row[c] for c in cols] + [
            extra.get(name, {}).get(c, float("nan")) for c in extra_cols
        ]
        lines.append(name.ljust(width) + "".join(f"{v:16.4f}" for v in values))
    return "\n".join(lines)
