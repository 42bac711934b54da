"""Time one gradient step of the MNIST practical's MLP: per-sample loops against matrix products.

The per-sample step is the practical's own (a forward and a backward pass for
every training sample, accumulated in four tensors); the batched step computes
the same summed gradient with ``forward_pass_batch``/``backward_pass_batch``.
Both come from ``labkit.practical`` and run on the ``"small"`` MNIST split
(1,000 training images), 784-50-10, as in tutorial 12
("The MNIST practical: an MLP from scratch").

Usage:
    .venv/bin/python scripts/bench_practical.py
    # or, from Python:
    from bench_practical import time_per_step; time_per_step()
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from labkit import get_device, practical  # noqa: E402
from labkit.mnist import load_mnist  # noqa: E402

__all__ = ["time_per_step"]


def _timed(step, device: torch.device, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return times


def time_per_step(
    per_sample_steps: int = 3, batched_steps: int = 50, device: str | torch.device | None = None
) -> dict[str, float | int | str]:
    """Measure the seconds per gradient step of both versions (medians).

    Args:
        per_sample_steps: per-sample steps to time (each takes a noticeable fraction of a second).
        batched_steps: batched steps to time.
        device: where to compute; default ``labkit.get_device()``.

    Returns:
        ``{"per_sample_s", "batched_s", "ratio", "num_train", "device", "threads"}``:
        median seconds per step of each version, their ratio, the number of
        training samples per step, the device and torch's thread count.
    """
    device = torch.device(device) if device is not None else get_device()
    data = load_mnist("small")
    X = data.X_train.to(device)  # (1000, 784)
    T = 0.9 * F.one_hot(data.y_train, num_classes=10).float().to(device)  # (1000, 10)
    params = [p.to(device) for p in practical.init_parameters(
        784, 50, 10, eps=1e-6, generator=torch.Generator().manual_seed(0))]
    eta = 0.1 / X.shape[0]

    def per_sample_step() -> None:
        grads = practical.gradients_per_sample(*params, X, T)
        for p, g in zip(params, grads):
            p.sub_(eta * g)

    def batched_step() -> None:
        grads = practical.backward_pass_batch(*params, T, *practical.forward_pass_batch(*params, X))
        for p, g in zip(params, grads):
            p.sub_(eta * g)

    batched_step()  # warm-up: first-call allocations and, on a GPU, kernel loading
    per_sample = statistics.median(_timed(per_sample_step, device, per_sample_steps))
    batched = statistics.median(_timed(batched_step, device, batched_steps))
    return {
        "per_sample_s": per_sample,
        "batched_s": batched,
        "ratio": per_sample / batched,
        "num_train": X.shape[0],
        "device": str(device),
        "threads": torch.get_num_threads(),
    }


if __name__ == "__main__":
    result = time_per_step()
    print(f"MNIST practical, 784-50-10, {result['num_train']} samples per step, "
          f"{result['device']} ({result['threads']} threads)")
    print(f"per-sample step: {result['per_sample_s']:.4f} s")
    print(f"batched step:    {result['batched_s']:.5f} s")
    print(f"ratio:           {result['ratio']:.1f}x")
