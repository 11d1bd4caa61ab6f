"""The minimax chapter's mathematics as functions we can test: V(D, G), D*, C(G), JSD, W1.

Everything here follows Goodfellow et al. (2014), Section 4, and Arjovsky & Bottou (2017)
on why the Jensen-Shannon divergence stops helping when supports are disjoint. Densities
are 1-D and evaluated on a uniform grid, so integrals are plain trapezoid sums.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import update
from ..core.losses import get_loss
from ..core.train import Batch, Trainer
from .experiment import discriminator_map

# -- checking inputs ---------------------------------------------------------------------


def _as_1d(name: str, x: Tensor) -> Tensor:
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.dim() == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.dim() != 1 or len(x) == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D tensor (or shape (n, 1)), got shape {tuple(x.shape)}"
        )
    return x


def normal_pdf(x: Tensor, mu: float, sigma: float) -> Tensor:
    """The density of N(mu, sigma^2) at ``x``: p_g of a shifted Gaussian generator."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    return torch.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _check_grid(grid: Tensor, **densities: Tensor) -> tuple[Tensor, ...]:
    grid = _as_1d("grid", grid)
    if len(grid) < 2 or not bool((grid[1:] > grid[:-1]).all()):
        raise ValueError("grid must be increasing with at least two points")
    out = [grid]
    for name, p in densities.items():
        p = _as_1d(name, p)
        if p.shape != grid.shape:
            raise ValueError(
                f"{name} must have one value per grid point ({len(grid)}), got {len(p)}"
            )
        if bool((p < 0).any()):
            raise ValueError(f"{name} must be non-negative (a density)")
        out.append(p)
    return tuple(out)


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    """x * log(y) with the convention 0 * log(anything) = 0."""
    return torch.where(
        x > 0, x * torch.log(torch.where(x > 0, y, torch.ones_like(y))), torch.zeros_like(x)
    )


# -- the value function ------------------------------------------------------------------


def value_monte_carlo(real_logits: Tensor, fake_logits: Tensor) -> tuple[float, float]:
    """Monte-Carlo V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))] from D's logits,
    with its standard error.

    ``log D = -softplus(-logit)`` and ``log(1 - D) = -softplus(logit)``: finite for any logit.
    """
    real_logits, fake_logits = (
        _as_1d("real_logits", real_logits),
        _as_1d("fake_logits", fake_logits),
    )
    a, b = -F.softplus(-real_logits), -F.softplus(fake_logits)
    se = (
        math.sqrt(a.var().item() / len(a) + b.var().item() / len(b))
        if min(len(a), len(b)) > 1
        else float("nan")
    )
    return a.mean().item() + b.mean().item(), se


def value_on_grid(grid: Tensor, p_data: Tensor, p_g: Tensor, d: Tensor) -> float:
    """V(D, G) = integral of p_data log D + p_g log(1 - D), by the trapezoid rule on ``grid``."""
    grid, p_data, p_g, d = _check_grid(grid, p_data=p_data, p_g=p_g, d=d)
    if bool((d > 1).any()):
        raise ValueError("d must be a probability in [0, 1] at every grid point")
    integrand = _xlogy(p_data, d) + _xlogy(p_g, 1 - d)
    return torch.trapezoid(integrand, grid).item()


def optimal_discriminator(p_data: Tensor, p_g: Tensor) -> Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow 2014, Prop. 1);
    1/2 where both vanish."""
    p_data, p_g = (
        torch.as_tensor(p_data, dtype=torch.float64),
        torch.as_tensor(p_g, dtype=torch.float64),
    )
    if p_data.shape != p_g.shape:
        raise ValueError(
            f"p_data and p_g must have the same shape, "
            f"got {tuple(p_data.shape)} and {tuple(p_g.shape)}"
        )
    if bool((p_data < 0).any() or (p_g < 0).any()):
        raise ValueError("p_data and p_g must be non-negative (densities)")
    total = p_data + p_g
    return torch.where(
        total > 0,
        p_data / torch.where(total > 0, total, torch.ones_like(total)),
        torch.full_like(total, 0.5),
    )


# -- densities and divergences on a grid ---------------------------------------------------


def silverman_bandwidth(samples: Tensor) -> float:
    """Silverman's rule of thumb for a Gaussian kernel: 0.9 min(std, IQR/1.34) n^(-1/5)."""
    x = _as_1d("samples", samples)
    if len(x) < 2:
        raise ValueError("samples must hold at least two points to choose a bandwidth")
    q = torch.quantile(x, torch.tensor([0.25, 0.75], dtype=x.dtype))
    spread = min(x.std().item(), (q[1] - q[0]).item() / 1.34) or x.std().item() or 1e-3
    return 0.9 * spread * len(x) ** -0.2


def kde_density(
    samples: Tensor, grid: Tensor, bandwidth: float | None = None, chunk: int = 4096
) -> Tensor:
    """Gaussian kernel density estimate of 1-D ``samples`` at the points of ``grid`` (float64)."""
    x, grid = _as_1d("samples", samples), _as_1d("grid", grid)
    h = silverman_bandwidth(x) if bandwidth is None else float(bandwidth)
    if not h > 0:
        raise ValueError(f"bandwidth must be positive, got {bandwidth!r}")
    dens = torch.zeros_like(grid)
    for start in range(0, len(x), chunk):
        u = (grid[:, None] - x[None, start : start + chunk]) / h
        dens += torch.exp(-0.5 * u**2).sum(1)
    return dens / (len(x) * h * math.sqrt(2 * math.pi))


def kl_divergence(grid: Tensor, p: Tensor, q: Tensor) -> float:
    """KL(p || q) in nats by the trapezoid rule; infinite if p has mass where q has none."""
    grid, p, q = _check_grid(grid, p=p, q=q)
    if bool(((p > 0) & (q == 0)).any()):
        return math.inf
    return torch.trapezoid(_xlogy(p, p) - _xlogy(p, q), grid).item()


def js_divergence(grid: Tensor, p: Tensor, q: Tensor) -> float:
    """Jensen-Shannon divergence in nats: KL(p||m)/2 + KL(q||m)/2 with m = (p+q)/2;
    at most log 2."""
    grid, p, q = _check_grid(grid, p=p, q=q)
    m = (p + q) / 2
    return 0.5 * kl_divergence(grid, p, m) + 0.5 * kl_divergence(grid, q, m)


def virtual_training_criterion(grid: Tensor, p_data: Tensor, p_g: Tensor) -> float:
    """C(G) = max_D V(D, G) = V(D*, G), integrated on ``grid``
    (Goodfellow 2014, Thm. 1: = -log 4 + 2 JSD).

    Written as p_data log(p_data / (p_data + p_g)) + p_g log(p_g / (p_data + p_g)) so that
    1 - D* is never rounded to zero where p_g is tiny but positive.
    """
    grid, p_data, p_g = _check_grid(grid, p_data=p_data, p_g=p_g)
    total = p_data + p_g
    integrand = _xlogy(p_data, p_data) + _xlogy(p_g, p_g) - _xlogy(total, total)
    return torch.trapezoid(integrand, grid).item()


def wasserstein_1d(a: Tensor, b: Tensor) -> float:
    """Earth mover's distance W1 between two 1-D samples (any shapes, flattened; any sizes):
    the area between their empirical CDFs. For equal sizes, mean |sorted(a) - sorted(b)|."""
    a, b = (torch.as_tensor(x).detach().flatten().double() for x in (a, b))
    if len(a) == 0 or len(b) == 0:
        raise ValueError(f"a and b must each hold at least one value, got {len(a)} and {len(b)}")
    if len(a) == len(b):
        return (a.sort().values - b.sort().values).abs().mean().item()
    a, b = a.sort().values, b.sort().values
    edges = torch.cat([a, b]).sort().values
    cdf_a = torch.searchsorted(a, edges[:-1], right=True).double() / len(a)
    cdf_b = torch.searchsorted(b, edges[:-1], right=True).double() / len(b)
    return ((cdf_a - cdf_b).abs() * edges.diff()).sum().item()


# -- the generator's gradient ----------------------------------------------------------------


def generator_gradient(d_fake: Tensor, loss: str) -> Tensor:
    """|d loss / d logit| for a fake scored ``d_fake`` = D(G(z)),
    by autograd through the library's loss.

    The saturating loss log(1 - D) gives D (vanishing when D rejects the fake); the
    non-saturating -log D gives 1 - D (largest exactly then).
    """
    d = torch.as_tensor(d_fake, dtype=torch.float64)
    if bool(((d <= 0) | (d >= 1)).any()):
        raise ValueError("d_fake must lie strictly between 0 and 1")
    name = get_loss(loss).name
    if name not in ("saturating", "non-saturating"):
        raise ValueError(f"loss must be 'saturating' or 'non-saturating', got {loss!r}")
    logits = torch.logit(d).detach().requires_grad_(True)
    # The loss is a mean; multiply by n so each entry is the gradient for that one sample.
    (grad,) = torch.autograd.grad(
        get_loss(name).g_loss(logits.reshape(-1)) * logits.numel(), logits
    )
    return grad.abs()


def sample_gradient(discriminator: nn.Module, fake: Tensor, loss: str) -> Tensor:
    """d(generator loss)/d x at each fake point x: the only signal the generator receives.

    For the WGAN losses the generator loss is -critic(x); for the others it is the loss's g_loss.
    """
    fake = torch.as_tensor(fake, dtype=torch.float32).detach().clone().requires_grad_(True)
    logits = discriminator(fake)
    (grad,) = torch.autograd.grad(get_loss(loss).g_loss(logits) * len(fake), fake)
    return grad


# -- Algorithm 1 of Goodfellow et al. (2014), literally ------------------------------------


def minimax_sgd_step(
    G: nn.Module,
    D: nn.Module,
    sample_real: Callable[[int], Tensor],
    m: int = 64,
    k: int = 1,
    lr: float = 0.05,
    generator_loss: str = "saturating",
) -> tuple[float, float]:
    """One iteration of Algorithm 1: k plain-SGD ascent steps on V for D, one descent
    step for G.

    ``generator_loss="saturating"`` descends log(1 - D(G(z))) as the algorithm states;
    ``"non-saturating"`` ascends log D(G(z)) instead, as the paper recommends in
    practice. ``G(z)`` has ``G.latent_dim``; ``D(x)`` returns logits. Returns D's
    last V and G's objective.
    """
    if not (isinstance(m, int) and isinstance(k, int) and m > 0 and k > 0 and lr > 0):
        raise ValueError(
            "m and k must be positive ints and lr positive, "
            f"got m={m!r}, k={k!r}, lr={lr!r}"
        )
    if generator_loss not in ("saturating", "non-saturating"):
        raise ValueError(
            "generator_loss must be 'saturating' or 'non-saturating', "
            f"got {generator_loss!r}"
        )
    # Plain SGD has no state, so fresh optimizers each call are the algorithm exactly.
    # D wants V large, G wants V small
    ascend_d = torch.optim.SGD(D.parameters(), lr=lr, maximize=True)
    descend_g = torch.optim.SGD(G.parameters(), lr=lr)
    for _ in range(k):
        x, z = sample_real(m), torch.randn(m, G.latent_dim)
        # log D(x) + log(1 - D(G(z)))
        v = -F.softplus(-D(x)).mean() - F.softplus(D(G(z).detach())).mean()
        update(ascend_d, v)
    z = torch.randn(m, G.latent_dim)
    if generator_loss == "saturating":
        objective = -F.softplus(D(G(z))).mean()  # log(1 - D(G(z))), to descend
    else:
        # -log D(G(z)), to descend (= ascend log D(G(z)))
        objective = F.softplus(-D(G(z))).mean()
    update(descend_g, objective)
    return v.item(), objective.item()


def compare_to_optimum(
    grid: Tensor,
    d: Tensor,
    p_data: Tensor,
    p_g: Tensor,
    min_density: float = 0.05,
    tol: float = 0.1,
) -> dict[str, float]:
    """How close a discriminator ``d`` is to D* on the grid points
    where p_data + p_g > ``min_density``.

    Returns the largest and the (p_data + p_g)/2-weighted mean absolute error, the share
    of points within ``tol``, and the same weighted error for the constant guess D = 1/2.
    """
    grid, p_data, p_g, d = _check_grid(grid, p_data=p_data, p_g=p_g, d=d)
    d_star = optimal_discriminator(p_data, p_g)
    keep = (p_data + p_g) > min_density
    if not bool(keep.any()):
        raise ValueError(f"no grid point has p_data + p_g > min_density={min_density}")
    w = ((p_data + p_g) / 2)[keep]
    err, half = (d - d_star).abs()[keep], (0.5 - d_star).abs()[keep]
    return {
        "max_error": err.max().item(),
        "mean_error": (w * err).sum().item() / w.sum().item(),
        "share_within_tol": (err <= tol).double().mean().item(),
        "mean_error_of_half": (w * half).sum().item() / w.sum().item(),
    }


# -- helpers for the chapter's experiments ------------------------------------------------


class ShiftedGaussian(nn.Module):
    """G_theta(z) = theta + scale * z:
    a generator whose only parameter is where it puts its mass."""

    def __init__(self, theta: float, scale: float, latent_dim: int = 1) -> None:
        super().__init__()
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.latent_dim = latent_dim
        self.scale = scale
        self.theta = nn.Parameter(torch.tensor(float(theta)))

    def forward(self, z: Tensor) -> Tensor:
        return self.theta + self.scale * z[:, :1]


class DiscriminatorTrainer(Trainer):
    """The shared Trainer with the generator frozen: fits D (or a critic) against a fixed p_g."""

    def g_step(self, batch: Batch) -> dict[str, float]:
        """No generator update: p_g stays fixed."""
        return {"g_loss": 0.0}


def fit_discriminator(
    G: nn.Module,
    D: nn.Module,
    sample_real: Callable[[int], Tensor],
    steps: int,
    loss: str = "non-saturating",
    lr: float = 1e-3,
    batch_size: int = 256,
    progress: bool = False,
) -> DiscriminatorTrainer:
    """Train only ``D`` against the frozen ``G`` for ``steps`` steps and return the trainer."""
    trainer = DiscriminatorTrainer(
        G,
        D,
        sample_real,
        loss=loss,
        lr_d=lr,
        lr_g=lr,
        batch_size=batch_size,
        ema_decay=None,
        device="cpu",
    )
    trainer.fit(steps, progress=progress)
    return trainer


def discriminator_on_grid(D: nn.Module, grid: Tensor) -> Tensor:
    """sigmoid(D(x)) at each point of a 1-D ``grid`` (float64), in eval mode."""
    return discriminator_map(D, _as_1d("grid", grid).float()[:, None]).double()
