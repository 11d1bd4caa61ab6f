"""The inverse-CDF sampler draws from the right distribution and never leaves the vocabulary."""

import pytest
import torch

from ganbook.text.sampling import SAMPLERS, sample_inverse_cdf, sample_logits, time_samplers


def test_inverse_cdf_matches_the_distribution():
    torch.manual_seed(0)
    p = torch.tensor([0.5, 0.0, 0.2, 0.25, 0.05])
    n = 200_000
    draws = sample_inverse_cdf(p.expand(n, 5), torch.rand(n))
    freq = torch.bincount(draws, minlength=5).float() / n
    assert freq[1] == 0, "a zero-probability token was drawn"
    # chi-square with 3 degrees of freedom (4 nonzero cells); 16.3 is the 0.999 quantile
    nz = p > 0
    chi2 = (((freq[nz] - p[nz]) * n) ** 2 / (p[nz] * n)).sum()
    assert chi2 < 16.3, f"chi2={chi2:.1f}, freq={freq.tolist()}"


def test_inverse_cdf_edges_and_unnormalised_rows():
    p = torch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 2.0]])  # second row is unnormalised
    assert sample_inverse_cdf(p, torch.tensor([0.0, 0.0])).tolist() == [1, 0]
    assert sample_inverse_cdf(p, torch.tensor([0.9999999, 0.9999999])).tolist() == [1, 2]
    assert sample_inverse_cdf(p, torch.tensor([0.5, 0.5])).tolist() == [1, 2]
    with pytest.raises(ValueError, match="u must have shape"):
        sample_inverse_cdf(p, torch.rand(3))
    with pytest.raises(ValueError, match="temperature"):
        sample_logits(torch.zeros(2, 3), torch.rand(2), temperature=0)


def test_all_samplers_agree_in_distribution():
    torch.manual_seed(1)
    p = torch.softmax(torch.randn(8), 0)
    n = 60_000
    for name, fn in SAMPLERS.items():
        freq = torch.bincount(fn(p.expand(n, 8).contiguous()), minlength=8).float() / n
        assert (freq - p).abs().max() < 0.01, name


def test_low_temperature_approaches_argmax():
    logits = torch.tensor([[1.0, 3.0, 2.0]]).expand(1000, 3)
    assert (sample_logits(logits, torch.rand(1000), temperature=0.01) == 1).all()


def test_time_samplers_reports_each_sampler():
    t = time_samplers(batch=4, vocab=10, repeats=2)
    assert set(t) == set(SAMPLERS) and all(v > 0 for v in t.values())


@pytest.mark.parametrize("t", [float("nan"), float("inf"), 0.0, -1.0])
def test_sample_logits_refuses_a_temperature_that_is_not_positive_and_finite(t):
    with pytest.raises(ValueError, match="temperature must be a positive finite number, got"):
        sample_logits(torch.zeros(2, 3), torch.rand(2), t)
