"""Self-checks of tutorial 21, "Mini-project": the worked example's three coding steps.

The worked example asks whether a digit recogniser survives shifted digits. Its steps
are a per-image shift (the augmentation and the shifted test sets), the accuracy
against the shift, averaged over four directions, and the most frequent confusions.
The random offsets of the augmentation are an argument of the checked function, as
dropout's draws are on page 15, so that a check can compare two calls. The inputs are
small and never symmetric: non-square images, offsets of both signs and of different
sizes per image, a shift-sensitive linear classifier, and confusion counts without
ties, so that each typical mistake gives a different answer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "21-mini-project"

#: Unit steps (dy, dx) of the four directions: right, left, down, up.
DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))


# ---------------------------------------------------------------- 21.3 shifting a batch


def shift_batch(X: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Reference: image n of X (N, C, H, W) moved dy[n] rows down and dx[n] columns right.

    The uncovered pixels are 0.
    """
    N, C, H, W = X.shape
    P = int(max(dy.abs().max(), dx.abs().max()))  # pad just enough
    Xp = F.pad(X, (P, P, P, P))  # (N, C, H + 2P, W + 2P), zeros around
    rows = torch.arange(H, device=X.device) + P - dy[:, None]  # (N, H): rows of Xp to read
    cols = torch.arange(W, device=X.device) + P - dx[:, None]  # (N, W)
    Xr = Xp.gather(2, rows[:, None, :, None].expand(N, C, H, W + 2 * P))
    return Xr.gather(3, cols[:, None, None, :].expand(N, C, H, W))


def _shift_cases(gen: torch.Generator) -> list[tuple]:
    """(X, dy, dx): offsets of both signs, zero included, different for every image."""
    return [
        (torch.randn(2, 1, 4, 5, generator=gen), torch.tensor([1, -2]), torch.tensor([0, 2])),
        (torch.randn(3, 2, 5, 6, generator=gen), torch.tensor([-1, 0, 2]), torch.tensor([3, -1, -2])),
        (torch.randn(4, 1, 6, 6, generator=gen, dtype=torch.float64),
         torch.tensor([2, -3, 1, 0]), torch.tensor([-1, 1, 4, -2])),
    ]


def _shift_rolled(X, dy, dx):
    return torch.stack([x.roll((int(a), int(b)), (-2, -1)) for x, a, b in zip(X, dy, dx)])


_SHIFT_MISTAKES = [
    Mistake(
        "torch.roll wraps around: the pixels that leave the frame on one side come back on the "
        "other. Here they must be dropped, and the uncovered rows and columns set to 0.",
        _shift_rolled,
    ),
    Mistake(
        "the shift goes the wrong way: a positive dy moves the content down (pixel (i, j) of the "
        "result is pixel (i − dy, j − dx) of the input), a positive dx to the right.",
        lambda X, dy, dx: shift_batch(X, -dy, -dx),
    ),
    Mistake(
        "the axes are swapped: dy moves along the height (axis 2, the rows) and dx along the "
        "width (axis 3, the columns).",
        lambda X, dy, dx: shift_batch(X, dx, dy),
    ),
    Mistake(
        "every image got the first image's offsets: each image n has its own dy[n] and dx[n] "
        "(that is the point of per-image augmentation).",
        lambda X, dy, dx: shift_batch(X, dy[:1].expand(len(X)), dx[:1].expand(len(X))),
    ),
]


# ---------------------------------------------------------------- 21.5 accuracy against shift


@torch.no_grad()
def accuracy_by_shift(model, X: torch.Tensor, y: torch.Tensor, shifts) -> torch.Tensor:
    """Reference: for each d in shifts, the accuracy of model on X shifted d pixels, averaged
    over the four directions (right, left, down, up). Returns (len(shifts),) float32."""
    N = len(X)
    result = []
    for d in shifts:
        per_direction = []
        for uy, ux in DIRECTIONS:
            dy = torch.full((N,), uy * d, device=X.device)
            dx = torch.full((N,), ux * d, device=X.device)
            y_hat = model(shift_batch(X, dy, dx)).argmax(dim=1)
            per_direction.append((y_hat == y).float().mean())
        result.append(torch.stack(per_direction).mean())
    return torch.stack(result)


class _LinearClassifier:
    """A fixed linear classifier of flattened images: shift-sensitive, direction-sensitive."""

    def __init__(self, W: torch.Tensor) -> None:
        self.W = W  # (H * W, num_classes)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        return X.flatten(1) @ self.W  # (N, num_classes) scores

    def __repr__(self) -> str:
        return f"a linear classifier ({self.W.shape[0]} pixels -> {self.W.shape[1]} classes)"


def _accuracy_cases(gen: torch.Generator) -> list[tuple]:
    """(model, X, y, shifts): labels that the classifier gets right on most unshifted images."""
    cases = []
    for N, H, W, num_classes, shifts in ((12, 5, 6, 3, [0, 1, 2]), (20, 6, 6, 4, [0, 1, 3]),
                                         (30, 7, 8, 5, [2, 0, 1, 4])):
        X = torch.randn(N, 1, H, W, generator=gen).clamp(min=0)  # blank pixels, like digits
        weights = torch.randn(H * W, num_classes, generator=gen)
        model = _LinearClassifier(weights)
        y = model(X).argmax(dim=1)
        wrong = torch.rand(N, generator=gen) < 0.25
        y[wrong] = torch.randint(num_classes, (int(wrong.sum()),), generator=gen)
        cases.append((model, X, y, shifts))
    return cases


def _accuracy_directions(model, X, y, shifts, directions):
    N = len(X)
    result = []
    for d in shifts:
        accs = [(model(shift_batch(X, torch.full((N,), uy * d), torch.full((N,), ux * d)))
                 .argmax(dim=1) == y).float().mean() for uy, ux in directions]
        result.append(torch.stack(accs).mean())
    return torch.stack(result)


_ACCURACY_MISTAKES = [
    Mistake(
        "the accuracy does not change with the shift: the model sees the original X at every d. "
        "Shift the images first (shift_batch) and classify the shifted ones.",
        lambda model, X, y, shifts: torch.stack(
            [(model(X).argmax(dim=1) == y).float().mean() for _ in shifts]),
    ),
    Mistake(
        "only one direction is used (to the right): average the accuracies of the four "
        "directions, right, left, down and up, for every d.",
        lambda model, X, y, shifts: _accuracy_directions(model, X, y, shifts, DIRECTIONS[:1]),
    ),
    Mistake(
        "only the horizontal directions are used: average over right, left, down and up.",
        lambda model, X, y, shifts: _accuracy_directions(model, X, y, shifts, DIRECTIONS[:2]),
    ),
    Mistake(
        "this is the number of correct predictions, not the accuracy: take the mean of "
        "(y_hat == y) as floats, not the sum.",
        lambda model, X, y, shifts: accuracy_by_shift(model, X, y, shifts) * len(X),
    ),
    Mistake(
        "this is the error rate, 1 − accuracy: count the predictions that equal y.",
        lambda model, X, y, shifts: 1 - accuracy_by_shift(model, X, y, shifts),
    ),
]


# ---------------------------------------------------------------- 21.6 the top confusions


def _counts(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """(num_classes, num_classes) int64 counts, rows the true class."""
    flat = torch.bincount(y_true * num_classes + y_pred, minlength=num_classes**2)
    return flat.reshape(num_classes, num_classes)


def top_confusions(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int, k: int) -> torch.Tensor:
    """Reference: the k most frequent mistakes as rows (true, predicted, count), most frequent
    first; correct predictions are not mistakes. Returns (k, 3) int64."""
    counts = _counts(y_true, y_pred, num_classes)
    counts.fill_diagonal_(0)
    values, index = counts.flatten().topk(k)
    return torch.stack([index // num_classes, index % num_classes, values], dim=1)


def _confusion_cases(gen: torch.Generator) -> list[tuple]:
    """(y_true, y_pred, num_classes, k): distinct off-diagonal counts at the top (no ties in
    the order), a diagonal larger than every mistake, and rare mistakes elsewhere."""
    cases = []
    for num_classes, k, top in ((4, 2, [5, 3, 2]), (6, 3, [9, 6, 4, 3]), (10, 5, [12, 8, 7, 5, 4, 3])):
        cells = [(t, p) for t in range(num_classes) for p in range(num_classes) if t != p]
        order = torch.randperm(len(cells), generator=gen).tolist()
        pairs = []
        for rank, cell in enumerate(order):
            count = top[rank] if rank < len(top) else int(torch.randint(2, (1,), generator=gen))
            pairs += [cells[cell]] * count
        pairs += [(c, c) for c in range(num_classes) for _ in range(top[0] + 1 + c)]
        pairs = torch.tensor(pairs)[torch.randperm(len(pairs), generator=gen)]
        cases.append((pairs[:, 0].clone(), pairs[:, 1].clone(), num_classes, k))
    return cases


def _top_with_diagonal(y_true, y_pred, num_classes, k):
    values, index = _counts(y_true, y_pred, num_classes).flatten().topk(k)
    return torch.stack([index // num_classes, index % num_classes, values], dim=1)


_CONFUSION_MISTAKES = [
    Mistake(
        "the correct predictions are counted as confusions: set the diagonal of the counts to 0 "
        "(counts.fill_diagonal_(0)) before looking for the largest.",
        _top_with_diagonal,
    ),
    Mistake(
        "true and predicted are swapped: count row y_true, column y_pred, and give each row as "
        "(true, predicted, count).",
        lambda y_true, y_pred, C, k: top_confusions(y_pred, y_true, C, k),
    ),
    Mistake(
        "the mistakes are in increasing order of count: the most frequent comes first "
        "(topk, or sort with descending=True).",
        lambda y_true, y_pred, C, k: top_confusions(y_true, y_pred, C, k).flip(0),
    ),
]


register(
    Exercise(
        name="shift_batch",
        page=PAGE,
        reference=shift_batch,
        cases=_shift_cases,
        what="moves each image by its own (dy, dx) and fills the uncovered pixels with 0",
        mistakes=_SHIFT_MISTAKES,
    ),
    Exercise(
        name="accuracy_by_shift",
        page=PAGE,
        reference=accuracy_by_shift,
        cases=_accuracy_cases,
        what="gives the accuracy at every shift, averaged over the four directions,",
        mistakes=_ACCURACY_MISTAKES,
    ),
    Exercise(
        name="top_confusions",
        page=PAGE,
        reference=top_confusions,
        cases=_confusion_cases,
        what="lists the most frequent (true, predicted) mistakes with their counts",
        mistakes=_CONFUSION_MISTAKES,
    ),
)
