"""DiffAugment: shapes, ranges of each transformation, gradients flow, wrapper and errors."""

import pytest
import torch

from ganbook.image.dcgan import DCGANDiscriminator
from ganbook.image.diffaugment import (
    AugmentedDiscriminator,
    augment_color,
    augment_cutout,
    augment_translation,
    diff_augment,
    unaugmented,
)


def test_translation_moves_content_and_pads_with_background():
    torch.manual_seed(0)
    x = -torch.ones(64, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    y = augment_translation(x, ratio=0.125)
    assert y.shape == x.shape
    assert torch.equal(
        (y == 1).flatten(1).sum(1), torch.full((64,), 4)
    )  # a 1-pixel shift keeps the blob
    assert (y != x).flatten(1).any(1).float().mean() > 0.5


def test_cutout_blanks_a_square():
    torch.manual_seed(0)
    y = augment_cutout(torch.ones(10, 3, 8, 8), ratio=0.5)
    assert torch.equal((y == -1).flatten(1).sum(1), torch.full((10,), 3 * 16))


def test_color_keeps_shape_and_varies_per_image():
    torch.manual_seed(0)
    x = torch.rand(8, 3, 6, 6) * 2 - 1
    y = augment_color(x)
    assert y.shape == x.shape and not torch.allclose(y[0] - x[0], y[1] - x[1])


def test_gradients_flow_through_every_augmentation():
    x = torch.randn(4, 1, 8, 8, requires_grad=True)
    diff_augment(x, "color,translation,cutout").sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_wrapper_and_bad_policy():
    D = AugmentedDiscriminator(DCGANDiscriminator(8, width=8))
    assert D(torch.randn(3, 1, 8, 8)).shape == (3,)
    assert torch.equal(diff_augment(torch.ones(2, 1, 4, 4), ""), torch.ones(2, 1, 4, 4))
    with pytest.raises(ValueError, match="unknown augmentation"):
        AugmentedDiscriminator(D, "rotate")
    with pytest.raises(ValueError, match="x must"):
        diff_augment(torch.ones(4, 4))


def test_unaugmented_unwraps_once_and_leaves_plain_discriminators_alone():
    D = DCGANDiscriminator(8, 1, 8)
    assert unaugmented(AugmentedDiscriminator(D)) is D and unaugmented(D) is D
    x = torch.rand(4, 1, 8, 8) * 2 - 1
    from ganbook.image.metrics import discriminator_gap

    wrapped = AugmentedDiscriminator(D)
    assert discriminator_gap(wrapped, x, x) == 0.0  # measured on the images as they are
