"""Maximum-likelihood training on the shared loop: it learns, takes callbacks, resumes bit for
bit."""

import pytest
import torch

from ganbook import seed_everything
from ganbook.text import LSTMGenerator, MLETrainer, train_mle


def data(n=200, length=6, seed=0):
    gen = torch.Generator().manual_seed(seed)
    first = torch.randint(0, 5, (n, 1), generator=gen)
    return (first + torch.arange(length)) % 8  # each sequence counts up from its first token


def make(tmp_path=None, **kw):
    seed_everything(0)
    ckpt = tmp_path / "mle.pt" if tmp_path is not None else None
    return MLETrainer(
        LSTMGenerator(8, 6, 8, 16),
        data(),
        batch_size=32,
        lr=1e-2,
        device="cpu",
        checkpoint_path=ckpt,
        **kw,
    )


def test_mle_learns_and_calls_back():
    tr = make()
    seen = []
    hist = tr.fit(120, callbacks=[(40, lambda t: seen.append(t.step))], progress=False)
    assert seen == [40, 80, 120] and hist["step"] == list(range(1, 121))
    assert hist["loss"][-1] < 0.5 * hist["loss"][0]


def test_train_mle_is_one_trainer_run():
    seed_everything(0)
    m = LSTMGenerator(8, 6, 8, 16)
    losses = train_mle(m, data(), steps=30, batch_size=32, progress=False)
    tr = make()
    assert tr.fit(30, progress=False)["loss"] == losses


def test_mle_resume_is_bit_exact(tmp_path):
    full = make(tmp_path / "a")
    full.fit(60, progress=False)
    first = make(tmp_path / "b")
    first.fit(25, progress=False)
    torch.randn(50)  # the interrupted process used the RNG for something else
    resumed = make(tmp_path / "b")
    seed_everything(7)
    assert resumed.resume() and resumed.step == 25
    resumed.fit(60, progress=False)
    assert resumed.history["loss"] == full.history["loss"]
    for a, b in zip(resumed.model.parameters(), full.model.parameters()):
        assert torch.equal(a, b)


def test_mle_bad_input_is_named():
    m = LSTMGenerator(8, 6)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        MLETrainer(m, data(), lr=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        MLETrainer(m, data(), batch_size=0)
    with pytest.raises(ValueError, match="ids must lie in"):
        MLETrainer(m, data() + 10)
    with pytest.raises(ValueError, match="model must be an LSTMGenerator"):
        MLETrainer(torch.nn.Linear(2, 2), data())
    with pytest.raises(ValueError, match="steps must be a positive int"):
        MLETrainer(m, data()).fit(0)
