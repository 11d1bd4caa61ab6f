"""The recipe registry: how to build, train and sample every model the book ships, in one place.

A :class:`Recipe` builds a fresh Loop for a profile, gives the default steps per profile, writes
samples (:mod:`.writers`) and loads the shipped weights. ``python -m ganbook`` (:mod:`ganbook.cli`)
trains and samples from :data:`RECIPES`; ``bench/`` scripts that retrain shipped weights build
from it too. The recipes live by part of the book: :mod:`.digits`, :mod:`.music`, :mod:`.text`,
:mod:`.applications`, :mod:`.video`. Add one with :func:`register`.

May import the core, the pages and the parts whose models it trains (applications, image,
music, text, video); only the CLI, ``bench/`` and tests import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from ..core.device import seed_everything
from ..core.loop import Callback, Loop
from ..core.profiles import Profile
from .writers import Writer


@dataclass(frozen=True)
class Recipe:
    """How to build, train and sample one of the book's models.

    ``build(profile, device)`` returns a fresh Loop; ``steps`` the default step counts
    ``(test, cpu, gpu)``; ``write(G, n, out)`` writes ``n`` samples of a generator into the
    folder ``out``; ``shipped()`` loads the generator shipped in ``ganbook/weights`` (None:
    nothing is shipped); ``prepare(loop, profile)`` runs once before a fresh run's first step;
    ``schedule(steps)`` gives the callbacks of a run of ``steps`` in all (learning-rate decay).
    """

    name: str
    summary: str
    build: Callable[[Profile, torch.device], Loop]
    steps: tuple[int, int, int]
    write: Writer
    shipped: Callable[[], nn.Module] | None = None
    prepare: Callable[[Loop, Profile], None] | None = None
    schedule: Callable[[int], list[Callback]] | None = None


RECIPES: dict[str, Recipe] = {}


def register(recipe: Recipe) -> Recipe:
    """Add ``recipe`` to :data:`RECIPES` (the names ``train`` and ``sample`` accept)."""
    if not isinstance(recipe, Recipe):
        raise ValueError(f"recipe must be a ganbook.recipes.Recipe, got {type(recipe).__name__}")
    RECIPES[recipe.name] = recipe
    return recipe


def generator_of(loop: Loop) -> nn.Module:
    """What samples come from: the EMA generator, else the generator, else the model."""
    for name in ("G_ema", "G", "model"):
        net = getattr(loop, name, None)
        if net is not None:
            return net
    raise ValueError(f"{type(loop).__name__} has no G_ema, G or model to sample from")


def build(name: str, profile: Profile, device: torch.device, seed: int = 0) -> Loop:
    """A fresh, seeded Loop for recipe ``name`` at ``profile``, labelled with both (so every
    checkpoint it writes names them, and a resume under another recipe is refused)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; recipes: {', '.join(RECIPES)}")
    seed_everything(seed)
    loop = RECIPES[name].build(profile, device)
    loop.labels = {"recipe": name, "profile": profile.name}
    return loop


# each part of the book registers its recipes when imported
from . import digits, music, text, applications, video  # noqa: E402, F401, I001
