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
# # Computation graphs and autograd
#
# **Sheet:** Deep Learning Lab (CSE 3281) manual, lab 2 "Computation graphs": problems 1–4 and
# exercise questions 1–6.
#
# **What you need:** tensors (tutorial 01, "Tensors"), the derivative rules of calculus (power,
# product, quotient and chain rule) and the sigmoid and ReLU (tutorial 02, "Activation
# functions").

# %% [markdown]
# ## What you will learn
#
# - what `requires_grad=True` makes PyTorch record: every result carries a `grad_fn`, a node of
#   a *computation graph* whose `next_functions` point back to the nodes of its inputs;
# - how to draw that graph from the code itself (`labkit.graph`), instead of by hand;
# - how the chain rule runs backwards over the graph: multiply the local derivatives along a
#   path from the output to an input, and add the paths when an input is used more than once;
# - how to check every derivative you work out by hand against `.backward()`, and what a
#   difference in the last digits means;
# - where the sheet's own worked solutions slip (problem 1, exercises 5 and 6), and why.

# %%
import math

import matplotlib.pyplot as plt
import torch

from labkit import compare, get_device, plot, seed_everything
from labkit.display import fmt, show_markdown, show_math
from labkit.graph import draw_graph, graph_edges

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### The chain rule on a graph
#
# A computation graph splits a function into elementary steps. If $z$ depends on $x$ through
# $y$, a small change $\Delta x$ changes $y$ by $\frac{dy}{dx}\Delta x$, which changes $z$ by
# $\frac{dz}{dy}\frac{dy}{dx}\Delta x$:
#
# $$
# \frac{dz}{dx} = \frac{dz}{dy}\,\frac{dy}{dx}.
# $$
#
# Each factor is a *local* derivative: it only needs the node's own inputs. When $x$ reaches
# $z$ along several paths (it is used twice), the changes along the paths add up, so
#
# $$
# \frac{\partial z}{\partial x} = \sum_{\text{paths } x \to z}\ \prod_{\text{edges } u \to v \text{ on the path}} \frac{\partial v}{\partial u}.
# $$
#
# Backpropagation evaluates this sum from the output backwards: every node receives
# $\bar v = \partial z / \partial v$ from its consumers and passes
# $\bar u \mathrel{+}= \bar v \, \partial v/\partial u$ to each input. That is what `z.backward()`
# does, node by node, following `grad_fn.next_functions`.
#
# ### Problem 1: $y = x^2$, $z = 2y + 3$
#
# $$
# \frac{dz}{dx} = \frac{dz}{dy}\,\frac{dy}{dx} = 2 \cdot 2x = 4x .
# $$
#
# ### Problem 2: $f(x) = (x-2)^2$
#
# With $u = x - 2$: $f = u^2$, so $f'(x) = 2u \cdot \frac{du}{dx} = 2(x-2)$, and
# $f'(1) = 2(1 - 2)$.
#
# ### Problem 3: $y = x^2 + 5$
#
# The constant has derivative 0: $\frac{dy}{dx} = 2x$.
#
# ### Problem 4: the sigmoid as $s(c(b(a(x))))$
#
# The sheet's decomposition and the local derivative of each step:
#
# $$
# a = -x,\quad b = e^{a},\quad c = 1 + b,\quad s = \frac{1}{c};
# \qquad
# \frac{\partial a}{\partial x} = -1,\quad \frac{\partial b}{\partial a} = e^{a},\quad
# \frac{\partial c}{\partial b} = 1,\quad \frac{\partial s}{\partial c} = -\frac{1}{c^2}.
# $$
#
# Multiplying along the only path:
#
# $$
# \frac{\partial s}{\partial x}
# = -\frac{1}{c^2}\cdot 1 \cdot e^{a}\cdot(-1)
# = \frac{e^{-x}}{(1 + e^{-x})^2}
# = \sigma(x)\,\bigl(1 - \sigma(x)\bigr).
# $$
#
# ### Exercise 1: $dz/da$ through two paths
#
# $$
# x = 2a + 3b,\qquad y = 5a^2 + 3b^3,\qquad z = 2x + 3y .
# $$
#
# $a$ reaches $z$ through $x$ and through $y$, so the two path products add:
#
# $$
# \frac{dz}{da} = \frac{\partial z}{\partial x}\frac{\partial x}{\partial a}
# + \frac{\partial z}{\partial y}\frac{\partial y}{\partial a}
# = 2 \cdot 2 + 3 \cdot 10a = 4 + 30a .
# $$
#
# The result does not depend on $b$; we still need a value for it to run the code. We choose
# $a = 1.5$ and $b = -0.5$ (the sheet gives none).
#
# ### Exercises 2 and 3: one neuron
#
# The sheet's figure for exercise 2 is missing from the manual. Exercise 3 asks to "repeat
# problem 2 using the sigmoid", which only makes sense if exercise 2's figure is a neuron with
# another activation. We therefore **define** the usual figure:
#
# - **exercise 2:** a ReLU neuron, $u = w x$, $v = u + b$, $a = \operatorname{ReLU}(v)$;
# - **exercise 3:** the same neuron with a sigmoid, $a = \sigma(v)$.
#
# The path from $w$ to $a$ is $w \to u \to v \to a$, with local derivatives
# $\partial u/\partial w = x$, $\partial v/\partial u = 1$ and the activation's slope:
#
# $$
# \frac{da}{dw} = \operatorname{ReLU}'(v)\cdot 1\cdot x =
# \begin{cases} x & v > 0\\ 0 & v < 0\end{cases}
# \qquad\qquad
# \frac{da}{dw} = \sigma(v)\bigl(1-\sigma(v)\bigr)\cdot 1\cdot x .
# $$
#
# We choose $x = 2$, $w = 0.5$, $b = -0.3$ (so $v > 0$), and, to see the ReLU's other branch,
# also $b = -1.5$ (so $v < 0$).
#
# ### Exercise 4: $f = \exp(-x^2 - 2x - \sin x)$
#
# With the exponent $g = -x^2 - 2x - \sin x$, $g' = -2x - 2 - \cos x$ and $(e^{g})' = e^{g} g'$:
#
# $$
# f'(x) = -\bigl(2x + 2 + \cos x\bigr)\, e^{-x^2 - 2x - \sin x} .
# $$
#
# ### Exercise 5: $y = 8x^4 + 3x^3 + 7x^2 + 6x + 3$
#
# Term by term with the power rule ($\frac{d}{dx}x^n = n x^{n-1}$, constants give 0):
#
# $$
# \frac{dy}{dx} = 32x^3 + 9x^2 + 14x + 6 .
# $$
#
# The sheet's derivation starts from "$\ldots + 6x + 1$": the constant term is miscopied (see
# the answers below); it does not change the derivative.
#
# ### Exercise 6: $f(x, y, z) = \tanh\bigl(\ln\bigl[1 + z\,\tfrac{2x}{\sin y}\bigr]\bigr)$
#
# The sheet's figure is missing too. We use the decomposition that matches the sheet's chain of
# factors $\frac{\partial f}{\partial e}\frac{\partial e}{\partial d}\frac{\partial d}{\partial c}\frac{\partial c}{\partial a}\frac{\partial a}{\partial x}$
# (five intermediate variables $a, \ldots, e$):
#
# $$
# a = 2x,\quad b = \sin y,\quad c = \frac{a}{b},\quad d = z\,c,\quad e = \ln(1 + d),\quad f = \tanh e .
# $$
#
# Local derivatives:
#
# $$
# \frac{\partial f}{\partial e} = 1 - \tanh^2 e,\quad
# \frac{\partial e}{\partial d} = \frac{1}{1 + d},\quad
# \frac{\partial d}{\partial c} = z,\quad \frac{\partial d}{\partial z} = c,\quad
# \frac{\partial c}{\partial a} = \frac{1}{b},\quad \frac{\partial c}{\partial b} = -\frac{a}{b^2},\quad
# \frac{\partial a}{\partial x} = 2,\quad \frac{\partial b}{\partial y} = \cos y .
# $$
#
# Each input has one path to $f$:
#
# $$
# \frac{\partial f}{\partial x} = (1 - \tanh^2 e)\cdot\frac{1}{1+d}\cdot z\cdot\frac{1}{b}\cdot 2,
# \qquad
# \frac{\partial f}{\partial y} = (1 - \tanh^2 e)\cdot\frac{1}{1+d}\cdot z\cdot\left(-\frac{a}{b^2}\right)\cdot\cos y,
# \qquad
# \frac{\partial f}{\partial z} = (1 - \tanh^2 e)\cdot\frac{1}{1+d}\cdot c .
# $$
#
# These are the sheet's formulas. Its factor $\frac{1}{d+1}$ is right **because** $d = zc$ and
# $e = \ln(1 + d)$. Had the figure put the $1 +$ inside $d$ ($d' = 1 + zc$, $e = \ln d'$), the
# factor would be $\frac{1}{d'}$ instead. We compute both below. Written without intermediates
# (the "analytical gradient" the sheet asks to compare with), with $r = \frac{2xz}{\sin y}$:
#
# $$
# \frac{\partial f}{\partial x} = \frac{1 - \tanh^2\ln(1 + r)}{1 + r}\cdot\frac{2z}{\sin y},
# \qquad
# \frac{\partial f}{\partial y} = -\frac{1 - \tanh^2\ln(1 + r)}{1 + r}\cdot\frac{2xz\cos y}{\sin^2 y}.
# $$
#
# We choose $x = 0.5$, $y = 1$, $z = 0.8$ (the sheet gives none): $\sin y$ is far from 0 and
# $1 + r > 0$, so the logarithm is defined.

# %% [markdown]
# ## Implementation
#
# ### What autograd records
#
# Problem 1 as the sheet writes it. Every result computed from `x` carries a `grad_fn`:

# %%
x = torch.tensor(3.5, requires_grad=True, device=device)
y = x * x
z = 2 * y + 3
print("x:", x)
print("y = x*x:", y)
print("z = 2*y + 3:", z)

# %% [markdown]
# `grad_fn` is the backward node of the operation that made the tensor; its `next_functions`
# are the nodes of the operation's inputs, `None` for a constant, and `AccumulateGrad` for a
# leaf created with `requires_grad=True` (it adds the incoming gradient to `x.grad`). Walking
# these links by hand from `z`:

# %%
def walk(node, indent=0):
    print("    " * indent + type(node).__name__)
    for parent, _ in node.next_functions:
        if parent is not None:
            walk(parent, indent + 1)


walk(z.grad_fn)

# %% [markdown]
# The `AccumulateGrad` leaf appears twice because `x * x` uses `x` twice; it is one node.
# `labkit.graph` does this walk once per node and lays the nodes out left to right, each
# operation one column after its latest input. Passing `{"x": x, ...}` names the leaves and
# any intermediate tensor; unnamed operations get the operation's name (`MulBackward0` →
# `mul`). Constants such as the 2 and 3 are not graph nodes and are not drawn. The same graph
# as a list of (node, inputs):

# %%
p1_names = {"x": x, "y": y, "z": z}
graph_edges(z, p1_names)

# %% [markdown]
# ### Problem 1: the graph, then the backward pass

# %%
draw_graph(z, p1_names, title="Problem 1: y = x², z = 2y + 3")
plt.show()

# %%
z.backward()
print("Gradient at x = 3.5:", x.grad)

# %% [markdown]
# ### Problem 2: $f(x) = (x - 2)^2$ at $x = 1$

# %%
def f2(x):
    return (x - 2) ** 2


def f2_grad(x):
    return 2 * (x - 2)


x2 = torch.tensor([1.0], requires_grad=True, device=device)
y2 = f2(x2)
draw_graph(y2, {"x": x2, "f": y2}, title="Problem 2: f = (x − 2)²")
plt.show()

# %%
y2.backward()
print("PyTorch's f'(1):", x2.grad)

# %% [markdown]
# ### Problem 3: $y = x^2 + 5$ at $x = 2$

# %%
x3 = torch.tensor([2.0], device=device)
x3.requires_grad_(True)
y3 = x3**2 + 5
print(y3)
draw_graph(y3, {"x": x3, "y": y3}, title="Problem 3: y = x² + 5")
plt.show()

# %%
y3.backward()
print("PyTorch gradient:", x3.grad)

# %% [markdown]
# ### Problem 4: the sigmoid's gradient through $a, b, c, s$
#
# The sheet's `grad_sigmoid_manual` in torch instead of NumPy. The forward pass keeps the
# intermediate values, the backward pass multiplies the local derivatives from $s$ back to $x$:

# %%
def grad_sigmoid_manual(x):
    """Gradient of σ(x) = 1 / (1 + e^{-x}) through the chain a, b, c, s."""
    # forward pass, keeping the intermediates for the backward pass
    a = -x
    b = torch.exp(a)
    c = 1 + b
    s = 1.0 / c
    # backward pass: upstream gradient times local derivative, from s back to x
    dsdc = -1.0 / c**2
    dsdb = dsdc * 1
    dsda = dsdb * torch.exp(a)
    dsdx = dsda * (-1)
    return dsdx


def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


input_x = 2.0
x4 = torch.tensor(input_x, requires_grad=True, device=device)
a4 = -x4
b4 = torch.exp(a4)
c4 = 1 + b4
s4 = 1.0 / c4
p4_names = {"x": x4, "a": a4, "b": b4, "c": c4, "s": s4}
draw_graph(s4, p4_names, title="Problem 4: σ(x) = s(c(b(a(x))))")
plt.show()

# %% [markdown]
# The `sigmoid` function written in one line records the same chain; PyTorch just writes
# $1/c$ as a reciprocal followed by a multiplication by the constant 1:

# %%
y4 = sigmoid(x4)
y4.backward()
print("autograd:", x4.grad.item())
print("manual:  ", grad_sigmoid_manual(torch.tensor(input_x, device=device)).item())
graph_edges(y4, {"x": x4})

# %% [markdown]
# ### Exercise 1: $dz/da$

# %%
a1 = torch.tensor(1.5, requires_grad=True, device=device)
b1 = torch.tensor(-0.5, requires_grad=True, device=device)
x1 = 2 * a1 + 3 * b1
y1 = 5 * a1 * a1 + 3 * b1 * b1 * b1
z1 = 2 * x1 + 3 * y1
draw_graph(z1, {"a": a1, "b": b1, "x": x1, "y": y1, "z": z1}, title="Exercise 1")
plt.show()

# %% [markdown]
# Every `mul` here multiplies by a constant or repeats a factor ($5a \cdot a$, $3b \cdot b \cdot b$):
# the graph follows the order in which Python evaluates the expression. Following the path back
# from $z$ to $a$, there are three routes (via $x$, and via the two factors of $5 a \cdot a$
# inside $y$); autograd adds them:

# %%
z1.backward()
print("dz/da (autograd):", a1.grad.item())
print("dz/db (autograd):", b1.grad.item())

# %% [markdown]
# ### Exercises 2 and 3: $da/dw$ for a ReLU and a sigmoid neuron
#
# One function builds the neuron for a given activation and returns the intermediates; we run it
# for both activations, and for the ReLU also with $v < 0$:

# %%
def neuron(activation, x_value, w_value, b_value):
    x = torch.tensor(x_value, device=device)  # the input: a constant, no gradient
    w = torch.tensor(w_value, requires_grad=True, device=device)
    b = torch.tensor(b_value, requires_grad=True, device=device)
    u = w * x
    v = u + b
    a = activation(v)
    return {"x": x, "w": w, "b": b, "u": u, "v": v, "a": a}


relu_on = neuron(torch.relu, 2.0, 0.5, -0.3)
relu_off = neuron(torch.relu, 2.0, 0.5, -1.5)
sig = neuron(torch.sigmoid, 2.0, 0.5, -0.3)
for n, title in [(relu_on, "Exercise 2: a = ReLU(wx + b)"),
                 (sig, "Exercise 3: a = σ(wx + b)")]:
    draw_graph(n["a"], {k: n[k] for k in ("w", "b", "u", "v", "a")}, title=title)
    plt.show()

# %% [markdown]
# The input $x$ is a constant (it does not require a gradient), so it is not a node: it is
# stored inside the `mul` node, which needs it for $\partial u/\partial w = x$.

# %%
for n in (relu_on, relu_off, sig):
    n["a"].backward()
neurons = [("ReLU, v > 0", relu_on), ("ReLU, v < 0", relu_off), ("sigmoid", sig)]
for label, n in neurons:
    print(f"{label:12s} v = {n['v'].item():+.4f}  a = {n['a'].item():.4f}  "
          f"da/dw (autograd) = {n['w'].grad.item():.6f}")

# %% [markdown]
# ### Exercise 4: $f = \exp(-x^2 - 2x - \sin x)$ at several $x$
#
# `x` holds several points at once. `f.sum().backward()` gives each point its own derivative,
# because $f_i$ depends on $x_i$ only, so $\partial(\sum_j f_j)/\partial x_i = f'(x_i)$.

# %%
x_ex4 = torch.tensor([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0],
                     dtype=torch.float64, device=device, requires_grad=True)
g_ex4 = -x_ex4**2 - 2 * x_ex4 - torch.sin(x_ex4)
f_ex4 = torch.exp(g_ex4)
draw_graph(f_ex4, {"x": x_ex4, "g": g_ex4, "f": f_ex4}, title="Exercise 4")
plt.show()

# %%
f_ex4.sum().backward()
x_ex4.grad

# %% [markdown]
# ### Exercise 5: the polynomial at $x = 2$

# %%
x5 = torch.tensor(2.0, requires_grad=True, device=device)
y5 = 8 * x5**4 + 3 * x5**3 + 7 * x5**2 + 6 * x5 + 3
draw_graph(y5, {"x": x5, "y": y5}, title="Exercise 5")
plt.show()

# %%
y5.backward()
x5.grad

# %% [markdown]
# ### Exercise 6: forward pass through $a, \ldots, e$, then backward by hand
#
# `retain_grad()` asks autograd to keep the gradient of an intermediate tensor too (by default
# only leaves keep theirs), so each step of the hand-made backward pass can be checked.

# %%
x6 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True, device=device)
y6 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True, device=device)
z6 = torch.tensor(0.8, dtype=torch.float64, requires_grad=True, device=device)
a6 = 2 * x6
b6 = torch.sin(y6)
c6 = a6 / b6
d6 = z6 * c6
e6 = torch.log(1 + d6)
f6 = torch.tanh(e6)
inter6 = {"a": a6, "b": b6, "c": c6, "d": d6, "e": e6, "f": f6}
for t in inter6.values():
    t.retain_grad()
draw_graph(f6, {"x": x6, "y": y6, "z": z6, **inter6}, title="Exercise 6")
plt.show()

# %% [markdown]
# The forward values, computed above and shown here:

# %%
for group in ({"x": x6, "y": y6, "z": z6}, inter6):
    show_math(r",\quad ".join(rf"{k} = {fmt(v.item())}" for k, v in group.items()))

# %% [markdown]
# The backward pass by hand, starting from $\bar f = \partial f/\partial f = 1$: each line is
# "upstream gradient × local derivative" from the derivation.

# %%
with torch.no_grad():
    df_df = torch.ones((), dtype=torch.float64, device=device)
    df_de = df_df * (1 - torch.tanh(e6) ** 2)
    df_dd = df_de * 1 / (1 + d6)
    df_dc = df_dd * z6
    df_dz = df_dd * c6
    df_da = df_dc * 1 / b6
    df_db = df_dc * (-a6 / b6**2)
    df_dx = df_da * 2
    df_dy = df_db * torch.cos(y6)
    # the sheet's alternative reading: d' = 1 + z c and e = ln d'
    d_alt = 1 + z6 * c6
    df_dx_sheet_alt = (1 - torch.tanh(e6) ** 2) * 1 / (d_alt + 1) * z6 * (1 / b6) * 2
{"df/dx": df_dx.item(), "df/dy": df_dy.item(), "df/dz": df_dz.item()}

# %%
f6.backward()
{"x.grad": x6.grad.item(), "y.grad": y6.grad.item(), "z.grad": z6.grad.item()}

# %% [markdown]
# ## Check
#
# Every hand-derived value next to autograd's, with the maximum absolute difference
# (`labkit.compare`: "exact" when bit-for-bit equal, "approx" within $10^{-6}$). For the
# LaTeX, `val` turns a one-element tensor into a plain Python number.

# %%
def val(t):
    return t.detach().item()


def report(name, analytic, autograd):
    """Print both values (6 significant digits, scalars only) and their difference."""
    analytic = torch.as_tensor(analytic, dtype=autograd.dtype,
                               device=autograd.device)
    analytic = analytic.reshape(autograd.shape)
    if analytic.numel() == 1:
        print(f"{name}: analytic = {val(analytic):.6g}, autograd = {val(autograd):.6g}")
    compare(name, analytic, autograd)


# %% [markdown]
# ### Problem 1

# %%
with torch.no_grad():
    dz_dx = 4 * x
xv = val(x)
show_math(rf"\frac{{dz}}{{dx}}\Big|_{{x={fmt(xv)}}} = 4 \cdot {fmt(xv)}"
          rf" = {fmt(val(dz_dx))},\qquad"
          rf"z = 2 \cdot {fmt(xv)}^2 + 3 = {fmt(val(z))}")
report("dz/dx", dz_dx, x.grad)

# %% [markdown]
# ### Problems 2 and 3

# %%
with torch.no_grad():
    df2 = f2_grad(x2)
    dy3 = 2 * x3
show_math(rf"f'(1) = 2\,({fmt(val(x2))} - 2) = {fmt(val(df2))},\qquad"
          rf"\frac{{dy}}{{dx}}\Big|_{{x = {fmt(val(x3))}}} = 2 \cdot {fmt(val(x3))}"
          rf" = {fmt(val(dy3))}")
report("f'(1)", df2, x2.grad)
report("dy/dx", dy3, x3.grad)

# %% [markdown]
# ### Problem 4
#
# At the sheet's $x = 2$, with the intermediate values of the forward pass:

# %%
with torch.no_grad():
    ds_dx = grad_sigmoid_manual(x4)
show_math(rf"a = {fmt(val(a4))},\quad b = e^{{a}} = {fmt(val(b4))},\quad "
          rf"c = 1 + b = {fmt(val(c4))},\quad s = 1/c = {fmt(val(s4))}")
show_math(rf"\frac{{\partial s}}{{\partial x}} = -\frac{{1}}{{c^2}}\cdot 1"
          rf"\cdot e^{{a}} \cdot (-1) = {fmt(val(ds_dx), 6)}")
report("ds/dx", ds_dx, x4.grad)

# %% [markdown]
# And on 101 points of $[-6, 6]$ at once, against autograd through `sigmoid`, against the closed
# form $\sigma(1-\sigma)$, and against autograd through PyTorch's own `torch.sigmoid`:

# %%
xs = torch.linspace(-6, 6, 101, device=device, requires_grad=True)
sigmoid(xs).sum().backward()
xs_builtin = xs.detach().clone().requires_grad_(True)
torch.sigmoid(xs_builtin).sum().backward()
with torch.no_grad():
    manual = grad_sigmoid_manual(xs)
    compare("manual vs autograd", manual, xs.grad)
    compare("manual vs s(1-s)", manual, sigmoid(xs) * (1 - sigmoid(xs)))
    compare("manual vs torch.sigmoid", manual, xs_builtin.grad)

# %% [markdown]
# ### Exercise 1

# %%
with torch.no_grad():
    dz_da = 4 + 30 * a1
    dz_db = 6 + 27 * b1**2
av = val(a1)
show_math(rf"\frac{{dz}}{{da}}\Big|_{{a = {fmt(av)}}} = 4 + 30 \cdot {fmt(av)}"
          rf" = {fmt(val(dz_da))}")
report("dz/da", dz_da, a1.grad)

# %% [markdown]
# The same reasoning for $b$ gives $\frac{dz}{db} = 2\cdot 3 + 3\cdot 9b^2 = 6 + 27b^2$:

# %%
report("dz/db", dz_db, b1.grad)

# %% [markdown]
# ### Exercises 2 and 3

# %%
rows = []
for label, n in [("ReLU, $v > 0$", relu_on), ("ReLU, $v < 0$", relu_off),
                 ("sigmoid", sig)]:
    with torch.no_grad():
        v = n["v"]
        if n is sig:
            slope = torch.sigmoid(v) * (1 - torch.sigmoid(v))
        else:
            slope = (v > 0).to(v.dtype)
        analytic = slope * 1 * n["x"]
    rows.append(f"| {label} | ${fmt(val(slope), 6)}$ "
                f"| ${fmt(val(analytic), 6)}$ | ${fmt(val(n['w'].grad), 6)}$ |")
    report(f"da/dw {label.replace('$', '')}", analytic, n["w"].grad)
show_markdown("| neuron | slope at $v$ | $da/dw$ by hand | autograd |\n"
              "|---|---:|---:|---:|\n" + "\n".join(rows))

# %% [markdown]
# ### Exercise 4
#
# The table shows both values at every point; `compare` gives the largest difference.

# %%
with torch.no_grad():
    df_ex4 = -(2 * x_ex4 + 2 + torch.cos(x_ex4)) * torch.exp(g_ex4)
table = zip(x_ex4.tolist(), f_ex4.tolist(), df_ex4.tolist(), x_ex4.grad.tolist())
rows = [f"| ${fmt(xi)}$ | ${fmt(fi, 6)}$ | ${fmt(ai, 6)}$ | ${fmt(gi, 6)}$ |"
        for xi, fi, ai, gi in table]
show_markdown("| $x$ | $f(x)$ | $f'(x)$ by hand | autograd |\n"
              "|---:|---:|---:|---:|\n" + "\n".join(rows))
report("f'(x)", df_ex4, x_ex4.grad)

# %% [markdown]
# ### Exercise 5

# %%
x5v = val(x5)
terms = [32 * x5v**3, 9 * x5v**2, 14 * x5v, 6]
dy_dx5 = torch.tensor(float(sum(terms)), device=device)
show_math(rf"\frac{{dy}}{{dx}}\Big|_{{x={fmt(x5v)}}} = 32 \cdot {fmt(x5v)}^3"
          rf" + 9 \cdot {fmt(x5v)}^2 + 14 \cdot {fmt(x5v)} + 6"
          rf" = {' + '.join(fmt(t) for t in terms)} = {fmt(val(dy_dx5))}")
report("dy/dx", dy_dx5, x5.grad)

# %% [markdown]
# The sheet's version with $+1$ instead of $+3$: a different function (every value is lower by
# the difference of the constants) with the same derivative:

# %%
x5b = torch.tensor(2.0, requires_grad=True, device=device)
y5b = 8 * x5b**4 + 3 * x5b**3 + 7 * x5b**2 + 6 * x5b + 1
y5b.backward()
print("y(2) with +3:", y5.item(), "  with +1:", y5b.item())
report("dy/dx, +1 vs +3", x5b.grad, x5.grad)

# %% [markdown]
# ### Exercise 6
#
# The chain rule with the intermediate values, as the sheet writes it:

# %%
with torch.no_grad():
    sech2 = 1 - torch.tanh(e6) ** 2
    cos_y = torch.cos(y6)
s2, d, z_, b_, a_ = (fmt(val(t), 6) for t in (sech2, d6, z6, b6, a6))
show_math(
    r"\begin{aligned}"
    r"\frac{\partial f}{\partial x} &= (1 - \tanh^2 e)\cdot\frac{1}{d+1}\cdot z"
    r"\cdot\frac{1}{b}\cdot 2\\"
    rf"&= {s2}\cdot\frac{{1}}{{{d} + 1}}\cdot {z_}\cdot\frac{{1}}{{{b_}}}\cdot 2"
    rf" = {fmt(val(df_dx), 6)}\\"
    r"\frac{\partial f}{\partial y} &= (1 - \tanh^2 e)\cdot\frac{1}{d+1}\cdot z"
    r"\cdot\frac{-a}{b^2}\cdot \cos y\\"
    rf"&= {s2}\cdot\frac{{1}}{{{d} + 1}}\cdot {z_}\cdot\frac{{-{a_}}}{{{b_}^2}}"
    rf"\cdot {fmt(val(cos_y), 6)} = {fmt(val(df_dy), 6)}"
    r"\end{aligned}"
)

# %% [markdown]
# Each step of the backward pass against the gradient autograd kept for that tensor, then the
# three inputs against autograd and against the closed form without intermediates:

# %%
steps = [("df/de", df_de, e6), ("df/dd", df_dd, d6), ("df/dc", df_dc, c6),
         ("df/db", df_db, b6), ("df/da", df_da, a6)]
for name, mine, t in steps:
    compare(name, mine, t.grad)
with torch.no_grad():
    r = 2 * x6 * z6 / torch.sin(y6)
    outer = (1 - torch.tanh(torch.log(1 + r)) ** 2) / (1 + r)
    closed_x = outer * 2 * z6 / torch.sin(y6)
    closed_y = -outer * 2 * x6 * z6 * torch.cos(y6) / torch.sin(y6) ** 2
report("df/dx", df_dx, x6.grad)
report("df/dy", df_dy, y6.grad)
report("df/dz", df_dz, z6.grad)
report("df/dx closed", closed_x, x6.grad)
report("df/dy closed", closed_y, y6.grad)

# %% [markdown]
# And the alternative reading $d' = 1 + zc$ plugged into the sheet's $\frac{1}{d+1}$: it does
# not match autograd.

# %%
report("df/dx with d' = 1+zc", df_dx_sheet_alt, x6.grad)

# %% [markdown]
# ## Plot
#
# ### Exercise 4: $f$ and $f'$, autograd on top of the hand-derived curve

# %%
xc = torch.linspace(-3.5, 2.0, 200, dtype=torch.float64, device=device,
                    requires_grad=True)
fc = torch.exp(-xc**2 - 2 * xc - torch.sin(xc))
fc.sum().backward()
with torch.no_grad():
    dfc = -(2 * xc + 2 + torch.cos(xc)) * fc
fig, ax = plt.subplots()
ax.plot(xc.detach().cpu(), fc.detach().cpu(), label="$f(x)$")
ax.plot(xc.detach().cpu(), dfc.cpu(), label="$f'(x)$ by hand")
ax.plot(xc.detach().cpu()[::8], xc.grad.cpu()[::8], "o", ms=4,
        label="$f'(x)$ autograd")
ax.set_xlabel("$x$")
ax.legend()
plt.show()

# %% [markdown]
# $f$ peaks where $f'$ crosses zero, i.e. where $2x + 2 + \cos x = 0$.

# %% [markdown]
# ### Problem 4: the sigmoid and its gradient through $a, b, c, s$

# %%
fig, ax = plt.subplots()
xsc = xs.detach().cpu()
ax.plot(xsc, sigmoid(xs).detach().cpu(), label=r"$\sigma(x)$")
ax.plot(xsc, manual.cpu(), label=r"$\partial s/\partial x$ via $a, b, c, s$")
ax.plot(xsc[::5], xs.grad.cpu()[::5], "o", ms=4, label="autograd")
ax.set_xlabel("$x$")
ax.legend()
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# ### Problem 1: the sheet says "for input $x = 3.5$, will make $z = 14$"
#
# <details><summary>Answer</summary>
#
# That mixes up $z$ and its derivative. The value the sheet's own code prints as the gradient,
# and the $dz/dx = 4x$ shown in the Check section, is the 14; $z = 2x^2 + 3$ itself is the
# larger number printed on the same line of the Check section (and in the first cell of the
# Implementation). The sentence should read "will make $dz/dx = 14$".
#
# </details>
#
# ### Problem 4: why do the sheet's "autograd" and "manual" values differ in the 8th digit?
#
# <details><summary>Answer</summary>
#
# Precision, not a wrong gradient. The sheet's manual version uses NumPy on a Python float, so
# it computes in `float64`; its autograd version uses a `float32` tensor, which carries about 7
# significant digits. Here both run in `float32`, and the check above agrees to the last bit or
# within rounding. Below, the sheet's situation (manual in `float64`, autograd in `float32`)
# reproduces its difference in the 8th digit, and `float64` on both sides removes it.
#
# </details>

# %%
x64 = torch.tensor(2.0, dtype=torch.float64, device=device, requires_grad=True)
sigmoid(x64).backward()
manual64 = grad_sigmoid_manual(torch.tensor(2.0, dtype=torch.float64, device=device))
print("float64 manual:", manual64.item(), "  float32 autograd:", x4.grad.item())
for name, reference in [("vs float32 autograd", x4.grad.double()),
                        ("vs float64 autograd", x64.grad)]:
    compare(name, manual64, reference)

# %% [markdown]
# ### Exercise 1: what does "following the path back from $z$ to $a$" give?
#
# <details><summary>Answer</summary>
#
# $a$ has three edges into the graph: $2 \cdot a$ inside $x$, and the two factors of
# $(5a)\cdot a$ inside $y$. Backpropagation sends a gradient back along each and
# `AccumulateGrad` adds them into `a.grad`. Grouped by the sheet's variables, that is
# $\frac{\partial z}{\partial x}\frac{\partial x}{\partial a} + \frac{\partial z}{\partial y}\frac{\partial y}{\partial a} = 4 + 30a$,
# which the check shows equal to autograd at the chosen $a = 1.5$ ($b = -0.5$ does not enter).
#
# </details>
#
# ### Exercises 2 and 3: what changes between the ReLU and the sigmoid neuron?
#
# <details><summary>Answer</summary>
#
# The sheet's figure for exercise 2 is missing, so we defined it as the neuron
# $a = \operatorname{ReLU}(wx + b)$ and exercise 3 as $a = \sigma(wx + b)$. Only the last local
# derivative differs. For the ReLU it is 1 or 0: when $v > 0$, $da/dw = x$ exactly; when
# $v < 0$ the unit is off and $da/dw = 0$, so gradient descent cannot change $w$ through this
# example at all (a "dead" unit if that happens for every input). For the sigmoid the slope
# $\sigma(v)(1-\sigma(v))$ is never 0 but at most $\tfrac14$, so $da/dw$ is always a fraction of
# $x$: the table in the Check section shows it a good deal smaller than the ReLU's.
#
# </details>
#
# ### Exercise 5: the sheet writes $+1$ where the function has $+3$
#
# <details><summary>Answer</summary>
#
# A copying slip in the sheet's derivation. It does not matter for the gradient: a constant
# term shifts the whole curve up or down without changing its slope, $\frac{d}{dx}c = 0$ for
# every constant $c$. The check above shows both versions have the same gradient at $x = 2$
# (the sheet's value), while their function values differ by 2.
#
# </details>
#
# ### Exercise 6: is the sheet's factor $\frac{1}{d+1}$ right?
#
# <details><summary>Answer</summary>
#
# It depends on where the "$1 +$" sits in the (missing) figure, and the sheet's formulas fix it:
# they use $\frac{\partial d}{\partial c} = z$ and five intermediates, which fits
# $d = zc$ and $e = \ln(1 + d)$. With that definition $\frac{\partial e}{\partial d} = \frac{1}{1 + d}$,
# and the sheet's $\frac{\partial f}{\partial x}$ and $\frac{\partial f}{\partial y}$ match
# autograd (and the closed form) to rounding. If one instead puts the one inside $d$,
# $d' = 1 + zc$ and $e = \ln d'$, the local derivative becomes $\frac{1}{d'}$; keeping the
# sheet's $\frac{1}{d+1}$ with that $d'$ counts the one twice, and the check shows the result
# is off. Either definition is fine as long as the local derivative matches it. $\partial d/\partial c = z$
# holds in both.
#
# </details>

# %% [markdown]
# ## Summary
#
# - A tensor computed from `requires_grad=True` tensors carries a `grad_fn`; following
#   `next_functions` back to the `AccumulateGrad` leaves gives the computation graph, which
#   `labkit.graph.draw_graph` draws and `graph_edges` lists.
# - `backward()` applies the chain rule over that graph: it multiplies local derivatives along
#   each path and adds the paths, storing the result in each leaf's `.grad` (use
#   `retain_grad()` to keep an intermediate's).
# - On all ten problems the hand derivation agrees with autograd, exactly or to the last
#   digits of the floating-point format; differences of about $10^{-8}$ in `float32` are
#   rounding.
# - The sheet's slips: problem 1's "$z = 14$" is $dz/dx$; exercise 5's $+1$ is a copying slip
#   that the derivative cannot see; exercise 6's $\frac{1}{d+1}$ is right for $d = zc$,
#   $e = \ln(1+d)$. The figures of exercises 2 and 6 are missing; we defined them on the page.
#
# **labkit:** `labkit.graph.draw_graph(tensor, names)` draws a graph, and
# `labkit.graph.graph_edges(tensor, names)` returns it as `[(node, [inputs]), ...]`.
