"""Forward and backward pass of a one-hidden-layer sigmoid network, by hand.

Derived in the tutorial "Backpropagation by hand" (09-backprop-by-hand), which
follows the compute graph of sheet 001, task 3:

    z1 = W1 x,   z2 = z1 + b1,   z3 = σ(z2),   z4 = W2 z3,   ŷ = z4 + b2,
    L = Σ (y − ŷ)².

Shapes (D inputs, Z hidden units, K outputs; the sheet has K = 1):

    x: (D,)   W1: (Z, D)   b1: (Z,)   z1, z2, z3: (Z,)
    W2: (K, Z)   b2: (K,)   z4, ŷ, y: (K,)

The weights are stored in ``torch.nn.Linear``'s orientation (out_features,
in_features), like [`MLP`][labkit.mlp.MLP]'s ``W1``/``W2``; the sheet stores
their transposes and writes ``W1ᵀ x``. A batch ``x: (N, D)`` with ``y: (N, K)``
is accepted too: each row goes through the same graph (``z1 = x W1ᵀ``) and the
loss is the sum over the rows, so every intermediate gets a leading N.
"""

from __future__ import annotations

import torch

from labkit._validate import check_same_shape, check_tensor
from labkit.activations import sigmoid
from labkit.layers import mse_forward

__all__ = ["shallow_forward", "shallow_loss", "shallow_backward"]

_CACHE_KEYS = ("x", "W1", "b1", "W2", "b2", "z1", "z2", "z3", "z4", "y_hat")


def shallow_forward(
    x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Forward pass ``ŷ = W2 σ(W1 x + b1) + b2`` keeping every intermediate.

    Args:
        x: one input (D,) or a batch (N, D).
        W1: (Z, D) input-to-hidden weights.
        b1: (Z,) hidden biases.
        W2: (K, Z) hidden-to-output weights.
        b2: (K,) output biases.

    Returns:
        ``(y_hat, cache)``: y_hat (K,) or (N, K); cache holds ``x, W1, b1, W2,
        b2, z1, z2, z3, z4, y_hat`` for [`shallow_backward`][labkit.backprop.shallow_backward].

    Raises:
        ValueError: a shape does not fit the others.
        TypeError: a tensor is not floating point, or the tensors mix dtypes
            (float32 with float64).

    Examples:
        >>> x, W1, b1 = torch.tensor([2.0]), torch.tensor([[1.0], [-1.0]]), torch.zeros(2)
        >>> W2, b2 = torch.tensor([[1.0, 1.0]]), torch.tensor([0.5])
        >>> y_hat, cache = shallow_forward(x, W1, b1, W2, b2)
        >>> y_hat
        tensor([1.5000])
        >>> cache["z3"]
        tensor([0.8808, 0.1192])
    """
    check_tensor(x, "x", ndim=(1, 2), floating=True)
    D = x.shape[-1]
    check_tensor(W1, "W1", shape=("Z", D), floating=True)
    Z = W1.shape[0]
    check_tensor(b1, "b1", shape=(Z,), floating=True)
    check_tensor(W2, "W2", shape=("K", Z), floating=True)
    K = W2.shape[0]
    check_tensor(b2, "b2", shape=(K,), floating=True)
    for name, t in (("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)):
        if t.dtype != x.dtype:
            raise TypeError(
                f"{name} has dtype {t.dtype} but x has {x.dtype}: give every tensor the same "
                f"dtype (e.g. {name}.to(x.dtype))"
            )

    z1 = x @ W1.T  # (Z,) or (N, Z): W1 x for each input
    z2 = z1 + b1  # (Z,) or (N, Z)
    z3 = sigmoid(z2)  # (Z,) or (N, Z)
    z4 = z3 @ W2.T  # (K,) or (N, K): W2 z3
    y_hat = z4 + b2  # (K,) or (N, K)
    cache = dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2, z1=z1, z2=z2, z3=z3, z4=z4, y_hat=y_hat)
    return y_hat, cache


def shallow_loss(y: torch.Tensor, y_hat: torch.Tensor) -> torch.Tensor:
    """The sheet's loss ``L = Σ (y − ŷ)²``, summed over outputs and rows.

    For one example with one output this is the mean squared error of
    [`mse_forward`][labkit.layers.mse_forward], which computes it. For more
    numbers the sheet's loss is the *sum* of the squared errors (``numel`` times
    the mean): the gradient of a sum over a batch is then the sum of the
    per-example gradients of the sheet's single-example formula
    ``dŷ = −2 (y − ŷ)``, which
    [`shallow_backward`][labkit.backprop.shallow_backward] returns and tutorial
    09 checks.

    Args:
        y: targets, (K,) or (N, K).
        y_hat: predictions, the shape and dtype of ``y``.

    Returns:
        The loss, a 0-dim tensor.

    Raises:
        ValueError: ``y`` and ``y_hat`` differ in shape.
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.

    Examples:
        >>> shallow_loss(torch.tensor([1.0]), torch.tensor([0.5]))
        tensor(0.2500)
        >>> shallow_loss(torch.tensor([[1.0], [2.0]]), torch.tensor([[0.5], [0.0]]))
        tensor(4.2500)
    """
    check_tensor(y, "y", ndim=(1, 2), floating=True)
    check_tensor(y_hat, "y_hat", floating=True)
    check_same_shape(y, y_hat, "y", "y_hat")
    mse, _ = mse_forward(y_hat, y)
    return mse * y.numel()


def _check_cache(cache: object) -> dict[str, torch.Tensor]:
    if not isinstance(cache, dict):
        raise TypeError(
            "cache must be the dict returned by shallow_forward (its second return value), "
            f"got {type(cache).__name__}"
        )
    missing = [k for k in _CACHE_KEYS if not isinstance(cache.get(k), torch.Tensor)]
    if missing:
        raise ValueError(
            "cache must be the dict returned by shallow_forward; it has no tensor "
            f"{', '.join(missing)}"
        )
    return cache


def shallow_backward(y: torch.Tensor, cache: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Gradients of ``L = Σ (y − ŷ)²`` with respect to every node of the graph.

    Uses only ``y`` and the forward values in ``cache`` (no autograd):

        dŷ = −2 (y − ŷ),  db2 = dz4 = dŷ,  dW2 = dz4 z3ᵀ,  dz3 = W2ᵀ dz4,
        dz2 = dz3 ⊙ z3 ⊙ (1 − z3),  db1 = dz1 = dz2,  dW1 = dz1 xᵀ,  dx = W1ᵀ dz1.

    For a batch the outer products become ``dz4ᵀ z3`` and ``dz1ᵀ x`` and the
    bias gradients sum over the rows.

    Args:
        y: targets, same shape and dtype as ``cache["y_hat"]``: (K,) or (N, K).
        cache: the second return value of [`shallow_forward`][labkit.backprop.shallow_forward].

    Returns:
        ``{"y_hat", "z4", "b2", "W2", "z3", "z2", "z1", "b1", "W1", "x"}`` mapped
        to ``dL/d(name)``, each of the same shape as the named tensor.

    Raises:
        TypeError: ``cache`` is not a dict (None, a list, a tensor), or ``y`` is
            not a floating-point tensor of ``y_hat``'s dtype.
        ValueError: ``cache`` lacks a forward value, or ``y`` has the wrong shape.

    Examples:
        >>> x, W1, b1 = torch.tensor([2.0]), torch.tensor([[1.0], [-1.0]]), torch.zeros(2)
        >>> W2, b2 = torch.tensor([[1.0, 1.0]]), torch.tensor([0.5])
        >>> _, cache = shallow_forward(x, W1, b1, W2, b2)
        >>> grads = shallow_backward(torch.tensor([1.0]), cache)
        >>> grads["y_hat"], grads["W2"]
        (tensor([1.]), tensor([[0.8808, 0.1192]]))
        >>> grads["W1"].shape
        torch.Size([2, 1])
    """
    cache = _check_cache(cache)
    x, W1, W2 = cache["x"], cache["W1"], cache["W2"]
    z3, y_hat = cache["z3"], cache["y_hat"]
    check_tensor(y, "y", floating=True, dtype=y_hat.dtype)
    check_same_shape(y, y_hat, "y", "y_hat")
    batched = x.ndim == 2

    dy_hat = -2 * (y - y_hat)  # (K,) or (N, K)
    dz4 = dy_hat  # ŷ = z4 + b2: the addition passes the gradient on
    db2 = dy_hat.sum(0) if batched else dy_hat  # (K,)
    dW2 = dz4.T @ z3 if batched else torch.outer(dz4, z3)  # (K, Z)
    dz3 = dz4 @ W2  # (Z,) or (N, Z): W2ᵀ dz4
    dz2 = dz3 * z3 * (1 - z3)  # σ'(z2) = σ(z2)(1 − σ(z2)) = z3 (1 − z3): forward values only
    dz1 = dz2
    db1 = dz2.sum(0) if batched else dz2  # (Z,)
    dW1 = dz1.T @ x if batched else torch.outer(dz1, x)  # (Z, D)
    dx = dz1 @ W1  # (D,) or (N, D): W1ᵀ dz1
    return {
        "y_hat": dy_hat, "z4": dz4, "b2": db2, "W2": dW2, "z3": dz3,
        "z2": dz2, "z1": dz1, "b1": db1, "W1": dW1, "x": dx,
    }
