"""Serve the built site on 127.0.0.1 and drive Debian's headless Chromium.

Used by the browser tests and by ``scripts/screenshot.py``. Playwright drives
the system Chromium (``/usr/bin/chromium``); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "CHROMIUM_ARGS", "chromium_path", "serve", "browser", "site_pages", "set_palette",
    "load_all_images", "screenshot_both_palettes",
]

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: Where a laptop keeps Chromium or Chrome, after ``LABKIT_CHROMIUM`` and the PATH.
_MAC_APPS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
_ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: What to do without a browser (the browser tests print it when they skip).
HOW_TO_GET_CHROMIUM = (
    "no Chromium or Chrome found. Install one (Debian/Ubuntu: sudo apt-get install chromium; "
    "macOS: install Google Chrome; with internet, also: .venv/bin/playwright install chromium) "
    "or point LABKIT_CHROMIUM at its executable"
)


def chromium_path() -> str | None:
    """The Chromium or Chrome executable to drive, or ``None``.

    Looks at ``LABKIT_CHROMIUM``, then the PATH (``chromium``, ``google-chrome``, ...),
    then the macOS application folders, then Playwright's own download.
    """
    env = os.environ.get("LABKIT_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in _ON_PATH:
        found = shutil.which(name)
        if found:
            return found
    for app in _MAC_APPS:
        if Path(app).exists():
            return app
    cache = Path.home() / ("Library/Caches" if os.uname().sysname == "Darwin" else ".cache") / "ms-playwright"
    downloaded = sorted(cache.glob("chromium-*/chrome-*/chrome")) + sorted(
        cache.glob("chromium-*/chrome-mac*/Chromium.app/Contents/MacOS/Chromium")
    )
    return str(downloaded[-1]) if downloaded else None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site as GitHub Pages does: text compressed with gzip when the browser asks."""

    COMPRESSED = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".py", ".ipynb", ".inv"}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to ".../"
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file() or path.suffix not in self.COMPRESSED:
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(site_dir: Path) -> Iterator[str]:
    """Serve ``site_dir`` on 127.0.0.1 (a free port); yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browser(color_scheme: str = "light", width: int = 1280):
    """Launch headless Chromium through Playwright; yield a browser context.

    Args:
        color_scheme: what the "operating system" prefers (``"light"`` or ``"dark"``);
            Material follows it on a first visit.
        width: the viewport width in CSS pixels.
    """
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError(HOW_TO_GET_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="labkit-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": 900},
            color_scheme=color_scheme,
        )
        try:
            yield context
        finally:
            context.close()


def site_pages(site_dir: Path) -> list[str]:
    """Site-relative URLs of every HTML page (directory URLs), sorted; 404 excluded."""
    pages = []
    for index in sorted(Path(site_dir).rglob("index.html")):
        rel = index.parent.relative_to(site_dir).as_posix()
        if rel.startswith(("screenshots", "assets")):
            continue
        pages.append("" if rel == "." else rel + "/")
    return pages


def set_palette(page, scheme: str) -> None:
    """Switch Material's palette by clicking its toggle until ``scheme`` is active."""
    for _ in range(3):
        if page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme:
            return
        page.locator("form[data-md-component=palette] label:visible").first.click()
        page.wait_for_timeout(150)
    current = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    raise AssertionError(f"palette toggle did not switch to {scheme!r} (still {current!r})")


def load_all_images(page) -> None:
    """Make lazy images load now and wait for them (for checks and full-page shots)."""
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function(
        "Array.from(document.images).every(i => i.complete && (i.naturalWidth > 0 || !i.currentSrc))",
        timeout=15000,
    )


def screenshot_both_palettes(page, rel: str, out_dir: Path, image_type: str = "png") -> list[Path]:
    """Full-page screenshots of the open page, light then dark (left in dark).

    Saved as ``out_dir/{light,dark}/<rel with / as _>.<png|jpeg>``; returns the paths.
    ``image_type="jpeg"`` (quality 80) is about five times faster to write than PNG for a
    25,000-pixel-tall tutorial page, and small enough for a CI artifact.
    """
    if image_type not in ("png", "jpeg"):
        raise ValueError(f"image_type must be 'png' or 'jpeg', got {image_type!r}")
    name = (rel.strip("/") or "home").replace("/", "_")
    quality = {"quality": 80} if image_type == "jpeg" else {}
    written = []
    for scheme, folder in (("default", "light"), ("slate", "dark")):
        set_palette(page, scheme)
        load_all_images(page)
        path = Path(out_dir) / folder / f"{name}.{image_type}"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True, type=image_type, **quality)
        written.append(path)
    return written


def open_page(page, url: str) -> None:
    """Go to ``url`` and wait until its math is typeset (``data-math="done"``, set by
    docs/javascripts/katex.js), quicker than waiting for the network to idle."""
    page.goto(url, wait_until="load")
    page.wait_for_function("document.querySelector('.md-main')?.dataset.math === 'done'", timeout=15000)


#: What a reader sees of one page, measured in the browser (see :func:`measure_page`).
MEASURE_JS = r"""() => {
  const content = document.querySelector('.md-content');
  const clipped = e => e.scrollWidth > e.clientWidth + 1;
  const short = t => t.replace(/\s+/g, ' ').trim().slice(0, 70);
  const visible = e => e.offsetParent !== null;
  const out = {};
  out.code_blocks = content.querySelectorAll('pre').length;
  out.code_clipped = [...content.querySelectorAll('pre')].filter(visible)
    .filter(p => clipped(p) || [...p.querySelectorAll('code')].some(clipped)).map(p => short(p.textContent));
  out.equations = content.querySelectorAll('.katex-display').length;
  out.eq_clipped = [...content.querySelectorAll('.katex-display')].filter(visible)
    .filter(e => clipped(e)).map(e => short((e.querySelector('annotation') || e).textContent));
  out.katex_errors = [...content.querySelectorAll('.katex-error, .katex [style*="color:#cc0000"], .katex [style*="color: rgb(204, 0, 0)"]')]
    .map(e => short(e.getAttribute('title') || e.textContent));
  out.page_overflow = document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;
  out.figures = [...content.querySelectorAll('.lk-figure img')].filter(visible).map(i => ({
    src: i.getAttribute('src'), alt: i.getAttribute('alt') || '', natural: i.naturalWidth, shown: i.clientWidth,
    dpi: +i.dataset.dpi, min_font_pt: +i.dataset.minFontPt, contrast: +i.dataset.contrast}));
  out.images_without_alt = [...content.querySelectorAll('img')].filter(i => !(i.getAttribute('alt') || '').trim())
    .map(i => i.getAttribute('src'));
  const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
  out.broken_anchors = [...document.querySelectorAll('.md-content a[href^="#"], nav.md-nav--secondary a[href^="#"]')].map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
    .filter(id => id && !ids.has(id));
  out.stderr = [...content.querySelectorAll('.lk-stderr')].map(e => short(e.textContent));
  return out;
}"""

#: Floors every figure must meet: text at least 11 CSS px, contrast at least 4.5:1.
MIN_FONT_PX = 11.0
MIN_CONTRAST = 4.5


def measure_page(page) -> dict:
    """Measure the open page: clipped code and equations, KaTeX errors, figures, anchors.

    Figures get ``font_px``: the smallest font in CSS pixels as shown, from the
    figure's smallest font in points, its DPI and its shown and natural widths.
    """
    load_all_images(page)
    result = page.evaluate(MEASURE_JS)
    for fig in result["figures"]:
        fig["font_px"] = (
            fig["min_font_pt"] * fig["dpi"] / 72 * fig["shown"] / fig["natural"] if fig["natural"] else 0.0
        )
    return result


def problems(measured: dict, *, phone: bool = False) -> list[str]:
    """The findings of :func:`measure_page` that break the site's rules, as sentences.

    At a desktop width (1280 px) nothing may scroll sideways and figure text must be
    legible. On a phone (``phone=True``) code and equations may scroll inside their own
    box and figures shrink with the screen; the page itself must not scroll sideways.
    """
    out = [f"KaTeX error: {e}" for e in measured["katex_errors"]]
    if measured["page_overflow"]:
        out.append("the page itself scrolls sideways")
    if phone:
        return out
    out += [f"code scrolls sideways: {c}" for c in measured["code_clipped"]]
    out += [f"equation clipped: {e}" for e in measured["eq_clipped"]]
    out += [f"image without alt text: {s}" for s in measured["images_without_alt"]]
    out += [f"link to a missing anchor: #{a}" for a in measured["broken_anchors"]]
    out += [f"stderr output: {s}" for s in measured["stderr"]]
    for fig in measured["figures"]:
        if fig["font_px"] < MIN_FONT_PX:
            out.append(f"figure text {fig['font_px']:.1f} px < {MIN_FONT_PX:g} px: {fig['alt'][:60]} ({fig['src']})")
        if fig["contrast"] < MIN_CONTRAST:
            out.append(f"figure contrast {fig['contrast']:.2f} < {MIN_CONTRAST}: {fig['alt'][:60]} ({fig['src']})")
    return out


AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """Run axe-core (pinned in package.json) on the open page with the WCAG 2 A and AA rules.

    Returns:
        One dict per violation: ``rule``, ``impact``, ``help`` and the CSS ``targets``.
    """
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make setup` (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
                                             resultTypes: ['violations']});
          return r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                                         targets: v.nodes.map(n => n.target.join(' '))}));
        }"""
    )
    return result
