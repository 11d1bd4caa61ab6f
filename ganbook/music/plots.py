"""Piano rolls: one colour per voice, notes as bars, onsets visible as gaps between repeats."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .grid import STEPS_PER_BAR, VOICES, notes

VOICE_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c", "#1f77b4")
NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def piano_roll(
    pitch: np.ndarray,
    onset: np.ndarray,
    ax: plt.Axes | None = None,
    title: str | None = None,
    marks: Sequence[int] = (),
    legend: bool = True,
) -> plt.Axes:
    """Draw one grid ``(4, T)``: each note a bar in its voice's colour, bar lines every 16 steps.

    ``marks`` are steps to flag with a small triangle on top (fermatas, say).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(min(14, 2 + pitch.shape[1] / 16), 3.2))
    lows, highs = [], []
    for v, voice in enumerate(notes(pitch, onset)):
        for start, length, midi in voice:
            ax.add_patch(
                Rectangle(
                    (start + 0.08, midi - 0.4), length - 0.16, 0.8, color=VOICE_COLOURS[v], lw=0
                )
            )
            lows.append(midi)
            highs.append(midi)
        ax.plot([], [], color=VOICE_COLOURS[v], lw=6, label=VOICES[v])
    low, high = (min(lows) - 2, max(highs) + 2) if lows else (48, 84)
    for bar in range(0, pitch.shape[1] + 1, STEPS_PER_BAR):
        ax.axvline(bar, color="grey", lw=0.6, alpha=0.5)
    for m in marks:
        ax.plot(m + 0.5, high - 0.5, marker="v", color="black", ms=5)
    ticks = [p for p in range(low, high + 1) if p % 12 in (0, 7)]
    ax.set_yticks(ticks, [f"{NOTE_NAMES[p % 12]}{p // 12 - 1}" for p in ticks])
    ax.set(xlim=(0, pitch.shape[1]), ylim=(low, high), xlabel="sixteenth-note step")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return ax


def piano_rolls(
    pitch: np.ndarray, onset: np.ndarray, titles: Sequence[str] | None = None, ncols: int = 2
) -> plt.Figure:
    """Several grids ``(N, 4, T)`` as a grid of small piano rolls."""
    n = len(pitch)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.5 * ncols, 2.6 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < n:
            piano_roll(
                pitch[i], onset[i], ax=ax, title=titles[i] if titles else None, legend=i == 0
            )
        else:
            ax.set_axis_off()
    fig.tight_layout()
    return fig
