"""GAN losses, all computed on the discriminator's raw logits (never on probabilities).

Each loss is a pair: ``d_loss(real_logits, fake_logits)`` for the discriminator and
``g_loss(fake_logits, real_logits)`` for the generator. Both return a scalar to *minimise*.
``log(sigmoid(x))`` is written ``-softplus(-x)``, which stays finite for any logit.

The second half of the module holds the *extra generator terms* (:class:`Term`): a
reconstruction, a cycle, feature matching and mode seeking. The Trainer adds each one,
weighted, to the adversarial loss and records it under its own name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .loop import check_nonnegative

# -- discriminator losses ---------------------------------------------------------------


def d_loss_bce(real: Tensor, fake: Tensor) -> Tensor:
    """-[log D(x) + log(1 - D(G(z)))]: the discriminator of the original GAN (Goodfellow 2014)."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def d_loss_least_squares(real: Tensor, fake: Tensor) -> Tensor:
    """LSGAN (Mao 2017): push real logits to 1 and fake logits to 0."""
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def d_loss_wasserstein(real: Tensor, fake: Tensor) -> Tensor:
    """WGAN critic (Arjovsky 2017): maximise E[f(x)] - E[f(G(z))]."""
    return fake.mean() - real.mean()


def d_loss_hinge(real: Tensor, fake: Tensor) -> Tensor:
    """Hinge loss (Lim & Ye 2017, Miyato 2018): margins of 1 on both sides."""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def d_loss_relativistic(real: Tensor, fake: Tensor) -> Tensor:
    """Relativistic standard GAN (Jolicoeur-Martineau 2019):
    real should look more real than fake."""
    return F.softplus(-(real - fake)).mean()


# -- generator losses --------------------------------------------------------------------


def g_loss_saturating(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """Minimise log(1 - D(G(z))): the literal minimax loss. Its gradient vanishes when D wins."""
    return -F.softplus(fake).mean()


def g_loss_non_saturating(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """Minimise -log D(G(z)): same fixed point, strong gradient when D(G(z)) is near 0."""
    return F.softplus(-fake).mean()


def g_loss_least_squares(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """LSGAN generator: push fake logits to 1."""
    return 0.5 * ((fake - 1) ** 2).mean()


def g_loss_wasserstein(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """WGAN / hinge generator: raise the critic's score of fakes."""
    return -fake.mean()


def g_loss_relativistic(fake: Tensor, real: Tensor | None = None) -> Tensor:
    """Relativistic generator: fakes should look more real than reals."""
    if real is None:
        raise ValueError("the relativistic generator loss needs real_logits as well")
    return F.softplus(-(fake - real)).mean()


# -- gradient penalty --------------------------------------------------------------------


def gradient_penalty(
    critic: Callable[..., Tensor],
    real: Tensor,
    fake: Tensor,
    *cond: Tensor,
    target: float = 1.0,
    one_sided: bool = False,
) -> Tensor:
    """WGAN-GP (Gulrajani 2017): E[(||grad f(x_hat)|| - 1)^2] on random interpolates x_hat.

    ``one_sided=True`` is WGAN-LP (Petzka 2018): only slopes above ``target`` are penalised,
    so nothing pushes a critic's slope away from zero, and one that starts with the wrong
    sign can turn round. Extra positional tensors (class labels, say) go to the critic.
    """
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake must have the same shape, "
            f"got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    alpha = torch.rand(
        (real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype
    )
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat, *cond)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    excess = grad.flatten(1).norm(dim=1) - target
    return ((excess.clamp(min=0) if one_sided else excess) ** 2).mean()


# -- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class GANLoss:
    """A named discriminator/generator loss pair, plus the gradient-penalty weight it needs."""

    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]
    g_loss: Callable[[Tensor, Tensor], Tensor]
    gp_weight: float = 0.0
    probabilistic: bool = True  # logits are log-odds, so sigmoid(logit) is a probability
    needs_real_logits: bool = False  # g_loss compares fakes with reals (relativistic losses)
    one_sided_gp: bool = False  # the penalty only on slopes above 1 (WGAN-LP)


LOSSES: dict[str, GANLoss] = {
    loss.name: loss
    for loss in [
        GANLoss("saturating", d_loss_bce, g_loss_saturating),
        GANLoss("non-saturating", d_loss_bce, g_loss_non_saturating),
        GANLoss("least-squares", d_loss_least_squares, g_loss_least_squares, probabilistic=False),
        GANLoss("wgan", d_loss_wasserstein, g_loss_wasserstein, probabilistic=False),
        GANLoss(
            "wgan-gp", d_loss_wasserstein, g_loss_wasserstein, gp_weight=10.0, probabilistic=False
        ),
        GANLoss(
            "wgan-lp",
            d_loss_wasserstein,
            g_loss_wasserstein,
            gp_weight=10.0,
            probabilistic=False,
            one_sided_gp=True,
        ),
        GANLoss("hinge", d_loss_hinge, g_loss_wasserstein, probabilistic=False),
        GANLoss("relativistic", d_loss_relativistic, g_loss_relativistic, needs_real_logits=True),
    ]
}
ALIASES = {
    "minimax": "saturating",
    "ns": "non-saturating",
    "nonsaturating": "non-saturating",
    "lsgan": "least-squares",
    "rsgan": "relativistic",
}


def get_loss(name: str | GANLoss) -> GANLoss:
    """Look a loss up by name (``'non-saturating'``, ``'wgan-gp'``, ...) or pass one through."""
    if isinstance(name, GANLoss):
        return name
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid losses are: {', '.join(LOSSES)}")
    return LOSSES[key]


# -- extra generator terms ----------------------------------------------------------------


class Term(nn.Module):
    """A weighted term of the generator's objective: ``weight * term(trainer, batch, fake, z)``.

    ``batch`` is the trainer's :class:`ganbook.core.train.Batch` (``real``, ``cond``, ``source``),
    ``fake`` the generator's output for it and ``z`` its noise (None without noise). A term
    may own parameters (the inverse generator of a cycle term): the Trainer optimizes them
    with the generator and saves them in its checkpoints.
    """

    name = "term"

    def __init__(self, weight: float) -> None:
        super().__init__()
        check_nonnegative("weight", weight)
        self.weight = float(weight)

    def forward(self, trainer: Any, batch: Any, fake: Tensor, z: Tensor | None) -> Tensor:
        raise NotImplementedError


def _distance(kind: str) -> Callable[[Tensor, Tensor], Tensor]:
    if kind not in ("l1", "l2"):
        raise ValueError(f"kind must be 'l1' or 'l2', got {kind!r}")
    return F.l1_loss if kind == "l1" else F.mse_loss


def _paired(batch: Any, who: str) -> Tensor:
    if batch.source is None:
        raise ValueError(
            f"{who} needs paired data: give the Trainer paired=True and a sample_real "
            "that returns (input, target, *cond)"
        )
    return batch.source


class Reconstruction(Term):
    """Mean L1 (or L2) distance from the output to the batch's target (pix2pix, SRResNet/SRGAN)."""

    def __init__(self, weight: float, kind: str = "l1") -> None:
        super().__init__(weight)
        self.distance, self.name = _distance(kind), kind

    def forward(self, trainer: Any, batch: Any, fake: Tensor, z: Tensor | None) -> Tensor:
        _paired(batch, "Reconstruction")
        return self.distance(fake, batch.real)


class CycleConsistency(Term):
    """Mean L1 distance from ``inverse(G(input))`` back to the input (CycleGAN, Zhu et al. 2017).

    ``inverse`` maps outputs back to inputs and is trained with the generator. A full CycleGAN
    also trains ``inverse`` adversarially in the other direction; this term is one half of it.
    """

    name = "cycle"

    def __init__(self, inverse: nn.Module, weight: float = 10.0, kind: str = "l1") -> None:
        super().__init__(weight)
        self.inverse, self.distance = inverse, _distance(kind)

    def forward(self, trainer: Any, batch: Any, fake: Tensor, z: Tensor | None) -> Tensor:
        return self.distance(self.inverse(fake, *batch.cond), _paired(batch, "CycleConsistency"))


class FeatureMatching(Term):
    """Squared distance between the mean discriminator features of reals and of fakes
    (Salimans 2016).

    The discriminator must have a ``features`` method that takes what it takes and returns
    ``(batch, ...)`` features (see :meth:`ganbook.Trainer.critic`).
    """

    name = "feature_matching"

    def forward(self, trainer: Any, batch: Any, fake: Tensor, z: Tensor | None) -> Tensor:
        with torch.no_grad():
            real = trainer.critic(batch.real, batch, features=True).flatten(1).mean(0)
        return ((trainer.critic(fake, batch, features=True).flatten(1).mean(0) - real) ** 2).mean()


class ModeSeeking(Term):
    """Mode seeking (Mao et al. 2019): ``mean|z1 - z2| / distance(G(z1), G(z2))``
    over the batch's halves.

    Two different codes that give the same output cost extra, which pushes against mode
    collapse. ``distance`` defaults to the mean absolute difference of the outputs.
    """

    name = "mode_seeking"

    def __init__(
        self,
        weight: float,
        distance: Callable[[Tensor, Tensor], Tensor] | None = None,
        eps: float = 1e-5,
    ) -> None:
        super().__init__(weight)
        self.distance = distance or (lambda a, b: (a - b).abs().mean())
        self.eps = eps

    def forward(self, trainer: Any, batch: Any, fake: Tensor, z: Tensor | None) -> Tensor:
        if z is None:
            raise ValueError("ModeSeeking needs a generator driven by noise")
        half = fake.shape[0] // 2
        if half == 0:
            raise ValueError("ModeSeeking needs batches of at least 2")
        spread = self.distance(fake[:half], fake[half : 2 * half])
        return (z[:half] - z[half : 2 * half]).abs().mean() / (spread + self.eps)
