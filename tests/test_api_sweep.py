"""Property: every public labkit function, given any mix of awkward arguments, either returns
or raises a clear error from labkit's own code, never an obscure failure from inside torch.

Hypothesis draws each argument from a pool of edge values (empty and 0-d tensors, NaN and
inf, mixed dtypes, complex and bool tensors, negative and huge numbers, None, strings, lists)
or leaves it at its default; ``tests/api_sweep.py`` defines the pool and the verdict.
"""

from __future__ import annotations

import inspect

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api_sweep import FORBIDDEN, classify, edge_values, parameters, public_functions

FUNCTIONS = public_functions()
POOL = edge_values(torch.Generator().manual_seed(0))
DEFAULT = object()


def test_the_sweep_covers_the_api():
    assert len(FUNCTIONS) > 80, len(FUNCTIONS)


@pytest.mark.parametrize(("name", "fn"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_any_arguments_give_a_result_or_a_clear_error(name, fn):
    short = name.rsplit(".", 1)[-1]
    params = [p for p in parameters(fn) if (short, p.name) not in FORBIDDEN]

    def choice(p: inspect.Parameter):
        values = st.sampled_from(range(len(POOL))).map(POOL.__getitem__)
        return st.one_of(st.just(DEFAULT), values) if p.default is not inspect.Parameter.empty else values

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({p.name: choice(p) for p in params}))
    def check(drawn):
        args = {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in drawn.items() if v is not DEFAULT}
        outcome, detail = classify(fn, args)
        assert outcome != "obscure", f"{name}({', '.join(args)}): {detail}"

    check()
