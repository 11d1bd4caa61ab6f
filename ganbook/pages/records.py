"""Results files: what a `cpu` run of a notebook measured, shipped with the package so that every
page (and every Colab copy) can show it with its commit, instead of typing its numbers.

A notebook calls ``record_results(name, tables)`` after its measurements. Nothing happens unless
``$GANBOOK_RECORD`` names a folder and the profile is ``cpu``: then the tables are written to
``FOLDER/NAME.json`` with the commit, the library modules and shipped weights the run used, and
the notebook (``bench/record_results.py`` runs them all: ``make results``). The page's closing
section calls ``show_results(name)``, which shows the tables and the run they came from.
``tests/test_records.py`` fails when a file is older than the code it measured.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

import torch

from ..core import checkpoint
from ..core.profiles import get_profile
from .tables import show_table

RECORD_VAR = "GANBOOK_RECORD"  # folder to write results files to (unset: write nothing)
SOURCE_VAR = "GANBOOK_RECORD_SOURCE"  # the notebook being run, set by bench/record_results.py
PACKAGE = Path(__file__).resolve().parents[1]
SHIPPED = PACKAGE / "results"  # where `make results` writes, and show_results reads
# Modules that show results but cannot change one (the pages, and each part's plots.py):
# editing them leaves a recording fresh.
DISPLAY_ONLY = PACKAGE / "pages"


def display_only(path: Path) -> bool:
    """Whether ``path`` (a library file) only shows results."""
    return path.is_relative_to(DISPLAY_ONLY) or path.name == "plots.py"


def _git(*args: str, root: Path = PACKAGE.parent) -> str:
    out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed in {root}: {out.stderr.strip()}")
    return out.stdout.strip()


def head_commit(root: Path = PACKAGE.parent) -> str:
    """The short commit checked out in ``root`` (this checkout by default), marked "(with
    uncommitted changes)" when its ``ganbook/`` or ``book/`` differ, results files aside (they
    are what runs write, not what they run): the label bench results carry."""
    dirty = _git("status", "--porcelain", "--", "ganbook", "book", ":!ganbook/results",
                 root=root)
    return _git("rev-parse", "--short", "HEAD", root=root) + (
        " (with uncommitted changes)" if dirty else ""
    )


def weights_digest(name_or_path: str) -> str | None:
    """:func:`~ganbook.core.checkpoint.state_digest` of the networks in a weights file (a name
    shipped under ``ganbook/weights``, or a ``.pt`` path), or None where there is none. Equal
    digests mean a retrain wrote the same weights, whatever its timings."""
    path = (Path(name_or_path) if str(name_or_path).endswith(".pt")
            else checkpoint.weights_path(str(name_or_path)))
    return checkpoint.state_digest(checkpoint.load_checkpoint(path)["models"]) if path.exists() \
        else None


def measured_files() -> list[str]:
    """The library modules this process imported and the shipped weights it read, as paths
    relative to the repository root: what a result recorded now depends on."""
    modules = {
        Path(module.__file__).resolve()
        for name, module in list(sys.modules.items())
        if (name == "ganbook" or name.startswith("ganbook.")) and getattr(module, "__file__", None)
    }
    weights = {checkpoint.weights_path(name).resolve() for name in checkpoint.PRETRAINED_READ}
    root = PACKAGE.parent
    return sorted(str(path.relative_to(root)) for path in modules | weights
                  if path.is_relative_to(root) and not display_only(path))


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it: numpy and torch scalars as numbers, NaN as null."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def record_results(name: str, tables: Mapping[str, Mapping[str, Mapping[str, Any]]]
                   ) -> Path | None:
    """Write ``tables`` (each ``{row: {column: value}}``, as ``show_table`` takes) to
    ``$GANBOOK_RECORD/NAME.json`` when that variable is set and the profile is ``cpu``;
    otherwise do nothing and return None. Refuses to record uncommitted code."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier such as 'inpainting', got {name!r}")
    folder = os.environ.get(RECORD_VAR)
    if not folder:
        return None
    profile = get_profile()
    if profile.name != "cpu":
        raise ValueError(f"${RECORD_VAR} is set but the profile is {profile.name!r}: results files "
                         "hold what the cpu profile measured (set GANBOOK_PROFILE=cpu)")
    notebook = os.environ.get(SOURCE_VAR)
    if not notebook:
        raise ValueError(f"${SOURCE_VAR} must name the notebook or script being recorded (relative "
                         "to the repository): run it with bench/record_results.py")
    files = measured_files()
    dirty = _git("status", "--porcelain", "--", *files, notebook)
    if dirty:
        raise RuntimeError(f"not recording {name!r}: the code it measured has uncommitted "
                           f"changes (commit them first, so the file names the code that made "
                           f"it):\n{dirty}")
    payload = {
        "name": name,
        "profile": profile.name,
        "commit": _git("rev-parse", "HEAD"),
        "date": datetime.date.today().isoformat(),
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "notebook": notebook,
        "files": files,
        "tables": _plain(tables),
    }
    path = Path(folder) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, allow_nan=False) + "\n")
    return path


def load_results(name: str) -> dict[str, Any]:
    """The results file ``name`` that ships with ganbook (tables, commit, date, files)."""
    path = SHIPPED / f"{name}.json"
    if not path.exists():
        shipped = sorted(p.stem for p in SHIPPED.glob("*.json"))
        raise FileNotFoundError(f"no results file named {name!r} (run `make results` to record "
                                f"one); shipped: {shipped}")
    return json.loads(path.read_text())


def show_results(name: str, captions: Mapping[str, str], digits: int = 3) -> dict[str, Any]:
    """Show the tables of results file ``name`` (one per key of ``captions``, with that caption)
    under a line saying which run measured them. Returns the tables, for glue."""
    results = load_results(name)
    print(f"Recorded by a {results['profile']} run at commit {results['commit'][:7]} on "
          f"{results['date']} (torch {results['torch']}, {results['cpu_capability']} kernels).")
    unknown = set(captions) - set(results["tables"])
    if unknown:
        raise KeyError(f"{name}.json has no table {sorted(unknown)}; it has "
                       f"{sorted(results['tables'])}")
    for key, caption in captions.items():
        show_table(results["tables"][key], digits=digits, caption=caption)
    return results["tables"]
