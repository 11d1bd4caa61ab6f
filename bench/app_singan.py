"""Train and ship the SinGAN chapter's two pyramids (ganbook/weights/app_singan_*.pt).

    python bench/app_singan.py               # both images, one thread
    python bench/app_singan.py --only photo  # one of them

Each pyramid: the picture (scikit-image's ``rocket`` photo, its ``brick`` texture) with its
longer side resized to 48 px, ``SCALES`` scales (3 for the photo, 5 for the texture; see
ganbook.applications.singan) with scale factor 0.75, one Trainer fit a
scale (3 critic + 3 generator updates a step, WGAN-GP weight 0.1, reconstruction weight 10,
Adam 5e-4 divided by 10 after 80% of the steps), as in tamarott/SinGAN at a smaller size.
The photo gets the paper's 2,000 steps a scale, the texture 1,000 (our time budget).
Seeded and single-threaded; every scale checkpoints to ``--work`` so an interrupted run
resumes there. Measured on the shared 2-core machine: see the chapter's closing note.
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbook import seed_everything
from ganbook.applications.singan import (
    PHOTO,
    SCALES,
    SHIPPED,
    TEXTURE,
    load_image,
    save_pyramid,
    train_singan,
)

ARCH = {"max_size": 48, "width": 32, "layers": 5}
PICTURES = {"photo": PHOTO, "texture": TEXTURE}
STEPS = {"photo": 2000, "texture": 1000}  # per scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None,
                        help=f"steps per scale (default: {STEPS})")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", choices=sorted(PICTURES), default=None)
    parser.add_argument("--work", default="/tmp/ganbook_singan", help="checkpoint folder")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for kind, picture in PICTURES.items():
        if args.only and kind != args.only:
            continue
        steps = args.steps or STEPS[kind]
        seed_everything(0)
        image = load_image(picture, ARCH["max_size"])
        start = time.perf_counter()
        pyramid, histories = train_singan(
            image, SCALES[kind], steps, width=ARCH["width"], layers=ARCH["layers"],
            checkpoint_dir=f"{args.work}/{kind}",
        )
        seconds = [h["seconds"][-1] for h in histories]
        save_pyramid(pyramid, SHIPPED[kind], picture=picture, steps=steps,
                     seconds=sum(seconds), scale_seconds=seconds, max_size=ARCH["max_size"],
                     scales=SCALES[kind],
                     recipe="WGAN-GP 0.1 + 10 x MSE reconstruction, 3+3 updates, Adam 5e-4")
        print(f"{kind} ({picture}): {steps} steps x {SCALES[kind]} scales, "
              f"{sum(seconds):.0f} s training, {time.perf_counter() - start:.0f} s in all",
              flush=True)


if __name__ == "__main__":
    main()
