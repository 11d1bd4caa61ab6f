"""Batched Monte-Carlo rollouts vs the naive per-rollout loop, and the categorical samplers.

    python bench/text_rollouts.py [--threads 1] [--batch 64] [--rollouts 16] [--vocab 100]

Prints one ratio per configuration from a single run of each version (same noise, identical
rewards, checked). The discriminator's work is the same in both versions, so the script also
times the rollouts alone (a discriminator that returns zeros) to show where the gain comes from.
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbook.text import CNNDiscriminator, LSTMGenerator
from ganbook.text.sampling import time_samplers
from ganbook.text.seqgan import mc_rewards, mc_rewards_naive


class ZeroD(torch.nn.Module):
    def forward(self, x):
        return torch.zeros(x.shape[0], device=x.device)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rollouts", type=int, default=16)
    p.add_argument("--vocab", type=int, default=100)
    p.add_argument("--length", type=int, default=20)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    G = LSTMGenerator(a.vocab, a.length, 32, 32).to(dev)
    ids = G.sample(a.batch)
    u = torch.rand(a.length - 1, a.rollouts, a.batch, a.length, device=dev)
    print(
        f"device {dev}, threads {a.threads}, batch {a.batch}, rollouts {a.rollouts}, "
        f"vocab {a.vocab}, length {a.length}"
    )
    for name, D in (
        (
            "CNN discriminator (emb 32, 4x32 filters)",
            CNNDiscriminator(a.vocab, 32, filters=32).to(dev),
        ),
        ("rollouts only (D returns 0)", ZeroD()),
    ):
        mc_rewards(G, D, ids[:4], 1, None)  # warm up
        fast = timed(lambda: mc_rewards(G, D, ids, a.rollouts, u))
        slow = timed(lambda: mc_rewards_naive(G, D, ids, a.rollouts, u))
        same = torch.allclose(
            mc_rewards(G, D, ids, a.rollouts, u),
            mc_rewards_naive(G, D, ids, a.rollouts, u),
            atol=1e-5,
        )
        print(
            f"{name:42s} batched {fast:7.3f}s  loop {slow:7.3f}s  ratio {slow / fast:5.1f}x  "
            f"identical: {same}"
        )
    print("\nsamplers, microseconds per call (batch 64):")
    for v in (100, 5000):
        t = time_samplers(64, v, repeats=100)
        print(
            f"  vocab {v:5d}: "
            + "  ".join(f"{k} {x:9.1f}" for k, x in t.items())
            + f"   multinomial/inverse-cdf {t['multinomial'] / t['inverse-cdf']:.1f}x"
        )


if __name__ == "__main__":
    main()
