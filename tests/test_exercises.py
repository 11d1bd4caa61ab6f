"""The self-checking exercises: each checker accepts the notebook's solution, rejects the stub
and a plausible wrong answer, and reports mistakes kindly."""

import contextlib
import io
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import ganbook.exercises as ex
from ganbook.exercises.runner import Case, run_checks

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(ex.CHECKERS)


def quiet(check, fn):
    """Run ``check(fn)``; return its verdict and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        verdict = check(fn)
    return verdict, out.getvalue()


def blocks(page, directive):
    """The python blocks inside the ``directive`` (exercise or solution) blocks of a page."""
    nb = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = []
    for body in re.findall(r"````\{" + directive + r"\}(.*?)\n````\n", text + "\n", re.S):
        found += re.findall(r"```python\n(.*?)```", body, re.S)
    return found


def run_block(code):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<exercise>", "exec"), {})
    return out.getvalue()


@pytest.mark.parametrize("page", PAGES)
def test_the_page_shows_the_stub_and_hides_a_solution_that_passes(page):
    name = ex.CHECKERS[page].__name__
    stubs = [b for b in blocks(page, "exercise") if f"{name}(" in b]
    solutions = [b for b in blocks(page, "solution") if f"{name}(" in b]
    assert len(stubs) == 1 and len(solutions) == 1, f"{page}: one exercise and one solution"
    assert run_block(solutions[0]).startswith("Correct:"), f"{page}: the solution must pass"
    assert run_block(stubs[0]).startswith("Not yet."), f"{page}: the empty stub must fail"


def _naive_d_loss(real, fake):
    return -(torch.log(torch.sigmoid(real)) + torch.log(1 - torch.sigmoid(fake))).mean()


def _biased_fd(a, b):
    cov_a, cov_b = torch.cov(a.T, correction=0), torch.cov(b.T, correction=0)
    roots = torch.linalg.eigvals(cov_a @ cov_b).real.clamp(min=0).sqrt()
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + cov_a.trace() + cov_b.trace()
                 - 2 * roots.sum())


def _biased_mmd(x, y):
    d = x.shape[1]
    k = lambda u, v: (u @ v.T / d + 1) ** 3  # noqa: E731
    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


def _slerp_without_fallback(a, b, t):
    omega = torch.arccos(((a @ b) / (a.norm() * b.norm())).clamp(-1, 1))
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def _softmax_without_max(logits, t):
    w = (logits / t).exp()
    return w / w.sum(-1, keepdim=True)


def _unclipped_bleu1(hyp, refs):
    seen = set("".join(refs))
    return sum(ch in seen for ch in hyp) / len(hyp)


def _encode_off_by_one(pitch, onset):
    p = torch.as_tensor(np.asarray(pitch), dtype=torch.long)
    x = F.one_hot(torch.where(p > 0, p - 36, 0), 50).float()
    return torch.cat([x, torch.as_tensor(np.asarray(onset)).float()[..., None]], -1)


def _crossing_with_rests(pitch, onset):
    return float((pitch[:, 1:] > pitch[:, :-1]).mean())


def _pooled_psnr(output, truth):
    return float(10 * torch.log10(4 / ((output.clamp(-1, 1) - truth) ** 2).mean()))


def _mean_of_everything(images, mask):
    return images * (1 - mask) + images.mean((-2, -1), keepdim=True) * mask


def _colourfulness_unbiased(images):
    rgb = (images.clamp(-1, 1) + 1) * 127.5
    r, g, b = (rgb[:, c].flatten(1) for c in range(3))
    rg, yb = r - g, (r + g) / 2 - b
    spread = (rg.var(1) + yb.var(1)).sqrt()
    return float((spread + 0.3 * (rg.mean(1) ** 2 + yb.mean(1) ** 2).sqrt()).mean())


WRONG = {
    "check_discriminator_loss": _naive_d_loss,  # log(sigmoid): inf on confident logits
    "check_frechet_distance": _biased_fd,  # covariances over n, not n - 1
    "check_hinge_loss": lambda r, f: torch.cat([F.relu(1 - r), F.relu(1 + f)]).mean(),
    "check_class_shares": lambda p, n: torch.bincount(p).double() / len(p),  # no minlength
    "check_mmd": _biased_mmd,
    "check_slerp": _slerp_without_fallback,
    "check_in_manifold": lambda r, q, k: (
        torch.cdist(q, r) <= torch.cdist(r, r).sort(1).values[:, k - 1]).any(1),
    "check_temperature": _softmax_without_max,
    "check_inverse_cdf": lambda p, u: (p.cumsum(-1) < u[..., None]).sum(-1),  # < for <=
    "check_beta_schedule": lambda s, t, b: b ** (s / t),  # no clamping
    "check_bleu1": _unclipped_bleu1,
    "check_encode": _encode_off_by_one,
    "check_voice_crossing": _crossing_with_rests,
    "check_pitch_class_histogram": lambda p: np.stack(
        [np.bincount(r % 12, minlength=12) for r in np.asarray(p).reshape(len(p), -1)]),
    "check_optimal_discriminator": lambda p, q: p / (p + q),  # 0/0 where both vanish
    "check_soft_embedding": lambda x, E: E[x] if x.dtype == torch.long else E[x.argmax(-1)],
    "check_psnr": _pooled_psnr,
    "check_mean_fill": _mean_of_everything,
    "check_colourfulness": _colourfulness_unbiased,
    "check_thicken": lambda x, r: F.max_pool2d(x, 2 * r + 1, stride=1, padding=r),  # a square
}


def test_every_checker_has_a_wrong_answer_and_a_page():
    assert set(WRONG) == {c.__name__ for c in ex.CHECKERS.values()}
    assert len(set(ex.CHECKERS.values())) == len(ex.CHECKERS), "one checker per page"
    for page in ex.CHECKERS:
        assert (ROOT / f"{page}.ipynb").exists(), page


@pytest.mark.parametrize("name", sorted(WRONG))
def test_checker_rejects_a_plausible_mistake_with_a_hint(name):
    verdict, text = quiet(getattr(ex, name), WRONG[name])
    assert verdict is False
    assert text.startswith("Not yet. Hidden case") and "input:" in text, text
    assert "expected" in text or "raised" in text, text


@pytest.mark.parametrize("name", sorted(WRONG))
def test_checker_refuses_a_non_function(name):
    with pytest.raises(TypeError, match="fn must be a function"):
        getattr(ex, name)(3.0)


def test_checkers_leave_the_global_random_state_alone():
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    for page in PAGES:
        quiet(ex.CHECKERS[page], WRONG[ex.CHECKERS[page].__name__])
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)


def test_runner_reports_an_exception_in_the_students_code():
    def broken(x):
        raise IndexError("index 3 is out of bounds")

    verdict, text = quiet(lambda fn: run_checks(fn, lambda x: x, [Case((torch.ones(2),))]),
                          broken)
    assert verdict is False and "raised IndexError: index 3 is out of bounds" in text


def test_runner_names_the_input_the_shape_and_a_missing_return():
    cases = [Case((torch.arange(3.0),), "the note"), Case((torch.zeros(2, 2),))]
    verdict, text = quiet(lambda fn: run_checks(fn, lambda x: x * 2, cases), lambda x: x * 2)
    assert verdict and text == "Correct: 2 hidden cases passed.\n"
    _, text = quiet(lambda fn: run_checks(fn, lambda x: x * 2, cases), lambda x: x[:2] * 2)
    assert "(the note)" in text and "tensor of shape (3,)" in text and "shape is (2,)" in text
    _, text = quiet(lambda fn: run_checks(fn, lambda x: x * 2, cases), lambda x: None)
    assert "returned None" in text
    _, text = quiet(lambda fn: run_checks(fn, lambda x: x.sum(), cases), lambda x: x.sum() + 1)
    assert "off by 1" in text
    _, text = quiet(lambda fn: run_checks(fn, lambda x: x.sum(), cases), lambda x: "six")
    assert "expected a number or an array, got a str" in text


def test_runner_passes_copies_so_a_student_cannot_spoil_the_reference():
    def in_place(x):
        x += 1
        return x

    cases = [Case((torch.zeros(3),))]
    verdict, _ = quiet(lambda fn: run_checks(fn, lambda x: x + 1, cases), in_place)
    assert verdict and torch.equal(cases[0].args[0], torch.zeros(3))


def test_a_correct_answer_in_numpy_or_as_a_list_is_accepted():
    verdict, _ = quiet(ex.check_class_shares,
                       lambda p, n: (np.bincount(p.numpy(), minlength=n) / len(p)).tolist())
    assert verdict
