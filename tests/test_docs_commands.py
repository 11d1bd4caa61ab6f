"""Every command README.md and DEVELOPING.md tell a user to type exists after `make install`.

The two pages are read for commands in shell code blocks and in code spans (`make ...`,
`jupyter ...`, `python -m ...`, `python SCRIPT.py`, `.venv/bin/...`, `torchrun ...`). A `make`
target must be a rule of the Makefile (a dry run succeeds); any other program must be in the
project's venv (the one running this test), its `--help` must run, and list every long option
the page uses.
"""

from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("README.md", "DEVELOPING.md")
BIN = Path(sys.executable).parent  # the venv's scripts: `make install` puts them there
SHELL_LANGS = {"", "bash", "sh", "shell", "console"}
# Programs the pages may name bare or as .venv/bin/NAME; each must be in the venv.
VENV_PROGRAMS = {"jupyter", "jupytext", "jupyter-book", "pytest", "ruff", "torchrun", "python"}
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


@dataclass(frozen=True)
class Command:
    """One command a page tells the reader to type, and where it says so."""

    text: str
    where: str  # "README.md:55"

    @property
    def argv(self) -> list[str]:
        """The words, without leading VAR=value assignments."""
        words = shlex.split(self.text)
        while words and _ASSIGNMENT.match(words[0]):
            words.pop(0)
        return words

    @property
    def program(self) -> str:
        """`make`, a venv program's name, or "" when the text is not a command we check."""
        words = self.argv
        if not words:
            return ""
        head = words[0].removeprefix(".venv/bin/")
        if head == "make":
            return "make" if len(words) > 1 else ""  # a bare `make` names the tool
        if head in ("python", "python3"):
            module = words[1:2] == ["-m"] and len(words) > 2
            return "python" if module or words[1:2] and words[1].endswith(".py") else ""
        return head if head in VENV_PROGRAMS or words[0].startswith(".venv/bin/") else ""


def _snippets(path: Path) -> list[tuple[str, int]]:
    """Shell lines from fenced blocks, and code spans from the prose, with their line numbers."""
    found, prose, fence = [], [], None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, lang = match.group(1), match.group(2).lower()
            continue
        if fence is not None:
            if line.strip() and set(line.strip()) == {fence[0]} and len(line.strip()) >= len(
                    fence):
                fence = None
            elif lang in SHELL_LANGS:
                found.append((line.split(" #")[0].strip(), number))
            continue
        prose.append((number, line))
    text = "\n".join(line for _, line in prose)
    starts = [0]
    for _, line in prose:
        starts.append(starts[-1] + len(line) + 1)
    for match in _SPAN.finditer(text):
        index = sum(1 for s in starts[1:] if s <= match.start())
        found.append((" ".join(match.group(2).split()), prose[index][0]))
    return found


def page_commands() -> list[Command]:
    """Every checkable command on the two pages, once each (the first place it appears)."""
    seen: dict[str, Command] = {}
    for page in PAGES:
        for text, number in _snippets(ROOT / page):
            try:
                command = Command(text, f"{page}:{number}")
                if command.program:
                    seen.setdefault(text, command)
            except ValueError:  # not shell words (an unbalanced quote in prose)
                continue
    return list(seen.values())


COMMANDS = page_commands()


@functools.cache
def _output(argv: tuple[str, ...]) -> tuple[int, str]:
    """Run ``argv`` in the repository root: its exit status and everything it printed."""
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def _help_argv(command: Command) -> list[str]:
    """The program (with its subcommand, if the page uses one) and `--help`."""
    words = command.argv
    if command.program == "python" and words[1] != "-m":  # a script: python bench/x.py
        program, rest = [sys.executable, words[1]], words[2:]
    elif command.program == "python":
        program, rest = [sys.executable, "-m", words[2]], words[3:]
    else:
        program, rest = [str(BIN / command.program)], words[1:]
    if command.program == "jupyter" and rest:
        program.append(rest[0])  # `jupyter lab` runs jupyter-lab: it must be installed
    elif rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]):
        if re.search(rf"\b{re.escape(rest[0])}\b", _output((*program, "--help"))[1]):
            program.append(rest[0])  # a subcommand: `jupyter lab`, `ganbook train`
    return program + ["--help"]


def test_the_pages_name_the_commands_a_new_user_types():
    texts = {c.text for c in COMMANDS}
    for expected in ("make install", ".venv/bin/jupyter lab book/", "make book", "make test"):
        assert expected in texts, f"the page parser did not find `{expected}`: {sorted(texts)}"
    assert any(".venv/bin/jupyter nbconvert" in t for t in texts), sorted(texts)
    assert any(t.startswith("python -m ganbook train") for t in texts), sorted(texts)


def test_the_parser_reads_spans_blocks_and_skips_python(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Run `make book PROFILE=test`, then\n`jupyter lab\nbook/`.\n\n"
                    "```bash\nmake test   # all of it\n```\n\n```python\nmake = 1\n```\n")
    assert _snippets(page) == [("make test", 6), ("make book PROFILE=test", 1),
                               ("jupyter lab book/", 2)]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.program == "make"],
                         ids=lambda c: c.text)
def test_make_target_exists(command):
    targets = [w for w in command.argv[1:] if not w.startswith("-") and "=" not in w]
    variables = [w for w in command.argv[1:] if "=" in w and not w.startswith("-")]
    status, shown = _output(("make", "-n", *targets, *variables))
    assert status == 0, f"{command.where}: `{command.text}` is not a working make target: {shown}"


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.program != "make"],
                         ids=lambda c: c.text)
def test_program_is_installed_and_its_help_runs(command):
    if command.program != "python":
        assert (BIN / command.program).exists(), (
            f"{command.where}: `{command.text}` needs {command.program} in {BIN}; "
            "`make install` must install it (requirements.txt)"
        )
    argv = _help_argv(command)
    if command.program == "jupyter":
        assert (BIN / f"jupyter-{argv[1]}").exists(), (
            f"{command.where}: `{command.text}` needs jupyter-{argv[1]} in {BIN}; "
            "`make install` must install it (requirements.txt)"
        )
    status, shown = _output(tuple(argv))
    assert status == 0, (
        f"{command.where}: `{command.text}`: `{' '.join(argv)}` exited {status}: "
        f"{shown[-2000:]}"
    )
    options = {w.split("=")[0] for w in command.argv if w.startswith("--")}
    missing = sorted(o for o in options if o not in shown)
    assert not missing, f"{command.where}: `{' '.join(argv)}` does not list {missing}"
