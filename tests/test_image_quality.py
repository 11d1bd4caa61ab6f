"""Restoration measures, the U-Net and the patch discriminator: known cases and clear errors."""
import pytest
import torch
import torch.nn.functional as F

from ganbook.applications.patchgan import PatchDiscriminator
from ganbook.applications.quality import (
    gradient_energy,
    high_frequency_ratio,
    psnr,
    radial_power_spectrum,
    ssim,
    two_sample_accuracy,
)
from ganbook.applications.unet import UNet


def blurred(x):
    return F.interpolate(F.interpolate(x, scale_factor=0.25, mode="area"), scale_factor=4,
                         mode="bicubic").clamp(-1, 1)


def test_distortion_and_detail_measures_rank_a_blur_below_the_truth():
    torch.manual_seed(0)
    x = torch.rand(16, 1, 16, 16) * 2 - 1
    y = blurred(x)
    assert psnr(x + 1e-3, x) > 55
    assert ssim(x, x) == pytest.approx(1.0)
    assert 5 < psnr(y, x) < 40 and ssim(y, x) < 0.9
    assert high_frequency_ratio(x, x) == pytest.approx(1.0)
    assert high_frequency_ratio(y, x) < 0.5
    assert gradient_energy(y) < gradient_energy(x)
    mask = torch.zeros(1, 1, 16, 16, dtype=torch.bool)
    mask[..., 4:8, 4:8] = True
    assert gradient_energy(torch.zeros_like(x), mask) == 0.0
    f, p = radial_power_spectrum(x)
    assert f.shape == p.shape == (8,) and (p > 0).all()


def test_two_sample_test_spots_a_difference_and_not_a_resample():
    torch.manual_seed(0)
    x = torch.rand(200, 1, 8, 8) * 2 - 1
    assert two_sample_accuracy(x, blurred_8(x)) > 0.8
    assert abs(two_sample_accuracy(x[:100], x[100:]) - 0.5) < 0.2


def blurred_8(x):
    return F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)


def test_unet_and_patch_discriminator_shapes_and_errors():
    G = UNet(1, 3, width=8, depth=2, dropout=0.5)
    x = torch.randn(2, 1, 16, 16)
    y = G(x)
    assert y.shape == (2, 3, 16, 16) and y.abs().max() <= 1
    D = PatchDiscriminator(4, width=8, layers=2)
    assert D(y, x).shape == (2, 4, 4) and D.features(y, x).shape[0] == 2
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 4"):
        G(torch.randn(2, 1, 10, 10))
    with pytest.raises(ValueError, match=r"expects \(batch, 4, H, W\)"):
        D(y)
    with pytest.raises(ValueError, match="need at least 10 images"):
        two_sample_accuracy(x, x)
    with pytest.raises(ValueError, match="same shape"):
        psnr(x, y)
