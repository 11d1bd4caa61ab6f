"""Each loss against values computed by hand, and its gradients where the story depends on them."""

import math

import pytest
import torch

from ganbook.core.losses import LOSSES, get_loss, gradient_penalty

REAL = torch.tensor([2.0, 0.0])
FAKE = torch.tensor([-1.0, 1.0])


def sp(x):  # softplus by hand
    return math.log1p(math.exp(x))


def test_bce_discriminator_by_hand():
    # -[log s(2) + log s(0)]/2 - [log(1-s(-1)) + log(1-s(1))]/2
    def s(x):
        return 1 / (1 + math.exp(-x))

    want = -(math.log(s(2)) + math.log(s(0))) / 2 - (math.log(1 - s(-1)) + math.log(1 - s(1))) / 2
    assert get_loss("non-saturating").d_loss(REAL, FAKE).item() == pytest.approx(want, rel=1e-6)
    assert get_loss("saturating").d_loss(REAL, FAKE).item() == pytest.approx(want, rel=1e-6)


def test_generator_losses_by_hand():
    def s(x):
        return 1 / (1 + math.exp(-x))

    sat = (math.log(1 - s(-1)) + math.log(1 - s(1))) / 2  # minimise log(1 - D(G(z)))
    ns = -(math.log(s(-1)) + math.log(s(1))) / 2  # minimise -log D(G(z))
    assert get_loss("saturating").g_loss(FAKE, REAL).item() == pytest.approx(sat, rel=1e-6)
    assert get_loss("non-saturating").g_loss(FAKE, REAL).item() == pytest.approx(ns, rel=1e-6)


def test_least_squares_by_hand():
    loss = get_loss("least-squares")
    assert loss.d_loss(REAL, FAKE).item() == pytest.approx(0.5 * (1 + 1) / 2 + 0.5 * (1 + 1) / 2)
    assert loss.g_loss(FAKE, REAL).item() == pytest.approx(0.5 * (4 + 0) / 2)


def test_wasserstein_and_hinge_by_hand():
    w = get_loss("wgan")
    assert w.d_loss(REAL, FAKE).item() == pytest.approx(0.0 - 1.0)
    assert w.g_loss(FAKE, REAL).item() == pytest.approx(0.0)
    h = get_loss("hinge")
    # relu(1-2)=0, relu(1-0)=1 -> 0.5 ; relu(1-1)=0, relu(1+1)=2 -> 1.0
    assert h.d_loss(REAL, FAKE).item() == pytest.approx(1.5)
    assert h.g_loss(FAKE, REAL).item() == pytest.approx(0.0)


def test_relativistic_by_hand():
    r = get_loss("relativistic")
    assert r.d_loss(REAL, FAKE).item() == pytest.approx((sp(-3) + sp(1)) / 2)
    assert r.g_loss(FAKE, REAL).item() == pytest.approx((sp(3) + sp(-1)) / 2)
    with pytest.raises(ValueError, match="real_logits"):
        r.g_loss(FAKE, None)


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_finite_at_extreme_logits(name):
    real = torch.tensor([1e4, -1e4], requires_grad=True)
    fake = torch.tensor([-1e4, 1e4], requires_grad=True)
    loss = get_loss(name)
    total = loss.d_loss(real, fake) + loss.g_loss(fake, real)
    total.backward()
    assert torch.isfinite(total)
    assert torch.isfinite(real.grad).all() and torch.isfinite(fake.grad).all()


def test_saturating_gradient_vanishes_where_non_saturating_does_not():
    # D confidently rejects the fake: logit -10, D(G(z)) ~ 4.5e-5.
    for name, expect_small in (("saturating", True), ("non-saturating", False)):
        fake = torch.tensor([-10.0], requires_grad=True)
        get_loss(name).g_loss(fake, None).backward()
        assert (abs(fake.grad.item()) < 1e-3) == expect_small, name


def test_gradient_penalty_of_a_linear_critic():
    # f(x) = w.x has gradient w everywhere, so the penalty is (|w| - 1)^2 exactly.
    w = torch.tensor([3.0, 4.0])

    def critic(x):
        return x @ w

    gp = gradient_penalty(critic, torch.randn(16, 2), torch.randn(16, 2))
    assert gp.item() == pytest.approx((5.0 - 1.0) ** 2, rel=1e-5)
    with pytest.raises(ValueError, match="same shape"):
        gradient_penalty(critic, torch.randn(4, 2), torch.randn(5, 2))


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'nope'.*non-saturating"):
        get_loss("nope")
    assert get_loss("ns").name == "non-saturating" and get_loss("minimax").name == "saturating"


def test_one_sided_penalty_spares_slopes_below_the_target():
    """WGAN-LP penalises only slopes above 1; WGAN-GP also pushes small slopes up to 1."""
    real, fake = torch.zeros(64, 1), torch.full((64, 1), 8.0)
    gentle = lambda x: 0.6 * x[:, 0]  # noqa: E731  (slope 0.6 everywhere)
    steep = lambda x: 1.5 * x[:, 0]  # noqa: E731
    assert gradient_penalty(gentle, real, fake).item() == pytest.approx(0.16)
    assert gradient_penalty(gentle, real, fake, one_sided=True).item() == 0.0
    assert gradient_penalty(steep, real, fake, one_sided=True).item() == pytest.approx(0.25)
    assert get_loss("wgan-lp").one_sided_gp and not get_loss("wgan-gp").one_sided_gp
