"""Notebooks are committed without outputs, so diffs stay readable and nbval starts clean."""

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COLAB_INSTALL = 'install --quiet "ganbook @ git+https://github.com/ganbook/ganbook"'
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
    assert COLAB_INSTALL in code, (
        f"{path.name} must start with the Colab install cell (DEVELOPING.md)"
    )
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
def test_notebook_opens_with_its_title_and_story(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name} must open with a markdown cell holding its '# Title' and the chapter's story"
    )
