"""Load the data, carve a validation split out of the training data, make batches.

The template loads MNIST's "lab" split from labkit, as the worked example of the
mini-project page does. For your project, change ``load`` (``labkit.text`` for the
names, or a seeded generator for synthetic data) and keep its contract: three
splits, the validation split carved from the training data, the test split used once.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from labkit import mnist

Split = tuple[torch.Tensor, torch.Tensor]


def load(split: str = "lab", val_fraction: float = 0.125) -> tuple[Split, Split, Split]:
    """MNIST as (train, validation, test), each ``(X, y)``.

    Args:
        split: labkit's split, "small" (1,000 + 1,000 images) or "lab" (8,000 + 2,000).
        val_fraction: the share of the training images that becomes the validation
            split (the first ones: 1,000 of the "lab" split's 8,000).

    Returns:
        Three ``(X, y)`` pairs; X: (N, 1, 28, 28) float32 in [0, 1], y: (N,) int64.
    """
    data = mnist.load_mnist(split, normalize=False, flatten=False)
    X, y = data.X_train.unsqueeze(1), data.y_train
    num_val = round(val_fraction * len(X))
    train = X[num_val:], y[num_val:]
    validation = X[:num_val], y[:num_val]
    test = data.X_test.unsqueeze(1), data.y_test
    return train, validation, test


def batches(X: torch.Tensor, y: torch.Tensor, batch_size: int,
            generator: torch.Generator) -> Iterator[Split]:
    """Shuffled mini-batches ``(X_b, y_b)``; a new order at every call."""
    for index in torch.randperm(len(X), generator=generator).split(batch_size):
        yield X[index], y[index]


CREDIT = mnist.CREDIT
