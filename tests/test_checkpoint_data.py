import random

import numpy as np
import pytest
import torch

from ganbook.core.checkpoint import (
    FORMAT,
    get_rng_state,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
    set_rng_state,
    state_digest,
    weights_path,
)
from ganbook.core.data import TensorSampler


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

    from ganbook.core.checkpoint import load_model, save_model

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


# -- clear errors and a checksum (issue 25, section 4) --------------------------------------


def test_a_text_file_is_a_clear_error_not_a_key_error(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("hello world\nthis is text\n")
    with pytest.raises(ValueError, match="not a readable ganbook checkpoint"):
        load_checkpoint(path)
    with pytest.raises(ValueError, match="a folder, not a checkpoint"):
        load_checkpoint(tmp_path)


def _state():
    g = torch.Generator().manual_seed(0)
    return {
        "models": {"G": {"w": torch.randn(256, generator=g), "b": torch.arange(64.0)}},
        "step": 7,
        "history": {"loss": [0.5, 0.25, 0.125]},
        "config": {"lr": 2e-4, "name": "run"},
    }


def test_a_changed_byte_is_caught_by_the_checksum(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, _state())
    data = bytearray(path.read_bytes())
    weights = _state()["models"]["G"]["w"].numpy().tobytes()
    at = bytes(data).index(weights) + 100  # inside the stored tensor: torch loads it fine
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="fails its checksum"):
        load_checkpoint(path)
    # Any single byte changed anywhere: an error, or (bytes torch never reads) the same values.
    clean = bytearray(data)
    clean[at] ^= 0x01
    want = state_digest(load_checkpoint(_write(path, clean)))
    rng = random.Random(0)
    for at in rng.sample(range(len(clean)), 40):
        corrupt = bytearray(clean)
        corrupt[at] ^= 1 << rng.randrange(8)
        try:
            state = load_checkpoint(_write(path, corrupt))
        except ValueError:
            continue
        assert state_digest(state) == want, f"byte {at} changed a value unnoticed"


def _write(path, data):
    path.write_bytes(bytes(data))
    return path


def test_checkpoints_without_a_checksum_still_load(tmp_path):
    old = {"format": FORMAT, "version": 1, **_state()}  # as version 1 wrote them
    torch.save(old, tmp_path / "old.pt")
    assert load_checkpoint(tmp_path / "old.pt")["step"] == 7
    shipped = sorted(weights_path("x").parent.glob("*.pt"))  # written before the checksum
    assert shipped and all(load_pretrained(p.stem)["format"] == FORMAT for p in shipped)
    torch.save({**old, "version": 2}, tmp_path / "stripped.pt")  # version 2 has one: missing
    with pytest.raises(ValueError, match="fails its checksum"):
        load_checkpoint(tmp_path / "stripped.pt")
