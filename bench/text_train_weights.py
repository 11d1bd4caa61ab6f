"""Train the small language models shipped in ganbook/weights/
(reproducible: python bench/text_train_weights.py).

* ``text_oracle_mle``: the MLE generator on the chapter's small oracle (vocabulary 100, length 20),
  the starting point of the SeqGAN and Gumbel-softmax notebooks.
* ``text_names_lm``: a character-level LSTM (hidden 64) on US first names (training split of
  ``ganbook.text.data.names_split()``), 1,500 steps: where the
  held-out NLL stopped improving (1.115 nats/char; 2,000 steps overfit and copy more names).

* ``text_oracle_disc``: the SeqGAN chapter's discriminator, pre-trained 2,000 steps on real
  oracle sequences against the shipped MLE model's samples, exactly as that notebook's ``cpu``
  profile does live; its ``test`` profile starts from it (a 100-step discriminator gives
  rewards too noisy for 20 policy-gradient steps to improve the model on every seed).

``python bench/text_train_weights.py names`` (or ``disc``) retrains only that model.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from ganbook import seed_everything
from ganbook.core.checkpoint import save_model, weights_path
from ganbook.core.data import TensorSampler
from ganbook.core.profiles import get_profile
from ganbook.recipes import build, generator_of
from ganbook.text import (
    CNNDiscriminator,
    LSTMGenerator,
    OracleBenchmark,
    SeqGANTrainer,
    Vocab,
    load_lm,
    save_lm,
)
from ganbook.text.data import names_split


def names_data():
    train, held = names_split()
    vocab = Vocab.from_texts(train + held)
    return vocab, train, held


def retrain(recipe: str, steps: int, with_losses: bool = False):
    """The network of ``recipe`` in :mod:`ganbook.recipes`, trained ``steps`` steps from seed 0
    (as ``python -m ganbook train RECIPE --steps STEPS`` does), and its losses if asked."""
    loop = build(recipe, get_profile("cpu"), torch.device("cpu"), seed=0)
    history = loop.fit(steps, progress=False)
    model = generator_of(loop).eval()
    return (model, history["loss"]) if with_losses else model


def oracle_discriminator(steps: int = 2000) -> None:
    """The SeqGAN notebook's discriminator pre-training (its cells 2-9 under ``cpu``), shipped."""
    seed_everything(0)
    bench = OracleBenchmark(vocab_size=100, seq_len=20, seed=0)
    mle, _ = load_lm("text_oracle_mle")
    seed_everything(0)
    G = LSTMGenerator(100, 20, 32, 32)
    G.load_state_dict(mle.state_dict())
    D = CNNDiscriminator(100, emb_dim=32, widths=(2, 3, 4, 5), filters=32)
    trainer = SeqGANTrainer(G, D, TensorSampler(bench.train), n_rollouts=8, rollout_update=0.8,
                            baseline=True, batch_size=64, d_steps=10, lr_g=3e-3, lr_d=1e-3)
    start = time.perf_counter()
    losses = trainer.pretrain_discriminator(steps)
    final = sum(losses[-50:]) / 50
    save_model("text_oracle_disc", D, D.config(),
               meta={"steps": steps, "lr_d": 1e-3, "batch_size": 64, "final_loss": final})
    print(f"oracle discriminator: loss {losses[0]:.3f} -> {final:.3f}, "
          f"{time.perf_counter() - start:.0f}s")


def main() -> None:
    torch.set_num_threads(1)
    if sys.argv[1:] == ["disc"]:
        oracle_discriminator()
        return
    if sys.argv[1:] != ["names"]:
        bench = OracleBenchmark()
        start = time.perf_counter()
        model = retrain("oracle-mle", 3000)
        save_lm(
            model,
            weights_path("text_oracle_mle"),
            steps=3000,
            lr=1e-2,
            batch_size=64,
            **bench.evaluate(model),
        )
        print("oracle MLE", bench.evaluate(model), f"{time.perf_counter() - start:.0f}s")
        oracle_discriminator()

    vocab, _, _ = names_data()
    model, losses = retrain("names-lm", 1500, with_losses=True)
    save_lm(
        model,
        weights_path("text_names_lm"),
        vocab,
        steps=1500,
        lr=3e-3,
        batch_size=64,
        final_loss=losses[-1],
    )
    print("names LM final loss", sum(losses[-100:]) / 100)
    for p in Path(weights_path("x").parent).glob("text_*.pt"):
        print(p.name, p.stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main()
