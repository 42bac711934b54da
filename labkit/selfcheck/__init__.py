"""Self-checks for the "Your turn" exercises: a verdict that names the likely mistake.

Each tutorial poses coding exercises as a function skeleton; after it, a cell
runs the student's function through [`check`][labkit.selfcheck.check]::

    sigmoid_grad = selfcheck.check("sigmoid_grad", sigmoid_grad)

[`check`][labkit.selfcheck.check] calls the function on random inputs of several shapes, smallest
first, compares with the reference and shows one line:

- ``✓`` what was checked, when everything matches;
- ``✗`` the smallest failing input, expected against got, and a hint that
  recognises the typical mistake (a sign error, a transposed weight, a missing
  1/N, a forgotten ReLU mask, softmax over the wrong axis, σ' written as σ(1+σ));
- ``…`` "not attempted yet" while the function still raises ``NotImplementedError``.

It returns the function to use from then on: the student's own when it passes,
otherwise labkit's reference, so the rest of the notebook still runs.

The exercises live in one module per tutorial (``labkit/selfcheck/<topic>.py``),
each adding its [`Exercise`][labkit.selfcheck.core.Exercise] objects with
[`register`][labkit.selfcheck.register]. The site build sets ``LABKIT_SELFCHECK_STRICT=1``: a check that
does not pass on the worked solution fails the build.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from typing import Any, TypeVar

from labkit.selfcheck.core import Exercise, Mistake, Verdict, format_value, run

__all__ = ["Exercise", "Mistake", "Verdict", "SelfCheckError", "register", "exercises", "verdict", "check", "format_value"]

F = TypeVar("F", bound=Callable[..., Any])

_REGISTRY: dict[str, Exercise] = {}
_LOADED = False


class SelfCheckError(AssertionError):
    """A self-check did not pass while ``LABKIT_SELFCHECK_STRICT=1`` (the site build)."""


def register(*items: Exercise) -> None:
    """Add exercises to the registry (called by the topic modules at import).

    Raises:
        ValueError: an exercise of the same name is already registered.

    Examples:
        >>> import torch
        >>> from labkit.selfcheck import Exercise, Mistake
        >>> register(Exercise(
        ...     name="example_double", page="00-example", reference=lambda x: 2 * x,
        ...     cases=lambda g: [(torch.randn(3, generator=g),)],
        ...     mistakes=[Mistake("this is x squared, not 2x.", lambda x: x * x)],
        ... ))
        >>> verdict("example_double", lambda x: x * x).hint
        'this is x squared, not 2x.'
    """
    for item in items:
        if not isinstance(item, Exercise):
            raise TypeError(f"register() takes Exercise objects, got {type(item).__name__}")
        if item.name in _REGISTRY and _REGISTRY[item.name] is not item:
            raise ValueError(f"two self-check exercises are named {item.name!r} ({_REGISTRY[item.name].page} and {item.page})")
        _REGISTRY[item.name] = item


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    for module in pkgutil.iter_modules(__path__):
        if module.name != "core" and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    _LOADED = True


def exercises() -> dict[str, Exercise]:
    """Every registered exercise, by name.

    Returns:
        ``{name: Exercise}``, the exercises of every page.

    Examples:
        >>> "sigmoid_grad" in exercises()
        True
    """
    _load()
    return dict(_REGISTRY)


def verdict(name: str, fn: Callable[..., Any]) -> Verdict:
    """Run the self-check ``name`` on ``fn`` and return the [`Verdict`][labkit.selfcheck.Verdict] (nothing shown).

    Raises:
        KeyError: there is no exercise called ``name``.
        TypeError: ``fn`` is not callable.

    Examples:
        >>> verdict("relu", lambda z: z.clamp(min=0)).status
        'passed'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the exercise's name as a string, e.g. 'sigmoid_grad', got {type(name).__name__}")
    known = exercises()
    if name not in known:
        close = [n for n in known if n.split("_")[0] == name.split("_")[0]]
        raise KeyError(
            f"no self-check called {name!r}" + (f"; did you mean {', '.join(map(repr, close))}?" if close else "")
        )
    if not callable(fn):
        raise TypeError(f"check({name!r}, fn): fn must be the function you wrote, got {type(fn).__name__}")
    return run(known[name], fn)


def _show(result: Verdict) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        print(result.message)
        return
    if get_ipython() is None:
        print(result.message)
    else:
        display(result)


def check(name: str, fn: F) -> F:
    """Check the function you wrote for exercise ``name``; show the verdict.

    Args:
        name: the exercise, as given in the tutorial (e.g. ``"sigmoid_grad"``).
        fn: your function.

    Returns:
        ``fn`` if it passed, otherwise the reference solution (so the cells
        below keep working while you fix yours).

    Raises:
        SelfCheckError: the check did not pass and ``LABKIT_SELFCHECK_STRICT=1``.

    Examples:
        >>> import torch
        >>> from labkit import selfcheck
        >>> def sigmoid_grad(z):
        ...     s = 1 / (1 + torch.exp(-z))
        ...     return s * (1 + s)
        >>> _ = selfcheck.check("sigmoid_grad", sigmoid_grad)  # doctest: +ELLIPSIS
        ✗ sigmoid_grad: wrong on the smallest failing input
        ...
          Hint: this is σ(1 + σ); the derivative of 1/(1 + e^{-z}) is σ(1 − σ).
    """
    result = verdict(name, fn)
    if not result.passed and os.environ.get("LABKIT_SELFCHECK_STRICT") == "1":
        raise SelfCheckError(result.message)
    _show(result)
    return fn if result.passed else exercises()[name].reference  # type: ignore[return-value]
