"""Tests for labkit.datasets: XOR, two moons and the 1-D regression set, from their definitions."""

from __future__ import annotations

import math
import random

import pytest
import torch

from labkit.datasets import regression_1d, regression_1d_target, two_moons, xor


def _rng_states():
    return torch.get_rng_state(), random.getstate()


def _assert_rng_untouched(before) -> None:
    torch_state, python_state = before
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert random.getstate() == python_state


# ------------------------------------------------------------------------ XOR


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_xor_is_the_truth_table(dtype) -> None:
    X, y = xor(dtype)
    assert X.shape == (4, 2) and y.shape == (4, 1)
    assert X.dtype == y.dtype == dtype
    assert {tuple(row) for row in X.tolist()} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    expected = (X[:, 0] != X[:, 1]).to(dtype)  # x1 XOR x2
    assert torch.equal(y[:, 0], expected)


# ------------------------------------------------------------------ two moons


@pytest.mark.parametrize("n_samples", [2, 3, 100, 201])
def test_two_moons_shapes_dtypes_and_balance(n_samples) -> None:
    X, y = two_moons(n_samples, noise=0.1, seed=0)
    assert X.shape == (n_samples, 2) and X.dtype == torch.float32
    assert y.shape == (n_samples,) and y.dtype == torch.int64
    # the upper moon gets the smaller half of an odd count
    assert y.bincount(minlength=2).tolist() == [n_samples // 2, n_samples - n_samples // 2]


def test_two_moons_is_shuffled() -> None:
    _, y = two_moons(100, seed=0)
    assert 0 < y[:50].sum() < 50


def test_two_moons_is_deterministic_per_seed() -> None:
    X1, y1 = two_moons(50, noise=0.2, seed=7)
    X2, y2 = two_moons(50, noise=0.2, seed=7)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    X3, _ = two_moons(50, noise=0.2, seed=8)
    assert not torch.equal(X1, X3)


def test_two_moons_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(123)
    random.seed(123)
    before = _rng_states()
    two_moons(64, noise=0.3, seed=5)
    _assert_rng_untouched(before)


@pytest.mark.parametrize("n_samples", [2, 7, 40])
def test_two_moons_without_noise_lies_exactly_on_the_arcs(n_samples) -> None:
    X, y = two_moons(n_samples, noise=0.0, seed=3)
    X = X.double()  # float32 points: compare at float32's resolution
    # upper moon (cos t, sin t) and lower moon (1 - cos t, 0.5 - sin t), t in [0, π]
    for cos_sin, n in (
        (X[y == 0], n_samples // 2),
        (X.new_tensor([1.0, 0.5]) - X[y == 1], n_samples - n_samples // 2),
    ):
        radius = cos_sin.square().sum(1).sqrt()
        torch.testing.assert_close(radius, torch.ones(n, dtype=torch.float64), atol=1e-6, rtol=0)
        assert (cos_sin[:, 1] >= 0).all()
        # the angles are evenly spaced over [0, π], both ends included
        t = torch.sort(torch.atan2(cos_sin[:, 1], cos_sin[:, 0])).values
        torch.testing.assert_close(t, torch.linspace(0, math.pi, n, dtype=torch.float64), atol=1e-6, rtol=0)


def test_two_moons_noise_is_gaussian_with_the_given_std() -> None:
    # the same seed draws the same noise and permutation whatever its scale
    clean, y0 = two_moons(4000, noise=0.0, seed=1)
    noisy, y1 = two_moons(4000, noise=0.25, seed=1)
    assert torch.equal(y0, y1)
    z = (noisy - clean) / 0.25
    assert abs(z.mean().item()) < 0.05
    assert abs(z.std().item() - 1) < 0.05


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_samples": 0}, ValueError, "n_samples must be a positive integer, got 0"),
        ({"n_samples": 1}, ValueError, "n_samples must be at least 2, got 1"),
        ({"n_samples": 2.5}, ValueError, "n_samples must be a positive integer, got 2.5"),
        ({"n_samples": True}, ValueError, "n_samples must be a positive integer, got True"),
        ({"noise": -0.1}, ValueError, "noise must be >= 0, got -0.1"),
        ({"noise": float("nan")}, ValueError, "noise must be finite"),
        ({"noise": "0.1"}, TypeError, "noise must be a number, got str"),
        ({"seed": -1}, ValueError, "seed must be a non-negative integer, got -1"),
        ({"seed": 1.5}, ValueError, "seed must be a non-negative integer, got 1.5"),
    ],
)
def test_two_moons_rejects_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        two_moons(**kwargs)


# --------------------------------------------------------------- 1-D regression


@pytest.mark.parametrize("n_train, n_test", [(1, 1), (20, 50), (50, 200)])
def test_regression_1d_shapes_dtypes_and_sorted_inputs(n_train, n_test) -> None:
    X, y, X_test, y_test = regression_1d(n_train, n_test, seed=2)
    assert X.shape == (n_train, 1) and y.shape == (n_train,)
    assert X_test.shape == (n_test, 1) and y_test.shape == (n_test,)
    for t in (X, y, X_test, y_test):
        assert t.dtype == torch.float32
    for inputs in (X[:, 0], X_test[:, 0]):
        assert (inputs[1:] >= inputs[:-1]).all()
        assert inputs.min() >= -3 and inputs.max() <= 3


def test_regression_1d_target_plus_noise() -> None:
    X, y, X_test, y_test = regression_1d(3000, 3000, noise=0.0, seed=4)
    torch.testing.assert_close(y, regression_1d_target(X[:, 0]))
    torch.testing.assert_close(y_test, regression_1d_target(X_test[:, 0]))
    # the noise is drawn after the inputs: the same seed gives the same inputs at every scale
    X_noisy, y_noisy, X_test_noisy, y_test_noisy = regression_1d(3000, 3000, noise=0.5, seed=4)
    assert torch.equal(X, X_noisy) and torch.equal(X_test, X_test_noisy)
    for residual in (y_noisy - y, y_test_noisy - y_test):
        assert abs(residual.mean().item()) < 0.05
        assert abs(residual.std().item() - 0.5) < 0.03


def test_regression_1d_test_set_is_drawn_after_the_training_set() -> None:
    X, _, X_test, _ = regression_1d(30, 30, seed=0)
    assert not torch.equal(X, X_test)
    # one generator draws both: one more training point moves the test set
    _, _, X_test_more, _ = regression_1d(31, 30, seed=0)
    assert not torch.equal(X_test, X_test_more)


def test_regression_1d_is_deterministic_per_seed_and_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(321)
    random.seed(321)
    before = _rng_states()
    first = regression_1d(25, 40, seed=9)
    again = regression_1d(25, 40, seed=9)
    _assert_rng_untouched(before)
    for a, b in zip(first, again):
        assert torch.equal(a, b)
    assert not torch.equal(first[1], regression_1d(25, 40, seed=10)[1])


def test_regression_1d_target_values() -> None:
    x = torch.tensor([0.0, math.pi / 4, -math.pi / 2, 3.0], dtype=torch.float64)
    expected = torch.tensor([0.0, 1 + math.pi / 8, -math.pi / 4, math.sin(6) + 1.5], dtype=torch.float64)
    torch.testing.assert_close(regression_1d_target(x), expected)
    assert regression_1d_target(torch.zeros(2, 3)).shape == (2, 3)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_train": 0}, ValueError, "n_train must be a positive integer, got 0"),
        ({"n_test": -5}, ValueError, "n_test must be a positive integer, got -5"),
        ({"n_train": 10.0}, ValueError, "n_train must be a positive integer, got 10.0"),
        ({"noise": -1}, ValueError, "noise must be >= 0, got -1"),
        ({"noise": None}, TypeError, "noise must be a number, got NoneType"),
        ({"seed": -3}, ValueError, "seed must be a non-negative integer, got -3"),
        ({"seed": "0"}, ValueError, "seed must be a non-negative integer, got '0'"),
    ],
)
def test_regression_1d_rejects_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        regression_1d(**kwargs)


def test_regression_1d_target_rejects_non_float_input() -> None:
    with pytest.raises(TypeError, match="x must have a floating-point dtype, got torch.int64"):
        regression_1d_target(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got list"):
        regression_1d_target([1.0])
