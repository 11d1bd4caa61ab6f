"""What the shared Trainer costs per step, against a bare hand-written GAN loop on the same models.

The Trainer records history (reading its numbers from the device every ``sync_every`` steps:
every update on a CPU by default, every 25 steps on a GPU), checks them for NaN/Inf and keeps
an EMA generator. This measures that price side by side in one run, on a tiny MLP GAN (the
worst case: per-step overhead is largest relative to the maths) and a wider one. Modes are
interleaved round by round and each is summarised by its fastest round (other processes
only ever add time, so the minimum is the least disturbed estimate; medians are printed
too). It also counts host syncs per step (``Tensor.item``/``tolist`` calls made
by ganbook itself).
Run: .venv/bin/python bench/trainer_overhead.py [--steps 100] [--rounds 15] [--device cpu]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from ganbook import Trainer, seed_everything
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.core.speed import count_host_syncs
from ganbook.foundations import ring_2d
from ganbook.image.bare_loop import bare_gan_loop

MODES = {  # name: (ema_decay, sync_every)
    "Trainer": (None, 1),
    "+EMA": (0.999, 1),
    "k=25": (None, 25),
    "k=25+EMA": (0.999, 25),
}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device: torch.device) -> float:
    """Seconds ``fn`` takes: this process's CPU time on a CPU (one thread, so other
    processes on a shared machine barely change it), wall time to a synchronised GPU."""
    clock = time.process_time if device.type == "cpu" else time.perf_counter
    sync(device)
    start = clock()
    fn()
    sync(device)
    return clock() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps per mode per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.set_num_threads(1)
    ring = ring_2d()
    names = ["bare", *MODES]
    clock = "process CPU" if device.type == "cpu" else "wall"
    print(f"device {device}, {args.rounds} rounds x {args.steps} steps; {clock} ms per step")
    print(f"{'model':<22}" + "".join(f"{n:>10}" for n in names))
    syncs = {}
    models = (("MLP 2x32, batch 64", 32, 64), ("MLP 2x256, batch 256", 256, 256))
    for label, hidden, batch in models:
        times: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(args.rounds):
            for name in names:
                seed_everything(0)
                G = MLPGenerator(2, 2, hidden=hidden).to(device)
                D = MLPDiscriminator(2, hidden=hidden).to(device)
                if name == "bare":
                    bare_gan_loop(G, D, ring.sample, 10, batch, device=device)  # warm-up
                    run = lambda: bare_gan_loop(  # noqa: E731
                        G, D, ring.sample, args.steps, batch, device=device)
                else:
                    ema, every = MODES[name]
                    tr = Trainer(G, D, ring.sample, batch_size=batch, device=device,
                                 ema_decay=ema, sync_every=every)
                    tr.fit(10, progress=False)  # warm-up (and the first step's shape checks)
                    run = lambda: tr.fit(10 + args.steps, progress=False)  # noqa: E731
                    if name not in syncs:
                        with count_host_syncs() as calls:
                            tr.fit(10 + 100, progress=False)
                        syncs[name] = len(calls) / 100
                        run = lambda: tr.fit(110 + args.steps, progress=False)  # noqa: E731
                times[name].append(timed(run, device) / args.steps)
        print(label)
        for summary, how in (("fastest", min), ("median", statistics.median)):
            ms = {n: how(t) * 1e3 for n, t in times.items()}
            print(f"{'  ' + summary + ' round':<22}" + "".join(f"{ms[n]:>8.3f}ms" for n in names))
            ratios = "".join(f"{ms[n] / ms['bare']:>9.2f}x" for n in names)
            print(f"{'    ratio to bare':<22}{ratios}")
    print(f"{'host syncs per step':<22}{'0':>10}" + "".join(f"{syncs[n]:>10.2f}" for n in MODES))


if __name__ == "__main__":
    main()
