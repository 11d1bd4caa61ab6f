"""A likelihood baseline for the chorale GANs: an orderless, Coconet-style note infiller.

Coconet (Huang et al., 2017, "Counterpoint by convolution") is a convolutional network that
sees a chorale grid with some cells erased and predicts the erased notes. Trained with random
erasures of every size, it models every conditional of the grid at once, so one network both
writes chorales from nothing and harmonises a given soprano. It samples by blocked Gibbs
sampling: erase a random share of the cells, redraw them from the network, repeat while the
share anneals from all cells to a few (Yao et al., 2014). Here it is scaled down to train on
a laptop CPU, and runs on :class:`ganbook.core.loop.Loop` like every other model in the book.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.checkpoint import load_model, save_model
from ..core.loop import ModelLoop, check_positive_ints
from ..core.profiles import smoke_cap
from .grid import CHANNELS, N_PITCH, STEPS_PER_BAR, decode, encode, repair_onsets
from .models import voice_masks


class Coconet(nn.Module):
    """Erased grid in, note logits out: a stack of dilated residual 1-D convolutions over time.

    Input: ``x`` ``(N, 4, T, CHANNELS)`` (:func:`ganbook.music.grid.encode`) and ``mask``
    ``(N, 4, T)``, 1 where a cell is erased. Output: pitch logits ``(N, 4, T, N_PITCH + 1)``
    (masked to each voice's range) and onset logits ``(N, 4, T)`` for every cell.
    """

    def __init__(self, hidden: int = 64, blocks: int = 6) -> None:
        super().__init__()
        check_positive_ints(hidden=hidden, blocks=blocks)
        self.hidden, self.blocks = hidden, blocks
        self.inp = nn.Conv1d(4 * (CHANNELS + 1), hidden, 3, padding=1)
        self.convs = nn.ModuleList()
        for b in range(blocks):
            d = 2 ** (b % 4)  # dilations 1, 2, 4, 8: a block of 6 sees about four bars
            self.convs.append(
                nn.Sequential(
                    nn.ReLU(),
                    nn.Conv1d(hidden, hidden, 3, padding=d, dilation=d),
                    nn.ReLU(),
                    nn.Conv1d(hidden, hidden, 1),
                )
            )
        self.out = nn.Conv1d(hidden, 4 * CHANNELS, 1)
        self.register_buffer("masks", voice_masks(), persistent=False)

    def config(self) -> dict[str, Any]:
        return {"hidden": self.hidden, "blocks": self.blocks}

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        if x.ndim != 4 or x.shape[1] != 4 or x.shape[-1] != CHANNELS:
            raise ValueError(f"x must have shape (N, 4, T, {CHANNELS}), got {tuple(x.shape)}")
        if mask.shape != x.shape[:3]:
            raise ValueError(f"mask must have shape {tuple(x.shape[:3])}, got {tuple(mask.shape)}")
        n, _, steps, _ = x.shape
        m = mask.float()[..., None]
        h = torch.cat([x * (1 - m), m], dim=-1)  # erased cells read as all-zero plus a flag
        h = self.inp(h.permute(0, 1, 3, 2).reshape(n, 4 * (CHANNELS + 1), steps))
        for conv in self.convs:
            h = h + conv(h)
        out = self.out(F.relu(h)).reshape(n, 4, CHANNELS, steps).permute(0, 1, 3, 2)
        return out[..., :-1] + self.masks[:, None, :], out[..., -1]

    def nll(self, x: Tensor, mask: Tensor) -> Tensor:
        """Mean negative log-likelihood (nats) of the erased cells' pitch and onset bit."""
        pitch_logits, onset_logits = self(x, mask)
        target = x[..., :-1].argmax(-1)
        pitch = F.cross_entropy(pitch_logits.flatten(0, 2), target.flatten(), reduction="none")
        onset = F.binary_cross_entropy_with_logits(
            onset_logits.flatten(), x[..., -1].flatten(), reduction="none"
        )
        m = mask.float().flatten()
        return ((pitch + onset) * m).sum() / m.sum().clamp(min=1)


def random_masks(n: int, steps: int, generator: torch.Generator | None = None) -> Tensor:
    """Orderless training masks ``(n, 4, steps)``: each grid erases a share drawn uniformly.

    Every size of erasure, from one cell to the whole grid, is seen in training, so the
    network learns every conditional the Gibbs sampler will ask of it.
    """
    share = torch.rand(n, 1, 1, generator=generator)
    return (torch.rand(n, 4, steps, generator=generator) < share).float()


class CoconetTrainer(ModelLoop):
    """Maximum likelihood of erased cells (:meth:`Coconet.nll`) on encoded grids, with Adam.

    ``data``: ``(N, 4, T, CHANNELS)`` from :func:`ganbook.music.grid.encode`. The history
    records each batch's NLL per erased cell under ``loss``.
    """

    description = "Coconet"

    def __init__(
        self,
        model: Coconet,
        data: Tensor,
        *,
        batch_size: int = 32,
        lr: float = 1e-3,
        clip: float | None = 5.0,
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: float | None = 60.0,
    ) -> None:
        if not isinstance(model, Coconet):
            raise ValueError(f"model must be a Coconet, got {type(model).__name__}")
        if data.ndim != 4 or data.shape[1] != 4 or data.shape[-1] != CHANNELS:
            raise ValueError(
                f"data must be encoded grids (N, 4, T, {CHANNELS}), got {tuple(data.shape)}"
            )
        super().__init__(
            model, data, batch_size=batch_size, lr=lr, clip=clip, device=device,
            checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
        )

    def objective(self, x: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        mask = random_masks(len(x), x.shape[2]).to(self.device)
        loss = self.model.nll(x, mask)
        return loss, {"loss": loss.detach()}

    def config(self) -> dict[str, Any]:
        return {**super().config(), **self.model.config()}


@torch.no_grad()
def gibbs_sample(
    model: Coconet,
    n: int,
    bars: int = 4,
    iterations: int = 48,
    given: tuple[np.ndarray, np.ndarray] | None = None,
    keep_voices: tuple[int, ...] = (0,),
    p_max: float = 1.0,
    p_min: float = 0.05,
    eta: float = 0.75,
    batch: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` grids ``(pitch, onset)`` by blocked Gibbs sampling with an annealed erasure share.

    Iteration ``k`` of ``iterations`` erases each free cell with probability
    ``max(p_min, p_max - k (p_max - p_min) / (eta iterations))`` and redraws the erased cells
    from the network (Huang et al., 2017). With ``given`` (grids of ``n`` windows) the voices
    in ``keep_voices`` are copied from it and never erased: harmonisation of a given soprano.
    """
    check_positive_ints(n=n, bars=bars, iterations=iterations, batch=batch)
    if not 0 < p_min <= p_max <= 1:
        raise ValueError(f"need 0 < p_min <= p_max <= 1, got p_min={p_min}, p_max={p_max}")
    steps = bars * STEPS_PER_BAR
    free = torch.ones(n, 4, steps)
    x = torch.zeros(n, 4, steps, CHANNELS)
    if given is not None:
        if len(given[0]) != n or np.asarray(given[0]).shape[-1] != steps:
            raise ValueError(f"given must hold {n} grids of {steps} steps")
        x = encode(*given)
        free[:, list(keep_voices)] = 0.0
    model.eval()
    device = model.out.weight.device
    for k in range(smoke_cap(iterations)):  # smoke mode: a few sweeps only
        p = max(p_min, p_max - k * (p_max - p_min) / (eta * iterations))
        erase = (torch.rand(n, 4, steps) < p).float() * free
        if k == 0:
            erase = free.clone()  # start from nothing in every free cell
        for s in range(0, n, batch):
            xb, mb = x[s : s + batch].to(device), erase[s : s + batch].to(device)
            pitch_logits, onset_logits = model(xb, mb)
            pitch = torch.distributions.Categorical(logits=pitch_logits).sample()
            onset = torch.bernoulli(torch.sigmoid(onset_logits)) * (pitch > 0)
            new = torch.cat([F.one_hot(pitch, N_PITCH + 1).float(), onset[..., None]], -1)
            keep = mb[..., None]
            x[s : s + batch] = (xb * (1 - keep) + new * keep).cpu()
    return decode(x)


def score_nll(model: Coconet, pitch: np.ndarray, onset: np.ndarray, share: float = 0.5,
              seed: int = 0) -> float:
    """Mean NLL per erased cell of real grids with ``share`` of their cells erased at random."""
    g = torch.Generator().manual_seed(seed)
    x = encode(pitch, repair_onsets(pitch, onset))
    mask = (torch.rand(x.shape[:3], generator=g) < share).float()
    model.eval()
    with torch.no_grad():
        return float(model.nll(x, mask))


def save_coconet(model: Coconet, name: str = "music_coconet", **extra: Any) -> None:
    """Ship the network (no optimizer) as ``ganbook/weights/NAME.pt``; ``extra`` entries (the
    step, the history) are stored beside it."""
    save_model(name, model, model.config(), **extra)


def load_coconet(name: str = "music_coconet") -> tuple[Coconet, dict]:
    """A shipped Coconet (eval mode) and its checkpoint (``config``, ``step``, ``history``)."""
    return load_model(name, lambda cfg: Coconet(cfg["hidden"], cfg["blocks"]))


__all__ = [
    "Coconet",
    "CoconetTrainer",
    "gibbs_sample",
    "load_coconet",
    "random_masks",
    "save_coconet",
    "score_nll",
]
