"""Grid <-> MIDI round trip for a real chorale, audio synthesis, piano rolls."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from music21 import corpus as m21corpus

from ganbook.music.audio import SAMPLE_RATE, midi_to_hz, synthesize
from ganbook.music.corpus import parse_chorale
from ganbook.music.midi import read_midi, write_midi
from ganbook.music.plots import piano_roll, piano_rolls


@pytest.fixture(scope="module")
def chorale():
    facts = parse_chorale(m21corpus.parse("bach/bwv347"))
    return facts["pitch"], facts["onset"]


def test_real_chorale_round_trips_through_midi(chorale, tmp_path):
    pitch, onset = chorale
    assert onset.sum() < (pitch > 0).sum()  # there are held steps
    path = write_midi(pitch, onset, tmp_path / "bwv347.mid")
    back_pitch, back_onset = read_midi(path, steps=pitch.shape[1])
    assert (back_pitch == pitch).all()
    assert (back_onset == onset).all()


def test_read_midi_rejects_missing_file(tmp_path):
    with pytest.raises(ValueError, match="path"):
        read_midi(tmp_path / "nope.mid")


def test_synthesis_has_one_decaying_note_per_onset(chorale):
    pitch = np.zeros((4, 16), dtype=np.int16)
    onset = np.zeros((4, 16), dtype=bool)
    pitch[0, :16], onset[0, 0] = 69, True
    wave = synthesize(pitch, onset, tempo=60)
    assert np.abs(wave).max() <= 1.0
    step = int(SAMPLE_RATE * 0.25)
    assert np.abs(wave[:step]).max() > 2 * np.abs(wave[3 * step : 4 * step - 600]).max()  # decays
    assert midi_to_hz(69) == pytest.approx(440.0)
    full = synthesize(*chorale)
    assert len(full) > SAMPLE_RATE and np.isfinite(full).all()
    with pytest.raises(ValueError, match="tempo"):
        synthesize(pitch, onset, tempo=0)


def test_piano_rolls_draw(chorale):
    pitch, onset = chorale
    ax = piano_roll(pitch, onset, marks=[16])
    assert len(ax.patches) == sum(onset.sum(1))
    fig = piano_rolls(
        np.stack([pitch[:, :64]] * 3), np.stack([onset[:, :64]] * 3), titles=["a", "b", "c"]
    )
    assert len(fig.axes) == 4
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("tempo", [-60, 0, float("inf")])
def test_write_midi_refuses_a_tempo_that_is_not_positive(chorale, tmp_path, tempo):
    pitch, onset = chorale
    path = tmp_path / "out" / "x.mid"
    with pytest.raises(ValueError, match="tempo must be a positive finite number"):
        write_midi(pitch, onset, path, tempo=tempo)
    assert not path.exists()
