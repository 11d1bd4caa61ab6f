"""Two processes against one: the images per second of ``torchrun --nproc_per_node=2`` over a
single process, on the CPU, one torch thread each, and where the second rank's time goes.

    python bench/ddp_throughput.py                      # dcgan, 400 timed steps, 5 rounds
    python bench/ddp_throughput.py --recipe chorale --steps 200 --rounds 3
    python bench/ddp_throughput.py --baseline /path/to/older/checkout   # both, side by side

Each round runs the recipe once on 1 process and once on 2 (order alternating between rounds,
so a change in the machine's load falls on both). A run builds the recipe from the registry
(:mod:`ganbook.recipes`), trains ``--warmup`` steps, then times ``--steps`` more: wall time, and
process CPU time summed over the ranks. With per-rank batch B, 2 ranks train 2B images a step,
so the ratio is ``(2 * steps * B / wall_2) / (steps * B / wall_1)``. Every collective of the
loop (:class:`ganbook.core.distributed.World`) is timed too, so the report shows how much of each
step goes to gradient averaging, buffer broadcasts and the record. Results, with the load
average before each run, go to ``bench/results/ddp_throughput.json``. With ``--baseline`` each
round also runs the library of another checkout (an older commit, in a git worktree), so a
change to the distributed loop is measured against what it replaced under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ddp_throughput.json"
COLLECTIVES = ("average_gradients", "mean_records", "mean_record", "broadcast")  # old names too


def worker(recipe: str, warmup: int, steps: int) -> None:
    """One run (under torchrun or alone) of the library on PYTHONPATH: one JSON line."""
    import torch
    import torch.distributed as dist

    from ganbook.core.distributed import World
    from ganbook.core.profiles import get_profile
    from ganbook.recipes import build

    spent = dict.fromkeys(COLLECTIVES, 0.0)

    def timed(name, method):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return wrapper

    for name in COLLECTIVES:
        if hasattr(World, name):  # a baseline checkout may name them otherwise
            setattr(World, name, timed(name, getattr(World, name)))
    loop = build(recipe, get_profile("cpu"), torch.device("cpu"))
    loop.fit(warmup, progress=False)
    for name in spent:
        spent[name] = 0.0
    cpu, start = time.process_time(), time.perf_counter()
    loop.fit(warmup + steps, progress=False)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    world = dist.get_world_size() if dist.is_initialized() else 1
    totals = torch.tensor([cpu, *spent.values()], dtype=torch.float64)
    if world > 1:
        dist.all_reduce(totals)
    if world == 1 or dist.get_rank() == 0:
        images = steps * loop.batch_size * world
        print("RESULT " + json.dumps({
            "ranks": world, "wall_s": wall, "images": images, "images_per_s": images / wall,
            "cpu_s_per_image": float(totals[0]) / images,
            # mean over ranks of each collective's share of the timed wall time
            "share": {k: float(v) / world / wall for k, v in zip(spent, totals[1:])},
        }), flush=True)
    if world > 1:
        dist.destroy_process_group()


def run(ranks: int, args, library: Path = ROOT) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GANBOOK_THREADS": "1", "TQDM_DISABLE": "1",
           "PYTHONPATH": str(library)}
    me = [str(Path(__file__).resolve()), "--worker", "--recipe", args.recipe,
          "--warmup", str(args.warmup), "--steps", str(args.steps)]
    if ranks == 1:
        cmd = [sys.executable, *me]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={ranks}", *me]
    load = os.getloadavg()[0]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode or line is None:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return {**json.loads(line[len("RESULT "):]), "load_before": load}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="dcgan")
    parser.add_argument("--steps", type=int, default=400, help="timed steps a run")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure beside")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.worker:
        worker(args.recipe, args.warmup, args.steps)
        return 0
    from ganbook.pages.records import head_commit  # here: workers may run an older library

    commit = head_commit()  # first: a git failure must not cost the measurement
    libraries = {"this": ROOT} | ({"baseline": args.baseline} if args.baseline else {})
    rounds = []
    for r in range(args.rounds):
        order = (1, 2) if r % 2 == 0 else (2, 1)
        for which, library in libraries.items():
            got = {n: run(n, args, library) for n in order}
            ratio = got[2]["images_per_s"] / got[1]["images_per_s"]
            cpu = got[2]["cpu_s_per_image"] / got[1]["cpu_s_per_image"]
            rounds.append({"library": which, "one": got[1], "two": got[2], "ratio": ratio,
                           "cpu_ratio": cpu})
            share = ", ".join(f"{k} {v:.0%}" for k, v in got[2]["share"].items())
            print(f"round {r + 1} ({which}): 2 ranks / 1 = {ratio:.2f}x images/s; CPU per "
                  f"image {cpu:.2f}x; 2-rank time in collectives: {share}; load before "
                  f"{got[1]['load_before']:.2f}/{got[2]['load_before']:.2f}", flush=True)
    summary = {}
    for which in libraries:
        ratios = [r["ratio"] for r in rounds if r["library"] == which]
        summary[which] = {"median": statistics.median(ratios), "best": max(ratios),
                          "worst": min(ratios)}
        print(f"{which}: 2 ranks / 1 median {summary[which]['median']:.2f}x, best "
              f"{summary[which]['best']:.2f}x, worst {summary[which]['worst']:.2f}x over "
              f"{len(ratios)} rounds ({args.recipe}, {args.steps} steps, {os.cpu_count()} cores)")
    args.out.write_text(json.dumps({
        "recipe": args.recipe, "steps": args.steps, "cores": os.cpu_count(), "commit": commit,
        "date": time.strftime("%Y-%m-%d"), "baseline": str(args.baseline or ""),
        "summary": summary, "rounds": rounds,
    }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
