"""A conditional Markov chain over chord slices: the counting baseline for text-to-music.

A *slice* is what the four voices do at one sixteenth step (four pitches, four onset bits).
The chain counts, separately for each request (mode, pace, register: 2 x 3 x 3 classes of
training windows), which slice starts a window and which slice follows which; it writes a
window by starting and stepping with those counts. Where a request's counts have never seen
the current slice it backs off to the counts of all windows, and where those end too it
starts afresh. First order and exact counts: every step it takes is one Bach took, so its
harmony is locally right, and it tends to replay whole training passages (watch the copy check).
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from .corpus import Windows
from .describe import PACES, REGISTERS, Attributes
from .grid import check_grid


def _classes(attrs: Attributes) -> np.ndarray:
    return (attrs.mode * len(PACES) + attrs.pace) * len(REGISTERS) + attrs.register


def _slices(pitch: np.ndarray, onset: np.ndarray) -> list[tuple]:
    """``(4, T)`` grids -> the ``T`` slices as hashable tuples of 4 pitches and 4 bits."""
    both = np.concatenate([pitch.astype(np.int64), onset.astype(np.int64)], axis=0)
    return [tuple(col) for col in both.T.tolist()]


class ConditionalMarkovChain:
    """First-order Markov chain on slices, one set of counts per requested attribute class."""

    def __init__(self, data: Windows, attrs: Attributes) -> None:
        if len(data) != len(attrs) or len(data) == 0:
            raise ValueError(f"data and attrs must describe the same, non-zero number of windows, "
                             f"got {len(data)} and {len(attrs)}")
        check_grid(data.pitch, data.onset)
        self.steps = data.pitch.shape[-1]
        self.starts: dict[int, Counter] = defaultdict(Counter)
        self.moves: dict[tuple, Counter] = defaultdict(Counter)  # (class, slice) -> next slices
        self.any_moves: dict[tuple, Counter] = defaultdict(Counter)  # slice -> next slices
        for p, o, c in zip(data.pitch, data.onset, _classes(attrs).tolist()):
            slices = _slices(p, o)
            self.starts[c][slices[0]] += 1
            self.starts[-1][slices[0]] += 1
            for a, b in zip(slices, slices[1:]):
                self.moves[c, a][b] += 1
                self.any_moves[a][b] += 1
        self.backoffs = 0  # steps that fell back to all windows' counts (or restarted), in sample

    @staticmethod
    def _draw(counts: Counter, rng: np.random.Generator) -> tuple:
        options = list(counts)
        weights = np.fromiter(counts.values(), dtype=float)
        return options[rng.choice(len(options), p=weights / weights.sum())]

    def sample(self, attrs: Attributes, rng: np.random.Generator, steps: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """One window ``(pitch, onset)`` of ``steps`` (default: the training windows') per
        request; ``self.backoffs`` counts the steps that had to leave the request's counts."""
        steps = self.steps if steps is None else steps
        if steps <= 0 or len(attrs) == 0:
            raise ValueError(f"steps and len(attrs) must be positive, got {steps} and {len(attrs)}")
        pitch = np.zeros((len(attrs), 4, steps), dtype=np.int16)
        onset = np.zeros((len(attrs), 4, steps), dtype=bool)
        self.backoffs = 0
        for i, c in enumerate(_classes(attrs).tolist()):
            starts = self.starts[c] if self.starts.get(c) else self.starts[-1]
            state = self._draw(starts, rng)
            for t in range(steps):
                if t > 0:
                    counts = self.moves.get((c, state)) or self.any_moves.get(state)
                    self.backoffs += (c, state) not in self.moves
                    state = self._draw(counts if counts else starts, rng)
                pitch[i, :, t], onset[i, :, t] = state[:4], state[4:]
        return pitch, onset
