"""The music chapter's metrics table for the shipped generators, and how long each part takes.

    OMP_NUM_THREADS=1 python bench/music_metrics.py

Rows: every metric of ganbook.music.metrics. Columns: held-out real windows, voices shuffled
across chorales, random notes, the shipped unconditional GAN, and the mode-conditioned GAN
(half major, half minor requests). Also times one training step of each model.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ganbook import seed_everything, set_threads
from ganbook.music import metrics as M
from ganbook.music.corpus import load_chorales, windows
from ganbook.music.training import load_chorale_generator, make_trainer, sample_grids


def main(n: int = 256) -> None:
    set_threads(1)
    seed_everything(0)
    start = time.perf_counter()
    chorales = load_chorales()
    print(
        f"load_chorales: {time.perf_counter() - start:.1f} s "
        f"(cache build took {chorales.stats['seconds']} s)"
    )
    train, test = windows(chorales, "train"), windows(chorales, "test")
    rng = np.random.default_rng(0)
    real = test.subset(rng.choice(len(test), n, replace=False))
    G, state = load_chorale_generator("music_chorale_gan")
    G_mode, mode_state = load_chorale_generator("music_chorale_mode")
    modes = torch.arange(n) % 2
    torch.manual_seed(1)
    mode_grids = sample_grids(G_mode, n, cond=modes)
    start = time.perf_counter()
    results = {
        "real (held out)": M.evaluate(real.pitch, real.onset, train.pitch),
        "shuffled voices": M.evaluate(*M.shuffled_voices(real.pitch, real.onset, rng), train.pitch),
        "random notes": M.evaluate(*M.random_notes(n, 64, rng), train.pitch),
        f"GAN ({state['step']} steps)": M.evaluate(*sample_grids(G, n), train.pitch),
        f"GAN mode ({mode_state['step']} steps)": M.evaluate(*mode_grids, train.pitch),
    }
    print(f"metrics for 5 x {n} windows: {time.perf_counter() - start:.1f} s\n")
    print(M.metrics_table(results))
    real_par = results["real (held out)"]["parallel 5ths/8ves"]
    for name, r in results.items():
        print(f"{name}: parallels {r['parallel 5ths/8ves'] / max(real_par, 1e-9):.1f} x real rate")
    print(
        f"\nmode accuracy: real {M.mode_accuracy(real.pitch, real.onset, real.mode):.3f}, "
        f"GAN {M.mode_accuracy(*mode_grids, modes.numpy()):.3f}"
    )
    for condition in (None, "mode", "soprano"):
        trainer = make_trainer(train, condition)
        trainer.fit(3, progress=False)
        t0 = time.perf_counter()
        trainer.fit(13, progress=False)
        print(
            f"one training step ({condition or 'unconditional'}): "
            f"{(time.perf_counter() - t0) / 10:.3f} s"
        )


if __name__ == "__main__":
    main()
