"""Screenshot pages of the built site in the light and the dark palette.

Usage (after a build):
    .venv/bin/python scripts/screenshot.py                                # every page, 1280 px
    .venv/bin/python scripts/screenshot.py tutorials/02-activations/      # one page
    .venv/bin/python scripts/screenshot.py --width 390 --site /tmp/site tutorials/02-activations/
Screenshots go to screenshots/<width>/{light,dark}/<page>.png (full page), outside site/,
so that a build (which empties site/) cannot delete them and they are never deployed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursebuild.browser import browser, screenshot_both_palettes, serve, site_pages  # noqa: E402


def shoot(site_dir: Path, pages: list[str], out_dir: Path, width: int = 1280) -> list[Path]:
    """Save a full-page light and dark screenshot of each page; return the paths."""
    written = []
    with serve(site_dir) as base, browser() as context:
        tab = context.new_page()
        tab.set_viewport_size({"width": width, "height": 900})
        for rel in pages:
            tab.goto(base + rel, wait_until="networkidle")
            written += screenshot_both_palettes(tab, rel, out_dir)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="site-relative page URLs (default: every page)")
    parser.add_argument("--site", default=str(ROOT / "site"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    args = parser.parse_args()
    site = Path(args.site)
    for p in shoot(site, args.pages or site_pages(site), Path(args.out) / str(args.width), args.width):
        print(p)
