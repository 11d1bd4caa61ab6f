"""A CNN that scores whole sequences: SeqGAN's discriminator (Kim 2014 text CNN + highway).

It reads token ids *or* (relaxed) one-hot vectors. Its embedding is a plain weight matrix
E (vocab, emb): ids pick rows of E, a one-hot or softmax vector x is embedded as ``x @ E``.
For one-hot x the two agree exactly, and for a relaxed x the product is differentiable, which
is what the Gumbel-softmax GAN needs (``nn.Embedding`` only accepts integer ids).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Highway(nn.Module):
    """y = t * relu(W x) + (1 - t) * x with a learned gate t (Srivastava et al., 2015)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.transform = nn.Linear(dim, dim)
        self.gate = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        t = torch.sigmoid(self.gate(x))
        return t * F.relu(self.transform(x)) + (1 - t) * x


class CNNDiscriminator(nn.Module):
    """Sequence (batch, length) of ids, or (batch, length, vocab) of probabilities
    -> one logit each."""

    def __init__(
        self,
        vocab_size: int,
        emb_dim: int = 64,
        widths: Sequence[int] = (2, 3, 4, 5),
        filters: int | Sequence[int] = 64,
        dropout: float = 0.25,
    ) -> None:
        super().__init__()
        if not isinstance(vocab_size, int) or vocab_size <= 0:
            raise ValueError(f"vocab_size must be a positive int, got {vocab_size!r}")
        if not widths or any(w <= 0 for w in widths):
            raise ValueError(f"widths must be a non-empty list of positive ints, got {widths!r}")
        filters = [filters] * len(widths) if isinstance(filters, int) else list(filters)
        if len(filters) != len(widths):
            raise ValueError(
                f"filters must be an int or have one entry per width, "
                f"got {filters!r} for widths {widths!r}"
            )
        self.vocab_size, self.widths = vocab_size, tuple(widths)
        self.emb_dim, self.filters, self.dropout_p = emb_dim, filters, dropout
        self.embedding = nn.Parameter(torch.randn(vocab_size, emb_dim) * emb_dim**-0.5)
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, f, w) for f, w in zip(filters, widths))
        features = sum(filters)
        self.highway = Highway(features)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(features, 1)

    def config(self) -> dict:
        """The arguments that rebuild this network (for
        :func:`~ganbook.core.checkpoint.save_model`)."""
        return {"vocab_size": self.vocab_size, "emb_dim": self.emb_dim,
                "widths": list(self.widths), "filters": list(self.filters),
                "dropout": self.dropout_p}

    def embed(self, x: Tensor) -> Tensor:
        """(batch, length, emb) from ids (long) or probability vectors (float, last dim = vocab)."""
        if x.dtype == torch.long:
            if x.dim() != 2:
                raise ValueError(f"token ids must have shape (batch, length), got {tuple(x.shape)}")
            return F.embedding(x, self.embedding)
        if x.dim() != 3 or x.shape[-1] != self.vocab_size:
            raise ValueError(
                f"x must be long ids (batch, length) or floats (batch, length, {self.vocab_size}), "
                f"got {x.dtype} {tuple(x.shape)}"
            )
        return x @ self.embedding

    def forward(self, x: Tensor) -> Tensor:
        e = self.embed(x).transpose(1, 2)  # (batch, emb, length) for Conv1d
        if e.shape[-1] < max(self.widths):
            raise ValueError(
                f"sequences must be at least {max(self.widths)} tokens long, got {e.shape[-1]}"
            )
        pooled = [F.relu(conv(e)).amax(dim=-1) for conv in self.convs]  # max over time
        h = self.highway(torch.cat(pooled, dim=1))
        return self.out(self.dropout(h)).squeeze(-1)
