"""Models built from ``nn.Parameter`` and ``nn.Module`` only: logistic regression and an MLP.

Derived in the tutorial "An MLP without torch.nn layers" (07-mlp-from-scratch)
and used in "Regression experiments with MLPs" (08-regression-experiments).
No ``torch.nn`` layer and no ``torch.nn.functional`` layer is used: every
layer is a matrix product plus a bias, written out.

Weights are stored as ``(fan_in, fan_out)`` matrices, so a single input
``x`` (a column vector in the sheet) goes through ``W.T @ x + b`` and a batch
``X`` whose rows are inputs goes through ``X @ W + b``; both are the same
expression ``x @ W + b`` in torch, which is why one ``forward`` handles a
vector and a batch without ``torch.vmap``. (``torch.nn.Linear`` stores the
transpose, ``(fan_out, fan_in)``.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from labkit._validate import check_choice, check_positive_int, check_tensor

__all__ = ["ACTIVATIONS", "LogisticRegression", "MLP"]

#: Hidden-unit non-linearities an :class:`MLP` accepts, by name. torch's own
#: single-kernel functions rather than :mod:`labkit.activations` (which derives
#: the same functions): tutorial 08 evaluates these networks tens of thousands
#: of times inside BFGS, where every extra tensor operation costs time.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "tanh": torch.tanh,
}


def _check_input(x: object, num_inputs: int, param: torch.Tensor) -> torch.Tensor:
    """Check a model input: shape (num_inputs,) or (N, num_inputs), the parameters' dtype."""
    x = check_tensor(x, "x", ndim=(1, 2), floating=True)
    if x.shape[-1] != num_inputs:
        raise ValueError(
            f"x must have last dimension num_inputs = {num_inputs}, i.e. shape "
            f"({num_inputs},) or (N, {num_inputs}); got shape {tuple(x.shape)}"
        )
    if x.dtype != param.dtype:
        raise TypeError(
            f"x must have the model's dtype {param.dtype}, got {x.dtype} "
            f"(convert the input with x.to({param.dtype}) or the model with model.to(...))"
        )
    return x


class LogisticRegression(nn.Module):
    """Logistic regression ``p(y = 1 | x) = σ(wᵀx + b)``: the sheet's reference model.

    The parameters are two ``nn.Parameter`` attributes, which is all
    ``nn.Module`` needs to list them in ``parameters()`` and ``state_dict()``.

    Args:
        num_inputs: number of input features D.
        generator: random number generator for the initial weights (the
            global one when ``None``).

    Attributes:
        weight: (num_inputs,), initialised ``N(0, 1/num_inputs)``.
        bias: (), initialised to 0.
    """

    def __init__(self, num_inputs: int, *, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.num_inputs = check_positive_int(num_inputs, "num_inputs")
        self.weight = nn.Parameter(
            torch.randn(num_inputs, generator=generator) / math.sqrt(num_inputs)
        )
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Probability of class 1.

        Args:
            x: one input (num_inputs,) or a batch (N, num_inputs).

        Returns:
            A scalar () for a vector input, (N,) for a batch.
        """
        x = _check_input(x, self.num_inputs, self.weight)
        return torch.sigmoid(x @ self.weight + self.bias)

    def extra_repr(self) -> str:
        return f"num_inputs={self.num_inputs}"


class MLP(nn.Module):
    """A fully connected feed-forward network with a linear output layer.

    ``h_0 = x``, ``h_l = act(h_{l-1} @ W_l + b_l)`` for every hidden layer,
    ``y_hat = h_L @ W_{L+1} + b_{L+1}``. The parameters are registered as
    ``W1, b1, W2, b2, ...`` (the sheet's names), ``W_l`` of shape
    (fan_in, fan_out) and ``b_l`` of shape (fan_out,).

    Args:
        num_inputs: input features D.
        num_hiddens: widths of the hidden layers; an ``int`` is one hidden
            layer, ``0`` or ``[]`` gives no hidden layer (a linear model).
        num_outputs: output units.
        activation: hidden non-linearity, ``"sigmoid"``, ``"relu"`` or ``"tanh"``.
        generator: random number generator for the initial weights (the
            global one when ``None``).

    Initialisation: ``W_l ~ N(0, 1/fan_in)`` and ``b_l ~ N(0, 1)`` for hidden
    layers (random biases spread the units' bends over the inputs instead of
    stacking them all at 0), ``b = 0`` for the output layer.
    """

    def __init__(
        self,
        num_inputs: int,
        num_hiddens: Sequence[int] | int,
        num_outputs: int,
        activation: str = "sigmoid",
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.num_inputs = check_positive_int(num_inputs, "num_inputs")
        self.num_outputs = check_positive_int(num_outputs, "num_outputs")
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
        if isinstance(num_hiddens, int) and not isinstance(num_hiddens, bool):
            if num_hiddens < 0:
                raise ValueError(f"num_hiddens must be >= 0, got {num_hiddens}")
            widths = [num_hiddens] if num_hiddens > 0 else []
        elif isinstance(num_hiddens, Sequence) and not isinstance(num_hiddens, str):
            widths = [check_positive_int(w, "each entry of num_hiddens") for w in num_hiddens]
        else:
            raise TypeError(
                f"num_hiddens must be an int or a sequence of ints, got {type(num_hiddens).__name__}"
            )
        self.num_hiddens = tuple(widths)
        sizes = [num_inputs, *widths, num_outputs]
        for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            W = torch.randn(fan_in, fan_out, generator=generator) / math.sqrt(fan_in)
            is_output = l == len(sizes) - 1
            b = torch.zeros(fan_out) if is_output else torch.randn(fan_out, generator=generator)
            self.register_parameter(f"W{l}", nn.Parameter(W))
            self.register_parameter(f"b{l}", nn.Parameter(b))

    @property
    def layers(self) -> list[tuple[nn.Parameter, nn.Parameter]]:
        """The ``(W_l, b_l)`` pairs, input layer first."""
        n = len(self.num_hiddens) + 1
        return [(getattr(self, f"W{l}"), getattr(self, f"b{l}")) for l in range(1, n + 1)]

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The outputs of every hidden layer (the network's learned representations).

        Args:
            x: (num_inputs,) or (N, num_inputs).

        Returns:
            One tensor per hidden layer, (num_hiddens[l],) or (N, num_hiddens[l]).
        """
        x = _check_input(x, self.num_inputs, self.W1)
        act = ACTIVATIONS[self.activation]
        hs = []
        h = x
        for W, b in self.layers[:-1]:
            h = act(h @ W + b)  # (N, fan_out) or (fan_out,)
            hs.append(h)
        return hs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network output for one input or for each row of a batch.

        Args:
            x: one input (num_inputs,) or a batch (N, num_inputs).

        Returns:
            (num_outputs,) for a vector input, (N, num_outputs) for a batch.

        Raises:
            ValueError: ``x`` is not 1-D or 2-D, or its last dimension is not num_inputs.
            TypeError: ``x`` is not a floating-point tensor of the model's dtype.
        """
        hs = self.hidden(x)
        h = hs[-1] if hs else x
        W, b = self.layers[-1]
        return h @ W + b

    def extra_repr(self) -> str:
        return (
            f"num_inputs={self.num_inputs}, num_hiddens={list(self.num_hiddens)}, "
            f"num_outputs={self.num_outputs}, activation={self.activation!r}"
        )
