"""Hear a grid without a soundfont: additive synthesis in numpy with a decaying envelope."""

from __future__ import annotations

import numpy as np

from .grid import check_grid, notes

SAMPLE_RATE = 11025  # enough for harmonics up to 5.5 kHz, and keeps the book pages light
# Slightly different timbres per voice (relative weights of harmonics 1..4), so voices separate.
TIMBRES = (
    (1.0, 0.30, 0.10, 0.05),
    (1.0, 0.45, 0.15, 0.08),
    (1.0, 0.50, 0.25, 0.10),
    (1.0, 0.60, 0.30, 0.15),
)


def midi_to_hz(midi: np.ndarray | float) -> np.ndarray:
    """Equal temperament, A4 (MIDI 69) = 440 Hz."""
    return 440.0 * 2.0 ** ((np.asarray(midi, dtype=float) - 69.0) / 12.0)


def note_wave(
    midi: int, seconds: float, timbre=TIMBRES[0], sr: int = SAMPLE_RATE, decay: float = 2.5
) -> np.ndarray:
    """One note: a few harmonics under a short attack, an exponential decay and a release."""
    n = max(1, int(round(seconds * sr)))
    t = np.arange(n) / sr
    f = float(midi_to_hz(midi))
    wave = sum(
        w * np.sin(2 * np.pi * f * (k + 1) * t)
        for k, w in enumerate(timbre)
        if f * (k + 1) < sr / 2
    )
    envelope = np.exp(-decay * t) * np.minimum(1.0, t / 0.01)  # 10 ms attack, then decay
    release = np.minimum(1.0, (n - 1 - np.arange(n)) / (0.03 * sr))  # 30 ms fade out: no clicks
    return wave * envelope * np.clip(release, 0.0, 1.0)


def synthesize(
    pitch: np.ndarray, onset: np.ndarray, tempo: float = 80.0, sr: int = SAMPLE_RATE
) -> np.ndarray:
    """A grid ``(4, T)`` as mono audio in [-1, 1] at ``tempo`` quarter notes per minute.

    Play it with ``IPython.display.Audio(wave, rate=sr)``.
    """
    check_grid(pitch, onset)
    if pitch.ndim != 2:
        raise ValueError(f"pitch must be one grid of shape (4, T), got {pitch.shape}")
    if tempo <= 0:
        raise ValueError(f"tempo must be positive, got {tempo!r}")
    step = 60.0 / tempo / 4  # seconds per sixteenth
    out = np.zeros(int(np.ceil((pitch.shape[1] * step + 0.5) * sr)))
    for v, voice in enumerate(notes(pitch, onset)):
        for start, length, midi in voice:
            wave = note_wave(midi, length * step, TIMBRES[v % len(TIMBRES)], sr)
            i = int(round(start * step * sr))
            out[i : i + len(wave)] += wave
    peak = np.abs(out).max()
    return out / peak * 0.9 if peak > 0 else out


def play(pitch: np.ndarray, onset: np.ndarray, tempo: float = 80.0):
    """An ``IPython.display.Audio`` player for one grid (works on the static HTML page too)."""
    from IPython.display import Audio

    return Audio(synthesize(pitch, onset, tempo), rate=SAMPLE_RATE)
