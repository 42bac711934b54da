"""Tests for labkit.transfer. Nothing here may download: torchvision's model builder is
replaced by a recorder wherever pretrained weights are requested, and every test runs
with torch.hub's downloader replaced by a function that fails."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision.models import ResNet18_Weights

from labkit import optim, transfer


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to download: {args} {kwargs}")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", refuse)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    monkeypatch.delenv(transfer.PRETRAINED_ENV, raising=False)


@pytest.fixture
def recorded(monkeypatch):
    """Replace torchvision.models.resnet18 by a builder that records its weights argument."""
    calls = []

    def fake_resnet18(*, weights=None, **kwargs):
        calls.append(weights)
        model = nn.Module()
        model.fc = nn.Linear(512, 1000)
        return model

    monkeypatch.setattr(torchvision.models, "resnet18", fake_resnet18)
    return calls


# ---------------------------------------------------------------- weights


def test_without_the_variable_weights_are_none(recorded):
    transfer.resnet18()
    transfer.resnet18(10)
    assert recorded == [None, None]
    assert transfer.resnet18_weights() is None
    assert not transfer.use_pretrained()


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_with_the_variable_the_imagenet_enum_is_requested(recorded, monkeypatch, value):
    monkeypatch.setenv("LABKIT_PRETRAINED", value)
    model = transfer.resnet18(5)
    assert recorded == [ResNet18_Weights.IMAGENET1K_V1]
    assert model.fc.out_features == 5
    assert transfer.resnet18_weights() is ResNet18_Weights.IMAGENET1K_V1


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "2"])
def test_other_values_mean_no_weights(recorded, monkeypatch, value):
    monkeypatch.setenv("LABKIT_PRETRAINED", value)
    transfer.resnet18()
    assert recorded == [None]


def test_explicit_argument_overrides_the_variable(monkeypatch):
    monkeypatch.setenv("LABKIT_PRETRAINED", "1")
    assert transfer.resnet18_weights(False) is None
    monkeypatch.delenv("LABKIT_PRETRAINED")
    assert transfer.resnet18_weights(True) is ResNet18_Weights.IMAGENET1K_V1


def test_resnet18_has_no_argument_that_downloads():
    """Only the environment variable switches the weights on (the API sweep passes True anywhere)."""
    import inspect

    assert list(inspect.signature(transfer.resnet18).parameters) == ["num_classes"]


def test_real_resnet18_offline_and_frozen_backbone():
    model = transfer.resnet18(10)  # torchvision's own builder, weights=None
    assert sum(p.numel() for p in model.parameters()) == 11_181_642  # 11,689,512 − 513,000 + 5,130
    transfer.freeze(model)
    model.fc = nn.Linear(512, 10)
    assert transfer.count_trainable(model) == 5_130
    model.eval()
    out = model(torch.randn(2, 3, 32, 32))
    F.cross_entropy(out, torch.tensor([1, 2])).backward()
    assert all((p.grad is not None) == p.requires_grad for p in model.parameters())


def test_imagenet_stats_come_from_the_enum_without_download():
    mean, std = transfer.imagenet_stats()
    assert mean == (0.485, 0.456, 0.406)
    assert std == (0.229, 0.224, 0.225)
    preprocess = ResNet18_Weights.IMAGENET1K_V1.transforms()
    assert list(mean) == list(preprocess.mean) and list(std) == list(preprocess.std)


@pytest.mark.parametrize("bad", [1, "yes", 0.0])
def test_bad_pretrained_argument(bad):
    with pytest.raises(TypeError, match="pretrained must be True, False or None"):
        transfer.resnet18_weights(bad)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_bad_num_classes(recorded, bad):
    with pytest.raises(ValueError, match="num_classes"):
        transfer.resnet18(bad)


# ------------------------------------------------------------ normalisation


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 3, 7, 2), (3, 1, 2, 2)])
def test_imagenet_normalize_equals_torchvision(shape):
    g = torch.Generator().manual_seed(0)
    X = torch.rand(shape, generator=g, dtype=torch.float64)
    mean = torch.rand(shape[1], generator=g, dtype=torch.float64)
    std = torch.rand(shape[1], generator=g, dtype=torch.float64) + 0.1
    expected = torchvision.transforms.functional.normalize(X, mean.tolist(), std.tolist())
    torch.testing.assert_close(transfer.imagenet_normalize(X, mean, std), expected)


def test_imagenet_normalize_bad_input():
    X = torch.rand(2, 3, 4, 4)
    with pytest.raises(ValueError, match="X must have 4 dimension"):
        transfer.imagenet_normalize(X[0], torch.zeros(3), torch.ones(3))
    with pytest.raises(ValueError, match="mean"):
        transfer.imagenet_normalize(X, torch.zeros(4), torch.ones(3))
    with pytest.raises(TypeError, match="std"):
        transfer.imagenet_normalize(X, torch.zeros(3), torch.ones(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="std must be positive"):
        transfer.imagenet_normalize(X, torch.zeros(3), torch.tensor([1.0, 0.0, 1.0]))


# ---------------------------------------------------------------- freezing


def test_freeze_and_count_trainable():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert transfer.count_trainable(model) == 4 * 3 + 3 + 3 * 2 + 2
    transfer.freeze(model[0])
    assert transfer.count_trainable(model) == 3 * 2 + 2
    assert transfer.freeze(model) is model and transfer.count_trainable(model) == 0


def test_freeze_keeps_batchnorm_statistics_moving_in_train_mode():
    """The pitfall the tutorial shows: requires_grad=False does not stop running statistics."""
    bn = transfer.freeze(nn.BatchNorm1d(3))
    bn(torch.randn(8, 3) + 5)
    assert (bn.running_mean > 0.2).all()
    before = bn.running_mean.clone()
    bn.eval()
    bn(torch.randn(8, 3) + 5)
    torch.testing.assert_close(bn.running_mean, before)


@pytest.mark.parametrize("fn", [transfer.freeze, transfer.count_trainable])
def test_freeze_and_count_need_a_module(fn):
    with pytest.raises(TypeError, match="torch.nn.Module"):
        fn([nn.Parameter(torch.zeros(2))])


# ----------------------------------------------------------- few-shot subsets


def test_few_shot_indices_are_balanced_and_follow_the_order():
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (200,), generator=g)
    order = torch.randperm(200, generator=g)
    idx = transfer.few_shot_indices(y, order, 5, 4)
    assert idx.shape == (20,) and idx.dtype == torch.int64
    assert y[idx].tolist() == [c for c in range(4) for _ in range(5)]
    position = torch.empty_like(order)
    position[order] = torch.arange(200)
    for c in range(4):
        chosen = idx[5 * c:5 * (c + 1)]
        assert (position[chosen].diff() > 0).all()  # met in this order along `order`
        # and no earlier example of class c was skipped
        first = order[y[order] == c][:5]
        torch.testing.assert_close(chosen, first)


def test_few_shot_indices_bad_input():
    y = torch.tensor([0, 0, 1])
    with pytest.raises(ValueError, match="class 1 has 1 examples, fewer than n = 2"):
        transfer.few_shot_indices(y, torch.arange(3), 2, 2)
    with pytest.raises(ValueError, match="order"):
        transfer.few_shot_indices(y, torch.arange(4), 1, 2)
    with pytest.raises(ValueError, match="n must be a positive"):
        transfer.few_shot_indices(y, torch.arange(3), 0, 2)
    with pytest.raises(ValueError, match="permutation"):
        transfer.few_shot_indices(y, torch.tensor([0, 0, 1]), 1, 2)
    with pytest.raises(TypeError, match="order"):
        transfer.few_shot_indices(y, torch.arange(3.0), 1, 2)


# ---------------------------------------------------------------------- PCA


@pytest.mark.parametrize("shape", [(50, 6), (7, 12), (30, 2)])
def test_pca_2d_equals_the_covariance_eigenvectors(shape):
    g = torch.Generator().manual_seed(1)
    scales = torch.linspace(3, 0.5, shape[1], dtype=torch.float64)
    X = torch.randn(shape, generator=g, dtype=torch.float64) * scales + 2.0
    Z = transfer.pca_2d(X)
    Xc = X - X.mean(0)
    eigenvalues, eigenvectors = torch.linalg.eigh(Xc.T @ Xc)  # ascending
    top = eigenvectors[:, [-1, -2]]  # (D, 2)
    expected = Xc @ top
    signs = torch.sign((Z * expected).sum(0))
    torch.testing.assert_close(Z, expected * signs)
    torch.testing.assert_close(Z.var(0, correction=0) * shape[0], eigenvalues[[-1, -2]])


def test_pca_2d_sign_convention_and_low_rank_agree():
    g = torch.Generator().manual_seed(2)
    X = torch.randn(40, 5, generator=g, dtype=torch.float64) * torch.tensor([4.0, 2, 1, 0.5, 0.2],
                                                                          dtype=torch.float64)
    Z = transfer.pca_2d(X)
    Xc = X - X.mean(0)
    directions = torch.linalg.lstsq(Xc, Z).solution  # (D, 2): Z = Xc @ directions
    biggest = directions.abs().argmax(0)
    assert (directions[biggest, [0, 1]] > 0).all()
    # the same directions for -X (so its picture is mirrored) and for shuffled rows
    torch.testing.assert_close(transfer.pca_2d(-X), -Z)
    perm = torch.randperm(40, generator=g)
    torch.testing.assert_close(transfer.pca_2d(X[perm]), Z[perm])
    _, _, V = torch.pca_lowrank(X, q=5, center=True, niter=4)
    Z_lowrank = Xc @ V[:, :2]
    torch.testing.assert_close(Z.abs(), Z_lowrank.abs())


def test_pca_2d_bad_input():
    with pytest.raises(ValueError, match="at least 2 rows and 2 columns"):
        transfer.pca_2d(torch.randn(1, 5))
    with pytest.raises(TypeError, match="floating"):
        transfer.pca_2d(torch.ones(4, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match="finite"):
        transfer.pca_2d(torch.tensor([[1.0, float("nan")], [0.0, 1.0]]))


# ------------------------------------------------------------ linear head


def test_fit_linear_head_equals_nn_linear_with_labkit_adam():
    g = torch.Generator().manual_seed(3)
    X = torch.randn(30, 6, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (30,), generator=g)
    W, b = transfer.fit_linear_head(X, y, 4, steps=25, lr=0.05)
    head = nn.Linear(6, 4).double()
    nn.init.zeros_(head.weight)
    nn.init.zeros_(head.bias)
    opt = optim.Adam(head.parameters(), lr=0.05)
    for _ in range(25):
        opt.zero_grad()
        F.cross_entropy(head(X), y).backward()
        opt.step()
    torch.testing.assert_close(W, head.weight.detach())
    torch.testing.assert_close(b, head.bias.detach())
    assert not W.requires_grad and W.dtype == torch.float64


def test_fit_linear_head_separates_separable_classes():
    g = torch.Generator().manual_seed(4)
    centres = torch.tensor([[3.0, 0.0], [0.0, 3.0], [-3.0, -3.0]])
    y = torch.arange(3).repeat(20)
    X = centres[y] + 0.3 * torch.randn(60, 2, generator=g)
    W, b = transfer.fit_linear_head(X, y, 3, steps=100, lr=0.1)
    assert ((X @ W.T + b).argmax(1) == y).all()


def test_fit_linear_head_bad_input():
    X = torch.randn(4, 3)
    with pytest.raises(TypeError, match="y"):
        transfer.fit_linear_head(X, torch.zeros(4, dtype=torch.int32), 2, 5, 0.1)
    with pytest.raises(ValueError, match="lr must be a positive"):
        transfer.fit_linear_head(X, torch.zeros(4, dtype=torch.int64), 2, 5, 0.0)
    with pytest.raises(ValueError, match="steps"):
        transfer.fit_linear_head(X, torch.zeros(4, dtype=torch.int64), 2, 0, 0.1)
    with pytest.raises(ValueError, match=r"labels in 0\.\.1"):
        transfer.fit_linear_head(X, torch.tensor([0, 1, 2, 0]), 2, 5, 0.1)
