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

from coursebuild.browser import browser, load_all_images, serve, set_palette, site_pages  # noqa: E402


def shoot(site_dir: Path, pages: list[str], out_dir: Path) -> list[Path]:
    """Save a full-page light and dark screenshot of each page; return the paths."""
    written = []
    with serve(site_dir) as base, browser() as context:
        tab = context.new_page()
        for rel in pages:
            tab.goto(base + rel, wait_until="networkidle")
            name = (rel.strip("/") or "home").replace("/", "_")
            for scheme, folder in (("default", "light"), ("slate", "dark")):
                set_palette(tab, scheme)
                load_all_images(tab)
                tab.wait_for_timeout(200)
                path = out_dir / folder / f"{name}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(path), full_page=True)
                written.append(path)
    return written


if __name__ == "__main__":
    site = ROOT / "site"
    wanted = sys.argv[1:] or site_pages(site)
    for p in shoot(site, wanted, site / "screenshots"):
        print(p.relative_to(ROOT))
