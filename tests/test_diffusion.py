"""Flow matching on the shared loop: it learns, samples at any step count, resumes exactly,
and names bad input."""

import pytest
import torch

from ganbook import seed_everything
from ganbook.beyond.diffusion import (
    DenoisingTrainer,
    FlowMatching,
    QualityCurve,
    load_flow,
    plot_quality_against_time,
    save_flow,
    seconds_per_image,
    time_features,
)


def blobs(n=256):
    """Two fixed 8x8 images: a distribution with two points, easy to learn."""
    a = -torch.ones(1, 8, 8)
    b = a.clone()
    a[:, 2:6, 2:6] = 1
    b[:, :, 3:5] = 1
    return torch.stack([a, b])[torch.arange(n) % 2]


def make(tmp_path=None, **kw):
    seed_everything(0)
    ckpt = tmp_path / "flow.pt" if tmp_path is not None else None
    return DenoisingTrainer(FlowMatching(width=64, depth=2), blobs(), batch_size=64, lr=3e-3,
                            device="cpu", checkpoint_path=ckpt, **kw)


def test_flow_learns_and_samples_near_the_data():
    tr = make()
    hist = tr.fit(300, progress=False)
    assert hist["loss"][-1] < 0.5 * hist["loss"][0]
    x = tr.model.sample(64, steps=16, seed=0)
    assert x.shape == (64, 1, 8, 8) and x.min() >= -1 and x.max() <= 1
    target = blobs(2)
    nearest = torch.cdist(x.flatten(1), target.flatten(1)).min(1).values
    noise = torch.cdist(torch.randn(64, 64), target.flatten(1)).min(1).values
    assert nearest.median() < 0.5 * noise.median()


def test_sampling_is_seeded_and_more_steps_help():
    tr = make()
    tr.fit(300, progress=False)
    m = tr.model
    assert torch.equal(m.sample(8, steps=4, seed=3), m.sample(8, steps=4, seed=3))
    target = blobs(2).flatten(1)
    dist = {k: torch.cdist(m.sample(64, steps=k, seed=1).flatten(1), target).min(1).values
            .mean() for k in (1, 16)}
    assert dist[16] < dist[1]  # one step gives the blurred mean of the two images


def test_resume_is_exact(tmp_path):
    full = make()
    full.fit(40, progress=False)
    part = make(tmp_path)
    part.fit(20, progress=False)
    again = make(tmp_path)
    assert again.resume()
    again.fit(40, progress=False)
    assert again.history["loss"] == full.history["loss"]


def test_ema_is_checkpointed_and_resumes_exactly(tmp_path):
    full = make(ema_decay=0.99)
    full.fit(30, progress=False)
    part = make(tmp_path, ema_decay=0.99)
    part.fit(15, progress=False)
    again = make(tmp_path, ema_decay=0.99)
    assert again.resume()
    again.fit(30, progress=False)
    assert again.sampling_model is again.ema
    for a, b in zip(again.ema.parameters(), full.ema.parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(full.ema.net[0].weight, full.model.net[0].weight)
    with pytest.raises(ValueError, match="ema_decay"):
        make(ema_decay=1.0)


def test_quality_curve_excludes_its_own_time():
    class Slow:
        def score(self, images):
            import time
            time.sleep(0.05)
            return type("S", (), {"fd": float(images.mean())})()

    tr = make()
    curve = QualityCurve(Slow(), lambda t: t.model.sample(4, steps=2, seed=0))
    tr.fit(20, callbacks=[(5, curve)], progress=False)
    assert [r[0] for r in curve.rows] == [5, 10, 15, 20]
    assert curve.column("seconds")[-1] < tr.history["seconds"][-1] - 0.1
    assert len(curve.column("fd")) == 4


def test_quality_against_time_plot():
    import matplotlib.pyplot as plt

    class Curve:  # what QualityCurve.column gives
        def column(self, key):
            return {"seconds": [1.0, 2.0], "fd": [4.0, 2.0]}[key]

    fig = plot_quality_against_time(
        2.0, {"live": Curve()}, {"shipped": (10.0, 1.5)},
        {"flow": {1: (0.1, 3.0), 4: (0.4, 1.5)}, "GAN": {1: (0.01, 1.2)}},
    )
    left, right = fig.axes
    assert list(left.lines[0].get_ydata()) == [2.0, 1.0]  # FD over the floor
    assert len(right.lines) == 2 and [t.get_text() for t in right.texts] == ["1", "4"]
    plt.close(fig)
    with pytest.raises(ValueError, match="floor_fd"):
        plot_quality_against_time(0.0, {}, {}, {})


def test_save_load_and_timing(tmp_path):
    m = FlowMatching(width=16, depth=1)
    save_flow(m, str(tmp_path / "f.pt"), steps=1)
    back, info = load_flow(str(tmp_path / "f.pt"))
    assert info["steps"] == 1 and "steps" not in info["config"]
    assert torch.equal(back.sample(2, steps=2, seed=0), m.sample(2, steps=2, seed=0))
    assert seconds_per_image(lambda k: m.sample(k, steps=2), n=8, repeats=1) > 0
    assert time_features(torch.rand(5), 8).shape == (5, 8)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="time_dim"):
        FlowMatching(time_dim=7)
    with pytest.raises(ValueError, match="width"):
        FlowMatching(width=0)
    with pytest.raises(ValueError, match="x must have shape"):
        FlowMatching().loss(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="steps"):
        FlowMatching().sample(2, steps=0)
    with pytest.raises(ValueError, match="loss"):
        DenoisingTrainer(torch.nn.Linear(2, 2), blobs())
    with pytest.raises(ValueError, match="batch_size"):
        DenoisingTrainer(FlowMatching(), blobs(), batch_size=0)


def test_quality_curve_round_trips_through_a_checkpoint(tmp_path):
    """to_dict is what bench/trends_train.py ships beside the DCGAN; from_dict plots it again."""
    from ganbook.core.checkpoint import load_checkpoint, save_checkpoint
    from ganbook.image.metrics import Scores

    class Evaluator:
        def score(self, images):
            return Scores(float(images.abs().mean()), 0.1, 0.5, 0.6, [0.1] * 10, 0.9)

    tr = make()
    curve = QualityCurve(Evaluator(), lambda t: t.model.sample(4, steps=2, seed=0))
    tr.fit(10, callbacks=[(5, curve)], progress=False)
    save_checkpoint(tmp_path / "c.pt", {"curve": curve.to_dict()})
    back = QualityCurve.from_dict(load_checkpoint(tmp_path / "c.pt")["curve"], Scores)
    assert back.rows == curve.rows
    with pytest.raises(ValueError, match="cannot score"):
        back(tr)
    with pytest.raises(ValueError, match="step, seconds and scores"):
        QualityCurve.from_dict({"step": [5]}, Scores)
