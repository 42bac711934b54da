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
# # Activation functions
#
# **Sheets:** Intro to Deep Learning, exercise session 1, §2 (exercises 2.1–2.4);
# Deep Learning practical session 3 (F. Fleuret), §1 "Activation function".
#
# **What you need:** tensors and element-wise operations (tutorial 01, "Tensors"), the
# derivative rules of calculus (chain rule, quotient rule), and what `requires_grad` and
# `.backward()` do at the level of "autograd computes derivatives for us".

# %% [markdown]
# ## What you will learn
#
# - how to write the sigmoid, tanh and ReLU with tensor operations only, and why the
#   textbook formulas overflow for large $|z|$ (and how to rewrite them so they do not);
# - how to derive their derivatives $\sigma'(z) = \sigma(z)(1-\sigma(z))$,
#   $\tanh'(z) = 1 - \tanh^2(z)$ and the ReLU step, and how to check them against autograd;
# - why the sigmoid's derivative never exceeds $1/4$, and what that does to the gradient of a
#   deep network: the *vanishing gradient* problem, measured rather than asserted;
# - why tanh is better and ReLU better still in that respect.

# %%
import math

import matplotlib.pyplot as plt
import torch

from labkit import activations, compare, get_device, plot, seed_everything
from labkit.display import fmt, show_markdown

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### The three functions (exercise 2.1)
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
# \tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}, \qquad
# \operatorname{ReLU}(z) = \max(0, z).
# $$
#
# All three act element-wise: a tensor `z` of any shape goes in, a tensor of the same shape
# comes out.
#
# **Overflow.** In `float32`, $e^{z}$ is `inf` as soon as $z > 88.7$. The sigmoid formula then
# still gives the right limit ($1/(1+\infty) = 0$), but the tanh formula gives
# $\infty/\infty = \text{nan}$. The cure is to only ever exponentiate non-positive numbers.
# Dividing numerator and denominator by $e^{|z|}$:
#
# $$
# \sigma(z) =
# \begin{cases}
# \dfrac{1}{1 + e^{-|z|}} & z \ge 0 \\[2ex]
# \dfrac{e^{-|z|}}{1 + e^{-|z|}} & z < 0
# \end{cases}
# \qquad
# \tanh(z) = \operatorname{sign}(z)\,\frac{1 - e^{-2|z|}}{1 + e^{-2|z|}} .
# $$
#
# Now $e^{-|z|} \in (0, 1]$, so nothing overflows.
#
# ### Their derivatives (exercise 2.3)
#
# **Sigmoid.** Write $\sigma(z) = (1 + e^{-z})^{-1}$ and use the chain rule:
#
# $$
# \sigma'(z) = -(1 + e^{-z})^{-2} \cdot (-e^{-z})
# = \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}
# = \sigma(z)\,\bigl(1 - \sigma(z)\bigr),
# $$
#
# because $\frac{e^{-z}}{1+e^{-z}} = \frac{(1 + e^{-z}) - 1}{1+e^{-z}} = 1 - \sigma(z)$.
#
# **Tanh.** With $u = e^{z} - e^{-z}$ and $v = e^{z} + e^{-z}$ we have $u' = v$ and $v' = u$, so
# the quotient rule gives
#
# $$
# \tanh'(z) = \frac{u'v - uv'}{v^2} = \frac{v^2 - u^2}{v^2} = 1 - \tanh^2(z)
# = \frac{4}{(e^{z} + e^{-z})^2},
# $$
#
# where the last form uses $v^2 - u^2 = (v-u)(v+u) = 2e^{-z} \cdot 2e^{z} = 4$. This last form is
# the one the Fleuret practical hints at (`torch.exp`, `torch.pow`).
#
# **ReLU.** For $z > 0$ it is the identity (slope 1), for $z < 0$ the constant 0 (slope 0):
#
# $$
# \operatorname{ReLU}'(z) =
# \begin{cases}
# 1 & z > 0 \\
# 0 & z < 0
# \end{cases}
# $$
#
# At $z = 0$ there is a kink and no derivative; like PyTorch, we use 0 there.
#
# **How large can the derivatives be?** $\sigma'(z) = s(1-s)$ with $s = \sigma(z) \in (0, 1)$ is a
# downward parabola in $s$ with its top at $s = \tfrac12$, i.e. at $z = 0$:
#
# $$
# \max_z \sigma'(z) = \tfrac12 \cdot \tfrac12 = \tfrac14, \qquad
# \max_z \tanh'(z) = 1 - 0^2 = 1,
# $$
#
# and $\operatorname{ReLU}'(z) \in \{0, 1\}$.
#
# Away from 0 both $\sigma'$ and $\tanh'$ decay like $e^{-|z|}$ and $e^{-2|z|}$: from
# $\sigma'(z) = e^{-|z|}/(1+e^{-|z|})^2$, for large $|z|$, $\sigma'(z) \approx e^{-|z|}$.

# %% [markdown]
# ## Implementation
#
# ### Exercise 2.1: the functions
#
# First the formulas exactly as the sheet writes them, to see where they break:

# %%
def sigmoid_naive(z):
    return 1 / (1 + torch.exp(-z))


def tanh_naive(z):
    return (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))


z_big = torch.tensor([-100.0, -20.0, 0.0, 20.0, 100.0], device=device)
print("sigmoid_naive:", sigmoid_naive(z_big))
print("tanh_naive:   ", tanh_naive(z_big))

# %% [markdown]
# The naive tanh returns `nan` at $z = \pm 100$, where $e^{100}$ overflowed. The stable
# rewriting from the derivation, one line per case:

# %%
def sigmoid(z):
    e = torch.exp(-z.abs())  # in (0, 1]: cannot overflow
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(z):
    e = torch.exp(-2 * z.abs())
    return torch.sign(z) * (1 - e) / (1 + e)


def relu(z):
    return torch.where(z > 0, z, torch.zeros_like(z))


print("sigmoid:", sigmoid(z_big))
print("tanh:   ", tanh(z_big))
print("relu:   ", relu(z_big))

# %% [markdown]
# ### Exercise 2.3: the derivatives
#
# Each line implements one formula of the derivation, reusing the function itself:

# %%
def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh_grad(z):
    return 1 - tanh(z) ** 2


def relu_grad(z):
    return (z > 0).to(z.dtype)  # 1 where z > 0, else 0 (also at z = 0)


z_small = torch.tensor([-2.0, 0.0, 0.5], device=device)
print("sigmoid_grad:", sigmoid_grad(z_small))
print("tanh_grad:   ", tanh_grad(z_small))
print("relu_grad:   ", relu_grad(z_small))

# %% [markdown]
# ### Fleuret, practical 3, §1: `sigma` and `dsigma` without Python loops
#
# The practical calls the activation `sigma` (it is tanh there) and its derivative `dsigma`,
# using `torch.tanh`, `torch.exp`, `torch.mul` and `torch.pow`. Tensor operations act on every
# element at once, so no loop is needed; `dsigma` is the $4/(e^{z} + e^{-z})^2$ form:

# %%
def sigma(x):
    return x.tanh()


def dsigma(x):
    return 4 * (x.exp() + x.mul(-1).exp()).pow(-2)


x = torch.randn(2, 3, device=device)
print(sigma(x))
print(dsigma(x))

# %% [markdown]
# ## Check
#
# ### Exercise 2.2 (c): against PyTorch's built-ins
#
# On the sheet's grid of 100 points in $[-5, 5]$, and on a wide range where the naive formulas
# overflow:

# %%
z = torch.linspace(-5, 5, 100, device=device)  # exercise 2.2 (a)
z_wide = torch.linspace(-200, 200, 1001, device=device)
for name, mine, builtin in [
    ("sigmoid", sigmoid, torch.sigmoid),
    ("tanh", tanh, torch.tanh),
    ("relu", relu, torch.relu),
]:
    compare(name, mine(z), builtin(z))
    compare(name + " wide", mine(z_wide), builtin(z_wide))

# %% [markdown]
# `float32` carries about 7 significant digits, so differences of the order of $10^{-7}$ are
# rounding; "exact" means bit-for-bit equal.
#
# ### The derivatives against autograd
#
# Autograd differentiates PyTorch's built-ins; our derivatives must match it. The grid has 100
# points, none of them exactly 0, so ReLU's kink is not hit. Summing the outputs before
# `backward` makes the gradient with respect to each $z_i$ equal to $f'(z_i)$, because each
# output depends on its own $z_i$ only.

# %%
def autograd_derivative(f, z):
    z = z.clone().requires_grad_()
    f(z).sum().backward()
    return z.grad


for name, mine, builtin in [
    ("sigmoid'", sigmoid_grad, torch.sigmoid),
    ("tanh'", tanh_grad, torch.tanh),
    ("relu'", relu_grad, torch.relu),
    ("dsigma", dsigma, torch.tanh),
]:
    compare(name, mine(z), autograd_derivative(builtin, z))
print("0 in grid:", bool((z == 0).any()))

# %% [markdown]
# Both forms of the tanh derivative, $1 - \tanh^2$ and $4/(e^{z}+e^{-z})^2$, agree as well:

# %%
_ = compare("1-tanh^2 vs 4/(..)^2", tanh_grad(z), dsigma(z))

# %% [markdown]
# ## Plot
#
# ### Exercise 2.2 (b): the three functions on one graph

# %%
zc = z.cpu()
fig, ax = plt.subplots()
for name, f in [("sigmoid", sigmoid), ("tanh", tanh), ("ReLU", relu)]:
    ax.plot(zc, f(z).cpu(), label=name)
ax.set_xlabel("$z$")
ax.set_ylabel("$f(z)$")
ax.set_ylim(-1.2, 2.5)
ax.legend()
plt.show()

# %% [markdown]
# ### Exercise 2.3: each function with its derivative

# %%
fig, axes = plt.subplots(1, 3, figsize=(7.6, 2.9), sharex=True)
for ax, (name, f, df) in zip(
    axes,
    [
        ("sigmoid", sigmoid, sigmoid_grad),
        ("tanh", tanh, tanh_grad),
        ("ReLU", relu, relu_grad),
    ],
):
    ax.plot(zc, f(z).cpu(), label="$f(z)$")
    ax.plot(zc, df(z).cpu(), "--", label="$f'(z)$")
    ax.set_title(name)
    ax.set_xlabel("$z$")
axes[0].legend()
axes[2].set_ylim(-0.2, 2.2)
plt.show()

# %% [markdown]
# The sigmoid's derivative is a low bump (its top is the $\tfrac14$ of the derivation); tanh's
# is four times higher and narrower; ReLU's is the unit step.

# %% [markdown]
# ## Answers to the exercise questions
#
# ### Exercise 2.4 (a): $\sigma'(z)$ for $z \in \{-10, -5, 0, 5, 10\}$
#
# Computed in `float64` so that even the tiny values keep their digits. The last column
# compares with the largest possible value, $\sigma'(0)$.

# %%
def sci(v):
    """A number for LaTeX: 6 significant digits, scientific if tiny or huge."""
    if v == 0:
        return "0"
    exponent = math.floor(math.log10(abs(v)))
    if -2 <= exponent <= 1:
        return f"{v:.6g}"
    return rf"{v / 10**exponent:.3f} \times 10^{{{exponent}}}"


f64 = dict(dtype=torch.float64, device=device)
z_table = torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0], **f64)
s_table = sigmoid(z_table)
ds_table = sigmoid_grad(z_table)
ratio = ds_table / sigmoid_grad(torch.zeros(1, **f64))
columns = zip(z_table.tolist(), s_table.tolist(), ds_table.tolist(), ratio.tolist())
rows = [
    f"| ${fmt(zi)}$ | ${sci(si)}$ | ${sci(di)}$ | ${sci(ri)}$ |"
    for zi, si, di, ri in columns
]
header = r"| $z$ | $\sigma(z)$ | $\sigma'(z)$ | $\sigma'(z) / \sigma'(0)$ |"
show_markdown(header + "\n|---:|---:|---:|---:|\n" + "\n".join(rows))

# %% [markdown]
# ### Exercise 2.4 (b): what happens when $|z|$ is large?
#
# <details><summary>Answer</summary>
#
# The derivative collapses. It is largest at $z = 0$ (the $\tfrac14$ of the derivation) and is
# symmetric, $\sigma'(-z) = \sigma'(z)$. The table shows it already far smaller at $|z| = 5$,
# and orders of magnitude smaller again at $|z| = 10$: it decays like $e^{-|z|}$, losing a
# factor $e \approx 2.7$ per unit of $|z|$. Meanwhile $\sigma(z)$ itself sits at 0 or 1: the
# unit is *saturated*, and a change of its input barely changes its output, so the gradient
# that reaches the weights feeding it is close to zero.
#
# </details>
#
# ### Exercise 2.4 (c): why is this a problem for deep networks?
#
# **Derivation.** In a chain of $L$ layers $z_{l} = w_{l}\, a_{l-1}$, $a_l = \sigma(z_l)$, the chain
# rule multiplies one factor per layer:
#
# $$
# \frac{\partial a_L}{\partial z_1} = \prod_{l=2}^{L} \sigma'(z_{l})\, w_{l} \cdot \sigma'(z_1),
# \qquad
# \prod_{l=1}^{L} \sigma'(z_l) \le \left(\tfrac14\right)^{L} = 4^{-L}.
# $$
#
# So the activation factors alone shrink the gradient by at least a factor 4 per layer. Only
# the weights could compensate, but making them large pushes the $z_l$ into the saturated
# tails, where $\sigma'$ is smaller still. For tanh the bound is $1^L = 1$ and for ReLU the
# factor is exactly 1 on every active unit, so neither *must* shrink. The bound as a function
# of depth:

# %%
depths = torch.arange(1, 31)
bound_sigmoid = 0.25 ** depths.double()
for L in (5, 10, 20, 30):
    print(f"L = {L:2d}:  4^-L = {bound_sigmoid[L - 1].item():.2e}")

# %% [markdown]
# **A realistic measurement.** The bound is the best case. To see what actually happens, build
# a deep network of width 64 and depth 30 with the customary initialisation for each activation
# (Xavier, $\mathcal{N}(0, 1/n)$, for sigmoid and tanh; He, $\mathcal{N}(0, 2/n)$, for ReLU;
# biases 0), push a batch of 256 random inputs through it, and record two things at every
# layer $l$:
#
# 1. the mean activation derivative $\overline{f'(z_l)}$ over the batch and the units; their
#    product from the output down to layer $l$ is the "realistic" version of $4^{-L}$;
# 2. the size of the true gradient $\lVert \partial \mathcal{L} / \partial z_l \rVert$ from
#    autograd (weights included), relative to its size at the last layer.

# %%
def deep_gradients(f, init_var, num_layers=30, width=64, batch=256):
    """Per layer: mean f'(z_l) and |dL/dz_l| relative to the last layer."""
    g = torch.Generator().manual_seed(1)
    X = torch.randn(batch, width, generator=g).to(device)
    h, zs = X, []
    for _ in range(num_layers):
        W = torch.randn(width, width, generator=g) * math.sqrt(init_var / width)
        W = W.to(device)
        z_l = (h @ W.T).requires_grad_()  # (batch, width)
        zs.append(z_l)
        h = f(z_l)
    loss = h.sum()  # any scalar of the output will do
    grads = torch.autograd.grad(loss, zs)
    norms = torch.stack([gz.norm() for gz in grads])  # (num_layers,)
    return torch.stack([zl.detach() for zl in zs]), (norms / norms[-1]).cpu()


results, rows = {}, []
for name, f, df, var in [
    ("sigmoid", sigmoid, sigmoid_grad, 1.0),
    ("tanh", tanh, tanh_grad, 1.0),
    ("ReLU", relu, relu_grad, 2.0),
]:
    z_layers, grad_ratio = deep_gradients(f, var)
    mean_deriv = df(z_layers).mean(dim=(1, 2)).cpu()  # (num_layers,)
    # product over the layers from layer l to the output (both included)
    path_product = torch.flip(torch.cumprod(torch.flip(mean_deriv, [0]), 0), [0])
    results[name] = (path_product, grad_ratio)
    mean = mean_deriv.mean().item()
    prod, first = path_product[0].item(), grad_ratio[0].item()
    rows.append(f"| {name} | {mean:.3f} | ${sci(prod)}$ | ${sci(first)}$ |")
show_markdown(
    "| activation | mean $f'(z_l)$ | product over 30 layers "
    "| gradient at layer 1 / layer 30 |\n|---|---:|---:|---:|\n" + "\n".join(rows)
)

# %% [markdown]
# Both quantities against the number of layers the gradient travels through (log scale):

# %%
layers_back = torch.arange(30, 0, -1)  # layer 1 is 30 layers from the output
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.6, 3.6), sharey=True)
ax1.plot(depths, bound_sigmoid, ":", color=plot.COLORS[3], label="$4^{-L}$")
for name, (path_product, grad_ratio) in results.items():
    ax1.plot(layers_back, path_product, label=name)
    ax2.plot(layers_back, grad_ratio, label=name)
ax1.set_title(r"product of mean $f'(z_l)$")
ax2.set_title(r"relative $\|\partial \mathcal{L}/\partial z_l\|$")
for ax in (ax1, ax2):
    ax.set_yscale("log")
    ax.set_xlabel("layers from $z_l$ to the output")
ax1.legend(fontsize=8)
plt.show()

# %% [markdown]
# <details><summary>Answer</summary>
#
# Training changes each weight in proportion to its gradient. Through the sigmoid, every layer
# multiplies the gradient by at most $\tfrac14$, and the measurement shows the realistic factor
# is close to that best case (the mean $\sigma'$ in the table): after 30 layers the activation
# factors alone have shrunk the gradient by the factor in the table, and the true gradient
# of the first layer (right panel) is smaller than the last layer's by a similar order of
# magnitude. With one learning rate for all layers, the first layers then barely move while
# the last ones train: the network behaves like a shallow one sitting on top of random
# features, and making it deeper makes it worse. This is the *vanishing gradient* problem.
#
# Tanh is centred at 0 and its derivative reaches 1, so its mean factor per layer is much
# larger and the gradient decays far more slowly (the tanh curves). ReLU's factor is 1 on
# every active unit; on average about half the units are active (its mean $f'$ in the
# table), and He initialisation's variance $2/n$ exactly compensates that half, so the
# true gradient stays of order 1 through all 30 layers (the nearly flat ReLU curve on the
# right). This is why ReLU replaced the sigmoid in hidden layers.
#
# </details>

# %% [markdown]
# ## Summary
#
# The hand-written functions of this page live on in `labkit.activations`, as pairs `f` /
# `f_grad`, so later tutorials can import them. They agree with the versions above (labkit's
# derivatives use the equivalent forms $\sigma(z)\sigma(-z)$ and $4\sigma(2z)\sigma(-2z)$,
# which keep their digits in the tails, hence "approx" rather than "exact" in places):

# %%
mine = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}
for name, (f_mine, df_mine) in mine.items():
    f_lab, df_lab = activations.get_activation(name)
    compare(name, f_lab(z_wide), f_mine(z_wide))
    compare(name + "_grad", df_lab(z_wide), df_mine(z_wide))

# %% [markdown]
# - $\sigma(z) = 1/(1+e^{-z})$, $\tanh(z)$ and $\operatorname{ReLU}(z) = \max(0,z)$ are
#   element-wise; written naively, tanh overflows for large $|z|$, so exponentiate only
#   $-|z|$.
# - $\sigma' = \sigma(1-\sigma) \le \tfrac14$, $\tanh' = 1 - \tanh^2 \le 1$,
#   $\operatorname{ReLU}' = \mathbb{1}[z > 0]$; each was checked against autograd.
# - For $|z|$ large the sigmoid saturates and its derivative decays like $e^{-|z|}$.
# - Backpropagation multiplies one derivative per layer, so with the sigmoid the gradient of
#   early layers vanishes at least like $4^{-L}$; tanh vanishes more slowly, and ReLU with He
#   initialisation keeps the gradient's size through depth.
# - Next: "Forward propagation by hand" uses `labkit.activations.relu` in a first network.
