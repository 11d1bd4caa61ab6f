"""Train and ship the text-to-image chapter's model (ganbook/weights/app_text2image_gan.pt).

    python bench/app_text2image.py        # 1,500 encoder steps, then 4,000 GAN steps,
                                          # single thread (576 s measured on a busy
                                          # shared 2-core CPU, load average about 7)
    python bench/app_text2image.py --compare old.pt   # and score an earlier model beside it

The caption model (the book's CaptionEncoder with three linear heads) is pre-trained on the
training captions' digit, thickness and slant, with word dropout, then frozen; GAN-INT-CLS
(matching-aware discriminator, caption interpolation) is trained on its sentence vectors
through the book's Trainer: width 32, batch 64, hinge loss, spectral norm, Adam 2e-4 / 4e-4,
betas (0, 0.9); the EMA generator is shipped. Seeded and single-threaded, so a rerun should
write the same weights (the notebook's 800-step run gave identical scores twice). Prints the
held-out-phrasing scores every 1,000 steps. At the end it scores the new model (and
``--compare``'s) on each held-out phrasing alone, and writes bench/results/app_text2image.json
with the commit that ran and whether the weights equal those of the file they replaced.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ganbook import seed_everything
from ganbook.applications.captions import (
    CaptionedDigits,
    caption_scores,
    requests,
)
from ganbook.applications.text_to_image import (
    CaptionVectors,
    TextToImage,
    generate,
    load_text_to_image,
    phrasing_scores,
    pretrain_caption_model,
    save_text_to_image,
    text2image_trainer,
)
from ganbook.image.classifier import load_digit_classifier
from ganbook.pages.records import head_commit, weights_digest

ARCH = {"latent_dim": 32, "text_dim": 32, "width": 32}
RESULTS = Path(__file__).parent / "results" / "app_text2image.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-steps", type=int, default=1500)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="app_text2image_gan", help="name or .pt path")
    parser.add_argument("--compare", help="an earlier model (.pt) to score beside it")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    code = head_commit()  # before this run writes its weights into ganbook/
    seed_everything(0)
    start = time.perf_counter()
    data = CaptionedDigits()
    captions = pretrain_caption_model(data, args.encoder_steps, dim=ARCH["text_dim"])
    classifier, _ = load_digit_classifier()
    triples, texts = requests(1000, seed=1)
    with torch.no_grad():
        vectors = captions(data.ids(texts))
    print(f"caption model: {time.perf_counter() - start:.0f} s", flush=True)
    trainer = text2image_trainer(CaptionVectors(data, captions), ARCH["latent_dim"],
                                 ARCH["width"])

    def report(t) -> None:
        row = caption_scores(generate(t.G_ema, vectors), triples, classifier, data.bins)
        print(f"step {t.step}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items())
              + f", {time.perf_counter() - start:.0f} s", flush=True)

    trainer.fit(args.steps, callbacks=[(1000, report)], progress=False)
    seconds = time.perf_counter() - start
    model = TextToImage(data.vocab.itos[3:], **ARCH)
    model.captions.load_state_dict(captions.state_dict())
    model.G.load_state_dict(trainer.G_ema.state_dict())
    row = caption_scores(generate(model.G, vectors), triples, classifier, data.bins)
    before = weights_digest(args.out)
    save_text_to_image(model, args.out, steps=args.steps, encoder_steps=args.encoder_steps,
                       seconds=seconds, scores=row,
                       recipe="GAN-INT-CLS, hinge + SN, batch 64, EMA generator")
    print(f"saved {args.out} after {seconds:.0f} s")
    same = before == weights_digest(args.out) if before else None
    models = {"new": model}
    if args.compare:
        models["compared"] = load_text_to_image(args.compare)[0]
    rows = {name: phrasing_scores(m, triples, classifier, data.bins)
            for name, m in models.items()}
    print(json.dumps(rows, indent=1))
    record = {"commit": code, "steps": args.steps, "compared": args.compare,
              "same weights as the file it replaced": same,
              "held-out phrasings one by one": rows}
    RESULTS.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
