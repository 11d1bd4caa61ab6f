"""Image data: the fixed digits split, faces, crops, and the IDX parser on a fixture the test
writes."""

import gzip
import struct

import numpy as np
import pytest
import torch

from ganbook.core import files
from ganbook.image import data
from ganbook.image.data import image_crops, load_digits, load_faces, load_mnist, read_idx


def test_digits_split_is_fixed_stratified_and_disjoint():
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test")
    assert x_train.shape == (1347, 1, 8, 8) and x_test.shape == (450, 1, 8, 8)
    assert x_train.min() >= -1 and x_train.max() <= 1 and y_train.dtype == torch.int64
    assert torch.equal(load_digits("test")[1], y_test)  # same split every call
    assert torch.bincount(y_test).min() >= 43  # stratified: ~45 of each class
    all_x, _ = load_digits("all")
    assert len(all_x) == 1797
    train_rows = {tuple(r) for r in x_train.flatten(1).tolist()}
    overlap = sum(tuple(r) in train_rows for r in x_test.flatten(1).tolist())
    assert overlap < 10  # the digits set has a few exact duplicates, nothing more
    with pytest.raises(ValueError, match="split"):
        load_digits("val")


def test_faces_and_crops():
    faces = load_faces(100)
    assert faces.shape == (100, 1, 24, 24) and -1 <= faces.min() < faces.max() <= 1
    with pytest.raises(ValueError, match="n must"):
        load_faces(101)
    torch.manual_seed(0)
    crops = image_crops("brick", n=5, size=16)
    assert crops.shape == (5, 1, 16, 16) and crops.min() >= -1 and crops.max() <= 1
    assert image_crops("astronaut", n=2, size=8, grey=False).shape == (2, 3, 8, 8)
    with pytest.raises(ValueError, match="name"):
        image_crops("no_such_picture")
    with pytest.raises(ValueError, match="size"):
        image_crops("brick", size=1000)


def _write_idx(path, array, code=0x08, compress=True):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    (gzip.open if compress else open)(path, "wb").write(payload)


def test_read_idx_parses_images_and_labels(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 1], dtype=np.uint8)
    _write_idx(tmp_path / "img.gz", images)
    _write_idx(tmp_path / "lab", labels, compress=False)
    assert np.array_equal(read_idx(tmp_path / "img.gz"), images)
    assert np.array_equal(read_idx(tmp_path / "lab"), labels)
    floats = np.array([[1.5, -2.0]], dtype=np.float32)
    _write_idx(tmp_path / "f.gz", floats, code=0x0D)
    assert np.array_equal(read_idx(tmp_path / "f.gz"), floats)


def test_read_idx_rejects_bad_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + b"abc")
    with pytest.raises(ValueError, match="data bytes"):
        read_idx(tmp_path / "short")


def test_load_mnist_uses_the_cache_and_checks_sha256(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    folder.mkdir()
    images = np.full((3, 28, 28), 255, dtype=np.uint8)
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.array([1, 2, 3], dtype=np.uint8))
    sums = {
        name: files.sha256_file(folder / name)
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    }
    monkeypatch.setitem(
        data.MNIST_SOURCES, "mnist", {"url": "http://invalid.example/", "sha256": sums}
    )
    x, y = load_mnist("mnist", "test", cache_dir=tmp_path)  # checksums match: no download attempted
    assert x.shape == (3, 1, 28, 28) and float(x.max()) == 1.0 and y.tolist() == [1, 2, 3]
    with pytest.raises(FileNotFoundError):
        load_mnist("mnist", "train", cache_dir=tmp_path, download=False)
    with pytest.raises(ValueError, match="name"):
        load_mnist("cifar")


def test_fetch_rejects_a_checksum_mismatch(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello")
    with pytest.raises(OSError, match="checksum"):
        files.download(src.as_uri(), tmp_path / "dst.bin", "0" * 64)
    assert not (tmp_path / "dst.bin").exists()
    ok = files.download(src.as_uri(), tmp_path / "dst.bin", files.sha256_file(src))
    assert ok.read_bytes() == b"hello"
