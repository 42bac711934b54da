"""Self-checks of tutorial 02, "Activation functions": the functions and their derivatives."""

from __future__ import annotations

import torch

from labkit import activations as act
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "02-activations"


def _cases(gen: torch.Generator) -> list[tuple]:
    """Small to large, float32 and float64, with exact zeros and large |z| (overflow)."""
    return [
        (torch.tensor([-2.0, 0.0, 0.5]),),
        (torch.randn(2, 4, generator=gen),),
        (torch.randn(3, 2, 5, generator=gen, dtype=torch.float64) * 3,),
        (torch.tensor([-100.0, -20.0, 0.0, 20.0, 100.0]),),
    ]


def _sigmoid(z):
    return act.sigmoid(z)


register(
    Exercise(
        name="sigmoid",
        page=PAGE,
        reference=act.sigmoid,
        cases=_cases,
        what="equals torch.sigmoid, also for |z| = 100",
        mistakes=[
            Mistake(
                "this is σ(−z) = 1 − σ(z): the exponent's sign is flipped, or the numerator is e^{−z} "
                "instead of 1. σ(z) = 1 / (1 + e^{−z}).",
                lambda z: 1 / (1 + torch.exp(z)),
            ),
            Mistake(
                "e^z / (1 + e^z) overflows for large z (inf / inf = nan): exponentiate only −|z|.",
                lambda z: torch.exp(z) / (1 + torch.exp(z)),
            ),
            Mistake("this is 1 / (1 − e^{−z}): the denominator is 1 + e^{−z}.", lambda z: 1 / (1 - torch.exp(-z))),
        ],
    ),
    Exercise(
        name="tanh",
        page=PAGE,
        reference=act.tanh,
        cases=_cases,
        what="equals torch.tanh, also for |z| = 100 (no overflow)",
        mistakes=[
            Mistake(
                "the textbook formula overflows: e^{100} is inf and inf/inf is nan. Exponentiate only −|z|: "
                "tanh(z) = sign(z)(1 − e^{−2|z|}) / (1 + e^{−2|z|}).",
                lambda z: (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z)),
            ),
            Mistake("this is sinh(z) = (e^z − e^{−z}) / 2: divide by e^z + e^{−z} instead.", lambda z: (torch.exp(z) - torch.exp(-z)) / 2),
            Mistake("2σ(z) − 1 is tanh(z/2); tanh(z) = 2σ(2z) − 1.", lambda z: 2 * act.sigmoid(z) - 1),
        ],
    ),
    Exercise(
        name="relu",
        page=PAGE,
        reference=act.relu,
        cases=_cases,
        what="equals torch.relu",
        mistakes=[
            Mistake("this keeps the negative part: ReLU(z) = max(0, z), not min(0, z).", lambda z: torch.clamp(z, max=0)),
            Mistake("|z| turns negative inputs positive; ReLU sends them to 0.", lambda z: z.abs()),
            Mistake("this is the mask 1[z > 0], ReLU's derivative; ReLU itself is z where z > 0.", lambda z: (z > 0).to(z.dtype)),
        ],
    ),
    Exercise(
        name="sigmoid_grad",
        page=PAGE,
        reference=act.sigmoid_grad,
        cases=_cases,
        what="equals autograd's derivative of torch.sigmoid",
        mistakes=[
            Mistake("this is σ(1 + σ); the derivative of 1/(1 + e^{-z}) is σ(1 − σ).", lambda z: _sigmoid(z) * (1 + _sigmoid(z))),
            Mistake("this is σ(z) itself, not its derivative σ(z)(1 − σ(z)).", _sigmoid),
            Mistake("1 − σ² is the tanh rule (tanh' = 1 − tanh²); the sigmoid's is σ(1 − σ).", lambda z: 1 - _sigmoid(z) ** 2),
            Mistake("the chain rule's inner derivative of −z is −1: σ' = +σ(1 − σ), no minus sign.", lambda z: -_sigmoid(z) * (1 - _sigmoid(z))),
        ],
    ),
    Exercise(
        name="tanh_grad",
        page=PAGE,
        reference=act.tanh_grad,
        cases=_cases,
        what="equals autograd's derivative of torch.tanh",
        atol=1e-6,
        mistakes=[
            Mistake("the square is missing: tanh'(z) = 1 − tanh(z)².", lambda z: 1 - act.tanh(z)),
            Mistake("the sign is wrong: tanh'(z) = 1 − tanh(z)², not 1 + tanh(z)².", lambda z: 1 + act.tanh(z) ** 2),
            Mistake("tanh(1 − tanh) is the sigmoid's rule applied to tanh; tanh' = 1 − tanh².", lambda z: act.tanh(z) * (1 - act.tanh(z))),
        ],
    ),
    Exercise(
        name="relu_grad",
        page=PAGE,
        reference=act.relu_grad,
        cases=_cases,
        what="equals autograd's derivative of torch.relu (0 at z = 0)",
        mistakes=[
            Mistake("at z = 0 the slope is taken as 0 (PyTorch's convention): use z > 0, not z >= 0.", lambda z: (z >= 0).to(z.dtype)),
            Mistake("this is ReLU itself; its derivative is the step 1[z > 0].", lambda z: z.clamp(min=0)),
            Mistake("sign(z) is −1 for negative z; ReLU is flat there, so its slope is 0.", torch.sign),
        ],
    ),
    Exercise(
        name="dsigma",
        page=PAGE,
        reference=act.tanh_grad,
        cases=lambda gen: _cases(gen)[:3],
        what="equals the derivative of tanh, 4 / (e^x + e^{−x})²",
        mistakes=[
            Mistake("the 4 is missing: tanh'(x) = 4 / (e^x + e^{−x})².", lambda x: (x.exp() + (-x).exp()).pow(-2)),
            Mistake("the power is −1, it should be −2: tanh'(x) = 4 (e^x + e^{−x})^{−2}.", lambda x: 4 * (x.exp() + (-x).exp()).pow(-1)),
            Mistake("e^x − e^{−x} belongs to the numerator of tanh; the derivative has e^x + e^{−x}.", lambda x: 4 * (x.exp() - (-x).exp()).pow(-2)),
        ],
    ),
)
