"""Self-checks of tutorial 12: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import practical, selfcheck
from labkit.selfcheck.mnist_practical import check_backward_pass, returning_gradients


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def _dsigma(x):
    return 4 * (x.exp() + x.mul(-1).exp()).pow(-2)


def _forward(w1, b1, w2, b2, x):
    s1 = w1.mv(x) + b1
    x1 = s1.tanh()
    s2 = w2.mv(x1) + b2
    return x, s1, x1, s2, s2.tanh()


# -------------------------------------------------- wrong backward passes


def backward_overwrites(w1, b1, w2, b2, t, x, s1, x1, s2, x2, dl_dw1, dl_db1, dl_dw2, dl_db2):
    dl_ds2 = _dsigma(s2) * 2 * (x2 - t)
    dl_ds1 = _dsigma(s1) * w2.t().mv(dl_ds2)
    dl_dw2.copy_(dl_ds2.view(-1, 1).mm(x1.view(1, -1)))
    dl_db2.copy_(dl_ds2)
    dl_dw1.copy_(dl_ds1.view(-1, 1).mm(x.view(1, -1)))
    dl_db1[:] = dl_ds1


def backward_rebinds(w1, b1, w2, b2, t, x, s1, x1, s2, x2, dl_dw1, dl_db1, dl_dw2, dl_db2):
    dl_ds2 = _dsigma(s2) * 2 * (x2 - t)
    dl_ds1 = _dsigma(s1) * w2.t().mv(dl_ds2)
    dl_dw2 = dl_dw2 + dl_ds2.view(-1, 1).mm(x1.view(1, -1))  # noqa: F841 - the mistake
    dl_db2 = dl_db2 + dl_ds2  # noqa: F841
    dl_dw1 = dl_dw1 + dl_ds1.view(-1, 1).mm(x.view(1, -1))  # noqa: F841
    dl_db1 = dl_db1 + dl_ds1  # noqa: F841


def backward_dsigma_of_outputs(w1, b1, w2, b2, t, x, s1, x1, s2, x2, dl_dw1, dl_db1, dl_dw2, dl_db2):
    dl_ds2 = _dsigma(x2) * 2 * (x2 - t)
    dl_ds1 = _dsigma(x1) * w2.t().mv(dl_ds2)
    dl_dw2.add_(torch.outer(dl_ds2, x1))
    dl_db2.add_(dl_ds2)
    dl_dw1.add_(torch.outer(dl_ds1, x))
    dl_db1.add_(dl_ds1)


def backward_no_output_dsigma(w1, b1, w2, b2, t, x, s1, x1, s2, x2, dl_dw1, dl_db1, dl_dw2, dl_db2):
    dl_ds2 = 2 * (x2 - t)
    dl_ds1 = _dsigma(s1) * w2.t().mv(dl_ds2)
    dl_dw2 += torch.outer(dl_ds2, x1)
    dl_db2 += dl_ds2
    dl_dw1 += torch.outer(dl_ds1, x)
    dl_db1 += dl_ds1


# -------------------------------------------------- wrong training steps


def _summed_gradients(w1, b1, w2, b2, X, T):
    grads = [torch.zeros_like(p) for p in (w1, b1, w2, b2)]
    for n in range(X.shape[0]):
        practical.backward_pass(w1, b1, w2, b2, T[n], *_forward(w1, b1, w2, b2, X[n]), *grads)
    return grads


def step_ascent(w1, b1, w2, b2, X, T, eta):
    grads = _summed_gradients(w1, b1, w2, b2, X, T)
    return tuple(p + eta * g for p, g in zip((w1, b1, w2, b2), grads))


def step_reset_inside_loop(w1, b1, w2, b2, X, T, eta):
    for n in range(X.shape[0]):
        grads = [torch.zeros_like(p) for p in (w1, b1, w2, b2)]
        practical.backward_pass(w1, b1, w2, b2, T[n], *_forward(w1, b1, w2, b2, X[n]), *grads)
    return tuple(p - eta * g for p, g in zip((w1, b1, w2, b2), grads))


def step_mean_gradient(w1, b1, w2, b2, X, T, eta):
    N = X.shape[0]
    grads = _summed_gradients(w1, b1, w2, b2, X, T)
    return tuple(p - eta * (g / N) for p, g in zip((w1, b1, w2, b2), grads))


def step_weights_only(w1, b1, w2, b2, X, T, eta):
    dw1, _, dw2, _ = _summed_gradients(w1, b1, w2, b2, X, T)
    return w1 - eta * dw1, b1, w2 - eta * dw2, b2


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("sigma", lambda x: 1 / (1 + torch.exp(-x)), "this is the sigmoid"),
        ("sigma", lambda x: (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x)), "overflows"),
        ("sigma", lambda x: 2 / (1 + torch.exp(-x)) - 1, "tanh(x/2)"),
        ("loss", lambda v, t: torch.mean((t - v) ** 2), "this is the mean"),
        ("loss", lambda v, t: torch.sum(torch.abs(t - v)), "square is missing"),
        ("loss", lambda v, t: torch.sqrt(((t - v) ** 2).sum()), "this is the norm"),
        ("loss", lambda v, t: torch.sum(t - v) ** 2, "squares the sum"),
        ("dloss", lambda v, t: v.sub(t), "factor 2"),
        ("dloss", lambda v, t: 2 * t - 2 * v, "sign is flipped"),
        ("dloss", lambda v, t: 2 * (v - t) / len(v.reshape(-1)), "gradient of the mean"),
        ("forward_pass", lambda w1, b1, w2, b2, x: (*_forward(w1, b1, w2, b2, x)[:4],
                                                    _forward(w1, b1, w2, b2, x)[3]), "output is not squashed"),
        ("forward_pass", lambda w1, b1, w2, b2, x: (x, w1.mv(x) + b1, w1.mv(x) + b1,
                                                    w2.mv(w1.mv(x) + b1) + b2,
                                                    (w2.mv(w1.mv(x) + b1) + b2).tanh()), "hidden layer"),
        ("forward_pass", lambda w1, b1, w2, b2, x: _forward(w1, 0 * b1, w2, b2, x), "bias is missing"),
        ("backward_pass", returning_gradients(backward_overwrites), "overwritten, not added"),
        ("backward_pass", returning_gradients(backward_rebinds), "rebinds the name"),
        ("backward_pass", returning_gradients(backward_dsigma_of_outputs), "not at the outputs"),
        ("backward_pass", returning_gradients(backward_no_output_dsigma), "σ'(s2) is missing"),
        ("step_per_sample", step_ascent, "uphill"),
        ("step_per_sample", step_reset_inside_loop, "only the last sample"),
        ("step_per_sample", step_mean_gradient, "divided by N once too often"),
        ("step_per_sample", step_weights_only, "biases are not updated"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_check_backward_pass_returns_the_students_function_or_labkits(monkeypatch, capsys):
    monkeypatch.delenv("LABKIT_SELFCHECK_STRICT", raising=False)

    def backward_pass(w1, b1, w2, b2, t, x, s1, x1, s2, x2, dl_dw1, dl_db1, dl_dw2, dl_db2):
        dl_ds2 = _dsigma(s2) * 2 * (x2 - t)
        dl_ds1 = _dsigma(s1) * w2.t().mv(dl_ds2)
        dl_dw2.add_(dl_ds2.view(-1, 1).mm(x1.view(1, -1)))
        dl_db2.add_(dl_ds2)
        dl_dw1.add_(dl_ds1.view(-1, 1).mm(x.view(1, -1)))
        dl_db1.add_(dl_ds1)

    assert check_backward_pass(backward_pass) is backward_pass
    assert check_backward_pass(backward_overwrites) is practical.backward_pass
    out = capsys.readouterr().out
    assert "✓ backward_pass" in out and "✗ backward_pass" in out


def test_unwritten_backward_pass_is_not_attempted(monkeypatch, capsys):
    monkeypatch.delenv("LABKIT_SELFCHECK_STRICT", raising=False)

    def backward_pass(*args):
        raise NotImplementedError()

    assert check_backward_pass(backward_pass) is practical.backward_pass
    assert "not attempted yet" in capsys.readouterr().out
