"""The robustness sweep's pieces: the seed switch, asserts rewritten to log their margins, and
the record of which check cells were measured as they now read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from ganbook import seed_everything
from ganbook.core.profiles import seed_offset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # check_robustness imports its sibling check_harness
from check_robustness import (  # noqa: E402
    RESULTS,
    book_notebooks,
    instrument,
    record_comparison,
    source_hash,
    summarise,
    unswept,
)


def test_ganbook_seed_offsets_every_seed_everything(monkeypatch):
    seed_everything(5)
    expected = torch.rand(3)
    monkeypatch.setenv("GANBOOK_SEED", "2")
    assert seed_offset() == 2
    seed_everything(3)
    assert torch.equal(torch.rand(3), expected)
    monkeypatch.setenv("GANBOOK_SEED", "-1")
    with pytest.raises(ValueError, match="GANBOOK_SEED must be a non-negative int"):
        seed_everything(0)


def _run(source: str, tmp_path, monkeypatch) -> tuple[Exception | None, list[dict]]:
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("GANBOOK_CHECK_LOG", str(log))
    error = None
    try:
        exec(instrument(source, 7), {"_record_comparison": record_comparison})
    except AssertionError as err:
        error = err
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return error, rows


def test_a_passing_assert_logs_each_comparison_and_its_margin(tmp_path, monkeypatch):
    error, rows = _run("x = 3.0\nassert 1 < x <= 4 and x > 2.5, 'no'", tmp_path, monkeypatch)
    assert error is None
    assert [(r["op"], r["margin"]) for r in rows] == [("<", 2.0), ("<=", 1.0), (">", 0.5)]
    assert rows[0]["cell"] == 7 and rows[2]["relative"] == pytest.approx(0.5 / 3.0)


def test_a_failing_assert_still_fails_with_its_message(tmp_path, monkeypatch):
    source = "for v in (1.0, 5.0):\n    assert v < 4, f'v = {v}'"
    error, rows = _run(source, tmp_path, monkeypatch)
    assert str(error) == "v = 5.0"
    assert [r["holds"] for r in rows] == [True, False] and rows[1]["margin"] == -1.0


def test_the_summary_keeps_each_cells_pass_rate_and_smallest_margin():
    def run(cap, passed, relative, source="new", cell="4"):
        margin = {"atom": 1, "pair": 0, "op": "<", "a": 1.0, "b": 2.0, "margin": 1.0,
                  "relative": relative}
        out = {"tags": [], "passed": passed, "error": "" if passed else "AssertionError: x",
               "margin": margin, "source": source}
        return {"notebook": "nb", "capability": cap, "seed": 0, "cells": {cell: out}}

    checks = {"nb": {"new": 5}}  # the check now stands at cell 5
    runs = [run("default", True, 0.5), run("avx2", False, -0.1),
            run("default", False, -0.9, source="old"), run("avx2", True, 0.01, source=None)]
    (row,) = summarise(runs, checks)  # the old version's and the unfingerprinted left out
    assert row["cell"] == 5 and row["runs"] == 2
    assert row["pass_rate"] == 0.5 and row["min_relative_margin"] == -0.1
    assert row["at"] == "avx2, seed 0" and row["failures"] == ["avx2, seed 0: AssertionError: x"]
    assert summarise(runs, {}) == []  # a notebook that no longer exists has no rows


def test_a_check_counts_as_swept_only_as_it_read_on_two_paths_and_seeds(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("assert x < 2")]
    nbformat.write(nb, tmp_path / "a.ipynb")
    swept = source_hash("assert x < 2")

    def run(cap, seed, source=swept, passed=True, cell="1", effective=None):
        return {"notebook": "a.ipynb", "capability": cap, "seed": seed,
                "effective": effective or cap.upper(),
                "cells": {cell: {"source": source, "passed": passed}}}

    both = [run(c, s) for c in ("default", "avx2") for s in (0, 1)]
    assert unswept(both, ["a.ipynb"], tmp_path) == []
    assert unswept(both[:2], ["a.ipynb"], tmp_path)  # one float path
    assert unswept([run("default", 0), run("avx2", 0)], ["a.ipynb"], tmp_path)  # one seed
    edited = [run(c, s, source_hash("assert x < 3")) for c in ("default", "avx2") for s in (0, 1)]
    assert unswept(edited, ["a.ipynb"], tmp_path)
    assert unswept(both[:3] + [run("avx2", 1, passed=False)], ["a.ipynb"], tmp_path)
    fell_back = both[:2] + [run("avx2", s, effective="DEFAULT") for s in (0, 1)]
    assert unswept(fell_back, ["a.ipynb"], tmp_path)  # torch ran the default path twice
    moved = [run(c, s, cell="0") for c in ("default", "avx2") for s in (0, 1)]
    assert unswept(moved, ["a.ipynb"], tmp_path) == []  # found by its source, not its index
    assert unswept(both, ["gone.ipynb"], tmp_path) == [
        "gone.ipynb: no such notebook (drop its runs from the results)"]


def test_every_check_cell_was_swept_as_it_now_reads():
    """bench/results/check_robustness.json measured each check cell, as the book now has it, on
    the portable float path and another with two seeds each: under `test` for every page, under
    `cpu` for every page ever swept there. Edit a check, and this fails until it is swept."""
    results = json.loads(RESULTS.read_text())
    pages = [str(Path(p).relative_to(ROOT)) for p in book_notebooks()]
    missing = unswept(results["test"]["runs"], pages)
    cpu_pages = sorted({r["notebook"] for r in results["cpu"]["runs"]})
    missing += [f"under cpu: {m}" for m in unswept(results["cpu"]["runs"], cpu_pages)]
    assert not missing, (
        "check cells changed since bench/check_robustness.py last measured them (rerun it "
        "on these notebooks, with --profile cpu for those marked so):\n" + "\n".join(missing)
    )
