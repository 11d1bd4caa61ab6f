"""Read the built HTML book in a real headless browser and list what would hurt a reader.

Usage:
    python bench/browser_check.py [--build _build/html] [--screenshots _build/screenshots]
                                  [--no-screenshots]
    python bench/browser_check.py --pages book/intro book/image/01_dcgan_digits

Serves the build with a local HTTP server (so the page can read its own images' pixels),
opens every page of the book's table of contents in headless Chromium at a laptop's window
size (1440x900), and per page asserts: no Markdown table shown as raw pipe text; every image
loads and is not blank; every audio player has a source; every animation has frames; no
traceback outside cells tagged ``raises-exception`` (and none longer than a screen inside
them); no code, output, table, figure or equation wider than the content column; every
internal link resolves (file and ``#anchor``); no unresolved cross-reference; no warnings
(stderr) or stray object reprs in outputs; no saved widget state; no print loop split into
many boxes. It saves one screenshot per page, prints one row per page with its problems,
and exits 1 if any page has one.

The browser is Debian's ``chromium`` with its ``chromedriver`` (``make browser`` installs
them); nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[1]
# A laptop's window (1440x900): the theme's content column is then at its widest, about 88
# characters of code (narrower windows shrink it: 77 characters at 1280).
WINDOW = (1440, 900)
SCREENSHOT_MAX_HEIGHT = 8000
# A pipe table's separator row, as in "|---|:---:|" (the marker of Markdown shown as text).
RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|(\s*:?-{3,}:?\s*\|)*")
# Reprs an output should not show: a figure's, a default object's, a widget's text fallback.
STRAY_REPR = re.compile(
    r"<(Figure size \d+x\d+ with \d+ Axes|matplotlib\.[\w.]+ at 0x[0-9a-f]+"
    r"|[\w.]+ object at 0x[0-9a-f]+|IPython\.core\.display\.\w+ object)>"
    r"|\b(HBox|VBox|FloatProgress|IntProgress)\(children="
)
UNROUNDED = re.compile(r"(?<![\w.])-?\d+\.\d{8,}")
TRACEBACK = "Traceback (most recent call last)"
LONG_TRACEBACK = 15  # lines: an intended error should show the error, not torch's internals
BLANK_STD = 1.0  # pixel standard deviation (0-255) under which an image is one flat colour


# ----------------------------------------------------------------------------- the pages
def toc_pages(toc: Path) -> list[str]:
    """The docnames (``book/intro``) of a Jupyter Book ``_toc.yml``, in reading order."""
    import yaml

    data = yaml.safe_load(toc.read_text())
    pages = [data["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in data.get("parts", []):
        walk(part.get("chapters"))
    walk(data.get("chapters"))
    walk(data.get("sections"))
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]


# ------------------------------------------------------------------ pure checks (tested)
def raw_tables(text: str) -> list[str]:
    """Each Markdown pipe table found in rendered text, as a short excerpt of its first line."""
    found = []
    for match in RAW_TABLE.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        header = text[text.rfind("\n", 0, max(line_start - 1, 0)) + 1 : line_start].strip()
        excerpt = (header + " " + match.group(0)).strip() if "|" in header else match.group(0)
        found.append(shorten(excerpt))
    return found


def shorten(text: str, width: int = 60) -> str:
    """One line of at most ``width`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value or "")


@functools.lru_cache(maxsize=None)
def page_ids(path: Path) -> frozenset[str]:
    """Every ``id`` (and ``<a name>``) in an HTML file: the anchors a link may point to."""
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


def broken_link(build: Path, page_url: str, href: str) -> str | None:
    """Why ``href`` on the page at ``page_url`` (a path under ``build``) does not resolve.

    Returns ``None`` for a good link and for external ones (another scheme or host).
    """
    if not href or href.startswith(("mailto:", "javascript:", "data:", "tel:")):
        return None
    base = "http://book.local/" + page_url.lstrip("/")
    target = urlsplit(urljoin(base, href))
    if target.scheme not in ("http", "https") or target.netloc != "book.local":
        return None
    rel = unquote(target.path).lstrip("/")
    if rel == "" or rel.endswith("/") or (build / rel).is_dir():
        rel = rel.rstrip("/") + "/index.html" if rel.strip("/") else "index.html"
    path = build / rel
    if not path.is_file():
        return f"broken link {href} (no file {rel})"
    anchor = unquote(target.fragment)
    if anchor and path.suffix == ".html" and anchor not in page_ids(path):
        return f"broken link {href} (no #{anchor} in {path.name})"
    return None


def gif_frames(data: bytes) -> int:
    """How many frames a GIF has."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return getattr(image, "n_frames", 1)


@dataclass
class Facts:
    """What the browser measured on one page (see ``COLLECT``)."""

    prose: str = ""
    images: list[dict] = field(default_factory=list)
    audio: list[dict] = field(default_factory=list)
    animations: list[dict] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)
    overflow: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    widgets: int = 0
    touching: list[str] = field(default_factory=list)


def judge(facts: Facts, build: Path, page_url: str) -> list[str]:
    """The reader problems on one page, one short line each."""
    problems = [f"raw Markdown table: {t}" for t in raw_tables(facts.prose)]
    for img in facts.images:
        if not img["loaded"]:
            problems.append(f"image does not load: {shorten(img['src'], 50)}")
        elif img["std"] is not None and img["std"] < BLANK_STD:
            problems.append(f"blank image: {shorten(img['src'], 50)}")
        if img["gif"]:
            problems += _gif_problem(img["src"], build, page_url)
    for audio in facts.audio:
        if not audio["src"]:
            problems.append("audio player without a source")
        elif audio["error"]:
            problems.append(f"audio does not play (error {audio['error']})")
    for anim in facts.animations:
        if anim["frames"] < 2 or not anim["loaded"]:
            problems.append(f"animation without frames ({anim['frames']} frames)")
    split = 0
    for out in facts.outputs:
        text = out["text"]
        if TRACEBACK in text or out["traceback"]:
            last = shorten(text.strip().splitlines()[-1] if text.strip() else "", 50)
            if not out["raises"]:
                problems.append(f"traceback outside a raises-exception cell: {last}")
            elif text.count("\n") + 1 > LONG_TRACEBACK:
                problems.append(f"long traceback ({text.count(chr(10)) + 1} lines): {last}")
        if out["stderr"] and not out["raises"] and text.strip():
            problems.append(f"stderr output (a warning?): {shorten(text, 50)}")
        for match in STRAY_REPR.finditer(text):
            problems.append(f"stray repr: {shorten(match.group(0), 50)}")
        floats = UNROUNDED.findall(text)
        if floats:
            problems.append(f"unrounded number: {floats[0]}")
        split += out["stream_run"] > 2
    if split:
        problems.append(f"prints split into separate boxes in {split} cell(s)")
    if facts.widgets:
        problems.append(f"saved widget state ({facts.widgets} widget views)")
    for text in facts.touching:
        problems.append(f"table cells touch (no padding): {shorten(text, 40)}")
    for box in facts.overflow:
        what = f"{box['tag']} {box['excess']}px wider than the column"
        if box["chars"]:
            what += f" (a line of {box['chars']} characters)"
        problems.append(f"overflow: {what}: {shorten(box['text'], 40)}")
    for ref in facts.unresolved:
        problems.append(f"unresolved reference: {shorten(ref, 50)}")
    seen = set()
    for href in facts.links:
        why = broken_link(build, page_url, href)
        if why and why not in seen:
            seen.add(why)
            problems.append(why)
    return problems


def _gif_problem(src: str, build: Path, page_url: str) -> list[str]:
    if src.startswith("data:"):
        data = base64.b64decode(src.split(",", 1)[1])
    else:
        path = build / unquote(urlsplit(urljoin("http://b/" + page_url, src)).path).lstrip("/")
        if not path.is_file():
            return []  # reported as a broken image already
        data = path.read_bytes()
    frames = gif_frames(data)
    return [] if frames > 1 else [f"animation without frames (a GIF of {frames} frame)"]


# ------------------------------------------------------------------------ in the browser
# Runs in the page (Selenium's execute_async_script): waits for images, fonts and MathJax,
# then measures. Element classes are myst-nb's and sphinx-book-theme's.
COLLECT = r"""
const done = arguments[arguments.length - 1];
(async () => {
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r);
                         setTimeout(r, 5000); })));
  if (document.fonts) await document.fonts.ready;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise)
    await MathJax.startup.promise;
  await new Promise(r => setTimeout(r, 50));  // animations set their first frame on a timer
  const col = document.querySelector('article.bd-article') ||
              document.querySelector('[role=main]') || document.body;
  const side = el => el.closest('.margin, .sidebar, aside, nav');
  const cut = s => s.startsWith('data:') && !s.startsWith('data:image/gif') ?
      s.slice(0, 40) : s;

  const clone = col.cloneNode(true);
  clone.querySelectorAll('.cell_input, script, style, mjx-container, .MathJax')
       .forEach(e => e.remove());
  clone.querySelectorAll('div[class*="highlight-"], pre').forEach(e => {
    if (!e.closest('.cell_output')) e.remove();   // Markdown code blocks may show pipes
  });
  const prose = clone.textContent;

  const images = [...col.querySelectorAll('img')].filter(i => !side(i)).map(img => {
    const src = img.currentSrc || img.getAttribute('src') || '';
    let std = null;
    const loaded = img.complete && img.naturalWidth > 0;
    if (loaded) {
      const w = Math.min(img.naturalWidth, 160), h = Math.min(img.naturalHeight, 160);
      const c = document.createElement('canvas'); c.width = w; c.height = h;
      const ctx = c.getContext('2d');
      try {
        ctx.drawImage(img, 0, 0, w, h);
        const d = ctx.getImageData(0, 0, w, h).data, n = d.length / 4;
        std = 0;
        for (let ch = 0; ch < 4; ch++) {
          let s = 0, s2 = 0;
          for (let i = ch; i < d.length; i += 4) { s += d[i]; s2 += d[i] * d[i]; }
          std = Math.max(std, Math.sqrt(Math.max(s2 / n - (s / n) ** 2, 0)));
        }
      } catch (e) { std = null; }
    }
    const gif = /\.gif($|\?)/i.test(src) || src.startsWith('data:image/gif');
    return {src: cut(src), loaded, std, gif};
  });

  const audio = [...col.querySelectorAll('audio')].map(a => {
    const s = a.currentSrc || a.getAttribute('src') ||
              [...a.querySelectorAll('source')].map(x => x.getAttribute('src')).join('');
    return {src: cut(s || ''), error: a.error ? a.error.code : 0};
  });

  const animations = [...col.querySelectorAll('.animation')].map(div => {
    const img = div.querySelector('img'), slider = div.querySelector('input.anim-slider');
    return {frames: slider ? Number(slider.max) + 1 : 0,
            loaded: !!img && img.naturalWidth > 0};
  });

  const outputs = [...col.querySelectorAll('.cell_output > .output')].map(o => {
    let run = 0, prev = o.previousElementSibling;
    for (let e = o; e && e.classList.contains('stream'); e = e.previousElementSibling) run++;
    return {text: o.innerText || o.textContent, traceback: o.classList.contains('traceback'),
            stderr: o.classList.contains('stderr'),
            raises: !!o.closest('.tag_raises-exception'), stream_run: run};
  });

  const right = col.getBoundingClientRect().right;
  const boxes = col.querySelectorAll(
      'pre, table, figure, img, .cell_output > .output, mjx-container[display="true"],' +
      ' .pst-scrollable-table-container, p, dl, ul, ol, .admonition, .animation');
  const overflow = [], flagged = [];
  for (const el of boxes) {
    if (side(el) || flagged.some(f => f.contains(el))) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    const excess = Math.max(el.scrollWidth - el.clientWidth, Math.round(r.right - right));
    if (excess > 2) {
      flagged.push(el);
      const text = el.textContent || el.getAttribute('src') || el.tagName;
      const chars = el.tagName === 'PRE' ?
          Math.max(...text.split('\n').map(l => l.length)) : 0;
      const where = el.closest('.cell_input') ? 'code ' :
                    el.closest('.cell_output') ? 'output ' : '';
      overflow.push({tag: where + el.tagName.toLowerCase() + (el.className ?
                     '.' + String(el.className).split(' ')[0] : ''),
                     excess, chars, text: text.trim().slice(0, 80)});
    }
  }

  // tables whose neighbouring cells touch (no padding): "31.4260.746" for a reader
  const touching = [...col.querySelectorAll('table')].filter(t => !side(t)).map(t => {
    const cells = [...t.querySelectorAll('td, th')];
    if (t.rows.length === 0 || Math.max(...[...t.rows].map(r => r.cells.length)) < 2) return null;
    const tight = cells.find(c => {
      const st = getComputedStyle(c);
      return parseFloat(st.paddingLeft) + parseFloat(st.paddingRight) < 4;
    });
    return tight ? (t.textContent || '').trim().slice(0, 60) : null;
  }).filter(x => x);

  const links = [...new Set([...document.querySelectorAll('a[href]')]
                     .map(a => a.getAttribute('href')))];
  const unresolved = [...col.querySelectorAll('.xref')].filter(x => !x.closest('a'))
                     .map(x => x.textContent);
  const widgets = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length;
  done({prose, images, audio, animations, outputs, overflow, links, unresolved, widgets,
        touching});
})().catch(e => done({error: String(e)}));
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class Browser:
    """Headless Chromium looking at ``build`` through a local HTTP server."""

    build: Path
    driver: object = None
    server: ThreadingHTTPServer | None = None

    def __enter__(self) -> "Browser":
        handler = functools.partial(QuietHandler, directory=str(self.build))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.driver = start_chromium()
        return self

    def __exit__(self, *exc):
        if self.driver is not None:
            self.driver.quit()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def facts(self, page_url: str) -> Facts:
        """Open ``page_url`` (relative to the build) and measure it."""
        url = self.base + page_url
        self.driver.get(url)
        deadline = time.monotonic() + 30
        while not self.driver.execute_script(
            "return document.readyState === 'complete' && location.href === arguments[0] && "
            "!!document.querySelector('article.bd-article, [role=main], body')", url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{page_url}: the page did not load in 30 s")
            time.sleep(0.05)
        raw = self.driver.execute_async_script(COLLECT)
        if "error" in raw:
            raise RuntimeError(f"{page_url}: the page script failed: {raw['error']}")
        return Facts(**raw)

    def screenshot(self, path: Path) -> None:
        """The whole page (up to SCREENSHOT_MAX_HEIGHT pixels) as a PNG."""
        height = self.driver.execute_script(
            "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": WINDOW[0],
                     "height": min(int(height), SCREENSHOT_MAX_HEIGHT), "scale": 1}})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))


def chromium_paths() -> tuple[str | None, str | None]:
    """Where the ``chromium`` browser and its ``chromedriver`` are (None if missing)."""
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(n)), None)
    return browser, shutil.which("chromedriver")


def start_chromium():
    """A headless Chromium under Selenium, from the system's browser and driver."""
    browser, driver = chromium_paths()
    if browser is None or driver is None:
        raise RuntimeError("chromium and chromedriver are needed: run `make browser` "
                           "(or `apt-get install chromium chromium-driver`)")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not download a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--force-device-scale-factor=1", "--hide-scrollbars", "--mute-audio",
                f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(arg)
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    chrome.set_script_timeout(60)
    chrome.set_page_load_timeout(60)
    return chrome


def check_pages(build: Path, pages: list[str], screenshots: Path | None) -> dict[str, list]:
    """Open each page in the browser; ``{page: [problems]}``."""
    results = {}
    with Browser(build) as browser:
        for page in pages:
            page_url = page + ".html"
            if not (build / page_url).is_file():
                results[page] = [f"page missing from the build: {page_url}"]
                continue
            results[page] = judge(browser.facts(page_url), build, page_url)
            if screenshots is not None:
                browser.screenshot(screenshots / (page.replace("/", "__") + ".png"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    parser.add_argument("--no-screenshots", action="store_true",
                        help="read every page without saving screenshots (about twice as fast)")
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    parser.add_argument("--pages", nargs="+", help="docnames to check (default: the toc's)")
    args = parser.parse_args(argv)
    if not (args.build / "index.html").is_file() and not args.pages:
        parser.error(f"--build {args.build}: no index.html there; build the book first")
    pages = args.pages or toc_pages(args.toc)
    if args.no_screenshots:
        args.screenshots = None
    start = time.perf_counter()
    results = check_pages(args.build, pages, args.screenshots)
    width = max(len(p) for p in results)
    for page, problems in results.items():
        print(f"{page:<{width}}  {len(problems):>3} problem{'s' if len(problems) != 1 else ''}")
        for problem in problems:
            print(f"{'':<{width}}    - {problem}")
    bad = sum(bool(p) for p in results.values())
    total = sum(len(p) for p in results.values())
    print(f"{len(results)} pages in {time.perf_counter() - start:.0f} s: "
          f"{total} problems on {bad} pages" +
          (f"; screenshots in {args.screenshots}" if args.screenshots else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
