"""Train and ship the video chapter's four generators (ganbook/weights/app_video_*.pt).

    python bench/app_video.py                 # all four arms, RECIPE["steps"] steps each
    python bench/app_video.py --arm MoCoGAN   # one of them

Each arm of ganbook.video.arms.ARMS (MoCoGAN; MoCoGAN without its video discriminator;
the per-frame image GAN; MoCoGAN with the sprite generator of ganbook.video.sprite) is
trained by ``train_arm`` with the chapter's RECIPE on bouncing training digits, seeded and
single-threaded, and its EMA generator is shipped with the steps, the wall time and its
scores on 256 held-out clips. Prints the scores as it goes.
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbook.image.classifier import load_digit_classifier
from ganbook.video.arms import ARMS, RECIPE, save_arm, train_arm
from ganbook.video.data import BouncingDigits
from ganbook.video.metrics import video_scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arm", choices=list(ARMS), action="append")
    parser.add_argument("--steps", type=int, default=RECIPE["steps"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="a .pt path (one arm only)")
    parser.add_argument("--video-weight", type=float, default=None,
                        help="weigh the video critic's terms (an exercise; MoCoGAN's is 1)")
    parser.add_argument("--image-frames", type=int, default=None,
                        help="frames per clip the image critic judges (RECIPE's by default)")
    parser.add_argument("--residual", type=float, default=None,
                        help="the sprite arm's bounded change of appearance (an exercise)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    classifier, _ = load_digit_classifier()
    real = BouncingDigits("test", RECIPE["size"], RECIPE["frames"]).test_clips(256).video
    for arm in args.arm or list(ARMS):
        start = time.perf_counter()

        def report(t) -> None:
            scores = video_scores(classifier, t.generate(256), real)
            print(f"{arm} step {t.step} ({time.perf_counter() - start:.0f} s): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)

        extra = {} if args.video_weight is None else {"video_weight": args.video_weight}
        if args.image_frames is not None:
            extra["image_frames"] = args.image_frames
        if args.residual is not None:
            extra["residual"] = args.residual
        trainer = train_arm(arm, args.steps, callbacks=[(max(1, args.steps // 8), report)],
                            **extra)
        seconds = time.perf_counter() - start
        scores = video_scores(classifier, trainer.generate(256), real)
        save_arm(trainer.G_ema, args.out, arm=arm, steps=args.steps, seconds=seconds,
                 scores=scores, recipe={k: v for k, v in RECIPE.items() if k != "steps"} | extra)
        print(f"saved {arm} after {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main()
