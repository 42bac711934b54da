"""coursebuild.searchcache: the cached search entries are Material's own, and it stays installed."""

from __future__ import annotations

from types import SimpleNamespace

from material.plugins.search.plugin import SearchIndex
from mkdocs.structure.toc import get_toc

from coursebuild import searchcache


def _page(content: str) -> SimpleNamespace:
    toc = get_toc([{"level": 2, "id": "part", "name": "Part", "children": []}])
    return SimpleNamespace(meta={}, content=content, toc=toc, url="tutorials/x/", title="X")


def test_installs_on_this_material_version(tmp_path):
    assert searchcache.install(tmp_path)
    assert hasattr(SearchIndex.add_entry_from_context, "__wrapped__")


def test_cached_entries_equal_material_s_and_a_change_misses(tmp_path):
    searchcache.install(tmp_path)
    html = '<h1 id="x">X</h1><p>intro</p><h2 id="part">Part</h2><p>some <code>code</code> text</p>'
    uncached = SearchIndex(lang=["en"], separator="", pipeline=[], fields={})
    SearchIndex.add_entry_from_context.__wrapped__(uncached, _page(html))
    first, second = (SearchIndex(lang=["en"]), SearchIndex(lang=["en"]))
    first.add_entry_from_context(_page(html))
    assert len(list(tmp_path.glob("*.json"))) == 1
    second.add_entry_from_context(_page(html))  # from the cache
    assert first.entries == second.entries == uncached.entries
    changed = SearchIndex(lang=["en"])
    changed.add_entry_from_context(_page(html.replace("intro", "a new intro")))
    assert len(list(tmp_path.glob("*.json"))) == 2 and "a new intro" in changed.entries[0]["text"]
