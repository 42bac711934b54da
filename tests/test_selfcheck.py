"""Tests for labkit.selfcheck: the engine, and every registered exercise.

Each topic's exercises have their own file, ``tests/test_selfcheck_<topic>.py``, with at
least three wrong answers per exercise written as a student would write them, and the
hint each must get.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

from labkit import selfcheck
from labkit.selfcheck.core import Exercise, Mistake, run

EXERCISES = selfcheck.exercises()


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_passes(name):
    verdict = selfcheck.verdict(name, EXERCISES[name].reference)
    assert verdict.status == "passed", verdict.message
    assert verdict.message.startswith(f"✓ {name}:")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_each_registered_mistake_gets_its_own_hint(name):
    exercise = EXERCISES[name]
    assert len(exercise.mistakes) >= 3, f"{name}: fewer than three typical mistakes"
    for mistake in exercise.mistakes:
        verdict = selfcheck.verdict(name, mistake.answer)
        assert verdict.status == "failed", f"{name}: {mistake.hint!r} passed"
        assert verdict.hint == mistake.hint, verdict.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_unwritten_function_is_not_attempted(name):
    def skeleton(*args):
        raise NotImplementedError()

    verdict = selfcheck.verdict(name, skeleton)
    assert verdict.status == "not attempted"
    assert "not attempted yet" in verdict.message


def test_check_returns_the_students_function_or_the_reference(capsys, monkeypatch):
    monkeypatch.delenv("LABKIT_SELFCHECK_STRICT", raising=False)

    def good(z):
        return torch.where(z > 0, z, torch.zeros_like(z))

    assert selfcheck.check("relu", good) is good
    assert selfcheck.check("relu", lambda z: z.abs()) is EXERCISES["relu"].reference
    out = capsys.readouterr().out
    assert "✓ relu" in out and "✗ relu" in out


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv("LABKIT_SELFCHECK_STRICT", "1")
    with pytest.raises(selfcheck.SelfCheckError, match="not attempted"):
        selfcheck.check("relu", lambda z: (_ for _ in ()).throw(NotImplementedError()))
    with pytest.raises(selfcheck.SelfCheckError, match="relu"):
        selfcheck.check("relu", lambda z: z)


def test_unknown_name_and_non_callable():
    with pytest.raises(KeyError, match="no self-check called 'relu_gradient'.*relu_grad"):
        selfcheck.verdict("relu_gradient", lambda z: z)
    with pytest.raises(TypeError, match="fn must be the function you wrote"):
        selfcheck.verdict("relu", 3)


def _toy(mistakes=(), **kw):
    return Exercise(
        name="toy_mean_grad", page="test", reference=lambda X: X.mean(0),
        cases=lambda g: [(torch.randn(4, 3, generator=g),), (torch.randn(6, 2, generator=g),)],
        mistakes=list(mistakes), **kw,
    )


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda X: -X.mean(0), "opposite sign"),
        (lambda X: X.sum(0), "N = 4 times too large"),
        (lambda X: X.mean(0) / 4, "N = 4 times too small"),
        (lambda X: 2 * X.mean(0), "constant factor 2"),
        (lambda X: X.mean(1), "wrong shape (4,)"),
        (lambda X: X.mean(), "single number"),
        (lambda X: X.mean(0).double(), "torch.float64 where torch.float32"),
        (lambda X: X.mean(0) / 0, "inf or nan"),
        (lambda X: X.mean(0) > 0, "boolean mask"),
    ],
)
def test_generic_diagnoses(wrong, hint):
    verdict = run(_toy(), wrong)
    assert verdict.status == "failed"
    assert hint in verdict.hint, verdict.message


def test_transposed_matrix_and_in_place_and_exceptions():
    ex = Exercise(
        name="toy_outer", page="test", reference=lambda a, b: torch.outer(a, b),
        cases=lambda g: [(torch.randn(3, generator=g), torch.randn(3, generator=g))],
    )
    assert "transpose" in run(ex, lambda a, b: torch.outer(b, a)).hint
    in_place_verdict = run(ex, lambda a, b: (a.add_(1), torch.outer(a - 1, b))[1])
    assert "in place" in in_place_verdict.hint
    raised = run(ex, lambda a, b: a @ torch.ones(2, 2))
    assert raised.status == "failed" and "raised RuntimeError" in raised.message
    assert "shapes do not fit" in raised.hint


def test_specific_mistake_wins_over_generic_hint():
    ex = _toy([Mistake("you summed instead of averaging", lambda X: X.sum(0))])
    assert run(ex, lambda X: X.sum(0)).hint == "you summed instead of averaging"


def test_failure_message_shows_smallest_input_with_parameter_names():
    verdict = run(_toy(), lambda X: X.sum(0))
    assert "input    X = [" in verdict.message and "(shape (4, 3), float32)" in verdict.message
    assert "expected" in verdict.message and "got" in verdict.message


def test_wrong_number_of_outputs():
    ex = Exercise(
        name="toy_pair", page="test", reference=lambda x: (x, 2 * x), output_names=("a", "b"),
        cases=lambda g: [(torch.randn(2, generator=g),)],
    )
    verdict = run(ex, lambda x: x)
    assert "returns 1 value(s), expected 2 (a, b)" in verdict.hint
    named = run(ex, lambda x: (x, 3 * x))
    assert "b wrong" in named.message


def test_html_verdict_is_marked_for_the_site():
    html = selfcheck.verdict("relu", lambda z: z.abs())._repr_html_()
    assert 'class="lk-check lk-check--fail"' in html and "<strong>✗ relu</strong>" in html


def test_register_rejects_duplicates_and_non_exercises():
    with pytest.raises(ValueError, match="two self-check exercises are named 'relu'"):
        selfcheck.register(dataclasses.replace(_toy(), name="relu"))
    with pytest.raises(TypeError, match="Exercise objects"):
        selfcheck.register("relu")
