"""Self-checks of tutorial 15, "Regularization": L2 and weight decay, dropout, early stopping,
augmentation and batch normalisation.

Dropout and batch normalisation are checked against [`labkit.regularization`][labkit.regularization]
(which the tests compare with ``nn.Dropout`` and ``nn.BatchNorm1d``). The
functions are checked as pure functions: dropout gets its uniform draws as an
argument, and batch normalisation returns the new running statistics instead of
updating them in place, so that a check can compare them.
"""

from __future__ import annotations

import torch

from labkit import regularization as reg
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "15-regularization"

_F64 = torch.float64
BETAS = (0.9, 0.999)
EPS = 1e-8


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=dtype)


def _rand(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.rand(*shape, generator=gen, dtype=dtype)


# ------------------------------------------------------------------ L2


def _l2_cases(gen: torch.Generator) -> list[tuple]:
    return [
        ([_randn(gen, 3, 4), _randn(gen, 2, 3)], 0.1),
        ([_randn(gen, 5, 2, dtype=_F64)], 0.01),
        ([_randn(gen, 4, 6), _randn(gen, 6, 4), _randn(gen, 2, 6)], 0.003),
    ]


def _l2_penalty(weights, lam):
    return lam / 2 * sum(w.pow(2).sum() for w in weights)


def _adam_step(w, grad, m, v, t, lr, weight_decay, decoupled, *, coupled_always=False,
               decay_without_lr=False, bias_correction=True, decay_twice=False, l2_ignored=False):
    """One Adam step with L2 (decoupled=False) or AdamW's decoupled decay (True)."""
    beta1, beta2 = BETAS
    if (not decoupled or coupled_always or decay_twice) and not l2_ignored:
        grad = grad + weight_decay * w  # L2: the penalty's gradient joins the loss's
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m, v
    if bias_correction:
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    if decoupled and not coupled_always:
        w = w - (1 if decay_without_lr else lr) * weight_decay * w  # AdamW: shrink w directly
    w = w - lr * m_hat / (v_hat.sqrt() + EPS)
    return w, m, v


def _adam_cases(gen: torch.Generator) -> list[tuple]:
    """(w, grad, m, v, t, lr, weight_decay, decoupled): coupled first, then decoupled."""
    cases = []
    for shape, t, decoupled, dtype in [((3, 2), 1, False, torch.float32), ((2, 3), 1, True, torch.float32),
                                       ((4,), 3, True, _F64), ((2, 2), 5, False, torch.float32)]:
        w, grad = 2 * _randn(gen, *shape, dtype=dtype), _randn(gen, *shape, dtype=dtype)
        if t == 1:
            m, v = torch.zeros_like(w), torch.zeros_like(w)
        else:  # the moments of earlier steps
            m, v = 0.3 * _randn(gen, *shape, dtype=dtype), 0.05 * _rand(gen, *shape, dtype=dtype)
        cases.append((w, grad, m, v, t, 0.1, 0.5, decoupled))
    return cases


# ------------------------------------------------------------------ dropout


def _dropout_cases(gen: torch.Generator) -> list[tuple]:
    """(X, U, p, training); evaluation first."""
    return [
        (_randn(gen, 2, 5), _rand(gen, 2, 5), 0.5, False),
        (_randn(gen, 3, 4), _rand(gen, 3, 4), 0.5, True),
        (_randn(gen, 4, 3, dtype=_F64), _rand(gen, 4, 3, dtype=_F64), 0.2, True),
    ]


def _inverted_dropout(X, U, p, training):
    if not training:
        return X
    return X * (U >= p).to(X.dtype) / (1 - p)


# ------------------------------------------------------------ early stopping


def _stopping_cases(gen: torch.Generator) -> list[tuple]:
    """(val_losses, patience): a stop, a tie, a run that never stops."""
    return [
        (torch.tensor([1.0, 0.8, 0.6, 0.65, 0.7, 0.72, 0.75, 0.5]), 3),
        (torch.tensor([0.9, 0.7, 0.7, 0.8, 0.85, 0.9, 0.95]), 2),
        (torch.tensor([0.5, 0.4, 0.45, 0.3, 0.2]), 2),
    ]


def _early_stopping(val_losses, patience, *, better=lambda a, b: a < b, stop_after=None, peek=False):
    stop_after = patience if stop_after is None else stop_after
    best = 0
    for epoch in range(1, len(val_losses)):
        if better(float(val_losses[epoch]), float(val_losses[best])):
            best = epoch
        elif epoch - best >= stop_after:
            if peek:
                best = int(torch.as_tensor(val_losses).argmin())
            return best, epoch
    return best, None


# ------------------------------------------------------------ augmentation


def flip_if_bright(image: torch.Tensor) -> torch.Tensor:
    """A stand-in for a random transform: it decides once per call (from the mean) whether to flip."""
    return image.flip(-1) if image.mean() > 0 else image


def _augment_cases(gen: torch.Generator) -> list[tuple]:
    X = 0.3 * _randn(gen, 4, 1, 3, 3)
    X += torch.tensor([2.0, -1.0, 1.0, 0.5]).reshape(4, 1, 1, 1)  # one dark image, a bright batch
    X2 = _randn(gen, 5, 2, 3, 4, dtype=_F64)
    X2[::2] += 1.5
    return [(X, flip_if_bright), (X2, flip_if_bright)]


def _augment_each(X, transform):
    return torch.stack([transform(x) for x in X])


# ------------------------------------------------------------ batch norm


def _bn_cases(gen: torch.Generator) -> list[tuple]:
    """(X, gamma, beta, running_mean, running_var, momentum, eps); D ≠ N."""
    cases = []
    for N, D, momentum, dtype in [(5, 3, 0.1, torch.float32), (8, 2, 0.3, _F64), (4, 6, 0.1, torch.float32)]:
        X = 2 * _randn(gen, N, D, dtype=dtype) + 1
        gamma = 1 + 0.5 * _randn(gen, D, dtype=dtype)
        beta = _randn(gen, D, dtype=dtype)
        cases.append((X, gamma, beta, _randn(gen, D, dtype=dtype), 0.5 + _rand(gen, D, dtype=dtype),
                      momentum, 1e-5))
    return cases


def _batchnorm_train(X, gamma, beta, running_mean, running_var, momentum, eps):
    mean, var = running_mean.clone(), running_var.clone()
    out, _ = reg.batchnorm_forward(X, gamma, beta, mean, var, True, momentum, eps)
    return out, mean, var


def _bn_train_variant(X, gamma, beta, rm, rv, momentum, eps, *, norm_correction=0, run_correction=1,
                      reverse=False, affine=True, update=True):
    mu, var = X.mean(0), X.var(0, correction=norm_correction)
    out = (X - mu) / torch.sqrt(var + eps)
    if affine:
        out = gamma * out + beta
    if not update:
        return out, rm, rv
    new = momentum if not reverse else 1 - momentum
    rm = (1 - new) * rm + new * mu
    rv = (1 - new) * rv + new * X.var(0, correction=run_correction)
    return out, rm, rv


def _bn_eval_cases(gen: torch.Generator) -> list[tuple]:
    return [case[:5] + (case[6],) for case in _bn_cases(gen)]


def _batchnorm_eval(X, gamma, beta, running_mean, running_var, eps):
    return reg.batchnorm_forward(X, gamma, beta, running_mean.clone(), running_var.clone(), False,
                                 eps=eps)[0]


register(
    Exercise(
        name="l2_penalty",
        page=PAGE,
        reference=_l2_penalty,
        cases=_l2_cases,
        what="equals (λ/2) Σ_W ‖W‖², whose gradient λW is what weight_decay=λ adds",
        mistakes=[
            Mistake("the ½ is missing: with (λ/2)‖W‖² the gradient is λW, exactly what weight_decay=λ "
                    "adds to the gradient.",
                    lambda ws, lam: lam * sum(w.pow(2).sum() for w in ws)),
            Mistake("this is the L1 penalty Σ|w|: L2 squares the weights.",
                    lambda ws, lam: lam / 2 * sum(w.abs().sum() for w in ws)),
            Mistake("the norms are not squared: ‖W‖² = Σ w², without the square root.",
                    lambda ws, lam: lam / 2 * sum(w.norm() for w in ws)),
            Mistake("this is a mean over the entries: the penalty sums w² over every weight.",
                    lambda ws, lam: lam / 2 * sum(w.pow(2).mean() for w in ws)),
        ],
    ),
    Exercise(
        name="adam_weight_decay_step",
        page=PAGE,
        reference=_adam_step,
        cases=_adam_cases,
        what="equals torch.optim.Adam(weight_decay) and torch.optim.AdamW for one step",
        output_names=("w", "m", "v"),
        mistakes=[
            Mistake("weight decay is ignored in the coupled case: Adam's L2 adds weight_decay · w to the "
                    "gradient before the moments are updated.",
                    lambda *a: _adam_step(*a, l2_ignored=True)),
            Mistake("the bias correction is missing: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ before the "
                    "step (at t = 1 the moments are 10 and 1,000 times too small).",
                    lambda *a: _adam_step(*a, bias_correction=False)),
            Mistake("with decoupled=True the decay went into the gradient (that is Adam's L2): AdamW "
                    "leaves the gradient alone and shrinks w directly, w ← w − lr·λ·w.",
                    lambda *a: _adam_step(*a, coupled_always=True)),
            Mistake("the decoupled decay is not scaled by the learning rate: AdamW shrinks w by "
                    "lr · λ · w per step.",
                    lambda *a: _adam_step(*a, decay_without_lr=True)),
            Mistake("the decay is applied twice: decoupled decay shrinks w directly, and the gradient "
                    "must then be the loss's alone.",
                    lambda *a: _adam_step(*a, decay_twice=True)),
        ],
    ),
    Exercise(
        name="inverted_dropout",
        page=PAGE,
        reference=_inverted_dropout,
        cases=_dropout_cases,
        what="equals inverted dropout (keep where U ≥ p, scale by 1/(1 − p); identity in evaluation)",
        mistakes=[
            Mistake("in evaluation nothing is dropped and nothing is scaled: return X as it is.",
                    lambda X, U, p, tr: X * (U >= p).to(X.dtype) / (1 - p)),
            Mistake("the kept entries are not rescaled: divide them by the keep probability 1 − p, "
                    "so that E[out] = X.",
                    lambda X, U, p, tr: X * (U >= p).to(X.dtype) if tr else X),
            Mistake("this is the original (not inverted) dropout: scaling by 1 − p at test time. "
                    "Inverted dropout scales the kept entries by 1/(1 − p) while training, and "
                    "evaluation returns X unchanged.",
                    lambda X, U, p, tr: X * (U >= p).to(X.dtype) if tr else X * (1 - p)),
            Mistake("the kept entries are divided by p: the keep probability is 1 − p.",
                    lambda X, U, p, tr: X * (U >= p).to(X.dtype) / p if tr else X),
            Mistake("this keeps the entries with U < p, a fraction p of them: p is the probability of "
                    "*dropping*, so keep U ≥ p.",
                    lambda X, U, p, tr: X * (U < p).to(X.dtype) / (1 - p) if tr else X),
        ],
    ),
    Exercise(
        name="early_stopping",
        page=PAGE,
        reference=_early_stopping,
        cases=_stopping_cases,
        what="finds the best epoch and the epoch where the patience runs out",
        output_names=("best", "stop"),
        mistakes=[
            Mistake("it stops at the first epoch without improvement: wait `patience` epochs without "
                    "a new best before stopping.",
                    lambda L, pat: _early_stopping(L, pat, stop_after=1)),
            Mistake("it tracks the highest validation loss: the best epoch has the lowest.",
                    lambda L, pat: _early_stopping(L, pat, better=lambda a, b: a > b)),
            Mistake("the best epoch is taken from the whole list, including epochs after the stop: at "
                    "the stop you only know the losses seen so far.",
                    lambda L, pat: _early_stopping(L, pat, peek=True)),
            Mistake("off by one: stop when `patience` epochs in a row have not improved, i.e. when "
                    "epoch − best == patience, not patience + 1.",
                    lambda L, pat: _early_stopping(L, pat, stop_after=pat + 1)),
            Mistake("a tie is counted as an improvement: only a strictly lower loss is a new best "
                    "(use <, not <=).",
                    lambda L, pat: _early_stopping(L, pat, better=lambda a, b: a <= b)),
        ],
    ),
    Exercise(
        name="augment_each",
        page=PAGE,
        reference=_augment_each,
        cases=_augment_cases,
        what="applies the transform to each image on its own",
        mistakes=[
            Mistake("the transform was applied to the whole batch at once: a v2 transform then draws "
                    "ONE set of parameters for all images. Call it once per image.",
                    lambda X, t: t(X)),
            Mistake("the images are returned unchanged: apply the transform to each of them.",
                    lambda X, t: X),
            Mistake("torch.cat joins the images along their channel axis: torch.stack makes the new "
                    "batch axis, (N, C, H, W).",
                    lambda X, t: torch.cat([t(x) for x in X])),
        ],
    ),
    Exercise(
        name="batchnorm_train",
        page=PAGE,
        reference=_batchnorm_train,
        cases=_bn_cases,
        what="equals nn.BatchNorm1d in training mode: output and running statistics",
        output_names=("out", "running_mean", "running_var"),
        mistakes=[
            Mistake("the batch is normalised with the unbiased variance (÷ N − 1): normalise with the "
                    "biased one, X.var(0, correction=0); only the running variance uses ÷ N − 1.",
                    lambda *a: _bn_train_variant(*a, norm_correction=1)),
            Mistake("γ and β are missing: out = γ · X̂ + β.",
                    lambda *a: _bn_train_variant(*a, affine=False)),
            Mistake("the running statistics are not updated: running ← (1 − momentum) · running + "
                    "momentum · batch statistic.",
                    lambda *a: _bn_train_variant(*a, update=False)),
            Mistake("the momentum weights the wrong term: running ← (1 − momentum) · running + "
                    "momentum · batch (torch's convention, momentum = 0.1).",
                    lambda *a: _bn_train_variant(*a, reverse=True)),
            Mistake("the running variance uses the biased batch variance: torch stores the unbiased "
                    "one, X.var(0) (÷ N − 1), in running_var.",
                    lambda *a: _bn_train_variant(*a, run_correction=0)),
        ],
    ),
    Exercise(
        name="batchnorm_eval",
        page=PAGE,
        reference=_batchnorm_eval,
        cases=_bn_eval_cases,
        what="equals nn.BatchNorm1d in evaluation mode",
        mistakes=[
            Mistake("these are the batch's statistics: in evaluation, normalise with running_mean and "
                    "running_var, so that each example's output does not depend on the batch.",
                    lambda X, g, b, rm, rv, eps: _bn_train_variant(X, g, b, rm, rv, 0.1, eps)[0]),
            Mistake("the square root is missing: divide by sqrt(running_var + eps), the standard "
                    "deviation.",
                    lambda X, g, b, rm, rv, eps: g * (X - rm) / (rv + eps) + b),
            Mistake("β is missing: out = γ · (X − μ) / sqrt(σ² + ε) + β.",
                    lambda X, g, b, rm, rv, eps: g * (X - rm) / torch.sqrt(rv + eps)),
        ],
    ),
)
