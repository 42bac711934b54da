"""Activation functions and their derivatives: sigmoid, tanh and ReLU.

Derived in the tutorial "Activation functions" (``tutorials/02-activations.py``)
and first used in "Forward propagation by hand"
(``tutorials/03-forward-propagation.py``).

Each function ``f`` sits beside its derivative ``f_grad``; both take a
floating-point tensor ``z`` of any shape and return a tensor of the same shape,
applied element-wise. They are written with elementary tensor operations only
(no ``torch.sigmoid``, ``torch.tanh`` or ``torch.relu``), and autograd can
differentiate through them, so they can also be used inside ``nn.Module`` subclasses.

Numerical stability: ``exp`` is only ever applied to non-positive numbers, so
nothing overflows for large ``|z|``. Each formula is evaluated in two branches
on a copy of ``z`` zeroed outside that branch's half-line, and the right branch
is picked with ``torch.where``; zeroing keeps the unused branch finite, so its (zero) gradient cannot turn
into ``0 * inf = nan`` under autograd.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from labkit._validate import check_choice, check_tensor

__all__ = [
    "sigmoid",
    "sigmoid_grad",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "ACTIVATIONS",
    "get_activation",
]


def _check(z: object) -> torch.Tensor:
    return check_tensor(z, "z", floating=True)


def _keep(z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # z where mask holds, 0 elsewhere. Unlike clamp, torch.where passes the
    # gradient at z = 0 exactly, so autograd is right there too.
    return torch.where(mask, z, torch.zeros_like(z))


def sigmoid(z: torch.Tensor) -> torch.Tensor:
    """Logistic sigmoid ``σ(z) = 1 / (1 + exp(-z))``, element-wise.

    For ``z ≥ 0`` it evaluates ``1 / (1 + exp(-z))``, for ``z < 0`` the
    equivalent ``exp(z) / (1 + exp(z))``, so ``exp`` never overflows.

    Args:
        z: pre-activations, any shape, floating point.

    Returns:
        ``σ(z)``, same shape and dtype as ``z``, values in [0, 1].

    Raises:
        TypeError: ``z`` is not a floating-point tensor.

    Examples:
        >>> sigmoid(torch.tensor([-20.0, 0.0, 2.0]))
        tensor([2.0612e-09, 5.0000e-01, 8.8080e-01])
    """
    z = _check(z)
    pos = z >= 0
    e_pos = torch.exp(-_keep(z, pos))  # exp(-z) for z >= 0, in (0, 1]
    e_neg = torch.exp(_keep(z, ~pos))  # exp(z) for z < 0, in (0, 1)
    return torch.where(pos, 1 / (1 + e_pos), e_neg / (1 + e_neg))


def sigmoid_grad(z: torch.Tensor) -> torch.Tensor:
    """Derivative of the sigmoid, ``σ'(z) = σ(z) (1 - σ(z))``, element-wise.

    Evaluated as ``σ(z) σ(-z)`` (the same number, since ``1 - σ(z) = σ(-z)``)
    because ``1 - σ(z)`` loses all its digits to cancellation once ``σ(z)``
    rounds to 1, while ``σ(-z)`` keeps them.

    Args:
        z: pre-activations, any shape, floating point.

    Returns:
        ``σ'(z)``, same shape and dtype as ``z``, values in [0, 1/4].

    Raises:
        TypeError: ``z`` is not a floating-point tensor.

    Examples:
        >>> sigmoid_grad(torch.tensor([0.0, 2.0]))
        tensor([0.2500, 0.1050])
    """
    z = _check(z)
    return sigmoid(z) * sigmoid(-z)


def tanh(z: torch.Tensor) -> torch.Tensor:
    """Hyperbolic tangent ``tanh(z) = (e^z - e^-z) / (e^z + e^-z)``, element-wise.

    Dividing numerator and denominator by ``e^{|z|}`` gives
    ``sign(z) (1 - e^{-2|z|}) / (1 + e^{-2|z|})``; with ``m = expm1(-2|z|)``
    this is ``sign(z) · (-m) / (2 + m)``, which neither overflows for large
    ``|z|`` nor loses digits near ``z = 0``.

    Args:
        z: pre-activations, any shape, floating point.

    Returns:
        ``tanh(z)``, same shape and dtype as ``z``, values in [-1, 1].

    Raises:
        TypeError: ``z`` is not a floating-point tensor.

    Examples:
        >>> tanh(torch.tensor([-100.0, 0.0, 0.5]))
        tensor([-1.0000,  0.0000,  0.4621])
    """
    z = _check(z)
    pos = z >= 0
    m_pos = torch.expm1(-2 * _keep(z, pos))  # e^{-2z} - 1 for z >= 0, in (-1, 0]
    m_neg = torch.expm1(2 * _keep(z, ~pos))  # e^{2z} - 1 for z < 0, in (-1, 0)
    return torch.where(pos, -m_pos / (2 + m_pos), m_neg / (2 + m_neg))


def tanh_grad(z: torch.Tensor) -> torch.Tensor:
    """Derivative of tanh, ``tanh'(z) = 1 - tanh(z)^2``, element-wise.

    Evaluated as ``4 σ(2z) σ(-2z)``, which equals ``1 - tanh(z)^2 = 4 / (e^z + e^-z)^2``
    but, unlike ``1 - tanh(z)^2``, keeps its digits when ``tanh(z)`` rounds to ±1.

    Args:
        z: pre-activations, any shape, floating point.

    Returns:
        ``tanh'(z)``, same shape and dtype as ``z``, values in [0, 1].

    Raises:
        TypeError: ``z`` is not a floating-point tensor.

    Examples:
        >>> tanh_grad(torch.tensor([0.0, 0.5]))
        tensor([1.0000, 0.7864])
    """
    z = _check(z)
    return 4 * sigmoid(2 * z) * sigmoid(-2 * z)


def relu(z: torch.Tensor) -> torch.Tensor:
    """Rectified linear unit ``ReLU(z) = max(0, z)``, element-wise.

    NaN stays NaN (as in ``torch.relu``), and autograd's derivative at ``z = 0``
    is 0, matching [`relu_grad`][labkit.activations.relu_grad].

    Args:
        z: pre-activations, any shape, floating point.

    Returns:
        ``max(0, z)``, same shape and dtype as ``z``.

    Raises:
        TypeError: ``z`` is not a floating-point tensor.

    Examples:
        >>> relu(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    z = _check(z)
    return torch.where(z <= 0, torch.zeros_like(z), z)


def relu_grad(z: torch.Tensor) -> torch.Tensor:
    """Derivative of ReLU: the step ``1 if z > 0 else 0``, element-wise.

    ReLU has no derivative at ``z = 0``; like PyTorch we use 0 there.

    Args:
        z: pre-activations, any shape, floating point.

    Returns:
        A tensor of 0s and 1s, same shape and dtype as ``z``.

    Raises:
        TypeError: ``z`` is not a floating-point tensor.

    Examples:
        >>> relu_grad(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 1.])
    """
    z = _check(z)
    return (z > 0).to(z.dtype)


ACTIVATIONS: dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]] = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}
"""Each activation's name mapped to its ``(f, f_grad)`` pair."""


def get_activation(
    name: str,
) -> tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]:
    """Look an activation up by name.

    Args:
        name: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    Returns:
        The pair ``(f, f_grad)``, e.g. ``(sigmoid, sigmoid_grad)``.

    Raises:
        ValueError: ``name`` is not one of the three.

    Examples:
        >>> f, df = get_activation("tanh")
        >>> f(torch.tensor([0.0])), df(torch.tensor([0.0]))
        (tensor([0.]), tensor([1.]))
    """
    check_choice(name, "name", tuple(ACTIVATIONS))
    return ACTIVATIONS[name]
