"""The Trainer's objective hooks and extra generator terms: each recorded, paired data, clipping."""

import pytest
import torch
from torch import nn

from ganbook import Trainer, seed_everything
from ganbook.core.loop import to_floats, update
from ganbook.core.losses import (
    CycleConsistency,
    FeatureMatching,
    ModeSeeking,
    Reconstruction,
    Term,
    get_loss,
)
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.core.train import Batch
from ganbook.foundations import mixture_1d


def toy_trainer(**kw):
    seed_everything(0)
    data = mixture_1d((-2.0, 2.0), 0.3)
    return Trainer(
        MLPGenerator(4, 1, hidden=16),
        MLPDiscriminator(1, hidden=16),
        data.sample,
        device="cpu",
        batch_size=32,
        **kw,
    )


class Translator(nn.Module):
    """G(input): a linear map, enough to learn y = 2x + 1."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def forward(self, x):
        return self.lin(x)


class PairCritic(nn.Module):
    """D(x, input): sees the output beside the input, as pix2pix's conditional discriminator."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))

    def features(self, x, source=None):
        return self.net[:2](x if source is None else torch.cat([x, source], 1))

    def forward(self, x, source=None):
        return self.net(x if source is None else torch.cat([x, source], 1)).squeeze(1)


def paired_sampler(n):
    x = torch.randn(n, 1)
    return x, 2 * x + 1


def test_objective_hooks_return_loss_and_record():
    tr = toy_trainer(loss="wgan-gp")
    batch = tr.real_batch()
    assert isinstance(batch, Batch) and batch.source is None
    d_loss, d_record = tr.d_objective(batch)
    g_loss, g_record = tr.g_objective(batch)
    assert d_loss.requires_grad and g_loss.requires_grad
    assert set(d_record) == {"d_loss", "gp", "d_real", "d_fake"} and d_record["gp"] >= 0
    assert set(g_record) == {"g_loss"}


def test_overriding_an_objective_changes_the_update_not_the_loop():
    class Frozen(Trainer):
        def g_objective(self, batch):
            loss, record = super().g_objective(batch)
            return 0.0 * loss, {**record, "custom": 1.0}

    seed_everything(0)
    data = mixture_1d((-2.0, 2.0), 0.3)
    tr = Frozen(
        MLPGenerator(4, 1, hidden=16),
        MLPDiscriminator(1, hidden=16),
        data.sample,
        device="cpu",
        ema_decay=None,
    )
    before = [p.clone() for p in tr.G.parameters()]
    hist = tr.fit(5, progress=False)
    assert hist["custom"] == [1.0] * 5
    # Adam with a zero gradient leaves the weights where they were.
    assert all(torch.equal(a, b) for a, b in zip(before, tr.G.parameters()))


def test_relativistic_loss_asks_for_real_logits():
    assert get_loss("relativistic").needs_real_logits
    assert not get_loss("non-saturating").needs_real_logits
    hist = toy_trainer(loss="relativistic").fit(5, progress=False)
    assert len(hist["g_loss"]) == 5


def test_paired_data_with_reconstruction_and_feature_matching_terms():
    seed_everything(0)
    terms = [Reconstruction(10.0, "l1"), FeatureMatching(1.0)]
    tr = Trainer(
        Translator(),
        PairCritic(),
        paired_sampler,
        paired=True,
        d_sees_input=True,
        terms=terms,
        lr_g=1e-2,
        lr_d=1e-3,
        device="cpu",
        batch_size=64,
    )
    assert not tr.uses_noise
    hist = tr.fit(300, progress=False)
    for key in ("l1", "feature_matching", "g_total", "g_loss", "d_loss"):
        assert len(hist[key]) == 300, key
    assert hist["l1"][-1] < 0.2 * hist["l1"][0], (hist["l1"][0], hist["l1"][-1])
    x = torch.tensor([[0.0], [1.0]])
    y = tr.generate(2, x)
    assert torch.allclose(y, 2 * x + 1, atol=0.3), y


def test_paired_generator_can_take_noise_too():
    class Noisy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 1)

        def forward(self, x, z):
            return self.lin(torch.cat([x, z], 1))

    seed_everything(0)
    tr = Trainer(
        Noisy(),
        MLPDiscriminator(1, hidden=8),
        paired_sampler,
        paired=True,
        latent_dim=2,
        terms=[Reconstruction(1.0, "l2")],
        device="cpu",
        batch_size=8,
    )
    hist = tr.fit(3, progress=False)
    assert len(hist["l2"]) == 3 and tr.generate(4, torch.zeros(4, 1)).shape == (4, 1)


def test_cycle_term_trains_its_inverse_and_is_checkpointed(tmp_path):
    seed_everything(0)
    inverse = Translator()
    before = inverse.lin.weight.detach().clone()
    tr = Trainer(
        Translator(),
        MLPDiscriminator(1, hidden=8),
        paired_sampler,
        paired=True,
        terms=[CycleConsistency(inverse, 5.0)],
        device="cpu",
        batch_size=16,
        checkpoint_path=tmp_path / "cycle.pt",
    )
    hist = tr.fit(20, progress=False)
    assert len(hist["cycle"]) == 20
    assert not torch.equal(before, inverse.lin.weight), "the inverse generator was not optimized"
    state = torch.load(tmp_path / "cycle.pt", weights_only=True)
    assert "terms" in state["models"] and state["config"]["terms"] == {"cycle": 5.0}


def test_mode_seeking_needs_noise_and_is_recorded():
    hist = toy_trainer(terms=[ModeSeeking(0.5)]).fit(4, progress=False)
    assert len(hist["mode_seeking"]) == 4 and all(v > 0 for v in hist["mode_seeking"])
    seed_everything(0)
    tr = Trainer(
        Translator(),
        MLPDiscriminator(1),
        paired_sampler,
        paired=True,
        terms=[ModeSeeking(1.0)],
        device="cpu",
    )
    with pytest.raises(ValueError, match="ModeSeeking needs a generator driven by noise"):
        tr.fit(1, progress=False)


def test_terms_explain_what_they_need():
    with pytest.raises(ValueError, match="Reconstruction needs paired data"):
        toy_trainer(terms=[Reconstruction(1.0)]).fit(1, progress=False)
    with pytest.raises(ValueError, match="features"):
        toy_trainer(terms=[FeatureMatching(1.0)]).fit(1, progress=False)
    with pytest.raises(ValueError, match="weight must be a number >= 0"):
        Reconstruction(-1.0)
    with pytest.raises(ValueError, match="kind must be 'l1' or 'l2'"):
        Reconstruction(1.0, "l3")
    with pytest.raises(ValueError, match="distinct names"):
        toy_trainer(terms=[Reconstruction(1.0), Reconstruction(2.0)])
    with pytest.raises(ValueError, match="terms must be ganbook.core.losses.Term"):
        toy_trainer(terms=[nn.L1Loss()])
    with pytest.raises(ValueError, match="d_sees_input=True needs paired=True"):
        toy_trainer(d_sees_input=True)
    with pytest.raises(ValueError, match=r"paired=True, sample_real must return \(input, target"):
        Trainer(
            Translator(),
            MLPDiscriminator(1),
            lambda n: torch.randn(n, 1),
            paired=True,
            device="cpu",
        ).fit(1, progress=False)


def test_a_custom_term_is_weighted_into_the_total():
    class Size(Term):
        name = "size"

        def forward(self, trainer, batch, fake, z):
            return fake.pow(2).mean()

    tr = toy_trainer(terms=[Size(3.0)], adv_weight=0.5)
    batch = tr.real_batch()
    seed_everything(1)
    loss, record = tr.g_objective(batch)
    record = to_floats(**record)  # objectives record scalar tensors; the loop reads them
    assert record["g_total"] == pytest.approx(
        0.5 * record["g_loss"] + 3.0 * record["size"], rel=1e-5
    )


def test_gradient_clipping_per_network(monkeypatch):
    net = nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.0)
    update(opt, net(torch.randn(8, 3)).pow(2).sum() * 100, net.parameters(), clip=1e-3)
    norm = torch.sqrt(sum((p.grad**2).sum() for p in net.parameters()))
    assert norm == pytest.approx(1e-3, rel=1e-3)

    clipped = []
    real_clip = nn.utils.clip_grad_norm_
    monkeypatch.setattr(
        nn.utils, "clip_grad_norm_", lambda params, c: (clipped.append(c), real_clip(params, c))
    )
    toy_trainer(clip_d=0.5).fit(2, progress=False)
    assert clipped == [0.5, 0.5], "clip_d applies to the discriminator's updates only"
    with pytest.raises(ValueError, match="clip_g must be a positive finite number"):
        toy_trainer(clip_g=0.0)


def test_nan_is_caught_before_the_weights_change():
    tr = toy_trainer(ema_decay=None, sync_every=1)
    tr.fit(2, progress=False)
    before = [p.clone() for p in tr.D.parameters()]
    tr.sample_real = lambda n: torch.full((n, 1), float("nan"))
    with pytest.raises(FloatingPointError, match="d_loss became nan at step 3"):
        tr.fit(5, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, tr.D.parameters()))


def test_g_steps_makes_that_many_generator_updates_per_step():
    import torch

    from ganbook import Trainer
    from ganbook.core.nets import MLPDiscriminator, MLPGenerator

    torch.manual_seed(0)
    real = torch.randn(64, 2)
    trainer = Trainer(MLPGenerator(2, 2), MLPDiscriminator(2), lambda n: real[:n],
                      batch_size=8, g_steps=3, ema_decay=None)
    trainer.fit(2, progress=False)
    assert trainer.opt_g.state[trainer.opt_g.param_groups[0]["params"][0]]["step"] == 6
    assert trainer.opt_d.state[trainer.opt_d.param_groups[0]["params"][0]]["step"] == 2
    assert trainer.config()["g_steps"] == 3
