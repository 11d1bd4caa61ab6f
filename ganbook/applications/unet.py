"""A small U-Net (Ronneberger et al. 2015), the generator of pix2pix and of the other
image-to-image chapters.

An encoder halves the image ``depth`` times, a decoder doubles it back, and skip connections
hand each decoder level the encoder features of the same size, so fine detail of the input
(edges, the visible pixels around a hole) reaches the output without squeezing through the
bottleneck.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..core.loop import check_positive_ints


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.LeakyReLU(0.2),
        nn.Conv2d(cout, cout, 3, padding=1),
        nn.BatchNorm2d(cout),
        nn.LeakyReLU(0.2),
    )


class UNet(nn.Module):
    """``G(x) -> y``: (batch, in_channels, H, W) -> (batch, out_channels, H, W) in [-1, 1].

    ``H`` and ``W`` must be divisible by ``2**depth``. ``dropout`` (pix2pix's only noise)
    applies in the decoder, in train mode.
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        width: int = 32,
        depth: int = 2,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        check_positive_ints(
            in_channels=in_channels, out_channels=out_channels, width=width, depth=depth
        )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.in_channels, self.depth = in_channels, depth
        widths = [width * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList(
            [_block(in_channels, widths[0])]
            + [_block(widths[i], widths[i + 1]) for i in range(depth)]
        )
        self.up = nn.ModuleList(
            [
                nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2)
                for i in reversed(range(depth))
            ]
        )
        self.merge = nn.ModuleList(
            [_block(2 * widths[i], widths[i]) for i in reversed(range(depth))]
        )
        self.dropout = nn.Dropout2d(dropout) if dropout > 0 else nn.Identity()
        self.out = nn.Conv2d(widths[0], out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (batch, {self.in_channels}, H, W), got {tuple(x.shape)}"
            )
        if x.shape[-1] % 2**self.depth or x.shape[-2] % 2**self.depth:
            raise ValueError(
                f"H and W must be divisible by 2**depth = {2**self.depth}, "
                f"got {tuple(x.shape[-2:])}"
            )
        skips, h = [], x
        for i, block in enumerate(self.down):
            h = block(h if i == 0 else nn.functional.avg_pool2d(h, 2))
            skips.append(h)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            h = merge(torch.cat([self.dropout(up(h)), skip], dim=1))
        return torch.tanh(self.out(h))
