"""The LSTM language model every text GAN here starts from (and the MLE baseline it must beat).

One network, four uses: teacher-forced log-likelihood for maximum-likelihood training,
``G(u)`` sampling driven by uniform noise (so it fits the core's generator contract),
temperature sampling, and a Gumbel-softmax relaxed output for the RelGAN-style GAN.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..core.loop import check_positive, check_positive_ints
from .sampling import sample_logits

State = tuple[Tensor, Tensor]


class LSTMGenerator(nn.Module):
    """A one-layer LSTM over tokens ``0..vocab_size-1`` with its own start token,
    making length-``seq_len`` sequences.

    ``G(u)`` with uniforms ``u`` of shape (batch, seq_len) returns token ids (batch, seq_len):
    token t is the inverse-CDF sample of the model's next-token distribution at ``u[:, t]``.
    """

    def __init__(
        self, vocab_size: int, seq_len: int, emb_dim: int = 32, hidden_dim: int = 32
    ) -> None:
        super().__init__()
        check_positive_ints(
            vocab_size=vocab_size, seq_len=seq_len, emb_dim=emb_dim, hidden_dim=hidden_dim
        )
        self.vocab_size, self.seq_len = vocab_size, seq_len
        self.emb_dim, self.hidden_dim = emb_dim, hidden_dim
        self.latent_dim = seq_len  # one uniform per token
        self.start_id = vocab_size  # an extra embedding row, never generated
        self.embed = nn.Embedding(vocab_size + 1, emb_dim)
        self.lstm = nn.LSTM(emb_dim, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def config(self) -> dict[str, int]:
        return {
            "vocab_size": self.vocab_size,
            "seq_len": self.seq_len,
            "emb_dim": self.emb_dim,
            "hidden_dim": self.hidden_dim,
        }

    # -- teacher forcing ------------------------------------------------------------------

    def _check_ids(self, ids: Tensor) -> None:
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(
                f"ids must be a (batch, length) long tensor, got {tuple(ids.shape)} {ids.dtype}"
            )
        if ids.numel() and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(
                f"ids must lie in [0, {self.vocab_size}), got range [{ids.min()}, {ids.max()}]"
            )

    def inputs(self, ids: Tensor) -> Tensor:
        """The input at each step: the start token, then the sequence shifted right."""
        start = torch.full_like(ids[:, :1], self.start_id)
        return torch.cat([start, ids[:, :-1]], dim=1)

    def logits(self, ids: Tensor) -> Tensor:
        """Next-token logits (batch, length, vocab) for every prefix of ``ids``."""
        self._check_ids(ids)
        out, _ = self.lstm(self.embed(self.inputs(ids)))
        return self.head(out)

    def nll(self, ids: Tensor, temperature: float = 1.0) -> Tensor:
        """Per-token negative log-likelihood of each sequence (batch,), in nats,
        of ``softmax(logits / T)``."""
        logits = self.logits(ids) / check_positive("temperature", temperature, integer=False)
        return F.cross_entropy(logits.transpose(1, 2), ids, reduction="none").mean(1)

    def log_probs(self, ids: Tensor) -> Tensor:
        """log p(token_t | prefix) for each token (batch, length): what REINFORCE weights."""
        logp = torch.log_softmax(self.logits(ids), dim=-1)
        return logp.gather(-1, ids.unsqueeze(-1)).squeeze(-1)

    # -- step by step ---------------------------------------------------------------------

    def init_state(self, batch: int, device: torch.device | None = None) -> State:
        device = device or self.head.weight.device
        zeros = torch.zeros(batch, self.hidden_dim, device=device)
        return zeros, zeros.clone()

    def input_table(self) -> Tensor:
        """Embedding times input weights, for every token at once (vocab + 1, 4 * hidden).

        Embedding a token and multiplying by the LSTM's input weights is a look-up in this
        table; computing it once per sequence saves a third of each step's arithmetic.
        """
        return F.linear(self.embed.weight, self.lstm.weight_ih_l0, self.lstm.bias_ih_l0)

    def step(
        self, tokens: Tensor, state: State, table: Tensor | None = None
    ) -> tuple[Tensor, State]:
        """Feed one token per row; return the next-token logits and the new (h, c).

        An LSTM cell written out with the ``nn.LSTM`` weights, so step-by-step generation and
        teacher forcing share parameters (and rollouts can start from any saved (h, c)).
        ``table`` is :meth:`input_table`, if the caller computed it already.
        """
        h, c = state
        table = self.input_table() if table is None else table
        gates = table[tokens] + F.linear(h, self.lstm.weight_hh_l0, self.lstm.bias_hh_l0)
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return self.head(h), (h, c)

    def prefix_states(self, ids: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Teacher-forced pass keeping every state: (h, c, logits), each indexed [step, batch, ...].

        Entry t is the state after reading the start token and ``ids[:, :t]``: where a rollout
        that keeps the first t tokens continues from.
        """
        self._check_ids(ids)
        state = self.init_state(ids.shape[0], ids.device)
        inputs = self.inputs(ids)
        hs, cs, logits = [], [], []
        table = self.input_table()
        for t in range(ids.shape[1]):
            out, state = self.step(inputs[:, t], state, table)
            hs.append(state[0])
            cs.append(state[1])
            logits.append(out)
        return torch.stack(hs), torch.stack(cs), torch.stack(logits)

    # -- sampling -------------------------------------------------------------------------

    def noise(self, n: int, device: torch.device | str | None = None) -> Tensor:
        """Uniform noise for ``n`` sequences: the ``noise=`` function to hand the Trainer."""
        return torch.rand(n, self.seq_len, device=device)

    def forward(self, u: Tensor, temperature: float = 1.0) -> Tensor:
        """Token ids (batch, seq_len) sampled from ``softmax(logits / temperature)``
        with uniforms ``u``."""
        if u.dim() != 2 or u.shape[1] != self.seq_len:
            raise ValueError(f"u must have shape (batch, {self.seq_len}), got {tuple(u.shape)}")
        if u.numel() and (u.min() < 0 or u.max() > 1):
            raise ValueError(
                "u must be uniform noise in [0, 1) (pass noise=generator.noise to the Trainer, "
                "not its default Gaussian)"
            )
        state = self.init_state(u.shape[0], u.device)
        tokens = torch.full((u.shape[0],), self.start_id, dtype=torch.long, device=u.device)
        out = []
        table = self.input_table()
        for t in range(self.seq_len):
            logits, state = self.step(tokens, state, table)
            tokens = sample_logits(logits, u[:, t], temperature)
            out.append(tokens)
        return torch.stack(out, dim=1)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0) -> Tensor:
        """``n`` sequences at ``temperature`` (drawn from torch's global RNG)."""
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"n must be a positive int, got {n!r}")
        return self(self.noise(n, self.head.weight.device), temperature)

    def sample_relaxed(self, u: Tensor, beta: float) -> tuple[Tensor, Tensor]:
        """Gumbel-softmax sequences: (ids, relaxed one-hots (batch, seq_len, vocab))
        from uniforms ``u`` (batch, seq_len, vocab).

        ``ids`` is argmax(logits + Gumbel noise), an exact sample (Gumbel-max trick), and is what
        the LSTM reads next; the relaxed output ``softmax(beta * (logits + g))`` is what the
        discriminator sees, and it carries gradients back to the generator.
        """
        if u.dim() != 3 or u.shape[1:] != (self.seq_len, self.vocab_size):
            raise ValueError(
                f"u must have shape (batch, {self.seq_len}, {self.vocab_size}), "
                f"got {tuple(u.shape)}"
            )
        if beta <= 0:
            raise ValueError(f"beta (inverse temperature) must be positive, got {beta!r}")
        gumbel = -torch.log(-torch.log(u.clamp(1e-10, 1 - 1e-7)))
        state = self.init_state(u.shape[0], u.device)
        tokens = torch.full((u.shape[0],), self.start_id, dtype=torch.long, device=u.device)
        ids, soft = [], []
        table = self.input_table()
        for t in range(self.seq_len):
            logits, state = self.step(tokens, state, table)
            perturbed = torch.log_softmax(logits, dim=-1) + gumbel[:, t]
            tokens = perturbed.argmax(-1)
            ids.append(tokens)
            soft.append(torch.softmax(beta * perturbed, dim=-1))
        return torch.stack(ids, dim=1), torch.stack(soft, dim=1)
