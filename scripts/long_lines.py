"""List code lines of tutorials longer than 88 characters (they would scroll sideways on the page).

Usage: .venv/bin/python scripts/long_lines.py [tutorials/NN-topic.py ...]
Exit status 1 when there are any.
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 88


def long_code_lines(path: Path) -> list[tuple[int, int]]:
    """``(line number, length)`` of code-cell lines over :data:`LIMIT` characters."""
    out, markdown = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("# %%"):
            markdown = line.startswith("# %% [markdown]")
            continue
        if not markdown and not line.startswith("# ") and len(line) > LIMIT:
            out.append((number, len(line)))
    return out


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    paths = [Path(p) for p in sys.argv[1:]] or sorted((root / "tutorials").glob("*.py"))
    found = 0
    for path in paths:
        for number, length in long_code_lines(path):
            print(f"{path}:{number}: {length} characters")
            found += 1
    raise SystemExit(1 if found else 0)
