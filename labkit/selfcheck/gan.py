"""Self-checks of tutorial 20, "Generative adversarial networks".

The references are [`labkit.generative`][labkit.generative]'s minimax value,
optimal discriminator, Jensen–Shannon divergence and GAN losses, and short
functions here. The densities are random positive vectors normalised on grids
whose step is not 1 (so a forgotten ``dx`` shows), the real and fake batches
differ in size, and one case has logits of ±100, where the logs written as in
the formulas overflow.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from labkit import generative
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "20-gans"

_F64 = torch.float64
_GRIDS = ((5, 0.3, torch.float32), (8, 0.25, torch.float32), (10, 0.1, _F64))  # (points, dx, dtype)


def _density(gen: torch.Generator, n: int, dx: float, dtype: torch.dtype) -> torch.Tensor:
    p = 0.2 + torch.rand(n, generator=gen, dtype=dtype)
    return p / (p.sum() * dx)


def _value_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, dx, dtype in _GRIDS:
        d = 0.05 + 0.9 * torch.rand(n, generator=gen, dtype=dtype)  # strictly inside (0, 1)
        cases.append((_density(gen, n, dx, dtype), _density(gen, n, dx, dtype), d, dx))
    return cases


def _pair_cases(gen: torch.Generator) -> list[tuple]:
    return [(_density(gen, n, dx, dtype), _density(gen, n, dx, dtype)) for n, dx, dtype in _GRIDS]


def _js_cases(gen: torch.Generator) -> list[tuple]:
    cases = [(p, q, dx) for (p, q), (_, dx, _) in zip(_pair_cases(gen), _GRIDS)]
    disjoint_p = torch.tensor([0.0, 0.0, 1.0, 3.0, 2.0, 0.0], dtype=_F64)
    disjoint_q = torch.tensor([2.0, 1.0, 1.0, 0.0, 0.0, 0.0], dtype=_F64)
    dx = 0.4
    cases.append((disjoint_p / (disjoint_p.sum() * dx), disjoint_q / (disjoint_q.sum() * dx), dx))
    return cases


def _value(p_data, p_g, d, dx, swap=False, fake_log_d=False, use_dx=True):
    if swap:
        p_data, p_g = p_g, p_data
    fake = torch.log(d) if fake_log_d else torch.log(1 - d)
    total = (p_data * torch.log(d)).sum() + (p_g * fake).sum()
    return total * dx if use_dx else total


def _kl(p, q, dx):
    return (torch.special.xlogy(p, p) - torch.special.xlogy(p, q)).sum() * dx


def _js(p, q, dx, half=True, use_dx=True, halve_m=True, bits=False, plain_log=False):
    m = 0.5 * (p + q) if halve_m else p + q
    if plain_log:
        kl_pm = (p * torch.log(p / m)).sum() * dx
        kl_qm = (q * torch.log(q / m)).sum() * dx
    else:
        kl_pm, kl_qm = _kl(p, m, dx), _kl(q, m, dx)
    js = kl_pm + kl_qm
    js = 0.5 * js if half else js
    js = js if use_dx else js / dx
    return js / math.log(2) if bits else js


def _logit_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (2 * torch.randn(3, generator=gen),),
        (2 * torch.randn(5, 1, generator=gen, dtype=_F64),),
        (torch.tensor([-100.0, -3.0, 0.0, 40.0, 100.0]),),
    ]


def generator_losses(d_fake_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference: (saturating, non-saturating) generator losses from the logits."""
    return (generative.generator_loss_saturating(d_fake_logits),
            generative.generator_loss_nonsaturating(d_fake_logits))


def _naive_generator_losses(logits):
    d = torch.sigmoid(logits)
    return torch.log(1 - d).mean(), -torch.log(d).mean()


def _two_logit_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (2 * torch.randn(3, generator=gen), 2 * torch.randn(5, generator=gen)),
        (2 * torch.randn(4, 1, generator=gen, dtype=_F64), 2 * torch.randn(2, 1, generator=gen, dtype=_F64)),
        (torch.tensor([-100.0, 2.0, 100.0]), torch.tensor([100.0, -1.0, -100.0, 40.0])),
    ]


def confidence_and_class(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference: the largest softmax probability of each row, and its class."""
    confidence, predicted = F.softmax(logits, dim=1).max(dim=1)
    return confidence, predicted


def _classifier_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (3 * torch.randn(2, 4, generator=gen),),
        (3 * torch.randn(5, 10, generator=gen),),
        (3 * torch.randn(7, 10, generator=gen, dtype=_F64),),
    ]


def nearest_neighbours(samples: torch.Tensor, train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference: the Euclidean distance to the nearest row of train, and its index."""
    distance, index = torch.cdist(samples, train).min(dim=1)
    return distance, index


def _neighbour_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.randn(2, 3, generator=gen), torch.randn(5, 3, generator=gen)),
        (torch.randn(3, 4, generator=gen), torch.randn(6, 4, generator=gen)),
        (torch.randn(4, 6, generator=gen, dtype=_F64), torch.randn(9, 6, generator=gen, dtype=_F64)),
    ]


register(
    Exercise(
        name="gan_value",
        page=PAGE,
        reference=generative.gan_value,
        cases=_value_cases,
        what="equals ∫ p_data log D + ∫ p_g log(1 − D), as a sum times dx",
        mistakes=[
            Mistake("the expectations are integrals over the grid: multiply the sums by dx.",
                    lambda p_data, p_g, d, dx: _value(p_data, p_g, d, dx, use_dx=False)),
            Mistake("the generator's term is E_g[log(1 − D(x))]: the discriminator should say 0 on fakes.",
                    lambda p_data, p_g, d, dx: _value(p_data, p_g, d, dx, fake_log_d=True)),
            Mistake("the densities are swapped: log D is averaged over the data, log(1 − D) over the generator.",
                    lambda p_data, p_g, d, dx: _value(p_data, p_g, d, dx, swap=True)),
        ],
    ),
    Exercise(
        name="optimal_discriminator",
        page=PAGE,
        reference=generative.optimal_discriminator,
        cases=_pair_cases,
        what="equals p_data / (p_data + p_g)",
        mistakes=[
            Mistake("this is 1 − D*: the discriminator outputs the probability that x is real, "
                    "p_data / (p_data + p_g).",
                    lambda p_data, p_g: p_g / (p_data + p_g)),
            Mistake("the ratio p_data / p_g is not a probability: divide by p_data + p_g.",
                    lambda p_data, p_g: p_data / p_g),
            Mistake("½ everywhere is optimal only when p_g = p_data; in general D* = p_data / (p_data + p_g).",
                    lambda p_data, p_g: torch.full_like(p_data, 0.5)),
        ],
    ),
    Exercise(
        name="js_divergence",
        page=PAGE,
        reference=generative.js_divergence,
        cases=_js_cases,
        what="equals ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q) / 2, also where p or q is 0",
        mistakes=[
            Mistake("this is KL(p ‖ q); the Jensen–Shannon divergence compares p and q with their mixture "
                    "m = (p + q) / 2: ½ KL(p ‖ m) + ½ KL(q ‖ m).",
                    lambda p, q, dx: _kl(p, q, dx)),
            Mistake("the ½ in front of each KL is missing: JS = ½ KL(p ‖ m) + ½ KL(q ‖ m).",
                    lambda p, q, dx: _js(p, q, dx, half=False)),
            Mistake("the sums are integrals over the grid: multiply by dx.",
                    lambda p, q, dx: _js(p, q, dx, use_dx=False)),
            Mistake("m is the mixture (p + q) / 2, not p + q.",
                    lambda p, q, dx: _js(p, q, dx, halve_m=False)),
            Mistake("this is in bits (log base 2); use the natural log, so that JS ≤ log 2 in nats.",
                    lambda p, q, dx: _js(p, q, dx, bits=True)),
            Mistake("0 · log 0 counts as 0, but p * torch.log(p / m) gives nan where p = 0: use "
                    "torch.special.xlogy(p, p) - torch.special.xlogy(p, m).",
                    lambda p, q, dx: _js(p, q, dx, plain_log=True)),
        ],
    ),
    Exercise(
        name="generator_losses",
        page=PAGE,
        reference=generator_losses,
        cases=_logit_cases,
        what="equals (mean log(1 − D), −mean log D) with D = sigmoid(logits), also at logits ±100",
        output_names=("saturating", "nonsaturating"),
        mistakes=[
            Mistake("log(1 − sigmoid(l)) is log 0 = −inf once sigmoid(l) rounds to 1 (l ≳ 17 in float32): "
                    "use log(1 − σ(l)) = −softplus(l) and −log σ(l) = softplus(−l).",
                    _naive_generator_losses),
            Mistake("the two losses are swapped: return (saturating, non-saturating).",
                    lambda logits: generator_losses(logits)[::-1]),
            Mistake("the saturating loss is +mean log(1 − D(G(z))), which the generator minimises "
                    "(the discriminator maximises the same term); it is never positive.",
                    lambda logits: (-generator_losses(logits)[0], generator_losses(logits)[1])),
            Mistake("the non-saturating loss is −mean log D(G(z)): minimising it raises D(G(z)).",
                    lambda logits: (generator_losses(logits)[0], -generator_losses(logits)[1])),
        ],
    ),
    Exercise(
        name="discriminator_loss",
        page=PAGE,
        reference=generative.discriminator_loss,
        cases=_two_logit_cases,
        what="equals −mean log D(x) − mean log(1 − D(G(z))), each mean over its own batch",
        mistakes=[
            Mistake("the labels are swapped: real samples are pushed towards D = 1 (−log D), fakes towards "
                    "D = 0 (−log(1 − D)).",
                    lambda real, fake: F.softplus(real).mean() + F.softplus(-fake).mean()),
            Mistake("each term is a mean over its own batch; here both are averaged together, which "
                    "weights the larger batch more.",
                    lambda real, fake: (F.softplus(-real).sum() + F.softplus(fake).sum()) / (len(real) + len(fake))),
            Mistake("the fake term −mean log(1 − D(G(z))) is missing.",
                    lambda real, fake: F.softplus(-real).mean()),
            Mistake("log(sigmoid(l)) underflows to −inf for l ≲ −88 and log(1 − sigmoid(l)) already for l ≳ 17: "
                    "use −log σ(l) = softplus(−l) and −log(1 − σ(l)) = softplus(l).",
                    lambda real, fake: -torch.log(torch.sigmoid(real)).mean() - torch.log(1 - torch.sigmoid(fake)).mean()),
        ],
    ),
    Exercise(
        name="confidence_and_class",
        page=PAGE,
        reference=confidence_and_class,
        cases=_classifier_cases,
        what="equals the largest softmax probability of each row and its class",
        output_names=("confidence", "predicted"),
        mistakes=[
            Mistake("the confidence is the largest softmax probability, not the largest logit.",
                    lambda logits: logits.max(dim=1)),
            Mistake("the softmax runs over the classes of each image (dim=1), not over the images.",
                    lambda logits: F.softmax(logits, dim=0).max(dim=1)),
            Mistake("a sigmoid of the top logit ignores the other classes; the softmax normalises over all ten.",
                    lambda logits: (torch.sigmoid(logits.max(dim=1).values), logits.argmax(dim=1))),
            Mistake("this is the least likely class: take the max, not the min.",
                    lambda logits: F.softmax(logits, dim=1).min(dim=1)),
        ],
    ),
    Exercise(
        name="nearest_neighbours",
        page=PAGE,
        reference=nearest_neighbours,
        cases=_neighbour_cases,
        what="equals the Euclidean distance to the nearest training row and its index",
        output_names=("distance", "index"),
        mistakes=[
            Mistake("these are squared distances: take the square root (torch.cdist does).",
                    lambda samples, train: (torch.cdist(samples, train).min(dim=1).values ** 2,
                                            torch.cdist(samples, train).argmin(dim=1))),
            Mistake("this is the farthest training image: take the min over the training set.",
                    lambda samples, train: torch.cdist(samples, train).max(dim=1)),
            Mistake("this is the L1 (city-block) distance; the page uses the Euclidean distance.",
                    lambda samples, train: torch.cdist(samples, train, p=1).min(dim=1)),
        ],
    ),
)
