"""The bare loop the DCGAN chapter shows is what the Trainer runs, bit for bit."""

import copy

import torch

from ganbook import Trainer, seed_everything
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.foundations import ring_2d
from ganbook.image.bare_loop import bare_gan_loop


def test_the_trainer_without_ema_ends_with_the_bare_loops_weights():
    ring = ring_2d()
    seed_everything(0)
    G, D = MLPGenerator(2, 2, hidden=16), MLPDiscriminator(2, hidden=16)
    G2, D2 = copy.deepcopy(G), copy.deepcopy(D)
    seed_everything(1)
    losses = bare_gan_loop(G, D, ring.sample, steps=15, batch_size=32)
    seed_everything(1)
    trainer = Trainer(G2, D2, ring.sample, loss="non-saturating", batch_size=32, lr_g=2e-4,
                      lr_d=2e-4, ema_decay=None, device="cpu")
    history = trainer.fit(15, progress=False)
    mine = [*G.state_dict().values(), *D.state_dict().values()]
    theirs = [*G2.state_dict().values(), *D2.state_dict().values()]
    assert all(torch.equal(a, b) for a, b in zip(mine, theirs))
    assert losses.shape == (15, 2)
    assert losses[-1].tolist() == [history["d_loss"][-1], history["g_loss"][-1]]
