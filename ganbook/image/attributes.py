"""Attributes read from a digit's pixels, defined once: how much ink it has and how it slants.

The latent-space chapter steers a generator along them, the text-to-image chapter writes them
into captions ("a thick 3 leaning right"). Both work on the ink ``w = (x + 1) / 2`` of grey
images ``x`` in [-1, 1], so the background weighs nothing.
"""

from __future__ import annotations

import torch
from torch import Tensor


def _ink_weights(images: Tensor) -> Tensor:
    if images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(f"images must be (N, 1, H, W) in [-1, 1], got {tuple(images.shape)}")
    return ((images[:, 0].float() + 1) / 2).clamp(0, 1)


def ink(images: Tensor) -> Tensor:
    """Mean ink per pixel of each image, ``(N,)`` in [0, 1]: 0 blank, 1 all black."""
    return _ink_weights(images).mean((1, 2))


def slant(images: Tensor) -> Tensor:
    """Shear of each image's ink, ``-mu11 / mu02`` of its central moments, ``(N,)``.

    The ink's mean column moves by ``-slant`` per row downwards, so a digit whose top is to
    the right of its bottom has a positive slant. A blank image gets 0.
    """
    w = _ink_weights(images)
    h, wd = w.shape[-2:]
    rows = torch.arange(h, dtype=w.dtype).view(h, 1)
    cols = torch.arange(wd, dtype=w.dtype).view(1, wd)
    mass = w.sum((1, 2)).clamp(min=1e-6)
    r = rows - ((w * rows).sum((1, 2)) / mass).view(-1, 1, 1)
    c = cols - ((w * cols).sum((1, 2)) / mass).view(-1, 1, 1)
    mu11 = (w * r * c).sum((1, 2)) / mass
    mu02 = (w * r * r).sum((1, 2)) / mass
    return -mu11 / mu02.clamp(min=1e-6)
