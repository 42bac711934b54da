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
# **Sheet:** Exercises, "Backpropagation Implementation" (exercises 1–4): the network
# $x \to \text{Linear} \to \text{ReLU} \to \text{Linear} \to \text{SoftMax} \to \text{CE}$
# derived on paper, its forward and backward passes written with tensor operations only (no
# `nn.Linear`, no `torch.optim`, no `loss.backward()`), and trained by gradient descent on the
# two moons.
#
# **What you need:** matrix products and broadcasting (tutorial 01, "Tensors"); the chain rule;
# the two-moons data and the decision-boundary plot of tutorial 10, "Vanishing gradients".

# %% [markdown]
# ## What you will learn
#
# - how to write the forward pass of a two-layer classifier and keep the intermediate values the
#   backward pass needs;
# - why the gradient of softmax followed by cross-entropy with respect to the logits is simply
#   $\mathrm{softmax}(z) - e_y$, and how the rest of the backward pass follows layer by layer;
# - how to check a hand-written backward pass against autograd, and train with it;
# - that `labkit.layers` packages the same forward/backward pairs for later tutorials.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from labkit import compare, get_device, layers, plot, seed_everything
from labkit.datasets import two_moons
from labkit.display import fmt, show_math

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### Exercise 1: forward pass
#
# For one example $x \in \mathbb{R}^{d}$ with class $y \in \{0, \dots, C-1\}$, a hidden layer of
# $h$ units and $C$ outputs, the parameters are $W_1 \in \mathbb{R}^{h \times d}$,
# $b_1 \in \mathbb{R}^{h}$, $W_2 \in \mathbb{R}^{C \times h}$, $b_2 \in \mathbb{R}^{C}$, and
#
# $$
# \begin{aligned}
# z_1 &= W_1 x + b_1, & a_1 &= \mathrm{ReLU}(z_1), \\
# z_2 &= W_2 a_1 + b_2, & a_2 &= \mathrm{softmax}(z_2), \\
# L &= -\sum_{k} (e_y)_k \log (a_2)_k = -\log (a_2)_y ,
# \end{aligned}
# $$
#
# where $\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$ and $e_y$ is the one-hot vector of the
# class $y$. The logits are $z_2$.
#
# ### Exercise 1: backward pass
#
# **Softmax and cross-entropy together.** The softmax's Jacobian is
# $\partial (a_2)_j / \partial (z_2)_k = (a_2)_j \bigl(\delta_{jk} - (a_2)_k\bigr)$, so
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial (z_2)_k}
# &= -\sum_j \frac{(e_y)_j}{(a_2)_j} \, (a_2)_j \bigl(\delta_{jk} - (a_2)_k\bigr) \\[6pt]
# &= -(e_y)_k + (a_2)_k \sum_j (e_y)_j
# = (a_2)_k - (e_y)_k ,
# \end{aligned}
# $$
#
# using $\sum_j (e_y)_j = 1$. The same follows directly from
# $L = -(z_2)_y + \log \sum_j e^{(z_2)_j}$. In vector form:
#
# $$
# \frac{\partial L}{\partial z_2} = a_2 - e_y .
# $$
#
# **Second linear layer.** $(z_2)_k = \sum_i (W_2)_{ki} (a_1)_i + (b_2)_k$ gives
#
# $$
# \frac{\partial L}{\partial W_2} = \frac{\partial L}{\partial z_2} \, a_1^\top, \qquad
# \frac{\partial L}{\partial b_2} = \frac{\partial L}{\partial z_2}, \qquad
# \frac{\partial L}{\partial a_1} = W_2^\top \frac{\partial L}{\partial z_2} .
# $$
#
# **ReLU.** Element-wise, with derivative $\mathbb{1}[z > 0]$ (0 at the kink, as in PyTorch):
#
# $$
# \frac{\partial L}{\partial z_1} = \frac{\partial L}{\partial a_1} \odot \mathbb{1}[z_1 > 0] .
# $$
#
# **First linear layer**, as the second:
#
# $$
# \frac{\partial L}{\partial W_1} = \frac{\partial L}{\partial z_1} \, x^\top, \qquad
# \frac{\partial L}{\partial b_1} = \frac{\partial L}{\partial z_1} .
# $$
#
# ### A batch
#
# For $N$ examples stacked as the rows of $X \in \mathbb{R}^{N \times d}$ (and $Z_1, A_1, Z_2, A_2$
# likewise one row per example, $E_Y$ the one-hot rows), the forward pass is
# $Z_1 = X W_1^\top + b_1$, $A_1 = \mathrm{ReLU}(Z_1)$, $Z_2 = A_1 W_2^\top + b_2$,
# $A_2 = \mathrm{softmax}(Z_2)$ row by row, and the loss is the mean
# $L = \frac1N \sum_n L_n$. Each example's gradient is the one above divided by $N$; summing the
# outer products over the examples turns them into matrix products:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial Z_2} &= \tfrac{1}{N} (A_2 - E_Y), &
# \frac{\partial L}{\partial W_2} &= \Bigl(\frac{\partial L}{\partial Z_2}\Bigr)^{\!\top} A_1, \\[6pt]
# \frac{\partial L}{\partial b_2} &= \sum_n \Bigl(\frac{\partial L}{\partial Z_2}\Bigr)_{n,:}, &
# \frac{\partial L}{\partial A_1} &= \frac{\partial L}{\partial Z_2} W_2, \\[6pt]
# \frac{\partial L}{\partial Z_1} &= \frac{\partial L}{\partial A_1} \odot \mathbb{1}[Z_1 > 0], &
# \frac{\partial L}{\partial W_1} &= \Bigl(\frac{\partial L}{\partial Z_1}\Bigr)^{\!\top} X, \\[6pt]
# \frac{\partial L}{\partial b_1} &= \sum_n \Bigl(\frac{\partial L}{\partial Z_1}\Bigr)_{n,:} .
# \end{aligned}
# $$
#
# Every gradient has the shape of the quantity it differentiates, which is a quick check on
# where the transposes go.

# %% [markdown]
# ## Implementation
#
# ### The data and the parameters
#
# The two moons of tutorial 10: 200 points, two classes, so $d = 2$ and $C = 2$; we take
# $h = 16$ hidden units. The weights start random (He initialisation, $\mathcal{N}(0, 2/d)$ for a
# layer with $d$ inputs), the biases at zero. A random start matters for the check below too:
# with zero or symmetric weights many gradient entries are equal or zero, and a wrong backward
# pass can still match.

# %%
X, y = two_moons(200, noise=0.1, seed=0)
X_test, y_test = two_moons(400, noise=0.1, seed=1)
X, y = X.to(device), y.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)
num_inputs, num_hiddens, num_outputs = 2, 16, 2


def init_params(seed=0):
    g = torch.Generator().manual_seed(seed)
    W1 = torch.randn(num_hiddens, num_inputs, generator=g)
    W1 *= (2 / num_inputs) ** 0.5
    b1 = torch.zeros(num_hiddens)
    W2 = torch.randn(num_outputs, num_hiddens, generator=g)
    W2 *= (2 / num_hiddens) ** 0.5
    b2 = torch.zeros(num_outputs)
    return [p.to(device) for p in (W1, b1, W2, b2)]


W1, b1, W2, b2 = init_params()
names = ["W1", "b1", "W2", "b2"]
print({name: tuple(p.shape) for name, p in zip(names, (W1, b1, W2, b2))})

# %% [markdown]
# ### Exercise 2: the forward pass
#
# One line per equation of the derivation. The function returns the logits $Z_2$ and, for the
# backward pass, the intermediate values $Z_1$, $A_1$ and $A_2$:

# %%
def forward(X, W1, b1, W2, b2):
    z1 = X @ W1.T + b1  # (N, num_hiddens)
    a1 = torch.clamp(z1, min=0)  # ReLU
    z2 = a1 @ W2.T + b2  # (N, num_outputs): the logits
    a2 = torch.softmax(z2, dim=1)  # (N, num_outputs): class probabilities
    return z2, (z1, a1, a2)


def cross_entropy(z2, y):
    # -log softmax(z2)_y = logsumexp(z2) - z2_y: no log of an underflowed 0
    z2_y = z2.gather(1, y.unsqueeze(1)).squeeze(1)  # (N,)
    return (torch.logsumexp(z2, dim=1) - z2_y).mean()


z2, (z1, a1, a2) = forward(X, W1, b1, W2, b2)
ones = torch.ones(len(X), device=device)
print("logits", tuple(z2.shape), "| rows of a2 sum to 1:",
      torch.allclose(a2.sum(1), ones))
print(f"loss {cross_entropy(z2, y).item():.4f}")

# %% [markdown]
# The derivation's key line, $\partial L / \partial z_2 = a_2 - e_y$, for the first training
# point with the numbers of this initialisation (gradient of that point's own loss $L_0$):

# %%
def vec(t):
    entries = r" \\ ".join(fmt(v) for v in t.tolist())
    return r"\begin{pmatrix}" + entries + r"\end{pmatrix}"


e_y0 = F.one_hot(y[0], num_classes=a2.shape[1]).float()
show_math(rf"y_0 = {y[0].item()}, \quad z_2 = {vec(z2[0])}, \quad "
          rf"a_2 = \mathrm{{softmax}}(z_2) = {vec(a2[0])}")
show_math(rf"\frac{{\partial L_0}}{{\partial z_2}} = a_2 - e_{{y_0}} = "
          rf"{vec(a2[0])} - {vec(e_y0)} = {vec(a2[0] - e_y0)}")

# %% [markdown]
# ### Exercise 3: the backward pass
#
# Again one line per equation, named after the forward variable it differentiates. The one-hot
# rows $E_Y$ come from `F.one_hot`, as the sheet suggests:

# %%
def backward(X, y, W1, b1, W2, b2, cache):
    z1, a1, a2 = cache
    N = X.shape[0]
    e_y = F.one_hot(y, num_classes=a2.shape[1]).float()  # (N, num_outputs)
    dz2 = (a2 - e_y) / N  # (N, num_outputs)
    dW2 = dz2.T @ a1  # (num_outputs, num_hiddens)
    db2 = dz2.sum(0)  # (num_outputs,)
    da1 = dz2 @ W2  # (N, num_hiddens)
    dz1 = da1 * (z1 > 0).float()  # (N, num_hiddens)
    dW1 = dz1.T @ X  # (num_hiddens, num_inputs)
    db1 = dz1.sum(0)  # (num_hiddens,)
    return dW1, db1, dW2, db2


grads = backward(X, y, W1, b1, W2, b2, (z1, a1, a2))
grad_names = ["dW1", "db1", "dW2", "db2"]
print({name: tuple(g.shape) for name, g in zip(grad_names, grads)})

# %% [markdown]
# ### Exercise 4: one gradient-descent step
#
# Forward, loss, backward, update $\theta \leftarrow \theta - \eta \, \partial L / \partial \theta$
# with a learning rate $\eta$ (`lr`) chosen by the caller. The step returns new tensors, so
# snapshots of earlier parameters stay untouched.

# %%
def gd_step(params, X, y, lr):
    z2, cache = forward(X, *params)  # 1. forward
    loss = cross_entropy(z2, y)  # 2. loss
    grads = backward(X, y, *params, cache)  # 3. backward
    new_params = [p - lr * g for p, g in zip(params, grads)]  # 4. update
    return new_params, loss.item()


params, loss0 = gd_step(init_params(), X, y, lr=0.5)
_, loss1 = gd_step(params, X, y, lr=0.5)
print(f"loss before the step {loss0:.4f}, after one step {loss1:.4f}")

# %% [markdown]
# ### Training
#
# 2,000 full-batch steps with $\eta = 0.5$, recording the loss of every step and keeping a
# copy of the parameters at a few iterations for the snapshots:

# %%
def train(lr, num_steps=2000, snapshot_at=()):
    params, losses, snapshots = init_params(), [], {}
    for step in range(num_steps + 1):
        if step in snapshot_at:
            snapshots[step] = params
        if step == num_steps:
            break
        params, loss = gd_step(params, X, y, lr)
        losses.append(loss)
    return params, torch.tensor(losses), snapshots


snapshot_at = [0, 10, 50, 200, 500, 2000]
params, losses, snapshots = train(lr=0.5, snapshot_at=snapshot_at)


def accuracy(params, X, y):
    return (forward(X, *params)[0].argmax(1) == y).float().mean().item()


final_loss = cross_entropy(forward(X, *params)[0], y).item()
print(f"after {len(losses)} steps: training loss {final_loss:.4f}")
print(f"training accuracy {accuracy(params, X, y):.3f}, "
      f"test accuracy {accuracy(params, X_test, y_test):.3f}")

# %% [markdown]
# The learning rate is configurable; three values side by side, same start and same number of
# steps:

# %%
lr_runs = {lr: train(lr)[1] for lr in [0.05, 0.5, 2.0, 8.0]}
for lr, curve in lr_runs.items():
    rises = (curve[1:] > curve[:-1]).sum().item()
    print(f"lr = {lr:<4}: final loss {curve[-1].item():.4f}, "
          f"went up in {rises} of {len(curve) - 1} steps")

# %% [markdown]
# ## Check
#
# ### Forward pass and loss against PyTorch
#
# The hand-written loss against `F.cross_entropy` on the same logits:

# %%
W1, b1, W2, b2 = init_params()
z2, cache = forward(X, W1, b1, W2, b2)
compare("loss", cross_entropy(z2, y), F.cross_entropy(z2, y));

# %% [markdown]
# ### Backward pass against autograd
#
# The same forward pass, this time with `requires_grad=True` on copies of the parameters and
# `loss.backward()`; each hand-written gradient next to autograd's:

# %%
auto = [p.clone().requires_grad_() for p in (W1, b1, W2, b2)]
F.cross_entropy(forward(X, *auto)[0], y).backward()
manual = backward(X, y, W1, b1, W2, b2, cache)
for name, m, a in zip(grad_names, manual, auto):
    compare(name, m, a.grad)

# %% [markdown]
# ### labkit's layers agree
#
# `labkit.layers` has the same forward/backward pairs as reusable functions
# (`linear_forward(X, W, b)` with `W: (num_inputs, num_outputs)`, hence the transposes). Chained,
# they give the same gradients as our `backward`:

# %%
lz1, lin1 = layers.linear_forward(X, W1.T, b1)
la1, relu1 = layers.relu_forward(lz1)
lz2, lin2 = layers.linear_forward(la1, W2.T, b2)
loss, ce = layers.softmax_cross_entropy_forward(lz2, y)

dz2 = layers.softmax_cross_entropy_backward(ce)
da1, dW2_T, db2 = layers.linear_backward(dz2, lin2)
dz1 = layers.relu_backward(da1, relu1)
_, dW1_T, db1 = layers.linear_backward(dz1, lin1)
lab = [dW1_T.T, db1, dW2_T.T, db2]
for name, lab_grad, ours in zip(grad_names, lab, manual):
    compare(name, lab_grad, ours)

# %% [markdown]
# ## Plot
#
# ### Loss curve

# %%
ax = plot.plot_loss(losses, xlabel="step", ylabel="training cross-entropy",
                    logy=True)
for step in snapshot_at[1:-1]:
    ax.axvline(step, color=plot.COLORS[1], lw=1, ls=":")
ax.set_title("gradient descent, lr = 0.5 (dotted: snapshots)")
plt.show()

# %% [markdown]
# ### Decision boundary during training
#
# The probability of class 1, $(a_2)_1$, over the plane, at the snapshot iterations:

# %%
prob_levels = torch.linspace(0, 1, 21).tolist()
fig, axes = plt.subplots(3, 2, figsize=(9, 10.5))
for ax, step in zip(axes.flat, snapshot_at):
    p = snapshots[step]

    def prob_class1(grid, p=p):
        z1, a1, a2 = forward(grid.to(device), *p)[1]
        return a2[:, 1]

    acc = accuracy(p, X, y)
    plot.decision_boundary(prob_class1, X, y, ax=ax, resolution=100,
                           levels=prob_levels,
                           title=f"step {step}, training accuracy {acc:.3f}")
plt.show()

# %% [markdown]
# ### Learning rates

# %%
fig, ax = plt.subplots()
for lr, curve in lr_runs.items():
    plot.plot_loss(curve, ax=ax, label=f"lr = {lr}", xlabel="step",
                   ylabel="training cross-entropy", logy=True)
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# **1. Forward and backward pass in course notation.**
#
# <details><summary>Answer</summary>
#
# See the Derivation. Forward: $z_1 = W_1 x + b_1$, $a_1 = \mathrm{ReLU}(z_1)$,
# $z_2 = W_2 a_1 + b_2$, $a_2 = \mathrm{softmax}(z_2)$, $L = -e_y^\top \log a_2$. Backward:
# $\partial L/\partial z_2 = a_2 - e_y$, $\partial L/\partial W_2 = (a_2 - e_y)\, a_1^\top$,
# $\partial L/\partial b_2 = a_2 - e_y$, $\partial L/\partial a_1 = W_2^\top (a_2 - e_y)$,
# $\partial L/\partial z_1 = \partial L/\partial a_1 \odot \mathbb{1}[z_1 > 0]$,
# $\partial L/\partial W_1 = \partial L/\partial z_1 \, x^\top$,
# $\partial L/\partial b_1 = \partial L/\partial z_1$; for a batch with the mean loss, the same
# with rows stacked, a factor $1/N$, and sums over the batch for the biases.
#
# </details>
#
# **2–3. Forward pass with matrix multiplication and `torch.softmax`; backward pass without
# autograd.**
#
# <details><summary>Answer</summary>
#
# `forward` and `backward` above, one line per equation. The check prints the maximum absolute
# difference to autograd for every gradient: differences at the level of float32 rounding,
# i.e. the hand-written backward pass is correct. `labkit.layers` gives the same numbers.
#
# </details>
#
# **4. Gradient-descent training on the two moons, with the loss curve and the decision boundary
# during training.**
#
# <details><summary>Answer</summary>
#
# `gd_step` performs one step with a configurable learning rate; `train` repeats it and keeps
# snapshots. At step 0 the random network separates the plane by a few arbitrary ReLU kinks;
# within the first few dozen steps the boundary turns into a roughly straight cut between the
# moons; later steps bend it around the tips of the moons until every training point is on the
# right side, and the loss keeps decreasing (its log-scale plot is still falling at the end,
# because cross-entropy rewards ever more confident correct predictions). The learning-rate
# comparison shows the usual trade-off: a small rate is stable but slow, larger ones get far
# lower in the same number of steps, and the largest rate overshoots: its loss goes up again and
# again (the count printed above), oscillating from one step to the next (the thick band in the
# plot), and it ends higher than with any of the other rates.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Softmax followed by cross-entropy has the gradient $a_2 - e_y$ with respect to the logits:
#   predicted probabilities minus the one-hot target.
# - Each linear layer turns the incoming gradient $\delta$ into $\delta\, a^\top$ for its weights,
#   $\delta$ for its bias and $W^\top \delta$ for its input; ReLU masks $\delta$ with
#   $\mathbb{1}[z > 0]$.
# - For a batch the outer products become matrix products, the bias gradients sums over rows,
#   and the mean loss adds a factor $1/N$.
# - A hand-written backward pass is checked against autograd on a random initialisation;
#   `labkit.layers` (`linear_forward`/`linear_backward`, `relu_*`,
#   `softmax_cross_entropy_*`) packages the same code for later tutorials.
