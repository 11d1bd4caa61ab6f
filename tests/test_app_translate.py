"""ganbook.applications.pix2pix: paired data, colourfulness, scores and the pix2pix arms."""

import pytest
import torch

from ganbook.applications.pix2pix import (
    ARMS,
    canny_edges,
    colourfulness,
    edge_digit_pairs,
    grey_colour_pairs,
    pix2pix_trainer,
    show_translations,
    translation_scores,
)
from ganbook.image.classifier import digit_accuracy
from ganbook.image.colour import to_grey


def square(size=16, side=8):
    img = -torch.ones(1, 1, size, size)
    lo = (size - side) // 2
    img[..., lo : lo + side, lo : lo + side] = 1.0
    return img


def test_canny_finds_the_outline_of_a_square():
    edges = canny_edges(square())
    assert edges.shape == (1, 1, 16, 16) and set(edges.unique().tolist()) <= {-1.0, 1.0}
    on = edges[0, 0] > 0
    assert on.sum() > 16  # the four sides
    assert not on[:3].any() and not on[8, 7:9].any()  # nothing far outside, nothing at the centre
    assert canny_edges(-torch.ones(2, 1, 16, 16)).max() == -1.0  # flat: no edges


def test_edge_digit_pairs_shapes_and_range():
    edges, digits, labels = edge_digit_pairs("test", size=16)
    assert edges.shape == digits.shape == (450, 1, 16, 16) and labels.shape == (450,)
    assert digits.min() >= -1 and digits.max() <= 1
    assert 0.05 < (edges > 0).float().mean() < 0.4
    with pytest.raises(ValueError, match="size"):
        edge_digit_pairs("test", size=20)
    with pytest.raises(ValueError, match="split"):
        edge_digit_pairs("val")


def test_to_grey_and_colour_pairs():
    rgb = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(2, 3, 4, 4)
    assert torch.allclose(to_grey(rgb), torch.full((2, 1, 4, 4), 0.299 - 0.587 - 0.114))
    torch.manual_seed(0)
    grey, colour = grey_colour_pairs(7, size=8, zoom=2)
    assert grey.shape == (7, 1, 8, 8) and colour.shape == (7, 3, 8, 8)
    assert torch.allclose(grey, to_grey(colour))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        to_grey(grey)
    with pytest.raises(ValueError, match="zoom"):
        grey_colour_pairs(6, zoom=0)
    with pytest.raises(ValueError, match="n must"):
        grey_colour_pairs(2)


def test_colourfulness_known_values():
    grey = torch.rand(3, 1, 8, 8).expand(-1, 3, -1, -1) * 2 - 1
    assert colourfulness(grey) == pytest.approx(0.0, abs=1e-4)
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    # uniform pure red: rg = 255, yb = 127.5, no spread -> 0.3 * sqrt(255^2 + 127.5^2)
    assert colourfulness(red) == pytest.approx(0.3 * (255**2 + 127.5**2) ** 0.5, rel=1e-5)
    half = torch.cat([red[..., :2], -torch.ones(1, 3, 4, 2)], dim=-1)  # red | black halves
    assert colourfulness(half) > colourfulness(red) * 0.5
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        colourfulness(torch.zeros(1, 1, 4, 4))


class Oracle(torch.nn.Module):
    """Predicts class 1 when the top-left pixel is bright."""

    def forward(self, x):
        return torch.stack([x[:, 0, 0, 0] <= 0, x[:, 0, 0, 0] > 0], 1).float()


def test_digit_accuracy_pools_to_8x8_and_translation_scores():
    x = -torch.ones(4, 1, 16, 16)
    x[:2, :, :2, :2] = 1.0
    labels = torch.tensor([1, 1, 0, 1])
    assert digit_accuracy(Oracle(), x, labels) == 0.75
    with pytest.raises(ValueError, match="multiple of 8"):
        digit_accuracy(Oracle(), torch.zeros(4, 1, 12, 12), labels)
    scores = translation_scores(x, x, labels, Oracle())
    assert scores["L1"] == 0.0 and scores["classifier accuracy"] == 0.75
    assert scores["sharpness"] > 0 and "colourfulness" not in scores
    flat = translation_scores(torch.zeros(2, 3, 8, 8), torch.ones(2, 3, 8, 8))
    assert flat == {"L1": 1.0, "sharpness": 0.0, "colourfulness": 0.0}
    with pytest.raises(ValueError, match="same shape"):
        translation_scores(x, x[:2])
    with pytest.raises(ValueError, match="together"):
        translation_scores(x, x, labels)


@pytest.mark.parametrize("arm", ARMS)
def test_arms_build_the_objective_they_name(arm):
    torch.manual_seed(0)
    inputs, targets = torch.rand(8, 1, 8, 8) * 2 - 1, torch.rand(8, 3, 8, 8) * 2 - 1
    trainer = pix2pix_trainer(arm, inputs, targets, width=4, depth=1, batch_size=4)
    conditional = arm.endswith("cgan")
    assert trainer.paired and trainer.d_sees_input == conditional
    assert trainer.D.in_channels == 3 + conditional
    assert [t.name for t in trainer.terms] == (["l1"] if "l1" in arm else [])
    assert trainer.adv_weight == (0.0 if arm == "l1" else 1.0)
    trainer.fit(2, progress=False)
    assert "l1" in trainer.history or "l1" not in arm
    assert trainer.generate(3, inputs[:3]).shape == (3, 3, 8, 8)


def test_l1_arm_learns_a_pixelwise_map():
    torch.manual_seed(0)
    x = torch.rand(64, 1, 8, 8) * 2 - 1
    trainer = pix2pix_trainer("l1", x, -x, width=8, depth=1, batch_size=16, lr_g=2e-3)
    before = translation_scores(trainer.generate(64, x, ema=False), -x)["L1"]
    trainer.fit(40, progress=False)
    after = translation_scores(trainer.generate(64, x, ema=False), -x)["L1"]
    assert after < 0.5 * before, (before, after)


def test_pix2pix_trainer_rejects_bad_arguments():
    x = torch.zeros(4, 1, 8, 8)
    with pytest.raises(ValueError, match="arm"):
        pix2pix_trainer("l2", x, x)
    with pytest.raises(ValueError, match="pairs"):
        pix2pix_trainer("l1", x, x[:3])
    with pytest.raises(ValueError, match="inputs"):
        pix2pix_trainer("l1", x[0], x)


def test_show_translations_draws_one_column_each():
    x = torch.zeros(4, 1, 8, 8)
    fig = show_translations(x, {"L1": torch.zeros(4, 3, 8, 8)}, torch.zeros(4, 3, 8, 8), n=3)
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="n must"):
        show_translations(x, {}, x, n=0)
