"""The instructor's kit: every notebook of the book twice, with and without its solutions.

``python -m ganbook.exercises.student --out DIR`` (``make student``) writes ``DIR/student/`` (each
notebook with its ``{solution}`` blocks and any cells tagged ``solution`` removed, outputs
cleared: for an LMS or a JupyterHub) and ``DIR/instructor/`` (the notebooks as the book has
them), both with the paths the notebooks have under ``book/``. Nothing else needs copying:
the notebooks import ``ganbook``. Its ``nbformat`` and ``pyyaml`` are the library's own
dependencies (the book's instructor page imports this module).
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[2]
# A MyST directive fence: up to three spaces, then ``` or ~~~ or ::: (three or more).
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})\s*\{([\w:-]+)\}")
_SOLUTION_CELL_TAG = "solution"


def _closes(line: str, fence: str) -> bool:
    """Does ``line`` close a block opened by ``fence`` (the same character, at least as many)?"""
    text = line.strip()
    return len(text) >= len(fence) and set(text) == {fence[0]}


def _closing(lines: list[str], start: int, fence: str, where: str) -> int:
    """The index of the line that closes the block opened on line ``start`` with ``fence``."""
    for i in range(start + 1, len(lines)):
        if _closes(lines[i], fence):
            return i
    raise ValueError(f"{where}: the block opened on line {start + 1} is never closed")


def strip_solutions(source: str, where: str = "markdown") -> tuple[str, int]:
    """``source`` without its ``{solution}`` blocks (and the gated ``{solution-start}`` ...
    ``{solution-end}`` form), and how many were removed.

    Raise ``ValueError`` naming ``where`` and the line if a block is never closed.
    """
    lines, kept, removed, i = source.split("\n"), [], 0, 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        name = match.group(2) if match else ""
        if name not in ("solution", "solution-start"):
            kept.append(lines[i])
            i += 1
            continue
        end = _closing(lines, i, match.group(1), where)
        if name == "solution-start":  # the gated form: up to the end directive's own fence
            ends = [j for j in range(end + 1, len(lines))
                    if (m := _FENCE.match(lines[j])) and m.group(2) == "solution-end"]
            if not ends:
                raise ValueError(f"{where}: the solution-start on line {i + 1} has no "
                                 "solution-end")
            end = _closing(lines, ends[0], _FENCE.match(lines[ends[0]]).group(1), where)
        i, removed = end + 1, removed + 1
        while kept and not kept[-1].strip() and i < len(lines) and not lines[i].strip():
            i += 1  # one blank line where the block was, not two
    return "\n".join(kept).strip("\n"), removed


def student_copy(nb: nbformat.NotebookNode, where: str = "notebook") -> tuple[
        nbformat.NotebookNode, int]:
    """A copy of ``nb`` without solutions and outputs, and how many solutions it lost.

    Raise ``ValueError`` if an exercise went missing (a malformed fence swallowed it).
    """
    out = nbformat.from_dict(nb)  # a deep copy
    cells, removed = [], 0
    for i, cell in enumerate(out.cells):
        if _SOLUTION_CELL_TAG in cell.get("metadata", {}).get("tags", []):
            removed += 1
            continue
        if cell.cell_type == "markdown":
            cell.source, n = strip_solutions(cell.source, f"{where}, cell {i}")
            removed += n
            if n and not cell.source.strip():
                continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    out.cells = cells
    before, after = (
        sum(c.source.count("{exercise}") for c in notebook.cells if c.cell_type == "markdown")
        for notebook in (nb, out)
    )
    if before != after:
        raise ValueError(f"{where}: {before - after} exercises were lost with the solutions")
    return out, removed


_EXERCISE = re.compile(
    r"^ {0,3}(`{3,}|:{3,})\s*\{exercise\}\s*(?P<title>.*)$", re.MULTILINE
)


def exercise_kind(title: str, options: dict[str, str], body: str) -> str:
    """``coding`` (its title says "(coding)" or it shows code to write or a checker to call)
    or ``conceptual``. Whether it is also open-ended is :func:`is_open_ended`."""
    if "(coding)" in title or "```python" in body or "check_" in body:
        return "coding"
    return "conceptual"


def is_open_ended(options: dict[str, str]) -> bool:
    """True for an exercise with no single answer (``:class: open-ended``), coding or not."""
    return "open-ended" in options.get("class", "").split()


def list_exercises(path: str | Path) -> list[dict[str, str]]:
    """Every exercise of a notebook in order: its ``label``, ``title``, ``kind`` (see
    :func:`exercise_kind`) and ``open_ended``, for the instructor guide's tables."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        for i, line in enumerate(lines):
            match = _EXERCISE.match(line)
            if not match:
                continue
            end = _closing(lines, i, match.group(1), str(path))
            options = {}
            for option in lines[i + 1 : end]:
                if not option.startswith(":"):
                    break
                key, _, value = option[1:].partition(":")
                options[key.strip()] = value.strip()
            title = match.group("title").strip()
            body = "\n".join(lines[i + 1 : end])
            found.append({"label": options.get("label", ""), "title": title,
                          "kind": exercise_kind(title, options, body),
                          "open_ended": is_open_ended(options)})
    return found


def toc_notebooks(root: Path = ROOT) -> list[str]:
    """The book's notebooks in reading order (from ``_toc.yml``), relative to ``root``."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text())
    files = [toc["root"]] + [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    return [f + ".ipynb" for f in files if (Path(root) / (f + ".ipynb")).exists()]


def notebooks(book: Path) -> list[Path]:
    """Every notebook under ``book`` (not Jupyter's checkpoints), in a stable order."""
    return sorted(p for p in book.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def write_kits(book: Path = ROOT / "book", out: Path = ROOT / "_build" / "notebooks") -> dict:
    """Write ``out/student`` and ``out/instructor`` from the notebooks under ``book``.

    Returns the counts: notebooks, exercises and solutions removed. Old copies are replaced.
    """
    book, out = Path(book), Path(out)
    found = notebooks(book)
    if not found:
        raise ValueError(f"book must be a folder holding notebooks, found none under {book}")
    for kind in ("student", "instructor"):
        shutil.rmtree(out / kind, ignore_errors=True)
    counts = {"notebooks": 0, "exercises": 0, "solutions removed": 0}
    for path in found:
        rel = path.relative_to(book)
        nb = nbformat.read(path, as_version=4)
        student, removed = student_copy(nb, str(rel))
        for kind in ("student", "instructor"):
            (out / kind / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, out / "student" / rel)
        shutil.copyfile(path, out / "instructor" / rel)
        counts["notebooks"] += 1
        counts["exercises"] += sum(
            c.source.count("{exercise}") for c in nb.cells if c.cell_type == "markdown"
        )
        counts["solutions removed"] += removed
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "notebooks",
                        help="where to write student/ and instructor/ (default: %(default)s)")
    parser.add_argument("--book", type=Path, default=ROOT / "book",
                        help="the folder of notebooks (default: %(default)s)")
    args = parser.parse_args(argv)
    counts = write_kits(args.book, args.out)
    print(f"{counts['notebooks']} notebooks, {counts['exercises']} exercises: "
          f"{args.out / 'student'} without their {counts['solutions removed']} solutions, "
          f"{args.out / 'instructor'} with them")


if __name__ == "__main__":
    main()
