"""Transfer learning: few-shot subsets, features in 2-D, a head on frozen features, ResNet-18.

The tutorial makes its own transfer problem from MNIST (learn digits 5–9 from a
few labelled images, with a network pretrained on digits 0–4); these are the
pieces it writes by hand, and the few lines that apply the same recipe to
torchvision's ResNet-18 on your own machine:

- ``few_shot_indices``: ``n`` images of each class, in a seeded random order;
- ``pca_2d``: features projected on their two principal directions (an SVD);
- ``fit_linear_head``: a new linear layer trained on frozen features;
- ``freeze`` and ``count_trainable``: what an optimizer will update;
- ``imagenet_stats``, ``imagenet_normalize``: the normalisation that
  ImageNet-pretrained weights expect, read from torchvision's weights enum
  (reading it downloads nothing);
- ``resnet18_weights``, ``resnet18``: ``weights=None`` (random initialisation)
  unless the environment variable ``LABKIT_PRETRAINED`` is ``1``, in which case
  torchvision downloads the ImageNet weights (about 45 MB) on first use. The
  course's pages never set it.

torchvision is imported only by the functions that need it.

Derived in the tutorial "Transfer learning" (``tutorials/14-transfer-learning.py``).
"""

from __future__ import annotations

import math
import os
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from labkit._validate import check_positive_int, check_tensor

__all__ = [
    "PRETRAINED_ENV",
    "use_pretrained",
    "resnet18_weights",
    "resnet18",
    "imagenet_stats",
    "imagenet_normalize",
    "freeze",
    "count_trainable",
    "few_shot_indices",
    "pca_2d",
    "fit_linear_head",
]

_INTEGER = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)

PRETRAINED_ENV = "LABKIT_PRETRAINED"
"""The environment variable that switches [`resnet18`][labkit.transfer.resnet18] to ImageNet weights."""


def use_pretrained() -> bool:
    """Whether ``LABKIT_PRETRAINED`` asks for pretrained weights (``1``, ``true``, ``yes``, ``on``).

    Returns:
        ``True`` when the variable is set to one of those words (any case), else ``False``.

    Examples:
        >>> import os
        >>> os.environ.pop("LABKIT_PRETRAINED", None) and None
        >>> use_pretrained()
        False
    """
    return os.environ.get(PRETRAINED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def resnet18_weights(pretrained: bool | None = None) -> Any:
    """The ``weights`` argument for ``torchvision.models.resnet18``.

    Args:
        pretrained: ``True`` for the ImageNet weights, ``False`` for none;
            ``None`` (the default) reads ``LABKIT_PRETRAINED``
            (see [`use_pretrained`][labkit.transfer.use_pretrained]).

    Returns:
        ``torchvision.models.ResNet18_Weights.IMAGENET1K_V1`` or ``None``. The
        enum is only a description (URL, transforms, class names): nothing is
        downloaded until a model is built with it.

    Raises:
        TypeError: ``pretrained`` is not a bool or ``None``.

    Examples:
        >>> resnet18_weights(False) is None
        True
        >>> resnet18_weights(True).name
        'IMAGENET1K_V1'
    """
    if pretrained is not None and not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be True, False or None, got {pretrained!r}")
    if pretrained is None:
        pretrained = use_pretrained()
    if not pretrained:
        return None
    from torchvision.models import ResNet18_Weights

    return ResNet18_Weights.IMAGENET1K_V1


def resnet18(num_classes: int | None = None) -> nn.Module:
    """torchvision's ResNet-18, with a new final layer ``fc`` for ``num_classes`` classes.

    The weights are those of [`resnet18_weights`][labkit.transfer.resnet18_weights]: none
    (random initialisation) unless ``LABKIT_PRETRAINED=1``, the only switch, so that
    no argument can start a download by accident.

    Args:
        num_classes: replace ``fc`` (512 → 1000) by a fresh ``nn.Linear(512, num_classes)``;
            ``None`` keeps it.

    Returns:
        The model, in training mode, every parameter trainable.

    Raises:
        ValueError: ``num_classes`` is not a positive integer.

    Examples:
        >>> model = resnet18(10)  # LABKIT_PRETRAINED is not set
        >>> model.fc
        Linear(in_features=512, out_features=10, bias=True)
    """
    if num_classes is not None:
        check_positive_int(num_classes, "num_classes")
    from torchvision import models

    model = models.resnet18(weights=resnet18_weights())
    if num_classes is not None:
        model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


def imagenet_stats() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The per-channel mean and standard deviation that ImageNet-pretrained weights expect.

    Read from ``ResNet18_Weights.IMAGENET1K_V1.transforms()`` (which resizes to
    256, crops 224 and then normalises with them); reading it downloads nothing.

    Returns:
        ``(mean, std)``, each three floats for the channels R, G, B of images in [0, 1].

    Examples:
        >>> imagenet_stats()
        ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    """
    from torchvision.models import ResNet18_Weights

    preprocess = ResNet18_Weights.IMAGENET1K_V1.transforms()
    return tuple(preprocess.mean), tuple(preprocess.std)


def imagenet_normalize(X: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Standardise each channel: ``(X[:, c] − mean[c]) / std[c]``.

    Args:
        X: images in [0, 1], shape (N, C, H, W).
        mean: per-channel means, shape (C,), dtype of ``X``.
        std: per-channel standard deviations, shape (C,), positive, dtype of ``X``.

    Returns:
        The normalised images, shape (N, C, H, W).

    Raises:
        TypeError, ValueError: shapes or dtypes that do not fit together; a std ≤ 0.

    Examples:
        >>> X = torch.full((1, 3, 2, 2), 0.5)
        >>> out = imagenet_normalize(X, torch.tensor([0.5, 0.25, 0.0]), torch.tensor([1.0, 0.5, 0.25]))
        >>> out[0, :, 0, 0].tolist()
        [0.0, 0.5, 2.0]
    """
    check_tensor(X, "X", ndim=4, floating=True)
    C = X.shape[1]
    check_tensor(mean, "mean", shape=(C,), dtype=X.dtype)
    check_tensor(std, "std", shape=(C,), dtype=X.dtype)
    if not bool((std > 0).all()):
        raise ValueError(f"std must be positive, got {std.tolist()}")
    return (X - mean.reshape(1, C, 1, 1)) / std.reshape(1, C, 1, 1)


def freeze(module: nn.Module) -> nn.Module:
    """Stop training every parameter of ``module`` (``requires_grad=False``); returns it.

    Freezing does not touch BatchNorm's running statistics: they change in
    ``train()`` mode whatever ``requires_grad`` says, so put a frozen backbone
    in ``eval()`` mode as well.

    Examples:
        >>> count_trainable(freeze(nn.Linear(3, 2)))
        0
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def count_trainable(module: nn.Module) -> int:
    """The number of numbers an optimizer would update: elements of parameters with ``requires_grad``.

    Examples:
        >>> count_trainable(nn.Linear(3, 2))  # 3·2 weights + 2 biases
        8
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def few_shot_indices(y: torch.Tensor, order: torch.Tensor, n: int, num_classes: int) -> torch.Tensor:
    """``n`` examples of each class: the first ``n`` of class ``c`` met along ``order``.

    Args:
        y: integer labels in 0..num_classes−1, shape (N,).
        order: a permutation of 0..N−1, shape (N,) (``torch.randperm`` with a seeded generator).
        n: examples per class, ≥ 1.
        num_classes: number of classes, ≥ 1.

    Returns:
        Indices into ``y``, shape (num_classes·n,), int64: the ``n`` of class 0
        (in the order of ``order``), then those of class 1, and so on.

    Raises:
        ValueError: shapes that differ, or a class with fewer than ``n`` examples.

    Examples:
        >>> y = torch.tensor([0, 1, 0, 1, 0, 1])
        >>> few_shot_indices(y, torch.tensor([5, 4, 3, 2, 1, 0]), 2, 2).tolist()
        [4, 2, 5, 3]
    """
    check_tensor(y, "y", ndim=1, dtype=_INTEGER)
    check_tensor(order, "order", shape=(len(y),), dtype=_INTEGER)
    check_positive_int(n, "n")
    check_positive_int(num_classes, "num_classes")
    if not torch.equal(order.sort().values, torch.arange(len(y), device=order.device)):
        raise ValueError(f"order must be a permutation of 0..{len(y) - 1}")
    labels = y[order]  # (N,) the labels in the order they are met
    chosen = []
    for c in range(num_classes):
        of_class = order[labels == c]
        if len(of_class) < n:
            raise ValueError(f"class {c} has {len(of_class)} examples, fewer than n = {n}")
        chosen.append(of_class[:n])
    return torch.cat(chosen)


def pca_2d(features: torch.Tensor) -> torch.Tensor:
    """Project features on their two principal directions.

    Centre the rows, take the SVD ``Fc = U S Vᵀ``, and return ``Fc V[:, :2]``
    (equal to ``U[:, :2] S[:2]``). An SVD fixes each direction only up to its
    sign, so each direction is flipped to make its largest-magnitude entry
    positive: the same features give the same picture on every machine.

    Args:
        features: shape (N, D) with N ≥ 2 and D ≥ 2.

    Returns:
        The coordinates, shape (N, 2); column 0 has the largest variance.

    Examples:
        >>> Fs = torch.tensor([[2.0, 0.0, 1.0], [-2.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, -1.0, 1.0]])
        >>> pca_2d(Fs).tolist()
        [[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
    """
    check_tensor(features, "features", ndim=2, floating=True)
    if features.shape[0] < 2 or features.shape[1] < 2:
        raise ValueError(f"features must have at least 2 rows and 2 columns, got {tuple(features.shape)}")
    if not bool(torch.isfinite(features).all()):
        raise ValueError("features must be finite (no nan or inf)")
    centred = features - features.mean(dim=0)  # (N, D)
    _, _, Vh = torch.linalg.svd(centred, full_matrices=False)  # Vh: (min(N, D), D)
    directions = Vh[:2]  # (2, D), one direction per row
    biggest = directions.abs().argmax(dim=1, keepdim=True)  # (2, 1)
    signs = directions.gather(1, biggest).sign()  # (2, 1)
    return centred @ (directions * signs).T  # (N, 2)


def fit_linear_head(features: torch.Tensor, y: torch.Tensor, num_classes: int, steps: int,
                    lr: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Train a new linear layer on frozen features: full-batch Adam from zero weights.

    Each step computes ``logits = features Wᵀ + b`` and the mean cross-entropy, and
    takes one ``torch.optim.Adam`` step on ``W`` and ``b``. The features are
    constants, so nothing before the head is trained, and starting from zeros
    with the whole batch makes the result deterministic.

    Args:
        features: shape (N, D), floating.
        y: labels in 0..num_classes−1, shape (N,), int64.
        num_classes: number of classes C, ≥ 1.
        steps: number of Adam steps, ≥ 1.
        lr: Adam's learning rate, > 0.

    Returns:
        ``(W, b)``: shapes (C, D) and (C,), dtype of ``features``, without grad.

    Examples:
        >>> Fs, y = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
        >>> W, b = fit_linear_head(Fs, y, 2, steps=20, lr=0.1)
        >>> (Fs @ W.T + b).argmax(dim=1).tolist()
        [0, 1]
    """
    check_tensor(features, "features", ndim=2, floating=True)
    check_tensor(y, "y", shape=(len(features),), dtype=torch.int64)
    check_positive_int(num_classes, "num_classes")
    check_positive_int(steps, "steps")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if len(y) and not (0 <= int(y.min()) and int(y.max()) < num_classes):
        raise ValueError(f"y must hold labels in 0..{num_classes - 1}, got {y.min()}..{y.max()}")
    features = features.detach()
    W = torch.zeros(num_classes, features.shape[1], dtype=features.dtype,
                    device=features.device, requires_grad=True)
    b = torch.zeros(num_classes, dtype=features.dtype, device=features.device,
                    requires_grad=True)
    optimizer = torch.optim.Adam([W, b], lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(features @ W.T + b, y)  # 1. forward, 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
    return W.detach(), b.detach()
