"""What the shared Trainer costs per step, against a bare hand-written GAN loop on the same models.

The Trainer records history, checks every loss for NaN/Inf (one host sync per number) and
keeps an EMA generator; this measures that price side by side in one run, on a tiny MLP GAN
(the worst case: per-step overhead is largest relative to the maths) and a wider one.
Run: .venv/bin/python bench/trainer_overhead.py [--steps 500]
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from ganbook import Trainer, seed_everything
from ganbook.nets import MLPDiscriminator, MLPGenerator
from ganbook.toy import ring_2d


def bare_loop(G, D, sample, steps: int, batch: int) -> float:
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    start = time.perf_counter()
    for _ in range(steps):
        real = sample(batch)
        with torch.no_grad():
            fake = G(torch.randn(batch, G.latent_dim))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(batch, G.latent_dim)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
    return (time.perf_counter() - start) / steps


def trainer_loop(G, D, sample, steps: int, batch: int, ema: bool) -> float:
    tr = Trainer(G, D, sample, batch_size=batch, device="cpu", ema_decay=0.999 if ema else None)
    start = time.perf_counter()
    tr.fit(steps, progress=False)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ring = ring_2d()
    print(f"{'model':<22}{'bare loop':>12}{'Trainer':>12}{'Trainer+EMA':>14}{'overhead':>10}")
    for name, hidden, batch in (("MLP 2x32, batch 64", 32, 64), ("MLP 2x256, batch 256", 256, 256)):
        times = []
        for mode in ("bare", "trainer", "ema"):
            seed_everything(0)
            G, D = MLPGenerator(2, 2, hidden=hidden), MLPDiscriminator(2, hidden=hidden)
            bare_loop(G, D, ring.sample, 20, batch)  # warm-up
            seed_everything(0)
            G, D = MLPGenerator(2, 2, hidden=hidden), MLPDiscriminator(2, hidden=hidden)
            if mode == "bare":
                times.append(bare_loop(G, D, ring.sample, args.steps, batch))
            else:
                times.append(
                    trainer_loop(G, D, ring.sample, args.steps, batch, ema=(mode == "ema"))
                )
        ms = [t * 1e3 for t in times]
        print(f"{name:<22}{ms[0]:>10.2f}ms{ms[1]:>10.2f}ms{ms[2]:>12.2f}ms{ms[2] / ms[0]:>9.2f}x")


if __name__ == "__main__":
    main()
