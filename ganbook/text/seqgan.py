"""SeqGAN (Yu et al., 2017): train a token generator with REINFORCE, rewards from a discriminator.

Sampling a token is not differentiable, so the generator is treated as a policy. The reward
for token t is the discriminator's probability that a finished sequence is real, averaged
over Monte-Carlo rollouts that keep the first t+1 tokens and let a *rollout policy* (a slowly
updated copy of the generator) finish the rest. The generator then climbs
sum_t Q_t * log p(y_t | y_<t).

All rollouts of a batch run together: one tensor pass per time step over
(prefix length x rollout x sequence) rows, never a Python loop over rollouts.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable

import torch
from torch import Tensor, nn

from ..core.loop import read_records
from ..core.profiles import smoke_cap
from ..core.train import Batch, Trainer
from ..core.utils import eval_mode
from .lm import LSTMGenerator
from .sampling import sample_logits


def _scores(D: nn.Module, seqs: Tensor, batch_size: int = 8192) -> Tensor:
    """sigmoid(D(seqs)) in eval mode (no dropout), in chunks."""
    with eval_mode(D):
        return torch.cat(
            [torch.sigmoid(D(seqs[i : i + batch_size])) for i in range(0, len(seqs), batch_size)]
        )


@torch.no_grad()
def mc_rewards(
    policy: LSTMGenerator, D: nn.Module, ids: Tensor, n_rollouts: int, u: Tensor | None = None
) -> Tensor:
    """Per-token rewards (batch, length): Q_t = mean over rollouts of D(completion of ids[:, :t+1]).

    The last token's reward is D(ids) itself. ``u`` (length-1, n_rollouts, batch, length) are the
    uniforms the rollouts sample with (fresh ones if None). Rows are ordered by prefix length,
    so at each time step the rows still generating are a leading slice of the batch.
    """
    if not isinstance(n_rollouts, int) or n_rollouts <= 0:
        raise ValueError(f"n_rollouts must be a positive int, got {n_rollouts!r}")
    n, L = ids.shape
    if L < 2:
        raise ValueError(f"sequences must have at least 2 tokens for rollouts, got length {L}")
    if u is None:
        u = torch.rand(L - 1, n_rollouts, n, L, device=ids.device)
    elif u.shape != (L - 1, n_rollouts, n, L):
        raise ValueError(f"u must have shape {(L - 1, n_rollouts, n, L)}, got {tuple(u.shape)}")
    h, c, logits = policy.prefix_states(ids)  # entry k: after reading start + ids[:, :k]
    group = n_rollouts * n  # rows per prefix length

    def rows_by_prefix(t: Tensor) -> Tensor:
        """(L, n, ...) per-prefix states -> ((L-1) * M * n, ...):
        prefix k = 1..L-1, then rollout, then sequence."""
        return t[1:].unsqueeze(1).expand(L - 1, n_rollouts, *t.shape[1:]).reshape(-1, *t.shape[2:])

    h, c, logits = rows_by_prefix(h), rows_by_prefix(c), rows_by_prefix(logits)
    seqs = ids.expand(L - 1, n_rollouts, n, L).reshape(-1, L).clone()
    prefix = torch.arange(1, L, device=ids.device).repeat_interleave(group)  # k for each row
    u = u.reshape(-1, L)
    table = policy.input_table()
    for s in range(L - 1):
        active = (L - 1 - s) * group  # rows with k + s <= L - 1 are still generating
        rows = torch.arange(active, device=ids.device)
        pos = prefix[:active] + s
        tokens = sample_logits(logits[:active], u[rows, pos])
        seqs[rows, pos] = tokens
        keep = (L - 2 - s) * group  # rows that will need another token
        if keep > 0:
            logits, (h, c) = policy.step(tokens[:keep], (h[:keep], c[:keep]), table)
    rewards = _scores(D, seqs).view(L - 1, n_rollouts, n).mean(1).t()
    return torch.cat([rewards, _scores(D, ids).unsqueeze(1)], dim=1)


@torch.no_grad()
def mc_rewards_naive(
    policy: LSTMGenerator, D: nn.Module, ids: Tensor, n_rollouts: int, u: Tensor | None = None
) -> Tensor:
    """The same rewards computed the slow way
    (a loop over rollouts and prefixes, as SeqGAN's code does).

    Kept as the reference the batched version is tested and benchmarked against.
    """
    n, L = ids.shape
    if u is None:
        u = torch.rand(L - 1, n_rollouts, n, L, device=ids.device)
    rewards = torch.zeros(n, L, device=ids.device)
    table = policy.input_table()
    for m in range(n_rollouts):
        for k in range(1, L):
            state = policy.init_state(n, ids.device)
            tokens = torch.full((n,), policy.start_id, dtype=torch.long, device=ids.device)
            seq = ids.clone()
            for t in range(L):
                logits, state = policy.step(tokens, state, table)
                tokens = ids[:, t] if t < k else sample_logits(logits, u[k - 1, m, :, t])
                seq[:, t] = tokens
            rewards[:, k - 1] += _scores(D, seq) / n_rollouts
    rewards[:, L - 1] = _scores(D, ids)
    return rewards


class SeqGANTrainer(Trainer):
    """The core Trainer with SeqGAN's generator update (policy gradient with rollout rewards).

    The discriminator update is the Trainer's own (binary cross-entropy on logits, real token
    ids against sampled ones). ``rollout_update`` is how much of its old weights the rollout
    policy keeps after each generator step (0.8 in SeqGAN's code); ``baseline`` subtracts the
    batch's mean reward at each position; ``g_batch_size`` sequences go into each policy step.
    """

    def __init__(
        self,
        generator: LSTMGenerator,
        discriminator: nn.Module,
        sample_real: Callable[[int], Batch],
        *,
        n_rollouts: int = 16,
        rollout_update: float = 0.8,
        baseline: bool = False,
        g_batch_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(generator, LSTMGenerator):
            raise ValueError(f"generator must be an LSTMGenerator, got {type(generator).__name__}")
        if not isinstance(n_rollouts, int) or n_rollouts <= 0:
            raise ValueError(f"n_rollouts must be a positive int, got {n_rollouts!r}")
        if not 0.0 <= rollout_update < 1.0:
            raise ValueError(f"rollout_update must be in [0, 1), got {rollout_update!r}")
        kwargs.setdefault("noise", generator.noise)
        kwargs.setdefault("ema_decay", None)
        kwargs.setdefault("betas", (0.9, 0.999))
        kwargs.setdefault("loss", "non-saturating")
        kwargs.setdefault("clip_g", 5.0)
        super().__init__(generator, discriminator, sample_real, **kwargs)
        self.n_rollouts, self.rollout_update, self.baseline = n_rollouts, rollout_update, baseline
        self.g_batch_size = g_batch_size or self.batch_size
        self.rollout = copy.deepcopy(self.G).eval()
        for p in self.rollout.parameters():
            p.requires_grad_(False)

    def rewards(self, ids: Tensor) -> Tensor:
        """Per-token rewards (batch, length) for sampled ``ids`` from batched rollouts."""
        return mc_rewards(self.rollout, self.D, ids, self.n_rollouts)

    def g_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """REINFORCE: sample sequences, score each token by rollouts,
        raise log p of well-rewarded tokens."""
        with torch.no_grad():
            ids = self.G(self.sample_noise(self.g_batch_size))
        rewards = self.rewards(ids)
        advantage = rewards - rewards.mean(0, keepdim=True) if self.baseline else rewards
        loss = -(self.G.log_probs(ids) * advantage).sum(1).mean()
        return loss, {"g_loss": loss.detach(), "reward": rewards.detach().mean()}

    def g_step(self, batch: Batch) -> dict[str, float | Tensor]:
        """The core generator update, then the rollout policy follows the generator."""
        record = super().g_step(batch)
        self.update_rollout()
        return record

    @torch.no_grad()
    def update_rollout(self) -> None:
        """rollout <- r * rollout + (1 - r) * generator:
        the delayed copy that finishes sequences."""
        torch._foreach_lerp_(
            list(self.rollout.parameters()), list(self.G.parameters()), 1.0 - self.rollout_update
        )

    def pretrain_discriminator(self, steps: int) -> list[float]:
        """``steps`` discriminator updates (the Trainer's ``d_step``)
        before adversarial training starts."""
        self.D.train()
        records = [  # smoke mode: a few steps only
            self.d_step(self.real_batch()) for _ in range(smoke_cap(steps))
        ]
        losses = [r["d_loss"] for r in read_records(records)]  # one host sync for all
        for i, loss in enumerate(losses, 1):
            if not math.isfinite(loss):
                raise FloatingPointError(
                    f"d_loss became {loss} at discriminator pre-training update {i}; "
                    "try a lower lr_d or check the data"
                )
        return losses

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "rollout": self.rollout.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.rollout.load_state_dict(state["rollout"])
