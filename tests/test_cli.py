"""``python -m ganbook``: every recipe trains and samples under the test profile; bad input
is a clear error; a run resumes from its checkpoint; the command runs under torchrun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganbook import cli
from ganbook.cli import NO_WEIGHTS, RECIPES, last_record, main
from ganbook.core.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]


def train(name: str, path: Path, steps: int = 2) -> int:
    args = ["train", name, "--steps", str(steps), "--profile", "test", "--quiet"]
    return main([*args, "--checkpoint", str(path)])


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipe_trains_and_samples(name, tmp_path, capsys):
    path = tmp_path / f"{name}.pt"
    assert train(name, path) == 0
    last = capsys.readouterr().out.split("last record")[1].splitlines()[0]
    assert "nan" not in last, last  # no entry the run never writes (MoCoGAN's gp)
    state = load_checkpoint(path)
    assert state["step"] == 2 and state["config"]["recipe"] == name
    assert state["config"]["profile"] == "test"
    assert main(["sample", str(path), "--out", str(tmp_path / "ckpt"), "--n", "3"]) == 0
    files = list((tmp_path / "ckpt").iterdir())
    assert files and all(f.stat().st_size > 0 for f in files)
    assert {f.suffix for f in files} <= {".png", ".mid", ".txt", ".gif"}
    if RECIPES[name].shipped is not None:
        assert main(["sample", name, "--out", str(tmp_path / "shipped"), "--n", "3"]) == 0
        shipped = list((tmp_path / "shipped").iterdir())
        assert shipped and {f.suffix for f in shipped} == {f.suffix for f in files}


def test_train_resumes_from_its_checkpoint_and_refuses_another_recipes(tmp_path, capsys):
    path = tmp_path / "run.pt"
    assert train("names-lm", path, 2) == 0
    assert train("names-lm", path, 3) == 0
    assert "resumed" in capsys.readouterr().out
    state = load_checkpoint(path)
    assert state["step"] == 3 and len(state["history"]["loss"]) == 3
    assert train("oracle-mle", path, 4) == 2
    assert "recipe='names-lm'" in capsys.readouterr().err


def test_help_lists_the_recipes_and_bad_input_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in RECIPES)
    for argv, message in (
        (["train", "stylegan9"], "invalid choice: 'stylegan9'"),
        (["train", "dcgan", "--steps", "0"], "must be a positive int"),
        (["train", "dcgan", "--bogus"], "unrecognized arguments: --bogus"),
        (["sample", "dcgan"], "--out"),
    ):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 2 and message in capsys.readouterr().err, argv
    assert main(["sample", str(tmp_path / "none.pt"), "--out", str(tmp_path)]) == 2
    assert "neither a recipe" in capsys.readouterr().err
    assert main(["sample", "seqgan", "--out", str(tmp_path)]) == 2
    assert "ships no weights" in capsys.readouterr().err


@pytest.mark.skipif(not torch.distributed.is_gloo_available(), reason="needs gloo")
def test_the_command_runs_under_torchrun(tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("no torchrun next to this Python")
    path = tmp_path / "mle.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [str(torchrun), "--nproc_per_node=2", "-m", "ganbook", "train", "oracle-mle"]
    command += ["--steps", "2", "--profile", "test", "--quiet", "--checkpoint", str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("oracle-mle (test profile") == 1  # rank 0 alone reports
    state = load_checkpoint(path)
    assert state["step"] == 2 and state["world_size"] == 2 and len(state["rng_ranks"]) == 2


def test_video_recipes_decay_the_learning_rates_as_train_arm(tmp_path):
    path = tmp_path / "per-frame.pt"
    assert train("per-frame", path, 2) == 0  # LinearDecay(1, 2): the last step runs at lr 0
    groups = load_checkpoint(path)["optimizers"]
    lrs = {k: [g["lr"] for g in o["param_groups"]] for k, o in groups.items()}
    initial = {k: [g["initial_lr"] for g in o["param_groups"]] for k, o in groups.items()}
    assert all(lr == 0.0 for v in lrs.values() for lr in v), lrs
    assert all(lr > 0 for v in initial.values() for lr in v), initial


def test_text2music_starts_from_the_shipped_chorale_gan():
    from ganbook.core.device import get_device
    from ganbook.core.profiles import get_profile
    from ganbook.music.training import load_chorale_generator
    from ganbook.recipes import build

    profile = get_profile("test")
    loop = build("text2music", profile, get_device("cpu"))
    RECIPES["text2music"].prepare(loop, profile)
    source = load_chorale_generator("music_chorale_gan")[0].state_dict()
    own = loop.G_ema.state_dict()
    assert torch.equal(own["to_bars.0.weight"][:, : loop.G.latent_dim],
                       source["to_bars.0.weight"])
    assert all(torch.equal(own[k], v) for k, v in source.items() if k != "to_bars.0.weight")


def test_the_voiced_chorale_recipe_starts_by_writing_the_shipped_gans_notes():
    from ganbook.core.device import get_device
    from ganbook.core.profiles import get_profile
    from ganbook.music.training import load_chorale_generator
    from ganbook.recipes import build

    profile = get_profile("test")
    loop = build("chorale-voiced", profile, get_device("cpu"))
    source = load_chorale_generator("music_chorale_gan")[0]
    z = torch.randn(3, source.latent_dim)
    assert loop.G.relative and torch.equal(loop.G_ema.eval()(z), source(z))


def test_speed_flags_reach_the_trainer_and_refuse_non_gan_recipes(tmp_path, capsys):
    path = tmp_path / "dcgan.pt"
    assert main(["train", "dcgan", "--steps", "2", "--profile", "test", "--quiet",
                 "--checkpoint", str(path), "--precision", "bf16", "--channels-last"]) == 0
    assert load_checkpoint(path)["step"] == 2
    assert main(["train", "names-lm", "--steps", "1", "--profile", "test", "--quiet",
                 "--checkpoint", str(tmp_path / "lm.pt"), "--precision", "bf16"]) == 2
    assert "apply to GAN recipes" in capsys.readouterr().err


def test_a_checkpoint_another_run_is_writing_is_a_one_line_error(tmp_path, capsys):
    from ganbook.core.files import WriterLock

    path = tmp_path / "run.pt"
    with WriterLock(path):  # as a run in progress holds it (here: this process)
        assert train("names-lm", path, 2) == 2
    err = capsys.readouterr().err
    assert "error: " in err and "run.pt is in use" in err and "Traceback" not in err
    assert train("names-lm", path, 2) == 0  # free again


def test_help_says_which_recipes_ship_weights_and_what_an_unset_profile_means(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    lines = text.split("recipes (")[1].splitlines()
    for name, recipe in RECIPES.items():
        row = next(i for i, line in enumerate(lines) if line.split() and line.split()[0] == name)
        below = []
        for line in lines[row + 1 :]:
            if not line.startswith(" " * 19):
                break
            below.append(line)
        assert any(NO_WEIGHTS in line for line in below) == (recipe.shipped is None), name
    assert sum(NO_WEIGHTS in line for line in lines) == 2  # seqgan and srgan
    assert "if unset, detected: gpu if CUDA works" in " ".join(text.split())


def test_steps_is_a_total_and_a_finished_run_says_so(tmp_path, capsys):
    path = tmp_path / "run.pt"
    assert train("names-lm", path, 3) == 0
    capsys.readouterr()
    assert train("names-lm", path, 2) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "already at step 3" in out and "--steps is the total" in out, out
    assert "nothing left to do" in out and "--steps 5" in out, out
    assert load_checkpoint(path)["step"] == 3
    assert train("names-lm", path, 4) == 0
    assert "training to step 4 (--steps is a total)" in capsys.readouterr().out


def test_the_last_record_leaves_out_what_the_run_never_writes():
    history = {"step": [1, 2], "d_loss": [0.5, 0.25], "gp": [float("nan")] * 2, "seconds": [1, 2]}
    assert last_record(history) == {"d_loss": 0.25}


def _raise(err):
    def command(*args, **kwargs):
        raise err

    return command


@pytest.mark.parametrize(
    "err, code, line",
    [
        (KeyError("profile"), 2, "error: KeyError: 'profile'"),
        (PermissionError(13, "Permission denied", "runs/x.pt"),
         2, "error: PermissionError: [Errno 13] Permission denied: 'runs/x.pt'"),
        (FileExistsError(17, "File exists", "out"), 2, "error: FileExistsError: [Errno 17]"),
        (IsADirectoryError(21, "Is a directory", "runs"), 2, "error: IsADirectoryError"),
        (ValueError("steps must be\n  positive"), 2, "error: steps must be positive"),
        (FloatingPointError("d_loss became nan at step 3"), 1, "error: FloatingPointError: d_loss"),
    ],
)
def test_user_errors_are_one_line_and_no_traceback(monkeypatch, capsys, err, code, line):
    monkeypatch.setattr(cli, "train_command", _raise(err))
    assert main(["train", "dcgan"]) == code
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m ganbook train: "), lines
    assert line in lines[0], lines


def test_an_out_folder_that_is_a_file_is_one_line_from_the_real_command(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "ganbook", "sample", "dcgan", "--out", str(taken), "--n", "2"],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and "FileExistsError" in done.stderr, done.stderr


def test_ctrl_c_saves_says_one_line_and_exits_130(tmp_path, monkeypatch, capsys):
    real_build = cli.build

    def build(*args, **kwargs):
        loop = real_build(*args, **kwargs)
        step = loop.train_step

        def train_step():
            if loop.step == 2:  # a real SIGINT, caught by the loop at the step boundary
                os.kill(os.getpid(), signal.SIGINT)
            return step()

        loop.train_step = train_step
        return loop

    monkeypatch.setattr(cli, "build", build)
    path = tmp_path / "run.pt"
    assert train("names-lm", path, 50) == 130
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"interrupted at step 3; checkpoint saved to {path}"], out
    assert err == ""
    assert load_checkpoint(path)["step"] == 3
    monkeypatch.setattr(cli, "build", _raise(KeyboardInterrupt()))  # before any training
    assert train("names-lm", path, 50) == 130
    assert capsys.readouterr().err.splitlines() == [
        "python -m ganbook train: interrupted before training started; nothing saved"
    ]
