"""Self-checks of tutorial 21: wrong answers a student writes, and the hint each gets.

Also checks the references against PyTorch and labkit (the shift against torchvision's
affine translation and plain slicing, the accuracy against an explicit loop with
``labkit.train.accuracy``, the confusions against ``labkit.train.confusion_matrix``),
and that the mini-project template under ``docs/part-4/mini-project-template`` is
complete and runs.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sys

import pytest
import torch
import torch.nn.functional as F

from labkit import selfcheck, train
from labkit.utils import torch_threads
from labkit.selfcheck import miniproject as checks
from tests.conftest import ROOT

TEMPLATE = ROOT / "docs" / "part-4" / "mini-project-template"
PROJECT = TEMPLATE / "my-project"


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ---------------------------------------------------------------- wrong answers, as written


def _shift_one(x, a, b):
    """One image (C, H, W) moved a rows down and b columns right, by slicing."""
    H, W = x.shape[-2:]
    out = torch.zeros_like(x)
    out[:, max(a, 0):H + min(a, 0), max(b, 0):W + min(b, 0)] = \
        x[:, max(-a, 0):H - max(a, 0), max(-b, 0):W - max(b, 0)]
    return out


def shift_rolled(X, dy, dx):
    out = torch.empty_like(X)
    for n in range(len(X)):
        out[n] = torch.roll(X[n], shifts=(int(dy[n]), int(dx[n])), dims=(1, 2))
    return out


def shift_backwards(X, dy, dx):
    return torch.stack([_shift_one(x, -int(a), -int(b)) for x, a, b in zip(X, dy, dx)])


def shift_axes_swapped(X, dy, dx):
    N, C, H, W = X.shape
    P = max(H, W)
    Xp = F.pad(X, (P, P, P, P))
    rows = torch.arange(H) + P - dx[:, None]
    cols = torch.arange(W) + P - dy[:, None]
    Xr = Xp.gather(2, rows[:, None, :, None].expand(N, C, H, W + 2 * P))
    return Xr.gather(3, cols[:, None, None, :].expand(N, C, H, W))


def shift_same_for_all(X, dy, dx):
    a, b = int(dy[0]), int(dx[0])
    return torch.stack([_shift_one(x, a, b) for x in X])


def accuracy_not_shifted(model, X, y, shifts):
    accs = []
    for d in shifts:
        total = 0.0
        for uy, ux in [(0, 1), (0, -1), (1, 0), (-1, 0)]:
            total += (model(X).argmax(1) == y).float().mean()
        accs.append(total / 4)
    return torch.stack(accs)


def accuracy_right_only(model, X, y, shifts):
    N = len(X)
    out = []
    for d in shifts:
        moved = checks.shift_batch(X, torch.zeros(N, dtype=torch.long),
                                   torch.full((N,), d))
        out.append((model(moved).argmax(dim=1) == y).float().mean())
    return torch.stack(out)


def accuracy_left_right(model, X, y, shifts):
    N = len(X)
    out = []
    for d in shifts:
        zeros = torch.zeros(N, dtype=torch.long)
        right = checks.shift_batch(X, zeros, torch.full((N,), d))
        left = checks.shift_batch(X, zeros, torch.full((N,), -d))
        out.append(((model(right).argmax(1) == y).float().mean()
                    + (model(left).argmax(1) == y).float().mean()) / 2)
    return torch.stack(out)


def accuracy_counts(model, X, y, shifts):
    N = len(X)
    out = []
    for d in shifts:
        correct = 0.0
        for uy, ux in [(0, 1), (0, -1), (1, 0), (-1, 0)]:
            moved = checks.shift_batch(X, torch.full((N,), uy * d), torch.full((N,), ux * d))
            correct = correct + (model(moved).argmax(1) == y).float().sum()
        out.append(correct / 4)
    return torch.stack(out)


def accuracy_error_rate(model, X, y, shifts):
    N = len(X)
    out = []
    for d in shifts:
        wrong = []
        for uy, ux in [(0, 1), (0, -1), (1, 0), (-1, 0)]:
            moved = checks.shift_batch(X, torch.full((N,), uy * d), torch.full((N,), ux * d))
            wrong.append((model(moved).argmax(1) != y).float().mean())
        out.append(sum(wrong) / 4)
    return torch.stack(out)


def _matrix(y_true, y_pred, C):
    M = torch.zeros(C, C, dtype=torch.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist()):
        M[t, p] += 1
    return M


def _rows(M, order, k):
    C = M.shape[0]
    return torch.tensor([[int(i) // C, int(i) % C, int(M.flatten()[i])] for i in order[:k]])


def confusions_with_diagonal(y_true, y_pred, num_classes, k):
    M = _matrix(y_true, y_pred, num_classes)
    order = M.flatten().argsort(descending=True)
    return _rows(M, order, k)


def confusions_swapped(y_true, y_pred, num_classes, k):
    M = _matrix(y_pred, y_true, num_classes)  # rows: predicted
    M.fill_diagonal_(0)
    return _rows(M, M.flatten().argsort(descending=True), k)


def confusions_ascending(y_true, y_pred, num_classes, k):
    M = _matrix(y_true, y_pred, num_classes)
    M.fill_diagonal_(0)
    order = M.flatten().argsort()[-k:]  # the k largest, smallest first
    return _rows(M, order, k)


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("shift_batch", shift_rolled, "wraps around"),
        ("shift_batch", shift_backwards, "wrong way"),
        ("shift_batch", shift_axes_swapped, "axes are swapped"),
        ("shift_batch", shift_same_for_all, "first image's offsets"),
        ("accuracy_by_shift", accuracy_not_shifted, "does not change with the shift"),
        ("accuracy_by_shift", accuracy_right_only, "only one direction"),
        ("accuracy_by_shift", accuracy_left_right, "only the horizontal directions"),
        ("accuracy_by_shift", accuracy_counts, "number of correct predictions"),
        ("accuracy_by_shift", accuracy_error_rate, "error rate"),
        ("top_confusions", confusions_with_diagonal, "correct predictions are counted"),
        ("top_confusions", confusions_swapped, "true and predicted are swapped"),
        ("top_confusions", confusions_ascending, "increasing order"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_a_loop_over_images_passes_too():
    def shift_loop(X, dy, dx):
        return torch.stack([_shift_one(x, int(a), int(b)) for x, a, b in zip(X, dy, dx)])

    assert selfcheck.verdict("shift_batch", shift_loop).status == "passed"


# ---------------------------------------------------------------- references against torch


def test_shift_batch_equals_torchvision_translation_and_slicing():
    tvf = pytest.importorskip("torchvision.transforms.v2.functional")
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(12, 2, 7, 9, generator=gen)
    dy = torch.randint(-7, 8, (12,), generator=gen)
    dx = torch.randint(-9, 10, (12,), generator=gen)
    shifted = checks.shift_batch(X, dy, dx)
    translated = torch.stack([
        tvf.affine(x, angle=0.0, translate=[int(b), int(a)], scale=1.0, shear=[0.0, 0.0],
                   fill=0.0) for x, a, b in zip(X, dy, dx)])
    torch.testing.assert_close(shifted, translated, rtol=0, atol=0)
    sliced = torch.stack([_shift_one(x, int(a), int(b)) for x, a, b in zip(X, dy, dx)])
    torch.testing.assert_close(shifted, sliced, rtol=0, atol=0)


def test_shift_batch_beyond_the_frame_gives_zeros():
    X = torch.rand(2, 1, 4, 5)
    out = checks.shift_batch(X, torch.tensor([4, -9]), torch.tensor([0, 1]))
    assert torch.equal(out, torch.zeros_like(X))


def test_accuracy_by_shift_equals_an_explicit_loop():
    gen = torch.Generator().manual_seed(3)
    for model, X, y, shifts in checks._accuracy_cases(gen):
        expected = []
        for d in shifts:
            accs = []
            for uy, ux in checks.DIRECTIONS:
                moved = torch.stack([_shift_one(x, uy * d, ux * d) for x in X])
                accs.append(train.accuracy(model(moved), y))
            expected.append(sum(accs) / 4)
        got = checks.accuracy_by_shift(model, X, y, shifts)
        assert got.dtype == torch.float32 and got.shape == (len(shifts),)
        torch.testing.assert_close(got, torch.tensor(expected), rtol=0, atol=1e-6)


def test_top_confusions_equal_the_confusion_matrix():
    gen = torch.Generator().manual_seed(4)
    for y_true, y_pred, C, k in checks._confusion_cases(gen):
        M = train.confusion_matrix(y_true, y_pred, C)
        M.fill_diagonal_(0)
        top = checks.top_confusions(y_true, y_pred, C, k)
        assert top.dtype == torch.int64 and top.shape == (k, 3)
        for t, p, n in top.tolist():
            assert t != p and M[t, p] == n
        counts = M.flatten().sort(descending=True).values
        assert top[:, 2].tolist() == counts[:k].tolist()
        assert counts[k - 1] > counts[k], "a tie at the k-th count would make the order ambiguous"


# ---------------------------------------------------------------- the template


REPORT_SECTIONS = ["Question", "Data", "Baseline", "Model", "Experiments", "Error analysis",
                   "Limitations", "What I would do next"]
SOURCES = ["data_setup", "model_builder", "engine", "utils", "train"]


def test_template_has_the_layout_the_page_describes():
    for path in ["index.md", "my-project/README.md", "my-project/report/report.md",
                 "my-project/data/.gitkeep", "my-project/notebooks/.gitkeep",
                 "my-project/report/figures/.gitkeep", "my-project/src/__init__.py",
                 *[f"my-project/src/{name}.py" for name in SOURCES]]:
        assert (TEMPLATE / path).is_file(), path
    index = (TEMPLATE / "index.md").read_text(encoding="utf-8")
    for name in SOURCES:
        assert f"(my-project/src/{name}.py)" in index, f"index.md does not link src/{name}.py"
    tutorial = (ROOT / "tutorials" / "21-mini-project.py").read_text(encoding="utf-8")
    assert "(../../part-4/mini-project-template/)" in tutorial


def test_report_skeleton_has_the_eight_sections_with_their_figures():
    report = (PROJECT / "report" / "report.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\d)\. (.+)$", report, flags=re.MULTILINE)
    assert [(int(n), title) for n, title in headings] == list(enumerate(REPORT_SECTIONS, 1))
    sections = re.split(r"^## \d\. .+$", report, flags=re.MULTILINE)[1:]
    assert all("*Figures:" in section for section in sections)


def test_template_sources_import_labkit_and_compile():
    for name in SOURCES:
        source = (PROJECT / "src" / f"{name}.py").read_text(encoding="utf-8")
        compile(source, name, "exec")
        assert re.search(r"^from labkit(\.\w+)? import|^import labkit", source, re.MULTILINE) \
            or name in ("model_builder",), f"src/{name}.py does not use labkit"


@pytest.fixture
def project_package(monkeypatch, tmp_path):
    """``src.train`` of a copy of the template: no bytecode written under docs/."""
    copy = tmp_path / "my-project"
    shutil.copytree(PROJECT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(copy))
    for module in [m for m in sys.modules if m == "src" or m.startswith("src.")]:
        monkeypatch.delitem(sys.modules, module)
    yield importlib.import_module("src.train")
    for module in [m for m in sys.modules if m == "src" or m.startswith("src.")]:
        del sys.modules[module]


def test_template_runs_end_to_end(project_package, tmp_path, capsys):
    out = tmp_path / "results.json"
    with torch_threads(1):  # tiny networks: more threads only add overhead
        results = project_package.main(["--split", "small", "--seeds", "0", "1", "--epochs",
                                        "1", "--test", "--out", str(out)])
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(results))
    assert set(saved["models"]) == {"MLP (baseline)", "CNN"}
    for entry in saved["models"].values():
        assert len(entry["validation accuracy"]) == len(entry["test accuracy"]) == 2
        assert all(0.0 <= a <= 1.0 for a in entry["validation accuracy"])
    printed = capsys.readouterr().out
    assert "MNIST" in printed and "±" in printed
