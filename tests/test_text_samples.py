"""Seeded language-model samples leave the global RNG alone."""
import torch

from ganbook.text import LSTMGenerator, Vocab
from ganbook.text.samples import sample_self_bleu, sample_texts, seeded_ids


def test_seeded_samples_repeat_and_leave_the_global_rng_alone():
    torch.manual_seed(0)
    vocab = Vocab.from_texts(["anna", "bob", "carl"])
    model = LSTMGenerator(len(vocab), 6)
    state = torch.get_rng_state()
    a, b = seeded_ids(model, 5, seed=3), seeded_ids(model, 5, seed=3)
    assert torch.equal(a, b) and torch.equal(state, torch.get_rng_state())
    texts = sample_texts(model, vocab, 20, seed=1)
    assert texts == sample_texts(model, vocab, 20, seed=1)
    assert all(isinstance(t, str) for t in texts)
    assert 0.0 <= sample_self_bleu(model, 30, n_gram=2) <= 1.0
    assert torch.equal(state, torch.get_rng_state())
