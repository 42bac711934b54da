"""Self-checks of tutorial 07, "An MLP without torch.nn layers": the forward pass and its size."""

from __future__ import annotations

import torch

from labkit import activations as act
from labkit.mlp import mlp_forward, num_parameters
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "07-mlp-from-scratch"


def _net(gen: torch.Generator, sizes: list[int], dtype=torch.float32) -> tuple[list, list]:
    weights = [torch.randn(o, i, generator=gen, dtype=dtype) for i, o in zip(sizes[:-1], sizes[1:])]
    biases = [torch.randn(o, generator=gen, dtype=dtype) for o in sizes[1:]]
    return weights, biases


def _vector_cases(gen: torch.Generator) -> list[tuple]:
    """Square weights first, so that a transposed W still runs and can be recognised."""
    cases = []
    for sizes, dtype, f in [([3, 3, 3], torch.float32, act.tanh), ([2, 4, 1], torch.float32, act.sigmoid),
                            ([5, 4, 3, 2], torch.float64, act.tanh), ([3, 2], torch.float32, act.relu)]:
        weights, biases = _net(gen, sizes, dtype)
        cases.append((torch.randn(sizes[0], generator=gen, dtype=dtype), weights, biases, f))
    return cases


def _batch_cases(gen: torch.Generator) -> list[tuple]:
    """A square batch first (N = D = Z = K = 3); then batches and a vector of other shapes."""
    cases = []
    for lead, sizes, dtype, f in [((3,), [3, 3, 3], torch.float32, act.tanh),
                                  ((5,), [2, 4, 1], torch.float32, act.sigmoid),
                                  ((), [3, 4, 2], torch.float32, act.tanh),
                                  ((7,), [5, 4, 3, 2], torch.float64, act.relu)]:
        weights, biases = _net(gen, sizes, dtype)
        cases.append((torch.randn(*lead, sizes[0], generator=gen, dtype=dtype), weights, biases, f))
    return cases


def _variant(x, weights, biases, f, *, layer, last_act=False):
    """An MLP whose layers are computed by ``layer(h, W, b)``, optionally with f after the last."""
    h = x
    for l, (W, b) in enumerate(zip(weights, biases)):
        h = layer(h, W, b)
        if l < len(weights) - 1 or last_act:
            h = f(h)
    return h


def _activation_before_bias(x, weights, biases, f):
    h = x
    for W, b in zip(weights[:-1], biases[:-1]):
        h = f(W @ h) + b
    return weights[-1] @ h + biases[-1]


def _vector_mistakes() -> list[Mistake]:
    return [
        Mistake(
            "the weights are transposed: W_l has shape (out, in) like nn.Linear, so a layer is "
            "W @ h + b, not W.T @ h (or h @ W).",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: W.T @ h + b),
        ),
        Mistake(
            "the hidden activation is missing: without it the layers compose to one linear map. "
            "Apply the activation after every layer but the last.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, lambda h: h, layer=lambda h, W, b: W @ h + b),
        ),
        Mistake(
            "the output layer has an activation too: the template's last layer is linear "
            "(f(x) = W_L h + b_L), so stop applying it after the last layer.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: W @ h + b, last_act=True),
        ),
        Mistake(
            "the biases are missing: each layer is W @ h + b.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: W @ h),
        ),
        Mistake(
            "the activation is applied before the bias is added: a hidden layer is f(W h + b), "
            "not f(W h) + b.",
            _activation_before_bias,
        ),
    ]


def _batch_mistakes() -> list[Mistake]:
    return [
        Mistake(
            "W @ X treats the columns of X as the inputs, but here every row is one input: a "
            "layer is X @ W.T + b, which for a single vector is also W x + b.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: W @ h + b),
        ),
        Mistake(
            "the weights are transposed: W_l has shape (out, in), so a batch goes through "
            "X @ W.T + b, not X @ W + b.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: h @ W + b),
        ),
        Mistake(
            "the bias is added as a column (b[:, None]), i.e. to every *input* instead of to every "
            "output unit: add b of shape (out,), which broadcasts along the rows.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: h @ W.T + b[:, None]),
        ),
        Mistake(
            "the output layer has an activation too: the template's last layer is linear.",
            lambda x, Ws, bs, f: _variant(x, Ws, bs, f, layer=lambda h, W, b: h @ W.T + b, last_act=True),
        ),
    ]


def _mlp_forward_vector(x, weights, biases, activation):
    return mlp_forward(x, weights, biases, activation)


def _count_cases(gen: torch.Generator) -> list[tuple]:
    return [(3, [5, 4], 2), (1, [2], 1), (784, [50], 10), (2, [], 1)]


def _count(sizes, per_layer):
    return sum(per_layer(i, o) for i, o in zip(sizes[:-1], sizes[1:]))


register(
    Exercise(
        name="mlp_forward_vector",
        page=PAGE,
        reference=_mlp_forward_vector,
        cases=_vector_cases,
        what="equals labkit.mlp.mlp_forward on single vectors (0 to 2 hidden layers)",
        mistakes=_vector_mistakes(),
    ),
    Exercise(
        name="mlp_forward",
        page=PAGE,
        reference=mlp_forward,
        cases=_batch_cases,
        what="equals labkit.mlp.mlp_forward on batches and on a single vector",
        mistakes=_batch_mistakes(),
    ),
    Exercise(
        name="mlp_num_parameters",
        page=PAGE,
        reference=num_parameters,
        cases=_count_cases,
        what="counts Σ (Z_{l-1} + 1) Z_l weights and biases",
        mistakes=[
            Mistake(
                "the biases are not counted: each layer also has one bias per output unit, "
                "(Z_{l-1} + 1) Z_l in all.",
                lambda d, hs, k: _count([d, *hs, k], lambda i, o: i * o),
            ),
            Mistake(
                "one bias per *input* of each layer: the biases belong to the outputs, so layer l "
                "has Z_l of them, (Z_{l-1} + 1) Z_l parameters in all.",
                lambda d, hs, k: _count([d, *hs, k], lambda i, o: i * (o + 1)),
            ),
            Mistake(
                "the output layer is missing: the last hidden layer still connects to the "
                "num_outputs output units.",
                lambda d, hs, k: _count([d, *hs], lambda i, o: (i + 1) * o),
            ),
            Mistake(
                "one bias per layer: every unit of a layer has its own bias, Z_l per layer.",
                lambda d, hs, k: _count([d, *hs, k], lambda i, o: i * o + 1),
            ),
        ],
    ),
)
