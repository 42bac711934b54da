"""Shared fixtures: one strict build of the whole site per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Build:
    site_dir: Path
    log: str


def mkdocs_build(site_dir: Path, *, strict: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``mkdocs build`` as a reader would; return the finished process."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(site_dir)]
    if strict:
        cmd.append("--strict")
    return subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )


@pytest.fixture(scope="session")
def built_site() -> Build:
    """The site built with ``mkdocs build --strict`` into ``site/`` (tutorials through the cache)."""
    site_dir = ROOT / "site"
    proc = mkdocs_build(site_dir)
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed (exit {proc.returncode}):\n{log[-6000:]}")
    return Build(site_dir, log)
