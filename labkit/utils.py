"""Seeding and device selection, used by every tutorial's first code cell."""

from __future__ import annotations

import contextlib
import os
import platform
import random
from collections.abc import Iterator

import torch

__all__ = ["seed_everything", "get_device", "describe_device", "torch_threads"]


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python's and torch's random number generators.

    Outputs of the tutorials are deterministic: two builds show the same
    numbers because every tutorial calls this first.

    Args:
        seed: the seed, a non-negative integer.

    Returns:
        A ``torch.Generator`` seeded with ``seed``, for code that wants its own
        stream of random numbers.

    Examples:
        >>> _ = seed_everything(0); a = torch.rand(1); _ = seed_everything(0); bool(a == torch.rand(1))
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def get_device(prefer: str | None = None) -> torch.device:
    """Pick the device to compute on: CUDA when present, otherwise the CPU.

    Args:
        prefer: ``"cpu"`` or ``"cuda"`` to override the choice; defaults to the
            ``LABKIT_DEVICE`` environment variable, then to automatic choice.

    Returns:
        The ``torch.device`` to use.

    Raises:
        ValueError: ``prefer`` is not ``"cpu"``, ``"cuda"`` or ``None``.
        RuntimeError: ``"cuda"`` was asked for but no CUDA device is available.

    Examples:
        >>> get_device("cpu")
        device(type='cpu')
    """
    choice = prefer if prefer is not None else os.environ.get("LABKIT_DEVICE") or None
    if choice is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {choice!r}")
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but torch.cuda.is_available() is False")
    return torch.device(choice)


def describe_device(device: torch.device | None = None) -> str:
    """Describe ``device`` in one line, e.g. ``"cpu (x86_64, 2 torch threads)"``.

    Args:
        device: a ``torch.device``, ``"cpu"``/``"cuda"``, or ``None`` for [`get_device`][labkit.utils.get_device]'s choice.

    Returns:
        The device and what it runs on.

    Examples:
        >>> describe_device(torch.device("cpu")).startswith("cpu (")
        True
    """
    if device is None:
        device = get_device()
    elif isinstance(device, str):
        if device not in ("cpu", "cuda"):
            raise ValueError(f"device must be a torch.device, 'cpu', 'cuda' or None, got {device!r}")
        device = get_device(device)
    if not isinstance(device, torch.device):
        raise TypeError(f"device must be a torch.device, 'cpu', 'cuda' or None, got {type(device).__name__}")
    if device.type == "cuda":
        get_device("cuda")  # a clear error when no GPU is visible
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.machine()}, {torch.get_num_threads()} torch threads)"


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[int]:
    """Run the block with ``n`` CPU threads for torch's operations, then restore the old number.

    The site builds each tutorial with one thread, two tutorials side by side, so no page
    uses this: a cell that asked for both cores while the other kernel held one made page
    12 take 224 s in the build, against 34 s on one thread. On your own machine, with
    nothing else running, a compute-bound cell can ask for more threads.

    Args:
        n: threads to use, a positive integer (capped at the number of CPU cores).

    Yields:
        The number of threads in use.

    Examples:
        >>> with torch_threads(1) as n:
        ...     n, torch.get_num_threads()
        (1, 1)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    before = torch.get_num_threads()
    n = min(n, os.cpu_count() or n)
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(before)
