"""Tests for labkit.rnn: cells and sequences against torch, every backward with gradcheck, BPTT."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.autograd import gradcheck

from labkit import rnn
from tests.handwritten import autograd_function

# (T, N, num_inputs, hidden)
SHAPES = [(1, 1, 1, 1), (3, 2, 3, 4), (4, 5, 2, 3)]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed), dtype=dtype)


def _params(num_inputs: int, hidden: int, gates: int, seed: int, dtype=torch.float64):
    """Random, non-symmetric weights in torch's orientation, scaled like torch's init."""
    scale = hidden**-0.5
    return tuple(
        scale * _randn(*shape, seed=seed + k, dtype=dtype)
        for k, shape in enumerate(
            [(gates * hidden, num_inputs), (gates * hidden, hidden), (gates * hidden,), (gates * hidden,)]
        )
    )


def _torch_module(cls, num_inputs, hidden, seed, dtype=torch.float32):
    torch.manual_seed(seed)
    return cls(num_inputs, hidden).to(dtype)


# Each hand-written pass as one autograd.Function, so that gradcheck uses the
# hand-written backward as the analytical gradient of the hand-written forward.
# The sequence backward passes also return per-step gradient norms: drop them.


def _lstm_forward(X, h0, c0, *params):
    H, C, cache = rnn.lstm_forward(X, (h0, c0), params)
    return (H, C), cache


_rnn_cell = autograd_function(rnn.rnn_cell_forward, rnn.rnn_cell_backward)
_rnn = autograd_function(
    lambda X, h0, *params: rnn.rnn_forward(X, h0, params),
    lambda dH, cache: tuple(rnn.rnn_backward(dH, cache))[:6],
)
_lstm_cell = autograd_function(
    lambda x, h, c, *params: rnn.lstm_cell_forward(x, (h, c), *params), rnn.lstm_cell_backward
)
_lstm = autograd_function(
    _lstm_forward, lambda dH, dC, cache: tuple(rnn.lstm_backward(dH, cache, dC))[:7]
)


def _leaves(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(t.detach().clone().requires_grad_(True) for t in tensors)


# ----------------------------------------------------------- forward vs torch


@pytest.mark.parametrize("T, N, num_inputs, hidden", SHAPES)
def test_rnn_cell_matches_torch(T, N, num_inputs, hidden):
    cell = _torch_module(nn.RNNCell, num_inputs, hidden, seed=T)
    x, h = _randn(N, num_inputs, seed=1, dtype=torch.float32), _randn(N, hidden, seed=2, dtype=torch.float32)
    h_new, _ = rnn.rnn_cell_forward(x, h, *rnn.params_from_torch(cell))
    assert (h_new - cell(x, h)).abs().max() <= 1e-6


@pytest.mark.parametrize("T, N, num_inputs, hidden", SHAPES)
def test_lstm_cell_matches_torch(T, N, num_inputs, hidden):
    cell = _torch_module(nn.LSTMCell, num_inputs, hidden, seed=T)
    x = _randn(N, num_inputs, seed=1, dtype=torch.float32)
    h, c = _randn(N, hidden, seed=2, dtype=torch.float32), _randn(N, hidden, seed=3, dtype=torch.float32)
    (h_new, c_new), _ = rnn.lstm_cell_forward(x, (h, c), *rnn.params_from_torch(cell))
    h_ref, c_ref = cell(x, (h, c))
    assert (h_new - h_ref).abs().max() <= 1e-6 and (c_new - c_ref).abs().max() <= 1e-6


@pytest.mark.parametrize("T, N, num_inputs, hidden", [*SHAPES, (30, 3, 2, 8)])
def test_rnn_sequence_matches_torch(T, N, num_inputs, hidden):
    module = _torch_module(nn.RNN, num_inputs, hidden, seed=T)
    X = _randn(T, N, num_inputs, seed=1, dtype=torch.float32)
    h0 = _randn(N, hidden, seed=2, dtype=torch.float32)
    H, _ = rnn.rnn_forward(X, h0, rnn.params_from_torch(module))
    out, h_n = module(X, h0[None])
    assert (H - out).abs().max() <= 1e-6 and (H[-1] - h_n[0]).abs().max() <= 1e-6


@pytest.mark.parametrize("T, N, num_inputs, hidden", [*SHAPES, (30, 3, 2, 8)])
def test_lstm_sequence_matches_torch(T, N, num_inputs, hidden):
    module = _torch_module(nn.LSTM, num_inputs, hidden, seed=T)
    X = _randn(T, N, num_inputs, seed=1, dtype=torch.float32)
    h0, c0 = _randn(N, hidden, seed=2, dtype=torch.float32), _randn(N, hidden, seed=3, dtype=torch.float32)
    H, C, _ = rnn.lstm_forward(X, (h0, c0), rnn.params_from_torch(module))
    out, (h_n, c_n) = module(X, (h0[None], c0[None]))
    assert (H - out).abs().max() <= 1e-6
    assert (H[-1] - h_n[0]).abs().max() <= 1e-6 and (C[-1] - c_n[0]).abs().max() <= 1e-6


def test_params_from_torch_copies():
    cell = nn.LSTMCell(2, 3)
    W_ih, W_hh, b_ih, b_hh = rnn.params_from_torch(cell)
    assert W_ih.shape == (12, 2) and W_hh.shape == (12, 3) and b_ih.shape == b_hh.shape == (12,)
    assert not W_ih.requires_grad
    W_ih.zero_()
    assert cell.weight_ih.abs().sum() > 0


# ----------------------------------------------------------- gradcheck


@pytest.mark.parametrize("T, N, num_inputs, hidden", SHAPES)
def test_rnn_cell_backward_gradcheck(T, N, num_inputs, hidden):
    inputs = _leaves(
        _randn(N, num_inputs, seed=10), _randn(N, hidden, seed=11), *_params(num_inputs, hidden, 1, seed=12)
    )
    assert gradcheck(_rnn_cell, inputs)


@pytest.mark.parametrize("T, N, num_inputs, hidden", SHAPES)
def test_rnn_backward_gradcheck(T, N, num_inputs, hidden):
    inputs = _leaves(
        _randn(T, N, num_inputs, seed=20), _randn(N, hidden, seed=21), *_params(num_inputs, hidden, 1, seed=22)
    )
    assert gradcheck(_rnn, inputs)


@pytest.mark.parametrize("T, N, num_inputs, hidden", SHAPES)
def test_lstm_cell_backward_gradcheck(T, N, num_inputs, hidden):
    inputs = _leaves(
        _randn(N, num_inputs, seed=30),
        _randn(N, hidden, seed=31),
        _randn(N, hidden, seed=32),
        *_params(num_inputs, hidden, 4, seed=33),
    )
    assert gradcheck(_lstm_cell, inputs)


@pytest.mark.parametrize("T, N, num_inputs, hidden", SHAPES)
def test_lstm_backward_gradcheck(T, N, num_inputs, hidden):
    inputs = _leaves(
        _randn(T, N, num_inputs, seed=40),
        _randn(N, hidden, seed=41),
        _randn(N, hidden, seed=42),
        *_params(num_inputs, hidden, 4, seed=43),
    )
    assert gradcheck(_lstm, inputs)


# ----------------------------------------------------------- BPTT vs autograd


def test_rnn_bptt_equals_autograd_and_norms():
    T, N, num_inputs, hidden = 6, 3, 2, 5
    X, h0 = _randn(T, N, num_inputs, seed=50), _randn(N, hidden, seed=51)
    params = _params(num_inputs, hidden, 1, seed=52)
    G = _randn(T, N, hidden, seed=53)  # loss L = Σ G * H reads every step
    H, cache = rnn.rnn_forward(X, h0, params)
    grads = rnn.rnn_backward(G, cache)

    leaves = _leaves(X, h0, *params)
    X_, h_, W_ih, W_hh, b_ih, b_hh = leaves
    hs = []
    for t in range(T):
        h_ = torch.tanh(X_[t] @ W_ih.T + b_ih + h_ @ W_hh.T + b_hh)
        h_.retain_grad()
        hs.append(h_)
    (torch.stack(hs) * G).sum().backward()
    for name, mine, ref in zip(grads._fields, grads, leaves):
        torch.testing.assert_close(mine, ref.grad, msg=name)
    torch.testing.assert_close(grads.dh_norms, torch.stack([h.grad.norm() for h in hs]))


def test_rnn_bptt_equals_torch_rnn_autograd():
    module = _torch_module(nn.RNN, 3, 4, seed=0, dtype=torch.float64)
    X, h0 = _leaves(_randn(7, 2, 3, seed=60), _randn(2, 4, seed=61))
    out, _ = module(X, h0[None])
    G = _randn(7, 2, 4, seed=62)
    (out * G).sum().backward()
    H, cache = rnn.rnn_forward(X.detach(), h0.detach(), rnn.params_from_torch(module))
    grads = rnn.rnn_backward(G, cache)
    torch.testing.assert_close(grads.dX, X.grad)
    torch.testing.assert_close(grads.dh0, h0.grad)
    torch.testing.assert_close(grads.dW_ih, module.weight_ih_l0.grad)
    torch.testing.assert_close(grads.dW_hh, module.weight_hh_l0.grad)
    torch.testing.assert_close(grads.db_ih, module.bias_ih_l0.grad)
    torch.testing.assert_close(grads.db_hh, module.bias_hh_l0.grad)


def test_lstm_bptt_equals_autograd_and_norms():
    T, N, num_inputs, hidden = 6, 3, 2, 4
    cell = _torch_module(nn.LSTMCell, num_inputs, hidden, seed=1, dtype=torch.float64)
    X, h0, c0 = _leaves(_randn(T, N, num_inputs, seed=70), _randn(N, hidden, seed=71), _randn(N, hidden, seed=72))
    G, GC = _randn(T, N, hidden, seed=73), _randn(T, N, hidden, seed=74)
    h, c, hs, cs = h0, c0, [], []
    for t in range(T):
        h, c = cell(X[t], (h, c))
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    ((torch.stack(hs) * G).sum() + (torch.stack(cs) * GC).sum()).backward()

    H, C, cache = rnn.lstm_forward(X.detach(), (h0.detach(), c0.detach()), rnn.params_from_torch(cell))
    grads = rnn.lstm_backward(G, cache, GC)
    refs = [X.grad, h0.grad, c0.grad, cell.weight_ih.grad, cell.weight_hh.grad, cell.bias_ih.grad, cell.bias_hh.grad]
    for name, mine, ref in zip(grads._fields, grads, refs):
        torch.testing.assert_close(mine, ref, msg=name)
    torch.testing.assert_close(grads.dh_norms, torch.stack([h.grad.norm() for h in hs]))
    torch.testing.assert_close(grads.dc_norms, torch.stack([c.grad.norm() for c in cs]))


def test_lstm_backward_without_dC_equals_zero_dC():
    H, C, cache = rnn.lstm_forward(
        _randn(4, 2, 3, seed=80), (_randn(2, 3, seed=81), _randn(2, 3, seed=82)), _params(3, 3, 4, seed=83)
    )
    dH = _randn(4, 2, 3, seed=84)
    for a, b in zip(rnn.lstm_backward(dH, cache), rnn.lstm_backward(dH, cache, torch.zeros_like(C))):
        torch.testing.assert_close(a, b)


def test_gradient_norms_vanish_and_explode():
    """The curve the tutorial plots: small recurrent weights shrink ∂L/∂h_t going back, large ones grow it."""
    T, N, hidden = 30, 4, 16
    X = 0.1 * _randn(T, N, 1, seed=90)
    W_ih, _, b_ih, b_hh = _params(1, hidden, 1, seed=91)
    dH = torch.zeros(T, N, hidden, dtype=torch.float64)
    dH[-1] = 1.0
    norms = {}
    for gain in (0.5, 3.0):
        W_hh = gain * torch.linalg.qr(_randn(hidden, hidden, seed=92))[0]  # all singular values = gain
        _, cache = rnn.rnn_forward(X, torch.zeros(N, hidden, dtype=torch.float64), (W_ih, W_hh, b_ih, b_hh))
        norms[gain] = rnn.rnn_backward(dH, cache).dh_norms
    assert norms[0.5][0] < 1e-6 * norms[0.5][-1]
    assert norms[3.0][0] > norms[0.5][0] * 1e3


# ----------------------------------------------------------- clipping


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    grads = [_randn(4, 3, seed=100, dtype=torch.float32), _randn(3, seed=101, dtype=torch.float32)]
    originals = [g.clone() for g in grads]
    clipped, total = rnn.clip_grad_norm(grads, max_norm)
    params = [nn.Parameter(torch.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    torch_total = nn.utils.clip_grad_norm_(params, max_norm)
    torch.testing.assert_close(total, torch_total)
    for mine, p in zip(clipped, params):
        torch.testing.assert_close(mine, p.grad)
    assert all(torch.equal(g, o) for g, o in zip(grads, originals))
    joint = torch.cat([g.flatten() for g in clipped]).norm()
    assert joint <= max_norm * (1 + 1e-5) and (max_norm < total or torch.equal(clipped[0], grads[0]))


def test_clip_grad_norm_errors():
    g = torch.ones(3)
    with pytest.raises(TypeError, match="non-empty list of tensors"):
        rnn.clip_grad_norm([], 1.0)
    with pytest.raises(TypeError, match="non-empty list of tensors"):
        rnn.clip_grad_norm(g, 1.0)
    with pytest.raises(TypeError, match=r"grads\[1\] must have dtype torch.float32, got torch.float64"):
        rnn.clip_grad_norm([g, g.double()], 1.0)
    with pytest.raises(TypeError, match=r"grads\[0\] must have a floating-point dtype"):
        rnn.clip_grad_norm([torch.ones(3, dtype=torch.int64)], 1.0)
    for bad in (0, -1.0, float("inf"), True, "1"):
        with pytest.raises(ValueError, match="max_norm must be a positive finite number"):
            rnn.clip_grad_norm([g], bad)


# ----------------------------------------------------------- bad inputs


def test_cell_shape_and_orientation_errors():
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    W_ih, W_hh, b_ih, b_hh = rnn.params_from_torch(nn.RNNCell(3, 4))
    with pytest.raises(ValueError, match=r"W_ih must have shape \(hidden, input\) = \(4, 3\), like nn.RNNCell.weight_ih, got \(3, 4\)"):
        rnn.rnn_cell_forward(x, h, W_ih.T, W_hh, b_ih, b_hh)
    with pytest.raises(ValueError, match=r"h must have shape \(2, hidden\), got \(3, 4\)"):
        rnn.rnn_cell_forward(x, torch.randn(3, 4), W_ih, W_hh, b_ih, b_hh)
    with pytest.raises(ValueError, match=r"x must have 2 dimension\(s\), got 1"):
        rnn.rnn_cell_forward(torch.randn(3), h, W_ih, W_hh, b_ih, b_hh)
    with pytest.raises(ValueError, match=r"b_hh must have shape \(hidden,\) = \(4,\)"):
        rnn.rnn_cell_forward(x, h, W_ih, W_hh, b_ih, torch.zeros(5))
    P = rnn.params_from_torch(nn.LSTMCell(3, 4))
    with pytest.raises(ValueError, match=r"W_ih must have shape \(4 \* hidden, input\) = \(16, 3\), like nn.LSTMCell"):
        rnn.lstm_cell_forward(x, (h, h), W_ih, *P[1:])
    with pytest.raises(ValueError, match=r"c must have shape \(2, 4\), got \(2, 5\)"):
        rnn.lstm_cell_forward(x, (h, torch.zeros(2, 5)), *P)
    with pytest.raises(TypeError, match=r"state must be the pair \(h, c\)"):
        rnn.lstm_cell_forward(x, h, *P)


def test_dtype_errors():
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    params = rnn.params_from_torch(nn.RNNCell(3, 4))
    with pytest.raises(TypeError, match="h must have dtype torch.float32, got torch.float64"):
        rnn.rnn_cell_forward(x, h.double(), *params)
    with pytest.raises(TypeError, match="W_hh must have dtype torch.float64, got torch.float32"):
        rnn.rnn_cell_forward(x.double(), h.double(), params[0].double(), *params[1:])
    with pytest.raises(TypeError, match="x must have a floating-point dtype, got torch.int64"):
        rnn.rnn_cell_forward(torch.ones(2, 3, dtype=torch.int64), h, *params)
    with pytest.raises(TypeError, match="b_ih must be a torch.Tensor, got list"):
        rnn.rnn_cell_forward(x, h, params[0], params[1], [0.0] * 4, params[3])


def test_sequence_errors():
    X, h0 = torch.randn(5, 2, 3), torch.zeros(2, 4)
    params = rnn.params_from_torch(nn.RNN(3, 4))
    with pytest.raises(ValueError, match=r"X must have 3 dimension\(s\), got 2"):
        rnn.rnn_forward(X[0], h0, params)
    with pytest.raises(ValueError, match="at least one time step"):
        rnn.rnn_forward(X[:0], h0, params)
    with pytest.raises(TypeError, match=r"params must be the four tensors \(W_ih, W_hh, b_ih, b_hh\)"):
        rnn.rnn_forward(X, h0, params[:2])
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, hidden\), got \(4,\)"):
        rnn.rnn_forward(X, h0[0], params)
    lstm_params = rnn.params_from_torch(nn.LSTM(3, 4))
    with pytest.raises(TypeError, match=r"state0 must be the pair \(h0, c0\)"):
        rnn.lstm_forward(X, h0, lstm_params)
    with pytest.raises(ValueError, match="W_ih must have shape .* like nn.LSTMCell"):
        rnn.lstm_forward(X, (h0, h0), params)


def test_backward_gradient_shape_errors():
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    _, cache = rnn.rnn_cell_forward(x, h, *rnn.params_from_torch(nn.RNNCell(3, 4)))
    with pytest.raises(ValueError, match=r"dh_new must match the forward output: shape \(2, 4\) .* got \(4, 2\)"):
        rnn.rnn_cell_backward(torch.ones(4, 2), cache)
    with pytest.raises(ValueError, match="dtype torch.float32, got .* torch.float64"):
        rnn.rnn_cell_backward(torch.ones(2, 4, dtype=torch.float64), cache)
    H, cache = rnn.rnn_forward(torch.randn(5, 2, 3), h, rnn.params_from_torch(nn.RNN(3, 4)))
    with pytest.raises(ValueError, match=r"dH must match the forward output: shape \(5, 2, 4\)"):
        rnn.rnn_backward(H[-1], cache)
    H, C, cache = rnn.lstm_forward(torch.randn(5, 2, 3), (h, h), rnn.params_from_torch(nn.LSTM(3, 4)))
    with pytest.raises(ValueError, match=r"dC must match the forward output"):
        rnn.lstm_backward(torch.ones_like(H), cache, torch.ones(5, 2))
    (_, _), cell_cache = rnn.lstm_cell_forward(x, (h, h), *rnn.params_from_torch(nn.LSTMCell(3, 4)))
    with pytest.raises(TypeError, match="dc_new must be a torch.Tensor"):
        rnn.lstm_cell_backward(torch.ones(2, 4), None, cell_cache)


def test_params_from_torch_errors():
    with pytest.raises(TypeError, match="module must be an nn.RNNCell, nn.LSTMCell, nn.RNN or nn.LSTM, got Linear"):
        rnn.params_from_torch(nn.Linear(2, 3))
    with pytest.raises(ValueError, match="one layer, one direction"):
        rnn.params_from_torch(nn.RNN(2, 3, num_layers=2))
    with pytest.raises(ValueError, match="one layer, one direction"):
        rnn.params_from_torch(nn.LSTM(2, 3, bidirectional=True))
    with pytest.raises(ValueError, match="bias=True"):
        rnn.params_from_torch(nn.RNNCell(2, 3, bias=False))


def test_backward_rejects_a_foreign_cache():
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    _, rnn_cache = rnn.rnn_cell_forward(x, h, *rnn.params_from_torch(nn.RNNCell(3, 4)))
    _, lstm_cache = rnn.lstm_cell_forward(x, (h, h), *rnn.params_from_torch(nn.LSTMCell(3, 4)))
    with pytest.raises(TypeError, match="cache must be the cache returned by rnn_cell_forward"):
        rnn.rnn_cell_backward(torch.ones(2, 4), lstm_cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by lstm_cell_forward"):
        rnn.lstm_cell_backward(torch.ones(2, 4), torch.ones(2, 4), rnn_cache)
    _, seq_cache = rnn.rnn_forward(torch.randn(5, 2, 3), h, rnn.params_from_torch(nn.RNN(3, 4)))
    with pytest.raises(TypeError, match="cache must be the cache returned by lstm_forward"):
        rnn.lstm_backward(torch.ones(5, 2, 4), seq_cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by rnn_forward"):
        rnn.rnn_backward(torch.ones(5, 2, 4), rnn_cache)
