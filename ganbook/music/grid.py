"""The chorale grid: four voices on a 16th-note step, with an onset/hold distinction.

A chorale is two integer arrays of shape ``(4, T)`` (voices S, A, T, B; ``T`` sixteenths):

- ``pitch[v, t]``: the MIDI pitch sounding in voice ``v`` at step ``t``, or ``0`` for a rest;
- ``onset[v, t]``: ``True`` where a note *starts*. A sounding step without an onset holds the
  note before it, so two repeated quarter notes (``onset`` at 0 and 4) differ from one half
  note (``onset`` at 0 only).

For the networks the grid becomes one float tensor ``(4, T, C)`` with ``C = N_PITCH + 2``:
channels ``0..N_PITCH`` are a one-hot of the pitch index (``0`` = rest, ``k`` = MIDI
``LOWEST + k - 1``), the last channel is the onset bit.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

VOICES = ("soprano", "alto", "tenor", "bass")
STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16  # 4/4 only
LOWEST, HIGHEST = 36, 84  # C2..C6, the union of the four voice ranges below
N_PITCH = HIGHEST - LOWEST + 1
CHANNELS = N_PITCH + 2  # rest + pitches + onset bit
# Each voice's range (MIDI, inclusive) after transposition to C major / A minor; the rare notes
# outside it are folded in by octaves. Chosen from the corpus: ~99.9% of notes already fit.
VOICE_RANGES = ((59, 81), (53, 76), (47, 71), (36, 64))
# The six (upper, lower) voice pairs, S-A, S-T, S-B, A-T, A-B, T-B, that harmony and
# parallels are counted over; crossing and spacing use the three adjacent ones.
PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]
# The spacing rule, in semitones between adjacent voices: S-A and A-T at most an octave,
# T-B at most a twelfth (four-part harmony textbooks, e.g. Piston, *Harmony*, 1941).
SPACING_LIMITS = (12, 12, 19)
LEAP_LIMIT = 7  # semitones: a melodic move wider than a fifth is a leap


def fold_into_range(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves until it lies in ``[low, high]``
    (a range of at least an octave)."""
    if high - low < 11:
        raise ValueError(f"range [{low}, {high}] must span at least an octave")
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


def check_grid(pitch: np.ndarray, onset: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``pitch``/``onset`` form a valid ``(..., 4, T)`` grid."""
    pitch, onset = np.asarray(pitch), np.asarray(onset)
    if pitch.shape != onset.shape or pitch.ndim < 2 or pitch.shape[-2] != 4:
        raise ValueError(
            f"pitch and onset must both have shape (..., 4, T), got {pitch.shape} and {onset.shape}"
        )
    if not (np.issubdtype(onset.dtype, np.bool_) or np.issubdtype(onset.dtype, np.integer)):
        raise TypeError(
            f"onset must be a boolean array (True where a note starts), got {onset.dtype}"
        )
    if onset.dtype != bool and np.any((onset != 0) & (onset != 1)):
        raise ValueError("onset must hold only 0/1 (or False/True)")
    if not (np.issubdtype(pitch.dtype, np.integer) or np.issubdtype(pitch.dtype, np.floating)):
        raise TypeError(f"pitch must be an array of MIDI numbers, got {pitch.dtype}")
    if np.issubdtype(pitch.dtype, np.floating) and np.any(pitch != np.round(pitch)):
        bad = pitch[pitch != np.round(pitch)].flat[0]
        raise ValueError(f"pitch must hold whole MIDI numbers, got {bad}")
    bad = (pitch != 0) & ((pitch < LOWEST) | (pitch > HIGHEST))
    if np.any(bad):
        raise ValueError(
            f"pitch must be 0 (rest) or MIDI {LOWEST}..{HIGHEST}, got {pitch[bad].flat[0]}"
        )
    sounding = pitch > 0
    if np.any(onset.astype(bool) & ~sounding):
        raise ValueError("onset is set on a rest step")


def repair_onsets(pitch: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """Onsets implied by the pitches: a note starts wherever the pitch changes or follows a rest.

    Held steps only make sense when the pitch stays the same, so a generated grid's onset
    bits are completed with these (and cleared on rests).
    """
    pitch = np.asarray(pitch)
    prev = np.concatenate([np.zeros_like(pitch[..., :1]), pitch[..., :-1]], axis=-1)
    must = (pitch > 0) & (pitch != prev)
    return (np.asarray(onset, dtype=bool) | must) & (pitch > 0)


def encode(pitch: np.ndarray, onset: np.ndarray) -> Tensor:
    """Grids ``(N, 4, T)`` -> float tensor ``(N, 4, T, CHANNELS)``: pitch one-hot plus onset bit."""
    check_grid(pitch, onset)
    pitch = torch.as_tensor(np.asarray(pitch), dtype=torch.long)
    index = torch.where(pitch > 0, pitch - LOWEST + 1, torch.zeros_like(pitch))
    x = torch.nn.functional.one_hot(index, N_PITCH + 1).float()
    return torch.cat(
        [x, torch.as_tensor(np.asarray(onset), dtype=torch.float32)[..., None]], dim=-1
    )


def decode(x: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Float tensor ``(N, 4, T, CHANNELS)`` -> grids ``(pitch, onset)``:
    argmax pitch, onset bit > 0.5."""
    x = torch.as_tensor(x).detach().cpu()
    if x.shape[-1] != CHANNELS:
        raise ValueError(f"x must end in {CHANNELS} channels, got shape {tuple(x.shape)}")
    index = x[..., : N_PITCH + 1].argmax(-1).numpy()
    pitch = np.where(index > 0, index + LOWEST - 1, 0).astype(np.int16)
    onset = repair_onsets(pitch, x[..., -1].numpy() > 0.5)
    return pitch, onset


def notes(pitch: np.ndarray, onset: np.ndarray) -> list[list[tuple[int, int, int]]]:
    """The notes of one grid ``(4, T)``:
    per voice a list of ``(start_step, length, midi_pitch)``."""
    check_grid(pitch, onset)
    onset = repair_onsets(pitch, onset)
    out = []
    for v in range(pitch.shape[0]):
        voice, start = [], None
        for t in range(pitch.shape[1] + 1):
            ends = t == pitch.shape[1] or onset[v, t] or pitch[v, t] == 0
            if start is not None and ends:
                voice.append((start, t - start, int(pitch[v, start])))
                start = None
            if t < pitch.shape[1] and onset[v, t]:
                start = t
        out.append(voice)
    return out
