"""Train and ship the super-resolution chapter's L1 network (ganbook/weights/app_superres_l1.pt).

    python bench/app_superres.py            # 6,000 steps, single thread
    python bench/app_superres.py --compare old.pt   # and score an earlier network beside it

The recipe ``superres-l1`` of :mod:`ganbook.recipes`: SRResNet(width 32, 4 blocks, 4x) trained
on 32x32 HR patches (8x8 inputs, area downsampling) of ``SRPatches``' training pictures, flipped,
turned and greyed at random, with L1 alone (adv_weight=0): batch 16, Adam lr 5e-4, betas
(0.9, 0.999), decayed linearly to 0 over the second half. Seeded and single-threaded: a rerun
writes the same weights bit for bit. Prints the held-out scores against bicubic every 1,000
steps; at the end it scores the new network (and ``--compare``'s) on the held-out flower and
texture patches and on the whole unseen pictures, and writes bench/results/app_superres.json
with the commit that ran and whether the weights equal those of the file they replaced.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ganbook.applications.quality import psnr
from ganbook.applications.super_resolution import (
    SRPatches,
    SRResNet,
    bicubic,
    save_l1_network,
    super_resolve,
    unseen_picture_psnr,
)
from ganbook.core.callbacks import LinearDecay
from ganbook.core.checkpoint import load_model
from ganbook.core.profiles import get_profile
from ganbook.pages.records import head_commit, weights_digest
from ganbook.recipes import build

RESULTS = Path(__file__).parent / "results" / "app_superres.json"


def held_out_gains(nets: dict[str, torch.nn.Module], n: int = 1024) -> dict[str, dict]:
    """Each network's PSNR gain over bicubic (dB) on the page's held-out flower and texture
    patches and on the whole unseen pictures (mean, and wins out of how many)."""
    data = SRPatches(32)
    rows: dict[str, dict] = {name: {} for name in nets}
    for kind in ("photo", "texture"):
        lr, hr = data.test_set(n, kind=kind, seed=0)
        base = psnr(bicubic(lr), hr)
        for name, net in nets.items():
            rows[name][f"{kind} patches"] = psnr(super_resolve(net, lr), hr) - base
    unseen = unseen_picture_psnr(nets)
    for name in nets:
        gains = [row[name] - row["bicubic"] for row in unseen.values()]
        rows[name]["unseen pictures"] = sum(gains) / len(gains)
        rows[name]["unseen wins"] = f"{sum(g > 0 for g in gains)} of {len(gains)}"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="app_superres_l1", help="name or .pt path")
    parser.add_argument("--compare", help="an earlier L1 network (.pt) to score beside it")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    code = head_commit()  # before this run writes its weights into ganbook/
    lr, hr = SRPatches(32).test_set(512)
    print(f"bicubic: PSNR {psnr(bicubic(lr), hr):.2f} dB on 512 held-out patches", flush=True)
    trainer = build("superres-l1", get_profile("cpu"), torch.device("cpu"), seed=0)
    torch.set_num_threads(args.threads)  # get_profile sets the profile's own thread count
    start = time.perf_counter()

    def report(t) -> None:
        print(f"step {t.step}: PSNR {psnr(super_resolve(t.G, lr), hr):.2f} dB, "
              f"{time.perf_counter() - start:.0f} s", flush=True)

    trainer.fit(args.steps, callbacks=[(1, LinearDecay(args.steps // 2, args.steps)),
                                       (1000, report)], progress=False)
    seconds = time.perf_counter() - start
    before = weights_digest(args.out)
    save_l1_network(trainer.G, args.out, steps=args.steps, seconds=seconds,
                    psnr=psnr(super_resolve(trainer.G, lr), hr),
                    recipe="L1 only, batch 16, Adam 5e-4 (0.9, 0.999), linear decay 2nd half; "
                           "flips, quarter turns, one crop in three grey")
    print(f"saved {args.out} after {seconds:.0f} s")
    same = before == weights_digest(args.out) if before else None
    nets = {"new": trainer.G.eval()}
    if args.compare:
        nets["compared"] = load_model(args.compare, lambda config: SRResNet(**config))[0]
    rows = held_out_gains(nets)
    print(json.dumps(rows, indent=1))
    record = {"commit": code, "steps": args.steps, "compared": args.compare,
              "same weights as the file it replaced": same,
              "gain over bicubic (dB)": rows}
    RESULTS.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
