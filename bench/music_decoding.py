"""What decoding each line with a leap cost (ganbook.music.decoding) does to the chorale GANs.

    python bench/music_decoding.py [--n 256] [--seeds 1 2 3]

For the shipped plain and voice-led chorale GANs, the same latent codes decoded by argmax (the
generator's own ``forward``) and by :func:`ganbook.music.decoding.decode_lines` under a few
``(leap_cost, step_cost, spacing_cost)`` settings, scored with every voice-leading, range and
quality measure of :func:`ganbook.music.metrics.evaluate` beside Bach's held-out windows in
his own voicing (unfolded). Means over the seeds go to ``bench/results/music_decoding.json``
with the commit.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from ganbook import seed_everything, set_threads
from ganbook.music import metrics as M
from ganbook.music.corpus import load_chorales, windows
from ganbook.music.decoding import sample_lines
from ganbook.music.training import load_chorale_generator, sample_grids
from ganbook.pages.records import head_commit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "music_decoding.json"
SETTINGS = [(0.5, 0.0, 0.0), (0.5, 0.3, 0.0), (0.5, 0.3, 0.5), (1.0, 0.5, 0.5)]
# (leap_cost, step_cost, spacing_cost); the third is decode_lines' default
KEYS = ["voice crossing", "wide spacing", "parallel 5ths/8ves", "leaps > fifth",
        *(f"range {v} (semitones)" for v in "SATB"), "consonance on beats",
        "scale consistency", "rests", "diversity"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="samples per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    commit = head_commit()  # first: a git failure must not cost the measurement
    set_threads(1)
    test = windows(load_chorales(progress=False), "test", unfolded=True)
    rows: dict[str, list[dict]] = {}
    for seed in args.seeds:
        idx = np.random.default_rng(seed).choice(len(test), args.n, replace=False)
        rows.setdefault("Bach (held out)", []).append(M.evaluate(test.pitch[idx], test.onset[idx]))
        for name, label in (("music_chorale_gan", "GAN"), ("music_chorale_voiced", "voice-led")):
            G = load_chorale_generator(name)[0]
            seed_everything(seed)
            z = torch.randn(args.n, G.latent_dim)
            argmax = M.evaluate(*sample_grids(G, args.n, z=z))
            rows.setdefault(f"{label}, argmax", []).append(argmax)
            for leap, step, spacing in SETTINGS:
                grids = sample_lines(G, args.n, z=z, leap_cost=leap, step_cost=step,
                                     spacing_cost=spacing)
                row = f"{label}, lines {leap:g}/{step:g}/{spacing:g}"
                rows.setdefault(row, []).append(M.evaluate(*grids))
    table = {name: {k: float(np.mean([r[k] for r in runs])) for k in KEYS}
             for name, runs in rows.items()}
    print(f"{'':28s}" + "".join(f"{k.split(' (')[0][:11]:>12s}" for k in KEYS))
    for name, row in table.items():
        print(f"{name:28s}" + "".join(f"{row[k]:12.3f}" for k in KEYS))
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "commit": commit,
                                   "samples": args.n, "seeds": args.seeds,
                                   "means": table}, indent=1) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
