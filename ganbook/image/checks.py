"""The one check of an image-batch argument, shared by the image modules.

Every image function here takes ``(N, C, H, W)`` tensors; networks and measures expect
values in [-1, 1] and masks in [0, 1]. A picture in [0, 255], an 8-bit or empty tensor
would otherwise fail deep inside torch, or worse, be clipped without a word.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

RANGE_TOLERANCE = 1e-3  # float rounding of x / 127.5 - 1 and of area averages


def check_images(
    name: str,
    x: Any,
    channels: int | None = None,
    value_range: tuple[float, float] | None = None,
) -> Tensor:
    """Return ``x`` if it is a tensor of images ``(N, C, H, W)``, else raise ``ValueError``
    naming ``name``, what was expected and what came.

    ``channels``: ``C`` must equal it. ``value_range=(lo, hi)``: the batch must also hold at
    least one image of at least 1x1 pixel, and finite values within ``[lo, hi]``.
    """
    shape = "(N, C, H, W)" if channels is None else f"(N, {channels}, H, W)"
    if (
        not isinstance(x, Tensor)
        or x.dim() != 4
        or (channels is not None and x.shape[1] != channels)
    ):
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a tensor of images {shape}, got {got}")
    if value_range is None:
        return x
    lo, hi = value_range
    if x.numel() == 0:
        raise ValueError(
            f"{name} must hold at least one image of at least 1x1 pixel, got shape "
            f"{tuple(x.shape)}"
        )
    values = x.detach().float()
    if not torch.isfinite(values).all():
        raise ValueError(f"{name} must hold finite values in [{lo}, {hi}], got NaN or inf")
    low, high = values.min().item() + 0.0, values.max().item() + 0.0  # no -0 in messages
    if low < lo - RANGE_TOLERANCE or high > hi + RANGE_TOLERANCE:
        hint = "; 8-bit values v become v / 127.5 - 1" if (lo, hi) == (-1, 1) else ""
        raise ValueError(
            f"{name} must hold values in [{lo}, {hi}], got values in [{low:.4g}, {high:.4g}]"
            f"{hint}"
        )
    return x
