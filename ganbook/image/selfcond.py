"""Self-conditioning (Liu et al. 2020): cluster the training images,
train a conditional GAN on the clusters.

An unconditional generator maps one connected cloud of codes to images, so it must draw
in-between images somewhere to reach ten separate digit clusters. Self-conditioning gives it a
discrete choice without any human labels: k-means on the training pixels assigns each image a
cluster id, the conditional DCGAN is trained on those ids, and at sampling time the id is drawn
with the clusters' frequencies.

:class:`SelfConditionedGenerator` hides the id inside the latent code (one extra coordinate picks
the cluster), so it samples like any unconditional generator: ``G(z)`` with ``z ~ N(0, I)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..core.utils import sample
from .dcgan import DCGANGenerator
from .metrics import Scores


def kmeans_labels(x: Tensor, k: int, seed: int = 0) -> Tensor:
    """Cluster id (0..k-1) of each image by k-means on its flattened pixels;
    no class labels involved."""
    from sklearn.cluster import KMeans

    if not isinstance(k, int) or not 2 <= k <= len(x):
        raise ValueError(f"k must be an int in 2..{len(x)}, got {k!r}")
    pixels = torch.as_tensor(x).detach().cpu().flatten(1).numpy().astype(np.float64)
    labels = KMeans(k, n_init=10, random_state=seed).fit(pixels).labels_
    return torch.as_tensor(labels, dtype=torch.long)


def cluster_purity(clusters: Tensor, classes: Tensor) -> float:
    """Share of images whose cluster's most common class is their own class
    (1 = clusters never mix classes)."""
    clusters, classes = torch.as_tensor(clusters).long(), torch.as_tensor(classes).long()
    if clusters.shape != classes.shape or clusters.dim() != 1:
        raise ValueError(
            f"clusters and classes must be vectors of one length, got {tuple(clusters.shape)}, "
            f"{tuple(classes.shape)}"
        )
    hits = sum(int(torch.bincount(classes[clusters == c]).max()) for c in clusters.unique())
    return hits / len(clusters)


class SelfConditionedGenerator(nn.Module):
    """A conditional :class:`DCGANGenerator` that draws its own cluster id
    from the last latent coordinate.

    ``z`` has ``generator.latent_dim + 1`` coordinates. Given ``labels`` (training: the real
    batch's cluster ids), the last coordinate is ignored. Without them, the cluster is
    ``Phi(z[:, -1])`` pushed through the clusters' cumulative frequencies, so ``z ~ N(0, I)``
    picks each cluster as often as it occurs in the training set.
    """

    n_classes = None  # callers sample it like an unconditional generator

    def __init__(self, generator: DCGANGenerator, cluster_counts: Tensor | list[int]) -> None:
        super().__init__()
        counts = torch.as_tensor(cluster_counts, dtype=torch.float64)
        if (
            generator.n_classes is None
            or counts.shape != (generator.n_classes,)
            or (counts <= 0).any()
        ):
            raise ValueError(
                "generator must be conditional with one positive count per class, got "
                f"n_classes={generator.n_classes} and counts of shape {tuple(counts.shape)}"
            )
        self.generator = generator
        self.latent_dim = generator.latent_dim + 1
        self.register_buffer("cluster_counts", counts.float())

    def labels_from_latent(self, z: Tensor) -> Tensor:
        """The cluster id picked by each code's last coordinate."""
        u = torch.special.ndtr(z[:, -1])
        edges = (self.cluster_counts.cumsum(0) / self.cluster_counts.sum())[:-1]
        return torch.bucketize(u, edges)

    def config(self) -> dict[str, Any]:
        """The wrapped generator's arguments and the cluster sizes (what rebuilds it)."""
        return {
            **self.generator.config(),
            "cluster_counts": [int(c) for c in self.cluster_counts.tolist()],
        }

    def stratified_labels(self, n: int) -> Tensor:
        """``n`` cluster ids in the training proportions exactly (largest remainders),
        for evaluation.

        Drawing ids at random adds multinomial noise to how many samples each cluster gets, and FD
        against a real set with exact proportions counts that noise as error; this removes it.
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        share = self.cluster_counts.double() / self.cluster_counts.sum() * n
        counts = share.floor().long()
        counts[torch.argsort(share - counts, descending=True)[: n - int(counts.sum())]] += 1
        return torch.repeat_interleave(torch.arange(len(counts), device=counts.device), counts)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), got {tuple(z.shape)}")
        if labels is None:
            labels = self.labels_from_latent(z)
        return self.generator(z[:, :-1], labels)


@dataclass
class StratifiedScores:
    """A self-conditioned generator's scores over sample draws with exact cluster proportions.

    ``random`` is the mean over as many draws with the clusters picked by the latent code instead,
    for contrast: the multinomial noise in the cluster counts that stratifying removes.
    """

    images: Tensor  # the samples of the first draw, in cluster order
    draws: list[Scores]
    random: Scores

    @property
    def first(self) -> Scores:
        return self.draws[0]

    @property
    def mean(self) -> Scores:
        return Scores.average(self.draws)

    def report(self, floor: Scores, name: str) -> str:
        """Three lines: each draw's FD over the floor's, both means over the floor's, the mean."""
        ratios = [round(s.fd / floor.fd, 2) for s in self.draws]
        return (
            f"{name}, {len(self.draws)} stratified draws, FD / floor: {ratios}\n"
            f"mean FD / floor: stratified {self.mean.fd / floor.fd:.2f}x, "
            f"clusters at random {self.random.fd / floor.fd:.2f}x\n"
            f"mean (stratified): {self.mean}"
        )


def score_stratified(evaluator, G: SelfConditionedGenerator, draws: int = 5) -> StratifiedScores:
    """``evaluator.score_draws`` of ``G``: each cluster as often as in training, and at random.

    Every draw has ``evaluator.n_samples`` samples, like the real-vs-real floor; ``images`` is the
    first draw (sample seed 1), to show beside its scores.
    """
    if not isinstance(G, SelfConditionedGenerator):
        raise ValueError(f"G must be a SelfConditionedGenerator, got {type(G).__name__}")
    strata = G.stratified_labels(evaluator.n_samples)
    images = sample(G, evaluator.n_samples, strata, seed=1)
    return StratifiedScores(
        images,
        evaluator.score_draws(G, draws, labels=strata),
        Scores.average(evaluator.score_draws(G, draws)),
    )
