"""The one runner every checker shares: call the student's function on hidden cases.

Each case is called on fresh copies of its inputs, first with the library's reference and
then with the student's function. The first mismatch (or exception) prints a hint: which
input, what was expected, what came back. Nothing here touches torch's or numpy's global
random state, so a check cell does not change the notebook's later numbers.
"""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

WIDTH = 88


@dataclass(frozen=True)
class Case:
    """One hidden input: the positional ``args`` and a ``note`` on what makes it special."""

    args: tuple
    note: str = ""


def require_callable(name: str, fn: Any) -> None:
    """Raise ``TypeError`` naming ``name`` unless ``fn`` can be called."""
    if not callable(fn):
        raise TypeError(
            f"{name} must be a function (pass it without calling it: check(my_fn), "
            f"not check(my_fn())), got {type(fn).__name__}"
        )


def describe_value(x: Any, limit: int = 60) -> str:
    """A short, readable description of one input or output."""
    if isinstance(x, (torch.Tensor, np.ndarray)):
        kind = "tensor" if isinstance(x, torch.Tensor) else "array"
        shape = tuple(x.shape)
        if (x.numel() if isinstance(x, torch.Tensor) else x.size) == 0:
            return f"empty {kind} of shape {shape}"
        flat = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x).ravel()
        if flat.dtype == bool or np.issubdtype(flat.dtype, np.integer):
            shown = ", ".join(str(v) for v in flat[:6].tolist())
        else:
            shown = ", ".join(f"{v:.4g}" for v in flat[:6].astype(float))
        more = ", ..." if flat.size > 6 else ""
        text = f"[{shown}{more}]" if flat.size > 1 else shown
        return f"{kind} of shape {shape}: {text}" if len(shape) else f"{kind}({text})"
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {describe_value(v, limit)}" for k, v in x.items()) + "}"
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_array(x: Any) -> np.ndarray | None:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        return x.numpy() if x.dtype != torch.bfloat16 else x.float().numpy()
    try:
        out = np.asarray(x)
    except Exception:
        return None
    return out if out.dtype.kind in "biufc" else None  # numbers only, not str or object


def compare(got: Any, expected: Any, atol: float, rtol: float) -> str | None:
    """``None`` if ``got`` matches ``expected`` (within tolerance), else what is wrong."""
    if isinstance(expected, dict):
        for key, value in expected.items():
            have = got.get(key) if isinstance(got, dict) else None
            if have is None and value is not None:
                return f"{key}: nothing came back"
            problem = compare(have, value, atol, rtol)
            if problem:
                return f"{key}: {problem}"
        return None
    if got is None and expected is not None:
        return "your function returned None (is a `return` missing?)"
    want, have = _as_array(expected), _as_array(got)
    if have is None:
        return f"expected a number or an array, got a {type(got).__name__}"
    if want.shape != have.shape:
        if want.size == 1 and have.size == 1:
            have = have.reshape(want.shape)
        else:
            return f"the shape is {have.shape}, expected {want.shape}"
    if want.dtype == bool or np.issubdtype(want.dtype, np.integer):
        wrong = np.argwhere(want != have)
        if len(wrong) == 0:
            return None
        at = tuple(int(i) for i in wrong[0])
        return (f"{len(wrong)} of {want.size} entries differ, the first at index {at}: "
                f"expected {want[at]}, got {have[at]}")
    want, have = want.astype(float), have.astype(float)
    close = np.isclose(have, want, atol=atol, rtol=rtol) | (np.isnan(have) & np.isnan(want))
    if close.all():
        return None
    if not np.isfinite(have[~close]).all():
        return "the result holds inf or nan where the answer is finite (an overflow?)"
    at = np.unravel_index(np.argmax(np.where(close, 0, np.abs(have - want))), want.shape)
    where = f" at index {tuple(int(i) for i in at)}" if want.ndim else ""
    return (f"off by {abs(have[at] - want[at]):.3g}{where} (tolerance: {atol:g} + {rtol:g} x "
            f"|expected|): expected {want[at]:.6g}, got {have[at]:.6g}")


def _wrap(text: str, indent: int = 12) -> str:
    return textwrap.fill(text, WIDTH - indent, subsequent_indent=" " * indent,
                         break_on_hyphens=False)


def run_checks(
    fn: Callable,
    reference: Callable,
    cases: Sequence[Case],
    *,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    name: str = "fn",
    wrap: Callable[[Callable], Callable] | None = None,
) -> bool:
    """Run ``fn`` and ``reference`` on every case; print "Correct" or a hint on the first miss.

    ``wrap``, if given, turns the student's function into what is compared (the reference is
    passed already wrapped), e.g. to compare a gradient as well as an output.
    """
    require_callable(name, fn)
    fn = wrap(fn) if wrap else fn
    for i, case in enumerate(cases, 1):
        expected = reference(*copy.deepcopy(case.args))
        inputs = _wrap("; ".join(describe_value(a) for a in case.args))
        note = f" ({case.note})" if case.note else ""
        try:
            got = fn(*copy.deepcopy(case.args))
        except Exception as err:  # the student's code: report it kindly, do not crash
            print(f"Not yet. Hidden case {i} of {len(cases)}{note}:\n  input:    {inputs}\n"
                  f"  your function raised {_wrap(f'{type(err).__name__}: {err}', 2)}")
            return False
        problem = compare(got, expected, atol, rtol)
        if problem:
            print(f"Not yet. Hidden case {i} of {len(cases)}{note}:\n  input:    {inputs}\n"
                  f"  expected: {_wrap(describe_value(expected))}\n"
                  f"  returned: {_wrap(describe_value(got))}\n  {_wrap(problem, 2)}")
            return False
    print(f"Correct: {len(cases)} hidden cases passed.")
    return True
