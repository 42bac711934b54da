"""Input checks shared by labkit's public functions.

Every public function checks what the caller gave it before any tensor
operation runs, so that a wrong shape or dtype is reported in the caller's
terms ("X must have shape (N, 2), got (4, 3)") instead of as a traceback from
deep inside torch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

__all__ = [
    "check_tensor", "check_same_shape", "check_positive_int", "check_choice", "check_number", "check_instance",
    "check_seed", "check_cache",
]


def _shape_str(shape: Sequence[int | str | None]) -> str:
    parts = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_tensor(
    x: object,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: Sequence[int | str | None] | None = None,
    floating: bool = False,
    dtype: torch.dtype | Sequence[torch.dtype] | None = None,
) -> torch.Tensor:
    """Check that ``x`` is a tensor of the expected rank, shape and dtype.

    Args:
        x: the value to check.
        name: the argument's name, used in the error message.
        ndim: allowed number(s) of dimensions.
        shape: expected shape; ``None`` or a string (a symbolic size such as
            ``"N"``) matches any size in that position. Implies ``ndim``.
        floating: require a floating-point dtype.
        dtype: allowed dtype(s).

    Returns:
        ``x`` unchanged.

    Raises:
        TypeError: ``x`` is not a tensor, or has the wrong dtype.
        ValueError: ``x`` has the wrong number of dimensions or shape.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if shape is not None:
        if x.ndim != len(shape) or any(
            isinstance(s, int) and s != d for s, d in zip(shape, x.shape)
        ):
            raise ValueError(
                f"{name} must have shape {_shape_str(shape)}, got {_shape_str(tuple(x.shape))}"
            )
    elif ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(str(n) for n in allowed)
            raise ValueError(
                f"{name} must have {want} dimension(s), got {x.ndim} "
                f"(shape {_shape_str(tuple(x.shape))})"
            )
    if floating and not x.is_floating_point():
        raise TypeError(f"{name} must have a floating-point dtype, got {x.dtype}")
    if dtype is not None:
        allowed_dtypes = (dtype,) if isinstance(dtype, torch.dtype) else tuple(dtype)
        if x.dtype not in allowed_dtypes:
            want = " or ".join(str(d) for d in allowed_dtypes)
            raise TypeError(f"{name} must have dtype {want}, got {x.dtype}")
    return x


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got "
            f"{_shape_str(tuple(a.shape))} and {_shape_str(tuple(b.shape))}"
        )


def check_positive_int(value: object, name: str) -> int:
    """Return ``value`` if it is a positive ``int``, else raise with a clear message."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value  # type: ignore[return-value]


def check_number(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    exclusive_minimum: bool = False,
) -> float:
    """Return ``value`` if it is a finite real number (not a bool) in range, else raise.

    Args:
        value: the value to check.
        name: the argument's name, used in the error message.
        minimum: smallest allowed value (``None``: no bound).
        maximum: largest allowed value (``None``: no bound).
        integer: require an ``int``.
        exclusive_minimum: ``minimum`` itself is not allowed.

    Raises:
        TypeError: not a number (or not an int when ``integer``).
        ValueError: not finite, or out of range.
    """
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        want = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {want}, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (value < minimum or (exclusive_minimum and value == minimum)):
        raise ValueError(f"{name} must be {'>' if exclusive_minimum else '>='} {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value!r}")
    return value


def check_instance(value: object, name: str, types: type | tuple[type, ...], what: str) -> object:
    """Return ``value`` if it is an instance of ``types``; else raise ``TypeError`` naming ``what``."""
    if not isinstance(value, types):
        raise TypeError(f"{name} must be {what}, got {type(value).__name__}")
    return value


def check_seed(value: object, name: str = "seed") -> int:
    """Return ``value`` if it is a non-negative ``int`` usable as a seed."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def check_cache(cache: object, producer: str, kinds: Sequence[type | tuple[type, ...]]) -> tuple:
    """Return ``cache`` if it is the tuple ``producer`` returns, item by item of ``kinds``.

    A backward pass given something else (``None``, a list, a bare tensor, another layer's
    cache) raises a ``TypeError`` that names the function whose cache it needs, instead of
    an unpacking error from deep inside the backward pass.
    """
    if not isinstance(cache, tuple) or len(cache) != len(kinds) or not all(
        isinstance(item, kind) for item, kind in zip(cache, kinds)
    ):
        got = type(cache).__name__ + (f" of {len(cache)} items" if isinstance(cache, (tuple, list)) else "")
        raise TypeError(f"cache must be the cache returned by {producer} (a tuple of {len(kinds)} items), got {got}")
    return cache
