"""Self-checks of tutorial 11, "Softmax cross-entropy backprop": each layer by hand, then the network.

The references are [`labkit.layers`][labkit.layers]' forward and backward passes, in the
course's notation (``W: (num_outputs, num_inputs)``, ``out = X @ W.T + b``).
Inputs are never square where a transpose could hide (N, num_inputs and
num_outputs all differ), and ReLU inputs contain exact zeros.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from labkit import layers
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "11-softmax-backprop"

_F64 = torch.float64


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=gen, dtype=dtype)


def _labels(gen: torch.Generator, n: int, num_classes: int) -> torch.Tensor:
    return torch.randint(num_classes, (n,), generator=gen)


def _one_hot(y: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.one_hot(y, num_classes=like.shape[1]).to(like.dtype)


def _log_softmax(Z: torch.Tensor) -> torch.Tensor:
    return Z - torch.logsumexp(Z, dim=1, keepdim=True)


# ------------------------------------------------------------ single layers


def _linear_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 1, 2), _randn(gen, 3, 2), _randn(gen, 3)),
        (_randn(gen, 4, 3), _randn(gen, 2, 3), _randn(gen, 2)),
        (_randn(gen, 5, 2, dtype=_F64), _randn(gen, 16, 2, dtype=_F64), _randn(gen, 16, dtype=_F64)),
    ]


def _linear_forward(X, W, b):
    return layers.linear_forward(X, W, b)[0]


def _relu_cases(gen: torch.Generator) -> list[tuple]:
    Z = _randn(gen, 3, 4)
    Z[0, 1] = Z[2, 3] = 0.0  # the kink: the derivative is taken as 0 there
    return [
        (_randn(gen, 2, 3), torch.tensor([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.0]])),
        (_randn(gen, 3, 4), Z),
        (_randn(gen, 5, 6, dtype=_F64), _randn(gen, 5, 6, dtype=_F64)),
    ]


def _relu_backward(dA, Z):
    return layers.relu_backward(dA, layers.relu_forward(Z)[1])


def _softmax_cases(gen: torch.Generator) -> list[tuple]:
    big = _randn(gen, 3, 4)
    big[0] += 1000.0  # exp(1000) overflows: only max-shifted logits survive
    big[1, 2] = -1000.0
    return [
        (torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]),),
        (_randn(gen, 4, 5, scale=3.0),),
        (_randn(gen, 6, 3, dtype=_F64, scale=3.0),),
        (big,),
    ]


def _softmax(Z):
    return torch.softmax(Z, dim=1)


def _ce_cases(gen: torch.Generator) -> list[tuple]:
    big = _randn(gen, 4, 3)
    big[1] += 1000.0
    big[2, 0] = -1000.0
    return [
        (torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), torch.tensor([0, 0, 1])),
        (_randn(gen, 5, 4, scale=2.0), _labels(gen, 5, 4)),
        (_randn(gen, 7, 3, dtype=_F64, scale=2.0), _labels(gen, 7, 3)),
        (big, torch.tensor([2, 1, 0, 1])),
    ]


def _cross_entropy(Z, y):
    return layers.softmax_cross_entropy_forward(Z, y)[0]


def _ce_backward_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, c, dtype in [(3, 2, torch.float32), (5, 4, torch.float32), (7, 3, _F64)]:
        cases.append((torch.softmax(_randn(gen, n, c, dtype=dtype, scale=2.0), dim=1), _labels(gen, n, c)))
    return cases


def _softmax_ce_backward(a2, y):
    return layers.softmax_cross_entropy_backward(layers.SoftmaxCECache(a2, y))


def _linear_backward_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 2, 3), _randn(gen, 2, 4), _randn(gen, 3, 4)),
        (_randn(gen, 5, 2), _randn(gen, 5, 3), _randn(gen, 2, 3)),
        (_randn(gen, 4, 6, dtype=_F64), _randn(gen, 4, 2, dtype=_F64), _randn(gen, 6, 2, dtype=_F64)),
    ]


def _linear_backward(dZ, X, W):
    return layers.linear_backward(dZ, layers.LinearCache(X, W))


# ------------------------------------------------------------ the network


def _params(gen: torch.Generator, d: int, h: int, c: int, dtype: torch.dtype) -> tuple:
    return (_randn(gen, h, d, dtype=dtype), _randn(gen, h, dtype=dtype),
            _randn(gen, c, h, dtype=dtype), _randn(gen, c, dtype=dtype))


def _net_sizes() -> list[tuple]:
    # (N, d, h, C, dtype): N, d, h and C differ, so a transpose cannot go unnoticed
    return [(3, 2, 4, 2, torch.float32), (5, 3, 6, 4, torch.float32), (8, 2, 16, 3, _F64)]


def _forward_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, n, d, dtype=dt), *_params(gen, d, h, c, dt)) for n, d, h, c, dt in _net_sizes()]


def _two_layer_forward(X, W1, b1, W2, b2):
    z1, _ = layers.linear_forward(X, W1, b1)
    a1, _ = layers.relu_forward(z1)
    z2, _ = layers.linear_forward(a1, W2, b2)
    return z2, (z1, a1, torch.softmax(z2, dim=1))


def _backward_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, d, h, c, dt in _net_sizes():
        X, params = _randn(gen, n, d, dtype=dt), _params(gen, d, h, c, dt)
        _, cache = _two_layer_forward(X, *params)
        cases.append((X, _labels(gen, n, c), *params, cache))
    return cases


def _two_layer_backward(X, y, W1, b1, W2, b2, cache):
    z1, a1, a2 = cache
    dz2 = layers.softmax_cross_entropy_backward(layers.SoftmaxCECache(a2, y))
    da1, dW2, db2 = layers.linear_backward(dz2, layers.LinearCache(a1, W2))
    dz1 = layers.relu_backward(da1, z1)
    _, dW1, db1 = layers.linear_backward(dz1, layers.LinearCache(X, W1))
    return dW1, db1, dW2, db2


def _gd_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for (n, d, h, c, dt), lr in zip(_net_sizes(), [0.5, 0.1, 2.0]):
        cases.append((_randn(gen, n, d, dtype=dt), _labels(gen, n, c), *_params(gen, d, h, c, dt), lr))
    return cases


def _gradients(X, y, W1, b1, W2, b2):
    z2, cache = _two_layer_forward(X, W1, b1, W2, b2)
    return _cross_entropy(z2, y), _two_layer_backward(X, y, W1, b1, W2, b2, cache)


def _descent_step(X, y, W1, b1, W2, b2, lr):
    loss, grads = _gradients(X, y, W1, b1, W2, b2)
    return (*(p - lr * g for p, g in zip((W1, b1, W2, b2), grads)), loss)


def _gd_variant(update):
    """A wrong descent_step: ``update(param, grad, lr, index)`` instead of ``param - lr * grad``."""

    def step(X, y, W1, b1, W2, b2, lr):
        loss, grads = _gradients(X, y, W1, b1, W2, b2)
        return (*(update(p, g, lr, i) for i, (p, g) in enumerate(zip((W1, b1, W2, b2), grads))), loss)

    return step


def _backward_variant(*, times_n=False, masked=True, sign=1.0):
    """A wrong two_layer_backward: without the 1/N, without the ReLU mask, or with the sign flipped."""

    def backward(X, y, W1, b1, W2, b2, cache):
        z1, a1, a2 = cache
        N = X.shape[0]
        dz2 = sign * (a2 - _one_hot(y, a2)) * (1 if times_n else 1 / N)
        da1 = dz2 @ W2
        dz1 = da1 * (z1 > 0).to(da1.dtype) if masked else da1
        return dz1.T @ X, dz1.sum(0), dz2.T @ a1, dz2.sum(0)

    return backward


def _forward_variant(*, relu=True, softmax_dim=1, probs=True, relu_logits=False):
    """A wrong two_layer_forward: one step of the reference changed."""

    def forward(X, W1, b1, W2, b2):
        z1 = X @ W1.T + b1
        a1 = z1.clamp(min=0) if relu else z1
        z2 = a1 @ W2.T + b2
        if relu_logits:
            z2 = z2.clamp(min=0)
        return z2, (z1, a1, torch.softmax(z2, dim=softmax_dim) if probs else z2)

    return forward


register(
    Exercise(
        name="linear_forward",
        page=PAGE,
        reference=_linear_forward,
        cases=_linear_cases,
        what="equals X @ W.T + b with W in nn.Linear's (out, in) orientation",
        mistakes=[
            Mistake("the bias is missing: out = X @ W.T + b.", lambda X, W, b: X @ W.T),
            Mistake("the bias is subtracted: out = X @ W.T + b, with a plus.", lambda X, W, b: X @ W.T - b),
            Mistake(
                "this is (W xᵀ)ᵀ's transpose: one column per example. The batch has one row per example, "
                "out = X @ W.T + b, shape (N, num_outputs).",
                lambda X, W, b: W @ X.T + b[:, None],
            ),
        ],
    ),
    Exercise(
        name="relu_backward",
        page=PAGE,
        reference=_relu_backward,
        cases=_relu_cases,
        what="equals dA ⊙ 1[Z > 0] (0 at Z = 0, as in PyTorch)",
        mistakes=[
            Mistake(
                "the ReLU mask is forgotten: the gradient only passes where the unit was active, "
                "dZ = dA * (Z > 0).",
                lambda dA, Z: dA.clone(),
            ),
            Mistake(
                "the mask comes from dA; it must come from the forward pass's input: dZ = dA * (Z > 0).",
                lambda dA, Z: dA * (dA > 0).to(dA.dtype),
            ),
            Mistake(
                "this multiplies by ReLU(Z); the derivative of ReLU is the step 1[Z > 0], not ReLU itself.",
                lambda dA, Z: dA * Z.clamp(min=0),
            ),
            Mistake(
                "at Z = 0 the slope is taken as 0 (PyTorch's convention): use Z > 0, not Z >= 0.",
                lambda dA, Z: dA * (Z >= 0).to(dA.dtype),
            ),
        ],
    ),
    Exercise(
        name="softmax",
        page=PAGE,
        reference=_softmax,
        cases=_softmax_cases,
        what="equals torch.softmax(Z, dim=1), also for logits near 1000",
        mistakes=[
            Mistake(
                "softmax over the wrong axis: each row (one example) must sum to 1, so normalise over "
                "dim=1, not dim=0.",
                lambda Z: torch.softmax(Z, dim=0),
            ),
            Mistake(
                "e^{1000} overflows to inf and inf/inf is nan: subtract each row's maximum first, "
                "exp(Z - Z.max(dim=1, keepdim=True).values); softmax does not change.",
                lambda Z: Z.exp() / Z.exp().sum(dim=1, keepdim=True),
            ),
            Mistake("the normalisation is missing: divide exp(Z) by its sum over each row.", lambda Z: Z.exp()),
            Mistake(
                "this divides by the sum over the whole matrix; each row is normalised on its own "
                "(sum over dim=1, keepdim=True).",
                lambda Z: (Z - Z.max()).exp() / (Z - Z.max()).exp().sum(),
            ),
        ],
    ),
    Exercise(
        name="cross_entropy",
        page=PAGE,
        reference=_cross_entropy,
        cases=_ce_cases,
        what="equals F.cross_entropy (the mean over the batch), also for logits near 1000",
        mistakes=[
            Mistake(
                "the 1/N is missing: the loss is the mean over the N examples, not the sum.",
                lambda Z, y: -_log_softmax(Z)[torch.arange(len(y)), y].sum(),
            ),
            Mistake(
                "the sign is missing: cross-entropy is −log p_y, a positive number.",
                lambda Z, y: _log_softmax(Z)[torch.arange(len(y)), y].mean(),
            ),
            Mistake(
                "log(softmax) of large logits gives log(0) = −inf or nan: compute "
                "−log p_y = logsumexp(z) − z_y, which never forms the tiny probability.",
                lambda Z, y: -(Z.exp() / Z.exp().sum(1, keepdim=True)).log()[torch.arange(len(y)), y].mean(),
            ),
            Mistake(
                "[:, y] picks column y[m] for every row, an N × N matrix; pick one entry per row with "
                "[torch.arange(N), y] (or gather).",
                lambda Z, y: -_log_softmax(Z)[:, y].mean(),
            ),
            Mistake(
                "the log is missing: the loss is −log p_y, not −p_y.",
                lambda Z, y: -torch.softmax(Z, dim=1)[torch.arange(len(y)), y].mean(),
            ),
        ],
    ),
    Exercise(
        name="softmax_ce_backward",
        page=PAGE,
        reference=_softmax_ce_backward,
        cases=_ce_backward_cases,
        what="equals (A2 − E_Y) / N, autograd's gradient of the mean cross-entropy",
        mistakes=[
            Mistake(
                "the 1/N is missing: the loss is the mean over the batch, so each row of the gradient is "
                "(a2 − e_y) / N.",
                lambda a2, y: a2 - _one_hot(y, a2),
            ),
            Mistake(
                "the sign is flipped: ∂L/∂z2 = a2 − e_y (predicted minus target).",
                lambda a2, y: (_one_hot(y, a2) - a2) / a2.shape[0],
            ),
            Mistake(
                "e_y is missing: ∂L/∂z2 = (a2 − e_y) / N; the −e_y comes from the −log p_y term.",
                lambda a2, y: a2 / a2.shape[0],
            ),
            Mistake(
                "this divides by the number of classes; the mean is over the N examples (rows).",
                lambda a2, y: (a2 - _one_hot(y, a2)) / a2.shape[1],
            ),
        ],
    ),
    Exercise(
        name="linear_backward",
        page=PAGE,
        reference=_linear_backward,
        cases=_linear_backward_cases,
        output_names=("dX", "dW", "db"),
        what="gives dX = dZ W, dW = dZᵀ X and db = Σ_n dZ, as autograd",
        mistakes=[
            Mistake(
                "dW is transposed: it must have W's shape (num_outputs, num_inputs), dW = dZ.T @ X.",
                lambda dZ, X, W: (dZ @ W, X.T @ dZ, dZ.sum(0)),
            ),
            Mistake(
                "db is a mean; the bias is added to every row, so its gradient is the sum over the rows "
                "(the 1/N is already inside dZ).",
                lambda dZ, X, W: (dZ @ W, dZ.T @ X, dZ.mean(0)),
            ),
            Mistake(
                "db is summed over the wrong axis: sum over the examples, dZ.sum(0), shape (num_outputs,).",
                lambda dZ, X, W: (dZ @ W, dZ.T @ X, dZ.sum(1)),
            ),
            Mistake(
                "dW is divided by N: the 1/N of the mean loss is already inside dZ, do not divide again.",
                lambda dZ, X, W: (dZ @ W, dZ.T @ X / dZ.shape[0], dZ.sum(0)),
            ),
        ],
    ),
    Exercise(
        name="two_layer_forward",
        page=PAGE,
        reference=_two_layer_forward,
        cases=_forward_cases,
        output_names=("z2", "cache (z1, a1, a2)"),
        what="returns the logits and (z1, a1, a2) of Linear → ReLU → Linear → softmax",
        mistakes=[
            Mistake(
                "the ReLU is missing: a1 = ReLU(z1) goes into the second layer, not z1.",
                _forward_variant(relu=False),
            ),
            Mistake(
                "softmax over the wrong axis: each row (example) of a2 must sum to 1, dim=1.",
                _forward_variant(softmax_dim=0),
            ),
            Mistake("a2 must be the probabilities softmax(z2), not the logits z2.", _forward_variant(probs=False)),
            Mistake(
                "the logits went through a ReLU too; the output layer is linear: z2 = a1 @ W2.T + b2.",
                _forward_variant(relu_logits=True),
            ),
        ],
    ),
    Exercise(
        name="two_layer_backward",
        page=PAGE,
        reference=_two_layer_backward,
        cases=_backward_cases,
        output_names=("dW1", "db1", "dW2", "db2"),
        what="equals autograd's gradients of the mean cross-entropy",
        mistakes=[
            Mistake(
                "the ReLU mask is forgotten: dZ1 = dA1 * (z1 > 0); the gradient does not reach "
                "inactive units.",
                _backward_variant(masked=False),
            ),
            Mistake("the 1/N of the mean loss is missing: dZ2 = (A2 − E_Y) / N.", _backward_variant(times_n=True)),
            Mistake(
                "every gradient has the wrong sign: dZ2 = A2 − E_Y (predicted minus target).",
                _backward_variant(sign=-1.0),
            ),
            Mistake(
                "dW2 is transposed: it must have W2's shape (num_outputs, num_hiddens), dW2 = dZ2.T @ A1.",
                lambda X, y, W1, b1, W2, b2, cache: (
                    *_two_layer_backward(X, y, W1, b1, W2, b2, cache)[:2],
                    cache[1].T @ _softmax_ce_backward(cache[2], y),
                    _two_layer_backward(X, y, W1, b1, W2, b2, cache)[3],
                ),
            ),
        ],
    ),
    Exercise(
        name="descent_step",
        page=PAGE,
        reference=_descent_step,
        cases=_gd_cases,
        output_names=("W1", "b1", "W2", "b2", "loss"),
        what="returns θ − lr·∂L/∂θ for the four parameters and the loss before the step",
        mistakes=[
            Mistake(
                "the step goes uphill: gradient descent subtracts, θ ← θ − lr · ∂L/∂θ.",
                _gd_variant(lambda p, g, lr, i: p + lr * g),
            ),
            Mistake("the learning rate is missing: θ ← θ − lr · ∂L/∂θ.", _gd_variant(lambda p, g, lr, i: p - g)),
            Mistake(
                "the biases are not updated: b1 and b2 take a step too.",
                _gd_variant(lambda p, g, lr, i: p - lr * g if i in (0, 2) else p.clone()),
            ),
            Mistake(
                "the loss is the one after the update; return the loss of the forward pass that gave "
                "the gradient (before the step), as the training curve records it.",
                lambda X, y, W1, b1, W2, b2, lr: (
                    *_descent_step(X, y, W1, b1, W2, b2, lr)[:4],
                    _gradients(X, y, *_descent_step(X, y, W1, b1, W2, b2, lr)[:4])[0],
                ),
            ),
        ],
    ),
)
