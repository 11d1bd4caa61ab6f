"""Host syncs per Trainer step: each `.item()` / `.tolist()` waits for the GPU, so the
records are read in one sync every `sync_every` steps (or, with 1, one per update), with
the same values and the same run (issue 15)."""

from __future__ import annotations

import pytest
import torch

from ganbook import Trainer, seed_everything
from ganbook.core.loop import to_floats
from ganbook.core.losses import Reconstruction
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.core.speed import count_host_syncs


@pytest.mark.parametrize("loss, ema", [("non-saturating", None), ("wgan-gp", 0.999)])
def test_one_host_sync_per_update_with_sync_every_1(loss, ema):
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
        sync_every=1,
    )
    trainer.fit(1, progress=False)  # the first step checks the networks' shapes
    with count_host_syncs() as calls:
        trainer.fit(4, progress=False)
    assert len(calls) == 3 * 3  # per step: 2 discriminator updates + 1 generator update


def test_terms_add_no_sync():
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
        sync_every=1,
    )
    trainer.fit(1, progress=False)
    with count_host_syncs() as calls:
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


def deferred_trainer(sync_every: int, **kwargs) -> Trainer:
    seed_everything(0)
    return Trainer(
        MLPGenerator(2, 2),
        MLPDiscriminator(2),
        lambda n: torch.randn(n, 2),
        loss="wgan-gp",
        batch_size=8,
        d_steps=2,
        device="cpu",
        sync_every=sync_every,
        **kwargs,
    )


def test_records_read_every_k_steps_give_the_same_run():
    seen = []
    lazy = deferred_trainer(7)
    lazy.fit(23, callbacks=[(5, lambda t: seen.append(len(t.history["step"])))])
    eager = deferred_trainer(1)
    eager.fit(23)
    assert seen == [5, 10, 15, 20], "a callback sees every step's record so far"
    lazy.history.pop("seconds"), eager.history.pop("seconds")
    assert lazy.history == eager.history
    for a, b in zip(eager.G.parameters(), lazy.G.parameters()):
        assert torch.equal(a, b)


def test_one_host_sync_per_k_steps():
    trainer = deferred_trainer(4)
    trainer.fit(1, progress=False)
    with count_host_syncs() as calls:
        trainer.fit(9, progress=False)  # steps 2-9: read at steps 5 and 9 (the end)
    assert len(calls) == 2 and len(trainer.history["d_loss"]) == 9


def test_deferred_nan_names_the_step_it_appeared_at():
    trainer = deferred_trainer(5, ema_decay=None)

    def poisoned(n):
        x = torch.randn(n, 2)
        if trainer.step == 2:  # the batch of step 3
            x[0] = float("nan")
        return x

    trainer.sample_real = poisoned
    with pytest.raises(FloatingPointError, match=r"d_loss became nan at step 3 .*2 steps later"):
        trainer.fit(10, progress=False)
    assert trainer.history["step"] == [1.0, 2.0], "steps before the NaN keep their records"


def test_sync_every_must_be_positive():
    with pytest.raises(ValueError, match="sync_every must be a positive int"):
        deferred_trainer(0)


def test_records_are_read_every_25_steps_by_default():
    seed_everything(0)
    trainer = Trainer(MLPGenerator(2, 2), MLPDiscriminator(2), lambda n: torch.randn(n, 2))
    assert trainer.sync_every == 25
