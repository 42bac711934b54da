"""Optimizers written by hand, their 2-D test functions and learning-rate schedules.

Each optimizer is a ``torch.optim.Optimizer`` subclass whose ``step()`` is the
few lines of its update rule, with the state named as in the derivation
(``v`` for a velocity or a mean of squares, ``m`` for a mean gradient,
``m_hat``/``v_hat`` after bias correction, ``G`` for AdaGrad's running sum).
Constructor arguments and defaults are those of the torch optimizer each one
equals (to rounding): ``SGD`` and ``Momentum``/``Nesterov`` equal
``torch.optim.SGD`` (with ``momentum``, ``nesterov=True``), the others equal
``torch.optim.Adagrad``, ``RMSprop``, ``Adam`` and ``AdamW``. Parameter groups
work as in torch: a group's own value overrides the default.

The schedules are pure functions ``step -> lr``; to drive an optimizer, set
``group["lr"]`` from them before each step.

Derived in the tutorial "Optimizers" (``tutorials/16-optimizers.py``).

Examples:
    >>> w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    >>> w_ref = torch.nn.Parameter(w.detach().clone())
    >>> opt, opt_ref = Adam([w], lr=0.1), torch.optim.Adam([w_ref], lr=0.1)
    >>> for _ in range(3):
    ...     for param, optimizer in ((w, opt), (w_ref, opt_ref)):
    ...         optimizer.zero_grad()
    ...         (param**2).sum().backward()  # gradient 2·w
    ...         _ = optimizer.step()
    >>> [round(x, 3) for x in w.tolist()], torch.allclose(w, w_ref)
    ([0.702, -1.701], True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from labkit._validate import check_positive_int, check_tensor

__all__ = [
    "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "AdamW",
    "rosenbrock", "quadratic", "trajectory",
    "step_lr", "cosine_lr", "warmup_linear", "lr_range_test",
]

Closure = Callable[[], torch.Tensor] | None


def _check_number(value: object, name: str, low: float, high: float = math.inf, *,
                  low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` if it is a real number in the interval, else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above or math.isnan(value):
        interval = ("(" if low_open else "[") + f"{low:g}, {high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")
    return float(value)


def _check_betas(betas: object) -> None:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas, start=1):
        _check_number(beta, f"beta{i}", 0.0, 1.0, high_open=True)


# Which interval each hyper-parameter must lie in (low, high, low_open, high_open).
_RANGES = {
    "lr": (0.0, math.inf, False, False),
    "weight_decay": (0.0, math.inf, False, False),
    "momentum": (0.0, 1.0, False, True),
    "eps": (0.0, math.inf, True, False),
    "alpha": (0.0, 1.0, False, True),
    "lr_decay": (0.0, math.inf, False, False),
    "initial_accumulator_value": (0.0, math.inf, False, False),
}


class _HandOptimizer(torch.optim.Optimizer):
    """Checks every parameter group's hyper-parameters when the group is added."""

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        # Checked before torch adds the group, so that a rejected group is not kept.
        group = {**self.defaults, **param_group}
        for name, (low, high, low_open, high_open) in _RANGES.items():
            if name in group:
                _check_number(group[name], name, low, high, low_open=low_open, high_open=high_open)
        if "betas" in group:
            _check_betas(group["betas"])
        if "centered" in group and not isinstance(group["centered"], bool):
            raise TypeError(f"centered must be True or False, got {group['centered']!r}")
        super().add_param_group(param_group)

    def _params(self, group: dict[str, Any], l2: bool = True
                ) -> Iterator[tuple[torch.Tensor, torch.Tensor, dict]]:
        """Yield ``(p, g, state)`` for each parameter that has a gradient.

        With ``l2``, ``g`` includes the gradient ``weight_decay·p`` of the
        penalty ``(weight_decay / 2)·‖p‖²``.
        """
        for p in group["params"]:
            if p.grad is not None:
                g = p.grad + group["weight_decay"] * p if l2 else p.grad
                yield p, g, self.state[p]

    @staticmethod
    def _loss(closure: Closure) -> torch.Tensor | None:
        if closure is None:
            return None
        with torch.enable_grad():
            return closure()


class SGD(_HandOptimizer):
    """Gradient descent ``p ← p − lr·g``; equals ``torch.optim.SGD(lr, weight_decay)``.

    Args:
        params: parameters or parameter groups (dicts), as for torch optimizers.
        lr: learning rate, ≥ 0.
        weight_decay: L2 penalty coefficient, ≥ 0 (adds ``weight_decay·p`` to ``g``).

    Raises:
        ValueError: a hyper-parameter outside its range.

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0]))
        >>> opt = SGD([w], lr=0.25)
        >>> (w**2).sum().backward(); _ = opt.step(); w.item()
        0.5
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Closure = None) -> torch.Tensor | None:
        loss = self._loss(closure)
        for group in self.param_groups:
            for p, g, _ in self._params(group):
                p -= group["lr"] * g
        return loss


class Momentum(_HandOptimizer):
    """Heavy ball ``v ← μ·v + g; p ← p − lr·v``; equals ``torch.optim.SGD(momentum=μ)``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate, ≥ 0.
        momentum: μ in [0, 1); 0 gives [`SGD`][labkit.optim.SGD].
        weight_decay: L2 penalty coefficient, ≥ 0.

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0]))
        >>> opt = Momentum([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w**2).sum().backward(); _ = opt.step()
        >>> round(w.item(), 4)  # v = 2, then 0.9·2 + 1.6 = 3.4
        0.46
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.9,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Closure = None) -> torch.Tensor | None:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            for p, g, state in self._params(group):
                v = state.get("v", torch.zeros_like(p))
                v = mu * v + g
                p -= lr * v
                state["v"] = v
        return loss


class Nesterov(_HandOptimizer):
    """Nesterov momentum in torch's form: ``v ← μ·v + g; p ← p − lr·(g + μ·v)``.

    Equals ``torch.optim.SGD(momentum=μ, nesterov=True)``: the step uses the
    gradient plus the velocity *after* this step's update, a look-ahead
    without a second gradient evaluation.

    Args:
        params: parameters or parameter groups.
        lr: learning rate, ≥ 0.
        momentum: μ in [0, 1).
        weight_decay: L2 penalty coefficient, ≥ 0.

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0]))
        >>> opt = Nesterov([w], lr=0.1, momentum=0.9)
        >>> (w**2).sum().backward(); _ = opt.step(); round(w.item(), 4)  # 1 − 0.1·(2 + 1.8)
        0.62
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.9,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Closure = None) -> torch.Tensor | None:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr, mu = group["lr"], group["momentum"]
            for p, g, state in self._params(group):
                v = state.get("v", torch.zeros_like(p))
                v = mu * v + g
                p -= lr * (g + mu * v)
                state["v"] = v
        return loss


class AdaGrad(_HandOptimizer):
    """AdaGrad ``G ← G + g²; p ← p − lr_t·g / (√G + eps)``; equals ``torch.optim.Adagrad``.

    Each coordinate's step is divided by the root of the sum of all its past
    squared gradients, so steps only shrink: ``lr_t = lr / (1 + (t − 1)·lr_decay)``.

    Args:
        params: parameters or parameter groups.
        lr: learning rate, ≥ 0.
        lr_decay: ≥ 0, see ``lr_t``.
        weight_decay: L2 penalty coefficient, ≥ 0.
        initial_accumulator_value: starting value of ``G``, ≥ 0.
        eps: added to ``√G``, > 0.

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -3.0]))
        >>> opt = AdaGrad([w], lr=0.1)
        >>> (w**2).sum().backward(); _ = opt.step(); [round(x, 4) for x in w.tolist()]
        [0.9, -2.9]
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    @torch.no_grad()
    def step(self, closure: Closure = None) -> torch.Tensor | None:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            for p, g, state in self._params(group):
                t = state["t"] = state.get("t", 0) + 1
                G = state.get("G", torch.full_like(p, group["initial_accumulator_value"]))
                G = G + g**2
                lr_t = lr / (1 + (t - 1) * group["lr_decay"])
                p -= lr_t * g / (G.sqrt() + eps)
                state["G"] = G
        return loss


class RMSprop(_HandOptimizer):
    """RMSprop ``v ← α·v + (1 − α)·g²; p ← p − lr·g / (√v + eps)``; equals ``torch.optim.RMSprop``.

    A running *mean* of squared gradients instead of AdaGrad's sum, so old
    gradients are forgotten. ``centered=True`` divides by an estimate of the
    standard deviation instead (``v − ḡ²``); ``momentum > 0`` accumulates the
    scaled gradient in a buffer ``b`` as [`Momentum`][labkit.optim.Momentum] does.

    Args:
        params: parameters or parameter groups.
        lr: learning rate, ≥ 0.
        alpha: decay of the mean of squares, in [0, 1).
        eps: added to the root, > 0.
        weight_decay: L2 penalty coefficient, ≥ 0.
        momentum: in [0, 1).
        centered: subtract the squared mean gradient from ``v``.

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -3.0]))
        >>> opt = RMSprop([w], lr=0.01, alpha=0.99)
        >>> (w**2).sum().backward(); _ = opt.step(); [round(x, 4) for x in w.tolist()]
        [0.9, -2.9]
    """

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False) -> None:
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    @torch.no_grad()
    def step(self, closure: Closure = None) -> torch.Tensor | None:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr, alpha, eps, mu = group["lr"], group["alpha"], group["eps"], group["momentum"]
            for p, g, state in self._params(group):
                v = state.get("v", torch.zeros_like(p))
                v = alpha * v + (1 - alpha) * g**2
                if group["centered"]:
                    g_mean = alpha * state.get("g_mean", torch.zeros_like(p)) + (1 - alpha) * g
                    denom = (v - g_mean**2).sqrt() + eps
                    state["g_mean"] = g_mean
                else:
                    denom = v.sqrt() + eps
                if mu > 0:
                    b = mu * state.get("b", torch.zeros_like(p)) + g / denom
                    p -= lr * b
                    state["b"] = b
                else:
                    p -= lr * g / denom
                state["v"] = v
        return loss


class Adam(_HandOptimizer):
    """Adam: momentum ``m`` and RMSprop's ``v``, both bias-corrected; equals ``torch.optim.Adam``.

    ``m ← β1·m + (1 − β1)·g``, ``v ← β2·v + (1 − β2)·g²``,
    ``m_hat = m / (1 − β1^t)``, ``v_hat = v / (1 − β2^t)``,
    ``p ← p − lr·m_hat / (√v_hat + eps)``. The corrections undo the pull
    towards the zero initial ``m`` and ``v`` in the first steps, so the first
    step moves every coordinate by about ``lr``. ``weight_decay`` is an L2
    penalty added to ``g`` (and so rescaled by ``√v_hat``; see [`AdamW`][labkit.optim.AdamW]).

    Args:
        params: parameters or parameter groups.
        lr: learning rate, ≥ 0.
        betas: ``(β1, β2)``, each in [0, 1).
        eps: added to ``√v_hat``, > 0.
        weight_decay: L2 penalty coefficient, ≥ 0.

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0, -300.0]))
        >>> opt = Adam([w], lr=0.1)
        >>> (w**2).sum().backward(); _ = opt.step(); [round(x, 4) for x in w.tolist()]
        [0.9, -299.9]
    """

    _decoupled = False

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure: Closure = None) -> torch.Tensor | None:
        loss = self._loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p, g, state in self._params(group, l2=not self._decoupled):
                if self._decoupled:
                    p *= 1 - lr * group["weight_decay"]
                t = state["t"] = state.get("t", 0) + 1
                m = state.get("m", torch.zeros_like(p))
                v = state.get("v", torch.zeros_like(p))
                m = beta1 * m + (1 - beta1) * g
                v = beta2 * v + (1 - beta2) * g**2
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                p -= lr * m_hat / (v_hat.sqrt() + eps)
                state["m"], state["v"] = m, v
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay ``p ← (1 − lr·λ)·p`` before the Adam step.

    Equals ``torch.optim.AdamW``. The decay shrinks every weight by the same
    factor, instead of passing through ``√v_hat`` as Adam's L2 term does, so
    weights with large gradients are decayed as much as the others.

    Args:
        params: parameters or parameter groups.
        lr: learning rate, ≥ 0.
        betas: ``(β1, β2)``, each in [0, 1).
        eps: added to ``√v_hat``, > 0.
        weight_decay: λ, ≥ 0 (torch's default 0.01).

    Examples:
        >>> w = torch.nn.Parameter(torch.tensor([1.0]))
        >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w**2).sum().backward(); _ = opt.step(); round(w.item(), 4)  # 1·0.95 − 0.1
        0.85
    """

    _decoupled = True

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# ------------------------------------------------------------ test functions


def rosenbrock(xy: torch.Tensor, a: float = 1.0, b: float = 100.0) -> torch.Tensor:
    """Rosenbrock's banana ``(a − x)² + b·(y − x²)²``, minimum 0 at ``(a, a²)``.

    Args:
        xy: points, shape (..., 2) (one point (2,), or a grid (H, W, 2) for contours).
        a: the minimum's x coordinate.
        b: the weight of the curved valley term; large ``b`` makes a narrow valley.

    Returns:
        Values, shape (...).

    Examples:
        >>> rosenbrock(torch.tensor([[1.0, 1.0], [0.0, 0.0]])).tolist()
        [0.0, 1.0]
    """
    check_tensor(xy, "xy", floating=True)
    if xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"xy must have shape (..., 2), got {tuple(xy.shape)}")
    x, y = xy[..., 0], xy[..., 1]
    return (a - x) ** 2 + b * (y - x**2) ** 2


def quadratic(xy: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """The quadratic bowl ``½·xyᵀ A xy``; its Hessian is ``A``, so SGD needs ``lr < 2/λ_max(A)``.

    Args:
        xy: points, shape (..., d).
        A: symmetric positive definite matrix, shape (d, d), dtype of ``xy``.

    Returns:
        Values, shape (...).

    Examples:
        >>> quadratic(torch.tensor([1.0, 1.0]), torch.diag(torch.tensor([1.0, 10.0]))).item()
        5.5
    """
    check_tensor(xy, "xy", floating=True)
    if xy.ndim == 0:
        raise ValueError("xy must have shape (..., d), got a 0-dim tensor")
    d = xy.shape[-1]
    check_tensor(A, "A", shape=(d, d), dtype=xy.dtype)
    return 0.5 * torch.einsum("...i,ij,...j->...", xy, A, xy)


def trajectory(opt_factory: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
               f: Callable[[torch.Tensor], torch.Tensor],
               start: torch.Tensor | Sequence[float], steps: int) -> torch.Tensor:
    """Run an optimizer on a function of one point and record the points it visits.

    Args:
        opt_factory: builds the optimizer from a list holding the point, e.g.
            ``lambda params: Adam(params, lr=0.1)``.
        f: maps a point (d,) to a scalar, e.g. [`rosenbrock`][labkit.optim.rosenbrock].
        start: starting point, shape (d,) (d = 2 for the plots); a list of
            numbers becomes float64.
        steps: number of optimizer steps, ≥ 1.

    Returns:
        The visited points, shape (steps + 1, d), starting with ``start``. An
        optimizer that diverges gives growing (eventually non-finite) rows.

    Examples:
        >>> path = trajectory(lambda p: SGD(p, lr=0.25), lambda xy: (xy**2).sum(), [1.0, -2.0], 2)
        >>> path.tolist()
        [[1.0, -2.0], [0.5, -1.0], [0.25, -0.5]]
    """
    if not isinstance(start, torch.Tensor):
        start = torch.tensor(start, dtype=torch.float64)
    check_tensor(start, "start", ndim=1, floating=True)
    check_positive_int(steps, "steps")
    xy = nn.Parameter(start.detach().clone())
    optimizer = opt_factory([xy])
    path = [xy.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        value = f(xy)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ValueError("f must return a scalar tensor for a point of shape (d,)")
        value.backward()
        optimizer.step()
        path.append(xy.detach().clone())
    return torch.stack(path)  # (steps + 1, d)


# ----------------------------------------------------------------- schedules


def _check_step(step: object) -> int:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be a non-negative integer, got {step!r}")
    return step


def step_lr(step: int, lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Step decay ``lr·gamma^⌊step / step_size⌋``; equals ``lr_scheduler.StepLR``.

    Args:
        step: the step (or epoch) index, ≥ 0.
        lr: the initial learning rate, ≥ 0.
        step_size: steps between two decays, ≥ 1.
        gamma: factor of each decay, > 0.

    Returns:
        The learning rate at ``step``.

    Examples:
        >>> [step_lr(s, 1.0, step_size=2, gamma=0.5) for s in range(5)]
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    _check_step(step)
    _check_number(lr, "lr", 0.0)
    check_positive_int(step_size, "step_size")
    _check_number(gamma, "gamma", 0.0, low_open=True)
    return lr * gamma ** (step // step_size)


def cosine_lr(step: int, total: int, lr: float, lr_min: float = 0.0) -> float:
    """Cosine annealing ``lr_min + (lr − lr_min)·(1 + cos(π·step/total))/2``.

    Equals ``lr_scheduler.CosineAnnealingLR(T_max=total, eta_min=lr_min)`` for
    ``step ≤ total``; after ``total`` it stays at ``lr_min`` (torch's rises again).

    Args:
        step: the step index, ≥ 0.
        total: steps of the decay, ≥ 1.
        lr: the learning rate at step 0, ≥ 0.
        lr_min: the learning rate from step ``total`` on, ≥ 0.

    Returns:
        The learning rate at ``step``.

    Examples:
        >>> [round(cosine_lr(s, 4, 1.0), 4) for s in range(6)]
        [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """
    _check_step(step)
    check_positive_int(total, "total")
    _check_number(lr, "lr", 0.0)
    _check_number(lr_min, "lr_min", 0.0)
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * min(step, total) / total)) / 2


def warmup_linear(step: int, warmup: int, lr: float, start_factor: float = 0.0) -> float:
    """Linear warm-up from ``start_factor·lr`` to ``lr`` over ``warmup`` steps, then ``lr``.

    Equals ``lr_scheduler.LinearLR(start_factor, total_iters=warmup)`` (which
    needs ``start_factor > 0``).

    Args:
        step: the step index, ≥ 0.
        warmup: length of the warm-up, ≥ 1.
        lr: the learning rate after the warm-up, ≥ 0.
        start_factor: fraction of ``lr`` at step 0, in [0, 1].

    Returns:
        The learning rate at ``step``.

    Examples:
        >>> [warmup_linear(s, 4, 1.0) for s in range(6)]
        [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    _check_step(step)
    check_positive_int(warmup, "warmup")
    _check_number(lr, "lr", 0.0)
    _check_number(start_factor, "start_factor", 0.0, 1.0)
    return lr * (start_factor + (1 - start_factor) * min(step, warmup) / warmup)


def _cycle(batches: Iterable) -> Iterator:
    """Yield from ``batches`` again and again (a DataLoader reshuffles each pass)."""
    while True:
        empty = True
        for batch in batches:
            empty = False
            yield batch
        if empty:
            raise ValueError("batches yielded no batch")


def lr_range_test(
    model_factory: Callable[[], nn.Module],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    lr_min: float,
    lr_max: float,
    steps: int,
    *,
    opt_factory: Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer] | None = None,
    stop_factor: float | None = 4.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Learning-rate range test: train once while the learning rate grows geometrically.

    One step per batch (cycling through ``batches``) with the learning rate
    ``lr_min·(lr_max/lr_min)^(k/(steps − 1))`` at step ``k``. The loss falls
    while the rate is useful and blows up once it is too large; a good rate is
    a little below the one where the loss falls fastest.

    Args:
        model_factory: builds a fresh model.
        loss_fn: mean loss of the model's output and the targets, e.g. ``F.cross_entropy``.
        batches: iterable of ``(X, y)`` batches (a list or a DataLoader).
        lr_min: the first learning rate, > 0.
        lr_max: the last learning rate, > lr_min.
        steps: number of steps, ≥ 2.
        opt_factory: builds the optimizer from the model's parameters; its
            groups' ``lr`` is overwritten at each step. Default [`SGD`][labkit.optim.SGD].
        stop_factor: stop early once the loss exceeds ``stop_factor`` times the
            lowest loss so far, or is not finite; ``None`` runs all steps.

    Returns:
        ``(lrs, losses)``, both float64 of shape (steps_run,): the rate of each
        step and the batch loss computed before that step's update.

    Examples:
        >>> X, y = torch.randn(64, 3, generator=torch.Generator().manual_seed(0)), torch.zeros(64)
        >>> batches = [(X[:32], y[:32]), (X[32:], y[32:])]
        >>> def mse(out, t):
        ...     return ((out[:, 0] - t) ** 2).mean()
        >>> lrs, losses = lr_range_test(lambda: nn.Linear(3, 1), mse, batches, 1e-3, 1.0,
        ...                             steps=4, stop_factor=None)
        >>> [round(lr, 3) for lr in lrs.tolist()]
        [0.001, 0.01, 0.1, 1.0]
    """
    _check_number(lr_min, "lr_min", 0.0, low_open=True)
    _check_number(lr_max, "lr_max", lr_min, low_open=True)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
    if stop_factor is not None:
        _check_number(stop_factor, "stop_factor", 1.0, low_open=True)
    model = model_factory()
    optimizer = (opt_factory or (lambda params: SGD(params, lr=lr_min)))(model.parameters())
    lrs = lr_min * (lr_max / lr_min) ** (torch.arange(steps, dtype=torch.float64) / (steps - 1))
    losses: list[float] = []
    model.train()
    for lr, (X, y) in zip(lrs.tolist(), _cycle(batches)):
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = loss_fn(model(X), y)  # 1. forward, 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        losses.append(loss.item())
        if stop_factor is not None and not (losses[-1] <= stop_factor * min(losses)):
            break
    return lrs[: len(losses)], torch.tensor(losses, dtype=torch.float64)
