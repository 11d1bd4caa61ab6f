"""The learning-rate schedules (ganbook.core.callbacks) act on every optimizer of a loop."""

import pytest
import torch

from ganbook import Trainer
from ganbook.core.callbacks import LinearDecay, StepDecay
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.foundations import ring_2d


def _trainer():
    torch.manual_seed(0)
    return Trainer(MLPGenerator(2, 2, hidden=8), MLPDiscriminator(2, hidden=8), ring_2d().sample,
                   batch_size=8, lr_g=1e-3, lr_d=2e-3, device="cpu")


def test_step_decay_multiplies_every_rate_once_at_its_step():
    trainer = _trainer()
    trainer.fit(4, callbacks=[(1, StepDecay(3, gamma=0.5))], progress=False)
    rates = {name: opt.param_groups[0]["lr"] for name, opt in trainer.optimizers().items()}
    assert rates == pytest.approx({"G": 5e-4, "D": 1e-3})
    with pytest.raises(ValueError, match="at must be a positive int"):
        StepDecay(0)


def test_linear_decay_reaches_zero_at_its_total():
    trainer = _trainer()
    trainer.fit(6, callbacks=[(1, LinearDecay(2, 6))], progress=False)
    assert all(opt.param_groups[0]["lr"] == 0.0 for opt in trainer.optimizers().values())
