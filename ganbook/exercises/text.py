"""Checkers for the text chapters and the hands-on project: sampling, annealing, BLEU and
the soft embedding that lets gradients reach a text generator."""

from __future__ import annotations

from typing import Callable

import torch

from .runner import Case, run_checks


def check_temperature(fn: Callable) -> bool:
    """``fn(logits, temperature)`` must give the sampling probabilities softmax(logits / T)
    over the last dimension, the distribution :func:`ganbook.text.sampling.sample_logits`
    draws from."""
    from ..core.loop import check_positive

    def reference(logits: torch.Tensor, temperature: float) -> torch.Tensor:
        temperature = check_positive("temperature", temperature, integer=False)
        return torch.softmax(logits / temperature, dim=-1)

    gen = torch.Generator().manual_seed(8)
    cases = [
        Case((torch.randn(5, generator=gen), 1.0), "T = 1: the model's own distribution"),
        Case((torch.randn(2, 6, generator=gen), 0.5), "two rows, T = 0.5: sharper"),
        Case((torch.randn(3, 4, generator=gen), 2.0), "T = 2: flatter"),
        Case((torch.tensor([12.0, 11.0, -3.0]), 0.01),
             "T = 0.01: exp(logits / T) overflows unless you subtract the row's maximum"),
        Case((torch.tensor([[1.0, 2.0, 3.0]]), 1000.0), "a very high T: almost uniform"),
    ]
    return run_checks(fn, reference, cases, atol=1e-6, rtol=1e-5)


def check_inverse_cdf(fn: Callable) -> bool:
    """``fn(probs, u)`` must turn one uniform per row into a token: the number of cumulative
    probabilities <= u * total, at most V - 1, as
    :func:`ganbook.text.sampling.sample_inverse_cdf`."""
    from ..text.sampling import sample_inverse_cdf

    gen = torch.Generator().manual_seed(9)
    probs = torch.softmax(torch.randn(6, 5, generator=gen), -1)
    zeros = torch.tensor([[0.0, 0.5, 0.0, 0.5], [0.25, 0.25, 0.5, 0.0]])
    cases = [
        Case((probs, torch.rand(6, generator=gen)), "six rows, random uniforms"),
        Case((zeros, torch.tensor([0.0, 0.3])),
             "u = 0 before a zero-probability token: that token must never be drawn"),
        Case((zeros, torch.tensor([0.5, 0.9999999])),
             "u at a boundary, and u just below 1 after a last token of probability 0"),
        Case((torch.softmax(torch.randn(2, 3, 4, generator=gen), -1),
              torch.rand(2, 3, generator=gen)), "a (2, 3) batch of distributions"),
        Case((torch.tensor([[1.0, 3.0]]), torch.tensor([0.3])),
             "unnormalised weights: scale u by the row's total"),
    ]
    return run_checks(fn, sample_inverse_cdf, cases)


def check_beta_schedule(fn: Callable) -> bool:
    """``fn(step, total, beta_max)`` must be the exponential annealing of the inverse
    temperature, beta_max ** (step / total) clamped to [1, beta_max], as
    :func:`ganbook.text.gumbel.beta_schedule`."""
    from ..text.gumbel import beta_schedule

    def reference(step: int, total: int, beta_max: float) -> float:
        return beta_schedule(step, total, beta_max, kind="exp")

    cases = [
        Case((0, 100, 100.0), "the first step: beta = 1"),
        Case((50, 100, 100.0), "half way: the geometric middle, 10"),
        Case((100, 100, 100.0), "the last step: beta_max"),
        Case((250, 100, 100.0), "past the end: stay at beta_max"),
        Case((-5, 100, 100.0), "before the start: stay at 1"),
        Case((1, 3, 1000.0), "a third of the way to 1000"),
    ]
    return run_checks(fn, reference, cases, atol=1e-9, rtol=1e-9)


def check_bleu1(fn: Callable) -> bool:
    """``fn(hypothesis, references)`` must be sentence BLEU-1 of one string of characters:
    clipped unigram precision times the brevity penalty, as ``ganbook.text.metrics.bleu``
    with ``n=1``."""
    from ..text.metrics import bleu

    def reference(hypothesis: str, references: list[str]) -> float:
        return bleu([hypothesis], references, n=1)

    cases = [
        Case(("maria", ["maria", "marie", "mark"]), "a name from the references: 1"),
        Case(("aaaa", ["ab", "ba"]), "clipping: 'a' counts at most once (its most in one name)"),
        Case(("nnn", ["anna", "nn"]),
             "clip by the largest count in any *one* reference, not the sum"),
        Case(("an", ["anna", "anne"]), "shorter than every reference: brevity penalty"),
        Case(("emma", ["eve", "elena"]),
             "references as close above as below (3 and 5): the shorter one counts"),
        Case(("xyz", ["anna", "bob"]), "nothing in common: 0"),
    ]
    return run_checks(fn, reference, cases, atol=1e-9, rtol=1e-9)


def _embedding_and_gradient(embed: Callable) -> Callable:
    """Wrap ``embed(x, E)``: its output and, for float ``x``, the gradient with respect to
    ``x`` of a fixed linear function of that output."""

    def run(x: torch.Tensor, E: torch.Tensor) -> dict:
        if x.dtype == torch.long:
            return {"output": embed(x, E)}
        x = x.clone().requires_grad_(True)
        out = embed(x, E)
        if not torch.is_tensor(out):
            return {"output": out}
        grad = None
        if out.requires_grad:
            weight = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
            (grad,) = torch.autograd.grad((out * weight).sum(), x, allow_unused=True)
        return {"output": out.detach(), "gradient with respect to x": grad}

    return run


def check_soft_embedding(fn: Callable) -> bool:
    """``fn(x, E)`` must embed token ids (long, (batch, length)) as rows of ``E`` (vocab, emb)
    and probability vectors (float, (batch, length, vocab)) as ``x @ E``, differentiably in
    ``x``: the embedding of :class:`ganbook.text.CNNDiscriminator`."""
    from ..text.discriminator import CNNDiscriminator

    def reference(x: torch.Tensor, E: torch.Tensor) -> torch.Tensor:
        with torch.random.fork_rng():  # building D draws its initial weights
            D = CNNDiscriminator(E.shape[0], emb_dim=E.shape[1])
        with torch.no_grad():
            D.embedding.copy_(E)
        return D.embed(x)

    gen = torch.Generator().manual_seed(10)
    E = torch.randn(7, 3, generator=gen)
    ids = torch.randint(7, (2, 5), generator=gen)
    soft = torch.softmax(torch.randn(2, 5, 7, generator=gen) * 2, -1)
    cases = [
        Case((ids, E), "token ids: pick rows of E"),
        Case((torch.nn.functional.one_hot(ids, 7).float(), E),
             "one-hot vectors: the same rows, by a matrix product"),
        Case((soft, E), "softmax vectors: a weighted mix of rows, with a gradient"),
    ]
    return run_checks(fn, _embedding_and_gradient(reference), cases, atol=1e-5, rtol=1e-5,
                      wrap=_embedding_and_gradient)
