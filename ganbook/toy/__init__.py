"""Toy data for the two-player game: 1-D and 2-D Gaussian mixtures,
mode coverage, and toy GAN runs.

May import the core only; the core's callbacks, clinic and theory measure on its data.
"""

from .coverage import ModeCoverage, mode_coverage
from .experiment import Snapshots, discriminator_map, grid_points, toy_gan
from .mixtures import GaussianMixture, grid_2d, mixture_1d, ring_2d

__all__ = [
    "GaussianMixture",
    "grid_2d",
    "mixture_1d",
    "ring_2d",
    "ModeCoverage",
    "mode_coverage",
    "Snapshots",
    "discriminator_map",
    "grid_points",
    "toy_gan",
]
