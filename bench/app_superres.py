"""Train and ship the super-resolution chapter's L1 network (ganbook/weights/app_superres_l1.pt).

    python bench/app_superres.py            # 6,000 steps, single thread
                                            # (1,296 s measured on a busy shared 2-core CPU)

SRResNet(width 32, 4 blocks, 4x) trained on 32x32 HR patches (8x8 inputs, area downsampling)
with L1 alone through the Trainer (adv_weight=0): batch 16, Adam lr 5e-4, betas (0.9, 0.999),
decayed linearly to 0 over the second half. Seeded and single-threaded: a rerun writes the
same weights bit for bit. Prints the held-out scores against bicubic every 1,000 steps.
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbook import seed_everything
from ganbook.applications.quality import psnr
from ganbook.applications.super_resolution import (
    SRPatches,
    SRResNet,
    bicubic,
    save_l1_network,
    sr_trainer,
    super_resolve,
)
from ganbook.core.callbacks import LinearDecay

ARCH = {"channels": 3, "width": 32, "blocks": 4, "factor": 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="app_superres_l1", help="name or .pt path")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seed_everything(0)
    data = SRPatches(32)
    lr, hr = data.test_set(512)
    print(f"bicubic: PSNR {psnr(bicubic(lr), hr):.2f} dB on 512 held-out patches", flush=True)
    trainer = sr_trainer(SRResNet(**ARCH), data, adv_weight=0.0)
    start = time.perf_counter()

    def report(t) -> None:
        print(f"step {t.step}: PSNR {psnr(super_resolve(t.G, lr), hr):.2f} dB, "
              f"{time.perf_counter() - start:.0f} s", flush=True)

    trainer.fit(args.steps, callbacks=[(1, LinearDecay(args.steps // 2, args.steps)),
                                       (1000, report)], progress=False)
    seconds = time.perf_counter() - start
    save_l1_network(trainer.G, args.out, steps=args.steps, seconds=seconds,
                    psnr=psnr(super_resolve(trainer.G, lr), hr),
                    recipe="L1 only, batch 16, Adam 5e-4 (0.9, 0.999), linear decay 2nd half")
    print(f"saved {args.out} after {seconds:.0f} s")


if __name__ == "__main__":
    main()
