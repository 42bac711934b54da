"""Recurrent cells by hand: the vanilla RNN and the LSTM, forward and backward through time.

Weights follow ``nn.RNNCell`` and ``nn.LSTMCell``: ``W_ih`` is
(gates * hidden, input), ``W_hh`` is (gates * hidden, hidden) and both
biases are (gates * hidden,), with one gate for the RNN and four for the
LSTM, stacked in torch's order ``i, f, g, o``. So a cell computes
``x @ W_ih.T + b_ih + h @ W_hh.T + b_hh`` and [`params_from_torch`][labkit.rnn.params_from_torch]
copies a torch module's weights unchanged.

Sequences are time first, ``X: (T, N, input)``, like ``nn.RNN`` and
``nn.LSTM`` without ``batch_first``. The sequence backward passes are
backpropagation through time (BPTT): they walk the steps in reverse, add the
gradient that reaches ``h_t`` from the loss at step ``t`` (``dH[t]``) to the
one that flows back from step ``t + 1``, and also return the norm of that
total gradient ``‖∂L/∂h_t‖`` for every step, the curve that shows gradients
vanishing or exploding over time.

Derived in the tutorials "Recurrent networks" (``tutorials/17-rnn.py``: the
RNN cell, BPTT, gradient norms and [`clip_grad_norm`][labkit.rnn.clip_grad_norm]) and "LSTM"
(``tutorials/18-lstm.py``: the LSTM cell and its gradient path through the
cell state).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from labkit._validate import check_tensor

__all__ = [
    "RNNGrads",
    "LSTMGrads",
    "params_from_torch",
    "rnn_cell_forward",
    "rnn_cell_backward",
    "rnn_forward",
    "rnn_backward",
    "lstm_cell_forward",
    "lstm_cell_backward",
    "lstm_forward",
    "lstm_backward",
    "clip_grad_norm",
]

Params = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


class RNNGrads(NamedTuple):
    """Gradients returned by [`rnn_backward`][labkit.rnn.rnn_backward] (a tuple, in this order)."""

    dX: torch.Tensor  #: (T, N, input)
    dh0: torch.Tensor  #: (N, hidden)
    dW_ih: torch.Tensor  #: (hidden, input)
    dW_hh: torch.Tensor  #: (hidden, hidden)
    db_ih: torch.Tensor  #: (hidden,)
    db_hh: torch.Tensor  #: (hidden,)
    dh_norms: torch.Tensor  #: (T,): ‖∂L/∂h_t‖ for t = 1..T, over the whole batch


class LSTMGrads(NamedTuple):
    """Gradients returned by [`lstm_backward`][labkit.rnn.lstm_backward] (a tuple, in this order)."""

    dX: torch.Tensor  #: (T, N, input)
    dh0: torch.Tensor  #: (N, hidden)
    dc0: torch.Tensor  #: (N, hidden)
    dW_ih: torch.Tensor  #: (4 * hidden, input)
    dW_hh: torch.Tensor  #: (4 * hidden, hidden)
    db_ih: torch.Tensor  #: (4 * hidden,)
    db_hh: torch.Tensor  #: (4 * hidden,)
    dh_norms: torch.Tensor  #: (T,): ‖∂L/∂h_t‖ for t = 1..T
    dc_norms: torch.Tensor  #: (T,): ‖∂L/∂c_t‖ for t = 1..T


def params_from_torch(module: nn.Module) -> Params:
    """Detached copies ``(W_ih, W_hh, b_ih, b_hh)`` of a torch recurrent module's weights.

    Args:
        module: ``nn.RNNCell`` or ``nn.LSTMCell``, or a one-layer,
            one-direction ``nn.RNN``, ``nn.LSTM`` with biases.

    Raises:
        TypeError: another kind of module.
        ValueError: several layers, bidirectional, no bias or ``proj_size``.

    Examples:
        >>> W_ih, W_hh, b_ih, b_hh = params_from_torch(nn.LSTMCell(3, 4))
        >>> tuple(W_ih.shape), tuple(W_hh.shape), tuple(b_ih.shape)
        ((16, 3), (16, 4), (16,))
    """
    if not isinstance(module, (nn.RNNCellBase, nn.RNNBase)):
        raise TypeError(
            "module must be an nn.RNNCell, nn.LSTMCell, nn.RNN or nn.LSTM, "
            f"got {type(module).__name__}"
        )
    if isinstance(module, nn.RNNBase):
        if module.num_layers != 1 or module.bidirectional or getattr(module, "proj_size", 0):
            raise ValueError("module must have one layer, one direction and no proj_size")
        names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    else:
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    if not module.bias:
        raise ValueError("module must have biases (bias=True)")
    W_ih, W_hh, b_ih, b_hh = (getattr(module, name).detach().clone() for name in names)
    return W_ih, W_hh, b_ih, b_hh


def _check_step(x: object, h: object, params: Sequence[object], gates: int, cell: str) -> None:
    """Check one step's input, state and weights against each other (torch's names in errors)."""
    check_tensor(x, "x", ndim=2, floating=True)
    check_tensor(h, "h", shape=(x.shape[0], "hidden"), dtype=x.dtype)
    _check_params(params, x.shape[1], h.shape[1], x.dtype, gates, cell)


def _check_params(
    params: object, num_inputs: int, hidden: int, dtype: torch.dtype, gates: int, cell: str
) -> None:
    if not isinstance(params, Sequence) or len(params) != 4:
        raise TypeError("params must be the four tensors (W_ih, W_hh, b_ih, b_hh)")
    rows = f"{gates} * hidden" if gates > 1 else "hidden"
    wanted = {
        "W_ih": ((gates * hidden, num_inputs), f"({rows}, input)", "weight_ih"),
        "W_hh": ((gates * hidden, hidden), f"({rows}, hidden)", "weight_hh"),
        "b_ih": ((gates * hidden,), f"({rows},)", "bias_ih"),
        "b_hh": ((gates * hidden,), f"({rows},)", "bias_hh"),
    }
    for value, (name, (shape, symbolic, torch_name)) in zip(params, wanted.items()):
        check_tensor(value, name, dtype=dtype)
        if tuple(value.shape) != shape:
            raise ValueError(
                f"{name} must have shape {symbolic} = {shape}, like {cell}.{torch_name}, "
                f"got {tuple(value.shape)}"
            )


def _check_grad(grad: object, name: str, like: torch.Tensor) -> torch.Tensor:
    check_tensor(grad, name, floating=True)
    if grad.shape != like.shape or grad.dtype != like.dtype:
        raise ValueError(
            f"{name} must match the forward output: shape {tuple(like.shape)} "
            f"and dtype {like.dtype}, "
            f"got {tuple(grad.shape)} and {grad.dtype}"
        )
    return grad


def _check_cache(cache: object, size: int, forward: str, sequence: bool) -> None:
    """Catch a cache from another function (e.g. an LSTM cache given to the RNN's backward)."""
    steps = cache if sequence else [cache]
    if not isinstance(steps, list) or not steps or any(not isinstance(c, tuple) or len(c) != size for c in steps):
        raise TypeError(f"cache must be the cache returned by {forward}")


def _check_sequence(X: object, h0: object, name: str = "h0") -> None:
    check_tensor(X, "X", ndim=3, floating=True)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one time step, got shape (0, ...)")
    check_tensor(h0, name, shape=(X.shape[1], "hidden"), dtype=X.dtype)


# ------------------------------------------------------------------------ RNN


def rnn_cell_forward(
    x: torch.Tensor,
    h: torch.Tensor,
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, tuple]:
    """One step of the tanh RNN, as ``nn.RNNCell``.

    ``h_new = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        x: input, (N, input), floating point.
        h: previous hidden state, (N, hidden), dtype of ``x``.
        W_ih: input weights, (hidden, input).
        W_hh: recurrent weights, (hidden, hidden).
        b_ih: input bias, (hidden,).
        b_hh: recurrent bias, (hidden,).

    Returns:
        ``(h_new, cache)`` with h_new: (N, hidden).

    Raises:
        TypeError, ValueError: non-tensors, integer or mixed dtypes, shapes that do not fit.

    Examples:
        >>> cell = torch.nn.RNNCell(3, 4)
        >>> x, h = torch.randn(2, 3), torch.randn(2, 4)
        >>> h_new, cache = rnn_cell_forward(x, h, *params_from_torch(cell))
        >>> h_new.shape, torch.allclose(h_new, cell(x, h), atol=1e-6)
        (torch.Size([2, 4]), True)
    """
    _check_step(x, h, (W_ih, W_hh, b_ih, b_hh), 1, "nn.RNNCell")
    h_new = torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (N, hidden)
    return h_new, (x, h, W_ih, W_hh, h_new)


def rnn_cell_backward(dh_new: torch.Tensor, cache: tuple) -> tuple[torch.Tensor, ...]:
    """Backward pass of [`rnn_cell_forward`][labkit.rnn.rnn_cell_forward].

    With ``da = dh_new * (1 - h_new²)`` (through tanh): ``dx = da W_ih``,
    ``dh = da W_hh``, ``dW_ih = da^T x``, ``dW_hh = da^T h``, ``db_ih = db_hh = Σ_n da``.

    Args:
        dh_new: gradient of the loss w.r.t. ``h_new``, (N, hidden).
        cache: from [`rnn_cell_forward`][labkit.rnn.rnn_cell_forward].

    Returns:
        ``(dx, dh, dW_ih, dW_hh, db_ih, db_hh)``, shaped like the forward arguments.

    Examples:
        >>> params = params_from_torch(torch.nn.RNNCell(3, 4))
        >>> h_new, cache = rnn_cell_forward(torch.randn(2, 3), torch.randn(2, 4), *params)
        >>> [tuple(g.shape) for g in rnn_cell_backward(torch.ones(2, 4), cache)]
        [(2, 3), (2, 4), (4, 3), (4, 4), (4,), (4,)]
    """
    _check_cache(cache, 5, "rnn_cell_forward", sequence=False)
    x, h, W_ih, W_hh, h_new = cache
    _check_grad(dh_new, "dh_new", h_new)
    da = dh_new * (1 - h_new**2)  # (N, hidden)
    dx = da @ W_ih  # (N, input)
    dh = da @ W_hh  # (N, hidden)
    dW_ih = da.T @ x  # (hidden, input)
    dW_hh = da.T @ h  # (hidden, hidden)
    db = da.sum(0)  # (hidden,)
    return dx, dh, dW_ih, dW_hh, db, db.clone()


def rnn_forward(
    X: torch.Tensor, h0: torch.Tensor, params: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, list]:
    """Run [`rnn_cell_forward`][labkit.rnn.rnn_cell_forward] over a sequence, as a one-layer ``nn.RNN``.

    Args:
        X: inputs, (T, N, input), floating point, time first.
        h0: initial hidden state, (N, hidden).
        params: ``(W_ih, W_hh, b_ih, b_hh)`` as for [`rnn_cell_forward`][labkit.rnn.rnn_cell_forward].

    Returns:
        ``(H, cache)`` with H: (T, N, hidden), the hidden states h_1 .. h_T.

    Examples:
        >>> rnn = torch.nn.RNN(3, 4)
        >>> X, h0 = torch.randn(5, 2, 3), torch.zeros(2, 4)
        >>> H, cache = rnn_forward(X, h0, params_from_torch(rnn))
        >>> H.shape, torch.allclose(H, rnn(X, h0[None])[0], atol=1e-6)
        (torch.Size([5, 2, 4]), True)
    """
    _check_sequence(X, h0)
    _check_params(params, X.shape[2], h0.shape[1], X.dtype, 1, "nn.RNNCell")
    h, H, caches = h0, [], []
    for x in X:
        h, cache = rnn_cell_forward(x, h, *params)
        H.append(h)
        caches.append(cache)
    return torch.stack(H), caches


def rnn_backward(dH: torch.Tensor, cache: list) -> RNNGrads:
    """Backpropagation through time for [`rnn_forward`][labkit.rnn.rnn_forward].

    At step ``t`` the hidden state receives ``dH[t]`` from the loss and the
    gradient ``dh`` that step ``t + 1`` sends back; their sum is ``∂L/∂h_t``.
    The weights are shared by every step, so their gradients add up.

    Args:
        dH: gradient of the loss w.r.t. H, (T, N, hidden); zeros where the
            loss does not read a step (for a loss on h_T only, all but ``dH[-1]``).
        cache: from [`rnn_forward`][labkit.rnn.rnn_forward].

    Returns:
        [`RNNGrads`][labkit.rnn.RNNGrads] ``(dX, dh0, dW_ih, dW_hh, db_ih, db_hh, dh_norms)``;
        ``dh_norms[t - 1]`` is the Frobenius norm of ``∂L/∂h_t`` (N, hidden).

    Examples:
        >>> params = params_from_torch(torch.nn.RNN(3, 4))
        >>> H, cache = rnn_forward(torch.randn(5, 2, 3), torch.zeros(2, 4), params)
        >>> dH = torch.zeros_like(H)
        >>> dH[-1] = 1.0  # a loss that reads h_T only
        >>> grads = rnn_backward(dH, cache)
        >>> grads.dX.shape, grads.dh_norms.shape
        (torch.Size([5, 2, 3]), torch.Size([5]))
    """
    _check_cache(cache, 5, "rnn_forward", sequence=True)
    caches = cache
    h_last = caches[-1][-1]
    _check_grad(dH, "dH", torch.empty((len(caches), *h_last.shape), dtype=h_last.dtype))
    _, _, W_ih, W_hh, _ = caches[0]
    dX = dH.new_empty((len(caches), *caches[0][0].shape))  # (T, N, input), dH's device
    dW_ih, dW_hh = torch.zeros_like(W_ih), torch.zeros_like(W_hh)
    db = dH.new_zeros(W_hh.shape[0])
    dh_norms = dH.new_empty(len(caches))
    dh_next = torch.zeros_like(dH[0])  # (N, hidden): nothing flows back into h_T
    for t in reversed(range(len(caches))):
        dh = dH[t] + dh_next  # ∂L/∂h_t, (N, hidden)
        dh_norms[t] = dh.norm()
        dX[t], dh_next, dW_ih_t, dW_hh_t, db_t, _ = rnn_cell_backward(dh, caches[t])
        dW_ih += dW_ih_t
        dW_hh += dW_hh_t
        db += db_t
    return RNNGrads(dX, dh_next, dW_ih, dW_hh, db, db.clone(), dh_norms)


# ----------------------------------------------------------------------- LSTM


def lstm_cell_forward(
    x: torch.Tensor,
    state: tuple[torch.Tensor, torch.Tensor],
    W_ih: torch.Tensor,
    W_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple]:
    """One LSTM step, as ``nn.LSTMCell``.

    ``a = x W_ih^T + b_ih + h W_hh^T + b_hh`` is split into four blocks
    (i, f, g, o); ``i = σ(a_i)``, ``f = σ(a_f)``, ``g = tanh(a_g)``,
    ``o = σ(a_o)``; ``c_new = f * c + i * g``; ``h_new = o * tanh(c_new)``.

    Args:
        x: input, (N, input), floating point.
        state: ``(h, c)``, each (N, hidden), dtype of ``x``.
        W_ih: input weights, (4 * hidden, input), blocks i, f, g, o.
        W_hh: recurrent weights, (4 * hidden, hidden).
        b_ih: input bias, (4 * hidden,).
        b_hh: recurrent bias, (4 * hidden,).

    Returns:
        ``((h_new, c_new), cache)``, h_new and c_new: (N, hidden).

    Raises:
        TypeError, ValueError: non-tensors, integer or mixed dtypes, shapes that do not fit.

    Examples:
        >>> cell = torch.nn.LSTMCell(3, 4)
        >>> x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
        >>> (h_new, c_new), cache = lstm_cell_forward(x, (h, c), *params_from_torch(cell))
        >>> h_torch, c_torch = cell(x, (h, c))
        >>> torch.allclose(h_new, h_torch, atol=1e-6), torch.allclose(c_new, c_torch, atol=1e-6)
        (True, True)
    """
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError("state must be the pair (h, c)")
    h, c = state
    _check_step(x, h, (W_ih, W_hh, b_ih, b_hh), 4, "nn.LSTMCell")
    check_tensor(c, "c", shape=tuple(h.shape), dtype=x.dtype)
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (N, 4 * hidden)
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)  # each (N, hidden)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * c + i * g  # (N, hidden)
    tanh_c = torch.tanh(c_new)
    h_new = o * tanh_c  # (N, hidden)
    return (h_new, c_new), (x, h, c, W_ih, W_hh, i, f, g, o, tanh_c)


def lstm_cell_backward(
    dh_new: torch.Tensor, dc_new: torch.Tensor, cache: tuple
) -> tuple[torch.Tensor, ...]:
    """Backward pass of [`lstm_cell_forward`][labkit.rnn.lstm_cell_forward].

    The cell state collects two gradients, ``dc = dc_new + dh_new * o * (1 - tanh²(c_new))``;
    it passes to the previous cell state multiplied only by the forget gate,
    ``dc_prev = dc * f``: the path along which the LSTM's gradient does not vanish.

    Args:
        dh_new: gradient of the loss w.r.t. h_new, (N, hidden).
        dc_new: gradient of the loss w.r.t. c_new, (N, hidden).
        cache: from [`lstm_cell_forward`][labkit.rnn.lstm_cell_forward].

    Returns:
        ``(dx, dh, dc, dW_ih, dW_hh, db_ih, db_hh)``, shaped like the forward arguments.

    Examples:
        >>> params = params_from_torch(torch.nn.LSTMCell(3, 4))
        >>> state = (torch.randn(2, 4), torch.randn(2, 4))
        >>> (h_new, c_new), cache = lstm_cell_forward(torch.randn(2, 3), state, *params)
        >>> [tuple(g.shape) for g in lstm_cell_backward(torch.ones(2, 4), torch.zeros(2, 4), cache)]
        [(2, 3), (2, 4), (2, 4), (16, 3), (16, 4), (16,), (16,)]
    """
    _check_cache(cache, 10, "lstm_cell_forward", sequence=False)
    x, h, c, W_ih, W_hh, i, f, g, o, tanh_c = cache
    _check_grad(dh_new, "dh_new", h)
    _check_grad(dc_new, "dc_new", c)
    do = dh_new * tanh_c
    dc = dc_new + dh_new * o * (1 - tanh_c**2)  # ∂L/∂c_new through both of its uses
    di, df, dg = dc * g, dc * c, dc * i
    da = torch.cat(  # (N, 4 * hidden), back through σ and tanh
        [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], dim=1
    )
    dx = da @ W_ih  # (N, input)
    dh = da @ W_hh  # (N, hidden)
    dW_ih = da.T @ x  # (4 * hidden, input)
    dW_hh = da.T @ h  # (4 * hidden, hidden)
    db = da.sum(0)  # (4 * hidden,)
    return dx, dh, dc * f, dW_ih, dW_hh, db, db.clone()


def lstm_forward(
    X: torch.Tensor, state0: tuple[torch.Tensor, torch.Tensor], params: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, list]:
    """Run [`lstm_cell_forward`][labkit.rnn.lstm_cell_forward] over a sequence, as a one-layer ``nn.LSTM``.

    Args:
        X: inputs, (T, N, input), floating point, time first.
        state0: ``(h0, c0)``, each (N, hidden).
        params: ``(W_ih, W_hh, b_ih, b_hh)`` as for [`lstm_cell_forward`][labkit.rnn.lstm_cell_forward].

    Returns:
        ``(H, C, cache)`` with H and C: (T, N, hidden), the hidden and cell
        states of steps 1 .. T (``nn.LSTM``'s ``h_n, c_n`` are ``H[-1], C[-1]``).

    Examples:
        >>> lstm = torch.nn.LSTM(3, 4)
        >>> X, h0, c0 = torch.randn(5, 2, 3), torch.zeros(2, 4), torch.zeros(2, 4)
        >>> H, C, cache = lstm_forward(X, (h0, c0), params_from_torch(lstm))
        >>> out, (h_n, c_n) = lstm(X, (h0[None], c0[None]))
        >>> torch.allclose(H, out, atol=1e-6), torch.allclose(C[-1], c_n[0], atol=1e-6)
        (True, True)
    """
    if not isinstance(state0, (tuple, list)) or len(state0) != 2:
        raise TypeError("state0 must be the pair (h0, c0)")
    h, c = state0
    _check_sequence(X, h)
    check_tensor(c, "c0", shape=tuple(h.shape), dtype=X.dtype)
    _check_params(params, X.shape[2], h.shape[1], X.dtype, 4, "nn.LSTMCell")
    H, C, caches = [], [], []
    for x in X:
        (h, c), cache = lstm_cell_forward(x, (h, c), *params)
        H.append(h)
        C.append(c)
        caches.append(cache)
    return torch.stack(H), torch.stack(C), caches


def lstm_backward(dH: torch.Tensor, cache: list, dC: torch.Tensor | None = None) -> LSTMGrads:
    """Backpropagation through time for [`lstm_forward`][labkit.rnn.lstm_forward].

    Args:
        dH: gradient of the loss w.r.t. H, (T, N, hidden).
        cache: from [`lstm_forward`][labkit.rnn.lstm_forward].
        dC: gradient w.r.t. C, (T, N, hidden), for a loss that reads cell
            states (e.g. ``c_n = C[-1]``); default none.

    Returns:
        [`LSTMGrads`][labkit.rnn.LSTMGrads] ``(dX, dh0, dc0, dW_ih, dW_hh, db_ih, db_hh, dh_norms, dc_norms)``;
        ``dh_norms[t - 1]`` and ``dc_norms[t - 1]`` are the Frobenius norms of
        ``∂L/∂h_t`` and ``∂L/∂c_t``.

    Examples:
        >>> params = params_from_torch(torch.nn.LSTM(3, 4))
        >>> state0 = (torch.zeros(2, 4), torch.zeros(2, 4))
        >>> H, C, cache = lstm_forward(torch.randn(5, 2, 3), state0, params)
        >>> dH = torch.zeros_like(H)
        >>> dH[-1] = 1.0
        >>> grads = lstm_backward(dH, cache)
        >>> grads.dW_ih.shape, grads.dh_norms.shape
        (torch.Size([16, 3]), torch.Size([5]))
    """
    _check_cache(cache, 10, "lstm_forward", sequence=True)
    caches = cache
    h_last = caches[-1][1]
    like = torch.empty((len(caches), *h_last.shape), dtype=h_last.dtype)
    _check_grad(dH, "dH", like)
    if dC is not None:
        _check_grad(dC, "dC", like)
    x0, _, _, W_ih, W_hh, *_ = caches[0]
    dX = dH.new_empty((len(caches), *x0.shape))  # (T, N, input), dH's device
    dW_ih, dW_hh = torch.zeros_like(W_ih), torch.zeros_like(W_hh)
    db = dH.new_zeros(W_hh.shape[0])
    dh_norms = dH.new_empty(len(caches))
    dc_norms = dH.new_empty(len(caches))
    dh_next = torch.zeros_like(dH[0])  # (N, hidden)
    dc_next = torch.zeros_like(dH[0])  # (N, hidden)
    for t in reversed(range(len(caches))):
        dh = dH[t] + dh_next  # ∂L/∂h_t
        dc = dc_next if dC is None else dC[t] + dc_next  # ∂L/∂c_t, not yet through h_t
        dh_norms[t] = dh.norm()
        # h_t = o_t * tanh(c_t), so the full ∂L/∂c_t adds the part that passes through h_t.
        o, tanh_c = caches[t][8], caches[t][9]
        dc_norms[t] = (dc + dh * o * (1 - tanh_c**2)).norm()
        dX[t], dh_next, dc_next, dW_ih_t, dW_hh_t, db_t, _ = lstm_cell_backward(dh, dc, caches[t])
        dW_ih += dW_ih_t
        dW_hh += dW_hh_t
        db += db_t
    return LSTMGrads(dX, dh_next, dc_next, dW_ih, dW_hh, db, db.clone(), dh_norms, dc_norms)


# ------------------------------------------------------------------- clipping


def clip_grad_norm(
    grads: Sequence[torch.Tensor], max_norm: float
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Rescale gradients so that their joint L2 norm is at most ``max_norm``.

    The norm is taken over all tensors together, ``‖g‖ = sqrt(Σ_k ‖g_k‖²)``;
    if it exceeds ``max_norm`` every tensor is multiplied by
    ``max_norm / (‖g‖ + 1e-6)``, so the direction is kept and only the step
    shrinks. Same numbers as ``torch.nn.utils.clip_grad_norm_``, but the
    inputs are left unchanged.

    Args:
        grads: gradient tensors of any shapes, one floating dtype.
        max_norm: largest allowed joint norm, a positive number.

    Returns:
        ``(clipped, total_norm)``: new tensors shaped like ``grads`` and the
        joint norm before clipping (0-dim tensor).

    Raises:
        TypeError: ``grads`` is not a non-empty list of floating tensors of one dtype.
        ValueError: ``max_norm`` is not a positive finite number.

    Examples:
        >>> clipped, norm = clip_grad_norm([torch.tensor([3.0, 0.0]), torch.tensor([4.0])], 1.0)
        >>> round(norm.item(), 4), [[round(v, 4) for v in g.tolist()] for g in clipped]
        (5.0, [[0.6, 0.0], [0.8]])
    """
    if isinstance(grads, (torch.Tensor, str)) or not isinstance(grads, Sequence) or not grads:
        raise TypeError(f"grads must be a non-empty list of tensors, got {type(grads).__name__}")
    check_tensor(grads[0], "grads[0]", floating=True)
    for k, g in enumerate(grads):
        check_tensor(g, f"grads[{k}]", floating=True, dtype=grads[0].dtype)
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)):
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    if not 0 < max_norm < math.inf:
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    total_norm = torch.stack([g.pow(2).sum() for g in grads]).sum().sqrt()
    scale = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
    return [g * scale for g in grads], total_norm
