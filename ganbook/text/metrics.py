"""How good and how varied is generated text: BLEU, Self-BLEU, novelty, the temperature curve.

BLEU-n follows Texygen (Zhu et al., 2018): each generated sentence is scored by nltk's
sentence BLEU against the *whole* reference set, with uniform weights over 1..n-grams and
``SmoothingFunction().method1``; the scores are averaged. Self-BLEU scores each generated
sentence against all the others (high = the samples repeat each other = low diversity).

nltk's ``sentence_bleu`` recounts every reference for every hypothesis; here each reference
set is counted once (max count of each n-gram, and the lengths), then the same nltk pieces
(its ``Fraction``, smoothing and brevity penalty) finish each score. The unit tests check the
result equals ``nltk.translate.bleu_score.sentence_bleu`` exactly.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Hashable, Iterable, Sequence

import torch
from nltk.translate.bleu_score import Fraction, SmoothingFunction, brevity_penalty
from nltk.util import ngrams
from torch import Tensor

Sentence = Sequence[Hashable]
_SMOOTH = SmoothingFunction().method1


def _counts(sentence: Sentence, n: int) -> Counter:
    return Counter(ngrams(sentence, n)) if len(sentence) >= n else Counter()


def _closest(lengths: Counter, hyp_len: int) -> int:
    return min((r for r, c in lengths.items() if c > 0), key=lambda r: (abs(r - hyp_len), r))


def _bleu_one(hyp: Sentence, max_ref_count, ref_len: int, n: int) -> float:
    """nltk's sentence BLEU given, for each n-gram of ``hyp``, its max count in the references."""
    p_n = []
    for k in range(1, n + 1):
        counts = _counts(hyp, k)
        clipped = sum(min(c, max_ref_count(k, g, c)) for g, c in counts.items())
        p_n.append(Fraction(clipped, max(1, sum(counts.values())), _normalize=False))
    if p_n[0].numerator == 0:
        return 0.0
    p_n = _SMOOTH(p_n, hyp_len=len(hyp))
    weight = 1.0 / n
    bp = brevity_penalty(ref_len, len(hyp))
    return bp * math.exp(math.fsum(weight * math.log(p) for p in p_n if p > 0))


def _check(sentences: Sequence[Sentence], name: str) -> list[tuple]:
    sentences = [tuple(s) for s in sentences]
    if not sentences:
        raise ValueError(f"{name} must not be empty")
    if any(len(s) == 0 for s in sentences):
        raise ValueError(f"{name} contains an empty sentence")
    return sentences


def bleu(hypotheses: Sequence[Sentence], references: Sequence[Sentence], n: int = 4) -> float:
    """Mean sentence BLEU-n of ``hypotheses`` against all ``references``
    (token lists, or strings for characters)."""
    if not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    hyps, refs = _check(hypotheses, "hypotheses"), _check(references, "references")
    max_count: dict[int, dict] = {}
    for k in range(1, n + 1):
        table: dict = defaultdict(int)
        for r in refs:
            for g, c in _counts(r, k).items():
                table[g] = max(table[g], c)
        max_count[k] = table
    lengths = Counter(len(r) for r in refs)
    lookup = lambda k, g, c: max_count[k].get(g, 0)  # noqa: E731
    return sum(_bleu_one(h, lookup, _closest(lengths, len(h)), n) for h in hyps) / len(hyps)


def self_bleu(samples: Sequence[Sentence], n: int = 4) -> float:
    """Mean BLEU-n of each sample against all the other samples (Zhu et al., 2018):
    higher = less diverse."""
    sents = _check(samples, "samples")
    if len(sents) < 2:
        raise ValueError("self_bleu needs at least two samples")
    # For leave-one-out maxima keep, per n-gram, the top count, how many sentences reach it,
    # and the runner-up.
    top: dict[int, dict] = {}
    for k in range(1, n + 1):
        table: dict = {}
        for s in sents:
            for g, c in _counts(s, k).items():
                best, mult, second = table.get(g, (0, 0, 0))
                if c > best:
                    table[g] = (c, 1, best)
                elif c == best:
                    table[g] = (best, mult + 1, second)
                else:
                    table[g] = (best, mult, max(second, c))
        top[k] = table

    def others_max(k: int, g, own: int) -> int:
        best, mult, second = top[k][g]
        return best if (own < best or mult > 1) else second

    lengths = Counter(len(s) for s in sents)
    total = 0.0
    for s in sents:
        lengths[len(s)] -= 1
        total += _bleu_one(s, others_max, _closest(lengths, len(s)), n)
        lengths[len(s)] += 1
    return total / len(sents)


def novelty(samples: Iterable[Hashable], training: Iterable[Hashable]) -> float:
    """Share of samples that do not appear in the training set."""
    samples = list(samples)
    if not samples:
        raise ValueError("samples must not be empty")
    seen = set(training)
    return sum(s not in seen for s in samples) / len(samples)


def unigram_samples(texts: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """A no-context baseline: characters drawn by frequency,
    lengths drawn from the training lengths."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n!r}")
    gen = torch.Generator().manual_seed(seed)
    chars = Counter(ch for t in texts for ch in t)
    alphabet = list(chars)
    probs = torch.tensor([chars[c] for c in alphabet], dtype=torch.float)
    lengths = torch.tensor([len(t) for t in texts])
    out = []
    for length in lengths[torch.randint(len(lengths), (n,), generator=gen)].tolist():
        idx = torch.multinomial(probs, length, replacement=True, generator=gen)
        out.append("".join(alphabet[i] for i in idx.tolist()))
    return out


def temperature_curve(
    model,
    oracle,
    heldout: Tensor,
    temperatures: Sequence[float],
    n_samples: int = 2000,
    seed: int = 0,
) -> list[dict[str, float]]:
    """Quality (NLL_oracle) and coverage (NLL_gen) of ``model`` sampled at each temperature
    (Caccia et al., 2020).

    Lowering the temperature trades diversity for quality; a GAN only beats MLE if it lands
    below this curve, not merely below the T = 1 point.
    """
    from .oracle import nll_gen, nll_oracle

    if not temperatures or any(t <= 0 for t in temperatures):
        raise ValueError(
            f"temperatures must be a non-empty list of positive numbers, got {temperatures!r}"
        )
    gen = torch.Generator().manual_seed(seed)
    rows = []
    device = model.head.weight.device
    for t in temperatures:
        u = torch.rand(n_samples, model.seq_len, generator=gen).to(device)
        with torch.no_grad():
            samples = model(u, temperature=float(t))
        rows.append(
            {
                "temperature": float(t),
                "nll_oracle": nll_oracle(oracle, samples),
                "nll_gen": nll_gen(model, heldout, temperature=float(t)),
            }
        )
    return rows


def place_on_curve(curve: Sequence[dict[str, float]], nll_oracle_value: float) -> dict[str, float]:
    """The temperature at which the MLE curve reaches ``nll_oracle_value``,
    and the curve's NLL_gen there.

    A GAN whose NLL_gen is above that value bought its quality with more diversity than a
    temperature change would have cost; below, it beat the curve. Linear interpolation
    between the sweep's points (clamped at its ends).
    """
    pts = sorted(curve, key=lambda r: r["nll_oracle"])
    if len(pts) < 2:
        raise ValueError("curve needs at least two points")
    xs = [p["nll_oracle"] for p in pts]
    i = min(max(sum(x <= nll_oracle_value for x in xs) - 1, 0), len(pts) - 2)
    a, b = pts[i], pts[i + 1]
    w = min(
        max((nll_oracle_value - a["nll_oracle"]) / (b["nll_oracle"] - a["nll_oracle"]), 0.0), 1.0
    )
    return {
        "temperature": a["temperature"] + w * (b["temperature"] - a["temperature"]),
        "nll_gen": a["nll_gen"] + w * (b["nll_gen"] - a["nll_gen"]),
    }
