"""coursebuild.notebook: solution markers, stream coalescing and figures per palette."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from coursebuild import notebook as nbt  # noqa: E402
from labkit import figures  # noqa: E402

SOLVED = '''def f(x):
    """Twice x."""
    ### BEGIN SOLUTION
    y = 2 * x
    return y
    ### END SOLUTION


def g(x):
    return x'''


def test_clear_solutions_writes_nbgraders_stub_with_the_markers_indentation():
    assert nbt.clear_solutions(SOLVED) == '''def f(x):
    """Twice x."""
    # YOUR CODE HERE
    raise NotImplementedError()


def g(x):
    return x'''


def test_strip_markers_keeps_the_solution():
    assert "### " not in nbt.strip_solution_markers(SOLVED)
    assert "    y = 2 * x\n    return y" in nbt.strip_solution_markers(SOLVED)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1", "without an ### END SOLUTION"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: ### BEGIN SOLUTION inside"),
    ],
)
def test_unbalanced_markers_are_an_error(source, message):
    with pytest.raises(nbt.SolutionMarkerError, match=message):
        nbt.clear_solutions(source)


def test_split_solutions_gives_skeleton_then_solution():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(SOLVED, metadata={"tags": ["keep"]})
    cell["id"] = "c1"
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    out = nbt.split_solutions(nb)
    assert [c.metadata.get("tags") for c in out.cells[1:]] == [["keep", nbt.SKELETON_TAG], ["keep", nbt.SOLUTION_TAG]]
    skeleton, solution = out.cells[1:]
    assert "raise NotImplementedError()" in skeleton.source and not skeleton.outputs
    assert "y = 2 * x" in solution.source and solution.outputs[0]["text"] == "hi\n"
    assert skeleton["id"] == "c1-skeleton" and nb.cells[1].source == SOLVED  # the input is not modified


def test_coalesce_streams_joins_runs_of_the_same_stream():
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("stream", name="stderr", text="w\n"),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nbt.coalesce_streams(nb)
    assert [(o.name, o.text) for o in cell.outputs] == [("stdout", "a\nb\n"), ("stderr", "w\n"), ("stdout", "c\n")]


def _figure_output(title: str | None) -> nbformat.NotebookNode:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], color=figures.LIGHT["blue"])
    if title:
        ax.set_title(title)
    report = figures.render(fig)
    plt.close(fig)
    meta = {"image/png": {"width": report.width, "height": report.height, "labkit": {
        "dark_png": base64.b64encode(report.dark_png).decode(), "alt": report.alt, "dpi": figures.DPI,
        "min_font_pt": report.min_font_pt, "contrast": report.contrast}}}
    return nbformat.v4.new_output(
        "display_data", data={"image/png": base64.b64encode(report.light_png).decode()}, metadata=meta
    )


def test_figures_become_one_image_per_palette_with_alt_text_and_measurements():
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [_figure_output("a rising line"), _figure_output(None)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    out, files, missing = nbt.figures_to_html(nb)
    assert len(files) == 4 and missing == [2]
    html = out.cells[0].outputs[0]["data"]["text/html"]
    assert html.count("<img") == 2 and 'class="lk-only-light"' in html and 'class="lk-only-dark"' in html
    assert 'alt="a rising line"' in html and 'data-dpi="200"' in html and "data-min-font-pt" in html
    assert all(f'src="img/{f.name}"' in html for f in files[:2])
    assert nb.cells[0].outputs[0]["output_type"] == "display_data" and "image/png" in nb.cells[0].outputs[0]["data"]
