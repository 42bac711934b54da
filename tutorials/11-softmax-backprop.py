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
# # Softmax cross-entropy backprop
#
# **Sheets:** Exercises, "Backpropagation Implementation" (exercises 1–4): the network
# $x \to \text{Linear} \to \text{ReLU} \to \text{Linear} \to \text{SoftMax} \to \text{CE}$
# derived on paper, its forward and backward passes written with tensor operations only (no
# `nn.Linear`, no `torch.optim`, no `loss.backward()`), and trained by gradient descent on the
# two moons.
#
# **What you need:** matrix products and broadcasting ([Tensors](01-tensors.py)); ReLU and its
# derivative ([Activation functions](02-activations.py)); the chain rule; the two-moons data and
# the decision-boundary plot of [Vanishing gradients](10-vanishing-gradients.py). Weights follow
# the Part II notation, `nn.Linear`'s: $W \in \mathbb{R}^{\text{out} \times \text{in}}$,
# $y = Wx + b$ for one example and $XW^\top + b$ for a batch with one example per row (see the
# [notation page](../../part-2/notation/)).
#
# ## What you will learn
#
# - to write each layer's forward and backward pass by hand (linear, ReLU, softmax,
#   cross-entropy) and chain them into a two-layer classifier;
# - why the gradient of softmax followed by cross-entropy with respect to the logits is simply
#   $\mathrm{softmax}(z) - e_y$, and where the $1/N$ of a batch goes;
# - why softmax subtracts the largest logit first, and why the loss is computed from the
#   logits with `logsumexp`;
# - how to check a hand-written backward pass against autograd, train with it, and see that
#   `labkit.layers` packages the same pairs for later tutorials.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [1 Forward and backward pass on paper](#exercise-1-the-forward-and-backward-pass-on-paper) | a derivation | — |
# | [2 The forward pass](#exercise-2-the-forward-pass) | `linear_forward`, `softmax`, `cross_entropy`, `two_layer_forward` | 4 |
# | [3 The backward pass](#exercise-3-the-backward-pass) | `softmax_ce_backward`, `linear_backward`, `relu_backward`, `two_layer_backward` | 4 |
# | [4 Gradient descent on the two moons](#exercise-4-gradient-descent-on-the-two-moons) | `descent_step`, a training loop | 1 |
#
# Each **Your turn** cell has a function to fill in, the worked solution folded under it, and a
# self-check that runs your function on random inputs and names the likely mistake. The
# *exercise notebook* (top of the page) has the same cells with the solutions blank.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from labkit import compare, get_device, layers, plot, seed_everything, selfcheck
from labkit.datasets import two_moons
from labkit.display import answer, show_markdown, show_math, table

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## Exercise 1: the forward and backward pass on paper
#
# *Using the course notation, for the network
# $x \to \text{Linear} \to \text{ReLU} \to \text{Linear} \to \text{SoftMax} \to \text{CE}$,
# write out the forward pass and calculate the backward pass using backpropagation.*
#
# **Forward.** For one example $x \in \mathbb{R}^{d}$ with class $y \in \{0, \dots, C-1\}$, a
# hidden layer of $h$ units and $C$ outputs, the parameters are
# $W_1 \in \mathbb{R}^{h \times d}$, $b_1 \in \mathbb{R}^{h}$, $W_2 \in \mathbb{R}^{C \times h}$,
# $b_2 \in \mathbb{R}^{C}$, and
#
# $$
# \begin{aligned}
# z_1 &= W_1 x + b_1, \\
# a_1 &= \mathrm{ReLU}(z_1), \\
# z_2 &= W_2 a_1 + b_2, \\
# a_2 &= \mathrm{softmax}(z_2), \\
# L &= -\textstyle\sum_{k} (e_y)_k \log (a_2)_k = -\log (a_2)_y ,
# \end{aligned}
# $$
#
# where $\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$ and $e_y$ is the one-hot vector of the
# class $y$. The logits are $z_2$.
#
# **Softmax and cross-entropy together.** The softmax's Jacobian is
# $\partial (a_2)_j / \partial (z_2)_k = (a_2)_j \bigl(\delta_{jk} - (a_2)_k\bigr)$, so
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial (z_2)_k}
# &= -\sum_j \frac{(e_y)_j}{(a_2)_j} \, (a_2)_j \bigl(\delta_{jk} - (a_2)_k\bigr) \\
# &= -(e_y)_k + (a_2)_k \sum_j (e_y)_j \\
# &= (a_2)_k - (e_y)_k ,
# \end{aligned}
# $$
#
# using $\sum_j (e_y)_j = 1$. The same follows directly from
# $L = -(z_2)_y + \log \sum_j e^{(z_2)_j}$. In vector form,
# $\partial L / \partial z_2 = a_2 - e_y$: predicted probabilities minus the one-hot target.
#
# **Second linear layer.** $(z_2)_k = \sum_i (W_2)_{ki} (a_1)_i + (b_2)_k$ gives
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial W_2} &= \frac{\partial L}{\partial z_2} \, a_1^\top, \\[4pt]
# \frac{\partial L}{\partial b_2} &= \frac{\partial L}{\partial z_2}, \\[4pt]
# \frac{\partial L}{\partial a_1} &= W_2^\top \frac{\partial L}{\partial z_2} .
# \end{aligned}
# $$
#
# **ReLU**, element-wise, with derivative $\mathbb{1}[z > 0]$ (0 at the kink, as in PyTorch),
# and the **first linear layer** like the second:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial z_1} &= \frac{\partial L}{\partial a_1} \odot \mathbb{1}[z_1 > 0], \\[4pt]
# \frac{\partial L}{\partial W_1} &= \frac{\partial L}{\partial z_1} \, x^\top, \\[4pt]
# \frac{\partial L}{\partial b_1} &= \frac{\partial L}{\partial z_1} .
# \end{aligned}
# $$
#
# **A batch.** For $N$ examples stacked as the rows of $X \in \mathbb{R}^{N \times d}$
# ($Z_1, A_1, Z_2, A_2$ likewise one row per example, $E_Y$ the one-hot rows), the forward pass
# is $Z_1 = X W_1^\top + b_1$, $A_1 = \mathrm{ReLU}(Z_1)$, $Z_2 = A_1 W_2^\top + b_2$,
# $A_2 = \mathrm{softmax}(Z_2)$ row by row, and the loss is the mean $L = \frac1N \sum_n L_n$.
# Each example's gradient is the one above divided by $N$; summing the outer products over
# the examples turns them into matrix products, and the bias gradients into sums over rows:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial Z_2} &= \tfrac{1}{N} (A_2 - E_Y), \\[4pt]
# \frac{\partial L}{\partial W_2} &= \Bigl(\frac{\partial L}{\partial Z_2}\Bigr)^{\!\top} A_1,
# \qquad
# \frac{\partial L}{\partial b_2} = \sum_n \Bigl(\frac{\partial L}{\partial Z_2}\Bigr)_{n,:}, \\[4pt]
# \frac{\partial L}{\partial A_1} &= \frac{\partial L}{\partial Z_2} W_2, \\[4pt]
# \frac{\partial L}{\partial Z_1} &= \frac{\partial L}{\partial A_1} \odot \mathbb{1}[Z_1 > 0], \\[4pt]
# \frac{\partial L}{\partial W_1} &= \Bigl(\frac{\partial L}{\partial Z_1}\Bigr)^{\!\top} X,
# \qquad
# \frac{\partial L}{\partial b_1} = \sum_n \Bigl(\frac{\partial L}{\partial Z_1}\Bigr)_{n,:} .
# \end{aligned}
# $$
#
# Every gradient has the shape of the quantity it differentiates, a quick check on where the
# transposes go: $\partial L / \partial W_2$ is $C \times h$, like $W_2$.

# %% tags=["hide-input"]
answer(
    r"Forward: $z_1 = W_1 x + b_1$, $a_1 = \mathrm{ReLU}(z_1)$, $z_2 = W_2 a_1 + b_2$, "
    r"$a_2 = \mathrm{softmax}(z_2)$, $L = -\log (a_2)_y$. Backward, from the loss "
    r"down: $\delta_2 = \partial L/\partial z_2 = a_2 - e_y$; $\partial L/\partial W_2 "
    r"= \delta_2 a_1^\top$, $\partial L/\partial b_2 = \delta_2$; $\delta_1 = "
    r"(W_2^\top \delta_2) \odot \mathbb{1}[z_1 > 0]$; $\partial L/\partial W_1 = "
    r"\delta_1 x^\top$, $\partial L/\partial b_1 = \delta_1$. For a batch with the "
    r"mean loss: the same with rows stacked, a factor $1/N$ in $\delta_2$, transposed "
    r"products for the weights and sums over the rows for the biases. Exercise 3 "
    r"checks every one of these against autograd."
)

# %% [markdown]
# ## Exercise 2: the forward pass
#
# *Implement the forward pass function taking as input the weight matrices and bias vectors
# and outputting the logits and the values of the neurons at intermediate layers (they will
# be needed for the backward pass). Do so using matrix multiplication and `torch.softmax()`.*
#
# **The data and the parameters.** The two moons of [Vanishing gradients](10-vanishing-gradients.py):
# 200 training points, two classes, so $d = 2$ and $C = 2$; we take $h = 16$ hidden units, and
# a second draw of 400 points as the test set. The weights start random (He initialisation,
# $\mathcal{N}(0, 2/d)$ for a layer with $d$ inputs), the biases at zero. A random start
# matters for the checks below: with zero or symmetric weights many gradient entries are equal
# or zero, and a wrong backward pass can still match.

# %%
X, y = two_moons(200, noise=0.1, seed=0)
X_test, y_test = two_moons(400, noise=0.1, seed=1)
X, y = X.to(device), y.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)
num_inputs, num_hiddens, num_outputs = 2, 16, 2


def init_params(seed=0):
    g = torch.Generator().manual_seed(seed)
    W1 = torch.randn(num_hiddens, num_inputs, generator=g) * math.sqrt(2 / num_inputs)
    b1 = torch.zeros(num_hiddens)
    W2 = torch.randn(num_outputs, num_hiddens, generator=g) * math.sqrt(2 / num_hiddens)
    b2 = torch.zeros(num_outputs)
    return [p.to(device) for p in (W1, b1, W2, b2)]


W1, b1, W2, b2 = init_params()
print("W1", tuple(W1.shape), "b1", tuple(b1.shape), "W2", tuple(W2.shape),
      "b2", tuple(b2.shape))

# %% [markdown]
# ### Your turn: the linear layer
#
# A batch $X$ (one example per row) through $y = Wx + b$: each row of the result is
# $W x_n + b$, so the whole batch is $X W^\top + b$, with $b$ broadcast over the rows.

# %%
def linear_forward(X, W, b):
    """X @ W.T + b. X: (N, in), W: (out, in), b: (out,). Returns (N, out)."""
    ### BEGIN SOLUTION
    return X @ W.T + b  # (N, num_outputs)
    ### END SOLUTION


# %%
linear_forward = selfcheck.check("linear_forward", linear_forward)

# %% [markdown]
# ### Your turn: softmax
#
# The sheet uses `torch.softmax`; write it once by hand to see what it guards against. Each
# row is one example, so each row is normalised on its own. $e^{z}$ overflows `float32` for
# $z > 88.7$, and $\infty / \infty$ is `nan`. Subtracting the row's largest logit $m$ changes
# nothing, $e^{z_k - m} / \sum_j e^{z_j - m} = e^{z_k} / \sum_j e^{z_j}$, and makes every
# exponent $\le 0$.

# %%
def softmax(Z):
    """Row-wise softmax of logits Z: (N, C); each row of the result sums to 1."""
    ### BEGIN SOLUTION
    e = torch.exp(Z - Z.max(dim=1, keepdim=True).values)  # every exponent <= 0
    return e / e.sum(dim=1, keepdim=True)
    ### END SOLUTION


# %%
softmax = selfcheck.check("softmax", softmax)
Z_big = torch.tensor([[1000.0, 999.0, 0.0], [-1.0, 0.0, 1.0]], device=device)
compare("softmax", softmax(Z_big), torch.softmax(Z_big, dim=1))
print("naive exp(Z) / sum:", (Z_big.exp() / Z_big.exp().sum(1, keepdim=True))[0])

# %% [markdown]
# The first row, with logits near 1000, is `nan` without the shift and correct with it.
#
# ### Your turn: the cross-entropy
#
# The mean over the batch of $-\log (a_2)_{y_n}$. Computing the softmax first and then its
# log fails when a probability underflows to 0 ($\log 0 = -\infty$). From the logits instead,
# $-\log (a_2)_{y} = \log \sum_j e^{z_j} - z_{y}$, and `torch.logsumexp` does the first term
# with the same max-shift as above. To pick $z_{n, y_n}$ in every row, index with
# `Z[torch.arange(N), y]` (or `Z.gather(1, y[:, None])`); `Z[:, y]` would pick whole columns.

# %%
def cross_entropy(Z, y):
    """Mean cross-entropy of softmax(Z) against labels y. Z: (N, C), y: (N,) int64."""
    ### BEGIN SOLUTION
    z_y = Z[torch.arange(Z.shape[0]), y]  # (N,): the logit of the right class
    return (torch.logsumexp(Z, dim=1) - z_y).mean()
    ### END SOLUTION


# %%
cross_entropy = selfcheck.check("cross_entropy", cross_entropy)

# %% [markdown]
# ### Your turn: the forward pass of the network
#
# One line per equation of the derivation, with your `linear_forward`. It returns the logits
# $Z_2$ and, for the backward pass, the intermediate values $Z_1$, $A_1$ and $A_2$.

# %%
def two_layer_forward(X, W1, b1, W2, b2):
    """Linear -> ReLU -> Linear -> softmax. Returns z2: (N, C) and (z1, a1, a2)."""
    ### BEGIN SOLUTION
    z1 = linear_forward(X, W1, b1)  # (N, num_hiddens)
    a1 = torch.relu(z1)
    z2 = linear_forward(a1, W2, b2)  # (N, num_outputs): the logits
    a2 = torch.softmax(z2, dim=1)  # (N, num_outputs): class probabilities
    return z2, (z1, a1, a2)
    ### END SOLUTION


# %%
two_layer_forward = selfcheck.check("two_layer_forward", two_layer_forward)

# %% [markdown]
# **Check against PyTorch.** On the two moons with the initial parameters: `F.linear` and
# `torch.relu` for the network (they take `nn.Linear`'s weight orientation, as we do), and
# `F.cross_entropy` for the loss.

# %%
z2, (z1, a1, a2) = two_layer_forward(X, W1, b1, W2, b2)
z2_torch = F.linear(torch.relu(F.linear(X, W1, b1)), W2, b2)
compare("logits", z2, z2_torch)
compare("loss", cross_entropy(z2, y), F.cross_entropy(z2_torch, y))
loss0 = cross_entropy(z2, y).item()
acc0 = (z2.argmax(dim=1) == y).float().mean().item()
row_sums = a2.sum(dim=1)
print(f"rows of a2 sum to 1 within {(row_sums - 1).abs().max().item():.1e}")

# %% tags=["hide-input"]
answer(
    r"`two_layer_forward` is four lines: $Z_1 = X W_1^\top + b_1$, $A_1 = "
    r"\mathrm{ReLU}(Z_1)$, $Z_2 = A_1 W_2^\top + b_2$, $A_2 = $ `torch.softmax(Z2, "
    r"dim=1)`, and it returns $Z_2$ with $(Z_1, A_1, A_2)$. Its logits equal "
    r"PyTorch's. The random initial network classifies $@acc\%$ of the training points "
    r"correctly, and its mean cross-entropy is $@loss$, @relation $\ln 2 = @ln2$, the "
    r"loss of a network that gives both classes "
    r"probability $\tfrac12$ everywhere.",
    acc=100 * acc0, loss=loss0, ln2=math.log(2),
    relation="above" if loss0 > math.log(2) else "below",
)

# %% [markdown]
# ## Exercise 3: the backward pass
#
# *Implement the backward pass without automatic differentiation such as `loss.backward()`.
# For the vectors $e_y$ you can use `F.one_hot(y, num_classes=a2.shape[1]).float()`.*
#
# One function per layer, each the mirror of its forward pass, named after the forward
# variable it differentiates (`dz2` is $\partial L / \partial Z_2$).
#
# ### Your turn: softmax and cross-entropy together
#
# $\partial L / \partial Z_2 = \frac1N (A_2 - E_Y)$, from the probabilities $A_2$ of the
# forward pass. For the first training point and this initialisation (the gradient of that
# point's own loss $L_0$, so without the $1/N$):

# %% tags=["hide-input"]
e_y0 = F.one_hot(y[0], num_classes=num_outputs).to(a2.dtype)
show_math(
    r"\begin{aligned} y_0 &= @y0, \quad z_2 = @z, \quad a_2 = \mathrm{softmax}(z_2) = "
    r"@a, \\"
    r" \frac{\partial L_0}{\partial z_2} &= a_2 - e_{y_0} = @a - @e = @g \end{aligned}",
    y0=y[0].item(), z=z2[0], a=a2[0], e=e_y0, g=a2[0] - e_y0,
)

# %%
def softmax_ce_backward(a2, y):
    """dL/dz2 of the mean cross-entropy. a2: (N, C) probabilities, y: (N,) labels."""
    ### BEGIN SOLUTION
    e_y = F.one_hot(y, num_classes=a2.shape[1]).to(a2.dtype)  # (N, C)
    return (a2 - e_y) / a2.shape[0]
    ### END SOLUTION


# %%
softmax_ce_backward = selfcheck.check("softmax_ce_backward", softmax_ce_backward)

# %% [markdown]
# ### Your turn: the linear layer backward
#
# From $\partial L / \partial Z$ (one row per example) to the layer's input, weights and bias:
# $\partial L / \partial X = \frac{\partial L}{\partial Z} W$ (shape of $X$),
# $\partial L / \partial W = \bigl(\frac{\partial L}{\partial Z}\bigr)^\top X$ (shape of $W$,
# out × in) and $\partial L / \partial b$ the sum over the rows.

# %%
def linear_backward(dZ, X, W):
    """Gradients of the loss w.r.t. X, W and b of Z = X @ W.T + b, from dZ: (N, out)."""
    ### BEGIN SOLUTION
    dX = dZ @ W  # (N, num_inputs)
    dW = dZ.T @ X  # (num_outputs, num_inputs), like W
    db = dZ.sum(dim=0)  # (num_outputs,): b is added to every row
    return dX, dW, db
    ### END SOLUTION


# %%
linear_backward = selfcheck.check("linear_backward", linear_backward)

# %% [markdown]
# ### Your turn: the ReLU backward
#
# The gradient passes where the unit was active in the forward pass and stops elsewhere:
# multiply by the mask $\mathbb{1}[Z > 0]$ of the ReLU's *input*.

# %%
def relu_backward(dA, Z):
    """dL/dZ of A = ReLU(Z), from dA: same shape as Z."""
    ### BEGIN SOLUTION
    return dA * (Z > 0).to(dA.dtype)
    ### END SOLUTION


# %%
relu_backward = selfcheck.check("relu_backward", relu_backward)

# %% [markdown]
# ### Your turn: the backward pass of the network
#
# Chain the three, from the loss down, one line per equation of the derivation.

# %%
def two_layer_backward(X, y, W1, b1, W2, b2, cache):
    """dW1, db1, dW2, db2 of the mean cross-entropy; cache = (z1, a1, a2)."""
    ### BEGIN SOLUTION
    z1, a1, a2 = cache
    dz2 = softmax_ce_backward(a2, y)  # (N, num_outputs)
    da1, dW2, db2 = linear_backward(dz2, a1, W2)
    dz1 = relu_backward(da1, z1)  # (N, num_hiddens)
    _, dW1, db1 = linear_backward(dz1, X, W1)
    return dW1, db1, dW2, db2
    ### END SOLUTION


# %%
two_layer_backward = selfcheck.check("two_layer_backward", two_layer_backward)

# %% [markdown]
# **Check against autograd.** The same forward pass, this time on copies of the parameters
# with `requires_grad=True` and `loss.backward()`; each hand-written gradient next to
# autograd's:

# %%
grad_names = ["dW1", "db1", "dW2", "db2"]
auto = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
cross_entropy(two_layer_forward(X, *auto)[0], y).backward()
manual = two_layer_backward(X, y, W1, b1, W2, b2, (z1, a1, a2))
diffs = {name: compare(name, m, a.grad) for name, m, a in zip(grad_names, manual, auto)}

# %% tags=["hide-input"]
answer(
    r"Four functions, each a mirror of a forward step: `softmax_ce_backward` gives "
    r"$\frac1N (A_2 - E_Y)$, `linear_backward` gives $\partial L/\partial Z \, W$, "
    r"$(\partial L/\partial Z)^\top X$ and the row sum, `relu_backward` masks with "
    r"$\mathbb{1}[Z > 0]$, and `two_layer_backward` chains them from the loss down. "
    r"Against autograd on the random initial network, the largest difference over the "
    r"four gradients is $@worst$ (in `float32`, whose rounding unit is $@eps$): the "
    r"hand-written backward "
    r"pass is right.",
    worst=max(diffs.values()), eps=torch.finfo(torch.float32).eps,
)

# %% [markdown]
# ## Exercise 4: gradient descent on the two moons
#
# *Take the two moons with the model visualisation. Implement one gradient-descent training
# step with a configurable learning rate. Train several times, visualising the progress in
# between: save the loss for the loss curve, and reuse the decision-boundary plot.*
#
# ### Your turn: one step
#
# Forward, loss, backward, update $\theta \leftarrow \theta - \eta \, \partial L / \partial \theta$
# for the four parameters, with the learning rate $\eta$ (`lr`) chosen by the caller. Return
# new tensors (so that snapshots of earlier parameters stay untouched) and the loss of this
# forward pass, the one the gradient belongs to.

# %%
def descent_step(X, y, W1, b1, W2, b2, lr):
    """One gradient-descent step: the new W1, b1, W2, b2 and the loss before it."""
    ### BEGIN SOLUTION
    z2, cache = two_layer_forward(X, W1, b1, W2, b2)  # 1. forward
    loss = cross_entropy(z2, y)  # 2. loss
    grads = two_layer_backward(X, y, W1, b1, W2, b2, cache)  # 3. backward
    new = [p - lr * g for p, g in zip((W1, b1, W2, b2), grads)]  # 4. update
    return (*new, loss)
    ### END SOLUTION


# %%
descent_step = selfcheck.check("descent_step", descent_step)

# %% [markdown]
# **Training.** 2,000 full-batch steps with $\eta = 0.5$, recording the loss of every step
# and keeping the parameters at a few steps for the snapshots:

# %%
def train(lr, num_steps=2000, snapshot_at=()):
    params, losses, snapshots = init_params(), [], {}
    for step in range(num_steps + 1):
        if step in snapshot_at:
            snapshots[step] = params
        if step == num_steps:
            break
        *params, loss = descent_step(X, y, *params, lr)
        losses.append(loss.item())
    return params, torch.tensor(losses), snapshots


def accuracy(params, X, y):
    return (two_layer_forward(X, *params)[0].argmax(dim=1) == y).float().mean().item()


snapshot_at = [0, 10, 50, 200, 500, 2000]
params, losses, snapshots = train(lr=0.5, snapshot_at=snapshot_at)
final_loss = cross_entropy(two_layer_forward(X, *params)[0], y).item()
train_acc, test_acc = accuracy(params, X, y), accuracy(params, X_test, y_test)
print(f"after {len(losses)} steps: training loss {final_loss:.4f}, "
      f"training accuracy {100 * train_acc:.1f}%, test accuracy {100 * test_acc:.2f}%")

# %%
ax = plot.plot_loss(losses, xlabel="step", ylabel="training cross-entropy", logy=True)
ax.figure.set_size_inches(plot.WIDTH, 3.2)
for step in snapshot_at[1:-1]:
    ax.axvline(step, color=plot.COLORS[1], lw=1, ls=":")
ax.set_title("gradient descent, lr = 0.5 (dotted: the snapshots)")
plt.show()

# %% [markdown]
# **The decision boundary during training**: the probability of class 1, $(a_2)_1$, over the
# plane, at the snapshot steps.

# %%
prob_levels = torch.linspace(0, 1, 21).tolist()
fig, axes = plt.subplots(3, 2, figsize=(plot.WIDTH, 10.5))
for ax, step in zip(axes.flat, snapshot_at):
    p = snapshots[step]

    def prob_class1(grid, p=p):
        return two_layer_forward(grid.to(device), *p)[1][2][:, 1]

    plot.decision_boundary(prob_class1, X, y, ax=ax, resolution=100, levels=prob_levels,
                           title=f"step {step}, train acc. {accuracy(p, X, y):.3f}")
fig.suptitle("P(class 1) at six steps of gradient descent")
plt.show()

# %% [markdown]
# **Learning rates.** The same start and the same number of steps, for several rates:

# %%
learning_rates = [0.05, 0.5, 2.0, 8.0]
lr_runs = {lr: train(lr)[1] for lr in learning_rates}
rows = []
for lr, curve in lr_runs.items():
    rises = (curve[1:] > curve[:-1]).sum().item()
    rows.append([f"{lr:g}", curve[-1].item(), rises])
header = ["learning rate", "final training loss", "steps where the loss rose"]
show_markdown(table(header, rows))

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
for lr, curve in lr_runs.items():
    plot.plot_loss(curve, ax=ax, label=f"lr = {lr:g}", xlabel="step",
                   ylabel="training cross-entropy", logy=True)
ax.set_title(f"the same network and start, {len(learning_rates)} learning rates")
plt.show()

# %% tags=["hide-input"]
finals = {lr: curve[-1].item() for lr, curve in lr_runs.items()}
best_lr = min(finals, key=finals.get)
largest = max(learning_rates)
answer(
    r"`descent_step` is the four numbered lines; `train` repeats it and keeps "
    r"snapshots. With $\eta = 0.5$ the training loss falls from $@l0$ to $@lend$ in "
    r"$@n$ steps, and the network ends with training accuracy $@tr\%$ and test "
    r"accuracy $@te\%$. In the snapshots, the random network first cuts the plane "
    r"along a few arbitrary ReLU kinks; within the first few dozen steps the boundary "
    r"becomes a rough cut between the moons; later steps bend it around the tips of "
    r"the moons until the training points are on the right side, and the loss keeps "
    r"decreasing (still falling at the end on the log scale, because cross-entropy "
    r"rewards ever more confident correct predictions)." "\n\n"
    r"Over the $@nlr$ learning rates the usual trade-off shows: $\eta = @small$ is "
    r"stable but slow (final loss $@fsmall$), larger rates get lower in the same "
    r"number of steps (the lowest final loss, $@fbest$, with $\eta = @best$), and the "
    r"largest, $\eta = @large$, overshoots: its loss rose in $@rises$ of $@steps$ "
    r"steps, oscillating from one step to "
    r"the next and ends at $@flarge$.",
    l0=losses[0].item(), lend=final_loss, n=len(losses),
    tr=100 * train_acc, te=100 * test_acc, nlr=len(learning_rates),
    small=min(learning_rates), fsmall=finals[min(learning_rates)],
    fbest=finals[best_lr], best=best_lr, large=largest,
    rises=rows[learning_rates.index(largest)][2], steps=len(lr_runs[largest]) - 1,
    flarge=finals[largest],
)

# %% [markdown]
# ## Summary
#
# `labkit.layers` has the same forward/backward pairs as reusable functions, in the same
# weight orientation (`linear_forward(X, W, b)` with `W: (num_outputs, num_inputs)`). Chained,
# they give the same gradients as your `two_layer_backward`:

# %%
lz1, lin1 = layers.linear_forward(X, W1, b1)
la1, relu1 = layers.relu_forward(lz1)
lz2, lin2 = layers.linear_forward(la1, W2, b2)
lab_loss, ce = layers.softmax_cross_entropy_forward(lz2, y)

dz2 = layers.softmax_cross_entropy_backward(ce)
da1, dW2, db2 = layers.linear_backward(dz2, lin2)
dz1 = layers.relu_backward(da1, relu1)
_, dW1, db1 = layers.linear_backward(dz1, lin1)
compare("loss", lab_loss, cross_entropy(z2, y))
for name, lab_grad, ours in zip(grad_names, [dW1, db1, dW2, db2], manual):
    compare(name, lab_grad, ours)

# %% [markdown]
# - Softmax followed by cross-entropy has the gradient $a_2 - e_y$ with respect to the logits:
#   predicted probabilities minus the one-hot target. Softmax subtracts the largest logit
#   before exponentiating, and the loss comes from the logits through `logsumexp`.
# - Each linear layer turns the incoming gradient $\delta$ into $\delta\, a^\top$ for its
#   weights, $\delta$ for its bias and $W^\top \delta$ for its input; ReLU masks $\delta$ with
#   $\mathbb{1}[z > 0]$.
# - For a batch the outer products become matrix products, the bias gradients sums over rows,
#   and the mean loss adds a factor $1/N$.
# - A hand-written backward pass is checked against autograd on a random initialisation, then
#   trained with: the two moons are separated in a few hundred steps.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Add a second hidden layer (Linear → ReLU → Linear → ReLU → Linear → softmax) using only
#    your layer functions, and check its gradients against autograd. How many lines change in
#    the backward pass?
# 2. Replace full-batch gradient descent by mini-batches of 20 points, reshuffled every epoch.
#    With the same number of gradient evaluations, which reaches the lower training loss?
# 3. Scale the initial weights by 0, by 0.01 and by 10. Which start breaks the symmetry
#    between hidden units, which saturates nothing but learns slowly, and why?
# 4. Write the backward pass of softmax alone (its Jacobian times a vector, without
#    cross-entropy) and check it against `torch.autograd.grad`.
#
# ## Next
#
# [The MNIST practical](12-mnist-from-scratch.py) writes the same kind of network, with tanh
# and a squared loss, in the practical's own functions, and trains it on real digits.
