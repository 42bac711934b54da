"""MkDocs hook: executed tutorials, with a cache that is never stale.

Registered in ``mkdocs.yml`` under ``hooks:``. What it does, by event:

- ``on_config``: finds the tutorials and checks the nav lists each of them, in
  course order.
- ``on_files`` (priority 100, before mkdocs-jupyter wraps notebooks): executes
  the tutorials through the cache (:mod:`coursebuild.execute`), builds each
  page's notebook (solutions folded, figures as files: :mod:`coursebuild.notebook`)
  and adds it as the page ``tutorials/NN-topic.py``, with the figures, the
  downloads (``.py``, solved and exercise ``.ipynb``) and the KaTeX assets. A
  high priority is required: at the default one mkdocs-jupyter has already
  picked its pages and the tutorials silently produce none. At priority -100
  it points the plugin's wrappers at the page notebooks.
- ``on_page_content``: rewrites each tutorial page (:mod:`coursebuild.pages`),
  through a cache keyed on the rendered HTML, and gives the table of contents
  the headings' inline code back.
- ``on_post_page``: strips the theme's indentation from every page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from pathlib import Path

import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursebuild import notebook as nbt  # noqa: E402
from coursebuild import pages, rendercache, searchcache, tutorials  # noqa: E402
from coursebuild.cache import Environment, ExecutionCache, file_digest  # noqa: E402
from coursebuild.execute import KERNEL_ENV, TutorialError, execute_all  # noqa: E402

log = logging.getLogger("mkdocs.hooks.coursebuild")

TUTORIAL_DIR = ROOT / "tutorials"
NOTEBOOK_DIR = ROOT / "notebooks"
CACHE_DIR = Path(os.environ.get("LABKIT_CACHE_DIR", ROOT / ".cache" / "tutorials"))
ENVIRONMENT = Environment(
    lock_files=(ROOT / "requirements" / "lock.txt",),
    kernel_env=tuple(sorted(KERNEL_ENV.items())),
)
KATEX_DIR = ROOT / "node_modules" / "katex" / "dist"
KATEX_FILES = ["katex.min.js", "katex.min.css", "contrib/auto-render.min.js"]
#: Bump when the page post-processing changes (it keys the processed-page cache).
PAGES_VERSION = "8"

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


def _only(found: list[tutorials.Tutorial]) -> list[tutorials.Tutorial]:
    """``LABKIT_ONLY=02,13``: build only these tutorials (a quick preview; never strict)."""
    wanted = {w.strip() for w in os.environ.get("LABKIT_ONLY", "").split(",") if w.strip()}
    if not wanted:
        return found
    chosen = [t for t in found if t.stem[:2] in wanted or t.stem in wanted]
    log.warning("LABKIT_ONLY=%s: building %d of %d tutorials", ",".join(sorted(wanted)), len(chosen), len(found))
    return chosen


def on_config(config):
    try:
        found = tutorials.discover(TUTORIAL_DIR)
    except ValueError as exc:
        raise PluginError(str(exc)) from None
    nav_paths = _nav_paths(config.nav)
    missing = [t.path.name for t in found if f"tutorials/{t.path.name}" not in nav_paths]
    if missing:
        raise PluginError(
            "tutorials missing from the nav in mkdocs.yml: " + ", ".join(missing) + " (add them in course order)"
        )
    in_nav_order = [p.split("/", 1)[1] for p in nav_paths if p.startswith("tutorials/")]
    if in_nav_order != sorted(in_nav_order):
        raise PluginError(
            "the nav in mkdocs.yml must list the tutorials in course order (by their number): "
            + ", ".join(in_nav_order)
        )
    if not config.repo_url:
        raise PluginError("mkdocs.yml must set repo_url (used for the Colab links and downloads)")
    tutorials.SOURCE_CACHE = CACHE_DIR / "source"
    if not searchcache.install(CACHE_DIR / "search"):
        log.info("search index cache not installed (Material's SearchIndex changed): every page is parsed")
    if "LABKIT_CACHE_DIR" in os.environ:
        # A build with its own cache (a test's second build, a helper's preview) also keeps
        # mkdocs-jupyter's render cache there, so nothing is shared with the main build.
        plugin = config.plugins.get("mkdocs-jupyter")
        if plugin is not None:
            plugin.config["cache_dir"] = str(CACHE_DIR / "mkdocs-jupyter")
    _state.clear()
    _state["all_tutorials"] = found
    _state["tutorials"] = _only(found)
    return config


def _memo_text(kind: str, tutorial: tutorials.Tutorial, repo_url: str, make) -> str:
    """A download's text, kept on disk keyed on the script's bytes (Jupytext is slow)."""
    digest = hashlib.sha256((tutorial.source + repo_url + kind).encode()).hexdigest()
    path = CACHE_DIR / "downloads" / f"{digest}.{kind}"
    if path.exists():
        return path.read_text(encoding="utf-8")
    text = make(tutorial, repo_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


FIGURE_DIR = CACHE_DIR / "figures"


def _page_notebook(result) -> tuple[Path, list[str], list[int]]:
    """The page's notebook (solutions split, figures as files), made once per tutorial state.

    Keyed on the cached execution the outputs come from and the script's current bytes, so
    a rebuild with nothing changed reads neither the executed notebook nor its figures.

    Returns:
        The page notebook's path, the names of its figure files (in ``FIGURE_DIR``) and the
        numbers of its figures without alt text.
    """
    t = result.tutorial
    key = hashlib.sha256(
        f"{PAGES_VERSION}:{result.entry_path}:{hashlib.sha256(t.source.encode()).hexdigest()}".encode()
    ).hexdigest()[:24]
    folder = CACHE_DIR / "pages" / t.stem
    meta_path, page_path = folder / f"{key}.json", folder / f"{key}.ipynb"
    if meta_path.exists() and page_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if all((FIGURE_DIR / name).exists() for name in meta["figures"]):
            return page_path, meta["figures"], meta["missing_alt"]
    page_nb, figures, missing_alt = nbt.figures_to_html(nbt.split_solutions(result.notebook))
    FIGURE_DIR.mkdir(parents=True, exist_ok=True)
    for fig in figures:
        (FIGURE_DIR / fig.name).write_bytes(fig.data)
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    page_path.write_text(nbformat.writes(page_nb), encoding="utf-8")
    meta = {"figures": [f.name for f in figures], "missing_alt": missing_alt}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return page_path, meta["figures"], missing_alt


@event_priority(100)
def _add_tutorial_files(files: Files, config) -> Files:
    found = _state["tutorials"]
    cache = ExecutionCache(CACHE_DIR, ROOT)
    try:
        results = execute_all(found, cache, ENVIRONMENT, log=log.info)
    except TutorialError as exc:
        raise PluginError(str(exc)) from None
    _state["results"] = {r.tutorial.stem: r for r in results}
    executed = [r.tutorial.path.name for r in results if r.executed]
    log.info(
        "tutorials: %d executed, %d from cache%s",
        len(executed), len(results) - len(executed), f" ({', '.join(executed)})" if executed else "",
    )
    repo_url = config.repo_url.rstrip("/")
    stale, no_alt = [], []
    for r in results:
        t = r.tutorial
        page_path, figure_names, missing_alt = _page_notebook(r)
        no_alt += [f"{t.path.name} figure {n}" for n in missing_alt]
        _state.setdefault("page_notebooks", {})[t.stem] = page_path
        files.append(File.generated(config, f"tutorials/{t.path.name}", abs_src_path=str(page_path)))
        for name in figure_names:
            files.append(File.generated(config, f"tutorials/{t.stem}/img/{name}", abs_src_path=str(FIGURE_DIR / name)))
        solved = _memo_text("solved.ipynb", t, repo_url, tutorials.download_notebook)
        exercise = _memo_text("exercise.ipynb", t, repo_url, tutorials.exercise_notebook)
        for text, committed in ((solved, NOTEBOOK_DIR / f"{t.stem}.ipynb"),
                                (exercise, NOTEBOOK_DIR / "exercises" / f"{t.stem}.ipynb")):
            if not committed.exists() or committed.read_text(encoding="utf-8") != text:
                stale.append(committed.relative_to(ROOT).as_posix())
        files.append(File.generated(config, f"downloads/{t.stem}.ipynb", content=solved))
        files.append(File.generated(config, f"downloads/{t.stem}-exercise.ipynb", content=exercise))
        files.append(File.generated(config, f"downloads/{t.stem}.py", content=t.source))
    if stale:
        log.warning(
            "notebooks are out of date: %s. Run `make notebooks` and commit the result (Colab opens these files)",
            ", ".join(stale),
        )
    if no_alt:
        log.warning(
            "figures without alt text (give them a title, or call labkit.figures.set_alt(fig, ...)): %s",
            ", ".join(no_alt),
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
    """Point mkdocs-jupyter's page wrappers at the page notebooks.

    mkdocs-jupyter wraps each page file in a ``NotebookFile`` that recomputes
    ``abs_src_path`` from ``src_dir``, which a generated file does not have.
    """
    for stem, path in _state.get("page_notebooks", {}).items():
        result = _state["results"][stem]
        page_file = files.get_file_from_path(f"tutorials/{result.tutorial.path.name}")
        if page_file is not None:
            page_file.abs_src_path = str(path)
    return files


on_files = CombinedEvent(_add_tutorial_files, _point_pages_at_notebooks)


def _result_for(page):
    src = page.file.src_uri
    if not (src.startswith("tutorials/") and src.endswith(".py")):
        return None
    return _state.get("results", {}).get(Path(src).stem)


def _labkit_digest() -> str:
    """One hash of labkit's sources (what the API reference is rendered from), once per build."""
    if "labkit_digest" not in _state:
        h = hashlib.sha256()
        for path in sorted((ROOT / "labkit").rglob("*.py")):
            h.update(f"{path.relative_to(ROOT)}:{file_digest(path)}\n".encode())
        h.update(file_digest(ROOT / "requirements" / "lock.txt").encode())
        _state["labkit_digest"] = h.hexdigest()
    return _state["labkit_digest"]


def on_pre_page(page, config, files):
    if _result_for(page) is None and page.file.src_uri.endswith(".md"):
        rendercache.install_on(page, config, files, CACHE_DIR / "rendered", _labkit_digest())
    return page


def on_page_context(context, page, config, nav):
    result = _result_for(page)
    if result is not None:
        page.edit_url = f"{config.repo_url.rstrip('/')}/edit/{pages.branch(config)}/tutorials/{result.tutorial.path.name}"
    return context


def _links(page, config, stem: str) -> dict[str, str]:
    dest = page.file.dest_uri
    repo, ref = config.repo_url.rstrip("/"), pages.branch(config)
    return {
        "Download .py": pages._rel(dest, f"downloads/{stem}.py"),  # noqa: SLF001
        "Download .ipynb": pages._rel(dest, f"downloads/{stem}.ipynb"),  # noqa: SLF001
        "Exercise notebook": pages._rel(dest, f"downloads/{stem}-exercise.ipynb"),  # noqa: SLF001
        "Open in Colab": pages.colab_url(repo, ref, f"notebooks/{stem}.ipynb"),
        "Open exercise in Colab": pages.colab_url(repo, ref, f"notebooks/exercises/{stem}.ipynb"),
    }


def on_page_content(html: str, page, config, files) -> str:
    result = _result_for(page)
    if result is None:
        return html
    stem = result.tutorial.stem
    links = _links(page, config, stem)
    key = hashlib.sha256(
        json.dumps([PAGES_VERSION, html, links, result.seconds, page.title]).encode()
    ).hexdigest()
    cached = CACHE_DIR / "html" / f"{stem}-{key[:24]}.json"
    img_cache = CACHE_DIR / "html" / "img"
    if cached.exists():
        entry = json.loads(cached.read_text(encoding="utf-8"))
    else:
        try:
            out, images, titles = pages.process_notebook_page(
                html, title=page.title or stem, links=links, seconds=result.seconds,
                tutorials={t.stem for t in _state["all_tutorials"]},
            )
        except pages.PageStructureError as exc:
            raise PluginError(f"tutorial {result.tutorial.path.name}: {exc}") from None
        img_cache.mkdir(parents=True, exist_ok=True)
        for image in images:
            (img_cache / image.name).write_bytes(image.data)
        for old in cached.parent.glob(f"{stem}-*.json"):
            old.unlink()
        entry = {"html": out, "titles": titles, "images": [i.name for i in images]}
        cached.write_text(json.dumps(entry), encoding="utf-8")
    out_dir = Path(config.site_dir) / Path(page.file.dest_uri).parent / "img"
    for name in entry["images"]:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes((img_cache / name).read_bytes())
    page.toc = get_toc(entry["titles"])
    return entry["html"]


def on_post_page(output: str, page, config) -> str:
    return pages.strip_indentation(output)


@event_priority(-100)  # after Material's search plugin has written the index
def on_post_build(config):
    index = Path(config.site_dir) / "search" / "search_index.json"
    if index.exists():
        before, after = searchcache.slim_index(index)
        log.info("search index: %d KB, %d KB without code and LaTeX", before // 1000, after // 1000)
