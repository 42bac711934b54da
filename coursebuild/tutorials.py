"""Find the tutorials and turn them into notebooks.

A tutorial is ``tutorials/NN-topic.py``, a Jupytext percent-format script. The
notebook a reader downloads (and Colab opens from ``notebooks/``) is generated
from it: same cells, no outputs, deterministic cell ids, and one extra first
code cell that installs labkit where it is missing (a fresh Colab runtime).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

__all__ = ["Tutorial", "discover", "read_notebook", "download_notebook", "INSTALL_CELL_TAG"]

INSTALL_CELL_TAG = "labkit-install"
_NAME = re.compile(r"^\d{2}-[a-z0-9-]+\.py$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_IMPORTS_LABKIT = re.compile(r"^\s*(?:import|from)\s+labkit\b", re.MULTILINE)


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

    @property
    def imports_labkit(self) -> bool:
        """Whether the outputs can depend on labkit (and so on its data files)."""
        return bool(_IMPORTS_LABKIT.search(self.source))


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
    """Read a tutorial as a notebook with deterministic cell ids."""
    nb = jupytext.reads(tutorial.source, fmt="py:percent")
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    return nb


def install_cell_source(repo_url: str) -> str:
    """The first code cell of a downloaded notebook: install labkit when missing."""
    return (
        "# Installs labkit when it is missing (for example on Colab); does nothing otherwise.\n"
        "import importlib.util, subprocess, sys\n"
        'if importlib.util.find_spec("labkit") is None:\n'
        f'    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "git+{repo_url}"])'
    )


def download_notebook(tutorial: Tutorial, repo_url: str) -> str:
    """The ``.ipynb`` text offered for download and committed under ``notebooks/``."""
    nb = read_notebook(tutorial)
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    cell = nbformat.v4.new_code_cell(install_cell_source(repo_url.rstrip("/")))
    cell["id"] = "install"
    cell["metadata"] = {"tags": [INSTALL_CELL_TAG]}
    nb.cells.insert(first_code, cell)
    return jupytext.writes(nb, fmt="ipynb")
