"""Train a chorale GAN with the book's code and ship its EMA generator
as ganbook/weights/music_<name>.pt.

    OMP_NUM_THREADS=1 python bench/music_train.py --condition none --steps 1500
    OMP_NUM_THREADS=1 python bench/music_train.py --condition mode --steps 1500

The voice-led generators (``music_chorale_voiced``, ``music_chorale_<condition>_voiced``)
are a second stage: the shipped GAN of the same condition copied into a relative generator
(lower voices also score their interval below the voice above), trained on against a fresh
critic with the voice-leading view and the two rule penalties:

    OMP_NUM_THREADS=1 python bench/music_train.py --voiced --steps 1000
    OMP_NUM_THREADS=1 python bench/music_train.py --voiced --condition soprano --steps 1000

Prints the metrics table (held-out real, shuffled voices, random notes, this GAN) at the end.
Resumable: the full training state is checkpointed to runs/music_<name>.ckpt.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from ganbook import seed_everything, set_threads
from ganbook.music import metrics as M
from ganbook.music.corpus import load_chorales, windows
from ganbook.music.training import (
    load_chorale_generator,
    make_trainer,
    make_voiced_trainer,
    sample_grids,
    save_chorale_generator,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--condition", choices=["none", "mode", "soprano"], default="none")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--diversity-weight", type=float, default=0.0, help="mode-seeking term (0 = plain WGAN-GP)"
    )
    parser.add_argument(
        "--voiced",
        action="store_true",
        help="fine-tune the shipped GAN of --condition for voice leading (name + _voiced)",
    )
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="resume from / save to this file (default runs/<name>.ckpt)",
    )
    args = parser.parse_args()
    set_threads(args.threads)
    seed_everything(args.seed)
    condition = None if args.condition == "none" else args.condition
    name = "music_chorale_gan" if condition is None else f"music_chorale_{condition}"
    source = name
    if args.voiced:  # music_chorale_voiced, music_chorale_mode_voiced, ...
        name = "music_chorale_voiced" if condition is None else f"{name}_voiced"
    chorales = load_chorales()
    train, test = windows(chorales, "train"), windows(chorales, "test")
    options = {
        "checkpoint_path": args.checkpoint or f"runs/{name}.ckpt",
        "checkpoint_every": 100,
        "diversity_weight": args.diversity_weight,
    }
    if args.voiced:
        trainer = make_voiced_trainer(train, load_chorale_generator(source)[0], **options)
    else:
        trainer = make_trainer(train, condition, **options)
    if trainer.resume():
        print(f"resumed at step {trainer.step}")
    start = time.perf_counter()
    trainer.fit(
        args.steps,
        callbacks=[
            (
                100,
                lambda t: print(
                    f"step {t.step}: critic gap "
                    f"{t.history['d_real'][-1] - t.history['d_fake'][-1]:.2f}, "
                    f"{time.perf_counter() - start:.0f} s",
                    flush=True,
                ),
            )
        ],
        progress=False,
    )
    save_chorale_generator(trainer.G_ema, name, step=trainer.step, history=trainer.history)
    rng = np.random.default_rng(0)
    idx = rng.choice(len(test), 256, replace=False)
    real = test.subset(idx)
    cond = None
    if condition == "mode":
        cond = torch.as_tensor(real.mode)
    elif condition == "soprano":
        from ganbook.music.training import soprano_condition

        cond = soprano_condition(real)
    results = {
        "real (held out)": M.evaluate(real.pitch, real.onset, train.pitch),
        "shuffled voices": M.evaluate(*M.shuffled_voices(real.pitch, real.onset, rng), train.pitch),
        "random notes": M.evaluate(*M.random_notes(256, real.pitch.shape[-1], rng), train.pitch),
        "GAN": M.evaluate(*sample_grids(trainer.G_ema, 256, cond), train.pitch),
    }
    print(M.metrics_table(results))
    print(
        f"{trainer.step} steps in {trainer.history['seconds'][-1]:.0f} s; "
        f"weights: ganbook/weights/{name}.pt"
    )


if __name__ == "__main__":
    main()
