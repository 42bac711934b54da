"""Tests for labkit.mlp: the hand-built models equal their torch.nn.Linear twins."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labkit import activations
from labkit.mlp import MLP, LogisticRegression, mlp_forward, num_parameters

ACT = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}  # torch's own, as reference


class Act(nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.fn = ACT[name]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def linear_twin(model: MLP) -> nn.Sequential:
    """The same network built from nn.Linear layers, weights copied (same orientation)."""
    layers: list[nn.Module] = []
    pairs = model.layers
    for l, (W, b) in enumerate(pairs):
        lin = nn.Linear(W.shape[1], W.shape[0], dtype=W.dtype)
        with torch.no_grad():
            lin.weight.copy_(W)
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
    assert model.W1.shape == (4, 3) and model.b2.shape == (5,) and model.W3.shape == (2, 5)
    assert sum(p.numel() for p in model.parameters()) == 3 * 4 + 4 + 4 * 5 + 5 + 5 * 2 + 2
    assert num_parameters(3, [4, 5], 2) == 3 * 4 + 4 + 4 * 5 + 5 + 5 * 2 + 2


def test_mlp_hidden_outputs():
    model = MLP(1, [3, 2], 1, "tanh")
    hs = model.hidden(torch.randn(6, 1))
    assert [h.shape for h in hs] == [(6, 3), (6, 2)]
    assert all(h.abs().max() <= 1 for h in hs)


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("shape", [(None, 2, [3], 1), (4, 2, [3], 1), (5, 3, [4, 2], 2)])
def test_mlp_gradients_equal_the_linear_twins(shape, activation):
    N, D, hiddens, K = shape
    g = torch.Generator().manual_seed(2)
    model = MLP(D, hiddens, K, activation, generator=g).double()
    twin = linear_twin(model)
    x = torch.randn(*(() if N is None else (N,)), D, generator=g, dtype=torch.float64)
    weights = torch.randn(K, generator=g, dtype=torch.float64)  # a non-symmetric scalar loss
    (model(x) * weights).sum().backward()
    (twin(x) * weights).sum().backward()
    twin_params = [p for m in twin if isinstance(m, nn.Linear) for p in (m.weight, m.bias)]
    for (name, p), q in zip(model.named_parameters(), twin_params):
        torch.testing.assert_close(p.grad, q.grad, msg=name)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("lead", [(), (3,)])
def test_mlp_forward_gradcheck(activation, lead):
    g = torch.Generator().manual_seed(4)
    kw = dict(generator=g, dtype=torch.float64)
    x = torch.randn(*lead, 2, **kw).requires_grad_()
    Ws = [torch.randn(3, 2, **kw).requires_grad_(), torch.randn(2, 3, **kw).requires_grad_()]
    bs = [torch.randn(3, **kw).requires_grad_(), torch.randn(2, **kw).requires_grad_()]
    act = activations.get_activation(activation)[0]
    assert torch.autograd.gradcheck(lambda x, W1, b1, W2, b2: mlp_forward(x, [W1, W2], [b1, b2], act),
                                    (x, Ws[0], bs[0], Ws[1], bs[1]))


def test_mlp_takes_an_activation_function():
    g = torch.Generator().manual_seed(6)
    by_name = MLP(2, 4, 1, "tanh", generator=g)
    by_function = MLP(2, 4, 1, torch.tanh)
    by_function.load_state_dict(by_name.state_dict())
    X = torch.randn(5, 2)
    torch.testing.assert_close(by_function(X), by_name(X))
    assert by_function.activation == "tanh"
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(2, 4, 1, 3)


def test_mlp_forward_equals_the_model():
    model = MLP(3, [4, 2], 2, "tanh", generator=torch.Generator().manual_seed(5))
    X = torch.randn(6, 3)
    Ws, bs = zip(*model.layers)
    torch.testing.assert_close(mlp_forward(X, Ws, bs, activations.tanh), model(X))
    torch.testing.assert_close(mlp_forward(X[1], Ws, bs, activations.tanh), model(X)[1])


def test_mlp_forward_errors():
    W, b = torch.randn(3, 2), torch.randn(3)
    with pytest.raises(ValueError, match=r"W1 must have shape \(out, 2\), got \(2, 3\)"):
        mlp_forward(torch.randn(2), [W.T], [b])
    with pytest.raises(ValueError, match=r"W2 must have shape \(out, 3\), got \(1, 2\)"):
        mlp_forward(torch.randn(2), [W, torch.randn(1, 2)], [b, torch.randn(1)])
    with pytest.raises(ValueError, match=r"b1 must have shape \(3,\), got \(2,\)"):
        mlp_forward(torch.randn(2), [W], [b[:2]])
    with pytest.raises(ValueError, match="same length, got 1 weights and 2 biases"):
        mlp_forward(torch.randn(2), [W], [b, b])
    with pytest.raises(TypeError, match="W1 must have x's dtype torch.float32, got torch.float64"):
        mlp_forward(torch.randn(2), [W.double()], [b])
    with pytest.raises(TypeError, match="lists of tensors"):
        mlp_forward(torch.randn(2), W, b)
    with pytest.raises(TypeError, match="activation must be a function, got str"):
        mlp_forward(torch.randn(2), [W], [b], "tanh")


def test_num_parameters():
    assert num_parameters(784, 50, 10) == 785 * 50 + 51 * 10
    assert num_parameters(2, [], 1) == 3
    assert num_parameters(1, 0, 1) == 2
    with pytest.raises(ValueError, match="num_inputs must be a positive integer"):
        num_parameters(0, 3, 1)


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
    with pytest.raises(ValueError, match="activation must be one of 'sigmoid', 'tanh', 'relu'; got 'softplus'"):
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
