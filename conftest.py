"""Pytest hooks for the whole repository.

- After nbval runs, a table of each notebook's run time (the sum of its cell times).
- ``--nb-executed DIR``: each notebook nbval ran without a failure is written to DIR with
  the outputs its cells produced, so that ``make test`` builds the book from nbval's run
  instead of executing every notebook a second time (``bench/execute_notebooks.py
  --executed DIR`` puts them in the build's execution cache).
"""
from __future__ import annotations

import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--nb-executed", metavar="DIR", default=None,
                     help="write each notebook nbval ran without a failure, with its "
                          "outputs, to DIR (at its path under the rootdir)")


class ExecutedNotebooks:
    """Collects nbval's cell outputs and writes each notebook once its last cell has run."""

    def __init__(self, folder: Path, root: Path, run_env: tuple[str, ...]):
        self.folder, self.root, self.run_env = folder, root, run_env
        self.failed: set[str] = set()
        self.seconds: dict[str, float] = defaultdict(float)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        if not hasattr(item, "test_outputs"):  # not an nbval cell
            return
        path = str(item.parent.fspath)
        if report.failed or report.skipped:
            self.failed.add(path)
        if call.when == "call":
            self.seconds[path] += report.duration
            item.cell.outputs = list(item.test_outputs or [])

    def pytest_runtest_teardown(self, item, nextitem):
        if not hasattr(item, "test_outputs"):
            return
        if nextitem is not None and nextitem.parent is item.parent:
            return  # the notebook's last cell is still to come
        path = str(item.parent.fspath)
        if path not in self.failed:
            self.write(item.parent.nb, path)

    def write(self, nb, path: str) -> None:
        import nbformat

        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if output.get("output_type") in ("display_data", "execute_result"):
                    output.setdefault("metadata", {})
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = count
        from ipykernel.ipkernel import IPythonKernel  # the kernel nbval ran: this Python's

        # what a kernel reports and nbclient stores; myst-nb picks the code lexer from it
        nb.metadata["language_info"] = dict(IPythonKernel.language_info)
        nb.metadata["ganbook_executed"] = {
            "by": "nbval", "seconds": round(self.seconds[path], 1),
            **{name: os.environ.get(name, "") for name in self.run_env}}
        target = self.folder / os.path.relpath(path, self.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))


def pytest_configure(config):
    folder = config.getoption("--nb-executed", default=None)
    if folder:
        if not hasattr(config, "workerinput"):  # the controller: no run's notebooks survive
            shutil.rmtree(folder, ignore_errors=True)
        sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
        from execute_notebooks import RUN_ENV  # what the import compares

        plugin = ExecutedNotebooks(Path(folder).resolve(), Path(config.rootpath), RUN_ENV)
        config.pluginmanager.register(plugin, "ganbook-executed-notebooks")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    seconds: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", None) == "call" and ".ipynb::" in nodeid:
                seconds[nodeid.split("::")[0]] += report.duration
    if seconds:
        terminalreporter.section("notebook run times (sum of cell times)")
        for path, total in sorted(seconds.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{total:7.1f} s  {path}")
        terminalreporter.write_line(f"{sum(seconds.values()):7.1f} s  total")
