"""Tests for labkit.conv: convolutions and max pooling against torch, backward passes by gradcheck."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd import gradcheck

from labkit import conv
from tests.handwritten import autograd_function

# (N, C_in, H, W, C_out, kH, kW, stride, padding): square and non-square, strides
# that do and do not tile the input, kernels as large as the padded input.
CONV_CASES = [
    (1, 1, 5, 5, 1, 3, 3, 1, 0),
    (2, 3, 7, 6, 4, 3, 2, 2, 1),
    (3, 2, 8, 8, 5, 5, 5, 3, 2),
    (2, 4, 6, 9, 3, 1, 3, 1, 0),
    (1, 2, 4, 4, 2, 6, 6, 1, 1),
    (2, 1, 11, 7, 3, 4, 3, 2, 0),
]
POOL_CASES = [  # (N, C, H, W, kernel, stride)
    (1, 1, 4, 4, 2, None),
    (2, 3, 7, 6, 2, None),
    (2, 2, 9, 8, 3, 2),
    (1, 3, 5, 5, 3, 1),
    (3, 1, 6, 7, 2, 3),
]


def _randn(*shape: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _conv_tensors(case, dtype=torch.float64):
    N, C_in, H, W, C_out, kH, kW, _, _ = case
    X = _randn(N, C_in, H, W, seed=1, dtype=dtype)
    # scaled like torch's default initialisation, so that outputs are O(1) and a
    # float32 comparison at 1e-6 measures the algorithm, not the outputs' size
    Wt = _randn(C_out, C_in, kH, kW, seed=2, dtype=dtype) / (C_in * kH * kW) ** 0.5
    b = _randn(C_out, seed=3, dtype=dtype)
    return X, Wt, b


def _distinct(*shape: int, seed: int) -> torch.Tensor:
    """Values at least 0.1 apart, so that no max-pooling window has a tie."""
    numel = torch.Size(shape).numel()
    perm = torch.randperm(numel, generator=torch.Generator().manual_seed(seed))
    return (0.1 * perm - 0.05 * numel).to(torch.float64).reshape(shape)


# gradcheck differentiates each forward with its hand-written backward; the
# trailing stride/padding (kernel/stride) are constants
_conv = autograd_function(conv.conv2d_forward, conv.conv2d_backward, num_constants=2)
_maxpool = autograd_function(conv.maxpool2d_forward, conv.maxpool2d_backward, num_constants=2)


# --------------------------------------------------------------- output size


@pytest.mark.parametrize("size, kernel, stride, padding, dilation", [
    (28, 5, 1, 0, 1), (28, 3, 2, 1, 1), (7, 3, 2, 0, 1), (10, 3, 3, 1, 2), (5, 5, 1, 0, 1),
])
def test_conv_output_size_matches_torch(size, kernel, stride, padding, dilation) -> None:
    out = F.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, kernel, kernel),
                   stride=stride, padding=padding, dilation=dilation)
    assert conv.conv_output_size(size, kernel, stride, padding, dilation) == out.shape[-1]


def test_conv_output_size_errors() -> None:
    with pytest.raises(ValueError, match="padded input has only 4.*output would be empty"):
        conv.conv_output_size(2, 5, padding=1)
    with pytest.raises(ValueError, match=r"23/2 is not an integer"):
        conv.conv_output_size(28, 5, stride=2, exact=True)
    assert conv.conv_output_size(28, 5, stride=2) == 12
    assert conv.conv_output_size(28, 4, stride=2, exact=True) == 13
    with pytest.raises(ValueError, match="stride must be a positive integer, got 0"):
        conv.conv_output_size(28, 5, stride=0)
    with pytest.raises(ValueError, match="padding must be an integer >= 0, got -1"):
        conv.conv_output_size(28, 5, padding=-1)
    with pytest.raises(ValueError, match="kernel must be a positive integer, got 2.5"):
        conv.conv_output_size(28, 2.5)


# ------------------------------------------------------- forward against torch


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_conv2d_forward_matches_torch(case, dtype) -> None:
    stride, padding = case[7], case[8]
    X, W, b = _conv_tensors(case, dtype)
    expected = F.conv2d(X, W, b, stride=stride, padding=padding)
    out, _ = conv.conv2d_forward(X, W, b, stride, padding)
    torch.testing.assert_close(out, expected, atol=1e-6 if dtype == torch.float32 else 1e-12, rtol=0)
    loops = conv.conv2d_loops(X, W, b, stride, padding)
    torch.testing.assert_close(loops, expected, atol=1e-6 if dtype == torch.float32 else 1e-12, rtol=0)


def test_conv2d_loops_without_bias() -> None:
    X, W, _ = _conv_tensors(CONV_CASES[1])
    torch.testing.assert_close(conv.conv2d_loops(X, W, None, 2, 1), F.conv2d(X, W, stride=2, padding=1))


@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool2d_forward_matches_torch(case) -> None:
    N, C, H, W, kernel, stride = case
    X = _randn(N, C, H, W, seed=4, dtype=torch.float32)
    out, _ = conv.maxpool2d_forward(X, kernel, stride)
    torch.testing.assert_close(out, F.max_pool2d(X, kernel, stride), atol=0, rtol=0)


# ------------------------------------------------------------------ gradcheck


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_backward_gradcheck(case) -> None:
    stride, padding = case[7], case[8]
    X, W, b = (t.requires_grad_() for t in _conv_tensors(case))
    assert gradcheck(_conv, (X, W, b, stride, padding))


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_backward_matches_autograd(case) -> None:
    stride, padding = case[7], case[8]
    X, W, b = (t.requires_grad_() for t in _conv_tensors(case))
    out = F.conv2d(X, W, b, stride=stride, padding=padding)
    dout = _randn(*out.shape, seed=5)
    out.backward(dout)
    _, cache = conv.conv2d_forward(X.detach(), W.detach(), b.detach(), stride, padding)
    for manual, param in zip(conv.conv2d_backward(dout, cache), (X, W, b)):
        torch.testing.assert_close(manual, param.grad)


@pytest.mark.parametrize("case", CONV_CASES)
def test_input_grad_as_full_convolution_with_flipped_kernel(case) -> None:
    stride, padding = case[7], case[8]
    X, W, b = _conv_tensors(case)
    out, cache = conv.conv2d_forward(X, W, b, stride, padding)
    dout = _randn(*out.shape, seed=6)
    dX, _, _ = conv.conv2d_backward(dout, cache)
    flipped = conv.conv2d_input_grad_flipped(dout, W, stride, padding, X.shape)
    torch.testing.assert_close(flipped, dX)


def test_input_grad_flipped_stride_1_is_conv_transpose() -> None:
    X, W, b = _conv_tensors(CONV_CASES[0])
    dout = _randn(1, 1, 3, 3, seed=7)
    torch.testing.assert_close(
        conv.conv2d_input_grad_flipped(dout, W, 1, 0, X.shape), F.conv_transpose2d(dout, W)
    )


@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool2d_backward_gradcheck(case) -> None:
    N, C, H, W, kernel, stride = case
    X = _distinct(N, C, H, W, seed=8).requires_grad_()
    assert gradcheck(_maxpool, (X, kernel, stride))


@pytest.mark.parametrize("case", POOL_CASES)
def test_maxpool2d_ties_routed_like_torch(case) -> None:
    """With many ties (small integers), the gradient goes to the same pixel as in torch."""
    N, C, H, W, kernel, stride = case
    X = torch.randint(0, 3, (N, C, H, W), generator=torch.Generator().manual_seed(9)).double()
    X.requires_grad_()
    out = F.max_pool2d(X, kernel, stride)
    dout = _randn(*out.shape, seed=10)
    out.backward(dout)
    _, cache = conv.maxpool2d_forward(X.detach(), kernel, stride)
    # a pixel that wins several overlapping windows sums their gradients in another order
    torch.testing.assert_close(conv.maxpool2d_backward(dout, cache), X.grad, atol=1e-12, rtol=0)


# ----------------------------------------------------------- receptive field


def test_receptive_field_formula() -> None:
    assert conv.receptive_field([]) == 1
    assert conv.receptive_field([(3, 1)] * 3) == 7
    assert conv.receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == 16
    assert conv.receptive_field([(3, 2), (3, 2)]) == 7


@pytest.mark.parametrize("layers", [
    [(3, 1), (3, 1)],
    [(5, 1), (2, 2), (5, 1), (2, 2)],
    [(3, 2), (3, 1), (2, 2), (3, 1)],
])
def test_receptive_field_matches_gradient_support(layers) -> None:
    """The input pixels with a nonzero gradient of one output pixel form an r × r square."""
    r = conv.receptive_field(layers)
    size = 2 * r + 3
    X = torch.rand(1, 1, size, size, dtype=torch.float64, generator=torch.Generator().manual_seed(11))
    X.requires_grad_()
    h = X
    generator = torch.Generator().manual_seed(12)
    for kernel, stride in layers:
        # positive weights: no cancellation can hide a pixel the output depends on
        W = torch.rand(1, 1, kernel, kernel, dtype=torch.float64, generator=generator) + 0.5
        h = F.conv2d(h, W, stride=stride)
    i, j = h.shape[2] // 2, h.shape[3] // 2
    h[0, 0, i, j].backward()
    rows, cols = (X.grad[0, 0] != 0).nonzero(as_tuple=True)
    assert rows.max() - rows.min() + 1 == r
    assert cols.max() - cols.min() + 1 == r
    assert (X.grad[0, 0] != 0).sum() == r * r


def test_receptive_field_errors() -> None:
    with pytest.raises(TypeError, match="sequence of \\(kernel, stride\\) pairs"):
        conv.receptive_field(3)
    with pytest.raises(TypeError, match=r"layers\[1\] must be a \(kernel, stride\) pair"):
        conv.receptive_field([(3, 1), 3])
    with pytest.raises(ValueError, match=r"layers\[0\] stride must be a positive integer, got 0"):
        conv.receptive_field([(3, 0)])


# ---------------------------------------------------------------- bad inputs


def test_conv2d_errors() -> None:
    X, W, b = _conv_tensors(CONV_CASES[1])
    with pytest.raises(ValueError, match=r"X must have 4 dimension\(s\), got 3"):
        conv.conv2d_forward(X[0], W, b)
    with pytest.raises(ValueError, match="W has 3 input channels .* but X has 2 channels"):
        conv.conv2d_forward(X[:, :2], W, b)
    with pytest.raises(ValueError, match=r"b must have shape \(4,\), got \(3,\)"):
        conv.conv2d_forward(X, W, b[:3])
    with pytest.raises(TypeError, match="W must have dtype torch.float64, got torch.float32"):
        conv.conv2d_forward(X, W.float(), b)
    with pytest.raises(TypeError, match="b must have dtype torch.float64, got torch.float32"):
        conv.conv2d_loops(X, W, b.float())
    with pytest.raises(TypeError, match="X must have a floating-point dtype"):
        conv.conv2d_forward(X.long(), W, b)
    with pytest.raises(ValueError, match="along the width: the kernel covers 9 pixels .* has only 8"):
        conv.conv2d_forward(X, _randn(4, 3, 3, 9, seed=0), b, padding=1)
    with pytest.raises(ValueError, match="stride must be a positive integer, got 0"):
        conv.conv2d_forward(X, W, b, stride=0)
    with pytest.raises(ValueError, match="padding must be an integer >= 0, got -1"):
        conv.conv2d_loops(X, W, b, padding=-1)
    out, cache = conv.conv2d_forward(X, W, b)
    with pytest.raises(ValueError, match="dout must have shape"):
        conv.conv2d_backward(out[:, :, 1:], cache)
    with pytest.raises(TypeError, match="dout must have dtype torch.float64"):
        conv.conv2d_backward(out.float(), cache)
    with pytest.raises(ValueError, match="input_shape must be"):
        conv.conv2d_input_grad_flipped(out, W, 1, 0, X.shape[1:])


def test_maxpool2d_errors() -> None:
    X = _randn(2, 3, 4, 4, seed=0)
    with pytest.raises(ValueError, match=r"X must have 4 dimension\(s\), got 2"):
        conv.maxpool2d_forward(X[0, 0])
    with pytest.raises(ValueError, match="along the height: the kernel covers 5 pixels"):
        conv.maxpool2d_forward(X, 5)
    with pytest.raises(ValueError, match="kernel must be a positive integer, got 0"):
        conv.maxpool2d_forward(X, 0)
    out, cache = conv.maxpool2d_forward(X)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 2, 2\)"):
        conv.maxpool2d_backward(out[:1], cache)
