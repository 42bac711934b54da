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
# # Feed-forward networks
#
# **Sheet:** Deep Learning Lab manual (CSE 3281), lab 4 "Feedforward Neural Network",
# exercises 1–4.
#
# **What you need:** `nn.Module`, `nn.Linear`, `Dataset` / `DataLoader`, `nn.MSELoss` and
# `torch.optim.SGD` (tutorial 05, "Linear and logistic regression"), the sigmoid and the ReLU
# (tutorial 02, "Activation functions"), and the forward pass of a 2-2-1 network (tutorial 03,
# "Forward propagation by hand").
#
# **Data:** the MNIST digits come from `labkit.mnist`, which ships the 10,000 official MNIST
# test images. MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges and is
# licensed CC BY-SA 3.0.

# %% [markdown]
# ## What you will learn
#
# - how to build the sheet's two-layer XOR network as an `nn.Module`, train it with a
#   `DataLoader`, and count its learnable parameters both by formula and with `numel`
#   (exercise 1);
# - why one epoch of batch-size-1 SGD is, to first order, one full-batch step with four times
#   the learning rate, and how that lets us train 40 networks in the time of one;
# - how often a 2-2-1 network solves XOR with the sigmoid and with the ReLU (exercise 2),
#   measured over 20 seeds each, and why the ReLU version fails more often (dead units);
# - how to recompute a trained network's outputs with matrix operations from its weights
#   (exercise 3);
# - how to classify MNIST digits with two hidden layers and read the confusion matrix
#   (exercise 4).

# %%
import copy
import math
import textwrap
import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from labkit import compare, get_device, mnist, plot, seed_everything, train
from labkit.display import fmt, show_markdown, show_math

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### The 2-2-1 network and its parameters (exercises 1 and 2)
#
# The sheet's `XORModel` is `Linear(2, 2)` → activation $a$ → `Linear(2, 1)`, with no
# activation after the last layer. For one input $\mathbf{x} \in \{0, 1\}^2$:
#
# $$
# \mathbf{z} = W_1 \mathbf{x} + \mathbf{b}_1, \qquad
# \mathbf{h} = a(\mathbf{z}), \qquad
# \hat y = W_2 \mathbf{h} + b_2,
# $$
#
# with $W_1 \in \mathbb{R}^{2 \times 2}$, $\mathbf{b}_1 \in \mathbb{R}^2$,
# $W_2 \in \mathbb{R}^{1 \times 2}$, $b_2 \in \mathbb{R}$ and $a = \sigma$ (exercise 1) or
# $a = \operatorname{ReLU}$ (exercise 2). For the four inputs stacked as the rows of
# $X \in \mathbb{R}^{4 \times 2}$, `nn.Linear` computes the same thing row by row:
#
# $$
# H = a(X W_1^\top + \mathbf{1}\mathbf{b}_1^\top), \qquad
# \hat{\mathbf{y}} = H W_2^\top + \mathbf{1} b_2 .
# $$
#
# A linear layer from $n_\text{in}$ to $n_\text{out}$ units has $n_\text{in} n_\text{out}$
# weights and $n_\text{out}$ biases, so a network with layer sizes $n_0, n_1, \dots, n_L$ has
#
# $$
# P = \sum_{l=1}^{L} \left( n_{l-1} n_l + n_l \right)
# $$
#
# learnable parameters; activations have none. The loss is the mean squared error
# $L = \frac{1}{N}\sum_i (\hat y_i - y_i)^2$, and the network's answer is
# $[\hat y > 0.5]$.
#
# **Why the hidden layer is needed.** Without it, $\hat y = w_1 x_1 + w_2 x_2 + b$. Classifying
# $(0,1)$ and $(1,0)$ as 1 needs $w_2 + b > \tfrac12$ and $w_1 + b > \tfrac12$; adding them,
# $w_1 + w_2 + 2b > 1$. Classifying $(0,0)$ and $(1,1)$ as 0 needs $b < \tfrac12$ and
# $w_1 + w_2 + b < \tfrac12$; adding them, $w_1 + w_2 + 2b < 1$. Both cannot hold, so no linear
# model solves XOR. Stacking linear layers without an activation does not help either:
# $W_2(W_1\mathbf{x} + \mathbf{b}_1) + b_2 = (W_2 W_1)\mathbf{x} + (W_2\mathbf{b}_1 + b_2)$ is
# again linear.
#
# ### One epoch of batch-size-1 SGD is one full-batch step, to first order
#
# The sheet trains with `batch_size = 1`, learning rate $\eta$, for 10,000 epochs. One epoch
# visits the four examples in a shuffled order $\pi$ and takes four steps on the per-example
# losses $\ell_i(\theta) = (\hat y_i(\theta) - y_i)^2$:
#
# $$
# \theta_k = \theta_{k-1} - \eta \nabla \ell_{\pi(k)}(\theta_{k-1}), \quad k = 1, \dots, 4 .
# $$
#
# Since $\theta_{k-1} = \theta_0 + O(\eta)$, also
# $\nabla\ell(\theta_{k-1}) = \nabla\ell(\theta_0) + O(\eta)$, and
#
# $$
# \begin{aligned}
# \theta_4 &= \theta_0 - \eta \sum_{i=1}^{4} \nabla \ell_i(\theta_0) + O(\eta^2) \\
# &= \theta_0 - 4\eta\, \nabla L(\theta_0) + O(\eta^2),
# \qquad L = \tfrac14 \textstyle\sum_i \ell_i .
# \end{aligned}
# $$
#
# So one full-batch gradient step on the mean loss with learning rate $4\eta$ moves the
# parameters as far as one epoch of the sheet's loop, up to $O(\eta^2)$ per epoch. It costs one
# optimizer step instead of four and needs no `DataLoader`. It is not *identical*: the
# $O(\eta^2)$ terms and the random order add up over 10,000 epochs, so a single run can end
# differently, but the dynamics are the same.
#
# ### Training many networks as one
#
# To see how often each variant solves XOR we train $S$ networks from different seeds. Stack
# their weights, $W_1 \in \mathbb{R}^{S \times 2 \times 2}$ and so on, run all of them with one
# batched matrix product (`torch.baddbmm`), and minimise the *sum* of their losses
# $\sum_{s} L_s(\theta_s)$. Because $L_r$ does not depend on $\theta_s$ for $r \ne s$,
#
# $$
# \frac{\partial}{\partial \theta_s} \sum_{r=1}^{S} L_r(\theta_r) = \frac{\partial L_s}{\partial \theta_s},
# $$
#
# so one SGD step on the sum is $S$ independent SGD steps, one per network.
#
# ### The MNIST network (exercise 4)
#
# A $28 \times 28$ image flattened to $\mathbf{x} \in \mathbb{R}^{784}$ goes through two hidden
# layers with ReLU to ten class scores (logits):
#
# $$
# \begin{aligned}
# \mathbf{h}_1 &= \operatorname{ReLU}(W_1\mathbf{x} + \mathbf{b}_1), &
# \mathbf{h}_2 &= \operatorname{ReLU}(W_2\mathbf{h}_1 + \mathbf{b}_2), \\
# \mathbf{o} &= W_3\mathbf{h}_2 + \mathbf{b}_3, &
# \hat c &= \arg\max_j o_j,
# \end{aligned}
# $$
#
# trained with the cross-entropy $-\log \operatorname{softmax}(\mathbf{o})_{c}$ of the true
# class $c$. The confusion matrix $C \in \mathbb{N}^{10 \times 10}$ counts
# $C_{ij} = \#\{n : c_n = i,\ \hat c_n = j\}$: rows are true classes, columns predictions. Its
# diagonal holds the correct predictions, so the accuracy is
# $\operatorname{tr}(C) / \sum_{ij} C_{ij}$.

# %% [markdown]
# ## Implementation
#
# ### Exercise 1: the sheet's XOR network with the sigmoid
#
# Step 1, the truth table. Step 2, the model; we give it an `activation` argument so that
# exercise 2 reuses it.

# %%
X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
Y = torch.tensor([0, 1, 1, 0], dtype=torch.float32)


class XORModel(nn.Module):
    """The sheet's 2-2-1 network: Linear(2, 2) -> activation -> Linear(2, 1)."""

    def __init__(self, activation: type[nn.Module] = nn.Sigmoid):
        super().__init__()
        self.linear1 = nn.Linear(2, 2, bias=True)
        self.activation1 = activation()
        self.linear2 = nn.Linear(2, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear1(x)  # (N, 2)
        x = self.activation1(x)  # (N, 2)
        return self.linear2(x)  # (N, 1)


torch.manual_seed(42)
model = XORModel(nn.Sigmoid).to(device)
initial_state = copy.deepcopy(model.state_dict())
model

# %% [markdown]
# The number of learnable parameters, by the formula $P = \sum_l (n_{l-1} n_l + n_l)$ and by
# counting the elements of every parameter tensor:


# %%
def count_by_formula(layer_sizes: list[int]) -> tuple[int, str]:
    """P = sum over layers of n_in * n_out + n_out, and that sum in LaTeX."""
    terms = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    latex = " + ".join(rf"({a} \cdot {b} + {b})" for a, b in terms)
    return sum(a * b + b for a, b in terms), latex


def count_by_numel(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


xor_formula, xor_latex = count_by_formula([2, 2, 1])
show_math(rf"P = {xor_latex} = {xor_formula}")
for name, p in model.named_parameters():
    print(f"{name:<15} shape {tuple(p.shape)!s:<8} numel {p.numel()}")
print("sum of numel:", count_by_numel(model), "| formula:", xor_formula)

# %% [markdown]
# Step 3, the `Dataset` and the `DataLoader` with batch size 1 and shuffling, then the sheet's
# `train_one_epoch`, written with the four numbered steps.


# %%
class MyDataset(Dataset):
    def __init__(self, X: torch.Tensor, Y: torch.Tensor):
        self.X = X
        self.Y = Y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.X[idx].to(device), self.Y[idx].to(device)


full_dataset = MyDataset(X, Y)
batch_size = 1
train_data_loader = DataLoader(full_dataset, batch_size=batch_size, shuffle=True)
loss_fn = nn.MSELoss()
lr = 0.03


def train_one_epoch(model: nn.Module, loader: DataLoader, optimizer) -> float:
    total_loss = 0.0
    for inputs, labels in loader:
        outputs = model(inputs)  # 1. forward
        loss = loss_fn(outputs.flatten(), labels)  # 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        total_loss += loss.item()
    return total_loss / (len(loader) * batch_size)


len(train_data_loader)

# %% [markdown]
# The sheet's loop, exactly, but for 200 epochs instead of 10,000 (the budget is worked out
# below). Besides the sheet's epoch loss, the average of the four per-example losses *during*
# the epoch, we record the loss on all four examples at the start of each epoch, which is what
# a full-batch loop sees.


# %%
def full_data_loss(model: nn.Module) -> float:
    with torch.no_grad():
        return loss_fn(model(X.to(device)).flatten(), Y.to(device)).item()


num_epochs_sheet = 200
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
losses_sheet, full_losses_sheet = [], []
for epoch in range(num_epochs_sheet):
    full_losses_sheet.append(full_data_loss(model))
    model.train(True)
    losses_sheet.append(train_one_epoch(model, train_data_loader, optimizer))
    if epoch % 40 == 0:
        print(f"Epoch {epoch}/{num_epochs_sheet}, Loss: {losses_sheet[-1]:.6f}, "
              f"loss on all four at the start: {full_losses_sheet[-1]:.6f}")

# %% [markdown]
# The same network from the same initial weights, trained full-batch with learning rate
# $4\eta$ (the derivation above): one step per epoch on all four examples.


# %%
def train_full_batch(model: nn.Module, lr: float, num_epochs: int) -> list[float]:
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X_dev, Y_dev = X.to(device), Y.to(device)
    losses = []
    for _ in range(num_epochs):
        y_hat = model(X_dev).flatten()  # 1. forward, (4,)
        loss = loss_fn(y_hat, Y_dev)  # 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        losses.append(loss.item())
    return losses


lr_full_batch = 4 * lr
model_full_batch = XORModel(nn.Sigmoid).to(device)
model_full_batch.load_state_dict(initial_state)
losses_full_batch = train_full_batch(model_full_batch, lr_full_batch,
                                     num_epochs_sheet)
print(f"full-batch learning rate 4 * {lr} = {lr_full_batch:g}")

to_vector = nn.utils.parameters_to_vector
theta_0 = torch.cat([p.flatten() for p in initial_state.values()])  # (9,)
move_sheet = to_vector(model.parameters()).detach() - theta_0  # (9,)
move_full = to_vector(model_full_batch.parameters()).detach() - theta_0  # (9,)
cosine = nn.functional.cosine_similarity(move_sheet, move_full, dim=0)
print(f"distance moved, batch size 1: {move_sheet.norm():.4f}")
print(f"distance moved, full batch:   {move_full.norm():.4f}")
print(f"distance between the end points: {(move_sheet - move_full).norm():.4f}")
print(f"cosine of the angle between the two moves: {cosine:.4f}")

# %% [markdown]
# Measured on all four examples, the two loops follow the same loss curve (first plot of the
# Plot section) and move the weights in a similar direction (the cosine printed above), but they
# do not end at the same point: on the plateau where the network starts, the mean gradient is
# small while the four per-example gradients are large and pull in different directions, so the
# $O(\eta^2)$ terms and the random order matter. The full-batch loop is the noise-free version
# of the sheet's loop, not a replica of it.
#
# Now the budget. The sheet's plan for the experiments of this page costs this many optimizer
# steps:

# %%
num_epochs = 10_000
num_seeds = 20
variants = {"sigmoid": nn.Sigmoid, "ReLU": nn.ReLU}
steps_sheet = num_epochs * len(X) // batch_size * num_seeds * len(variants)
steps_stacked = num_epochs
num_nets = num_seeds * len(variants)
print(f"batch size 1, one network at a time: {steps_sheet:,} optimizer steps")
print(f"full batch, {num_nets} networks stacked: {steps_stacked:,} optimizer steps")

# %% [markdown]
# A step of a tiny network costs a fixed amount of Python and PyTorch overhead, however small
# the network. Timing 50 epochs of the sheet's loop on this machine (a timing cell: its numbers
# change from run to run) and multiplying out:

# %% tags=["timing"]
probe = copy.deepcopy(model)
probe_optimizer = torch.optim.SGD(probe.parameters(), lr=lr)
start = time.perf_counter()
for _ in range(50):
    train_one_epoch(probe, train_data_loader, probe_optimizer)
seconds_per_step = (time.perf_counter() - start) / (50 * len(X))
print(f"{seconds_per_step * 1e6:.0f} µs per batch-size-1 step")
print(f"the sheet's plan: about {steps_sheet * seconds_per_step / 60:.0f} minutes")

# %% [markdown]
# This page has about 20 seconds. The second plan fits: full-batch steps with learning rate
# $4\eta$ and all networks stacked into one. Everything else (10,000 epochs, MSE, SGD, the
# initial weights) is the sheet's.
#
# ### Exercises 1 and 2 at scale: 20 seeds, sigmoid and ReLU
#
# `StackedXOR` holds $S$ copies of `XORModel` as stacked tensors. Each network is built by
# the sheet's code, `torch.manual_seed(seed); XORModel(activation)`, and copied in; so
# network 0 is exactly the model above, and the sigmoid and ReLU networks of the same seed
# start from the same weights.


# %%
class StackedXOR(nn.Module):
    """S independent XORModels run as one batched computation."""

    def __init__(self, nets: list[XORModel]):
        super().__init__()

        def stacked(get) -> nn.Parameter:
            return nn.Parameter(torch.stack([get(n).detach() for n in nets]))

        self.W1 = stacked(lambda n: n.linear1.weight)  # (S, 2, 2)
        self.b1 = stacked(lambda n: n.linear1.bias[None])  # (S, 1, 2)
        self.W2 = stacked(lambda n: n.linear2.weight)  # (S, 1, 2)
        self.b2 = stacked(lambda n: n.linear2.bias[None])  # (S, 1, 1)
        relu = [isinstance(n.activation1, nn.ReLU) for n in nets]
        is_relu = torch.tensor(relu, device=self.W1.device).reshape(-1, 1, 1)
        self.register_buffer("is_relu", is_relu)  # (S, 1, 1)

    def hidden_pre_activation(self, X: torch.Tensor) -> torch.Tensor:
        X = X.expand(len(self.W1), *X.shape)  # (S, N, 2)
        return torch.baddbmm(self.b1, X, self.W1.transpose(1, 2))  # (S, N, 2)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Z1 = self.hidden_pre_activation(X)  # (S, N, 2)
        H = torch.where(self.is_relu, torch.relu(Z1), torch.sigmoid(Z1))  # (S, N, 2)
        return torch.baddbmm(self.b2, H, self.W2.transpose(1, 2))  # (S, N, 1)

    def net(self, s: int) -> XORModel:
        """Network s as an ordinary XORModel."""
        activation = nn.ReLU if self.is_relu[s] else nn.Sigmoid
        single = XORModel(activation).to(self.W1.device)
        with torch.no_grad():
            single.linear1.weight.copy_(self.W1[s])
            single.linear1.bias.copy_(self.b1[s, 0])
            single.linear2.weight.copy_(self.W2[s])
            single.linear2.bias.copy_(self.b2[s, 0])
        return single


def make_net(seed: int, activation: type[nn.Module]) -> XORModel:
    torch.manual_seed(seed)
    return XORModel(activation).to(device)


seeds = list(range(42, 42 + num_seeds))
labels = [(name, seed) for name in variants for seed in seeds]
nets = [make_net(seed, variants[name]) for name, seed in labels]
stack = StackedXOR(nets)
X_dev, Y_dev = X.to(device), Y.to(device)
with torch.no_grad():
    compare("stack(X) vs nets", stack(X_dev), torch.stack([n(X_dev) for n in nets]))
    compare("net 0 vs model", to_vector(nets[0].parameters()), theta_0)
stack.W1.shape

# %% [markdown]
# Training: the full-batch loop again, now with one loss per network, summed before
# `backward`. Each network's loss is recorded at every epoch.


# %%
def train_stack(stack: StackedXOR, lr: float, num_epochs: int) -> torch.Tensor:
    optimizer = torch.optim.SGD(stack.parameters(), lr=lr)
    losses = torch.empty(num_epochs, len(stack.W1), device=X_dev.device)  # (E, S)
    for epoch in range(num_epochs):
        y_hat = stack(X_dev).squeeze(-1)  # 1. forward, (S, 4)
        loss_per_net = ((y_hat - Y_dev) ** 2).mean(dim=1)  # 2. loss, (S,)
        optimizer.zero_grad()
        loss_per_net.sum().backward()  # 3. backward
        optimizer.step()  # 4. update
        losses[epoch] = loss_per_net.detach()
    return losses.cpu()


start = time.perf_counter()
stack_losses = train_stack(stack, lr_full_batch, num_epochs)
seconds_stacked = time.perf_counter() - start
stack_losses.shape

# %% tags=["timing"]
print(f"{num_nets} networks, {num_epochs:,} epochs: {seconds_stacked:.1f} s")

# %% [markdown]
# Which runs solved XOR? A run solves it when all four outputs lie on the right side of 0.5.
# For the ReLU networks we also look at where each hidden unit is on ($z_j > 0$) or off
# ($z_j \le 0$, output and gradient zero). A unit that is off on all four inputs is *dead*; one
# that is on for all four is *linear on the data*, since its bend at $z_j = 0$ lies outside the
# four points. A *silent* input has every unit off, so the network outputs the constant $b_2$
# there and no gradient reaches the first layer from it. We also record when each run's loss
# first fell below 0.01.

# %%
with torch.no_grad():
    y_hat_all = stack(X_dev).squeeze(-1).cpu()  # (S, 4)
    Z1_all = stack.hidden_pre_activation(X_dev).cpu()  # (S, 4, 2)
solved = ((y_hat_all > 0.5).float() == Y).all(dim=1)  # (S,)
unit_off = (Z1_all <= 0).all(dim=1)  # (S, 2) dead units
unit_on = (Z1_all > 0).all(dim=1)  # (S, 2) units linear on the data
net_is_linear = (unit_off | unit_on).all(dim=1)  # (S,) no bend between the points
silent = (Z1_all <= 0).all(dim=2)  # (S, 4) inputs on which every unit is off
# Two silent inputs with different targets get the same output b2: 0.5 at best.
stuck = (silent & (Y == 1)).any(dim=1) & (silent & (Y == 0)).any(dim=1)  # (S,)
final_loss = stack_losses[-1]  # (S,)
reached = stack_losses < 0.01  # (num_epochs, S)
first_epoch = reached.float().argmax(dim=0) + 1  # (S,)
epochs_to_fit = torch.where(reached.any(dim=0), first_epoch, -1)  # (S,)
is_relu = torch.tensor([name == "ReLU" for name, _ in labels])


def verdict(k: int) -> str:
    return "solved" if solved[k] else "failed"


print("      sigmoid            ReLU               ReLU units        silent")
print("seed  final loss        final loss         dead  always on   inputs")
for k, seed in enumerate(seeds):
    sig, rel = k, num_seeds + k
    print(f"{seed:>4}  {final_loss[sig]:.4f} {verdict(sig):<8}  "
          f"{final_loss[rel]:.4f} {verdict(rel):<8}   {int(unit_off[rel].sum()):>4}"
          f"  {int(unit_on[rel].sum()):>9}   {int(silent[rel].sum()):>6}")

# %% [markdown]
# Per variant: how many runs solved XOR, the median final loss, and, over the solved runs, the
# median number of epochs until the loss first fell below 0.01 ("epochs to fit").

# %%
summary_rows = ["| activation | solved XOR | median final loss | epochs to fit |",
                "|---|---:|---:|---:|"]
for name in variants:
    mask = is_relu if name == "ReLU" else ~is_relu
    fitted = epochs_to_fit[mask & solved]
    summary_rows.append(f"| {name} | {int(solved[mask].sum())} of {int(mask.sum())} "
                        f"| {final_loss[mask].median():.4f} "
                        f"| {int(fitted.median()):,} |")
show_markdown("\n".join(summary_rows))
failed_relu = is_relu & ~solved
causes = {
    "linear on the data (each unit dead or always on)": net_is_linear,
    "two silent inputs with different targets": stuck,
    "either": net_is_linear | stuck,
}
print(f"failed ReLU runs: {int(failed_relu.sum())}, of which")
for cause, mask in causes.items():
    print(f"  {cause:<50} {int((failed_relu & mask).sum()):>3}")

# %% [markdown]
# ### Exercise 4: MNIST with two hidden layers
#
# `labkit.mnist.load_mnist("lab")` gives 8,000 training and 2,000 test images from the
# official MNIST test set that ships with labkit, scaled to $[0, 1]$ and standardised with the
# training images' mean and standard deviation. Which images they are:

# %%
data = mnist.load_mnist("lab")
print(textwrap.fill(data.description, 80))
print(mnist.CREDIT)
for split_name in ("train", "test"):
    X_part = getattr(data, f"X_{split_name}")
    y_part = getattr(data, f"y_{split_name}")
    print(f"X_{split_name}: {tuple(X_part.shape)} {X_part.dtype}, "
          f"y_{split_name}: {tuple(y_part.shape)} {y_part.dtype}")

# %% [markdown]
# The network, 784 → 128 → 64 → 10 with ReLU, and its parameter count both ways:

# %%
num_inputs, num_hiddens1, num_hiddens2, num_outputs = 784, 128, 64, 10
torch.manual_seed(0)
mnist_model = nn.Sequential(
    nn.Linear(num_inputs, num_hiddens1), nn.ReLU(),
    nn.Linear(num_hiddens1, num_hiddens2), nn.ReLU(),
    nn.Linear(num_hiddens2, num_outputs),
).to(device)
sizes = [num_inputs, num_hiddens1, num_hiddens2, num_outputs]
mnist_formula, mnist_latex = count_by_formula(sizes)
show_math(rf"P = {mnist_latex} = {mnist_formula:,}".replace(",", "{,}"))
print(mnist_model)
print("sum of numel:", count_by_numel(mnist_model), "| formula:", mnist_formula)

# %% [markdown]
# Training with mini-batches of 64 and SGD with momentum, using `labkit.train.train_epoch`: the
# same four numbered steps as `train_one_epoch` above, for any loss and any batch size (the
# Check section shows that the two agree). After every epoch, `labkit.train.evaluate` measures
# the test loss and accuracy.

# %%
mnist_epochs = 8
loader = DataLoader(TensorDataset(data.X_train, data.y_train), batch_size=64,
                    shuffle=True, generator=torch.Generator().manual_seed(0))
mnist_optimizer = torch.optim.SGD(mnist_model.parameters(), lr=0.05, momentum=0.9)
history = {"train loss": [], "test loss": [], "test accuracy": []}
for epoch in range(mnist_epochs):
    train_loss = train.train_epoch(mnist_model, loader, nn.CrossEntropyLoss(),
                                   mnist_optimizer, device)
    test_loss, test_acc = train.evaluate(mnist_model, data.X_test, data.y_test)
    for key, value in zip(history, (train_loss, test_loss, test_acc)):
        history[key].append(value)
    print(f"epoch {epoch + 1}: train loss {train_loss:.4f}, "
          f"test loss {test_loss:.4f}, test accuracy {test_acc:.2%}")

# %%
mnist_model.eval()
with torch.no_grad():
    logits_test = mnist_model(data.X_test.to(device)).cpu()  # (2000, 10)
y_pred = logits_test.argmax(dim=1)  # (2000,)
cm = train.confusion_matrix(data.y_test, y_pred, num_classes=10)
train_acc = train.evaluate(mnist_model, data.X_train, data.y_train)[1]
test_acc = train.accuracy(logits_test, data.y_test)
print(f"train accuracy {train_acc:.2%}, test accuracy {test_acc:.2%}")
cm

# %% [markdown]
# ## Check
#
# ### Exercise 3: the outputs by hand from the learned weights
#
# Take the trained sigmoid and ReLU networks of seed 42 (network 0 of each half of the stack),
# print their parameters as the sheet does, and recompute
# $\hat{\mathbf{y}} = a(XW_1^\top + \mathbf{b}_1)W_2^\top + b_2$ with matrix operations only.

# %%
trained = {name: stack.net(labels.index((name, 42))) for name in variants}
for name, net in trained.items():
    print(f"--- {name}, seed 42")
    for param_name, param in net.named_parameters():
        print(f"{param_name:<15}", param.detach().cpu())

# %%
by_hand = {}
for name, net in trained.items():
    W1, b1 = net.linear1.weight.detach(), net.linear1.bias.detach()  # (2, 2), (2,)
    W2, b2 = net.linear2.weight.detach(), net.linear2.bias.detach()  # (1, 2), (1,)
    Z1 = X_dev @ W1.T + b1  # (4, 2)
    H = torch.sigmoid(Z1) if name == "sigmoid" else torch.clamp(Z1, min=0)  # (4, 2)
    by_hand[name] = H @ W2.T + b2  # (4, 1)
    with torch.no_grad():
        compare(f"{name} by hand", by_hand[name], net(X_dev))
        compare(f"{name} vs stack", net(X_dev),
                stack(X_dev)[labels.index((name, 42))])
for name, outputs in by_hand.items():
    values = ", ".join(f"{v:.6f}" for v in outputs.flatten().tolist())
    print(f"{name:<8} outputs by hand for X: {values}")


# %% [markdown]
# Written out for the sheet's inference input $\mathbf{x} = (0, 1)$ and the sigmoid network:


# %%
def vec(v: torch.Tensor) -> str:
    body = r" \\ ".join(fmt(x) for x in v.tolist())
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


def mat(m: torch.Tensor) -> str:
    body = r" \\ ".join(" & ".join(fmt(x) for x in row) for row in m.tolist())
    return r"\begin{pmatrix}" + body + r"\end{pmatrix}"


def signed(v: float) -> str:
    return f"+ {fmt(v)}" if v >= 0 else f"- {fmt(-v)}"


net = trained["sigmoid"]
x = torch.tensor([0.0, 1.0], device=device)
W1, b1 = net.linear1.weight.detach(), net.linear1.bias.detach()
W2, b2 = net.linear2.weight.detach(), net.linear2.bias.detach()
z = W1 @ x + b1  # (2,)
h = torch.sigmoid(z)  # (2,)
y_hat = W2 @ h + b2  # (1,)
W1, b1, W2, z, h, x = W1.cpu(), b1.cpu(), W2.cpu(), z.cpu(), h.cpu(), x.cpu()
show_math(rf"\mathbf{{z}} = W_1\mathbf{{x}} + \mathbf{{b}}_1"
          rf" = {mat(W1)}{vec(x)} + {vec(b1)} = {vec(z)}")
show_math(rf"\mathbf{{h}} = \sigma(\mathbf{{z}}) = {vec(h)}")
show_math(rf"\hat y = W_2\mathbf{{h}} + b_2 = {mat(W2)}{vec(h)} {signed(b2.item())}"
          rf" = {fmt(y_hat.item(), 6)}")
with torch.no_grad():
    print("model(x) =", net(x).item())

# %% [markdown]
# ### The stacked networks are the sheet's networks
#
# A fresh stack trained for 200 epochs must end where the single full-batch model of exercise 1
# ended (same seed 42, same initial weights, same learning rate):

# %%
check_stack = StackedXOR([make_net(seed, nn.Sigmoid) for seed in seeds[:3]])
train_stack(check_stack, lr_full_batch, num_epochs_sheet)
single = check_stack.net(0)
for (name, p_single), p_full in zip(single.named_parameters(),
                                    model_full_batch.parameters()):
    compare(name, p_single, p_full)

# %% [markdown]
# ### labkit's versions agree
#
# `labkit.train.train_epoch` is the sheet's `train_one_epoch` for any loss and batch size. From
# the same weights and the same shuffling it must produce the same parameters and epoch
# losses. `accuracy` and `confusion_matrix` are checked against a by-hand count.

# %%
def mse_flat(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return loss_fn(y_hat.flatten(), y)  # the sheet flattens the (B, 1) output



net_a = make_net(0, nn.Sigmoid)
net_b = copy.deepcopy(net_a)
opt_a = torch.optim.SGD(net_a.parameters(), lr=lr)
opt_b = torch.optim.SGD(net_b.parameters(), lr=lr)
torch.manual_seed(1)
epoch_losses_a = [train_one_epoch(net_a, train_data_loader, opt_a) for _ in range(5)]
torch.manual_seed(1)
epoch_losses_b = [train.train_epoch(net_b, train_data_loader, mse_flat, opt_b)
                  for _ in range(5)]
compare("epoch losses", torch.tensor(epoch_losses_b), torch.tensor(epoch_losses_a))
for (name, p_a), p_b in zip(net_a.named_parameters(), net_b.parameters()):
    compare(name, p_b, p_a)

# %%
cm_by_hand = torch.zeros(10, 10, dtype=torch.int64)
ones = torch.ones(len(y_pred), dtype=torch.int64)
cm_by_hand.index_put_((data.y_test, y_pred), ones, accumulate=True)
cm_labkit = train.confusion_matrix(data.y_test, y_pred, 10)
compare("confusion matrix", cm_labkit, cm_by_hand)
acc_by_hand = (cm_by_hand.trace() / cm_by_hand.sum()).double()
acc_labkit = torch.tensor(train.accuracy(logits_test, data.y_test))
compare("accuracy", acc_labkit, acc_by_hand)
print("rows sum to the class counts of the test split:",
      torch.equal(cm_by_hand.sum(dim=1), torch.bincount(data.y_test, minlength=10)))

# %% [markdown]
# ## Plot
#
# ### Exercise 1: batch size 1 against full batch
#
# The first 200 epochs of the sheet's loop and of the full-batch loop with learning rate
# $4\eta$, from the same initial weights. Measured the same way, on all four examples at the
# start of each epoch, the two curves lie almost on top of each other. The sheet's own epoch
# loss (faint) is higher and noisy: each of its four terms is measured right after steps taken
# for the *other* examples, which on this plateau pull in different directions.

# %%
ax = plot.plot_loss(full_losses_sheet, label=f"batch size 1, lr {lr}: on all four")
plot.plot_loss(losses_full_batch, ax=ax, label=f"full batch, lr {lr_full_batch:g}")
ax.plot(losses_sheet, color=plot.COLORS[0], lw=1.0, alpha=0.35,
        label="batch size 1: the sheet's epoch loss")
ax.legend()
ax.set_ylabel("MSE")
plt.show()

# %% [markdown]
# ### Exercises 1 and 2: training curves over 20 seeds
#
# Every run's loss, coloured by whether it ended up solving XOR. The dotted line is the loss of
# the best *affine* function of $\mathbf{x}$, fitted by least squares: a network that is linear
# on the four points can do no better. It equals the loss of predicting the mean target
# everywhere, their variance: for XOR the best affine fit is a constant.

# %%
A = torch.cat([X, torch.ones(len(X), 1)], dim=1)  # (4, 3): x1, x2, 1
coef = torch.linalg.lstsq(A, Y.unsqueeze(1)).solution  # (3, 1)
constant_loss = ((A @ coef).flatten() - Y).pow(2).mean().item()
print("best affine fit: w1, w2, b =",
      [round(c, 6) + 0.0 for c in coef.flatten().tolist()])
print(f"its MSE: {constant_loss:.6f}")
print(f"MSE of predicting the mean target: {Y.var(correction=0).item():.6f}")
fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.6), sharey=True)
# The x axis is logarithmic: 400 log-spaced epochs per curve are enough.
shown_epochs = torch.logspace(0, math.log10(num_epochs), 400).round().long().unique()
for ax, name in zip(axes, variants):
    for k, (run_name, seed) in enumerate(labels):
        if run_name == name:
            color = plot.COLORS[2] if solved[k] else plot.COLORS[3]
            ax.plot(shown_epochs, stack_losses[shown_epochs - 1, k], color=color,
                    lw=1.0, alpha=0.8)
    ax.axhline(constant_loss, color=plot.COLORS[0], ls=":", lw=1.5)
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("epoch")
    num_solved = int(solved[is_relu == (name == "ReLU")].sum())
    ax.set_title(f"{name}: {num_solved} of {num_seeds} solved")
axes[0].set_ylabel("MSE")
axes[1].plot([], [], color=plot.COLORS[2], label="solved")
axes[1].plot([], [], color=plot.COLORS[3], label="not solved")
axes[1].legend(loc="lower left")
plt.show()

# %% [markdown]
# ### What the trained networks compute
#
# The output $\hat y$ over the input plane for the seed-42 networks and, for contrast, the first
# ReLU run that did solve XOR. The grey line is $\hat y = 0.5$, the decision boundary.

# %%
relu_solved = [k for k, (name, _) in enumerate(labels)
               if name == "ReLU" and solved[k]]
shown = [labels.index(("sigmoid", 42)), labels.index(("ReLU", 42)), relu_solved[0]]
fig, axes = plt.subplots(1, 3, figsize=(10.0, 3.4))
for ax, k in zip(axes, shown):
    net = stack.net(k).cpu()
    name, seed = labels[k]
    plot.decision_boundary(net, X, Y, ax=ax, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5),
                           resolution=120, title=f"{name}, seed {seed}: {verdict(k)}")
    ax.get_legend().remove()  # it would cover the point (1, 1)
fig.suptitle(r"output $\hat y$; grey line: $\hat y = 0.5$; "
             "dark blue points: class 0, dark red: class 1", fontsize=10)
plt.show()

# %% [markdown]
# ### Exercise 4: MNIST training, confusion matrix and mistakes

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9.6, 3.4))
plot.plot_loss(history["train loss"], ax=ax_loss, label="train")
plot.plot_loss(history["test loss"], ax=ax_loss, label="test", ylabel="cross-entropy")
plot.plot_loss(history["test accuracy"], ax=ax_acc, label="test", ylabel="accuracy")
for ax in (ax_loss, ax_acc):
    ax.set_xticks(range(mnist_epochs), [str(e + 1) for e in range(mnist_epochs)])
plt.show()

# %%
num_test = len(data.y_test)
train.plot_confusion_matrix(cm, title=f"MNIST 'lab' split, {num_test:,} test images")
plt.show()

# %% [markdown]
# The most frequent confusions (off-diagonal entries of $C$, largest first):

# %%
off_diagonal = cm.clone()
off_diagonal.fill_diagonal_(0)
counts, flat_index = off_diagonal.flatten().topk(5)
for count, index in zip(counts.tolist(), flat_index.tolist()):
    print(f"true {index // 10} predicted as {index % 10}: {count} times")
per_class = cm.diagonal() / cm.sum(dim=1)
print("per-class accuracy:")
for first in (0, 5):
    row = per_class.tolist()[first : first + 5]
    print("  ".join(f"{c}: {a:.1%}" for c, a in enumerate(row, start=first)))

# %%
wrong = (y_pred != data.y_test).nonzero().flatten()[:24]
titles = [f"{data.y_test[i]} → {y_pred[i]}" for i in wrong.tolist()]
fig = plot.show_images(data.X_test[wrong], titles, ncols=8)
fig.suptitle(f"{len(wrong)} misclassified test digits (true → predicted)",
             fontsize=10)
plt.show()
print(mnist.CREDIT)

# %% [markdown]
# ## Answers to the exercise questions
#
# **Exercise 1.** Implement a two-layer feed-forward network for XOR with the sigmoid and
# verify the number of learnable parameters.
#
# <details><summary>Answer</summary>
#
# `XORModel` above is the sheet's network, trained with the sheet's `Dataset`, `DataLoader`
# (batch size 1, shuffled), `MSELoss` and `SGD` with $\eta = 0.03$. The count by formula,
# $(2\cdot 2 + 2) + (2 \cdot 1 + 1)$, and the sum of `numel` over `model.parameters()` give the
# same number (printed above): four weights and two biases in the hidden layer, two weights and
# one bias in the output layer. The 10,000 epochs of the sheet were run as full-batch steps with
# learning rate $4\eta$, which is the same update to first order in $\eta$ (derived above). Over
# the first 200 epochs both loops follow the same loss curve on the four examples and move the
# weights in a similar direction (the cosine printed there), but do not end at the same point:
# the full-batch loop is the noise-free version of the sheet's loop. With the sigmoid, most seeds solve XOR within the 10,000 epochs (the summary
# table): the loss sits on a plateau for a long time, then drops towards zero.
#
# </details>
#
# **Exercise 2.** Repeat exercise 1 with the ReLU.
#
# <details><summary>Answer</summary>
#
# Only the hidden activation changes, so the parameter count is the same. Started from the
# *same* initial weights, the ReLU networks solve XOR far less often than the sigmoid ones, but
# when they do, they get there in far fewer epochs (the summary table).
#
# The on/off columns of the per-seed table say why. A ReLU unit bends only where $z_j = 0$, and
# to help with XOR that bend has to fall between the four points. Every failed ReLU run is in
# one of two traps (the counts printed below the tables):
#
# - **Linear on the data.** Each unit is dead (off on all four inputs) or always on. Then the
#   network is an affine function on the four points, and the best affine fit of XOR is the
#   constant $\tfrac12$, whose loss is the dotted line in the curves. Gradient descent stops
#   there: the residuals of a least-squares fit are orthogonal to every affine function of
#   $\mathbf{x}$, so the gradients of $W_2$, $b_2$ and of the always-on units' weights vanish,
#   and a dead unit gets no gradient at all.
# - **Two silent inputs with different targets.** Both get the output $b_2$, which settles at the
#   mean of their targets, $\tfrac12$, and neither sends a gradient to the first layer that could
#   switch a unit on. The seed-42 ReLU network is such a case: two of its outputs in the Check
#   section are equal.
#
# Two hidden units leave little to spare: a solution needs at least one unit whose bend falls
# between the points (some solved runs have the other unit always on). The sigmoid is
# never exactly zero nor exactly linear, so its gradients never vanish exactly: sigmoid networks
# leave such plateaus, slowly, which is what the long flat stretches of the sigmoid curves are.
# The sigmoid runs that failed were still on that plateau after 10,000 epochs (their final loss
# equals the dotted line).
#
# </details>
#
# **Exercise 3.** Verify the output values by hand from the learned weights and biases.
#
# <details><summary>Answer</summary>
#
# For both trained networks, $a(XW_1^\top + \mathbf{b}_1)W_2^\top + b_2$ computed with `@`,
# `+`, `torch.sigmoid` or `clamp(min=0)` reproduces `model(X)` (the maximum differences are
# printed in the Check section), and the worked example for
# $\mathbf{x} = (0, 1)$ shows each intermediate vector. `nn.Linear(in, out)` stores its weight
# as an `(out, in)` matrix and computes $\mathbf{x}W^\top + \mathbf{b}$, which is why the
# transposes appear.
#
# </details>
#
# **Exercise 4.** A feed-forward network with two hidden layers for MNIST; show the accuracy
# as a confusion matrix and verify the number of learnable parameters.
#
# <details><summary>Answer</summary>
#
# The 784-128-64-10 ReLU network reaches the test accuracy printed above on the 2,000 test
# images of the "lab" split after 8 epochs, while its training accuracy is close to 100%: with
# many more parameters than training images, it starts to memorise (the test loss
# stops falling before the training loss does). The confusion matrix is dominated by its
# diagonal; the off-diagonal entries listed above are the classic MNIST confusions between
# digits that share strokes, and the per-class accuracies show which digits are hardest. The
# parameter count by formula equals the sum of `numel` (printed above); almost all parameters
# sit in the first layer, $784 \times 128$ weights. The real 60,000 training images
# (`load_mnist("full", download=True)` on a machine with internet; not run here, the build
# never downloads) give the same network more examples per parameter, which is the usual
# remedy for memorising.
#
# </details>
#
# **From the sheet's introduction: what if a network had no activation functions?**
#
# <details><summary>Answer</summary>
#
# Then every layer is affine and so is their composition:
# $W_2(W_1\mathbf{x} + \mathbf{b}_1) + b_2 = (W_2 W_1)\mathbf{x} + (W_2\mathbf{b}_1 + b_2)$.
# However many layers, the network is one linear model, and the Derivation shows that no linear
# model classifies XOR correctly.
#
# </details>

# %% [markdown]
# ## Summary
#
# - A feed-forward network is a chain of `nn.Linear` layers with activations in between; a layer
#   from $n_\text{in}$ to $n_\text{out}$ units has $n_\text{in} n_\text{out} + n_\text{out}$
#   parameters, and `sum(p.numel() for p in model.parameters())` confirms the count.
# - XOR is not linearly separable, so it needs a hidden layer and a non-linear activation.
# - One epoch of batch-size-1 SGD equals, to first order, one full-batch step with the learning
#   rate times the batch count; independent networks can be trained together by summing their
#   losses.
# - Over 20 seeds, the sigmoid 2-2-1 network solves XOR more often than the ReLU one, whose
#   failures come from units that are off (dead) or on for every input, leaving the network
#   linear on the data; where the ReLU network succeeds, it is much faster.
# - A trained network's output is reproduced exactly by $a(XW_1^\top + \mathbf{b}_1)W_2^\top + b_2$.
# - On MNIST, two hidden layers reach the accuracy printed above; the confusion matrix shows
#   which digits are mixed up. From now on `labkit.train` provides `train_epoch`, `evaluate`,
#   `accuracy`, `confusion_matrix` and `plot_confusion_matrix`, and `labkit.mnist.load_mnist`
#   the data.
# - MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0.
