"""The video chapter's sprite generator: content draws one sprite, motion only places it."""

import pytest
import torch

from ganbook.video.arms import load_arm, mocogan, save_arm
from ganbook.video.data import BouncingDigits
from ganbook.video.metrics import second_differences
from ganbook.video.sprite import SpriteVideoGenerator, paste, reflect, whole


def small(**kwargs):
    torch.manual_seed(0)
    return SpriteVideoGenerator(frames=4, size=16, content_dim=6, motion_dim=3, noise_dim=2,
                                width=8, **kwargs)


def test_paste_copies_at_whole_pixels_and_is_differentiable():
    sprite = torch.rand(2, 1, 8, 8) * 2 - 1
    out = paste(sprite, torch.tensor([[3.0, 5.0], [0.0, 16.0]]), 24)
    assert out.shape == (2, 1, 24, 24)
    assert torch.allclose(out[0, 0, 3:11, 5:13], sprite[0, 0], atol=1e-5)
    assert torch.allclose(out[1, 0, 0:8, 16:24], sprite[1, 0], atol=1e-5)
    background = torch.ones(24, 24, dtype=torch.bool)
    background[3:11, 5:13] = False
    assert torch.allclose(out[0, 0][background], torch.tensor(-1.0), atol=1e-5)
    corner = torch.tensor([[3.3, 5.6]], requires_grad=True)
    paste(sprite[:1], corner, 24).sum().backward()
    assert corner.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="corner"):
        paste(sprite, torch.zeros(3, 2), 24)
    with pytest.raises(ValueError, match="sprite"):
        paste(torch.zeros(2, 8, 8), torch.zeros(2, 2), 24)


def test_reflect_bounces_and_whole_passes_the_gradient():
    x = torch.tensor([-1.0, 0.0, 3.0, 16.0, 17.0, 33.0])
    assert reflect(x, 16).tolist() == [1.0, 0.0, 3.0, 16.0, 15.0, 1.0]
    y = torch.tensor([0.4, 1.6], requires_grad=True)
    r = whole(y)
    assert r.tolist() == [0.0, 2.0]
    r.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("path", ["velocity", "position"])
def test_the_sprite_is_the_same_in_every_frame_and_only_moves(path):
    G = small(path=path).eval()
    z = torch.randn(5, G.latent_dim)
    with torch.no_grad():
        video, sprites, corners = G(z), G.sprites(z), G.corners(z)
    assert video.shape == (5, 1, 4, 16, 16) and sprites.shape == (5, 4, 1, 8, 8)
    assert torch.equal(sprites, sprites[:, :1].expand_as(sprites))  # no residual: one drawing
    assert torch.equal(corners, corners.round()) and corners.min() >= 0 and corners.max() <= 8
    for i in range(5):
        for t in range(4):
            r, c = corners[i, t].long().tolist()
            assert torch.allclose(video[i, 0, t, r : r + 8, c : c + 8], sprites[i, t, 0],
                                  atol=1e-5)


def test_a_steady_motion_code_is_a_straight_path():
    G = small(step_px=1.0).eval()
    with torch.no_grad():  # every step the same whole pixel: straight between bounces
        G.where.weight.zero_()
        G.where.bias.copy_(torch.tensor([1.0, -1.0]))
        video = G(torch.randn(8, G.latent_dim))
        steps = G.corners(torch.randn(8, G.latent_dim)).diff(dim=1).abs()
    assert steps.eq(1).all()
    assert (second_differences(video) < 1e-4).float().mean() > 0.5


def test_a_residual_changes_the_sprite_a_little():
    G = small(residual=0.1).eval()
    with torch.no_grad():
        sprites = G.sprites(torch.randn(3, G.latent_dim))
    change = (sprites - sprites[:, :1]).abs().max()
    assert 0 < change <= 2 * 0.1 + 1e-6


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="sprite"):
        small(sprite=6)
    with pytest.raises(ValueError, match="sprite"):
        small(sprite=16)
    with pytest.raises(ValueError, match="path"):
        small(path="teleport")
    with pytest.raises(ValueError, match="residual"):
        small(residual=-0.1)
    with pytest.raises(ValueError, match="step_px"):
        small(step_px=0)
    data = BouncingDigits(size=16, frames=4)
    with pytest.raises(ValueError, match="independent"):
        mocogan(data, independent=True, video=False, sprite=True, frames=4, size=16)
    with pytest.raises(ValueError, match="residual"):
        mocogan(data, residual=0.1, frames=4, size=16)


def test_sprite_arm_round_trip(tmp_path):
    G = small(residual=0.1, path="position")
    path = str(tmp_path / "sprite.pt")
    save_arm(G, path, arm="sprite MoCoGAN", steps=1)
    loaded, info = load_arm("sprite MoCoGAN", path)
    assert isinstance(loaded, SpriteVideoGenerator) and info["arm"] == "sprite MoCoGAN"
    assert loaded.path == "position" and loaded.residual == 0.1
    for a, b in zip(G.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    z = torch.randn(2, G.latent_dim)
    assert torch.equal(G.eval()(z), loaded(z))


def test_mirror_flips_bits_mirror_the_path_and_nothing_else():
    G = small().eval()
    assert G.mirror and G.latent_dim == 6 + 3 + 4 * 2 + 2
    z = torch.randn(4, G.latent_dim)
    flipped = z.clone()
    flipped[:, -2:] = -z[:, -2:]  # the other choice on both axes
    with torch.no_grad():
        a, b = G.corners(z), G.corners(flipped)
        assert torch.equal(a + b, torch.full_like(a, 8.0))  # room - corner
        assert torch.equal(G.sprites(z), G.sprites(flipped))
    plain = small(mirror=False)
    assert plain.latent_dim == 6 + 3 + 4 * 2 and plain(torch.randn(2, 17)).shape[1:] == (
        1, 4, 16, 16)
