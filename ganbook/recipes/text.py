"""The text chapters' models: the oracle's MLE LSTM, the names LSTM and SeqGAN."""

from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from ..core.loop import Loop
from ..core.profiles import Profile
from . import Recipe, register
from .writers import text_writer


def _oracle_mle(profile: Profile, device: torch.device) -> Loop:
    """bench/text_train_weights.py's MLE on the small oracle (vocabulary 100, length 20)."""
    from ..text import LSTMGenerator, MLETrainer, OracleBenchmark

    bench = OracleBenchmark()
    model = LSTMGenerator(bench.vocab_size, bench.seq_len, 32, 32)
    return MLETrainer(model, bench.train, batch_size=64, lr=1e-2, device=device)


def _names():
    """The names LM's vocabulary and training ids (bench/text_train_weights.py's split)."""
    from ..text import Vocab
    from ..text.data import NAMES_LEN, names_split

    train, held = names_split()
    vocab = Vocab.from_texts(train + held)
    return vocab, vocab.encode_batch(train, NAMES_LEN)


def _names_lm(profile: Profile, device: torch.device) -> Loop:
    """The character-level names LSTM (hidden 64), lr 3e-3."""
    from ..text import LSTMGenerator, MLETrainer
    from ..text.data import NAMES_LEN

    vocab, data = _names()
    model = LSTMGenerator(len(vocab), NAMES_LEN, 32, 64)
    return MLETrainer(model, data, batch_size=64, lr=3e-3, device=device)


def _shipped_lm(name: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from ..text import load_lm

        return load_lm(name)[0]

    return load


def _seqgan(profile: Profile, device: torch.device) -> Loop:
    """The SeqGAN chapter's trainer, starting from the shipped MLE generator."""
    from ..core.data import TensorSampler
    from ..text import CNNDiscriminator, OracleBenchmark, SeqGANTrainer, load_lm

    bench = OracleBenchmark()
    G = copy.deepcopy(load_lm("text_oracle_mle")[0]).train()
    D = CNNDiscriminator(bench.vocab_size, emb_dim=32, widths=(2, 3, 4, 5), filters=32)
    return SeqGANTrainer(
        G,
        D,
        TensorSampler(bench.train),
        n_rollouts=profile.pick(test=4, cpu=8, gpu=16),
        rollout_update=0.8,
        baseline=True,
        batch_size=64,
        d_steps=profile.pick(test=3, cpu=10, gpu=10),
        lr_g=3e-3,
        lr_d=1e-3,
        device=device,
    )


def _pretrain_critic(loop: Loop, profile: Profile) -> None:
    loop.pretrain_discriminator(profile.pick(test=20, cpu=2000, gpu=2000))


def _token_ids(ids: torch.Tensor) -> list[str]:
    return [" ".join(str(t) for t in row.tolist()) for row in ids]


def _decode_names(ids: torch.Tensor) -> list[str]:
    return _names()[0].decode_batch(ids)


for _recipe in (
    Recipe(
        "oracle-mle",
        "LSTM by maximum likelihood on the SeqGAN oracle (vocabulary 100)",
        _oracle_mle,
        (20, 3000, 3000),
        text_writer(_token_ids),
        _shipped_lm("text_oracle_mle"),
    ),
    Recipe(
        "names-lm",
        "character-level LSTM on US first names (MLE)",
        _names_lm,
        (20, 1500, 1500),
        text_writer(_decode_names),
        _shipped_lm("text_names_lm"),
    ),
    Recipe(
        "seqgan",
        "SeqGAN (policy gradient, rollouts) from the shipped oracle MLE model",
        _seqgan,
        (4, 200, 300),
        text_writer(_token_ids),
        None,
        _pretrain_critic,
    ),
):
    register(_recipe)
