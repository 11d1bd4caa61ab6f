"""Print the image chapter's measured table: the real-vs-real floor, untrained and collapsed baselines,
the shipped generators, and the training speed of each model family on this machine.

    python bench/image_scores.py [--threads 1]
"""
from __future__ import annotations

import argparse
import time

import torch

from ganbook.image.classifier import accuracy
from ganbook.image.data import load_faces
from ganbook.image.metrics import DigitEvaluator, scores_table
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
    G, Gc = load_generator("image_dcgan_digits"), load_generator("image_cgan_digits")
    collapsed = ev.train_x[:5].repeat(n // 5 + 1, 1, 1, 1)[:n]
    rows = {
        "real vs real (floor)": ev.floor(),
        "untrained DCGAN": ev.score(sample(image_gan()[0], n, seed=0)),
        "collapsed (5 images)": ev.score(collapsed),
        "pretrained DCGAN": ev.score(sample(G, n, seed=1)),
        "pretrained conditional": ev.score(sample(Gc, n, labels, seed=5)),
    }
    print(scores_table(rows))
    wanted = torch.arange(1000) % 10
    print(f"conditional accuracy (pretrained, 1000 samples): {accuracy(ev.classifier, sample(Gc, 1000, wanted, seed=1), wanted):.3f}")
    print(f"pretrained DCGAN: {G.config['steps']} steps, {G.config['seconds']} s when trained; "
          f"FD / floor = {rows['pretrained DCGAN'].fd / rows['real vs real (floor)'].fd:.2f}")
    print(f"pretrained conditional: {Gc.config['steps']} steps; FD / floor = "
          f"{rows['pretrained conditional'].fd / rows['real vs real (floor)'].fd:.2f}")
    x = ev.train_x
    for name, kwargs in [("DCGAN nearest, width 32", {}), ("DCGAN transpose, width 32", {"upsample": "transpose"}),
                         ("DCGAN + WGAN-GP", {"loss": "wgan-gp"}), ("DCGAN hinge + SN", {"loss": "hinge", "spectral_norm": True})]:
        print(f"{name:28s} {ms_per_step(x, **kwargs):6.1f} ms/step (batch 64, 8x8)")
    faces = load_faces(100)[:80]
    for name, aug in [("faces 24x24, width 16", None), ("faces + DiffAugment", "color,translation,cutout")]:
        print(f"{name:28s} {ms_per_step(faces, width=16, batch_size=32, augment=aug):6.1f} ms/step (batch 32)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    torch.set_num_threads(parser.parse_args().threads)
    main()
