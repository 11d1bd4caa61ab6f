"""Retrain the generators that the trends chapter's fake detectors are tested against.

Usage:
    python bench/detect_train.py faces [--steps 3000]    # five face generators, 24x24
    python bench/detect_train.py digits [--steps 3000]   # the digit DCGAN with DiffAugment

``faces`` trains the portraits chapter's recipe on its 80 training faces (the first 80 of
``load_faces(100)``; width 16, batch 32, non-saturating loss, lr 2e-4, nearest-neighbour
upsampling, seed 0) and four variants that each change one thing: DiffAugment
(colour, translation, cutout), the hinge loss, transposed-convolution upsampling, and the seed.
The detector is trained against the first; the others are generators it never saw. Each run
ships its EMA generator as ``ganbook/weights/detect_faces_<variant>.pt``; the first also
ships its raw generator (``detect_faces_plain_raw``).

``digits`` trains the DCGAN chapter's live recipe (the trends chapter's DCGAN: width 32,
batch 64, non-saturating, lr 2e-4) with DiffAugment on the 1,347 training digits and ships
``detect_digits_diffaugment.pt``. ``--out DIR`` saves elsewhere.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ganbook.image.data import load_digits, load_faces
from ganbook.image.recipes import save_generator, train_image_gan
from ganbook.recipes.digits import image_gan_settings

AUGMENT = "color,translation,cutout"
FACE_VARIANTS = {
    "plain": {},
    "diffaugment": {"augment": AUGMENT},
    "hinge": {"loss": "hinge"},
    "transpose": {"upsample": "transpose"},
    "seed1": {"seed": 1},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", choices=["faces", "digits"])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--out", default=None, help="a folder instead of ganbook/weights")
    args = parser.parse_args()

    def target(name: str) -> str:
        return str(Path(args.out) / f"{name}.pt") if args.out else name

    if args.data == "faces":
        steps = args.steps or 3000
        train = load_faces(100)[:80]
        runs = [(f"detect_faces_{k}", {"width": 16, "batch_size": 32, **v})
                for k, v in FACE_VARIANTS.items()]
    else:
        steps = args.steps or 3000
        train, _ = load_digits("train")
        runs = [("detect_digits_diffaugment", {"width": 32, "batch_size": 64,
                                               "augment": AUGMENT})]
    for name, kwargs in runs:
        start = time.perf_counter()
        trainer = train_image_gan(train, steps, progress=False, **kwargs)
        seconds = round(time.perf_counter() - start)
        recipe = image_gan_settings(**kwargs)
        save_generator(trainer.G_ema, target(name), steps=steps, seconds=seconds, recipe=recipe)
        if name == "detect_faces_plain":
            save_generator(trainer.G, target(f"{name}_raw"), steps=steps, seconds=seconds,
                           recipe=recipe)
        print(f"{name}: {steps} steps in {seconds} s ({kwargs})", flush=True)


if __name__ == "__main__":
    main()
