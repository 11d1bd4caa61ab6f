"""One command line for every recipe: ``python -m ganbook train|sample ...``.

    python -m ganbook train dcgan --steps 2000             # checkpoint runs/dcgan.pt
    torchrun --nproc_per_node=2 -m ganbook train chorale   # the same on two processes
    python -m ganbook sample runs/dcgan.pt --out samples/  # a PNG grid (MIDI, text ...)
    python -m ganbook sample dcgan --out samples/          # from the shipped weights

The recipes come from the one registry, :mod:`ganbook.recipes`. ``train`` resumes from
``--checkpoint`` if the file exists; the checkpoint's config names the recipe and profile, so
``sample CHECKPOINT`` rebuilds it.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import torch

from .core import distributed
from .core.checkpoint import load_checkpoint
from .core.device import get_device
from .core.loop import check_positive
from .core.profiles import PROFILES, get_profile
from .core.speed import PRECISIONS
from .core.train import Trainer
from .recipes import RECIPES, build, generator_of


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
        f"{args.recipe} ({profile.name} profile, {loop.device}, "
        f"{torch.get_num_threads()} CPU thread(s)): step {loop.step} "
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
                   help="GAN recipes: bf16 or fp16 autocast (ganbook.core.speed)")
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
