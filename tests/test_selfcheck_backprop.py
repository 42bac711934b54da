"""Self-checks of tutorial 09: wrong answers a student writes, the hint each gets, and
references that equal autograd."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck

EXERCISES = selfcheck.exercises()


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- forward_graph


def forward_sheet_orientation(x, W1, b1, W2, b2):
    z1 = x @ W1  # the sheet's W1ᵀ x, with our (Z, D) W1
    z2 = z1 + b1
    z3 = torch.sigmoid(z2)
    z4 = W2 @ z3
    return z1, z2, z3, z4, z4 + b2


def forward_no_b1(x, W1, b1, W2, b2):
    z1 = torch.mv(W1, x)
    z3 = torch.sigmoid(z1)
    z4 = torch.mv(W2, z3)
    return z1, z1, z3, z4, z4 + b2


def forward_sigmoid_sign(x, W1, b1, W2, b2):
    z1 = W1 @ x
    z2 = z1 + b1
    z3 = 1 / (1 + z2.exp())
    z4 = W2 @ z3
    return z1, z2, z3, z4, z4 + b2


def forward_no_sigmoid(x, W1, b1, W2, b2):
    z2 = W1 @ x + b1
    z4 = W2 @ z2
    return W1 @ x, z2, z2, z4, z4 + b2


def forward_W2_transposed(x, W1, b1, W2, b2):
    z1 = W1 @ x
    z2 = z1 + b1
    z3 = torch.sigmoid(z2)
    z4 = z3 @ W2
    return z1, z2, z3, z4, z4 + b2


def forward_no_b2(x, W1, b1, W2, b2):
    z1 = W1 @ x
    z2 = z1 + b1
    z3 = 1 / (1 + torch.exp(-z2))
    z4 = W2 @ z3
    return z1, z2, z3, z4, z4


# ---------------------------------------------------------------- backward formulas


def output_db2_one(dy_hat, z3, W2):
    return dy_hat, torch.ones(dy_hat.shape, dtype=dy_hat.dtype), dy_hat[:, None] * z3[None, :], W2.T @ dy_hat


def output_dW2_transposed(dy_hat, z3, W2):
    return dy_hat, dy_hat, z3[:, None] @ dy_hat[None, :], W2.T @ dy_hat


def output_dW2_elementwise(dy_hat, z3, W2):
    return dy_hat, dy_hat, z3 * dy_hat, torch.mv(W2.T, dy_hat)


def output_dz3_untransposed(dy_hat, z3, W2):
    return dy_hat, dy_hat, torch.outer(dy_hat, z3), torch.mv(W2, dy_hat)


def output_dz3_times_z3(dy_hat, z3, W2):
    return dy_hat, dy_hat, torch.outer(dy_hat, z3), dy_hat * z3


def sigmoid_of_z3(dz3, z3):
    s = torch.sigmoid(z3)
    return dz3 * s * (1 - s)


def sigmoid_no_upstream(dz3, z3):
    return z3 - z3**2


def sigmoid_plus(dz3, z3):
    return dz3 * (z3 + z3 * z3)


def sigmoid_tanh_rule(dz3, z3):
    return dz3 - dz3 * z3 * z3


def hidden_db1_scalar(dz2, x, W1):
    return dz2, torch.sum(dz2), dz2[:, None] * x[None, :], W1.T @ dz2


def hidden_dW1_transposed(dz2, x, W1):
    return dz2, dz2, x[:, None] * dz2[None, :], W1.T @ dz2


def hidden_dx_untransposed(dz2, x, W1):
    return dz2, dz2, torch.outer(dz2, x), torch.mv(W1, dz2)


def hidden_dx_passthrough(dz2, x, W1):
    dz1 = dz2.clone()
    return dz1, dz1, torch.outer(dz1, x), dz1


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("forward_graph", forward_sheet_orientation, "transposed W1"),
        ("forward_graph", forward_no_b1, "b1 is not added"),
        ("forward_graph", forward_sigmoid_sign, "σ(−z2)"),
        ("forward_graph", forward_no_sigmoid, "sigmoid is missing"),
        ("forward_graph", forward_W2_transposed, "transposed W2"),
        ("forward_graph", forward_no_b2, "b2 is not added"),
        ("grad_loss", lambda y, y_hat: 2 * y - 2 * y_hat, "sign is flipped"),
        ("grad_loss", lambda y, y_hat: y_hat - y, "factor 2"),
        ("grad_loss", lambda y, y_hat: (y_hat - y).pow(2), "loss (y − ŷ)² itself"),
        ("grad_output_layer", output_db2_one, "db2 is the local derivative"),
        ("grad_output_layer", output_dW2_transposed, "dW2 is transposed"),
        ("grad_output_layer", output_dW2_elementwise, "dW2 has lost a dimension"),
        ("grad_output_layer", output_dz3_untransposed, "dz3 uses W2 untransposed"),
        ("grad_output_layer", output_dz3_times_z3, "dz3 is multiplied by z3"),
        ("grad_sigmoid_node", sigmoid_of_z3, "this is σ'(z3)"),
        ("grad_sigmoid_node", sigmoid_no_upstream, "dz3, is missing"),
        ("grad_sigmoid_node", sigmoid_plus, "z3 (1 + z3)"),
        ("grad_sigmoid_node", sigmoid_tanh_rule, "tanh rule"),
        ("grad_hidden_layer", hidden_db1_scalar, "db1 is summed"),
        ("grad_hidden_layer", hidden_dW1_transposed, "dW1 is transposed"),
        ("grad_hidden_layer", hidden_dx_untransposed, "dx uses W1 untransposed"),
        ("grad_hidden_layer", hidden_dx_passthrough, "dx is passed on unchanged"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def _leaves(*tensors):
    return [t.detach().clone().requires_grad_() for t in tensors]


@pytest.mark.parametrize("case", range(3))
def test_backward_references_equal_autograd(case):
    """Each node's reference is the chain rule that autograd applies, on the check's inputs."""
    gen = torch.Generator().manual_seed(0)
    y_hat_args = EXERCISES["grad_loss"].cases(gen)[case]
    y, y_hat = y_hat_args[0], _leaves(y_hat_args[1])[0]
    ((y - y_hat) ** 2).sum().backward()
    torch.testing.assert_close(EXERCISES["grad_loss"].reference(y, y_hat.detach()), y_hat.grad)

    dy_hat, z3, W2 = EXERCISES["grad_output_layer"].cases(gen)[case]
    b2 = torch.zeros(W2.shape[0], dtype=W2.dtype)
    z3_, W2_, b2_ = _leaves(z3, W2, b2)
    z4 = W2_ @ z3_
    z4.retain_grad()
    ((z4 + b2_) * dy_hat).sum().backward()  # a loss whose dL/dŷ is dy_hat
    expected = (z4.grad, b2_.grad, W2_.grad, z3_.grad)
    for got, want in zip(EXERCISES["grad_output_layer"].reference(dy_hat, z3, W2), expected):
        torch.testing.assert_close(got, want)

    dz3, z3 = EXERCISES["grad_sigmoid_node"].cases(gen)[case]
    z2 = _leaves(torch.log(z3 / (1 - z3)))[0]  # σ⁻¹(z3)
    (torch.sigmoid(z2) * dz3).sum().backward()
    torch.testing.assert_close(EXERCISES["grad_sigmoid_node"].reference(dz3, z3), z2.grad, atol=1e-5, rtol=1e-4)

    dz2, x, W1 = EXERCISES["grad_hidden_layer"].cases(gen)[case]
    x_, W1_, b1_ = _leaves(x, W1, torch.zeros(W1.shape[0], dtype=W1.dtype))
    z1 = W1_ @ x_
    z1.retain_grad()
    ((z1 + b1_) * dz2).sum().backward()
    expected = (z1.grad, b1_.grad, W1_.grad, x_.grad)
    for got, want in zip(EXERCISES["grad_hidden_layer"].reference(dz2, x, W1), expected):
        torch.testing.assert_close(got, want)
