"""Host syncs per Trainer step: each `.item()` / `.tolist()` waits for the GPU, so the
records of a step are read in one sync per update (issue 15), with the same values."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

import ganbook
from ganbook import Trainer, seed_everything
from ganbook.losses import Reconstruction
from ganbook.nets import MLPDiscriminator, MLPGenerator
from ganbook.train import to_floats


def count_syncs(monkeypatch) -> list[str]:
    """Calls of ``Tensor.item`` / ``Tensor.tolist`` made by ganbook's own code (torch.optim's
    ``.item()`` of its step counter reads a CPU tensor, no sync, and is not counted)."""
    calls: list[str] = []
    package = str(Path(ganbook.__file__).parent)
    for name in ("item", "tolist"):
        original = getattr(torch.Tensor, name)

        def counted(self, _original=original, _name=name):
            if sys._getframe(1).f_code.co_filename.startswith(package):
                calls.append(_name)
            return _original(self)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return calls


@pytest.mark.parametrize("loss, ema", [("non-saturating", None), ("wgan-gp", 0.999)])
def test_one_host_sync_per_update(monkeypatch, loss, ema):
    seed_everything(0)
    trainer = Trainer(
        MLPGenerator(2, 2),
        MLPDiscriminator(2),
        lambda n: torch.randn(n, 2),
        loss=loss,
        ema_decay=ema,
        batch_size=8,
        d_steps=2,
        device="cpu",
    )
    trainer.fit(1, progress=False)  # the first step checks the networks' shapes
    calls = count_syncs(monkeypatch)
    trainer.fit(4, progress=False)
    assert len(calls) == 3 * 3  # per step: 2 discriminator updates + 1 generator update


def test_terms_add_no_sync(monkeypatch):
    seed_everything(0)
    pairs = lambda n: (torch.randn(n, 2), torch.randn(n, 2))  # noqa: E731
    trainer = Trainer(
        MLPGenerator(2, 2),
        MLPDiscriminator(2),
        pairs,
        paired=True,
        terms=[Reconstruction(10.0)],
        batch_size=8,
        device="cpu",
    )
    trainer.fit(1, progress=False)
    calls = count_syncs(monkeypatch)
    trainer.fit(3, progress=False)
    assert len(calls) == 2 * 2 and {"l1", "g_total"} <= set(trainer.history)


def test_to_floats_gives_what_item_gives():
    values = {
        "a": torch.tensor(0.1, dtype=torch.float32),
        "b": torch.tensor(1 / 3, dtype=torch.bfloat16),
        "c": torch.tensor([2.5e-8], dtype=torch.float16),
        "d": torch.tensor(float("nan")),
    }
    out = to_floats(**values)
    assert list(out) == list(values)
    for key, value in values.items():
        assert out[key] == value.item() or (out[key] != out[key] and key == "d")
