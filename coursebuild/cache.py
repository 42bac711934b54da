"""The cache of executed tutorials: re-run only what a change can affect.

An entry holds a tutorial's executed code cells and is valid while all of this
is unchanged:

- the **code cells** (their sources, in order), not the Markdown: a prose edit
  re-renders the page from the cached outputs without running anything
  (jupyter-cache's rule);
- the **environment**: the lock file, the Python version, the ``LABKIT_*``
  variables, whether a GPU is visible, and :data:`EXECUTOR_VERSION`;
- the **files the tutorial used**, recorded in its kernel after it ran: every
  module of the project's packages in ``sys.modules`` (so an edit to
  ``labkit/graph.py`` re-runs only the tutorials that imported
  ``labkit.graph``) and every data file labkit read (``labkit._data``).

A tutorial keeps up to :data:`ENTRIES_PER_TUTORIAL` entries, so an edit
followed by its revert is served from the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = [
    "EXECUTOR_VERSION", "ENTRIES_PER_TUTORIAL", "Environment", "Entry", "ExecutionCache", "code_key", "file_digest",
    "gpu_visible",
]

#: Bump when the way tutorials run changes (thread count, working directory, kernel env, ...).
EXECUTOR_VERSION = "3"

#: Entries kept per tutorial (the most recently used survive).
ENTRIES_PER_TUTORIAL = 4


#: LABKIT_* variables that choose what to build or where to keep it, not what a tutorial prints.
_NOT_OUTPUTS = {"LABKIT_ONLY", "LABKIT_CACHE_DIR", "LABKIT_CHROMIUM"}


def gpu_visible() -> bool:
    """Whether a CUDA GPU is visible to the kernels (outputs may differ on one)."""
    return os.path.exists("/dev/nvidiactl") and os.environ.get("CUDA_VISIBLE_DEVICES", "x") != ""


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, or ``"missing"``."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


@dataclass(frozen=True)
class Environment:
    """What every tutorial's outputs depend on besides its code and the files it used.

    Attributes:
        lock_files: the pinned dependency set.
        kernel_env: the environment variables the executor sets in the kernel.
    """

    lock_files: tuple[Path, ...]
    kernel_env: tuple[tuple[str, str], ...] = ()

    def digest(self) -> str:
        labkit_vars = sorted(
            (k, v) for k, v in os.environ.items() if k.startswith("LABKIT_") and k not in _NOT_OUTPUTS
        )
        h = hashlib.sha256()
        for path in sorted(self.lock_files):
            h.update(f"{Path(path).name}:{file_digest(path)}\n".encode())
        h.update(repr((sys.version, labkit_vars, gpu_visible(), EXECUTOR_VERSION, sorted(self.kernel_env))).encode())
        return h.hexdigest()


def code_key(nb: nbformat.NotebookNode, env_digest: str) -> str:
    """The key of a tutorial's code: its code cells' sources, kernel and environment."""
    h = hashlib.sha256()
    h.update(env_digest.encode())
    h.update(json.dumps(nb.metadata.get("kernelspec", {}), sort_keys=True).encode())
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(b"\0cell\0" + cell.source.encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One cached execution: the executed notebook, its runtime and what it used."""

    notebook_path: Path
    seconds: float
    dependencies: dict[str, str]


class ExecutionCache:
    """Executed tutorials under ``root/<stem>/``, several entries per tutorial.

    Args:
        root: the cache directory.
        project_root: dependency paths are stored relative to it.
    """

    def __init__(self, root: Path, project_root: Path):
        self.root = Path(root)
        self.project_root = Path(project_root)
        self._digests: dict[str, str] = {}

    def _digest(self, rel: str) -> str:
        if rel not in self._digests:
            self._digests[rel] = file_digest(self.project_root / rel)
        return self._digests[rel]

    def lookup(self, stem: str, key: str) -> Entry | None:
        """A valid entry of ``stem`` for code key ``key``, or ``None``."""
        folder = self.root / stem
        for meta_path in sorted(folder.glob(f"{key[:20]}-*.json")):
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            deps = meta.get("dependencies", {})
            notebook = meta_path.with_suffix(".ipynb")
            if meta.get("key") == key and notebook.exists() and all(self._digest(p) == d for p, d in deps.items()):
                os.utime(meta_path)  # most recently used
                return Entry(notebook, float(meta["seconds"]), deps)
        return None

    def store(self, stem: str, key: str, nb: nbformat.NotebookNode, seconds: float, used: Iterable[Path]) -> Entry:
        """Save an execution of ``stem``; keep the newest :data:`ENTRIES_PER_TUTORIAL`."""
        folder = self.root / stem
        folder.mkdir(parents=True, exist_ok=True)
        deps = {}
        for path in sorted({Path(p).resolve() for p in used}):
            try:
                rel = path.relative_to(self.project_root.resolve()).as_posix()
            except ValueError:
                continue  # outside the project: covered by the lock file and the environment
            self._digests.pop(rel, None)
            deps[rel] = self._digest(rel)
        state = hashlib.sha256(json.dumps(deps, sort_keys=True).encode()).hexdigest()[:12]
        base = folder / f"{key[:20]}-{state}"
        nbformat.write(nb, base.with_suffix(".ipynb"))
        meta = {"key": key, "seconds": round(seconds, 2), "dependencies": deps, "stored": time.time()}
        base.with_suffix(".json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        self._prune(folder)
        return Entry(base.with_suffix(".ipynb"), round(seconds, 2), deps)

    def _prune(self, folder: Path) -> None:
        metas = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in metas[ENTRIES_PER_TUTORIAL:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".ipynb").unlink(missing_ok=True)
