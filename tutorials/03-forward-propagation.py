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
# # Forward propagation by hand
#
# **Sheet:** Intro to Deep Learning, exercise session 1, §3 "Forward propagation by hand"
# (exercises 3.1, 3.2), §4 "Building a simple neural network" (exercises 4.1–4.4) and §5
# "Wrap-up questions".
#
# **What you need:** the matrix–vector product and broadcasting (tutorial 01, "Tensors"),
# and the ReLU and sigmoid with their derivatives (tutorial 02, "Activation functions"),
# which this page imports from `labkit.activations`.

# %% [markdown]
# ## What you will learn
#
# - how an input travels through a two-layer network: pre-activation, activation, output,
#   step by step with numbers, and how to check each step with PyTorch;
# - how to write the same network as an `nn.Module` with `nn.Linear` layers;
# - how to draw a network's decision boundary with `torch.meshgrid` and `contourf`;
# - how to count parameters, by formula and with `numel`;
# - why hidden layers need a non-linearity (a stack of linear layers is one linear layer), and
#   why a network without a hidden layer cannot learn XOR while one with a hidden layer can.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn

from labkit import compare, get_device, plot, seed_everything
from labkit.activations import relu, sigmoid
from labkit.datasets import xor
from labkit.display import fmt, show_markdown, show_math
from labkit.train import accuracy

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### Exercise 3.1: the forward pass of a 2-2-1 network
#
# A layer computes a *pre-activation* (an affine map of its input) and then an *activation*
# (a non-linearity applied element-wise). For the sheet's network, with ReLU in the hidden
# layer and no activation at the output:
#
# $$
# \begin{aligned}
# \mathbf{z}^{(1)} &= \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}, &
# \mathbf{a}^{(1)} &= \operatorname{ReLU}\bigl(\mathbf{z}^{(1)}\bigr), \\
# z^{(2)} &= \mathbf{w}^{(2)\top}\mathbf{a}^{(1)} + b^{(2)}, &
# a^{(2)} &= z^{(2)} .
# \end{aligned}
# $$
#
# Row $i$ of $\mathbf{W}^{(1)}$ holds the weights of hidden unit $i$, so
# $z^{(1)}_i = \sum_j W^{(1)}_{ij} x_j + b^{(1)}_i$. The sheet's values are
# $\mathbf{x} = [1, 2]$,
# $\mathbf{W}^{(1)} = \begin{bmatrix} 0.5 & -0.3 \\ 0.8 & 0.2 \end{bmatrix}$,
# $\mathbf{b}^{(1)} = [0.1, -0.2]$, $\mathbf{w}^{(2)} = [1, -0.5]$, $b^{(2)} = 0.3$.
# The steps below are written out by code from these tensors, so every number is computed:

# %%
x = torch.tensor([1.0, 2.0])
W1 = torch.tensor([[0.5, -0.3], [0.8, 0.2]])
b1 = torch.tensor([0.1, -0.2])
w2 = torch.tensor([1.0, -0.5])
b2 = torch.tensor(0.3)


def col(v):
    """A vector as a LaTeX column."""
    entries = r" \\ ".join(fmt(t) for t in v.tolist())
    return r"\begin{bmatrix}" + entries + r"\end{bmatrix}"


def mat(M):
    """A matrix in LaTeX."""
    rows = [" & ".join(fmt(t) for t in r) for r in M.tolist()]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def num(t):
    """A number for LaTeX, in parentheses when negative."""
    return f"({fmt(t)})" if t < 0 else fmt(t)


def term(w, v):
    """The product 'w · v' in LaTeX."""
    return f"{num(w)} \\cdot {num(v)}"


# (a) pre-activation of the hidden layer, one row of W1 per hidden unit
z1 = W1 @ x + b1
rows = [
    " + ".join(term(W1[i, j].item(), x[j].item()) for j in range(2))
    + f" + {num(b1[i].item())}"
    for i in range(2)
]
show_math(
    rf"\mathbf{{z}}^{{(1)}} = {mat(W1)}{col(x)} + {col(b1)}"
    rf" = \begin{{bmatrix}} {rows[0]} \\ {rows[1]} \end{{bmatrix}} = {col(z1)}"
)

# %% [markdown]
# (b) The ReLU keeps positive entries and replaces the others by 0:

# %%
a1 = relu(z1)
relu_terms = r" \\ ".join(rf"\max(0,\ {fmt(t)})" for t in z1.tolist())
show_math(
    rf"\mathbf{{a}}^{{(1)}} = \operatorname{{ReLU}}\bigl(\mathbf{{z}}^{{(1)}}\bigr)"
    rf" = \begin{{bmatrix}} {relu_terms} \end{{bmatrix}} = {col(a1)}"
)

# %% [markdown]
# The first hidden unit lands exactly on ReLU's kink: $0.5 \cdot 1 - 0.3 \cdot 2 + 0.1 = 0$ in
# exact arithmetic. In floating point, $0.3$ and $0.1$ are not representable, so the computed
# value is a rounding error away from 0, of either sign depending on the precision. Either way
# the ReLU output is (at most a rounding error from) 0, so the result below does not change:

# %%
print("z1[0] in float32:", z1[0].item())
W1_64 = torch.tensor([[0.5, -0.3], [0.8, 0.2]], dtype=torch.float64)
b1_64 = torch.tensor([0.1, -0.2], dtype=torch.float64)
print("z1[0] in float64:", (W1_64 @ x.double() + b1_64)[0].item())

# %% [markdown]
# (c) and (d): the output layer is a dot product plus the bias, with no activation:

# %%
z2 = w2 @ a1 + b2
a2 = z2
out_terms = " + ".join(term(w2[i].item(), a1[i].item()) for i in range(2))
show_math(
    r"\begin{aligned} z^{(2)} &= \mathbf{w}^{(2)\top}\mathbf{a}^{(1)} + b^{(2)}"
    rf" = {out_terms} + {num(b2.item())} = {fmt(z2.item())}, \\"
    rf" a^{{(2)}} &= z^{{(2)}} = {fmt(a2.item())} \end{{aligned}}"
)

# %% [markdown]
# ### Exercise 4.4: counting parameters
#
# A fully connected layer from $d_\text{in}$ to $d_\text{out}$ units has a weight matrix
# $\mathbf{W} \in \mathbb{R}^{d_\text{out} \times d_\text{in}}$ (one weight per pair of input and
# output unit) and a bias $\mathbf{b} \in \mathbb{R}^{d_\text{out}}$ (one per output unit):
#
# $$
# \#\text{params}(d_\text{in} \to d_\text{out}) = d_\text{in} \cdot d_\text{out} + d_\text{out},
# $$
#
# and a network with layer sizes $[d_0, d_1, \dots, d_L]$ has
#
# $$
# \#\text{params}([d_0, d_1, \dots, d_L]) = \sum_{l=1}^{L} \bigl(d_{l-1}\, d_l + d_l\bigr).
# $$
#
# ### Wrap-up question 1: a stack of linear layers is one linear layer
#
# Without an activation, two layers compose to
#
# $$
# \mathbf{W}^{(2)}\bigl(\mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}\bigr) + \mathbf{b}^{(2)}
# = \underbrace{\mathbf{W}^{(2)}\mathbf{W}^{(1)}}_{\mathbf{W}}\,\mathbf{x}
# + \underbrace{\mathbf{W}^{(2)}\mathbf{b}^{(1)} + \mathbf{b}^{(2)}}_{\mathbf{b}},
# $$
#
# again an affine map $\mathbf{W}\mathbf{x} + \mathbf{b}$, and by induction so is any number of
# layers. Depth adds nothing without a non-linearity.
#
# ### Wrap-up question 4: XOR is not linearly separable
#
# A network without a hidden layer (a single-layer perceptron, or logistic regression
# $\hat y = \sigma(w_1 x_1 + w_2 x_2 + b)$) predicts class 1 where $w_1 x_1 + w_2 x_2 + b > 0$: its
# decision boundary is a straight line. Getting all four XOR points right would need
#
# $$
# \underbrace{b \le 0}_{(0,0) \to 0}, \qquad
# \underbrace{w_2 + b > 0}_{(0,1) \to 1}, \qquad
# \underbrace{w_1 + b > 0}_{(1,0) \to 1}, \qquad
# \underbrace{w_1 + w_2 + b \le 0}_{(1,1) \to 0}.
# $$
#
# Adding the two middle inequalities gives $w_1 + w_2 + 2b > 0$, i.e.
# $w_1 + w_2 + b > -b \ge 0$, which contradicts the last one. So no line separates XOR: a
# linear classifier gets at most 3 of the 4 points right. Logistic regression trained with the
# cross-entropy loss does worse still: at $w_1 = w_2 = b = 0$ the gradient
# $\sum_n (\hat y_n - y_n)\,[x_{n1}, x_{n2}, 1]$ is
# $\tfrac12[0,0,1] - \tfrac12[0,1,1] - \tfrac12[1,0,1] + \tfrac12[1,1,1] = \mathbf{0}$, and the loss
# is convex, so the best it can do is output $\hat y = \tfrac12$ everywhere.

# %% [markdown]
# ## Implementation
#
# ### Exercise 3.2: the same computation with PyTorch
#
# `nn.Linear(d_in, d_out)` computes $\mathbf{x}\mathbf{W}^\top + \mathbf{b}$ with its `weight` of
# shape $(d_\text{out}, d_\text{in})$, the same layout as $\mathbf{W}^{(1)}$ above. Loading the
# sheet's numbers into two `nn.Linear` layers:

# %%
layer1 = nn.Linear(2, 2)
layer2 = nn.Linear(2, 1)
with torch.no_grad():
    layer1.weight.copy_(W1)
    layer1.bias.copy_(b1)
    layer2.weight.copy_(w2.reshape(1, 2))
    layer2.bias.copy_(b2.reshape(1))
    out_torch = layer2(torch.relu(layer1(x)))
out_torch

# %% [markdown]
# ### Exercise 4.1: a 2-layer MLP
#
# The sheet's starter code, completed: two `nn.Linear` layers, Linear → ReLU → Linear. The
# ReLU is the one written in tutorial 02 (autograd differentiates it like any other tensor
# expression).

# %%
class SimpleMLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):  # x: (N, input_dim)
        h = relu(self.fc1(x))  # (N, hidden_dim)
        out = self.fc2(h)  # (N, output_dim)
        return out


torch.manual_seed(0)  # the initial weights; training below starts from these
model = SimpleMLP(2, 4, 1).to(device)
model

# %% [markdown]
# ### Exercise 4.2: the untrained network on XOR
#
# (a) The XOR data set of the sheet is `labkit.datasets.xor()`; (b), (c) pass it through the
# network with its random initial weights. "class" is the prediction, 1 if the output
# exceeds 0.5:

# %%
X, y = xor()
X, y = X.to(device), y.to(device)
with torch.no_grad():
    y_hat = model(X)  # (4, 1)
for xi, yi, oi in zip(X.tolist(), y.flatten().tolist(), y_hat.flatten().tolist()):
    print(f"x = {xi}  target {yi:.0f}  output {oi:+.4f}  class {int(oi > 0.5)}")

# %% [markdown]
# ## Check
#
# ### Exercise 3.2: the hand computation against PyTorch
#
# Every step of the derivation against the `nn.Linear` version, and against
# `torch.relu`:

# %%
with torch.no_grad():
    compare("z1", z1, layer1(x))
    compare("a1", a1, torch.relu(layer1(x)))
    compare("a2", a2.reshape(1), out_torch)

# %% [markdown]
# ### Exercise 4.4: parameter counts of `SimpleMLP(2, 4, 1)`
#
# By the formula, from the layer sizes, and with `numel`:

# %%
def count_by_formula(dims):
    return sum(d_in * d_out + d_out for d_in, d_out in zip(dims[:-1], dims[1:]))


def formula_latex(name, dims):
    pairs = zip(dims[:-1], dims[1:])
    parts = " + ".join(f"({d_in} \\cdot {d_out} + {d_out})" for d_in, d_out in pairs)
    return (
        rf"\begin{{aligned}} \#\text{{params}}({name}) &= {parts} \\"
        rf" &= {count_by_formula(dims)} \end{{aligned}}"
    )


dims = [2, 4, 1]
show_math(formula_latex(r"\texttt{SimpleMLP(2, 4, 1)}", dims))
for name, p in model.named_parameters():
    print(f"{name:11s} shape {str(tuple(p.shape)):8s} numel {p.numel()}")
n_numel = sum(p.numel() for p in model.parameters())
n_formula = count_by_formula(dims)
print(f"numel total: {n_numel}  formula: {n_formula}  equal: {n_numel == n_formula}")

# %% [markdown]
# ## Plot
#
# ### Exercise 4.3: the decision boundary of the untrained network
#
# (a) A grid over $[-0.5, 1.5]^2$ with `torch.meshgrid`; (b) every grid point through the
# network; (c) `contourf` of the output. The targets are 0 and 1, so we read an output above
# $0.5$ as class 1 and draw that level as the boundary line; (d) the XOR points on top.

# %%
xs = torch.linspace(-0.5, 1.5, 200)
gx, gy = torch.meshgrid(xs, xs, indexing="xy")  # each (200, 200)
grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (40000, 2)
with torch.no_grad():
    scores = model(grid.to(device)).reshape(gx.shape).cpu()  # (200, 200)
print(f"output range on the grid: [{scores.min():.3f}, {scores.max():.3f}]")

fig, ax = plt.subplots(figsize=(4.6, 4.0))
filled = ax.contourf(gx, gy, scores, levels=20, cmap="coolwarm", alpha=0.75)
if scores.min() < 0.5 < scores.max():
    ax.contour(gx, gy, scores, levels=[0.5], colors=["#8a8f98"], linewidths=1.5)
Xc, yc = X.cpu(), y.cpu().flatten()
for c, color in [(0, "#1d4ed8"), (1, "#b91c1c")]:
    ax.scatter(
        *Xc[yc == c].T, s=40, color=color, edgecolor="white", label=f"class {c}",
        zorder=3,
    )
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title("untrained SimpleMLP(2, 4, 1)")
ax.grid(False)
ax.legend(loc="upper right", fontsize=8)
plt.colorbar(filled, ax=ax, fraction=0.046, pad=0.04)
plt.show()

# %% [markdown]
# `labkit.plot.decision_boundary` wraps exactly these lines; the rest of the page uses it.

# %% [markdown]
# ## Answers to the exercise questions
#
# ### Exercises 4.2 (d) and 4.3 (e): can the random network solve XOR?
#
# <details><summary>Answer</summary>
#
# No. The outputs printed in exercise 4.2 bear no relation to the targets, and the shaded
# plot shows why: with random weights the network computes some arbitrary piecewise-linear
# function (each ReLU unit folds the plane along one line; the kinks are visible in the
# contours). Nothing makes its 0.5 level separate the two red points from the two blue ones;
# for these initial weights the output does not even reach 0.5 on the square (the range
# printed above), so there is no boundary line at all and every point gets class 0. The
# architecture *can* represent XOR (training below finds such weights), but only training
# chooses the weights that do.
#
# </details>
#
# ### Wrap-up question 1: why not a linear activation in hidden layers?
#
# The derivation showed that linear layers compose to one. Numerically: a three-layer network
# $[2, 16, 16, 1]$ with the identity as activation, against the single affine map built by
# multiplying out its weights, on 1000 random inputs:

# %%
linear_net = nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 16), nn.Linear(16, 1))
linear_net = linear_net.to(device)
W, b = torch.eye(2, device=device), torch.zeros(2, device=device)
with torch.no_grad():
    for layer in linear_net:  # W <- W_l W,  b <- W_l b + b_l
        W, b = layer.weight @ W, layer.weight @ b + layer.bias
    X_test = torch.randn(1000, 2, device=device)
    compare("3 layers vs 1", linear_net(X_test), X_test @ W.T + b)
print("collapsed map: W =", W.cpu(), " b =", b.cpu())

# %% [markdown]
# <details><summary>Answer</summary>
#
# Because it would buy nothing: with linear (identity) activations, any stack of layers equals
# one affine map $\mathbf{W}\mathbf{x} + \mathbf{b}$ with $\mathbf{W}$ the product of the weight
# matrices. The check above reproduces the three-layer network by a single $1 \times 2$ matrix
# and a bias, up to `float32` rounding. The deep linear network therefore has exactly the
# power of logistic or linear regression: straight decision boundaries, which cannot separate
# XOR (question 4), and no way to represent curved functions. The non-linearity between the
# layers is what lets depth build more complex functions.
#
# </details>
#
# ### Wrap-up question 2: why is ReLU more popular than sigmoid in hidden layers?
#
# <details><summary>Answer</summary>
#
# Tutorial 02 measured it. The sigmoid's derivative is at most $\tfrac14$ and tends to 0 for
# large $|z|$, so backpropagation through $L$ sigmoid layers multiplies the gradient by at
# most $4^{-L}$; in the 30-layer network there, the first layer's gradient came out smaller
# than the last layer's by many orders of magnitude, while with ReLU (and He initialisation)
# it kept its size. ReLU's derivative is exactly 1 for every active unit, so it does not
# saturate for large positive inputs, and it is cheaper to compute (a comparison instead of
# an exponential). Its outputs are also sparse (inactive units output exactly 0). The price
# is that a unit whose input stays negative gets zero gradient and can "die"; the XOR
# experiment below shows this in the runs that fail.
#
# </details>
#
# ### Wrap-up question 3: parameters of the MLP $[10, 50, 50, 5]$
#
# Three weight layers, $10 \to 50 \to 50 \to 5$. By the formula, and by building it and counting:

# %%
dims_q3 = [10, 50, 50, 5]
show_math(formula_latex("[10, 50, 50, 5]", dims_q3))
mlp_q3 = nn.Sequential(
    nn.Linear(10, 50), nn.ReLU(), nn.Linear(50, 50), nn.ReLU(), nn.Linear(50, 5)
)
n_q3 = sum(p.numel() for p in mlp_q3.parameters())
n_formula_q3 = count_by_formula(dims_q3)
print(f"numel total: {n_q3}  formula: {n_formula_q3}  equal: {n_q3 == n_formula_q3}")

# %% [markdown]
# <details><summary>Answer</summary>
#
# The number printed above: the formula $\sum_l (d_{l-1} d_l + d_l)$ and the count of the
# `nn.Sequential` model agree. Almost all of it sits in the two weight matrices that touch the
# 50-unit layers; the activations have no parameters.
#
# </details>
#
# ### Wrap-up question 4: can a single-layer perceptron solve XOR?
#
# The derivation says no. To see it, train logistic regression (`nn.Linear(2, 1)` followed by
# the sigmoid, no hidden layer) and `SimpleMLP(2, 4, 1)` (also followed by the sigmoid) in
# exactly the same way: binary cross-entropy, Adam with learning rate 0.1, 150 full-batch steps,
# from the same seed.

# %%
loss_fn = nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, computed stably


def train(model, num_steps=150, lr=0.1):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_steps):
        logits = model(X)  # 1. forward, (4, 1)
        loss = loss_fn(logits, y)  # 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        losses.append(loss.item())
    return losses


def xor_accuracy(model):
    with torch.no_grad():
        predicted = (sigmoid(model(X)) > 0.5).long().flatten()
    return accuracy(predicted, y.long().flatten())


torch.manual_seed(0)
logreg = nn.Linear(2, 1).to(device)
losses_logreg = train(logreg)
losses_mlp = train(model)  # the SimpleMLP from above, seeded with 0 as well
print("targets:            ", y.flatten().tolist())
for name, net, losses in [
    ("logistic regression", logreg, losses_logreg),
    ("SimpleMLP(2, 4, 1)", model, losses_mlp),
]:
    with torch.no_grad():
        probs = [round(p, 4) for p in sigmoid(net(X)).flatten().tolist()]
    print(f"{name + ':':20s} {probs}")
    print(f"{'':20s} accuracy {xor_accuracy(net):.0%}, final loss {losses[-1]:.4f}")
print(f"ln 2 = {torch.log(torch.tensor(2.0)).item():.4f}")

# %%
ax = plot.plot_loss(losses_logreg, label="logistic regression", xlabel="step")
plot.plot_loss(losses_mlp, ax=ax, label="SimpleMLP(2, 4, 1)", xlabel="step",
               logy=True)
plt.show()

# %% [markdown]
# Their decision boundaries, on one colour scale from 0 to 1:

# %%
prob_levels = torch.linspace(0, 1, 21).tolist()
fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.8))
for ax, net, title in [
    (axes[0], logreg, "logistic regression"),
    (axes[1], model, "SimpleMLP(2, 4, 1)"),
]:
    plot.decision_boundary(
        lambda P, net=net: sigmoid(net(P.to(device))), X.cpu(), y.cpu(), ax=ax,
        xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), title=title, levels=prob_levels,
    )
plt.show()

# %% [markdown]
# Logistic regression's panel is a single colour: its output differs from $\tfrac12$ by a hair
# everywhere on the square, and the grey line only marks where that hair changes sign. The
# MLP's ReLU units have cut out a band that contains exactly the two class-1 points.
#
# One run could be luck. The same comparison from ten initialisations (seeds 0–9). For
# logistic regression the table also gives how far its outputs get from $\tfrac12$; for the
# MLP, how many hidden units are "dead" after training (explained in the answer below):

# %%
rows = []
for seed in range(10):
    torch.manual_seed(seed)
    lr_model = nn.Linear(2, 1).to(device)
    lr_loss = train(lr_model)[-1]
    torch.manual_seed(seed)
    mlp = SimpleMLP(2, 4, 1).to(device)
    mlp_loss = train(mlp)[-1]
    with torch.no_grad():
        spread = (sigmoid(lr_model(X)) - 0.5).abs().max().item()
        dead = (mlp.fc1(X) <= 0).all(dim=0).sum().item()  # off on all 4 points
    lr_acc, mlp_acc = xor_accuracy(lr_model), xor_accuracy(mlp)
    rows.append((seed, lr_loss, spread, lr_acc, mlp_loss, mlp_acc, dead))
print(f"{'':4s} | {'logistic regression':>29s} | SimpleMLP(2, 4, 1)")
lr_head = f"{'loss':>6s}  {'max|y_hat-1/2|':>14s}  {'acc.':>5s}"
print(f"seed | {lr_head} | {'loss':>6s}  {'acc.':>5s}  dead units")
for s, a, sp, b, c, d, n in rows:
    print(f"{s:4d} | {a:6.4f}  {sp:14.1e}  {b:5.0%} | {c:6.4f}  {d:5.0%}  {n} of 4")
print(f"XOR solved: logistic regression {sum(r[3] == 1.0 for r in rows)}/10, "
      f"SimpleMLP {sum(r[5] == 1.0 for r in rows)}/10")

# %% [markdown]
# <details><summary>Answer</summary>
#
# No. A single-layer perceptron draws one straight line, and the derivation proved that no
# line puts $(0,1), (1,0)$ on one side and $(0,0), (1,1)$ on the other. Training agrees:
# from every seed, logistic regression ends at the point the derivation predicted: it outputs
# $\tfrac12$ for all four inputs (up to the tiny deviations in the table) with a loss equal to
# $\ln 2$ (the values printed above). Which side of $\tfrac12$ each output falls on is then
# decided by where the optimiser happens to stop, a tiny distance from the optimum, so its
# accuracy is chance, scattered around 50 %; it never reaches 100 %. Its
# decision-boundary plot is flat: the model says "one half" everywhere.
#
# One hidden layer fixes this. The hidden ReLU units fold the plane so that the output layer's
# single line separates the *hidden* representations; `SimpleMLP(2, 4, 1)` trained the same way
# reaches 100 % accuracy with a loss near 0 from most seeds (the count printed above). The
# seeds where it fails are instructive: the last column counts the hidden units whose
# pre-activation is $\le 0$ on all four points after training. Such a unit outputs 0 and, since
# $\operatorname{ReLU}'(z) = 0$ there, receives zero gradient: it is "dead" and stops learning.
# The failed runs tend to have more dead units, in the worst case all of them, leaving too few
# live units to carve out XOR; a run can also fail with live units left, when they settle in a
# poor configuration (a local minimum). More hidden units make both rarer.
#
# </details>

# %% [markdown]
# ## Summary
#
# - A layer is an affine map followed by an element-wise activation:
#   $\mathbf{a} = f(\mathbf{W}\mathbf{x} + \mathbf{b})$; the forward pass chains layers, and every
#   step of the sheet's 2-2-1 example matches PyTorch.
# - `nn.Linear(d_in, d_out)` stores $\mathbf{W}$ as $(d_\text{out}, d_\text{in})$ and has
#   $d_\text{in} d_\text{out} + d_\text{out}$ parameters; `sum(p.numel() ...)` agrees with the formula.
# - A decision boundary is drawn by evaluating the network on a `torch.meshgrid` grid and
#   shading it with `contourf` (`labkit.plot.decision_boundary`).
# - Without non-linear activations, layers collapse into one affine map; a single affine map
#   cannot separate XOR, and logistic regression trained on it stays at $\hat y = \tfrac12$.
#   One hidden ReLU layer suffices, once trained.
# - Next: how training computes the gradients used above, by backpropagation.
