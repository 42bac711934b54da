"""notebooks/ (what Colab opens) is generated from tutorials/ and up to date."""

from __future__ import annotations

import subprocess
import sys

import jupytext
import nbformat

from coursebuild.tutorials import INSTALL_CELL_TAG, discover, download_notebook
from tests.conftest import ROOT


def test_committed_notebooks_are_in_sync():
    proc = subprocess.run(
        [sys.executable, "scripts/sync_notebooks.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr + "\nrun: make notebooks"


def test_download_notebook_is_the_tutorial_plus_an_install_cell():
    tutorial = discover(ROOT / "tutorials")[0]
    nb = nbformat.reads(download_notebook(tutorial, "https://github.com/o/r"), as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if INSTALL_CELL_TAG in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "git+https://github.com/o/r" in tagged[0].source
    original = jupytext.reads(tutorial.source, fmt="py:percent")
    rest = [c.source for c in nb.cells if c not in tagged]
    assert rest == [c.source for c in original.cells]
    assert download_notebook(tutorial, "https://github.com/o/r") == download_notebook(tutorial, "https://github.com/o/r")
