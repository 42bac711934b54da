"""Self-checks of tutorial 06, "Feed-forward networks" (lab 4, exercises 1–4).

Weights are in ``nn.Linear``'s orientation, (out_features, in_features): the
2-2-1 XOR network has W1 (2, 2), b1 (2,), W2 (1, 2), b2 (1,) and computes
``a(X W1ᵀ + b1) W2ᵀ + b2``.
"""

from __future__ import annotations

import torch

from labkit import train
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "06-feedforward-networks"

_F64 = torch.float64
_XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
_XOR_Y = [0.0, 1.0, 1.0, 0.0]


# ------------------------------------------------------------------ exercise 1: parameters


def _count_cases(gen: torch.Generator) -> list[tuple]:
    return [([2, 2, 1],), ([784, 128, 64, 10],), ([3, 5],), ([4, 7, 7, 2, 3],)]


def count_by_formula(layer_sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]))


def _pairs(sizes):
    return list(zip(sizes[:-1], sizes[1:]))


# ------------------------------------------------------------------ exercise 1: the training step


def _network(gen, hidden, dtype=torch.float32):
    return (
        torch.randn(hidden, 2, generator=gen, dtype=dtype),
        torch.randn(hidden, generator=gen, dtype=dtype),
        torch.randn(1, hidden, generator=gen, dtype=dtype),
        torch.randn(1, generator=gen, dtype=dtype),
    )


def _step_cases(gen: torch.Generator) -> list[tuple]:
    X, Y = torch.tensor(_XOR_X), torch.tensor(_XOR_Y)
    X6 = torch.randn(6, 2, generator=gen, dtype=_F64)
    Y6 = torch.rand(6, generator=gen, dtype=_F64)
    return [
        (*_network(gen, 2), X, Y, 0.12),
        (*_network(gen, 2, _F64), X6, Y6, 0.5),
        (*_network(gen, 3), X, Y, 0.03),
    ]


def _step_variant(W1, b1, W2, b2, X, y, lr, *, sign=-1.0, reduce="mean", transpose=True, activation=True):
    params = [p.detach().clone().requires_grad_() for p in (W1, b1, W2, b2)]
    W1_, b1_, W2_, b2_ = params
    with torch.enable_grad():
        Z1 = (X @ W1_.T if transpose else X @ W1_) + b1_  # (N, hidden)
        H = torch.sigmoid(Z1) if activation else Z1
        y_hat = (H @ W2_.T + b2_).flatten()  # (N,)
        squared = (y_hat - y) ** 2
        loss = squared.mean() if reduce == "mean" else squared.sum()
        grads = torch.autograd.grad(loss, params)
    return (loss.detach(), *[(p + sign * lr * g).detach() for p, g in zip(params, grads)])


def xor_sgd_step(W1, b1, W2, b2, X, y, lr):
    return _step_variant(W1, b1, W2, b2, X, y, lr)


# ------------------------------------------------------------------ exercise 2: ReLU units


def _status_cases(gen: torch.Generator) -> list[tuple]:
    # Unit 0 is off everywhere but exactly 0 on one input (dead all the same);
    # unit 1 is on everywhere; unit 2 bends between the inputs.
    first = torch.tensor([[-1.0, 0.5, 0.3], [0.0, 2.0, -0.2], [-0.5, 0.1, 1.0], [-2.0, 1.5, -1.0]])
    stacked = torch.randn(3, 4, 2, generator=gen)
    stacked[0, :, 0] = -stacked[0, :, 0].abs()
    stacked[1, :, 1] = stacked[1, :, 1].abs() + 0.1
    return [(first,), (stacked,), (torch.randn(5, 3, generator=gen, dtype=_F64),)]


def relu_unit_status(Z1):
    return (Z1 <= 0).all(dim=-2), (Z1 > 0).all(dim=-2)


# ------------------------------------------------------------------ exercise 3: outputs by hand


def _by_hand_cases(gen: torch.Generator) -> list[tuple]:
    X = torch.tensor(_XOR_X)
    return [
        (X, *_network(gen, 2), "sigmoid"),
        (X, *_network(gen, 2), "relu"),
        (torch.randn(5, 2, generator=gen, dtype=_F64), *_network(gen, 3, _F64), "sigmoid"),
    ]


def _act(name):
    return torch.sigmoid if name == "sigmoid" else torch.relu


def outputs_by_hand(X, W1, b1, W2, b2, activation):
    H = _act(activation)(X @ W1.T + b1)  # (N, hidden)
    return H @ W2.T + b2  # (N, 1)


# ------------------------------------------------------------------ exercise 4: metrics


def _accuracy_cases(gen: torch.Generator) -> list[tuple]:
    first = torch.tensor([[2.0, 0.1, -1.0, 0.3], [0.2, 1.5, 0.0, 0.1], [0.3, 0.2, 0.1, 0.9], [2.5, 0.0, 3.0, -1.0]])
    return [
        (first, torch.tensor([0, 1, 2, 2])),
        (torch.randn(10, 3, generator=gen), torch.randint(3, (10,), generator=gen)),
        (torch.randn(25, 10, generator=gen, dtype=_F64), torch.randint(10, (25,), generator=gen)),
    ]


def _confusion_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([0, 0, 1, 2, 2, 2, 1, 0]), torch.tensor([0, 1, 1, 2, 0, 2, 1, 0]), 3),
        (torch.randint(4, (30,), generator=gen), torch.randint(4, (30,), generator=gen), 4),
        (torch.randint(8, (50,), generator=gen), torch.randint(8, (50,), generator=gen), 10),
    ]


def _confusion_presence(y_true, y_pred, num_classes):
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    cm[y_true, y_pred] += 1
    return cm


register(
    Exercise(
        name="count_by_formula",
        page=PAGE,
        reference=count_by_formula,
        cases=_count_cases,
        what="equals Σ (n_in·n_out + n_out) over the layers",
        mistakes=[
            Mistake("only the weights are counted: each layer also has n_out biases.",
                    lambda sizes: sum(a * b for a, b in _pairs(sizes))),
            Mistake("the input layer has no biases (it is only the data): count n_out biases per layer, "
                    "for the layers after the input.",
                    lambda sizes: count_by_formula(sizes) + sizes[0]),
            Mistake("a layer has one bias per *output* unit: n_in·n_out + n_out, not + n_in.",
                    lambda sizes: sum(a * b + a for a, b in _pairs(sizes))),
        ],
    ),
    Exercise(
        name="xor_sgd_step",
        page=PAGE,
        reference=xor_sgd_step,
        cases=_step_cases,
        what="equals one full-batch SGD step on the MSE (loss before the step, new parameters)",
        output_names=("loss", "W1", "b1", "W2", "b2"),
        atol=1e-6,
        rtol=1e-5,
        mistakes=[
            Mistake("the step climbs the loss: p − lr · grad, with a minus.",
                    lambda W1, b1, W2, b2, X, y, lr: _step_variant(W1, b1, W2, b2, X, y, lr, sign=1.0)),
            Mistake("the loss is a sum over the examples; nn.MSELoss takes the mean (.mean()).",
                    lambda W1, b1, W2, b2, X, y, lr: _step_variant(W1, b1, W2, b2, X, y, lr, reduce="sum")),
            Mistake("nn.Linear's weight is (out, in), so a layer computes X @ W1.T + b1: the transpose is missing.",
                    lambda W1, b1, W2, b2, X, y, lr: _step_variant(W1, b1, W2, b2, X, y, lr, transpose=False)),
            Mistake("the hidden layer's sigmoid is missing: H = σ(X W1ᵀ + b1). Without it the network is linear.",
                    lambda W1, b1, W2, b2, X, y, lr: _step_variant(W1, b1, W2, b2, X, y, lr, activation=False)),
        ],
    ),
    Exercise(
        name="relu_unit_status",
        page=PAGE,
        reference=relu_unit_status,
        cases=_status_cases,
        what="finds the dead (z ≤ 0 on every input) and always-on (z > 0 on every input) units",
        output_names=("dead", "always_on"),
        mistakes=[
            Mistake("a unit with z = 0 outputs 0 and passes no gradient: it is off. Dead means z ≤ 0 on every "
                    "input, not z < 0.",
                    lambda Z1: ((Z1 < 0).all(dim=-2), (Z1 > 0).all(dim=-2))),
            Mistake("reduce over the inputs (dim=-2, the N rows), one answer per unit; dim=-1 runs over the units.",
                    lambda Z1: ((Z1 <= 0).all(dim=-1), (Z1 > 0).all(dim=-1))),
            Mistake("dead means off on *every* input: .all(), not .any().",
                    lambda Z1: ((Z1 <= 0).any(dim=-2), (Z1 > 0).any(dim=-2))),
            Mistake("return them in the order (dead, always_on).",
                    lambda Z1: ((Z1 > 0).all(dim=-2), (Z1 <= 0).all(dim=-2))),
        ],
    ),
    Exercise(
        name="outputs_by_hand",
        page=PAGE,
        reference=outputs_by_hand,
        cases=_by_hand_cases,
        what="equals a(X W1ᵀ + b1) W2ᵀ + b2, the network's output",
        mistakes=[
            Mistake("nn.Linear stores its weight as (out, in) and computes X @ W.T + b: the transpose of W1 is missing.",
                    lambda X, W1, b1, W2, b2, a: _act(a)(X @ W1 + b1) @ W2.T + b2),
            Mistake("the hidden activation is missing: H = a(X W1ᵀ + b1).",
                    lambda X, W1, b1, W2, b2, a: (X @ W1.T + b1) @ W2.T + b2),
            Mistake("the sheet's network has no activation after the last layer: ŷ = H W2ᵀ + b2.",
                    lambda X, W1, b1, W2, b2, a: _act(a)(_act(a)(X @ W1.T + b1) @ W2.T + b2)),
            Mistake("the hidden layer's bias b1 is missing.",
                    lambda X, W1, b1, W2, b2, a: _act(a)(X @ W1.T) @ W2.T + b2),
        ],
    ),
    Exercise(
        name="accuracy",
        page=PAGE,
        reference=train.accuracy,
        cases=_accuracy_cases,
        what="equals the fraction of rows whose argmax is the label (labkit.train.accuracy)",
        mistakes=[
            Mistake("this is the number of correct predictions; the accuracy divides it by N.",
                    lambda logits, y: float((logits.argmax(dim=1) == y).sum())),
            Mistake("this is the error rate, 1 − accuracy.",
                    lambda logits, y: 1 - train.accuracy(logits, y)),
            Mistake("argmax over dim=0 picks, for each class, the example with the highest score; an example's "
                    "prediction is the argmax of its row, dim=1.",
                    lambda logits, y: float((logits.argmax(dim=0) == y).double().mean())),
        ],
    ),
    Exercise(
        name="confusion_matrix",
        page=PAGE,
        reference=train.confusion_matrix,
        cases=_confusion_cases,
        what="counts C[i, j] = #(true i, predicted j) (labkit.train.confusion_matrix)",
        mistakes=[
            Mistake("rows are the true classes and columns the predictions (C[i, j]: true i predicted as j); "
                    "yours is the transpose.",
                    lambda t, p, c: train.confusion_matrix(t, p, c).T),
            Mistake("cm[y_true, y_pred] += 1 counts each (true, predicted) pair once however often it occurs: an "
                    "indexed += does not add up repeated indices. Use index_put_(..., accumulate=True) or "
                    "torch.bincount.", _confusion_presence),
            Mistake("counts are integers: build the matrix with dtype=torch.int64.",
                    lambda t, p, c: train.confusion_matrix(t, p, c).float()),
            Mistake("each row is divided by its total (the per-class recall); the confusion matrix holds the counts.",
                    lambda t, p, c: (lambda cm: cm / cm.sum(dim=1, keepdim=True).clamp(min=1))(
                        train.confusion_matrix(t, p, c).double())),
        ],
    ),
)
