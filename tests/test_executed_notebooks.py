"""`make test` builds the book from nbval's run: conftest.py's --nb-executed keeps each notebook
nbval ran with its outputs, and bench/execute_notebooks.py caches only those that match."""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import execute_notebooks  # noqa: E402


def _notebook(path: Path, fail: bool = False) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a page"),
                nbformat.v4.new_code_cell("print('hello')"),
                nbformat.v4.new_code_cell("1 / 0" if fail else "6 * 7")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _nbval(folder: Path, out: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
         "--nbval-lax", "--nb-executed", str(out), str(folder)],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def nbval_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("book")
    good, bad = _notebook(folder / "good.ipynb"), _notebook(folder / "bad.ipynb", fail=True)
    out = tmp_path_factory.mktemp("run") / "executed"
    env = {"GANBOOK_PROFILE": "test", "ATEN_CPU_CAPABILITY": "default",
           "GANBOOK_LIBRARY_KEY": "k1", "GANBOOK_SEED": ""}
    result = _nbval(folder, out, env)
    return good, bad, out, env, result


def _executed(out: Path, notebook: Path) -> Path:
    return out / notebook.name  # nbval's rootdir is the notebooks' folder


def test_a_notebook_nbval_passed_is_kept_with_its_outputs_and_run(nbval_run):
    good, bad, out, env, result = nbval_run
    assert "1 failed" in result.stdout, result.stdout[-2000:]
    nb = nbformat.read(_executed(out, good), as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "hello\n"
    assert code[1].outputs[0]["data"]["text/plain"] == "42"
    assert [c.execution_count for c in code] == [1, 2]
    assert nb.metadata["language_info"]["pygments_lexer"] == "ipython3"  # myst-nb's lexer
    run = nb.metadata["ganbook_executed"]
    assert run["GANBOOK_LIBRARY_KEY"] == "k1" and run["ATEN_CPU_CAPABILITY"] == "default"
    assert not _executed(out, bad).exists()  # a failing notebook is not kept


def test_only_a_notebook_of_the_same_code_and_run_is_cached(nbval_run, tmp_path, monkeypatch):
    good, bad, out, env, _ = nbval_run
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(execute_notebooks, "ROOT", good.parent)
    cache = get_cache(str(tmp_path / "cache"))
    cache.add_nb_to_project(str(good))
    assert execute_notebooks.cache_executed(cache, out, [str(good), str(bad)]) == [str(good)]
    record = cache.match_cache_notebook(nbformat.read(str(good), as_version=4))
    assert record.data["execution_seconds"] >= 0
    assert cache.list_unexecuted() == []

    monkeypatch.setenv("GANBOOK_LIBRARY_KEY", "k2")  # the library changed since nbval ran
    assert execute_notebooks.cache_executed(get_cache(str(tmp_path / "c2")), out,
                                            [str(good)]) == []
    monkeypatch.setenv("GANBOOK_LIBRARY_KEY", "k1")
    edited = nbformat.read(str(good), as_version=4)
    edited.cells[1].source = "print('bye')"  # the notebook changed since nbval ran
    nbformat.write(edited, str(good))
    assert execute_notebooks.cache_executed(get_cache(str(tmp_path / "c3")), out,
                                            [str(good)]) == []
