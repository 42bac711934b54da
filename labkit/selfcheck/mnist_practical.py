"""Self-checks of tutorial 12, "The MNIST practical": the practical's functions with its signatures.

``dsigma`` is checked by page 02's exercise of the same name. ``backward_pass``
returns nothing and adds into four accumulators in place, which a self-check
cannot compare directly; [`check_backward_pass`][labkit.selfcheck.mnist_practical.check_backward_pass] checks it through a
wrapper that starts the accumulators at 0.5 and returns what was added.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from labkit import activations, practical, selfcheck
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

__all__ = ["check_backward_pass", "returning_gradients"]

PAGE = "12-mnist-from-scratch"

_F64 = torch.float64
_START = 0.5  # the accumulators' value before backward_pass: adding and overwriting then differ


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=gen, dtype=dtype)


def _sigma_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([-1.0, 0.0, 2.0]),),
        (_randn(gen, 3, 4, scale=2.0),),
        (_randn(gen, 2, 3, 2, dtype=_F64, scale=3.0),),
        (torch.tensor([-100.0, -20.0, 0.0, 20.0, 100.0]),),
    ]


def _pair_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.0, 0.9, 0.0])),
        (_randn(gen, 2, 5), _randn(gen, 2, 5)),
        (_randn(gen, 10, dtype=_F64), 0.9 * torch.eye(10, dtype=_F64)[3]),
    ]


def _sizes() -> list[tuple]:
    # (num_inputs, num_hiddens, num_outputs, dtype): never square, so a missing .t() raises
    return [(3, 4, 2, torch.float32), (5, 3, 4, torch.float32), (6, 8, 3, _F64)]


def _params(gen: torch.Generator, n_in: int, n_hid: int, n_out: int, dtype: torch.dtype) -> tuple:
    return (_randn(gen, n_hid, n_in, dtype=dtype), _randn(gen, n_hid, dtype=dtype),
            _randn(gen, n_out, n_hid, dtype=dtype), _randn(gen, n_out, dtype=dtype))


def _forward_cases(gen: torch.Generator) -> list[tuple]:
    return [(*_params(gen, i, h, o, dt), _randn(gen, i, dtype=dt)) for i, h, o, dt in _sizes()]


def _backward_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for i, h, o, dt in _sizes():
        params = _params(gen, i, h, o, dt)
        t = 0.9 * torch.eye(o, dtype=dt)[int(torch.randint(o, (1,), generator=gen))]
        cases.append((*params, t, *practical.forward_pass(*params, _randn(gen, i, dtype=dt))))
    return cases


def _step_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for (i, h, o, dt), n in zip(_sizes(), [3, 5, 4]):
        params = _params(gen, i, h, o, dt)
        T = 0.9 * torch.eye(o, dtype=dt)[torch.randint(o, (n,), generator=gen)]
        cases.append((*params, _randn(gen, n, i, dtype=dt), T, 0.1 / n))
    return cases


# ---------------------------------------------------------- references


def _gradients(w1, b1, w2, b2, t, x, s1, x1, s2, x2) -> tuple:
    """One sample's four gradients: what backward_pass adds to zero accumulators."""
    grads = tuple(torch.zeros_like(p) for p in (w1, b1, w2, b2))
    practical.backward_pass(w1, b1, w2, b2, t, x, s1, x1, s2, x2, *grads)
    return grads


def returning_gradients(backward_pass: Callable[..., None]) -> Callable[..., tuple]:
    """Turn the practical's in-place ``backward_pass`` into a function that returns what it added.

    The four accumulators start at 0.5 (not 0), so a pass that overwrites them
    instead of adding to them is seen.

    Args:
        backward_pass: a function with the practical's 14 arguments that adds
            one sample's gradient into the last four.

    Returns:
        A function of the first 10 arguments returning ``(dl_dw1, dl_db1, dl_dw2, dl_db2)``,
        the amounts added.

    Examples:
        >>> from labkit import practical
        >>> params = practical.init_parameters(3, 4, 2, eps=1.0, generator=torch.Generator().manual_seed(0))
        >>> values = practical.forward_pass(*params, torch.ones(3))
        >>> grads = returning_gradients(practical.backward_pass)(*params, torch.zeros(2), *values)
        >>> [tuple(g.shape) for g in grads]
        [(4, 3), (4,), (2, 4), (2,)]
    """

    def gradients(w1, b1, w2, b2, t, x, s1, x1, s2, x2):
        accumulators = [torch.full_like(p, _START) for p in (w1, b1, w2, b2)]
        backward_pass(w1, b1, w2, b2, t, x, s1, x1, s2, x2, *accumulators)
        return tuple(a - _START for a in accumulators)

    return gradients


def check_backward_pass(backward_pass: Callable[..., None]) -> Callable[..., None]:
    """The self-check of the practical's ``backward_pass``, for the tutorial's cell.

    Args:
        backward_pass: the student's function (the practical's signature, in place).

    Returns:
        ``backward_pass`` if it passed, else [`backward_pass`][labkit.practical.backward_pass].

    Raises:
        labkit.selfcheck.SelfCheckError: it did not pass and ``LABKIT_SELFCHECK_STRICT=1``.

    Examples:
        >>> from labkit import practical
        >>> check_backward_pass(practical.backward_pass) is practical.backward_pass  # doctest: +ELLIPSIS
        ✓ backward_pass: ...
        True
    """
    wrapped = returning_gradients(backward_pass)
    result = selfcheck.check("backward_pass", wrapped)
    return backward_pass if result is wrapped else practical.backward_pass


def _backward_variant(*, output_dsigma=True, dsigma_of=lambda s, x: s):
    """A wrong backward_pass, as the gradients it adds."""

    def gradients(w1, b1, w2, b2, t, x, s1, x1, s2, x2):
        dl_ds2 = 2 * (x2 - t) * (activations.tanh_grad(dsigma_of(s2, x2)) if output_dsigma else 1)
        dl_ds1 = activations.tanh_grad(dsigma_of(s1, x1)) * (w2.t() @ dl_ds2)
        return torch.outer(dl_ds1, x), dl_ds1, torch.outer(dl_ds2, x1), dl_ds2

    return gradients


def _step(w1, b1, w2, b2, X, T, eta):
    grads = practical.gradients_per_sample(w1, b1, w2, b2, X, T)
    return tuple(p - eta * g for p, g in zip((w1, b1, w2, b2), grads))


def _last_sample_step(w1, b1, w2, b2, X, T, eta):
    grads = _gradients(w1, b1, w2, b2, T[-1], *practical.forward_pass(w1, b1, w2, b2, X[-1]))
    return tuple(p - eta * g for p, g in zip((w1, b1, w2, b2), grads))


def _step_variant(update):
    def step(w1, b1, w2, b2, X, T, eta):
        grads = practical.gradients_per_sample(w1, b1, w2, b2, X, T)
        return tuple(update(p, g, eta, X.shape[0], i) for i, (p, g) in enumerate(zip((w1, b1, w2, b2), grads)))

    return step


register(
    Exercise(
        name="sigma",
        page=PAGE,
        reference=torch.tanh,
        cases=_sigma_cases,
        what="equals torch.tanh, also for |x| = 100",
        mistakes=[
            Mistake("this is the sigmoid; the practical's σ is tanh: use torch.tanh.", torch.sigmoid),
            Mistake(
                "(e^x − e^{−x}) / (e^x + e^{−x}) overflows to inf / inf = nan for |x| = 100: "
                "use torch.tanh (x.tanh()).",
                lambda x: (x.exp() - (-x).exp()) / (x.exp() + (-x).exp()),
            ),
            Mistake("2σ(x) − 1 is tanh(x/2); tanh(x) = 2σ(2x) − 1.", lambda x: 2 * torch.sigmoid(x) - 1),
        ],
    ),
    Exercise(
        name="loss",
        page=PAGE,
        reference=practical.loss,
        cases=_pair_cases,
        what="equals ‖t − v‖², the sum of the squared errors",
        mistakes=[
            Mistake(
                "this is the mean; the practical's loss is the sum ‖t − v‖² (its step size 0.1 / N "
                "takes care of the average).",
                lambda v, t: (v - t).pow(2).mean(),
            ),
            Mistake("the square is missing: ‖t − v‖² sums (t − v)², not |t − v|.", lambda v, t: (v - t).abs().sum()),
            Mistake("this is the norm ‖t − v‖; the loss is its square, (t − v).pow(2).sum().", lambda v, t: (v - t).norm()),
            Mistake(
                "this squares the sum; the loss sums the squares: (t − v).pow(2).sum().",
                lambda v, t: (v - t).sum().pow(2),
            ),
        ],
    ),
    Exercise(
        name="dloss",
        page=PAGE,
        reference=practical.dloss,
        cases=_pair_cases,
        what="equals the gradient 2 (v − t) of ‖t − v‖² with respect to v",
        mistakes=[
            Mistake("the factor 2 from the square is missing: d/dv (v − t)² = 2 (v − t).", lambda v, t: v - t),
            Mistake("the sign is flipped: the gradient with respect to v is 2 (v − t).", lambda v, t: 2 * (t - v)),
            Mistake(
                "this is the gradient of the mean; the loss is the sum, so no division: 2 (v − t).",
                lambda v, t: 2 * (v - t) / v.numel(),
            ),
        ],
    ),
    Exercise(
        name="forward_pass",
        page=PAGE,
        reference=practical.forward_pass,
        cases=_forward_cases,
        output_names=("x0", "s1", "x1", "s2", "x2"),
        what="returns (x0, s1, x1, s2, x2) of the practical's network",
        mistakes=[
            Mistake(
                "the output is not squashed: x2 = σ(s2).",
                lambda w1, b1, w2, b2, x: (*practical.forward_pass(w1, b1, w2, b2, x)[:4],
                                           practical.forward_pass(w1, b1, w2, b2, x)[3]),
            ),
            Mistake(
                "the hidden layer is not squashed: x1 = σ(s1) goes into the second layer.",
                lambda w1, b1, w2, b2, x: (x, w1 @ x + b1, w1 @ x + b1, w2 @ (w1 @ x + b1) + b2,
                                           torch.tanh(w2 @ (w1 @ x + b1) + b2)),
            ),
            Mistake(
                "the first layer's bias is missing: s1 = w1 x0 + b1.",
                lambda w1, b1, w2, b2, x: practical.forward_pass(w1, torch.zeros_like(b1), w2, b2, x),
            ),
        ],
    ),
    Exercise(
        name="backward_pass",
        page=PAGE,
        reference=_gradients,
        cases=_backward_cases,
        output_names=("dl_dw1", "dl_db1", "dl_dw2", "dl_db2"),
        what="adds autograd's gradient of loss(x2, t) to the four accumulators",
        mistakes=[
            Mistake(
                "the accumulators are overwritten, not added to: the practical sums the gradients of "
                "all samples, dl_dw1.add_(...).",
                lambda *args: tuple(g - _START for g in _gradients(*args)),
            ),
            Mistake(
                "nothing reached the accumulators: `dl_dw1 = ...` only rebinds the name inside the "
                "function; change the tensor itself, dl_dw1.add_(...).",
                lambda *args: tuple(torch.zeros_like(p) for p in args[:4]),
            ),
            Mistake(
                "σ' must be evaluated at the pre-activations s2 and s1, not at the outputs x2 and x1.",
                _backward_variant(dsigma_of=lambda s, x: x),
            ),
            Mistake(
                "σ'(s2) is missing at the output: dl_ds2 = dsigma(s2) * dloss(x2, t).",
                _backward_variant(output_dsigma=False),
            ),
        ],
    ),
    Exercise(
        name="step_per_sample",
        page=PAGE,
        reference=_step,
        cases=_step_cases,
        output_names=("w1", "b1", "w2", "b2"),
        what="takes one gradient step on the gradients summed over the samples",
        mistakes=[
            Mistake("the step goes uphill: w ← w − η · gradient.", _step_variant(lambda p, g, eta, n, i: p + eta * g)),
            Mistake(
                "only the last sample's gradient is used: reset the accumulators once per step, before "
                "the loop over the samples, and add every sample's gradient.",
                _last_sample_step,
            ),
            Mistake(
                "the gradient is divided by N once too often: η = 0.1 / N already averages the summed "
                "gradient.",
                _step_variant(lambda p, g, eta, n, i: p - eta * g / n),
            ),
            Mistake(
                "the biases are not updated: b1 and b2 take a step too.",
                _step_variant(lambda p, g, eta, n, i: p - eta * g if i in (0, 2) else p.clone()),
            ),
        ],
    ),
)
