"""What each speed option buys a DCGAN training step: fp32 against bf16 autocast, fp16 with
a loss scaler, channels_last, torch.compile and reading the records every step or every 25.

Every mode trains the same DCGAN (the image chapter's networks) from the same seed; modes
are interleaved round by round and summarised by their medians, so a busy machine slows
them alike. Made for a GPU (``--device cuda``); on a CPU it runs too, and there bf16/fp16
are emulated slowly: read CPU figures as a smoke test of the code path, not as advice.
Run: .venv/bin/python bench/gpu_step.py [--device cuda] [--resolution 32] [--no-compile]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from ganbook import Trainer, seed_everything
from ganbook.image.dcgan import DCGANDiscriminator, DCGANGenerator

MODES = {  # name: Trainer keyword arguments
    "fp32, read every step": {"sync_every": 1},
    "fp32": {},
    "bf16": {"precision": "bf16"},
    "fp16 + scaler": {"precision": "fp16"},
    "channels_last": {"channels_last": True},
    "compile": {"compile": True},
    "compile+bf16+NHWC": {"compile": True, "precision": "bf16", "channels_last": True},
}


def make_trainer(kwargs: dict, args: argparse.Namespace, device: torch.device) -> Trainer:
    seed_everything(0)
    size = args.resolution

    def sample(n: int) -> torch.Tensor:
        return torch.rand(n, 1, size, size, device=device) * 2 - 1

    return Trainer(
        DCGANGenerator(latent_dim=64, resolution=size, width=args.width),
        DCGANDiscriminator(resolution=size, width=args.width),
        sample,
        batch_size=args.batch,
        device=device,
        **kwargs,
    )


def timed_fit(trainer: Trainer, steps: int, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    trainer.fit(trainer.step + steps, progress=False)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--resolution", type=int, default=8, help="8 (digits), 28, 32, 64")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50, help="steps per mode per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-compile", action="store_true", help="skip the compiled modes")
    args = parser.parse_args()
    device = torch.device(args.device)
    modes = {k: v for k, v in MODES.items() if not (args.no_compile and v.get("compile"))}
    print(
        f"DCGAN {args.resolution}x{args.resolution}, width {args.width}, batch {args.batch} "
        f"on {device} (torch {torch.__version__}); {args.rounds} rounds x {args.steps} steps"
    )
    trainers, warmup = {}, {}
    for name, kwargs in modes.items():
        start = time.perf_counter()
        trainers[name] = make_trainer(kwargs, args, device)
        trainers[name].fit(5, progress=False)  # compiles, if it compiles
        warmup[name] = time.perf_counter() - start
    times: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.rounds):
        for name, trainer in trainers.items():
            times[name].append(timed_fit(trainer, args.steps, device))
    base = statistics.median(times["fp32"])
    print(f"{'mode':<24}{'ms/step':>10}{'speed-up':>10}{'warm-up s':>11}{'finite':>8}")
    for name, values in times.items():
        ms = statistics.median(values) * 1e3
        history = trainers[name].history
        finite = all(v == v and abs(v) != float("inf") for v in history["d_loss"])
        print(f"{name:<24}{ms:>10.2f}{base * 1e3 / ms:>9.2f}x{warmup[name]:>11.1f}{finite!s:>8}")


if __name__ == "__main__":
    main()
