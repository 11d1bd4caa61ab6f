"""SinGAN pieces (pyramid sizes, scale networks, the pyramid, per-scale training through the
Trainer, resuming, shipping) and the patch measures and baselines, on known cases."""

import pytest
import torch

from ganbook import seed_everything
from ganbook.applications.patches import (
    crop_shuffle,
    extract_patches,
    gpnn,
    nearest_patch_distance,
    patch_scores,
    patch_swd,
    pixel_diversity,
    replace_patches,
    sliced_wasserstein,
)
from ganbook.applications.singan import (
    PHOTO,
    SCALES,
    FixedNoiseReconstruction,
    ScaleDiscriminator,
    ScaleGenerator,
    SinGAN,
    image_pyramid,
    load_image,
    load_pyramid,
    pyramid_sizes,
    save_pyramid,
    train_singan,
)


def _image(h=12, w=16, seed=0):
    gen = torch.Generator().manual_seed(seed)
    smooth = torch.nn.functional.interpolate(torch.rand(1, 3, 4, 4, generator=gen), (h, w),
                                             mode="bilinear", align_corners=False)
    return (2 * smooth - 1).clamp(-1, 1)


def test_pyramid_sizes_go_coarse_to_fine_by_the_factor():
    sizes = pyramid_sizes(32, 48, 5)
    assert sizes[-1] == (32, 48) and sizes[0] == (10, 15)
    assert all(a[0] < b[0] and a[1] < b[1] for a, b in zip(sizes, sizes[1:]))
    assert sizes[-2] == (24, 36)
    with pytest.raises(ValueError, match="coarsest scale"):
        pyramid_sizes(16, 16, 6)
    with pytest.raises(ValueError, match="factor"):
        pyramid_sizes(16, 16, 2, factor=1.5)
    with pytest.raises(ValueError, match="scales"):
        pyramid_sizes(16, 16, 0)
    levels = image_pyramid(_image(), pyramid_sizes(12, 16, 2))
    assert [tuple(x.shape[-2:]) for x in levels] == [(9, 12), (12, 16)]


def test_the_photo_recipe_starts_above_the_critics_view():
    # With 5 scales the 48 px photo's coarsest scale (10x15) barely exceeds the 11x11 patches
    # the critic sees, and that pyramid memorised the photo; the shipped recipe starts larger.
    coarsest = pyramid_sizes(*load_image(PHOTO, 48).shape[-2:], SCALES["photo"])[0]
    assert coarsest == (18, 27) and min(coarsest) > 11
    assert min(pyramid_sizes(32, 48, 5)[0]) < 11


def test_load_image_sets_the_longer_side():
    image = load_image("brick", 20)
    assert image.shape == (1, 3, 20, 20) and image.min() >= -1 and image.max() <= 1


def test_scale_networks_are_residual_and_fully_convolutional():
    G, D = ScaleGenerator(width=8), ScaleDiscriminator(width=8)
    prev = torch.rand(2, 3, 9, 13)
    out = G(prev, torch.zeros_like(prev))
    assert out.shape == prev.shape
    assert ((out - prev).abs() <= 1).all()  # a tanh residual
    assert D(out).shape == (2, 9, 13)
    with pytest.raises(ValueError, match="same shape"):
        G(prev, torch.zeros(2, 3, 9, 12))
    with pytest.raises(ValueError, match="width"):
        ScaleGenerator(width=0)


def test_pyramid_samples_at_its_sizes_and_at_others():
    pyramid = SinGAN(pyramid_sizes(12, 16, 2), width=8)
    assert pyramid.sample(3).shape == (3, 3, 12, 16)
    assert pyramid.sample(2, scales=1).shape == (2, 3, 9, 12)
    wide = pyramid.sample(2, sizes=[(9, 24), (12, 32)])
    assert wide.shape == (2, 3, 12, 32)
    g = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    assert torch.equal(pyramid.sample(2, generator=g()), pyramid.sample(2, generator=g()))
    assert torch.equal(pyramid.reconstruct(), pyramid.reconstruct())
    with pytest.raises(ValueError, match="scales"):
        pyramid.sample(1, scales=3)
    with pytest.raises(ValueError, match="one \\(h, w\\) per scale"):
        pyramid.sample(1, sizes=[(9, 24)])


def test_training_reduces_the_reconstruction_error_and_resumes_exactly(tmp_path):
    image = _image()
    untrained = SinGAN(pyramid_sizes(12, 16, 2), width=8)
    seed_everything(0)
    pyramid, histories = train_singan(image, 2, 30, width=8, layers=3)
    assert len(histories) == 2 and histories[1]["step"][-1] == 30
    assert set(histories[0]) >= {"d_loss", "g_loss", "gp", "rec"}
    rec = lambda p: float(((p.reconstruct() - image) ** 2).mean())  # noqa: E731
    assert rec(pyramid) < 0.5 * rec(untrained)
    assert 0 < float(pyramid.amplitudes[1]) < float(pyramid.amplitudes[0]) == 1.0

    seed_everything(0)
    first, _ = train_singan(image, 2, 5, width=8, layers=3, checkpoint_dir=tmp_path)
    # (each run leaves its writer lock, scale_k.pt.lock, beside its checkpoint)
    written = sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".lock")
    assert written == ["scale_0.pt", "scale_1.pt"]
    seed_everything(1)  # resuming restores the RNG as well
    again, _ = train_singan(image, 2, 5, width=8, layers=3, checkpoint_dir=tmp_path)
    for a, b in zip(first.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    seed_everything(0)
    plain, _ = train_singan(image, 2, 5, width=8, layers=3)
    for a, b in zip(first.state_dict().values(), plain.state_dict().values()):
        assert torch.equal(a, b)

    save_pyramid(first, str(tmp_path / "p.pt"), steps=5)
    loaded, info = load_pyramid(str(tmp_path / "p.pt"))
    assert info["steps"] == 5 and loaded.sizes == first.sizes
    assert torch.equal(loaded.reconstruct(), first.reconstruct())


def test_fixed_noise_reconstruction_is_the_mse_of_the_fixed_path():
    class Stub:
        G = ScaleGenerator(width=4)

    prev, z, real = torch.zeros(1, 3, 8, 8), torch.randn(1, 3, 8, 8), torch.rand(2, 3, 8, 8)
    term = FixedNoiseReconstruction(prev, z, weight=10.0)
    batch = type("B", (), {"real": real})()
    expected = ((Stub.G(prev, z) - real[:1]) ** 2).mean()
    assert torch.allclose(term(Stub(), batch, None, None), expected)
    assert term.weight == 10.0 and term.name == "rec"


def test_sliced_wasserstein_known_cases():
    a = torch.randn(500, 5, generator=torch.Generator().manual_seed(0))
    assert sliced_wasserstein(a, a) == 0.0
    line = torch.linspace(0, 1, 101)[:, None]
    assert sliced_wasserstein(line, line + 0.3, projections=4) == pytest.approx(0.3)
    assert sliced_wasserstein(a, a[:250]) < 0.2 < sliced_wasserstein(a, a + 1.0)
    with pytest.raises(ValueError, match="same d"):
        sliced_wasserstein(a, a[:, :3])


def test_patch_measures_on_copies_and_noise():
    image = _image(16, 16)
    assert extract_patches(image.repeat(2, 1, 1, 1), 7).shape == (2 * 10 * 10, 3 * 49)
    copies = image.repeat(4, 1, 1, 1)
    assert patch_swd(copies, image) < 1e-6
    assert nearest_patch_distance(copies, image) < 1e-3
    assert pixel_diversity(copies) == 0.0
    noisy = copies + 0.3 * torch.randn(copies.shape, generator=torch.Generator().manual_seed(1))
    assert nearest_patch_distance(noisy, image) > 0.1 and pixel_diversity(noisy) > 0.2
    assert patch_swd(noisy, image) > patch_swd(copies, image)
    assert patch_scores(copies, image)["copied share"] == 1.0
    assert patch_scores(noisy, image)["copied share"] == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        pixel_diversity(image)
    with pytest.raises(ValueError, match="no 7x7 patch"):
        extract_patches(torch.zeros(1, 3, 5, 9))


def test_crop_shuffle_keeps_the_tiles():
    image = _image(16, 16)
    shuffled = crop_shuffle(image, 3, tiles=4, seed=0)
    assert shuffled.shape == (3, 3, 16, 16)
    tiles = lambda x: sorted(x.unfold(1, 4, 4).unfold(2, 4, 4).reshape(3, 16, 16)  # noqa: E731
                             .permute(1, 0, 2).reshape(16, -1).sum(1).tolist())
    assert tiles(shuffled[0]) == pytest.approx(tiles(image[0]))
    assert not torch.equal(shuffled[0], image[0])
    with pytest.raises(ValueError, match="tiles"):
        crop_shuffle(image, 1, tiles=32)


def test_replace_patches_and_gpnn():
    image = _image(16, 16)
    assert torch.allclose(replace_patches(image, image, image), image, atol=1e-5)
    sizes = pyramid_sizes(16, 16, 2)
    out = gpnn(image, 3, sizes, seed=0)
    assert out.shape == (3, 3, 16, 16) and out.abs().max() <= 1
    assert torch.equal(out, gpnn(image, 3, sizes, seed=0))
    wide = gpnn(image, 2, [(12, 18), (16, 24)])
    assert wide.shape == (2, 3, 16, 24)
    with pytest.raises(ValueError, match="one image each"):
        replace_patches(image, image, image.repeat(2, 1, 1, 1))


def test_reconstruction_errors_compare_each_scale_with_the_coarser_ones():
    from ganbook.applications.singan import SinGAN, image_pyramid, reconstruction_errors

    torch.manual_seed(0)
    sizes = [(6, 6), (8, 8)]
    pyramid = SinGAN(sizes, channels=1)
    reals = image_pyramid(torch.rand(1, 1, 8, 8) * 2 - 1, sizes)
    own, coarser = reconstruction_errors(pyramid, reals)
    assert len(own) == len(coarser) == 2
    assert coarser[0] == pytest.approx(float((reals[0] ** 2).mean()))
    with pytest.raises(ValueError, match="reals has 3 scales"):
        reconstruction_errors(pyramid, reals + reals[:1])
