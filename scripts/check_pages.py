"""Read built pages as a student's browser shows them, and list what breaks the site's rules.

Code or equations that scroll sideways, KaTeX errors, figures whose text is under 11 CSS px
or under 4.5:1 contrast, images without alt text, broken in-page links and stderr outputs,
in the light and the dark palette. The browser test (tests/test_browser.py) checks the same.

Usage (after a build):
    .venv/bin/python scripts/check_pages.py                       # every tutorial page, 1280 px
    .venv/bin/python scripts/check_pages.py --site /tmp/site 02 13  # pages whose stem starts so
    .venv/bin/python scripts/check_pages.py --width 390
Exit status 1 when anything is found.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursebuild.browser import browser, measure_page, problems, serve, set_palette  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="tutorial numbers or stems (default: all tutorials)")
    parser.add_argument("--site", default=str(ROOT / "site"))
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    site = Path(args.site)
    stems = sorted(p.parent.name for p in (site / "tutorials").glob("*/index.html"))
    if args.pages:
        stems = [s for s in stems if any(s.startswith(p) for p in args.pages)]
    found = 0
    with serve(site) as base, browser() as context:
        tab = context.new_page()
        tab.set_viewport_size({"width": args.width, "height": 900})
        for stem in stems:
            tab.goto(base + f"tutorials/{stem}/", wait_until="networkidle")
            for scheme in ("default", "slate"):
                set_palette(tab, scheme)
                measured = measure_page(tab)
                issues = problems(measured, phone=args.width < 700)
                found += len(issues)
                print(f"{stem} [{'light' if scheme == 'default' else 'dark'}]: "
                      f"{measured['code_blocks']} code blocks, {measured['equations']} equations, "
                      f"{len(measured['figures'])} figures, {len(issues)} problem(s)")
                for issue in issues:
                    print("   ", issue)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
