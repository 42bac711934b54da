"""Tests for labkit.backprop: the hand-written backward pass equals autograd."""

from __future__ import annotations

import pytest
import torch

from labkit.backprop import shallow_backward, shallow_forward, shallow_loss
from tests.handwritten import autograd_function

SHAPES = [  # (N or None for a single vector, D, Z, K)
    (None, 1, 50, 1),
    (None, 3, 5, 1),
    (None, 4, 7, 2),
    (6, 1, 3, 1),
    (5, 3, 8, 2),
]


def random_problem(N, D, Z, K, seed=0):
    g = torch.Generator().manual_seed(seed)
    lead = () if N is None else (N,)
    kw = dict(generator=g, dtype=torch.float64)
    x = torch.randn(*lead, D, **kw)
    y = torch.randn(*lead, K, **kw)
    params = [torch.randn(Z, D, **kw), torch.randn(Z, **kw), torch.randn(K, Z, **kw), torch.randn(K, **kw)]
    return x, y, params


@pytest.mark.parametrize("N, D, Z, K", SHAPES)
def test_forward_matches_formula(N, D, Z, K):
    x, _, (W1, b1, W2, b2) = random_problem(N, D, Z, K)
    y_hat, cache = shallow_forward(x, W1, b1, W2, b2)
    expected = torch.nn.functional.linear(torch.sigmoid(torch.nn.functional.linear(x, W1, b1)), W2, b2)
    torch.testing.assert_close(y_hat, expected)
    lead = () if N is None else (N,)
    assert cache["z1"].shape == cache["z3"].shape == (*lead, Z)
    assert cache["z4"].shape == y_hat.shape == (*lead, K)


@pytest.mark.parametrize("N, D, Z, K", SHAPES)
def test_backward_matches_autograd(N, D, Z, K):
    x, y, params = random_problem(N, D, Z, K, seed=1)
    leaves = [t.clone().requires_grad_() for t in (x, *params)]
    y_hat, cache = shallow_forward(*leaves)
    for name in ("z1", "z2", "z3", "z4", "y_hat"):
        cache[name].retain_grad()
    shallow_loss(y, y_hat).backward()
    grads = shallow_backward(y, {k: v.detach() for k, v in cache.items()})
    for name in ("x", "W1", "b1", "W2", "b2"):
        torch.testing.assert_close(grads[name], cache[name].grad, msg=name)
    for name in ("z1", "z2", "z3", "z4", "y_hat"):
        torch.testing.assert_close(grads[name], cache[name].grad, msg=name)


def _loss_forward(x, W1, b1, W2, b2, y):
    y_hat, cache = shallow_forward(x, W1, b1, W2, b2)
    return shallow_loss(y, y_hat), (y, cache)


def _loss_backward(dL, y_and_cache):
    g = shallow_backward(*y_and_cache)
    return tuple(dL * g[k] for k in ("x", "W1", "b1", "W2", "b2"))


# L(x, W1, b1, W2, b2) with the hand-written backward; the target y gets no gradient
_shallow_loss = autograd_function(_loss_forward, _loss_backward, num_constants=1)


@pytest.mark.parametrize("N, D, Z, K", SHAPES)
def test_gradcheck(N, D, Z, K):
    x, y, params = random_problem(N, D, Z, K, seed=2)
    inputs = tuple(t.requires_grad_() for t in (x, *params)) + (y,)
    assert torch.autograd.gradcheck(_shallow_loss, inputs)


def test_loss_is_the_summed_squared_error():
    y = torch.tensor([[1.0, 2.0], [0.0, -1.0]], dtype=torch.float64)
    y_hat = torch.tensor([[0.5, 2.5], [1.0, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(shallow_loss(y, y_hat), ((y - y_hat) ** 2).sum())
    torch.testing.assert_close(shallow_loss(y[0, :1], y_hat[0, :1]), torch.tensor(0.25, dtype=torch.float64))


def test_batch_gradient_is_the_sum_of_per_example_gradients():
    x, y, params = random_problem(4, 3, 5, 2, seed=3)
    _, cache = shallow_forward(x, *params)
    batch = shallow_backward(y, cache)
    for name in ("W1", "b1", "W2", "b2"):
        per_example = [shallow_backward(y[i], shallow_forward(x[i], *params)[1])[name] for i in range(4)]
        torch.testing.assert_close(batch[name], sum(per_example), msg=name)


def test_errors():
    x, y, (W1, b1, W2, b2) = random_problem(None, 3, 4, 1)
    with pytest.raises(ValueError, match=r"W1 must have shape \(Z, 3\), got \(4, 2\)"):
        shallow_forward(x, W1[:, :2], b1, W2, b2)
    with pytest.raises(ValueError, match=r"b1 must have shape \(4,\), got \(3,\)"):
        shallow_forward(x, W1, b1[:3], W2, b2)
    with pytest.raises(ValueError, match=r"W2 must have shape \(K, 4\), got \(4,\)"):
        shallow_forward(x, W1, b1, W2[0], b2)
    with pytest.raises(ValueError, match=r"x must have 1 or 2 dimension\(s\), got 3"):
        shallow_forward(x.reshape(1, 1, 3), W1, b1, W2, b2)
    with pytest.raises(TypeError, match="x must have a floating-point dtype"):
        shallow_forward(torch.ones(3, dtype=torch.int64), W1, b1, W2, b2)
    _, cache = shallow_forward(x, W1, b1, W2, b2)
    with pytest.raises(ValueError, match=r"y and y_hat must have the same shape, got \(2,\) and \(1,\)"):
        shallow_backward(torch.zeros(2, dtype=torch.float64), cache)
    with pytest.raises(TypeError, match="y must have dtype torch.float64, got torch.float32"):
        shallow_backward(y.float(), cache)
    with pytest.raises(ValueError, match=r"y and y_hat must have the same shape"):
        shallow_loss(y, torch.zeros(2, dtype=torch.float64))


@pytest.mark.parametrize("which", ["x", "W1", "b1", "W2", "b2"])
def test_mixed_float32_and_float64_is_a_clear_error(which):
    x, _, (W1, b1, W2, b2) = random_problem(None, 3, 4, 1)
    args = dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2)
    args[which] = args[which].float()
    other = "W1" if which == "x" else which
    with pytest.raises(TypeError, match=rf"{other} has dtype torch\.float(32|64) but x has torch\.float(32|64)"):
        shallow_forward(**args)


@pytest.mark.parametrize(
    ("cache", "message"),
    [
        (None, "got NoneType"),
        ([1, 2], "got list"),
        (torch.zeros(3), "got Tensor"),
        ((torch.zeros(3), torch.zeros(3)), "got tuple"),
    ],
)
def test_wrong_cache_is_a_clear_error(cache, message):
    y = torch.zeros(1, dtype=torch.float64)
    with pytest.raises(TypeError, match=rf"cache must be the dict returned by shallow_forward.*{message}"):
        shallow_backward(y, cache)


def test_incomplete_cache_names_what_is_missing():
    x, y, params = random_problem(None, 3, 4, 1)
    _, cache = shallow_forward(x, *params)
    del cache["z3"]
    with pytest.raises(ValueError, match="it has no tensor z3"):
        shallow_backward(y, cache)
