"""Tests for labkit.layers: every backward pass against finite differences and autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

from labkit import layers

SHAPES_2D = [(1, 1), (3, 5), (7, 2), (16, 4)]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed), dtype=torch.float64)


# A tiny autograd.Function per layer, so that gradcheck compares the
# hand-written backward pass (used as the analytical gradient) with finite
# differences of the hand-written forward pass.


class _Linear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):  # type: ignore[override]
        out, cache = layers.linear_forward(X, W, b)
        ctx.cache = cache
        return out

    @staticmethod
    def backward(ctx, dout):  # type: ignore[override]
        return layers.linear_backward(dout, ctx.cache)


class _ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X):  # type: ignore[override]
        out, ctx.cache = layers.relu_forward(X)
        return out

    @staticmethod
    def backward(ctx, dout):  # type: ignore[override]
        return layers.relu_backward(dout, ctx.cache)


class _Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X):  # type: ignore[override]
        out, ctx.cache = layers.sigmoid_forward(X)
        return out

    @staticmethod
    def backward(ctx, dout):  # type: ignore[override]
        return layers.sigmoid_backward(dout, ctx.cache)


class _SoftmaxCE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits, y):  # type: ignore[override]
        loss, ctx.cache = layers.softmax_cross_entropy_forward(logits, y)
        return loss

    @staticmethod
    def backward(ctx, dloss):  # type: ignore[override]
        return layers.softmax_cross_entropy_backward(ctx.cache, dloss), None


class _MSE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y_hat, y):  # type: ignore[override]
        loss, ctx.cache = layers.mse_forward(y_hat, y)
        return loss

    @staticmethod
    def backward(ctx, dloss):  # type: ignore[override]
        return layers.mse_backward(ctx.cache, dloss), None


# ------------------------------------------------------------------ gradcheck


@pytest.mark.parametrize("N, num_inputs, num_outputs", [(1, 1, 1), (4, 3, 2), (5, 7, 3), (2, 6, 9)])
def test_linear_gradcheck(N: int, num_inputs: int, num_outputs: int) -> None:
    X = _randn(N, num_inputs, seed=1).requires_grad_()
    W = _randn(num_inputs, num_outputs, seed=2).requires_grad_()
    b = _randn(num_outputs, seed=3).requires_grad_()
    assert gradcheck(_Linear.apply, (X, W, b))


@pytest.mark.parametrize("shape", SHAPES_2D + [(2, 3, 4)])
def test_relu_gradcheck(shape: tuple[int, ...]) -> None:
    X = _randn(*shape, seed=4)
    # finite differences are wrong at a kink: keep every entry away from 0
    X = (X + 0.1 * X.sign()).requires_grad_()
    assert gradcheck(_ReLU.apply, (X,))


@pytest.mark.parametrize("shape", SHAPES_2D + [(2, 3, 4)])
def test_sigmoid_gradcheck(shape: tuple[int, ...]) -> None:
    X = (3 * _randn(*shape, seed=5)).requires_grad_()
    assert gradcheck(_Sigmoid.apply, (X,))


@pytest.mark.parametrize("N, num_classes", [(1, 2), (4, 3), (9, 5), (3, 10)])
def test_softmax_cross_entropy_gradcheck(N: int, num_classes: int) -> None:
    logits = (2 * _randn(N, num_classes, seed=6)).requires_grad_()
    y = torch.randint(num_classes, (N,), generator=_gen(7))
    assert gradcheck(_SoftmaxCE.apply, (logits, y))


@pytest.mark.parametrize("shape", SHAPES_2D + [(5,)])
def test_mse_gradcheck(shape: tuple[int, ...]) -> None:
    y_hat = _randn(*shape, seed=8).requires_grad_()
    y = _randn(*shape, seed=9)
    assert gradcheck(_MSE.apply, (y_hat, y))


def test_two_layer_network_matches_autograd() -> None:
    """The chained backward passes give autograd's gradients for a whole network."""
    X = _randn(6, 4, seed=10)
    y = torch.tensor([0, 2, 1, 2, 0, 1])
    W1 = _randn(4, 5, seed=11).requires_grad_()
    b1 = _randn(5, seed=12).requires_grad_()
    W2 = _randn(5, 3, seed=13).requires_grad_()
    b2 = _randn(3, seed=14).requires_grad_()

    z1, lin1 = layers.linear_forward(X, W1, b1)
    a1, act1 = layers.relu_forward(z1)
    z2, lin2 = layers.linear_forward(a1, W2, b2)
    loss, ce = layers.softmax_cross_entropy_forward(z2, y)
    dz2 = layers.softmax_cross_entropy_backward(ce)
    da1, dW2, db2 = layers.linear_backward(dz2, lin2)
    dz1 = layers.relu_backward(da1, act1)
    _, dW1, db1 = layers.linear_backward(dz1, lin1)

    F.cross_entropy(torch.relu(X @ W1 + b1) @ W2 + b2, y).backward()
    for manual, param in [(dW1, W1), (db1, b1), (dW2, W2), (db2, b2)]:
        torch.testing.assert_close(manual, param.grad)


# --------------------------------------------------- forward against built-ins


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_forwards_match_torch(dtype: torch.dtype) -> None:
    X = _randn(5, 3, seed=15).to(dtype)
    W = _randn(3, 4, seed=16).to(dtype)
    b = _randn(4, seed=17).to(dtype)
    out, _ = layers.linear_forward(X, W, b)
    torch.testing.assert_close(out, F.linear(X, W.T, b))
    torch.testing.assert_close(layers.relu_forward(X)[0], torch.relu(X))
    torch.testing.assert_close(layers.sigmoid_forward(X)[0], torch.sigmoid(X))
    y = torch.tensor([1, 0, 3, 3, 2])
    torch.testing.assert_close(layers.softmax_cross_entropy_forward(out, y)[0], F.cross_entropy(out, y))
    torch.testing.assert_close(layers.mse_forward(out, torch.zeros_like(out))[0], F.mse_loss(out, torch.zeros_like(out)))


def test_softmax_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 10.0]])
    y = torch.tensor([0, 2])
    loss, cache = layers.softmax_cross_entropy_forward(logits, y)
    assert torch.isfinite(loss)
    torch.testing.assert_close(loss, F.cross_entropy(logits, y))
    assert torch.isfinite(layers.softmax_cross_entropy_backward(cache)).all()


def test_softmax_cross_entropy_backward_is_probs_minus_one_hot() -> None:
    logits = _randn(4, 3, seed=18)
    y = torch.tensor([2, 0, 1, 1])
    _, cache = layers.softmax_cross_entropy_forward(logits, y)
    expected = (torch.softmax(logits, dim=1) - F.one_hot(y, 3).double()) / 4
    torch.testing.assert_close(layers.softmax_cross_entropy_backward(cache), expected)


# ----------------------------------------------------------------- clear errors


def test_linear_errors() -> None:
    X = torch.randn(4, 3)
    with pytest.raises(ValueError, match=r"W must have shape \(3, num_outputs\), got \(2, 5\)"):
        layers.linear_forward(X, torch.randn(2, 5), torch.randn(5))
    with pytest.raises(ValueError, match=r"b must have shape \(5,\), got \(4,\)"):
        layers.linear_forward(X, torch.randn(3, 5), torch.randn(4))
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got 1"):
        layers.linear_forward(torch.randn(3), torch.randn(3, 5), torch.randn(5))
    with pytest.raises(TypeError, match="X must have a floating-point dtype, got torch.int64"):
        layers.linear_forward(torch.ones(4, 3, dtype=torch.int64), torch.randn(3, 5), torch.randn(5))
    with pytest.raises(TypeError, match="W must have dtype torch.float32, got torch.float64"):
        layers.linear_forward(X, torch.randn(3, 5, dtype=torch.float64), torch.randn(5))
    _, cache = layers.linear_forward(X, torch.randn(3, 5), torch.randn(5))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(4, 5\), got \(5, 4\)"):
        layers.linear_backward(torch.randn(5, 4), cache)


def test_activation_errors() -> None:
    with pytest.raises(TypeError, match="X must be a torch.Tensor, got list"):
        layers.relu_forward([1.0, -1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="X must have a floating-point dtype"):
        layers.sigmoid_forward(torch.arange(3))
    _, cache = layers.sigmoid_forward(torch.randn(2, 3))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(2, 3\)"):
        layers.sigmoid_backward(torch.randn(3, 2), cache)
    _, cache = layers.relu_forward(torch.randn(2, 3))
    with pytest.raises(TypeError, match="dout must have a floating-point dtype"):
        layers.relu_backward(torch.ones(2, 3, dtype=torch.int64), cache)


def test_softmax_cross_entropy_errors() -> None:
    logits = torch.randn(3, 4)
    with pytest.raises(TypeError, match="y must have dtype torch.int64, got torch.float32"):
        layers.softmax_cross_entropy_forward(logits, torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="y must have dtype torch.int64, got torch.int32"):
        layers.softmax_cross_entropy_forward(logits, torch.tensor([0, 1, 2], dtype=torch.int32))
    with pytest.raises(ValueError, match=r"y must have shape \(3,\), got \(2,\)"):
        layers.softmax_cross_entropy_forward(logits, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"y must hold class indices in \[0, 3\], got values from 0 to 4"):
        layers.softmax_cross_entropy_forward(logits, torch.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match=r"y must hold class indices in \[0, 3\], got values from -1"):
        layers.softmax_cross_entropy_forward(logits, torch.tensor([0, -1, 1]))
    with pytest.raises(TypeError, match="logits must have a floating-point dtype"):
        layers.softmax_cross_entropy_forward(torch.ones(3, 4, dtype=torch.int64), torch.tensor([0, 1, 2]))
    _, cache = layers.softmax_cross_entropy_forward(logits, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="dloss must be a number or a 0-dim tensor"):
        layers.softmax_cross_entropy_backward(cache, torch.ones(3))


def test_mse_errors() -> None:
    with pytest.raises(ValueError, match=r"y_hat and y must have the same shape, got \(3,\) and \(3, 1\)"):
        layers.mse_forward(torch.randn(3), torch.randn(3, 1))
    with pytest.raises(TypeError, match="y must have dtype torch.float32, got torch.int64"):
        layers.mse_forward(torch.randn(3), torch.arange(3))
    _, cache = layers.mse_forward(torch.randn(3), torch.randn(3))
    with pytest.raises(TypeError, match="dloss must be a number or a 0-dim tensor, got str"):
        layers.mse_backward(cache, "1")  # type: ignore[arg-type]
