"""Execute tutorials as notebooks, in parallel, through the cache.

Each tutorial runs in its own Jupyter kernel, in an empty temporary working
directory, with one BLAS/OpenMP thread (so outputs do not depend on how many
tutorials run side by side), ``PYTHONHASHSEED=0``, figures rendered for both
palettes (``LABKIT_SITE_FIGURES=1``) and strict self-checks
(``LABKIT_SELFCHECK_STRICT=1``: a self-check that fails on the worked solution
fails the build). After the last cell, the kernel reports the project files it
imported and the data files labkit read; the cache keys the result on them.

Stream outputs are coalesced before caching, so how stdout was split into
outputs cannot differ from one build to the next. A cell that raises fails the
build with the tutorial's name, the cell's number, its line in the tutorial
and the error.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from coursebuild.cache import Environment, ExecutionCache, code_key
from coursebuild.notebook import coalesce_streams
from coursebuild.tutorials import Tutorial, cell_lines, read_notebook

__all__ = [
    "KERNEL_ENV", "ExecutionResult", "TutorialError", "run_notebook", "execute_tutorial", "execute_all", "merge_outputs",
]

CELL_TIMEOUT_S = 300
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "LABKIT_SITE_FIGURES": "1",
    "LABKIT_SELFCHECK_STRICT": "1",
}

_PROBE = """\
import json as _lk_json, sys as _lk_sys
print(_lk_json.dumps({
    "modules": sorted({getattr(m, "__file__", None) or "" for m in list(_lk_sys.modules.values())} - {""}),
    "data": sorted(getattr(_lk_sys.modules.get("labkit._data"), "READ", ())),
}))
"""


class TutorialError(RuntimeError):
    """A tutorial failed to execute; the message names the tutorial, the cell and the line."""


@dataclass
class ExecutionResult:
    """The executed notebook of one tutorial.

    Attributes:
        tutorial: the tutorial.
        current: the tutorial as it is now, without outputs.
        entry_path: the cached executed notebook its outputs come from.
        seconds: wall-clock execution time, measured when it was executed.
        executed: ``True`` if it ran in this build, ``False`` if it came from the cache.
    """

    tutorial: Tutorial
    current: nbformat.NotebookNode
    entry_path: Path
    seconds: float
    executed: bool

    @property
    def notebook(self) -> nbformat.NotebookNode:
        """The tutorial as it is now (Markdown included) with the outputs of its code cells.

        Read from the cache on first use (a build that finds the page already made
        never reads it).
        """
        if not hasattr(self, "_notebook"):
            executed = nbformat.read(self.entry_path, as_version=4)
            self._notebook = merge_outputs(copy.deepcopy(self.current), executed)
        return self._notebook


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


def _describe_failure(tutorial: Tutorial, nb: nbformat.NotebookNode, exc: Exception) -> str:
    lines = cell_lines(tutorial)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = lines.get(index)
                # The traceback names the failing line within the cell ("Cell In[4], line 3").
                found = _CELL_LINE.findall(_ANSI.sub("", "\n".join(output.get("traceback", []))))
                if line and found:
                    line += int(found[0]) - 1
                where = f"cell {index}" + (f" (line {line})" if line else "")
                return (
                    f"tutorial {tutorial.path.name} failed in {where}: "
                    f"{output.get('ename')}: {output.get('evalue')}"
                )
    return f"tutorial {tutorial.path.name} failed: {type(exc).__name__}: {exc}"


def run_notebook(nb: nbformat.NotebookNode, name: str, env: dict[str, str], kernel_name: str = "python3") -> float:
    """Execute ``nb`` in place in a fresh kernel, in an empty temporary directory; return the seconds.

    Raises:
        CellExecutionError, CellTimeoutError, DeadKernelError: as nbclient raises them.
    """
    with tempfile.TemporaryDirectory(prefix=f"labkit-{name}-") as workdir:
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
            client.execute(env={**os.environ, **env}, cwd=workdir)
        finally:
            if km.has_kernel:  # a client given its kernel manager leaves shutting down to us
                km.shutdown_kernel(now=True)
    return time.perf_counter() - start


def execute_tutorial(
    tutorial: Tutorial, kernel_name: str = "python3"
) -> tuple[nbformat.NotebookNode, float, list[Path]]:
    """Execute one tutorial as the build does.

    Returns:
        The executed notebook (streams coalesced), the seconds it took, and the files
        it used (imported modules and data files labkit read).

    Raises:
        TutorialError: a cell raised, timed out, or the kernel died.
    """
    nb = read_notebook(tutorial)
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
    try:
        seconds = run_notebook(nb, tutorial.stem, KERNEL_ENV, kernel_name)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        raise TutorialError(_describe_failure(tutorial, nb, exc)) from None
    probe = nb.cells.pop()
    report = json.loads("".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout"))
    used = [Path(p) for p in report["modules"] + report["data"]]
    return coalesce_streams(nb), seconds, used


def merge_outputs(current: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``current`` (the tutorial as it is now) with the outputs of ``executed``'s code cells.

    Both must have the same code cells in the same order (the cache key ensures it).
    """
    code_now = [c for c in current.cells if c.cell_type == "code"]
    code_then = [c for c in executed.cells if c.cell_type == "code"]
    if [c.source for c in code_now] != [c.source for c in code_then]:
        raise ValueError("the cached notebook's code cells differ from the tutorial's")
    for now, then in zip(code_now, code_then):
        now.outputs = then.outputs
        now.execution_count = then.execution_count
    return current


def execute_all(
    tutorials: list[Tutorial],
    cache: ExecutionCache,
    environment: Environment,
    *,
    workers: int | None = None,
    kernel_name: str = "python3",
    log=print,
) -> list[ExecutionResult]:
    """Execute every tutorial that has no valid cache entry; take the others from the cache.

    Args:
        tutorials: the tutorials, in course order.
        cache: where executed notebooks are kept.
        environment: what every output depends on besides the code and the files used.
        workers: parallel kernels; defaults to the number of CPU cores.
        kernel_name: Jupyter kernel to run them in.
        log: called with one line per executed tutorial.

    Returns:
        One result per tutorial, in the order given.

    Raises:
        TutorialError: a tutorial failed (the first failure in course order).
    """
    env_digest = environment.digest()
    current = {t.stem: read_notebook(t) for t in tutorials}
    keys = {t.stem: code_key(current[t.stem], env_digest) for t in tutorials}
    entries = {t.stem: cache.lookup(t.stem, keys[t.stem]) for t in tutorials}
    stale = [t for t in tutorials if entries[t.stem] is None]

    def run(t: Tutorial):
        try:
            return t, *execute_tutorial(t, kernel_name), None
        except TutorialError as exc:
            return t, None, 0.0, [], exc

    failures: dict[str, Exception] = {}
    fresh: set[str] = set()
    if stale:
        n = max(1, min(workers or os.cpu_count() or 1, len(stale)))
        with ThreadPoolExecutor(max_workers=n) as pool:
            for t, nb, seconds, used, exc in pool.map(run, stale):
                if exc is not None:
                    failures[t.stem] = exc
                    log(f"FAILED   {t.path.name}: {exc}")
                    continue
                entries[t.stem] = cache.store(t.stem, keys[t.stem], nb, seconds, used)
                fresh.add(t.stem)
                log(f"executed {t.path.name} in {seconds:.1f} s")
    for t in tutorials:
        if t.stem in failures:
            raise failures[t.stem]

    return [
        ExecutionResult(t, current[t.stem], entries[t.stem].notebook_path, entries[t.stem].seconds, t.stem in fresh)
        for t in tutorials
    ]
