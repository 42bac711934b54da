"""Tests for labkit.optim: each hand-written optimizer against torch.optim, schedules against
torch.optim.lr_scheduler, the test functions, the range test and the error messages."""

from __future__ import annotations

import copy
import doctest
import inspect

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labkit import optim
from labkit.optim import (
    SGD, AdaGrad, Adam, AdamW, Momentum, Nesterov, RMSprop,
    cosine_lr, lr_range_test, quadratic, rosenbrock, step_lr, trajectory, warmup_linear,
)

# (labkit optimizer, torch optimizer, keyword arguments for both, extra keywords for torch's)
CASES = [
    (SGD, torch.optim.SGD, dict(lr=0.1), {}),
    (SGD, torch.optim.SGD, dict(lr=0.05, weight_decay=0.01), {}),
    (Momentum, torch.optim.SGD, dict(lr=0.05, momentum=0.9), {}),
    (Momentum, torch.optim.SGD, dict(lr=0.01, momentum=0.5, weight_decay=0.1), {}),
    (Nesterov, torch.optim.SGD, dict(lr=0.05, momentum=0.9), dict(nesterov=True)),
    (Nesterov, torch.optim.SGD, dict(lr=0.02, momentum=0.7, weight_decay=0.05), dict(nesterov=True)),
    (AdaGrad, torch.optim.Adagrad, dict(lr=0.1), {}),
    (AdaGrad, torch.optim.Adagrad,
     dict(lr=0.05, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-8), {}),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01), {}),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.003, alpha=0.9, weight_decay=0.01), {}),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.001, momentum=0.9), {}),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.001, centered=True, momentum=0.5, eps=1e-6), {}),
    (Adam, torch.optim.Adam, dict(lr=0.01), {}),
    (Adam, torch.optim.Adam, dict(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), {}),
    (AdamW, torch.optim.AdamW, dict(lr=0.01), {}),
    (AdamW, torch.optim.AdamW, dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1), {}),
]
IDS = [f"{ours.__name__}-{i}" for i, (ours, *_) in enumerate(CASES)]


def _model(dtype: torch.dtype, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(dtype)


def _run_both(model, ours, theirs, steps=100, dtype=torch.float64):
    """Train ``model`` and a copy of it on the same random batches; return both models."""
    model_ref = copy.deepcopy(model)
    opt, opt_ref = ours(model), theirs(model_ref)
    gen = torch.Generator().manual_seed(1)
    for _ in range(steps):
        X = torch.randn(16, 5, generator=gen, dtype=dtype)
        y = torch.randint(0, 3, (16,), generator=gen)
        for m, o in ((model, opt), (model_ref, opt_ref)):
            o.zero_grad()
            F.cross_entropy(m(X), y).backward()
            o.step()
    return model, model_ref


def _max_diff(a: nn.Module, b: nn.Module) -> float:
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("ours, theirs, kwargs, extra", CASES, ids=IDS)
def test_equals_torch_after_100_steps(ours, theirs, kwargs, extra, dtype):
    model, ref = _run_both(
        _model(dtype),
        lambda m: ours(m.parameters(), **kwargs),
        lambda m: theirs(m.parameters(), **kwargs, **extra),
        dtype=dtype,
    )
    assert _max_diff(model, ref) <= 1e-6
    assert _max_diff(model, _model(dtype)) > 1e-3  # the parameters did move


@pytest.mark.parametrize("ours, theirs, kwargs, extra", CASES, ids=IDS)
def test_two_param_groups(ours, theirs, kwargs, extra):
    def groups(m):
        # The first layer gets its own learning rate and weight decay; the second the defaults.
        first = dict(params=m[0].parameters(), lr=kwargs["lr"] / 2, weight_decay=0.2)
        return [first, dict(params=m[2].parameters())]

    model, ref = _run_both(
        _model(torch.float64, seed=3),
        lambda m: ours(groups(m), **kwargs),
        lambda m: theirs(groups(m), **kwargs, **extra),
    )
    assert _max_diff(model, ref) <= 1e-6


@pytest.mark.parametrize("ours, theirs", [(SGD, torch.optim.SGD), (Momentum, torch.optim.SGD),
                                          (Nesterov, torch.optim.SGD),
                                          (AdaGrad, torch.optim.Adagrad),
                                          (RMSprop, torch.optim.RMSprop), (Adam, torch.optim.Adam),
                                          (AdamW, torch.optim.AdamW)])
def test_defaults_mirror_torch(ours, theirs):
    theirs_params = inspect.signature(theirs.__init__).parameters
    for name, param in inspect.signature(ours.__init__).parameters.items():
        if name in ("self", "params") or (ours in (Momentum, Nesterov) and name == "momentum"):
            continue
        assert name in theirs_params, name
        assert param.default == theirs_params[name].default, name


def test_closure_and_state_dict_round_trip():
    model = _model(torch.float64)
    opt = Adam(model.parameters(), lr=0.01)
    X, y = torch.randn(8, 5, dtype=torch.float64), torch.randint(0, 3, (8,))

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        return loss

    first = opt.step(closure)
    assert isinstance(first, torch.Tensor) and first.ndim == 0
    clone = copy.deepcopy(model)
    opt_clone = Adam(clone.parameters(), lr=0.01)
    opt_clone.load_state_dict(opt.state_dict())
    for m, o in ((model, opt), (clone, opt_clone)):
        for _ in range(5):
            o.zero_grad()
            F.cross_entropy(m(X), y).backward()
            o.step()
    assert _max_diff(model, clone) == 0.0


def test_params_without_grad_are_skipped():
    used, unused = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    opt = Adam([used, unused], lr=0.1)
    used.sum().backward()
    opt.step()
    assert torch.equal(unused, torch.ones(2)) and not torch.equal(used, torch.ones(2))


# ------------------------------------------------------------------- errors


@pytest.mark.parametrize("make, match", [
    (lambda p: SGD(p, lr=-0.1), r"lr must lie in \[0, inf\], got -0.1"),
    (lambda p: SGD(p, lr="0.1"), r"lr must be a number, got str"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), r"weight_decay must lie in"),
    (lambda p: Momentum(p, lr=0.1, momentum=1.0), r"momentum must lie in \[0, 1\), got 1.0"),
    (lambda p: Nesterov(p, lr=0.1, momentum=-0.5), r"momentum must lie in"),
    (lambda p: AdaGrad(p, eps=0.0), r"eps must lie in \(0, inf\], got 0.0"),
    (lambda p: AdaGrad(p, lr_decay=-1.0), r"lr_decay must lie in"),
    (lambda p: RMSprop(p, alpha=1.0), r"alpha must lie in \[0, 1\)"),
    (lambda p: RMSprop(p, centered=1), r"centered must be True or False"),
    (lambda p: Adam(p, betas=(0.9, 1.0)), r"beta2 must lie in \[0, 1\), got 1.0"),
    (lambda p: Adam(p, betas=(-0.1, 0.999)), r"beta1 must lie in"),
    (lambda p: Adam(p, betas=0.9), r"betas must be a pair"),
    (lambda p: AdamW(p, eps=-1e-8), r"eps must lie in \(0, inf\]"),
    (lambda p: Adam([dict(params=p), dict(params=[nn.Parameter(torch.ones(1))], lr=-1.0)]),
     r"lr must lie in"),
    (lambda p: SGD(p, lr=float("nan")), r"lr must lie in"),
])
def test_bad_hyper_parameters(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make([nn.Parameter(torch.ones(2))])


@pytest.mark.parametrize("call, match", [
    (lambda: step_lr(-1, 0.1, 2), r"step must be a non-negative integer, got -1"),
    (lambda: step_lr(0, 0.1, 0), r"step_size must be a positive integer, got 0"),
    (lambda: step_lr(0, 0.1, 2, gamma=0.0), r"gamma must lie in \(0, inf\]"),
    (lambda: cosine_lr(0, 0, 0.1), r"total must be a positive integer"),
    (lambda: cosine_lr(1.5, 10, 0.1), r"step must be a non-negative integer, got 1.5"),
    (lambda: warmup_linear(0, 5, 0.1, start_factor=1.5), r"start_factor must lie in \[0, 1\]"),
    (lambda: warmup_linear(0, 5, -0.1), r"lr must lie in"),
    (lambda: rosenbrock(torch.zeros(3)), r"xy must have shape \(\.\.\., 2\), got \(3,\)"),
    (lambda: rosenbrock([1.0, 1.0]), r"xy must be a torch.Tensor"),
    (lambda: quadratic(torch.zeros(2), torch.eye(2, dtype=torch.float64)),
     r"A must have dtype torch.float32, got torch.float64"),
    (lambda: quadratic(torch.zeros(2), torch.eye(3)), r"A must have shape \(2, 2\)"),
    (lambda: trajectory(lambda p: SGD(p), lambda xy: xy, [0.0, 1.0], 3),
     r"f must return a scalar"),
    (lambda: trajectory(lambda p: SGD(p), rosenbrock, torch.zeros(1, 2), 3),
     r"start must have 1 dimension"),
    (lambda: trajectory(lambda p: SGD(p), rosenbrock, [0.0, 1.0], 0), r"steps must be a positive"),
    (lambda: lr_range_test(_linear, _mse, _batches(), 1.0, 0.1, 10), r"lr_max must lie in \(1, inf\]"),
    (lambda: lr_range_test(_linear, _mse, _batches(), 0.0, 0.1, 10), r"lr_min must lie in \(0, inf\]"),
    (lambda: lr_range_test(_linear, _mse, _batches(), 0.01, 0.1, 1), r"steps must be an integer >= 2"),
    (lambda: lr_range_test(_linear, _mse, [], 0.01, 0.1, 5), r"batches yielded no batch"),
])
def test_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ---------------------------------------------------------------- schedules


def _torch_lrs(make_scheduler, steps: int, lr: float) -> list[float]:
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


@pytest.mark.parametrize("step_size, gamma", [(3, 0.5), (1, 0.9), (10, 0.1)])
def test_step_lr_equals_torch(step_size, gamma):
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma), 25, 0.3)
    ours = [step_lr(s, 0.3, step_size, gamma) for s in range(25)]
    assert ours == pytest.approx(ref, abs=1e-12)


@pytest.mark.parametrize("total, lr_min", [(10, 0.0), (7, 0.01), (1, 0.05)])
def test_cosine_lr_equals_torch(total, lr_min):
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, total, lr_min),
                     total + 1, 0.2)
    ours = [cosine_lr(s, total, 0.2, lr_min) for s in range(total + 1)]
    assert ours == pytest.approx(ref, abs=1e-12)
    assert cosine_lr(total + 5, total, 0.2, lr_min) == pytest.approx(lr_min)


@pytest.mark.parametrize("warmup, start_factor", [(5, 0.1), (1, 0.5), (8, 1 / 3)])
def test_warmup_linear_equals_torch(warmup, start_factor):
    ref = _torch_lrs(
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor, total_iters=warmup),
        warmup + 4, 0.1,
    )
    ours = [warmup_linear(s, warmup, 0.1, start_factor) for s in range(warmup + 4)]
    assert ours == pytest.approx(ref, abs=1e-12)


# ----------------------------------------------- test functions, trajectories


def test_rosenbrock_and_quadratic_values_and_gradients():
    xy = torch.tensor([[1.0, 1.0], [-1.5, 2.0], [0.3, -0.7]], dtype=torch.float64,
                      requires_grad=True)
    f = rosenbrock(xy)
    x, y = xy.detach()[:, 0], xy.detach()[:, 1]
    assert torch.allclose(f, (1 - x) ** 2 + 100 * (y - x**2) ** 2)
    (grad,) = torch.autograd.grad(f.sum(), xy)
    assert grad[0].abs().max() == 0  # minimum at (1, 1)
    A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    q = quadratic(xy, A)
    (grad,) = torch.autograd.grad(q.sum(), xy)
    assert torch.allclose(grad, xy.detach() @ A)  # ∇ ½ xᵀAx = A x for symmetric A
    grid = torch.zeros(4, 5, 2)
    assert rosenbrock(grid).shape == (4, 5) and quadratic(grid, torch.eye(2)).shape == (4, 5)


def test_sgd_trajectory_on_quadratic_is_closed_form():
    A = torch.diag(torch.tensor([1.0, 20.0], dtype=torch.float64))
    lr, steps = 0.09, 30
    path = trajectory(lambda p: SGD(p, lr=lr), lambda xy: quadratic(xy, A), [1.0, 1.0], steps)
    assert path.shape == (steps + 1, 2) and path.dtype == torch.float64
    factors = 1 - lr * torch.diag(A)  # each eigen-direction is multiplied by 1 − lr·λ per step
    expected = factors ** torch.arange(steps + 1, dtype=torch.float64)[:, None]
    assert torch.allclose(path, expected)


@pytest.mark.parametrize("factor, converges", [(0.95, True), (1.05, False)])
def test_sgd_step_size_bound(factor, converges):
    A = torch.tensor([[10.0, 4.0], [4.0, 3.0]], dtype=torch.float64)
    lr = factor * 2 / torch.linalg.eigvalsh(A).max().item()
    path = trajectory(lambda p: SGD(p, lr=lr), lambda xy: quadratic(xy, A), [1.0, -1.0], 300)
    assert (path[-1].norm() < 1e-3) == converges


def test_adam_reaches_rosenbrock_minimum():
    path = trajectory(lambda p: Adam(p, lr=0.02), rosenbrock, [-1.5, 2.0], 3000)
    assert torch.allclose(path[-1], torch.tensor([1.0, 1.0], dtype=torch.float64), atol=1e-2)


# --------------------------------------------------------------- range test


def _linear() -> nn.Module:
    torch.manual_seed(0)
    return nn.Linear(3, 1)


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((out[:, 0] - y) ** 2).mean()


def _batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(40, 3, generator=gen)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(40, generator=gen)
    return [(X[i : i + 10], y[i : i + 10]) for i in range(0, 40, 10)]


def test_lr_range_test_rates_and_early_stop():
    lrs, losses = lr_range_test(_linear, _mse, _batches(), 1e-4, 1e2, 25, stop_factor=None)
    assert lrs.shape == losses.shape == (25,)
    assert torch.allclose(lrs, torch.logspace(-4, 2, 25, dtype=torch.float64))
    assert losses[-1] > 100 * losses.min()  # lr = 100 is far above 2/λ_max: it blows up
    lrs_stop, losses_stop = lr_range_test(_linear, _mse, _batches(), 1e-4, 1e2, 25)
    assert len(lrs_stop) == len(losses_stop) < 25
    assert torch.equal(losses_stop, losses[: len(losses_stop)])
    assert losses_stop[-1] > 4 * losses_stop.min()


def test_lr_range_test_with_adam_sets_every_group_lr():
    seen = []

    class Spy(Adam):
        def step(self, closure=None):
            seen.append([g["lr"] for g in self.param_groups])
            return super().step(closure)

    def two_groups(params):
        params = list(params)
        return Spy([dict(params=params[:1]), dict(params=params[1:], lr=5.0)])

    lrs, _ = lr_range_test(_linear, _mse, _batches(), 1e-3, 1e-1, 3, opt_factory=two_groups)
    assert [pair[0] for pair in seen] == pytest.approx(lrs.tolist())
    assert all(a == b for a, b in seen)


def test_doctests():
    result = doctest.testmod(optim, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_rejected_group_is_not_added():
    opt = SGD([nn.Parameter(torch.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="lr must lie in"):
        opt.add_param_group(dict(params=[nn.Parameter(torch.ones(1))], lr=-1.0))
    assert len(opt.param_groups) == 1


def test_torch_schedulers_drive_labkit_optimizers():
    opt = Adam([nn.Parameter(torch.ones(2))], lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=8)
    lrs = []
    for _ in range(9):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    assert lrs == pytest.approx([cosine_lr(k, 8, 0.1) for k in range(9)], abs=1e-12)
