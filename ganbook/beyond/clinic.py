"""The GAN doctor's patients: toy runs on the ring broken on purpose, healthy ones, and the
validation that counts how often :func:`ganbook.beyond.diagnose.diagnose` names what is wrong.

Each case is a Trainer setting on :data:`RING` (eight Gaussians on a circle) that takes
seconds on a CPU; :func:`patient` trains one with the gradient-norm and mode-share callbacks
the doctor reads, and :func:`validate` runs every case over several seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ..core.callbacks import GradNorms
from ..core.device import seed_everything
from ..core.loop import check_positive
from ..core.nets import MLPDiscriminator, MLPGenerator
from ..core.train import Trainer
from ..foundations.coverage import ModeShare
from ..foundations.mixtures import ring_2d
from .diagnose import diagnose

__all__ = ["CASES", "EXPECTED", "HEALTHY", "RING", "Validation", "patient", "validate"]

RING = ring_2d(n_modes=8, radius=2.0, std=0.1)

# Trainer settings per case (the rest: non-saturating, lr 1e-3 for both, one D step).
CASES: dict[str, dict] = {
    "healthy": {},
    "hinge": {"loss": "hinge"},
    "least-squares": {"loss": "least-squares"},
    "strong-d": {"loss": "saturating", "lr_d": 3e-3, "lr_g": 1e-4, "d_steps": 3},
    "high-lr": {"lr_d": 2e-2, "lr_g": 2e-2},
    "fast-g": {"lr_d": 2e-4, "lr_g": 5e-3},
    "wgan-no-gp": {"loss": "wgan", "d_steps": 5, "lr_d": 2e-3, "lr_g": 2e-3},
    "wgan-gp": {"loss": "wgan-gp", "d_steps": 5, "lr_d": 2e-3, "lr_g": 2e-3},  # the penalty alone
}
# The symptom each broken case must be diagnosed with; HEALTHY cases must get none.
EXPECTED = {
    "strong-d": "discriminator-wins",
    "high-lr": "oscillation",
    "fast-g": "mode-collapse",
    "wgan-no-gp": "exploding-critic",
}
HEALTHY = ("healthy", "hinge", "least-squares")


def patient(
    case: str, steps: int, seed: int = 0, every: int = 25, settings: dict | None = None
) -> Trainer:
    """Train the toy run ``case`` (a key of :data:`CASES`) for ``steps`` steps, watched by
    :class:`~ganbook.core.callbacks.GradNorms` every ``every`` steps and
    :class:`~ganbook.foundations.ModeShare` every ``2 * every``.

    ``settings`` (loss, lr_d, lr_g, d_steps) replaces the case's: a new case, ``case`` its name.
    """
    if settings is None and case not in CASES:
        raise ValueError(f"case must be one of {sorted(CASES)}, got {case!r}")
    check_positive("steps", steps)
    check_positive("every", every)
    chosen = CASES[case] if settings is None else settings
    settings = {"loss": "non-saturating", "lr_d": 1e-3, "lr_g": 1e-3, "d_steps": 1}
    settings.update(chosen)
    seed_everything(seed)
    G = MLPGenerator(2, 2, hidden=64, layers=2)
    D = MLPDiscriminator(2, hidden=64, layers=2)
    trainer = Trainer(G, D, RING.sample, batch_size=128, device="cpu", **settings)
    watch = [(every, GradNorms()), (2 * every, ModeShare(RING, 500))]
    trainer.fit(steps, callbacks=watch, progress=False)
    return trainer


@dataclass
class Validation:
    """The doctor's verdicts on every case and seed: ``verdicts[case]`` lists symptom lists."""

    verdicts: dict[str, list[list[str]]] = field(default_factory=dict)

    def _broken(self) -> list[bool]:
        return [EXPECTED[c] in v for c in EXPECTED if c in self.verdicts
                for v in self.verdicts[c]]

    def _healthy(self) -> list[bool]:
        return [bool(v) for c in HEALTHY if c in self.verdicts for v in self.verdicts[c]]

    @property
    def hit_rate(self) -> float:
        """Share of broken runs diagnosed with the symptom they were broken to show."""
        hits = self._broken()
        return sum(hits) / len(hits) if hits else float("nan")

    @property
    def false_alarm_rate(self) -> float:
        """Share of healthy runs given any symptom at all."""
        alarms = self._healthy()
        return sum(alarms) / len(alarms) if alarms else float("nan")

    def rows(self) -> dict[str, dict[str, object]]:
        """One table row per case: what it should show, how many runs named it, any symptom."""
        out = {}
        for case, verdicts in self.verdicts.items():
            want = EXPECTED.get(case, "none" if case in HEALTHY else "-")
            named = sum(want in v for v in verdicts) if case in EXPECTED else None
            seen = sorted({s for v in verdicts for s in v})
            out[case] = {
                "expected": want,
                "runs": len(verdicts),
                "named it": "-" if named is None else f"{named}/{len(verdicts)}",
                "flagged": f"{sum(bool(v) for v in verdicts)}/{len(verdicts)}",
                "symptoms seen": ", ".join(seen) or "none",
            }
        return out


def validate(
    steps: int,
    seeds: Sequence[int] = (0, 1, 2),
    cases: Sequence[str] | None = None,
    runs: dict[tuple[str, int], Trainer] | None = None,
) -> Validation:
    """Run each case (default: the broken and healthy ones) for each seed and diagnose it.

    ``runs`` maps ``(case, seed)`` to a trained :func:`patient`: those are reused (a page
    that already trained them pays nothing twice), and the new ones are added to it.
    """
    cases = list(cases) if cases is not None else [*EXPECTED, *HEALTHY]
    runs = {} if runs is None else runs
    result = Validation()
    for case in cases:
        for seed in seeds:
            if (case, seed) not in runs:
                runs[case, seed] = patient(case, steps, seed)
        result.verdicts[case] = [diagnose(runs[case, seed]).symptoms for seed in seeds]
    return result
