"""DCGAN generator and discriminator sized by image resolution, with optional class conditioning.

The generator starts from a small ``start x start`` feature map and doubles it ``n_up`` times
(8 -> 4x4 then one doubling; 24 -> 3x3 then three). Each doubling is either

* ``upsample="nearest"``: nearest-neighbour upsampling then a 3x3 convolution (the fix of
  Odena et al. 2016 for checkerboard artefacts), or
* ``upsample="transpose"``: a stride-2 transposed convolution with a 4x4 kernel,
  as in the DCGAN paper.

Transposed convolutions overlap unevenly when the kernel size is not divisible by the stride
(see :func:`upsampling_footprint`, 3x3 kernels) and can paint checkerboards; with 4x4 kernels
the overlap is even and artefacts can only come from the learned weights. Notebook 01 trains
both on the digits and reports what each did.

Conditioning: the generator concatenates a learned class embedding to ``z``; the discriminator
uses a projection head (Miyato & Koyama 2018): ``logit = w.h + <embed(y), h>``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ..core.loop import check_positive


def layout(resolution: int) -> tuple[int, int]:
    """``(start, n_up)``: halve ``resolution`` while it is even and above 4
    (8 -> (4, 1), 24 -> (3, 3))."""
    if not isinstance(resolution, int) or resolution < 4:
        raise ValueError(f"resolution must be an int >= 4, got {resolution!r}")
    start, n_up = resolution, 0
    while start % 2 == 0 and start > 4:
        start //= 2
        n_up += 1
    if n_up == 0:
        raise ValueError(
            f"resolution must be divisible by 2 at least once (8, 16, 24, 28, 32...), "
            f"got {resolution}"
        )
    return start, n_up


def check_labels(labels: Tensor | None, batch: int, n_classes: int, role: str) -> None:
    """Raise unless ``labels`` are ``batch`` integer class ids in ``[0, n_classes)``
    (``TypeError`` for float labels, ``ValueError`` otherwise)."""
    if labels is None or labels.shape != (batch,):
        raise ValueError(f"this {role} is conditional: pass labels of shape ({batch},)")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"labels must be an integer tensor of class ids, got {labels.dtype}")
    if batch and bool(((labels < 0) | (labels >= n_classes)).any()):
        raise ValueError(
            f"labels must lie in [0, {n_classes}) (n_classes={n_classes}), "
            f"got range [{int(labels.min())}, {int(labels.max())}]"
        )


class DCGANGenerator(nn.Module):
    """z (latent_dim) [+ class label] -> image (channels, resolution, resolution) in [-1, 1]."""

    def __init__(
        self,
        latent_dim: int = 32,
        resolution: int = 8,
        channels: int = 1,
        width: int = 64,
        upsample: str = "nearest",
        n_classes: int | None = None,
    ) -> None:
        super().__init__()
        if upsample not in ("nearest", "transpose"):
            raise ValueError(f"upsample must be 'nearest' or 'transpose', got {upsample!r}")
        if n_classes is not None and (not isinstance(n_classes, int) or n_classes < 2):
            raise ValueError(f"n_classes must be an int >= 2 or None, got {n_classes!r}")
        for name, value in (("latent_dim", latent_dim), ("channels", channels), ("width", width)):
            check_positive(name, value)
        self.latent_dim, self.resolution, self.channels = latent_dim, resolution, channels
        self.n_classes, self.upsample = n_classes, upsample
        self.start, n_up = layout(resolution)
        widths = [width * 2 ** (n_up - i) for i in range(n_up + 1)]  # e.g. [128, 64] for 8x8
        self.embed = nn.Embedding(n_classes, latent_dim) if n_classes else None
        in_dim = latent_dim * (2 if n_classes else 1)
        self.project = nn.Sequential(
            nn.Linear(in_dim, widths[0] * self.start**2),
            nn.Unflatten(1, (widths[0], self.start, self.start)),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        blocks = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            if upsample == "nearest":
                up = [
                    nn.Upsample(scale_factor=2, mode="nearest"),
                    nn.Conv2d(c_in, c_out, 3, padding=1),
                ]
            else:
                up = [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1)]
            blocks += [*up, nn.BatchNorm2d(c_out), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        self.to_image = nn.Sequential(nn.Conv2d(widths[-1], channels, 3, padding=1), nn.Tanh())

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this network (what ``save_generator`` ships)."""
        return {
            "latent_dim": self.latent_dim,
            "resolution": self.resolution,
            "channels": self.channels,
            "width": self.to_image[0].in_channels,
            "upsample": self.upsample,
            "n_classes": self.n_classes or 0,
        }

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), got {tuple(z.shape)}")
        if self.embed is not None:
            check_labels(labels, z.shape[0], self.n_classes, "generator")
            z = torch.cat([z, self.embed(labels)], dim=1)
        return self.to_image(self.blocks(self.project(z)))


class DCGANDiscriminator(nn.Module):
    """image [+ class label] -> one logit per image, shape (batch,). No batch norm, so it works with
    gradient penalties; ``spectral_norm=True`` constrains every layer (Miyato et al. 2018)."""

    def __init__(
        self,
        resolution: int = 8,
        channels: int = 1,
        width: int = 64,
        spectral_norm: bool = False,
        n_classes: int | None = None,
    ) -> None:
        super().__init__()
        if n_classes is not None and (not isinstance(n_classes, int) or n_classes < 2):
            raise ValueError(f"n_classes must be an int >= 2 or None, got {n_classes!r}")
        check_positive("channels", channels)
        check_positive("width", width)
        self.resolution, self.channels, self.n_classes = resolution, channels, n_classes
        start, n_down = layout(resolution)
        norm = _sn if spectral_norm else (lambda m: m)
        layers: list[nn.Module] = [
            norm(nn.Conv2d(channels, width, 3, padding=1)),
            nn.LeakyReLU(0.2),
        ]
        c = width
        for _ in range(n_down):
            layers += [norm(nn.Conv2d(c, 2 * c, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            c *= 2
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.feature_dim = c * start * start
        self.head = norm(nn.Linear(self.feature_dim, 1))
        self.embed = norm(nn.Embedding(n_classes, self.feature_dim)) if n_classes else None

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        expected = (self.channels, self.resolution, self.resolution)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"x must have shape (batch, {', '.join(map(str, expected))}), got {tuple(x.shape)}"
            )
        h = self.body(x)
        logit = self.head(h).squeeze(1)
        if self.embed is not None:
            check_labels(labels, x.shape[0], self.n_classes, "discriminator")
            logit = logit + (self.embed(labels) * h).sum(1)
        return logit


def mlp_gan(
    image_shape: tuple[int, int, int] = (1, 8, 8),
    latent_dim: int = 32,
    hidden: int = 256,
    layers: int = 2,
) -> tuple[nn.Module, nn.Module]:
    """The baseline: the core's MLP generator (tanh output)
    and MLP discriminator on flattened pixels."""
    from ..core.nets import MLPDiscriminator, MLPGenerator

    G = MLPGenerator(
        latent_dim, tuple(image_shape), hidden=hidden, layers=layers, out_act=nn.Tanh()
    )
    D = MLPDiscriminator(tuple(image_shape), hidden=hidden, layers=layers)
    return G, D


def upsampling_footprint(upsample: str, size: int = 6, kernel: int = 3) -> Tensor:
    """How much each output pixel receives when a constant map is upsampled x2
    with all-ones weights.

    ``'transpose'`` (stride-2 transposed convolution) gives the uneven overlap that paints
    checkerboards when ``kernel`` is not divisible by the stride (Odena et al. 2016);
    ``'nearest'`` (nearest upsampling, then a convolution) gives an even map away from the border.
    """
    if upsample not in ("nearest", "transpose"):
        raise ValueError(f"upsample must be 'nearest' or 'transpose', got {upsample!r}")
    x = torch.ones(1, 1, size, size)
    with torch.no_grad():
        if upsample == "transpose":
            layer = nn.ConvTranspose2d(
                1, 1, kernel, stride=2, padding=kernel // 2, output_padding=1, bias=False
            )
            nn.init.ones_(layer.weight)
            return layer(x)[0, 0]
        layer = nn.Conv2d(1, 1, kernel, padding=kernel // 2, bias=False)
        nn.init.ones_(layer.weight)
        return layer(nn.functional.interpolate(x, scale_factor=2, mode="nearest"))[0, 0]
