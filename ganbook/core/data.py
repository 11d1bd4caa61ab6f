"""Random mini-batches from in-memory tensors:
the ``sample_real`` every chapter hands the Trainer."""

from __future__ import annotations

import torch
from torch import Tensor


class TensorSampler:
    """Draws random batches (with replacement across batches) from ``data`` and optional ``labels``.

    Randomness comes from torch's global RNG, so checkpointed runs resume exactly.
    Calling the sampler returns ``x`` or ``(x, labels)``.
    """

    def __init__(self, data: Tensor, labels: Tensor | None = None) -> None:
        data = torch.as_tensor(data)
        if data.dim() < 1 or len(data) == 0:
            raise ValueError(f"data must be a non-empty tensor, got shape {tuple(data.shape)}")
        if labels is not None:
            labels = torch.as_tensor(labels)
            if len(labels) != len(data):
                raise ValueError(
                    f"labels ({len(labels)}) and data ({len(data)}) must have the same length"
                )
        self.data, self.labels = data, labels

    def __len__(self) -> int:
        return len(self.data)

    def __call__(self, batch_size: int) -> Tensor | tuple[Tensor, Tensor]:
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        idx = torch.randint(len(self.data), (batch_size,))
        return self.data[idx] if self.labels is None else (self.data[idx], self.labels[idx])
