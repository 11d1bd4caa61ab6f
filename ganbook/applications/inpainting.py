"""Inpainting: fill a hole in an image from the pixels around it.

Masks are float tensors ``(N, 1, H, W)`` with **1 where a pixel is missing** (the hole) and
0 where it is visible; images are ``(N, C, H, W)`` in [-1, 1]. Every method returns the full
image with its visible pixels untouched and only the hole filled:

* classical baselines: :func:`mean_fill` (the mean of the visible pixels) and
  :func:`biharmonic_fill` (scikit-image's smooth biharmonic interpolation);
* a context encoder (Pathak et al. 2016): :class:`ContextEncoder`, the book's U-Net fed the
  masked image plus the mask as a second channel, trained by :func:`context_encoder_trainer`
  through the one :class:`ganbook.Trainer` (paired data, an L2 reconstruction term, and an
  adversarial term on the *filled* image judged by a patch discriminator);
* inversion of a trained GAN (Yeh et al. 2017): :func:`invert_generator` searches the latent
  space of the shipped 8x8 DCGAN for the code whose image matches the visible pixels; no
  network is trained, only the codes are optimised (through :func:`ganbook.core.loop.update`).

The digits are 8x8; :func:`load_digits_16` upsamples them x2 with bicubic interpolation
(clamped to [-1, 1]) so that a 6-8 px hole leaves enough context around it. The digit
classifier and the DCGAN work at 8x8: :func:`downsample` (area averaging) takes images back,
:func:`downsample_mask` marks a coarse pixel missing if any of its fine pixels is.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import check_nonnegative, check_positive, update
from ..core.losses import Reconstruction
from ..core.profiles import smoke_cap
from ..core.train import Trainer
from ..core.utils import eval_mode
from ..image.checks import check_images
from ..image.classifier import digit_accuracy
from ..image.resample import downsample, resize
from .patchgan import PatchDiscriminator
from .quality import gradient_energy, two_sample_accuracy
from .unet import UNet

__all__ = [
    "ContextEncoder",
    "InpaintingPairs",
    "biharmonic_fill",
    "context_encoder_trainer",
    "context_input",
    "downsample_mask",
    "generator_fill",
    "hole_psnr",
    "invert_generator",
    "load_digits_16",
    "masked",
    "mean_fill",
    "random_mask",
    "score_fills",
    "square_mask",
    "TRAINING_SIDES",
    "held_out_holes",
]

#: The sides of the square holes the book's context encoders train on, each batch a fresh one
#: at a random place (GLCIC's random holes, Iizuka et al. 2017): the 8x8 centre is among them,
#: squares of odd side and larger squares are not (:func:`held_out_holes`).
TRAINING_SIDES = (4, 6, 8, 10)


def _check_mask(images: Tensor, mask: Tensor) -> None:
    check_images("images", images)
    check_images("mask (1 = missing)", mask, 1, value_range=(0, 1))
    if mask.shape[0] != images.shape[0] or mask.shape[-2:] != images.shape[-2:]:
        raise ValueError(
            f"mask {tuple(mask.shape)} must have the images' N, H and W, "
            f"images are {tuple(images.shape)}"
        )


# -- masks ----------------------------------------------------------------------------------


def square_mask(n: int, size: int, hole: int | Sequence[int], position: str = "center") -> Tensor:
    """``n`` masks ``(n, 1, size, size)`` with one ``hole`` x ``hole`` square missing.

    ``position="center"`` puts it in the middle (Pathak's central region); ``"random"``
    anywhere inside the image, drawn with torch's global RNG. A sequence of sides draws each
    mask's side from it (GLCIC's training holes: ``square_mask(n, 16, (4, 6, 8, 10),
    "random")``).
    """
    n, size = (check_positive(k, v) for k, v in (("n", n), ("size", size)))
    sides = [hole] if isinstance(hole, int) else list(hole)
    if not sides or not all(isinstance(h, int) and 0 < h < size for h in sides):
        raise ValueError(f"hole must be a side (or sides) in 1..{size - 1}, got {hole!r}")
    if position not in ("center", "random"):
        raise ValueError(f"position must be 'center' or 'random', got {position!r}")
    if len(sides) == 1:
        side = torch.full((n,), sides[0])
        if position == "random":
            top, left = torch.randint(size - sides[0] + 1, (2, n))
    else:
        side = torch.tensor(sides)[torch.randint(len(sides), (n,))]
        if position == "random":  # uniform over the places each mask's side fits
            top, left = (torch.rand(2, n) * (size - side + 1)).long()
    if position == "center":
        top = left = (size - side) // 2
    mask = torch.zeros(n, 1, size, size)
    for i, (t, s, h) in enumerate(zip(top.tolist(), left.tolist(), side.tolist())):
        mask[i, :, t : t + h, s : s + h] = 1.0
    return mask


def held_out_holes(n: int, size: int = 16, seed: int = 0) -> dict[str, Tensor]:
    """Masks of holes no training batch has: squares of side 5, 7 and 9 anywhere, and an
    11x11 centre, larger than any of :data:`TRAINING_SIDES`; ``n`` of each, seeded (the
    global RNG is left as it was)."""
    if not isinstance(size, int) or size < 12:
        raise ValueError(f"size must be an int of at least 12 (an 11x11 hole), got {size!r}")
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        holes = {f"{s}x{s} anywhere": square_mask(n, size, s, "random") for s in (5, 7, 9)}
    return holes | {"11x11 centre": square_mask(n, size, 11)}


def random_mask(n: int, size: int, coverage: float = 0.25, block: int = 2) -> Tensor:
    """``n`` irregular masks: each ``block`` x ``block`` cell is missing with probability
    ``coverage`` (torch's global RNG), so holes of every shape, scattered over the image.

    ``size`` must be divisible by ``block``. Every mask has at least one missing cell.
    """
    n, size, block = (check_positive(k, v) for k, v in (("n", n), ("size", size), ("block", block)))
    if size % block:
        raise ValueError(f"size={size} must be divisible by block, got block={block}")
    if not isinstance(coverage, (int, float)) or not 0 < coverage < 1:
        raise ValueError(f"coverage must be a share in (0, 1), got {coverage!r}")
    cells = size // block
    coarse = (torch.rand(n, 1, cells, cells) < coverage).float()
    empty = coarse.flatten(1).sum(1) == 0
    if empty.any():  # a mask with nothing missing would be no task at all
        pick = torch.randint(cells * cells, (int(empty.sum()),))
        coarse.view(n, -1)[empty.nonzero().squeeze(1), pick] = 1.0
    return resize(coarse, (size, size), "nearest")


def masked(images: Tensor, mask: Tensor, fill: float = 0.0) -> Tensor:
    """The images with the hole set to ``fill`` (0: mid-grey in [-1, 1]): what a method sees."""
    _check_mask(images, mask)
    return images * (1 - mask) + fill * mask


def context_input(images: Tensor, mask: Tensor) -> Tensor:
    """The context encoder's input: the masked image and the mask as one more channel."""
    return torch.cat([masked(images, mask), mask], dim=1)


# -- data -----------------------------------------------------------------------------------


def load_digits_16(split: str = "train", mode: str = "bicubic") -> tuple[Tensor, Tensor]:
    """scikit-learn's 8x8 digits upsampled x2 to 16x16 (``mode`` 'bicubic' or 'nearest'),
    clamped to [-1, 1], with their labels: ``(images (N, 1, 16, 16), labels (N,))``.

    ``split`` as in :func:`ganbook.image.data.load_digits` (the same fixed split).
    """
    from ..image.data import load_digits

    if mode not in ("bicubic", "nearest"):
        raise ValueError(f"mode must be 'bicubic' or 'nearest', got {mode!r}")
    images, labels = load_digits(split)
    return resize(images, (16, 16), mode).clamp(-1, 1), labels


def downsample_mask(mask: Tensor, factor: int = 2) -> Tensor:
    """A coarse pixel is missing if any of its ``factor`` x ``factor`` fine pixels is, so the
    visible coarse pixels are exact area averages of visible fine pixels."""
    check_images("mask (1 = missing)", mask, 1, value_range=(0, 1))
    factor = check_positive("factor", factor)
    return F.max_pool2d(mask, factor)


class InpaintingPairs:
    """The ``sample_real`` of a context encoder: ``(context_input, image)`` pairs.

    Each call draws ``n`` images from ``images`` and fresh masks from ``mask_fn(n)`` (torch's
    global RNG, so a checkpointed run resumes exactly).
    """

    def __init__(self, images: Tensor, mask_fn: Callable[[int], Tensor]) -> None:
        check_images("images", images)
        if len(images) == 0:
            raise ValueError("images must not be empty")
        if not callable(mask_fn):
            raise ValueError(f"mask_fn must be a function n -> masks, got {mask_fn!r}")
        self.images, self.mask_fn = images, mask_fn

    def __call__(self, n: int) -> tuple[Tensor, Tensor]:
        n = check_positive("n", n)
        x = self.images[torch.randint(len(self.images), (n,))]
        return context_input(x, self.mask_fn(n)), x


# -- baselines ------------------------------------------------------------------------------


def mean_fill(images: Tensor, mask: Tensor) -> Tensor:
    """Fill each image's hole with the mean of its visible pixels (per channel)."""
    _check_mask(images, mask)
    visible = 1 - mask
    mean = (images * visible).sum((-2, -1), keepdim=True) / visible.sum(
        (-2, -1), keepdim=True
    ).clamp(min=1)
    return images * visible + mean * mask


def biharmonic_fill(images: Tensor, mask: Tensor) -> Tensor:
    """scikit-image's ``inpaint_biharmonic`` on each image: the smoothest surface through the
    visible pixels (it continues strokes' grey levels, never their shape)."""
    from skimage.restoration import inpaint_biharmonic

    _check_mask(images, mask)
    x = images.detach().cpu().numpy().astype(np.float64)
    m = mask.detach().cpu().numpy()[:, 0] > 0.5
    out = np.stack(
        [inpaint_biharmonic(img, hole, channel_axis=0) if hole.any() else img
         for img, hole in zip(x, m)]
    )
    filled = torch.from_numpy(out).to(images.dtype).clamp(-1, 1)
    return images * (1 - mask) + filled * mask


# -- context encoder ------------------------------------------------------------------------


class ContextEncoder(nn.Module):
    """``G(masked image + mask channel) -> filled image``: a U-Net proposes every pixel and
    only the hole is kept, so the visible pixels pass through exactly.

    Because the output is already composited, a reconstruction term on the whole image is the
    hole's error (scaled by the hole's share), and the discriminator judges the filled image.
    """

    def __init__(self, channels: int = 1, width: int = 32, depth: int = 2) -> None:
        super().__init__()
        self.channels = check_positive("channels", channels)
        self.net = UNet(channels + 1, channels, width=width, depth=depth)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels + 1:
            raise ValueError(
                f"x must be (batch, {self.channels} + 1 mask channel, H, W), got {tuple(x.shape)}"
            )
        image, mask = x[:, : self.channels], x[:, self.channels :]
        return image * (1 - mask) + self.net(x) * mask


def context_encoder_trainer(
    images: Tensor,
    mask_fn: Callable[[int], Tensor],
    adv_weight: float = 0.0,
    rec_weight: float = 0.999,
    width: int = 32,
    d_width: int = 32,
    d_layers: int = 2,
    **trainer_args,
) -> Trainer:
    """A :class:`ganbook.Trainer` for a :class:`ContextEncoder` on ``images`` with masks from
    ``mask_fn``: paired data, ``Reconstruction(rec_weight, "l2")``, and ``adv_weight`` times the
    adversarial loss of a :class:`PatchDiscriminator` that judges the filled image alone.

    ``adv_weight=0`` is the L2-only context encoder; Pathak et al. used 0.999 / 0.001.
    Other keyword arguments (``batch_size``, ``lr_g``, ``loss``, ...) go to the Trainer.
    """
    check_images("images", images)
    channels = images.shape[1]
    G = ContextEncoder(channels, width=width)
    D = PatchDiscriminator(channels, width=d_width, layers=d_layers)
    return Trainer(
        G,
        D,
        InpaintingPairs(images, mask_fn),
        paired=True,
        terms=[Reconstruction(rec_weight, "l2")],
        adv_weight=adv_weight,
        **trainer_args,
    )


# -- GAN inversion --------------------------------------------------------------------------


def invert_generator(
    G: nn.Module,
    images: Tensor,
    mask: Tensor,
    steps: int = 300,
    lr: float = 0.05,
    restarts: int = 4,
    prior: float = 1e-3,
    seed: int = 0,
) -> tuple[Tensor, Tensor]:
    """Search ``G``'s latent space for codes whose images match the *visible* pixels.

    Minimises ``mean((G(z) - x)^2 over visible pixels) + prior * mean(z^2)`` over a tensor of
    codes with Adam, ``restarts`` random starts per image (private ``seed``), and keeps each
    image's best start. Only the codes change (``G`` is frozen, in eval mode); each step goes
    through :func:`ganbook.core.loop.update`. ``images`` and ``mask`` must be at ``G``'s resolution.
    Returns ``(G(z) (N, C, H, W), z (N, latent_dim))``.
    """
    _check_mask(images, mask)
    steps, restarts = check_positive("steps", steps), check_positive("restarts", restarts)
    check_positive("lr", lr, integer=False)
    check_nonnegative("prior", prior)
    n = len(images)
    x = images.detach().repeat(restarts, 1, 1, 1)
    visible = 1 - mask.detach().repeat(restarts, 1, 1, 1)
    count = visible.sum((1, 2, 3)).clamp(min=1) * images.shape[1]
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(restarts * n, G.latent_dim, generator=gen).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    flags = [p.requires_grad for p in G.parameters()]
    for p in G.parameters():
        p.requires_grad_(False)

    def per_image(codes: Tensor) -> tuple[Tensor, Tensor]:
        out = G(codes)
        if out.shape != x.shape:
            raise ValueError(
                f"images {tuple(images.shape[1:])} must match G's output {tuple(out.shape[1:])}"
            )
        fit = (((out - x) ** 2) * visible).sum((1, 2, 3)) / count
        return out, fit + prior * (codes**2).mean(1)

    try:
        with eval_mode(G):
            for _ in range(smoke_cap(steps)):  # smoke mode: a few steps only
                _, loss = per_image(z)
                update(opt, loss.sum())
            with torch.no_grad():
                out, loss = per_image(z)
    finally:
        for p, flag in zip(G.parameters(), flags):
            p.requires_grad_(flag)
    best = loss.view(restarts, n).argmin(0)
    rows = best * n + torch.arange(n)
    return out[rows].detach(), z[rows].detach()


def generator_fill(G: nn.Module, images: Tensor, mask: Tensor, factor: int = 2, **search) -> Tensor:
    """Fill holes in images ``factor`` times larger than ``G``'s output by inversion: fit the
    codes at ``G``'s resolution (:func:`downsample`, :func:`downsample_mask`), upsample the
    fitted images bicubically and keep them inside the hole only. ``search`` goes to
    :func:`invert_generator`."""
    _check_mask(images, mask)
    small = downsample(masked(images, mask), factor) if factor > 1 else images
    small_mask = downsample_mask(mask, factor) if factor > 1 else mask
    fit, _ = invert_generator(G, small, small_mask, **search)
    if factor > 1:
        fit = resize(fit, tuple(images.shape[-2:]), "bicubic")
    return images * (1 - mask) + fit.clamp(-1, 1) * mask


# -- measures -------------------------------------------------------------------------------


def hole_psnr(output: Tensor, truth: Tensor, mask: Tensor) -> float:
    """Mean over images of the PSNR (dB, range [-1, 1]) computed on the hole's pixels only."""
    _check_mask(truth, mask)
    if output.shape != truth.shape:
        raise ValueError(
            f"output {tuple(output.shape)} and truth {tuple(truth.shape)} must have the same shape"
        )
    hole = mask.expand_as(truth)
    err = (((output.clamp(-1, 1) - truth) ** 2) * hole).sum((1, 2, 3))
    mse = err / hole.sum((1, 2, 3)).clamp(min=1)
    return float((10 * torch.log10(4.0 / mse.clamp(min=1e-10))).mean())


def score_fills(
    fills: dict[str, Tensor],
    truth: Tensor,
    mask: Tensor,
    labels: Tensor | None = None,
    classifier: nn.Module | None = None,
    reference: Tensor | None = None,
    two_sample_steps: int = 300,
) -> dict[str, dict[str, float]]:
    """One table row per method: PSNR in the hole, gradient energy in the hole (sharpness;
    the truth's row gives the target), the digit classifier's accuracy (with ``labels`` and
    ``classifier``) and the two-sample accuracy against ``reference`` real images
    (0.5 = indistinguishable), for ``show_table``."""
    _check_mask(truth, mask)
    rows: dict[str, dict[str, float]] = {}
    for name, out in {**fills, "truth": truth}.items():
        if out.shape != truth.shape:
            raise ValueError(f"fills[{name!r}] is {tuple(out.shape)}, truth {tuple(truth.shape)}")
        row = {"hole PSNR (dB)": hole_psnr(out, truth, mask) if name != "truth" else math.nan}
        if classifier is not None and labels is not None:
            row["digit accuracy"] = digit_accuracy(classifier, out, labels)
        row["hole gradient energy"] = gradient_energy(out, mask.bool())
        if reference is not None:
            row["two-sample accuracy"] = two_sample_accuracy(reference, out, two_sample_steps)
        rows[name] = row
    return rows
