"""Cache keys for executed tutorials.

A tutorial's outputs depend on more than its own bytes. The key hashes:

- the tutorial's source;
- for tutorials that import labkit: every file of the labkit package, its data
  files included (the shipped MNIST files live in ``labkit/data/``);
- the pinned dependency set (the lock file) and the Python version;
- the environment variables labkit reads (``LABKIT_*``) and whether a GPU is
  visible, since both change what a page prints;
- :data:`EXECUTOR_VERSION`, bumped whenever the way tutorials run changes.

So an unchanged site re-executes nothing, an edited tutorial re-executes
alone, and an edit to labkit re-executes exactly the tutorials that import it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from coursebuild.tutorials import Tutorial

__all__ = ["EXECUTOR_VERSION", "Dependencies", "tree_digest", "cache_key"]

#: Bump when the execution settings change (thread count, working directory, ...).
EXECUTOR_VERSION = "2"

_SKIP_PARTS = {"__pycache__", ".pytest_cache"}


def tree_digest(paths: Iterable[Path]) -> str:
    """Hash the names and bytes of every file under ``paths`` (files or directories)."""
    h = hashlib.sha256()
    for root in sorted(Path(p) for p in paths):
        if not root.exists():
            h.update(f"missing:{root.name}".encode())
            continue
        files = [root] if root.is_file() else sorted(
            f for f in root.rglob("*") if f.is_file() and not _SKIP_PARTS & set(f.parts) and f.suffix != ".pyc"
        )
        for f in files:
            rel = f.relative_to(root.parent).as_posix()
            h.update(rel.encode() + b"\0")
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _environment() -> str:
    labkit_vars = sorted((k, v) for k, v in os.environ.items() if k.startswith("LABKIT_"))
    gpu = os.path.exists("/dev/nvidiactl") and os.environ.get("CUDA_VISIBLE_DEVICES", "x") != ""
    return repr((sys.version, labkit_vars, gpu, EXECUTOR_VERSION))


@dataclass(frozen=True)
class Dependencies:
    """What tutorial outputs depend on besides their own source.

    Attributes:
        package_dirs: directories of the packages tutorials import (labkit).
        lock_files: the pinned dependency set.
    """

    package_dirs: tuple[Path, ...]
    lock_files: tuple[Path, ...]

    def digests(self) -> tuple[str, str]:
        """``(package digest, environment digest)``, computed once per build."""
        env = hashlib.sha256((tree_digest(self.lock_files) + _environment()).encode()).hexdigest()
        return tree_digest(self.package_dirs), env


def cache_key(tutorial: Tutorial, package_digest: str, env_digest: str) -> str:
    """The key under which ``tutorial``'s executed notebook is cached."""
    h = hashlib.sha256()
    h.update(tutorial.path.read_bytes())
    h.update(env_digest.encode())
    if tutorial.imports_labkit:
        h.update(package_digest.encode())
    return h.hexdigest()
