"""The exercise notebooks (solutions blanked) run from top to bottom, each self-check
reporting "not attempted yet", as a student who opens one first sees it."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursebuild.execute import KERNEL_ENV, run_notebook
from coursebuild.notebook import BEGIN
from coursebuild.tutorials import discover
from tests.conftest import ROOT

pytestmark = pytest.mark.site

TUTORIALS = discover(ROOT / "tutorials")
# What a student's machine has: no strict self-checks, figures shown as in Jupyter.
STUDENT_ENV = {k: v for k, v in KERNEL_ENV.items() if not k.startswith("LABKIT_")}
STUDENT_ENV.update(LABKIT_SELFCHECK_STRICT="0", LABKIT_SITE_FIGURES="0")
# selfcheck.check("name", f), or a page's wrapper around it such as check_backward_pass(f)
CHECK_CALL = re.compile(r"selfcheck\.check\(\s*[\"']([a-z0-9_]+)[\"']|(?<![\w.])check_([a-z0-9_]+)\(")


def _run(stem: str):
    nb = nbformat.read(ROOT / "notebooks" / "exercises" / f"{stem}.ipynb", as_version=4)
    try:
        run_notebook(nb, f"{stem}-exercise", STUDENT_ENV)
    except Exception as err:  # noqa: BLE001 - reported by the test with the notebook's name
        return nb, f"{type(err).__name__}: {str(err)[-1500:]}"
    return nb, None


@pytest.fixture(scope="module")
def executed():
    stems = [t.stem for t in TUTORIALS if BEGIN in t.source]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(stems, pool.map(_run, stems)))


@pytest.mark.parametrize("tutorial", [t for t in TUTORIALS if BEGIN in t.source], ids=lambda t: t.stem)
def test_exercise_notebook_runs_and_every_check_is_not_attempted(executed, tutorial):
    nb, error = executed[tutorial.stem]
    assert error is None, f"exercise notebook {tutorial.stem} crashed: {error}"
    called = [a or b for a, b in CHECK_CALL.findall(tutorial.source)]
    shown = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            shown += re.findall(r"^(…|✓|✗) ([a-z0-9_]+):", "".join(text), flags=re.MULTILINE)
    assert [name for _, name in shown] == called, (shown, called)
    assert {mark for mark, _ in shown} == {"…"}, shown


def test_every_tutorial_with_code_to_write_has_a_self_check():
    for t in TUTORIALS:
        if BEGIN in t.source:
            assert CHECK_CALL.search(t.source), f"{t.path.name}: solutions but no selfcheck.check"
