"""Self-checks of tutorial 15: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from labkit import selfcheck

EXERCISES = selfcheck.exercises()


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ------------------------------------------------------------------ L2


def l2_without_half(weights, lam):
    total = 0.0
    for W in weights:
        total = total + (W**2).sum()
    return lam * total


def l2_abs(weights, lam):
    return 0.5 * lam * sum(torch.sum(torch.abs(W)) for W in weights)


def l2_norms(weights, lam):
    return 0.5 * lam * sum(torch.linalg.norm(W) for W in weights)


def l2_mean(weights, lam):
    return lam / 2 * sum((W * W).mean() for W in weights)


# ------------------------------------------------------------------ Adam


def _adam(w, grad, m, v, t, lr, weight_decay, decoupled, *, l2=True, correct=True, decay="lr"):
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    if l2:
        grad = grad + weight_decay * w
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    if correct:
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    else:
        m_hat, v_hat = m, v
    if decay == "lr":
        w = w * (1 - lr * weight_decay)
    elif decay == "no lr":
        w = w - weight_decay * w
    return w - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v


def adam_l2_forgotten(w, grad, m, v, t, lr, weight_decay, decoupled):
    return _adam(w, grad, m, v, t, lr, weight_decay, decoupled, l2=False,
                 decay="lr" if decoupled else None)


def adam_no_bias_correction(w, grad, m, v, t, lr, weight_decay, decoupled):
    return _adam(w, grad, m, v, t, lr, weight_decay, decoupled, l2=not decoupled, correct=False,
                 decay="lr" if decoupled else None)


def adamw_as_l2(w, grad, m, v, t, lr, weight_decay, decoupled):
    return _adam(w, grad, m, v, t, lr, weight_decay, decoupled, l2=True, decay=None)


def adamw_decay_without_lr(w, grad, m, v, t, lr, weight_decay, decoupled):
    return _adam(w, grad, m, v, t, lr, weight_decay, decoupled, l2=not decoupled,
                 decay="no lr" if decoupled else None)


def adamw_decay_twice(w, grad, m, v, t, lr, weight_decay, decoupled):
    return _adam(w, grad, m, v, t, lr, weight_decay, decoupled, l2=True,
                 decay="lr" if decoupled else None)


# ------------------------------------------------------------------ dropout


def dropout_always(X, U, p, training):
    mask = (U >= p).float().to(X.dtype)
    return mask * X / (1 - p)


def dropout_no_scale(X, U, p, training):
    if training:
        return torch.where(U >= p, X, torch.zeros_like(X))
    return X


def dropout_classic(X, U, p, training):
    if training:
        return torch.where(U >= p, X, 0.0)
    return (1 - p) * X


def dropout_divide_by_p(X, U, p, training):
    if not training:
        return X
    return torch.where(U >= p, X / p, torch.zeros_like(X))


def dropout_keep_below(X, U, p, training):
    if not training:
        return X
    return torch.where(U < p, X / (1 - p), torch.zeros_like(X))


# ------------------------------------------------------------ early stopping


def stop_on_first_increase(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        else:
            return best, epoch
    return best, None


def track_highest(val_losses, patience):
    best, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] > val_losses[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                return best, epoch
    return best, None


def best_of_all_epochs(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return int(torch.argmin(val_losses)), epoch
    return int(torch.argmin(val_losses)), None


def stop_one_late(val_losses, patience):
    best, waited = 0, 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited > patience:
                return best, epoch
    return best, None


def ties_improve(val_losses, patience):
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] <= val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, None


# ------------------------------------------------------------ augmentation


def augment_batch(X, transform):
    return transform(X)


def augment_forgot(X, transform):
    images = [x for x in X]
    return torch.stack(images)


def augment_cat(X, transform):
    out = []
    for i in range(len(X)):
        out.append(transform(X[i]))
    return torch.cat(out)


# ------------------------------------------------------------ batch norm


def bn_train(X, gamma, beta, running_mean, running_var, momentum, eps, *, correction=0,
             run_correction=1, keep=None, affine=True, update=True):
    mu = X.mean(dim=0)
    var = torch.var(X, dim=0, correction=correction)
    X_hat = (X - mu) / torch.sqrt(var + eps)
    out = gamma * X_hat + beta if affine else X_hat
    if not update:
        return out, running_mean, running_var
    keep = 1 - momentum if keep is None else keep
    new_mean = keep * running_mean + (1 - keep) * mu
    new_var = keep * running_var + (1 - keep) * torch.var(X, dim=0, correction=run_correction)
    return out, new_mean, new_var


def bn_unbiased_normalisation(X, gamma, beta, running_mean, running_var, momentum, eps):
    return bn_train(X, gamma, beta, running_mean, running_var, momentum, eps, correction=1)


def bn_no_affine(X, gamma, beta, running_mean, running_var, momentum, eps):
    return bn_train(X, gamma, beta, running_mean, running_var, momentum, eps, affine=False)


def bn_not_updated(X, gamma, beta, running_mean, running_var, momentum, eps):
    return bn_train(X, gamma, beta, running_mean, running_var, momentum, eps, update=False)


def bn_momentum_reversed(X, gamma, beta, running_mean, running_var, momentum, eps):
    return bn_train(X, gamma, beta, running_mean, running_var, momentum, eps, keep=momentum)


def bn_biased_running_var(X, gamma, beta, running_mean, running_var, momentum, eps):
    return bn_train(X, gamma, beta, running_mean, running_var, momentum, eps, run_correction=0)


def bn_eval_batch_stats(X, gamma, beta, running_mean, running_var, eps):
    mu, var = X.mean(0), X.var(0, unbiased=False)
    return gamma * (X - mu) / (var + eps).sqrt() + beta


def bn_eval_no_sqrt(X, gamma, beta, running_mean, running_var, eps):
    return gamma * (X - running_mean) / (running_var + eps) + beta


def bn_eval_no_beta(X, gamma, beta, running_mean, running_var, eps):
    return gamma * (X - running_mean) * torch.rsqrt(running_var + eps)


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("l2_penalty", l2_without_half, "½ is missing"),
        ("l2_penalty", l2_abs, "L1 penalty"),
        ("l2_penalty", l2_norms, "not squared"),
        ("l2_penalty", l2_mean, "mean over the entries"),
        ("adam_weight_decay_step", adam_l2_forgotten, "ignored in the coupled case"),
        ("adam_weight_decay_step", adam_no_bias_correction, "bias correction is missing"),
        ("adam_weight_decay_step", adamw_as_l2, "decay went into the gradient"),
        ("adam_weight_decay_step", adamw_decay_without_lr, "not scaled by the learning rate"),
        ("adam_weight_decay_step", adamw_decay_twice, "applied twice"),
        ("inverted_dropout", dropout_always, "in evaluation nothing is dropped"),
        ("inverted_dropout", dropout_no_scale, "not rescaled"),
        ("inverted_dropout", dropout_classic, "not inverted"),
        ("inverted_dropout", dropout_divide_by_p, "divided by p"),
        ("inverted_dropout", dropout_keep_below, "U < p"),
        ("early_stopping", stop_on_first_increase, "first epoch without improvement"),
        ("early_stopping", track_highest, "highest validation loss"),
        ("early_stopping", best_of_all_epochs, "including epochs after the stop"),
        ("early_stopping", stop_one_late, "off by one"),
        ("early_stopping", ties_improve, "tie is counted"),
        ("augment_each", augment_batch, "ONE set of parameters"),
        ("augment_each", augment_forgot, "returned unchanged"),
        ("augment_each", augment_cat, "torch.stack"),
        ("batchnorm_train", bn_unbiased_normalisation, "unbiased variance"),
        ("batchnorm_train", bn_no_affine, "γ and β are missing"),
        ("batchnorm_train", bn_not_updated, "not updated"),
        ("batchnorm_train", bn_momentum_reversed, "momentum weights the wrong term"),
        ("batchnorm_train", bn_biased_running_var, "running variance uses the biased"),
        ("batchnorm_eval", bn_eval_batch_stats, "batch's statistics"),
        ("batchnorm_eval", bn_eval_no_sqrt, "square root is missing"),
        ("batchnorm_eval", bn_eval_no_beta, "β is missing"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


# ------------------------------------------- the references against torch


@pytest.mark.parametrize("index", range(4))
def test_adam_reference_equals_torch(index):
    """One step of Adam(weight_decay) (coupled) or AdamW (decoupled), from the case's state."""
    w, grad, m, v, t, lr, wd, decoupled = EXERCISES["adam_weight_decay_step"].cases(
        torch.Generator().manual_seed(0))[index]
    param = nn.Parameter(w.clone())
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = cls([param], lr=lr, weight_decay=wd, betas=(0.9, 0.999), eps=1e-8)
    param.grad = grad.clone()
    if t > 1:  # resume from step t - 1 with the given moments
        opt.state[param] = {"step": torch.tensor(float(t - 1)), "exp_avg": m.clone(),
                            "exp_avg_sq": v.clone()}
    opt.step()
    w_new, m_new, v_new = EXERCISES["adam_weight_decay_step"].reference(w, grad, m, v, t, lr, wd, decoupled)
    torch.testing.assert_close(w_new, param.detach())
    torch.testing.assert_close(m_new, opt.state[param]["exp_avg"])
    torch.testing.assert_close(v_new, opt.state[param]["exp_avg_sq"])


def test_l2_penalty_gradient_is_weight_decay():
    weights, lam = EXERCISES["l2_penalty"].cases(torch.Generator().manual_seed(0))[0]
    weights = [w.clone().requires_grad_() for w in weights]
    EXERCISES["l2_penalty"].reference(weights, lam).backward()
    for w in weights:
        torch.testing.assert_close(w.grad, lam * w.detach())


def test_batchnorm_references_equal_nn_batchnorm():
    gen = torch.Generator().manual_seed(0)
    for X, gamma, beta, rm, rv, momentum, eps in EXERCISES["batchnorm_train"].cases(gen):
        layer = nn.BatchNorm1d(X.shape[1], eps=eps, momentum=momentum).to(X.dtype)
        with torch.no_grad():
            layer.weight.copy_(gamma)
            layer.bias.copy_(beta)
            layer.running_mean.copy_(rm)
            layer.running_var.copy_(rv)
        out, new_mean, new_var = EXERCISES["batchnorm_train"].reference(X, gamma, beta, rm, rv, momentum, eps)
        torch.testing.assert_close(out, layer(X).detach())
        torch.testing.assert_close(new_mean, layer.running_mean)
        torch.testing.assert_close(new_var, layer.running_var)
        layer.eval()
        torch.testing.assert_close(
            EXERCISES["batchnorm_eval"].reference(X, gamma, beta, new_mean, new_var, eps),
            layer(X).detach(),
        )


def test_dropout_reference_statistics_like_nn_dropout():
    """Same zero fraction and mean as nn.Dropout on a large tensor; evaluation is the identity."""
    gen = torch.Generator().manual_seed(0)
    X = torch.ones(200_000, dtype=torch.float64)
    U = torch.rand(X.shape, generator=gen, dtype=torch.float64)
    mine = EXERCISES["inverted_dropout"].reference(X, U, 0.3, True)
    torch.manual_seed(0)
    theirs = nn.Dropout(0.3)(X)
    assert abs((mine == 0).double().mean() - (theirs == 0).double().mean()) < 0.005
    assert set(mine.unique().tolist()) == set(theirs.unique().tolist())
    assert abs(mine.mean() - 1) < 0.01
    assert torch.equal(EXERCISES["inverted_dropout"].reference(X, U, 0.3, False), X)
