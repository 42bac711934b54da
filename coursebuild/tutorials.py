"""Find the tutorials and turn them into notebooks.

A tutorial is ``tutorials/NN-topic.py``, a Jupytext percent-format script. The
notebooks a reader downloads (and Colab opens from ``notebooks/``) are
generated from it: same cells, no outputs, deterministic cell ids, and one
extra first code cell that installs labkit where it is missing (a fresh Colab
runtime). The *solved* notebook keeps the worked solutions; the *exercise*
notebook (``notebooks/exercises/``) has each solution region replaced by
nbgrader's stub (:func:`coursebuild.notebook.clear_solutions`).

Parsing a script with Jupytext takes about 45 ms; the parsed notebook is kept
under ``SOURCE_CACHE`` keyed on the script's bytes, so a rebuild with nothing
changed parses nothing.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from coursebuild.notebook import clear_solutions, has_solution

__all__ = [
    "Tutorial", "discover", "read_notebook", "cell_lines", "download_notebook", "exercise_notebook",
    "INSTALL_CELL_TAG", "SOURCE_CACHE",
]

INSTALL_CELL_TAG = "labkit-install"
#: Where parsed notebooks are kept, keyed on the script's bytes (``None``: not kept).
SOURCE_CACHE: Path | None = None
_NAME = re.compile(r"^\d{2}-[a-z0-9-]+\.py$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MEMO: dict[str, nbformat.NotebookNode] = {}


@dataclass(frozen=True)
class Tutorial:
    """One tutorial script.

    Attributes:
        path: absolute path of ``tutorials/NN-topic.py``.
        stem: ``NN-topic``: the page slug and the download file name.
    """

    path: Path

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def discover(tutorial_dir: Path) -> list[Tutorial]:
    """Return the tutorials of ``tutorial_dir`` in course order (by file name).

    Raises:
        ValueError: a ``.py`` file there is not named ``NN-topic.py`` or is not
            in percent format.
    """
    tutorials = []
    for path in sorted(Path(tutorial_dir).glob("*.py")):
        if not _NAME.match(path.name):
            raise ValueError(
                f"{path}: tutorial files must be named NN-topic.py (two digits, a dash, "
                "lower-case words joined by dashes)"
            )
        text = path.read_text(encoding="utf-8")
        if "# %%" not in text:
            raise ValueError(f"{path}: not a Jupytext percent-format script (no '# %%' cell marker)")
        control = _CONTROL.search(text)
        if control:
            line = text.count("\n", 0, control.start()) + 1
            raise ValueError(
                f"{path}:{line}: control character {control.group()!r} (a LaTeX '\\a...' or '\\b...' "
                "written through a non-raw Python string?)"
            )
        tutorials.append(Tutorial(path.resolve()))
    return tutorials


def read_notebook(tutorial: Tutorial) -> nbformat.NotebookNode:
    """Read a tutorial as a notebook with deterministic cell ids (a fresh copy each call)."""
    source = tutorial.source
    digest = hashlib.sha256(source.encode()).hexdigest()
    if digest not in _MEMO:
        cached = SOURCE_CACHE / f"{digest}.ipynb" if SOURCE_CACHE else None
        if cached is not None and cached.exists():
            _MEMO[digest] = nbformat.read(cached, as_version=4)
        else:
            nb = jupytext.reads(source, fmt="py:percent")
            for i, cell in enumerate(nb.cells):
                cell["id"] = f"c{i}"
            _MEMO[digest] = nb
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                tmp = cached.with_suffix(f".{os.getpid()}.tmp")
                nbformat.write(nb, tmp)
                tmp.replace(cached)
    return copy.deepcopy(_MEMO[digest])


def cell_lines(tutorial: Tutorial) -> dict[int, int]:
    """``{cell index: line number}`` of the first line of each cell's body in the script."""
    lines = tutorial.source.splitlines()
    markers = [n for n, line in enumerate(lines, start=1) if line.startswith("# %%")]
    cells = read_notebook(tutorial).cells
    offset = len(cells) - len(markers)  # text before the first marker becomes a cell of its own
    return {i + offset: line + 1 for i, line in enumerate(markers) if i + offset >= 0}


def install_cell_source(repo_url: str) -> str:
    """The first code cell of a downloaded notebook: install labkit when missing."""
    return (
        "# Installs labkit when it is missing (for example on Colab); does nothing otherwise.\n"
        "import importlib.util, subprocess, sys\n"
        'if importlib.util.find_spec("labkit") is None:\n'
        f'    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "git+{repo_url}"])'
    )


def _with_install_cell(nb: nbformat.NotebookNode, repo_url: str) -> str:
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    cell = nbformat.v4.new_code_cell(install_cell_source(repo_url.rstrip("/")))
    cell["id"] = "install"
    cell["metadata"] = {"tags": [INSTALL_CELL_TAG]}
    nb.cells.insert(first_code, cell)
    return jupytext.writes(nb, fmt="ipynb")


def download_notebook(tutorial: Tutorial, repo_url: str) -> str:
    """The solved ``.ipynb`` offered for download and committed under ``notebooks/``."""
    return _with_install_cell(read_notebook(tutorial), repo_url)


def exercise_notebook(tutorial: Tutorial, repo_url: str) -> str:
    """The exercise ``.ipynb``: every solution region replaced by nbgrader's stub.

    Committed under ``notebooks/exercises/``; the self-checks stay, so a student
    who runs it sees "not attempted yet" until they fill in each function.
    """
    nb = read_notebook(tutorial)
    for cell in nb.cells:
        if cell.cell_type == "code" and has_solution(cell.source):
            cell.source = clear_solutions(cell.source)
    return _with_install_cell(nb, repo_url)
