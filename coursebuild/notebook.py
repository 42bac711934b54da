"""Notebook-level transforms: from an executed tutorial to the page and the downloads.

All of these work on ``nbformat`` notebooks, before any HTML exists:

- :func:`coalesce_streams`: one stream output per run of prints, so the split of
  stdout into outputs cannot depend on flush timing (two builds, same page).
- Solutions are marked as nbgrader marks them, inside code cells::

      def sigmoid_grad(z):
          ### BEGIN SOLUTION
          s = sigmoid(z)
          return s * (1 - s)
          ### END SOLUTION

  :func:`clear_solutions` replaces each region by nbgrader's stub
  (``# YOUR CODE HERE`` / ``raise NotImplementedError()``) for the exercise
  notebook; :func:`split_solutions` turns each such cell of the page into the
  skeleton the student sees, followed by the worked solution, tagged so the page
  shows it collapsed.
- :func:`figures_to_html`: figures rendered by :mod:`labkit.figures` (a PNG per
  palette, alt text, legibility report in the output's metadata) become one
  ``<figure>`` with an image per palette, written as files beside the page.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
from dataclasses import dataclass

import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

__all__ = [
    "BEGIN", "END", "STUB", "SKELETON_TAG", "SOLUTION_TAG", "TIMING_TAG", "HIDE_INPUT_TAG",
    "SolutionMarkerError", "has_solution", "clear_solutions", "strip_solution_markers",
    "coalesce_streams", "split_solutions", "FigureFile", "figures_to_html",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
#: What nbgrader's ClearSolutions puts in place of a solution (its default Python stub).
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
SKELETON_TAG = "lk-skeleton"
SOLUTION_TAG = "lk-solution"
TIMING_TAG = "timing"
HIDE_INPUT_TAG = "hide-input"


class SolutionMarkerError(ValueError):
    """Unbalanced or nested ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers."""


def _marker(line: str) -> str | None:
    stripped = line.strip()
    return stripped if stripped in (BEGIN, END) else None


def has_solution(source: str) -> bool:
    """Whether a code cell's source holds a solution region."""
    return any(_marker(line) == BEGIN for line in source.splitlines())


def _regions(source: str):
    """Yield ``("code", line)`` and ``("solution", [lines], indent)`` items of ``source``."""
    inside: list[str] | None = None
    indent = ""
    for number, line in enumerate(source.splitlines(), start=1):
        marker = _marker(line)
        if marker == BEGIN:
            if inside is not None:
                raise SolutionMarkerError(f"line {number}: {BEGIN} inside another solution region")
            inside, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == END:
            if inside is None:
                raise SolutionMarkerError(f"line {number}: {END} without a {BEGIN} before it")
            yield ("solution", inside, indent)
            inside = None
        elif inside is not None:
            inside.append(line)
        else:
            yield ("code", line)
    if inside is not None:
        raise SolutionMarkerError(f"{BEGIN} without an {END}")


def clear_solutions(source: str) -> str:
    """``source`` with each solution region replaced by nbgrader's stub.

    >>> print(clear_solutions("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION"))
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError()
    """
    out: list[str] = []
    for item in _regions(source):
        if item[0] == "code":
            out.append(item[1])
        else:
            out.extend(item[2] + stub for stub in STUB)
    return "\n".join(out)


def strip_solution_markers(source: str) -> str:
    """``source`` with the marker lines removed and the solutions kept."""
    out: list[str] = []
    for item in _regions(source):
        out.extend([item[1]] if item[0] == "code" else item[1])
    return "\n".join(out)


def coalesce_streams(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Merge consecutive stream outputs of each cell (in place); return ``nb``."""
    pre = CoalesceStreamsPreprocessor()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            pre.preprocess_cell(cell, {}, index)
    return nb


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def split_solutions(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` in which every solution cell becomes skeleton + solution.

    The skeleton (tagged :data:`SKELETON_TAG`) has the stub in place of each
    solution region and no outputs; the solution (tagged :data:`SOLUTION_TAG`)
    has the markers removed and keeps the outputs.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if cell.cell_type != "code" or not has_solution(cell.source):
            cells.append(cell)
            continue
        skeleton = nbformat.v4.new_code_cell(clear_solutions(cell.source))
        skeleton["id"] = f"{cell.get('id', 'c')}-skeleton"
        skeleton.metadata["tags"] = [*_tags(cell), SKELETON_TAG]
        cell.source = strip_solution_markers(cell.source)
        cell.metadata["tags"] = [*_tags(cell), SOLUTION_TAG]
        cells += [skeleton, cell]
    out.cells = cells
    return out


@dataclass(frozen=True)
class FigureFile:
    """A PNG to write beside the page: ``name`` under the page's ``img/`` folder."""

    name: str
    data: bytes


def _img(name: str, cls: str, alt: str, meta: dict, contrast: float) -> str:
    return (
        f'<img class="{cls}" src="img/{name}" alt="{html.escape(alt, quote=True)}" '
        f'width="{meta["width"]}" height="{meta["height"]}" loading="lazy" decoding="async" '
        f'data-dpi="{meta["labkit"]["dpi"]}" data-min-font-pt="{meta["labkit"]["min_font_pt"]:g}" '
        f'data-contrast="{contrast:g}">'
    )


def figures_to_html(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[FigureFile], list[int]]:
    """Turn each labkit figure output into a ``<figure>`` with one image per palette.

    Returns:
        The notebook (a copy), the PNG files to write, and the numbers (1-based,
        in page order) of figures that have no alt text.
    """
    out = copy.deepcopy(nb)
    files: list[FigureFile] = []
    missing_alt: list[int] = []
    count = 0
    for cell in out.cells:
        for i, output in enumerate(cell.get("outputs", [])):
            meta = output.get("metadata", {}).get("image/png", {})
            if output.get("output_type") not in ("display_data", "execute_result") or "labkit" not in meta:
                continue
            count += 1
            light = base64.b64decode(output["data"]["image/png"])
            dark = base64.b64decode(meta["labkit"]["dark_png"])
            names = []
            for data in (light, dark):
                name = hashlib.sha256(data).hexdigest()[:16] + ".png"
                files.append(FigureFile(name, data))
                names.append(name)
            alt = meta["labkit"].get("alt", "")
            if not alt:
                missing_alt.append(count)
            contrast = meta["labkit"]["contrast"]
            figure = (
                '<figure class="lk-figure">'
                + _img(names[0], "lk-only-light", alt, meta, contrast["light"])
                + _img(names[1], "lk-only-dark", alt, meta, contrast["dark"])
                + "</figure>"
            )
            cell.outputs[i] = nbformat.v4.new_output("display_data", data={"text/html": figure})
    return out, files, missing_alt


def code_fingerprint(nb: nbformat.NotebookNode) -> list[str]:
    """The code cells' sources, the only part of a tutorial that decides its outputs."""
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]
