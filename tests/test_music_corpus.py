"""The chorale corpus: parsing facts, the cache (build, reuse, stale rebuild, concurrent
builders)."""

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from ganbook.music import corpus
from ganbook.music import metrics as M
from ganbook.music.grid import STEPS_PER_BAR, VOICE_RANGES


@pytest.fixture(scope="module")
def small_cache(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cache")
    return directory, corpus.load_chorales(limit=4, directory=directory, progress=False)


def test_small_build_is_cached_and_aligned(small_cache, monkeypatch):
    directory, chorales = small_cache
    assert corpus.cache_path(4, directory).is_file()
    assert len(chorales) >= 2 and chorales.stats["chorales"] == 4
    for pitch, onset in zip(chorales.pitch, chorales.onset):
        assert pitch.shape[1] % STEPS_PER_BAR == 0
        for v, (low, high) in enumerate(VOICE_RANGES):
            sounding = pitch[v][pitch[v] > 0]
            assert sounding.min() >= low and sounding.max() <= high
    # a second call reads the file instead of parsing again
    monkeypatch.setattr(
        corpus, "build_chorales", lambda *a, **k: pytest.fail("rebuilt a fresh cache")
    )
    again = corpus.load_chorales(limit=4, directory=directory, progress=False)
    assert again.names == chorales.names
    assert all((a == b).all() for a, b in zip(again.pitch, chorales.pitch))


def test_stale_cache_is_rebuilt(small_cache, monkeypatch, tmp_path):
    _, chorales = small_cache
    path = corpus.cache_path(4, tmp_path)
    corpus.save_chorales(chorales, path)
    monkeypatch.setattr(corpus, "CACHE_VERSION", corpus.CACHE_VERSION + 1)
    stale = corpus.cache_path(
        4, tmp_path
    )  # the new version's file name, holding the old version's data
    assert stale != path
    stale.write_bytes(path.read_bytes())
    with pytest.raises(ValueError, match="version"):
        corpus.read_chorales(stale)
    calls = []
    monkeypatch.setattr(
        corpus, "build_chorales", lambda limit, progress: calls.append(limit) or chorales
    )
    rebuilt = corpus.load_chorales(limit=4, directory=tmp_path, progress=False)
    assert calls == [4] and rebuilt.names == chorales.names
    corpus.read_chorales(corpus.cache_path(4, tmp_path))  # now current


def test_waits_for_a_concurrent_builder_instead_of_building_twice(
    small_cache, monkeypatch, tmp_path
):
    source_dir, _ = small_cache
    target = corpus.cache_path(4, tmp_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Another process holds the lock, "builds" for a second, then renames its file into place.
    script = textwrap.dedent(f"""
        import os, shutil, time
        from filelock import FileLock
        with FileLock({str(target) + ".lock"!r}):
            open({str(target) + ".started"!r}, 'w').close()
            time.sleep(1.0)
            shutil.copy({str(corpus.cache_path(4, source_dir))!r}, {str(target) + ".tmp"!r})
            os.replace({str(target) + ".tmp"!r}, {str(target)!r})
    """)
    other = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.time() + 30
        while not target.with_name(target.name + ".started").exists():
            assert time.time() < deadline, "helper process did not start"
            time.sleep(0.05)
        monkeypatch.setattr(
            corpus, "build_chorales", lambda *a, **k: pytest.fail("built while another process was")
        )
        chorales = corpus.load_chorales(limit=4, directory=tmp_path, progress=False)
        assert len(chorales) >= 2
    finally:
        assert other.wait(timeout=60) == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="limit"):
        corpus.load_chorales(limit=0)
    with pytest.raises(ValueError, match="bars"):
        corpus.windows(None, bars=0)


def test_full_corpus_facts():
    """Also builds the shared cache once per test session (about a minute cold), for the
    notebooks."""
    chorales = corpus.load_chorales(progress=False)
    s = chorales.stats
    assert s["chorales"] == 371 and s["duplicate_names"] > 0
    assert 280 <= len(chorales) <= 313
    assert 0.10 < s["repeats"] / s["notes"] < 0.16  # repeated pitches keep their onset
    assert s["folded"] / s["notes"] < 0.01
    train, test = chorales.split("train"), chorales.split("test")
    assert not set(train) & set(test) and len(test) > 20
    assert not {chorales.names[i] for i in train} & {chorales.names[i] for i in test}
    assert set(np.unique(chorales.mode)) == {0, 1}
    assert np.abs(chorales.shift).max() <= 6
    w = corpus.windows(chorales, "test")
    assert w.pitch.shape[1:] == (4, 64) and set(w.source) <= set(test)
    # Bach's own voicing: the same windows before the octave fold into each voice's range
    u = corpus.windows(chorales, "test", unfolded=True)
    assert (u.onset == w.onset).all() and ((u.pitch > 0) == (w.pitch > 0)).all()
    moved = u.pitch != w.pitch
    assert 0 < moved.sum() / (w.pitch > 0).sum() < 0.01
    assert ((u.pitch[moved] - w.pitch[moved]) % 12 == 0).all()
    # the fold inflates the spacing rule's count: the reason the unfolded windows are the
    # reference for it
    assert M.spacing(w.pitch, w.onset) > 1.2 * M.spacing(u.pitch, u.onset)


def test_windows_longer_than_every_chorale_are_explained(small_cache):
    _, chorales = small_cache
    with pytest.raises(
        ValueError,
        match=r"bars=100: no window of that length in the 'train' "
        r"split \(its longest chorale has \d+ bars",
    ):
        corpus.windows(chorales, "train", bars=100)
    with pytest.raises(ValueError, match="bars must be a positive int, got 1.5"):
        corpus.windows(chorales, bars=1.5)
