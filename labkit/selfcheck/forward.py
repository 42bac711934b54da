"""Self-checks of tutorial 03, "Forward propagation by hand".

The forward pass of the sheet's 2-2-1 network (one input, then a batch), the
``SimpleMLP`` class, the grid of a decision-boundary plot and the parameter
count. The first input of the forward passes is the sheet's own network, so a
student who reproduces the sheet's numbers by hand sees the same ones here.

``SimpleMLP`` is a class, not a function: [`as_function`][labkit.selfcheck.forward.as_function] turns it into one
that loads known weights into the class's two ``nn.Linear`` layers and runs it,
so it is checked like any other exercise. The function ``check`` returns (the
student's, or the reference when it did not pass) carries the class to use as
``.cls``::

    SimpleMLP = selfcheck.check("simple_mlp", as_function(SimpleMLP)).cls
"""

from __future__ import annotations

import torch
from torch import nn

from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "03-forward-propagation"


def _sheet_network() -> tuple[torch.Tensor, ...]:
    """x, W1, b1, w2, b2 of exercise 3.1."""
    return (
        torch.tensor([1.0, 2.0]),
        torch.tensor([[0.5, -0.3], [0.8, 0.2]]),
        torch.tensor([0.1, -0.2]),
        torch.tensor([1.0, -0.5]),
        torch.tensor(0.3),
    )


def _random_network(gen, n_in, n_hidden, dtype=torch.float32, batch=None):
    x_shape = (n_in,) if batch is None else (batch, n_in)
    return (
        torch.randn(*x_shape, generator=gen, dtype=dtype),
        torch.randn(n_hidden, n_in, generator=gen, dtype=dtype),
        torch.randn(n_hidden, generator=gen, dtype=dtype),
        torch.randn(n_hidden, generator=gen, dtype=dtype),
        torch.randn((), generator=gen, dtype=dtype),
    )


def _one_input(gen: torch.Generator) -> list[tuple]:
    return [_sheet_network(), _random_network(gen, 2, 3), _random_network(gen, 3, 4, torch.float64)]


def _batches(gen: torch.Generator) -> list[tuple]:
    _, W1, b1, w2, b2 = _sheet_network()
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, 0.5]])
    return [(X, W1, b1, w2, b2), _random_network(gen, 3, 4, batch=6),
            _random_network(gen, 2, 5, torch.float64, batch=3)]


def forward_by_hand(x, W1, b1, w2, b2):
    """Reference: (z1, a1, a2) of exercise 3.1."""
    z1 = W1 @ x + b1
    a1 = torch.relu(z1)
    return z1, a1, w2 @ a1 + b2


def forward_batch(X, W1, b1, w2, b2):
    """Reference: the output of the 2-2-1 network for every row of X, shape (N,)."""
    return torch.relu(X @ W1.T + b1) @ w2 + b2


def simple_mlp_output(X, W1, b1, W2, b2):
    """Reference: Linear -> ReLU -> Linear with nn.Linear's weights, shape (N, d_out)."""
    return torch.relu(X @ W1.T + b1) @ W2.T + b2


def _mlp_cases(gen: torch.Generator) -> list[tuple]:
    cases = []
    for n, d_in, h, d_out, dtype in [(4, 2, 4, 1, torch.float32), (5, 3, 6, 2, torch.float32),
                                     (3, 2, 5, 3, torch.float64)]:
        cases.append((
            torch.randn(n, d_in, generator=gen, dtype=dtype),
            torch.randn(h, d_in, generator=gen, dtype=dtype),
            torch.randn(h, generator=gen, dtype=dtype),
            torch.randn(d_out, h, generator=gen, dtype=dtype),
            torch.randn(d_out, generator=gen, dtype=dtype),
        ))
    return cases


class SimpleMLP(nn.Module):
    """Reference for exercise 4.1: ``fc1`` (input → hidden), ReLU, ``fc2`` (hidden → output)."""

    def __init__(self, input_dim: int, hidden_dim: int, output_dim: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


def as_function(cls: type):
    """``cls`` as a function of (X, W1, b1, W2, b2): build it, load the weights, run it.

    The function's ``.cls`` attribute is ``cls``.
    """

    def simple_mlp_output(X, W1, b1, W2, b2):
        model = cls(W1.shape[1], W1.shape[0], W2.shape[0])
        layers = [getattr(model, name, None) for name in ("fc1", "fc2")]
        if not all(isinstance(layer, nn.Linear) for layer in layers):
            raise ValueError("name the two layers self.fc1 and self.fc2, each an nn.Linear")
        model = model.to(X.dtype)
        with torch.no_grad():
            for layer, weight, bias in zip(layers, (W1, W2), (b1, b2)):
                if layer.weight.shape != weight.shape:
                    raise ValueError(
                        f"a layer's weight has shape {tuple(layer.weight.shape)}, expected "
                        f"{tuple(weight.shape)}: nn.Linear(d_in, d_out) for input_dim -> "
                        "hidden_dim -> output_dim"
                    )
                layer.weight.copy_(weight)
                layer.bias.copy_(bias)
            return model(X)

    simple_mlp_output.cls = cls
    return simple_mlp_output


simple_mlp_output.cls = SimpleMLP


def grid_points(xs, ys):
    """Reference: every (x, y) of the grid, x varying fastest, shape (len(ys) * len(xs), 2)."""
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def _stacked_grid(xs, ys, indexing, dim):
    return torch.stack([g.reshape(-1) for g in torch.meshgrid(xs, ys, indexing=indexing)], dim)


def _grids(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([-0.5, 0.5, 1.5]), torch.tensor([0.0, 1.0, 2.0])),
        (torch.sort(torch.randn(4, generator=gen)).values, torch.sort(torch.randn(2, generator=gen)).values),
        (torch.linspace(-1, 1, 5, dtype=torch.float64), torch.linspace(0, 1, 3, dtype=torch.float64)),
    ]


def num_params(dims):
    """Reference: parameters of the fully connected network with layer sizes ``dims``."""
    return sum(d_in * d_out + d_out for d_in, d_out in zip(dims[:-1], dims[1:]))


def _forward_variant(transposed=False, bias=True, act=torch.relu, out_act=None):
    """The forward pass of exercise 3.1 with one typical mistake."""

    def forward(x, W1, b1, w2, b2):
        z1 = (W1.T if transposed else W1) @ x + (b1 if bias else 0)
        a1 = act(z1)
        z2 = w2 @ a1 + b2
        return z1, a1, z2 if out_act is None else out_act(z2)

    return forward


register(
    Exercise(
        name="forward_by_hand",
        page=PAGE,
        reference=forward_by_hand,
        cases=_one_input,
        output_names=("z1", "a1", "a2"),
        what="gives the sheet's z1, a1 and a2, and those of random networks",
        mistakes=[
            Mistake("the weights are transposed: row i of W1 holds the weights of hidden unit i, so "
                    "z1 = W1 @ x + b1 (not W1.T @ x).", _forward_variant(transposed=True)),
            Mistake("the bias b1 is missing: z1 = W1 @ x + b1.", _forward_variant(bias=False)),
            Mistake("the ReLU is missing: a1 = ReLU(z1) sets the negative entries to 0.",
                    _forward_variant(act=lambda z: z)),
            Mistake("this is the sigmoid; the sheet's hidden layer uses ReLU(z) = max(0, z).",
                    _forward_variant(act=torch.sigmoid)),
            Mistake("the output layer has no activation: a2 = z2, without a ReLU.",
                    _forward_variant(out_act=torch.relu)),
        ],
    ),
    Exercise(
        name="forward_batch",
        page=PAGE,
        reference=forward_batch,
        cases=_batches,
        what="gives one output per row of X",
        mistakes=[
            Mistake("X @ W1 uses the weights transposed: with one example per row of X, the hidden "
                    "layer is X @ W1.T + b1.",
                    lambda X, W1, b1, w2, b2: torch.relu(X @ W1 + b1) @ w2 + b2),
            Mistake("the ReLU is missing between the layers.",
                    lambda X, W1, b1, w2, b2: (X @ W1.T + b1) @ w2 + b2),
            Mistake("b1 is added after the ReLU; it belongs inside: ReLU(X @ W1.T + b1).",
                    lambda X, W1, b1, w2, b2: (torch.relu(X @ W1.T) + b1) @ w2 + b2),
            Mistake("the output has no activation: do not apply the ReLU after the last layer.",
                    lambda X, W1, b1, w2, b2: torch.relu(forward_batch(X, W1, b1, w2, b2))),
        ],
    ),
    Exercise(
        name="simple_mlp",
        page=PAGE,
        reference=simple_mlp_output,
        cases=_mlp_cases,
        what="SimpleMLP computes Linear → ReLU → Linear with the given weights",
        mistakes=[
            Mistake("the ReLU is missing: forward should be fc2(relu(fc1(x))).",
                    lambda X, W1, b1, W2, b2: (X @ W1.T + b1) @ W2.T + b2),
            Mistake("there is a ReLU after fc2 too; the output layer has no activation.",
                    lambda X, W1, b1, W2, b2: torch.relu(simple_mlp_output(X, W1, b1, W2, b2))),
            Mistake("this is a sigmoid between the layers; the sheet asks for Linear → ReLU → Linear.",
                    lambda X, W1, b1, W2, b2: torch.sigmoid(X @ W1.T + b1) @ W2.T + b2),
        ],
    ),
    Exercise(
        name="grid_points",
        page=PAGE,
        reference=grid_points,
        cases=_grids,
        what="lists the grid's points in torch.meshgrid(..., indexing='xy') order",
        mistakes=[
            Mistake(
                "with indexing='ij' the first coordinate varies slowest, so scores reshaped to the "
                "(len(ys), len(xs)) grid come out transposed. Use indexing='xy'.",
                lambda xs, ys: _stacked_grid(xs, ys, "ij", 1),
            ),
            Mistake("stacked along dim=0 this is (2, M): one point per row needs dim=1.",
                    lambda xs, ys: _stacked_grid(xs, ys, "xy", 0)),
            Mistake("stacking xs and ys pairs them up, which gives only the diagonal of the grid; "
                    "torch.meshgrid makes every combination.",
                    lambda xs, ys: torch.stack([xs, ys], dim=1)),
        ],
    ),
    Exercise(
        name="num_params",
        page=PAGE,
        reference=num_params,
        cases=lambda gen: [([3, 7],), ([2, 4, 1],), ([10, 50, 50, 5],), ([784, 100, 10],)],
        what="counts d_in·d_out + d_out per layer",
        mistakes=[
            Mistake("the biases are missing: each layer also has d_out of them.",
                    lambda dims: sum(a * b for a, b in zip(dims[:-1], dims[1:]))),
            Mistake("one bias per *output* unit of a layer: d_in·d_out + d_out, not + d_in.",
                    lambda dims: sum(a * b + a for a, b in zip(dims[:-1], dims[1:]))),
            Mistake("a layer has one bias per output unit, not one in total: + d_out, not + 1.",
                    lambda dims: sum(a * b + 1 for a, b in zip(dims[:-1], dims[1:]))),
        ],
    ),
)
