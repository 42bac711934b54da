"""Forward and backward pass of a one-hidden-layer sigmoid network, by hand.

Derived in the tutorial "Backpropagation by hand" (09-backprop-by-hand), which
follows the compute graph of sheet 001, task 3:

    z1 = W1ᵀ x,   z2 = z1 + b1,   z3 = σ(z2),   z4 = W2ᵀ z3,   ŷ = z4 + b2,
    L = Σ (y − ŷ)².

Shapes (D inputs, Z hidden units, K outputs; the sheet has K = 1):

    x: (D,)   W1: (D, Z)   b1: (Z,)   z1, z2, z3: (Z,)
    W2: (Z, K)   b2: (K,)   z4, ŷ, y: (K,)

The weights are stored ``(fan_in, fan_out)`` like :class:`labkit.mlp.MLP`'s
``W1``/``W2``, so ``W1ᵀ x`` is ``x @ W1``. A batch ``x: (N, D)`` with
``y: (N, K)`` is accepted too: each row goes through the same graph and the
loss is the sum over the rows (every intermediate then has a leading N).
"""

from __future__ import annotations

import torch

from labkit._validate import check_same_shape, check_tensor

__all__ = ["shallow_forward", "shallow_backward", "shallow_loss"]


def shallow_forward(
    x: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, b2: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Forward pass ``ŷ = W2ᵀ σ(W1ᵀ x + b1) + b2`` keeping every intermediate.

    Args:
        x: one input (D,) or a batch (N, D).
        W1: (D, Z) input-to-hidden weights.
        b1: (Z,) hidden biases.
        W2: (Z, K) hidden-to-output weights.
        b2: (K,) output biases.

    Returns:
        ``(y_hat, cache)``: y_hat (K,) or (N, K); cache holds ``x, W1, b1, W2,
        b2, z1, z2, z3, z4, y_hat`` for :func:`shallow_backward`.

    Raises:
        ValueError: a shape does not fit the others.
        TypeError: a tensor is not floating point.
    """
    check_tensor(x, "x", ndim=(1, 2), floating=True)
    D = x.shape[-1]
    check_tensor(W1, "W1", shape=(D, "Z"), floating=True)
    Z = W1.shape[1]
    check_tensor(b1, "b1", shape=(Z,), floating=True)
    check_tensor(W2, "W2", shape=(Z, "K"), floating=True)
    K = W2.shape[1]
    check_tensor(b2, "b2", shape=(K,), floating=True)

    z1 = x @ W1  # (Z,) or (N, Z): W1ᵀ x for each input
    z2 = z1 + b1  # (Z,) or (N, Z)
    z3 = 1 / (1 + torch.exp(-z2))  # (Z,) or (N, Z)
    z4 = z3 @ W2  # (K,) or (N, K): W2ᵀ z3
    y_hat = z4 + b2  # (K,) or (N, K)
    cache = dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2, z1=z1, z2=z2, z3=z3, z4=z4, y_hat=y_hat)
    return y_hat, cache


def shallow_loss(y: torch.Tensor, y_hat: torch.Tensor) -> torch.Tensor:
    """The sheet's loss ``L = Σ (y − ŷ)²`` (summed over outputs and rows), a scalar ()."""
    check_tensor(y, "y", ndim=(1, 2), floating=True)
    check_same_shape(y, y_hat, "y", "y_hat")
    return ((y - y_hat) ** 2).sum()


def shallow_backward(y: torch.Tensor, cache: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Gradients of ``L = Σ (y − ŷ)²`` with respect to every node of the graph.

    Uses only ``y`` and the forward values in ``cache`` (no autograd):

        dŷ = −2 (y − ŷ),  db2 = dz4 = dŷ,  dW2 = z3 dz4ᵀ,  dz3 = W2 dz4,
        dz2 = dz3 ⊙ z3 ⊙ (1 − z3),  db1 = dz1 = dz2,  dW1 = x dz1ᵀ,  dx = W1 dz1.

    For a batch the outer products become ``z3ᵀ dz4`` and ``xᵀ dz1`` and the
    bias gradients sum over the rows.

    Args:
        y: targets, same shape as ``cache["y_hat"]``: (K,) or (N, K).
        cache: the second return value of :func:`shallow_forward`.

    Returns:
        ``{"y_hat", "z4", "b2", "W2", "z3", "z2", "z1", "b1", "W1", "x"}`` mapped
        to ``dL/d(name)``, each of the same shape as the named tensor.
    """
    if not isinstance(cache, dict) or "y_hat" not in cache:
        raise TypeError("cache must be the dict returned by shallow_forward")
    x, W1, W2 = cache["x"], cache["W1"], cache["W2"]
    z3, y_hat = cache["z3"], cache["y_hat"]
    check_tensor(y, "y", floating=True)
    check_same_shape(y, y_hat, "y", "y_hat")
    batched = x.ndim == 2

    dy_hat = -2 * (y - y_hat)  # (K,) or (N, K)
    dz4 = dy_hat  # ŷ = z4 + b2: the addition passes the gradient on
    db2 = dy_hat.sum(0) if batched else dy_hat  # (K,)
    dW2 = z3.T @ dz4 if batched else torch.outer(z3, dz4)  # (Z, K)
    dz3 = dz4 @ W2.T  # (Z,) or (N, Z): W2 dz4
    dz2 = dz3 * z3 * (1 - z3)  # σ'(z2) = σ(z2)(1 − σ(z2)) = z3 (1 − z3)
    dz1 = dz2
    db1 = dz2.sum(0) if batched else dz2  # (Z,)
    dW1 = x.T @ dz1 if batched else torch.outer(x, dz1)  # (D, Z)
    dx = dz1 @ W1.T  # (D,) or (N, D): W1 dz1
    return {
        "y_hat": dy_hat, "z4": dz4, "b2": db2, "W2": dW2, "z3": dz3,
        "z2": dz2, "z1": dz1, "b1": db1, "W1": dW1, "x": dx,
    }
