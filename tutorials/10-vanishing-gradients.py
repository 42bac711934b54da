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
# # Vanishing gradients
#
# **Sheet:** Exercises, "Vanishing Gradient" (exercises 1–3): a two-moons network made
# deeper, with sigmoid and with ReLU activations, and the gradient of every hidden layer
# recorded during training.
#
# **What you need:** `nn.Module`, `nn.Linear` and a PyTorch training loop (forward, loss,
# `loss.backward()`, optimiser step); the sigmoid and its derivative (tutorial 02,
# "Activation functions"); the chain rule.

# %% [markdown]
# ## What you will learn
#
# - why the gradient reaching the first layer of a deep network is a *product* of one factor per
#   layer above it, and why a sigmoid makes each factor small;
# - how to record `model.hiddenK.weight.grad.norm()` at every step and read it on a log scale;
# - that a 5-hidden-layer sigmoid network trained with gradient descent barely moves,
#   while the same network with ReLU learns the two moons, and why that is an optimisation
#   problem rather than a lack of capacity.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from labkit import compare, get_device, layers, plot, seed_everything
from labkit.datasets import two_moons
from labkit.display import fmt, show_markdown
from labkit.train import evaluate

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# Write a network with $L$ hidden layers as $a_0 = x$ and, for $k = 1, \dots, L$,
#
# $$
# z_k = W_k a_{k-1} + b_k, \qquad a_k = g(z_k),
# $$
#
# followed by the output layer $z_{L+1} = W_{L+1} a_L + b_{L+1}$ and the loss
# $\mathcal{L}(z_{L+1}, y)$. Call $\delta_k = \partial \mathcal{L} / \partial z_k$ the error at
# layer $k$. The chain rule gives, going backwards,
#
# $$
# \delta_k = \bigl(W_{k+1}^\top \delta_{k+1}\bigr) \odot g'(z_k),
# \qquad
# \frac{\partial \mathcal{L}}{\partial W_k} = \delta_k\, a_{k-1}^\top .
# $$
#
# Unrolling the recursion from the output down to the first layer,
#
# $$
# \delta_1 = g'(z_1) \odot W_2^\top \Bigl( g'(z_2) \odot W_3^\top \bigl( \cdots
# \bigl(g'(z_L) \odot W_{L+1}^\top \delta_{L+1}\bigr) \cdots \bigr)\Bigr),
# $$
#
# so the error reaching layer 1 has been multiplied by $L$ diagonal matrices
# $\operatorname{diag}(g'(z_k))$ and $L$ weight matrices. With norms,
#
# $$
# \|\delta_1\| \le \|\delta_{L+1}\| \prod_{k=1}^{L} \|W_{k+1}\| \, \max_j |g'(z_{k,j})| .
# $$
#
# For the sigmoid, $g'(z) = \sigma(z)(1 - \sigma(z)) \le \tfrac14$ (tutorial 02), so every
# layer costs at least a factor 4 unless the weights are large; with PyTorch's default
# initialisation ($W_{ij} \sim \mathcal{U}(-1/\sqrt{n}, 1/\sqrt{n})$ for $n$ inputs) the weight
# norms are of order one, and the bound shrinks geometrically with depth. For ReLU,
# $g'(z) \in \{0, 1\}$: on the active units the factor is exactly 1 and only the weights scale
# the signal. A weight gradient $\partial \mathcal{L} / \partial W_k = \delta_k a_{k-1}^\top$
# inherits the size of $\delta_k$, which is what the exercise asks us to measure.
#
# The bound's activation factor alone, for the depth used below:

# %%
num_hidden_layers = 5  # the deep networks: 5 hidden layers of equal width
num_hiddens = 16
factor = 0.25 ** (num_hidden_layers - 1)
extra = num_hidden_layers - 1
show_markdown(
    "From the last hidden layer down to the first the sigmoid's derivative "
    f"enters {extra} more times: at most $(1/4)^{{{extra}}} = "
    f"{fmt(factor, 6)}$, i.e. a factor $1/{1 / factor:.0f}$."
)

# %% [markdown]
# ## Implementation
#
# ### Exercise 1: the baseline two-moons network
#
# The lecture's two-moons example is not available here, so we define a stand-in with the
# same ingredients: 200 training points from `labkit.datasets.two_moons` (noise 0.1), a network
# with one hidden layer of 16 ReLU units and two output logits, the cross-entropy loss, and
# full-batch gradient descent with momentum (`torch.optim.SGD`, learning rate 0.1, momentum
# 0.9, 300 steps). A second draw of 400 points with another seed is the test set.

# %%
X, y = two_moons(200, noise=0.1, seed=0)
X_test, y_test = two_moons(400, noise=0.1, seed=1)
X, y = X.to(device), y.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)
print("X", tuple(X.shape), X.dtype, "| y", tuple(y.shape), y.dtype)
print("class counts", y.bincount().tolist())

# %% [markdown]
# The network class has one `nn.Linear` per hidden layer, named `hidden1`, `hidden2`, … as the
# sheet's hint (`model.hidden1.weight.grad`) expects, a `latent` method returning the last
# hidden representation, and `forward` adding the output layer. The number of hidden layers
# and the activation are arguments, so the deeper versions of exercise 2 are the same class.

# %%
class MoonNet(nn.Module):
    def __init__(self, num_hidden_layers=1, num_hiddens=16,
                 activation=torch.relu):
        super().__init__()
        self.num_hidden_layers = num_hidden_layers
        self.activation = activation
        for k in range(1, num_hidden_layers + 1):
            num_inputs = 2 if k == 1 else num_hiddens
            setattr(self, f"hidden{k}", nn.Linear(num_inputs, num_hiddens))
        self.output = nn.Linear(num_hiddens, 2)

    def hidden_layers(self):
        ks = range(1, self.num_hidden_layers + 1)
        return [getattr(self, f"hidden{k}") for k in ks]

    def latent(self, X):  # (N, 2) -> (N, num_hiddens)
        for layer in self.hidden_layers():
            X = self.activation(layer(X))
        return X

    def forward(self, X):  # (N, 2) -> (N, 2) logits
        return self.output(self.latent(X))


MoonNet(num_hidden_layers=2)

# %% [markdown]
# The training loop records, after `loss.backward()` and before the update, the loss and the
# weight-gradient norm of every hidden layer, exactly as the sheet suggests
# (`model.hiddenK.weight.grad.norm().item()`):

# %%
def train(model, num_steps=300, lr=0.1, optimizer="sgd"):
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses, grad_norms = [], []  # grad_norms: row per step, column per layer
    for step in range(num_steps):
        loss = F.cross_entropy(model(X), y)  # 1. forward and loss
        opt.zero_grad()
        loss.backward()  # 2. backward
        grad_norms.append([layer.weight.grad.norm().item()
                           for layer in model.hidden_layers()])
        losses.append(loss.item())
        opt.step()  # 3. update
    # (num_steps,), (num_steps, num_hidden_layers)
    return torch.tensor(losses), torch.tensor(grad_norms)


seed_everything(0)
baseline = MoonNet(num_hidden_layers=1).to(device)
baseline_losses, _ = train(baseline)
train_loss, train_acc = evaluate(baseline, X, y)
test_loss, test_acc = evaluate(baseline, X_test, y_test)
print(f"baseline: training loss {train_loss:.4f}")
print(f"training accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")

# %% [markdown]
# ### Exercise 2: deeper networks, sigmoid against ReLU
#
# Five hidden layers of 16 units each, once with `torch.sigmoid` and once with `torch.relu`,
# trained exactly like the baseline, from five different initialisations (seeds 0–4). The
# seed fixes the initial weights; the data are the same for every run.

# %%
seeds = range(5)
activations = {"sigmoid": torch.sigmoid, "relu": torch.relu}


def run(activation, seed, **train_kwargs):
    seed_everything(seed)
    net = MoonNet(num_hidden_layers, num_hiddens, activations[activation])
    model = net.to(device)
    losses, grad_norms = train(model, **train_kwargs)
    return {"model": model, "losses": losses, "grad_norms": grad_norms,
            "train": evaluate(model, X, y),  # (loss, accuracy)
            "test": evaluate(model, X_test, y_test)}


runs = {(act, s): run(act, s) for act in activations for s in seeds}
print(len(runs), "runs; grad_norms of one run:",
      tuple(runs["sigmoid", 0]["grad_norms"].shape))

# %% [markdown]
# The final training loss and the training / test accuracy of every run, as
# "loss · train / test":

# %%
def cell(r):  # "loss · train acc / test acc"
    (loss, train_acc), (_, test_acc) = r["train"], r["test"]
    return f"{loss:.4f} · {train_acc:.3f} / {test_acc:.3f}"


def results_table(runs, seeds):
    rows = ["| seed | sigmoid | ReLU |", "|---:|---:|---:|"]
    for s in seeds:
        row = [cell(runs[act, s]) for act in activations]
        rows.append(f"| {s} | " + " | ".join(row) + " |")
    row = []
    for act in activations:
        mean = {key: torch.tensor([runs[act, s][key] for s in seeds])
                .mean(dim=0).tolist() for key in ["train", "test"]}
        row.append(cell(mean))
    rows.append("| **mean** | " + " | ".join(row) + " |")
    return "\n".join(rows)


show_markdown(results_table(runs, seeds))

# %% [markdown]
# ### Exercise 3: the gradient norms
#
# Each run's `grad_norms` holds one norm per hidden layer and step. To summarise a layer over
# seeds we take the geometric mean (the mean of $\log_{10}$ of the norm), the natural average
# for quantities spanning orders of magnitude; once at step 0 (the freshly initialised
# network, the pure effect of depth) and over all 300 steps, shown as "step 0 / all steps".
# The last row is the ratio of the first layer's norm to the last layer's:

# %%
def log10_mean_norm(activation, steps):
    norms = [runs[activation, s]["grad_norms"][steps] for s in seeds]
    logs = torch.stack(norms).log10()  # (seeds, steps, layers)
    return logs.mean(dim=(0, 1))  # (layers,)


whens = {"step 0": slice(0, 1), "all steps": slice(None)}
summary = {(act, when): log10_mean_norm(act, steps)
           for act in activations for when, steps in whens.items()}


def pair(act, k):  # "step 0 / all steps" for layer k; k = None: first / last
    values = []
    for when in whens:
        logs = summary[act, when]
        log = logs[k] if k is not None else logs[0] - logs[-1]
        values.append(f"{10 ** log.item():.1e}")
    return " / ".join(values)


rows = ["| layer | sigmoid | ReLU |", "|---|---:|---:|"]
for k in range(num_hidden_layers):
    rows.append(f"| hidden{k + 1} | {pair('sigmoid', k)} | {pair('relu', k)} |")
rows.append(f"| **hidden1 / hidden{num_hidden_layers}** "
            f"| {pair('sigmoid', None)} | {pair('relu', None)} |")
show_markdown("\n".join(rows))

# %% [markdown]
# ## Check
#
# The recorded norms are only as good as the gradients behind them. We recompute the gradient
# of `hidden1.weight` of a fresh sigmoid network by running the recursion of the derivation by
# hand with `labkit.layers` (linear, sigmoid and softmax cross-entropy backward passes; their
# weights are `(num_inputs, num_outputs)`, the transpose of `nn.Linear.weight`) and compare it
# with autograd.

# %%
seed_everything(0)
net = MoonNet(num_hidden_layers, num_hiddens, torch.sigmoid).to(device)
F.cross_entropy(net(X), y).backward()

a, caches = X, []
for layer in net.hidden_layers():
    W, b = layer.weight.detach().T, layer.bias.detach()  # W: (in, out)
    z, lin = layers.linear_forward(a, W, b)
    a, act = layers.sigmoid_forward(z)
    caches.append((lin, act))
W_out, b_out = net.output.weight.detach().T, net.output.bias.detach()
logits, out_cache = layers.linear_forward(a, W_out, b_out)
loss, ce_cache = layers.softmax_cross_entropy_forward(logits, y)

dlogits = layers.softmax_cross_entropy_backward(ce_cache)
delta, _, _ = layers.linear_backward(dlogits, out_cache)  # dL/da_L
for lin, act in reversed(caches):
    dz = layers.sigmoid_backward(delta, act)  # delta_k
    delta, dW, _ = layers.linear_backward(dz, lin)  # dW: dL/dW_k
compare("dW1", dW.T, net.hidden1.weight.grad)
compare("norm of dW1", dW.norm(), net.hidden1.weight.grad.norm());

# %% [markdown]
# ## Plot
#
# ### The baseline (exercise 1)
#
# The loss falls steadily and the boundary follows the two moons, as expected of the lecture
# network:

# %%
def prob_class1(model):
    return lambda grid: torch.softmax(model(grid.to(device)), dim=1)[:, 1]


# one colour scale for every panel: P(class 1) in [0, 1]
prob_levels = torch.linspace(0, 1, 21).tolist()


fig, (ax_loss, ax_db) = plt.subplots(1, 2, figsize=(9, 3.8))
plot.plot_loss(baseline_losses, ax=ax_loss, xlabel="step",
               ylabel="cross-entropy")
ax_loss.set_title("baseline: training loss")
plot.decision_boundary(prob_class1(baseline), X, y, ax=ax_db, resolution=120,
                       levels=prob_levels,
                       title=f"baseline, test accuracy {test_acc:.3f}")
plt.show()

# %% [markdown]
# ### Loss curves and decision boundaries of the deep networks (exercise 2)

# %%
fig, ax = plt.subplots(figsize=(7, 3.8))
for act, color in zip(activations, plot.COLORS):
    for seed in seeds:
        ax.plot(runs[act, seed]["losses"], color=color, alpha=0.8, lw=1.2,
                label=f"{act} ({len(seeds)} seeds)" if seed == 0 else None)
ax.set_xlabel("step")
ax.set_ylabel("training cross-entropy")
ax.set_yscale("log")
ax.set_title(f"{num_hidden_layers} hidden layers of {num_hiddens} units")
ax.legend()
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for ax, act in zip(axes, activations):
    r = runs[act, 0]
    plot.decision_boundary(prob_class1(r["model"]), X, y, ax=ax,
                           resolution=120, levels=prob_levels,
                           title=f"{act}, seed 0, test acc. {r['test'][1]:.3f}")
plt.show()

# %% [markdown]
# ### Gradient norms per layer (exercise 3)
#
# One curve per hidden layer, seed 0, on a log scale; both panels share the same $y$ axis.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True)
for ax, act in zip(axes, activations):
    norms = runs[act, 0]["grad_norms"]  # (num_steps, num_hidden_layers)
    for k in range(num_hidden_layers):
        ax.plot(norms[:, k], lw=1.3, label=f"hidden{k + 1}")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_title(f"{act}: ‖∂L/∂W‖ per layer (seed 0)")
axes[0].set_ylabel("weight-gradient norm")
axes[1].legend(ncol=2, fontsize=9)
plt.show()

# %% [markdown]
# The same information over all five seeds, condensed to one number per layer (the geometric
# means in the table above: dotted at initialisation, solid over the whole run), against depth:

# %%
fig, ax = plt.subplots(figsize=(6, 3.6))
depth = range(1, num_hidden_layers + 1)
for act, marker, color in zip(activations, "os", plot.COLORS):
    for when, style in [("step 0", ":"), ("all steps", "-")]:
        ax.plot(depth, (10 ** summary[act, when]).tolist(), marker=marker,
                ls=style, color=color, label=f"{act}, {when}")
ax.set_yscale("log")
ax.set_xticks(list(depth), [f"hidden{k}" for k in depth])
ax.set_ylabel("geometric-mean ‖∂L/∂W‖")
ax.set_title("gradient reaching each hidden layer")
ax.legend(fontsize=9, ncol=2, loc="upper left")
plt.show()

# %% [markdown]
# Why does the sigmoid network's gradient settle at a floor where every layer gets about the
# same tiny gradient? The forward signal vanishes too: each sigmoid layer squeezes the spread of
# its inputs, so the last hidden layer maps all 200 points to almost the same vector. The spread
# (standard deviation over the points, averaged over units) of each hidden layer at
# initialisation, seed 0. (The ReLU network's spread shrinks as well, because PyTorch's default
# initialisation is not scaled for ReLU, but more slowly.)

# %%
for act in activations:
    seed_everything(0)
    net = MoonNet(num_hidden_layers, num_hiddens, activations[act]).to(device)
    a, spreads = X, []
    with torch.no_grad():
        for layer in net.hidden_layers():
            a = net.activation(layer(a))
            spreads.append(f"{a.std(dim=0).mean().item():.1e}")
    print(f"{act:>7}, hidden1..hidden{num_hidden_layers}: {', '.join(spreads)}")

# %% [markdown]
# ### Is the sigmoid network stuck for good? Same networks, Adam
#
# To separate "cannot represent the moons" from "gradient descent cannot find the weights", we
# train the same two architectures with Adam (learning rate 0.01, 300 steps), which divides
# each parameter's step by a running estimate of its gradient's size and so undoes a uniform
# shrinking of the gradient.

# %%
runs_adam = {(act, s): run(act, s, optimizer="adam", lr=0.01)
             for act in activations for s in seeds}
show_markdown(results_table(runs_adam, seeds))

# %% [markdown]
# A few counts for the answers, computed from the two tables, and the step-0 ratios of the
# gradient norms of `hidden1` and of `hidden2` to `hidden5` (`hidden2` and `hidden5` have the
# same $16 \times 16$ shape, `hidden1` is $16 \times 2$):

# %%
def wins(runs):  # seeds on which ReLU ends with the lower training loss
    return sum(runs["relu", s]["train"][0] < runs["sigmoid", s]["train"][0]
               for s in seeds)


def solved(runs, act):  # seeds with 100% training accuracy
    return sum(runs[act, s]["train"][1] == 1.0 for s in seeds)


n = len(seeds)
for name, rs in [("SGD", runs), ("Adam", runs_adam)]:
    print(f"{name:>4}: ReLU lower loss on {wins(rs)}/{n} seeds; 100% train acc.: "
          f"sigmoid {solved(rs, 'sigmoid')}/{n}, ReLU {solved(rs, 'relu')}/{n}")
L = num_hidden_layers
for act in activations:
    logs = summary[act, "step 0"]
    r1, r2 = (10 ** (logs[i] - logs[-1]).item() for i in (0, 1))
    print(f"{act:>7}, step 0: hidden1/hidden{L} {r1:.1e}, "
          f"hidden2/hidden{L} {r2:.1e}")

# %% [markdown]
# ## Answers to the exercise questions
#
# **1. Does the lecture network run and give the expected result?**
#
# <details><summary>Answer</summary>
#
# Yes. Our stand-in for the lecture network (one hidden layer of 16 ReLU units, SGD) drives the
# training loss down steadily, its training and test accuracies printed under "Exercise 1" are
# close to 1, and its decision boundary in the first plot bends around both moons. That is the
# expected behaviour of a small network on this nearly separable, low-noise data set.
#
# </details>
#
# **2. Is one architecture always performing better than the other? Why?**
#
# <details><summary>Answer</summary>
#
# With gradient descent (with momentum), in our runs ReLU wins on every seed (the count printed
# above): the ReLU network fits the training set and generalises, while the 5-layer sigmoid
# network's loss stays at $\ln 2$, the loss of a network that outputs probability $1/2$ for
# every point. Its decision-boundary panel is one uniform colour: the outputs differ from $1/2$
# only by tiny amounts, whose sign (a straight line in the plot) decides the class, so its
# accuracy is a matter of chance, below $1/2$ on some seeds and above on others.
#
# The reason is the gradient, not the architecture's capacity: a 5-layer sigmoid network can
# represent the two moons (a single hidden sigmoid layer already can), but the gradient reaching
# its lower layers is orders of magnitude smaller than the one reaching its top layer, so those
# layers hardly move in 300 steps. The features they hand upwards stay nearly the same for every
# point (the spreads printed above), and the output layer can do no better than predict $1/2$.
#
# So no, one architecture is not *always* better. The Adam table shows it: with steps scaled per
# parameter, the deep sigmoid network trains too, to 100% training accuracy on some seeds (the
# count printed above) and far above chance on the others. Equally, ReLU networks can lose:
# with an unlucky initialisation or too large a learning rate units die (their input is
# negative for every example, so their gradient is exactly zero), and on problems where smooth,
# bounded outputs matter a sigmoid or tanh may fit better. What is robust is the ordering of *trainability by gradient descent at
# depth*: ReLU keeps the gradient's size across layers, sigmoid divides it.
#
# </details>
#
# **3. Does the sigmoid network show the vanishing-gradient effect more clearly than the ReLU
# network?**
#
# <details><summary>Answer</summary>
#
# Yes. At the start of training the sigmoid panel shows the five curves stacked in depth order,
# `hidden5` on top and `hidden1` at the bottom, with roughly constant gaps on the log scale: each
# layer further from the output receives a fixed fraction of the gradient of the layer above,
# the geometric decay of the derivation (one factor $\sigma'(z) \le 1/4$ times a weight matrix
# per layer). The step-0 ratios printed above are orders of magnitude below 1, for `hidden1`
# and for `hidden2` alike. Within the first hundred steps the output layer learns to predict
# $1/2$ everywhere, and all curves then fall onto a low floor: the forward signal has vanished
# as well (the last hidden layer gives nearly the same vector for every point, the spreads
# printed above), so there is nothing left for the gradient to push on, and `hidden1` stays the
# lowest curve throughout.
#
# In the ReLU panel the curves lie close together and the ratios are of order one; most of the
# step-0 gap between `hidden1` and the others comes from `hidden1` having only 32 weights (2
# inputs) against 256, since a norm over fewer entries is smaller; `hidden2` and `hidden5`,
# both $16 \times 16$, are within a factor of two of each other. $g' \in \{0, 1\}$ passes the
# error through unchanged on the active units. The ReLU curves also change with training (they rise while the network
# reorganises its features and fall as the loss approaches zero), whereas the sigmoid curves go
# flat, another sign that the sigmoid network has stopped learning.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Backpropagation multiplies the error by $W_{k+1}^\top$ and $\operatorname{diag}(g'(z_k))$
#   once per layer, so the gradient of the first layer is a product of $L$ factors.
# - For the sigmoid each factor contains $\sigma' \le 1/4$: the gradient decays geometrically with
#   depth. Recorded per layer and plotted on a log scale, the decay is a ladder of parallel curves.
# - For ReLU the activation factor is 0 or 1, the per-layer gradient norms stay of the same order,
#   and the deep network trains with gradient descent where the sigmoid one stalls.
# - The stall is an optimisation problem: with Adam the deep sigmoid network can learn too.
# - `labkit.layers` implements the linear, sigmoid, ReLU and softmax cross-entropy backward
#   passes used in the check; tutorial 11 derives them.
