"""Dropout and batch normalisation by hand, with small ``nn.Module`` wrappers.

Each layer is a pair ``x_forward(...) -> (out, cache)`` /
``x_backward(dout, cache) -> grads``, like ``labkit.layers``. Both layers
behave differently in training and in evaluation, so both take ``training``:

- inverted dropout zeroes each entry with probability ``p`` while training and
  scales the survivors by ``1 / (1 - p)``, so that nothing changes at test time;
- batch normalisation standardises each feature with the batch's mean and
  variance while training, and with running estimates of them at test time.

``Dropout`` and ``BatchNorm1d`` wrap the forward functions as
modules (autograd differentiates through them), so that a model can use them
in place of ``nn.Dropout`` and ``nn.BatchNorm1d``.

Derived in the tutorial "Regularization" (``tutorials/15-regularization.py``).
"""

from __future__ import annotations

import torch
from torch import nn

from labkit._validate import check_cache, check_positive_int, check_tensor

__all__ = [
    "dropout_forward",
    "dropout_backward",
    "batchnorm_forward",
    "batchnorm_backward",
    "Dropout",
    "BatchNorm1d",
]

BatchNormCache = tuple[torch.Tensor, torch.Tensor, torch.Tensor, bool]


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _check_fraction(value: object, name: str, *, closed: bool, why: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not (0 <= value <= 1 if closed else 0 <= value < 1):
        interval = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}{why}, got {value!r}")
    return float(value)


def _check_eps(eps: object) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise TypeError(f"eps must be a number, got {type(eps).__name__}")
    if eps <= 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    return float(eps)


def _check_dout(dout: object, shape: torch.Size, dtype: torch.dtype) -> torch.Tensor:
    dout = check_tensor(dout, "dout", floating=True, dtype=dtype)
    if dout.shape != shape:
        raise ValueError(
            f"dout must have the shape of the layer's output {tuple(shape)}, got {tuple(dout.shape)}"
        )
    return dout


# -------------------------------------------------------------------- dropout


def dropout_forward(
    X: torch.Tensor, p: float, training: bool, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Inverted dropout: ``out = X · m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` per entry.

    Dividing the survivors by the keep probability ``1 - p`` keeps the expected
    value of every entry, ``E[out] = X``, so evaluation uses the network as it
    is (``out = X``) without rescaling.

    Args:
        X: inputs, floating point, any shape.
        p: probability of zeroing an entry, in [0, 1).
        training: drop entries (True) or pass ``X`` through unchanged (False).
        generator: random number generator for the mask; default torch's
            global one. Must live on ``X``'s device.

    Returns:
        ``(out, cache)`` with out of ``X``'s shape and ``cache`` the mask
            ``m / (1 - p)`` (entries 0 or ``1 / (1 - p)``, shape of ``X``), or
            ``None`` when nothing is dropped (evaluation or ``p = 0``), in which
            case ``out`` is ``X`` itself.

    Raises:
        TypeError: a non-float ``X``, a non-number ``p``, a non-bool
            ``training`` or a generator that is not a ``torch.Generator``.
        ValueError: ``p`` outside [0, 1) (``p = 1`` would drop everything and
            divide by zero), or a generator on another device.

    Examples:
        >>> out, mask = dropout_forward(torch.ones(2, 4), 0.5, True, torch.Generator().manual_seed(0))
        >>> sorted(set(out.flatten().tolist()))
        [0.0, 2.0]
        >>> dropout_forward(torch.ones(2, 4), 0.5, False)[1] is None
        True
    """
    check_tensor(X, "X", floating=True)
    p = _check_fraction(p, "p", closed=False, why=" (p = 1 would drop every entry)")
    _check_bool(training, "training")
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        if generator.device.type != X.device.type:
            raise ValueError(f"generator is on {generator.device} but X is on {X.device}")
    if not training or p == 0:
        return X, None
    keep = torch.rand(X.shape, generator=generator, dtype=X.dtype, device=X.device) >= p
    mask = keep.to(X.dtype) / (1 - p)  # (shape of X)
    return X * mask, mask


def dropout_backward(dout: torch.Tensor, cache: torch.Tensor | None) -> torch.Tensor:
    """Backward pass of ``dropout_forward``: ``dX = dout · m / (1 - p)``.

    The mask is a constant of the forward pass, so a dropped entry gets no
    gradient and a kept one gets ``dout`` scaled by ``1 / (1 - p)``.

    Args:
        dout: gradient w.r.t. the output, shape of ``X``.
        cache: the mask returned by ``dropout_forward``, or ``None``.

    Returns:
        dX, shape of ``X``.

    Examples:
        >>> out, mask = dropout_forward(torch.ones(3), 0.5, True, torch.Generator().manual_seed(0))
        >>> torch.equal(dropout_backward(torch.ones(3), mask), out)
        True
    """
    if cache is not None and not isinstance(cache, torch.Tensor):
        raise TypeError(f"cache must be the mask returned by dropout_forward (a tensor or None), got {type(cache).__name__}")
    if cache is None:
        return check_tensor(dout, "dout", floating=True)
    return _check_dout(dout, cache.shape, cache.dtype) * cache


# ---------------------------------------------------------- batch normalisation


def batchnorm_forward(
    X: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    running_mean: torch.Tensor,
    running_var: torch.Tensor,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, BatchNormCache]:
    """Batch normalisation of each feature: ``out = γ · (X - μ) / sqrt(σ² + ε) + β``.

    In training, ``μ`` and ``σ²`` are the batch mean and the *biased* batch
    variance (divided by N), and the running estimates are updated in place,
    exactly as ``nn.BatchNorm1d`` does, with the *unbiased* variance (divided
    by N - 1): ``running ← (1 - momentum) · running + momentum · batch``. In
    evaluation, ``μ`` and ``σ²`` are the running estimates, which stay unchanged.

    Args:
        X: inputs, shape (N, D), floating point; N >= 2 in training.
        gamma: scale, shape (D,), same dtype as ``X``.
        beta: shift, shape (D,), same dtype.
        running_mean: running mean, shape (D,), same dtype; updated in place
            when ``training``.
        running_var: running variance, shape (D,), same dtype; updated in
            place when ``training``.
        training: use the batch statistics (True) or the running ones (False).
        momentum: weight of the new batch in the running estimates, in [0, 1].
        eps: added to the variance before the square root, > 0.

    Returns:
        ``(out, cache)`` with out: (N, D) and
            ``cache = (X_hat, gamma, inv_std, training)``, X_hat: (N, D) the
            standardised inputs, inv_std: (D,) ``1 / sqrt(σ² + ε)``.

    Raises:
        TypeError: non-tensors, non-float or mixed dtypes, non-bool
            ``training``, non-number ``momentum`` or ``eps``.
        ValueError: wrong shapes, N < 2 in training, ``momentum`` outside
            [0, 1] or ``eps <= 0``.

    Examples:
        >>> X = torch.tensor([[1., 10.], [3., 30.]])
        >>> mean, var = torch.zeros(2), torch.ones(2)
        >>> out, _ = batchnorm_forward(X, torch.ones(2), torch.zeros(2), mean, var, True)
        >>> out.round(decimals=3)
        tensor([[-1., -1.],
                [ 1.,  1.]])
        >>> mean, var
        (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    """
    check_tensor(X, "X", ndim=2, floating=True)
    D = X.shape[1]
    for name, param in (("gamma", gamma), ("beta", beta),
                        ("running_mean", running_mean), ("running_var", running_var)):
        check_tensor(param, name, shape=(D,), dtype=X.dtype)
    _check_bool(training, "training")
    momentum = _check_fraction(momentum, "momentum", closed=True)
    _check_eps(eps)
    if training:
        N = X.shape[0]
        if N < 2:
            raise ValueError(
                f"batch normalisation in training mode needs N >= 2 examples per batch, got N={N} "
                "(one example has no variance); use evaluation mode or a larger batch"
            )
        mu = X.mean(0)  # (D,)
        var = X.var(0, correction=0)  # (D,) biased: the batch's own spread
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(mu.detach(), alpha=momentum)
            running_var.mul_(1 - momentum).add_(var.detach() * N / (N - 1), alpha=momentum)
    else:
        mu, var = running_mean, running_var
    inv_std = 1 / torch.sqrt(var + eps)  # (D,)
    X_hat = (X - mu) * inv_std  # (N, D)
    out = gamma * X_hat + beta  # (N, D)
    return out, (X_hat, gamma, inv_std, training)


def batchnorm_backward(
    dout: torch.Tensor, cache: BatchNormCache
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Backward pass of ``batchnorm_forward``, in its compact form.

    ``dβ = Σ_n dout``, ``dγ = Σ_n dout · X_hat``. In training, μ and σ² depend
    on every example, and the three paths to ``X`` combine into

    ``dX = inv_std / N · (N · dX_hat - Σ_n dX_hat - X_hat · Σ_n dX_hat · X_hat)``

    with ``dX_hat = γ · dout``. In evaluation μ and σ² are constants and
    ``dX = dX_hat · inv_std``.

    Args:
        dout: gradient w.r.t. the output, shape (N, D).
        cache: the cache returned by ``batchnorm_forward``.

    Returns:
        ``(dX, dgamma, dbeta)`` with shapes (N, D), (D,) and (D,).

    Examples:
        >>> X = torch.tensor([[1., 10.], [3., 30.], [2., 5.]])
        >>> out, cache = batchnorm_forward(X, torch.ones(2), torch.zeros(2),
        ...                                torch.zeros(2), torch.ones(2), True)
        >>> dX, dgamma, dbeta = batchnorm_backward(torch.ones(3, 2), cache)
        >>> round(dX.abs().max().item(), 6), dbeta
        (0.0, tensor([3., 3.]))
    """
    X_hat, gamma, inv_std, training = check_cache(
        cache, "batchnorm_forward", (torch.Tensor, torch.Tensor, torch.Tensor, bool)
    )
    _check_dout(dout, X_hat.shape, X_hat.dtype)
    N = X_hat.shape[0]
    dbeta = dout.sum(0)  # (D,)
    dgamma = (dout * X_hat).sum(0)  # (D,)
    dX_hat = dout * gamma  # (N, D)
    if not training:
        return dX_hat * inv_std, dgamma, dbeta
    dX = inv_std / N * (N * dX_hat - dX_hat.sum(0) - X_hat * (dX_hat * X_hat).sum(0))  # (N, D)
    return dX, dgamma, dbeta


# -------------------------------------------------------------------- modules


class Dropout(nn.Module):
    """Inverted dropout as a module, a drop-in for ``nn.Dropout`` (uses ``dropout_forward``).

    Drops entries only in training mode (``model.train()``); in evaluation mode
    (``model.eval()``) it returns its input unchanged.

    Args:
        p: probability of zeroing an entry, in [0, 1).

    Examples:
        >>> layer = Dropout(0.5).eval()
        >>> torch.equal(layer(torch.ones(2, 3)), torch.ones(2, 3))
        True
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = _check_fraction(p, "p", closed=False, why=" (p = 1 would drop every entry)")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return dropout_forward(X, self.p, self.training)[0]

    def extra_repr(self) -> str:
        return f"p={self.p}"


class BatchNorm1d(nn.Module):
    """Batch normalisation of (N, D) inputs as a module (uses ``batchnorm_forward``).

    Its parameters and buffers have ``nn.BatchNorm1d``'s names (``weight`` = γ,
    ``bias`` = β, ``running_mean``, ``running_var``, ``num_batches_tracked``),
    so state dicts load in either direction.

    Args:
        num_features: D, the number of features.
        eps: added to the variance before the square root.
        momentum: weight of each new batch in the running estimates.

    Examples:
        >>> layer = BatchNorm1d(3)
        >>> out = layer(torch.randn(8, 3))
        >>> tuple(out.shape), layer.num_batches_tracked.item()
        ((8, 3), 1)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        check_positive_int(num_features, "num_features")
        self.num_features = num_features
        self.eps = _check_eps(eps)
        self.momentum = _check_fraction(momentum, "momentum", closed=True)
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        out, _ = batchnorm_forward(
            X, self.weight, self.bias, self.running_mean, self.running_var,
            self.training, self.momentum, self.eps,
        )
        if self.training:
            self.num_batches_tracked += 1
        return out

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
