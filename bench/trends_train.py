"""Retrain the trends chapter's shipped models: the flow-matching model and the PixelCNN.

Usage:
    python bench/trends_train.py flow [--steps 60000]
    python bench/trends_train.py pixelcnn [--steps 3000]

Both train on the book's 8x8 training digits with :class:`ganbook.beyond.diffusion.DenoisingTrainer`
(seed 0, batch 128, Adam at 1e-3); the flow keeps an EMA of its weights (decay 0.999) and ships
that. Each is scored once with the digit evaluator (FD over the real-vs-real floor) and saved
as ``ganbook/weights/trends_flow.pt`` or ``trends_pixelcnn.pt`` (``--out DIR``: elsewhere),
with its steps and training seconds in the config.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ganbook import seed_everything
from ganbook.beyond.diffusion import DenoisingTrainer, FlowMatching, save_flow
from ganbook.beyond.pixelcnn import PixelCNN, save_pixelcnn
from ganbook.image.data import load_digits
from ganbook.image.metrics import DigitEvaluator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=["flow", "pixelcnn"])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--out", default=None, help="a folder instead of ganbook/weights")
    args = parser.parse_args()
    steps = args.steps or {"flow": 60000, "pixelcnn": 3000}[args.model]
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
    target = str(Path(args.out) / f"{name}.pt") if args.out else name
    save = save_flow if args.model == "flow" else save_pixelcnn
    save(model.cpu(), target, steps=steps, seconds=seconds, fd_ratio_seed1=ratio)
    print(f"{name}: {steps} steps in {seconds} s, FD / floor {ratio} -> {target}")


if __name__ == "__main__":
    main()
