"""Checkers for the applications chapters: image measures and the morphology behind them."""

from __future__ import annotations

from typing import Callable

import torch

from .runner import Case, run_checks


def _images(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.rand(*shape, generator=gen) * 2 - 1


def check_psnr(fn: Callable) -> bool:
    """``fn(output, truth)`` for images (N, C, H, W) in [-1, 1] must be the mean over images
    of 10 log10(2^2 / MSE) in dB, with the output clipped to [-1, 1] first, as
    :func:`ganbook.applications.quality.psnr`."""
    from ..applications.quality import psnr

    gen = torch.Generator().manual_seed(14)
    truth = _images(gen, 2, 1, 8, 8)
    unequal = truth.clone()
    unequal[0] += 0.01 * torch.randn(1, 8, 8, generator=gen)
    unequal[1] += 0.3 * torch.randn(1, 8, 8, generator=gen)
    cases = [
        Case((truth + 0.05 * torch.randn(2, 1, 8, 8, generator=gen), truth), "a little noise"),
        Case((unequal, truth),
             "one good and one bad image: average the PSNRs, not the squared errors"),
        Case((truth.clamp(-0.5, 0.5) * 3, truth), "outputs beyond [-1, 1]: clip them first"),
        Case((_images(gen, 3, 3, 6, 6), _images(gen, 3, 3, 6, 6)), "colour images"),
    ]
    return run_checks(fn, psnr, cases, atol=1e-4, rtol=1e-5)


def check_mean_fill(fn: Callable) -> bool:
    """``fn(images, mask)`` must fill each image's hole (mask 1) with the mean of its visible
    pixels, per channel, and keep the visible pixels, as
    :func:`ganbook.applications.inpainting.mean_fill`."""
    from ..applications.inpainting import mean_fill, random_mask, square_mask

    gen = torch.Generator().manual_seed(15)
    with torch.random.fork_rng():  # random_mask draws from the global RNG
        torch.manual_seed(15)
        scattered = random_mask(2, 8, coverage=0.3, block=2)
    cases = [
        Case((_images(gen, 2, 1, 8, 8), square_mask(2, 8, 4)), "a centre square"),
        Case((_images(gen, 2, 1, 8, 8), scattered), "scattered 2x2 holes"),
        Case((_images(gen, 1, 3, 6, 6), square_mask(1, 6, 2)),
             "colour: one mean per channel, one mask for all channels"),
        Case((_images(gen, 1, 1, 4, 4), torch.zeros(1, 1, 4, 4)), "no hole: unchanged"),
    ]
    return run_checks(fn, mean_fill, cases, atol=1e-6, rtol=1e-5)


def check_colourfulness(fn: Callable) -> bool:
    """``fn(images)`` for colour images (N, 3, H, W) in [-1, 1] must be Hasler and
    Suesstrunk's colourfulness on the 0..255 scale (population standard deviations), averaged
    over images, as :func:`ganbook.applications.pix2pix.colourfulness`."""
    from ..applications.pix2pix import colourfulness

    gen = torch.Generator().manual_seed(16)
    grey = _images(gen, 2, 1, 5, 5).repeat(1, 3, 1, 1)
    red = -torch.ones(1, 3, 4, 4)
    red[:, 0] = 1.0
    cases = [
        Case((grey,), "grey images (R = G = B): 0"),
        Case((red,), "a flat pure red: only the mean term"),
        Case((_images(gen, 3, 3, 6, 6),), "random colour noise"),
        Case((_images(gen, 1, 3, 4, 4) * 2,), "values beyond [-1, 1]: clip them first"),
    ]
    return run_checks(fn, colourfulness, cases, atol=1e-3, rtol=1e-5)


def check_thicken(fn: Callable) -> bool:
    """``fn(x, radius)`` must be the grey-level dilation of images (N, 1, H, W) with a disk of
    ``radius`` pixels (offsets dy^2 + dx^2 <= radius^2), the outside counting as background
    -1, as :func:`ganbook.applications.cyclegan.thicken`."""
    from ..applications.cyclegan import thicken

    gen = torch.Generator().manual_seed(17)
    dot = -torch.ones(1, 1, 7, 7)
    dot[..., 3, 3] = 1.0
    corner = -torch.ones(1, 1, 5, 5)
    corner[..., 0, 0] = 0.5
    cases = [
        Case((dot, 1), "one ink pixel, radius 1: a plus sign, not a 3x3 square"),
        Case((dot, 2), "radius 2: a disk of 13 pixels"),
        Case((corner, 1), "ink in a corner: the outside is background"),
        Case((_images(gen, 2, 1, 6, 6), 1), "grey levels: the largest value in the disk"),
    ]
    return run_checks(fn, thicken, cases)
