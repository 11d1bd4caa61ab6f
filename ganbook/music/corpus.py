"""Bach's chorales from music21's bundled corpus, as 4-voice grids, cached on disk.

Parsing 371 MusicXML files takes about a minute, so :func:`load_chorales` does it once and
keeps the result in ``$GANBOOK_CACHE/music/`` (default ``~/.cache/ganbook/music/``) under a
file name that carries :data:`CACHE_VERSION`; a missing, unreadable or older file is rebuilt.
The build holds a file lock and writes atomically (temp file + rename), so two notebooks
started together build it once: the second waits for the first and then reads its file.

What the grid keeps and loses (see :mod:`ganbook.music.grid`): only chorales with exactly
four parts, wholly in 4/4, are kept; a pickup bar is shifted by its padding so bar lines
fall on multiples of 16 steps; tied notes are merged (``stripTies``) while repeated notes
keep their own onset; each chorale is transposed to C major or A minor by the smallest
shift; notes outside a voice's range are folded by octaves (the networks' pitch heads are
masked to those ranges), and the same grids without that fold are kept beside them as the
honest reference for voice-leading rules; fermatas, dynamics, lyrics and instrument names
are dropped (fermata positions are kept aside, for the text).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.files import atomic_write, cache_dir
from ..core.loop import check_positive
from .grid import (
    HIGHEST,
    LOWEST,
    STEPS_PER_BAR,
    STEPS_PER_QUARTER,
    VOICE_RANGES,
    check_grid,
    fold_into_range,
)

CACHE_VERSION = 3
TEST_FRACTION = 0.15
SPLIT_SEED = 0


@dataclass
class Chorales:
    """All kept chorales as grids, with their names, modes, split and corpus statistics.

    ``pitch[i]``/``onset[i]`` are ``(4, T_i)`` arrays; ``unfolded[i]`` is ``pitch[i]`` before
    the notes outside a voice's range were folded into it by octaves (notes outside the whole
    grid, C2..C6, are still folded into it); ``mode[i]`` is 0 for major, 1 for minor;
    ``shift[i]`` the semitones it was transposed by; ``fermatas[i]`` the soprano steps that
    carried a fermata; ``train[i]`` whether it belongs to the training split.
    """

    names: list[str]
    pitch: list[np.ndarray]
    onset: list[np.ndarray]
    unfolded: list[np.ndarray]
    mode: np.ndarray
    shift: np.ndarray
    train: np.ndarray
    fermatas: list[np.ndarray]
    stats: dict

    def __len__(self) -> int:
        return len(self.names)

    def split(self, part: str) -> list[int]:
        """Indices of the ``'train'`` or ``'test'`` chorales
        (the split is by chorale, never by window)."""
        if part not in ("train", "test"):
            raise ValueError(f"part must be 'train' or 'test', got {part!r}")
        return [i for i in range(len(self)) if bool(self.train[i]) == (part == "train")]

    def index(self, name: str) -> int:
        """Position of the chorale called ``name`` (e.g. ``'bach/bwv269'``)."""
        if name not in self.names:
            raise ValueError(f"name must be a kept chorale, got {name!r}")
        return self.names.index(name)


# -- parsing one chorale -----------------------------------------------------------------


def _transposition(key) -> int:
    """Smallest semitone shift taking ``key``'s tonic to C (major) or A (minor), in -6..5."""
    target = 0 if key.mode == "major" else 9
    shift = (target - key.tonic.pitchClass) % 12
    return shift - 12 if shift >= 6 else shift


def _all_four_four(score) -> bool:
    sigs = score.parts[0].recurse().getElementsByClass("TimeSignature")
    return len(sigs) > 0 and all(ts.ratioString == "4/4" for ts in sigs)


def parse_chorale(score) -> dict:
    """One music21 score (four parts, 4/4) -> grid arrays and facts about it."""
    from music21 import expressions

    key = score.analyze("key")
    shift = _transposition(key)
    first = score.parts[0].getElementsByClass("Measure").first()
    pad = float(first.paddingLeft) if first is not None else 0.0
    if first is not None and pad == 0.0 and first.duration.quarterLength < 4.0:
        pad = 4.0 - float(first.duration.quarterLength)  # pickup without padding information
    length_q = pad + float(score.parts[0].duration.quarterLength)
    steps = int(np.ceil(length_q * STEPS_PER_QUARTER / STEPS_PER_BAR)) * STEPS_PER_BAR
    pitch = np.zeros((4, steps), dtype=np.int16)
    unfolded = np.zeros((4, steps), dtype=np.int16)
    onset = np.zeros((4, steps), dtype=bool)
    fermatas, folded, total, repeats, chords = [], 0, 0, 0, 0
    for v, part in enumerate(score.parts):
        low, high = VOICE_RANGES[v]
        previous = None
        for n in part.stripTies().flatten().notes:
            if n.duration.quarterLength == 0:  # grace notes
                continue
            start = int(round((float(n.offset) + pad) * STEPS_PER_QUARTER))
            end = int(
                round((float(n.offset) + pad + float(n.duration.quarterLength)) * STEPS_PER_QUARTER)
            )
            end = max(end, start + 1)
            if start >= steps:
                continue
            if n.isChord:
                chords += 1
                midi = max(p.midi for p in n.pitches) if v < 2 else min(p.midi for p in n.pitches)
            else:
                midi = n.pitch.midi
            midi += shift
            moved = fold_into_range(midi, low, high)
            folded += moved != midi
            total += 1
            repeats += previous == moved
            previous = moved
            pitch[v, start:end] = moved
            unfolded[v, start:end] = fold_into_range(midi, LOWEST, HIGHEST)
            onset[v, start:end] = False
            onset[v, start] = True
            if v == 0 and any(isinstance(e, expressions.Fermata) for e in n.expressions):
                fermatas.append(start)
    return {
        "pitch": pitch,
        "onset": onset,
        "unfolded": unfolded,
        "mode": int(key.mode == "minor"),
        "shift": shift,
        "pickup": pad > 0,
        "fermatas": np.asarray(fermatas, dtype=np.int32),
        "notes": total,
        "folded": folded,
        "repeats": repeats,
        "chords": chords,
    }


def build_chorales(limit: int | None = None, progress: bool = False) -> Chorales:
    """Parse music21's chorales into :class:`Chorales` (about a minute for all 371)."""
    from music21 import corpus

    listed = list(corpus.chorales.Iterator(returnType="filename"))
    if limit is not None:
        listed = listed[:limit]
    # The Riemenschneider numbering lists a few chorales twice; the same file must not end up
    # in both splits, so duplicates are dropped (by name here, by content below).
    paths = list(dict.fromkeys(listed))
    stats = {
        "chorales": len(listed),
        "duplicate_names": len(listed) - len(paths),
        "duplicate_content": 0,
        "four_parts": 0,
        "four_four": 0,
        "pickup": 0,
        "notes": 0,
        "folded": 0,
        "repeats": 0,
        "chords": 0,
        "seconds": 0.0,
    }
    start = time.perf_counter()
    kept: list[tuple[str, dict]] = []
    iterator = paths
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(paths, desc="parsing chorales")
    for path in iterator:
        score = corpus.parse(path)
        if len(score.parts) != 4:
            continue
        stats["four_parts"] += 1
        if not _all_four_four(score):
            continue
        stats["four_four"] += 1
        facts = parse_chorale(score)
        if any(np.array_equal(facts["pitch"], f["pitch"]) for _, f in kept):
            stats["duplicate_content"] += 1
            continue
        for key in ("notes", "folded", "repeats", "chords"):
            stats[key] += facts[key]
        stats["pickup"] += int(facts["pickup"])
        kept.append((path, facts))
    stats["seconds"] = round(time.perf_counter() - start, 1)
    rng = np.random.default_rng(SPLIT_SEED)
    n_test = max(1, int(round(TEST_FRACTION * len(kept)))) if len(kept) > 1 else 0
    test = set(rng.permutation(len(kept))[:n_test].tolist())
    return Chorales(
        names=[p for p, _ in kept],
        pitch=[f["pitch"] for _, f in kept],
        onset=[f["onset"] for _, f in kept],
        unfolded=[f["unfolded"] for _, f in kept],
        mode=np.asarray([f["mode"] for _, f in kept], dtype=np.int64),
        shift=np.asarray([f["shift"] for _, f in kept], dtype=np.int64),
        train=np.asarray([i not in test for i in range(len(kept))], dtype=bool),
        fermatas=[f["fermatas"] for _, f in kept],
        stats=stats,
    )


# -- the cache ---------------------------------------------------------------------------


def cache_path(limit: int | None = None, directory: str | os.PathLike | None = None) -> Path:
    """The cache file for this :data:`CACHE_VERSION` (and ``limit``, for quick tests)."""
    suffix = "" if limit is None else f"_first{limit}"
    return (
        Path(directory) / "music" if directory else cache_dir("music")
    ) / f"chorales_v{CACHE_VERSION}{suffix}.npz"


def save_chorales(chorales: Chorales, path: str | os.PathLike) -> Path:
    """Write ``chorales`` to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths = np.asarray([p.shape[1] for p in chorales.pitch], dtype=np.int64)
    n_ferm = np.asarray([len(f) for f in chorales.fermatas], dtype=np.int64)
    meta = {"version": CACHE_VERSION, "names": chorales.names, "stats": chorales.stats}
    arrays = {
        "pitch": np.concatenate(chorales.pitch, axis=1)
        if len(chorales)
        else np.zeros((4, 0), np.int16),
        "onset": np.concatenate(chorales.onset, axis=1)
        if len(chorales)
        else np.zeros((4, 0), bool),
        "unfolded": np.concatenate(chorales.unfolded, axis=1)
        if len(chorales)
        else np.zeros((4, 0), np.int16),
        "lengths": lengths,
        "mode": chorales.mode,
        "shift": chorales.shift,
        "train": chorales.train,
        "fermatas": np.concatenate(chorales.fermatas) if len(chorales) else np.zeros(0, np.int32),
        "n_fermatas": n_ferm,
        "meta": np.asarray(json.dumps(meta)),
    }
    with atomic_write(path) as f:
        np.savez_compressed(f, **arrays)
    return path


def read_chorales(path: str | os.PathLike) -> Chorales:
    """Read a cache file; ``ValueError`` if it is from another :data:`CACHE_VERSION`."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta.get("version") != CACHE_VERSION:
            raise ValueError(
                f"cache {path} has version {meta.get('version')}, expected {CACHE_VERSION}"
            )
        cuts = np.cumsum(z["lengths"])[:-1]
        fcuts = np.cumsum(z["n_fermatas"])[:-1]
        chorales = Chorales(
            names=list(meta["names"]),
            pitch=np.split(z["pitch"], cuts, axis=1) if len(z["lengths"]) else [],
            onset=np.split(z["onset"], cuts, axis=1) if len(z["lengths"]) else [],
            unfolded=np.split(z["unfolded"], cuts, axis=1) if len(z["lengths"]) else [],
            mode=z["mode"],
            shift=z["shift"],
            train=z["train"],
            fermatas=np.split(z["fermatas"], fcuts) if len(z["n_fermatas"]) else [],
            stats=meta["stats"],
        )
    for p, o, u in zip(chorales.pitch, chorales.onset, chorales.unfolded):
        check_grid(p, o)
        check_grid(u, o)
    return chorales


def load_chorales(
    limit: int | None = None,
    directory: str | os.PathLike | None = None,
    rebuild: bool = False,
    progress: bool = True,
) -> Chorales:
    """The chorales from the cache, building it first if it is missing, stale or ``rebuild``.

    ``limit`` parses only the first ``limit`` chorale files (a separate cache file; for tests).
    Safe to call from several processes at once: the build happens under a file lock.
    """
    from filelock import FileLock

    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    path = cache_path(limit, directory)
    if not rebuild:
        try:
            return read_chorales(path)
        except (OSError, ValueError, KeyError):
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if not rebuild:  # another process may have built it while we waited for the lock
            try:
                return read_chorales(path)
            except (OSError, ValueError, KeyError):
                pass
        if progress:
            print(f"building the chorale cache at {path} (about a minute, once)")
        chorales = build_chorales(limit, progress=progress)
        save_chorales(chorales, path)
    return chorales


# -- training windows --------------------------------------------------------------------


@dataclass
class Windows:
    """Bar-aligned windows cut from chorales:
    ``pitch``/``onset`` ``(N, 4, T)``, ``mode`` and ``source`` ``(N,)``."""

    pitch: np.ndarray
    onset: np.ndarray
    mode: np.ndarray
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.pitch)

    def subset(self, index) -> "Windows":
        """The windows at ``index`` (any numpy index)."""
        return Windows(self.pitch[index], self.onset[index], self.mode[index], self.source[index])


def windows(
    chorales: Chorales,
    part: str = "train",
    bars: int = 4,
    hop_bars: int = 1,
    unfolded: bool = False,
) -> Windows:
    """Every ``bars``-bar window starting on a bar line, every ``hop_bars`` bars, from one split.

    Windows never straddle two chorales, and the split is by chorale, so no test window shares
    a note with a training window (Bach's re-harmonisations of the same tune aside).
    ``unfolded=True`` cuts the same windows from the grids before the octave fold into each
    voice's range: Bach's own voicing, the reference for spacing and range.
    """
    check_positive("bars", bars)
    check_positive("hop_bars", hop_bars)
    size, hop = bars * STEPS_PER_BAR, hop_bars * STEPS_PER_BAR
    pitch, onset, mode, source = [], [], [], []
    grids = chorales.unfolded if unfolded else chorales.pitch
    for i in chorales.split(part):
        p, o = grids[i], chorales.onset[i]
        for start in range(0, p.shape[1] - size + 1, hop):
            w = p[:, start : start + size]
            if (w > 0).mean() < 0.75:  # skip the silent tail after the final chord
                continue
            ow = o[:, start : start + size].copy()
            ow[:, 0] |= w[:, 0] > 0  # a note tied in from before the window starts fresh
            pitch.append(w)
            onset.append(ow)
            mode.append(chorales.mode[i])
            source.append(i)
    if not pitch:
        longest = max((chorales.pitch[i].shape[1] for i in chorales.split(part)), default=0)
        raise ValueError(
            f"bars={bars}: no window of that length in the {part!r} split (its longest "
            f"chorale has {longest // STEPS_PER_BAR} bars, and a window must be 75% sounding); "
            "ask for fewer bars"
        )
    return Windows(
        np.stack(pitch),
        np.stack(onset),
        np.asarray(mode, dtype=np.int64),
        np.asarray(source, dtype=np.int64),
    )


def make_sampler(data: Windows, condition: str | None = None):
    """``sample_real(batch_size)`` for the Trainer: encoded windows, with the condition if any.

    Indices come from :class:`ganbook.core.data.TensorSampler` (torch's global RNG, so resumes are
    exact); the one-hot encoding happens per batch, which keeps memory small.
    """
    import torch

    from ..core.data import TensorSampler
    from .grid import encode

    if condition not in (None, "mode", "soprano"):
        raise ValueError(f"condition must be None, 'mode' or 'soprano', got {condition!r}")
    indices = TensorSampler(torch.arange(len(data)))

    def sample_real(batch_size: int):
        idx = indices(batch_size).numpy()
        x = encode(data.pitch[idx], data.onset[idx])
        if condition == "mode":
            return x, torch.as_tensor(data.mode[idx])
        if condition == "soprano":
            return x, x[:, 0]
        return x

    return sample_real
