"""Self-checks of tutorial 13, "Convolutional networks": convolution, its gradients, pooling.

The references are [`labkit.conv`][labkit.conv]'s functions. Inputs are small, never
symmetric where a flip or a transpose could hide (non-square kernels, C_in ≠
C_out except where a swapped channel axis must show), and the loop version is
checked in float64. The max-pooling inputs include ties, where the gradient
goes to the first maximal pixel of the window, as in torch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from labkit import conv
from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "13-cnn"

_F64 = torch.float64


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=dtype)


def _kernel(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Kernels scaled like torch's initialisation, so that outputs are O(1)."""
    fan_in = shape[1] * shape[2] * shape[3]
    return _randn(gen, *shape, dtype=dtype) / fan_in**0.5


# ---------------------------------------------------------------- forward


def _conv_cases(gen: torch.Generator, dtype: torch.dtype) -> list[tuple]:
    return [
        (_randn(gen, 1, 1, 4, 4, dtype=dtype), _kernel(gen, 1, 1, 2, 2, dtype=dtype),
         _randn(gen, 1, dtype=dtype), 1, 0),
        (_randn(gen, 2, 2, 5, 6, dtype=dtype), _kernel(gen, 3, 2, 3, 2, dtype=dtype),
         _randn(gen, 3, dtype=dtype), 2, 1),
        (_randn(gen, 1, 3, 7, 5, dtype=dtype), _kernel(gen, 2, 3, 3, 3, dtype=dtype),
         _randn(gen, 2, dtype=dtype), 1, 2),
    ]


def _conv(X, W, b, stride, padding):
    return F.conv2d(X, W, b, stride=stride, padding=padding)


def _strided_windows_wrong(X, W, b, stride, padding):
    """Windows that start at i + u instead of i·s + u: the stride-1 output, cut to size."""
    H_out = conv.conv_output_size(X.shape[2], W.shape[2], stride, padding)
    W_out = conv.conv_output_size(X.shape[3], W.shape[3], stride, padding)
    return _conv(X, W, b, 1, padding)[:, :, :H_out, :W_out]


_FLIPPED = Mistake(
    "this is a true convolution: the kernel is flipped (W[o, c, kH−1−u, kW−1−v]). A convolutional "
    "layer computes a cross-correlation: Xp[n, c, i·s + u, j·s + v] · W[o, c, u, v], no flip.",
    lambda X, W, b, s, p: _conv(X, W.flip(2, 3), b, s, p),
)
_NO_PADDING = Mistake(
    "the padding is missing: pad X with `padding` zeros on each side of H and W "
    "(F.pad(X, (p, p, p, p))) before taking the windows.",
    lambda X, W, b, s, p: _conv(X, W, b, s, 0),
)
_TRANSPOSED = Mistake(
    "the kernel is transposed: W[o, c, u, v] multiplies the pixel u rows down and v columns "
    "right of the window's corner, so u indexes the height (kH) and v the width (kW).",
    lambda X, W, b, s, p: _conv(X, W.transpose(2, 3), b, s, p),
)
_NO_STRIDE = Mistake(
    "the stride is ignored: with stride s the windows start every s pixels, and the output has "
    "floor((H + 2p − kH) / s) + 1 rows.",
    lambda X, W, b, s, p: _conv(X, W, b, 1, p),
)
_WINDOW_START = Mistake(
    "the output has the right size but window (i, j) starts at (i, j): it must start at "
    "(i·stride, j·stride).",
    _strided_windows_wrong,
)
_NO_BIAS = Mistake("the bias is missing: add b[o] to every pixel of output channel o.",
                   lambda X, W, b, s, p: _conv(X, W, None, s, p))

_WRONG_FLATTEN = Mistake(
    "W is flattened in the wrong order: F.unfold orders each column as (channel, row, column), "
    "so the row of output channel o is W[o].reshape(-1), i.e. W.reshape(C_out, -1).",
    lambda X, W, b, s, p: _conv(X, W.permute(0, 2, 3, 1).reshape(W.shape), b, s, p),
)


def _conv2d_loops(X, W, b, stride, padding):
    return conv.conv2d_loops(X, W, b, stride, padding)


def _conv2d_im2col(X, W, b, stride, padding):
    return conv.conv2d_forward(X, W, b, stride, padding)[0]


# ------------------------------------------------------------ output size


def _size_cases(gen: torch.Generator) -> list[tuple]:
    return [(28, 5, 1, 0), (28, 5, 1, 2), (28, 3, 2, 1), (7, 3, 2, 0), (10, 4, 3, 2), (9, 3, 2, 1)]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# ---------------------------------------------------------------- backward


def _input_grad_cases(gen: torch.Generator) -> list[tuple]:
    """(dout, W, padding) for a stride-1 convolution; H = H_out + kH − 1 − 2p ≥ 1."""
    return [
        (_randn(gen, 1, 1, 3, 3), _kernel(gen, 1, 1, 2, 2), 0),
        (_randn(gen, 2, 3, 4, 5, dtype=_F64), _kernel(gen, 3, 3, 3, 2, dtype=_F64), 1),
        (_randn(gen, 2, 4, 6, 6), _kernel(gen, 4, 2, 3, 3), 2),
    ]


def _input_shape(dout, W, padding):
    return (dout.shape[0], W.shape[1], dout.shape[2] + W.shape[2] - 1 - 2 * padding,
            dout.shape[3] + W.shape[3] - 1 - 2 * padding)


def _conv2d_input_grad(dout, W, padding):
    return conv.conv2d_input_grad_flipped(dout, W, 1, padding, _input_shape(dout, W, padding))


def _full_correlation(dout, K, padding):
    """Correlate the fully padded dout with the kernels K: (C_in, C_out, kH, kW); crop p."""
    kH, kW = K.shape[2:]
    full = F.conv2d(F.pad(dout, (kW - 1, kW - 1, kH - 1, kH - 1)), K)
    return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]


def _uncropped(dout, W, padding):
    kH, kW = W.shape[2:]
    return F.conv2d(F.pad(dout, (kW - 1, kW - 1, kH - 1, kH - 1)), W.flip(2, 3).transpose(0, 1))


def _weight_grad_cases(gen: torch.Generator) -> list[tuple]:
    """(dout, X, kernel_size, stride, padding)."""
    cases = []
    for (N, C_in, H, W, C_out, kH, kW, s, p, dtype) in [
        (1, 1, 4, 4, 1, 2, 2, 1, 0, torch.float32),
        (2, 3, 5, 6, 4, 3, 2, 2, 1, torch.float32),
        (3, 2, 6, 6, 2, 3, 3, 1, 1, _F64),
    ]:
        X = _randn(gen, N, C_in, H, W, dtype=dtype)
        H_out = conv.conv_output_size(H, kH, s, p)
        W_out = conv.conv_output_size(W, kW, s, p)
        cases.append((_randn(gen, N, C_out, H_out, W_out, dtype=dtype), X, (kH, kW), s, p))
    return cases


def _conv2d_weight_grad(dout, X, kernel_size, stride, padding):
    W = X.new_zeros(dout.shape[1], X.shape[1], *kernel_size)
    _, cache = conv.conv2d_forward(X, W, X.new_zeros(dout.shape[1]), stride, padding)
    _, dW, db = conv.conv2d_backward(dout, cache)
    return dW, db


def _weight_grad_transposed(dout, X, kernel_size, stride, padding):
    dW, db = _conv2d_weight_grad(dout, X, kernel_size, stride, padding)
    return dW.reshape(dW.shape[0], -1).T.reshape(dW.shape), db


# ---------------------------------------------------------------- max pool


def _pool_cases(gen: torch.Generator) -> list[tuple]:
    """(X, kernel); the first has ties inside windows, the last an odd size (floor)."""
    ties = torch.tensor([[[[1.0, 1.0, 0.0, 2.0],
                           [0.0, 1.0, 2.0, 2.0],
                           [3.0, -1.0, 0.5, 0.5],
                           [3.0, 0.0, 0.5, 0.5]]]])
    return [
        (ties, 2),
        (_randn(gen, 2, 3, 6, 4), 2),
        (_randn(gen, 1, 2, 6, 6, dtype=_F64), 3),
        (_randn(gen, 1, 1, 5, 5), 2),
    ]


def _maxpool2d(X, kernel):
    return conv.maxpool2d_forward(X, kernel)[0]


def _pool_backward_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for X, kernel in _pool_cases(gen):
        out = _maxpool2d(X, kernel)
        cases.append((_randn(gen, *out.shape, dtype=X.dtype), X, kernel))
    return cases


def _maxpool2d_backward(dout, X, kernel):
    return conv.maxpool2d_backward(dout, conv.maxpool2d_forward(X, kernel)[1])


def _spread(dout, X, kernel, scale=1.0):
    """dout copied to every pixel of its window (times scale); uncovered pixels stay 0."""
    up = dout.repeat_interleave(kernel, 2).repeat_interleave(kernel, 3) * scale
    dX = torch.zeros_like(X)
    dX[:, :, :up.shape[2], :up.shape[3]] = up
    return dX


def _every_tied_max(dout, X, kernel):
    out = _maxpool2d(X, kernel)
    up_max = _spread(out, X, kernel)
    covered = _spread(torch.ones_like(out), X, kernel) > 0
    return _spread(dout, X, kernel) * ((X == up_max) & covered).to(X.dtype)


def _last_of_ties(dout, X, kernel):
    N, C, H, W = X.shape
    cols = F.unfold(X.reshape(N * C, 1, H, W), kernel, stride=kernel)  # (N*C, k*k, L)
    last = kernel * kernel - 1 - cols.flip(1).argmax(1)  # (N*C, L)
    dcols = torch.zeros_like(cols).scatter_(1, last.unsqueeze(1), dout.reshape(N * C, 1, -1))
    return F.fold(dcols, (H, W), kernel, stride=kernel).reshape(X.shape)


# ----------------------------------------------------------- shifts, fields


def _shift_cases(gen: torch.Generator) -> list[tuple]:
    """(X, dy, dx, fill)."""
    return [
        (_randn(gen, 1, 1, 4, 5), 0, 1, -0.5),
        (_randn(gen, 2, 1, 6, 6), -2, 1, -0.4),
        (_randn(gen, 3, 2, 5, 7, dtype=_F64), 1, -3, 0.25),
    ]


def _shift_images(X, dy, dx, fill):
    """Move the content dy pixels down and dx right; the uncovered pixels get ``fill``."""
    H, W = X.shape[-2:]
    padded = F.pad(X, (max(dx, 0), max(-dx, 0), max(dy, 0), max(-dy, 0)), value=fill)
    top, left = max(-dy, 0), max(-dx, 0)
    return padded[..., top:top + H, left:left + W]


def _field_cases(gen: torch.Generator) -> list[tuple]:
    return [([(3, 1), (3, 1)],), ([(5, 1), (2, 2), (5, 1), (2, 2)],), ([(3, 2), (3, 2), (3, 1)],)]


def _field_own_stride(layers):
    r = 1
    for k, s in layers:
        r += (k - 1) * s
    return r


def _field_product(layers):
    r = 1
    for k, _ in layers:
        r *= k
    return r


def _field_no_one(layers):
    r, j = 0, 1
    for k, s in layers:
        r += (k - 1) * j
        j *= s
    return r


register(
    Exercise(
        name="conv2d_loops",
        page=PAGE,
        reference=_conv2d_loops,
        cases=lambda gen: _conv_cases(gen, _F64),
        what="equals F.conv2d (float64) with stride and padding",
        mistakes=[_FLIPPED, _NO_PADDING, _TRANSPOSED, _NO_STRIDE, _WINDOW_START, _NO_BIAS],
    ),
    Exercise(
        name="conv2d_im2col",
        page=PAGE,
        reference=_conv2d_im2col,
        cases=lambda gen: _conv_cases(gen, torch.float32),
        what="equals F.conv2d with stride and padding",
        mistakes=[_FLIPPED, _NO_PADDING, _WRONG_FLATTEN, _NO_STRIDE, _NO_BIAS],
    ),
    Exercise(
        name="conv_output_size",
        page=PAGE,
        reference=lambda size, kernel, stride, padding: conv.conv_output_size(size, kernel, stride, padding),
        cases=_size_cases,
        what="equals floor((size + 2p − k) / s) + 1, the size F.conv2d returns",
        mistakes=[
            Mistake("the + 1 is missing: with size = k and no padding there is still one window.",
                    lambda n, k, s, p: (n + 2 * p - k) // s),
            Mistake("the padding is added on both sides: the padded length is size + 2p, not size + p.",
                    lambda n, k, s, p: (n + p - k) // s + 1),
            Mistake("this rounds up: a last window that sticks out of the padded input is dropped, "
                    "so take the floor of (size + 2p − k) / s.",
                    lambda n, k, s, p: _ceil_div(n + 2 * p - k, s) + 1),
            Mistake("the padding is missing: the windows slide over the padded input, of length "
                    "size + 2p.",
                    lambda n, k, s, p: (n - k) // s + 1),
        ],
    ),
    Exercise(
        name="conv2d_input_grad",
        page=PAGE,
        reference=_conv2d_input_grad,
        cases=_input_grad_cases,
        what="equals autograd's gradient of F.conv2d with respect to X (stride 1)",
        mistakes=[
            Mistake(
                "the kernel is not flipped: pixel r of X met W[u] in the output r − u, so dX "
                "correlates dout with W flipped in both spatial axes, W.flip(2, 3).",
                lambda d, W, p: _full_correlation(d, W.transpose(0, 1), p),
            ),
            Mistake(
                "the kernel is flipped along one axis only: flip both, W.flip(2, 3) (or W.flip(-2, -1)).",
                lambda d, W, p: _full_correlation(d, W.flip(2).transpose(0, 1), p),
            ),
            Mistake(
                "the channel axes are not swapped: dX has C_in channels and sums over C_out, so the "
                "kernels are W.flip(2, 3).transpose(0, 1), of shape (C_in, C_out, kH, kW).",
                lambda d, W, p: _full_correlation(d, W.flip(2, 3), p),
            ),
            Mistake(
                "this is the gradient of the padded input: crop `padding` pixels from each side to "
                "get the gradient of X itself.",
                _uncropped,
            ),
        ],
    ),
    Exercise(
        name="conv2d_weight_grad",
        page=PAGE,
        reference=_conv2d_weight_grad,
        cases=_weight_grad_cases,
        what="equals autograd's gradients of F.conv2d with respect to W and b",
        output_names=("dW", "db"),
        mistakes=[
            Mistake(
                "dW is averaged over the batch: the loss sums the contributions of every example, "
                "so sum over n (dout_n @ cols_nᵀ), do not take the mean.",
                lambda d, X, k, s, p: (_conv2d_weight_grad(d, X, k, s, p)[0] / X.shape[0],
                                       _conv2d_weight_grad(d, X, k, s, p)[1]),
            ),
            Mistake(
                "dW is flipped: dW[o, c, u, v] = Σ dout[n, o, i, j] · Xp[n, c, i·s + u, j·s + v], the "
                "input correlated with dout, not convolved.",
                lambda d, X, k, s, p: (_conv2d_weight_grad(d, X, k, s, p)[0].flip(2, 3),
                                       _conv2d_weight_grad(d, X, k, s, p)[1]),
            ),
            Mistake(
                "dW is transposed: dout (N, C_out, L) @ colsᵀ (N, L, C_in·kH·kW) gives (C_out, "
                "C_in·kH·kW), which reshapes to W's shape; colsᵀ-first gives the transpose.",
                _weight_grad_transposed,
            ),
            Mistake(
                "db must sum dout over the batch and over every output pixel: dout.sum((0, 2, 3)).",
                lambda d, X, k, s, p: (_conv2d_weight_grad(d, X, k, s, p)[0], d.sum((0, 2))[:, 0]),
            ),
        ],
    ),
    Exercise(
        name="maxpool2d",
        page=PAGE,
        reference=_maxpool2d,
        cases=_pool_cases,
        what="equals F.max_pool2d (stride = kernel)",
        mistakes=[
            Mistake("this is average pooling: take the largest value of each window, not the mean.",
                    lambda X, k: F.avg_pool2d(X, k)),
            Mistake("this is the smallest value of each window: max pooling keeps the largest.",
                    lambda X, k: -F.max_pool2d(-X, k)),
            Mistake("the windows overlap (stride 1): max pooling here moves by `kernel` pixels, so "
                    "windows do not overlap and the output is kernel times smaller.",
                    lambda X, k: F.max_pool2d(X, k, stride=1)),
        ],
    ),
    Exercise(
        name="maxpool2d_backward",
        page=PAGE,
        reference=_maxpool2d_backward,
        cases=_pool_backward_cases,
        what="equals autograd's gradient of F.max_pool2d, ties included",
        mistakes=[
            Mistake(
                "every pixel of the window gets the gradient: only the window's maximum influenced "
                "the output, so only it gets dout; the others get 0.",
                _spread,
            ),
            Mistake(
                "this is average pooling's gradient (dout / k² everywhere): max pooling routes dout "
                "to the maximum only.",
                lambda d, X, k: _spread(d, X, k, 1 / k**2),
            ),
            Mistake(
                "with ties, every maximal pixel gets the gradient: only one pixel was picked (the "
                "first in row-major order, what argmax returns), so only it gets dout.",
                _every_tied_max,
            ),
            Mistake(
                "with ties, the gradient goes to the last maximal pixel: torch (and argmax) picks the "
                "first one in row-major order inside the window.",
                _last_of_ties,
            ),
        ],
    ),
    Exercise(
        name="conv_num_parameters",
        page=PAGE,
        reference=lambda C_in, C_out, k: C_out * (C_in * k * k + 1),
        cases=lambda gen: [(1, 6, 5), (6, 16, 5), (3, 8, 3)],
        what="equals C_out · (C_in · k² + 1), the numel of nn.Conv2d's weight and bias",
        mistakes=[
            Mistake("the biases are missing: one per output channel, C_out of them.",
                    lambda ci, co, k: co * ci * k * k),
            Mistake("one bias per kernel slice is too many: there is one bias per output channel.",
                    lambda ci, co, k: co * ci * (k * k + 1)),
            Mistake("a k × k kernel has k² weights per input channel, not k.",
                    lambda ci, co, k: co * (ci * k + 1)),
        ],
    ),
    Exercise(
        name="shift_images",
        page=PAGE,
        reference=_shift_images,
        cases=_shift_cases,
        what="moves every image by (dy, dx) and fills the uncovered pixels",
        mistakes=[
            Mistake(
                "torch.roll wraps around: the pixels that leave on one side come back on the other. "
                "Fill the uncovered rows and columns with `fill` instead.",
                lambda X, dy, dx, f: torch.roll(X, (dy, dx), (-2, -1)),
            ),
            Mistake("the shift goes the wrong way: positive dx moves the content to the right (and "
                    "positive dy down).",
                    lambda X, dy, dx, f: _shift_images(X, -dy, -dx, f)),
            Mistake("the axes are swapped: dx moves along the width (the last axis), dy along the "
                    "height.",
                    lambda X, dy, dx, f: _shift_images(X, dx, dy, f)),
            Mistake("the uncovered pixels are 0: use `fill` (for standardised MNIST, the background is "
                    "not 0).",
                    lambda X, dy, dx, f: _shift_images(X, dy, dx, 0.0)),
        ],
    ),
    Exercise(
        name="receptive_field",
        page=PAGE,
        reference=conv.receptive_field,
        cases=_field_cases,
        what="equals r ← r + (k − 1)·j, j ← j·s from the input up",
        mistakes=[
            Mistake(
                "the strides are ignored: after a layer of stride s, one step of the next layer "
                "moves s times as many input pixels. Keep the jump j = product of the strides below.",
                lambda layers: 1 + sum(k - 1 for k, _ in layers),
            ),
            Mistake(
                "the layer's own stride multiplies its kernel: a layer's kernel spans (k − 1)·j input "
                "pixels where j is the product of the strides of the layers *below* it.",
                _field_own_stride,
            ),
            Mistake("the kernels multiply: receptive fields add up, r ← r + (k − 1)·j.", _field_product),
            Mistake("off by one: a single output pixel with no layers sees one input pixel, so start "
                    "from r = 1.", _field_no_one),
        ],
    ),
)
