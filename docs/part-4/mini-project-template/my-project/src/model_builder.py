"""The baseline and the models: each a function that returns a new, untrained network.

The template has the worked example's two networks (page 13 of the course): the MLP
784-128-64-10 as the baseline and a LeNet-style CNN. Add yours to ``MODELS``; the
training script trains every entry with every seed.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn


def mlp() -> nn.Module:
    """Baseline: 784-128-64-10 with ReLU. Input (N, 1, 28, 28), output (N, 10) logits."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                         nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def lenet() -> nn.Module:
    """LeNet-style CNN. Input (N, 1, 28, 28), output (N, 10) logits."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),  # (6, 12, 12)
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # (16, 4, 4)
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


MODELS: dict[str, Callable[[], nn.Module]] = {"MLP (baseline)": mlp, "CNN": lenet}


def num_parameters(model: nn.Module) -> int:
    """The number of trainable parameters, for the report's section 4."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
