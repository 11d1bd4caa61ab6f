"""The small-data study: KID against held-out images, gap and KID curves, scores, errors."""

import matplotlib
import pytest
import torch

from ganbook.image.smalldata import SmallDataStudy

matplotlib.use("Agg")


def _images(n, seed):
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_kid_floor_is_small_and_far_images_score_higher():
    study = SmallDataStudy(
        _images(40, 0), _images(10, 1), pca_dim=4, kid_subsets=5, kid_subset_size=10
    )
    floor, _ = study.kid(_images(40, 2))
    far, _ = study.kid(-torch.ones(40, 1, 8, 8))
    assert abs(floor) < 0.1 < far


def test_runs_record_gaps_and_scores():
    study = SmallDataStudy(
        _images(24, 0), _images(8, 1), pca_dim=4, kid_subsets=3, kid_subset_size=8
    )
    kwargs = dict(width=8, latent_dim=4, batch_size=8, seed=0, progress=False, device="cpu")
    study.run("plain", 4, points=2, **kwargs)
    trainer = study.run("augmented", 4, points=2, augment="translation", **kwargs)
    assert [step for step, _, _ in study.curves["augmented"]] == [2, 4]
    kids = [kid for _, _, kid in study.curves["plain"]]
    assert study.late_kid("plain") == pytest.approx(kids[-1])  # step 4 is the second half
    assert study.runs["augmented"] is trainer
    scores = study.scores("plain", n=16, seed=1)
    assert set(scores) == {"kid", "late_kid", "gap", "memorisation"} and len(scores["kid"]) == 2
    assert scores == study.scores("plain", n=16, seed=1)  # seeded samples, unaugmented D
    study.plot_curves(untrained_kid=1.0)
    with pytest.raises(ValueError, match="already"):
        study.run("plain", 1, **kwargs)
    with pytest.raises(ValueError, match="name must be"):
        study.scores("missing")
    with pytest.raises(ValueError, match="name must be"):
        study.late_kid("missing")


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="kid_subset_size"):
        SmallDataStudy(_images(10, 0), _images(5, 1), pca_dim=2, kid_subset_size=6)
    with pytest.raises(ValueError, match="train and heldout"):
        SmallDataStudy(_images(10, 0), torch.zeros(5, 1, 4, 4))
    study = SmallDataStudy(_images(10, 0), _images(5, 1), pca_dim=2, kid_subset_size=5)
    with pytest.raises(ValueError, match="points"):
        study.run("x", 2, points=0)
