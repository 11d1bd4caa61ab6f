"""Bouncing digits: a scikit-learn digit moving in a straight line on a dark canvas, reflected
at the walls. Every clip's content (the digit) and motion (positions, velocity, bounces) are
known, so a generated clip can be measured against the true distribution of both.

Clips are (N, 1, T, H, W) in [-1, 1], the layout of :class:`torch.nn.Conv3d`. The digit keeps
its native 8x8 pixels (what the book's digit classifier reads) and moves by whole pixels, so
its centre of mass moves exactly with it: between bounces the centroid's second difference is
zero.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ..core.loop import check_positive, check_positive_ints
from ..image.data import load_digits

DIGIT = 8  # side of a scikit-learn digit in pixels


class Clips(NamedTuple):
    """A batch of clips and what made them.

    ``video`` (N, 1, T, H, W); ``labels`` (N,) the digit; ``positions`` (N, T, 2) the digit's
    top-left corner (row, column) in each frame; ``bounces`` (N, T - 2) True where the
    velocity flipped between the steps around that frame (a wall was hit).
    """

    video: Tensor
    labels: Tensor
    positions: Tensor
    bounces: Tensor


def trajectories(
    n: int, frames: int, room: int, max_speed: int = 2, generator: torch.Generator | None = None
) -> tuple[Tensor, Tensor]:
    """``n`` bouncing paths of ``frames`` integer positions in ``[0, room]`` per axis.

    Start uniform, speed per axis uniform in ``1..max_speed`` with a random sign; a step past
    a wall is mirrored back into the box and the velocity flips. Returns positions
    (n, frames, 2) and bounces (n, frames - 2) (see :class:`Clips`).
    """
    check_positive_ints(n=n, frames=frames, room=room, max_speed=max_speed)
    if max_speed > room:
        raise ValueError(f"max_speed must be at most room={room}, got {max_speed}")
    pos = torch.randint(room + 1, (n, 2), generator=generator)
    speed = torch.randint(1, max_speed + 1, (n, 2), generator=generator)
    sign = torch.randint(2, (n, 2), generator=generator) * 2 - 1
    vel = speed * sign
    path, flips = [pos], []
    for _ in range(frames - 1):
        nxt = pos + vel
        over, under = nxt > room, nxt < 0
        nxt = torch.where(over, 2 * room - nxt, torch.where(under, -nxt, nxt))
        flipped = over | under
        vel = torch.where(flipped, -vel, vel)
        flips.append(flipped.any(1))
        pos = nxt
        path.append(pos)
    positions = torch.stack(path, 1)
    # The second difference at frame t spans the steps t-1 -> t and t -> t+1; a reflection in
    # either (flips[t - 1], flips[t]) can make it nonzero, and nothing else does.
    if frames > 2:
        flipped_steps = torch.stack(flips, 1)
        bounces = flipped_steps[:, 1:] | flipped_steps[:, :-1]
    else:
        bounces = torch.zeros(n, 0, dtype=torch.bool)
    return positions, bounces


def render(digits: Tensor, positions: Tensor, size: int) -> Tensor:
    """Paste each (1, 8, 8) digit at its (T, 2) top-left positions on a ``size`` canvas of -1:
    (N, 1, 8, 8) and (N, T, 2) -> (N, 1, T, size, size)."""
    if digits.dim() != 4 or tuple(digits.shape[1:]) != (1, DIGIT, DIGIT):
        raise ValueError(f"digits must be (N, 1, {DIGIT}, {DIGIT}), got {tuple(digits.shape)}")
    n, frames = positions.shape[:2]
    if len(digits) != n or positions.shape[2] != 2:
        raise ValueError(
            f"positions must be ({len(digits)}, T, 2), got {tuple(positions.shape)}"
        )
    if positions.min() < 0 or positions.max() > size - DIGIT:
        raise ValueError(f"positions must lie in [0, {size - DIGIT}] for a {size} px canvas")
    video = torch.full((n, 1, frames, size, size), -1.0)
    for i in range(n):
        for t in range(frames):
            r, c = positions[i, t].tolist()
            video[i, 0, t, r : r + DIGIT, c : c + DIGIT] = digits[i, 0]
    return video


class BouncingDigits:
    """Clips of one digit from ``split`` bouncing on a ``size`` x ``size`` canvas.

    Called as ``data(n)`` it is a Trainer's ``sample_real`` (clips drawn with torch's global
    RNG); :meth:`clips` also returns labels and trajectories, from a seeded generator if given.
    """

    def __init__(
        self, split: str = "train", size: int = 24, frames: int = 12, max_speed: int = 2
    ) -> None:
        check_positive_ints(size=size, frames=frames, max_speed=max_speed)
        if size <= DIGIT + max_speed:
            raise ValueError(f"size must exceed {DIGIT + max_speed} px, got {size}")
        self.images, self.labels = load_digits(split)
        self.split, self.size, self.frames, self.max_speed = split, size, frames, max_speed

    def clips(self, n: int, generator: torch.Generator | None = None) -> Clips:
        """``n`` clips with their labels, positions and bounces."""
        check_positive("n", n)
        idx = torch.randint(len(self.images), (n,), generator=generator)
        positions, bounces = trajectories(
            n, self.frames, self.size - DIGIT, self.max_speed, generator
        )
        video = render(self.images[idx], positions, self.size)
        return Clips(video, self.labels[idx], positions, bounces)

    def test_clips(self, n: int = 256, seed: int = 0) -> Clips:
        """``n`` fixed clips from a generator seeded with ``seed`` (the same on every run)."""
        return self.clips(n, torch.Generator().manual_seed(seed))

    def __call__(self, n: int) -> Tensor:
        return self.clips(n).video


def frames_of(video: Tensor) -> Tensor:
    """(N, C, T, H, W) -> (N * T, C, H, W), clip by clip."""
    if video.dim() != 5:
        raise ValueError(f"video must be (N, C, T, H, W), got {tuple(video.shape)}")
    n, c, t, h, w = video.shape
    return video.transpose(1, 2).reshape(n * t, c, h, w)


def shuffle_frames(video: Tensor, seed: int = 0) -> Tensor:
    """The frames of ``video`` dealt out to its clips at random: every frame is real, but
    nothing ties a clip's frames together (what a per-frame model makes at its best)."""
    frames = frames_of(video)
    n, c, t, h, w = video.shape
    order = torch.randperm(n * t, generator=torch.Generator().manual_seed(seed))
    return frames[order].view(n, t, c, h, w).transpose(1, 2).contiguous()


def hold_first_frame(video: Tensor) -> Tensor:
    """Each clip's first frame repeated: real content and frames, no motion at all."""
    if video.dim() != 5:
        raise ValueError(f"video must be (N, C, T, H, W), got {tuple(video.shape)}")
    return video[:, :, :1].expand_as(video).contiguous()


def blank_every_other_frame(video: Tensor) -> Tensor:
    """Real clips with every second frame replaced by background: perfect digits in half the
    frames and nothing in the rest, the bar a generator's frames must clear to count as
    digits (see :func:`ganbook.video.metrics.frames_are_digits`)."""
    if video.dim() != 5:
        raise ValueError(f"video must be (N, C, T, H, W), got {tuple(video.shape)}")
    blanked = video.clone()
    blanked[:, :, 1::2] = -1.0
    return blanked
