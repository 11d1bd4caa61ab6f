"""Line-by-line decoding of the chorale generators (ganbook.music.decoding)."""

import numpy as np
import pytest
import torch

from ganbook import seed_everything
from ganbook.music import metrics as M
from ganbook.music.decoding import (
    best_line,
    decode_lines,
    move_costs,
    sample_lines,
    voicing_costs,
)
from ganbook.music.grid import CHANNELS
from ganbook.music.training import load_chorale_generator, sample_grids


@pytest.mark.parametrize("name", ["music_chorale_gan", "music_chorale_voiced"])
def test_without_costs_it_picks_what_forward_picks(name):
    G = load_chorale_generator(name)[0].eval()
    seed_everything(0)
    z = torch.randn(32, G.latent_dim)
    with torch.no_grad():
        assert torch.equal(decode_lines(G, z, leap_cost=0.0, step_cost=0.0, spacing_cost=0.0), G(z))


def test_under_a_given_soprano_it_keeps_the_tune_and_without_costs_writes_what_forward_does():
    G = load_chorale_generator("music_chorale_soprano")[0].eval()
    seed_everything(0)
    tune = G(torch.randn(8, G.latent_dim), torch.zeros(8, G.steps, CHANNELS))[:, 1]  # any line
    z = torch.randn(8, G.latent_dim)
    with torch.no_grad():
        assert torch.equal(decode_lines(G, z, tune, 0.0, 0.0, 0.0), G(z, tune))
    assert torch.equal(decode_lines(G, z, tune)[:, 0], tune)


def test_the_best_line_avoids_a_leap_only_when_it_costs():
    logits = torch.full((1, 3, 20), -5.0)
    logits[0, 0, 1] = logits[0, 2, 1] = 1.0  # pitch index 1 at the start and the end
    logits[0, 1, 15] = 1.0  # a leap of 14 semitones scores best in the middle
    logits[0, 1, 2] = 0.5  # a step scores nearly as well
    free = best_line(logits, move_costs(20, 0.0, 0.0)).argmax(-1)
    costly = best_line(logits, move_costs(20, 0.5, 0.0)).argmax(-1)
    assert free.tolist() == [[1, 15, 1]] and costly.tolist() == [[1, 2, 1]]


def test_a_rest_stays_where_the_generator_put_it_and_is_no_way_round_a_leap():
    logits = torch.full((1, 4, 20), -5.0)
    logits[0, 0, 1] = logits[0, 3, 1] = 1.0
    logits[0, 1, 0] = 2.0  # a rest
    logits[0, 2, 15] = 1.0  # then a leap of 14 semitones, up from the note before the rest
    logits[0, 2, 3] = 0.5
    line = best_line(logits, move_costs(20, 0.5, 0.0)).argmax(-1)
    assert line.tolist() == [[1, 0, 3, 1]]


def test_a_lower_voice_pays_for_crossing_or_spreading_from_the_line_above():
    upper = torch.zeros(1, 2, 30)
    upper[0, 0, 20] = 1.0  # a note, then a rest
    upper[0, 1, 0] = 1.0
    costs = voicing_costs(upper, 1, 0.5)  # the alto, at most an octave below
    assert costs[0, 0, 20] == 0 and costs[0, 0, 8] == 0 and costs[0, 0, 7] == 0.5
    assert costs[0, 0, 22] == 1.0 and costs[0, 0, 0] == 0 and costs[0, 1].eq(0).all()
    with pytest.raises(ValueError, match="spacing_cost must be a number >= 0"):
        voicing_costs(upper, 1, -0.5)
    with pytest.raises(ValueError, match="voice must be 1, 2 or 3"):
        voicing_costs(upper, 0, 0.5)


def test_bad_costs_and_shapes_are_named():
    costs = move_costs(30, 1.0, 0.5)
    assert costs[0].eq(0).all() and costs[:, 0].eq(0).all() and costs[5, 5] == 0
    assert costs[1, 9] == 1.0 * (8 - 7) + 0.5 * (8 - 2)  # an octave minus one: a minor sixth
    with pytest.raises(ValueError, match="leap_cost must be a number >= 0"):
        move_costs(30, -1.0, 0.0)
    with pytest.raises(ValueError, match="logits must be"):
        best_line(torch.zeros(3, 4), costs)


def test_decoding_cuts_the_voice_led_gans_leaps_and_keeps_its_voicing():
    G = load_chorale_generator("music_chorale_voiced")[0]
    seed_everything(1)
    z = torch.randn(128, G.latent_dim)
    plain = M.evaluate(*sample_grids(G, 128, z=z))
    lines = M.evaluate(*sample_lines(G, 128, z=z))
    assert lines["leaps > fifth"] < plain["leaps > fifth"] / 3, (lines, plain)
    ranges = [f"range {v} (semitones)" for v in "SATB"]
    assert np.mean([lines[k] for k in ranges]) < np.mean([plain[k] for k in ranges]) - 1
    for rule in ("voice crossing", "wide spacing"):  # the voicing costs keep voices apart
        assert lines[rule] <= plain[rule], (rule, lines[rule], plain[rule])
    assert abs(lines["rests"] - plain["rests"]) < 0.01  # and are no reason to fall silent
    assert lines["consonance on beats"] > plain["consonance on beats"] - 0.03  # it costs a little
