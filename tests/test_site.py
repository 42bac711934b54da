"""The built site: every tutorial a page, downloads, runtime, weight, no CDN, no stale cache."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from coursebuild.hooks import CACHE_DIR
from coursebuild.tutorials import discover
from tests.conftest import ROOT, mkdocs_build

pytestmark = pytest.mark.site

TUTORIALS = discover(ROOT / "tutorials")
PAGE_BUDGET_BYTES = 150_000


def page_html(built_site, stem: str) -> str:
    return (built_site.site_dir / "tutorials" / stem / "index.html").read_text(encoding="utf-8")


def test_the_course_has_tutorials():
    assert len(TUTORIALS) >= 12, [t.path.name for t in TUTORIALS]


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.stem)
def test_every_tutorial_is_a_rendered_page(built_site, tutorial):
    html = page_html(built_site, tutorial.stem)
    assert "<h1" in html
    assert 'class="jupyter-wrapper"' in html
    assert "Traceback (most recent call last)" not in html
    assert 'class="jp-OutputArea-output" data-mime-type="application/vnd.jupyter.stderr"' not in html


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.stem)
def test_page_states_the_measured_runtime(built_site, tutorial):
    meta = json.loads((CACHE_DIR / f"{tutorial.stem}.json").read_text())
    html = page_html(built_site, tutorial.stem)
    match = re.search(r"Runs in (about [\d.]+ s|under 1 s) on CPU", html)
    assert match, "runtime missing from the page"
    if match.group(1) != "under 1 s":
        shown = float(match.group(1).split()[1])
        assert abs(shown - meta["seconds"]) <= 0.51, (shown, meta["seconds"])


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.stem)
def test_downloads_are_the_tutorial_and_its_notebook(built_site, tutorial):
    downloads = built_site.site_dir / "downloads"
    assert (downloads / f"{tutorial.stem}.py").read_text(encoding="utf-8") == tutorial.source
    nb = nbformat.reads((downloads / f"{tutorial.stem}.ipynb").read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    committed = (ROOT / "notebooks" / f"{tutorial.stem}.ipynb").read_text(encoding="utf-8")
    assert committed == (downloads / f"{tutorial.stem}.ipynb").read_text(encoding="utf-8"), (
        "notebooks/ is stale: run make notebooks"
    )
    html = page_html(built_site, tutorial.stem)
    assert f"downloads/{tutorial.stem}.py" in html and f"downloads/{tutorial.stem}.ipynb" in html
    assert f"colab.research.google.com/github/" in html and f"notebooks/{tutorial.stem}.ipynb" in html


@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.stem)
def test_page_weight_without_images_is_under_budget(built_site, tutorial):
    html = page_html(built_site, tutorial.stem)
    assert "data:image" not in html, "figures must be files, not base64 in the HTML"
    assert len(html.encode()) < PAGE_BUDGET_BYTES, f"{len(html.encode())} bytes"


def test_notebook_css_is_one_shared_stylesheet(built_site):
    sheets = list((built_site.site_dir / "assets" / "stylesheets").glob("notebook-*.css"))
    assert len(sheets) == 1
    for t in TUTORIALS:
        html = page_html(built_site, t.stem)
        assert "<style" not in html
        assert sheets[0].name in html


def test_no_third_party_or_cdn_requests_in_html(built_site):
    for page in built_site.site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for needle in ("cdnjs", "cdn.jsdelivr", "unpkg.com", "fonts.googleapis", "mathjax"):
            assert needle not in text.lower(), f"{needle} in {page.relative_to(built_site.site_dir)}"


PUBLIC_MODULES = sorted(p.stem for p in (ROOT / "labkit").glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_api_reference_documents_every_labkit_module(built_site, module):
    page = built_site.site_dir / "reference" / module / "index.html"
    assert page.exists(), f"add docs/reference/{module}.md (::: labkit.{module}) and put it in the nav"
    html = page.read_text(encoding="utf-8")
    assert "doc-heading" in html, "mkdocstrings rendered nothing"


def test_rebuild_without_changes_executes_nothing(built_site, tmp_path):
    proc = mkdocs_build(tmp_path / "site")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert re.search(r"tutorials: 0 executed, \d+ from cache", log), log[-3000:]
