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
# **Sheets:** Deep Learning (FSS24, University of Mannheim), Assignment 1 "Neural Networks",
# task 1 "Implement an MLP", a)–c).
#
# **What you need:** tensors, matrix products and broadcasting ([Tensors](01-tensors.py)),
# the sigmoid, tanh and ReLU ([Activation functions](02-activations.py)), and that autograd
# fills `.grad` when you call `.backward()` ([Computation graphs and
# autograd](04-autograd.py)). The sheet forbids NumPy and every layer of `torch.nn`
# (`nn.Linear` and friends); `nn.Parameter` and `nn.Module` are allowed, and so is all of
# plain `torch`. Symbols, shapes and the weight orientation of Part II are collected in the
# [notation](../../part-2/notation/) page.
#
# ## What you will learn
#
# - what `nn.Module` and `nn.Parameter` do for you: register parameters, list them in
#   `parameters()` and `state_dict()`, and route `model(x)` to `forward` (task 1a);
# - to write a multi-layer perceptron (MLP) of any depth and width from matrix products,
#   bias additions and activations only, and to count its parameters (task 1b);
# - why one expression, `x @ W.T + b`, serves a single input vector *and* a batch whose
#   rows are inputs, so that no `torch.vmap` and no Python loop over examples is needed
#   (task 1c);
# - to check a hand-built model against a twin built from `nn.Linear` with the same weights.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [1a Examine `LogisticRegression`](#task-1a-examine-logisticregression) | three answers | — |
# | [1b The MLP](#task-1b-the-mlp) | `mlp_forward` for one vector, `count_parameters` | 2 |
# | [1c One vector or a batch](#task-1c-one-vector-or-a-batch) | `mlp_forward` for both | 1 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import textwrap

import matplotlib.pyplot as plt
import torch
from torch import nn

import labkit.mlp
from labkit import activations, compare, get_device, max_abs_diff, plot
from labkit import seed_everything, selfcheck
from labkit.display import answer, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## Task 1a: examine LogisticRegression
#
# *Examine the class `LogisticRegression` provided to you. Pay attention to (i) how the
# parameters are stored, (ii) how the calculations in the forward pass are performed, and
# (iii) how the model is initialized and used.*
#
# For an input $\mathbf{x} \in \mathbb{R}^D$, logistic regression predicts the probability
# of class 1 as
#
# $$
# p(y = 1 \mid \mathbf{x}) = \sigma(\mathbf{w}^\top \mathbf{x} + b),
# \qquad \sigma(z) = \frac{1}{1 + e^{-z}},
# $$
#
# with parameters $\mathbf{w} \in \mathbb{R}^D$ and $b \in \mathbb{R}$: $D + 1$ numbers.
# The sheet hands out a `LogisticRegression` class; here is one written the same way
# (`labkit.mlp.LogisticRegression` is this class plus input checks):

# %%
class LogisticRegression(nn.Module):
    def __init__(self, num_inputs):
        super().__init__()  # sets up the bookkeeping that registers parameters
        self.weight = nn.Parameter(torch.randn(num_inputs) / num_inputs**0.5)  # (D,)
        self.bias = nn.Parameter(torch.zeros(()))  # ()

    def forward(self, x):  # x: (D,) or (N, D)
        return activations.sigmoid(x @ self.weight + self.bias)  # () or (N,)


# %% [markdown]
# **(i) How the parameters are stored.** Assigning an `nn.Parameter` to an attribute of
# an `nn.Module` registers it. The module can then list its parameters, which is what
# optimizers and `state_dict()` use:

# %%
logreg = LogisticRegression(3).to(device)
for name, p in logreg.named_parameters():
    print(f"{name:<7} shape {tuple(p.shape)!s:<6} requires_grad={p.requires_grad}")
print("state_dict keys:", list(logreg.state_dict()))
logreg_size = sum(p.numel() for p in logreg.parameters())
print("number of parameters:", logreg_size)

# %% [markdown]
# **(ii) How the forward pass is computed.** `forward` is one dot product, a bias and a
# sigmoid. Calling the module, `logreg(x)`, goes through `nn.Module.__call__`, which runs
# `forward`; recomputing it by hand gives the same number:

# %%
x = torch.tensor([0.5, -1.0, 2.0], device=device)
p_model = logreg(x)
p_hand = 1 / (1 + torch.exp(-(logreg.weight @ x + logreg.bias)))
_ = compare("logreg(x)", p_hand, p_model)
print(f"p(y = 1 | x) = {p_model.item():.4f}")

# %% [markdown]
# **(iii) How it is initialised and used.** The constructor draws $\mathbf{w}$ at random
# and sets $b = 0$; the module is created once (`LogisticRegression(3)`) and then called
# like a function. Because the computation is `x @ self.weight`, it already accepts a
# batch of rows, and autograd reaches the parameters:

# %%
X = torch.randn(4, 3, device=device)
probs = logreg(X)  # (4,)
probs.sum().backward()
print("probabilities:", probs.detach())
print("weight.grad:  ", logreg.weight.grad)
print("bias.grad:    ", logreg.bias.grad)

# %% tags=["hide-input"]
answer(
    r"(i) **Parameters** are attributes of type `nn.Parameter`: the weight vector of "
    r"shape `(D,)` and the scalar bias, $D + 1 = @n$ numbers for $D = 3$. "
    r"`nn.Parameter` is a tensor with `requires_grad=True` that `nn.Module` recognises "
    r"on assignment and registers; this is why `named_parameters()`, `state_dict()`, "
    r"`.to(device)` and any optimizer find them without being told." "\n\n"
    r"(ii) **Forward pass**: `forward` computes $\sigma(\mathbf{w}^\top\mathbf{x} + "
    r"b)$ with one `@`, one addition and a sigmoid; for $\mathbf{x} = (0.5, -1, 2)$ it "
    r"gives $@p$, the same number as the formula by hand. Written as `x @ self.weight` "
    r"it takes a vector `(D,)` (giving a scalar) or a batch `(N, D)` (giving `(N,)`). "
    r"Calling `model(x)` runs `forward` through `nn.Module.__call__` (which also runs "
    r"any hooks), and autograd records every operation, so `.backward()` fills "
    r"`weight.grad` and `bias.grad`: for the sum of the four probabilities above, "
    r"$\partial/\partial b = @db$." "\n\n"
    r"(iii) **Initialisation and use**: the constructor calls `super().__init__()` "
    r"first (without it, parameter registration fails), then draws the weights at "
    r"random and sets the bias to 0. The model is then created once and called like a "
    r"function on inputs; training would pass `model.parameters()` to an optimizer.",
    n=logreg_size, p=p_model, db=logreg.bias.grad,
)

# %% [markdown]
# ## Task 1b: the MLP
#
# *Complete the implementation of the class `MLP`, without any layer from `torch.nn`
# (`nn.Parameter` and `nn.Module` are allowed).*
#
# The standard template architecture stacks $L$ hidden layers of widths
# $Z_1, \dots, Z_L$ and a linear output layer. With $\mathbf{h}_0 = \mathbf{x}$ and an
# element-wise non-linearity $a$ (sigmoid, tanh or ReLU):
#
# $$
# \begin{aligned}
# \mathbf{h}_l &= a\bigl(\mathbf{W}_l \mathbf{h}_{l-1} + \mathbf{b}_l\bigr),
#   \quad l = 1, \dots, L, \\
# f(\mathbf{x}) &= \mathbf{W}_{L+1} \mathbf{h}_L + \mathbf{b}_{L+1}.
# \end{aligned}
# $$
#
# $\mathbf{W}_l$ has shape $(Z_l, Z_{l-1})$, outputs × inputs, with $Z_0 = D$ and
# $Z_{L+1}$ the number of outputs, and $\mathbf{b}_l$ has $Z_l$ entries. This is the
# orientation of `nn.Linear`'s `weight`, used on every page of Part II (see the
# [notation](../../part-2/notation/)); the sheet stores the transpose and writes
# $\mathbf{W}^\top \mathbf{x}$. Each layer has $(Z_{l-1} + 1)\, Z_l$ parameters: a weight
# from every input to every output, and one bias per output.
#
# ### Your turn: the forward pass for one vector
#
# Write the recursion above for a single input `x` of shape `(D,)`. `weights` and
# `biases` are lists with one tensor per layer; `activation` is the non-linearity
# (a function such as `activations.tanh`). Remember: no activation after the last layer.

# %%
def mlp_forward(x, weights, biases, activation):
    """f(x) for one input x: (D,). weights[l]: (Z_l, Z_{l-1}), biases[l]: (Z_l,)."""
    ### BEGIN SOLUTION
    h = x
    for l, (W, b) in enumerate(zip(weights, biases)):
        h = W @ h + b  # (Z_l,)
        if l < len(weights) - 1:
            h = activation(h)
    return h
    ### END SOLUTION


# %%
mlp_forward = selfcheck.check("mlp_forward_vector", mlp_forward)

# %% [markdown]
# The class follows `LogisticRegression`'s pattern: one `nn.Parameter` per weight matrix
# and bias vector, registered under the sheet's names `W1, b1, W2, b2, ...` with
# `register_parameter` (the number of layers is not known in advance, so plain attribute
# assignment is not enough). `forward` hands the parameters to your `mlp_forward`. The
# weights start as $\mathcal{N}(0, 1/\text{fan-in})$, so that pre-activations have
# variance about 1; hidden biases are random too, so that the units do not all bend at the
# same input.

# %%
class MLP(nn.Module):
    def __init__(self, num_inputs, num_hiddens, num_outputs, activation="sigmoid"):
        super().__init__()
        if isinstance(num_hiddens, int):
            num_hiddens = [num_hiddens]
        self.act = activations.get_activation(activation)[0]  # (f, f_grad): keep f
        sizes = [num_inputs, *num_hiddens, num_outputs]
        self.num_layers = len(sizes) - 1
        for l in range(1, self.num_layers + 1):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            W = torch.randn(fan_out, fan_in) / fan_in**0.5  # (out, in) like nn.Linear
            is_output = l == self.num_layers
            b = torch.zeros(fan_out) if is_output else torch.randn(fan_out)
            self.register_parameter(f"W{l}", nn.Parameter(W))
            self.register_parameter(f"b{l}", nn.Parameter(b))

    def weights(self):
        return [getattr(self, f"W{l}") for l in range(1, self.num_layers + 1)]

    def biases(self):
        return [getattr(self, f"b{l}") for l in range(1, self.num_layers + 1)]

    def forward(self, x):
        return mlp_forward(x, self.weights(), self.biases(), self.act)


model = MLP(3, [5, 4], 2, "tanh").to(device)
for name, p in model.named_parameters():
    print(f"{name}: {tuple(p.shape)}")
x = torch.randn(3, device=device)
print("f(x) =", model(x).detach())

# %% [markdown]
# ### Your turn: count the parameters
#
# How many numbers does training adjust? Write the count from the sizes alone, layer by
# layer; `num_hiddens` is a list of widths (possibly empty).

# %%
def count_parameters(num_inputs, num_hiddens, num_outputs):
    """Weights and biases of MLP(num_inputs, num_hiddens, num_outputs), an int."""
    ### BEGIN SOLUTION
    sizes = [num_inputs, *num_hiddens, num_outputs]
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))
    ### END SOLUTION


# %%
count_parameters = selfcheck.check("mlp_num_parameters", count_parameters)
counted = count_parameters(3, [5, 4], 2)
registered = sum(p.numel() for p in model.parameters())
print(f"formula: {counted}, registered parameters: {registered}")

# %% [markdown]
# **Check against a twin built from `nn.Linear`.** Here we *may* use `nn.Linear`: only to
# build a reference network. Its `weight` has the same `(out, in)` orientation as ours,
# so our weights copy over unchanged, and both must compute the same function.

# %%
TORCH_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}


def linear_twin(mlp, activation):
    layers = []
    for l, (W, b) in enumerate(zip(mlp.weights(), mlp.biases()), start=1):
        linear = nn.Linear(W.shape[1], W.shape[0])  # nn.Linear(in, out)
        with torch.no_grad():
            linear.weight.copy_(W)
            linear.bias.copy_(b)
        layers.append(linear)
        if l < mlp.num_layers:
            layers.append(TORCH_ACTIVATIONS[activation]())
    return nn.Sequential(*layers).to(W.device)


twin = linear_twin(model, "tanh")
print(twin)
twin_diff = compare("vector", model(x), twin(x))

# %% tags=["hide-input"]
answer(
    r"The class uses only `nn.Module`, `nn.Parameter`, `@`, `+` and the element-wise "
    r"functions of `labkit.activations` (plain tensor functions, not `torch.nn` "
    r"layers). One weight matrix of shape (out, in) and one bias vector per layer are "
    r"registered as `W1, b1, W2, b2, ...`; `forward` applies $\mathbf{h} \mapsto "
    r"a(\mathbf{W}_l\mathbf{h} + \mathbf{b}_l)$ for the hidden layers and no "
    r"activation after the last one (the template architecture for regression). "
    r"`MLP(3, [5, 4], 2)` has $(3+1)\cdot 5 + (5+1) \cdot 4 + (4+1) \cdot 2 = @n$ "
    r"parameters, as many as `parameters()` lists, and it equals the `nn.Linear` "
    r"network with the same weights (largest difference $@d$).",
    n=counted, d=twin_diff,
)

# %% [markdown]
# ## Task 1c: one vector or a batch
#
# *Expand the implementation of the class `MLP` such that (i) when a vector $\mathbf{x}$
# is provided, it computes the network's output $\mathbf{y} = f(\mathbf{x})$ as a vector;
# (ii) when a matrix is provided, it computes the network's output for each row as a
# matrix. Do not use `torch.vmap`, but directly implement the required operations
# efficiently.*
#
# Stack $N$ inputs as the rows of $\mathbf{X} \in \mathbb{R}^{N \times D}$. Then
# `W @ X` does not even run: the columns of `X` are not inputs.

# %%
W = torch.randn(5, 3, device=device)  # a layer with 3 inputs and 5 outputs
X = torch.randn(6, 3, device=device)  # 6 inputs, one per row
try:
    W @ X
except RuntimeError as err:
    print("W @ X:", err)
print("X @ W.T has shape", tuple((X @ W.T).shape))

# %% [markdown]
# Row $n$ of $\mathbf{X}\mathbf{W}^\top$ is
# $\mathbf{x}_n^\top \mathbf{W}^\top = (\mathbf{W}\mathbf{x}_n)^\top$, so one matrix
# product computes the layer for every example at once:
#
# $$
# \begin{aligned}
# \mathbf{X} &= \begin{pmatrix} \mathbf{x}_1^\top \\ \vdots \\ \mathbf{x}_N^\top
#   \end{pmatrix}, \\
# \mathbf{X}\mathbf{W}^\top + \mathbf{1}\mathbf{b}^\top &=
#   \begin{pmatrix} (\mathbf{W}\mathbf{x}_1 + \mathbf{b})^\top \\ \vdots \\
#   (\mathbf{W}\mathbf{x}_N + \mathbf{b})^\top \end{pmatrix}.
# \end{aligned}
# $$
#
# The term $\mathbf{1}\mathbf{b}^\top$ (the bias in every row) is what broadcasting does
# when a `(N, Z)` tensor and a `(Z,)` tensor are added. And for a 1-D tensor `x` of shape
# `(D,)`, `x @ W.T` is the same vector as `W @ x`. So the line `h @ W.T + b` is correct
# for a vector and for a batch, and the activation is element-wise anyway: the whole
# forward pass works for both without change.
#
# ### Your turn: the forward pass for a vector or a batch
#
# Rewrite `mlp_forward` so that `x` may be a vector `(D,)` or a batch `(N, D)`. The class
# looks `mlp_forward` up each time it is called, so `model(X)` uses the new version at
# once.

# %%
def mlp_forward(x, weights, biases, activation):
    """f(x) for x: (D,) -> (Z_L,), or for every row of x: (N, D) -> (N, Z_L)."""
    ### BEGIN SOLUTION
    h = x
    for l, (W, b) in enumerate(zip(weights, biases)):
        h = h @ W.T + b  # (Z_l,) or (N, Z_l)
        if l < len(weights) - 1:
            h = activation(h)
    return h
    ### END SOLUTION


# %%
mlp_forward = selfcheck.check("mlp_forward", mlp_forward)
print("vector:", tuple(X[0].shape), "->", tuple(model(X[0]).shape))
print("batch: ", tuple(X.shape), "->", tuple(model(X).shape))

# %% [markdown]
# **Check.** Against the `nn.Linear` twin, for every activation and a few architectures,
# including one without hidden layer (`[]`, a linear model) and a deep narrow one; and the
# task's defining property, that the output for the vector $\mathbf{x}_n$ is row $n$ of
# the batch output. The table lists the largest absolute differences; anything around
# $10^{-7}$ is float32 rounding.

# %%
rows, largest = [], 0.0
for activation in ["sigmoid", "tanh", "relu"]:
    for hiddens in ([], [1], [8], [4, 4, 4]):
        net = MLP(2, hiddens, 3, activation).to(device)
        X2 = torch.randn(7, 2, device=device)
        Y2 = net(X2)  # (7, 3)
        Y2_rows = torch.stack([net(x2) for x2 in X2])  # one vector at a time
        Y2_twin = linear_twin(net, activation)(X2)
        diffs = [max_abs_diff(Y2, Y2_twin), max_abs_diff(Y2_rows, Y2_twin),
                 max_abs_diff(Y2_rows, Y2)]
        largest = max(largest, *diffs)
        rows.append([f"{activation} {hiddens}", *diffs])
show_markdown(table(["network", "batch vs twin", "vectors vs twin",
                     "vector vs batch row"], rows))
assert largest < 1e-5

# %% [markdown]
# With batches, drawing the function a network computes takes one call. What does a
# freshly initialised MLP compute? Five random networks with one hidden layer of 10 units
# per activation, on 300 inputs at once: each is a sum of 10 shifted and scaled sigmoids,
# tanhs or ReLU hinges, plus a bias. Training
# ([Regression experiments](08-regression-experiments.py)) will choose the weights so
# that such a sum follows data.

# %%
x_grid = torch.linspace(-4, 4, 300, device=device).unsqueeze(1)  # (300, 1): a batch
fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.8), sharey=True)
for ax, activation in zip(axes, ["sigmoid", "tanh", "relu"]):
    for _ in range(5):
        net = MLP(1, 10, 1, activation).to(device)
        with torch.no_grad():
            ax.plot(x_grid.squeeze(1).cpu(), net(x_grid).squeeze(1).cpu(), lw=1.5)
    ax.set_title(f"{activation}, 10 units")
    ax.set_xlabel("$x$")
axes[0].set_ylabel("$f(x)$ at initialisation")
plt.show()

# %% tags=["hide-input"]
answer(
    r"No extra code is needed beyond writing each layer as `h @ W.T + b`. For a vector "
    r"`h` of shape `(in,)` this is $\mathbf{W}\mathbf{h} + \mathbf{b}$; for a matrix "
    r"whose rows are inputs it is $\mathbf{H}\mathbf{W}^\top + "
    r"\mathbf{1}\mathbf{b}^\top$, the same map applied to every row, computed as one "
    r"matrix product (which is what makes it efficient: no Python loop, one call into "
    r"an optimised matrix-multiply kernel). Broadcasting adds the bias to every row, "
    r"and the activation is element-wise. Over the @k networks of the table, batch, "
    r"single vectors and the `nn.Linear` twin agree to within $@d$, float32 rounding.",
    k=len(rows), d=largest,
)

# %% [markdown]
# ## Summary
#
# `labkit.mlp.MLP` is the class of this page with input checks (last dimension, number of
# dimensions, a floating dtype matching the model's, a valid activation name), a
# `hidden(x)` method that returns every hidden layer's output (the next page plots them)
# and `num_hiddens=0` for "no hidden layer"; `labkit.mlp.mlp_forward` and
# `labkit.mlp.num_parameters` are your two functions. It registers the same parameter
# names in the same orientation, so our weights load into it directly, and it agrees:

# %%
lk_model = labkit.mlp.MLP(3, [5, 4], 2, "tanh").to(device)
lk_model.load_state_dict(model.state_dict())
compare("MLP batch", lk_model(X), model(X))
compare("MLP vector", lk_model(X[0]), model(X[0]))
lk_logreg = labkit.mlp.LogisticRegression(3).to(device)
lk_logreg.load_state_dict(logreg.state_dict())
compare("LogReg", lk_logreg(X), logreg(X))
print("num_parameters:", labkit.mlp.num_parameters(3, [5, 4], 2), "=", counted)

# %% [markdown]
# Its error messages say what was expected and what was given:

# %%
def show_error(err):
    print(textwrap.fill(f"{type(err).__name__}: {err}", 76, subsequent_indent="    "))


bad_inputs = [torch.randn(6, 4), torch.randn(2, 3, 3),
              torch.ones(6, 3, dtype=torch.int64)]
for bad in bad_inputs:
    try:
        lk_model(bad.to(device))
    except (ValueError, TypeError) as err:
        show_error(err)
try:
    labkit.mlp.MLP(3, 5, 2, activation="softplus")
except ValueError as err:
    show_error(err)

# %% [markdown]
# - An `nn.Module` stores its parameters as `nn.Parameter` attributes (or through
#   `register_parameter`), which makes them visible to `parameters()`, `state_dict()`,
#   `.to()` and optimizers; `model(x)` runs `forward`.
# - An MLP is a loop over layers of `h = a(h @ W.T + b)` with a linear last layer, and has
#   $\sum_l (Z_{l-1} + 1) Z_l$ parameters. With weights stored `(out, in)`, as `nn.Linear`
#   stores them, the same code serves a single vector and a batch of rows.
# - A hand-built model is checked by copying its weights into an `nn.Linear` twin and
#   comparing outputs; ours agrees for every activation and shape tried.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Give `MLP` a different activation per layer (a list of names). What is the smallest
#    change to `mlp_forward`?
# 2. Time `mlp_forward` on a batch of 10,000 rows against a Python loop over the rows
#    (one vector at a time). How large is the ratio, and how does it change with the
#    width of the layers?
# 3. `nn.Linear` initialises its weights uniformly on $[-1/\sqrt{\text{fan-in}},
#    1/\sqrt{\text{fan-in}}]$. What variance is that, and how does it compare with the
#    $\mathcal{N}(0, 1/\text{fan-in})$ used here?
#
# ## Next
#
# [Regression experiments with MLPs](08-regression-experiments.py) trains this model on a
# 1-D regression problem with 0 to 100 hidden units.
