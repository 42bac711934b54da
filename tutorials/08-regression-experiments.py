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
# # Regression experiments with MLPs
#
# **Sheet:** Deep Learning (FSS24, University of Mannheim), Assignment 1 "Neural Networks",
# task 2 "Experiment with MLPs", a)–e) (e is optional; it is done here too).
#
# **What you need:** the hand-built `MLP` of tutorial 07 ("An MLP without torch.nn layers"),
# now imported as `labkit.mlp.MLP`; the sigmoid (tutorial 02); the idea of minimising a loss with
# its gradient. No NumPy and no SciPy: the sheet trains with SciPy's BFGS, and we write BFGS in
# a few lines of torch instead.
#
# **About the data.** The course's data set $\mathcal{D}_1$ (`X1`, `y1`, `X1test`, `y1test`) is
# not available to us. We use `labkit.datasets.regression_1d` in its place: 50 training and 200
# test points with $x$ uniform on $[-3, 3]$ and targets $y = \sin(2x) + 0.5\,x + \varepsilon$,
# $\varepsilon \sim \mathcal{N}(0, 0.3^2)$. Like $\mathcal{D}_1$ it is a 1-D curve with a few
# bends that two or three sigmoid units can follow only in part. Numbers and curves will differ
# from the course's; the phenomena the questions ask about are the same.

# %% [markdown]
# ## What you will learn
#
# - what a network with $Z$ sigmoid hidden units can represent in 1-D: a sum of $Z$ smooth steps
#   plus a constant (task 2 a);
# - how BFGS works and how to write it in torch (the sheet's SciPy optimizer, task 2 b);
# - why training the same small network twice gives different fits: a non-convex loss has
#   several local minima, and saturated sigmoids make flat regions (task 2 b);
# - how training and test error move as the hidden layer grows from 1 to 100 units:
#   underfitting, then overfitting (task 2 c);
# - how the hidden units share the work: the distributed representation and the weighted sum
#   that gives the network its flexibility (task 2 d);
# - how Adam, ReLU units and extra layers change the picture (task 2 e).

# %%
import copy

import matplotlib.pyplot as plt
import torch

from labkit import compare, get_device, plot, seed_everything
from labkit.datasets import regression_1d, regression_1d_target
from labkit.display import fmt, show_markdown
from labkit.mlp import MLP

plot.use_style()
seed_everything(0)
device = get_device()
DTYPE = torch.float64  # BFGS's curvature estimates need more than float32 offers
device

# %% [markdown]
# ## Derivation
#
# ### What the networks compute
#
# The sheet's FNN has one input, one hidden layer of $Z$ sigmoid units and a linear output:
#
# $$
# f(x) = b_2 + \sum_{k=1}^{Z} w_{2,k}\, h_k(x), \qquad h_k(x) = \sigma(w_{1,k}\, x + b_{1,k}).
# $$
#
# Each hidden unit $h_k$ is a smooth step from 0 to 1, centred at $x = -b_{1,k}/w_{1,k}$, rising
# (if $w_{1,k} > 0$) or falling, steep when $|w_{1,k}|$ is large. The output adds the steps with
# heights $w_{2,k}$ (which may be negative). So:
#
# - $Z = 0$: no hidden layer, $f(x) = w x + b$, a straight line (linear regression);
# - $Z = 1$: one step, a monotone S-curve between two plateaus;
# - $Z = 2$: two steps: a staircase, or one bump (up then down) if the heights have opposite signs;
# - $Z$ units: up to $Z$ bends. A network with $3Z + 1$ parameters.
#
# We fit the $3Z + 1$ parameters $\boldsymbol\theta$ by minimising the mean squared error on the
# $N$ training points:
#
# $$
# L(\boldsymbol\theta) = \frac{1}{N} \sum_{n=1}^{N} \bigl(y_n - f(x_n; \boldsymbol\theta)\bigr)^2.
# $$
#
# Because the noise has variance $0.3^2$, even the true curve has an expected MSE of about
# $0.09$ on fresh data: a test MSE near that *noise floor* is as good as it gets, and a training
# MSE well below it means the network has fitted noise.
#
# ### BFGS
#
# Newton's method steps $\boldsymbol\theta \leftarrow \boldsymbol\theta - \mathbf{H}\nabla L$ with
# $\mathbf{H}$ the inverse Hessian. BFGS does not compute the Hessian; it keeps an estimate
# $\mathbf{H}_k$ of its inverse and improves it after each step from what the step revealed. With
# the step $\mathbf{s}_k = \boldsymbol\theta_{k+1} - \boldsymbol\theta_k$ and the change of
# gradient $\mathbf{r}_k = \nabla L(\boldsymbol\theta_{k+1}) - \nabla L(\boldsymbol\theta_k)$ (the
# literature calls it $\mathbf{y}_k$; we keep $y$ for targets), the update is the smallest change
# of $\mathbf{H}_k$ that keeps it symmetric and satisfies the secant condition
# $\mathbf{H}_{k+1}\mathbf{r}_k = \mathbf{s}_k$:
#
# $$
# \mathbf{H}_{k+1} = (\mathbf{I} - \rho_k \mathbf{s}_k \mathbf{r}_k^\top)\, \mathbf{H}_k\,
# (\mathbf{I} - \rho_k \mathbf{r}_k \mathbf{s}_k^\top) + \rho_k \mathbf{s}_k \mathbf{s}_k^\top,
# \qquad \rho_k = \frac{1}{\mathbf{r}_k^\top \mathbf{s}_k}.
# $$
#
# Multiplied out (which is cheaper, and how the code does it):
#
# $$
# \mathbf{H}_{k+1} = \mathbf{H}_k
# - \rho_k \bigl(\mathbf{s}_k (\mathbf{H}_k\mathbf{r}_k)^\top + (\mathbf{H}_k\mathbf{r}_k)\mathbf{s}_k^\top\bigr)
# + \rho_k \bigl(1 + \rho_k\, \mathbf{r}_k^\top \mathbf{H}_k \mathbf{r}_k\bigr)\, \mathbf{s}_k \mathbf{s}_k^\top .
# $$
#
# Each iteration: direction $\mathbf{d}_k = -\mathbf{H}_k \nabla L$; a line search for a step
# length $t$ (we halve $t$ from 1 until the loss drops by at least $10^{-4}\, t\, |\nabla L^\top
# \mathbf{d}_k|$, the Armijo condition); then the update, skipped in the rare case
# $\mathbf{r}_k^\top\mathbf{s}_k \le 0$ where it would destroy positive definiteness (SciPy's Wolfe
# line search rules that case out). $\mathbf{H}_0 = \mathbf{I}$, rescaled after the first step
# by $\mathbf{r}_0^\top\mathbf{s}_0 / \mathbf{r}_0^\top\mathbf{r}_0$. We stop when every gradient
# entry is below $10^{-5}$ (SciPy's default `gtol`), when a step no longer lowers the loss (at
# the precision of float64), or after a fixed number of iterations.
# With at most a few hundred parameters the dense $\mathbf{H}$ is tiny. (An alternative without
# writing code: `torch.optim.LBFGS` with `line_search_fn="strong_wolfe"` and `history_size` at
# least the number of parameters; with its full history L-BFGS behaves like BFGS. The Check
# section compares the two.)

# %% [markdown]
# ## Implementation
#
# ### The data

# %%
X, y, X_test, y_test = (t.to(device, DTYPE) for t in regression_1d())
noise_floor = 0.3**2
f_test = regression_1d_target(X_test.squeeze(1))  # (200,) noise-free targets
true_test_mse = ((f_test - y_test) ** 2).mean().item()
print(f"train: X {tuple(X.shape)}, y {tuple(y.shape)}")
print(f"test:  X {tuple(X_test.shape)}, y {tuple(y_test.shape)}")
print(f"noise variance {noise_floor:.3f}")
print(f"test MSE of the true curve {true_test_mse:.4f}")

# %%
def show_data(ax):
    ax.scatter(X_test.squeeze(1).cpu(), y_test.cpu(), s=8, color=plot.COLORS[7],
               alpha=0.35, label="test data", zorder=1)
    ax.scatter(X.squeeze(1).cpu(), y.cpu(), s=18, color="#8a8f98",
               label="training data", zorder=2)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")


fig, ax = plt.subplots()
show_data(ax)
ax.legend()
plt.show()

# %% [markdown]
# ### Task 2 a): conjectures, written before any training
#
# The training data rise overall from lower left to upper right, with a wave on top: from the
# left they go up, down, up, down and up again (four bends in $[-3, 3]$). From the Derivation:
#
# - **0 hidden neurons**: the least-squares straight line through the cloud, following the
#   overall upward trend and ignoring the wave.
# - **1 hidden neuron**: a single S-shaped step: low plateau on the left, high plateau on the
#   right, the rise placed where the data climb most steeply, in the middle. It should beat the
#   line a little by flattening at the ends, but cannot produce a single dip.
# - **2 hidden neurons**: two steps. Either a staircase (two rises) or a rise and a fall (one
#   bump). The middle climb plus one of the outer bends seems the best it can do; which bend it
#   takes may depend on the start.
# - **3 hidden neurons**: three bends, enough to follow the central rise and both outer bends
#   roughly: a clearly better fit, though still short of the four bends the data show.
#
# The Answers section compares these with what training gives.

# %% [markdown]
# ### BFGS in torch
#
# The optimizer works on one flat parameter vector $\boldsymbol\theta$; two small helpers copy
# between it and the model's parameters, and `loss_and_grad` evaluates $L$ and $\nabla L$ with
# autograd. The three numbered steps of `bfgs` are the three steps of the Derivation.

# %%
def mse(model, X, y):
    return ((model(X).squeeze(1) - y) ** 2).mean()


def set_params(model, theta):
    with torch.no_grad():
        i = 0
        for p in model.parameters():
            p.copy_(theta[i:i + p.numel()].view_as(p))
            i += p.numel()


def loss_and_grad(model, X, y, theta):
    set_params(model, theta)
    model.zero_grad()
    loss = mse(model, X, y)
    loss.backward()
    grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()])  # (P,)
    return loss.detach(), grad


def bfgs(model, X, y, max_iter=300, gtol=1e-5):
    """Minimise the MSE of model on (X, y) with BFGS; return the loss history."""
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])  # (P,)
    f, g = loss_and_grad(model, X, y, theta)
    H = torch.eye(len(theta), dtype=theta.dtype, device=theta.device)  # (P, P)
    losses = [f.item()]
    for k in range(max_iter):
        if g.abs().max() < gtol:
            break
        d = -H @ g  # 1. quasi-Newton direction
        t = 1.0  # 2. backtracking line search until the Armijo condition holds
        f_new, g_new = loss_and_grad(model, X, y, theta + d)
        while f_new > f + 1e-4 * t * (g @ d) and t > 1e-10:
            t /= 2
            f_new, g_new = loss_and_grad(model, X, y, theta + t * d)
        if t <= 1e-10 or f - f_new <= 1e-12 * f:  # no progress: rounding, ReLU kink
            break
        s, r = t * d, g_new - g  # 3. BFGS update of H from step and gradient change
        rs = (r @ s).item()
        if rs > 1e-12:
            if k == 0:
                H *= rs / (r @ r).item()
            Hr = H @ r
            H.addr_(s, Hr, alpha=-1 / rs).addr_(Hr, s, alpha=-1 / rs)  # in place
            H.addr_(s, s, alpha=(1 + (r @ Hr).item() / rs) / rs)
        theta, f, g = theta + s, f_new, g_new
        losses.append(f.item())
    set_params(model, theta)
    return losses


def new_mlp(num_hiddens, seed, activation="sigmoid"):
    gen = torch.Generator().manual_seed(seed)
    return MLP(1, num_hiddens, 1, activation, generator=gen).to(device, DTYPE)


_runs = {}


def train(num_hiddens, seed, activation="sigmoid"):
    """An MLP(1, num_hiddens, 1) trained with BFGS from seed: (model, losses).

    Remembered, because several parts of the sheet reuse the same runs.
    """
    key = (str(num_hiddens), seed, activation)
    if key not in _runs:
        m = new_mlp(num_hiddens, seed, activation)
        _runs[key] = (m, bfgs(m, X, y))
    return _runs[key]


def train_test_mse(model):
    with torch.no_grad():
        return mse(model, X, y).item(), mse(model, X_test, y_test).item()


model, losses = train(2, seed=0)
print(f"{len(losses) - 1} iterations")
print(f"training loss {losses[0]:.4f} -> {losses[-1]:.4f}")

# %% [markdown]
# ### Task 2 b): two hidden neurons
#
# The run above, evaluated and plotted:

# %%
def mse_line(name, model):
    train_mse, test_mse = train_test_mse(model)
    print(f"{name}: train MSE {train_mse:.4f}, test MSE {test_mse:.4f}")


mse_line("2 hidden, seed 0", model)
x_grid = torch.linspace(-3, 3, 300, device=device, dtype=DTYPE)[:, None]  # (300, 1)


def show_fit(ax, model, label, **kwargs):
    with torch.no_grad():
        pred = model(x_grid).squeeze(1)  # (300,)
    ax.plot(x_grid.squeeze(1).cpu(), pred.cpu(), label=label, **kwargs)


fig, ax = plt.subplots()
show_data(ax)
show_fit(ax, model, "2 hidden neurons (seed 0)", color=plot.COLORS[0])
ax.legend()
plt.show()

# %% [markdown]
# Now the same training from ten random initialisations (seeds 0–9). The last column is the
# largest absolute weight of the trained network, which tells saturated or cancelling units apart
# from moderate ones:

# %%
SEEDS = range(10)
runs = {}
for seed in SEEDS:
    m, hist = train(2, seed)
    largest = max(p.abs().max().item() for p in m.parameters())
    runs[seed] = (m, len(hist) - 1, *train_test_mse(m), largest)

rows = ["| seed | BFGS iterations | train / test MSE | largest weight |",
        "|---|---|---|---|"]
rows += [f"| {s} | {it} | {fmt(tr)} / {fmt(te)} | {fmt(w, 1)} |"
         for s, (_, it, tr, te, w) in runs.items()]
train_mses = torch.tensor([r[2] for r in runs.values()])
test_mses = torch.tensor([r[3] for r in runs.values()])
for name, stat in [("min", torch.min), ("max", torch.max), ("std", torch.std)]:
    cell = f"{fmt(stat(train_mses))} / {fmt(stat(test_mses))}"
    rows.append(f"| {name} | | {cell} | |")
show_markdown("\n".join(rows))

# %% [markdown]
# The runs end in a handful of different places. Drawing all ten fits shows which (solid: runs
# within 1 % of the lowest training loss; dashed: the others):

# %%
best_train = train_mses.min().item()
fig, ax = plt.subplots()
show_data(ax)
for seed, (m, _, tr, _, _) in runs.items():
    good = tr <= 1.01 * best_train
    show_fit(ax, m, None, color=plot.COLORS[0] if good else plot.COLORS[1],
             ls="-" if good else "--", lw=1.5)
ax.plot([], [], color=plot.COLORS[0], label="lowest minimum")
ax.plot([], [], color=plot.COLORS[1], ls="--", label="other minima")
ax.legend()
ax.set_title("2 hidden neurons, 10 initialisations")
plt.show()

# %% [markdown]
# ### Task 2 c): 1, 2, 3, 10, 50 and 100 hidden neurons
#
# Part b) showed that a single run can end in a poor local minimum. So for each size we train
# from three initialisations (seeds 0–2) and keep the run with the lowest *training* loss; the
# test set plays no part in the choice. We add 0 hidden neurons (the straight line) to check
# conjecture a). BFGS stops after 300 iterations at the latest.

# %%
def best_of(num_hiddens, activation="sigmoid", restarts=3):
    models = [train(num_hiddens, seed, activation)[0] for seed in range(restarts)]
    return min(models, key=lambda m: mse(m, X, y).item())


def mse_table(models, label="hidden neurons"):
    rows = [f"| {label} | parameters | train MSE | test MSE |", "|---|---|---|---|"]
    for name, m in models.items():
        tr, te = train_test_mse(m)
        P = sum(p.numel() for p in m.parameters())
        rows.append(f"| {name} | {P} | {fmt(tr)} | {fmt(te)} |")
    rows.append(f"| true curve | | | {fmt(true_test_mse)} |")
    show_markdown("\n".join(rows))


SIZES = [0, 1, 2, 3, 10, 50, 100]
fits = {Z: best_of(Z) for Z in SIZES}
mse_table(fits)

# %% [markdown]
# All predictions on the test inputs, with the data, in one plot:

# %%
def show_predictions(models, title):
    fig, ax = plt.subplots(figsize=(8.0, 4.2))
    show_data(ax)
    order = X_test.squeeze(1).argsort()
    for i, (Z, m) in enumerate(models.items()):
        with torch.no_grad():
            pred = m(X_test).squeeze(1)  # (200,)
        ax.plot(X_test.squeeze(1)[order].cpu(), pred[order].cpu(),
                color=plot.COLORS[i % 8], lw=1.6, label=f"{Z} hidden")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.set_title(title)
    plt.show()


show_predictions(fits, "Predictions on the test set (sigmoid units, BFGS)")

# %% [markdown]
# The iteration cap matters for the large networks: BFGS had not converged for them. Letting
# the chosen 10-unit network continue for 1200 more iterations:

# %%
m10_long = copy.deepcopy(fits[10])
extra = bfgs(m10_long, X, y, max_iter=1200)
total = 300 + len(extra) - 1
mse_table({"10, 300 iterations": fits[10], f"10, {total} iterations": m10_long},
          label="network")

# %%
fig, ax = plt.subplots()
show_data(ax)
show_fit(ax, fits[10], "300 iterations", color=plot.COLORS[0], lw=1.5)
show_fit(ax, m10_long, "trained longer", color=plot.COLORS[3], lw=1.5)
ax.set_ylim(-2.5, 2.5)
ax.legend(fontsize=8)
ax.set_title("10 hidden neurons")
plt.show()

# %% [markdown]
# ### Task 2 d): what the hidden units compute
#
# For a trained network we plot each hidden unit's output $h_k(x)$ (the distributed
# representation of $x$: $Z$ numbers per input), then the same outputs scaled by their output
# weights, $w_{2,k}\, h_k(x)$, and finally their sum plus $b_2$, which is the prediction.
# `MLP.hidden` returns the hidden layer's outputs.

# %%
def show_units(model, title):
    with torch.no_grad():
        H = model.hidden(x_grid)[0]  # (300, Z)
        weighted = H * model.W2.squeeze(1)  # (300, Z): column k is w_2k h_k(x)
        pred = weighted.sum(1) + model.b2  # (300,)
    xs = x_grid.squeeze(1).cpu()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(10.5, 3.0))
    ax1.plot(xs, H.cpu(), lw=1.4)
    ax1.set_title("hidden outputs $h_k(x)$")
    ax2.plot(xs, weighted.cpu(), lw=1.4)
    ax2.set_title("weighted outputs $w_{2,k}\\, h_k(x)$")
    ax3.scatter(X.squeeze(1).cpu(), y.cpu(), s=8, color="#8a8f98", alpha=0.6)
    ax3.plot(xs, pred.cpu(), color=plot.COLORS[3], lw=2)
    ax3.set_title("sum $+\\, b_2$ = prediction")
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("$x$")
    fig.suptitle(title, color="#8a8f98")
    plt.show()


worst_seed = max(runs, key=lambda s: runs[s][2])
show_units(fits[2], "2 hidden neurons (lowest of 3 starts)")
show_units(runs[0][0], "2 hidden neurons, seed 0 (the first run of part b)")
show_units(runs[worst_seed][0],
           f"2 hidden neurons, seed {worst_seed} (worst run of part b)")

# %%
show_units(fits[3], "3 hidden neurons")

# %%
show_units(fits[10], "10 hidden neurons")

# %% [markdown]
# ### Task 2 e) (optional): Adam instead of BFGS
#
# Same network (10 hidden units), same initialisation (seed 0), full-batch Adam with learning
# rate 0.05 for 1500 steps against our BFGS for at most 300 iterations. One BFGS iteration costs
# one or a few loss evaluations (the line search) plus a $P \times P$ update, an Adam step one
# evaluation.

# %%
def adam(model, X, y, steps=1500, lr=0.05):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()  # 1. reset gradients
        loss = mse(model, X, y)  # 2. forward and loss
        loss.backward()  # 3. backward
        opt.step()  # 4. update
        losses.append(loss.item())
    return losses


m_adam = new_mlp(10, seed=0)
hist_adam = adam(m_adam, X, y)
m_bfgs, hist_bfgs = train(10, seed=0)
mse_table({"10, Adam": m_adam, "10, BFGS": m_bfgs}, label="network, optimizer")

# %%
fig, ax = plt.subplots()
for hist, label in [(hist_adam, "Adam (lr 0.05)"), (hist_bfgs, "BFGS")]:
    plot.plot_loss(hist, ax=ax, label=label, logy=True, xlabel="iteration / step",
                   ylabel="training MSE")
ax.axhline(noise_floor, color="#8a8f98", ls=":", lw=1)
ax.set_title("10 hidden sigmoid units, same start (dotted: noise variance)")
plt.show()

# %% [markdown]
# ### Task 2 e) (optional): ReLU units
#
# *Conjectures first.* A ReLU unit $\max(0, w_{1,k} x + b_{1,k})$ is a hinge: zero on one side
# of $x = -b_{1,k}/w_{1,k}$, linear on the other. The network is then piecewise linear: with 0
# units the line again; with 1 unit a line with one kink (flat on one side); with 2 or 3 units a
# polyline with up to 2 or 3 kinks, so the wave can only be approximated by corners; many units
# give a fine polyline that can follow the noise. A unit whose hinge lies outside the data with
# its flat side towards them outputs 0 for every training point and gets no gradient ("dead").
# And BFGS, which models the loss as locally quadratic, should struggle at the kinks.

# %%
relu_fits = {Z: best_of(Z, "relu") for Z in SIZES}
mse_table(relu_fits)

# %%
show_predictions(relu_fits, "Predictions on the test set (ReLU units, BFGS)")

# %%
show_units(relu_fits[3], "3 ReLU units")

# %% [markdown]
# Part b) again, with ReLU units: two hidden units, ten initialisations. A unit is *dead* if it
# is 0 at every training point; a unit that is on its sloped side at every training point only
# adds a straight line; only a *kinked* unit, whose kink lies among the data, bends the fit.

# %%
relu_runs = {}
for seed in SEEDS:
    m, hist = train(2, seed, "relu")
    active = m.hidden(X)[0].detach() > 0  # (50, 2): unit on its sloped side
    dead = (~active.any(0)).sum().item()  # 0 at every training point: no gradient
    linear = active.all(0).sum().item()  # sloped at every point: only a line
    relu_runs[seed] = (len(hist) - 1, *train_test_mse(m), dead, 2 - dead - linear)
relu_train = torch.tensor([r[1] for r in relu_runs.values()])
relu_test = torch.tensor([r[2] for r in relu_runs.values()])
rows = ["| seed | BFGS iterations | train / test MSE | dead / kinked units |",
        "|---|---|---|---|"]
rows += [f"| {s} | {it} | {fmt(tr)} / {fmt(te)} | {d} / {k} |"
         for s, (it, tr, te, d, k) in relu_runs.items()]
rows.append(f"| std | | {fmt(relu_train.std())} / {fmt(relu_test.std())} | |")
show_markdown("\n".join(rows))

# %% [markdown]
# ### Task 2 e) (optional): more hidden layers
#
# Two and three sigmoid layers (one run each, seed 0), next to the one-layer network with 10
# units from part c):

# %%
deep = {"[10] (from c)": fits[10]}
for widths in ([3, 3], [10, 10], [10, 10, 10]):
    deep[str(widths)] = train(widths, seed=0)[0]
mse_table(deep, label="hidden widths")

# %%
fig, ax = plt.subplots()
show_data(ax)
for i, (name, m) in enumerate(deep.items()):
    show_fit(ax, m, name, color=plot.COLORS[i], lw=1.5)
ax.legend(fontsize=8)
ax.set_title("More layers (sigmoid units, BFGS)")
plt.show()

# %% [markdown]
# ## Check
#
# **BFGS against PyTorch's L-BFGS with full history.** `torch.optim.LBFGS` with `history_size`
# at least the number of parameters keeps every curvature pair, so it builds the same kind of
# inverse-Hessian estimate as BFGS (with a strong-Wolfe line search instead of our backtracking).
# From the same starts, both must reach the same training loss, up to the precision at which they
# stop (gradient entries below $10^{-5}$): the weights can differ more, because the minima lie in
# flat valleys.

# %%
def lbfgs_full_history(model, max_iter=300):
    P = sum(p.numel() for p in model.parameters())
    opt = torch.optim.LBFGS(model.parameters(), max_iter=max_iter, history_size=P,
                            line_search_fn="strong_wolfe", tolerance_grad=1e-5,
                            tolerance_change=1e-12)

    def closure():
        opt.zero_grad()
        loss = mse(model, X, y)
        loss.backward()
        return loss

    opt.step(closure)
    return mse(model, X, y).detach()


for Z, seed in [(1, 0), (2, 0), (2, 1)]:
    ours = torch.tensor(train(Z, seed)[1][-1], dtype=DTYPE, device=device)
    theirs = lbfgs_full_history(new_mlp(Z, seed))
    compare(f"Z={Z} seed={seed}", ours, theirs, atol=1e-5)

# %% [markdown]
# **The line: BFGS against least squares.** With 0 hidden neurons the loss is convex and the
# minimiser has a closed form, the least-squares solution of $[\mathbf{x}\;\mathbf{1}]
# \binom{w}{b} \approx \mathbf{y}$; BFGS must find it.

# %%
A = torch.cat([X, torch.ones_like(X)], dim=1)  # (50, 2)
w_ls, b_ls = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)
compare("w", fits[0].W1.detach().squeeze(), w_ls, atol=1e-5)
compare("b", fits[0].b1.detach().squeeze(), b_ls, atol=1e-5);

# %% [markdown]
# ## Plot
#
# Training and test MSE against the number of hidden units, for sigmoid and ReLU units (the
# tables of parts c and e):

# %%
fig, ax = plt.subplots()
positions = range(len(SIZES))
for i, (name, models) in enumerate([("sigmoid", fits), ("ReLU", relu_fits)]):
    errors = torch.tensor([train_test_mse(models[Z]) for Z in SIZES])  # (7, 2)
    color = plot.COLORS[i]
    ax.plot(positions, errors[:, 0], "o-", color=color, label=f"{name}, train")
    ax.plot(positions, errors[:, 1], "s--", color=color, label=f"{name}, test")
ax.axhline(noise_floor, color="#8a8f98", ls=":", lw=1, label="noise variance")
ax.set_xticks(list(positions), [str(Z) for Z in SIZES])
ax.set_xlabel("hidden units (one hidden layer)")
ax.set_ylabel("MSE")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# **Task 2 a): how would fits with zero, one, two and three hidden neurons look?**
#
# <details><summary>Answer</summary>
#
# The conjectures are written above, before any training. Against the results of part c):
#
# - **0 neurons**: as conjectured, the least-squares line (the Check section confirms that BFGS
#   found exactly the closed-form solution). It follows the trend and misses the wave entirely.
# - **1 neuron**: as conjectured, one S-shaped step with its rise at the central climb and flat
#   plateaus on both sides; much better than the line, but no dip can be made.
# - **2 neurons**: the staircase we expected does occur (seed 0 in part b: a fall on the left,
#   then the central rise), but the best minimum is something we did not anticipate: two
#   sigmoids centred at almost the same place with different steepness and very large output
#   weights that nearly cancel. What is left after the cancellation is an S-curve with an
#   undershoot before and an overshoot after it, which follows the dip–rise–peak in the middle of
#   the data. So two units can produce two bends in a way we had not thought of.
# - **3 neurons**: we expected the outer bends to be captured as well. They are not: the best
#   run keeps the cancelling pair of the 2-neuron solution and spends the third unit on a very
#   steep step that fits a few training points near $x \approx -1$. Training error improves only
#   a little, and the test error does not improve.
#
# </details>
#
# **Task 2 b): train with two hidden neurons. Is the result as expected? Repeat training; what
# happens, and why?**
#
# <details><summary>Answer</summary>
#
# The first run (seed 0) looks as conjectured for two units: two smooth steps, a fall on the left
# and the central rise, with the right half of the data approximated by a plateau. Its training
# and test MSE (printed above) lie between those of the one-unit network and of the best two-unit
# fit (table of part c).
#
# Repeating the training from other random initialisations gives different results (table and
# plot above): most runs reach the same lowest training loss, the others stop in clearly worse
# places: the staircase of seed 0; the bump of the conjecture (flat on the left, the central rise,
# then a fall on the right); and, the worst run, a fit with a tall narrow spike between two
# training points (its units are drawn in part d), whose training MSE is poor and whose test MSE
# is far worse.
# Reasons:
#
# - **The loss is not convex in the weights.** It has several local minima (and saddle points);
#   BFGS, like every local method, goes down into the basin it starts in. Swapping the two units
#   gives the same function, so even the best minimum comes in symmetric copies.
# - **Saturation.** Once a unit's input weight is large, its sigmoid is a sharp step: flat (0 or 1)
#   at all training points but the few near its centre, so $\sigma'$ is about 0 there and the
#   gradient with respect to that unit's weights almost vanishes. The unit is frozen where it is,
#   which makes flat regions and poor minima in which the gradient test stops BFGS. The spike of
#   the worst run is made of two such steep units; it sits between training points, so the
#   training loss does not see it, but test points near it do.
# - **A flat valley.** The best solution uses weights in the hundreds (last column): the
#   cancelling pair works better the larger the weights, so the loss keeps falling very slowly
#   along a long valley. Those runs use all 300 iterations, while the poor minima are reached,
#   and the run stopped, much earlier.
#
# In practice one therefore trains several times from different starts and keeps the run with the
# lowest training (or validation) loss, as we do in part c).
#
# </details>
#
# **Task 2 c): what happens as the number of hidden neurons increases? Is this what you expected?**
#
# <details><summary>Answer</summary>
#
# The training MSE goes down as units are added; from 10 units on it is at or below the noise
# variance, i.e. the networks begin to fit the noise. The test MSE first falls steeply (0 → 1 → 2
# units: the model is no longer too simple), then stops improving: the 10-unit network is worse
# than the 2-unit one on test data, and its prediction shows wiggles near $x \approx -1$ that chase
# individual training points. This is the expected picture of **underfitting** for few units and
# **overfitting** for many: more capacity always lowers the training error, but beyond a point
# the extra flexibility is spent on noise.
#
# Two observations go beyond the textbook picture. First, the iteration cap acts as a
# regulariser: continuing the 10-unit training for 1200 more iterations lowers the training MSE
# further and makes the test MSE explode, because a steep spike grows between training points.
# Second, the 50- and 100-unit networks are *not* worse than the 10-unit one; their fits are
# smoother. With many units, each unit carries a small part of the function, and in 300
# iterations BFGS does not drive so many parameters to the extreme values a spike needs (the same
# effect, much amplified, is behind "double descent" in large networks). How large a network
# overfits therefore depends on how long and how well it is trained, not only on its size.
#
# </details>
#
# **Task 2 d): how does the FNN obtain its flexibility? Is the distributed representation
# intuitive?**
#
# <details><summary>Answer</summary>
#
# Each hidden unit contributes one smooth step whose position ($-b_{1,k}/w_{1,k}$), steepness
# ($|w_{1,k}|$) and direction are learned; the output layer scales each step by $w_{2,k}$ (any
# sign, any size) and adds them up. Sums of enough such steps can approximate any continuous
# function on an interval (the universal approximation theorem), and the three panels show exactly
# this sum being formed.
#
# The representation is **not intuitive**. The units do not split the curve into "one bend per
# unit". The best 2-unit network represents the central wave as the small difference of two huge,
# almost cancelling sigmoids. In the 3-unit network one unit is a nearly vertical step used for a
# handful of points. In the 10-unit network several units are near duplicates, some pairs cancel
# with large opposite weights, some barely contribute. And runs that reach the same loss do it with
# different weights (the largest-weight column of part b). The information about $x$ is spread over all units
# at once (distributed); no single unit has a meaning of its own, only their weighted sum does.
#
# </details>
#
# **Task 2 e) (optional): other optimizers, ReLU units, more layers. Discuss.**
#
# <details><summary>Answer</summary>
#
# **Adam vs BFGS.** From the same start, Adam after 1500 steps is still above the training loss
# BFGS reached in at most 300 iterations, and its curve flattens into a slow decline. The
# problem is badly conditioned (steep and flat units make curvatures that differ by orders of
# magnitude); Adam's per-parameter scaling helps, but a fixed learning rate must suit the
# steepest direction, whereas BFGS's inverse-Hessian estimate rescales every direction. On test
# data the two end up close. BFGS wins on small, smooth, full-batch problems; it loses on real
# deep-learning problems because it needs the full-batch gradient and a $P 	imes P$ matrix
# ($P$ in the millions), which is why Adam and SGD are the defaults there.
#
# **ReLU units.** The conjectures hold: every fit is a polyline (the 3-unit network shows three
# hinges). With 1 and 2 units, BFGS barely improves on the straight line, and over ten seeds the
# 2-unit ReLU network spreads more than the sigmoid one: some runs end with a dead unit, others
# with hinges in useless places, and the iteration counts show BFGS stopping after few iterations.
# The loss has kinks wherever a training point crosses a hinge; there the gradient jumps, the
# quadratic model behind BFGS is wrong and the line search finds no progress. With many units
# these problems average out: the 50- and 100-unit ReLU networks have the lowest test MSE of all
# one-layer networks in our tables (see the plot above).
#
# **More layers.** With two sigmoid layers, even the small `[3, 3]` network (fewer parameters
# than one layer of 10) reaches a lower test MSE than any one-layer sigmoid network of part c),
# and its fit is smooth. The second layer combines steps into bumps, so composed layers describe a
# wavy curve with fewer parameters than a sum of steps. These are single runs, so the ranking
# among the deeper networks is not reliable; with more layers training also gets harder in
# general (vanishing gradients through saturated sigmoids), which is not visible at this size.
#
# </details>

# %% [markdown]
# ## Summary
#
# - A one-hidden-layer sigmoid network in 1-D is a constant plus a weighted sum of smooth steps;
#   0 units give a line, each further unit one more step. Trained networks do not use the units
#   the way one would by hand: large cancelling weights and very steep steps are common.
# - BFGS fits a dense inverse-Hessian estimate from steps and gradient changes; in torch it is a
#   few lines, and it agrees with `torch.optim.LBFGS` with full history.
# - The loss is not convex: repeated runs end in different minima, and saturated units freeze.
#   Train from several starts and keep the best training (or validation) loss.
# - More hidden units lower the training error; the test error first falls, then the network
#   starts fitting noise. How far it overfits also depends on how long it is trained.
# - ReLU networks are piecewise linear and give BFGS a non-smooth loss; extra layers reached a
#   good fit with fewer parameters here. Adam is slower than BFGS on this tiny problem but scales
#   to real ones.
