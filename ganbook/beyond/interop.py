"""Bridges to other libraries: the book's digit features as a torchmetrics feature extractor.

torchmetrics' ``FrechetInceptionDistance(feature=module)`` and ``KernelInceptionDistance``
accept any ``nn.Module`` that maps a batch of images to ``(batch, num_features)``; it reads
``num_features`` from the module instead of probing it with a uint8 image (which the digit
classifier, a float network, cannot take).
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

__all__ = ["DigitFeatures"]


class DigitFeatures(nn.Module):
    """The features :class:`ganbook.image.metrics.DigitEvaluator` scores with, as a module.

    ``forward(images)`` returns ``evaluator.features(images)`` for float images of shape
    ``(n, 1, 8, 8)``, so torchmetrics and the book measure in the same feature space.
    """

    def __init__(self, evaluator: Any) -> None:
        super().__init__()
        if not hasattr(evaluator, "features") or not hasattr(evaluator, "test_features"):
            raise ValueError(
                f"evaluator must be a DigitEvaluator, got {type(evaluator).__name__}"
            )
        self.evaluator = evaluator
        self.num_features = int(evaluator.test_features.shape[1])

    def forward(self, images: Tensor) -> Tensor:
        return self.evaluator.features(images.float())
