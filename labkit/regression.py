"""Linear regression by gradient descent, its step-size bound and the closed form.

Derived in the tutorial "Linear and logistic regression"
(``tutorials/05-linear-logistic-regression.py``). The model is
``y_hat = X @ w + b`` and the loss the mean squared error

    L(w, b) = (1/N) Σ_i (x_i·w + b − y_i)²,

computed by [`labkit.layers.mse_forward`][labkit.layers.mse_forward] (the course's one MSE), with its
gradient ``mse_linear_grad`` beside ``mse_linear``. ``gd_fit`` runs full-batch
gradient descent with that hand-written gradient (the sheet's loop, without
autograd). L is a quadratic with constant Hessian ``H = (2/N) [X 1]ᵀ[X 1]``, so
gradient descent converges exactly when ``lr < 2 / λ_max(H)``
(``max_stable_lr``), and the direction of the smallest eigenvalue shrinks by
``1 − lr·λ_min`` per step: badly scaled inputs (large ``x``, large condition
number ``λ_max/λ_min``) make it crawl, which ``standardize`` cures.
``least_squares`` gives the minimiser directly.

Every public function checks its arguments once, at the call: shapes, a
floating dtype shared by all tensors, at least one data point, and (for the
closed form and the Hessian) finite inputs.
"""

from __future__ import annotations

import math

import torch

from labkit._validate import check_positive_int, check_tensor
from labkit.layers import mse_backward, mse_forward

__all__ = [
    "mse_linear",
    "mse_linear_grad",
    "gd_fit",
    "mse_hessian",
    "max_stable_lr",
    "least_squares",
    "standardize",
    "unstandardize",
]


def _check_X(X: object, *, finite: bool = False) -> torch.Tensor:
    X = check_tensor(X, "X", ndim=2, floating=True)
    if X.shape[0] == 0:
        raise ValueError(f"X must hold at least one data point (N >= 1), got shape {tuple(X.shape)}")
    if finite and not torch.isfinite(X).all():
        raise ValueError(f"X must be finite, got {_count_bad(X)} NaN or infinite value(s)")
    return X


def _count_bad(t: torch.Tensor) -> int:
    return int((~torch.isfinite(t)).sum())


def _check_same_dtype(reference: torch.Tensor, **tensors: torch.Tensor) -> None:
    for name, t in tensors.items():
        if t.dtype != reference.dtype:
            raise TypeError(
                f"{name} must have the dtype of X ({reference.dtype}), got {t.dtype}; "
                "convert one of them with .to(X.dtype)"
            )


def _check_problem(X: object, y: object, w: object, b: object) -> None:
    X = _check_X(X)
    check_tensor(y, "y", shape=(X.shape[0],), floating=True)
    check_tensor(w, "w", shape=(X.shape[1],), floating=True)
    check_tensor(b, "b", shape=(), floating=True)
    _check_same_dtype(X, y=y, w=w, b=b)


def _check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    return float(lr)


def mse_linear(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the linear model ``X @ w + b``.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 1.
        y: targets, shape (N,), the dtype of X.
        w: weights, shape (num_inputs,), the dtype of X.
        b: bias, shape (), the dtype of X.

    Returns:
        ``(1/N) Σ (X @ w + b − y)²``, shape ().

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit together, or N = 0.

    Examples:
        >>> X = torch.tensor([[2.0], [4.0]])
        >>> mse_linear(X, torch.tensor([20.0, 40.0]), torch.ones(1), torch.tensor(1.0))
        tensor(757.)
    """
    _check_problem(X, y, w, b)
    return mse_forward(X @ w + b, y)[0]


def mse_linear_grad(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient of ``mse_linear`` with respect to ``w`` and ``b``.

    With the error ``e = X @ w + b − y`` (shape (N,)), the MSE's backward pass
    gives ``dL/dy_hat = (2/N) e`` and the chain rule through ``y_hat = X @ w + b``
    ``dL/dw = Xᵀ (2/N) e`` and ``dL/db = Σ (2/N) e``. Writing the error the other
    way round, ``y − y_hat``, flips the sign of ``e`` and of its inner derivative,
    so the gradient is the same.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 1.
        y: targets, shape (N,), the dtype of X.
        w: weights, shape (num_inputs,), the dtype of X.
        b: bias, shape (), the dtype of X.

    Returns:
        ``(dw, db)``: dw of shape (num_inputs,), db of shape ().

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit together, or N = 0.

    Examples:
        >>> X = torch.tensor([[2.0], [4.0]])
        >>> mse_linear_grad(X, torch.tensor([20.0, 40.0]), torch.ones(1), torch.tensor(1.0))
        (tensor([-174.]), tensor(-52.))
    """
    _check_problem(X, y, w, b)
    _, diff = mse_forward(X @ w + b, y)
    dy_hat = mse_backward(diff)  # (N,)
    return X.T @ dy_hat, dy_hat.sum()


def gd_fit(
    X: torch.Tensor,
    y: torch.Tensor,
    w: torch.Tensor,
    b: torch.Tensor,
    *,
    lr: float,
    num_epochs: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Full-batch gradient descent on ``mse_linear`` with the hand-written gradient.

    Each epoch records the loss, then updates ``w -= lr·dw`` and
    ``b -= lr·db`` (the order of the sheet's loop). Divergence is not an
    error: the losses then grow (to ``inf``), which is what a caller wants to see.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 1.
        y: targets, shape (N,), the dtype of X.
        w: initial weights, shape (num_inputs,) (not modified).
        b: initial bias, shape () (not modified).
        lr: learning rate, a positive finite number.
        num_epochs: number of updates, a positive integer.

    Returns:
        ``(w, b, losses)``: the final parameters and the loss before each
            update, shape (num_epochs,).

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit, N = 0, or a bad ``lr`` or ``num_epochs``.

    Examples:
        >>> X = torch.tensor([[2.0], [4.0]])
        >>> w, b, losses = gd_fit(X, torch.tensor([20.0, 40.0]), torch.ones(1),
        ...                       torch.tensor(1.0), lr=0.001, num_epochs=2)
        >>> losses.round(decimals=2), w.round(decimals=4), b.round(decimals=4)
        (tensor([757.0000, 724.3800]), tensor([1.3442]), tensor(1.1029))
    """
    _check_problem(X, y, w, b)
    lr = _check_lr(lr)
    check_positive_int(num_epochs, "num_epochs")
    w, b = w.detach().clone(), b.detach().clone()
    losses = torch.empty(num_epochs, dtype=X.dtype, device=X.device)
    for epoch in range(num_epochs):  # checked once above; the loop is mse_linear_grad's body
        loss, diff = mse_forward(X @ w + b, y)
        dy_hat = mse_backward(diff)  # (N,)
        losses[epoch] = loss
        w = w - lr * (X.T @ dy_hat)
        b = b - lr * dy_hat.sum()
    return w, b, losses


def mse_hessian(X: torch.Tensor) -> torch.Tensor:
    """Hessian of ``mse_linear`` in the parameters ``(w, b)``; it does not depend on them.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 1, finite.

    Returns:
        ``(2/N) [X 1]ᵀ [X 1]``, shape (num_inputs + 1, num_inputs + 1), the
            last row and column belonging to ``b``.

    Raises:
        TypeError: X is not a floating-point tensor.
        ValueError: X is not 2-D, has no rows, or holds NaN or inf.

    Examples:
        >>> mse_hessian(torch.tensor([[2.0], [4.0]]))
        tensor([[20.,  6.],
                [ 6.,  2.]])
    """
    X = _check_X(X, finite=True)
    A = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)  # (N, num_inputs + 1)
    return 2 / X.shape[0] * (A.T @ A)


def max_stable_lr(X: torch.Tensor) -> float:
    """Largest learning rate for which gradient descent on ``mse_linear`` converges.

    Along an eigenvector of the Hessian with eigenvalue λ, one step multiplies
    the distance to the minimum by ``1 − lr·λ``; that shrinks for every λ
    exactly when ``lr < 2 / λ_max``.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 1, finite.

    Returns:
        ``2 / λ_max(H)`` as a Python float (the bound itself does not converge).

    Raises:
        TypeError: X is not a floating-point tensor.
        ValueError: X is not 2-D, has no rows, or holds NaN or inf.

    Examples:
        >>> round(max_stable_lr(torch.tensor([[2.0], [4.0]])), 4)
        0.0917
    """
    eigenvalues = torch.linalg.eigvalsh(mse_hessian(X).double())
    return 2.0 / eigenvalues[-1].item()


def least_squares(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form minimiser of ``mse_linear``, with ``torch.linalg.lstsq``.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 1, finite.
        y: targets, shape (N,), the dtype of X, finite.

    Returns:
        ``(w, b)``: w of shape (num_inputs,), b of shape ().

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit, N = 0, or NaN or inf in X or y.

    Examples:
        >>> w, b = least_squares(torch.tensor([[1.0], [2.0], [3.0]]), torch.tensor([3.0, 5.0, 7.0]))
        >>> round(w.item(), 4), round(b.item(), 4)
        (2.0, 1.0)
    """
    X = _check_X(X, finite=True)
    check_tensor(y, "y", shape=(X.shape[0],), floating=True)
    _check_same_dtype(X, y=y)
    if not torch.isfinite(y).all():
        raise ValueError(f"y must be finite, got {_count_bad(y)} NaN or infinite value(s)")
    A = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)  # (N, num_inputs + 1)
    theta = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)  # (num_inputs + 1,)
    return theta[:-1], theta[-1]


def standardize(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shift and scale each column of ``X`` to mean 0 and (sample) standard deviation 1.

    The standard deviation is the sample one (``X.std``, divided by N − 1), so
    the mean of ``Z²`` in each column is ``(N − 1)/N``, not exactly 1.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 2, finite, no constant column.

    Returns:
        ``(Z, mean, std)``: Z of shape (N, num_inputs); mean and std of shape
            (num_inputs,), so that ``Z = (X − mean) / std``.

    Raises:
        TypeError: X is not a floating-point tensor.
        ValueError: X is not 2-D, has fewer than 2 rows, holds NaN or inf, or
            has a constant column.

    Examples:
        >>> Z, mean, std = standardize(torch.tensor([[1.0], [2.0], [3.0]]))
        >>> Z.flatten(), mean, std
        (tensor([-1.,  0.,  1.]), tensor([2.]), tensor([1.]))
    """
    X = _check_X(X, finite=True)
    if X.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows to standardize, got {X.shape[0]}")
    mean, std = X.mean(dim=0), X.std(dim=0)
    if (std == 0).any():
        raise ValueError(f"X has constant column(s) {torch.nonzero(std == 0).flatten().tolist()}")
    return (X - mean) / std, mean, std


def unstandardize(
    w_z: torch.Tensor, b_z: torch.Tensor, mean: torch.Tensor, std: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Parameters fitted on standardized inputs, expressed for the original inputs.

    From ``w_z·(x − mean)/std + b_z = (w_z/std)·x + (b_z − Σ w_z·mean/std)``.

    Args:
        w_z: weights for Z, shape (num_inputs,).
        b_z: bias for Z, shape (), the dtype of w_z.
        mean: column means returned by ``standardize``, shape (num_inputs,), the dtype of w_z.
        std: column standard deviations returned by ``standardize``, shape
            (num_inputs,), the dtype of w_z.

    Returns:
        ``(w, b)`` for the original inputs, shapes (num_inputs,) and ().

    Raises:
        TypeError: a non-tensor, a non-float tensor or mixed dtypes.
        ValueError: shapes that do not fit together.

    Examples:
        >>> unstandardize(torch.tensor([2.0]), torch.tensor(1.0), torch.tensor([3.0]),
        ...               torch.tensor([4.0]))
        (tensor([0.5000]), tensor(-0.5000))
    """
    check_tensor(w_z, "w_z", ndim=1, floating=True)
    check_tensor(b_z, "b_z", shape=(), floating=True)
    check_tensor(mean, "mean", shape=tuple(w_z.shape), floating=True)
    check_tensor(std, "std", shape=tuple(w_z.shape), floating=True)
    for name, t in (("b_z", b_z), ("mean", mean), ("std", std)):
        if t.dtype != w_z.dtype:
            raise TypeError(f"{name} must have the dtype of w_z ({w_z.dtype}), got {t.dtype}")
    w = w_z / std
    return w, b_z - (w * mean).sum()
