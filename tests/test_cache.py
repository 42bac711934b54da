"""The execution cache: re-runs exactly what a change can affect, never less.

Runs the build's real executor (:func:`coursebuild.execute.execute_all`, real
kernels) on small tutorials that import a stand-in ``labkit`` package in a
temporary project, the way the site's tutorials import the real one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coursebuild import cache as cache_mod
from coursebuild.cache import ENTRIES_PER_TUTORIAL, Environment, ExecutionCache
from coursebuild.execute import TutorialError, execute_all
from coursebuild.tutorials import discover

HEADER = "# %% [markdown]\n# # {title}\n\n"
TUTORIALS = {
    "01-graph.py": "# %%\nfrom labkit import graph\nprint('graph', graph.VERSION)\n",
    "02-comma-import.py": "# %%\nimport math, labkit\nprint('labkit', labkit.VERSION)\n",
    "03-importlib.py": "# %%\nimport importlib\nm = importlib.import_module('labkit.other')\nprint('other', m.VERSION)\n",
    "04-data.py": "# %%\nfrom labkit import data\nprint('data', data.load())\n",
    "05-plain.py": "# %%\nprint('plain')\n",
}
ALL = set(TUTORIALS)
WITH_LABKIT = ALL - {"05-plain.py"}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch) -> dict:
    # The kernels import the stand-in "labkit" below instead of the real one.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.delenv("LABKIT_DEVICE", raising=False)
    tutorials = tmp_path / "tutorials"
    tutorials.mkdir()
    for name, code in TUTORIALS.items():
        (tutorials / name).write_text(HEADER.format(title=name) + code)
    package = tmp_path / "labkit"
    (package / "files").mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n")
    (package / "_data.py").write_text("READ = set()\n")
    (package / "graph.py").write_text("VERSION = 1\n")
    (package / "other.py").write_text("VERSION = 1\n")
    (package / "data.py").write_text(
        "from pathlib import Path\nfrom labkit import _data\n"
        "def load():\n    p = Path(__file__).parent / 'files' / 'digits.bin'\n"
        "    _data.READ.add(str(p))\n    return p.read_bytes().hex()\n"
    )
    (package / "files" / "digits.bin").write_bytes(b"\x00\x01")
    lock = tmp_path / "lock.txt"
    lock.write_text("torch==2.14.1\n")
    return {"root": tmp_path, "tutorials": tutorials, "package": package, "lock": lock}


def build(project) -> dict:
    """Run the executor; return ``{tutorial: result}``."""
    results = execute_all(
        discover(project["tutorials"]),
        ExecutionCache(project["root"] / "cache", project["root"]),
        Environment(lock_files=(project["lock"],)),
        log=lambda _: None,
    )
    return {r.tutorial.path.name: r for r in results}


def executed(project) -> set[str]:
    return {name for name, r in build(project).items() if r.executed}


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


def test_first_build_executes_everything_and_nothing_after(project):
    assert executed(project) == ALL
    assert executed(project) == set()


def test_editing_a_module_reruns_only_the_tutorials_that_imported_it(project):
    build(project)
    edit(project["package"] / "graph.py", "1", "2")
    assert executed(project) == {"01-graph.py"}
    edit(project["package"] / "other.py", "1", "2")
    assert executed(project) == {"03-importlib.py"}  # found through sys.modules, not a regex


def test_editing_the_package_init_reruns_every_tutorial_that_imports_labkit(project):
    build(project)
    edit(project["package"] / "__init__.py", "1", "2")
    assert executed(project) == WITH_LABKIT  # "import math, labkit" included


def test_a_data_file_the_tutorial_read_is_a_dependency(project):
    build(project)
    (project["package"] / "files" / "digits.bin").write_bytes(b"\x00\x02")
    assert executed(project) == {"04-data.py"}
    assert "data 0002" in build(project)["04-data.py"].notebook.cells[1].outputs[0]["text"]


def test_a_prose_edit_reruns_nothing_and_shows_the_new_prose_with_the_old_outputs(project):
    build(project)
    edit(project["tutorials"] / "05-plain.py", "# # 05-plain.py", "# # Plain, with a typo fixed")
    results = build(project)
    assert not any(r.executed for r in results.values())
    nb = results["05-plain.py"].notebook
    assert nb.cells[0].source == "# Plain, with a typo fixed"
    assert nb.cells[1].outputs[0]["text"] == "plain\n"


def test_a_code_edit_reruns_the_tutorial(project):
    build(project)
    edit(project["tutorials"] / "05-plain.py", "print('plain')", "print('plain!')")
    assert executed(project) == {"05-plain.py"}


def test_an_edit_and_its_revert_are_both_served_from_the_cache(project):
    build(project)
    graph = project["package"] / "graph.py"
    edit(graph, "1", "2")
    assert executed(project) == {"01-graph.py"}
    edit(graph, "2", "1")
    assert executed(project) == set()
    edit(graph, "1", "2")
    assert executed(project) == set()


def test_old_entries_are_pruned(project):
    graph = project["package"] / "graph.py"
    for version in range(ENTRIES_PER_TUTORIAL + 2):
        graph.write_text(f"VERSION = {version}\n")
        build(project)
    assert len(list((project["root"] / "cache" / "01-graph").glob("*.json"))) == ENTRIES_PER_TUTORIAL


@pytest.mark.parametrize(
    "change",
    ["lock", "labkit_env", "executor", "gpu"],
)
def test_environment_changes_rerun_everything(project, monkeypatch, change):
    build(project)
    if change == "lock":
        project["lock"].write_text("torch==2.14.2\n")
    elif change == "labkit_env":
        monkeypatch.setenv("LABKIT_DEVICE", "cpu")
    elif change == "executor":
        monkeypatch.setattr(cache_mod, "EXECUTOR_VERSION", "test")
    else:
        visible = cache_mod.gpu_visible()
        monkeypatch.setattr(cache_mod, "gpu_visible", lambda: not visible)
    assert executed(project) == ALL


def test_variables_that_only_choose_what_to_build_do_not_rerun(project, monkeypatch):
    build(project)
    monkeypatch.setenv("LABKIT_ONLY", "01")
    monkeypatch.setenv("LABKIT_CACHE_DIR", "/elsewhere")
    assert executed(project) == set()


def test_a_deleted_cache_is_rebuilt(project):
    build(project)
    shutil.rmtree(project["root"] / "cache")
    assert executed(project) == ALL


def test_streams_are_coalesced_whatever_the_flush_timing(project):
    (project["tutorials"] / "06-flush.py").write_text(
        HEADER.format(title="F")
        + "# %%\nimport sys, time\nprint('a', flush=True)\ntime.sleep(0.2)\nprint('b')\n"
        + "sys.stdout.flush()\ntime.sleep(0.2)\nprint('c')\n"
    )
    outputs = build(project)["06-flush.py"].notebook.cells[1].outputs
    assert [o["output_type"] for o in outputs] == ["stream"]
    assert outputs[0]["text"] == "a\nb\nc\n"


def test_a_failing_cell_names_the_tutorial_cell_and_its_own_line(project):
    bad = project["tutorials"] / "07-broken.py"
    bad.write_text(
        HEADER.format(title="D")
        + "# %%\nx = 1\n\n# %%\ny = 2\nz = 3\nraise ValueError('shape (3,) expected')\n"
    )
    with pytest.raises(TutorialError) as info:
        build(project)
    message = str(info.value)
    assert "07-broken.py" in message
    assert "cell 2 (line 10)" in message, message
    assert "ValueError: shape (3,) expected" in message
    bad.unlink()
    assert executed(project) == set()  # the good tutorials were executed and cached
