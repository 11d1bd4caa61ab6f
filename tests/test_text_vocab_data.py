"""Tokenizer round trips and the offline/online text data loaders (no network: fixtures only)."""

import hashlib

import pytest

from ganbook.core import files
from ganbook.text import data
from ganbook.text.vocab import Vocab


def test_vocab_round_trip_and_specials():
    v = Vocab.from_texts(["anna", "bob"])
    assert v.itos[:3] == ["<pad>", "<bos>", "<eos>"] and len(v) == 3 + 4
    ids = v.encode("bob", 6)
    assert ids.tolist()[3:] == [v.eos_id, v.pad_id, v.pad_id]
    assert v.decode(ids) == "bob"
    assert v.decode_batch(v.encode_batch(["anna", "bob"], 6)) == ["anna", "bob"]
    assert Vocab.from_state_dict(v.state_dict()).itos == v.itos


def test_vocab_words_and_errors():
    v = Vocab.from_texts(["a cat sat", "a dog"], level="word")
    assert v.decode(v.encode("a dog sat", 5)) == "a dog sat"
    with pytest.raises(ValueError, match="max_len"):
        v.encode("a cat sat", 3)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        v.encode("a cow", 5)
    with pytest.raises(ValueError, match="level"):
        Vocab(["a"], level="byte")


def test_names_and_words_load_offline():
    names = data.load_names(max_len=11)
    assert len(names) > 4000 and all(n.isalpha() and n.islower() and len(n) <= 11 for n in names)
    words = data.load_words(3, 8)
    assert len(words) > 50000 and "house" in words
    train, held = data.split(names, 0.1, seed=0)
    assert not set(train) & set(held) and len(held) == round(0.1 * len(names))
    with pytest.raises(ValueError, match="kind"):
        data.load_names("middle")


def test_corpus_parsing_and_checksum_on_a_fixture(tmp_path, monkeypatch):
    text = "A man riding a wave on top of a surfboard.\nTwo dogs play!\n\nx\n"
    raw = text.encode()
    (tmp_path / "image_coco.txt").write_bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    monkeypatch.setitem(
        data.CORPORA, "coco", data.Corpus("http://invalid.example/never", "image_coco.txt", digest)
    )
    sentences = data.load_corpus("coco", max_len=20, cache_dir=tmp_path, download=False)
    assert sentences == ["a man riding a wave on top of a surfboard .", "two dogs play !"]
    (tmp_path / "image_coco.txt").write_bytes(raw + b"tampered\n")
    with pytest.raises(ValueError, match="SHA-256"):
        data.fetch_corpus("coco", cache_dir=tmp_path, download=False)
    with pytest.raises(FileNotFoundError):
        data.fetch_corpus("coco", cache_dir=tmp_path / "empty", download=False)


def test_corpus_without_a_registry_digest_is_pinned_on_first_use(tmp_path, monkeypatch):
    (tmp_path / "c.txt").write_text("one two three\n")
    monkeypatch.setitem(data.CORPORA, "tiny", data.Corpus("http://invalid.example/never", "c.txt"))
    data.fetch_corpus("tiny", cache_dir=tmp_path, download=False)
    assert (tmp_path / "c.txt.sha256").read_text().strip() == files.sha256_file(tmp_path / "c.txt")
    (tmp_path / "c.txt").write_text("changed\n")
    with pytest.raises(ValueError, match="SHA-256"):
        data.fetch_corpus("tiny", cache_dir=tmp_path, download=False)
    with pytest.raises(ValueError, match="unknown corpus"):
        data.fetch_corpus("nope")


def test_decode_refuses_ids_outside_the_vocabulary():
    v = Vocab.from_texts(["anna", "bob"])  # 7 ids
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 7\) \(the vocabulary\), got -1"):
        v.decode([3, -1])
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 7\).*got 999"):
        v.decode([3, 999])
    with pytest.raises(TypeError, match="ids must be integers, got 3.5"):
        v.decode([3.5])
