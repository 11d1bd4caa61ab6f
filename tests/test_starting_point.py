"""The check harness's mode: no optimizer steps, shipped results untrained, instruments kept."""
import torch

from ganbook.image.classifier import load_digit_classifier
from ganbook.image.recipes import load_generator
from ganbook.pages import profile_summary
from ganbook.profiles import STARTING_POINT_STEPS, starting_point
from ganbook.text import LSTMGenerator, MLETrainer


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_starting_point_freezes_training_and_unloads_results(monkeypatch):
    G, _ = load_generator("image_dcgan_digits")
    clf, _ = load_digit_classifier(retrain_if_missing=False)
    monkeypatch.setenv("GANBOOK_STARTING_POINT", "1")
    assert starting_point() and "STARTING POINT" in profile_summary()
    model = LSTMGenerator(8, 4)
    before = [p.clone() for p in model.parameters()]
    seen, often = [], []
    hist = MLETrainer(model, torch.randint(0, 8, (20, 4)), device="cpu").fit(
        300, callbacks=[(100, lambda loop: seen.append(loop.step)),
                        (10, lambda loop: often.append(loop.step))], progress=False)
    # no update is taken, so a fit runs STARTING_POINT_STEPS steps; a callback due less often
    # than that runs at the last of them
    n = STARTING_POINT_STEPS
    assert len(hist["loss"]) == n and seen == [n] and often == list(range(10, n + 1, 10))
    trainer = MLETrainer(model, torch.randint(0, 8, (20, 4)), device="cpu")
    trainer.fit(50, progress=False)
    late = []
    trainer.fit(200, callbacks=[(150, lambda loop: late.append(loop.step))], progress=False)
    assert late == [2 * n]  # a second capped fit runs its callbacks at its last step too
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    G0, _ = load_generator("image_dcgan_digits")
    assert not same(G, G0)
    clf0, _ = load_digit_classifier(retrain_if_missing=False)
    assert same(clf, clf0)


def test_pretrained_starting_point_keeps_shipped_weights(monkeypatch):
    G, _ = load_generator("image_dcgan_digits")
    monkeypatch.setenv("GANBOOK_STARTING_POINT", "pretrained")
    assert starting_point()
    G1, _ = load_generator("image_dcgan_digits")
    assert same(G, G1)
