"""Every notebook's Colab install cell, written from `_config.yml`'s `repository.url`.

The repository's address is one setting, `repository.url` in `_config.yml` (the launch
buttons read it too). A fork changes it there and runs `python bench/install_cells.py`, which
rewrites the install cell of every notebook under book/; with `--check` it only lists the
notebooks whose cell differs (tests/test_notebooks_clean.py checks the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
# The cell every notebook has second (DEVELOPING.md), with the address left out.
TEMPLATE = """\
# On Colab (or wherever ganbook is missing), install it from the book's repository.
# ganbook accepts the versions Colab ships (its torch, IPython 7.34, ipywidgets 7.7),
# so pip upgrades nothing already loaded and the runtime needs no restart.
import importlib.util

if importlib.util.find_spec("ganbook") is None:
    %pip install --quiet "ganbook @ git+{url}\""""


def repository_url(root: Path = ROOT) -> str:
    """The book's repository address: `repository.url` in `root/_config.yml`."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text())
    url = (config.get("repository") or {}).get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"_config.yml: repository.url must be an http(s) address, got {url!r}")
    return url


def install_cell(url: str) -> str:
    """The install cell's source for a repository at ``url``."""
    return TEMPLATE.format(url=url)


def _install_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The notebook's code cells that install ganbook (there should be exactly one)."""
    return [c for c in nb.cells if c.cell_type == "code" and 'find_spec("ganbook")' in c.source]


def notebooks(book: Path) -> list[Path]:
    """Every notebook under ``book`` (not Jupyter's checkpoints), sorted."""
    return sorted(p for p in Path(book).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def stale(path: Path, url: str) -> str:
    """Why the notebook at ``path`` lacks the install cell for ``url`` ("" if it has it)."""
    cells = _install_cells(nbformat.read(path, as_version=4))
    if len(cells) != 1:
        return f"{path.name}: {len(cells)} install cells, expected 1"
    if cells[0].source != install_cell(url):
        return f"{path.name}: its install cell does not install from {url}, as _config.yml says"
    return ""


def write(path: Path, url: str) -> bool:
    """Rewrite the notebook's one install cell for ``url``; True if it changed."""
    nb = nbformat.read(path, as_version=4)
    cells = _install_cells(nb)
    if len(cells) != 1:
        raise ValueError(f"{path}: expected one install cell (DEVELOPING.md), found {len(cells)}")
    if cells[0].source == install_cell(url):
        return False
    cells[0].source = install_cell(url)
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list the stale notebooks")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the book's folder, holding _config.yml and book/ (default: here)")
    args = parser.parse_args(argv)
    url, found = repository_url(args.root), notebooks(args.root / "book")
    if args.check:
        problems = [problem for path in found if (problem := stale(path, url))]
        print("\n".join(problems) or f"every install cell installs from {url}")
        return 1 if problems else 0
    changed = [path for path in found if write(path, url)]
    print(f"{len(changed)} install cells rewritten to install from {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
