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
# **Sheet:** Deep Learning (FSS24, University of Mannheim), Assignment 1 "Neural Networks",
# task 3 "Backpropagation": the forward pass and the backward pass of the one-hidden-layer
# sigmoid network of task 2 with $Z = 50$ hidden units, computed with basic tensor operations and
# derived on paper.
#
# **What you need:** the MLP of tutorial 07 ("An MLP without torch.nn layers") and the
# regression data of tutorial 08 ("Regression experiments with MLPs"); the derivative of the
# sigmoid, $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ (tutorial 02); the chain rule; matrix–vector
# products.

# %% [markdown]
# ## What you will learn
#
# - how to write the forward pass of the sheet's compute graph, $z_1, z_2, z_3, z_4, \hat y$, with
#   one tensor operation per node;
# - how to derive the gradient of the loss $L = (y - \hat y)^2$ with respect to every node and
#   parameter, one chain-rule step per edge of the backward graph, and why the shapes come out as
#   outer products and transposed matrix–vector products;
# - how to check every hand-computed gradient against autograd, printing the largest difference;
# - why units whose sigmoid is saturated receive almost no gradient.

# %%
import matplotlib.pyplot as plt
import torch

from labkit import backprop, compare, get_device, plot, seed_everything
from labkit.datasets import regression_1d
from labkit.display import fmt, show_math
from labkit.mlp import MLP

plot.use_style()
seed_everything(0)
device = get_device()
DTYPE = torch.float64  # so that hand-made and autograd gradients agree to ~1e-15
device

# %% [markdown]
# ## Derivation
#
# ### The forward graph and its shapes
#
# The network has $D$ inputs ($D = 1$ for our data), $Z = 50$ hidden units and one output. Its
# parameters are $\mathbf{W}_1 \in \mathbb{R}^{D \times Z}$, $\mathbf{b}_1 \in \mathbb{R}^{Z}$,
# $\mathbf{W}_2 \in \mathbb{R}^{Z \times 1}$ and $b_2 \in \mathbb{R}$ (weights stored fan-in ×
# fan-out, as in `labkit.mlp.MLP`, so the sheet's $\mathbf{W}^\top \mathbf{x}$ is a plain
# matrix–vector product). For one input $\mathbf{x} \in \mathbb{R}^D$ and target $y$:
#
# $$
# \mathbf{z}_1 = \mathbf{W}_1^\top \mathbf{x} \in \mathbb{R}^Z, \quad
# \mathbf{z}_2 = \mathbf{z}_1 + \mathbf{b}_1, \quad
# [\mathbf{z}_3]_k = \sigma([\mathbf{z}_2]_k), \quad
# z_4 = \mathbf{W}_2^\top \mathbf{z}_3 \in \mathbb{R}, \quad
# \hat y = z_4 + b_2, \quad
# L = (y - \hat y)^2 .
# $$
#
# ### The backward graph, one edge at a time
#
# Write $\bar v = \partial L / \partial v$ for the gradient of the loss with respect to a node
# $v$; it has the same shape as $v$. Backpropagation walks the graph from $L$ back to the inputs,
# and each step multiplies the gradient that arrives at a node by the local derivative of that
# node. All quantities on the right-hand sides are inputs, targets, parameters or forward values.
#
# **Loss.** $L = (y - \hat y)^2$, so
#
# $$
# \bar{\hat y} = \frac{\partial L}{\partial \hat y} = -2\,(y - \hat y).
# $$
#
# **Output bias.** $\hat y = z_4 + b_2$ has $\partial \hat y / \partial z_4 = \partial \hat y /
# \partial b_2 = 1$: an addition passes the gradient on unchanged to both of its inputs:
#
# $$
# \bar z_4 = \bar{\hat y}, \qquad \bar b_2 = \bar{\hat y}.
# $$
#
# **Output weights.** $z_4 = \sum_{k=1}^{Z} [\mathbf{W}_2]_k [\mathbf{z}_3]_k$, so
# $\partial z_4 / \partial [\mathbf{W}_2]_k = [\mathbf{z}_3]_k$ and
# $\partial z_4 / \partial [\mathbf{z}_3]_k = [\mathbf{W}_2]_k$:
#
# $$
# \bar{\mathbf{W}}_2 = \mathbf{z}_3\, \bar z_4 \in \mathbb{R}^{Z \times 1}, \qquad
# \bar{\mathbf{z}}_3 = \mathbf{W}_2\, \bar z_4 \in \mathbb{R}^{Z}.
# $$
#
# **Sigmoid.** $[\mathbf{z}_3]_k = \sigma([\mathbf{z}_2]_k)$ depends only on $[\mathbf{z}_2]_k$,
# so the chain rule acts element-wise, and
# $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ can be written with the forward value $\mathbf{z}_3$:
#
# $$
# \bar{\mathbf{z}}_2 = \bar{\mathbf{z}}_3 \odot \sigma'(\mathbf{z}_2)
# = \bar{\mathbf{z}}_3 \odot \mathbf{z}_3 \odot (\mathbf{1} - \mathbf{z}_3).
# $$
#
# **Hidden bias.** $\mathbf{z}_2 = \mathbf{z}_1 + \mathbf{b}_1$, an element-wise addition:
#
# $$
# \bar{\mathbf{z}}_1 = \bar{\mathbf{z}}_2, \qquad \bar{\mathbf{b}}_1 = \bar{\mathbf{z}}_2.
# $$
#
# **Input weights and the input.** $[\mathbf{z}_1]_k = \sum_{d=1}^{D} [\mathbf{W}_1]_{dk}\, x_d$,
# so $\partial [\mathbf{z}_1]_k / \partial [\mathbf{W}_1]_{dk} = x_d$ (and 0 for the other
# entries of $\mathbf{z}_1$), and $\partial [\mathbf{z}_1]_k / \partial x_d = [\mathbf{W}_1]_{dk}$.
# Summing over the $k$ that each entry influences:
#
# $$
# [\bar{\mathbf{W}}_1]_{dk} = x_d\, [\bar{\mathbf{z}}_1]_k
# \;\Longrightarrow\; \bar{\mathbf{W}}_1 = \mathbf{x}\, \bar{\mathbf{z}}_1^\top \in \mathbb{R}^{D \times Z},
# \qquad
# \bar x_d = \sum_k [\mathbf{W}_1]_{dk} [\bar{\mathbf{z}}_1]_k
# \;\Longrightarrow\; \bar{\mathbf{x}} = \mathbf{W}_1\, \bar{\mathbf{z}}_1 \in \mathbb{R}^{D}.
# $$
#
# Each gradient of a weight matrix is an outer product of "what came in" (the layer's input) and
# "what came back" (the gradient at the layer's output), and each gradient of a layer's input is
# the weight matrix *not* transposed times the gradient at its output: the forward pass used
# $\mathbf{W}^\top$, the backward pass uses $\mathbf{W}$.
#
# **Everything in one line**, substituting backwards:
#
# $$
# \bar{\mathbf{W}}_1 = -2\,(y - \hat y)\; \mathbf{x}
# \bigl(\mathbf{W}_2 \odot \mathbf{z}_3 \odot (\mathbf{1} - \mathbf{z}_3)\bigr)^\top .
# $$

# %% [markdown]
# ## Implementation
#
# ### The parameters: a briefly trained network
#
# The sheet extracts the parameters from a network trained in task 2. We do the same with a
# `labkit.mlp.MLP(1, 50, 1)` trained for 400 steps of plain full-batch gradient descent on the
# regression data of tutorial 08 (short training, not to convergence: the point is realistic,
# non-symmetric weights, not a good fit).

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
# We take the parameters out as plain tensors (no autograd history) and pick one training
# example $(\mathbf{x}, y)$:

# %%
W1, b1, W2, b2 = (p.detach().clone() for p in model.parameters())
n = 7
x, y = X_train[n], y_train[n : n + 1]  # x: (1,), y: (1,)
for name, t in [("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2), ("x", x), ("y", y)]:
    print(f"{name:<3} shape {tuple(t.shape)}")

# %% [markdown]
# ### Forward pass
#
# One line per node of the graph; only $\mathbf{x}$, $y$ and the parameters are used.

# %%
z1 = W1.T @ x  # (Z,)   W1ᵀ x
z2 = z1 + b1  # (Z,)
z3 = 1 / (1 + torch.exp(-z2))  # (Z,)   σ element-wise
z4 = W2.T @ z3  # (1,)   W2ᵀ z3
y_hat = z4 + b2  # (1,)
L = ((y - y_hat) ** 2).sum()  # ()
for name, v in [("z1", z1), ("z2", z2), ("z3", z3), ("z4", z4), ("y_hat", y_hat)]:
    first = ", ".join(fmt(e) for e in v[:3].tolist())
    print(f"{name:<6} shape {tuple(v.shape)!s:<6} first entries {first}")

# %% [markdown]
# The scalar part of the forward pass with its numbers (computed from the tensors above;
# `num` puts negative numbers in parentheses):

# %%
def num(v, digits=4):
    text = fmt(v, digits)
    return f"({text})" if text.startswith("-") else text


show_math(
    r"\begin{aligned}"
    rf"x &= {fmt(x.item())}, \qquad y = {fmt(y.item())} \\"
    rf"z_4 &= \mathbf{{W}}_2^\top \mathbf{{z}}_3 = {fmt(z4.item())} \\"
    rf"\hat y &= z_4 + b_2 = {fmt(z4.item())} + {num(b2.item())} "
    rf"= {fmt(y_hat.item())} \\"
    rf"L &= (y - \hat y)^2 = ({fmt(y.item())} - {num(y_hat.item())})^2 "
    rf"= {fmt(L.item(), 6)}"
    r"\end{aligned}"
)

# %% [markdown]
# ### Backward pass
#
# One line per formula of the Derivation, in the same order and with the same names
# (`dv` is $\bar v$). Only $\mathbf{x}$, $y$, the parameters and the forward values are used;
# no autograd.

# %%
dy_hat = -2 * (y - y_hat)  # (1,)
dz4 = dy_hat  # (1,)
db2 = dy_hat  # (1,)
dW2 = torch.outer(z3, dz4)  # (Z, 1)   z3 dz4ᵀ
dz3 = W2 @ dz4  # (Z,)
dz2 = dz3 * z3 * (1 - z3)  # (Z,)
dz1 = dz2  # (Z,)
db1 = dz2  # (Z,)
dW1 = torch.outer(x, dz1)  # (D, Z)   x dz1ᵀ
dx = W1 @ dz1  # (D,)
for name, g in [("dy_hat", dy_hat), ("dW2", dW2), ("dz3", dz3), ("dz2", dz2),
                ("dW1", dW1), ("dx", dx)]:
    print(f"{name:<7} shape {tuple(g.shape)}")

# %% [markdown]
# The scalar gradients with their numbers:

# %%
show_math(
    rf"\bar{{\hat y}} = -2\,(y - \hat y) "
    rf"= -2\,({fmt(y.item())} - {num(y_hat.item())}) "
    rf"= {fmt(dy_hat.item(), 6)} = \bar z_4 = \bar b_2"
)
show_math(
    r"\bar x = \mathbf{W}_1 \bar{\mathbf{z}}_1 "
    r"= \sum_{k=1}^{50} [\mathbf{W}_1]_{1k} [\bar{\mathbf{z}}_1]_k "
    rf"= {fmt(dx.item(), 6)}"
)

# %% [markdown]
# And one hidden unit worked through the whole chain, unit $k = 1$ (index 0 in the code):

# %%
k = 0
W2k, z3k = rf"[\mathbf{{W}}_2]_{k + 1}", rf"[\mathbf{{z}}_3]_{k + 1}"
show_math(
    r"\begin{aligned}"
    rf"[\bar{{\mathbf{{W}}}}_1]_{{1,{k + 1}}} "
    rf"&= x \cdot \bar{{\hat y}} \cdot {W2k} \cdot {z3k} (1 - {z3k}) \\"
    rf"&= {fmt(x.item())} \cdot {num(dy_hat.item())} \cdot {num(W2[k, 0].item())} "
    rf"\cdot {fmt(z3[k].item())} \cdot {fmt(1 - z3[k].item())} \\"
    rf"&= {fmt(dW1[0, k].item(), 6)}"
    r"\end{aligned}"
)

# %% [markdown]
# ## Check
#
# The reference: the same graph built from autograd-tracked leaves, with `retain_grad()` on
# every intermediate node so that autograd keeps its gradient too. We use `torch.sigmoid` here
# (not our formula), and the trained `MLP` itself for the output.

# %%
leaves = {name: t.clone().requires_grad_() for name, t in
          [("x", x), ("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2)]}
ag = {"z1": leaves["W1"].T @ leaves["x"]}
ag["z2"] = ag["z1"] + leaves["b1"]
ag["z3"] = torch.sigmoid(ag["z2"])
ag["z4"] = leaves["W2"].T @ ag["z3"]
ag["y_hat"] = ag["z4"] + leaves["b2"]
for v in ag.values():
    v.retain_grad()
((y - ag["y_hat"]) ** 2).sum().backward()

print("forward values:")
compare("MLP(x)", y_hat, model(x))
forward = {"z1": z1, "z2": z2, "z3": z3, "z4": z4, "y_hat": y_hat}
for name, mine in forward.items():
    compare(name, mine, ag[name])

# %%
print("gradients:")
for name, mine, ref in [
    ("dy_hat", dy_hat, ag["y_hat"].grad), ("dz4", dz4, ag["z4"].grad),
    ("db2", db2, leaves["b2"].grad), ("dW2", dW2, leaves["W2"].grad),
    ("dz3", dz3, ag["z3"].grad), ("dz2", dz2, ag["z2"].grad),
    ("dz1", dz1, ag["z1"].grad), ("db1", db1, leaves["b1"].grad),
    ("dW1", dW1, leaves["W1"].grad), ("dx", dx, leaves["x"].grad),
]:
    compare(name, mine, ref, atol=1e-12)

# %% [markdown]
# ### labkit's version agrees
#
# `labkit.backprop.shallow_forward(x, W1, b1, W2, b2) -> (y_hat, cache)` and
# `shallow_backward(y, cache) -> grads` are the two cells above with input checks; they also take
# a batch `(N, D)`, summing the loss over the rows.

# %%
lk_y_hat, cache = backprop.shallow_forward(x, W1, b1, W2, b2)
grads = backprop.shallow_backward(y, cache)
print("labkit against this page:")
for name, mine in forward.items():
    compare(name, cache[name], mine)
mine = {"y_hat": dy_hat, "z4": dz4, "b2": db2, "W2": dW2, "z3": dz3,
        "z2": dz2, "z1": dz1, "b1": db1, "W1": dW1, "x": dx}
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
# ## Plot
#
# Per hidden unit: the local derivative $\sigma'([\mathbf{z}_2]_k) = [\mathbf{z}_3]_k(1 -
# [\mathbf{z}_3]_k)$ of its sigmoid, and the gradient of its input weight, by hand (bars) and
# from autograd (dots). The dotted line is the sigmoid derivative's maximum, $1/4$. The sigmoid's derivative is a factor of every gradient that passes the
# unit, so saturated units (derivative near 0) get almost no gradient, whatever their output
# weight.

# %%
units = torch.arange(len(z3))
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7.2, 4.6), sharex=True)
ax1.bar(units, (z3 * (1 - z3)).cpu(), color=plot.COLORS[2])
ax1.axhline(0.25, color="#8a8f98", ls=":", lw=1)
ax1.set_ylabel(r"$\sigma'([z_2]_k)$")
ax2.bar(units, dW1[0].cpu(), color=plot.COLORS[0], label="by hand")
ax2.plot(units, leaves["W1"].grad[0].cpu(), "o", ms=3, color=plot.COLORS[1],
         label="autograd")
ax2.set_ylabel(r"$\partial L / \partial [W_1]_{1k}$")
ax2.set_xlabel("hidden unit $k$")
ax2.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# **Task 3, first part: compute the forward pass with basic operations, using only
# $\mathbf{x}, y, \mathbf{W}_1, \mathbf{b}_1, \mathbf{W}_2, b_2$.**
#
# <details><summary>Answer</summary>
#
# Done in the Forward pass cell: one matrix–vector product, one addition, the sigmoid written as
# `1 / (1 + exp(-z))`, one more matrix–vector product and one addition. Every value agrees with
# the autograd graph and with the trained `MLP` (Check). With $\mathbf{W}_1 \in
# \mathbb{R}^{D\times Z}$, $\mathbf{W}_2 \in \mathbb{R}^{Z \times 1}$:
#
# | quantity | formula | shape |
# |---|---|---|
# | $\mathbf{z}_1$ | $\mathbf{W}_1^\top \mathbf{x}$ | $(Z,)$ |
# | $\mathbf{z}_2$ | $\mathbf{z}_1 + \mathbf{b}_1$ | $(Z,)$ |
# | $\mathbf{z}_3$ | $\sigma(\mathbf{z}_2)$, element-wise | $(Z,)$ |
# | $z_4$ | $\mathbf{W}_2^\top \mathbf{z}_3$ | $(1,)$ |
# | $\hat y$ | $z_4 + b_2$ | $(1,)$ |
#
# </details>
#
# **Task 3, second part: compute the backward pass without autograd, using only inputs, targets,
# parameters and forward values; give derivations and formulas.**
#
# <details><summary>Answer</summary>
#
# The derivations are in the Derivation section, one chain-rule step per edge of the backward
# graph; the code is the Backward pass cell; every gradient matches autograd to rounding error
# (Check). The resulting formulas, with $\bar v = \partial L / \partial v$:
#
# | gradient | formula | shape |
# |---|---|---|
# | $\bar{\hat y}$ | $-2\,(y - \hat y)$ | $(1,)$ |
# | $\bar z_4$, $\bar b_2$ | $\bar{\hat y}$ | $(1,)$ |
# | $\bar{\mathbf{W}}_2$ | $\mathbf{z}_3\, \bar z_4$ | $(Z, 1)$ |
# | $\bar{\mathbf{z}}_3$ | $\mathbf{W}_2\, \bar z_4$ | $(Z,)$ |
# | $\bar{\mathbf{z}}_2$ | $\bar{\mathbf{z}}_3 \odot \mathbf{z}_3 \odot (\mathbf{1} - \mathbf{z}_3)$ | $(Z,)$ |
# | $\bar{\mathbf{z}}_1$, $\bar{\mathbf{b}}_1$ | $\bar{\mathbf{z}}_2$ | $(Z,)$ |
# | $\bar{\mathbf{W}}_1$ | $\mathbf{x}\, \bar{\mathbf{z}}_1^\top$ | $(D, Z)$ |
# | $\bar{\mathbf{x}}$ | $\mathbf{W}_1\, \bar{\mathbf{z}}_1$ | $(D,)$ |
#
# Two remarks. The sigmoid's derivative is computed from the forward value $\mathbf{z}_3$, so the
# backward pass needs no extra exponentials: this is why frameworks keep the forward values (the
# "cache"). And the gradient with respect to the *output* of the network instead of the loss,
# $\partial \hat y / \partial v$, is the same chain with $\bar{\hat y}$ replaced by 1.
#
# </details>

# %% [markdown]
# ## Summary
#
# - The forward pass of the sheet's graph is five tensor operations; keeping every intermediate
#   value lets the backward pass reuse them.
# - Backpropagation applies the chain rule edge by edge from the loss back: additions pass the
#   gradient on, an element-wise non-linearity multiplies by its derivative, and a product
#   $\mathbf{W}^\top \mathbf{h}$ sends back $\mathbf{h}\,\bar{\mathbf{z}}^\top$ to the weights and
#   $\mathbf{W} \bar{\mathbf{z}}$ to its input.
# - Every hand-computed gradient agrees with autograd to rounding error in float64.
# - Saturated sigmoid units pass almost no gradient (their $\sigma'$ is near 0), the mechanism
#   behind the frozen units of tutorial 08.
# - `labkit.backprop.shallow_forward` / `shallow_backward` are these two passes, for one example
#   or a batch.
