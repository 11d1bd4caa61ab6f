import os
import subprocess
import sys

import pytest

from ganbook.core import files


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


# -- one writer per checkpoint (issue 25, section 1) ----------------------------------------

# A child that loads ganbook/core/files.py alone (no torch: it starts in a fraction of a second),
# claims argv[1] and, with argv[2] == "write", starts an atomic write that waits for stdin.
HOLDER = r"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("files", sys.argv[3])
files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(files)
with files.WriterLock(sys.argv[1]):
    if sys.argv[2] == "write":
        with files.atomic_write(sys.argv[1]) as f:
            f.write(b"first half ")
            f.flush()
            print("writing", flush=True)
            sys.stdin.readline()
            f.write(b"second half")
    else:
        print("holding", flush=True)
        sys.stdin.readline()
"""


def start_holder(path, mode="hold"):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), mode, files.__file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() in ("holding", "writing")
    return proc


def test_a_second_process_is_refused_by_name_and_a_killed_holder_frees_the_file(tmp_path):
    path = tmp_path / "run.pt"
    holder = start_holder(path)
    try:
        with pytest.raises(files.FileInUseError, match=rf"run.pt is in use: process {holder.pid} "):
            files.WriterLock(path).acquire()
    finally:
        holder.kill()  # SIGKILL: no cleanup runs, the OS frees the lock
        holder.wait()
    with files.WriterLock(path):  # free again
        assert files.WriterLock.held_here(path)
    assert not files.WriterLock.held_here(path)


def test_one_writer_per_file_within_a_process_too(tmp_path):
    path = tmp_path / "run.pt"
    first = files.WriterLock(path)
    with first:
        with first:  # reentrant for its owner
            pass
        with pytest.raises(files.FileInUseError, match="another trainer in this process"):
            files.WriterLock(path).acquire()
    with files.WriterLock(path):
        pass


def test_cleanup_never_deletes_a_save_in_progress(tmp_path):
    """The old race: remove_stale_temp_files(older_than=0) deleted another process's temp
    file mid-save, and that save crashed with FileNotFoundError at its rename."""
    path = tmp_path / "shared.pt"
    writer = start_holder(path, "write")
    try:
        temp = list(tmp_path.glob("shared.pt.*.tmp"))
        assert len(temp) == 1
        assert files.remove_stale_temp_files(path, older_than=0) == []
        assert temp[0].exists()
        out, err = writer.communicate("go\n", timeout=60)
    finally:
        writer.kill()
    assert writer.returncode == 0, err
    assert path.read_bytes() == b"first half second half"
    # A killed writer's temp file has no live owner: then it is removed.
    writer = start_holder(path, "write")
    writer.kill()
    writer.wait()
    stale = list(tmp_path.glob("shared.pt.*.tmp"))
    assert len(stale) == 1
    assert files.remove_stale_temp_files(path) == stale and not stale[0].exists()


# -- paths checked when given, not at the first save (issue 25, section 4) -------------------


def test_unwritable_paths_are_refused_with_their_reason(tmp_path):
    (tmp_path / "file").write_text("x")
    for path, match in (
        (tmp_path, "checkpoint_path must be a file path, got .* which is a folder"),
        (tmp_path / "file" / "run.pt", "checkpoint_path .* cannot be written: .* is a file"),
    ):
        with pytest.raises(ValueError, match=match):
            files.check_writable_path("checkpoint_path", path)
    assert files.check_writable_path("p", tmp_path / "new" / "deep" / "run.pt").name == "run.pt"
    assert not (tmp_path / "new").exists(), "checking makes no folders"
    if os.path.isdir("/sys") and os.uname().sysname == "Linux":  # no file can be made there
        with pytest.raises(ValueError, match="no file can be created in '/sys'"):
            files.check_writable_path("checkpoint_path", "/sys/run.pt")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_folder_without_write_permission_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="no file can be created in"):
            files.check_writable_path("checkpoint_path", locked / "run.pt")
    finally:
        locked.chmod(0o700)
