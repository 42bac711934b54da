"""The self-check engine: run a student's function, compare, and name the likely mistake.

An [`Exercise`][labkit.selfcheck.core.Exercise] holds a reference implementation, a function that makes
random inputs (smallest first) and the typical mistakes ([`Mistake`][labkit.selfcheck.core.Mistake]), each
as the function a student who made it would have written, with a hint.
[`run`][labkit.selfcheck.core.run] calls the student's function on every input and returns a
[`Verdict`][labkit.selfcheck.core.Verdict]:

- **passed**: one line saying what was checked;
- **not attempted**: the function still raises ``NotImplementedError``;
- **failed**: the smallest failing input, expected against got, and a hint. The
  hint comes from the first mistake whose answer equals what the student's
  function returned, else from a generic diagnosis (sign, a constant factor
  such as a missing 1/N, a transpose, a wrong shape, NaN, a changed dtype, an
  input modified in place).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["Mistake", "Exercise", "Verdict", "run", "format_value"]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer.

    Attributes:
        hint: what the mistake is and how to fix it, in one or two sentences.
        answer: what a function with this mistake returns, given the same arguments
            as the reference (for example ``lambda z: sigmoid(z) * (1 + sigmoid(z))``).
    """

    hint: str
    answer: Callable[..., Any]


@dataclass(frozen=True)
class Exercise:
    """One self-checked exercise.

    Attributes:
        name: the name students pass to [`check`][labkit.selfcheck.check], e.g. ``"sigmoid_grad"``.
        page: the tutorial that poses it, e.g. ``"02-activations"``.
        reference: the worked solution.
        cases: ``cases(generator)`` returns a list of argument tuples, smallest first.
        mistakes: the typical mistakes to recognise.
        what: what a pass means, e.g. ``"equals σ(z)(1 − σ(z))"``.
        atol: absolute tolerance of the comparison.
        rtol: relative tolerance of the comparison.
        output_names: names of the items when the function returns a tuple.
        seed: seed of the generator passed to ``cases``.
    """

    name: str
    page: str
    reference: Callable[..., Any]
    cases: Callable[[torch.Generator], list[tuple]]
    mistakes: Sequence[Mistake] = ()
    what: str = "matches the reference"
    atol: float = 1e-6
    rtol: float = 1e-5
    output_names: Sequence[str] | None = None
    seed: int = 0


@dataclass
class Verdict:
    """The outcome of one self-check.

    Attributes:
        exercise: the exercise's name.
        status: ``"passed"``, ``"failed"`` or ``"not attempted"``.
        message: the full message shown to the student.
        hint: the diagnosis of a failure (empty otherwise).
    """

    exercise: str
    status: str
    message: str
    hint: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        import html

        cls = {"passed": "pass", "failed": "fail", "not attempted": "todo"}[self.status]
        colour = {"pass": "#047857", "fail": "#b91c1c", "todo": "#374151"}[cls]
        lines = self.message.split("\n")
        mark_and_name, _, rest = lines[0].partition(": ")
        head = f"<strong>{html.escape(mark_and_name)}</strong>: {html.escape(rest)}"
        body = "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])
        return (
            f'<div class="lk-check lk-check--{cls}" style="color:{colour};font-family:monospace;'
            f'white-space:pre-wrap">{head}{body}</div>'
        )


def format_value(value: Any, limit: int = 12) -> str:
    """A short text form of a check's input or output (tensors rounded, long ones cut).

    Args:
        value: a tensor, a tuple of values, or anything with a ``repr``.
        limit: how many elements of a tensor to show.

    Returns:
        One line of text.

    Examples:
        >>> format_value(torch.tensor([0.5, 2.0]))
        '[0.5, 2] (shape (2,), float32)'
    """
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
        shape = "(" + ", ".join(str(s) for s in t.shape) + ("," if t.ndim == 1 else "") + ")"
        if t.is_floating_point():
            flat = [f"{v:.4g}" for v in t.reshape(-1)[:limit].tolist()]
        else:
            flat = [str(v) for v in t.reshape(-1)[:limit].tolist()]
        more = ", …" if t.numel() > limit else ""
        return f"[{', '.join(flat)}{more}] (shape {shape}, {str(t.dtype).replace('torch.', '')})"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(format_value(v, limit) for v in value) + ")"
    return repr(value)


def _format_args(reference: Callable[..., Any], args: tuple) -> str:
    """``z = [...]`` with the reference's parameter names, one argument after another."""
    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        names = []
    names += [f"arg{i}" for i in range(len(names), len(args))]
    return "; ".join(f"{n} = {format_value(a)}" for n, a in zip(names, args))


def _clone(args: tuple) -> tuple:
    return tuple(a.detach().clone() if isinstance(a, torch.Tensor) else a for a in args)


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _close(got: Any, expected: Any, atol: float, rtol: float) -> bool:
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape or got.dtype != expected.dtype:
            return False
        return bool(torch.allclose(
            got.detach().double().cpu(), expected.detach().double().cpu(), atol=atol, rtol=rtol, equal_nan=True
        ))
    if isinstance(expected, (tuple, list)):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(expected)
            and all(_close(g, e, atol, rtol) for g, e in zip(got, expected))
        )
    if isinstance(expected, float):
        return isinstance(got, (int, float, torch.Tensor)) and math.isclose(float(got), expected, rel_tol=rtol, abs_tol=atol)
    return got == expected


def _mismatched_item(got: tuple, expected: tuple, names: Sequence[str] | None, atol: float, rtol: float):
    for i, (g, e) in enumerate(zip(got, expected)):
        if not _close(g, e, atol, rtol):
            return i, (names[i] if names and i < len(names) else None), g, e
    return None


def _generic_hint(got: Any, expected: Any, args: tuple) -> str:
    """A diagnosis that does not depend on the exercise."""
    if not isinstance(expected, torch.Tensor):
        return ""
    if not isinstance(got, torch.Tensor):
        return f"it returned a {type(got).__name__}, expected a tensor."
    if got.shape != expected.shape:
        if got.ndim == 2 and tuple(got.shape) == tuple(expected.shape)[::-1]:
            return (
                f"the shape is transposed: {tuple(got.shape)} instead of {tuple(expected.shape)}. "
                "Check the order of a matrix product or a missing .T."
            )
        if got.numel() == 1 and expected.numel() > 1:
            return "it returned a single number: a sum or mean over every axis where there should be none?"
        if got.numel() == expected.numel():
            return f"right numbers of elements, wrong shape {tuple(got.shape)} (expected {tuple(expected.shape)}): a reshape or a transpose?"
        return (
            f"wrong shape {tuple(got.shape)} (expected {tuple(expected.shape)}): a sum over the wrong axis, "
            "or a missing keepdim=True?"
        )
    g, e = got.detach().double().cpu(), expected.detach().double().cpu()
    if not torch.isfinite(g).all() and torch.isfinite(e).all():
        return "it produces inf or nan where the reference is finite: an overflow? Use a numerically stable form."
    if got.dtype == torch.bool and expected.is_floating_point():
        return "it returns a boolean mask; convert it with .to(z.dtype) so it is a number like the input."
    if got.dtype != expected.dtype:
        return f"it returns {got.dtype} where {expected.dtype} was expected: do not hard-code a dtype."
    scale = e.abs().max()
    if scale > 0 and torch.allclose(g, -e, atol=1e-6 * float(scale) + 1e-9, rtol=1e-4):
        return "it has the opposite sign everywhere: a sign error (for a gradient: descending instead of ascending, or y − ŷ for ŷ − y)."
    mask = e.abs() > 1e-6 * float(scale) if scale > 0 else None
    if mask is not None and mask.any():
        ratios = g[mask] / e[mask]
        c = float(ratios.median())
        if abs(c - 1) > 1e-3 and c != 0 and torch.allclose(ratios, torch.full_like(ratios, c), rtol=1e-4, atol=1e-9):
            batch = next((a.shape[0] for a in args if isinstance(a, torch.Tensor) and a.ndim >= 1), None)
            if batch and batch > 1 and math.isclose(c, batch, rel_tol=1e-4):
                return f"it is exactly N = {batch} times too large: a sum where the mean (1/N) belongs."
            if batch and batch > 1 and math.isclose(c, 1 / batch, rel_tol=1e-4):
                return f"it is exactly N = {batch} times too small: divided by N once too often."
            return f"it is off by a constant factor {c:.4g}: a missing or extra constant (a 2, a 1/N)?"
    if g.ndim == 2 and g.shape[0] == g.shape[1] and torch.allclose(g.T, e, atol=1e-6, rtol=1e-4):
        return "it is the transpose of the expected matrix: check the order of the matrix product."
    return ""


def run(exercise: Exercise, fn: Callable[..., Any]) -> Verdict:
    """Check ``fn`` against ``exercise`` on every input; see the module docstring."""
    name = exercise.name
    generator = torch.Generator().manual_seed(exercise.seed)
    cases = exercise.cases(generator)
    shapes = []
    for args in cases:
        originals = _clone(args)
        try:
            call_args = _clone(args)
            got = fn(*call_args)
        except NotImplementedError:
            return Verdict(
                name, "not attempted",
                f"… {name}: not attempted yet (it raises NotImplementedError). Write it, then run this cell again.",
            )
        except Exception as err:  # noqa: BLE001 - any error in the student's code is reported, not raised
            expected = exercise.reference(*_clone(args))
            hint = _exception_hint(err)
            message = (
                f"✗ {name}: raised {type(err).__name__}: {err}\n"
                f"  input    {_format_args(exercise.reference, originals)}\n"
                f"  expected {format_value(expected)}"
                + (f"\n  Hint: {hint}" if hint else "")
            )
            return Verdict(name, "failed", message, hint)
        expected = exercise.reference(*_clone(args))
        mutated = [
            i for i, (a, o) in enumerate(zip(call_args, originals))
            if isinstance(a, torch.Tensor) and (a.shape != o.shape or not torch.equal(a, o))
        ]
        got_t, expected_t = _as_tuple(got), _as_tuple(expected)
        if len(got_t) != len(expected_t):
            hint = f"it returns {len(got_t)} value(s), expected {len(expected_t)}" + (
                f" ({', '.join(exercise.output_names)})." if exercise.output_names else "."
            )
            message = f"✗ {name}: {hint}\n  input    {_format_args(exercise.reference, originals)}"
            return Verdict(name, "failed", message + f"\n  Hint: {hint}", hint)
        bad = _mismatched_item(got_t, expected_t, exercise.output_names, exercise.atol, exercise.rtol)
        if bad is None and not mutated:
            shapes.append(_shape_of(args))
            continue
        if bad is None:
            hint = "it modifies its input in place (use out-of-place operations: x = x + 1, not x += 1)."
            message = f"✗ {name}: right result, but {hint}\n  input    {_format_args(exercise.reference, originals)}"
            return Verdict(name, "failed", message, hint)
        index, item_name, g, e = bad
        hint = ""
        for mistake in exercise.mistakes:
            try:
                wrong = _as_tuple(mistake.answer(*_clone(originals)))
            except Exception:  # noqa: BLE001 - a mistake that does not apply to this input
                continue
            if len(wrong) == len(got_t) and _close(got_t[index], wrong[index], exercise.atol, exercise.rtol):
                hint = mistake.hint
                break
        if not hint:
            hint = _generic_hint(g, e, originals)
        what = f" {item_name}" if item_name else ""
        message = (
            f"✗ {name}:{what} wrong on the smallest failing input\n"
            f"  input    {_format_args(exercise.reference, originals)}\n"
            f"  expected {format_value(e)}\n"
            f"  got      {format_value(g)}\n"
            f"  Hint: {hint or 'no typical mistake recognised; compare the numbers above with a hand computation.'}"
        )
        return Verdict(name, "failed", message, hint)
    described = _describe([s for s in shapes if s != "scalars"])
    inputs = f"{len(cases)} random inputs" + (f" ({described})" if described else "")
    return Verdict(name, "passed", f"✓ {name}: {exercise.what} on {inputs}.")


def _shape_of(args: tuple) -> str:
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if not tensors:
        return "scalars"
    t = tensors[0]
    return "(" + ", ".join(str(s) for s in t.shape) + ("," if t.ndim == 1 else "") + ") " + str(t.dtype).replace("torch.", "")


def _describe(shapes: list[str]) -> str:
    seen = list(dict.fromkeys(shapes))
    return "shapes " + ", ".join(seen) if seen else ""


def _exception_hint(err: Exception) -> str:
    text = str(err)
    if "shapes cannot be multiplied" in text or "size of tensor a" in text or "must match the size" in text:
        return "the shapes do not fit together: a transposed weight matrix, or a sum over the wrong axis?"
    if isinstance(err, NameError):
        return "a name is not defined yet: run the cells above this one first."
    if "dtype" in text.lower():
        return "mixed dtypes: create new tensors with dtype=x.dtype (and device=x.device)."
    return ""
