"""SinGAN (Shaham et al. 2019): a GAN trained on one image, as a pyramid of small patch GANs.

The image is resized to a pyramid of sizes, coarse to fine (each ``SCALE_FACTOR`` times the
next). Scale 0 maps noise to a small image; every finer scale ``k`` takes the upsampled output
of the coarser ones, adds noise of amplitude ``sigma_k``, and returns that input plus a
residual: ``x_k = up(x_{k-1}) + G_k(up(x_{k-1}) + sigma_k z_k)``. Each scale's generator and
discriminator are five 3x3 convolutions, so the discriminator judges 11x11 patches and the
generator can be run at any size (retargeting).

Training is coarse to fine, one :class:`ganbook.Trainer` fit per scale (``d_steps=3``,
``g_steps=3``, as the paper) with the coarser
generators frozen: WGAN-GP (gradient penalty weight 0.1) plus ``alpha = 10`` times a mean
squared :class:`FixedNoiseReconstruction` term, which asks the pyramid to give back the
image itself for one fixed noise map (noise at the coarsest scale, none above it). The
reconstruction error at each scale also sets the next scale's noise amplitude.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.callbacks import StepDecay
from ..core.checkpoint import load_model, save_model
from ..core.device import get_device
from ..core.loop import check_positive, check_positive_ints
from ..core.losses import Term
from ..core.train import Trainer
from ..image.resample import resize
from .super_resolution import load_picture

__all__ = [
    "PHOTO",
    "SCALE_FACTOR",
    "SCALES",
    "SHIPPED",
    "TEXTURE",
    "FixedNoiseReconstruction",
    "ScaleDiscriminator",
    "ScaleGenerator",
    "SinGAN",
    "image_pyramid",
    "load_image",
    "load_pyramid",
    "pyramid_sizes",
    "save_pyramid",
    "train_singan",
]

SCALE_FACTOR = 0.75  # tamarott/SinGAN's default
PHOTO = "rocket"  # scikit-image's launch photo: sky, smoke, trees, a tower
TEXTURE = "brick"  # scikit-image's brick wall (grey, repeated to three channels)
SHIPPED = {"photo": "app_singan_photo", "texture": "app_singan_texture"}
# Scales of each shipped pyramid at 48 px. The photo gets 3, so that its coarsest scale
# (18x27 px) is larger than the critic's 11x11 view; with 5 (10x15 px) it memorised the photo.
SCALES = {"photo": 3, "texture": 5}

Size = tuple[int, int]


def load_image(name: str, max_size: int) -> Tensor:
    """A picture (:func:`~ganbook.applications.super_resolution.load_picture`) as
    (1, 3, h, w) in [-1, 1], resized so that its longer side is ``max_size`` pixels."""
    check_positive("max_size", max_size)
    picture = load_picture(name)[None]
    h, w = picture.shape[-2:]
    scale = max_size / max(h, w)
    return resize(picture, (max(1, round(h * scale)), max(1, round(w * scale)))).clamp(-1, 1)


def pyramid_sizes(height: int, width: int, scales: int, factor: float = SCALE_FACTOR) -> list[Size]:
    """``scales`` sizes from coarse to fine, the finest ``(height, width)``, each side
    ``factor`` times the next one's (rounded)."""
    check_positive_ints(height=height, width=width, scales=scales)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    sizes = [
        (max(1, round(height * factor**k)), max(1, round(width * factor**k)))
        for k in reversed(range(scales))
    ]
    if min(sizes[0]) < 8:
        raise ValueError(
            f"the coarsest scale would be {sizes[0]} px, under 8 px; use fewer scales "
            f"(got scales={scales} for {height}x{width})"
        )
    return sizes


def image_pyramid(image: Tensor, sizes: Sequence[Size]) -> list[Tensor]:
    """The image resized to each of ``sizes`` (coarse to fine), clipped to [-1, 1]."""
    if image.dim() != 4 or image.shape[0] != 1:
        raise ValueError(f"image must be (1, C, H, W), got {tuple(image.shape)}")
    return [resize(image, s).clamp(-1, 1) for s in sizes]


def _convs(channels: int, width: int, layers: int, out: int) -> list[nn.Module]:
    """``layers`` 3x3 convolutions (LeakyReLU 0.2 between them), ``channels`` in, ``out`` out."""
    mods: list[nn.Module] = []
    for i in range(layers):
        last = i == layers - 1
        mods.append(nn.Conv2d(channels if i == 0 else width, out if last else width, 3, padding=1))
        if not last:
            mods.append(nn.LeakyReLU(0.2))
    return mods


class ScaleGenerator(nn.Module):
    """One scale's generator: ``G(prev, z) = prev + tanh(convs(prev + z))``.

    ``prev`` is the upsampled coarser output (zeros at the coarsest scale), ``z`` the scaled
    noise; fully convolutional, so it runs at any size.
    """

    def __init__(self, channels: int = 3, width: int = 32, layers: int = 5) -> None:
        super().__init__()
        check_positive_ints(channels=channels, width=width, layers=layers)
        if layers < 2:
            raise ValueError(f"layers must be at least 2, got {layers!r}")
        self.net = nn.Sequential(*_convs(channels, width, layers, channels), nn.Tanh())

    def forward(self, prev: Tensor, z: Tensor) -> Tensor:
        if prev.shape != z.shape:
            raise ValueError(
                f"prev and z must have the same shape, got {tuple(prev.shape)} and {tuple(z.shape)}"
            )
        return prev + self.net(prev + z)


class ScaleDiscriminator(nn.Module):
    """One scale's critic: a (N, h, w) map of scores, one per 11x11 patch (5 layers)."""

    def __init__(self, channels: int = 3, width: int = 32, layers: int = 5) -> None:
        super().__init__()
        check_positive_ints(channels=channels, width=width, layers=layers)
        self.net = nn.Sequential(*_convs(channels, width, layers, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)[:, 0]


class SinGAN(nn.Module):
    """The pyramid: a :class:`ScaleGenerator` per size in ``sizes`` (coarse to fine), each
    scale's noise amplitude, and the fixed noise map of the reconstruction (coarsest scale)."""

    def __init__(
        self, sizes: Sequence[Sequence[int]], channels: int = 3, width: int = 32, layers: int = 5
    ) -> None:
        super().__init__()
        if not sizes or any(len(s) != 2 for s in sizes):
            raise ValueError(f"sizes must be a non-empty list of (h, w), got {sizes!r}")
        self.sizes: list[Size] = [(int(h), int(w)) for h, w in sizes]
        check_positive_ints(channels=channels)
        self.channels = channels
        self._config = {"sizes": [list(s) for s in self.sizes], "channels": channels,
                        "width": width, "layers": layers}
        self.generators = nn.ModuleList(
            ScaleGenerator(channels, width, layers) for _ in self.sizes
        )
        self.register_buffer("amplitudes", torch.ones(len(self.sizes)))
        fixed = torch.Generator().manual_seed(0)
        self.register_buffer("z_rec", torch.randn(1, channels, *self.sizes[0], generator=fixed))

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this network (what ``save_model`` ships)."""
        return dict(self._config)

    def __len__(self) -> int:
        return len(self.sizes)

    def _check_scales(self, scales: int | None) -> int:
        if scales is None:
            return len(self)
        if isinstance(scales, bool) or not isinstance(scales, int) or not 0 <= scales <= len(self):
            raise ValueError(f"scales must be an int in [0, {len(self)}], got {scales!r}")
        return scales

    @torch.no_grad()
    def sample(
        self,
        n: int,
        scales: int | None = None,
        sizes: Sequence[Size] | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """``n`` random images from the first ``scales`` scales (all by default), at the
        finest of those, on the CPU. ``sizes`` (one (h, w) per scale) generates at other
        sizes, e.g. wider for retargeting; ``generator`` seeds the noise."""
        check_positive("n", n)
        scales = self._check_scales(scales)
        sizes = self._sizes(sizes)
        device = self.amplitudes.device
        x = torch.zeros(n, self.channels, *sizes[0], device=device)
        for k in range(scales):
            x = resize(x, sizes[k])
            z = torch.randn(x.shape, generator=generator).to(device)
            x = self.generators[k](x, self.amplitudes[k] * z)
        return x.cpu()

    @torch.no_grad()
    def reconstruct(self, scales: int | None = None) -> Tensor:
        """What the first ``scales`` scales make from the fixed noise map: (1, C, h, w)."""
        scales = self._check_scales(scales)
        x = torch.zeros_like(self.z_rec)
        for k in range(scales):
            x = resize(x, self.sizes[k])
            z = self.z_rec if k == 0 else torch.zeros_like(x)
            x = self.generators[k](x, self.amplitudes[k] * z)
        return x.cpu()

    def _sizes(self, sizes: Sequence[Size] | None) -> list[Size]:
        if sizes is None:
            return self.sizes
        if len(sizes) != len(self):
            raise ValueError(f"sizes must give one (h, w) per scale ({len(self)}), got {sizes!r}")
        return [(int(h), int(w)) for h, w in sizes]


def reconstruction_errors(
    pyramid: SinGAN, reals: Sequence[Tensor]
) -> tuple[list[float], list[float]]:
    """Mean squared error at each scale ``k`` of the fixed-noise reconstruction against
    ``reals[k]``, and of what the coarser scales alone give there (upsampled; zeros at the
    coarsest), so each scale's own contribution shows."""
    if len(reals) > len(pyramid):
        raise ValueError(f"reals has {len(reals)} scales, the pyramid only {len(pyramid)}")

    def mse(a: Tensor, b: Tensor) -> float:
        return float(((a - b) ** 2).mean())

    own = [mse(pyramid.reconstruct(k + 1), x) for k, x in enumerate(reals)]
    coarser = [mse(torch.zeros_like(reals[0]), reals[0])] + [
        mse(resize(pyramid.reconstruct(k), x.shape[-2:]), x) for k, x in enumerate(reals) if k
    ]
    return own, coarser


class FixedNoiseReconstruction(Term):
    """SinGAN's reconstruction term: mean squared error between the image and this scale's
    output on the fixed reconstruction input ``prev`` (the coarser scales' reconstruction,
    upsampled) with the fixed noise ``z`` (the noise map at scale 0, zeros above)."""

    name = "rec"

    def __init__(self, prev: Tensor, z: Tensor, weight: float = 10.0) -> None:
        super().__init__(weight)
        self.register_buffer("prev", prev.detach().clone())
        self.register_buffer("z", z.detach().clone())

    def forward(self, trainer: Any, batch: Any, fake: Tensor, z: Tensor | None) -> Tensor:
        return F.mse_loss(trainer.G(self.prev, self.z), batch.real[:1])


class _ScaleSampler:
    """``sample_real`` for scale ``k``: (coarser scales' random output upsampled, the image)."""

    def __init__(self, pyramid: SinGAN, k: int, real: Tensor) -> None:
        self.pyramid, self.k, self.real = pyramid, k, real

    def __call__(self, n: int) -> tuple[Tensor, Tensor]:
        size = self.pyramid.sizes[self.k]
        if self.k == 0:
            prev = torch.zeros(n, self.pyramid.channels, *size)
        else:
            prev = resize(self.pyramid.sample(n, scales=self.k), size)
        return prev, self.real.expand(n, -1, -1, -1)


def _noise(shape: Size, channels: int, amplitude: float):
    def draw(n: int, device: torch.device) -> Tensor:
        return amplitude * torch.randn(n, channels, *shape, device=device)

    return draw


def train_singan(
    image: Tensor,
    scales: int,
    steps: int,
    width: int = 32,
    layers: int = 5,
    factor: float = SCALE_FACTOR,
    alpha: float = 10.0,
    lr: float = 5e-4,
    noise_weight: float = 0.1,
    checkpoint_dir: str | os.PathLike | None = None,
    progress: bool = False,
    device: str | torch.device | None = None,
) -> tuple[SinGAN, list[dict[str, list[float]]]]:
    """Train a pyramid of ``scales`` scales on ``image`` (1, C, H, W), coarse to fine.

    Each scale is one :class:`ganbook.Trainer` fit of ``steps`` steps (3 critic and 3
    generator updates each; batch 1; Adam ``lr``, betas (0.5, 0.999), divided by 10 after
    80% of the steps), its networks started from the coarser scale's, the coarser generators
    frozen. Noise amplitude: 1 at scale 0, then ``noise_weight`` times the RMS error of the
    upsampled coarser reconstruction. With ``checkpoint_dir`` every scale writes
    ``scale_K.pt`` there and a rerun resumes. Trains on ``device`` (default: the book's
    :func:`ganbook.core.device.get_device`). Returns the pyramid (on the CPU) and each scale's
    history.
    """
    steps = check_positive("steps", steps)
    if image.dim() != 4 or image.shape[0] != 1:
        raise ValueError(f"image must be (1, C, H, W), got {tuple(image.shape)}")
    sizes = pyramid_sizes(image.shape[-2], image.shape[-1], scales, factor)
    reals = image_pyramid(image, sizes)
    device = get_device() if device is None else torch.device(device)
    pyramid = SinGAN(sizes, image.shape[1], width, layers).to(device)
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    D_prev: nn.Module | None = None
    histories = []
    for k, real in enumerate(reals):
        prev_rec = resize(pyramid.reconstruct(k), sizes[k]) if k else torch.zeros_like(real)
        if k:
            rmse = float(((prev_rec - real) ** 2).mean().sqrt())
            pyramid.amplitudes[k] = noise_weight * rmse
            pyramid.generators[k].load_state_dict(pyramid.generators[k - 1].state_dict())
        D = ScaleDiscriminator(image.shape[1], width, layers)
        if D_prev is not None:
            D.load_state_dict(D_prev.state_dict())
        amp = float(pyramid.amplitudes[k])
        z_rec = pyramid.z_rec.cpu() * amp if k == 0 else torch.zeros_like(real)
        trainer = Trainer(
            pyramid.generators[k], D, _ScaleSampler(pyramid, k, real),
            loss="wgan-gp", gp_weight=0.1, paired=True, noise=_noise(sizes[k], real.shape[1], amp),
            terms=[FixedNoiseReconstruction(prev_rec, z_rec, alpha)], batch_size=1,
            d_steps=3, g_steps=3, lr_g=lr, lr_d=lr, betas=(0.5, 0.999), ema_decay=None,
            device=device,
            checkpoint_path=folder / f"scale_{k}.pt" if folder is not None else None,
        )
        trainer.resume()
        at = max(1, math.ceil(0.8 * steps))
        trainer.fit(steps, callbacks=[(1, StepDecay(at))], progress=progress)
        pyramid.generators[k].eval()
        D_prev = D
        histories.append(trainer.history)
    return pyramid.cpu(), histories


def save_pyramid(pyramid: SinGAN, name: str, **extra: Any) -> Path:
    """Ship a trained pyramid with :func:`~ganbook.core.checkpoint.save_model` (its config
    rebuilds it)."""
    return save_model(name, pyramid, pyramid.config(), **extra)


def load_pyramid(name: str) -> tuple[SinGAN, dict]:
    """A shipped pyramid (``bench/app_singan.py``) and its checkpoint dict; under the check
    harness's untrained mode it comes back freshly initialised (amplitudes 1)."""
    return load_model(name, lambda config: SinGAN(**config))
