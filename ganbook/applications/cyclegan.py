"""Unpaired translation with CycleGAN (Zhu et al. 2017) on thin and thick digits.

The task: two domains built from *disjoint* halves of the digits' training split, so no
image of one domain has its partner in the other. Domain A holds the digits upsampled from
8x8 to 16x16 (bilinear); domain B holds the other half, upsampled the same way and then
thickened by a grey-level dilation (:func:`thicken`: a max filter over the plus-shaped
3x3 disk, the same as ``skimage.morphology.dilation`` with ``disk(1)``; the 3x3 square
makes blobs the digit classifier misreads a third of the time). 16 px leaves room for a
stroke to grow by two pixels without running off the digit; :func:`to_classifier_size`
area-pools back to 8x8 so the shipped digit classifier can read the results.

Because we made B by a known operation, every test digit has a true translation (its
dilation): we can measure what an unpaired method cannot see while training, and train a
paired pix2pix on (thin, thick) pairs of the same digits as the upper bound.

:class:`CycleGANTrainer` is the core :class:`ganbook.Trainer` with its objective hooks
overridden so that one step trains both directions: the Trainer's generator is a
:class:`GeneratorPair` ``(ab, ba)`` and its discriminator a :class:`DiscriminatorPair`
``(a, b)``, ordinary modules, so checkpoints, the EMA and ``generate`` (which translates
A -> B) keep working. The image pools (:class:`ImagePool`) are part of the checkpoint, so a
resumed run continues bit for bit.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import check_nonnegative
from ..core.train import Batch, Trainer
from ..core.utils import eval_mode
from ..image.checks import check_images
from ..image.classifier import to_classifier_size
from ..image.data import load_digits
from ..image.resample import resize
from .patchgan import PatchDiscriminator
from .unet import UNet

__all__ = [
    "CycleGANTrainer",
    "DigitDomains",
    "DigitTracker",
    "DiscriminatorPair",
    "GeneratorPair",
    "ImagePool",
    "UnpairedSampler",
    "cyclegan",
    "digit_domains",
    "evaluate_translation",
    "ink_share",
    "input_correlation",
    "show_rows",
    "stroke_width",
    "thicken",
    "to_classifier_size",
]


# -- the two domains ----------------------------------------------------------------------


def thicken(x: Tensor, radius: int = 1) -> Tensor:
    """Grey-level dilation with a disk of ``radius`` pixels: every stroke grows by ``radius``
    pixels on each side. Equal to ``skimage.morphology.dilation(image, disk(radius))`` with
    the background value -1 outside the image; radius 1 is the 3x3 plus-shaped disk."""
    check_images("x", x, 1)
    if isinstance(radius, bool) or not isinstance(radius, int) or radius < 1:
        raise ValueError(f"radius must be an int >= 1, got {radius!r}")
    h, w = x.shape[-2:]
    padded = F.pad(x, (radius,) * 4, value=-1.0)
    shifts = [
        padded[..., radius + dy : radius + dy + h, radius + dx : radius + dx + w]
        for dy in range(-radius, radius + 1)
        for dx in range(-radius, radius + 1)
        if dy * dy + dx * dx <= radius * radius
    ]
    return torch.stack(shifts).amax(0)


class DigitDomains(NamedTuple):
    """Domain A (thin) and B (thick) training images from disjoint halves of the training
    digits, and the held-out test digits in both forms (``test_b`` is ``test_a``'s true
    translation), with labels."""

    a: Tensor
    a_labels: Tensor
    b: Tensor
    b_labels: Tensor
    test_a: Tensor
    test_b: Tensor
    test_labels: Tensor
    a_thick: Tensor  # domain A's own digits thickened: pix2pix's paired targets
    a_index: Tensor  # rows of load_digits("train") in A
    b_index: Tensor  # ... and in B (disjoint from a_index)


def digit_domains(size: int = 16, radius: int = 1, seed: int = 0) -> DigitDomains:
    """Split the 1,347 training digits at random (``seed``) into two halves: A = thin, B =
    thick; the 450 test digits, upsampled (A) and thickened (their true B), for measuring."""
    if not isinstance(size, int) or size < 8 or size % 8:
        raise ValueError(f"size must be a multiple of 8 (>= 8), got {size!r}")
    images, labels = load_digits("train")
    test, test_labels = load_digits("test")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    half_a, half_b = order[: len(order) // 2], order[len(order) // 2 :]
    a = resize(images[half_a], (size, size), "bilinear")
    b = thicken(resize(images[half_b], (size, size), "bilinear"), radius)
    test_a = resize(test, (size, size), "bilinear")
    return DigitDomains(
        a, labels[half_a], b, labels[half_b], test_a, thicken(test_a, radius), test_labels,
        thicken(a, radius), half_a, half_b,
    )


class UnpairedSampler:
    """``sample(n) -> (a, b)``: ``n`` images of each domain drawn *independently* (torch's
    global RNG), so the two are unrelated: what the Trainer's paired mode carries here is two
    batches, not pairs."""

    def __init__(self, a: Tensor, b: Tensor) -> None:
        check_images("a", a, 1)
        check_images("b", b, 1)
        if a.shape[1:] != b.shape[1:]:
            raise ValueError(f"a and b must have the same image shape, got {a.shape} and {b.shape}")
        self.a, self.b = a, b

    def __call__(self, n: int) -> tuple[Tensor, Tensor]:
        return (
            self.a[torch.randint(len(self.a), (n,))],
            self.b[torch.randint(len(self.b), (n,))],
        )


# -- stroke thickness ---------------------------------------------------------------------


def ink_share(images: Tensor, threshold: float = 0.0) -> Tensor:
    """Per image, the share of pixels brighter than ``threshold`` (ink); (N,)."""
    check_images("images", images, 1)
    return (images > threshold).flatten(1).float().mean(1)


def stroke_width(images: Tensor, threshold: float = 0.0) -> Tensor:
    """Per image, the mean stroke width in pixels, read off the medial axis; (N,).

    The image is binarised at ``threshold`` and skeletonised (``skimage.morphology
    .skeletonize``); at each skeleton pixel the Euclidean distance ``d`` to the background
    (``scipy.ndimage.distance_transform_edt``) is half the local width, and ``2 d - 1`` the
    width in pixels (exact along a straight stroke of odd width; the thinner ends of the
    skeleton pull the mean down a little: a 10-pixel bar 3 wide reads 2.6, 5 wide 4.4).
    An image without ink has 0.
    """
    from scipy.ndimage import distance_transform_edt
    from skimage.morphology import skeletonize

    check_images("images", images, 1)
    ink = (images[:, 0] > threshold).cpu().numpy()
    widths = []
    for mask in ink:
        skeleton = skeletonize(mask)
        if not skeleton.any():
            widths.append(0.0)
            continue
        # pad with background so a stroke touching the border still ends there
        distance = distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
        widths.append(float(2 * distance[skeleton].mean() - 1))
    return torch.tensor(widths, dtype=torch.float32)


# -- CycleGAN ------------------------------------------------------------------------------


class GeneratorPair(nn.Module):
    """The two generators, ``ab`` (A -> B) and ``ba`` (B -> A); calling it translates A -> B."""

    def __init__(self, ab: nn.Module, ba: nn.Module) -> None:
        super().__init__()
        self.ab, self.ba = ab, ba

    def forward(self, x: Tensor) -> Tensor:
        return self.ab(x)


class DiscriminatorPair(nn.Module):
    """The two discriminators, ``a`` (real A?) and ``b`` (real B?); calling it judges B."""

    def __init__(self, a: nn.Module, b: nn.Module) -> None:
        super().__init__()
        self.a, self.b = a, b

    def forward(self, x: Tensor) -> Tensor:
        return self.b(x)


class ImagePool:
    """The last ``size`` fakes (Shrivastava et al. 2017, as CycleGAN uses them): the
    discriminator sees a mix of fresh fakes and older ones, so it does not chase the latest
    generator only.

    :meth:`query` returns a batch of the same size: while the pool fills, the fresh fakes;
    then each fake, with probability 1/2, is swapped for a random stored one (which it
    replaces in the pool). Randomness comes from torch's global RNG; :meth:`state_dict`
    holds the stored images, so checkpoints resume exactly.
    """

    def __init__(self, size: int = 50) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"size must be an int >= 0, got {size!r}")
        self.size = size
        self.images: Tensor | None = None  # (count, C, H, W)

    def __len__(self) -> int:
        return 0 if self.images is None else len(self.images)

    @torch.no_grad()
    def query(self, fakes: Tensor) -> Tensor:
        fakes = fakes.detach()
        if self.size == 0:
            return fakes
        out = []
        for fake in fakes:
            if len(self) < self.size:
                stored = fake[None].clone()
                self.images = stored if self.images is None else torch.cat([self.images, stored])
                out.append(fake)
            elif torch.rand(()) < 0.5:
                i = int(torch.randint(self.size, ()))
                out.append(self.images[i].clone())
                self.images[i] = fake
            else:
                out.append(fake)
        return torch.stack(out)

    def state_dict(self) -> dict[str, Any]:
        return {"size": self.size, "images": None if self.images is None else self.images.cpu()}

    def load_state_dict(self, state: dict[str, Any], device: torch.device | None = None) -> None:
        if state.get("size") != self.size:
            raise ValueError(f"pool size {state.get('size')!r} in the checkpoint, {self.size} here")
        images = state.get("images")
        self.images = None if images is None else images.to(device or images.device).clone()


class CycleGANTrainer(Trainer):
    """CycleGAN as objective hooks of the core Trainer: one step trains both directions.

    ``G`` is a :class:`GeneratorPair`, ``D`` a :class:`DiscriminatorPair`; ``sample_real(n)``
    returns ``(a, b)``, two *independent* batches (:class:`UnpairedSampler`). The generators'
    objective is ``adv_weight`` times the two adversarial losses plus
    ``cycle_weight * (|ba(ab(a)) - a| + |ab(ba(b)) - b|)`` plus
    ``identity_weight * (|ab(b) - b| + |ba(a) - a|)``. ``identity_weight`` defaults to half
    the cycle weight (the paper's lambda_identity = 0.5, relative to lambda = 10 as in the
    authors' code), so ``cycle_weight=0`` is the paper's "GAN alone" ablation. Each
    discriminator's loss is halved (as the paper does to slow D down) and sees fakes through
    an :class:`ImagePool` of ``pool_size`` (50). The loss defaults to least squares (the
    paper's). Other keywords go to :class:`ganbook.Trainer`.
    """

    def __init__(
        self,
        generator: GeneratorPair,
        discriminator: DiscriminatorPair,
        sample_real: Callable[[int], tuple[Tensor, Tensor]],
        *,
        cycle_weight: float = 10.0,
        identity_weight: float | None = None,
        pool_size: int = 50,
        loss: str = "least-squares",
        **kwargs: Any,
    ) -> None:
        if not isinstance(generator, GeneratorPair):
            raise ValueError(
                f"generator must be a GeneratorPair(ab, ba), got {type(generator).__name__}"
            )
        if not isinstance(discriminator, DiscriminatorPair):
            raise ValueError(
                f"discriminator must be a DiscriminatorPair(a, b), got "
                f"{type(discriminator).__name__}"
            )
        for key in ("paired", "d_sees_input", "terms", "latent_dim", "noise"):
            if key in kwargs:
                raise ValueError(f"{key}= is fixed by CycleGANTrainer; do not pass it")
        for name, value in (("cycle_weight", cycle_weight), ("identity_weight", identity_weight)):
            if name == "identity_weight" and value is None:
                continue  # the default: half the cycle weight
            check_nonnegative(name, value)
        super().__init__(generator, discriminator, sample_real, loss=loss, paired=True, **kwargs)
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = (
            0.5 * self.cycle_weight if identity_weight is None else float(identity_weight)
        )
        self.pool_a, self.pool_b = ImagePool(pool_size), ImagePool(pool_size)

    # Batch.source is the A batch, Batch.real the (unrelated) B batch.

    def make_fake(self, batch: Batch, G: nn.Module | None = None) -> tuple[Tensor, Tensor | None]:
        """A -> B translations of the batch's A images (what ``generate(n, a)`` returns)."""
        G = self.G if G is None else G
        return G.ab(batch.source), None

    def d_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        a, b = batch.source, batch.real
        with torch.no_grad():
            fake_b, fake_a = self.G.ab(a), self.G.ba(b)
        fake_b, fake_a = self.pool_b.query(fake_b), self.pool_a.query(fake_a)
        real_b, real_a = self.D.b(b), self.D.a(a)
        logits_b, logits_a = self.D.b(fake_b), self.D.a(fake_a)
        d_b = self.loss.d_loss(real_b, logits_b)
        d_a = self.loss.d_loss(real_a, logits_a)
        loss = 0.5 * (d_a + d_b)
        squash = torch.sigmoid if self.loss.probabilistic else (lambda t: t)
        return loss, {
            "d_loss": loss.detach(),
            "d_a": d_a.detach(),
            "d_b": d_b.detach(),
            "d_real": squash(real_b.detach()).mean(),
            "d_fake": squash(logits_b.detach()).mean(),
        }

    def g_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        a, b = batch.source, batch.real
        fake_b, fake_a = self.G.ab(a), self.G.ba(b)
        adversarial = self.loss.g_loss(self.D.b(fake_b), None) + self.loss.g_loss(
            self.D.a(fake_a), None
        )
        total = self.adv_weight * adversarial
        record = {"g_loss": adversarial.detach()}
        if self.cycle_weight > 0:
            cycle = F.l1_loss(self.G.ba(fake_b), a) + F.l1_loss(self.G.ab(fake_a), b)
            total = total + self.cycle_weight * cycle
            record["cycle"] = cycle.detach()
        if self.identity_weight > 0:
            identity = F.l1_loss(self.G.ab(b), b) + F.l1_loss(self.G.ba(a), a)
            total = total + self.identity_weight * identity
            record["identity"] = identity.detach()
        record["g_total"] = total.detach()
        return total, record

    @torch.no_grad()
    def translate(self, x: Tensor, direction: str = "ab", ema: bool = True) -> Tensor:
        """Translate ``x`` A -> B (``"ab"``), B -> A (``"ba"``) or there and back
        (``"aba"``, ``"bab"``) with the EMA generators (or the raw ones), in eval mode."""
        if direction not in ("ab", "ba", "aba", "bab"):
            raise ValueError(f"direction must be 'ab', 'ba', 'aba' or 'bab', got {direction!r}")
        G = self.G_ema if (ema and self.G_ema is not None) else self.G
        h = x.to(self.device)
        with eval_mode(G):
            for a, b in zip(direction, direction[1:]):
                h = getattr(G, a + b)(h)
        return h.cpu()

    def config(self) -> dict[str, Any]:
        return {
            **super().config(),
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_a.size,
        }

    def state_dict(self) -> dict[str, Any]:
        pools = [self.pool_a.state_dict(), self.pool_b.state_dict()]
        return {**super().state_dict(), "pools": pools}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pools = state.get("pools")
        if not isinstance(pools, (list, tuple)) or len(pools) != 2:
            raise ValueError(
                "the checkpoint has no image pools: it was not written by a CycleGANTrainer"
            )
        super().load_state_dict(state)  # checks config (pool_size too) before changing anything
        for pool, saved in zip((self.pool_a, self.pool_b), pools):
            pool.load_state_dict(saved, self.device)


def cyclegan(
    sample_real: Callable[[int], tuple[Tensor, Tensor]],
    width: int = 16,
    d_width: int = 16,
    cycle_weight: float = 10.0,
    **kwargs: Any,
) -> CycleGANTrainer:
    """A CycleGAN of two tiny U-Nets (``width``, depth 2) and two patch discriminators
    (``d_width``, two stride-2 layers: an 18-pixel receptive field, the whole 16 px digit)."""
    G = GeneratorPair(UNet(1, 1, width=width), UNet(1, 1, width=width))
    D = DiscriminatorPair(PatchDiscriminator(1, d_width), PatchDiscriminator(1, d_width))
    return CycleGANTrainer(G, D, sample_real, cycle_weight=cycle_weight, **kwargs)


# -- measuring a translation ---------------------------------------------------------------


def input_correlation(outputs: Tensor, inputs: Tensor) -> Tensor:
    """Per image, the Pearson correlation of the output's pixels with its input's; (N,).

    Near 1 for a translation that keeps the input's layout (a thickened digit), near 0 for an
    output unrelated to it, -1 for an inverted one. A blank image counts as 0.
    """
    check_images("outputs", outputs, 1)
    if inputs.shape != outputs.shape:
        raise ValueError(
            f"inputs must have the outputs' shape {tuple(outputs.shape)}, got {tuple(inputs.shape)}"
        )
    x = outputs.flatten(1) - outputs.flatten(1).mean(1, keepdim=True)
    y = inputs.flatten(1) - inputs.flatten(1).mean(1, keepdim=True)
    norms = x.norm(dim=1) * y.norm(dim=1)
    return torch.where(norms > 0, (x * y).sum(1) / norms.clamp_min(1e-12), torch.zeros_like(norms))


@torch.no_grad()
def evaluate_translation(
    outputs: Tensor,
    labels: Tensor,
    classifier: nn.Module,
    truth: Tensor,
    round_trip: Tensor | None = None,
    inputs: Tensor | None = None,
) -> dict[str, float]:
    """One row of the results table for A -> B ``outputs`` of test digits with ``labels``.

    ``digit kept``: the classifier (after area-pooling to 8x8) reads the input's digit;
    ``stroke width`` and ``ink share``: how thick; ``L1 to truth``: mean distance to the true
    thick digits ``truth``; with ``round_trip`` (the A -> B -> A images),
    ``kept after round trip``; with ``inputs``, ``correlation with input``
    (:func:`input_correlation`).
    """
    check_images("outputs", outputs, 1)
    if truth.shape != outputs.shape or len(labels) != len(outputs):
        raise ValueError(
            f"outputs {tuple(outputs.shape)}, truth {tuple(truth.shape)} and labels "
            f"({len(labels)},) must describe the same images"
        )
    with eval_mode(classifier):
        read = classifier(to_classifier_size(outputs)).argmax(1)
    row = {
        "digit kept": (read == labels).float().mean().item(),
        "kept after round trip": float("nan"),
        "stroke width": stroke_width(outputs).mean().item(),
        "ink share": ink_share(outputs).mean().item(),
        "L1 to truth": (outputs - truth).abs().mean().item(),
        "correlation with input": float("nan"),
    }
    if inputs is not None:
        row["correlation with input"] = input_correlation(outputs, inputs).mean().item()
    if round_trip is not None:
        with eval_mode(classifier):
            back = classifier(to_classifier_size(round_trip)).argmax(1)
        row["kept after round trip"] = (back == labels).float().mean().item()
    return row


class DigitTracker:
    """A training callback: how often the classifier reads each test digit's label after
    A -> B and after A -> B -> A, at every call (``fit(..., callbacks=[(k, tracker)])``).

    Translating uses the trainer's EMA generators in eval mode and no randomness, so tracking
    leaves the run itself unchanged. :meth:`late_mean` averages the second half of the curve:
    a run whose digit survival swings from step to step is judged by its typical value, not
    by the step it happens to stop at.
    """

    def __init__(self, classifier: nn.Module, images: Tensor, labels: Tensor) -> None:
        check_images("images", images, 1)
        if len(labels) != len(images):
            raise ValueError(f"labels must have {len(images)} entries, got {len(labels)}")
        self.classifier, self.images, self.labels = classifier, images, labels
        self.steps: list[int] = []
        self.kept: list[float] = []
        self.round_trip: list[float] = []

    @torch.no_grad()
    def __call__(self, trainer: CycleGANTrainer) -> None:
        there = trainer.translate(self.images)
        back = trainer.translate(there, "ba")
        with eval_mode(self.classifier):
            for images, curve in ((there, self.kept), (back, self.round_trip)):
                read = self.classifier(to_classifier_size(images)).argmax(1)
                curve.append((read == self.labels).float().mean().item())
        self.steps.append(trainer.step)

    def late_mean(self, fraction: float = 0.5) -> dict[str, float]:
        """Mean ``kept`` and ``round_trip`` over the last ``fraction`` of the recorded points."""
        if not self.steps:
            raise ValueError("nothing recorded yet: pass the tracker to fit(callbacks=...)")
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        k = max(1, round(fraction * len(self.steps)))
        return {
            "kept": float(np.mean(self.kept[-k:])),
            "round_trip": float(np.mean(self.round_trip[-k:])),
        }


def show_rows(rows: dict[str, Tensor], n: int = 12, title: str | None = None) -> Any:
    """One labelled row of the first ``n`` images per entry of ``rows`` (input, methods,
    truth), so the same digits line up column by column; returns the figure."""
    import matplotlib.pyplot as plt

    from ..pages.plots import show_images

    if not rows:
        raise ValueError("rows must name at least one set of images")
    fig, axes = plt.subplots(len(rows), 1, figsize=(n * 0.55 + 2, len(rows) * 0.7 + 0.3))
    axes = np.atleast_1d(axes)
    for ax, (name, images) in zip(axes, rows.items()):
        show_images(check_images(name, images, 1)[:n], nrow=n, ax=ax)
        ax.text(-0.01, 0.5, name, transform=ax.transAxes, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
