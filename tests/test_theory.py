"""ganbook.foundations.theory: the minimax chapter's maths against closed forms and by hand."""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from torch import nn

from ganbook import seed_everything
from ganbook.foundations import mixture_1d
from ganbook.foundations.theory import (
    ShiftedGaussian,
    compare_to_optimum,
    discriminator_on_grid,
    fit_discriminator,
    generator_gradient,
    js_divergence,
    kde_density,
    kl_divergence,
    minimax_sgd_step,
    optimal_discriminator,
    sample_gradient,
    silverman_bandwidth,
    value_monte_carlo,
    value_on_grid,
    virtual_training_criterion,
    wasserstein_1d,
)

GRID = torch.linspace(-12, 12, 4001, dtype=torch.float64)


def normal_pdf(x, mu, sigma):
    return torch.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def test_value_monte_carlo_by_hand():
    # logit 0 means D = 1/2 everywhere: V = 2 log(1/2) = -log 4, with zero spread.
    v, se = value_monte_carlo(torch.zeros(10), torch.zeros(7))
    assert v == pytest.approx(-math.log(4))
    assert se == pytest.approx(0.0)
    # One real point with D = sigmoid(2), one fake with D = sigmoid(-1).
    v, _ = value_monte_carlo(torch.tensor([2.0]), torch.tensor([-1.0]))
    s = torch.sigmoid
    assert v == pytest.approx(
        math.log(s(torch.tensor(2.0))) + math.log(1 - s(torch.tensor(-1.0))), rel=1e-6
    )


def test_value_monte_carlo_is_finite_for_huge_logits():
    v, _ = value_monte_carlo(torch.tensor([200.0]), torch.tensor([-200.0]))
    assert v == pytest.approx(0.0, abs=1e-12)
    v, _ = value_monte_carlo(torch.tensor([-200.0]), torch.tensor([0.0]))
    assert math.isfinite(v) and v == pytest.approx(-200 - math.log(2), rel=1e-6)


def test_monte_carlo_agrees_with_quadrature():
    seed_everything(0)
    # D(x) = sigmoid(x): real ~ N(1, 1), fake ~ N(-1, 1).
    x, y = 1 + torch.randn(200_000), -1 + torch.randn(200_000)
    v, se = value_monte_carlo(x, y)
    exact = value_on_grid(
        GRID, normal_pdf(GRID, 1, 1), normal_pdf(GRID, -1, 1), torch.sigmoid(GRID)
    )
    assert abs(v - exact) < 4 * se


def test_optimal_discriminator():
    d = optimal_discriminator(
        torch.tensor([1.0, 0.0, 3.0, 0.0]), torch.tensor([1.0, 2.0, 1.0, 0.0])
    )
    assert torch.allclose(d, torch.tensor([0.5, 0.0, 0.75, 0.5], dtype=torch.float64))
    with pytest.raises(ValueError, match="p_data and p_g"):
        optimal_discriminator(torch.ones(3), torch.ones(4))
    with pytest.raises(ValueError, match="non-negative"):
        optimal_discriminator(torch.tensor([-1.0]), torch.tensor([1.0]))


def test_optimal_discriminator_maximises_value():
    p, q = normal_pdf(GRID, 0, 1), normal_pdf(GRID, 1.5, 0.7)
    d_star = optimal_discriminator(p, q)
    best = virtual_training_criterion(GRID, p, q)
    assert value_on_grid(GRID, p, q, d_star.clamp(1e-12, 1 - 1e-12)) == pytest.approx(
        best, abs=1e-6
    )
    for wiggle in (0.05, -0.05):
        other = (d_star + wiggle * torch.sin(GRID)).clamp(1e-12, 1 - 1e-12)
        assert value_on_grid(GRID, p, q, other) < best


def test_divergences_closed_form():
    p, q = normal_pdf(GRID, 0, 1), normal_pdf(GRID, 1, 2)
    # KL(N(0,1) || N(1,4)) = log 2 + (1 + 1)/8 - 1/2
    assert kl_divergence(GRID, p, q) == pytest.approx(math.log(2) + 2 / 8 - 0.5, abs=1e-6)
    assert js_divergence(GRID, p, p) == pytest.approx(0.0, abs=1e-12)
    assert 0 < js_divergence(GRID, p, q) < math.log(2)
    assert js_divergence(GRID, p, q) == pytest.approx(js_divergence(GRID, q, p))
    # Disjoint supports: JSD is exactly log 2 and KL is infinite.
    box_a = ((GRID > -3) & (GRID < -1)).double() / 2
    box_b = ((GRID > 1) & (GRID < 3)).double() / 2
    assert js_divergence(GRID, box_a, box_b) == pytest.approx(math.log(2), abs=1e-3)
    assert kl_divergence(GRID, box_a, box_b) == math.inf


def test_virtual_training_criterion_is_minus_log4_plus_2jsd():
    p = normal_pdf(GRID, -1, 0.5) * 0.5 + normal_pdf(GRID, 2, 0.8) * 0.5
    for q in (normal_pdf(GRID, 0, 1), normal_pdf(GRID, 5, 0.3), p):
        assert virtual_training_criterion(GRID, p, q) == pytest.approx(
            -math.log(4) + 2 * js_divergence(GRID, p, q), abs=1e-8
        )
    assert virtual_training_criterion(GRID, p, p) == pytest.approx(-math.log(4), abs=1e-8)


def test_grid_checks():
    with pytest.raises(ValueError, match="grid must be increasing"):
        js_divergence(torch.tensor([1.0, 0.0]), torch.ones(2), torch.ones(2))
    with pytest.raises(ValueError, match="q must have one value per grid point"):
        js_divergence(GRID, normal_pdf(GRID, 0, 1), torch.ones(3))
    with pytest.raises(ValueError, match="d must be a probability"):
        value_on_grid(
            GRID, normal_pdf(GRID, 0, 1), normal_pdf(GRID, 0, 1), torch.full_like(GRID, 2.0)
        )


def test_kde_recovers_a_gaussian():
    seed_everything(0)
    x = 0.5 + 0.7 * torch.randn(5_000)
    grid = GRID[::5]
    dens = kde_density(x, grid)
    assert torch.trapezoid(dens, grid).item() == pytest.approx(1.0, abs=1e-3)
    assert (dens - normal_pdf(grid, 0.5, 0.7)).abs().max().item() < 0.03
    assert silverman_bandwidth(x) == pytest.approx(0.9 * 0.7 * 5_000**-0.2, rel=0.05)
    with pytest.raises(ValueError, match="bandwidth"):
        kde_density(x, GRID, bandwidth=0.0)
    with pytest.raises(ValueError, match="samples"):
        kde_density(torch.zeros(3, 2), GRID)


def test_wasserstein_1d():
    a = torch.tensor([0.0, 1.0, 2.0])
    assert wasserstein_1d(a, a + 3) == pytest.approx(3.0)
    assert wasserstein_1d(a, a.flip(0)) == pytest.approx(0.0)
    # unequal sizes: the area between the CDFs ({0, 1, 2} against {0, 2}: 1/6 on each of [0, 1]
    # and [1, 2]), as scipy.stats.wasserstein_distance computes it
    assert wasserstein_1d(a, torch.tensor([0.0, 2.0])) == pytest.approx(1 / 3, abs=1e-12)
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=100), rng.normal(size=77) + 0.3
    assert wasserstein_1d(torch.tensor(u), torch.tensor(v)) == pytest.approx(
        scipy.stats.wasserstein_distance(u, v), abs=1e-12)
    x = torch.randn(300, generator=torch.Generator().manual_seed(0))
    assert wasserstein_1d(x, torch.cat([x, x])) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least one value"):
        wasserstein_1d(a, torch.zeros(0))


def test_generator_gradient_closed_forms():
    d = torch.tensor([1e-4, 0.1, 0.5, 0.9])
    assert torch.allclose(generator_gradient(d, "saturating"), d.double(), rtol=1e-6)
    assert torch.allclose(generator_gradient(d, "non-saturating"), 1 - d.double(), rtol=1e-6)
    assert torch.allclose(generator_gradient(d, "minimax"), d.double(), rtol=1e-6)  # alias
    with pytest.raises(ValueError, match="d_fake"):
        generator_gradient(torch.tensor([0.0, 0.5]), "saturating")
    with pytest.raises(ValueError, match="loss must be"):
        generator_gradient(d, "wgan-gp")


def test_sample_gradient_of_a_linear_critic():
    critic = nn.Linear(1, 1)
    with torch.no_grad():
        critic.weight.fill_(2.0)
        critic.bias.fill_(0.0)
    D = lambda x: critic(x).squeeze(1)  # noqa: E731
    g = sample_gradient(D, torch.tensor([[0.0], [1.0]]), "wgan-gp")
    assert torch.allclose(g, torch.full((2, 1), -2.0))  # loss -f(x): gradient -f'(x)
    g = sample_gradient(
        D, torch.tensor([[0.0]]), "saturating"
    )  # d/dx log(1 - sigmoid(2x)) at 0 = -2 * 1/2
    assert torch.allclose(g, torch.tensor([[-1.0]]))


def test_minimax_sgd_step_moves_both_players_the_right_way():
    seed_everything(0)
    data = mixture_1d(means=(2.0,), std=0.3)
    G = ShiftedGaussian(theta=-1.0, scale=0.3)
    D = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0))
    with torch.no_grad():
        D[0].weight.fill_(0.0)
        D[0].bias.fill_(0.0)
    for _ in range(50):
        minimax_sgd_step(G, D, data.sample, m=256, k=1, lr=0.1)
    assert D[0].weight.item() > 0  # D learns that larger x means real
    assert G.theta.item() > -1.0  # so G moves its mass towards the data
    with pytest.raises(ValueError, match="m and k"):
        minimax_sgd_step(G, D, data.sample, m=0)
    with pytest.raises(ValueError, match="generator_loss"):
        minimax_sgd_step(G, D, data.sample, generator_loss="hinge")


def test_saturating_generator_stalls_where_non_saturating_moves():
    # D already rejects G's samples (large positive weight, data far to the right).
    data = mixture_1d(means=(3.0,), std=0.1)
    moves = {}
    for loss in ("saturating", "non-saturating"):
        seed_everything(0)
        G = ShiftedGaussian(theta=-3.0, scale=0.1)
        D = nn.Sequential(nn.Linear(1, 1), nn.Flatten(0))
        with torch.no_grad():
            D[0].weight.fill_(5.0)
            D[0].bias.fill_(0.0)
        minimax_sgd_step(G, D, data.sample, m=128, k=1, lr=0.01, generator_loss=loss)
        moves[loss] = G.theta.item() + 3.0
    assert 0 <= moves["saturating"] < 1e-6 < 0.01 < moves["non-saturating"]


def test_compare_to_optimum():
    grid = torch.linspace(-1, 1, 5, dtype=torch.float64)
    p, q = torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 3.0, 1.0, 0.0])
    d_star = optimal_discriminator(p, q)  # [1, 0.5, 0.25, 0, (0.5: both vanish, excluded)]
    exact = compare_to_optimum(grid, d_star, p, q)
    assert exact["max_error"] == 0 and exact["share_within_tol"] == 1
    # weights (p+q)/2 = [0.5, 1, 2, 0.5]; |1/2 - D*| = [0.5, 0, 0.25, 0.5]
    assert exact["mean_error_of_half"] == pytest.approx((0.25 + 0 + 0.5 + 0.25) / 4.0)
    off = compare_to_optimum(grid, (d_star + 0.2).clamp(max=1.0), p, q)
    assert off["max_error"] == pytest.approx(0.2) and off["share_within_tol"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="min_density"):
        compare_to_optimum(grid, d_star, p, q, min_density=10.0)


def test_shifted_gaussian_and_fit_discriminator_recover_d_star():
    seed_everything(0)
    data = mixture_1d(means=(0.0,), std=1.0)
    G = ShiftedGaussian(theta=1.0, scale=1.0)
    assert G(torch.zeros(4, 1)).shape == (4, 1)
    D = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1), nn.Flatten(0))
    trainer = fit_discriminator(G, D, data.sample, steps=200, lr=3e-3, batch_size=256)
    assert G.theta.item() == 1.0  # frozen
    assert len(trainer.history["d_loss"]) == 200
    grid = torch.linspace(-2, 3, 51, dtype=torch.float64)
    d_star = optimal_discriminator(
        normal_pdf(grid, 0, 1), normal_pdf(grid, 1, 1)
    )  # = sigmoid(1/2 - x)
    assert (discriminator_on_grid(D, grid) - d_star).abs().max().item() < 0.1
    with pytest.raises(ValueError, match="scale"):
        ShiftedGaussian(0.0, 0.0)


def test_normal_pdf_integrates_to_one_and_refuses_a_bad_sigma():
    from ganbook.foundations.theory import normal_pdf

    grid = torch.linspace(-10, 10, 4001, dtype=torch.float64)
    assert torch.trapezoid(normal_pdf(grid, 0.5, 1.0), grid).item() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="sigma must be positive"):
        normal_pdf(grid, 0.0, 0.0)
