"""Tests for labkit.practical: the MNIST practical's functions against autograd."""

from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

from labkit import practical as P
from tests.handwritten import autograd_function

# (num_inputs, num_hiddens, num_outputs)
SIZES = [(1, 1, 1), (3, 4, 2), (7, 5, 3), (4, 9, 10)]


def _randn(*shape: int, seed: int, scale: float = 1.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return scale * torch.randn(*shape, generator=g, dtype=torch.float64)


def _params(num_inputs: int, num_hiddens: int, num_outputs: int, seed: int = 0) -> list[torch.Tensor]:
    shapes = [(num_hiddens, num_inputs), (num_hiddens,), (num_outputs, num_hiddens), (num_outputs,)]
    return [_randn(*s, seed=seed + i).requires_grad_() for i, s in enumerate(shapes)]


# Each hand-written derivative as the backward of its forward, for gradcheck;
# targets get no gradient.
_sigma = autograd_function(lambda x: (P.sigma(x), x), lambda dout, x: dout * P.dsigma(x))
_loss = autograd_function(
    lambda v, t: (P.loss(v, t), (v, t)), lambda dout, v_t: dout * P.dloss(*v_t), num_constants=1
)


def _one_sample_forward(w1, b1, w2, b2, x, t):
    values = P.forward_pass(w1, b1, w2, b2, x)
    return P.loss(values[4], t), (w1, b1, w2, b2, t, *values)


def _one_sample_backward(dout, cache):
    grads = [torch.zeros_like(p) for p in cache[:4]]
    P.backward_pass(*cache, *grads)
    return tuple(dout * g for g in grads)


def _batch_forward(w1, b1, w2, b2, X, T):
    values = P.forward_pass_batch(w1, b1, w2, b2, X)
    return P.loss(values[4], T), (w1, b1, w2, b2, T, *values)


# loss(x2, t) of one sample with backward_pass as the analytical gradient, and the
# summed loss of a batch with backward_pass_batch
_one_sample = autograd_function(_one_sample_forward, _one_sample_backward, num_constants=2)
_batch = autograd_function(
    _batch_forward,
    lambda dout, cache: tuple(dout * g for g in P.backward_pass_batch(*cache)),
    num_constants=2,
)


# ------------------------------------------------------------------ gradcheck


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 3, 2)])
def test_dsigma_gradcheck(shape: tuple[int, ...]) -> None:
    x = _randn(*shape, seed=1, scale=2.0).requires_grad_()
    assert gradcheck(_sigma, (x,))


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 3, 2)])
def test_dloss_gradcheck(shape: tuple[int, ...]) -> None:
    v = _randn(*shape, seed=2).requires_grad_()
    t = _randn(*shape, seed=3)
    assert gradcheck(_loss, (v, t))


@pytest.mark.parametrize("sizes", SIZES)
def test_backward_pass_gradcheck(sizes: tuple[int, int, int]) -> None:
    num_inputs, _, num_outputs = sizes
    x = _randn(num_inputs, seed=10)
    t = 0.9 * _randn(num_outputs, seed=11).tanh()
    assert gradcheck(_one_sample, (*_params(*sizes), x, t))


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("N", [1, 6])
def test_backward_pass_batch_gradcheck(sizes: tuple[int, int, int], N: int) -> None:
    num_inputs, _, num_outputs = sizes
    X = _randn(N, num_inputs, seed=12)
    T = 0.9 * _randn(N, num_outputs, seed=13).tanh()
    assert gradcheck(_batch, (*_params(*sizes), X, T))


@pytest.mark.parametrize("sizes", SIZES)
def test_backward_pass_batch_matches_autograd(sizes: tuple[int, int, int]) -> None:
    params = _params(*sizes, seed=20)
    X = _randn(5, sizes[0], seed=21)
    T = _randn(5, sizes[2], seed=22)
    values = P.forward_pass_batch(*params, X)
    ((torch.tanh(torch.tanh(X @ params[0].T + params[1]) @ params[2].T + params[3]) - T) ** 2).sum().backward()
    for manual, p in zip(P.backward_pass_batch(*params, T, *values), params):
        torch.testing.assert_close(manual, p.grad)


# --------------------------------------------- per-sample equals batched


@pytest.mark.parametrize("sizes", SIZES)
def test_per_sample_accumulation_equals_batch(sizes: tuple[int, int, int]) -> None:
    params = [p.detach() for p in _params(*sizes, seed=30)]
    X = _randn(8, sizes[0], seed=31)
    T = _randn(8, sizes[2], seed=32)
    batched = P.backward_pass_batch(*params, T, *P.forward_pass_batch(*params, X))
    for per_sample, full in zip(P.gradients_per_sample(*params, X, T), batched):
        torch.testing.assert_close(per_sample, full)


def test_backward_pass_adds_to_the_accumulators() -> None:
    params = [p.detach() for p in _params(3, 4, 2, seed=40)]
    x, t = _randn(3, seed=41), _randn(2, seed=42)
    start = [torch.full_like(p, 0.5) for p in params]
    grads = [s.clone() for s in start]
    P.backward_pass(*params, t, *P.forward_pass(*params, x), *grads)
    fresh = [torch.zeros_like(p) for p in params]
    P.backward_pass(*params, t, *P.forward_pass(*params, x), *fresh)
    for g, s, f in zip(grads, start, fresh):
        torch.testing.assert_close(g, s + f)


def test_forward_pass_batch_rows_equal_forward_pass() -> None:
    params = [p.detach() for p in _params(4, 3, 2, seed=50)]
    X = _randn(5, 4, seed=51)
    batch = P.forward_pass_batch(*params, X)
    for n in range(5):
        for row, single in zip(batch, P.forward_pass(*params, X[n])):
            torch.testing.assert_close(row[n], single)


def test_sigma_loss_match_torch_and_dsigma_is_accurate_in_the_tails() -> None:
    x = torch.linspace(-20, 20, 81)
    torch.testing.assert_close(P.sigma(x), torch.tanh(x))
    exact = torch.cosh(x.double()).pow(-2)  # 1 - tanh² = 1 / cosh²
    torch.testing.assert_close(P.dsigma(x).double(), exact, rtol=1e-5, atol=0.0)
    v, t = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(P.loss(v, t), torch.nn.functional.mse_loss(v, t, reduction="sum"))


def test_init_parameters() -> None:
    w1, b1, w2, b2 = P.init_parameters(784, 50, 10, eps=1e-6, generator=torch.Generator().manual_seed(0))
    assert [tuple(p.shape) for p in (w1, b1, w2, b2)] == [(50, 784), (50,), (10, 50), (10,)]
    assert 0.9e-6 < w1.std().item() < 1.1e-6


# ----------------------------------------------------------------- clear errors


def test_errors() -> None:
    w1, b1, w2, b2 = P.init_parameters(4, 3, 2)
    with pytest.raises(TypeError, match="x must have a floating-point dtype, got torch.int64"):
        P.sigma(torch.arange(3))
    with pytest.raises(ValueError, match=r"v and t must have the same shape, got \(3,\) and \(4,\)"):
        P.loss(torch.randn(3), torch.randn(4))
    with pytest.raises(TypeError, match="t must have dtype torch.float32, got torch.float64"):
        P.dloss(torch.randn(3), torch.randn(3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"x must have shape \(4,\), got \(5,\)"):
        P.forward_pass(w1, b1, w2, b2, torch.randn(5))
    with pytest.raises(ValueError, match=r"w2 must have shape \(num_outputs, 3\), got \(2, 4\)"):
        P.forward_pass(w1, b1, torch.randn(2, 4), b2, torch.randn(4))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 4\), got \(5, 3\)"):
        P.forward_pass_batch(w1, b1, w2, b2, torch.randn(5, 3))
    values = P.forward_pass(w1, b1, w2, b2, torch.randn(4))
    grads = [torch.zeros_like(p) for p in (w1, b1, w2, b2)]
    with pytest.raises(ValueError, match=r"t must have shape \(2,\), got \(10,\)"):
        P.backward_pass(w1, b1, w2, b2, torch.randn(10), *values, *grads)
    with pytest.raises(ValueError, match=r"dl_dw1 must have shape \(3, 4\), got \(4, 3\)"):
        P.backward_pass(w1, b1, w2, b2, torch.randn(2), *values, torch.zeros(4, 3), *grads[1:])
    X = torch.randn(5, 4)
    bvalues = P.forward_pass_batch(w1, b1, w2, b2, X)
    with pytest.raises(ValueError, match=r"T must have shape \(5, 2\), got \(5, 10\)"):
        P.backward_pass_batch(w1, b1, w2, b2, torch.randn(5, 10), *bvalues)
    with pytest.raises(ValueError, match=r"s1 must have shape \(5, 3\), got \(3,\)"):
        P.backward_pass_batch(w1, b1, w2, b2, torch.randn(5, 2), X, bvalues[1][0], *bvalues[2:])
    with pytest.raises(ValueError, match="eps must be a standard deviation >= 0, got -1"):
        P.init_parameters(4, 3, 2, eps=-1)
    with pytest.raises(ValueError, match="num_hiddens must be a positive integer, got 0"):
        P.init_parameters(4, 0, 2)


def test_mixed_dtypes_are_clear_errors() -> None:
    w1, b1, w2, b2 = P.init_parameters(4, 3, 2)
    with pytest.raises(TypeError, match="b2 must have dtype torch.float32, got torch.float64"):
        P.forward_pass(w1, b1, w2, b2.double(), torch.randn(4))
    with pytest.raises(TypeError, match="x must have dtype torch.float32, got torch.float64"):
        P.forward_pass(w1, b1, w2, b2, torch.randn(4, dtype=torch.float64))
    values = P.forward_pass(w1, b1, w2, b2, torch.randn(4))
    grads = [torch.zeros_like(p) for p in (w1, b1, w2, b2)]
    with pytest.raises(TypeError, match="t must have dtype torch.float32, got torch.float64"):
        P.backward_pass(w1, b1, w2, b2, torch.randn(2, dtype=torch.float64), *values, *grads)
    with pytest.raises(TypeError, match="dl_db2 must have dtype torch.float32, got torch.float64"):
        P.backward_pass(w1, b1, w2, b2, torch.randn(2), *values, *grads[:3], grads[3].double())
    X = torch.randn(5, 4)
    bvalues = P.forward_pass_batch(w1, b1, w2, b2, X)
    with pytest.raises(TypeError, match="x2 must have dtype torch.float32, got torch.float64"):
        P.backward_pass_batch(w1, b1, w2, b2, torch.randn(5, 2), *bvalues[:4], bvalues[4].double())
    with pytest.raises(TypeError, match="T must have dtype torch.float32, got torch.float64"):
        P.gradients_per_sample(w1, b1, w2, b2, X, torch.randn(5, 2, dtype=torch.float64))


def test_forward_values_that_are_not_tensors_are_clear_errors() -> None:
    w1, b1, w2, b2 = P.init_parameters(4, 3, 2)
    values = list(P.forward_pass(w1, b1, w2, b2, torch.randn(4)))
    grads = [torch.zeros_like(p) for p in (w1, b1, w2, b2)]
    values[1] = None
    with pytest.raises(TypeError, match="s1 must be a torch.Tensor, got NoneType"):
        P.backward_pass(w1, b1, w2, b2, torch.randn(2), *values, *grads)
    with pytest.raises(TypeError, match="w1 must be a torch.Tensor, got list"):
        P.forward_pass([[1.0]], b1, w2, b2, torch.randn(4))  # type: ignore[arg-type]


def test_loss_errors_and_agreement_with_the_mse() -> None:
    from labkit.layers import mse_forward

    v, t = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(P.loss(v, t), 12 * mse_forward(v, t)[0])
    torch.testing.assert_close(P.dloss(v, t), 2 * (v - t))
    with pytest.raises(ValueError, match=r"v must hold at least one element, got shape \(0,\)"):
        P.loss(torch.randn(0), torch.randn(0))
    with pytest.raises(TypeError, match="eps must be a number, got str"):
        P.init_parameters(4, 3, 2, eps="1e-6")  # type: ignore[arg-type]
