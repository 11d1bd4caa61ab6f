"""A MoCoGAN generator with a stronger prior than the paper's: the content code draws *what*
(a small sprite), the motion code only says *where* it goes.

The content code is drawn into an 8x8 sprite once per clip; the motion codes (from
MoCoGAN's GRU, :meth:`VideoGenerator.codes`) give a start and one whole-pixel step per frame,
reflected at the walls and mirrored per axis by two numbers of ``z`` that no network sees, and
a differentiable spatial transform (``affine_grid``/``grid_sample``, Jaderberg et al. 2015)
pastes the sprite at each corner on the background. The digit cannot change between frames
unless ``residual > 0`` lets the motion code add a small change of appearance. Real bouncing
digits are exactly such translated sprites, so this is a prior the data happen to fit, not a
general video model.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import check_positive, check_positive_ints
from .mocogan import FrameGenerator, VideoGenerator

__all__ = ["PATHS", "SpriteVideoGenerator", "paste", "reflect", "whole"]

#: How motion codes place the sprite: each code gives the corner directly ("position"), or
#: the first gives the start and each later one a step, reflected at the walls ("velocity").
PATHS = ("velocity", "position")


def reflect(x: Tensor, room: float) -> Tensor:
    """Fold ``x`` into ``[0, room]`` as a ball bounces between two walls: ``room + 1`` ->
    ``room - 1``, ``-1`` -> ``1``; piecewise linear, so differentiable almost everywhere."""
    return room - (room - x.remainder(2 * room)).abs()


def paste(sprite: Tensor, corner: Tensor, size: int) -> Tensor:
    """Draw each (1, s, s) ``sprite`` (values in [-1, 1], background -1) with its top-left
    corner at ``corner`` (row, column) in pixels, possibly fractional, on a ``size`` canvas:
    (M, 1, s, s) and (M, 2) -> (M, 1, size, size). Bilinear, so differentiable in both;
    whole-pixel corners copy the sprite exactly."""
    if sprite.dim() != 4 or sprite.shape[1] != 1 or sprite.shape[2] != sprite.shape[3]:
        raise ValueError(f"sprite must be (M, 1, s, s), got {tuple(sprite.shape)}")
    if corner.shape != (len(sprite), 2):
        raise ValueError(f"corner must be ({len(sprite)}, 2), got {tuple(corner.shape)}")
    s = sprite.shape[-1]
    # canvas pixel p (normalised u, align_corners=False) reads sprite pixel p - corner:
    # v = (size / s) u + (size - 2 corner) / s - 1
    scale = torch.full_like(corner[:, 0], size / s)
    zero = torch.zeros_like(scale)
    shift = (size - 2 * corner) / s - 1  # (M, 2) as (row, column)
    theta = torch.stack(
        [torch.stack([scale, zero, shift[:, 1]], 1), torch.stack([zero, scale, shift[:, 0]], 1)],
        1,
    )
    grid = F.affine_grid(theta, [len(sprite), 1, size, size], align_corners=False)
    ink = F.grid_sample((sprite + 1) / 2, grid, align_corners=False, padding_mode="zeros")
    return ink * 2 - 1


def whole(x: Tensor) -> Tensor:
    """``x`` rounded to whole pixels, with the gradient of ``x`` itself (straight-through)."""
    return x + (x.round() - x).detach()


class SpriteVideoGenerator(VideoGenerator):
    """``G(z) -> clips`` (N, 1, frames, size, size), ``z`` laid out as :class:`VideoGenerator`'s
    (with ``mirror``, two more numbers at the end).

    A :class:`FrameGenerator` draws the content code into a ``sprite`` x ``sprite`` image.
    The motion codes place it (``path``): with "velocity" a linear layer maps the first code
    to a start and ``step_px`` times another maps each later code to a step, in whole pixels,
    reflected at the walls; with "position" each code maps to a corner directly. With
    ``mirror`` two extra numbers of ``z`` mirror the path along each axis. With
    ``residual > 0`` a second small frame generator adds ``residual`` times a tanh change of
    appearance from ``[content, motion_t]``.
    """

    def __init__(
        self,
        frames: int = 12,
        size: int = 24,
        content_dim: int = 16,
        motion_dim: int = 8,
        noise_dim: int = 8,
        width: int = 32,
        noise_scale: float = 0.2,
        sprite: int = 8,
        residual: float = 0.0,
        path: str = "velocity",
        step_px: float = 3.0,
        mirror: bool = True,
    ) -> None:
        super().__init__(frames, size, content_dim, motion_dim, noise_dim, width, False,
                         noise_scale)
        check_positive_ints(sprite=sprite)
        if sprite % 4 or sprite >= size:
            raise ValueError(f"sprite must be a multiple of 4 below size={size}, got {sprite}")
        self.residual = 0.0 if residual == 0 else check_positive("residual", residual,
                                                                 integer=False)
        self.size, self.sprite_size = size, sprite
        del self._config["independent"]
        if path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}, got {path!r}")
        self.path = path
        self.step_px = check_positive("step_px", step_px, integer=False)
        self._config |= {"sprite": sprite, "residual": float(residual), "path": path,
                        "step_px": float(step_px), "mirror": bool(mirror)}
        self.mirror, self.code_dim = bool(mirror), self.latent_dim
        if self.mirror:  # two more numbers of z, unseen by the networks: the flips
            self.latent_dim += 2
        self.frame = FrameGenerator(content_dim, sprite, width)  # what: content only
        self.where = nn.Linear(motion_dim, 2)  # where: motion only (a corner or a step)
        self.start = nn.Linear(motion_dim, 2) if path == "velocity" else None
        self.change = (
            FrameGenerator(content_dim + motion_dim, sprite, max(1, width // 4))
            if self.residual else None
        )

    def codes(self, z: Tensor) -> Tensor:
        """(N, latent_dim) -> (N, frames, content_dim + motion_dim), as MoCoGAN's (the
        mirror flips, if any, are the last two numbers of ``z`` and no part of a code)."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self._codes(z[:, : self.code_dim])

    def sprites(self, z: Tensor) -> Tensor:
        """(N, latent_dim) -> (N, frames, 1, s, s): the sprite each frame pastes."""
        return self._sprites(self.codes(z))

    def corners(self, z: Tensor) -> Tensor:
        """(N, latent_dim) -> (N, frames, 2): the sprite's top-left corner in each frame."""
        return self._corners(self.codes(z), z)

    def _sprites(self, codes: Tensor) -> Tensor:
        n, t = codes.shape[:2]
        base = self.frame(codes[:, 0, : self.content_dim])  # one drawing per clip
        out = base.unsqueeze(1).expand(n, t, *base.shape[1:])
        if self.change is not None:
            delta = self.change(codes.reshape(n * t, -1)).view(n, t, *base.shape[1:])
            out = (out + self.residual * delta).clamp(-1, 1)
        return out

    def _corners(self, codes: Tensor, z: Tensor) -> Tensor:
        room = self.size - self.sprite_size
        corner = self._path(codes[:, :, self.content_dim :], room)
        if not self.mirror:
            return corner
        # each axis of the path mirrored when its flip number is positive: the networks never
        # see it, so a path and its mirror image are equally likely, as in the data
        flip = (z[:, self.code_dim :] > 0).unsqueeze(1)  # (N, 1, 2)
        return torch.where(flip, room - corner, corner)

    def _path(self, motion: Tensor, room: int) -> Tensor:
        if self.path == "position":
            return whole(room * torch.sigmoid(self.where(motion)))
        # a whole-pixel start from the first motion code, then a whole-pixel step from each
        # later one (so a steady code is a straight path, as real digits move), reflected.
        # The start lies on the unfolded path of length 2 room: its second half is the
        # canvas seen moving the other way, so one sign of step serves both directions.
        start = whole(2 * room * torch.sigmoid(self.start(motion[:, :1])))
        steps = whole(self.step_px * self.where(motion[:, 1:])).cumsum(1)
        return reflect(torch.cat([start, start + steps], 1), room)

    def forward(self, z: Tensor) -> Tensor:
        codes = self.codes(z)
        n, t, s = len(z), self.frames, self.sprite_size
        sprites = self._sprites(codes).reshape(n * t, 1, s, s)
        frames = paste(sprites, self._corners(codes, z).reshape(n * t, 2), self.size)
        return frames.view(n, t, 1, self.size, self.size).transpose(1, 2)
