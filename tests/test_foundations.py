"""ganbook.foundations: mixtures with exact densities, mode coverage, the toy GAN recipe and its
snapshots."""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import torch

from ganbook import seed_everything
from ganbook.foundations import (
    GaussianMixture,
    Snapshots,
    discriminator_map,
    grid_2d,
    grid_points,
    mixture_1d,
    mode_coverage,
    ring_2d,
    toy_gan,
)
from ganbook.foundations.plots import draw_1d, draw_2d, plot_samples


def test_ring_and_grid_geometry():
    ring = ring_2d(8, radius=2.0, std=0.1)
    assert ring.n_modes == 8 and ring.dim == 2
    assert torch.allclose(ring.means.norm(dim=1), torch.full((8,), 2.0))
    grid = grid_2d(5, spacing=2.0)
    assert grid.n_modes == 25 and torch.allclose(grid.means.mean(0), torch.zeros(2), atol=1e-6)
    assert grid.means.min().item() == -4.0


def test_1d_density_integrates_to_one_and_matches_hand_value():
    mix = mixture_1d((-2.0, 2.0), std=0.5)
    x = torch.linspace(-8, 8, 8001)[:, None]
    assert torch.trapezoid(mix.pdf(x), x[:, 0]).item() == pytest.approx(1.0, abs=1e-4)
    # At x = 2: half a N(2, 0.5) peak plus a negligible tail of the other bump.
    peak = 0.5 / (0.5 * math.sqrt(2 * math.pi))
    assert mix.pdf(torch.tensor([[2.0]])).item() == pytest.approx(peak, rel=1e-4)


def test_sampling_is_seeded_and_shaped():
    ring = ring_2d()
    seed_everything(3)
    a = ring.sample(100)
    seed_everything(3)
    assert torch.equal(a, ring.sample(100)) and a.shape == (100, 2)
    with pytest.raises(ValueError, match="n must be a positive int"):
        ring.sample(0)


def test_mixture_input_errors():
    with pytest.raises(ValueError, match="std must be positive"):
        GaussianMixture(torch.zeros(2, 2), std=0.0)
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture(torch.zeros(2, 2), std=1.0, weights=torch.tensor([0.9, 0.2]))
    with pytest.raises(ValueError, match="n_modes"):
        ring_2d(0)


def test_mode_coverage_counts_modes_and_quality():
    ring = ring_2d(8, std=0.1)
    seed_everything(0)
    full = mode_coverage(ring.sample(4000), ring)
    assert full.modes_hit == 8 and full.high_quality > 0.97
    # Everything on two modes: 2 of 8 covered, still high quality.
    two = ring.means[torch.randint(2, (4000,))] + 0.1 * torch.randn(4000, 2)
    cov = mode_coverage(two, ring)
    assert cov.modes_hit == 2 and cov.high_quality > 0.97
    # Noise at the centre: no mode, no quality.
    centre = mode_coverage(0.05 * torch.randn(4000, 2), ring)
    assert centre.modes_hit == 0 and centre.high_quality == 0.0
    assert str(cov).startswith("2/8 modes")
    with pytest.raises(ValueError, match="samples must have shape"):
        mode_coverage(torch.zeros(10, 3), ring)


def test_grid_points_and_discriminator_map():
    pts = grid_points(3.0, n=11)
    assert pts.shape == (121, 2)
    assert torch.equal(pts[0], torch.tensor([-3.0, -3.0])) and torch.equal(
        pts[1], torch.tensor([-2.4, -3.0])
    )
    assert grid_points(1.0, n=5, dim=1).shape == (5, 1)
    with pytest.raises(ValueError, match="lim"):
        grid_points(0.0)
    D = _Logit().train()
    assert torch.allclose(discriminator_map(D, pts), torch.sigmoid(pts[:, 0]))
    assert torch.allclose(discriminator_map(D, pts, probabilities=False), pts[:, 0])
    assert D.training  # evaluated in eval mode, then restored


class _Logit(torch.nn.Module):
    def forward(self, x):
        return x[:, 0]


def test_snapshots_do_not_change_the_run():
    ring = ring_2d(std=0.1)
    plain = toy_gan(ring, hidden=16, layers=1, batch_size=32, seed=5)
    plain.fit(20, progress=False)
    filmed = toy_gan(ring, hidden=16, layers=1, batch_size=32, seed=5)
    snaps = Snapshots(grid_points(3.0, n=9), n_samples=64, mixture=ring)
    filmed.fit(20, callbacks=[(5, snaps)], progress=False)
    assert plain.history["d_loss"] == filmed.history["d_loss"]
    assert len(snaps) == 4 and [f["step"] for f in snaps.frames] == [5, 10, 15, 20]
    assert snaps[0]["samples"].shape == (64, 2) and snaps[0]["d"].shape == (81,)
    assert 0 <= snaps[-1]["modes"] <= 8
    assert ((snaps[0]["d"] > 0) & (snaps[0]["d"] < 1)).all()


def test_toy_gan_is_seeded_and_learns_a_1d_bump():
    data = mixture_1d(means=(1.5,), std=0.3)
    runs = []
    for _ in range(2):
        runs.append(toy_gan(data, latent_dim=2, hidden=32, layers=2, seed=1))
        runs[-1].fit(300, progress=False)
    a, b = runs
    assert a.history["g_loss"] == b.history["g_loss"]
    samples = a.generate(2000)
    assert samples.shape == (2000, 1)
    assert abs(samples.mean().item() - 1.5) < 0.3  # an untrained G sits near 0


def test_frames_draw():
    ring, line = ring_2d(std=0.1), mixture_1d()
    pts2, pts1 = grid_points(3.0, n=9), grid_points(4.0, n=50, dim=1)
    fig, axes = plt.subplots(1, 3)
    draw_2d(
        axes[0],
        {"step": 1, "samples": ring.sample(20), "d": torch.rand(81), "modes": 3},
        ring,
        pts2,
        colorbar=True,
    )
    draw_1d(axes[1], {"step": 1, "samples": line.sample(20), "d": torch.rand(50)}, line, pts1)
    plot_samples(axes[2], ring.sample(20), ring, title="x")
    assert axes[0].get_title() == "step 1: 3/8 modes"
    plt.close(fig)
