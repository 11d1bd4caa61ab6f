"""Show an error the reader is meant to see, briefly: the failing line and the message.

The hands-on project runs the source article's code, which fails. A full traceback of torch
internals buries that lesson (and runs off the page); :func:`fails_on_purpose` prints only
the cell's line that failed and the error, and itself fails if the error does not happen.
"""

from __future__ import annotations

import linecache
import textwrap
from contextlib import contextmanager
from typing import Iterator

WIDTH = 88


@contextmanager
def fails_on_purpose(*expected: type[BaseException], width: int = WIDTH) -> Iterator[None]:
    """Run the ``with`` block, which must raise one of ``expected``; print a short report.

    Raises ``AssertionError`` if the block runs without error, and lets any other exception
    through unchanged (a different failure than the one the text explains is a real bug).
    """
    if not expected or not all(
        isinstance(e, type) and issubclass(e, BaseException) for e in expected
    ):
        raise TypeError(f"expected must be one or more exception classes, got {expected!r}")
    names = " or ".join(e.__name__ for e in expected)
    try:
        yield
    except expected as err:
        print(short_report(err, width))
    else:
        raise AssertionError(f"this block should fail with {names}, but it ran without error")


def short_report(err: BaseException, width: int = WIDTH) -> str:
    """``"This cell fails on purpose"``, the block's line that raised, and the wrapped error."""
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_name in ("fails_on_purpose", "__exit__"):
        tb = tb.tb_next  # skip frames of the context manager itself
    lines = ["This cell fails on purpose. The line that failed:"]
    if tb is not None:
        line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
        if line:
            lines.append(f"    {line}")
    message = f"{type(err).__name__}: {err}"
    lines += textwrap.wrap(message, width, subsequent_indent="    ") or [message]
    return "\n".join(lines)
