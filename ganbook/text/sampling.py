"""Drawing tokens from a categorical distribution, fast and with a known noise source.

Inverse-CDF sampling turns one uniform number per draw into a token: the token is the first
index whose cumulative probability exceeds the uniform. That makes a text generator a plain
function ``G(u)`` of uniform noise ``u`` (what the core's ``G(z)`` contract asks for), and on
a CPU it is several times faster than ``torch.multinomial`` (see ``bench/text_sampler.py``).
"""

from __future__ import annotations

import time
from typing import Callable

import torch
from torch import Tensor

from ..core.loop import check_positive


def sample_inverse_cdf(probs: Tensor, u: Tensor) -> Tensor:
    """One token per row of ``probs`` (..., V) from uniforms ``u`` (...,) in [0, 1).

    The token is the number of cumulative probabilities <= ``u * total``, clamped to V - 1 so
    that rounding in the cumulative sum can never produce an out-of-range index.
    """
    if probs.shape[:-1] != u.shape:
        raise ValueError(
            f"u must have shape {tuple(probs.shape[:-1])} (probs without the last dim), "
            f"got {tuple(u.shape)}"
        )
    cdf = probs.cumsum(-1)
    target = (u * cdf[..., -1]).unsqueeze(-1).contiguous()
    idx = torch.searchsorted(cdf.contiguous(), target, right=True).squeeze(-1)
    return idx.clamp_(max=probs.shape[-1] - 1)


def sample_logits(logits: Tensor, u: Tensor, temperature: float = 1.0) -> Tensor:
    """Inverse-CDF sample from ``softmax(logits / temperature)`` using uniforms ``u``."""
    check_positive("temperature", temperature, integer=False)
    return sample_inverse_cdf(torch.softmax(logits / temperature, dim=-1), u)


def sample_multinomial(probs: Tensor) -> Tensor:
    """The reference sampler: ``torch.multinomial``, one draw per row of (B, V) ``probs``."""
    return torch.multinomial(probs, 1).squeeze(-1)


def sample_gumbel_max(probs: Tensor) -> Tensor:
    """Gumbel-max trick: argmax(log p + Gumbel noise) is an exact categorical sample
    (V uniforms per draw)."""
    u = torch.rand_like(probs).clamp_(min=1e-20)
    return torch.argmax(probs.clamp_min(1e-30).log() - torch.log(-torch.log(u)), dim=-1)


SAMPLERS: dict[str, Callable[[Tensor], Tensor]] = {
    "inverse-cdf": lambda p: sample_inverse_cdf(p, torch.rand(p.shape[:-1], device=p.device)),
    "multinomial": sample_multinomial,
    "gumbel-max": sample_gumbel_max,
}


def time_samplers(
    batch: int = 64, vocab: int = 5000, repeats: int = 200, seed: int = 0
) -> dict[str, float]:
    """Microseconds per call of each sampler on random (batch, vocab) distributions
    (best of 3 runs)."""
    if batch <= 0 or vocab <= 0 or repeats <= 0:
        raise ValueError("batch, vocab and repeats must be positive")
    gen = torch.Generator().manual_seed(seed)
    probs = torch.softmax(torch.randn(batch, vocab, generator=gen) * 2, dim=-1)
    out = {}
    for name, fn in SAMPLERS.items():
        fn(probs)  # warm up
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(repeats):
                fn(probs)
            best = min(best, (time.perf_counter() - start) / repeats * 1e6)
        out[name] = best
    return out
