"""The image chapters' digit GANs: unconditional, class-conditional and self-conditioned
DCGANs on the 8x8 digits (the shipped ``image_*_digits`` weights), and the settings that
bench/ stores beside the other image GANs it ships."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import torch
from torch import nn

from ..core.loop import Loop
from ..core.profiles import Profile
from . import Recipe, register
from .writers import write_images


def _image_recipe(conditioning: str | None) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """bench/image_pretrain.py's recipe: hinge loss + spectral norm, TTUR, batch 64."""
        from ..core.data import TensorSampler
        from ..core.train import Trainer
        from ..image.data import load_digits
        from ..image.recipes import HINGE_SN, image_gan, self_conditioned_gan

        x, y = load_digits("train")
        if conditioning == "clusters":
            G, D, ids = self_conditioned_gan(x, 20, spectral_norm=True)
            sampler = TensorSampler(x, ids)
        elif conditioning == "labels":
            G, D = image_gan(spectral_norm=True, n_classes=10)
            sampler = TensorSampler(x, y)
        else:
            G, D = image_gan(spectral_norm=True)
            sampler = TensorSampler(x)
        return Trainer(G, D, sampler, batch_size=64, device=device, **HINGE_SN)

    return build


def image_gan_settings(**overrides: Any) -> dict[str, Any]:
    """The settings a :func:`ganbook.image.recipes.train_image_gan` call trains with: its
    keyword defaults, updated by ``overrides`` (the call's own keywords). bench/ stores them
    beside the weights it ships as their recipe, so the defaults are written once, in the
    signature. Trainer options it passes on (``**trainer_kwargs``) are not settings here."""
    from ..image.recipes import train_image_gan

    keywords = {
        name: p.default
        for name, p in inspect.signature(train_image_gan).parameters.items()
        if p.kind is p.KEYWORD_ONLY and name not in ("callbacks", "progress")
    }
    unknown = set(overrides) - set(keywords)
    if unknown:
        raise ValueError(f"unknown train_image_gan setting(s) {sorted(unknown)}; "
                         f"valid: {sorted(keywords)}")
    return {**keywords, **overrides}


def _shipped_image(name: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from ..image.recipes import load_generator

        return load_generator(name)[0]

    return load


for _recipe in (
    Recipe(
        "dcgan",
        "unconditional DCGAN on 8x8 digits (hinge + spectral norm)",
        _image_recipe(None),
        (20, 2000, 20000),
        write_images,
        _shipped_image("image_dcgan_digits"),
    ),
    Recipe(
        "cgan",
        "class-conditional DCGAN on the digits (projection D)",
        _image_recipe("labels"),
        (20, 2000, 20000),
        write_images,
        _shipped_image("image_cgan_digits"),
    ),
    Recipe(
        "scgan",
        "self-conditioned DCGAN (20 k-means clusters, no labels)",
        _image_recipe("clusters"),
        (20, 2000, 30000),
        write_images,
        _shipped_image("image_scgan_digits"),
    ),
):
    register(_recipe)
