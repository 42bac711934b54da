"""Self-checks of tutorial 16, "Optimizers": the update rules, the step-size bound, the
Rosenbrock Hessian, smoothed losses and a warm-up-then-cosine schedule.

Each update rule is checked as one step from a random state (a nonzero velocity or mean,
a positive sum of squares, a step count t > 1 as well as t = 1), in float64, so that
using the old state instead of the new one, or forgetting a correction, changes the
result. The references are the rules of [`labkit.optim`][labkit.optim]'s optimizers,
written as functions; ``tests/test_selfcheck_optim.py`` checks each against one step of
the corresponding ``torch.optim`` optimizer. Learning-rate schedules come from
[`labkit.optim`][labkit.optim] directly.
"""

from __future__ import annotations

import math

import torch

from labkit import optim
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "16-optimizers"

_F64 = torch.float64


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=_F64)


def _rand(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.rand(*shape, generator=gen, dtype=_F64)


# ------------------------------------------------------------ momentum


def _momentum_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, 3), _randn(gen, 3), _randn(gen, 3), 0.1, 0.9),
            (_randn(gen, 2, 3), _randn(gen, 2, 3), _randn(gen, 2, 3), 0.05, 0.5),
            (_randn(gen, 4, 2), _randn(gen, 4, 2), torch.zeros(4, 2, dtype=_F64), 0.3, 0.8)]


def _momentum(p, g, v, lr, mu, *, ema=False, old_v=False, lr_inside=False):
    v_new = mu * v + (1 - mu) * g if ema else mu * v + g
    if lr_inside:
        v_new = mu * v + lr * g
        return p - v_new, v_new
    return p - lr * (v if old_v else v_new), v_new


def _nesterov(p, g, v, lr, mu, *, plain=False, stale=False, swapped=False):
    v_new = mu * v + g
    if plain:
        return p - lr * v_new, v_new
    if swapped:
        return p - lr * (v_new + mu * g), v_new
    return p - lr * (g + mu * v_new), v if stale else v_new


# ------------------------------------------------------ AdaGrad, RMSprop


def _adagrad_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, 3), _randn(gen, 3), _rand(gen, 3), 0.1, 1e-10),
            (_randn(gen, 2, 3), _randn(gen, 2, 3), _rand(gen, 2, 3) * 4, 0.5, 1e-10),
            (_randn(gen, 4), 0.1 * _randn(gen, 4), 0.01 * _rand(gen, 4), 0.1, 0.1)]


def _adagrad(p, g, G, lr, eps, *, old_G=False, eps_inside=False, no_sqrt=False,
             no_sum=False):
    G_new = g**2 if no_sum else G + g**2
    scale = G if old_G else G_new
    if no_sqrt:
        denom = scale + eps
    elif eps_inside:
        denom = (scale + eps).sqrt()
    else:
        denom = scale.sqrt() + eps
    return p - lr * g / denom, G_new


def _rmsprop_cases(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, 3), _randn(gen, 3), _rand(gen, 3), 0.01, 0.99, 1e-8),
            (_randn(gen, 2, 3), _randn(gen, 2, 3), _rand(gen, 2, 3), 0.05, 0.9, 1e-8),
            (_randn(gen, 4), _randn(gen, 4), torch.zeros(4, dtype=_F64), 0.1, 0.5, 1e-6)]


def _rmsprop(p, g, v, lr, alpha, eps, *, swapped=False, no_sqrt=False, old_v=False,
             summed=False):
    if summed:
        v_new = v + g**2
    elif swapped:
        v_new = (1 - alpha) * v + alpha * g**2
    else:
        v_new = alpha * v + (1 - alpha) * g**2
    scale = v if old_v else v_new
    denom = scale + eps if no_sqrt else scale.sqrt() + eps
    return p - lr * g / denom, v_new


# -------------------------------------------------------------- Adam(W)


def _adam_cases(gen: torch.Generator, decay: bool) -> list[tuple]:
    cases = []
    # t = 1 is not first with decay: there Adam's first step, about lr·sign(g), hides
    # whether λp went into the gradient
    steps = (2, 1, 3) if decay else (1, 5, 3)
    for shape, t, lr, betas in [((3,), steps[0], 0.1, (0.9, 0.999)),
                                ((2, 3), steps[1], 0.01, (0.9, 0.999)),
                                ((4,), steps[2], 0.05, (0.8, 0.99))]:
        p, g = _randn(gen, *shape), _randn(gen, *shape)
        # a state reachable after t − 1 steps: |m| small enough for v (never at t = 1)
        m = 0.5 * _randn(gen, *shape) * (t > 1)
        v = (m**2 + _rand(gen, *shape)) * (t > 1)
        case = (p, g, m, v, t, lr, betas, 1e-8)
        cases.append(case + (0.1,) if decay else case)
    return cases


def _adam(p, g, m, v, t, lr, betas, eps, *, no_correction=False, t_minus_1=False,
          swapped_betas=False, no_sqrt=False, corrected_state=False):
    beta1, beta2 = betas
    if swapped_betas:
        beta1, beta2 = beta2, beta1
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g**2
    k = t - 1 if t_minus_1 else t
    m_hat = m_new if no_correction else m_new / (1 - beta1**k)
    v_hat = v_new if no_correction else v_new / (1 - beta2**k)
    denom = v_hat + eps if no_sqrt else v_hat.sqrt() + eps
    p_new = p - lr * m_hat / denom
    if corrected_state:
        return p_new, m_hat, v_hat
    return p_new, m_new, v_new


def _adamw(p, g, m, v, t, lr, betas, eps, weight_decay, *, coupled=False, no_lr=False,
           after=False, none=False):
    if coupled:
        return _adam(p, g + weight_decay * p, m, v, t, lr, betas, eps)
    if none:
        return _adam(p, g, m, v, t, lr, betas, eps)
    if after:
        p_new, m_new, v_new = _adam(p, g, m, v, t, lr, betas, eps)
        return p_new * (1 - lr * weight_decay), m_new, v_new
    shrink = 1 - weight_decay if no_lr else 1 - lr * weight_decay
    return _adam(p * shrink, g, m, v, t, lr, betas, eps)


# ------------------------------------------------------- step-size bound


def _bound_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for eigenvalues in [(1.0, 25.0), (0.5, 2.0, 10.0), (3.0, 4.0, 7.0, 9.0)]:
        d = len(eigenvalues)
        Q, _ = torch.linalg.qr(_randn(gen, d, d))  # a rotation: A is not diagonal
        cases.append((Q @ torch.diag(torch.tensor(eigenvalues, dtype=_F64)) @ Q.T,))
    return cases


def _max_stable_lr(A):
    return 2.0 / torch.linalg.eigvalsh(A).max().item()


def _eig(A):
    return torch.linalg.eigvalsh(A)


# ------------------------------------------------------ Rosenbrock Hessian


def _hessian_cases(gen: torch.Generator) -> list[tuple]:
    return [(torch.tensor([1.0, 1.0], dtype=_F64),), (torch.tensor([-1.2, 1.0], dtype=_F64),),
            (torch.tensor([0.5, -0.3], dtype=_F64),), (_randn(gen, 2),)]


def _hessian(xy, *, no_valley_term=False, cross_sign=1.0, half=False, no_outer=False):
    x, y = xy[0], xy[1]
    b = 50.0 if half else 100.0
    dxx = (0.0 if no_outer else 2.0) - 4 * b * (0.0 if no_valley_term else (y - x**2)) \
        + 8 * b * x**2
    dxy = -cross_sign * 4 * b * x
    return torch.stack([torch.stack([dxx, dxy]), torch.stack([dxy, 0 * x + 2 * b])])


# ----------------------------------------------------------- smoothing


def _smooth_cases(gen: torch.Generator) -> list[tuple]:
    return [(torch.tensor([2.0, 1.0, 1.5], dtype=_F64), 0.8),
            (1 + _rand(gen, 10), 0.9),
            (2 + _randn(gen, 25), 0.5)]


def _smoothed(losses, beta, *, uncorrected=False, swapped=False, shifted=False,
              start_at_first=False):
    out, avg = [], 0.0
    for k, loss in enumerate(losses.tolist(), start=1):
        if start_at_first and k == 1:
            avg = loss
        elif swapped:
            avg = (1 - beta) * avg + beta * loss
        else:
            avg = beta * avg + (1 - beta) * loss
        if uncorrected or start_at_first:
            out.append(avg)
        else:
            out.append(avg / (1 - beta ** (k + 1 if shifted else k)))
    return torch.tensor(out, dtype=losses.dtype)


# ------------------------------------------------------------ schedule


def _schedule_cases(gen: torch.Generator) -> list[tuple]:
    return [(step, 10, 100, 0.1) for step in (0, 1, 5, 9, 10, 11, 40, 99, 100)] + [
        (3, 4, 20, 1.0), (12, 4, 20, 1.0)]


def _warmup_cosine(step, warmup, total, lr):
    if step < warmup:
        return optim.warmup_linear(step, warmup, lr)
    return optim.cosine_lr(step - warmup, total - warmup, lr)


def _cosine_unshifted(step, warmup, total, lr):
    if step < warmup:
        return lr * step / warmup
    return lr * (1 + math.cos(math.pi * min(step, total) / total)) / 2


def _warmup_early(step, warmup, total, lr):
    if step < warmup:
        return lr * (step + 1) / warmup
    return _warmup_cosine(step, warmup, total, lr)


def _cosine_too_long(step, warmup, total, lr):
    if step < warmup:
        return lr * step / warmup
    return lr * (1 + math.cos(math.pi * min(step - warmup, total) / total)) / 2


_OLD_STATE = "the step uses the old {name}: update {name} first, then use the new one in the step."

register(
    Exercise(
        name="momentum_step",
        page=PAGE,
        reference=_momentum,
        cases=_momentum_cases,
        what="equals torch.optim.SGD(momentum=μ): v ← μv + g, p ← p − lr·v",
        output_names=("p", "v"),
        mistakes=[
            Mistake("this is the damped form v ← μv + (1 − μ)g: torch's (and this page's) velocity "
                    "adds the whole gradient, v ← μv + g, so its steps are 1/(1 − μ) times larger.",
                    lambda *a: _momentum(*a, ema=True)),
            Mistake(_OLD_STATE.format(name="velocity"), lambda *a: _momentum(*a, old_v=True)),
            Mistake("the learning rate is inside the velocity (v ← μv + lr·g, p ← p − v): the same "
                    "steps while lr is constant, but torch keeps v ← μv + g and multiplies by lr "
                    "in the step, so a schedule changes the result.",
                    lambda *a: _momentum(*a, lr_inside=True)),
            Mistake("the step has the wrong sign: descend, p ← p − lr·v.",
                    lambda p, g, v, lr, mu: (p + lr * (mu * v + g), mu * v + g)),
        ],
    ),
    Exercise(
        name="nesterov_step",
        page=PAGE,
        reference=_nesterov,
        cases=_momentum_cases,
        what="equals torch.optim.SGD(momentum=μ, nesterov=True): p ← p − lr·(g + μv)",
        output_names=("p", "v"),
        mistakes=[
            Mistake("this is plain momentum (p ← p − lr·v): Nesterov looks ahead, "
                    "p ← p − lr·(g + μ·v) with the new v.",
                    lambda *a: _nesterov(*a, plain=True)),
            Mistake("the velocity is not updated: return the new v ← μv + g as the state, or "
                    "the next step forgets this gradient.",
                    lambda *a: _nesterov(*a, stale=True)),
            Mistake("the step has the wrong sign: descend, p ← p − lr·(g + μv).",
                    lambda p, g, v, lr, mu: (p + lr * (g + mu * (mu * v + g)), mu * v + g)),
            Mistake("g and v are swapped in the step: it is g + μ·v, not v + μ·g.",
                    lambda *a: _nesterov(*a, swapped=True)),
        ],
    ),
    Exercise(
        name="adagrad_step",
        page=PAGE,
        reference=_adagrad,
        cases=_adagrad_cases,
        what="equals torch.optim.Adagrad: G ← G + g², p ← p − lr·g / (√G + eps)",
        output_names=("p", "G"),
        mistakes=[
            Mistake(_OLD_STATE.format(name="sum G"), lambda *a: _adagrad(*a, old_G=True)),
            Mistake("eps is inside the square root: torch divides by √G + eps.",
                    lambda *a: _adagrad(*a, eps_inside=True)),
            Mistake("the square root is missing: divide by √G + eps, the root of the summed "
                    "squares, so that the step does not depend on the gradient's scale.",
                    lambda *a: _adagrad(*a, no_sqrt=True)),
            Mistake("G is not accumulated: AdaGrad adds g² to the sum of all past squared "
                    "gradients, G ← G + g².",
                    lambda *a: _adagrad(*a, no_sum=True)),
        ],
    ),
    Exercise(
        name="rmsprop_step",
        page=PAGE,
        reference=_rmsprop,
        cases=_rmsprop_cases,
        what="equals torch.optim.RMSprop: v ← αv + (1 − α)g², p ← p − lr·g / (√v + eps)",
        output_names=("p", "v"),
        mistakes=[
            Mistake("α and 1 − α are swapped: the old mean keeps weight α (0.99), the new g² gets "
                    "1 − α.",
                    lambda *a: _rmsprop(*a, swapped=True)),
            Mistake("the square root is missing: divide by √v + eps.",
                    lambda *a: _rmsprop(*a, no_sqrt=True)),
            Mistake(_OLD_STATE.format(name="mean of squares v"),
                    lambda *a: _rmsprop(*a, old_v=True)),
            Mistake("this is AdaGrad's sum v + g²: RMSprop keeps a running mean, αv + (1 − α)g².",
                    lambda *a: _rmsprop(*a, summed=True)),
        ],
    ),
    Exercise(
        name="adam_step",
        page=PAGE,
        reference=_adam,
        cases=lambda gen: _adam_cases(gen, decay=False),
        what="equals torch.optim.Adam, bias correction included, at t = 1 and later",
        output_names=("p", "m", "v"),
        mistakes=[
            Mistake("the bias correction is missing: divide m by 1 − β₁ᵗ and v by 1 − β₂ᵗ "
                    "before the step.",
                    lambda *a: _adam(*a, no_correction=True)),
            Mistake("the correction uses t − 1: at step t (counting from 1) divide by 1 − βᵗ.",
                    lambda *a: _adam(*a, t_minus_1=True)),
            Mistake("β₁ and β₂ are swapped: β₁ (0.9) averages the gradients m, β₂ (0.999) their "
                    "squares v.",
                    lambda *a: _adam(*a, swapped_betas=True)),
            Mistake("the square root is missing: divide by √v̂ + eps.",
                    lambda *a: _adam(*a, no_sqrt=True)),
            Mistake("the corrected m̂ and v̂ are returned as the new state: keep m and v "
                    "uncorrected; the correction is recomputed from t at every step.",
                    lambda *a: _adam(*a, corrected_state=True)),
        ],
    ),
    Exercise(
        name="adamw_step",
        page=PAGE,
        reference=_adamw,
        cases=lambda gen: _adam_cases(gen, decay=True),
        what="equals torch.optim.AdamW: p ← (1 − lr·λ)p, then Adam's step",
        output_names=("p", "m", "v"),
        mistakes=[
            Mistake("the decay went into the gradient (g + λp, Adam's L2 penalty): AdamW leaves "
                    "g alone and shrinks p directly, p ← (1 − lr·λ)·p.",
                    lambda *a: _adamw(*a, coupled=True)),
            Mistake("the decay is not scaled by the learning rate: p ← (1 − lr·λ)·p.",
                    lambda *a: _adamw(*a, no_lr=True)),
            Mistake("the decay is applied after Adam's step: torch shrinks p first, then steps.",
                    lambda *a: _adamw(*a, after=True)),
            Mistake("there is no weight decay: this is Adam's step alone.",
                    lambda *a: _adamw(*a, none=True)),
        ],
    ),
    Exercise(
        name="max_stable_lr",
        page=PAGE,
        reference=_max_stable_lr,
        cases=_bound_cases,
        what="equals 2 / λ_max(A)",
        mistakes=[
            Mistake("this is 1/λ_max, the rate that zeroes the steepest direction in one step: "
                    "gradient descent converges up to 2/λ_max.",
                    lambda A: 1.0 / _eig(A).max().item()),
            Mistake("this uses the smallest eigenvalue: the *largest* curvature limits the step, "
                    "2/λ_max.",
                    lambda A: 2.0 / _eig(A).min().item()),
            Mistake("this uses the trace (the sum of the eigenvalues): the bound is 2/λ_max.",
                    lambda A: 2.0 / torch.trace(A).item()),
            Mistake("this uses the largest diagonal entry: when the valley is not along the axes, "
                    "A's eigenvalues are not on its diagonal. Use torch.linalg.eigvalsh(A).",
                    lambda A: 2.0 / A.diagonal().max().item()),
        ],
    ),
    Exercise(
        name="rosenbrock_hessian",
        page=PAGE,
        reference=_hessian,
        cases=_hessian_cases,
        what="equals torch.autograd.functional.hessian of (1 − x)² + 100(y − x²)²",
        mistakes=[
            Mistake("the term −400(y − x²) of ∂²f/∂x² is missing: differentiate −400x(y − x²) "
                    "with the product rule.",
                    lambda xy: _hessian(xy, no_valley_term=True)),
            Mistake("the mixed derivative has the wrong sign: ∂²f/∂x∂y = −400x.",
                    lambda xy: _hessian(xy, cross_sign=-1.0)),
            Mistake("a factor 2 is missing from the valley term: d/dy of 100(y − x²)² is "
                    "200(y − x²), so ∂²f/∂y² = 200.",
                    lambda xy: _hessian(xy, half=True)),
            Mistake("the 2 from (1 − x)² is missing in ∂²f/∂x².",
                    lambda xy: _hessian(xy, no_outer=True)),
        ],
    ),
    Exercise(
        name="smoothed_losses",
        page=PAGE,
        reference=_smoothed,
        cases=_smooth_cases,
        what="equals the bias-corrected exponential moving average",
        mistakes=[
            Mistake("the bias correction is missing: divide the average at step k by 1 − βᵏ, or "
                    "the first values are pulled towards the zero it starts from.",
                    lambda losses, beta: _smoothed(losses, beta, uncorrected=True)),
            Mistake("β and 1 − β are swapped: the old average keeps weight β, the new loss gets "
                    "1 − β.",
                    lambda losses, beta: _smoothed(losses, beta, swapped=True)),
            Mistake("the correction's exponent is off by one: the k-th value (k = 1, 2, ...) is "
                    "divided by 1 − βᵏ.",
                    lambda losses, beta: _smoothed(losses, beta, shifted=True)),
            Mistake("the average starts at the first loss, without correction: start at 0 and "
                    "divide by 1 − βᵏ, which weights every loss as the definition says.",
                    lambda losses, beta: _smoothed(losses, beta, start_at_first=True)),
        ],
    ),
    Exercise(
        name="warmup_cosine",
        page=PAGE,
        reference=_warmup_cosine,
        cases=_schedule_cases,
        what="equals labkit.optim.warmup_linear, then cosine_lr over total − warmup steps",
        mistakes=[
            Mistake("the cosine is not shifted: after the warm-up it must start from lr at step "
                    "`warmup`, i.e. use step − warmup.",
                    _cosine_unshifted),
            Mistake("the warm-up is one step early: it rises as lr·step/warmup, 0 at step 0.",
                    _warmup_early),
            Mistake("the cosine lasts `total` steps after the warm-up: it must reach 0 at step "
                    "`total`, so it lasts total − warmup steps.",
                    _cosine_too_long),
        ],
    ),
)
