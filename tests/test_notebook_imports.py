"""Every module a notebook imports is installed wherever `ganbook` is (Colab included): the
standard library, ganbook itself, or one of the package's declared dependencies; and the
instructor's kit needs only those and the `instructor` extra."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
# Distributions whose import name is not their name with "-" read as "_".
IMPORT_NAMES = {"scikit-learn": "sklearn", "scikit-image": "skimage", "ipython": "IPython",
                "pyyaml": "yaml"}


def declared_modules(extra: str | None = None, pyproject: Path = ROOT / "pyproject.toml"
                     ) -> set[str]:
    """The import names of the package's declared dependencies (and those of one extra)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    specs = project["dependencies"] + project.get("optional-dependencies", {}).get(extra, [])
    names = {Requirement(spec).name.lower() for spec in specs}
    return {IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names}


def imported_modules(source: str) -> set[str]:
    """The top-level modules a code cell imports (IPython magics and shell lines skipped)."""
    python = re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)
    found = set()
    for node in ast.walk(ast.parse(python)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def undeclared(path: Path) -> dict[str, int]:
    """Each module the notebook imports that a plain `pip install ganbook` may lack, with the
    first cell that imports it."""
    allowed = set(sys.stdlib_module_names) | {"ganbook"} | declared_modules()
    missing: dict[str, int] = {}
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            for module in sorted(imported_modules(cell.source) - allowed):
                missing.setdefault(module, index)
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_imports_only_declared_modules(path):
    missing = undeclared(path)
    assert not missing, (
        f"{path.relative_to(ROOT)} imports {missing} (module: cell), which are neither the "
        "standard library nor declared in pyproject.toml's dependencies: on Colab they stop "
        "the notebook with ModuleNotFoundError (declare them, or use ganbook's own, e.g. "
        "`from ganbook import glue` instead of myst_nb's)"
    )


def test_the_instructor_kit_needs_only_the_instructor_extra():
    source = (ROOT / "ganbook" / "student.py").read_text()
    allowed = set(sys.stdlib_module_names) | {"ganbook"} | declared_modules("instructor")
    missing = imported_modules(source) - allowed
    assert not missing, f"ganbook/student.py imports {missing}, not in ganbook[instructor]"
    assert {"nbformat", "yaml"} <= declared_modules("instructor") - declared_modules()


def test_every_declared_dependency_maps_to_an_installed_module():
    """IMPORT_NAMES is right: each declared dependency's import name is importable here."""
    names = declared_modules("instructor")
    missing = sorted(m for m in names if importlib.util.find_spec(m) is None)
    assert not missing, f"declared dependencies with no module of that name: {missing}"


def test_an_undeclared_import_is_found(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nif False:\n    %pip install x\n!ls"),
        nbformat.v4.new_code_cell("from myst_nb import glue\nimport sklearn.datasets\n"
                                  "from ganbook.image import load_generator"),
    ])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert undeclared(path) == {"myst_nb": 1}
