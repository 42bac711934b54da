"""Call every public labkit function with generated arguments and classify what happens.

Used by ``tests/test_api_sweep.py`` (a Hypothesis property over the whole public API) and
by ``python -m tests.api_sweep`` (a deterministic sweep that prints the counts per outcome).

Outcomes of one call:

- ``returned``: a result (its correctness is the business of the module's own tests);
- ``clear``: a ``TypeError``/``ValueError`` (or a labkit error class deriving from them,
  ``FileNotFoundError`` or ``AssertionError`` for checks) raised by labkit's own code, whose
  message says what was expected;
- ``obscure``: anything else: an error raised inside torch or Python's internals, an
  ``IndexError``, a ``ZeroDivisionError``, a ``RuntimeError``... never acceptable.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import math
import pkgutil
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import labkit  # noqa: E402

LABKIT_DIR = Path(labkit.__file__).resolve().parent
CLEAR_TYPES = (TypeError, ValueError, FileNotFoundError, AssertionError, KeyError)
#: Arguments never generated: they would download or write outside a temporary directory.
FORBIDDEN = {("load_mnist", "download"), ("load_mnist", "root"), ("load_names", "directory")}
#: Functions that are not part of the sweep, with the reason.
SKIP = {
    "use_style": "changes global matplotlib state only",
    "seed_everything": "sets the global seed; covered by test_utils",
    "check": "prints a verdict for any callable; covered by test_selfcheck",
    "register": "adds to the global registry; covered by test_selfcheck",
}


def public_functions() -> list[tuple[str, Callable]]:
    """``(qualified name, function)`` for every function in a public module's ``__all__``."""
    found = []
    modules = [m.name for m in pkgutil.iter_modules(labkit.__path__) if not m.name.startswith("_")]
    for name in sorted(modules):
        module = importlib.import_module(f"labkit.{name}")
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj) and attr not in SKIP:
                found.append((f"labkit.{name}.{attr}", obj))
    return found


def _raised_in_labkit(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return False
    last = Path(frames[-1].filename).resolve()
    return LABKIT_DIR in last.parents


def classify(fn: Callable, args: dict) -> tuple[str, str]:
    """Call ``fn(**args)``; return ``(outcome, detail)``."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            fn(**args)
    except CLEAR_TYPES as err:
        message = str(err)
        if _raised_in_labkit(err) and len(message) > 10:
            return "clear", f"{type(err).__name__}: {message[:160]}"
        where = traceback.extract_tb(err.__traceback__)[-1]
        return "obscure", f"{type(err).__name__} from {Path(where.filename).name}:{where.lineno}: {message[:160]}"
    except Exception as err:  # noqa: BLE001 - the point is to see every kind
        where = traceback.extract_tb(err.__traceback__)[-1]
        return "obscure", f"{type(err).__name__} from {Path(where.filename).name}:{where.lineno}: {str(err)[:160]}"
    finally:
        plt.close("all")
    return "returned", ""


def edge_values(generator: torch.Generator) -> list:
    """The pool of awkward values the sweep draws arguments from."""
    g = generator
    return [
        None, True, 0, -1, 3, 1000, 0.0, -0.5, 1e-3, math.nan, math.inf, "", "relu", "x",
        [], [1.0, 2.0], (2, 3), {"a": 1},
        torch.tensor(1.5), torch.tensor([]), torch.zeros(0, 3), torch.randn(4, generator=g),
        torch.randn(3, 2, generator=g), torch.randn(2, 3, generator=g, dtype=torch.float64),
        torch.randn(2, 1, 4, 4, generator=g), torch.randn(5, 2, 3, generator=g),
        torch.tensor([[math.nan, 1.0], [2.0, math.inf]]), torch.arange(6).reshape(2, 3),
        torch.ones(3, dtype=torch.bool), torch.randn(2, 2, generator=g, dtype=torch.complex64),
        torch.randint(0, 3, (4,), generator=g),
    ]


def parameters(fn: Callable) -> list[inspect.Parameter]:
    """The parameters the sweep fills (positional-or-keyword and keyword-only)."""
    return [p for p in inspect.signature(fn).parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def deterministic_sweep(calls_per_function: int = 6) -> tuple[Counter, list[str]]:
    """A fixed sweep: each function gets ``calls_per_function`` argument sets from the pool."""
    g = torch.Generator().manual_seed(0)
    pool = edge_values(g)
    counts: Counter = Counter()
    details: list[str] = []
    for qualname, fn in public_functions():
        params = parameters(fn)
        short = qualname.rsplit(".", 1)[-1]
        for k in range(calls_per_function):
            args = {}
            for i, p in enumerate(params):
                if (short, p.name) in FORBIDDEN:
                    continue
                if p.default is not inspect.Parameter.empty and (k + i) % 3 == 0:
                    continue
                args[p.name] = pool[(k * 7 + i * 5 + len(short)) % len(pool)]
            outcome, detail = classify(fn, args)
            counts[outcome] += 1
            if outcome == "obscure":
                details.append(f"{qualname}({', '.join(args)}): {detail}")
    return counts, details


if __name__ == "__main__":
    counts, details = deterministic_sweep()
    print(f"{sum(counts.values())} calls: " + ", ".join(f"{n} {k}" for k, n in counts.most_common()))
    for line in details:
        print("  obscure:", line)
    sys.exit(1 if counts["obscure"] else 0)
