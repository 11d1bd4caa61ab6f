"""Print the image chapter's measured table: the real-vs-real floor, untrained and collapsed
baselines, the shipped generators, and the training speed of each model family on this machine.

    python bench/image_scores.py [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbook.image.classifier import digit_accuracy
from ganbook.image.data import load_faces
from ganbook.image.metrics import DigitEvaluator, Scores, scores_table
from ganbook.image.recipes import image_gan, load_generator, sample, train_image_gan


def ms_per_step(x: torch.Tensor, steps: int = 60, **kwargs) -> float:
    """Median-free but warm: time ``steps`` training steps after 10 warm-up steps."""
    trainer = train_image_gan(x, 10, progress=False, device="cpu", **kwargs)
    start = time.perf_counter()
    trainer.fit(10 + steps, progress=False)
    return (time.perf_counter() - start) / steps * 1000


def main() -> None:
    ev = DigitEvaluator()
    n = ev.n_samples
    labels = torch.arange(n) % 10
    names = ("image_dcgan_digits", "image_cgan_digits", "image_scgan_digits")
    (G, G_info), (Gc, Gc_info), (Gs, Gs_info) = (load_generator(name) for name in names)
    collapsed = ev.train_x[:5].repeat(n // 5 + 1, 1, 1, 1)[:n]
    resample = torch.randint(n, (n,), generator=torch.Generator().manual_seed(0))
    floor = ev.floor()
    rows = {  # generators: the mean of five sample draws (one draw's FD moves by 10-30%)
        "real vs real (floor)": floor,
        "train resampled (1 draw)": ev.score(ev.train_x[resample]),
        "untrained DCGAN": ev.score(sample(image_gan()[0], n, seed=0)),
        "collapsed (5 images)": ev.score(collapsed),
        "pretrained DCGAN": Scores.average(ev.score_draws(G)),
        "pretrained conditional": Scores.average(ev.score_draws(Gc, labels=labels)),
        "self-cond., stratified": Scores.average(
            ev.score_draws(Gs, labels=Gs.stratified_labels(n))
        ),
        "self-cond., random clusters": Scores.average(ev.score_draws(Gs)),
    }
    print(scores_table(rows))
    for name, row in rows.items():
        print(f"{name:28s} FD / floor = {row.fd / floor.fd:6.2f}")
    wanted = torch.arange(1000) % 10
    print(
        f"conditional accuracy (pretrained, 1000 samples): "
        f"{digit_accuracy(ev.classifier, sample(Gc, 1000, wanted, seed=1), wanted):.3f}"
    )
    for name, info in [("DCGAN", G_info), ("conditional", Gc_info), ("self-conditioned", Gs_info)]:
        seconds = info.get("seconds", "?")
        print(f"pretrained {name}: {info['steps']} steps, {seconds} s when trained")
    x = ev.train_x
    for name, kwargs in [
        ("DCGAN nearest, width 32", {}),
        ("DCGAN transpose, width 32", {"upsample": "transpose"}),
        ("DCGAN + WGAN-GP", {"loss": "wgan-gp"}),
        ("DCGAN hinge + SN", {"loss": "hinge", "spectral_norm": True}),
    ]:
        print(f"{name:28s} {ms_per_step(x, **kwargs):6.1f} ms/step (batch 64, 8x8)")
    faces = load_faces(100)[:80]
    for name, aug in [
        ("faces 24x24, width 16", None),
        ("faces + DiffAugment", "color,translation,cutout"),
    ]:
        print(
            f"{name:28s} {ms_per_step(faces, width=16, batch_size=32, augment=aug):6.1f} "
            f"ms/step (batch 32)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1)
    torch.set_num_threads(parser.parse_args().threads)
    main()
