"""Checkers for the music chapters: the chorale grid as a tensor, and two of its measures."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .runner import Case, run_checks


def _grids(rng: np.random.Generator, n: int, steps: int = 16, rests: float = 0.1):
    """``n`` valid random grids (pitch, onset) of shape (n, 4, steps), voices in their ranges."""
    from ..music.grid import VOICE_RANGES, repair_onsets

    pitch = np.stack(
        [rng.integers(low, high + 1, size=(n, steps)) for low, high in VOICE_RANGES], axis=1
    )
    pitch = np.where(rng.random(pitch.shape) < rests, 0, pitch).astype(np.int16)
    onset = repair_onsets(pitch, rng.random(pitch.shape) < 0.3)
    return pitch, onset


def _chord(pitches: tuple[int, int, int, int], steps: int = 16):
    pitch = np.repeat(np.array(pitches, dtype=np.int16)[None, :, None], steps, axis=2)
    onset = np.zeros_like(pitch, dtype=bool)
    onset[..., 0] = True
    return pitch, onset


def check_encode(fn: Callable) -> bool:
    """``fn(pitch, onset)`` for grids (N, 4, T) must give the float tensor (N, 4, T, 51) of
    :func:`ganbook.music.grid.encode`: a one-hot of rest (channel 0) or MIDI 36..84
    (channels 1..49), then the onset bit (channel 50)."""
    from ..music.grid import encode

    rng = np.random.default_rng(11)
    low_high = np.array([[[84, 84], [60, 0], [48, 48], [36, 36]]], dtype=np.int16)
    cases = [
        Case(_chord((72, 67, 64, 48), steps=4), "one held C major chord"),
        Case((low_high, np.array([[[1, 0], [1, 0], [1, 0], [1, 0]]], dtype=bool)),
             "the highest and lowest pitches, and a rest"),
        Case(_grids(rng, 3), "three random grids"),
    ]
    return run_checks(fn, encode, cases)


def check_voice_crossing(fn: Callable) -> bool:
    """``fn(pitch, onset)`` must be the share of (adjacent voice pair, step) with both voices
    sounding where the lower voice is above the upper one, as
    :func:`ganbook.music.metrics.voice_crossing`."""
    from ..music.metrics import voice_crossing

    rng = np.random.default_rng(12)
    crossed = _chord((60, 64, 55, 48))  # the alto above the soprano for the whole bar
    rest = _chord((72, 67, 64, 48))
    rest[0][0, 1, 8:], rest[1][0, 1, 8:] = 0, False  # the alto rests in the second half
    rest[0][0, 2, 8:] = 69  # ... while the tenor climbs above it: not a crossing (no alto)
    cases = [
        Case(_chord((72, 67, 64, 48)), "a close C major chord: no crossing"),
        Case(crossed, "alto above soprano throughout: 1 of 3 pairs"),
        Case(rest, "a pair with a resting voice does not count"),
        Case(_chord((67, 67, 60, 48)), "soprano and alto in unison: not a crossing"),
        Case(_grids(rng, 4, steps=32), "four random two-bar grids"),
    ]
    return run_checks(fn, voice_crossing, cases, atol=1e-9, rtol=1e-9)


def check_pitch_class_histogram(fn: Callable) -> bool:
    """``fn(pitch)`` for grids (N, 4, T) must count, per grid, the sounding steps of each
    pitch class 0..11 over all voices ((N, 12)): the histogram that
    :func:`ganbook.music.metrics.minor_score` compares with the key profiles."""
    from ..music.metrics import _chroma

    def reference(pitch: np.ndarray) -> np.ndarray:
        pitch = np.asarray(pitch)
        return _chroma(pitch.reshape(len(pitch), -1))

    rng = np.random.default_rng(13)
    rests = _chord((72, 67, 64, 48), steps=4)[0]
    rests[0, 1:] = 0
    cases = [
        Case((_chord((72, 67, 64, 48), steps=4)[0],), "one chord: C three times, E, G"),
        Case((rests,), "rests (pitch 0) are silence, not the pitch class C"),
        Case((_grids(rng, 3)[0],), "three random grids"),
    ]
    return run_checks(fn, reference, cases, atol=1e-9, rtol=1e-9)
