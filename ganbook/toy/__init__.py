"""Toy data for the two-player game: 1-D and 2-D Gaussian mixtures and mode coverage."""
from .mixtures import GaussianMixture, grid_2d, mixture_1d, ring_2d
from .coverage import ModeCoverage, mode_coverage

__all__ = ["GaussianMixture", "grid_2d", "mixture_1d", "ring_2d", "ModeCoverage", "mode_coverage"]
