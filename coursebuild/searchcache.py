"""A cache for Material's search index: a page that did not change is not parsed again.

Material's search plugin parses every page's HTML with Python's ``html.parser`` on every
build, the largest single cost of a rebuild with nothing changed. The entries it makes for
a page depend only on the page's URL, title, metadata, table of contents and content, so
:func:`install` wraps ``SearchIndex.add_entry_from_context`` to keep them on disk under a
hash of exactly those inputs (and Material's version). A changed page misses and is parsed
as before; the index written is the same either way (``tests/test_site.py`` compares a
warm rebuild with the first build, file by file).

If Material's internals change (the method disappears), :func:`install` returns ``False``
and the build runs uncached; ``tests/test_searchcache.py`` fails, so the upgrade is noticed.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import version
from pathlib import Path

__all__ = ["install", "page_key", "slim_index"]

_PRE = re.compile(r"<pre>.*?</pre>", re.DOTALL)
_MATH = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\\(.*?\\\)|\$[^$\n]+\$", re.DOTALL)


def _toc(items) -> list:
    return [[item.id, item.url, item.title, _toc(item.children)] for item in items]


def page_key(page) -> str:
    """The hash of everything Material's search entries of ``page`` depend on."""
    h = hashlib.sha256()
    meta = {k: page.meta.get(k) for k in ("search", "tags", "title")}
    parts = [version("mkdocs-material"), page.url, page.title, meta, _toc(page.toc), page.content]
    h.update(json.dumps(parts, default=str).encode())
    return h.hexdigest()


def install(cache_dir: Path) -> bool:
    """Cache the search entries of each page under ``cache_dir``; ``False`` if not possible."""
    try:
        from material.plugins.search.plugin import SearchIndex
    except ImportError:
        return False
    original = getattr(SearchIndex, "add_entry_from_context", None)
    if original is None:
        return False
    original = getattr(original, "__wrapped__", original)
    cache_dir = Path(cache_dir)

    def add_entry_from_context(self, page):
        path = cache_dir / f"{page_key(page)}.json"
        if path.exists():
            self.entries.extend(json.loads(path.read_text(encoding="utf-8")))
            return
        start = len(self.entries)
        original(self, page)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.entries[start:]), encoding="utf-8")

    add_entry_from_context.__wrapped__ = original
    SearchIndex.add_entry_from_context = add_entry_from_context
    return True


def slim_index(path: Path) -> tuple[int, int]:
    """Drop what search does not need from Material's ``search_index.json``: code blocks
    (the API reference's signatures and examples; tutorial code is never indexed) and LaTeX
    sources (nobody searches for ``\\frac``). Returns the sizes before and after, in bytes.
    """
    raw = path.read_text(encoding="utf-8")
    data = json.loads(raw)
    for doc in data["docs"]:
        text = _MATH.sub(" ", _PRE.sub(" ", doc["text"]))
        doc["text"] = re.sub(r"\s{2,}", " ", text).strip()
    out = json.dumps(data, separators=(",", ":"), default=str)
    path.write_text(out, encoding="utf-8")
    return len(raw.encode()), len(out.encode())
