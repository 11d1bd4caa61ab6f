"""A small digit classifier: the judge for class coverage, and its penultimate layer the feature
space for Fréchet distance, KID, precision and recall on 8x8 digits.

Inception features (the usual FID) mean nothing on 8x8 digits, so the book trains its own
feature extractor on the *training* split only and ships the weights
(``ganbook/weights/image_digit_classifier.pt``); :func:`load_digit_classifier` loads them, or
retrains them in a few seconds if they are missing.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.checkpoint import load_model, save_model, weights_path
from ..core.loop import ModelLoop
from ..core.utils import eval_mode
from .checks import check_images
from .resample import downsample

WEIGHTS_NAME = "image_digit_classifier"


class DigitClassifier(nn.Module):
    """(N, 1, 8, 8) in [-1, 1] -> 10 logits; :meth:`features` gives the 64-d penultimate layer."""

    feature_dim = 64

    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 4x4
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 2x2
            nn.Flatten(),
            nn.Linear(256, self.feature_dim),
            nn.ReLU(),
        )
        self.n_classes = n_classes
        self.head = nn.Linear(self.feature_dim, n_classes)

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this network."""
        return {"n_classes": self.n_classes}

    def features(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 8, 8):
            raise ValueError(f"x must have shape (batch, 1, 8, 8), got {tuple(x.shape)}")
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def embed_and_predict(self, x: Tensor, batch_size: int = 1024) -> tuple[Tensor, Tensor]:
        """Penultimate features and predicted class of many images, from one pass in batches
        (eval mode, no gradients): a metric that needs both pays for the network once."""
        self.eval()
        features = [self.features(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        return torch.cat(features), torch.cat([self.head(f).argmax(1) for f in features])

    def predict(self, x: Tensor, batch_size: int = 1024) -> Tensor:
        """Predicted class of each image (eval mode, no gradients)."""
        return self.embed_and_predict(x, batch_size)[1]

    def embed(self, x: Tensor, batch_size: int = 1024) -> Tensor:
        """Penultimate features of many images, in batches (eval mode, no gradients)."""
        return self.embed_and_predict(x, batch_size)[0]


def random_shift(x: Tensor, max_shift: int = 1) -> Tensor:
    """Shift each image by up to ``max_shift`` pixels (zero = background -1 padding):
    cheap augmentation."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, value=-1.0)
    dy = torch.randint(0, 2 * max_shift + 1, (n,)).tolist()
    dx = torch.randint(0, 2 * max_shift + 1, (n,)).tolist()
    return torch.stack([padded[i, :, a : a + h, b : b + w] for i, (a, b) in enumerate(zip(dy, dx))])


def add_noise(x: Tensor, max_std: float = 0.3) -> Tensor:
    """Gaussian pixel noise with a random strength in [0, ``max_std``] per image."""
    return x + max_std * torch.rand(len(x), 1, 1, 1) * torch.randn_like(x)


class ClassifierTrainer(ModelLoop):
    """Cross-entropy on labelled digits, in epochs of shuffled batches; each batch is shifted by
    up to one pixel and gets pixel noise of random strength up to ``noise`` (see
    :func:`train_digit_classifier`). An instrument (:attr:`~ganbook.core.loop.Loop.instrument`):
    the check harness needs it trained."""

    instrument = True
    description = "digit classifier"
    model_name = "classifier"

    def __init__(self, model: DigitClassifier, x: Tensor, labels: Tensor, *, batch_size: int,
                 lr: float, noise: float, seed: int) -> None:
        super().__init__(model, batch_size=batch_size, lr=lr, checkpoint_seconds=None)
        self.x, self.labels, self.noise = x, labels, noise
        self.order_generator = torch.Generator().manual_seed(seed)  # the epochs' shuffles
        self.order, self.next = torch.arange(0), len(x)  # an epoch begins at the first batch
        self.steps_per_epoch = math.ceil(len(x) / batch_size)

    def batch(self) -> tuple[Tensor, Tensor]:
        """The next batch of this epoch's shuffle (the last one of an epoch may be smaller)."""
        if self.next >= len(self.x):
            self.order, self.next = torch.randperm(len(self.x), generator=self.order_generator), 0
        idx = self.order[self.next : self.next + self.batch_size]
        self.next += self.batch_size
        return self.x[idx], self.labels[idx]

    def objective(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        x, labels = batch
        loss = F.cross_entropy(self.model(add_noise(random_shift(x), self.noise)), labels)
        return loss, {"loss": loss.detach()}


def train_digit_classifier(
    x: Tensor,
    labels: Tensor,
    epochs: int = 40,
    batch_size: int = 64,
    lr: float = 2e-3,
    noise: float = 0.3,
    seed: int = 0,
) -> DigitClassifier:
    """Train a :class:`DigitClassifier` with Adam and a cosine learning rate over ``epochs``;
    returns it in eval mode.

    Each batch is shifted by up to one pixel and gets pixel noise of random strength up to
    ``noise``, so the features describe a digit's shape rather than its exact pixel grain;
    a metric built on them then does not punish imperceptible noise as if it were a wrong digit.
    """
    if len(x) != len(labels) or len(x) == 0:
        raise ValueError(
            f"x ({len(x)}) and labels ({len(labels)}) must be non-empty and the same length"
        )
    if not isinstance(epochs, int) or epochs <= 0:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = DigitClassifier(int(labels.max()) + 1)
        trainer = ClassifierTrainer(model, x, labels, batch_size=batch_size, lr=lr, noise=noise,
                                    seed=seed)
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(trainer.optimizer, epochs)
        epoch = trainer.steps_per_epoch
        trainer.fit(epochs * epoch, callbacks=[(epoch, lambda _: cosine.step())], progress=False)
    return model.eval()


def to_classifier_size(images: Tensor) -> Tensor:
    """Area-pool square (N, C, 8k, 8k) digit images down to the classifier's 8x8 input.

    The applications chapters work on digits upsampled to 16 or 24 px; this is how their
    outputs are read by the 8x8 classifier.
    """
    if images.dim() != 4 or images.shape[-1] % 8 or images.shape[-2] != images.shape[-1]:
        raise ValueError(
            "images must be (N, C, H, W), square, a multiple of 8 px (H divisible by 8), "
            f"got {tuple(images.shape)}"
        )
    return downsample(images, images.shape[-1] // 8)


def digit_accuracy(classifier: nn.Module, images: Tensor, labels: Tensor) -> float:
    """Share of digit ``images`` that ``classifier`` labels as ``labels``.

    ``images`` are square, 8 px or any multiple of 8 (area-pooled to the classifier's 8x8
    input first, as :func:`to_classifier_size`, then clipped to its range [-1, 1]); predictions
    are made in eval mode, in batches.
    """
    check_images("images", images)
    if not isinstance(labels, Tensor) or len(labels) != len(images):
        got = len(labels) if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"labels must be a tensor with one label per image ({len(images)}), "
                         f"got {got}")
    small = to_classifier_size(images.detach().float().cpu()).clamp(-1, 1)
    with eval_mode(classifier), torch.no_grad():
        predicted = torch.cat([classifier(small[i : i + 1024]).argmax(1)
                               for i in range(0, len(small), 1024)])
    return float((predicted == labels.cpu()).float().mean())


def save_digit_classifier(
    model: DigitClassifier, name_or_path: str | os.PathLike = WEIGHTS_NAME, **extra: Any
) -> Path:
    """Ship the classifier the way every shipped network is saved
    (:func:`ganbook.core.checkpoint.save_model`)."""
    return save_model(name_or_path, model, model.config(), **extra)


def load_digit_classifier(
    retrain_if_missing: bool = True,
) -> tuple[DigitClassifier, dict[str, Any]]:
    """The shipped classifier (trained on the digits' training split by
    ``bench/image_pretrain.py``).

    Returns ``(model, info)`` in eval mode, as every domain's loader; if the weights are
    missing it is retrained (a few seconds) and ``info`` says so.
    """
    if weights_path(WEIGHTS_NAME).exists() or not retrain_if_missing:
        return load_model(WEIGHTS_NAME, lambda c: DigitClassifier(c["n_classes"]), instrument=True)
    from .data import load_digits

    return train_digit_classifier(*load_digits("train")), {"config": {"retrained": True}}
