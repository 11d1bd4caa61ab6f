"""The digit classifier: shapes, training works, the shipped weights are accurate on the
held-out split."""

import pytest
import torch

from ganbook.image.classifier import (
    DigitClassifier,
    digit_accuracy,
    load_digit_classifier,
    random_shift,
    train_digit_classifier,
)
from ganbook.image.data import load_digits


def test_shapes_and_bad_input():
    model = DigitClassifier()
    x = torch.randn(5, 1, 8, 8)
    assert model(x).shape == (5, 10) and model.features(x).shape == (5, DigitClassifier.feature_dim)
    assert model.embed(x).shape == (5, 64) and model.predict(x).shape == (5,)
    with pytest.raises(ValueError, match="x must"):
        model(torch.randn(5, 1, 28, 28))
    with pytest.raises(ValueError, match="same length"):
        train_digit_classifier(x, torch.zeros(3, dtype=torch.long))


def test_random_shift_keeps_shape_and_mass():
    x = -torch.ones(20, 1, 8, 8)
    x[:, :, 4, 4] = 1.0
    y = random_shift(x)
    assert y.shape == x.shape and torch.equal(
        (y == 1).flatten(1).sum(1), torch.ones(20, dtype=torch.long)
    )


def test_training_learns_a_few_digits_quickly():
    x, y = load_digits("train")
    keep = y < 3
    model = train_digit_classifier(x[keep][:200], y[keep][:200], epochs=3)
    xt, yt = load_digits("test")
    keep_t = yt < 3
    assert digit_accuracy(model, xt[keep_t], yt[keep_t]) > 0.8


def test_shipped_classifier_is_accurate_on_held_out_digits():
    model, _ = load_digit_classifier(retrain_if_missing=False)
    assert digit_accuracy(model, *load_digits("test")) > 0.97


def test_one_pass_gives_the_features_and_classes_of_the_network_run_twice():
    """embed_and_predict (what DigitEvaluator.score uses) changes no number: its features are the
    body's and its classes the argmax of a full forward pass, batch by batch."""
    torch.manual_seed(0)
    model = DigitClassifier()
    x = torch.rand(70, 1, 8, 8) * 2 - 1
    features, classes = model.embed_and_predict(x, batch_size=32)
    with torch.no_grad():
        body = torch.cat([model.features(x[i : i + 32]) for i in range(0, 70, 32)])
        forward = torch.cat([model(x[i : i + 32]).argmax(1) for i in range(0, 70, 32)])
    assert torch.equal(features, body) and torch.equal(classes, forward)
    assert torch.equal(model.embed(x, 32), body) and torch.equal(model.predict(x, 32), forward)
