"""Seeded samples from a language model: decoded texts, and the Self-BLEU of its samples.

Both draw from a private seed (``torch.random.fork_rng``), so calling them inside a training
callback or between notebook cells never changes the global RNG that training uses.
"""

from __future__ import annotations

import torch

from .lm import LSTMGenerator
from .metrics import self_bleu
from .vocab import Vocab


def seeded_ids(
    model: LSTMGenerator, n: int, temperature: float = 1.0, seed: int = 0
) -> torch.Tensor:
    """``n`` sampled token-id sequences at ``temperature``, the same for the same ``seed``."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return model.sample(n, temperature)


def sample_texts(
    model: LSTMGenerator, vocab: Vocab, n: int, temperature: float = 1.0, seed: int = 0
) -> list[str]:
    """``n`` decoded samples (empty ones dropped), reproducible for a given ``seed``."""
    return [s for s in vocab.decode_batch(seeded_ids(model, n, temperature, seed)) if s]


def sample_self_bleu(
    model: LSTMGenerator, n: int = 300, temperature: float = 1.0, n_gram: int = 3, seed: int = 7
) -> float:
    """Self-BLEU-``n_gram`` of ``n`` samples, tokens as words (high: samples repeat each other)."""
    return self_bleu([tuple(s) for s in seeded_ids(model, n, temperature, seed).tolist()], n_gram)
