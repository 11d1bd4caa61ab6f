"""The caption encoder shared by the text-to-image and text-to-music chapters."""

import pytest
import torch

from ganbook.text.caption import (
    UNK,
    CaptionEncoder,
    caption_tokens,
    caption_vocab,
    encode_captions,
    unknown_word_noise,
)


def test_tokens_split_punctuation_and_lowercase():
    assert caption_tokens("A thick 7, Leaning right.") == [
        "a", "thick", "7", ",", "leaning", "right", "."
    ]


def test_unknown_words_map_to_unk_and_lengths_pad():
    vocab = caption_vocab(["a thin seven", "a thick one"])
    ids = encode_captions(vocab, ["a thin one", "a purple seven tilted"])
    assert ids.shape == (2, 5)
    assert vocab.decode(ids[1]) == f"a {UNK} seven {UNK}"
    assert ids[0, 3].item() == vocab.eos_id and ids[0, 4].item() == vocab.pad_id


def test_encode_rejects_bad_input():
    vocab = caption_vocab(["a seven"])
    with pytest.raises(TypeError, match="sequence of captions"):
        encode_captions(vocab, "a seven")
    with pytest.raises(ValueError, match="max_len=2"):
        encode_captions(vocab, ["a seven"], max_len=2)
    with pytest.raises(ValueError, match="<unk>"):
        from ganbook.text import Vocab

        encode_captions(Vocab(["a", "seven"], level="word"), ["a seven"])


def test_encoder_ignores_padding_but_not_order():
    torch.manual_seed(0)
    vocab = caption_vocab(["a thick seven leaning right"])
    enc = CaptionEncoder(len(vocab), out_dim=8).eval()
    short = encode_captions(vocab, ["a thick seven"], max_len=4)
    padded = encode_captions(vocab, ["a thick seven"], max_len=9)
    swapped = encode_captions(vocab, ["seven thick a"], max_len=4)
    with torch.no_grad():
        assert enc(short).shape == (1, 8)
        torch.testing.assert_close(enc(short), enc(padded))
        assert not torch.allclose(enc(short), enc(swapped))


def test_encoder_validates_sizes_and_ids():
    with pytest.raises(ValueError, match="out_dim"):
        CaptionEncoder(10, out_dim=0)
    with pytest.raises(ValueError, match="long tensor"):
        CaptionEncoder(10)(torch.zeros(2, 3))


def test_word_noise_replaces_and_inserts_unk_but_keeps_words_and_the_end():
    vocab = caption_vocab(["a thick seven leaning right"])
    ids = encode_captions(vocab, ["a thick seven leaning right"] * 200, max_len=8)
    unk, seven = vocab.stoi[UNK], vocab.stoi["seven"]
    torch.manual_seed(0)
    noisy = unknown_word_noise(ids, unk, replace=0.3, insert=0.3, keep=[seven])
    assert noisy.shape == ids.shape
    for before, after in zip(ids, noisy):
        words = [t for t in after.tolist() if t not in (0, vocab.eos_id)]
        assert (after == vocab.eos_id).sum() == 1 and seven in words  # kept, still ends
        known = [t for t in words if t != unk]
        assert known == [t for t in before.tolist() if t in known]  # order kept
        assert len(words) <= 7  # at most two inserted: the caption still fits
    share = (noisy == unk).float().sum() / (ids > 2).sum()
    assert 0.3 < share < 0.8  # some replaced, some inserted
    assert torch.equal(unknown_word_noise(ids, unk, replace=0.0), ids)
    torch.manual_seed(1)  # replace only: the draws the text-to-image pretrainer always made
    replaced = unknown_word_noise(ids, unk, replace=0.3)
    torch.manual_seed(1)
    assert torch.equal(replaced, ids.masked_fill((ids > 2) & (torch.rand(ids.shape) < 0.3), unk))
    with pytest.raises(ValueError, match="replace and insert"):
        unknown_word_noise(ids, unk, replace=1.0)
