"""Self-checks of tutorial 18: wrong answers a student writes, and the hint each gets.

Also checks the references against torch (nn.LSTMCell to 1e-6 with copied weights,
torch's parameter counts) and gradchecks the cell's backward reference in float64.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.autograd import gradcheck

from labkit import rnn, selfcheck
from labkit.selfcheck import lstm as checks
from tests.handwritten import autograd_function


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- wrong answers, as written


def cell_student(x, h, c, W_ih, W_hh, b_ih, b_hh, bug=None):
    """An LSTM step as a student writes it, gate by gate, with one bug switched on."""
    H = h.shape[1]

    def pre(k, bias=True):  # the pre-activation of block k
        rows = slice(k * H, (k + 1) * H)
        out = x @ W_ih[rows].T + h @ W_hh[rows].T
        return out + b_ih[rows] + b_hh[rows] if bias else out

    order = {"i-f swapped": (1, 0, 2, 3), "g-o swapped": (0, 1, 3, 2)}.get(bug, (0, 1, 2, 3))
    i = torch.sigmoid(pre(order[0]))
    f = torch.sigmoid(pre(order[1], bias=bug != "no forget bias"))
    g = torch.sigmoid(pre(order[2])) if bug == "sigmoid candidate" else torch.tanh(pre(order[2]))
    o = torch.sigmoid(pre(order[3]))
    c_new = c + i * g if bug == "no forget" else f * c + i * g
    if bug == "no tanh on cell":
        return o * c_new, c_new
    if bug == "sigmoid on cell":
        return o * torch.sigmoid(c_new), c_new
    return o * torch.tanh(c_new), c_new


def backward_student(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh, bug=None):
    """The LSTM step's backward pass as a student writes it, with one bug switched on."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    H = h.shape[1]
    i = torch.sigmoid(gates[:, :H])
    f = torch.sigmoid(gates[:, H : 2 * H])
    g = torch.tanh(gates[:, 2 * H : 3 * H])
    o = torch.sigmoid(gates[:, 3 * H :])
    c_new = f * c + i * g
    t = torch.tanh(c_new)
    if bug == "no h path":
        dc_total = dc_new
    elif bug == "no tanh'":
        dc_total = dc_new + dh_new * o
    else:
        dc_total = dc_new + dh_new * o * (1 - t * t)
    d_o = dh_new * t * o * (1 - o)
    d_i = dc_total * g * i * (1 - i)
    d_f = dc_total * (c_new if bug == "c_new" else c) * f * (1 - f)
    d_g = dc_total * i * (g * (1 - g) if bug == "sigmoid'" else 1 - g * g)
    dgates = torch.cat([d_i, d_f, d_g, d_o], dim=1)
    dc_prev = dc_total if bug == "no f" else dc_total * f
    return dgates @ W_ih, dgates @ W_hh, dc_prev, dgates.T @ x, dgates.T @ h, dgates.sum(0)


def _zeros_like_blocks(u, n):
    return [torch.zeros_like(u) for _ in range(n)]


def chrono_without_log(u):
    return torch.cat([-u, u, *_zeros_like_blocks(u, 2)])


def chrono_forget_first(u):
    return torch.cat([torch.log(u), -torch.log(u), *_zeros_like_blocks(u, 2)])


def chrono_forget_only(u):
    H = len(u)
    b = torch.zeros(4 * H, dtype=u.dtype)
    b[H : 2 * H] = torch.log(u)
    return b


def chrono_both_positive(u):
    H = len(u)
    b = torch.zeros(4 * H, dtype=u.dtype)
    b[:H] = torch.log(u)
    b[H : 2 * H] = torch.log(u)
    return b


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("lstm_cell", lambda *a: cell_student(*a, bug="i-f swapped"), "input and forget gates are swapped"),
        ("lstm_cell", lambda *a: cell_student(*a, bug="g-o swapped"), "output gate o are swapped"),
        ("lstm_cell", lambda *a: cell_student(*a, bug="no forget bias"), "forget gate has no bias"),
        ("lstm_cell", lambda *a: cell_student(*a, bug="sigmoid candidate"), "candidate g uses the sigmoid"),
        ("lstm_cell", lambda *a: cell_student(*a, bug="no tanh on cell"), "without its tanh"),
        ("lstm_cell", lambda *a: cell_student(*a, bug="sigmoid on cell"), "through a sigmoid"),
        ("lstm_cell", lambda *a: cell_student(*a, bug="no forget"), "forget gate is missing"),
        ("lstm_cell_backward", lambda *a: backward_student(*a, bug="no h path"), "path through h_new"),
        ("lstm_cell_backward", lambda *a: backward_student(*a, bug="no tanh'"), "derivative of tanh(c_new)"),
        ("lstm_cell_backward", lambda *a: backward_student(*a, bug="no f"), "missing the forget gate"),
        ("lstm_cell_backward", lambda *a: backward_student(*a, bug="sigmoid'"), "differentiated as a sigmoid"),
        ("lstm_cell_backward", lambda *a: backward_student(*a, bug="c_new"), "old c"),
        ("chrono_bias", chrono_without_log, "logarithm is missing"),
        ("chrono_bias", chrono_forget_first, "wrong order"),
        ("chrono_bias", chrono_both_positive, "+ln u"),
        ("chrono_bias", chrono_forget_only, "only the forget gate"),
        ("recurrent_num_params", lambda cell, i, h: {"rnn": 1, "gru": 3, "lstm": 4}[cell] * (h * i + h * h + h),
         "one bias is missing"),
        ("recurrent_num_params", lambda cell, i, h: {"rnn": 1, "gru": 3, "lstm": 4}[cell] * (h * i + 2 * h),
         "recurrent weights"),
        ("recurrent_num_params", lambda cell, i, h: h * i + h * h + 2 * h, "gates are not counted"),
        ("recurrent_num_params", lambda cell, i, h: {"rnn": 1, "gru": 4, "lstm": 3}[cell] * h * (i + h + 2),
         "not the other way round"),
        ("rows_as_sequence", lambda X: X.view(X.shape[1], X.shape[0], X.shape[2]), "reshape keeps"),
        ("rows_as_sequence", lambda X: X.transpose(0, 2).transpose(1, 2), "columns the time steps"),
        ("rows_as_sequence", lambda X: X, "still batch first"),
        ("rows_as_sequence", lambda X: X.mT, "transposes each image"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


# ---------------------------------------------------------------- the references against torch


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lstm_cell_equals_nn_lstmcell(dtype):
    torch.manual_seed(0)
    cell = nn.LSTMCell(3, 5).to(dtype)
    x, h, c = (torch.randn(4, n, dtype=dtype) for n in (3, 5, 5))
    h_new, c_new = checks.lstm_cell(x, h, c, *rnn.params_from_torch(cell))
    h_torch, c_torch = cell(x, (h, c))
    assert (h_new - h_torch).abs().max() <= 1e-6
    assert (c_new - c_torch).abs().max() <= 1e-6


def _cell_backward(dh_new, dc_new, inputs):
    *grads, db = checks.lstm_cell_backward(dh_new, dc_new, *inputs)
    return (*grads, db, db)  # b_ih and b_hh get the same gradient


# one LSTM step with the exercise's reference as its backward pass
_cell = autograd_function(lambda *inputs: (checks.lstm_cell(*inputs), inputs), _cell_backward)


@pytest.mark.parametrize("case", range(3))
def test_lstm_backward_reference_is_gradchecked(case):
    args = checks._cell_cases(torch.Generator().manual_seed(3))[case]
    args = tuple(a.detach().requires_grad_() for a in args)
    assert gradcheck(_cell, args, eps=1e-6, atol=1e-6)


def test_recurrent_num_params_equals_torch():
    for cell, module in (("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM)):
        for num_inputs, num_hiddens in ((16, 64), (28, 64), (3, 5)):
            count = sum(p.numel() for p in module(num_inputs, num_hiddens).parameters())
            assert checks.recurrent_num_params(cell, num_inputs, num_hiddens) == count


def test_chrono_bias_gives_forget_gates_u_over_one_plus_u():
    u = torch.tensor([1.0, 9.0, 99.0])
    b = checks.chrono_bias(u)
    torch.testing.assert_close(torch.sigmoid(b[3:6]), u / (1 + u))
    torch.testing.assert_close(torch.sigmoid(b[:3]), 1 / (1 + u))
    assert (b[6:] == 0).all()
