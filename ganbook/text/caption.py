"""A small sentence encoder for conditioning a GAN on a caption or description.

Text-to-image and text-to-music chapters turn a short sentence ("a thick seven leaning
right", "a slow chorale in a minor key") into one vector the generator and discriminator are
conditioned on. Captions are lower-cased word tokens (punctuation split off, words never seen
in training map to ``<unk>``); the encoder embeds them, runs a bidirectional GRU and averages
its states over the real (non-padding) positions (packed, so padding changes nothing), so
word order matters but the padded length does not.
"""

from __future__ import annotations

import re
import warnings
from typing import Iterable, Sequence

import torch
from torch import Tensor, nn

from ..core.loop import check_positive_ints
from .vocab import Vocab

UNK = "<unk>"
_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def caption_tokens(text: str) -> list[str]:
    """Lower-cased words and single punctuation marks: ``"7, bold"`` -> ``['7', ',', 'bold']``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


def caption_vocab(texts: Iterable[str]) -> Vocab:
    """A word vocabulary of every token in ``texts``, plus ``<unk>`` for words never seen."""
    tokens = [UNK] + [tok for text in texts for tok in caption_tokens(text)]
    return Vocab(tokens, level="word")


def unknown_words(vocab: Vocab, texts: Sequence[str]) -> dict[str, int]:
    """The words of ``texts`` that ``vocab`` does not know (they read as ``<unk>``), each with
    the number of captions it appears in, most frequent first."""
    counts: dict[str, int] = {}
    for text in texts:
        for word in dict.fromkeys(t for t in caption_tokens(text) if t[0].isalnum()):
            if word not in vocab.stoi:
                counts[word] = counts.get(word, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def say_unknown(unknown: dict[str, int], what: str = "the caption model") -> str:
    """One line naming the unknown words (at most eight) and how many captions use each."""
    shown = ", ".join(f"{w!r} ({n})" for w, n in list(unknown.items())[:8])
    more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
    return (f"{len(unknown)} word(s) {what} does not know, read as <unk> and ignored "
            f"(captions using each): {shown}{more}")


def encode_captions(vocab: Vocab, texts: Sequence[str], max_len: int | None = None) -> Tensor:
    """A ``(len(texts), max_len)`` long tensor of token ids, ``<eos>``-terminated and padded.

    Unknown words become ``<unk>`` (a held-out phrasing may use a word the encoder never
    saw); ``max_len`` defaults to the longest caption plus one.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of captions, not one str")
    if UNK not in vocab.stoi:
        raise ValueError("vocab has no '<unk>' token: build it with caption_vocab(texts)")
    tokens = [caption_tokens(text) for text in texts]
    check_known_words(vocab, texts, tokens)
    tokens = [[t if t in vocab.stoi else UNK for t in toks] for toks in tokens]
    longest = max((len(t) for t in tokens), default=0) + 1
    max_len = longest if max_len is None else max_len
    if max_len < longest:
        raise ValueError(f"max_len={max_len} is too short: the longest caption needs {longest}")
    return vocab.encode_batch([" ".join(t) for t in tokens], max_len)


def unknown_word_noise(ids: Tensor, unk_id: int, replace: float = 0.15, insert: float = 0.0,
                       keep: Sequence[int] = ()) -> Tensor:
    """Word dropout for training an encoder on captions it will meet in other words.

    Each token of ``ids`` ``(B, T)`` (a :class:`~ganbook.text.vocab.Vocab` encoding: not
    ``<pad>``/``<bos>``/``<eos>``, ids 0-2) that is not in ``keep`` becomes ``<unk>`` with
    chance ``replace``; then, with chance ``insert``, an ``<unk>`` is put before any token
    (``keep``'s included), as long as the caption, ``<eos>`` included, still fits in ``T``
    (the first drawn positions get the room). Draws from torch's generator, so a resumed run
    draws the same."""
    if not (0 <= replace < 1 and 0 <= insert < 1):
        raise ValueError(f"replace and insert must be chances in [0, 1), got {replace!r} and "
                         f"{insert!r}")
    keep = torch.as_tensor(list(keep), dtype=ids.dtype, device=ids.device)
    words = (ids > 2) & ~torch.isin(ids, keep)
    ids = ids.masked_fill(words & (torch.rand(ids.shape, device=ids.device) < replace), unk_id)
    if insert == 0:
        return ids
    put_before = (ids > 2) & (torch.rand(ids.shape, device=ids.device) < insert)
    out = torch.zeros_like(ids)
    for row, (seq, before) in enumerate(zip(ids, put_before)):
        length = int((seq != 0).sum())
        room, tokens = ids.shape[1] - length, []
        for token, extra in zip(seq[:length].tolist(), before[:length].tolist()):
            if extra and room > 0:
                tokens.append(unk_id)
                room -= 1
            tokens.append(token)
        out[row, : len(tokens)] = torch.tensor(tokens, dtype=ids.dtype, device=ids.device)
    return out


def check_known_words(vocab: Vocab, texts: Sequence[str], tokens: Sequence[list[str]]) -> None:
    """Refuse a caption none of whose words ``vocab`` knows (it would say nothing: every word
    reads as ``<unk>``), and warn, naming them, when most of a caption's words are unknown.

    Punctuation is not a word; a few unknown words (a held-out phrasing's) pass silently.
    """
    odd = []
    for i, (text, toks) in enumerate(zip(texts, tokens)):
        words = [t for t in toks if t[0].isalnum()]
        unknown = [w for w in words if w not in vocab.stoi]
        if len(unknown) == len(words):
            known = [t for t in vocab.itos if t[0].isalnum()]
            said = f"unknown: {', '.join(unknown)}" if unknown else "no words at all"
            raise ValueError(
                f"texts[{i}] = {text!r} has no word the vocabulary knows ({said}); it knows "
                f"{len(known)} words, such as {', '.join(known[:8])}"
            )
        if 2 * len(unknown) > len(words):
            odd.append(f"texts[{i}] = {text!r} (unknown: {', '.join(unknown)})")
    if odd:
        warnings.warn(
            f"{len(odd)} caption(s) made mostly of words the vocabulary does not know, read as "
            f"<unk> and ignored: {'; '.join(odd[:3])}{' ...' if len(odd) > 3 else ''}",
            stacklevel=3,
        )


class CaptionEncoder(nn.Module):
    """Token ids ``(B, T)`` -> a sentence vector ``(B, out_dim)``: embedding, biGRU, mean."""

    def __init__(self, vocab_size: int, out_dim: int = 32, embed_dim: int = 32, hidden: int = 64):
        super().__init__()
        check_positive_ints(
            vocab_size=vocab_size, out_dim=out_dim, embed_dim=embed_dim, hidden=hidden
        )
        self.sizes = dict(vocab_size=vocab_size, out_dim=out_dim, embed_dim=embed_dim,
                          hidden=hidden)
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, out_dim)

    def config(self) -> dict:
        """Constructor arguments, for saving with :func:`ganbook.core.checkpoint.save_model`."""
        return dict(self.sizes)

    def forward(self, ids: Tensor) -> Tensor:
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(f"ids must be a (batch, length) long tensor, got "
                             f"{tuple(ids.shape)} {ids.dtype}")
        lengths = (ids != 0).sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.embed(ids), lengths, batch_first=True, enforce_sorted=False
        )
        states, _ = nn.utils.rnn.pad_packed_sequence(
            self.rnn(packed)[0], batch_first=True, total_length=ids.shape[1]
        )
        mean = states.sum(1) / lengths.to(states.device, states.dtype).unsqueeze(1)
        return self.out(mean)
