"""Ctrl-C at random moments, then resume: the result is bit for bit an uninterrupted run's."""

import random
import signal
import subprocess
import sys
import time

import torch

CHILD = r"""
import sys, torch
from ganbook import Trainer, seed_everything
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.foundations import mixture_1d

torch.set_num_threads(1)
seed_everything(0)
data = mixture_1d((-2.0, 2.0), 0.3)
tr = Trainer(MLPGenerator(4, 1, hidden=32), MLPDiscriminator(1, hidden=32), data.sample,
             loss="wgan-gp", d_steps=2, device="cpu", checkpoint_path=sys.argv[1],
             checkpoint_every=int(sys.argv[2]), checkpoint_seconds=float(sys.argv[4]))
tr.resume()
print("started", tr.step, flush=True)
try:
    tr.fit(int(sys.argv[3]), progress=False)
except KeyboardInterrupt:
    sys.exit(130)
"""


def run(args, interrupt_after=None, sig=signal.SIGINT):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, *map(str, args)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().startswith("started")
    if interrupt_after is not None:
        time.sleep(interrupt_after)
        proc.send_signal(sig)
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def test_sigint_at_random_moments_resumes_bit_exact(tmp_path):
    steps = 300  # a checkpoint every step: several seconds a run, so each Ctrl-C lands inside
    assert run([tmp_path / "full.pt", 0, steps, 60])[0] == 0
    rng = random.Random(0)
    codes = []
    for _ in range(4):  # checkpoint_every=1: many interrupts land inside a checkpoint write
        codes.append(
            run([tmp_path / "cut.pt", 1, steps, 60], interrupt_after=rng.uniform(0.2, 0.8))[0]
        )
    code, _ = run([tmp_path / "cut.pt", 0, steps, 60])  # finish without a save every step
    assert code == 0 and 130 in codes, codes
    assert_same_run(tmp_path / "full.pt", tmp_path / "cut.pt", steps)


def test_sigkill_with_timed_checkpoints_resumes_bit_exact(tmp_path):
    steps = 800
    assert run([tmp_path / "full.pt", 0, steps, 60])[0] == 0
    rng = random.Random(1)
    codes = [
        run(
            [tmp_path / "cut.pt", 0, steps, 0.05],
            interrupt_after=rng.uniform(0.3, 0.9),
            sig=signal.SIGKILL,
        )[0]
        for _ in range(3)
    ]
    assert -signal.SIGKILL in codes, codes
    assert run([tmp_path / "cut.pt", 0, steps, 0.05])[0] == 0
    assert_same_run(tmp_path / "full.pt", tmp_path / "cut.pt", steps)
    assert not list(tmp_path.glob("*.tmp")), "a killed write's temp file was left behind"


def assert_same_run(full_path, cut_path, steps):
    full = torch.load(full_path, weights_only=True)
    cut = torch.load(cut_path, weights_only=True)
    assert cut["step"] == full["step"] == steps
    assert cut["history"]["d_loss"] == full["history"]["d_loss"]
    assert cut["history"]["g_loss"] == full["history"]["g_loss"]
    for key in ("G", "D"):
        for name, tensor in full["models"][key].items():
            assert torch.equal(tensor, cut["models"][key][name]), (key, name)


# Two runs on one checkpoint path (issue 25, section 1): the first holds the path while it
# trains, waiting at step 1 for a line on stdin; argv: path, seed, steps, resume first or not.
SHARED = r"""
import sys, torch
from ganbook import Trainer, seed_everything
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.foundations import mixture_1d

torch.set_num_threads(1)
seed_everything(int(sys.argv[2]))
data = mixture_1d((-2.0, 2.0), 0.3)
tr = Trainer(MLPGenerator(4, 1, hidden=32), MLPDiscriminator(1, hidden=32), data.sample,
             device="cpu", checkpoint_path=sys.argv[1], checkpoint_every=1)
if sys.argv[4] == "resume":
    tr.resume()


def wait(t):
    if t.step == 1:
        print("training", flush=True)
        sys.stdin.readline()


tr.fit(int(sys.argv[3]), callbacks=[(1, wait)], progress=False)
print("done", tr.step, flush=True)
"""


def test_a_second_run_on_the_same_checkpoint_is_refused_by_name(tmp_path):
    path = tmp_path / "shared.pt"
    args = [sys.executable, "-c", SHARED, str(path)]
    first = subprocess.Popen(
        [*args, "0", "60", "resume"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout.readline().strip() == "training"
        for when in ("resume", "fit"):  # started later (it resumes), or together (it trains)
            second = subprocess.run(
                [*args, "1", "60", when], capture_output=True, text=True, timeout=120,
                stdin=subprocess.DEVNULL,
            )
            assert second.returncode == 1, second.stdout
            assert f"shared.pt is in use: process {first.pid} on host" in second.stderr, when
            assert "FileInUseError" in second.stderr
        out, _ = first.communicate("go\n", timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0 and out.strip() == "done 60"
    state = torch.load(path, weights_only=True)  # the first run's, whole
    assert state["step"] == 60 and len(state["history"]["d_loss"]) == 60
    assert not list(tmp_path.glob("*.tmp"))
