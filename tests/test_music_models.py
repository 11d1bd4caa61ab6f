"""The chorale GAN: shapes, valid one-hot grids, straight-through gradients, conditions,
training."""

import numpy as np
import pytest
import torch

import ganbook.core.checkpoint
from ganbook.music import training
from ganbook.music.corpus import Windows, make_sampler
from ganbook.music.grid import (
    CHANNELS,
    LOWEST,
    VOICE_RANGES,
    check_grid,
    decode,
    encode,
    repair_onsets,
)
from ganbook.music.models import (
    ChoraleCritic,
    ChoraleGenerator,
    interval_classes,
    pitch_classes,
    straight_through_gumbel,
    tie_onsets,
)


def fake_windows(n=16, seed=0):
    rng = np.random.default_rng(seed)
    pitch = np.zeros((n, 4, 64), dtype=np.int16)
    onset = np.zeros((n, 4, 64), dtype=bool)
    for v, (low, high) in enumerate(VOICE_RANGES):
        pitch[:, v] = np.repeat(rng.integers(low, high + 1, size=(n, 16)), 4, axis=1)
        onset[:, v, ::4] = True
    return Windows(pitch, onset, rng.integers(0, 2, n), np.zeros(n, dtype=np.int64))


def held_chords(*chords):
    """One window ``(1, 4, T, CHANNELS)`` of (S, A, T, B) chords held 8 steps each, every step
    an onset, with a gradient: what the generator's penalty terms read."""
    pitch = np.repeat(np.asarray(chords, dtype=np.int16).T[None], 8, 2)
    return encode(pitch, np.ones_like(pitch, dtype=bool)).requires_grad_()


@pytest.mark.parametrize("train_mode", [True, False])
def test_generator_writes_valid_grids_in_range(train_mode):
    torch.manual_seed(0)
    G = ChoraleGenerator(hidden=16, gumbel=True).train(train_mode)
    x = G(torch.randn(4, G.latent_dim))
    assert x.shape == (4, 4, 64, CHANNELS)
    assert torch.allclose(x[..., :-1].sum(-1), torch.ones(4, 4, 64))
    pitch, onset = decode(x)
    check_grid(pitch, onset)
    assert (repair_onsets(pitch, onset) == (x[..., -1].detach().numpy() > 0.5)).all(), (
        "onsets were not consistent"
    )
    for v, (low, high) in enumerate(VOICE_RANGES):
        sounding = pitch[:, v][pitch[:, v] > 0]
        assert sounding.size == 0 or (sounding.min() >= low and sounding.max() <= high)


def test_straight_through_passes_gradients():
    logits = torch.randn(3, 5, requires_grad=True)
    y = straight_through_gumbel(logits, hard_argmax=True)
    assert set(y.detach().unique().tolist()) <= {0.0, 1.0}
    (y * torch.arange(5.0)).sum().backward()
    assert logits.grad.abs().sum() > 0
    G = ChoraleGenerator(hidden=16)
    D = ChoraleCritic(hidden=16)
    D(G(torch.randn(2, G.latent_dim))).sum().backward()
    assert all(p.grad is not None for p in G.parameters() if p.requires_grad)


def test_tie_onsets():
    pitch = torch.nn.functional.one_hot(torch.tensor([1, 1, 2, 0, 2]), 4).float()
    bit = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0])
    assert tie_onsets(pitch, bit).tolist() == [1.0, 0.0, 1.0, 0.0, 1.0]


def test_interval_view_finds_fifths():
    pitch = np.zeros((1, 4, 64), dtype=np.int16)
    onset = np.zeros_like(pitch, dtype=bool)
    pitch[0, :, :] = np.array([72, 67, 64, 48])[:, None]  # C, G, E, C
    onset[..., 0] = True
    iv = interval_classes(pitch_classes(encode(pitch, onset)))
    assert iv.shape == (1, 6, 64, 12)
    # pairs: (S,A) C over G = 5; (S,B) C over C = 0; (A,B) G over C = 7
    assert iv[0, 0, 0].argmax() == 5 and iv[0, 2, 0].argmax() == 0 and iv[0, 4, 0].argmax() == 7


def test_interval_classes_is_the_distribution_of_the_interval():
    """On soft pitch classes too: out[k] sums P(lower = p) P(upper = q) over q - p = k mod 12,
    the definition written out with an explicit 12 x 12 table."""
    pc = torch.rand(3, 4, 5, 12, generator=torch.Generator().manual_seed(0)).softmax(-1)
    p, q = torch.meshgrid(torch.arange(12), torch.arange(12), indexing="ij")
    table = torch.nn.functional.one_hot((q - p) % 12, 12).float()  # [p, q, k]
    for n, (upper, lower) in enumerate([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]):
        want = torch.einsum("btp,btq,pqk->btk", pc[:, lower], pc[:, upper], table)
        torch.testing.assert_close(interval_classes(pc)[:, n], want)


def test_conditions_and_bad_input():
    data = fake_windows()
    G = ChoraleGenerator(hidden=16, condition="soprano").eval()
    x, melody = make_sampler(data, "soprano")(4)
    out = G(torch.randn(4, G.latent_dim), melody)
    assert torch.equal(out[:, 0], melody)
    Gm = ChoraleGenerator(hidden=16, condition="mode")
    assert ChoraleCritic(hidden=16, condition="mode")(
        Gm(torch.randn(3, 64), torch.tensor([0, 1, 1])), torch.tensor([0, 1, 1])
    ).shape == (3,)
    with pytest.raises(ValueError, match="condition"):
        ChoraleGenerator(condition="key")
    with pytest.raises(ValueError, match="cond"):
        Gm(torch.randn(2, 64))
    with pytest.raises(ValueError, match="z must"):
        G(torch.randn(2, 3), melody[:2])
    with pytest.raises(ValueError, match="x must"):
        ChoraleCritic(hidden=16)(torch.zeros(2, 3, 64, CHANNELS))
    with pytest.raises(ValueError, match="unknown option"):
        training.make_trainer(data, lr=1.0)


@pytest.mark.parametrize("condition", [None, "mode", "soprano"])
def test_trainer_runs_and_generator_ships(condition, tmp_path, monkeypatch):
    torch.manual_seed(0)
    data = fake_windows()
    trainer = training.make_trainer(data, condition, hidden=16, batch_size=8)
    trainer.fit(2, progress=False)
    assert trainer.loss.name == "wgan-gp" and len(trainer.history["d_loss"]) == 2

    def where(name):
        return tmp_path / f"{name}.pt"

    monkeypatch.setattr(ganbook.core.checkpoint, "weights_path", where)
    training.save_chorale_generator(trainer.G_ema, "music_test", step=trainer.step,
                                    history=trainer.history)
    G, state = training.load_chorale_generator("music_test")
    assert state["step"] == 2 and not G.training
    cond = {
        None: None,
        "mode": torch.tensor([0, 1, 0]),
        "soprano": encode(data.pitch[:3], data.onset[:3])[:, 0],
    }[condition]
    z = torch.randn(3, G.latent_dim)
    p1, _ = training.sample_grids(G, 3, cond, z=z)
    p2, _ = training.sample_grids(trainer.G_ema, 3, cond, z=z)
    assert (p1 == p2).all() and p1[p1 > 0].min() >= LOWEST


def test_mode_seeking_term_is_recorded():
    torch.manual_seed(0)
    trainer = training.make_trainer(fake_windows(), hidden=16, batch_size=8, diversity_weight=1.0)
    trainer.fit(2, progress=False)
    assert len(trainer.history["mode_seeking"]) == 2 and all(
        v > 0 for v in trainer.history["mode_seeking"]
    )


def test_relativistic_loss_runs_through_the_music_trainer():
    torch.manual_seed(0)
    trainer = training.make_trainer(
        fake_windows(), hidden=16, batch_size=8, diversity_weight=1.0, loss="relativistic"
    )
    hist = trainer.fit(2, progress=False)
    assert trainer.loss.name == "relativistic" and len(hist["g_loss"]) == 2
    assert all(v > 0 for v in hist["mode_seeking"])


def test_voice_order_penalises_crossing_and_wide_spacing_only():
    from ganbook.music.training import VoiceOrder

    term = VoiceOrder(1.0)
    assert term(None, None, held_chords((72, 67, 64, 48)), None).item() == 0.0
    crossed = held_chords((67, 72, 64, 48))  # alto 5 above the soprano: one pair of three crossed
    value = term(None, None, crossed, None)
    assert value.item() == pytest.approx(5 / 3)
    value.backward()
    assert crossed.grad.abs().sum() > 0
    wide = held_chords((84, 67, 64, 40))  # S-A 17 (5 too wide), T-B 24 (5 beyond a twelfth)
    assert term(None, None, wide, None).item() == pytest.approx(10 / 3)


def test_leaps_penalise_only_moves_beyond_a_fifth_with_a_gradient():
    from ganbook.music.training import Leaps

    term = Leaps(1.0)
    assert term(None, None, held_chords((72, 67, 64, 48), (74, 65, 67, 55)), None).item() == 0.0
    leapt = held_chords((72, 67, 64, 48), (74, 65, 67, 60))  # four moves; the bass's is an octave
    value = term(None, None, leapt, None)
    assert value.item() == pytest.approx((12 - 7) / 4)
    value.backward()
    assert leapt.grad.abs().sum() > 0


def test_voice_ranges_penalise_only_ranges_beyond_the_limits():
    from ganbook.music.training import RANGE_LIMITS, VoiceRanges

    term = VoiceRanges(1.0)
    assert term(None, None, held_chords((72, 67, 64, 48), (74, 65, 67, 55)), None).item() == 0.0
    wide = held_chords((72, 67, 64, 40), (72, 67, 64, 40 + RANGE_LIMITS[3] + 4))  # bass: 4 too wide
    value = term(None, None, wide, None)
    assert value.item() == pytest.approx(4 / 4)  # averaged over four voices, one window
    value.backward()
    assert wide.grad.abs().sum() > 0


def test_melodic_penalties_join_the_objective_when_weighted():
    torch.manual_seed(0)
    source = ChoraleGenerator(hidden=16).eval()
    trainer = training.make_voiced_trainer(
        fake_windows(), source, hidden=16, batch_size=8, leap_weight=2.0, range_weight=1.0
    )
    trainer.fit(2, progress=False)
    assert len(trainer.history["leaps"]) == len(trainer.history["voice_ranges"]) == 2


def test_relative_logits_score_the_gap_below_the_voice_above():
    from ganbook.music.models import INTERVAL_RANGE, N_INTERVALS, relative_logits

    upper = torch.zeros(2, CHANNELS - 1)
    upper[0, 72 - LOWEST + 1] = 1.0  # a C5 above; the second row rests
    upper[1, 0] = 1.0
    intervals = torch.zeros(2, N_INTERVALS)
    intervals[:, 3 - INTERVAL_RANGE[0]] = 2.0  # a minor third below
    intervals[:, -2 - INTERVAL_RANGE[0]] = -1.0  # two semitones *above* (crossed)
    scores = relative_logits(upper, intervals)
    assert scores.shape == (2, CHANNELS - 1)
    assert scores[0, 69 - LOWEST + 1] == 2.0 and scores[0, 74 - LOWEST + 1] == -1.0
    assert scores[0].abs().sum() == 3.0 and scores[1].abs().sum() == 0.0


def test_relative_generator_writes_valid_grids_and_ships(tmp_path, monkeypatch):
    torch.manual_seed(0)
    trainer = training.make_trainer(
        fake_windows(), hidden=16, batch_size=8, relative=True, voice_leading=True
    )
    trainer.fit(2, progress=False)
    pitch, onset = decode(trainer.G(torch.randn(4, 64)))
    check_grid(pitch, onset)
    for v, (low, high) in enumerate(VOICE_RANGES):
        sounding = pitch[:, v][pitch[:, v] > 0]
        assert sounding.size == 0 or (sounding.min() >= low and sounding.max() <= high)
    monkeypatch.setattr(ganbook.core.checkpoint, "weights_path",
                        lambda name: tmp_path / f"{name}.pt")
    training.save_chorale_generator(trainer.G_ema, "music_test", step=trainer.step,
                                    history=trainer.history)
    G, _ = training.load_chorale_generator("music_test")
    assert G.relative and G.config()["relative"]
    z = torch.randn(3, 64)
    p1, _ = training.sample_grids(G, 3, z=z)
    p2, _ = training.sample_grids(trainer.G_ema, 3, z=z)
    assert (p1 == p2).all()


def test_voice_leading_view_sees_crossing_spacing_and_parallels():
    from ganbook.music.models import voice_leading

    pitch = np.zeros((1, 4, 64), dtype=np.int16)
    pitch[0, :, :32] = np.array([72, 65, 67, 40])[:, None]  # alto below tenor; T-B 27 apart
    pitch[0, :, 32:] = np.array([74, 67, 62, 40])[:, None]  # S and A up a tone: fifths
    onset = np.zeros_like(pitch, dtype=bool)
    onset[..., [0, 32]] = True
    rules = voice_leading(encode(pitch, onset))[0]  # (15, 64)
    gap, crossing, wide, parallel = rules[:3], rules[3:6], rules[6:9], rules[9:]
    assert gap[:, 0].tolist() == pytest.approx([7 / 12, -2 / 12, 27 / 12])
    assert crossing[:, 0].tolist() == pytest.approx([0, 2 / 12, 0])
    assert wide[:, 0].tolist() == pytest.approx([0, 0, 8 / 12])
    assert parallel.sum() == 1.0 and parallel[0, 32] == 1.0  # S-A, at the move only
    D = ChoraleCritic(hidden=16, voice_leading=True)
    assert D(encode(pitch, onset)).shape == (1,)


def test_parallels_term_counts_parallel_moves_with_a_gradient():
    from ganbook.music.training import Parallels

    pitch = np.zeros((1, 4, 64), dtype=np.int16)
    pitch[0, :, :32] = np.array([72, 65, 60, 48])[:, None]
    pitch[0, :, 32:] = np.array([74, 67, 57, 50])[:, None]  # S-A fifths; T down, B up
    x = encode(pitch, np.ones_like(pitch, dtype=bool)).requires_grad_()
    value = Parallels(1.0)(None, None, x, None)
    # all four voices move once: 6 simultaneous moves; S-A (fifths) and S-B / A-B? S-B 72-48
    # is an octave + 12 -> 0, then 74-50 = 24 -> 0: parallel octaves too; A-B 65-48 = 17 -> 5
    assert value.item() == pytest.approx(2 / 6)
    value.backward()
    assert x.grad.abs().sum() > 0


def test_start_from_copies_an_absolute_generator_into_a_relative_one():
    torch.manual_seed(0)
    source = ChoraleGenerator(hidden=16).eval()
    G = training.start_from(ChoraleGenerator(hidden=16, relative=True), source).eval()
    z = torch.randn(4, 64)
    assert torch.equal(G(z), source(z))
    with pytest.raises(ValueError, match="relative"):
        training.start_from(ChoraleGenerator(hidden=16), G)


def test_voiced_trainer_starts_from_the_source_and_records_both_penalties():
    torch.manual_seed(0)
    source = ChoraleGenerator(hidden=16).eval()
    trainer = training.make_voiced_trainer(fake_windows(), source, hidden=16, batch_size=8)
    z = torch.randn(2, 64)
    assert torch.equal(trainer.G_ema.eval()(z), source(z))
    assert trainer.G.relative and trainer.D.voice_leading
    trainer.fit(2, progress=False)
    assert len(trainer.history["voice_order"]) == len(trainer.history["parallels"]) == 2


@pytest.mark.parametrize("condition", ["mode", "soprano"])
def test_voiced_trainer_keeps_the_sources_condition(condition):
    torch.manual_seed(0)
    data = fake_windows()
    source = ChoraleGenerator(hidden=16, condition=condition).eval()
    trainer = training.make_voiced_trainer(data, source, hidden=16, batch_size=8)
    _, cond = make_sampler(data, condition)(4)
    z = torch.randn(4, 64)
    assert trainer.G.condition == condition
    assert torch.equal(trainer.G_ema.eval()(z, cond), source(z, cond))
    trainer.fit(1, progress=False)
    with pytest.raises(ValueError, match="condition"):
        training.start_from(ChoraleGenerator(hidden=16, condition="mode", relative=True),
                            ChoraleGenerator(hidden=16, condition="soprano"))


def test_relative_harmoniser_writes_its_alto_below_the_given_soprano():
    from ganbook.music.models import INTERVAL_RANGE

    torch.manual_seed(0)
    G = ChoraleGenerator(hidden=16, condition="soprano", relative=True).eval()
    with torch.no_grad():  # the alto can only be a major sixth below the voice above
        G.interval_heads.bias.fill_(-1e3)
        G.interval_heads.bias[9 - INTERVAL_RANGE[0]] = 1e3
    _, melody = make_sampler(fake_windows(), "soprano")(3)
    pitch, _ = decode(G(torch.randn(3, 64), melody))
    fits = pitch[:, 0] - 9 >= VOICE_RANGES[1][0]  # else the alto's range leaves it a rest
    assert fits.any() and ((pitch[:, 0] - pitch[:, 1])[fits] == 9).all()
