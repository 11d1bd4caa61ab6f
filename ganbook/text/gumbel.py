"""A Gumbel-softmax text GAN in the style of RelGAN (Nie et al., 2019), through the core Trainer.

Sampling a token is argmax(logits + g) with Gumbel noise g (an exact sample). Replacing that
argmax by ``softmax(beta * (logits + g))`` gives a *relaxed* one-hot that is differentiable in
the logits; the discriminator embeds it with a matrix product (not an ``nn.Embedding``
look-up), so the generator gets ordinary gradients. The inverse temperature ``beta`` grows
during training (exponentially, as RelGAN), so the relaxed samples approach real one-hots.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor, nn

from ..core.train import Real, Trainer
from .lm import LSTMGenerator


class GumbelGenerator(nn.Module):
    """Wraps an :class:`LSTMGenerator`: relaxed one-hots (batch, length, vocab) in train mode,
    token ids in eval mode.

    Its noise is one uniform per (token position, vocabulary entry): ``G(u)`` is a function of it.
    """

    def __init__(self, lm: LSTMGenerator, beta: float = 1.0) -> None:
        super().__init__()
        if not isinstance(lm, LSTMGenerator):
            raise ValueError(f"lm must be an LSTMGenerator, got {type(lm).__name__}")
        self.lm, self.beta = lm, float(beta)

    def noise(self, n: int, device: torch.device | str | None = None) -> Tensor:
        return torch.rand(n, self.lm.seq_len, self.lm.vocab_size, device=device)

    def forward(self, u: Tensor) -> Tensor:
        ids, soft = self.lm.sample_relaxed(u, self.beta)
        return soft if self.training else ids


def beta_schedule(step: int, total: int, beta_max: float = 100.0, kind: str = "exp") -> float:
    """Inverse temperature at ``step`` of ``total``: from 1 to ``beta_max``
    ('exp': beta_max ** (step/total), or 'linear')."""
    if total <= 0 or beta_max < 1:
        raise ValueError(f"need total > 0 and beta_max >= 1, got {total}, {beta_max}")
    frac = min(max(step / total, 0.0), 1.0)
    if kind == "exp":
        return beta_max**frac
    if kind == "linear":
        return 1 + (beta_max - 1) * frac
    if kind == "constant":
        return beta_max
    raise ValueError(f"kind must be 'exp', 'linear' or 'constant', got {kind!r}")


class GumbelGANTrainer(Trainer):
    """The core Trainer with the inverse temperature annealed over ``anneal_steps``
    (RSGAN loss by default, as RelGAN)."""

    def __init__(
        self,
        generator: GumbelGenerator,
        discriminator: nn.Module,
        sample_real: Callable[[int], Real],
        *,
        anneal_steps: int,
        beta_max: float = 100.0,
        schedule: str = "exp",
        **kwargs: Any,
    ) -> None:
        if not isinstance(generator, GumbelGenerator):
            raise ValueError(f"generator must be a GumbelGenerator, got {type(generator).__name__}")
        beta_schedule(0, anneal_steps, beta_max, schedule)  # validates the arguments
        kwargs.setdefault("noise", generator.noise)
        kwargs.setdefault("loss", "relativistic")
        kwargs.setdefault("betas", (0.9, 0.999))
        kwargs.setdefault("ema_decay", None)
        super().__init__(generator, discriminator, sample_real, **kwargs)
        self.anneal_steps, self.beta_max, self.schedule = anneal_steps, beta_max, schedule

    def train_step(self) -> dict[str, float | Tensor]:
        """Set the inverse temperature for this step,
        then the core step (D updates, G update, EMA)."""
        self.G.beta = beta_schedule(self.step, self.anneal_steps, self.beta_max, self.schedule)
        record = super().train_step()
        record["beta"] = self.G.beta
        return record
