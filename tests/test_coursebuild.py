"""The MkDocs hook's own checks: nav completeness and clear failures."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from coursebuild import hooks, pages
from coursebuild.tutorials import discover
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


@pytest.mark.parametrize("seconds, text", [(0.4, "under 1 s"), (6.04, "about 6 s"), (6.3, "about 6.3 s"), (23.6, "about 24 s")])
def test_runtime_wording(seconds, text):
    assert pages.runtime_text(seconds) == text


def test_colab_url():
    assert pages.colab_url("https://github.com/o/r/", "main", "01-x") == (
        "https://colab.research.google.com/github/o/r/blob/main/notebooks/01-x.ipynb"
    )


def test_control_characters_in_a_tutorial_are_rejected(tmp_path):
    (tmp_path / "01-bell.py").write_text("# %% [markdown]\n# $x \x07pprox 1$\n")
    with pytest.raises(ValueError, match=r"01-bell.py:2: control character"):
        discover(tmp_path)
