"""The built site in headless Chromium, as readers see it.

One visit per page at 1280 px (``test_every_page_as_a_reader_sees_it``), in the light and
then the dark palette:

- no failed request, HTTP error, console error or raw TeX; every image loads;
  axe-core's WCAG 2 A/AA rules pass in both palettes;
- on tutorial pages: no code block or equation scrolls sideways, no KaTeX error, every
  figure's text at least 11 CSS px and 4.5:1, alt text, in-page links that resolve
  (``coursebuild.browser.measure_page``); at 390 px (a phone) the page itself never
  scrolls sideways; the three downloads answer;
- a screenshot of each page in each palette.

Besides: the system's dark mode picks the dark palette on a first visit; a first visit to
a tutorial page transfers at most 800 KB; the Solution blocks open from the keyboard;
math renders after instant navigation.

Screenshots of every page, light and dark, go to ``screenshots/1280/`` (outside ``site/``),
as JPEG: a CI artifact to look at, not a test.

Without a browser the tests skip with a message saying how to get one, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from coursebuild.browser import (
    HOW_TO_GET_CHROMIUM, axe_violations, browser, chromium_path, load_all_images, measure_page, open_page,
    problems, screenshot_both_palettes, serve, set_palette, site_pages,
)
from coursebuild.pages import PLAIN_TOKENS
from tests.conftest import ROOT

pytestmark = [pytest.mark.site, pytest.mark.browser]

if chromium_path() is None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs a browser: {HOW_TO_GET_CHROMIUM}", pytrace=False)
    pytest.skip(HOW_TO_GET_CHROMIUM, allow_module_level=True)

FIRST_VISIT_BUDGET = 800_000

#: Violations that come with the theme's markup and cannot be fixed in an override,
#: as (rule, CSS selector, reason). Empty: every rule passes.
AXE_ALLOWLIST: list[tuple[str, str, str]] = []

# Text of the content with code, KaTeX output and scripts removed: what must hold no TeX.
VISIBLE_PROSE = """() => {
  const root = document.querySelector('.md-main').cloneNode(true);
  root.querySelectorAll('pre, code, script, style, .katex').forEach(e => e.remove());
  return root.innerText;
}"""


@pytest.fixture(scope="module")
def base(built_site):
    with serve(built_site.site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def pages(built_site):
    return site_pages(built_site.site_dir)


@pytest.fixture(scope="module")
def tutorials(pages):
    found = [p for p in pages if p.startswith("tutorials/")]
    assert len(found) >= 12
    return found


def _watch(tab, failed: list[str]) -> None:
    tab.on("requestfailed", lambda r: failed.append(f"request failed: {r.url} ({r.failure})"))
    tab.on("response", lambda r: failed.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    tab.on("console", lambda m: failed.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: failed.append(f"page error: {e}"))


def _raw_tex(prose: str) -> list[str]:
    found = []
    for marker in ("$$", "\\(", "\\[", "\\begin{"):
        if marker in prose:
            at = prose.index(marker)
            found.append(f"raw TeX {marker!r} near {prose[max(0, at - 40):at + 40]!r}")
    return found


def _axe(tab, scheme: str) -> list[str]:
    allowed = {(rule, selector) for rule, selector, _ in AXE_ALLOWLIST}
    found = []
    for v in axe_violations(tab):
        targets = [t for t in v["targets"] if (v["rule"], t) not in allowed]
        if targets:
            found.append(f"[{scheme}] axe {v['rule']} ({v['impact']}): {v['help']}: {targets[:3]}")
    return found


def _visit(tab, base: str, rel: str, failed: list[str]) -> list[str]:
    """Everything checked on one page; the problems found, as sentences."""
    failed.clear()
    found: list[str] = []
    open_page(tab, base + rel)
    set_palette(tab, "default")  # the toggle's choice is remembered from the last page
    load_all_images(tab)
    found += _raw_tex(tab.evaluate(VISIBLE_PROSE))
    broken = tab.evaluate("() => Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)")
    found += [f"image not loaded: {src}" for src in broken]
    tutorial = rel.startswith("tutorials/")
    for scheme in ("default", "slate"):
        set_palette(tab, scheme)
        found += _axe(tab, scheme)
        if tutorial:
            measured = measure_page(tab)
            if not measured["figures"]:
                found.append(f"[{scheme}] no figure")
            found += [f"[{scheme}] {p}" for p in problems(measured)]
    screenshot_both_palettes(tab, rel, ROOT / "screenshots" / "1280", image_type="jpeg")
    if tutorial:
        tab.set_viewport_size({"width": 390, "height": 844})
        tab.wait_for_timeout(300)  # katex.js re-checks scroll boxes 200 ms after a resize
        found += [f"[390 px] {p}" for p in problems(measure_page(tab), phone=True)]
        tab.set_viewport_size({"width": 1280, "height": 900})
        links = tab.evaluate("() => Array.from(document.querySelectorAll('.lk-meta a[download]')).map(a => a.href)")
        if len(links) != 3:
            found.append(f"{len(links)} downloads, expected .py, .ipynb and the exercise notebook")
        for link in links:
            with urllib.request.urlopen(link) as response:
                if response.status != 200 or len(response.read()) <= 100:
                    found.append(f"download {link}: HTTP {response.status}")
    return [f"{rel or 'home'}: {p}" for p in found + failed]


def _visit_all(base: str, pages: list[str]) -> list[str]:
    found: list[str] = []
    with browser(width=1280) as context:  # one Playwright and one Chromium per thread
        tab = context.new_page()
        failed: list[str] = []
        _watch(tab, failed)
        for rel in pages:
            found += _visit(tab, base, rel, failed)
    return found


def test_every_page_as_a_reader_sees_it(base, pages):
    # Two browsers, each with half the pages: axe and the screenshots keep a core busy each.
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = pool.map(lambda share: _visit_all(base, share), [pages[0::2], pages[1::2]])
        found = [line for half in halves for line in half]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("system", "palette"), [("light", "default"), ("dark", "slate")])
def test_a_first_visit_follows_the_systems_colour_scheme(base, system, palette):
    with browser(color_scheme=system) as context:
        tab = context.new_page()
        open_page(tab, base + "tutorials/02-activations/")
        assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == palette


def test_first_visit_to_a_tutorial_page_is_light(base, tutorials):
    """What a first visit downloads, compressed as GitHub Pages serves it (the test server
    gzips text as Pages does): the page, the theme, KaTeX and its fonts, the search index.
    The browser's cache is off, so every page is measured as a first visit."""
    heavy = []
    with browser() as context:
        tab = context.new_page()
        cdp = context.new_cdp_session(tab)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        sizes = {}
        for rel in tutorials:
            tab.goto(base + rel, wait_until="networkidle")
            tab.wait_for_timeout(300)
            sizes[rel] = tab.evaluate(
                """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                   .reduce((n, e) => n + (e.encodedBodySize || 0), 0)"""
            )
            if sizes[rel] > FIRST_VISIT_BUDGET:
                heavy.append(f"{rel}: {sizes[rel]:,} bytes")
    assert min(sizes.values()) > 200_000, f"too little measured, is the cache really off? {sizes}"
    assert not heavy, "first visit over 800 KB: " + "; ".join(heavy)


def test_solutions_open_from_the_keyboard(base):
    with browser() as context:
        tab = context.new_page()
        open_page(tab, base + "tutorials/02-activations/")
        summary = tab.locator("details.lk-solution > summary").first
        summary.focus()
        tab.keyboard.press("Enter")
        assert tab.evaluate("document.querySelector('details.lk-solution').open")


def test_tokens_without_spans_really_have_the_codes_colour(base):
    """The build drops the spans of names, punctuation and whitespace (PLAIN_TOKENS):
    only correct if the stylesheet draws them in the code's own colour."""
    with browser() as context:
        tab = context.new_page()
        tab.goto(base + "tutorials/02-activations/", wait_until="networkidle")
        for scheme in ("default", "slate"):
            set_palette(tab, scheme)
            colours = tab.evaluate(
                """(classes) => { const block = document.querySelector('.md-content .highlight code');
                   return classes.map(c => { const s = document.createElement('span'); s.className = c;
                   s.textContent = 'x'; block.appendChild(s); const col = getComputedStyle(s).color;
                   s.remove(); return col; }).concat([getComputedStyle(block).color]); }""",
                sorted(PLAIN_TOKENS),
            )
            assert len(set(colours)) == 1, (scheme, dict(zip([*sorted(PLAIN_TOKENS), "code"], colours)))


def test_instant_navigation_renders_math_on_the_next_page(base):
    with browser() as context:
        tab = context.new_page()
        tab.goto(base, wait_until="networkidle")
        tab.locator("a.md-nav__link[href*='02-activations']").first.click()
        tab.wait_for_url("**/02-activations/**")
        tab.wait_for_load_state("networkidle")
        assert tab.locator(".jupyter-wrapper .katex").count() > 10
