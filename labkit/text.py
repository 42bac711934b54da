"""Character-level text: the names data set, its splits, a vocabulary and training tensors.

labkit ships ``names.txt`` (32,033 lower-case first names, MD5 sum in
``labkit/data/names/MD5SUMS``), the example data set of Andrej Karpathy's
makemore. 2,539 names occur twice in the file (once as a girls' and once as a
boys' name), so [`names_split`][labkit.text.names_split] first keeps each distinct name once, in
the order of its first occurrence (29,494 names), and then splits them by
index ``i`` with no random number generator involved:

- ``"train"``: the 23,596 names with ``i % 10`` in 0..7;
- ``"validation"``: the 2,949 names with ``i % 10 == 8``;
- ``"test"``: the 2,949 names with ``i % 10 == 9``.

The three splits are therefore disjoint as sets of strings, and a name
sampled from a model is "new" exactly when it is not in the training split.
Every tenth name is taken, rather than the last ones, because the file is not
homogeneous: it lists the girls' names first, each list from the most to the
least common name.

A language model reads a name one character at a time and predicts the
next one. The boundary token ``"."`` (index 0, makemore's convention) stands
for both "start of name" and "end of name", so ``"emma"`` becomes the
prediction problems ``. → e``, ``e → m``, ``m → m``, ``m → a``, ``a → .``.
[`make_examples`][labkit.text.make_examples] builds them for models with a fixed context (bigram,
MLP); [`pad_batch`][labkit.text.pad_batch] builds padded sequences for recurrent networks.

Derived and first used in the tutorials "Recurrent networks"
(``tutorials/17-rnn.py``) and "LSTM" (``tutorials/18-lstm.py``).
"""

from __future__ import annotations

import hashlib
import os
import string
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch

from labkit._validate import check_choice, check_positive_int, check_tensor

__all__ = [
    "BOUNDARY",
    "CREDIT",
    "IGNORE_INDEX",
    "SPLITS",
    "NamesCorruptError",
    "NamesNotFoundError",
    "Vocab",
    "load_names",
    "make_examples",
    "names_split",
    "pad_batch",
]

CREDIT = (
    "Names: U.S. Social Security Administration baby names (public domain), "
    "compiled for makemore by Andrej Karpathy (MIT licence)."
)
"""One line of credit to print wherever the names are used."""

SPLITS = ("train", "validation", "test")
"""The split names [`names_split`][labkit.text.names_split] accepts."""

BOUNDARY = "."
"""The token that marks both the start and the end of a name."""

IGNORE_INDEX = -100
"""Target value of padded positions in [`pad_batch`][labkit.text.pad_batch]: ``F.cross_entropy``'s default ``ignore_index``, so padded positions drop out of the loss without using the mask."""

DATA_DIR = Path(__file__).resolve().parent / "data" / "names"
"""Where ``names.txt`` ships inside the package."""

_NAMES_FILE = "names.txt"
_SPLIT_OF_REMAINDER = {8: "validation", 9: "test"}


class NamesNotFoundError(FileNotFoundError):
    """``names.txt`` or its ``MD5SUMS`` is not on disk."""


class NamesCorruptError(ValueError):
    """``names.txt`` fails its MD5 check or does not hold one name per line."""


def _expected_md5(directory: Path) -> str:
    sums_path = directory / "MD5SUMS"
    if not sums_path.is_file():
        raise NamesNotFoundError(
            f"{sums_path} is missing; it must list the MD5 sum of {_NAMES_FILE}"
        )
    for line in sums_path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == _NAMES_FILE:
            return parts[0].lower()
    raise NamesCorruptError(f"{sums_path} has no MD5 sum for {_NAMES_FILE}")


def load_names(directory: str | os.PathLike | None = None) -> list[str]:
    """Read ``names.txt`` after checking its MD5 sum.

    Args:
        directory: folder holding ``names.txt`` and ``MD5SUMS``; default the
            copy shipped with labkit.

    Returns:
        All 32,033 names of the shipped file, in file order, duplicates included.

    Raises:
        NamesNotFoundError: ``names.txt`` or ``MD5SUMS`` is missing.
        NamesCorruptError: an MD5 mismatch, or a line that is empty or holds
            the boundary token ``"."`` or white space.

    Examples:
        >>> names = load_names()
        >>> len(names), names[:3]
        (32033, ['emma', 'olivia', 'ava'])
    """
    directory = Path(directory) if directory is not None else DATA_DIR
    path = directory / _NAMES_FILE
    if not path.is_file():
        raise NamesNotFoundError(f"names file {path} is missing; reinstall labkit to restore it")
    expected = _expected_md5(directory)
    raw = path.read_bytes()
    actual = hashlib.md5(raw).hexdigest()
    if actual != expected:
        raise NamesCorruptError(
            f"names file {path} is corrupt: its MD5 sum is {actual}, MD5SUMS expects {expected}. "
            "Reinstall labkit (or restore the file) to fix it."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NamesCorruptError(f"names file {path} is not UTF-8 text: {err}") from err
    names = text.splitlines()
    for number, name in enumerate(names, start=1):
        if not name or BOUNDARY in name or any(ch.isspace() for ch in name):
            raise NamesCorruptError(
                f"line {number} of {path} is {name!r}: expected one name per line, "
                f"without spaces or the boundary token {BOUNDARY!r}"
            )
    return names


def names_split(split: str, directory: str | os.PathLike | None = None) -> list[str]:
    """One split of the distinct names (see the module docstring for the rule).

    Args:
        split: ``"train"``, ``"validation"`` or ``"test"``.
        directory: passed to [`load_names`][labkit.text.load_names].

    Returns:
        The split's names in file order: 23,596 for ``"train"``, 2,949 each for
        ``"validation"`` and ``"test"`` with the shipped file.

    Raises:
        ValueError: unknown split (the message lists the valid ones).

    Examples:
        >>> [len(names_split(s)) for s in SPLITS]
        [23596, 2949, 2949]
    """
    check_choice(split, "split", SPLITS)
    distinct = list(dict.fromkeys(load_names(directory)))
    return [
        name for i, name in enumerate(distinct) if _SPLIT_OF_REMAINDER.get(i % 10, "train") == split
    ]


class Vocab:
    """A character vocabulary with the boundary token ``"."`` at index 0.

    The other characters follow in sorted order, so ``Vocab()`` maps
    ``. a b ... z`` to ``0 1 2 ... 26`` exactly as makemore does.

    Args:
        chars: the characters besides ``"."`` (any order, repeats ignored);
            default ``a``-``z``.

    Raises:
        TypeError: ``chars`` is not a string or an iterable of strings.
        ValueError: an entry is not one character, or is ``"."``.

    Examples:
        >>> vocab = Vocab()
        >>> vocab.size, vocab.encode("emma").tolist()
        (27, [5, 13, 13, 1])
        >>> vocab.decode([0, 1, 22, 1, 0])
        '.ava.'
    """

    def __init__(self, chars: str | Iterable[str] = string.ascii_lowercase) -> None:
        if isinstance(chars, torch.Tensor) or not isinstance(chars, (str, Iterable)):
            raise TypeError(
                f"chars must be a string or an iterable of characters, got {type(chars).__name__}"
            )
        chars = list(chars)
        for ch in chars:
            if not isinstance(ch, str) or len(ch) != 1:
                raise ValueError(f"chars must hold single characters, got {ch!r}")
            if ch == BOUNDARY:
                raise ValueError(
                    f"chars must not hold the boundary token {BOUNDARY!r}; it is always index 0"
                )
        self.itos: list[str] = [BOUNDARY, *sorted(set(chars))]
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}

    @classmethod
    def from_names(cls, names: Sequence[str]) -> Vocab:
        """The vocabulary of the characters that occur in ``names``."""
        _check_names(names)
        return cls(set().union(*map(set, names)))

    @property
    def size(self) -> int:
        """Number of tokens, the boundary token included."""
        return len(self.itos)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Vocab(size={self.size}, chars={''.join(self.itos)!r})"

    def encode(self, text: str) -> torch.Tensor:
        """Token indices of ``text``: a (len(text),) int64 tensor.

        Raises:
            TypeError: ``text`` is not a string.
            ValueError: ``text`` holds a character outside the vocabulary.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        for position, ch in enumerate(text):
            if ch not in self.stoi:
                raise ValueError(
                    f"character {ch!r} at position {position} of {text!r} is not in the "
                    f"vocabulary {''.join(self.itos)!r}"
                )
        return torch.tensor([self.stoi[ch] for ch in text], dtype=torch.int64)

    def decode(self, ids: torch.Tensor | Sequence[int]) -> str:
        """The string of token indices ``ids`` (a 1-D integer tensor or a list of ints).

        Raises:
            TypeError: ``ids`` is not a 1-D integer tensor or a sequence of ints.
            ValueError: an index outside ``0 .. size - 1``.
        """
        if isinstance(ids, torch.Tensor):
            check_tensor(ids, "ids", ndim=1)
            if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
                raise TypeError(f"ids must have an integer dtype, got {ids.dtype}")
            ids = ids.tolist()
        elif isinstance(ids, str) or not isinstance(ids, Sequence):
            raise TypeError(
                f"ids must be a 1-D integer tensor or a list of ints, got {type(ids).__name__}"
            )
        for i in ids:
            if isinstance(i, bool) or not isinstance(i, int):
                raise TypeError(f"ids must hold ints, got {i!r}")
            if not 0 <= i < self.size:
                raise ValueError(f"index {i} is outside the vocabulary (0 .. {self.size - 1})")
        return "".join(self.itos[i] for i in ids)


def _check_names(names: object) -> list[str]:
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a list of strings, got {type(names).__name__}")
    if not names:
        raise ValueError("names must hold at least one name, got an empty list")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"names must hold strings, got {name!r}")
        if not name or BOUNDARY in name:
            raise ValueError(
                "every name must be non-empty and free of the boundary token "
                f"{BOUNDARY!r}, got {name!r}"
            )
    return list(names)


def _check_vocab(vocab: object) -> Vocab:
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a labkit.text.Vocab, got {type(vocab).__name__}")
    return vocab


def make_examples(
    names: Sequence[str], vocab: Vocab, context: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-character examples for a model that sees the last ``context`` tokens.

    Each name is padded on the left with ``context`` boundary tokens and ends
    with one, so a name of ``L`` characters gives ``L + 1`` examples and the
    model also learns when a name ends. ``context=1`` gives the bigram pairs.

    Args:
        names: M names (list of non-empty strings without ``"."``).
        vocab: maps characters to indices.
        context: number of previous tokens each example sees (positive int).

    Returns:
        ``(X, Y)`` with X: (E, context) int64 contexts and Y: (E,) int64 next
        tokens, where ``E = sum(len(name) + 1)``.

    Raises:
        TypeError, ValueError: bad ``names``, ``vocab`` or ``context``, or a
            character outside the vocabulary.

    Examples:
        >>> X, Y = make_examples(["ava"], Vocab(), context=2)
        >>> X.tolist(), Y.tolist()
        ([[0, 0], [0, 1], [1, 22], [22, 1]], [1, 22, 1, 0])
    """
    names = _check_names(names)
    vocab = _check_vocab(vocab)
    check_positive_int(context, "context")
    rows: list[list[int]] = []
    targets: list[int] = []
    for name in names:
        window = [0] * context
        for ix in [*vocab.encode(name).tolist(), 0]:
            rows.append(window)
            targets.append(ix)
            window = [*window[1:], ix]
    return torch.tensor(rows, dtype=torch.int64), torch.tensor(targets, dtype=torch.int64)


def pad_batch(
    names: Sequence[str], vocab: Vocab
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded input and target sequences for a recurrent language model.

    Name ``n`` of length ``L`` becomes the inputs ``. c1 ... cL`` and the
    targets ``c1 ... cL .`` (the inputs shifted by one); both are padded on
    the right to ``T = max(L) + 1`` steps, inputs with the boundary index 0
    and targets with [`IGNORE_INDEX`][labkit.text.IGNORE_INDEX].

    Args:
        names: N names (list of non-empty strings without ``"."``).
        vocab: maps characters to indices.

    Returns:
        ``(inputs, targets, mask)``, each (N, T) (batch first): int64 inputs,
        int64 targets, and a bool mask that is True at the real (unpadded)
        positions. ``F.cross_entropy(logits.transpose(1, 2), targets)`` with
        logits (N, T, vocab.size) is then the mean NLL per real character.

    Raises:
        TypeError, ValueError: bad ``names`` or ``vocab``, or a character
            outside the vocabulary.

    Examples:
        >>> inputs, targets, mask = pad_batch(["ava", "bo"], Vocab())
        >>> inputs.tolist()
        [[0, 1, 22, 1], [0, 2, 15, 0]]
        >>> targets.tolist()
        [[1, 22, 1, 0], [2, 15, 0, -100]]
    """
    names = _check_names(names)
    vocab = _check_vocab(vocab)
    steps = max(len(name) for name in names) + 1
    inputs = torch.zeros(len(names), steps, dtype=torch.int64)  # (N, T)
    targets = torch.full((len(names), steps), IGNORE_INDEX, dtype=torch.int64)  # (N, T)
    for n, name in enumerate(names):
        ids = vocab.encode(name)
        inputs[n, 1 : len(name) + 1] = ids
        targets[n, : len(name)] = ids
        targets[n, len(name)] = 0
    return inputs, targets, targets != IGNORE_INDEX
