"""Tests for labkit.layers: every backward pass against finite differences and autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

from labkit import layers
from tests.handwritten import autograd_function

SHAPES_2D = [(1, 1), (3, 5), (7, 2), (16, 4)]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed), dtype=torch.float64)


# gradcheck differentiates each hand-written forward with its hand-written backward
_linear = autograd_function(layers.linear_forward, layers.linear_backward)
_relu = autograd_function(layers.relu_forward, layers.relu_backward)
_sigmoid = autograd_function(layers.sigmoid_forward, layers.sigmoid_backward)
_softmax_ce = autograd_function(
    layers.softmax_cross_entropy_forward,
    lambda dloss, cache: layers.softmax_cross_entropy_backward(cache, dloss),
    num_constants=1,
)
_mse = autograd_function(
    layers.mse_forward, lambda dloss, cache: layers.mse_backward(cache, dloss), num_constants=1
)


# ------------------------------------------------------------------ gradcheck


@pytest.mark.parametrize("N, num_inputs, num_outputs", [(1, 1, 1), (4, 3, 2), (5, 7, 3), (2, 6, 9)])
def test_linear_gradcheck(N: int, num_inputs: int, num_outputs: int) -> None:
    X = _randn(N, num_inputs, seed=1).requires_grad_()
    W = _randn(num_outputs, num_inputs, seed=2).requires_grad_()  # nn.Linear's (out, in)
    b = _randn(num_outputs, seed=3).requires_grad_()
    assert gradcheck(_linear, (X, W, b))


@pytest.mark.parametrize("shape", SHAPES_2D + [(2, 3, 4)])
def test_relu_gradcheck(shape: tuple[int, ...]) -> None:
    X = _randn(*shape, seed=4)
    # finite differences are wrong at a kink: keep every entry away from 0
    X = (X + 0.1 * X.sign()).requires_grad_()
    assert gradcheck(_relu, (X,))


@pytest.mark.parametrize("shape", SHAPES_2D + [(2, 3, 4)])
def test_sigmoid_gradcheck(shape: tuple[int, ...]) -> None:
    X = (3 * _randn(*shape, seed=5)).requires_grad_()
    assert gradcheck(_sigmoid, (X,))


@pytest.mark.parametrize("N, num_classes", [(1, 2), (4, 3), (9, 5), (3, 10)])
def test_softmax_cross_entropy_gradcheck(N: int, num_classes: int) -> None:
    logits = (2 * _randn(N, num_classes, seed=6)).requires_grad_()
    y = torch.randint(num_classes, (N,), generator=_gen(7))
    assert gradcheck(_softmax_ce, (logits, y))


@pytest.mark.parametrize("shape", SHAPES_2D + [(5,)])
def test_mse_gradcheck(shape: tuple[int, ...]) -> None:
    y_hat = _randn(*shape, seed=8).requires_grad_()
    y = _randn(*shape, seed=9)
    assert gradcheck(_mse, (y_hat, y))


def test_two_layer_network_matches_autograd() -> None:
    """The chained backward passes give autograd's gradients for a whole network."""
    X = _randn(6, 4, seed=10)
    y = torch.tensor([0, 2, 1, 2, 0, 1])
    W1 = _randn(5, 4, seed=11).requires_grad_()
    b1 = _randn(5, seed=12).requires_grad_()
    W2 = _randn(3, 5, seed=13).requires_grad_()
    b2 = _randn(3, seed=14).requires_grad_()

    z1, lin1 = layers.linear_forward(X, W1, b1)
    a1, act1 = layers.relu_forward(z1)
    z2, lin2 = layers.linear_forward(a1, W2, b2)
    loss, ce = layers.softmax_cross_entropy_forward(z2, y)
    dz2 = layers.softmax_cross_entropy_backward(ce)
    da1, dW2, db2 = layers.linear_backward(dz2, lin2)
    dz1 = layers.relu_backward(da1, act1)
    _, dW1, db1 = layers.linear_backward(dz1, lin1)

    F.cross_entropy(F.linear(torch.relu(F.linear(X, W1, b1)), W2, b2), y).backward()
    for manual, param in [(dW1, W1), (db1, b1), (dW2, W2), (db2, b2)]:
        torch.testing.assert_close(manual, param.grad)


def test_linear_uses_nn_linear_weights() -> None:
    """``nn.Linear``'s own weight and bias go in unchanged, and the gradients match its own."""
    torch.manual_seed(0)
    module = torch.nn.Linear(3, 2).double()
    X = _randn(4, 3, seed=15)
    out, cache = layers.linear_forward(X, module.weight.detach(), module.bias.detach())
    torch.testing.assert_close(out, module(X).detach())
    dout = _randn(4, 2, seed=16)
    module(X).backward(dout)
    _, dW, db = layers.linear_backward(dout, cache)
    torch.testing.assert_close(dW, module.weight.grad)
    torch.testing.assert_close(db, module.bias.grad)


# --------------------------------------------------- forward against built-ins


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_forwards_match_torch(dtype: torch.dtype) -> None:
    X = _randn(5, 3, seed=15).to(dtype)
    W = _randn(4, 3, seed=16).to(dtype)
    b = _randn(4, seed=17).to(dtype)
    out, _ = layers.linear_forward(X, W, b)
    torch.testing.assert_close(out, F.linear(X, W, b))
    torch.testing.assert_close(layers.relu_forward(X)[0], torch.relu(X))
    torch.testing.assert_close(layers.sigmoid_forward(X)[0], torch.sigmoid(X))
    y = torch.tensor([1, 0, 3, 3, 2])
    torch.testing.assert_close(layers.softmax_cross_entropy_forward(out, y)[0], F.cross_entropy(out, y))
    zeros = torch.zeros_like(out)
    torch.testing.assert_close(layers.mse_forward(out, zeros)[0], F.mse_loss(out, zeros))


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
    with pytest.raises(ValueError, match=r"W must have shape \(num_outputs, 3\), got \(5, 2\)"):
        layers.linear_forward(X, torch.randn(5, 2), torch.randn(5))
    with pytest.raises(ValueError, match=r"b must have shape \(5,\), got \(4,\)"):
        layers.linear_forward(X, torch.randn(5, 3), torch.randn(4))
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got 1"):
        layers.linear_forward(torch.randn(3), torch.randn(5, 3), torch.randn(5))
    with pytest.raises(TypeError, match="X must have a floating-point dtype, got torch.int64"):
        layers.linear_forward(torch.ones(4, 3, dtype=torch.int64), torch.randn(5, 3), torch.randn(5))
    with pytest.raises(TypeError, match="W must have dtype torch.float32, got torch.float64"):
        layers.linear_forward(X, torch.randn(5, 3, dtype=torch.float64), torch.randn(5))
    _, cache = layers.linear_forward(X, torch.randn(5, 3), torch.randn(5))
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(4, 5\), got \(5, 4\)"):
        layers.linear_backward(torch.randn(5, 4), cache)


def test_mixed_dtypes_in_backward_passes_are_clear_errors() -> None:
    X = torch.randn(4, 3)
    _, cache = layers.linear_forward(X, torch.randn(5, 3), torch.randn(5))
    with pytest.raises(TypeError, match=r"dout must have the dtype of the forward pass \(torch.float32\), "
                                        r"got torch.float64: do not mix float32 and float64"):
        layers.linear_backward(torch.randn(4, 5, dtype=torch.float64), cache)
    _, cache = layers.relu_forward(X)
    with pytest.raises(TypeError, match="dout must have the dtype of the forward pass"):
        layers.relu_backward(X.double(), cache)
    _, cache = layers.sigmoid_forward(X.double())
    with pytest.raises(TypeError, match="dout must have the dtype of the forward pass"):
        layers.sigmoid_backward(X, cache)
    _, cache = layers.softmax_cross_entropy_forward(X, torch.tensor([0, 1, 2, 0]))
    with pytest.raises(TypeError, match=r"dloss must have the dtype of the forward pass \(torch.float32\)"):
        layers.softmax_cross_entropy_backward(cache, torch.tensor(1.0, dtype=torch.float64))


@pytest.mark.parametrize("bad", [None, [torch.ones(2, 3), torch.ones(4, 3)], torch.ones(2, 3)])
def test_wrong_cache_is_a_clear_error(bad) -> None:
    dout = torch.ones(2, 4)
    with pytest.raises(TypeError, match="cache must be the LinearCache returned by linear_forward"):
        layers.linear_backward(dout, bad)
    with pytest.raises(TypeError, match="cache must be the SoftmaxCECache returned by softmax_cross_entropy_forward"):
        layers.softmax_cross_entropy_backward(bad)


@pytest.mark.parametrize("bad", [None, [1.0, 2.0], torch.arange(3)])
def test_wrong_tensor_cache_is_a_clear_error(bad) -> None:
    dout = torch.ones(3)
    with pytest.raises(TypeError, match="cache must be the floating-point tensor returned by relu_forward"):
        layers.relu_backward(dout, bad)
    with pytest.raises(TypeError, match="cache must be the floating-point tensor returned by sigmoid_forward"):
        layers.sigmoid_backward(dout, bad)
    with pytest.raises(TypeError, match="cache must be the floating-point tensor returned by mse_forward"):
        layers.mse_backward(bad)


def test_a_cache_from_another_layer_is_rejected() -> None:
    logits = torch.randn(2, 3)
    _, ce_cache = layers.softmax_cross_entropy_forward(logits, torch.tensor([0, 2]))
    with pytest.raises(TypeError, match="LinearCache returned by linear_forward, got SoftmaxCECache"):
        layers.linear_backward(torch.ones(2, 3), ce_cache)


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
    with pytest.raises(ValueError, match=r"logits must hold at least one example \(N >= 1\)"):
        layers.softmax_cross_entropy_forward(torch.ones(0, 4), torch.zeros(0, dtype=torch.int64))
    _, cache = layers.softmax_cross_entropy_forward(logits, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="dloss must be a number or a 0-dim tensor"):
        layers.softmax_cross_entropy_backward(cache, torch.ones(3))


def test_mse_errors() -> None:
    with pytest.raises(ValueError, match=r"y_hat and y must have the same shape, got \(3,\) and \(3, 1\)"):
        layers.mse_forward(torch.randn(3), torch.randn(3, 1))
    with pytest.raises(TypeError, match="y must have dtype torch.float32, got torch.int64"):
        layers.mse_forward(torch.randn(3), torch.arange(3))
    with pytest.raises(ValueError, match=r"y_hat must hold at least one element, got shape \(0,\)"):
        layers.mse_forward(torch.randn(0), torch.randn(0))
    _, cache = layers.mse_forward(torch.randn(3), torch.randn(3))
    with pytest.raises(TypeError, match="dloss must be a number or a 0-dim tensor, got str"):
        layers.mse_backward(cache, "1")  # type: ignore[arg-type]
