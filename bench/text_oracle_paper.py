"""The paper-sized oracle experiment (vocabulary 5000, length 20, emb = hidden = 32,
10,000 sequences).

    GANBOOK_PROFILE=gpu python bench/text_oracle_paper.py [--mle-steps 8000] [--seqgan-steps 200]
        [--gumbel-steps 3000]

Smoke test (seconds, meaningless numbers):
--vocab 100 --mle-steps 20 --seqgan-steps 2 --gumbel-steps 4 --d-pretrain 2

Trains MLE, then SeqGAN and the Gumbel-softmax GAN from it, and prints NLL_oracle / NLL_gen
beside the published figures. Our oracle is a fresh N(0, 1) LSTM, not the paper's pickled one,
so the absolute numbers differ; compare the *gaps* (MLE -> GAN) and the oracle's own entropy
with the papers' "real data" row. Meant for a GPU. On a 2-core CPU our estimate from the
arithmetic (not measured) is a few hours at these defaults: every SeqGAN step samples
64 x 16 x 19 rollouts over a 5,000-way softmax, about 60 GFLOP; the papers' own schedules
(more adversarial epochs, SeqGAN's much wider discriminator) would take days. Never run in CI.
"""

from __future__ import annotations

import argparse
import time

from ganbook import get_device, get_profile, seed_everything
from ganbook.core.data import TensorSampler
from ganbook.text import (
    CNNDiscriminator,
    GumbelGANTrainer,
    GumbelGenerator,
    LSTMGenerator,
    OracleBenchmark,
    SeqGANTrainer,
    temperature_curve,
    train_mle,
)

PUBLISHED = [  # NLL_oracle as reported (different oracles; see the docstring)
    ("SeqGAN paper: MLE", 9.038),
    ("SeqGAN paper: SeqGAN", 8.736),
    ("RelGAN paper: RelGAN", 6.680),
    ("RelGAN paper: real data", 5.750),
]


def copy_of(model: LSTMGenerator) -> LSTMGenerator:
    clone = LSTMGenerator(**model.config()).to(model.head.weight.device)
    clone.load_state_dict(model.state_dict())
    return clone


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--vocab", type=int, default=5000)
    p.add_argument("--mle-steps", type=int, default=8000)
    p.add_argument("--seqgan-steps", type=int, default=200)
    p.add_argument("--gumbel-steps", type=int, default=3000)
    p.add_argument("--d-pretrain", type=int, default=2000)
    a = p.parse_args()
    profile, device = get_profile(), get_device()
    if profile.name != "gpu":
        print(
            f"warning: profile {profile.name} on {device}; "
            f"this experiment is sized for a GPU (hours on a CPU)"
        )
    seed_everything(0)
    bench = OracleBenchmark(
        vocab_size=a.vocab, seq_len=20, emb_dim=32, hidden_dim=32, n_train=10_000
    )
    bench.oracle.to(device)
    rows = [("oracle's own samples (real data)", bench.oracle_entropy(), bench.oracle_entropy())]
    t0 = time.perf_counter()
    mle = LSTMGenerator(a.vocab, 20, 32, 32).to(device)
    train_mle(mle, bench.train, steps=a.mle_steps, lr=1e-2)
    r = bench.evaluate(mle)
    rows.append(("MLE", r["nll_oracle"], r["nll_gen"]))
    for c in temperature_curve(mle, bench.oracle, bench.heldout, [0.9, 0.95]):
        rows.append((f"MLE at T={c['temperature']}", c["nll_oracle"], c["nll_gen"]))

    seq = SeqGANTrainer(
        copy_of(mle),
        CNNDiscriminator(a.vocab, 64, filters=64),
        TensorSampler(bench.train),
        n_rollouts=16,
        baseline=True,
        d_steps=10,
        lr_g=3e-3,
        lr_d=1e-3,
        device=device,
    )
    seq.pretrain_discriminator(a.d_pretrain)
    seq.fit(a.seqgan_steps)
    r = bench.evaluate(seq.G)
    rows.append(("SeqGAN", r["nll_oracle"], r["nll_gen"]))

    gum = GumbelGANTrainer(
        GumbelGenerator(copy_of(mle)),
        CNNDiscriminator(a.vocab, 64, filters=64),
        TensorSampler(bench.train),
        anneal_steps=a.gumbel_steps,
        beta_max=100,
        lr_g=1e-4,
        lr_d=1e-4,
        device=device,
    )
    gum.fit(a.gumbel_steps)
    r = bench.evaluate(gum.G.lm)
    rows.append(("Gumbel-softmax GAN (RelGAN-style, LSTM)", r["nll_oracle"], r["nll_gen"]))

    print(f"\nvocabulary {a.vocab}, {time.perf_counter() - t0:.0f}s on {device}")
    print(f"{'model':42s} {'NLL_oracle':>10s} {'NLL_gen':>8s}")
    for name, q, g in rows:
        print(f"{name:42s} {q:10.3f} {g:8.3f}")
    print("\npublished (their oracles):")
    for name, q in PUBLISHED:
        print(f"{name:42s} {q:10.3f}")


if __name__ == "__main__":
    main()
