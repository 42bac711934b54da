"""Seeds, the spread over seeds, and saving results for the report."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from labkit import seed_everything

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "report" / "results.json"

__all__ = ["PROJECT", "RESULTS", "mean_std", "save_results", "seed_everything"]


def mean_std(values: list[float], digits: int = 3) -> str:
    """'mean ± std' over seeds (the sample standard deviation)."""
    t = torch.tensor(values, dtype=torch.float64)
    std = t.std().item() if len(t) > 1 else float("nan")
    return f"{t.mean().item():.{digits}f} ± {std:.{digits}f}"


def save_results(results: dict, path: Path = RESULTS) -> Path:
    """Write ``results`` (numbers, lists, strings) as JSON; the report reads them there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return path
