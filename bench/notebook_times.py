"""Time every notebook of the book under one profile; the instructor guide quotes the figures.

Usage:
    python bench/notebook_times.py --profile test            # every chapter in _toc.yml
    python bench/notebook_times.py --profile cpu book/image/01_dcgan_digits.ipynb
    python bench/notebook_times.py --profile cpu --from-cache _build/.jupyter_cache \
        --commit abc1234 --note "make book from a fresh clone, two at a time"

Each notebook runs in a fresh kernel with one torch thread (as the book build runs them),
one at a time unless ``--workers`` says otherwise (parallel runs share the CPU: their times
are upper bounds; the 1-minute load average before and after each is recorded beside it,
with its three slowest cells).
Seconds per notebook are merged into ``bench/results/notebook_times.json``
under the profile's name, with the date, the machine's core count and the commit; the file
is rewritten after each notebook, so an interrupted run keeps what it measured. Timing only
some notebooks keeps the table's date and commit and lists theirs under ``retimed``.

``--from-cache`` runs nothing: it records the execution times that ``make book`` (its
jupyter-cache, two notebooks at a time) measured, with ``--commit`` naming the commit built,
under "PROFILE (make book)", beside the profile's own table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from ganbook.exercises.student import toc_notebooks
from ganbook.pages.records import head_commit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "notebook_times.json"


def slowest_cells(nb: nbformat.NotebookNode, n: int = 3) -> list[list]:
    """The ``n`` code cells that took longest, as ``[index, seconds, first line]``, from the
    times nbclient stamps on each cell: where to look first when a notebook is slow."""
    times = []
    for index, cell in enumerate(nb.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            seconds = (datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.datetime.fromisoformat(start.replace("Z", "+00:00")))
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            times.append([index, round(seconds.total_seconds(), 1), first[:60]])
    return sorted(times, key=lambda row: -row[1])[:n]


def run(path: str) -> tuple[str, float, str, list[float], list[list]]:
    """Execute one notebook; return (path, seconds, '' or the error's first line, the 1-minute
    load average before and after, its slowest cells)."""
    nb = nbformat.read(ROOT / path, as_version=4)
    load = [round(os.getloadavg()[0], 2)]
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str((ROOT / path).parent)}}).execute()
        error = ""
    except Exception as err:  # report and go on: one broken notebook should not hide the rest
        error = str(err).strip().splitlines()[-1][:100] if str(err).strip() else repr(err)
    seconds = time.perf_counter() - start
    return path, seconds, error, load + [round(os.getloadavg()[0], 2)], slowest_cells(nb)


def cached_times(cache: Path) -> dict[str, float]:
    """Seconds per notebook of the book (repository-relative path) that jupyter-cache
    recorded; the newest record of each, where a cache holds several."""
    from jupyter_cache import get_cache

    wanted, times = set(toc_notebooks()), {}
    for record in sorted(get_cache(str(cache)).list_cache_records(), key=lambda r: r.created):
        path = os.path.relpath(record.uri, record.uri[: record.uri.rindex("/book/") + 1])
        if path in wanted:
            times[path] = round(record.data["execution_seconds"], 1)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in _toc.yml")
    parser.add_argument("--profile", required=True, choices=("test", "cpu", "gpu"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--from-cache", type=Path, help="record a make book's times instead")
    parser.add_argument("--commit", help="with --from-cache: the commit that was built")
    parser.add_argument("--note", help="how the times were taken (load, parallel runs)")
    args = parser.parse_args()
    commit = head_commit()  # first: a git failure must not cost the measurement
    if args.from_cache:  # its own entry: the one-at-a-time table of the profile stays
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        key = f"{args.profile} (make book)"
        results[key] = {
            "seconds": cached_times(args.from_cache), "date": datetime.date.today().isoformat(),
            "cores": os.cpu_count(), "workers": 2, "commit": args.commit or "unknown",
            **({"note": args.note} if args.note else {}),
        }
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(results[key]['seconds'])} times to "
              f"{os.path.relpath(RESULTS, ROOT)}")
        return 0
    os.environ.update(GANBOOK_PROFILE=args.profile, OMP_NUM_THREADS="1", TQDM_DISABLE="1",
                      GANBOOK_STATIC="1")
    paths = [os.path.relpath(Path(p).resolve(), ROOT) for p in args.notebooks] or toc_notebooks()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.notebooks:  # every notebook: nothing of an earlier measurement survives
        results[args.profile] = {"seconds": {}}
    entry = results.setdefault(args.profile, {"seconds": {}})
    entry.pop("note", None)  # a note described the earlier run
    # some notebooks again: the table keeps its date, commit and workers, and names each
    # re-timed notebook's commit under "retimed"
    retiming = bool(args.notebooks and entry.get("commit"))
    if not retiming:
        entry.pop("retimed", None)
        entry.update(date=datetime.date.today().isoformat(), commit=commit,
                     cores=os.cpu_count(), workers=args.workers)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    failed = 0
    with ProcessPoolExecutor(args.workers) as pool:
        for path, seconds, error, load, cells in pool.map(run, paths):
            print(f"{seconds:7.1f} s  {path}  (load {load[0]} -> {load[1]})  {error}", flush=True)
            if error:
                failed += 1
                continue
            entry["seconds"][path] = round(seconds, 1)
            if retiming:
                entry.setdefault("retimed", {})[path] = commit
            entry.setdefault("load", {})[path] = load  # a busy machine's times are upper bounds
            entry.setdefault("slowest_cells", {})[path] = cells
            # written after every notebook: an interrupted run keeps what it measured
            RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"wrote {os.path.relpath(RESULTS, ROOT)} ({failed} failed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
