"""Compare a hand-computed tensor with a reference (autograd or a built-in).

In the style of the "backprop ninja" ``cmp`` helper: every manual gradient on a
page is printed next to autograd's with its maximum absolute difference. Unlike
a print, [`compare`][labkit.checks.compare] fails loudly: a difference above the tolerance raises
[`MismatchError`][labkit.checks.MismatchError], so a wrong gradient on a page fails the site build. A
page that shows a mismatch on purpose says so with ``expect="mismatch"`` (and
explains it where it stands); then a *match* is the error.
"""

from __future__ import annotations

import math

import torch

__all__ = ["MismatchError", "max_abs_diff", "compare"]


class MismatchError(AssertionError):
    """A hand-computed tensor differs from its reference by more than the tolerance."""


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest absolute element-wise difference of two tensors of equal shape.

    Args:
        a: a real tensor, any shape.
        b: a real tensor of the same shape.

    Returns:
        ``max |a - b|`` as a float (0.0 for empty tensors; ``inf`` or ``nan`` when
        one side has them and the other does not).

    Raises:
        TypeError: an argument is not a real tensor (complex numbers have no order).
        ValueError: the shapes differ (a silent broadcast would hide a bug).

    Examples:
        >>> max_abs_diff(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
        0.5
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, (torch.Tensor, int, float, list, tuple)) or isinstance(value, bool):
            raise TypeError(f"{name} must be a tensor (or numbers), got {type(value).__name__}")
    try:
        a = torch.as_tensor(a)
        b = torch.as_tensor(b)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"a and b must be tensors or nested lists of numbers: {err}") from None
    for name, t in (("a", a), ("b", b)):
        if t.is_complex():
            raise TypeError(f"{name} must be a real tensor, got {t.dtype}")
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a.numel() == 0:
        return 0.0
    a, b = a.detach().double().cpu(), b.detach().double().cpu()
    same = (a == b) | (torch.isnan(a) & torch.isnan(b))  # inf == inf and nan "==" nan count as equal
    if same.all():
        return 0.0
    return (a - b).abs()[~same].max().item()


def compare(
    name: str, manual: torch.Tensor, reference: torch.Tensor, *, atol: float = 1e-6, expect: str = "match"
) -> float:
    """Print whether ``manual`` equals ``reference`` exactly or approximately.

    Args:
        name: what is compared, e.g. ``"dW1"``.
        manual: the hand-computed tensor.
        reference: the trusted tensor (autograd's gradient, a built-in), same shape.
        atol: tolerance for "approximately equal", a non-negative number.
        expect: ``"match"`` (the default), or ``"mismatch"`` for a difference the page
            shows on purpose.

    Returns:
        The maximum absolute difference.

    Raises:
        MismatchError: the difference exceeds ``atol`` (or, with ``expect="mismatch"``,
            does not).
        ValueError: a bad ``atol`` or ``expect``, or shapes that differ.

    Examples:
        >>> _ = compare("w", torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
        w            exact    max |diff| = 0.00e+00
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if isinstance(atol, bool) or not isinstance(atol, (int, float)) or not atol >= 0 or math.isinf(atol):
        raise ValueError(f"atol must be a finite non-negative number, got {atol!r}")
    if expect not in ("match", "mismatch"):
        raise ValueError(f"expect must be 'match' or 'mismatch', got {expect!r}")
    diff = max_abs_diff(manual, reference)
    close = diff <= atol  # False for nan
    verdict = "exact" if diff == 0.0 else ("approx" if close else "MISMATCH")
    print(f"{name:<12} {verdict:<8} max |diff| = {diff:.2e}")
    if expect == "match" and not close:
        raise MismatchError(f"{name}: max |diff| = {diff:.3e} exceeds atol = {atol:g}")
    if expect == "mismatch" and close:
        raise MismatchError(f"{name}: expected a mismatch above atol = {atol:g}, but max |diff| = {diff:.3e}")
    return diff
