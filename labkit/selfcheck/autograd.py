"""Self-checks of tutorial 04, "Computation graphs and autograd": derivatives by hand.

Every exercise of the lab sheet asks for a derivative worked out with the chain
rule and compared with autograd. Here each is a function of the inputs,
applied element-wise to tensors of several shapes, and the reference is the
derivative itself. The mistakes are the slips of the chain rule: a missing
factor, a path left out, a sign, the function instead of its derivative.
"""

from __future__ import annotations

import torch

from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "04-autograd"

f64 = torch.float64


def _points(gen: torch.Generator, scale: float = 2.0) -> list[tuple]:
    """One input tensor: the sheet's point first, then random shapes (one in float64)."""
    return [
        (torch.tensor([3.5, -1.0, 0.5]),),
        (scale * torch.randn(2, 3, generator=gen),),
        (scale * torch.randn(4, generator=gen, dtype=f64),),
    ]


def _uniform(gen: torch.Generator, lo: float, hi: float, *shape: int, dtype=torch.float32):
    return lo + (hi - lo) * torch.rand(*shape, generator=gen, dtype=dtype)


def _pairs(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([1.5, -1.0, 0.0]), torch.tensor([-0.5, 2.0, 1.0])),
        (torch.randn(2, 3, generator=gen), torch.randn(2, 3, generator=gen)),
        (torch.randn(4, generator=gen, dtype=f64), torch.randn(4, generator=gen, dtype=f64)),
    ]


def _neurons(gen: torch.Generator) -> list[tuple]:
    """(x, w, b): v = w x + b positive, negative, exactly 0, and u = w x of the other sign."""
    return [
        (torch.tensor([2.0, 2.0, 2.0, -1.0, 1.0]), torch.tensor([0.5, 0.5, 0.5, 0.3, -0.4]),
         torch.tensor([-0.3, -1.5, -1.0, 0.2, 0.9])),
        tuple(torch.randn(6, generator=gen) for _ in range(3)),
        tuple(torch.randn(2, 3, generator=gen, dtype=f64) for _ in range(3)),
    ]


def _xyz(gen: torch.Generator) -> list[tuple]:
    """(x, y, z) with sin y away from 0 and 1 + 2xz / sin y > 0, so f is defined."""
    return [
        (torch.tensor(0.5, dtype=f64), torch.tensor(1.0, dtype=f64), torch.tensor(0.8, dtype=f64)),
        (_uniform(gen, 0.1, 1.0, 5), _uniform(gen, 0.5, 2.5, 5), _uniform(gen, 0.1, 1.0, 5)),
        (_uniform(gen, 0.1, 1.0, 2, 3, dtype=f64), _uniform(gen, 0.5, 2.5, 2, 3, dtype=f64),
         _uniform(gen, 0.1, 1.0, 2, 3, dtype=f64)),
    ]


def _sigmoid(x):
    return 1 / (1 + torch.exp(-x))


def _f4(x):
    return torch.exp(-x**2 - 2 * x - torch.sin(x))


def f6_grads(x, y, z):
    """Reference: (df/dx, df/dy, df/dz) of f = tanh(ln(1 + z · 2x / sin y))."""
    a, b = 2 * x, torch.sin(y)
    c = a / b
    d = z * c
    e = torch.log(1 + d)
    df_dd = (1 - torch.tanh(e) ** 2) / (1 + d)
    return df_dd * z / b * 2, df_dd * z * (-a / b**2) * torch.cos(y), df_dd * c


def _f6_variant(one_plus=True, da_dx=2.0, dc_db_sign=-1.0, db_dy=torch.cos, dd_dz="c"):
    """``f6_grads`` with one slip of the chain rule."""

    def grads(x, y, z):
        a, b = 2 * x, torch.sin(y)
        c = a / b
        d = z * c
        e = torch.log(1 + d)
        df_dd = (1 - torch.tanh(e) ** 2) / ((1 + d) if one_plus else d)
        dc_db = dc_db_sign * a / b**2
        return df_dd * z / b * da_dx, df_dd * z * dc_db * db_dy(y), df_dd * (c if dd_dz == "c" else z)

    return grads


def _grad_sigmoid_variant(last=-1.0, db_da=True, ds_dc=None, exp_of_x=False):
    """The chain a = -x, b = e^a, c = 1 + b, s = 1/c with one slip."""

    def grad(x):
        a = -x
        b = torch.exp(a)
        c = 1 + b
        dsdc = -1.0 / c**2 if ds_dc is None else ds_dc(c)
        local = (torch.exp(x) if exp_of_x else torch.exp(a)) if db_da else 1.0
        return dsdc * 1 * local * last

    return grad


register(
    Exercise(
        name="dz_dx",
        page=PAGE,
        reference=lambda x: 4 * x,
        cases=_points,
        what="equals dz/dx = 4x",
        mistakes=[
            Mistake("this is dy/dx = 2x only; the chain rule multiplies it by dz/dy = 2.", lambda x: 2 * x),
            Mistake("this is z = 2x² + 3 itself, the value, not its derivative (the sheet's own slip).",
                    lambda x: 2 * x**2 + 3),
            Mistake("the chain rule multiplies the local derivatives, dz/dy · dy/dx = 2 · 2x; they are "
                    "not added.", lambda x: 2 + 2 * x),
        ],
    ),
    Exercise(
        name="f2_grad",
        page=PAGE,
        reference=lambda x: 2 * (x - 2),
        cases=_points,
        what="equals f'(x) = 2(x − 2)",
        mistakes=[
            Mistake("2x is the derivative of x²; here the square is of u = x − 2: f' = 2u · du/dx = "
                    "2(x − 2).", lambda x: 2 * x),
            Mistake("the power rule's factor 2 is missing: f' = 2(x − 2).", lambda x: x - 2),
            Mistake("the sign inside is wrong: u = x − 2, so f' = 2(x − 2), not 2(x + 2).",
                    lambda x: 2 * (x + 2)),
            Mistake("this is f(x) = (x − 2)² itself, not its derivative.", lambda x: (x - 2) ** 2),
        ],
    ),
    Exercise(
        name="y3_grad",
        page=PAGE,
        reference=lambda x: 2 * x,
        cases=_points,
        what="equals dy/dx = 2x",
        mistakes=[
            Mistake("the constant 5 has derivative 0: it does not survive differentiation.",
                    lambda x: 2 * x + 5),
            Mistake("this is x², not its derivative 2x.", lambda x: x**2),
            Mistake("the power rule brings the exponent down: d/dx x² = 2x, not x.", lambda x: x + 0),
        ],
    ),
    Exercise(
        name="grad_sigmoid_manual",
        page=PAGE,
        reference=lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
        cases=_points,
        what="equals autograd's derivative of σ(x) = 1 / (1 + e^{−x})",
        mistakes=[
            Mistake("the last factor ∂a/∂x = −1 is missing: without it the sign is wrong.",
                    _grad_sigmoid_variant(last=1.0)),
            Mistake("the factor ∂b/∂a = e^a is missing (b = e^a is not linear in a).",
                    _grad_sigmoid_variant(db_da=False)),
            Mistake("∂s/∂c of s = 1/c is −1/c², not 1/c.", _grad_sigmoid_variant(ds_dc=lambda c: 1 / c)),
            Mistake("∂b/∂a = e^a with a = −x, so it is e^{−x}, not e^{x}.", _grad_sigmoid_variant(exp_of_x=True)),
        ],
    ),
    Exercise(
        name="dz_da",
        page=PAGE,
        reference=lambda a, b: 4 + 30 * a,
        cases=_pairs,
        what="equals dz/da = 4 + 30a, both paths added",
        mistakes=[
            Mistake("only the path through x: a also reaches z through y = 5a² + 3b³, and the two "
                    "paths add.", lambda a, b: torch.full_like(a, 4.0)),
            Mistake("only the path through y: a also reaches z through x = 2a + 3b (2 · 2 = 4).",
                    lambda a, b: 30 * a),
            Mistake("d(5a²)/da = 10a: both factors of a · a count, not one.", lambda a, b: 4 + 15 * a),
            Mistake("the local derivatives dz/dx = 2 and dz/dy = 3 are missing: dz/da = 2 · 2 + 3 · 10a.",
                    lambda a, b: 2 + 10 * a),
        ],
    ),
    Exercise(
        name="dz_db",
        page=PAGE,
        reference=lambda a, b: 6 + 27 * b**2,
        cases=_pairs,
        what="equals dz/db = 6 + 27b²",
        mistakes=[
            Mistake("dz/dy = 3 is missing on the path through y: 3 · 9b² = 27b².",
                    lambda a, b: 6 + 9 * b**2),
            Mistake("only the path through y: b also reaches z through x = 2a + 3b (2 · 3 = 6).",
                    lambda a, b: 27 * b**2),
            Mistake("d(3b³)/db = 9b²: the power rule keeps b to the power 2.", lambda a, b: 6 + 27 * b),
        ],
    ),
    Exercise(
        name="da_dw_relu",
        page=PAGE,
        reference=lambda x, w, b: (w * x + b > 0).to(x.dtype) * x,
        cases=_neurons,
        what="equals ReLU'(wx + b) · x (0 where wx + b ≤ 0)",
        mistakes=[
            Mistake("the ReLU's slope is missing: where v = wx + b < 0 the unit is off and da/dw = 0.",
                    lambda x, w, b: x + 0),
            Mistake("this is da/dx = ReLU'(v) · w; da/dw multiplies by ∂u/∂w = x.",
                    lambda x, w, b: (w * x + b > 0).to(x.dtype) * w),
            Mistake("at v = 0 the slope is taken as 0 (PyTorch's convention): use v > 0, not v >= 0.",
                    lambda x, w, b: (w * x + b >= 0).to(x.dtype) * x),
            Mistake("the test must be on v = wx + b, the ReLU's input, not on u = wx.",
                    lambda x, w, b: (w * x > 0).to(x.dtype) * x),
        ],
    ),
    Exercise(
        name="da_dw_sigmoid",
        page=PAGE,
        reference=lambda x, w, b: _sigmoid(w * x + b) * (1 - _sigmoid(w * x + b)) * x,
        cases=_neurons,
        what="equals σ(v)(1 − σ(v)) · x with v = wx + b",
        mistakes=[
            Mistake("the last factor ∂u/∂w = x is missing.",
                    lambda x, w, b: _sigmoid(w * x + b) * (1 - _sigmoid(w * x + b))),
            Mistake("σ(v) is the activation, not its slope σ(v)(1 − σ(v)).",
                    lambda x, w, b: _sigmoid(w * x + b) * x),
            Mistake("this is da/dx, with w; da/dw multiplies by ∂u/∂w = x.",
                    lambda x, w, b: _sigmoid(w * x + b) * (1 - _sigmoid(w * x + b)) * w),
            Mistake("the slope is taken at wx; it belongs at v = wx + b, the bias included.",
                    lambda x, w, b: _sigmoid(w * x) * (1 - _sigmoid(w * x)) * x),
        ],
    ),
    Exercise(
        name="f4_grad",
        page=PAGE,
        reference=lambda x: -(2 * x + 2 + torch.cos(x)) * _f4(x),
        cases=lambda gen: _points(gen, scale=1.0),
        what="equals autograd's derivative of exp(−x² − 2x − sin x)",
        mistakes=[
            Mistake("d/dx sin x = cos x, so the exponent's derivative is −2x − 2 − cos x (the sign of "
                    "the cos is wrong).", lambda x: -(2 * x + 2 - torch.cos(x)) * _f4(x)),
            Mistake("the outer factor e^g is missing: (e^g)' = e^g · g'.",
                    lambda x: -(2 * x + 2 + torch.cos(x))),
            Mistake("the minus sign of the exponent is lost: g' = −(2x + 2 + cos x).",
                    lambda x: (2 * x + 2 + torch.cos(x)) * _f4(x)),
            Mistake("d/dx(−2x) = −2 is missing from g'.", lambda x: -(2 * x + torch.cos(x)) * _f4(x)),
        ],
    ),
    Exercise(
        name="y5_grad",
        page=PAGE,
        reference=lambda x: 32 * x**3 + 9 * x**2 + 14 * x + 6,
        cases=lambda gen: _points(gen, scale=1.0),
        what="equals dy/dx = 32x³ + 9x² + 14x + 6",
        mistakes=[
            Mistake("the power rule lowers each exponent by one: d/dx x⁴ = 4x³.",
                    lambda x: 32 * x**4 + 9 * x**3 + 14 * x**2 + 6 * x),
            Mistake("the constant 3 has derivative 0.", lambda x: 32 * x**3 + 9 * x**2 + 14 * x + 9),
            Mistake("the term 6x has derivative 6; it is missing.", lambda x: 32 * x**3 + 9 * x**2 + 14 * x),
        ],
    ),
    Exercise(
        name="f6_grads",
        page=PAGE,
        reference=f6_grads,
        cases=_xyz,
        output_names=("df/dx", "df/dy", "df/dz"),
        what="equals autograd's gradient of tanh(ln(1 + z · 2x / sin y))",
        mistakes=[
            Mistake("with d = z c and e = ln(1 + d), ∂e/∂d = 1/(1 + d), not 1/d.",
                    _f6_variant(one_plus=False)),
            Mistake("the factor ∂a/∂x = 2 of a = 2x is missing.", _f6_variant(da_dx=1.0)),
            Mistake("∂c/∂b of c = a/b is −a/b²: the minus sign is missing.", _f6_variant(dc_db_sign=1.0)),
            Mistake("∂b/∂y of b = sin y is cos y, not sin y.", _f6_variant(db_dy=torch.sin)),
            Mistake("∂d/∂z of d = z c is c, not z.", _f6_variant(dd_dz="z")),
        ],
    ),
)
