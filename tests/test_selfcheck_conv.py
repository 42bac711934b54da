"""Self-checks of tutorial 13: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ------------------------------------------------------------ convolution


def _pad(X, p):
    return F.pad(X, (p, p, p, p))


def loops_true_convolution(X, W, b, stride, padding):
    Xp = _pad(X, padding)
    N, C_out, kH, kW = X.shape[0], W.shape[0], W.shape[2], W.shape[3]
    H_out = (Xp.shape[2] - kH) // stride + 1
    W_out = (Xp.shape[3] - kW) // stride + 1
    out = X.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    win = Xp[n, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
                    out[n, o, i, j] = (win * torch.flip(W[o], (1, 2))).sum() + b[o]
    return out


def loops_no_padding(X, W, b, stride, padding):
    N, C_out, kH, kW = X.shape[0], W.shape[0], W.shape[2], W.shape[3]
    H_out = (X.shape[2] - kH) // stride + 1
    W_out = (X.shape[3] - kW) // stride + 1
    out = torch.zeros(N, C_out, H_out, W_out, dtype=X.dtype)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    win = X[n, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
                    out[n, o, i, j] = (win * W[o]).sum() + b[o]
    return out


def loops_window_at_i(X, W, b, stride, padding):
    Xp = _pad(X, padding)
    N, C_out, kH, kW = X.shape[0], W.shape[0], W.shape[2], W.shape[3]
    H_out = (Xp.shape[2] - kH) // stride + 1
    W_out = (Xp.shape[3] - kW) // stride + 1
    out = X.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, o, i, j] = (Xp[n, :, i:i + kH, j:j + kW] * W[o]).sum() + b[o]
    return out


def loops_no_bias(X, W, b, stride, padding):
    return F.conv2d(X, W, stride=stride, padding=padding)


def loops_transposed_kernel(X, W, b, stride, padding):
    return F.conv2d(X, W.permute(0, 1, 3, 2), b, stride=stride, padding=padding)


def im2col_channels_last(X, W, b, stride, padding):
    N, C_out = X.shape[0], W.shape[0]
    cols = F.unfold(X, W.shape[2:], padding=padding, stride=stride)
    H_out = (X.shape[2] + 2 * padding - W.shape[2]) // stride + 1
    out = W.permute(0, 2, 3, 1).reshape(C_out, -1) @ cols + b[:, None]
    return out.reshape(N, C_out, H_out, -1)


def im2col_no_padding(X, W, b, stride, padding):
    N, C_out = X.shape[0], W.shape[0]
    cols = F.unfold(X, W.shape[2:], stride=stride)
    H_out = (X.shape[2] - W.shape[2]) // stride + 1
    out = W.reshape(C_out, -1) @ cols + b[:, None]
    return out.view(N, C_out, H_out, -1)


def im2col_flipped(X, W, b, stride, padding):
    N, C_out = X.shape[0], W.shape[0]
    cols = F.unfold(X, W.shape[2:], padding=padding, stride=stride)
    H_out = (X.shape[2] + 2 * padding - W.shape[2]) // stride + 1
    out = torch.flip(W, dims=(-1, -2)).reshape(C_out, -1) @ cols + b.view(1, -1, 1)
    return out.view(N, C_out, H_out, -1)


def im2col_stride_1(X, W, b, stride, padding):
    N, C_out = X.shape[0], W.shape[0]
    cols = F.unfold(X, W.shape[2:], padding=padding)
    H_out = X.shape[2] + 2 * padding - W.shape[2] + 1
    out = W.reshape(C_out, -1) @ cols + b.view(1, -1, 1)
    return out.view(N, C_out, H_out, -1)


# ------------------------------------------------------------ output size


def size_without_plus_one(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride


def size_padding_once(size, kernel, stride, padding):
    return int((size + padding - kernel) / stride) + 1


def size_ceil(size, kernel, stride, padding):
    import math

    return math.ceil((size + 2 * padding - kernel) / stride) + 1


def size_ignores_padding(size, kernel, stride, padding):
    return (size - kernel) // stride + 1


# ------------------------------------------------------------ backward


def input_grad_no_flip(dout, W, padding):
    kH, kW = W.shape[2:]
    full = F.conv2d(F.pad(dout, (kW - 1, kW - 1, kH - 1, kH - 1)), W.transpose(0, 1))
    H, Wd = full.shape[2] - 2 * padding, full.shape[3] - 2 * padding
    return full[:, :, padding:padding + H, padding:padding + Wd]


def input_grad_flip_rows_only(dout, W, padding):
    kH, kW = W.shape[2:]
    K = torch.flip(W, (2,)).permute(1, 0, 2, 3)
    full = F.conv2d(F.pad(dout, (kW - 1, kW - 1, kH - 1, kH - 1)), K)
    return full[..., padding:full.shape[2] - padding, padding:full.shape[3] - padding]


def input_grad_channels_not_swapped(dout, W, padding):
    kH, kW = W.shape[2:]
    full = F.conv2d(dout, W.flip(2, 3), padding=(kH - 1, kW - 1))
    return full[..., padding:full.shape[2] - padding, padding:full.shape[3] - padding]


def input_grad_not_cropped(dout, W, padding):
    kH, kW = W.shape[2:]
    return F.conv2d(dout, W.flip(2, 3).transpose(0, 1), padding=(kH - 1, kW - 1))


def _cols(X, kernel_size, stride, padding):
    return F.unfold(X, kernel_size, padding=padding, stride=stride)  # (N, C_in*kH*kW, L)


def weight_grad_mean(dout, X, kernel_size, stride, padding):
    N, C_out = dout.shape[:2]
    cols = _cols(X, kernel_size, stride, padding)
    dW = (dout.reshape(N, C_out, -1) @ cols.transpose(1, 2)).mean(0)
    return dW.reshape(C_out, X.shape[1], *kernel_size), dout.sum((0, 2, 3))


def weight_grad_convolved(dout, X, kernel_size, stride, padding):
    N, C_out = dout.shape[:2]
    cols = _cols(X, kernel_size, stride, padding)
    dW = torch.einsum("nol,nkl->ok", dout.flatten(2), cols)
    dW = dW.reshape(C_out, X.shape[1], *kernel_size)
    return torch.flip(dW, (2, 3)), dout.sum((0, 2, 3))


def weight_grad_transposed(dout, X, kernel_size, stride, padding):
    N, C_out = dout.shape[:2]
    cols = _cols(X, kernel_size, stride, padding)
    dW = (cols @ dout.reshape(N, C_out, -1).transpose(1, 2)).sum(0)  # (C_in*kH*kW, C_out)
    return dW.reshape(C_out, X.shape[1], *kernel_size), dout.sum((0, 2, 3))


def weight_grad_db_per_row(dout, X, kernel_size, stride, padding):
    N, C_out = dout.shape[:2]
    cols = _cols(X, kernel_size, stride, padding)
    dW = torch.einsum("nol,nkl->ok", dout.flatten(2), cols)
    return dW.reshape(C_out, X.shape[1], *kernel_size), dout.sum(0).sum(1)[:, 0]


# ------------------------------------------------------------ max pooling


def pool_mean(X, kernel):
    N, C, H, W = X.shape
    cols = F.unfold(X.reshape(N * C, 1, H, W), kernel, stride=kernel)
    return cols.mean(1).reshape(N, C, H // kernel, W // kernel)


def pool_min(X, kernel):
    N, C, H, W = X.shape
    cols = F.unfold(X.reshape(N * C, 1, H, W), kernel, stride=kernel)
    return cols.min(1).values.reshape(N, C, H // kernel, W // kernel)


def pool_overlapping(X, kernel):
    N, C, H, W = X.shape
    cols = F.unfold(X.reshape(N * C, 1, H, W), kernel)
    return cols.max(1).values.reshape(N, C, H - kernel + 1, W - kernel + 1)


def _upsample(t, kernel, like):
    up = t.repeat_interleave(kernel, dim=2).repeat_interleave(kernel, dim=3)
    out = torch.zeros_like(like)
    out[:, :, :up.shape[2], :up.shape[3]] = up
    return out


def pool_backward_everywhere(dout, X, kernel):
    return _upsample(dout, kernel, X)


def pool_backward_average(dout, X, kernel):
    return _upsample(dout / (kernel * kernel), kernel, X)


def pool_backward_equality_mask(dout, X, kernel):
    out = F.max_pool2d(X, kernel)
    mask = (X == _upsample(out, kernel, X)) & (_upsample(torch.ones_like(out), kernel, X) > 0)
    return _upsample(dout, kernel, X) * mask


def pool_backward_last_of_ties(dout, X, kernel):
    N, C, H, W = X.shape
    cols = F.unfold(X.reshape(N * C, 1, H, W), kernel, stride=kernel)  # (N*C, k*k, L)
    last = kernel * kernel - 1 - cols.flip(1).argmax(1)  # the last maximal position
    dcols = torch.zeros_like(cols)
    dcols.scatter_(1, last.unsqueeze(1), dout.reshape(N * C, 1, -1))
    return F.fold(dcols, (H, W), kernel, stride=kernel).reshape(X.shape)


# ------------------------------------------------------------ shifts


def shift_roll(X, dy, dx, fill):
    return X.roll(shifts=(dy, dx), dims=(2, 3))


def shift_wrong_way(X, dy, dx, fill):
    out = torch.full_like(X, fill)
    H, W = X.shape[-2:]
    src = X[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)]
    out[..., max(-dy, 0):H + min(-dy, 0), max(-dx, 0):W + min(-dx, 0)] = src
    return out


def shift_axes_swapped(X, dy, dx, fill):
    out = torch.full_like(X, fill)
    H, W = X.shape[-2:]
    src = X[..., max(-dx, 0):H - max(dx, 0), max(-dy, 0):W - max(dy, 0)]
    out[..., max(dx, 0):H - max(-dx, 0), max(dy, 0):W - max(-dy, 0)] = src
    return out


def shift_zero_fill(X, dy, dx, fill):
    out = torch.zeros_like(X)
    H, W = X.shape[-2:]
    src = X[..., max(-dy, 0):H - max(dy, 0), max(-dx, 0):W - max(dx, 0)]
    out[..., max(dy, 0):H - max(-dy, 0), max(dx, 0):W - max(-dx, 0)] = src
    return out


# ------------------------------------------------------------ receptive field


def field_no_strides(layers):
    return 1 + sum(k for k, _ in layers) - len(layers)


def field_own_stride(layers):
    r = 1
    for k, s in layers:
        r = r + (k - 1) * s
    return r


def field_product(layers):
    r = 1
    for k, s in layers:
        r = r * k
    return r


def field_from_zero(layers):
    r, jump = 0, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("conv2d_loops", loops_true_convolution, "true convolution"),
        ("conv2d_loops", loops_no_padding, "padding is missing"),
        ("conv2d_loops", loops_window_at_i, "(i·stride, j·stride)"),
        ("conv2d_loops", loops_no_bias, "bias is missing"),
        ("conv2d_loops", loops_transposed_kernel, "kernel is transposed"),
        ("conv2d_im2col", im2col_channels_last, "flattened in the wrong order"),
        ("conv2d_im2col", im2col_no_padding, "padding is missing"),
        ("conv2d_im2col", im2col_flipped, "true convolution"),
        ("conv2d_im2col", im2col_stride_1, "stride is ignored"),
        ("conv_output_size", size_without_plus_one, "+ 1 is missing"),
        ("conv_output_size", size_padding_once, "size + 2p, not size + p"),
        ("conv_output_size", size_ceil, "rounds up"),
        ("conv_output_size", size_ignores_padding, "padding is missing"),
        ("conv2d_input_grad", input_grad_no_flip, "kernel is not flipped"),
        ("conv2d_input_grad", input_grad_flip_rows_only, "one axis only"),
        ("conv2d_input_grad", input_grad_channels_not_swapped, "channel axes are not swapped"),
        ("conv2d_input_grad", input_grad_not_cropped, "crop `padding` pixels"),
        ("conv2d_weight_grad", weight_grad_mean, "averaged over the batch"),
        ("conv2d_weight_grad", weight_grad_convolved, "dW is flipped"),
        ("conv2d_weight_grad", weight_grad_transposed, "dW is transposed"),
        ("conv2d_weight_grad", weight_grad_db_per_row, "every output pixel"),
        ("maxpool2d", pool_mean, "average pooling"),
        ("maxpool2d", pool_min, "smallest value"),
        ("maxpool2d", pool_overlapping, "windows overlap"),
        ("maxpool2d_backward", pool_backward_everywhere, "every pixel of the window"),
        ("maxpool2d_backward", pool_backward_average, "average pooling's gradient"),
        ("maxpool2d_backward", pool_backward_equality_mask, "every maximal pixel"),
        ("maxpool2d_backward", pool_backward_last_of_ties, "last maximal pixel"),
        ("conv_num_parameters", lambda C_in, C_out, k: C_in * C_out * k**2, "biases are missing"),
        ("conv_num_parameters", lambda C_in, C_out, k: C_out * C_in * k * k + C_out * C_in,
         "one bias per output channel"),
        ("conv_num_parameters", lambda C_in, C_out, k: C_out * C_in * k + C_out, "k² weights"),
        ("shift_images", shift_roll, "wraps around"),
        ("shift_images", shift_wrong_way, "wrong way"),
        ("shift_images", shift_axes_swapped, "axes are swapped"),
        ("shift_images", shift_zero_fill, "uncovered pixels are 0"),
        ("receptive_field", field_no_strides, "strides are ignored"),
        ("receptive_field", field_own_stride, "own stride"),
        ("receptive_field", field_product, "kernels multiply"),
        ("receptive_field", field_from_zero, "off by one"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_references_equal_autograd_of_torch():
    """The references of the gradient exercises are autograd's gradients of F.conv2d / F.max_pool2d."""
    exercises = selfcheck.exercises()
    gen = torch.Generator().manual_seed(0)
    for dout, W, padding in exercises["conv2d_input_grad"].cases(gen):
        shape = (dout.shape[0], W.shape[1], dout.shape[2] + W.shape[2] - 1 - 2 * padding,
                 dout.shape[3] + W.shape[3] - 1 - 2 * padding)
        X = torch.randn(shape, dtype=W.dtype, requires_grad=True)
        F.conv2d(X, W, padding=padding).backward(dout)
        torch.testing.assert_close(exercises["conv2d_input_grad"].reference(dout, W, padding), X.grad)
    for dout, X, kernel_size, stride, padding in exercises["conv2d_weight_grad"].cases(gen):
        W = torch.randn(dout.shape[1], X.shape[1], *kernel_size, dtype=X.dtype, requires_grad=True)
        b = torch.zeros(dout.shape[1], dtype=X.dtype, requires_grad=True)
        F.conv2d(X, W, b, stride=stride, padding=padding).backward(dout)
        dW, db = exercises["conv2d_weight_grad"].reference(dout, X, kernel_size, stride, padding)
        torch.testing.assert_close(dW, W.grad)
        torch.testing.assert_close(db, b.grad)
    for dout, X, kernel in exercises["maxpool2d_backward"].cases(gen):
        X = X.clone().requires_grad_()
        F.max_pool2d(X, kernel).backward(dout)
        torch.testing.assert_close(exercises["maxpool2d_backward"].reference(dout, X.detach(), kernel), X.grad)
    for X, dy, dx, fill in exercises["shift_images"].cases(gen):
        shifted = exercises["shift_images"].reference(X, dy, dx, fill)
        H, W = X.shape[-2:]
        kept = shifted[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)]
        torch.testing.assert_close(kept, X[..., max(-dy, 0):H - max(dy, 0), max(-dx, 0):W - max(dx, 0)])
        assert (shifted == fill).sum() >= (abs(dy) * W + abs(dx) * H - abs(dx * dy)) * X.shape[0] * X.shape[1]
