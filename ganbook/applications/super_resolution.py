"""Super-resolution (SRGAN, Ledig et al. 2017): data, a small SRResNet, and the pieces of the
perception-distortion study (bicubic baseline, network interpolation, spectral distance).

**Data.** High-resolution (HR) patches are cut from pictures that ship with scikit-image and
scikit-learn, at their native resolution, scaled to [-1, 1]:

* training photos :data:`TRAIN_PHOTOS` (colour) and the left ``1 - TEXTURE_TEST_SHARE`` of the
  columns of each texture in :data:`TEXTURES` (grey, repeated to three channels); every
  training crop is flipped or turned at random and, one time in three, made grey, since most
  pictures it will meet are grey;
* test: the photo :data:`TEST_PHOTO` (scikit-learn's ``flower.jpg``, never trained on) and the
  right ``TEXTURE_TEST_SHARE`` of each texture's columns (textures it trained on);
* unseen: the whole natural pictures :data:`UNSEEN_PICTURES`, which share nothing with training
  (:func:`unseen_picture_psnr`).

The low-resolution (LR) input is made by one fixed, documented kernel: the **area (box)
average** over ``factor x factor`` blocks (:func:`downsample`). It is antialiased (every HR
pixel counts once, no aliasing from skipped pixels) and exactly invertible in the mean: the
area average of any good answer equals the input.

**Model.** :class:`SRResNet` follows SRGAN's generator at a small size: a head convolution,
residual blocks at the LR size (no batch norm, as ESRGAN), a long skip, then ``log2(factor)``
sub-pixel (PixelShuffle, Shi et al. 2016) stages that double the size each. Unlike SRGAN it
adds the bicubic upsampling of the input to its output, so it only has to learn the missing
detail: that is what lets it beat bicubic within a CPU budget.

**Trade-off.** :func:`interpolate_weights` blends an L1 network and its GAN fine-tune
parameter by parameter (ESRGAN's network interpolation, Wang et al. 2018); :func:`sr_scores`
measures one set of outputs; :func:`trade_off_curve` sweeps the blend.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from ..core.checkpoint import load_model, save_model
from ..core.loop import check_nonnegative, check_positive
from ..core.losses import Reconstruction
from ..core.profiles import smoke_count
from ..core.train import Trainer
from ..image.checks import check_images
from ..image.colour import to_grey
from ..image.resample import downsample, resize
from .patchgan import PatchDiscriminator
from .quality import high_frequency_ratio, psnr, radial_power_spectrum, ssim, two_sample_accuracy

__all__ = [
    "FACTOR",
    "SRGAN_SET5_4X",
    "TEST_PHOTO",
    "TEXTURES",
    "TEXTURE_TEST_SHARE",
    "TRAIN_PHOTOS",
    "UNSEEN_PICTURES",
    "SRPatches",
    "SRResNet",
    "bicubic",
    "L1_NAME",
    "interpolate_weights",
    "interpolated",
    "load_l1_network",
    "load_picture",
    "save_l1_network",
    "sr_trainer",
    "plot_spectra",
    "plot_trade_off",
    "sr_scores",
    "spectral_distance",
    "super_resolve",
    "dominated",
    "trade_off_curve",
    "unseen_picture_psnr",
]

FACTOR = 4
TRAIN_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "china",
                "stereo_motorcycle")
TEST_PHOTO = "flower"
TEXTURES = ("brick", "grass", "gravel")
TEXTURE_TEST_SHARE = 0.25
SCIKIT_LEARN_PHOTOS = ("china", "flower")
#: scikit-image's natural pictures that no training patch comes from (its other pictures are
#: training photos, textures, drawings or synthetic patterns; ``cat`` is ``chelsea``).
UNSEEN_PICTURES = ("camera", "cell", "clock", "coins", "hubble_deep_field", "microaneurysms",
                   "moon", "page", "retina", "text")
L1_NAME = "app_superres_l1"

#: SRGAN's published 4x figures on Set5 (Ledig et al. 2017, Table 2), quoted as a reference:
#: PSNR in dB and the mean opinion score (MOS, 1-5) of 26 raters.
SRGAN_SET5_4X = {
    "bicubic": {"PSNR": 28.43, "MOS": 1.97},
    "SRResNet": {"PSNR": 32.05, "MOS": 3.37},
    "SRGAN": {"PSNR": 29.40, "MOS": 3.58},
    "original HR": {"PSNR": math.inf, "MOS": 4.32},
}


def load_picture(name: str) -> Tensor:
    """One picture as (3, H, W) in [-1, 1]: a scikit-image ``data`` image or scikit-learn's
    ``'china'`` / ``'flower'``. Grey pictures are repeated to three channels."""
    if not isinstance(name, str):
        raise ValueError(f"name must be a picture name such as 'astronaut', got {name!r}")
    if name in SCIKIT_LEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        picture = load_sample_image(f"{name}.jpg")
    else:
        import skimage.data

        if name.startswith("_") or not callable(getattr(skimage.data, name, None)):
            raise ValueError(
                f"name must be a scikit-image data image or one of {SCIKIT_LEARN_PHOTOS}, "
                f"got {name!r}"
            )
        picture = getattr(skimage.data, name)()
        if isinstance(picture, tuple):  # stereo_motorcycle: (left, right, disparity)
            picture = picture[0]
    picture = np.asarray(picture, dtype=np.float32)
    if picture.ndim == 2:
        picture = np.repeat(picture[..., None], 3, axis=2)
    x = torch.from_numpy(np.ascontiguousarray(picture[..., :3].transpose(2, 0, 1)))
    return x / 127.5 - 1.0


def _check_factor(factor: int) -> int:
    if not isinstance(factor, int) or factor < 2 or factor & (factor - 1):
        raise ValueError(f"factor must be a power of two >= 2, got {factor!r}")
    return factor


def bicubic(lr: Tensor, factor: int = FACTOR) -> Tensor:
    """The classical baseline: bicubic upsampling by ``factor`` (PyTorch's, a = -0.75),
    clipped to [-1, 1]."""
    _check_factor(factor)
    if lr.dim() != 4:
        raise ValueError(f"lr must be (N, C, H, W), got {tuple(lr.shape)}")
    return resize(lr, (lr.shape[-2] * factor, lr.shape[-1] * factor), "bicubic").clamp(-1, 1)


class SRPatches:
    """Paired patches ``(lr, hr)`` for training and testing.

    Called as ``patches(n)`` it is a Trainer's ``sample_real``: ``n`` random ``size x size``
    HR crops from the training pictures (each picture equally likely, crops drawn with
    torch's global RNG) and their :func:`downsample`. :meth:`test_set` gives fixed crops of
    the held-out photo and texture columns. With ``augment`` (the default) each training crop
    is one of its eight flips and quarter turns, and one in three is made grey.
    """

    def __init__(self, size: int = 32, factor: int = FACTOR, augment: bool = True) -> None:
        self.factor = _check_factor(factor)
        if not isinstance(size, int) or size < factor or size % factor:
            raise ValueError(f"size must be a positive multiple of factor={factor}, got {size!r}")
        self.size, self.augment = size, bool(augment)
        self.train_pictures: list[Tensor] = [load_picture(n) for n in TRAIN_PHOTOS]
        self.test_pictures: dict[str, list[Tensor]] = {"photo": [load_picture(TEST_PHOTO)]}
        self.test_pictures["texture"] = []
        for name in TEXTURES:
            texture = load_picture(name)
            cut = round(texture.shape[-1] * (1 - TEXTURE_TEST_SHARE))
            self.train_pictures.append(texture[..., :cut])
            self.test_pictures["texture"].append(texture[..., cut:])

    def __call__(self, n: int) -> tuple[Tensor, Tensor]:
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"n must be a positive int, got {n!r}")
        which = torch.randint(len(self.train_pictures), (n,)).tolist()
        hr = torch.stack([self._crop(self.train_pictures[i], None) for i in which])
        if self.augment:
            hr = _flip_turn_grey(hr)
        return downsample(hr, self.factor), hr

    def test_set(self, n: int = 256, kind: str = "both", seed: int = 0) -> tuple[Tensor, Tensor]:
        """``n`` fixed held-out crops ``(lr, hr)``: of the test ``'photo'``, the held-out
        ``'texture'`` columns, or ``'both'`` (half each). Uses its own seeded generator.
        The smoke mode keeps a few hundred (:func:`ganbook.core.profiles.smoke_count`)."""
        if kind not in ("photo", "texture", "both"):
            raise ValueError(f"kind must be 'photo', 'texture' or 'both', got {kind!r}")
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"n must be a positive int, got {n!r}")
        n = smoke_count(n)
        gen = torch.Generator().manual_seed(seed)
        if kind == "both":
            pictures = [self.test_pictures["photo"]] * (n - n // 2)
            pictures += [self.test_pictures["texture"]] * (n // 2)
        else:
            pictures = [self.test_pictures[kind]] * n
        hr = torch.stack(
            [self._crop(p[int(torch.randint(len(p), (1,), generator=gen))], gen) for p in pictures]
        )
        return downsample(hr, self.factor), hr

    def _crop(self, picture: Tensor, gen: torch.Generator | None) -> Tensor:
        h, w = picture.shape[-2:]
        top = int(torch.randint(h - self.size + 1, (1,), generator=gen))
        left = int(torch.randint(w - self.size + 1, (1,), generator=gen))
        return picture[:, top : top + self.size, left : left + self.size]


def _flip_turn_grey(hr: Tensor) -> Tensor:
    """Each (C, S, S) crop of ``hr`` as a random one of its eight flips and quarter turns, one
    in three made grey (:func:`~ganbook.image.colour.to_grey` in every channel); drawn
    with torch's global RNG, as the crops are."""
    turns = torch.randint(4, (len(hr),)).tolist()
    flips = (torch.rand(len(hr)) < 0.5).tolist()
    grey = torch.rand(len(hr)) < 1 / 3
    hr = torch.stack([torch.rot90(x, k, (1, 2)) for x, k in zip(hr, turns)])
    hr = torch.stack([x.flip(2) if flip else x for x, flip in zip(hr, flips)])
    return torch.where(grey.view(-1, 1, 1, 1), to_grey(hr).expand_as(hr), hr)


class _Residual(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=1),
            nn.PReLU(width),
            nn.Conv2d(width, width, 3, padding=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    """``G(lr) -> hr``: (N, channels, h, w) -> (N, channels, factor h, factor w).

    Head conv, ``blocks`` residual blocks (conv, PReLU, conv) at the LR size with a long
    skip, ``log2(factor)`` PixelShuffle x2 stages, a tail conv; the result is added to the
    bicubic upsampling of the input. The tail starts at a tenth of its default scale, so an
    untrained network is close to (and a little worse than) bicubic.
    """

    def __init__(
        self, channels: int = 3, width: int = 32, blocks: int = 4, factor: int = FACTOR
    ) -> None:
        super().__init__()
        for name, value in (("channels", channels), ("width", width)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if not isinstance(blocks, int) or blocks < 0:
            raise ValueError(f"blocks must be an int >= 0, got {blocks!r}")
        self.factor = _check_factor(factor)
        self._config = {"channels": channels, "width": width, "blocks": blocks, "factor": factor}
        self.head = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1), nn.PReLU(width))
        self.body = nn.Sequential(
            *[_Residual(width) for _ in range(blocks)], nn.Conv2d(width, width, 3, padding=1)
        )
        up: list[nn.Module] = []
        for _ in range(int(math.log2(factor))):
            up += [nn.Conv2d(width, 4 * width, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(width)]
        self.up = nn.Sequential(*up)
        self.tail = nn.Conv2d(width, channels, 3, padding=1)
        with torch.no_grad():
            self.tail.weight.mul_(0.1)
            self.tail.bias.zero_()
        self.channels = channels

    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this network (what ``save_model`` ships)."""
        return dict(self._config)

    def forward(self, lr: Tensor) -> Tensor:
        if lr.dim() != 4 or lr.shape[1] != self.channels:
            raise ValueError(f"lr must be (N, {self.channels}, h, w), got {tuple(lr.shape)}")
        features = self.head(lr)
        features = features + self.body(features)
        return bicubic(lr, self.factor) + self.tail(self.up(features))


def sr_trainer(
    G: nn.Module,
    data: SRPatches,
    adv_weight: float = 0.0,
    l1_weight: float = 1.0,
    batch_size: int = 16,
    lr_g: float = 5e-4,
    lr_d: float = 2e-4,
    d_width: int = 32,
    d_layers: int = 2,
    device: torch.device | str | None = None,
) -> Trainer:
    """The chapter's :class:`ganbook.Trainer` for ``G`` on ``data``'s pairs (on ``device``,
    by default the best there is).

    ``adv_weight=0``: the pure L1 network (Adam betas (0.9, 0.999); the discriminator it is
    given is a one-layer stub that has no say, since the Trainer always has one). Otherwise
    SRGAN-style fine-tuning: ``l1_weight`` L1 plus ``adv_weight`` times the non-saturating
    loss of a :class:`~ganbook.applications.patchgan.PatchDiscriminator` that judges HR patches
    alone (``d_sees_input=False``), betas (0.5, 0.999). No EMA: the weights are what is
    interpolated.
    """
    if not isinstance(data, SRPatches):
        raise ValueError(f"data must be an SRPatches, got {type(data).__name__}")
    check_nonnegative("adv_weight", adv_weight)
    pure = adv_weight == 0
    D = PatchDiscriminator(3, 4, 1) if pure else PatchDiscriminator(3, d_width, d_layers)
    return Trainer(
        G,
        D,
        data,
        paired=True,
        d_sees_input=False,
        loss="non-saturating",
        adv_weight=float(adv_weight),
        terms=[Reconstruction(l1_weight, "l1")],
        batch_size=batch_size,
        lr_g=lr_g,
        lr_d=lr_d,
        betas=(0.9, 0.999) if pure else (0.5, 0.999),
        ema_decay=None,
        device=device,
    )


def save_l1_network(net: SRResNet, name: str = L1_NAME, **extra) -> None:
    """Ship the L1 network with :func:`ganbook.core.checkpoint.save_model` (config rebuilds it)."""
    save_model(name, net, net.config(), **extra)


def load_l1_network(name: str = L1_NAME) -> tuple[SRResNet, dict]:
    """The shipped L1 network (written by ``bench/app_superres.py``) and its checkpoint
    dict; under the check harness's untrained mode it comes back freshly initialised."""
    return load_model(name, lambda config: SRResNet(**config))


def interpolate_weights(
    a: Mapping[str, Tensor], b: Mapping[str, Tensor], alpha: float
) -> dict[str, Tensor]:
    """``(1 - alpha) * a + alpha * b`` for every floating-point entry of two state dicts of
    the same network (other entries, such as counters, are copied from ``a``)."""
    if not isinstance(alpha, (int, float)) or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}")
    if a.keys() != b.keys():
        raise ValueError(
            f"a and b must be state dicts of the same network; keys differ: "
            f"{sorted(set(a) ^ set(b))[:5]}"
        )
    out = {}
    for key, value in a.items():
        if value.shape != b[key].shape:
            raise ValueError(
                f"a and b differ in shape at {key!r}: {tuple(value.shape)} vs {tuple(b[key].shape)}"
            )
        if value.is_floating_point():
            out[key] = torch.lerp(value.detach(), b[key].detach().to(value.dtype), float(alpha))
        else:
            out[key] = value.detach().clone()
    return out


def interpolated(net_a: nn.Module, net_b: nn.Module, alpha: float) -> nn.Module:
    """A copy of ``net_a`` with weights :func:`interpolate_weights` of the two, in eval mode."""
    net = copy.deepcopy(net_a)
    net.load_state_dict(interpolate_weights(net_a.state_dict(), net_b.state_dict(), alpha))
    return net.eval()


def spectral_distance(output: Tensor, truth: Tensor) -> float:
    """Mean absolute difference, over frequency rings, of the log10 radial power spectra
    of the outputs and the truth (:func:`ganbook.applications.quality.radial_power_spectrum`).

    0 means the outputs have the truth's power at every frequency; a blur's deficit at high
    frequencies (or a GAN's excess) raises it. One decade of error everywhere gives 1.
    """
    if output.shape != truth.shape or output.dim() != 4:
        raise ValueError(
            f"output and truth must be (N, C, H, W) of the same shape, "
            f"got {tuple(output.shape)} and {tuple(truth.shape)}"
        )
    _, p_out = radial_power_spectrum(output)
    _, p_true = radial_power_spectrum(truth)
    tiny = 1e-12
    return float((p_out.clamp(min=tiny).log10() - p_true.clamp(min=tiny).log10()).abs().mean())


@torch.no_grad()
def super_resolve(net: nn.Module, lr: Tensor, batch_size: int = 256) -> Tensor:
    """``net``'s outputs for ``lr`` in eval mode, in batches, on the CPU, clipped to [-1, 1].

    ``lr`` must be a float ``(N, C, H, W)`` batch in [-1, 1], as :class:`SRPatches` gives
    it: a picture in [0, 255] would come back almost all clipped to +-1.
    """
    if isinstance(lr, Tensor) and not lr.is_floating_point():
        raise ValueError(
            f"lr must be a floating-point tensor in [-1, 1], got dtype {lr.dtype}; "
            "8-bit values v become v / 127.5 - 1"
        )
    check_images("lr", lr, value_range=(-1, 1))
    batch_size = check_positive("batch_size", batch_size)
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    try:
        out = [net(lr[i : i + batch_size].to(device)).cpu() for i in range(0, len(lr), batch_size)]
    finally:
        net.train(was_training)
    return torch.cat(out).clamp(-1, 1)


def unseen_picture_psnr(
    nets: Mapping[str, nn.Module],
    names: Sequence[str] = UNSEEN_PICTURES,
    max_size: int | None = None,
    factor: int = FACTOR,
) -> dict[str, dict[str, float]]:
    """PSNR (dB) of bicubic and of each of ``nets`` on whole pictures degraded the book's way
    (:func:`downsample`), one row per picture of ``names``. Each picture is cut to a multiple
    of ``factor`` (and, with ``max_size``, to its central ``max_size`` square at most)."""
    _check_factor(factor)
    if max_size is not None and (not isinstance(max_size, int) or max_size < factor):
        raise ValueError(f"max_size must be None or an int >= factor={factor}, got {max_size!r}")
    rows = {}
    for name in names:
        hr = load_picture(name)
        h, w = (min(n, max_size or n) // factor * factor for n in hr.shape[-2:])
        top, left = (hr.shape[-2] - h) // 2, (hr.shape[-1] - w) // 2
        hr = hr[None, :, top : top + h, left : left + w]
        lr = downsample(hr, factor)
        rows[name] = {"bicubic": psnr(bicubic(lr, factor), hr)}
        rows[name] |= {m: psnr(super_resolve(net, lr, 1), hr) for m, net in nets.items()}
    return rows


def sr_scores(output: Tensor, truth: Tensor, two_sample_steps: int = 300) -> dict[str, float]:
    """Every measure of the chapter for one method's outputs against the HR truth.

    ``PSNR`` (dB) and ``SSIM`` (distortion), ``HF ratio`` (high-frequency power over the
    truth's, above 0.25 cycles/pixel), ``spectral dist.`` (:func:`spectral_distance`) and
    ``2-sample acc.`` (a fresh classifier telling outputs from truths, 0.5 =
    indistinguishable; trained ``two_sample_steps`` steps on 70% of each, scored on 30%).
    """
    return {
        "PSNR": psnr(output, truth),
        "SSIM": ssim(output, truth),
        "HF ratio": high_frequency_ratio(output, truth),
        "spectral dist.": spectral_distance(output, truth),
        "2-sample acc.": two_sample_accuracy(truth, output, steps=two_sample_steps),
    }


def trade_off_curve(
    l1_net: nn.Module,
    gan_net: nn.Module,
    lr: Tensor,
    hr: Tensor,
    alphas: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0),
    two_sample_steps: int = 300,
    known: Mapping[float, Mapping[str, float]] | None = None,
) -> dict[float, dict[str, float]]:
    """:func:`sr_scores` of the interpolated network at each ``alpha`` (0 = the L1 network,
    1 = the GAN), on the test pairs ``(lr, hr)``.

    ``known`` maps alphas already scored on the same pairs (the end points, typically) to
    their scores, which are reused instead of measured again.
    """
    if not alphas:
        raise ValueError("alphas must hold at least one value in [0, 1]")
    known = {float(a): dict(row) for a, row in (known or {}).items()}
    curve = {}
    for a in alphas:
        a = float(a)
        if a in known:
            curve[a] = known[a]
        else:
            outputs = super_resolve(interpolated(l1_net, gan_net, a), lr)
            curve[a] = sr_scores(outputs, hr, two_sample_steps)
    return curve


def dominated(curve: Mapping[float, Mapping[str, float]]) -> dict[float, list[float]]:
    """The points of a :func:`trade_off_curve` that another point beats on both axes of the
    perception-distortion plane (higher ``PSNR`` and lower ``2-sample acc.``), each with the
    alphas that beat it. On an exact trade-off curve this is empty."""
    beaten: dict[float, list[float]] = {}
    for a, row in curve.items():
        better = [b for b, other in curve.items()
                  if other["PSNR"] > row["PSNR"] and other["2-sample acc."] < row["2-sample acc."]]
        if better:
            beaten[a] = better
    return beaten


def plot_spectra(outputs: Mapping[str, Tensor], ax=None):
    """Radially averaged power spectra of several methods' outputs on one log-scale plot
    (the truth among them, under any name); returns the axes."""
    import matplotlib.pyplot as plt

    if not outputs:
        raise ValueError("outputs must map at least one method name to its images")
    ax = ax or plt.gca()
    for name, images in outputs.items():
        f, p = radial_power_spectrum(images)
        ax.semilogy(f.numpy(), p.numpy(), marker="o", ms=3, label=name)
    ax.axvline(0.25, color="grey", ls=":", lw=1)
    ax.set_xlabel("spatial frequency (cycles / pixel)")
    ax.set_ylabel("mean power")
    ax.legend()
    return ax


def plot_trade_off(curve: Mapping[float, Mapping[str, float]], axes=None, baselines=None):
    """PSNR against the two-sample accuracy and against the spectral distance along the
    interpolation curve (each point labelled with its alpha); ``baselines`` maps a name
    (bicubic, say) to its :func:`sr_scores`, drawn as a cross. Returns the two axes."""
    import matplotlib.pyplot as plt

    if not curve:
        raise ValueError("curve must hold at least one alpha")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, measure in zip(axes, ("2-sample acc.", "spectral dist.")):
        xs = [row[measure] for row in curve.values()]
        ys = [row["PSNR"] for row in curve.values()]
        ax.plot(xs, ys, "o-", label="L1 -> GAN interpolation")
        for alpha, x, y in zip(curve, xs, ys):
            ax.annotate(f"{alpha:g}", (x, y), textcoords="offset points", xytext=(4, 4))
        for name, row in (baselines or {}).items():
            ax.plot(row[measure], row["PSNR"], "x", ms=9, label=name)
        ax.set_xlabel(measure + (" (0.5 = indistinguishable)" if "acc" in measure else ""))
        ax.set_ylabel("PSNR (dB)")
        ax.legend(fontsize=8)
    return axes
