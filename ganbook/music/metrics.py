"""Objective metrics for 4-voice grids, and the baselines they are read against.

Every metric takes a batch of grids ``pitch``/``onset`` of shape ``(N, 4, T)`` (see
:mod:`ganbook.music.grid`) and returns one number: the mean over the batch. None of them
says "this is good music"; each measures one property, and the point is to compare a model
with real held-out chorales (the target) and with baselines that are wrong in known ways:
voices shuffled across chorales (good melodies, no harmony) and random notes (nothing). For
harmonisation, the given soprano over another chorale's lower voices (:func:`borrowed_harmony`)
or over random notes (:func:`random_harmony`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .grid import (
    LEAP_LIMIT,
    PAIRS,
    SPACING_LIMITS,
    STEPS_PER_BAR,
    VOICE_RANGES,
    check_grid,
    notes,
    repair_onsets,
)

MAJOR = (0, 2, 4, 5, 7, 9, 11)
HARMONIC_MINOR = (0, 2, 3, 5, 7, 8, 11)
MELODIC_MINOR_UP = (0, 2, 3, 5, 7, 9, 11)
CONSONANT = {
    0,
    3,
    4,
    7,
    8,
    9,
}  # unison/octave, thirds, fifth, sixths; the fourth only between upper voices


def _batch(pitch: np.ndarray, onset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pitch, onset = np.asarray(pitch), np.asarray(onset, dtype=bool)
    if pitch.ndim == 2:
        pitch, onset = pitch[None], onset[None]
    check_grid(pitch, onset)
    if pitch.ndim != 3 or pitch.shape[-1] % STEPS_PER_BAR:
        raise ValueError(
            f"pitch must have shape (N, 4, T) with T a multiple of {STEPS_PER_BAR}, "
            f"got {pitch.shape}"
        )
    return pitch, repair_onsets(pitch, onset)


def _bars(a: np.ndarray) -> np.ndarray:
    """``(..., T)`` -> ``(..., bars, 16)``."""
    return a.reshape(*a.shape[:-1], a.shape[-1] // STEPS_PER_BAR, STEPS_PER_BAR)


def _chroma(pitch: np.ndarray) -> np.ndarray:
    """Duration-weighted pitch-class counts over the last axis: ``(..., T)`` -> ``(..., 12)``."""
    sounding = pitch > 0
    return np.stack([((pitch % 12 == k) & sounding).sum(-1) for k in range(12)], axis=-1).astype(
        float
    )


def used_pitch_classes(pitch: np.ndarray, onset: np.ndarray) -> float:
    """UPC: number of distinct pitch classes sounding in a bar (all voices), averaged over bars.

    Source: MuseGAN's "used pitch classes" (Dong et al., 2018). Real chorales use about five.
    """
    pitch, _ = _batch(pitch, onset)
    bars = _bars(pitch).transpose(0, 2, 1, 3).reshape(pitch.shape[0], -1, 4 * STEPS_PER_BAR)
    return float((_chroma(bars) > 0).sum(-1).mean())


def qualified_notes(pitch: np.ndarray, onset: np.ndarray, min_steps: int = 2) -> float:
    """QN: share of notes at least ``min_steps`` sixteenths long (default: an eighth note).

    Source: MuseGAN's "qualified note rate" (Dong et al., 2018), which counts notes of at
    least three time steps at its finer resolution; fragmented output scores low.
    """
    pitch, onset = _batch(pitch, onset)
    lengths = [
        length for p, o in zip(pitch, onset) for voice in notes(p, o) for _, length, _ in voice
    ]
    return float(np.mean(np.asarray(lengths) >= min_steps)) if lengths else 0.0


def scale_consistency(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of notes that belong to the best-fitting scale
    (major, harmonic or melodic minor, any key).

    Source: C-RNN-GAN (Mogren, 2016), "the fraction of tones that were part of a standard
    scale, reported for the best matching such scale"; computed per window, then averaged.
    """
    pitch, onset = _batch(pitch, onset)
    scales = [
        {(root + d) % 12 for d in scale}
        for root in range(12)
        for scale in (MAJOR, HARMONIC_MINOR, MELODIC_MINOR_UP)
    ]
    values = []
    for p, o in zip(pitch, onset):
        pcs = p[o] % 12
        if len(pcs) == 0:
            values.append(0.0)
            continue
        counts = np.bincount(pcs, minlength=12)
        values.append(max(counts[list(s)].sum() for s in scales) / len(pcs))
    return float(np.mean(values))


def rest_share(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of (voice, step) cells that are rests.

    Not from the literature, but worth watching: chorale voices almost never rest mid-phrase,
    and a generator can hide from every pitch metric by staying silent.
    """
    pitch, _ = _batch(pitch, onset)
    return float((pitch == 0).mean())


def pitch_class_entropy(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Entropy (bits) of the duration-weighted 12-bin pitch-class histogram of each window.

    Source: Wu & Yang (2020), "The Jazz Transformer on the front line" (MusDr metrics). Low
    means a clear tonality; uniform random pitches approach log2(12) = 3.58 bits.
    """
    pitch, _ = _batch(pitch, onset)
    h = _chroma(pitch.reshape(pitch.shape[0], -1))
    p = h / np.maximum(h.sum(-1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(p > 0, p * np.log2(p), 0.0).sum(-1)
    return float(ent.mean())


def groove_consistency(pitch: np.ndarray, onset: np.ndarray) -> float:
    """1 - mean Hamming distance (as a share of 16 steps) between adjacent bars' onset patterns.

    Source: Wu & Yang (2020), "grooving pattern similarity": a bar's groove is the binary
    vector of steps where any voice starts a note. Real chorales repeat their rhythm a lot.
    """
    pitch, onset = _batch(pitch, onset)
    groove = _bars(onset.any(1))  # (N, bars, 16)
    if groove.shape[1] < 2:
        raise ValueError("groove consistency needs windows of at least two bars")
    return float(1.0 - (groove[:, 1:] != groove[:, :-1]).mean())


def consonance_on_beats(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of consonant intervals between sounding voice pairs on the beats (every 4th step).

    Consonant: unison/octave, thirds, perfect fifth, sixths (interval mod 12 in 0, 3, 4, 7, 8,
    9); the perfect fourth counts as consonant only between two upper voices, not against the
    bass. Source: the rules of first-species counterpoint (Fux, 1725), as used for chorales.
    """
    pitch, _ = _batch(pitch, onset)
    beats = pitch[..., ::4]
    good, total = 0, 0
    for i, j in PAIRS:
        both = (beats[:, i] > 0) & (beats[:, j] > 0)
        interval = np.abs(beats[:, i] - beats[:, j]) % 12
        ok = np.isin(interval, list(CONSONANT)) | ((interval == 5) & (j != 3))
        good += (ok & both).sum()
        total += both.sum()
    return float(good / max(total, 1))


def voice_crossing(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of (adjacent voice pair, step) where the lower voice sounds above the upper one.

    Source: the voice-leading rules of four-part harmony (S >= A >= T >= B); Bach crosses
    voices rarely, a model that ignores voices crosses them often.
    """
    pitch, _ = _batch(pitch, onset)
    crossed, total = 0, 0
    for v in range(3):
        both = (pitch[:, v] > 0) & (pitch[:, v + 1] > 0)
        crossed += (both & (pitch[:, v + 1] > pitch[:, v])).sum()
        total += both.sum()
    return float(crossed / max(total, 1))


def parallel_fifths_octaves(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of simultaneous moves of two voices that are parallel fifths or octaves.

    A move: both voices of a pair change pitch from one step to the next (both sounding).
    It is parallel when the interval (mod 12) is a perfect fifth (7) or an octave/unison (0)
    before and after and the voices move in the same direction. Source: the classical rule
    against parallel perfect consonances (Fux, 1725), the rule Bach's chorales are famous for
    keeping (and DeepBach's evaluation, Hadjeres et al., 2017, discusses).
    """
    pitch, _ = _batch(pitch, onset)
    a, b = pitch[..., :-1], pitch[..., 1:]
    parallel, moves = 0, 0
    for i, j in PAIRS:
        sound = (a[:, i] > 0) & (a[:, j] > 0) & (b[:, i] > 0) & (b[:, j] > 0)
        move = sound & (a[:, i] != b[:, i]) & (a[:, j] != b[:, j])
        before = (a[:, i] - a[:, j]) % 12
        after = (b[:, i] - b[:, j]) % 12
        same_dir = np.sign(b[:, i] - a[:, i]) == np.sign(b[:, j] - a[:, j])
        perfect = ((before == 7) & (after == 7)) | ((before == 0) & (after == 0))
        parallel += (move & same_dir & perfect).sum()
        moves += move.sum()
    return float(parallel / max(moves, 1))


def spacing(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of (adjacent voice pair, step) whose voices are spaced too widely.

    Too wide: soprano-alto or alto-tenor more than an octave (12 semitones) apart, tenor-bass
    more than a twelfth (19): :data:`ganbook.music.grid.SPACING_LIMITS`. Counted where both
    voices sound, over the three pairs as in :func:`voice_crossing`. Source: the spacing rule
    of four-part harmony textbooks (e.g. Piston, *Harmony*, 1941); Bach keeps it in about 98
    steps of 100.
    """
    pitch, _ = _batch(pitch, onset)
    wide, total = 0, 0
    for v, limit in enumerate(SPACING_LIMITS):
        both = (pitch[:, v] > 0) & (pitch[:, v + 1] > 0)
        wide += (both & (pitch[:, v] - pitch[:, v + 1] > limit)).sum()
        total += both.sum()
    return float(wide / max(total, 1))


def wide_leaps(pitch: np.ndarray, onset: np.ndarray, limit: int = LEAP_LIMIT) -> float:
    """Share of melodic moves wider than ``limit`` semitones (default a fifth), over all voices.

    A move: a voice sounds a new pitch right after sounding another. Bach's voices move mostly
    by step and leap beyond a fifth in about 3 moves of 100; a generator whose voices leap
    more also ranges wider in a window (:func:`pitch_range`). Source: the melodic rules of
    four-part writing (e.g. Piston, *Harmony*, 1941), read as Yang & Lerch's (2020)
    pitch-interval histogram beyond ``limit``.
    """
    pitch, _ = _batch(pitch, onset)
    before, after = pitch[..., :-1], pitch[..., 1:]
    moves = (before > 0) & (after > 0) & (before != after)
    wide = moves & (np.abs(after.astype(int) - before) > limit)
    return float(wide.sum() / max(moves.sum(), 1))


def notes_per_bar(pitch: np.ndarray, onset: np.ndarray, voice: int = 3) -> float:
    """Number of notes starting in a bar of ``voice`` (0 soprano ... 3 bass), averaged over bars.

    Source: the "note count" per bar of Yang & Lerch (2020), "On the evaluation of generative
    models in music", per voice: a walking bass has more notes than a bass that holds.
    """
    pitch, onset = _batch(pitch, onset)
    _check_voice(voice)
    return float(_bars(onset[:, voice]).sum(-1).mean())


def pitch_range(pitch: np.ndarray, onset: np.ndarray, voice: int = 0) -> float:
    """Semitones between the highest and the lowest note of ``voice`` in a window, averaged.

    Source: the "pitch range" of Yang & Lerch (2020), per voice and window; windows where
    the voice only rests are skipped.
    """
    pitch, _ = _batch(pitch, onset)
    _check_voice(voice)
    p = pitch[:, voice].astype(float)
    sounding = p > 0
    keep = sounding.any(-1)
    if not keep.any():
        return float("nan")
    high = np.where(sounding, p, -np.inf).max(-1)
    low = np.where(sounding, p, np.inf).min(-1)
    return float((high - low)[keep].mean())


def sixteenth_share(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Share of notes exactly one sixteenth (one grid step) long.

    The grid's step is a sixteenth, so these notes exist in the data (about 3% of Bach's,
    mostly passing tones); a generator that writes eighths scores 0 by construction. Source:
    the note-length histogram of Yang & Lerch (2020), read at its shortest bin.
    """
    pitch, onset = _batch(pitch, onset)
    lengths = [
        length for p, o in zip(pitch, onset) for voice in notes(p, o) for _, length, _ in voice
    ]
    return float(np.mean(np.asarray(lengths) == 1)) if lengths else 0.0


def _check_voice(voice: int) -> None:
    if voice not in (0, 1, 2, 3):
        raise ValueError(f"voice must be 0 (soprano), 1, 2 or 3 (bass), got {voice!r}")


def _tonal_centroid(chroma: np.ndarray) -> np.ndarray:
    """Harte et al. (2006): project a (normalised) chroma onto three circles -> 6-D centroid."""
    k = np.arange(12)
    phi = np.stack(
        [
            np.sin(k * 7 * np.pi / 6),
            np.cos(k * 7 * np.pi / 6),
            np.sin(k * 3 * np.pi / 2),
            np.cos(k * 3 * np.pi / 2),
            0.5 * np.sin(k * 2 * np.pi / 3),
            0.5 * np.cos(k * 2 * np.pi / 3),
        ]
    )
    norm = np.maximum(np.abs(chroma).sum(-1, keepdims=True), 1e-9)
    return (chroma / norm) @ phi.T


def tonal_distance(pitch: np.ndarray, onset: np.ndarray) -> float:
    """TD: distance between the soprano's and the bass's tonal centroids, per bar, averaged.

    Source: MuseGAN (Dong et al., 2018), using the 6-D tonal centroid of Harte et al. (2006);
    small when the two voices imply the same harmony. Bars where either voice rests are skipped.
    """
    pitch, _ = _batch(pitch, onset)
    soprano, bass = _chroma(_bars(pitch[:, 0])), _chroma(_bars(pitch[:, 3]))
    keep = (soprano.sum(-1) > 0) & (bass.sum(-1) > 0)
    d = np.linalg.norm(_tonal_centroid(soprano) - _tonal_centroid(bass), axis=-1)
    return float(d[keep].mean()) if keep.any() else float("nan")


def grid_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise distances between grids ``(N, 4, T)`` and ``(M, 4, T)``: share of cells that differ.

    A cell is one voice at one step; two cells agree when they sound the same pitch (or both
    rest). Returns ``(N, M)``; 0 means identical, about 0.95 for unrelated chorales.
    """
    a, b = np.asarray(a).reshape(len(a), -1), np.asarray(b).reshape(len(b), -1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a and b must have grids of the same size, got {a.shape[1]} and {b.shape[1]} cells"
        )
    out = np.empty((len(a), len(b)))
    for start in range(0, len(a), 64):  # chunks keep memory at 64 x M x cells
        out[start : start + 64] = (a[start : start + 64, None, :] != b[None, :, :]).mean(-1)
    return out


def grid_diversity(pitch: np.ndarray, onset: np.ndarray) -> float:
    """Mean pairwise :func:`grid_distance` between the samples: 0 for a collapsed generator.

    Source: the usual sample-diversity check for GANs (cf. the mode-collapse discussion of
    Salimans et al., 2016), here on the note grid.
    """
    pitch, _ = _batch(pitch, onset)
    if len(pitch) < 2:
        raise ValueError("grid_diversity needs at least two samples")
    d = grid_distance(pitch, pitch)
    return float(d[np.triu_indices(len(pitch), 1)].mean())


def nearest_training_distance(pitch: np.ndarray, train_pitch: np.ndarray) -> np.ndarray:
    """Copy check: for each sample, the :func:`grid_distance` to its closest training window.

    Near 0 means the sample reproduces a training window. Read it against held-out real
    chorales, whose nearest training window is the honest floor (Bach reharmonised the same
    tunes, so some held-out windows are close to training ones).
    """
    return grid_distance(np.asarray(pitch), np.asarray(train_pitch)).min(1)


PITCH_METRICS = {
    "used pitch classes / bar": used_pitch_classes,
    "scale consistency": scale_consistency,
    "pitch-class entropy (bits)": pitch_class_entropy,
    "consonance on beats": consonance_on_beats,
    "tonal distance S-B": tonal_distance,
}
VOICE_LEADING_METRICS = {
    "voice crossing": voice_crossing,
    "wide spacing": spacing,
    "parallel 5ths/8ves": parallel_fifths_octaves,
    "leaps > fifth": wide_leaps,
}
RHYTHM_METRICS = {
    "notes >= eighth": qualified_notes,
    "sixteenth notes": sixteenth_share,
    "groove consistency": groove_consistency,
    "rests": rest_share,
}
# Per voice (S, A, T, B): how busy each voice is and how far it ranges in a window.
VOICE_METRICS = {
    **{f"notes / bar {v}": partial(notes_per_bar, voice=k) for k, v in enumerate("SATB")},
    **{f"range {v} (semitones)": partial(pitch_range, voice=k) for k, v in enumerate("SATB")},
}
METRICS = {**PITCH_METRICS, **VOICE_LEADING_METRICS, **RHYTHM_METRICS, **VOICE_METRICS}


def evaluate(
    pitch: np.ndarray,
    onset: np.ndarray,
    train_pitch: np.ndarray | None = None,
    copy_threshold: float = 0.1,
) -> dict[str, float]:
    """All metrics for one set of grids, plus diversity and (with ``train_pitch``) the copy check.

    ``copies`` is the share of samples whose nearest training window differs in fewer than
    ``copy_threshold`` of its cells.
    """
    pitch, onset = _batch(pitch, onset)
    out = {name: fn(pitch, onset) for name, fn in METRICS.items()}
    out["diversity"] = grid_diversity(pitch, onset)
    if train_pitch is not None:
        nearest = nearest_training_distance(pitch, train_pitch)
        out["nearest train distance"] = float(nearest.mean())
        out["copies"] = float((nearest < copy_threshold).mean())
    return out


def lower_voice_agreement(pitch: np.ndarray, reference: np.ndarray) -> float:
    """Share of alto, tenor and bass cells (voice, step) sounding the same pitch as ``reference``.

    For harmonisations of the same sopranos: 1 means Bach's own lower voices, note for note.
    Many harmonisations of one tune are good, so this is a floor-free similarity, not a score
    to maximise; read it beside :func:`borrowed_harmony` (another chorale's lower voices).
    Source: the note-level agreement reported for chorale harmonisation by Hadjeres et al.
    (2017) and Huang et al. (2017).
    """
    pitch, reference = np.asarray(pitch), np.asarray(reference)
    if pitch.shape != reference.shape or pitch.ndim != 3 or pitch.shape[1] != 4:
        raise ValueError(
            f"pitch and reference must both have shape (N, 4, T), got {pitch.shape} "
            f"and {reference.shape}"
        )
    return float((pitch[:, 1:] == reference[:, 1:]).mean())


# -- baselines ---------------------------------------------------------------------------


def shuffled_voices(
    pitch: np.ndarray, onset: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each voice taken from a different, random window: real melodies, no shared harmony."""
    pitch, onset = _batch(pitch, onset)
    n = len(pitch)
    idx = np.stack([rng.permutation(n) for _ in range(4)], axis=1)  # (N, 4)
    voices = np.arange(4)[None, :]
    return pitch[idx, voices], onset[idx, voices]


def random_notes(n: int, steps: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random notes: lengths of 1, 2, 4 or 8 sixteenths, pitches uniform in each voice's range."""
    if n <= 0 or steps <= 0:
        raise ValueError(f"n and steps must be positive, got {n!r} and {steps!r}")
    pitch = np.zeros((n, 4, steps), dtype=np.int16)
    onset = np.zeros((n, 4, steps), dtype=bool)
    for i in range(n):
        for v, (low, high) in enumerate(VOICE_RANGES):
            t = 0
            while t < steps:
                length = int(rng.choice([1, 2, 4, 8]))
                pitch[i, v, t : t + length] = rng.integers(low, high + 1)
                onset[i, v, t] = True
                t += length
    return pitch, onset


def borrowed_harmony(
    pitch: np.ndarray, onset: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each window's soprano over the alto, tenor and bass of another, random window.

    Real lower voices with a real harmony among them that ignores the tune: a harmoniser of
    these sopranos should fit them better than this.
    """
    pitch, onset = _batch(pitch, onset)
    other = rng.permutation(len(pitch))
    return (
        np.concatenate([pitch[:, :1], pitch[other, 1:]], axis=1),
        np.concatenate([onset[:, :1], onset[other, 1:]], axis=1),
    )


def random_harmony(
    pitch: np.ndarray, onset: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Each window's soprano over :func:`random_notes` in the lower voices: harmony of nothing."""
    pitch, onset = _batch(pitch, onset)
    rand_pitch, rand_onset = random_notes(len(pitch), pitch.shape[-1], rng)
    rand_pitch[:, 0], rand_onset[:, 0] = pitch[:, 0], onset[:, 0]
    return rand_pitch, rand_onset


def not_closer(
    candidate: dict[str, float],
    baseline: dict[str, float],
    reference: dict[str, float],
    metrics: list[str],
) -> list[str]:
    """The ``metrics`` on which ``candidate`` is not strictly closer to ``reference`` than
    ``baseline`` is (an empty list: it beats the baseline everywhere)."""
    return [
        m for m in metrics if not abs(candidate[m] - reference[m]) < abs(baseline[m] - reference[m])
    ]


def metrics_rows(results: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """``results`` turned for :func:`~ganbook.pages.tables.show_table`: one row per metric,
    one column per model/baseline (the notebooks' result tables)."""
    if not results:
        raise ValueError("results must name at least one set of samples")
    metrics = list(next(iter(results.values())))
    return {m: {name: r.get(m, float("nan")) for name, r in results.items()} for m in metrics}


def metrics_table(results: dict[str, dict[str, float]], digits: int = 3) -> str:
    """The same as plain Markdown text, for scripts that print (``bench/``)."""
    if not results:
        raise ValueError("results must name at least one set of samples")
    names = list(results)
    rows = [k for k in next(iter(results.values()))]
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for r in rows:
        lines.append(
            f"| {r} | "
            + " | ".join(f"{results[n].get(r, float('nan')):.{digits}f}" for n in names)
            + " |"
        )
    return "\n".join(lines)


# Krumhansl & Kessler (1982) key profiles, as tabulated in Krumhansl (1990),
# rotated to C major / A minor.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.roll(
    np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]), 9
)


def minor_score(pitch: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """Per window: correlation of its pitch-class histogram with A minor minus that with C major.

    Positive means "sounds like A minor", negative "like C major" (the Krumhansl-Schmuckler key
    finding idea, restricted to the two keys every chorale was transposed to).
    """
    pitch, _ = _batch(pitch, onset)
    chroma = _chroma(pitch.reshape(len(pitch), -1))

    def corr(profile):
        a = chroma - chroma.mean(-1, keepdims=True)
        b = profile - profile.mean()
        return (a @ b) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b), 1e-9)

    return corr(MINOR_PROFILE) - corr(MAJOR_PROFILE)


def minor_gap(pitch: np.ndarray, onset: np.ndarray, mode: np.ndarray) -> tuple[float, float]:
    """Mean :func:`minor_score` of the windows asked for minor (``mode`` 1) minus that of those
    asked for major (0), and its standard error. Unlike :func:`mode_accuracy` it does not reward
    leaning to one mode: a generator that ignores the request scores 0 up to noise."""
    mode = np.asarray(mode)
    score = minor_score(pitch, onset)
    if len(mode) != len(score):
        raise ValueError(f"mode must have one entry per window ({len(score)}), got {len(mode)}")
    minor, major = score[mode == 1], score[mode == 0]
    if len(minor) < 2 or len(major) < 2:
        raise ValueError("mode must ask for each of major (0) and minor (1) at least twice")
    error = np.sqrt(minor.var(ddof=1) / len(minor) + major.var(ddof=1) / len(major))
    return float(minor.mean() - major.mean()), float(error)


def mode_accuracy(pitch: np.ndarray, onset: np.ndarray, mode: np.ndarray) -> float:
    """Share of windows whose :func:`minor_score` agrees with ``mode`` (0 major, 1 minor)."""
    mode = np.asarray(mode)
    if len(mode) != len(np.asarray(pitch).reshape(-1, 4, np.asarray(pitch).shape[-1])):
        raise ValueError("mode must have one entry per window")
    return float(((minor_score(pitch, onset) > 0) == (mode == 1)).mean())
