"""The one home of resampling: area averaging down, interpolation to a size."""

import pytest
import torch
import torch.nn.functional as F

from ganbook.image.classifier import to_classifier_size
from ganbook.image.resample import downsample, resize


def test_downsample_is_the_block_average():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert torch.equal(downsample(x, 2), torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]]))
    assert torch.equal(downsample(x, 1), x)
    assert torch.equal(to_classifier_size(torch.ones(3, 1, 24, 24)), torch.ones(3, 1, 8, 8))
    with pytest.raises(ValueError, match="multiples of factor=3"):
        downsample(x, 3)
    with pytest.raises(ValueError, match="factor must be a positive int"):
        downsample(x, 0)


def test_resize_interpolates_and_antialiases_only_when_shrinking():
    x = torch.rand(2, 3, 6, 9) * 2 - 1
    assert resize(x, (6, 9)) is x
    up = resize(x, (12, 18), "bilinear")
    assert torch.equal(up, F.interpolate(x, size=(12, 18), mode="bilinear", align_corners=False))
    down = resize(x, (3, 3))
    assert torch.equal(down, F.interpolate(x, size=(3, 3), mode="bicubic", align_corners=False,
                                           antialias=True))
    assert resize(x, (12, 18), "nearest")[..., ::2, ::2].equal(x)


def test_resize_names_bad_arguments():
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="mode must be one of"):
        resize(x, (8, 8), "area")
    with pytest.raises(ValueError, match=r"size must be \(h, w\)"):
        resize(x, (8,))
    with pytest.raises(ValueError, match=r"size\[1\] must be a positive int"):
        resize(x, (8, 0))
    with pytest.raises(ValueError, match="images must be a tensor of images"):
        resize(torch.zeros(4, 4), (8, 8))
