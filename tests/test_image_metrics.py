"""Image metrics: checked against torchmetrics / scipy reference computations and on known cases."""

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from ganbook.image.metrics import (
    checkerboard_share,
    class_shares,
    frechet_distance,
    in_manifold,
    kernel_distance,
    memorisation_ratio,
    nearest_neighbours,
    precision_recall,
)


def _features(n=300, d=8, shift=0.0, scale=1.0, seed=0):
    mix = torch.randn(d, d, generator=torch.Generator().manual_seed(123)) * 0.3 + torch.eye(d)
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, d, generator=g) @ mix) * scale + shift


def test_frechet_distance_matches_scipy_reference():
    a, b = (
        _features(seed=0).double().numpy(),
        _features(shift=0.5, scale=1.3, seed=1).double().numpy(),
    )
    mu_a, mu_b = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = ((mu_a - mu_b) ** 2).sum() + np.trace(ca + cb - 2 * scipy.linalg.sqrtm(ca @ cb).real)
    assert frechet_distance(a, b) == pytest.approx(ref, rel=1e-6)


def test_frechet_distance_matches_torchmetrics_with_custom_features():
    from torchmetrics.image.fid import FrechetInceptionDistance

    class Identity(nn.Module):
        num_features = 8

        def forward(self, x):
            return x

    a, b = _features(seed=2), _features(shift=0.3, seed=3)
    fid = FrechetInceptionDistance(feature=Identity(), normalize=True)
    fid.update(a, real=True)
    fid.update(b, real=False)
    assert frechet_distance(a, b) == pytest.approx(float(fid.compute()), rel=1e-3, abs=1e-4)


def test_frechet_distance_is_zero_for_identical_sets_and_grows_with_shift():
    a = _features()
    assert abs(frechet_distance(a, a)) < 1e-8
    assert frechet_distance(a, a + 1.0) == pytest.approx(8.0, rel=1e-6)  # ||mu shift||^2 = 8 * 1^2


def test_kernel_distance_matches_torchmetrics_poly_mmd():
    from torchmetrics.image.kid import poly_mmd

    a, b = _features(n=200, seed=4).double(), _features(n=200, shift=0.2, seed=5).double()
    mean, std = kernel_distance(
        a, b, subsets=3, subset_size=200
    )  # full sets: only the order changes
    assert mean == pytest.approx(float(poly_mmd(a, b)), rel=1e-6)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_kernel_distance_is_unbiased_near_zero_for_same_distribution():
    a, b = _features(n=400, seed=6), _features(n=400, seed=7)
    same, _ = kernel_distance(a, b, subsets=10, subset_size=200)
    diff, _ = kernel_distance(a, b + 1.0, subsets=10, subset_size=200)
    assert abs(same) < 0.1 * diff


def test_precision_recall_separates_collapse_from_coverage():
    real = _features(n=300, seed=8)
    assert precision_recall(real, _features(n=300, seed=9)) > (0.8, 0.8)
    collapsed = real[:5].repeat(60, 1) + 0.01 * torch.randn(300, 8)
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.1


def test_class_shares_and_bad_input():
    assert class_shares(torch.tensor([0, 0, 1, 2]), 3) == [0.5, 0.25, 0.25]
    with pytest.raises(ValueError, match="predicted"):
        class_shares(torch.tensor([0, 5]), 3)
    with pytest.raises(ValueError, match="same width"):
        frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))
    with pytest.raises(ValueError, match="2-D"):
        frechet_distance(torch.zeros(5), torch.zeros(5))
    with pytest.raises(ValueError, match="k must"):
        precision_recall(torch.zeros(5, 2), torch.zeros(5, 2), k=5)
    with pytest.raises(ValueError, match="subset_size"):
        kernel_distance(torch.zeros(5, 2), torch.zeros(5, 2), subset_size=10)


def test_nearest_neighbours_and_memorisation_ratio():
    train = torch.randn(50, 1, 4, 4)
    heldout = torch.randn(20, 1, 4, 4)
    dist, idx = nearest_neighbours(train[[3, 7]] + 1e-4, train)
    assert idx.tolist() == [3, 7] and (dist < 1e-3).all()
    assert memorisation_ratio(train[:20], train, heldout) == pytest.approx(0.0, abs=1e-6)
    assert 0.7 < memorisation_ratio(torch.randn(200, 1, 4, 4), train, heldout) < 1.4


def test_pca_features_whiten_the_reference_set():
    from ganbook.image.metrics import PCAFeatures

    torch.manual_seed(0)
    x = torch.randn(100, 1, 5, 5) * torch.linspace(0.1, 2, 25).view(1, 1, 5, 5)
    pca = PCAFeatures(x, dim=4)
    f = pca(x)
    assert f.shape == (100, 4)
    assert torch.allclose(f.std(0), torch.ones(4, dtype=f.dtype), atol=1e-6)
    with pytest.raises(ValueError, match="dim"):
        PCAFeatures(x, dim=0)
    with pytest.raises(ValueError, match="pixels"):
        pca(torch.randn(3, 1, 4, 4))


def test_discriminator_gap_is_large_for_a_memorising_critic():
    from ganbook.image.metrics import discriminator_gap

    train, heldout = torch.randn(20, 1, 4, 4), torch.randn(20, 1, 4, 4)

    class Memoriser(nn.Module):
        def __init__(self):
            super().__init__()
            self.bank = nn.Parameter(train.flatten(1), requires_grad=False)

        def forward(self, x):
            return -torch.cdist(x.flatten(1), self.bank).min(1).values

    gap = discriminator_gap(Memoriser(), train, heldout)
    assert gap > 2.0


def test_confidence_is_high_for_clear_logits_and_low_for_ties():
    from ganbook.image.metrics import confidence

    class Fixed(nn.Module):
        def __init__(self, logits):
            super().__init__()
            self.logits = logits

        def forward(self, x):
            return self.logits.expand(len(x), -1)

    images = torch.zeros(4, 1, 8, 8)
    assert confidence(Fixed(torch.tensor([[20.0, 0.0, 0.0]])), images) == pytest.approx(1.0)
    assert confidence(Fixed(torch.zeros(1, 4)), images) == pytest.approx(0.25)


def test_digit_evaluator_floor_and_failure_cases():
    from ganbook.image.metrics import DigitEvaluator, scores_table

    ev = DigitEvaluator()
    floor = ev.floor()
    assert (
        floor.fd < 1
        and floor.recall > 0.8
        and floor.min_class_share > 0.08
        and floor.memorisation == 0
    )
    noise = ev.score(torch.rand(300, 1, 8, 8) * 2 - 1)
    assert noise.fd > 50 * floor.fd and noise.recall < 0.1
    collapsed = ev.score(ev.train_x[:1].repeat(300, 1, 1, 1))
    assert collapsed.recall < 0.05 and collapsed.min_class_share == 0
    table = scores_table({"floor": floor, "noise": noise}, {"noise": {"seconds": 1.0}})
    assert "floor" in table and "seconds" in table.splitlines()[0]
    with pytest.raises(ValueError, match="samples"):
        ev.score(torch.zeros(10, 1, 28, 28))
    # features are scaled to unit RMS on the test set, so KID's kernel is well conditioned
    assert ev.test_features.pow(2).mean().item() == pytest.approx(1.0, rel=1e-4)
    assert abs(floor.kid) < 0.05 and noise.kid > 0.3


def test_in_manifold_is_what_precision_averages():
    real, fake = _features(seed=0), _features(shift=1.5, seed=3)
    precision, recall = precision_recall(real, fake)
    assert in_manifold(real, fake).double().mean().item() == pytest.approx(precision)
    assert in_manifold(fake, real).double().mean().item() == pytest.approx(recall)
    assert in_manifold(real, real[:10]).all()  # each point lies in its own ball
    with pytest.raises(ValueError, match="k must"):
        in_manifold(real[:3], fake, k=3)


def test_checkerboard_share_of_known_patterns():
    board = ((torch.arange(8)[:, None] + torch.arange(8)) % 2 * 2 - 1).float()[None, None]
    assert checkerboard_share(board) == pytest.approx(1.0)
    smooth = torch.linspace(-1, 1, 8).repeat(8, 1)[None, None]
    assert checkerboard_share(smooth) < 1e-6
    noise = torch.randn(500, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    assert checkerboard_share(noise) == pytest.approx(
        1 / 63, rel=0.2
    )  # white noise: one of 63 directions
    with pytest.raises(ValueError, match="images"):
        checkerboard_share(torch.zeros(8, 8))


def test_score_draws_and_average():
    from ganbook.image.metrics import DigitEvaluator, Scores
    from ganbook.image.recipes import image_gan

    ev = DigitEvaluator()
    ev.n_samples = 100  # keep the test fast
    G, _ = image_gan(width=8, latent_dim=4)
    draws = ev.score_draws(G, draws=3)
    assert len(draws) == 3 and len({d.fd for d in draws}) == 3  # different sample seeds
    mean = Scores.average(draws)
    assert mean.fd == pytest.approx(sum(d.fd for d in draws) / 3)
    assert len(mean.class_shares) == 10 and sum(mean.class_shares) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="draws"):
        ev.score_draws(G, draws=0)
    with pytest.raises(ValueError, match="at least one"):
        Scores.average([])


def test_frechet_distance_of_one_feature_is_the_1d_gaussian_formula():
    a = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    b = a * 2 + 1
    va, vb = a.var().item(), b.var().item()
    expected = (a.mean() - b.mean()).item() ** 2 + va + vb - 2 * (va * vb) ** 0.5
    assert abs(frechet_distance(a, b) - expected) < 1e-4
