"""Tests for labkit.regression: the MSE gradient, gradient descent, its bound, the closed form."""

from __future__ import annotations

import pytest
import torch

from labkit.regression import (
    gd_fit,
    least_squares,
    max_stable_lr,
    mse_hessian,
    mse_linear,
    mse_linear_grad,
    standardize,
    unstandardize,
)
from tests.handwritten import autograd_function

SHAPES = [(1, 1), (5, 1), (7, 3), (4, 2), (9, 5)]


# mse_linear whose backward is the hand-written mse_linear_grad; the data X, y
# come first and get no gradient
_mse_with_hand_grad = autograd_function(
    lambda X, y, w, b: (mse_linear(X, y, w, b), (X, y, w, b)),
    lambda grad_out, inputs: (None, None, *(grad_out * g for g in mse_linear_grad(*inputs))),
)


def _problem(n: int, d: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64) * torch.arange(1, d + 1)
    y = torch.randn(n, generator=g, dtype=torch.float64) + 3
    w = torch.randn(d, generator=g, dtype=torch.float64)
    b = torch.randn((), generator=g, dtype=torch.float64)
    return X, y, w, b


@pytest.mark.parametrize(("n", "d"), SHAPES)
def test_mse_linear_grad_gradcheck(n, d):
    X, y, w, b = _problem(n, d)
    w.requires_grad_(True)
    b.requires_grad_(True)
    assert torch.autograd.gradcheck(_mse_with_hand_grad, (X, y, w, b))


@pytest.mark.parametrize(("n", "d"), SHAPES)
def test_mse_linear_grad_matches_autograd(n, d):
    X, y, w, b = _problem(n, d, seed=1)
    w.requires_grad_(True)
    b.requires_grad_(True)
    mse_linear(X, y, w, b).backward()
    dw, db = mse_linear_grad(X, y, w.detach(), b.detach())
    torch.testing.assert_close(dw, w.grad)
    torch.testing.assert_close(db, b.grad)


def test_sheet_two_point_example():
    # x = [2, 4], y = [20, 40], w = b = 1: e = [-17, -35], dw = -174, db = -52.
    X = torch.tensor([[2.0], [4.0]])
    y = torch.tensor([20.0, 40.0])
    dw, db = mse_linear_grad(X, y, torch.ones(1), torch.tensor(1.0))
    assert dw.item() == -174.0 and db.item() == -52.0
    w, b, losses = gd_fit(X, y, torch.ones(1), torch.tensor(1.0), lr=0.001, num_epochs=1)
    torch.testing.assert_close(w, torch.tensor([1.174]))
    torch.testing.assert_close(b, torch.tensor(1.052))
    assert losses.tolist() == [(17.0**2 + 35.0**2) / 2]


@pytest.mark.parametrize(("n", "d"), [(20, 1), (30, 3)])
def test_gd_fit_converges_to_least_squares_on_standardized_inputs(n, d):
    X, y, _, _ = _problem(n, d, seed=2)
    Z, mean, std = standardize(X)
    w0, b0 = torch.zeros(d, dtype=X.dtype), torch.zeros((), dtype=X.dtype)
    w_z, b_z, losses = gd_fit(Z, y, w0, b0, lr=0.5 * max_stable_lr(Z), num_epochs=2000)
    w, b = unstandardize(w_z, b_z, mean, std)
    w_ls, b_ls = least_squares(X, y)
    torch.testing.assert_close(w, w_ls)
    torch.testing.assert_close(b, b_ls)
    assert losses[-1] <= losses[0]
    assert w0.abs().sum() == 0  # the initial parameters are not modified


def test_max_stable_lr_is_the_divergence_threshold():
    X, y, w, b = _problem(12, 2, seed=3)
    bound = max_stable_lr(X)
    _, _, below = gd_fit(X, y, w, b, lr=0.95 * bound, num_epochs=400)
    _, _, above = gd_fit(X, y, w, b, lr=1.05 * bound, num_epochs=400)
    assert below[-1] < below[0]
    assert above[-1] > 1e3 * above[0]


def test_mse_hessian_matches_autograd():
    X, y, w, b = _problem(6, 2, seed=4)
    theta = torch.cat([w, b.reshape(1)])
    H = torch.autograd.functional.hessian(lambda t: mse_linear(X, y, t[:-1], t[-1]), theta)
    torch.testing.assert_close(mse_hessian(X), H)


def test_least_squares_solves_normal_equations():
    X, y, _, _ = _problem(10, 3, seed=5)
    w, b = least_squares(X, y)
    dw, db = mse_linear_grad(X, y, w, b)
    assert dw.abs().max() < 1e-10 and db.abs() < 1e-10


def test_standardize_and_unstandardize_round_trip():
    X, _, _, _ = _problem(8, 3, seed=6)
    Z, mean, std = standardize(X)
    torch.testing.assert_close(Z.mean(0), torch.zeros(3, dtype=X.dtype))
    torch.testing.assert_close(Z.std(0), torch.ones(3, dtype=X.dtype))
    w_z, b_z = torch.tensor([1.0, -2.0, 0.5], dtype=X.dtype), torch.tensor(0.3, dtype=X.dtype)
    w, b = unstandardize(w_z, b_z, mean, std)
    torch.testing.assert_close(X @ w + b, Z @ w_z + b_z)


def test_error_shapes():
    X, y, w, b = _problem(5, 2)
    with pytest.raises(ValueError, match=r"y must have shape \(5,\), got \(4,\)"):
        mse_linear(X, y[:4], w, b)
    with pytest.raises(ValueError, match=r"w must have shape \(2,\), got \(3,\)"):
        mse_linear_grad(X, y, torch.zeros(3, dtype=X.dtype), b)
    with pytest.raises(ValueError, match=r"b must have shape \(\), got \(1,\)"):
        mse_linear(X, y, w, b.reshape(1))
    with pytest.raises(ValueError, match="X must have 2 dimension"):
        least_squares(X[:, 0], y)


def test_error_dtype_and_options():
    X, y, w, b = _problem(5, 2)
    with pytest.raises(TypeError, match="X must have a floating-point dtype, got torch.int64"):
        mse_linear(X.long(), y, w, b)
    with pytest.raises(ValueError, match="lr must be a positive finite number, got -0.1"):
        gd_fit(X, y, w, b, lr=-0.1, num_epochs=3)
    with pytest.raises(ValueError, match="num_epochs must be a positive integer, got 0"):
        gd_fit(X, y, w, b, lr=0.1, num_epochs=0)
    with pytest.raises(ValueError, match=r"constant column\(s\) \[1\]"):
        standardize(torch.tensor([[1.0, 2.0], [3.0, 2.0]]))
    with pytest.raises(ValueError, match="at least 2 rows"):
        standardize(torch.ones(1, 2))


@pytest.mark.parametrize("lr", [True, 0, float("nan"), float("inf"), "0.1", torch.tensor(0.1)])
def test_gd_fit_rejects_bad_learning_rates(lr):
    X, y, w, b = _problem(5, 2)
    with pytest.raises(ValueError, match=r"lr must be a positive finite number, got"):
        gd_fit(X, y, w, b, lr=lr, num_epochs=3)


@pytest.mark.parametrize("num_epochs", [-3, 2.5, True, None])
def test_gd_fit_rejects_bad_epoch_counts(num_epochs):
    X, y, w, b = _problem(5, 2)
    with pytest.raises(ValueError, match="num_epochs must be a positive integer, got"):
        gd_fit(X, y, w, b, lr=0.1, num_epochs=num_epochs)


def _empty():
    X = torch.zeros(0, 2, dtype=torch.float64)
    return X, torch.zeros(0, dtype=X.dtype), torch.zeros(2, dtype=X.dtype), torch.zeros((), dtype=X.dtype)


@pytest.mark.parametrize(
    "call",
    [
        lambda X, y, w, b: mse_linear(X, y, w, b),
        lambda X, y, w, b: mse_linear_grad(X, y, w, b),
        lambda X, y, w, b: gd_fit(X, y, w, b, lr=0.1, num_epochs=2),
        lambda X, y, w, b: mse_hessian(X),
        lambda X, y, w, b: max_stable_lr(X),
        lambda X, y, w, b: least_squares(X, y),
        lambda X, y, w, b: standardize(X),
    ],
)
def test_no_data_points_is_a_clear_error(call):
    with pytest.raises(ValueError, match=r"X must hold at least one data point \(N >= 1\), got shape \(0, 2\)"):
        call(*_empty())


def test_nan_and_inf_are_reported_before_the_solver():
    X, y, _, _ = _problem(6, 2)
    X_nan = X.clone()
    X_nan[1, 0] = float("nan")
    with pytest.raises(ValueError, match="X must be finite, got 1 NaN or infinite value"):
        least_squares(X_nan, y)
    y_inf = y.clone()
    y_inf[0] = float("inf")
    with pytest.raises(ValueError, match="y must be finite, got 1 NaN or infinite value"):
        least_squares(X, y_inf)
    with pytest.raises(ValueError, match="X must be finite"):
        max_stable_lr(X_nan)
    with pytest.raises(ValueError, match="X must be finite"):
        standardize(X_nan)


@pytest.mark.parametrize("bad", ["y", "w", "b"])
def test_mixed_float32_float64_is_a_clear_error(bad):
    args = dict(zip("Xywb", _problem(5, 2)))
    args[bad] = args[bad].float()
    match = rf"{bad} must have the dtype of X \(torch.float64\), got torch.float32"
    for fn in (mse_linear, mse_linear_grad):
        with pytest.raises(TypeError, match=match):
            fn(args["X"], args["y"], args["w"], args["b"])
    with pytest.raises(TypeError, match=match):
        gd_fit(args["X"], args["y"], args["w"], args["b"], lr=0.1, num_epochs=1)
    if bad == "y":
        with pytest.raises(TypeError, match=match):
            least_squares(args["X"], args["y"])


def test_unstandardize_mixed_dtypes():
    w_z = torch.tensor([1.0, 2.0], dtype=torch.float64)
    with pytest.raises(TypeError, match=r"std must have the dtype of w_z \(torch.float64\), got torch.float32"):
        unstandardize(w_z, torch.tensor(0.0, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), torch.ones(2))


def test_mse_linear_is_the_layers_mse():
    from labkit.layers import mse_forward

    X, y, w, b = _problem(7, 3, seed=8)
    assert torch.equal(mse_linear(X, y, w, b), mse_forward(X @ w + b, y)[0])
