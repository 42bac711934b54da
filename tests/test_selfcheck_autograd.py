"""Self-checks of tutorial 04: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def _chain_no_minus(x):
    a = -x
    b = a.exp()
    c = 1 + b
    return (-1 / c**2) * b  # forgot the * (-1) of da/dx


def _chain_no_exp(x):
    c = 1 + torch.exp(-x)
    return -1 / (c * c) * -1


def _chain_reciprocal(x):
    a = -x
    c = 1 + torch.exp(a)
    return (1 / c) * torch.exp(a) * (-1)


def _chain_exp_x(x):
    c = 1 + torch.exp(-x)
    return (-1.0 / c**2) * torch.exp(x) * (-1)


def _f6_with_1_over_d(x, y, z):
    a, b = 2 * x, torch.sin(y)
    c = a / b
    d = z * c
    e = torch.log(1 + d)
    common = (1 - torch.tanh(e) ** 2) * (1 / d)
    return common * z * (1 / b) * 2, common * z * (-a / b**2) * torch.cos(y), common * c


def _f6_no_two(x, y, z):
    a, b = 2 * x, torch.sin(y)
    d = z * a / b
    common = (1 - torch.tanh(torch.log1p(d)) ** 2) / (1 + d)
    return common * z / b, -common * z * a / b**2 * torch.cos(y), common * a / b


def _f6_plus_sign(x, y, z):
    a, b = 2 * x, torch.sin(y)
    d = z * a / b
    common = (1 - torch.tanh(torch.log(1 + d)) ** 2) / (1 + d)
    return 2 * common * z / b, common * z * a / b**2 * torch.cos(y), common * a / b


def _f6_sin_for_cos(x, y, z):
    a, b = 2 * x, torch.sin(y)
    d = z * a / b
    common = (1 - torch.tanh(torch.log(1 + d)) ** 2) / (1 + d)
    return 2 * common * z / b, -common * z * a / b**2 * torch.sin(y), common * a / b


def _f6_z_for_c(x, y, z):
    a, b = 2 * x, torch.sin(y)
    d = z * a / b
    common = (1 - torch.tanh(torch.log(1 + d)) ** 2) / (1 + d)
    return 2 * common * z / b, -common * z * a / b**2 * torch.cos(y), common * z


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("dz_dx", lambda x: x * 2, "dy/dx = 2x only"),
        ("dz_dx", lambda x: 2 * x * x + 3, "z = 2x² + 3 itself"),
        ("dz_dx", lambda x: 2 * x + 2, "not added"),
        ("dz_dx", lambda x: -4 * x, "opposite sign"),
        ("f2_grad", lambda x: x + x, "derivative of x²"),
        ("f2_grad", lambda x: x - 2.0, "factor 2 is missing"),
        ("f2_grad", lambda x: 2 * x + 4, "not 2(x + 2)"),
        ("f2_grad", lambda x: (x - 2) * (x - 2), "f(x) = (x − 2)² itself"),
        ("y3_grad", lambda x: 2 * x + 5.0, "constant 5"),
        ("y3_grad", lambda x: x * x, "x², not its derivative"),
        ("y3_grad", lambda x: x.clone(), "not x"),
        ("grad_sigmoid_manual", _chain_no_minus, "∂a/∂x = −1 is missing"),
        ("grad_sigmoid_manual", _chain_no_exp, "∂b/∂a = e^a is missing"),
        ("grad_sigmoid_manual", _chain_reciprocal, "not 1/c"),
        ("grad_sigmoid_manual", _chain_exp_x, "not e^{x}"),
        ("dz_da", lambda a, b: 4 * torch.ones_like(a), "only the path through x"),
        ("dz_da", lambda a, b: 3 * 10 * a, "only the path through y"),
        ("dz_da", lambda a, b: 2 * 2 + 3 * 5 * a, "both factors"),
        ("dz_da", lambda a, b: 2 + 10 * a, "dz/dx = 2 and dz/dy = 3 are missing"),
        ("dz_db", lambda a, b: 6 + 9 * b * b, "dz/dy = 3 is missing"),
        ("dz_db", lambda a, b: 3 * 9 * b**2, "only the path through y"),
        ("dz_db", lambda a, b: 2 * 3 + 3 * 9 * b, "power 2"),
        ("da_dw_relu", lambda x, w, b: x.clone(), "slope is missing"),
        ("da_dw_relu", lambda x, w, b: torch.where(w * x + b > 0, w, torch.zeros_like(w)), "da/dx"),
        ("da_dw_relu", lambda x, w, b: torch.where(w * x + b >= 0, x, torch.zeros_like(x)), "v >= 0"),
        ("da_dw_relu", lambda x, w, b: torch.where(w * x > 0, x, torch.zeros_like(x)), "not on u = wx"),
        ("da_dw_sigmoid", lambda x, w, b: torch.sigmoid(w * x + b) * (1 - torch.sigmoid(w * x + b)),
         "∂u/∂w = x is missing"),
        ("da_dw_sigmoid", lambda x, w, b: torch.sigmoid(x * w + b) * x, "not its slope"),
        ("da_dw_sigmoid", lambda x, w, b: torch.sigmoid(w * x + b) * torch.sigmoid(-(w * x + b)) * w,
         "this is da/dx"),
        ("da_dw_sigmoid", lambda x, w, b: torch.sigmoid(w * x) * torch.sigmoid(-w * x) * x, "bias included"),
        ("f4_grad", lambda x: (torch.cos(x) - 2 * x - 2) * torch.exp(-x * x - 2 * x - torch.sin(x)),
         "sign of the cos"),
        ("f4_grad", lambda x: -2 * x - 2 - torch.cos(x), "outer factor e^g"),
        ("f4_grad", lambda x: (2 * x + 2 + torch.cos(x)) * torch.exp(-(x**2) - 2 * x - torch.sin(x)),
         "minus sign"),
        ("f4_grad", lambda x: -(2 * x + x.cos()) * (-x * x - 2 * x - x.sin()).exp(), "−2 is missing"),
        ("y5_grad", lambda x: 32 * x**4 + 9 * x**3 + 14 * x**2 + 6 * x, "lowers each exponent"),
        ("y5_grad", lambda x: 8 * 4 * x**3 + 3 * 3 * x**2 + 7 * 2 * x + 6 + 3, "constant 3"),
        ("y5_grad", lambda x: 8 * 4 * x**3 + 3 * 3 * x**2 + 7 * 2 * x, "6x has derivative 6"),
        ("f6_grads", _f6_with_1_over_d, "not 1/d"),
        ("f6_grads", _f6_no_two, "∂a/∂x = 2"),
        ("f6_grads", _f6_plus_sign, "minus sign is missing"),
        ("f6_grads", _f6_sin_for_cos, "cos y, not sin y"),
        ("f6_grads", _f6_z_for_c, "is c, not z"),
        ("f6_grads", lambda x, y, z: _f6_z_for_c(x, y, z)[:2], "returns 2 value(s), expected 3"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_sheet_chain_in_torch_passes():
    def grad_sigmoid_manual(x):
        a = -x
        b = torch.exp(a)
        c = 1 + b
        dsdc = -1.0 / c**2
        dsdb = dsdc * 1
        dsda = dsdb * torch.exp(a)
        return dsda * (-1)

    assert selfcheck.verdict("grad_sigmoid_manual", grad_sigmoid_manual).passed


def test_f6_reference_matches_autograd():
    x, y, z = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.5, 1.0, 0.8))
    f = torch.tanh(torch.log(1 + z * (2 * x) / torch.sin(y)))
    f.backward()
    grads = selfcheck.exercises()["f6_grads"].reference(x.detach(), y.detach(), z.detach())
    for mine, leaf in zip(grads, (x, y, z)):
        assert torch.allclose(mine, leaf.grad)
