"""Losses and samplers for generative models, written by hand.

Two families live here:

- **Variational autoencoders.** The closed-form KL divergence of a diagonal
  Gaussian from the standard normal (``gaussian_kl``, its gradient
  ``gaussian_kl_grad``, and a Monte Carlo estimate ``monte_carlo_kl`` to
  check it against), the reparameterisation trick (``reparameterize``) and
  the two terms of the negative ELBO (``elbo_terms``). Derived in the
  tutorial "Encoder-decoders and VAEs" (``tutorials/19-autoencoders-vae.py``).
- **Generative adversarial networks.** The discriminator's loss and the two
  generator losses (saturating and non-saturating), all from logits; the optimal
  discriminator, the Jensen-Shannon divergence and the minimax value on densities
  given on a grid; and the 8-Gaussian ring with a mode-coverage count. Derived in
  the tutorial "Generative adversarial networks" (``tutorials/20-gans.py``).

Every loss takes *logits* (the pre-sigmoid scores) rather than probabilities,
because the logs computed as written break down in float32: ``log(sigmoid(l))``
is ``-inf`` once ``l`` is below about -88, and ``log(1 - sigmoid(l))`` already
once ``l`` is above about 17 (``1 - sigmoid(l)`` rounds to 0). ``bce_with_logits``
and the GAN losses use the softplus identities ``-log(sigmoid(l)) = softplus(-l)``
and ``-log(1 - sigmoid(l)) = softplus(l)`` with ``softplus(l) = max(l, 0) +
log(1 + exp(-|l|))``, which never overflow.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

from labkit._validate import check_positive_int, check_same_shape, check_tensor

__all__ = [
    "gaussian_kl",
    "gaussian_kl_grad",
    "monte_carlo_kl",
    "reparameterize",
    "bce_with_logits",
    "elbo_terms",
    "discriminator_loss",
    "generator_loss_saturating",
    "generator_loss_nonsaturating",
    "optimal_discriminator",
    "js_divergence",
    "gan_value",
    "ring_of_gaussians",
    "ModeCoverage",
    "modes_covered",
]


def _check_generator(generator: object) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        kind = type(generator).__name__
        raise TypeError(f"generator must be a torch.Generator or None, got {kind}")


def _check_positive_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_gaussian(mu: object, logvar: object) -> None:
    check_tensor(mu, "mu", ndim=2, floating=True)
    check_tensor(logvar, "logvar", ndim=2, dtype=mu.dtype)  # type: ignore[union-attr]
    check_same_shape(mu, logvar, "mu", "logvar")  # type: ignore[arg-type]


def _softplus(x: torch.Tensor) -> torch.Tensor:
    # log(1 + exp(x)) = logaddexp(x, 0), which torch evaluates as max(x, 0) + log1p(exp(-|x|)).
    # Writing that formula out would give autograd the subgradients of max and |.| at 0, so
    # softplus'(0) would come out 0 instead of 1/2; logaddexp's own backward is sigmoid(x).
    return torch.logaddexp(x, torch.zeros_like(x))


# ------------------------------------------------------------------------ VAE


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) for each row, in closed form.

    ``KL = 1/2 * sum_j (exp(logvar_j) + mu_j**2 - 1 - logvar_j)``. The encoder
    outputs the log-variance rather than the standard deviation so that any real
    number is a valid output.

    Args:
        mu: means, shape (N, num_latents).
        logvar: log-variances, shape (N, num_latents), same dtype as ``mu``.

    Returns:
        The divergence of each row, shape (N,), non-negative, in nats.

    Raises:
        TypeError: non-tensors, non-float or mixed dtypes.
        ValueError: shapes other than two equal (N, num_latents).

    Examples:
        >>> gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 3))
        tensor([0., 0.])
        >>> gaussian_kl(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]]))
        tensor([0.5000])
    """
    _check_gaussian(mu, logvar)
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum(dim=1)  # (N,)


def gaussian_kl_grad(mu: torch.Tensor, logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Partial derivatives of ``gaussian_kl`` with respect to its inputs.

    Row ``n`` of the KL depends only on row ``n`` of ``mu`` and ``logvar``, so
    the derivatives are element-wise: ``dKL_n/dmu_nj = mu_nj`` and
    ``dKL_n/dlogvar_nj = (exp(logvar_nj) - 1) / 2``. For a loss ``L`` with
    ``dL/dKL = dkl`` of shape (N,), the chain rule gives ``dmu = dkl[:, None] *
    dkl_dmu`` and ``dlogvar = dkl[:, None] * dkl_dlogvar``.

    Args:
        mu: means, shape (N, num_latents).
        logvar: log-variances, shape (N, num_latents), same dtype as ``mu``.

    Returns:
        ``(dkl_dmu, dkl_dlogvar)``, both (N, num_latents).

    Examples:
        >>> dmu, dlogvar = gaussian_kl_grad(torch.tensor([[2.0]]), torch.tensor([[0.0]]))
        >>> dmu, dlogvar
        (tensor([[2.]]), tensor([[0.]]))
    """
    _check_gaussian(mu, logvar)
    return mu.clone(), 0.5 * (logvar.exp() - 1.0)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Sample ``z ~ N(mu, diag(exp(logvar)))`` as ``z = mu + exp(logvar / 2) * eps``.

    ``eps ~ N(0, I)`` carries all the randomness, so ``z`` is a differentiable
    function of ``mu`` and ``logvar`` and gradients flow back to the encoder.

    Args:
        mu: means, shape (N, num_latents).
        logvar: log-variances, shape (N, num_latents), same dtype as ``mu``.
        generator: source of ``eps``; ``None`` uses torch's global generator.

    Returns:
        The samples ``z``, shape (N, num_latents).

    Examples:
        >>> g = torch.Generator().manual_seed(0)
        >>> reparameterize(torch.zeros(4, 2), torch.zeros(4, 2), generator=g).shape
        torch.Size([4, 2])
    """
    _check_gaussian(mu, logvar)
    _check_generator(generator)
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps  # (N, num_latents)


def monte_carlo_kl(
    mu: torch.Tensor,
    logvar: torch.Tensor,
    num_samples: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo estimate of ``gaussian_kl``, to check the closed form.

    Draws ``num_samples`` samples ``z = mu + sigma * eps`` per row and averages
    ``log q(z) - log p(z) = 1/2 * sum_j (z_j**2 - eps_j**2 - logvar_j)`` (the
    ``log(2 pi)`` terms cancel). The estimate is unbiased; its standard error
    shrinks like ``1 / sqrt(num_samples)``.

    Args:
        mu: means, shape (N, num_latents).
        logvar: log-variances, shape (N, num_latents), same dtype as ``mu``.
        num_samples: samples per row, at least 2 (the standard error needs two).
        generator: source of the samples; ``None`` uses torch's global generator.

    Returns:
        ``(kl_hat, std_error)``, both (N,): the estimate and its standard error
            (sample standard deviation over ``sqrt(num_samples)``).

    Examples:
        >>> g = torch.Generator().manual_seed(0)
        >>> kl_hat, se = monte_carlo_kl(torch.ones(1, 2), torch.zeros(1, 2), 100_000, g)
        >>> abs(kl_hat.item() - 1.0) < 4 * se.item()
        True
    """
    _check_gaussian(mu, logvar)
    check_positive_int(num_samples, "num_samples")
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2 for a standard error, got {num_samples}")
    _check_generator(generator)
    shape = (num_samples, *mu.shape)
    eps = torch.randn(shape, generator=generator, dtype=mu.dtype, device=mu.device)  # (S, N, D)
    z = mu + torch.exp(0.5 * logvar) * eps  # (S, N, D)
    log_ratio = 0.5 * (z**2 - eps**2 - logvar).sum(dim=2)  # (S, N)
    return log_ratio.mean(dim=0), log_ratio.std(dim=0) / math.sqrt(num_samples)


def bce_with_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Element-wise binary cross-entropy ``-t log(sigmoid(l)) - (1 - t) log(1 - sigmoid(l))``.

    Computed as ``softplus(l) - l * t``, which equals the formula above but
    never takes the log of an underflowed sigmoid; its gradient with respect to
    the logits is ``sigmoid(l) - t``. Same values as
    ``F.binary_cross_entropy_with_logits(..., reduction="none")``.

    Args:
        logits: any shape, floating point.
        targets: shape of ``logits``, same dtype, values in [0, 1].

    Returns:
        The loss of each element, shape of ``logits``.

    Examples:
        >>> bce_with_logits(torch.tensor([0.0, 200.0]), torch.tensor([1.0, 0.0]))
        tensor([  0.6931, 200.0000])
    """
    check_tensor(logits, "logits", floating=True)
    check_tensor(targets, "targets", dtype=logits.dtype)
    check_same_shape(logits, targets, "logits", "targets")
    return _softplus(logits) - logits * targets


def elbo_terms(
    x: torch.Tensor, x_logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two terms of a VAE's negative ELBO with a Bernoulli decoder.

    The decoder outputs one logit per pixel; ``-log p(x | z)`` is then the
    binary cross-entropy between the pixels ``x`` (intensities in [0, 1], used
    as soft targets) and ``sigmoid(x_logits)``, **summed over pixels**. Both
    terms are **averaged over the batch**, so ``recon + kl`` is the negative
    ELBO per example in nats, and its scale does not depend on the batch size.
    Summing over pixels (not averaging) keeps the reconstruction and KL terms in
    the ratio the ELBO prescribes; averaging would weight the KL 784 times too
    much on MNIST.

    Args:
        x: data, shape (N, ...) (e.g. (N, 784)), values in [0, 1]; load MNIST
            with ``load_mnist(split, normalize=False)``.
        x_logits: decoder logits, shape of ``x``, same dtype.
        mu: encoder means, shape (N, num_latents), same dtype.
        logvar: encoder log-variances, shape (N, num_latents), same dtype.

    Returns:
        ``(recon, kl)``: two 0-dim tensors; minimise ``recon + kl``.

    Raises:
        ValueError: ``x`` outside [0, 1] (e.g. standardised pixels), or shapes
            that do not match.

    Examples:
        >>> x = torch.tensor([[0.0, 1.0]])
        >>> recon, kl = elbo_terms(x, torch.zeros(1, 2), torch.zeros(1, 3), torch.zeros(1, 3))
        >>> round(recon.item(), 4), kl.item()
        (1.3863, 0.0)
    """
    check_tensor(x, "x", floating=True)
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, ...), at least 2 dimensions; got {tuple(x.shape)}")
    _check_gaussian(mu, logvar)
    check_tensor(x_logits, "x_logits", dtype=x.dtype)
    check_same_shape(x, x_logits, "x", "x_logits")
    check_tensor(mu, "mu", shape=(x.shape[0], "num_latents"), dtype=x.dtype)
    if x.numel() and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"x must hold pixel intensities in [0, 1] for a Bernoulli decoder, got values in "
            f"[{x.min().item():.3g}, {x.max().item():.3g}]; load MNIST with normalize=False"
        )
    recon = bce_with_logits(x_logits, x).reshape(len(x), -1).sum(dim=1).mean()
    kl = gaussian_kl(mu, logvar).mean()
    return recon, kl


# ------------------------------------------------------------------------ GAN


def _check_logits(logits: object, name: str) -> torch.Tensor:
    logits = check_tensor(logits, name, ndim=(1, 2), floating=True)
    if logits.ndim == 2 and logits.shape[1] != 1:
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got {tuple(logits.shape)}")
    if logits.numel() == 0:
        raise ValueError(f"{name} must hold at least one logit, got shape {tuple(logits.shape)}")
    return logits


def discriminator_loss(d_real_logits: torch.Tensor, d_fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss ``-mean log D(x) - mean log(1 - D(G(z)))``.

    ``D = sigmoid(logits)``; the two means are over the real and the fake
    batches separately, so the batches may differ in size. Equal to the sum of
    ``F.binary_cross_entropy_with_logits`` with targets 1 on the real batch and
    0 on the fake batch.

    Args:
        d_real_logits: discriminator logits on data, shape (N_real,) or (N_real, 1).
        d_fake_logits: logits on generated samples, shape (N_fake,) or (N_fake, 1),
            same dtype.

    Returns:
        The loss, a 0-dim tensor.

    Examples:
        >>> round(discriminator_loss(torch.zeros(3), torch.zeros(5)).item(), 4)  # 2 log 2
        1.3863
    """
    _check_logits(d_real_logits, "d_real_logits")
    _check_logits(d_fake_logits, "d_fake_logits")
    check_tensor(d_fake_logits, "d_fake_logits", dtype=d_real_logits.dtype)
    return _softplus(-d_real_logits).mean() + _softplus(d_fake_logits).mean()


def generator_loss_saturating(d_fake_logits: torch.Tensor) -> torch.Tensor:
    """The minimax generator loss ``mean log(1 - D(G(z)))`` (to be minimised).

    It *saturates*: when the discriminator confidently rejects the fakes
    (``D(G(z))`` near 0, early in training) its gradient with respect to the
    logit, ``-sigmoid(l) / N``, vanishes, and the generator stops learning.

    Args:
        d_fake_logits: logits on generated samples, shape (N,) or (N, 1).

    Returns:
        The loss, a 0-dim tensor, at most 0.

    Examples:
        >>> round(generator_loss_saturating(torch.zeros(4)).item(), 4)  # log(1/2)
        -0.6931
    """
    _check_logits(d_fake_logits, "d_fake_logits")
    return -_softplus(d_fake_logits).mean()


def generator_loss_nonsaturating(d_fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss ``-mean log D(G(z))``.

    Same fixed point as ``generator_loss_saturating``, but its gradient
    with respect to the logit, ``-(1 - sigmoid(l)) / N``, is largest exactly
    when the discriminator rejects the fakes.

    Args:
        d_fake_logits: logits on generated samples, shape (N,) or (N, 1).

    Returns:
        The loss, a 0-dim tensor, at least 0.

    Examples:
        >>> round(generator_loss_nonsaturating(torch.zeros(4)).item(), 4)  # -log(1/2)
        0.6931
    """
    _check_logits(d_fake_logits, "d_fake_logits")
    return _softplus(-d_fake_logits).mean()


def _check_density(
    p: object, name: str, dx: float, like: tuple[torch.Tensor, str] | None = None
) -> torch.Tensor:
    if like is None:
        p = check_tensor(p, name, ndim=1, floating=True)
    else:
        p = check_tensor(p, name, ndim=1, dtype=like[0].dtype)
        check_same_shape(like[0], p, like[1], name)
    if p.numel() == 0 or p.min() < 0:
        raise ValueError(f"{name} must be a non-empty density with values >= 0")
    mass = p.sum().item() * dx
    if abs(mass - 1.0) > 1e-2:
        raise ValueError(
            f"{name} must integrate to 1 on the grid (sum(p) * dx), got {mass:.4g}; "
            "pass the grid step as dx, or normalise p"
        )
    return p


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """The discriminator that maximises the GAN value for a fixed generator.

    ``D*(x) = p_data(x) / (p_data(x) + p_g(x))`` point by point. Where both
    densities are 0 any value is optimal; this returns 1/2 there.

    Args:
        p_data: data density on a grid, shape (num_points,), values >= 0.
        p_g: generator density on the same grid, shape (num_points,), same dtype.

    Returns:
        ``D*`` on the grid, shape (num_points,), values in [0, 1].

    Examples:
        >>> optimal_discriminator(torch.tensor([0.3, 0.0, 0.0]), torch.tensor([0.1, 0.5, 0.0]))
        tensor([0.7500, 0.0000, 0.5000])
    """
    check_tensor(p_data, "p_data", ndim=1, floating=True)
    check_tensor(p_g, "p_g", ndim=1, dtype=p_data.dtype)
    check_same_shape(p_data, p_g, "p_data", "p_g")
    if (p_data < 0).any() or (p_g < 0).any():
        raise ValueError("p_data and p_g must be densities, with values >= 0")
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp(min=torch.finfo(total.dtype).tiny), 0.5)


def js_divergence(p: torch.Tensor, q: torch.Tensor, dx: float = 1.0) -> torch.Tensor:
    """Jensen-Shannon divergence of two densities given on the same grid.

    ``JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m)`` with ``m = (p + q) / 2``,
    each integral a Riemann sum with step ``dx``; ``0 log 0`` counts as 0. It
    lies between 0 (``p == q``) and ``log 2`` (disjoint supports).

    Args:
        p: density on a grid, shape (num_points,), with ``sum(p) * dx`` within
            0.01 of 1; probability vectors are the case ``dx = 1``.
        q: density on the same grid, shape (num_points,), same dtype.
        dx: the grid step.

    Returns:
        The divergence, a 0-dim tensor, in nats.

    Raises:
        ValueError: negative values, or a density that does not integrate to 1.

    Examples:
        >>> round(js_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])).item(), 4)
        0.6931
    """
    dx = _check_positive_number(dx, "dx")
    p = _check_density(p, "p", dx)
    q = _check_density(q, "q", dx, like=(p, "p"))
    m = 0.5 * (p + q)
    kl_pm = (torch.special.xlogy(p, p) - torch.special.xlogy(p, m)).sum() * dx
    kl_qm = (torch.special.xlogy(q, q) - torch.special.xlogy(q, m)).sum() * dx
    return 0.5 * (kl_pm + kl_qm)


def gan_value(
    p_data: torch.Tensor, p_g: torch.Tensor, d: torch.Tensor | None = None, dx: float = 1.0
) -> torch.Tensor:
    """The minimax value ``V(D, G) = E_data[log D(x)] + E_g[log(1 - D(x))]`` on a grid.

    At the optimal discriminator it equals ``-log 4 + 2 * js_divergence(p_data,
    p_g, dx)``. Pass ``d=None`` to evaluate it there: the logs are then taken
    of ``p_data / (p_data + p_g)`` and ``p_g / (p_data + p_g)`` directly,
    because where ``p_g`` is below about 1e-16 of ``p_data`` the probability
    ``D*`` rounds to exactly 1 and ``log(1 - D*)`` would be ``-inf``.

    Args:
        p_data: data density on a grid, shape (num_points,).
        p_g: generator density on the same grid, shape (num_points,), same dtype.
        d: discriminator output D(x) in [0, 1] on the grid, shape (num_points,);
            ``None`` for the optimal discriminator.
        dx: the grid step.

    Returns:
        The value, a 0-dim tensor (``-inf`` if ``d`` is 0 where ``p_data`` is
            not, or 1 where ``p_g`` is not).

    Examples:
        >>> p = torch.tensor([0.5, 0.5])
        >>> round(gan_value(p, p).item(), 4)  # -log 4
        -1.3863
        >>> round(gan_value(p, p, torch.tensor([0.9, 0.9])).item(), 4)
        -2.4079
    """
    dx = _check_positive_number(dx, "dx")
    p_data = _check_density(p_data, "p_data", dx)
    p_g = _check_density(p_g, "p_g", dx, like=(p_data, "p_data"))
    xlogy = torch.special.xlogy
    if d is None:
        total = p_data + p_g
        value = xlogy(p_data, p_data) - xlogy(p_data, total) + xlogy(p_g, p_g) - xlogy(p_g, total)
        return value.sum() * dx
    check_tensor(d, "d", shape=tuple(p_data.shape), dtype=p_data.dtype)
    if (d < 0).any() or (d > 1).any():
        raise ValueError("d must hold discriminator outputs in [0, 1]")
    return (xlogy(p_data, d).sum() + xlogy(p_g, 1 - d).sum()) * dx


def ring_of_gaussians(
    n: int,
    modes: int = 8,
    radius: float = 2.0,
    std: float = 0.05,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample the ring of Gaussians, the standard toy data for mode collapse.

    ``modes`` isotropic Gaussians of standard deviation ``std``, centred at
    ``radius * (cos(2 pi k / modes), sin(2 pi k / modes))``, each picked with
    equal probability.

    Args:
        n: number of samples.
        modes: number of Gaussians on the ring.
        radius: the ring's radius.
        std: each Gaussian's standard deviation.
        generator: source of randomness; ``None`` uses torch's global generator.

    Returns:
        ``(X, mode_labels)``: X (n, 2) float32, mode_labels (n,) int64 in
            0..modes-1.

    Examples:
        >>> X, labels = ring_of_gaussians(100, generator=torch.Generator().manual_seed(0))
        >>> X.shape, labels.shape
        (torch.Size([100, 2]), torch.Size([100]))
    """
    check_positive_int(n, "n")
    check_positive_int(modes, "modes")
    radius = _check_positive_number(radius, "radius")
    std = _check_positive_number(std, "std")
    _check_generator(generator)
    labels = torch.randint(modes, (n,), generator=generator)  # (n,)
    angles = 2 * math.pi * labels.float() / modes
    centres = radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (n, 2)
    return centres + std * torch.randn(n, 2, generator=generator), labels


class ModeCoverage(NamedTuple):
    """What ``modes_covered`` returns (unpacks as a 3-tuple)."""

    count: int
    """Number of modes with at least ``min_count`` high-quality samples."""
    per_mode: torch.Tensor
    """(modes,) int64: high-quality samples nearest each mode."""
    high_quality: float
    """Fraction of all samples within ``threshold`` of their nearest mode's centre.

    For samples of the ring itself and a threshold of 3 standard deviations
    this is about 0.989, not 1: in 2-D, ``P(|x - centre| > 3 std) = exp(-9/2)``."""


def modes_covered(
    samples: torch.Tensor,
    modes: int = 8,
    radius: float = 2.0,
    threshold: float = 0.15,
    min_count: int | None = None,
) -> ModeCoverage:
    """Count how many modes of the ring a generator's samples cover.

    A sample is *high quality* if it lies within ``threshold`` of the centre of
    its nearest mode (the default, 0.15, is 3 standard deviations of the default
    ``ring_of_gaussians``). A mode is *covered* if at least ``min_count``
    high-quality samples fall on it; the default, 1% of the samples, keeps a few
    stray samples from counting as coverage.

    Args:
        samples: generated points, shape (N, 2), floating point.
        modes: number of modes on the ring.
        radius: the ring's radius.
        threshold: distance to a centre within which a sample is high quality.
        min_count: high-quality samples a mode needs to count as covered;
            ``None`` means ``max(1, ceil(0.01 * N))``.

    Returns:
        A ``ModeCoverage`` ``(count, per_mode, high_quality)``.

    Examples:
        >>> X, _ = ring_of_gaussians(800, generator=torch.Generator().manual_seed(0))
        >>> cover = modes_covered(X)
        >>> cover.count, round(cover.high_quality, 2)
        (8, 0.99)
    """
    check_tensor(samples, "samples", shape=("N", 2), floating=True)
    if len(samples) == 0:
        raise ValueError("samples must hold at least one point, got shape (0, 2)")
    check_positive_int(modes, "modes")
    radius = _check_positive_number(radius, "radius")
    threshold = _check_positive_number(threshold, "threshold")
    if min_count is None:
        min_count = max(1, math.ceil(0.01 * len(samples)))
    check_positive_int(min_count, "min_count")
    angles = 2 * math.pi * torch.arange(modes, dtype=samples.dtype) / modes
    centres = radius * torch.stack([angles.cos(), angles.sin()], dim=1)  # (modes, 2)
    dist = torch.cdist(samples, centres)  # (N, modes)
    nearest_dist, nearest = dist.min(dim=1)  # (N,), (N,)
    good = nearest_dist <= threshold
    per_mode = torch.bincount(nearest[good], minlength=modes)  # (modes,)
    return ModeCoverage(
        count=int((per_mode >= min_count).sum()),
        per_mode=per_mode,
        high_quality=good.float().mean().item(),
    )
