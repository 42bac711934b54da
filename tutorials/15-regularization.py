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
# # Regularization
#
# **Sheets:** Deep Learning Lab manual (CSE 3281), "Regularization for Deep Neural
# Networks" (lab 6 in the manual's contents). The manual only titles this lab; the
# exercises below are written for this course in the manual's style: each asks you to
# implement something, then to answer a question with an experiment.
#
# **What you need:** the MNIST splits and the training loop of
# [Feed-forward networks](06-feedforward-networks.py); Adam, from
# [Regression experiments with MLPs](08-regression-experiments.py); the shifted digits of
# [Convolutional networks](13-cnn.py), which motivate data augmentation.
#
# ## What you will learn
#
# - to recognise overfitting: 100% training accuracy, a gap to unseen data, and a
#   validation *loss* that turns up while the validation accuracy barely moves;
# - L2 regularisation as a penalty and as weight decay, why the two are the same for SGD
#   but not for Adam, and what AdamW changes;
# - dropout and batch normalisation by hand, with their training and evaluation modes;
# - early stopping on a validation split carved from the training data, and data
#   augmentation with `torchvision.transforms.v2` (and its one trap);
# - to compare regularisers honestly: several seeds, the spread, loss and accuracy.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [15.1 A baseline that overfits](#exercise-151-a-baseline-that-overfits) | a training run | — |
# | [15.2 L2 and weight decay](#exercise-152-l2-penalty-and-weight-decay) | `l2_penalty`, `adam_weight_decay_step` | 2 |
# | [15.3 Dropout](#exercise-153-inverted-dropout) | `inverted_dropout` | 1 |
# | [15.4 Early stopping](#exercise-154-early-stopping) | `early_stopping` | 1 |
# | [15.5 Data augmentation](#exercise-155-data-augmentation) | `augment_each` | 1 |
# | [15.6 Batch normalisation](#exercise-156-batch-normalisation) | `batchnorm_train`, `batchnorm_eval` | 2 |
# | [15.7 Which regulariser helps?](#exercise-157-which-regulariser-helps) | a table and curves | — |
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
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2

from labkit import compare, get_device, mnist, plot, regularization, seed_everything
from labkit import selfcheck
from labkit.display import answer, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()

data = mnist.load_mnist("small", flatten=False)
X_all, y_all = data.X_train.unsqueeze(1), data.y_train  # (1000, 1, 28, 28), (1000,)
X_test = data.X_test.unsqueeze(1).to(device)  # (1000, 1, 28, 28)
y_test = data.y_test.to(device)
background = X_all.min().item()  # a blank pixel, after standardisation
print(mnist.CREDIT)

# %% [markdown]
# ## Exercise 15.1: a baseline that overfits
#
# *Train a large MLP on the "small" split until it classifies its training images
# perfectly. Plot the loss and the accuracy on the training and on a validation split
# after every epoch. Where does the overfitting show?*
#
# The "small" split has 1,000 training and 1,000 test images. Every choice this page makes
# (when to stop, which regulariser) is made on a **validation split carved from the
# training images**: 200 of them, drawn once. The test images are used only at the very
# end, to report; a test set that has helped choose is no longer an estimate of the error
# on unseen data.

# %%
order = torch.randperm(len(X_all), generator=torch.Generator().manual_seed(0))
val_idx, train_idx = order[:200], order[200:]
X_train, y_train = X_all[train_idx].to(device), y_all[train_idx].to(device)  # 800
X_val, y_val = X_all[val_idx].to(device), y_all[val_idx].to(device)  # 200
print(f"train {len(X_train)}, validation {len(X_val)}, test {len(X_test)}")
print("images per class in the training part:", torch.bincount(y_train.cpu()).tolist())

# %% [markdown]
# The network, 784 → 256 → 256 → 10 with ReLU, has
# $785 \cdot 256 + 257 \cdot 256 + 257 \cdot 10 = 269{,}322$ parameters, 337 per training
# image. The exercises below add dropout and batch normalisation layers to it
# (`labkit.regularization`'s modules, which use the functions you write).

# %%
def make_mlp(dropout=0.0, batchnorm=False):
    layers, num_inputs = [nn.Flatten()], 784
    for _ in range(2):
        layers.append(nn.Linear(num_inputs, 256))
        if batchnorm:
            layers.append(regularization.BatchNorm1d(256))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(regularization.Dropout(dropout))
        num_inputs = 256
    layers.append(nn.Linear(num_inputs, 10))
    return nn.Sequential(*layers)


print(f"{sum(p.numel() for p in make_mlp().parameters()):,} parameters")

# %% [markdown]
# One training function serves the whole page: Adam with learning rate $10^{-3}$,
# batches of 100, 20 epochs. Its options switch on each regulariser: an L2 penalty
# (`l2`, with your `l2_penalty` of exercise 15.2), AdamW's weight decay, dropout, early
# stopping (with your `early_stopping` of exercise 15.4), a bank of augmented images
# (exercise 15.5) and batch normalisation. After every epoch it records the training loss
# and accuracy (averaged over the epoch's batches, in training mode) and the validation
# loss and accuracy (in evaluation mode).

# %%
@torch.no_grad()
def evaluate(model, X, y):
    """(cross-entropy, accuracy) of model on X, y, in evaluation mode."""
    model.eval()
    logits = model(X)
    accuracy = (logits.argmax(1) == y).double().mean().item()
    return F.cross_entropy(logits, y).item(), accuracy


def fit(seed, *, dropout=0.0, batchnorm=False, l2=0.0, adamw_decay=0.0, bank=None,
        patience=None, num_epochs=20, batch_size=100):
    """Train make_mlp on the 800 training images; return (model, history)."""
    torch.manual_seed(seed)  # initial weights and dropout masks
    g = torch.Generator().manual_seed(seed)  # batch order and augmented versions
    model = make_mlp(dropout, batchnorm).to(device)
    if adamw_decay:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3,
                                      weight_decay=adamw_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]  # not the biases
    history = {"train loss": [], "train acc": [], "val loss": [], "val acc": []}
    best_state = None
    for epoch in range(num_epochs):
        model.train()
        batch_order = torch.randperm(len(X_train), generator=g)
        loss_sum = correct = 0.0
        for start in range(0, len(X_train), batch_size):
            idx = batch_order[start:start + batch_size]
            if bank is None:
                X = X_train[idx]
            else:  # one of the bank's versions of each image, at random
                X = bank[torch.randint(len(bank), (len(idx),), generator=g), idx]
            logits = model(X)  # 1. forward
            loss = F.cross_entropy(logits, y_train[idx])  # 2. loss
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y_train[idx]).sum().item()
            if l2:
                loss = loss + l2_penalty(weights, l2)
            optimizer.zero_grad()
            loss.backward()  # 3. backward
            optimizer.step()  # 4. update
        history["train loss"].append(loss_sum / len(X_train))
        history["train acc"].append(correct / len(X_train))
        val_loss, val_acc = evaluate(model, X_val, y_val)
        history["val loss"].append(val_loss)
        history["val acc"].append(val_acc)
        if patience is not None:
            best, stop = early_stopping(history["val loss"], patience)
            if best == epoch:
                best_state = copy.deepcopy(model.state_dict())
            if stop is not None:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model.eval(), history


# %% [markdown]
# Three seeds of the baseline (seeds set the initial weights and the batch order). The
# test set is evaluated once, after training:

# %%
seeds = [0, 1, 2]
runs = {}  # regulariser -> [(model, history)] per seed
runs["none"] = [fit(seed) for seed in seeds]


def final_numbers(name):
    """Per seed: train accuracy (evaluation mode), test loss, test accuracy."""
    rows = []
    for model, _ in runs[name]:
        _, train_acc = evaluate(model, X_train, y_train)
        test_loss, test_acc = evaluate(model, X_test, y_test)
        rows.append((train_acc, test_loss, test_acc))
    return torch.tensor(rows)  # (num_seeds, 3)


def mean_curve(name, key):
    """The mean over seeds of one history entry, as far as every seed ran."""
    curves = [history[key] for _, history in runs[name]]
    length = min(len(c) for c in curves)
    return torch.tensor([c[:length] for c in curves]).mean(0)


baseline = final_numbers("none")
rows = []
for seed, (_, history), (train_acc, test_loss, test_acc) in zip(seeds, runs["none"],
                                                              baseline.tolist()):
    rows.append([str(seed), f"{train_acc:.1%}", f"{history['val acc'][-1]:.1%}",
                 f"{test_acc:.1%}", f"{test_loss:.3f}"])
show_markdown(table(["seed", "train accuracy", "validation accuracy", "test accuracy",
                     "test loss"], rows, align="lrrrr"))

# %%
epochs = torch.arange(1, 21)
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.3))
for key, color in [("train", plot.COLORS[0]), ("val", plot.COLORS[1])]:
    label = "training" if key == "train" else "validation"
    ax_loss.plot(epochs, mean_curve("none", f"{key} loss"), color=color, label=label)
    ax_acc.plot(epochs, mean_curve("none", f"{key} acc"), color=color, label=label)
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log")
ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0.7, 1.01))
ax_loss.set_title("loss (mean of 3 seeds)")
ax_acc.set_title("accuracy (mean of 3 seeds)")
ax_loss.legend()
fig.suptitle("Exercise 15.1: the baseline MLP on 800 training images")
plt.show()

# %% tags=["hide-input"]
val_loss_curve = mean_curve("none", "val loss")
best_epoch = int(val_loss_curve.argmin()) + 1
val_acc_curve = mean_curve("none", "val acc")
answer(
    r"Every seed ends at @train training accuracy (in evaluation mode) against "
    r"@test on the test images: a gap of @gap points. The training loss keeps falling "
    r"towards 0, and the network has memorised its 800 images; they are no longer "
    r"evidence of how it does on new ones." "\n\n"
    r"The overfitting shows in the validation **loss**: it is lowest at epoch $@best$ "
    r"($@lmin$) and then rises to $@lend$ at epoch 20, while the validation "
    r"**accuracy** moves by only @dacc points (@amin at epoch $@best$, @aend at epoch "
    r"20). The "
    r"cross-entropy punishes confident mistakes: once the training images are fitted, "
    r"further steps make the network ever more confident, which helps on the training "
    r"set but costs much on the few validation images it gets wrong, without changing "
    r"many argmaxes. So watch the loss, not only the accuracy, and report both.",
    train=f"{baseline[:, 0].min():.0%}",
    test=f"{baseline[:, 2].mean():.1%} ± {baseline[:, 2].std():.1%}",
    gap=f"{100 * (baseline[:, 0] - baseline[:, 2]).mean():.1f}",
    best=best_epoch, lmin=val_loss_curve.min(), lend=val_loss_curve[-1],
    amin=f"{val_acc_curve[best_epoch - 1]:.1%}", aend=f"{val_acc_curve[-1]:.1%}",
    dacc=f"{100 * (val_acc_curve[-1] - val_acc_curve[best_epoch - 1]):+.1f}",
)

# %% [markdown]
# ## Exercise 15.2: L2 penalty and weight decay
#
# *Add an L2 penalty on the weights to the loss, and implement one step of Adam with L2
# and of AdamW. Show, by comparing parameters after a few steps, that the penalty and
# `weight_decay` are the same for SGD, and that Adam's L2 differs from AdamW's decoupled
# decay. Which weights does each shrink?*
#
# **SGD.** The penalised loss and its gradient are
#
# $$
# \begin{aligned}
# \tilde L(w) &= L(w) + \tfrac{\lambda}{2} \lVert w \rVert^2, &
# \nabla \tilde L(w) &= \nabla L(w) + \lambda w,
# \end{aligned}
# $$
#
# so one SGD step with learning rate $\eta$ is
#
# $$
# w \leftarrow w - \eta \bigl(\nabla L(w) + \lambda w\bigr)
#   = (1 - \eta \lambda)\, w - \eta \nabla L(w):
# $$
#
# the penalty *decays* every weight by the factor $1 - \eta\lambda$ before the usual step.
# `torch.optim.SGD(weight_decay=λ)` adds $\lambda w$ to the gradient, which is the same.
#
# **Adam** divides each coordinate of its step by the root of a running average of the
# squared gradient. With the penalty, the decay term is part of the gradient $g_t$ and is
# divided too (with $\beta_1 = 0.9$, $\beta_2 = 0.999$):
#
# $$
# \begin{aligned}
# g_t &= \nabla L(w) + \lambda w, \\
# m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, &
# v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \\
# \hat m_t &= m_t / (1 - \beta_1^t), & \hat v_t &= v_t / (1 - \beta_2^t), \\
# w &\leftarrow w - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon).
# \end{aligned}
# $$
#
# A weight with large gradients has a large $\hat v_t$, so its decay $\lambda w /
# \sqrt{\hat v_t}$ is small; a weight with tiny gradients is decayed at nearly the full
# step size $\eta$. `torch.optim.Adam(weight_decay=λ)` does exactly this: it is the L2
# penalty. **AdamW** (Loshchilov and Hutter) decouples the decay from the gradient: the
# moments see $\nabla L$ only, and every weight shrinks by the same factor,
#
# $$
# \begin{aligned}
# g_t &= \nabla L(w), \quad m_t, v_t, \hat m_t, \hat v_t \text{ as above}, \\
# w &\leftarrow (1 - \eta\lambda)\, w - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon).
# \end{aligned}
# $$
#
# ### Your turn

# %%
def l2_penalty(weights, lam):
    """(lam / 2) * sum of the squared entries of every tensor in weights (a list)."""
    ### BEGIN SOLUTION
    return lam / 2 * sum(W.pow(2).sum() for W in weights)
    ### END SOLUTION


def adam_weight_decay_step(w, grad, m, v, t, lr, weight_decay, decoupled):
    """One step of Adam with L2 (decoupled=False) or AdamW (True); betas (0.9, 0.999),
    eps 1e-8; t counts from 1. Returns the new (w, m, v); changes nothing in place."""
    ### BEGIN SOLUTION
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    if not decoupled:
        grad = grad + weight_decay * w  # L2: the penalty's gradient
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    if decoupled:
        w = w - lr * weight_decay * w  # AdamW: shrink w directly
    return w - lr * m_hat / (v_hat.sqrt() + eps), m, v
    ### END SOLUTION


# %%
l2_penalty = selfcheck.check("l2_penalty", l2_penalty)
adam_weight_decay_step = selfcheck.check("adam_weight_decay_step",
                                         adam_weight_decay_step)

# %% [markdown]
# **The comparison.** A small network, five steps on the same batch with $\lambda = 0.1$
# (decayed: every parameter, biases included), each version starting from the same
# weights: the penalty added to the loss against each optimizer's `weight_decay`, and
# your step against `torch.optim.Adam` and `AdamW`.

# %%
torch.manual_seed(0)
template = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
template = template.double().to(device)
X_small = torch.randn(16, 6, dtype=torch.float64, device=device)
y_small = torch.randint(0, 3, (16,), device=device)
lam, lr, num_steps = 0.1, 0.05, 5


def five_steps(make_optimizer, penalty):
    """Parameters after num_steps steps, as one flat vector."""
    model = copy.deepcopy(template)
    optimizer = make_optimizer(model.parameters())
    for _ in range(num_steps):
        loss = F.cross_entropy(model(X_small), y_small)
        if penalty:
            loss = loss + l2_penalty(list(model.parameters()), lam)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def five_steps_by_hand(decoupled):
    """The same with your adam_weight_decay_step, one parameter tensor at a time."""
    model = copy.deepcopy(template)
    params = list(model.parameters())
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    for t in range(1, num_steps + 1):
        grads = torch.autograd.grad(F.cross_entropy(model(X_small), y_small), params)
        with torch.no_grad():
            for i, (p, grad) in enumerate(zip(params, grads)):
                new_p, m, v = adam_weight_decay_step(p, grad, *moments[i], t, lr, lam,
                                                     decoupled)
                p.copy_(new_p)
                moments[i] = (m, v)
    return torch.cat([p.detach().flatten() for p in params])


def sgd(params, weight_decay=0.0):
    return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)


def adam(params, weight_decay=0.0):
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def adamw(params):
    return torch.optim.AdamW(params, lr=lr, weight_decay=lam)


after = {
    "SGD + penalty": five_steps(sgd, True),
    "SGD(weight_decay)": five_steps(lambda ps: sgd(ps, lam), False),
    "Adam + penalty": five_steps(adam, True),
    "Adam(weight_decay)": five_steps(lambda ps: adam(ps, lam), False),
    "AdamW(weight_decay)": five_steps(adamw, False),
}
compare("SGD: penalty vs weight_decay", after["SGD + penalty"],
        after["SGD(weight_decay)"])
compare("Adam: penalty vs weight_decay", after["Adam + penalty"],
        after["Adam(weight_decay)"])
compare("your step, L2 vs Adam(weight_decay)", five_steps_by_hand(False),
        after["Adam(weight_decay)"])
compare("your step, decoupled vs AdamW", five_steps_by_hand(True),
        after["AdamW(weight_decay)"])
adam_vs_adamw = compare("Adam(weight_decay) vs AdamW", after["Adam(weight_decay)"],
                        after["AdamW(weight_decay)"], expect="mismatch")

# %% [markdown]
# The last line is a mismatch on purpose: Adam's `weight_decay` and AdamW's differ. Which
# weights do they shrink? An experiment without data: 40 groups of 25 weights start at
# $w = 1$; the "loss gradient" of a group is pure noise of standard deviation $\sigma$,
# from $10^{-4}$ to $10$, so the loss itself does not prefer any value and only the decay
# moves the weights on average. 300 steps, $\eta = 0.01$, $\lambda = 0.1$:

# %%
sigmas = torch.logspace(-4, 1, 40, dtype=torch.float64, device=device)
noise_scale = sigmas.repeat_interleave(25)  # (1000,)
noise = torch.Generator(device=device).manual_seed(0)


def decay_experiment(make_optimizer, num_steps=300):
    w = torch.ones(len(noise_scale), dtype=torch.float64, device=device,
                   requires_grad=True)
    optimizer = make_optimizer([w])
    for _ in range(num_steps):
        w.grad = noise_scale * torch.randn(w.shape, generator=noise, dtype=w.dtype,
                                           device=device)
        optimizer.step()
    return w.detach().reshape(40, 25).mean(1).cpu()  # mean weight per sigma


decayed = {
    "Adam, no decay": decay_experiment(lambda ps: torch.optim.Adam(ps, lr=0.01)),
    "Adam + L2": decay_experiment(
        lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1)),
    "AdamW": decay_experiment(
        lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1)),
    "SGD + L2 (= decay)": decay_experiment(
        lambda ps: torch.optim.SGD(ps, lr=0.01, weight_decay=0.1)),
}
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
for (name, w_end), color in zip(decayed.items(), plot.COLORS):
    ax.plot(sigmas.cpu(), w_end, color=color, label=name)
ax.axhline((1 - 0.01 * 0.1) ** 300, color=plot.INK, ls=":", lw=1.2,
           label=r"$(1 - \eta\lambda)^{300}$")
ax.set(xscale="log", xlabel=r"gradient noise $\sigma$ of the weight",
       ylabel="mean weight after 300 steps")
ax.set_title("Exercise 15.2: which weights does the decay shrink? (start: 1)")
ax.legend(ncols=2)
plt.show()

# %% tags=["hide-input"]
answer(
    r"For SGD, adding $\tfrac{\lambda}{2}\lVert w\rVert^2$ to the loss and passing "
    r"`weight_decay=λ` give the same parameters, and so do Adam with the penalty and "
    r"`Adam(weight_decay=λ)`: PyTorch's Adam implements weight decay as the L2 "
    r"penalty. AdamW differs from it by $@diff$ after five steps. The experiment shows "
    r"why. With AdamW (and SGD) the weights end near $(1 - \eta\lambda)^{300} = "
    r"@factor$ on average, whatever their gradient noise (around it, the noise's "
    r"random walk): the decay is decoupled. With Adam's L2, "
    r"a weight with small gradients ($\sigma = 10^{-4}$) is driven to $@small$, "
    r"because there $\lambda w$ *is* the gradient and Adam turns it into steps of "
    r"size $\eta$; a weight with large gradients ($\sigma = 10$) keeps $@large$, "
    r"because $\lambda w$ drowns in $\sqrt{\hat v_t}$. So under Adam, L2 regularises "
    r"the weights that the data moves least and barely touches the busy ones; AdamW "
    r"restores the plain shrinkage that L2 means for SGD.",
    diff=adam_vs_adamw, factor=(1 - 0.01 * 0.1) ** 300,
    small=decayed["Adam + L2"][0], large=decayed["Adam + L2"][-1],
)

# %% [markdown]
# On MNIST, both versions, three seeds each: the penalty with Adam ($\lambda = 10^{-3}$ on
# the weights of the three layers, not the biases) and AdamW's decay ($\lambda = 1$, that
# is, a shrinkage of $10^{-3}$ per step). Exercise 15.7 compares them with the rest.

# %%
runs["L2 penalty"] = [fit(seed, l2=1e-3) for seed in seeds]
runs["AdamW decay"] = [fit(seed, adamw_decay=1.0) for seed in seeds]

# %% [markdown]
# ## Exercise 15.3: inverted dropout
#
# *Implement inverted dropout for training and evaluation, and check it against
# `nn.Dropout`'s statistics. What does it do to the mean and the variance of a unit's
# output?*
#
# While training, every entry is kept with probability $1 - p$ and scaled by
# $1/(1 - p)$, with a fresh mask $m_i \sim \text{Bernoulli}(1 - p)$ for every entry of
# every batch:
#
# $$
# \begin{aligned}
# \tilde h_i &= \frac{m_i\, h_i}{1 - p}, &
# \mathbb{E}[\tilde h_i] &= h_i, &
# \operatorname{Var}[\tilde h_i] &= \frac{p}{1 - p}\, h_i^2 .
# \end{aligned}
# $$
#
# In evaluation the network is used whole, $\tilde h = h$: the scaling during training
# makes the expected value the same in both modes ("inverted" dropout; the original paper
# scaled by $1 - p$ at test time instead). The backward pass multiplies by the same mask:
# $\partial \tilde h_i / \partial h_i = m_i / (1 - p)$.
#
# ### Your turn
#
# The uniform random numbers come as an argument `U`, so that the check can compare:
# keep the entries where $U \ge p$.

# %%
def inverted_dropout(X, U, p, training):
    """X, U: same shape, U uniform in [0, 1). Keep X where U >= p, scaled by 1/(1 - p);
    in evaluation (training=False) return X unchanged."""
    ### BEGIN SOLUTION
    if not training:
        return X
    keep = (U >= p).to(X.dtype)
    return X * keep / (1 - p)
    ### END SOLUTION


# %%
inverted_dropout = selfcheck.check("inverted_dropout", inverted_dropout)

# %% [markdown]
# **Against `nn.Dropout`**: 200,000 entries equal to 1, for $p$ from 0.1 to 0.9. The
# fraction of zeros, the mean and the variance of yours and of `nn.Dropout`, and the
# values $p$, 1 and $p/(1-p)$ of the derivation:

# %%
ones = torch.ones(200_000, dtype=torch.float64, device=device)
gen = torch.Generator(device=device).manual_seed(0)
torch.manual_seed(0)
rows, stats = [], {"mine": [], "nn.Dropout": []}
ps = [0.1, 0.3, 0.5, 0.7, 0.9]
for p in ps:
    U = torch.rand(ones.shape, generator=gen, dtype=torch.float64, device=device)
    outputs = {"mine": inverted_dropout(ones, U, p, True),
               "nn.Dropout": nn.Dropout(p)(ones)}
    for name, out in outputs.items():
        stats[name].append(out.var().item())
        rows.append([name, p, (out == 0).double().mean().item(), out.mean().item(),
                     out.var().item(), p / (1 - p)])
show_markdown(table(["dropout", "$p$", "fraction of zeros", "mean", "variance",
                     "$p / (1-p)$"], rows))

# %% [markdown]
# Training and evaluation mode in a network: `model.train()` draws a new mask at every
# call, `model.eval()` turns dropout off, which gives exactly the network without it.

# %%
torch.manual_seed(0)
with_dropout = make_mlp(dropout=0.5).to(device)
# the same layers, without the dropout layers
without = nn.Sequential(*[m for m in with_dropout
                          if not isinstance(m, regularization.Dropout)])
digits = X_val[:5]
with torch.no_grad():
    first, second = with_dropout.train()(digits), with_dropout(digits)
    evaluated, plain = with_dropout.eval()(digits), without(digits)
print(f"train mode, two calls: max difference {(first - second).abs().max():.3f}")
_ = compare("eval mode vs the network without dropout", evaluated, plain)

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
p_grid = torch.linspace(0.05, 0.9, 50)
ax.plot(p_grid, p_grid / (1 - p_grid), color=plot.INK, lw=1.2, label=r"$p / (1 - p)$")
for (name, variances), marker, color in zip(stats.items(), "os", plot.COLORS):
    ax.plot(ps, variances, marker, color=color, label=name, ms=7, mfc="none", mew=2)
ax.set(xlabel="dropout probability $p$", ylabel="variance of the output", yscale="log")
ax.set_title("Exercise 15.3: the variance dropout adds to an input of 1")
ax.legend()
plt.show()

# %% [markdown]
# On MNIST, with $p = 0.5$ after each hidden ReLU:

# %%
runs["dropout"] = [fit(seed, dropout=0.5) for seed in seeds]

# %% tags=["hide-input"]
at_03 = [row for row in rows if row[1] == 0.3]
dropout_numbers = final_numbers("dropout")
answer(
    r"Both versions zero about a fraction $p$ of the entries (for $p = 0.3$: "
    r"$@z_mine$ and $@z_torch$) and keep the mean at 1 ($@m_mine$, $@m_torch$); the "
    r"variance follows $p/(1-p)$ ($@v_mine$ and $@v_torch$ against $@v_theory$). The "
    r"masks differ, since each draws its own random numbers, but the statistics are "
    r"the same. In training mode two calls of the same network give different outputs; "
    r"in evaluation mode it is the plain network. Dropout adds multiplicative noise to "
    r"every hidden unit, so that no unit can rely on a particular other one being "
    r"there. On MNIST it reaches @test test accuracy (baseline @base) and a test loss "
    r"of $@loss$ (baseline $@base_loss$), while its training accuracy, measured "
    r"without dropout, stays at @train.",
    z_mine=at_03[0][2], z_torch=at_03[1][2], m_mine=at_03[0][3], m_torch=at_03[1][3],
    v_mine=at_03[0][4], v_torch=at_03[1][4], v_theory=0.3 / 0.7,
    test=f"{dropout_numbers[:, 2].mean():.1%} ± {dropout_numbers[:, 2].std():.1%}",
    base=f"{baseline[:, 2].mean():.1%}", loss=dropout_numbers[:, 1].mean(),
    base_loss=baseline[:, 1].mean(), train=f"{dropout_numbers[:, 0].mean():.1%}",
)

# %% [markdown]
# ## Exercise 15.4: early stopping
#
# *Stop training when the validation loss has not improved for `patience` epochs, and
# keep the weights of the best epoch. What does early stopping buy on this problem, in
# loss and in accuracy?*
#
# After every epoch $t$, compare the validation loss with the lowest one so far, at epoch
# $b$. A strictly lower loss makes $t$ the new best; otherwise, once $t - b$ reaches the
# patience, training stops and the weights of epoch $b$ are restored. The decision uses
# the 200 validation images only, never the test set.
#
# ### Your turn
#
# Epochs are counted from 0, like the list's indices.

# %%
def early_stopping(val_losses, patience):
    """(best, stop): best = index of the lowest loss seen up to the stop; stop = index
    of the epoch at which `patience` epochs without a new best have passed, or None."""
    ### BEGIN SOLUTION
    best = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < val_losses[best]:
            best = epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, None
    ### END SOLUTION


# %%
early_stopping = selfcheck.check("early_stopping", early_stopping)

# %% [markdown]
# On MNIST with a patience of 5 epochs (at most 20):

# %%
runs["early stopping"] = [fit(seed, patience=5) for seed in seeds]
stopped = [early_stopping(history["val loss"], 5)
           for _, history in runs["early stopping"]]
print("best epoch, stop epoch (counted from 1):",
      [(best + 1, stop + 1 if stop is not None else None) for best, stop in stopped])

# %%
_, history = runs["none"][0]
best, stop = early_stopping(history["val loss"], 5)
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
ax.plot(epochs, history["val loss"], color=plot.COLORS[1], label="validation loss")
ax.plot(epochs, history["train loss"], color=plot.COLORS[0], label="training loss")
ax.axvline(best + 1, color=plot.COLORS[2], ls="--", label=f"best epoch ({best + 1})")
ax.axvline(stop + 1, color=plot.COLORS[3], ls=":",
           label=f"stop, patience 5 ({stop + 1})")
ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", xticks=range(2, 21, 2))
ax.set_title("Exercise 15.4: early stopping on the baseline's curve (seed 0)")
ax.legend(ncols=2, loc="lower left")
plt.show()

# %% tags=["hide-input"]
early_numbers = final_numbers("early stopping")
acc_epoch = int(mean_curve("none", "val acc").argmax()) + 1
if acc_epoch > best_epoch:
    tail = ("the network keeps improving its argmaxes after its confidence has "
            "started to cost it loss, so stopping on the loss gives up some accuracy "
            "in exchange for better calibrated probabilities and a shorter training.")
else:
    tail = ("stopping on the loss costs no validation accuracy here, and it shortens "
            "the training.")
answer(
    r"The validation loss is lowest at epoch @bests for the three seeds, and training "
    r"stops at epoch @stops, after @frac of the 20 epochs on average. The restored "
    r"networks have a test loss of $@loss$ against $@base_loss$ for the baseline "
    r"trained to the end, a test accuracy of @acc against @base_acc, and a training "
    r"accuracy of @train. The baseline's mean validation loss is lowest at epoch "
    r"$@loss_epoch$ and its validation accuracy highest at epoch $@acc_epoch$: @tail",
    bests=", ".join(str(best + 1) for best, _ in stopped),
    stops=", ".join(str(stop + 1) for _, stop in stopped),
    frac=f"{sum(stop + 1 for _, stop in stopped) / (20 * len(stopped)):.0%}",
    loss_epoch=best_epoch, acc_epoch=acc_epoch, tail=tail,
    loss=early_numbers[:, 1].mean(), base_loss=baseline[:, 1].mean(),
    acc=f"{early_numbers[:, 2].mean():.1%} ± {early_numbers[:, 2].std():.1%}",
    base_acc=f"{baseline[:, 2].mean():.1%}", train=f"{early_numbers[:, 0].mean():.1%}",
)

# %% [markdown]
# ## Exercise 15.5: data augmentation
#
# *Make more training images from the ones you have with small random rotations and
# shifts (`torchvision.transforms.v2.RandomAffine`). First find out what a v2 transform
# does to a whole batch, then apply it image by image and train on the result.*
#
# A digit rotated by a few degrees or moved by two pixels is the same digit, and
# [page 13](13-cnn.py) showed that networks do not know that by themselves. Augmentation
# teaches it through the data: each epoch sees a slightly different version of every
# training image. The transform: rotations up to $\pm 10°$ and shifts up to 10% of the
# width (2.8 pixels) in each direction, the uncovered pixels filled with the background.

# %%
transform = v2.RandomAffine(degrees=10, translate=(0.1, 0.1), fill=background)
same_digit = X_train[:1].repeat(8, 1, 1, 1)  # (8, 1, 28, 28): eight copies of one digit
torch.manual_seed(0)
as_batch = transform(same_digit)
one_by_one = torch.stack([transform(x) for x in same_digit])


def distinct_images(batch):
    return len({tuple(image.flatten().tolist()) for image in batch.cpu()})


print(f"transform(batch): {distinct_images(as_batch)} distinct image(s) of 8")
print(f"transform(x), image by image: {distinct_images(one_by_one)} of 8")
both = torch.cat([as_batch, one_by_one])[:, 0]
titles = ["batch"] * 8 + ["per image"] * 8
fig = plot.show_images(both, titles, ncols=8)
fig.suptitle("Top: one call on the batch of 8 copies; bottom: one call per copy")
plt.show()

# %% [markdown]
# A v2 transform treats its input as **one** image (or one video) with extra leading
# axes: it draws one angle and one shift per call and applies them to everything. Called
# on a batch, all images get the same transform, which is far less variety than it seems.
#
# ### Your turn

# %%
def augment_each(X, transform):
    """Apply transform to each image of X: (N, C, H, W) on its own.
    Returns (N, C, H, W)."""
    ### BEGIN SOLUTION
    return torch.stack([transform(x) for x in X])
    ### END SOLUTION


# %%
augment_each = selfcheck.check("augment_each", augment_each)

# %% [markdown]
# Transforming 800 images one by one in every epoch would take most of the training
# time, so each seed makes a *bank* once: the original images and 4 augmented copies.
# In every batch, `fit` takes one of the 5 versions of each image at random.

# %%
def make_bank(seed, copies=4):
    torch.manual_seed(seed + 100)  # the random angles and shifts
    return torch.stack([X_train] + [augment_each(X_train, transform)
                                    for _ in range(copies)])  # (5, 800, 1, 28, 28)


banks = {seed: make_bank(seed) for seed in seeds}
versions = banks[0][:, :3].transpose(0, 1).reshape(-1, 28, 28)  # digit by digit
titles = ["original", "copy 1", "copy 2", "copy 3", "copy 4"] * 3
fig = plot.show_images(versions, titles, ncols=5)
fig.suptitle("Three training digits (rows): the original and four augmented copies")
plt.show()

# %%
runs["augmentation"] = [fit(seed, bank=banks[seed]) for seed in seeds]

# %% tags=["hide-input"]
aug_numbers = final_numbers("augmentation")
answer(
    r"Called on a batch, the transform gave @batch distinct image(s) for 8 copies; "
    r"called image by image, @each. Trained on the augmented bank, the MLP reaches "
    r"@acc test accuracy (baseline @base_acc) and a test loss of $@loss$ (baseline "
    r"$@base_loss$). Its training accuracy on the original images is @train: the "
    r"network has more, and harder, images to fit, so it memorises less. Unlike the "
    r"other regularisers, augmentation adds information, the knowledge that small "
    r"rotations and shifts do not change a digit.",
    batch=distinct_images(as_batch), each=distinct_images(one_by_one),
    acc=f"{aug_numbers[:, 2].mean():.1%} ± {aug_numbers[:, 2].std():.1%}",
    base_acc=f"{baseline[:, 2].mean():.1%}", loss=aug_numbers[:, 1].mean(),
    base_loss=baseline[:, 1].mean(), train=f"{aug_numbers[:, 0].mean():.1%}",
)

# %% [markdown]
# ## Exercise 15.6: batch normalisation
#
# *Implement batch normalisation of a layer's outputs, in training mode (with the running
# statistics) and in evaluation mode, and check both against `nn.BatchNorm1d`. Why must
# evaluation use the running statistics?*
#
# For a batch $X \in \mathbb{R}^{N \times D}$, every feature $j$ is standardised with the
# batch's mean and (biased) variance, then scaled and shifted by learned $\gamma_j$ and
# $\beta_j$:
#
# $$
# \begin{aligned}
# \mu_j &= \frac{1}{N} \sum_n X_{nj}, &
# \sigma_j^2 &= \frac{1}{N} \sum_n (X_{nj} - \mu_j)^2, \\
# \hat X_{nj} &= \frac{X_{nj} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, &
# Y_{nj} &= \gamma_j \hat X_{nj} + \beta_j .
# \end{aligned}
# $$
#
# Each training step also updates running estimates of the mean and variance, with
# PyTorch's convention (momentum $0.1$, and the *unbiased* variance, divided by $N - 1$):
#
# $$
# \begin{aligned}
# \bar\mu_j &\leftarrow (1 - \text{momentum})\, \bar\mu_j + \text{momentum}\; \mu_j, \\
# \bar\sigma_j^2 &\leftarrow (1 - \text{momentum})\, \bar\sigma_j^2
#   + \text{momentum}\; \tfrac{N}{N-1}\, \sigma_j^2 .
# \end{aligned}
# $$
#
# Evaluation uses $\bar\mu_j$ and $\bar\sigma_j^2$ in place of the batch's statistics.
#
# ### Your turn
#
# Return the new running statistics instead of changing the old ones in place.

# %%
def batchnorm_train(X, gamma, beta, running_mean, running_var, momentum, eps):
    """X: (N, D); gamma, beta, running_*: (D,). Returns (out, new_mean, new_var)."""
    ### BEGIN SOLUTION
    N = X.shape[0]
    mu = X.mean(dim=0)  # (D,)
    var = X.var(dim=0, correction=0)  # (D,) biased: the batch's own spread
    X_hat = (X - mu) / torch.sqrt(var + eps)  # (N, D)
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    return gamma * X_hat + beta, new_mean, new_var
    ### END SOLUTION


def batchnorm_eval(X, gamma, beta, running_mean, running_var, eps):
    """X: (N, D). Normalise with the running statistics. Returns (N, D)."""
    ### BEGIN SOLUTION
    return gamma * (X - running_mean) / torch.sqrt(running_var + eps) + beta
    ### END SOLUTION


# %%
batchnorm_train = selfcheck.check("batchnorm_train", batchnorm_train)
batchnorm_eval = selfcheck.check("batchnorm_eval", batchnorm_eval)

# %% [markdown]
# **Against `nn.BatchNorm1d`**: 50 training steps on batches of 32 examples with 6
# features of different means and spreads (each step also changes $\gamma$ and $\beta$
# a little, as an optimizer would), comparing the outputs and the running statistics at
# every step, then the evaluation mode on new data. In `float64`: in `float32` the two
# differ by about $10^{-6}$, because they round in a different order.

# %%
torch.manual_seed(0)
D, momentum, eps = 6, 0.1, 1e-5
f64 = dict(dtype=torch.float64, device=device)
true_mean = torch.linspace(-2, 3, D, **f64)
true_std = torch.linspace(0.5, 2, D, **f64)
layer = nn.BatchNorm1d(D, momentum=momentum, eps=eps).to(**f64)
gamma, beta = layer.weight.detach().clone(), layer.bias.detach().clone()
running_mean, running_var = layer.running_mean.clone(), layer.running_var.clone()
worst = {"out": 0.0, "running_mean": 0.0, "running_var": 0.0}
mean_track = []
for step in range(50):
    X = true_mean + true_std * torch.randn(32, D, **f64)
    with torch.no_grad():
        layer.weight.add_(0.01 * torch.randn(D, **f64))
        layer.bias.add_(0.01 * torch.randn(D, **f64))
    gamma, beta = layer.weight.detach().clone(), layer.bias.detach().clone()
    out_torch = layer.train()(X).detach()
    out, running_mean, running_var = batchnorm_train(X, gamma, beta, running_mean,
                                                     running_var, momentum, eps)
    for key, mine, theirs in [("out", out, out_torch),
                              ("running_mean", running_mean, layer.running_mean),
                              ("running_var", running_var, layer.running_var)]:
        worst[key] = max(worst[key], (mine - theirs).abs().max().item())
    mean_track.append(running_mean.cpu())
for key, value in worst.items():
    print(f"training mode, 50 steps: largest |difference| in {key}: {value:.2e}")
X_new = true_mean + true_std * torch.randn(100, D, **f64)
out_eval = batchnorm_eval(X_new, gamma, beta, running_mean, running_var, eps)
compare("evaluation mode", out_eval, layer.eval()(X_new))
assert max(worst.values()) <= 1e-6, worst  # fail loudly, like compare

# %% [markdown]
# The backward pass, $\partial L / \partial X$ through the batch statistics, is
# `labkit.regularization.batchnorm_backward` (derived in its docstring and checked with
# `gradcheck` in the tests); against autograd:

# %%
X = (true_mean + true_std * torch.randn(16, D, **f64)).requires_grad_()
out, cache = regularization.batchnorm_forward(
    X.detach(), gamma, beta, torch.zeros(D, **f64), torch.ones(D, **f64), True)
G = torch.randn(out.shape, **f64)
dX, dgamma, dbeta = regularization.batchnorm_backward(G, cache)
F.batch_norm(X, None, None, gamma, beta, training=True).backward(G)
_ = compare("batch norm dX, by hand vs autograd", dX, X.grad)

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
track = torch.stack(mean_track)  # (50, D)
for j, color in zip([0, 3, 5], plot.COLORS):
    ax.plot(range(1, 51), track[:, j], color=color, label=f"feature {j}")
    ax.axhline(true_mean[j].item(), color=color, ls=":", lw=1.2)
ax.set(xlabel="training step", ylabel="running mean")
ax.set_title("Exercise 15.6: running means approach the true means (dotted)")
ax.legend()
plt.show()

# %% [markdown]
# **Why evaluation uses the running statistics.** On MNIST with a batch normalisation
# after each hidden layer (three seeds), then one trained network in both modes: the
# same 10 test digits inside two different batches.

# %%
runs["batch norm"] = [fit(seed, batchnorm=True) for seed in seeds]
bn_model = runs["batch norm"][0][0]
with torch.no_grad():
    batch_a = torch.cat([X_test[:10], X_test[10:100]])
    batch_b = torch.cat([X_test[:10], X_test[500:510]])
    bn_model.train()  # batch statistics (this also nudges the running ones: use a copy)
    in_a = copy.deepcopy(bn_model)(batch_a)[:10]
    in_b = copy.deepcopy(bn_model)(batch_b)[:10]
    bn_model.eval()
    eval_a, eval_b = bn_model(batch_a)[:10], bn_model(batch_b)[:10]
changed = (in_a.argmax(1) != in_b.argmax(1)).sum().item()
print(f"training mode: the logits change by up to {(in_a - in_b).abs().max():.3f}")
print(f"training mode: predictions that change with the batch: {changed} of 10")
_ = compare("evaluation mode: the same digits in two batches", eval_a, eval_b)

# %% tags=["hide-input"]
bn_numbers = final_numbers("batch norm")
answer(
    r"Your training step equals `nn.BatchNorm1d` at every one of the 50 steps "
    r"(largest difference $@worst$), running statistics included, and so does the "
    r"evaluation mode. After 50 steps the running means are within $@err$ of the true "
    r"means: with momentum 0.1 each estimate is an exponential average over roughly "
    r"the last 10 batches. In training mode an example's output depends on the other "
    r"examples of its batch (the same 10 digits' logits move by up to $@shift$ "
    r"between two batches); a deployed network must give one answer per image, "
    r"whatever else is processed with it, and must work on a single image. The "
    r"running statistics are fixed numbers, so evaluation is deterministic. On MNIST, "
    r"batch normalisation reaches @acc test accuracy (baseline @base_acc) and a test "
    r"loss of $@loss$ (baseline $@base_loss$).",
    worst=max(worst.values()), shift=(in_a - in_b).abs().max(),
    err=(running_mean - true_mean).abs().max(),
    acc=f"{bn_numbers[:, 2].mean():.1%} ± {bn_numbers[:, 2].std():.1%}",
    base_acc=f"{baseline[:, 2].mean():.1%}", loss=bn_numbers[:, 1].mean(),
    base_loss=baseline[:, 1].mean(),
)

# %% [markdown]
# ## Exercise 15.7: which regulariser helps?
#
# *Collect the test accuracy and the test loss of every regulariser, as mean ± standard
# deviation over the three seeds, with their validation curves. Which ones help on this
# problem, and how sure can you be?*

# %%
settings = {
    "none": "Adam, 20 epochs",
    "L2 penalty": r"$\lambda = 10^{-3}$, Adam",
    "AdamW decay": r"$\lambda = 1$",
    "dropout": "$p = 0.5$",
    "early stopping": "patience 5",
    "augmentation": "4 copies",
    "batch norm": "after each hidden layer",
}
numbers = {name: final_numbers(name) for name in runs}
rows = []
for name, values in numbers.items():
    train_acc, test_loss, test_acc = values[:, 0], values[:, 1], values[:, 2]
    delta = 100 * (test_acc.mean() - numbers["none"][:, 2].mean())
    rows.append([name, settings[name], f"{train_acc.mean():.1%}",
                 f"{test_loss.mean():.3f} ± {test_loss.std():.3f}",
                 f"{test_acc.mean():.1%} ± {test_acc.std():.1%}",
                 "—" if name == "none" else f"{delta:+.1f}"])
show_markdown(table(["regulariser", "setting", "train acc.", "test loss",
                     "test accuracy", "Δ acc. (points)"], rows, align="llrrrr"))

# %%
fig, (ax_loss, ax_acc) = plt.subplots(2, 1, figsize=(plot.WIDTH, 6.4), sharex=True)
styles = ["-", "--", "--", "-", ":", "-", "-"]  # dashed: the decays, dotted: stopping
for name, color, style in zip(runs, plot.COLORS, styles):
    loss_curve, acc_curve = mean_curve(name, "val loss"), mean_curve(name, "val acc")
    x = range(1, len(loss_curve) + 1)
    ax_loss.plot(x, loss_curve, color=color, ls=style, label=name)
    ax_acc.plot(x, acc_curve, color=color, ls=style, label=name)
ax_loss.set(ylabel="validation loss", ylim=(0.25, 0.8))
ax_acc.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.8, 0.95),
           xticks=range(2, 21, 2))
ax_loss.set_title("Exercise 15.7: validation curves, mean of 3 seeds")
ax_loss.legend(ncols=2)
plt.show()

# %% tags=["hide-input"]
def versus_baseline(column):
    """Regularisers whose mean differs from the baseline's by more than 2 standard
    errors, split by the sign of the difference: (higher, lower)."""
    higher, lower = [], []
    base = numbers["none"][:, column]
    for name, values in numbers.items():
        delta = values[:, column].mean() - base.mean()
        standard_error = (values[:, column].var() / 3 + base.var() / 3).sqrt()
        if name != "none" and abs(delta) > 2 * standard_error:
            (higher if delta > 0 else lower).append(name)
    return higher, lower


def listed(names):
    if not names:
        return "none of them"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


acc_up, acc_down = versus_baseline(2)
loss_up, loss_down = versus_baseline(1)
base_acc = f"{numbers['none'][:, 2].mean():.1%}"
if acc_up:
    acc_text = f"{listed(acc_up)} beat the baseline's {base_acc} by that margin"
else:
    acc_text = f"no regulariser beats the baseline's {base_acc} by that margin"
if acc_down:
    verb = "stays" if len(acc_down) == 1 else "stay"
    acc_text += f", and {listed(acc_down)} {verb} below it"
if len(loss_down) == 6:
    loss_text = "all six lower it"
else:
    loss_text = f"{listed(loss_down)} lower it clearly"
by_acc = sorted(numbers, key=lambda n: numbers[n][:, 2].mean().item(), reverse=True)
by_loss = sorted(numbers, key=lambda n: numbers[n][:, 1].mean().item())
answer(
    r"By test accuracy the order is @order_acc; by test loss, @order_loss. The "
    r"baseline's accuracy varies by @spread (standard deviation) from seed to seed, "
    r"so with three seeds a difference counts only when it exceeds twice its standard "
    r"error. In accuracy, @acc_text. The **loss** separates them far better: "
    r"@loss_text, from the baseline's $@base_loss$ to as little as $@best_loss$ for "
    r"@best_loss_name. Each regulariser keeps the network from growing ever more "
    r"confident on its 800 memorised images, which is what the test loss measures and "
    r"the accuracy hardly sees. The largest gains come from @top, which change what "
    r"the network sees or how it computes, not only the size of its weights. With 800 "
    r"training images, regularisation makes the network's probabilities much more "
    r"trustworthy and its accuracy at best a point better; more data, real or "
    r"augmented, is what helps most.",
    order_acc=" > ".join(by_acc), order_loss=" < ".join(by_loss),
    spread=f"{numbers['none'][:, 2].std():.1%}", acc_text=acc_text,
    loss_text=loss_text, base_loss=numbers["none"][:, 1].mean(),
    best_loss=numbers[by_loss[0]][:, 1].mean(), best_loss_name=by_loss[0],
    top=listed([name for name in by_loss[:3] if name in by_acc[:4]]),
)

# %% [markdown]
# ## Summary
#
# `labkit.regularization` holds dropout and batch normalisation as forward/backward pairs
# and as modules (`Dropout`, `BatchNorm1d`, which the networks above used). They agree
# with your functions:

# %%
X = torch.randn(64, 10, device=device)
U = torch.rand(X.shape, generator=torch.Generator(device=device).manual_seed(3),
               device=device)
labkit_out, _ = regularization.dropout_forward(
    X, 0.3, True, torch.Generator(device=device).manual_seed(3))
compare("inverted_dropout vs dropout_forward", inverted_dropout(X, U, 0.3, True),
        labkit_out)
g_, b_ = torch.rand(10, device=device) + 0.5, torch.randn(10, device=device)
m_, v_ = torch.zeros(10, device=device), torch.ones(10, device=device)
out_mine, m_mine, v_mine = batchnorm_train(X, g_, b_, m_, v_, 0.1, 1e-5)
out_lab, _ = regularization.batchnorm_forward(X, g_, b_, m_, v_, True)  # updates m_, v_
compare("batchnorm_train vs batchnorm_forward", out_mine, out_lab)
compare("running variance", v_mine, v_)
_ = compare("batchnorm_eval vs batchnorm_forward",
            batchnorm_eval(X, g_, b_, m_, v_, 1e-5),
            regularization.batchnorm_forward(X, g_, b_, m_, v_, False)[0])

# %% [markdown]
# - Overfitting shows first in the validation loss; report it next to the accuracy.
# - L2: $\tfrac{\lambda}{2}\lVert w\rVert^2$ is weight decay $(1 - \eta\lambda)w$ for SGD;
#   under Adam the penalty is rescaled per weight, and AdamW restores plain decay.
# - Inverted dropout scales the kept units by $1/(1-p)$ in training and is the identity
#   in evaluation; batch normalisation uses batch statistics in training and running
#   ones in evaluation.
# - Early stopping and every other choice are made on a validation split; the test set
#   is looked at once.
# - A v2 transform called on a batch applies one random draw to every image; augment
#   image by image.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Train the baseline with SGD and momentum (learning rate 0.1) and an L2 penalty with
#    $\lambda \in \{10^{-4}, 10^{-3}, 10^{-2}\}$. Does L2 help more under SGD than under
#    Adam, as exercise 15.2 suggests?
# 2. Draw fresh augmentations every epoch instead of a bank of 4 copies. How much
#    accuracy does it add, and what does it cost in time?
# 3. Combine augmentation, batch norm and dropout. Do the gains add up?
# 4. Retrain page 13's CNN with shifted and rotated copies and redo its shifted-digit
#    plot.
#
# ## Next
#
# [Optimizers](16-optimizers.py) writes SGD, momentum, Adam and AdamW by hand and
# compares them on the same MNIST network.
