"""Self-checks of tutorial 05, "Linear and logistic regression" (lab 3, exercises 1–7).

The references are labkit's own functions where labkit has one
([`labkit.layers.mse_forward`][labkit.layers.mse_forward], [`labkit.regression`][labkit.regression]), so a student who
passes has also written what later tutorials import.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from labkit import layers, regression
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "05-linear-logistic-regression"

_F64 = torch.float64


def _sheet_pair(dtype=_F64):
    """The two-point data of exercise 2: x = (2, 4), y = (20, 40)."""
    return torch.tensor([2.0, 4.0], dtype=dtype), torch.tensor([20.0, 40.0], dtype=dtype)


# ------------------------------------------------------------------ exercise 1


def _mse_cases(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([1.0, 3.0, -2.0]), torch.tensor([0.5, 3.5, 1.0])),
        (torch.randn(6, generator=gen), torch.randn(6, generator=gen)),
        (torch.randn(9, generator=gen, dtype=_F64) * 5, torch.randn(9, generator=gen, dtype=_F64)),
    ]


def mse_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return layers.mse_forward(y_hat, y)[0]


def _gd_cases(gen: torch.Generator) -> list[tuple]:
    def four(shape, dtype=torch.float32):
        return tuple(torch.randn(shape, generator=gen, dtype=dtype) for _ in range(4))

    return [
        (torch.ones(1), torch.ones(1), torch.tensor([-174.0]), torch.tensor([-52.0]), 0.001),
        (*four(()), 0.1),
        (*four((), _F64), 0.03),
    ]


def gd_step(w, b, dw, db, lr):
    return w - lr * dw, b - lr * db


# ------------------------------------------------------------------ exercise 2


def _grad_cases(gen: torch.Generator) -> list[tuple]:
    x2, y2 = _sheet_pair()
    one = torch.tensor(1.0, dtype=_F64)
    return [
        (x2, y2, one, one),
        (torch.rand(5, generator=gen) * 4, torch.randn(5, generator=gen) * 3 + 2,
         torch.randn((), generator=gen), torch.randn((), generator=gen)),
        (torch.randn(9, generator=gen, dtype=_F64) * 10, torch.randn(9, generator=gen, dtype=_F64) * 10,
         torch.randn((), generator=gen, dtype=_F64), torch.randn((), generator=gen, dtype=_F64)),
    ]


def linreg_grad(x, y, w, b):
    dw, db = regression.mse_linear_grad(x.unsqueeze(1), y, w.reshape(1), b)
    return dw.reshape(()), db


def _grad_variant(x, y, w, b, *, sign=1.0, factor=2.0, mean=True, times_x=True, bias=True):
    e = sign * ((w * x + (b if bias else 0)) - y)  # (N,)
    n = len(x) if mean else 1
    return factor / n * (e * x if times_x else e).sum(), factor / n * e.sum()


# ------------------------------------------------------------------ exercises 3, 4, 5


def _fit_cases(gen: torch.Generator) -> list[tuple]:
    x2, y2 = _sheet_pair(torch.float32)
    x5 = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
    y5 = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
    x = torch.rand(7, generator=gen) * 3
    return [(x2, y2, 0.001, 2), (x5, y5, 0.001, 3), (x, 2 * x - 1 + 0.1 * torch.randn(7, generator=gen), 0.05, 4)]


def fit_regression_model(x, y, lr, num_epochs):
    w, b, losses = regression.gd_fit(
        x.unsqueeze(1), y, torch.ones(1, dtype=x.dtype, device=x.device),
        torch.tensor(1.0, dtype=x.dtype, device=x.device),
        lr=lr, num_epochs=num_epochs,
    )
    return w, b.reshape(1), losses


def _fit_variant(x, y, lr, num_epochs, *, sign=-1.0, accumulate=False, divide=True):
    """The sheet's loop with one change; autograd, sample by sample."""
    w = torch.ones(1, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.ones(1, dtype=x.dtype, device=x.device, requires_grad=True)
    losses = []
    with torch.enable_grad():
        for _ in range(num_epochs):
            loss = sum((w * x[j] + b - y[j]) ** 2 for j in range(len(x)))
            loss = loss / len(x) if divide else loss
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                w += sign * lr * w.grad
                b += sign * lr * b.grad
            if not accumulate:
                w.grad.zero_()
                b.grad.zero_()
    return w.detach(), b.detach(), torch.tensor(losses)


def _loader_cases(gen: torch.Generator) -> list[tuple]:
    return [(*case[:4], 3) for case in _fit_cases(gen)]


def fit_with_dataloader(x, y, lr, num_epochs, seed):
    return _loader_variant(x, y, lr, num_epochs, seed)


def _loader_variant(x, y, lr, num_epochs, seed, *, zero_grad="before", shuffle=True, record="mean"):
    w = nn.Parameter(torch.ones(1, dtype=x.dtype, device=x.device))
    b = nn.Parameter(torch.ones(1, dtype=x.dtype, device=x.device))
    loader = DataLoader(TensorDataset(x, y), batch_size=1, shuffle=shuffle,
                        generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD([w, b], lr=lr)
    losses = []
    with torch.enable_grad():
        for _ in range(num_epochs):
            total, last = 0.0, 0.0
            for xb, yb in loader:
                if zero_grad == "before":
                    optimizer.zero_grad()
                loss = nn.functional.mse_loss(w * xb + b, yb)
                loss.backward()
                if zero_grad == "after":
                    optimizer.zero_grad()
                optimizer.step()
                total += loss.item()
                last = loss.item()
            losses.append(total / len(loader) if record == "mean" else last)
    return w.detach(), b.detach(), torch.tensor(losses)


def fit_nn_linear(x, y, lr, num_epochs):
    w, b, losses = regression.gd_fit(
        x.unsqueeze(1), y, torch.ones(1, dtype=x.dtype, device=x.device),
        torch.tensor(1.0, dtype=x.dtype, device=x.device),
        lr=lr, num_epochs=num_epochs,
    )
    return w.reshape(1, 1), b.reshape(1), losses


def _linear_variant(x, y, lr, num_epochs, *, squeeze=True, zero_grad=True, reduction="mean", only_weight=False):
    linear = nn.Linear(1, 1, dtype=x.dtype, device=x.device)
    with torch.no_grad():
        linear.weight.fill_(1.0)
        linear.bias.fill_(1.0)
    optimizer = torch.optim.SGD([linear.weight] if only_weight else linear.parameters(), lr=lr)
    losses = []
    with torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcasting mistake warns; the hint says it better
        for _ in range(num_epochs):
            if zero_grad:
                optimizer.zero_grad()
            out = linear(x.unsqueeze(1))  # (N, 1)
            loss = nn.functional.mse_loss(out.squeeze(1) if squeeze else out, y, reduction=reduction)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return linear.weight.detach(), linear.bias.detach(), torch.tensor(losses)


# ------------------------------------------------------------------ exercise 6


def _multi_cases(gen: torch.Generator) -> list[tuple]:
    X6 = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]], dtype=_F64)
    y6 = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7], dtype=_F64)
    return [
        (X6, y6, torch.tensor([0.5, -1.0], dtype=_F64), torch.tensor(0.25, dtype=_F64)),
        (torch.randn(4, 3, generator=gen), torch.randn(4, generator=gen), torch.randn(3, generator=gen),
         torch.randn((), generator=gen)),
        (torch.randn(7, 1, generator=gen, dtype=_F64), torch.randn(7, generator=gen, dtype=_F64),
         torch.randn(1, generator=gen, dtype=_F64), torch.randn((), generator=gen, dtype=_F64)),
    ]


def _multi_variant(X, y, w, b, *, sign=1.0, factor=2.0, mean=True, bias=True):
    e = sign * (X @ w + (b if bias else 0) - y)  # (N,)
    n = X.shape[0] if mean else 1
    return factor / n * (X.T @ e), factor / n * e.sum()


def _lstsq_cases(gen: torch.Generator) -> list[tuple]:
    X6, y6 = _multi_cases(gen)[0][:2]
    X = torch.randn(9, 3, generator=gen, dtype=_F64)
    return [(X6, y6), (X, X @ torch.tensor([1.0, -2.0, 0.5], dtype=_F64) + 3 + 0.1 * torch.randn(9, generator=gen, dtype=_F64))]


def _lstsq_no_intercept(X, y):
    w = torch.linalg.lstsq(X, y.unsqueeze(1)).solution.squeeze(1)
    return w, torch.zeros((), dtype=X.dtype)


def _lstsq_ones_first(X, y):
    A = torch.cat([torch.ones_like(X[:, :1]), X], dim=1)
    theta = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)
    return theta[:-1], theta[-1]


def _lstsq_no_inverse(X, y):
    A = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)
    theta = A.T @ y
    return theta[:-1], theta[-1]


# ------------------------------------------------------------------ exercise 7


def _logistic_cases(gen: torch.Generator) -> list[tuple]:
    x7 = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0], dtype=_F64)
    y7 = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], dtype=_F64)
    return [
        (torch.tensor([-1.0, 0.5, 2.0]), torch.tensor([0.0, 1.0, 1.0]), torch.tensor(0.8), torch.tensor(-0.3)),
        (torch.randn(6, generator=gen), (torch.rand(6, generator=gen) > 0.5).float(),
         torch.randn((), generator=gen), torch.randn((), generator=gen)),
        (x7, y7, torch.tensor(0.1, dtype=_F64), torch.tensor(-4.0, dtype=_F64)),
    ]


def logistic_forward(x, w, b):
    return torch.sigmoid(w * x + b)


def logistic_grad(x, y, w, b):
    r = torch.sigmoid(w * x + b) - y  # (N,) the residual p − y
    return (r * x).mean(), r.mean()


def _mse_through_sigmoid(x, y, w, b):
    p = torch.sigmoid(w * x + b)
    r = 2 * (p - y) * p * (1 - p)
    return (r * x).mean(), r.mean()


register(
    Exercise(
        name="mse_loss",
        page=PAGE,
        reference=mse_loss,
        cases=_mse_cases,
        what="equals the mean squared error (labkit.layers.mse_forward)",
        mistakes=[
            Mistake("this is the sum of the squared errors; the MSE divides by N: use .mean().",
                    lambda y_hat, y: ((y_hat - y) ** 2).sum()),
            Mistake("the errors are not squared, so positive and negative ones cancel: square each, then average.",
                    lambda y_hat, y: (y_hat - y).mean()),
            Mistake("this squares the mean error; the MSE is the mean of the squared errors.",
                    lambda y_hat, y: (y_hat - y).mean() ** 2),
            Mistake("this is the root mean squared error; the MSE has no square root.",
                    lambda y_hat, y: ((y_hat - y) ** 2).mean().sqrt()),
            Mistake("this is the mean absolute error |ŷ − y|; the MSE squares the errors.",
                    lambda y_hat, y: (y_hat - y).abs().mean()),
        ],
    ),
    Exercise(
        name="gd_step",
        page=PAGE,
        reference=gd_step,
        cases=_gd_cases,
        what="takes one gradient-descent step, w − lr·dw and b − lr·db",
        output_names=("w", "b"),
        mistakes=[
            Mistake("the step goes up the gradient (gradient ascent): subtract lr · gradient.",
                    lambda w, b, dw, db, lr: (w + lr * dw, b + lr * db)),
            Mistake("the learning rate is missing: the step is lr · gradient, not the whole gradient.",
                    lambda w, b, dw, db, lr: (w - dw, b - db)),
            Mistake("each parameter moves along its own gradient: w with dw, b with db.",
                    lambda w, b, dw, db, lr: (w - lr * db, b - lr * dw)),
            Mistake("the gradient is divided by the learning rate; multiply by it.",
                    lambda w, b, dw, db, lr: (w - dw / lr, b - db / lr)),
        ],
    ),
    Exercise(
        name="linreg_grad",
        page=PAGE,
        reference=linreg_grad,
        cases=_grad_cases,
        what="equals (2/N) Σ eᵢxᵢ and (2/N) Σ eᵢ (autograd's w.grad and b.grad)",
        output_names=("dw", "db"),
        mistakes=[
            Mistake("the sign is wrong: with the error written y − ŷ, its derivative with respect to w is −x "
                    "(and −1 for b); the two minus signs cancel, so the gradient is (2/N) Σ (ŷ − y)x.",
                    lambda x, y, w, b: _grad_variant(x, y, w, b, sign=-1.0)),
            Mistake("the factor 2 from the square is missing: d(e²)/de = 2e.",
                    lambda x, y, w, b: _grad_variant(x, y, w, b, factor=1.0)),
            Mistake("this is N times too large: the loss is a mean, so its gradient keeps the 1/N.",
                    lambda x, y, w, b: _grad_variant(x, y, w, b, mean=False)),
            Mistake("dw is missing the factor xᵢ: ∂eᵢ/∂w = xᵢ (only ∂eᵢ/∂b = 1).",
                    lambda x, y, w, b: _grad_variant(x, y, w, b, times_x=False)),
            Mistake("the prediction is missing the bias: ŷ = wx + b.",
                    lambda x, y, w, b: _grad_variant(x, y, w, b, bias=False)),
        ],
    ),
    Exercise(
        name="fit_regression_model",
        page=PAGE,
        reference=fit_regression_model,
        cases=_fit_cases,
        what="gives the parameters and losses of the sheet's loop (labkit.regression.gd_fit)",
        output_names=("w", "b", "losses"),
        rtol=1e-4,
        atol=1e-5,
        mistakes=[
            Mistake("update() climbs the loss: w −= lr · w.grad, with a minus.",
                    lambda x, y, lr, n: _fit_variant(x, y, lr, n, sign=1.0)),
            Mistake("the gradients are never reset, so each epoch adds its gradient to the old ones: "
                    "call model.reset_grad() (w.grad.zero_()) after every update.",
                    lambda x, y, lr, n: _fit_variant(x, y, lr, n, accumulate=True)),
            Mistake("the accumulated loss is not divided by N: the loss is the mean over the points.",
                    lambda x, y, lr, n: _fit_variant(x, y, lr, n, divide=False)),
        ],
    ),
    Exercise(
        name="fit_with_dataloader",
        page=PAGE,
        reference=fit_with_dataloader,
        cases=_loader_cases,
        what="gives the parameters and epoch losses of SGD on one shuffled point at a time",
        output_names=("w", "b", "losses"),
        rtol=1e-4,
        atol=1e-5,
        mistakes=[
            Mistake("optimizer.zero_grad() is missing, so every step adds the gradients of all earlier points.",
                    lambda x, y, lr, n, s: _loader_variant(x, y, lr, n, s, zero_grad="never")),
            Mistake("zero_grad() runs between backward() and step(), so step() sees zero gradients and nothing "
                    "moves: call it before backward().",
                    lambda x, y, lr, n, s: _loader_variant(x, y, lr, n, s, zero_grad="after")),
            Mistake("the epoch's loss is the mean over its batches, not the loss of the last batch.",
                    lambda x, y, lr, n, s: _loader_variant(x, y, lr, n, s, record="last")),
            Mistake("the points come in their stored order: the sheet's DataLoader shuffles "
                    "(shuffle=True, generator=torch.Generator().manual_seed(seed)).",
                    lambda x, y, lr, n, s: _loader_variant(x, y, lr, n, s, shuffle=False)),
        ],
    ),
    Exercise(
        name="fit_nn_linear",
        page=PAGE,
        reference=fit_nn_linear,
        cases=_fit_cases,
        what="gives the weight, bias and losses of full-batch gradient descent (labkit.regression.gd_fit)",
        output_names=("weight", "bias", "losses"),
        rtol=1e-4,
        atol=1e-5,
        mistakes=[
            Mistake("linear(X) has shape (N, 1) and y (N,): MSELoss broadcasts them to (N, N) and compares every "
                    "prediction with every target. Squeeze the output: linear(X).squeeze(1).",
                    lambda x, y, lr, n: _linear_variant(x, y, lr, n, squeeze=False)),
            Mistake("optimizer.zero_grad() is missing, so the gradients of all earlier epochs add up.",
                    lambda x, y, lr, n: _linear_variant(x, y, lr, n, zero_grad=False)),
            Mistake("the loss is a sum over the points; nn.MSELoss() takes the mean.",
                    lambda x, y, lr, n: _linear_variant(x, y, lr, n, reduction="sum")),
            Mistake("the bias never moves: give the optimizer all of linear.parameters(), not only the weight.",
                    lambda x, y, lr, n: _linear_variant(x, y, lr, n, only_weight=True)),
        ],
    ),
    Exercise(
        name="linreg_grad_multi",
        page=PAGE,
        reference=regression.mse_linear_grad,
        cases=_multi_cases,
        what="equals (2/N) Xᵀe and (2/N) Σ e (labkit.regression.mse_linear_grad)",
        output_names=("dw", "db"),
        mistakes=[
            Mistake("the sign is wrong: the error is e = Xw + b − y (or keep y − ŷ and its inner derivative −X).",
                    lambda X, y, w, b: _multi_variant(X, y, w, b, sign=-1.0)),
            Mistake("the factor 2 from the square is missing: ∇L = (2/N) Xᵀe.",
                    lambda X, y, w, b: _multi_variant(X, y, w, b, factor=1.0)),
            Mistake("this is N times too large: the loss is a mean, so its gradient keeps the 1/N.",
                    lambda X, y, w, b: _multi_variant(X, y, w, b, mean=False)),
            Mistake("the prediction is missing the bias: ŷ = Xw + b.",
                    lambda X, y, w, b: _multi_variant(X, y, w, b, bias=False)),
        ],
    ),
    Exercise(
        name="normal_equations",
        page=PAGE,
        reference=regression.least_squares,
        cases=_lstsq_cases,
        what="equals the least-squares solution (labkit.regression.least_squares)",
        output_names=("w", "b"),
        mistakes=[
            Mistake("without a column of ones in A the plane is forced through the origin (b = 0): "
                    "A = [X 1].", _lstsq_no_intercept),
            Mistake("the column of ones comes first in your A, so θ[0] is b and θ[1:] is w.", _lstsq_ones_first),
            Mistake("θ = Aᵀy skips the inverse: solve the normal equations AᵀA θ = Aᵀy "
                    "(torch.linalg.solve or torch.linalg.lstsq).", _lstsq_no_inverse),
        ],
    ),
    Exercise(
        name="logistic_forward",
        page=PAGE,
        reference=logistic_forward,
        cases=lambda gen: [(x, w, b) for x, _, w, b in _logistic_cases(gen)],
        what="equals σ(wx + b)",
        mistakes=[
            Mistake("these are the logits z = wx + b; the probability is σ(z).", lambda x, w, b: w * x + b),
            Mistake("this is σ(−z) = 1 − p, the probability of class 0: σ(z) = 1 / (1 + e^{−z}).",
                    lambda x, w, b: torch.sigmoid(-(w * x + b))),
            Mistake("the bias is missing: p = σ(wx + b).", lambda x, w, b: torch.sigmoid(w * x)),
            Mistake("tanh maps to (−1, 1), not to a probability in (0, 1): use the sigmoid.",
                    lambda x, w, b: torch.tanh(w * x + b)),
        ],
    ),
    Exercise(
        name="logistic_grad",
        page=PAGE,
        reference=logistic_grad,
        cases=_logistic_cases,
        what="equals the mean of (p − y)x and of p − y (autograd of BCEWithLogitsLoss)",
        output_names=("dw", "db"),
        mistakes=[
            Mistake("the sign is wrong: the gradient is the mean of (p − y)x, prediction minus label.",
                    lambda x, y, w, b: tuple(-g for g in logistic_grad(x, y, w, b))),
            Mistake("this is the gradient of the squared error through the sigmoid, with its factor p(1 − p); "
                    "for the cross-entropy that factor cancels: dL/dz = p − y.", _mse_through_sigmoid),
            Mistake("this is N times too large: the cross-entropy is a mean over the points.",
                    lambda x, y, w, b: tuple(len(x) * g for g in logistic_grad(x, y, w, b))),
            Mistake("dw is missing the factor x: ∂z/∂w = x.",
                    lambda x, y, w, b: (logistic_grad(x, y, w, b)[1],) * 2),
        ],
    ),
)
