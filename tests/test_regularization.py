"""Tests for labkit.regularization: dropout and batch norm against torch, backward passes by gradcheck."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.autograd import gradcheck

from labkit import regularization as reg
from tests.handwritten import autograd_function

BN_SHAPES = [(2, 1), (5, 3), (16, 4), (7, 10)]


def _randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _bn_params(D: int, dtype: torch.dtype = torch.float64):
    gamma = 1 + 0.5 * _randn(D, seed=21, dtype=dtype)
    beta = _randn(D, seed=22, dtype=dtype)
    running_mean = _randn(D, seed=23, dtype=dtype)
    running_var = 0.5 + _randn(D, seed=24, dtype=dtype).abs()
    return gamma, beta, running_mean, running_var


# Each forward differentiated by its hand-written backward, for gradcheck. Dropout
# draws its mask from a fresh generator with a fixed seed: the same mask at every
# call gradcheck makes. Batch norm gets copies of the running statistics, so that
# they do not drift between gradcheck's calls.
_dropout = autograd_function(
    lambda X, p: reg.dropout_forward(X, p, True, torch.Generator().manual_seed(0)),
    reg.dropout_backward,
    num_constants=1,
)
_batchnorm = autograd_function(
    lambda X, gamma, beta, running_mean, running_var, training: reg.batchnorm_forward(
        X, gamma, beta, running_mean.clone(), running_var.clone(), training
    ),
    reg.batchnorm_backward,
    num_constants=3,
)


# ------------------------------------------------------------------ gradcheck


@pytest.mark.parametrize("shape", [(1,), (4, 3), (2, 3, 5), (16, 8)])
@pytest.mark.parametrize("p", [0.0, 0.3, 0.8])
def test_dropout_gradcheck(shape, p) -> None:
    X = _randn(*shape, seed=1).requires_grad_()
    assert gradcheck(_dropout, (X, p))


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(shape, training) -> None:
    N, D = shape
    X = (3 * _randn(N, D, seed=2) + 1).requires_grad_()
    gamma, beta, running_mean, running_var = _bn_params(D)
    assert gradcheck(
        _batchnorm,
        (X, gamma.requires_grad_(), beta.requires_grad_(), running_mean, running_var, training),
    )


def test_batchnorm_backward_matches_autograd() -> None:
    X = (2 * _randn(9, 4, seed=3) - 1).requires_grad_()
    gamma, beta, running_mean, running_var = _bn_params(4)
    gamma.requires_grad_()
    beta.requires_grad_()
    out, cache = reg.batchnorm_forward(X, gamma, beta, running_mean, running_var, True)
    dout = _randn(9, 4, seed=4)
    out.backward(dout)
    for manual, param in zip(reg.batchnorm_backward(dout, cache), (X, gamma, beta)):
        torch.testing.assert_close(manual, param.grad)


# ------------------------------------------------- batch norm against torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batchnorm_matches_torch_over_several_steps(dtype, momentum) -> None:
    D = 5
    torch_bn = nn.BatchNorm1d(D, momentum=momentum).to(dtype)
    ours = reg.BatchNorm1d(D, momentum=momentum).to(dtype)
    with torch.no_grad():
        torch_bn.weight.copy_(1 + 0.5 * _randn(D, seed=5, dtype=dtype))
        torch_bn.bias.copy_(_randn(D, seed=6, dtype=dtype))
    ours.load_state_dict(torch_bn.state_dict())
    atol = 1e-6 if dtype == torch.float32 else 1e-12
    for step, N in enumerate([8, 3, 16, 2, 5]):
        # offsets no larger than the spread: float32 rounding of (X - mean) stays below 1e-6
        X = (1 + 0.25 * step) * _randn(N, D, seed=10 + step, dtype=dtype) + 0.5 * step
        torch.testing.assert_close(ours(X), torch_bn(X), atol=atol, rtol=0)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            torch.testing.assert_close(getattr(ours, name), getattr(torch_bn, name), atol=atol, rtol=0)
    torch_bn.eval()
    ours.eval()
    X = _randn(4, D, seed=30, dtype=dtype)
    running_before = ours.running_mean.clone(), ours.running_var.clone()
    torch.testing.assert_close(ours(X), torch_bn(X), atol=atol, rtol=0)
    assert torch.equal(ours.running_mean, running_before[0])
    assert torch.equal(ours.running_var, running_before[1])


def test_batchnorm_function_matches_functional() -> None:
    X = _randn(6, 3, seed=31, dtype=torch.float32)
    gamma, beta, rm, rv = _bn_params(3, torch.float32)
    rm_torch, rv_torch = rm.clone(), rv.clone()
    out, _ = reg.batchnorm_forward(X, gamma, beta, rm, rv, True, momentum=0.3, eps=1e-3)
    expected = nn.functional.batch_norm(X, rm_torch, rv_torch, gamma, beta, True, 0.3, 1e-3)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(rm, rm_torch, atol=1e-6, rtol=0)
    torch.testing.assert_close(rv, rv_torch, atol=1e-6, rtol=0)


def test_batchnorm_module_trains_with_autograd() -> None:
    layer = reg.BatchNorm1d(3).double()
    X = _randn(8, 3, seed=32)
    (layer(X) * _randn(8, 3, seed=33)).sum().backward()
    assert layer.weight.grad is not None and layer.bias.grad is not None
    assert "3, eps=1e-05, momentum=0.1" in repr(layer)


# ---------------------------------------------------------------- dropout


def test_dropout_statistics_like_torch() -> None:
    p = 0.3
    X = torch.ones(400_000)
    out, mask = reg.dropout_forward(X, p, True, torch.Generator().manual_seed(40))
    torch.manual_seed(41)
    out_torch = nn.functional.dropout(X, p, training=True)
    for sample in (out, out_torch):
        assert abs((sample == 0).double().mean().item() - p) < 0.005
        assert abs(sample.mean().item() - 1.0) < 0.005
    assert set(out.unique().tolist()) == set(out_torch.unique().tolist())
    torch.testing.assert_close(out, X * mask)


def test_dropout_eval_and_p0_are_identity() -> None:
    X = _randn(5, 4, seed=42)
    for out, cache in (reg.dropout_forward(X, 0.5, False), reg.dropout_forward(X, 0.0, True)):
        assert out is X and cache is None
    dout = _randn(5, 4, seed=43)
    assert reg.dropout_backward(dout, None) is dout


def test_dropout_module_like_nn_dropout() -> None:
    layer = reg.Dropout(0.25)
    X = _randn(1000, 20, seed=44)
    assert torch.equal(layer.eval()(X), nn.Dropout(0.25).eval()(X))
    torch.manual_seed(45)
    out = layer.train()(X)
    kept = out != 0
    torch.testing.assert_close(out[kept], X[kept] / 0.75)
    assert abs((~kept).double().mean().item() - 0.25) < 0.01
    assert repr(layer) == "Dropout(p=0.25)"


def test_dropout_same_seed_same_mask() -> None:
    X = _randn(3, 7, seed=46)
    a, _ = reg.dropout_forward(X, 0.5, True, torch.Generator().manual_seed(1))
    b, _ = reg.dropout_forward(X, 0.5, True, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


# ---------------------------------------------------------------- bad inputs


def test_dropout_errors() -> None:
    X = _randn(3, 4, seed=50)
    for p in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
            reg.dropout_forward(X, p, True)
    with pytest.raises(ValueError, match="p = 1 would drop every entry"):
        reg.Dropout(1)
    with pytest.raises(TypeError, match="p must be a number, got str"):
        reg.dropout_forward(X, "0.5", True)
    with pytest.raises(TypeError, match="training must be True or False, got 1"):
        reg.dropout_forward(X, 0.5, 1)
    with pytest.raises(TypeError, match="X must have a floating-point dtype"):
        reg.dropout_forward(X.long(), 0.5, True)
    with pytest.raises(TypeError, match="generator must be a torch.Generator, got int"):
        reg.dropout_forward(X, 0.5, True, 0)
    _, mask = reg.dropout_forward(X, 0.5, True)
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(3, 4\)"):
        reg.dropout_backward(X[:2], mask)
    with pytest.raises(TypeError, match="dout must have dtype torch.float64, got torch.float32"):
        reg.dropout_backward(X.float(), mask)


def test_batchnorm_errors() -> None:
    X = _randn(4, 3, seed=51)
    gamma, beta, rm, rv = _bn_params(3)
    with pytest.raises(ValueError, match="needs N >= 2 examples per batch, got N=1"):
        reg.batchnorm_forward(X[:1], gamma, beta, rm, rv, True)
    out, _ = reg.batchnorm_forward(X[:1], gamma, beta, rm, rv, False)
    assert out.shape == (1, 3)
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\), got 3"):
        reg.batchnorm_forward(X.unsqueeze(0), gamma, beta, rm, rv, True)
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\), got \(2,\)"):
        reg.batchnorm_forward(X, gamma[:2], beta, rm, rv, True)
    with pytest.raises(TypeError, match="running_var must have dtype torch.float64, got torch.float32"):
        reg.batchnorm_forward(X, gamma, beta, rm, rv.float(), True)
    with pytest.raises(TypeError, match="training must be True or False"):
        reg.batchnorm_forward(X, gamma, beta, rm, rv, "yes")
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 1.5"):
        reg.batchnorm_forward(X, gamma, beta, rm, rv, True, momentum=1.5)
    with pytest.raises(ValueError, match="eps must be > 0, got 0"):
        reg.batchnorm_forward(X, gamma, beta, rm, rv, True, eps=0)
    with pytest.raises(ValueError, match="num_features must be a positive integer, got 0"):
        reg.BatchNorm1d(0)
    with pytest.raises(ValueError, match="needs N >= 2"):
        reg.BatchNorm1d(3).double()(X[:1])
    _, cache = reg.batchnorm_forward(X, gamma, beta, rm, rv, True)
    with pytest.raises(ValueError, match=r"dout must have the shape of the layer's output \(4, 3\)"):
        reg.batchnorm_backward(X.T, cache)
