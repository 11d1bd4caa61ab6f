"""A MuseGAN-style chorale GAN that fits a CPU: a shared temporal trunk, four voice heads, a critic
that looks at voices, harmony and rhythm separately.

Discrete notes and gradients
----------------------------
A chorale is a sequence of *choices* (which pitch, does a new note start), and ``argmax`` has
no gradient, so the critic could not tell the generator how to change. We use the
straight-through estimator: the forward pass emits the hard one-hot of the argmax (so the
critic only ever sees clean one-hot notes, as with MuseGAN's binary neurons, Dong & Yang
2018), and the backward pass uses the gradient of ``softmax(logits / tau)`` instead. With
``gumbel=True`` Gumbel noise ``-log(-log u)`` is added to the logits during training, which
makes the forward pass a *sample* from ``softmax(logits)``: the straight-through
Gumbel-softmax (Jang et al. 2017; Maddison et al. 2017). The default is the noise-free argmax
("deterministic binary neurons"): sampling every step independently fragments held notes, and
all the variety then has to come from ``z``, where it belongs. Eval mode is always argmax.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import check_positive_ints
from ..text.caption import CaptionEncoder
from .grid import (
    CHANNELS,
    LOWEST,
    N_PITCH,
    PAIRS,
    SPACING_LIMITS,
    STEPS_PER_BAR,
    VOICE_RANGES,
)

CONDITIONS = (None, "mode", "soprano", "text")


def straight_through_gumbel(logits: Tensor, tau: float = 1.0, hard_argmax: bool = False) -> Tensor:
    """One-hot samples in the forward pass, Gumbel-softmax gradients in the backward pass."""
    if hard_argmax:
        soft = F.softmax(logits / tau, dim=-1)
        index = logits.argmax(-1)
    else:
        gumbel = -torch.log(-torch.log(torch.rand_like(logits).clamp(1e-9, 1 - 1e-9)))
        soft = F.softmax((logits + gumbel) / tau, dim=-1)
        index = soft.argmax(-1)
    hard = F.one_hot(index, logits.shape[-1]).to(soft.dtype)
    return hard + (soft - soft.detach())  # exactly `hard` forward, the gradient of `soft` backward


def straight_through_bernoulli(
    logits: Tensor, tau: float = 1.0, hard_argmax: bool = False
) -> Tensor:
    """The two-class case of :func:`straight_through_gumbel` for one bit (the onset):
    0/1 forward."""
    if hard_argmax:
        soft = torch.sigmoid(logits / tau)
        hard = (logits > 0).to(soft.dtype)
    else:
        u = torch.rand_like(logits).clamp(1e-9, 1 - 1e-9)
        soft = torch.sigmoid((logits + torch.log(u) - torch.log1p(-u)) / tau)  # logistic noise
        hard = (soft > 0.5).to(soft.dtype)
    return hard + (soft - soft.detach())  # exactly `hard` forward, the gradient of `soft` backward


def voice_masks() -> Tensor:
    """``(4, N_PITCH + 1)`` additive masks: 0 for rest and in-range pitches, -inf-ish elsewhere."""
    mask = torch.full((4, N_PITCH + 1), -1e4)
    mask[:, 0] = 0.0
    for v, (low, high) in enumerate(VOICE_RANGES):
        mask[v, low - LOWEST + 1 : high - LOWEST + 2] = 0.0
    return mask


def tie_onsets(pitch: Tensor, onset_bit: Tensor) -> Tensor:
    """Make onsets consistent with pitches, differentiably: 1 where the pitch changes, 0 on rests.

    ``pitch`` is ``(..., T, N_PITCH + 1)`` one-hot, ``onset_bit`` ``(..., T)``. Where the same
    pitch sounds on consecutive steps the generator's own bit decides between hold and repeat.
    """
    sounding = pitch[..., 1:]
    previous = F.pad(sounding[..., :-1, :], (0, 0, 1, 0))
    same = (sounding * previous).sum(-1)
    return (1.0 - pitch[..., 0]) * (1.0 - same * (1.0 - onset_bit))


INTERVAL_RANGE = (-12, 24)  # semitones from the voice above down to the voice below
N_INTERVALS = INTERVAL_RANGE[1] - INTERVAL_RANGE[0] + 1


def relative_logits(upper: Tensor, intervals: Tensor) -> Tensor:
    """Pitch logits for a lower voice from logits over its interval below the voice above.

    ``upper`` is the voice above, one-hot ``(..., N_PITCH + 1)`` (index 0 = rest);
    ``intervals`` ``(..., N_INTERVALS)`` scores the gaps ``INTERVAL_RANGE`` (negative = the
    lower voice crosses above). Returns ``(..., N_PITCH + 1)``: pitch ``p`` gets the score of
    the gap ``upper - p``; 0 everywhere where the voice above rests, or for gaps out of range.
    """
    low, high = INTERVAL_RANGE
    notes = F.pad(upper[..., 1:], (-low, high))  # so that window k of p is pitch p + low + k
    windows = notes.unfold(-1, N_INTERVALS, 1)  # (..., N_PITCH, N_INTERVALS)
    scores = (windows * intervals.unsqueeze(-2)).sum(-1)
    return F.pad(scores, (1, 0))  # the rest column


class ChoraleGenerator(nn.Module):
    """``G(z[, cond])`` -> one-hot chorale windows ``(B, 4, T, CHANNELS)``.

    A shared temporal trunk goes from bars to beats to eighths (transposed 1-D convolutions,
    so every position in a bar learns its own pattern); four voice heads turn the shared
    features into pitch and onset logits per eighth, masked to each voice's range. Each eighth
    then fills two sixteenth steps: few of the chorales' onsets fall on an odd sixteenth (the
    chorale chapter counts them), and writing at that rate would let every note fragment into
    sixteenths. ``condition``
    is ``None``, ``"mode"`` (``cond``: ``(B,)`` 0 = major, 1 = minor), ``"soprano"``
    (``cond``: the soprano line ``(B, T, CHANNELS)``, which the output then contains unchanged)
    or ``"text"`` (``cond``: a description's token ids ``(B, L)``, read by a
    :class:`~ganbook.text.caption.CaptionEncoder` of ``vocab_size`` words into ``text_dim``
    numbers that join ``z``, as the mode embedding does). With ``relative=True`` the alto,
    tenor and bass heads also score their interval below the note the voice above chose
    (:func:`relative_logits`), so "a third below the soprano" is one learned number.
    """

    def __init__(
        self,
        latent_dim: int = 64,
        hidden: int = 128,
        bars: int = 4,
        condition: str | None = None,
        tau: float = 1.0,
        gumbel: bool = False,
        vocab_size: int | None = None,
        text_dim: int = 16,
        relative: bool = False,
    ) -> None:
        super().__init__()
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        if bars <= 0:
            raise ValueError(f"bars must be positive, got {bars!r}")
        _check_text_args(condition, vocab_size, text_dim)
        self.vocab_size, self.text_dim = vocab_size, text_dim
        self.latent_dim, self.hidden, self.bars, self.condition = (
            latent_dim,
            hidden,
            bars,
            condition,
        )
        self.tau, self.gumbel, self.relative = tau, gumbel, relative
        self.steps = bars * STEPS_PER_BAR
        in_dim = latent_dim + (8 if condition == "mode" else 0)
        if condition == "mode":
            self.mode_embedding = nn.Embedding(2, 8)
        if condition == "text":
            in_dim += text_dim
            self.text_encoder = CaptionEncoder(vocab_size, text_dim, embed_dim=32, hidden=32)
        self.to_bars = nn.Sequential(nn.Linear(in_dim, hidden * bars), nn.LeakyReLU(0.2))
        self.bars_to_beats = nn.Sequential(  # one bar -> four beats
            nn.ConvTranspose1d(hidden, hidden, 4, stride=4),
            nn.BatchNorm1d(hidden),
            nn.LeakyReLU(0.2),
            nn.Conv1d(hidden, hidden, 3, padding=1),
            nn.BatchNorm1d(hidden),
            nn.LeakyReLU(0.2),
        )
        self.beats_to_eighths = nn.Sequential(  # one beat -> two eighths
            nn.ConvTranspose1d(hidden, hidden, 2, stride=2),
            nn.BatchNorm1d(hidden),
            nn.LeakyReLU(0.2),
        )
        if condition == "soprano":  # read the given melody at step resolution, add it to the trunk
            self.soprano_encoder = nn.Sequential(
                nn.Conv1d(CHANNELS, hidden, 4, stride=2, padding=1),
                nn.LeakyReLU(0.2),  # sixteenths -> eighths
                nn.Conv1d(hidden, hidden, 5, padding=2),
            )
        # Four voice heads, run as one grouped convolution (group v = voice v's own weights).
        self.heads = nn.Sequential(
            nn.Conv1d(hidden, 4 * hidden, 3, padding=1),
            nn.BatchNorm1d(4 * hidden),
            nn.LeakyReLU(0.2),
            nn.Conv1d(4 * hidden, 4 * (N_PITCH + 2), 3, padding=1, groups=4),
        )
        if relative:  # alto, tenor, bass: logits for their interval below the voice above
            self.interval_heads = nn.Conv1d(4 * hidden, 3 * N_INTERVALS, 3, padding=1)
        self.register_buffer("masks", voice_masks(), persistent=False)

    def config(self) -> dict:
        """The arguments that rebuild this generator (what shipped weights store)."""
        out = {
            "latent_dim": self.latent_dim,
            "hidden": self.hidden,
            "bars": self.bars,
            "condition": self.condition or "none",
        }
        if self.condition == "text":
            out.update(vocab_size=self.vocab_size, text_dim=self.text_dim)
        if self.relative:
            out["relative"] = True
        return out

    def scores(self, z: Tensor, cond: Tensor | None = None) -> tuple[Tensor, Tensor | None, Tensor]:
        """What :meth:`forward` chooses notes from, one step per eighth: pitch logits
        ``(B, 4, T / 2, N_PITCH + 1)`` masked to each voice's range, the lower voices'
        interval logits ``(B, 3, N_INTERVALS, T / 2)`` (None unless ``relative``) and onset
        logits ``(B, 4, T / 2)``. A decoder other than argmax starts here
        (:func:`ganbook.music.decoding.decode_lines`)."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), got {tuple(z.shape)}")
        if (cond is None) != (self.condition is None):
            raise ValueError(
                f"this generator's condition is {self.condition!r}; cond must "
                f"{'not ' if self.condition is None else ''}be given"
            )
        h = z
        if self.condition == "mode":
            h = torch.cat([z, self.mode_embedding(cond.long())], dim=1)
        elif self.condition == "text":
            h = torch.cat([z, self.text_encoder(cond)], dim=1)
        h = self.to_bars(h).view(-1, self.hidden, self.bars)
        h = self.beats_to_eighths(self.bars_to_beats(h))  # (B, hidden, T / 2)
        if self.condition == "soprano":
            h = h + self.soprano_encoder(cond.transpose(1, 2))
        features = self.heads[:-1](h)
        out = (
            self.heads[-1](features).unflatten(1, (4, N_PITCH + 2)).transpose(2, 3)
        )  # (B, 4, T / 2, N_PITCH + 2)
        logits = out[..., :-1] + self.masks[:, None, :]
        intervals = None
        if self.relative:
            intervals = self.interval_heads(features).unflatten(1, (3, N_INTERVALS))
        return logits, intervals, out[..., -1]

    def forward(self, z: Tensor, cond: Tensor | None = None) -> Tensor:
        logits, intervals, onset_logits = self.scores(z, cond)
        argmax = not (self.training and self.gumbel)
        if self.relative:
            if self.condition == "soprano":  # the given tune, one step per eighth
                voices = [cond[:, ::2, :-1]]
            else:
                voices = [straight_through_gumbel(logits[:, 0], self.tau, argmax)]
            for v in range(3):  # each lower voice also scores its interval to the one above
                below = relative_logits(voices[-1], intervals[:, v].transpose(1, 2))
                voices.append(straight_through_gumbel(logits[:, v + 1] + below, self.tau, argmax))
            pitch = torch.stack(voices, dim=1)
        else:
            pitch = straight_through_gumbel(logits, self.tau, argmax)
        onset = tie_onsets(pitch, straight_through_bernoulli(onset_logits, self.tau, argmax))
        return self.grid(pitch, onset, cond)

    def grid(self, pitch: Tensor, onset: Tensor, cond: Tensor | None = None) -> Tensor:
        """Notes chosen per eighth (one-hot ``pitch`` ``(B, 4, T / 2, N_PITCH + 1)``, ``onset``
        ``(B, 4, T / 2)``) -> the window ``(B, 4, T, CHANNELS)``, a given soprano included."""
        # eighths -> sixteenths: each eighth's pitch sounds for two steps, its onset on the first
        pitch = pitch.repeat_interleave(2, dim=2)
        onset = torch.stack([onset, torch.zeros_like(onset)], dim=-1).flatten(2)
        x = torch.cat([pitch, onset[..., None]], dim=-1)  # (B, 4, T, CHANNELS)
        if self.condition == "soprano":
            x = torch.cat([cond[:, None], x[:, 1:]], dim=1)
        return x


def pitch_classes(x: Tensor) -> Tensor:
    """``(B, 4, T, CHANNELS)`` -> ``(B, 4, T, 12)``:
    each voice's pitch folded to its pitch class."""
    pitch = x[..., 1 : N_PITCH + 1]
    pad = (-LOWEST) % 12  # so that column 0 is a C
    pitch = F.pad(pitch, (pad, (-(N_PITCH + pad)) % 12))
    return pitch.unflatten(-1, (-1, 12)).sum(-2)


def interval_classes(pc: Tensor) -> Tensor:
    """For the six voice pairs, the distribution of the interval class (0..11) at each step.

    ``pc`` is ``(B, 4, T, 12)``; returns ``(B, 6, T, 12)``: the interval from the lower voice up
    to the upper one, exactly one-hot when both sound (so the critic can spot fifths and octaves).
    """
    upper = pc[:, [i for i, _ in PAIRS]]
    lower = pc[:, [j for _, j in PAIRS]]
    # windows[..., k, p] = upper[(p + k) % 12]: the upper voice's classes rotated by k
    # (an unfold of the upper voice with its first 11 classes appended: no 12x12 product)
    windows = torch.cat([upper, upper[..., :11]], dim=-1).unfold(-1, 12, 1)
    # interval k: the chance that the upper voice sounds the lower one's class plus k
    return (windows @ lower[..., None]).squeeze(-1)


VOICE_LEADING_CHANNELS = 3 * 3 + len(PAIRS)


def voice_moves(x: Tensor) -> Tensor:
    """``(B, 4, T, C)`` -> ``(B, 4, T)``: 1 where a voice sounds a new pitch after sounding
    another at the step before (the moves that parallels are counted over)."""
    notes = x[..., 1 : N_PITCH + 1]
    before, after = notes[:, :, :-1], notes[:, :, 1:]
    moved = before.sum(-1) * after.sum(-1) * (1.0 - (before * after).sum(-1))
    return F.pad(moved, (1, 0))


def midi_pitch(x: Tensor) -> tuple[Tensor, Tensor]:
    """``(B, 4, T, C)`` one-hot notes -> ``(pitch, sounding)``, each ``(B, 4, T)``: the MIDI
    pitch (0 on a rest) and 1 where the voice sounds. Linear in the one-hot, so
    straight-through gradients pass."""
    notes = x[..., 1 : N_PITCH + 1]  # no rest, no onset
    midi = torch.arange(N_PITCH, device=x.device, dtype=x.dtype) + LOWEST
    return (notes * midi).sum(-1), notes.sum(-1)


def voice_leading(x: Tensor) -> Tensor:
    """What the voice-leading rules look at, per step: ``(B, 4, T, C)`` -> ``(B, 15, T)``.

    For the three adjacent pairs (S-A, A-T, T-B): the signed gap in octaves, how far the lower
    voice is above the upper one (crossing) and how far the gap exceeds the spacing limit;
    for all six pairs: 1 where both voices move into the same perfect interval (fifth or
    octave, mod 12) that they left, a parallel. Computed from the one-hot notes, so a critic
    that reads it passes straight-through gradients back to the generator's pitch logits.
    The rules are those of :mod:`ganbook.music.metrics` (voice crossing, spacing, parallels).
    """
    pitch, sounding = midi_pitch(x)
    both = sounding[:, :-1] * sounding[:, 1:]
    gap = (pitch[:, :-1] - pitch[:, 1:]) * both / 12.0  # (B, 3, T)
    limit = torch.tensor(SPACING_LIMITS, device=x.device, dtype=x.dtype)[None, :, None] / 12
    crossing = torch.relu(-gap)
    wide = torch.relu(gap - limit) * both
    moved = voice_moves(x)
    ic = interval_classes(pitch_classes(x))  # (B, 6, T, 12)
    ic_before = F.pad(ic[:, :, :-1], (0, 0, 1, 0))
    perfect = ic[..., 0] * ic_before[..., 0] + ic[..., 7] * ic_before[..., 7]
    upper, lower = [i for i, _ in PAIRS], [j for _, j in PAIRS]
    parallel = perfect * moved[:, upper] * moved[:, lower]
    return torch.cat([gap, crossing, wide, parallel], dim=1)


class ChoraleCritic(nn.Module):
    """``D(x[, cond])`` -> a score per window, from three views of it.

    - *voices*: one shared convolutional encoder per voice (plus a voice embedding), steps ->
      beats -> bars, for melody and range;
    - *harmony*: the pitch classes sounding together and the interval class of every voice
      pair at every step, for chords, consonance and parallel fifths and octaves;
    - *rhythm*: onsets bar by bar, for groove and note lengths;
    - *voice leading* (``voice_leading=True``): the gaps, crossings, wide spacings and
      parallels of :func:`voice_leading` step by step, and their means over the window;
    - *spread*: how different the samples of the batch are (:func:`minibatch_spread`).
    No batch norm (it would break the gradient penalty's per-sample view).
    """

    def __init__(
        self,
        hidden: int = 128,
        bars: int = 4,
        condition: str | None = None,
        vocab_size: int | None = None,
        text_dim: int = 16,
        voice_leading: bool = False,
    ) -> None:
        super().__init__()
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        _check_text_args(condition, vocab_size, text_dim)
        self.bars, self.condition, self.voice_leading = bars, condition, voice_leading
        act = nn.LeakyReLU(0.2)
        self.voice_embedding = nn.Parameter(torch.zeros(4, 8))
        self.voice_encoder = nn.Sequential(
            nn.Conv1d(CHANNELS + 8, hidden // 2, 3, padding=1),
            act,
            nn.Conv1d(hidden // 2, hidden // 2, 4, stride=4),
            act,  # steps -> beats
            nn.Conv1d(hidden // 2, hidden // 2, 4, stride=4),
            act,
        )  # beats -> bars
        self.harmony_encoder = nn.Sequential(
            nn.Conv1d(12 + 6 * 12, hidden, 3, padding=1),
            act,
            nn.Conv1d(hidden, hidden, 4, stride=4),
            act,
            nn.Conv1d(hidden, hidden, 4, stride=4),
            act,
        )
        self.rhythm_encoder = nn.Sequential(
            nn.Conv1d(4, hidden // 2, STEPS_PER_BAR, stride=STEPS_PER_BAR),
            act,  # one bar's groove
            nn.Conv1d(hidden // 2, hidden // 2, 3, padding=1),
            act,
        )  # bar against bar
        features = 4 * (hidden // 2) * bars + hidden * bars + (hidden // 2) * bars
        if voice_leading:
            self.voice_leading_encoder = nn.Sequential(
                nn.Conv1d(VOICE_LEADING_CHANNELS, hidden // 2, 3, padding=1),
                act,
                nn.Conv1d(hidden // 2, hidden // 2, STEPS_PER_BAR, stride=STEPS_PER_BAR),
                act,
            )  # steps -> bars
            features += (hidden // 2) * bars + VOICE_LEADING_CHANNELS
        self.body = nn.Sequential(nn.Linear(features + 1, hidden), act)
        self.head = nn.Linear(hidden, 1)
        if condition == "mode":  # projection discriminator (Miyato & Koyama, 2018)
            self.mode_embedding = nn.Embedding(2, hidden)
        if condition == "text":  # the same projection, on the critic's own reading of the text
            self.text_encoder = CaptionEncoder(vocab_size, text_dim, embed_dim=32, hidden=32)
            self.text_projection = nn.Linear(text_dim, hidden)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        if x.dim() != 4 or x.shape[1] != 4 or x.shape[-1] != CHANNELS:
            raise ValueError(f"x must have shape (batch, 4, T, {CHANNELS}), got {tuple(x.shape)}")
        b, _, t, _ = x.shape
        emb = self.voice_embedding[None, :, None, :].expand(b, 4, t, 8)
        voices = torch.cat([x, emb], dim=-1).flatten(0, 1).transpose(1, 2)  # (B*4, C+8, T)
        voice_features = self.voice_encoder(voices).view(b, -1)
        pc = pitch_classes(x)
        harmony = torch.cat(
            [pc.sum(1), interval_classes(pc).permute(0, 2, 1, 3).flatten(2)], dim=-1
        )
        harmony_features = self.harmony_encoder(harmony.transpose(1, 2)).flatten(1)
        rhythm_features = self.rhythm_encoder(x[..., -1]).flatten(1)
        h = torch.cat([voice_features, harmony_features, rhythm_features], dim=1)
        if self.voice_leading:
            rules = voice_leading(x)
            h = torch.cat([h, self.voice_leading_encoder(rules).flatten(1), rules.mean(2)], 1)
        h = self.body(torch.cat([h, minibatch_spread(h)], dim=1))
        score = self.head(h).squeeze(1)
        if self.condition == "mode":  # score + <embed(mode), features>
            score = score + (self.mode_embedding(cond.long()) * h).sum(1)
        elif self.condition == "text":  # score + <W encode(text), features>
            score = score + (self.text_projection(self.text_encoder(cond)) * h).sum(1)
        return score


def _check_text_args(condition: str | None, vocab_size: int | None, text_dim: int) -> None:
    """``vocab_size`` and ``text_dim`` are needed (positive ints) with, and only with, text."""
    if condition == "text":
        if vocab_size is None:
            raise ValueError("condition='text' needs vocab_size (the caption vocabulary's size)")
        check_positive_ints(vocab_size=vocab_size, text_dim=text_dim)
    elif vocab_size is not None:
        raise ValueError(f"vocab_size is only for condition='text', got condition={condition!r}")


def minibatch_spread(h: Tensor) -> Tensor:
    """Mean standard deviation of the features across the batch, as one extra feature per sample.

    The critic can then see that a batch of fakes is too alike (Karras et al.'s minibatch
    standard deviation, a light form of Salimans et al.'s minibatch discrimination): a
    generator that plays the same chorale every time gets caught.
    """
    # sqrt(var + eps): a feature equal across the batch would give the gradient penalty's
    # double backward 0 / 0 through a plain std
    spread = h.var(0, unbiased=False).add(1e-8).sqrt().mean() if h.shape[0] > 1 else h.new_zeros(())
    return spread.expand(h.shape[0], 1)
