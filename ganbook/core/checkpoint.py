"""The one checkpoint format: models, optimizers, EMA, RNG states, step and history.

Files are plain dicts of tensors and Python primitives, so they load with
``torch.load(weights_only=True)``, and are written atomically (temp file + rename) so an
interrupted save never leaves a broken file behind. Since version 2 each file holds the
SHA-256 of its contents (:func:`state_digest`), checked on load: a byte changed on disk is
an error, not silently changed weights. Version 1 files (the shipped weights) have none and
load as before.
"""

from __future__ import annotations

import hashlib
import os
import random
from array import array
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .files import atomic_write
from .profiles import untrained_results

FORMAT = "ganbook-checkpoint"
VERSION = 2  # 2: with a "sha256" entry (state_digest); 1: without
PRETRAINED_READ: set[str] = set()  # shipped weights this process loaded (ganbook.pages.records)


def get_rng_state() -> dict[str, Any]:
    """Every RNG a run touches (Python, NumPy, torch CPU and CUDA), as weights-only-safe values."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` captured."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    npst = state["numpy"]
    np.random.set_state(
        (
            "MT19937",
            npst["keys"].cpu().numpy().astype(np.uint32),
            npst["pos"],
            npst["has_gauss"],
            npst["gauss"],
        )
    )
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def state_digest(state: Any) -> str:
    """Hex SHA-256 of a checkpoint's contents: every key, tensor (dtype, shape, bytes) and
    Python value, in order. It survives a save and a load unchanged, so :func:`load_checkpoint`
    can recompute it; the ``"sha256"`` entry itself is left out."""
    digest = hashlib.sha256()
    _digest(digest, {k: v for k, v in state.items() if k != "sha256"})
    return digest.hexdigest()


def _digest(digest: Any, value: Any) -> None:
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        digest.update(f"D{len(value)}".encode())
        for key, item in value.items():
            _digest(digest, key)
            _digest(digest, item)
    elif isinstance(value, (list, tuple)):
        if value and all(type(v) is float for v in value):  # a history column: one update
            digest.update(f"F{type(value).__name__}{len(value)}".encode())
            digest.update(array("d", value).tobytes())
            return
        digest.update(f"L{type(value).__name__}{len(value)}".encode())
        for item in value:
            _digest(digest, item)
    else:  # str, int, float, bool, None
        digest.update(f"V{type(value).__name__}:{value!r};".encode())


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``state`` (plus format tag and checksum) to ``path`` atomically; return the path."""
    payload = {"format": FORMAT, "version": VERSION, **state}
    payload["sha256"] = state_digest(payload)
    with atomic_write(path) as f:
        torch.save(payload, f)
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike, map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`, with ``weights_only=True``, and
    check its SHA-256 (files from version 2 on): ``ValueError`` for anything else, a changed
    byte included."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a checkpoint file")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): not a checkpoint; delete it and train again")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises KeyError for a text file, RuntimeError, ...
        # torch's message may advise weights_only=False; that would run arbitrary code: never do it.
        raise ValueError(
            f"{path} is not a readable ganbook checkpoint (truncated, corrupt or not "
            f"written by ganbook; {type(err).__name__}); delete it and train again"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a ganbook checkpoint (format tag missing)")
    version = state.get("version", 0)
    if not isinstance(version, int) or version > VERSION:
        raise ValueError(
            f"{path} has checkpoint version {version!r}; this ganbook reads up to {VERSION}"
        )
    if version >= 2 or "sha256" in state:
        if state.get("sha256") != state_digest(state):
            raise ValueError(
                f"{path} fails its checksum (the SHA-256 of its contents written with it): the "
                "file was damaged or changed after it was saved; restore a copy, or delete it "
                "and train again"
            )
    return state


def weights_path(name: str) -> Path:
    """Path of a pretrained checkpoint shipped inside the package (``ganbook/weights/NAME.pt``)."""
    return Path(__file__).parents[1] / "weights" / f"{name}.pt"


def load_pretrained(name: str, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a small pretrained checkpoint that ships with ganbook (same format, no optimizers)."""
    path = weights_path(name)
    if not path.exists():
        shipped = sorted(p.stem for p in path.parent.glob("*.pt"))
        raise FileNotFoundError(f"no pretrained weights named {name!r}; shipped: {shipped}")
    PRETRAINED_READ.add(name)
    return load_checkpoint(path, map_location)


def save_model(
    name_or_path: str | os.PathLike, model: nn.Module, config: dict[str, Any], **extra: Any
) -> Path:
    """Ship one trained network (no optimizers): its weights under ``models.G``, the ``config`` that
    rebuilds it, and any ``extra`` entries. A bare name goes to ``ganbook/weights/NAME.pt``."""
    path = (
        Path(name_or_path) if str(name_or_path).endswith(".pt") else weights_path(str(name_or_path))
    )
    weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return save_checkpoint(path, {"models": {"G": weights}, "config": dict(config), **extra})


def load_model(
    name_or_path: str | os.PathLike,
    build: Callable[[dict[str, Any]], nn.Module],
    instrument: bool = False,
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild a network saved by :func:`save_model` (a shipped name or a ``.pt`` path):
    ``build(config)``, its weights, eval mode. Returns the model and the whole checkpoint (config
    and extra entries).

    Under the check harness (:func:`ganbook.core.profiles.untrained_results`) a trained result comes
    back freshly initialised; an ``instrument`` (a network that measures others) never does.
    """
    if str(name_or_path).endswith(".pt"):
        state = load_checkpoint(name_or_path)
    else:
        state = load_pretrained(str(name_or_path))
    model = build(dict(state["config"]))
    if instrument or not untrained_results():
        model.load_state_dict(state["models"]["G"])
    return model.eval(), state
