"""MkDocs hook: executed tutorials with a never-stale cache.

Registered in ``mkdocs.yml`` under ``hooks:``. What it does, by event:

- ``on_config``: reads the course settings and checks the nav lists every tutorial.
- ``on_files`` (priority 100, before mkdocs-jupyter wraps notebooks): executes the
  tutorials through the cache (:mod:`coursebuild.execute`) and adds each executed
  notebook as the page ``tutorials/NN-topic.py``, plus its ``.py``/``.ipynb``
  downloads and the KaTeX assets. A high priority is required: at the default
  one mkdocs-jupyter has already picked its pages and the tutorials silently
  produce none. At priority -100 it points the plugin's wrappers at the files.
- ``on_page_content``: moves the notebook CSS to one cached stylesheet, images to
  files, drops CDN scripts, and adds the runtime / download / Colab bar.
- ``on_post_page``: strips the theme's indentation from every page.
- ``on_post_build``: writes the shared notebook stylesheet.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursebuild import pages  # noqa: E402
from coursebuild.cache import Dependencies  # noqa: E402
from coursebuild.execute import ExecutionResult, TutorialError, execute_all  # noqa: E402
from coursebuild.tutorials import discover, download_notebook  # noqa: E402

log = logging.getLogger("mkdocs.hooks.coursebuild")

TUTORIAL_DIR = ROOT / "tutorials"
NOTEBOOK_DIR = ROOT / "notebooks"
CACHE_DIR = Path(os.environ.get("LABKIT_CACHE_DIR", ROOT / ".cache" / "tutorials"))
DEPENDENCIES = Dependencies(
    package_dirs=(ROOT / "labkit",),
    lock_files=(ROOT / "requirements" / "lock.txt",),
)
KATEX_DIR = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]

_state: dict = {}


def _nav_paths(nav) -> list[str]:
    out: list[str] = []
    for item in nav or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out.extend(_nav_paths(value) if isinstance(value, list) else [value])
    return out


def on_config(config):
    try:
        tutorials = discover(TUTORIAL_DIR)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    nav_paths = _nav_paths(config.nav)
    missing = [t.path.name for t in tutorials if f"tutorials/{t.path.name}" not in nav_paths]
    if missing:
        raise PluginError(
            "tutorials missing from the nav in mkdocs.yml: " + ", ".join(missing)
            + " (add them in course order)"
        )
    in_nav_order = [p.split("/", 1)[1] for p in nav_paths if p.startswith("tutorials/")]
    if in_nav_order != sorted(in_nav_order):
        raise PluginError(
            "the nav in mkdocs.yml must list the tutorials in course order (by their number): "
            + ", ".join(in_nav_order)
        )
    if not config.repo_url:
        raise PluginError("mkdocs.yml must set repo_url (used for the Colab links and downloads)")
    _state.clear()
    _state["tutorials"] = tutorials
    return config


@event_priority(100)
def _add_tutorial_files(files: Files, config) -> Files:
    tutorials = _state["tutorials"]
    try:
        results = execute_all(tutorials, DEPENDENCIES, CACHE_DIR, log=log.info)
    except TutorialError as exc:
        raise PluginError(str(exc)) from None
    _state["results"] = {r.tutorial.stem: r for r in results}
    executed = [r.tutorial.path.name for r in results if r.executed]
    log.info(
        "tutorials: %d executed, %d from cache%s",
        len(executed), len(results) - len(executed),
        f" ({', '.join(executed)})" if executed else "",
    )
    repo_url = config.repo_url.rstrip("/")
    stale = []
    for r in results:
        t = r.tutorial
        files.append(File.generated(config, f"tutorials/{t.path.name}", abs_src_path=str(r.notebook_path)))
        notebook = download_notebook(t, repo_url)
        committed = NOTEBOOK_DIR / f"{t.stem}.ipynb"
        if not committed.exists() or committed.read_text(encoding="utf-8") != notebook:
            stale.append(committed.name)
        files.append(File.generated(config, f"downloads/{t.stem}.ipynb", content=notebook))
        files.append(File.generated(config, f"downloads/{t.stem}.py", content=t.source))
    if stale:
        log.warning(
            "notebooks/ is out of date for %s: run `make notebooks` and commit the result "
            "(Colab opens these files)", ", ".join(stale),
        )
    if not KATEX_DIR.is_dir():
        raise PluginError(f"KaTeX not found in {KATEX_DIR}: run `make setup` (npm ci) first")
    for name in KATEX_FILES:
        files.append(File.generated(config, f"assets/katex/{name}", abs_src_path=str(KATEX_DIR / name)))
    for font in sorted((KATEX_DIR / "fonts").glob("*.woff2")):
        files.append(File.generated(config, f"assets/katex/fonts/{font.name}", abs_src_path=str(font)))
    return files


@event_priority(-100)
def _point_pages_at_notebooks(files: Files, config) -> Files:
    """Point mkdocs-jupyter's page wrappers at the executed notebooks.

    mkdocs-jupyter wraps each page file in a ``NotebookFile`` that recomputes
    ``abs_src_path`` from ``src_dir``, which a generated file does not have.
    """
    for result in _state["results"].values():
        page_file = files.get_file_from_path(f"tutorials/{result.tutorial.path.name}")
        if page_file is not None:
            page_file.abs_src_path = str(result.notebook_path)
    return files


on_files = CombinedEvent(_add_tutorial_files, _point_pages_at_notebooks)


def _result_for(page) -> ExecutionResult | None:
    src = page.file.src_uri
    if not (src.startswith("tutorials/") and src.endswith(".py")):
        return None
    return _state["results"].get(Path(src).stem)


def on_page_context(context, page, config, nav):
    result = _result_for(page)
    if result is not None:
        page.edit_url = f"{config.repo_url.rstrip('/')}/edit/{pages.branch(config)}/tutorials/{result.tutorial.path.name}"
    return context


def on_page_content(html: str, page, config, files) -> str:
    result = _result_for(page)
    if result is None:
        return html
    return pages.process_notebook_page(html, page, config, result, _state)


def on_post_page(output: str, page, config) -> str:
    return pages.strip_indentation(output)


def on_post_build(config):
    pages.write_shared_assets(config, _state)
