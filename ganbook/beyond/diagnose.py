"""A GAN doctor: read a run's history and name what went wrong, with the numbers that show it.

``diagnose(trainer)`` (or ``diagnose(history)``) compares the first and last quarter of a
run's records (D(x), D(G(z)), the losses, and where recorded the gradient norms and a
diversity signal from :mod:`ganbook.core.callbacks`) against thresholds set on the toy runs of
the FAQ page, and returns a :class:`Report`: one :class:`Finding` per symptom, each with its
evidence, the likely cause and the fix the book teaches. An empty report means "no symptom
seen", not "this GAN is good": the doctor cannot see quality, only the signs of a sick run.
"""

from __future__ import annotations

import html
import math
import textwrap
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["SYMPTOMS", "Finding", "Report", "diagnose"]

# Each symptom: (what it is called, likely cause, the fix the book teaches, page to read).
SYMPTOMS: dict[str, tuple[str, str, str, str]] = {
    "discriminator-wins": (
        "the discriminator is winning",
        "D is much stronger than G (learning rate, d_steps or capacity), "
        "or real and fake barely overlap",
        "lower lr_d or d_steps, add spectral normalisation or a gradient penalty, "
        "augment what D sees on small data",
        "image/04_portraits",
    ),
    "vanishing-gradient": (
        "the generator's gradient vanishes",
        "the saturating loss log(1 - D(G(z))) is flat where D rejects the fakes",
        "use the non-saturating loss (the book's default)",
        "foundations/minimax_math",
    ),
    "mode-collapse": (
        "mode collapse",
        "G found a few outputs D currently accepts and stopped exploring",
        "balance the learning rates, try more D steps or WGAN-GP, train longer, "
        "keep an EMA generator",
        "foundations/two_player_game",
    ),
    "oscillation": (
        "oscillation without progress",
        "steps too large for the game: the players overshoot each other",
        "lower both learning rates (1e-4 to 2e-4 with Adam betas (0.5, 0.999))",
        "foundations/two_player_game",
    ),
    "exploding-critic": (
        "the critic explodes",
        "a Wasserstein critic without a Lipschitz constraint grows without bound",
        "add the gradient penalty (loss 'wgan-gp') or spectral normalisation",
        "image/02_loss_zoo",
    ),
    "penalty-trouble": (
        "the gradient penalty is not holding",
        "the critic's gradients are far from norm 1 although penalised: "
        "gp_weight too small or lr_d too high",
        "keep gp_weight=10, lower lr_d, use 5 critic steps",
        "image/02_loss_zoo",
    ),
    "nan-risk": (
        "NaN risk",
        "numbers growing without bound: a learning rate too high or an unconstrained critic",
        "lower the learning rates, clip gradients (clip_d, clip_g), resume from a checkpoint",
        "beyond/faq",
    ),
    "lr-imbalance": (
        "learning rates out of balance",
        "one player updates many times faster than the other",
        "start from equal learning rates and one D step; change one thing at a time",
        "image/02_loss_zoo",
    ),
}

# Thresholds, set on the FAQ page's toy runs and checked on the book's healthy runs.
WINNING = 0.8  # D(x) above and D(G(z)) below 1 - WINNING: D separates the two
COLLAPSED = 0.5  # diversity (share of modes, 1 = real data) below this
SWING = 0.05  # mean step-to-step change of D(G(z)) (probabilistic losses)
EXPLODES = 5.0  # critic gap E[D(x)] - E[D(G(z))]: hinge and penalised critics stay near 1
GP_HIGH = 0.5  # mean gradient penalty (the critic's gradient norm far from 1)
HUGE = 100.0  # a gradient norm or loss this large is one step from inf
IMBALANCE = 4.0  # lr_d * d_steps / lr_g beyond this factor either way


@dataclass(frozen=True)
class Finding:
    """One symptom: its key in :data:`SYMPTOMS`, and the numbers that show it."""

    key: str
    evidence: str

    @property
    def symptom(self) -> str:
        return SYMPTOMS[self.key][0]

    @property
    def cause(self) -> str:
        return SYMPTOMS[self.key][1]

    @property
    def fix(self) -> str:
        return SYMPTOMS[self.key][2]

    @property
    def see(self) -> str:
        return SYMPTOMS[self.key][3]


@dataclass(repr=False)
class Report:
    """What :func:`diagnose` found: ``findings`` (empty when no symptom was seen)."""

    findings: list[Finding]
    steps: int
    loss: str | None = None

    @property
    def healthy(self) -> bool:
        return not self.findings

    @property
    def symptoms(self) -> list[str]:
        return [f.key for f in self.findings]

    def __contains__(self, key: str) -> bool:
        return key in self.symptoms

    def __str__(self) -> str:
        head = f"GAN doctor, {self.steps} steps" + (f", loss {self.loss!r}" if self.loss else "")
        if self.healthy:
            return f"{head}: no symptom seen"
        lines = [f"{head}: {len(self.findings)} symptom(s)"]
        for f in self.findings:
            for label, text in (("- ", f"{f.symptom}: {f.evidence}"),
                                ("    likely cause: ", f.cause),
                                ("    fix: ", f"{f.fix} (see {f.see})")):
                lines.append(textwrap.fill(text, 88, initial_indent=label,
                                           subsequent_indent="      "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        head = html.escape(str(self).split("\n")[0])
        if self.healthy:
            return f"<p><b>{head}</b></p>"
        from ..pages.tables import html_table

        rows = {f.symptom: {"evidence": f.evidence, "likely cause": f.cause, "fix": f.fix}
                for f in self.findings}
        table = html_table(rows, index_name="symptom")
        return f"<p><b>{head}</b></p>{table}"


def _column(history: Mapping[str, Sequence[float]], key: str) -> np.ndarray:
    return np.asarray(history.get(key, []), dtype=float)


def _mean(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else math.nan


def _quarters(values: np.ndarray) -> tuple[float, float]:
    """Mean of the first and last quarter (ignoring NaN: measured columns skip steps)."""
    q = max(1, len(values) // 4)
    return _mean(values[:q]), _mean(values[-q:])


def _settings(source: Any) -> dict[str, Any]:
    """Loss and learning rates of a Trainer (nothing for a bare history)."""
    loss = getattr(source, "loss", None)
    if loss is None:
        return {}
    out = {"loss": loss.name, "probabilistic": loss.probabilistic, "gp_weight": source.gp_weight}
    if hasattr(source, "opt_d") and hasattr(source, "opt_g"):
        out["lr_d"] = source.opt_d.param_groups[0]["lr"]
        out["lr_g"] = source.opt_g.param_groups[0]["lr"]
        out["d_steps"] = source.d_steps
    return out


def diagnose(
    source: Any, *, loss: str | None = None, min_steps: int = 40
) -> Report:
    """Name the symptoms of a GAN run from a Trainer (or its ``history`` dict).

    With a bare history pass ``loss=`` (the Trainer's loss name) so the doctor knows whether
    D's outputs are probabilities; without it they are assumed to be (the book's default).
    A run shorter than ``min_steps`` raises ``ValueError``: there is too little to read.
    """
    history = getattr(source, "history", source)
    if not isinstance(history, Mapping) or "d_real" not in history or "d_fake" not in history:
        raise ValueError(
            "diagnose needs a Trainer or its history dict (with d_real and d_fake), "
            f"got {type(source).__name__}"
        )
    steps = len(history.get("step", history["d_real"]))
    if steps < min_steps:
        raise ValueError(f"the run has {steps} steps; diagnose needs at least {min_steps}")
    s = _settings(source)
    if loss is not None:
        from ..core.losses import get_loss

        spec = get_loss(loss)
        s.update(loss=spec.name, probabilistic=spec.probabilistic, gp_weight=spec.gp_weight)
    if "probabilistic" not in s:  # a bare history: outputs outside [0, 1] or a penalty say "critic"
        d_all = np.concatenate([_column(history, "d_real"), _column(history, "d_fake")])
        d_all = d_all[np.isfinite(d_all)]
        penalised = np.nan_to_num(_column(history, "gp")).any()
        s["probabilistic"] = not (penalised or ((d_all < 0) | (d_all > 1)).any())
        s.setdefault("gp_weight", 10.0 if penalised else 0.0)
    probabilistic = s["probabilistic"]
    found: list[Finding] = []

    def add(key: str, evidence: str) -> None:
        found.append(Finding(key, evidence))

    d_real, d_fake = _column(history, "d_real"), _column(history, "d_fake")
    (_, real_end), (_, fake_end) = _quarters(d_real), _quarters(d_fake)
    grad_g0, grad_g1 = _quarters(_column(history, "grad_g"))
    grad_d0, grad_d1 = _quarters(_column(history, "grad_d"))

    # Non-finite records (the NaN guard stops a run at the first; a bare history may hold one).
    bad = [k for k in ("d_loss", "g_loss", "d_real", "d_fake")
           if not np.isfinite(_column(history, k)).all()]
    big = max(abs(_quarters(_column(history, k))[1]) for k in ("d_loss", "g_loss"))
    if bad or big > HUGE or grad_d1 > HUGE or grad_g1 > HUGE:
        what = (f"non-finite {', '.join(bad)}" if bad else
                f"last-quarter |loss| up to {big:.3g}, gradient norms D {grad_d1:.3g}, "
                f"G {grad_g1:.3g}")
        add("nan-risk", what)

    if probabilistic:
        if real_end > WINNING and fake_end < 1 - WINNING:
            add("discriminator-wins",
                f"last quarter D(x) = {real_end:.2f}, D(G(z)) = {fake_end:.2f}")
            if s.get("loss") == "saturating" or (grad_g0 < 0.1 * grad_d0):
                grad = (f"; G's gradient norm {grad_g0:.3g} in the first quarter"
                        if math.isfinite(grad_g0) else "")
                add("vanishing-gradient", f"loss {s.get('loss', '?')!r} with D winning{grad}")
        swing = _mean(np.abs(np.diff(d_fake[-max(2, steps // 4):])))
        if swing > SWING:
            add("oscillation",
                f"D(G(z)) moves by {swing:.2f} a step on average in the last quarter "
                f"(the threshold is {SWING}; healthy runs move less)")
    else:
        gap0, gap1 = _quarters(d_real - d_fake)
        if abs(gap1) > EXPLODES:
            add("exploding-critic",
                f"critic gap E[D(x)] - E[D(G(z))] = {gap1:.3g} in the last quarter "
                f"({gap0:.3g} in the first; bounded critics stay under {EXPLODES:g})"
                + (f"; D's gradient norm {grad_d0:.3g} -> {grad_d1:.3g}"
                   if math.isfinite(grad_d1) else ""))
        gp1 = _quarters(_column(history, "gp"))[1]
        if s.get("gp_weight", 0) > 0 and gp1 > GP_HIGH:
            add("penalty-trouble", f"mean gradient penalty {gp1:.3g} in the last quarter")

    diversity = _quarters(_column(history, "diversity"))[1]
    if diversity < COLLAPSED:
        add("mode-collapse",
            f"diversity {diversity:.2f} in the last quarter (real data: 1, collapse below "
            f"{COLLAPSED})")

    if found and "lr_d" in s:
        ratio = s["lr_d"] / s["lr_g"]
        if not 1 / IMBALANCE <= ratio <= IMBALANCE:
            add("lr-imbalance",
                f"lr_d = {s['lr_d']:g} against lr_g = {s['lr_g']:g} "
                f"(ratio {ratio:.3g})")
    return Report(found, steps, s.get("loss"))
