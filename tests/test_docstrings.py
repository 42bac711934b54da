"""The API reference people can use: every public function has a runnable example (run by
``--doctest-modules``), arguments documented, and no Sphinx roles left as raw text."""

from __future__ import annotations

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


def test_every_module_documents_its_constants():
    for info in pkgutil.iter_modules(labkit.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"labkit.{info.name}")
        source = inspect.getsource(module)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if name.isupper() and not callable(obj):
                assert re.search(rf"#: .*\n{name}\b|^{name}\b.*\n\"\"\"", source, re.MULTILINE), (
                    f"labkit.{info.name}.{name}: document the constant with a '#: ...' comment above it"
                )
