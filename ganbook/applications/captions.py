"""Captions for the 8x8 digits, built from each digit's label and two attributes measured from
its pixels, for the text-to-image chapter.

**Attributes** (:mod:`ganbook.image.attributes`). Both are read analytically from the pixels
(ink ``w = (x + 1) / 2``), so the same functions describe a training image and score a
generated one:

* ``ink`` - the mean ink per pixel; ``slant`` - the shear ``-mu11 / mu02`` of the
  second-order central image moments (how far the ink's column moves per row; positive =
  leaning right, as the rows count downwards).
* :class:`AttributeBins` turns them into classes *relative to how that digit is usually
  written* (a 7 leans right and a 6 left in this data set): thickness ``thin`` / ``thick``
  splits each digit's training images at its median ink, slant ``left`` / ``upright`` /
  ``right`` at its tertiles. The thresholds come from the training split only.

**Captions.** :func:`caption` writes a (digit, thickness, slant) triple in one of the
:data:`TEMPLATES` with random synonyms: "a thick seven leaning right", "7, bold, tilted right",
or its parts in a random order (:data:`ANY_ORDER`).
The last :data:`HELD_OUT_TEMPLATES` templates are never used in training (they add filler
words the encoder has never seen; their orders of the three parts also occur in
:data:`ANY_ORDER` captions), and :data:`HELD_OUT_COMBOS` (one
thickness-slant pair per digit) have no training image at all: :class:`CaptionedDigits` is
the training set that results, :func:`requests` the test requests and :func:`caption_scores` the
measures, all analytic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor

from ..core.loop import check_positive
from ..image.attributes import ink, slant
from ..image.classifier import DigitClassifier
from ..image.data import load_digits
from ..text.caption import caption_tokens, caption_vocab, encode_captions

__all__ = [
    "ANY_ORDER",
    "DIGIT_WORDS",
    "MAX_LEN",
    "CaptionedDigits",
    "HELD_OUT_COMBOS",
    "HELD_OUT_TEMPLATES",
    "TEST_TEMPLATES",
    "SLANTS",
    "TEMPLATES",
    "THICKNESSES",
    "AttributeBins",
    "UNSEEN_WORDS",
    "caption",
    "captions_for",
    "complete_caption",
    "unseen_word_requests",
    "unset_attributes",
    "combo_index",
    "held_out_mask",
    "requests",
    "caption_scores",
]

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
THICKNESSES = ("thin", "thick")
SLANTS = ("left", "upright", "right")
N_COMBOS = len(DIGIT_WORDS) * len(THICKNESSES) * len(SLANTS)  # 60
MAX_LEN = 16  # tokens per caption, <eos> included: the longest phrasing needs 12

THICK_WORDS = {"thin": ("thin", "light", "fine"), "thick": ("thick", "bold", "heavy")}
SLANT_WORDS = {
    "left": ("leaning left", "tilted left", "slanting left"),
    "upright": ("upright", "standing straight", "not tilted"),
    "right": ("leaning right", "tilted right", "slanting right"),
}

#: A training phrasing with no fixed order: the digit (word or numeral), the thickness and
#: the slant shuffled, joined by spaces, commas or "and" ("tilted left and 7, bold"), so that
#: where the digit stands in a caption says nothing about which digit it is.
ANY_ORDER = "{parts in any order}"

#: Phrasings; ``{d}`` is the digit as a word, ``{n}`` as a numeral. The first ones are the
#: training phrasings, the last ``HELD_OUT_TEMPLATES`` are only ever used for testing.
TEMPLATES = (
    "a {t} {d} {s}",
    "{n}, {t}, {s}",
    "the digit {d}, {s} and {t}",
    "{t} {n} {s}",
    "a {d} written {t}, {s}",
    "{s} {t} {d}",
    ANY_ORDER,
    # held out: filler words ("please", "draw", "that", "is", "looks", "number") and a colon
    # never seen in training, which the encoder reads as <unk>
    "please draw a {d} that is {s} and {t}",
    "{s}, {t}: the number {n}",
    "{d} looks {t} and {s}",
)
HELD_OUT_TEMPLATES = 3
#: The indices of the held-out phrasings in :data:`TEMPLATES`.
TEST_TEMPLATES = range(len(TEMPLATES) - HELD_OUT_TEMPLATES, len(TEMPLATES))

#: Words no caption ever uses, for each class of each attribute: what a reader might write
#: instead of the book's words. The text-to-image page asks for digits with them to see what
#: the model does with a word it does not know.
UNSEEN_WORDS = {
    "thickness": {"thin": ("skinny", "slender"), "thick": ("chunky", "hefty")},
    "slant": {"left": ("backslanted",), "upright": ("vertical",), "right": ("italic",)},
}

# Each attribute's column in a (digit, thickness, slant) triple, its classes and their words.
_ATTRIBUTES = {"thickness": (1, THICKNESSES, THICK_WORDS), "slant": (2, SLANTS, SLANT_WORDS)}

# The tokens that set each attribute in the captions (any of them, in any phrasing).
_SETS = {
    "thickness": {w for words in THICK_WORDS.values() for w in words},
    "slant": {"left", "right", "upright", "straight", "tilted"},
}

#: (digit, thickness, slant) triples with no training image: one per digit, each of the six
#: thickness-slant pairs at least once.
HELD_OUT_COMBOS = tuple(
    (d, THICKNESSES[(d // 3) % 2], SLANTS[d % 3]) for d in range(len(DIGIT_WORDS))
)


def _check_labels(labels: Tensor, n: int) -> None:
    if labels.shape != (n,) or labels.is_floating_point():
        raise ValueError(f"labels must be ({n},) integer digit classes, got {tuple(labels.shape)}")
    if n and (labels.min() < 0 or labels.max() >= len(DIGIT_WORDS)):
        raise ValueError(f"labels must lie in [0, 10), got [{labels.min()}, {labels.max()}]")


@dataclass(frozen=True)
class AttributeBins:
    """Per-digit thresholds: ``ink_median[d]`` and ``slant_cuts[d] = (low, high)`` tertiles."""

    ink_median: tuple[float, ...]
    slant_cuts: tuple[tuple[float, float], ...]

    @classmethod
    def fit(cls, images: Tensor, labels: Tensor) -> "AttributeBins":
        """Thresholds from (training) images: each digit's median ink and slant tertiles."""
        _check_labels(labels, len(images))
        a, s = ink(images), slant(images)
        medians, cuts = [], []
        for d in range(len(DIGIT_WORDS)):
            mine = labels == d
            if mine.sum() < 3:
                raise ValueError(f"need at least 3 images of digit {d} to fit bins, got "
                                 f"{int(mine.sum())}")
            medians.append(float(a[mine].median()))
            low, high = s[mine].quantile(torch.tensor([1 / 3, 2 / 3])).tolist()
            cuts.append((low, high))
        return cls(tuple(medians), tuple(cuts))

    def classes(self, images: Tensor, digits: Tensor) -> tuple[Tensor, Tensor]:
        """Thickness class (0 thin, 1 thick) and slant class (0 left, 1 upright, 2 right) of
        each image, judged against the thresholds of the digit in ``digits``."""
        _check_labels(digits, len(images))
        med = torch.tensor(self.ink_median)[digits]
        cuts = torch.tensor(self.slant_cuts)[digits]
        s = slant(images)
        thickness = (ink(images) > med).long()
        slant_class = (s > cuts[:, 0]).long() + (s > cuts[:, 1]).long()
        return thickness, slant_class


def combo_index(digits: Tensor, thickness: Tensor, slant_class: Tensor) -> Tensor:
    """One id in ``[0, 60)`` per (digit, thickness, slant) triple."""
    return (digits * len(THICKNESSES) + thickness) * len(SLANTS) + slant_class


def held_out_mask(digits: Tensor, thickness: Tensor, slant_class: Tensor) -> Tensor:
    """True where the triple is one of :data:`HELD_OUT_COMBOS`."""
    ids = combo_index(digits, thickness, slant_class)
    held = torch.tensor([
        combo_index(torch.tensor(d), torch.tensor(THICKNESSES.index(t)),
                    torch.tensor(SLANTS.index(s))) for d, t, s in HELD_OUT_COMBOS
    ])
    return torch.isin(ids, held)


def caption(digit: int, thickness: int, slant_class: int, template: int,
            rng: random.Random) -> str:
    """One caption of a triple (class ids) in ``TEMPLATES[template]``, synonyms from ``rng``."""
    if not 0 <= template < len(TEMPLATES):
        raise ValueError(f"template must be in [0, {len(TEMPLATES)}), got {template!r}")
    t = rng.choice(THICK_WORDS[THICKNESSES[thickness]])
    s = rng.choice(SLANT_WORDS[SLANTS[slant_class]])
    if TEMPLATES[template] == ANY_ORDER:
        parts = [rng.choice((DIGIT_WORDS[digit], str(digit))), t, s]
        rng.shuffle(parts)
        joins = [rng.choice((" ", ", ", " and ")) for _ in range(2)]
        return parts[0] + joins[0] + parts[1] + joins[1] + parts[2]
    return TEMPLATES[template].format(d=DIGIT_WORDS[digit], n=digit, t=t, s=s)


def unset_attributes(text: str) -> tuple[str, ...]:
    """The attributes (``"thickness"``, ``"slant"``) that no word of ``text`` the captions
    use sets: ``"a chunky seven leaning right"`` -> ``("thickness",)``."""
    tokens = set(caption_tokens(text))
    return tuple(name for name, words in _SETS.items() if not tokens & words)


def complete_caption(text: str, rng: random.Random) -> str:
    """``text`` with each attribute it leaves unset drawn from its prior (the classes are
    equally common in training: median and tertile splits) and appended in the captions'
    words, so that a caption that does not say how thick never asks for a thickness the
    model made up: ``"a chunky seven"`` -> ``"a chunky seven, bold, tilted left"``."""
    added = [rng.choice(rng.choice(list(_ATTRIBUTES[name][2].values()))) for name in
             unset_attributes(text)]
    return ", ".join([text, *added])


def unseen_word_requests(n: int, attribute: str, held_out_combos: bool = False,
                         seed: int = 0) -> tuple[Tensor, list[str]]:
    """:func:`requests` with ``attribute``'s words replaced by :data:`UNSEEN_WORDS` of the
    same class: captions that mean the requested triple in words the model never saw."""
    if attribute not in UNSEEN_WORDS:
        raise ValueError(f"attribute must be one of {sorted(UNSEEN_WORDS)}, got {attribute!r}")
    triples, texts = requests(n, held_out_combos, seed)
    column, names, known = _ATTRIBUTES[attribute]
    rng = random.Random(seed)
    out = []
    for text, cls in zip(texts, triples[:, column].tolist()):
        name = names[cls]
        phrase = next(w for w in sorted(known[name], key=len, reverse=True) if w in text)
        out.append(text.replace(phrase, rng.choice(UNSEEN_WORDS[attribute][name]), 1))
    return triples, out


def captions_for(
    digits: Tensor, thickness: Tensor, slant_class: Tensor, held_out: bool = False,
    seed: int = 0, template: int | None = None,
) -> list[str]:
    """One caption per triple, each in a random training phrasing (or, with
    ``held_out=True``, a random held-out phrasing; or all in ``TEMPLATES[template]``);
    seeded, so the same call gives the same captions."""
    n = len(digits)
    if len(thickness) != n or len(slant_class) != n:
        raise ValueError(f"digits, thickness and slant_class must have one length, got "
                         f"{n}, {len(thickness)}, {len(slant_class)}")
    rng = random.Random(seed)
    pool: Sequence[int] = TEST_TEMPLATES if held_out else range(TEST_TEMPLATES.start)
    if template is not None:
        if not isinstance(template, int) or not 0 <= template < len(TEMPLATES):
            raise ValueError(f"template must be None or an int in [0, {len(TEMPLATES)}), "
                             f"got {template!r}")
        pool = [template]
    return [
        caption(int(d), int(t), int(s), rng.choice(pool), rng)
        for d, t, s in zip(digits.tolist(), thickness.tolist(), slant_class.tolist())
    ]


def requests(n: int, held_out_combos: bool = False, seed: int = 0
             ) -> tuple[Tensor, list[str]]:
    """``n`` test requests in the held-out phrasings: triples ``(n, 3)`` (digit, thickness,
    slant) drawn uniformly from the 50 training combinations, or (``held_out_combos=True``)
    from the 10 held-out ones, and their captions."""
    check_positive("n", n)
    grid = torch.cartesian_prod(torch.arange(len(DIGIT_WORDS)), torch.arange(len(THICKNESSES)),
                                torch.arange(len(SLANTS)))
    held = held_out_mask(grid[:, 0], grid[:, 1], grid[:, 2])
    pool = grid[held] if held_out_combos else grid[~held]
    gen = torch.Generator().manual_seed(seed)
    triples = pool[torch.randint(len(pool), (n,), generator=gen)]
    return triples, captions_for(*triples.T, held_out=True, seed=seed)


def caption_scores(images: Tensor, triples: Tensor, classifier: DigitClassifier,
           bins: AttributeBins) -> dict[str, float]:
    """How often ``images`` show what was asked: the classifier's digit, each measured
    attribute (judged against the requested digit's thresholds) and all three at once."""
    if len(images) != len(triples) or triples.shape[1:] != (3,):
        raise ValueError(f"images ({len(images)}) and triples ({tuple(triples.shape)}) must "
                         "match, with (digit, thickness, slant) per row")
    digit_ok = classifier.predict(images) == triples[:, 0]
    thickness, slant_class = bins.classes(images, triples[:, 0])
    thick_ok, slant_ok = thickness == triples[:, 1], slant_class == triples[:, 2]
    return {
        "digit": float(digit_ok.float().mean()),
        "thickness": float(thick_ok.float().mean()),
        "slant": float(slant_ok.float().mean()),
        "all three": float((digit_ok & thick_ok & slant_ok).float().mean()),
    }


class CaptionedDigits:
    """The digits' training split with captions, minus every image of a held-out combination.

    ``bins`` are fitted on the whole training split; ``captions[k][i]`` is image ``i``'s
    ``k``-th caption (training phrasings, seeds ``seed + k``); ``vocab`` holds their words.
    """

    def __init__(self, captions_per_image: int = 4, seed: int = 0) -> None:
        check_positive("captions_per_image", captions_per_image)
        x, y = load_digits("train")
        self.bins = AttributeBins.fit(x, y)
        thickness, slant_class = self.bins.classes(x, y)
        keep = ~held_out_mask(y, thickness, slant_class)
        self.dropped = int((~keep).sum())
        self.images, self.digits = x[keep], y[keep]
        self.thickness, self.slant = thickness[keep], slant_class[keep]
        self.captions = [
            captions_for(self.digits, self.thickness, self.slant, seed=seed + k)
            for k in range(captions_per_image)
        ]
        self.vocab = caption_vocab([c for cs in self.captions for c in cs])

    def __len__(self) -> int:
        return len(self.images)

    def ids(self, texts: Sequence[str]) -> Tensor:
        """Token ids ``(len(texts), MAX_LEN)``; unseen words become ``<unk>``."""
        return encode_captions(self.vocab, texts, MAX_LEN)

    def caption_targets(self) -> tuple[Tensor, Tensor]:
        """Every training caption's ids and its ``(digit, thickness, slant)`` targets."""
        k = len(self.captions)
        ids = self.ids([c for cs in self.captions for c in cs])
        targets = torch.stack([self.digits, self.thickness, self.slant], 1).repeat(k, 1)
        return ids, targets
