"""Hand-written layers: each forward pass next to its backward pass.

Every layer is a pair ``x_forward(...) -> (out, cache)`` and
``x_backward(dout, cache) -> grads``. The forward pass keeps in ``cache``
exactly what the backward pass needs; the backward pass receives the gradient
of a scalar loss with respect to the layer's output (``dout``) and returns the
gradients with respect to the layer's inputs and parameters (chain rule).

Shapes follow the batch-first convention of the course: a batch of ``N``
examples is a matrix with one example per row, and a linear layer computes
``X @ W + b`` with ``W: (num_inputs, num_outputs)``.

Derived in the tutorial "Softmax cross-entropy backprop"
(``tutorials/11-softmax-backprop.py``); the sigmoid/ReLU comparison that uses
them is in "Vanishing gradients" (``tutorials/10-vanishing-gradients.py``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from labkit._validate import check_same_shape, check_tensor

__all__ = [
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

LinearCache = tuple[torch.Tensor, torch.Tensor]
SoftmaxCECache = tuple[torch.Tensor, torch.Tensor]


def _check_dout(dout: object, out_shape: torch.Size, name: str = "dout") -> torch.Tensor:
    dout = check_tensor(dout, name, floating=True)
    if dout.shape != out_shape:
        raise ValueError(
            f"{name} must have the shape of the layer's output {tuple(out_shape)}, "
            f"got {tuple(dout.shape)}"
        )
    return dout


def _check_dloss(dloss: object) -> None:
    if isinstance(dloss, torch.Tensor):
        if dloss.ndim != 0:
            raise ValueError(f"dloss must be a number or a 0-dim tensor, got shape {tuple(dloss.shape)}")
    elif isinstance(dloss, bool) or not isinstance(dloss, (int, float)):
        raise TypeError(f"dloss must be a number or a 0-dim tensor, got {type(dloss).__name__}")


# --------------------------------------------------------------------- linear


def linear_forward(
    X: torch.Tensor, W: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, LinearCache]:
    """Affine layer ``out = X @ W + b``.

    Args:
        X: inputs, shape (N, num_inputs), floating point.
        W: weights, shape (num_inputs, num_outputs), same dtype as ``X``.
        b: bias, shape (num_outputs,), same dtype as ``X``.

    Returns:
        ``(out, cache)`` with out: (N, num_outputs) and ``cache = (X, W)``.

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit together.
    """
    check_tensor(X, "X", ndim=2, floating=True)
    check_tensor(W, "W", shape=(X.shape[1], "num_outputs"), dtype=X.dtype)
    check_tensor(b, "b", shape=(W.shape[1],), dtype=X.dtype)
    out = X @ W + b  # (N, num_outputs)
    return out, (X, W)


def linear_backward(
    dout: torch.Tensor, cache: LinearCache
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Backward pass of :func:`linear_forward`.

    Args:
        dout: gradient of the loss w.r.t. ``out``, shape (N, num_outputs).
        cache: the ``(X, W)`` returned by :func:`linear_forward`.

    Returns:
        ``(dX, dW, db)`` with shapes (N, num_inputs), (num_inputs, num_outputs)
        and (num_outputs,).
    """
    X, W = cache
    _check_dout(dout, torch.Size((X.shape[0], W.shape[1])))
    dX = dout @ W.T  # (N, num_inputs)
    dW = X.T @ dout  # (num_inputs, num_outputs)
    db = dout.sum(0)  # (num_outputs,)
    return dX, dW, db


# ----------------------------------------------------------------------- ReLU


def relu_forward(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise ``max(0, x)``.

    Args:
        X: floating-point tensor of any shape.

    Returns:
        ``(out, cache)`` with out of ``X``'s shape and ``cache = X``.
    """
    check_tensor(X, "X", floating=True)
    return X.clamp(min=0), X


def relu_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """Backward pass of :func:`relu_forward`: ``dX = dout * 1[X > 0]``.

    The derivative at exactly 0 is taken to be 0, as in ``torch.relu``.

    Args:
        dout: gradient w.r.t. the output, shape of ``X``.
        cache: the ``X`` returned by :func:`relu_forward`.

    Returns:
        dX, shape of ``X``.
    """
    X = cache
    _check_dout(dout, X.shape)
    return dout * (X > 0).to(dout.dtype)


# -------------------------------------------------------------------- sigmoid


def sigmoid_forward(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise logistic sigmoid ``1 / (1 + exp(-x))``.

    Args:
        X: floating-point tensor of any shape.

    Returns:
        ``(out, cache)`` with out of ``X``'s shape and ``cache = out``
        (the derivative is a function of the output alone).
    """
    check_tensor(X, "X", floating=True)
    out = torch.sigmoid(X)
    return out, out


def sigmoid_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """Backward pass of :func:`sigmoid_forward`: ``dX = dout * s * (1 - s)``.

    Args:
        dout: gradient w.r.t. the output, shape of ``X``.
        cache: the output ``s`` returned by :func:`sigmoid_forward`.

    Returns:
        dX, shape of ``X``.
    """
    s = cache
    _check_dout(dout, s.shape)
    return dout * s * (1 - s)


# ----------------------------------------------------- softmax cross-entropy


def _check_labels(y: object, num_examples: int, num_classes: int) -> torch.Tensor:
    y = check_tensor(y, "y", shape=(num_examples,), dtype=torch.int64)
    if y.numel() and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"y must hold class indices in [0, {num_classes - 1}], "
            f"got values from {y.min().item()} to {y.max().item()}"
        )
    return y


def softmax_cross_entropy_forward(
    logits: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, SoftmaxCECache]:
    """Mean cross-entropy of the softmax of ``logits`` against labels ``y``.

    ``L = -(1/N) Σ_n log softmax(logits_n)[y_n]``, computed with
    ``logsumexp`` so that large logits do not overflow.

    Args:
        logits: scores, shape (N, num_classes), floating point.
        y: class indices, shape (N,), dtype int64, values in [0, num_classes).

    Returns:
        ``(loss, cache)`` with loss a 0-dim tensor and ``cache = (probs, y)``,
        probs: (N, num_classes) the softmax probabilities.
    """
    check_tensor(logits, "logits", ndim=2, floating=True)
    _check_labels(y, logits.shape[0], logits.shape[1])
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)  # (N, num_classes)
    loss = -log_probs.gather(1, y.unsqueeze(1)).mean()
    return loss, (log_probs.exp(), y)


def softmax_cross_entropy_backward(
    cache: SoftmaxCECache, dloss: float | torch.Tensor = 1.0
) -> torch.Tensor:
    """Backward pass of :func:`softmax_cross_entropy_forward`.

    ``dlogits = dloss * (softmax(logits) - e_y) / N`` with ``e_y`` the one-hot
    rows of the labels.

    Args:
        cache: the ``(probs, y)`` returned by :func:`softmax_cross_entropy_forward`.
        dloss: gradient of the final objective w.r.t. the loss (1 when the
            loss is the objective), a number or a 0-dim tensor.

    Returns:
        dlogits, shape (N, num_classes).
    """
    probs, y = cache
    _check_dloss(dloss)
    num_examples, num_classes = probs.shape
    e_y = F.one_hot(y, num_classes=num_classes).to(probs.dtype)  # (N, num_classes)
    return dloss * (probs - e_y) / num_examples


# ------------------------------------------------------------ mean squared error


def mse_forward(y_hat: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean squared error ``mean((y_hat - y)²)`` over all elements.

    Args:
        y_hat: predictions, floating point, any shape.
        y: targets, same shape and dtype as ``y_hat``.

    Returns:
        ``(loss, cache)`` with loss a 0-dim tensor and ``cache = y_hat - y``.
    """
    check_tensor(y_hat, "y_hat", floating=True)
    check_tensor(y, "y", dtype=y_hat.dtype)
    check_same_shape(y_hat, y, "y_hat", "y")
    diff = y_hat - y
    return diff.pow(2).mean(), diff


def mse_backward(cache: torch.Tensor, dloss: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Backward pass of :func:`mse_forward`: ``dy_hat = dloss * 2 (y_hat - y) / numel``.

    Args:
        cache: the difference ``y_hat - y`` returned by :func:`mse_forward`.
        dloss: gradient of the final objective w.r.t. the loss.

    Returns:
        dy_hat, shape of ``y_hat``.
    """
    diff = cache
    _check_dloss(dloss)
    return dloss * 2 * diff / diff.numel()
