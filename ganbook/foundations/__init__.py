"""The foundations part of the book: the minimax chapter's mathematics (``theory``) and the
two-player game's toy data: 1-D and 2-D Gaussian mixtures, mode coverage (and the
``ModeShare`` callback that records it), toy GAN runs and their animation frames.

May import the core and the pages; the GAN doctor's clinic and the video chapter measure with it.
"""

from .coverage import ModeCoverage, ModeShare, mode_coverage
from .experiment import Snapshots, discriminator_map, grid_points, toy_gan
from .mixtures import GaussianMixture, grid_2d, mixture_1d, ring_2d

__all__ = [
    "GaussianMixture",
    "grid_2d",
    "mixture_1d",
    "ring_2d",
    "ModeCoverage",
    "ModeShare",
    "mode_coverage",
    "Snapshots",
    "discriminator_map",
    "grid_points",
    "toy_gan",
]
