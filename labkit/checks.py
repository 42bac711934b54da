"""Compare a hand-computed tensor with a reference (autograd or a built-in).

In the style of the "backprop ninja" ``cmp`` helper: every manual gradient on a
page is printed next to autograd's with its maximum absolute difference.
"""

from __future__ import annotations

import torch

__all__ = ["max_abs_diff", "compare"]


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest absolute element-wise difference of two tensors of equal shape.

    Raises:
        ValueError: the shapes differ (a silent broadcast would hide a bug).
    """
    a = torch.as_tensor(a)
    b = torch.as_tensor(b)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a.numel() == 0:
        return 0.0
    return (a.detach().double() - b.detach().double()).abs().max().item()


def compare(name: str, manual: torch.Tensor, reference: torch.Tensor, *, atol: float = 1e-6) -> float:
    """Print whether ``manual`` equals ``reference`` exactly or approximately.

    Args:
        name: what is compared, e.g. ``"dW1"``.
        manual: the hand-computed tensor.
        reference: the trusted tensor (autograd's gradient, a built-in).
        atol: tolerance for "approximately equal".

    Returns:
        The maximum absolute difference.
    """
    diff = max_abs_diff(manual, reference)
    exact = diff == 0.0
    close = diff <= atol
    verdict = "exact" if exact else ("approx" if close else "MISMATCH")
    print(f"{name:<12} {verdict:<8} max |diff| = {diff:.2e}")
    return diff
