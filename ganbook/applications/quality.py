"""Measures for image restoration and translation: distortion (PSNR, SSIM), detail (power
spectrum, gradient energy) and realism (a two-sample classifier test).

No pretrained network is available offline, so realism is measured the way a two-sample
test does it (Lopez-Paz & Oquab 2017): train a fresh small classifier to tell real images
from outputs and score it on held-out images; 0.5 means it cannot tell them apart.
Images are tensors (N, C, H, W) in [-1, 1].
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.data import TensorSampler
from ..core.loop import ModelLoop


def _pair(name: str, a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape or a.dim() != 4:
        raise ValueError(
            f"{name}: outputs and truth must be (N, C, H, W) of the same shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def psnr(output: Tensor, truth: Tensor) -> float:
    """Mean peak signal-to-noise ratio in dB over the images (scikit-image; range [-1, 1])."""
    from skimage.metrics import peak_signal_noise_ratio

    _pair("psnr", output, truth)
    out, ref = output.detach().cpu().numpy(), truth.detach().cpu().numpy()
    return float(
        np.mean(
            [peak_signal_noise_ratio(r, o.clip(-1, 1), data_range=2.0) for o, r in zip(out, ref)]
        )
    )


def ssim(output: Tensor, truth: Tensor) -> float:
    """Mean structural similarity over the images (scikit-image, 7x7 windows or smaller)."""
    from skimage.metrics import structural_similarity

    _pair("ssim", output, truth)
    out, ref = output.detach().cpu().numpy(), truth.detach().cpu().numpy()
    window = min(
        7, out.shape[-1] - (1 - out.shape[-1] % 2), out.shape[-2] - (1 - out.shape[-2] % 2)
    )
    return float(
        np.mean(
            [
                structural_similarity(
                    r, o.clip(-1, 1), data_range=2.0, channel_axis=0, win_size=window
                )
                for o, r in zip(out, ref)
            ]
        )
    )


def radial_power_spectrum(images: Tensor, bins: int | None = None) -> tuple[Tensor, Tensor]:
    """Mean power at each spatial frequency, averaged over rings of the 2-D spectrum.

    Returns ``(frequency, power)``: frequency in cycles per pixel (0 .. 0.5), power averaged
    over images and channels. High-frequency power is the detail a method restores.
    """
    if images.dim() != 4:
        raise ValueError(f"images must be (N, C, H, W), got {tuple(images.shape)}")
    x = images.detach().float()
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fftshift(torch.fft.fft2(x).abs() ** 2, dim=(-2, -1)).mean(dim=(0, 1))
    h, w = power.shape
    fy = torch.fft.fftshift(torch.fft.fftfreq(h))[:, None]
    fx = torch.fft.fftshift(torch.fft.fftfreq(w))[None, :]
    radius = (fy**2 + fx**2).sqrt()
    bins = bins or min(h, w) // 2
    edges = torch.linspace(0, 0.5, bins + 1)
    index = torch.bucketize(radius.flatten(), edges[1:-1])
    inside = radius.flatten() <= 0.5
    total = torch.zeros(bins).index_add_(0, index[inside], power.flatten()[inside])
    count = torch.zeros(bins).index_add_(0, index[inside], torch.ones(int(inside.sum())))
    return (edges[:-1] + edges[1:]) / 2, total / count.clamp(min=1)


def high_frequency_ratio(output: Tensor, truth: Tensor, cutoff: float = 0.25) -> float:
    """High-frequency power (above ``cutoff`` cycles/pixel) of the outputs over the truth's.

    1 means all the detail was restored; bicubic upsampling gives far less.
    """
    _pair("high_frequency_ratio", output, truth)
    if not 0 < cutoff < 0.5:
        raise ValueError(f"cutoff must be in (0, 0.5) cycles per pixel, got {cutoff!r}")
    f, p_out = radial_power_spectrum(output)
    _, p_true = radial_power_spectrum(truth)
    high = f > cutoff
    return float(p_out[high].sum() / p_true[high].sum())


def gradient_energy(images: Tensor, mask: Tensor | None = None) -> float:
    """Mean squared finite-difference gradient (a sharpness measure), inside ``mask`` if given."""
    if images.dim() != 4:
        raise ValueError(f"images must be (N, C, H, W), got {tuple(images.shape)}")
    x = images.detach().float()
    gy = F.pad((x[..., 1:, :] - x[..., :-1, :]) ** 2, (0, 0, 0, 1))
    gx = F.pad((x[..., :, 1:] - x[..., :, :-1]) ** 2, (0, 1, 0, 0))
    energy = gx + gy
    if mask is None:
        return float(energy.mean())
    m = mask.float().expand_as(energy)
    return float((energy * m).sum() / m.sum().clamp(min=1))


class _Critic(nn.Module):
    def __init__(self, channels: int, width: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.AvgPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(2 * width, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


class TwoSampleTrainer(ModelLoop):
    """Binary cross-entropy on logits for the two-sample test's classifier: random batches of
    ``x`` with their labels (1 real, 0 generated), Adam at ``lr``. An instrument
    (:attr:`~ganbook.core.loop.Loop.instrument`): the check harness needs it trained."""

    instrument = True
    description = "two-sample classifier"
    model_name = "critic"

    def __init__(self, critic: nn.Module, x: Tensor, labels: Tensor, *, batch_size: int,
                 lr: float = 2e-3) -> None:
        super().__init__(critic, batch_size=batch_size, lr=lr, checkpoint_seconds=None)
        self.sampler = TensorSampler(x, labels)

    def batch(self) -> tuple[Tensor, Tensor]:
        return self.sampler(self.batch_size)

    def objective(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        x, labels = batch
        loss = F.binary_cross_entropy_with_logits(self.model(x), labels)
        return loss, {"loss": loss.detach()}


def two_sample_accuracy(
    real: Tensor, fake: Tensor, steps: int = 300, seed: int = 0, holdout: float = 0.3
) -> float:
    """Held-out accuracy of a fresh classifier trained to tell ``real`` from ``fake`` images.

    0.5: indistinguishable; 1.0: every output is spotted. Each set is split
    (``holdout`` share for scoring); the classifier is a two-layer CNN trained with Adam for
    ``steps`` steps, with its own seed (the global RNG is untouched).
    """
    if real.dim() != 4 or real.shape[1:] != fake.shape[1:]:
        raise ValueError(
            f"real and fake must be (N, C, H, W) with the same C, H, W, "
            f"got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if min(len(real), len(fake)) < 10:
        raise ValueError(f"need at least 10 images on each side, got {len(real)} and {len(fake)}")
    n = min(len(real), len(fake))
    gen = torch.Generator().manual_seed(seed)
    real = real[torch.randperm(len(real), generator=gen)[:n]].detach().float()
    fake = fake[torch.randperm(len(fake), generator=gen)[:n]].detach().float()
    cut = int(n * (1 - holdout))
    x_train = torch.cat([real[:cut], fake[:cut]])
    y_train = torch.cat([torch.ones(cut), torch.zeros(cut)])
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        critic = _Critic(real.shape[1])
        trainer = TwoSampleTrainer(critic, x_train, y_train, batch_size=min(64, len(x_train)))
        trainer.fit(steps, progress=False)
    with torch.no_grad():
        critic.eval()
        right = (critic(real[cut:]) > 0).float().sum() + (critic(fake[cut:]) <= 0).float().sum()
    return float(right / (2 * (n - cut)))
