"""labkit.display: numbers and tensors as LaTeX, templates with named values, tables."""

from __future__ import annotations

import pytest
import torch

from labkit import display


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3355, r"3\,355"), (0.25, "0.25"), (2.0, "2"), (-1 / 3, "-0.3333"), (1e-9, r"1.000 \times 10^{-9}"),
        (123456.0, r"1.235 \times 10^{5}"), (torch.tensor(2.5), "2.5"), ("\\alpha", "\\alpha"),
        (torch.tensor([1.0, 2.0]), r"\begin{bmatrix}1 \\ 2\end{bmatrix}"),
    ],
)
def test_latex_of_values(value, text):
    assert display.latex(value) == text


def test_fill_replaces_named_values_and_catches_typos():
    assert display.fill(r"\sigma'(@z) = @s", z=0, s=0.25) == r"\sigma'(0) = 0.25"
    with pytest.raises(KeyError, match="no value given for @s"):
        display.fill(r"@z = @s", z=1)
    with pytest.raises(KeyError, match="without a placeholder in the template: y"):
        display.fill(r"@z", z=1, y=2)


def test_paren_and_sci_and_fmt():
    assert display.paren(-2.5) == "(-2.5)" and display.paren(3) == "3"
    assert display.sci(0) == "0" and display.fmt(-0.0) == "0"


def test_table_formats_numbers_as_math_and_checks_its_shape():
    text = display.table(["n", "error"], [[10, 0.25], ["all", 0.125]], align="lr")
    assert text.splitlines() == ["| n | error |", "|---|---:|", "| $10$ | $0.25$ |", "| all | $0.125$ |"]
    with pytest.raises(ValueError, match="row 0 has 1 cells, the header has 2"):
        display.table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="rows must not be empty"):
        display.table(["a"], [])
    with pytest.raises(ValueError, match="align must be"):
        display.table(["a"], [[1]], align="x")


def test_show_math_and_answer_print_outside_jupyter(capsys):
    display.show_math(r"x = @x", x=2)
    display.answer(r"It is $@v$.", v=0.5)
    out = capsys.readouterr().out
    assert "x = 2" in out
    assert '<details class="lk-answer"><summary>Answer</summary>' in out and "It is $0.5$." in out


@pytest.mark.parametrize(("call", "error"), [
    (lambda: display.fmt("1"), TypeError), (lambda: display.fmt(1, digits=-1), ValueError),
    (lambda: display.latex(True), TypeError), (lambda: display.bmatrix(torch.zeros(2, 2, 2)), ValueError),
    (lambda: display.latex(torch.zeros(0)), ValueError), (lambda: display.show_math(3), TypeError),
])
def test_bad_input_is_a_clear_error(call, error):
    with pytest.raises(error):
        call()
