"""Tests for labkit.text: the checked names file, its splits, the vocabulary and training tensors."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from labkit import text
from labkit.text import (
    IGNORE_INDEX,
    SPLITS,
    NamesCorruptError,
    NamesNotFoundError,
    Vocab,
    load_names,
    make_examples,
    names_split,
    pad_batch,
)


def _copy_shipped(tmp_path: Path) -> Path:
    directory = tmp_path / "names"
    directory.mkdir()
    for name in ("names.txt", "MD5SUMS"):
        shutil.copy(text.DATA_DIR / name, directory / name)
    return directory


def _write_md5sums(directory: Path) -> None:
    digest = hashlib.md5((directory / "names.txt").read_bytes()).hexdigest()
    (directory / "MD5SUMS").write_text(f"{digest}  names.txt\n")


# ---------------------------------------------------------------- the file


def test_shipped_file_matches_md5sums():
    digest, name = (text.DATA_DIR / "MD5SUMS").read_text().split()
    assert hashlib.md5((text.DATA_DIR / name).read_bytes()).hexdigest() == digest


def test_load_names_contents():
    names = load_names()
    assert len(names) == 32033 and len(set(names)) == 29494
    assert names[:3] == ["emma", "olivia", "ava"] and names[-1] == "zzyzx"
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")
    assert min(map(len, names)) == 2 and max(map(len, names)) == 15


def test_credit_names_both_sources():
    assert "\n" not in text.CREDIT
    for word in ("Social Security", "public domain", "makemore", "Karpathy", "MIT"):
        assert word in text.CREDIT
    assert "Karpathy" in (text.DATA_DIR / "README.md").read_text()


def test_load_from_a_checked_copy(tmp_path):
    assert load_names(_copy_shipped(tmp_path)) == load_names()


def test_corrupted_file_fails_md5(tmp_path):
    directory = _copy_shipped(tmp_path)
    path = directory / "names.txt"
    path.write_bytes(path.read_bytes().replace(b"emma", b"emmx", 1))
    with pytest.raises(NamesCorruptError, match="corrupt: its MD5 sum is .* MD5SUMS expects 401b3c4c"):
        load_names(directory)
    assert issubclass(NamesCorruptError, ValueError)


def test_missing_file(tmp_path):
    directory = _copy_shipped(tmp_path)
    (directory / "names.txt").unlink()
    with pytest.raises(NamesNotFoundError, match="names.txt is missing; reinstall labkit"):
        load_names(directory)
    with pytest.raises(FileNotFoundError):
        load_names(tmp_path / "nowhere")


def test_missing_or_incomplete_md5sums(tmp_path):
    directory = _copy_shipped(tmp_path)
    (directory / "MD5SUMS").write_text("0123  other.txt\n")
    with pytest.raises(NamesCorruptError, match="has no MD5 sum for names.txt"):
        load_names(directory)
    (directory / "MD5SUMS").unlink()
    with pytest.raises(NamesNotFoundError, match="MD5SUMS is missing"):
        load_names(directory)


@pytest.mark.parametrize(
    "content, match",
    [(b"emma\n\nava\n", "line 2 .* is ''"), (b"emma\nmr. x\n", "line 2"), (b"\xff\xfe\n", "not UTF-8")],
)
def test_malformed_lines_behind_a_matching_md5(tmp_path, content, match):
    directory = _copy_shipped(tmp_path)
    (directory / "names.txt").write_bytes(content)
    _write_md5sums(directory)
    with pytest.raises(NamesCorruptError, match=match):
        load_names(directory)


# ---------------------------------------------------------------- splits


def test_split_sizes_and_disjointness():
    splits = {s: names_split(s) for s in SPLITS}
    assert [len(splits[s]) for s in SPLITS] == [23596, 2949, 2949]
    sets = {s: set(names) for s, names in splits.items()}
    assert all(len(sets[s]) == len(splits[s]) for s in SPLITS)
    assert not sets["train"] & sets["validation"]
    assert not sets["train"] & sets["test"]
    assert not sets["validation"] & sets["test"]
    assert sets["train"] | sets["validation"] | sets["test"] == set(load_names())


def test_split_follows_the_documented_rule():
    distinct = list(dict.fromkeys(load_names()))
    assert names_split("validation") == distinct[8::10]
    assert names_split("test") == distinct[9::10]
    assert names_split("train")[:9] == distinct[:8] + distinct[10:11]


def test_unknown_split():
    with pytest.raises(ValueError, match="split must be one of 'train', 'validation', 'test'; got 'val'"):
        names_split("val")


# ---------------------------------------------------------------- vocabulary


def test_vocab_matches_makemore():
    vocab = Vocab()
    assert vocab.size == len(vocab) == 27
    assert vocab.itos[0] == "." and vocab.stoi["a"] == 1 and vocab.stoi["z"] == 26
    assert Vocab.from_names(load_names()).itos == vocab.itos
    assert "size=27" in repr(vocab)


@pytest.mark.parametrize("name", ["emma", "zzyzx", "a", "", ".ava."])
def test_encode_decode_round_trip(name):
    vocab = Vocab()
    ids = vocab.encode(name)
    assert ids.dtype == torch.int64 and ids.shape == (len(name),)
    assert vocab.decode(ids) == name
    assert vocab.decode(ids.tolist()) == name


def test_round_trip_over_every_name():
    vocab = Vocab()
    names = names_split("validation")
    assert [vocab.decode(vocab.encode(n)) for n in names] == names


def test_custom_vocab_is_sorted_after_the_boundary():
    vocab = Vocab("cab")
    assert vocab.itos == [".", "a", "b", "c"]
    assert vocab.encode("cab").tolist() == [3, 1, 2]


def test_unknown_characters():
    vocab = Vocab()
    with pytest.raises(ValueError, match="character 'é' at position 3 of 'josé' is not in the vocabulary"):
        vocab.encode("josé")
    with pytest.raises(ValueError, match="character 'E' at position 0"):
        vocab.encode("Emma")
    with pytest.raises(ValueError, match="character 'e' .* is not in the vocabulary '.abc'"):
        Vocab("abc").encode("abe")


def test_bad_encode_decode_arguments():
    vocab = Vocab()
    with pytest.raises(TypeError, match="text must be a str, got list"):
        vocab.encode(["e", "m"])
    with pytest.raises(ValueError, match="index 27 is outside the vocabulary"):
        vocab.decode([1, 27])
    with pytest.raises(ValueError, match="index -1"):
        vocab.decode(torch.tensor([-1]))
    with pytest.raises(TypeError, match="integer dtype, got torch.float32"):
        vocab.decode(torch.tensor([1.0]))
    with pytest.raises(ValueError, match="ids must have 1 dimension"):
        vocab.decode(torch.tensor([[1]]))
    with pytest.raises(TypeError, match="ids must hold ints, got 1.0"):
        vocab.decode([1.0])
    with pytest.raises(TypeError, match="got str"):
        vocab.decode("abc")


def test_bad_vocab_characters():
    with pytest.raises(ValueError, match="single characters, got 'ab'"):
        Vocab(["ab"])
    with pytest.raises(ValueError, match="boundary token"):
        Vocab("a.b")
    with pytest.raises(TypeError, match="chars must be a string"):
        Vocab(3)


# ---------------------------------------------------------------- training tensors


def test_make_examples_bigram_and_context():
    vocab = Vocab()
    X, Y = make_examples(["emma"], vocab, context=1)
    assert X.squeeze(1).tolist() == [0, 5, 13, 13, 1] and Y.tolist() == [5, 13, 13, 1, 0]
    X, Y = make_examples(["emma", "bo"], vocab, context=3)
    assert X.shape == (8, 3) and Y.shape == (8,) and X.dtype == Y.dtype == torch.int64
    assert X[4].tolist() == [13, 13, 1] and Y[4] == 0
    assert X[5].tolist() == [0, 0, 0] and Y[5] == 2


def test_make_examples_counts_every_character_and_the_end():
    names = names_split("test")
    X, Y = make_examples(names, Vocab(), context=2)
    assert len(Y) == sum(len(n) + 1 for n in names)
    assert (Y == 0).sum() == len(names)


def test_pad_batch_shapes_and_shift():
    names = ["emma", "bo", "olivia"]
    inputs, targets, mask = pad_batch(names, Vocab())
    assert inputs.shape == targets.shape == mask.shape == (3, 7)
    assert mask.dtype == torch.bool and mask.sum(1).tolist() == [5, 3, 7]
    assert torch.equal(inputs[:, 1:][mask[:, :-1]], targets[:, :-1][mask[:, :-1]])
    assert (inputs[:, 0] == 0).all()
    assert (targets[~mask] == IGNORE_INDEX).all() and (inputs[~mask] == 0).all()


def test_pad_batch_loss_equals_make_examples_loss():
    """The padded RNN loss and the fixed-context loss count the same characters."""
    names = ["emma", "bo", "olivia"]
    vocab = Vocab()
    inputs, targets, mask = pad_batch(names, vocab)
    table = torch.randn(vocab.size, vocab.size, generator=torch.Generator().manual_seed(0))
    loss_padded = F.cross_entropy(table[inputs].transpose(1, 2), targets)
    X, Y = make_examples(names, vocab, context=1)
    loss_bigram = F.cross_entropy(table[X[:, 0]], Y)
    torch.testing.assert_close(loss_padded, loss_bigram)
    per_char = F.cross_entropy(table[inputs].transpose(1, 2), targets.clamp(min=0), reduction="none")
    torch.testing.assert_close((per_char * mask).sum() / mask.sum(), loss_bigram)


@pytest.mark.parametrize("fn", [make_examples, pad_batch])
def test_bad_names_and_vocab(fn):
    args = (1,) if fn is make_examples else ()
    vocab = Vocab()
    with pytest.raises(TypeError, match="names must be a list of strings, got str"):
        fn("emma", vocab, *args)
    with pytest.raises(ValueError, match="at least one name"):
        fn([], vocab, *args)
    with pytest.raises(ValueError, match="non-empty .* got ''"):
        fn(["emma", ""], vocab, *args)
    with pytest.raises(ValueError, match="boundary token"):
        fn(["em.ma"], vocab, *args)
    with pytest.raises(TypeError, match="names must hold strings, got 3"):
        fn(["emma", 3], vocab, *args)
    with pytest.raises(TypeError, match="vocab must be a labkit.text.Vocab, got dict"):
        fn(["emma"], {"e": 1}, *args)
    with pytest.raises(ValueError, match="character 'é'"):
        fn(["josé"], vocab, *args)


def test_bad_context():
    with pytest.raises(ValueError, match="context must be a positive integer, got 0"):
        make_examples(["emma"], Vocab(), 0)
