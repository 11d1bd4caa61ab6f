"""DCGAN models: shapes at several resolutions, conditioning, spectral norm, and errors."""

import pytest
import torch

from ganbook import Trainer
from ganbook.core.data import TensorSampler
from ganbook.image.dcgan import DCGANDiscriminator, DCGANGenerator, layout, mlp_gan


@pytest.mark.parametrize(
    "resolution,expected", [(8, (4, 1)), (24, (3, 3)), (28, (7, 2)), (32, (4, 3))]
)
def test_layout(resolution, expected):
    assert layout(resolution) == expected


@pytest.mark.parametrize("upsample", ["nearest", "transpose"])
@pytest.mark.parametrize("resolution,channels", [(8, 1), (24, 1), (32, 3)])
def test_generator_and_discriminator_shapes(upsample, resolution, channels):
    G = DCGANGenerator(16, resolution, channels, width=8, upsample=upsample)
    D = DCGANDiscriminator(resolution, channels, width=8)
    x = G(torch.randn(5, 16))
    assert x.shape == (5, channels, resolution, resolution) and x.abs().max() <= 1
    assert D(x).shape == (5,)


def test_conditional_models_use_the_labels():
    torch.manual_seed(0)
    G = DCGANGenerator(8, 8, width=8, n_classes=10).eval()
    D = DCGANDiscriminator(8, width=8, n_classes=10, spectral_norm=True)
    z = torch.randn(4, 8)
    a, b = G(z, torch.zeros(4, dtype=torch.long)), G(z, torch.ones(4, dtype=torch.long))
    assert not torch.allclose(a, b)
    assert not torch.allclose(D(a, torch.zeros(4, dtype=torch.long)), D(a, torch.full((4,), 3)))
    with pytest.raises(ValueError, match="conditional"):
        G(z)
    with pytest.raises(ValueError, match="conditional"):
        D(a)


def test_spectral_norm_bounds_each_layer():
    D = DCGANDiscriminator(8, width=8, spectral_norm=True)
    for _ in range(20):  # power iterations converge in train mode
        D(torch.randn(4, 1, 8, 8))
    w = D.body[0].weight.flatten(1)
    assert torch.linalg.matrix_norm(w, ord=2) < 1.05


def test_bad_arguments():
    with pytest.raises(ValueError, match="upsample"):
        DCGANGenerator(upsample="bilinear")
    with pytest.raises(ValueError, match="resolution"):
        layout(7)
    with pytest.raises(ValueError, match="z must"):
        DCGANGenerator(8)(torch.randn(2, 3))
    with pytest.raises(ValueError, match="x must"):
        DCGANDiscriminator(8)(torch.randn(2, 1, 16, 16))


def test_models_train_with_the_core_trainer_conditionally():
    torch.manual_seed(0)
    x, y = torch.rand(64, 1, 8, 8) * 2 - 1, torch.randint(10, (64,))
    G, D = DCGANGenerator(8, 8, width=8, n_classes=10), DCGANDiscriminator(8, width=8, n_classes=10)
    trainer = Trainer(G, D, TensorSampler(x, y), batch_size=16, device="cpu", loss="hinge")
    trainer.fit(3, progress=False)
    assert trainer.generate(6, torch.arange(6)).shape == (6, 1, 8, 8)


def test_mlp_gan_shapes():
    G, D = mlp_gan((1, 8, 8), latent_dim=4, hidden=16)
    x = G(torch.randn(3, 4))
    assert x.shape == (3, 1, 8, 8) and x.abs().max() <= 1 and D(x).shape == (3,)


def test_upsampling_footprint_shows_the_checkerboard():
    from ganbook.image.dcgan import upsampling_footprint

    t = upsampling_footprint("transpose", size=6)
    n = upsampling_footprint("nearest", size=6)
    assert t.shape == n.shape == (12, 12)
    inner_t, inner_n = t[2:-2, 2:-2], n[2:-2, 2:-2]
    assert inner_t.max() / inner_t.min() >= 4  # uneven overlap: 1, 2 or 4 contributions
    assert inner_n.max() == inner_n.min()  # even away from the border
    with pytest.raises(ValueError, match="upsample"):
        upsampling_footprint("bicubic")


def test_zero_sizes_and_out_of_range_labels_are_refused():
    with pytest.raises(ValueError, match="latent_dim must be a positive int, got 0"):
        DCGANGenerator(latent_dim=0)
    with pytest.raises(ValueError, match="width must be a positive int, got 0"):
        DCGANGenerator(width=0)
    with pytest.raises(ValueError, match="width must be a positive int, got 0"):
        DCGANDiscriminator(width=0)
    with pytest.raises(ValueError, match="channels must be a positive int, got 0"):
        DCGANDiscriminator(channels=0)
    G, D = DCGANGenerator(8, 8, width=8, n_classes=10), DCGANDiscriminator(8, width=8, n_classes=10)
    labels = torch.arange(11)  # 10 is one past the last of ten classes
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\).*got range \[0, 10\]"):
        G(torch.randn(11, 8), labels)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        D(torch.randn(11, 1, 8, 8), labels)
    with pytest.raises(TypeError, match="labels must be an integer tensor"):
        G(torch.randn(2, 8), torch.tensor([0.0, 1.0]))
    x = torch.rand(64, 1, 8, 8) * 2 - 1
    trainer = Trainer(G, D, lambda n: (x[:n], torch.arange(n) % 11), batch_size=16, device="cpu")
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\)"):
        trainer.fit(1, progress=False)
