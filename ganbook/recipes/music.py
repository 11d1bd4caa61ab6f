"""The music chapters' chorale GANs: unconditional, by mode, harmonising a soprano, taught
voice leading, and the application chapter's text-to-music GAN."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..core.loop import Loop
from ..core.profiles import Profile
from . import Recipe, register
from .writers import music_writer, write_text_to_music


def _chorale_recipe(condition: str | None) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """The chorale chapters' WGAN-GP (ganbook.music.training.make_trainer)."""
        from ..music.corpus import load_chorales, windows
        from ..music.training import make_trainer

        train = windows(load_chorales(progress=False), "train")
        return make_trainer(train, condition, device=device)

    return build


def _voiced_chorale(profile: Profile, device: torch.device) -> Loop:
    """bench/music_train.py --voiced: the chorale chapter's voice-leading stage, from the
    shipped chorale GAN (ganbook.music.training.make_voiced_trainer)."""
    from ..music.corpus import load_chorales, windows
    from ..music.training import load_chorale_generator, make_voiced_trainer

    train = windows(load_chorales(progress=False), "train")
    return make_voiced_trainer(train, load_chorale_generator("music_chorale_gan")[0], device=device)


def _shipped_chorale(name: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from ..music.training import load_chorale_generator

        return load_chorale_generator(name)[0]

    return load


def _text2music(profile: Profile, device: torch.device) -> Loop:
    """bench/app_text2music.py's chorale WGAN-GP conditioned on descriptions
    (ganbook.music.training.make_text_trainer)."""
    from ..music import describe as T
    from ..music.corpus import load_chorales, windows
    from ..music.training import make_text_trainer

    train = windows(load_chorales(progress=False), "train")
    return make_text_trainer(train, T.description_vocab(), device=device)


def _start_from_chorale_gan(loop: Loop, profile: Profile) -> None:
    """As bench/app_text2music.py: the generator starts from the shipped unconditional one."""
    from ..music.training import load_chorale_generator, start_from

    start_from(loop.G, load_chorale_generator("music_chorale_gan")[0].to(loop.device))
    loop.G_ema.load_state_dict(loop.G.state_dict())


def _shipped_text2music() -> nn.Module:
    from ..music.training import load_text_generator

    return load_text_generator("app_text2music")[0]




for _recipe in (
    Recipe(
        "chorale",
        "4-voice chorale WGAN-GP (MIDI samples)",
        _chorale_recipe(None),
        (20, 500, 3000),
        music_writer(None),
        _shipped_chorale("music_chorale_gan"),
    ),
    Recipe(
        "chorale-mode",
        "chorale GAN conditioned on major/minor",
        _chorale_recipe("mode"),
        (20, 500, 3000),
        music_writer("mode"),
        _shipped_chorale("music_chorale_mode"),
    ),
    Recipe(
        "chorale-soprano",
        "chorale GAN that harmonises a given soprano",
        _chorale_recipe("soprano"),
        (20, 500, 3000),
        music_writer("soprano"),
        _shipped_chorale("music_chorale_soprano"),
    ),
    Recipe(
        "chorale-voiced",
        "the chorale GAN taught voice leading (from the chorale GAN)",
        _voiced_chorale,
        (20, 1000, 1000),
        music_writer(None),
        _shipped_chorale("music_chorale_voiced"),
    ),
    Recipe(
        "text2music",
        "chorale GAN conditioned on a description (from the chorale GAN)",
        _text2music,
        (20, 2000, 3000),
        write_text_to_music,
        _shipped_text2music,
        _start_from_chorale_gan,
    ),
):
    register(_recipe)
