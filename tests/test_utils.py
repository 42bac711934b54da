"""Tests for labkit.utils: seeding, device choice and description, the torch thread count."""

from __future__ import annotations

import os
import platform
import random
import re

import pytest
import torch

from labkit.utils import describe_device, get_device, seed_everything, torch_threads

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


@pytest.fixture(autouse=True)
def _keep_thread_count():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


# ------------------------------------------------------------------ seeding


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_seed_everything_makes_torch_and_python_reproducible(seed) -> None:
    seed_everything(seed)
    first = torch.rand(5), torch.randn(2, 3), random.random()
    seed_everything(seed)
    again = torch.rand(5), torch.randn(2, 3), random.random()
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert first[2] == again[2]
    seed_everything(seed + 1)
    assert not torch.equal(first[0], torch.rand(5))


def test_seed_everything_returns_its_own_seeded_generator() -> None:
    g = seed_everything(7)
    assert isinstance(g, torch.Generator) and g.initial_seed() == 7
    state = torch.get_rng_state()
    drawn = torch.rand(4, generator=g)
    assert torch.equal(drawn, torch.rand(4, generator=torch.Generator().manual_seed(7)))
    # its stream is separate: drawing from it leaves the global generator where it was
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0", None])
def test_seed_everything_rejects_bad_seeds(seed) -> None:
    with pytest.raises(ValueError, match=re.escape(f"seed must be a non-negative integer, got {seed!r}")):
        seed_everything(seed)


# ------------------------------------------------------------------- device


def test_get_device_cpu(monkeypatch) -> None:
    monkeypatch.setenv("LABKIT_DEVICE", "cuda")  # an explicit choice wins over the environment
    assert get_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("prefer", ["gpu", "CPU", "cuda:0", "mps", ""])
def test_get_device_rejects_other_strings(prefer, monkeypatch) -> None:
    monkeypatch.delenv("LABKIT_DEVICE", raising=False)
    with pytest.raises(ValueError, match=re.escape(f"device must be 'cpu' or 'cuda', got {prefer!r}")):
        get_device(prefer)


def test_get_device_reads_labkit_device(monkeypatch) -> None:
    monkeypatch.setenv("LABKIT_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    monkeypatch.setenv("LABKIT_DEVICE", "tpu")
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda', got 'tpu'"):
        get_device()


@pytest.mark.parametrize("available", [True, False])
def test_get_device_chooses_cuda_when_available(available, monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    expected = torch.device("cuda" if available else "cpu")
    monkeypatch.delenv("LABKIT_DEVICE", raising=False)
    assert get_device() == expected
    monkeypatch.setenv("LABKIT_DEVICE", "")  # set but empty: the automatic choice
    assert get_device() == expected


@no_cuda
def test_get_device_cuda_without_cuda_raises(monkeypatch) -> None:
    monkeypatch.delenv("LABKIT_DEVICE", raising=False)
    with pytest.raises(RuntimeError, match="device 'cuda' was requested but torch.cuda.is_available"):
        get_device("cuda")
    monkeypatch.setenv("LABKIT_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="device 'cuda' was requested"):
        get_device()


def test_describe_device_cpu(monkeypatch) -> None:
    expected = f"cpu ({platform.machine()}, {torch.get_num_threads()} torch threads)"
    assert describe_device(torch.device("cpu")) == expected
    assert describe_device("cpu") == expected
    monkeypatch.setenv("LABKIT_DEVICE", "cpu")
    assert describe_device() == expected
    with torch_threads(1):
        assert describe_device("cpu").endswith(", 1 torch threads)")


@pytest.mark.parametrize(("device", "error"), [("tpu", ValueError), (0, TypeError), (torch.float32, TypeError)])
def test_describe_device_rejects_other_values(device, error) -> None:
    with pytest.raises(error, match="device must be a torch.device, 'cpu', 'cuda' or None, got"):
        describe_device(device)


@no_cuda
def test_describe_device_of_a_cuda_device_without_cuda_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="torch.cuda.is_available"):
        describe_device(torch.device("cuda"))


@no_cuda
def test_describe_device_cuda_without_cuda_raises() -> None:
    with pytest.raises(RuntimeError, match="device 'cuda' was requested"):
        describe_device("cuda")


# ------------------------------------------------------------------ threads


@pytest.mark.parametrize("start", [1, 2])
def test_torch_threads_sets_and_restores(start) -> None:
    torch.set_num_threads(start)
    with torch_threads(1) as n:
        assert n == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == start


def test_torch_threads_restores_after_an_error() -> None:
    torch.set_num_threads(2)
    with pytest.raises(KeyError), torch_threads(1):
        raise KeyError("inside the block")
    assert torch.get_num_threads() == 2


def test_torch_threads_is_capped_at_the_cpu_count() -> None:
    cores = os.cpu_count()
    with torch_threads(10**6) as n:
        assert n == cores == torch.get_num_threads()


@pytest.mark.parametrize("n", [0, True, -1, 1.5, "2", None])
def test_torch_threads_rejects_non_positive_integers(n) -> None:
    before = torch.get_num_threads()
    with pytest.raises(ValueError, match=re.escape(f"n must be a positive integer, got {n!r}")):
        with torch_threads(n):
            pass
    assert torch.get_num_threads() == before
