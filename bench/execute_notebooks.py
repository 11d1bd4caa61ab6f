"""Execute the book's notebooks in parallel into the build's execution cache, so that
``jupyter-book build`` (``execute_notebooks: cache`` in ``_config.yml``) reads their outputs
instead of running them one after another.

    python bench/execute_notebooks.py [--cache _build/.jupyter_cache] [--timeout 900]

``make book`` runs it first. jupyter-cache's ``local-parallel`` executor runs one kernel per
core, each in its notebook's folder, with this process's environment (``GANBOOK_PROFILE`` and
the rest). A notebook already cached with the same code is not run again; a notebook that
fails is not cached, so the book build runs it again and shows where it failed. The cache
does not know the library's code: the Makefile empties it when ``ganbook/`` or the profile
changes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganbook.student import toc_notebooks  # noqa: E402

TIMES = ROOT / "bench" / "results" / "notebook_times.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    parser.add_argument("--timeout", type=int, default=900, help="seconds a cell may take")
    args = parser.parse_args()
    cache = get_cache(str(args.cache))
    # longest first (bench/results/notebook_times.json), so no core waits on a late long one
    times = json.loads(TIMES.read_text()).get(os.environ.get("GANBOOK_PROFILE", "cpu"), {}) \
        if TIMES.exists() else {}
    seconds = times.get("seconds", {})
    paths = sorted((str(ROOT / p) for p in toc_notebooks(ROOT)),
                   key=lambda p: -seconds.get(os.path.relpath(p, ROOT), 0))
    for path in paths:
        cache.add_nb_to_project(path)
    start = time.perf_counter()
    result = load_executor("local-parallel", cache).run_and_cache(
        filter_uris=paths, timeout=args.timeout, allow_errors=False)
    print(f"{len(result.succeeded)} notebook(s) executed, {len(result.excepted)} failed, "
          f"{len(result.errored)} could not run, in {time.perf_counter() - start:.0f} s "
          f"(the others were cached); the book build reruns any that failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
