"""DiffAugment (Zhao et al. 2020): differentiable augmentations applied to *every* image the
discriminator sees, real and fake alike, so a small data set is harder to memorise.

Because the same random transformations are differentiable, the generator still receives
gradients through them. Works on (N, C, H, W) images in [-1, 1]; any discriminator can be
wrapped with :class:`AugmentedDiscriminator`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def augment_color(x: Tensor) -> Tensor:
    """Random brightness (+-0.5), saturation (x0..2, colour images only)
    and contrast (x0.5..1.5) per image."""
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device) - 0.5)
    if x.shape[1] > 1:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) + 0.5) + mean


def augment_translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    """Shift each image by up to ``ratio`` of its size in each direction,
    filling with -1 (background)."""
    n, _, h, w = x.shape
    sy, sx = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), device=x.device)
    rows = (torch.arange(h, device=x.device)[None, :, None] + dy + sy).expand(n, h, w)
    cols = (torch.arange(w, device=x.device)[None, None, :] + dx + sx).expand(n, h, w)
    padded = F.pad(x, (sx, sx, sy, sy), value=-1.0)
    flat = padded.flatten(2)  # (n, c, (h + 2sy) * (w + 2sx))
    index = (rows * (w + 2 * sx) + cols).flatten(1)[:, None, :].expand(-1, x.shape[1], -1)
    return flat.gather(2, index).view_as(x)


def augment_cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    """Blank (to -1) one random square of side ``ratio`` x size in each image."""
    n, _, h, w = x.shape
    ch, cw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    top = torch.randint(0, h - ch + 1, (n, 1, 1), device=x.device)
    left = torch.randint(0, w - cw + 1, (n, 1, 1), device=x.device)
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    hole = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return torch.where(hole[:, None], torch.full_like(x, -1.0), x)


AUGMENTATIONS = {
    "color": augment_color,
    "translation": augment_translation,
    "cutout": augment_cutout,
}


def diff_augment(x: Tensor, policy: str = "color,translation,cutout") -> Tensor:
    """Apply the comma-separated augmentations in ``policy`` (``''`` = none)
    to a batch of images."""
    if x.dim() != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {tuple(x.shape)}")
    for name in filter(None, (p.strip() for p in policy.split(","))):
        if name not in AUGMENTATIONS:
            raise ValueError(
                f"unknown augmentation {name!r} in policy; valid: {', '.join(AUGMENTATIONS)}"
            )
        x = AUGMENTATIONS[name](x)
    return x


class AugmentedDiscriminator(nn.Module):
    """``D(diff_augment(x), *cond)``: wrap any discriminator
    so reals and fakes are augmented alike."""

    def __init__(self, discriminator: nn.Module, policy: str = "color,translation,cutout") -> None:
        super().__init__()
        diff_augment(torch.zeros(1, 1, 4, 4), policy)  # validate the policy now, not mid-training
        self.discriminator, self.policy = discriminator, policy

    def forward(self, x: Tensor, *cond: Tensor) -> Tensor:
        return self.discriminator(diff_augment(x, self.policy), *cond)


def unaugmented(D: nn.Module) -> nn.Module:
    """``D`` without its :class:`AugmentedDiscriminator` wrapper (``D`` itself if it has none).

    Augmentation is random: measure the discriminator on the images as they are.
    """
    return D.discriminator if isinstance(D, AugmentedDiscriminator) else D
