"""Show computed mathematics and tables from a code cell.

Worked numbers on a page are computed, never typed. A derivation is written
once, as LaTeX with named placeholders, and the values are filled in from the
computation (the idea of MyST-NB's ``glue``)::

    show_math(r"\\frac{dz}{dx}\\Big|_{x=@x} = 4 \\cdot @x = @dz", x=x, dz=x.grad)

``@name`` is replaced by [`latex`][labkit.display.latex] of the value passed as ``name``: a number
with up to four decimals, scientific notation for tiny or huge ones, thousands
separators for integers, a column vector or a matrix for a tensor. A value that
is already a string is inserted as it is.

In Jupyter (and in the site build) the result renders as math; run as a plain
script it prints the LaTeX. A cell whose only job is to display a derivation is
tagged ``hide-input``: the site shows its output, the downloads keep the code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["fmt", "sci", "latex", "paren", "bmatrix", "fill", "show_math", "show_markdown", "answer", "table"]

_PLACEHOLDER = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _number(value: Any, name: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a single number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _check_digits(digits: object) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 15:
        raise ValueError(f"digits must be an integer from 0 to 15, got {digits!r}")
    return digits


def fmt(value: Any, digits: int = 4) -> str:
    """A number with up to ``digits`` decimals and no trailing zeros.

    Examples:
        >>> fmt(0.25), fmt(2.0), fmt(-1 / 3, 3)
        ('0.25', '2', '-0.333')
    """
    number = _number(value, "value")
    text = f"{number:.{_check_digits(digits)}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def sci(value: Any, digits: int = 3) -> str:
    """A number for LaTeX, in scientific notation when tiny or huge.

    Examples:
        >>> sci(0.25), sci(4.5e-05)
        ('0.25', '4.500 \\\\times 10^{-5}')
    """
    number = _number(value, "value")
    _check_digits(digits)
    if number == 0 or not math.isfinite(number):
        return "0" if number == 0 else str(number)
    exponent = math.floor(math.log10(abs(number)))
    if -2 <= exponent <= 3:
        return f"{number:.{digits + 3}g}"
    return rf"{number / 10**exponent:.{digits}f} \times 10^{{{exponent}}}"


def paren(value: Any, digits: int = 4) -> str:
    """[`latex`][labkit.display.latex] of a number, in parentheses when negative (for ``x - (-2)``).

    Examples:
        >>> paren(-2.5), paren(3)
        ('(-2.5)', '3')
    """
    text = latex(value, digits)
    return f"({text})" if text.startswith("-") else text


def bmatrix(t: torch.Tensor, digits: int = 4) -> str:
    """LaTeX ``bmatrix`` of a tensor of shape (n,) (a column) or (m, n).

    Examples:
        >>> bmatrix(torch.tensor([[1.0, 2.0], [3.0, 4.5]]))
        '\\\\begin{bmatrix}1 & 2 \\\\\\\\ 3 & 4.5\\\\end{bmatrix}'
    """
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"t must be a torch.Tensor, got {type(t).__name__}")
    if t.ndim not in (1, 2) or t.numel() == 0:
        raise ValueError(f"t must be a non-empty vector or matrix, got shape {tuple(t.shape)}")
    t = t.detach().cpu()
    if t.ndim == 1:
        t = t.unsqueeze(1)  # vectors are columns in the math
    rows = [" & ".join(latex(v, digits) for v in row) for row in t.tolist()]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def latex(value: Any, digits: int = 4) -> str:
    """LaTeX of a computed value: number, integer, tensor or (verbatim) string.

    Examples:
        >>> latex(3355), latex(0.123456), latex(1e-9), latex(torch.tensor(2.5))
        ('3\\\\,355', '0.1235', '1.000 \\\\times 10^{-9}', '2.5')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, torch.Tensor) and value.numel() != 1:
        return bmatrix(value, digits)
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, bool):
        raise TypeError("latex() of a bool is ambiguous; pass a string")
    if isinstance(value, int):
        return f"{value:,}".replace(",", r"\,")
    number = _number(value, "value")
    if number != 0 and math.isfinite(number) and not 1e-3 <= abs(number) < 1e5:
        return sci(number)
    return fmt(number, digits)


def fill(template: str, digits: int = 4, **values: Any) -> str:
    """Replace each ``@name`` of ``template`` with [`latex`][labkit.display.latex] of ``values[name]``.

    Raises:
        KeyError: a placeholder has no value, or a value has no placeholder (a typo).

    Examples:
        >>> fill(r"f(@x) = @y", x=2, y=0.5)
        'f(2) = 0.5'
    """
    if not isinstance(template, str):
        raise TypeError(f"template must be a str, got {type(template).__name__}")
    used = set(_PLACEHOLDER.findall(template))
    missing = sorted(used - values.keys())
    if missing:
        raise KeyError(f"no value given for {', '.join('@' + m for m in missing)}")
    unused = sorted(values.keys() - used)
    if unused:
        raise KeyError(f"values without a placeholder in the template: {', '.join(unused)}")
    return _PLACEHOLDER.sub(lambda m: latex(values[m.group(1)], digits), template)


def show_markdown(text: str, **values: Any) -> None:
    r"""Display ``text`` as Markdown (math in ``$...$``/``$$...$$``), ``@name`` filled in.

    Args:
        text: Markdown, with ``@name`` placeholders when ``values`` are given.
        **values: the values of the placeholders (see [`latex`][labkit.display.latex]).

    Examples:
        >>> show_markdown(r"$\sigma'(0) = @s$", s=0.25)  # in a plain script it prints
        $\sigma'(0) = 0.25$
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    text = fill(text, **values) if values else text
    if _in_ipython():
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def answer(text: str, **values: Any) -> None:
    """Display the answer to an exercise question, folded, with its computed numbers.

    ``text`` is Markdown (math allowed); ``@name`` is filled in from ``values`` inside
    and outside math. The reader opens it after trying the question.

    Args:
        text: the answer, in Markdown.
        **values: the computed numbers the answer states.

    Examples:
        >>> answer(r"The peak is $@p$.", p=0.25)  # doctest: +NORMALIZE_WHITESPACE
        <details class="lk-answer"><summary>Answer</summary>
        The peak is $0.25$.
        </details>
    """
    body = fill(text, **values) if values else text
    show_markdown(f'<details class="lk-answer"><summary>Answer</summary>\n\n{body}\n\n</details>')


def show_math(latex_source: str, digits: int = 4, **values: Any) -> None:
    r"""Display one equation (LaTeX without ``$$``), ``@name`` filled in from ``values``.

    Use ``\begin{aligned} ... \end{aligned}`` with one relation per line for
    long derivations: a display equation must fit the page's width.

    Args:
        latex_source: the equation, with ``@name`` placeholders.
        digits: decimals of the numbers filled in.
        **values: the values of the placeholders.

    Examples:
        >>> show_math(r"\frac{d}{dz} z^2 \Big|_{z=@z} = @d", z=3, d=6)
        \frac{d}{dz} z^2 \Big|_{z=3} = 6
    """
    if not isinstance(latex_source, str):
        raise TypeError(f"latex must be a str, got {type(latex_source).__name__}")
    text = fill(latex_source, digits, **values)
    if _in_ipython():
        from IPython.display import Markdown, display

        display(Markdown(f"$$\n{text}\n$$"))
    else:
        print(text)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None, digits: int = 4) -> str:
    """A Markdown table; numbers and tensors in cells become ``$latex$``.

    Args:
        header: column titles (Markdown, math allowed).
        rows: one sequence per row, as long as ``header``.
        align: one character per column, ``l``, ``r`` or ``c`` (default: text left, numbers right).
        digits: decimals of the numbers.

    Returns:
        The table's Markdown, for [`show_markdown`][labkit.display.show_markdown].

    Examples:
        >>> print(table(["n", "error"], [[10, 0.25], [100, 0.125]]))
        | n | error |
        |---:|---:|
        | $10$ | $0.25$ |
        | $100$ | $0.125$ |
    """
    if isinstance(header, str) or not isinstance(header, (list, tuple)) or not header:
        raise TypeError(f"header must be a non-empty list of column titles, got {header!r}")
    if not isinstance(rows, (list, tuple)):
        raise TypeError(f"rows must be a list of rows, got {type(rows).__name__}")
    if not rows:
        raise ValueError("rows must not be empty")
    if align is not None and not isinstance(align, str):
        raise TypeError(f"align must be a string such as 'lrr', got {type(align).__name__}")
    _check_digits(digits)
    width = len(header)
    for i, row in enumerate(rows):
        if isinstance(row, str) or not isinstance(row, (list, tuple)):
            raise TypeError(f"row {i} must be a list of cells, got {type(row).__name__}")
        if len(row) != width:
            raise ValueError(f"row {i} has {len(row)} cells, the header has {width}")
    if align is None:
        align = "".join("l" if isinstance(rows[0][j], str) else "r" for j in range(width))
    if len(align) != width or set(align) - set("lrc"):
        raise ValueError(f"align must be {width} characters from 'l', 'r', 'c', got {align!r}")
    rule = {"l": "---", "r": "---:", "c": ":---:"}

    def cell(v: Any) -> str:
        return v if isinstance(v, str) else f"${latex(v, digits)}$"

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
