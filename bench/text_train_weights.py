"""Train the small language models shipped in ganbook/weights/
(reproducible: python bench/text_train_weights.py).

* ``text_oracle_mle``: the MLE generator on the chapter's small oracle (vocabulary 100, length 20),
  the starting point of the SeqGAN and Gumbel-softmax notebooks.
* ``text_names_lm``: a character-level LSTM (hidden 64) on US first names (training split of
  ``ganbook.text.data.split(load_names(max_len=11), 0.1, seed=0)``), 1,500 steps: where the
  held-out NLL stopped improving (1.115 nats/char; 2,000 steps overfit and copy more names).

``python bench/text_train_weights.py names`` retrains only the names model.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

from ganbook import seed_everything
from ganbook.checkpoint import weights_path
from ganbook.text import LSTMGenerator, OracleBenchmark, Vocab, save_lm, train_mle
from ganbook.text.data import load_names, split

NAMES_LEN = 12


def names_data():
    train, held = split(load_names(max_len=NAMES_LEN - 1), 0.1, seed=0)
    vocab = Vocab.from_texts(train + held)
    return vocab, train, held


def main() -> None:
    torch.set_num_threads(1)
    if sys.argv[1:] != ["names"]:
        seed_everything(0)
        bench = OracleBenchmark()
        start = time.perf_counter()
        model = LSTMGenerator(bench.vocab_size, bench.seq_len, 32, 32)
        train_mle(model, bench.train, steps=3000, batch_size=64, lr=1e-2)
        save_lm(
            weights_path("text_oracle_mle"),
            model,
            steps=3000,
            lr=1e-2,
            batch_size=64,
            **bench.evaluate(model),
        )
        print("oracle MLE", bench.evaluate(model), f"{time.perf_counter() - start:.0f}s")

    seed_everything(0)
    vocab, train, _ = names_data()
    data = vocab.encode_batch(train, NAMES_LEN)
    model = LSTMGenerator(len(vocab), NAMES_LEN, 32, 64)
    losses = train_mle(model, data, steps=1500, batch_size=64, lr=3e-3)
    save_lm(
        weights_path("text_names_lm"),
        model,
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
