"""The shared training loop: it learns, records, stops loudly on NaN, and resumes exactly."""

import numpy as np
import pytest
import torch
from torch import nn

from ganbook import Trainer, load_checkpoint, seed_everything
from ganbook.core.data import TensorSampler
from ganbook.core.loop import check_positive
from ganbook.core.nets import MLPDiscriminator, MLPGenerator
from ganbook.foundations import mixture_1d


def make_trainer(tmp_path=None, loss="non-saturating", seed=0, G=None, D=None, **kw):
    seed_everything(seed)
    data = mixture_1d((-2.0, 2.0), 0.3)
    G = MLPGenerator(4, 1, hidden=32) if G is None else G
    D = MLPDiscriminator(1, hidden=32) if D is None else D
    ckpt = tmp_path / "run.pt" if tmp_path is not None else None
    kw = {"batch_size": 64, "lr_g": 1e-3, "lr_d": 1e-3, **kw}
    return Trainer(G, D, data.sample, loss=loss, device="cpu", checkpoint_path=ckpt, **kw)


def test_history_has_one_row_per_step_and_generator_moves_toward_data():
    tr = make_trainer()
    before = tr.generate(2000).abs().mean().item()
    hist = tr.fit(300, progress=False)
    assert hist["step"] == list(range(1, 301))
    assert all(len(v) == 300 for v in hist.values())
    assert all(0 <= p <= 1 for p in hist["d_real"] + hist["d_fake"])
    after = tr.generate(2000).abs().mean().item()
    # Data sits at |x| ~ 2; the untrained generator near 0.
    assert abs(after - 2.0) < abs(before - 2.0) - 0.5, (before, after)


def test_d_steps_and_callbacks():
    calls = []
    tr = make_trainer(d_steps=3)
    real_calls = []
    sample = tr.sample_real
    tr.sample_real = lambda n: (real_calls.append(n), sample(n))[1]
    tr.fit(10, callbacks=[(5, lambda t: calls.append(t.step))], progress=False)
    assert calls == [5, 10]
    assert len(real_calls) == 30  # three D batches per G step


def test_wgan_gp_records_penalty():
    tr = make_trainer(loss="wgan-gp", betas=(0.0, 0.9))
    hist = tr.fit(20, progress=False)
    assert tr.gp_weight == 10.0
    assert all(g >= 0 for g in hist["gp"]) and any(g > 0 for g in hist["gp"])


def test_nan_stops_with_step_and_loss_named():
    tr = make_trainer()

    def poisoned(n):
        x = torch.randn(n, 1)
        if tr.step == 4:
            x[0] = float("nan")
        return x

    tr.sample_real = poisoned
    with pytest.raises(FloatingPointError, match=r"d_loss became nan at step 5"):
        tr.fit(10, progress=False)


def test_resume_continues_exactly(tmp_path):
    full = make_trainer(tmp_path / "a", loss="wgan-gp", d_steps=2)
    full.fit(40, progress=False)

    first = make_trainer(tmp_path / "b", loss="wgan-gp", d_steps=2)
    first.fit(15, progress=False)  # writes its checkpoint at the end
    torch.randn(100)  # the interrupted process does other things with the RNG...
    seed_everything(999)

    resumed = make_trainer(tmp_path / "b", loss="wgan-gp", d_steps=2, seed=123)
    assert resumed.resume()
    assert resumed.step == 15
    resumed.fit(40, progress=False)
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "gp"):
        assert resumed.history[key] == full.history[key], key
    for a, b in zip(resumed.G_ema.parameters(), full.G_ema.parameters()):
        assert torch.equal(a, b)


def test_ctrl_c_saves_a_checkpoint(tmp_path):
    tr = make_trainer(tmp_path)

    def interrupt(t):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tr.fit(50, callbacks=[(7, interrupt)], progress=False)
    state = load_checkpoint(tmp_path / "run.pt")
    assert state["step"] == 7 and len(state["history"]["step"]) == 7


def test_checkpoint_holds_everything_and_loads_weights_only(tmp_path):
    tr = make_trainer(tmp_path, checkpoint_every=5)
    tr.fit(10, progress=False)
    state = torch.load(tmp_path / "run.pt", weights_only=True)
    assert set(state) >= {
        "format",
        "version",
        "models",
        "optimizers",
        "ema",
        "rng",
        "step",
        "history",
        "config",
    }
    assert state["step"] == 10 and state["config"]["loss"] == "non-saturating"
    assert not list(tmp_path.glob("*.tmp")), "temporary files must not be left behind"


def test_conditional_batches_reach_both_networks():
    class CondG(nn.Module):
        latent_dim = 3

        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(2, 3)
            self.out = nn.Linear(3, 1)

        def forward(self, z, y):
            return self.out(z + self.emb(y))

    class CondD(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(2, 1)
            self.lin = nn.Linear(1, 1)

        def forward(self, x, y):
            return self.lin(x).squeeze(1) + self.emb(y).squeeze(1)

    seed_everything(0)
    x = torch.cat([torch.full((50, 1), -1.0), torch.full((50, 1), 1.0)])
    y = torch.cat([torch.zeros(50), torch.ones(50)]).long()
    tr = Trainer(CondG(), CondD(), TensorSampler(x, y), device="cpu", batch_size=16)
    tr.fit(5, progress=False)
    assert tr.generate(4, torch.tensor([0, 1, 0, 1])).shape == (4, 1)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(batch_size=0), "batch_size must be a positive int"),
        (dict(d_steps=1.5), "d_steps must be a positive int"),
        (dict(lr_g=-1.0), "lr_g must be a positive finite number"),
        (dict(ema_decay=1.0), "ema_decay must be in"),
        (dict(loss="bogus"), "unknown loss 'bogus'"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_trainer(**kwargs)


def test_missing_latent_dim_is_explained():
    with pytest.raises(ValueError, match="latent_dim"):
        Trainer(nn.Linear(2, 2), MLPDiscriminator(2), lambda n: torch.randn(n, 2))


def test_shape_errors_name_the_expected_shape():
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 4\)"):
        MLPGenerator(4, 1)(torch.randn(3, 5))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 1\)"):
        MLPDiscriminator(1)(torch.randn(3, 2))
    with pytest.raises(ValueError, match="hidden must be a positive int"):
        MLPGenerator(4, 1, hidden=0)


def test_checkpoints_by_time_when_a_path_is_given(tmp_path, monkeypatch):
    tr = make_trainer(tmp_path, checkpoint_seconds=1e-9)  # every step is "a minute later"
    saves = []
    real_save = tr.save
    monkeypatch.setattr(tr, "save", lambda *a: (saves.append(tr.step), real_save(*a))[1])
    tr.fit(3, progress=False)
    assert saves[:3] == [1, 2, 3]
    assert make_trainer(tmp_path).checkpoint_seconds == 60.0
    with pytest.raises(ValueError, match="checkpoint_every needs checkpoint_path"):
        make_trainer(checkpoint_every=5)
    with pytest.raises(ValueError, match="checkpoint_seconds must be a positive number"):
        make_trainer(tmp_path, checkpoint_seconds=0)


def test_resume_refuses_another_run_before_changing_anything(tmp_path):
    tr = make_trainer(tmp_path)
    tr.fit(3, progress=False)
    for kw, key in (
        (dict(loss="hinge"), "loss"),
        (dict(batch_size=7), "batch_size"),
        (dict(ema_decay=None), "ema_decay"),
    ):
        other = make_trainer(tmp_path, **kw)
        with pytest.raises(ValueError, match=f"written with {key}="):
            other.resume()
        assert other.step == 0
    seed_everything(0)
    wide = Trainer(
        MLPGenerator(4, 1, hidden=32),
        MLPDiscriminator(1, hidden=64),
        tr.sample_real,
        device="cpu",
        checkpoint_path=tmp_path / "run.pt",
        batch_size=64,
        lr_g=1e-3,
        lr_d=1e-3,
    )
    before = [p.clone() for p in wide.G.parameters()]
    with pytest.raises(ValueError, match=r"checkpoint's D\..* has shape"):
        wide.resume()
    assert all(torch.equal(a, b) for a, b in zip(before, wide.G.parameters())), (
        "G was changed before D failed"
    )


def test_stale_temp_files_are_cleaned_and_bad_files_explained(tmp_path):
    stale = tmp_path / "run.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    tr = make_trainer(tmp_path)
    assert not tr.resume() and not stale.exists()
    stale.write_bytes(b"x")
    tr.fit(2, progress=False)
    assert not stale.exists()
    path = tmp_path / "run.pt"
    data = path.read_bytes()
    for content, match in (
        (b"", "is empty"),
        (data[: len(data) // 2], "not a readable ganbook checkpoint"),
        (bytes(range(256)) * 4, "not a readable ganbook checkpoint"),
    ):
        path.write_bytes(content)
        with pytest.raises(ValueError, match=match) as err:
            make_trainer(tmp_path).resume()
        assert "weights_only=False" not in str(err.value)


def test_resume_loads_rng_on_the_cpu(tmp_path, monkeypatch):
    tr = make_trainer(tmp_path)
    tr.fit(2, progress=False)
    import ganbook.core.loop

    seen = []
    real = ganbook.core.loop.load_checkpoint
    monkeypatch.setattr(
        ganbook.core.loop,
        "load_checkpoint",
        lambda p, map_location: (seen.append(map_location), real(p, map_location))[1],
    )
    assert make_trainer(tmp_path).resume() and seen == ["cpu"]


# -- bad input gets a clear error (issue 11, section 3) ------------------------------------


class FirstTen(nn.Module):
    """A generator that ignores the batch size: always 10 samples."""

    latent_dim = 4

    def __init__(self):
        super().__init__()
        self.out = nn.Linear(4, 1)

    def forward(self, z):
        return self.out(z[:10])


class CondG(nn.Module):
    """A conditional generator over ``n`` classes (an embedding look-up)."""

    latent_dim = 4

    def __init__(self, n=10):
        super().__init__()
        self.emb = nn.Embedding(n, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, z, y):
        return self.out(z + self.emb(y))


def test_generator_ignoring_the_batch_size_is_refused():
    tr = make_trainer(G=FirstTen())
    with pytest.raises(ValueError, match=r"generator must return one sample per noise row \(64"):
        tr.generate(64)
    with pytest.raises(ValueError, match=r"one sample per noise row \(64 rows\), got \(10, 1\)"):
        tr.fit(1, progress=False)


def test_discriminator_must_return_one_logit_per_sample():
    D = nn.Linear(1, 2)  # (batch, 2): used to be averaged silently
    with pytest.raises(ValueError, match=r"one logit per sample, shape \(64,\).*got \(64, 2\)"):
        make_trainer(D=D).fit(1, progress=False)
    with pytest.raises(ValueError, match=r"got \(64, 1\)"):
        make_trainer(D=nn.Linear(1, 1)).fit(1, progress=False)  # unsqueezed logits
    patches = nn.Sequential(nn.Linear(1, 4), nn.Unflatten(1, (2, 2)))  # (batch, h, w) is fine
    make_trainer(D=patches).fit(2, progress=False)


def test_shapes_that_fail_deep_in_torch_are_explained():
    D = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0))  # expects 3 features, data has 1
    with pytest.raises(
        ValueError,
        match=r"called the discriminator as D\(x, \*cond\) with x "
        r"\(64, 1\).*mat1 and mat2 shapes cannot be multiplied",
    ):
        make_trainer(D=D).fit(1, progress=False)


def test_conditional_sampler_with_unconditional_networks_is_explained():
    x, y = torch.randn(100, 1), torch.randint(2, (100,))
    tr = Trainer(MLPGenerator(4, 1), MLPDiscriminator(1), TensorSampler(x, y), device="cpu")
    with pytest.raises(
        ValueError,
        match=r"G\(z, \*cond\) with z \(64, 4\) and cond \[\(64,\)\]"
        r".*takes 2 positional arguments.*1 condition tensor",
    ):
        tr.fit(1, progress=False)
    tr = Trainer(CondG(), MLPDiscriminator(1), lambda n: torch.randn(n, 1), device="cpu")
    with pytest.raises(ValueError, match=r"needs its labels: sample_real must return \(x, labels"):
        tr.fit(1, progress=False)


def test_label_out_of_range_is_explained():
    def labelled(n):  # labels 0..10 for a generator of ten classes
        return torch.randn(n, 1), torch.arange(n) % 11

    tr = Trainer(CondG(10), MLPDiscriminator(1), labelled, device="cpu")
    with pytest.raises(
        ValueError,
        match=r"IndexError.*labels must lie in \[0, n_classes\), "
        r"got ranges \[0, 10\]",
    ):
        tr.fit(1, progress=False)


def test_numpy_integers_are_accepted_and_infinite_rates_refused(tmp_path):
    tr = make_trainer(tmp_path, batch_size=np.int64(16), d_steps=np.int32(2))
    tr.fit(np.int64(2), progress=False)
    assert type(tr.batch_size) is int and type(tr.d_steps) is int
    assert torch.load(tmp_path / "run.pt", weights_only=True)["config"]["batch_size"] == 16
    for kw, match in (
        (dict(lr_d=float("inf")), "lr_d must be a positive finite number, got inf"),
        (dict(lr_g=float("nan")), "lr_g must be a positive finite number, got nan"),
        (dict(clip_d=float("inf")), "clip_d must be a positive finite number"),
        (dict(batch_size=True), "batch_size must be a positive int, got True"),
        (dict(batch_size=np.float64(64)), "batch_size must be a positive int"),
    ):
        with pytest.raises(ValueError, match=match):
            make_trainer(**kw)
    assert check_positive("lr", np.float32(0.5), integer=False) == 0.5


# -- issue 25: one writer, NaN recovery, resumes that change the run, paths -----------------


def poison_at(tr, step):
    """Make the batch of step ``step`` hold a NaN."""
    sample = tr.sample_real

    def poisoned(n):
        x = sample(n)
        if tr.step == step - 1:
            x = x.clone()
            x[0] = float("nan")
        return x

    tr.sample_real = poisoned


def finite(tr):
    return all(torch.isfinite(p).all() for m in (tr.G, tr.D, tr.G_ema) for p in m.parameters())


def test_nan_rolls_back_to_the_last_checkpoint(tmp_path):
    tr = make_trainer(tmp_path, checkpoint_every=10)  # default sync_every=25
    poison_at(tr, 23)
    with pytest.raises(FloatingPointError, match=r"at step 23 .*rolled back to its last "
                       r"checkpoint, step 20"):
        tr.fit(40, progress=False)
    assert tr.step == 20 and tr.history["step"] == list(range(1, 21)) and finite(tr)
    assert torch.isfinite(tr.generate(100)).all()
    tr.save()  # the good checkpoint stays good
    assert load_checkpoint(tmp_path / "run.pt")["step"] == 20


def test_nan_without_a_checkpoint_marks_the_trainer_unusable(tmp_path):
    tr = make_trainer()
    poison_at(tr, 5)
    with pytest.raises(FloatingPointError, match=r"at step 5 .*marked unusable"):
        tr.fit(20, progress=False)
    assert tr.step == 4 and len(tr.history["step"]) == 4  # step and history agree
    for call in (lambda: tr.generate(10), lambda: tr.fit(30, progress=False),
                 lambda: tr.save(tmp_path / "x.pt")):
        with pytest.raises(RuntimeError, match="unusable: a NaN or inf reached its weights"):
            call()
    assert not (tmp_path / "x.pt").exists()


def test_nan_caught_before_the_update_keeps_the_trainer():
    tr = make_trainer(sync_every=1)
    poison_at(tr, 3)
    with pytest.raises(FloatingPointError, match=r"kept at step 2: the update that saw it"):
        tr.fit(10, progress=False)
    assert finite(tr) and tr.generate(5).shape == (5, 1)


def test_save_and_generate_refuse_non_finite_weights(tmp_path):
    tr = make_trainer(tmp_path)
    tr.fit(3, progress=False)
    good = (tmp_path / "run.pt").read_bytes()
    with torch.no_grad():
        next(tr.G_ema.parameters())[0] = float("nan")
    with pytest.raises(FloatingPointError, match=r"generate: the generator's .* holds NaN"):
        tr.generate(4)
    assert tr.generate(4, ema=False).shape == (4, 1)  # the raw generator is still finite
    with pytest.raises(FloatingPointError, match=r"not saving to .*run.pt: .* holds NaN or inf"):
        tr.save()
    assert (tmp_path / "run.pt").read_bytes() == good


def test_a_changed_learning_rate_is_applied_and_said(tmp_path, capsys):
    tr = make_trainer(tmp_path)  # lr 1e-3
    tr.fit(3, progress=False)
    other = make_trainer(tmp_path, lr_g=2e-4)
    assert other.resume()
    assert "resumed with lr_g=0.0002; the checkpoint was trained with lr_g=0.001" in (
        capsys.readouterr().out
    )
    assert other.opt_g.param_groups[0]["lr"] == 2e-4 and other.opt_d.param_groups[0]["lr"] == 1e-3
    other.fit(4, progress=False)
    assert load_checkpoint(tmp_path / "run.pt")["config"]["lr_g"] == 2e-4
    # A schedule keeps its place: lr and initial_lr are both scaled.
    other.opt_g.param_groups[0].update(lr=1e-4, initial_lr=2e-4)
    other.save()
    again = make_trainer(tmp_path, lr_g=4e-4)
    assert again.resume()
    assert again.opt_g.param_groups[0]["lr"] == pytest.approx(2e-4)
    assert again.opt_g.param_groups[0]["initial_lr"] == 4e-4
    with pytest.raises(ValueError, match=r"written with betas=\[0.5, 0.999\]"):
        make_trainer(tmp_path, lr_g=4e-4, betas=(0.0, 0.9)).resume()


def test_a_checkpoint_of_two_ranks_resumed_on_one_says_what_changes(tmp_path, capsys):
    from ganbook.core.checkpoint import get_rng_state, save_checkpoint
    from ganbook.core.distributed import World

    tr = make_trainer(tmp_path)
    tr.fit(3, progress=False)
    state = load_checkpoint(tmp_path / "run.pt")
    assert state["world_size"] == 1
    state.pop("sha256")
    save_checkpoint(tmp_path / "run.pt", {**state, "world_size": 2,
                                          "rng_ranks": [state["rng"], get_rng_state()]})
    one = make_trainer(tmp_path)
    assert one.resume()
    out = capsys.readouterr().out
    assert "resumed a checkpoint written by 2 process(es) on 1: the global batch is now " \
           "1 x 64 = 64 instead of 128" in out and "other 1 rank(s)' streams end" in out
    one.fit(4, progress=False)
    assert load_checkpoint(tmp_path / "run.pt")["world_size"] == 1
    two = make_trainer(tmp_path)  # and the other way: one process's checkpoint on two ranks
    two.world = World(0, 2, torch.device("cpu"))
    two._load(tmp_path / "run.pt")
    assert "written by 1 process(es) on 2: the global batch is now 2 x 64" in (
        capsys.readouterr().out
    )
    assert not two._joined  # fresh per-rank streams, as the message says


def test_a_folder_or_unwritable_checkpoint_path_is_refused_at_once(tmp_path):
    (tmp_path / "folder" / "run.pt").mkdir(parents=True)
    (tmp_path / "file").write_text("a file")
    with pytest.raises(ValueError, match="checkpoint_path must be a file path, got .* a folder"):
        make_trainer(tmp_path / "folder")
    with pytest.raises(ValueError, match="checkpoint_path .* cannot be written: .* is a file"):
        make_trainer(tmp_path / "file")
    tr = make_trainer()
    with pytest.raises(ValueError, match="checkpoint_path must be a file path"):
        tr.checkpoint_path = tmp_path  # as the CLI sets it
    with pytest.raises(ValueError, match="resume needs a checkpoint file, got .* a folder"):
        tr.resume(tmp_path)
    assert not tr.resume()  # no path at all: nothing to resume


def test_two_trainers_on_one_path_in_one_process(tmp_path):
    from ganbook.core.files import FileInUseError

    tr = make_trainer(tmp_path)
    errors = []

    def second(t):
        other = make_trainer(tmp_path, seed=1)
        for call in (other.resume, lambda: other.fit(5, progress=False)):
            with pytest.raises(FileInUseError, match="another trainer in this process") as err:
                call()
            errors.append(str(err.value))

    tr.fit(4, callbacks=[(2, second)], progress=False)
    assert len(errors) == 4 and "run.pt is in use" in errors[0]
    later = make_trainer(tmp_path, seed=1)  # once the first run is done, it may continue it
    assert later.resume() and later.step == 4


def test_first_nonfinite_names_the_tensor_and_ignores_overflowing_sums():
    from ganbook.core.loop import first_nonfinite

    half = torch.full((4,), 60000.0, dtype=torch.float16)  # finite, its fp16 sum is not
    state = {"models": {"G": {"w": torch.ones(3), "big": torch.full((4,), 3e38), "h": half}},
             "rng": torch.zeros(4, dtype=torch.uint8)}
    assert first_nonfinite(state) is None
    state["ema"] = [torch.ones(2), torch.tensor([1.0, float("inf")], dtype=torch.bfloat16)]
    assert first_nonfinite(state) == "ema.1"
