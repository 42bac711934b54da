"""Self-checks of tutorial 08: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- model_mse


def mse_broadcast(model, X, y):
    errors = model(X) - y  # (N, 1) - (N,)
    return torch.mean(errors**2)


def mse_summed(model, X, y):
    return torch.sum((model(X)[:, 0] - y) ** 2)


def mse_rmse(model, X, y):
    return torch.sqrt(torch.mean((model(X).flatten() - y) ** 2))


def mse_absolute(model, X, y):
    return torch.mean(torch.abs(model(X).view(-1) - y))


# ---------------------------------------------------------------- bfgs_update


def bfgs_dfp(H, s, r):
    Hr = H @ r
    return H - torch.outer(Hr, r @ H) / torch.dot(r, Hr) + torch.outer(s, s) / torch.dot(s, r)


def bfgs_no_factor(H, s, r):
    rho = 1.0 / torch.dot(r, s)
    return H - rho * (torch.outer(s, r) @ H + H @ torch.outer(r, s)) + rho * torch.outer(s, s)


def bfgs_swapped(H, s, r):
    rho = 1 / torch.dot(s, r)
    I = torch.eye(len(s), dtype=H.dtype)
    return (I - rho * torch.outer(r, s)) @ H @ (I - rho * torch.outer(s, r)) + rho * torch.outer(r, r)


def bfgs_one_cross_term(H, s, r):
    rho = 1 / (s @ r)
    Hr = H @ r
    return H - rho * s[:, None] * Hr[None, :] + rho * (1 + rho * r @ Hr) * s[:, None] * s[None, :]


def bfgs_product_sign(H, s, r):
    rho = 1 / (s @ r)
    I = torch.eye(len(s), dtype=H.dtype)
    return (I + rho * torch.outer(s, r)) @ H @ (I + rho * torch.outer(r, s)) + rho * torch.outer(s, s)


# ---------------------------------------------------------------- weighted_hidden


def hidden_unscaled(model, X):
    return torch.sigmoid(X @ model.W1.T + model.b1)


def hidden_with_bias(model, X):
    H = model.hidden(X)[0]
    return H * model.W2.squeeze(0) + model.b2


def hidden_summed(model, X):
    return torch.matmul(model.hidden(X)[0], model.W2.T)


def hidden_pre_activation(model, X):
    Z = X @ model.W1.T + model.b1
    return Z * model.W2


# ---------------------------------------------------------------- train_adam


def mse(model, X, y):
    return ((model(X).squeeze(1) - y) ** 2).mean()


def adam_no_zero_grad(model, X, y, steps, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = mse(model, X, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def adam_loss_after_step(model, X, y, steps, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        mse(model, X, y).backward()
        opt.step()
        with torch.no_grad():
            losses.append(mse(model, X, y).item())
    return losses


def adam_is_sgd(model, X, y, steps, lr):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = mse(model, X, y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses


def adam_summed_loss(model, X, y, steps, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.sum((model(X)[:, 0] - y) ** 2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("model_mse", mse_broadcast, "broadcasts to an (N, N)"),
        ("model_mse", mse_summed, "sum of the squared errors"),
        ("model_mse", mse_rmse, "RMSE"),
        ("model_mse", mse_absolute, "mean absolute error"),
        ("bfgs_update", bfgs_dfp, "DFP"),
        ("bfgs_update", bfgs_no_factor, "factor (1 + ρ rᵀHr)"),
        ("bfgs_update", bfgs_swapped, "s and r are swapped"),
        ("bfgs_update", bfgs_one_cross_term, "not symmetric"),
        ("bfgs_update", bfgs_product_sign, "wrong sign"),
        ("weighted_hidden", hidden_unscaled, "hidden outputs h_k(x) themselves"),
        ("weighted_hidden", hidden_with_bias, "output bias b2"),
        ("weighted_hidden", hidden_summed, "sums over the units"),
        ("weighted_hidden", hidden_pre_activation, "pre-activations"),
        ("train_adam", adam_no_zero_grad, "never reset"),
        ("train_adam", adam_loss_after_step, "after the update"),
        ("train_adam", adam_is_sgd, "torch.optim.SGD"),
        ("train_adam", adam_summed_loss, "sum of the squared errors"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_correct_student_versions_pass():
    def bfgs_product_form(H, s, r):
        rho = 1 / torch.dot(r, s)
        I = torch.eye(len(s), dtype=H.dtype)
        return (I - rho * torch.outer(s, r)) @ H @ (I - rho * torch.outer(r, s)) + rho * torch.outer(s, s)

    def adam(model, X, y, steps, lr):
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        out = []
        for _ in range(steps):
            opt.zero_grad()
            loss = mse(model, X, y)
            loss.backward()
            opt.step()
            out.append(loss.item())
        return out

    assert selfcheck.verdict("bfgs_update", bfgs_product_form).passed
    assert selfcheck.verdict("model_mse", lambda m, X, y: torch.nn.functional.mse_loss(m(X)[:, 0], y)).passed
    assert selfcheck.verdict("weighted_hidden", lambda m, X: m.hidden(X)[0] * m.W2).passed
    assert selfcheck.verdict("train_adam", adam).passed


def test_the_bfgs_reference_satisfies_the_secant_condition():
    exercise = selfcheck.exercises()["bfgs_update"]
    for H, s, r in exercise.cases(torch.Generator().manual_seed(0)):
        H_new = exercise.reference(H, s, r)
        torch.testing.assert_close(H_new @ r, s)
        torch.testing.assert_close(H_new, H_new.T)
        assert torch.linalg.eigvalsh(H_new).min() > 0
