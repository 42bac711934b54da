"""The data files labkit read in this process.

The site build executes each tutorial and then asks its kernel which files it
used, so that its cache re-runs a tutorial when a data file it read changes
(``coursebuild/cache.py``). Loaders call ``record`` for every file they open.
"""

from __future__ import annotations

from pathlib import Path

READ: set[str] = set()


def record(path: str | Path) -> None:
    """Note that ``path`` was read."""
    READ.add(str(Path(path).resolve()))
