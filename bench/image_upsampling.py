"""Transposed convolution against nearest-neighbour upsampling + 3x3 convolution,
over several seeds.

    python bench/image_upsampling.py [--seeds 4] [--steps 3000] [--threads 1]

Trains notebook 01's live recipe (DCGAN paper: non-saturating loss, Adam lr 2e-4,
betas (0.5, 0.999), EMA generator) once per seed and upsampling, and prints one row per run:
FD as a multiple of the real-vs-real floor, recall, the smallest class share (a collapsed run
loses classes), the checkerboard share of the samples (see ``metrics.checkerboard_share``; real
digits: about 0.0007) and seconds per 1,000 steps. The two kinds run interleaved, so machine load
hits both alike.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from ganbook.image.metrics import DigitEvaluator, checkerboard_share
from ganbook.image.recipes import sample, train_image_gan


def main(seeds: int, steps: int) -> None:
    ev = DigitEvaluator()
    floor = ev.floor()
    print(f"floor FD {floor.fd:.4f}; real checkerboard share {checkerboard_share(ev.train_x):.5f}")
    print(
        f"{'upsample':>10} {'seed':>4} {'FD/floor':>9} {'recall':>7} {'min class':>9} "
        f"{'checker':>8} {'s/1k':>6}"
    )
    rows: dict[str, list[tuple[float, float, float]]] = {"nearest": [], "transpose": []}
    for seed in range(seeds):
        for upsample in rows:
            trainer = train_image_gan(
                ev.train_x, steps, upsample=upsample, seed=seed, progress=False, device="cpu"
            )
            images = sample(trainer.G_ema, ev.n_samples, seed=1000 + seed)
            s = ev.score(images)
            ratio, checker = s.fd / floor.fd, checkerboard_share(images)
            rows[upsample].append((ratio, s.recall, s.min_class_share))
            per_k = trainer.history["seconds"][-1] / steps * 1000
            print(
                f"{upsample:>10} {seed:>4} {ratio:>9.2f} {s.recall:>7.2f} "
                f"{s.min_class_share:>9.1%} {checker:>8.5f} "
                f"{per_k:>6.1f}",
                flush=True,
            )
    for upsample, runs in rows.items():
        ratios = [r[0] for r in runs]
        print(
            f"{upsample}: FD/floor median {statistics.median(ratios):.2f} "
            f"(range {min(ratios):.2f}-{max(ratios):.2f}); "
            f"runs with a class under 3%: {sum(r[2] < 0.03 for r in runs)} of {len(runs)}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    main(args.seeds, args.steps)
