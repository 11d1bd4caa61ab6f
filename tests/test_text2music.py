"""Text to music: descriptions from measured attributes, the "text" condition of the chorale
GAN (without touching the other conditions), the conditional Markov chain baseline."""

import numpy as np
import pytest
import torch

from ganbook.music import describe as T
from ganbook.music.corpus import Windows
from ganbook.music.grid import CHANNELS, VOICE_RANGES, check_grid
from ganbook.music.markov import ConditionalMarkovChain
from ganbook.music.models import ChoraleCritic, ChoraleGenerator
from ganbook.music.training import (
    load_chorale_generator,
    load_text_generator,
    make_text_trainer,
    make_trainer,
    sample_grids,
    save_chorale_generator,
    start_from,
)
from ganbook.text.caption import caption_tokens, encode_captions, unknown_words


def grids(n, soprano, step, seed=0):
    """``n`` windows whose soprano sits around ``soprano`` and whose voices change every
    ``step`` sixteenths (a lower voice a fixed interval below, for valid ranges)."""
    rng = np.random.default_rng(seed)
    pitch = np.zeros((n, 4, 64), dtype=np.int16)
    onset = np.zeros((n, 4, 64), dtype=bool)
    for v, (low, high) in enumerate(VOICE_RANGES):
        centre = soprano if v == 0 else (low + high) // 2
        notes = np.clip(centre + rng.integers(-2, 3, size=(n, 64 // step)), low, high)
        pitch[:, v] = np.repeat(notes, step, axis=1)
        onset[:, v, ::step] = True
    return pitch, onset


def windows_of(pitch, onset, mode):
    return Windows(pitch, onset, np.full(len(pitch), mode), np.zeros(len(pitch), dtype=np.int64))


def test_attributes_are_measured_from_the_notes():
    pitch, onset = grids(3, soprano=76, step=2)  # eighths: 8 notes per voice and bar
    assert np.allclose(T.note_density(pitch, onset), 8.0)
    assert np.all(np.abs(T.soprano_register(pitch) - 76) <= 2)
    a = T.measure(pitch, onset, [1, 1, 1])
    assert a.pace.tolist() == [2] * 3 and a.register.tolist() == [2] * 3
    slow = T.measure(*grids(2, soprano=64, step=8), [0, 0])  # half notes, low soprano
    assert slow.pace.tolist() == [0, 0] and slow.register.tolist() == [0, 0]
    with pytest.raises(ValueError, match="mode must have one entry"):
        T.measure(pitch, onset, [0])
    with pytest.raises(ValueError, match="onset must have shape"):
        T.note_density(pitch[0], onset[0])


def test_descriptions_and_held_out_phrasings():
    a = T.Attributes(np.array([1]), np.array([0]), np.array([2]))
    assert T.describe_windows(a) == ["a slow chorale in a minor key with a high soprano"]
    vocab = T.description_vocab()
    for phrasing in range(len(T.PHRASINGS)):
        words = caption_tokens(T.describe_windows(a, phrasing)[0])
        assert {"minor", "slow", "high"} <= set(words)
    held_out = {w for p in T.TEST_PHRASINGS for w in caption_tokens(p)} - set(vocab.stoi)
    assert held_out, "the held-out phrasings should use some words the encoder never saw"
    assert held_out - {"{", "}", "mode", "pace", "register"}
    assert all(" ," not in p for p in T.PHRASINGS)  # written as people write them
    ids = T.encode_requests(vocab, a, len(T.PHRASINGS) - 1)
    assert ids.shape == (1, T.MAX_LEN) and (ids == vocab.stoi["<unk>"]).any()
    with pytest.raises(ValueError, match="phrasing must lie"):
        T.describe_windows(a, len(T.PHRASINGS))


def test_synonyms_and_varied_descriptions_use_only_words_the_encoder_knows():
    a = T.Attributes(np.array([1, 0]), np.array([0, 2]), np.array([2, 1]))
    assert T.describe_windows(a, 0, synonym=1)[0] == (
        "a calm chorale in a sad key with a upper soprano")
    vocab = T.description_vocab()
    for synonym in (1, 2):
        words = set(caption_tokens(" ".join(T.describe_windows(a, 0, synonym))))
        assert words <= set(vocab.stoi)
    with pytest.raises(ValueError, match="synonym must be 0"):
        T.describe_windows(a, 0, synonym=3)
    many = T.Attributes(np.repeat(a.mode, 200), np.repeat(a.pace, 200),
                        np.repeat(a.register, 200))
    texts = T.varied_descriptions(many, np.random.default_rng(0))
    assert len(set(texts)) > 100 and all(len(caption_tokens(t)) < T.MAX_LEN for t in texts)
    assert not unknown_words(vocab, texts)
    first = texts[:200]  # minor, slow, high
    said = {w for t in first for w in caption_tokens(t)}
    assert {"minor", "sad", "mournful", "slow", "calm", "unhurried", "high", "upper",
            "lofty"} <= said and not said & {"major", "busy", "low", "middle"}
    attribute = {w: name for name, level in (("mode", "minor"), ("pace", "slow"),
                                             ("register", "high"))
                 for w in (level, *T.SYNONYMS[level])}
    orders = {tuple(attribute[w] for w in caption_tokens(t) if w in attribute) for t in first}
    assert len(orders) == 6  # every order of the three attributes
    # the held-out phrasings still bring words the encoder never saw
    assert {w for p in T.TEST_PHRASINGS for w in caption_tokens(p)} - set(vocab.stoi)


def test_agreement_and_by_request():
    a = T.Attributes(np.array([0, 1]), np.array([0, 2]), np.array([1, 1]))
    b = T.Attributes(np.array([0, 0]), np.array([0, 2]), np.array([1, 0]))
    got = T.agreement(a, b)
    assert got == {"mode as asked": 0.5, "pace as asked": 1.0, "register as asked": 0.5,
                   "all three": 0.5}
    means = T.by_request([1.0, 3.0], a.pace, T.PACES)
    assert means["slow"] == 1.0 and means["busy"] == 3.0 and np.isnan(means["steady"])
    with pytest.raises(ValueError, match="same length"):
        T.agreement(a, b.subset(slice(0, 1)))


def test_music21_hears_major_and_minor():
    pitch = np.zeros((2, 4, 64), dtype=np.int16)
    onset = np.zeros_like(pitch, dtype=bool)
    scales = [(60, 62, 64, 65, 67, 69, 71, 72), (69, 71, 72, 74, 76, 77, 80, 81)]  # C, A harm.
    held = [(55, 52, 48), (64, 57, 45)]  # G-E-C under the C scale, E-A-A under the A minor one
    for k in range(2):
        pitch[k, 0] = np.repeat(scales[k], 8)
        onset[k, 0, ::8] = True
        for v, midi in enumerate(held[k], start=1):
            pitch[k, v], onset[k, v, 0] = midi, True
    assert T.music21_modes(pitch, onset).tolist() == [0, 1]


def test_text_sampler_pairs_windows_with_their_descriptions():
    pitch, onset = grids(8, soprano=76, step=2)
    data = windows_of(pitch, onset, 1)
    vocab = T.description_vocab()
    torch.manual_seed(0)
    x, ids = T.text_sampler(data, vocab)(5)
    assert x.shape == (5, 4, 64, CHANNELS) and ids.shape == (5, T.MAX_LEN)
    for row in ids:
        words = set(vocab.decode(row).split())
        assert {"minor", "busy", "high"} <= words
    torch.manual_seed(0)
    x, ids = T.text_sampler(data, vocab, varied=True)(64)
    assert ids.shape == (64, T.MAX_LEN)
    said = [set(vocab.decode(row).split()) for row in ids]
    assert all(words & {"minor", *T.SYNONYMS["minor"]} for words in said)
    assert len({frozenset(words) for words in said}) > 5
    assert sum("<unk>" in words for words in said) > 16  # word noise, never on a level
    levels = {w for words in T.level_words().values() for w in words}
    assert all(len(words & levels) == 3 for words in said)


def test_text_condition_needs_a_vocabulary_and_leaves_the_others_alone():
    with pytest.raises(ValueError, match="needs vocab_size"):
        ChoraleGenerator(hidden=16, condition="text")
    with pytest.raises(ValueError, match="only for condition='text'"):
        ChoraleCritic(hidden=16, condition="mode", vocab_size=10)
    with pytest.raises(ValueError, match="vocab_size"):
        ChoraleGenerator(hidden=16, condition="text", vocab_size=0)
    for condition in (None, "mode", "soprano"):  # same parameters as before the text condition
        G = ChoraleGenerator(hidden=16, condition=condition)
        assert not any("text" in k for k in G.state_dict())
        assert set(G.config()) == {"latent_dim", "hidden", "bars", "condition"}
    for name in ("music_chorale_gan", "music_chorale_mode", "music_chorale_soprano"):
        G, _ = load_chorale_generator(name)  # strict load: the shipped weights still fit
        assert G.condition in (None, "mode", "soprano")


def test_text_generator_listens_and_starts_from_the_unconditional_one():
    torch.manual_seed(0)
    vocab = T.description_vocab()
    a = T.Attributes(np.array([0, 1]), np.array([0, 2]), np.array([0, 2]))
    ids = T.encode_requests(vocab, a)
    G = ChoraleGenerator(hidden=16, condition="text", vocab_size=len(vocab)).eval()
    D = ChoraleCritic(hidden=16, condition="text", vocab_size=len(vocab))
    z = torch.randn(1, G.latent_dim).repeat(2, 1)
    x = G(z, ids)
    assert x.shape == (2, 4, 64, CHANNELS)
    assert D(x, ids).shape == (2,)
    assert not torch.equal(D(x[:1].repeat(2, 1, 1, 1), ids)[0],
                           D(x[:1].repeat(2, 1, 1, 1), ids)[1])  # the critic reads the text
    source = ChoraleGenerator(hidden=16).eval()
    start_from(G, source)
    assert torch.equal(G(z, ids), source(z))  # zero text columns: the source's output, any text
    with pytest.raises(ValueError, match="source must be unconditional"):
        start_from(G, ChoraleGenerator(hidden=32).eval())


def test_text_trainer_runs_ships_and_reloads(tmp_path):
    torch.manual_seed(0)
    pitch, onset = grids(16, soprano=70, step=4)
    data = windows_of(pitch, onset, 0)
    vocab = T.description_vocab()
    with pytest.raises(ValueError, match="needs sample_real"):
        make_trainer(data, "text", vocab_size=len(vocab))
    trainer = make_trainer(data, "text", T.text_sampler(data, vocab), vocab_size=len(vocab),
                           hidden=16, batch_size=4, d_steps=1)
    trainer.fit(2, progress=False)
    path = tmp_path / "t2m.pt"
    save_chorale_generator(trainer.G_ema, str(path), step=trainer.step, history=trainer.history,
                           vocab=vocab.itos[3:])
    G, state = load_text_generator(str(path))
    vocab2 = state["vocab"]
    assert vocab2.itos == vocab.itos and state["step"] == 2
    ids = T.encode_requests(vocab2, T.window_attributes(data))
    p, o = sample_grids(G, len(data), ids)
    check_grid(p, o)
    with pytest.raises(ValueError, match="not a text-conditioned"):
        load_text_generator("music_chorale_mode")


def test_markov_chain_keeps_to_the_request():
    low_slow = grids(6, soprano=64, step=8, seed=1)
    high_busy = grids(6, soprano=78, step=2, seed=2)
    pitch = np.concatenate([low_slow[0], high_busy[0]])
    onset = np.concatenate([low_slow[1], high_busy[1]])
    data = Windows(pitch, onset, np.repeat([0, 1], 6), np.zeros(12, dtype=np.int64))
    attrs = T.window_attributes(data)
    chain = ConditionalMarkovChain(data, attrs)
    rng = np.random.default_rng(0)
    asked = attrs.subset(np.array([0, 0, 6, 6]))
    p, o = chain.sample(asked, rng)
    check_grid(p, o)
    got = T.measure(p, o, asked.mode)
    assert got.pace.tolist() == asked.pace.tolist()
    assert got.register.tolist() == asked.register.tolist()
    never = T.Attributes(np.array([1]), np.array([1]), np.array([1]))  # no such training window
    p, o = chain.sample(never, rng, steps=16)
    assert p.shape == (1, 4, 16) and chain.backoffs == 15
    with pytest.raises(ValueError, match="same, non-zero number"):
        ConditionalMarkovChain(data, attrs.subset(slice(0, 3)))


def test_request_scores_measure_mode_on_the_first_windows_only():
    pitch, onset = grids(4, soprano=76, step=2)
    asked = T.Attributes(np.zeros(4, dtype=np.int64), np.full(4, 2), np.array([2, 2, 0, 0]))
    got = T.request_scores(pitch, onset, asked, key_windows=2)
    assert got["pace as asked"] == 1.0 and got["register as asked"] == 0.5
    assert 0.0 <= got["mode as asked (music21)"] <= 1.0
    assert got["all three"] <= got["mode as asked (music21)"]
    with pytest.raises(ValueError, match="one request per window"):
        T.request_scores(pitch, onset, asked.subset(slice(0, 2)))


def test_key_following_pushes_each_window_toward_the_mode_its_description_names():
    from ganbook.core.train import Batch
    from ganbook.music import metrics as M
    from ganbook.music.grid import encode
    from ganbook.music.training import KeyFollowing, minor_score_of_notes

    pitch, onset = grids(4, soprano=72, step=4)
    x = encode(pitch, onset)
    assert torch.allclose(minor_score_of_notes(x).double(),
                          torch.as_tensor(M.minor_score(pitch, onset)), atol=1e-5)
    vocab = T.description_vocab()
    major, minor = T.level_token_ids(vocab, "mode")
    assert {vocab.itos[i] for i in minor} == {"minor", *T.SYNONYMS["minor"]}
    a = T.Attributes(np.array([0, 1, 0, 1]), np.zeros(4, dtype=int), np.zeros(4, dtype=int))
    ids = T.encode_requests(vocab, a, 0, [0, 1, 2, 0])
    term = KeyFollowing(1.0, major, minor)
    fake = x.clone().requires_grad_()
    value = term(None, Batch(x, (ids,)), fake, None)
    score = minor_score_of_notes(x)
    sign = torch.tensor([-1.0, 1.0, -1.0, 1.0])
    assert value.item() == pytest.approx(torch.relu(term.margin - sign * score).mean().item())
    value.backward()
    assert fake.grad.abs().sum() > 0
    unnamed = encode_captions(vocab, ["a slow chorale with a low soprano"] * 4, T.MAX_LEN)
    assert term(None, Batch(x, (unnamed,)), x, None).item() == 0.0  # no mode asked: no push


def test_pace_following_pushes_each_window_into_the_pace_its_description_names():
    from ganbook.core.train import Batch
    from ganbook.music.grid import encode
    from ganbook.music.training import PaceFollowing

    x = encode(*grids(4, soprano=72, step=4))  # quarters: 4 notes per voice and bar
    vocab = T.description_vocab()
    slow, steady, busy = T.level_token_ids(vocab, "pace")
    assert {vocab.itos[i] for i in busy} == {"busy", *T.SYNONYMS["busy"]}
    term = PaceFollowing(1.0, [slow, steady, busy])
    a = T.Attributes(np.zeros(4, dtype=int), np.array([0, 1, 2, 2]), np.zeros(4, dtype=int))
    ids = T.encode_requests(vocab, a, 0, [0, 1, 2, 0])
    fake = x.clone().requires_grad_()
    value = term(None, Batch(x, (ids,)), fake, None)
    low, high = T.PACE_CUTS
    # slow is met (4 < 4.25 - margin); steady and busy ask for more notes
    expected = [0.0, low + term.margin - 4, high + term.margin - 4, high + term.margin - 4]
    assert value.item() == pytest.approx(sum(expected) / 4, abs=1e-5)
    value.backward()
    assert fake.grad[..., -1].abs().sum() > 0  # through the onsets
    unnamed = encode_captions(vocab, ["a chorale in a minor key with a low soprano"] * 4,
                              T.MAX_LEN)
    assert term(None, Batch(x, (unnamed,)), x, None).item() == 0.0  # no pace asked
    with pytest.raises(ValueError, match="3 paces"):
        PaceFollowing(1.0, [slow, busy])
    with pytest.raises(ValueError, match="attribute must be one of"):
        T.level_token_ids(vocab, "tempo")


def test_text_trainer_takes_the_key_and_pace_terms_as_the_recipe_does():
    from ganbook.music.training import KEY_WEIGHT, PACE_WEIGHT, KeyFollowing, PaceFollowing

    pitch, onset = grids(8, soprano=76, step=2)
    data = windows_of(pitch, onset, 1)
    vocab = T.description_vocab()
    torch.manual_seed(0)
    terms = [KeyFollowing(KEY_WEIGHT, *T.level_token_ids(vocab, "mode")),
             PaceFollowing(PACE_WEIGHT, T.level_token_ids(vocab, "pace"))]
    trainer = make_trainer(data, "text", T.text_sampler(data, vocab, varied=True),
                           vocab_size=len(vocab), hidden=16, batch_size=4, terms=terms)
    trainer.fit(2, progress=False)
    assert len(trainer.history["key"]) == len(trainer.history["pace"]) == 2
    torch.manual_seed(0)
    recipe = make_text_trainer(data, vocab, hidden=16, batch_size=4)
    recipe.fit(2, progress=False)  # the shipped recipe: the same terms, the same steps
    assert recipe.history["key"] == trainer.history["key"]
    assert recipe.history["pace"] == trainer.history["pace"]


def test_request_phrasings_word_requests_three_ways():
    sets = T.request_phrasings(6, np.random.default_rng(0))
    assert list(sets) == ["training phrasings", "held-out phrasings",
                          "held-out phrasings, synonyms"]
    train, _ = sets["training phrasings"]
    assert set(train.tolist()) <= set(range(len(T.TRAIN_PHRASINGS)))
    held, names = sets["held-out phrasings"]
    assert set(held.tolist()) == set(range(len(T.TRAIN_PHRASINGS), len(T.PHRASINGS)))
    assert not names.any()
    assert set(sets["held-out phrasings, synonyms"][1].tolist()) == {1, 2}
    asked = T.Attributes(np.zeros(6, int), np.ones(6, int), np.full(6, 2))
    texts = T.describe_windows(asked, *sets["held-out phrasings, synonyms"])
    assert all(("happy" in t or "joyful" in t) and "minor" not in t for t in texts)


def test_the_page_mode_checks_fail_the_text_gan_trained_before_the_pace_and_key_terms():
    """The text-to-music page's mode checks (minor-score gap > 0.3 in every wording; music21
    hears the requested mode in the held-out phrasings 25 points more often than in the
    unconditional GAN's windows), applied to what bench/app_text2music.py measured on all
    held-out windows for the shipped generator and for the one it replaced: the new one
    passes both, the old one fails both."""
    import json
    from pathlib import Path

    record = json.loads(
        (Path(__file__).parents[1] / "bench" / "results" / "app_text2music.json").read_text()
    )
    rows = record["requests followed"]
    free = rows["unconditional GAN"]["mode as asked (music21)"]

    wordings = T.request_phrasings(1, np.random.default_rng(0))

    def checks(model):
        gaps = [rows[f"{model}, {w}"]["minor-score gap"] for w in wordings]
        heard = rows[f"{model}, held-out phrasings"]["mode as asked (music21)"]
        return min(gaps) > 0.3, heard > free + 0.25

    assert record["windows"] == 453 and record["same weights as the file it replaced"]
    assert checks("new") == (True, True)
    assert checks("compared") == (False, False)
