"""Self-conditioning: k-means cluster ids, the generator that draws its own id, and shipping it."""

import pytest
import torch

from ganbook import Trainer
from ganbook.core.data import TensorSampler
from ganbook.image.dcgan import DCGANGenerator
from ganbook.image.recipes import load_generator, sample, save_generator, self_conditioned_gan
from ganbook.image.selfcond import SelfConditionedGenerator, cluster_purity, kmeans_labels


def _two_blobs(n: int = 40) -> torch.Tensor:
    x = torch.full((n, 1, 8, 8), -1.0)
    x[: n // 2, :, :4] = 1.0  # top half lit
    x[n // 2 :, :, 4:] = 1.0  # bottom half lit
    return x + 0.05 * torch.randn_like(x)


def test_kmeans_finds_obvious_clusters_and_purity_measures_them():
    x = _two_blobs()
    ids = kmeans_labels(x, 2)
    classes = torch.arange(40) // 20
    assert cluster_purity(ids, classes) == 1.0
    assert cluster_purity(torch.zeros(40, dtype=torch.long), classes) == 0.5
    with pytest.raises(ValueError, match="k must be"):
        kmeans_labels(x, 1)
    with pytest.raises(ValueError, match="vectors"):
        cluster_purity(ids, classes[:3])


def test_last_latent_coordinate_picks_clusters_with_their_frequencies():
    G = SelfConditionedGenerator(DCGANGenerator(4, 8, 1, 8, n_classes=3), [1, 2, 7])
    z = torch.randn(20000, G.latent_dim, generator=torch.Generator().manual_seed(0))
    shares = torch.bincount(G.labels_from_latent(z), minlength=3).float() / len(z)
    assert torch.allclose(shares, torch.tensor([0.1, 0.2, 0.7]), atol=0.015)
    assert G(z[:5]).shape == (5, 1, 8, 8)
    # given labels, the last coordinate is ignored
    z2 = z[:5].clone()
    z2[:, -1] = -z2[:, -1]
    G.eval()
    labels = torch.tensor([0, 1, 2, 0, 1])
    assert torch.equal(G(z[:5], labels), G(z2, labels))
    strata = G.stratified_labels(20)
    assert strata.shape == (20,) and torch.bincount(strata, minlength=3).tolist() == [2, 4, 14]
    assert torch.bincount(G.stratified_labels(7), minlength=3).sum() == 7
    with pytest.raises(ValueError, match="n must"):
        G.stratified_labels(0)
    with pytest.raises(ValueError, match="conditional"):
        SelfConditionedGenerator(DCGANGenerator(4, 8, 1, 8), [1, 2])
    with pytest.raises(ValueError, match="z must"):
        G(torch.randn(2, 4))


def test_self_conditioned_gan_trains_samples_and_round_trips(tmp_path):
    x = _two_blobs()
    G, D, ids = self_conditioned_gan(x, clusters=2, width=8, latent_dim=4)
    assert ids.shape == (40,) and G.latent_dim == 5 and G.cluster_counts.sum() == 40
    trainer = Trainer(G, D, TensorSampler(x, ids), batch_size=8, loss="hinge", device="cpu")
    trainer.fit(3, progress=False)
    out = sample(trainer.G_ema, 6, seed=0)
    assert out.shape == (6, 1, 8, 8) and out.abs().max() <= 1
    path = save_generator(trainer.G_ema, tmp_path / "sc.pt", steps=3)
    G2, info = load_generator(str(path))
    counts = G.cluster_counts.int().tolist()
    assert isinstance(G2, SelfConditionedGenerator) and info["config"]["cluster_counts"] == counts
    assert torch.equal(sample(G2, 6, seed=0), out)


def test_monitor_draws_self_conditioned_clusters_in_training_proportions():
    from ganbook.image.recipes import TrainingMonitor

    G = SelfConditionedGenerator(DCGANGenerator(4, 8, 1, 8, n_classes=3), [1, 2, 7])
    labels = TrainingMonitor(evaluator=None)._labels(G, 10)
    assert torch.equal(labels, G.stratified_labels(10))


def test_score_stratified_draws_exact_proportions_and_reports():
    from ganbook.image.metrics import Scores
    from ganbook.image.selfcond import score_stratified

    class CountingEvaluator:
        n_samples = 10

        def __init__(self):
            self.calls = []

        def score_draws(self, G, draws=5, labels=None):
            self.calls.append(labels)
            fd = 1.0 if labels is not None else 2.0
            return [
                Scores(fd=fd * (i + 1), kid=0.0, precision=0.5, recall=0.5, class_shares=[0.5, 0.5])
                for i in range(draws)
            ]

    G = SelfConditionedGenerator(DCGANGenerator(4, 8, 1, 8, n_classes=3), [1, 2, 7])
    ev = CountingEvaluator()
    result = score_stratified(ev, G, draws=3)
    assert torch.equal(ev.calls[0], torch.tensor([0] + [1] * 2 + [2] * 7)) and ev.calls[1] is None
    assert torch.equal(result.images, sample(G, 10, ev.calls[0], seed=1))
    assert result.first.fd == 1.0 and result.mean.fd == 2.0 and result.random.fd == 4.0
    floor = Scores(fd=0.5, kid=0.0, precision=1.0, recall=1.0, class_shares=[0.5, 0.5])
    lines = result.report(floor, "toy").splitlines()
    assert lines[0] == "toy, 3 stratified draws, FD / floor: [2.0, 4.0, 6.0]"
    assert lines[1] == "mean FD / floor: stratified 4.00x, clusters at random 8.00x"
    assert lines[2].startswith("mean (stratified): FD 2.000")
    with pytest.raises(ValueError, match="SelfConditionedGenerator"):
        score_stratified(ev, DCGANGenerator(4, 8, 1, 8))
