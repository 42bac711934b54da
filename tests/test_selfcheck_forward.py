"""Self-checks of tutorial 03: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labkit import selfcheck
from labkit.selfcheck import forward as forward_checks


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def _by_hand_transposed(x, W1, b1, w2, b2):
    z1 = torch.matmul(W1.t(), x) + b1
    a1 = torch.clamp(z1, min=0)
    return z1, a1, torch.dot(w2, a1) + b2


def _by_hand_no_bias(x, W1, b1, w2, b2):
    z1 = W1 @ x
    a1 = torch.relu(z1)
    return z1, a1, w2 @ a1 + b2


def _by_hand_no_relu(x, W1, b1, w2, b2):
    z1 = W1 @ x + b1
    return z1, z1, (w2 * z1).sum() + b2


def _by_hand_relu_output(x, W1, b1, w2, b2):
    z1 = W1 @ x + b1
    a1 = z1.clamp(min=0)
    return z1, a1, (w2 @ a1 + b2).clamp(min=0)


def _by_hand_sigmoid(x, W1, b1, w2, b2):
    z1 = W1 @ x + b1
    a1 = 1 / (1 + torch.exp(-z1))
    return z1, a1, w2 @ a1 + b2


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("forward_by_hand", _by_hand_transposed, "weights are transposed"),
        ("forward_by_hand", _by_hand_no_bias, "bias b1 is missing"),
        ("forward_by_hand", _by_hand_no_relu, "ReLU is missing"),
        ("forward_by_hand", _by_hand_relu_output, "output layer has no activation"),
        ("forward_by_hand", _by_hand_sigmoid, "this is the sigmoid"),
        ("forward_by_hand", lambda x, W1, b1, w2, b2: _by_hand_no_bias(x, W1, b1, w2, b2)[:2],
         "returns 2 value(s), expected 3 (z1, a1, a2)"),
        ("forward_batch", lambda X, W1, b1, w2, b2: (X @ W1 + b1).clamp(min=0) @ w2 + b2, "X @ W1"),
        ("forward_batch", lambda X, W1, b1, w2, b2: (X @ W1.T + b1) @ w2 + b2, "ReLU is missing"),
        ("forward_batch", lambda X, W1, b1, w2, b2: (torch.relu(X @ W1.T) + b1) @ w2 + b2,
         "added after the ReLU"),
        ("forward_batch", lambda X, W1, b1, w2, b2: torch.relu(torch.relu(X @ W1.T + b1) @ w2 + b2),
         "output has no activation"),
        ("forward_batch", lambda X, W1, b1, w2, b2: torch.relu(X @ W1.T + b1) @ w2.unsqueeze(1) + b2,
         "wrong shape"),
        ("grid_points", lambda xs, ys: torch.cartesian_prod(xs, ys), "indexing='ij'"),
        ("grid_points", lambda xs, ys: torch.stack(
            [g.flatten() for g in torch.meshgrid(xs, ys, indexing="xy")]), "dim=0"),
        ("grid_points", lambda xs, ys: torch.stack((xs, ys), 1), "only the diagonal"),
        ("num_params", lambda dims: sum(dims[k] * dims[k + 1] for k in range(len(dims) - 1)),
         "biases are missing"),
        ("num_params", lambda dims: sum(dims[k] * dims[k + 1] + dims[k] for k in range(len(dims) - 1)),
         "not + d_in"),
        ("num_params", lambda dims: sum(dims[k] * dims[k + 1] for k in range(len(dims) - 1)) + len(dims) - 1,
         "not one in total"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


class NoReLU(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.fc2(self.fc1(x))


class ReLUEverywhere(NoReLU):
    def forward(self, x):
        return torch.relu(self.fc2(torch.relu(self.fc1(x))))


class SigmoidHidden(NoReLU):
    def forward(self, x):
        return self.fc2(torch.sigmoid(self.fc1(x)))


class OtherNames(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        return self.out(torch.relu(self.hidden(x)))


class WrongSizes(NoReLU):
    def __init__(self, input_dim, hidden_dim, output_dim):
        nn.Module.__init__(self)
        self.fc1 = nn.Linear(input_dim, output_dim)
        self.fc2 = nn.Linear(output_dim, hidden_dim)


class Unwritten(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        raise NotImplementedError()


@pytest.mark.parametrize(
    ("cls", "expected"),
    [(NoReLU, "ReLU is missing"), (ReLUEverywhere, "ReLU after fc2"), (SigmoidHidden, "sigmoid")],
)
def test_wrong_simple_mlp_class_gets_its_hint(cls, expected):
    assert expected in _hint("simple_mlp", forward_checks.as_function(cls))


@pytest.mark.parametrize(
    ("cls", "expected"),
    [(OtherNames, "name the two layers self.fc1 and self.fc2"), (WrongSizes, "nn.Linear(d_in, d_out)")],
)
def test_simple_mlp_class_errors_say_what_to_fix(cls, expected):
    verdict = selfcheck.verdict("simple_mlp", forward_checks.as_function(cls))
    assert verdict.status == "failed" and expected in verdict.message


def test_check_gives_the_class_that_passed_or_the_reference(monkeypatch, capsys):
    monkeypatch.delenv("LABKIT_SELFCHECK_STRICT", raising=False)

    def checked(cls):
        return selfcheck.check("simple_mlp", forward_checks.as_function(cls)).cls

    class Mine(NoReLU):
        def forward(self, x):
            return self.fc2(self.fc1(x).clamp(min=0))

    assert checked(Mine) is Mine
    assert checked(OtherNames) is forward_checks.SimpleMLP
    assert checked(NoReLU) is forward_checks.SimpleMLP
    assert checked(Unwritten) is forward_checks.SimpleMLP
    out = capsys.readouterr().out
    assert "✓ simple_mlp" in out and "✗ simple_mlp" in out and "not attempted yet" in out


def test_forward_by_hand_reproduces_the_sheet():
    z1, a1, a2 = forward_checks.forward_by_hand(*forward_checks._sheet_network())
    assert torch.allclose(z1, torch.tensor([0.0, 1.0]), atol=1e-6)
    assert torch.allclose(a1, torch.tensor([0.0, 1.0]), atol=1e-6)
    assert a2.item() == pytest.approx(-0.2, abs=1e-6)
