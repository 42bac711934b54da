"""A small training loop, its evaluation and the classification metrics it reports.

The loop is the one the tutorial "Feed-forward networks" (lab 4) writes for
XOR and MNIST, in four numbered steps (forward, loss, backward, update); later
tutorials import it from here. ``accuracy`` and ``confusion_matrix`` are the
metrics of that tutorial's MNIST network, ``plot_confusion_matrix`` draws the
latter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import PowerNorm
from torch import nn

from labkit._validate import check_positive_int, check_same_shape, check_tensor

__all__ = ["accuracy", "confusion_matrix", "plot_confusion_matrix", "train_epoch", "evaluate"]

_INT_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)


def _predicted_labels(logits_or_labels: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(logits_or_labels, name, ndim=(1, 2))
    if logits_or_labels.ndim == 2:
        if logits_or_labels.shape[1] < 2:
            raise ValueError(
                f"{name} of shape (N, C) must have C >= 2 class scores, got "
                f"{tuple(logits_or_labels.shape)}; threshold a single score yourself"
            )
        return logits_or_labels.argmax(dim=1)
    check_tensor(logits_or_labels, f"{name} (1-D, so predicted labels)", dtype=_INT_DTYPES)
    return logits_or_labels


def accuracy(logits_or_labels: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of correct predictions.

    Args:
        logits_or_labels: class scores (N, C), predicted class = argmax over C,
            or predicted integer labels (N,).
        y: true integer labels, shape (N,).

    Returns:
        The accuracy in [0, 1] as a Python float.
    """
    y_pred = _predicted_labels(logits_or_labels, "logits_or_labels")
    check_tensor(y, "y", ndim=1, dtype=_INT_DTYPES)
    check_same_shape(y_pred, y, "predicted labels", "y")
    if len(y) == 0:
        raise ValueError("accuracy of an empty batch is undefined (y has 0 labels)")
    return (y_pred == y).double().mean().item()


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Count how often each true class is predicted as each class.

    Args:
        y_true: true integer labels, shape (N,), values in ``0..num_classes-1``.
        y_pred: predicted integer labels, shape (N,), same range.
        num_classes: C, the number of classes.

    Returns:
        cm: (C, C) int64, ``cm[i, j]`` = number of examples of true class i
        predicted as class j (rows true, columns predicted). Its trace is the
        number of correct predictions.
    """
    check_positive_int(num_classes, "num_classes")
    check_tensor(y_true, "y_true", ndim=1, dtype=_INT_DTYPES)
    check_tensor(y_pred, "y_pred", ndim=1, dtype=_INT_DTYPES)
    check_same_shape(y_true, y_pred, "y_true", "y_pred")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"{name} must hold labels in 0..{num_classes - 1}, got values from "
                f"{labels.min().item()} to {labels.max().item()}"
            )
    # Each pair (i, j) gets its own bin i * C + j.
    flat = y_true.long().cpu() * num_classes + y_pred.long().cpu()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def plot_confusion_matrix(
    cm: torch.Tensor,
    ax: plt.Axes | None = None,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Draw a confusion matrix with its counts written in the cells.

    The colour scale is a square root (``PowerNorm(0.5)``), so the few
    off-diagonal mistakes stay visible next to the large diagonal counts.

    Args:
        cm: (C, C) counts, rows true class, columns predicted class.
        ax: axes to draw into; a new figure when ``None``.
        class_names: C tick labels; default ``0..C-1``.
        title: axes title.

    Returns:
        The axes drawn into.
    """
    check_tensor(cm, "cm", ndim=2)
    if cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must have shape (C, C), got {tuple(cm.shape)}")
    num_classes = cm.shape[0]
    names = [str(i) for i in range(num_classes)] if class_names is None else list(class_names)
    if len(names) != num_classes:
        raise ValueError(f"class_names must have {num_classes} entries, got {len(names)}")
    counts = cm.detach().cpu().double().tolist()
    vmax = max(max(row) for row in counts)
    if ax is None:
        size = 1.0 + 0.45 * num_classes
        _, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(counts, cmap="viridis", norm=PowerNorm(0.5, vmin=0, vmax=max(vmax, 1)))
    for i in range(num_classes):
        for j in range(num_classes):
            ax.text(
                j, i, f"{counts[i][j]:g}", ha="center", va="center", fontsize=7,
                # viridis is light at the top of its range: dark text there, white below.
                color="#1f2937" if image.norm(counts[i][j]) > 0.6 else "white",
            )
    ax.set_xticks(range(num_classes), names)
    ax.set_yticks(range(num_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    if title:
        ax.set_title(title)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def train_epoch(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str | None = None,
) -> float:
    """Run one pass over ``loader``, one optimizer step per batch.

    Args:
        model: maps a batch X (B, ...) to outputs that ``loss_fn`` accepts.
        loader: yields batches ``(X, y)``, e.g. a ``DataLoader``.
        loss_fn: mean loss of a batch, e.g. ``nn.CrossEntropyLoss()``.
        optimizer: updates ``model``'s parameters.
        device: where to move each batch; default the device of the model's
            first parameter.

    Returns:
        The average training loss over all examples of the epoch (each batch's
        mean loss weighted by its size).
    """
    if device is None:
        device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        y_hat = model(X)  # 1. forward
        loss = loss_fn(y_hat, y)  # 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        total += loss.item() * len(X)
        count += len(X)
    if count == 0:
        raise ValueError("loader yielded no batches")
    return total / count


@torch.no_grad()
def evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.cross_entropy,
) -> tuple[float, float]:
    """Loss and accuracy of a classifier on a whole data set, without gradients.

    The model is put in evaluation mode for the pass and then back into the
    mode it was in.

    Args:
        model: maps X (N, ...) to class scores (N, C).
        X: inputs, shape (N, ...), moved to the model's device.
        y: integer labels, shape (N,).
        loss_fn: mean loss of the scores and labels; default cross-entropy.

    Returns:
        ``(loss, accuracy)`` as Python floats.
    """
    check_tensor(X, "X", floating=True)
    check_tensor(y, "y", shape=(X.shape[0],), dtype=_INT_DTYPES)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        logits = model(X.to(device))  # (N, C)
        loss = loss_fn(logits, y.to(device)).item()
    finally:
        model.train(was_training)
    return loss, accuracy(logits.cpu(), y.cpu())
