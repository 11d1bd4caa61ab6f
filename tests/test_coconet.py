"""The Coconet-style baseline: shapes, masks, training through the Loop, Gibbs sampling."""
import numpy as np
import pytest
import torch

from ganbook.music.coconet import (
    Coconet,
    CoconetTrainer,
    gibbs_sample,
    load_coconet,
    random_masks,
    score_nll,
)
from ganbook.music.grid import CHANNELS, VOICE_RANGES, check_grid, encode


def block_grids(n=8, steps=32):
    chord = np.array([72, 67, 64, 48])[:, None]
    pitch = np.repeat(np.repeat(chord, steps, 1)[None], n, 0).astype(np.int16)
    onset = np.zeros_like(pitch, dtype=bool)
    onset[..., ::4] = True
    return pitch, onset


def test_forward_shapes_and_voice_ranges():
    torch.manual_seed(0)
    model = Coconet(hidden=16, blocks=2)
    x = encode(*block_grids(2))
    pitch_logits, onset_logits = model(x, torch.ones(2, 4, 32))
    assert pitch_logits.shape == (2, 4, 32, CHANNELS - 1) and onset_logits.shape == (2, 4, 32)
    low, high = VOICE_RANGES[0]
    assert (pitch_logits[:, 0, :, high - 36 + 2 :] < -1e3).all()  # above the soprano's range
    with pytest.raises(ValueError, match="mask"):
        model(x, torch.ones(2, 4, 31))


def test_erased_cells_are_invisible():
    torch.manual_seed(0)
    model = Coconet(hidden=16, blocks=2)
    a = encode(*block_grids(1))
    b = a.clone()
    b[0, 1, 5] = torch.roll(b[0, 1, 5], 1)  # change one alto cell...
    mask = torch.zeros(1, 4, 32)
    mask[0, 1, 5] = 1.0  # ...that is erased: the network must not see the difference
    assert torch.equal(model(a, mask)[0], model(b, mask)[0])


def test_random_masks_cover_all_sizes():
    m = random_masks(500, 16, torch.Generator().manual_seed(0))
    share = m.mean((1, 2))
    assert m.shape == (500, 4, 16) and share.min() < 0.1 and share.max() > 0.9


def test_training_lowers_the_nll_and_sampling_gives_valid_grids():
    torch.manual_seed(0)
    pitch, onset = block_grids(16)
    model = Coconet(hidden=32, blocks=2)
    before = score_nll(model, pitch, onset)
    trainer = CoconetTrainer(model, encode(pitch, onset), batch_size=8, lr=3e-3)
    trainer.fit(60, progress=False)
    assert len(trainer.history["loss"]) == 60
    assert score_nll(model, pitch, onset) < 0.5 * before
    p, o = gibbs_sample(model, 4, bars=2, iterations=6)
    check_grid(p, o)
    assert p.shape == (4, 4, 32) and (p[:, 0] == 72).mean() > 0.8  # it learned the chord
    given = block_grids(4)
    given[0][:, 0] = 74  # a soprano it never saw: kept, never resampled
    hp, _ = gibbs_sample(model, 4, bars=2, iterations=4, given=given)
    assert (hp[:, 0] == 74).all()


def test_bad_input_raises():
    with pytest.raises(ValueError, match="hidden"):
        Coconet(hidden=0)
    with pytest.raises(ValueError, match="model"):
        CoconetTrainer(torch.nn.Linear(2, 2), encode(*block_grids(2)))
    with pytest.raises(ValueError, match="data"):
        CoconetTrainer(Coconet(hidden=8, blocks=1), torch.zeros(2, 4, 32))
    with pytest.raises(ValueError, match="p_min"):
        gibbs_sample(Coconet(hidden=8, blocks=1), 2, bars=1, p_min=0.0)
    with pytest.raises(ValueError, match="given"):
        gibbs_sample(Coconet(hidden=8, blocks=1), 3, bars=2, given=block_grids(2))


def test_shipped_weights_load():
    model, state = load_coconet()
    assert isinstance(model, Coconet) and state["step"] > 0 and not model.training
