"""MoCoGAN (Tulyakov et al. 2018) at digit size: a clip is one content code and a path of
motion codes, rendered frame by frame by one image generator.

* :class:`VideoGenerator` splits its noise into a content code (one per clip), an initial
  motion state and per-frame noise; a GRU turns the per-frame noise into motion codes, and a
  shared :class:`FrameGenerator` draws each frame from ``[content, motion_t]``. With
  ``independent=True`` it is the honest baseline instead: an image GAN whose every frame
  gets its own fresh code, so nothing ties the frames together.
* :class:`ImageDiscriminator` judges single frames, :class:`VideoDiscriminator` (3-D
  convolutions) whole clips; :class:`MoCoDiscriminator` holds both, so one optimizer steps
  them together. Without a video discriminator (``video=False``) it is the ablation.
* :class:`MoCoGANTrainer` is the book's :class:`~ganbook.Trainer` with objective hooks
  that sum the two discriminators' losses (and the generator's two adversarial terms).
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor, nn

from ..core.loop import check_positive, check_positive_ints
from ..core.train import Batch, Trainer

__all__ = [
    "MOCOGAN_PAPER",
    "FrameGenerator",
    "ImageDiscriminator",
    "MoCoDiscriminator",
    "MoCoGANTrainer",
    "VideoDiscriminator",
    "VideoGenerator",
]

#: Published numbers, quoted for scale (Tulyakov et al. 2018): Inception scores of 16-frame
#: UCF-101 clips (higher is better), and the average content distance of MoCoGAN with and
#: without its image discriminator (lower is more consistent content).
MOCOGAN_PAPER = {
    "UCF-101 Inception score": {"VGAN": 8.18, "TGAN": 11.85, "MoCoGAN": 12.42},
    "average content distance": {"MoCoGAN": 0.606, "MoCoGAN without image D": 1.115},
}

class FrameGenerator(nn.Module):
    """A DCGAN-style image generator: code (N, code_dim) -> frame (N, 1, size, size) in [-1, 1].

    A linear layer to a (2 width, size/4, size/4) map, two stride-2 transposed convolutions.
    """

    def __init__(self, code_dim: int, size: int = 24, width: int = 32) -> None:
        super().__init__()
        check_positive_ints(code_dim=code_dim, size=size, width=width)
        if size % 4:
            raise ValueError(f"size must be a multiple of 4, got {size}")
        self.side = size // 4
        self.project = nn.Sequential(
            nn.Linear(code_dim, 2 * width * self.side**2), nn.BatchNorm1d(2 * width * self.side**2),
            nn.ReLU(),
        )
        self.body = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, code: Tensor) -> Tensor:
        h = self.project(code)
        return self.body(h.view(len(code), -1, self.side, self.side))


class VideoGenerator(nn.Module):
    """``G(z) -> clips`` (N, 1, frames, size, size) from ``z`` (N, latent_dim).

    ``z`` = [content (content_dim), initial motion state (motion_dim), per-frame noise
    (frames x noise_dim)]. The content code is shared by every frame; a GRU cell maps the
    per-frame noise, scaled by ``noise_scale``, to one motion code per frame. The small
    scale starts training from smooth paths (the GRU's own dynamics from the initial state)
    rather than from a code that jumps at every frame; the GRU can learn to amplify it.
    With ``independent=True``, ``z`` is instead ``frames`` unrelated codes of
    ``content_dim + motion_dim`` (the per-frame baseline).
    """

    def __init__(
        self,
        frames: int = 12,
        size: int = 24,
        content_dim: int = 16,
        motion_dim: int = 8,
        noise_dim: int = 8,
        width: int = 32,
        independent: bool = False,
        noise_scale: float = 0.2,
    ) -> None:
        super().__init__()
        check_positive_ints(
            frames=frames, content_dim=content_dim, motion_dim=motion_dim, noise_dim=noise_dim
        )
        self._config = {
            "frames": frames, "size": size, "content_dim": content_dim, "motion_dim": motion_dim,
            "noise_dim": noise_dim, "width": width, "independent": bool(independent),
            "noise_scale": float(noise_scale),
        }
        self.noise_scale = check_positive("noise_scale", noise_scale, integer=False)
        self.frames, self.content_dim, self.motion_dim = frames, content_dim, motion_dim
        self.noise_dim, self.independent = noise_dim, bool(independent)
        code_dim = content_dim + motion_dim
        if self.independent:
            self.latent_dim = frames * code_dim
        else:
            self.latent_dim = content_dim + motion_dim + frames * noise_dim
            self.motion = nn.GRUCell(noise_dim, motion_dim)
        self.frame = FrameGenerator(code_dim, size, width)

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this network (what ``save_model`` ships)."""
        return dict(self._config)

    def codes(self, z: Tensor) -> Tensor:
        """(N, latent_dim) -> (N, frames, content_dim + motion_dim): every frame's code."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self._codes(z)

    def _codes(self, z: Tensor) -> Tensor:
        n, c, m = len(z), self.content_dim, self.motion_dim
        if self.independent:
            return z.view(n, self.frames, c + m)
        content, h = z[:, :c], z[:, c : c + m]
        noise = self.noise_scale * z[:, c + m :].view(n, self.frames, self.noise_dim)
        motion = []
        for t in range(self.frames):
            h = self.motion(noise[:, t], h)
            motion.append(h)
        content = content.unsqueeze(1).expand(n, self.frames, c)
        return torch.cat([content, torch.stack(motion, 1)], 2)

    def forward(self, z: Tensor) -> Tensor:
        codes = self.codes(z)
        n = len(z)
        frames = self.frame(codes.reshape(n * self.frames, -1))  # (N T, 1, H, W)
        return frames.view(n, self.frames, *frames.shape[1:]).transpose(1, 2)


def _sn(layer: nn.Module) -> nn.Module:
    """Spectral normalisation (Miyato et al. 2018): the book's recipe for stable critics."""
    return nn.utils.parametrizations.spectral_norm(layer)


class ImageDiscriminator(nn.Module):
    """Frames (N, 1, size, size) -> logits (N,): two stride-2 convolutions and a linear layer,
    spectrally normalised."""

    def __init__(self, size: int = 24, width: int = 32) -> None:
        super().__init__()
        check_positive_ints(size=size, width=width)
        if size % 4:
            raise ValueError(f"size must be a multiple of 4, got {size}")
        self.net = nn.Sequential(
            _sn(nn.Conv2d(1, width, 4, 2, 1)), nn.LeakyReLU(0.2),
            _sn(nn.Conv2d(width, 2 * width, 4, 2, 1)), nn.LeakyReLU(0.2),
            nn.Flatten(), _sn(nn.Linear(2 * width * (size // 4) ** 2, 1)),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


class VideoDiscriminator(nn.Module):
    """Clips (N, 1, T, size, size) -> logits (N,): two 3-D convolutions, each halving time and
    space (kernel 4, stride 2), then a linear layer over what is left; spectrally normalised."""

    def __init__(self, frames: int = 12, size: int = 24, width: int = 32) -> None:
        super().__init__()
        check_positive_ints(frames=frames, size=size, width=width)
        if size % 4 or frames % 4:
            raise ValueError(f"frames and size must be multiples of 4, got {frames}, {size}")
        self.net = nn.Sequential(
            _sn(nn.Conv3d(1, width, 4, 2, 1)), nn.LeakyReLU(0.2),
            _sn(nn.Conv3d(width, 2 * width, 4, 2, 1)), nn.LeakyReLU(0.2),
            nn.Flatten(), _sn(nn.Linear(2 * width * (frames // 4) * (size // 4) ** 2, 1)),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


class MoCoDiscriminator(nn.Module):
    """Both critics in one module (one optimizer steps both); ``forward`` is the video
    critic, or the image critic on the first frame when there is no video critic."""

    def __init__(self, frames: int = 12, size: int = 24, width: int = 32, video: bool = True):
        super().__init__()
        self.image = ImageDiscriminator(size, width)
        self.video = VideoDiscriminator(frames, size, width) if video else None

    def forward(self, x: Tensor) -> Tensor:
        return self.video(x) if self.video is not None else self.image(x[:, :, 0])


class MoCoGANTrainer(Trainer):
    """The :class:`~ganbook.Trainer` with two critics: the image critic sees
    ``image_frames`` random frames of every clip, the video critic (if any) whole clips.

    The discriminator's loss is the image critic's loss plus ``video_weight`` times the
    video critic's, and the generator's the same sum of its two adversarial terms (MoCoGAN
    weighs them equally, ``video_weight=1``); everything else (updates, EMA,
    checkpoints, ``generate``) is the base Trainer's.
    """

    def __init__(
        self,
        generator: VideoGenerator,
        discriminator: MoCoDiscriminator,
        sample_real: Callable[[int], Tensor],
        *,
        image_frames: int = 2,
        video_weight: float = 1.0,
        **kwargs: Any,
    ) -> None:
        if not isinstance(discriminator, MoCoDiscriminator):
            raise ValueError(
                f"discriminator must be a MoCoDiscriminator, got {type(discriminator).__name__}"
            )
        self.image_frames = check_positive("image_frames", image_frames)
        self.video_weight = check_positive("video_weight", video_weight, integer=False)
        super().__init__(generator, discriminator, sample_real, **kwargs)
        if self.gp_weight > 0:
            raise ValueError("MoCoGANTrainer has no gradient penalty: use a loss without one")

    def _pick_frames(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """The same ``image_frames`` random frame indices of every real and fake clip."""
        n, t = real.shape[0], real.shape[2]
        k = min(self.image_frames, t)
        which = torch.rand(n, t, device=real.device).argsort(1)[:, :k]  # (N, k)
        rows = torch.arange(n, device=real.device).unsqueeze(1)

        def pick(video: Tensor) -> Tensor:
            return video.transpose(1, 2)[rows, which].flatten(0, 1)  # (N k, 1, H, W)

        return pick(real), pick(fake)

    def d_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        with torch.no_grad():
            fake, _ = self.make_fake(batch)
        real_frames, fake_frames = self._pick_frames(batch.real, fake)
        real_logits, fake_logits = self.D.image(real_frames), self.D.image(fake_frames)
        d_image = self.loss.d_loss(real_logits, fake_logits)
        loss, record = d_image, {"d_image": d_image.detach()}
        squash = torch.sigmoid if self.loss.probabilistic else (lambda x: x)
        if self.D.video is not None:
            real_logits, fake_logits = self.D.video(batch.real), self.D.video(fake)
            d_video = self.loss.d_loss(real_logits, fake_logits)
            loss = loss + self.video_weight * d_video
            record["d_video"] = d_video.detach()
        return loss, {
            **record,
            "d_loss": loss.detach(),
            "d_real": squash(real_logits.detach()).mean(),
            "d_fake": squash(fake_logits.detach()).mean(),
        }

    def g_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        fake, _ = self.make_fake(batch)
        _, fake_frames = self._pick_frames(batch.real, fake)
        g_image = self.loss.g_loss(self.D.image(fake_frames), None)
        loss, record = g_image, {"g_image": g_image.detach()}
        if self.D.video is not None:
            g_video = self.loss.g_loss(self.D.video(fake), None)
            loss = loss + self.video_weight * g_video
            record["g_video"] = g_video.detach()
        return self.adv_weight * loss, {**record, "g_loss": loss.detach()}

    def config(self) -> dict[str, Any]:
        return {
            **super().config(),
            "image_frames": self.image_frames,
            "video_weight": self.video_weight,
            "video_critic": self.D.video is not None,
        }
