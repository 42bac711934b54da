"""Self-checks of tutorial 14, "Transfer learning": few-shot subsets, PCA, a head on frozen
features, counting what trains, and the ImageNet normalisation.

The references are [`labkit.transfer`][labkit.transfer]'s functions. The inputs are small:
labels in a shuffled order (so that ignoring the order shows), features with distinct
variances along non-axis directions (so that a wrong SVD factor shows), a head trained
for a few full-batch Adam steps in float64, and images whose width is not 3 (so that a
normalisation along the last axis cannot pass by accident).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from labkit import transfer
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "14-transfer-learning"

_F64 = torch.float64


# ---------------------------------------------------------- few-shot subsets


def _few_shot_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for N, C, n in [(12, 3, 2), (30, 4, 3), (24, 2, 5)]:
        y = torch.arange(N) % C  # every class has N / C examples
        y = y[torch.randperm(N, generator=gen)]
        cases.append((y, torch.randperm(N, generator=gen), n, C))
    return cases


def _per_class(y, order, n, C, use_order=True):
    if use_order:
        return [order[y[order] == c][:n] for c in range(C)]
    return [torch.nonzero(y == c)[:n, 0] for c in range(C)]


# ----------------------------------------------------------------------- PCA


def _pca_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for N, D in [(6, 3), (10, 5), (9, 4)]:
        Q, _ = torch.linalg.qr(torch.randn(D, D, generator=gen, dtype=_F64))  # a rotation
        scales = torch.linspace(3.0, 0.5, D, dtype=_F64)
        X = torch.randn(N, D, generator=gen, dtype=_F64) * scales @ Q.T + 1.5
        cases.append((X,))
    return cases


def _signed(Vh_rows: torch.Tensor) -> torch.Tensor:
    biggest = Vh_rows.abs().argmax(dim=1, keepdim=True)
    return Vh_rows * Vh_rows.gather(1, biggest).sign()


def _pca_not_centred(X):
    _, _, Vh = torch.linalg.svd(X, full_matrices=False)
    return X @ _signed(Vh[:2]).T


def _pca_whitened(X):
    Xc = X - X.mean(0)
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    return Xc @ _signed(Vh[:2]).T / S[:2]


def _pca_columns(X):
    Xc = X - X.mean(0)
    _, _, Vh = torch.linalg.svd(Xc, full_matrices=False)
    return Xc @ _signed(Vh[:, :2].T).T


def _pca_smallest(X):
    Xc = X - X.mean(0)
    _, _, Vh = torch.linalg.svd(Xc, full_matrices=False)
    return Xc @ _signed(Vh[-2:].flip(0)).T


_SIGN_HINT = ("one direction has the opposite sign: an SVD fixes each direction only up to "
              "its sign. Flip each row of Vh[:2] so that its largest-magnitude entry is positive.")


# ------------------------------------------------------------- linear head


def _head_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for N, D, C, steps, lr in [(6, 3, 2, 5, 0.1), (12, 4, 3, 10, 0.05), (20, 5, 4, 15, 0.1)]:
        X = torch.randn(N, D, generator=gen, dtype=_F64)
        y = torch.arange(N) % C
        cases.append((X, y[torch.randperm(N, generator=gen)], C, steps, lr))
    return cases


def _head(X, y, C, steps, lr, *, zero_grad=True, bias=True, softmax_twice=False, sgd=False):
    W = torch.zeros(C, X.shape[1], dtype=X.dtype, requires_grad=True)
    b = torch.zeros(C, dtype=X.dtype, requires_grad=bias)
    params = [W, b] if bias else [W]
    opt = torch.optim.SGD(params, lr=lr) if sgd else torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        logits = X @ W.T + b
        if softmax_twice:
            logits = logits.softmax(dim=1)
        loss = F.cross_entropy(logits, y)
        if zero_grad:
            opt.zero_grad()
        loss.backward()
        opt.step()
    return W.detach(), b.detach()


# ---------------------------------------------------------- normalisation


def _normalize_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for N, H, W in [(1, 2, 2), (2, 4, 5), (3, 3, 6)]:
        X = torch.rand(N, 3, H, W, generator=gen)
        cases.append((X, torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])))
    X = torch.rand(2, 3, 5, 4, generator=gen, dtype=_F64)
    mean = torch.rand(3, generator=gen, dtype=_F64)
    cases.append((X, mean, torch.rand(3, generator=gen, dtype=_F64) + 0.2))
    return cases


def _channel(t):
    return t.reshape(1, -1, 1, 1)


# ----------------------------------------------------------- counting


def _count_cases(gen: torch.Generator) -> list[tuple]:
    with torch.random.fork_rng(devices=[]):  # the weights' values do not matter here
        mlp = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
        cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16, 5))
        head_only = nn.Sequential(nn.Linear(6, 4, bias=False), nn.Linear(4, 3))
    mlp[0].requires_grad_(False)
    cnn[0].weight.requires_grad_(False)  # a frozen weight whose bias still trains
    head_only[0].requires_grad_(False)
    return [(mlp,), (cnn,), (head_only,)]


def _count_all(model):
    return sum(p.numel() for p in model.parameters())


register(
    Exercise(
        name="few_shot_indices",
        page=PAGE,
        reference=transfer.few_shot_indices,
        cases=_few_shot_cases,
        what="takes the first n examples of each class along `order`, class by class",
        mistakes=[
            Mistake("the classes are not balanced: the first n·num_classes entries of `order` hold "
                    "some classes more often than others. Take the first n of each class.",
                    lambda y, order, n, C: order[: n * C]),
            Mistake("the random order is ignored: these are the first n examples of each class in "
                    "the data set's own order. Walk along `order` (y[order] == c).",
                    lambda y, order, n, C: torch.cat(_per_class(y, order, n, C, use_order=False))),
            Mistake("these are positions along `order`, not indices into y: return order[...] at "
                    "those positions.",
                    lambda y, order, n, C: torch.cat([torch.nonzero(y[order] == c)[:n, 0]
                                                      for c in range(C)])),
            Mistake("the classes are interleaved (one of each class, then again): return all n "
                    "indices of class 0 first, then those of class 1, and so on.",
                    lambda y, order, n, C: torch.stack(_per_class(y, order, n, C), 1).reshape(-1)),
            Mistake("these are the labels of the chosen examples: return their indices into y.",
                    lambda y, order, n, C: y[transfer.few_shot_indices(y, order, n, C)]),
        ],
    ),
    Exercise(
        name="pca_2d",
        page=PAGE,
        reference=transfer.pca_2d,
        cases=_pca_cases,
        what="equals the projection on the two leading principal directions, signs fixed",
        mistakes=[
            Mistake("the features are not centred: subtract the mean of each column before the "
                    "SVD, or the first direction points at the mean instead of the spread.",
                    _pca_not_centred),
            Mistake("these are U[:, :2], the coordinates divided by their singular values: project "
                    "the centred features on the directions, Fc @ V[:, :2] = U[:, :2] S[:2].",
                    _pca_whitened),
            Mistake("the directions are the *rows* of Vh (torch.linalg.svd returns Vᵀ): use "
                    "Vh[:2], not the columns Vh[:, :2].",
                    _pca_columns),
            Mistake("these are the two directions of *smallest* variance: torch.linalg.svd sorts "
                    "the singular values in decreasing order, so take the first two.",
                    _pca_smallest),
            Mistake(_SIGN_HINT, lambda X: transfer.pca_2d(X) * torch.tensor([-1.0, 1.0], dtype=X.dtype)),
            Mistake(_SIGN_HINT, lambda X: transfer.pca_2d(X) * torch.tensor([1.0, -1.0], dtype=X.dtype)),
            Mistake(_SIGN_HINT, lambda X: -transfer.pca_2d(X)),
        ],
    ),
    Exercise(
        name="fit_linear_head",
        page=PAGE,
        reference=transfer.fit_linear_head,
        cases=_head_cases,
        what="equals full-batch torch.optim.Adam on cross-entropy from zero weights",
        output_names=("W", "b"),
        mistakes=[
            Mistake("the gradients accumulate from step to step: call optimizer.zero_grad() before "
                    "each loss.backward().",
                    lambda *a: _head(*a, zero_grad=False)),
            Mistake("the bias is not trained: logits = features @ W.T + b, and b is a parameter of "
                    "the optimizer too.",
                    lambda *a: _head(*a, bias=False)),
            Mistake("softmax is applied twice: F.cross_entropy takes the logits and applies "
                    "log-softmax itself.",
                    lambda *a: _head(*a, softmax_twice=True)),
            Mistake("this is plain SGD: the head is trained with torch.optim.Adam.",
                    lambda *a: _head(*a, sgd=True)),
        ],
    ),
    Exercise(
        name="imagenet_normalize",
        page=PAGE,
        reference=transfer.imagenet_normalize,
        cases=_normalize_cases,
        what="equals (X − mean[c]) / std[c] on every channel c",
        mistakes=[
            Mistake("the images are multiplied by std: standardising divides, (X − mean) / std.",
                    lambda X, m, s: (X - _channel(m)) * _channel(s)),
            Mistake("mean and std are swapped: subtract the mean, divide by the std.",
                    lambda X, m, s: (X - _channel(s)) / _channel(m)),
            Mistake("the mean is subtracted after dividing: (X − mean) / std, not X / std − mean.",
                    lambda X, m, s: X / _channel(s) - _channel(m)),
            Mistake("these are the batch's own per-channel statistics: the pretrained weights "
                    "expect ImageNet's mean and std, the numbers they were trained with.",
                    lambda X, m, s: (X - X.mean((0, 2, 3), keepdim=True))
                    / X.std((0, 2, 3), keepdim=True)),
        ],
    ),
    Exercise(
        name="count_trainable",
        page=PAGE,
        reference=transfer.count_trainable,
        cases=_count_cases,
        what="counts the elements of the parameters with requires_grad=True",
        mistakes=[
            Mistake("this counts every parameter, frozen or not: keep those with p.requires_grad.",
                    _count_all),
            Mistake("this counts parameter tensors, not the numbers in them: add p.numel().",
                    lambda m: sum(1 for p in m.parameters() if p.requires_grad)),
            Mistake("this counts the frozen parameters: requires_grad=True marks the ones the "
                    "optimizer updates.",
                    lambda m: sum(p.numel() for p in m.parameters() if not p.requires_grad)),
            Mistake("the biases are missing: count every trainable tensor, not only the weight "
                    "matrices.",
                    lambda m: sum(p.numel() for p in m.parameters() if p.requires_grad
                                  and p.ndim > 1)),
        ],
    ),
)
