"""Notebooks are committed without outputs, so diffs stay readable and nbval starts clean."""

import importlib.util
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("install_cells", ROOT / "bench" / "install_cells.py")
install_cells = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install_cells)
NOT_CHAPTERS = {"instructor.ipynb"}  # the instructor guide has no exercises of its own
NOTEBOOKS = sorted(
    p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs or execution counts; "
        "strip them (see DEVELOPING.md)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_states_its_profile_and_ends_with_exercises(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "show_profile(" in code, (
        f"{path.name} must show which profile built it (ganbook.show_profile())"
    )
    if path.name in NOT_CHAPTERS:
        return
    assert text.count("```{exercise}") >= 3, f"{path.name} must end with at least three exercises"
    assert text.count("```{solution}") >= 3, (
        f"{path.name} must give a (hidden) solution to each exercise"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_install_cell_installs_from_the_configured_repository(path):
    problem = install_cells.stale(path, install_cells.repository_url(ROOT))
    assert not problem, (
        f"{problem}: every notebook's install cell comes from _config.yml's repository.url; "
        "run `python bench/install_cells.py` to rewrite them"
    )


def test_a_fork_changes_the_address_in_one_place(tmp_path):
    """Changing repository.url makes every install cell stale; the script rewrites them."""
    (tmp_path / "book").mkdir()
    for path in NOTEBOOKS[:2]:
        shutil.copy(path, tmp_path / "book" / path.name)
    config = (ROOT / "_config.yml").read_text()
    fork = "https://github.com/someone/fork"
    url = install_cells.repository_url(ROOT)
    (tmp_path / "_config.yml").write_text(config.replace(f"url: {url}", f"url: {fork}"))
    assert install_cells.main(["--root", str(tmp_path), "--check"]) == 1
    assert install_cells.main(["--root", str(tmp_path)]) == 0
    assert install_cells.main(["--root", str(tmp_path), "--check"]) == 0
    for path in (tmp_path / "book").glob("*.ipynb"):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        assert f'"ganbook @ git+{fork}"' in code and url not in code


def test_repository_url_must_be_an_address(tmp_path):
    (tmp_path / "_config.yml").write_text("repository:\n  branch: main\n")
    with pytest.raises(ValueError, match="repository.url must be an http"):
        install_cells.repository_url(tmp_path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_opens_with_its_title_and_story(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name} must open with a markdown cell holding its '# Title' and the chapter's story"
    )
