"""Measures of a set of clips against real ones: frame quality, identity, motion.

* **frame FD**: the Fréchet distance between the digit classifier's features of the digit
  cropped (8x8) at each frame's centre of mass, generated against real;
* **blank share**: the share of frames with less ink than 99% of the real frames (ink is
  how far the pixels are above mid-grey, summed): a generator that lets its digit fade
  scores high here whatever its other columns say;
* **identity consistency**: the share of clips whose frames the classifier all reads as the
  same digit, and **digits read**: how many of the ten digits it reads in at least 2.5% of
  the frames (a clip of one blob moved about is consistent, but it is one digit);
* **motion**: the centroid's speed per frame and its second difference (zero for a straight
  path, large at a bounce or a jump), each compared with the real clips' distribution by the
  1-D Wasserstein distance in pixels; and the share of moves that go down or right
  (:func:`direction_shares`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.utils import eval_mode
from ..foundations.theory import wasserstein_1d
from ..image.metrics import frechet_distance
from .data import DIGIT, frames_of


def _check_video(name: str, video: Tensor) -> Tensor:
    if not isinstance(video, Tensor) or video.dim() != 5 or video.shape[1] != 1:
        shape = tuple(video.shape) if isinstance(video, Tensor) else type(video).__name__
        raise ValueError(f"{name} must be clips (N, 1, T, H, W), got {shape}")
    if video.shape[2] < 3 or min(video.shape[-2:]) < DIGIT:
        raise ValueError(
            f"{name} needs at least 3 frames of at least {DIGIT} px, got {tuple(video.shape)}"
        )
    return video


def frame_ink(video: Tensor) -> Tensor:
    """(N, 1, T, H, W) -> (N, T): each frame's ink, how far its pixels are above mid-grey
    (the background, -1, and everything below 0 count zero), summed."""
    _check_video("video", video)
    return video[:, 0].clamp(min=0).sum((-2, -1))


def blank_share(video: Tensor, real: Tensor, quantile: float = 0.01) -> float:
    """The share of ``video``'s frames with less ink than all but ``quantile`` of ``real``'s
    frames: about ``quantile`` for real clips, 1 for blank ones."""
    if not 0 < quantile < 0.5:
        raise ValueError(f"quantile must be in (0, 0.5), got {quantile}")
    least = frame_ink(real).flatten().quantile(quantile)
    return float((frame_ink(video) < least).float().mean())


def centroids(video: Tensor) -> Tensor:
    """(N, 1, T, H, W) -> (N, T, 2): each frame's centre of mass (row, column) in pixels,
    weighting pixels by how far they are above mid-grey (the background counts zero).

    A frame with no such pixel gets the canvas centre.
    """
    _check_video("video", video)
    ink = video[:, 0].clamp(min=0)  # (N, T, H, W)
    h, w = ink.shape[-2:]
    rows = torch.arange(h, dtype=ink.dtype).view(h, 1)
    cols = torch.arange(w, dtype=ink.dtype).view(1, w)
    mass = ink.sum((-2, -1))
    empty = mass <= 1e-6
    mass = mass.clamp(min=1e-6)
    r = (ink * rows).sum((-2, -1)) / mass
    c = (ink * cols).sum((-2, -1)) / mass
    r = torch.where(empty, torch.full_like(r, (h - 1) / 2), r)
    c = torch.where(empty, torch.full_like(c, (w - 1) / 2), c)
    return torch.stack([r, c], -1)


def speeds(video: Tensor) -> Tensor:
    """(N, T - 1): how far the centroid moves from each frame to the next, in pixels."""
    path = centroids(video)
    return (path[:, 1:] - path[:, :-1]).norm(dim=-1)


def second_differences(video: Tensor) -> Tensor:
    """(N, T - 2): the length of ``c[t+1] - 2 c[t] + c[t-1]`` of the centroid path ``c``.

    Zero while a digit moves in a straight line at constant speed; nonzero at a bounce, and
    everywhere for frames drawn independently of each other.
    """
    path = centroids(video)
    return (path[:, 2:] - 2 * path[:, 1:-1] + path[:, :-2]).norm(dim=-1)


def direction_shares(video: Tensor, min_move: float = 0.5) -> tuple[float, float]:
    """The share of the centroid's moves of more than ``min_move`` px along each axis that
    go down and that go right: about a half each for real clips, whose velocity signs are
    random (NaN for an axis without such a move). Speed and second differences ignore
    direction; this does not."""
    step = centroids(video).diff(dim=1)  # (N, T - 1, 2)
    moved = (step.abs() > min_move).sum((0, 1)).double()
    down, right = ((step > min_move).sum((0, 1)) / moved).tolist()  # 0 / 0 is NaN
    return down, right


def crop_digits(video: Tensor) -> Tensor:
    """(N, 1, T, H, W) -> (N * T, 1, 8, 8): the 8x8 window centred on each frame's centroid
    (rounded, kept inside the canvas), what the 8x8 digit classifier reads."""
    path = centroids(video).reshape(-1, 2)
    frames = frames_of(video)
    h, w = frames.shape[-2:]
    # a digit's centroid sits near the middle of its 8x8 box: the window starts 3.5 px before
    top = (path[:, 0] - (DIGIT - 1) / 2).round().long().clamp(0, h - DIGIT)
    left = (path[:, 1] - (DIGIT - 1) / 2).round().long().clamp(0, w - DIGIT)
    rows = top.view(-1, 1) + torch.arange(DIGIT).view(1, -1)  # (M, 8)
    cols = left.view(-1, 1) + torch.arange(DIGIT).view(1, -1)
    index = torch.arange(len(frames)).view(-1, 1, 1)
    crops = frames[:, 0][index, rows.unsqueeze(2), cols.unsqueeze(1)]
    return crops.unsqueeze(1)


@torch.no_grad()
def predicted_digits(classifier: nn.Module, video: Tensor) -> Tensor:
    """(N, T): the classifier's digit for each frame's centroid crop."""
    _check_video("video", video)
    with eval_mode(classifier):
        logits = classifier(crop_digits(video))
    return logits.argmax(1).view(video.shape[0], video.shape[2])


def _consistency(read: Tensor) -> float:
    return float((read == read[:, :1]).all(1).float().mean())


def _spread(read: Tensor, share: float) -> int:
    counts = torch.bincount(read.flatten(), minlength=10).float() / read.numel()
    return int((counts >= share).sum())


def identity_consistency(classifier: nn.Module, video: Tensor) -> float:
    """Share of clips whose frames are all read as the same digit."""
    return _consistency(predicted_digits(classifier, video))


def digits_read(classifier: nn.Module, video: Tensor, share: float = 0.025) -> int:
    """How many of the ten digits the classifier reads in at least ``share`` of all frames
    (a quarter of the uniform share by default): 10 for real clips, few for a collapsed
    generator."""
    if not 0 < share <= 0.1:
        raise ValueError(f"share must be in (0, 0.1], got {share}")
    return _spread(predicted_digits(classifier, video), share)


@torch.no_grad()
def frame_fd(classifier: nn.Module, video: Tensor, real: Tensor) -> float:
    """Fréchet distance of the classifier's features of the centroid crops, ``video``'s
    frames against ``real``'s."""
    _check_video("video", video)
    _check_video("real", real)
    with eval_mode(classifier):
        fake_features = classifier.features(crop_digits(video))
        real_features = classifier.features(crop_digits(real))
    return frechet_distance(fake_features, real_features)


def video_scores(classifier: nn.Module, video: Tensor, real: Tensor) -> dict[str, float]:
    """One row of the chapter's table for ``video`` measured against the ``real`` clips
    (``classifier`` has ``features`` and a ``head``, as the book's digit classifier)."""
    _check_video("video", video)
    _check_video("real", real)
    if video.shape[2:] != real.shape[2:]:
        raise ValueError(
            f"video {tuple(video.shape)} and real {tuple(real.shape)} must have the same "
            "frames and size"
        )
    speed, real_speed = speeds(video), speeds(real)
    accel, real_accel = second_differences(video), second_differences(real)
    with torch.no_grad(), eval_mode(classifier):  # one pass over each set's crops
        features = classifier.features(crop_digits(video))
        real_features = classifier.features(crop_digits(real))
        read = classifier.head(features).argmax(1).view(video.shape[0], video.shape[2])
    return {
        "frame FD": frechet_distance(features, real_features),
        "blank share": blank_share(video, real),
        "identity consistency": _consistency(read),
        "digits read": _spread(read, 0.025),
        "mean speed (px)": float(speed.mean()),
        "speed W1 (px)": wasserstein_1d(speed, real_speed),
        "straight share": float((accel < 0.5).float().mean()),
        "2nd diff. W1 (px)": wasserstein_1d(accel, real_accel),
    }


def frames_are_digits(
    scores: dict[str, float], half_blank: dict[str, float], max_blank: float = 0.1
) -> bool:
    """Whether a row of :func:`video_scores` shows digits: a frame FD below that of real
    clips with every other frame blanked (``half_blank``, from
    :func:`~ganbook.video.data.blank_every_other_frame`), and fewer than ``max_blank`` of its
    frames near-blank. Blank clips, uniform noise and untrained generators fail it."""
    if not 0 < max_blank < 1:
        raise ValueError(f"max_blank must be in (0, 1), got {max_blank}")
    return (
        scores["frame FD"] < half_blank["frame FD"] and scores["blank share"] < max_blank
    )


def blur_frames(video: Tensor) -> Tensor:
    """A 3x3 box blur of every frame: a reference that keeps motion and identity but not
    sharpness (a check that frame FD notices blur)."""
    frames = frames_of(_check_video("video", video))
    blurred = F.avg_pool2d(F.pad(frames, (1, 1, 1, 1), value=-1.0), 3, stride=1)
    n, c, t = video.shape[:3]
    return blurred.view(n, t, c, *video.shape[-2:]).transpose(1, 2)
