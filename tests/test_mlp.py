"""Tests for labkit.mlp: the hand-built models equal their torch.nn.Linear twins."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labkit.mlp import MLP, LogisticRegression

ACT = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}


class Act(nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.fn = ACT[name]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def linear_twin(model: MLP) -> nn.Sequential:
    """The same network built from nn.Linear layers, weights copied (transposed)."""
    layers: list[nn.Module] = []
    pairs = model.layers
    for l, (W, b) in enumerate(pairs):
        lin = nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            lin.weight.copy_(W.T)
            lin.bias.copy_(b)
        layers.append(lin)
        if l < len(pairs) - 1:
            layers.append(Act(model.activation))
    return nn.Sequential(*layers)


@pytest.mark.parametrize(
    "num_inputs, num_hiddens, num_outputs",
    [(3, 5, 2), (1, [4, 7], 1), (4, [], 3), (2, 0, 1), (5, (6, 3, 2), 4)],
)
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_mlp_equals_linear_twin(num_inputs, num_hiddens, num_outputs, activation):
    g = torch.Generator().manual_seed(1)
    model = MLP(num_inputs, num_hiddens, num_outputs, activation, generator=g)
    twin = linear_twin(model)
    X = torch.randn(9, num_inputs, generator=g)
    Y = model(X)
    assert Y.shape == (9, num_outputs)
    torch.testing.assert_close(Y, twin(X))
    y = model(X[4])
    assert y.shape == (num_outputs,)
    torch.testing.assert_close(y, twin(X[4]))
    torch.testing.assert_close(y, Y[4])


def test_mlp_parameters_are_registered_with_sheet_names():
    model = MLP(3, [4, 5], 2)
    names = [n for n, _ in model.named_parameters()]
    assert names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.W1.shape == (3, 4) and model.b2.shape == (5,) and model.W3.shape == (5, 2)
    assert sum(p.numel() for p in model.parameters()) == 3 * 4 + 4 + 4 * 5 + 5 + 5 * 2 + 2


def test_mlp_hidden_outputs():
    model = MLP(1, [3, 2], 1, "tanh")
    hs = model.hidden(torch.randn(6, 1))
    assert [h.shape for h in hs] == [(6, 3), (6, 2)]
    assert all(h.abs().max() <= 1 for h in hs)


def test_mlp_is_differentiable_and_float64():
    model = MLP(2, 3, 1).double()
    x = torch.randn(4, 2, dtype=torch.float64)
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_mlp_seeded_generator_is_deterministic():
    a = MLP(2, 5, 1, generator=torch.Generator().manual_seed(3))
    b = MLP(2, 5, 1, generator=torch.Generator().manual_seed(3))
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("num_inputs", [1, 4])
def test_logistic_regression_vector_and_batch(num_inputs):
    model = LogisticRegression(num_inputs, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.bias.fill_(0.3)
    X = torch.randn(7, num_inputs)
    p = model(X)
    assert p.shape == (7,)
    lin = nn.Linear(num_inputs, 1)
    with torch.no_grad():
        lin.weight.copy_(model.weight.unsqueeze(0))
        lin.bias.fill_(0.3)
    torch.testing.assert_close(p, torch.sigmoid(lin(X)).squeeze(1))
    assert model(X[2]).shape == ()
    torch.testing.assert_close(model(X[2]), p[2])


@pytest.mark.parametrize("model", [MLP(3, 4, 2), LogisticRegression(3)], ids=["mlp", "logreg"])
def test_input_errors(model):
    with pytest.raises(ValueError, match=r"last dimension num_inputs = 3.*got shape \(5, 4\)"):
        model(torch.randn(5, 4))
    with pytest.raises(ValueError, match=r"x must have 1 or 2 dimension\(s\), got 3"):
        model(torch.randn(2, 5, 3))
    with pytest.raises(TypeError, match="floating-point dtype, got torch.int64"):
        model(torch.ones(5, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match="model's dtype torch.float32, got torch.float64"):
        model(torch.randn(5, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match="must be a torch.Tensor, got list"):
        model([1.0, 2.0, 3.0])


def test_constructor_errors():
    with pytest.raises(ValueError, match="activation must be one of 'sigmoid', 'relu', 'tanh'; got 'softplus'"):
        MLP(2, 3, 1, activation="softplus")
    with pytest.raises(ValueError, match="num_inputs must be a positive integer, got 0"):
        MLP(0, 3, 1)
    with pytest.raises(ValueError, match="num_outputs must be a positive integer"):
        MLP(2, 3, -1)
    with pytest.raises(ValueError, match="each entry of num_hiddens must be a positive integer, got 0"):
        MLP(2, [3, 0], 1)
    with pytest.raises(ValueError, match="num_hiddens must be >= 0, got -2"):
        MLP(2, -2, 1)
    with pytest.raises(TypeError, match="num_hiddens must be an int or a sequence of ints, got float"):
        MLP(2, 2.5, 1)
    with pytest.raises(ValueError, match="num_inputs must be a positive integer"):
        LogisticRegression(2.0)
