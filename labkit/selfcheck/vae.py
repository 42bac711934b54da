"""Self-checks of tutorial 19, "Encoder–decoders and VAEs".

The references are short functions here and [`labkit.generative`][labkit.generative]'s
Gaussian KL, reparameterisation and ELBO terms. Inputs are random and
non-symmetric (batch size ≠ latent size ≠ data size, σ ≠ 1), so that a
transposed product, a missing 1/2 or a variance used as a standard deviation
give different numbers.
"""

from __future__ import annotations

import torch

from labkit import generative
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "19-autoencoders-vae"

_F64 = torch.float64


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32, scale: float = 1.0) -> torch.Tensor:
    return scale * torch.randn(*shape, generator=gen, dtype=dtype)


def _pixels(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.rand(*shape, generator=gen, dtype=dtype)


# ---------------------------------------------------------------- 19.1 teacher forcing


def seq2seq_batch(src: torch.Tensor, bos: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference: (decoder_in, target) for reversing digit strings, teacher forcing."""
    target = src.flip(1)
    decoder_in = torch.cat([torch.full_like(src[:, :1], bos), target[:, :-1]], dim=1)
    return decoder_in, target


def _bos_column(src: torch.Tensor, bos: int) -> torch.Tensor:
    return torch.full_like(src[:, :1], bos)


def _digit_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([[3, 1, 4, 1], [5, 9, 2, 6]]), 10),
        (torch.randint(10, (4, 6), generator=gen), 10),
        (torch.randint(10, (3, 9), generator=gen), 10),
    ]


# ---------------------------------------------------------------- 19.3 linear autoencoder


def linear_ae_loss(E: torch.Tensor, D: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    """Reference: tr C − 2 tr(E C D) + tr(DᵀD E C Eᵀ), the mean of ‖x − D E x‖²."""
    return torch.trace(C) - 2 * torch.trace(E @ C @ D) + torch.trace((D.T @ D) @ (E @ C @ E.T))


def _covariance(gen: torch.Generator, n: int, d: int, dtype: torch.dtype) -> torch.Tensor:
    X = _randn(gen, n, d, dtype=dtype)
    return X.T @ X / n


def _linear_ae_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for k, d, dtype in ((1, 3, torch.float32), (2, 5, _F64), (3, 7, _F64)):
        cases.append((_randn(gen, k, d, dtype=dtype), _randn(gen, d, k, dtype=dtype), _covariance(gen, 10, d, dtype)))
    return cases


def principal_angles(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Reference: principal angles (radians, ascending) between the column spaces of A and B."""
    Q_A, _ = torch.linalg.qr(A)
    Q_B, _ = torch.linalg.qr(B)
    cosines = torch.linalg.svdvals(Q_A.T @ Q_B).clamp(max=1.0)  # descending
    return torch.acos(cosines)  # ascending


def _angle_cases(gen: torch.Generator) -> list[tuple]:
    A = _randn(gen, 6, 2, dtype=_F64, scale=3.0)
    mix = torch.tensor([[2.0, 1.0], [0.5, -1.0]], dtype=_F64)
    return [
        (_randn(gen, 4, 2, dtype=_F64, scale=3.0), _randn(gen, 4, 2, dtype=_F64, scale=3.0)),
        (_randn(gen, 7, 3, dtype=_F64, scale=3.0), _randn(gen, 7, 3, dtype=_F64, scale=3.0)),
        (A, A @ mix + 0.3 * _randn(gen, 6, 2, dtype=_F64)),
    ]


def _angles_unorthonormalised(A, B):
    return torch.acos(torch.linalg.svdvals(A.T @ B).clamp(max=1.0))


# ---------------------------------------------------------------- 19.4 the reconstruction loss


def reconstruction_loss(x_logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Reference: binary cross-entropy summed over pixels, averaged over the batch."""
    return generative.bce_with_logits(x_logits, x).reshape(len(x), -1).sum(dim=1).mean()


def _bce(x_logits, x):
    return generative.bce_with_logits(x_logits, x)


def _reconstruction_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 2, 4, scale=2.0), _pixels(gen, 2, 4)),
        (_randn(gen, 3, 6, scale=2.0), _pixels(gen, 3, 6)),
        (_randn(gen, 4, 9, dtype=_F64, scale=2.0), _pixels(gen, 4, 9, dtype=_F64)),
    ]


# ---------------------------------------------------------------- 19.5 denoising


def corrupt(x: torch.Tensor, eps: torch.Tensor, sigma: float) -> torch.Tensor:
    """Reference: x + σ ε, clamped to the pixel range [0, 1]."""
    return (x + sigma * eps).clamp(0.0, 1.0)


def _corrupt_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_pixels(gen, 2, 5), _randn(gen, 2, 5), 0.5),
        (_pixels(gen, 3, 4), _randn(gen, 3, 4), 0.3),
        (_pixels(gen, 2, 3, 3, dtype=_F64), _randn(gen, 2, 3, 3, dtype=_F64), 0.7),
    ]


# ---------------------------------------------------------------- 19.6 KL and reparameterisation


def _gaussian_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 1, 2), _randn(gen, 1, 2, scale=0.7)),
        (_randn(gen, 3, 2), _randn(gen, 3, 2, scale=0.7)),
        (_randn(gen, 4, 5, dtype=_F64), _randn(gen, 4, 5, dtype=_F64, scale=0.7)),
    ]


def _kl_terms(mu, logvar, var=None, log_term=None, minus_one=1.0):
    var = logvar.exp() if var is None else var
    log_term = -logvar if log_term is None else log_term
    return var + mu**2 - minus_one + log_term


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Reference: z = μ + σ ε with σ = exp(logvar / 2)."""
    return mu + torch.exp(0.5 * logvar) * eps


def _reparameterize_cases(gen: torch.Generator) -> list[tuple]:
    return [case + (_randn(gen, *case[0].shape, dtype=case[0].dtype),) for case in _gaussian_cases(gen)]


# ---------------------------------------------------------------- 19.7 the negative ELBO


def negative_elbo(x, x_logits, mu, logvar):
    """Reference: (recon, kl), both averaged over the batch (labkit.generative.elbo_terms)."""
    return generative.elbo_terms(x, x_logits, mu, logvar)


def _elbo_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, d, k, dtype in ((2, 6, 3, torch.float32), (3, 8, 2, torch.float32), (4, 5, 2, _F64)):
        cases.append((_pixels(gen, n, d, dtype=dtype), _randn(gen, n, d, dtype=dtype, scale=2.0),
                      _randn(gen, n, k, dtype=dtype), _randn(gen, n, k, dtype=dtype, scale=0.7)))
    return cases


def _recon(x, x_logits):
    return reconstruction_loss(x_logits, x)


register(
    Exercise(
        name="seq2seq_batch",
        page=PAGE,
        reference=seq2seq_batch,
        cases=_digit_cases,
        what="target = the reversed string, decoder input = BOS then the target shifted right",
        output_names=("decoder_in", "target"),
        mistakes=[
            Mistake(
                "the target is the string reversed (src.flip(1)), not the string itself.",
                lambda src, bos: (torch.cat([_bos_column(src, bos), src[:, :-1]], 1), src),
            ),
            Mistake(
                "decoder_in equals the target: the decoder would be shown the digit it must predict. "
                "Teacher forcing feeds the previous true digit: BOS, then target[:, :-1].",
                lambda src, bos: (src.flip(1), src.flip(1)),
            ),
            Mistake(
                "BOS goes first: decoder_in = [BOS, target[0], …, target[L−2]], so that step t sees "
                "the true digit of step t − 1.",
                lambda src, bos: (torch.cat([src.flip(1)[:, 1:], _bos_column(src, bos)], 1), src.flip(1)),
            ),
            Mistake(
                "flip(0) reverses the order of the strings in the batch; reverse each string along "
                "time with flip(1).",
                lambda src, bos: seq2seq_batch(src.flip(0).flip(1), bos),
            ),
        ],
    ),
    Exercise(
        name="linear_ae_loss",
        page=PAGE,
        reference=linear_ae_loss,
        cases=_linear_ae_cases,
        what="equals tr C − 2 tr(E C D) + tr(DᵀD E C Eᵀ)",
        mistakes=[
            Mistake(
                "the cross term appears twice in ‖x − DEx‖² = xᵀx − 2 xᵀDEx + ‖DEx‖²: "
                "−2 tr(E C D), not −tr(E C D).",
                lambda E, D, C: torch.trace(C) - torch.trace(E @ C @ D) + torch.trace(D.T @ D @ E @ C @ E.T),
            ),
            Mistake(
                "tr C, the mean of ‖x‖², is missing: it does not change the gradient, but without it "
                "the value is not the reconstruction error.",
                lambda E, D, C: -2 * torch.trace(E @ C @ D) + torch.trace(D.T @ D @ E @ C @ E.T),
            ),
            Mistake(
                "‖DEx‖² = xᵀEᵀDᵀDEx: the last term is tr(DᵀD E C Eᵀ); dropping DᵀD assumes the "
                "decoder's columns are orthonormal, which training does not guarantee.",
                lambda E, D, C: torch.trace(C) - 2 * torch.trace(E @ C @ D) + torch.trace(E @ C @ E.T),
            ),
            Mistake(
                "the cross term is subtracted: ‖x − DEx‖² = xᵀx − 2 xᵀDEx + ‖DEx‖².",
                lambda E, D, C: torch.trace(C) + 2 * torch.trace(E @ C @ D) + torch.trace(D.T @ D @ E @ C @ E.T),
            ),
        ],
    ),
    Exercise(
        name="principal_angles",
        page=PAGE,
        reference=principal_angles,
        cases=_angle_cases,
        what="equals acos of the singular values of Q_Aᵀ Q_B, in radians, smallest first",
        mistakes=[
            Mistake(
                "the singular values of AᵀB are cosines only when A and B have orthonormal columns: "
                "orthonormalise both first (Q, _ = torch.linalg.qr(A)).",
                _angles_unorthonormalised,
            ),
            Mistake(
                "the singular values of AᵀB are cosines only when A and B have orthonormal columns: "
                "orthonormalise both first (Q, _ = torch.linalg.qr(A)).",
                lambda A, B: torch.acos(torch.linalg.svdvals(A.T @ B)),
            ),
            Mistake("these are degrees; return radians (the page converts for display).",
                    lambda A, B: torch.rad2deg(principal_angles(A, B))),
            Mistake(
                "the angles come out largest first: svdvals sorts the cosines in descending order, so "
                "their acos is already ascending; do not flip.",
                lambda A, B: principal_angles(A, B).flip(0),
            ),
            Mistake("these are the cosines (the singular values); the angles are their acos.",
                    lambda A, B: torch.cos(principal_angles(A, B))),
        ],
    ),
    Exercise(
        name="reconstruction_loss",
        page=PAGE,
        reference=reconstruction_loss,
        cases=_reconstruction_cases,
        what="equals the binary cross-entropy summed over pixels, averaged over the batch",
        mistakes=[
            Mistake(
                "it also averages over the pixels: −log p(x | z) of an image is the sum over its "
                "pixels; average over the batch only (reduction='sum', then / len(x)).",
                lambda x_logits, x: _bce(x_logits, x).mean(),
            ),
            Mistake(
                "it sums over the batch as well: divide by the batch size, so the loss does not grow "
                "with it.",
                lambda x_logits, x: _bce(x_logits, x).sum(),
            ),
            Mistake(
                "x_logits are logits already: binary_cross_entropy_with_logits applies the sigmoid "
                "itself, so do not pass torch.sigmoid(x_logits).",
                lambda x_logits, x: reconstruction_loss(torch.sigmoid(x_logits), x),
            ),
            Mistake(
                "this is the squared error of sigmoid(x_logits); the Bernoulli decoder's loss is the "
                "binary cross-entropy.",
                lambda x_logits, x: ((torch.sigmoid(x_logits) - x) ** 2).reshape(len(x), -1).sum(1).mean(),
            ),
            Mistake(
                "the arguments are swapped: binary_cross_entropy_with_logits(input=x_logits, target=x).",
                lambda x_logits, x: reconstruction_loss(x, x_logits),
            ),
        ],
    ),
    Exercise(
        name="corrupt",
        page=PAGE,
        reference=corrupt,
        cases=_corrupt_cases,
        what="equals x + σε clamped to [0, 1]",
        mistakes=[
            Mistake("the noisy pixels must stay in [0, 1], the range of the images: clamp after adding the noise.",
                    lambda x, eps, sigma: x + sigma * eps),
            Mistake("σ is the noise's standard deviation: add σ·ε, not σ²·ε.",
                    lambda x, eps, sigma: (x + sigma**2 * eps).clamp(0, 1)),
            Mistake(
                "the noise is added, not multiplied: x·(1 + σε) leaves the black background black, "
                "and the network never sees noise there.",
                lambda x, eps, sigma: (x * (1 + sigma * eps)).clamp(0, 1),
            ),
        ],
    ),
    Exercise(
        name="gaussian_kl",
        page=PAGE,
        reference=generative.gaussian_kl,
        cases=_gaussian_cases,
        what="equals ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²), one value per row",
        mistakes=[
            Mistake("the factor ½ is missing: KL = ½ Σ_j (σ_j² + μ_j² − 1 − log σ_j²).",
                    lambda mu, logvar: _kl_terms(mu, logvar).sum(1)),
            Mistake(
                "logvar is log σ², so σ² = exp(logvar), not exp(2·logvar), and log σ² = logvar.",
                lambda mu, logvar: 0.5 * _kl_terms(mu, logvar, var=(2 * logvar).exp(), log_term=-2 * logvar).sum(1),
            ),
            Mistake("the log term has a minus sign: … − 1 − log σ², so that the KL is 0 at σ = 1, μ = 0 "
                    "and grows as σ shrinks.",
                    lambda mu, logvar: 0.5 * _kl_terms(mu, logvar, log_term=logvar).sum(1)),
            Mistake("sum over the latent dimensions, do not average: the KL of independent dimensions adds up.",
                    lambda mu, logvar: 0.5 * _kl_terms(mu, logvar).mean(1)),
            Mistake("the −1 is missing: it makes KL(N(0, 1) ‖ N(0, 1)) = 0.",
                    lambda mu, logvar: 0.5 * _kl_terms(mu, logvar, minus_one=0.0).sum(1)),
        ],
    ),
    Exercise(
        name="reparameterize",
        page=PAGE,
        reference=reparameterize,
        cases=_reparameterize_cases,
        what="equals μ + exp(logvar / 2) ε",
        mistakes=[
            Mistake("exp(logvar) is the variance σ²; scale ε by the standard deviation σ = exp(logvar / 2).",
                    lambda mu, logvar, eps: mu + logvar.exp() * eps),
            Mistake("logvar is a log-variance: σ = exp(logvar / 2), not logvar.",
                    lambda mu, logvar, eps: mu + logvar * eps),
            Mistake("ε carries the randomness: z = μ + σ ε, not μ + σ.",
                    lambda mu, logvar, eps: mu + torch.exp(0.5 * logvar)),
            Mistake("the mean μ is missing: z = μ + σ ε.",
                    lambda mu, logvar, eps: torch.exp(0.5 * logvar) * eps),
        ],
    ),
    Exercise(
        name="negative_elbo",
        page=PAGE,
        reference=negative_elbo,
        cases=_elbo_cases,
        what="equals (reconstruction term, KL term), each averaged over the batch",
        output_names=("recon", "kl"),
        mistakes=[
            Mistake("the KL is summed over the batch; average it like the reconstruction term, "
                    "so that both are per example.",
                    lambda x, x_logits, mu, logvar: (_recon(x, x_logits), generative.gaussian_kl(mu, logvar).sum())),
            Mistake(
                "the reconstruction term also averages over the pixels; sum over pixels, average over the "
                "batch, or the KL is weighted 784 times too much on MNIST.",
                lambda x, x_logits, mu, logvar: (_bce(x_logits, x).mean(), generative.gaussian_kl(mu, logvar).mean()),
            ),
            Mistake(
                "this is −KL: the form −½ Σ (1 + log σ² − μ² − σ²) needs its leading minus. "
                "The KL is never negative.",
                lambda x, x_logits, mu, logvar: (_recon(x, x_logits), -generative.gaussian_kl(mu, logvar).mean()),
            ),
            Mistake(
                "the KL averages over the latent dimensions; sum over them, then average over the batch.",
                lambda x, x_logits, mu, logvar: (_recon(x, x_logits),
                                                 generative.gaussian_kl(mu, logvar).mean() / mu.shape[1]),
            ),
        ],
    ),
)
