"""Self-checks of tutorial 19: wrong answers a student writes, and the hint each gets.

Also checks the references against torch: the covariance form of the linear
autoencoder's loss against the mean over the data, the principal angles against the
projection-difference formula, the reconstruction loss against
``F.binary_cross_entropy_with_logits``, the KL against ``torch.distributions``, and the
reparameterisation's gradient against the one autograd gets through the same sample.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from labkit import selfcheck
from labkit.selfcheck import vae as checks


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- wrong answers, as written


def batch_no_reverse(src, bos):
    start = torch.full((src.shape[0], 1), bos, dtype=src.dtype)
    return torch.cat((start, src[:, :-1]), dim=1), src.clone()


def batch_no_shift(src, bos):
    target = torch.flip(src, dims=[1])
    return target.clone(), target


def batch_bos_last(src, bos):
    target = torch.flip(src, dims=[1])
    end = torch.full((src.shape[0], 1), bos, dtype=src.dtype)
    return torch.cat((target[:, 1:], end), dim=1), target


def batch_flip_batch(src, bos):
    target = torch.flip(src, dims=[0])
    start = torch.full((src.shape[0], 1), bos, dtype=src.dtype)
    return torch.cat((start, target[:, :-1]), dim=1), target


def ae_loss_single_cross(E, D, C):
    return C.trace() - (E @ C @ D).trace() + (D.T @ D @ E @ C @ E.T).trace()


def ae_loss_no_trace_c(E, D, C):
    M = E @ C
    return -2 * (M @ D).trace() + ((D.T @ D) @ (M @ E.T)).trace()


def ae_loss_orthonormal_decoder(E, D, C):
    return torch.trace(C) - 2 * torch.trace(E @ C @ D) + torch.trace(E @ C @ E.T)


def ae_loss_plus(E, D, C):
    return torch.trace(C) + 2 * torch.trace(D @ E @ C) + torch.trace(D @ E @ C @ E.T @ D.T)


def angles_no_qr(A, B):
    return torch.arccos(torch.clamp(torch.linalg.svd(A.T @ B).S, -1.0, 1.0))


def angles_degrees(A, B):
    qa, qb = torch.linalg.qr(A).Q, torch.linalg.qr(B).Q
    return torch.acos(torch.linalg.svdvals(qa.T @ qb).clamp(max=1)) * 180 / math.pi


def angles_sorted_descending(A, B):
    qa, qb = torch.linalg.qr(A).Q, torch.linalg.qr(B).Q
    angles = torch.acos(torch.linalg.svdvals(qa.T @ qb).clamp(max=1))
    return torch.sort(angles, descending=True).values


def angles_cosines(A, B):
    qa, qb = torch.linalg.qr(A).Q, torch.linalg.qr(B).Q
    return torch.linalg.svdvals(qa.T @ qb)


def recon_mean_everything(x_logits, x):
    return F.binary_cross_entropy_with_logits(x_logits, x)


def recon_sum_everything(x_logits, x):
    return F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum")


def recon_double_sigmoid(x_logits, x):
    return F.binary_cross_entropy_with_logits(torch.sigmoid(x_logits), x, reduction="sum") / len(x)


def recon_squared_error(x_logits, x):
    return ((torch.sigmoid(x_logits) - x) ** 2).sum(dim=1).mean()


def recon_swapped(x_logits, x):
    return F.binary_cross_entropy_with_logits(x, x_logits, reduction="sum") / x.shape[0]


def kl_student(mu, logvar, half=True, log_sigma=False, log_sign=-1.0, reduce="sum", minus_one=True):
    var = torch.exp(2 * logvar) if log_sigma else torch.exp(logvar)
    log_var = 2 * logvar if log_sigma else logvar
    terms = var + mu.pow(2) + log_sign * log_var - (1 if minus_one else 0)
    total = terms.sum(dim=1) if reduce == "sum" else terms.mean(dim=1)
    return 0.5 * total if half else total


def elbo_student(x, x_logits, mu, logvar, kl_reduce="mean", recon_reduce="sum", kl_sign=1.0, kl_dims="sum"):
    bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")
    recon = bce.mean() if recon_reduce == "mean" else bce.sum(dim=1).mean()
    per_dim = 0.5 * (logvar.exp() + mu**2 - 1 - logvar)
    kl = per_dim.sum(dim=1) if kl_dims == "sum" else per_dim.mean(dim=1)
    kl = kl.sum() if kl_reduce == "sum" else kl.mean()
    return recon, kl_sign * kl


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("seq2seq_batch", batch_no_reverse, "the string reversed"),
        ("seq2seq_batch", batch_no_shift, "shown the digit it must predict"),
        ("seq2seq_batch", batch_bos_last, "BOS goes first"),
        ("seq2seq_batch", batch_flip_batch, "flip(0) reverses the order"),
        ("linear_ae_loss", ae_loss_single_cross, "−2 tr(E C D)"),
        ("linear_ae_loss", ae_loss_no_trace_c, "tr C, the mean of ‖x‖²"),
        ("linear_ae_loss", ae_loss_orthonormal_decoder, "dropping DᵀD"),
        ("linear_ae_loss", ae_loss_plus, "cross term is subtracted"),
        ("principal_angles", angles_no_qr, "orthonormalise both first"),
        ("principal_angles", angles_degrees, "these are degrees"),
        ("principal_angles", angles_sorted_descending, "largest first"),
        ("principal_angles", angles_cosines, "these are the cosines"),
        ("reconstruction_loss", recon_mean_everything, "also averages over the pixels"),
        ("reconstruction_loss", recon_sum_everything, "sums over the batch as well"),
        ("reconstruction_loss", recon_double_sigmoid, "logits already"),
        ("reconstruction_loss", recon_squared_error, "squared error"),
        ("reconstruction_loss", recon_swapped, "arguments are swapped"),
        ("corrupt", lambda x, eps, sigma: x + eps * sigma, "clamp after adding the noise"),
        ("corrupt", lambda x, eps, sigma: torch.clamp(x + eps * sigma * sigma, 0, 1), "add σ·ε, not σ²·ε"),
        ("corrupt", lambda x, eps, sigma: torch.clamp(x + x * sigma * eps, 0.0, 1.0), "added, not multiplied"),
        ("gaussian_kl", lambda mu, lv: kl_student(mu, lv, half=False), "factor ½ is missing"),
        ("gaussian_kl", lambda mu, lv: kl_student(mu, lv, log_sigma=True), "σ² = exp(logvar)"),
        ("gaussian_kl", lambda mu, lv: kl_student(mu, lv, log_sign=1.0), "log term has a minus sign"),
        ("gaussian_kl", lambda mu, lv: kl_student(mu, lv, reduce="mean"), "do not average"),
        ("gaussian_kl", lambda mu, lv: kl_student(mu, lv, minus_one=False), "the −1 is missing"),
        ("reparameterize", lambda mu, lv, eps: mu + torch.exp(lv) * eps, "variance σ²"),
        ("reparameterize", lambda mu, lv, eps: mu + eps * lv, "not logvar"),
        ("reparameterize", lambda mu, lv, eps: mu + (0.5 * lv).exp(), "ε carries the randomness"),
        ("reparameterize", lambda mu, lv, eps: eps * torch.sqrt(torch.exp(lv)), "the mean μ is missing"),
        ("negative_elbo", lambda *a: elbo_student(*a, kl_reduce="sum"), "KL is summed over the batch"),
        ("negative_elbo", lambda *a: elbo_student(*a, recon_reduce="mean"), "also averages over the pixels"),
        ("negative_elbo", lambda *a: elbo_student(*a, kl_sign=-1.0), "this is −KL"),
        ("negative_elbo", lambda *a: elbo_student(*a, kl_dims="mean"), "averages over the latent dimensions"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


# ---------------------------------------------------------------- references against torch


def test_seq2seq_batch_on_an_example():
    decoder_in, target = checks.seq2seq_batch(torch.tensor([[3, 1, 4, 1, 5]]), 10)
    assert decoder_in.tolist() == [[10, 5, 1, 4, 1]]
    assert target.tolist() == [[5, 1, 4, 1, 3]]


@pytest.mark.parametrize(("n", "d", "k"), [(50, 6, 1), (40, 9, 3), (30, 5, 5)])
def test_linear_ae_loss_equals_the_mean_over_the_data(n, d, k):
    gen = torch.Generator().manual_seed(n)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64) @ torch.randn(d, d, generator=gen, dtype=torch.float64)
    E = torch.randn(k, d, generator=gen, dtype=torch.float64)
    D = torch.randn(d, k, generator=gen, dtype=torch.float64)
    direct = ((X @ E.T @ D.T - X) ** 2).sum(dim=1).mean()
    assert torch.allclose(checks.linear_ae_loss(E, D, X.T @ X / n), direct, atol=1e-10)


def test_linear_ae_loss_gradient_matches_autograd_of_the_data_form():
    gen = torch.Generator().manual_seed(1)
    X = torch.randn(30, 7, generator=gen, dtype=torch.float64)
    E = torch.randn(2, 7, generator=gen, dtype=torch.float64, requires_grad=True)
    D = torch.randn(7, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    grads_cov = torch.autograd.grad(checks.linear_ae_loss(E, D, X.T @ X / 30), (E, D))
    grads_data = torch.autograd.grad(((X @ E.T @ D.T - X) ** 2).sum(dim=1).mean(), (E, D))
    for a, b in zip(grads_cov, grads_data):
        assert torch.allclose(a, b, atol=1e-10)


def test_principal_angles_of_a_subspace_and_a_reparametrisation_are_zero():
    gen = torch.Generator().manual_seed(0)
    A = torch.randn(10, 3, generator=gen, dtype=torch.float64)
    mix = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    assert checks.principal_angles(A, A @ mix).abs().max() < 1e-6


def test_principal_angles_against_the_projection_formula():
    gen = torch.Generator().manual_seed(2)
    A = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    B = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    angles = checks.principal_angles(A, B)
    assert torch.all(angles[1:] >= angles[:-1])
    QA, QB = torch.linalg.qr(A).Q, torch.linalg.qr(B).Q
    largest = torch.linalg.matrix_norm(QA @ QA.T - QB @ QB.T, ord=2)
    assert torch.allclose(torch.sin(angles[-1]), largest, atol=1e-12)


def test_principal_angles_of_orthogonal_axes():
    e = torch.eye(4, dtype=torch.float64)
    angles = checks.principal_angles(e[:, :2], e[:, [1, 2]])
    assert torch.allclose(angles, torch.tensor([0.0, math.pi / 2], dtype=torch.float64), atol=1e-7)


def test_reconstruction_loss_against_torch():
    gen = torch.Generator().manual_seed(0)
    logits = 5 * torch.randn(6, 784, generator=gen, dtype=torch.float64)
    x = torch.rand(6, 784, generator=gen, dtype=torch.float64)
    expected = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 6
    assert torch.allclose(checks.reconstruction_loss(logits, x), expected, atol=1e-9)


def test_corrupt_keeps_pixels_in_range():
    gen = torch.Generator().manual_seed(0)
    out = checks.corrupt(torch.rand(100, generator=gen), torch.randn(100, generator=gen), 0.5)
    assert out.min() >= 0 and out.max() <= 1


def test_gaussian_kl_against_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    logvar = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(q, p).sum(dim=1)
    got = selfcheck.exercises()["gaussian_kl"].reference(mu, logvar)
    assert torch.allclose(got, expected, atol=1e-12)


def test_reparameterize_gradients_are_the_chain_rule():
    gen = torch.Generator().manual_seed(0)
    mu = torch.randn(4, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    logvar = torch.randn(4, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    eps = torch.randn(4, 2, generator=gen, dtype=torch.float64)
    z = checks.reparameterize(mu, logvar, eps)
    dmu, dlogvar = torch.autograd.grad(z.sum(), (mu, logvar))
    assert torch.allclose(dmu, torch.ones_like(dmu))
    assert torch.allclose(dlogvar, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
