"""A tokenizer that maps text to fixed-length id tensors and back.

Ids 0, 1, 2 are reserved: ``<pad>`` fills a sequence after it ends, ``<bos>`` is the input
a generator starts from, ``<eos>`` marks the end. Every GAN in this chapter produces
fixed-length sequences, so a text is encoded as its tokens, one ``<eos>``, then padding.
"""

from __future__ import annotations

import numbers
from collections import Counter
from typing import Iterable, Sequence

import torch
from torch import Tensor

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, BOS, EOS)


class Vocab:
    """Token <-> id maps for characters (``level='char'``) or whitespace-separated words."""

    def __init__(self, tokens: Sequence[str], level: str = "char") -> None:
        if level not in ("char", "word"):
            raise ValueError(f"level must be 'char' or 'word', got {level!r}")
        tokens = [t for t in dict.fromkeys(tokens) if t not in SPECIALS]
        if not tokens:
            raise ValueError("tokens must contain at least one ordinary token")
        self.level = level
        self.itos = list(SPECIALS) + tokens
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.pad_id, self.bos_id, self.eos_id = 0, 1, 2

    @classmethod
    def from_texts(cls, texts: Iterable[str], level: str = "char", min_count: int = 1) -> "Vocab":
        """Build a vocabulary of every token seen at least ``min_count`` times,
        most frequent first."""
        counts = Counter(tok for text in texts for tok in cls._split(text, level))
        return cls([t for t, c in counts.most_common() if c >= min_count], level)

    @staticmethod
    def _split(text: str, level: str) -> list[str]:
        return list(text) if level == "char" else text.split()

    def __len__(self) -> int:
        return len(self.itos)

    def tokenize(self, text: str) -> list[str]:
        return self._split(text, self.level)

    def encode(self, text: str, max_len: int) -> Tensor:
        """Ids of ``text`` + ``<eos>`` + padding, length ``max_len``; unknown tokens raise."""
        tokens = self.tokenize(text)
        if len(tokens) + 1 > max_len:
            raise ValueError(
                f"text {text!r} has {len(tokens)} tokens; "
                f"max_len={max_len} leaves room for {max_len - 1}"
            )
        try:
            ids = [self.stoi[t] for t in tokens]
        except KeyError as err:
            raise ValueError(
                f"token {err.args[0]!r} in {text!r} is not in the vocabulary"
            ) from None
        ids.append(self.eos_id)
        return torch.tensor(ids + [self.pad_id] * (max_len - len(ids)), dtype=torch.long)

    def encode_batch(self, texts: Sequence[str], max_len: int) -> Tensor:
        """A (len(texts), max_len) long tensor."""
        return torch.stack([self.encode(t, max_len) for t in texts])

    def decode(self, ids: Sequence[int] | Tensor) -> str:
        """Text up to the first ``<eos>`` (or ``<pad>``), skipping ``<bos>``."""
        ids = ids.tolist() if isinstance(ids, Tensor) else list(ids)
        for i in ids:
            if isinstance(i, bool) or not isinstance(i, numbers.Integral):
                raise TypeError(f"ids must be integers, got {i!r} ({type(i).__name__})")
            if not 0 <= i < len(self.itos):
                raise ValueError(f"ids must lie in [0, {len(self.itos)}) (the vocabulary), got {i}")
        out = []
        for i in ids:
            if i in (self.eos_id, self.pad_id):
                break
            if i != self.bos_id:
                out.append(self.itos[i])
        return ("" if self.level == "char" else " ").join(out)

    def decode_batch(self, ids: Tensor) -> list[str]:
        return [self.decode(row) for row in ids]

    def state_dict(self) -> dict:
        """Plain data (for checkpoints, which load with ``weights_only=True``)."""
        return {"tokens": self.itos[len(SPECIALS) :], "level": self.level}

    @classmethod
    def from_state_dict(cls, state: dict) -> "Vocab":
        return cls(state["tokens"], state["level"])
