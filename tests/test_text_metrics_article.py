"""BLEU against hand values and nltk, Self-BLEU, novelty, the temperature curve; the article's
failures."""

import math
import random

import pytest
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from ganbook.text import article as A
from ganbook.text.metrics import bleu, novelty, self_bleu, temperature_curve, unigram_samples
from ganbook.text.oracle import make_oracle, oracle_samples


def test_bleu_hand_computed():
    hyp = "the cat sat on mat".split()
    ref = "the cat sat on the mat".split()
    # p1 = 5/5, p2 = 3/4, brevity penalty exp(1 - 6/5)
    expected = math.exp(1 - 6 / 5) * math.sqrt(1.0 * 0.75)
    assert bleu([hyp], [ref], n=2) == pytest.approx(expected, rel=1e-12)


def test_bleu_and_self_bleu_equal_nltk_sentence_bleu():
    rng = random.Random(0)
    sents = ["".join(rng.choice("abcd") for _ in range(rng.randint(2, 7))) for _ in range(25)]
    hyps, refs = sents[:10], sents[10:]
    smooth = SmoothingFunction().method1
    for n in (2, 3, 4):
        w = (1 / n,) * n
        want = sum(
            sentence_bleu([list(r) for r in refs], list(h), w, smoothing_function=smooth)
            for h in hyps
        ) / len(hyps)
        assert bleu(hyps, refs, n) == pytest.approx(want, rel=1e-9)
        want_self = sum(
            sentence_bleu(
                [list(s) for j, s in enumerate(sents) if j != i],
                list(h),
                w,
                smoothing_function=smooth,
            )
            for i, h in enumerate(sents)
        ) / len(sents)
        assert self_bleu(sents, n) == pytest.approx(want_self, rel=1e-9)


def test_self_bleu_sees_collapse_and_novelty():
    assert self_bleu(["anna"] * 5, 3) == pytest.approx(1.0)
    assert self_bleu(["anna", "bob", "carl", "dave", "eve"], 3) < 0.5
    assert novelty(["anna", "zed", "bob", "xy"], ["anna", "bob"]) == 0.5
    with pytest.raises(ValueError, match="empty"):
        bleu([], ["a"])
    base = unigram_samples(["ab", "abc"], 20)
    assert len(base) == 20 and all(set(b) <= set("abc") and len(b) in (2, 3) for b in base)


def test_temperature_curve_trades_quality_for_coverage():
    torch.manual_seed(0)
    o = make_oracle(20, 8, 8, 8, seed=0)
    held = oracle_samples(o, 200, seed=1)
    rows = temperature_curve(o, o, held, [0.5, 1.0, 2.0], n_samples=300)
    q = [r["nll_oracle"] for r in rows]
    assert q[0] < q[1] < q[2]
    assert (
        min(rows, key=lambda r: r["nll_gen"])["temperature"] == 1.0
    )  # the true model is best at T = 1


def test_the_articles_failures_happen():
    torch.manual_seed(0)
    G, D = A.ArticleGenerator(12, 8, 8), A.ArticleDiscriminator(12, 8, 4)
    og, od = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
    real = torch.randint(0, 12, (4, 6))
    with pytest.raises(TypeError, match="hidden"):
        A.training_step(G, D, real, og, od, repair=0)
    for repair in (1, 2):
        with pytest.raises(RuntimeError, match="Long, Int"):
            A.training_step(G, D, real, og, od, repair=repair)
    before = [p.clone() for p in G.parameters()]
    A.training_step(G, D, real, og, od, repair=3)
    assert all(torch.equal(a, b) for a, b in zip(before, G.parameters())), (
        "G must not learn through argmax"
    )
    fake = A.generate_logits(G, 4, 6).argmax(-1)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        A.generator_gradients(G, A.g_loss_article(D(fake)))
    assert math.isinf(
        A.d_loss_article(
            torch.sigmoid(torch.tensor([5.0])), torch.sigmoid(torch.tensor([17.0]))
        ).item()
    )
    assert math.isinf(A.g_loss_article(torch.sigmoid(torch.tensor([-110.0]))).item())


def test_place_on_curve_interpolates():
    from ganbook.text.metrics import place_on_curve

    curve = [
        {"temperature": 0.8, "nll_oracle": 3.0, "nll_gen": 3.5},
        {"temperature": 1.0, "nll_oracle": 4.0, "nll_gen": 3.3},
    ]
    p = place_on_curve(curve, 3.5)
    assert p["temperature"] == pytest.approx(0.9) and p["nll_gen"] == pytest.approx(3.4)
    assert place_on_curve(curve, 10)["temperature"] == pytest.approx(1.0)
