"""coursebuild.pages: each transform on the markup nbconvert and mkdocs-jupyter really produce.

A small notebook goes through mkdocs-jupyter's own converter with the site's settings, so a
change of their markup after an upgrade shows up here (and as a build error), not as a
silently half-processed page.
"""

from __future__ import annotations

import base64

import nbformat
import pytest
from bs4 import BeautifulSoup
from mkdocs_jupyter.convert import nb2html

from coursebuild import notebook as nbt
from coursebuild import pages

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = nbformat.v4.new_code_cell
    md = nbformat.v4.new_markdown_cell
    nb.cells = [
        md("# The title\n\nSee [tensors](01-tensors.py#shapes) and [$x$](#part-two)."),
        md("## Part two: `relu` and `sigmoid`\n\n### Your turn\n\n### Your turn"),
        code("x = 1 + 2  # a comment\nprint('x =', x)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="x = 3\n")]),
        code("def f(z):\n    ### BEGIN SOLUTION\n    return 2 * z\n    ### END SOLUTION"),
        code("import time\nprint(time.time())", metadata={"tags": ["timing"]}, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="123.4\n")]),
        code("import warnings\nwarnings.warn('careful')", outputs=[
            nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful\n")]),
        code("show()", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure>"})]),
        code("hidden = True", metadata={"tags": ["hide-input"]}, outputs=[
            nbformat.v4.new_output("display_data", data={"text/markdown": "shown alone"})]),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    return nb


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("nb") / "page.ipynb"
    nbformat.write(nbt.split_solutions(_notebook()), path)
    return nb2html(str(path), no_prompt=True, remove_tag_config={"remove_input_tags": ["hide-input"]})


@pytest.fixture(scope="module")
def processed(rendered):
    links = {"Download .py": "../downloads/x.py", "Open in Colab": "https://colab.research.google.com/x"}
    html, images, titles = pages.process_notebook_page(
        rendered, title="The title", links=links, seconds=6.3, tutorials={"01-tensors", "02-x"}
    )
    return BeautifulSoup(html, "html.parser"), images, titles


def test_scaffolding_is_dropped(processed):
    soup, _, _ = processed
    assert not soup.find_all(["style", "script"])
    assert not soup.select("div.zeroclipboard-container, div.clipboard-copy-txt")
    assert "<!--" not in str(soup)


def test_code_cells_become_material_code_blocks_with_every_character_kept(processed):
    soup, _, _ = processed
    blocks = soup.select("div.jp-CodeCell div.jp-InputArea > div.highlight > pre > code")
    texts = [b.get_text() for b in blocks]
    assert "x = 1 + 2  # a comment\nprint('x =', x)\n" in texts
    assert not soup.select(".highlight-ipynb, .CodeMirror")
    # every token the stylesheet colours differently from plain code keeps its span
    first = blocks[0]
    assert first.select("span.mi") and first.select("span.c1") and first.select("span.nb")
    assert not first.select("span.n, span.p, span.w, span.o")  # drawn in the code's own colour
    assert all(pre.get("tabindex") == "0" for pre in soup.select("div.highlight > pre"))


def test_solution_cell_is_folded_under_its_skeleton(processed):
    soup, _, _ = processed
    details = soup.select("details.lk-solution")
    assert len(details) == 1
    assert details[0].summary.get_text() == "Solution"
    assert "return 2 * z" in details[0].get_text() and "BEGIN SOLUTION" not in details[0].get_text()
    skeleton = details[0].find_previous("div", class_="celltag_lk-skeleton")
    assert "raise NotImplementedError()" in skeleton.get_text()


def test_timing_cells_are_folded_and_marked(processed):
    soup, _, _ = processed
    (timing,) = soup.select("details.lk-timing")
    assert timing.select_one(".timing") is not None and "123.4" in timing.get_text()


def test_stderr_is_marked_and_mime_attributes_dropped(processed):
    soup, _, _ = processed
    assert "UserWarning" in soup.select_one(".lk-stderr").get_text()
    assert not soup.select("[data-mime-type], [data-type]")


def test_cells_are_compact(processed):
    soup, _, _ = processed
    assert not soup.select(".jp-Cell .jp-Cell, .jp-Cell-inputWrapper, .jp-Cell-outputWrapper, .jp-OutputArea-child")
    assert not soup.select("div[tabindex]"), "a div in the tab order"
    markdown = soup.select("div.jp-MarkdownCell.jp-RenderedHTMLCommon")
    assert markdown and markdown[0].h1 is not None


def test_outputs_are_keyboard_scrollable_and_out_of_the_search_index(processed):
    soup, _, _ = processed
    for pre in soup.select("div.jp-OutputArea-output pre"):
        assert pre.get("tabindex") == "0" and pre.has_attr("data-search-exclude")


def test_embedded_png_becomes_a_file_with_alt_text(processed):
    soup, images, _ = processed
    assert len(images) == 1 and images[0].data == PNG
    img = soup.select_one(f'img[src="img/{images[0].name}"]')
    assert img["alt"] == "Figure from The title" and img["width"] == "1" and img["loading"] == "lazy"
    assert "data:image" not in str(soup)


def test_hidden_input_shows_its_output_alone(processed):
    soup, _, _ = processed
    assert "hidden = True" not in soup.get_text() and "shown alone" in soup.get_text()


def test_meta_bar_follows_the_title(processed):
    soup, _, _ = processed
    bar = soup.h1.find_next_sibling("div", class_="lk-meta")
    assert bar.select_one(".lk-runtime").get_text() == "Runs in about 6.3 s on CPU"
    a = bar.select("a")
    assert [x.get_text() for x in a] == ["Download .py", "Open in Colab"]
    assert a[0].has_attr("download") and a[1]["rel"] == ["noopener"]


def test_links_between_tutorials_and_permalinks(processed):
    soup, _, _ = processed
    assert soup.select_one('a[href="../01-tensors/#shapes"]') is not None
    assert not soup.select("a.anchor-link") and soup.select("a.headerlink")


def test_table_of_contents_keeps_inline_code_and_the_real_ids(processed):
    soup, _, toc = processed
    (title,) = toc
    assert title["id"] == "the-title" and title["level"] == 1
    (part,) = title["children"]
    assert part["name"] == "Part two: <code>relu</code> and <code>sigmoid</code>"
    assert soup.find(id=part["id"]) is not None
    assert part["children"] == []  # "Your turn" stays out of the table of contents


def test_repeated_heading_ids_are_made_unique(processed):
    soup, _, _ = processed
    assert [h["id"] for h in soup.find_all("h3")] == ["your-turn", "your-turn-2"]
    assert soup.find("h3", id="your-turn-2").a["href"] == "#your-turn-2"


def test_link_to_a_missing_tutorial_fails(rendered):
    with pytest.raises(pages.PageStructureError, match="no tutorial 01-tensors.py"):
        pages.process_notebook_page(rendered, title="t", links={}, seconds=1, tutorials={"02-x"})


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("style", "<style> block"),
        ("h1", "Title"),
        ("div.highlight-ipynb", "div.highlight-ipynb"),
        ("div.jp-Cell", "div.jp-Cell"),
    ],
)
def test_missing_markup_is_an_error_not_a_silent_skip(rendered, remove, message):
    soup = BeautifulSoup(rendered, "html.parser")
    for tag in soup.select(remove):
        if remove == "div.highlight-ipynb":
            tag.unwrap()
        else:
            tag.decompose()
    with pytest.raises(pages.PageStructureError, match=message):
        pages.process_notebook_page(str(soup), title="t", links={}, seconds=1, tutorials={"01-tensors"})


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "under 1 s"), (6.04, "about 6 s"), (6.3, "about 6.3 s"), (23.6, "about 24 s")])
def test_runtime_wording(seconds, text):
    assert pages.runtime_text(seconds) == text


def test_colab_url():
    assert pages.colab_url("https://github.com/o/r/", "main", "notebooks/exercises/01-x.ipynb") == (
        "https://colab.research.google.com/github/o/r/blob/main/notebooks/exercises/01-x.ipynb"
    )


def test_strip_indentation_leaves_pre_alone():
    html = "<div>\n    <p>a</p>\n\n\n<pre>  keep\n    this</pre>\n  </div>"
    assert pages.strip_indentation(html) == "<div>\n<p>a</p>\n<pre>  keep\n    this</pre>\n</div>"
