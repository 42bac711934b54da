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
# **Sheets:** Exercises, "Vanishing Gradient" (exercises 1–3): a two-moons network made
# deeper, with sigmoid and with ReLU activations, and the gradient of every hidden layer
# recorded during training.
#
# **What you need:** `nn.Module`, `nn.Linear` and a PyTorch training loop (forward, loss,
# `loss.backward()`, optimiser step), as in [Feed-forward networks](06-feedforward-networks.py);
# the sigmoid and its derivative ([Activation functions](02-activations.py)); the chain rule.
# Weights follow the Part II notation, `nn.Linear`'s: $W \in \mathbb{R}^{\text{out} \times
# \text{in}}$, $z = Wa + b$ for one example and $A W^\top + b$ for a batch with one example
# per row (see the [notation page](../../part-2/notation/)).
#
# ## What you will learn
#
# - why the gradient reaching the first layer of a deep network is a *product* of one factor
#   per layer above it, and why a sigmoid makes each factor small;
# - how to record `model.hiddenK.weight.grad.norm()` at every step and read it on a log scale;
# - that a 5-hidden-layer sigmoid network trained with gradient descent barely moves while the
#   same network with ReLU learns the two moons, and why that is an optimisation problem
#   rather than a lack of capacity.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [1 The lecture's network](#exercise-1-the-lectures-network) | run it | — |
# | [2 Deeper networks, sigmoid against ReLU](#exercise-2-deeper-networks-sigmoid-against-relu) | a deeper class, a comparison | — |
# | [3 The gradient of each hidden layer](#exercise-3-the-gradient-of-each-hidden-layer) | `hidden_grad_norms`, `hidden_delta` | 2 |
#
# Each **Your turn** cell has a function to fill in, the worked solution folded under it, and a
# self-check that runs your function on random inputs and names the likely mistake. The
# *exercise notebook* (top of the page) has the same cells with the solutions blank.

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from labkit import activations, compare, get_device, layers, plot, seed_everything
from labkit import selfcheck
from labkit.datasets import two_moons
from labkit.display import answer, sci, show_markdown, table
from labkit.train import evaluate

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## Exercise 1: the lecture's network
#
# *Take the training of a neural network in PyTorch from the Backpropagation topic. Execute it
# locally and verify that the results are as expected.*
#
# The lecture's two-moons example is not available here, so we define a stand-in with the
# same ingredients: 200 training points from `labkit.datasets.two_moons` (noise 0.1), a
# network with one hidden layer of 16 ReLU units and two output logits, the cross-entropy
# loss, and full-batch gradient descent with momentum (`torch.optim.SGD`, learning rate 0.1,
# momentum 0.9, 300 steps). A second draw of 400 points with another seed is the test set.

# %%
X, y = two_moons(200, noise=0.1, seed=0)
X_test, y_test = two_moons(400, noise=0.1, seed=1)
X, y = X.to(device), y.to(device)
X_test, y_test = X_test.to(device), y_test.to(device)
print("X", tuple(X.shape), X.dtype, "| y", tuple(y.shape), y.dtype,
      "| class counts", y.bincount().tolist())

# %% [markdown]
# The network has one `nn.Linear` per hidden layer, named `hidden1`, `hidden2`, … as the
# sheet's hint (`model.hidden1.weight.grad`) expects, a `latent` method returning the last
# hidden representation, and `forward` adding the output layer. The number of hidden layers
# and the activation are arguments, so the deeper versions of exercise 2 are the same class.

# %%
class MoonNet(nn.Module):
    def __init__(self, num_hidden_layers=1, num_hiddens=16, activation=torch.relu):
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


# %% [markdown]
# The training loop returns the loss of every step. Its `record` argument, used in
# exercise 3, is a function called after `loss.backward()` and before the update, when the
# gradients of this step are in `.grad`.

# %%
def train(model, num_steps=300, lr=0.1, optimizer="sgd", record=None):
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses, records = [], []
    for step in range(num_steps):
        loss = F.cross_entropy(model(X), y)  # 1. forward and loss
        opt.zero_grad()
        loss.backward()  # 2. backward
        if record is not None:
            records.append(record(model))
        losses.append(loss.item())
        opt.step()  # 3. update
    return torch.tensor(losses), (torch.stack(records) if records else None)


seed_everything(0)
baseline = MoonNet(num_hidden_layers=1).to(device)
baseline_losses, _ = train(baseline)
base_train_loss, base_train_acc = evaluate(baseline, X, y)
base_test_loss, base_test_acc = evaluate(baseline, X_test, y_test)
print(f"baseline: training loss {base_train_loss:.4f}, training accuracy "
      f"{100 * base_train_acc:.1f}%, test accuracy {100 * base_test_acc:.2f}%")

# %%
def prob_class1(model):
    return lambda grid: torch.softmax(model(grid.to(device)), dim=1)[:, 1]


prob_levels = torch.linspace(0, 1, 21).tolist()  # one colour scale: P(class 1)

fig, (ax_loss, ax_db) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.6))
plot.plot_loss(baseline_losses, ax=ax_loss, xlabel="step", ylabel="cross-entropy")
ax_loss.set_title("baseline: training loss")
plot.decision_boundary(prob_class1(baseline), X, y, ax=ax_db, resolution=120,
                       levels=prob_levels, title="baseline: P(class 1)")
plt.show()

# %% tags=["hide-input"]
answer(
    r"Yes. The stand-in for the lecture's network (one hidden layer of 16 ReLU units, "
    r"SGD with momentum) drives the training loss from $@l0$ to $@lend$ in $@n$ steps; "
    r"it classifies $@tr\%$ of the training points and $@te\%$ of the 400 test points "
    r"correctly, and its decision boundary bends around both moons. That is what a "
    r"small "
    r"network should do on this nearly separable, low-noise data set.",
    l0=baseline_losses[0].item(), lend=base_train_loss, n=len(baseline_losses),
    tr=100 * base_train_acc, te=100 * base_test_acc,
)

# %% [markdown]
# ## Exercise 2: deeper networks, sigmoid against ReLU
#
# *Replace the network by a deeper one with at least 3 hidden layers of the same width.
# Create two versions, one with `torch.relu` and one with `torch.sigmoid`, and train each a
# few times, observing the loss and the accuracy. Is one architecture always performing
# better than the other? Why?*
#
# Five hidden layers of 16 units each, once with `torch.sigmoid` and once with `torch.relu`,
# trained exactly like the baseline, from five initialisations (seeds 0–4). The seed fixes
# the initial weights; the data are the same for every run.

# %%
num_hidden_layers = 5
num_hiddens = 16
seeds = range(5)
acts = {"sigmoid": torch.sigmoid, "relu": torch.relu}


def run(act, seed, **train_kwargs):
    seed_everything(seed)
    model = MoonNet(num_hidden_layers, num_hiddens, acts[act]).to(device)
    losses, records = train(model, **train_kwargs)
    return {"model": model, "losses": losses, "records": records,
            "train": evaluate(model, X, y),  # (loss, accuracy)
            "test": evaluate(model, X_test, y_test)}


runs = {(act, s): run(act, s) for act in acts for s in seeds}


def results_rows(runs):
    """One row per seed: 'loss · train acc / test acc' for each activation."""
    def cell(r):
        (loss, train_acc), (_, test_acc) = r["train"], r["test"]
        return f"{loss:.4f} · {100 * train_acc:.1f}% / {100 * test_acc:.1f}%"

    return [[str(s)] + [cell(runs[act, s]) for act in acts] for s in seeds]


show_markdown(table(["seed", "sigmoid", "ReLU"], results_rows(runs)))

# %% [markdown]
# Each cell is the final training loss · training accuracy / test accuracy. The loss curves
# and the decision boundaries of seed 0:

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
for act, color in zip(acts, plot.COLORS):
    for seed in seeds:
        ax.plot(runs[act, seed]["losses"], color=color, alpha=0.8, lw=1.2,
                label=f"{act} ({len(seeds)} seeds)" if seed == 0 else None)
ax.set_xlabel("step")
ax.set_ylabel("training cross-entropy")
ax.set_yscale("log")
ax.set_title(f"{num_hidden_layers} hidden layers of {num_hiddens} units, SGD")
ax.legend()
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.6))
for ax, act in zip(axes, acts):
    r = runs[act, 0]
    plot.decision_boundary(prob_class1(r["model"]), X, y, ax=ax, resolution=120,
                           levels=prob_levels,
                           title=f"{act}, seed 0: test acc. {100 * r['test'][1]:.1f}%")
plt.show()

# %% [markdown]
# **Is the sigmoid network stuck for good?** To separate "cannot represent the moons" from
# "gradient descent cannot find the weights", we train the same two architectures with Adam
# (learning rate 0.01, 300 steps), which divides each parameter's step by a running estimate
# of its gradient's size and so undoes a uniform shrinking of the gradient.

# %%
runs_adam = {(act, s): run(act, s, optimizer="adam", lr=0.01)
             for act in acts for s in seeds}
show_markdown(table(["seed", "sigmoid (Adam)", "ReLU (Adam)"], results_rows(runs_adam)))

# %% tags=["hide-input"]
def wins(rs):  # seeds on which ReLU ends with the lower training loss
    return sum(rs["relu", s]["train"][0] < rs["sigmoid", s]["train"][0] for s in seeds)


def solved(rs, act):  # seeds with 100% training accuracy
    return sum(rs[act, s]["train"][1] == 1.0 for s in seeds)


def accs(rs, act):
    return [100 * rs[act, s]["train"][1] for s in seeds]


sig_losses = [runs["sigmoid", s]["train"][0] for s in seeds]
answer(
    r"With gradient descent (with momentum), ReLU ends with the lower training loss on "
    r"$@wins$ of $@n$ seeds and reaches 100% training accuracy on $@relu_solved$ of "
    r"them. The 5-layer sigmoid network's final loss stays between $@sig_lo$ and "
    r"$@sig_hi$, next to $\ln 2 = @ln2$, the loss of a network that outputs "
    r"probability $\tfrac12$ for every point; its training accuracy ranges from "
    r"$@sig_acc_lo\%$ to $@sig_acc_hi\%$ over the seeds, and its decision-boundary "
    r"panel is one uniform colour: the outputs differ from $\tfrac12$ only by tiny "
    r"amounts, whose sign decides the class." "\n\n"
    r"The reason is the gradient, not the architecture's capacity: a 5-layer sigmoid "
    r"network can represent the two moons (one hidden sigmoid layer already can), but "
    r"the gradient reaching its lower layers is orders of magnitude smaller than the "
    r"one reaching its top layer "
    r"(exercise 3 measures it), so those layers hardly move in 300 steps." "\n\n"
    r"So no, one architecture is not *always* better. With Adam, whose steps are "
    r"scaled per parameter, the deep sigmoid network trains too: 100% training "
    r"accuracy on $@adam_solved$ of $@n$ seeds and at least $@adam_lo\%$ on every "
    r"seed. Equally, ReLU networks can lose: with an unlucky initialisation or too "
    r"large a learning rate, units die (their input is negative for every example, so "
    r"their gradient is exactly zero), and where smooth, bounded outputs matter a "
    r"sigmoid or tanh may fit better. What is robust is the ordering of *trainability "
    r"by gradient descent at depth*: ReLU keeps the "
    r"gradient's size across layers, the sigmoid divides it.",
    wins=wins(runs), n=len(seeds), relu_solved=solved(runs, "relu"),
    sig_lo=min(sig_losses), sig_hi=max(sig_losses), ln2=math.log(2),
    sig_acc_lo=min(accs(runs, "sigmoid")), sig_acc_hi=max(accs(runs, "sigmoid")),
    adam_solved=solved(runs_adam, "sigmoid"), adam_lo=min(accs(runs_adam, "sigmoid")),
)

# %% [markdown]
# ## Exercise 3: the gradient of each hidden layer
#
# *During training, record the norm of the weight gradient in each hidden layer. Plot the
# gradients, comparing the architectures, and explain whether the sigmoid network shows the
# vanishing-gradient effect more clearly than the ReLU network. (The gradients are computed by
# `loss.backward()`; after it, `model.hidden1.weight.grad.norm().item()` is the norm at
# `hidden1`.)*
#
# **Why the gradient of early layers is small.** Write the network as $a_0 = x$ and, for
# $k = 1, \dots, L$, $z_k = W_k a_{k-1} + b_k$, $a_k = g(z_k)$, followed by the output layer
# $z_{L+1} = W_{L+1} a_L + b_{L+1}$ and the loss $\mathcal{L}(z_{L+1}, y)$. Call
# $\delta_k = \partial \mathcal{L} / \partial z_k$ the error at layer $k$. The chain rule
# gives, going backwards,
#
# $$
# \begin{aligned}
# \delta_k &= \bigl(W_{k+1}^\top \delta_{k+1}\bigr) \odot g'(z_k), \\
# \frac{\partial \mathcal{L}}{\partial W_k} &= \delta_k\, a_{k-1}^\top .
# \end{aligned}
# $$
#
# Unrolled from the output down to the first layer, the error reaching layer 1 has been
# multiplied by $L$ diagonal matrices $\operatorname{diag}(g'(z_k))$ and $L$ weight matrices.
# With norms,
#
# $$
# \|\delta_1\| \le \|\delta_{L+1}\| \prod_{k=1}^{L} \|W_{k+1}\| \, \max_j |g'(z_{k,j})| .
# $$
#
# For the sigmoid, $g'(z) = \sigma(z)(1 - \sigma(z)) \le \tfrac14$
# ([Activation functions](02-activations.py)), so every layer costs at least a factor 4
# unless the weights are large; with PyTorch's default initialisation
# ($W_{ij} \sim \mathcal{U}(-1/\sqrt{n}, 1/\sqrt{n})$ for $n$ inputs) the weight norms are of
# order one, and the bound shrinks geometrically with depth. For ReLU, $g'(z) \in \{0, 1\}$:
# on the active units the factor is exactly 1, and only the weights scale the signal. A
# weight gradient $\delta_k a_{k-1}^\top$ inherits the size of $\delta_k$: that is what the
# exercise measures.

# %% tags=["hide-input"]
extra = num_hidden_layers - 1
show_markdown(
    r"From the last hidden layer down to the first, the sigmoid's derivative enters "
    r"$@e$ "
    r"more times: a factor at most $(1/4)^{@e} = @f$, that is $1/@inv$.",
    e=extra, f=0.25 ** extra, inv=4 ** extra,
)

# %% [markdown]
# ### Your turn: one step down
#
# For a batch, with one example per row, the recursion reads
# $\Delta_k = (\Delta_{k+1} W_{k+1}) \odot g'(Z_k)$: $\Delta_{k+1}$ is $N \times n_{k+1}$ and
# $W_{k+1}$ is $n_{k+1} \times n_k$ in `nn.Linear`'s orientation, so no transpose is needed.
# Write it for the sigmoid, with `activations.sigmoid_grad` for $\sigma'$.

# %%
def hidden_delta(delta, W, z):
    """Δ_k = (Δ_{k+1} @ W_{k+1}) ⊙ σ'(Z_k).

    delta: (N, n_above), W: (n_above, n_k) the weight of the layer above, z: (N, n_k).
    """
    ### BEGIN SOLUTION
    return (delta @ W) * activations.sigmoid_grad(z)
    ### END SOLUTION


# %%
hidden_delta = selfcheck.check("hidden_delta", hidden_delta)

# %% [markdown]
# **Check against autograd.** A fresh 5-layer sigmoid network (seed 0): a forward pass by hand
# that keeps every $Z_k$, then $\Delta_{L+1} = \frac1N(\mathrm{softmax}(Z_{L+1}) - E_Y)$
# (derived in [Softmax cross-entropy backprop](11-softmax-backprop.py)), then `hidden_delta`
# from the top down. At the bottom, $\partial \mathcal{L} / \partial W_1 = \Delta_1^\top X$
# must equal autograd's `hidden1.weight.grad`. On the way we keep $\|\Delta_k\|$, the error's
# size at each layer.

# %%
seed_everything(0)
net = MoonNet(num_hidden_layers, num_hiddens, torch.sigmoid).to(device)
F.cross_entropy(net(X), y).backward()

a, zs = X, []
with torch.no_grad():
    for layer in net.hidden_layers():
        zs.append(a @ layer.weight.T + layer.bias)  # Z_k: (N, num_hiddens)
        a = torch.sigmoid(zs[-1])
    logits = a @ net.output.weight.T + net.output.bias
    delta = (torch.softmax(logits, dim=1) - F.one_hot(y, 2).float()) / len(y)
    W_above, delta_norms = net.output.weight, {}
    for k in range(num_hidden_layers, 0, -1):
        delta = hidden_delta(delta, W_above, zs[k - 1])  # Δ_k
        delta_norms[k] = delta.norm().item()
        W_above = getattr(net, f"hidden{k}").weight
    dW1 = delta.T @ X  # (num_hiddens, 2), like hidden1.weight
compare("dW1", dW1, net.hidden1.weight.grad)
show_markdown(table([r"layer $k$", r"$\|\Delta_k\|$", r"$\|\Delta_k\| / \|\Delta_5\|$"],
                    [[k, v, v / delta_norms[num_hidden_layers]]
                     for k, v in sorted(delta_norms.items())]))

# %% [markdown]
# ### Your turn: record the norms
#
# The function the training loop calls after `loss.backward()`: the norm of the weight
# gradient of every hidden layer, `hidden1` first, as one tensor.

# %%
def hidden_grad_norms(model):
    """‖∂L/∂W_k‖ for every hidden layer k of a MoonNet, after loss.backward(). (K,)"""
    ### BEGIN SOLUTION
    return torch.stack([layer.weight.grad.norm() for layer in model.hidden_layers()])
    ### END SOLUTION


# %%
hidden_grad_norms = selfcheck.check("hidden_grad_norms", hidden_grad_norms)

# %% [markdown]
# **The same runs, recorded.** The ten SGD runs of exercise 2 again, with
# `record=hidden_grad_norms`. The seeds fix everything, so these are the same trainings:
# the losses agree exactly with exercise 2's.

# %%
recorded = {(act, s): run(act, s, record=hidden_grad_norms)
            for act in acts for s in seeds}
same = max((recorded[k]["losses"] - runs[k]["losses"]).abs().max().item() for k in runs)
print(f"largest difference to exercise 2's losses: {same:.1e}")
print("recorded norms of one run (steps, hidden layers):",
      tuple(recorded["sigmoid", 0]["records"].shape))

# %% [markdown]
# One curve per hidden layer, seed 0, on a log scale; both panels share the $y$ axis.

# %%
fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.6), sharey=True)
for ax, act in zip(axes, acts):
    norms = recorded[act, 0]["records"].cpu()  # (num_steps, num_hidden_layers)
    for k in range(num_hidden_layers):
        ax.plot(norms[:, k], lw=1.3, color=plot.COLORS[k], label=f"hidden{k + 1}")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_title(f"{act}: ‖∂L/∂W‖ per layer")
axes[0].set_ylabel("weight-gradient norm (seed 0)")
axes[1].legend(ncol=2, fontsize=9)
plt.show()

# %% [markdown]
# Over all five seeds, condensed to one number per layer: the geometric mean (the mean of
# $\log_{10}$ of the norm), the natural average of quantities that span orders of magnitude;
# at step 0 (the freshly initialised network, the pure effect of depth) and over all 300
# steps.

# %%
def log10_mean_norm(act, steps):
    norms = torch.stack([recorded[act, s]["records"][steps] for s in seeds])
    return norms.log10().mean(dim=(0, 1)).cpu()  # (num_hidden_layers,)


whens = {"step 0": slice(0, 1), "all steps": slice(None)}
summary = {(act, when): log10_mean_norm(act, steps) for act in acts
           for when, steps in whens.items()}
rows = [[f"hidden{k + 1}"]
        + [10 ** summary[act, when][k].item() for act in acts for when in whens]
        for k in range(num_hidden_layers)]
rows.append([f"hidden1 / hidden{num_hidden_layers}"]
            + [10 ** (summary[act, when][0] - summary[act, when][-1]).item()
               for act in acts for when in whens])
show_markdown(table(["layer", "sigmoid, step 0", "sigmoid, all", "ReLU, step 0",
                     "ReLU, all"], rows))

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
depth = range(1, num_hidden_layers + 1)
for act, marker, color in zip(acts, "os", plot.COLORS):
    for when, style in [("step 0", ":"), ("all steps", "-")]:
        ax.plot(depth, (10 ** summary[act, when]).tolist(), marker=marker, ls=style,
                color=color, label=f"{act}, {when}")
ax.set_yscale("log")
ax.set_xticks(list(depth), [f"hidden{k}" for k in depth])
ax.set_ylabel("geometric-mean ‖∂L/∂W‖")
ax.set_title("the gradient reaching each hidden layer, 5 seeds")
ax.legend(fontsize=9, ncol=2, loc="upper left")
plt.show()

# %% [markdown]
# Why does the sigmoid network's gradient settle at a floor where every layer gets about the
# same tiny gradient? The forward signal vanishes too: each sigmoid layer squeezes the spread
# of its inputs, so the last hidden layer maps all 200 points to almost the same vector. The
# spread (standard deviation over the points, averaged over the units) of each hidden layer
# at initialisation, seed 0:

# %%
spreads = {}
for act in acts:
    seed_everything(0)
    fresh = MoonNet(num_hidden_layers, num_hiddens, acts[act]).to(device)
    a, spreads[act] = X, []
    with torch.no_grad():
        for layer in fresh.hidden_layers():
            a = fresh.activation(layer(a))
            spreads[act].append(a.std(dim=0).mean().item())
show_markdown(table(["layer"] + [f"spread, {act}" for act in acts],
                    [[f"hidden{k + 1}"] + [spreads[act][k] for act in acts]
                     for k in range(num_hidden_layers)]))

# %% tags=["hide-input"]
def ratio(act, i):  # step-0 geometric-mean norm of hidden{i+1} over the last layer's
    logs = summary[act, "step 0"]
    return 10 ** (logs[i] - logs[-1]).item()


sig_norms = recorded["sigmoid", 0]["records"]  # (num_steps, num_hidden_layers)
lowest = (sig_norms.argmin(dim=1) == 0).float().mean().item()
answer(
    r"Yes. At the start of training the sigmoid panel shows the five curves stacked in "
    r"depth order, `hidden5` on top and `hidden1` at the bottom, with roughly constant "
    r"gaps on the log scale: each layer further from the output receives a fixed "
    r"fraction of the gradient of the layer above, the geometric decay of the "
    r"derivation (one factor $\sigma'(z) \le \tfrac14$ times a weight matrix per "
    r"layer). Over the five seeds, at step 0, `hidden1` gets $@s1$ of `hidden5`'s "
    r"gradient norm and `hidden2` (the same $16 \times 16$ shape as `hidden5`) $@s2$; "
    r"by hand, the error $\|\Delta_k\|$ of seed 0 at layer 1 is $@d1$ of its size at "
    r"layer 5. Later, the output layer learns to predict $\tfrac12$ everywhere and the "
    r"curves fall onto a low floor: the forward signal has vanished as well (the "
    r"spread of `hidden5` is $@sp_sig$ at initialisation, against $@sp_relu$ for "
    r"ReLU), so there is little left for the gradient to push on; `hidden1` is the "
    r"lowest curve in $@low\%$ of the steps of seed 0." "\n\n"
    r"In the ReLU panel the curves lie close together: at step 0 `hidden2` gets $@r2$ "
    r"of `hidden5`'s norm, and `hidden1` $@r1$. Part of that gap is only the size of "
    r"`hidden1`: it has 32 weights (2 inputs) against 256, and a norm over 32 entries "
    r"of the same size is smaller by $\sqrt{32/256} = @size$. $g' \in \{0, 1\}$ passes "
    r"the error through unchanged on the active units. The ReLU curves also change "
    r"with training (they rise while the network reorganises its features and fall as "
    r"the loss approaches zero), whereas the sigmoid curves go flat, "
    r"another sign that the sigmoid network has stopped learning.",
    s1=ratio("sigmoid", 0), s2=ratio("sigmoid", 1),
    d1=delta_norms[1] / delta_norms[num_hidden_layers],
    sp_sig=sci(spreads["sigmoid"][-1]), sp_relu=sci(spreads["relu"][-1]),
    low=100 * lowest,
    r2=ratio("relu", 1), r1=ratio("relu", 0), size=math.sqrt(32 / 256),
)

# %% [markdown]
# ## Summary
#
# `labkit.layers` has the linear, sigmoid and softmax cross-entropy forward and backward
# passes ([Softmax cross-entropy backprop](11-softmax-backprop.py) derives them), in
# `nn.Linear`'s weight orientation, so a network's own weights go in unchanged. Chained from
# the top down on the sigmoid network of exercise 3's check, they give the same `hidden1`
# gradient as `hidden_delta` and autograd:

# %%
a, caches = X, []
for layer in net.hidden_layers():
    z, lin = layers.linear_forward(a, layer.weight.detach(), layer.bias.detach())
    a, act_cache = layers.sigmoid_forward(z)
    caches.append((lin, act_cache))
logits, out_cache = layers.linear_forward(a, net.output.weight.detach(),
                                          net.output.bias.detach())
_, ce_cache = layers.softmax_cross_entropy_forward(logits, y)
grad, _, _ = layers.linear_backward(layers.softmax_cross_entropy_backward(ce_cache),
                                    out_cache)  # dL/dA_L
for lin, act_cache in reversed(caches):
    grad, dW, _ = layers.linear_backward(layers.sigmoid_backward(grad, act_cache), lin)
compare("dW1 (layers)", dW, net.hidden1.weight.grad)

# %% [markdown]
# - Backpropagation multiplies the error by $W_{k+1}^\top$ and $\operatorname{diag}(g'(z_k))$
#   once per layer, so the gradient of the first layer is a product of $L$ factors.
# - For the sigmoid each factor contains $\sigma' \le 1/4$: the gradient decays geometrically
#   with depth. Recorded per layer and plotted on a log scale, the decay is a ladder of
#   parallel curves.
# - For ReLU the activation factor is 0 or 1, the per-layer gradient norms stay of the same
#   order, and the deep network trains with gradient descent where the sigmoid one stalls.
# - The stall is an optimisation problem: with Adam the deep sigmoid network learns too.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Replace the sigmoid by tanh in the 5-layer network. Where do its per-layer gradient
#    norms sit between the sigmoid's and ReLU's, and why (what is $\max \tanh'$)?
# 2. Initialise the sigmoid network with Xavier's $\mathcal{U}(\pm\sqrt{6/(n_{in}+n_{out})})$
#    (`nn.init.xavier_uniform_`) instead of PyTorch's default. Does SGD train it now?
# 3. Make the ReLU network 20 layers deep. Does its gradient still keep its size? Try He
#    initialisation (`nn.init.kaiming_normal_`) against the default.
# 4. Add batch normalisation after each hidden `nn.Linear` of the sigmoid network and
#    record the gradient norms again.
#
# ## Next
#
# [Softmax cross-entropy backprop](11-softmax-backprop.py) writes the forward and backward
# passes of a two-layer classifier by hand, with no autograd at all.
