"""The one loop on several processes: ``torchrun --nproc_per_node=N`` and torch.distributed.

:class:`ganbook.core.loop.Loop` calls :func:`setup` when it is built. With ``WORLD_SIZE`` unset or
1 (and no process group already initialised) it returns None and nothing changes: every
single-process run stays bit for bit what it was. Otherwise it initialises the process group
from the environment ``torchrun`` sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT), NCCL
on CUDA (one GPU per process, ``cuda:LOCAL_RANK``) and gloo on the CPU, and returns a
:class:`World` that the loop uses for five things:

* **Gradients.** G and D stay plain modules: no DistributedDataParallel. Between backward and
  clipping, :func:`ganbook.core.loop.update` (the library's only optimizer step) averages the
  gradients of the optimizer's parameters over the ranks, in one flattened sum
  (:meth:`World.average_gradients`), as stylegan2-ada does. Why not DDP: its reducer fires
  hooks on the first backward and does not support the double backward of a gradient
  penalty (pytorch/pytorch #47562, #63812, #63929); it also expects one forward per backward,
  and a GAN step calls D on reals, fakes and interpolates and backpropagates the generator's
  loss through D's parameters, which no optimizer of that step updates. Averaging where the
  optimizer steps handles all of it, for every Trainer subclass (SeqGAN, MLE, CycleGAN, ...),
  and leaves state_dict keys of checkpoints and shipped weights unchanged.
* **Same start.** At the first :meth:`~ganbook.core.loop.Loop.fit`, parameters and buffers of the
  loop's modules (with the EMA generator) are broadcast from rank 0, so ranks start equal.
* **Batch-norm buffers.** Running statistics are per rank (each sees its own batch); whenever
  the loop reads its records they are set to rank 0's, so the ranks' networks are identical
  wherever anything looks at them (callbacks, checkpoints, the end of ``fit``). Training
  mode does not use them, and a spectral norm's power iteration, the other buffer a step
  changes, gives every rank the same vector from the same weights. This rides in the sum of
  the records, so a step costs one collective per optimizer update (two for a GAN step: D's
  gradients, then G's), and every ``sync_every`` steps one more for the records and buffers.
  (For statistics over the global batch, convert the networks with
  ``torch.nn.SyncBatchNorm.convert_sync_batchnorm`` before building the Trainer.)
* **Data streams.** Each rank reseeds Python, NumPy and torch with ``base + rank`` (``base``
  drawn on rank 0), so ``sample_real`` and the noise differ per rank: with per-rank batch B,
  N ranks train on a batch of N*B. Checkpoints keep every rank's RNG state (rank 0 gathers
  them), and a resume with the same number of ranks restores each rank's own stream. A
  resume on another number of processes (a 2-rank checkpoint on 1, say) goes on and prints
  what changes: the global batch, and the streams (rank 0's continues on 1 process; on
  several, fresh ones are derived from it); every checkpoint records its ``world_size``.
* **One record.** Each step's record is averaged over the ranks (a mean of per-rank means is
  the mean over the global batch), all the steps since the last read in one sum, so every
  rank keeps the same history. A Ctrl-C or a timed checkpoint is acted on at that read
  (every ``sync_every`` steps, and at every callback), by every rank at the same step; a
  NaN stops every rank at once (its flag rides with the gradients). A second Ctrl-C stops
  a rank at once and alone: it saves nothing, and the last checkpoint stays. Rank 0 alone writes
  checkpoints and shows the progress bar. Callbacks run on every rank, because some change
  training state (:class:`ganbook.core.callbacks.LinearDecay` sets learning rates) that must
  stay equal; on ranks other than 0 their printing is silenced. A callback that writes files
  should check :func:`is_main`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor, nn

from .checkpoint import get_rng_state

__all__ = ["World", "is_main", "setup"]


def _env_world_size() -> int:
    value = os.environ.get("WORLD_SIZE", "1")
    try:
        size = int(value)
    except ValueError:
        raise ValueError(f"WORLD_SIZE must be a positive int, got {value!r}") from None
    if size < 1:
        raise ValueError(f"WORLD_SIZE must be a positive int, got {value!r}")
    return size


def setup(device: torch.device) -> tuple[torch.device, World | None]:
    """``(device, World)`` for a distributed run, ``(device, None)`` for a single process.

    Initialises the process group from the environment when ``WORLD_SIZE > 1`` and none
    exists yet (NCCL for a CUDA ``device``, gloo otherwise); reuses one that exists. On CUDA
    each process gets ``cuda:LOCAL_RANK``.
    """
    if not dist.is_available():
        return device, None
    if not dist.is_initialized() and _env_world_size() == 1:
        return device, None
    if device.type == "cuda":  # before the process group, so NCCL binds the right GPU
        local = int(os.environ.get("LOCAL_RANK", 0)) % torch.cuda.device_count()
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if dist.get_world_size() == 1:
        return device, None
    return device, World(dist.get_rank(), dist.get_world_size(), device)


def is_main() -> bool:
    """True on rank 0 of a distributed run, and always in a single process."""
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


@dataclass(frozen=True)
class World:
    """This process's place in the process group, and the collectives the loop needs."""

    rank: int
    size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def _comm_device(self) -> torch.device:
        # NCCL moves CUDA tensors only; gloo moves CPU tensors.
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")

    def _all_sum(self, flat: Tensor) -> Tensor:
        """``flat`` summed over the ranks, the same on every rank. On gloo (the CPU) with two
        ranks, each sends its copy to the other and adds (addition commutes, so both hold the
        same bits): 0.3-0.4 ms for a DCGAN's gradients against 0.5-1.0 ms for gloo's
        all-gather and add, and 0.6-1.2 ms for its all-reduce, on a busy 2-core machine
        (bench/gloo_exchange.py, most runs). Otherwise (NCCL, or more ranks) the all-reduce."""
        if dist.get_backend() == "nccl" or self.size != 2:
            dist.all_reduce(flat)
            return flat
        other = torch.empty_like(flat)
        peer = 1 - self.rank
        ops = [dist.P2POp(dist.isend, flat, peer), dist.P2POp(dist.irecv, other, peer)]
        for op in dist.batch_isend_irecv(ops):
            op.wait()
        return flat + other

    def average_gradients(self, parameters: Iterable[Tensor], ok: bool = True) -> bool:
        """Average the ``.grad`` of ``parameters`` over the ranks in place; True if all are ``ok``.

        One sum over the ranks of a flat buffer: every gradient (zeros where a rank has none), one
        presence flag per parameter and the ``ok`` flag. A parameter no rank has a gradient
        for keeps ``grad=None`` (so Adam skips it, as in a single process).
        """
        params = [p for p in parameters if p.requires_grad]
        if not params:
            flag = torch.tensor([float(not ok)], device=self._comm_device())
            return self._all_sum(flag).item() == 0
        dtype = params[0].dtype
        for p in params[1:]:
            dtype = torch.promote_types(dtype, p.dtype)
        comm = self._comm_device()
        pieces = [
            (p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1).to(comm, dtype)
            for p in params
        ]
        present = [float(p.grad is not None) for p in params]
        flags = torch.tensor(present + [float(not ok)], device=comm, dtype=dtype)
        flat = self._all_sum(torch.cat(pieces + [flags]))
        flat[: -len(flags)] /= self.size
        summed = flat[-len(flags) :].tolist()  # one host sync for all the flags
        offset = 0
        for i, (p, piece) in enumerate(zip(params, pieces)):
            n = piece.numel()
            if summed[i] > 0:  # some rank has a gradient for p
                grad = flat[offset : offset + n].view_as(p).to(p.device, p.dtype)
                if p.grad is None:
                    p.grad = grad.clone()
                else:
                    p.grad.copy_(grad)
            offset += n
        return summed[-1] == 0

    def mean_records(
        self, records: Sequence[dict[str, float]], flags: Sequence[bool] = (),
        from_rank0: Sequence[Tensor] = (),
    ) -> tuple[list[dict[str, float]], list[bool]]:
        """``records`` (one per step) averaged over the ranks, each flag OR-ed over them, and
        the tensors of ``from_rank0`` (batch-norm buffers) set to rank 0's values: one sum
        over the ranks, however many steps it carries.

        Rank 0 adds its tensors' values and every other rank zeros, so the sum is rank 0's
        values (in float64: exact for float32 buffers and for counts below 2**53). Every rank
        must report the same steps, keys and tensors (the loop's steps do).
        """
        keys = [sorted(record) for record in records]
        values = [float(r[k]) for r, ks in zip(records, keys) for k in ks]
        values += [float(f) for f in flags]
        comm = self._comm_device()
        pieces = [torch.tensor(values, dtype=torch.float64, device=comm)]
        for t in from_rank0:
            pieces.append(t.detach().reshape(-1).to(comm, torch.float64) if self.rank == 0
                          else torch.zeros(t.numel(), dtype=torch.float64, device=comm))
        flat = self._all_sum(torch.cat(pieces))
        summed = flat[: len(values)].tolist()
        if self.rank != 0:
            offset = len(values)
            with torch.no_grad():
                for t in from_rank0:
                    t.copy_(flat[offset : offset + t.numel()].view_as(t))
                    offset += t.numel()
        means, offset = [], 0
        for record, ks in zip(records, keys):
            mean = {k: summed[offset + i] / self.size for i, k in enumerate(ks)}
            means.append({k: mean[k] for k in record})
            offset += len(ks)
        return means, [s > 0 for s in summed[offset:]]

    def broadcast(self, tensors: Iterable[Tensor]) -> None:
        """Copy rank 0's values of ``tensors`` to every rank (one broadcast per dtype)."""
        groups: dict[torch.dtype, list[Tensor]] = {}
        for t in tensors:
            groups.setdefault(t.dtype, []).append(t)
        comm = self._comm_device()
        for dtype, group in groups.items():
            flat = torch.cat([t.detach().reshape(-1).to(comm) for t in group])
            dist.broadcast(flat, 0)
            offset = 0
            with torch.no_grad():
                for t in group:
                    n = t.numel()
                    t.copy_(flat[offset : offset + n].view_as(t))
                    offset += n

    def broadcast_modules(self, modules: Iterable[nn.Module]) -> None:
        """Rank 0's parameters and buffers, on every rank."""
        tensors: list[Tensor] = []
        for m in modules:
            tensors.extend(m.parameters())
            tensors.extend(m.buffers())
        if tensors:
            self.broadcast(tensors)

    def seed_streams(self) -> None:
        """Reseed Python, NumPy and torch with ``base + rank``; ``base`` comes from rank 0's RNG."""
        base = torch.randint(0, 2**62, (1,), dtype=torch.int64)
        base = base.to(self._comm_device())
        dist.broadcast(base, 0)
        seed = int(base.item()) + self.rank
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)

    def gather_rng(self) -> list[dict[str, Any]]:
        """Every rank's RNG state (:func:`ganbook.core.checkpoint.get_rng_state`), rank order."""
        states: list[Any] = [None] * self.size
        dist.all_gather_object(states, get_rng_state())
        return states

    def barrier(self) -> None:
        if dist.get_backend() == "nccl":
            dist.barrier(device_ids=[self.device.index])
        else:
            dist.barrier()
