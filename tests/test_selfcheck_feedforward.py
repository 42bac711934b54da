"""Self-checks of tutorial 06: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- exercise 1


def count_weights_only(layer_sizes):
    total = 0
    for i in range(len(layer_sizes) - 1):
        total += layer_sizes[i] * layer_sizes[i + 1]
    return total


def count_every_layer_has_biases(layer_sizes):
    weights = sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))
    return weights + sum(layer_sizes)


def count_bias_on_input_side(layer_sizes):
    return sum((n_in + 1) * n_out - n_out + n_in for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))


def count_with_modules(layer_sizes):
    layers = [nn.Linear(a, b) for a, b in zip(layer_sizes, layer_sizes[1:])]
    return sum(p.numel() for layer in layers for p in layer.parameters())


def _student_step(W1, b1, W2, b2, X, y, lr, *, plus=False, total=False, no_t=False, linear=False):
    params = [t.clone().requires_grad_(True) for t in (W1, b1, W2, b2)]
    w1, c1, w2, c2 = params
    z = (X @ w1 if no_t else X @ w1.T) + c1
    h = z if linear else 1 / (1 + torch.exp(-z))
    out = (h @ w2.T + c2).squeeze(1)
    loss = ((out - y) ** 2).sum() if total else nn.MSELoss()(out, y)
    loss.backward()
    with torch.no_grad():
        new = [p + lr * p.grad if plus else p - lr * p.grad for p in params]
    return (loss.detach(), *new)


# ---------------------------------------------------------------- exercise 2


def status_strict(Z1):
    dead = torch.all(Z1 < 0, dim=-2)
    return dead, torch.all(Z1 > 0, dim=-2)


def status_wrong_axis(Z1):
    off = Z1 <= 0
    return off.all(-1), (~off).all(-1)


def status_any(Z1):
    return torch.any(Z1 <= 0, dim=-2), torch.any(Z1 > 0, dim=-2)


def status_swapped(Z1):
    on = (Z1 > 0).all(dim=-2)
    off = (Z1 <= 0).all(dim=-2)
    return on, off


# ---------------------------------------------------------------- exercise 3


def _act(name):
    return nn.Sigmoid() if name == "sigmoid" else nn.ReLU()


def by_hand_no_transpose(X, W1, b1, W2, b2, activation):
    return _act(activation)(torch.matmul(X, W1) + b1) @ W2.T + b2


def by_hand_no_activation(X, W1, b1, W2, b2, activation):
    return torch.addmm(b2, torch.addmm(b1, X, W1.T), W2.T)


def by_hand_output_activation(X, W1, b1, W2, b2, activation):
    a = _act(activation)
    return a(a(X @ W1.T + b1) @ W2.T + b2)


def by_hand_no_bias(X, W1, b1, W2, b2, activation):
    h = _act(activation)(X @ W1.T)
    return h @ W2.T + b2


# ---------------------------------------------------------------- exercise 4


def accuracy_count(logits, y):
    pred = torch.argmax(logits, dim=1)
    return (pred == y).sum().item()


def accuracy_error_rate(logits, y):
    return (logits.argmax(1) != y).float().mean().item()


def accuracy_wrong_axis(logits, y):
    return torch.eq(logits.argmax(0), y).float().mean().item()


def confusion_transposed(y_true, y_pred, num_classes):
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        cm[p, t] += 1
    return cm


def confusion_fancy_index(y_true, y_pred, num_classes):
    cm = torch.zeros((num_classes, num_classes), dtype=torch.long)
    cm[y_true, y_pred] = cm[y_true, y_pred] + 1
    return cm


def confusion_float(y_true, y_pred, num_classes):
    cm = torch.zeros(num_classes, num_classes)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


def confusion_normalised(y_true, y_pred, num_classes):
    counts = torch.bincount(y_true * num_classes + y_pred, minlength=num_classes**2)
    cm = counts.reshape(num_classes, num_classes).double()
    return cm / cm.sum(dim=1, keepdim=True).clamp(min=1)


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("count_by_formula", count_weights_only, "only the weights"),
        ("count_by_formula", count_every_layer_has_biases, "input layer has no biases"),
        ("count_by_formula", count_bias_on_input_side, "not + n_in"),
        ("xor_sgd_step", lambda *a: _student_step(*a, plus=True), "climbs the loss"),
        ("xor_sgd_step", lambda *a: _student_step(*a, total=True), "a sum over the examples"),
        ("xor_sgd_step", lambda *a: _student_step(*a, no_t=True), "transpose is missing"),
        ("xor_sgd_step", lambda *a: _student_step(*a, linear=True), "sigmoid is missing"),
        ("relu_unit_status", status_strict, "not z < 0"),
        ("relu_unit_status", status_wrong_axis, "dim=-2"),
        ("relu_unit_status", status_any, "not .any()"),
        ("relu_unit_status", status_swapped, "(dead, always_on)"),
        ("outputs_by_hand", by_hand_no_transpose, "transpose of W1 is missing"),
        ("outputs_by_hand", by_hand_no_activation, "hidden activation is missing"),
        ("outputs_by_hand", by_hand_output_activation, "no activation after the last layer"),
        ("outputs_by_hand", by_hand_no_bias, "b1 is missing"),
        ("accuracy", accuracy_count, "number of correct predictions"),
        ("accuracy", accuracy_error_rate, "error rate"),
        ("accuracy", accuracy_wrong_axis, "argmax over dim=0"),
        ("confusion_matrix", confusion_transposed, "transpose"),
        ("confusion_matrix", confusion_fancy_index, "does not add up repeated indices"),
        ("confusion_matrix", confusion_float, "counts are integers"),
        ("confusion_matrix", confusion_normalised, "per-class recall"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_right_answers_written_differently_pass():
    assert selfcheck.verdict("count_by_formula", count_with_modules).passed
    assert selfcheck.verdict("xor_sgd_step", _student_step).passed
