"""Train, save and reload chorale GANs with the shared :class:`ganbook.Trainer` (WGAN-GP).

The notebooks and ``bench/music_train.py`` (which made the shipped weights) all go through
:func:`make_trainer`, so a pretrained generator is exactly what a longer notebook run gives.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..core.checkpoint import load_model, save_model
from ..core.losses import ModeSeeking, Term
from ..core.train import Trainer
from ..core.utils import eval_mode
from ..text.vocab import Vocab
from .corpus import Windows, make_sampler
from .describe import PACE_CUTS, level_token_ids, text_sampler
from .grid import LEAP_LIMIT, PAIRS, STEPS_PER_BAR, decode, encode
from .metrics import MAJOR_PROFILE, MINOR_PROFILE
from .models import (
    ChoraleCritic,
    ChoraleGenerator,
    midi_pitch,
    pitch_classes,
    voice_leading,
    voice_moves,
)

TRAINER_OPTIONS = ("loss", "checkpoint_path", "checkpoint_every", "ema_decay", "device")
DEFAULTS = {
    "latent_dim": 64,
    "hidden": 64,
    "bars": 4,
    "batch_size": 32,
    "d_steps": 2,
    "lr_g": 2e-4,
    "lr_d": 2e-4,
    "diversity_weight": 0.0,
    "voice_weight": 0.0,
    "parallel_weight": 0.0,
    "leap_weight": 0.0,
    "range_weight": 0.0,
    "relative": False,
    "voice_leading": False,
}


def pitch_difference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Share of (voice, step) cells whose pitch differs between two batches of grids, in [0, 1].

    The last channel (onsets) is left out; one differing one-hot pitch counts twice, hence the / 2.
    """
    return (a[..., :-1] - b[..., :-1]).abs().sum(-1).mean() / 2


class VoiceOrder(Term):
    """Penalty on crossed or too widely spaced adjacent voices of the generated grid.

    For each adjacent pair (S-A, A-T, T-B) and step where both sound, the hinge
    ``relu(lower - upper) + relu(upper - lower - limit)`` in semitones, limits
    :data:`ganbook.music.grid.SPACING_LIMITS` (the rules that
    :func:`ganbook.music.metrics.voice_crossing` and :func:`ganbook.music.metrics.spacing`
    count), read from
    :func:`ganbook.music.models.voice_leading`. The pitches are the straight-through one-hot
    notes, so the forward value is exact and the gradient reaches the pitch logits.
    """

    name = "voice_order"

    def forward(self, trainer, batch, fake: torch.Tensor, z) -> torch.Tensor:
        rules = voice_leading(fake)
        both = (fake[:, :-1, :, 0] < 0.5) & (fake[:, 1:, :, 0] < 0.5)  # neither voice rests
        hinge = 12.0 * (rules[:, 3:6] + rules[:, 6:9])
        return hinge.sum() / both.sum().clamp(min=1)


class Parallels(Term):
    """Penalty on parallel fifths and octaves: their share of the simultaneous moves of two
    voices, as :func:`ganbook.music.metrics.parallel_fifths_octaves` counts them, read from
    :func:`ganbook.music.models.voice_leading` on the straight-through notes (so it has a
    gradient: down on the notes that make each parallel)."""

    name = "parallels"

    def forward(self, trainer, batch, fake: torch.Tensor, z) -> torch.Tensor:
        parallel = voice_leading(fake)[:, 9:]
        moved = voice_moves(fake.detach())
        moves = sum((moved[:, i] * moved[:, j]).sum() for i, j in PAIRS)
        return parallel.sum() / moves.clamp(min=1.0)


# Semitones per voice (S, A, T, B): the upper quartile of a voice's range in a four-bar
# training window, in Bach's voicing (windows(chorales, "train", unfolded=True)).
RANGE_LIMITS = (11, 10, 12, 16)


class Leaps(Term):
    """Penalty on melodic leaps wider than a fifth: for each voice and step where it moves,
    ``relu(|move| - LEAP_LIMIT)`` in semitones (:data:`ganbook.music.grid.LEAP_LIMIT`, a
    fifth), averaged over the moves (the leaps that
    :func:`ganbook.music.metrics.wide_leaps` counts). Leaps are what widen a voice's range
    within a window; the gradient reaches the pitch logits through the straight-through notes.
    """

    name = "leaps"
    limit = LEAP_LIMIT

    def forward(self, trainer, batch, fake: torch.Tensor, z) -> torch.Tensor:
        pitch, sounding = midi_pitch(fake)
        both = sounding[..., :-1] * sounding[..., 1:]
        move = (pitch[..., 1:] - pitch[..., :-1]).abs() * both
        moves = voice_moves(fake.detach()).sum()
        return torch.relu(move - self.limit).sum() / moves.clamp(min=1.0)


class VoiceRanges(Term):
    """Penalty on a voice that ranges wider in a window than Bach's usually do: per voice and
    window, ``relu(highest - lowest - limit)`` in semitones, averaged over both. The limits
    (:data:`RANGE_LIMITS`) are the upper quartiles of the training windows in Bach's own
    voicing (:func:`ganbook.music.metrics.pitch_range` per voice); the gradient reaches the
    highest and the lowest note through the straight-through notes.
    """

    name = "voice_ranges"

    def forward(self, trainer, batch, fake: torch.Tensor, z) -> torch.Tensor:
        pitch, sounding = midi_pitch(fake)
        heard = sounding > 0.5
        high = torch.where(heard, pitch, torch.full_like(pitch, -1e4)).amax(-1)
        low = torch.where(heard, pitch, torch.full_like(pitch, 1e4)).amin(-1)
        limit = torch.tensor(RANGE_LIMITS, device=fake.device, dtype=fake.dtype)
        excess = torch.relu(high - low - limit) * heard.any(-1)
        return excess.mean()


def minor_score_of_notes(x: torch.Tensor) -> torch.Tensor:
    """:func:`ganbook.music.metrics.minor_score` of one-hot windows ``(B, 4, T, C)`` -> ``(B,)``,
    differentiable through straight-through notes: the correlation of the window's
    pitch-class histogram with the A-minor key profile minus that with the C-major one."""
    chroma = pitch_classes(x).sum((1, 2))
    chroma = chroma - chroma.mean(-1, keepdim=True)
    score = 0.0
    for sign, profile in ((1.0, MINOR_PROFILE), (-1.0, MAJOR_PROFILE)):
        b = torch.as_tensor(profile - profile.mean(), dtype=x.dtype, device=x.device)
        score = score + sign * (chroma @ b) / (chroma.norm(dim=-1) * b.norm()).clamp(min=1e-9)
    return score


KEY_WEIGHT = 3.0  # the text-to-music recipe's weight on KeyFollowing


class KeyFollowing(Term):
    """For a ``"text"`` generator: a window whose description asks for minor should sound like
    A minor, one asking for major like C major. A hinge ``relu(margin - s * score)`` on
    :func:`minor_score_of_notes`, ``s`` = +1 where the description holds one of
    ``minor_ids`` (tokens), -1 where it holds one of ``major_ids``, no push where it names
    no mode. The critic's projection hears the mode word too weakly to teach it alone."""

    name = "key"
    margin = 0.2

    def __init__(self, weight: float, major_ids: list[int], minor_ids: list[int]) -> None:
        super().__init__(weight)
        self.register_buffer("major_ids", torch.as_tensor(major_ids, dtype=torch.long))
        self.register_buffer("minor_ids", torch.as_tensor(minor_ids, dtype=torch.long))

    def forward(self, trainer, batch, fake: torch.Tensor, z) -> torch.Tensor:
        ids = batch.cond[0]
        minor = torch.isin(ids, self.minor_ids).any(-1)
        major = torch.isin(ids, self.major_ids).any(-1)
        sign = minor.to(fake.dtype) - major.to(fake.dtype)
        hinge = torch.relu(self.margin - sign * minor_score_of_notes(fake)) * sign.abs()
        return hinge.sum() / sign.abs().sum().clamp(min=1.0)


PACE_WEIGHT = 1.0  # the text-to-music recipe's weight on PaceFollowing


class PaceFollowing(Term):
    """For a ``"text"`` generator: a window whose description asks for a pace should start as
    many notes as that pace's real windows do. A hinge on its notes per voice per bar
    (straight-through onsets) outside the requested level's band of :data:`PACE_CUTS`, by
    ``margin`` inside it; no push where the description names no pace. ``level_ids`` lists
    each pace's token ids, slow first (:func:`~ganbook.music.describe.level_token_ids`)."""

    name = "pace"
    margin = 0.1

    def __init__(self, weight: float, level_ids: list[list[int]]) -> None:
        super().__init__(weight)
        if len(level_ids) != len(PACE_CUTS) + 1:
            raise ValueError(f"level_ids must list {len(PACE_CUTS) + 1} paces' token ids, "
                             f"got {len(level_ids)}")
        level_of = torch.full((1 + max(i for ids in level_ids for i in ids),), -1)
        for level, ids in enumerate(level_ids):
            level_of[ids] = level
        edges = torch.tensor([-float("inf"), *PACE_CUTS, float("inf")])
        self.register_buffer("level_of", level_of)
        self.register_buffer("low", edges[:-1] + self.margin)
        self.register_buffer("high", edges[1:] - self.margin)

    def forward(self, trainer, batch, fake: torch.Tensor, z) -> torch.Tensor:
        ids = batch.cond[0]
        known = ids < len(self.level_of)
        asked = torch.where(known, self.level_of[ids.clamp(max=len(self.level_of) - 1)],
                            -1).amax(-1)
        bars = fake.shape[2] / STEPS_PER_BAR
        density = fake[..., -1].sum((1, 2)) / (fake.shape[1] * bars)
        level = asked.clamp(min=0)
        hinge = (torch.relu(self.low[level] - density)
                 + torch.relu(density - self.high[level])) * (asked >= 0)
        return hinge.sum() / (asked >= 0).sum().clamp(min=1)


def make_trainer(
    train: Windows,
    condition: str | None = None,
    sample_real: Callable | None = None,
    **overrides,
) -> Trainer:
    """A Trainer (``loss="wgan-gp"``, Adam with betas (0.5, 0.9)) for a fresh generator and critic.

    ``overrides`` change any of :data:`DEFAULTS` or pass Trainer options (``loss``,
    ``checkpoint_path``...). With ``diversity_weight > 0`` the generator's objective also has
    a mode-seeking term (Mao et al. 2019) on :func:`pitch_difference`: two different codes
    that give the same chorale cost extra, which pushes against mode collapse. With
    ``voice_weight > 0`` it also has a :class:`VoiceOrder` penalty on crossed or widely
    spaced voices, with ``leap_weight > 0`` a :class:`Leaps` penalty on melodic leaps, with
    ``range_weight > 0`` a :class:`VoiceRanges` penalty on voices that range too wide;
    ``terms`` adds other :class:`~ganbook.core.losses.Term` s (a text generator's
    :class:`KeyFollowing` and :class:`PaceFollowing`).
    ``condition="text"`` needs ``sample_real`` (windows and token ids, e.g.
    :func:`ganbook.music.describe.text_sampler`) and ``vocab_size``; ``text_dim`` is optional.
    """
    text = {k: overrides.pop(k) for k in ("vocab_size", "text_dim") if k in overrides}
    if condition == "text" and (sample_real is None or "vocab_size" not in text):
        raise ValueError("condition='text' needs sample_real (windows, token ids) and vocab_size")
    if condition != "text" and text:
        raise ValueError(f"vocab_size and text_dim are only for condition='text', "
                         f"got condition={condition!r}")
    extra_terms = list(overrides.pop("terms", []))
    unknown = set(overrides) - set(DEFAULTS) - set(TRAINER_OPTIONS) - {"gumbel"}
    if unknown:
        raise ValueError(
            f"unknown option(s) {sorted(unknown)}; "
            f"valid: {sorted(DEFAULTS)} and Trainer checkpoint options"
        )
    cfg = {**DEFAULTS, **overrides}
    G = ChoraleGenerator(
        cfg["latent_dim"], cfg["hidden"], cfg["bars"], condition, gumbel=cfg.get("gumbel", False),
        relative=cfg["relative"], **text,
    )
    D = ChoraleCritic(
        cfg["hidden"], cfg["bars"], condition, voice_leading=cfg["voice_leading"], **text
    )
    extra = {k: cfg[k] for k in TRAINER_OPTIONS if k in cfg}
    extra.setdefault("loss", "wgan-gp")
    weight = float(cfg["diversity_weight"])
    terms = [ModeSeeking(weight, pitch_difference)] if weight > 0 else []
    if float(cfg["voice_weight"]) > 0:
        terms.append(VoiceOrder(float(cfg["voice_weight"])))
    if float(cfg["parallel_weight"]) > 0:
        terms.append(Parallels(float(cfg["parallel_weight"])))
    if float(cfg["leap_weight"]) > 0:
        terms.append(Leaps(float(cfg["leap_weight"])))
    if float(cfg["range_weight"]) > 0:
        terms.append(VoiceRanges(float(cfg["range_weight"])))
    terms += extra_terms
    return Trainer(
        G,
        D,
        sample_real if sample_real is not None else make_sampler(train, condition),
        batch_size=cfg["batch_size"],
        d_steps=cfg["d_steps"],
        lr_g=cfg["lr_g"],
        lr_d=cfg["lr_d"],
        betas=(0.5, 0.9),
        terms=terms,
        **extra,
    )


# The second stage that teaches the plain GAN voice leading (see make_voiced_trainer).
VOICED = {"relative": True, "voice_leading": True, "voice_weight": 1.0, "parallel_weight": 40.0}


def make_text_trainer(train: Windows, vocab: Vocab, **overrides) -> Trainer:
    """The text-to-music recipe: a ``"text"`` trainer on varied descriptions of ``train``
    (:func:`ganbook.music.describe.text_sampler` with ``varied=True``), with
    :class:`KeyFollowing` at :data:`KEY_WEIGHT`, :class:`PaceFollowing` at
    :data:`PACE_WEIGHT` and a short EMA (0.995: 0.999 would keep much of the start);
    ``overrides`` as :func:`make_trainer`'s."""
    terms = [KeyFollowing(KEY_WEIGHT, *level_token_ids(vocab, "mode")),
             PaceFollowing(PACE_WEIGHT, level_token_ids(vocab, "pace"))]
    options = {"ema_decay": 0.995, **overrides}
    return make_trainer(train, "text", text_sampler(train, vocab, varied=True),
                        vocab_size=len(vocab), terms=terms, **options)


def make_voiced_trainer(
    train: Windows, source: ChoraleGenerator, sample_real: Callable | None = None, **overrides
) -> Trainer:
    """A trainer that teaches a trained generator voice leading, under its own condition.

    ``source`` is copied into a relative generator (:func:`start_from`: it first writes
    exactly what ``source`` writes), which trains on against a fresh critic that has the
    voice-leading view, with the :class:`VoiceOrder` and :class:`Parallels` penalties
    (:data:`VOICED`; ``overrides`` change them or any other option of :func:`make_trainer`,
    which also receives ``sample_real``).
    Starting from a GAN that already writes chorales matters: from scratch the penalties
    are cheapest to meet with silence and the generator collapses.
    """
    trainer = make_trainer(train, source.condition, sample_real, **{**VOICED, **overrides})
    start_from(trainer.G, source)
    trainer.G_ema.load_state_dict(trainer.G.state_dict())
    return trainer


def save_chorale_generator(G: ChoraleGenerator, name: str, **extra) -> None:
    """Ship a generator (a trainer's EMA copy: no critic, no optimizers) as
    ``ganbook/weights/NAME.pt``; ``extra`` entries (the step, the history, a text generator's
    vocabulary) are stored beside it."""
    save_model(name, G, G.config(), **extra)


def load_chorale_generator(name: str) -> tuple[ChoraleGenerator, dict]:
    """A shipped generator (in eval mode) and its checkpoint (``config``, ``step``, ``history``)."""

    def build(cfg: dict) -> ChoraleGenerator:
        condition = None if cfg["condition"] == "none" else cfg["condition"]
        text = {k: cfg[k] for k in ("vocab_size", "text_dim") if k in cfg}
        return ChoraleGenerator(
            cfg["latent_dim"], cfg["hidden"], cfg["bars"], condition,
            relative=bool(cfg.get("relative", False)), **text,
        )

    return load_model(name, build)


def load_text_generator(name: str) -> tuple[ChoraleGenerator, dict]:
    """A shipped ``"text"`` generator and its checkpoint, as every loader returns them;
    ``info["vocab"]`` is the caption :class:`~ganbook.text.Vocab` it reads."""
    G, state = load_chorale_generator(name)
    if G.condition != "text" or "vocab" not in state:
        raise ValueError(f"{name!r} is not a text-conditioned generator saved with its vocab")
    return G, {**state, "vocab": Vocab(list(state["vocab"]), level="word")}


@torch.no_grad()
def start_from(G: ChoraleGenerator, source: ChoraleGenerator) -> ChoraleGenerator:
    """Copy a trained generator into one of the same size, in place: an unconditional
    ``source`` into a conditional ``G``, or an absolute ``source`` into a ``relative`` ``G``
    of the same condition.

    Every shared weight is copied; the first layer's columns for a new condition start at
    zero, and so do the interval heads of a relative ``G`` copied from an absolute ``source``,
    so ``G`` begins by writing exactly what ``source`` writes and learns from there.
    """
    if source.condition not in (None, G.condition) or (
        source.latent_dim, source.hidden, source.bars
    ) != (G.latent_dim, G.hidden, G.bars):
        raise ValueError("source must be unconditional or have G's condition, with the same "
                         "latent_dim, hidden and bars as G")
    if source.relative and not G.relative:
        raise ValueError("source writes intervals (relative=True); G must too")
    own = G.state_dict()
    if G.relative and not source.relative:  # no interval scores yet: the same notes as source
        for key in ("interval_heads.weight", "interval_heads.bias"):
            own[key].zero_()
    for key, value in source.state_dict().items():
        if key == "to_bars.0.weight" and value.shape != own[key].shape:  # a new condition
            own[key][:, : source.latent_dim] = value
            own[key][:, source.latent_dim :] = 0.0
        else:
            own[key].copy_(value)
    return G


def argmax_windows(G: ChoraleGenerator, z: torch.Tensor, cond: torch.Tensor | None = None
                   ) -> torch.Tensor:
    """``G``'s own windows for codes ``z`` (one-hot, its argmax notes when ``G`` is in eval
    mode, as :func:`sample_grids` puts it): how :func:`sample_grids` reads a generator unless
    told another way."""
    return G(z) if cond is None else G(z, cond)


@torch.no_grad()
def sample_grids(
    G: ChoraleGenerator,
    n: int,
    cond: torch.Tensor | None = None,
    z: torch.Tensor | None = None,
    batch: int = 256,
    windows: Callable[..., torch.Tensor] = argmax_windows,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples from ``G`` as grids ``(pitch, onset)``, ``batch`` at a time, each batch
    read as ``windows(G, z, cond)``: by default ``G``'s own eval-mode windows
    (:func:`argmax_windows`); :func:`ganbook.music.decoding.sample_lines` passes its line
    decoder."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n!r}")
    z = torch.randn(n, G.latent_dim) if z is None else z
    pitches, onsets = [], []
    with eval_mode(G):
        for start in range(0, n, batch):
            part = None if cond is None else cond[start : start + batch]
            p, o = decode(windows(G, z[start : start + batch], part))
            pitches.append(p)
            onsets.append(o)
    return np.concatenate(pitches), np.concatenate(onsets)


def soprano_condition(data: Windows) -> torch.Tensor:
    """The soprano lines of ``data`` encoded as the ``"soprano"`` generator's
    condition ``(N, T, C)``."""
    return encode(data.pitch, data.onset)[:, 0]
