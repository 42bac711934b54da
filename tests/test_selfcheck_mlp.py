"""Self-checks of tutorial 07: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def vector_transposed(x, weights, biases, activation):
    h = x
    for i in range(len(weights)):
        h = h @ weights[i] + biases[i]
        if i < len(weights) - 1:
            h = activation(h)
    return h


def vector_linear(x, weights, biases, activation):
    for W, b in zip(weights, biases):
        x = torch.mv(W, x) + b
    return x


def vector_activation_everywhere(x, weights, biases, activation):
    for W, b in zip(weights, biases):
        x = activation(torch.matmul(W, x) + b)
    return x


def vector_no_bias(x, weights, biases, activation):
    *hidden, last = weights
    for W in hidden:
        x = activation(W @ x)
    return last @ x


def vector_bias_after_activation(x, weights, biases, activation):
    h = x
    for l, (W, b) in enumerate(zip(weights, biases)):
        h = W @ h
        h = (activation(h) + b) if l + 1 < len(weights) else h + b
    return h


def batch_columns(X, weights, biases, activation):
    H = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        H = torch.matmul(W, H) + b
        if l < len(weights) - 1:
            H = activation(H)
    return H


def batch_transposed(X, weights, biases, activation):
    H = X
    for l in range(len(weights)):
        H = torch.matmul(H, weights[l]) + biases[l]
        if l != len(weights) - 1:
            H = activation(H)
    return H


def batch_bias_column(X, weights, biases, activation):
    H = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        H = H @ W.T + b.unsqueeze(1)
        if l < len(weights) - 1:
            H = activation(H)
    return H


def batch_output_activation(X, weights, biases, activation):
    for W, b in zip(weights, biases):
        X = activation(X @ W.T + b)
    return X


def count_weights_only(num_inputs, num_hiddens, num_outputs):
    sizes = [num_inputs] + list(num_hiddens) + [num_outputs]
    return sum(sizes[i] * sizes[i + 1] for i in range(len(sizes) - 1))


def count_input_biases(num_inputs, num_hiddens, num_outputs):
    total, fan_in = 0, num_inputs
    for fan_out in [*num_hiddens, num_outputs]:
        total += fan_in * fan_out + fan_in  # a bias for every input of the layer
        fan_in = fan_out
    return total


def count_no_output_layer(num_inputs, num_hiddens, num_outputs):
    total, fan_in = 0, num_inputs
    for width in num_hiddens:
        total += fan_in * width + width
        fan_in = width
    return total


def count_one_bias_per_layer(num_inputs, num_hiddens, num_outputs):
    sizes = [num_inputs, *num_hiddens, num_outputs]
    return sum(a * b for a, b in zip(sizes, sizes[1:])) + len(sizes) - 1


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("mlp_forward_vector", vector_transposed, "weights are transposed"),
        ("mlp_forward_vector", vector_linear, "hidden activation is missing"),
        ("mlp_forward_vector", vector_activation_everywhere, "output layer has an activation"),
        ("mlp_forward_vector", vector_no_bias, "biases are missing"),
        ("mlp_forward_vector", vector_bias_after_activation, "before the bias"),
        ("mlp_forward", batch_columns, "columns of X"),
        ("mlp_forward", batch_transposed, "X @ W.T + b, not X @ W + b"),
        ("mlp_forward", batch_bias_column, "as a column"),
        ("mlp_forward", batch_output_activation, "output layer has an activation"),
        ("mlp_num_parameters", count_weights_only, "biases are not counted"),
        ("mlp_num_parameters", count_input_biases, "per *input*"),
        ("mlp_num_parameters", count_no_output_layer, "output layer is missing"),
        ("mlp_num_parameters", count_one_bias_per_layer, "one bias per layer"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_vector_only_code_on_a_batch_is_recognised():
    """The 1b solution (W @ h + b), reused unchanged for 1c, gets the batch hint."""
    def from_task_b(x, weights, biases, activation):
        for l, (W, b) in enumerate(zip(weights, biases)):
            x = W @ x + b
            if l < len(weights) - 1:
                x = activation(x)
        return x

    assert selfcheck.verdict("mlp_forward_vector", from_task_b).passed
    assert "columns of X" in _hint("mlp_forward", from_task_b)


def test_correct_student_versions_pass():
    def vector(x, weights, biases, activation):
        h = x
        for l, (W, b) in enumerate(zip(weights, biases)):
            h = W @ h + b
            h = activation(h) if l < len(weights) - 1 else h
        return h

    def batch(x, weights, biases, activation):
        h = x
        for l, (W, b) in enumerate(zip(weights, biases)):
            h = torch.nn.functional.linear(h, W, b)
            h = activation(h) if l < len(weights) - 1 else h
        return h

    def count(num_inputs, num_hiddens, num_outputs):
        sizes = [num_inputs, *num_hiddens, num_outputs]
        return sum(o * (i + 1) for i, o in zip(sizes, sizes[1:]))

    assert selfcheck.verdict("mlp_forward_vector", vector).passed
    assert selfcheck.verdict("mlp_forward", batch).passed
    assert selfcheck.verdict("mlp_num_parameters", count).passed
