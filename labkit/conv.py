"""Convolution and max pooling by hand: loops, im2col, and their backward passes.

A convolutional layer in deep learning computes a *cross-correlation*: output
pixel ``(i, j)`` of output channel ``o`` is the dot product of the kernel
``W[o]`` with the window of the (zero-padded) input that starts at
``(i * stride, j * stride)``, plus the bias ``b[o]``. Shapes follow torch:
inputs ``X: (N, C_in, H, W)``, kernels ``W: (C_out, C_in, kH, kW)``, bias
``b: (C_out,)``.

Three ways to compute the same thing, from slow and obvious to fast:

- ``conv2d_loops``: one Python loop per output index (the definition);
- ``conv2d_forward``: unfold every window into a column (im2col), then one
  matrix product;
- ``conv2d_backward``: the gradients, with ``dX`` obtained by folding the
  column gradients back; ``conv2d_input_grad_flipped`` gets the same ``dX``
  as a *full* convolution of ``dout`` with the flipped kernel.

Derived in the tutorial "Convolutional networks" (``tutorials/13-cnn.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from labkit._validate import check_cache, check_tensor

__all__ = [
    "conv_output_size",
    "conv2d_loops",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_input_grad_flipped",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "receptive_field",
]

ConvCache = tuple[torch.Size, torch.Tensor, torch.Tensor, int, int]
PoolCache = tuple[torch.Size, torch.Tensor, int, int]


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    return value


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1,
    *, exact: bool = False,
) -> int:
    """Output length along one axis: ``floor((size + 2p - d(k - 1) - 1) / s) + 1``.

    Like torch, a last window that would stick out of the padded input is
    dropped (the floor). With ``exact=True`` that case is an error instead, for
    designs where every input pixel must be covered.

    Args:
        size: input length (height or width), a positive integer.
        kernel: kernel length k, a positive integer.
        stride: step s between windows, a positive integer.
        padding: zeros p added on each side, an integer >= 0.
        dilation: spacing d between kernel taps, a positive integer.
        exact: raise unless s divides ``size + 2p - d(k - 1) - 1``.

    Returns:
        The output length, an ``int`` >= 1.

    Raises:
        ValueError: a non-integer or out-of-range argument; a kernel longer
            than the padded input (the output would be empty); with
            ``exact=True``, a stride that does not tile the padded input.

    Examples:
        >>> conv_output_size(28, 5)
        24
        >>> conv_output_size(28, 3, stride=2, padding=1)
        14
    """
    _check_int(size, "size", 1)
    _check_int(kernel, "kernel", 1)
    _check_int(stride, "stride", 1)
    _check_int(padding, "padding", 0)
    _check_int(dilation, "dilation", 1)
    span = dilation * (kernel - 1) + 1  # pixels one window covers
    padded = size + 2 * padding
    if span > padded:
        raise ValueError(
            f"the kernel covers {span} pixels (kernel={kernel}, dilation={dilation}) but the "
            f"padded input has only {padded} (size={size} + 2*padding={2 * padding}): "
            "the output would be empty"
        )
    steps, leftover = divmod(padded - span, stride)
    if exact and leftover:
        raise ValueError(
            f"(size + 2*padding - dilation*(kernel-1) - 1) / stride = {padded - span}/{stride} "
            f"is not an integer: the last {leftover} padded pixel(s) fall outside every window"
        )
    return steps + 1


def _check_conv_args(
    X: object, W: object, b: object, stride: object, padding: object, *, bias_optional: bool
) -> tuple[int, int]:
    check_tensor(X, "X", ndim=4, floating=True)
    check_tensor(W, "W", ndim=4, dtype=X.dtype)
    if W.shape[1] != X.shape[1]:
        raise ValueError(
            f"W has {W.shape[1]} input channels (shape {tuple(W.shape)}) but X has "
            f"{X.shape[1]} channels (shape {tuple(X.shape)}); W must be (C_out, C_in, kH, kW)"
        )
    if b is not None or not bias_optional:
        check_tensor(b, "b", shape=(W.shape[0],), dtype=X.dtype)
    _check_int(stride, "stride", 1)
    _check_int(padding, "padding", 0)
    H_out = _axis_size(X.shape[2], W.shape[2], stride, padding, "height")
    W_out = _axis_size(X.shape[3], W.shape[3], stride, padding, "width")
    return H_out, W_out


def _axis_size(size: int, kernel: int, stride: int, padding: int, axis: str) -> int:
    try:
        return conv_output_size(size, kernel, stride, padding)
    except ValueError as err:
        raise ValueError(f"along the {axis}: {err}") from None


# ---------------------------------------------------------------- convolution


def conv2d_loops(
    X: torch.Tensor, W: torch.Tensor, b: torch.Tensor | None = None,
    stride: int = 1, padding: int = 0,
) -> torch.Tensor:
    """2-D cross-correlation written as the definition, one loop per index.

    ``out[n, o, i, j] = b[o] + Σ_{c,u,v} Xp[n, c, i*s + u, j*s + v] · W[o, c, u, v]``
    with ``Xp`` the input padded with ``padding`` zeros on every side. Slow; it
    is the reference the faster versions are checked against.

    Args:
        X: inputs, shape (N, C_in, H, W), floating point.
        W: kernels, shape (C_out, C_in, kH, kW), same dtype as ``X``.
        b: bias, shape (C_out,), same dtype, or ``None`` for no bias.
        stride: step between windows, a positive integer.
        padding: zeros added on each side of H and W, an integer >= 0.

    Returns:
        out: (N, C_out, H_out, W_out), see ``conv_output_size``.

    Raises:
        TypeError: a non-tensor, a non-float ``X`` or mixed dtypes.
        ValueError: wrong ranks, a channel mismatch, a bad stride or padding,
            or a kernel larger than the padded input.

    Examples:
        >>> X = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> conv2d_loops(X, torch.ones(1, 1, 2, 2), stride=2)
        tensor([[[[10., 18.],
                  [42., 50.]]]])
    """
    H_out, W_out = _check_conv_args(X, W, b, stride, padding, bias_optional=True)
    N, C_in, H, W_in = X.shape
    C_out, _, kH, kW = W.shape
    Xp = X.new_zeros(N, C_in, H + 2 * padding, W_in + 2 * padding)
    Xp[:, :, padding:padding + H, padding:padding + W_in] = X
    out = X.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    window = Xp[n, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
                    out[n, o, i, j] = (window * W[o]).sum()
            if b is not None:
                out[n, o] += b[o]
    return out


def conv2d_forward(
    X: torch.Tensor, W: torch.Tensor, b: torch.Tensor, stride: int = 1, padding: int = 0
) -> tuple[torch.Tensor, ConvCache]:
    """2-D cross-correlation as one matrix product (im2col).

    ``F.unfold`` copies every kH × kW window of every channel into one column
    of ``cols: (N, C_in·kH·kW, L)``, ``L = H_out · W_out``; then each output
    channel is one row of ``W`` (flattened) times those columns.

    Args:
        X: inputs, shape (N, C_in, H, W), floating point.
        W: kernels, shape (C_out, C_in, kH, kW), same dtype as ``X``.
        b: bias, shape (C_out,), same dtype as ``X``.
        stride: step between windows, a positive integer.
        padding: zeros added on each side of H and W, an integer >= 0.

    Returns:
        ``(out, cache)`` with out: (N, C_out, H_out, W_out) and
            ``cache = (X.shape, cols, W, stride, padding)``.

    Raises:
        TypeError: a non-tensor, a non-float ``X`` or mixed dtypes.
        ValueError: wrong ranks, a channel mismatch, a bad stride or padding,
            or a kernel larger than the padded input.

    Examples:
        >>> X, W, b = torch.randn(2, 3, 8, 8), torch.randn(4, 3, 3, 3), torch.zeros(4)
        >>> out, cache = conv2d_forward(X, W, b, stride=2, padding=1)
        >>> tuple(out.shape)
        (2, 4, 4, 4)
    """
    H_out, W_out = _check_conv_args(X, W, b, stride, padding, bias_optional=False)
    C_out, _, kH, kW = W.shape
    cols = F.unfold(X, (kH, kW), padding=padding, stride=stride)  # (N, C_in*kH*kW, L)
    out = W.reshape(C_out, -1) @ cols + b.reshape(1, C_out, 1)  # (N, C_out, L)
    out = out.reshape(X.shape[0], C_out, H_out, W_out)
    return out, (X.shape, cols, W, stride, padding)


def conv2d_backward(
    dout: torch.Tensor, cache: ConvCache
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Backward pass of ``conv2d_forward``.

    With ``dout`` flattened to (N, C_out, L): ``dW = Σ_n dout_n · cols_nᵀ``,
    ``db = Σ_{n,i,j} dout``, and the column gradients ``W_flatᵀ · dout_n`` are
    folded back (``F.fold``), adding up where windows overlap, into ``dX``.

    Args:
        dout: gradient of the loss w.r.t. ``out``, shape (N, C_out, H_out, W_out).
        cache: the cache returned by ``conv2d_forward``.

    Returns:
        ``(dX, dW, db)`` with shapes (N, C_in, H, W), (C_out, C_in, kH, kW)
            and (C_out,).

    Raises:
        TypeError: ``dout`` is not a float tensor of the output's dtype.
        ValueError: ``dout`` does not have the output's shape.

    Examples:
        >>> X, W, b = torch.randn(2, 3, 5, 5), torch.randn(4, 3, 3, 3), torch.zeros(4)
        >>> out, cache = conv2d_forward(X, W, b)
        >>> dX, dW, db = conv2d_backward(torch.ones_like(out), cache)
        >>> tuple(dX.shape), tuple(dW.shape), db[0].item()
        ((2, 3, 5, 5), (4, 3, 3, 3), 18.0)
    """
    X_shape, cols, W, stride, padding = cache
    N, _, H, W_in = X_shape
    C_out, _, kH, kW = W.shape
    H_out = conv_output_size(H, kH, stride, padding)
    W_out = conv_output_size(W_in, kW, stride, padding)
    check_tensor(dout, "dout", shape=(N, C_out, H_out, W_out), dtype=cols.dtype)
    dout_flat = dout.reshape(N, C_out, -1)  # (N, C_out, L)
    dW = (dout_flat @ cols.transpose(1, 2)).sum(0).reshape(W.shape)  # (C_out, C_in, kH, kW)
    db = dout.sum((0, 2, 3))  # (C_out,)
    dcols = W.reshape(C_out, -1).T @ dout_flat  # (N, C_in*kH*kW, L)
    dX = F.fold(dcols, (H, W_in), (kH, kW), padding=padding, stride=stride)
    return dX, dW, db


def conv2d_input_grad_flipped(
    dout: torch.Tensor, W: torch.Tensor, stride: int, padding: int,
    input_shape: Sequence[int],
) -> torch.Tensor:
    """``dX`` of a convolution as a *full* convolution of ``dout`` with the flipped kernel.

    Input pixel ``r`` received ``W[u]`` times every output ``i`` with
    ``i·s + u = r``. So: spread ``dout`` out with ``s - 1`` zeros between
    entries, pad it with ``k - 1`` zeros on each side (plus the pixels the
    forward pass dropped at the end), and cross-correlate with the kernel
    flipped in both spatial axes, its two channel axes swapped
    (``W.flip(2, 3).transpose(0, 1): (C_in, C_out, kH, kW)``). That gives the
    gradient of the padded input; cropping ``padding`` pixels on each side
    gives ``dX``. It equals the ``dX`` of ``conv2d_backward``.

    Args:
        dout: gradient w.r.t. the output, shape (N, C_out, H_out, W_out).
        W: the forward pass's kernels, shape (C_out, C_in, kH, kW), same dtype.
        stride: the forward pass's stride.
        padding: the forward pass's padding.
        input_shape: the forward pass's ``X.shape``, (N, C_in, H, W).

    Returns:
        dX: (N, C_in, H, W).

    Raises:
        TypeError: a non-tensor, a non-float ``W`` or mixed dtypes.
        ValueError: shapes that do not fit together, a bad stride or padding.

    Examples:
        >>> dout = torch.ones(1, 1, 2, 2)
        >>> conv2d_input_grad_flipped(dout, torch.ones(1, 1, 2, 2), 1, 0, (1, 1, 3, 3))
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    check_tensor(W, "W", ndim=4, floating=True)
    if len(input_shape) != 4:
        raise ValueError(f"input_shape must be (N, C_in, H, W), got {tuple(input_shape)}")
    N, C_in, H, W_in = (int(s) for s in input_shape)
    C_out, _, kH, kW = W.shape
    if W.shape[1] != C_in:
        raise ValueError(f"W has {W.shape[1]} input channels but input_shape has {C_in}")
    _check_int(stride, "stride", 1)
    _check_int(padding, "padding", 0)
    H_out = _axis_size(H, kH, stride, padding, "height")
    W_out = _axis_size(W_in, kW, stride, padding, "width")
    check_tensor(dout, "dout", shape=(N, C_out, H_out, W_out), dtype=W.dtype)
    Hp, Wp = H + 2 * padding, W_in + 2 * padding
    # Zeros between the entries undo the stride; the extra zeros at the end stand
    # for padded pixels that no window reached, whose gradient is zero.
    spread = dout.new_zeros(N, C_out, Hp + kH - 1, Wp + kW - 1)
    spread[:, :, kH - 1:kH - 1 + (H_out - 1) * stride + 1:stride,
           kW - 1:kW - 1 + (W_out - 1) * stride + 1:stride] = dout
    W_flipped = W.flip(2, 3).transpose(0, 1)  # (C_in, C_out, kH, kW)
    dXp, _ = conv2d_forward(spread, W_flipped, W.new_zeros(C_in))  # (N, C_in, Hp, Wp)
    return dXp[:, :, padding:padding + H, padding:padding + W_in]


# ---------------------------------------------------------------- max pooling


def maxpool2d_forward(
    X: torch.Tensor, kernel: int = 2, stride: int | None = None
) -> tuple[torch.Tensor, PoolCache]:
    """Max pooling: the largest value of every kernel × kernel window, channel by channel.

    Ties: when several pixels of one window share the maximum, the first one
    in row-major order inside the window is the argmax (``torch.max`` returns
    the first maximal index). torch's CPU ``F.max_pool2d`` makes the same
    choice, so ``maxpool2d_backward`` routes the gradient to the same
    pixel. A NaN in a window is its maximum, as in torch.

    Args:
        X: inputs, shape (N, C, H, W), floating point.
        kernel: window side, a positive integer.
        stride: step between windows; default ``kernel`` (no overlap).

    Returns:
        ``(out, cache)`` with out: (N, C, H_out, W_out) and
            ``cache = (X.shape, argmax, kernel, stride)``, argmax: (N·C, L) the
            position of the maximum inside each window.

    Raises:
        TypeError: a non-tensor or a non-float ``X``.
        ValueError: a wrong rank, a bad kernel or stride, or a window larger
            than the input.

    Examples:
        >>> X = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> maxpool2d_forward(X)[0]
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    check_tensor(X, "X", ndim=4, floating=True)
    _check_int(kernel, "kernel", 1)
    stride = kernel if stride is None else _check_int(stride, "stride", 1)
    H_out = _axis_size(X.shape[2], kernel, stride, 0, "height")
    W_out = _axis_size(X.shape[3], kernel, stride, 0, "width")
    N, C, H, W = X.shape
    # One channel at a time, so that each column holds a single window.
    cols = F.unfold(X.reshape(N * C, 1, H, W), kernel, stride=stride)  # (N*C, k*k, L)
    out, argmax = cols.max(dim=1)  # (N*C, L) each
    return out.reshape(N, C, H_out, W_out), (X.shape, argmax, kernel, stride)


def maxpool2d_backward(dout: torch.Tensor, cache: PoolCache) -> torch.Tensor:
    """Backward pass of ``maxpool2d_forward``: each window's gradient goes to its argmax.

    The other pixels of the window get zero. Where windows overlap
    (``stride < kernel``) a pixel that is the argmax of several windows
    collects the sum of their gradients.

    Args:
        dout: gradient w.r.t. the output, shape (N, C, H_out, W_out).
        cache: the cache returned by ``maxpool2d_forward``.

    Returns:
        dX: (N, C, H, W).

    Raises:
        TypeError: ``dout`` is not a float tensor of the output's dtype.
        ValueError: ``dout`` does not have the output's shape.

    Examples:
        >>> X = torch.arange(16.).reshape(1, 1, 4, 4)
        >>> out, cache = maxpool2d_forward(X)
        >>> maxpool2d_backward(torch.ones_like(out), cache)[0, 0]
        tensor([[0., 0., 0., 0.],
                [0., 1., 0., 1.],
                [0., 0., 0., 0.],
                [0., 1., 0., 1.]])
    """
    X_shape, argmax, kernel, stride = check_cache(cache, "maxpool2d_forward", (torch.Size, torch.Tensor, int, int))
    N, C, H, W = X_shape
    H_out = conv_output_size(H, kernel, stride)
    W_out = conv_output_size(W, kernel, stride)
    check_tensor(dout, "dout", shape=(N, C, H_out, W_out), floating=True)
    dcols = dout.new_zeros(N * C, kernel * kernel, H_out * W_out)
    dcols.scatter_(1, argmax.unsqueeze(1), dout.reshape(N * C, 1, -1))
    dX = F.fold(dcols, (H, W), kernel, stride=stride)  # overlapping windows add up
    return dX.reshape(N, C, H, W)


# ----------------------------------------------------------- receptive field


def receptive_field(layers: Sequence[tuple[int, int]]) -> int:
    """Side of the input patch that one output pixel of a stack of layers sees.

    Going up the stack from ``r = 1, j = 1``, each layer with kernel ``k`` and
    stride ``s`` gives ``r ← r + (k - 1)·j`` and ``j ← j·s``: ``j`` is the
    distance, in input pixels, between two neighbouring pixels of the current
    layer. Padding moves the patch but does not change its size. A pooling
    layer counts like a convolution with the same kernel and stride.

    Args:
        layers: ``(kernel, stride)`` for each layer, from the input up.

    Returns:
        The receptive field r, in input pixels (1 for an empty stack).

    Raises:
        TypeError: ``layers`` is not a sequence of pairs.
        ValueError: a kernel or stride that is not a positive integer.

    Examples:
        >>> receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)])  # LeNet-5
        16
    """
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of (kernel, stride) pairs, got {layers!r}")
    r, j = 1, 1
    for index, layer in enumerate(layers):
        if not isinstance(layer, Sequence) or len(layer) != 2:
            raise TypeError(f"layers[{index}] must be a (kernel, stride) pair, got {layer!r}")
        k = _check_int(layer[0], f"layers[{index}] kernel", 1)
        s = _check_int(layer[1], f"layers[{index}] stride", 1)
        r += (k - 1) * j
        j *= s
    return r
