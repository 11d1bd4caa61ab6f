"""The evaluation chapter's from-scratch metrics give the library's numbers."""

from __future__ import annotations

import pytest
import torch

from ganbook.image.from_scratch import fd_from_scratch, mmd2_unbiased, pr_from_scratch
from ganbook.image.metrics import frechet_distance, kernel_distance, precision_recall


@pytest.fixture
def features():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(300, 6, generator=gen, dtype=torch.float64)
    b = 0.8 * torch.randn(300, 6, generator=gen, dtype=torch.float64) + 0.3
    return a, b


def test_fd_matches_the_library(features):
    a, b = features
    assert fd_from_scratch(a, b) == pytest.approx(frechet_distance(a, b), rel=1e-6)
    assert fd_from_scratch(a, a) == pytest.approx(0.0, abs=1e-8)


def test_kid_statistic_matches_the_library_on_one_full_subset(features):
    a, b = features
    library = kernel_distance(a, b, subsets=1, subset_size=len(a))[0]
    assert mmd2_unbiased(a, b) == pytest.approx(library, rel=1e-6, abs=1e-10)


def test_precision_recall_match_the_library(features):
    a, b = features
    assert pr_from_scratch(a, b) == pytest.approx(precision_recall(a, b))
    far = b + 100.0
    assert pr_from_scratch(a, far) == (0.0, 0.0), "disjoint sets: nothing inside"
