"""Train the text-conditioned chorale GAN and ship its EMA generator as
ganbook/weights/app_text2music.pt.

    OMP_NUM_THREADS=1 python bench/app_text2music.py --steps 3000

The generator starts from the music chapter's shipped unconditional GAN
(``music_chorale_gan``, :func:`ganbook.music.training.start_from`); the critic and both text
encoders start fresh (:func:`ganbook.music.training.make_text_trainer`: varied descriptions,
clauses in any order and the book's synonyms, and a term that asks each window for the mode
its description names). Prints how often the output
does what its description asked (held-out windows' descriptions, training and held-out
phrasings). Resumable from runs/app_text2music.ckpt.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from ganbook import seed_everything, set_threads
from ganbook.music import describe as T
from ganbook.music.corpus import load_chorales, windows
from ganbook.music.training import (
    load_chorale_generator,
    make_text_trainer,
    sample_grids,
    save_chorale_generator,
    start_from,
)

NAME = "app_text2music"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoint", default=f"runs/{NAME}.ckpt")
    args = parser.parse_args()
    set_threads(args.threads)
    seed_everything(args.seed)
    chorales = load_chorales()
    train, test = windows(chorales, "train"), windows(chorales, "test")
    vocab = T.description_vocab()
    trainer = make_text_trainer(train, vocab, checkpoint_path=args.checkpoint,
                                checkpoint_every=100)
    if trainer.resume():
        print(f"resumed at step {trainer.step}")
    else:
        start_from(trainer.G, load_chorale_generator("music_chorale_gan")[0])
        trainer.G_ema.load_state_dict(trainer.G.state_dict())
    start = time.perf_counter()

    def report(t) -> None:
        gap = t.history["d_real"][-1] - t.history["d_fake"][-1]
        print(f"step {t.step}: critic gap {gap:.2f}, {time.perf_counter() - start:.0f} s",
              flush=True)

    trainer.fit(args.steps, callbacks=[(100, report)], progress=False)
    save_chorale_generator(trainer.G_ema, NAME, step=trainer.step, history=trainer.history,
                           vocab=vocab.itos[3:])
    rng = np.random.default_rng(0)
    real = test.subset(rng.choice(len(test), 128, replace=False))
    asked = T.window_attributes(real)
    last = len(T.PHRASINGS) - 1
    for label, phrasing, synonym in [("training phrasing 0", 0, 0),
                                     ("held-out phrasing", last, 0),
                                     ("held-out phrasing, synonyms", last, 1)]:
        torch.manual_seed(0)
        ids = T.encode_requests(vocab, asked, phrasing, synonym)
        p, o = sample_grids(trainer.G_ema, len(real), ids)
        got = T.measure(p, o, T.music21_modes(p, o))
        print(label, {k: round(v, 3) for k, v in T.agreement(asked, got).items()})
    print(f"{trainer.step} steps in {trainer.history['seconds'][-1]:.0f} s; "
          f"weights: ganbook/weights/{NAME}.pt")


if __name__ == "__main__":
    main()
