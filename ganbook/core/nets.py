"""Plain MLP generator and discriminator, shared by the toy chapters and the MLP image GAN."""

from __future__ import annotations

import math

from torch import Tensor, nn

from .loop import check_positive_ints


def mlp(
    in_dim: int, hidden: int, out_dim: int, layers: int = 2, act: type[nn.Module] = nn.LeakyReLU
) -> nn.Sequential:
    """``layers`` hidden layers of width ``hidden`` with activation ``act``,
    then a linear output."""
    check_positive_ints(in_dim=in_dim, hidden=hidden, out_dim=out_dim, layers=layers)
    mods: list[nn.Module] = []
    width = in_dim
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), act(0.2) if act is nn.LeakyReLU else act()]
        width = hidden
    mods.append(nn.Linear(width, out_dim))
    return nn.Sequential(*mods)


class MLPGenerator(nn.Module):
    """z (latent_dim) -> sample of shape ``out_shape`` (a vector, or e.g. (1, 8, 8) for images)."""

    def __init__(
        self,
        latent_dim: int,
        out_shape: int | tuple[int, ...],
        hidden: int = 128,
        layers: int = 2,
        out_act: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.out_shape = (out_shape,) if isinstance(out_shape, int) else tuple(out_shape)
        self.net = mlp(latent_dim, hidden, math.prod(self.out_shape), layers)
        self.out_act = out_act if out_act is not None else nn.Identity()

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), got {tuple(z.shape)}")
        return self.out_act(self.net(z)).view(z.shape[0], *self.out_shape)


class MLPDiscriminator(nn.Module):
    """Sample of shape ``in_shape`` -> one logit per sample (shape ``(batch,)``)."""

    def __init__(self, in_shape: int | tuple[int, ...], hidden: int = 128, layers: int = 2) -> None:
        super().__init__()
        self.in_shape = (in_shape,) if isinstance(in_shape, int) else tuple(in_shape)
        self.net = mlp(math.prod(self.in_shape), hidden, 1, layers)

    def forward(self, x: Tensor) -> Tensor:
        if tuple(x.shape[1:]) != self.in_shape:
            raise ValueError(
                f"x must have shape (batch, {', '.join(map(str, self.in_shape))}), "
                f"got {tuple(x.shape)}"
            )
        return self.net(x.flatten(1)).squeeze(1)
