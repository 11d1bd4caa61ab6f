"""Spotting generated images: a small CNN detector, a spectrum-only detector, and their accuracy.

Detectors of generated images often exploit the frequency spectrum: upsampling layers leave
periodic traces that real photographs lack (Frank et al. 2020), and a classifier trained on one
generator's images can transfer to others (Wang et al. 2020), or not. Here both detectors are
trained to tell real images (digits or faces) from one generator's samples
(:func:`train_detectors`), then tested on held-out real images against generators they never
saw (:func:`accuracy_table`, :func:`plot_accuracies`). :class:`DetectorTrainer` runs on the
core :class:`ganbook.core.loop.Loop`.
"""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import ModelLoop, check_positive
from .checks import check_images


def _grey_batch(name: str, x: Tensor) -> Tensor:
    """``x`` checked by :func:`~ganbook.image.checks.check_images` (one channel) and not
    empty, as a float tensor on the CPU: what the detectors read."""
    if len(check_images(name, x, 1)) == 0:
        raise ValueError(f"{name} must hold at least one image, got shape {tuple(x.shape)}")
    return x.detach().cpu().float()


def log_spectrum(images: Tensor) -> Tensor:
    """Log power of each image's 2-D Fourier transform, zero frequency in the centre
    (n, 1, h, w). The image mean is removed first, so brightness alone is not a feature."""
    x = _grey_batch("images", images)
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
    """A small CNN on pixels: image (n, 1, size, size) -> one logit, positive for "generated".

    Stride-2 convolutions halve the image until it is at most 4 pixels across (one for 8x8
    digits, three for 24x24 faces), then a linear layer reads every position.
    """

    def __init__(self, width: int = 32, size: int = 8) -> None:
        super().__init__()
        check_positive("width", width)
        check_positive("size", size)
        layers: list[nn.Module] = [nn.Conv2d(1, width, 3, padding=1), nn.LeakyReLU(0.2)]
        channels, side = width, size
        while True:
            layers += [nn.Conv2d(channels, 2 * width, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            channels, side = 2 * width, side // 2
            if side <= 4:
                break
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.LazyLinear(1))
        self.net(torch.zeros(1, 1, size, size))  # size the lazy layer

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.to(self.net[0].weight.device))[:, 0]


class DetectorTrainer(ModelLoop):
    """Binary cross-entropy on logits: ``real`` images labelled 0, ``fake`` images 1, balanced.

    ``flip=True`` mirrors a random half of each batch left to right, real and fake alike: twice
    the real images for a small set (faces), and no cue in the flip itself.
    """

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
        flip: bool = False,
        device: str | torch.device | None = None,
    ) -> None:
        real, fake = _grey_batch("real", real), _grey_batch("fake", fake)
        if real.shape[1:] != fake.shape[1:]:
            raise ValueError(
                f"real and fake must have one image shape, got {tuple(real.shape[1:])} and "
                f"{tuple(fake.shape[1:])}"
            )
        check_positive("batch_size", batch_size)
        check_positive("lr", lr, integer=False)
        if hasattr(detector, "fit_scale"):
            detector.fit_scale(torch.cat([real, fake]))
        super().__init__(detector, batch_size=batch_size, lr=lr, device=device,
                         checkpoint_seconds=None)
        self.real, self.fake, self.flip = real, fake, flip

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
        if self.flip:
            mirrored = torch.rand(len(x), device=self.device) < 0.5
            x = torch.where(mirrored[:, None, None, None], x.flip(3), x)
        return x, y

    def objective(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        x, y = batch
        logits = self.model(x)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        accuracy = ((logits > 0).float() == y).float().mean()
        return loss, {"loss": loss.detach(), "accuracy": accuracy.detach()}

    def config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "lr": self.lr, "flip": self.flip}


@torch.no_grad()
def detection_accuracy(detector: nn.Module, real: Tensor, fake: Tensor) -> float:
    """Balanced accuracy: the mean of the share of ``real`` called real and of ``fake`` called
    generated. Chance is 0.5 whatever the two set sizes."""
    real, fake = _grey_batch("real", real), _grey_batch("fake", fake)
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


def train_detectors(
    real: Tensor,
    fake: Tensor,
    steps: int,
    *,
    width: int = 32,
    batch_size: int = 128,
    flip: bool = False,
    seed: int = 0,
) -> dict[str, nn.Module]:
    """Both detectors trained on the same ``real`` and ``fake`` images for ``steps`` steps:
    ``{"pixel CNN": PixelDetector(width), "spectrum only": SpectrumDetector}``.

    Each starts from ``seed``; the spectrum detector is linear and gets a 10x higher learning
    rate (1e-2 against 1e-3). A narrower ``width`` keeps larger images cheap on a CPU.
    """
    from ..core.device import seed_everything

    real = _grey_batch("real", real)
    check_positive("steps", steps)
    size = real.shape[-1]
    detectors: dict[str, nn.Module] = {}
    for name, make, lr in [
        ("pixel CNN", lambda: PixelDetector(width, size), 1e-3),
        ("spectrum only", lambda: SpectrumDetector(size), 1e-2),
    ]:
        seed_everything(seed)
        detector = make()
        trainer = DetectorTrainer(detector, real, fake, batch_size=batch_size, lr=lr, flip=flip)
        trainer.fit(steps, progress=False)
        detectors[name] = detector
    return detectors


def accuracy_table(
    detectors: Mapping[str, nn.Module], real: Tensor, fakes: Mapping[str, Tensor]
) -> dict[str, dict[str, float]]:
    """``{generator: {detector: balanced accuracy, ..., "chance": 0.5}}`` on held-out ``real``
    images against each generator's ``fakes``, ready for :func:`ganbook.pages.tables.show_table`."""
    if not detectors or not fakes:
        raise ValueError("detectors and fakes must each name at least one entry")
    return {
        name: {d: detection_accuracy(det, real, x) for d, det in detectors.items()}
        | {"chance": 0.5}
        for name, x in fakes.items()
    }


def plot_accuracies(
    tables: Mapping[str, Mapping[str, Mapping[str, float]]], seen: Mapping[str, str]
) -> plt.Figure:
    """One panel per data set: balanced accuracy of each detector on each generator (bars),
    the generator it was trained against hatched, chance dashed.

    ``tables`` maps a data set to its :func:`accuracy_table`; ``seen`` maps it to the name of
    its training generator.
    """
    if set(seen) != set(tables):
        raise ValueError(f"seen must name one generator per data set {sorted(tables)}")
    fig, axes = plt.subplots(
        1, len(tables), figsize=(5.2 * len(tables), 3.8), squeeze=False,
        gridspec_kw={"width_ratios": [len(t) for t in tables.values()]},
    )
    for ax, (data, rows) in zip(axes[0], tables.items()):
        names = list(rows)
        detectors = [d for d in rows[names[0]] if d != "chance"]
        width = 0.8 / len(detectors)
        for j, d in enumerate(detectors):
            xs = [i + (j - (len(detectors) - 1) / 2) * width for i in range(len(names))]
            bars = ax.bar(xs, [rows[g][d] for g in names], width, label=d, color=f"C{j}")
            bars[names.index(seen[data])].set_hatch("//")
        ax.axhline(0.5, color="grey", ls="--", lw=1, label="chance")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
        ax.set(ylim=(0, 1.2), ylabel="balanced accuracy", title=f"{data} (hatched: seen)")
    axes[0, 0].legend(fontsize=8, loc="upper left", ncol=3)
    fig.tight_layout()
    return fig


def plot_spectrum_gaps(
    real: Tensor, fakes: Mapping[str, Tensor], title: str | None = None, per_row: int = 4
) -> plt.Figure:
    """One panel per generator: its :func:`spectrum_gap` against ``real``, on one colour scale
    (red: more power than real images, zero frequency in the centre), ``per_row`` panels a
    row so the figure fits the page's column; ``title`` names the data set."""
    if not fakes:
        raise ValueError("fakes must name at least one generator")
    check_positive("per_row", per_row)
    gaps = {name: spectrum_gap(real, x) for name, x in fakes.items()}
    cols = min(per_row, len(gaps))
    rows = -(-len(gaps) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(1.5 * cols + 0.8, 1.8 * rows + 0.4), squeeze=False
    )
    limit = max(float(g.abs().max()) for g in gaps.values())
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (name, g) in zip(axes.flat, gaps.items()):
        image = ax.imshow(g.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(name.replace(" (", "\n(").replace(", ", "\n"), fontsize=9)
    fig.colorbar(image, ax=list(axes.flat), fraction=0.04, label="log power, fake - real")
    if title:
        fig.suptitle(title)
    return fig
