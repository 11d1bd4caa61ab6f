"""Train the Coconet-style likelihood baseline and ship it as ganbook/weights/music_coconet.pt.

    OMP_NUM_THREADS=1 python bench/music_coconet.py --steps 12000

Same data, same one-thread CPU as bench/music_train.py (whose GAN took 37 minutes). Prints
the metrics table (held-out real, random notes, Gibbs samples) at the end. Resumable: the
full training state is checkpointed to runs/music_coconet.ckpt.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from ganbook import seed_everything, set_threads
from ganbook.music import metrics as M
from ganbook.music.coconet import Coconet, CoconetTrainer, gibbs_sample, save_coconet
from ganbook.music.corpus import load_chorales, windows
from ganbook.music.grid import encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=12000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoint", default="runs/music_coconet.ckpt")
    args = parser.parse_args()
    set_threads(args.threads)
    seed_everything(args.seed)
    chorales = load_chorales()
    train, test = windows(chorales, "train"), windows(chorales, "test")
    trainer = CoconetTrainer(
        Coconet(), encode(train.pitch, train.onset),
        checkpoint_path=args.checkpoint, checkpoint_every=500,
    )
    if trainer.resume():
        print(f"resumed at step {trainer.step}")
    start = time.perf_counter()
    def ship(t) -> None:
        save_coconet(t.model, step=t.step, history=t.history)

    trainer.fit(args.steps, callbacks=[(500, ship)])
    ship(trainer)
    print(f"trained to step {trainer.step} in {time.perf_counter() - start:.0f} s")
    rng = np.random.default_rng(0)
    real = test.subset(rng.choice(len(test), 256, replace=False))
    torch.manual_seed(1)
    results = {
        "real (held out)": M.evaluate(real.pitch, real.onset, train.pitch),
        "random notes": M.evaluate(*M.random_notes(256, 64, rng), train.pitch),
        "Coconet": M.evaluate(*gibbs_sample(trainer.model, 256), train.pitch),
    }
    print(M.metrics_table(results))


if __name__ == "__main__":
    main()
