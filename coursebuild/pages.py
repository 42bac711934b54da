"""Post-processing of rendered tutorial pages, with an HTML parser.

mkdocs-jupyter renders each executed notebook with nbconvert's JupyterLab
template: about 590 KB of JupyterLab CSS inlined in every page, a copy widget
per cell, MathJax and Mermaid from a CDN, and code highlighted under its own
``highlight-ipynb`` class. :func:`process_notebook_page` turns that into a page
of the site:

- the inlined CSS and every script are dropped: the site's own
  ``stylesheets/notebook.css`` (a few KB) styles cells, and code cells become
  Material code blocks (``div.highlight > pre > code``), so Material's
  highlighting colours, which reach 4.5:1 in both palettes, and its copy
  button apply; math is rendered by the self-served KaTeX;
- cells tagged ``lk-solution`` are folded into a "Solution" ``<details>``,
  cells tagged ``timing`` into a "Timing" one (and get the ``timing`` class,
  so a build-to-build comparison can skip them); stderr outputs get the
  ``lk-stderr`` class; scrollable blocks can be reached with the keyboard;
- embedded PNGs become files beside the page; a bar under the title gives the
  measured runtime, the downloads and the Colab links;
- code and text outputs carry ``data-search-exclude``: the search index holds
  the prose, headings and inline code, not every cell's source and printout
  (which tripled its size). The attribute sits on ``pre`` elements because
  Material's search parser tracks excluded elements by tag name, and ``pre``
  never nests.

Every transform checks that the markup it expects is there and raises
:class:`PageStructureError` otherwise, so an upgrade of nbconvert or
mkdocs-jupyter that changes the markup fails the build instead of silently
leaving the page half processed.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
import struct
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

__all__ = [
    "PageStructureError", "ImageFile", "branch", "colab_url", "runtime_text", "process_notebook_page",
    "heading_titles", "strip_indentation",
]

SOLUTION_TAG = "celltag_lk-solution"
TIMING_TAG = "celltag_timing"
STDERR_MIME = "application/vnd.jupyter.stderr"
#: Pygments token classes the site draws in the code's own colour (names, punctuation,
#: operators and whitespace; see ``stylesheets/extra.css``): their spans are dropped, close
#: to half a page's weight. The browser test checks that they really have the code's colour.
PLAIN_TOKENS = frozenset({"w", "n", "p", "o"})
#: The alt text nbconvert gives an image output that has none.
NBCONVERT_NO_ALT = "No description has been provided for this image"


class PageStructureError(RuntimeError):
    """The rendered notebook does not have the markup a transform relies on."""


@dataclass(frozen=True)
class ImageFile:
    """A PNG taken out of the page, to be written to ``<page dir>/img/<name>``."""

    name: str
    data: bytes


def branch(config) -> str:
    """The repository branch the Colab links point at (``extra.labkit.branch``)."""
    return (config.extra.get("labkit") or {}).get("branch", "main")


def colab_url(repo_url: str, branch_name: str, path: str) -> str:
    """Colab's address for the notebook at ``path`` (e.g. ``notebooks/02-activations.ipynb``)."""
    repo = repo_url.rstrip("/").split("github.com/", 1)[-1]
    return f"https://colab.research.google.com/github/{repo}/blob/{branch_name}/{path}"


def runtime_text(seconds: float) -> str:
    """Human wording of a measured runtime: ``"about 6 s"``, ``"under 1 s"``."""
    if seconds < 1:
        return "under 1 s"
    if seconds < 10:
        return f"about {seconds:.1f} s".replace(".0 s", " s")
    return f"about {seconds:.0f} s"


def _rel(page_dest: str, target: str) -> str:
    """URL of site path ``target`` relative to the directory of ``page_dest``."""
    return posixpath.relpath(target, posixpath.dirname(page_dest) or ".")


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def _require(found: list, what: str) -> list:
    if not found:
        raise PageStructureError(f"no {what} in the rendered notebook (did nbconvert's or mkdocs-jupyter's markup change?)")
    return found


def _drop_scaffolding(soup: BeautifulSoup) -> None:
    """Inlined CSS, scripts, comments and the per-cell copy widget."""
    _require(soup.find_all("style"), "<style> block (mkdocs-jupyter inlines its CSS)")
    for tag in soup.find_all(["style", "script"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.select("div.zeroclipboard-container, div.clipboard-copy-txt"):
        tag.decompose()


def _code_blocks(soup: BeautifulSoup) -> None:
    """Each code cell's input becomes a Material code block: ``div.highlight > pre > code``."""
    inputs = soup.select("div.jp-CodeCell div.jp-InputArea")
    for area in inputs:
        highlighted = area.select_one("div.highlight-ipynb pre")
        if highlighted is None:
            raise PageStructureError("a code cell's input has no div.highlight-ipynb > pre")
        code = highlighted.find("code") or highlighted
        block = soup.new_tag("div", attrs={"class": "highlight"})
        pre = soup.new_tag("pre", attrs={"tabindex": "0", "data-search-exclude": "1"})
        new_code = soup.new_tag("code")
        for child in list(code.contents):
            if isinstance(child, Tag) and child.name == "span" and not child.get_text():
                continue  # pygments' empty leading span
            if isinstance(child, Tag) and child.name == "span" and child.get("class", [""])[0] in PLAIN_TOKENS:
                new_code.append(child.get_text())  # drawn in the code's own colour: no span needed
            else:
                new_code.append(child.extract() if isinstance(child, Tag) else NavigableString(str(child)))
        pre.append(new_code)
        block.append(pre)
        area.clear()
        area.append(block)


def _outputs(soup: BeautifulSoup) -> None:
    """Mark stderr, make text outputs keyboard-scrollable, drop MIME attributes."""
    for tag in soup.select("[data-mime-type]"):
        if tag["data-mime-type"] == STDERR_MIME:
            tag["class"] = [*tag.get("class", []), "lk-stderr"]
        del tag["data-mime-type"]
    for tag in soup.select("[data-type]"):
        del tag["data-type"]
    for pre in soup.select("div.jp-OutputArea-output pre"):
        pre["tabindex"] = "0"
        pre["data-search-exclude"] = "1"  # search indexes the prose; Material then drops the attribute
    for collapser in soup.select("div.jp-Collapser"):
        if not collapser.get_text(strip=True):
            collapser.decompose()


_KEEP_CELL_CLASSES = re.compile(r"^(jp-Cell|jp-CodeCell|jp-MarkdownCell|celltag_.*)$")


def _compact_cells(soup: BeautifulSoup) -> None:
    """Rewrite each cell as the few elements the site's CSS styles.

    nbconvert wraps every cell in six or seven nested divs (two ``jp-Cell`` divs,
    input and output wrappers, prompts, collapsers), each with long class lists and a
    ``tabindex`` that puts every cell in the keyboard's tab order: about 600 bytes a
    cell. What remains: ``div.jp-Cell.jp-CodeCell`` holding ``div.jp-InputArea`` (the
    code block) and ``div.jp-OutputArea`` (one ``div.jp-OutputArea-output`` per
    output); ``div.jp-Cell.jp-MarkdownCell.jp-RenderedHTMLCommon`` holding the
    rendered Markdown. Cell tags stay as ``celltag_*`` classes.
    """
    notebook = soup.select_one("div.jp-Notebook")
    if notebook is None:
        raise PageStructureError("no div.jp-Notebook around the cells")
    for outer in notebook.find_all("div", class_="jp-Cell", recursive=False):
        classes = [c for c in outer.get("class", []) if _KEEP_CELL_CLASSES.match(c)]
        cell = soup.new_tag("div", attrs={"class": classes})
        if "jp-MarkdownCell" in classes:
            rendered = outer.select_one("div.jp-RenderedHTMLCommon")
            if rendered is None:
                raise PageStructureError("a Markdown cell has no div.jp-RenderedHTMLCommon")
            cell["class"] = [*classes, "jp-RenderedHTMLCommon"]
            for child in list(rendered.contents):
                cell.append(child.extract())
        else:
            block = outer.select_one("div.jp-InputArea > div.highlight")
            if block is not None:
                area = soup.new_tag("div", attrs={"class": "jp-InputArea"})
                area.append(block.extract())
                cell.append(area)
            outputs = outer.select("div.jp-OutputArea-output")
            if outputs:
                area = soup.new_tag("div", attrs={"class": "jp-OutputArea"})
                for output in outputs:
                    keep = [c for c in output.get("class", []) if c.startswith(("jp-Rendered", "jp-OutputArea-output", "lk-"))]
                    output["class"] = keep
                    if output.get("tabindex") is not None:
                        del output["tabindex"]
                    area.append(output.extract())
                cell.append(area)
        outer.replace_with(cell)
    notebook.unwrap()


def _fold(soup: BeautifulSoup, tag_class: str, summary: str, details_class: str, extra_class: str | None = None) -> int:
    cells = soup.select(f"div.jp-Cell.{tag_class}")
    for cell in cells:
        if extra_class:
            cell["class"] = [*cell.get("class", []), extra_class]
        outer = cell
        details = soup.new_tag("details", attrs={"class": details_class})
        head = soup.new_tag("summary")
        head.string = summary
        outer.wrap(details)
        details.insert(0, head)
    return len(cells)


def _permalinks(soup: BeautifulSoup) -> None:
    """nbconvert's heading anchors become Material's (shown on hover, labelled)."""
    for anchor in soup.select("a.anchor-link"):
        anchor["class"] = ["headerlink"]
        anchor["title"] = "Permanent link"


_TUTORIAL_LINK = re.compile(r"^(?:\./)?(\d{2}-[a-z0-9-]+)\.py(#.*)?$")


def _tutorial_links(soup: BeautifulSoup, known: set[str]) -> None:
    """``[text](05-topic.py#anchor)`` in a tutorial's Markdown becomes the page's URL.

    The same link works in Jupyter, where the tutorials sit side by side.
    """
    for a in soup.select("a[href]"):
        match = _TUTORIAL_LINK.match(a["href"])
        if match is None:
            continue
        stem, anchor = match.group(1), match.group(2) or ""
        if stem not in known:
            raise PageStructureError(f"link to {a['href']!r}: there is no tutorial {stem}.py")
        a["href"] = f"../{stem}/{anchor}"


def _extract_images(soup: BeautifulSoup, title: str) -> list[ImageFile]:
    files = []
    for img in soup.select('img[src^="data:image/png;base64,"]'):
        data = base64.b64decode(re.sub(r"\s", "", img["src"].split(",", 1)[1]))
        name = hashlib.sha256(data).hexdigest()[:16] + ".png"
        files.append(ImageFile(name, data))
        img["src"] = f"img/{name}"
        if not img.get("alt") or img["alt"] == NBCONVERT_NO_ALT:
            img["alt"] = f"Figure from {title}"
        size = _png_size(data)
        if size and not img.get("width"):
            img["width"], img["height"] = str(size[0]), str(size[1])
        img["loading"], img["decoding"] = "lazy", "async"
        for cls in ("jp-needs-dark-background", "jp-needs-light-background"):
            if cls in img.get("class", []):
                img["class"].remove(cls)
    return files


def _meta_bar(soup: BeautifulSoup, links: dict[str, str], seconds: float) -> None:
    h1 = soup.find("h1")
    if h1 is None:
        raise PageStructureError("the tutorial has no '# Title' heading")
    bar = soup.new_tag("div", attrs={"class": "lk-meta", "role": "note"})
    runtime = soup.new_tag(
        "span", attrs={
            "class": "lk-runtime",
            "title": "Wall-clock time of executing every cell when this page was built, one CPU thread",
        },
    )
    runtime.string = f"Runs in {runtime_text(seconds)} on CPU"
    bar.append(runtime)
    for text, href in links.items():
        attrs = {"class": "lk-button", "href": href}
        if href.startswith("http"):
            attrs["rel"] = "noopener"
        else:
            attrs["download"] = ""
        a = soup.new_tag("a", attrs=attrs)
        a.string = text
        bar.append(a)
    h1.insert_after(bar)


def _squeeze_whitespace(soup: BeautifulSoup) -> None:
    """Runs of whitespace between tags become one newline (``pre`` blocks untouched)."""
    for text in soup.find_all(string=True):
        if isinstance(text, Comment) or text.strip() or len(text) < 2:
            continue
        if text.find_parent(["pre", "code", "textarea"]) is not None:
            continue
        text.replace_with("\n" if "\n" in text else " ")


#: Headings that repeat in every exercise; they stay on the page but not in the table of contents.
TOC_SKIP = frozenset({"Your turn"})


def _unique_ids(soup: BeautifulSoup) -> None:
    """Repeated heading ids ("your-turn" in every exercise) become ``your-turn-2``, ``-3``..."""
    seen: dict[str, int] = {}
    for h in soup.find_all(re.compile(r"^h[1-6]$"), id=True):
        base = h["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            h["id"] = f"{base}-{seen[base]}"
            for anchor in h.select("a.headerlink"):
                anchor["href"] = f"#{h['id']}"


def heading_titles(soup_or_html: BeautifulSoup | str, max_level: int = 3) -> list[dict]:
    """The table of contents of a page, from its headings: nested MkDocs TOC tokens.

    Each token is ``{"level", "id", "name", "children"}``, ``name`` being the heading's
    inner HTML without the permalink, inline code kept. mkdocs-jupyter builds its table
    of contents from the Markdown source with Python-Markdown's slugs, which drop inline
    code ("Exercise 4: , , and") and so link to ids nbconvert never wrote; these tokens
    use the ids the page really has.
    """
    soup = soup_or_html if isinstance(soup_or_html, BeautifulSoup) else BeautifulSoup(soup_or_html, "html.parser")
    root: list[dict] = []
    stack: list[dict] = []
    for h in soup.find_all(re.compile(rf"^h[1-{max_level}]$")):
        if not h.get("id"):
            continue
        clone = BeautifulSoup(str(h), "html.parser").find(h.name)
        for anchor in clone.select("a.anchor-link, a.headerlink"):
            anchor.decompose()
        token = {"level": int(h.name[1]), "id": h["id"], "name": clone.decode_contents().strip(), "children": []}
        if clone.get_text(strip=True) in TOC_SKIP:
            continue
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root


def process_notebook_page(
    html: str, *, title: str, links: dict[str, str], seconds: float, tutorials: set[str] = frozenset()
) -> tuple[str, list[ImageFile], dict[str, str]]:
    """Rewrite one rendered tutorial page (see the module docstring).

    Args:
        html: the page content as mkdocs-jupyter rendered it.
        title: the page title (for the alt text of a figure that has none).
        links: the bar's buttons, ``{text: href}``, in order.
        seconds: the measured runtime.
        tutorials: the stems of every tutorial (``"02-activations"``), for links between pages.

    Returns:
        The new HTML, the images to write beside it, and the table of contents
        (:func:`heading_titles`).

    Raises:
        PageStructureError: the markup is not what the transforms expect.
    """
    soup = BeautifulSoup(html, "html.parser")
    _require(soup.select("div.jp-Cell"), "div.jp-Cell (notebook cells)")
    _drop_scaffolding(soup)
    _code_blocks(soup)
    _outputs(soup)
    _compact_cells(soup)
    _fold(soup, SOLUTION_TAG, "Solution", "lk-solution")
    _fold(soup, TIMING_TAG, "Timing (measured in this build; it varies from run to run)", "lk-timing", "timing")
    _permalinks(soup)
    _unique_ids(soup)
    _tutorial_links(soup, set(tutorials))
    images = _extract_images(soup, title)
    _meta_bar(soup, links, seconds)
    titles = heading_titles(soup)
    _squeeze_whitespace(soup)
    return str(soup), images, titles


def strip_indentation(html: str) -> str:
    """Drop the theme template's indentation (about 11 KB a page), leaving ``<pre>`` alone."""
    parts = re.split(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", html, flags=re.DOTALL)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\n[ \t]+", "\n", parts[i])
        parts[i] = re.sub(r"\n{2,}", "\n", parts[i])
    return "".join(parts)
