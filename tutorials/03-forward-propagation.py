# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Forward propagation by hand
#
# **Sheets:** Intro to Deep Learning, exercise session 1, §3 "Forward propagation by hand"
# (exercises 3.1, 3.2), §4 "Building a simple neural network" (exercises 4.1–4.4) and §5
# "Wrap-up questions".
#
# **What you need:** the matrix–vector product and broadcasting
# ([Tensors](01-tensors.py)), and the ReLU and sigmoid ([Activation
# functions](02-activations.py)), which this page imports from `labkit.activations`.
#
# ## What you will learn
#
# - how an input travels through a two-layer network: pre-activation, activation, output,
#   step by step with numbers, for one input and for a batch;
# - how to write the same network as an `nn.Module` with `nn.Linear` layers;
# - how to draw a network's decision boundary with `torch.meshgrid` and `contourf`;
# - how to count parameters, by formula and with `numel`;
# - why hidden layers need a non-linearity, and why a network without a hidden layer cannot
#   learn XOR while one with a hidden layer can.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [3.1 Forward pass by hand](#exercise-31-the-forward-pass-by-hand) | `forward_by_hand` | 1 |
# | [3.2 Verify with PyTorch](#exercise-32-verify-with-pytorch) | `forward_batch` | 1 |
# | [4.1 A 2-layer MLP](#exercise-41-a-2-layer-mlp) | the class `SimpleMLP` | 1 |
# | [4.2 The untrained net on XOR](#exercise-42-the-untrained-network-on-xor) | a forward pass | — |
# | [4.3 Decision boundary](#exercise-43-the-decision-boundary) | `grid_points` | 1 |
# | [4.4 Counting parameters](#exercise-44-counting-parameters) | `num_params` | 1 |
# | [Wrap-up 1: linear activations](#wrap-up-question-1-why-not-a-linear-activation) | an answer | — |
# | [Wrap-up 2: ReLU or sigmoid](#wrap-up-question-2-why-relu-rather-than-sigmoid) | an answer | — |
# | [Wrap-up 3: a [10, 50, 50, 5] MLP](#wrap-up-question-3-parameters-of-a-10-50-50-5-mlp) | a count | — |
# | [Wrap-up 4: XOR without a hidden layer](#wrap-up-question-4-can-a-single-layer-perceptron-solve-xor) | an experiment | — |
#
# Each exercise where you write code has a **Your turn** cell: a function (or class) to
# fill in, the worked solution folded under it, and a self-check that runs it on random
# inputs and names the likely mistake. Download the *exercise notebook* (top of the page)
# to work on your own copy: there the solutions are blank and every self-check says "not
# attempted yet" until you write the code.

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

from labkit import compare, get_device, plot, seed_everything, selfcheck
from labkit.activations import relu, relu_grad, sigmoid, sigmoid_grad
from labkit.datasets import xor
from labkit.display import answer, paren, show_markdown, show_math, table
from labkit.selfcheck.forward import as_function
from labkit.train import accuracy

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## Exercise 3.1: the forward pass by hand
#
# *A network with input $\mathbf{x} = [1, 2]$, a hidden layer of 2 ReLU neurons with
# weights $\mathbf{W}^{(1)}$ and bias $\mathbf{b}^{(1)} = [0.1, -0.2]$, and one output
# neuron with weights $\mathbf{w}^{(2)} = [1, -0.5]$, bias $b^{(2)} = 0.3$ and no
# activation. Compute by hand, showing all steps: (a) $\mathbf{z}^{(1)}$, (b)
# $\mathbf{a}^{(1)}$, (c) $z^{(2)}$, (d) $a^{(2)}$.*
#
# A layer computes a *pre-activation*, an affine map of its input, and then an
# *activation*, a non-linearity applied element-wise:
#
# $$
# \begin{aligned}
# \mathbf{z}^{(1)} &= \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}, &
# \mathbf{a}^{(1)} &= \operatorname{ReLU}\bigl(\mathbf{z}^{(1)}\bigr), \\
# z^{(2)} &= \mathbf{w}^{(2)\top}\mathbf{a}^{(1)} + b^{(2)}, &
# a^{(2)} &= z^{(2)} .
# \end{aligned}
# $$
#
# Row $i$ of $\mathbf{W}^{(1)}$ holds the weights of hidden unit $i$, so
# $z^{(1)}_i = \sum_j W^{(1)}_{ij} x_j + b^{(1)}_i$. The sheet's values:

# %%
x = torch.tensor([1.0, 2.0])
W1 = torch.tensor([[0.5, -0.3], [0.8, 0.2]])
b1 = torch.tensor([0.1, -0.2])
w2 = torch.tensor([1.0, -0.5])
b2 = torch.tensor(0.3)

# %% tags=["hide-input"]
show_math(
    r"\mathbf{x} = @x, \quad \mathbf{W}^{(1)} = @W1, \quad \mathbf{b}^{(1)} = @b1,"
    r" \quad \mathbf{w}^{(2)} = @w2, \quad b^{(2)} = @b2",
    x=x, W1=W1, b1=b1, w2=w2, b2=b2,
)

# %% [markdown]
# ### Your turn
#
# Write the four steps; return $\mathbf{z}^{(1)}$, $\mathbf{a}^{(1)}$ and $a^{(2)}$.

# %%
def forward_by_hand(x, W1, b1, w2, b2):
    """x: (n_in,), W1: (n_hidden, n_in), b1, w2: (n_hidden,), b2: ().

    Returns (z1, a1, a2): shapes (n_hidden,), (n_hidden,) and ().
    """
    ### BEGIN SOLUTION
    z1 = W1 @ x + b1  # (a)
    a1 = relu(z1)  # (b)
    z2 = w2 @ a1 + b2  # (c)
    a2 = z2  # (d): no activation at the output
    return z1, a1, a2
    ### END SOLUTION


# %%
forward_by_hand = selfcheck.check("forward_by_hand", forward_by_hand)

# %% [markdown]
# The steps with the sheet's numbers, computed by that function:

# %%
z1, a1, a2 = forward_by_hand(x, W1, b1, w2, b2)

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}\mathbf{z}^{(1)} &= @W1 @x + @b1 \\&= \begin{bmatrix} @w11 \cdot "
    r"@x1 + @w12 \cdot @x2 + @c1 \\ @w21 \cdot @x1 + @w22 \cdot @x2 + @c2 "
    r"\end{bmatrix} = @z1 \\\mathbf{a}^{(1)} &= \begin{bmatrix} \max(0,\ @z11) \\ "
    r"\max(0,\ @z12) \end{bmatrix} = @a1 \\z^{(2)} &= @v1 \cdot @a11 + @v2 \cdot @a12 "
    r"+ @c3 = @a2 \\a^{(2)} &= z^{(2)} = @a2"
    r"\end{aligned}",
    W1=W1, x=x, b1=b1, z1=z1.round(decimals=4), a1=a1.round(decimals=4), a2=a2,
    w11=W1[0, 0], w12=paren(W1[0, 1]), w21=W1[1, 0], w22=W1[1, 1], x1=x[0], x2=x[1],
    c1=b1[0], c2=paren(b1[1]), z11=z1[0].round(decimals=4), z12=z1[1],
    v1=w2[0], v2=paren(w2[1]), a11=a1[0].round(decimals=4), a12=a1[1], c3=b2,
)

# %% [markdown]
# The first hidden unit lands exactly on ReLU's kink: $0.5 \cdot 1 - 0.3 \cdot 2 + 0.1 = 0$
# in exact arithmetic. In floating point $0.3$ and $0.1$ are not representable, so the
# computed value is a rounding error away from 0, of a sign that depends on the precision;
# the display above rounds it to 4 decimals. Either way the ReLU's output is (at most a
# rounding error from) 0, and the output does not change:

# %%
print("z1[0] in float32:", z1[0].item())
f64 = dict(dtype=torch.float64)  # the sheet's numbers, rounded to float64 this time
z1_64, _, a2_64 = forward_by_hand(
    torch.tensor([1.0, 2.0], **f64), torch.tensor([[0.5, -0.3], [0.8, 0.2]], **f64),
    torch.tensor([0.1, -0.2], **f64), torch.tensor([1.0, -0.5], **f64),
    torch.tensor(0.3, **f64),
)
print("z1[0] in float64:", z1_64[0].item())
print(f"a2 in float32: {a2.item():.7f}   in float64: {a2_64.item():.15f}")

# %% tags=["hide-input"]
answer(
    r"(a) $\mathbf{z}^{(1)} = [@z11, @z12]$: the first unit's weighted input $0.5 - "
    r"0.6$ is cancelled by its bias $0.1$. (b) The ReLU keeps the positive entry and "
    r"clips the other: $\mathbf{a}^{(1)} = [@a11, @a12]$, so the first hidden unit is "
    r"inactive for this input. (c) $z^{(2)} = 1 \cdot @a11 - 0.5 \cdot @a12 + 0.3 = "
    r"@a2$, and (d) "
    r"$a^{(2)} = z^{(2)} = @a2$, since the output has no activation.",
    z11=z1[0].round(decimals=4), z12=z1[1], a11=a1[0].round(decimals=4), a12=a1[1],
    a2=a2,
)

# %% [markdown]
# ## Exercise 3.2: verify with PyTorch
#
# *Implement the same computation using PyTorch tensors and verify your hand calculations.*
#
# `nn.Linear(d_in, d_out)` computes $\mathbf{x}\mathbf{W}^\top + \mathbf{b}$ with a `weight`
# of shape $(d_\text{out}, d_\text{in})$, the layout of $\mathbf{W}^{(1)}$ above. Loading
# the sheet's numbers into two `nn.Linear` layers, each step agrees with the hand
# computation:

# %%
layer1 = nn.Linear(2, 2)
layer2 = nn.Linear(2, 1)
with torch.no_grad():
    layer1.weight.copy_(W1)
    layer1.bias.copy_(b1)
    layer2.weight.copy_(w2.reshape(1, 2))
    layer2.bias.copy_(b2.reshape(1))
    out_torch = layer2(torch.relu(layer1(x)))
    compare("z1", z1, layer1(x))
    compare("a1", a1, torch.relu(layer1(x)))
    compare("a2", a2.reshape(1), out_torch)
print("nn.Linear output:", out_torch)

# %% [markdown]
# `nn.Linear` takes a *batch*: a matrix $\mathbf{X}$ with one input per row. For $N$ inputs
# the hidden layer is $\mathbf{X}\mathbf{W}^{(1)\top} + \mathbf{b}^{(1)}$, shape
# $(N, 2)$, where broadcasting adds $\mathbf{b}^{(1)}$ to every row; the output layer
# multiplies by $\mathbf{w}^{(2)}$, giving one number per input.
#
# ### Your turn
#
# The same network for a batch, without a loop over the rows.

# %%
def forward_batch(X, W1, b1, w2, b2):
    """X: (N, n_in). Returns the network's output for every row of X, shape (N,)."""
    ### BEGIN SOLUTION
    A1 = relu(X @ W1.T + b1)  # (N, n_hidden)
    return A1 @ w2 + b2  # (N,)
    ### END SOLUTION


# %%
forward_batch = selfcheck.check("forward_batch", forward_batch)

# %% [markdown]
# On the four XOR inputs of exercise 4.2 plus the sheet's $\mathbf{x}$ as a fifth row,
# against the two `nn.Linear` layers:

# %%
X_batch = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
with torch.no_grad():
    reference = layer2(torch.relu(layer1(X_batch))).squeeze(1)  # (5,)
_ = compare("batch", forward_batch(X_batch, W1, b1, w2, b2), reference)
print("outputs:", forward_batch(X_batch, W1, b1, w2, b2))

# %% [markdown]
# ## Exercise 4.1: a 2-layer MLP
#
# *Create a neural network class with an `__init__` that initialises two linear layers
# (input dimension 2, hidden dimension 4, output dimension 1) and a `forward` that
# applies Linear → ReLU → Linear. Use `torch.nn.Linear` for the layers.*
#
# An `nn.Module` registers every `nn.Linear` assigned to `self` as a sub-module, so its
# parameters appear in `model.parameters()`, move with `.to(device)`, and are what an
# optimiser updates.
#
# ### Your turn
#
# Complete the sheet's starter code. Call the layers `self.fc1` and `self.fc2`: the
# self-check loads known weights into them.

# %%
class SimpleMLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        ### BEGIN SOLUTION
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, output_dim)
        ### END SOLUTION

    def forward(self, x):
        """x: (N, input_dim). Returns (N, output_dim)."""
        ### BEGIN SOLUTION
        h = relu(self.fc1(x))  # (N, hidden_dim)
        out = self.fc2(h)  # (N, output_dim)
        ### END SOLUTION
        return out


# %% [markdown]
# The self-check needs a function: `as_function` builds your class with known weights
# and runs it. What `check` returns carries the class to use from here on, yours if it
# passed and labkit's otherwise, as `.cls`.

# %%
SimpleMLP = selfcheck.check("simple_mlp", as_function(SimpleMLP)).cls

# %% [markdown]
# The network of the sheet, with random initial weights (seed 0; training later starts
# from these), and its parameters:

# %%
torch.manual_seed(0)
model = SimpleMLP(2, 4, 1).to(device)
for name, p in model.named_parameters():
    print(f"{name:11s} shape {str(tuple(p.shape)):8s}")

# %% [markdown]
# ## Exercise 4.2: the untrained network on XOR
#
# *(a) Create the XOR data set; (b) an instance of `SimpleMLP` with random weights; (c) pass
# the XOR inputs through the network and observe the outputs; (d) the outputs will be
# random, since the network is not trained.*
#
# The XOR data set is `labkit.datasets.xor()`. "class" is the prediction, 1 if the output
# exceeds 0.5:

# %%
X, y = xor()
X, y = X.to(device), y.to(device)
with torch.no_grad():
    y_hat = model(X)  # (4, 1)
predicted = (y_hat > 0.5).long()
for xi, yi, oi, ci in zip(X.tolist(), y.flatten().tolist(), y_hat.flatten().tolist(),
                          predicted.flatten().tolist()):
    print(f"x = {xi}  target {yi:.0f}  output {oi:+.4f}  class {ci}")

# %% tags=["hide-input"]
answer(
    r"(d) The outputs lie between $@lo$ and $@hi$, unrelated to the targets: the "
    r"network gets $@right$ of the 4 points right, which is what predicting class 0 "
    r"everywhere would score. Random weights compute some arbitrary function; only "
    r"training makes the "
    r"outputs follow the targets.",
    lo=y_hat.min(), hi=y_hat.max(), right=int((predicted == y.long()).sum()),
)

# %% [markdown]
# ## Exercise 4.3: the decision boundary
#
# *(a) Create a grid of points in $[-0.5, 1.5] \times [-0.5, 1.5]$; (b) pass them through
# the network; (c) plot the decision boundary with a contour plot; (d) overlay the XOR
# points. (e) What do you observe? Can the random network solve XOR?*
#
# `torch.meshgrid(xs, ys, indexing="xy")` returns two $(\text{len}(ys), \text{len}(xs))$
# matrices: the $x$ and the $y$ coordinate of every grid point, $x$ varying along each
# row like the horizontal axis of a picture. Flattened and stacked as columns they give
# one point per row, ready for the network.
#
# ### Your turn

# %%
def grid_points(xs, ys):
    """xs: (n,), ys: (m,). Returns each (x, y) of the grid, x fastest: (m * n, 2)."""
    ### BEGIN SOLUTION
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")  # each (m, n)
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    ### END SOLUTION


# %%
grid_points = selfcheck.check("grid_points", grid_points)

# %% [markdown]
# (a), (b): a $200 \times 200$ grid through the untrained network. The scores reshaped to
# $(200, 200)$ are the picture that `contourf` shades:

# %%
xs = torch.linspace(-0.5, 1.5, 200)
grid = grid_points(xs, xs)  # (40000, 2)
with torch.no_grad():
    scores = model(grid.to(device)).reshape(200, 200).cpu()  # (200, 200)
print(f"grid {tuple(grid.shape)}; outputs in [{scores.min():.3f}, {scores.max():.3f}]")

# %% [markdown]
# (c), (d): `labkit.plot.decision_boundary` builds this same grid, shades the scores with
# `contourf`, draws the 0.5 level as the boundary line when the scores cross it, and puts
# the XOR points on top. The rest of the course uses it.

# %%
ax = plot.decision_boundary(lambda P: model(P.to(device)), X.cpu(), y.cpu(),
                            xlim=(-0.5, 1.5), ylim=(-0.5, 1.5),
                            title="untrained SimpleMLP(2, 4, 1)")
plt.show()

# %% tags=["hide-input"]
answer(
    r"(e) No. With random weights the network computes an arbitrary piecewise-linear "
    r"function: each ReLU unit folds the plane along one line, and the kinks are "
    r"visible in the shading. Nothing makes its 0.5 level separate the two class-1 "
    r"points from the two class-0 points. For these initial weights the output stays "
    r"between $@lo$ and $@hi$ on the whole square, below 0.5, so there is no boundary "
    r"line at all and every point gets class 0. The architecture *can* represent XOR "
    r"(wrap-up question 4 trains "
    r"it), but only training finds the weights that do.",
    lo=scores.min(), hi=scores.max(),
)

# %% [markdown]
# ## Exercise 4.4: counting parameters
#
# *(a) Calculate the number of parameters of your network by hand; (b) verify it with
# `sum(p.numel() for p in model.parameters())`; (c) the formula for a layer from $d_{in}$ to
# $d_{out}$ units is $d_{in} \times d_{out} + d_{out}$ (weights + biases).*
#
# A fully connected layer from $d_\text{in}$ to $d_\text{out}$ units has a weight matrix
# $\mathbf{W} \in \mathbb{R}^{d_\text{out} \times d_\text{in}}$ (one weight per pair of
# input and output unit) and a bias $\mathbf{b} \in \mathbb{R}^{d_\text{out}}$ (one per
# output unit). A network with layer sizes $[d_0, d_1, \dots, d_L]$ therefore has
#
# $$
# \#\text{params}([d_0, \dots, d_L]) = \sum_{l=1}^{L} \bigl(d_{l-1}\, d_l + d_l\bigr).
# $$
#
# ### Your turn

# %%
def num_params(dims):
    """dims: the layer sizes [d_0, ..., d_L], ints. Returns the parameter count."""
    ### BEGIN SOLUTION
    return sum(d_in * d_out + d_out for d_in, d_out in zip(dims[:-1], dims[1:]))
    ### END SOLUTION


# %%
num_params = selfcheck.check("num_params", num_params)

# %% [markdown]
# Layer by layer for `SimpleMLP(2, 4, 1)`, and the total against `numel`:

# %%
def layer_table(dims):
    """One row per layer: sizes, weights, biases and their sum."""
    rows = [[f"{d_in} → {d_out}", d_in * d_out, d_out, d_in * d_out + d_out]
            for d_in, d_out in zip(dims[:-1], dims[1:])]
    rows.append(["total", "", "", num_params(dims)])
    return table(["layer", "weights", "biases", "parameters"], rows, align="lrrr")


dims = [2, 4, 1]
show_markdown(layer_table(dims))
n_numel = sum(p.numel() for p in model.parameters())
print(f"numel total: {n_numel}   num_params({dims}): {num_params(dims)}")

# %% tags=["hide-input"]
answer(
    r"`SimpleMLP(2, 4, 1)` has $2 \cdot 4 + 4 = @p1$ parameters in `fc1` and "
    r"$4 \cdot 1 + 1 = @p2$ in `fc2`, $@total$ in all, and "
    r"`sum(p.numel() for p in model.parameters())` gives $@numel$ too.",
    p1=2 * 4 + 4, p2=4 * 1 + 1, total=num_params(dims), numel=n_numel,
)

# %% [markdown]
# ## Wrap-up question 1: why not a linear activation?
#
# *Why can't we use a linear activation function in hidden layers?*
#
# Without an activation, two layers compose to
#
# $$
# \begin{aligned}
# \mathbf{W}^{(2)}\bigl(\mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}\bigr) + \mathbf{b}^{(2)}
# &= \underbrace{\mathbf{W}^{(2)}\mathbf{W}^{(1)}}_{\mathbf{W}}\,\mathbf{x}
# + \underbrace{\mathbf{W}^{(2)}\mathbf{b}^{(1)} + \mathbf{b}^{(2)}}_{\mathbf{b}},
# \end{aligned}
# $$
#
# again an affine map $\mathbf{W}\mathbf{x} + \mathbf{b}$, and by induction so is any
# number of layers. Numerically: a three-layer network $[2, 16, 16, 1]$ with the identity
# as activation, against the single affine map built by multiplying out its weights, on
# 1000 random inputs:

# %%
linear_net = nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1))
linear_net = linear_net.to(device)
W, b = torch.eye(2, device=device), torch.zeros(2, device=device)
with torch.no_grad():
    for layer in linear_net:  # W <- W_l W,  b <- W_l b + b_l
        W, b = layer.weight @ W, layer.weight @ b + layer.bias
    X_test = torch.randn(1000, 2, device=device)
    compare("3 layers vs 1", linear_net(X_test), X_test @ W.T + b)
print("collapsed map: W =", W.cpu(), " b =", b.cpu())

# %% tags=["hide-input"]
answer(
    r"Because it would buy nothing. With linear activations any stack of layers equals "
    r"one affine map $\mathbf{W}\mathbf{x} + \mathbf{b}$, with $\mathbf{W}$ the "
    r"product of the weight matrices: above, the three layers and their $@n$ "
    r"parameters are reproduced by a single $1 \times 2$ matrix and one bias, 3 "
    r"numbers, up to `float32` rounding. A deep linear network therefore has exactly "
    r"the power of linear or logistic regression: straight decision boundaries, which "
    r"cannot separate XOR (question 4), and no curved functions. The non-linearity "
    r"between the layers is what "
    r"lets depth build more complex functions.",
    n=num_params([2, 16, 16, 1]),
)

# %% [markdown]
# ## Wrap-up question 2: why ReLU rather than sigmoid?
#
# *Why is ReLU more popular than sigmoid for hidden layers in modern deep learning?*
#
# [Activation functions](02-activations.py) measured it on a 30-layer network. The two
# numbers that decide it: the largest slope of each function, and what $L$ layers of the
# best case do to a gradient.

# %%
z_grid = torch.linspace(-6, 6, 1201)
sig_peak = sigmoid_grad(z_grid).max().item()
relu_active = relu_grad(z_grid[z_grid > 0]).unique().tolist()
print(f"max sigmoid'(z) = {sig_peak:.4f};  ReLU'(z) for z > 0: {relu_active}")
print(f"best case over 10 sigmoid layers: {sig_peak ** 10:.2e}")

# %% tags=["hide-input"]
answer(
    r"The sigmoid's derivative is at most $@peak$ and tends to 0 for large $|z|$, so "
    r"backpropagation through $L$ sigmoid layers multiplies the gradient by at most "
    r"$4^{-L}$: $@ten$ after 10 layers, before the weights even enter. ReLU's "
    r"derivative is exactly 1 on every active unit, so it does not saturate for large "
    r"positive inputs, and it is cheaper (a comparison instead of an exponential). Its "
    r"outputs are sparse, too: inactive units output exactly 0, as the first hidden "
    r"unit of exercise 3.1 did. The price is that a unit whose input stays negative "
    r"gets zero gradient and "
    r"can *die*; wrap-up question 4 shows this in the runs that fail.",
    peak=sig_peak, ten=sig_peak ** 10,
)

# %% [markdown]
# ## Wrap-up question 3: parameters of a [10, 50, 50, 5] MLP
#
# *How many parameters would a 3-layer MLP have with dimensions [10, 50, 50, 5]?*
#
# Three weight layers, $10 \to 50 \to 50 \to 5$. By the formula, and by building it and
# counting:

# %%
dims_q3 = [10, 50, 50, 5]
show_markdown(layer_table(dims_q3))
mlp_q3 = nn.Sequential(
    nn.Linear(10, 50), nn.ReLU(), nn.Linear(50, 50), nn.ReLU(), nn.Linear(50, 5)
)
n_q3 = sum(p.numel() for p in mlp_q3.parameters())
print(f"numel total: {n_q3}   num_params({dims_q3}): {num_params(dims_q3)}")

# %% tags=["hide-input"]
answer(
    r"$@total$ parameters: $@p1 + @p2 + @p3$ for the three layers, and the "
    r"`nn.Sequential` model's `numel` count agrees ($@numel$). Most of them sit in the "
    r"$50 \times 50$ weight matrix between the hidden layers; the activations have no "
    r"parameters.",
    total=num_params(dims_q3), p1=num_params([10, 50]), p2=num_params([50, 50]),
    p3=num_params([50, 5]), numel=n_q3,
)

# %% [markdown]
# ## Wrap-up question 4: can a single-layer perceptron solve XOR?
#
# *Can a single-layer perceptron (no hidden layer) solve the XOR problem? Why or why not?*
#
# A network without a hidden layer (a single-layer perceptron, or logistic regression
# $\hat y = \sigma(w_1 x_1 + w_2 x_2 + b)$) predicts class 1 where
# $w_1 x_1 + w_2 x_2 + b > 0$: its decision boundary is a straight line. Getting all four
# XOR points right would need
#
# $$
# \begin{aligned}
# (0,0) \to 0&: \quad b \le 0, & (0,1) \to 1&: \quad w_2 + b > 0, \\
# (1,0) \to 1&: \quad w_1 + b > 0, & (1,1) \to 0&: \quad w_1 + w_2 + b \le 0.
# \end{aligned}
# $$
#
# Adding the two middle inequalities gives $w_1 + w_2 + 2b > 0$, i.e.
# $w_1 + w_2 + b > -b \ge 0$, which contradicts the last one. So no line separates XOR: a
# linear classifier gets at most 3 of the 4 points right. Logistic regression trained with
# the cross-entropy loss does worse still: at $w_1 = w_2 = b = 0$ the gradient
# $\sum_n (\hat y_n - y_n)\,[x_{n1}, x_{n2}, 1]$ is
#
# $$
# \tfrac12[0,0,1] - \tfrac12[0,1,1] - \tfrac12[1,0,1] + \tfrac12[1,1,1] = \mathbf{0},
# $$
#
# and the loss is convex, so its best is to output $\hat y = \tfrac12$ everywhere, with
# loss $\ln 2$.
#
# To see it, we train logistic regression (`nn.Linear(2, 1)` followed by the sigmoid) and
# `SimpleMLP(2, 4, 1)` (also followed by the sigmoid) in the same way: binary
# cross-entropy, Adam with learning rate 0.1, 150 full-batch steps, from the same seed.

# %%
loss_fn = nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, computed stably


def train(model, num_steps=150, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_steps):
        logits = model(X)  # 1. forward, (4, 1)
        loss = loss_fn(logits, y)  # 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        losses.append(loss.item())
    return losses


def xor_accuracy(model):
    with torch.no_grad():
        predicted = (sigmoid(model(X)) > 0.5).long().flatten()
    return accuracy(predicted, y.long().flatten())


torch.manual_seed(0)
logreg = nn.Linear(2, 1).to(device)
losses_logreg = train(logreg)
losses_mlp = train(model)  # the SimpleMLP from above, seeded with 0 as well
print("targets:            ", y.flatten().tolist())
for name, net, losses in [
    ("logistic regression", logreg, losses_logreg),
    ("SimpleMLP(2, 4, 1)", model, losses_mlp),
]:
    with torch.no_grad():
        probs = [round(p, 4) for p in sigmoid(net(X)).flatten().tolist()]
    print(f"{name + ':':20s} {probs}")
    print(f"{'':20s} accuracy {xor_accuracy(net):.0%}, final loss {losses[-1]:.4f}")
print(f"ln 2 = {math.log(2):.4f}")

# %%
ax = plot.plot_loss(losses_logreg, label="logistic regression", xlabel="step")
plot.plot_loss(losses_mlp, ax=ax, label="SimpleMLP(2, 4, 1)", xlabel="step", logy=True)
ax.set_title("training loss on XOR")
plt.show()

# %% [markdown]
# Their decision boundaries, on one colour scale from 0 to 1 in steps of 0.05:

# %%
prob_levels = torch.linspace(0, 1, 21).tolist()
fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.9))
for ax, net, title in [
    (axes[0], logreg, "logistic regression"),
    (axes[1], model, "SimpleMLP(2, 4, 1)"),
]:
    plot.decision_boundary(
        lambda P, net=net: sigmoid(net(P.to(device))), X.cpu(), y.cpu(), ax=ax,
        xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), title=title, levels=prob_levels,
    )
plt.show()
with torch.no_grad():
    logreg_grid = sigmoid(logreg(grid.to(device))).cpu()
lo, hi = logreg_grid.min().item(), logreg_grid.max().item()
print(f"logistic regression on the grid: [{lo:.6f}, {hi:.6f}]")

# %% tags=["hide-input"]
show_markdown(
    r"Logistic regression's panel shows just two shades: its output stays between "
    r"$@lo$ and $@hi$ on the whole square, inside the two bands of the colour scale "
    r"that touch $\tfrac12$ (from 0.45 to 0.5 and from 0.5 to 0.55), and the line "
    r"marks where it crosses $\tfrac12$. The MLP's ReLU units have cut out a band that "
    r"contains exactly the two class-1 points.",
    lo=f"{lo:.5f}", hi=f"{hi:.5f}",
)

# %% [markdown]
# One run could be luck. The same comparison from ten initialisations (seeds 0–9). For
# logistic regression the table also gives how far its outputs get from $\tfrac12$; for
# the MLP, how many hidden units are "dead" after training: their pre-activation is
# $\le 0$ on all four points.

# %%
runs = []
for seed in range(10):
    torch.manual_seed(seed)
    lr_model = nn.Linear(2, 1).to(device)
    lr_loss = train(lr_model)[-1]
    torch.manual_seed(seed)
    mlp = SimpleMLP(2, 4, 1).to(device)
    mlp_loss = train(mlp)[-1]
    with torch.no_grad():
        spread = (sigmoid(lr_model(X)) - 0.5).abs().max().item()
        dead = int((mlp.fc1(X) <= 0).all(dim=0).sum())  # off on all 4 points
    runs.append([seed, lr_loss, spread, xor_accuracy(lr_model), mlp_loss,
                 xor_accuracy(mlp), dead])
show_markdown(table(
    ["seed", "log. reg. loss", r"max $\lvert\hat y - \frac12\rvert$",
     "log. reg. accuracy", "MLP loss", "MLP accuracy", "dead units"],
    [[s, f"{lo:.4f}", f"{sp:.1e}", f"{a:.0%}", f"{ml:.4f}", f"{ma:.0%}", d]
     for s, lo, sp, a, ml, ma, d in runs],
    align="rrrrrrr",
))

# %% tags=["hide-input"]
solved_lr = sum(r[3] == 1.0 for r in runs)
solved_mlp = sum(r[5] == 1.0 for r in runs)
failed = [r for r in runs if r[5] < 1.0]
answer(
    r"No. A single-layer perceptron draws one straight line, and the derivation proved "
    r"that no line puts $(0,1), (1,0)$ on one side and $(0,0), (1,1)$ on the other. "
    r"Training agrees: from every seed, logistic regression ends where the derivation "
    r"predicted, outputting $\tfrac12$ for all four inputs (never more than $@spread$ "
    r"away) with a final loss within $@dev$ of $\ln 2 = @ln2$. Which side of "
    r"$\tfrac12$ each output falls on is then decided by where the optimiser happens "
    r"to stop, so its accuracy is chance; it solves XOR in $@solved_lr$ of 10 runs."
    "\n\n"
    r"One hidden layer fixes this. The hidden ReLU units fold the plane so that the "
    r"output layer's single line separates the *hidden* representations: `SimpleMLP(2, "
    r"4, 1)`, trained the same way, reaches 100% accuracy in $@solved_mlp$ of 10 runs. "
    r"The runs that fail have $@dead_failed$ dead units on average, against $@dead_ok$ "
    r"in the runs that succeed. A dead unit outputs 0 on every input and, since "
    r"$\operatorname{ReLU}'(z) = 0$ there, receives zero gradient: it stops learning, "
    r"leaving too few live units to carve out XOR. More hidden units make this rarer.",
    spread=max(r[2] for r in runs), dev=max(abs(r[1] - math.log(2)) for r in runs),
    ln2=math.log(2), solved_lr=solved_lr, solved_mlp=solved_mlp,
    dead_failed=round(sum(r[6] for r in failed) / max(len(failed), 1), 1),
    dead_ok=round(sum(r[6] for r in runs if r[5] == 1.0) / max(solved_mlp, 1), 1),
)

# %% [markdown]
# ## Summary
#
# - A layer is an affine map followed by an element-wise activation,
#   $\mathbf{a} = f(\mathbf{W}\mathbf{x} + \mathbf{b})$; the forward pass chains layers,
#   for one input ($\mathbf{W}\mathbf{x}$) or a batch ($\mathbf{X}\mathbf{W}^\top$), and
#   every step of the sheet's 2-2-1 example matches PyTorch.
# - `nn.Linear(d_in, d_out)` stores $\mathbf{W}$ as $(d_\text{out}, d_\text{in})$ and has
#   $d_\text{in} d_\text{out} + d_\text{out}$ parameters; `sum(p.numel() ...)` agrees
#   with the formula.
# - A decision boundary is drawn by evaluating the network on a `torch.meshgrid` grid and
#   shading it with `contourf`; `labkit.plot.decision_boundary` does both.
# - Without non-linear activations layers collapse into one affine map; a single affine
#   map cannot separate XOR, and logistic regression trained on it stays at
#   $\hat y = \tfrac12$. One hidden ReLU layer suffices, once trained.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Find weights for `SimpleMLP(2, 2, 1)` that solve XOR exactly, by hand (hint: one
#    hidden unit detects "at least one input is 1", the other "both are"). Check them with
#    `forward_batch`.
# 2. Repeat the ten-seed experiment of question 4 with 2, 8 and 16 hidden units. How does
#    the number of failed runs change, and the number of dead units?
# 3. Replace the ReLU by the sigmoid in `SimpleMLP` and train again. Does it still solve
#    XOR, and how many steps does it need?
#
# ## Next
#
# [Computation graphs and autograd](04-autograd.py) looks at how PyTorch computes the
# gradients that trained the networks above.
