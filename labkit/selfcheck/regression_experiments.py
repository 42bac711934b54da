"""Self-checks of tutorial 08, "Regression experiments with MLPs": the MSE, the BFGS update,
the hidden units' contributions and an Adam training loop."""

from __future__ import annotations

import weakref

import torch

from labkit.mlp import MLP
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "08-regression-experiments"
F64 = torch.float64


def _model(gen: torch.Generator, num_hiddens, activation: str = "sigmoid") -> MLP:
    model = MLP(1, num_hiddens, 1, activation, generator=gen).to(F64)
    with torch.no_grad():
        model.b2.normal_(generator=gen)  # trained networks have one; 0 would hide a misplaced b2
    return model


def _data(gen: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.rand(n, 1, generator=gen, dtype=F64) * 6 - 3  # (n, 1) on [-3, 3]
    return X, torch.sin(2 * X[:, 0]) + 0.3 * torch.randn(n, generator=gen, dtype=F64)


# ------------------------------------------------------------------ the MSE of a model


def _mse(model, X, y):
    return ((model(X).squeeze(1) - y) ** 2).mean()


def _mse_cases(gen: torch.Generator) -> list[tuple]:
    return [(_model(gen, Z), *_data(gen, n)) for Z, n in [(2, 4), (3, 7), (10, 50)]]


_MSE_MISTAKES = [
    Mistake(
        "model(X) has shape (N, 1) and y has shape (N,): their difference broadcasts to an (N, N) "
        "matrix of every prediction minus every target. Squeeze the output first: model(X).squeeze(1) - y.",
        lambda model, X, y: ((model(X) - y) ** 2).mean(),
    ),
    Mistake(
        "this is the sum of the squared errors; the MSE is their mean (divide by N).",
        lambda model, X, y: ((model(X).squeeze(1) - y) ** 2).sum(),
    ),
    Mistake(
        "this is the root of the MSE (RMSE): leave out the square root.",
        lambda model, X, y: ((model(X).squeeze(1) - y) ** 2).mean().sqrt(),
    ),
    Mistake(
        "this is the mean absolute error: square the errors instead of taking |·|.",
        lambda model, X, y: (model(X).squeeze(1) - y).abs().mean(),
    ),
    Mistake(
        "the errors are not squared: positive and negative errors cancel in their mean.",
        lambda model, X, y: (model(X).squeeze(1) - y).mean(),
    ),
]


# ------------------------------------------------------------------ the BFGS update


def _bfgs_update(H, s, r):
    rho = 1 / (r @ s)
    Hr = H @ r
    return H - rho * (torch.outer(s, Hr) + torch.outer(Hr, s)) + rho * (1 + rho * (r @ Hr)) * torch.outer(s, s)


def _spd(gen: torch.Generator, P: int) -> torch.Tensor:
    A = torch.randn(P, P, generator=gen, dtype=F64)
    return A @ A.T / P + torch.eye(P, dtype=F64)


def _bfgs_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for P in (2, 3, 6):
        H = _spd(gen, P)
        s = torch.randn(P, generator=gen, dtype=F64)
        r = _spd(gen, P) @ s  # the gradient change of a convex quadratic: rᵀs > 0
        cases.append((H, s, r))
    return cases


def _dfp(H, s, r):
    Hr = H @ r
    return H + torch.outer(s, s) / (r @ s) - torch.outer(Hr, Hr) / (r @ Hr)


_BFGS_MISTAKES = [
    Mistake(
        "this is the DFP update (H + ssᵀ/rᵀs − Hr rᵀH / rᵀHr), BFGS's older sibling. BFGS is "
        "(I − ρ s rᵀ) H (I − ρ r sᵀ) + ρ s sᵀ with ρ = 1 / rᵀs.",
        _dfp,
    ),
    Mistake(
        "the factor (1 + ρ rᵀHr) of the s sᵀ term is missing: multiplying out "
        "(I − ρ s rᵀ) H (I − ρ r sᵀ) gives ρ² (rᵀHr) s sᵀ besides the ρ s sᵀ.",
        lambda H, s, r: H - (torch.outer(s, H @ r) + torch.outer(H @ r, s)) / (r @ s)
        + torch.outer(s, s) / (r @ s),
    ),
    Mistake(
        "s and r are swapped: s is the step θ_{k+1} − θ_k, r the change of the gradient, and the "
        "new H must map r to s (H_{k+1} r = s).",
        lambda H, s, r: _bfgs_update(H, r, s),
    ),
    Mistake(
        "the cross terms have the wrong sign: H_{k+1} = H − ρ (s (Hr)ᵀ + (Hr) sᵀ) + ρ(1 + ρ rᵀHr) s sᵀ.",
        lambda H, s, r: H + (torch.outer(s, H @ r) + torch.outer(H @ r, s)) / (r @ s)
        + (1 + (r @ H @ r) / (r @ s)) * torch.outer(s, s) / (r @ s),
    ),
    Mistake(
        "only one of the two cross terms: the result is not symmetric. Both s (Hr)ᵀ and (Hr) sᵀ "
        "are subtracted.",
        lambda H, s, r: H - torch.outer(s, H @ r) / (r @ s)
        + (1 + (r @ H @ r) / (r @ s)) * torch.outer(s, s) / (r @ s),
    ),
]


# ------------------------------------------------------------------ hidden units' contributions


def _weighted_hidden(model, X):
    return model.hidden(X)[0] * model.W2[0]  # (N, Z): column k is w_{2,k} h_k(x)


def _hidden_cases(gen: torch.Generator) -> list[tuple]:
    return [(_model(gen, Z), _data(gen, n)[0]) for Z, n in [(2, 4), (3, 6), (10, 20)]]


_HIDDEN_MISTAKES = [
    Mistake(
        "these are the hidden outputs h_k(x) themselves; scale each column k by its output "
        "weight w_{2,k} (row 0 of W2, shape (1, Z)).",
        lambda model, X: model.hidden(X)[0],
    ),
    Mistake(
        "the output bias b2 is added to every column; it belongs to the sum (the prediction), "
        "not to each unit's contribution.",
        lambda model, X: model.hidden(X)[0] * model.W2[0] + model.b2,
    ),
    Mistake(
        "the product with W2 sums over the units: that is the prediction minus b2, shape (N, 1). "
        "Keep one column per unit: multiply element-wise, H * W2[0].",
        lambda model, X: model.hidden(X)[0] @ model.W2.T,
    ),
    Mistake(
        "these are scaled pre-activations W1 x + b1; the units' outputs are σ(W1 x + b1).",
        lambda model, X: (X @ model.W1.T + model.b1) * model.W2[0],
    ),
]


# ------------------------------------------------------------------ an Adam training loop

# The engine copies tensors, not models, and a training loop changes its model in
# place. Each case's model therefore remembers its initial parameters, and the
# reference and every mistake start again from them; the student's function is
# called first, on the untouched model.
_INITIAL: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fresh(model: MLP) -> MLP:
    if model in _INITIAL:
        model.load_state_dict(_INITIAL[model])
        model.zero_grad(set_to_none=True)
    return model


def _train_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for Z, n, steps, lr in [(2, 5, 3, 0.1), (3, 8, 5, 0.05), (10, 20, 8, 0.05)]:
        model = _model(gen, Z)
        _INITIAL[model] = {k: v.detach().clone() for k, v in model.state_dict().items()}
        cases.append((model, *_data(gen, n), steps, lr))
    return cases


def _adam(model, X, y, steps, lr, *, optimizer=torch.optim.Adam, zero_grad=True, after=False,
          loss_fn=_mse):
    model = _fresh(model)
    opt = optimizer(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()  # 1. reset the gradients
        loss = loss_fn(model, X, y)  # 2. forward pass and loss
        loss.backward()  # 3. backward pass
        opt.step()  # 4. update
        losses.append((loss_fn(model, X, y) if after else loss).item())
    return losses


def _train_adam(model, X, y, steps, lr):
    return _adam(model, X, y, steps, lr)


_TRAIN_MISTAKES = [
    Mistake(
        "the gradients are never reset: backward() adds to .grad, so from the second step on "
        "each step uses the sum of all gradients so far. Call opt.zero_grad() in every step.",
        lambda model, X, y, steps, lr: _adam(model, X, y, steps, lr, zero_grad=False),
    ),
    Mistake(
        "the loss is recorded after the update (a second forward pass): record the loss the "
        "step computed its gradient from, before opt.step().",
        lambda model, X, y, steps, lr: _adam(model, X, y, steps, lr, after=True),
    ),
    Mistake(
        "this is plain gradient descent (torch.optim.SGD); the exercise asks for "
        "torch.optim.Adam(model.parameters(), lr=lr).",
        lambda model, X, y, steps, lr: _adam(model, X, y, steps, lr, optimizer=torch.optim.SGD),
    ),
    Mistake(
        "the loss is the sum of the squared errors, not their mean: the losses come out N times "
        "too large (and Adam's steps change slightly).",
        lambda model, X, y, steps, lr: _adam(
            model, X, y, steps, lr, loss_fn=lambda m, X, y: ((m(X).squeeze(1) - y) ** 2).sum()),
    ),
]


register(
    Exercise(
        name="model_mse",
        page=PAGE,
        reference=_mse,
        cases=_mse_cases,
        what="equals the mean of (model(x_n) − y_n)² over the data",
        mistakes=_MSE_MISTAKES,
        atol=1e-10,
    ),
    Exercise(
        name="bfgs_update",
        page=PAGE,
        reference=_bfgs_update,
        cases=_bfgs_cases,
        what="equals the BFGS update of the inverse Hessian (and maps r to s)",
        mistakes=_BFGS_MISTAKES,
        atol=1e-10,
    ),
    Exercise(
        name="weighted_hidden",
        page=PAGE,
        reference=_weighted_hidden,
        cases=_hidden_cases,
        what="equals w_{2,k} h_k(x) for every unit k and input x",
        mistakes=_HIDDEN_MISTAKES,
        atol=1e-10,
    ),
    Exercise(
        name="train_adam",
        page=PAGE,
        reference=_train_adam,
        cases=_train_cases,
        what="records the same losses as torch.optim.Adam in the four-step loop",
        mistakes=_TRAIN_MISTAKES,
        atol=1e-10,
    ),
)
