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
# # Optimizers
#
# **Sheets:** Deep Learning Lab manual (CSE 3281), "Optimizers" (lab 7 in the manual's
# contents). The manual only titles this lab; its outcome is to "understand
# implementation detail of deep learning models". The exercises below are written for
# this course in the manual's style: each asks you to implement something, then to
# answer a question with an experiment.
#
# **What you need:** gradient descent and its step-size bound $2/\lambda_{\max}$
# ([Linear and logistic regression](05-linear-logistic-regression.py)); the MNIST "lab"
# split and the training loop of [Feed-forward networks](06-feedforward-networks.py);
# eigenvalues of a symmetric matrix (`torch.linalg.eigvalsh`).
#
# ## What you will learn
#
# - to write the update rules of SGD with momentum, Nesterov, AdaGrad, RMSprop, Adam and
#   AdamW, and to package them as `torch.optim.Optimizer` subclasses that equal
#   PyTorch's;
# - why momentum is an exponential average of gradients, why AdaGrad's steps die out,
#   and why Adam corrects its averages' bias;
# - to predict from the curvature, with the bound $2/\lambda_{\max}$, what each
#   optimizer does in a narrow valley, and to see it on two 2-D functions;
# - to compare optimizers fairly on MNIST, each at its best learning rate, and to choose
#   the learning rate and its schedule with a sweep and a range test.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [16.1 Momentum and Nesterov](#exercise-161-momentum-and-nesterov) | `momentum_step`, `nesterov_step` | 2 |
# | [16.2 AdaGrad and RMSprop](#exercise-162-adagrad-and-rmsprop) | `adagrad_step`, `rmsprop_step` | 2 |
# | [16.3 Adam and AdamW](#exercise-163-adam-and-adamw) | `adam_step`, `adamw_step` | 2 |
# | [16.4 Optimizer subclasses](#exercise-164-optimizer-subclasses) | a `torch.optim.Optimizer` | — |
# | [16.5 An ill-conditioned quadratic](#exercise-165-an-ill-conditioned-quadratic) | `max_stable_lr` | 1 |
# | [16.6 Rosenbrock's valley](#exercise-166-rosenbrocks-valley) | `rosenbrock_hessian` | 1 |
# | [16.7 The optimizers on MNIST](#exercise-167-the-optimizers-on-mnist) | `smoothed_losses` | 1 |
# | [16.8 Schedules and the range test](#exercise-168-schedules-and-the-range-test) | `warmup_cosine` | 1 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import copy
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from labkit import compare, get_device, mnist, optim, plot, seed_everything, selfcheck
from labkit.display import answer, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()
f64 = dict(dtype=torch.float64, device=device)

# %% [markdown]
# Every optimizer below takes the same kind of step: the gradient $g_t = \nabla
# L(\theta_{t-1})$ at step $t = 1, 2, \dots$, and a rule that turns it, and a few running
# quantities (the *state*), into $\theta_t$. Plain gradient descent (SGD when the
# gradient comes from a mini-batch) has no state:
#
# $$
# \theta_t = \theta_{t-1} - \eta\, g_t .
# $$

# %%
def sgd_step(p, g, lr):
    return p - lr * g


# %% [markdown]
# ## Exercise 16.1: momentum and Nesterov
#
# *Write one step of SGD with momentum and of Nesterov momentum, as functions of the
# parameter, its gradient and the velocity. Show that the velocity is an exponential
# average of the past gradients. What step does momentum take when the gradient stays
# the same?*
#
# **Momentum** (the "heavy ball", in PyTorch's form) keeps a velocity $v$:
#
# $$
# \begin{aligned}
# v_t &= \mu\, v_{t-1} + g_t, \qquad v_0 = 0, \\
# \theta_t &= \theta_{t-1} - \eta\, v_t .
# \end{aligned}
# $$
#
# **Derivation: an exponential average.** Unrolling the recursion,
#
# $$
# \begin{aligned}
# v_t &= g_t + \mu g_{t-1} + \mu^2 g_{t-2} + \dots + \mu^{t-1} g_1
#   = \sum_{k=0}^{t-1} \mu^k g_{t-k}, \\
# (1 - \mu)\, v_t &= \sum_{k=0}^{t-1} w_k\, g_{t-k}, \qquad w_k = (1 - \mu)\mu^k,
#   \qquad \sum_{k=0}^{t-1} w_k = 1 - \mu^t .
# \end{aligned}
# $$
#
# So $(1 - \mu) v_t$ is a weighted average of the past gradients whose weights decay by
# $\mu$ per step, an *exponential moving average* that remembers about $1/(1 - \mu)$
# steps (10 for $\mu = 0.9$); the weights sum to $1 - \mu^t$, not 1, because the average
# started from $v_0 = 0$. Directions where successive gradients agree add up; directions
# where they alternate in sign cancel. With a constant gradient $g$,
# $v_t = g\,(1 - \mu^t)/(1 - \mu) \to g/(1 - \mu)$: the step grows to
# $\eta\,g/(1 - \mu)$, ten times plain SGD's for $\mu = 0.9$.
#
# **Nesterov** evaluates the step where the velocity is about to carry the parameter. In
# the form PyTorch uses, which needs no second gradient, the step adds the new velocity
# to the gradient once more:
#
# $$
# \begin{aligned}
# v_t &= \mu\, v_{t-1} + g_t, \\
# \theta_t &= \theta_{t-1} - \eta\,(g_t + \mu\, v_t).
# \end{aligned}
# $$
#
# ### Your turn
#
# Return the new parameter and the new state, and do not modify the inputs in place.

# %%
def momentum_step(p, g, v, lr, mu):
    """One step of SGD with momentum. Returns (p_new, v_new), shapes of p."""
    ### BEGIN SOLUTION
    v = mu * v + g
    return p - lr * v, v
    ### END SOLUTION


def nesterov_step(p, g, v, lr, mu):
    """One step of Nesterov momentum (PyTorch's form). Returns (p_new, v_new)."""
    ### BEGIN SOLUTION
    v = mu * v + g
    return p - lr * (g + mu * v), v
    ### END SOLUTION


# %%
momentum_step = selfcheck.check("momentum_step", momentum_step)
nesterov_step = selfcheck.check("nesterov_step", nesterov_step)

# %% [markdown]
# **The experiment:** 40 steps with a constant gradient $g = 1$ and $\eta = 0.1$. The
# size of each step against the limit $\eta/(1 - \mu)$, and the weights $w_k$ that the
# velocity gives to the gradient of $k$ steps ago:

# %%
lr_demo, mus = 0.1, [0.0, 0.5, 0.9]
steps_taken = {}
for mu in mus:
    p, v = torch.zeros(1, **f64), torch.zeros(1, **f64)
    sizes = []
    for _ in range(40):
        p_new, v = momentum_step(p, torch.ones(1, **f64), v, lr_demo, mu)
        sizes.append((p - p_new).item())
        p = p_new
    steps_taken[mu] = sizes

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.0))
for mu, color in zip(mus, plot.COLORS):
    ax1.plot(range(1, 41), steps_taken[mu], color=color, label=f"$\\mu = {mu}$")
    ax1.axhline(lr_demo / (1 - mu), color=color, linestyle=":", linewidth=1.5)
    k = torch.arange(30)
    ax2.plot(k, (1 - mu) * mu ** k.double(), "o-", markersize=3, color=color,
             label=f"$\\mu = {mu}$")
ax1.set(xlabel="step $t$", ylabel="step size")
ax1.set_title("constant gradient: step sizes (dotted: lr/(1 - mu))")
ax2.set(xlabel="$k$ steps ago", ylabel="weight $w_k$", ylim=(0, 0.6))
ax2.set_title("weight of the gradient of $k$ steps ago")
ax2.legend()
plt.show()

# %% tags=["hide-input"]
answer(
    r"With a constant gradient the velocity grows as $g\,(1 - \mu^t)/(1 - \mu)$, so "
    r"the step grows from $\eta$ to $\eta/(1 - \mu)$: after 40 steps it is $@s5$ for "
    r"$\mu = 0.5$ (limit $0.2$) and $@s9$ for $\mu = 0.9$ (limit $1$), ten times plain "
    r"SGD's $0.1$. The growth takes about $1/(1 - \mu)$ steps, the memory of the "
    r"average: $(1 - \mu)v$ weights the gradient of $k$ steps ago by $(1 - \mu)\mu^k$ "
    r"(right). Momentum thus multiplies the learning rate by up to $1/(1 - \mu)$ along "
    r"directions where the gradient keeps its sign, and averages away the components "
    r"that flip sign from one step to the next.",
    s5=steps_taken[0.5][-1], s9=steps_taken[0.9][-1],
)

# %% [markdown]
# ## Exercise 16.2: AdaGrad and RMSprop
#
# *Write one step of AdaGrad and of RMSprop. Why does AdaGrad's step shrink even when
# the gradient does not, and how does RMSprop avoid it? Measure both step sizes over 500
# steps of noisy gradients of constant size.*
#
# Both divide each coordinate's step by the size of its recent gradients, so that a
# coordinate with large gradients takes small steps and one with small gradients large
# ones: a per-coordinate learning rate (all operations element-wise).
#
# $$
# \begin{aligned}
# \text{AdaGrad:}\quad G_t &= G_{t-1} + g_t^2, &
#   \theta_t &= \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{G_t} + \epsilon}, \\
# \text{RMSprop:}\quad v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2, &
#   \theta_t &= \theta_{t-1} - \frac{\eta\, g_t}{\sqrt{v_t} + \epsilon}.
# \end{aligned}
# $$
#
# **Derivation: why AdaGrad's rate decays.** $G_t$ is a *sum* that never forgets. If the
# gradients of a coordinate keep a typical size, $\mathbb{E}[g_k^2] = \sigma^2$, then
# $G_t \approx t\sigma^2$ and
#
# $$
# \bigl|\theta_t - \theta_{t-1}\bigr| \approx \frac{\eta\, |g_t|}{\sqrt{t}\,\sigma}
#   \sim \frac{\eta}{\sqrt{t}} :
# $$
#
# the effective learning rate falls like $1/\sqrt t$ whatever the loss does, and after
# $10^4$ steps it is 100 times smaller. That suits convex problems, where the steps
# should shrink; in a long non-convex training run, AdaGrad stops learning before it
# has arrived. RMSprop replaces the sum by an exponential average
# (memory $\approx 1/(1-\alpha)$ steps, as in 16.1): $v_t \to \sigma^2$, and the step
# stays $\approx \eta |g_t| / \sigma$, of order $\eta$, for as long as the gradients keep
# their size.
#
# ### Your turn

# %%
def adagrad_step(p, g, G, lr, eps):
    """One AdaGrad step; G: sum of past squared gradients. Returns (p_new, G_new)."""
    ### BEGIN SOLUTION
    G = G + g**2
    return p - lr * g / (G.sqrt() + eps), G
    ### END SOLUTION


def rmsprop_step(p, g, v, lr, alpha, eps):
    """One RMSprop step; v: the mean of squared gradients. Returns (p_new, v_new)."""
    ### BEGIN SOLUTION
    v = alpha * v + (1 - alpha) * g**2
    return p - lr * g / (v.sqrt() + eps), v
    ### END SOLUTION


# %%
adagrad_step = selfcheck.check("adagrad_step", adagrad_step)
rmsprop_step = selfcheck.check("rmsprop_step", rmsprop_step)

# %% [markdown]
# **The experiment:** 1,000 coordinates, each receiving 500 gradients $g \sim
# \mathcal{N}(1, 1)$ (seeded), with $\eta = 0.01$; the mean size of a step against $t$,
# and AdaGrad's prediction $\eta\, \mathbb{E}|g| / \sqrt{t\, \mathbb{E}[g^2]}$ (the two
# expectations measured on these gradients):

# %%
g_noise = torch.Generator().manual_seed(0)
grads = (1 + torch.randn(500, 1000, generator=g_noise, dtype=torch.float64)).to(device)
p_ada, G = torch.zeros(1000, **f64), torch.zeros(1000, **f64)
p_rms, v_rms = torch.zeros(1000, **f64), torch.zeros(1000, **f64)
ada_steps, rms_steps = [], []
for g in grads:
    new_ada, G = adagrad_step(p_ada, g, G, 0.01, 1e-10)
    new_rms, v_rms = rmsprop_step(p_rms, g, v_rms, 0.01, 0.99, 1e-8)
    ada_steps.append((new_ada - p_ada).abs().mean().item())
    rms_steps.append((new_rms - p_rms).abs().mean().item())
    p_ada, p_rms = new_ada, new_rms
t = torch.arange(1, 501, dtype=torch.float64)
mean_abs, mean_square = grads.abs().mean().item(), grads.pow(2).mean().item()
predicted = 0.01 * mean_abs / (t * mean_square).sqrt()

fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
ax.loglog(t, ada_steps, label="AdaGrad")
ax.loglog(t, rms_steps, label="RMSprop, alpha = 0.99")
ax.loglog(t, predicted, ":", color=plot.INK, label="prediction for AdaGrad")
ax.set(xlabel="step $t$", ylabel="mean |step|")
ax.set_title("Exercise 16.2: step sizes with gradients of constant size")
ax.legend()
plt.show()

# %% tags=["hide-input"]
answer(
    r"AdaGrad's steps shrink like $1/\sqrt t$: from $@a1$ at $t = 1$ to $@a500$ at $t "
    r"= 500$, on the predicted line ($@p500$ at $t = 500$), although the gradients "
    r"never change their distribution. The sum $G_t$ grows by about $\mathbb{E}[g^2] = "
    r"@msq$ per step forever. RMSprop's first steps are too large: its $v$ starts at "
    r"0, so the first step divides $g$ by $\sqrt{0.01\, g^2} = 0.1|g|$ and is $@r1$, "
    r"ten times $\eta$ (Adam corrects that, exercise 16.3). After a few hundred steps "
    r"its $v$ has reached $\mathbb{E}[g^2]$ and the steps stay at $@r500$, about "
    r"$\eta\, \mathbb{E}|g| / \sqrt{\mathbb{E}[g^2]}$: its average forgets old "
    r"gradients after about $1/(1 - \alpha) = 100$ steps, so it never slows down.",
    a1=ada_steps[0], a500=ada_steps[-1], p500=predicted[-1], r1=rms_steps[0],
    msq=mean_square,
    r500=rms_steps[-1],
)

# %% [markdown]
# ## Exercise 16.3: Adam and AdamW
#
# *Write one step of Adam, with its bias correction, and of AdamW. Derive the bias
# correction: how large would the first steps be without it?*
#
# Adam combines momentum's average of gradients $m$ with RMSprop's average of squares
# $v$, both as true averages (weights $1 - \beta$), and corrects both:
#
# $$
# \begin{aligned}
# m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, &
#   v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \\
# \hat m_t &= \frac{m_t}{1 - \beta_1^t}, &
#   \hat v_t &= \frac{v_t}{1 - \beta_2^t}, \\
# \theta_t &= \theta_{t-1} - \frac{\eta\, \hat m_t}{\sqrt{\hat v_t} + \epsilon},
# \end{aligned}
# $$
#
# with $m_0 = v_0 = 0$ and, by default, $\beta_1 = 0.9$, $\beta_2 = 0.999$,
# $\epsilon = 10^{-8}$.
#
# **Derivation: the bias correction.** As in 16.1, unrolling gives
# $m_t = (1 - \beta_1) \sum_{k=1}^{t} \beta_1^{t-k} g_k$. If the gradients have a
# constant mean, $\mathbb{E}[g_k] = \bar g$,
#
# $$
# \mathbb{E}[m_t] = (1 - \beta_1) \sum_{k=1}^{t} \beta_1^{t-k}\, \bar g
#   = (1 - \beta_1^t)\, \bar g ,
# $$
#
# a geometric sum. The average is biased towards its starting value 0 by the factor
# $1 - \beta_1^t$, and likewise $\mathbb{E}[v_t] = (1 - \beta_2^t)\,\mathbb{E}[g^2]$;
# dividing by these factors removes the bias. Without it, a constant gradient $g$ gives
# the step
#
# $$
# \frac{\eta\, m_t}{\sqrt{v_t}} = \eta\, \operatorname{sign}(g)\,
#   \frac{1 - \beta_1^t}{\sqrt{1 - \beta_2^t}},
# $$
#
# which at $t = 1$ is $\eta \cdot 0.1 / \sqrt{0.001} \approx 3.16\,\eta$, grows further
# while $\beta_2^t$ is close to 1 and returns to $\eta$ only after thousands of steps.
# With the correction the first step is exactly $\eta\,\operatorname{sign}(g)$ (up to
# $\epsilon$): every coordinate moves by about $\eta$, whatever the scale of its
# gradient.
#
# **AdamW.** Adam's `weight_decay` adds $\lambda\theta$ to the gradient, so the decay
# too is divided by $\sqrt{\hat v_t}$: weights with large gradients are barely decayed.
# AdamW *decouples* it: it shrinks the weights directly, then takes Adam's step with the
# loss's gradient alone (page 15 compares the two):
#
# $$
# \theta \leftarrow (1 - \eta\lambda)\,\theta, \quad \text{then the Adam step.}
# $$
#
# ### Your turn
#
# `t` counts the steps from 1; `betas` is the pair $(\beta_1, \beta_2)$.

# %%
def adam_step(p, g, m, v, t, lr, betas, eps):
    """One Adam step at step t (from 1). Returns (p_new, m_new, v_new)."""
    ### BEGIN SOLUTION
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return p - lr * m_hat / (v_hat.sqrt() + eps), m, v
    ### END SOLUTION


def adamw_step(p, g, m, v, t, lr, betas, eps, weight_decay):
    """One AdamW step: decay p by (1 - lr * weight_decay), then Adam's step."""
    ### BEGIN SOLUTION
    p = p * (1 - lr * weight_decay)
    return adam_step(p, g, m, v, t, lr, betas, eps)
    ### END SOLUTION


# %%
adam_step = selfcheck.check("adam_step", adam_step)
adamw_step = selfcheck.check("adamw_step", adamw_step)

# %% [markdown]
# **The experiment:** Adam's step on a constant gradient over 5,000 steps, with your
# `adam_step` ($\eta = 1$), and from the same $m$ and $v$ without the correction:

# %%
one, zero = torch.ones(1, **f64), torch.zeros(1, **f64)
m, v = zero, zero
corrected, uncorrected = [], []
for step in range(1, 5001):
    p_new, m, v = adam_step(zero, one, m, v, step, 1.0, (0.9, 0.999), 1e-8)
    corrected.append(-p_new.item())  # the step from p = 0 with lr = 1
    uncorrected.append((m / (v.sqrt() + 1e-8)).item())  # the same m and v, uncorrected
uncorrected = torch.tensor(uncorrected)
steps_axis = torch.arange(1, 5001)

fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
ax.semilogx(steps_axis, corrected, label="with bias correction")
ax.semilogx(steps_axis, uncorrected, label="without")
ax.set(xlabel="step $t$", ylabel="step size / lr")
ax.set_title("Exercise 16.3: Adam's step on a constant gradient")
ax.legend()
plt.show()

# %% tags=["hide-input"]
peak = int(uncorrected.argmax()) + 1
answer(
    r"With the correction, every step on a constant gradient is exactly $\eta$ (the "
    r"curve stays at $@c1$). Without it the first step is $@u1$ times $\eta$, the "
    r"steps keep growing to $@upeak\,\eta$ at step $@peak$, because $m$ (memory of 10 "
    r"steps) has converged while $v$ (memory of 1,000 steps) is still far below $g^2$, "
    r"and they are still $@u5000$ times $\eta$ after 5,000 steps. Early in training, "
    r"when the gradients are largest and least reliable, uncorrected Adam would take "
    r"steps up to $@upeak$ times larger than the learning rate asks for.",
    c1=corrected[0], u1=uncorrected[0], upeak=uncorrected.max(), peak=peak,
    u5000=uncorrected[-1],
)

# %% [markdown]
# ## Exercise 16.4: optimizer subclasses
#
# *Package your update rules as a `torch.optim.Optimizer` subclass. Train a small random
# model for 100 steps with each of the seven optimizers, three times: with your class,
# with `labkit.optim`'s and with `torch.optim`'s. Do they agree to $10^{-6}$?*
#
# A `torch.optim.Optimizer` holds the parameters in `param_groups` (a list of dicts,
# each with its hyper-parameters, page 14 uses several) and a `state` dict per
# parameter. Its `step()` applies the rule to every parameter that has a gradient, under
# `torch.no_grad()`. One class serves all the rules above: it keeps the state tensors
# (zeros at first) and the step count, and passes the group's hyper-parameters by name.

# %%
class ByHand(torch.optim.Optimizer):
    """A torch optimizer from rule(p, g, *state, [t,] **hyper) -> (p, *state) or p."""

    def __init__(self, params, rule, num_state=0, uses_t=False, **hyper):
        super().__init__(params, hyper)
        self.rule, self.num_state, self.uses_t = rule, num_state, uses_t

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            hyper = {k: value for k, value in group.items() if k != "params"}
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["buffers"] = [torch.zeros_like(p)
                                        for _ in range(self.num_state)]
                state["t"] += 1
                t = (state["t"],) if self.uses_t else ()
                out = self.rule(p, p.grad, *state["buffers"], *t, **hyper)
                p_new, *state["buffers"] = out if isinstance(out, tuple) else (out,)
                p.copy_(p_new)


# %% [markdown]
# The seven optimizers, each with the arguments its three versions share
# (`torch.optim.SGD` does momentum and Nesterov with keyword arguments):

# %%
adam_args = dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)
versions = {  # name: (yours, labkit's, torch's)
    "SGD": (lambda ps: ByHand(ps, sgd_step, lr=0.1),
            lambda ps: optim.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "Momentum": (lambda ps: ByHand(ps, momentum_step, 1, lr=0.05, mu=0.9),
                 lambda ps: optim.Momentum(ps, lr=0.05, momentum=0.9),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
    "Nesterov": (lambda ps: ByHand(ps, nesterov_step, 1, lr=0.05, mu=0.9),
                 lambda ps: optim.Nesterov(ps, lr=0.05, momentum=0.9),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    "AdaGrad": (lambda ps: ByHand(ps, adagrad_step, 1, lr=0.1, eps=1e-10),
                lambda ps: optim.AdaGrad(ps, lr=0.1),
                lambda ps: torch.optim.Adagrad(ps, lr=0.1)),
    "RMSprop": (lambda ps: ByHand(ps, rmsprop_step, 1, lr=0.01, alpha=0.99, eps=1e-8),
                lambda ps: optim.RMSprop(ps, lr=0.01),
                lambda ps: torch.optim.RMSprop(ps, lr=0.01)),
    "Adam": (lambda ps: ByHand(ps, adam_step, 2, True, **adam_args),
             lambda ps: optim.Adam(ps, **adam_args),
             lambda ps: torch.optim.Adam(ps, **adam_args)),
    "AdamW": (lambda ps: ByHand(ps, adamw_step, 2, True, weight_decay=0.1, **adam_args),
              lambda ps: optim.AdamW(ps, weight_decay=0.1, **adam_args),
              lambda ps: torch.optim.AdamW(ps, weight_decay=0.1, **adam_args)),
}


def train_copies(make_optimizers, steps=100):
    """The same random model trained by each optimizer on the same random batches."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(**f64)
    models = [copy.deepcopy(model) for _ in make_optimizers]
    optimizers = [make(m.parameters()) for make, m in zip(make_optimizers, models)]
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        X = torch.randn(16, 5, generator=g, dtype=torch.float64).to(device)
        y = torch.randint(0, 3, (16,), generator=g).to(device)
        for m, opt in zip(models, optimizers):
            loss = F.cross_entropy(m(X), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return [torch.cat([p.detach().flatten() for p in m.parameters()]) for m in models]


for name, makers in versions.items():
    yours, labkits, torchs = train_copies(makers)
    compare(f"{name}: yours", yours, torchs)
    compare(f"{name}: labkit", labkits, torchs)

# %% [markdown]
# All seven hand-written optimizers, yours and `labkit.optim`'s, take the same 100 steps
# as `torch.optim`'s, to rounding in `float64` (the model has 75 parameters). From here
# on the page uses `labkit.optim`'s classes: they have PyTorch's interface (parameter
# groups, `zero_grad`, `state_dict`) and check their arguments.

# %% [markdown]
# ## Exercise 16.5: an ill-conditioned quadratic
#
# *Write the largest learning rate for which gradient descent converges on
# $f(x) = \tfrac12 x^\top A x$. Run every optimizer for 60 steps on a valley with
# condition number $\kappa = 25$ and draw the paths over the contours. What does the
# bound predict for SGD, and what do momentum and the per-coordinate methods change when
# the valley is turned?*
#
# **Derivation** (page 05 did it for least squares). The gradient is $Ax$, so one step is
# $x_t = (I - \eta A)\,x_{t-1}$. In the eigenbasis of $A$ (eigenvalues $\lambda_i$, eigen-
# vectors $u_i$) each component is multiplied by $1 - \eta\lambda_i$ at every step:
#
# $$
# \begin{aligned}
# u_i^\top x_t &= (1 - \eta\lambda_i)^t\, u_i^\top x_0, \\
# \text{convergence} &\iff |1 - \eta\lambda_i| < 1 \text{ for all } i
#   \iff \eta < \frac{2}{\lambda_{\max}} .
# \end{aligned}
# $$
#
# Between $1/\lambda_{\max}$ and $2/\lambda_{\max}$ the factor of the steepest direction
# is negative: the path zig-zags across the valley. Meanwhile the flattest direction
# shrinks only by $1 - \eta\lambda_{\min} > 1 - 2/\kappa$ per step. The bound depends on
# the eigenvalues, not on the matrix entries: for a valley that is not along the axes
# they are not on the diagonal.
#
# ### Your turn

# %%
def max_stable_lr(A):
    """2 / lambda_max for a symmetric positive definite A: (d, d). Returns a float."""
    ### BEGIN SOLUTION
    return 2.0 / torch.linalg.eigvalsh(A).max().item()
    ### END SOLUTION


# %%
max_stable_lr = selfcheck.check("max_stable_lr", max_stable_lr)

# %% [markdown]
# Two valleys with eigenvalues 1 and 25: along the axes, $A = \operatorname{diag}(1,
# 25)$, and the same turned by $30°$, $R A R^\top$. SGD at $0.94$ and $1.03$ times the
# bound and at half of it; momentum and Nesterov ($\eta = 0.04$, $\mu = 0.6$); AdaGrad,
# RMSprop and Adam at rates tuned by hand for the axis-aligned valley. All start at
# $(-4, 2.5)$.

# %%
eigenvalues = torch.tensor([1.0, 25.0], **f64)
angle = math.radians(30)
R = torch.tensor([[math.cos(angle), -math.sin(angle)],
                  [math.sin(angle), math.cos(angle)]], **f64)
valleys = {"along the axes": torch.diag(eigenvalues),
           "turned by 30 degrees": R @ torch.diag(eigenvalues) @ R.T}
bound = max_stable_lr(valleys["along the axes"])
print(f"2 / lambda_max = {bound:.4f} for both valleys "
      f"(turned: {max_stable_lr(valleys['turned by 30 degrees']):.4f})")
quadratic_runs = {
    f"SGD {0.94 * bound:.3f}": lambda ps: optim.SGD(ps, lr=0.94 * bound),
    f"SGD {1.03 * bound:.3f}": lambda ps: optim.SGD(ps, lr=1.03 * bound),
    f"SGD {0.5 * bound:.3f}": lambda ps: optim.SGD(ps, lr=0.5 * bound),
    "Momentum": lambda ps: optim.Momentum(ps, lr=0.04, momentum=0.6),
    "Nesterov": lambda ps: optim.Nesterov(ps, lr=0.04, momentum=0.6),
    "AdaGrad": lambda ps: optim.AdaGrad(ps, lr=1.0),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.1),
    "Adam": lambda ps: optim.Adam(ps, lr=0.3),
}
start = torch.tensor([-4.0, 2.5], **f64)
paths = {(valley, name): optim.trajectory(make, lambda x, A=A: optim.quadratic(x, A),
                                          start, 60)
         for valley, A in valleys.items() for name, make in quadratic_runs.items()}
show_markdown(table(
    ["optimizer", *[f"$\\lVert x_{{60}} \\rVert$, {valley}" for valley in valleys]],
    [[name, *[f"{paths[(valley, name)][-1].norm().item():.1e}" for valley in valleys]]
     for name in quadratic_runs],
))

# %%
def contour_panel(ax, f, xlim, ylim, levels, title):
    xs = torch.linspace(*xlim, 200, dtype=torch.float64)
    ys = torch.linspace(*ylim, 200, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)  # (200, 200, 2)
    ax.contour(xs, ys, f(grid), levels=levels, colors=plot.INK, linewidths=0.6,
               alpha=0.45)
    ax.set(xlim=xlim, ylim=ylim)
    ax.set_title(title)


groups = [("SGD at three rates", list(quadratic_runs)[:3]),
          ("momentum and Nesterov", ["Momentum", "Nesterov"]),
          ("per-coordinate methods", ["AdaGrad", "RMSprop", "Adam"])]
fig, axes = plt.subplots(3, 2, figsize=(plot.WIDTH, 8.4), sharex=True, sharey=True)
for row, (group_title, names) in enumerate(groups):
    for col, (valley, A) in enumerate(valleys.items()):
        ax = axes[row, col]
        contour_panel(ax, lambda x, A=A.cpu(): optim.quadratic(x, A),  # grid on the CPU
                      (-5, 5), (-3.5, 3.5), [0.5, 2, 5, 10, 20, 40, 80],
                      f"{group_title}, {valley}")
        for name, color, style in zip(names, plot.COLORS, ["-", "--", "-."]):
            path = paths[(valley, name)].cpu()
            outside = (path.norm(dim=1) > 6).nonzero()
            if len(outside):  # a diverging path: draw it until it leaves the frame
                path = path[:outside[0, 0] + 1]
            ax.plot(path[:, 0], path[:, 1], style, marker=".", color=color,
                    markersize=4, linewidth=1.4, label=name)
        if col == 0:
            ax.legend(loc="lower right")
fig.suptitle("Exercise 16.5: 60 steps from (-4, 2.5) on valleys with kappa = 25")
plt.show()

# %% tags=["hide-input"]
norm = {key: path[-1].norm().item() for key, path in paths.items()}
names = list(quadratic_runs)
answer(
    r"The bound is $2/\lambda_{\max} = @bound$. Just below it ($0.94\times$), SGD "
    r"converges with a zig-zag across the valley, since the steep direction's factor "
    r"$1 - \eta \cdot 25 = @f94$ is negative; 3% above it the factor is $@f103$ and "
    r"the path is thrown out ($\lVert x_{60}\rVert = @d103$). At half the bound there "
    r"is no zig-zag, but the flat direction shrinks only by $1 - \eta = @flat$ per "
    r"step and $@dhalf$ remain after 60 steps. Momentum averages the alternating steep "
    r"component away and accumulates the flat one: $@dmom$ after 60 steps, and turning "
    r"the valley changes little ($@dmomr$), because momentum acts on the vector as a "
    r"whole."
    "\n\n"
    r"AdaGrad, RMSprop and Adam divide each *coordinate* by its own gradient scale. "
    r"Along the axes, that is exactly the rescaling the valley needs (AdaGrad: "
    r"$@dada$, RMSprop: $@drms$). Turned by 30°, each coordinate mixes both "
    r"eigen-directions, the rescaling no longer matches them, and they end far from "
    r"the minimum (AdaGrad: $@dadar$, RMSprop: $@drmsr$). Adam's steps stay about "
    r"$\eta$ long, so with a fixed $\eta = 0.3$ it overshoots back and forth across "
    r"the minimum instead of settling "
    r"($@dadam$ after 60 steps): a fixed learning rate limits how close Adam gets.",
    bound=bound, f94=1 - 0.94 * bound * 25, f103=1 - 1.03 * bound * 25,
    d103=norm[("along the axes", names[1])], flat=1 - 0.5 * bound,
    dhalf=norm[("along the axes", names[2])], dmom=norm[("along the axes", "Momentum")],
    dmomr=norm[("turned by 30 degrees", "Momentum")],
    dada=norm[("along the axes", "AdaGrad")], drms=norm[("along the axes", "RMSprop")],
    dadar=norm[("turned by 30 degrees", "AdaGrad")],
    drmsr=norm[("turned by 30 degrees", "RMSprop")],
    dadam=norm[("along the axes", "Adam")],
)

# %% [markdown]
# ## Exercise 16.6: Rosenbrock's valley
#
# *Write the Hessian of Rosenbrock's function $f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$.
# Run each optimizer for 1,000 steps from $(-1.2, 1)$ and draw the paths. Then run SGD
# from $(1.2, 1.2)$ just below and just above $2/\lambda_{\max}$ of the Hessian at the
# minimum $(1, 1)$: why does SGD stop short, and where?*
#
# **Derivation.** With $r = y - x^2$:
#
# $$
# \begin{aligned}
# \frac{\partial f}{\partial x} &= -2(1 - x) - 400\,x\,r, &
# \frac{\partial f}{\partial y} &= 200\, r, \\
# \frac{\partial^2 f}{\partial x^2} &= 2 - 400\, r + 800\, x^2, &
# \frac{\partial^2 f}{\partial x\, \partial y} &= -400\, x, \qquad
# \frac{\partial^2 f}{\partial y^2} = 200 .
# \end{aligned}
# $$
#
# At the minimum $(1, 1)$, $r = 0$ and $H = \begin{bmatrix} 802 & -400 \\ -400 & 200
# \end{bmatrix}$. Along the valley floor $y = x^2$ ($r = 0$) the curvature across the
# valley grows with $x$, and so does $\lambda_{\max}$.
#
# ### Your turn

# %%
def rosenbrock_hessian(xy):
    """Hessian of (1 - x)^2 + 100 (y - x^2)^2 at xy = (x, y): (2,). Returns (2, 2)."""
    ### BEGIN SOLUTION
    x, y = xy[0], xy[1]
    dxx = 2 - 400 * (y - x**2) + 800 * x**2
    dxy = -400 * x
    dyy = torch.full_like(x, 200.0)
    return torch.stack([torch.stack([dxx, dxy]), torch.stack([dxy, dyy])])
    ### END SOLUTION


# %%
rosenbrock_hessian = selfcheck.check("rosenbrock_hessian", rosenbrock_hessian)
for point in ([1.0, 1.0], [-1.2, 1.0]):
    xy = torch.tensor(point, **f64)
    compare(f"H at {tuple(point)}", rosenbrock_hessian(xy),
            torch.autograd.functional.hessian(optim.rosenbrock, xy))

# %% [markdown]
# Six optimizers, 1,000 steps each, with learning rates from a small sweep (momentum
# and Nesterov $\mu = 0.9$):

# %%
rosen_runs = {
    "SGD 1.5e-3": lambda ps: optim.SGD(ps, lr=1.5e-3),
    "Momentum 1e-3": lambda ps: optim.Momentum(ps, lr=1e-3, momentum=0.9),
    "Nesterov 1e-3": lambda ps: optim.Nesterov(ps, lr=1e-3, momentum=0.9),
    "AdaGrad 1": lambda ps: optim.AdaGrad(ps, lr=1.0),
    "RMSprop 1e-2": lambda ps: optim.RMSprop(ps, lr=1e-2),
    "Adam 0.1": lambda ps: optim.Adam(ps, lr=0.1),
}
target = torch.tensor([1.0, 1.0], **f64)
start_cpu = time.process_time()
rosen_paths = {name: optim.trajectory(make, optim.rosenbrock, [-1.2, 1.0], 1000)
               for name, make in rosen_runs.items()}
rosen_cpu = time.process_time() - start_cpu
rows = []
for name, path in rosen_paths.items():
    close = ((path - target.cpu()).norm(dim=1) < 0.1).nonzero()
    rows.append([name, f"({path[-1, 0]:.3f}, {path[-1, 1]:.3f})",
                 f"{(path[-1] - target.cpu()).norm().item():.1e}",
                 str(close[0, 0].item()) if len(close) else "never"])
show_markdown(table(["optimizer, lr", "end point", "distance to (1, 1)",
                     "first step within 0.1"], rows))

# %%
fig, axes = plt.subplots(2, 3, figsize=(plot.WIDTH, 5.0), sharex=True, sharey=True)
for ax, (name, path), color in zip(axes.flat, rosen_paths.items(), plot.COLORS):
    contour_panel(ax, optim.rosenbrock, (-1.6, 1.6), (-0.6, 1.8),
                  torch.logspace(-1, 3, 12).tolist(), name)
    ax.plot(path[:, 0], path[:, 1], color=color, linewidth=1.5)
    ax.plot(path[-1, 0], path[-1, 1], "o", color=color, markersize=7)  # the end
    ax.plot([1], [1], "*", color=plot.INK, markersize=11)  # the minimum
for ax in axes[1]:
    ax.set_xlabel("$x$")
for ax in axes[:, 0]:
    ax.set_ylabel("$y$")
fig.suptitle("Exercise 16.6: 1,000 steps from (-1.2, 1); dot: the end, star: (1, 1)")
plt.show()

# %% [markdown]
# **SGD and the bound.** At $(1, 1)$ the bound is $2/\lambda_{\max}(H(1, 1))$. SGD from
# $(1.2, 1.2)$ for 1,000 steps, just below and just above it, and $\lambda_{\max}$ of the
# Hessian where it ends:

# %%
H_min = rosenbrock_hessian(target)
bound_min = max_stable_lr(H_min)
stall_rows, stall_ends = [], {}
for factor in (0.95, 1.05):
    lr = factor * bound_min
    path = optim.trajectory(lambda ps, lr=lr: optim.SGD(ps, lr=lr), optim.rosenbrock,
                            [1.2, 1.2], 1000)
    end = path[-1]
    lam_end = torch.linalg.eigvalsh(rosenbrock_hessian(end)).max().item()
    stall_ends[factor] = (lr, end, lam_end)
    stall_rows.append([f"{factor} x bound = {lr:.5f}", f"{2 / lr:.0f}",
                       f"({end[0]:.4f}, {end[1]:.4f})",
                       f"{(end - target.cpu()).norm().item():.1e}", f"{lam_end:.0f}"])
show_markdown(table(["SGD learning rate", "2 / lr", "end point", "distance to (1, 1)",
                     "lambda_max there"], stall_rows))

# %%
xs = torch.linspace(0.0, 1.2, 121, **f64)
lam_floor = [torch.linalg.eigvalsh(rosenbrock_hessian(torch.stack([x, x**2]))).max()
             for x in xs]
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
ax.plot(xs.cpu(), torch.stack(lam_floor).cpu(), color=plot.COLORS[0],
        label=r"$\lambda_{\max}(H)$ on the valley floor $y = x^2$")
for (factor, (lr, end, _)), color in zip(stall_ends.items(), plot.COLORS[1:]):
    ax.axhline(2 / lr, color=color, linestyle="--",
               label=f"2 / lr, lr = {factor} x bound")
    ax.axvline(end[0].item(), color=color, linestyle=":")
ax.set(xlabel="$x$", ylabel="curvature", ylim=(0, 1300))
ax.set_title(r"Where SGD stops: $\lambda_{\max}(H)$ reaches 2 / lr "
             r"(dotted: its end $x$)")
ax.legend(loc="lower right")
plt.show()

# %% tags=["hide-input"]
lr_lo, end_lo, lam_lo = stall_ends[0.95]
lr_hi, end_hi, lam_hi = stall_ends[1.05]
answer(
    r"From $(-1.2, 1)$, the gradient first drops every optimizer into the curved "
    r"valley; then the valley floor is almost flat and gently curved. SGD, limited by "
    r"the steep walls ($\lambda_{\max} \approx 1{,}000$), crawls along it and ends "
    r"$@dsgd$ from the minimum; AdaGrad's steps die out ($@dada$) and RMSprop's stay "
    r"too small near the end ($@drms$). Momentum, Nesterov and Adam build up speed "
    r"along the floor and arrive ($@dmom$, $@dnes$, $@dadam$)."
    "\n\n"
    r"At the minimum $\lambda_{\max} = @lam$, so $2/\lambda_{\max} = @bmin$. Below it "
    r"($\eta = @lrlo$), SGD converges: it ends $@dlo$ from $(1, 1)$. Just above it "
    r"($\eta = @lrhi$) it cannot reach the minimum, whose neighbourhood is unstable "
    r"for that step: it stops at $x = @xhi$, $@dhi$ from the minimum, where "
    r"$\lambda_{\max}(H) = @lamhi$ has fallen to $2/\eta = @twohi$. There the steep "
    r"direction is exactly at the edge of stability, the iterates bounce across the "
    r"valley and stay. Page 05's bound is local: a learning rate picks the region of "
    r"the loss where gradient descent can settle.",
    dsgd=(rosen_paths["SGD 1.5e-3"][-1] - target.cpu()).norm(),
    dada=(rosen_paths["AdaGrad 1"][-1] - target.cpu()).norm(),
    drms=(rosen_paths["RMSprop 1e-2"][-1] - target.cpu()).norm(),
    dmom=(rosen_paths["Momentum 1e-3"][-1] - target.cpu()).norm(),
    dnes=(rosen_paths["Nesterov 1e-3"][-1] - target.cpu()).norm(),
    dadam=(rosen_paths["Adam 0.1"][-1] - target.cpu()).norm(),
    lam=torch.linalg.eigvalsh(H_min).max(), bmin=bound_min, lrlo=lr_lo,
    dlo=(end_lo - target.cpu()).norm(), lrhi=lr_hi, xhi=end_hi[0],
    dhi=(end_hi - target.cpu()).norm(), lamhi=lam_hi, twohi=2 / lr_hi,
)

# %% [markdown]
# ## Exercise 16.7: the optimizers on MNIST
#
# *Train page 06's kind of network, a 784-128-10 MLP, on the "lab" split for one epoch
# with each optimizer at three learning rates. Choose each optimizer's best learning
# rate from the training loss (never the test set), and compare the loss curves at those
# rates over three seeds. Which differences remain once each optimizer has its own
# learning rate?*
#
# Mini-batch losses are noisy. To read a curve, smooth it with the same average as
# Adam's $m$: $a_k = \beta a_{k-1} + (1 - \beta)\,\ell_k$ from $a_0 = 0$, and, for the
# same reason as in 16.3, divide by $1 - \beta^k$; the result is the weighted mean of
# $\ell_1, \dots, \ell_k$ with weights $\beta^{k-j}$.
#
# ### Your turn

# %%
def smoothed_losses(losses, beta):
    """Bias-corrected exponential moving average of losses: (K,). Returns (K,)."""
    ### BEGIN SOLUTION
    out, average = [], 0.0
    for k, loss in enumerate(losses.tolist(), start=1):
        average = beta * average + (1 - beta) * loss
        out.append(average / (1 - beta**k))
    return torch.tensor(out, dtype=losses.dtype)
    ### END SOLUTION


# %%
smoothed_losses = selfcheck.check("smoothed_losses", smoothed_losses)

# %% [markdown]
# The data and the runs: one epoch of 63 batches of 128 images; seed $s$ fixes the
# initial weights and the batch order, the same for every optimizer.

# %%
data = mnist.load_mnist("lab")
X_train, y_train = data.X_train.to(device), data.y_train.to(device)  # (8000, 784)
X_test, y_test = data.X_test.to(device), data.y_test.to(device)
print(mnist.CREDIT)


def make_mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)


def batches_of(seed, batch_size=128):
    order = torch.randperm(len(X_train), generator=torch.Generator().manual_seed(seed))
    return [(X_train[i], y_train[i]) for i in order.to(device).split(batch_size)]


def one_epoch(make_optimizer, seed, schedule=None):
    """Train a fresh MLP for one epoch; returns (batch losses, test accuracy)."""
    model = make_mlp(seed)
    optimizer = make_optimizer(model.parameters())
    losses = []
    for k, (X, y) in enumerate(batches_of(seed)):
        if schedule is not None:
            for group in optimizer.param_groups:
                group["lr"] = schedule(k)
        loss = F.cross_entropy(model(X), y)  # 1. forward, 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        losses.append(loss.item())
    with torch.no_grad():
        accuracy = (model(X_test).argmax(dim=1) == y_test).double().mean().item()
    return torch.tensor(losses, dtype=torch.float64), accuracy


grid = {
    "SGD": (lambda ps, lr: optim.SGD(ps, lr=lr), [0.1, 0.3, 1.0]),
    "Momentum": (lambda ps, lr: optim.Momentum(ps, lr=lr, momentum=0.9),
                 [0.03, 0.1, 0.3]),
    "Nesterov": (lambda ps, lr: optim.Nesterov(ps, lr=lr, momentum=0.9),
                 [0.03, 0.1, 0.3]),
    "AdaGrad": (lambda ps, lr: optim.AdaGrad(ps, lr=lr), [0.01, 0.03, 0.1]),
    "RMSprop": (lambda ps, lr: optim.RMSprop(ps, lr=lr), [1e-3, 3e-3, 1e-2]),
    "Adam": (lambda ps, lr: optim.Adam(ps, lr=lr), [3e-3, 1e-2, 3e-2]),
    "AdamW": (lambda ps, lr: optim.AdamW(ps, lr=lr, weight_decay=0.01),
              [3e-3, 1e-2, 3e-2]),
}
def score(name, lr, seeds=(0,)):
    """Mean training loss over the last 20 batches, one value per seed."""
    values = torch.tensor([sweep[(name, lr, s)][0][-20:].mean().item() for s in seeds])
    return values.nan_to_num(math.inf)


seeds = [0, 1, 2]
sweep = {}
start_cpu, start_wall = time.process_time(), time.perf_counter()
for name, (make, lrs) in grid.items():
    for lr in lrs:  # the sweep: seed 0
        sweep[(name, lr, 0)] = one_epoch(lambda ps: make(ps, lr), 0)
best = {name: min(lrs, key=lambda lr: score(name, lr).item())
        for name, (_, lrs) in grid.items()}
for name, (make, _) in grid.items():
    for seed in seeds[1:]:  # the best rate again, with two more seeds
        lr = best[name]
        sweep[(name, lr, seed)] = one_epoch(lambda ps: make(ps, lr), seed)
sweep_cpu = time.process_time() - start_cpu
sweep_wall = time.perf_counter() - start_wall

# %% tags=["timing"]
print(f"sweep: {len(sweep)} runs of one epoch, {sweep_cpu:.1f} s CPU, "
      f"{sweep_wall:.1f} s wall ({torch.get_num_threads()} thread(s), {device.type})")

# %% [markdown]
# **The sweep.** The score of a run is its mean training loss over the last 20 batches;
# each optimizer's best rate has the lowest score with seed 0, and was then run with
# seeds 1 and 2 (the error bars):

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.6))
for (name, (_, lrs)), color, marker in zip(grid.items(), plot.COLORS, "osD^v<>"):
    scores = torch.cat([score(name, lr) for lr in lrs]).clamp(max=2.5)
    ax.plot(lrs, scores, marker=marker, color=color, label=name)
    at_best = score(name, best[name], seeds)
    ax.errorbar([best[name]], [at_best.mean()], yerr=[at_best.std()], color=color,
                capsize=4, linewidth=2)
ax.set_xscale("log")
ax.set(xlabel="learning rate", ylabel="training loss, last 20 batches")
ax.set_title("Exercise 16.7: the sweep (seed 0, capped at 2.5; bars: 3 seeds)")
ax.legend(ncols=2)
plt.show()

# %%
rows = []
for name in grid:
    lr = best[name]
    final = score(name, lr, seeds)
    accs = torch.tensor([sweep[(name, lr, s)][1] for s in seeds])
    rows.append([name, f"{lr:g}", f"{final.mean():.3f} ± {final.std():.3f}",
                 f"{accs.mean():.1%} ± {accs.std():.1%}"])
show_markdown(table(["optimizer", "best lr", "last-20 training loss",
                     "test accuracy"], rows))

# %% [markdown]
# The training-loss curves at each optimizer's best rate, smoothed with your
# `smoothed_losses` ($\beta = 0.8$), mean over the seeds with a band of one standard
# deviation. The sweep already ran them:

# %%
curves = {name: torch.stack([smoothed_losses(sweep[(name, best[name], s)][0], 0.8)
                             for s in seeds]) for name in grid}  # (3 seeds, 63 batches)
panels = [["SGD", "Momentum", "Nesterov"], ["AdaGrad", "RMSprop", "Adam", "AdamW"]]
fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.6), sharey=True)
for ax, names in zip(axes, panels):
    for name in names:
        color = plot.COLORS[list(grid).index(name)]
        mean, std = curves[name].mean(0), curves[name].std(0)
        steps_axis = torch.arange(1, len(mean) + 1)
        style = "--" if name in ("RMSprop", "AdamW") else "-"  # they overlap a partner
        ax.plot(steps_axis, mean, style, color=color, label=f"{name} ({best[name]:g})")
        ax.fill_between(steps_axis, mean - std, mean + std, color=color, alpha=0.15)
    ax.set(xlabel="batch", ylim=(0, 4))
    ax.legend()
axes[0].set_ylabel("training loss (smoothed)")
axes[0].set_title("SGD and momentum")
axes[1].set_title("per-coordinate methods")
fig.suptitle("Exercise 16.7: one epoch at each best rate (3 seeds, band ± 1 std)")
plt.show()

# %% tags=["hide-input"]
final = {name: score(name, best[name], seeds) for name in grid}
accs = {name: torch.tensor([sweep[(name, best[name], s)][1] for s in seeds])
        for name in grid}
low = min(final, key=lambda n: final[n].mean())
high = max(final, key=lambda n: final[n].mean())
sgd_high = sweep[("SGD", 1.0, 0)][1]
answer(
    r"Each at its best rate, the seven optimizers end the epoch close together: the "
    r"last-20-batch training loss goes from @lo for @nlo to @hi for @nhi, and the test "
    r"accuracies from @amin to @amax. The gaps between neighbours are of the size of "
    r"the spread over seeds (table above), so one epoch does not rank them. What does "
    r"differ: (1) the *best rate itself* spans two orders of magnitude, from @lrmin to "
    r"@lrmax, so comparing optimizers at one shared learning rate says more about that "
    r"rate than about them; (2) the sensitivity to it: SGD at 1.0 reaches only @sgdhi "
    r"test accuracy (seed 0; exercise 16.8 repeats it); (3) the first batches. From "
    r"the same start ($@l0$), the smoothed loss of AdaGrad peaks at @pada and "
    r"RMSprop's at @prms in the first ten batches, because their first step is about "
    r"$\eta$ in *every* one of the 101,770 weights (RMSprop's about $10\eta$, since "
    r"its $v$ starts at 0 without correction); after 20 batches the lowest curves are "
    r"@fast.",
    l0=curves["SGD"][:, 0].mean(), pada=curves["AdaGrad"].mean(0)[:10].max(),
    prms=curves["RMSprop"].mean(0)[:10].max(),
    fast=" and ".join(sorted(grid, key=lambda n: curves[n].mean(0)[19].item())[:2]),
    lo=f"{final[low].mean():.3f} ± {final[low].std():.3f}", nlo=low,
    hi=f"{final[high].mean():.3f} ± {final[high].std():.3f}", nhi=high,
    amin=f"{min(a.mean() for a in accs.values()):.1%}",
    amax=f"{max(a.mean() for a in accs.values()):.1%}",
    lrmin=f"{min(best.values()):g}", lrmax=f"{max(best.values()):g}",
    sgdhi=f"{sgd_high:.1%}",
)

# %% [markdown]
# ## Exercise 16.8: schedules and the range test
#
# *Write a learning-rate schedule with a linear warm-up followed by a cosine decay.
# Check `labkit.optim`'s step, cosine and warm-up schedules against PyTorch's
# schedulers. Does a schedule rescue SGD at the rate that failed in the sweep? Then run
# a learning-rate range test for SGD and Adam: where does it put the rate, compared with
# the sweep?*
#
# A schedule is a function from the step $k$ to $\eta_k$. Three common ones:
#
# $$
# \begin{aligned}
# \text{step:}\quad \eta_k &= \eta\, \gamma^{\lfloor k / s \rfloor}, \\
# \text{cosine:}\quad \eta_k &= \tfrac{\eta}{2}\,\bigl(1 + \cos(\pi k / K)\bigr),
#   \quad 0 \le k \le K, \\
# \text{linear warm-up:}\quad \eta_k &= \eta\, k / W \quad (k < W),
#   \text{ then } \eta .
# \end{aligned}
# $$
#
# Large steps are useful while the loss falls quickly and harmful near the end, where
# they bounce around the minimum: step and cosine decay shrink them. Warm-up protects
# the first steps, where the weights are random, the gradients large, and Adam's
# averages (16.3) or the momentum (16.1) are not yet established.
#
# ### Your turn
#
# $\eta\,k/W$ for $k < W$; then a cosine from $\eta$ at $k = W$ to 0 at $k = K$ (`total`),
# and 0 after it.

# %%
def warmup_cosine(step, warmup, total, lr):
    """The learning rate at step (ints in, a float out)."""
    ### BEGIN SOLUTION
    if step < warmup:
        return lr * step / warmup
    progress = min(step - warmup, total - warmup) / (total - warmup)
    return lr * (1 + math.cos(math.pi * progress)) / 2
    ### END SOLUTION


# %%
warmup_cosine = selfcheck.check("warmup_cosine", warmup_cosine)

# %% [markdown]
# **Check against PyTorch's schedulers**, which change an optimizer's `lr` each time
# `scheduler.step()` is called: `StepLR`, `CosineAnnealingLR` and `LinearLR` (which
# cannot start from exactly 0, so its start factor is $10^{-8}$), over 63 steps, the
# length of an epoch here:

# %%
def torch_schedule(make_scheduler, lr, steps=63):
    param = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return torch.tensor(rates, dtype=torch.float64)


ks = range(63)
schedules = {
    "step (x 0.1 at 32)": [optim.step_lr(k, 1.0, step_size=32) for k in ks],
    "cosine": [optim.cosine_lr(k, 63, 1.0) for k in ks],
    "warm-up (10 steps)": [optim.warmup_linear(k, 10, 1.0) for k in ks],
    "warm-up + cosine": [warmup_cosine(k, 10, 63, 1.0) for k in ks],
}
sched = torch.optim.lr_scheduler
compare("step_lr", torch.tensor(schedules["step (x 0.1 at 32)"], dtype=torch.float64),
        torch_schedule(lambda o: sched.StepLR(o, step_size=32, gamma=0.1), 1.0))
compare("cosine_lr", torch.tensor(schedules["cosine"], dtype=torch.float64),
        torch_schedule(lambda o: sched.CosineAnnealingLR(o, T_max=63), 1.0))
compare("warmup_linear",
        torch.tensor(schedules["warm-up (10 steps)"], dtype=torch.float64),
        torch_schedule(lambda o: sched.LinearLR(o, 1e-8, total_iters=10), 1.0))

# %% [markdown]
# **The experiment:** SGD at $\eta = 1$, which failed in the sweep, with each schedule,
# three seeds:

# %%
schedule_runs = {"constant": None,
                 "step": lambda k: optim.step_lr(k, 1.0, step_size=32),
                 "cosine": lambda k: optim.cosine_lr(k, 63, 1.0),
                 "warm-up + cosine": lambda k: warmup_cosine(k, 10, 63, 1.0)}
scheduled = {(name, seed): one_epoch(lambda ps: optim.SGD(ps, lr=1.0), seed, schedule)
             for name, schedule in schedule_runs.items() for seed in seeds}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.2))
for (name, schedule), color in zip(schedule_runs.items(), plot.COLORS):
    rates = [1.0 if schedule is None else schedule(k) for k in ks]
    ax1.plot(list(ks), rates, color=color, label=name)
    losses = torch.stack([smoothed_losses(scheduled[(name, s)][0], 0.8) for s in seeds])
    ax2.plot(range(1, 64), losses.mean(0), color=color, label=name)
ax1.set(xlabel="step", ylabel="lr")
ax1.set_title("the four schedules, lr_max = 1")
ax2.set(xlabel="batch", ylabel="training loss (smoothed)", ylim=(0, 3))
ax2.set_title("SGD with them (mean of 3 seeds)")
ax2.legend()
plt.show()

schedule_rows = []
for name in schedule_runs:
    accs_s = torch.tensor([scheduled[(name, s)][1] for s in seeds])
    last = torch.tensor([scheduled[(name, s)][0][-20:].mean().item() for s in seeds])
    schedule_rows.append([name, f"{last.mean():.3f} ± {last.std():.3f}",
                          f"{accs_s.mean():.1%} ± {accs_s.std():.1%}"])
show_markdown(table(["SGD at lr 1, schedule", "last-20 training loss", "test accuracy"],
                    schedule_rows))

# %% [markdown]
# **The range test** (L. Smith's): one short run in which the learning rate grows
# geometrically at every batch, from $10^{-4}$ to 10 for SGD and $10^{-5}$ to 1 for
# Adam, over 100 batches, stopped once the loss exceeds four times its lowest value.
# The loss falls while the rate is useful and explodes once it is too large; a good
# rate lies near the steepest fall of the smoothed loss, a little below the point where
# it turns up. `labkit.optim.lr_range_test` runs it; three seeds each:

# %%
range_tests = {}
for name, factory, lo, hi in [("SGD", None, 1e-4, 10.0),
                              ("Adam", lambda ps: optim.Adam(ps), 1e-5, 1.0)]:
    for seed in seeds:
        lrs, losses = optim.lr_range_test(lambda seed=seed: make_mlp(seed),
                                          F.cross_entropy, batches_of(seed), lo, hi,
                                          100, opt_factory=factory)
        smooth = smoothed_losses(losses, 0.8)
        steepest = int((smooth[1:] - smooth[:-1]).argmin()) + 1
        range_tests[(name, seed)] = (lrs, smooth, lrs[steepest].item())

fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.2), sharey=True)
for ax, name in zip(axes, ["SGD", "Adam"]):
    for seed, color in zip(seeds, plot.COLORS):
        lrs, smooth, steep = range_tests[(name, seed)]
        ax.semilogx(lrs, smooth, color=color, label=f"seed {seed}")
        ax.axvline(steep, color=color, linestyle=":", linewidth=1.2)
    ax.axvline(best[name], color=plot.INK, linestyle="--", label="sweep's best")
    ax.set(xlabel="learning rate", ylim=(0, 5))
    ax.set_title(f"range test, {name} (dotted: steepest fall)")
axes[0].set_ylabel("training loss (smoothed)")
axes[0].legend(fontsize=9)
plt.show()

# %% tags=["hide-input"]
steep = {name: torch.tensor([range_tests[(name, s)][2] for s in seeds])
         for name in ["SGD", "Adam"]}
const = [r for r in schedule_rows if r[0] == "constant"][0]
warm = [r for r in schedule_rows if r[0] == "warm-up + cosine"][0]
cos = [r for r in schedule_rows if r[0] == "cosine"][0]
answer(
    r"labkit's step, cosine and warm-up schedules equal PyTorch's schedulers. At $\eta "
    r"= 1$ with a constant rate, SGD fails, as in the sweep (test accuracy @c). The "
    r"damage happens in the first steps: decaying the rate later (step decay) comes "
    r"too late, a cosine that starts at full rate helps on some seeds only (@cos), and "
    r"a 10-step warm-up followed by the cosine trains on every seed (@warm), although "
    r"still below the tuned constant rate of 16.7: a schedule widens the range of "
    r"rates that work, it does not replace choosing one."
    "\n\n"
    r"The range test's steepest fall lies at $\eta \approx @sgd$ for SGD and @adam for "
    r"Adam (geometric mean over seeds), against the sweep's @bsgd and @badam: @fsgd "
    r"and @fadam times smaller, from one run of at most 100 batches instead of three "
    r"epochs per optimizer. It gives the scale of a good rate, not its value: the "
    r"sweep then refines it.",
    c=const[2], cos=cos[2], warm=warm[2],
    sgd=f"{steep['SGD'].log().mean().exp():.3g}",
    adam=f"{steep['Adam'].log().mean().exp():.3g}",
    bsgd=f"{best['SGD']:g}", badam=f"{best['Adam']:g}",
    fsgd=f"{best['SGD'] / steep['SGD'].log().mean().exp():.1f}",
    fadam=f"{best['Adam'] / steep['Adam'].log().mean().exp():.1f}",
)

# %% [markdown]
# ## Summary
#
# `labkit.optim` has the seven optimizers as `torch.optim.Optimizer` subclasses, the
# test functions and the schedules. One step of each from the same state agrees with
# your rules:

# %%
g = torch.Generator().manual_seed(3)
p0, g0 = (torch.randn(4, generator=g, dtype=torch.float64).to(device) for _ in range(2))
rules = {"Momentum": (lambda ps: optim.Momentum(ps, lr=0.1, momentum=0.9),
                      lambda: momentum_step(p0, g0, torch.zeros_like(p0), 0.1, 0.9)[0]),
         "Nesterov": (lambda ps: optim.Nesterov(ps, lr=0.1, momentum=0.9),
                      lambda: nesterov_step(p0, g0, torch.zeros_like(p0), 0.1, 0.9)[0]),
         "AdaGrad": (lambda ps: optim.AdaGrad(ps, lr=0.1),
                     lambda: adagrad_step(p0, g0, torch.zeros_like(p0), 0.1, 1e-10)[0]),
         "RMSprop": (lambda ps: optim.RMSprop(ps, lr=0.1),
                     lambda: rmsprop_step(p0, g0, torch.zeros_like(p0), 0.1, 0.99,
                                          1e-8)[0]),
         "Adam": (lambda ps: optim.Adam(ps, **adam_args),
                  lambda: adam_step(p0, g0, torch.zeros_like(p0), torch.zeros_like(p0),
                                    1, **adam_args)[0]),
         "AdamW": (lambda ps: optim.AdamW(ps, weight_decay=0.1, **adam_args),
                   lambda: adamw_step(p0, g0, torch.zeros_like(p0),
                                      torch.zeros_like(p0), 1, weight_decay=0.1,
                                      **adam_args)[0])}
for name, (make, mine) in rules.items():
    param = nn.Parameter(p0.clone())
    opt = make([param])
    param.grad = g0.clone()
    opt.step()
    compare(name, mine(), param.detach())
print("warmup_cosine agrees with labkit's warm-up and cosine:",
      all(math.isclose(warmup_cosine(k, 10, 63, 0.1),
                       optim.warmup_linear(k, 10, 0.1) if k < 10
                       else optim.cosine_lr(k - 10, 53, 0.1)) for k in range(80)))

# %% [markdown]
# - Momentum keeps an exponential average of the gradients, which multiplies the
#   learning rate by up to $1/(1 - \mu)$ where gradients agree and cancels oscillations;
#   Nesterov adds a look-ahead.
# - AdaGrad divides by the root of a sum of squared gradients, so its steps shrink like
#   $1/\sqrt t$; RMSprop uses a moving average instead; Adam combines momentum and
#   RMSprop and corrects both averages by $1 - \beta^t$; AdamW decays the weights
#   directly.
# - SGD converges on a quadratic for $\eta < 2/\lambda_{\max}$; on Rosenbrock's valley
#   it stops where the local $\lambda_{\max}$ equals $2/\eta$. Momentum helps in narrow
#   valleys whatever their direction; per-coordinate scaling helps when they are along
#   the axes.
# - On MNIST, each at its own best learning rate, the optimizers end one epoch close
#   together; the best rates differ by orders of magnitude. Warm-up rescues a rate too
#   large for a constant schedule, and a range test finds the scale of a good rate in
#   one short run.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Momentum's optimal parameters on a quadratic are
#    $\eta = 4/(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}})^2$ and
#    $\mu = \bigl((\sqrt\kappa - 1)/(\sqrt\kappa + 1)\bigr)^2$. Run them on the valleys
#    of 16.5: how many steps to $\lVert x \rVert < 10^{-2}$, against SGD's best?
# 2. Add RMSprop with `centered=True` and Adam without bias correction to the MNIST
#    sweep. Is uncorrected Adam's best rate smaller, as 16.3 predicts?
# 3. Train the MLP for five epochs with Adam and AdamW at their best rate and
#    `weight_decay` in $\{0, 10^{-2}, 10^{-1}\}$. When does decoupled decay change the
#    test accuracy?
# 4. Replace the geometric range test by a linear one. Why does the geometric one read
#    better on a log axis?
#
# ## Next
#
# [Recurrent networks](17-rnn.py) train with these optimizers on sequences, where
# exploding gradients make clipping necessary as well.
