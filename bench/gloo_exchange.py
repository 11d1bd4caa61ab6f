"""How long one sum over two CPU processes takes with gloo, three ways, for the sizes of the
book's DCGAN gradients: all-reduce, all-gather then add, and a send/receive pair then add
(what :meth:`ganbook.core.distributed.World._all_sum` uses for two ranks).

    python bench/gloo_exchange.py            # starts 2 processes itself (torchrun)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

SIZES = (10, 35_000, 55_000)  # a record; the DCGAN recipe's D and G gradients
CALLS = 500


def worker() -> None:
    import torch
    import torch.distributed as dist

    from ganbook.core.distributed import World

    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    world = World(rank, 2, torch.device("cpu"))
    for n in SIZES:
        x = torch.randn(n)
        copies = [torch.empty_like(x) for _ in range(2)]

        def gather_and_add() -> None:
            dist.all_gather(copies, x)
            copies[0] + copies[1]

        ways = {
            "all_reduce": lambda: dist.all_reduce(x.clone()),
            "all_gather": gather_and_add,
            "send/receive": lambda: world._all_sum(x),  # the library's own two-rank sum
        }
        times = {}
        for _ in range(2):  # twice, interleaved: the lower of each is kept
            for name, call in ways.items():
                for _ in range(20):
                    call()
                dist.barrier()
                start = time.perf_counter()
                for _ in range(CALLS):
                    call()
                ms = (time.perf_counter() - start) / CALLS * 1e3
                times[name] = min(ms, times.get(name, ms))
        if rank == 0:
            print(f"{n:>7,} floats: " + ", ".join(f"{k} {v:.3f} ms" for k, v in times.items()),
                  flush=True)
    dist.destroy_process_group()


def main() -> int:
    if "--worker" in sys.argv:
        worker()
        return 0
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           __file__, "--worker"]
    return subprocess.run(cmd, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
