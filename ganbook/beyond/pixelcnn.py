"""A small PixelCNN (van den Oord et al. 2016) for 8x8 digits: the likelihood baseline.

Each pixel's grey level (17 levels, the digits' 0..16) is a softmax over levels given the pixels
above and to its left, which masked convolutions enforce. The model reports an exact
log-likelihood (bits per pixel), which a GAN cannot; the price is sampling one pixel at a time,
64 forward passes for an 8x8 image. Trained by :class:`ganbook.beyond.diffusion.DenoisingTrainer`.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.checkpoint import load_model, save_model
from ..core.loop import check_positive_ints


class MaskedConv2d(nn.Conv2d):
    """A convolution that sees only pixels above, and left of, the centre (and the centre itself
    in mask ``"B"``; mask ``"A"``, the first layer, must not see the pixel it predicts)."""

    def __init__(self, mask: str, cin: int, cout: int, kernel: int) -> None:
        if mask not in ("A", "B"):
            raise ValueError(f"mask must be 'A' or 'B', got {mask!r}")
        super().__init__(cin, cout, kernel, padding=kernel // 2)
        m = torch.ones_like(self.weight)
        c = kernel // 2
        m[:, :, c, c + (mask == "B"):] = 0
        m[:, :, c + 1:] = 0
        self.register_buffer("mask", m)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelCNN(nn.Module):
    """Images in [-1, 1] (batch, 1, size, size) -> logits over ``levels`` grey levels per pixel."""

    def __init__(self, size: int = 8, width: int = 32, depth: int = 4, levels: int = 17) -> None:
        super().__init__()
        check_positive_ints(size=size, width=width, depth=depth, levels=levels)
        if levels < 2:
            raise ValueError(f"levels must be at least 2, got {levels}")
        self.size, self.width, self.depth, self.levels = size, width, depth, levels
        layers: list[nn.Module] = [MaskedConv2d("A", 1, width, 5), nn.ReLU()]
        for _ in range(depth):
            layers += [MaskedConv2d("B", width, width, 3), nn.ReLU()]
        layers.append(nn.Conv2d(width, levels, 1))
        self.net = nn.Sequential(*layers)

    def config(self) -> dict[str, int]:
        return {"size": self.size, "width": self.width, "depth": self.depth,
                "levels": self.levels}

    def to_levels(self, x: Tensor) -> Tensor:
        """Grey levels 0..levels-1 of images in [-1, 1] (long tensor)."""
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, self.size, self.size):
            raise ValueError(
                f"x must have shape (batch, 1, {self.size}, {self.size}), got {tuple(x.shape)}"
            )
        return ((x.clamp(-1, 1) + 1) / 2 * (self.levels - 1)).round().long()

    def from_levels(self, levels: Tensor) -> Tensor:
        return levels.float() / (self.levels - 1) * 2 - 1

    def forward(self, x: Tensor) -> Tensor:
        return self.net(self.from_levels(self.to_levels(x)))

    def loss(self, x: Tensor) -> Tensor:
        """Mean negative log-likelihood per pixel, in nats."""
        target = self.to_levels(x)[:, 0]
        return F.cross_entropy(self(x), target)

    @torch.no_grad()
    def bits_per_pixel(self, x: Tensor) -> float:
        """Mean negative log2-likelihood of ``x`` per pixel (lower is better)."""
        was_training = self.training
        self.eval()
        nll = float(self.loss(x.to(self.net[0].weight.device))) / math.log(2)
        self.train(was_training)
        return nll

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None, temperature: float = 1.0) -> Tensor:
        """``n`` images, pixel by pixel in raster order (``size**2`` forward passes)."""
        check_positive_ints(n=n)
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature!r}")
        was_training = self.training
        self.eval()
        device = self.net[0].weight.device
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        x = torch.full((n, 1, self.size, self.size), -1.0, device=device)
        for i in range(self.size):
            for j in range(self.size):
                probs = F.softmax(self(x)[:, :, i, j].cpu() / temperature, dim=1)
                level = torch.multinomial(probs, 1, generator=gen)[:, 0]
                x[:, 0, i, j] = self.from_levels(level).to(device)
        self.train(was_training)
        return x.cpu()


def save_pixelcnn(model: PixelCNN, name: str, **extra: Any) -> None:
    """Ship a PixelCNN with :func:`~ganbook.core.checkpoint.save_model` (``extra`` entries are
    stored beside its config)."""
    save_model(name, model, model.config(), **extra)


def load_pixelcnn(name: str = "trends_pixelcnn") -> tuple[PixelCNN, dict[str, Any]]:
    """A shipped PixelCNN in eval mode and its checkpoint dict."""
    keys = ("size", "width", "depth", "levels")
    return load_model(name, lambda config: PixelCNN(**{k: config[k] for k in keys}))
