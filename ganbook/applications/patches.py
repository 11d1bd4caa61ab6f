"""Measures and training-free baselines for models of one image, all built on small patches.

SIFID (SinGAN's measure) needs an Inception network; here the statistics are the image's own
7x7 patches:

* :func:`sliced_wasserstein`: the sliced Wasserstein-1 distance between two point clouds
  (the mean, over random unit directions, of the distance between the sorted projections);
  :func:`patch_swd` applies it to the patches of samples and of the image.
* :func:`pixel_diversity`: the per-pixel standard deviation across samples, averaged.
* :func:`nearest_patch_distance`: the RMS distance (per pixel value) from each sample patch to
  its nearest image patch; 0 means every patch was copied. The ``copied share`` of
  :func:`patch_scores` counts the patches within ``COPY_TOLERANCE`` of an image patch.

Baselines: :func:`crop_shuffle` (the image cut into tiles, shuffled) and :func:`gpnn`, a
patch nearest-neighbour generator in the spirit of GPNN (Granot et al. 2022): noise at the
coarsest scale, then at each scale every patch is replaced by its nearest image patch.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.loop import check_positive, check_positive_ints
from ..image.checks import check_images
from ..image.resample import resize
from .singan import image_pyramid

#: RMS distance per value (images in [-1, 1]) under which a patch counts as copied:
#: about one grey level in 100.
COPY_TOLERANCE = 0.02

__all__ = [
    "crop_shuffle",
    "pixel_diversity",
    "extract_patches",
    "gpnn",
    "COPY_TOLERANCE",
    "nearest_patch_distance",
    "nearest_patch_distances",
    "patch_scores",
    "patch_swd",
    "replace_patches",
    "sliced_wasserstein",
]


def extract_patches(images: Tensor, size: int = 7, stride: int = 1) -> Tensor:
    """Every ``size x size`` patch of (N, C, H, W) images, flattened: (patches, C size size)."""
    check_images("images", images)
    check_positive_ints(size=size, stride=stride)
    if min(images.shape[-2:]) < size:
        raise ValueError(f"images of {tuple(images.shape[-2:])} px have no {size}x{size} patch")
    cols = F.unfold(images.float(), size, stride=stride)  # (N, C size size, L)
    return cols.transpose(1, 2).reshape(-1, cols.shape[1])


def _subsample(x: Tensor, most: int | None, gen: torch.Generator) -> Tensor:
    if most is None or len(x) <= most:
        return x
    return x[torch.randperm(len(x), generator=gen)[:most]]


def sliced_wasserstein(a: Tensor, b: Tensor, projections: int = 128, seed: int = 0) -> float:
    """Sliced Wasserstein-1 distance between point clouds ``a`` (n, d) and ``b`` (m, d).

    Both are projected on ``projections`` random unit directions (seeded); on each, the
    distance is the mean gap between matching quantiles (n and m may differ). 0 for equal
    clouds; a shift by ``c`` along a direction ``u`` adds about ``|c| E|<u, v>|`` (v random).
    """
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a and b must be (n, d) and (m, d) with the same d, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    check_positive("projections", projections)
    gen = torch.Generator().manual_seed(seed)
    directions = torch.randn(a.shape[1], projections, generator=gen, dtype=torch.float64)
    directions /= directions.norm(dim=0, keepdim=True)
    pa = (a.double() @ directions).sort(dim=0).values
    pb = (b.double() @ directions).sort(dim=0).values
    n = max(len(pa), len(pb))
    levels = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    qa = pa[(levels * len(pa)).long().clamp(max=len(pa) - 1)]
    qb = pb[(levels * len(pb)).long().clamp(max=len(pb) - 1)]
    return float((qa - qb).abs().mean())


def patch_swd(
    samples: Tensor,
    image: Tensor,
    size: int = 7,
    projections: int = 128,
    most: int | None = 8192,
    seed: int = 0,
) -> float:
    """:func:`sliced_wasserstein` between the ``size x size`` patches of ``samples`` and of
    ``image`` (at most ``most`` patches of each, drawn with ``seed``)."""
    check_images("samples", samples)
    check_images("image", image)
    gen = torch.Generator().manual_seed(seed)
    a = _subsample(extract_patches(samples, size), most, gen)
    b = _subsample(extract_patches(image, size), most, gen)
    return sliced_wasserstein(a, b, projections, seed)


def pixel_diversity(samples: Tensor) -> float:
    """Standard deviation across samples of each pixel value, averaged over the pixels."""
    check_images("samples", samples)
    if len(samples) < 2:
        raise ValueError(f"samples must hold at least 2 images, got {len(samples)}")
    return float(samples.float().std(dim=0).mean())


def _nearest(queries: Tensor, keys: Tensor, chunk: int = 2048) -> tuple[Tensor, Tensor]:
    """For each query row, its squared distance to the nearest key row and that key's index."""
    dists, index = [], []
    key_norms = (keys**2).sum(1)
    for i in range(0, len(queries), chunk):
        q = queries[i : i + chunk]
        d = (q**2).sum(1, keepdim=True) - 2 * q @ keys.T + key_norms
        best = d.min(dim=1)
        dists.append(best.values.clamp(min=0))
        index.append(best.indices)
    return torch.cat(dists), torch.cat(index)


def nearest_patch_distances(
    samples: Tensor, image: Tensor, size: int = 7, most: int | None = 4096, seed: int = 0
) -> Tensor:
    """For (at most ``most``) sample patches, the RMS distance per value to the nearest
    ``size x size`` patch of ``image``: 0 for a copied patch."""
    check_images("samples", samples)
    check_images("image", image)
    gen = torch.Generator().manual_seed(seed)
    queries = _subsample(extract_patches(samples, size), most, gen)
    d2, _ = _nearest(queries, extract_patches(image, size))
    return (d2 / queries.shape[1]).sqrt()


def nearest_patch_distance(
    samples: Tensor, image: Tensor, size: int = 7, most: int | None = 4096, seed: int = 0
) -> float:
    """The mean of :func:`nearest_patch_distances`: 0 when every patch is a copy."""
    return float(nearest_patch_distances(samples, image, size, most, seed).mean())


def crop_shuffle(image: Tensor, n: int, tiles: int = 4, seed: int = 0) -> Tensor:
    """``n`` images made by cutting ``image`` (1, C, H, W) into ``tiles x tiles`` blocks and
    putting them back in a random order (a trivial "new image" of copied patches)."""
    check_images("image", image)
    check_positive_ints(n=n, tiles=tiles)
    _, c, h, w = image.shape
    th, tw = h // tiles, w // tiles
    if th == 0 or tw == 0:
        raise ValueError(f"tiles={tiles} is more than the image's {h}x{w} px allow")
    gen = torch.Generator().manual_seed(seed)
    out = image.repeat(n, 1, 1, 1).clone()
    blocks = [(i * th, j * tw) for i in range(tiles) for j in range(tiles)]
    for s in range(n):
        order = torch.randperm(len(blocks), generator=gen).tolist()
        for (top, left), k in zip(blocks, order):
            src_top, src_left = blocks[k]
            out[s, :, top : top + th, left : left + tw] = image[
                0, :, src_top : src_top + th, src_left : src_left + tw
            ]
    return out


def replace_patches(query: Tensor, keys: Tensor, values: Tensor, size: int = 7) -> Tensor:
    """One GPNN step: every ``size x size`` patch of ``query`` (N, C, H, W) is matched to its
    nearest patch of ``keys`` (1, C, h, w) and replaced by the patch of ``values`` (same
    size as ``keys``) at the same place; overlapping patches are averaged."""
    for name, x in (("query", query), ("keys", keys), ("values", values)):
        check_images(name, x)
    if keys.shape != values.shape or keys.shape[0] != 1:
        raise ValueError(
            f"keys and values must be one image each of the same shape, got "
            f"{tuple(keys.shape)} and {tuple(values.shape)}"
        )
    n, c, h, w = query.shape
    q = F.unfold(query.float(), size)  # (N, D, L)
    _, index = _nearest(q.transpose(1, 2).reshape(-1, q.shape[1]), extract_patches(keys, size))
    chosen = extract_patches(values, size)[index]  # (N L, D)
    cols = chosen.reshape(n, -1, q.shape[1]).transpose(1, 2)
    summed = F.fold(cols, (h, w), size)
    counts = F.fold(torch.ones_like(cols[:1]), (h, w), size)
    return summed / counts


def gpnn(
    image: Tensor,
    n: int,
    sizes: Sequence[Sequence[int]],
    size: int = 7,
    iterations: int = 2,
    noise: float = 0.75,
    seed: int = 0,
) -> Tensor:
    """``n`` images in the spirit of GPNN: no training, only nearest patches of the image.

    ``sizes`` are the pyramid's (h, w) from coarse to fine (the finest may differ from the
    image's own size, e.g. wider for retargeting; each scale's keys and values come from the
    image at the matching scale). At the coarsest scale the query is the small image plus
    Gaussian noise of std ``noise``; at every finer scale the upsampled result. Each scale
    runs ``iterations`` :func:`replace_patches` steps: the first matches against the
    blurred image (the coarser scale upsampled), the others against the image itself.
    """
    check_images("image", image)
    check_positive_ints(n=n, size=size, iterations=iterations)
    if not sizes:
        raise ValueError("sizes must list at least one (h, w)")
    h, w = image.shape[-2:]
    # Each scale's image at the same relative scale as the output's heights.
    full = [(round(h * s[0] / sizes[-1][0]), round(w * s[0] / sizes[-1][0])) for s in sizes]
    reals = image_pyramid(image, full)
    gen = torch.Generator().manual_seed(seed)
    x = resize(reals[0], sizes[0]).repeat(n, 1, 1, 1)
    x = x + noise * torch.randn(x.shape, generator=gen)
    for k, real in enumerate(reals):
        if k:
            x = resize(x, sizes[k])
        blurred = resize(reals[k - 1], real.shape[-2:]) if k else real
        for t in range(iterations):
            x = replace_patches(x, blurred if t == 0 else real, real, size)
    return x.clamp(-1, 1)


def patch_scores(samples: Tensor, image: Tensor, size: int = 7, seed: int = 0) -> dict[str, float]:
    """The chapter's measures of ``samples`` against ``image``: ``patch SWD``
    (:func:`patch_swd`), ``diversity``, ``nearest patch`` (the mean of
    :func:`nearest_patch_distances`) and ``copied share`` (the share of them under
    :data:`COPY_TOLERANCE`)."""
    nearest = nearest_patch_distances(samples, image, size, seed=seed)
    return {
        "patch SWD": patch_swd(samples, image, size, seed=seed),
        "diversity": pixel_diversity(samples),
        "nearest patch": float(nearest.mean()),
        "copied share": float((nearest < COPY_TOLERANCE).float().mean()),
    }
