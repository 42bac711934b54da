"""MNIST handwritten digits: offline splits of the official test set, or the full set.

labkit ships the official MNIST test files (10,000 images, IDX format, MD5 sums
in ``labkit/data/mnist/MD5SUMS``). The offline splits are disjoint subsets of
those 10,000 images, chosen by image index ``i`` (0-9,999) so that no random
number generator is involved and every machine gets the same images:

- ``"small"``: train on the 1,000 images with ``i % 10 == 0``, test on the
  1,000 with ``i % 10 == 5`` (the size of sheet 004's small sets).
- ``"lab"``: train on the 8,000 images with ``i % 5 != 4``, test on the 2,000
  with ``i % 5 == 4`` (the lab-4 network).
- ``"full"``: the real 60,000 training images and the 10,000 test images.

Every fifth or tenth image is taken, rather than the first or the last ones,
because the official test file is not homogeneous: its two halves come from
different groups of NIST writers, so a first/last cut would train and test on
different populations. Which half is harder depends on the model; for the
models of this course it is the *first* half (although the MNIST page calls
the first 5,000 the cleaner ones): a 1-nearest-neighbour classifier on the
1,000 "small" training images misclassifies 14.6% of the other images among
the first 5,000 and 7.8% of those among the last 5,000.

The "full" split is loaded through ``torchvision.datasets.MNIST`` and needs the
60,000-image training files, which are downloaded only when asked for
(``download=True`` or ``LABKIT_MNIST_DOWNLOAD=1``). Environment variables:

- ``LABKIT_MNIST``: the split used when ``load_mnist`` is called without one.
- ``LABKIT_DATA_DIR``: the ``root`` of the full set (default ``~/.cache/labkit/mnist``).
- ``LABKIT_MNIST_DOWNLOAD=1``: allow the full set to be downloaded.

First used in the tutorial "Feed-forward networks" (lab 4, MNIST with two
hidden layers). MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges,
CC BY-SA 3.0.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch

from labkit import _data
from labkit._validate import check_choice

__all__ = [
    "CREDIT",
    "SPLITS",
    "MNIST",
    "MNISTCorruptError",
    "MNISTNotFoundError",
    "load_mnist",
]

SPLITS = ("small", "lab", "full")
"""The split names [`load_mnist`][labkit.mnist.load_mnist] accepts."""

CREDIT = "MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)."
"""One line of credit to print wherever MNIST images are shown."""

DATA_DIR = Path(__file__).resolve().parent / "data" / "mnist"
"""Where the official test files ship inside the package."""

_IMAGES_FILE = "t10k-images-idx3-ubyte.gz"
_LABELS_FILE = "t10k-labels-idx1-ubyte.gz"
_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_NUM_TEST = 10_000

_SELECTIONS = {
    "small": (lambda i: i % 10 == 0, lambda i: i % 10 == 5),
    "lab": (lambda i: i % 5 != 4, lambda i: i % 5 == 4),
}
_DESCRIPTIONS = {
    "small": (
        "Split 'small': 1,000 training images (index i % 10 == 0) and 1,000 test images "
        "(i % 10 == 5), both taken from the 10,000 official MNIST test images shipped with labkit."
    ),
    "lab": (
        "Split 'lab': 8,000 training images (index i % 5 != 4) and 2,000 test images "
        "(i % 5 == 4), both taken from the 10,000 official MNIST test images shipped with labkit."
    ),
    "full": (
        "Split 'full': the official MNIST sets, 60,000 training images and 10,000 test images."
    ),
}

# MD5 sums already checked in this process, keyed by (path, size, mtime), so
# that a second load_mnist call does not hash the 1.6 MB image file again.
_VERIFIED: dict[tuple[str, int, int], str] = {}


class MNISTNotFoundError(FileNotFoundError):
    """MNIST files are not on disk: the full set without a download, or a removed shipped file."""


class MNISTCorruptError(ValueError):
    """An MNIST file fails its MD5 check or is not a valid (gzipped) IDX file."""


@dataclass(frozen=True, eq=False)
class MNIST:
    """One MNIST split, ready for training.

    Attributes:
        X_train: (N_train, 784) float32 when flattened, else (N_train, 28, 28).
        y_train: (N_train,) int64 labels in 0..9.
        X_test: (N_test, 784) or (N_test, 28, 28) float32.
        y_test: (N_test,) int64 labels in 0..9.
        split: the split's name, one of [`SPLITS`][labkit.mnist.SPLITS].
        description: one sentence saying which images form the split.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    split: str
    description: str


def _md5(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        _VERIFIED[key] = hashlib.md5(path.read_bytes()).hexdigest()
    return _VERIFIED[key]


def _expected_md5(directory: Path, name: str) -> str:
    sums_path = directory / "MD5SUMS"
    if not sums_path.is_file():
        raise MNISTNotFoundError(f"{sums_path} is missing; it must list the MD5 sum of {name}")
    for line in sums_path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == name:
            return parts[0].lower()
    raise MNISTCorruptError(f"{sums_path} has no MD5 sum for {name}")


def _verify(path: Path) -> None:
    """Raise unless ``path`` exists and its MD5 sum matches the directory's MD5SUMS."""
    if not path.is_file():
        raise MNISTNotFoundError(f"MNIST file {path} is missing; reinstall labkit to restore it")
    _data.record(path)
    _data.record(path.parent / "MD5SUMS")
    expected = _expected_md5(path.parent, path.name)
    actual = _md5(path)
    if actual != expected:
        raise MNISTCorruptError(
            f"MNIST file {path} is corrupt: its MD5 sum is {actual}, MD5SUMS expects {expected}. "
            "Reinstall labkit (or restore the file) to fix it."
        )


def _read_idx(path: Path, magic: int, ndim: int) -> torch.Tensor:
    """Parse a gzipped IDX file of unsigned bytes.

    The header is a big-endian int32 magic number (``0x0803`` for images,
    ``0x0801`` for labels: unsigned bytes, ``ndim`` dimensions), then ``ndim``
    big-endian int32 sizes, then the bytes in row-major order.

    Returns:
        A uint8 tensor of the sizes in the header.
    """
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as err:
        raise MNISTCorruptError(f"MNIST file {path} is not a complete gzip file: {err}") from err
    header_len = 4 * (1 + ndim)
    if len(raw) < header_len:
        raise MNISTCorruptError(f"MNIST file {path} is truncated: {len(raw)} bytes, no IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise MNISTCorruptError(
            f"MNIST file {path} has IDX magic number {found:#010x}, expected {magic:#010x}"
        )
    dims = [int.from_bytes(raw[4 * k : 4 * k + 4], "big") for k in range(1, ndim + 1)]
    expected = header_len + int(torch.tensor(dims).prod())
    if len(raw) != expected:
        raise MNISTCorruptError(
            f"MNIST file {path} holds {len(raw)} bytes, its header {tuple(dims)} needs {expected}"
        )
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8, offset=header_len).reshape(dims)


def _load_idx_files(directory: str | os.PathLike | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Load and check the official test files in ``directory`` (default: the shipped ones).

    Returns:
        ``(images, labels)``: images (10000, 28, 28) uint8, labels (10000,) int64.

    Raises:
        MNISTNotFoundError: a file or MD5SUMS is missing.
        MNISTCorruptError: an MD5 mismatch, a broken gzip stream or a bad IDX header.
    """
    directory = Path(directory) if directory is not None else DATA_DIR
    images_path, labels_path = directory / _IMAGES_FILE, directory / _LABELS_FILE
    _verify(images_path)
    _verify(labels_path)
    images = _read_idx(images_path, _IMAGES_MAGIC, 3)
    labels = _read_idx(labels_path, _LABELS_MAGIC, 1).long()
    if tuple(images.shape) != (_NUM_TEST, 28, 28) or tuple(labels.shape) != (_NUM_TEST,):
        raise MNISTCorruptError(
            f"MNIST files in {directory} hold images {tuple(images.shape)} and labels "
            f"{tuple(labels.shape)}, expected ({_NUM_TEST}, 28, 28) and ({_NUM_TEST},)"
        )
    if labels.max() > 9:
        raise MNISTCorruptError(f"MNIST file {labels_path} holds label {labels.max()}, expected 0..9")
    return images, labels


def _load_full(root: Path, download: bool) -> tuple[torch.Tensor, ...]:
    try:
        from torchvision.datasets import MNIST as TorchvisionMNIST
    except ImportError as err:
        raise ImportError(
            "load_mnist('full') needs torchvision: pip install 'labkit[full-mnist]'"
        ) from err
    try:
        train = TorchvisionMNIST(str(root), train=True, download=download)
        test = TorchvisionMNIST(str(root), train=False, download=download)
    except RuntimeError as err:
        if download:
            raise
        raise MNISTNotFoundError(
            f"the full MNIST set is not in {root} (torchvision looks in {root / 'MNIST' / 'raw'}). "
            "With internet access, pass download=True or set LABKIT_MNIST_DOWNLOAD=1; "
            "otherwise copy the four official files (train-images-idx3-ubyte.gz, "
            "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) "
            f"into {root / 'MNIST' / 'raw'}, or use split='small' or 'lab', which ship with labkit."
        ) from err
    return train.data, train.targets.long(), test.data, test.targets.long()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def load_mnist(
    split: str | None = None,
    *,
    normalize: bool = True,
    flatten: bool = True,
    root: str | os.PathLike | None = None,
    download: bool | None = None,
) -> MNIST:
    """Load an MNIST split as float tensors.

    Pixels are scaled to [0, 1]. With ``normalize=True`` they are then
    standardised with the mean and standard deviation of the *training* split
    (one scalar each, over all pixels), the test images with the same two
    numbers, as in the prologue of practical session 3 (sheet 004).

    Args:
        split: ``"small"``, ``"lab"`` or ``"full"`` (see the module docstring).
            ``None`` means the ``LABKIT_MNIST`` environment variable, else ``"small"``.
        normalize: standardise with the training mean and std; else keep [0, 1].
        flatten: images as rows of 784 pixels; else as (28, 28).
        root: directory of the full set (only used by ``"full"``); default
            ``LABKIT_DATA_DIR``, else ``~/.cache/labkit/mnist``.
        download: allow torchvision to download the full set; default
            ``LABKIT_MNIST_DOWNLOAD=1``. Never downloads for "small" and "lab".

    Returns:
        An [`MNIST`][labkit.mnist.MNIST] with X_train (N_train, 784) or (N_train, 28, 28)
        float32, y_train (N_train,) int64, X_test and y_test alike, the split's
        name and a one-sentence description of the images it holds.

    Raises:
        ValueError: unknown split (the message lists the valid ones).
        TypeError: ``normalize`` or ``flatten`` is not a bool.
        MNISTNotFoundError: ``"full"`` requested but its files are absent and
            downloading is off.
        MNISTCorruptError: a shipped file fails its MD5 check or is not valid IDX.

    Examples:
        >>> data = load_mnist("small")
        >>> tuple(data.X_train.shape), tuple(data.y_test.shape), data.y_train[:5].tolist()
        ((1000, 784), (1000,), [7, 0, 9, 3, 1])
    """
    if split is None:
        split = os.environ.get("LABKIT_MNIST") or "small"
        check_choice(split, "the LABKIT_MNIST environment variable", SPLITS)
    check_choice(split, "split", SPLITS)
    for name, value in (("normalize", normalize), ("flatten", flatten)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")

    if split == "full":
        if root is None:
            root = os.environ.get("LABKIT_DATA_DIR") or Path.home() / ".cache" / "labkit" / "mnist"
        if download is None:
            download = _env_flag("LABKIT_MNIST_DOWNLOAD")
        X_train, y_train, X_test, y_test = _load_full(Path(root).expanduser(), bool(download))
    else:
        images, labels = _load_idx_files()
        index = torch.arange(_NUM_TEST)
        is_train, is_test = _SELECTIONS[split]
        train_idx, test_idx = index[is_train(index)], index[is_test(index)]
        X_train, y_train = images[train_idx], labels[train_idx]
        X_test, y_test = images[test_idx], labels[test_idx]

    X_train = X_train.float() / 255.0  # (N_train, 28, 28)
    X_test = X_test.float() / 255.0  # (N_test, 28, 28)
    if normalize:
        mean, std = X_train.mean(), X_train.std()
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    if flatten:
        X_train = X_train.reshape(len(X_train), -1)  # (N_train, 784)
        X_test = X_test.reshape(len(X_test), -1)  # (N_test, 784)
    return MNIST(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        split=split,
        description=_DESCRIPTIONS[split],
    )
