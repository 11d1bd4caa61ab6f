"""The narrow ring over several seeds (book/foundations/two_player_game, "Mode collapse"):
non-saturating against saturating, with the page's recipe, 1,000 steps x 5 seeds and 3,000 steps
x 3 seeds. Recorded as ganbook/results/two_player_seeds.json (``make results``), which the page
shows; a few minutes on one core.

    GANBOOK_PROFILE=cpu GANBOOK_RECORD=ganbook/results python bench/two_player_seeds.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganbook import record_results  # noqa: E402
from ganbook.foundations import mode_coverage, ring_2d, toy_gan  # noqa: E402
from ganbook.pages.records import SOURCE_VAR  # noqa: E402

RUNS = [(1000, seed) for seed in range(5)] + [(3000, seed) for seed in range(3)]
LOSSES = {"non-saturating": "NS", "saturating": "sat"}


def main() -> None:
    os.environ.setdefault("GANBOOK_PROFILE", "cpu")
    os.environ[SOURCE_VAR] = str(Path(__file__).resolve().relative_to(ROOT))
    narrow = ring_2d(n_modes=8, radius=2.0, std=0.02)  # the page's narrow ring
    rows = {}
    for steps, seed in RUNS:
        start, row = time.perf_counter(), {"steps": steps, "seed": seed}
        for loss, short in LOSSES.items():
            trainer = toy_gan(narrow, loss, latent_dim=2, seed=seed)
            trainer.fit(steps, progress=False)
            ema = mode_coverage(trainer.generate(4000), narrow)
            raw = mode_coverage(trainer.generate(4000, ema=False), narrow)
            row |= {f"{short} modes (EMA)": int(ema.modes_hit),
                    f"{short} high quality (EMA)": float(ema.high_quality),
                    f"{short} modes (raw)": int(raw.modes_hit)}
        rows[f"{steps} steps, seed {seed}"] = row
        print(f"{steps} steps, seed {seed}: {row} ({time.perf_counter() - start:.0f} s)",
              flush=True)
    print("recorded:", record_results("two_player_seeds", {"narrow ring": rows}))


if __name__ == "__main__":
    main()
