"""Train the text-conditioned chorale GAN and ship its EMA generator as
ganbook/weights/app_text2music.pt.

    OMP_NUM_THREADS=1 python bench/app_text2music.py --steps 3000
    python bench/app_text2music.py --compare old.pt   # and score an earlier model beside it

The generator starts from the music chapter's shipped unconditional GAN
(``music_chorale_gan``, :func:`ganbook.music.training.start_from`); the critic and both text
encoders start fresh (:func:`ganbook.music.training.make_text_trainer`: varied descriptions,
clauses in any order and the book's synonyms, word dropout, and terms that ask each window
for the mode and the pace its description names). Resumable from runs/app_text2music.ckpt.

At the end it asks the new generator (and ``--compare``'s, and the unconditional GAN, which
cannot hear the request) for every held-out window's attributes, in training phrasings, in
held-out ones and in those written in synonyms, and scores how often each does what was
asked, the mode by music21's key analysis on every window (:func:`score`). It writes
bench/results/app_text2music.json with the commit that ran and whether the weights equal those
of the file they replaced.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ganbook import seed_everything, set_threads
from ganbook.music import describe as T
from ganbook.music.corpus import Windows, load_chorales, windows
from ganbook.music.metrics import minor_gap
from ganbook.music.training import (
    load_chorale_generator,
    load_text_generator,
    make_text_trainer,
    sample_grids,
    save_chorale_generator,
    start_from,
)
from ganbook.pages.records import head_commit, weights_digest

NAME = "app_text2music"
RESULTS = Path(__file__).parent / "results" / "app_text2music.json"


def score(models: dict, test: Windows) -> dict[str, dict[str, float]]:
    """For each text generator in ``models`` (name -> :func:`load_text_generator`'s pair),
    each way of wording the requests
    (:func:`~ganbook.music.describe.request_phrasings`): the share of ``test``'s windows'
    attributes it writes as asked and its minor-score gap; the unconditional GAN and the real
    windows alongside."""
    asked = T.window_attributes(test)
    vocab = T.description_vocab()
    n = len(test)

    def row(pitch, onset) -> dict[str, float]:
        return {**T.request_scores(pitch, onset, asked),
                "minor-score gap": minor_gap(pitch, onset, asked.mode)[0]}

    rows = {"real (held out)": row(test.pitch, test.onset)}
    seed_everything(1)
    rows["unconditional GAN"] = row(*sample_grids(load_chorale_generator("music_chorale_gan")[0],
                                                  n))
    for name, (G, state) in models.items():
        if state["vocab"].itos != vocab.itos:
            raise ValueError(f"{name!r} reads another vocabulary than description_vocab()")
        sets = T.request_phrasings(n, np.random.default_rng(0))
        for label, (phrasing, synonym) in sets.items():
            seed_everything(1)
            ids = T.encode_requests(vocab, asked, phrasing, synonym)
            rows[f"{name}, {label}"] = row(*sample_grids(G, n, ids))
            print(name, label, {k: round(v, 3) for k, v in rows[f"{name}, {label}"].items()},
                  flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoint", default=f"runs/{NAME}.ckpt")
    parser.add_argument("--out", default=NAME, help="name or .pt path")
    parser.add_argument("--compare", help="an earlier generator (.pt) to score beside it")
    args = parser.parse_args()
    code = head_commit()  # before this run writes its weights into ganbook/
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
    before = weights_digest(args.out)
    save_chorale_generator(trainer.G_ema, args.out, step=trainer.step, history=trainer.history,
                           vocab=vocab.itos[3:])
    print(f"{trainer.step} steps in {trainer.history['seconds'][-1]:.0f} s; saved {args.out}")
    same = before == weights_digest(args.out) if before else None
    models = {"new": load_text_generator(args.out)}
    if args.compare:
        models["compared"] = load_text_generator(args.compare)
    record = {"commit": code, "steps": trainer.step, "compared": args.compare,
              "same weights as the file it replaced": same,
              "windows": len(test), "requests followed": score(models, test)}
    RESULTS.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
