"""Paired image-to-image translation (pix2pix, Isola et al. 2017): data, the three arms of
pix2pix's Table 1 and the measures of the chapter.

Two paired tasks built from data that ships with scikit-learn and scikit-image:

* **edges -> digit**: each 8x8 digit is upsampled to ``size`` px (bilinear, 16 px by default:
  the digit classifier reads it back after 2x2 area pooling) and its Canny edge map
  (:func:`skimage.feature.canny`, ``sigma=1``) is the input; the upsampled digit is the target.
* **grey -> colour**: crops of scikit-image's colour photographs (``zoom * size`` px crops,
  area-pooled to ``size`` px so a crop shows a patch of an object, not a few pixels of it);
  the input is the crop's luminance, the target its colour.

:func:`pix2pix_trainer` builds one arm as a :class:`ganbook.Trainer` with a U-Net generator
and a PatchGAN discriminator: ``"l1"`` (reconstruction only, ``adv_weight=0``), ``"gan"``
(adversarial only, unconditional discriminator), ``"cgan"`` (adversarial only, the
discriminator judges (input, output) pairs) and ``"l1+cgan"`` (pix2pix: L1 weight 100 plus
the conditional discriminator). :func:`translation_scores` measures outputs: the digit
classifier's accuracy (the analogue of pix2pix's FCN score), sharpness (gradient energy),
L1 error and, for colour, :func:`colourfulness` (Hasler and Suesstrunk 2003): where a grey
level allows several colours, L1 alone pays for their average, a sepia wash.

Any paired tensors work, e.g. as a paired upper bound for an unpaired method::

    trainer = pix2pix_trainer("l1+cgan", inputs, targets, batch_size=64)  # (N, C, H, W) pairs
    trainer.fit(500, progress=False)
    outputs = trainer.generate(len(test_inputs), test_inputs)
    translation_scores(outputs, test_targets, test_labels, classifier)
"""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import Tensor, nn

from ..core.data import TensorSampler
from ..core.losses import Reconstruction
from ..core.train import Trainer
from ..image.checks import check_images
from ..image.classifier import digit_accuracy
from ..image.colour import to_grey
from ..image.data import image_crops, load_digits
from ..image.resample import downsample, resize
from ..pages.plots import show_images
from .patchgan import PatchDiscriminator
from .quality import gradient_energy
from .unet import UNet

__all__ = [
    "ARMS",
    "COLOUR_PHOTOS",
    "EDGE_SIZE",
    "canny_edges",
    "colourfulness",
    "edge_digit_pairs",
    "grey_colour_pairs",
    "pix2pix_trainer",
    "show_translations",
    "translation_scores",
]

EDGE_SIZE = 16
"""Side of the edges -> digit task's images: 8x8 digits upsampled bilinearly to 16x16."""

COLOUR_PHOTOS = ("astronaut", "coffee", "chelsea")
"""The scikit-image colour photographs the grey -> colour crops are cut from."""

ARMS = ("l1", "gan", "cgan", "l1+cgan")
"""The objectives of pix2pix's Table 1 that :func:`pix2pix_trainer` builds."""


def canny_edges(images: Tensor, sigma: float = 1.0) -> Tensor:
    """Canny edge maps of grey images (N, 1, H, W) in [-1, 1]: 1 on an edge, -1 elsewhere.

    Each image goes through :func:`skimage.feature.canny` with Gaussian smoothing ``sigma``
    (scikit-image's default hysteresis thresholds).
    """
    from skimage.feature import canny

    check_images("images", images, channels=1)
    if not isinstance(sigma, (int, float)) or sigma <= 0:
        raise ValueError(f"sigma must be a positive number, got {sigma!r}")
    pictures = images[:, 0].detach().cpu().numpy().astype(np.float64)
    edges = np.stack([canny(p, sigma=float(sigma)) for p in pictures])
    return torch.from_numpy(edges).float()[:, None] * 2 - 1


def edge_digit_pairs(
    split: str = "train", size: int = EDGE_SIZE, sigma: float = 1.0
) -> tuple[Tensor, Tensor, Tensor]:
    """The edges -> digit task on a split of the digits: ``(edges, digits, labels)``.

    ``digits`` are the 8x8 digits upsampled bilinearly to ``size`` x ``size`` (clamped to
    [-1, 1]); ``edges`` their :func:`canny_edges`; ``labels`` the classes (for the digit
    classifier's score). ``size`` must be a multiple of 8 (16 or 24), so 8x8 area pooling
    gives the classifier back its input size.
    """
    if not isinstance(size, int) or size < 8 or size % 8:
        raise ValueError(f"size must be a multiple of 8 (16 or 24), got {size!r}")
    digits, labels = load_digits(split)
    digits = resize(digits, (size, size), "bilinear").clamp(-1, 1)
    return canny_edges(digits, sigma), digits, labels


def grey_colour_pairs(
    n: int, size: int = 16, zoom: int = 4, photos: tuple[str, ...] = COLOUR_PHOTOS
) -> tuple[Tensor, Tensor]:
    """``n`` grey -> colour pairs ``(grey (n, 1, size, size), colour (n, 3, size, size))``.

    Random ``zoom * size`` crops (torch's global RNG) of the colour ``photos``, as equal a
    share from each as ``n`` allows, area-pooled by ``zoom``; the grey input is their
    :func:`to_grey` luminance, so the two differ by colour alone.
    """
    if not isinstance(n, int) or n < len(photos):
        raise ValueError(f"n must be an int >= len(photos) = {len(photos)}, got {n!r}")
    if not isinstance(zoom, int) or zoom < 1:
        raise ValueError(f"zoom must be a positive int, got {zoom!r}")
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if not photos:
        raise ValueError("photos must name at least one scikit-image colour photograph")
    shares = [n // len(photos) + (i < n % len(photos)) for i in range(len(photos))]
    crops = []
    for name, share in zip(photos, shares):
        crop = image_crops(name, n=share, size=size * zoom, grey=False)
        if crop.shape[1] != 3:
            raise ValueError(f"photos must be colour (RGB) pictures, {name!r} has "
                             f"{crop.shape[1]} channel(s)")
        crops.append(downsample(crop, zoom) if zoom > 1 else crop)
    colour = torch.cat(crops)
    return to_grey(colour), colour


def colourfulness(images: Tensor) -> float:
    """Hasler and Suesstrunk's colourfulness (2003), averaged over colour images in [-1, 1].

    Per image, on the 0..255 scale: ``rg = R - G``, ``yb = (R + G) / 2 - B`` and
    ``M = sqrt(std(rg)^2 + std(yb)^2) + 0.3 sqrt(mean(rg)^2 + mean(yb)^2)``. Grey images
    score 0; the paper calls about 15 "slightly", 33 "moderately" and 59 "quite" colourful.
    """
    check_images("images", images, channels=3)
    rgb = (images.detach().float().clamp(-1, 1) + 1) * 127.5
    r, g, b = rgb[:, 0].flatten(1), rgb[:, 1].flatten(1), rgb[:, 2].flatten(1)
    rg, yb = r - g, (r + g) / 2 - b
    spread = (rg.var(1, unbiased=False) + yb.var(1, unbiased=False)).sqrt()
    offset = (rg.mean(1) ** 2 + yb.mean(1) ** 2).sqrt()
    return float((spread + 0.3 * offset).mean())


def translation_scores(
    outputs: Tensor,
    truth: Tensor,
    labels: Tensor | None = None,
    classifier: nn.Module | None = None,
) -> dict[str, float]:
    """The chapter's measures of translated images against their targets.

    Always ``"L1"`` (mean absolute error, in [-1, 1] units) and ``"sharpness"`` (gradient
    energy); ``"classifier accuracy"`` when ``labels`` and ``classifier`` are given (digits);
    ``"colourfulness"`` for colour images.
    """
    check_images("outputs", outputs)
    if outputs.shape != truth.shape:
        raise ValueError(
            f"outputs and truth must have the same shape, got {tuple(outputs.shape)} "
            f"and {tuple(truth.shape)}"
        )
    if (labels is None) != (classifier is None):
        raise ValueError("pass labels and classifier together (or neither)")
    outputs = outputs.detach().float().cpu()
    scores = {
        "L1": float((outputs - truth.detach().float().cpu()).abs().mean()),
        "sharpness": gradient_energy(outputs),
    }
    if labels is not None:
        scores["classifier accuracy"] = digit_accuracy(classifier, outputs, labels)
    if outputs.shape[1] == 3:
        scores["colourfulness"] = colourfulness(outputs)
    return scores


def pix2pix_trainer(
    arm: str,
    inputs: Tensor,
    targets: Tensor,
    *,
    width: int = 16,
    depth: int = 2,
    d_width: int | None = None,
    d_layers: int = 2,
    d_spectral_norm: bool = True,
    l1_weight: float = 100.0,
    dropout: float = 0.0,
    loss: str = "non-saturating",
    adv_weight: float = 1.0,
    ema_decay: float | None = None,
    **trainer_kwargs: Any,
) -> Trainer:
    """One arm of pix2pix's Table 1 on the pairs ``(inputs, targets)``, ready to ``fit``.

    The generator is ``UNet(C_in, C_out, width, depth, dropout)``, the discriminator a
    ``PatchDiscriminator(C_out [+ C_in], d_width or width, d_layers, d_spectral_norm)``.
    ``arm`` is one of :data:`ARMS`:

    * ``"l1"``: ``Reconstruction(l1_weight, "l1")`` and ``adv_weight=0`` (the discriminator
      trains alongside but the generator ignores it);
    * ``"gan"``: adversarial loss only, discriminator on outputs alone (unconditional);
    * ``"cgan"``: adversarial loss only, discriminator on (output, input) pairs;
    * ``"l1+cgan"``: both, pix2pix's objective (``l1_weight`` 100 as in the paper).

    ``adv_weight`` scales the adversarial loss of the GAN arms (ignored by ``"l1"``).
    ``ema_decay`` is off by default, as in pix2pix (no weight averaging: ``generate`` uses the
    trained generator itself, in eval mode). Other ``trainer_kwargs`` (``batch_size``,
    ``lr_g``...) go to the Trainer. Generate with ``trainer.generate(len(x), x)``.
    """
    if not isinstance(arm, str) or arm not in ARMS:
        got = repr(arm) if isinstance(arm, str) else f"a {type(arm).__name__}"
        raise ValueError(f"arm must be one of {ARMS} (the first argument), got {got}")
    check_images("inputs", inputs)
    check_images("targets", targets)
    if len(inputs) != len(targets) or inputs.shape[-2:] != targets.shape[-2:]:
        raise ValueError(
            f"inputs and targets must be pairs of the same size, got {tuple(inputs.shape)} "
            f"and {tuple(targets.shape)}"
        )
    conditional = arm in ("cgan", "l1+cgan")
    c_in, c_out = inputs.shape[1], targets.shape[1]
    G = UNet(c_in, c_out, width=width, depth=depth, dropout=dropout)
    D = PatchDiscriminator(
        c_out + c_in * conditional, d_width or width, d_layers, spectral_norm=d_spectral_norm
    )
    terms = [Reconstruction(l1_weight, "l1")] if arm in ("l1", "l1+cgan") else []
    return Trainer(
        G,
        D,
        TensorSampler(inputs, targets),
        paired=True,
        d_sees_input=conditional,
        terms=terms,
        adv_weight=0.0 if arm == "l1" else adv_weight,
        loss=loss,
        ema_decay=ema_decay,
        **trainer_kwargs,
    )


def show_translations(
    inputs: Tensor,
    outputs: Mapping[str, Tensor],
    truth: Tensor,
    n: int = 8,
    title: str | None = None,
) -> plt.Figure:
    """One row each, top to bottom: the inputs, each method's outputs (``{name: images}``),
    the truth; the first ``n`` images of each, so a column is one example across methods.

    A grey input shown beside colour outputs is drawn grey.
    """
    check_images("inputs", inputs)
    check_images("truth", truth)
    columns = {"input": inputs, **outputs, "truth": truth}
    for name, images in columns.items():
        check_images(f"outputs[{name!r}]", images)
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    fig, axes = plt.subplots(len(columns), 1, figsize=(0.9 * n, 1.2 * len(columns) + 0.3),
                             squeeze=False)
    for ax, (name, images) in zip(axes[:, 0], columns.items()):
        images = images[:n].detach().cpu()
        if images.shape[1] == 1 and truth.shape[1] == 3:
            images = images.expand(-1, 3, -1, -1)
        show_images(images, nrow=n, ax=ax)
        ax.set_title(name, fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
