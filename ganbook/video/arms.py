"""The video chapter's arms, as recipes: MoCoGAN, its ablations and its sprite variant, each
built by :func:`mocogan`, trained by :func:`train_arm` and shipped by :func:`save_arm`.

The models live in :mod:`.mocogan` and :mod:`.sprite`; this module builds the chapter's
comparisons from them (and ``bench/app_video.py`` and ``python -m ganbook`` build from it).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from torch import Tensor

from ..core.callbacks import LinearDecay
from ..core.checkpoint import load_model, save_model
from ..core.device import seed_everything
from ..core.loop import check_positive
from ..core.train import Callback
from .data import BouncingDigits
from .mocogan import MoCoDiscriminator, MoCoGANTrainer, VideoGenerator
from .sprite import SpriteVideoGenerator

#: The chapter's four arms: MoCoGAN, its ablation without the video discriminator, the
#: per-frame image GAN (independent noise per frame, image discriminator only), and MoCoGAN
#: with a sprite generator (:mod:`ganbook.video.sprite`: content draws, motion places).
ARMS = {
    "MoCoGAN": {"independent": False, "video": True},
    "no video D": {"independent": False, "video": False},
    "per-frame image GAN": {"independent": True, "video": False},
    "sprite MoCoGAN": {"independent": False, "video": True, "sprite": True},
}


#: How the shipped arms were trained (``bench/app_video.py``): the book's stable recipe
#: (hinge loss, spectrally normalised critics, TTUR learning rates, Adam betas (0, 0.9),
#: both rates decayed linearly to 0 over the second half), clips of 8 frames of 24 px.
RECIPE = {
    "frames": 8, "size": 24, "batch_size": 16, "image_frames": 4, "loss": "hinge",
    "lr_g": 2e-4, "lr_d": 4e-4, "betas": (0.0, 0.9), "ema_decay": 0.99, "steps": 1800,
}


def mocogan(
    sample_real: Callable[[int], Tensor],
    independent: bool = False,
    video: bool = True,
    frames: int = 12,
    size: int = 24,
    width: int = 32,
    d_width: int = 32,
    sprite: bool = False,
    residual: float = 0.0,
    **kwargs: Any,
) -> MoCoGANTrainer:
    """One arm of the chapter (see :data:`ARMS`): a :class:`VideoGenerator` (with
    ``sprite=True`` a :class:`~ganbook.video.sprite.SpriteVideoGenerator` with the given
    ``residual``) and a :class:`MoCoDiscriminator` of the given sizes in a
    :class:`MoCoGANTrainer`."""
    if independent and video:
        raise ValueError(
            "independent=True is the per-frame image GAN: it has no video critic (video=False)"
        )
    if independent and sprite:
        raise ValueError("sprite=True needs a content code per clip: independent must be False")
    if residual and not sprite:
        raise ValueError("residual is the sprite generator's: pass sprite=True with it")
    if sprite:
        G = SpriteVideoGenerator(frames, size, width=width, residual=residual)
    else:
        G = VideoGenerator(frames, size, width=width, independent=independent)
    D = MoCoDiscriminator(frames, size, d_width, video=video)
    return MoCoGANTrainer(G, D, sample_real, **kwargs)


def train_arm(
    arm: str,
    steps: int,
    data: Callable[[int], Tensor] | None = None,
    seed: int = 0,
    callbacks: Sequence[Callback] = (),
    progress: bool = False,
    **overrides: Any,
) -> MoCoGANTrainer:
    """Seed, build ``arm`` of :data:`ARMS` with :data:`RECIPE` (``overrides`` replace or add
    :func:`mocogan` settings, such as ``video_weight``) and train it ``steps`` steps on
    ``data`` (bouncing training digits by default), the learning rates decaying linearly
    over the second half. Returns the trainer."""
    if arm not in ARMS:
        raise ValueError(f"arm must be one of {list(ARMS)}, got {arm!r}")
    steps = check_positive("steps", steps)
    r = {k: v for k, v in RECIPE.items() if k != "steps"} | overrides
    seed_everything(seed)
    data = data or BouncingDigits("train", r["size"], r["frames"])
    trainer = mocogan(data, **ARMS[arm], **r)
    decay = [(1, LinearDecay(steps // 2, steps))] if steps > 1 else []
    trainer.fit(steps, callbacks=[*decay, *callbacks], progress=progress)
    return trainer


def arm_name(arm: str) -> str:
    """The shipped weights' name of an arm of :data:`ARMS`: ``app_video_<slug>``."""
    if arm not in ARMS:
        raise ValueError(f"arm must be one of {list(ARMS)}, got {arm!r}")
    return "app_video_" + {"MoCoGAN": "mocogan", "no video D": "no_video_d",
                           "per-frame image GAN": "per_frame", "sprite MoCoGAN": "sprite"}[arm]


def save_arm(G: VideoGenerator, name_or_path: str | None = None, *, arm: str, **extra: Any) -> None:
    """Ship an arm's (EMA) generator with :func:`ganbook.core.checkpoint.save_model`."""
    save_model(name_or_path or arm_name(arm), G, G.config(), arm=arm, **extra)


def load_arm(arm: str, name_or_path: str | None = None) -> tuple[VideoGenerator, dict]:
    """The shipped generator of ``arm`` (written by ``bench/app_video.py``) and its checkpoint
    dict; under the check harness's untrained mode it comes back freshly initialised."""
    default = arm_name(arm)  # also checks ``arm``
    build = SpriteVideoGenerator if ARMS[arm].get("sprite") else VideoGenerator
    return load_model(name_or_path or default, lambda config: build(**config))
