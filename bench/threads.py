"""How many CPU threads suit the book's models: one thread against one per core, on an idle
machine and on one whose cores are all busy with something else.

    python bench/threads.py [--steps 300] [--repeats 2]

Each run is a fresh process training the ``dcgan`` recipe (``python -m ganbook train``'s
build) for ``--steps`` steps with ``GANBOOK_THREADS`` set; the busy machine is simulated by
one spinning process per core. Prints a table and writes ``bench/results/threads.json``.
``ganbook.core.profiles.profile_threads`` picks 1 thread for the ``test`` and ``cpu`` profiles.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "threads.json"
WORKLOAD = """
import time, torch
from ganbook.core.profiles import get_profile
from ganbook.recipes import build
loop = build("dcgan", get_profile("cpu"), torch.device("cpu"))
start = time.perf_counter()
loop.fit({steps}, progress=False)
print(time.perf_counter() - start, torch.get_num_threads())
"""


def spin() -> None:
    while True:
        pass


def timed_run(threads: int, steps: int) -> tuple[float, int]:
    env = {**os.environ, "GANBOOK_THREADS": str(threads), "PYTHONPATH": str(ROOT)}
    env.pop("OMP_NUM_THREADS", None)
    out = subprocess.run([sys.executable, "-c", WORKLOAD.format(steps=steps)], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from ganbook.pages.records import head_commit  # the parent alone needs the library

    commit = head_commit()  # first: a git failure must not cost the measurement
    cores = os.cpu_count() or 1
    choices = sorted({1, cores})
    rows = {}
    for machine in ("idle", "busy"):
        spinners = [mp.Process(target=spin, daemon=True) for _ in range(cores if machine == "busy"
                                                                          else 0)]
        for s in spinners:
            s.start()
        try:
            times = {n: [] for n in choices}
            for _ in range(args.repeats):
                for n in choices:  # alternate, so drift in the machine's load hits both
                    seconds, used = timed_run(n, args.steps)
                    assert used == n, (used, n)
                    times[n].append(seconds)
        finally:
            for s in spinners:
                s.terminate()
        rows[machine] = {f"{n} thread(s)": min(t) for n, t in times.items()}
        print(f"{machine:5s} " + "  ".join(f"{k}: {v:6.1f} s" for k, v in rows[machine].items()),
              flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "commit": commit,
                                   "cores": cores, "steps": args.steps,
                                   "best of": args.repeats, "seconds": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
