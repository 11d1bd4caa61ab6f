"""The oracle benchmark and the LSTM language model: NLL on known models, sampling, MLE,
relaxation."""

import math

import pytest
import torch

from ganbook.text import LSTMGenerator, train_mle
from ganbook.text.oracle import make_oracle, mean_nll, nll_gen, nll_oracle, oracle_samples


def uniform_model(vocab=7, length=5):
    m = LSTMGenerator(vocab, length, 4, 4)
    with torch.no_grad():
        m.head.weight.zero_()
        m.head.bias.zero_()
    return m


def test_nll_of_a_uniform_model_is_log_vocab():
    m = uniform_model()
    ids = torch.randint(0, 7, (10, 5))
    assert mean_nll(m, ids) == pytest.approx(math.log(7), abs=1e-5)
    assert nll_gen(m, ids, temperature=0.5) == pytest.approx(math.log(7), abs=1e-5)


def test_oracle_is_standard_normal_frozen_and_reproducible():
    o = make_oracle(50, 10, 16, 16, seed=3)
    flat = torch.cat([p.flatten() for p in o.parameters()])
    assert abs(flat.mean()) < 0.05 and abs(flat.std() - 1) < 0.05
    assert not any(p.requires_grad for p in o.parameters())
    a, b = oracle_samples(o, 30, seed=1), oracle_samples(o, 30, seed=1)
    assert torch.equal(a, b) and a.shape == (30, 10)
    assert torch.equal(make_oracle(50, 10, 16, 16, seed=3).head.weight, o.head.weight)
    # The oracle finds its own samples far likelier than uniform noise.
    assert nll_oracle(o, a) < nll_oracle(o, torch.randint(0, 50, (30, 10))) - 1


def test_step_by_step_matches_teacher_forcing():
    torch.manual_seed(0)
    m = LSTMGenerator(11, 6, 8, 8)
    ids = m.sample(4)
    _, _, logits = m.prefix_states(ids)
    assert torch.allclose(logits.transpose(0, 1), m.logits(ids), atol=1e-5)


def test_forward_is_a_function_of_the_noise():
    torch.manual_seed(0)
    m = LSTMGenerator(11, 6, 8, 8)
    u = m.noise(5)
    assert torch.equal(m(u), m(u)) and m(u).shape == (5, 6) and m(u).dtype == torch.long
    with pytest.raises(ValueError, match="u must have shape"):
        m(torch.rand(5, 3))
    with pytest.raises(ValueError, match="uniform"):
        m(torch.randn(5, 6))
    with pytest.raises(ValueError, match="ids must lie"):
        m.nll(torch.full((2, 6), 11))


def test_mle_learns_a_deterministic_language():
    torch.manual_seed(0)
    data = torch.tensor([[1, 2, 3, 4, 5, 6]]).repeat(64, 1)
    m = LSTMGenerator(8, 6, 8, 16)
    losses = train_mle(m, data, steps=150, lr=3e-2, progress=False)
    assert losses[-1] < 0.05 < losses[0]
    assert (m.sample(10) == data[:10]).float().mean() > 0.95


def test_relaxed_output_is_a_sample_and_differentiable():
    torch.manual_seed(0)
    m = LSTMGenerator(9, 5, 8, 8)
    u = torch.rand(3, 5, 9)
    ids, soft = m.sample_relaxed(u, beta=1.0)
    assert soft.shape == (3, 5, 9) and torch.allclose(soft.sum(-1), torch.ones(3, 5))
    assert torch.equal(soft.argmax(-1), ids)
    (soft[..., 0].sum()).backward()
    assert m.head.weight.grad is not None and m.head.weight.grad.abs().sum() > 0
    _, sharp = m.sample_relaxed(u, beta=1e4)
    assert torch.allclose(sharp, torch.nn.functional.one_hot(ids, 9).float(), atol=1e-3)


def test_shipped_weights_load_and_score_as_recorded():
    from ganbook.text import OracleBenchmark, load_lm

    model, info = load_lm("text_oracle_mle")
    meta = info["meta"]
    assert info["vocab"] is None and model.vocab_size == 100 and not model.training
    scores = OracleBenchmark().evaluate(
        model
    )  # the oracle is rebuilt from its seed: same numbers as at save time
    assert scores["nll_oracle"] == pytest.approx(meta["nll_oracle"], abs=1e-3)
    assert scores["nll_gen"] == pytest.approx(meta["nll_gen"], abs=1e-3)
    names_model, names_info = load_lm("text_names_lm")
    names_vocab = names_info["vocab"]
    assert len(names_vocab) == names_model.vocab_size == 29
    assert all(s.isalpha() for s in names_vocab.decode_batch(names_model.sample(20)) if s)


@pytest.mark.parametrize("t", [0, -1.0, float("nan"), float("inf")])
def test_nll_refuses_a_temperature_that_is_not_positive_and_finite(t):
    m, ids = uniform_model(), torch.randint(0, 7, (3, 5))
    with pytest.raises(ValueError, match="temperature must be a positive finite number"):
        m.nll(ids, temperature=t)
