"""CycleGAN on thin and thick digits: domains, stroke measures, the image pool, the trainer."""

import numpy as np
import pytest
import torch

from ganbook.applications.cyclegan import (
    CycleGANTrainer,
    DiscriminatorPair,
    GeneratorPair,
    ImagePool,
    UnpairedSampler,
    cyclegan,
    digit_domains,
    evaluate_translation,
    ink_share,
    input_correlation,
    stroke_width,
    thicken,
    to_classifier_size,
)
from ganbook.applications.patchgan import PatchDiscriminator
from ganbook.applications.unet import UNet


def bar(width: int, length: int = 10, size: int = 16) -> torch.Tensor:
    x = -torch.ones(1, 1, size, size)
    top = (size - width) // 2
    x[..., top : top + width, 3 : 3 + length] = 1.0
    return x


@pytest.fixture(scope="module")
def domains():
    return digit_domains()


@pytest.mark.parametrize("radius", [1, 2])
def test_thicken_is_skimage_dilation_with_a_disk(radius):
    from skimage.morphology import dilation, disk

    torch.manual_seed(0)
    x = torch.rand(3, 1, 12, 12) * 2 - 1
    r = radius
    ref = np.stack(
        [dilation(np.pad(i[0].numpy(), r, constant_values=-1), disk(r))[r:-r, r:-r] for i in x]
    )
    np.testing.assert_array_equal(thicken(x, radius)[:, 0].numpy(), ref)


def test_stroke_width_and_ink_share_of_known_bars():
    widths = [stroke_width(bar(w)).item() for w in (1, 3, 5)]
    assert widths[0] == pytest.approx(1.0, abs=0.15)
    assert 2.3 < widths[1] < 3.0 < 4.0 < widths[2] < 5.0
    assert ink_share(bar(2, 8)).item() == pytest.approx(16 / 256)
    assert stroke_width(-torch.ones(2, 1, 8, 8)).tolist() == [0.0, 0.0]
    # dilation by one pixel widens a 1-px line to 3 px
    assert stroke_width(thicken(bar(1))).item() == pytest.approx(widths[1], abs=0.3)


def test_domains_are_disjoint_halves_and_b_is_thicker(domains):
    d = domains
    assert set(d.a_index.tolist()).isdisjoint(d.b_index.tolist())
    assert len(d.a) + len(d.b) == 1347 and d.a.shape[1:] == (1, 16, 16)
    assert len(d.test_a) == len(d.test_b) == len(d.test_labels) == 450
    assert torch.equal(d.test_b, thicken(d.test_a)) and torch.equal(d.a_thick, thicken(d.a))
    assert stroke_width(d.b[:100]).mean() > 1.5 * stroke_width(d.a[:100]).mean()
    assert to_classifier_size(d.a).shape == (len(d.a), 1, 8, 8)


def test_bad_arguments_are_named():
    x = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ValueError, match="radius"):
        thicken(x, 0)
    with pytest.raises(ValueError, match="x must"):
        thicken(torch.zeros(2, 8, 8))
    with pytest.raises(ValueError, match="size must be a multiple of 8"):
        digit_domains(size=12)
    with pytest.raises(ValueError, match="divisible by 8"):
        to_classifier_size(torch.zeros(1, 1, 12, 12))
    with pytest.raises(ValueError, match="size"):
        ImagePool(-1)
    with pytest.raises(ValueError, match="same image shape"):
        UnpairedSampler(x, torch.zeros(2, 1, 16, 16))


def test_image_pool_fills_then_mixes_old_and_new():
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first), first) and len(pool) == 4
    new = 10 + torch.arange(64.0).view(64, 1, 1, 1)
    out = pool.query(new)
    assert out.shape == new.shape and len(pool) == 4
    old = ~torch.isin(out.flatten(), new.flatten())
    assert 0 < old.sum() < 64  # some swapped for stored fakes, some fresh
    state = pool.state_dict()
    again = ImagePool(4)
    again.load_state_dict(state)
    assert torch.equal(again.images, pool.images)
    assert torch.equal(ImagePool(0).query(new), new)
    with pytest.raises(ValueError, match="pool size"):
        ImagePool(5).load_state_dict(state)


def small(cycle_weight=10.0, **kwargs):
    torch.manual_seed(0)
    a = torch.rand(20, 1, 8, 8) * 2 - 1
    b = torch.rand(20, 1, 8, 8) * 2 - 1
    return cyclegan(
        UnpairedSampler(a, b), width=4, d_width=4, cycle_weight=cycle_weight, batch_size=4,
        pool_size=3, device="cpu", **kwargs,
    ), a


def test_one_step_trains_both_directions_and_records_each_term():
    trainer, a = small()
    before = {k: v.clone() for k, v in trainer.G.state_dict().items()}
    trainer.fit(2, progress=False)
    h = trainer.history
    for key in ("d_loss", "d_a", "d_b", "g_loss", "cycle", "identity", "g_total"):
        assert len(h[key]) == 2 and np.isfinite(h[key]).all(), key
    after = trainer.G.state_dict()
    for name in ("ab.out.weight", "ba.out.weight"):
        assert not torch.equal(before[name], after[name]), name
    assert trainer.identity_weight == 5.0 and trainer.config()["cycle_weight"] == 10.0
    assert torch.equal(trainer.generate(5, a[:5]), trainer.translate(a[:5]))
    assert trainer.translate(a[:5], "aba").shape == (5, 1, 8, 8)
    assert len(trainer.pool_a) == len(trainer.pool_b) == 3


def test_without_the_cycle_term_there_is_neither_cycle_nor_identity():
    trainer, _ = small(cycle_weight=0.0)
    trainer.fit(1, progress=False)
    assert "cycle" not in trainer.history and "identity" not in trainer.history
    kept, _ = small(cycle_weight=0.0, identity_weight=2.0)
    kept.fit(1, progress=False)
    assert "identity" in kept.history and "cycle" not in kept.history


def test_resume_is_exact_pools_included(tmp_path):
    straight, _ = small()
    straight.fit(4, progress=False)
    first, _ = small()
    first.fit(2, progress=False)
    first.save(tmp_path / "run.pt")
    resumed, _ = small()
    assert resumed.resume(tmp_path / "run.pt")
    assert torch.equal(resumed.pool_b.images, first.pool_b.images)
    resumed.fit(4, progress=False)
    for (name, x), y in zip(straight.G.state_dict().items(), resumed.G.state_dict().values()):
        assert torch.equal(x, y), name
    assert torch.equal(straight.pool_a.images, resumed.pool_a.images)
    assert straight.history["g_total"] == resumed.history["g_total"]
    with pytest.raises(ValueError, match="image pools"):
        resumed.load_state_dict({**first.state_dict(), "pools": None})


def test_trainer_refuses_wrong_networks_and_fixed_settings():
    sample = UnpairedSampler(torch.zeros(4, 1, 8, 8), torch.zeros(4, 1, 8, 8))
    G = GeneratorPair(UNet(1, 1, 4), UNet(1, 1, 4))
    D = DiscriminatorPair(PatchDiscriminator(1, 4), PatchDiscriminator(1, 4))
    with pytest.raises(ValueError, match="generator must be a GeneratorPair"):
        CycleGANTrainer(UNet(1, 1, 4), D, sample)
    with pytest.raises(ValueError, match="discriminator must be a DiscriminatorPair"):
        CycleGANTrainer(G, PatchDiscriminator(1, 4), sample)
    with pytest.raises(ValueError, match="paired"):
        CycleGANTrainer(G, D, sample, paired=False)
    for bad in (-1, None, "10"):
        with pytest.raises(ValueError, match="cycle_weight"):
            CycleGANTrainer(G, D, sample, cycle_weight=bad)
    with pytest.raises(ValueError, match="identity_weight"):
        CycleGANTrainer(G, D, sample, identity_weight=-0.5)
    trainer = CycleGANTrainer(G, D, sample, device="cpu")
    with pytest.raises(ValueError, match="direction"):
        trainer.translate(torch.zeros(1, 1, 8, 8), "ac")


def test_pix2pix_upper_bound_trains_on_pairs():
    from ganbook.applications.pix2pix import pix2pix_trainer

    torch.manual_seed(0)
    x = torch.rand(10, 1, 8, 8) * 2 - 1
    trainer = pix2pix_trainer("l1+cgan", x, thicken(x), width=4, d_width=4, batch_size=4,
                              ema_decay=0.999, device="cpu")
    trainer.fit(2, progress=False)
    assert "l1" in trainer.history and trainer.generate(3, x[:3]).shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="pairs of the same size"):
        pix2pix_trainer("l1+cgan", x, x[:5])
    with pytest.raises(ValueError, match="the first argument"):
        pix2pix_trainer(x, x, x)


def test_evaluate_translation_on_the_truth(domains):
    from ganbook.image.classifier import load_digit_classifier

    clf, _ = load_digit_classifier()
    d = domains
    row = evaluate_translation(d.test_b, d.test_labels, clf, d.test_b, d.test_a, d.test_a)
    assert row["L1 to truth"] == 0.0 and row["correlation with input"] > 0.9
    assert row["kept after round trip"] > 0.95  # the thin test digits read as themselves
    assert 0.7 < row["digit kept"] < row["kept after round trip"]
    assert row["stroke width"] > 3.5 and not np.isnan(row["ink share"])
    with pytest.raises(ValueError, match="same images"):
        evaluate_translation(d.test_b[:5], d.test_labels, clf, d.test_b)


def test_digit_tracker_records_without_changing_the_run(domains):
    from ganbook.applications.cyclegan import DigitTracker
    from ganbook.image.classifier import load_digit_classifier

    clf, _ = load_digit_classifier()
    d = domains

    def run(track):
        torch.manual_seed(0)
        trainer = cyclegan(UnpairedSampler(d.a, d.b), width=4, d_width=4, batch_size=4,
                           device="cpu")
        tracker = DigitTracker(clf, d.test_a[:20], d.test_labels[:20])
        trainer.fit(3, callbacks=[(1, tracker)] if track else [], progress=False)
        return trainer, tracker

    tracked, tracker = run(True)
    plain, _ = run(False)
    assert tracker.steps == [1, 2, 3] and len(tracker.kept) == len(tracker.round_trip) == 3
    assert tracked.history["g_total"] == plain.history["g_total"]
    late = tracker.late_mean(0.5)
    assert late["kept"] == pytest.approx(np.mean(tracker.kept[-2:]))
    with pytest.raises(ValueError, match="fraction"):
        tracker.late_mean(0)
    with pytest.raises(ValueError, match="nothing recorded"):
        DigitTracker(clf, d.test_a[:2], d.test_labels[:2]).late_mean()
    with pytest.raises(ValueError, match="labels"):
        DigitTracker(clf, d.test_a[:2], d.test_labels[:3])


def test_input_correlation_known_cases():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    assert input_correlation(x, x).tolist() == pytest.approx([1.0] * 4)
    assert input_correlation(-x, x).tolist() == pytest.approx([-1.0] * 4)
    assert input_correlation(2 * x + 0.5, x).tolist() == pytest.approx([1.0] * 4)
    assert input_correlation(torch.zeros_like(x), x).tolist() == [0.0] * 4
    with pytest.raises(ValueError, match="inputs must"):
        input_correlation(x, x[:2])
