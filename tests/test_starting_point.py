"""The check harness's mode: no optimizer steps, shipped results untrained, instruments kept."""
import torch

from ganbook.core.profiles import STARTING_POINT_STEPS, starting_point
from ganbook.image.classifier import load_digit_classifier
from ganbook.image.recipes import load_generator
from ganbook.pages.page import profile_summary
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


def test_an_instrument_trains_in_full_at_the_starting_point(monkeypatch):
    """A network that measures others (Loop.instrument) is not frozen by the harness's mode,
    nor capped at STARTING_POINT_STEPS: the two-sample test still tells noise from digits."""
    from torch import nn

    from ganbook.applications.quality import TwoSampleTrainer, two_sample_accuracy
    from ganbook.image.data import load_digits

    monkeypatch.setenv("GANBOOK_STARTING_POINT", "1")
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Flatten(), nn.Linear(64, 1), nn.Flatten(0))
    before = [p.clone() for p in critic.parameters()]
    x, labels = torch.randn(40, 1, 8, 8), (torch.arange(40) % 2).float()
    trainer = TwoSampleTrainer(critic, x, labels, batch_size=8)
    trainer.fit(STARTING_POINT_STEPS + 20, progress=False)
    assert trainer.step == STARTING_POINT_STEPS + 20
    assert not all(torch.equal(a, b) for a, b in zip(before, critic.parameters()))
    digits, _ = load_digits("train")
    assert two_sample_accuracy(digits[:200], torch.rand(200, 1, 8, 8) * 2 - 1) > 0.9
