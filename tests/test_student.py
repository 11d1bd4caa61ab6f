"""make student: solutions leave the student copies, exercises and code stay, the
instructor copies are the book's notebooks byte for byte."""

from pathlib import Path

import nbformat
import pytest

from ganbook.exercises.student import main, notebooks, strip_solutions, student_copy, write_kits

ROOT = Path(__file__).resolve().parents[1]

MARKDOWN = """## Exercises

```{exercise} Short
:label: ex-a
Why?
```

```{solution} ex-a
:class: dropdown
Because.
```

````{exercise} With code
:label: ex-b
```python
print("stub")
```
````

````{solution} ex-b
:class: dropdown
```python
print("answer")
```
More answer.
````

:::{solution} ex-c
A colon fence.
:::

```{solution-start} ex-d
```
A gated solution.
```{solution-end}
```
Kept after."""


def _notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x = 1", execution_count=3)
    code.outputs = [nbformat.v4.new_output("stream", text="1")]
    tagged = nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]})
    only = nbformat.v4.new_markdown_cell("```{solution} ex-a\nonly a solution\n```")
    nb.cells = [code, nbformat.v4.new_markdown_cell(MARKDOWN), tagged, only]
    return nb


def test_strip_solutions_removes_every_form_and_keeps_the_exercises():
    text, removed = strip_solutions(MARKDOWN)
    assert removed == 4
    assert "{solution" not in text and "answer" not in text and "Because" not in text
    assert text.count("{exercise}") == 2 and 'print("stub")' in text
    assert text.endswith("Kept after.") and "\n\n\n" not in text


def test_an_unclosed_solution_is_an_error_naming_the_place():
    with pytest.raises(ValueError, match="cell 7: the block opened on line 2"):
        strip_solutions("text\n````{solution} ex-a\n```\nnever closed", "cell 7")


def test_student_copy_drops_tagged_cells_and_empty_cells_and_clears_outputs():
    nb = _notebook()
    student, removed = student_copy(nb)
    assert removed == 6  # four in the markdown, the tagged cell, the lone solution
    assert [c.cell_type for c in student.cells] == ["code", "markdown"]
    assert student.cells[0].outputs == [] and student.cells[0].execution_count is None
    assert nb.cells[0].outputs and len(nb.cells) == 4, "the original is left alone"


def test_the_real_book(tmp_path):
    counts = write_kits(ROOT / "book", tmp_path)
    sources = notebooks(ROOT / "book")
    assert counts["notebooks"] == len(sources) >= 20
    assert counts["solutions removed"] >= counts["exercises"] >= 3 * len(sources)
    for path in sources:
        rel = path.relative_to(ROOT / "book")
        assert (tmp_path / "instructor" / rel).read_bytes() == path.read_bytes()
        book, student = (nbformat.read(p, as_version=4)
                         for p in (path, tmp_path / "student" / rel))
        md = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
        assert "{solution" not in md, rel
        assert md.count("{exercise}") == sum(
            c.source.count("{exercise}") for c in book.cells if c.cell_type == "markdown"), rel
        code = [c.source for c in book.cells if c.cell_type == "code"]
        assert [c.source for c in student.cells if c.cell_type == "code"] == code, rel


def test_main_reports_counts_and_an_empty_book_is_an_error(tmp_path, capsys):
    book = tmp_path / "book"
    (book / "part").mkdir(parents=True)
    nbformat.write(_notebook(), book / "part" / "one.ipynb")
    main(["--book", str(book), "--out", str(tmp_path / "out")])
    assert "1 notebooks, 2 exercises" in capsys.readouterr().out
    assert (tmp_path / "out" / "student" / "part" / "one.ipynb").exists()
    with pytest.raises(ValueError, match="found none"):
        write_kits(tmp_path / "out" / "nothing", tmp_path / "x")


def test_list_exercises_reads_label_title_and_kind(tmp_path):
    import nbformat

    from ganbook.exercises.student import list_exercises

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        "## Exercises\n\n```{exercise} Why?\n:label: ex-a-1\nThink.\n```\n"
        "````{exercise} Write it (coding)\n:label: ex-a-2\n```python\ncheck_x(f)\n```\n````\n"
        "```{exercise} Explore\n:label: ex-a-3\n:class: open-ended\nTry things.\n```\n"
        "````{exercise} Build one\n:label: ex-a-4\n:class: open-ended\n"
        "```python\nG = ...\n```\n````"
    )]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert [(e["label"], e["kind"], e["open_ended"]) for e in list_exercises(path)] == [
        ("ex-a-1", "conceptual", False), ("ex-a-2", "coding", False),
        ("ex-a-3", "conceptual", True), ("ex-a-4", "coding", True),
    ]

