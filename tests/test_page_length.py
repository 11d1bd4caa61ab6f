"""Pages a student reads in one sitting: no chapter's prose runs past 3,000 words.

Prose is the words of the Markdown cells outside code blocks (exercise solutions' code does
not count; their sentences do). Long measurement notes belong in the library's docstrings or
in a results file, not on the page.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
MAX_WORDS = 3000


def prose_words(path: Path) -> int:
    """Words (runs of letters, with ' and -) in the notebook's Markdown outside code blocks."""
    words = 0
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"```.*?```", "", cell.source, flags=re.S)
            words += len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))
    return words


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "book")))
def test_a_chapter_reads_in_one_sitting(path):
    assert prose_words(path) <= MAX_WORDS, f"{prose_words(path)} words of prose"
