"""Discriminator, SeqGAN rollouts and trainer, Gumbel-softmax trainer."""

import pytest
import torch
import torch.nn.functional as F

from ganbook.core.data import TensorSampler
from ganbook.text.discriminator import CNNDiscriminator
from ganbook.text.gumbel import GumbelGANTrainer, GumbelGenerator, beta_schedule
from ganbook.text.lm import LSTMGenerator
from ganbook.text.seqgan import SeqGANTrainer, mc_rewards, mc_rewards_naive


def test_discriminator_reads_ids_one_hots_and_relaxed_vectors():
    torch.manual_seed(0)
    D = CNNDiscriminator(13, 8, widths=(2, 3), filters=4).eval()
    ids = torch.randint(0, 13, (5, 7))
    assert D(ids).shape == (5,)
    assert torch.allclose(D(ids), D(F.one_hot(ids, 13).float()), atol=1e-5)
    soft = torch.softmax(torch.randn(5, 7, 13), -1).requires_grad_(True)
    D(soft).sum().backward()
    assert soft.grad is not None and soft.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="at least 3 tokens"):
        D(torch.randint(0, 13, (2, 2)))
    with pytest.raises(ValueError, match="floats"):
        D(torch.rand(2, 7, 12))
    with pytest.raises(ValueError, match="filters"):
        CNNDiscriminator(13, widths=(2, 3), filters=[4])


def test_batched_rollouts_equal_the_naive_loop_and_have_the_right_shape():
    torch.manual_seed(0)
    G = LSTMGenerator(10, 6, 8, 8)
    D = CNNDiscriminator(10, 8, widths=(2, 3), filters=4)
    ids = G.sample(4)
    u = torch.rand(5, 3, 4, 6)
    fast, slow = mc_rewards(G, D, ids, 3, u), mc_rewards_naive(G, D, ids, 3, u)
    assert fast.shape == (4, 6) and ((fast > 0) & (fast < 1)).all()
    assert torch.allclose(fast, slow, atol=1e-6)
    D.eval()
    assert torch.allclose(fast[:, -1], torch.sigmoid(D(ids)), atol=1e-6)
    with pytest.raises(ValueError, match="u must have shape"):
        mc_rewards(G, D, ids, 3, torch.rand(5, 2, 4, 6))


def test_rollouts_keep_the_prefix():
    """With a discriminator that scores 'first token == ids[0]', every prefix reward is 1."""
    torch.manual_seed(0)
    G = LSTMGenerator(10, 5, 8, 8)
    ids = G.sample(3)

    class FirstTokenD(torch.nn.Module):
        def forward(self, x):
            return torch.where(x[:, 0] == ids[0, 0], 50.0, -50.0)

    r = mc_rewards(G, FirstTokenD(), ids[:1].expand(3, 5).contiguous(), 4)
    assert torch.allclose(r, torch.ones_like(r))


def test_seqgan_trainer_updates_generator_and_delayed_rollout(tmp_path):
    torch.manual_seed(0)
    G = LSTMGenerator(10, 6, 8, 8)
    D = CNNDiscriminator(10, 8, widths=(2, 3), filters=4)
    data = torch.randint(0, 10, (50, 6))
    tr = SeqGANTrainer(
        G,
        D,
        TensorSampler(data),
        n_rollouts=2,
        batch_size=8,
        lr_g=1e-2,
        lr_d=1e-2,
        checkpoint_path=tmp_path / "s.pt",
    )
    before_g = G.head.weight.clone()
    before_r = tr.rollout.head.weight.clone()
    losses = tr.pretrain_discriminator(2)
    assert len(losses) == 2 and all(type(v) is float for v in losses)
    hist = tr.fit(3, progress=False)
    assert len(hist["reward"]) == 3 and all(0 < r < 1 for r in hist["reward"])
    moved_g = (G.head.weight - before_g).abs().max()
    moved_r = (tr.rollout.head.weight - before_r).abs().max()
    assert 0 < moved_r < moved_g, "the rollout policy should trail the generator"
    assert tr.generate(5).shape == (5, 6)
    tr2 = SeqGANTrainer(
        LSTMGenerator(10, 6, 8, 8),
        CNNDiscriminator(10, 8, widths=(2, 3), filters=4),
        TensorSampler(data),
        n_rollouts=2,
        batch_size=8,
    )
    assert tr2.resume(tmp_path / "s.pt") and torch.equal(
        tr2.rollout.head.weight, tr.rollout.head.weight
    )
    with pytest.raises(ValueError, match="rollout_update"):
        SeqGANTrainer(G, D, TensorSampler(data), rollout_update=1.0)


def test_beta_schedule():
    assert beta_schedule(0, 100, 100) == 1 and beta_schedule(100, 100, 100) == pytest.approx(100)
    assert beta_schedule(50, 100, 100) == pytest.approx(10)
    assert beta_schedule(50, 100, 101, "linear") == pytest.approx(51)
    with pytest.raises(ValueError, match="kind"):
        beta_schedule(1, 10, 10, "cosine")


def test_gumbel_trainer_anneals_and_trains():
    torch.manual_seed(0)
    lm = LSTMGenerator(10, 6, 8, 8)
    G = GumbelGenerator(lm)
    D = CNNDiscriminator(10, 8, widths=(2, 3), filters=4)
    data = torch.randint(0, 10, (50, 6))
    tr = GumbelGANTrainer(
        G, D, TensorSampler(data), anneal_steps=4, beta_max=16, batch_size=8, lr_g=1e-2
    )
    before = lm.head.weight.clone()
    hist = tr.fit(4, progress=False)
    assert hist["beta"] == pytest.approx([1, 2, 4, 8])
    assert not torch.equal(before, lm.head.weight)
    out = tr.generate(3)
    assert out.shape == (3, 6) and out.dtype == torch.long
    G.train()
    assert G(G.noise(2)).shape == (2, 6, 10)
    with pytest.raises(ValueError, match="GumbelGenerator"):
        GumbelGANTrainer(lm, D, TensorSampler(data), anneal_steps=4)


def test_seqgan_trainer_accepts_a_loss_and_clip():
    G = LSTMGenerator(10, 6, 8, 8)
    D = CNNDiscriminator(10, 8, widths=(2, 3), filters=4)
    data = TensorSampler(torch.randint(0, 10, (50, 6)))
    tr = SeqGANTrainer(G, D, data, n_rollouts=2, batch_size=8, loss="least-squares", clip_g=1.0)
    assert tr.loss.name == "least-squares" and tr.clip_g == 1.0
    assert SeqGANTrainer(G, D, data).clip_g == 5.0  # SeqGAN's own default
    tr.fit(1, progress=False)

