"""Spotting generated images: a small CNN detector, a spectrum-only detector, and their accuracy.

Detectors of generated images often exploit the frequency spectrum: upsampling layers leave
periodic traces that real photographs lack (Frank et al. 2020), and a classifier trained on one
generator's images can transfer to others (Wang et al. 2020), or not. Here both detectors are
trained to tell real digits from one generator's samples, then tested on held-out real digits
against generators they never saw. :class:`DetectorTrainer` runs on the core
:class:`ganbook.loop.Loop`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..loop import ModelLoop, check_positive


def _check_images(name: str, x: Tensor) -> Tensor:
    x = torch.as_tensor(x).detach().cpu().float()
    if x.dim() != 4 or x.shape[1] != 1 or len(x) == 0:
        raise ValueError(f"{name} must have shape (n, 1, height, width), got {tuple(x.shape)}")
    return x


def log_spectrum(images: Tensor) -> Tensor:
    """Log power of each image's 2-D Fourier transform, zero frequency in the centre
    (n, 1, h, w). The image mean is removed first, so brightness alone is not a feature."""
    x = _check_images("images", images)
    x = x - x.mean(dim=(2, 3), keepdim=True)
    power = torch.fft.fftshift(torch.fft.fft2(x), dim=(2, 3)).abs().pow(2)
    return torch.log(power + 1e-3)


class SpectrumDetector(nn.Module):
    """Logistic regression on :func:`log_spectrum`: sees only frequencies, not shapes."""

    def __init__(self, size: int = 8) -> None:
        super().__init__()
        check_positive("size", size)
        self.linear = nn.Linear(size * size, 1)
        self.register_buffer("mean", torch.zeros(size * size))
        self.register_buffer("std", torch.ones(size * size))

    def fit_scale(self, x: Tensor) -> None:
        """Standardise features with the mean and spread of ``x`` (the training images)."""
        f = log_spectrum(x).flatten(1)
        self.mean.copy_(f.mean(0))
        self.std.copy_(f.std(0).clamp(min=1e-3))

    def forward(self, x: Tensor) -> Tensor:
        f = log_spectrum(x).flatten(1).to(self.linear.weight.device)
        return self.linear((f - self.mean) / self.std)[:, 0]


class PixelDetector(nn.Module):
    """A small CNN on pixels: image (n, 1, 8, 8) -> one logit, positive for "generated"."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        check_positive("width", width)
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.LazyLinear(1),
        )
        self.net(torch.zeros(1, 1, 8, 8))  # size the lazy layer

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.to(self.net[0].weight.device))[:, 0]


class DetectorTrainer(ModelLoop):
    """Binary cross-entropy on logits: ``real`` images labelled 0, ``fake`` images 1, balanced."""

    history_keys = ("step", "loss", "accuracy", "seconds")
    description = "detector"
    model_name = "detector"

    def __init__(
        self,
        detector: nn.Module,
        real: Tensor,
        fake: Tensor,
        *,
        batch_size: int = 128,
        lr: float = 1e-3,
        device: str | torch.device | None = None,
    ) -> None:
        real, fake = _check_images("real", real), _check_images("fake", fake)
        check_positive("batch_size", batch_size)
        check_positive("lr", lr, integer=False)
        if hasattr(detector, "fit_scale"):
            detector.fit_scale(torch.cat([real, fake]))
        super().__init__(detector, batch_size=batch_size, lr=lr, device=device,
                         checkpoint_seconds=None)
        self.real, self.fake = real, fake

    @property
    def detector(self) -> nn.Module:
        return self.model

    def batch(self) -> tuple[Tensor, Tensor]:
        half = self.batch_size // 2 or 1
        x = torch.cat([
            self.real[torch.randint(len(self.real), (half,))],
            self.fake[torch.randint(len(self.fake), (half,))],
        ]).to(self.device)
        y = torch.cat([torch.zeros(half), torch.ones(half)]).to(self.device)
        return x, y

    def objective(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict[str, float]]:
        x, y = batch
        logits = self.model(x)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        accuracy = ((logits > 0).float() == y).float().mean()
        return loss, {"loss": loss.item(), "accuracy": accuracy.item()}

    def config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "lr": self.lr}


@torch.no_grad()
def detection_accuracy(detector: nn.Module, real: Tensor, fake: Tensor) -> float:
    """Balanced accuracy: the mean of the share of ``real`` called real and of ``fake`` called
    generated. Chance is 0.5 whatever the two set sizes."""
    real, fake = _check_images("real", real), _check_images("fake", fake)
    was_training = detector.training
    detector.eval()
    real_ok = (detector(real) <= 0).float().mean()
    fake_ok = (detector(fake) > 0).float().mean()
    detector.train(was_training)
    return float((real_ok + fake_ok) / 2)


def spectrum_gap(real: Tensor, fake: Tensor) -> Tensor:
    """Mean :func:`log_spectrum` of ``fake`` minus that of ``real`` (h, w): where a generator's
    frequencies differ from real images'."""
    return log_spectrum(fake).mean(0)[0] - log_spectrum(real).mean(0)[0]
