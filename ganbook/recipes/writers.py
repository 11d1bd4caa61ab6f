"""How each recipe writes samples to a folder: PNG grids, MIDI files, text, clips.

A writer is ``write(G, n, out) -> [files]``: ``n`` samples of generator ``G`` into the folder
``out``, always from the same latents (seed 0), so two runs' samples compare side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch
from torch import nn

Writer = Callable[[nn.Module, int, Path], list[Path]]


def save_png(images: torch.Tensor, path: Path, nrow: int | None = None) -> list[Path]:
    import matplotlib.pyplot as plt

    from ..pages.plots import image_grid

    grid = image_grid(images, nrow)
    scale = max(1, 512 // max(grid.shape[:2]))  # 8x8 digits: enlarge, nearest neighbour
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(path, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    return [path]


def write_images(G: nn.Module, n: int, out: Path) -> list[Path]:
    """A PNG grid of ``n`` images; conditional generators get every class in turn."""
    from ..core.utils import sample
    from ..image.selfcond import SelfConditionedGenerator

    if isinstance(G, SelfConditionedGenerator):
        cond: tuple = (G.stratified_labels(n),)
    elif getattr(G, "n_classes", None):
        cond = (torch.arange(n) % G.n_classes,)
    else:
        cond = ()
    return save_png(sample(G, n, *cond, seed=0), out / "samples.png")


def write_super_resolved(G: nn.Module, n: int, out: Path) -> list[Path]:
    """A PNG of held-out patches: bicubic, the network's output and the truth, one row each."""
    from ..applications.super_resolution import SRPatches, bicubic, super_resolve

    lr, hr = SRPatches(32).test_set(n, seed=0)
    rows = torch.cat([bicubic(lr), super_resolve(G, lr), hr])
    return save_png(rows, out / "samples.png", nrow=n)


def music_writer(condition: str | None) -> Writer:
    def write(G: nn.Module, n: int, out: Path) -> list[Path]:
        """One 4-track MIDI file per sample (major and minor in turn, or held-out sopranos)."""
        from ..music.corpus import load_chorales, windows
        from ..music.midi import write_midi
        from ..music.training import sample_grids, soprano_condition

        cond = None
        if condition == "mode":
            cond = torch.arange(n) % 2
        elif condition == "soprano":
            test = windows(load_chorales(progress=False), "test")
            cond = soprano_condition(test.subset(list(range(min(n, len(test))))))
            n = len(cond)
        z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(0))
        pitch, onset = sample_grids(G, n, cond, z=z)
        return [
            write_midi(p, o, out / f"sample_{i:03d}.mid")
            for i, (p, o) in enumerate(zip(pitch, onset))
        ]

    return write


def text_writer(decode: Callable[[torch.Tensor], list[str]]) -> Writer:
    def write(G: nn.Module, n: int, out: Path) -> list[Path]:
        """``n`` sampled sequences, one a line, in ``samples.txt``."""
        u = torch.rand(n, G.seq_len, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            ids = G.eval()(u.to(next(G.parameters()).device)).cpu()
        out.mkdir(parents=True, exist_ok=True)
        path = out / "samples.txt"
        path.write_text("".join(line + "\n" for line in decode(ids)))
        return [path]

    return write


def write_clips(G: nn.Module, n: int, out: Path) -> list[Path]:
    """``n`` clips of a video generator: a PNG filmstrip (a row per clip, a column per frame)
    and an animated GIF of the clips side by side."""
    from PIL import Image

    from ..pages.plots import image_grid

    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        clips = G.eval()(z).cpu()  # (N, 1, T, H, W) in [-1, 1]
    frames = clips.shape[2]
    files = save_png(clips.transpose(1, 2).flatten(0, 1), out / "clips.png", nrow=frames)
    tiles = [image_grid(clips[:, :, t], nrow=min(n, 8)) for t in range(frames)]
    scale = max(1, 512 // max(tiles[0].shape[:2]))
    gif = [
        Image.fromarray((255 * tile.repeat(scale, 0).repeat(scale, 1)).round().astype("uint8"))
        for tile in tiles
    ]
    path = out / "clips.gif"
    gif[0].save(path, save_all=True, append_images=gif[1:], duration=150, loop=0)
    return [*files, path]


def write_text_to_image(G: nn.Module, n: int, out: Path) -> list[Path]:
    """A PNG grid of one image per test caption (held-out phrasings) and the captions, in
    reading order, in ``captions.txt``. A bare generator (from a checkpoint) reads the
    sentence vectors of the shipped caption model, the one its recipe trains on."""
    from ..applications.captions import requests
    from ..applications.text_to_image import TextToImage, generate, load_text_to_image

    model = G if isinstance(G, TextToImage) else load_text_to_image()[0]
    _, texts = requests(n, seed=0)
    images = generate(model.G if G is model else G, model.embed(texts, unknown="ignore"), seed=0)
    files = save_png(images, out / "samples.png")
    path = out / "captions.txt"
    path.write_text("".join(f"{i + 1}: {text}\n" for i, text in enumerate(texts)))
    return [*files, path]


def write_text_to_music(G: nn.Module, n: int, out: Path) -> list[Path]:
    """One MIDI file per description (mode, pace and register in turn, training phrasing 0),
    named after it."""
    import numpy as np

    from ..music import describe as T
    from ..music.midi import write_midi
    from ..music.training import sample_grids

    i = np.arange(n)
    asked = T.Attributes(i % 2, (i // 2) % 3, (i // 6) % 3)
    texts = T.describe_windows(asked, 0)
    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(0))
    pitch, onset = sample_grids(G, n, T.encode_requests(T.description_vocab(), asked, 0), z=z)
    return [
        write_midi(p, o, out / f"{k:03d}_{'_'.join(text.split())}.mid")
        for k, (p, o, text) in enumerate(zip(pitch, onset, texts))
    ]
