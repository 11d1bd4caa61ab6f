"""Text-to-image chapter: measured attributes, captions, held-out splits, the matching-aware
discriminator's objective and the measures."""

import random

import pytest
import torch

from ganbook.applications.captions import (
    ANY_ORDER,
    HELD_OUT_COMBOS,
    TEMPLATES,
    TEST_TEMPLATES,
    AttributeBins,
    CaptionedDigits,
    caption,
    caption_scores,
    captions_for,
    complete_caption,
    held_out_mask,
    ink,
    requests,
    slant,
    unseen_word_requests,
    unset_attributes,
)
from ganbook.applications.text_to_image import (
    CaptionModel,
    CaptionVectors,
    MatchingAwareTrainer,
    TextToImage,
    generate,
    phrasing_scores,
    retrieve,
    text2image_trainer,
)
from ganbook.text.caption import caption_tokens


def stroke(shear: float, width: int = 1) -> torch.Tensor:
    """An 8x8 vertical bar whose column moves by ``shear`` per row upwards."""
    img = -torch.ones(1, 1, 8, 8)
    for r in range(8):
        c = round(3.5 + shear * (3.5 - r))
        img[0, 0, r, max(c, 0) : min(c + width, 8)] = 1.0
    return img


def test_ink_and_slant_are_measured_from_pixels():
    assert ink(-torch.ones(2, 1, 8, 8)).tolist() == [0.0, 0.0]
    assert ink(torch.ones(1, 1, 8, 8)).item() == 1.0
    assert ink(stroke(0, 2)) > ink(stroke(0, 1))
    assert slant(stroke(0.0)).item() == pytest.approx(0.0, abs=1e-6)
    right, left = slant(stroke(0.5)).item(), slant(stroke(-0.5)).item()
    assert right > 0.3 and left < -0.3 and right == pytest.approx(-left, abs=1e-5)
    assert slant(-torch.ones(1, 1, 8, 8)).item() == 0.0  # blank: no crash
    with pytest.raises(ValueError, match="images must be"):
        ink(torch.zeros(8, 8))


def test_bins_split_each_digit_evenly():
    torch.manual_seed(0)
    x = torch.cat([stroke(s, w) for s in (-0.4, -0.1, 0.0, 0.1, 0.4, 0.5) for w in (1, 2)])
    labels = torch.zeros(len(x), dtype=torch.long)
    x, labels = x.repeat(10, 1, 1, 1), torch.arange(10).repeat_interleave(len(x))
    bins = AttributeBins.fit(x, labels)
    thickness, slant_class = bins.classes(x, labels)
    assert thickness.float().mean() == 0.5
    assert torch.bincount(slant_class, minlength=3).tolist() == [40, 40, 40]
    assert slant_class[labels == 0].tolist()[:2] == [0, 0]  # the leftmost strokes
    with pytest.raises(ValueError, match="labels"):
        bins.classes(x, labels.float())


def test_captions_and_held_out_splits():
    rng = random.Random(0)
    text = caption(7, 1, 2, 0, rng)
    assert text.startswith("a ") and "seven" in text and "right" in text
    assert caption(7, 0, 0, 1, rng).startswith("7, ")
    d = torch.arange(10)
    train = captions_for(d, d % 2, d % 3, seed=1)
    test = captions_for(d, d % 2, d % 3, held_out=True, seed=1)
    assert train == captions_for(d, d % 2, d % 3, seed=1)  # seeded
    seen = {t for c in train for t in caption_tokens(c)}
    assert any(t not in seen for c in test for t in caption_tokens(c))  # unseen fillers
    heads = {tpl.split("{")[0] for tpl in TEMPLATES[TEST_TEMPLATES.start:]}
    assert all(any(c.startswith(h) for h in heads) for c in test if not c[0].isdigit())
    held = [(dd, "thin thick".split().index(t), "left upright right".split().index(s))
            for dd, t, s in HELD_OUT_COMBOS]
    tr = torch.tensor(held)
    assert held_out_mask(*tr.T).all() and len({h[1:] for h in held}) == 6
    triples, caps = requests(50, held_out_combos=True, seed=0)
    assert held_out_mask(*triples.T).all() and len(caps) == 50
    triples, _ = requests(50, seed=0)
    assert not held_out_mask(*triples.T).any()
    fixed = captions_for(d, d % 2, d % 3, template=3)  # "{t} {n} {s}" for every triple
    assert [c.split()[1] for c in fixed] == [str(n) for n in range(10)]
    with pytest.raises(ValueError, match="template"):
        captions_for(d, d % 2, d % 3, template=len(TEMPLATES))


def test_any_order_captions_put_the_digit_anywhere():
    """Issue 24: a digit named last was read far worse than one named first, since every
    training phrasing put it in one of two places. ANY_ORDER shuffles the three parts."""
    any_order = TEMPLATES.index(ANY_ORDER)
    assert any_order not in TEST_TEMPLATES  # a training phrasing
    rng = random.Random(0)
    where = set()
    for _ in range(200):
        text = caption(7, 1, 2, any_order, rng)
        tokens = caption_tokens(text)
        digit_at = next(i for i, t in enumerate(tokens) if t in ("seven", "7"))
        where.add("first" if digit_at == 0 else "last" if digit_at == len(tokens) - 1
                  else "middle")
        assert {"bold", "thick", "heavy"} & set(tokens) and "right" in tokens
    assert where == {"first", "middle", "last"}


def test_data_drops_held_out_combos_and_round_trips_the_vocab():
    data = CaptionedDigits(captions_per_image=2)
    assert data.dropped > 0 and not held_out_mask(data.digits, data.thickness, data.slant).any()
    ids, targets = data.caption_targets()
    assert ids.shape == (2 * len(data), 16) and targets.shape == (2 * len(data), 3)
    model = TextToImage(data.vocab.itos[3:])
    assert model.vocab.itos == data.vocab.itos
    assert torch.equal(model.ids(data.captions[0][:5]), data.ids(data.captions[0][:5]))


def test_matching_aware_discriminator_sees_wrong_captions():
    torch.manual_seed(0)
    data = CaptionedDigits(captions_per_image=1)
    sampler = CaptionVectors(data, CaptionModel(len(data.vocab)))
    trainer = text2image_trainer(sampler, width=8, batch_size=16)
    assert isinstance(trainer, MatchingAwareTrainer)
    batch = trainer.real_batch()
    wrong = trainer.mismatched(batch)
    assert torch.equal(wrong.real, batch.real)
    assert torch.equal(wrong.cond[0], batch.cond[0].roll(1, 0))
    calls = []
    critic = trainer.critic

    def spy(x, b, features=False):
        calls.append((x is batch.real, torch.equal(b.cond[0], batch.cond[0])))
        return critic(x, b, features)

    trainer.critic = spy
    loss, record = trainer.d_objective(batch)
    assert calls == [(True, True), (True, False), (False, True)]  # right, wrong, fake
    assert {"d_wrong", "d_real", "d_fake"} <= set(record) and loss.ndim == 0
    history = trainer.fit(3, progress=False)
    assert len(history["g_int"]) == 3 and all(v == v for v in history["d_loss"])
    with pytest.raises(ValueError, match="int_weight"):
        text2image_trainer(sampler, int_weight=-1)


def test_scores_retrieval_and_generate():
    from ganbook.image.classifier import load_digit_classifier
    from ganbook.image.data import load_digits

    x, y = load_digits("test")
    bins = AttributeBins.fit(*load_digits("train"))
    thickness, slant_class = bins.classes(x, y)
    triples = torch.stack([y, thickness, slant_class], 1)
    clf, _ = load_digit_classifier()
    real = caption_scores(x, triples, clf, bins)
    assert real["thickness"] == 1.0 and real["slant"] == 1.0 and real["digit"] > 0.9
    wrong = caption_scores(x.flip(0), triples, clf, bins)
    assert wrong["digit"] < 0.3 and wrong["all three"] < real["all three"]
    keys = torch.eye(4)
    assert torch.equal(retrieve(torch.tensor([[0.0, 2, 0, 0]]), keys, torch.arange(4)),
                       torch.tensor([1]))
    model = TextToImage(["<unk>", "a"])
    e = torch.zeros(3, 32)
    out = generate(model.G, e, seed=3)
    assert out.shape == (3, 1, 8, 8) and torch.equal(out, generate(model.G, e, seed=3))
    with pytest.raises(ValueError, match="triples"):
        caption_scores(x[:3], triples[:2], clf, bins)


def test_unknown_words_are_named_never_silently_dropped():
    import warnings

    from ganbook.applications.text_to_image import TextToImage
    from ganbook.text.caption import caption_vocab, unknown_words

    vocab = caption_vocab(["a thick seven leaning right", "a thin two"])
    assert unknown_words(vocab, ["a chunky seven", "a chunky, wobbly two", "a thin two"]) == {
        "chunky": 2, "wobbly": 1}
    model = TextToImage(vocab_tokens=vocab.itos[3:])
    with pytest.warns(UserWarning, match=r"1 word\(s\) the caption model does not know.*'chunky'"):
        model.embed(["a chunky seven"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.embed(["a chunky seven"], unknown="ignore")
        model.embed(["a thick seven"])
    with pytest.raises(ValueError, match="unknown must be"):
        model.embed(["a seven"], unknown="drop")
    with warnings.catch_warnings(record=True) as caught:  # mostly unknown: one report, not two
        warnings.simplefilter("always")
        model.embed(["a chunky wobbly seven"])
    assert len(caught) == 1 and "'wobbly'" in str(caught[0].message)
    assert "thickness in 1, slant in 1 caption(s): drawn from" in str(caught[0].message)


def test_an_unset_attribute_is_drawn_from_its_prior():
    assert unset_attributes("a chunky seven leaning right") == ("thickness",)
    assert unset_attributes("7, not tilted") == ("thickness",)
    assert unset_attributes("a seven") == ("thickness", "slant")
    assert unset_attributes("a thick seven, standing straight") == ()
    done = complete_caption("a chunky seven", random.Random(0))
    assert done.startswith("a chunky seven, ") and unset_attributes(done) == ()
    assert done == complete_caption("a chunky seven", random.Random(0))  # seeded
    assert complete_caption("a thick 7 leaning left", random.Random(0)) == (
        "a thick 7 leaning left")
    for attribute in ("thickness", "slant"):
        triples, texts = unseen_word_requests(200, attribute, seed=1)
        assert triples.shape == (200, 3) and len(texts) == 200
        assert all(unset_attributes(t) == (attribute,) for t in texts)
    _, texts = requests(200, held_out_combos=True, seed=2)
    assert all(unset_attributes(t) == () for t in texts)  # the page's requests set both
    with pytest.raises(ValueError, match="attribute must be"):
        unseen_word_requests(5, "colour")


def test_unknown_thickness_words_no_longer_push_thickness_below_chance():
    """Issue 24: on the held-out combinations a thickness word the encoder never saw sends
    thickness below chance (0.43 of 1,000 requests with the shipped model, 0.37 with the one
    before it; chance 0.5); the prior draw brings it to 0.47 (0.48), and it leaves captions
    that set both attributes as they were."""
    from ganbook.applications.text_to_image import load_text_to_image
    from ganbook.image.classifier import load_digit_classifier

    model, _ = load_text_to_image()
    classifier, _ = load_digit_classifier()
    bins = CaptionedDigits().bins
    triples, texts = unseen_word_requests(1000, "thickness", held_out_combos=True, seed=1)
    thickness = {}
    for unset in ("keep", "prior"):
        e = model.embed(texts, unknown="ignore", unset=unset, seed=1)
        images = generate(model.G, e, seed=1)
        thickness[unset] = caption_scores(images, triples, classifier, bins)["thickness"]
    assert thickness["keep"] < 0.45 and thickness["prior"] > thickness["keep"] + 0.03
    assert abs(thickness["prior"] - 0.5) < 0.05
    _, known = requests(50, held_out_combos=True, seed=2)
    kept, drawn = (model.embed(known, unknown="ignore", unset=u) for u in ("keep", "prior"))
    assert torch.equal(kept, drawn)
    with pytest.raises(ValueError, match="unset must be"):
        model.embed(known, unset="guess")


def test_phrasing_scores_gives_one_row_per_phrasing_on_the_same_requests():
    """Each held-out phrasing alone, scored on the same requests: the shipped model reads the
    digit of each and draws it right at least 0.8 of the time (the page's check); the
    captions of one phrasing all share its fixed words."""
    from ganbook.applications.text_to_image import load_text_to_image
    from ganbook.image.classifier import load_digit_classifier

    model, _ = load_text_to_image()
    classifier, _ = load_digit_classifier()
    triples, _ = requests(1000, seed=1)  # the page's requests: swept on default and AVX-512
    rows = phrasing_scores(model, triples, classifier, CaptionedDigits().bins)
    assert list(rows) == [TEMPLATES[k] for k in TEST_TEMPLATES]
    for row in rows.values():
        assert set(row) == {"digit read", "digit", "thickness", "slant", "all three"}
        assert row["digit read"] > 0.95 and row["digit"] >= 0.8, rows
    texts = captions_for(*triples.T, template=len(TEMPLATES) - 2, seed=1)
    assert all(": the number " in t for t in texts)
