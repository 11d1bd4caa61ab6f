"""Results files (ganbook/records.py): each shipped file is no older than the code it measured,
and the pages' "what we found" sections, "## Checks" notes and exercise solutions type no
measured number without a source."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ganbook import checkpoint, records

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(records.SHIPPED.glob("*.json"))


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


HISTORY = (ROOT / ".git").exists() and git("rev-parse", "--is-shallow-repository").stdout.strip() \
    == "false"


def code_without_docstrings(source: str) -> str:
    """The module's syntax tree with docstrings dropped: comments and docstrings may change
    without making a result stale, anything else may not."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def measuring_cells(notebook_json: str) -> list[str] | None:
    """A notebook's code cells up to the one that records its results (None: none does)."""
    cells = [c for c in json.loads(notebook_json)["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in cells]
    last = next((i for i, s in enumerate(sources)
                 if re.search(r"^\s*record_results\(", s, re.M)), None)
    return None if last is None else sources[: last + 1]


def changed_since(commit: str, path: str) -> bool:
    """Whether ``path`` differs, in what can change a result, from its state at ``commit``."""
    if not (ROOT / path).exists():
        return True
    if not path.endswith((".py", ".ipynb")):  # shipped weights: the same bytes
        then = git("rev-parse", f"{commit}:{path}")
        now = git("hash-object", path).stdout.strip()
        return then.returncode != 0 or then.stdout.strip() != now
    then = git("show", f"{commit}:{path}")
    if then.returncode:
        return True
    now = (ROOT / path).read_text()
    if path.endswith(".py"):
        return code_without_docstrings(then.stdout) != code_without_docstrings(now)
    return measuring_cells(then.stdout) != measuring_cells(now)


@pytest.mark.skipif(not HISTORY, reason="needs the repository's full git history")
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_results_file_is_no_older_than_the_code_it_measured(path):
    results = json.loads(path.read_text())
    commit = results["commit"]
    assert git("merge-base", "--is-ancestor", commit, "HEAD").returncode == 0, \
        f"{path.name}: commit {commit} is not in this branch's history"
    measured = [p for p in results["files"] if Path(p).name not in records.DISPLAY_ONLY]
    measured += [results["notebook"]] if results.get("notebook") else []
    stale = [p for p in measured if changed_since(commit, p)]
    assert not stale, (f"{path.name} was recorded at {commit[:7]}; since then these changed: "
                       f"{stale}. Rerun `make results` (python bench/record_results.py "
                       f"{results.get('notebook') or ''}) and commit the file")


def code_of(path: Path) -> str:
    """A notebook's code cells, or a script."""
    if path.suffix != ".ipynb":
        return path.read_text()
    cells = json.loads(path.read_text())["cells"]
    return "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def calls(function: str, name: str, code: str) -> bool:
    return bool(re.search(rf'{function}\((\s|#.*)*"{name}"', code))


def test_every_results_file_is_recorded_by_its_source_and_shown_on_a_page():
    pages = {p: code_of(p) for p in (ROOT / "book").rglob("*.ipynb")}
    for path in FILES:
        source = json.loads(path.read_text()).get("notebook")
        assert source, f"{path.name} does not name the notebook or script that recorded it"
        assert calls("record_results", path.stem, code_of(ROOT / source)), (path.name, source)
        assert any(calls("show_results", path.stem, code) for code in pages.values()), \
            f"no page shows {path.name}"


# --- typed numbers -----------------------------------------------------------------------------

# Sections that report what a run measured (anywhere else, a Markdown table row of decimals),
# and each page's "## Checks" notes, which say what its check cells found.
REPORT = re.compile(r"^#+ .*\b(found|measured?|measures say|cpu` run)", re.I)
CHECKS = re.compile(r"^#+ Checks\b")
# A hidden exercise solution: its prose is scanned as a report section's is (not its code).
SOLUTION = re.compile(r"^(`{3,})\{solution\}")
# Glue references, inline code, maths, citations, cross-references and link targets are sourced.
SOURCED = re.compile(r"\{glue(:text|:md|:any)?\}`[^`]*`|`[^`]*`|\$[^$]*\$"
                     r"|\{(ref|numref|doc|cite|eq)\}`[^`]*`|\]\([^)]*\)")
# Decimals, percentages, counts ("12/12", "14 of 20") and times ("297 s").
MEASURED = re.compile(r"(?<![\w.,/-])(\d+(\.\d+)?\s?%|\d+\.\d+|\d+/\d+(?![\w/])"
                      r"|\d+ of \d+|\d[\d,]* s\b)")
# Numbers that are settings or thresholds the text states, figures quoted from a paper, or
# arithmetic the text works out (the thresholds of a "## Checks" section are its asserts').
NOT_MEASURED = {
    "applications/01_super_resolution": {"2.65", "3.62",  # Ledig et al.'s table, quoted
                                         "0.2", "30%",  # the GAN weight; the classifier's split
                                         "0.5",  # a GAN weight the exercise tries; a bound
                                         "0.3",  # the unseen pictures check's bound
                                         "1.2", "1.0", "3%", "0.05", "0.1"},  # check bounds
    "applications/02_inpainting": {"30%",  # the random masks' share of cells
                                   "70%",  # the share they leave visible
                                   "0.3", "0.15", "0.1", "1.5", "0.05", "10%",  # check margins
                                   "0.001", "0.01"},  # adversarial weights the exercise tries
    "applications/04_cyclegan": {"0.2", "0.3", "0.8", "0.03", "0.7",  # check bounds
                                 "0.5"},  # an identity weight the exercise tries
    "applications/05_singan": {"0.02",  # the distance under which a patch counts as copied
                               "0.1"},  # the noise weight (amplitude per missed RMS)
    "applications/06_video": {"2.5%",  # the threshold of the direction check
                              "99%",  # the blank share's definition (real frames' 1% quantile)
                              "0.6", "0.3", "40%", "0.2", "0.8", "0.5", "0.4"},  # check bounds
    "applications/07_text_to_image": {"0.5", "0.15", "0.1", "0.05"},  # check margins
    "applications/08_text_to_music": {"0.12", "0.1", "0.05", "10%"},  # check bounds
    "beyond/faq": {"0.5"},  # D(x) and D(G(z)) at the equilibrium, from the theory
    "beyond/trends": {"0.1",  # the noise level of a 20-face test set
                      "0.35", "0.6", "1.5", "0.62", "0.57", "0.8", "0.75", "2.5",  # check bounds
                      "0.5"},  # chance balanced accuracy; a memorisation ratio to worry about
    "image/01_dcgan_digits": {"0.7", "0.75", "3%", "1.5",  # check bounds
                              "0.99", "0.9999"},  # EMA decays the exercise tries
    "image/02_loss_zoo": {"0.35", "0.1", "0.2", "0.5",  # check bounds
                          "0.3"},  # D(G(z)) where the saturating gradient is still useful
    "image/03_conditional": {"80%", "60%", "90%",  # check bounds
                             "10%",  # chance with ten classes
                             "2%"},  # one image of about 45
    "image/04_portraits": {"0.6", "0.5"},  # check bounds
    "image/05_latent_space": {"0.2", "0.8", "0.6", "0.4", "0.02",  # check bounds and psi values
                              "2.8"},  # half the norm of a 32-dimensional Gaussian code
    "music/02_chorale_gan": {"0.85", "0.25", "0.3", "0.9",  # check bounds
                             "1.0", "0.1"},  # penalty weights of an earlier recipe
    "project/article_text_gan": {"16.6"},  # where float32 rounds sigmoid to 1, worked out
}


def typed_numbers(path: Path, solutions_and_checks: bool = True) -> list[tuple[str, str]]:
    """(number, line) for each number typed outside a source in a report section, a Markdown
    table row, a "## Checks" section or the prose of a ``{solution}`` block."""
    found, inside = [], False

    def scan(line: str) -> None:
        found.extend((re.sub(r"\s+%", "%", m.group(1)), line.strip())
                     for m in MEASURED.finditer(SOURCED.sub("", line)))

    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        fence = 0  # the backticks of the open fence (a ```` block may hold ``` blocks)
        solution = False  # whether that fence is a {solution} block
        code = 0  # the backticks of a code block inside a solution (its lines are not prose)
        for line in "".join(cell["source"]).splitlines():
            ticks = len(line) - len(line.lstrip("`"))
            bare = ticks >= 3 and not line.strip("`").strip()
            if fence and bare and ticks >= fence:  # closes the block and any code left open
                fence = code = 0
            elif code:
                code = 0 if bare and ticks >= code else code
            elif fence:
                if solution and ticks >= 3:  # a ``` fence with an info string inside a ``` block
                    code = ticks if ticks < fence else 10 ** 9  # is code until the block closes
                elif solution:
                    scan(line)
            elif ticks >= 3:
                fence, solution = ticks, solutions_and_checks and bool(SOLUTION.match(line))
            elif line.startswith("#"):
                inside = bool(REPORT.match(line)) \
                    or (solutions_and_checks and bool(CHECKS.match(line)))
            elif inside or line.startswith("|"):
                scan(line)
    return found


NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
NAMES = [str(p.relative_to(ROOT / "book")) for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_report_sections_type_no_measured_number(path):
    """A number in a "What we found / measured" section, a "## Checks" section or an exercise's
    solution is glued from this page's run or from a results file (``show_results``), or is a
    setting, threshold, quoted figure or piece of arithmetic the text states (``NOT_MEASURED``)."""
    key = str(path.relative_to(ROOT / "book").with_suffix(""))
    typed = [(n, line) for n, line in typed_numbers(path)
             if n not in NOT_MEASURED.get(key, ())]
    assert not typed, f"typed measured numbers (glue them or show a results file): {typed[:8]}"


def test_typed_number_scan_finds_a_stale_table_and_spares_glue(tmp_path):
    cell = {"cell_type": "markdown", "source": [
        "## What we found\n", "| L2 | 21.89 |\n", "gain {glue:text}`x:.2f` dB, 45% of `0.5`\n",
        "hit 12/12, 14 of 20, in 297 s and 8 steps\n",
        "## Exercises\n", "0.75 here is fine\n", "| but a table | 0.75 |\n",
        "## What we measured\n", "````{solution} x\n", "```python\n", "# What we found\n",
        "```\n", "0.5 in a solution\n", "````\n", "| after it | 0.25 |\n"]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell]}))
    assert [n for n, _ in typed_numbers(path, solutions_and_checks=False)] == [
        "21.89", "45%", "12/12", "14 of 20", "297 s", "0.75", "0.25"]
    # A solution's prose is scanned too; the code inside it is not.
    assert [n for n, _ in typed_numbers(path)] == ["21.89", "45%", "12/12", "14 of 20", "297 s",
                                                   "0.75", "0.5", "0.25"]


def test_typed_number_scan_reads_solution_prose_and_checks_notes_only(tmp_path):
    cells = [
        {"cell_type": "markdown", "source": ["## Checks\n", "The check passed 9/10 seeds.\n"]},
        {"cell_type": "code", "source": ["assert fd < 0.35\n"]},
        {"cell_type": "markdown", "source": [
            "## Exercises\n", "```{exercise} Try\n", ":label: ex-a\n", "Beat 0.31.\n", "```\n",
            "````{solution} ex-a\n", ":class: dropdown\n", "It scored 0.42 here.\n",
            "```python\n", "x = 0.99  # code, not prose\n", "```\n", "about 35 s a run\n",
            "````\n", "0.8 after the solution\n", "```{solution} ex-b\n", "at 25% then\n",
            "```python\n", "y = 1.5  # in a ``` block, code until the block closes\n", "```\n",
            "0.6 after it\n"]}]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    assert [n for n, _ in typed_numbers(path)] == ["9/10", "0.42", "35 s", "25%"]
    assert typed_numbers(path, solutions_and_checks=False) == []


# --- recording ---------------------------------------------------------------------------------

def test_record_results_writes_only_when_asked_and_under_cpu(tmp_path, monkeypatch):
    tables = {"main": {"L2": {"PSNR": 21.5, "accuracy": 0.9}}}
    monkeypatch.delenv(records.RECORD_VAR, raising=False)
    assert records.record_results("demo", tables) is None
    monkeypatch.setenv(records.RECORD_VAR, str(tmp_path))
    monkeypatch.setenv("GANBOOK_PROFILE", "test")
    with pytest.raises(ValueError, match="cpu"):
        records.record_results("demo", tables)
    with pytest.raises(ValueError, match="identifier"):
        records.record_results("two words", tables)

    monkeypatch.setenv("GANBOOK_PROFILE", "cpu")
    monkeypatch.delenv(records.SOURCE_VAR, raising=False)
    with pytest.raises(ValueError, match="notebook or script"):
        records.record_results("demo", tables)
    monkeypatch.setenv(records.SOURCE_VAR, "book/demo.ipynb")
    answers = {"status": "", "rev-parse": "a" * 40}
    monkeypatch.setattr(records, "_git", lambda *args: answers[args[0]])
    monkeypatch.setattr(checkpoint, "PRETRAINED_READ", {"image_dcgan_digits"})
    path = records.record_results("demo", tables)
    saved = json.loads(path.read_text())
    assert saved["tables"] == tables and saved["commit"] == "a" * 40 and saved["profile"] == "cpu"
    assert "ganbook/loop.py" in saved["files"] and "ganbook/records.py" not in saved["files"]
    assert "ganbook/weights/image_dcgan_digits.pt" in saved["files"]
    assert saved["notebook"] == "book/demo.ipynb"
    tables["main"]["L2"] |= {"accuracy": np.float32(0.5), "spread": float("nan")}
    saved = json.loads(records.record_results("demo", tables).read_text())
    assert saved["tables"]["main"]["L2"] == {"PSNR": 21.5, "accuracy": 0.5, "spread": None}

    answers["status"] = " M ganbook/loop.py"
    with pytest.raises(RuntimeError, match="uncommitted"):
        records.record_results("demo", tables)


def test_show_results_names_the_run_and_load_results_names_the_missing_file(capsys, monkeypatch,
                                                                           tmp_path):
    monkeypatch.setattr(records, "SHIPPED", tmp_path)
    with pytest.raises(FileNotFoundError, match="make results"):
        records.load_results("nothing")
    (tmp_path / "demo.json").write_text(json.dumps({
        "profile": "cpu", "commit": "b" * 40, "date": "2026-12-06", "torch": "2.13.0",
        "cpu_capability": "AVX2", "tables": {"main": {"L2": {"PSNR": 21.5}}}}))
    tables = records.show_results("demo", {"main": "Centre hole"})
    assert tables["main"]["L2"]["PSNR"] == 21.5
    assert "commit bbbbbbb on 2026-12-06" in capsys.readouterr().out
    with pytest.raises(KeyError, match="has no table.*'main'"):
        records.show_results("demo", {"mian": "typo"})


def test_code_comparison_ignores_docstrings_and_comments_only():
    a = 'def f(x):\n    """Old words."""\n    return x + 1  # one\n'
    b = 'def f(x):\n    """New words."""\n    # a comment\n    return x + 1\n'
    c = 'def f(x):\n    """Old words."""\n    return x + 2\n'
    assert code_without_docstrings(a) == code_without_docstrings(b)
    assert code_without_docstrings(a) != code_without_docstrings(c)
