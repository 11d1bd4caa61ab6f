"""Text to image on the 8x8 digits: GAN-INT-CLS (Reed et al. 2016) at toy scale.

* The data, the test requests and the measures live in :mod:`ganbook.applications.captions`.
* :class:`CaptionModel` - the book's sentence encoder (:class:`ganbook.text.caption.
  CaptionEncoder`) with three linear heads, *pre-trained* to read the digit, thickness and
  slant from a caption (:class:`CaptionPretrainer`), then frozen: the GAN is conditioned on
  its sentence vector.
* :class:`TextGenerator` ``G(z, e)`` and :class:`MatchingDiscriminator` ``D(x, e)``; the
  discriminator sees the sentence vector beside the image's features (Reed's depth
  concatenation at 4x4).
* :class:`MatchingAwareTrainer` - the book's Trainer with GAN-INT-CLS's two changes: the
  discriminator also calls a real image with a *mismatched* caption fake, and the generator
  is also trained on *interpolations* of two captions' vectors.
* :func:`retrieve` - the nearest-real-image baseline.
"""

from __future__ import annotations

import random
import warnings
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from ..core.checkpoint import load_model, save_model
from ..core.loop import ModelLoop, check_nonnegative, check_positive, check_positive_ints
from ..core.train import Batch, Trainer
from ..image.classifier import DigitClassifier
from ..image.recipes import HINGE_SN
from ..text.caption import (
    UNK,
    CaptionEncoder,
    encode_captions,
    say_unknown,
    unknown_word_noise,
    unknown_words,
)
from ..text.vocab import Vocab
from .captions import (
    DIGIT_WORDS,
    MAX_LEN,
    SLANTS,
    TEMPLATES,
    TEST_TEMPLATES,
    THICKNESSES,
    AttributeBins,
    CaptionedDigits,
    caption_scores,
    captions_for,
    complete_caption,
    unset_attributes,
)

__all__ = [
    "WEIGHTS_NAME",
    "CaptionModel",
    "CaptionPretrainer",
    "CaptionVectors",
    "MatchingAwareTrainer",
    "MatchingDiscriminator",
    "TextGenerator",
    "TextToImage",
    "generate",
    "load_text_to_image",
    "phrasing_scores",
    "pretrain_caption_model",
    "retrieve",
    "save_text_to_image",
    "text2image_trainer",
]

WEIGHTS_NAME = "app_text2image_gan"


class CaptionModel(nn.Module):
    """Caption ids -> sentence vector ``(B, dim)``; :meth:`predict` reads the three
    attributes from it with linear heads (what it was pre-trained on)."""

    def __init__(self, vocab_size: int, dim: int = 32) -> None:
        super().__init__()
        self.encoder = CaptionEncoder(vocab_size, out_dim=dim)
        self.dim = dim
        self.heads = nn.ModuleList(
            [nn.Linear(dim, k) for k in (len(DIGIT_WORDS), len(THICKNESSES), len(SLANTS))]
        )

    def forward(self, ids: Tensor) -> Tensor:
        return self.encoder(ids)

    def logits(self, ids: Tensor) -> list[Tensor]:
        e = self(ids)
        return [head(e) for head in self.heads]

    @torch.no_grad()
    def predict(self, ids: Tensor) -> Tensor:
        """``(B, 3)``: the digit, thickness and slant class each caption is read as."""
        return torch.stack([lg.argmax(1) for lg in self.logits(ids)], 1)


class CaptionPretrainer(ModelLoop):
    """Cross-entropy of the three heads on ``(ids, targets)`` batches (Adam), on the Loop."""

    description = "caption encoder"

    def __init__(self, model: CaptionModel, ids: Tensor, targets: Tensor, unk_id: int, *,
                 batch_size: int = 64, lr: float = 3e-3, unk_rate: float = 0.15,
                 **loop: Any) -> None:
        if len(ids) != len(targets) or targets.shape[1:] != (3,):
            raise ValueError(f"ids ({len(ids)}) and targets ({tuple(targets.shape)}) must "
                             "match, with 3 targets per caption")
        if not 0 <= unk_rate < 1:
            raise ValueError(f"unk_rate must be in [0, 1), got {unk_rate!r}")
        super().__init__(model, batch_size=batch_size, lr=lr, **{"device": "cpu", **loop})
        self.ids, self.targets = ids, targets
        self.unk_id, self.unk_rate = unk_id, unk_rate

    def batch(self) -> tuple[Tensor, Tensor]:
        """Random captions, a few of whose words become ``<unk>`` (word dropout, as the
        held-out phrasings' new words do), and their three targets."""
        idx = torch.randint(len(self.ids), (self.batch_size,))
        ids = self.ids[idx]
        ids = unknown_word_noise(ids, self.unk_id, replace=self.unk_rate)
        return ids.to(self.device), self.targets[idx].to(self.device)

    def objective(self, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        ids, targets = batch
        logits = self.model.logits(ids)
        loss = sum(F.cross_entropy(lg, targets[:, j]) for j, lg in enumerate(logits))
        return loss, {"loss": loss.detach()}


class TextGenerator(nn.Module):
    """``G(z, e)``: noise and a sentence vector -> an 8x8 digit in [-1, 1].

    The sentence vector is first compressed by a linear layer and a leaky ReLU (as Reed et
    al.), concatenated to ``z``, then decoded as a small DCGAN generator (4x4 -> 8x8).
    """

    def __init__(self, latent_dim: int = 32, text_dim: int = 32, width: int = 64) -> None:
        super().__init__()
        check_positive_ints(latent_dim=latent_dim, text_dim=text_dim, width=width)
        self.latent_dim, self.text_dim, self.width = latent_dim, text_dim, width
        self.text = nn.Sequential(nn.Linear(text_dim, text_dim), nn.LeakyReLU(0.2))
        self.net = nn.Sequential(
            nn.Linear(latent_dim + text_dim, 2 * width * 16),
            nn.Unflatten(1, (2 * width, 4, 4)),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(2 * width, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, 1, 3, padding=1),
            nn.Tanh(),
        )

    def config(self) -> dict[str, int]:
        return {"latent_dim": self.latent_dim, "text_dim": self.text_dim, "width": self.width}

    def forward(self, z: Tensor, e: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim or e.shape != (len(z), self.text_dim):
            raise ValueError(f"z must be (B, {self.latent_dim}) and e (B, {self.text_dim}), "
                             f"got {tuple(z.shape)} and {tuple(e.shape)}")
        return self.net(torch.cat([z, self.text(e)], 1))


class MatchingDiscriminator(nn.Module):
    """``D(x, e)``: one logit per (image, caption) pair: is this a real image *of this
    caption*? Image features at 4x4 are concatenated with the compressed sentence vector
    copied to every position (Reed et al.), then a 1x1 convolution and a linear layer.
    Spectral norm on every layer."""

    def __init__(self, text_dim: int = 32, width: int = 64) -> None:
        super().__init__()
        check_positive_ints(text_dim=text_dim, width=width)
        self.text_dim = text_dim
        self.image = nn.Sequential(
            spectral_norm(nn.Conv2d(1, width, 3, padding=1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)),  # 4x4
            nn.LeakyReLU(0.2),
        )
        self.text = nn.Sequential(spectral_norm(nn.Linear(text_dim, text_dim)), nn.LeakyReLU(0.2))
        self.joint = nn.Sequential(
            spectral_norm(nn.Conv2d(2 * width + text_dim, 2 * width, 1)),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            spectral_norm(nn.Linear(2 * width * 16, 1)),
        )

    def forward(self, x: Tensor, e: Tensor) -> Tensor:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 8, 8) or e.shape != (len(x), self.text_dim):
            raise ValueError(f"x must be (B, 1, 8, 8) and e (B, {self.text_dim}), "
                             f"got {tuple(x.shape)} and {tuple(e.shape)}")
        h = self.image(x)
        t = self.text(e)[:, :, None, None].expand(-1, -1, *h.shape[-2:])
        return self.joint(torch.cat([h, t], 1)).squeeze(1)


class MatchingAwareTrainer(Trainer):
    """GAN-INT-CLS on the book's Trainer: ``sample_real`` returns ``(images, sentence
    vectors)``.

    * CLS (:meth:`d_objective`): the discriminator's "fake" half is split evenly between
      generated images with their own caption and real images with another image's caption
      (the batch's captions rolled by one), so it must judge the match, not only realism.
    * INT (:meth:`g_objective`): with ``int_weight > 0`` the generator is also scored on
      images made from the midpoint of two captions' vectors, which fills the gaps between
      the training captions.
    """

    def __init__(self, *args: Any, int_weight: float = 1.0, cls: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_nonnegative("int_weight", int_weight)
        self.int_weight, self.cls = float(int_weight), bool(cls)

    @staticmethod
    def mismatched(batch: Batch) -> Batch:
        """The same images, each with the next row's caption."""
        return Batch(batch.real, tuple(c.roll(1, 0) for c in batch.cond))

    def d_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        if not self.cls:  # a plain conditional discriminator, for comparison
            return super().d_objective(batch)
        with torch.no_grad():
            fake, _ = self.make_fake(batch)
        real_logits = self.critic(batch.real, batch)
        wrong_logits = self.critic(batch.real, self.mismatched(batch))
        fake_logits = self.critic(fake, batch)
        loss = self.loss.d_loss(real_logits, torch.cat([wrong_logits, fake_logits]))
        squash = torch.sigmoid if self.loss.probabilistic else (lambda t: t)
        return loss, {
            "d_loss": loss.detach(),
            "d_real": squash(real_logits.detach()).mean(),
            "d_fake": squash(fake_logits.detach()).mean(),
            "d_wrong": squash(wrong_logits.detach()).mean(),
        }

    def g_objective(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        loss, record = super().g_objective(batch)
        if self.int_weight > 0:
            mixed = Batch(batch.real, tuple(0.5 * (c + c.roll(1, 0)) for c in batch.cond))
            fake, _ = self.make_fake(mixed)
            interp = self.loss.g_loss(self.critic(fake, mixed), None)
            loss = loss + self.int_weight * interp
            record["g_int"] = interp.detach()
        return loss, record

    def config(self) -> dict[str, Any]:
        return {**super().config(), "int_weight": self.int_weight, "cls": self.cls}


def pretrain_caption_model(data: CaptionedDigits, steps: int = 1500, dim: int = 32,
                           batch_size: int = 64, lr: float = 3e-3) -> CaptionModel:
    """A :class:`CaptionModel` trained on every training caption's three attributes, frozen
    and in eval mode. Draws from torch's global RNG (seed it first)."""
    model = CaptionModel(len(data.vocab), dim)
    ids, targets = data.caption_targets()
    unk = data.vocab.stoi[UNK]
    CaptionPretrainer(model, ids, targets, unk, batch_size=batch_size, lr=lr).fit(
        steps, progress=False)
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


class CaptionVectors:
    """A Trainer's ``sample_real``: random ``(image, sentence vector)`` pairs, the vector of
    one of the image's captions under a frozen :class:`CaptionModel` (computed once)."""

    def __init__(self, data: CaptionedDigits, model: CaptionModel) -> None:
        with torch.no_grad():
            model.eval()
            self.vectors = torch.stack([model(data.ids(cs)) for cs in data.captions])
        self.images = data.images

    def __call__(self, n: int) -> tuple[Tensor, Tensor]:
        check_positive("n", n)
        i = torch.randint(len(self.images), (n,))
        k = torch.randint(len(self.vectors), (n,))
        return self.images[i], self.vectors[k, i]


def text2image_trainer(sampler: CaptionVectors, latent_dim: int = 32, width: int = 64,
                       int_weight: float = 1.0, batch_size: int = 64,
                       **kwargs: Any) -> MatchingAwareTrainer:
    """GAN-INT-CLS with the book's sturdier recipe (hinge loss, spectral norm in D, Adam
    lr 2e-4 / 4e-4, betas (0, 0.9)) and an EMA generator; ``kwargs`` go to the Trainer."""
    dim = sampler.vectors.shape[-1]
    recipe = {**HINGE_SN, **kwargs}
    return MatchingAwareTrainer(
        TextGenerator(latent_dim, dim, width), MatchingDiscriminator(dim, width), sampler,
        latent_dim=latent_dim, int_weight=int_weight, batch_size=batch_size, **recipe)


class TextToImage(nn.Module):
    """The shipped pair: the frozen caption model and the generator, with the vocabulary."""

    def __init__(self, vocab_tokens: Sequence[str], latent_dim: int = 32, text_dim: int = 32,
                 width: int = 64) -> None:
        super().__init__()
        self.vocab = Vocab(list(vocab_tokens), level="word")
        self.captions = CaptionModel(len(self.vocab), text_dim)
        self.G = TextGenerator(latent_dim, text_dim, width)

    def config(self) -> dict[str, Any]:
        return {"vocab_tokens": self.vocab.itos[3:], **self.G.config()}

    def ids(self, texts: Sequence[str]) -> Tensor:
        return encode_captions(self.vocab, texts, MAX_LEN)

    @torch.no_grad()
    def embed(self, texts: Sequence[str], unknown: str = "warn", unset: str = "prior",
              seed: int = 0) -> Tensor:
        """Sentence vectors of ``texts``. Words the caption model never saw are ignored (read
        as ``<unk>``); ``unknown="warn"`` names them in a warning, ``"ignore"`` does not (for
        held-out phrasings whose new words are the point: report them with
        :func:`~ganbook.text.caption.unknown_words` instead).

        A caption that sets no thickness or no slant in words the model knows ("a chunky
        seven") gets one drawn from the attribute's prior (``unset="prior"``, seeded by
        ``seed``: :func:`~ganbook.applications.captions.complete_caption`), so that the model
        is never left to make one up (the warning says so when the caption also had unknown
        words); ``unset="keep"`` encodes the caption as written."""
        if unknown not in ("warn", "ignore"):
            raise ValueError(f"unknown must be 'warn' or 'ignore', got {unknown!r}")
        if unset not in ("prior", "keep"):
            raise ValueError(f"unset must be 'prior' or 'keep', got {unset!r}")
        notes = [say_unknown(new)] if (new := unknown_words(self.vocab, texts)) else []
        missing = [unset_attributes(text) for text in texts] if unset == "prior" else []
        counts = {a: sum(a in m for m in missing) for a in ("thickness", "slant")}
        drawn = ", ".join(f"{a} in {n}" for a, n in counts.items() if n)
        if new and drawn:  # said beside the unknown words that were probably meant
            notes.append(f"no known word sets the {drawn} caption(s): drawn from the "
                         "attribute's prior")
        with warnings.catch_warnings():  # one report below, not a second from encode_captions
            warnings.filterwarnings("ignore", message=r".*made mostly of words the vocabulary")
            ids = self.ids(texts)  # refuses captions with no known word at all
            if drawn:  # encoded again with the drawn words in
                rng = random.Random(seed)
                ids = self.ids([complete_caption(t, rng) if m else t
                                for t, m in zip(texts, missing)])
        if notes and unknown == "warn":
            warnings.warn("; ".join(notes), stacklevel=2)
        self.captions.eval()
        return self.captions(ids)


def save_text_to_image(model: TextToImage, name: str = WEIGHTS_NAME, **extra: Any) -> None:
    """Ship caption model and generator in one file (:func:`ganbook.core.checkpoint.save_model`)."""
    save_model(name, model, model.config(), **extra)


def load_text_to_image(name: str = WEIGHTS_NAME) -> tuple[TextToImage, dict[str, Any]]:
    """The shipped text-to-image model (``bench/app_text2image.py``) and its checkpoint;
    under the check harness's untrained mode it comes back freshly initialised."""
    return load_model(name, lambda c: TextToImage(**c))


@torch.no_grad()
def generate(G: nn.Module, e: Tensor, seed: int = 0) -> Tensor:
    """``G(z, e)`` in eval mode for one seeded noise vector per row of ``e``, on the CPU."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(len(e), G.latent_dim, generator=gen)
    was = G.training
    G.eval()
    try:
        device = next(G.parameters()).device
        return G(z.to(device), e.to(device)).cpu()
    finally:
        G.train(was)


def phrasing_scores(
    model: TextToImage,
    triples: Tensor,
    classifier: DigitClassifier,
    bins: AttributeBins,
    templates: Sequence[int] = TEST_TEMPLATES,
    seed: int = 1,
) -> dict[str, dict[str, float]]:
    """The requests ``triples`` written in each phrasing ``TEMPLATES[k]`` of ``templates`` alone
    (by default the held-out ones):
    how often the encoder reads the digit, then :func:`caption_scores` of what the generator
    draws from them. One row per phrasing, so an order the model cannot read stands out."""
    rows = {}
    for k in templates:
        texts = captions_for(*triples.T, template=k, seed=seed)
        read = model.captions.predict(model.ids(texts))[:, 0] == triples[:, 0]
        images = generate(model.G, model.embed(texts, unknown="ignore"), seed=seed)
        rows[TEMPLATES[k]] = {"digit read": read.float().mean().item(),
                              **caption_scores(images, triples, classifier, bins)}
    return rows


@torch.no_grad()
def retrieve(query: Tensor, keys: Tensor, images: Tensor) -> Tensor:
    """For each query sentence vector, the image whose caption's vector is closest (cosine)."""
    if keys.shape[1:] != query.shape[1:] or len(keys) != len(images):
        raise ValueError(f"query {tuple(query.shape)}, keys {tuple(keys.shape)} and images "
                         f"({len(images)}) do not fit together")
    sim = F.normalize(query, dim=1) @ F.normalize(keys, dim=1).T
    return images[sim.argmax(1)]
