"""Execute tutorials as notebooks, in parallel, through the cache.

Each tutorial runs in its own Jupyter kernel, in an empty temporary working
directory, with one BLAS/OpenMP thread (so outputs do not depend on how many
tutorials run side by side) and ``PYTHONHASHSEED=0``. A cell that raises fails
the build with the tutorial's name, the cell's number and line, and the error.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from coursebuild.cache import Dependencies, cache_key
from coursebuild.tutorials import Tutorial, read_notebook

__all__ = ["ExecutionResult", "TutorialError", "execute_tutorial", "execute_all"]

CELL_TIMEOUT_S = 300
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}


class TutorialError(RuntimeError):
    """A tutorial failed to execute; the message names the tutorial and the cell."""


@dataclass(frozen=True)
class ExecutionResult:
    """The executed notebook of one tutorial.

    Attributes:
        tutorial: the tutorial.
        notebook_path: the executed ``.ipynb`` in the cache.
        seconds: wall-clock execution time measured when it was executed.
        executed: ``True`` if it ran in this build, ``False`` if it came from the cache.
    """

    tutorial: Tutorial
    notebook_path: Path
    seconds: float
    executed: bool


def _line_of(tutorial: Tutorial, cell_source: str) -> int | None:
    first = next((line for line in cell_source.splitlines() if line.strip()), None)
    if first is None:
        return None
    for number, line in enumerate(tutorial.source.splitlines(), start=1):
        if line == first:
            return number
    return None


def _describe_failure(tutorial: Tutorial, nb: nbformat.NotebookNode, exc: Exception) -> str:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = _line_of(tutorial, cell.source)
                where = f"cell {index}" + (f" (line {line})" if line else "")
                return (
                    f"tutorial {tutorial.path.name} failed in {where}: "
                    f"{output.get('ename')}: {output.get('evalue')}"
                )
    return f"tutorial {tutorial.path.name} failed: {type(exc).__name__}: {exc}"


def execute_tutorial(tutorial: Tutorial, kernel_name: str = "python3") -> tuple[nbformat.NotebookNode, float]:
    """Execute one tutorial; return the executed notebook and the seconds it took.

    Raises:
        TutorialError: a cell raised, timed out, or the kernel died.
    """
    nb = read_notebook(tutorial)
    env = {**os.environ, **KERNEL_ENV}
    with tempfile.TemporaryDirectory(prefix=f"labkit-{tutorial.stem}-") as workdir:
        # IPC sockets inside the working directory: local only, and no ipykernel
        # warning about unencrypted TCP in every build log.
        km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(workdir, "kernel"))
        client = NotebookClient(
            nb,
            km=km,
            kernel_name=kernel_name,
            timeout=CELL_TIMEOUT_S,
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": workdir}},
        )
        start = time.perf_counter()
        try:
            client.execute(env=env, cwd=workdir)
            seconds = time.perf_counter() - start
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            raise TutorialError(_describe_failure(tutorial, nb, exc)) from None
        finally:
            if km.has_kernel:  # a client given its kernel manager leaves shutting down to us
                km.shutdown_kernel(now=True)
    return nb, seconds


def _cached(meta_path: Path, key: str) -> float | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta.get("seconds") if meta.get("key") == key else None


def execute_all(
    tutorials: list[Tutorial],
    deps: Dependencies,
    cache_dir: Path,
    *,
    workers: int | None = None,
    kernel_name: str = "python3",
    log=print,
) -> list[ExecutionResult]:
    """Execute every tutorial whose cache entry is missing or stale.

    Args:
        tutorials: the tutorials, in course order.
        deps: what their outputs depend on besides their source.
        cache_dir: where executed notebooks and their keys are kept.
        workers: parallel kernels; defaults to the number of CPU cores.
        kernel_name: Jupyter kernel to run them in.
        log: called with one line per tutorial.

    Returns:
        One result per tutorial, in the order given.

    Raises:
        TutorialError: a tutorial failed (the first failure in course order).
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    package_digest, env_digest = deps.digests()
    keys = {t.stem: cache_key(t, package_digest, env_digest) for t in tutorials}
    stale = [t for t in tutorials if _cached(cache_dir / f"{t.stem}.json", keys[t.stem]) is None]

    def run(t: Tutorial) -> tuple[Tutorial, nbformat.NotebookNode | None, float, Exception | None]:
        try:
            nb, seconds = execute_tutorial(t, kernel_name)
        except TutorialError as exc:
            return t, None, 0.0, exc
        return t, nb, seconds, None

    failures: dict[str, Exception] = {}
    if stale:
        n = max(1, min(workers or os.cpu_count() or 1, len(stale)))
        with ThreadPoolExecutor(max_workers=n) as pool:
            for t, nb, seconds, exc in pool.map(run, stale):
                if exc is not None:
                    failures[t.stem] = exc
                    log(f"FAILED   {t.path.name}: {exc}")
                    continue
                nbformat.write(nb, cache_dir / f"{t.stem}.ipynb")
                meta = {"key": keys[t.stem], "seconds": round(seconds, 2), "tutorial": t.path.name}
                (cache_dir / f"{t.stem}.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
                log(f"executed {t.path.name} in {seconds:.1f} s")
    for t in tutorials:
        if t.stem in failures:
            raise failures[t.stem]

    results = []
    stale_stems = {t.stem for t in stale}
    for t in tutorials:
        seconds = _cached(cache_dir / f"{t.stem}.json", keys[t.stem])
        assert seconds is not None
        results.append(ExecutionResult(t, cache_dir / f"{t.stem}.ipynb", seconds, t.stem in stale_stems))
    return results
