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
# # Backpropagation by hand
#
# **Sheets:** Deep Learning (FSS24, University of Mannheim), Assignment 1 "Neural
# Networks", task 3 "Backpropagation": the forward and the backward pass of the
# one-hidden-layer sigmoid network of task 2 with $Z = 50$ hidden units, computed with
# basic tensor operations and derived on paper.
#
# **What you need:** the MLP of [An MLP without torch.nn layers](07-mlp-from-scratch.py)
# and the regression data of [Regression experiments](08-regression-experiments.py); the
# sigmoid's derivative $\sigma'(z) = \sigma(z)(1 - \sigma(z))$
# ([Activation functions](02-activations.py)); the chain rule on a compute graph
# ([Computation graphs and autograd](04-autograd.py)); matrix–vector products. Symbols,
# shapes and the weight orientation are those of the [notation](../../part-2/notation/)
# page.
#
# ## What you will learn
#
# - to write the forward pass of the sheet's compute graph, $\mathbf{z}_1, \mathbf{z}_2,
#   \mathbf{z}_3, z_4, \hat y$, with one tensor operation per node;
# - to derive the gradient of the loss $L = (y - \hat y)^2$ with respect to every node and
#   parameter, one chain-rule step per edge of the backward graph, and why the shapes come
#   out as outer products and transposed matrix–vector products;
# - to check every hand-computed gradient against autograd, printing the largest
#   difference;
# - why units whose sigmoid is saturated receive almost no gradient.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [Task 3: the compute graph](#task-3-the-compute-graph) | — (the network and its graph) | — |
# | [Task 3, first part: the forward pass](#task-3-first-part-the-forward-pass) | `forward_graph` | 1 |
# | [Task 3, second part: the backward pass](#task-3-second-part-the-backward-pass) | `grad_loss`, `grad_output_layer`, `grad_sigmoid_node`, `grad_hidden_layer` | 4 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from labkit import backprop, compare, get_device, plot, seed_everything, selfcheck
from labkit.datasets import regression_1d
from labkit.display import answer, paren, show_math
from labkit.graph import draw_graph
from labkit.mlp import MLP

plot.use_style()
seed_everything(0)
device = get_device()
DTYPE = torch.float64  # so that hand-made and autograd gradients agree to ~1e-15

# %% [markdown]
# ## Task 3: the compute graph
#
# *Consider the network of the previous task with a single hidden layer of size
# $Z = 50$. The network is represented by a compute graph: matrix–vector multiplications,
# element-wise additions, the logistic function applied element-wise, and a unit that
# computes the loss $L = (y - \hat y)^2$.*
#
# The network has $D$ inputs ($D = 1$ for our data), $Z = 50$ hidden units and one output.
# Its parameters are $\mathbf{W}_1 \in \mathbb{R}^{Z \times D}$,
# $\mathbf{b}_1 \in \mathbb{R}^{Z}$, $\mathbf{W}_2 \in \mathbb{R}^{1 \times Z}$ and
# $b_2 \in \mathbb{R}$, in `nn.Linear`'s (out, in) orientation, as in `labkit.mlp.MLP`.
# The sheet stores the transposes and writes $\mathbf{W}_1^\top \mathbf{x}$; here the
# same product is $\mathbf{W}_1 \mathbf{x}$. For one input $\mathbf{x} \in \mathbb{R}^D$
# and its target $y$ the graph computes, one node a line:
#
# $$
# \begin{aligned}
# \mathbf{z}_1 &= \mathbf{W}_1 \mathbf{x} \in \mathbb{R}^Z \\
# \mathbf{z}_2 &= \mathbf{z}_1 + \mathbf{b}_1 \\
# [\mathbf{z}_3]_k &= \sigma([\mathbf{z}_2]_k), \quad k = 1, \dots, Z \\
# z_4 &= \mathbf{W}_2 \mathbf{z}_3 \in \mathbb{R} \\
# \hat y &= z_4 + b_2 \\
# L &= (y - \hat y)^2 .
# \end{aligned}
# $$
#
# **A warning about names.** The sheet calls the *prediction* $y$ and the *target*
# $\hat y$ ("the loss between prediction $y$ and target $\hat y$"). This page, like the
# rest of the course, does the reverse: $\hat y$ is the network's prediction and $y$ the
# target. The loss $(y - \hat y)^2$ reads the same either way.
#
# **The parameters.** The sheet extracts them from a network trained in task 2. We do the
# same with a `labkit.mlp.MLP(1, 50, 1)` trained for 400 steps of plain full-batch
# gradient descent on the regression data of the previous page (short training, not to
# convergence: the point is realistic, non-symmetric weights, not a good fit).

# %%
X_train, y_train, _, _ = (t.to(device, DTYPE) for t in regression_1d())
gen = torch.Generator().manual_seed(0)
model = MLP(1, 50, 1, "sigmoid", generator=gen).to(device, DTYPE)
lr = 0.1
for step in range(400):
    loss = ((model(X_train).squeeze(1) - y_train) ** 2).mean()  # 1. forward, loss
    model.zero_grad()
    loss.backward()  # 2. backward
    with torch.no_grad():  # 3. update
        for p in model.parameters():
            p -= lr * p.grad
    if step in (0, 399):
        print(f"step {step}: training MSE {loss.item():.4f}")

# %% [markdown]
# We take the parameters out as plain tensors (no autograd history) and pick one
# training example $(\mathbf{x}, y)$:

# %%
W1, b1, W2, b2 = (p.detach().clone() for p in model.parameters())
n = 7
x, y = X_train[n], y_train[n : n + 1]  # x: (1,), y: (1,)
for name, t in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2), ("x", x), ("y", y)]:
    print(f"{name:<3} shape {tuple(t.shape)}")

# %% [markdown]
# Autograd records the same graph when the leaves require gradients.
# `labkit.graph.draw_graph` draws what it recorded: the leaves (inputs, target and
# parameters) on the left, one box per operation (`mv` is a matrix–vector product), and
# the loss on the right. `F.mse_loss(..., reduction="sum")` computes
# $(y - \hat y)^2$ as one node, like the sheet's loss unit.

# %%
leaves = {name: t.clone().requires_grad_() for name, t in
          [("x", x), ("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2), ("y", y)]}
ag = {"z1": leaves["W1"] @ leaves["x"]}
ag["z2"] = ag["z1"] + leaves["b1"]
ag["z3"] = torch.sigmoid(ag["z2"])
ag["z4"] = leaves["W2"] @ ag["z3"]
ag["y_hat"] = ag["z4"] + leaves["b2"]
ag["L"] = F.mse_loss(ag["y_hat"], leaves["y"], reduction="sum")
draw_graph(ag["L"], {**leaves, **ag}, title="The compute graph of task 3")
plt.show()

# %% [markdown]
# ## Task 3, first part: the forward pass
#
# *Compute the results of the forward pass directly using basic PyTorch operations. Your
# code must only access model inputs, targets, and parameters ($\mathbf{x}$, $y$,
# $\mathbf{W}_1$, $\mathbf{b}_1$, $\mathbf{W}_2$, $b_2$).*
#
# ### Your turn
#
# One line per node of the graph, with the sigmoid written out as
# $1 / (1 + e^{-z})$. Return every node's value: the backward pass needs them.

# %%
def forward_graph(x, W1, b1, W2, b2):
    """x: (D,), W1: (Z, D), b1: (Z,), W2: (K, Z), b2: (K,) -> z1, z2, z3, z4, y_hat."""
    ### BEGIN SOLUTION
    z1 = W1 @ x  # (Z,)
    z2 = z1 + b1  # (Z,)
    z3 = 1 / (1 + torch.exp(-z2))  # (Z,)   σ element-wise
    z4 = W2 @ z3  # (K,)
    y_hat = z4 + b2  # (K,)
    return z1, z2, z3, z4, y_hat
    ### END SOLUTION


# %%
forward_graph = selfcheck.check("forward_graph", forward_graph)

# %% [markdown]
# On the example, every node against autograd's graph above (which used
# `torch.sigmoid`) and the prediction against the trained `MLP` itself:

# %%
z1, z2, z3, z4, y_hat = forward_graph(x, W1, b1, W2, b2)
L = ((y - y_hat) ** 2).sum()  # ()
forward = {"z1": z1, "z2": z2, "z3": z3, "z4": z4, "y_hat": y_hat}
largest_forward = max(compare(name, mine, ag[name]) for name, mine in forward.items())
_ = compare("MLP(x)", y_hat, model(x))

# %% [markdown]
# The scalar part of the forward pass with its numbers:

# %% tags=["hide-input"]
show_math(
    r"""\begin{aligned}
x &= @x, \qquad y = @y \\
z_4 &= \mathbf{W}_2 \mathbf{z}_3 = @z4 \\
\hat y &= z_4 + b_2 = @z4 + @b2 = @yhat \\
L &= (y - \hat y)^2 = (@y - @yhat_p)^2 = @L
\end{aligned}""",
    x=x, y=y, z4=z4, b2=paren(b2.item()), yhat=y_hat, yhat_p=paren(y_hat.item()), L=L,
)

# %% tags=["hide-input"]
answer(
    r"One matrix–vector product, one addition, the sigmoid written as `1 / (1 + "
    r"exp(-z))`, one more matrix–vector product and one addition; only $\mathbf{x}, y$ "
    r"and the parameters are used. With $\mathbf{W}_1 \in \mathbb{R}^{Z\times D}$ and "
    r"$\mathbf{W}_2 \in \mathbb{R}^{1 \times Z}$:" "\n\n"
    r"| quantity | formula | shape |" "\n"
    r"|---|---|---|" "\n"
    r"| $\mathbf{z}_1$ | $\mathbf{W}_1 \mathbf{x}$ | $(Z,)$ |" "\n"
    r"| $\mathbf{z}_2$ | $\mathbf{z}_1 + \mathbf{b}_1$ | $(Z,)$ |" "\n"
    r"| $\mathbf{z}_3$ | $\sigma(\mathbf{z}_2)$, element-wise | $(Z,)$ |" "\n"
    r"| $z_4$ | $\mathbf{W}_2 \mathbf{z}_3$ | $(1,)$ |" "\n"
    r"| $\hat y$ | $z_4 + b_2$ | $(1,)$ |" "\n\n"
    r"For training example $n = @n$ ($x = @x$, target $y = @y$) the network predicts "
    r"$\hat y = @yhat$ and the loss is $L = @L$; every node agrees with autograd's "
    r"graph to within $@d$.",
    n=n, x=x, y=y, yhat=y_hat, L=L, d=largest_forward,
)

# %% [markdown]
# ## Task 3, second part: the backward pass
#
# *Compute the results of the backward pass directly using basic PyTorch operations
# (without autograd). Your code must only access model inputs, targets, parameters, and
# forward pass outputs ($\mathbf{x}$, $y$, $\mathbf{W}_1$, $\mathbf{b}_1$,
# $\mathbf{W}_2$, $b_2$, $\mathbf{z}_1$, $\mathbf{z}_2$, $\mathbf{z}_3$, $z_4$,
# $\hat y$). Give derivations and resulting formulas for each of these quantities.*
#
# Write $\bar v = \partial L / \partial v$ for the gradient of the loss with respect to a
# node $v$; it has the same shape as $v$, and the code calls it `dv`. Backpropagation
# walks the graph from $L$ back to the inputs, and each step multiplies the gradient that
# arrives at a node by the local derivative of that node. The backward graph is the
# forward graph with its arrows reversed, one function per group of nodes below.
#
# ### The loss
#
# $L = (y - \hat y)^2$, and the inner derivative of $y - \hat y$ with respect to
# $\hat y$ is $-1$:
#
# $$
# \bar{\hat y} = \frac{\partial L}{\partial \hat y} = -2\,(y - \hat y).
# $$
#
# #### Your turn

# %%
def grad_loss(y, y_hat):
    """dL/dŷ of L = (y − ŷ)², same shape as y_hat."""
    ### BEGIN SOLUTION
    return -2 * (y - y_hat)
    ### END SOLUTION


# %%
grad_loss = selfcheck.check("grad_loss", grad_loss)

# %% [markdown]
# ### The output layer
#
# $\hat y = z_4 + b_2$ has $\partial \hat y / \partial z_4 = \partial \hat y /
# \partial b_2 = 1$: an addition passes the gradient on unchanged to both of its inputs.
# Then $z_4 = \sum_{k=1}^{Z} [\mathbf{W}_2]_{1k} [\mathbf{z}_3]_k$, so
# $\partial z_4 / \partial [\mathbf{W}_2]_{1k} = [\mathbf{z}_3]_k$ and
# $\partial z_4 / \partial [\mathbf{z}_3]_k = [\mathbf{W}_2]_{1k}$:
#
# $$
# \begin{aligned}
# \bar z_4 &= \bar{\hat y}, \qquad \bar b_2 = \bar{\hat y}, \\
# \bar{\mathbf{W}}_2 &= \bar z_4\, \mathbf{z}_3^\top \in \mathbb{R}^{1 \times Z}, \\
# \bar{\mathbf{z}}_3 &= \mathbf{W}_2^\top \bar z_4 \in \mathbb{R}^{Z}.
# \end{aligned}
# $$
#
# #### Your turn
#
# `dy_hat` has shape `(K,)` (here $K = 1$); `torch.outer(a, b)` is $\mathbf{a}
# \mathbf{b}^\top$.

# %%
def grad_output_layer(dy_hat, z3, W2):
    """dŷ: (K,), z3: (Z,), W2: (K, Z) -> (dz4, db2, dW2, dz3)."""
    ### BEGIN SOLUTION
    dz4 = dy_hat  # (K,)   ŷ = z4 + b2 passes the gradient on
    db2 = dy_hat  # (K,)
    dW2 = torch.outer(dz4, z3)  # (K, Z)   dz4 z3ᵀ
    dz3 = W2.T @ dz4  # (Z,)   W2ᵀ dz4
    return dz4, db2, dW2, dz3
    ### END SOLUTION


# %%
grad_output_layer = selfcheck.check("grad_output_layer", grad_output_layer)

# %% [markdown]
# ### The sigmoid
#
# $[\mathbf{z}_3]_k = \sigma([\mathbf{z}_2]_k)$ depends only on $[\mathbf{z}_2]_k$, so the
# chain rule acts element-wise, and $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ can be
# written with the forward value $\mathbf{z}_3$, which the backward pass may use:
#
# $$
# \bar{\mathbf{z}}_2 = \bar{\mathbf{z}}_3 \odot \sigma'(\mathbf{z}_2)
# = \bar{\mathbf{z}}_3 \odot \mathbf{z}_3 \odot (\mathbf{1} - \mathbf{z}_3).
# $$
#
# #### Your turn

# %%
def grad_sigmoid_node(dz3, z3):
    """dL/dz2 through z3 = σ(z2), from dz3: (Z,) and the forward value z3: (Z,)."""
    ### BEGIN SOLUTION
    return dz3 * z3 * (1 - z3)
    ### END SOLUTION


# %%
grad_sigmoid_node = selfcheck.check("grad_sigmoid_node", grad_sigmoid_node)

# %% [markdown]
# ### The hidden layer
#
# $\mathbf{z}_2 = \mathbf{z}_1 + \mathbf{b}_1$ is an element-wise addition, so
# $\bar{\mathbf{z}}_1 = \bar{\mathbf{b}}_1 = \bar{\mathbf{z}}_2$. Then
# $[\mathbf{z}_1]_k = \sum_{d=1}^{D} [\mathbf{W}_1]_{kd}\, x_d$, so
# $\partial [\mathbf{z}_1]_k / \partial [\mathbf{W}_1]_{kd} = x_d$ (and 0 for the other
# entries of $\mathbf{z}_1$), and $\partial [\mathbf{z}_1]_k / \partial x_d =
# [\mathbf{W}_1]_{kd}$. Summing over the $k$ that each entry influences:
#
# $$
# \begin{aligned}
# [\bar{\mathbf{W}}_1]_{kd} &= [\bar{\mathbf{z}}_1]_k\, x_d \\
# \Longrightarrow \bar{\mathbf{W}}_1 &= \bar{\mathbf{z}}_1 \mathbf{x}^\top
#   \in \mathbb{R}^{Z \times D}, \\
# \bar x_d &= \sum_{k=1}^{Z} [\mathbf{W}_1]_{kd} [\bar{\mathbf{z}}_1]_k \\
# \Longrightarrow \bar{\mathbf{x}} &= \mathbf{W}_1^\top \bar{\mathbf{z}}_1
#   \in \mathbb{R}^{D}.
# \end{aligned}
# $$
#
# Each gradient of a weight matrix is an outer product of "what came back" (the gradient
# at the layer's output) and "what came in" (the layer's input), with the weight's shape;
# each gradient of a layer's input is the *transposed* weight matrix times the gradient
# at its output: the forward pass used $\mathbf{W}$, the backward pass uses
# $\mathbf{W}^\top$.
#
# #### Your turn

# %%
def grad_hidden_layer(dz2, x, W1):
    """dz2: (Z,), x: (D,), W1: (Z, D) -> (dz1, db1, dW1, dx)."""
    ### BEGIN SOLUTION
    dz1 = dz2  # (Z,)   z2 = z1 + b1 passes the gradient on
    db1 = dz2  # (Z,)
    dW1 = torch.outer(dz1, x)  # (Z, D)   dz1 xᵀ
    dx = W1.T @ dz1  # (D,)   W1ᵀ dz1
    return dz1, db1, dW1, dx
    ### END SOLUTION


# %%
grad_hidden_layer = selfcheck.check("grad_hidden_layer", grad_hidden_layer)

# %% [markdown]
# ### The whole backward pass, checked against autograd
#
# Chained from the loss back to the input, the four functions use only $y$, the
# parameters and the forward values. Autograd computes the same gradients from the graph
# drawn above, with `retain_grad()` on every intermediate node so that it keeps their
# gradients too:

# %%
dy_hat = grad_loss(y, y_hat)
dz4, db2, dW2, dz3 = grad_output_layer(dy_hat, z3, W2)
dz2 = grad_sigmoid_node(dz3, z3)
dz1, db1, dW1, dx = grad_hidden_layer(dz2, x, W1)

for v in ag.values():
    v.retain_grad()
ag["L"].backward()
mine = {"y_hat": dy_hat, "z4": dz4, "b2": db2, "W2": dW2, "z3": dz3,
        "z2": dz2, "z1": dz1, "b1": db1, "W1": dW1, "x": dx}
reference = {name: (ag[name] if name in ag else leaves[name]).grad for name in mine}
largest_backward = max(compare("d" + name, g, reference[name], atol=1e-12)
                       for name, g in mine.items())

# %% [markdown]
# The scalar gradients with their numbers, and one hidden unit worked through the whole
# chain, unit $k = 1$ (index 0 in the code):

# %% tags=["hide-input"]
k = 0
show_math(
    r"""\begin{aligned}
\bar z_4 = \bar b_2 = \bar{\hat y} &= -2\,(y - \hat y) \\
&= -2\,(@y - @yhat) = @dyhat \\
\bar x &= \mathbf{W}_1^\top \bar{\mathbf{z}}_1
  = \sum_{k=1}^{50} [\mathbf{W}_1]_{k1} [\bar{\mathbf{z}}_1]_k = @dx
\end{aligned}""",
    digits=6, y=y, yhat=paren(y_hat.item(), 6), dyhat=dy_hat, dx=dx,
)
show_math(
    r"""\begin{aligned}
[\bar{\mathbf{W}}_1]_{1,1} &= \bar{\hat y} \cdot [\mathbf{W}_2]_{1,1}
  \cdot [\mathbf{z}_3]_1 (1 - [\mathbf{z}_3]_1) \cdot x \\
&= @dyhat \cdot @w2 \cdot @z3 \cdot @one_minus \cdot @x \\
&= @dw1
\end{aligned}""",
    digits=6, dyhat=paren(dy_hat.item(), 6), w2=paren(W2[0, k].item(), 6), z3=z3[k],
    one_minus=1 - z3[k], x=paren(x.item(), 6), dw1=dW1[k, 0],
)

# %% [markdown]
# Per hidden unit: the local derivative $\sigma'([\mathbf{z}_2]_k) =
# [\mathbf{z}_3]_k(1 - [\mathbf{z}_3]_k)$ of its sigmoid, and the gradient of its input
# weight, by hand (bars) and from autograd (dots). The dotted line is the sigmoid
# derivative's maximum, $1/4$. The sigmoid's derivative is a factor of every gradient
# that passes the unit, so saturated units (derivative near 0) get almost no gradient,
# whatever their output weight.

# %%
units = torch.arange(1, len(z3) + 1)  # k = 1, ..., Z as in the formulas
local = z3 * (1 - z3)  # (Z,)
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(plot.WIDTH, 4.6), sharex=True)
ax1.bar(units, local.cpu(), color=plot.COLORS[2])
ax1.axhline(0.25, color=plot.INK, ls=":", lw=1)
ax1.set_ylabel(r"$\sigma'([z_2]_k)$")
ax1.set_title("local derivative of each hidden unit's sigmoid")
ax2.bar(units, dW1[:, 0].cpu(), color=plot.COLORS[0])
ax2.plot(units, leaves["W1"].grad[:, 0].cpu(), "o", ms=3, color=plot.COLORS[1])
ax2.set_ylabel(r"$\partial L / \partial [W_1]_{k1}$")
ax2.set_xlabel("hidden unit $k$")
ax2.set_title("gradient of each unit's input weight: by hand (bars), autograd (dots)")
plt.show()

# %% tags=["hide-input"]
saturated = int((local < 0.01).sum())
answer(
    r"Each formula is derived above, one chain-rule step per edge of the backward "
    r"graph, and computed by one function; all ten gradients agree with autograd to "
    r"within $@d$ (float64). With $\bar v = \partial L / \partial v$:" "\n\n"
    r"| gradient | formula | shape |" "\n"
    r"|---|---|---|" "\n"
    r"| $\bar{\hat y}$ | $-2\,(y - \hat y)$ | $(1,)$ |" "\n"
    r"| $\bar z_4$, $\bar b_2$ | $\bar{\hat y}$ | $(1,)$ |" "\n"
    r"| $\bar{\mathbf{W}}_2$ | $\bar z_4\, \mathbf{z}_3^\top$ | $(1, Z)$ |" "\n"
    r"| $\bar{\mathbf{z}}_3$ | $\mathbf{W}_2^\top \bar z_4$ | $(Z,)$ |" "\n"
    r"| $\bar{\mathbf{z}}_2$ | $\bar{\mathbf{z}}_3 \odot \mathbf{z}_3 \odot "
    r"(\mathbf{1} - \mathbf{z}_3)$ | $(Z,)$ |" "\n"
    r"| $\bar{\mathbf{z}}_1$, $\bar{\mathbf{b}}_1$ | $\bar{\mathbf{z}}_2$ "
    r"| $(Z,)$ |" "\n"
    r"| $\bar{\mathbf{W}}_1$ | $\bar{\mathbf{z}}_1 \mathbf{x}^\top$ | $(Z, D)$ |" "\n"
    r"| $\bar{\mathbf{x}}$ | $\mathbf{W}_1^\top \bar{\mathbf{z}}_1$ | $(D,)$ |" "\n\n"
    r"On the example, $\bar{\hat y} = @dyhat$ and $\bar x = @dx$. Two remarks. The "
    r"sigmoid's derivative is computed from the forward value $\mathbf{z}_3$, so the "
    r"backward pass needs no extra exponentials: this is why frameworks keep the "
    r"forward values (the *cache*). And @s of the @Z hidden units have $\sigma' < "
    r"0.01$ on this example, so their input weights get almost no gradient. The "
    r"gradient of the network's *output* instead of the loss, $\partial \hat y / "
    r"\partial v$, is the same chain with $\bar{\hat y}$ replaced by 1.",
    d=largest_backward, dyhat=dy_hat, dx=dx, s=saturated, Z=len(z3),
)

# %% [markdown]
# ## Summary
#
# `labkit.backprop.shallow_forward(x, W1, b1, W2, b2) -> (y_hat, cache)` and
# `shallow_backward(y, cache) -> grads` are the two passes of this page with input
# checks, in the same orientation; they also take a batch `(N, D)`, summing the loss
# over the rows. They agree with your functions:

# %%
lk_y_hat, cache = backprop.shallow_forward(x, W1, b1, W2, b2)
grads = backprop.shallow_backward(y, cache)
for name, mine_forward in forward.items():
    compare(name, cache[name], mine_forward)
for name, g in mine.items():
    compare(f"d{name}", grads[name], g)

# %% [markdown]
# For a batch, the gradient of the summed loss is the sum of the per-example gradients:

# %%
_, batch_cache = backprop.shallow_forward(X_train[:5], W1, b1, W2, b2)
batch_grads = backprop.shallow_backward(y_train[:5].unsqueeze(1), batch_cache)
per_example = []
for i in range(5):
    _, cache_i = backprop.shallow_forward(X_train[i], W1, b1, W2, b2)
    per_example.append(backprop.shallow_backward(y_train[i : i + 1], cache_i))
for name in ("W1", "b1", "W2", "b2"):
    summed = sum(g[name] for g in per_example)
    compare(f"sum d{name}", batch_grads[name], summed, atol=1e-12)

# %% [markdown]
# - The forward pass of the sheet's graph is five tensor operations; keeping every
#   intermediate value lets the backward pass reuse them.
# - Backpropagation applies the chain rule edge by edge from the loss back: additions
#   pass the gradient on, an element-wise non-linearity multiplies by its derivative, and
#   a product $\mathbf{W} \mathbf{h}$ sends back $\bar{\mathbf{z}}\,\mathbf{h}^\top$ to the
#   weights and $\mathbf{W}^\top \bar{\mathbf{z}}$ to its input.
# - Every hand-computed gradient agrees with autograd to rounding error in float64.
# - Saturated sigmoid units pass almost no gradient (their $\sigma'$ is near 0), the
#   mechanism behind the frozen units of the previous page.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Replace the sigmoid by tanh. Which of the four backward functions changes, and how?
# 2. Write the backward pass for a batch `(N, D)` by hand, with matrix products instead
#    of outer products, and check it against `labkit.backprop.shallow_backward`.
# 3. Check `grad_hidden_layer` with finite differences instead of autograd: perturb one
#    entry of $\mathbf{W}_1$ by $\pm 10^{-6}$ and compare $(L_+ - L_-)/(2 \cdot
#    10^{-6})$ with your $[\bar{\mathbf{W}}_1]_{kd}$.
#
# ## Next
#
# [Vanishing gradients](10-vanishing-gradients.py) measures these gradients layer by
# layer in deeper sigmoid and ReLU networks.
