"""Record the results files the pages show (``make results``): run each notebook (and each bench
script, for sweeps a page cannot run) that calls ``record_results`` under the `cpu` profile, two
at a time, with ``$GANBOOK_RECORD`` pointing at ``ganbook/results``. Commit the code first
(recording refuses uncommitted code), then the files.

    python bench/record_results.py                      # everything that records
    python bench/record_results.py book/applications/02_inpainting.ipynb bench/two_player_seeds.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from check_harness import book_notebooks, cell_error, execute  # noqa: E402

from ganbook.pages.records import RECORD_VAR, SHIPPED, SOURCE_VAR  # noqa: E402


def recording_sources() -> list[str]:
    """Every book notebook with a code cell that calls ``record_results``, and every bench script
    that does."""
    found = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "bench").glob("*.py"))
             if p.name != Path(__file__).name and "record_results(" in p.read_text()]
    for path in map(Path, book_notebooks()):
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and "record_results(" in c.source for c in nb.cells):
            found.append(str(path.relative_to(ROOT)))
    return found


def run(path: str) -> tuple[str, float, str]:
    """Run one notebook or script under `cpu` with recording on; (path, seconds, error or '')."""
    os.environ.update({"GANBOOK_PROFILE": "cpu", RECORD_VAR: str(SHIPPED), SOURCE_VAR: path,
                       "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1", "GANBOOK_STATIC": "1"})
    if path.endswith(".py"):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, str(ROOT / path)], capture_output=True, text=True)
        return path, time.perf_counter() - start, out.stderr[-300:] if out.returncode else ""
    nb = nbformat.read(ROOT / path, as_version=4)
    seconds = execute(nb, str(ROOT / path), timeout=1200)
    error = next((e for e in map(cell_error, nb.cells) if e), None)
    return path, seconds, f"{error['ename']}: {error['evalue']}"[:300] if error else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks or bench scripts (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    paths = [str(Path(p).resolve().relative_to(ROOT)) for p in args.notebooks] \
        or recording_sources()
    failed = 0
    with ProcessPoolExecutor(args.workers) as pool:
        for path, seconds, error in pool.map(run, paths):
            print(f"{path}: {seconds:.0f} s" + (f", FAILED: {error}" if error else ""), flush=True)
            failed += bool(error)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
