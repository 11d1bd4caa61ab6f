"""The video chapter's four arms (:data:`ganbook.video.arms.ARMS`) as recipes."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..core.loop import Callback, Loop
from ..core.profiles import Profile
from . import Recipe, register
from .writers import write_clips


def _mocogan(arm: str) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """The video chapter's arm ``arm`` with its RECIPE (as ganbook.video.arms.train_arm)."""
        from ..video.arms import ARMS, RECIPE, mocogan
        from ..video.data import BouncingDigits

        r = {k: v for k, v in RECIPE.items() if k != "steps"}
        data = BouncingDigits("train", r["size"], r["frames"])
        return mocogan(data, **ARMS[arm], **r, device=device)

    return build


def _linear_decay(steps: int) -> list[Callback]:
    """train_arm's schedule: both learning rates decay linearly to 0 over the second half."""
    from ..core.callbacks import LinearDecay

    return [(1, LinearDecay(steps // 2, steps))] if steps > 1 else []


def _shipped_arm(arm: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from ..video.arms import load_arm

        return load_arm(arm)[0]

    return load


# (recipe name, arm of ganbook.video.arms.ARMS, summary): one recipe each, the same steps,
# writer and schedule
_ARM_RECIPES = (
    ("mocogan", "MoCoGAN", "MoCoGAN: clips of bouncing digits, from content and motion codes"),
    ("mocogan-no-video-d", "no video D", "MoCoGAN's ablation without the video discriminator"),
    ("per-frame", "per-frame image GAN",
     "the per-frame image GAN baseline (a fresh code for every frame)"),
    ("mocogan-sprite", "sprite MoCoGAN",
     "MoCoGAN whose content code draws a sprite the motion codes move"),
)
for _name, _arm, _summary in _ARM_RECIPES:
    register(Recipe(_name, _summary, _mocogan(_arm), (20, 1800, 14400), write_clips,
                    _shipped_arm(_arm), schedule=_linear_decay))
