import random

import numpy as np
import pytest
import torch

from ganbook.checkpoint import (
    get_rng_state,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
    set_rng_state,
)
from ganbook.data import TensorSampler


def test_rng_round_trip_covers_python_numpy_torch(tmp_path):
    state = get_rng_state()
    save_checkpoint(tmp_path / "c.pt", {"rng": state})
    want = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_state(load_checkpoint(tmp_path / "c.pt")["rng"])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == want


def test_not_a_checkpoint(tmp_path):
    torch.save({"a": 1}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="not a ganbook checkpoint"):
        load_checkpoint(tmp_path / "x.pt")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError, match="no pretrained weights named 'nope'"):
        load_pretrained("nope")


def test_tensor_sampler():
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    s = TensorSampler(x, y)
    bx, by = s(32)
    assert bx.shape == (32, 1) and torch.equal(bx[:, 0].long(), by)
    assert TensorSampler(x)(4).shape == (4, 1)
    with pytest.raises(ValueError, match="same length"):
        TensorSampler(x, y[:3])
    with pytest.raises(ValueError, match="batch_size"):
        s(0)


def test_save_model_and_load_model_round_trip(tmp_path):
    from torch import nn

    from ganbook.checkpoint import load_model, save_model

    net = nn.Linear(3, 2)
    save_model(tmp_path / "net.pt", net, {"in": 3, "out": 2}, step=7)
    loaded, state = load_model(tmp_path / "net.pt", lambda c: nn.Linear(c["in"], c["out"]))
    assert not loaded.training and state["step"] == 7 and state["config"] == {"in": 3, "out": 2}
    for a, b in zip(loaded.parameters(), net.parameters()):
        assert torch.equal(a, b)
    assert (
        torch.load(tmp_path / "net.pt", weights_only=True)["models"]["G"].keys()
        == net.state_dict().keys()
    )
