"""Colour to grey, defined once: ITU-R 601 luma, as :func:`ganbook.image.data.image_crops`
weighs a colour picture's channels. pix2pix's colourisation pairs and super-resolution's grey
training crops use it."""

from __future__ import annotations

import torch
from torch import Tensor

from .checks import check_images

__all__ = ["LUMA", "to_grey"]

LUMA = (0.299, 0.587, 0.114)  # ITU-R 601 weights of red, green and blue


def to_grey(images: Tensor) -> Tensor:
    """The luminance (ITU-R 601 weights) of colour images (N, 3, H, W): (N, 1, H, W)."""
    check_images("images", images, channels=3)
    weights = torch.tensor(LUMA, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(1, keepdim=True)
