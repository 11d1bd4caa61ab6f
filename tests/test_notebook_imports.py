"""Every module a notebook imports is installed wherever `ganbook` is (Colab included): the
standard library, ganbook itself, or one of the package's declared dependencies; and so is
every module the library imports."""

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
                "pyyaml": "yaml", "pillow": "PIL"}
# Imported by the library only where present (ganbook.glue uses myst-nb's glue in the book
# build and keeps the value itself elsewhere).
OPTIONAL = {"myst_nb"}


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


def test_the_library_imports_only_declared_modules():
    """A notebook imports ganbook, and ganbook imports the rest: each of its modules (the
    instructor's kit too, which the instructor page imports) needs only declared packages."""
    allowed = set(sys.stdlib_module_names) | {"ganbook"} | declared_modules() | OPTIONAL
    missing = {}
    for path in sorted((ROOT / "ganbook").rglob("*.py")):
        extra = imported_modules(path.read_text()) - allowed
        if extra:
            missing[str(path.relative_to(ROOT))] = sorted(extra)
    assert not missing, f"library modules importing undeclared packages: {missing}"


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


def ganbook_imports(source: str) -> list[tuple[str, str | None]]:
    """``(module, name)`` for each ``from ganbook... import name`` and ``(module, None)`` for
    each ``import ganbook...`` in a piece of Python (magics and shell lines skipped)."""
    python = re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)
    try:
        tree = ast.parse(python)
    except SyntaxError:  # a solution's fragment ("G = ..." and the like)
        return []
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "ganbook":
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names if a.name.split(".")[0] == "ganbook"]
    return found


def python_blocks(markdown: str) -> list[str]:
    """The ```python blocks of a Markdown cell (exercise solutions show code this way)."""
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.S)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "book")))
def test_every_ganbook_name_a_notebook_imports_exists(path):
    """Renaming or moving a library function must not leave a notebook (or a solution in it)
    importing the old name; this finds that without running the notebook."""
    missing = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        sources = [cell.source] if cell.cell_type == "code" else python_blocks(cell.source)
        for source in sources:
            for module, name in ganbook_imports(source):
                try:
                    imported = importlib.import_module(module)
                except ImportError:
                    missing.append(f"cell {index}: module {module}")
                    continue
                if name is not None and not hasattr(imported, name):
                    try:
                        importlib.import_module(f"{module}.{name}")
                    except ImportError:
                        missing.append(f"cell {index}: {module}.{name}")
    assert not missing, missing


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_every_ganbook_name_a_bench_script_imports_exists(path):
    """The same for bench/: its scripts run rarely (they retrain shipped weights), so a stale
    import would otherwise surface only when someone needs them."""
    missing = []
    for module, name in ganbook_imports(path.read_text()):
        imported = importlib.import_module(module)
        if name is not None and not hasattr(imported, name):
            try:
                importlib.import_module(f"{module}.{name}")  # a submodule
            except ImportError:
                missing.append(f"{module}.{name}")
    assert not missing, missing
