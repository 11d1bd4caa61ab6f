"""Grids to MIDI files and back, through music21 (one part per voice, 4/4, C major / A minor)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..core.loop import check_positive
from .grid import STEPS_PER_QUARTER, VOICES, check_grid, notes


def grid_to_score(pitch: np.ndarray, onset: np.ndarray, tempo: int = 80):
    """A music21 ``Score`` with four parts (S, A, T, B) holding the grid's notes and rests."""
    from music21 import meter, note, stream
    from music21 import tempo as m21tempo

    check_grid(pitch, onset)
    if pitch.ndim != 2:
        raise ValueError(f"pitch must be one grid of shape (4, T), got {pitch.shape}")
    check_positive("tempo", tempo, integer=False)  # quarter notes per minute
    score = stream.Score()
    for v, voice in enumerate(notes(pitch, onset)):
        part = stream.Part(id=VOICES[v].capitalize())
        part.partName = VOICES[v].capitalize()
        part.insert(0, meter.TimeSignature("4/4"))
        if v == 0:
            part.insert(0, m21tempo.MetronomeMark(number=tempo))
        for start, length, midi in voice:
            n = note.Note(midi)
            n.quarterLength = length / STEPS_PER_QUARTER
            part.insert(start / STEPS_PER_QUARTER, n)
        part.makeRests(fillGaps=True, inPlace=True, timeRangeFromBarDuration=False)
        score.insert(0, part)
    return score


def write_midi(
    pitch: np.ndarray, onset: np.ndarray, path: str | os.PathLike, tempo: int = 80
) -> Path:
    """Write one grid ``(4, T)`` as a 4-track MIDI file and return its path."""
    path = Path(path)
    score = grid_to_score(pitch, onset, tempo)  # checks the grid and tempo before any writing
    path.parent.mkdir(parents=True, exist_ok=True)
    score.write("midi", fp=str(path))
    return path


def read_midi(path: str | os.PathLike, steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read a 4-track MIDI file (as written by :func:`write_midi`) back into ``(pitch, onset)``."""
    from music21 import converter

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path must be an existing MIDI file, got {str(path)!r}")
    score = converter.parse(str(path), quantizePost=False)
    if len(score.parts) != 4:
        raise ValueError(f"{path} has {len(score.parts)} tracks; a chorale grid needs 4")
    if steps is None:
        steps = int(round(float(score.highestTime) * STEPS_PER_QUARTER))
    pitch = np.zeros((4, steps), dtype=np.int16)
    onset = np.zeros((4, steps), dtype=bool)
    for v, part in enumerate(score.parts):
        for n in part.stripTies().flatten().notes:
            start = int(round(float(n.offset) * STEPS_PER_QUARTER))
            end = max(
                start + 1,
                int(round((float(n.offset) + float(n.quarterLength)) * STEPS_PER_QUARTER)),
            )
            if start >= steps:
                continue
            midi = max(p.midi for p in n.pitches)
            pitch[v, start:end] = midi
            onset[v, start:end] = False
            onset[v, start] = True
    return pitch, onset
