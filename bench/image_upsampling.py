"""Transposed convolution against nearest-neighbour upsampling + 3x3 convolution, over several
seeds (book/image/01_dcgan_digits, "The transposed-convolution generator"). Recorded as
ganbook/results/image_upsampling.json (``make results``), which the page shows; about ten
minutes on two cores.

    GANBOOK_PROFILE=cpu GANBOOK_RECORD=ganbook/results python bench/image_upsampling.py

Trains notebook 01's live recipe (DCGAN paper: non-saturating loss, Adam lr 2e-4, betas
(0.5, 0.999), EMA generator) once per seed and upsampling and scores each run: FD as a multiple
of the real-vs-real floor, recall, the smallest class share (a collapsed run loses classes), the
checkerboard share of the samples (``metrics.checkerboard_share``) and seconds per 1,000 steps.
Each worker trains one seed's two kinds back to back, so machine load hits both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganbook import record_results  # noqa: E402
from ganbook.image.metrics import DigitEvaluator, checkerboard_share  # noqa: E402
from ganbook.image.recipes import sample, train_image_gan  # noqa: E402
from ganbook.pages.records import SOURCE_VAR  # noqa: E402

KINDS = {"nearest": "nearest + conv", "transpose": "transposed conv"}


def run_seed(job: tuple[int, int]) -> dict[str, dict[str, float]]:
    """Both kinds trained with one seed: {row name: scores}."""
    seed, steps = job
    torch.set_num_threads(1)
    ev = DigitEvaluator()
    floor = ev.floor()
    rows = {}
    for upsample, label in KINDS.items():
        trainer = train_image_gan(
            ev.train_x, steps, upsample=upsample, seed=seed, progress=False, device="cpu"
        )
        images = sample(trainer.G_ema, ev.n_samples, seed=1000 + seed)
        s = ev.score(images)
        rows[f"{label}, seed {seed}"] = {
            "FD / floor": s.fd / floor.fd,
            "recall": s.recall,
            "smallest class": s.min_class_share,
            "checkerboard share": checkerboard_share(images),
            "s per 1,000 steps": trainer.history["seconds"][-1] / steps * 1000,
        }
        print(f"{label}, seed {seed}: {rows[f'{label}, seed {seed}']}", flush=True)
    return rows


def summary(runs: dict[str, dict[str, float]], real_share: float) -> dict[str, dict[str, float]]:
    """Per kind: median and range of FD / floor, the runs that lost a class, the median
    checkerboard share and seconds per 1,000 steps; then real digits' share and white noise's."""
    table = {}
    for label in KINDS.values():
        mine = [r for name, r in runs.items() if name.startswith(label)]
        ratios = [r["FD / floor"] for r in mine]
        table[label] = {
            "runs": len(mine),
            "median FD / floor": statistics.median(ratios),
            "lowest": min(ratios),
            "highest": max(ratios),
            "smallest class (lowest run)": min(r["smallest class"] for r in mine),
            "checkerboard share (median)": statistics.median(
                r["checkerboard share"] for r in mine
            ),
            "s per 1,000 steps (median)": statistics.median(
                r["s per 1,000 steps"] for r in mine
            ),
        }
    table["real digits"] = {"checkerboard share (median)": real_share}
    table["white noise"] = {"checkerboard share (median)": 1 / 63}  # 1 of 63 directions
    return table


def main(seeds: int, steps: int, workers: int) -> None:
    os.environ.setdefault("GANBOOK_PROFILE", "cpu")
    os.environ[SOURCE_VAR] = str(Path(__file__).resolve().relative_to(ROOT))
    real_share = checkerboard_share(DigitEvaluator().train_x)
    runs: dict[str, dict[str, float]] = {}
    with ProcessPoolExecutor(workers) as pool:
        for rows in pool.map(run_seed, [(seed, steps) for seed in range(seeds)]):
            runs |= rows
    runs = dict(sorted(runs.items()))
    table = summary(runs, real_share)
    for name, row in table.items():
        print(name, {k: round(v, 5) for k, v in row.items()})
    print("recorded:", record_results("image_upsampling", {"runs": runs, "summary": table}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    main(args.seeds, args.steps, args.workers)
