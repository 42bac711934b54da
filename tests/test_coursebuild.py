"""The MkDocs hook's own checks: nav completeness and clear failures."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from coursebuild import hooks
from coursebuild.tutorials import cell_lines, discover
from tests.conftest import ROOT


def config_with_nav(nav, repo_url="https://github.com/o/r"):
    return SimpleNamespace(nav=nav, repo_url=repo_url, extra={})


def full_nav():
    return [{"Home": "index.md"}, {"Part": [f"tutorials/{t.path.name}" for t in discover(ROOT / "tutorials")]}]


def test_complete_nav_is_accepted():
    hooks.on_config(config_with_nav(full_nav()))


def test_a_tutorial_missing_from_the_nav_is_an_error():
    nav = full_nav()
    dropped = nav[1]["Part"].pop(2)
    with pytest.raises(PluginError, match=dropped.split("/")[1]):
        hooks.on_config(config_with_nav(nav))


def test_tutorials_out_of_course_order_are_an_error():
    nav = full_nav()
    part = nav[1]["Part"]
    part[0], part[1] = part[1], part[0]
    with pytest.raises(PluginError, match="course order"):
        hooks.on_config(config_with_nav(nav))


def test_repo_url_is_required():
    with pytest.raises(PluginError, match="repo_url"):
        hooks.on_config(config_with_nav(full_nav(), repo_url=None))


def test_badly_named_tutorial_is_rejected(tmp_path):
    (tmp_path / "Tensors.py").write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="NN-topic.py"):
        discover(tmp_path)


def test_non_percent_script_is_rejected(tmp_path):
    (tmp_path / "01-plain.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="percent-format"):
        discover(tmp_path)


def test_labkit_only_builds_the_chosen_tutorials(monkeypatch):
    monkeypatch.setenv("LABKIT_ONLY", "02, 05")
    hooks.on_config(config_with_nav(full_nav()))
    assert [t.stem[:2] for t in hooks._state["tutorials"]] == ["02", "05"]
    assert len(hooks._state["all_tutorials"]) == len(discover(ROOT / "tutorials"))


def test_cell_lines_point_at_each_cells_first_line(tmp_path):
    script = tmp_path / "01-lines.py"
    script.write_text("# %% [markdown]\n# # T\n\n# %%\nx = 1\n\n# %%\ny = 2\nz = 3\n")
    (tutorial,) = discover(tmp_path)
    assert cell_lines(tutorial) == {0: 2, 1: 5, 2: 8}


def test_control_characters_in_a_tutorial_are_rejected(tmp_path):
    (tmp_path / "01-bell.py").write_text("# %% [markdown]\n# $x \x07pprox 1$\n")
    with pytest.raises(ValueError, match=r"01-bell.py:2: control character"):
        discover(tmp_path)
