"""Choosing a chorale generator's notes line by line, with a cost on leaps (Viterbi decoding).

A :class:`~ganbook.music.models.ChoraleGenerator` picks each voice's note at each eighth on
its own (argmax), so nothing stops a line from jumping a tenth and back. :func:`decode_lines`
reads the same scores (:meth:`~ganbook.music.models.ChoraleGenerator.scores`) and picks, for
each voice in turn from the soprano down, the whole line that maximises the generator's own
logits minus a cost per semitone of every move beyond a fifth (``leap_cost``) and beyond a
whole tone (``step_cost``), and, for a lower voice, of crossing above or spreading too far
below the line chosen above it (``spacing_cost``): the classic dynamic programme over a chain
(Viterbi), the way a speech or text decoder adds a language model's prior to an acoustic
model's scores. A lower voice of a ``relative`` generator scores its interval below the line
chosen above it, as in ``forward``. Where a voice rests is left to the generator (argmax,
before any cost), and a move across a rest costs as if the rest were not there. With all
three costs 0 it picks exactly what ``forward`` picks in eval mode.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.utils import eval_mode
from .grid import LEAP_LIMIT, SPACING_LIMITS
from .models import ChoraleGenerator, relative_logits, tie_onsets
from .training import sample_grids

STEP_LIMIT = 2  # semitones: a whole tone, the largest step that is not a leap


def move_costs(size: int, leap_cost: float, step_cost: float) -> Tensor:
    """``(size, size)`` cost of moving from pitch index ``i`` to ``j`` (index 0 = rest: no
    cost; :func:`best_line` bridges rests): ``leap_cost`` per semitone beyond a fifth plus
    ``step_cost`` per semitone beyond a tone."""
    for name, value in (("leap_cost", leap_cost), ("step_cost", step_cost)):
        if not (isinstance(value, (int, float)) and value >= 0):
            raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    pitch = torch.arange(size - 1, dtype=torch.float32)
    move = (pitch[:, None] - pitch[None, :]).abs()
    costs = torch.zeros(size, size)
    costs[1:, 1:] = leap_cost * torch.relu(move - LEAP_LIMIT) + step_cost * torch.relu(
        move - STEP_LIMIT
    )
    return costs


def voicing_costs(upper: Tensor, voice: int, spacing_cost: float) -> Tensor:
    """``(B, T, C)`` cost of each pitch of lower ``voice`` (1 = alto, 2 = tenor, 3 = bass)
    under the line ``upper`` (one-hot ``(B, T, C)``) of the voice above: ``spacing_cost`` per
    semitone above it (a crossing) or below it beyond :data:`ganbook.music.grid.SPACING_LIMITS`;
    nothing for a rest, or where the voice above rests. The per-pitch form of the hinge that
    :class:`ganbook.music.training.VoiceOrder` puts on the generator's notes."""
    if voice not in (1, 2, 3):
        raise ValueError(f"voice must be 1, 2 or 3 (alto, tenor, bass), got {voice!r}")
    if not (isinstance(spacing_cost, (int, float)) and spacing_cost >= 0):
        raise ValueError(f"spacing_cost must be a number >= 0, got {spacing_cost!r}")
    above = upper.argmax(-1, keepdim=True).to(upper.dtype)  # its pitch index, 0 = rest
    gap = above - torch.arange(upper.shape[-1], device=upper.device, dtype=upper.dtype)
    costs = spacing_cost * (torch.relu(gap - SPACING_LIMITS[voice - 1]) + torch.relu(-gap))
    costs[..., 0] = 0.0
    return costs * (above > 0)


def best_line(logits: Tensor, costs: Tensor, rests: Tensor | None = None) -> Tensor:
    """The one-hot line ``(B, T, C)`` (index 0 = rest) maximising the sum of ``logits``
    ``(B, T, C)`` over its notes minus ``costs[i, j]`` for each move from pitch ``i`` to
    ``j`` (Viterbi; ties go to the lowest index, as argmax's do).

    ``rests`` ``(B, T)`` (default: where ``logits`` scores the rest highest) fixes where the
    line rests; it sounds a pitch everywhere else, and a move across a rest costs as the move
    from the note before it to the note after, so a rest is never a free way round a leap.
    """
    if logits.dim() != 3 or costs.shape != (logits.shape[-1],) * 2:
        raise ValueError(f"logits must be (B, T, C) and costs (C, C), got "
                         f"{tuple(logits.shape)} and {tuple(costs.shape)}")
    rests = logits.argmax(-1) == 0 if rests is None else rests
    pitch_logits, costs = logits[..., 1:], costs[1:, 1:].to(logits)
    keep = torch.arange(pitch_logits.shape[-1], device=logits.device).expand_as(pitch_logits[:, 0])
    score = torch.where(rests[:, :1], 0.0, pitch_logits[:, 0])  # a rest adds no score
    back = []
    for t in range(1, logits.shape[1]):
        best, came_from = (score[:, :, None] - costs).max(1)  # over the previous note
        resting = rests[:, t : t + 1]
        back.append(torch.where(resting, keep, came_from))  # a rest carries the line on
        score = torch.where(resting, score, best + pitch_logits[:, t])
    path = [score.argmax(1)]
    for came_from in reversed(back):
        path.append(came_from.gather(1, path[-1][:, None])[:, 0])
    line = torch.stack(path[::-1], 1) + 1
    return F.one_hot(line.masked_fill(rests, 0), logits.shape[-1]).to(logits.dtype)


@torch.no_grad()
def decode_lines(
    G: ChoraleGenerator,
    z: Tensor,
    cond: Tensor | None = None,
    leap_cost: float = 0.5,
    step_cost: float = 0.3,
    spacing_cost: float = 0.5,
) -> Tensor:
    """Windows ``(B, 4, T, CHANNELS)`` from ``G`` (in eval mode) with each voice's line chosen
    by :func:`best_line` under :func:`move_costs`, a lower voice's scores less its
    :func:`voicing_costs` under the line chosen above it; onsets as ``forward`` sets them."""
    with eval_mode(G):
        logits, intervals, onset_logits = G.scores(z, cond)
        costs = move_costs(logits.shape[-1], leap_cost, step_cost)
        if G.condition == "soprano":  # the given tune, one step per eighth
            voices = [cond[:, ::2, :-1].to(logits.dtype)]
        else:
            voices = [best_line(logits[:, 0], costs)]
        for v in range(3):
            scores = logits[:, v + 1]
            if intervals is not None:  # the interval below the line just chosen above
                scores = scores + relative_logits(voices[-1], intervals[:, v].transpose(1, 2))
            rests = scores.argmax(-1) == 0  # decided before the voicing costs, which they'd dodge
            voicing = voicing_costs(voices[-1], v + 1, spacing_cost)
            voices.append(best_line(scores - voicing, costs, rests))
        pitch = torch.stack(voices, dim=1)
        onset = tie_onsets(pitch, (onset_logits > 0).to(logits.dtype))
        return G.grid(pitch, onset, cond)


def sample_lines(
    G: ChoraleGenerator,
    n: int,
    cond: Tensor | None = None,
    z: Tensor | None = None,
    batch: int = 256,
    **costs: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples decoded by :func:`decode_lines` (``costs``: its ``leap_cost``,
    ``step_cost`` and ``spacing_cost``) as grids ``(pitch, onset)``: the line decoder's
    :func:`ganbook.music.training.sample_grids`."""
    return sample_grids(G, n, cond, z, batch, windows=partial(decode_lines, **costs))
