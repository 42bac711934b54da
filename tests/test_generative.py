"""Tests for labkit.generative: KL against Monte Carlo and autograd, losses against torch."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

from labkit import generative as gen
from tests.handwritten import autograd_function

SHAPES = [(1, 1), (3, 2), (5, 7), (16, 4)]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed), dtype=dtype)


# gaussian_kl with gaussian_kl_grad as its backward, for gradcheck
_kl = autograd_function(
    lambda mu, logvar: (gen.gaussian_kl(mu, logvar), (mu, logvar)),
    lambda dkl, mu_logvar: tuple(dkl[:, None] * g for g in gen.gaussian_kl_grad(*mu_logvar)),
)


def _reference_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(q, p).sum(dim=1)


# ------------------------------------------------------------------------ KL


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_kl_matches_torch_distributions(shape):
    mu, logvar = _randn(*shape, seed=1), _randn(*shape, seed=2)
    kl = gen.gaussian_kl(mu, logvar)
    assert kl.shape == (shape[0],)
    torch.testing.assert_close(kl, _reference_kl(mu, logvar))
    assert (kl >= 0).all()


def test_gaussian_kl_is_zero_only_at_the_prior():
    zeros = torch.zeros(3, 4)
    assert torch.equal(gen.gaussian_kl(zeros, zeros), torch.zeros(3))
    assert (gen.gaussian_kl(zeros + 0.1, zeros) > 0).all()
    assert (gen.gaussian_kl(zeros, zeros - 0.1) > 0).all()


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_kl_grad_passes_gradcheck(shape):
    mu = _randn(*shape, seed=3).requires_grad_()
    logvar = _randn(*shape, seed=4).requires_grad_()
    assert gradcheck(_kl, (mu, logvar), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_kl_grad_matches_autograd(shape):
    mu = _randn(*shape, seed=5).requires_grad_()
    logvar = _randn(*shape, seed=6).requires_grad_()
    weights = _randn(shape[0], seed=7)
    (gen.gaussian_kl(mu, logvar) * weights).sum().backward()
    dkl_dmu, dkl_dlogvar = gen.gaussian_kl_grad(mu.detach(), logvar.detach())
    torch.testing.assert_close(weights[:, None] * dkl_dmu, mu.grad)
    torch.testing.assert_close(weights[:, None] * dkl_dlogvar, logvar.grad)


@pytest.mark.parametrize("num_samples", [100, 10_000, 200_000])
def test_monte_carlo_kl_agrees_within_its_standard_error(num_samples):
    mu, logvar = _randn(4, 3, seed=8), 0.5 * _randn(4, 3, seed=9)
    kl = gen.gaussian_kl(mu, logvar)
    kl_hat, std_error = gen.monte_carlo_kl(mu, logvar, num_samples, _gen(10))
    assert kl_hat.shape == std_error.shape == (4,)
    # 5 standard errors: a false alarm has probability about 6e-7 per row.
    assert ((kl_hat - kl).abs() <= 5 * std_error).all()


def test_monte_carlo_kl_error_shrinks_like_one_over_sqrt_n():
    mu, logvar = _randn(2, 3, seed=11), 0.5 * _randn(2, 3, seed=12)
    _, se_small = gen.monte_carlo_kl(mu, logvar, 1_000, _gen(13))
    _, se_large = gen.monte_carlo_kl(mu, logvar, 100_000, _gen(13))
    ratio = se_small / se_large
    torch.testing.assert_close(ratio, torch.full((2,), 10.0, dtype=torch.float64), rtol=0.1, atol=0)


def test_monte_carlo_kl_is_seeded():
    mu, logvar = _randn(2, 3, seed=14), _randn(2, 3, seed=15)
    a = gen.monte_carlo_kl(mu, logvar, 50, _gen(0))
    b = gen.monte_carlo_kl(mu, logvar, 50, _gen(0))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


# --------------------------------------------------------- reparameterisation


def test_reparameterize_shape_seed_and_moments():
    mu = torch.tensor([[1.0, -2.0]]).expand(200_000, 2).contiguous()
    logvar = torch.tensor([[0.0, math.log(4.0)]]).expand(200_000, 2).contiguous()
    z = gen.reparameterize(mu, logvar, generator=_gen(0))
    assert z.shape == (200_000, 2) and z.dtype == torch.float32
    assert torch.equal(z, gen.reparameterize(mu, logvar, generator=_gen(0)))
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -2.0]), atol=0.02, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 2.0]), atol=0.02, rtol=0)


def test_reparameterize_lets_gradients_reach_mu_and_logvar():
    mu = _randn(3, 2, seed=16).requires_grad_()
    logvar = _randn(3, 2, seed=17).requires_grad_()
    z = gen.reparameterize(mu, logvar, generator=_gen(1))
    z.sum().backward()
    eps = (z.detach() - mu.detach()) / torch.exp(0.5 * logvar.detach())
    torch.testing.assert_close(mu.grad, torch.ones(3, 2, dtype=torch.float64))
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)


# ---------------------------------------------------------------------- ELBO


@pytest.mark.parametrize("shape", [(1, 1), (4, 9), (3, 28, 28)])
def test_bce_with_logits_matches_torch(shape):
    logits = 30 * _randn(*shape, seed=18)
    targets = torch.rand(*shape, generator=_gen(19), dtype=torch.float64)
    torch.testing.assert_close(
        gen.bce_with_logits(logits, targets),
        F.binary_cross_entropy_with_logits(logits, targets, reduction="none"),
    )


def test_loss_gradients_match_torch_including_logit_zero():
    logits = torch.tensor([0.0, -3.0, 2.5, 0.0, 40.0, -40.0], dtype=torch.float64)
    targets = torch.tensor([1.0, 0.0, 0.3, 0.0, 1.0, 0.0], dtype=torch.float64)
    bce = F.binary_cross_entropy_with_logits
    ones, zeros = torch.ones_like(logits), torch.zeros_like(logits)
    pairs = [
        (lambda l: gen.bce_with_logits(l, targets).sum(), lambda l: bce(l, targets, reduction="sum")),
        (gen.generator_loss_nonsaturating, lambda l: bce(l, ones)),
        (gen.generator_loss_saturating, lambda l: -bce(l, zeros)),
        (lambda l: gen.discriminator_loss(l, l.flip(0)), lambda l: bce(l, ones) + bce(l.flip(0), zeros)),
    ]
    for ours, theirs in pairs:
        a, b = logits.clone().requires_grad_(), logits.clone().requires_grad_()
        ours(a).backward()
        theirs(b).backward()
        torch.testing.assert_close(a.grad, b.grad)


def test_bce_with_logits_is_finite_for_huge_logits():
    logits = torch.tensor([-1e4, 1e4, -200.0, 200.0])
    targets = torch.tensor([1.0, 0.0, 0.0, 1.0])
    out = gen.bce_with_logits(logits, targets)
    torch.testing.assert_close(out, torch.tensor([1e4, 1e4, 0.0, 0.0]))


@pytest.mark.parametrize("x_shape", [(5, 12), (2, 1, 4, 4)])
def test_elbo_terms_sum_over_pixels_mean_over_batch(x_shape):
    x = torch.rand(*x_shape, generator=_gen(20), dtype=torch.float64)
    x_logits = _randn(*x_shape, seed=21)
    mu, logvar = _randn(x_shape[0], 3, seed=22), _randn(x_shape[0], 3, seed=23)
    recon, kl = gen.elbo_terms(x, x_logits, mu, logvar)
    assert recon.shape == kl.shape == ()
    expected = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum") / x_shape[0]
    torch.testing.assert_close(recon, expected)
    torch.testing.assert_close(kl, _reference_kl(mu, logvar).mean())


def test_elbo_terms_rejects_standardised_pixels():
    x = torch.tensor([[-0.4, 2.8]])
    with pytest.raises(ValueError, match=r"\[0, 1\].*normalize=False"):
        gen.elbo_terms(x, torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 2))


# ---------------------------------------------------------------- GAN losses


@pytest.mark.parametrize("shape", [(1,), (7,), (6, 1)])
def test_gan_losses_match_torch_bce(shape):
    real, fake = 20 * _randn(*shape, seed=24), 20 * _randn(*shape, seed=25)
    bce = F.binary_cross_entropy_with_logits
    torch.testing.assert_close(
        gen.discriminator_loss(real, fake),
        bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake)),
    )
    ones, zeros = torch.ones_like(fake), torch.zeros_like(fake)
    torch.testing.assert_close(gen.generator_loss_nonsaturating(fake), bce(fake, ones))
    torch.testing.assert_close(gen.generator_loss_saturating(fake), -bce(fake, zeros))


def test_gan_losses_match_the_log_formulas_where_those_are_stable():
    real, fake = _randn(9, seed=26), _randn(4, seed=27)
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    torch.testing.assert_close(
        gen.discriminator_loss(real, fake), -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
    )
    torch.testing.assert_close(gen.generator_loss_saturating(fake), torch.log(1 - d_fake).mean())
    torch.testing.assert_close(gen.generator_loss_nonsaturating(fake), -torch.log(d_fake).mean())


def test_gan_losses_stay_finite_and_show_saturation():
    fake = torch.tensor([-1e4, -200.0, 200.0], requires_grad=True)
    for loss_fn in (gen.generator_loss_saturating, gen.generator_loss_nonsaturating):
        assert torch.isfinite(loss_fn(fake))
    assert torch.isfinite(gen.discriminator_loss(-fake.detach(), fake.detach()))
    gen.generator_loss_saturating(fake[:1]).backward()
    assert fake.grad[0].abs() < 1e-30  # confidently rejected fakes: no signal
    fake.grad = None
    gen.generator_loss_nonsaturating(fake[:1]).backward()
    torch.testing.assert_close(fake.grad[0], torch.tensor(-1.0))


# --------------------------------------------------------- optimal D and JS


def _gaussian_on_grid(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def test_optimal_discriminator_formula_and_zero_density():
    p_data = torch.tensor([0.2, 0.0, 0.5, 0.0], dtype=torch.float64)
    p_g = torch.tensor([0.6, 0.3, 0.5, 0.0], dtype=torch.float64)
    d = gen.optimal_discriminator(p_data, p_g)
    torch.testing.assert_close(d, torch.tensor([0.25, 0.0, 0.5, 0.5], dtype=torch.float64))


def test_optimal_discriminator_maximises_the_value():
    x = torch.linspace(-6, 8, 2001, dtype=torch.float64)
    dx = (x[1] - x[0]).item()
    p_data, p_g = _gaussian_on_grid(x, 0.0, 1.0), _gaussian_on_grid(x, 1.5, 0.7)
    d_star = gen.optimal_discriminator(p_data, p_g)
    best = gen.gan_value(p_data, p_g, dx=dx)
    torch.testing.assert_close(
        gen.gan_value(p_data, p_g, d_star.clamp(1e-300, 1 - 1e-16), dx), best, atol=1e-6, rtol=0
    )
    for shift in (-0.05, 0.05):
        assert gen.gan_value(p_data, p_g, (d_star + shift).clamp(1e-6, 1 - 1e-6), dx) < best


def test_js_known_values_and_the_minimax_identity():
    x = torch.linspace(-10, 10, 4001, dtype=torch.float64)
    dx = (x[1] - x[0]).item()
    p = _gaussian_on_grid(x, -1.0, 1.0)
    torch.testing.assert_close(gen.js_divergence(p, p, dx), torch.tensor(0.0, dtype=torch.float64))
    far = _gaussian_on_grid(x, 6.0, 0.3)
    near = _gaussian_on_grid(x, 0.0, 0.8)
    torch.testing.assert_close(gen.js_divergence(p, far, dx), gen.js_divergence(far, p, dx))
    for q in (near, far):
        js = gen.js_divergence(p, q, dx)
        assert 0 < js < math.log(2)
        value = gen.gan_value(p, q, dx=dx)
        torch.testing.assert_close(value, -math.log(4) + 2 * js)


def test_js_of_disjoint_supports_is_log_2():
    p = torch.tensor([0.5, 0.5, 0.0, 0.0])
    q = torch.tensor([0.0, 0.0, 0.25, 0.75])
    torch.testing.assert_close(gen.js_divergence(p, q), torch.tensor(math.log(2)))


def test_js_rejects_unnormalised_densities():
    x = torch.linspace(-5, 5, 101)
    p = _gaussian_on_grid(x, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"integrate to 1.*dx"):
        gen.js_divergence(p, p)  # forgot dx = 0.1
    with pytest.raises(ValueError, match=">= 0"):
        gen.js_divergence(torch.tensor([1.5, -0.5]), torch.tensor([0.5, 0.5]))


# ------------------------------------------------------------- ring of modes


def test_ring_of_gaussians_shapes_seed_and_geometry():
    X, labels = gen.ring_of_gaussians(4000, modes=6, radius=3.0, std=0.02, generator=_gen(0))
    assert X.shape == (4000, 2) and X.dtype == torch.float32
    assert labels.shape == (4000,) and labels.dtype == torch.int64
    assert set(labels.tolist()) == set(range(6))
    X2, labels2 = gen.ring_of_gaussians(4000, modes=6, radius=3.0, std=0.02, generator=_gen(0))
    assert torch.equal(X, X2) and torch.equal(labels, labels2)
    angle = 2 * math.pi * labels.float() / 6
    centres = 3.0 * torch.stack([angle.cos(), angle.sin()], dim=1)
    torch.testing.assert_close((X - centres).std().item(), 0.02, atol=1e-3, rtol=0)


def test_modes_covered_on_ring_samples():
    X, labels = gen.ring_of_gaussians(2000, generator=_gen(1))
    cover = gen.modes_covered(X)
    assert cover.count == 8
    assert cover.per_mode.sum().item() == round(cover.high_quality * 2000)
    # In 2-D the distance to the centre exceeds 3 std with probability exp(-9/2).
    assert cover.high_quality == pytest.approx(1 - math.exp(-4.5), abs=0.01)


def test_modes_covered_on_constructed_cases():
    angles = 2 * math.pi * torch.tensor([0.0, 0.0, 0.0, 2.0, 2.0, 5.0]) / 8
    on_modes = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    off_ring = torch.tensor([[0.0, 0.0], [2.3, 0.0], [10.0, 10.0], [1.2, 1.2]])
    samples = torch.cat([on_modes, off_ring])
    count, per_mode, high_quality = gen.modes_covered(samples, min_count=1)
    assert count == 3
    assert per_mode.tolist() == [3, 0, 2, 0, 0, 1, 0, 0]
    assert high_quality == pytest.approx(6 / 10)
    assert gen.modes_covered(samples, min_count=2).count == 2
    assert gen.modes_covered(samples, threshold=0.31, min_count=1).per_mode[0] == 4


def test_modes_covered_sees_a_collapsed_generator():
    X, _ = gen.ring_of_gaussians(1000, generator=_gen(2))
    collapsed = X[torch.cdist(X, X[:1]).squeeze(1) < 0.3]
    assert gen.modes_covered(collapsed).count == 1


# ------------------------------------------------------------------- errors


Z23, Z24, Z32 = torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(3, 2)
HALF = torch.full((2,), 0.5)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gen.gaussian_kl(torch.zeros(3), torch.zeros(3)), ValueError, "mu must have 2"),
        (lambda: gen.gaussian_kl(Z23, Z24), ValueError, "same shape"),
        (lambda: gen.gaussian_kl(Z23, Z23.double()), TypeError, "dtype"),
        (lambda: gen.gaussian_kl([[0.0]], [[0.0]]), TypeError, "torch.Tensor"),
        (lambda: gen.gaussian_kl_grad(Z23.long(), Z23), TypeError, "floating"),
        (lambda: gen.reparameterize(Z23, Z23, generator=0), TypeError, "Generator"),
        (lambda: gen.monte_carlo_kl(Z23, Z23, 1), ValueError, "at least 2"),
        (lambda: gen.monte_carlo_kl(Z23, Z23, 2.5), ValueError, "positive integer"),
        (lambda: gen.bce_with_logits(torch.zeros(3), torch.zeros(4)), ValueError, "same shape"),
        (lambda: gen.bce_with_logits(Z23, Z23.double()), TypeError, "dtype"),
        (lambda: gen.elbo_terms(torch.zeros(3), torch.zeros(3), Z32, Z32), ValueError, "at least 2"),
        (lambda: gen.elbo_terms(Z32, Z32, Z23, Z23), ValueError, r"\(3, num_latents\)"),
        (lambda: gen.discriminator_loss(Z32, torch.zeros(3)), ValueError, r"\(N,\) or \(N, 1\)"),
        (lambda: gen.discriminator_loss(HALF, HALF.double()), TypeError, "dtype"),
        (lambda: gen.generator_loss_saturating(torch.zeros(0)), ValueError, "at least one"),
        (lambda: gen.generator_loss_nonsaturating(HALF.long()), TypeError, "floating"),
        (lambda: gen.optimal_discriminator(torch.ones(3), torch.ones(4)), ValueError, "same shape"),
        (lambda: gen.optimal_discriminator(torch.ones(3), -torch.ones(3)), ValueError, ">= 0"),
        (lambda: gen.js_divergence(HALF, HALF, dx=0), ValueError, "dx must be a positive"),
        (lambda: gen.js_divergence(HALF, torch.full((3,), 1 / 3)), ValueError, "same shape"),
        (lambda: gen.gan_value(HALF, HALF, torch.full((2,), 1.5)), ValueError, r"\[0, 1\]"),
        (lambda: gen.gan_value(HALF, HALF, HALF.double()), TypeError, "dtype"),
        (lambda: gen.ring_of_gaussians(0), ValueError, "n must be a positive integer"),
        (lambda: gen.ring_of_gaussians(10, std=-1.0), ValueError, "std must be a positive"),
        (lambda: gen.modes_covered(torch.zeros(5, 3)), ValueError, r"shape \(N, 2\)"),
        (lambda: gen.modes_covered(torch.zeros(5, 2), threshold=0), ValueError, "threshold"),
        (lambda: gen.modes_covered(torch.zeros(5, 2), min_count=0), ValueError, "min_count"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
