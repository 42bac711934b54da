"""Self-checks of tutorial 16: wrong answers a student writes, the hint each gets, and the
references against one step of torch.optim from the same state."""

from __future__ import annotations

import math

import pytest
import torch

from labkit import optim, selfcheck

EXERCISES = selfcheck.exercises()


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ------------------------------------------------------ wrong update rules


def momentum_ema(p, g, v, lr, mu):
    v = mu * v + (1 - mu) * g
    return p - lr * v, v


def momentum_step_then_update(p, g, v, lr, mu):
    p_new = p - lr * v
    return p_new, mu * v + g


def momentum_lr_in_velocity(p, g, v, lr, mu):
    v = v * mu + g * lr
    return p - v, v


def momentum_ascent(p, g, v, lr, mu):
    v = mu * v + g
    return p + lr * v, v


def nesterov_plain(p, g, v, lr, mu):
    v = mu * v + g
    return p - lr * v, v


def nesterov_keeps_v(p, g, v, lr, mu):
    v_next = mu * v + g
    return p - lr * (g + mu * v_next), v


def nesterov_swapped(p, g, v, lr, mu):
    v = mu * v + g
    return p - lr * (v + mu * g), v


def adagrad_old_sum(p, g, G, lr, eps):
    step = lr * g / (torch.sqrt(G) + eps)
    return p - step, G + g * g


def adagrad_eps_in_root(p, g, G, lr, eps):
    G = G + g.pow(2)
    return p - lr * g / torch.sqrt(G + eps), G


def adagrad_no_root(p, g, G, lr, eps):
    G = G + g.pow(2)
    return p - lr * g / (G + eps), G


def adagrad_no_memory(p, g, G, lr, eps):
    G = g * g
    return p - lr * g / (G.sqrt() + eps), G


def rmsprop_swapped(p, g, v, lr, alpha, eps):
    v = alpha * g**2 + (1 - alpha) * v
    return p - lr * g / (v.sqrt() + eps), v


def rmsprop_no_root(p, g, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * g**2
    return p - lr * g / (v + eps), v


def rmsprop_old_mean(p, g, v, lr, alpha, eps):
    p = p - lr * g / (torch.sqrt(v) + eps)
    return p, alpha * v + (1 - alpha) * g**2


def rmsprop_sum(p, g, v, lr, alpha, eps):
    v = v + g**2
    return p - lr * g / (v.sqrt() + eps), v


def adam_no_correction(p, g, m, v, t, lr, betas, eps):
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return p - lr * m / (v.sqrt() + eps), m, v


def adam_wrong_power(p, g, m, v, t, lr, betas, eps):
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1 ** (t - 1)), v / (1 - b2 ** (t - 1))
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v


def adam_betas_swapped(p, g, m, v, t, lr, betas, eps):
    b2, b1 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v


def adam_returns_corrected(p, g, m, v, t, lr, betas, eps):
    b1, b2 = betas
    m = (b1 * m + (1 - b1) * g) / (1 - b1**t)
    v = (b2 * v + (1 - b2) * g * g) / (1 - b2**t)
    return p - lr * m / (v.sqrt() + eps), m, v


def adamw_as_l2(p, g, m, v, t, lr, betas, eps, weight_decay):
    return optim_adam(p, g + weight_decay * p, m, v, t, lr, betas, eps)


def adamw_decay_without_lr(p, g, m, v, t, lr, betas, eps, weight_decay):
    return optim_adam(p - weight_decay * p, g, m, v, t, lr, betas, eps)


def adamw_decay_last(p, g, m, v, t, lr, betas, eps, weight_decay):
    p, m, v = optim_adam(p, g, m, v, t, lr, betas, eps)
    return p - lr * weight_decay * p, m, v


def adamw_forgot_decay(p, g, m, v, t, lr, betas, eps, weight_decay):
    return optim_adam(p, g, m, v, t, lr, betas, eps)


def optim_adam(p, g, m, v, t, lr, betas, eps):
    """A correct Adam step, written independently of the references."""
    b1, b2 = betas
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return p - lr * (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + eps), m, v


# --------------------------------------- bound, Hessian, smoothing, schedule


def bound_one_over(A):
    return 1 / torch.linalg.eigvalsh(A)[-1].item()


def bound_smallest(A):
    return 2 / torch.linalg.eigvalsh(A)[0].item()


def bound_trace(A):
    return 2 / A.trace().item()


def bound_diagonal(A):
    return 2 / max(A[i, i].item() for i in range(len(A)))


def hessian_forgot_product_rule(xy):
    x, y = xy
    return torch.stack([torch.stack([2 + 800 * x**2, -400 * x]),
                        torch.stack([-400 * x, torch.full_like(x, 200.0)])])


def hessian_plus_cross(xy):
    x, y = xy
    dxx = 2 - 400 * (y - x**2) + 800 * x**2
    return torch.stack([torch.stack([dxx, 400 * x]), torch.stack([400 * x, 200 + 0 * x])])


def hessian_no_chain_factor(xy):
    x, y = xy
    dxx = 2 - 200 * (y - x**2) + 400 * x**2
    return torch.stack([torch.stack([dxx, -200 * x]), torch.stack([-200 * x, 100 + 0 * x])])


def hessian_no_outer(xy):
    x, y = xy
    dxx = -400 * (y - x**2) + 800 * x**2
    return torch.stack([torch.stack([dxx, -400 * x]), torch.stack([-400 * x, 200 + 0 * x])])


def smooth_plain_ema(losses, beta):
    out, avg = torch.zeros_like(losses), 0.0
    for k in range(len(losses)):
        avg = beta * avg + (1 - beta) * losses[k]
        out[k] = avg
    return out


def smooth_swapped(losses, beta):
    out, avg = torch.zeros_like(losses), 0.0
    for k in range(len(losses)):
        avg = (1 - beta) * avg + beta * losses[k]
        out[k] = avg / (1 - beta ** (k + 1))
    return out


def smooth_exponent_from_zero_based_plus_one(losses, beta):
    out, avg = torch.zeros_like(losses), 0.0
    for k in range(len(losses)):
        avg = beta * avg + (1 - beta) * losses[k]
        out[k] = avg / (1 - beta ** (k + 2))
    return out


def smooth_start_at_first(losses, beta):
    out = losses.clone()
    for k in range(1, len(losses)):
        out[k] = beta * out[k - 1] + (1 - beta) * losses[k]
    return out


def schedule_unshifted(step, warmup, total, lr):
    if step < warmup:
        return lr * step / warmup
    return 0.5 * lr * (1 + math.cos(math.pi * min(step / total, 1.0)))


def schedule_early_warmup(step, warmup, total, lr):
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min((step - warmup) / (total - warmup), 1.0)
    return 0.5 * lr * (1 + math.cos(math.pi * progress))


def schedule_too_long(step, warmup, total, lr):
    if step < warmup:
        return lr * step / warmup
    progress = min((step - warmup) / total, 1.0)
    return 0.5 * lr * (1 + math.cos(math.pi * progress))


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("momentum_step", momentum_ema, "damped form"),
        ("momentum_step", momentum_step_then_update, "old velocity"),
        ("momentum_step", momentum_lr_in_velocity, "learning rate is inside the velocity"),
        ("momentum_step", momentum_ascent, "wrong sign"),
        ("nesterov_step", nesterov_plain, "plain momentum"),
        ("nesterov_step", nesterov_keeps_v, "velocity is not updated"),
        ("nesterov_step", nesterov_swapped, "swapped"),
        ("adagrad_step", adagrad_old_sum, "old sum G"),
        ("adagrad_step", adagrad_eps_in_root, "eps is inside"),
        ("adagrad_step", adagrad_no_root, "square root is missing"),
        ("adagrad_step", adagrad_no_memory, "not accumulated"),
        ("rmsprop_step", rmsprop_swapped, "swapped"),
        ("rmsprop_step", rmsprop_no_root, "square root is missing"),
        ("rmsprop_step", rmsprop_old_mean, "old mean of squares"),
        ("rmsprop_step", rmsprop_sum, "AdaGrad's sum"),
        ("adam_step", adam_no_correction, "bias correction is missing"),
        ("adam_step", adam_wrong_power, "t − 1"),
        ("adam_step", adam_betas_swapped, "swapped"),
        ("adam_step", adam_returns_corrected, "new state"),
        ("adamw_step", adamw_as_l2, "went into the gradient"),
        ("adamw_step", adamw_decay_without_lr, "not scaled by the learning rate"),
        ("adamw_step", adamw_decay_last, "after Adam's step"),
        ("adamw_step", adamw_forgot_decay, "no weight decay"),
        ("max_stable_lr", bound_one_over, "1/λ_max"),
        ("max_stable_lr", bound_smallest, "smallest eigenvalue"),
        ("max_stable_lr", bound_trace, "trace"),
        ("max_stable_lr", bound_diagonal, "diagonal"),
        ("rosenbrock_hessian", hessian_forgot_product_rule, "product rule"),
        ("rosenbrock_hessian", hessian_plus_cross, "wrong sign"),
        ("rosenbrock_hessian", hessian_no_chain_factor, "factor 2"),
        ("rosenbrock_hessian", hessian_no_outer, "(1 − x)²"),
        ("smoothed_losses", smooth_plain_ema, "bias correction is missing"),
        ("smoothed_losses", smooth_swapped, "swapped"),
        ("smoothed_losses", smooth_exponent_from_zero_based_plus_one, "off by one"),
        ("smoothed_losses", smooth_start_at_first, "starts at the first loss"),
        ("warmup_cosine", schedule_unshifted, "not shifted"),
        ("warmup_cosine", schedule_early_warmup, "one step early"),
        ("warmup_cosine", schedule_too_long, "total − warmup"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


# ------------------------------------------- references against torch.optim


def _torch_step(optimizer_class, p, g, state, **kwargs):
    """One step of a torch optimizer from a given state; returns (p, its state)."""
    param = torch.nn.Parameter(p.clone())
    optimizer = optimizer_class([param], **kwargs)
    if state:
        optimizer.state[param] = {k: v.clone() if isinstance(v, torch.Tensor) else v
                                  for k, v in state.items()}
    param.grad = g.clone()
    optimizer.step()
    return param.detach(), optimizer.state[param]


def _cases(name):
    return EXERCISES[name].cases(torch.Generator().manual_seed(0))


def test_momentum_and_nesterov_equal_torch_sgd():
    for p, g, v, lr, mu in _cases("momentum_step"):
        for name, nesterov in [("momentum_step", False), ("nesterov_step", True)]:
            state = {"momentum_buffer": v} if v.abs().sum() > 0 else {}
            p_t, s = _torch_step(torch.optim.SGD, p, g, state, lr=lr, momentum=mu,
                                 nesterov=nesterov)
            p_ref, v_ref = EXERCISES[name].reference(p, g, v, lr, mu)
            torch.testing.assert_close(p_ref, p_t)
            torch.testing.assert_close(v_ref, s["momentum_buffer"])


def test_adagrad_equals_torch():
    for p, g, G, lr, eps in _cases("adagrad_step"):
        state = {"step": torch.tensor(3.0), "sum": G}
        p_t, s = _torch_step(torch.optim.Adagrad, p, g, state, lr=lr, eps=eps)
        p_ref, G_ref = EXERCISES["adagrad_step"].reference(p, g, G, lr, eps)
        torch.testing.assert_close(p_ref, p_t)
        torch.testing.assert_close(G_ref, s["sum"])


def test_rmsprop_equals_torch():
    for p, g, v, lr, alpha, eps in _cases("rmsprop_step"):
        state = {"step": torch.tensor(2.0), "square_avg": v}
        p_t, s = _torch_step(torch.optim.RMSprop, p, g, state, lr=lr, alpha=alpha, eps=eps)
        p_ref, v_ref = EXERCISES["rmsprop_step"].reference(p, g, v, lr, alpha, eps)
        torch.testing.assert_close(p_ref, p_t)
        torch.testing.assert_close(v_ref, s["square_avg"])


@pytest.mark.parametrize("name", ["adam_step", "adamw_step"])
def test_adam_and_adamw_equal_torch(name):
    for case in _cases(name):
        p, g, m, v, t, lr, betas, eps = case[:8]
        extra = dict(weight_decay=case[8]) if name == "adamw_step" else {}
        state = {"step": torch.tensor(float(t - 1)), "exp_avg": m, "exp_avg_sq": v} if t > 1 \
            else {}
        cls = torch.optim.AdamW if name == "adamw_step" else torch.optim.Adam
        p_t, s = _torch_step(cls, p, g, state, lr=lr, betas=betas, eps=eps, **extra)
        p_ref, m_ref, v_ref = EXERCISES[name].reference(*case)
        torch.testing.assert_close(p_ref, p_t)
        torch.testing.assert_close(m_ref, s["exp_avg"])
        torch.testing.assert_close(v_ref, s["exp_avg_sq"])


def test_bound_and_hessian_references():
    for (A,) in _cases("max_stable_lr"):
        lr = EXERCISES["max_stable_lr"].reference(A)
        for factor, converges in [(0.95, True), (1.05, False)]:
            path = optim.trajectory(lambda ps: optim.SGD(ps, lr=factor * lr),
                                    lambda x: optim.quadratic(x, A),
                                    torch.ones(len(A), dtype=torch.float64), 400)
            assert (path[-1].norm() < 1e-3) == converges
    for (xy,) in _cases("rosenbrock_hessian"):
        expected = torch.autograd.functional.hessian(optim.rosenbrock, xy)
        torch.testing.assert_close(EXERCISES["rosenbrock_hessian"].reference(xy), expected)


def test_smoothing_reference_is_a_weighted_mean():
    for losses, beta in _cases("smoothed_losses"):
        smooth = EXERCISES["smoothed_losses"].reference(losses, beta)
        for k in range(1, len(losses) + 1):
            weights = beta ** torch.arange(k - 1, -1, -1, dtype=torch.float64)
            expected = (weights * losses[:k]).sum() / weights.sum()
            torch.testing.assert_close(smooth[k - 1], expected)


def test_schedule_reference_equals_torch_schedulers():
    warmup, total, lr = 10, 100, 0.1
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    scheduler = torch.optim.lr_scheduler.SequentialLR(opt, [
        torch.optim.lr_scheduler.LinearLR(opt, start_factor=1e-12, end_factor=1.0,
                                          total_iters=warmup),
        torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup)],
        milestones=[warmup])
    for step in range(total):
        expected = opt.param_groups[0]["lr"]
        assert math.isclose(EXERCISES["warmup_cosine"].reference(step, warmup, total, lr),
                            expected, rel_tol=1e-9, abs_tol=1e-12)
        opt.step()
        scheduler.step()
