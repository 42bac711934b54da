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
# **Sheets:** Deep Learning Lab manual, lab 2 "Computation graphs": the sample program,
# problems 1–4 and exercise questions 1–6.
#
# **What you need:** tensors ([Tensors](01-tensors.py)), the derivative rules of calculus
# (power, product, quotient and chain rule), and the sigmoid and ReLU ([Activation
# functions](02-activations.py)).
#
# ## What you will learn
#
# - what `requires_grad=True` makes PyTorch record: every result carries a `grad_fn`, a
#   node of a *computation graph* whose `next_functions` point back to its inputs' nodes;
# - how to draw that graph from the code itself (`labkit.graph`), instead of by hand;
# - how the chain rule runs backwards over the graph: multiply the local derivatives
#   along a path from the output to an input, and add the paths when an input is used
#   more than once;
# - how to check every derivative you work out by hand against `.backward()`, and what a
#   difference in the last digits means;
# - where the sheet's worked solutions slip (problem 1 and exercise 5), and why its
#   formula for exercise 6 is right.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [Sample program: `requires_grad`](#the-sample-program-what-requires_grad-records) | — | — |
# | [Problem 1: $z = 2x^2 + 3$](#problem-1-y-x2-z-2y-3) | `dz_dx` | 1 |
# | [Problem 2: $(x - 2)^2$](#problem-2-fx-x-22) | `f2_grad` | 1 |
# | [Problem 3: $x^2 + 5$](#problem-3-y-x2-5) | `y3_grad` | 1 |
# | [Problem 4: the sigmoid, step by step](#problem-4-the-sigmoids-gradient-through-a-b-c-s) | `grad_sigmoid_manual` | 1 |
# | [Exercise 1: $dz/da$ along two paths](#exercise-1-dzda-along-two-paths) | `dz_da`, `dz_db` | 2 |
# | [Exercise 2: a ReLU neuron](#exercise-2-dadw-for-a-relu-neuron) | `da_dw_relu` | 1 |
# | [Exercise 3: a sigmoid neuron](#exercise-3-the-same-neuron-with-a-sigmoid) | `da_dw_sigmoid` | 1 |
# | [Exercise 4: $\exp(-x^2 - 2x - \sin x)$](#exercise-4-f-exp-x2-2x-sin-x) | `f4_grad` | 1 |
# | [Exercise 5: a polynomial](#exercise-5-a-polynomial-at-x-2) | `y5_grad` | 1 |
# | [Exercise 6: $\tanh(\ln[1 + 2xz / \sin y])$](#exercise-6-a-forward-and-a-backward-pass-by-hand) | `f6_grads` | 1 |
#
# Each exercise has a **Your turn** cell: the derivative to write as a function, the
# worked solution folded under it, and a self-check that runs your function on random
# inputs of several shapes and names the likely mistake. Download the *exercise notebook*
# (top of the page) to work on your own copy: there the solutions are blank and every
# self-check says "not attempted yet" until you write the function.

# %%
import matplotlib.pyplot as plt
import torch

from labkit import compare, get_device, plot, seed_everything, selfcheck
from labkit.display import answer, paren, show_markdown, show_math, table
from labkit.graph import draw_graph, graph_edges

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## The sample program: what `requires_grad` records
#
# *PyTorch computes the gradients of a tensor with respect to a function automatically.
# When creating the tensor, indicate that it requires gradient computation with the flag
# `requires_grad`.*

# %%
x = torch.rand(3, requires_grad=True)
print(x)
x = torch.tensor([1.0, 2.0, 3.0])
x.requires_grad_(True)
print(x)

# %% [markdown]
# **The chain rule on a graph.** A computation graph splits a function into elementary
# steps. If $z$ depends on $x$ through $y$, a small change $\Delta x$ changes $y$ by
# $\frac{dy}{dx}\Delta x$, which changes $z$ by $\frac{dz}{dy}\frac{dy}{dx}\Delta x$:
#
# $$
# \frac{dz}{dx} = \frac{dz}{dy}\,\frac{dy}{dx}.
# $$
#
# Each factor is a *local* derivative: it needs only the node's own inputs. When $x$
# reaches $z$ along several paths (it is used more than once), the changes along the
# paths add up:
#
# $$
# \frac{\partial z}{\partial x} = \sum_{\text{paths } x \to z}\
# \prod_{\text{edges } u \to v} \frac{\partial v}{\partial u}.
# $$
#
# Backpropagation evaluates this sum from the output backwards: every node receives
# $\bar v = \partial z / \partial v$ from its consumers and passes
# $\bar u \mathrel{+}= \bar v \, \partial v/\partial u$ to each input. That is what
# `z.backward()` does, node by node.

# %% [markdown]
# ## Problem 1: $y = x^2$, $z = 2y + 3$
#
# *How does the output $z$ change with the input $x$? The sheet works out
# $\frac{dz}{dx} = \frac{dz}{dy}\frac{dy}{dx} = 2 \cdot 2x = 4x$ and says "for input
# $x = 3.5$, will make $z = 14$"; then it runs the graph in PyTorch.*
#
# The sheet's code. Every result computed from `x` carries a `grad_fn`:

# %%
x = torch.tensor(3.5, requires_grad=True, device=device)
y = x * x
z = 2 * y + 3
print("x:", x)
print("y = x*x:", y)
print("z = 2*y + 3:", z)

# %% [markdown]
# `grad_fn` is the backward node of the operation that made the tensor; its
# `next_functions` are the nodes of the operation's inputs: `None` for a constant, and
# `AccumulateGrad` for a leaf created with `requires_grad=True` (it adds the incoming
# gradient to `x.grad`). Walking these links by hand from `z`:

# %%
def walk(node, indent=0):
    print("    " * indent + type(node).__name__)
    for parent, _ in node.next_functions:
        if parent is not None:
            walk(parent, indent + 1)


walk(z.grad_fn)

# %% [markdown]
# The `AccumulateGrad` leaf appears twice because `x * x` uses `x` twice; it is one node.
# `labkit.graph` does this walk once per node. Passing `{"x": x, ...}` names the leaves
# and any intermediate tensor; unnamed operations get the operation's name
# (`MulBackward0` → `mul`). Constants such as the 2 and the 3 are not graph nodes. The
# graph as a list of (node, inputs), then drawn left to right, each operation one column
# after its latest input:

# %%
p1_names = {"x": x, "y": y, "z": z}
for node, inputs in graph_edges(z, p1_names):
    print(f"{node:>4} <- {inputs}")
draw_graph(z, p1_names, title="Problem 1: y = x², z = 2y + 3")
plt.show()

# %% [markdown]
# The backward pass, as the sheet runs it:

# %%
z.backward()
print("Gradient at x = 3.5:", x.grad)

# %% [markdown]
# ### Your turn
#
# Write $dz/dx$ for any $x$, element-wise.

# %%
def dz_dx(x):
    """dz/dx of z = 2y + 3, y = x², element-wise. x: any shape."""
    ### BEGIN SOLUTION
    dz_dy = 2
    dy_dx = 2 * x
    return dz_dy * dy_dx
    ### END SOLUTION


# %%
dz_dx = selfcheck.check("dz_dx", dz_dx)

# %% [markdown]
# At the sheet's $x = 3.5$, against autograd:

# %%
_ = compare("dz/dx", dz_dx(x.detach()), x.grad)

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"\frac{dz}{dx}\Big|_{x = @x} &= 4 \cdot @x = @dzdx, \\"
    r"z &= 2 \cdot @x^2 + 3 = @z"
    r"\end{aligned}",
    x=x, dzdx=dz_dx(x.detach()), z=z,
)

# %% tags=["hide-input"]
answer(
    r"The sheet's sentence “for input $x = 3.5$, will make $z = 14$” mixes up $z$ and "
    r"its derivative. $14$ is $dz/dx = 4 \cdot 3.5 = @dzdx$, the value its own code "
    r"prints as the gradient; $z = 2 \cdot 3.5^2 + 3$ itself is $@z$. The sentence "
    r"should read "
    r"“will make $dz/dx = 14$”.",
    dzdx=x.grad, z=z,
)

# %% [markdown]
# ## Problem 2: $f(x) = (x-2)^2$
#
# *Compute $\frac{d}{dx} f(x)$ and then $f'(1)$. Write code to check the analytical
# gradient.*
#
# With $u = x - 2$, $f = u^2$, so
#
# $$
# f'(x) = 2u \cdot \frac{du}{dx} = 2(x-2).
# $$
#
# ### Your turn

# %%
def f2(x):
    return (x - 2) ** 2


def f2_grad(x):
    """f'(x) of f(x) = (x - 2)², element-wise. x: any shape."""
    ### BEGIN SOLUTION
    return 2 * (x - 2)
    ### END SOLUTION


# %%
f2_grad = selfcheck.check("f2_grad", f2_grad)

# %% [markdown]
# The sheet's check at $x = 1$:

# %%
x2 = torch.tensor([1.0], requires_grad=True, device=device)
y2 = f2(x2)
y2.backward()
print("Analytical f'(1):", f2_grad(x2.detach()))
print("PyTorch's f'(1): ", x2.grad)
_ = compare("f'(1)", f2_grad(x2.detach()), x2.grad)

# %%
draw_graph(y2, {"x": x2, "f": y2}, title="Problem 2: f = (x − 2)²")
plt.show()

# %% tags=["hide-input"]
show_math(r"f'(1) = 2\,(1 - 2) = @g", g=x2.grad)

# %% [markdown]
# ## Problem 3: $y = x^2 + 5$
#
# *Define $y = x^2 + 5$. The tensor `y` carries the result and also `grad_fn`, the
# function that computes $\partial y/\partial x$. Compare autograd's result with the
# analytical gradient.*
#
# The constant has derivative 0, so $\frac{dy}{dx} = 2x$.
#
# ### Your turn

# %%
def y3_grad(x):
    """dy/dx of y = x² + 5, element-wise. x: any shape."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


# %%
y3_grad = selfcheck.check("y3_grad", y3_grad)

# %% [markdown]
# The sheet's code at $x = 2$. `torch.no_grad()` computes the analytical value without
# recording it in the graph:

# %%
x3 = torch.tensor([2.0], device=device)
x3.requires_grad_(True)  # we will need the gradient with respect to x3
y3 = x3**2 + 5
print(y3)
y3.backward()
with torch.no_grad():
    dy_dx3 = y3_grad(x3)
print("PyTorch gradient:   ", x3.grad)
print("Analytical gradient:", dy_dx3)
_ = compare("dy/dx", dy_dx3, x3.grad)

# %%
draw_graph(y3, {"x": x3, "y": y3}, title="Problem 3: y = x² + 5")
plt.show()

# %% [markdown]
# ## Problem 4: the sigmoid's gradient through $a, b, c, s$
#
# *Write $\sigma(x) = \frac{1}{1 + e^{-x}}$ as a composition $s(c(b(a(x))))$ of
# elementary functions and compute $\frac{\partial s}{\partial x}$ with the chain rule,
# keeping the intermediate values of the forward pass for the backward pass.*
#
# The sheet's decomposition, and the local derivative of each step:
#
# $$
# \begin{aligned}
# a &= -x, & \frac{\partial a}{\partial x} &= -1, \\
# b &= e^{a}, & \frac{\partial b}{\partial a} &= e^{a}, \\
# c &= 1 + b, & \frac{\partial c}{\partial b} &= 1, \\
# s &= \frac{1}{c}, & \frac{\partial s}{\partial c} &= -\frac{1}{c^2}.
# \end{aligned}
# $$
#
# Multiplying along the only path:
#
# $$
# \begin{aligned}
# \frac{\partial s}{\partial x}
# &= \frac{\partial s}{\partial c}\,\frac{\partial c}{\partial b}\,
#    \frac{\partial b}{\partial a}\,\frac{\partial a}{\partial x}
#  = -\frac{1}{c^2}\cdot 1 \cdot e^{a}\cdot(-1) \\
# &= \frac{e^{-x}}{(1 + e^{-x})^2}
#  = \sigma(x)\,\bigl(1 - \sigma(x)\bigr).
# \end{aligned}
# $$
#
# The graph PyTorch records for the four steps at the sheet's $x = 2$:

# %%
x4 = torch.tensor(2.0, requires_grad=True, device=device)
a4 = -x4
b4 = torch.exp(a4)
c4 = 1 + b4
s4 = 1.0 / c4
p4_names = {"x": x4, "a": a4, "b": b4, "c": c4, "s": s4}
draw_graph(s4, p4_names, title="Problem 4: σ(x) = s(c(b(a(x))))")
plt.show()

# %% [markdown]
# ### Your turn
#
# The sheet's `grad_sigmoid_manual`, in torch instead of NumPy: a forward pass that
# keeps $a, b, c, s$, then a backward pass that multiplies the upstream gradient by each
# local derivative, from $s$ back to $x$.

# %%
def grad_sigmoid_manual(x):
    """dσ/dx of σ(x) = 1 / (1 + e^{-x}) through the chain a, b, c, s. x: any shape."""
    ### BEGIN SOLUTION
    # forward pass, keeping the intermediates for the backward pass
    a = -x
    b = torch.exp(a)
    c = 1 + b
    s = 1.0 / c  # noqa: F841 - the value, not needed by the backward pass
    # backward pass: upstream gradient times local derivative, from s back to x
    dsdc = -1.0 / c**2
    dsdb = dsdc * 1
    dsda = dsdb * torch.exp(a)
    dsdx = dsda * (-1)
    return dsdx
    ### END SOLUTION


# %%
grad_sigmoid_manual = selfcheck.check("grad_sigmoid_manual", grad_sigmoid_manual)

# %% [markdown]
# The sheet's check at $x = 2$, with the `sigmoid` written in one line; PyTorch records
# it as the same chain, with $1/c$ as a reciprocal times the constant 1:

# %%
def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


y4 = sigmoid(x4)
y4.backward()
with torch.no_grad():
    ds_dx = grad_sigmoid_manual(x4)
print("autograd:", x4.grad.item())
print("manual:  ", ds_dx.item())
_ = compare("ds/dx", ds_dx, x4.grad)
for node, inputs in graph_edges(y4, {"x": x4}):
    print(f"{node:>10} <- {inputs}")

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"a &= -x = @a, \quad b = e^{a} = @b, \quad c = 1 + b = @c, \quad s = 1/c = @s, \\"
    r"\frac{\partial s}{\partial x} &= -\frac{1}{c^2} \cdot 1 \cdot e^{a} \cdot (-1)"
    r" = -\frac{1}{@c^2} \cdot @b \cdot (-1) = @g"
    r"\end{aligned}",
    a=a4, b=b4, c=c4, s=s4, g=f"{ds_dx.item():.8f}",
)

# %% [markdown]
# And on 101 points of $[-6, 6]$ at once: against autograd through `sigmoid`, against the
# closed form $\sigma(1-\sigma)$, and against autograd through PyTorch's own
# `torch.sigmoid`.

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

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
xsc = xs.detach().cpu()
ax.plot(xsc, sigmoid(xs).detach().cpu(), label=r"$\sigma(x)$")
ax.plot(xsc, manual.cpu(), label=r"$\partial s/\partial x$ via $a, b, c, s$")
ax.plot(xsc[::5], xs.grad.cpu()[::5], "o", ms=4, label="autograd")
ax.set(xlabel="$x$", title="Problem 4: the sigmoid and its gradient")
ax.legend()
plt.show()

# %% [markdown]
# **Why do the sheet's "autograd" and "manual" differ in the 8th digit?** The sheet's
# manual version uses NumPy on a Python float, so it computes in `float64`; its autograd
# version uses a `float32` tensor, which carries about 7 significant digits. Here both ran
# in `float32` above. The sheet's situation, manual in `float64` against autograd in
# `float32`, and then `float64` on both sides:

# %%
x64 = torch.tensor(2.0, dtype=torch.float64, device=device, requires_grad=True)
sigmoid(x64).backward()
manual64 = grad_sigmoid_manual(torch.tensor(2.0, dtype=torch.float64, device=device))
print(f"float64 manual: {manual64.item():.17f}")
print(f"float32 autograd: {x4.grad.item():.17f}")
sheet_gap = compare("vs float32 autograd", manual64, x4.grad.double(), atol=1e-6)
ulp = torch.finfo(torch.float32).eps / 16  # float32 spacing in [1/16, 1/8)
_ = compare("vs float64 autograd", manual64, x64.grad)

# %% tags=["hide-input"]
answer(
    r"Precision, not a wrong gradient. In `float64` the gradient at $x = 2$ is $@g64$; "
    r"the `float32` autograd value differs from it by $@gap$. `float32` numbers near "
    r"$0.1$ are $@ulp$ apart, so that is $@steps$ steps of the format: the two agree "
    r"in the first 7 significant digits and part ways in the 8th, as on the sheet. "
    r"With `float64` on both sides the difference is $@gap64$.",
    g64=f"{manual64.item():.10f}", gap=sheet_gap, ulp=ulp,
    steps=round(sheet_gap / ulp, 1),
    gap64=(manual64 - x64.grad).abs().item(),
)

# %% [markdown]
# ## Exercise 1: $dz/da$ along two paths
#
# *Draw the computation graph and work out $dz/da$ by following the path back from $z$ to
# $a$; compare with the analytical gradient:*
#
# $$
# x = 2a + 3b,\qquad y = 5a^2 + 3b^3,\qquad z = 2x + 3y .
# $$
#
# $a$ reaches $z$ through $x$ and through $y$, so the two path products add:
#
# $$
# \begin{aligned}
# \frac{dz}{da} &= \frac{\partial z}{\partial x}\frac{\partial x}{\partial a}
# + \frac{\partial z}{\partial y}\frac{\partial y}{\partial a}
# = 2 \cdot 2 + 3 \cdot 10a = 4 + 30a, \\
# \frac{dz}{db} &= 2 \cdot 3 + 3 \cdot 9b^2 = 6 + 27b^2 .
# \end{aligned}
# $$
#
# $dz/da$ does not depend on $b$; the code still needs a value for it. We choose
# $a = 1.5$ and $b = -0.5$ (the sheet gives none).
#
# ### Your turn

# %%
def dz_da(a, b):
    """dz/da for the graph of exercise 1, element-wise. a, b: the same shape."""
    ### BEGIN SOLUTION
    via_x = 2 * 2  # dz/dx * dx/da
    via_y = 3 * (10 * a)  # dz/dy * dy/da
    return via_x + via_y
    ### END SOLUTION


def dz_db(a, b):
    """dz/db for the graph of exercise 1, element-wise. a, b: the same shape."""
    ### BEGIN SOLUTION
    return 2 * 3 + 3 * (9 * b**2)
    ### END SOLUTION


# %%
dz_da = selfcheck.check("dz_da", dz_da)
dz_db = selfcheck.check("dz_db", dz_db)

# %% [markdown]
# The graph, then autograd against your functions:

# %%
a1 = torch.tensor(1.5, requires_grad=True, device=device)
b1 = torch.tensor(-0.5, requires_grad=True, device=device)
x1 = 2 * a1 + 3 * b1
y1 = 5 * a1 * a1 + 3 * b1 * b1 * b1
z1 = 2 * x1 + 3 * y1
draw_graph(z1, {"a": a1, "b": b1, "x": x1, "y": y1, "z": z1},
           title="Exercise 1: x = 2a + 3b, y = 5a² + 3b³, z = 2x + 3y")
plt.show()

# %%
z1.backward()
print("dz/da (autograd):", a1.grad.item(), "  dz/db (autograd):", b1.grad.item())
_ = compare("dz/da", dz_da(a1.detach(), b1.detach()), a1.grad)
_ = compare("dz/db", dz_db(a1.detach(), b1.detach()), b1.grad)

# %% tags=["hide-input"]
show_math(
    r"\frac{dz}{da}\Big|_{a = @a} = 4 + 30 \cdot @a = @g",
    a=a1, g=dz_da(a1.detach(), b1.detach()),
)

# %% tags=["hide-input"]
answer(
    r"Every `mul` in the graph multiplies by a constant or repeats a factor ($5a \cdot "
    r"a$, $3b \cdot b \cdot b$): the graph follows the order in which Python evaluates "
    r"the expression. So $a$ has three edges into the graph: $2 \cdot a$ inside $x$, "
    r"and the two factors of $(5a)\cdot a$ inside $y$. Backpropagation sends a "
    r"gradient back along each, and `AccumulateGrad` adds them into `a.grad`. Grouped "
    r"by the sheet's variables this is $\frac{\partial z}{\partial x}\frac{\partial "
    r"x}{\partial a} + \frac{\partial z}{\partial y}\frac{\partial y}{\partial a} = 4 "
    r"+ 30a$, which at "
    r"$a = @a$ is $@g$, the value autograd gives.",
    a=a1, g=a1.grad,
)

# %% [markdown]
# ## Exercise 2: $da/dw$ for a ReLU neuron
#
# *For the computation graph in the sheet's figure, work out $da/dw$ by following the path
# back from $a$ to $w$, and compare with the analytical gradient.*
#
# The figure is missing from the manual. Exercise 3 asks to "repeat problem 2 using the
# sigmoid", which only makes sense if exercise 2's figure is a neuron with another
# activation. We therefore **define** the usual figure: a ReLU neuron
# $u = w x$, $v = u + b$, $a = \operatorname{ReLU}(v)$.
#
# The path from $w$ to $a$ is $w \to u \to v \to a$, with local derivatives
# $\partial u/\partial w = x$, $\partial v/\partial u = 1$ and the ReLU's slope:
#
# $$
# \frac{da}{dw} = \operatorname{ReLU}'(v)\cdot 1\cdot x =
# \begin{cases} x & v > 0,\\ 0 & v < 0.\end{cases}
# $$
#
# At $v = 0$ there is no derivative; PyTorch uses 0.
#
# ### Your turn

# %%
def da_dw_relu(x, w, b):
    """da/dw of a = ReLU(w x + b), element-wise. x, w, b: the same shape."""
    ### BEGIN SOLUTION
    v = w * x + b
    relu_slope = (v > 0).to(x.dtype)
    return relu_slope * 1 * x
    ### END SOLUTION


# %%
da_dw_relu = selfcheck.check("da_dw_relu", da_dw_relu)

# %% [markdown]
# One function builds the neuron for a given activation and returns its tensors. We
# choose $x = 2$, $w = 0.5$ and $b = -0.3$ (so $v > 0$), and, to see the ReLU's other
# branch, $b = -1.5$ (so $v < 0$):

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
draw_graph(relu_on["a"], {k: relu_on[k] for k in ("w", "b", "u", "v", "a")},
           title="Exercise 2: a = ReLU(wx + b)")
plt.show()

# %% [markdown]
# The input $x$ is a constant (it does not require a gradient), so it is not a node: it
# is stored inside the `mul` node, which needs it for $\partial u/\partial w = x$.

# %%
for label, n in [("v > 0", relu_on), ("v < 0", relu_off)]:
    n["a"].backward()
    mine = da_dw_relu(n["x"], n["w"].detach(), n["b"].detach())
    print(f"ReLU, {label}: v = {n['v'].item():+.2f}, da/dw (autograd) = "
          f"{n['w'].grad.item():.4f}")
    _ = compare(f"da/dw {label}", mine, n["w"].grad)

# %% [markdown]
# ## Exercise 3: the same neuron with a sigmoid
#
# *Repeat problem 2 using the sigmoid function.* With $a = \sigma(v)$ only the last local
# derivative changes:
#
# $$
# \frac{da}{dw} = \sigma(v)\bigl(1-\sigma(v)\bigr)\cdot 1\cdot x .
# $$
#
# ### Your turn

# %%
def da_dw_sigmoid(x, w, b):
    """da/dw of a = σ(w x + b), element-wise. x, w, b: the same shape."""
    ### BEGIN SOLUTION
    s = torch.sigmoid(w * x + b)
    return s * (1 - s) * 1 * x
    ### END SOLUTION


# %%
da_dw_sigmoid = selfcheck.check("da_dw_sigmoid", da_dw_sigmoid)

# %% [markdown]
# The same $x = 2$, $w = 0.5$, $b = -0.3$:

# %%
sig = neuron(torch.sigmoid, 2.0, 0.5, -0.3)
draw_graph(sig["a"], {k: sig[k] for k in ("w", "b", "u", "v", "a")},
           title="Exercise 3: a = σ(wx + b)")
plt.show()
sig["a"].backward()
mine = da_dw_sigmoid(sig["x"], sig["w"].detach(), sig["b"].detach())
_ = compare("da/dw sigmoid", mine, sig["w"].grad)

# %% [markdown]
# The three neurons side by side, with the activation's slope at $v$:

# %%
def relu_slope(v):
    return (v > 0).to(v.dtype)


def sigmoid_slope(v):
    return torch.sigmoid(v) * (1 - torch.sigmoid(v))


rows = []
for label, n, slope_of in [("ReLU, $v > 0$", relu_on, relu_slope),
                           ("ReLU, $v < 0$", relu_off, relu_slope),
                           ("sigmoid", sig, sigmoid_slope)]:
    v = n["v"].detach()
    rows.append([label, v.item(), slope_of(v).item(), n["w"].grad.item()])
show_markdown(table(["neuron", "$v$", "slope at $v$", "$da/dw$ (autograd)"], rows))

# %% tags=["hide-input"]
answer(
    r"Only the last local derivative differs. For the ReLU it is 1 or 0: with $v > 0$, "
    r"$da/dw = x = @on$ exactly; with $v < 0$ the unit is off and $da/dw = @off$, so "
    r"gradient descent cannot change $w$ through this example at all (a *dead* unit, "
    r"if that happens for every input). For the sigmoid the slope "
    r"$\sigma(v)(1-\sigma(v))$ is never 0 but at most $\tfrac14$; here it is $@slope$, "
    r"so $da/dw = @sig$, "
    r"a fraction of $x$ where the ReLU passed $x$ on whole.",
    on=relu_on["w"].grad, off=relu_off["w"].grad, slope=rows[2][2], sig=sig["w"].grad,
)

# %% [markdown]
# ## Exercise 4: $f = \exp(-x^2 - 2x - \sin x)$
#
# *Verify that the gradients provided by PyTorch match the analytical gradient of
# $f = \exp(-x^2 - 2x - \sin x)$ with respect to $x$.*
#
# With the exponent $g = -x^2 - 2x - \sin x$, $g' = -2x - 2 - \cos x$ and
# $(e^{g})' = e^{g} g'$:
#
# $$
# f'(x) = -\bigl(2x + 2 + \cos x\bigr)\, e^{-x^2 - 2x - \sin x} .
# $$
#
# ### Your turn

# %%
def f4_grad(x):
    """f'(x) of f = exp(-x² - 2x - sin x), element-wise. x: any shape."""
    ### BEGIN SOLUTION
    g = -x**2 - 2 * x - torch.sin(x)
    dg_dx = -2 * x - 2 - torch.cos(x)
    return torch.exp(g) * dg_dx
    ### END SOLUTION


# %%
f4_grad = selfcheck.check("f4_grad", f4_grad)

# %% [markdown]
# `x` holds several points at once. `f.sum().backward()` gives each point its own
# derivative, because $f_i$ depends on $x_i$ only, so
# $\partial(\sum_j f_j)/\partial x_i = f'(x_i)$.

# %%
x_ex4 = torch.tensor([-3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0],
                     dtype=torch.float64, device=device, requires_grad=True)
g_ex4 = -x_ex4**2 - 2 * x_ex4 - torch.sin(x_ex4)
f_ex4 = torch.exp(g_ex4)
draw_graph(f_ex4, {"x": x_ex4, "g": g_ex4, "f": f_ex4},
           title="Exercise 4: f = exp(−x² − 2x − sin x)")
plt.show()

# %%
f_ex4.sum().backward()
df_ex4 = f4_grad(x_ex4.detach())
show_markdown(table(
    ["$x$", "$f(x)$", "$f'(x)$ by hand", "autograd"],
    [[xi, fi, di, gi] for xi, fi, di, gi in zip(x_ex4.tolist(), f_ex4.tolist(),
                                                df_ex4.tolist(), x_ex4.grad.tolist())],
    digits=6,
))
_ = compare("f'(x)", df_ex4, x_ex4.grad)

# %% [markdown]
# On a fine grid, autograd's points on top of the hand-derived curve:

# %%
xc = torch.linspace(-3.5, 2.0, 200, dtype=torch.float64, device=device,
                    requires_grad=True)
fc = torch.exp(-xc**2 - 2 * xc - torch.sin(xc))
fc.sum().backward()
dfc = f4_grad(xc.detach())
_ = compare("f'(x) on the grid", dfc, xc.grad)
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
ax.plot(xc.detach().cpu(), fc.detach().cpu(), label="$f(x)$")
ax.plot(xc.detach().cpu(), dfc.cpu(), label="$f'(x)$ by hand")
ax.plot(xc.detach().cpu()[::8], xc.grad.cpu()[::8], "o", ms=4, label="$f'(x)$ autograd")
ax.set(xlabel="$x$", title="Exercise 4: f and its derivative")
ax.legend()
plt.show()

# %% [markdown]
# $f$ peaks where $f'$ crosses zero, i.e. where $2x + 2 + \cos x = 0$. A few Newton steps
# on $h(x) = 2x + 2 + \cos x$, $h'(x) = 2 - \sin x$, find it:

# %%
x_peak = torch.tensor(-1.0, dtype=torch.float64)
for _ in range(5):
    x_peak = x_peak - (2 * x_peak + 2 + torch.cos(x_peak)) / (2 - torch.sin(x_peak))
print(f"x = {x_peak.item():.6f}, f'(x) = {f4_grad(x_peak).item():.1e}")

# %% tags=["hide-input"]
answer(
    r"They match: the largest difference between the hand-derived $f'$ and autograd "
    r"over the 200 points is $@diff$, rounding in `float64`. The curve also passes the "
    r"sanity check of its shape: $f$ peaks at $x = @xp$, exactly where $f'$ crosses 0, "
    r"and $f(@xp) = @fp$.",
    diff=(dfc - xc.grad).abs().max().item(), xp=x_peak,
    fp=torch.exp(-x_peak**2 - 2 * x_peak - torch.sin(x_peak)),
)

# %% [markdown]
# ## Exercise 5: a polynomial at $x = 2$
#
# *Compute the gradient of $y = 8x^4 + 3x^3 + 7x^2 + 6x + 3$ and verify it against
# PyTorch at $x = 2$.*
#
# Term by term with the power rule ($\frac{d}{dx}x^n = n x^{n-1}$, constants give 0):
#
# $$
# \frac{dy}{dx} = 32x^3 + 9x^2 + 14x + 6 .
# $$
#
# ### Your turn

# %%
def y5_grad(x):
    """dy/dx of y = 8x⁴ + 3x³ + 7x² + 6x + 3, element-wise. x: any shape."""
    ### BEGIN SOLUTION
    return 8 * 4 * x**3 + 3 * 3 * x**2 + 7 * 2 * x + 6
    ### END SOLUTION


# %%
y5_grad = selfcheck.check("y5_grad", y5_grad)

# %% [markdown]
# The sheet's code at $x = 2$:

# %%
x5 = torch.tensor(2.0, requires_grad=True, device=device)
y5 = 8 * x5**4 + 3 * x5**3 + 7 * x5**2 + 6 * x5 + 3
y5.backward()
print("x.grad:", x5.grad)
_ = compare("dy/dx", y5_grad(x5.detach()), x5.grad)
draw_graph(y5, {"x": x5, "y": y5}, title="Exercise 5: y = 8x⁴ + 3x³ + 7x² + 6x + 3")
plt.show()

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"\frac{dy}{dx}\Big|_{x=2} &= 32 \cdot 2^3 + 9 \cdot 2^2 + 14 \cdot 2 + 6 \\"
    r"&= @t1 + @t2 + @t3 + 6 = @g"
    r"\end{aligned}",
    t1=32 * 8, t2=9 * 4, t3=14 * 2, g=x5.grad,
)

# %% [markdown]
# The sheet's derivation starts from "$\ldots + 6x + 1$" instead of "$+ 3$". That
# polynomial, at the same point:

# %%
x5b = torch.tensor(2.0, requires_grad=True, device=device)
y5b = 8 * x5b**4 + 3 * x5b**3 + 7 * x5b**2 + 6 * x5b + 1
y5b.backward()
print("y(2) with +3:", y5.item(), "  with +1:", y5b.item())
_ = compare("dy/dx, +1 vs +3", x5b.grad, x5.grad)

# %% tags=["hide-input"]
answer(
    r"The gradient at $x = 2$ is $@g$, as the sheet finds. Its derivation starts from "
    r"$\ldots + 6x + 1$ where the function has $+ 3$: a copying slip that the "
    r"derivative cannot see. A constant shifts the whole curve up or down without "
    r"changing its slope, $\frac{d}{dx}c = 0$, so both versions have the gradient $@g$ "
    r"while their "
    r"values differ by $@diff$ ($@y3$ against $@y1$).",
    g=x5.grad, diff=(y5 - y5b).item(), y3=y5, y1=y5b,
)

# %% [markdown]
# ## Exercise 6: a forward and a backward pass by hand
#
# *For $f(x, y, z) = \tanh\bigl(\ln\bigl[1 + z\,\tfrac{2x}{\sin y}\bigr]\bigr)$, calculate the
# intermediate variables $a, b, c, d, e$ of the forward pass; starting from $f$, calculate
# the gradient of each expression in the backward pass by hand; calculate
# $\partial f/\partial y$ with the chain rule and compare with the analytical gradient.*
#
# The sheet's figure is missing too. We use the decomposition that matches the sheet's
# chain of factors
# $\frac{\partial f}{\partial e}\frac{\partial e}{\partial d}\frac{\partial d}{\partial c}
# \frac{\partial c}{\partial a}\frac{\partial a}{\partial x}$ (five intermediate
# variables), with the local derivative of each step:
#
# $$
# \begin{aligned}
# a &= 2x, & \frac{\partial a}{\partial x} &= 2, \\
# b &= \sin y, & \frac{\partial b}{\partial y} &= \cos y, \\
# c &= \frac{a}{b}, & \frac{\partial c}{\partial a} &= \frac{1}{b}, \quad
#   \frac{\partial c}{\partial b} = -\frac{a}{b^2}, \\
# d &= z\,c, & \frac{\partial d}{\partial c} &= z, \quad \frac{\partial d}{\partial z} = c, \\
# e &= \ln(1 + d), & \frac{\partial e}{\partial d} &= \frac{1}{1 + d}, \\
# f &= \tanh e, & \frac{\partial f}{\partial e} &= 1 - \tanh^2 e .
# \end{aligned}
# $$
#
# Each input has one path to $f$:
#
# $$
# \begin{aligned}
# \frac{\partial f}{\partial x} &= (1 - \tanh^2 e)\cdot\frac{1}{1+d}\cdot z
#   \cdot\frac{1}{b}\cdot 2, \\
# \frac{\partial f}{\partial y} &= (1 - \tanh^2 e)\cdot\frac{1}{1+d}\cdot z
#   \cdot\Bigl(-\frac{a}{b^2}\Bigr)\cdot\cos y, \\
# \frac{\partial f}{\partial z} &= (1 - \tanh^2 e)\cdot\frac{1}{1+d}\cdot c .
# \end{aligned}
# $$
#
# These are the sheet's formulas. Written without intermediates (the "analytical
# gradient" the sheet asks to compare with), with $r = \frac{2xz}{\sin y}$:
#
# $$
# \begin{aligned}
# \frac{\partial f}{\partial x} &= \frac{1 - \tanh^2\ln(1 + r)}{1 + r}
#   \cdot\frac{2z}{\sin y}, \\
# \frac{\partial f}{\partial y} &= -\frac{1 - \tanh^2\ln(1 + r)}{1 + r}
#   \cdot\frac{2xz\cos y}{\sin^2 y}.
# \end{aligned}
# $$
#
# ### Your turn
#
# The forward pass through $a, \ldots, e$, then the backward pass from
# $\bar f = \partial f / \partial f = 1$: each line "upstream gradient × local
# derivative".

# %%
def f6_grads(x, y, z):
    """(df/dx, df/dy, df/dz) of f = tanh(ln(1 + z 2x / sin y)). x, y, z: one shape."""
    ### BEGIN SOLUTION
    # forward pass
    a = 2 * x
    b = torch.sin(y)
    c = a / b
    d = z * c
    e = torch.log(1 + d)
    # backward pass, from f to the inputs
    df_de = 1 - torch.tanh(e) ** 2
    df_dd = df_de * 1 / (1 + d)
    df_dc = df_dd * z
    df_dz = df_dd * c
    df_da = df_dc * 1 / b
    df_db = df_dc * (-a / b**2)
    df_dx = df_da * 2
    df_dy = df_db * torch.cos(y)
    return df_dx, df_dy, df_dz
    ### END SOLUTION


# %%
f6_grads = selfcheck.check("f6_grads", f6_grads)

# %% [markdown]
# We choose $x = 0.5$, $y = 1$, $z = 0.8$ (the sheet gives none): $\sin y$ is far from 0
# and $1 + r > 0$, so the logarithm is defined. `retain_grad()` asks autograd to keep the
# gradient of an intermediate tensor too (by default only leaves keep theirs), so each
# step of the backward pass can be checked.

# %%
f64 = dict(dtype=torch.float64, device=device)
x6 = torch.tensor(0.5, requires_grad=True, **f64)
y6 = torch.tensor(1.0, requires_grad=True, **f64)
z6 = torch.tensor(0.8, requires_grad=True, **f64)
a6 = 2 * x6
b6 = torch.sin(y6)
c6 = a6 / b6
d6 = z6 * c6
e6 = torch.log(1 + d6)
f6 = torch.tanh(e6)
inter6 = {"a": a6, "b": b6, "c": c6, "d": d6, "e": e6, "f": f6}
for t in inter6.values():
    t.retain_grad()
draw_graph(f6, {"x": x6, "y": y6, "z": z6, **inter6},
           title="Exercise 6: f = tanh(ln(1 + z · 2x / sin y))")
plt.show()
f6.backward()

# %% [markdown]
# The forward values:

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"x &= @x, \quad y = @y, \quad z = @z, \\"
    r"a &= @a, \quad b = @b, \quad c = @c, \quad d = @d, \quad e = @e, \quad f = @f"
    r"\end{aligned}",
    x=x6, y=y6, z=z6, a=a6, b=b6, c=c6, d=d6, e=e6, f=f6,
)

# %% [markdown]
# Your three gradients against autograd, and each step of the backward pass written out
# against the gradient that autograd kept for that tensor:

# %%
df_dx, df_dy, df_dz = f6_grads(x6.detach(), y6.detach(), z6.detach())
for name, mine, leaf in zip(["df/dx", "df/dy", "df/dz"], [df_dx, df_dy, df_dz],
                            [x6, y6, z6]):
    compare(name, mine, leaf.grad)
with torch.no_grad():
    df_de = 1 - torch.tanh(e6) ** 2
    df_dd = df_de / (1 + d6)
    df_dc = df_dd * z6
    steps = [("df/de", df_de, e6), ("df/dd", df_dd, d6), ("df/dc", df_dc, c6),
             ("df/db", df_dc * (-a6 / b6**2), b6), ("df/da", df_dc / b6, a6)]
for name, mine, t in steps:
    compare(name, mine, t.grad)

# %% [markdown]
# The chain rule with the intermediate values, as the sheet writes it:

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"\frac{\partial f}{\partial x} &= (1 - \tanh^2 e)\cdot\frac{1}{d+1}\cdot z"
    r"\cdot\frac{1}{b}\cdot 2 \\"
    r"&= @s2\cdot\frac{1}{@d + 1}\cdot @z\cdot\frac{1}{@b}\cdot 2 = @gx \\"
    r"\frac{\partial f}{\partial y} &= (1 - \tanh^2 e)\cdot\frac{1}{d+1}\cdot z"
    r"\cdot\frac{-a}{b^2}\cdot \cos y \\"
    r"&= @s2\cdot\frac{1}{@d + 1}\cdot @z\cdot\frac{-@a}{@b^2}\cdot @cy = @gy"
    r"\end{aligned}",
    s2=df_de, d=d6, z=z6, b=b6, a=a6, cy=torch.cos(y6), gx=df_dx, gy=df_dy,
)

# %% [markdown]
# And against the closed form without intermediates:

# %%
with torch.no_grad():
    r = 2 * x6 * z6 / torch.sin(y6)
    outer = (1 - torch.tanh(torch.log(1 + r)) ** 2) / (1 + r)
    closed_x = outer * 2 * z6 / torch.sin(y6)
    closed_y = -outer * 2 * x6 * z6 * torch.cos(y6) / torch.sin(y6) ** 2
_ = compare("df/dx closed", closed_x, x6.grad)
_ = compare("df/dy closed", closed_y, y6.grad)

# %% [markdown]
# **Where the "1 +" sits matters.** The sheet's factor $\frac{1}{d+1}$ is right *because*
# $d = zc$ and $e = \ln(1 + d)$. Had the figure put the one inside $d$, as
# $d' = 1 + zc$ and $e = \ln d'$, the local derivative would be $\frac{1}{d'}$, and the
# sheet's $\frac{1}{d+1}$ with that $d'$ would count the one twice. That combination on
# purpose: it must **not** match autograd (`expect="mismatch"`), and it does not.

# %%
with torch.no_grad():
    d_alt = 1 + z6 * c6
    df_dx_alt = df_de * 1 / (d_alt + 1) * z6 * (1 / b6) * 2
alt_gap = compare("d' = 1 + zc", df_dx_alt, x6.grad, expect="mismatch")

# %% tags=["hide-input"]
answer(
    r"The sheet is right. Its formulas use $\frac{\partial d}{\partial c} = z$ and "
    r"five intermediates, which fits $d = zc$ and $e = \ln(1 + d)$; with that "
    r"definition $\frac{\partial e}{\partial d} = \frac{1}{1 + d}$, and at $(x, y, z) "
    r"= (0.5, 1, 0.8)$ its $\frac{\partial f}{\partial x} = @gx$ and $\frac{\partial "
    r"f}{\partial y} = @gy$ match autograd and the closed form to rounding. Only a "
    r"figure with the one inside $d$ ($d' = 1 + zc$) would need $\frac{1}{d'}$; "
    r"keeping $\frac{1}{d+1}$ with that $d'$ is off by $@gap$. Either definition is "
    r"fine as long as the local derivative "
    r"matches it.",
    gx=df_dx, gy=df_dy, gap=alt_gap,
)

# %% [markdown]
# ## Summary
#
# - A tensor computed from `requires_grad=True` tensors carries a `grad_fn`; following
#   `next_functions` back to the `AccumulateGrad` leaves gives the computation graph,
#   which `labkit.graph.draw_graph` draws and `graph_edges` lists.
# - `backward()` applies the chain rule over that graph: it multiplies local derivatives
#   along each path and adds the paths, storing the result in each leaf's `.grad` (use
#   `retain_grad()` to keep an intermediate's).
# - On all ten problems and exercises the hand derivation agrees with autograd, exactly or
#   to the last digits of the floating-point format; differences of about $10^{-8}$ in
#   `float32` are rounding.
# - The sheet's slips: problem 1's "$z = 14$" is $dz/dx$, and exercise 5's $+1$ is a
#   copying slip the derivative cannot see. Exercise 6's $\frac{1}{d+1}$ is right for
#   $d = zc$, $e = \ln(1+d)$. The figures of exercises 2 and 6 are missing; we defined
#   them on the page.
#
# **labkit:** `labkit.graph.draw_graph(tensor, names)` draws a graph, and
# `labkit.graph.graph_edges(tensor, names)` returns it as `[(node, [inputs]), ...]`.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Write `f6_grads` for the other reading of the figure, $d' = 1 + zc$, $e = \ln d'$,
#    and check it against autograd.
# 2. Exercise 1's graph has three edges from $a$. Rewrite $y$ as `5 * a**2 + 3 * b**3`:
#    how does the graph change, and does `a.grad`?
# 3. `torch.autograd.grad(f, x, create_graph=True)` returns $f'$ as a tensor with its own
#    graph. Use it to get $f''$ of exercise 4, and check it against your own second
#    derivative.
#
# ## Next
#
# [Linear and logistic regression](05-linear-logistic-regression.py) uses these gradients
# to fit a model.
