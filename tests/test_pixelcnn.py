"""The PixelCNN: its masks hide the future, it learns a likelihood, it samples pixel by pixel."""

import math

import pytest
import torch

from ganbook import seed_everything
from ganbook.beyond.diffusion import DenoisingTrainer
from ganbook.beyond.pixelcnn import MaskedConv2d, PixelCNN, load_pixelcnn, save_pixelcnn


def test_output_depends_only_on_earlier_pixels():
    torch.manual_seed(0)
    m = PixelCNN(width=8, depth=2).eval()
    x = torch.rand(1, 1, 8, 8) * 2 - 1
    x.requires_grad_(True)
    i, j = 4, 3
    m.net(x)[0, :, i, j].sum().backward()  # net sees x directly, gradients flow
    grad = x.grad[0, 0].abs() > 0
    order = torch.arange(64).view(8, 8)
    assert not grad[order >= i * 8 + j].any()  # neither the pixel itself nor any later one
    assert grad[order < i * 8 + j].any()


def test_mask_a_hides_the_centre_and_b_keeps_it():
    a, b = MaskedConv2d("A", 1, 1, 3).mask[0, 0], MaskedConv2d("B", 1, 1, 3).mask[0, 0]
    assert a[1, 1] == 0 and b[1, 1] == 1 and a[0].all() and not b[2].any()
    with pytest.raises(ValueError, match="mask"):
        MaskedConv2d("C", 1, 1, 3)


def test_learns_and_samples():
    seed_everything(0)
    m = PixelCNN(width=16, depth=2)
    stripes = -torch.ones(128, 1, 8, 8)
    stripes[:, :, :, ::2] = 1
    before = m.bits_per_pixel(stripes)
    assert abs(before - math.log2(17)) < 0.5  # an untrained model is near uniform
    DenoisingTrainer(m, stripes, batch_size=32, lr=1e-2, device="cpu").fit(60, progress=False)
    assert m.bits_per_pixel(stripes) < 0.3 * before
    x = m.sample(4, seed=0)
    assert x.shape == (4, 1, 8, 8) and torch.equal(x, m.sample(4, seed=0))
    assert (x == stripes[:4]).float().mean() > 0.8


def test_levels_round_trip_and_save(tmp_path):
    m = PixelCNN(width=8, depth=1)
    x = m.from_levels(torch.randint(0, 17, (3, 1, 8, 8)))
    assert torch.equal(m.from_levels(m.to_levels(x)), x)
    save_pixelcnn(m, str(tmp_path / "p.pt"), steps=0)
    back, info = load_pixelcnn(str(tmp_path / "p.pt"))
    assert info["config"]["width"] == 8 and torch.equal(back(x), m.eval()(x))
    with pytest.raises(ValueError, match="x must have shape"):
        m.loss(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="levels"):
        PixelCNN(levels=1)
