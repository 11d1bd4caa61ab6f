import pytest

from ganbook import files


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path))
    assert files.cache_dir("music") == tmp_path / "music"
    monkeypatch.delenv("GANBOOK_CACHE")
    assert files.cache_dir().parts[-2:] == (".cache", "ganbook")


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path):
    path = tmp_path / "a" / "x.bin"
    with files.atomic_write(path) as f:
        f.write(b"old")
    with pytest.raises(RuntimeError):
        with files.atomic_write(path) as f:
            f.write(b"half")
            raise RuntimeError("interrupted")
    assert path.read_bytes() == b"old"
    assert [p.name for p in path.parent.iterdir()] == ["x.bin"], "no temp files left behind"
    assert path.stat().st_mode & 0o044, "readable by others, not mkstemp's 0600"
