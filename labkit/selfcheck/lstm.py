"""Self-checks of tutorial 18, "Long short-term memory": the cell, its backward pass, chrono init.

The references are [`labkit.rnn`][labkit.rnn]'s LSTM cell and its backward pass and
short functions here. The weights and both biases are random and non-zero in
every block, so that swapped gates, a missing forget-gate bias or the wrong
nonlinearity on the cell give different numbers; input size ≠ hidden size,
so that weights used the wrong way round do not fit.
"""

from __future__ import annotations

import torch

from labkit import rnn
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "18-lstm"

_F64 = torch.float64


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = _F64, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=gen, dtype=dtype)


def _cell_args(gen: torch.Generator, n: int, n_in: int, hidden: int, dtype: torch.dtype = _F64) -> tuple:
    """(x, h, c, W_ih, W_hh, b_ih, b_hh) with torch's shapes, scaled like its initialisation."""
    scale = hidden**-0.5
    return (_randn(gen, n, n_in, dtype=dtype), _randn(gen, n, hidden, dtype=dtype, scale=0.5),
            _randn(gen, n, hidden, dtype=dtype),
            _randn(gen, 4 * hidden, n_in, dtype=dtype, scale=scale),
            _randn(gen, 4 * hidden, hidden, dtype=dtype, scale=scale),
            _randn(gen, 4 * hidden, dtype=dtype, scale=0.7), _randn(gen, 4 * hidden, dtype=dtype, scale=0.7))


_SIZES = ((1, 2, 3), (4, 3, 5), (3, 6, 4))  # (N, input, hidden)


def _cell_cases(gen: torch.Generator) -> list[tuple]:
    return [_cell_args(gen, *size) for size in _SIZES]


# ---------------------------------------------------------------- 18.1 the cell


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One nn.LSTMCell step: (h_new, c_new), each (N, hidden)."""
    (h_new, c_new), _ = rnn.lstm_cell_forward(x, (h, c), W_ih, W_hh, b_ih, b_hh)
    return h_new, c_new


def _variant(x, h, c, W_ih, W_hh, b_ih, b_hh, *, order="ifgo", f_bias=True, g_act=torch.tanh,
             cell_act=torch.tanh, forget=True):
    """The LSTM step with one typical mistake: gate order, bias, nonlinearities, forget gate."""
    a = x @ W_ih.T + h @ W_hh.T + b_ih + b_hh
    if not f_bias:
        hidden = h.shape[1]
        a = a.clone()
        a[:, hidden : 2 * hidden] -= (b_ih + b_hh)[hidden : 2 * hidden]
    blocks = dict(zip(order, a.chunk(4, dim=1)))
    i, f, g, o = torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["f"]), g_act(blocks["g"]), torch.sigmoid(blocks["o"])
    c_new = (f * c if forget else c) + i * g
    return o * cell_act(c_new), c_new


_LSTM_MISTAKES = [
    Mistake(
        "the input and forget gates are swapped: torch stacks the four blocks of W_ih, W_hh and the "
        "biases in the order i, f, g, o, so a.chunk(4, dim=1) gives i first, then f.",
        lambda *a: _variant(*a, order="figo"),
    ),
    Mistake(
        "the candidate g and the output gate o are swapped: the blocks come in the order i, f, g, o "
        "(g third, o last).",
        lambda *a: _variant(*a, order="ifog"),
    ),
    Mistake(
        "the forget gate has no bias: every gate adds its block of b_ih + b_hh, the forget gate "
        "too (its bias sets how long the cell remembers).",
        lambda *a: _variant(*a, f_bias=False),
    ),
    Mistake(
        "the candidate g uses the sigmoid: the three gates use σ, the candidate uses tanh, "
        "so that the cell can add negative values.",
        lambda *a: _variant(*a, g_act=torch.sigmoid),
    ),
    Mistake(
        "the cell state goes out without its tanh: h_new = o ⊙ tanh(c_new).",
        lambda *a: _variant(*a, cell_act=lambda z: z),
    ),
    Mistake(
        "the cell state goes out through a sigmoid: h_new = o ⊙ tanh(c_new), tanh and not σ.",
        lambda *a: _variant(*a, cell_act=torch.sigmoid),
    ),
    Mistake(
        "the forget gate is missing: c_new = f ⊙ c + i ⊙ g, the old cell state is multiplied by f.",
        lambda *a: _variant(*a, forget=False),
    ),
]


# ---------------------------------------------------------------- 18.2 the cell's backward pass


def lstm_cell_backward(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh):
    """Gradients of one LSTM step: (dx, dh, dc, dW_ih, dW_hh, db)."""
    _, cache = rnn.lstm_cell_forward(x, (h, c), W_ih, W_hh, b_ih, b_hh)
    dx, dh, dc, dW_ih, dW_hh, db, _ = rnn.lstm_cell_backward(dh_new, dc_new, cache)
    return dx, dh, dc, dW_ih, dW_hh, db


def _backward_variant(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh, *, through_h=True,
                      tanh_grad=True, forget=True, g_grad="tanh", c_for_df="old"):
    a = x @ W_ih.T + h @ W_hh.T + b_ih + b_hh
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * c + i * g
    tanh_c = torch.tanh(c_new)
    do = dh_new * tanh_c
    dc = dc_new
    if through_h:
        dc = dc + dh_new * o * ((1 - tanh_c**2) if tanh_grad else 1)
    di, df, dg = dc * g, dc * (c if c_for_df == "old" else c_new), dc * i
    dg_da = (1 - g**2) if g_grad == "tanh" else g * (1 - g)
    da = torch.cat([di * i * (1 - i), df * f * (1 - f), dg * dg_da, do * o * (1 - o)], dim=1)
    return da @ W_ih, da @ W_hh, dc * f if forget else dc, da.T @ x, da.T @ h, da.sum(0)


def _backward_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, n_in, hidden in _SIZES:
        args = _cell_args(gen, n, n_in, hidden)
        cases.append((_randn(gen, n, hidden), _randn(gen, n, hidden), *args))
    return cases


# ---------------------------------------------------------------- 18.3 chrono initialisation


def chrono_bias(u: torch.Tensor) -> torch.Tensor:
    """b_ih of an LSTM (4 * hidden,): blocks i, f, g, o = −ln u, ln u, 0, 0."""
    log_u = u.log()
    zeros = torch.zeros_like(u)
    return torch.cat([-log_u, log_u, zeros, zeros])


def _chrono_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([2.0, 5.0, 30.0]),),
        (1 + 98 * torch.rand(6, generator=gen),),
        (1 + 48 * torch.rand(4, generator=gen, dtype=_F64),),
    ]


# ---------------------------------------------------------------- 18.5 parameters


_GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def recurrent_num_params(cell: str, num_inputs: int, num_hiddens: int) -> int:
    """Parameters of a one-layer nn.RNN / nn.GRU / nn.LSTM: gates · h · (input + h + 2)."""
    return _GATES[cell] * num_hiddens * (num_inputs + num_hiddens + 2)


def _params_cases(gen: torch.Generator) -> list[tuple]:
    return [("lstm", 16, 64), ("gru", 8, 32), ("rnn", 3, 5), ("lstm", 28, 64)]


# ---------------------------------------------------------------- 18.6 rows as time steps


def rows_as_sequence(X: torch.Tensor) -> torch.Tensor:
    """Images (N, H, W) as a time-first sequence (H, N, W): row r is time step r."""
    return X.transpose(0, 1)


def _rows_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.arange(24.0).reshape(2, 3, 4),),
        (torch.randn(3, 5, 2, generator=gen),),
        (torch.randn(4, 6, 7, generator=gen, dtype=_F64),),
    ]


register(
    Exercise(
        name="lstm_cell",
        page=PAGE,
        reference=lstm_cell,
        cases=_cell_cases,
        what="equals nn.LSTMCell's (h_new, c_new)",
        output_names=("h_new", "c_new"),
        mistakes=_LSTM_MISTAKES,
    ),
    Exercise(
        name="lstm_cell_backward",
        page=PAGE,
        reference=lstm_cell_backward,
        cases=_backward_cases,
        what="equals autograd's gradients of one LSTM step",
        output_names=("dx", "dh", "dc", "dW_ih", "dW_hh", "db"),
        mistakes=[
            Mistake(
                "the cell state's gradient misses the path through h_new = o ⊙ tanh(c_new): "
                "dc = dc_new + dh_new ⊙ o ⊙ (1 − tanh²(c_new)).",
                lambda *a: _backward_variant(*a, through_h=False),
            ),
            Mistake(
                "the derivative of tanh(c_new) is missing on the path through h_new: "
                "dc = dc_new + dh_new ⊙ o ⊙ (1 − tanh²(c_new)).",
                lambda *a: _backward_variant(*a, tanh_grad=False),
            ),
            Mistake(
                "the gradient to the previous cell state is missing the forget gate: "
                "c_new = f ⊙ c + i ⊙ g, so ∂L/∂c = dc ⊙ f.",
                lambda *a: _backward_variant(*a, forget=False),
            ),
            Mistake(
                "the candidate g = tanh(a_g) is differentiated as a sigmoid: its derivative is 1 − g².",
                lambda *a: _backward_variant(*a, g_grad="sigmoid"),
            ),
            Mistake(
                "df uses the new cell state: c_new = f ⊙ c + i ⊙ g, so ∂c_new/∂f is the old c.",
                lambda *a: _backward_variant(*a, c_for_df="new"),
            ),
        ],
    ),
    Exercise(
        name="chrono_bias",
        page=PAGE,
        reference=chrono_bias,
        cases=_chrono_cases,
        what="equals the chrono initialisation's bias (−ln u, ln u, 0, 0)",
        mistakes=[
            Mistake(
                "the logarithm is missing: the forget gate's bias is ln u, so that σ(ln u) = u / (1 + u) "
                "and the memory lasts about u steps.",
                lambda u: torch.cat([-u, u, torch.zeros_like(u), torch.zeros_like(u)]),
            ),
            Mistake(
                "the blocks are in the wrong order: torch's order is i, f, g, o, so the input gate's "
                "−ln u comes first and the forget gate's ln u second.",
                lambda u: torch.cat([u.log(), -u.log(), torch.zeros_like(u), torch.zeros_like(u)]),
            ),
            Mistake(
                "the input gate's bias is +ln u: it must be −ln u, so that the gate that opens the cell "
                "to new input is as closed as the forget gate is open.",
                lambda u: torch.cat([u.log(), u.log(), torch.zeros_like(u), torch.zeros_like(u)]),
            ),
            Mistake(
                "only the forget gate is set: the input gate's block is −ln u, not 0.",
                lambda u: torch.cat([torch.zeros_like(u), u.log(), torch.zeros_like(u), torch.zeros_like(u)]),
            ),
        ],
    ),
    Exercise(
        name="recurrent_num_params",
        page=PAGE,
        reference=recurrent_num_params,
        cases=_params_cases,
        what="equals the parameter count of nn.RNN, nn.GRU and nn.LSTM",
        mistakes=[
            Mistake(
                "one bias is missing: torch's recurrent layers have two, b_ih and b_hh, each "
                "gates · hidden long.",
                lambda cell, i, h: _GATES[cell] * h * (i + h + 1),
            ),
            Mistake(
                "the recurrent weights W_hh (gates · hidden × hidden) are missing.",
                lambda cell, i, h: _GATES[cell] * h * (i + 2),
            ),
            Mistake(
                "the gates are not counted: an LSTM has 4 blocks (i, f, g, o), a GRU 3 (r, z, n), "
                "an RNN 1, and each has its own weights.",
                lambda cell, i, h: h * (i + h + 2),
            ),
            Mistake(
                "the LSTM has 4 blocks of weights (i, f, g, o) and the GRU 3 (r, z, n), not the other "
                "way round.",
                lambda cell, i, h: {"rnn": 1, "gru": 4, "lstm": 3}[cell] * h * (i + h + 2),
            ),
        ],
    ),
    Exercise(
        name="rows_as_sequence",
        page=PAGE,
        reference=rows_as_sequence,
        cases=_rows_cases,
        what="equals X.transpose(0, 1): row r of every image is time step r",
        mistakes=[
            Mistake(
                "reshape keeps the memory order, so it mixes rows of different images: swap the "
                "axes with X.transpose(0, 1) (or X.permute(1, 0, 2)).",
                lambda X: X.reshape(X.shape[1], X.shape[0], X.shape[2]),
            ),
            Mistake(
                "this makes the columns the time steps: row r (axis 1) must become axis 0, the "
                "pixels of the row (axis 2) stay last.",
                lambda X: X.permute(2, 0, 1),
            ),
            Mistake(
                "this is still batch first (N, H, W): nn.LSTM without batch_first wants time first, "
                "(H, N, W).",
                lambda X: X.clone(),
            ),
            Mistake(
                "this transposes each image (rows and columns) but keeps the batch first: move the "
                "row axis to the front, X.transpose(0, 1).",
                lambda X: X.transpose(1, 2),
            ),
        ],
    ),
)
