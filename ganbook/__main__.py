"""``python -m ganbook``: the command line of :mod:`ganbook.cli`."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
