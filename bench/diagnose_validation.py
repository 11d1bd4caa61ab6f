"""The GAN doctor on more seeds, and on toy runs its thresholds were *not* set on.

    python bench/diagnose_validation.py            # 5 seeds, 600 steps a run (~5 min)
    python bench/diagnose_validation.py --seeds 3 --steps 300

Part one repeats the FAQ page's validation (:func:`ganbook.beyond.clinic.validate`) on more seeds.
Part two runs held-out variants: other learning rates, losses and step counts than the
clinic's cases, each with the symptom it should (or should not) show, and prints the same
counts. ``make results`` records them (5 seeds) as ``ganbook/results/doctor_validation.json``,
which the FAQ page shows.
"""
from __future__ import annotations

import argparse
import os
import time

import torch

from ganbook import record_results
from ganbook.beyond.clinic import patient, validate
from ganbook.beyond.diagnose import diagnose
from ganbook.pages.records import SOURCE_VAR

# name: (settings, the symptom it must show, or None for a healthy run)
HELD_OUT = {
    "healthy lr 5e-4": ({"lr_d": 5e-4, "lr_g": 5e-4}, None),
    "hinge, lr_d 2x lr_g": ({"loss": "hinge", "lr_d": 2e-3, "lr_g": 1e-3}, None),
    "least-squares lr 5e-4": ({"loss": "least-squares", "lr_d": 5e-4, "lr_g": 5e-4}, None),
    "non-saturating, strong D": ({"lr_d": 3e-3, "lr_g": 1e-4, "d_steps": 3},
                                 "discriminator-wins"),
    "lr 5e-2": ({"lr_d": 5e-2, "lr_g": 5e-2}, "oscillation"),
    "lr_g 10x lr_d": ({"lr_d": 5e-4, "lr_g": 5e-3}, "mode-collapse"),
    "wgan, 1 D step, lr 5e-3": ({"loss": "wgan", "lr_d": 5e-3, "lr_g": 5e-3},
                                "exploding-critic"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=600)
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.environ.setdefault("GANBOOK_PROFILE", "cpu")
    os.environ[SOURCE_VAR] = "bench/diagnose_validation.py"
    seeds = tuple(range(args.seeds))
    start = time.perf_counter()
    tuned = validate(args.steps, seeds)
    print(f"tuned cases, {len(seeds)} seeds, {args.steps} steps a run:")
    for case, row in tuned.rows().items():
        print(f"  {case:>14}: named {row['named it']:>5}, flagged {row['flagged']:>5}, "
              f"saw {row['symptoms seen']}")
    print(f"  hit rate {tuned.hit_rate:.0%}, false-alarm rate {tuned.false_alarm_rate:.0%}")
    held: dict[str, dict] = {}
    hits = alarms = broken = healthy = 0
    for name, (settings, want) in HELD_OUT.items():
        verdicts = [diagnose(patient(name, args.steps, s, settings=settings)).symptoms
                    for s in seeds]
        if want is None:
            flagged = sum(bool(v) for v in verdicts)
            alarms, healthy = alarms + flagged, healthy + len(verdicts)
        else:
            flagged = sum(want in v for v in verdicts)
            hits, broken = hits + flagged, broken + len(verdicts)
        seen = sorted({x for v in verdicts for x in v})
        held[name] = {"expected": want or "none", "count": flagged, "runs": len(verdicts),
                      "seen": seen}
        print(f"  held out {name:>26}: {'named' if want else 'flagged'} "
              f"{flagged}/{len(verdicts)}, saw {', '.join(seen) or 'none'}")
    print(f"  held-out hit rate {hits}/{broken}, false alarms {alarms}/{healthy}")
    seconds = time.perf_counter() - start
    print(f"{seconds:.0f} s")
    totals = {"tuned": {"seeds": len(seeds), "steps": args.steps,
                        "hit rate": tuned.hit_rate, "false-alarm rate": tuned.false_alarm_rate},
              "held out": {"hits": hits, "broken runs": broken, "false alarms": alarms,
                           "healthy runs": healthy, "seconds": seconds}}
    held_rows = {name: {**row, "seen": ", ".join(row["seen"]) or "none"}
                 for name, row in held.items()}
    print("recorded:", record_results("doctor_validation", {
        "tuned": tuned.rows(), "held out": held_rows, "totals": totals}))

if __name__ == "__main__":
    main()
