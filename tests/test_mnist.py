"""Tests for labkit.mnist: the offline splits, the file checks and the full-set errors."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pytest
import torch

from labkit import mnist
from labkit.mnist import MNIST, MNISTCorruptError, MNISTNotFoundError, load_mnist

SIZES = {"small": (1000, 1000), "lab": (8000, 2000)}


def _copy_shipped(tmp_path: Path) -> Path:
    directory = tmp_path / "mnist"
    directory.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "MD5SUMS"):
        shutil.copy(mnist.DATA_DIR / name, directory / name)
    return directory


def _write_md5sums(directory: Path) -> None:
    """Make MD5SUMS match the (possibly broken) files, to reach the IDX checks behind it."""
    lines = [
        f"{hashlib.md5((directory / name).read_bytes()).hexdigest()}  {name}"
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    ]
    (directory / "MD5SUMS").write_text("\n".join(lines) + "\n")


def test_shipped_files_match_md5sums():
    for line in (mnist.DATA_DIR / "MD5SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.md5((mnist.DATA_DIR / name).read_bytes()).hexdigest() == digest


def test_load_idx_files_shapes():
    images, labels = mnist._load_idx_files()
    assert images.shape == (10000, 28, 28) and images.dtype == torch.uint8
    assert labels.shape == (10000,) and labels.dtype == torch.int64
    # The official test set's class counts (digits 0-9).
    expected = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert torch.bincount(labels, minlength=10).tolist() == expected


@pytest.mark.parametrize("split", ["small", "lab"])
@pytest.mark.parametrize("flatten", [True, False])
def test_split_shapes_dtypes_and_labels(split, flatten):
    data = load_mnist(split, flatten=flatten)
    assert isinstance(data, MNIST) and data.split == split
    n_train, n_test = SIZES[split]
    pixels = (784,) if flatten else (28, 28)
    assert data.X_train.shape == (n_train, *pixels) and data.X_train.dtype == torch.float32
    assert data.X_test.shape == (n_test, *pixels) and data.X_test.dtype == torch.float32
    assert data.y_train.shape == (n_train,) and data.y_train.dtype == torch.int64
    assert data.y_test.shape == (n_test,) and data.y_test.dtype == torch.int64
    for y in (data.y_train, data.y_test):
        assert 0 <= y.min() and y.max() <= 9
    assert f"{n_train:,}" in data.description and f"{n_test:,}" in data.description


@pytest.mark.parametrize("split", ["small", "lab"])
def test_class_counts_are_sane(split):
    data = load_mnist(split)
    for y in (data.y_train, data.y_test):
        counts = torch.bincount(y, minlength=10).double()
        share = counts / counts.sum()
        assert (share > 0.05).all() and (share < 0.16).all()


def test_normalize_uses_training_statistics():
    data = load_mnist("lab")
    assert abs(data.X_train.mean().item()) < 1e-4
    assert abs(data.X_train.std().item() - 1) < 1e-4
    raw = load_mnist("lab", normalize=False)
    assert raw.X_train.min() == 0 and raw.X_train.max() == 1
    mean, std = raw.X_train.mean(), raw.X_train.std()
    torch.testing.assert_close(data.X_test, (raw.X_test - mean) / std)


def test_deterministic():
    a, b = load_mnist("small"), load_mnist("small")
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_test, b.y_test)


@pytest.mark.parametrize("split", ["small", "lab"])
def test_train_and_test_images_are_disjoint_and_documented(split):
    images, labels = mnist._load_idx_files()
    data = load_mnist(split, normalize=False, flatten=False)
    flat = images.reshape(10000, -1)

    def indices(X: torch.Tensor) -> set[int]:
        # Each image's index in the official file: match by exact pixel content.
        rows = (X * 255).round().to(torch.uint8).reshape(len(X), -1)
        lookup = {bytes(row.tolist()): i for i, row in enumerate(flat)}
        return {lookup[bytes(row.tolist())] for row in rows}

    train, test = indices(data.X_train), indices(data.X_test)
    assert not train & test
    is_train, is_test = mnist._SELECTIONS[split]
    assert train == {i for i in range(10000) if is_train(i)}
    assert test == {i for i in range(10000) if is_test(i)}


def test_env_var_selects_split(monkeypatch):
    monkeypatch.setenv("LABKIT_MNIST", "lab")
    assert load_mnist().split == "lab"
    assert load_mnist("small").split == "small"
    monkeypatch.setenv("LABKIT_MNIST", "tiny")
    with pytest.raises(ValueError, match="LABKIT_MNIST.*'small', 'lab', 'full'.*'tiny'"):
        load_mnist()
    monkeypatch.delenv("LABKIT_MNIST")
    assert load_mnist().split == "small"


def test_bad_split_lists_valid_names():
    with pytest.raises(ValueError, match="split must be one of 'small', 'lab', 'full'; got 'medium'"):
        load_mnist("medium")


def test_bad_flags():
    with pytest.raises(TypeError, match="normalize must be True or False"):
        load_mnist("small", normalize="yes")


def test_md5_mismatch_names_the_file(tmp_path, monkeypatch):
    directory = _copy_shipped(tmp_path)
    path = directory / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(MNISTCorruptError, match="t10k-labels-idx1-ubyte.gz is corrupt: its MD5"):
        mnist._load_idx_files(directory)
    monkeypatch.setattr(mnist, "DATA_DIR", directory)
    with pytest.raises(MNISTCorruptError, match="MD5"):
        load_mnist("small")


def test_truncated_gzip_names_the_file(tmp_path):
    directory = _copy_shipped(tmp_path)
    path = directory / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(MNISTCorruptError, match="t10k-images-idx3-ubyte.gz is corrupt"):
        mnist._load_idx_files(directory)
    _write_md5sums(directory)
    with pytest.raises(MNISTCorruptError, match="t10k-images-idx3-ubyte.gz is not a complete gzip"):
        mnist._load_idx_files(directory)


def test_bad_magic_and_short_payload(tmp_path):
    directory = _copy_shipped(tmp_path)
    path = directory / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x03" + raw[4:]))
    _write_md5sums(directory)
    with pytest.raises(MNISTCorruptError, match="magic number 0x00000803, expected 0x00000801"):
        mnist._load_idx_files(directory)
    path.write_bytes(gzip.compress(raw[:-10]))
    _write_md5sums(directory)
    with pytest.raises(MNISTCorruptError, match=r"holds 9998 bytes, its header \(10000,\) needs 10008"):
        mnist._load_idx_files(directory)


def test_missing_file(tmp_path):
    directory = _copy_shipped(tmp_path)
    (directory / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(MNISTNotFoundError, match="t10k-images-idx3-ubyte.gz is missing"):
        mnist._load_idx_files(directory)


def test_full_split_absent_offline_gives_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("torchvision")
    monkeypatch.delenv("LABKIT_MNIST_DOWNLOAD", raising=False)
    with pytest.raises(MNISTNotFoundError, match="download=True or set LABKIT_MNIST_DOWNLOAD=1"):
        load_mnist("full", root=tmp_path, download=False)
    # The environment variables choose the split and the root; download stays off.
    monkeypatch.setenv("LABKIT_MNIST", "full")
    monkeypatch.setenv("LABKIT_DATA_DIR", str(tmp_path))
    with pytest.raises(MNISTNotFoundError, match=str(tmp_path)):
        load_mnist()
    assert issubclass(MNISTNotFoundError, FileNotFoundError)
