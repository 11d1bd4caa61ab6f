"""The speed benchmarks run end to end at a tiny size (their figures are read elsewhere)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_bench(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True, text=True, timeout=300, check=True,
    )
    return done.stdout


def test_trainer_overhead_prints_ratios_and_syncs():
    out = run_bench("trainer_overhead.py", "--rounds", "1", "--steps", "5")
    assert "ratio to bare" in out and "host syncs per step" in out
    syncs = out.strip().splitlines()[-1].split()[-4:]
    assert [float(s) for s in syncs][:2] == [2.0, 2.0], "sync_every=1: one read per update"


def test_gpu_step_times_every_mode():
    out = run_bench(
        "gpu_step.py", "--no-compile", "--rounds", "1", "--steps", "2",
        "--width", "8", "--batch", "8",
    )
    for mode in ("fp32", "bf16", "fp16 + scaler", "channels_last"):
        assert mode in out
    assert "False" not in out, "every mode's losses stayed finite"
