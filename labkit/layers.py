"""Hand-written layers: each forward pass next to its backward pass.

Every layer is a pair ``x_forward(...) -> (out, cache)`` and
``x_backward(dout, cache) -> grads``. The forward pass keeps in ``cache``
exactly what the backward pass needs; the backward pass receives the gradient
of a scalar loss with respect to the layer's output (``dout``) and returns the
gradients with respect to the layer's inputs and parameters (chain rule).

Shapes follow the course's Part II notation, which is ``nn.Linear``'s: a batch
of ``N`` examples is a matrix with one example per row, and a linear layer with
weights ``W: (num_outputs, num_inputs)`` computes ``y = W x + b`` for one
example, ``X @ W.T + b`` for the batch.

The activations' derivatives come from [`labkit.activations`][labkit.activations] and the mean
squared error is the course's one MSE ([`labkit.regression`][labkit.regression],
[`labkit.backprop`][labkit.backprop] and [`labkit.practical`][labkit.practical] reuse it), so each idea is
written once.

Derived in the tutorial "Softmax cross-entropy backprop"
(``tutorials/11-softmax-backprop.py``); the sigmoid/ReLU comparison that uses
them is in "Vanishing gradients" (``tutorials/10-vanishing-gradients.py``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from labkit import activations
from labkit._validate import check_same_shape, check_tensor

__all__ = [
    "LinearCache",
    "SoftmaxCECache",
    "linear_forward",
    "linear_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "softmax_cross_entropy_forward",
    "softmax_cross_entropy_backward",
    "mse_forward",
    "mse_backward",
]


class LinearCache(NamedTuple):
    """What [`linear_backward`][labkit.layers.linear_backward] needs: the input ``X`` (N, num_inputs) and ``W``."""

    X: torch.Tensor
    W: torch.Tensor


class SoftmaxCECache(NamedTuple):
    """What [`softmax_cross_entropy_backward`][labkit.layers.softmax_cross_entropy_backward] needs: ``probs`` (N, C) and labels ``y`` (N,)."""

    probs: torch.Tensor
    y: torch.Tensor


def _check_cache(cache: object, kind: type, forward: str) -> None:
    if not isinstance(cache, kind):
        raise TypeError(
            f"cache must be the {kind.__name__} returned by {forward}, got {type(cache).__name__}"
        )


def _check_tensor_cache(cache: object, forward: str) -> torch.Tensor:
    if not isinstance(cache, torch.Tensor) or not cache.is_floating_point():
        got = f"a {cache.dtype} tensor" if isinstance(cache, torch.Tensor) else type(cache).__name__
        raise TypeError(f"cache must be the floating-point tensor returned by {forward}, got {got}")
    return cache


def _check_dout(dout: object, like: torch.Tensor, shape: torch.Size, name: str = "dout") -> torch.Tensor:
    """``dout`` must have the layer output's shape and the dtype of the forward pass."""
    dout = check_tensor(dout, name, floating=True)
    if dout.shape != shape:
        raise ValueError(
            f"{name} must have the shape of the layer's output {tuple(shape)}, got {tuple(dout.shape)}"
        )
    if dout.dtype != like.dtype:
        raise TypeError(
            f"{name} must have the dtype of the forward pass ({like.dtype}), got {dout.dtype}: "
            "do not mix float32 and float64"
        )
    return dout


def _check_dloss(dloss: object, like: torch.Tensor) -> None:
    if isinstance(dloss, torch.Tensor):
        if dloss.ndim != 0:
            raise ValueError(f"dloss must be a number or a 0-dim tensor, got shape {tuple(dloss.shape)}")
        if dloss.dtype != like.dtype:
            raise TypeError(
                f"dloss must have the dtype of the forward pass ({like.dtype}), got {dloss.dtype}"
            )
    elif isinstance(dloss, bool) or not isinstance(dloss, (int, float)):
        raise TypeError(f"dloss must be a number or a 0-dim tensor, got {type(dloss).__name__}")


# --------------------------------------------------------------------- linear


def linear_forward(X: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, LinearCache]:
    """Affine layer ``out = X @ W.T + b`` (``y = W x + b`` for each row ``x``).

    Args:
        X: inputs, shape (N, num_inputs), floating point.
        W: weights, shape (num_outputs, num_inputs) as in ``nn.Linear``, dtype of ``X``.
        b: bias, shape (num_outputs,), dtype of ``X``.

    Returns:
        ``(out, cache)`` with out: (N, num_outputs) and ``cache = LinearCache(X, W)``.

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> X = torch.tensor([[1.0, 2.0]])  # one example, 2 inputs
        >>> W = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # 3 outputs
        >>> out, cache = linear_forward(X, W, torch.tensor([0.0, 0.0, 0.5]))
        >>> out
        tensor([[1.0000, 2.0000, 3.5000]])
    """
    check_tensor(X, "X", ndim=2, floating=True)
    check_tensor(W, "W", shape=("num_outputs", X.shape[1]), dtype=X.dtype)
    check_tensor(b, "b", shape=(W.shape[0],), dtype=X.dtype)
    out = X @ W.T + b  # (N, num_outputs)
    return out, LinearCache(X, W)


def linear_backward(
    dout: torch.Tensor, cache: LinearCache
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Backward pass of [`linear_forward`][labkit.layers.linear_forward]: ``dX = dout W``, ``dW = doutᵀ X``, ``db = Σ_n dout``.

    Args:
        dout: gradient of the loss w.r.t. ``out``, shape (N, num_outputs).
        cache: the [`LinearCache`][labkit.layers.LinearCache] returned by [`linear_forward`][labkit.layers.linear_forward].

    Returns:
        ``(dX, dW, db)`` with shapes (N, num_inputs), (num_outputs, num_inputs)
        and (num_outputs,).

    Raises:
        TypeError: ``cache`` is not a [`LinearCache`][labkit.layers.LinearCache], or ``dout`` is not a
            tensor of the forward pass's dtype.
        ValueError: ``dout`` does not have the output's shape.

    Examples:
        >>> X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> _, cache = linear_forward(X, torch.ones(1, 2), torch.zeros(1))
        >>> dX, dW, db = linear_backward(torch.ones(2, 1), cache)
        >>> dW, db
        (tensor([[4., 6.]]), tensor([2.]))
    """
    _check_cache(cache, LinearCache, "linear_forward")
    X, W = cache
    _check_dout(dout, X, torch.Size((X.shape[0], W.shape[0])))
    dX = dout @ W  # (N, num_inputs)
    dW = dout.T @ X  # (num_outputs, num_inputs)
    db = dout.sum(0)  # (num_outputs,)
    return dX, dW, db


# ----------------------------------------------------------------------- ReLU


def relu_forward(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise ``max(0, x)`` ([`relu`][labkit.activations.relu]).

    Args:
        X: floating-point tensor of any shape.

    Returns:
        ``(out, cache)`` with out of ``X``'s shape and ``cache = X``.

    Examples:
        >>> out, cache = relu_forward(torch.tensor([-1.0, 0.0, 2.0]))
        >>> out
        tensor([0., 0., 2.])
    """
    check_tensor(X, "X", floating=True)
    return activations.relu(X), X


def relu_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """Backward pass of [`relu_forward`][labkit.layers.relu_forward]: ``dX = dout * 1[X > 0]``.

    The derivative at exactly 0 is taken to be 0, as in ``torch.relu``.

    Args:
        dout: gradient w.r.t. the output, shape of ``X``.
        cache: the ``X`` returned by [`relu_forward`][labkit.layers.relu_forward].

    Returns:
        dX, shape of ``X``.

    Raises:
        TypeError: ``cache`` is not a floating-point tensor, or ``dout`` mixes dtypes.
        ValueError: ``dout`` does not have ``X``'s shape.

    Examples:
        >>> _, cache = relu_forward(torch.tensor([-1.0, 0.0, 2.0]))
        >>> relu_backward(torch.tensor([5.0, 5.0, 5.0]), cache)
        tensor([0., 0., 5.])
    """
    X = _check_tensor_cache(cache, "relu_forward")
    _check_dout(dout, X, X.shape)
    return dout * activations.relu_grad(X)


# -------------------------------------------------------------------- sigmoid


def sigmoid_forward(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise logistic sigmoid ``1 / (1 + exp(-x))`` ([`sigmoid`][labkit.activations.sigmoid]).

    Args:
        X: floating-point tensor of any shape.

    Returns:
        ``(out, cache)`` with out of ``X``'s shape and ``cache = X``.

    Examples:
        >>> out, cache = sigmoid_forward(torch.tensor([0.0, 2.0]))
        >>> out
        tensor([0.5000, 0.8808])
    """
    check_tensor(X, "X", floating=True)
    return activations.sigmoid(X), X


def sigmoid_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """Backward pass of [`sigmoid_forward`][labkit.layers.sigmoid_forward]: ``dX = dout * σ(X) (1 - σ(X))``.

    Args:
        dout: gradient w.r.t. the output, shape of ``X``.
        cache: the ``X`` returned by [`sigmoid_forward`][labkit.layers.sigmoid_forward].

    Returns:
        dX, shape of ``X``.

    Raises:
        TypeError: ``cache`` is not a floating-point tensor, or ``dout`` mixes dtypes.
        ValueError: ``dout`` does not have ``X``'s shape.

    Examples:
        >>> _, cache = sigmoid_forward(torch.tensor([0.0]))
        >>> sigmoid_backward(torch.tensor([2.0]), cache)
        tensor([0.5000])
    """
    X = _check_tensor_cache(cache, "sigmoid_forward")
    _check_dout(dout, X, X.shape)
    return dout * activations.sigmoid_grad(X)


# ----------------------------------------------------- softmax cross-entropy


def _check_labels(y: object, num_examples: int, num_classes: int) -> torch.Tensor:
    y = check_tensor(y, "y", shape=(num_examples,), dtype=torch.int64)
    if y.numel() and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"y must hold class indices in [0, {num_classes - 1}], "
            f"got values from {y.min().item()} to {y.max().item()}"
        )
    return y


def softmax_cross_entropy_forward(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, SoftmaxCECache]:
    """Mean cross-entropy of the softmax of ``logits`` against labels ``y``.

    ``L = -(1/N) Σ_n log softmax(logits_n)[y_n]``, computed with
    ``logsumexp`` so that large logits do not overflow.

    Args:
        logits: scores, shape (N, num_classes) with N >= 1, floating point.
        y: class indices, shape (N,), dtype int64, values in [0, num_classes).

    Returns:
        ``(loss, cache)`` with loss a 0-dim tensor and
        ``cache = SoftmaxCECache(probs, y)``, probs: (N, num_classes).

    Raises:
        TypeError: non-float logits or non-int64 labels.
        ValueError: an empty batch, or labels of the wrong shape or range.

    Examples:
        >>> loss, cache = softmax_cross_entropy_forward(torch.zeros(2, 4), torch.tensor([0, 3]))
        >>> round(loss.item(), 4)  # log 4: four equally likely classes
        1.3863
    """
    check_tensor(logits, "logits", ndim=2, floating=True)
    if logits.shape[0] == 0:
        raise ValueError("logits must hold at least one example (N >= 1), got shape (0, ...)")
    _check_labels(y, logits.shape[0], logits.shape[1])
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)  # (N, num_classes)
    loss = -log_probs.gather(1, y.unsqueeze(1)).mean()
    return loss, SoftmaxCECache(log_probs.exp(), y)


def softmax_cross_entropy_backward(cache: SoftmaxCECache, dloss: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Backward pass of [`softmax_cross_entropy_forward`][labkit.layers.softmax_cross_entropy_forward].

    ``dlogits = dloss * (softmax(logits) - e_y) / N`` with ``e_y`` the one-hot
    rows of the labels.

    Args:
        cache: the [`SoftmaxCECache`][labkit.layers.SoftmaxCECache] returned by [`softmax_cross_entropy_forward`][labkit.layers.softmax_cross_entropy_forward].
        dloss: gradient of the final objective w.r.t. the loss (1 when the
            loss is the objective), a number or a 0-dim tensor.

    Returns:
        dlogits, shape (N, num_classes).

    Raises:
        TypeError: ``cache`` is not a [`SoftmaxCECache`][labkit.layers.SoftmaxCECache], or a bad ``dloss``.

    Examples:
        >>> _, cache = softmax_cross_entropy_forward(torch.zeros(1, 2), torch.tensor([1]))
        >>> softmax_cross_entropy_backward(cache)
        tensor([[ 0.5000, -0.5000]])
    """
    _check_cache(cache, SoftmaxCECache, "softmax_cross_entropy_forward")
    probs, y = cache
    _check_dloss(dloss, probs)
    num_examples, num_classes = probs.shape
    e_y = F.one_hot(y, num_classes=num_classes).to(probs.dtype)  # (N, num_classes)
    return dloss * (probs - e_y) / num_examples


# ------------------------------------------------------------ mean squared error


def mse_forward(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean squared error ``mean((y_hat - y)²)`` over all elements.

    Args:
        y_hat: predictions, floating point, any shape with at least one element.
        y: targets, same shape and dtype as ``y_hat``.

    Returns:
        ``(loss, cache)`` with loss a 0-dim tensor and ``cache = y_hat - y``.

    Raises:
        TypeError: non-float predictions or mixed dtypes.
        ValueError: different shapes, or no elements.

    Examples:
        >>> loss, cache = mse_forward(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
        >>> loss
        tensor(5.)
    """
    check_tensor(y_hat, "y_hat", floating=True)
    check_tensor(y, "y", dtype=y_hat.dtype)
    check_same_shape(y_hat, y, "y_hat", "y")
    if y_hat.numel() == 0:
        raise ValueError(f"y_hat must hold at least one element, got shape {tuple(y_hat.shape)}")
    diff = y_hat - y
    return diff.pow(2).mean(), diff


def mse_backward(cache: torch.Tensor, dloss: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Backward pass of [`mse_forward`][labkit.layers.mse_forward]: ``dy_hat = dloss * 2 (y_hat - y) / numel``.

    Args:
        cache: the difference ``y_hat - y`` returned by [`mse_forward`][labkit.layers.mse_forward].
        dloss: gradient of the final objective w.r.t. the loss, a number or a 0-dim tensor.

    Returns:
        dy_hat, shape of ``y_hat``.

    Raises:
        TypeError: ``cache`` is not a floating-point tensor, or a bad ``dloss``.

    Examples:
        >>> _, cache = mse_forward(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
        >>> mse_backward(cache)
        tensor([1., 3.])
    """
    diff = _check_tensor_cache(cache, "mse_forward")
    _check_dloss(dloss, diff)
    return dloss * 2 * diff / diff.numel()
