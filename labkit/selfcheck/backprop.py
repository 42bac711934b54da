"""Self-checks of tutorial 09, "Backpropagation by hand": the forward graph and each backward formula.

Weights in ``nn.Linear``'s orientation: ``W1: (Z, D)``, ``W2: (K, Z)``; one example
``x: (D,)``. The first input of every check is square (D = Z = K = 3), so that a
transposed weight still computes and can be recognised.
"""

from __future__ import annotations

import torch

from labkit import activations as act
from labkit.backprop import shallow_forward
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "09-backprop-by-hand"
F64 = torch.float64
SHAPES = [(3, 3, 3, torch.float32), (1, 5, 1, torch.float32), (2, 50, 1, F64)]  # (D, Z, K, dtype)


def _randn(gen, *shape, dtype):
    return torch.randn(*shape, generator=gen, dtype=dtype)


# ------------------------------------------------------------------ forward pass


def _forward(x, W1, b1, W2, b2):
    _, c = shallow_forward(x, W1, b1, W2, b2)
    return c["z1"], c["z2"], c["z3"], c["z4"], c["y_hat"]


def _forward_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, D, dtype=dt), _randn(gen, Z, D, dtype=dt), _randn(gen, Z, dtype=dt),
         _randn(gen, K, Z, dtype=dt), _randn(gen, K, dtype=dt))
        for D, Z, K, dt in SHAPES
    ]


def _forward_variant(x, W1, b1, W2, b2, *, first=None, add_b1=True, sig=act.sigmoid, second=None,
                     add_b2=True):
    z1 = first(W1, x) if first else W1 @ x
    z2 = z1 + b1 if add_b1 else z1
    z3 = sig(z2)
    z4 = second(W2, z3) if second else W2 @ z3
    return z1, z2, z3, z4, (z4 + b2 if add_b2 else z4)


_FORWARD_MISTAKES = [
    Mistake(
        "z1 uses the transposed W1: W1 has shape (Z, D) (out, in), so z1 = W1 @ x. The sheet stores "
        "the transpose and writes W1ᵀ x; here W1 is already (Z, D).",
        lambda *a: _forward_variant(*a, first=lambda W, v: W.T @ v),
    ),
    Mistake("b1 is not added: z2 = z1 + b1.", lambda *a: _forward_variant(*a, add_b1=False)),
    Mistake(
        "this is σ(−z2) = 1 / (1 + e^{z2}): the exponent's sign is flipped. z3 = 1 / (1 + e^{−z2}).",
        lambda *a: _forward_variant(*a, sig=lambda z: 1 / (1 + torch.exp(z))),
    ),
    Mistake("the sigmoid is missing: z3 = σ(z2), element-wise.", lambda *a: _forward_variant(*a, sig=lambda z: z)),
    Mistake(
        "z4 uses the transposed W2: W2 has shape (K, Z), so z4 = W2 @ z3.",
        lambda *a: _forward_variant(*a, second=lambda W, v: W.T @ v),
    ),
    Mistake("b2 is not added: ŷ = z4 + b2.", lambda *a: _forward_variant(*a, add_b2=False)),
]


# ------------------------------------------------------------------ dL/dŷ


def _grad_loss(y, y_hat):
    return -2 * (y - y_hat)


def _loss_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, K, dtype=dt), _randn(gen, K, dtype=dt)) for K, dt in
            [(1, torch.float32), (3, torch.float32), (2, F64)]]


_LOSS_MISTAKES = [
    Mistake(
        "the sign is flipped: L = (y − ŷ)² and the inner derivative of y − ŷ with respect to ŷ "
        "is −1, so dL/dŷ = −2 (y − ŷ) = 2 (ŷ − y).",
        lambda y, y_hat: 2 * (y - y_hat),
    ),
    Mistake("the factor 2 from the square is missing: dL/dŷ = −2 (y − ŷ).", lambda y, y_hat: -(y - y_hat)),
    Mistake("this is the loss (y − ŷ)² itself, not its derivative −2 (y − ŷ).", lambda y, y_hat: (y - y_hat) ** 2),
]


# ------------------------------------------------------------------ output layer


def _grad_output(dy_hat, z3, W2):
    dz4 = dy_hat  # ŷ = z4 + b2
    return dz4, dz4, torch.outer(dz4, z3), W2.T @ dz4


def _output_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, K, dtype=dt), torch.rand(Z, generator=gen, dtype=dt), _randn(gen, K, Z, dtype=dt))
        for _, Z, K, dt in SHAPES
    ]


_OUTPUT_MISTAKES = [
    Mistake(
        "db2 is the local derivative ∂ŷ/∂b2 = 1 alone: multiply by the gradient that arrives, "
        "db2 = 1 · dŷ.",
        lambda d, z3, W2: (d, torch.ones_like(d), torch.outer(d, z3), W2.T @ d),
    ),
    Mistake(
        "dW2 is transposed: it has W2's shape (K, Z), dW2 = dz4 z3ᵀ = torch.outer(dz4, z3).",
        lambda d, z3, W2: (d, d, torch.outer(z3, d), W2.T @ d),
    ),
    Mistake(
        "dW2 has lost a dimension: it has W2's shape (K, Z), an outer product dz4 z3ᵀ, "
        "not the element-wise dz4 * z3.",
        lambda d, z3, W2: (d, d, d * z3, W2.T @ d),
    ),
    Mistake(
        "dz3 uses W2 untransposed: z4 = W2 z3 sends back dz3 = W2ᵀ dz4 (shape (Z,)).",
        lambda d, z3, W2: (d, d, torch.outer(d, z3), W2 @ d),
    ),
    Mistake(
        "dz3 is multiplied by z3: ∂z4/∂z3 is the weight W2 (z3 is ∂z4/∂W2), so dz3 = W2ᵀ dz4.",
        lambda d, z3, W2: (d, d, torch.outer(d, z3), z3 * d),
    ),
]


# ------------------------------------------------------------------ sigmoid node


def _grad_sigmoid(dz3, z3):
    return dz3 * z3 * (1 - z3)


def _sigmoid_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, Z, dtype=dt), act.sigmoid(_randn(gen, Z, dtype=dt) * 2)) for _, Z, _, dt in SHAPES]


_SIGMOID_MISTAKES = [
    Mistake(
        "this is σ'(z3): z3 is already σ(z2), so σ'(z2) = z3 (1 − z3), not σ(z3)(1 − σ(z3)).",
        lambda dz3, z3: dz3 * act.sigmoid(z3) * (1 - act.sigmoid(z3)),
    ),
    Mistake(
        "the gradient that arrives, dz3, is missing: dz2 = dz3 ⊙ z3 ⊙ (1 − z3).",
        lambda dz3, z3: z3 * (1 - z3),
    ),
    Mistake("this is z3 (1 + z3); the sigmoid's derivative is z3 (1 − z3).", lambda dz3, z3: dz3 * z3 * (1 + z3)),
    Mistake(
        "1 − z3² is the tanh rule; for the sigmoid, σ' = z3 (1 − z3).",
        lambda dz3, z3: dz3 * (1 - z3**2),
    ),
]


# ------------------------------------------------------------------ hidden layer


def _grad_hidden(dz2, x, W1):
    dz1 = dz2  # z2 = z1 + b1
    return dz1, dz1, torch.outer(dz1, x), W1.T @ dz1


def _hidden_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, Z, dtype=dt), _randn(gen, D, dtype=dt), _randn(gen, Z, D, dtype=dt))
            for D, Z, _, dt in SHAPES]


_HIDDEN_MISTAKES = [
    Mistake(
        "db1 is summed to one number: b1 has Z entries, and each gets its own gradient, db1 = dz1.",
        lambda d, x, W1: (d, d.sum(), torch.outer(d, x), W1.T @ d),
    ),
    Mistake(
        "dW1 is transposed: it has W1's shape (Z, D), dW1 = dz1 xᵀ = torch.outer(dz1, x).",
        lambda d, x, W1: (d, d, torch.outer(x, d), W1.T @ d),
    ),
    Mistake(
        "dx uses W1 untransposed: z1 = W1 x sends back dx = W1ᵀ dz1 (shape (D,)).",
        lambda d, x, W1: (d, d, torch.outer(d, x), W1 @ d),
    ),
    Mistake(
        "dx is passed on unchanged, as through an addition; z1 = W1 x is a product, so "
        "dx = W1ᵀ dz1.",
        lambda d, x, W1: (d, d, torch.outer(d, x), d),
    ),
]


register(
    Exercise(
        name="forward_graph",
        page=PAGE,
        reference=_forward,
        cases=_forward_cases,
        what="z1, z2, z3, z4 and ŷ equal labkit.backprop.shallow_forward's",
        mistakes=_FORWARD_MISTAKES,
        output_names=("z1", "z2", "z3", "z4", "y_hat"),
    ),
    Exercise(
        name="grad_loss",
        page=PAGE,
        reference=_grad_loss,
        cases=_loss_cases,
        what="equals dL/dŷ of L = (y − ŷ)², as autograd computes it",
        mistakes=_LOSS_MISTAKES,
    ),
    Exercise(
        name="grad_output_layer",
        page=PAGE,
        reference=_grad_output,
        cases=_output_cases,
        what="dz4, db2, dW2 and dz3 equal the chain rule's, as autograd computes them",
        mistakes=_OUTPUT_MISTAKES,
        output_names=("dz4", "db2", "dW2", "dz3"),
    ),
    Exercise(
        name="grad_sigmoid_node",
        page=PAGE,
        reference=_grad_sigmoid,
        cases=_sigmoid_cases,
        what="equals dL/dz2 through z3 = σ(z2), as autograd computes it",
        mistakes=_SIGMOID_MISTAKES,
    ),
    Exercise(
        name="grad_hidden_layer",
        page=PAGE,
        reference=_grad_hidden,
        cases=_hidden_cases,
        what="dz1, db1, dW1 and dx equal the chain rule's, as autograd computes them",
        mistakes=_HIDDEN_MISTAKES,
        output_names=("dz1", "db1", "dW1", "dx"),
    ),
)
