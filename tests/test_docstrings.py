"""The API reference people can use: every public function has a runnable example (run by
``--doctest-modules``), arguments documented, and no Sphinx roles left as raw text."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re

import pytest

import labkit

PUBLIC = []
for info in pkgutil.iter_modules(labkit.__path__):
    if info.name.startswith("_"):
        continue
    module = importlib.import_module(f"labkit.{info.name}")
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            PUBLIC.append((f"labkit.{info.name}.{name}", obj))


@pytest.mark.parametrize(("name", "obj"), [p for p in PUBLIC if inspect.isfunction(p[1])], ids=lambda x: x if isinstance(x, str) else "")
def test_every_public_function_has_a_runnable_example(name, obj):
    assert ">>>" in (obj.__doc__ or ""), f"{name}: add an Examples: section with a doctest"


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=lambda x: x if isinstance(x, str) else "")
def test_no_sphinx_roles_in_docstrings(name, obj):
    roles = re.findall(r":(?:func|mod|class|meth|data|attr):`", obj.__doc__ or "")
    assert not roles, f"{name}: use mkdocstrings cross-references ([`x`][labkit.m.x]), not {roles}"


def _documented_constants(source: str) -> set[str]:
    """Module-level names assigned and followed by a string: the docstrings griffe shows."""
    body = ast.parse(source).body
    found = set()
    for node, after in zip(body, body[1:]):
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            found |= {t.id for t in targets if isinstance(t, ast.Name)}
    return found


def test_every_module_documents_its_constants():
    missing = []
    for info in pkgutil.iter_modules(labkit.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"labkit.{info.name}")
        documented = _documented_constants(inspect.getsource(module))
        missing += [
            f"labkit.{info.name}.{name}" for name in getattr(module, "__all__", [])
            if name.isupper() and not callable(getattr(module, name)) and name not in documented
        ]
    assert not missing, f"give these constants a docstring (a string right below them): {missing}"
