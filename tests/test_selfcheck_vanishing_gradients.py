"""Self-checks of tutorial 10: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def norms_of_bias(model):
    return torch.tensor([layer.bias.grad.norm().item() for layer in model.hidden_layers()],
                        dtype=model.hidden1.weight.dtype)


def norms_of_weights(model):
    return torch.stack([layer.weight.norm() for layer in model.hidden_layers()]).detach()


def squared_norms(model):
    return torch.stack([(layer.weight.grad ** 2).sum() for layer in model.hidden_layers()])


def norms_with_output(model):
    layers = model.hidden_layers() + [model.output]
    return torch.stack([layer.weight.grad.norm() for layer in layers])


def norms_from_the_top(model):
    names = [f"hidden{k}" for k in range(model.num_hidden_layers, 0, -1)]
    return torch.stack([getattr(model, n).weight.grad.norm() for n in names])


def norms_as_list(model):
    return [layer.weight.grad.norm().item() for layer in model.hidden_layers()]


def sigmoid(z):
    return 1 / (1 + torch.exp(-z))


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("hidden_grad_norms", norms_of_bias, "bias gradients"),
        ("hidden_grad_norms", norms_of_weights, "weights themselves"),
        ("hidden_grad_norms", squared_norms, "squared norm"),
        ("hidden_grad_norms", norms_with_output, "output layer is included"),
        ("hidden_grad_norms", norms_from_the_top, "reverse order"),
        ("hidden_grad_norms", norms_as_list, "expected a tensor"),
        ("hidden_delta", lambda delta, W, z: torch.mm(delta, W), "σ'(z_k) is missing"),
        ("hidden_delta", lambda delta, W, z: delta @ W * sigmoid(z), "multiplies by σ(z_k)"),
        ("hidden_delta", lambda delta, W, z: delta @ W * sigmoid(sigmoid(z)) * (1 - sigmoid(sigmoid(z))),
         "evaluated at the activation"),
        ("hidden_delta", lambda delta, W, z: delta @ W * sigmoid(z) * (1 + sigmoid(z)), "σ(1 + σ)"),
        ("hidden_delta", lambda delta, W, z: (delta @ W.T) * sigmoid(z) * (1 - sigmoid(z)),
         "transposed weight matrix"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_the_sheets_own_recording_passes():
    def hidden_grad_norms(model):
        norms = [getattr(model, f"hidden{k}").weight.grad.norm()
                 for k in range(1, model.num_hidden_layers + 1)]
        return torch.stack(norms)

    assert selfcheck.verdict("hidden_grad_norms", hidden_grad_norms).passed
