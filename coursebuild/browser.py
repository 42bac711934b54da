"""Serve the built site on 127.0.0.1 and drive Debian's headless Chromium.

Used by the browser tests and by ``scripts/screenshot.py``. Playwright drives
the system Chromium (``/usr/bin/chromium``); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import functools
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


def chromium_path() -> str | None:
    """The Chromium executable (``LABKIT_CHROMIUM`` or Debian's), or ``None``."""
    for candidate in (os.environ.get("LABKIT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        pass


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
def browser():
    """Launch headless Chromium through Playwright; yield the browser."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium not found: install Debian's chromium (make setup does) or set LABKIT_CHROMIUM")
    with tempfile.TemporaryDirectory(prefix="labkit-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
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


def screenshot_both_palettes(page, rel: str, out_dir: Path) -> list[Path]:
    """Full-page screenshots of the open page, light then dark (left in dark).

    Saved as ``out_dir/{light,dark}/<rel with / as _>.png``; returns the paths.
    """
    name = (rel.strip("/") or "home").replace("/", "_")
    written = []
    for scheme, folder in (("default", "light"), ("slate", "dark")):
        set_palette(page, scheme)
        load_all_images(page)
        page.wait_for_timeout(150)
        path = Path(out_dir) / folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
    return written
