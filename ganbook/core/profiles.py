"""Scale profiles: one switch that sizes every run in the book.

``test`` is for CI and nbval (seconds per notebook), ``cpu`` for a laptop (minutes),
``gpu`` for Colab (full size). The profile is auto-detected (CUDA present -> ``gpu``,
otherwise ``cpu``) and overridden by the ``GANBOOK_PROFILE`` environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

import torch

PROFILES = ("test", "cpu", "gpu")
ENV_VAR = "GANBOOK_PROFILE"
THREADS_VAR = "GANBOOK_THREADS"

T = TypeVar("T")


@dataclass(frozen=True)
class Profile:
    """A named scale. ``pick`` chooses the value that belongs to this profile."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in PROFILES:
            raise ValueError(
                f"unknown profile {self.name!r}; valid profiles are: {', '.join(PROFILES)}"
            )

    def pick(self, test: T, cpu: T, gpu: T | None = None) -> T:
        """Return the value for this profile; ``gpu`` defaults to the ``cpu`` value."""
        if self.name == "test":
            return test
        if self.name == "cpu" or gpu is None:
            return cpu
        return gpu

    @property
    def is_test(self) -> bool:
        return self.name == "test"

    def __str__(self) -> str:
        return self.name


def detect_profile() -> str:
    """The profile this machine would get with no override: ``gpu`` if CUDA works, else ``cpu``."""
    return "gpu" if torch.cuda.is_available() else "cpu"


def get_profile(name: str | None = None) -> Profile:
    """The active profile: ``name`` if given, else ``$GANBOOK_PROFILE``, else auto-detected.

    It also sets torch's CPU thread count to :func:`profile_threads` (the book's models are
    small: on a 2-core machine that is doing anything else, torch's default of one thread per
    core made a notebook up to 14 times slower than one thread; ``bench/threads.py``).
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip().lower() or detect_profile()
    profile = Profile(name.strip().lower() if isinstance(name, str) else name)
    threads = profile_threads(profile)
    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return profile


def profile_threads(profile: Profile) -> int | None:
    """The CPU threads a profile's runs use: ``$GANBOOK_THREADS`` if set; torch's own choice if
    ``$OMP_NUM_THREADS`` is set (the usual variable: you chose) or on the ``gpu`` profile (the
    GPU does the work); otherwise 1, which suits the book's small models best."""
    value = os.environ.get(THREADS_VAR, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{THREADS_VAR} must be a positive int, got {value!r}")
        return int(value)
    if os.environ.get("OMP_NUM_THREADS") or profile.name == "gpu":
        return None
    return 1


def starting_point() -> bool:
    """True while ``bench/check_harness.py`` runs the notebooks at their models' starting point.

    ``GANBOOK_STARTING_POINT=1``: no optimizer step is taken and shipped trained models load
    untrained; ``=pretrained``: no optimizer step, shipped weights as usual (the start of a
    fine-tuning run). Every check cell about a model must then fail; the harness proves it.
    """
    return os.environ.get("GANBOOK_STARTING_POINT", "") in ("1", "pretrained")


SEED_VAR = "GANBOOK_SEED"


def seed_offset() -> int:
    """``$GANBOOK_SEED`` (a non-negative int, default 0), added to every ``seed_everything`` seed.

    It reruns a notebook under other seeds without editing it: ``bench/check_robustness.py``
    sweeps it to prove that every check holds on more than one draw of a chaotic GAN run.
    """
    value = os.environ.get(SEED_VAR, "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(f"{SEED_VAR} must be a non-negative int (a seed offset), got {value!r}")
    return int(value)


SMOKE_VAR = "GANBOOK_SMOKE"


def smoke_steps() -> int | None:
    """Under ``GANBOOK_SMOKE=N`` (a positive int) every ``fit`` trains at most N more steps.

    The smoke mode runs a notebook's code path (the ``gpu`` profile's shapes, devices and
    settings) on a CPU in minutes; its numbers mean nothing. Unset or empty: no cap.
    """
    value = os.environ.get(SMOKE_VAR, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{SMOKE_VAR} must be a positive int (steps per fit), got {value!r}")
    return int(value)


SMOKE_SAMPLES = 256
STARTING_POINT_STEPS = 40  # enough history for ganbook.diagnose (min_steps=40) to read


def fit_step_cap() -> int | None:
    """The most steps one :meth:`ganbook.core.loop.Loop.fit` may add, or None for no cap.

    ``GANBOOK_SMOKE=N`` caps at N. At the starting point (:func:`starting_point`) no update is
    taken, so a long run would leave every weight where it was and only spend time: a fit runs
    :data:`STARTING_POINT_STEPS` steps (enough for the doctor to read the run). Under
    ``GANBOOK_SMOKE`` every callback runs at each step; at the starting point callbacks keep
    their intervals and every one also runs at the fit's last step, so each runs at least once.
    """
    cap = smoke_steps()
    if cap is None and starting_point():
        return STARTING_POINT_STEPS
    return cap


def is_smoke() -> bool:
    """True under ``GANBOOK_SMOKE=N``: the smoke mode (see :func:`smoke_steps`)."""
    return smoke_steps() is not None


def smoke_cap(steps: int) -> int:
    """``steps``, or at most ``GANBOOK_SMOKE`` of them in the smoke mode.

    For the few optimisation runs that are not a :meth:`ganbook.core.loop.Loop.fit` (a measuring
    classifier's epochs, a latent-code search), so they honour the same cap as every fit.
    """
    cap = smoke_steps()
    return steps if cap is None else min(steps, cap)


def smoke_count(n: int, at_most: int = SMOKE_SAMPLES) -> int:
    """``n`` samples, or at most ``at_most`` (a few hundred) in the smoke mode.

    Where the ``gpu`` profile evaluates thousands of samples, the smoke run evaluates a few
    hundred through the same code: the shapes and devices are exercised, the time is not spent.
    """
    if not isinstance(at_most, int) or at_most < 1:
        raise ValueError(f"at_most must be a positive int, got {at_most!r}")
    return min(n, at_most) if is_smoke() else n


def untrained_results() -> bool:
    """True under ``GANBOOK_STARTING_POINT=1``: shipped trained models load untrained."""
    return os.environ.get("GANBOOK_STARTING_POINT", "") == "1"
