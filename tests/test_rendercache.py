"""coursebuild.rendercache through real MkDocs builds of a small project with mkdocstrings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CONFIG = """site_name: t
theme:
  name: material
plugins:
  - search
  - mkdocstrings:
      handlers:
        python:
          paths: ["."]
hooks:
  - hook.py
"""
HOOK = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from coursebuild import rendercache

def on_pre_page(page, config, files):
    rendercache.install_on(page, config, files, Path(config.config_file_path).parent / "cache", "digest")
    return page
"""


def _build(project: Path, site: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", site], cwd=project,
                          capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(CONFIG)
    (tmp_path / "hook.py").write_text(HOOK)
    (tmp_path / "mod.py").write_text('"""A module."""\n\ndef f(x):\n    """Twice ``x``; see [`g`][mod.g]."""\n\n\ndef g():\n    """G."""\n')
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [f][mod.f] and [the API](api.md#mod.g).\n")
    (tmp_path / "docs" / "api.md").write_text("# API\n\n::: mod\n")
    return tmp_path


def test_a_warm_build_writes_the_same_site_and_renders_nothing(project):
    cold = _build(project, "cold")
    assert cold.returncode == 0, cold.stderr
    assert len(list((project / "cache").glob("*.json"))) == 2
    warm = _build(project, "warm")
    assert warm.returncode == 0, warm.stderr
    files = sorted(p.relative_to(project / "cold") for p in (project / "cold").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(project / "warm") for p in (project / "warm").rglob("*") if p.is_file())
    for f in files:
        assert (project / "cold" / f).read_bytes() == (project / "warm" / f).read_bytes(), f
    assert "objects.inv" in {f.name for f in files}


def test_an_edited_snippet_is_rendered_again(project):
    (project / "NOTES.md").write_text("first version\n")
    (project / "docs" / "notes.md").write_text('# Notes\n\n--8<-- "NOTES.md"\n')
    (project / "mkdocs.yml").write_text(CONFIG + "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: ['.']\n")
    assert _build(project, "one").returncode == 0
    (project / "NOTES.md").write_text("second version\n")
    assert _build(project, "two").returncode == 0
    assert "second version" in (project / "two" / "notes" / "index.html").read_text()


def test_a_render_that_warned_is_not_cached(project):
    (project / "docs" / "index.md").write_text("# Home\n\n[missing](nowhere.md)\n")
    first = _build(project, "one")
    assert first.returncode != 0 and "nowhere.md" in first.stderr
    second = _build(project, "two")
    assert second.returncode != 0 and "nowhere.md" in second.stderr  # warned again
