"""Post-processing of rendered tutorial pages.

mkdocs-jupyter inlines about 570 KB of JupyterLab CSS into every notebook page,
embeds every figure as base64 and adds MathJax and Mermaid from a CDN. Here
each page's ``<style>`` blocks move to one shared stylesheet (downloaded once
and cached by the browser), figures become PNG files next to the page, CDN
scripts are dropped (KaTeX is self-served, see ``docs/javascripts/katex.js``),
and a bar under the title gives the measured runtime, the downloads and the
Colab link.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import os
import posixpath
import re
import struct
from pathlib import Path

__all__ = [
    "branch", "colab_url", "runtime_text", "process_notebook_page", "strip_indentation", "write_shared_assets",
]

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_IMG_DATA = re.compile(r'<img\b([^>]*?)\bsrc="data:image/png;base64,([A-Za-z0-9+/=\s]+)"([^>]*)>')
_H1_END = re.compile(r"</h1>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_COPY_WIDGET = re.compile(r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>', re.DOTALL)
_COPY_TEXT = re.compile(r'<div class="clipboard-copy-txt"[^>]*>.*?</div>', re.DOTALL)
_PLAIN_TOKEN = re.compile(r'<span class="(?:w|n|p|o)">([^<]*)</span>')
_EMPTY_COLLAPSER = re.compile(r'<div class="jp-Collapser[^"]*">\s*</div>')
_EDITOR = re.compile(
    r'<div class="jp-InputArea jp-Cell-inputArea">\s*<div class="jp-CodeMirrorEditor[^>]*>\s*'
    r'<div class="CodeMirror cm-s-jupyter">\s*(<div class="highlight-ipynb[^"]*"><pre><code>.*?</code></pre></div>)'
    r"\s*</div>\s*</div>\s*</div>",
    re.DOTALL,
)
_MIME_ATTR = re.compile(r' data-mime-type="[^"]*"')
_CODE_PRE = re.compile(r'(<div class="highlight-ipynb[^"]*">)<pre>(.*?)</pre>', re.DOTALL)


def branch(config) -> str:
    """The repository branch the Colab links point at (``extra.labkit.branch``)."""
    return (config.extra.get("labkit") or {}).get("branch", "main")


def colab_url(repo_url: str, branch_name: str, stem: str) -> str:
    """Colab's address for ``notebooks/<stem>.ipynb`` of a GitHub repository."""
    path = repo_url.rstrip("/").split("github.com/", 1)[-1]
    return f"https://colab.research.google.com/github/{path}/blob/{branch_name}/notebooks/{stem}.ipynb"


def runtime_text(seconds: float) -> str:
    """Human wording of a measured runtime: ``"about 6 s"``, ``"under 1 s"``."""
    if seconds < 1:
        return "under 1 s"
    if seconds < 10:
        return f"about {seconds:.1f} s".replace(".0 s", " s")
    return f"about {seconds:.0f} s"


def _rel(page, target: str) -> str:
    """URL of site path ``target`` relative to ``page``'s directory."""
    page_dir = posixpath.dirname(page.file.dest_uri)
    return posixpath.relpath(target, page_dir or ".")


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def _extract_images(html: str, page, config) -> str:
    out_dir = Path(config.site_dir) / posixpath.dirname(page.file.dest_uri) / "img"
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        before, b64, after = match.groups()
        data = base64.b64decode(re.sub(r"\s", "", b64))
        name = hashlib.sha256(data).hexdigest()[:16] + ".png"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes(data)
        count += 1
        attrs = re.sub(r'\balt="[^"]*"', "", before + after)
        # nbconvert's guess at a backing colour paints a white box behind transparent
        # figures in the dark palette; labkit.plot's style needs none.
        attrs = re.sub(r'\bclass="jp-needs-(?:dark|light)-background"', "", attrs).strip(" /")
        size = _png_size(data)
        dims = f' width="{size[0]}" height="{size[1]}"' if size and "width=" not in attrs else ""
        alt = f"Figure {count} of {html_lib.escape(page.title or 'this tutorial')}"
        return f'<img src="img/{name}" alt="{alt}"{dims} loading="lazy" decoding="async" {attrs}>'.replace(" >", ">")

    return _IMG_DATA.sub(replace, html)


def _slim_code_cells(html: str) -> str:
    """Drop the per-cell copy widget (an SVG and a second copy of the code) and
    wrap code in ``<pre><code>`` so Material's own copy button serves it."""
    html = _COPY_WIDGET.sub("", html)
    html = _COPY_TEXT.sub("", html)
    html = _CODE_PRE.sub(lambda m: f"{m.group(1)}<pre><code>{m.group(2)}</code></pre>", html)
    # Three editor wrappers around every input (CodeMirror's, for a live editor) style nothing here.
    html = _EDITOR.sub(r'<div class="jp-InputArea jp-Cell-inputArea">\1</div>', html)
    # Pygments tokens drawn in the plain code colour (whitespace, names, punctuation,
    # operators) need no span: a large share of a code-heavy page.
    html = _PLAIN_TOKEN.sub(r"\1", html)
    html = _EMPTY_COLLAPSER.sub("", html)
    html = html.replace(' tabindex="0"', "").replace(' data-type="inline"', "")
    html = _MIME_ATTR.sub("", html)
    html = html.replace("<pre><code><span></span>", "<pre><code>")
    return _minify(html)


def _minify(html: str) -> str:
    """Collapse runs of whitespace between tags to one newline (which keeps inline
    spacing), leaving ``<pre>`` blocks untouched."""
    parts = re.split(r"(<pre\b.*?</pre>)", html, flags=re.DOTALL)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r">\s{2,}<", ">\n<", parts[i])
    return "".join(parts)


def strip_indentation(html: str) -> str:
    """Drop the theme template's indentation (about 11 KB a page), leaving ``<pre>`` alone."""
    parts = re.split(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", html, flags=re.DOTALL)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\n[ \t]+", "\n", parts[i])
        parts[i] = re.sub(r"\n{2,}", "\n", parts[i])
    return "".join(parts)


def _meta_bar(page, config, result) -> str:
    stem = result.tutorial.stem
    repo = config.repo_url.rstrip("/")
    py = _rel(page, f"downloads/{stem}.py")
    nb = _rel(page, f"downloads/{stem}.ipynb")
    colab = colab_url(repo, branch(config), stem)
    return (
        '<div class="lk-meta" role="note">'
        f'<span class="lk-runtime" title="Wall-clock time of executing every cell when this page was built, '
        f'one CPU thread">Runs in {runtime_text(result.seconds)} on CPU</span>'
        f'<a class="lk-button" href="{py}" download>Download .py</a>'
        f'<a class="lk-button" href="{nb}" download>Download .ipynb</a>'
        f'<a class="lk-button" href="{colab}" rel="noopener">Open in Colab</a>'
        "</div>"
    )


def process_notebook_page(html: str, page, config, result, state: dict) -> str:
    """Rewrite one rendered tutorial page (see the module docstring)."""
    css_blocks = _STYLE.findall(html)
    html = _STYLE.sub("", html)
    css = "\n".join(block.strip() for block in css_blocks)
    digest = hashlib.sha256(css.encode()).hexdigest()[:12]
    state.setdefault("css", {})[digest] = css

    # The plugin's scripts are MathJax and Mermaid from a CDN (math is rendered by
    # the self-served KaTeX) and its copy button, replaced by Material's below.
    html = _SCRIPT.sub("", html)
    html = _COMMENT.sub("", html)  # "<!-- load mathjax -->" and other template leftovers
    html = _slim_code_cells(html)
    html = _extract_images(html, page, config)
    link = f'<link rel="stylesheet" href="{_rel(page, f"assets/stylesheets/notebook-{digest}.css")}">'
    bar = _meta_bar(page, config, result)
    html, n = _H1_END.subn("</h1>" + bar, html, count=1)
    if n == 0:
        html = bar + html
    return link + html


def write_shared_assets(config, state: dict) -> None:
    """Write the notebook stylesheet(s) and script(s) collected from the pages."""
    site = Path(config.site_dir)
    for digest, css in state.get("css", {}).items():
        path = site / "assets" / "stylesheets" / f"notebook-{digest}.css"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(css, encoding="utf-8")
    for digest, js in state.get("js", {}).items():
        path = site / "assets" / "javascripts" / f"notebook-{digest}.js"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(js, encoding="utf-8")
