"""Each music metric on a hand-made example whose value we can work out by hand."""
import math

import numpy as np
import pytest

from ganbook.music import metrics as M


def block_chords(chords, steps_per_chord=4):
    """Grid (1, 4, T) of held chords; ``chords`` is a list of (S, A, T, B) MIDI pitches."""
    pitch = np.repeat(np.asarray(chords, dtype=np.int16).T, steps_per_chord, axis=1)
    onset = np.zeros_like(pitch, dtype=bool)
    onset[:, ::steps_per_chord] = True
    return pitch[None], onset[None]


C, F, G, AM = (72, 67, 64, 48), (72, 69, 65, 53), (71, 67, 62, 55), (72, 69, 64, 57)
PHRASE = [C, F, G, C] * 2  # two bars of quarter-note chords (4 steps each)


def test_used_pitch_classes_counts_per_bar():
    p, o = block_chords(PHRASE)
    # bar: C E G | C F A | B D G | C E G -> {C, D, E, F, G, A, B} = 7
    assert M.used_pitch_classes(p, o) == 7


def test_qualified_notes():
    p, o = block_chords(PHRASE)
    assert M.qualified_notes(p, o) == 1.0
    p, o = block_chords(PHRASE * 2, steps_per_chord=1)  # sixteenths: none are an eighth long
    assert M.qualified_notes(p, o) == 0.0


def test_scale_consistency():
    p, o = block_chords(PHRASE)
    assert M.scale_consistency(p, o) == 1.0
    p2 = p.copy()
    p2[0, 0, 0:4] = 73  # one C# among 32 notes
    assert M.scale_consistency(p2, o) == pytest.approx(31 / 32)


def test_pitch_class_entropy():
    p, o = block_chords([(72, 72, 60, 48)] * 8)
    assert M.pitch_class_entropy(p, o) == 0.0
    p, o = block_chords([(72, 67, 60, 43)] * 8)  # C and G, equally long
    assert M.pitch_class_entropy(p, o) == pytest.approx(1.0)


def test_groove_consistency():
    p, o = block_chords(PHRASE)
    assert M.groove_consistency(p, o) == 1.0
    o2 = o.copy()
    o2[0, 0, 16 + 2] = True  # one extra onset in bar 2 (splits a repeated note)
    assert M.groove_consistency(p, o2) == pytest.approx(1 - 1 / 16)


def test_consonance_on_beats():
    p, o = block_chords(PHRASE)
    assert M.consonance_on_beats(p, o) == 1.0
    p, o = block_chords([(72, 71, 65, 47)] * 8)  # C-B (7th), C-F, B-F (tritone), F-B...
    assert M.consonance_on_beats(p, o) < 0.5


def test_voice_crossing():
    p, o = block_chords(PHRASE)
    assert M.voice_crossing(p, o) == 0.0
    p, o = block_chords([(60, 67, 55, 48)] * 8)  # alto above soprano: 1 of 3 adjacent pairs
    assert M.voice_crossing(p, o) == pytest.approx(1 / 3)


def test_parallel_fifths_octaves():
    # bass and tenor a fifth apart, both step up: parallel fifths;
    # soprano and alto in contrary motion
    p, o = block_chords([(72, 64, 55, 48), (71, 65, 57, 50)] * 4)
    value = M.parallel_fifths_octaves(p, o)
    assert value > 0
    p, o = block_chords(PHRASE)
    assert M.parallel_fifths_octaves(p, o) == 0.0


def test_tonal_distance():
    p, o = block_chords([(72, 67, 64, 48)] * 8)  # soprano and bass both C
    assert M.tonal_distance(p, o) == pytest.approx(0.0)
    p2, o2 = block_chords([(73, 67, 64, 48)] * 8)  # C# against C
    assert M.tonal_distance(p2, o2) > 0.5


def test_diversity_and_copy_check():
    p, o = block_chords(PHRASE)
    same = np.repeat(p, 3, axis=0), np.repeat(o, 3, axis=0)
    assert M.grid_diversity(*same) == 0.0
    q, _ = block_chords([AM] * 8)
    # cells that agree with A minor (72, 69, 64, 57): soprano 3 of 4 chords, alto 1, tenor 2, bass 0
    assert M.grid_distance(p, q)[0, 0] == pytest.approx(1 - 6 / 16)
    assert M.nearest_training_distance(p, np.concatenate([q, p]))[0] == 0.0
    result = M.evaluate(*same, train_pitch=p)
    assert result["copies"] == 1.0


def test_baselines_and_table():
    rng = np.random.default_rng(0)
    p, o = block_chords(PHRASE)
    p, o = np.repeat(p, 5, axis=0), np.repeat(o, 5, axis=0)
    sp, so = M.shuffled_voices(p, o, rng)
    assert sp.shape == p.shape
    rp, ro = M.random_notes(4, 32, rng)
    assert rp.shape == (4, 4, 32) and (rp > 0).all()
    table = M.metrics_table({"a": M.evaluate(p, o), "b": M.evaluate(rp, ro)})
    assert table.count("\n") == 2 + len(M.METRICS) and "| diversity |" in table


def test_harmony_baselines_keep_the_soprano_and_replace_the_rest():
    rng = np.random.default_rng(0)
    p, o = block_chords(PHRASE)
    p, o = np.repeat(p, 6, axis=0), np.repeat(o, 6, axis=0)
    p[:, 1:] += np.arange(6)[:, None, None]  # tell the windows' lower voices apart
    bp, bo = M.borrowed_harmony(p, o, rng)
    assert np.array_equal(bp[:, 0], p[:, 0]) and np.array_equal(bo[:, 0], o[:, 0])
    assert sorted(map(tuple, bp[:, 1:, 0])) == sorted(map(tuple, p[:, 1:, 0]))  # a permutation
    rp, ro = M.random_harmony(p, o, rng)
    assert rp.shape == p.shape and np.array_equal(rp[:, 0], p[:, 0])
    assert np.array_equal(ro[:, 0], o[:, 0])
    assert not np.array_equal(rp[:, 1:], p[:, 1:])
    again = M.borrowed_harmony(p, o, np.random.default_rng(0))
    assert np.array_equal(again[0], bp)
    with pytest.raises(ValueError, match="shape"):
        M.random_harmony(p[:, :3], o[:, :3], rng)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="shape"):
        M.used_pitch_classes(np.zeros((2, 3, 16), dtype=int), np.zeros((2, 3, 16), dtype=bool))
    with pytest.raises(ValueError, match="multiple"):
        M.groove_consistency(np.zeros((1, 4, 10), dtype=int), np.zeros((1, 4, 10), dtype=bool))
    with pytest.raises(ValueError, match="two samples"):
        M.grid_diversity(*block_chords(PHRASE))
    with pytest.raises(ValueError, match="positive"):
        M.random_notes(0, 16, np.random.default_rng(0))


def test_rest_share():
    p, o = block_chords(PHRASE)
    assert M.rest_share(p, o) == 0.0
    p[0, 3, :8], o[0, 3, :8] = 0, False  # the bass rests for a quarter of the window
    assert M.rest_share(p, o) == pytest.approx(8 / (4 * 32))


def test_metrics_rows_turn_results_into_one_row_per_metric():
    rows = M.metrics_rows({"a": {"x": 1.0, "y": 2.0}, "b": {"x": 3.0}})
    assert rows["x"] == {"a": 1.0, "b": 3.0} and math.isnan(rows["y"]["b"])


def test_not_closer_names_the_metrics_where_a_baseline_is_as_close():
    real, gan, rand = {"a": 1.0, "b": 0.0}, {"a": 0.9, "b": 0.5}, {"a": 0.0, "b": 0.2}
    assert M.not_closer(gan, rand, real, ["a", "b"]) == ["b"]


def test_spacing_counts_wide_upper_pairs_and_a_wide_tenor_bass():
    p, o = block_chords(PHRASE)
    assert M.spacing(p, o) == 0.0
    # S-A 84-67 = 17 > 12 (wide); A-T 67-60 = 7; T-B 60-41 = 19 (a twelfth: allowed)
    p, o = block_chords([(84, 67, 60, 41)] * 8)
    assert M.spacing(p, o) == pytest.approx(1 / 3)
    p, o = block_chords([(84, 67, 60, 40)] * 8)  # T-B 20 semitones: beyond a twelfth
    assert M.spacing(p, o) == pytest.approx(2 / 3)


def test_wide_leaps_count_moves_beyond_a_fifth_over_all_voices():
    p, o = block_chords(PHRASE)
    # 8 chords, 7 changes: S moves 72->71->72 (2 of each 4), A 67->69->67, T and B likewise;
    # the widest move is the bass's 48->53->55->48 (7): a fifth, not beyond it
    assert M.wide_leaps(p, o) == 0.0
    p, o = block_chords([(72, 67, 64, 48), (72, 67, 64, 60)] * 4)  # the bass leaps octaves
    moves, wide = 7, 7
    assert M.wide_leaps(p, o) == pytest.approx(wide / moves)
    assert M.wide_leaps(p, o, limit=12) == 0.0
    assert "leaps > fifth" in M.evaluate(np.repeat(p, 2, 0), np.repeat(o, 2, 0))


def test_notes_per_bar_per_voice():
    p, o = block_chords(PHRASE)  # quarter-note chords: 4 onsets a bar in every voice
    assert [M.notes_per_bar(p, o, v) for v in range(4)] == [4, 4, 4, 4]
    p[0, 3] = 48  # the bass holds one C for both bars: one note, in bar 1
    o[0, 3] = False
    o[0, 3, 0] = True
    assert M.notes_per_bar(p, o, 3) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="voice"):
        M.notes_per_bar(p, o, 4)


def test_pitch_range_per_voice():
    p, o = block_chords(PHRASE)
    # soprano C5/B4 -> 1; alto G4..A4 -> 2; tenor D4..F4 -> 3; bass C3..G3 -> 7
    assert [M.pitch_range(p, o, v) for v in range(4)] == [1, 2, 3, 7]


def test_sixteenth_share():
    p, o = block_chords(PHRASE)
    assert M.sixteenth_share(p, o) == 0.0
    p, o = block_chords(PHRASE * 2, steps_per_chord=1)  # a chord every step
    assert M.sixteenth_share(p, o) == 1.0
    p, o = block_chords(PHRASE)
    assert "sixteenth notes" in M.evaluate(np.repeat(p, 2, 0), np.repeat(o, 2, 0))


def test_lower_voice_agreement_ignores_the_soprano():
    p, _ = block_chords(PHRASE)
    q = p.copy()
    q[:, 0] = 60  # another soprano: not counted
    assert M.lower_voice_agreement(q, p) == 1.0
    q[:, 3, :8] = 40  # the bass differs for a quarter of the window
    assert M.lower_voice_agreement(q, p) == pytest.approx(1 - 8 / (3 * 32))
    with pytest.raises(ValueError, match="shape"):
        M.lower_voice_agreement(p[:, :3], p[:, :3])


def test_minor_gap_separates_minor_from_major_and_ignores_leaning():
    a_minor, c_major = [57, 60, 64, 69], [60, 64, 67, 72]  # A C E A, C E G C
    windows = np.array([[[p] * 16 for p in chord] for chord in [a_minor, c_major] * 4])
    onset = np.zeros_like(windows)
    onset[..., 0] = 1
    followed = np.array([1, 0] * 4)
    gap, error = M.minor_gap(windows, onset, followed)
    assert gap > 0.5 and error == pytest.approx(0.0)
    assert M.minor_gap(windows, onset, 1 - followed)[0] == pytest.approx(-gap)
    leaning = np.array([[[p] * 16 for p in a_minor]] * 8)  # always minor
    assert M.minor_gap(leaning, onset, followed)[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="one entry per window"):
        M.minor_gap(windows, onset, followed[:3])
    with pytest.raises(ValueError, match="at least twice"):
        M.minor_gap(windows, onset, np.ones(8, dtype=int))
