"""The application chapters' image models: super-resolution (L1 and SRGAN) and text to
image (GAN-INT-CLS). Inpainting, pix2pix and CycleGAN train inside their notebooks; SinGAN
is not a recipe (see below)."""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from ..core.loop import Loop
from ..core.profiles import Profile
from . import Recipe, register
from .writers import write_super_resolved, write_text_to_image


def _superres(adv_weight: float) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """The super-resolution chapter: the L1 SRResNet, or SRGAN fine-tuning from it."""
        from ..applications.super_resolution import SRPatches, SRResNet, load_l1_network, sr_trainer

        if adv_weight == 0:
            G = SRResNet(channels=3, width=32, blocks=4, factor=4)
            return sr_trainer(G, SRPatches(32), adv_weight=0.0, device=device)
        G = copy.deepcopy(load_l1_network()[0]).train()
        return sr_trainer(G, SRPatches(32), adv_weight=adv_weight, lr_g=2e-4, device=device)

    return build


def _shipped_superres() -> nn.Module:
    from ..applications.super_resolution import load_l1_network

    return load_l1_network()[0]


def _text2image(profile: Profile, device: torch.device) -> Loop:
    """GAN-INT-CLS at bench/app_text2image.py's sizes, on the sentence vectors of the shipped
    frozen caption model (pre-training the encoder is a separate Loop, done once there)."""
    from ..applications.captions import CaptionedDigits
    from ..applications.text_to_image import CaptionVectors, load_text_to_image, text2image_trainer

    data, shipped = CaptionedDigits(), load_text_to_image()[0]
    if data.vocab.itos != shipped.vocab.itos:
        raise ValueError("the shipped caption model's vocabulary is not the captions' own")
    return text2image_trainer(CaptionVectors(data, shipped.captions), 32, 32, device=device)


def _shipped_text2image() -> nn.Module:
    from ..applications.text_to_image import load_text_to_image

    return load_text_to_image()[0]


# SinGAN (ganbook.applications.singan.train_singan) is not a recipe: it trains one Trainer per
# scale, each built from the coarser scales' results (noise amplitude from their
# reconstruction error, weights copied up), so a run is a sequence of Loops and no single
# checkpoint resumes it; its coarsest scale alone is a blurry thumbnail, not the chapter's
# model. bench/app_singan.py trains (and resumes, scale by scale) the shipped pyramids.



for _recipe in (
    Recipe(
        "superres-l1",
        "4x super-resolution network trained on L1 alone",
        _superres(0.0),
        (20, 1000, 6000),
        write_super_resolved,
        _shipped_superres,
    ),
    Recipe(
        "srgan",
        "SRGAN fine-tuning of the shipped L1 network (adversarial weight 0.2)",
        _superres(0.2),
        (20, 300, 3000),
        write_super_resolved,
    ),
    Recipe(
        "text2image",
        "GAN-INT-CLS: captioned digits on the shipped caption encoder",
        _text2image,
        (20, 4000, 4000),
        write_text_to_image,
        _shipped_text2image,
    ),
):
    register(_recipe)
