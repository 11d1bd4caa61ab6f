"""The smoke mode (GANBOOK_SMOKE): its caps, bench/gpu_smoke.py's verdicts, and what every
notebook says the ``gpu`` profile changes."""

import ast
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
import torch
from packaging.requirements import Requirement

from ganbook.core.profiles import (
    SMOKE_SAMPLES,
    get_profile,
    is_smoke,
    smoke_cap,
    smoke_count,
    smoke_steps,
)
from ganbook.exercises.student import toc_notebooks
from ganbook.pages.page import profile_summary, show_profile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # gpu_smoke imports its sibling check_harness
spec = importlib.util.spec_from_file_location("gpu_smoke", ROOT / "bench" / "gpu_smoke.py")
gs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gs)


def test_smoke_mode_is_off_unless_set(monkeypatch):
    monkeypatch.delenv("GANBOOK_SMOKE", raising=False)
    assert smoke_steps() is None and not is_smoke()
    assert smoke_cap(5000) == 5000 and smoke_count(5000) == 5000
    assert "SMOKE" not in profile_summary(get_profile("cpu"))


def test_smoke_mode_caps_steps_and_counts(monkeypatch):
    monkeypatch.setenv("GANBOOK_SMOKE", "2")
    assert smoke_steps() == 2 and is_smoke()
    assert smoke_cap(5000) == 2 and smoke_cap(1) == 1
    assert smoke_count(5000) == SMOKE_SAMPLES and smoke_count(10) == 10
    assert smoke_count(5000, at_most=64) == 64
    assert "SMOKE (2 steps per fit" in profile_summary(get_profile("gpu"))
    with pytest.raises(ValueError, match="at_most must be a positive int"):
        smoke_count(10, at_most=0)


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_smoke_mode_rejects_a_bad_value(monkeypatch, value):
    monkeypatch.setenv("GANBOOK_SMOKE", value)
    with pytest.raises(ValueError, match="GANBOOK_SMOKE must be a positive int"):
        smoke_steps()


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")
def test_runs_outside_loop_fit_honour_the_cap(monkeypatch):
    """The two-sample critic, the latent search and the classifier train a few steps only."""
    import ganbook.applications.inpainting as inpaint
    import ganbook.applications.quality as quality
    import ganbook.core.loop as loop
    import ganbook.image.classifier as classifier

    monkeypatch.setenv("GANBOOK_SMOKE", "3")
    calls = []
    # the classifiers train in a Loop (instruments), the latent search by hand
    monkeypatch.setattr(loop, "_update", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(inpaint, "update", lambda *a, **k: calls.append(1))
    torch.manual_seed(0)
    quality.two_sample_accuracy(torch.randn(20, 1, 8, 8), torch.randn(20, 1, 8, 8), steps=300)
    assert len(calls) == 3
    calls.clear()
    G = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Unflatten(1, (1, 8, 8)))
    G.latent_dim = 4
    inpaint.invert_generator(G, torch.randn(2, 1, 8, 8), torch.ones(2, 1, 8, 8), steps=300,
                             restarts=1)
    assert len(calls) == 3
    calls.clear()
    classifier.train_digit_classifier(torch.randn(8, 1, 8, 8), torch.arange(8) % 2, epochs=40,
                                      batch_size=8)
    assert len(calls) == 3  # three steps: the smoke mode's cap


def test_show_profile_states_what_gpu_changes(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw: shown.append(obj))
    show_profile(get_profile("cpu"), gpu="8,000 steps (cpu 3,000)")
    assert "What <code>gpu</code> changes here: 8,000 steps (cpu 3,000)." in shown[0]["text/html"]
    assert shown[0]["text/plain"].endswith("gpu profile here: 8,000 steps (cpu 3,000)")
    with pytest.raises(ValueError, match="gpu must be a non-empty phrase"):
        show_profile(get_profile("cpu"), gpu=" ")


def cell(source, tags=(), error=None):
    c = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})
    if error:
        c.outputs = [nbformat.v4.new_output("error", ename=error, evalue="boom\nmore",
                                            traceback=[])]
    return c


def test_the_smoke_run_expects_failed_checks_and_reports_everything_else():
    cells = [
        cell("x = 1"),
        cell("assert x > 2, 'untrained'", error="AssertionError"),  # a check: expected
        cell("raise ValueError('on purpose')", ["raises-exception"], error="ValueError"),
        cell("y = model(x)", error="RuntimeError"),  # a shape error: a failure
        cell("helper(x)", error="AssertionError"),  # an assert inside the library: a failure
        nbformat.v4.new_markdown_cell("assert nothing here"),
    ]
    failures, expected = gs.classify(cells)
    assert expected == 2
    assert failures == [(3, "RuntimeError", "boom"), (4, "AssertionError", "boom")]


def test_the_smoke_run_uses_the_gpu_profile_capped_on_the_cpu():
    env = gs.smoke_env(2)
    assert env["GANBOOK_PROFILE"] == "gpu" and env["GANBOOK_SMOKE"] == "2"
    assert env["CUDA_VISIBLE_DEVICES"] == "" and env["GANBOOK_DEVICE"] == "cpu"
    assert "CUDA_VISIBLE_DEVICES" not in gs.smoke_env(2, "cuda")


def gpu_phrase(nb) -> str:
    """The ``gpu=`` phrase of the notebook's ``show_profile`` call."""
    for c in nb.cells:
        if c.cell_type == "code" and "show_profile(" in c.source:
            for node in ast.walk(ast.parse(c.source)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "show_profile":
                    for kw in node.keywords:
                        if kw.arg == "gpu":
                            return ast.literal_eval(kw.value)
    return ""


def gpu_changes(nb) -> bool:
    """True if any ``pick(...)`` in the notebook's code has a ``gpu`` value unlike its ``cpu``,
    or a cell runs only under ``gpu``."""
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        if re.search(r"""\.name\s*==\s*["']gpu["']""", c.source):
            return True
        source = re.sub(r"(?m)^(\s*)[%!].*$", r"\1pass", c.source)  # IPython magics
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "pick":
                kw = {k.arg: ast.dump(k.value) for k in node.keywords}
                if "gpu" in kw and kw["gpu"] != kw.get("cpu"):
                    return True
    return False


@pytest.mark.parametrize("path", toc_notebooks(), ids=str)
def test_every_notebook_says_what_gpu_changes(path):
    nb = nbformat.read(ROOT / path, as_version=4)
    phrase = gpu_phrase(nb)
    assert phrase, f"{path}: its setup cell must call show_profile(P, gpu='what gpu changes')"
    says_nothing = phrase.startswith("nothing")
    assert says_nothing != gpu_changes(nb), (
        f"{path}: the gpu phrase {phrase!r} "
        + ("says nothing changes, but a pick(...) has a different gpu value" if says_nothing
           else "names changes, but no pick(...) has a gpu value unlike its cpu one")
    )
    code = " ".join(c.source for c in nb.cells if c.cell_type == "code")
    numbers = {n.replace("_", "") for n in re.findall(r"\d[\d_]*", code)}
    missing = [n for n in re.findall(r"\d[\d,]*", phrase) if n.replace(",", "") not in numbers]
    assert not missing, f"{path}: the gpu phrase quotes {missing}, which its code never uses"


def test_the_requirements_admit_a_stock_colab_runtime():
    """Colab ships IPython 7.34 and ipywidgets 7.7 (googlecolab/colabtools#4525); requiring
    newer ones makes the install cell upgrade them, and the runtime must restart."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    reqs = {r.name.lower(): r for r in map(Requirement, deps)}
    for name, colab in [("ipython", "7.34.0"), ("ipywidgets", "7.7.1")]:
        assert reqs[name].specifier.contains(colab), (
            f"pyproject.toml requires {reqs[name]}, which Colab's {name} {colab} does not meet"
        )


def test_the_smoke_mode_downloads_nothing_and_says_what_stands_in(tmp_path, monkeypatch):
    from ganbook.image.data import load_mnist
    from ganbook.text.data import load_corpus

    monkeypatch.setenv("GANBOOK_SMOKE", "2")
    monkeypatch.setattr("ganbook.core.files.download", lambda *a, **k: pytest.fail("downloaded"))
    with pytest.warns(UserWarning, match="smoke mode: mnist is not cached"):
        x, y = load_mnist("mnist", "test", cache_dir=tmp_path)
    assert x.shape == (SMOKE_SAMPLES, 1, 28, 28) and y.shape == (SMOKE_SAMPLES,)
    assert -1.0 <= float(x.min()) < float(x.max()) <= 1.0
    with pytest.warns(UserWarning, match="stand-in sentences"):
        sentences = load_corpus("coco", max_len=15, cache_dir=tmp_path)
    assert len(sentences) == SMOKE_SAMPLES and all(s.endswith(" .") for s in sentences)
    monkeypatch.delenv("GANBOOK_SMOKE")
    with pytest.raises(FileNotFoundError):  # outside the smoke mode: no stand-in
        load_corpus("coco", cache_dir=tmp_path, download=False)


def test_longer_smoke_runs_are_named_by_notebooks_in_the_book():
    assert set(gs.MIN_STEPS) <= set(toc_notebooks()) and min(gs.MIN_STEPS.values()) > 2
