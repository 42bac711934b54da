"""A one-hidden-layer tanh MLP written from scratch, in the practical's own names.

The functions of the MNIST practical (F. Fleuret, Deep Learning, practical
session 3), with its exact signatures and return values: ``sigma``/``dsigma``
(tanh and its derivative), ``loss``/``dloss`` (squared error ``‖t - v‖²``),
``forward_pass`` and ``backward_pass`` for **one** sample, the latter adding
that sample's gradient into four accumulators in place. Next to them, the same
passes for a whole batch at once (``forward_pass_batch``,
``backward_pass_batch``), which return the gradients summed over the batch.

One copy of each idea: ``sigma`` and ``dsigma`` are [`tanh`][labkit.activations.tanh]
and [`tanh_grad`][labkit.activations.tanh_grad]; ``loss`` and ``dloss`` are the course's
MSE ([`mse_forward`][labkit.layers.mse_forward], [`mse_backward`][labkit.layers.mse_backward])
times the number of elements, because the practical *sums* the squared errors
where the MSE averages them (its step size ``0.1 / N`` then makes each step
0.1 times the mean gradient over the samples).

Shapes follow the course's Part II notation (``nn.Linear``'s): a layer computes
``s = w x + b`` with ``w: (num_outputs, num_inputs)`` acting on one sample
``x``. In the batch versions each row of ``X`` is one sample, so
``s = X @ w.T + b``, as in [`linear_forward`][labkit.layers.linear_forward].

Every public function checks its arguments (shapes, dtypes, and float32 and
float64 never mixed) before computing.

Derived in the tutorial "The MNIST practical: an MLP from scratch"
(``tutorials/12-mnist-from-scratch.py``).
"""

from __future__ import annotations

import torch

from labkit import activations
from labkit._validate import check_positive_int, check_same_shape, check_tensor
from labkit.layers import mse_backward, mse_forward

__all__ = [
    "sigma",
    "dsigma",
    "loss",
    "dloss",
    "forward_pass",
    "backward_pass",
    "forward_pass_batch",
    "backward_pass_batch",
    "init_parameters",
    "gradients_per_sample",
]

Params = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]
Values = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def sigma(x: torch.Tensor) -> torch.Tensor:
    """The activation, ``tanh``, applied element-wise ([`tanh`][labkit.activations.tanh]).

    Args:
        x: floating-point tensor of any shape.

    Returns:
        ``tanh(x)``, same shape.

    Raises:
        TypeError: ``x`` is not a floating-point tensor.

    Examples:
        >>> sigma(torch.tensor([0.0, 100.0]))
        tensor([0., 1.])
    """
    check_tensor(x, "x", floating=True)
    return activations.tanh(x)


def dsigma(x: torch.Tensor) -> torch.Tensor:
    """Derivative of tanh, ``1 - tanh(x)² = 4 / (e^x + e^-x)²``, element-wise.

    The practical writes the second form; [`tanh_grad`][labkit.activations.tanh_grad]
    computes the same number as ``4 σ(2x) σ(-2x)``, which, unlike ``1 - tanh²``,
    keeps its digits once ``tanh(x)`` rounds to 1 (|x| > 9 in float32).

    Args:
        x: floating-point tensor of any shape.

    Returns:
        ``tanh'(x)``, same shape.

    Raises:
        TypeError: ``x`` is not a floating-point tensor.

    Examples:
        >>> dsigma(torch.tensor([0.0, 1.0]))
        tensor([1.0000, 0.4200])
    """
    check_tensor(x, "x", floating=True)
    return activations.tanh_grad(x)


def _check_pair(v: object, t: object) -> None:
    check_tensor(v, "v", floating=True)
    check_tensor(t, "t", dtype=v.dtype)  # type: ignore[union-attr]
    check_same_shape(v, t, "v", "t")  # type: ignore[arg-type]
    if v.numel() == 0:  # type: ignore[union-attr]
        raise ValueError(f"v must hold at least one element, got shape {tuple(v.shape)}")  # type: ignore[union-attr]


def loss(v: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Squared error ``‖t - v‖²`` summed over all elements.

    The practical's loss is the sum, ``numel`` times the course's mean squared
    error ([`mse_forward`][labkit.layers.mse_forward]), and is computed as such.

    Args:
        v: prediction, any shape with at least one element, floating point.
        t: target, shape and dtype of ``v``.

    Returns:
        A 0-dim tensor.

    Raises:
        TypeError: non-float ``v`` or mixed dtypes.
        ValueError: different shapes, or no elements.

    Examples:
        >>> loss(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
        tensor(5.)
    """
    _check_pair(v, t)
    mse, _ = mse_forward(v, t)
    return v.numel() * mse


def dloss(v: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Gradient of [`loss`][labkit.practical.loss] with respect to ``v``: ``2 (v - t)``.

    The MSE's gradient ([`mse_backward`][labkit.layers.mse_backward]) times ``numel``.

    Args:
        v: prediction, any shape with at least one element, floating point.
        t: target, shape and dtype of ``v``.

    Returns:
        The gradient, shape of ``v``.

    Raises:
        TypeError: non-float ``v`` or mixed dtypes.
        ValueError: different shapes, or no elements.

    Examples:
        >>> dloss(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
        tensor([2., 4.])
    """
    _check_pair(v, t)
    _, diff = mse_forward(v, t)
    return mse_backward(diff, float(v.numel()))


def _check_params(w1: object, b1: object, w2: object, b2: object) -> None:
    check_tensor(w1, "w1", ndim=2, floating=True)
    dtype = w1.dtype  # type: ignore[union-attr]
    num_hiddens = w1.shape[0]  # type: ignore[union-attr]
    check_tensor(b1, "b1", shape=(num_hiddens,), dtype=dtype)
    check_tensor(w2, "w2", shape=("num_outputs", num_hiddens), dtype=dtype)
    check_tensor(b2, "b2", shape=(w2.shape[0],), dtype=dtype)  # type: ignore[union-attr]


def _check_values(w1: torch.Tensor, w2: torch.Tensor, batch: tuple[int, ...], values: Values) -> None:
    """The forward-pass values handed to a backward pass (``batch`` is () or (N,))."""
    num_hiddens, num_inputs = w1.shape
    num_outputs = w2.shape[0]
    sizes = [num_inputs, num_hiddens, num_hiddens, num_outputs, num_outputs]
    for name, value, size in zip(["x", "s1", "x1", "s2", "x2"], values, sizes):
        check_tensor(value, name, shape=(*batch, size), dtype=w1.dtype)


# ------------------------------------------------------------- one sample


def forward_pass(w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor, x: torch.Tensor) -> Values:
    """Forward pass of the MLP for one input vector.

    ``x0 = x``, ``s1 = w1 x0 + b1``, ``x1 = σ(s1)``, ``s2 = w2 x1 + b2``, ``x2 = σ(s2)``.

    Args:
        w1: first-layer weights, shape (num_hiddens, num_inputs).
        b1: first-layer bias, shape (num_hiddens,).
        w2: second-layer weights, shape (num_outputs, num_hiddens).
        b2: second-layer bias, shape (num_outputs,).
        x: one input, shape (num_inputs,).

    Returns:
        ``(x0, s1, x1, s2, x2)`` with shapes (num_inputs,), (num_hiddens,) twice
        and (num_outputs,) twice.

    Raises:
        TypeError: non-float or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> w1, b1, w2, b2 = torch.eye(2), torch.zeros(2), torch.ones(1, 2), torch.zeros(1)
        >>> x0, s1, x1, s2, x2 = forward_pass(w1, b1, w2, b2, torch.tensor([0.0, 0.0]))
        >>> x2
        tensor([0.])
    """
    _check_params(w1, b1, w2, b2)
    check_tensor(x, "x", shape=(w1.shape[1],), dtype=w1.dtype)
    x0 = x
    s1 = w1.mv(x0) + b1
    x1 = sigma(s1)
    s2 = w2.mv(x1) + b2
    x2 = sigma(s2)
    return x0, s1, x1, s2, x2


def backward_pass(
    w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor,
    t: torch.Tensor,
    x: torch.Tensor, s1: torch.Tensor, x1: torch.Tensor, s2: torch.Tensor, x2: torch.Tensor,
    dl_dw1: torch.Tensor, dl_db1: torch.Tensor, dl_dw2: torch.Tensor, dl_db2: torch.Tensor,
) -> None:
    """Add one sample's gradient of ``loss(x2, t)`` to the four accumulators, in place.

    Args:
        w1: first-layer weights, shape (num_hiddens, num_inputs).
        b1: first-layer bias, shape (num_hiddens,).
        w2: second-layer weights, shape (num_outputs, num_hiddens).
        b2: second-layer bias, shape (num_outputs,).
        t: target, shape (num_outputs,).
        x: the input ``x0`` returned by [`forward_pass`][labkit.practical.forward_pass], shape (num_inputs,).
        s1: pre-activation of the hidden layer, shape (num_hiddens,).
        x1: hidden activation, shape (num_hiddens,).
        s2: pre-activation of the output layer, shape (num_outputs,).
        x2: output, shape (num_outputs,).
        dl_dw1: accumulator of the gradient w.r.t. ``w1``, shape of ``w1``; added to.
        dl_db1: accumulator for ``b1``, shape of ``b1``; added to.
        dl_dw2: accumulator for ``w2``, shape of ``w2``; added to.
        dl_db2: accumulator for ``b2``, shape of ``b2``; added to.

    Returns:
        None (the practical's ``backward_pass`` updates its arguments).

    Raises:
        TypeError: non-float or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> w1, b1, w2, b2 = torch.eye(2), torch.zeros(2), torch.ones(1, 2), torch.zeros(1)
        >>> values = forward_pass(w1, b1, w2, b2, torch.tensor([1.0, 0.0]))
        >>> grads = [torch.zeros_like(p) for p in (w1, b1, w2, b2)]
        >>> backward_pass(w1, b1, w2, b2, torch.tensor([0.0]), *values, *grads)
        >>> grads[3]  # dl/db2 = 2 (x2 - t) σ'(s2)
        tensor([0.7548])
    """
    _check_params(w1, b1, w2, b2)
    check_tensor(t, "t", shape=(w2.shape[0],), dtype=w2.dtype)
    _check_values(w1, w2, (), (x, s1, x1, s2, x2))
    for name, grad, param in [("dl_dw1", dl_dw1, w1), ("dl_db1", dl_db1, b1),
                              ("dl_dw2", dl_dw2, w2), ("dl_db2", dl_db2, b2)]:
        check_tensor(grad, name, shape=tuple(param.shape), dtype=param.dtype)
    x0 = x
    dl_dx2 = dloss(x2, t)
    dl_ds2 = dsigma(s2) * dl_dx2  # (num_outputs,)
    dl_dx1 = w2.t().mv(dl_ds2)
    dl_ds1 = dsigma(s1) * dl_dx1  # (num_hiddens,)
    dl_dw2.add_(dl_ds2.view(-1, 1).mm(x1.view(1, -1)))
    dl_db2.add_(dl_ds2)
    dl_dw1.add_(dl_ds1.view(-1, 1).mm(x0.view(1, -1)))
    dl_db1.add_(dl_ds1)


# ------------------------------------------------------------- a whole batch


def forward_pass_batch(
    w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor, X: torch.Tensor
) -> Values:
    """[`forward_pass`][labkit.practical.forward_pass] for N samples at once, one sample per row.

    Args:
        w1: first-layer weights, shape (num_hiddens, num_inputs).
        b1: first-layer bias, shape (num_hiddens,).
        w2: second-layer weights, shape (num_outputs, num_hiddens).
        b2: second-layer bias, shape (num_outputs,).
        X: inputs, shape (N, num_inputs).

    Returns:
        ``(x0, s1, x1, s2, x2)`` with shapes (N, num_inputs), (N, num_hiddens)
        twice and (N, num_outputs) twice; row n equals ``forward_pass`` of ``X[n]``.

    Raises:
        TypeError: non-float or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> w1, b1, w2, b2 = init_parameters(4, 3, 2)
        >>> [tuple(v.shape) for v in forward_pass_batch(w1, b1, w2, b2, torch.zeros(5, 4))]
        [(5, 4), (5, 3), (5, 3), (5, 2), (5, 2)]
    """
    _check_params(w1, b1, w2, b2)
    check_tensor(X, "X", shape=("N", w1.shape[1]), dtype=w1.dtype)
    x0 = X
    s1 = x0 @ w1.t() + b1
    x1 = sigma(s1)
    s2 = x1 @ w2.t() + b2
    x2 = sigma(s2)
    return x0, s1, x1, s2, x2


def backward_pass_batch(
    w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor,
    T: torch.Tensor,
    X: torch.Tensor, s1: torch.Tensor, x1: torch.Tensor, s2: torch.Tensor, x2: torch.Tensor,
) -> Params:
    """Gradient of the summed loss ``Σ_n ‖T_n - x2_n‖²`` for a batch, in matrix form.

    Equal to calling [`backward_pass`][labkit.practical.backward_pass] on every row and summing, without
    the Python loop: the outer products of the per-sample pass become one
    matrix product over the batch dimension.

    Args:
        w1: first-layer weights, shape (num_hiddens, num_inputs).
        b1: first-layer bias, shape (num_hiddens,).
        w2: second-layer weights, shape (num_outputs, num_hiddens).
        b2: second-layer bias, shape (num_outputs,).
        T: targets, shape (N, num_outputs).
        X: inputs, shape (N, num_inputs).
        s1: hidden pre-activations from [`forward_pass_batch`][labkit.practical.forward_pass_batch], shape (N, num_hiddens).
        x1: hidden activations, shape (N, num_hiddens).
        s2: output pre-activations, shape (N, num_outputs).
        x2: outputs, shape (N, num_outputs).

    Returns:
        ``(dl_dw1, dl_db1, dl_dw2, dl_db2)`` with the shapes of ``w1, b1, w2, b2``.

    Raises:
        TypeError: non-float or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> w1, b1, w2, b2 = init_parameters(4, 3, 2, eps=0.1, generator=torch.Generator().manual_seed(0))
        >>> X, T = torch.ones(5, 4), torch.zeros(5, 2)
        >>> grads = backward_pass_batch(w1, b1, w2, b2, T, *forward_pass_batch(w1, b1, w2, b2, X))
        >>> [tuple(g.shape) for g in grads]
        [(3, 4), (3,), (2, 3), (2,)]
    """
    _check_params(w1, b1, w2, b2)
    check_tensor(X, "X", ndim=2)
    check_tensor(T, "T", shape=(X.shape[0], w2.shape[0]), dtype=w2.dtype)
    _check_values(w1, w2, (X.shape[0],), (X, s1, x1, s2, x2))
    dl_dx2 = dloss(x2, T)
    dl_ds2 = dsigma(s2) * dl_dx2  # (N, num_outputs)
    dl_dx1 = dl_ds2 @ w2  # (N, num_hiddens)
    dl_ds1 = dsigma(s1) * dl_dx1  # (N, num_hiddens)
    dl_dw2 = dl_ds2.t() @ x1  # (num_outputs, num_hiddens)
    dl_db2 = dl_ds2.sum(0)
    dl_dw1 = dl_ds1.t() @ X  # (num_hiddens, num_inputs)
    dl_db1 = dl_ds1.sum(0)
    return dl_dw1, dl_db1, dl_dw2, dl_db2


# ------------------------------------------------------------- helpers


def init_parameters(
    num_inputs: int, num_hiddens: int, num_outputs: int, *,
    eps: float = 1e-6, generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32, device: torch.device | str | None = None,
) -> Params:
    """The practical's initialisation: every weight and bias drawn from N(0, eps).

    Args:
        num_inputs: input size (784 for MNIST).
        num_hiddens: hidden units (50 in the practical).
        num_outputs: output size (10 classes).
        eps: the standard deviation (the practical calls ``normal_(0, eps)``).
        generator: random generator; the global one when ``None``.
        dtype: dtype of the parameters.
        device: device of the parameters.

    Returns:
        ``(w1, b1, w2, b2)`` with shapes (num_hiddens, num_inputs),
        (num_hiddens,), (num_outputs, num_hiddens), (num_outputs,).

    Raises:
        TypeError: ``eps`` is not a number.
        ValueError: a size that is not a positive integer, or ``eps < 0``.

    Examples:
        >>> w1, b1, w2, b2 = init_parameters(784, 50, 10, generator=torch.Generator().manual_seed(0))
        >>> tuple(w1.shape), tuple(w2.shape), w1.abs().max().item() < 1e-5
        ((50, 784), (10, 50), True)
    """
    for name, value in [("num_inputs", num_inputs), ("num_hiddens", num_hiddens),
                        ("num_outputs", num_outputs)]:
        check_positive_int(value, name)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise TypeError(f"eps must be a number, got {type(eps).__name__}")
    if not eps >= 0:
        raise ValueError(f"eps must be a standard deviation >= 0, got {eps!r}")
    shapes = [(num_hiddens, num_inputs), (num_hiddens,), (num_outputs, num_hiddens), (num_outputs,)]
    params = tuple(
        torch.randn(shape, generator=generator, dtype=dtype).mul_(eps).to(device) for shape in shapes
    )
    return params  # type: ignore[return-value]


def gradients_per_sample(
    w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor, b2: torch.Tensor,
    X: torch.Tensor, T: torch.Tensor,
) -> Params:
    """The practical's way to get a batch gradient: one forward and backward pass per sample.

    Resets four accumulators to zero, then loops over the rows of ``X`` calling
    [`forward_pass`][labkit.practical.forward_pass] and [`backward_pass`][labkit.practical.backward_pass] (this Python loop is the
    point: it is what [`backward_pass_batch`][labkit.practical.backward_pass_batch] removes). Each call checks
    its own arguments, as any call of the public functions does.

    Args:
        w1: first-layer weights, shape (num_hiddens, num_inputs).
        b1: first-layer bias, shape (num_hiddens,).
        w2: second-layer weights, shape (num_outputs, num_hiddens).
        b2: second-layer bias, shape (num_outputs,).
        X: inputs, shape (N, num_inputs).
        T: targets, shape (N, num_outputs).

    Returns:
        ``(dl_dw1, dl_db1, dl_dw2, dl_db2)`` summed over the N samples.

    Raises:
        TypeError: non-float or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> params = init_parameters(4, 3, 2, eps=0.1, generator=torch.Generator().manual_seed(0))
        >>> X, T = torch.randn(6, 4, generator=torch.Generator().manual_seed(1)), torch.zeros(6, 2)
        >>> looped = gradients_per_sample(*params, X, T)
        >>> batched = backward_pass_batch(*params, T, *forward_pass_batch(*params, X))
        >>> all(torch.allclose(a, b, atol=1e-6) for a, b in zip(looped, batched))
        True
    """
    _check_params(w1, b1, w2, b2)
    check_tensor(X, "X", shape=("N", w1.shape[1]), dtype=w1.dtype)
    check_tensor(T, "T", shape=(X.shape[0], w2.shape[0]), dtype=w2.dtype)
    grads = tuple(torch.zeros_like(p) for p in (w1, b1, w2, b2))
    for n in range(X.shape[0]):
        values = forward_pass(w1, b1, w2, b2, X[n])
        backward_pass(w1, b1, w2, b2, T[n], *values, *grads)
    return grads  # type: ignore[return-value]
