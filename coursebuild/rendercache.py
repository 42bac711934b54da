"""Rendered Markdown pages, cached: the API reference is rendered only when labkit changes.

mkdocstrings renders the API reference from labkit's docstrings on every build: most of a
rebuild's time when nothing changed. A Markdown page's rendering depends on its source,
the files it includes (``--8<--`` snippets), the configuration (``mkdocs.yml``), the
installed packages (the lock file), the site's list of files (relative links) and, for a
page with ``:::`` blocks, labkit's sources; under a
hash of exactly those, :func:`install_on` keeps what rendering produced:

- the HTML, the table of contents, the title, the anchors MkDocs validates links against;
- the side effects other plugins rely on, recorded while the page rendered and replayed on
  a cache hit: the anchors registered with autorefs (cross-references between pages) and
  the objects registered in mkdocstrings' inventory (``objects.inv``).

A render that logged a warning is not cached, so a later strict build warns again. A warm
rebuild must give the same site as a cold one; ``tests/test_site.py`` checks it file
by file, so a side effect this module does not replay shows up there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from importlib.metadata import version
from pathlib import Path

from mkdocs.structure.toc import get_toc

__all__ = ["install_on", "page_key"]

_DIRECTIVE = re.compile(r"^:::\s", re.MULTILINE)
_SNIPPET = re.compile(r"""--8<--\s*["']([^"'\n]+)["']""")
_VERSIONED = ("mkdocs", "mkdocs-material", "mkdocstrings", "mkdocstrings-python", "mkdocs-autorefs", "pymdown-extensions")


def _toc_tokens(items) -> list[dict]:
    return [
        {"level": i.level, "id": i.id, "name": i.title, "children": _toc_tokens(i.children)} for i in items
    ]


def page_key(page, config, files, dependency_digest: str) -> str:
    """The hash of everything the rendering of Markdown ``page`` depends on."""
    source = page.file.content_string
    h = hashlib.sha256()
    h.update(json.dumps([version(p) for p in _VERSIONED]).encode())
    h.update(Path(config.config_file_path).read_bytes())
    h.update(source.encode())
    h.update(page.file.src_uri.encode())
    h.update("\n".join(sorted(f.src_uri for f in files)).encode())
    root = Path(config.config_file_path).parent
    for included in _SNIPPET.findall(source):  # pymdownx.snippets: the included file's bytes
        path = root / included
        h.update(included.encode() + (path.read_bytes() if path.is_file() else b"missing"))
    if _DIRECTIVE.search(source):
        h.update(dependency_digest.encode())
    return h.hexdigest()


def install_on(page, config, files, cache_dir: Path, dependency_digest: str) -> None:
    """Replace ``page.render`` with a version that goes through the cache."""
    key = page_key(page, config, files, dependency_digest)
    path = Path(cache_dir) / f"{key}.json"
    original = page.render
    autorefs = config.plugins.get("autorefs")
    mkdocstrings = config.plugins.get("mkdocstrings")

    def render(config, files):
        if path.exists():
            entry = json.loads(path.read_text(encoding="utf-8"))
            page.content = entry["content"]
            page.toc = get_toc(entry["toc"])
            page._title_from_render = entry["title"]  # noqa: SLF001 - what Page.render sets
            page.present_anchor_ids = set(entry["anchor_ids"])
            page.links_to_anchors = {
                f: links for src, links in entry["links"].items() if (f := files.get_file_from_path(src)) is not None
            }
            if entry["handlers"] and mkdocstrings is not None:
                for name in entry["handlers"]:
                    mkdocstrings.handlers.get_handler(name)  # marks it seen: its CSS and inventory are written
            for args in entry["anchors"]:
                autorefs.register_anchor(page, args[0], args[1], title=args[2], primary=args[3])
            for item in entry["inventory"]:
                mkdocstrings.handlers.inventory.register(**item)
            return
        anchors, inventory, handlers = [], [], []
        restore = []
        if autorefs is not None:
            register_anchor = autorefs.register_anchor

            def record_anchor(p, identifier, anchor=None, *, title=None, primary=True):
                if getattr(p, "url", p) == page.url:
                    anchors.append([identifier, anchor, title, primary])
                return register_anchor(p, identifier, anchor, title=title, primary=primary)

            autorefs.register_anchor = record_anchor
            restore.append(lambda: delattr(autorefs, "register_anchor"))
        uses_mkdocstrings = mkdocstrings is not None and _DIRECTIVE.search(page.file.content_string)
        if uses_mkdocstrings:
            inv = mkdocstrings.handlers.inventory
            register_item = inv.register

            def record_item(*args, **kwargs):
                inventory.append(_inventory_kwargs(args, kwargs))
                return register_item(*args, **kwargs)

            inv.register = record_item
            restore.append(lambda: delattr(inv, "register"))
        warned = _WarningCounter()
        logging.getLogger("mkdocs").addHandler(warned)
        try:
            original(config, files)
        finally:
            logging.getLogger("mkdocs").removeHandler(warned)
            for step in restore:
                step()
        if warned.count:
            return  # never cache a render that warned: the next (strict) build must warn again
        if uses_mkdocstrings:
            # the handlers this page used: seen handlers write their CSS and the inventory
            handlers.extend(getattr(mkdocstrings.handlers, "_handlers", {}).keys())
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "content": page.content,
            "toc": _toc_tokens(page.toc.items),
            "title": page._title_from_render,  # noqa: SLF001
            "anchor_ids": sorted(page.present_anchor_ids or ()),
            "links": {f.src_uri: links for f, links in (getattr(page, "links_to_anchors", None) or {}).items()},
            "anchors": anchors,
            "inventory": inventory,
            "handlers": handlers,
        }
        path.write_text(json.dumps(entry), encoding="utf-8")

    page.render = render


class _WarningCounter(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _inventory_kwargs(args: tuple, kwargs: dict) -> dict:
    names = ("name", "domain", "role", "uri", "priority", "dispname")
    out = dict(zip(names, args))
    out.update(kwargs)
    return out
