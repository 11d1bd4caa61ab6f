"""Execute every notebook of the book on the ``gpu`` profile's code path, on a CPU, in minutes.

Usage:
    python bench/gpu_smoke.py                       # every chapter in _toc.yml
    python bench/gpu_smoke.py --workers 2 book/image/01_dcgan_digits.ipynb

Each notebook runs in a fresh kernel under ``GANBOOK_PROFILE=gpu`` and the smoke mode
(``GANBOOK_SMOKE=N``, default 2: every fit trains at most N steps, sample counts are capped at
a few hundred; see :mod:`ganbook.core.profiles`), with CUDA hidden, one torch thread per kernel.
The run catches the shape, device and configuration errors of the Colab path; its numbers
mean nothing. Models are barely trained, so a check cell (``bench/check_harness.py``'s
definition) may fail with ``AssertionError``: that is expected and only counted. Any other
error, and an ``AssertionError`` outside a check cell, is a failure, reported with the
notebook, the cell index and the error line. Exits 1 if any notebook failed. The few notebooks
whose code reads a longer history than N steps (``MIN_STEPS``) get the steps they need.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from check_harness import is_check, tags  # bench/ is on sys.path: a sibling script
from nbclient import NotebookClient

from ganbook.exercises.student import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
EXPECTS_ERROR = "raises-exception"
# Notebooks whose code needs a longer history than --steps gives it (at least this many steps)
MIN_STEPS = {
    "book/image/02_loss_zoo.ipynb": 134,  # smooths each loss curve over windows of steps // 30
    "book/beyond/faq.ipynb": 40,  # ganbook.diagnose reads at least 40 steps of a run
}


def smoke_env(steps: int, device: str = "cpu") -> dict[str, str]:
    """The environment of a smoke run: the gpu profile, capped, on ``device`` (CUDA hidden
    on the CPU, so nothing can pick it up behind ganbook's back)."""
    env = {
        "GANBOOK_PROFILE": "gpu",
        "GANBOOK_SMOKE": str(steps),
        "GANBOOK_DEVICE": device,
        "OMP_NUM_THREADS": "1",
        "TQDM_DISABLE": "1",
        "GANBOOK_STATIC": "1",
    }
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def classify(cells: list) -> tuple[list[tuple[int, str, str]], int]:
    """Sort the errors of executed ``cells``: ``([(index, name, line)] failures, expected)``.

    Expected: any error in a cell tagged ``raises-exception``, an ``AssertionError`` in a
    check cell. Everything else fails the notebook.
    """
    failures, expected = [], 0
    for index, cell in enumerate(cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") != "error":
                continue
            if EXPECTS_ERROR in tags(cell) or (out["ename"] == "AssertionError"
                                               and is_check(cell)):
                expected += 1
                continue
            line = (out.get("evalue") or "").strip().split("\n")[0][:120]
            failures.append((index, out["ename"], line))
    return failures, expected


def run(job: tuple[str, int, str, int, str]) -> tuple[str, float, list[tuple[int, str, str]], int]:
    """Execute one notebook in smoke mode; return (path, seconds, failures, expected errors).

    With ``keep`` (a folder), the executed notebook is saved there, to read its tracebacks.
    """
    path, steps, device, timeout, keep = job
    os.environ.update(smoke_env(steps, device))
    nb = nbformat.read(ROOT / path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str((ROOT / path).parent)}})
    died = []
    try:
        client.execute()
    except Exception as err:  # a dead kernel or a timeout: report it and go on
        text = str(err).strip().splitlines()
        died = [(-1, type(err).__name__, (text[-1] if text else repr(err))[:120])]
    seconds = time.perf_counter() - start
    if keep:
        Path(keep, path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(keep, path))
    failures, expected = classify(nb.cells)
    return path, seconds, failures + died, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in _toc.yml")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--steps", type=int, default=2, help="GANBOOK_SMOKE: steps per fit")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"),
                        help="cpu (default; CUDA hidden) or cuda, on a machine with a GPU")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--keep", default="", help="a folder to save the executed notebooks in")
    args = parser.parse_args()
    if args.workers < 1 or args.steps < 1:
        parser.error("--workers and --steps must be positive")
    paths = ([os.path.relpath(Path(p).resolve(), ROOT) for p in args.notebooks]
             or toc_notebooks(ROOT))
    print(f"gpu profile, smoke mode (GANBOOK_SMOKE={args.steps}), on {args.device}: "
          f"{len(paths)} notebooks, {args.workers} at a time", flush=True)
    start, failed = time.perf_counter(), []
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [(p, max(args.steps, MIN_STEPS.get(p, 0)), args.device, args.timeout, args.keep)
                for p in paths]
        for (path, steps, *_), (_, seconds, failures, expected) in zip(jobs, pool.map(run, jobs)):
            status = "FAILED" if failures else "ok"
            longer = f", {steps} steps a fit" if steps != args.steps else ""
            print(f"{seconds:7.1f} s  {status:6s}  {path}  "
                  f"({expected} expected check failure(s){longer})", flush=True)
            for index, name, line in failures[:1]:  # the later ones are mostly its echoes
                where = f"cell {index}" if index >= 0 else "kernel"
                print(f"           {where}: {name}: {line}", flush=True)
            if len(failures) > 1:
                print(f"           (+{len(failures) - 1} later error(s))", flush=True)
            if failures:
                failed.append(path)
    total = time.perf_counter() - start
    print(f"total {total:.0f} s ({total / 60:.1f} min) for {len(paths)} notebooks, "
          f"{args.workers} worker(s); {len(failed)} failed" + (": " + ", ".join(failed)
                                                               if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
