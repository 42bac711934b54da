"""Self-checks of tutorial 02: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("sigmoid", lambda z: 1 / (1 + torch.exp(z)), "sign is flipped"),
        ("sigmoid", lambda z: torch.exp(-z) / (1 + torch.exp(-z)), "1 − σ(z)"),
        ("sigmoid", lambda z: z.exp() / (z.exp() + 1), "overflows"),
        ("sigmoid", lambda z: 1.0 / (1.0 - (-z).exp()), "denominator is 1 + e^{−z}"),
        ("tanh", lambda z: (z.exp() - (-z).exp()) / (z.exp() + (-z).exp()), "overflows"),
        ("tanh", lambda z: 0.5 * (torch.exp(z) - torch.exp(-z)), "sinh"),
        ("tanh", lambda z: 2 * torch.sigmoid(z) - 1, "tanh(z/2)"),
        ("relu", lambda z: torch.minimum(z, torch.zeros_like(z)), "min(0, z)"),
        ("relu", torch.abs, "|z|"),
        ("relu", lambda z: (z > 0).float(), "ReLU's derivative"),
        ("sigmoid_grad", lambda z: torch.sigmoid(z) * (1 + torch.sigmoid(z)), "σ(1 + σ)"),
        ("sigmoid_grad", torch.sigmoid, "σ(z) itself"),
        ("sigmoid_grad", lambda z: 1 - torch.sigmoid(z) ** 2, "tanh rule"),
        ("sigmoid_grad", lambda z: torch.sigmoid(z) * (torch.sigmoid(z) - 1), "no minus sign"),
        ("tanh_grad", lambda z: 1 - torch.tanh(z), "square is missing"),
        ("tanh_grad", lambda z: 1 + torch.tanh(z) ** 2, "sign is wrong"),
        ("tanh_grad", lambda z: torch.tanh(z) * (1 - torch.tanh(z)), "sigmoid's rule"),
        ("relu_grad", lambda z: (z >= 0).to(z.dtype), "z > 0, not z >= 0"),
        ("relu_grad", torch.relu, "ReLU itself"),
        ("relu_grad", torch.sign, "sign(z) is −1"),
        ("relu_grad", lambda z: z > 0, "boolean mask"),
        ("dsigma", lambda x: 1 / (x.exp() + (-x).exp()) ** 2, "the 4 is missing"),
        ("dsigma", lambda x: 4 / (x.exp() + (-x).exp()), "power is −1"),
        ("dsigma", lambda x: 4 / (x.exp() - (-x).exp()) ** 2, "e^x − e^{−x}"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)
