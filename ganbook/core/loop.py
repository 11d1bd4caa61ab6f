"""What every training run here shares, GAN or not: the step loop and its bookkeeping.

With a ``checkpoint_path``, a run writes a checkpoint every ``checkpoint_seconds`` (60 by
default: a kill loses at most a minute of training, for well under 1% of the time spent
writing; under torchrun, at the first read of the records after that minute, at most
``sync_every`` steps later), every ``checkpoint_every`` steps if set, on Ctrl-C and at the end.

:class:`Loop` owns the step counter, the history, the progress bar, callbacks, the NaN
guard, the optimizer update (zero_grad, backward, optional clipping, step) and checkpoints.
A subclass says what one step does (:meth:`Loop.train_step`) and which networks and
optimizers a checkpoint holds. :class:`ganbook.Trainer` (GANs) is one subclass;
:class:`ModelLoop` (one network, one optimizer, one objective) is the other, and under it
maximum likelihood, Coconet, flow matching, the PixelCNN and the fake detectors.

Ctrl-C is deferred to the end of the step in progress (under torchrun, to the next step at
which the ranks read their records together: at most ``sync_every`` steps), so the
checkpoint it writes holds the weights, optimizers and RNG of one step boundary and a
resumed run continues bit for bit.

One run writes a checkpoint at a time: ``fit`` holds the path's
:class:`~ganbook.core.files.WriterLock` until it ends, and a second run on the path (a second
``python -m ganbook train``, a notebook in two kernels) is refused with the first's pid. A
resume refuses other settings (:meth:`Loop.check_compatible`) except the learning rates,
which it applies and reports, as it reports a change in the number of processes.

Records (the numbers a step reports: losses, D(x), ...) are scalar tensors. Reading one
into Python (``.item()``) makes the host wait for the GPU, so the loop reads them all in
one go every ``sync_every`` steps (25), and always before callbacks, checkpoints and the
end of ``fit``; a NaN or inf stops the run there, naming the step it appeared at, before
any checkpoint could hold the damaged weights; the loop then goes back to its last
checkpoint, or, with none, is marked unusable if its weights hold a NaN (the error says
which), and ``save`` refuses non-finite weights. ``sync_every=1`` reads every update's
numbers before its optimizer step, so a NaN never reaches the weights at all; so does a
distributed run, whose ranks check each step's numbers before its update and average the
records when they are read. The speed options for a GPU
(mixed precision, compile, channels_last) are the Trainer's: see :mod:`ganbook.core.speed`.
"""

from __future__ import annotations

import math
import numbers
import os
import signal
import threading
import time
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import distributed
from .checkpoint import get_rng_state, load_checkpoint, save_checkpoint, set_rng_state
from .data import TensorSampler
from .device import get_device
from .files import FileInUseError, WriterLock, check_writable_path, remove_stale_temp_files
from .profiles import fit_step_cap, smoke_steps, starting_point

Callback = tuple[int, Callable[[Any], None]]


def check_positive(name: str, value: Any, integer: bool = True) -> Any:
    """Return ``value`` as an int (or, with ``integer=False``, a float) if it is positive.

    Any integer type counts (``np.int64(64)`` too, ``True`` not); with ``integer=False`` any
    real number that is finite. Otherwise raise ``ValueError`` naming ``name``.
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not 0 < value < math.inf:
        what = "a positive int" if integer else "a positive finite number"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value) if integer else float(value)


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number >= 0 (a weight: 0 turns a
    term off), else raise ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a number >= 0 (finite), got {value!r}")
    return float(value)


def check_positive_ints(**values: Any) -> None:
    """:func:`check_positive` for each keyword: ``check_positive_ints(width=w, depth=d)``."""
    for name, value in values.items():
        check_positive(name, value)


def read_records(records: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
    """``records`` (numbers or scalar tensors) as dicts of Python floats, with one host sync
    per device for all their tensors, not one per number.

    Each float is what ``.item()`` gives (stacking promotes dtypes, and float64 holds every
    float32, float16 and bfloat16 value exactly).
    """
    by_device: dict[torch.device, list[Tensor]] = {}
    for record in records:
        for value in record.values():
            if isinstance(value, Tensor):
                by_device.setdefault(value.device, []).append(value)
    read: dict[int, float] = {}
    with torch.no_grad():
        for tensors in by_device.values():
            flat = [t if t.dim() == 0 else t.reshape(()) for t in tensors]
            read.update(zip(map(id, tensors), torch.stack(flat).tolist()))
    return [
        {k: read[id(v)] if isinstance(v, Tensor) else float(v) for k, v in record.items()}
        for record in records
    ]


def to_floats(**values: Any) -> dict[str, float]:
    """One record's numbers or scalar tensors as Python floats, in one host sync."""
    return read_records([values])[0]


def first_nonfinite(state: Any, prefix: str = "") -> str | None:
    """The dotted name of the first floating-point tensor in ``state`` (nested dicts, lists
    and tuples, as a state_dict or a checkpoint) that holds a NaN or inf; None if there is
    none. One host sync for all the tensors."""
    named: list[tuple[str, Tensor]] = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Tensor):
            if value.is_floating_point() or value.is_complex():
                named.append((name, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{name}.{key}" if name else str(key))
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{name}.{i}" if name else str(i))

    walk(state, prefix)
    by_device: dict[torch.device, list[int]] = {}
    for i, (_, t) in enumerate(named):
        by_device.setdefault(t.device, []).append(i)
    ok = [True] * len(named)
    with torch.no_grad():
        for indices in by_device.values():
            # A NaN or inf makes the sum NaN or inf: a finite sum clears a tensor at a tenth
            # of isfinite's cost; a non-finite one (maybe an overflow) is checked exactly.
            sums = [_sum(named[i][1]).isfinite() for i in indices]
            for i, flag in zip(indices, torch.stack(sums).tolist()):
                ok[i] = flag or bool(named[i][1].isfinite().all())
    return next((name for (name, _), good in zip(named, ok) if not good), None)


def _sum(t: Tensor) -> Tensor:
    return t.sum(dtype=torch.float32) if t.dtype in (torch.float16, torch.bfloat16) else t.sum()


def update(
    optimizer: torch.optim.Optimizer,
    loss: Tensor,
    parameters: Iterable[Tensor] | None = None,
    clip: float | None = None,
    instrument: bool = False,
) -> None:
    """One optimizer update: clear gradients, backpropagate ``loss``, clip their norm, step.

    ``clip`` (a max gradient norm over ``parameters``) is off when None. Every update in
    ganbook goes through here, so the check harness
    (:func:`ganbook.core.profiles.starting_point`) can skip them all and keep every network
    where it started; ``instrument=True`` marks a network that measures others (a
    :class:`Loop` with :attr:`Loop.instrument` set), which trains even then.
    """
    _update(optimizer, loss, parameters, clip, instrument)


def _update(
    optimizer: torch.optim.Optimizer,
    loss: Tensor,
    parameters: Iterable[Tensor] | None,
    clip: float | None,
    instrument: bool = False,
    after_backward: Callable[[], None] | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> None:
    """:func:`update`, with ``after_backward()`` run between backward and clipping
    (where a distributed :class:`Loop` averages the gradients over its ranks) and an fp16
    loss ``scaler`` (:mod:`ganbook.core.speed`): it scales the loss, unscales the gradients before
    clipping, and skips the step when they overflowed."""
    if starting_point() and not instrument:
        return
    optimizer.zero_grad(set_to_none=True)
    (loss if scaler is None else scaler.scale(loss)).backward()
    if after_backward is not None:
        after_backward()
    if clip is not None:
        if scaler is not None:
            scaler.unscale_(optimizer)
        nn.utils.clip_grad_norm_(list(parameters or ()), clip)
    if scaler is None:
        optimizer.step()
    else:
        scaler.step(optimizer)
        scaler.update()


class Loop:
    """A resumable, interruptible training loop; subclasses define :meth:`train_step`."""

    history_keys: tuple[str, ...] = ("step", "seconds")
    progress_keys: tuple[str, ...] = ()  # record entries shown beside the progress bar
    description = "training"
    #: True for a network that measures others (the digit classifier, a two-sample
    #: classifier): it trains in full at the check harness's starting point too (only the
    #: smoke mode caps it) and always in one process, never as part of a distributed run.
    instrument = False

    def __init__(
        self,
        *,
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: float | None = 60.0,
        sync_every: int = 25,
    ) -> None:
        if (
            isinstance(checkpoint_every, bool)
            or not isinstance(checkpoint_every, int)
            or checkpoint_every < 0
        ):
            raise ValueError(f"checkpoint_every must be an int >= 0, got {checkpoint_every!r}")
        if checkpoint_seconds is not None and not (
            isinstance(checkpoint_seconds, (int, float)) and checkpoint_seconds > 0
        ):
            raise ValueError(
                f"checkpoint_seconds must be a positive number or None, got {checkpoint_seconds!r}"
            )
        if checkpoint_every and not checkpoint_path:
            raise ValueError(
                "checkpoint_every needs checkpoint_path=... (where to write the checkpoints)"
            )
        self.device = torch.device(device) if device is not None else get_device()
        # Under torchrun (WORLD_SIZE > 1): the process group, and cuda:LOCAL_RANK on GPUs.
        self.device, self.world = (
            (self.device, None) if self.instrument else distributed.setup(self.device)
        )
        self.sync_every = check_positive("sync_every", sync_every)
        # who built this run (``python -m ganbook`` puts the recipe and profile here): kept in
        # every checkpoint's config before the loop's own settings, and checked on resume
        self.labels: dict[str, Any] = {}
        self._joined = False  # distributed: ranks made equal and given their own RNG streams
        self._locks: dict[Path, WriterLock] = {}  # one writer per checkpoint (see _claim)
        self.checkpoint_path = checkpoint_path  # checked here, not at the first save
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.step = 0
        self.history: dict[str, list[float]] = {k: [] for k in self.history_keys}
        self._elapsed = 0.0
        self._interrupts = 0
        self._good: tuple[Path, int] | None = None  # the last checkpoint saved or loaded
        self._unusable: str | None = None  # why, after a NaN left no checkpoint to go back to

    @property
    def checkpoint_path(self) -> Path | None:
        """Where checkpoints go. Set (here or later) only to a path a file can be written to:
        a folder, or a folder without write permission, is a ``ValueError`` at once."""
        return self._checkpoint_path

    @checkpoint_path.setter
    def checkpoint_path(self, value: str | os.PathLike | None) -> None:
        self._checkpoint_path = check_writable_path("checkpoint_path", value) if value else None

    # -- what a subclass defines -----------------------------------------------------------

    def train_step(self) -> dict[str, float | Tensor]:
        """One step of training; returns the numbers to record."""
        raise NotImplementedError

    def networks(self) -> dict[str, nn.Module]:
        """The modules a checkpoint saves, by name."""
        return {}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """The optimizers a checkpoint saves, by name."""
        return {}

    def config(self) -> dict[str, Any]:
        """Settings worth keeping in the checkpoint (Python primitives only). A resume with
        other values is refused (:meth:`check_compatible`), except learning rates."""
        return {}

    def run_config(self) -> dict[str, Any]:
        """What a checkpoint records: :attr:`labels` (recipe, profile), then :meth:`config`."""
        return {**self.labels, **self.config()}

    def learning_rates(self) -> dict[str, torch.optim.Optimizer]:
        """The :meth:`config` keys that are learning rates given at construction, and their
        optimizer. A resume with another value applies it and says so (:meth:`load_state_dict`):
        lowering the learning rate is what the NaN guard advises."""
        return {}

    def scalers(self) -> dict[str, torch.amp.GradScaler]:
        """fp16 loss scalers a checkpoint saves, by optimizer name (none unless fp16)."""
        return {}

    # -- shared by every step --------------------------------------------------------------

    def update(
        self,
        optimizer: torch.optim.Optimizer,
        loss: Tensor,
        record: dict[str, Any],
        parameters: Iterable[Tensor] | None = None,
        clip: float | None = None,
        scaler: torch.amp.GradScaler | None = None,
    ) -> dict[str, Any]:
        """Check ``record`` is finite (before any weight changes), then :func:`update`.

        Returns ``record`` (its numbers as floats). With ``sync_every > 1`` the record is
        returned as it is (scalar tensors) and checked when :meth:`fit` next reads the
        records. In a distributed run the gradients of ``optimizer``'s parameters are
        averaged over the ranks before clipping, and the NaN guard stops every rank when any
        one sees a non-finite number (see :mod:`ganbook.core.distributed`).
        """
        if self.sync_every > 1 and self.world is None:
            _update(optimizer, loss, parameters, clip, self.instrument, scaler=scaler)
            return record
        record = to_floats(**record)
        if self.world is None or starting_point():
            self.check_finite(record)
            _update(optimizer, loss, parameters, clip, self.instrument, scaler=scaler)
            return record
        finite = all(math.isfinite(v) for v in record.values())
        params = [p for group in optimizer.param_groups for p in group["params"]]

        def average() -> None:
            if not self.world.average_gradients(params, ok=finite):
                try:
                    self.check_finite(record)  # names the number on the rank that saw it
                    raise FloatingPointError(
                        f"a recorded number became NaN or inf on another rank at step "
                        f"{self.step + 1}{self._describe()}"
                    )
                except FloatingPointError as err:
                    err.every_rank = True  # all ranks learnt it from this one sum
                    raise

        _update(optimizer, loss, parameters, clip, after_backward=average, scaler=scaler)
        return record

    def check_finite(self, record: dict[str, float], step: int | None = None) -> None:
        """Stop with a clear error (step and quantity named)
        when a recorded number is NaN or inf."""
        step = self.step + 1 if step is None else step
        for key, value in record.items():
            if not math.isfinite(value):
                later = self.step - step
                since = (
                    f" (found {later} step{'s' * (later != 1)} later, when the records were "
                    "read: resume from the last checkpoint, written before it)"
                    if later > 0
                    else ""
                )
                raise FloatingPointError(
                    f"{key} became {value} at step {step}{self._describe()}{since}; "
                    "try a lower learning rate, a different loss, or check the data for NaN"
                )

    def _describe(self) -> str:
        return ""

    # -- the loop --------------------------------------------------------------------------

    def fit(
        self, steps: int, callbacks: Sequence[Callback] = (), progress: bool = True
    ) -> dict[str, list[float]]:
        """Train until ``self.step == steps``
        (a total, so a resumed run continues where it stopped).

        ``callbacks`` is a list of ``(every, fn)``; ``fn(loop)`` runs after every ``every``-th
        step. Ctrl-C finishes the step in progress (under torchrun: runs to the ranks' next
        read of their records), saves a checkpoint (if a path was given) and raises
        ``KeyboardInterrupt``.

        Under torchrun every rank calls ``fit`` with the same arguments; each trains on its
        own batches, and they keep equal networks and one averaged history
        (:mod:`ganbook.core.distributed`).
        """
        check_positive("steps", steps)
        cap = smoke_steps() if self.instrument else fit_step_cap()
        if cap is not None:  # smoke mode or starting point: a few steps (ganbook.core.profiles)
            steps = min(steps, self.step + cap)
        if callable(callbacks) or isinstance(callbacks, (str, bytes)):
            raise ValueError(f"callbacks must be a list of (every, function), got {callbacks!r}")
        callbacks = list(callbacks)  # a generator is read once, here and in the loop alike
        for entry in callbacks:
            if not (isinstance(entry, (tuple, list)) and len(entry) == 2 and callable(entry[1])):
                raise ValueError(
                    f"each entry of callbacks must be a pair (every, function), such as "
                    f"(10, fn), got {entry!r}"
                )
            check_positive("callback interval", entry[0])
        if smoke_steps() is not None:  # smoke mode: every callback at each step
            callbacks = [(1, fn) for _, fn in callbacks]
        if self._unusable is not None:
            raise RuntimeError(self._unusable)
        # One writer per checkpoint: the run holds its path's lock until fit returns or fails
        # (the OS frees it if the process dies); a second run on the path is refused here.
        with self._claim(self.checkpoint_path, collective=True):
            return self._fit(steps, callbacks, progress, call_at_end=cap is not None)

    def _fit(
        self, steps: int, callbacks: Sequence[Callback], progress: bool,
        call_at_end: bool = False,
    ) -> dict[str, list[float]]:
        """The loop of :meth:`fit`; ``call_at_end`` runs every callback at the last step too
        (a capped fit, so that each runs at least once)."""
        world = self.world
        if world is not None:
            self._join()
        bar = tqdm(
            total=steps,
            initial=self.step,
            # tqdm's notebook bar ignores TQDM_DISABLE; the book build sets it (no saved widgets)
            disable=not progress or (world is not None and not world.is_main)
            or os.environ.get("TQDM_DISABLE", "") not in ("", "0") or None,
            desc=self.description,
            dynamic_ncols=True,
        )
        start = time.perf_counter() - self._elapsed
        last_save = time.perf_counter()
        pending: list[tuple[int, float, dict[str, Any]]] = []  # records not yet read
        shown = self.step  # the step whose numbers the progress bar shows
        at_boundary = True  # False while a step is half done: its state must not be saved
        stopped = False  # True when every rank stops together, at a read
        try:
            with self._deferred_interrupts():
                while self.step < steps:
                    at_boundary = False
                    record = self.train_step()
                    self.step += 1
                    self._elapsed = time.perf_counter() - start
                    pending.append((self.step, self._elapsed, record))
                    at_boundary = True
                    bar.update(1)
                    last = call_at_end and self.step == steps
                    due = [fn for every, fn in callbacks if self.step % every == 0 or last]
                    every = self.checkpoint_every and self.step % self.checkpoint_every == 0
                    read = (
                        len(pending) >= self.sync_every
                        or bool(due) or bool(every) or self.step == steps
                    )
                    timed = self._save_is_due(last_save)
                    stop = bool(self._interrupts)
                    if world is None:
                        read = read or timed or stop
                    elif read:  # ranks read together, at steps all of them know in advance
                        timed, stop = self._sync_pending(pending, timed, stop)
                    else:
                        timed = stop = False  # acted on at the next read, by every rank
                    if read:
                        self._read_pending(pending)
                        if self.progress_keys and (
                            self.step - shown >= 25 or self.step == steps
                        ):
                            shown = self.step
                            bar.set_postfix(
                                {
                                    k: f"{self.history[k][-1]:.3f}"
                                    for k in self.progress_keys
                                    if k in self.history
                                },
                                refresh=False,
                            )
                    for fn in due:
                        with self._quiet():
                            fn(self)
                    if every or timed:
                        self.save()
                        last_save = time.perf_counter()
                    if stop:
                        stopped = True
                        raise KeyboardInterrupt
        except BaseException as err:
            # Ranks that stop together (at a read, or on a NaN any of them saw) average their
            # unread records and may save; a rank stopping alone (a second Ctrl-C, an error
            # of its own) makes no collective, and its own numbers never reach the history.
            together = world is None or stopped or getattr(err, "every_rank", False)
            if pending and together:  # steps done before the error keep their records
                if world is not None:
                    self._sync_pending(pending, False, False)
                self._read_pending(pending)
            if isinstance(err, FloatingPointError):
                self._after_nan(err)
            if not isinstance(err, KeyboardInterrupt):
                raise
            if self.checkpoint_path is not None and not together:
                with self._quiet():
                    print(
                        f"interrupted on this rank alone after step {self.step}; "
                        f"kept the last checkpoint in {self.checkpoint_path}"
                    )
            elif self.checkpoint_path is not None and at_boundary:
                self.save()
                with self._quiet():
                    print(
                        f"interrupted at step {self.step}; "
                        f"checkpoint saved to {self.checkpoint_path}"
                    )
            elif self.checkpoint_path is not None:
                with self._quiet():
                    print(
                        f"interrupted inside step {self.step + 1}; "
                        f"kept the last checkpoint in {self.checkpoint_path}"
                    )
            raise
        finally:
            bar.close()
        if self.checkpoint_path is not None:
            self.save()
        return self.history

    # -- several processes (see ganbook.core.distributed) ---------------------------------------

    def replicated_modules(self) -> list[nn.Module]:
        """The modules every rank of a distributed run must hold equal: :meth:`networks`
        (a subclass adds copies it keeps, such as an EMA generator)."""
        return list(self.networks().values())

    def _join(self) -> None:
        """Once per distributed run: rank 0's weights everywhere, and each rank its own RNG
        stream (unless a checkpoint just restored every rank's)."""
        if self._joined:
            return
        self.world.broadcast_modules(self.replicated_modules())
        self.world.seed_streams()
        self._joined = True

    def _save_is_due(self, last_save: float) -> bool:
        """Whether ``checkpoint_seconds`` have passed since the last save."""
        return (
            self.checkpoint_path is not None
            and self.checkpoint_seconds is not None
            and time.perf_counter() - last_save >= self.checkpoint_seconds
        )

    def _sync_pending(
        self, pending: list[tuple[int, float, dict[str, Any]]], timed: bool, stop: bool
    ) -> tuple[bool, bool]:
        """The pending records averaged over the ranks (in place), rank 0's buffers
        everywhere, and whether any rank wants a timed save or to stop: one collective for
        all the steps since the last read."""
        buffers = [b for m in self.replicated_modules() for b in m.buffers()]
        means, (timed, stop) = self.world.mean_records(
            [record for *_, record in pending], (timed, stop), buffers
        )
        pending[:] = [(step, seconds, mean) for (step, seconds, _), mean in zip(pending, means)]
        return timed, stop

    def _is_main(self) -> bool:
        return self.world is None or self.world.is_main

    @contextmanager
    def _claim(self, path: Path | None, collective: bool = False) -> Iterator[None]:
        """Hold ``path``'s :class:`~ganbook.core.files.WriterLock` while the block runs (reentrant:
        ``fit`` holds it, its saves reclaim it). Rank 0 alone locks; with ``collective`` every
        rank learns whether it could, so all stop together."""
        lock = None
        error: Exception | None = None
        if path is not None and self._is_main():
            lock = self._locks.setdefault(Path(path), WriterLock(path))
            try:
                lock.acquire()
            except Exception as err:  # raised below, on every rank alike
                error, lock = err, None
        if collective and path is not None and self.world is not None:
            _, (failed,) = self.world.mean_records([], (error is not None,))
            if failed and error is None:
                error = FileInUseError(f"rank 0 could not claim the checkpoint {path}")
        if error is not None:
            raise error
        try:
            yield
        finally:
            if lock is not None:
                lock.release()

    def _say(self, message: str) -> None:
        """Print ``message`` (on rank 0 only in a distributed run)."""
        with self._quiet():
            print(message, flush=True)

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Silence printing on ranks other than 0 (callbacks run on every rank)."""
        if self.world is None or self.world.is_main:
            yield
            return
        with open(os.devnull, "w") as sink, redirect_stdout(sink):
            yield

    @contextmanager
    def _deferred_interrupts(self) -> Iterator[None]:
        """Turn Ctrl-C (SIGINT) into a flag the loop reads at the next step boundary.

        A second Ctrl-C interrupts at once (nothing is saved then). Outside the main thread
        signals cannot be caught, and Ctrl-C behaves as usual.
        """
        self._interrupts = 0
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            self._interrupts += 1
            if self._interrupts > 1:
                raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    # -- checkpoints -----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue this run exactly (see :mod:`ganbook.core.checkpoint`)."""
        scalers = self.scalers()
        return {
            "models": {k: m.state_dict() for k, m in self.networks().items()},
            "optimizers": {k: o.state_dict() for k, o in self.optimizers().items()},
            "rng": get_rng_state(),
            "step": self.step,
            "elapsed": self._elapsed,
            "history": self.history,
            "config": self.run_config(),
            "world_size": self.world.size if self.world is not None else 1,
            **({"scalers": {k: v.state_dict() for k, v in scalers.items()}} if scalers else {}),
        }

    def check_compatible(self, state: dict[str, Any]) -> None:
        """Raise ``ValueError`` (naming the key) if ``state`` comes from a different run or network.

        Every :meth:`config` setting must match, except the learning rates
        (:meth:`learning_rates`), which :meth:`load_state_dict` applies and reports. Runs
        before :meth:`load_state_dict` changes anything, so a refused checkpoint leaves this
        loop as it was.
        """
        saved = state.get("config", {})
        rates = self.learning_rates()
        for key, value in self.run_config().items():
            if key in saved and key not in rates and saved[key] != value:
                raise ValueError(
                    f"checkpoint was written with {key}={saved[key]!r}, "
                    f"this run has {key}={value!r}; "
                    "use a new checkpoint_path or the same settings"
                )
        for section, mine in (("models", self.networks()), ("optimizers", self.optimizers())):
            missing = set(mine) - set(state.get(section, {}))
            if missing:
                raise ValueError(f"checkpoint has no {section} entry for {sorted(missing)}")
        for name, module in self.networks().items():
            own = module.state_dict()
            theirs = state["models"][name]
            if set(own) != set(theirs):
                diff = sorted(set(own) ^ set(theirs))[:4]
                raise ValueError(
                    f"checkpoint's {name!r} has other parameters than this network: {diff}"
                )
            for key, tensor in own.items():
                if tuple(theirs[key].shape) != tuple(tensor.shape):
                    raise ValueError(
                        f"checkpoint's {name}.{key} has shape {tuple(theirs[key].shape)}, "
                        f"this network's has {tuple(tensor.shape)}"
                    )

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue the run ``state`` holds (:meth:`check_compatible` first).

        A learning rate given at construction that differs from the checkpoint's is applied
        rather than refused, with a printed line saying so: the optimizer's rates are
        rescaled by new/old, so a schedule keeps its place.
        """
        self.check_compatible(state)
        for key, module in self.networks().items():
            module.load_state_dict(state["models"][key])
        for key, optimizer in self.optimizers().items():
            optimizer.load_state_dict(state["optimizers"][key])
        for key, scaler in self.scalers().items():
            if key in state.get("scalers", {}):
                scaler.load_state_dict(state["scalers"][key])
        set_rng_state(state["rng"])
        if self.world is not None:
            ranks = state.get("rng_ranks")
            # The same number of ranks continues every rank's own stream exactly; otherwise
            # fit derives fresh streams from rank 0's state.
            self._joined = ranks is not None and len(ranks) == self.world.size
            if self._joined:
                set_rng_state(ranks[self.world.rank])
        self.step = int(state["step"])
        self._elapsed = float(state.get("elapsed", 0.0))
        self.history = {k: list(v) for k, v in state["history"].items()}
        self._unusable = None  # every weight was just replaced
        self._apply_learning_rates(state.get("config", {}))

    def _apply_learning_rates(self, saved: dict[str, Any]) -> None:
        """Learning rates of this run that differ from the checkpoint's: rescale the
        optimizer's (and a schedule's ``initial_lr``) by new/old, and say so."""
        config = self.config()
        for key, optimizer in self.learning_rates().items():
            old, new = saved.get(key), config.get(key)
            if old is None or new is None or old == new:
                continue
            for group in optimizer.param_groups:
                for name in ("lr", "initial_lr"):
                    if name in group:
                        value = group[name]
                        group[name] = new if value == old else value * new / old
            self._say(
                f"resumed with {key}={new:g}; the checkpoint was trained with {key}={old:g}: "
                f"its optimizer continues at the new rate ({new / old:g}x the old)"
            )

    def _note_world_size(self, saved: int) -> None:
        """Say what changes when a checkpoint of ``saved`` processes continues on this many."""
        size = self.world.size if self.world is not None else 1
        if saved == size:
            return
        batch = getattr(self, "batch_size", None)
        change = (
            f"the global batch is now {size} x {batch} = {size * batch} instead of "
            f"{saved * batch}"
            if isinstance(batch, int)
            else f"each step now averages {size} batches instead of {saved}"
        )
        streams = (
            f"rank 0's random stream continues, the other {saved - 1} rank(s)' streams end"
            if size == 1
            else "every rank draws a fresh random stream, derived from rank 0's"
        )
        self._say(
            f"resumed a checkpoint written by {saved} process(es) on {size}: {change}, and "
            f"{streams}; the run is not the one {saved} process(es) would have continued "
            f"(for that, resume with torchrun --nproc_per_node={saved}). Its checkpoints now "
            f"record world_size={size}."
        )

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write a checkpoint (atomically, Ctrl-C held off until it is written) to ``path``.

        Refused (``FloatingPointError``) if any weight or optimizer state holds a NaN or inf,
        so a damaged trainer cannot replace a good checkpoint; and (``FileInUseError``) if
        another live run holds ``path``.
        """
        path = check_writable_path("path", path) if path else self.checkpoint_path
        if path is None:
            raise ValueError(
                "no checkpoint path: pass one, or give the trainer checkpoint_path=..."
            )
        if self._unusable is not None:
            raise RuntimeError(f"{self._unusable}; nothing was saved to {path}")
        state = self.state_dict()
        bad = first_nonfinite(state)
        if bad is not None:
            raise FloatingPointError(
                f"not saving to {path}: {bad} holds NaN or inf at step {self.step}; a "
                "checkpoint of damaged weights would replace a good one"
            )
        if self.world is not None:  # every rank calls save; rank 0 writes
            state["rng_ranks"] = self.world.gather_rng()
            if self.world.is_main:
                try:
                    self._write(path, state)
                finally:
                    self.world.barrier()
            else:
                self.world.barrier()
        else:
            self._write(path, state)
        self._good = (path, self.step)
        return path

    def _write(self, path: Path, state: dict[str, Any]) -> Path:
        with self._claim(path):
            remove_stale_temp_files(path)
            if threading.current_thread() is not threading.main_thread():
                return save_checkpoint(path, state)
            previous = signal.signal(signal.SIGINT, self._count_interrupt)
            try:
                return save_checkpoint(path, state)
            finally:
                signal.signal(signal.SIGINT, previous)

    def _count_interrupt(self, signum: int, frame: Any) -> None:
        self._interrupts += 1

    def resume(self, path: str | os.PathLike | None = None) -> bool:
        """Load the checkpoint at ``path`` (default: ``checkpoint_path``) if it exists; return
        whether one was loaded (False also when there is no path at all).

        A folder is a ``ValueError``; a path another live run is writing, a
        ``FileInUseError`` naming it (its checkpoint is not this run's to continue). A
        checkpoint written by another number of processes (torchrun) continues with a printed
        line saying what changes: the global batch, and the random streams (see
        :mod:`ganbook.core.distributed`); a resume with the same number continues bit for bit.
        """
        path = path or self.checkpoint_path
        if not path:
            return False
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"resume needs a checkpoint file, got {str(path)!r}, a folder")
        with self._claim(path):
            if self._is_main():
                remove_stale_temp_files(path)
            if not path.is_file():
                return False
            self._load(path)
        return True

    def _load(self, path: Path) -> None:
        # Loaded on the CPU: RNG states must stay there; weights and optimizer states are
        # copied to each parameter's device by load_state_dict.
        state = load_checkpoint(path, map_location="cpu")
        self.load_state_dict(state)
        self._good = (path, self.step)
        self._note_world_size(int(state.get("world_size", 1)))

    def _after_nan(self, err: FloatingPointError) -> None:
        """After the NaN guard stopped ``fit``: go back to the last checkpoint this loop saved
        or loaded, or else, if a weight is NaN or inf, mark the loop unusable (``fit``,
        ``save`` and ``generate`` refuse it). ``err``'s message gets which it was."""
        what, failed = None, ""
        if self._good is not None and self._good[0].is_file():
            path, step = self._good
            try:
                state = load_checkpoint(path, map_location="cpu")
                if state.get("step") != step:  # rewritten since, by another run
                    raise ValueError(f"it now holds step {state.get('step')}, not {step}")
                self.load_state_dict(state)
                what = f"rolled back to its last checkpoint, step {self.step} ({path})"
            except (ValueError, OSError) as load_err:
                failed = f" (its checkpoint {path} could not be loaded: {load_err})"
        if what is None:
            # The weights are those of a later step than the last record read: keep
            # step and history together.
            steps = self.history.get("step", [])
            self.step = int(steps[-1]) if steps else 0
            bad = first_nonfinite({k: m.state_dict() for k, m in self.networks().items()})
            bad = bad or first_nonfinite([m.state_dict() for m in self.replicated_modules()])
            if bad is not None:
                self._unusable = (
                    f"this {type(self).__name__} is unusable: a NaN or inf reached its weights "
                    f"({bad}) and it had no checkpoint to roll back to{failed}; fit, save and "
                    "generate refuse it. Build a new one (with checkpoint_path=... it can roll "
                    "back next time)"
                )
                what = f"marked unusable ({bad} holds NaN or inf){failed}"
            else:
                what = (
                    f"kept at step {self.step}: the update that saw it was refused, so its "
                    f"weights are still finite{failed}"
                )
        err.args = (f"{err}; the {type(self).__name__} was {what}",)

    # -- internals -------------------------------------------------------------------------

    def _read_pending(self, pending: list[tuple[int, float, dict[str, Any]]]) -> None:
        """Read the pending records in one host sync, check them (naming the first step with
        a NaN or inf) and append them to the history; empties ``pending``."""
        entries = list(pending)
        pending.clear()
        for (step, seconds, _), record in zip(entries, read_records([r for *_, r in entries])):
            self.check_finite(record, step)
            self._record(record, step, seconds)

    def _record(self, record: dict[str, float], step: int, seconds: float) -> None:
        record = {**record, "step": step, "seconds": seconds}
        for key in self.history:
            self.history[key].append(float(record.get(key, float("nan"))))
        for key, value in record.items():  # numbers first reported at this step
            if key not in self.history:
                self.history[key] = [float("nan")] * (len(self.history["step"]) - 1) + [
                    float(value)
                ]


class ModelLoop(Loop):
    """One network, one Adam optimizer, one objective: the Loop of every model here that is
    not a GAN (maximum likelihood, Coconet, flow matching, PixelCNN, fake detectors).

    A subclass defines :meth:`objective` (a batch -> ``(loss, record)``) and, when its
    batches are not random rows of ``data``, :meth:`batch`. The step, the clipping, the NaN
    guard, the history, checkpoints and exact resume are the Loop's, shared with the Trainer.
    """

    history_keys = ("step", "loss", "seconds")
    progress_keys = ("loss",)
    model_name = "model"  # the network's name in checkpoints

    def __init__(
        self,
        model: nn.Module,
        data: Tensor | None = None,
        *,
        batch_size: int,
        lr: float,
        clip: float | None = None,
        device: str | torch.device | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: float | None = 60.0,
        sync_every: int = 25,
    ) -> None:
        batch_size = check_positive("batch_size", batch_size)
        check_positive("lr", lr, integer=False)
        if clip is not None:
            check_positive("clip", clip, integer=False)
        super().__init__(
            device=device or next(model.parameters()).device,
            checkpoint_path=checkpoint_path,
            checkpoint_every=checkpoint_every,
            checkpoint_seconds=checkpoint_seconds,
            sync_every=sync_every,
        )
        self.model = model.to(self.device)
        self.sampler = TensorSampler(data) if data is not None else None
        self.batch_size, self.lr, self.clip = batch_size, lr, clip
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)

    def batch(self) -> Any:
        """One training batch on the loop's device: ``batch_size`` random rows of ``data``."""
        return self.sampler(self.batch_size).to(self.device)

    def objective(self, batch: Any) -> tuple[Tensor, dict[str, float]]:
        """The loss to minimise on ``batch`` and the numbers to record."""
        raise NotImplementedError

    def train_step(self) -> dict[str, float | Tensor]:
        if not self.model.training:
            self.model.train()
        loss, record = self.objective(self.batch())
        params = self.model.parameters() if self.clip is not None else None
        return self.update(self.optimizer, loss, record, params, self.clip)

    def networks(self) -> dict[str, nn.Module]:
        return {self.model_name: self.model}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {self.model_name: self.optimizer}

    def config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "lr": self.lr, "clip": self.clip}

    def learning_rates(self) -> dict[str, torch.optim.Optimizer]:
        return {"lr": self.optimizer}
