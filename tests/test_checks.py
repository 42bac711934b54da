"""labkit.checks: compare prints and fails loudly; max_abs_diff refuses what it cannot order."""

from __future__ import annotations

import math

import pytest
import torch

from labkit.checks import MismatchError, compare, max_abs_diff


def test_max_abs_diff_of_equal_close_and_different_tensors():
    a = torch.tensor([1.0, 2.0, 3.0])
    assert max_abs_diff(a, a.clone()) == 0.0
    assert max_abs_diff(a, a + torch.tensor([0.0, 1e-7, -0.5])) == pytest.approx(0.5)
    assert max_abs_diff(torch.zeros(0), torch.zeros(0)) == 0.0


def test_max_abs_diff_treats_matching_infinities_and_nans_as_equal():
    a = torch.tensor([math.inf, math.nan, 1.0])
    assert max_abs_diff(a, a.clone()) == 0.0
    assert math.isinf(max_abs_diff(torch.tensor([math.inf]), torch.tensor([1.0])))


@pytest.mark.parametrize(
    ("a", "b", "error", "match"),
    [
        (torch.zeros(2, 3), torch.zeros(3, 2), ValueError, r"shapes \(2, 3\) and \(3, 2\)"),
        (torch.zeros(2, dtype=torch.complex64), torch.zeros(2), TypeError, "real tensor"),
        (None, torch.zeros(1), TypeError, "a must be a tensor"),
        ("x", torch.zeros(1), TypeError, "a must be a tensor"),
    ],
)
def test_max_abs_diff_rejects_what_it_cannot_compare(a, b, error, match):
    with pytest.raises(error, match=match):
        max_abs_diff(a, b)


def test_compare_prints_exact_approx_and_raises_on_a_mismatch(capsys):
    a = torch.tensor([1.0, 2.0])
    assert compare("same", a, a.clone()) == 0.0
    compare("close", a.double(), a.double() + 1e-8)
    with pytest.raises(MismatchError, match=r"far: max \|diff\| = 1.000e-01 exceeds atol = 1e-06"):
        compare("far", a, a + 0.1)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["same", "exact"]
    assert out[1].split()[:2] == ["close", "approx"]
    assert out[2].split()[:2] == ["far", "MISMATCH"]


def test_a_declared_mismatch_must_really_mismatch():
    a = torch.tensor([1.0])
    compare("on purpose", a, a + 1, expect="mismatch")
    with pytest.raises(MismatchError, match="expected a mismatch"):
        compare("no difference", a, a.clone(), expect="mismatch")


def test_nan_is_never_close():
    with pytest.raises(MismatchError):
        compare("nan", torch.tensor([math.nan]), torch.tensor([1.0]))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"atol": -1}, "atol"), ({"atol": math.inf}, "atol"), ({"atol": True}, "atol"), ({"expect": "maybe"}, "expect"),
])
def test_compare_checks_its_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        compare("x", torch.zeros(1), torch.zeros(1), **kwargs)
