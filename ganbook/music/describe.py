"""Words for chorale windows: measured attributes, sentences that state them, and measures of
whether a generated window does what its sentence asked.

Each window gets three attributes, each measured from its notes (or, for the mode, from the
corpus): its **mode** (the chorale's key analysis, major or minor, :mod:`.corpus`), its
**pace** (notes started per voice per bar: slow, steady or busy) and its **register** (the
soprano's mean pitch: low, middle or high). The two cut points of each measured attribute
split the training windows into rough thirds. A description is one of several phrasings of
the three words; the last :data:`HELD_OUT` phrasings are never used in training, so that we
can ask whether the text encoder learnt the words or the sentences. Training also writes each
description in varied words (:func:`varied_descriptions`): the three clauses in any order, and
each level by its name or one of the book's :data:`SYNONYMS`, with word dropout
(:data:`WORD_NOISE`) so that words the encoder never saw are nothing new to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..text.caption import UNK, caption_vocab, encode_captions, unknown_word_noise
from ..text.vocab import Vocab
from .corpus import Windows
from .grid import STEPS_PER_BAR

MODES = ("major", "minor")
PACES = ("slow", "steady", "busy")
REGISTERS = ("low", "middle", "high")
LEVELS = {"mode": MODES, "pace": PACES, "register": REGISTERS}
# Cut points, chosen once from the training windows' tertiles (4.13, 4.69 notes per voice and
# bar; MIDI 68.9, 73.1 for the soprano's mean pitch) and rounded.
PACE_CUTS = (4.25, 4.75)
REGISTER_CUTS = (69.0, 73.0)

PHRASINGS = (
    "a {pace} chorale in a {mode} key with a {register} soprano",
    "{mode} key, {pace} rhythm, {register} soprano",
    "a {register} melody over {pace} harmony in {mode}",
    "{pace} and {mode}, the soprano sits {register}",
    # held out: frames no training description uses, some words the encoder maps to <unk>
    "the soprano is {register}, the rhythm {pace}, the key {mode}",
    "{register} tune, {mode} mode, {pace} pace",
)
HELD_OUT = 2
TRAIN_PHRASINGS = PHRASINGS[:-HELD_OUT]
TEST_PHRASINGS = PHRASINGS[-HELD_OUT:]

# Other words for each level, the book's own lists: training descriptions use them as often
# as the names, so "a lively, sad chorale" asks for busy and minor.
SYNONYMS = {
    "major": ("happy", "joyful"),
    "minor": ("sad", "mournful"),
    "slow": ("calm", "unhurried"),
    "steady": ("even", "moderate"),
    "busy": ("lively", "quick"),
    "low": ("deep", "lower"),
    "middle": ("medium", "central"),
    "high": ("upper", "lofty"),
}
# Each attribute as a clause, for training descriptions in any order.
CLAUSES = {
    "mode": ("in a {mode} key", "in {mode}", "{mode} key"),
    "pace": ("{pace} rhythm", "with a {pace} rhythm", "over {pace} harmony"),
    "register": ("a {register} soprano", "with a {register} soprano",
                 "the soprano sits {register}", "a {register} melody"),
}


def _bins(values: np.ndarray, cuts: tuple[float, float]) -> np.ndarray:
    return np.digitize(values, cuts).astype(np.int64)


def note_density(pitch: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """Per window ``(N, 4, T)``: notes started per voice per bar."""
    onset = np.asarray(onset, dtype=bool)
    if onset.ndim != 3 or onset.shape[-1] % STEPS_PER_BAR:
        raise ValueError(f"onset must have shape (N, 4, T), T a multiple of {STEPS_PER_BAR}, "
                         f"got {onset.shape}")
    bars = onset.shape[-1] // STEPS_PER_BAR
    return onset.sum((1, 2)) / (onset.shape[1] * bars)


def soprano_register(pitch: np.ndarray) -> np.ndarray:
    """Per window ``(N, 4, T)``: the soprano's mean sounding MIDI pitch (0 if it never sounds)."""
    soprano = np.asarray(pitch)[:, 0].astype(float)
    sounding = soprano > 0
    return np.where(sounding.any(1), soprano.sum(1) / np.maximum(sounding.sum(1), 1), 0.0)


@dataclass
class Attributes:
    """One request or measurement per window: ``mode``, ``pace``, ``register`` as indices into
    :data:`MODES`, :data:`PACES`, :data:`REGISTERS` (arrays of shape ``(N,)``)."""

    mode: np.ndarray
    pace: np.ndarray
    register: np.ndarray

    def __post_init__(self) -> None:
        """Each field as an int64 array of indices in range (an int: one window), all of one
        length: a -1 would otherwise index the last level ("busy") without a word."""
        for name, levels in LEVELS.items():
            value = np.atleast_1d(getattr(self, name))
            if value.dtype == bool or not np.issubdtype(value.dtype, np.integer) or value.ndim != 1:
                raise ValueError(f"{name} must be a 1-D array of ints, got {value!r}")
            bad = (value < 0) | (value >= len(levels))
            if bad.any():
                raise ValueError(
                    f"{name} must hold indices in [0, {len(levels)}) into {levels}, got "
                    f"{value[bad][:5].tolist()}"
                )
            setattr(self, name, value.astype(np.int64, copy=False))
        if not len(self.mode) == len(self.pace) == len(self.register):
            raise ValueError(
                f"mode, pace and register must have one entry per window each, got lengths "
                f"{len(self.mode)}, {len(self.pace)} and {len(self.register)}"
            )

    def __len__(self) -> int:
        return len(self.mode)

    def subset(self, index) -> "Attributes":
        return Attributes(self.mode[index], self.pace[index], self.register[index])


def measure(pitch: np.ndarray, onset: np.ndarray, mode: np.ndarray) -> Attributes:
    """The attributes of windows ``(N, 4, T)``; ``mode`` (0 major, 1 minor) comes from outside
    (the corpus for real windows, :func:`music21_modes` for generated ones)."""
    mode = np.asarray(mode, dtype=np.int64)
    if len(mode) != len(pitch):
        raise ValueError(f"mode must have one entry per window ({len(pitch)}), got {len(mode)}")
    return Attributes(mode, _bins(note_density(pitch, onset), PACE_CUTS),
                      _bins(soprano_register(pitch), REGISTER_CUTS))


def window_attributes(data: Windows) -> Attributes:
    """The attributes of real windows, with each chorale's own mode."""
    return measure(data.pitch, data.onset, data.mode)


def _word(level: str, synonym: int) -> str:
    """``level`` itself (``synonym=0``) or its ``synonym``-th word in :data:`SYNONYMS`."""
    return level if synonym == 0 else SYNONYMS[level][synonym - 1]


def describe_windows(
    attrs: Attributes, phrasing: int | Sequence[int] = 0, synonym: int | Sequence[int] = 0
) -> list[str]:
    """One sentence per window: ``phrasing`` indexes :data:`PHRASINGS`; ``synonym`` 1 or 2
    writes the levels in that word of :data:`SYNONYMS`, 0 by their names (each one for all
    windows, or one per window)."""
    index = np.broadcast_to(np.asarray(phrasing), (len(attrs),))
    if np.any((index < 0) | (index >= len(PHRASINGS))):
        raise ValueError(f"phrasing must lie in [0, {len(PHRASINGS)}), got {phrasing!r}")
    words = np.broadcast_to(np.asarray(synonym), (len(attrs),))
    if np.any((words < 0) | (words > 2)):
        raise ValueError(f"synonym must be 0 (the level's name), 1 or 2, got {synonym!r}")
    return [
        PHRASINGS[k].format(mode=_word(MODES[m], w), pace=_word(PACES[p], w),
                            register=_word(REGISTERS[r], w))
        for k, w, m, p, r in zip(index, words, attrs.mode, attrs.pace, attrs.register)
    ]


def varied_descriptions(attrs: Attributes, rng: np.random.Generator) -> list[str]:
    """One training description per window in random words: half in a training phrasing, half
    as the three :data:`CLAUSES` in a random order ("in a minor key, a high soprano and
    slow rhythm"); every level by its name or one of its :data:`SYNONYMS`, alike often."""
    out = []
    for m, p, r in zip(attrs.mode, attrs.pace, attrs.register):
        words = {name: _word(level, int(rng.integers(3))) for name, level in
                 (("mode", MODES[m]), ("pace", PACES[p]), ("register", REGISTERS[r]))}
        if rng.random() < 0.5:
            out.append(TRAIN_PHRASINGS[rng.integers(len(TRAIN_PHRASINGS))].format(**words))
            continue
        clauses = [forms[rng.integers(len(forms))].format(**words)
                   for forms in CLAUSES.values()]
        first, second, third = (clauses[k] for k in rng.permutation(3))
        joint = ", " if rng.random() < 0.5 else " and "
        out.append(f"{first}, {second}{joint}{third}")
    return out


def level_words() -> dict[str, list[str]]:
    """Every word that names a level, per attribute: the levels' names, then their
    :data:`SYNONYMS`."""
    return {name: [*levels, *(w for level in levels for w in SYNONYMS[level])]
            for name, levels in LEVELS.items()}


def description_vocab() -> Vocab:
    """The words of the training descriptions (with ``<unk>``): the training phrasings, the
    clauses and every level's synonyms; what the encoder is built for."""
    words = level_words()
    texts = [p.format(mode=m, pace=q, register=r)
             for p in (*TRAIN_PHRASINGS, *CLAUSES["mode"], *CLAUSES["pace"],
                       *CLAUSES["register"])
             for m in words["mode"] for q in words["pace"] for r in words["register"]]
    return caption_vocab([*texts, "and"])


MAX_LEN = 16  # tokens, <eos> included: longer than every phrasing


def request_phrasings(n: int, rng: np.random.Generator
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """How to word ``n`` test requests, as ``(phrasing, synonym)`` index arrays for
    :func:`encode_requests`: in random training phrasings; in the held-out phrasings (taken
    in turn); and in those written in each synonym list in turn."""
    held = len(TRAIN_PHRASINGS) + np.arange(n) % len(TEST_PHRASINGS)
    names = np.zeros(n, dtype=np.int64)
    return {
        "training phrasings": (rng.integers(len(TRAIN_PHRASINGS), size=n), names),
        "held-out phrasings": (held, names),
        "held-out phrasings, synonyms": (held, 1 + np.arange(n) // 2 % 2),
    }


def encode_requests(vocab: Vocab, attrs: Attributes, phrasing: int | Sequence[int] = 0,
                    synonym: int | Sequence[int] = 0) -> torch.Tensor:
    """Token ids ``(N, MAX_LEN)`` of :func:`describe_windows` for the ``"text"`` generator."""
    return encode_captions(vocab, describe_windows(attrs, phrasing, synonym), MAX_LEN)


def level_token_ids(vocab: Vocab, attribute: str) -> list[list[int]]:
    """For each level of ``attribute`` ("mode", "pace" or "register"), the token ids of its
    name and synonyms: how :class:`ganbook.music.training.KeyFollowing` and
    :class:`~ganbook.music.training.PaceFollowing` find what a description asks for."""
    if attribute not in LEVELS:
        raise ValueError(f"attribute must be one of {', '.join(LEVELS)}, got {attribute!r}")
    return [[vocab.stoi[w] for w in (level, *SYNONYMS[level]) if w in vocab.stoi]
            for level in LEVELS[attribute]]


VARIANTS = 16  # training descriptions per window (varied=True)
# Word dropout on the varied descriptions (chances per token, see unknown_word_noise): a
# token that is not a level's word may become <unk>, and an <unk> may be put before any
# token, as a description in words the encoder never saw would read.
WORD_NOISE = {"replace": 0.1, "insert": 0.1}


def text_sampler(data: Windows, vocab: Vocab, varied: bool = False):
    """``sample_real(batch_size)`` for the Trainer: ``(encoded windows, token ids)``, each
    window described in one of the training phrasings or, with ``varied=True``, in one of
    :data:`VARIANTS` :func:`varied_descriptions` written once (seed 0), with
    :data:`WORD_NOISE` word dropout each time it is drawn (never dropping a level's word);
    drawn with torch's RNG (so a resumed run draws the same)."""
    from ..core.data import TensorSampler
    from .grid import encode

    attrs = window_attributes(data)
    if varied:
        rng = np.random.default_rng(0)
        ids = torch.stack([encode_captions(vocab, varied_descriptions(attrs, rng), MAX_LEN)
                           for _ in range(VARIANTS)], dim=1)
    else:
        ids = torch.stack([encode_requests(vocab, attrs, k)
                           for k in range(len(TRAIN_PHRASINGS))], dim=1)
    indices = TensorSampler(torch.arange(len(data)))  # ids: (N, variants, MAX_LEN)

    levels = [vocab.stoi[w] for words in level_words().values() for w in words
              if w in vocab.stoi]

    def sample_real(batch_size: int):
        idx = indices(batch_size)
        choice = torch.randint(ids.shape[1], (batch_size,))
        said = ids[idx, choice]
        if varied:
            said = unknown_word_noise(said, vocab.stoi[UNK], keep=levels, **WORD_NOISE)
        return encode(data.pitch[idx.numpy()], data.onset[idx.numpy()]), said

    return sample_real


# -- did the output do what was asked? ------------------------------------------------------


def music21_modes(pitch: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """music21's key analysis (``analyze('key')``) of each window: 0 major, 1 minor.

    About 60 ms a window on one CPU thread (it builds a score first): cap what you pass.
    """
    from .midi import grid_to_score

    return np.asarray(
        [int(grid_to_score(p, o).analyze("key").mode == "minor") for p, o in zip(pitch, onset)],
        dtype=np.int64,
    )


def agreement(requested: Attributes, measured: Attributes) -> dict[str, float]:
    """Share of windows whose measured mode, pace and register match the request, and all three.

    Pace and register each have three classes of about a third of the real windows, so a
    generator that ignores the request scores about 1/3 on each (1/2 on mode).
    """
    if len(requested) != len(measured):
        raise ValueError(f"requested and measured must have the same length, got "
                         f"{len(requested)} and {len(measured)}")
    hits = {name: getattr(requested, name) == getattr(measured, name)
            for name in ("mode", "pace", "register")}
    out = {f"{name} as asked": float(h.mean()) for name, h in hits.items()}
    out["all three"] = float((hits["mode"] & hits["pace"] & hits["register"]).mean())
    return out


def by_request(values: np.ndarray, requested: np.ndarray, labels: Sequence[str]
               ) -> dict[str, float]:
    """Mean of ``values`` over the windows that requested each level (nan where none did)."""
    values, requested = np.asarray(values, dtype=float), np.asarray(requested)
    return {label: float(values[requested == k].mean()) if (requested == k).any() else float("nan")
            for k, label in enumerate(labels)}


def request_scores(pitch: np.ndarray, onset: np.ndarray, asked: Attributes,
                   key_windows: int | None = None) -> dict[str, float]:
    """How often windows ``(N, 4, T)`` did what ``asked`` requested (see :func:`agreement`).

    Pace and register are measured on all windows; the mode by :func:`music21_modes` on the
    first ``key_windows`` (default all; it is the slow part), and "all three" on those.
    """
    n = len(pitch)
    k = n if key_windows is None else min(key_windows, n)
    if len(asked) != n or k <= 0:
        raise ValueError(f"asked must have one request per window ({n}) and key_windows must be "
                         f"positive, got {len(asked)} and {key_windows!r}")
    got = measure(pitch, onset, np.zeros(n, dtype=np.int64))
    got.mode[:k] = music21_modes(pitch[:k], onset[:k])
    pace, register = got.pace == asked.pace, got.register == asked.register
    mode = got.mode[:k] == asked.mode[:k]
    return {
        "mode as asked (music21)": float(mode.mean()),
        "pace as asked": float(pace.mean()),
        "register as asked": float(register.mean()),
        "all three": float((mode & pace[:k] & register[:k]).mean()),
    }
