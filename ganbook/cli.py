"""One command line for every recipe: ``python -m ganbook train|sample ...``.

    python -m ganbook train dcgan --steps 2000             # checkpoint runs/dcgan.pt
    torchrun --nproc_per_node=2 -m ganbook train chorale   # the same on two processes
    python -m ganbook sample runs/dcgan.pt --out samples/  # a PNG grid (MIDI, text ...)
    python -m ganbook sample dcgan --out samples/          # from the shipped weights

A recipe is a small function that builds a Trainer (or an MLETrainer) for a profile
(:mod:`ganbook.profiles`), the default number of steps per profile, and how to write samples
from its generator. ``train`` resumes from ``--checkpoint`` if the file exists; the
checkpoint's config names the recipe and profile, so ``sample CHECKPOINT`` rebuilds it.
Register a new recipe with :func:`register`.
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import nn

from . import distributed
from .checkpoint import load_checkpoint
from .device import get_device, seed_everything
from .loop import Callback, Loop, check_positive
from .profiles import PROFILES, Profile, get_profile
from .speed import PRECISIONS
from .train import Trainer

Writer = Callable[[nn.Module, int, Path], list[Path]]


@dataclass(frozen=True)
class Recipe:
    """How to build, train and sample one of the book's models.

    ``build(profile, device)`` returns a fresh Loop; ``steps`` the default step counts
    ``(test, cpu, gpu)``; ``write(G, n, out)`` writes ``n`` samples of a generator into the
    folder ``out``; ``shipped()`` loads the generator shipped in ``ganbook/weights`` (None:
    nothing is shipped); ``prepare(loop, profile)`` runs once before a fresh run's first step;
    ``schedule(steps)`` gives the callbacks of a run of ``steps`` in all (learning-rate decay).
    """

    name: str
    summary: str
    build: Callable[[Profile, torch.device], Loop]
    steps: tuple[int, int, int]
    write: Writer
    shipped: Callable[[], nn.Module] | None = None
    prepare: Callable[[Loop, Profile], None] | None = None
    schedule: Callable[[int], list[Callback]] | None = None


RECIPES: dict[str, Recipe] = {}


def register(recipe: Recipe) -> Recipe:
    """Add ``recipe`` to :data:`RECIPES` (the names ``train`` and ``sample`` accept)."""
    if not isinstance(recipe, Recipe):
        raise ValueError(f"recipe must be a ganbook.cli.Recipe, got {type(recipe).__name__}")
    RECIPES[recipe.name] = recipe
    return recipe


def generator_of(loop: Loop) -> nn.Module:
    """What samples come from: the EMA generator, else the generator, else the model."""
    for name in ("G_ema", "G", "model"):
        net = getattr(loop, name, None)
        if net is not None:
            return net
    raise ValueError(f"{type(loop).__name__} has no G_ema, G or model to sample from")


# -- writing samples ----------------------------------------------------------------------


def _save_png(images: torch.Tensor, path: Path, nrow: int | None = None) -> list[Path]:
    import matplotlib.pyplot as plt

    from .plots import image_grid

    grid = image_grid(images, nrow)
    scale = max(1, 512 // max(grid.shape[:2]))  # 8x8 digits: enlarge, nearest neighbour
    grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(path, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1)
    return [path]


def write_images(G: nn.Module, n: int, out: Path) -> list[Path]:
    """A PNG grid of ``n`` images; conditional generators get every class in turn."""
    from .image.selfcond import SelfConditionedGenerator
    from .utils import sample

    if isinstance(G, SelfConditionedGenerator):
        cond: tuple = (G.stratified_labels(n),)
    elif getattr(G, "n_classes", None):
        cond = (torch.arange(n) % G.n_classes,)
    else:
        cond = ()
    return _save_png(sample(G, n, *cond, seed=0), out / "samples.png")


def write_super_resolved(G: nn.Module, n: int, out: Path) -> list[Path]:
    """A PNG of held-out patches: bicubic, the network's output and the truth, one row each."""
    from .image.superres import SRPatches, bicubic, super_resolve

    lr, hr = SRPatches(32).test_set(n, seed=0)
    rows = torch.cat([bicubic(lr), super_resolve(G, lr), hr])
    return _save_png(rows, out / "samples.png", nrow=n)


def _music_writer(condition: str | None) -> Writer:
    def write(G: nn.Module, n: int, out: Path) -> list[Path]:
        """One 4-track MIDI file per sample (major and minor in turn, or held-out sopranos)."""
        from .music.corpus import load_chorales, windows
        from .music.midi import write_midi
        from .music.training import sample_grids, soprano_condition

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


def _text_writer(decode: Callable[[torch.Tensor], list[str]]) -> Writer:
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


def _token_ids(ids: torch.Tensor) -> list[str]:
    return [" ".join(str(t) for t in row.tolist()) for row in ids]


def _decode_names(ids: torch.Tensor) -> list[str]:
    return _names()[0].decode_batch(ids)


def write_clips(G: nn.Module, n: int, out: Path) -> list[Path]:
    """``n`` clips of a video generator: a PNG filmstrip (a row per clip, a column per frame)
    and an animated GIF of the clips side by side."""
    from PIL import Image

    from .plots import image_grid

    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        clips = G.eval()(z).cpu()  # (N, 1, T, H, W) in [-1, 1]
    frames = clips.shape[2]
    files = _save_png(clips.transpose(1, 2).flatten(0, 1), out / "clips.png", nrow=frames)
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
    from .image.captions import requests
    from .image.text2image import TextToImage, generate, load_text_to_image

    model = G if isinstance(G, TextToImage) else load_text_to_image()[0]
    _, texts = requests(n, seed=0)
    images = generate(model.G if G is model else G, model.embed(texts), seed=0)
    files = _save_png(images, out / "samples.png")
    path = out / "captions.txt"
    path.write_text("".join(f"{i + 1}: {text}\n" for i, text in enumerate(texts)))
    return [*files, path]


def write_text_to_music(G: nn.Module, n: int, out: Path) -> list[Path]:
    """One MIDI file per description (mode, pace and register in turn, training phrasing 0),
    named after it."""
    import numpy as np

    from .music import describe as T
    from .music.midi import write_midi
    from .music.training import sample_grids

    i = np.arange(n)
    asked = T.Attributes(i % 2, (i // 2) % 3, (i // 6) % 3)
    texts = T.describe_windows(asked, 0)
    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(0))
    pitch, onset = sample_grids(G, n, T.encode_requests(T.description_vocab(), asked, 0), z=z)
    return [
        write_midi(p, o, out / f"{k:03d}_{'_'.join(text.split())}.mid")
        for k, (p, o, text) in enumerate(zip(pitch, onset, texts))
    ]


# -- the recipes ---------------------------------------------------------------------------


def _image_recipe(conditioning: str | None) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """bench/image_pretrain.py's recipe: hinge loss + spectral norm, TTUR, batch 64."""
        from .data import TensorSampler
        from .image.data import load_digits
        from .image.recipes import HINGE_SN, image_gan, self_conditioned_gan
        from .train import Trainer

        x, y = load_digits("train")
        if conditioning == "clusters":
            G, D, ids = self_conditioned_gan(x, 20, spectral_norm=True)
            sampler = TensorSampler(x, ids)
        elif conditioning == "labels":
            G, D = image_gan(spectral_norm=True, n_classes=10)
            sampler = TensorSampler(x, y)
        else:
            G, D = image_gan(spectral_norm=True)
            sampler = TensorSampler(x)
        return Trainer(G, D, sampler, batch_size=64, device=device, **HINGE_SN)

    return build


def _shipped_image(name: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from .image.recipes import load_generator

        return load_generator(name)[0]

    return load


def _chorale_recipe(condition: str | None) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """The chorale chapters' WGAN-GP (ganbook.music.training.make_trainer)."""
        from .music.corpus import load_chorales, windows
        from .music.training import make_trainer

        train = windows(load_chorales(progress=False), "train")
        return make_trainer(train, condition, device=device)

    return build


def _voiced_chorale(profile: Profile, device: torch.device) -> Loop:
    """bench/music_train.py --voiced: the chorale chapter's voice-leading stage, from the
    shipped chorale GAN (ganbook.music.training.make_voiced_trainer)."""
    from .music.corpus import load_chorales, windows
    from .music.training import load_chorale_generator, make_voiced_trainer

    train = windows(load_chorales(progress=False), "train")
    return make_voiced_trainer(train, load_chorale_generator("music_chorale_gan")[0], device=device)


def _shipped_chorale(name: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from .music.training import load_chorale_generator

        return load_chorale_generator(name)[0]

    return load


def _oracle_mle(profile: Profile, device: torch.device) -> Loop:
    """bench/text_train_weights.py's MLE on the small oracle (vocabulary 100, length 20)."""
    from .text import LSTMGenerator, MLETrainer, OracleBenchmark

    bench = OracleBenchmark()
    model = LSTMGenerator(bench.vocab_size, bench.seq_len, 32, 32)
    return MLETrainer(model, bench.train, batch_size=64, lr=1e-2, device=device)


NAMES_LEN = 12  # as bench/text_train_weights.py: names of at most 11 letters, plus the end


def _names():
    """The names LM's vocabulary and training ids (bench/text_train_weights.py's split)."""
    from .text import Vocab
    from .text.data import load_names, split

    train, held = split(load_names(max_len=NAMES_LEN - 1), 0.1, seed=0)
    vocab = Vocab.from_texts(train + held)
    return vocab, vocab.encode_batch(train, NAMES_LEN)


def _names_lm(profile: Profile, device: torch.device) -> Loop:
    """The character-level names LSTM (hidden 64), lr 3e-3."""
    from .text import LSTMGenerator, MLETrainer

    vocab, data = _names()
    model = LSTMGenerator(len(vocab), NAMES_LEN, 32, 64)
    return MLETrainer(model, data, batch_size=64, lr=3e-3, device=device)


def _shipped_lm(name: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from .text import load_lm

        return load_lm(name)[0]

    return load


def _seqgan(profile: Profile, device: torch.device) -> Loop:
    """The SeqGAN chapter's trainer, starting from the shipped MLE generator."""
    from .data import TensorSampler
    from .text import CNNDiscriminator, OracleBenchmark, SeqGANTrainer, load_lm

    bench = OracleBenchmark()
    G = copy.deepcopy(load_lm("text_oracle_mle")[0]).train()
    D = CNNDiscriminator(bench.vocab_size, emb_dim=32, widths=(2, 3, 4, 5), filters=32)
    return SeqGANTrainer(
        G,
        D,
        TensorSampler(bench.train),
        n_rollouts=profile.pick(test=4, cpu=8, gpu=16),
        rollout_update=0.8,
        baseline=True,
        batch_size=64,
        d_steps=profile.pick(test=3, cpu=10, gpu=10),
        lr_g=3e-3,
        lr_d=1e-3,
        device=device,
    )


def _pretrain_critic(loop: Loop, profile: Profile) -> None:
    loop.pretrain_discriminator(profile.pick(test=20, cpu=2000, gpu=2000))


@contextmanager
def _default_device(device: torch.device) -> Iterator[None]:
    """``$GANBOOK_DEVICE`` set to ``device`` meanwhile (for builders without a device argument)."""
    before = os.environ.get("GANBOOK_DEVICE")
    os.environ["GANBOOK_DEVICE"] = str(device)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GANBOOK_DEVICE", None)
        else:
            os.environ["GANBOOK_DEVICE"] = before


def _superres(adv_weight: float) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """The super-resolution chapter: the L1 SRResNet, or SRGAN fine-tuning from it."""
        from .image.superres import SRPatches, SRResNet, load_l1_network, sr_trainer

        if adv_weight == 0:
            G = SRResNet(channels=3, width=32, blocks=4, factor=4)
            with _default_device(device):
                return sr_trainer(G, SRPatches(32), adv_weight=0.0)
        G = copy.deepcopy(load_l1_network()[0]).train()
        with _default_device(device):
            return sr_trainer(G, SRPatches(32), adv_weight=adv_weight, lr_g=2e-4)

    return build


def _shipped_superres() -> nn.Module:
    from .image.superres import load_l1_network

    return load_l1_network()[0]


def _mocogan(arm: str) -> Callable[[Profile, torch.device], Loop]:
    def build(profile: Profile, device: torch.device) -> Loop:
        """The video chapter's arm ``arm`` with its RECIPE (as ganbook.video.arms.train_arm)."""
        from .video.arms import ARMS, RECIPE, mocogan
        from .video.data import BouncingDigits

        r = {k: v for k, v in RECIPE.items() if k != "steps"}
        data = BouncingDigits("train", r["size"], r["frames"])
        return mocogan(data, **ARMS[arm], **r, device=device)

    return build


def _linear_decay(steps: int) -> list[Callback]:
    """train_arm's schedule: both learning rates decay linearly to 0 over the second half."""
    from .image.recipes import LinearDecay

    return [(1, LinearDecay(steps // 2, steps))] if steps > 1 else []


def _shipped_arm(arm: str) -> Callable[[], nn.Module]:
    def load() -> nn.Module:
        from .video.arms import load_arm

        return load_arm(arm)[0]

    return load


def _text2image(profile: Profile, device: torch.device) -> Loop:
    """GAN-INT-CLS at bench/app_text2image.py's sizes, on the sentence vectors of the shipped
    frozen caption model (pre-training the encoder is a separate Loop, done once there)."""
    from .image.captions import CaptionedDigits
    from .image.text2image import CaptionVectors, load_text_to_image, text2image_trainer

    data, shipped = CaptionedDigits(), load_text_to_image()[0]
    if data.vocab.itos != shipped.vocab.itos:
        raise ValueError("the shipped caption model's vocabulary is not the captions' own")
    return text2image_trainer(CaptionVectors(data, shipped.captions), 32, 32, device=device)


def _shipped_text2image() -> nn.Module:
    from .image.text2image import load_text_to_image

    return load_text_to_image()[0]


def _text2music(profile: Profile, device: torch.device) -> Loop:
    """bench/app_text2music.py's chorale WGAN-GP conditioned on descriptions."""
    from .music import describe as T
    from .music.corpus import load_chorales, windows
    from .music.training import make_trainer

    train = windows(load_chorales(progress=False), "train")
    vocab = T.description_vocab()
    return make_trainer(train, "text", T.text_sampler(train, vocab), vocab_size=len(vocab),
                        ema_decay=0.995, device=device)


def _start_from_chorale_gan(loop: Loop, profile: Profile) -> None:
    """As bench/app_text2music.py: the generator starts from the shipped unconditional one."""
    from .music.training import load_chorale_generator, start_from

    start_from(loop.G, load_chorale_generator("music_chorale_gan")[0].to(loop.device))
    loop.G_ema.load_state_dict(loop.G.state_dict())


def _shipped_text2music() -> nn.Module:
    from .music.training import load_text_generator

    return load_text_generator("app_text2music")[0]


# SinGAN (ganbook.image.singan.train_singan) is not a recipe: it trains one Trainer per
# scale, each built from the coarser scales' results (noise amplitude from their
# reconstruction error, weights copied up), so a run is a sequence of Loops and no single
# checkpoint resumes it; its coarsest scale alone is a blurry thumbnail, not the chapter's
# model. bench/app_singan.py trains (and resumes, scale by scale) the shipped pyramids.


for _recipe in (
    Recipe(
        "dcgan",
        "unconditional DCGAN on 8x8 digits (hinge + spectral norm)",
        _image_recipe(None),
        (20, 2000, 20000),
        write_images,
        _shipped_image("image_dcgan_digits"),
    ),
    Recipe(
        "cgan",
        "class-conditional DCGAN on the digits (projection D)",
        _image_recipe("labels"),
        (20, 2000, 20000),
        write_images,
        _shipped_image("image_cgan_digits"),
    ),
    Recipe(
        "scgan",
        "self-conditioned DCGAN (20 k-means clusters, no labels)",
        _image_recipe("clusters"),
        (20, 2000, 30000),
        write_images,
        _shipped_image("image_scgan_digits"),
    ),
    Recipe(
        "chorale",
        "4-voice chorale WGAN-GP (MIDI samples)",
        _chorale_recipe(None),
        (20, 500, 3000),
        _music_writer(None),
        _shipped_chorale("music_chorale_gan"),
    ),
    Recipe(
        "chorale-mode",
        "chorale GAN conditioned on major/minor",
        _chorale_recipe("mode"),
        (20, 500, 3000),
        _music_writer("mode"),
        _shipped_chorale("music_chorale_mode"),
    ),
    Recipe(
        "chorale-soprano",
        "chorale GAN that harmonises a given soprano",
        _chorale_recipe("soprano"),
        (20, 500, 3000),
        _music_writer("soprano"),
        _shipped_chorale("music_chorale_soprano"),
    ),
    Recipe(
        "chorale-voiced",
        "the chorale GAN taught voice leading (from the chorale GAN)",
        _voiced_chorale,
        (20, 1000, 1000),
        _music_writer(None),
        _shipped_chorale("music_chorale_voiced"),
    ),
    Recipe(
        "oracle-mle",
        "LSTM by maximum likelihood on the SeqGAN oracle (vocabulary 100)",
        _oracle_mle,
        (20, 3000, 3000),
        _text_writer(_token_ids),
        _shipped_lm("text_oracle_mle"),
    ),
    Recipe(
        "names-lm",
        "character-level LSTM on US first names (MLE)",
        _names_lm,
        (20, 1500, 1500),
        _text_writer(_decode_names),
        _shipped_lm("text_names_lm"),
    ),
    Recipe(
        "seqgan",
        "SeqGAN (policy gradient, rollouts) from the shipped oracle MLE model",
        _seqgan,
        (4, 200, 300),
        _text_writer(_token_ids),
        None,
        _pretrain_critic,
    ),
    Recipe(
        "superres-l1",
        "4x super-resolution network trained on L1 alone",
        _superres(0.0),
        (20, 1000, 6000),
        write_super_resolved,
        _shipped_superres,
    ),
    Recipe(
        "srgan",
        "SRGAN fine-tuning of the shipped L1 network (adversarial weight 0.2)",
        _superres(0.2),
        (20, 300, 3000),
        write_super_resolved,
    ),
    Recipe(
        "mocogan",
        "MoCoGAN: clips of bouncing digits, from content and motion codes",
        _mocogan("MoCoGAN"),
        (20, 1800, 14400),
        write_clips,
        _shipped_arm("MoCoGAN"),
        schedule=_linear_decay,
    ),
    Recipe(
        "mocogan-no-video-d",
        "MoCoGAN's ablation without the video discriminator",
        _mocogan("no video D"),
        (20, 1800, 14400),
        write_clips,
        _shipped_arm("no video D"),
        schedule=_linear_decay,
    ),
    Recipe(
        "per-frame",
        "the per-frame image GAN baseline (a fresh code for every frame)",
        _mocogan("per-frame image GAN"),
        (20, 1800, 14400),
        write_clips,
        _shipped_arm("per-frame image GAN"),
        schedule=_linear_decay,
    ),
    Recipe(
        "mocogan-sprite",
        "MoCoGAN whose content code draws a sprite the motion codes move",
        _mocogan("sprite MoCoGAN"),
        (20, 1800, 14400),
        write_clips,
        _shipped_arm("sprite MoCoGAN"),
        schedule=_linear_decay,
    ),
    Recipe(
        "text2image",
        "GAN-INT-CLS: captioned digits on the shipped caption encoder",
        _text2image,
        (20, 4000, 4000),
        write_text_to_image,
        _shipped_text2image,
    ),
    Recipe(
        "text2music",
        "chorale GAN conditioned on a description (from the chorale GAN)",
        _text2music,
        (20, 2000, 2000),
        write_text_to_music,
        _shipped_text2music,
        _start_from_chorale_gan,
    ),
):
    register(_recipe)


# -- the commands --------------------------------------------------------------------------


def _tag(loop: Loop, recipe: str, profile: str) -> Loop:
    """Record the recipe and profile in the loop's config, hence in every checkpoint it
    writes (a resume under another recipe or profile is refused by name)."""
    settings = loop.config
    # recipe first: a resume under another recipe is refused for that reason, not a detail
    loop.config = lambda: {"recipe": recipe, "profile": profile, **settings()}  # type: ignore
    return loop


def build(name: str, profile: Profile, device: torch.device, seed: int = 0) -> Loop:
    """A fresh, seeded Loop for recipe ``name`` at ``profile``, tagged with both."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; recipes: {', '.join(RECIPES)}")
    seed_everything(seed)
    return _tag(RECIPES[name].build(profile, device), name, profile.name)


def _say(*args: Any) -> None:
    if distributed.is_main():
        print(*args, flush=True)


def last_record(history: dict[str, list[float]]) -> dict[str, float]:
    """The last step's numbers, rounded, without the step and time and without entries the
    run never writes (a history key such as ``gp`` that holds NaN for a loss without it)."""
    return {
        k: round(v[-1], 4)
        for k, v in history.items()
        if k not in ("step", "seconds") and v and not math.isnan(v[-1])
    }


def train_command(args: argparse.Namespace) -> int:
    profile = get_profile(args.profile)
    recipe = RECIPES[args.recipe]
    device = get_device(args.device)
    loop = build(args.recipe, profile, device, args.seed)
    speed = (args.precision, args.compile, args.channels_last)
    if speed != ("fp32", False, False):
        if not isinstance(loop, Trainer):
            raise ValueError(
                f"--precision, --compile and --channels-last apply to GAN recipes; "
                f"{args.recipe!r} trains a {type(loop).__name__}"
            )
        loop.set_speed(*speed)
    path = Path(args.checkpoint or Path("runs") / f"{args.recipe}.pt")
    loop.checkpoint_path = path
    steps = args.steps or profile.pick(*recipe.steps)
    if loop.resume(path):
        if loop.step >= steps:
            _say(
                f"{path} is already at step {loop.step}: --steps is the total number of steps "
                f"({steps}), not how many more, so there is nothing left to do; pass "
                f"--steps {loop.step + steps} to train {steps} more"
            )
            return 0
        _say(f"resumed {path} at step {loop.step}; training to step {steps} (--steps is a total)")
    elif recipe.prepare is not None:
        recipe.prepare(loop, profile)
    start = time.perf_counter()
    callbacks = recipe.schedule(steps) if recipe.schedule is not None else []
    try:
        history = loop.fit(steps, callbacks=callbacks, progress=not args.quiet)
    except KeyboardInterrupt:
        return 130  # the loop has said at which step, and where the checkpoint is
    last = last_record(history)
    _say(
        f"{args.recipe} ({profile.name} profile, {loop.device}): step {loop.step} "
        f"after {time.perf_counter() - start:.1f} s; last record {last}\n"
        f"checkpoint {path}; samples: python -m ganbook sample {path} --out samples/"
    )
    return 0


def sample_command(args: argparse.Namespace) -> int:
    source = args.source
    if source in RECIPES:
        recipe = RECIPES[source]
        if recipe.shipped is None:
            raise ValueError(
                f"recipe {source!r} ships no weights; train it first "
                f"(python -m ganbook train {source}) and sample its checkpoint"
            )
        G = recipe.shipped()
        what = f"the shipped {source} weights"
    elif Path(source).is_file():
        state = load_checkpoint(source)
        config = state.get("config", {})
        if config.get("recipe") not in RECIPES:
            raise ValueError(
                f"{source} was not written by 'python -m ganbook train' (no known recipe in "
                f"its config); recipes: {', '.join(RECIPES)}"
            )
        recipe = RECIPES[config["recipe"]]
        if config.get("profile") not in PROFILES:
            raise ValueError(
                f"{source}'s config names no known profile ({', '.join(PROFILES)}), got "
                f"{config.get('profile')!r}"
            )
        loop = build(recipe.name, get_profile(config["profile"]), get_device(args.device))
        loop.load_state_dict(state)
        G = generator_of(loop)
        what = f"{source} (step {loop.step})"
    else:
        raise ValueError(
            f"{source!r} is neither a recipe ({', '.join(RECIPES)}) nor a checkpoint file"
        )
    files = recipe.write(G.cpu().eval(), args.n, Path(args.out))  # small models: CPU is enough
    print(
        f"{len(files)} file(s) from {what} in {args.out}: {', '.join(f.name for f in files[:4])}"
        + (" ..." if len(files) > 4 else "")
    )
    return 0


def _positive(text: str) -> int:
    try:
        return check_positive("value", int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive int, got {text!r}") from None


NO_WEIGHTS = "(no shipped weights: train it before sampling)"


def _listing() -> str:
    """The recipes, one a line, noting those that ship no weights (``sample NAME`` needs them)."""
    lines = ["recipes (each ships trained weights for 'sample RECIPE' unless noted):"]
    for r in RECIPES.values():
        lines.append(f"  {r.name:<16} {r.summary}" if len(r.name) <= 16
                     else f"  {r.name}\n{'':19}{r.summary}")
        if r.shipped is None:
            lines.append(f"{'':19}{NO_WEIGHTS}")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    recipes = _listing()
    top = argparse.ArgumentParser(
        prog="python -m ganbook",
        description="Train the book's recipes and sample from them (also under torchrun).",
        epilog=recipes,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="{train,sample}")
    t = commands.add_parser(
        "train",
        help="train a recipe (resumes from --checkpoint if it exists)",
        epilog=recipes,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("recipe", choices=list(RECIPES), metavar="RECIPE", help="one of the recipes")
    t.add_argument("--steps", type=_positive, help="total steps, a resumed checkpoint's included "
                   "(default: the profile's)")
    t.add_argument("--checkpoint", help="resume from / save to this file (runs/RECIPE.pt)")
    t.add_argument("--profile", choices=list(PROFILES),
                   help="scale (default: $GANBOOK_PROFILE; if unset, detected: gpu if "
                   "CUDA works, else cpu)")
    t.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best there is)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument("--precision", choices=list(PRECISIONS), default="fp32",
                   help="GAN recipes: bf16 or fp16 autocast (ganbook.speed)")
    t.add_argument("--compile", action="store_true", help="GAN recipes: torch.compile G and D")
    t.add_argument("--channels-last", action="store_true",
                   help="GAN recipes: NHWC memory order for conv nets")
    s = commands.add_parser(
        "sample",
        help="write samples of a recipe's shipped weights or of a checkpoint",
        epilog=recipes,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("source", metavar="RECIPE|CHECKPOINT")
    s.add_argument("--out", required=True, help="folder for the PNG, MIDI or text files")
    s.add_argument("--n", type=_positive, default=16, help="how many samples (16)")
    s.add_argument("--device", help="where to rebuild a checkpoint's networks")
    return top


def _one_line(err: BaseException) -> str:
    """``err``'s message on one line; the exception's name first unless it is a ValueError
    (whose messages here say what was wrong): ``PermissionError: [Errno 13] ...``."""
    text = " ".join(str(err).split())
    return text if type(err) is ValueError else f"{type(err).__name__}: {text}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Errors a user can act on (bad input, files that cannot be read or written, a run that
    diverged) are one line on stderr, no traceback: status 2 for bad input, 1 otherwise.
    Ctrl-C is status 130 (the loop has already said where its checkpoint is).
    """
    args = parser().parse_args(argv)
    command = f"python -m ganbook {args.command}"
    try:
        return train_command(args) if args.command == "train" else sample_command(args)
    except KeyboardInterrupt:
        print(f"{command}: interrupted before training started; nothing saved", file=sys.stderr)
        return 130
    except (ValueError, KeyError, OSError, FloatingPointError) as err:
        print(f"{command}: error: {_one_line(err)}", file=sys.stderr)
        return 1 if isinstance(err, FloatingPointError) else 2
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()  # a torchrun run ends cleanly
