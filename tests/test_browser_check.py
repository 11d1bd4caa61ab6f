"""bench/browser_check.py: its checks on tiny hand-made pages (the browser test needs chromium)."""

import base64
import importlib.util
import io
import sys
from pathlib import Path

import pytest

from ganbook.pages.tables import html_table

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("browser_check", ROOT / "bench" / "browser_check.py")
bc = importlib.util.module_from_spec(spec)
sys.modules["browser_check"] = bc  # dataclasses look their module up there
spec.loader.exec_module(bc)


def test_toc_pages_in_reading_order(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: book/intro\nparts:\n"
        "  - caption: A\n    chapters:\n      - file: book/a.ipynb\n"
        "        sections:\n          - file: book/a1\n"
        "  - caption: B\n    chapters:\n      - file: book/b.md\n"
    )
    assert bc.toc_pages(toc) == ["book/intro", "book/a", "book/a1", "book/b"]


@pytest.mark.parametrize("text", [
    "| metric | real |\n|---|---:|\n| FD | 1.0 |",
    "| metric | real (held out) | fake |---|---:|:---:| | FD | 1 | 2 |",  # run together
    "|:---|",
])
def test_raw_tables_found(text):
    assert bc.raw_tables(text)


@pytest.mark.parametrize("text", [
    "a | b and c | d", "an em dash --- in prose", "x---y", "| a | b |", "--- | ---",
])
def test_raw_tables_not_in_ordinary_text(text):
    assert bc.raw_tables(text) == []


def test_raw_table_excerpt_names_the_header():
    (excerpt,) = bc.raw_tables("text\n| metric | real |\n|---|---|\n| a | b |")
    assert excerpt.startswith("| metric | real |")


@pytest.fixture
def site(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "index.html").write_text("<p>home</p>")
    (tmp_path / "book" / "a.html").write_text('<h1 id="top">A</h1><a name="old"></a>')
    (tmp_path / "book" / "img.png").write_bytes(b"png")
    return tmp_path


@pytest.mark.parametrize("href", [
    "a.html", "a.html#top", "#top", "a.html#old", "../index.html", "img.png", "../",
    "https://example.org/x.html#nothing", "mailto:a@b.c", "data:text/plain,hi", "",
    "/book/a.html#top",
])
def test_good_and_external_links_pass(site, href):
    bc.page_ids.cache_clear()
    assert bc.broken_link(site, "book/a.html", href) is None


@pytest.mark.parametrize("href, why", [
    ("b.html", "no file book/b.html"),
    ("a.html#nowhere", "no #nowhere in a.html"),
    ("#gone", "no #gone in a.html"),
    ("../book/missing/", "no file book/missing/index.html"),
])
def test_broken_links_say_why(site, href, why):
    bc.page_ids.cache_clear()
    assert why in bc.broken_link(site, "book/a.html", href)


def output(text, **kw):
    return {"text": text, "traceback": False, "stderr": False, "raises": False,
            "stream_run": 1, **kw}


def problems(**facts):
    return bc.judge(bc.Facts(**facts), Path("/nonexistent"), "book/a.html")


def test_judge_clean_page_has_no_problems():
    assert problems(prose="Prose | with a pipe.", outputs=[output("FD 12.3")],
                    images=[{"src": "a.png", "loaded": True, "std": 40.0, "gif": False}],
                    audio=[{"src": "data:audio/wav;base64,AAAA", "error": 0}],
                    animations=[{"frames": 12, "loaded": True}]) == []


def test_judge_tracebacks():
    tb = "Traceback (most recent call last)\n" + "  File x\n" * 30 + "TypeError: bad"
    (outside,) = problems(outputs=[output(tb)])
    assert outside.startswith("traceback outside") and "TypeError: bad" in outside
    (long,) = problems(outputs=[output(tb, raises=True)])
    assert long.startswith("long traceback (32 lines)")
    short = "Traceback (most recent call last)\n  line\nTypeError: bad"
    assert problems(outputs=[output(short, raises=True)]) == []


def test_judge_images_audio_animations():
    found = problems(images=[{"src": "a.png", "loaded": False, "std": None, "gif": False},
                             {"src": "b.png", "loaded": True, "std": 0.0, "gif": False}],
                     audio=[{"src": "", "error": 0}, {"src": "x.wav", "error": 4}],
                     animations=[{"frames": 1, "loaded": True}])
    assert [p.split(":")[0].split(" (")[0] for p in found] == [
        "image does not load", "blank image", "audio player without a source",
        "audio does not play", "animation without frames"]


def test_judge_output_clutter():
    found = problems(outputs=[
        output("<Figure size 640x480 with 1 Axes>"), output("(0.7461024498886414, 2)"),
        output("step 1", stream_run=3), output("UserWarning: x", stderr=True)],
        widgets=2, unresolved=["ex-missing"])
    assert any(p.startswith("stray repr: <Figure size") for p in found)
    assert "unrounded number: 0.7461024498886414" in found
    assert "prints split into separate boxes in 1 cell(s)" in found
    assert any(p.startswith("stderr output") for p in found)
    assert "saved widget state (2 widget views)" in found
    assert "unresolved reference: ex-missing" in found
    assert problems(outputs=[output("loss 0.746, 1.5e-05, 3.14159265 steps")]) != []
    assert problems(outputs=[output("loss 0.746, 1.5e-05, step 12")]) == []


def test_judge_overflow_names_the_line_length():
    (p,) = problems(overflow=[{"tag": "pre", "excess": 300, "chars": 140, "text": "x = 1"}])
    assert p == "overflow: pre 300px wider than the column (a line of 140 characters): x = 1"


def gif(frames):
    from PIL import Image

    images = [Image.new("L", (4, 4), 40 * i) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def test_gif_frames_counted():
    assert bc.gif_frames(gif(3)) == 3
    still = "data:image/gif;base64," + base64.b64encode(gif(1)).decode()
    assert problems(images=[{"src": still, "loaded": True, "std": 5.0, "gif": True}]) == [
        "animation without frames (a GIF of 1 frame)"]


# --------------------------------------------------------------- in a real headless browser
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font: 16px sans-serif; }}
article.bd-article {{ width: 760px; margin: 0 auto; }}
pre {{ overflow: auto; font-family: monospace; }}
</style></head><body><article class="bd-article" role="main">
<h1 id="top">{title}</h1>{body}
<p><a href="#top">top</a> <a href="good.html">a good page</a></p>
</article></body></html>"""

CELL = ('<div class="cell {tags} docutils container"><div class="cell_input"><pre>x = 1</pre>'
        '</div><div class="cell_output docutils container">{out}</div></div>')


def stream(text, kind="stream"):
    return (f'<div class="output {kind} highlight-myst-ansi"><div class="highlight">'
            f"<pre>{text}</pre></div></div>")


TRACE = ("Traceback (most recent call last)\n" +
         "".join(f'  File "/usr/lib/torch/nn/f{i}.py", line {i}, in f\n' for i in range(25)) +
         "RuntimeError: mat1 and mat2 shapes cannot be multiplied")


def png_base64() -> str:
    """A 20x10 PNG, half black and half white."""
    from PIL import Image

    image = Image.new("L", (20, 10), 255)
    image.paste(0, (0, 0, 10, 10))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


PAGES = {
    "good": ('<p>A figure:</p><img src="data:image/png;base64,' + png_base64() + '" width="40">' +
             CELL.format(tags="", out=stream("FD 12.3"))),
    "raw_table": "<p>| metric | real | fake |\n|---|---:|---:|\n| FD | 1.0 | 9.0 |</p>",
    "traceback": CELL.format(tags="", out=stream(TRACE, "traceback")),
    "overflow": CELL.format(tags="", out=stream("recall " * 40)),
    "touching": CELL.format(tags="", out="<table><tr><th>PSNR</th><th>SSIM</th></tr>"
                            "<tr><td>31.426</td><td>0.746</td></tr></table>"),
    "styled": CELL.format(tags="", out=html_table({"L1": {"PSNR": 31.426, "SSIM": 0.746}})),
}


@pytest.mark.skipif(None in bc.chromium_paths(),
                    reason="chromium and chromedriver are not installed (`make browser`)")
def test_browser_catches_the_reader_problems(tmp_path):
    for name, body in PAGES.items():
        (tmp_path / f"{name}.html").write_text(PAGE.format(title=name, body=body))
    results = bc.check_pages(tmp_path, list(PAGES), tmp_path / "shots")
    assert results["good"] == []
    assert [p.split(":")[0] for p in results["raw_table"]] == ["raw Markdown table"]
    (tb,) = results["traceback"]
    assert tb.startswith("traceback outside a raises-exception cell") and "RuntimeError" in tb
    (over,) = results["overflow"]
    assert over.startswith("overflow: output pre") and "a line of 280 characters" in over
    (touch,) = results["touching"]
    assert touch.startswith("table cells touch") and results["styled"] == []
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == [
        f"{name}.png" for name in sorted(PAGES)]


@pytest.mark.parametrize("env, disabled", [("1", True), ("", None), ("0", None)])
def test_progress_bar_obeys_tqdm_disable(monkeypatch, env, disabled):
    """tqdm's notebook bar ignores TQDM_DISABLE, so the built book saved bar widgets."""
    import torch

    import ganbook.core.loop
    from ganbook import Trainer
    from ganbook.core.nets import MLPDiscriminator, MLPGenerator

    seen = []

    class Bar:
        def __init__(self, **kw):
            seen.append(kw["disable"])

        def __getattr__(self, name):
            return lambda *a, **k: None

    monkeypatch.setattr(ganbook.core.loop, "tqdm", Bar)
    monkeypatch.setenv("TQDM_DISABLE", env)
    trainer = Trainer(MLPGenerator(2, 2, hidden=8), MLPDiscriminator(2, hidden=8),
                      lambda n: torch.randn(n, 2), device="cpu", batch_size=4)
    trainer.fit(1)
    assert seen == [disabled]


def test_show_scores_is_one_html_row_per_named_scores(monkeypatch):
    """The book prints Scores as a table that fits its column (a text table overflowed)."""
    import ganbook.pages.tables
    from ganbook.image.metrics import Scores, show_scores

    shown = []
    monkeypatch.setattr(ganbook.pages.tables, "show_table",
                        lambda rows, digits, caption=None: shown.append(rows))
    s = Scores(fd=1.5, kid=0.1, precision=0.9, recall=0.8, class_shares=[0.5, 0.5])
    show_scores({"a": s, "b": s}, {"b": {"seconds": 2.0}})
    (rows,) = shown
    assert list(rows) == ["a", "b"] and rows["a"]["fd"] == 1.5
    assert rows["b"]["seconds"] == 2.0 and "seconds" not in rows["a"]
