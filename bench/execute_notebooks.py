"""Execute the book's notebooks in parallel into the build's execution cache, so that
``jupyter-book build`` (``execute_notebooks: cache`` in ``_config.yml``) reads their outputs
instead of running them one after another.

    python bench/execute_notebooks.py [--cache _build/.jupyter_cache] [--timeout 900]
                                      [--executed _build/nbval]

``make book`` runs it first. jupyter-cache's ``local-parallel`` executor runs one kernel per
core, each in its notebook's folder, with this process's environment (``GANBOOK_PROFILE`` and
the rest). A notebook already cached with the same code is not run again; a notebook that
fails is not cached, so the book build runs it again and shows where it failed. The cache
does not know the library's code: the Makefile empties it when ``ganbook/`` or the profile
changes.

``--executed DIR`` first caches the notebooks nbval has just run (``make test`` passes
``--nb-executed DIR`` to it; see ``conftest.py``), so the book CI builds shows nbval's outputs
and no notebook runs twice. A notebook there is taken only if its code is the notebook's code
now and it ran under this process's profile, float path, seed and library
(``GANBOOK_LIBRARY_KEY``); any other runs here as usual.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors import load_executor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganbook.exercises.student import toc_notebooks  # noqa: E402

# What decides a notebook's outputs besides its code: conftest.py records these with each
# notebook nbval ran, and a notebook is taken only if they equal this process's.
RUN_ENV = ("GANBOOK_PROFILE", "ATEN_CPU_CAPABILITY", "GANBOOK_SEED", "GANBOOK_LIBRARY_KEY")

TIMES = ROOT / "bench" / "results" / "notebook_times.json"


def cache_executed(cache, folder: Path, paths: list[str]) -> list[str]:
    """Cache each notebook nbval ran (``folder``) that matches the book's; their paths."""
    taken = []
    for path in paths:
        executed = folder / os.path.relpath(path, ROOT)
        if not executed.exists():
            continue
        nb = nbformat.read(executed, as_version=4)
        run = nb.metadata.get("ganbook_executed", {})
        same_run = all(run.get(name) == os.environ.get(name, "") for name in RUN_ENV)
        # the cache's own key (code cells, their metadata, the kernel): what the build matches
        same_code = (cache.create_hashed_notebook(nb)[1]
                     == cache.create_hashed_notebook(nbformat.read(path, as_version=4))[1])
        if not (same_run and same_code):
            print(f"not taken from {folder.name}/ (other code or run): {executed}")
            continue
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, path, data={"execution_seconds": run["seconds"]}),
            check_validity=False, overwrite=True)
        taken.append(path)
    return taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    parser.add_argument("--timeout", type=int, default=900, help="seconds a cell may take")
    parser.add_argument("--executed", type=Path, default=None,
                        help="folder of notebooks nbval ran (pytest --nb-executed)")
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
    if args.executed:
        taken = cache_executed(cache, args.executed, paths)
        print(f"{len(taken)} notebook(s) taken from nbval's run ({args.executed})", flush=True)
    start = time.perf_counter()
    result = load_executor("local-parallel", cache).run_and_cache(
        filter_uris=paths, timeout=args.timeout, allow_errors=False)
    print(f"{len(result.succeeded)} notebook(s) executed, {len(result.excepted)} failed, "
          f"{len(result.errored)} could not run, in {time.perf_counter() - start:.0f} s "
          f"(the others were cached); the book build reruns any that failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
