"""Self-checks of tutorial 17: wrong answers a student writes, and the hint each gets.

Also checks the references themselves against torch (nn.RNNCell, F.cross_entropy,
clip_grad_norm_) and gradchecks the BPTT reference in float64.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import gradcheck

from labkit import rnn, selfcheck
from labkit.selfcheck import rnn as checks
from tests.handwritten import autograd_function


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- wrong answers, as written


def _count_matrix(X, Y, V, swap=False):
    N = torch.zeros(V, V)
    for x, y in zip(X.tolist(), Y.tolist()):
        if swap:
            N[y, x] += 1
        else:
            N[x, y] += 1
    return N


def probs_by_column(X, Y, vocab_size, alpha):
    N = _count_matrix(X, Y, vocab_size) + alpha
    return N / N.sum(0)


def probs_swapped(X, Y, vocab_size, alpha):
    N = _count_matrix(X, Y, vocab_size, swap=True) + alpha
    return N / N.sum(dim=1, keepdim=True)


def probs_unsmoothed(X, Y, vocab_size, alpha):
    N = _count_matrix(X, Y, vocab_size)
    return N / N.sum(dim=1, keepdim=True)


def probs_alpha_on_top(X, Y, vocab_size, alpha):
    N = _count_matrix(X, Y, vocab_size)
    return (N + alpha) / N.sum(dim=1, keepdim=True)


def bptt_student(X, h0, W_ih, W_hh, b_ih, b_hh, dH, bug=None):
    """A loop-by-loop BPTT as a student writes it, with one bug switched on."""
    T = X.shape[0]
    H = [h0]
    for t in range(T):
        H.append(torch.tanh(X[t] @ W_ih.T + b_ih + H[t] @ W_hh.T + b_hh))
    dX = torch.zeros_like(X)
    dW_ih, dW_hh, db = torch.zeros_like(W_ih), torch.zeros_like(W_hh), torch.zeros_like(b_ih)
    carry = torch.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        if bug == "last step only":
            dh = carry + (dH[t] if t == T - 1 else 0)
        elif bug == "no carry":
            dh = dH[t]
        else:
            dh = carry + dH[t]
        da = dh if bug == "no tanh" else dh * (1 - H[t + 1] * H[t + 1])
        dX[t] = da @ W_ih
        carry = da @ W_hh
        prev = H[t + 1] if bug == "h_t" else H[t]
        if bug == "overwrite":
            dW_ih, dW_hh, db = da.T @ X[t], da.T @ prev, da.sum(0)
        else:
            dW_ih = dW_ih + da.T @ X[t]
            dW_hh = dW_hh + da.T @ prev
            db = db + da.sum(dim=0)
    return dX, carry, dW_ih, dW_hh, db


def _gather(logp, targets):
    return torch.gather(logp, 2, targets.clamp(min=0)[..., None])[..., 0]


def nll_over_all_positions(logits, targets):
    mask = (targets >= 0).to(logits.dtype)
    N, T, V = logits.shape
    return -(_gather(F.log_softmax(logits, dim=2), targets) * mask).sum() / (N * T)


def nll_padding_as_dot(logits, targets):
    V = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, V), targets.clamp(min=0).reshape(-1))


def nll_of_raw_logits(logits, targets):
    mask = targets != -100
    return -_gather(logits, targets)[mask].mean()


def nll_softmax_over_time(logits, targets):
    mask = targets != -100
    return -torch.log(torch.softmax(logits, dim=1)).gather(2, targets.clamp(min=0).unsqueeze(2)).squeeze(2)[mask].mean()


def nll_mean_of_names(logits, targets):
    mask = (targets != -100).to(logits.dtype)
    per_char = -_gather(F.log_softmax(logits, dim=-1), targets) * mask
    return (per_char.sum(dim=1) / mask.sum(dim=1)).mean()


def clip_one_by_one(grads, max_norm):
    total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
    out = []
    for g in grads:
        n = g.norm()
        out.append(g * max_norm / n if n > max_norm else g.clone())
    return out, total


def clip_values(grads, max_norm):
    total = torch.stack([g.norm() for g in grads]).norm()
    return [torch.clamp(g, min=-max_norm, max=max_norm) for g in grads], total


def clip_always(grads, max_norm):
    total = torch.stack([g.norm() for g in grads]).norm()
    return [g / total * max_norm for g in grads], total


def clip_no_sqrt(grads, max_norm):
    total = sum((g * g).sum() for g in grads)
    factor = max_norm / total if total > max_norm else 1.0
    return [g * factor for g in grads], total


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("bigram_probs", probs_by_column, "columns sum to 1"),
        ("bigram_probs", probs_swapped, "swapped"),
        ("bigram_probs", probs_unsmoothed, "smoothing is missing"),
        ("bigram_probs", probs_alpha_on_top, "numerator only"),
        ("bigram_nll", lambda P, X, Y: -torch.log(P[Y, X]).mean(), "indices are swapped"),
        ("bigram_nll", lambda P, X, Y: -torch.log(P[X, Y]).sum(), "sum over the pairs"),
        ("bigram_nll", lambda P, X, Y: -(torch.log(P[X, Y]) / math.log(2)).mean(), "bits"),
        ("bigram_nll", lambda P, X, Y: -torch.log(P[X, Y].mean()), "mean probability"),
        ("rnn_cell", lambda x, h, W_ih, W_hh, b_ih, b_hh: x @ W_ih.T + h @ W_hh.T + b_ih + b_hh,
         "tanh is missing"),
        ("rnn_cell", lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.sigmoid(x @ W_ih.T + h @ W_hh.T + b_ih + b_hh),
         "sigmoid"),
        ("rnn_cell", lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x @ W_ih.T + h @ W_hh + b_ih + b_hh),
         "without the transpose"),
        ("rnn_cell", lambda x, h, W_ih, W_hh, b_ih, b_hh: torch.tanh(x @ W_ih.T + h @ W_hh.T + b_ih),
         "a bias is missing"),
        ("rnn_cell", lambda x, h, W_ih, W_hh, b_ih, b_hh:
         torch.tanh(torch.mm(x, W_ih.t()) + b_ih) + torch.mm(h, W_hh.t()) + b_hh, "input term only"),
        ("rnn_bptt", lambda *a: bptt_student(*a, bug="no tanh"), "tanh derivative is missing"),
        ("rnn_bptt", lambda *a: bptt_student(*a, bug="no carry"), "nothing flows back through time"),
        ("rnn_bptt", lambda *a: bptt_student(*a, bug="last step only"), "only the last step"),
        ("rnn_bptt", lambda *a: bptt_student(*a, bug="overwrite"), "overwritten"),
        ("rnn_bptt", lambda *a: bptt_student(*a, bug="h_t"), "h_{t−1}"),
        ("masked_char_nll", nll_over_all_positions, "all N·T positions"),
        ("masked_char_nll", nll_padding_as_dot, "padded positions are scored"),
        ("masked_char_nll", nll_of_raw_logits, "logits are used as log-probabilities"),
        ("masked_char_nll", nll_softmax_over_time, "time axis"),
        ("masked_char_nll", nll_mean_of_names, "mean over names"),
        ("temperature_probs", lambda lo, t: torch.softmax(lo * t, -1), "multiplied by τ"),
        ("temperature_probs", lambda lo, t: F.softmax(lo, dim=-1) / t, "after the softmax"),
        ("temperature_probs", lambda lo, t: torch.exp(torch.log_softmax(lo, -1) / t), "normalised again"),
        ("temperature_probs", lambda lo, t: torch.softmax(lo / t, 0), "first axis"),
        ("clip_grad_norm", clip_one_by_one, "its own norm"),
        ("clip_grad_norm", clip_values, "clip_grad_value_"),
        ("clip_grad_norm", clip_always, "even when their norm is below"),
        ("clip_grad_norm", clip_no_sqrt, "square root"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


# ---------------------------------------------------------------- the references against torch


def test_bigram_probs_rows_are_distributions_of_the_next_character():
    X, Y = torch.tensor([0, 0, 1, 2, 2, 2]), torch.tensor([1, 1, 2, 0, 0, 1])
    P = checks.bigram_probs(X, Y, 3, 1.0)
    torch.testing.assert_close(P.sum(1), torch.ones(3))
    torch.testing.assert_close(P[2], torch.tensor([3.0, 2.0, 1.0]) / 6)  # counts 2, 1, 0 plus 1


def test_rnn_cell_equals_nn_rnncell():
    torch.manual_seed(0)
    cell = nn.RNNCell(3, 5)
    x, h = torch.randn(4, 3), torch.randn(4, 5)
    torch.testing.assert_close(checks.rnn_cell(x, h, *rnn.params_from_torch(cell)), cell(x, h), atol=1e-6, rtol=0)


def test_masked_char_nll_equals_cross_entropy_with_ignore_index():
    gen = torch.Generator().manual_seed(0)
    for logits, targets in checks._nll_cases(gen):
        expected = F.cross_entropy(logits.transpose(1, 2), targets)
        torch.testing.assert_close(checks.masked_char_nll(logits, targets), expected)


def test_clip_grad_norm_equals_torch():
    gen = torch.Generator().manual_seed(0)
    for grads, max_norm in checks._clip_cases(gen):
        params = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = nn.utils.clip_grad_norm_(params, max_norm)
        clipped, mine = checks.clip_grad_norm(grads, max_norm)
        torch.testing.assert_close(mine, total)
        for c, p in zip(clipped, params):
            torch.testing.assert_close(c, p.grad)


def _bptt_backward(dH, inputs):
    *grads, db = checks.rnn_bptt(*inputs, dH)
    return (*grads, db, db)  # b_ih and b_hh get the same gradient


# the unrolled RNN with the exercise's reference as its backward pass
_bptt = autograd_function(
    lambda X, h0, *params: (rnn.rnn_forward(X, h0, params)[0], (X, h0, *params)), _bptt_backward
)


@pytest.mark.parametrize("case", range(3))
def test_bptt_reference_is_gradchecked(case):
    args = checks._bptt_cases(torch.Generator().manual_seed(1))[case][:-1]
    args = tuple(a.detach().requires_grad_() for a in args)
    assert gradcheck(_bptt, args, eps=1e-6, atol=1e-6)


def test_bptt_reference_equals_autograd():
    X, h0, W_ih, W_hh, b_ih, b_hh, dH = checks._bptt_cases(torch.Generator().manual_seed(2))[2]
    leaves = [t.clone().requires_grad_() for t in (X, h0, W_ih, W_hh, b_ih, b_hh)]
    H = rnn.rnn_forward(leaves[0], leaves[1], leaves[2:])[0]
    (H * dH).sum().backward()
    dX, dh0, dW_ih, dW_hh, db = checks.rnn_bptt(X, h0, W_ih, W_hh, b_ih, b_hh, dH)
    for mine, leaf in zip((dX, dh0, dW_ih, dW_hh, db, db), leaves):
        torch.testing.assert_close(mine, leaf.grad)
