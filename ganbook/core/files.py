"""Files on disk, one way everywhere: the cache folder, checksums, atomic writes, checked
downloads, and one writer per checkpoint (:class:`WriterLock`)."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import socket
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from filelock import FileLock, Timeout


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

    Only files named as ``atomic_write`` names them (``NAME.<random>.tmp``) are touched, and
    only when no other process holds ``path``'s :class:`WriterLock`: a live writer's temp
    file may be a save in progress, so then nothing is removed.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    if not WriterLock.held_here(path):
        try:
            with WriterLock(path):
                return _remove_temp_files(path, older_than)
        except FileInUseError:
            return []
    return _remove_temp_files(path, older_than)


def _remove_temp_files(path: Path, older_than: float) -> list[Path]:
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


def check_writable_path(name: str, path: str | os.PathLike) -> Path:
    """``path`` as a Path if :func:`atomic_write` can write a file there; otherwise
    ``ValueError`` naming ``name`` (a folder, a path under a file, no permission to write).

    Missing folders are fine (``atomic_write`` makes them): the nearest existing one is
    checked, by creating (and at once deleting) a temp file in it.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{name} must be a file path, got {str(path)!r}, which is a folder")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(
            f"{name} {str(path)!r} cannot be written: {str(folder)!r} is a file, not a folder"
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        raise ValueError(
            f"{name} {str(path)!r} cannot be written: no file can be created in "
            f"{str(folder)!r} ({err.strerror or err}); choose a folder you can write to"
        ) from None
    return path


class FileInUseError(OSError):
    """Another live run holds a file's :class:`WriterLock`; the message names it."""


class WriterLock:
    """One writer per file: ``with WriterLock(path):`` holds ``PATH.lock`` (a ``filelock``
    lock, which the OS frees when the process ends, even killed) and records the holder in
    ``PATH.owner``. A claim on a file that another process, or another ``WriterLock`` of this
    process, holds raises :class:`FileInUseError` naming the holder. Reentrant per object.
    """

    _held: set[str] = set()  # lock files this process holds, by any WriterLock

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.lock_file = Path(f"{self.path}.lock")
        self.owner_file = Path(f"{self.path}.owner")
        self._lock: FileLock | None = None
        self._depth = 0

    @classmethod
    def held_here(cls, path: str | os.PathLike) -> bool:
        """Whether this process holds ``path``'s lock."""
        return os.path.realpath(f"{path}.lock") in cls._held

    def acquire(self) -> None:
        """Claim the file, or raise :class:`FileInUseError` at once (never waits)."""
        if self._depth:
            self._depth += 1
            return
        if self.held_here(self.path):
            raise FileInUseError(self._busy({"pid": os.getpid(), "host": socket.gethostname()}))
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_file))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise FileInUseError(self._busy(self._read_owner())) from None
        self._lock, self._depth = lock, 1
        self._held.add(os.path.realpath(self.lock_file))
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(sys.argv)[:200],
        }
        try:
            self.owner_file.write_text(json.dumps(owner))
        except OSError:  # the lock holds without it; a refused run then names no pid
            pass

    def release(self) -> None:
        """Undo one :meth:`acquire`; the last one frees the file for other runs."""
        if not self._depth:
            return
        self._depth -= 1
        if self._depth or self._lock is None:
            return
        try:
            self.owner_file.unlink(missing_ok=True)  # while still held: no other owner yet
        except OSError:
            pass
        finally:
            self._held.discard(os.path.realpath(self.lock_file))
            self._lock.release()
            self._lock = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def _read_owner(self) -> dict[str, Any]:
        try:
            owner = json.loads(self.owner_file.read_text())
        except (OSError, ValueError):
            return {}
        return owner if isinstance(owner, dict) else {}

    def _busy(self, owner: dict[str, Any]) -> str:
        here = owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname()
        if here:
            who = f"another trainer in this process (pid {os.getpid()})"
        elif "pid" in owner:
            who = f"process {owner['pid']} on host {owner.get('host', '?')}"
            if owner.get("since"):
                who += f", since {owner['since']}"
            if owner.get("command"):
                who += f" ({owner['command']})"
        else:
            who = "another process"
        return (
            f"{self.path} is in use: {who} is training with it as its checkpoint. Two runs on "
            "one checkpoint would overwrite each other: wait for that run to finish or stop "
            "it, or give this run another checkpoint path"
        )


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
