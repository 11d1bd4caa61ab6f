"""The GPU speed options of the Trainer (ganbook.core.speed), exercised on the CPU: mixed
precision (bf16; fp16 with a loss scaler saved in checkpoints), channels_last, compile."""

from __future__ import annotations

import math

import pytest
import torch

from ganbook import Trainer, seed_everything
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.image.dcgan import DCGANDiscriminator, DCGANGenerator


def images(n: int) -> torch.Tensor:
    return torch.rand(n, 1, 8, 8) * 2 - 1


def conv_trainer(path=None, **kwargs) -> Trainer:
    seed_everything(0)
    return Trainer(
        DCGANGenerator(latent_dim=8, width=8),
        DCGANDiscriminator(width=8),
        images,
        batch_size=16,
        device="cpu",
        checkpoint_path=path,
        **kwargs,
    )


def test_bf16_autocast_trains_with_float32_weights_and_losses():
    a = conv_trainer().fit(6, progress=False)
    bf16 = conv_trainer(precision="bf16")
    b = bf16.fit(6, progress=False)
    assert all(math.isfinite(v) for v in b["d_loss"] + b["g_loss"])
    assert all(p.dtype == torch.float32 for p in bf16.G.parameters())
    assert b["d_loss"][0] == pytest.approx(a["d_loss"][0], rel=0.05)
    assert b["d_loss"] != a["d_loss"], "bf16 really ran in lower precision"


def test_fp16_scaler_is_checkpointed_and_resume_is_exact(tmp_path):
    full = conv_trainer(tmp_path / "full.pt", precision="fp16")
    full.fit(8, progress=False)
    cut = conv_trainer(tmp_path / "cut.pt", precision="fp16")
    cut.fit(4, progress=False)
    state = torch.load(tmp_path / "cut.pt", weights_only=True)
    assert set(state["scalers"]) == {"G", "D"} and state["scalers"]["D"]["scale"] > 0
    resumed = conv_trainer(tmp_path / "cut.pt", precision="fp16")
    assert resumed.resume()
    resumed.fit(8, progress=False)
    assert resumed.history["d_loss"] == full.history["d_loss"]
    for p, q in zip(full.G.parameters(), resumed.G.parameters()):
        assert torch.equal(p, q)


def test_channels_last_gives_the_same_run_to_float_tolerance():
    a = conv_trainer().fit(5, progress=False)
    nhwc = conv_trainer(channels_last=True)
    conv = next(p for p in nhwc.D.parameters() if p.dim() == 4)
    assert conv.is_contiguous(memory_format=torch.channels_last)
    b = nhwc.fit(5, progress=False)
    assert b["d_loss"] == pytest.approx(a["d_loss"], rel=1e-4, abs=1e-5)


def test_compile_keeps_the_state_dict_keys():
    seed_everything(0)
    G, D = MLPGenerator(2, 2), MLPDiscriminator(2)
    keys = set(G.state_dict())
    tr = Trainer(G, D, lambda n: torch.randn(n, 2), device="cpu", compile="eager")
    tr.fit(3, progress=False)
    assert set(tr.G.state_dict()) == keys and len(tr.history["g_loss"]) == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"precision": "fp8"}, "precision must be one of"),
        ({"precision": "fp16", "loss": "wgan-gp"}, "cannot scale a gradient penalty"),
        ({"compile": True, "loss": "wgan-gp"}, "does not support double backward"),
        ({"compile": 3}, "compile must be True, False or a backend name"),
    ],
)
def test_impossible_combinations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Trainer(MLPGenerator(2, 2), MLPDiscriminator(2), lambda n: torch.randn(n, 2), **kwargs)
