"""SeqGAN's synthetic benchmark: a random LSTM is the "true" language, so quality is measurable.

The oracle is an :class:`LSTMGenerator` whose parameters are drawn from N(0, 1) (Yu et al.,
2017). Real data are its samples. A generator is scored two ways: **NLL_oracle**, how likely
the oracle finds the generator's samples (quality), and **NLL_gen**, how likely the generator
finds held-out oracle samples (coverage, diversity). Both are per-token, in nats.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .lm import LSTMGenerator


def make_oracle(
    vocab_size: int = 100, seq_len: int = 20, emb_dim: int = 32, hidden_dim: int = 32, seed: int = 0
) -> LSTMGenerator:
    """An LSTM language model with every parameter drawn from N(0, 1) under ``seed``
    (frozen, eval mode)."""
    gen = torch.Generator().manual_seed(seed)
    oracle = LSTMGenerator(vocab_size, seq_len, emb_dim, hidden_dim)
    with torch.no_grad():
        for p in oracle.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    for p in oracle.parameters():
        p.requires_grad_(False)
    return oracle.eval()


@torch.no_grad()
def oracle_samples(oracle: LSTMGenerator, n: int, seed: int, batch_size: int = 1000) -> Tensor:
    """``n`` sequences from the oracle, reproducible from ``seed`` alone
    (torch's global RNG is untouched)."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n!r}")
    gen = torch.Generator().manual_seed(seed)
    chunks = []
    for start in range(0, n, batch_size):
        u = torch.rand(min(batch_size, n - start), oracle.seq_len, generator=gen)
        chunks.append(oracle(u.to(oracle.head.weight.device)).cpu())
    return torch.cat(chunks)


@torch.no_grad()
def mean_nll(
    model: LSTMGenerator, ids: Tensor, temperature: float = 1.0, batch_size: int = 1000
) -> float:
    """Average per-token NLL of ``ids`` under ``model`` (at ``temperature``)."""
    was_training = model.training
    model.eval()
    device = model.head.weight.device
    total = sum(
        model.nll(ids[i : i + batch_size].to(device), temperature).sum().item()
        for i in range(0, len(ids), batch_size)
    )
    model.train(was_training)
    return total / len(ids)


def nll_oracle(oracle: LSTMGenerator, samples: Tensor) -> float:
    """NLL_oracle: the oracle's per-token NLL of generated ``samples``
    (lower = more oracle-like)."""
    return mean_nll(oracle, samples)


def nll_gen(generator: LSTMGenerator, heldout: Tensor, temperature: float = 1.0) -> float:
    """NLL_gen: the generator's per-token NLL of held-out oracle samples
    (lower = covers the data better)."""
    return mean_nll(generator, heldout, temperature)


class OracleBenchmark:
    """The chapter's synthetic benchmark: an oracle, its training samples and held-out samples.

    The defaults are the small CPU version (vocabulary 100); ``OracleBenchmark(5000, 20, 32, 32,
    n_train=10_000)`` is the size of the SeqGAN paper.
    """

    def __init__(
        self,
        vocab_size: int = 100,
        seq_len: int = 20,
        emb_dim: int = 32,
        hidden_dim: int = 32,
        n_train: int = 10_000,
        n_heldout: int = 2_000,
        seed: int = 0,
    ) -> None:
        self.oracle = make_oracle(vocab_size, seq_len, emb_dim, hidden_dim, seed=seed)
        self.train = oracle_samples(self.oracle, n_train, seed=seed + 1)
        self.heldout = oracle_samples(self.oracle, n_heldout, seed=seed + 2)
        self.vocab_size, self.seq_len = vocab_size, seq_len

    def evaluate(
        self,
        generator: LSTMGenerator,
        n_samples: int = 5_000,
        temperature: float = 1.0,
        seed: int = 123,
    ) -> dict[str, float]:
        """NLL_oracle of ``n_samples`` fresh samples and NLL_gen of the held-out set
        (same noise for every model)."""
        gen = torch.Generator().manual_seed(seed)
        u = torch.rand(n_samples, self.seq_len, generator=gen).to(generator.head.weight.device)
        was_training = generator.training
        generator.eval()
        with torch.no_grad():
            samples = generator(u, temperature)
        generator.train(was_training)
        return {
            "nll_oracle": nll_oracle(self.oracle, samples),
            "nll_gen": nll_gen(generator, self.heldout, temperature),
        }

    def oracle_entropy(self) -> float:
        """The oracle's own NLL on held-out samples: the floor for NLL_gen
        (and a typical NLL_oracle of real data)."""
        return nll_oracle(self.oracle, self.heldout)
