"""Results files (ganbook/pages/records.py): each shipped file is no older than the code it
measured, and the pages' "what we found" sections, "## Checks" notes and exercise solutions type no
measured number without a source."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ganbook.core import checkpoint
from ganbook.pages import records

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
    measured = [p for p in results["files"] if not records.display_only(ROOT / p)]
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

# Glue references, inline code, maths, citations, cross-references and link targets are sourced.
SOURCED = re.compile(r"\{glue(:text|:md|:any)?\}`[^`]*`|`[^`]*`|\$\$[^$]*\$\$|\$[^$]*\$"
                     r"|\{(ref|numref|doc|cite|eq)\}`[^`]*`|\]\([^)]*\)")
# Decimals, percentages, counts ("12/12", "14 of 20") and times ("297 s").
MEASURED = re.compile(r"(?<![\w.,/-])(\d+(\.\d+)?\s?%|\d+\.\d+|\d+/\d+(?![\w/])"
                      r"|\d+ of \d+|\d[\d,]* s\b)")
# The numbers a page may type: settings, thresholds (a check cell's bounds), figures quoted
# from a paper, facts of the method (chance levels) and arithmetic the text works out. Each is
# allowed only on a line that contains its words here, not anywhere on the page.
NOT_MEASURED = {
    "applications/01_super_resolution": [
        'above 0.25 cycles/pixel', '({cite}`lopezpaz2017c2st`); 0.5 means', 'need 0.2 for',
        'below 1/8)', 'least 1.2 dB', '1.0 dB', 'least 0.5 dB', '(0.35 dB under', 'least 1 dB',
        'by 3% of', 'of 0.05 dB',
        'least 0.1 dB', '`test`, 0.5 dB', 'back 2.65', "SRResNet's 3.62 dB", 'weight 0.2 is',
        'on 30% of', '`adv_weight` 0.05,', '0.05, 0.2 and', 'and 0.5 (the', 'prototype, 0.5 for',
        'against 0.2)',
    ],
    "applications/02_inpainting": [
        'with 0.999 of', '0.001 of', 'ones; 0.5 means', 'probability 0.3,',
        'otherwise) 0.003 still', 'them, 0.03 gave', 'and 0.1 a', '(by 0.3)', '(by 0.15 under',
        '`cpu`; 0.1 after', 'least 10%', 'by 1.5 dB;', 'accuracy 0.05', 'accuracy: 0.15 above',
        '`adv_weight` 0.001,', '0.001, 0.01,', '0.01, 0.1 and', 'Expect 0.001 to',
        'measurable, 0.01-0.1', 'With 70% of',
    ],
    "applications/03_pix2pix": [
        '0.80 per-pixel', '0.1).', 'by 0.3 and', 'steps, 0.85 under', '+ 0.3\\sqrt{\\mu_{rg}^2',
    ],
    "applications/04_cyclegan": [
        'probability 1/2,', 'least 0.2,', 'least 0.3.', 'least 0.8 times', '0.03 at', '0.7 times',
        'within 0.03 of', 'least 0.8 of', '`identity_weight` 0.5,', '0.5 and',
    ],
    "applications/05_singan": [
        'within 0.02', 'side 0.75 times', 'weight 0.1,', 'is 0.1 times', 'after 80% of',
        'below 0.02', '0.75) and, at every', 'within 0.02 of', 'image 1.5 times',
        'output 1.5 times', 'brick 1.5 times', 'become 1.5 times',
        '(`pyramid.amplitudes`: 0.1 times',
    ],
    "applications/06_video": [
        'than 99% of', 'least 2.5% of', '0.2\\,\\epsilon_t,', '(0, 0.9),', 'below 0.6 times',
        'least 0.3 more', 'within 40% of', 'least 0.2 fewer', 'above 0.8', 'least 0.5 above',
        'below 0.4 times', 'probability 1/10,', 'distance 0.606 with', 'it, 1.115 without).',
        '0.5)`',
    ],
    "applications/07_text_to_image": [
        'then 1/2', 'and 1/3 for', '(0, 0.9))', 'chance 0.5)', 'chance 0.33).', '0.5).',
        'least 0.5 more', 'within 0.15 of', 'least 0.15 (thickness)', 'and 0.1 (slant);',
        '0.1. On the held-out', '0.05, and the generator', 'within 0.05 of chance',
        'least 0.8 of the',
    ],
    "applications/08_text_to_music": [
        '(about 1/2 for', 'mode, 1/3 for', 'within 10% of', 'least 0.3 for', 'most 0.1 below',
        'under 10%.',
    ],
    "beyond/faq": [
        'below, 90% of', 'output 0.5 everywhere.', 'at 0.5.', '0.05, sits between', '≈ 0.99 and',
        '≈ 0.01 from', 'near 0.5 and',
    ],
    "beyond/trends": [
        '(decay 0.999),', 'of 3.17 with', 'reached 2.92 in', 'scores 0.5.', 'of 0.05:',
        'about 0.1 as', 'about 0.1 are', 'within 0.35x', 'most 0.6x', 'within 1.5x',
        'least 0.62 balanced', '`cpu`, 0.57 under', 'least 0.8 under', '`cpu`, 0.75 under',
        'about 0.5 and', 'within 2.5x', 'under 0.5 for',
    ],
    "foundations/minimax_math": [
        '(bandwidth 0.05),', 'most 0.04,', 'deviation 0.5),', '(say 0.2)',
    ],
    "foundations/two_player_game": [
        '0.1 on', 'deviation 0.02 instead', 'of 0.1.', '1.38 and', 'about 0.69.', 'of 0.02 rather',
        'than 0.1.',
    ],
    "image/01_dcgan_digits": [
        'class, 25% held', '0.2),', 'them. 10% means', 'decay 0.999)', 'about 1/63 for',
        '(0, 0.9),', '12% for', 'score 1.0x-2.0x', '0.7**,', '3%**', 'least 0.75 and', 'least 3%;',
        '1.5x**', 'With 0.99 the', 'With 0.9999 it',
    ],
    "image/02_loss_zoo": [
        'Adam(2e-4, 0.5,', '0.5, 0.999);', '0.35 under', '`test`, 0.1 under', 'above 0.2 under',
        '`test`, 0.5', '0.3 to', 'to 0.5 its',
    ],
    "image/03_conditional": [
        'about 10%,', 'least 80% of', 'least 60%,', '(about 10%)', 'reach 90% and', 'is 10% by',
        'by 2%),',
    ],
    "image/04_portraits": [
        'to 1/8 of', 'below 0.6x', 'above 0.5 (an',
    ],
    "image/05_latent_space": [
        'lightest 20% to', 'than 0.2,', 'of 0.8,', '0.8, 0.6 or', 'or 0.4)', 'least 0.02.',
        'by 0.5 and', 'about 2.8 and',
    ],
    "image/06_evaluating_gans": [
        '"within 1.5x',
    ],
    "intro": [
        'Python 3.11.', 'within 0.1 of',
    ],
    "music/01_scores_to_tensors": [
        'in 4/4,',
    ],
    "music/02_chorale_gan": [
        'pass 0.85);', 'bound, 0.25 under', '0.3 under', 'least 0.9 of', 'voice_weight=1.0,',
        '40.0)`.', 'weight 1.0 and', 'and 0.1,', 'fifth (0.5) and', 'tone (0.3) and',
        'above (0.5), maximised',
    ],
    "music/03_controlling_style": [
        'of 4/4 in',
    ],
    "project/article_text_gan": [
        '*exactly* 1.0 once', '*exactly* 0.0', 'About 16.6 and,',
    ],
    "text/01_mle_oracle": [
        'from 9.038 (MLE)', 'to 8.736', '(SeqGAN), 0.30 nats,',
    ],
    "text/02_seqgan": [
        'from 9.04 to', 'to 8.74 over',
    ],
    "text/04_names_and_words": [
        '(`bench/text_train_weights.py`): 90% of', 'on, 10% held', '= 0.4 tell',
    ],
}


def prose_lines(markdown: str):
    """The prose lines of a Markdown cell: not a code block (a ``` fence without a directive,
    also inside a directive such as ``{solution}``), a display-maths block or a directive's
    ``:option:`` line."""
    fences: list[tuple[int, bool]] = []  # open fences: (backticks, is a code block)
    maths = False
    for line in markdown.splitlines():
        stripped = line.strip()
        ticks = len(stripped) - len(stripped.lstrip("`"))
        bare = ticks >= 3 and not stripped.strip("`").strip()
        if fences and fences[-1][1]:  # inside code: only its closing fence counts
            if bare and ticks >= fences[-1][0]:
                fences.pop()
        elif ticks >= 3:
            if bare and fences and ticks >= fences[-1][0]:
                fences.pop()
            else:
                fences.append((ticks, not stripped.lstrip("`").startswith("{")))
        elif maths or stripped.count("$$") == 1:  # a display-maths block opens or closes
            maths = maths != (stripped.count("$$") == 1)
        elif not (fences and stripped.startswith(":")):
            yield line


def typed_numbers(path: Path) -> list[tuple[str, str]]:
    """(number, line) for each number typed outside a source in a notebook's prose."""
    found = []
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "markdown":
            for line in prose_lines("".join(cell["source"])):
                found.extend((re.sub(r"\s+%", "%", m.group(1)), line.strip())
                             for m in MEASURED.finditer(SOURCED.sub("", line)))
    return found


def allowed(number: str, line: str, phrases) -> bool:
    """Whether one of ``phrases`` holds ``number`` and is part of ``line``."""
    own = re.compile(rf"(?<![\d.]){re.escape(number)}(?![\d])")
    return any(own.search(phrase) and phrase in line for phrase in phrases)


NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
NAMES = [str(p.relative_to(ROOT / "book")) for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_prose_types_no_measured_number(path):
    """A number in a page's prose is glued from this page's run or from a results file
    (``show_results``), or is a setting, threshold, quoted figure or piece of arithmetic that
    the text states (``NOT_MEASURED``, on the line whose words it lists)."""
    key = str(path.relative_to(ROOT / "book").with_suffix(""))
    typed = [(n, line) for n, line in typed_numbers(path)
             if not allowed(n, line, NOT_MEASURED.get(key, ()))]
    assert not typed, f"typed measured numbers (glue them or show a results file): {typed[:8]}"


def test_typed_number_scan_reads_prose_and_spares_code_maths_and_glue(tmp_path):
    cells = [
        {"cell_type": "markdown", "source": [
            "## What we found\n", "| L2 | 21.89 |\n", "gain {glue:text}`x:.2f` dB, 45% of `0.5`\n",
            "hit 12/12, 14 of 20, in 297 s and 8 steps\n", "$$\n", "x^{1/2} + 0.5\n", "$$\n",
            "$$ y = 0.25 $$ and $z = 0.75$\n", "## Exercises\n", "0.75 here too\n"]},
        {"cell_type": "code", "source": ["assert fd < 0.35\n"]},
        {"cell_type": "markdown", "source": [
            "```{exercise} Try\n", ":label: ex-a\n", "Beat 0.31.\n", "```\n",
            "````{solution} ex-a\n", ":class: dropdown\n", "It scored 0.42 here.\n",
            "```python\n", "x = 0.99  # code, not prose\n", "```\n", "about 35 s a run\n",
            "````\n", "```\n", "1.5 in a plain code block\n", "```\n", "0.6 after it\n"]}]
    # a ``` code block inside a ``` solution: code until a bare fence, then prose again
    cells.append({"cell_type": "markdown", "source": [
        "```{solution} ex-b\n", "at 25% then\n", "```python\n",
        "y = 1.5  # code, not prose\n", "```\n", "0.8 after it\n"]})
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    assert [n for n, _ in typed_numbers(path)] == [
        "21.89", "45%", "12/12", "14 of 20", "297 s", "0.75", "0.31", "0.42", "35 s", "0.6",
        "25%", "0.8"]


def test_an_allowed_number_is_allowed_on_its_own_line_only():
    phrases = ["decay 0.999", "at least 0.5 above"]
    assert allowed("0.999", "an EMA with decay 0.999 here", phrases)
    assert not allowed("0.999", "it scored 0.999", phrases)  # same number, other words
    assert allowed("0.5", "must be at least 0.5 above chance", phrases)
    assert not allowed("0.5", "decay 0.999 and 0.5", phrases)  # 0.5 is not in 0.999's phrase


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
    assert "ganbook/core/loop.py" in saved["files"]
    assert "ganbook/pages/records.py" not in saved["files"]
    assert "ganbook/weights/image_dcgan_digits.pt" in saved["files"]
    assert saved["notebook"] == "book/demo.ipynb"
    tables["main"]["L2"] |= {"accuracy": np.float32(0.5), "spread": float("nan")}
    saved = json.loads(records.record_results("demo", tables).read_text())
    assert saved["tables"]["main"]["L2"] == {"PSNR": 21.5, "accuracy": 0.5, "spread": None}

    answers["status"] = " M ganbook/core/loop.py"
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


def test_weights_digest_names_the_networks_not_the_file(tmp_path):
    """A retrain that writes the same networks with other timings has the same digest: what
    bench/app_superres.py and app_text2image.py record as 'same weights as the file it
    replaced'."""
    shipped = checkpoint.load_checkpoint(checkpoint.weights_path("app_superres_l1"))
    again = tmp_path / "again.pt"
    checkpoint.save_checkpoint(again, {**shipped, "seconds": shipped["seconds"] + 1.0})
    digest = records.weights_digest("app_superres_l1")
    assert digest == records.weights_digest(str(again))
    assert digest != records.weights_digest("app_text2image_gan")
    assert records.weights_digest(str(tmp_path / "absent.pt")) is None
