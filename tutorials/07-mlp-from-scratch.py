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
# # An MLP without torch.nn layers
#
# **Sheet:** Deep Learning (FSS24, University of Mannheim), Assignment 1 "Neural Networks",
# task 1 "Implement an MLP", a)–c).
#
# **What you need:** tensors, matrix products and broadcasting (tutorial 01, "Tensors"), the
# sigmoid, tanh and ReLU (tutorial 02, "Activation functions"), and that autograd fills
# `.grad` when you call `.backward()`. The sheet forbids NumPy and every layer of `torch.nn`
# (`nn.Linear` and friends); `nn.Parameter` and `nn.Module` are allowed, and so is all of
# plain `torch`.

# %% [markdown]
# ## What you will learn
#
# - what `nn.Module` and `nn.Parameter` do for you: register parameters, list them in
#   `parameters()` / `state_dict()`, and route `model(x)` to `forward` (task 1 a);
# - how to write a multi-layer perceptron (MLP) of any depth and width from matrix products,
#   bias additions and activations only (task 1 b);
# - why one expression, `x @ W + b`, serves a single input vector *and* a batch whose rows are
#   inputs, so that no `torch.vmap` and no Python loop over examples is needed (task 1 c);
# - how to check a hand-built model against a twin built from `nn.Linear` with the same weights.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

import labkit.mlp
from labkit import compare, get_device, max_abs_diff, plot, seed_everything
from labkit.display import show_markdown

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### Logistic regression, the sheet's reference model (task 1 a)
#
# For an input $\mathbf{x} \in \mathbb{R}^D$, logistic regression predicts the probability of
# class 1 as
#
# $$
# p(y = 1 \mid \mathbf{x}) = \sigma(\mathbf{w}^\top \mathbf{x} + b),
# \qquad \sigma(z) = \frac{1}{1 + e^{-z}},
# $$
#
# with parameters $\mathbf{w} \in \mathbb{R}^D$ and $b \in \mathbb{R}$: $D + 1$ numbers.
#
# ### The MLP (task 1 b)
#
# The standard template architecture stacks $L$ hidden layers of widths $Z_1, \dots, Z_L$ and a
# linear output layer. With $\mathbf{h}_0 = \mathbf{x}$ and an element-wise non-linearity $a$
# (sigmoid, tanh or ReLU):
#
# $$
# \mathbf{h}_l = a\bigl(\mathbf{W}_l^\top \mathbf{h}_{l-1} + \mathbf{b}_l\bigr), \quad l = 1, \dots, L,
# \qquad
# f(\mathbf{x}) = \mathbf{W}_{L+1}^\top \mathbf{h}_L + \mathbf{b}_{L+1}.
# $$
#
# $\mathbf{W}_l$ has shape $(Z_{l-1}, Z_l)$ (fan-in × fan-out, with $Z_0 = D$ and $Z_{L+1}$ the
# number of outputs) and $\mathbf{b}_l$ has $Z_l$ entries. This is the orientation the sheet
# uses ($z_1 = \mathbf{W}_1^\top x$ in task 3); `nn.Linear` stores the transpose,
# $(Z_l, Z_{l-1})$. The network has $\sum_{l=1}^{L+1} (Z_{l-1} + 1)\, Z_l$ parameters.
#
# ### Vectors and batches (task 1 c)
#
# Stack $N$ inputs as the rows of $\mathbf{X} \in \mathbb{R}^{N \times D}$. Row $n$ of
# $\mathbf{X}\mathbf{W}$ is $\mathbf{x}_n^\top \mathbf{W} = (\mathbf{W}^\top \mathbf{x}_n)^\top$,
# so one matrix product computes the layer for every example at once:
#
# $$
# \mathbf{X} = \begin{pmatrix} \mathbf{x}_1^\top \\ \vdots \\ \mathbf{x}_N^\top \end{pmatrix}
# \;\mapsto\;
# \mathbf{X}\mathbf{W} + \mathbf{1}\mathbf{b}^\top =
# \begin{pmatrix} (\mathbf{W}^\top\mathbf{x}_1 + \mathbf{b})^\top \\ \vdots \\
# (\mathbf{W}^\top\mathbf{x}_N + \mathbf{b})^\top \end{pmatrix}.
# $$
#
# The term $\mathbf{1}\mathbf{b}^\top$ (the bias in every row) is what broadcasting does when
# a `(N, Z)` tensor and a `(Z,)` tensor are added. And for a 1-D tensor `x` of shape `(D,)`,
# `x @ W` is the vector-matrix product $\mathbf{x}^\top\mathbf{W}$ of shape `(Z,)`. So the same
# line `h @ W + b` is correct for a vector and for a batch, and the activation is element-wise
# anyway: the whole forward pass works for both without change.

# %% [markdown]
# ## Implementation
#
# ### Task 1 a): examining `LogisticRegression`
#
# The sheet hands out a `LogisticRegression` class; here is one written the same way
# (`labkit.mlp.LogisticRegression` is this class plus input checks):

# %%
class LogisticRegression(nn.Module):
    def __init__(self, num_inputs):
        super().__init__()  # sets up the bookkeeping that registers parameters
        self.weight = nn.Parameter(torch.randn(num_inputs) / num_inputs**0.5)  # D
        self.bias = nn.Parameter(torch.zeros(()))  # ()

    def forward(self, x):  # x: (D,) or (N, D)
        return torch.sigmoid(x @ self.weight + self.bias)  # () or (N,)


logreg = LogisticRegression(3).to(device)
logreg

# %% [markdown]
# **(i) How the parameters are stored.** Assigning an `nn.Parameter` to an attribute of an
# `nn.Module` registers it. The module can then list its parameters, which is what optimizers
# and `state_dict()` use:

# %%
for name, p in logreg.named_parameters():
    print(f"{name:<7} shape {tuple(p.shape)!s:<6} requires_grad={p.requires_grad}")
print("state_dict keys:", list(logreg.state_dict()))

# %% [markdown]
# **(ii) How the forward pass is computed.** `forward` is one dot product, a bias and a
# sigmoid. Calling the module, `logreg(x)`, goes through `nn.Module.__call__`, which runs
# `forward`; recomputing it by hand gives the same number:

# %%
x = torch.tensor([0.5, -1.0, 2.0], device=device)
p_model = logreg(x)
p_hand = 1 / (1 + torch.exp(-(logreg.weight @ x + logreg.bias)))
compare("logreg(x)", p_hand, p_model)
p_model

# %% [markdown]
# **(iii) How it is initialised and used.** The constructor draws $\mathbf{w}$ at random and sets
# $b = 0$; the module is created once (`LogisticRegression(3)`) and then called like a function.
# Because the computation is `x @ self.weight`, it already accepts a batch of rows, and
# autograd reaches the parameters:

# %%
X = torch.randn(4, 3, device=device)
probs = logreg(X)  # (4,)
probs.sum().backward()
print("probabilities:", probs.detach())
print("weight.grad:  ", logreg.weight.grad)

# %% [markdown]
# ### Task 1 b) and c): the MLP
#
# The MLP follows the same pattern: one `nn.Parameter` per weight matrix and bias vector,
# registered under the sheet's names `W1, b1, W2, b2, ...` with `register_parameter` (we do not
# know the number of layers in advance, so plain attribute assignment is not enough). `forward`
# is the derivation's recursion, and it handles vectors and batches alike because every line is
# `h @ W + b`. Weights start as $\mathcal{N}(0, 1/\text{fan-in})$ so that pre-activations have
# variance about 1; hidden biases are random too, so the units do not all bend at the same
# input.

# %%
ACTIVATIONS = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}


class MLP(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_outputs, activation="sigmoid"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, "
                             f"got {activation!r}")
        if isinstance(num_hiddens, int):
            num_hiddens = [num_hiddens]
        self.num_inputs = num_inputs
        self.act = ACTIVATIONS[activation]
        sizes = [num_inputs, *num_hiddens, num_outputs]
        self.num_layers = len(sizes) - 1
        for l in range(1, self.num_layers + 1):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            W = torch.randn(fan_in, fan_out) / fan_in**0.5
            is_output = l == self.num_layers
            b = torch.zeros(fan_out) if is_output else torch.randn(fan_out)
            self.register_parameter(f"W{l}", nn.Parameter(W))
            self.register_parameter(f"b{l}", nn.Parameter(b))

    def forward(self, x):  # x: (num_inputs,) or (N, num_inputs)
        if x.ndim not in (1, 2) or x.shape[-1] != self.num_inputs:
            D = self.num_inputs
            raise ValueError(f"x must have shape ({D},) or (N, {D}), "
                             f"got {tuple(x.shape)}")
        h = x
        for l in range(1, self.num_layers + 1):
            W, b = getattr(self, f"W{l}"), getattr(self, f"b{l}")
            h = h @ W + b  # (N, fan_out) or (fan_out,)
            if l < self.num_layers:
                h = self.act(h)
        return h  # (num_outputs,) or (N, num_outputs)


model = MLP(3, [5, 4], 2, "tanh").to(device)
for name, p in model.named_parameters():
    print(f"{name}: {tuple(p.shape)}")
print("number of parameters:", sum(p.numel() for p in model.parameters()))

# %% [markdown]
# The count agrees with $\sum_l (Z_{l-1} + 1) Z_l$ for $Z = (3, 5, 4, 2)$. One input vector gives
# one output vector; a batch gives one output row per input row:

# %%
X = torch.randn(6, 3, device=device)
print("vector:", tuple(X[0].shape), "->", tuple(model(X[0]).shape))
print("batch: ", tuple(X.shape), "->", tuple(model(X).shape))
model(X)

# %% [markdown]
# ## Check
#
# ### Against a twin built from `nn.Linear`
#
# Here we *may* use `nn.Linear`: only to build a reference network, copying our weights in
# (transposed, because `nn.Linear` stores `(fan_out, fan_in)`). Both must compute the same
# function, for a vector and for a batch.

# %%
TORCH_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}


def linear_twin(mlp, activation):
    layers = []
    for l in range(1, mlp.num_layers + 1):
        W, b = getattr(mlp, f"W{l}"), getattr(mlp, f"b{l}")
        linear = nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            linear.weight.copy_(W.T)
            linear.bias.copy_(b)
        layers.append(linear)
        if l < mlp.num_layers:
            layers.append(TORCH_ACTIVATIONS[activation]())
    return nn.Sequential(*layers).to(W.device)


twin = linear_twin(model, "tanh")
print(twin)
compare("batch", model(X), twin(X))
compare("vector", model(X[0]), twin(X[0]));

# %% [markdown]
# The same for every activation and a few architectures, including one without hidden layer
# (`[]`, a linear model) and a deep narrow one. We also check task 1 c)'s defining property: the
# output for the vector $\mathbf{x}_n$ is row $n$ of the batch output. The table lists the
# maximum absolute differences; anything around $10^{-7}$ is float32 rounding.

# %%
rows = ["| network | batch vs twin | vectors vs twin | vector vs batch row |",
        "|---|---|---|---|"]
for activation in ACTIVATIONS:
    for hiddens in ([], [1], [8], [4, 4, 4]):
        net = MLP(2, hiddens, 3, activation).to(device)
        X2 = torch.randn(7, 2, device=device)
        Y2 = net(X2)  # (7, 3)
        Y2_rows = torch.stack([net(x2) for x2 in X2])  # one vector at a time
        Y2_twin = linear_twin(net, activation)(X2)
        diffs = [max_abs_diff(Y2, Y2_twin), max_abs_diff(Y2_rows, Y2_twin),
                 max_abs_diff(Y2_rows, Y2)]
        cells = " | ".join(f"{d:.1e}" for d in diffs)
        rows.append(f"| {activation} {hiddens} | {cells} |")
show_markdown("\n".join(rows))

# %% [markdown]
# A wrong input shape is reported in the caller's terms:

# %%
try:
    model(torch.randn(6, 4, device=device))
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ### labkit's version agrees
#
# `labkit.mlp.MLP` is the class above with input checks (last dimension, number of dimensions,
# floating dtype matching the model's, valid activation name), a `hidden(x)` method that returns
# every hidden layer's output (tutorial 08 plots them) and `num_hiddens=0` for "no hidden layer".
# It registers the same parameter names, so our weights load into it directly:

# %%
lk_model = labkit.mlp.MLP(3, [5, 4], 2, "tanh").to(device)
lk_model.load_state_dict(model.state_dict())
compare("MLP batch", lk_model(X), model(X))
compare("MLP vector", lk_model(X[0]), model(X[0]))
lk_logreg = labkit.mlp.LogisticRegression(3).to(device)
lk_logreg.load_state_dict(logreg.state_dict())
compare("LogReg", lk_logreg(X), logreg(X))
lk_model

# %% [markdown]
# Its error messages say what was expected and what was given:

# %%
bad_inputs = [torch.randn(6, 4), torch.randn(2, 3, 3),
              torch.ones(6, 3, dtype=torch.int64)]
for bad in bad_inputs:
    try:
        lk_model(bad.to(device))
    except (ValueError, TypeError) as err:
        print(f"{type(err).__name__}: {err}")
try:
    labkit.mlp.MLP(3, 5, 2, activation="softplus")
except ValueError as err:
    print(f"ValueError: {err}")

# %% [markdown]
# ## Plot
#
# What does a freshly initialised MLP compute? For a 1-D input we can draw the function. Five
# random networks with one hidden layer of 10 units per activation: sums of 10 shifted and
# scaled sigmoids, tanhs or ReLU hinges, plus a bias. Training (tutorial 08) will choose the
# weights so that such a sum follows data.

# %%
x_grid = torch.linspace(-4, 4, 300, device=device).unsqueeze(1)  # (300, 1)
fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.0), sharey=True)
for ax, activation in zip(axes, ACTIVATIONS):
    for _ in range(5):
        net = MLP(1, 10, 1, activation).to(device)
        with torch.no_grad():
            ax.plot(x_grid.squeeze(1).cpu(), net(x_grid).squeeze(1).cpu(), lw=1.5)
    ax.set_title(f"{activation}, 10 hidden units")
    ax.set_xlabel("$x$")
axes[0].set_ylabel("$f(x)$ at initialisation")
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# **Task 1 a): examine `LogisticRegression`.**
#
# <details><summary>Answer</summary>
#
# (i) **Parameters** are attributes of type `nn.Parameter`: the weight vector of shape `(D,)` and
# the scalar bias. `nn.Parameter` is a tensor with `requires_grad=True` that `nn.Module`
# recognises on assignment and registers; this is why `named_parameters()`, `state_dict()`,
# `.to(device)` and any optimizer find them without being told.
#
# (ii) **Forward pass**: `forward` computes $\sigma(\mathbf{w}^\top\mathbf{x} + b)$ with one
# `@`, one addition and a sigmoid. Written as `x @ self.weight` it takes a vector `(D,)` (giving
# a scalar) or a batch `(N, D)` (giving `(N,)`). Calling `model(x)` runs `forward` through
# `nn.Module.__call__` (which also runs any hooks), and autograd records every operation, so
# `.backward()` fills `weight.grad` and `bias.grad`.
#
# (iii) **Initialisation and use**: the constructor calls `super().__init__()` first (without it
# parameter registration fails), then draws the weights at random and sets the bias to 0. The
# model is then created once and called like a function on inputs; training would pass
# `model.parameters()` to an optimizer.
#
# </details>
#
# **Task 1 b): implement `MLP` without `torch.nn` layers.**
#
# <details><summary>Answer</summary>
#
# The class above uses only `nn.Module`, `nn.Parameter`, `@`, `+` and `torch.sigmoid` /
# `torch.tanh` / `torch.relu` (plain tensor functions, not `torch.nn` layers). One weight
# matrix `(fan_in, fan_out)` and one bias vector per layer are registered as `W1, b1, W2, b2,
# ...`; `forward` applies $\mathbf{h} \mapsto a(\mathbf{h}\mathbf{W}_l + \mathbf{b}_l)$ for the
# hidden layers and no activation after the last one (the template architecture for regression).
# The check above shows that it equals the `nn.Linear` network with the same weights for all three
# activations, several depths and widths.
#
# </details>
#
# **Task 1 c): vectors and matrices, without `torch.vmap`.**
#
# <details><summary>Answer</summary>
#
# No extra code is needed: with weights stored as `(fan_in, fan_out)`, a layer is `h @ W + b`.
# For a vector `h` of shape `(fan_in,)` this is $\mathbf{W}^\top\mathbf{h} + \mathbf{b}$; for a
# matrix whose rows are inputs it is $\mathbf{H}\mathbf{W} + \mathbf{1}\mathbf{b}^\top$, i.e. the
# same map applied to every row, computed as one matrix product (which is what makes it
# efficient: no Python loop, one call into an optimised matrix-multiply kernel). Broadcasting
# adds the bias to every row, and the activation is element-wise. The check confirmed that the
# vector output equals the corresponding row of the batch output.
#
# </details>

# %% [markdown]
# ## Summary
#
# - An `nn.Module` stores its parameters as `nn.Parameter` attributes (or via
#   `register_parameter`), which makes them visible to `parameters()`, `state_dict()`, `.to()`
#   and optimizers; `model(x)` runs `forward`.
# - An MLP is a loop over layers of `h = a(h @ W + b)` with a linear last layer; with weights
#   stored `(fan_in, fan_out)` the same code serves a single vector and a batch of rows.
# - A hand-built model is checked by copying its weights into an `nn.Linear` twin and comparing
#   outputs; ours agrees for every activation and shape tried.
# - From now on, `labkit.mlp.MLP(num_inputs, num_hiddens, num_outputs, activation)` is this
#   model; tutorial 08 trains it on a regression problem.
