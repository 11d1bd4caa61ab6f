"""Retrain the trends chapter's shipped models: the flow-matching model, the PixelCNN and the
DCGAN it compares them with.

Usage:
    python bench/trends_train.py flow [--steps 60000]
    python bench/trends_train.py pixelcnn [--steps 3000]
    python bench/trends_train.py dcgan [--steps 3000]

``flow`` and ``pixelcnn`` train on the book's 8x8 training digits with
:class:`ganbook.beyond.diffusion.DenoisingTrainer` (seed 0, batch 128, Adam at 1e-3); the flow
keeps an EMA of its weights (decay 0.999) and ships that. Each is scored once with the digit
evaluator (FD over the real-vs-real floor) and saved as ``ganbook/weights/trends_flow.pt`` or
``trends_pixelcnn.pt`` (``--out DIR``: elsewhere), with its steps and training seconds beside
its config.

``dcgan`` is the DCGAN chapter's live run, repeated: its recipe (non-saturating loss, width 32,
nearest upsampling, seed 0, 3,000 steps) through :func:`ganbook.image.recipes.train_image_gan`,
scored every 500 steps by a :class:`ganbook.beyond.diffusion.QualityCurve`. The page shows a
run its reader has already watched, so it ships instead of training again: the EMA generator
as ``trends_dcgan.pt`` with its curve, the raw one as ``trends_dcgan_raw.pt``.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Callable

import torch

from ganbook import seed_everything
from ganbook.beyond.diffusion import DenoisingTrainer, FlowMatching, QualityCurve, save_flow
from ganbook.beyond.pixelcnn import PixelCNN, save_pixelcnn
from ganbook.image.data import load_digits
from ganbook.image.metrics import DigitEvaluator
from ganbook.image.recipes import sample, save_generator, train_image_gan
from ganbook.recipes.digits import image_gan_settings

CURVE_EVERY = 500  # steps between the DCGAN's quality scores


def ship_dcgan(steps: int, target: Callable[[str], str]) -> None:
    """Train the DCGAN chapter's live recipe, scoring it every CURVE_EVERY steps; ship both
    generators, the EMA one with its curve."""
    x_train, _ = load_digits("train")
    evaluator = DigitEvaluator()
    curve = QualityCurve(evaluator, lambda t: sample(t.G_ema, evaluator.n_samples, seed=1))
    start = time.perf_counter()
    # a run shorter than CURVE_EVERY (a quick --steps check) is still scored once, at its end
    trainer = train_image_gan(x_train, steps, callbacks=[(min(CURVE_EVERY, steps), curve)])
    seconds = round(time.perf_counter() - start)
    info = {"steps": steps, "seconds": seconds, "recipe": image_gan_settings()}
    save_generator(trainer.G_ema, target("trends_dcgan"), curve=curve.to_dict(), **info)
    save_generator(trainer.G, target("trends_dcgan_raw"), **info)
    ratio = curve.column("fd")[-1] / evaluator.floor().fd
    print(f"trends_dcgan: {steps} steps in {seconds} s, EMA FD / floor {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["flow", "pixelcnn", "dcgan"])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--out", default=None, help="a folder instead of ganbook/weights")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the book build runs its notebooks: the seconds compare
    steps = args.steps or {"flow": 60000, "pixelcnn": 3000, "dcgan": 3000}[args.model]

    def target(name: str) -> str:
        """Where a shipped file goes: its name in ganbook/weights, or a path under --out."""
        return str(Path(args.out) / f"{name}.pt") if args.out else name

    if args.model == "dcgan":
        ship_dcgan(steps, target)
        return
    seed_everything(0)
    x_train, _ = load_digits("train")
    model = FlowMatching() if args.model == "flow" else PixelCNN()
    # the flow is sampled from an EMA of its weights, as diffusion models are
    ema = 0.999 if args.model == "flow" else None
    trainer = DenoisingTrainer(model, x_train, batch_size=128, lr=1e-3, ema_decay=ema)
    start = time.perf_counter()
    trainer.fit(steps)
    seconds = round(time.perf_counter() - start)
    model = trainer.sampling_model
    evaluator = DigitEvaluator()
    floor = evaluator.floor().fd
    if args.model == "flow":
        images = model.sample(evaluator.n_samples, steps=32, seed=1)
    else:
        images = model.sample(evaluator.n_samples, seed=1)
    ratio = round(evaluator.score(images).fd / floor, 3)
    name = f"trends_{args.model}"
    save = save_flow if args.model == "flow" else save_pixelcnn
    save(model.cpu(), target(name), steps=steps, seconds=seconds, fd_ratio_seed1=ratio)
    print(f"{name}: {steps} steps in {seconds} s, FD / floor {ratio} -> {target(name)}")


if __name__ == "__main__":
    main()
