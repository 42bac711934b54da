"""Self-checks of tutorial 10, "Vanishing gradients": recording per-layer gradient norms, and one backward step.

``hidden_grad_norms`` is checked on small networks shaped like the tutorial's
``MoonNet`` (``hidden1``, ``hidden2``, ... and ``output``, each an ``nn.Linear``,
with ``hidden_layers()``), whose gradients were filled by ``loss.backward()``.
"""

from __future__ import annotations

import torch
from torch import nn

from labkit import activations, layers
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "10-vanishing-gradients"


class _Net(nn.Module):
    """A MoonNet-like network with random weights and gradients already computed."""

    def __init__(self, widths: list[int], gen: torch.Generator, dtype: torch.dtype) -> None:
        super().__init__()
        self.num_hidden_layers = len(widths) - 2
        for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            layer = nn.Linear(n_in, n_out).to(dtype)
            with torch.no_grad():
                layer.weight.copy_(torch.randn(n_out, n_in, generator=gen, dtype=dtype))
                layer.bias.copy_(torch.randn(n_out, generator=gen, dtype=dtype))
            name = "output" if k == len(widths) - 1 else f"hidden{k}"
            setattr(self, name, layer)
        self.widths = widths
        X = torch.randn(8, widths[0], generator=gen, dtype=dtype)
        y = torch.randint(widths[-1], (8,), generator=gen)
        nn.functional.cross_entropy(self(X), y).backward()

    def hidden_layers(self) -> list[nn.Linear]:
        return [getattr(self, f"hidden{k}") for k in range(1, self.num_hidden_layers + 1)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden_layers():
            X = torch.sigmoid(layer(X))
        return self.output(X)

    def __repr__(self) -> str:
        return f"MoonNet-like network {'→'.join(map(str, self.widths))}, after loss.backward()"


def _net_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_Net([2, 3, 2], gen, torch.float32),),
        (_Net([2, 4, 5, 3, 2], gen, torch.float32),),
        (_Net([2, 6, 6, 6, 6, 6, 2], gen, torch.float64),),
    ]


def _norms(model: _Net, tensor_of) -> torch.Tensor:
    """The norm of ``tensor_of(layer)`` for every hidden layer."""
    return torch.stack([tensor_of(layer).norm() for layer in model.hidden_layers()])


def _hidden_grad_norms(model):
    return torch.stack([layer.weight.grad.norm() for layer in model.hidden_layers()])


def _delta_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, above, below, dtype in [(2, 3, 4, torch.float32), (5, 2, 6, torch.float32), (4, 7, 3, torch.float64)]:
        cases.append((
            torch.randn(n, above, generator=gen, dtype=dtype),
            torch.randn(above, below, generator=gen, dtype=dtype),
            2 * torch.randn(n, below, generator=gen, dtype=dtype),
        ))
    return cases


def _hidden_delta(delta, W, z):
    # a cache for linear_backward needs the layer's input a = σ(z); dX does not depend on it
    dA, _, _ = layers.linear_backward(delta, layers.LinearCache(activations.sigmoid(z), W))
    return layers.sigmoid_backward(dA, z)


register(
    Exercise(
        name="hidden_grad_norms",
        page=PAGE,
        reference=_hidden_grad_norms,
        cases=_net_cases,
        what="returns ‖∂L/∂W_k‖ of every hidden layer's weight, hidden1 first",
        mistakes=[
            Mistake(
                "this is the norm of the bias gradients; the sheet records the weight's: "
                "layer.weight.grad.norm().",
                lambda model: _norms(model, lambda layer: layer.bias.grad),
            ),
            Mistake(
                "this is the norm of the weights themselves; the gradient is in layer.weight.grad.",
                lambda model: _norms(model, lambda layer: layer.weight.detach()),
            ),
            Mistake(
                "this is the squared norm (sum of squares); .norm() is its square root.",
                lambda model: _norms(model, lambda layer: layer.weight.grad) ** 2,
            ),
            Mistake(
                "the output layer is included: record the hidden layers only (model.hidden_layers()).",
                lambda model: torch.cat([_hidden_grad_norms(model), model.output.weight.grad.norm()[None]]),
            ),
            Mistake(
                "the layers are in reverse order: entry k − 1 belongs to hidden{k}, hidden1 first.",
                lambda model: _hidden_grad_norms(model).flip(0),
            ),
        ],
    ),
    Exercise(
        name="hidden_delta",
        page=PAGE,
        reference=_hidden_delta,
        cases=_delta_cases,
        what="equals (δ_{k+1} W_{k+1}) ⊙ σ'(z_k), labkit.layers' linear and sigmoid backward passes",
        mistakes=[
            Mistake(
                "σ'(z_k) is missing: the error passes back through the weights and then through the "
                "sigmoid, δ_k = (δ_{k+1} W_{k+1}) ⊙ σ'(z_k).",
                lambda delta, W, z: delta @ W,
            ),
            Mistake(
                "this multiplies by σ(z_k); the chain rule needs the derivative σ'(z_k) = σ(z_k)(1 − σ(z_k)).",
                lambda delta, W, z: (delta @ W) * activations.sigmoid(z),
            ),
            Mistake(
                "σ' is evaluated at the activation σ(z_k); it takes the pre-activation: σ'(z_k).",
                lambda delta, W, z: (delta @ W) * activations.sigmoid_grad(activations.sigmoid(z)),
            ),
            Mistake(
                "this is σ(1 + σ); the sigmoid's derivative is σ(1 − σ).",
                lambda delta, W, z: (delta @ W) * activations.sigmoid(z) * (1 + activations.sigmoid(z)),
            ),
        ],
    ),
)
