"""Prove that every check cell holds on every CPU float path and seed, and measure its margin.

Usage:
    python bench/check_robustness.py                        # every notebook, profile test
    python bench/check_robustness.py --profile cpu --comparisons   # the cpu two-arm checks
    python bench/check_robustness.py book/text/02_seqgan.ipynb --seeds 0 1 2 3 4
    python bench/check_robustness.py book/image/02_loss_zoo.ipynb --profile cpu \
        --keep-executed /tmp/sweep       # and keep the executed notebooks, to read their tables

Each notebook runs once per (CPU capability, seed): ``ATEN_CPU_CAPABILITY`` picks torch's
vector kernels (``default``, ``avx2``, ``avx512`` where the processor has them; each rounds
differently), and ``GANBOOK_SEED`` offsets every ``seed_everything`` call, so a short GAN run
takes another chaotic path. Before running, every ``assert`` of a check cell is rewritten so
that each comparison in it (``a < b``, ``lo < x < hi``, the parts of an ``and``) also records
its margin: how far the two sides are apart, absolute and relative to the larger one, positive
when the check holds. The table lists each check cell's pass rate over all runs of its
current source and its smallest margin; the same rows go to
``bench/results/check_robustness.json`` under the profile's name, each run with the commit
that measured it and each check cell's source fingerprint, so that an edited check shows as
unmeasured (:func:`unswept`; a rerun replaces the earlier runs of the same notebook,
capability and seed, and keeps the others). Exit status 1 if any check failed anywhere.
"""
from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import inspect
import json
import os
import platform
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from check_harness import book_notebooks, cell_error, execute, is_check, tags

from ganbook.pages.records import head_commit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "check_robustness.json"
# Under `cpu` a full sweep takes hours: these notebooks hold the checks that compare two
# trained arms (DiffAugment against plain, a text GAN against the MLE model it started from,
# the non-saturating against the saturating loss, CycleGAN's ablations), the ones a seed or
# float path can flip.
COMPARISONS = [
    "book/image/04_portraits.ipynb",
    "book/applications/04_cyclegan.ipynb",
    "book/text/02_seqgan.ipynb",
    "book/text/03_gumbel_gan.ipynb",
    "book/foundations/two_player_game.ipynb",
]


def record_comparison(key, ops, operands):  # runs inside the notebook's kernel
    """Evaluate ``operands[0] ops[0] operands[1] ...`` like Python, logging each pair's margin."""
    import json as _json
    import operator as _op
    import os as _os

    compare = {"<": _op.lt, "<=": _op.le, ">": _op.gt, ">=": _op.ge, "==": _op.eq,
               "!=": _op.ne, "is": _op.is_, "is not": _op.is_not,
               "in": lambda a, b: a in b, "not in": lambda a, b: a not in b}
    result = True
    with open(_os.environ["GANBOOK_CHECK_LOG"], "a") as log:
        for i, op in enumerate(ops):
            a, b = operands[i], operands[i + 1]
            result = compare[op](a, b)
            row = {"cell": key[0], "atom": key[1], "pair": i, "op": op}
            try:
                x, y = float(a), float(b)
            except (TypeError, ValueError, RuntimeError):
                x = y = None
            if x is not None and op in ("<", "<=", ">", ">="):
                gap = y - x if op in ("<", "<=") else x - y
                scale = max(abs(x), abs(y))
                row.update(a=x, b=y, margin=gap, relative=gap / scale if scale else 0.0)
            try:
                row["holds"] = bool(result)
            except (TypeError, ValueError, RuntimeError):
                row["holds"] = None
            log.write(_json.dumps(row) + "\n")
            if not row["holds"]:
                break
    return result


# read once at import: a sweep keeps working while this file is edited under it
HELPER = inspect.getsource(record_comparison).replace(
    "def record_comparison", "def _record_comparison")


class _Instrument(ast.NodeTransformer):
    """Rewrite each comparison at the top of an ``assert`` (or under its ``and``) to be logged."""

    def __init__(self, cell: int) -> None:
        self.cell, self.atoms = cell, 0

    def _wrap(self, node: ast.expr) -> ast.expr:
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            node.values = [self._wrap(v) for v in node.values]
            return node
        if not isinstance(node, ast.Compare):
            return node
        self.atoms += 1
        ops = [_OPS[type(op)] for op in node.ops]
        return ast.Call(
            func=ast.Name("_record_comparison", ast.Load()),
            args=[ast.Constant((self.cell, self.atoms)), ast.Constant(ops),
                  ast.List([node.left, *node.comparators], ast.Load())],
            keywords=[])

    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        node.test = self._wrap(node.test)
        return node


_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
        ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def instrument(source: str, cell: int) -> str:
    """``source`` with its asserts' comparisons logged (unchanged if it is not plain Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    tree = ast.fix_missing_locations(_Instrument(cell).visit(tree))
    return ast.unparse(tree)


def run_notebook(job: tuple[str, str, str, int, Path | None]) -> dict:
    """Execute one notebook under (profile, capability, seed); return its check cells' outcomes
    (and write the executed notebook into the last item, a folder, unless it is None)."""
    path, profile, capability, seed, keep = job
    nb = nbformat.read(path, as_version=4)
    checks = [i for i, cell in enumerate(nb.cells) if is_check(cell)]
    sources = {i: source_hash(nb.cells[i].source) for i in checks}
    for i in checks:
        nb.cells[i].source = instrument(nb.cells[i].source, i)
    probe = "import torch as _t; print(_t.backends.cpu.get_cpu_capability())"
    nb.cells.insert(0, nbformat.v4.new_code_cell(HELPER + "\n" + probe))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as log:
        log_path = log.name
    os.environ.update(GANBOOK_PROFILE=profile, ATEN_CPU_CAPABILITY=capability,
                      GANBOOK_SEED=str(seed), GANBOOK_CHECK_LOG=log_path, OMP_NUM_THREADS="1",
                      TQDM_DISABLE="1", GANBOOK_STATIC="1")
    os.environ.pop("GANBOOK_STARTING_POINT", None)
    measured_at = head_commit(ROOT)
    seconds = execute(nb, path, timeout=1200)
    if keep is not None:  # what the prose says of the sweep can be read back from these
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, keep / f"{Path(path).stem}-{profile}-{capability}-seed{seed}.ipynb")
    effective = "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
    logged = [json.loads(line) for line in Path(log_path).read_text().splitlines()]
    os.unlink(log_path)
    cells = {}
    for i in checks:
        cell = nb.cells[i + 1]  # the probe cell went first
        error = cell_error(cell)
        margins = [r for r in logged if r["cell"] == i and "relative" in r]
        worst = min(margins, key=lambda r: r["relative"], default=None)
        cells[i] = {
            "source": sources[i],
            "tags": tags(cell),
            "passed": not error,
            "error": f"{error['ename']}: {error['evalue'][:200]}" if error else "",
            "margin": worst and {k: worst[k] for k in ("atom", "pair", "op", "a", "b",
                                                       "margin", "relative")},
            # every comparison the cell made, in order (a loop's asserts log once per pass)
            "comparisons": [{"atom": r["atom"], "pair": r["pair"], "op": r["op"],
                             "a": float(f"{r['a']:.6g}"), "b": float(f"{r['b']:.6g}"),
                             "relative": round(r["relative"], 4)} for r in margins],
        }
    return {"notebook": os.path.relpath(path, ROOT), "profile": profile,
            "capability": capability, "effective": effective, "seed": seed,
            "seconds": round(seconds, 1), "commit": measured_at, "cells": cells}


def source_hash(source: str) -> str:
    """A check cell's fingerprint: a run stores it beside the cell's outcome, so an edited check
    no longer counts as measured (:func:`unswept`)."""
    return hashlib.sha1(source.encode()).hexdigest()[:12]


def current_checks(notebooks: list[str], root: Path = ROOT) -> dict[str, dict[str, int]]:
    """The check cells of ``notebooks`` (paths relative to ``root``) as they now read: for each
    notebook that exists, fingerprint -> cell index."""
    checks = {}
    for notebook in notebooks:
        if (root / notebook).exists():
            cells = nbformat.read(root / notebook, as_version=4).cells
            checks[notebook] = {source_hash(c.source): i for i, c in enumerate(cells)
                                if is_check(c)}
    return checks


def unswept(profile_runs: list[dict], notebooks: list[str], root: Path = ROOT) -> list[str]:
    """One line for each check cell of ``notebooks`` (paths relative to ``root``) whose current
    source no sweep measured, passing, on ``default`` and another float path, each with two
    seeds or more; and one for each notebook that no longer exists.

    ``profile_runs`` are one profile's runs from the results file. A check is found in a run by
    its fingerprint, wherever the cell stood (a cell added above it moves its index), and a
    run counts for the float path torch really ran (``effective``), not only the one asked for.
    """
    checks = current_checks(notebooks, root)
    missing = [f"{notebook}: no such notebook (drop its runs from the results)"
               for notebook in notebooks if notebook not in checks]
    for notebook, cells in checks.items():
        runs = [r for r in profile_runs if r["notebook"] == notebook
                and r.get("effective", "").lower() == r["capability"]]
        for current, i in sorted(cells.items(), key=lambda item: item[1]):
            seeds: dict[str, set[int]] = {}
            for run in runs:
                if any(out.get("source") == current and out["passed"]
                       for out in run["cells"].values()):
                    seeds.setdefault(run["capability"], set()).add(run["seed"])
            covered = {cap for cap, s in seeds.items() if len(s) >= 2}
            if "default" not in covered or len(covered) < 2:
                measured = {cap: sorted(s) for cap, s in seeds.items()} or "never"
                missing.append(f"{notebook} cell {i} (measured: {measured})")
    return missing


def capabilities() -> list[str]:
    """The ``ATEN_CPU_CAPABILITY`` values this processor can run: ``default`` and up to native."""
    import torch

    native = torch.backends.cpu.get_cpu_capability().lower()
    ladder = ["default", "avx2", "avx512"]
    if native in ladder:
        return ladder[: ladder.index(native) + 1]
    return ["default", native]


def summarise(runs: list[dict], checks: dict[str, dict[str, int]]) -> list[dict]:
    """One row per check cell as it now reads (``checks``, from :func:`current_checks`): its
    pass rate over the runs and the smallest margin found.

    An outcome counts for the check whose fingerprint it carries, wherever the cell then
    stood; outcomes of an earlier version of a check (or from before fingerprints) are left
    out, so an edited check's row is its new source's alone.
    """
    rows: dict[tuple[str, int], dict] = {}
    for run in runs:
        for out in run["cells"].values():
            cell = checks.get(run["notebook"], {}).get(out.get("source"))
            if cell is None:
                continue
            row = rows.setdefault((run["notebook"], cell), {
                "notebook": run["notebook"], "cell": cell, "tags": out["tags"],
                "runs": 0, "passed": 0, "failures": [], "min_relative_margin": None,
                "min_margin": None, "at": None})
            row["runs"] += 1
            row["passed"] += out["passed"]
            where = f"{run['capability']}, seed {run['seed']}"
            if not out["passed"]:
                row["failures"].append(f"{where}: {out['error']}")
            m = out["margin"]
            if m and (row["min_relative_margin"] is None
                      or m["relative"] < row["min_relative_margin"]):
                row.update(min_relative_margin=round(m["relative"], 4),
                           min_margin=round(m["margin"], 6), at=where,
                           comparison=f"{m['a']:.6g} {m['op']} {m['b']:.6g}")
    for row in rows.values():
        row["pass_rate"] = row["passed"] / row["runs"]
    return sorted(rows.values(), key=lambda r: (r["notebook"], r["cell"]))


def print_table(rows: list[dict]) -> None:
    print(f"{'notebook':44s} {'cell':>4s} {'pass':>6s} {'min rel.':>9s}  worst comparison (where)")
    for r in rows:
        rel = "-" if r["min_relative_margin"] is None else f"{r['min_relative_margin']:.4f}"
        where = f"{r.get('comparison', '')} ({r['at']})" if r["at"] else ""
        print(f"{r['notebook']:44s} {r['cell']:4d} {r['pass_rate']:6.0%} {rel:>9s}  {where}")
        for failure in r["failures"]:
            print(f"{'':56s}FAILED {failure[:120]}")


def save(path: Path, profile: str, new_runs: list[dict]) -> list[dict]:
    """Merge ``new_runs`` into the results file (replacing the same notebook, capability and
    seed) and return the profile's summary rows."""
    results = json.loads(path.read_text()) if path.exists() else {}
    earlier = results.get(profile, {}).get("runs", [])
    rerun = {(r["notebook"], r["capability"], r["seed"]) for r in new_runs}
    runs = [r for r in earlier if (r["notebook"], r["capability"], r["seed"]) not in rerun]
    runs += new_runs
    rows = summarise(runs, current_checks(sorted({r["notebook"] for r in runs})))
    results[profile] = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, native "
                   f"{capabilities()[-1]}",
        "capabilities": sorted({r["capability"] for r in runs}),
        "seeds": sorted({r["seed"] for r in runs}),
        "notebooks": len({r["notebook"] for r in runs}),
        "checks": rows,
        "runs": sorted(runs, key=lambda r: (r["notebook"], r["capability"], r["seed"])),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks (default: all under book/)")
    parser.add_argument("--profile", default="test", choices=["test", "cpu"])
    parser.add_argument("--comparisons", action="store_true",
                        help="only the notebooks with two-arm comparisons (for --profile cpu)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="GANBOOK_SEED offsets (default 0 1 2)")
    parser.add_argument("--capabilities", nargs="+", default=None,
                        help="ATEN_CPU_CAPABILITY values (default: every one this CPU has)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep-executed", type=Path, default=None, metavar="DIR",
                        help="also write every executed notebook, outputs included, into DIR "
                        "(with a probe cell first: cell i of the book is cell i + 1)")
    args = parser.parse_args()
    if args.notebooks:
        paths = [str(Path(p).resolve()) for p in args.notebooks]
    elif args.comparisons:
        paths = [str(ROOT / p) for p in COMPARISONS]
    else:
        paths = book_notebooks()
    caps = args.capabilities or capabilities()
    jobs = [(p, args.profile, c, s, args.keep_executed)
            for p in paths for c in caps for s in args.seeds]
    print(f"{len(paths)} notebook(s) x capabilities {caps} x seeds {args.seeds}, "
          f"profile {args.profile}: {len(jobs)} runs", flush=True)
    runs, rows = [], []
    with ProcessPoolExecutor(args.workers) as pool:
        for run in pool.map(run_notebook, jobs):
            bad = sum(not c["passed"] for c in run["cells"].values())
            note = "" if run["effective"] == run["capability"].upper() else \
                f" (torch ran {run['effective']})"
            print(f"{run['notebook']} [{run['capability']}{note}, seed {run['seed']}] "
                  f"{run['seconds']:.0f} s, {bad} failed check cell(s)", flush=True)
            for cell, out in run["cells"].items():
                if not out["passed"]:
                    print(f"    cell {cell}: {out['error'][:150]}", flush=True)
            runs.append(run)
            rows = save(args.out, args.profile, [run])  # after each run: a killed sweep keeps it
    print_table([r for r in rows if r["notebook"] in {run["notebook"] for run in runs}])
    failed = [r for r in rows if r["pass_rate"] < 1]
    print(f"{len(rows)} check cells, {len(failed)} failed somewhere; written to {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
