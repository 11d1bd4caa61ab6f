"""Maximum-likelihood training of the language model, on the same loop as the GANs.

Supervised pre-training, not a GAN: SeqGAN and RelGAN both start from this model. It runs
on :class:`ganbook.core.loop.Loop`, so it has the Trainer's progress bar, history, callbacks,
NaN guard, checkpoints and exact resume: a learning curve comes from callbacks during one
run, never from restarting the optimizer.
"""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import Tensor

from ..core.loop import ModelLoop
from .lm import LSTMGenerator


class MLETrainer(ModelLoop):
    """Teacher-forced cross-entropy on ``data`` (N, seq_len) with Adam and gradient clipping.

    ``trainer.fit(steps, callbacks=[(every, fn)])`` as for :class:`ganbook.Trainer`; the
    history records the mean per-token NLL of each batch under ``loss``.
    """

    description = "MLE"

    def __init__(
        self,
        model: LSTMGenerator,
        data: Tensor,
        *,
        batch_size: int = 64,
        lr: float = 1e-2,
        clip: float | None = 5.0,
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: float | None = 60.0,
    ) -> None:
        if not isinstance(model, LSTMGenerator):
            raise ValueError(f"model must be an LSTMGenerator, got {type(model).__name__}")
        model._check_ids(data)
        super().__init__(
            model, data, batch_size=batch_size, lr=lr, clip=clip, device=device,
            checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
        )

    def objective(self, batch: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        loss = self.model.nll(batch).mean()
        return loss, {"loss": loss.detach()}

    def config(self) -> dict[str, Any]:
        return {**super().config(), **self.model.config()}

    def _describe(self) -> str:
        return " (MLE); lower lr"


def train_mle(
    model: LSTMGenerator,
    data: Tensor,
    steps: int,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip: float = 5.0,
    progress: bool = True,
) -> list[float]:
    """Train ``model`` by maximum likelihood for ``steps`` steps in one call;
    returns the batch losses.

    A shortcut for ``MLETrainer(model, data, ...).fit(steps)``; use the trainer itself for
    callbacks, checkpoints or a run in several parts.
    """
    trainer = MLETrainer(model, data, batch_size=batch_size, lr=lr, clip=clip)
    return trainer.fit(steps, progress=progress)["loss"]
