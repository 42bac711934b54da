"""Every tutorial executes, and executing it again gives the same outputs.

The site build (``built_site``) executed each tutorial or took it from the
cache; here each one runs again from scratch in a fresh kernel and its outputs
are compared with the build's: same text, same figures. Cells tagged
``timing`` (``# %% tags=["timing"]``) print measured times and are exempt.
"""

from __future__ import annotations

import hashlib

import nbformat
import pytest

from coursebuild.execute import execute_tutorial
from coursebuild.hooks import CACHE_DIR
from coursebuild.tutorials import discover
from tests.conftest import ROOT

TUTORIALS = discover(ROOT / "tutorials")


def outputs_of(nb) -> list[tuple[int, str, str]]:
    """(cell index, mime type, content digest) of every output, timing cells excluded.

    Consecutive stream outputs of a cell are joined: how printed text is split into
    messages depends on flush timing, not on what was printed.
    """
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "timing" in cell.metadata.get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                if found and found[-1][0] == i and found[-1][1] == out.name:
                    found[-1] = (i, out.name, found[-1][2] + out.text)
                else:
                    found.append((i, out.name, out.text))
            elif out.output_type in ("execute_result", "display_data"):
                for mime, data in sorted(out.data.items()):
                    text = data if isinstance(data, str) else "".join(data)
                    if mime == "image/png":
                        text = hashlib.sha256(text.encode()).hexdigest()
                    found.append((i, mime, text))
    return found


@pytest.mark.site
@pytest.mark.parametrize("tutorial", TUTORIALS, ids=lambda t: t.stem)
def test_tutorial_executes_and_is_deterministic(built_site, tutorial):
    fresh, seconds = execute_tutorial(tutorial)
    built = nbformat.read(CACHE_DIR / f"{tutorial.stem}.ipynb", as_version=4)
    ours, theirs = outputs_of(fresh), outputs_of(built)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a == b, f"cell {a[0]} ({a[1]}) differs between two executions"
