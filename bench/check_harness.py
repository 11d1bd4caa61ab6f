"""Prove that the notebooks' check cells can fail: run them with every model at its starting point.

Usage:
    python bench/check_harness.py                  # every notebook under book/
    python bench/check_harness.py book/text/*.ipynb

Each notebook runs under the ``test`` profile with ``GANBOOK_STARTING_POINT=1``: every
optimizer step is skipped (each network stays as it was built or loaded) and shipped
*results* (trained generators, the trained language models) load as freshly initialised
networks of the same shape; measuring instruments (the digit classifier) load as usual.
A check cell (a code cell with an ``assert``) must then raise ``AssertionError``.

A check about a model fine-tuned from shipped weights (a text GAN that starts from the
shipped MLE model) is tagged ``check-finetune``: its notebook runs a second time with the
shipped weights loaded and only the updates skipped, and the check must fail there too.
A check that is not about a trained model (a property of the data, of the maths or of the
code) is tagged ``check-without-model`` and is only reported. The script prints one row
per check cell and exits 1 if any check about a model passed at its starting point, or if a
check cell broke (raised another error, not after an earlier cell's: that proves nothing
about its assertion).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
EXEMPT = "check-without-model"
FINETUNE = "check-finetune"


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def is_check(cell) -> bool:
    tags = cell.metadata.get("tags", [])
    return cell.cell_type == "code" and "assert " in cell.source and "raises-exception" not in tags


def book_notebooks() -> list[str]:
    """Every notebook under book/, sorted (checkpoint copies left out)."""
    return sorted(str(p) for p in (ROOT / "book").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def execute(nb, path: str, timeout: int = 600) -> float:
    """Run ``nb`` (read from ``path``) in a fresh kernel in its folder, past any error; seconds.
    The kernel gets 300 s to start (nbclient's 60 s once ran out on a loaded shared machine)."""
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, startup_timeout=300, kernel_name="python3",
                   allow_errors=True, resources={"metadata": {"path": str(Path(path).parent)}}
                   ).execute()
    return time.perf_counter() - start


def cell_error(cell) -> dict | None:
    """The first error a code cell raised (its ``ename`` and ``evalue``), or None."""
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def run_notebook(job: tuple[str, str]) -> tuple[str, str, list[tuple[int, str, str]], float]:
    """Execute one notebook at a starting point (``untrained`` or ``pretrained``).

    Returns (path, mode, [(cell index, outcome, detail)], seconds).
    """
    path, mode = job
    os.environ["GANBOOK_STARTING_POINT"] = "1" if mode == "untrained" else "pretrained"
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path)
    rows = []
    first_error = next((i for i, c in enumerate(nb.cells) if cell_error(c)), None)
    for index, cell in enumerate(nb.cells):
        if not is_check(cell) or (mode == "pretrained" and FINETUNE not in tags(cell)):
            continue
        error = cell_error(cell)
        detail = (error["evalue"] or "").split("\n")[0][:80] if error else ""
        if EXEMPT in tags(cell):  # not about a model: only reported
            rows.append((index, "exempt (failed)" if error else "exempt (passed)", detail))
        elif not error:
            rows.append((index, "PASSED", ""))
        elif error["ename"] == "AssertionError":
            rows.append((index, "caught", detail))
        elif first_error is not None and first_error < index:  # a name an earlier error left
            rows.append((index, f"after cell {first_error}: {error['ename']}", detail))
        else:
            rows.append((index, f"broke: {error['ename']}", detail))
    return path, mode, rows, seconds


def model_check_notebooks(paths: list[str]) -> list[str]:
    """The notebooks with a check cell about a model (one not tagged ``check-without-model``):
    running the others at a starting point could prove nothing."""
    return [p for p in paths
            if any(is_check(c) and EXEMPT not in tags(c)
                   for c in nbformat.read(p, as_version=4).cells)]


def finetune_notebooks(paths: list[str]) -> list[str]:
    """The notebooks with a check about a fine-tuned model."""
    return [p for p in paths
            if any(FINETUNE in tags(c) for c in nbformat.read(p, as_version=4).cells)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: all under book/)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    paths = args.notebooks or book_notebooks()
    # MPLBACKEND=agg: the harness reads no figure, and not drawing them (the inline
    # backend's PNGs) saves about a tenth of its time.
    os.environ.update(GANBOOK_PROFILE="test", OMP_NUM_THREADS="1", TQDM_DISABLE="1",
                      GANBOOK_STATIC="1", MPLBACKEND="agg")
    checked = model_check_notebooks(paths)
    for path in sorted(set(paths) - set(checked)):
        print(f"{os.path.relpath(path, ROOT)}  not run: no check cell about a model")
    jobs = [(p, "untrained") for p in checked]
    jobs += [(p, "pretrained") for p in finetune_notebooks(checked)]
    failed = 0
    with ProcessPoolExecutor(args.workers) as pool:
        for path, mode, rows, seconds in pool.map(run_notebook, jobs):
            name = os.path.relpath(path, ROOT)
            print(f"{name}  [{mode}]  ({seconds:.0f} s)", flush=True)
            for index, outcome, detail in rows:
                print(f"    cell {index:3d}  {outcome:18s} {detail}", flush=True)
                failed += outcome == "PASSED" or outcome.startswith("broke")
            if not rows:
                print("    no check cells")
    print(f"{failed} check cell(s) passed or broke (raised something other than an "
          f"AssertionError) at the starting point")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
