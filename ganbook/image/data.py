"""Image data for the chapter: offline sets that ship with scikit-learn / scikit-image,
and MNIST for Colab.

Every loader returns float tensors of shape (N, C, H, W) scaled to [-1, 1] (the range of a
``tanh`` generator) and, where there are classes, int64 labels.

* :func:`load_digits` - scikit-learn's 1,797 8x8 digits (16 grey levels), with one fixed split:
  stratified by class, ``test_size=0.25``, ``random_state=0`` -> 1,347 train and 450 test images.
  The test part is never trained on: it is the held-out half of the real-vs-real floor.
* :func:`load_faces` - scikit-image's ``lfw_subset``: its first 100 images are 25x25 faces
  (the other 100 are not faces); we crop them to 24x24.
* :func:`image_crops` - random square crops of scikit-image's textures and photos.
* :func:`load_mnist` - MNIST / Fashion-MNIST, downloaded once into a cache directory with
  SHA-256 checks and parsed by :func:`read_idx` (no torchvision needed).
"""

from __future__ import annotations

import gzip
import os
import struct
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..core import files
from ..core.profiles import SMOKE_SAMPLES, is_smoke
from .resample import resize

DIGITS_TEST_SIZE = 0.25
DIGITS_SEED = 0


def _to_unit_range(x: np.ndarray, max_value: float) -> Tensor:
    """Scale ``[0, max_value]`` to ``[-1, 1]`` as float32."""
    return torch.from_numpy(np.asarray(x, dtype=np.float32) / max_value * 2.0 - 1.0)


def load_digits(split: str = "train") -> tuple[Tensor, Tensor]:
    """The scikit-learn digits as ``(images (N, 1, 8, 8) in [-1, 1], labels (N,))`` for ``split``.

    ``split`` is ``'train'`` (1,347 images), ``'test'`` (450) or ``'all'`` (1,797); the split is
    fixed (stratified, 25% test, seed 0) so every notebook and test sees the same held-out set.
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    digits = sk_digits()
    images, labels = digits.images, digits.target
    if split != "all":
        train_idx, test_idx = train_test_split(
            np.arange(len(labels)),
            test_size=DIGITS_TEST_SIZE,
            stratify=labels,
            random_state=DIGITS_SEED,
        )
        idx = np.sort(train_idx if split == "train" else test_idx)
        images, labels = images[idx], labels[idx]
    return _to_unit_range(images, 16.0)[:, None], torch.from_numpy(labels.astype(np.int64))


def load_faces(n: int = 100, size: int = 24) -> Tensor:
    """The first ``n`` (at most 100) faces of scikit-image's ``lfw_subset``,
    centre-cropped to ``size``.

    Returns (n, 1, size, size) in [-1, 1]. Only indices 0..99 of ``lfw_subset`` are faces.
    """
    if not isinstance(n, int) or not 1 <= n <= 100:
        raise ValueError(f"n must be an int in 1..100 (lfw_subset has 100 faces), got {n!r}")
    if not isinstance(size, int) or not 4 <= size <= 25:
        raise ValueError(f"size must be an int in 4..25 (the faces are 25x25), got {size!r}")
    from skimage.data import lfw_subset

    faces = lfw_subset()[:n]  # float in [0, 1], (n, 25, 25)
    top = (25 - size) // 2
    faces = faces[:, top : top + size, top : top + size]
    return _to_unit_range(faces, 1.0)[:, None]


def image_crops(name: str = "brick", n: int = 256, size: int = 32, grey: bool = True) -> Tensor:
    """``n`` random ``size`` x ``size`` crops of a scikit-image picture (``'brick'``, ``'grass'``,
    ``'gravel'``, ``'camera'``, ``'astronaut'``, ...), drawn with torch's global RNG.

    Returns (n, 1 or 3, size, size) in [-1, 1]: a texture set for a generator with no labels.
    """
    import skimage.data

    if not hasattr(skimage.data, name) or name.startswith("_"):
        raise ValueError(
            f"name must be a scikit-image data image such as 'brick' or 'camera', got {name!r}"
        )
    if not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    picture = np.asarray(getattr(skimage.data, name)(), dtype=np.float32)
    if picture.ndim == 3 and grey:
        picture = picture[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if picture.ndim == 2:
        picture = picture[..., None]
    h, w = picture.shape[:2]
    if not isinstance(size, int) or not 1 <= size <= min(h, w):
        raise ValueError(f"size must be an int in 1..{min(h, w)} for {name!r}, got {size!r}")
    top = torch.randint(h - size + 1, (n,)).tolist()
    left = torch.randint(w - size + 1, (n,)).tolist()
    crops = np.stack([picture[t : t + size, s : s + size] for t, s in zip(top, left)])
    return _to_unit_range(crops.transpose(0, 3, 1, 2), 255.0)


# -- MNIST and Fashion-MNIST (Colab) --------------------------------------------------------

MNIST_SOURCES: dict[str, dict] = {
    "mnist": {
        "url": "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "sha256": {
            "train-images-idx3-ubyte.gz": (
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
            ),
            "train-labels-idx1-ubyte.gz": (
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
            ),
            "t10k-images-idx3-ubyte.gz": (
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
            ),
        },
    },
    "fashion-mnist": {
        "url": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "sha256": {
            "train-images-idx3-ubyte.gz": (
                "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc"
            ),
            "train-labels-idx1-ubyte.gz": (
                "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc"
            ),
            "t10k-images-idx3-ubyte.gz": (
                "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229"
            ),
            "t10k-labels-idx1-ubyte.gz": (
                "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf"
            ),
        },
    },
}

# IDX type codes (the third byte of the magic number) -> big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse an IDX file (plain or ``.gz``): magic ``00 00 <type> <ndim>``, ndim big-endian
    uint32 sizes, then the data in row-major order."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an IDX file (magic number must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02x}")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = int(np.prod(shape)) * dtype.itemsize
    body = raw[4 + 4 * ndim :]
    if len(body) != expected:
        raise ValueError(
            f"{path}: header promises {expected} data bytes for shape {shape}, found {len(body)}"
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def load_mnist(
    name: str = "mnist",
    split: str = "train",
    cache_dir: str | os.PathLike | None = None,
    download: bool = True,
) -> tuple[Tensor, Tensor]:
    """MNIST or Fashion-MNIST as ``(images (N, 1, 28, 28) in [-1, 1], labels (N,))``.

    Files are cached in ``cache_dir / name`` (default ``$GANBOOK_CACHE/<name>``,
    see :func:`~ganbook.core.files.cache_dir`) and checked against their published SHA-256.
    Needs internet the first time (fine on Colab). In the smoke mode an uncached split is not
    downloaded: :func:`mnist_stand_in` takes its place, with a warning that says so.
    """
    if name not in MNIST_SOURCES:
        raise ValueError(f"name must be one of {sorted(MNIST_SOURCES)}, got {name!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    source = MNIST_SOURCES[name]
    folder = Path(cache_dir) / name if cache_dir else files.cache_dir(name)
    prefix = "train" if split == "train" else "t10k"
    cached = all((folder / f"{prefix}-{kind}-ubyte.gz").is_file()
                 for kind in ("images-idx3", "labels-idx1"))
    if is_smoke() and not cached:
        x, y = mnist_stand_in(split)
        warnings.warn(
            f"smoke mode: {name} is not cached and the smoke run downloads nothing; using "
            f"{len(x)} scikit-learn digits enlarged to 28x28 instead",
            stacklevel=2,
        )
        return x, y
    arrays = []
    for kind in ("images-idx3", "labels-idx1"):
        filename = f"{prefix}-{kind}-ubyte.gz"
        path = folder / filename
        if download:
            files.download(source["url"] + filename, path, source["sha256"][filename])
        elif not path.is_file():
            raise FileNotFoundError(f"{path} is missing; call load_mnist(..., download=True)")
        arrays.append(read_idx(path))
    images, labels = arrays
    return _to_unit_range(images, 255.0)[:, None], torch.from_numpy(labels.astype(np.int64))


def mnist_stand_in(split: str = "train", n: int = SMOKE_SAMPLES) -> tuple[Tensor, Tensor]:
    """The smoke mode's offline MNIST: the first ``n`` shipped 8x8 digits of ``split``,
    enlarged bilinearly to (n, 1, 28, 28) in [-1, 1], with their labels (code path only)."""
    x, y = load_digits(split)
    return resize(x[:n], (28, 28), "bilinear").clamp(-1.0, 1.0), y[:n]
