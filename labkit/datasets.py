"""Small synthetic data sets: XOR, two moons and a 1-D regression problem.

All are generated with torch only, from an explicit seed, so a tutorial that
asks for ``two_moons(200, seed=0)`` gets the same points on every machine.
Derived and first used in the tutorials "Forward propagation by hand" (XOR),
"Vanishing gradients" (two moons) and "Regression experiments" (1-D set).
"""

from __future__ import annotations

import math

import torch

from labkit._validate import check_number, check_positive_int, check_seed, check_tensor

__all__ = ["xor", "two_moons", "regression_1d", "regression_1d_target"]


def xor(dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """The four points of the XOR truth table.

    Returns:
        ``(X, y)`` with X: (4, 2) inputs in {0, 1}² and y: (4, 1) targets
        ``x1 XOR x2``, both of ``dtype``.

    Examples:
        >>> X, y = xor()
        >>> X.tolist(), y.flatten().tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = torch.tensor([[0], [1], [1], [0]], dtype=dtype)
    return X, y


def two_moons(
    n_samples: int = 200, *, noise: float = 0.1, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles, the classic non-linearly separable set.

    The same construction as scikit-learn's ``make_moons``: the upper moon is
    ``(cos t, sin t)``, the lower one ``(1 - cos t, 0.5 - sin t)`` for
    ``t`` in ``[0, π]``, plus Gaussian noise, shuffled.

    Args:
        n_samples: total number of points (split as evenly as possible).
        noise: standard deviation of the Gaussian noise added to each coordinate.
        seed: seed of the generator (the global RNG is not touched).

    Returns:
        ``(X, y)`` with X: (n_samples, 2) float32 and y: (n_samples,) int64 labels in {0, 1}.

    Examples:
        >>> X, y = two_moons(100, noise=0.1, seed=0)
        >>> tuple(X.shape), y.bincount().tolist()
        ((100, 2), [50, 50])
    """
    check_positive_int(n_samples, "n_samples")
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    check_number(noise, "noise", minimum=0)
    g = torch.Generator().manual_seed(check_seed(seed))
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = torch.linspace(0, math.pi, n_out, dtype=torch.float64)
    t_in = torch.linspace(0, math.pi, n_in, dtype=torch.float64)
    outer = torch.stack([torch.cos(t_out), torch.sin(t_out)], dim=1)
    inner = torch.stack([1 - torch.cos(t_in), 0.5 - torch.sin(t_in)], dim=1)
    X = torch.cat([outer, inner])
    y = torch.cat([torch.zeros(n_out, dtype=torch.int64), torch.ones(n_in, dtype=torch.int64)])
    X = X + noise * torch.randn(X.shape, generator=g, dtype=torch.float64)
    perm = torch.randperm(n_samples, generator=g)
    return X[perm].float(), y[perm]


def regression_1d(
    n_train: int = 50,
    n_test: int = 200,
    *,
    noise: float = 0.3,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A smooth non-linear 1-D regression problem with noisy targets.

    The target is ``f(x) = sin(2x) + 0.5 x`` on ``x ∈ [-3, 3]``; training inputs
    are drawn uniformly, test inputs too (from the same generator, after the
    training ones), and both get Gaussian noise of standard deviation ``noise``.
    It stands in for the course data set D1 of sheet 001, which is not
    available: a curve with a few bends that 2-3 sigmoid units can only
    partly follow.

    Args:
        n_train: number of training points.
        n_test: number of test points.
        noise: standard deviation of the target noise.
        seed: seed of the generator (the global RNG is not touched).

    Returns:
        ``(X, y, X_test, y_test)``: X: (n_train, 1), y: (n_train,),
        X_test: (n_test, 1), y_test: (n_test,), all float32, X sorted ascending.

    Examples:
        >>> X, y, X_test, y_test = regression_1d(20, 50, seed=0)
        >>> tuple(X.shape), tuple(y_test.shape), bool((X[1:] >= X[:-1]).all())
        ((20, 1), (50,), True)
    """
    check_positive_int(n_train, "n_train")
    check_positive_int(n_test, "n_test")
    check_number(noise, "noise", minimum=0)
    g = torch.Generator().manual_seed(check_seed(seed))

    def sample(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.sort(torch.rand(n, generator=g, dtype=torch.float64) * 6 - 3).values
        y = regression_1d_target(x) + noise * torch.randn(n, generator=g, dtype=torch.float64)
        return x.unsqueeze(1).float(), y.float()

    X, y = sample(n_train)
    X_test, y_test = sample(n_test)
    return X, y, X_test, y_test


def regression_1d_target(x: torch.Tensor) -> torch.Tensor:
    """The noise-free target of [`regression_1d`][labkit.datasets.regression_1d].

    Args:
        x: inputs, any shape, floating point.

    Returns:
        ``sin(2x) + 0.5 x``, same shape as ``x``.

    Examples:
        >>> regression_1d_target(torch.tensor([0.0])).shape
        torch.Size([1])
    """
    check_tensor(x, "x", floating=True)
    return torch.sin(2 * x) + 0.5 * x
