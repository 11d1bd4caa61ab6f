"""Pytest hooks for the whole repository: a per-notebook time table after nbval runs."""
from collections import defaultdict


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
