"""Screenshot pages of the built site in the light and the dark palette.

Usage (after `make site`):
    .venv/bin/python scripts/screenshot.py                 # every page
    .venv/bin/python scripts/screenshot.py tutorials/02-activations/
Screenshots go to site/screenshots/{light,dark}/<page>.png (full page).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursebuild.browser import browser, screenshot_both_palettes, serve, site_pages  # noqa: E402


def shoot(site_dir: Path, pages: list[str], out_dir: Path) -> list[Path]:
    """Save a full-page light and dark screenshot of each page; return the paths."""
    written = []
    with serve(site_dir) as base, browser() as context:
        tab = context.new_page()
        for rel in pages:
            tab.goto(base + rel, wait_until="networkidle")
            written += screenshot_both_palettes(tab, rel, out_dir)
    return written


if __name__ == "__main__":
    site = ROOT / "site"
    wanted = sys.argv[1:] or site_pages(site)
    for p in shoot(site, wanted, site / "screenshots"):
        print(p.relative_to(ROOT))
