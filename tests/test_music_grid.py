"""The chorale grid: encoding, decoding, onsets and notes."""

import numpy as np
import pytest

from ganbook.music.grid import (
    CHANNELS,
    check_grid,
    decode,
    encode,
    fold_into_range,
    notes,
    repair_onsets,
)


def tiny_grid():
    """One bar: soprano C5 half note, then two repeated quarter-note D5s; other voices hold a
    chord."""
    pitch = np.zeros((4, 16), dtype=np.int16)
    onset = np.zeros((4, 16), dtype=bool)
    pitch[0, :8], pitch[0, 8:] = 72, 74
    onset[0, [0, 8, 12]] = True
    for v, p in zip((1, 2, 3), (67, 64, 48)):
        pitch[v] = p
        onset[v, 0] = True
    return pitch, onset


def test_notes_keep_repeated_notes_apart():
    pitch, onset = tiny_grid()
    assert notes(pitch, onset)[0] == [(0, 8, 72), (8, 4, 74), (12, 4, 74)]
    assert notes(pitch, onset)[3] == [(0, 16, 48)]


def test_encode_decode_round_trip():
    pitch, onset = tiny_grid()
    x = encode(pitch[None], onset[None])
    assert x.shape == (1, 4, 16, CHANNELS)
    assert np.allclose(x[..., :-1].sum(-1).numpy(), 1.0)
    p2, o2 = decode(x)
    assert (p2[0] == pitch).all() and (o2[0] == onset).all()


def test_repair_onsets_adds_missing_starts_and_clears_rests():
    pitch = np.array([[60, 60, 62, 0, 0, 64]] * 4)
    onset = np.array([[False, False, False, True, False, False]] * 4)
    fixed = repair_onsets(pitch, onset)
    assert fixed[0].tolist() == [True, False, True, False, False, True]


def test_fold_into_range():
    assert fold_into_range(84, 60, 81) == 72
    assert fold_into_range(40, 47, 71) == 52
    with pytest.raises(ValueError, match="octave"):
        fold_into_range(60, 60, 65)


def test_bad_grids_raise():
    pitch, onset = tiny_grid()
    with pytest.raises(ValueError, match="shape"):
        check_grid(pitch[:3], onset[:3])
    bad = onset.copy()
    bad[0, 0] = True
    p = pitch.copy()
    p[0, 0] = 0
    with pytest.raises(ValueError, match="rest"):
        check_grid(p, bad)
    with pytest.raises(ValueError, match="channels"):
        decode(encode(pitch[None], onset[None])[..., :5])


def test_bad_pitches_and_onsets_are_refused():
    pitch, onset = tiny_grid()
    low = pitch.copy()
    low[1, 0] = -5  # used to become a rest
    with pytest.raises(ValueError, match=r"pitch must be 0 \(rest\) or MIDI 36\.\.84, got -5"):
        encode(low, onset)
    fractional = pitch.astype(float)
    fractional[1, 0] = 60.7  # used to become 60
    with pytest.raises(ValueError, match="pitch must hold whole MIDI numbers, got 60.7"):
        encode(fractional, onset)
    whole = pitch.astype(float)  # floats that are whole numbers are fine
    assert (encode(whole, onset) == encode(pitch, onset)).all()
    with pytest.raises(TypeError, match="onset must be a boolean array.*got float64"):
        check_grid(pitch, onset.astype(float))
    with pytest.raises(ValueError, match="onset must hold only 0/1"):
        check_grid(pitch, onset.astype(int) * 2)
