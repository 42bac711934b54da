"""Self-checks of tutorial 11: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def _onehot(y, like):
    return F.one_hot(y, like.shape[1]).to(like.dtype)


# ------------------------------------------------------------ wrong layers


def relu_backward_no_mask(dA, Z):
    dZ = dA.clone()
    return dZ


def relu_backward_mask_from_grad(dA, Z):
    return torch.where(dA > 0, dA, torch.zeros_like(dA))


def relu_backward_times_relu(dA, Z):
    return dA * torch.relu(Z)


def relu_backward_ge(dA, Z):
    return torch.where(Z >= 0, dA, torch.zeros_like(dA))


def softmax_dim0(Z):
    e = torch.exp(Z - Z.max(dim=0, keepdim=True).values)
    return e / e.sum(dim=0, keepdim=True)


def softmax_no_shift(Z):
    e = torch.exp(Z)
    return e / torch.sum(e, 1, keepdim=True)


def softmax_unnormalised(Z):
    return torch.exp(Z)


def softmax_no_keepdim(Z):
    e = torch.exp(Z - Z.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1)


def ce_sum(Z, y):
    logp = torch.log_softmax(Z, dim=1)
    return -logp.gather(1, y[:, None]).sum()


def ce_positive_log(Z, y):
    return F.log_softmax(Z, dim=1)[range(len(y)), y].mean()


def ce_naive_log(Z, y):
    p = torch.softmax(Z, dim=1)
    p = Z.exp() / Z.exp().sum(1, keepdim=True)
    return -torch.log(p[torch.arange(Z.shape[0]), y]).mean()


def ce_column_index(Z, y):
    return -torch.log_softmax(Z, 1)[:, y].mean()


def ce_no_log(Z, y):
    return -torch.softmax(Z, dim=1).gather(1, y.unsqueeze(1)).mean()


def dlogits_sum(a2, y):
    return a2 - _onehot(y, a2)


def dlogits_sign(a2, y):
    return (_onehot(y, a2) - a2) / len(y)


def dlogits_no_target(a2, y):
    return a2 / len(y)


def dlogits_by_classes(a2, y):
    N, C = a2.shape
    return (a2 - _onehot(y, a2)) / C


def linear_backward_dW_transposed(dZ, X, W):
    return dZ @ W, torch.mm(X.t(), dZ), dZ.sum(dim=0)


def linear_backward_db_mean(dZ, X, W):
    return dZ @ W, dZ.T @ X, torch.mean(dZ, dim=0)


def linear_backward_db_rows(dZ, X, W):
    return dZ @ W, dZ.T @ X, dZ.sum(dim=1)


def linear_backward_dX_transposed_weights(dZ, X, W):
    return dZ @ W.T, dZ.T @ X, dZ.sum(0)


def linear_backward_dW_over_n(dZ, X, W):
    N = X.shape[0]
    return dZ @ W, (dZ.T @ X) / N, dZ.sum(0)


# ------------------------------------------------------------ wrong network


def forward_no_relu(X, W1, b1, W2, b2):
    z1 = X @ W1.T + b1
    a1 = z1
    z2 = a1 @ W2.T + b2
    return z2, (z1, a1, torch.softmax(z2, dim=1))


def forward_softmax_dim0(X, W1, b1, W2, b2):
    z1 = X @ W1.T + b1
    a1 = torch.relu(z1)
    z2 = a1 @ W2.T + b2
    return z2, (z1, a1, torch.softmax(z2, 0))


def forward_logits_as_probs(X, W1, b1, W2, b2):
    z1 = torch.addmm(b1, X, W1.T)
    a1 = z1.clamp(min=0)
    z2 = torch.addmm(b2, a1, W2.T)
    return z2, (z1, a1, z2)


def forward_relu_on_logits(X, W1, b1, W2, b2):
    a1 = torch.relu(X @ W1.T + b1)
    z2 = torch.relu(a1 @ W2.T + b2)
    return z2, (X @ W1.T + b1, a1, torch.softmax(z2, dim=1))


def forward_weights_in_out(X, W1, b1, W2, b2):
    z1 = X @ W1 + b1
    a1 = torch.relu(z1)
    z2 = a1 @ W2 + b2
    return z2, (z1, a1, torch.softmax(z2, dim=1))


def _backward(X, y, W2, z1, a1, a2, *, mask=True, n=True, sign=1.0):
    dz2 = sign * (a2 - _onehot(y, a2))
    if n:
        dz2 = dz2 / X.shape[0]
    da1 = dz2 @ W2
    dz1 = da1 * (z1 > 0).float().to(da1.dtype) if mask else da1
    return dz1.T @ X, dz1.sum(0), dz2.T @ a1, dz2.sum(0)


def backward_no_mask(X, y, W1, b1, W2, b2, cache):
    z1, a1, a2 = cache
    return _backward(X, y, W2, z1, a1, a2, mask=False)


def backward_no_mean(X, y, W1, b1, W2, b2, cache):
    z1, a1, a2 = cache
    return _backward(X, y, W2, z1, a1, a2, n=False)


def backward_flipped(X, y, W1, b1, W2, b2, cache):
    z1, a1, a2 = cache
    return _backward(X, y, W2, z1, a1, a2, sign=-1.0)


def backward_dW2_transposed(X, y, W1, b1, W2, b2, cache):
    z1, a1, a2 = cache
    dW1, db1, dW2, db2 = _backward(X, y, W2, z1, a1, a2)
    return dW1, db1, dW2.T, db2


def _step(X, y, W1, b1, W2, b2, lr, update):
    params = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
    loss = F.cross_entropy(F.linear(torch.relu(F.linear(X, params[0], params[1])), params[2], params[3]), y)
    grads = torch.autograd.grad(loss, params)
    return (*[update(i, p.detach(), g) for i, (p, g) in enumerate(zip(params, grads))], loss.detach())


def step_ascent(X, y, W1, b1, W2, b2, lr):
    return _step(X, y, W1, b1, W2, b2, lr, lambda i, p, g: p + lr * g)


def step_no_lr(X, y, W1, b1, W2, b2, lr):
    return _step(X, y, W1, b1, W2, b2, lr, lambda i, p, g: p - g)


def step_weights_only(X, y, W1, b1, W2, b2, lr):
    return _step(X, y, W1, b1, W2, b2, lr, lambda i, p, g: p - lr * g if p.ndim == 2 else p)


def step_loss_after(X, y, W1, b1, W2, b2, lr):
    *new, _ = _step(X, y, W1, b1, W2, b2, lr, lambda i, p, g: p - lr * g)
    loss = F.cross_entropy(F.linear(torch.relu(F.linear(X, new[0], new[1])), new[2], new[3]), y)
    return (*new, loss)


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("linear_forward", lambda X, W, b: torch.matmul(X, W.t()), "bias is missing"),
        ("linear_forward", lambda X, W, b: X @ W.T - b, "bias is subtracted"),
        ("linear_forward", lambda X, W, b: torch.addmm(b[:, None], W, X.T), "one column per example"),
        ("linear_forward", lambda X, W, b: X @ W + b, "transposed weight matrix"),
        ("relu_backward", relu_backward_no_mask, "mask is forgotten"),
        ("relu_backward", relu_backward_mask_from_grad, "mask comes from dA"),
        ("relu_backward", relu_backward_times_relu, "multiplies by ReLU(Z)"),
        ("relu_backward", relu_backward_ge, "Z > 0, not Z >= 0"),
        ("softmax", softmax_dim0, "wrong axis"),
        ("softmax", softmax_no_shift, "subtract each row's maximum"),
        ("softmax", softmax_unnormalised, "normalisation is missing"),
        ("softmax", softmax_no_keepdim, "sum over the wrong axis"),
        ("cross_entropy", ce_sum, "1/N is missing"),
        ("cross_entropy", ce_positive_log, "sign is missing"),
        ("cross_entropy", ce_naive_log, "logsumexp"),
        ("cross_entropy", ce_column_index, "N × N matrix"),
        ("cross_entropy", ce_no_log, "log is missing"),
        ("softmax_ce_backward", dlogits_sum, "1/N is missing"),
        ("softmax_ce_backward", dlogits_sign, "sign is flipped"),
        ("softmax_ce_backward", dlogits_no_target, "e_y is missing"),
        ("softmax_ce_backward", dlogits_by_classes, "number of classes"),
        ("linear_backward", linear_backward_dW_transposed, "dW is transposed"),
        ("linear_backward", linear_backward_db_mean, "db is a mean"),
        ("linear_backward", linear_backward_db_rows, "wrong axis"),
        ("linear_backward", linear_backward_dX_transposed_weights, "transposed weight matrix"),
        ("linear_backward", linear_backward_dW_over_n, "dW is divided by N"),
        ("two_layer_forward", forward_no_relu, "ReLU is missing"),
        ("two_layer_forward", forward_softmax_dim0, "wrong axis"),
        ("two_layer_forward", forward_logits_as_probs, "not the logits"),
        ("two_layer_forward", forward_relu_on_logits, "output layer is linear"),
        ("two_layer_forward", forward_weights_in_out, "transposed weight matrix"),
        ("two_layer_backward", backward_no_mask, "ReLU mask is forgotten"),
        ("two_layer_backward", backward_no_mean, "1/N of the mean loss"),
        ("two_layer_backward", backward_flipped, "wrong sign"),
        ("two_layer_backward", backward_dW2_transposed, "dW2 is transposed"),
        ("descent_step", step_ascent, "uphill"),
        ("descent_step", step_no_lr, "learning rate is missing"),
        ("descent_step", step_weights_only, "biases are not updated"),
        ("descent_step", step_loss_after, "loss is the one after the update"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_right_answers_written_differently_pass():
    def softmax(Z):
        e = torch.exp(Z - Z.amax(dim=1, keepdim=True))
        return e / e.sum(dim=1, keepdim=True)

    def cross_entropy(Z, y):
        return (torch.logsumexp(Z, dim=1) - Z.gather(1, y[:, None]).squeeze(1)).mean()

    assert selfcheck.verdict("softmax", softmax).passed
    assert selfcheck.verdict("cross_entropy", cross_entropy).passed
    assert selfcheck.verdict("linear_forward", lambda X, W, b: torch.nn.functional.linear(X, W, b)).passed
