"""The article's text GAN (its section 5), reconstructed so the book can run it and watch it fail.

The article gives an LSTM generator and an ``nn.Embedding`` + CNN discriminator trained with
``log(D(x))`` losses. This module is *our reconstruction* of that code in its most plausible
form: the same architecture, the same calls, the same losses. Nothing here is meant to be
used; :func:`training_step` reproduces the article's loop, and ``repair`` applies the obvious
fixes one at a time so each next failure can be seen.
"""

from __future__ import annotations

import inspect

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import update

STAGES = {
    0: "as written: the generator is called with noise",
    1: "noise passed together with an LSTM state",
    2: "generator run from a start token; its logits go to the discriminator",
    3: "tokens sampled from the logits (argmax); token ids go to the discriminator",
}


class ArticleGenerator(nn.Module):
    """The article's generator: a language model
    whose ``forward`` takes token ids and an LSTM state."""

    def __init__(
        self, vocab_size: int, embedding_dim: int = 32, hidden_dim: int = 64
    ) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden):
        x = self.embedding(x)
        output, hidden = self.lstm(x, hidden)
        return self.fc(output), hidden

    def init_hidden(self, batch_size):
        return (
            torch.zeros(1, batch_size, self.hidden_dim),
            torch.zeros(1, batch_size, self.hidden_dim),
        )


class ArticleDiscriminator(nn.Module):
    """The article's discriminator: ``nn.Embedding``, parallel convolutions,
    max-pooling, a sigmoid output."""

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 32,
        num_filters: int = 32,
        filter_sizes: tuple[int, ...] = (2, 3, 4),
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.convs = nn.ModuleList(
            [nn.Conv2d(1, num_filters, (fs, embedding_dim)) for fs in filter_sizes]
        )
        self.fc = nn.Linear(num_filters * len(filter_sizes), 1)

    def forward(self, x):
        x = self.embedding(x).unsqueeze(1)
        x = [F.relu(conv(x)).squeeze(3) for conv in self.convs]
        x = [F.max_pool1d(i, i.size(2)).squeeze(2) for i in x]
        return torch.sigmoid(self.fc(torch.cat(x, 1)))


def d_loss_article(d_real, d_fake):
    """The article's discriminator loss: -mean(log D(x) + log(1 - D(G(z))))."""
    return -torch.mean(torch.log(d_real) + torch.log(1 - d_fake))


def g_loss_article(d_fake):
    """The article's generator loss: -mean(log D(G(z)))."""
    return -torch.mean(torch.log(d_fake))


def generate_logits(
    G: ArticleGenerator, batch_size: int, seq_len: int, start_token: int = 1
) -> Tensor:
    """The generator run the way a language model runs: from a start token,
    feeding back its own argmax."""
    hidden = G.init_hidden(batch_size)
    token = torch.full((batch_size, 1), start_token, dtype=torch.long)
    steps = []
    for _ in range(seq_len):
        logits, hidden = G(token, hidden)
        steps.append(logits)
        token = logits.argmax(-1)
    return torch.cat(steps, dim=1)  # (batch, seq_len, vocab)


def training_step(G, D, real, opt_g, opt_d, repair: int = 0, noise_dim: int = 100):
    """One step of the article's loop. ``repair`` (0-3) applies the first fixes; see ``STAGES``."""
    batch_size, seq_len = real.shape
    # --- discriminator ---
    z = torch.randn(batch_size, noise_dim)
    if repair == 0:
        fake = G(z)
    elif repair == 1:
        fake, _ = G(z, G.init_hidden(batch_size))
    elif repair == 2:
        fake = generate_logits(G, batch_size, seq_len)
    else:
        fake = generate_logits(G, batch_size, seq_len).argmax(-1)
    d_real, d_fake = D(real), D(fake.detach())
    d_loss = d_loss_article(d_real, d_fake)
    update(opt_d, d_loss)  # the article's zero_grad(), backward(), step()
    # --- generator ---
    g_loss = g_loss_article(D(fake))
    update(opt_g, g_loss)
    return {
        "d_loss": d_loss.item(),
        "g_loss": g_loss.item(),
        "d_real": d_real.mean().item(),
        "d_fake": d_fake.mean().item(),
    }


def generator_gradients(G: nn.Module, g_loss: Tensor) -> list[Tensor]:
    """d g_loss / d G's parameters, insisting that every parameter is reached
    (as the update needs)."""
    return list(torch.autograd.grad(g_loss, list(G.parameters())))


def source(obj) -> str:
    """The source code of one of this module's functions or classes, to show in the notebook."""
    return inspect.getsource(obj)
