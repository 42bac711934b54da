"""Tests for labkit.train: metrics and the training loop; and labkit.plot's confusion-matrix plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from labkit import figures, plot, train  # noqa: E402
from labkit.plot import plot_confusion_matrix  # noqa: E402
from labkit.train import accuracy, confusion_matrix, evaluate, train_epoch  # noqa: E402


def test_accuracy_from_logits_and_labels():
    logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    y = torch.tensor([0, 1, 0, 0])
    assert accuracy(logits, y) == 0.75
    assert accuracy(torch.tensor([0, 1, 2, 0]), y) == 0.75


@pytest.mark.parametrize(
    ("scores", "y", "error", "match"),
    [
        (torch.zeros(4, 1), torch.zeros(4, dtype=torch.int64), ValueError, "C >= 2"),
        (torch.zeros(4), torch.zeros(4, dtype=torch.int64), TypeError, "predicted labels"),
        (torch.zeros(4, 3), torch.zeros(4), TypeError, "y must have dtype"),
        (torch.zeros(4, 3), torch.zeros(5, dtype=torch.int64), ValueError, r"same shape, got \(4,\) and \(5,\)"),
        (torch.zeros(2, 3, 4), torch.zeros(2, dtype=torch.int64), ValueError, "1 or 2 dimension"),
    ],
)
def test_accuracy_errors(scores, y, error, match):
    with pytest.raises(error, match=match):
        accuracy(scores, y)


@pytest.mark.parametrize(("n", "num_classes"), [(1, 2), (50, 3), (300, 10)])
def test_confusion_matrix_matches_a_loop(n, num_classes):
    g = torch.Generator().manual_seed(n)
    y_true = torch.randint(num_classes, (n,), generator=g)
    y_pred = torch.randint(num_classes, (n,), generator=g)
    cm = confusion_matrix(y_true, y_pred, num_classes)
    expected = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        expected[t, p] += 1
    assert cm.dtype == torch.int64 and torch.equal(cm, expected)
    assert cm.trace().item() == (y_true == y_pred).sum().item()


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix(torch.tensor([0, 0, 1]), torch.tensor([1, 1, 1]), 2)
    assert cm.tolist() == [[0, 2], [0, 1]]


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"y_pred must hold labels in 0..2, got values from 0 to 3"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        confusion_matrix(torch.tensor([0]), torch.tensor([0]), 0)
    with pytest.raises(TypeError, match="y_true must have dtype"):
        confusion_matrix(torch.tensor([0.0]), torch.tensor([0]), 2)


def _toy_problem(n: int = 120) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, 2, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return X, y


def test_train_epoch_reduces_loss_and_matches_manual_average():
    torch.manual_seed(0)
    X, y = _toy_problem()
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loader = DataLoader(TensorDataset(X, y), batch_size=50)  # batches of 50, 50, 20
    loss_before, _ = evaluate(model, X, y)
    losses = [train_epoch(model, loader, nn.CrossEntropyLoss(), optimizer, "cpu") for _ in range(20)]
    loss_after, acc_after = evaluate(model, X, y)
    assert losses[-1] < losses[0] and loss_after < loss_before
    assert acc_after > 0.9

    # The epoch loss is the size-weighted mean of the batch losses.
    model_copy = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    model_copy.load_state_dict(model.state_dict())
    frozen = torch.optim.SGD(model_copy.parameters(), lr=0.0)
    epoch_loss = train_epoch(model_copy, loader, nn.CrossEntropyLoss(), frozen)
    with torch.no_grad():
        per_example = nn.functional.cross_entropy(model(X), y, reduction="none")
    assert epoch_loss == pytest.approx(per_example.mean().item(), rel=1e-5)


def test_evaluate_restores_mode_and_matches_metrics():
    X, y = _toy_problem(40)
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    model.train()
    loss, acc = evaluate(model, X, y)
    assert model.training
    model.eval()
    with torch.no_grad():
        logits = model(X)
    assert loss == pytest.approx(nn.functional.cross_entropy(logits, y).item())
    assert acc == accuracy(logits, y)
    with pytest.raises(ValueError, match=r"y must have shape \(40,\), got \(39,\)"):
        evaluate(model, X, y[:-1])


def test_train_epoch_empty_loader():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="no batches"):
        train_epoch(model, [], nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1))


def test_plot_confusion_matrix():
    cm = torch.tensor([[5, 1, 0], [0, 7, 2], [1, 0, 9]])
    ax = plot_confusion_matrix(cm, class_names=["a", "b", "c"], title="toy")
    texts = [t.get_text() for t in ax.texts]
    assert texts == [str(v) for v in cm.reshape(-1).tolist()]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    plt.close("all")
    with pytest.raises(ValueError, match=r"cm must have shape \(C, C\), got \(2, 3\)"):
        plot_confusion_matrix(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="class_names must have 3 entries, got 2"):
        plot_confusion_matrix(cm, class_names=["a", "b"])


@pytest.mark.parametrize(
    ("cm", "match"),
    [
        (torch.zeros(0, 0), r"at least one class, got shape \(0, 0\)"),
        (torch.tensor([[1.0, -1.0], [0.0, 2.0]]), "finite, non-negative counts"),
        (torch.tensor([[1.0, float("nan")], [0.0, 2.0]]), "finite, non-negative counts"),
        (torch.zeros(4), r"cm must have 2 dimension"),
    ],
)
def test_plot_confusion_matrix_bad_input(cm, match):
    with pytest.raises(ValueError, match=match):
        plot_confusion_matrix(cm)


def test_plot_confusion_matrix_is_legible_on_both_palettes():
    with matplotlib.rc_context(plot.STYLE):
        fig, ax = plt.subplots(figsize=(4, 4))
        plot_confusion_matrix(torch.tensor([[90, 3], [0, 120]]), ax=ax, title="toy")
        report = figures.render(fig)
    plt.close(fig)
    assert report.min_font_pt >= 9
    assert min(report.contrast.values()) >= 4.5
    # The darkest cell over white stays readable under the ink colour.
    blue = matplotlib.colors.to_rgba(figures.LIGHT["blue"], 0.45)
    assert figures.contrast_ratio(figures.LIGHT["ink"], _over_white(blue)) >= 4.5


def _over_white(rgba):
    r, g, b, a = rgba
    return tuple(a * c + (1 - a) for c in (r, g, b))


def test_plot_confusion_matrix_left_train():
    assert not hasattr(train, "plot_confusion_matrix")


def test_empty_batches_are_clear_errors():
    with pytest.raises(ValueError, match="empty batch"):
        accuracy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.int64))
    with pytest.raises(ValueError, match="empty batch"):
        accuracy(torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64))
    with pytest.raises(ValueError, match="confusion matrix needs at least one example"):
        confusion_matrix(torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int64), 3)
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"X must hold at least one example, got shape \(0, 2\)"):
        evaluate(model, torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64))
    batches = [(torch.randn(3, 2), torch.tensor([0, 1, 0])), (torch.zeros(0, 2), torch.zeros(0, dtype=torch.int64))]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="batch 1 of the loader is empty"):
        train_epoch(model, batches, nn.CrossEntropyLoss(), optimizer)


def test_nan_scores_are_a_clear_error():
    y = torch.tensor([0, 1, 1])
    with pytest.raises(ValueError, match="NaN in 3 of 3 rows"):
        accuracy(torch.full((3, 2), float("nan")), y)
    partly = torch.tensor([[1.0, 0.0], [float("nan"), 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="NaN in 1 of 3 rows"):
        accuracy(partly, y)
    with pytest.raises(TypeError, match="floating-point scores"):
        accuracy(torch.zeros(3, 2, dtype=torch.int64), y)


def test_model_without_parameters():
    with pytest.raises(ValueError, match="model has no parameters"):
        evaluate(nn.Identity(), torch.zeros(2, 2), torch.tensor([0, 1]))
