"""The execution cache is never stale: what re-executes after which change.

Runs the build's executor (:func:`coursebuild.execute.execute_all`) on three
small tutorials, two importing labkit and one not, with the same kind of
dependency set the site uses (a package directory with data files, a lock file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coursebuild.cache import Dependencies
from coursebuild.execute import TutorialError, execute_all
from coursebuild.tutorials import discover

HEADER = "# %% [markdown]\n# # {title}\n\n"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch) -> dict:
    # The kernels import the stand-in "labkit" below (a light package) instead of the real one.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    tutorials = tmp_path / "tutorials"
    tutorials.mkdir()
    (tutorials / "01-uses-labkit.py").write_text(HEADER.format(title="A") + "# %%\nimport labkit\nprint('a')\n")
    (tutorials / "02-also-labkit.py").write_text(HEADER.format(title="B") + "# %%\nfrom labkit import display\nprint('b')\n")
    (tutorials / "03-plain.py").write_text(HEADER.format(title="C") + "# %%\nprint('c')\n")
    package = tmp_path / "labkit"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n")
    (package / "data" / "digits.bin").write_bytes(b"\x00\x01")
    lock = tmp_path / "lock.txt"
    lock.write_text("torch==2.14.1\n")
    return {
        "tutorials": tutorials, "package": package, "lock": lock,
        "deps": Dependencies(package_dirs=(package,), lock_files=(lock,)),
        "cache": tmp_path / "cache",
    }


def run(project) -> set[str]:
    results = execute_all(discover(project["tutorials"]), project["deps"], project["cache"], log=lambda _: None)
    return {r.tutorial.path.name for r in results if r.executed}


ALL = {"01-uses-labkit.py", "02-also-labkit.py", "03-plain.py"}


def test_first_build_executes_everything_and_nothing_after(project):
    assert run(project) == ALL
    assert run(project) == set()


def test_editing_one_tutorial_reexecutes_only_it(project):
    run(project)
    path = project["tutorials"] / "02-also-labkit.py"
    path.write_text(path.read_text() + "print('edited')\n")
    assert run(project) == {"02-also-labkit.py"}
    assert run(project) == set()


def test_editing_labkit_reexecutes_the_tutorials_that_import_it(project):
    run(project)
    (project["package"] / "__init__.py").write_text("VERSION = 2\n")
    assert run(project) == {"01-uses-labkit.py", "02-also-labkit.py"}


def test_changing_a_data_file_reexecutes_the_labkit_tutorials(project):
    run(project)
    (project["package"] / "data" / "digits.bin").write_bytes(b"\x00\x02")
    assert run(project) == {"01-uses-labkit.py", "02-also-labkit.py"}


def test_changing_the_pinned_dependencies_reexecutes_everything(project):
    run(project)
    project["lock"].write_text("torch==2.14.2\n")
    assert run(project) == ALL


def test_a_deleted_cache_entry_is_rebuilt(project):
    run(project)
    shutil.rmtree(project["cache"])
    assert run(project) == ALL


def test_a_failing_cell_names_the_tutorial_cell_and_line(project):
    bad = project["tutorials"] / "04-broken.py"
    bad.write_text(HEADER.format(title="D") + "# %%\nx = 1\n\n# %%\nraise ValueError('shape (3,) expected')\n")
    with pytest.raises(TutorialError) as info:
        run(project)
    message = str(info.value)
    assert "04-broken.py" in message
    assert "cell 2" in message and "line 8" in message
    assert "ValueError: shape (3,) expected" in message
    # the good tutorials were still executed and cached
    bad.unlink()
    assert run(project) == set()
