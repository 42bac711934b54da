"""Tests for labkit.activations: values against torch's built-ins, derivatives against autograd."""

from __future__ import annotations

import pytest
import torch

from labkit.activations import (
    ACTIVATIONS,
    get_activation,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from tests.handwritten import autograd_function

SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4)]
BUILTINS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
NAMES = list(ACTIVATIONS)


def _random(shape: tuple[int, ...], dtype: torch.dtype = torch.float64, seed: int = 0) -> torch.Tensor:
    """Random, non-symmetric input: a shifted, scaled normal (mean 0.3, std 2)."""
    g = torch.Generator().manual_seed(seed)
    return 0.3 + 2 * torch.randn(shape, generator=g, dtype=dtype)


def _away_from_zero(z: torch.Tensor) -> torch.Tensor:
    """Push every point at least 0.2 from the ReLU kink so finite differences never straddle it."""
    return z + 0.2 * torch.where(z >= 0, 1.0, -1.0).to(z.dtype)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_matches_builtin(name: str, shape: tuple[int, ...], dtype: torch.dtype) -> None:
    f, _ = get_activation(name)
    z = _random(shape, dtype)
    out = f(z)
    assert out.shape == z.shape
    assert out.dtype == dtype
    torch.testing.assert_close(out, BUILTINS[name](z))


@pytest.mark.parametrize("name", NAMES)
def test_large_inputs_are_stable(name: str) -> None:
    f, f_grad = get_activation(name)
    z = torch.tensor([-1e30, -1000.0, -89.0, -20.0, 20.0, 89.0, 1000.0, 1e30, 3e38])
    out = f(z)
    grad = f_grad(z)
    assert torch.isfinite(out).all() and torch.isfinite(grad).all()
    torch.testing.assert_close(out, BUILTINS[name](z))
    # autograd through the hand-written forward must not produce nan either
    zr = z.clone().requires_grad_()
    (g,) = torch.autograd.grad(f(zr).sum(), zr)
    assert torch.isfinite(g).all()


def test_tails_keep_their_digits() -> None:
    z = torch.tensor([10.0, 20.0, 40.0])
    # float32 would round 1 - σ(z) to 0 for z = 20; σ(z)σ(-z) stays accurate
    expected = torch.sigmoid(z.double()) * torch.sigmoid(-z.double())
    torch.testing.assert_close(sigmoid_grad(z).double(), expected, rtol=1e-5, atol=0)
    expected_tanh = 1 / torch.cosh(z.double()) ** 2
    torch.testing.assert_close(tanh_grad(z).double(), expected_tanh, rtol=1e-5, atol=0)
    # tanh near 0 keeps relative precision (no 2σ(2z) - 1 cancellation)
    small = torch.tensor([1e-10, -3e-8])
    torch.testing.assert_close(tanh(small), small, rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_nan_propagates(name: str) -> None:
    f, _ = get_activation(name)
    assert torch.isnan(f(torch.tensor([float("nan")]))).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES)
def test_gradcheck(name: str, shape: tuple[int, ...]) -> None:
    z = _random(shape, seed=len(shape) + 1)
    if name == "relu":
        z = _away_from_zero(z)
    z.requires_grad_()
    f, f_grad = get_activation(name)
    # gradcheck differentiates f with the hand-written f_grad
    fn = autograd_function(lambda z: (f(z), z), lambda dout, z: dout * f_grad(z))
    assert torch.autograd.gradcheck(fn, (z,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES)
def test_grad_matches_autograd_of_builtin(name: str, shape: tuple[int, ...]) -> None:
    _, f_grad = get_activation(name)
    z = _random(shape, seed=7)
    if name == "relu":
        z = _away_from_zero(z)
    zr = z.clone().requires_grad_()
    (expected,) = torch.autograd.grad(BUILTINS[name](zr).sum(), zr)
    grad = f_grad(z)
    assert grad.shape == z.shape
    torch.testing.assert_close(grad, expected)


@pytest.mark.parametrize("name", NAMES)
def test_autograd_through_forward_matches_grad(name: str) -> None:
    f, f_grad = get_activation(name)
    z = torch.tensor([-4.0, -0.5, 0.0, 0.5, 4.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(z).sum(), z)
    torch.testing.assert_close(g, f_grad(z.detach()))


def test_known_values() -> None:
    z = torch.tensor([0.0])
    assert sigmoid(z).item() == 0.5
    assert sigmoid_grad(z).item() == 0.25
    assert tanh(z).item() == 0.0
    assert tanh_grad(z).item() == 1.0
    assert relu(z).item() == 0.0
    assert relu_grad(z).item() == 0.0
    assert relu_grad(torch.tensor([-2.0, 3.0])).tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    "fn", [sigmoid, sigmoid_grad, tanh, tanh_grad, relu, relu_grad], ids=lambda fn: fn.__name__
)
def test_rejects_integer_tensor(fn) -> None:
    with pytest.raises(TypeError, match=r"z must have a floating-point dtype, got torch.int64"):
        fn(torch.tensor([1, 2, 3]))


@pytest.mark.parametrize("fn", [sigmoid, relu_grad], ids=lambda fn: fn.__name__)
def test_rejects_non_tensor(fn) -> None:
    with pytest.raises(TypeError, match=r"z must be a torch.Tensor, got list"):
        fn([1.0, 2.0])


def test_get_activation() -> None:
    assert get_activation("tanh") == (tanh, tanh_grad)
    with pytest.raises(ValueError, match=r"name must be one of 'sigmoid', 'tanh', 'relu'; got 'gelu'"):
        get_activation("gelu")
