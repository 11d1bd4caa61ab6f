"""PatchGAN discriminator (pix2pix, Isola et al. 2017): one real/fake logit per image patch.

A few stride-2 convolutions give a map of logits, each judging one receptive field (about
``4 * 2**layers`` pixels across). The GAN losses average over every entry, so the
discriminator asks "is every patch real?": a texture and sharpness critic, cheap on small
images. Given the generator's input as well (``D(x, source)``) it judges the pair, as a
conditional discriminator must for image-to-image translation.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ..core.loop import check_positive_ints
from ..image.resample import resize


class PatchDiscriminator(nn.Module):
    """``D(x[, source]) -> (batch, h, w)`` patch logits for images in [-1, 1].

    ``in_channels`` counts the channels of ``x`` plus those of ``source`` if one is passed
    (they are concatenated). ``layers`` stride-2 convolutions halve the size each; spectral
    norm keeps the critic smooth (Miyato et al. 2018).
    """

    def __init__(
        self, in_channels: int = 1, width: int = 32, layers: int = 2, spectral_norm: bool = True
    ) -> None:
        super().__init__()
        check_positive_ints(in_channels=in_channels, width=width, layers=layers)
        wrap = _sn if spectral_norm else (lambda m: m)
        blocks, channels = [], in_channels
        for i in range(layers):
            out = width * 2**i
            blocks += [wrap(nn.Conv2d(channels, out, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            channels = out
        blocks.append(wrap(nn.Conv2d(channels, 1, 3, padding=1)))
        self.net = nn.Sequential(*blocks)
        self.in_channels = in_channels

    def features(self, x: Tensor, source: Tensor | None = None) -> Tensor:
        """The last hidden feature map (for feature matching)."""
        return self.net[:-1](self._inputs(x, source))

    def forward(self, x: Tensor, source: Tensor | None = None) -> Tensor:
        return self.net(self._inputs(x, source)).squeeze(1)

    def _inputs(self, x: Tensor, source: Tensor | None) -> Tensor:
        if source is not None:
            if source.shape[-2:] != x.shape[-2:]:
                source = resize(source, tuple(x.shape[-2:]), "nearest")
            x = torch.cat([x, source], dim=1)
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"the discriminator expects (batch, {self.in_channels}, H, W) "
                f"(image and source channels together), got {tuple(x.shape)}"
            )
        return x
