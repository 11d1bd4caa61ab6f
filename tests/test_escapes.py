"""No lost backslash: `\\times` written with one backslash in a notebook's JSON or a Python
string reads as a tab and "imes", and the page shows `5imes10⁻⁴`.

A control character (tab, form feed, backspace, bell, vertical tab) right before letters is
that accident: in a notebook's Markdown, in any string a notebook's code holds, and in a
library module's string that holds LaTeX. A raw string cannot have it (its backslashes stay),
so the strings' values are checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
MODULES = sorted((ROOT / "ganbook").rglob("*.py"))
ACCIDENT = re.compile(r"[\t\f\b\a\v][A-Za-z]+")
_LETTER = {"\t": "t", "\f": "f", "\b": "b", "\a": "a", "\v": "v"}
# LaTeX commands that begin with an escape letter: "\t" + "imes" is `\times`, and so on.
LATEX = {
    "times", "tau", "theta", "text", "textbf", "textrm", "tfrac", "tilde", "top", "to",
    "triangle", "frac", "forall", "beta", "bar", "bf", "bm", "big", "bigl", "bigr", "binom",
    "boldsymbol", "bot", "alpha", "approx", "ast", "arg", "vec", "varepsilon", "varphi",
    "vartheta", "vee", "vert", "vdots", "boxed", "breve", "flat", "footnotesize",
}


def accidents(text: str) -> list[str]:
    """Each control character + letters in ``text``, shown as the backslash it lost."""
    return ["\\" + _LETTER[m.group()[0]] + m.group()[1:] for m in ACCIDENT.finditer(text)]


def holds_latex(text: str) -> bool:
    """Does ``text`` hold maths: `$...$`, `:math:`, or a lost-backslash LaTeX command?"""
    return "$" in text or ":math:" in text or any(a[1:] in LATEX for a in accidents(text))


def string_values(source: str) -> list[tuple[int, str]]:
    """Every string constant in Python ``source`` (f-strings' text parts too), with its line.
    IPython magics and shell lines are skipped."""
    python = re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", source)
    nodes = [node for node in ast.walk(ast.parse(python))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return [(node.lineno, node.value)
            for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset))]


def notebook_accidents(path: Path) -> list[str]:
    """Where a notebook's cells hold a control character before letters."""
    found = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code":
            found += [f"cell {index} ({cell.cell_type}): {a}" for a in accidents(cell.source)]
            continue
        for line, value in string_values(cell.source):
            found += [f"cell {index}, line {line}: {a}" for a in accidents(value)]
    return found


def module_accidents(path: Path) -> list[str]:
    """Where a module's strings that hold LaTeX have a control character before letters."""
    return [f"line {line}: {a}" for line, value in string_values(path.read_text())
            if holds_latex(value) for a in accidents(value)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_has_no_lost_backslash(path):
    found = notebook_accidents(path)
    assert not found, (
        f"{path.relative_to(ROOT)}: a control character stands where a backslash was lost "
        f"{found}; in the notebook's JSON a LaTeX backslash must be doubled, in code use a "
        "raw string (r'...')"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_latex_has_no_lost_backslash(path):
    found = module_accidents(path)
    assert not found, (
        f"{path.relative_to(ROOT)}: a string holding LaTeX lost a backslash {found}; "
        "make it a raw string (r'...') or double the backslash"
    )


def test_the_accidents_are_found(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("at $5 \times 10^{-4}$ and $5 \\times 10$"),
        nbformat.v4.new_code_cell('plt.title("$\\alpha$ and \\beta")\nx = r"$\\tau$"\n'
                                  'y = f"{1}\tab"\n%time pass'),
    ])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert notebook_accidents(path) == [
        "cell 0 (markdown): \\times", "cell 1, line 1: \\alpha", "cell 1, line 1: \\beta",
        "cell 1, line 3: \\tab",
    ]
    module = tmp_path / "m.py"
    module.write_text('"""Loss :math:`\\frac{1}{2}`."""\nSEP = "\\tname"\nOK = r"$\\theta$"\n'
                      'LABEL = "$\\theta$"\n')
    assert module_accidents(module) == ["line 1: \\frac", "line 4: \\theta"]
