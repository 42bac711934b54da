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
# **What you need:** tensors and element-wise operations ([Tensors](01-tensors.py)), the
# chain rule and the quotient rule, and what `requires_grad` and `.backward()` do at the
# level of "autograd computes derivatives for us".
#
# ## What you will learn
#
# - to write the sigmoid, tanh and ReLU with tensor operations only, and why the textbook
#   formulas overflow for large $|z|$;
# - to derive $\sigma'(z) = \sigma(z)(1-\sigma(z))$, $\tanh'(z) = 1 - \tanh^2(z)$ and the
#   ReLU step, and to check them against autograd;
# - why the sigmoid's derivative never exceeds $1/4$, and what that does to the gradient of
#   a deep network: the *vanishing gradient* problem, measured rather than asserted.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [2.1 The three functions](#exercise-21-sigmoid-tanh-and-relu) | `sigmoid`, `tanh`, `relu` | 3 |
# | [2.2 Plot and compare with PyTorch](#exercise-22-plot-them-and-compare-with-pytorch) | a plot | — |
# | [2.3 The derivatives](#exercise-23-the-derivatives) | `sigmoid_grad`, `tanh_grad`, `relu_grad` | 3 |
# | [Practical 3, §1: `sigma` and `dsigma`](#practical-3-1-sigma-and-dsigma-without-loops) | `dsigma` | 1 |
# | [2.4 The vanishing gradient](#exercise-24-the-vanishing-gradient) | a table and two answers | — |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import math

import matplotlib.pyplot as plt
import torch

from labkit import activations, compare, get_device, plot, seed_everything, selfcheck
from labkit.display import answer, latex, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## Exercise 2.1: sigmoid, tanh and ReLU
#
# *Implement $\sigma(z) = \frac{1}{1+e^{-z}}$, $\tanh(z) = \frac{e^z - e^{-z}}{e^z + e^{-z}}$
# and $\operatorname{ReLU}(z) = \max(0, z)$ with PyTorch operations. Each takes a tensor `z`
# and returns a tensor of the same shape.*
#
# All three act element-wise. Written as the sheet writes them, two of them have a problem:
# in `float32`, $e^{z}$ is `inf` as soon as $z > 88.7$.

# %%
def sigmoid_naive(z):
    return 1 / (1 + torch.exp(-z))


def tanh_naive(z):
    return (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))


z_big = torch.tensor([-100.0, -20.0, 0.0, 20.0, 100.0], device=device)
print("sigmoid_naive:", sigmoid_naive(z_big))
print("tanh_naive:   ", tanh_naive(z_big))

# %% [markdown]
# The sigmoid survives ($1/(1+\infty) = 0$ is the right limit), but tanh returns
# $\infty/\infty = \text{nan}$ at $z = \pm 100$. The cure is to exponentiate only
# non-positive numbers. Dividing numerator and denominator by $e^{|z|}$:
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
# Now $e^{-|z|} \in (0, 1]$ and nothing overflows.
#
# ### Your turn
#
# Write the three functions, one line per case of the formulas above. `torch.where(cond,
# a, b)` picks `a` where `cond` holds and `b` elsewhere.

# %%
def sigmoid(z):
    """σ(z) = 1 / (1 + e^{-z}), element-wise, without overflow. z: any shape."""
    ### BEGIN SOLUTION
    e = torch.exp(-z.abs())  # in (0, 1]: cannot overflow
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION


def tanh(z):
    """tanh(z), element-wise, without overflow. z: any shape."""
    ### BEGIN SOLUTION
    e = torch.exp(-2 * z.abs())
    return torch.sign(z) * (1 - e) / (1 + e)
    ### END SOLUTION


def relu(z):
    """max(0, z), element-wise. z: any shape."""
    ### BEGIN SOLUTION
    return torch.where(z > 0, z, torch.zeros_like(z))
    ### END SOLUTION


# %%
sigmoid = selfcheck.check("sigmoid", sigmoid)
tanh = selfcheck.check("tanh", tanh)
relu = selfcheck.check("relu", relu)

# %% [markdown]
# On the inputs that broke the naive formulas:

# %%
print("sigmoid:", sigmoid(z_big))
print("tanh:   ", tanh(z_big))
print("relu:   ", relu(z_big))

# %% [markdown]
# ## Exercise 2.2: plot them and compare with PyTorch
#
# *(a) Make 100 values evenly spaced in $[-5, 5]$; (b) plot the three functions on one
# graph; (c) compare with `torch.sigmoid`, `torch.tanh` and `torch.relu`.*

# %%
z = torch.linspace(-5, 5, 100, device=device)  # (a)
z_wide = torch.linspace(-200, 200, 1001, device=device)  # the naive forms overflow here

fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
for name, f in [("sigmoid", sigmoid), ("tanh", tanh), ("ReLU", relu)]:
    ax.plot(z.cpu(), f(z).cpu(), label=name)
ax.set(xlabel="$z$", ylabel="$f(z)$", ylim=(-1.2, 2.5))
ax.set_title("sigmoid, tanh and ReLU on [-5, 5]")
ax.legend()
plt.show()

# %% [markdown]
# (c) The built-ins, on the sheet's grid and on $[-200, 200]$. `compare` prints the largest
# absolute difference: "exact" means bit-for-bit equal, "approx" within $10^{-6}$; it raises
# an error when they differ by more.

# %%
builtins = [("sigmoid", sigmoid, torch.sigmoid), ("tanh", tanh, torch.tanh),
            ("relu", relu, torch.relu)]
for name, mine, builtin in builtins:
    compare(name, mine(z), builtin(z))
    compare(name + " wide", mine(z_wide), builtin(z_wide))

# %% [markdown]
# `float32` carries about 7 significant digits, so differences of order $10^{-7}$ are
# rounding. The sigmoid squashes any input into $(0, 1)$, tanh into $(-1, 1)$ and is
# centred at 0; ReLU is unbounded above and exactly 0 for negative inputs.

# %% [markdown]
# ## Exercise 2.3: the derivatives
#
# *Implement $\sigma'(z) = \sigma(z)(1-\sigma(z))$, $\tanh'(z) = 1 - \tanh^2(z)$ and
# $\operatorname{ReLU}'(z) = 1$ if $z > 0$, else 0; plot them alongside the functions.*
#
# **Derivation.** Sigmoid: write $\sigma(z) = (1 + e^{-z})^{-1}$ and use the chain rule:
#
# $$
# \begin{aligned}
# \sigma'(z) &= -(1 + e^{-z})^{-2} \cdot (-e^{-z})
#   = \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}} \\
#   &= \sigma(z)\,\bigl(1 - \sigma(z)\bigr),
# \end{aligned}
# $$
#
# because $\frac{e^{-z}}{1+e^{-z}} = \frac{(1 + e^{-z}) - 1}{1+e^{-z}} = 1 - \sigma(z)$.
# Tanh: with $u = e^{z} - e^{-z}$ and $v = e^{z} + e^{-z}$, $u' = v$ and $v' = u$, so
#
# $$
# \tanh'(z) = \frac{u'v - uv'}{v^2} = \frac{v^2 - u^2}{v^2} = 1 - \tanh^2(z)
# = \frac{4}{(e^{z} + e^{-z})^2},
# $$
#
# where $v^2 - u^2 = (v-u)(v+u) = 2e^{-z} \cdot 2e^{z} = 4$. ReLU is the identity for
# $z > 0$ (slope 1) and constant for $z < 0$ (slope 0); at the kink $z = 0$ there is no
# derivative, and PyTorch uses 0.
#
# ### Your turn
#
# Reuse your functions from 2.1.

# %%
def sigmoid_grad(z):
    """σ'(z), element-wise. z: any shape."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1 - s)
    ### END SOLUTION


def tanh_grad(z):
    """tanh'(z), element-wise. z: any shape."""
    ### BEGIN SOLUTION
    return 1 - tanh(z) ** 2
    ### END SOLUTION


def relu_grad(z):
    """ReLU'(z): 1 where z > 0, else 0 (also at z = 0), in z's dtype."""
    ### BEGIN SOLUTION
    return (z > 0).to(z.dtype)
    ### END SOLUTION


# %%
sigmoid_grad = selfcheck.check("sigmoid_grad", sigmoid_grad)
tanh_grad = selfcheck.check("tanh_grad", tanh_grad)
relu_grad = selfcheck.check("relu_grad", relu_grad)

# %% [markdown]
# **Check against autograd.** Autograd differentiates PyTorch's built-ins. Summing the
# outputs before `backward` makes the gradient with respect to each $z_i$ equal to
# $f'(z_i)$, because each output depends on its own $z_i$ only. The grid has no point at
# exactly 0, so ReLU's kink is not hit.

# %%
def autograd_derivative(f, z):
    z = z.clone().requires_grad_()
    f(z).sum().backward()
    return z.grad


derivatives = [("sigmoid'", sigmoid_grad, torch.sigmoid),
               ("tanh'", tanh_grad, torch.tanh), ("relu'", relu_grad, torch.relu)]
for name, mine, builtin in derivatives:
    compare(name, mine(z), autograd_derivative(builtin, z))
print("grid contains 0:", bool((z == 0).any()))

# %% [markdown]
# Each function with its derivative:

# %%
fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.9), sharex=True)
pairs = [("sigmoid", sigmoid, sigmoid_grad), ("tanh", tanh, tanh_grad),
         ("ReLU", relu, relu_grad)]
for ax, (name, f, df) in zip(axes, pairs):
    ax.plot(z.cpu(), f(z).cpu(), label="$f(z)$")
    ax.plot(z.cpu(), df(z).cpu(), "--", label="$f'(z)$")
    ax.set_title(f"{name} and its derivative")
    ax.set_xlabel("$z$")
axes[0].legend()
axes[2].set_ylim(-0.2, 2.2)
plt.show()

# %% tags=["hide-input"]
peak_sigmoid = sigmoid_grad(torch.zeros(1)).item()
peak_tanh = tanh_grad(torch.zeros(1)).item()
answer(
    r"The sigmoid's derivative is a low bump with its top at $z = 0$: $\sigma'(0) = "
    r"\tfrac12 \cdot \tfrac12 = @s$, and $\sigma'(z) = s(1-s)$ with $s \in (0, 1)$ can"
    r" never exceed it. Tanh's peaks at $\tanh'(0) = @t$, four times higher, and "
    r"narrower. ReLU's derivative is the unit step: exactly 1 for every positive "
    r"input, 0 otherwise. Away from 0, $\sigma'$ and $\tanh'$ decay like $e^{-|z|}$ "
    r"and $e^{-2|z|}$.",
    s=peak_sigmoid, t=peak_tanh,
)

# %% [markdown]
# ## Practical 3, §1: `sigma` and `dsigma` without loops
#
# *Write `sigma(x)` (tanh) and `dsigma(x)`, its derivative, with `torch.tanh`, `torch.exp`,
# `torch.mul` and `torch.pow`, for a tensor of any shape, without Python loops.*
#
# Tensor operations act on every element at once, so no loop is needed. `dsigma` is the
# $4/(e^{x} + e^{-x})^2$ form of the derivation.
#
# ### Your turn

# %%
def sigma(x):
    return x.tanh()


def dsigma(x):
    """tanh'(x) = 4 / (e^x + e^{-x})^2, element-wise. x: any shape."""
    ### BEGIN SOLUTION
    return 4 * (x.exp() + x.mul(-1).exp()).pow(-2)
    ### END SOLUTION


# %%
dsigma = selfcheck.check("dsigma", dsigma)
_ = compare("dsigma vs 1-tanh^2", dsigma(z), tanh_grad(z))

# %% [markdown]
# ## Exercise 2.4: the vanishing gradient
#
# *(a) Compute $\sigma'(z)$ for $z \in \{-10, -5, 0, 5, 10\}$. (b) What do you notice when
# $|z|$ is large? (c) Why is this a problem for deep networks?*
#
# (a) In `float64`, so that the tiny values keep their digits. The last column compares
# with the largest possible value, $\sigma'(0)$.

# %%
f64 = dict(dtype=torch.float64, device=device)
z_table = torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0], **f64)
ds_table = sigmoid_grad(z_table)
ratio = ds_table / sigmoid_grad(torch.zeros(1, **f64))
show_markdown(table(
    ["$z$", r"$\sigma(z)$", r"$\sigma'(z)$", r"$\sigma'(z) / \sigma'(0)$"],
    [[zi, s, d, r] for zi, s, d, r in zip(z_table.tolist(), sigmoid(z_table).tolist(),
                                         ds_table.tolist(), ratio.tolist())],
))

# %% tags=["hide-input"]
answer(
    r"**(b)** The derivative collapses. It is largest at $z = 0$ ($@peak$) and "
    r"symmetric, $\sigma'(-z) = \sigma'(z)$. At $|z| = 5$ it is already $@d5$, $@r5$ "
    r"of its peak, and at $|z| = 10$ it is $@d10$: it decays like $e^{-|z|}$, losing a"
    r" factor $e \approx 2.7$ per unit of $|z|$. Meanwhile $\sigma(z)$ itself sits at "
    r"0 or 1: the unit is *saturated*, and a change of its input barely changes its "
    r"output, so the gradient that reaches the weights feeding it is close to zero.",
    peak=ds_table[2], d5=ds_table[3], r5=ratio[3], d10=ds_table[4],
)

# %% [markdown]
# (c) **Derivation.** In a chain of $L$ layers $z_{l} = w_{l}\, a_{l-1}$, $a_l = \sigma(z_l)$,
# the chain rule multiplies one factor per layer:
#
# $$
# \frac{\partial a_L}{\partial z_1} = \sigma'(z_1) \prod_{l=2}^{L} w_{l}\, \sigma'(z_{l}),
# \qquad
# \prod_{l=1}^{L} \sigma'(z_l) \le \left(\tfrac14\right)^{L} = 4^{-L}.
# $$
#
# So the activation factors alone shrink the gradient by at least a factor 4 per layer.
# Only the weights could compensate, but large weights push the $z_l$ into the saturated
# tails, where $\sigma'$ is smaller still. For tanh the bound is $1^L = 1$, and ReLU's factor
# is exactly 1 on every active unit, so neither *must* shrink.
#
# **A measurement.** The bound is the best case. A network of width 64 and depth 30, with
# the customary initialisation for each activation (Xavier, $\mathcal{N}(0, 1/n)$, for
# sigmoid and tanh; He, $\mathcal{N}(0, 2/n)$, for ReLU; biases 0), gets a batch of 256
# random inputs. At every layer $l$ we record the mean derivative $\overline{f'(z_l)}$,
# whose product from the output down to layer $l$ is the realistic version of $4^{-L}$,
# and the size of the true gradient $\lVert \partial \mathcal{L} / \partial z_l \rVert$
# from autograd (weights included), relative to the last layer's.

# %%
def deep_gradients(f, init_var, num_layers=30, width=64, batch=256):
    """Per layer: the pre-activations z_l and |dL/dz_l| relative to the last layer."""
    g = torch.Generator().manual_seed(1)
    X = torch.randn(batch, width, generator=g).to(device)
    h, zs = X, []
    for _ in range(num_layers):
        W = torch.randn(width, width, generator=g) * math.sqrt(init_var / width)
        W = W.to(device)
        z_l = (h @ W.T).requires_grad_()  # (batch, width)
        zs.append(z_l)
        h = f(z_l)
    grads = torch.autograd.grad(h.sum(), zs)  # any scalar of the output will do
    norms = torch.stack([gz.norm() for gz in grads])  # (num_layers,)
    return torch.stack([zl.detach() for zl in zs]), (norms / norms[-1]).cpu()


results, rows = {}, []
for (name, f, df), var in zip(pairs, [1.0, 1.0, 2.0]):
    z_layers, grad_ratio = deep_gradients(f, var)
    mean_deriv = df(z_layers).mean(dim=(1, 2)).cpu()  # (num_layers,)
    # product over the layers from layer l to the output (both included)
    path_product = torch.flip(torch.cumprod(torch.flip(mean_deriv, [0]), 0), [0])
    results[name] = (mean_deriv, path_product, grad_ratio)
    rows.append([name, mean_deriv.mean().item(), path_product[0].item(),
                 grad_ratio[0].item()])
show_markdown(table(
    ["activation", "mean $f'(z_l)$", "product over 30 layers",
     "gradient at layer 1 / layer 30"],
    rows,
))

# %%
depths = torch.arange(1, 31)
layers_back = torch.arange(30, 0, -1)  # layer 1 is 30 layers from the output
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.4), sharey=True)
ax1.plot(depths, 0.25 ** depths.double(), ":", color=plot.INK, label="$4^{-L}$")
for name, (_, path_product, grad_ratio) in results.items():
    ax1.plot(layers_back, path_product, label=name)
    ax2.plot(layers_back, grad_ratio, label=name)
ax1.set_title(r"product of mean $f'(z_l)$")
ax2.set_title(r"relative $\|\partial \mathcal{L}/\partial z_l\|$")
for ax in (ax1, ax2):
    ax.set_yscale("log")
    ax.set_xlabel("layers from $z_l$ to the output")
ax1.legend()
plt.show()

# %% tags=["hide-input"]
answer(
    r"Training changes each weight in proportion to its gradient. Through the sigmoid,"
    r" each layer multiplies the gradient by at most $\tfrac14$, and the measured mean"
    r" factor is $@ms$, close to that best case: over 30 layers the activation factors"
    r" alone shrink the gradient to $@ps$ of its size, and the true gradient at the "
    r"first layer is $@gs$ times the last layer's. With one learning rate for every "
    r"layer, the first layers barely move while the last ones train, so the network "
    r"behaves like a shallow one on top of random features: the *vanishing gradient* "
    r"problem." "\n\n"
    r"Tanh is centred at 0 and its derivative reaches 1; its mean factor "
    r"is $@mt$, and its first-layer gradient is still $@gt$ of the last layer's. "
    r"ReLU's factor is 1 on every active unit and about half the units are active "
    r"(mean $@mr$); He initialisation's variance $2/n$ compensates exactly that half, "
    r"so the true gradient keeps its size through all 30 layers ($@gr$ at layer 1). "
    r"This is why ReLU replaced the sigmoid in hidden layers.",
    ms=rows[0][1], ps=rows[0][2], gs=rows[0][3], mt=rows[1][1], gt=rows[1][3],
    mr=rows[2][1], gr=rows[2][3],
)

# %% [markdown]
# ## Summary
#
# The functions of this page live on in `labkit.activations` as pairs `f` / `f_grad`, so
# later tutorials import them. They agree with yours (labkit's derivatives use the
# equivalent forms $\sigma(z)\sigma(-z)$ and $4\sigma(2z)\sigma(-2z)$, which keep their digits
# in the tails, hence "approx" in places):

# %%
mine = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad),
        "relu": (relu, relu_grad)}
for name, (f_mine, df_mine) in mine.items():
    f_lab, df_lab = activations.get_activation(name)
    compare(name, f_lab(z_wide), f_mine(z_wide))
    compare(name + "_grad", df_lab(z_wide), df_mine(z_wide))

# %% [markdown]
# - $\sigma(z) = 1/(1+e^{-z})$, $\tanh(z)$ and $\operatorname{ReLU}(z) = \max(0,z)$ act
#   element-wise; written naively, tanh overflows for large $|z|$, so exponentiate only
#   $-|z|$.
# - $\sigma' = \sigma(1-\sigma) \le \tfrac14$, $\tanh' = 1 - \tanh^2 \le 1$,
#   $\operatorname{ReLU}' = \mathbb{1}[z > 0]$, each checked against autograd.
# - Backpropagation multiplies one derivative per layer, so through the sigmoid the
#   gradient of early layers vanishes at least like $4^{-L}$; tanh vanishes more slowly,
#   and ReLU with He initialisation keeps the gradient's size through depth.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Leaky ReLU, $\max(\alpha z, z)$ with $\alpha = 0.01$: write it and its derivative,
#    check both against `torch.nn.functional.leaky_relu` and autograd, and add it to the
#    depth measurement. What initialisation variance keeps its gradient's size?
# 2. GELU, $z\,\Phi(z)$ with $\Phi$ the standard normal CDF, is the activation of most
#    transformers. Derive $\operatorname{GELU}'(z)$ and check it with autograd
#    (`torch.special.ndtr` is $\Phi$).
# 3. Rerun the depth measurement with Xavier's variance $1/n$ for ReLU. How fast does the
#    gradient shrink now, and why the factor 2?
#
# ## Next
#
# [Forward propagation by hand](03-forward-propagation.py) puts these functions into a
# first network and computes its output by hand.
