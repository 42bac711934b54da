"""Self-checks of tutorial 20: wrong answers a student writes, and the hint each gets.

Also checks the references: the optimal discriminator maximises the value on a grid,
V(D*, G) = −log 4 + 2 JS, the GAN losses equal torch's binary cross-entropy and stay
finite at logits of ±100, and the nearest neighbours equal a brute-force search.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from labkit import generative, selfcheck
from labkit.selfcheck import gan as checks


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- wrong answers, as written


def value_no_dx(p_data, p_g, d, dx):
    return torch.sum(p_data * torch.log(d)) + torch.sum(p_g * torch.log(1 - d))


def value_log_d_twice(p_data, p_g, d, dx):
    return (torch.sum(p_data * torch.log(d)) + torch.sum(p_g * torch.log(d))) * dx


def value_swapped(p_data, p_g, d, dx):
    return dx * (p_g * d.log()).sum() + dx * (p_data * (1 - d).log()).sum()


def js_kl_only(p, q, dx):
    return dx * torch.sum(torch.special.xlogy(p, p) - torch.special.xlogy(p, q))


def js_student(p, q, dx, half=True, times_dx=True, m_halved=True, base2=False, naive=False):
    m = (p + q) / 2 if m_halved else p + q
    if naive:
        total = torch.sum(p * torch.log(p / m)) + torch.sum(q * torch.log(q / m))
    else:
        xlogy = torch.special.xlogy
        total = torch.sum(xlogy(p, p) - xlogy(p, m)) + torch.sum(xlogy(q, q) - xlogy(q, m))
    if half:
        total = total / 2
    if times_dx:
        total = total * dx
    return total / math.log(2) if base2 else total


def losses_naive(logits):
    D = 1 / (1 + torch.exp(-logits))
    return torch.mean(torch.log(1 - D)), -torch.mean(torch.log(D))


def losses_swapped(logits):
    return F.softplus(-logits).mean(), -F.softplus(logits).mean()


def losses_saturating_sign(logits):
    return F.softplus(logits).mean(), F.softplus(-logits).mean()


def losses_nonsaturating_sign(logits):
    return -F.softplus(logits).mean(), -F.softplus(-logits).mean()


def d_loss_labels_swapped(real, fake):
    return (F.binary_cross_entropy_with_logits(real, torch.zeros_like(real))
            + F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake)))


def d_loss_one_mean(real, fake):
    logits = torch.cat([real.flatten(), fake.flatten()])
    labels = torch.cat([torch.ones(real.numel(), dtype=real.dtype), torch.zeros(fake.numel(), dtype=real.dtype)])
    return F.binary_cross_entropy_with_logits(logits, labels)


def d_loss_real_only(real, fake):
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real))


def d_loss_naive(real, fake):
    return -torch.log(torch.sigmoid(real)).mean() - torch.log(1 - torch.sigmoid(fake)).mean()


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("gan_value", value_no_dx, "multiply the sums by dx"),
        ("gan_value", value_log_d_twice, "log(1 − D(x))"),
        ("gan_value", value_swapped, "densities are swapped"),
        ("optimal_discriminator", lambda p_data, p_g: 1 - p_data / (p_data + p_g), "this is 1 − D*"),
        ("optimal_discriminator", lambda p_data, p_g: torch.div(p_data, p_g), "not a probability"),
        ("optimal_discriminator", lambda p_data, p_g: 0.5 * torch.ones_like(p_g), "½ everywhere"),
        ("js_divergence", js_kl_only, "this is KL(p ‖ q)"),
        ("js_divergence", lambda p, q, dx: js_student(p, q, dx, half=False), "the ½ in front"),
        ("js_divergence", lambda p, q, dx: js_student(p, q, dx, times_dx=False), "multiply by dx"),
        ("js_divergence", lambda p, q, dx: js_student(p, q, dx, m_halved=False), "not p + q"),
        ("js_divergence", lambda p, q, dx: js_student(p, q, dx, base2=True), "in bits"),
        ("js_divergence", lambda p, q, dx: js_student(p, q, dx, naive=True), "0 · log 0 counts as 0"),
        ("generator_losses", losses_naive, "use log(1 − σ(l)) = −softplus(l)"),
        ("generator_losses", losses_swapped, "swapped"),
        ("generator_losses", losses_saturating_sign, "+mean log(1 − D(G(z)))"),
        ("generator_losses", losses_nonsaturating_sign, "minimising it raises D(G(z))"),
        ("discriminator_loss", d_loss_labels_swapped, "labels are swapped"),
        ("discriminator_loss", d_loss_one_mean, "each term is a mean over its own batch"),
        ("discriminator_loss", d_loss_real_only, "fake term"),
        ("discriminator_loss", d_loss_naive, "softplus(−l)"),
        ("confidence_and_class", lambda logits: (logits.max(1).values, logits.argmax(1)), "not the largest logit"),
        ("confidence_and_class", lambda logits: torch.softmax(logits, 0).max(1), "not over the images"),
        ("confidence_and_class", lambda logits: (logits.max(1).values.sigmoid(), logits.max(1).indices),
         "a sigmoid of the top logit"),
        ("confidence_and_class", lambda logits: (logits.softmax(1).min(1).values, logits.argmin(1)), "least likely"),
        ("nearest_neighbours", lambda s, t: (((s[:, None] - t[None]) ** 2).sum(-1).min(1).values,
                                             ((s[:, None] - t[None]) ** 2).sum(-1).argmin(1)), "squared distances"),
        ("nearest_neighbours", lambda s, t: torch.cdist(s, t).max(1), "farthest"),
        ("nearest_neighbours", lambda s, t: (s[:, None] - t[None]).abs().sum(-1).min(1), "L1"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


# ---------------------------------------------------------------- references


def _grid():
    x = torch.linspace(-8, 14, 2201, dtype=torch.float64)
    dx = (x[1] - x[0]).item()

    def pdf(mean, std):
        return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))

    return pdf, dx


def test_optimal_discriminator_beats_perturbed_ones():
    pdf, dx = _grid()
    p_data, p_g = 0.5 * pdf(-1, 0.5) + 0.5 * pdf(1.5, 0.8), pdf(2, 1)
    d_star = generative.optimal_discriminator(p_data, p_g)
    best = generative.gan_value(p_data, p_g, d_star, dx)
    for shift in (-0.3, 0.2, 1.0):
        logit = torch.log(d_star) - torch.log1p(-d_star)
        assert generative.gan_value(p_data, p_g, torch.sigmoid(logit + shift), dx) < best


@pytest.mark.parametrize("mean", [-2.0, 0.5, 3.0, 7.0])
def test_value_at_the_optimum_is_minus_log_4_plus_twice_js(mean):
    pdf, dx = _grid()
    p_data, p_g = 0.5 * pdf(-1, 0.5) + 0.5 * pdf(1.5, 0.8), pdf(mean, 1)
    d = generative.optimal_discriminator(p_data, p_g).clamp(1e-12, 1 - 1e-12)
    value = generative.gan_value(p_data, p_g, d, dx)
    assert abs(value.item() - (-math.log(4) + 2 * generative.js_divergence(p_data, p_g, dx).item())) < 1e-8


def test_generator_losses_against_torch_bce():
    logits = torch.tensor([-3.0, -0.5, 0.0, 2.0], dtype=torch.float64)
    saturating, nonsaturating = checks.generator_losses(logits)
    assert torch.allclose(saturating, -F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits)))
    assert torch.allclose(nonsaturating, F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)))


def test_generator_losses_gradients_are_minus_d_and_minus_one_minus_d():
    logits = torch.linspace(-6, 6, 9, dtype=torch.float64, requires_grad=True)
    n = len(logits)
    (g_sat,) = torch.autograd.grad(checks.generator_losses(logits)[0] * n, logits)
    (g_ns,) = torch.autograd.grad(checks.generator_losses(logits)[1] * n, logits)
    d = torch.sigmoid(logits.detach())
    assert torch.allclose(g_sat, -d) and torch.allclose(g_ns, -(1 - d))


def test_losses_are_finite_at_extreme_logits():
    extreme = torch.tensor([-100.0, 100.0])
    assert all(torch.isfinite(v) for v in checks.generator_losses(extreme))
    assert torch.isfinite(generative.discriminator_loss(extreme, extreme))


def test_confidence_and_class_against_softmax():
    logits = torch.randn(6, 10, generator=torch.Generator().manual_seed(0))
    confidence, predicted = checks.confidence_and_class(logits)
    assert torch.equal(predicted, logits.argmax(dim=1))
    assert torch.allclose(confidence, torch.softmax(logits, dim=1).max(dim=1).values)


def test_nearest_neighbours_against_a_loop():
    gen = torch.Generator().manual_seed(0)
    samples, train = torch.randn(5, 4, generator=gen), torch.randn(12, 4, generator=gen)
    distance, index = checks.nearest_neighbours(samples, train)
    for i, s in enumerate(samples):
        d = [(s - t).norm().item() for t in train]
        assert index[i].item() == min(range(len(d)), key=d.__getitem__)
        assert math.isclose(distance[i].item(), min(d), rel_tol=1e-5)
