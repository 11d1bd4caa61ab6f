"""Options that make a training step faster on a GPU: mixed precision, torch.compile,
channels_last. All off by default; ``bench/gpu_step.py`` measures what each buys.

* ``precision="bf16"``: the objectives run under ``torch.autocast`` in bfloat16 (same range
  as float32, so no loss scaling); the discriminator's logits are cast back to float32 before
  any loss, so losses stay numerically stable on logits.
* ``precision="fp16"``: float16 autocast with a ``torch.amp.GradScaler`` per optimizer (its
  scale is saved in checkpoints). The gradient penalty's double backward would need the
  scaler inside the penalty too, so fp16 refuses a gradient penalty: use bf16 there.
* ``compile``: ``nn.Module.compile`` on G and D in place (state_dict keys unchanged). AOT
  autograd does not support double backward, so it refuses a gradient penalty too.
* ``channels_last``: conv nets and image batches in NHWC memory order, which tensor cores
  prefer.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import ContextManager, Iterator

import torch
from torch import Tensor, nn

PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def check_speed_options(precision: str, compile: bool | str, gp_weight: float) -> None:
    """Raise ``ValueError`` naming the option when the combination cannot work."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {sorted(PRECISIONS)}, got {precision!r}")
    if not isinstance(compile, (bool, str)):
        raise ValueError(f"compile must be True, False or a backend name, got {compile!r}")
    if gp_weight > 0 and precision == "fp16":
        raise ValueError(
            "precision='fp16' cannot scale a gradient penalty's double backward: "
            "use precision='bf16' (no loss scaling needed) or a loss without a penalty"
        )
    if gp_weight > 0 and compile:
        raise ValueError(
            "compile=True cannot run a gradient penalty (torch.compile does not support "
            "double backward): use compile=False or a loss without a penalty"
        )


def autocast(device: torch.device, precision: str) -> ContextManager:
    """``torch.autocast`` for ``precision`` on ``device``'s type (a no-op for fp32)."""
    dtype = PRECISIONS[precision]
    if dtype is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def make_scaler(device: torch.device, precision: str) -> torch.amp.GradScaler | None:
    """A loss scaler for fp16 (None otherwise)."""
    return torch.amp.GradScaler(device.type) if precision == "fp16" else None


def compile_module(net: nn.Module, compile: bool | str) -> nn.Module:
    """``net`` compiled in place (``compile`` names a backend, or True for the default)."""
    if compile:
        net.compile(**({} if compile is True else {"backend": compile}))
    return net


def to_channels_last(x: Tensor) -> Tensor:
    """Image batches (4-D) in channels_last memory order; anything else unchanged."""
    return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x


@contextmanager
def count_host_syncs() -> Iterator[list[str]]:
    """Meanwhile, record each ``Tensor.item`` / ``Tensor.tolist`` call made from ganbook's own
    files (each one waits for a GPU); torch.optim's ``.item()`` of its CPU step counter is not
    counted. Yields the list of call names it fills."""
    package = str(Path(__file__).parents[1])
    calls: list[str] = []
    saved = {name: getattr(Tensor, name) for name in ("item", "tolist")}

    def counting(name: str, original):
        def counted(tensor: Tensor):
            if sys._getframe(1).f_code.co_filename.startswith(package):
                calls.append(name)
            return original(tensor)

        return counted

    for name, original in saved.items():
        setattr(Tensor, name, counting(name, original))
    try:
        yield calls
    finally:
        for name, original in saved.items():
            setattr(Tensor, name, original)
