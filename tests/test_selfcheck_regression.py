"""Self-checks of tutorial 05: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- exercise 1


def mse_sum(y_hat, y):
    loss = 0.0
    for a, b in zip(y_hat, y):
        loss = loss + (a - b) ** 2
    return loss


def gd_step_ascent(w, b, dw, db, lr):
    return w + lr * dw, b + lr * db


def gd_step_no_lr(w, b, dw, db, lr):
    w_new = w - dw
    b_new = b - db
    return w_new, b_new


def gd_step_swapped(w, b, dw, db, lr):
    return torch.sub(w, db, alpha=lr), torch.sub(b, dw, alpha=lr)


def gd_step_in_place(w, b, dw, db, lr):
    w -= lr * dw
    b -= lr * db
    return w, b


# ---------------------------------------------------------------- exercise 2


def grad_reversed_error(x, y, w, b):
    e = y - (w * x + b)  # the additional question's error, inner derivative forgotten
    return 2 * (e * x).mean(), 2 * e.mean()


def grad_no_two(x, y, w, b):
    e = w * x + b - y
    return (e * x).sum() / len(x), e.sum() / len(x)


def grad_sum(x, y, w, b):
    e = w * x + b - y
    return 2 * torch.dot(e, x), 2 * torch.sum(e)


def grad_no_x(x, y, w, b):
    e = w * x + b - y
    return 2 * e.mean(), 2 * e.mean()


def grad_no_bias(x, y, w, b):
    e = w * x - y
    return 2 * (e * x).mean(), 2 * e.mean()


# ---------------------------------------------------------------- exercise 3


class _Model:
    def __init__(self, lr, dtype):
        self.w = torch.ones(1, dtype=dtype, requires_grad=True)
        self.b = torch.ones(1, dtype=dtype, requires_grad=True)
        self.lr = lr


def _sheet_loop(x, y, lr, num_epochs, *, plus=False, reset=True, average=True):
    model = _Model(lr, x.dtype)
    loss_list = []
    for _ in range(num_epochs):
        loss = 0.0
        for j in range(len(x)):
            loss += (y[j] - (model.w * x[j] + model.b)) ** 2
        if average:
            loss = loss / len(x)
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            step = lr if plus else -lr
            model.w += step * model.w.grad
            model.b += step * model.b.grad
        if reset:
            model.w.grad.zero_()
            model.b.grad.zero_()
    return model.w.detach(), model.b.detach(), torch.tensor(loss_list)


# ---------------------------------------------------------------- exercise 4


class _Points(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class _LinearModel(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1, dtype=dtype))
        self.b = nn.Parameter(torch.ones(1, dtype=dtype))

    def forward(self, x):
        return self.w * x + self.b


def _module_loop(x, y, lr, num_epochs, seed, *, zero="first", shuffle=True, last_only=False):
    model = _LinearModel(x.dtype)
    loader = DataLoader(_Points(x, y), batch_size=1, shuffle=shuffle,
                        generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    losses = []
    for _ in range(num_epochs):
        batch_losses = []
        for xb, yb in loader:
            if zero == "first":
                optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            if zero == "late":
                optimizer.zero_grad()
            optimizer.step()
            batch_losses.append(loss.item())
        losses.append(batch_losses[-1] if last_only else sum(batch_losses) / len(batch_losses))
    return model.w.detach(), model.b.detach(), torch.tensor(losses)


# ---------------------------------------------------------------- exercise 5


def _linear_loop(x, y, lr, num_epochs, *, reshape_y=False, squeeze=True, zero=True, sum_loss=False, params="all"):
    linear = nn.Linear(1, 1, dtype=x.dtype)
    nn.init.ones_(linear.weight)
    nn.init.ones_(linear.bias)
    chosen = linear.parameters() if params == "all" else [linear.weight]
    optimizer = torch.optim.SGD(chosen, lr=lr)
    X = x.reshape(-1, 1)
    losses = []
    for _ in range(num_epochs):
        if zero:
            optimizer.zero_grad()
        out = linear(X)
        target = y.reshape(-1, 1) if reshape_y else y
        if not squeeze and not reshape_y:
            with pytest.warns(UserWarning):
                loss = nn.MSELoss()(out, target)
        elif sum_loss:
            loss = ((out.flatten() - target) ** 2).sum()
        else:
            loss = nn.MSELoss()(out if reshape_y else out[:, 0], target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return linear.weight.detach(), linear.bias.detach(), torch.tensor(losses)


# ---------------------------------------------------------------- exercise 6


def multi_sign(X, y, w, b):
    e = y - X @ w - b
    return 2 / len(y) * X.T @ e, 2 / len(y) * e.sum()


def multi_no_two(X, y, w, b):
    e = X @ w + b - y
    return X.T @ e / X.shape[0], e.mean()


def multi_sum(X, y, w, b):
    e = torch.addmv(b - y, X, w)
    return 2 * torch.mv(X.T, e), 2 * e.sum()


def multi_no_bias(X, y, w, b):
    e = torch.mv(X, w) - y
    return 2 * torch.mv(X.T, e) / len(e), 2 * e.mean()


def lstsq_through_origin(X, y):
    w = torch.linalg.solve(X.T @ X, X.T @ y)
    return w, torch.tensor(0.0, dtype=X.dtype)


def lstsq_ones_first(X, y):
    A = torch.column_stack([torch.ones(len(X), dtype=X.dtype), X])
    theta = torch.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], theta[-1]


def lstsq_forgot_inverse(X, y):
    A = torch.hstack([X, torch.ones(X.shape[0], 1, dtype=X.dtype)])
    theta = A.T.matmul(y)
    return theta[:-1], theta[-1]


# ---------------------------------------------------------------- exercise 7


def logistic_grad_mse(x, y, w, b):
    p = 1 / (1 + torch.exp(-(w * x + b)))
    dz = 2 * (p - y) * p * (1 - p)
    return torch.mean(dz * x), torch.mean(dz)


def logistic_grad_sign(x, y, w, b):
    p = torch.sigmoid(w * x + b)
    return ((y - p) * x).mean(), (y - p).mean()


def logistic_grad_sum(x, y, w, b):
    p = torch.sigmoid(w * x + b)
    return torch.sum((p - y) * x), torch.sum(p - y)


def logistic_grad_no_x(x, y, w, b):
    d = torch.sigmoid(w * x + b) - y
    return d.mean(), d.mean()


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("mse_loss", mse_sum, "sum of the squared errors"),
        ("mse_loss", lambda y_hat, y: torch.sum((y - y_hat) ** 2), "sum of the squared errors"),
        ("mse_loss", lambda y_hat, y: torch.mean(y_hat - y), "not squared"),
        ("mse_loss", lambda y_hat, y: torch.sqrt(torch.mean((y_hat - y) ** 2)), "root mean squared"),
        ("mse_loss", lambda y_hat, y: nn.functional.l1_loss(y_hat, y), "mean absolute error"),
        ("mse_loss", lambda y_hat, y: torch.mean(y_hat - y) ** 2, "squares the mean error"),
        ("gd_step", gd_step_ascent, "gradient ascent"),
        ("gd_step", gd_step_no_lr, "learning rate is missing"),
        ("gd_step", gd_step_swapped, "its own gradient"),
        ("gd_step", lambda w, b, dw, db, lr: (w - dw / lr, b - db / lr), "divided by the learning rate"),
        ("gd_step", gd_step_in_place, "in place"),
        ("linreg_grad", grad_reversed_error, "the two minus signs cancel"),
        ("linreg_grad", grad_no_two, "factor 2"),
        ("linreg_grad", grad_sum, "N times too large"),
        ("linreg_grad", grad_no_x, "missing the factor xᵢ"),
        ("linreg_grad", grad_no_bias, "missing the bias"),
        ("fit_regression_model", lambda x, y, lr, n: _sheet_loop(x, y, lr, n, plus=True), "climbs the loss"),
        ("fit_regression_model", lambda x, y, lr, n: _sheet_loop(x, y, lr, n, reset=False), "never reset"),
        ("fit_regression_model", lambda x, y, lr, n: _sheet_loop(x, y, lr, n, average=False), "not divided by N"),
        ("fit_with_dataloader", lambda x, y, lr, n, s: _module_loop(x, y, lr, n, s, zero="never"), "zero_grad() is missing"),
        ("fit_with_dataloader", lambda x, y, lr, n, s: _module_loop(x, y, lr, n, s, zero="late"), "nothing moves"),
        ("fit_with_dataloader", lambda x, y, lr, n, s: _module_loop(x, y, lr, n, s, last_only=True), "last batch"),
        ("fit_with_dataloader", lambda x, y, lr, n, s: _module_loop(x, y, lr, n, s, shuffle=False), "shuffles"),
        ("fit_nn_linear", lambda x, y, lr, n: _linear_loop(x, y, lr, n, squeeze=False), "broadcasts them to (N, N)"),
        ("fit_nn_linear", lambda x, y, lr, n: _linear_loop(x, y, lr, n, zero=False), "zero_grad() is missing"),
        ("fit_nn_linear", lambda x, y, lr, n: _linear_loop(x, y, lr, n, sum_loss=True), "a sum over the points"),
        ("fit_nn_linear", lambda x, y, lr, n: _linear_loop(x, y, lr, n, params="weight"), "bias never moves"),
        ("linreg_grad_multi", multi_sign, "sign is wrong"),
        ("linreg_grad_multi", multi_no_two, "factor 2"),
        ("linreg_grad_multi", multi_sum, "N times too large"),
        ("linreg_grad_multi", multi_no_bias, "missing the bias"),
        ("normal_equations", lstsq_through_origin, "through the origin"),
        ("normal_equations", lstsq_ones_first, "comes first"),
        ("normal_equations", lstsq_forgot_inverse, "skips the inverse"),
        ("logistic_forward", lambda x, w, b: x * w + b, "logits"),
        ("logistic_forward", lambda x, w, b: 1 / (1 + torch.exp(w * x + b)), "probability of class 0"),
        ("logistic_forward", lambda x, w, b: torch.sigmoid(x * w), "bias is missing"),
        ("logistic_forward", lambda x, w, b: torch.tanh(x * w + b), "tanh"),
        ("logistic_grad", logistic_grad_mse, "squared error through the sigmoid"),
        ("logistic_grad", logistic_grad_sign, "sign is wrong"),
        ("logistic_grad", logistic_grad_sum, "N times too large"),
        ("logistic_grad", logistic_grad_no_x, "missing the factor x"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_squeezed_target_is_a_right_answer():
    """Reshaping y to (N, 1) instead of squeezing the output is just as right."""
    verdict = selfcheck.verdict("fit_nn_linear", lambda x, y, lr, n: _linear_loop(x, y, lr, n, reshape_y=True))
    assert verdict.passed, verdict.message


def test_student_written_sheet_loops_pass():
    """The sheet's own loops, written out as a student would, pass their checks."""
    assert selfcheck.verdict("fit_regression_model", _sheet_loop).passed
    assert selfcheck.verdict("fit_with_dataloader", _module_loop).passed
    assert selfcheck.verdict("fit_nn_linear", _linear_loop).passed
