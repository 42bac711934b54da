"""Linear regression by gradient descent, its step-size bound and the closed form.

Derived in the tutorial "Linear and logistic regression"
(``tutorials/05-linear-logistic-regression.py``). The model is
``y_hat = X @ w + b`` and the loss the mean squared error

    L(w, b) = (1/N) Σ_i (x_i·w + b − y_i)²,

whose gradient ``mse_linear_grad`` sits beside ``mse_linear``.
``gd_fit`` runs full-batch gradient descent with that hand-written
gradient (the sheet's loop, without autograd). L is a quadratic with constant
Hessian ``H = (2/N) [X 1]ᵀ[X 1]``, so gradient descent converges exactly when
``lr < 2 / λ_max(H)`` (``max_stable_lr``), and the direction of the
smallest eigenvalue shrinks by ``1 − lr·λ_min`` per step: badly scaled inputs
(large ``x``, large condition number ``λ_max/λ_min``) make it crawl, which
``standardize`` cures. ``least_squares`` gives the minimiser directly.
"""

from __future__ import annotations

import torch

from labkit._validate import check_positive_int, check_tensor

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


def _check(X: object, y: object, w: object, b: object) -> None:
    X = check_tensor(X, "X", ndim=2, floating=True)
    check_tensor(y, "y", shape=(X.shape[0],), floating=True)
    check_tensor(w, "w", shape=(X.shape[1],), floating=True)
    check_tensor(b, "b", shape=(), floating=True)


def mse_linear(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the linear model ``X @ w + b``.

    Args:
        X: inputs, shape (N, num_inputs).
        y: targets, shape (N,).
        w: weights, shape (num_inputs,).
        b: bias, shape ().

    Returns:
        ``(1/N) Σ (X @ w + b − y)²``, shape ().
    """
    _check(X, y, w, b)
    return _mse(X, y, w, b)


def _mse(X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return ((X @ w + b - y) ** 2).mean()


def mse_linear_grad(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient of ``mse_linear`` with respect to ``w`` and ``b``.

    With the error ``e = X @ w + b − y`` (shape (N,)):
    ``dL/dw = (2/N) Xᵀ e`` and ``dL/db = (2/N) Σ e``. Writing the error the
    other way round, ``y − y_hat``, flips the sign of ``e`` and of its inner
    derivative, so the gradient is the same.

    Args:
        X: inputs, shape (N, num_inputs).
        y: targets, shape (N,).
        w: weights, shape (num_inputs,).
        b: bias, shape ().

    Returns:
        ``(dw, db)``: dw of shape (num_inputs,), db of shape ().
    """
    _check(X, y, w, b)
    return _mse_grad(X, y, w, b)


def _mse_grad(
    X: torch.Tensor, y: torch.Tensor, w: torch.Tensor, b: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    e = X @ w + b - y  # (N,)
    n = X.shape[0]
    return 2 / n * (X.T @ e), 2 / n * e.sum()


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
        X: inputs, shape (N, num_inputs).
        y: targets, shape (N,).
        w: initial weights, shape (num_inputs,) (not modified).
        b: initial bias, shape () (not modified).
        lr: learning rate, > 0.
        num_epochs: number of updates.

    Returns:
        ``(w, b, losses)``: the final parameters and the loss before each
            update, shape (num_epochs,).
    """
    _check(X, y, w, b)
    check_positive_int(num_epochs, "num_epochs")
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    w, b = w.detach().clone(), b.detach().clone()
    losses = torch.empty(num_epochs, dtype=X.dtype, device=X.device)
    for epoch in range(num_epochs):  # inputs checked once above, not every epoch
        losses[epoch] = _mse(X, y, w, b)
        dw, db = _mse_grad(X, y, w, b)
        w = w - lr * dw
        b = b - lr * db
    return w, b, losses


def mse_hessian(X: torch.Tensor) -> torch.Tensor:
    """Hessian of ``mse_linear`` in the parameters ``(w, b)``; it does not depend on them.

    Args:
        X: inputs, shape (N, num_inputs).

    Returns:
        ``(2/N) [X 1]ᵀ [X 1]``, shape (num_inputs + 1, num_inputs + 1), the
            last row and column belonging to ``b``.
    """
    X = check_tensor(X, "X", ndim=2, floating=True)
    A = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)  # (N, num_inputs + 1)
    return 2 / X.shape[0] * (A.T @ A)


def max_stable_lr(X: torch.Tensor) -> float:
    """Largest learning rate for which gradient descent on ``mse_linear`` converges.

    Along an eigenvector of the Hessian with eigenvalue λ, one step multiplies
    the distance to the minimum by ``1 − lr·λ``; that shrinks for every λ
    exactly when ``lr < 2 / λ_max``.

    Args:
        X: inputs, shape (N, num_inputs).

    Returns:
        ``2 / λ_max(H)`` as a Python float (the bound itself does not converge).
    """
    eigenvalues = torch.linalg.eigvalsh(mse_hessian(X).double())
    return 2.0 / eigenvalues[-1].item()


def least_squares(X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form minimiser of ``mse_linear``, with ``torch.linalg.lstsq``.

    Args:
        X: inputs, shape (N, num_inputs).
        y: targets, shape (N,).

    Returns:
        ``(w, b)``: w of shape (num_inputs,), b of shape ().
    """
    X = check_tensor(X, "X", ndim=2, floating=True)
    check_tensor(y, "y", shape=(X.shape[0],), floating=True)
    A = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)  # (N, num_inputs + 1)
    theta = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)  # (num_inputs + 1,)
    return theta[:-1], theta[-1]


def standardize(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shift and scale each column of ``X`` to mean 0 and standard deviation 1.

    Args:
        X: inputs, shape (N, num_inputs), N ≥ 2, no constant column.

    Returns:
        ``(Z, mean, std)``: Z of shape (N, num_inputs); mean and std of shape
            (num_inputs,), so that ``Z = (X − mean) / std``.
    """
    X = check_tensor(X, "X", ndim=2, floating=True)
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
        b_z: bias for Z, shape ().
        mean: column means returned by ``standardize``, shape (num_inputs,).
        std: column standard deviations returned by ``standardize``, shape (num_inputs,).

    Returns:
        ``(w, b)`` for the original inputs, shapes (num_inputs,) and ().
    """
    check_tensor(w_z, "w_z", ndim=1, floating=True)
    check_tensor(b_z, "b_z", shape=(), floating=True)
    check_tensor(mean, "mean", shape=tuple(w_z.shape), floating=True)
    check_tensor(std, "std", shape=tuple(w_z.shape), floating=True)
    w = w_z / std
    return w, b_z - (w * mean).sum()
