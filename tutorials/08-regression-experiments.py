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
# **Sheets:** Deep Learning (FSS24, University of Mannheim), Assignment 1 "Neural
# Networks", task 2 "Experiment with MLPs", a)–e) (e is optional; it is done here too).
#
# **What you need:** the hand-built `MLP` of [An MLP without torch.nn
# layers](07-mlp-from-scratch.py), now imported as `labkit.mlp.MLP`; the sigmoid
# ([Activation functions](02-activations.py)); the idea of minimising a loss with its
# gradient ([Linear and logistic regression](05-linear-logistic-regression.py)). No NumPy
# and no SciPy: the sheet trains with SciPy's BFGS, and we write BFGS in a few lines of
# torch instead. Symbols and shapes follow the [notation](../../part-2/notation/) page.
#
# **About the data.** The course's data set $\mathcal{D}_1$ (`X1`, `y1`, `X1test`,
# `y1test`) is not available to us. We use `labkit.datasets.regression_1d` in its place:
# 50 training and 200 test points with $x$ uniform on $[-3, 3]$ and targets
# $y = \sin(2x) + 0.5\,x + \varepsilon$, $\varepsilon \sim \mathcal{N}(0, 0.3^2)$. Like
# $\mathcal{D}_1$ it is a 1-D curve with a few bends that two or three sigmoid units can
# follow only in part. Numbers and curves will differ from the course's; the phenomena
# the questions ask about are the same.
#
# ## What you will learn
#
# - what a network with $Z$ sigmoid hidden units can represent in 1-D: a sum of $Z$
#   smooth steps plus a constant (task 2a);
# - how BFGS works and how to write it in torch (the sheet's SciPy optimizer), and why
#   training the same small network twice gives different fits (task 2b);
# - how training and test error move as the hidden layer grows from 1 to 100 units
#   (task 2c);
# - how the hidden units share the work: the distributed representation and the weighted
#   sum that gives the network its flexibility (task 2d);
# - how Adam, ReLU units and extra layers change the picture (task 2e).
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [2a Conjectures](#task-2a-conjectures-before-training) | conjectures | — |
# | [2b Two hidden neurons](#task-2b-two-hidden-neurons) | `model_mse`, `bfgs_update` | 2 |
# | [2c From 1 to 100 neurons](#task-2c-from-1-to-100-hidden-neurons) | a table, a plot | — |
# | [2d The hidden units](#task-2d-what-the-hidden-units-compute) | `weighted_hidden` | 1 |
# | [2e Adam, ReLU, depth](#task-2e-optional-adam-relu-units-more-layers) | `train_adam` | 1 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import copy

import matplotlib.pyplot as plt
import torch

from torch.nn.utils import parameters_to_vector, vector_to_parameters

from labkit import compare, get_device, layers, plot, seed_everything, selfcheck
from labkit.datasets import regression_1d, regression_1d_target
from labkit.display import answer, show_markdown, table
from labkit.mlp import MLP

plot.use_style()
seed_everything(0)
device = get_device()
DTYPE = torch.float64  # BFGS's curvature estimates need more than float32 offers

# %% [markdown]
# ## Task 2a: conjectures before training
#
# *Look at the training data and conjecture how a fit for an FNN with zero, one, two,
# and three hidden neurons would look like.*

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
LINE_COLORS = [c for i, c in enumerate(plot.COLORS) if i != 6]  # cyan marks test data


def show_data(ax):
    ax.scatter(X_test.squeeze(1).cpu(), y_test.cpu(), s=8, color=plot.COLORS[6],
               alpha=0.5, label="test data", zorder=1)
    ax.scatter(X.squeeze(1).cpu(), y.cpu(), s=18, color=plot.INK,
               label="training data", zorder=2)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")


fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
show_data(ax)
ax.set_title("the regression data")
ax.legend()
plt.show()

# %% [markdown]
# **What the networks compute.** The sheet's FNN has one input, one hidden layer of $Z$
# sigmoid units and a linear output:
#
# $$
# \begin{aligned}
# f(x) &= b_2 + \sum_{k=1}^{Z} w_{2,k}\, h_k(x), \\
# h_k(x) &= \sigma(w_{1,k}\, x + b_{1,k}).
# \end{aligned}
# $$
#
# Each hidden unit $h_k$ is a smooth step from 0 to 1, centred at
# $x = -b_{1,k}/w_{1,k}$, rising (if $w_{1,k} > 0$) or falling, steep when $|w_{1,k}|$
# is large. The output adds the steps with heights $w_{2,k}$ (which may be negative). So:
#
# - $Z = 0$: no hidden layer, $f(x) = w x + b$, a straight line (linear regression);
# - $Z = 1$: one step, a monotone S-curve between two plateaus;
# - $Z = 2$: two steps: two bends in the same direction if the heights have the same
#   sign, or one bump (up, then down) if they have opposite signs;
# - $Z$ units: up to $Z$ bends, with $3Z + 1$ parameters.
#
# We fit the parameters $\boldsymbol\theta$ by minimising the mean squared error on the
# $N$ training points,
#
# $$
# L(\boldsymbol\theta) = \frac{1}{N} \sum_{n=1}^{N}
#   \bigl(y_n - f(x_n; \boldsymbol\theta)\bigr)^2 .
# $$
#
# Because the noise has variance $0.3^2 = 0.09$, even the true curve has an expected MSE
# of about 0.09 on fresh data: a test MSE near that *noise floor* is as good as it gets,
# and a training MSE well below it means the network has fitted noise.
#
# **Conjectures, written before any training.** The training data rise overall from
# lower left to upper right, with a wave on top: from the left they go up, down, up, down
# and up again (four bends in $[-3, 3]$). From the formula above:
#
# - **0 hidden neurons**: the least-squares straight line through the cloud, following
#   the overall upward trend and ignoring the wave.
# - **1 hidden neuron**: a single S-shaped step: low plateau on the left, high plateau on
#   the right, the rise placed where the data climb most steeply, in the middle. It should
#   beat the line a little by flattening at the ends, but cannot produce a single dip.
# - **2 hidden neurons**: two steps, either two rises or a rise and a fall (one bump). The
#   middle climb plus one of the outer bends seems the best it can do; which bend it takes
#   may depend on the start.
# - **3 hidden neurons**: three bends, enough to follow the central rise and both outer
#   bends roughly: a clearly better fit, though still short of the four bends the data
#   show.

# %% tags=["hide-input"]
answer(
    r"The conjectures above are the answer: they are written before any network is "
    r"trained, from the data and from what $Z$ sigmoid steps can draw. Task 2c trains "
    r"these networks (and larger ones) and its answer sets the fits against these "
    r"conjectures.",
)

# %% [markdown]
# ## Task 2b: two hidden neurons
#
# *Train an FNN with two hidden neurons with BFGS, determine the mean squared error (MSE)
# on the training and the test data, and plot. Is the result as you expected? Now repeat
# training multiple times. What happens? Explain.*
#
# ### Your turn: the MSE of a model
#
# `model(X)` has shape `(N, 1)`, one output per row; the targets `y` have shape `(N,)`.

# %%
def model_mse(model, X, y):
    """Mean of (model(x_n) − y_n)² over the rows x_n of X: (N, 1); y: (N,). Shape ()."""
    ### BEGIN SOLUTION
    return ((model(X).squeeze(1) - y) ** 2).mean()
    ### END SOLUTION


# %%
model_mse = selfcheck.check("model_mse", model_mse)

# %% [markdown]
# ### BFGS
#
# Newton's method steps $\boldsymbol\theta \leftarrow \boldsymbol\theta - \mathbf{H}
# \nabla L$ with $\mathbf{H}$ the inverse Hessian. BFGS does not compute the Hessian; it
# keeps an estimate $\mathbf{H}_k$ of its inverse and improves it after each step from
# what the step revealed. With the step $\mathbf{s}_k = \boldsymbol\theta_{k+1} -
# \boldsymbol\theta_k$ and the change of gradient $\mathbf{r}_k =
# \nabla L(\boldsymbol\theta_{k+1}) - \nabla L(\boldsymbol\theta_k)$ (the literature
# calls it $\mathbf{y}_k$; we keep $y$ for targets), the update is the smallest change of
# $\mathbf{H}_k$ that keeps it symmetric and satisfies the secant condition
# $\mathbf{H}_{k+1}\mathbf{r}_k = \mathbf{s}_k$:
#
# $$
# \begin{aligned}
# \mathbf{H}_{k+1} &= (\mathbf{I} - \rho_k \mathbf{s}_k \mathbf{r}_k^\top)\, \mathbf{H}_k\,
#   (\mathbf{I} - \rho_k \mathbf{r}_k \mathbf{s}_k^\top)
#   + \rho_k \mathbf{s}_k \mathbf{s}_k^\top, \\
# \rho_k &= \frac{1}{\mathbf{r}_k^\top \mathbf{s}_k}.
# \end{aligned}
# $$
#
# Multiplied out, with $\mathbf{u}_k = \mathbf{H}_k \mathbf{r}_k$ (cheaper: two outer
# products instead of two matrix products):
#
# $$
# \begin{aligned}
# \mathbf{H}_{k+1} = \mathbf{H}_k
#   &- \rho_k \bigl(\mathbf{s}_k \mathbf{u}_k^\top + \mathbf{u}_k \mathbf{s}_k^\top\bigr) \\
#   &+ \rho_k \bigl(1 + \rho_k\, \mathbf{r}_k^\top \mathbf{u}_k\bigr)\,
#   \mathbf{s}_k \mathbf{s}_k^\top .
# \end{aligned}
# $$
#
# Each iteration: direction $\mathbf{d}_k = -\mathbf{H}_k \nabla L$; a line search for a
# step length $t$ (we halve $t$ from 1 until the loss drops by at least
# $10^{-4}\, t\, |\nabla L^\top \mathbf{d}_k|$, the Armijo condition); then the update,
# skipped in the rare case $\mathbf{r}_k^\top\mathbf{s}_k \le 0$ where it would destroy
# positive definiteness (SciPy's Wolfe line search rules that case out).
# $\mathbf{H}_0 = \mathbf{I}$, rescaled after the first step by
# $\mathbf{r}_0^\top\mathbf{s}_0 / \mathbf{r}_0^\top\mathbf{r}_0$. We stop when every
# gradient entry is below $10^{-5}$ (SciPy's default `gtol`), when a step no longer
# lowers the loss (at the precision of float64), or after a fixed number of iterations.
# With at most a few hundred parameters the dense $\mathbf{H}$ is tiny.
#
# ### Your turn: the BFGS update

# %%
def bfgs_update(H, s, r):
    """H_{k+1} from H: (P, P), the step s: (P,) and the gradient change r: (P,)."""
    ### BEGIN SOLUTION
    rho = 1 / (r @ s)
    u = H @ r  # (P,)
    return (H - rho * (torch.outer(s, u) + torch.outer(u, s))
            + rho * (1 + rho * (r @ u)) * torch.outer(s, s))
    ### END SOLUTION


# %%
bfgs_update = selfcheck.check("bfgs_update", bfgs_update)

# %% [markdown]
# The optimizer works on one flat parameter vector $\boldsymbol\theta$:
# `torch.nn.utils.parameters_to_vector` and `vector_to_parameters` convert between it and
# the model's parameters, and `loss_and_grad` evaluates $L$ and $\nabla L$ with autograd. The three numbered steps of `bfgs` are the three steps
# above. The networks are `labkit.mlp.MLP`s with torch's own `torch.sigmoid` (or
# `torch.relu`) as activation: the same function as `labkit.activations.sigmoid`, in one
# kernel, which matters because this page evaluates networks about 15,000 times.

# %%
def loss_and_grad(model, params, X, y, theta):
    vector_to_parameters(theta, params)  # the parameters become views into theta
    loss = model_mse(model, X, y)
    grads = torch.autograd.grad(loss, params)
    return loss.detach(), torch.cat([g.reshape(-1) for g in grads])  # (), (P,)


def bfgs(model, X, y, max_iter=300, gtol=1e-5):
    """Minimise the MSE of model on (X, y) with BFGS; return the loss history."""
    params = list(model.parameters())
    theta = parameters_to_vector(params).detach()  # (P,)
    f, g = loss_and_grad(model, params, X, y, theta)
    H = torch.eye(len(theta), dtype=theta.dtype, device=theta.device)  # (P, P)
    losses = [f.item()]
    for k in range(max_iter):
        if g.abs().max() < gtol:
            break
        d = -H @ g  # 1. quasi-Newton direction
        t = 1.0  # 2. backtracking line search until the Armijo condition holds
        f_new, g_new = loss_and_grad(model, params, X, y, theta + d)
        while f_new > f + 1e-4 * t * (g @ d) and t > 1e-10:
            t /= 2
            f_new, g_new = loss_and_grad(model, params, X, y, theta + t * d)
        if t <= 1e-10 or f - f_new <= 1e-12 * f:  # no progress: rounding, ReLU kink
            break
        s, r = t * d, g_new - g  # 3. BFGS update of H from step and gradient change
        if r @ s > 1e-12:
            if k == 0:
                H = H * (r @ s) / (r @ r)
            H = bfgs_update(H, s, r)
        theta, f, g = theta + s, f_new, g_new
        losses.append(f.item())
    vector_to_parameters(theta, params)
    return losses


FUSED = {"sigmoid": torch.sigmoid, "relu": torch.relu}


def new_mlp(num_hiddens, seed, activation="sigmoid"):
    gen = torch.Generator().manual_seed(seed)
    act = FUSED[activation]  # the same function as labkit.activations', one kernel
    return MLP(1, num_hiddens, 1, act, generator=gen).to(device, DTYPE)


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
        return model_mse(model, X, y).item(), model_mse(model, X_test, y_test).item()


x_grid = torch.linspace(-3, 3, 300, device=device, dtype=DTYPE)[:, None]  # (300, 1)


def show_fit(ax, model, label, **kwargs):
    with torch.no_grad():
        pred = model(x_grid).squeeze(1)  # (300,)
    ax.plot(x_grid.squeeze(1).cpu(), pred.cpu(), label=label, **kwargs)


# %% [markdown]
# **Is BFGS right?** With 0 hidden neurons the loss is convex and its minimiser has a
# closed form, the least-squares solution of $[\mathbf{x}\;\mathbf{1}]
# \binom{w}{b} \approx \mathbf{y}$; BFGS must find it.

# %%
line, _ = train(0, seed=0)
A = torch.cat([X, torch.ones_like(X)], dim=1)  # (50, 2)
w_ls, b_ls = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)
compare("w", line.W1.detach().squeeze(), w_ls, atol=1e-5)
_ = compare("b", line.b1.detach().squeeze(), b_ls, atol=1e-5)

# %% [markdown]
# **Two hidden neurons**, trained once (seed 0):

# %%
model, losses = train(2, seed=0)
train0, test0 = train_test_mse(model)
print(f"{len(losses) - 1} BFGS iterations")
print(f"training MSE {losses[0]:.4f} -> {losses[-1]:.4f}")
print(f"train MSE {train0:.4f}, test MSE {test0:.4f}")

fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
show_data(ax)
show_fit(ax, model, "2 hidden neurons (seed 0)", color=plot.COLORS[0])
ax.set_title("two hidden neurons, one run")
ax.legend()
plt.show()

# %% [markdown]
# Now the same training from ten random initialisations (seeds 0–9). The last column is
# the largest absolute weight of the trained network, which tells saturated or cancelling
# units apart from moderate ones:

# %%
SEEDS = range(10)
runs = {}
for seed in SEEDS:
    m, hist = train(2, seed)
    largest = max(p.abs().max().item() for p in m.parameters())
    runs[seed] = (m, len(hist) - 1, *train_test_mse(m), largest)
train_mses = torch.tensor([r[2] for r in runs.values()])
test_mses = torch.tensor([r[3] for r in runs.values()])
rows = [[str(s), it, tr, te, w] for s, (_, it, tr, te, w) in runs.items()]
header = ["seed", "BFGS iterations", "train MSE", "test MSE", "largest weight"]
show_markdown(table(header, rows))

# %% [markdown]
# The runs end in a handful of different places. Drawing all ten fits shows which
# (solid: runs within 1 % of the lowest training loss; dashed: the others):

# %%
best_train = train_mses.min().item()
near_best = [s for s in SEEDS if runs[s][2] <= 1.01 * best_train]
worst_seed = max(runs, key=lambda s: runs[s][2])
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
show_data(ax)
for seed, (m, *_) in runs.items():
    good = seed in near_best
    show_fit(ax, m, None, color=plot.COLORS[0] if good else plot.COLORS[1],
             ls="-" if good else "--", lw=1.5)
ax.plot([], [], color=plot.COLORS[0], label="lowest minimum")
ax.plot([], [], color=plot.COLORS[1], ls="--", label="other minima")
ax.legend()
ax.set_title("2 hidden neurons, 10 initialisations")
plt.show()

# %% [markdown]
# **Our BFGS against PyTorch's L-BFGS.** `torch.optim.LBFGS` keeps the last
# `history_size` curvature pairs $(\mathbf{s}_k, \mathbf{r}_k)$, one per iteration. With
# `history_size` at least `max_iter` it forgets none of them, so it builds its
# inverse-Hessian estimate from the same information as BFGS. It is still not the same
# algorithm: it rescales its starting matrix at every iteration (BFGS once) and searches
# the step length with the strong Wolfe conditions (we backtrack). From the same starts,
# where do the two end?

# %%
def lbfgs(model, max_iter=300):
    opt = torch.optim.LBFGS(model.parameters(), max_iter=max_iter,
                            history_size=max_iter,  # keep every curvature pair
                            line_search_fn="strong_wolfe", tolerance_grad=1e-5,
                            tolerance_change=1e-12)

    def closure():
        opt.zero_grad()
        loss = model_mse(model, X, y)
        loss.backward()
        return loss

    opt.step(closure)
    return opt.state[next(model.parameters())]["n_iter"]  # iterations it took


lbfgs_rows = []
for seed in range(4):
    m = new_mlp(2, seed)
    iters = lbfgs(m)
    ours, theirs = runs[seed][2], train_test_mse(m)[0]
    lbfgs_rows.append([str(seed), runs[seed][1], ours, iters, theirs,
                       abs(ours - theirs)])
show_markdown(table(["seed", "BFGS iterations", "BFGS train MSE", "L-BFGS iterations",
                     "L-BFGS train MSE", "difference"], lbfgs_rows))

# %% tags=["hide-input"]
def centres(m):
    """Where each hidden unit's step sits, -b_1k / w_1k (one input: W1 is (Z, 1))."""
    return (-m.b1 / m.W1[:, 0]).detach()


others = [s for s in SEEDS if s not in near_best]
best_weights = torch.tensor([runs[s][4] for s in near_best])
lbfgs_apart = [r[0] for r in lbfgs_rows if r[5] > 1e-4]
n_agree = len(lbfgs_rows) - len(lbfgs_apart)
lbfgs_phrase = (f"in {n_agree} of them and in a different minimum for seed "
                f"{', '.join(lbfgs_apart)}" if lbfgs_apart else "in all of them")
n_capped = sum(runs[s][1] == 300 for s in near_best)
capped = "all of them" if n_capped == len(near_best) else f"{n_capped} of them"
c0 = centres(runs[0][0])
answer(
    r"The first run (seed 0) stops after @it0 BFGS iterations with training MSE @tr0 "
    r"and test MSE @te0. It looks like one of the conjectures for two units: a fall at "
    r"$x \approx @c0a$ and the central rise at $x \approx @c0b$ (the centres "
    r"$-b_{1,k}/w_{1,k}$ of the two steps), with a plateau over the right half of the "
    r"data, which bends down again." "\n\n"
    r"Repeating the training from other random starts gives different results. @nb of "
    r"the ten runs end within 1 % of the lowest training MSE, @best (test MSE @bt); "
    r"the other @no (seeds @os) stop in clearly worse places, the worst (seed @ws) at "
    r"training MSE @wtr and test MSE @wte, with a tall narrow spike between two "
    r"training points (its units are drawn in task 2d). PyTorch's L-BFGS, from the "
    r"same four starts, ends where our BFGS ends @lb: on a non-convex loss two correct "
    r"optimizers need not find the same minimum. Reasons:" "\n\n"
    r"- **The loss is not convex in the weights.** It has several local minima (and "
    r"saddle points); BFGS, like every local method, goes down into the basin it "
    r"starts in. Swapping the two units gives the same function, so even the best "
    r"minimum comes in symmetric copies." "\n"
    r"- **Saturation.** Once a unit's input weight is large, its sigmoid is a sharp "
    r"step: flat (0 or 1) at all training points but the few near its centre, so "
    r"$\sigma'$ is about 0 there and the gradient with respect to that unit's weights "
    r"almost vanishes. The unit is frozen where it is, which makes flat regions and "
    r"poor minima in which the gradient test stops BFGS early. The spike of the worst "
    r"run is made of two such steep units; it sits between training points, so the "
    r"training loss barely sees it, but test points near it do." "\n"
    r"- **A flat valley.** The best runs end with weights between @wlo and @whi (last "
    r"column of the table), and @capped use the full 300 iterations, while the others "
    r"stop after at most @oit: along the valley of the best minimum the loss keeps "
    r"falling very slowly as the weights grow." "\n\n"
    r"In practice one therefore trains several times from different starts and keeps "
    r"the run with the lowest training (or validation) loss, as task 2c does.",
    it0=runs[0][1], tr0=train0, te0=test0, c0a=c0[0], c0b=c0[1], nb=len(near_best),
    best=best_train, bt=runs[near_best[0]][3], no=len(others),
    os=", ".join(map(str, others)), ws=worst_seed, wtr=runs[worst_seed][2],
    wte=runs[worst_seed][3], lb=lbfgs_phrase, capped=capped, wlo=best_weights.min(),
    whi=best_weights.max(), oit=max(runs[s][1] for s in others),
)

# %% [markdown]
# ## Task 2c: from 1 to 100 hidden neurons
#
# *Train an FNN with 1, 2, 3, 10, 50, and 100 hidden neurons. In each case, determine the
# MSE on the training and the test dataset. Then plot the dataset as well as the
# predictions of each FNN on the test set into a single plot. What happens when the
# number of hidden neurons increases? Is this what you expected? Discuss!*
#
# Task 2b showed that a single run can end in a poor local minimum. So for each size we
# train from three initialisations (seeds 0–2) and keep the run with the lowest
# *training* loss; the test set plays no part in the choice. We add 0 hidden neurons
# (the straight line). BFGS stops after 300 iterations at the latest.

# %%
def best_of(num_hiddens, activation="sigmoid", restarts=3):
    models = [train(num_hiddens, seed, activation)[0] for seed in range(restarts)]
    return min(models, key=lambda m: train_test_mse(m)[0])


def mse_rows(models):
    rows = []
    for name, m in models.items():
        P = sum(p.numel() for p in m.parameters())
        rows.append([str(name), P, *train_test_mse(m)])
    return rows


def mse_table(models, label="hidden neurons"):
    rows = mse_rows(models) + [["true curve", "", "", true_test_mse]]
    show_markdown(table([label, "parameters", "train MSE", "test MSE"], rows,
                        align="lrrr"))


SIZES = [0, 1, 2, 3, 10, 50, 100]
fits = {Z: best_of(Z) for Z in SIZES}
mse_table(fits)

# %% [markdown]
# All predictions on the test inputs, with the data, in one plot:

# %%
def show_predictions(models, title):
    fig, ax = plt.subplots(figsize=(plot.WIDTH, 4.2))
    show_data(ax)
    order = X_test.squeeze(1).argsort()
    for i, (Z, m) in enumerate(models.items()):
        with torch.no_grad():
            pred = m(X_test).squeeze(1)  # (200,)
        ax.plot(X_test.squeeze(1)[order].cpu(), pred[order].cpu(),
                color=LINE_COLORS[i % 7], lw=1.6, label=f"{Z} hidden")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=5)
    ax.set_title(title)
    plt.show()


show_predictions(fits, "predictions on the test set (sigmoid units, BFGS)")

# %% [markdown]
# Training and test MSE against the number of hidden units:

# %%
def show_mse_curves(families, title):
    fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
    positions = range(len(SIZES))
    for i, (name, models) in enumerate(families):
        errors = torch.tensor([train_test_mse(models[Z]) for Z in SIZES])  # (7, 2)
        color = LINE_COLORS[i]
        ax.plot(positions, errors[:, 0], "o-", color=color, label=f"{name}, train")
        ax.plot(positions, errors[:, 1], "s--", color=color, label=f"{name}, test")
    ax.axhline(noise_floor, color=plot.INK, ls=":", lw=1, label="noise variance")
    ax.set_xticks(list(positions), [str(Z) for Z in SIZES])
    ax.set_xlabel("hidden units (one hidden layer)")
    ax.set_ylabel("MSE")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    plt.show()


show_mse_curves([("sigmoid", fits)], "MSE against the number of hidden units")

# %% [markdown]
# The iteration cap matters for the large networks: BFGS had not converged for them.
# Letting the chosen 10-unit network continue for 1200 more iterations:

# %%
m10_long = copy.deepcopy(fits[10])
extra = bfgs(m10_long, X, y, max_iter=1200)
total10 = len(train(10, 0)[1]) - 1 + len(extra) - 1
mse_table({"10, 300 iterations": fits[10], f"10, {total10} iterations": m10_long},
          label="network")

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
show_data(ax)
show_fit(ax, fits[10], "300 iterations", color=plot.COLORS[0], lw=1.5)
show_fit(ax, m10_long, "trained longer", color=plot.COLORS[3], lw=1.5)
ax.set_ylim(-2.5, 2.5)
ax.legend()
ax.set_title("10 hidden neurons, trained longer")
plt.show()

# %% tags=["hide-input"]
tr = {Z: train_test_mse(m)[0] for Z, m in fits.items()}
te = {Z: train_test_mse(m)[1] for Z, m in fits.items()}
long_tr, long_te = train_test_mse(m10_long)
best_te = min(te, key=te.get)
steep = centres(fits[3])[fits[3].W1[:, 0].abs().argmax()]  # the steepest unit of 3
falls = all(tr[a] >= tr[b] for a, b in zip(SIZES, SIZES[1:]))
beyond_10 = (
    "It keeps falling as units are added" if falls else
    "It does not keep falling as units are added"
) + (f": the 50-unit network ends at {tr[50]:.4f}, "
     f"{'above' if tr[50] > tr[10] else 'below'} the 10-unit one, and the 100-unit "
     f"network at {tr[100]:.4f}.")
smoother = te[50] < te[10] and te[100] < te[10]
second = (
    r"Second, the 50- and 100-unit networks, stopped after 300 iterations like the "
    r"others, fit the test data better than the 10-unit one (@te50 and @te100 against "
    r"@te10) although their training MSE is about the same; their fits are smoother. A "
    r"plausible reason: with many units each unit carries a small part of the "
    r"function, and 300 iterations do not drive so many parameters to the extreme "
    r"values a spike needs. "
) if smoother else ""
answer(
    r"**The numbers.** The training MSE falls steeply from @tr0 (0 units, the line) to "
    r"@tr1, @tr2 and @tr3 (1, 2 and 3 units) and reaches @tr10 with 10 units, @side10 "
    r"the noise variance 0.09. @beyond The test MSE falls from @te0 to @te2 with 2 "
    r"units, is @te3 with 3 and @te10 with 10 units, and is lowest with @bz units "
    r"(@bte); the true curve itself scores @tc." "\n\n"
    r"**Against the conjectures of task 2a.** 0 units: the least-squares line, as "
    r"conjectured (task 2b checked that BFGS finds it exactly); it follows the trend "
    r"and misses the wave. 1 unit: one S-shaped step with its rise at the central "
    r"climb and flat plateaus on both sides; its training MSE is @r1 % of the line's. "
    r"2 units: better than conjectured: not one bend plus the central rise, but the "
    r"dip, the rise and the peak in the middle of the data, made by two almost "
    r"cancelling units (task 2d). 3 units: the outer bends we expected are not there; "
    r"the third unit is spent on a very steep step at $x \approx @steep$ (task 2d), "
    r"and the test MSE goes from @te2 to @te3." "\n\n"
    r"**Is this what one expects?** In part: few units underfit, and 10 units bend the "
    r"fit towards single training points (around $x \approx -1$ in the plot), the "
    r"textbook picture of over- and underfitting. Two observations go beyond it. "
    r"First, the iteration cap matters: continuing the 10-unit training to @n10 "
    r"iterations takes its training MSE from @tr10 to @ltr and its test MSE from @te10 "
    r"to @lte, as"
    r" steep spikes grow between training points. " + second +
    r"How much a network overfits therefore depends on how long and how well it is "
    r"trained, not only on its size.",
    tr0=tr[0], tr1=tr[1], tr2=tr[2], tr3=tr[3], tr10=tr[10],
    side10="below" if tr[10] < noise_floor else "above", beyond=beyond_10,
    te0=te[0], te2=te[2], te3=te[3], te10=te[10], bz=best_te, bte=te[best_te],
    tc=true_test_mse, r1=round(100 * tr[1] / tr[0]), steep=steep, n10=total10,
    ltr=long_tr, lte=long_te,
    **(dict(te50=te[50], te100=te[100]) if smoother else {}),
)

# %% [markdown]
# ## Task 2d: what the hidden units compute
#
# *Train a FNN with 2 hidden neurons and visualize the output of the hidden neurons
# (distributed representation / embedding), then the output of the hidden neurons scaled
# by the weight of their respective connection to the output. Repeat with 3, then 10
# hidden neurons. Try to explain how the FNN obtains its flexibility. Is the distributed
# representation intuitive?*
#
# For a trained network we plot each hidden unit's output $h_k(x)$ (the distributed
# representation of $x$, $Z$ numbers per input), then the same outputs scaled by their
# output weights, $w_{2,k}\, h_k(x)$, and finally their sum plus $b_2$, which is the
# prediction. `MLP.hidden(X)` returns the hidden layers' outputs, a list with one
# `(N, Z)` tensor here; the output weights are `W2`, of shape `(1, Z)`.
#
# ### Your turn

# %%
def weighted_hidden(model, X):
    """Column k is w_{2,k} h_k(x) for each row x of X: (N, 1) -> (N, Z)."""
    ### BEGIN SOLUTION
    H = model.hidden(X)[0]  # (N, Z)
    return H * model.W2[0]  # (N, Z): broadcasting over the rows
    ### END SOLUTION


# %%
weighted_hidden = selfcheck.check("weighted_hidden", weighted_hidden)
with torch.no_grad():
    summed = weighted_hidden(fits[10], X).sum(1) + fits[10].b2  # (50,)
_ = compare("sum + b2 = f(x)", summed, fits[10](X).squeeze(1).detach(), atol=1e-12)


# %%
def show_units(model, title):
    with torch.no_grad():
        H = model.hidden(x_grid)[0]  # (300, Z)
        weighted = weighted_hidden(model, x_grid)  # (300, Z)
        pred = weighted.sum(1) + model.b2  # (300,)
    xs = x_grid.squeeze(1).cpu()
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.6))
    ax1.plot(xs, H.cpu(), lw=1.4)
    ax1.set_title("$h_k(x)$")
    ax2.plot(xs, weighted.cpu(), lw=1.4)
    ax2.set_title(r"$w_{2,k}\, h_k(x)$")
    ax3.scatter(X.squeeze(1).cpu(), y.cpu(), s=8, color=plot.INK, alpha=0.6)
    ax3.plot(xs, pred.cpu(), color=plot.COLORS[3], lw=2)
    ax3.set_title(r"sum $+\, b_2$")
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("$x$")
    fig.suptitle(title)
    plt.show()


show_units(fits[2], "2 hidden neurons (lowest of 3 starts)")
show_units(runs[worst_seed][0], f"2 hidden neurons, seed {worst_seed} (worst of 2b)")

# %%
show_units(fits[3], "3 hidden neurons")
show_units(fits[10], "10 hidden neurons")

# %% tags=["hide-input"]
def unit_table(m):
    """Centre, input weight w_1k and output weight w_2k of every hidden unit."""
    return centres(m), m.W1[:, 0].detach(), m.W2[0].detach()


c2, w1_2, w2_2 = unit_table(fits[2])
c3, w1_3, w2_3 = unit_table(fits[3])
_, w1_w, w2_w = unit_table(runs[worst_seed][0])
_, w1_10, w2_10 = unit_table(fits[10])
with torch.no_grad():
    spans = weighted_hidden(fits[10], x_grid).aminmax(dim=0)
spans = spans.max - spans.min  # (10,): how far each unit moves the output on [-3, 3]
steep3 = w1_3.abs().argmax()
answer(
    r"Each hidden unit contributes one smooth step whose position "
    r"($-b_{1,k}/w_{1,k}$), steepness ($|w_{1,k}|$) and direction are learned; the "
    r"output layer scales each step by $w_{2,k}$ (any sign, any size) and adds them "
    r"up. Sums of enough such steps can approximate any continuous function on an "
    r"interval (the universal approximation theorem), and the panels show exactly this "
    r"sum being formed." "\n\n"
    r"The representation is **not intuitive**. The units do not split the curve into "
    r"“one bend per unit”:" "\n\n"
    r"- The best 2-unit network places both steps at the same spot ($x \approx @c2a$ "
    r"and $@c2b$), one rising and one falling, and scales them by @w2a and @w2b: two "
    r"huge, almost cancelling contributions whose small difference is the dip, rise "
    r"and peak in the middle of the data." "\n"
    r"- The worst 2-unit run has input weights @ww1 and @ww2: two nearly vertical "
    r"steps, a few hundredths apart, whose difference is the spike." "\n"
    r"- The 3-unit network keeps a cancelling pair (output weights @w3a and @w3b) and "
    r"spends its third unit on a nearly vertical step ($w_{1,k} = @w3s$) at $x \approx "
    r"@c3s$ that fits a handful of points." "\n"
    r"- In the 10-unit network the output weights range from @lo to @hi; over $[-3, "
    r"3]$ one unit moves the output by @smax, another by only @smin." "\n\n"
    r"The information about $x$ is spread over all units at once (distributed); no "
    r"single unit has a meaning of its own, only their weighted sum does. And runs "
    r"that reach the same loss do it with different weights (the largest-weight column "
    r"of task 2b).",
    c2a=c2[0], c2b=c2[1], w2a=w2_2[0], w2b=w2_2[1], ww1=w1_w[0], ww2=w1_w[1],
    w3a=w2_3[w1_3.abs().argsort()[0]], w3b=w2_3[w1_3.abs().argsort()[1]],
    w3s=w1_3[steep3], c3s=c3[steep3], lo=w2_10.min(), hi=w2_10.max(),
    smax=spans.max(), smin=spans.min(),
)

# %% [markdown]
# ## Task 2e (optional): Adam, ReLU units, more layers
#
# *Repeat the above experiments with different optimizers, e.g. the Adam optimizer
# provided with PyTorch. Also experiment with different numbers of hidden layers and/or
# with different types of units in the hidden layers, e.g. ReLU units. Discuss.*
#
# ### Your turn: training with Adam
#
# Same network (10 hidden units), same initialisation (seed 0), full-batch Adam with
# learning rate 0.05 for 1500 steps against our BFGS for at most 300 iterations. One BFGS
# iteration costs one or a few loss evaluations (the line search) plus a $P \times P$
# update, an Adam step one evaluation. Write the loop in its four steps and return the
# loss of every step, measured before that step's update.

# %%
def train_adam(model, X, y, steps, lr):
    """Train model on (X, y) with full-batch Adam; return the list of step losses."""
    ### BEGIN SOLUTION
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()  # 1. reset the gradients
        loss = model_mse(model, X, y)  # 2. forward pass and loss
        loss.backward()  # 3. backward pass
        opt.step()  # 4. update
        losses.append(loss.item())
    return losses
    ### END SOLUTION


# %%
train_adam = selfcheck.check("train_adam", train_adam)
m_adam = new_mlp(10, seed=0)
hist_adam = train_adam(m_adam, X, y, steps=1500, lr=0.05)
m_bfgs, hist_bfgs = train(10, seed=0)
mse_table({"10, Adam": m_adam, "10, BFGS": m_bfgs}, label="network, optimizer")

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
for hist, label in [(hist_adam, "Adam (lr 0.05)"), (hist_bfgs, "BFGS")]:
    plot.plot_loss(hist, ax=ax, label=label, logy=True, xlabel="iteration / step",
                   ylabel="training MSE")
ax.axhline(noise_floor, color=plot.INK, ls=":", lw=1)
ax.set_title("10 hidden sigmoid units, same start (dotted: noise variance)")
plt.show()

# %% [markdown]
# ### ReLU units
#
# *Conjectures first.* A ReLU unit $\max(0, w_{1,k} x + b_{1,k})$ is a hinge: zero on one
# side of $x = -b_{1,k}/w_{1,k}$, linear on the other. The network is then piecewise
# linear: with 0 units the line again; with 1 unit a line with one kink (flat on one
# side); with 2 or 3 units a polyline with up to 2 or 3 kinks, so the wave can only be
# approximated by corners; many units give a fine polyline that can follow the noise. A
# unit whose hinge lies outside the data with its flat side towards them outputs 0 for
# every training point and gets no gradient ("dead"). And BFGS, which models the loss as
# locally quadratic, should struggle at the kinks.

# %%
relu_fits = {Z: best_of(Z, "relu") if Z else fits[0] for Z in SIZES}  # 0: the line
mse_table(relu_fits)

# %%
show_predictions(relu_fits, "predictions on the test set (ReLU units, BFGS)")

# %% [markdown]
# Task 2b again, with ReLU units: two hidden units, ten initialisations. A unit is *dead*
# if it is 0 at every training point; a unit that is on its sloped side at every training
# point only adds a straight line; only a *kinked* unit, whose kink lies among the data,
# bends the fit.

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
rows = [[str(s), it, tr, te, d, k] for s, (it, tr, te, d, k) in relu_runs.items()]
show_markdown(table(["seed", "BFGS iterations", "train MSE", "test MSE", "dead units",
                     "kinked units"], rows))

# %% [markdown]
# ### More hidden layers
#
# Two and three sigmoid layers (one run each, seed 0), next to the one-layer network
# with 10 units of task 2c:

# %%
deep = {"[10] (from 2c)": fits[10]}
for widths in ([3, 3], [10, 10], [10, 10, 10]):
    deep[str(widths)] = train(widths, seed=0)[0]
mse_table(deep, label="hidden widths")

fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
show_data(ax)
for i, (name, m) in enumerate(deep.items()):
    show_fit(ax, m, name, color=LINE_COLORS[i], lw=1.5)
ax.legend()
ax.set_title("more layers (sigmoid units, BFGS)")
plt.show()

# %% tags=["hide-input"]
adam_tr, adam_te = train_test_mse(m_adam)
bfgs_tr, bfgs_te = train_test_mse(m_bfgs)
relu_tr = {Z: train_test_mse(m)[0] for Z, m in relu_fits.items()}
relu_te = {Z: train_test_mse(m)[1] for Z, m in relu_fits.items()}
deep_te = {name: train_test_mse(m)[1] for name, m in deep.items()}
one_layer = {f"{Z}-unit sigmoid": v for Z, v in te.items()}
one_layer.update({f"{Z}-unit ReLU": v for Z, v in relu_te.items() if Z})
best_one_layer = min(one_layer, key=one_layer.get)
with_dead = sum(1 for r in relu_runs.values() if r[3] > 0)
relu_iters = [r[0] for r in relu_runs.values()]
answer(
    r"**Adam against BFGS.** From the same start, Adam after 1500 steps has training "
    r"MSE @atr, @adam_side the @btr that BFGS reached in @bit iterations; its curve "
    r"flattens into a slow decline. The problem is badly conditioned (steep and flat "
    r"units make curvatures that differ by orders of magnitude); Adam's per-parameter "
    r"scaling helps, but one learning rate must suit the steepest direction, whereas "
    r"BFGS's inverse-Hessian estimate rescales every direction. On test data the two "
    r"end close (@ate and @bte). BFGS wins on small, smooth, full-batch problems; it "
    r"loses on real deep-learning problems because it needs the full-batch gradient "
    r"and a $P \times P$ matrix ($P$ in the millions), which is why Adam and SGD are "
    r"the defaults there." "\n\n"
    r"**ReLU units.** The conjectures hold: every fit is a polyline (the plot shows "
    r"the hinges). With 1 and 2 units BFGS barely improves on the line "
    r"(training MSE @r1 and @r2 against @r0); 3 units reach @r3. Over ten starts the "
    r"2-unit ReLU network spreads widely (training MSE from @rmin to @rmax), @nd of "
    r"the ten runs end with a dead unit, and BFGS stops after @imin to @imax "
    r"iterations@cap: the loss has kinks wherever a training point crosses a hinge; "
    r"there the gradient jumps, the quadratic model behind BFGS is wrong and the line "
    r"search finds no progress. With many units these problems average out: the 50- "
    r"and 100-unit ReLU networks reach test MSE @r50 and @r100, and the lowest test "
    r"MSE of all one-layer networks on this page belongs to the @bname network "
    r"(@bval)." "\n\n"
    r"**More layers.** With two sigmoid layers, the small `[3, 3]` network (22 "
    r"parameters, fewer than one layer of 10 units) reaches test MSE @d33 (the 10-unit "
    r"one-layer network: @te10); `[10, 10]` and `[10, 10, 10]` reach @d1010 and "
    r"@d101010. The second layer combines steps into bumps, so composed layers can "
    r"describe a wavy curve with fewer parameters than a sum of steps. These are "
    r"single runs, so the ranking among the deeper networks is not reliable; with more "
    r"layers training also gets harder in general (vanishing gradients through "
    r"saturated sigmoids, measured in the Vanishing gradients page), which is not "
    r"visible at this size.",
    atr=adam_tr, btr=bfgs_tr, bit=len(hist_bfgs) - 1, ate=adam_te, bte=bfgs_te,
    r0=relu_tr[0], r1=relu_tr[1], r2=relu_tr[2], r3=relu_tr[3], rmin=relu_train.min(),
    rmax=relu_train.max(), nd=with_dead, imin=min(relu_iters), imax=max(relu_iters),
    r50=relu_te[50], r100=relu_te[100], bname=best_one_layer,
    bval=one_layer[best_one_layer], d33=deep_te["[3, 3]"], te10=te[10],
    d1010=deep_te["[10, 10]"], d101010=deep_te["[10, 10, 10]"],
    adam_side="above" if adam_tr > bfgs_tr else "below",
    cap=", never near the cap of 300" if max(relu_iters) < 200 else "",
)

# %% [markdown]
# ## Summary
#
# The MSE of this page is `labkit.layers.mse_forward`, the course's one squared-error
# function; it agrees on every network of task 2c:

# %%
for Z, m in fits.items():
    with torch.no_grad():
        lk_mse, _ = layers.mse_forward(m(X_test).squeeze(1), y_test)
        compare(f"MSE, Z = {Z}", model_mse(m, X_test, y_test), lk_mse, atol=1e-12)

# %% [markdown]
# - A one-hidden-layer sigmoid network in 1-D is a constant plus a weighted sum of smooth
#   steps; 0 units give a line, each further unit one more step. Trained networks do not
#   use the units the way one would by hand.
# - BFGS fits a dense inverse-Hessian estimate from steps and gradient changes; in torch
#   it is a few lines, and it finds the closed-form least-squares line exactly.
# - The loss is not convex: repeated runs end in different minima, and saturated units
#   freeze. Train from several starts and keep the best training (or validation) loss.
# - With a fixed budget of iterations, more hidden units do not lower the training error
#   steadily, and the test error is not monotone in the number of units either; how
#   far a network overfits depends on how long it is trained as well as on its size.
# - ReLU networks are piecewise linear and give BFGS a non-smooth loss; a second layer
#   of sigmoid units reached a good fit with few parameters. Adam is slower than BFGS on
#   this tiny problem but scales to real ones.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Replace the iteration cap by a validation set: split 10 of the 50 training points
#    off, train the 10-unit network for up to 1500 iterations, and stop where the
#    validation MSE is lowest. What test MSE does that give?
# 2. Add a weight penalty $\lambda \lVert \boldsymbol\theta \rVert^2$ to the loss and
#    train the 10-unit network to convergence for a few values of $\lambda$. Which value
#    gives the lowest test MSE, and what do the hidden units look like then?
# 3. Measure how the cost of one BFGS iteration grows with the number of parameters
#    $P$, and find the $P$ above which Adam reaches the same training loss sooner.
#
# ## Next
#
# [Backpropagation by hand](09-backprop-by-hand.py) computes the gradients that BFGS and
# Adam used here, without autograd.
