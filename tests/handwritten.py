"""A hand-written forward and backward pass as one ``torch.autograd.Function``, for gradcheck.

``torch.autograd.gradcheck(fn, inputs)`` compares the gradient that autograd
computes for ``fn`` with finite differences of ``fn``. To check a *hand-written*
backward pass, autograd must use it as ``fn``'s gradient: ``autograd_function``
wraps a forward and a backward into one ``autograd.Function`` and returns its
``apply``. Each test adapts its module's conventions with a small lambda, e.g.
``lambda X, h0, *p: rnn.rnn_forward(X, h0, p)`` or
``lambda dH, cache: tuple(rnn.rnn_backward(dH, cache))[:6]``.

Example:
    >>> import torch
    >>> from tests.handwritten import autograd_function
    >>> square = autograd_function(lambda x: (x * x, x), lambda dout, x: 2 * x * dout)
    >>> x = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(square, (x,))
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def autograd_function(
    forward: Callable[..., tuple[Any, Any]],
    backward: Callable[..., Any],
    num_constants: int = 0,
) -> Callable[..., Any]:
    """``forward``'s output, differentiated by the hand-written ``backward``.

    Args:
        forward: ``forward(*inputs) -> (output, cache)``, where ``output`` is one
            tensor or a tuple of tensors and ``cache`` is whatever ``backward`` needs.
        backward: ``backward(*output_grads, cache) -> grads``, one gradient per
            output before the cache; ``grads`` is one tensor or a tuple with one
            entry (a tensor or None) per input, except the trailing constants.
        num_constants: how many trailing inputs (labels, strides, flags) get a
            None gradient without ``backward`` returning one.

    Returns:
        The ``apply`` of a fresh ``torch.autograd.Function``: call it like
        ``forward`` without the cache, e.g. ``gradcheck(fn, inputs)``.
    """

    class _HandWritten(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *inputs):  # type: ignore[override]
            output, ctx.cache = forward(*inputs)
            return output

        @staticmethod
        def backward(ctx, *output_grads):  # type: ignore[override]
            grads = backward(*output_grads, ctx.cache)
            grads = grads if isinstance(grads, tuple) else (grads,)
            return (*grads, *([None] * num_constants))

    return _HandWritten.apply
