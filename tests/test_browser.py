"""Open every page of the built site in headless Chromium.

Per page: no failed request, no HTTP error, no console error; no TeX left
unrendered (outside code); every figure loaded; the palette switches to dark.
Per tutorial: the .py and .ipynb downloads answer 200. Screenshots of every
page, light and dark, go to site/screenshots/ for review.
"""

from __future__ import annotations

import os
import urllib.request

import pytest

from coursebuild.browser import (
    browser, chromium_path, load_all_images, screenshot_both_palettes, serve, set_palette, site_pages,
)

pytestmark = [pytest.mark.site, pytest.mark.browser]

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI (scripts/setup.sh installs Debian's chromium)", pytrace=False)
    pytest.skip("Chromium not installed: sudo apt-get install chromium", allow_module_level=True)

# Text of the content with code, KaTeX output and scripts removed: what must hold no TeX.
VISIBLE_PROSE = """() => {
  const root = document.querySelector('.md-main').cloneNode(true);
  root.querySelectorAll('pre, code, script, style, .katex').forEach(e => e.remove());
  return root.innerText;
}"""


@pytest.fixture(scope="module")
def site(built_site):
    with serve(built_site.site_dir) as base, browser() as context:
        yield built_site, base, context


def test_every_page_renders_cleanly_in_light_and_dark(site):
    built, base, context = site
    pages = site_pages(built.site_dir)
    assert len(pages) >= 15, pages
    shots = built.site_dir / "screenshots"
    problems: list[str] = []
    tab = context.new_page()
    failed: list[str] = []
    tab.on("requestfailed", lambda r: failed.append(f"request failed: {r.url} ({r.failure})"))
    tab.on("response", lambda r: failed.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    tab.on("console", lambda m: failed.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: failed.append(f"page error: {e}"))
    for rel in pages:
        failed.clear()
        tab.goto(base + rel, wait_until="networkidle")
        load_all_images(tab)
        prose = tab.evaluate(VISIBLE_PROSE)
        for marker in ("$$", "\\(", "\\[", "\\begin{"):
            if marker in prose:
                at = prose.index(marker)
                problems.append(f"{rel}: raw TeX {marker!r} near {prose[max(0, at - 40):at + 40]!r}")
        if tab.locator(".katex-error").count():
            problems.append(f"{rel}: KaTeX error: {tab.locator('.katex-error').first.get_attribute('title')}")
        singles = tab.evaluate("() => (document.querySelector('.md-content').innerText.match(/\\$[^$\\s][^$\\n]{0,60}\\$/g) || [])")
        code_text = tab.evaluate("() => Array.from(document.querySelectorAll('.md-content pre, .md-content code')).map(e => e.innerText).join('\\n')")
        for s in singles:
            if s not in code_text:
                problems.append(f"{rel}: unrendered inline math {s!r}")
        broken = tab.evaluate("() => Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)")
        problems += [f"{rel}: image not loaded: {src}" for src in broken]
        screenshot_both_palettes(tab, rel, shots)  # leaves the page in the dark palette
        bg = tab.evaluate("getComputedStyle(document.body).backgroundColor")
        if bg in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"):
            problems.append(f"{rel}: dark palette did not change the background ({bg})")
        set_palette(tab, "default")
        problems += [f"{rel}: {f}" for f in failed]
    assert not problems, "\n".join(problems)


def test_tutorial_pages_have_plots_and_working_downloads(site):
    built, base, context = site
    tab = context.new_page()
    tutorials = [p for p in site_pages(built.site_dir) if p.startswith("tutorials/")]
    assert len(tutorials) >= 12
    for rel in tutorials:
        tab.goto(base + rel, wait_until="networkidle")
        load_all_images(tab)
        widths = tab.evaluate("() => Array.from(document.querySelectorAll('.jupyter-wrapper img')).map(i => i.naturalWidth)")
        assert widths and min(widths) > 0, f"{rel}: no plot, or a plot did not load"
        links = tab.evaluate("() => Array.from(document.querySelectorAll('.lk-meta a[download]')).map(a => a.href)")
        assert {link.rsplit('.', 1)[-1] for link in links} == {"py", "ipynb"}, links
        for link in links:
            with urllib.request.urlopen(link) as response:
                assert response.status == 200
                assert len(response.read()) > 100


def test_instant_navigation_renders_math_on_the_next_page(site):
    built, base, context = site
    tab = context.new_page()
    tab.goto(base, wait_until="networkidle")
    tab.locator("a.md-nav__link[href*='02-activations']").first.click()
    tab.wait_for_url("**/02-activations/**")
    tab.wait_for_load_state("networkidle")
    assert tab.locator(".jupyter-wrapper .katex").count() > 10
