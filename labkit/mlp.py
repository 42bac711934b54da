"""Models built from ``nn.Parameter`` and ``nn.Module`` only: logistic regression and an MLP.

Derived in the tutorial "An MLP without torch.nn layers" (07-mlp-from-scratch)
and used in "Regression experiments with MLPs" (08-regression-experiments) and
"Backpropagation by hand" (09-backprop-by-hand). No layer of ``torch.nn`` is
used: every layer is a matrix product plus a bias, written out, and the hidden
non-linearities are those of ``labkit.activations``.

Weights are stored in ``torch.nn.Linear``'s orientation, ``(out_features,
in_features)``: one input ``x`` of shape (D,) goes through ``W x + b`` and a
batch ``X`` of shape (N, D), one input per row, through ``X Wᵀ + b``. In torch
both are the expression ``x @ W.T + b``, which is why one forward pass handles
a vector and a batch without ``torch.vmap``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from labkit import activations
from labkit._validate import check_choice, check_positive_int, check_tensor

__all__ = ["LogisticRegression", "MLP", "mlp_forward", "num_parameters"]

Activation = Callable[[torch.Tensor], torch.Tensor]


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


def _widths(num_hiddens: object) -> list[int]:
    """The hidden widths as a list: an int is one layer, 0 or [] none."""
    if isinstance(num_hiddens, int) and not isinstance(num_hiddens, bool):
        if num_hiddens < 0:
            raise ValueError(f"num_hiddens must be >= 0, got {num_hiddens}")
        return [num_hiddens] if num_hiddens > 0 else []
    if isinstance(num_hiddens, Sequence) and not isinstance(num_hiddens, str):
        return [check_positive_int(w, "each entry of num_hiddens") for w in num_hiddens]
    raise TypeError(
        f"num_hiddens must be an int or a sequence of ints, got {type(num_hiddens).__name__}"
    )


def _forward(
    h: torch.Tensor, layers: Sequence[tuple[torch.Tensor, torch.Tensor]], act: Activation
) -> list[torch.Tensor]:
    """Every layer's output, the last one linear; inputs already checked."""
    outs = []
    for l, (W, b) in enumerate(layers):
        h = h @ W.T + b  # (out,) or (N, out): W h + b for each input
        if l < len(layers) - 1:
            h = act(h)
        outs.append(h)
    return outs


def num_parameters(num_inputs: int, num_hiddens: Sequence[int] | int, num_outputs: int) -> int:
    """Number of weights and biases of an MLP: ``Σ_l (Z_{l-1} + 1) Z_l``.

    Layer ``l`` maps ``Z_{l-1}`` inputs to ``Z_l`` outputs with a
    ``(Z_l, Z_{l-1})`` weight matrix and ``Z_l`` biases.

    Args:
        num_inputs: input features D = Z_0.
        num_hiddens: hidden widths, as for [`MLP`][labkit.mlp.MLP] (an int is one layer).
        num_outputs: outputs K.

    Returns:
        The count, as an int.

    Raises:
        ValueError: a width is not a positive integer.
        TypeError: ``num_hiddens`` is neither an int nor a sequence of ints.

    Examples:
        >>> num_parameters(3, [5, 4], 2)
        54
        >>> num_parameters(784, 50, 10)
        39760
    """
    sizes = [check_positive_int(num_inputs, "num_inputs"), *_widths(num_hiddens),
             check_positive_int(num_outputs, "num_outputs")]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))


def mlp_forward(
    x: torch.Tensor,
    weights: Sequence[torch.Tensor],
    biases: Sequence[torch.Tensor],
    activation: Activation = activations.sigmoid,
) -> torch.Tensor:
    """Output of an MLP with the given parameters, for one input or a batch.

    ``h_0 = x``, ``h_l = act(W_l h_{l-1} + b_l)`` for the hidden layers and
    ``f(x) = W_L h_{L-1} + b_L`` (no activation after the last layer). For a
    batch each row goes through the same map: ``H_l = act(H_{l-1} W_lᵀ + b_l)``.

    Args:
        x: one input (D,) or a batch (N, D), floating point.
        weights: ``[W_1, ..., W_L]``, ``W_l`` of shape (Z_l, Z_{l-1}) with Z_0 = D.
        biases: ``[b_1, ..., b_L]``, ``b_l`` of shape (Z_l,).
        activation: element-wise hidden non-linearity, e.g. ``labkit.activations.tanh``.

    Returns:
        (Z_L,) for a vector input, (N, Z_L) for a batch.

    Raises:
        ValueError: no layer, a different number of weights and biases, or shapes
            that do not fit together.
        TypeError: a non-tensor, a non-float tensor, mixed dtypes or a
            non-callable activation.

    Examples:
        >>> W1, b1 = torch.tensor([[1.0, -1.0]]), torch.tensor([0.0])
        >>> W2, b2 = torch.tensor([[2.0]]), torch.tensor([0.5])
        >>> mlp_forward(torch.tensor([3.0, 3.0]), [W1, W2], [b1, b2])
        tensor([1.5000])
        >>> mlp_forward(torch.tensor([[3.0, 3.0], [1.0, 2.0]]), [W1, W2], [b1, b2]).shape
        torch.Size([2, 1])
    """
    x = check_tensor(x, "x", ndim=(1, 2), floating=True)
    if isinstance(weights, torch.Tensor) or isinstance(biases, torch.Tensor):
        raise TypeError("weights and biases must be lists of tensors, one per layer")
    weights, biases = list(weights), list(biases)
    if not weights or len(weights) != len(biases):
        raise ValueError(
            f"weights and biases must be non-empty lists of the same length, "
            f"got {len(weights)} weights and {len(biases)} biases"
        )
    if not callable(activation):
        raise TypeError(f"activation must be a function, got {type(activation).__name__}")
    fan_in = x.shape[-1]
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        check_tensor(W, f"W{l}", shape=("out", fan_in), floating=True)
        check_tensor(b, f"b{l}", shape=(W.shape[0],), floating=True)
        for name, t in ((f"W{l}", W), (f"b{l}", b)):
            if t.dtype != x.dtype:
                raise TypeError(f"{name} must have x's dtype {x.dtype}, got {t.dtype}")
        fan_in = W.shape[0]
    return _forward(x, list(zip(weights, biases)), activation)[-1]


class LogisticRegression(nn.Module):
    """Logistic regression ``p(y = 1 | x) = σ(wᵀx + b)``: the sheet's reference model.

    The parameters are two ``nn.Parameter`` attributes, which is all
    ``nn.Module`` needs to list them in ``parameters()`` and ``state_dict()``.
    ``weight`` is a vector, the single row of ``nn.Linear(num_inputs, 1).weight``.

    Args:
        num_inputs: number of input features D.
        generator: random number generator for the initial weights (the
            global one when ``None``).

    Attributes:
        weight: (num_inputs,), initialised ``N(0, 1/num_inputs)``.
        bias: (), initialised to 0.

    Examples:
        >>> model = LogisticRegression(3)
        >>> model
        LogisticRegression(num_inputs=3)
        >>> model(torch.zeros(4, 3)).detach()
        tensor([0.5000, 0.5000, 0.5000, 0.5000])
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

        Raises:
            ValueError: ``x`` is not 1-D or 2-D, or its last dimension is not num_inputs.
            TypeError: ``x`` is not a floating-point tensor of the model's dtype.

        Examples:
            >>> LogisticRegression(2)(torch.zeros(2)).item()
            0.5
        """
        x = _check_input(x, self.num_inputs, self.weight)
        return activations.sigmoid(x @ self.weight + self.bias)

    def extra_repr(self) -> str:
        return f"num_inputs={self.num_inputs}"


class MLP(nn.Module):
    """A fully connected feed-forward network with a linear output layer.

    ``h_0 = x``, ``h_l = act(W_l h_{l-1} + b_l)`` for every hidden layer and
    ``f(x) = W_L h_{L-1} + b_L``, computed by [`mlp_forward`][labkit.mlp.mlp_forward]. The parameters
    are registered as ``W1, b1, W2, b2, ...`` (the sheet's names), ``W_l`` of
    shape (fan_out, fan_in) as in ``nn.Linear`` and ``b_l`` of shape (fan_out,).

    Args:
        num_inputs: input features D.
        num_hiddens: widths of the hidden layers; an ``int`` is one hidden
            layer, ``0`` or ``[]`` gives no hidden layer (a linear model).
        num_outputs: output units K.
        activation: hidden non-linearity: a name from
            ``labkit.activations.ACTIVATIONS`` (``"sigmoid"``, ``"tanh"`` or
            ``"relu"``), or any element-wise function of a tensor, such as
            ``torch.sigmoid`` (one fused kernel, faster where a network is
            evaluated many thousand times, as in tutorial 08).
        generator: random number generator for the initial weights (the
            global one when ``None``).

    Initialisation: ``W_l ~ N(0, 1/fan_in)`` and ``b_l ~ N(0, 1)`` for hidden
    layers (random biases spread the units' bends over the inputs instead of
    stacking them all at 0), ``b = 0`` for the output layer.

    Examples:
        >>> model = MLP(3, [5, 4], 2, "tanh", generator=torch.Generator().manual_seed(0))
        >>> model
        MLP(num_inputs=3, num_hiddens=[5, 4], num_outputs=2, activation='tanh')
        >>> [tuple(p.shape) for p in model.parameters()]
        [(5, 3), (5,), (4, 5), (4,), (2, 4), (2,)]
        >>> model(torch.zeros(3)).shape, model(torch.zeros(6, 3)).shape
        (torch.Size([2]), torch.Size([6, 2]))
        >>> MLP(1, 10, 1, torch.sigmoid)
        MLP(num_inputs=1, num_hiddens=[10], num_outputs=1, activation='sigmoid')
    """

    def __init__(
        self,
        num_inputs: int,
        num_hiddens: Sequence[int] | int,
        num_outputs: int,
        activation: str | Activation = "sigmoid",
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.num_inputs = check_positive_int(num_inputs, "num_inputs")
        self.num_outputs = check_positive_int(num_outputs, "num_outputs")
        self.num_hiddens = tuple(_widths(num_hiddens))
        if callable(activation):
            self.activation = getattr(activation, "__name__", type(activation).__name__)
            self._act = activation
        else:
            self.activation = check_choice(activation, "activation", tuple(activations.ACTIVATIONS))
            self._act = activations.get_activation(activation)[0]
        sizes = [num_inputs, *self.num_hiddens, num_outputs]
        for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            W = torch.randn(fan_out, fan_in, generator=generator) / math.sqrt(fan_in)
            is_output = l == len(sizes) - 1
            b = torch.zeros(fan_out) if is_output else torch.randn(fan_out, generator=generator)
            self.register_parameter(f"W{l}", nn.Parameter(W))
            self.register_parameter(f"b{l}", nn.Parameter(b))

    @property
    def layers(self) -> list[tuple[nn.Parameter, nn.Parameter]]:
        """The ``(W_l, b_l)`` pairs, input layer first.

        Examples:
            >>> [tuple(W.shape) for W, b in MLP(1, 3, 1).layers]
            [(3, 1), (1, 3)]
        """
        n = len(self.num_hiddens) + 1
        return [(getattr(self, f"W{l}"), getattr(self, f"b{l}")) for l in range(1, n + 1)]

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The outputs of every hidden layer (the network's learned representations).

        Args:
            x: (num_inputs,) or (N, num_inputs).

        Returns:
            One tensor per hidden layer, (num_hiddens[l],) or (N, num_hiddens[l]).

        Raises:
            ValueError: as for ``forward``.
            TypeError: as for ``forward``.

        Examples:
            >>> [tuple(h.shape) for h in MLP(1, [3, 2], 1).hidden(torch.zeros(6, 1))]
            [(6, 3), (6, 2)]
        """
        x = _check_input(x, self.num_inputs, self.W1)
        return _forward(x, self.layers, self._act)[:-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network output for one input or for each row of a batch.

        Args:
            x: one input (num_inputs,) or a batch (N, num_inputs).

        Returns:
            (num_outputs,) for a vector input, (N, num_outputs) for a batch.

        Raises:
            ValueError: ``x`` is not 1-D or 2-D, or its last dimension is not num_inputs.
            TypeError: ``x`` is not a floating-point tensor of the model's dtype.

        Examples:
            >>> MLP(2, 4, 3)(torch.zeros(5, 2)).shape
            torch.Size([5, 3])
        """
        x = _check_input(x, self.num_inputs, self.W1)
        return _forward(x, self.layers, self._act)[-1]

    def extra_repr(self) -> str:
        return (
            f"num_inputs={self.num_inputs}, num_hiddens={list(self.num_hiddens)}, "
            f"num_outputs={self.num_outputs}, activation={self.activation!r}"
        )
