"""A small training loop, its evaluation and the classification metrics it reports.

The loop is the one the tutorial "Feed-forward networks" (lab 4) writes for
XOR and MNIST, in four numbered steps (forward, loss, backward, update); later
tutorials import it from here. ``accuracy`` and ``confusion_matrix`` are the
metrics of that tutorial's MNIST network; [`labkit.plot.plot_confusion_matrix`][labkit.plot.plot_confusion_matrix]
draws the latter.

An empty batch is an error everywhere (a mean over no examples is not a
number), and so are NaN class scores (a diverged model has no predictions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from labkit._validate import check_positive_int, check_same_shape, check_tensor

__all__ = ["accuracy", "confusion_matrix", "train_epoch", "evaluate"]

_INT_DTYPES = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)


def _predicted_labels(logits_or_labels: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(logits_or_labels, name, ndim=(1, 2))
    if logits_or_labels.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (shape {tuple(logits_or_labels.shape)}); "
                         "an accuracy needs at least one example")
    if logits_or_labels.ndim == 2:
        if logits_or_labels.shape[1] < 2:
            raise ValueError(
                f"{name} of shape (N, C) must have C >= 2 class scores, got "
                f"{tuple(logits_or_labels.shape)}; threshold a single score yourself"
            )
        if not logits_or_labels.is_floating_point():
            raise TypeError(f"{name} of shape (N, C) must hold floating-point scores, got {logits_or_labels.dtype}")
        nan_rows = int(torch.isnan(logits_or_labels).any(dim=1).sum())
        if nan_rows:
            raise ValueError(
                f"{name} holds NaN in {nan_rows} of {logits_or_labels.shape[0]} rows: "
                "the model diverged, so these examples have no prediction"
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

    Raises:
        TypeError: non-tensors, integer scores or non-integer labels.
        ValueError: an empty batch, NaN scores, a single score per row, or
            predictions and labels of different lengths.

    Examples:
        >>> logits = torch.tensor([[2.0, 0.5], [0.1, 0.3], [1.0, -1.0]])
        >>> accuracy(logits, torch.tensor([0, 1, 1]))
        0.6666666666666666
    """
    y_pred = _predicted_labels(logits_or_labels, "logits_or_labels")
    check_tensor(y, "y", ndim=1, dtype=_INT_DTYPES)
    check_same_shape(y_pred, y, "predicted labels", "y")
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

    Raises:
        TypeError: non-integer labels.
        ValueError: an empty batch, labels outside ``0..num_classes-1``, or
            ``y_true`` and ``y_pred`` of different lengths.

    Examples:
        >>> confusion_matrix(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 1, 1, 2]), 3)
        tensor([[1, 1, 0],
                [0, 1, 0],
                [0, 0, 1]])
    """
    check_positive_int(num_classes, "num_classes")
    check_tensor(y_true, "y_true", ndim=1, dtype=_INT_DTYPES)
    check_tensor(y_pred, "y_pred", ndim=1, dtype=_INT_DTYPES)
    check_same_shape(y_true, y_pred, "y_true", "y_pred")
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty; a confusion matrix needs at least one example")
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(
                f"{name} must hold labels in 0..{num_classes - 1}, got values from "
                f"{labels.min().item()} to {labels.max().item()}"
            )
    # Each pair (i, j) gets its own bin i * C + j.
    flat = y_true.long().cpu() * num_classes + y_pred.long().cpu()
    return torch.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def _model_device(model: nn.Module) -> torch.device:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    parameter = next(model.parameters(), None)
    if parameter is None:
        raise ValueError("model has no parameters: nothing to train, and no device to run on")
    return parameter.device


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

    Raises:
        ValueError: the model has no parameters, the loader yields no batches,
            or a batch is empty (its mean loss would be NaN).

    Examples:
        >>> from torch.utils.data import DataLoader, TensorDataset
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Linear(2, 2)
        >>> X, y = torch.randn(8, 2), torch.tensor([0, 1] * 4)
        >>> loader = DataLoader(TensorDataset(X, y), batch_size=4)
        >>> sgd = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> loss = train_epoch(model, loader, nn.CrossEntropyLoss(), sgd)
        >>> 0 < loss < 10
        True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, e.g. nn.CrossEntropyLoss(), got {type(loss_fn).__name__}")
    if device is None:
        device = _model_device(model)
    model.train()
    total, count = 0.0, 0
    for index, (X, y) in enumerate(loader):
        if len(X) == 0:
            raise ValueError(f"batch {index} of the loader is empty; its mean loss would be NaN")
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

    Raises:
        TypeError: X is not a floating-point tensor or y not integer labels.
        ValueError: an empty data set, y of the wrong length, a model without
            parameters, or NaN scores.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Linear(3, 2)
        >>> loss, acc = evaluate(model, torch.randn(10, 3), torch.tensor([0, 1] * 5))
        >>> 0 <= acc <= 1, loss > 0
        (True, True)
    """
    check_tensor(X, "X", floating=True)
    if X.ndim == 0 or X.shape[0] == 0:
        raise ValueError(f"X must hold at least one example, got shape {tuple(X.shape)}")
    check_tensor(y, "y", shape=(X.shape[0],), dtype=_INT_DTYPES)
    device = _model_device(model)
    was_training = model.training
    model.eval()
    try:
        logits = model(X.to(device))  # (N, C)
        loss = loss_fn(logits, y.to(device)).item()
    finally:
        model.train(was_training)
    return loss, accuracy(logits.cpu(), y.cpu())
