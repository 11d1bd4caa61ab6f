"""Device choice, seeding and CPU thread count."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from .profiles import seed_offset

_VALID = ("cuda", "mps", "cpu")


def get_device(prefer: str | None = None) -> torch.device:
    """The best available device (cuda, then mps, then cpu), or ``prefer`` if given.

    ``$GANBOOK_DEVICE`` overrides the automatic choice.
    """
    source = "device" if prefer else "GANBOOK_DEVICE"
    prefer = prefer or os.environ.get("GANBOOK_DEVICE") or None
    if prefer is not None:
        kind, _, index = prefer.partition(":")
        if kind not in _VALID or (index and not index.isdigit()):
            raise ValueError(f"{source} must be one of {_VALID} (cuda:N too), got {prefer!r}")
        if kind == "cuda" and int(index or 0) >= torch.cuda.device_count():
            unset = ", or unset GANBOOK_DEVICE to choose" if source == "GANBOOK_DEVICE" else ""
            raise ValueError(
                f"{source}={prefer!r} but torch sees {torch.cuda.device_count()} CUDA GPU(s) here "
                f"(torch {torch.__version__}); use 'cpu'{unset}"
            )
        mps = getattr(torch.backends, "mps", None)
        if kind == "mps" and not (mps is not None and mps.is_available()):
            raise ValueError(f"{source}='mps' but MPS is not available here; use 'cpu'")
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) so a run can be repeated.

    ``$GANBOOK_SEED`` (default 0) is added to ``seed``: one switch reruns every seeded run
    under another draw (see :func:`ganbook.core.profiles.seed_offset`).
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    seed += seed_offset()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def set_threads(n: int | None = None) -> int:
    """Set torch's CPU thread count (default: all cores, at most 8) and return it."""
    if n is None:
        n = min(os.cpu_count() or 1, 8)
    if n < 1:
        raise ValueError(f"threads must be positive, got {n}")
    torch.set_num_threads(n)
    return n
