"""Resampling images, defined once: area averaging down, interpolation to a size.

Every chapter that changes an image's resolution uses these: super-resolution's degradation and
inpainting's coarse view (:func:`downsample`); SinGAN's pyramid, CycleGAN's and inpainting's
16 px digits, pix2pix's digits, the bicubic baseline, inpainting's masks and inverted fills,
a PatchGAN's conditioning input and the smoke mode's MNIST stand-in (:func:`resize`); and the
8x8 digit classifier's input (:func:`ganbook.image.classifier.to_classifier_size`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor

from ..core.loop import check_positive
from .checks import check_images

MODES = ("nearest", "bilinear", "bicubic")


def downsample(images: Tensor, factor: int = 2) -> Tensor:
    """The area (box) average of each ``factor x factor`` block: (N, C, H, W) -> (N, C, H /
    factor, W / factor). Antialiased and exact on constant regions; H and W must be multiples
    of ``factor``."""
    check_images("images", images)
    factor = check_positive("factor", factor)
    if images.shape[-1] % factor or images.shape[-2] % factor:
        raise ValueError(
            f"images' H and W {tuple(images.shape[-2:])} must be multiples of factor={factor}"
        )
    return F.avg_pool2d(images, factor)


def resize(images: Tensor, size: Sequence[int], mode: str = "bicubic") -> Tensor:
    """``images`` (N, C, H, W) interpolated to ``size = (h, w)`` with ``mode`` (one of
    :data:`MODES`), antialiased when shrinking; returned unchanged if already that size.

    Bicubic can overshoot the input's range; clip the result where that matters.
    """
    check_images("images", images)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if len(size) != 2:
        raise ValueError(f"size must be (h, w), got {size!r}")
    size = (check_positive("size[0]", size[0]), check_positive("size[1]", size[1]))
    if tuple(images.shape[-2:]) == size:
        return images
    shrink = size[0] < images.shape[-2] or size[1] < images.shape[-1]
    if mode == "nearest":
        return F.interpolate(images, size=size, mode="nearest")
    return F.interpolate(images, size=size, mode=mode, align_corners=False, antialias=shrink)
