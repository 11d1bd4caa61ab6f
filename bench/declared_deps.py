"""Run the book as Colab would: a fresh venv holding only the package and what it declares.

    python bench/declared_deps.py [--venv /tmp/ganbook-declared] [--workers 2] [notebooks...]

Builds a virtual environment, installs the wheel of this checkout (``pip install .``, no
requirements.txt) plus Colab's own runtime (``ipykernel`` and ``nbclient``, which run the
notebooks), then executes every notebook's code cells under the ``test`` profile and reports
the first error of each. A ``ModuleNotFoundError`` there is an import the package does not
declare. Then it installs ``ganbook[instructor]`` and runs the instructor's kit
(``python -m ganbook.exercises.student``). Exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ["ipykernel", "nbclient"]  # what Colab's runtime brings, not ganbook's to declare

RUN_ONE = """
import sys, nbformat
from nbclient import NotebookClient
from pathlib import Path
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": str(Path(path).parent)}}).execute()
for i, cell in enumerate(nb.cells):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            print(f"cell {i}: {out['ename']}: {out['evalue'][:200]}")
            raise SystemExit(1)
"""


def sh(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, **kw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in _toc.yml")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) /
                        "ganbook-declared")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    py = args.venv / "bin" / "python"
    if not py.exists():
        sh(sys.executable, "-m", "venv", str(args.venv))
    # torch first, as the Makefile does (TORCH_SPEC, TORCH_PIP_ARGS); then the package with its
    # declared dependencies only, and Colab's runtime. nbclient, run by the venv's python,
    # starts its kernels with that python: no kernelspec to install.
    sh(str(py), "-m", "pip", "install", "--quiet",
       *os.environ.get("TORCH_PIP_ARGS", "").split(),
       os.environ.get("TORCH_SPEC", "torch==2.13.0"))
    sh(str(py), "-m", "pip", "install", "--quiet", str(ROOT), *RUNTIME)
    sys.path.insert(0, str(ROOT))
    from ganbook.exercises.student import toc_notebooks

    paths = [str(Path(p).resolve()) for p in args.notebooks] or \
        [str(ROOT / p) for p in toc_notebooks(ROOT)]
    env = {**os.environ, "GANBOOK_PROFILE": "test", "OMP_NUM_THREADS": "1",
           "TQDM_DISABLE": "1", "GANBOOK_STATIC": "1",
           "PATH": f"{args.venv}/bin:" + os.environ["PATH"]}
    env.pop("PYTHONPATH", None)
    runner = args.venv / "run_one.py"
    runner.write_text(RUN_ONE)
    # nbformat comes with nbclient (the runtime), so the runner needs nothing undeclared
    failed = []
    running: list[tuple[str, subprocess.Popen, float]] = []
    queue = list(paths)
    while queue or running:
        while queue and len(running) < args.workers:
            path = queue.pop(0)
            proc = subprocess.Popen([str(py), str(runner), path], env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    cwd=tempfile.gettempdir())
            running.append((path, proc, time.perf_counter()))
        time.sleep(0.5)
        for job in [j for j in running if j[1].poll() is not None]:
            running.remove(job)
            path, proc, start = job
            out = proc.stdout.read().strip()
            name = os.path.relpath(path, ROOT)
            verdict = "ok" if proc.returncode == 0 else f"FAILED {out}"
            print(f"{name}: {verdict} ({time.perf_counter() - start:.0f} s)", flush=True)
            if proc.returncode:
                failed.append(name)
    sh(str(py), "-m", "pip", "install", "--quiet", f"{ROOT}[instructor]")
    with tempfile.TemporaryDirectory() as out:  # run outside the clone: the wheel's kit
        kit = subprocess.run([str(py), "-m", "ganbook.exercises.student",
                              "--book", str(ROOT / "book"),
                              "--out", out], cwd=out, env=env, text=True, capture_output=True)
        made = len(list(Path(out).rglob("*.ipynb")))
    print(f"instructor kit: {'ok' if kit.returncode == 0 else 'FAILED'} ({made} notebooks)"
          + ("" if kit.returncode == 0 else f"\n{kit.stderr[-2000:]}"))
    if kit.returncode:
        failed.append("instructor kit")
    print(f"{len(paths) - len(failed)} of {len(paths)} notebooks ran with the declared "
          f"dependencies only" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
