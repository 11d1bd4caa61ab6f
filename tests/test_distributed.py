"""The one loop under torch.distributed: 2 gloo processes on the CPU against 1 process.

Each test spawns 2 ranks (``torch.multiprocessing.spawn``) that set the environment torchrun
would set; the Trainer initialises the process group itself. Reference runs without a
process group happen in the pytest process.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from ganbook import Trainer, seed_everything
from ganbook.core.callbacks import LinearDecay
from ganbook.core.data import TensorSampler

B = 4  # per-rank batch
LATENT, DIM = 3, 5
DATA = torch.randn(64, DIM, generator=torch.Generator().manual_seed(0))

pytestmark = pytest.mark.skipif(not dist.is_gloo_available(), reason="needs gloo")


class GlobalSlice:
    """Rank ``part``'s rows of a deterministic global batch of ``parts * n`` rows.

    With ``alphas=True`` it also leaves torch's RNG where this part of one global
    ``torch.rand`` draw starts, so the gradient penalty's interpolation weights of each rank
    are its rows of the single-process draw.
    """

    def __init__(self, part: int, parts: int, alphas: bool = False) -> None:
        self.part, self.parts, self.alphas, self.calls = part, parts, alphas, 0

    def rows(self, n: int, seed: int, *shape: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(seed)
        full = torch.randn(n * self.parts, *shape, generator=g)
        return full[self.part * n : (self.part + 1) * n]

    def __call__(self, n: int) -> torch.Tensor:
        self.calls += 1
        if self.alphas:
            torch.manual_seed(10_000 + self.calls)
            torch.rand(self.part * n)
        idx = self.rows(n, self.calls, 1).flatten().abs().mul(1000).long() % len(DATA)
        return DATA[idx]


class Noise(GlobalSlice):
    def __call__(self, n: int, device: torch.device) -> torch.Tensor:  # type: ignore[override]
        self.calls += 1
        return self.rows(n, 5_000 + self.calls, LATENT).to(device)


def mlp(n_in: int, n_out: int, norm: bool = False) -> nn.Module:
    layers = [nn.Linear(n_in, 16)] + ([nn.BatchNorm1d(16)] if norm else []) + [nn.Tanh()]
    return nn.Sequential(*layers, nn.Linear(16, n_out))


class Critic(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = mlp(DIM, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


def sliced_trainer(part: int, parts: int, loss: str, **kwargs) -> Trainer:
    """The same networks on every rank; data and noise are rank ``part``'s rows."""
    seed_everything(0)
    return Trainer(
        mlp(LATENT, DIM),
        Critic(),
        GlobalSlice(part, parts, alphas=loss == "wgan-gp"),
        noise=Noise(part, parts),
        loss=loss,
        batch_size=B * (2 // parts),
        device="cpu",
        **kwargs,
    )


def with_sgd_critic(t: Trainer, lr: float) -> Trainer:
    """D updated by plain SGD: its change over one step is -lr times its gradient."""
    t.opt_d = torch.optim.SGD(t.D.parameters(), lr=lr)
    return t


def run_equivalence(part: int, parts: int) -> dict:
    out = {}
    t = sliced_trainer(part, parts, "non-saturating", clip_g=0.5)
    t.fit(5, progress=False)
    out["ns"] = (t.history, {k: v.clone() for k, v in t.G_ema.state_dict().items()})
    t = with_sgd_critic(sliced_trainer(part, parts, "wgan-gp", ema_decay=None), lr=0.1)
    before = [p.detach().clone() for p in t.D.parameters()]
    t.fit(1, progress=False)
    grads = [(b - p.detach()) / 0.1 for b, p in zip(before, t.D.parameters())]
    out["gp_grads"] = grads
    t = sliced_trainer(part, parts, "wgan-gp", ema_decay=None)
    t.fit(4, progress=False)
    out["gp"] = t.history
    return out


def bn_trainer(path: Path, **kwargs) -> Trainer:
    """Own data streams per rank (TensorSampler, latent noise, interpolates), batch norm in G."""
    seed_everything(1)
    sampler = TensorSampler(DATA)
    seen = []

    def sample(n: int) -> torch.Tensor:
        x = sampler(n)
        seen.append(x.sum().item())
        return x

    t = Trainer(
        mlp(LATENT, DIM, norm=True),
        Critic(),
        sample,
        latent_dim=LATENT,
        loss="wgan-gp",
        batch_size=B,
        device="cpu",
        checkpoint_path=path,
        **kwargs,
    )
    t.seen = seen
    return t


def snapshot(t: Trainer) -> dict:
    state = {
        f"{k}.{n}": v.clone() for k, m in t.networks().items() for n, v in m.state_dict().items()
    }
    state.update({f"ema.{n}": v.clone() for n, v in t.G_ema.state_dict().items()})
    return {"history": t.history, "state": state, "seen": t.seen[:1], "rng": torch.rand(3)}


def worker(rank: int, size: int, port: int, job: str, folder: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(size),
    )
    torch.set_num_threads(1)
    folder = Path(folder)
    try:
        result = {"equivalence": run_equivalence(rank, size)}
        decay = [(1, LinearDecay(2, 6))]  # callbacks run on every rank: equal learning rates
        t = bn_trainer(folder / "whole.pt")
        t.fit(6, callbacks=decay, progress=False)
        result["whole"] = snapshot(t)
        t = bn_trainer(folder / "half.pt")
        t.fit(3, callbacks=decay, progress=False)
        seed_everything(123)  # a fresh trainer, its RNG elsewhere: the checkpoint restores it
        t = bn_trainer(folder / "half.pt")
        assert t.resume() and t.step == 3
        t.fit(6, callbacks=decay, progress=False)
        result["resumed"] = snapshot(t)

        # The records and buffers synced every step, or every 4 steps and at the end.
        for every in (1, 4):
            t = bn_trainer(folder / f"sync{every}.pt", sync_every=every)
            t.fit(6, progress=False)
            result[f"sync{every}"] = snapshot(t)
        # Ctrl-C seen by rank 0 alone between reads: both ranks stop at the next read.
        t = bn_trainer(folder / "between.pt", sync_every=4)
        step = t.train_step

        def interrupted_step():
            if rank == 0 and t.step == 1:
                t._interrupts = 1  # during step 2: read at step 4
            return step()

        t.train_step = interrupted_step
        try:
            t.fit(8, progress=False)
        except KeyboardInterrupt:
            result["between"] = snapshot(t)
        # Ctrl-C seen by rank 0 alone: both ranks stop at the same step boundary and save.
        def ctrl_c(t: Trainer) -> None:
            if rank == 0 and t.step == 2:
                t._interrupts = 1  # what the deferred SIGINT handler sets

        t = bn_trainer(folder / "stopped.pt")
        try:
            t.fit(6, callbacks=[(1, ctrl_c)], progress=False)
        except KeyboardInterrupt:
            result["stopped_at"] = t.step
        # A NaN on one rank stops both, each with a clear error, before any weight changes.
        data = DATA * float("nan") if rank == 1 else DATA
        t = Trainer(
            mlp(LATENT, DIM),
            Critic(),
            TensorSampler(data),
            latent_dim=LATENT,
            batch_size=B,
            device="cpu",
        )
        try:
            t.fit(2, progress=False)
        except FloatingPointError as err:
            result["nan"] = str(err)
        torch.save(result, folder / f"{job}-{rank}.pt")
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def spawn(job: str, folder: Path, size: int = 2) -> list[dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # fork: the ranks inherit the imported modules instead of importing torch again.
    mp.start_processes(
        worker, args=(size, port, job, str(folder)), nprocs=size, start_method="fork"
    )
    return [torch.load(folder / f"{job}-{r}.pt", weights_only=False) for r in range(size)]


def close(a: list[float], b: list[float], tol: float = 1e-5) -> bool:
    return torch.allclose(torch.tensor(a), torch.tensor(b), rtol=tol, atol=tol)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> tuple[list[dict], Path]:
    folder = tmp_path_factory.mktemp("ranks")
    return spawn("all", folder), folder


def test_two_ranks_of_batch_b_match_one_process_of_batch_2b(ranks):
    single = run_equivalence(0, 1)
    for rank in (r["equivalence"] for r in ranks[0]):
        history, ema = rank["ns"]
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert close(history[key], single["ns"][0][key]), key
        for name, value in ema.items():
            assert torch.allclose(value, single["ns"][1][name], atol=1e-5), name
        # WGAN-GP: the double backward of the penalty, averaged over ranks, is the 2B gradient.
        for mine, ref in zip(rank["gp_grads"], single["gp_grads"]):
            assert torch.allclose(mine, ref, rtol=1e-4, atol=1e-5)
        for key in ("d_loss", "gp", "g_loss"):
            assert close(rank["gp"][key], single["gp"][key], 1e-4), key
    assert single["gp"]["gp"][0] > 0  # the penalty was on
    # Half the batch alone gives other gradients: the equality above needed both ranks.
    half = [g.abs().sum() for g in run_equivalence(0, 2)["gp_grads"]]
    assert not all(torch.isclose(h, r.abs().sum()) for h, r in zip(half, single["gp_grads"]))


def test_two_ranks_resume_from_their_checkpoint_exactly(ranks):
    results, folder = ranks
    state = torch.load(folder / "half.pt", weights_only=True)
    assert state["world_size"] == 2 and len(state["rng_ranks"]) == 2
    whole = [r["whole"] for r in results]
    assert whole[0]["seen"] != whole[1]["seen"]  # each rank its own batches
    for a, b in zip(whole, (r["resumed"] for r in results)):
        assert a["history"]["step"] == b["history"]["step"] == [1, 2, 3, 4, 5, 6]
        for key in ("d_loss", "g_loss", "gp", "d_real"):
            assert a["history"][key] == b["history"][key], key
        for name, value in a["state"].items():
            assert torch.equal(value, b["state"][name]), name
        assert torch.equal(a["rng"], b["rng"])  # every rank's RNG continued exactly
    for key in ("d_loss", "g_loss", "gp", "d_real", "d_fake"):  # one averaged history
        assert whole[0]["history"][key] == whole[1]["history"][key], key
    for name, value in whole[0]["state"].items():  # equal weights and batch-norm buffers
        assert torch.equal(value, whole[1]["state"][name]), name
    assert not torch.equal(whole[0]["rng"], whole[1]["rng"])
    assert "at step 1" in results[0]["nan"] and "another rank" in results[0]["nan"]
    assert results[1]["nan"].startswith("d_loss became nan at step 1")
    assert [r["stopped_at"] for r in results] == [3, 3]
    assert torch.load(folder / "stopped.pt", weights_only=True)["step"] == 3


def test_records_and_buffers_synced_at_reads_change_nothing(ranks):
    """Read every 4 steps (one collective for 4 records), a run keeps the history and
    weights of one that reads every step, on both ranks."""
    results, _ = ranks
    for r in results:
        a, b = r["sync1"], r["sync4"]
        assert a["history"]["step"] == b["history"]["step"] == [1, 2, 3, 4, 5, 6]
        for key in ("d_loss", "g_loss", "gp", "d_real"):
            assert a["history"][key] == b["history"][key], key
        for name, value in a["state"].items():
            assert torch.equal(value, b["state"][name]), name
    for name, value in results[0]["sync4"]["state"].items():  # rank 0's buffers everywhere
        assert torch.equal(value, results[1]["sync4"]["state"][name]), name


def test_a_ctrl_c_between_reads_stops_every_rank_at_the_next_read(ranks):
    results, folder = ranks
    for r in results:
        assert r["between"]["history"]["step"] == [1, 2, 3, 4]
    for key in ("d_loss", "g_loss"):  # averaged before the stop, the same on both ranks
        assert results[0]["between"]["history"][key] == results[1]["between"]["history"][key]
    assert torch.load(folder / "between.pt", weights_only=True)["step"] == 4
