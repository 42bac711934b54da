"""Tests for tests/handwritten.py: gradcheck really uses the hand-written backward pass."""

from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

from tests.handwritten import autograd_function


def _randn(*shape: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def _matmul_forward(A, B):
    return A @ B, (A, B)


def _matmul_backward(dout, cache):
    A, B = cache
    return dout @ B.T, A.T @ dout


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 4, 2), (5, 2, 6)])
def test_right_backward_passes(shape) -> None:
    n, k, m = shape
    A, B = _randn(n, k, seed=1).requires_grad_(), _randn(k, m, seed=2).requires_grad_()
    assert gradcheck(autograd_function(_matmul_forward, _matmul_backward), (A, B))


@pytest.mark.parametrize(
    "wrong_backward",
    [
        lambda dout, cache: (dout @ cache[1], cache[0].T @ dout),  # B not transposed
        lambda dout, cache: (-dout @ cache[1].T, cache[0].T @ dout),  # sign
        lambda dout, cache: (dout @ cache[1].T, 2 * cache[0].T @ dout),  # factor 2
    ],
    ids=["transpose", "sign", "factor"],
)
def test_wrong_backward_fails(wrong_backward) -> None:
    # square, non-symmetric matrices: a missing transpose still has the right shape
    A, B = _randn(3, 3, seed=3).requires_grad_(), _randn(3, 3, seed=4).requires_grad_()
    fn = autograd_function(_matmul_forward, wrong_backward)
    assert not gradcheck(fn, (A, B), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(fn, (A, B))


def test_single_tensor_gradient_is_accepted() -> None:
    x = _randn(4, seed=5).requires_grad_()
    cube = autograd_function(lambda x: (x**3, x), lambda dout, x: 3 * x**2 * dout)
    assert gradcheck(cube, (x,))


def test_constants_get_none() -> None:
    seen = {}

    def scale_backward(dout, cache):
        x, factor = cache
        return dout * factor

    def scale_forward(x, factor, note):
        seen["note"] = note
        return x * factor, (x, factor)

    scale = autograd_function(scale_forward, scale_backward, num_constants=2)
    x = _randn(3, seed=6).requires_grad_()
    factor = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    assert gradcheck(scale, (x, 2.5, "a label"))
    assert seen["note"] == "a label"
    # a tensor constant that asks for a gradient gets None, so it stays without one
    out = scale(x, factor, None)
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 2.5))
    assert factor.grad is None


def test_several_outputs_get_one_gradient_each() -> None:
    def forward(x):
        return (x.sin(), x.cos()), x

    def backward(dsin, dcos, x):
        return dsin * x.cos() - dcos * x.sin()

    x = _randn(2, 3, seed=7).requires_grad_()
    assert gradcheck(autograd_function(forward, backward), (x,))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(autograd_function(forward, lambda dsin, dcos, x: dsin * x.cos()), (x,))


def test_leading_none_gradients_pass_through() -> None:
    # inputs that are not differentiated need not be last: backward returns None for them
    y = _randn(4, seed=8)
    w = _randn(4, seed=9).requires_grad_()
    dot = autograd_function(lambda y, w: ((y * w).sum(), y), lambda dout, y: (None, dout * y))
    assert gradcheck(dot, (y, w))
