"""Files on disk, one way everywhere:
the cache folder, checksums, atomic writes, checked downloads."""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def cache_dir(*parts: str) -> Path:
    """``$GANBOOK_CACHE`` (default ``~/.cache/ganbook``), joined with ``parts``:
    downloads and built data."""
    root = os.environ.get("GANBOOK_CACHE") or Path.home() / ".cache" / "ganbook"
    return Path(root, *parts)


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Write ``path`` through a temp file in the same folder, renamed into place only on success.

    Readers never see a half-written file, and an interrupted write leaves the old file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(
            tmp, 0o666 & ~umask
        )  # mkstemp makes the file private; give it ordinary permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def remove_stale_temp_files(path: str | os.PathLike, older_than: float = 0.0) -> list[Path]:
    """Delete the temp files that killed :func:`atomic_write` calls left beside ``path``;
    return them.

    Only files named as ``atomic_write`` names them (``NAME.<random>.tmp``) are touched.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    now = time.time()
    removed = []
    for tmp in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):
        try:
            if now - tmp.stat().st_mtime >= older_than:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:  # another process cleaned it first
            pass
    return removed


def download(url: str, path: str | os.PathLike, sha256: str | None = None) -> Path:
    """Download ``url`` to ``path`` (atomically) unless it is already there with the right SHA-256.

    With ``sha256=None`` an existing file is kept as it is and the caller checks it.
    """
    path = Path(path)
    if path.is_file() and (sha256 is None or sha256_file(path) == sha256):
        return path
    digest = hashlib.sha256()
    with atomic_write(path) as f, urllib.request.urlopen(url) as response:
        for block in iter(lambda: response.read(1 << 20), b""):
            digest.update(block)
            f.write(block)
        if (
            sha256 is not None and digest.hexdigest() != sha256
        ):  # raising here discards the temp file
            raise OSError(
                f"checksum mismatch for {url}: expected {sha256}, got {digest.hexdigest()}"
            )
    return path
