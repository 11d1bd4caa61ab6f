"""Text GANs: data and tokenizer, a caption encoder for conditioning, the SeqGAN oracle benchmark,
MLE, SeqGAN, Gumbel-softmax GAN, metrics.

``article`` reconstructs the source article's (broken) text GAN so the book can show its failures.

May import the core and the pages; the image, music and application chapters build on it.
"""

from __future__ import annotations

import os

from ..core.checkpoint import load_model, save_model
from .caption import CaptionEncoder, caption_vocab, encode_captions
from .discriminator import CNNDiscriminator
from .gumbel import GumbelGANTrainer, GumbelGenerator, beta_schedule
from .lm import LSTMGenerator
from .metrics import bleu, novelty, place_on_curve, self_bleu, temperature_curve, unigram_samples
from .mle import MLETrainer, train_mle
from .oracle import OracleBenchmark, make_oracle, nll_gen, nll_oracle, oracle_samples
from .sampling import sample_inverse_cdf, sample_logits
from .seqgan import SeqGANTrainer, mc_rewards
from .vocab import Vocab


def save_lm(
    model: LSTMGenerator, name_or_path: str | os.PathLike, vocab: Vocab | None = None, **meta
) -> None:
    """Save a language model (weights, sizes, optional vocabulary) in the core checkpoint format."""
    extra = {"vocab": vocab.state_dict()} if vocab is not None else {}
    save_model(name_or_path, model, model.config(), meta=meta, **extra)


def load_lm(name: str) -> tuple[LSTMGenerator, dict]:
    """A shipped language model (``ganbook/weights/NAME.pt`` or a ``.pt`` path): ``(model, info)``.

    As every domain's loader: the model in eval mode and the checkpoint's entries, here with
    ``info["vocab"]`` the :class:`Vocab` (or None) and ``info["meta"]`` how it was trained.
    """
    model, info = load_model(name, lambda config: LSTMGenerator(**config))
    info["vocab"] = Vocab.from_state_dict(info["vocab"]) if "vocab" in info else None
    info.setdefault("meta", {})
    return model, info


def load_discriminator(name: str) -> tuple[CNNDiscriminator, dict]:
    """A shipped :class:`CNNDiscriminator` (``ganbook/weights/NAME.pt`` or a ``.pt`` path):
    ``(model, info)``, with ``info["meta"]`` how it was trained."""
    model, info = load_model(name, lambda config: CNNDiscriminator(**config))
    info.setdefault("meta", {})
    return model, info


__all__ = [
    "CNNDiscriminator",
    "CaptionEncoder",
    "GumbelGANTrainer",
    "GumbelGenerator",
    "LSTMGenerator",
    "MLETrainer",
    "OracleBenchmark",
    "SeqGANTrainer",
    "Vocab",
    "beta_schedule",
    "bleu",
    "caption_vocab",
    "encode_captions",
    "load_discriminator",
    "load_lm",
    "make_oracle",
    "mc_rewards",
    "nll_gen",
    "nll_oracle",
    "novelty",
    "oracle_samples",
    "place_on_curve",
    "sample_inverse_cdf",
    "sample_logits",
    "save_lm",
    "self_bleu",
    "temperature_curve",
    "train_mle",
    "unigram_samples",
]
