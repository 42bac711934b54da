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
# **Sheets:** Deep Learning Lab manual (CSE 3281), lab 4 "Feedforward Neural Network",
# exercise questions 1–4 and the question of its introduction.
#
# **What you need:** `nn.Module`, `nn.Linear`, `Dataset` / `DataLoader`, `nn.MSELoss`
# and `torch.optim.SGD` ([Linear and logistic regression](05-linear-logistic-regression.py)),
# the sigmoid and the ReLU ([Activation functions](02-activations.py)), and the forward
# pass of a 2-2-1 network ([Forward propagation by hand](03-forward-propagation.py)).
#
# **Data:** the MNIST digits come from `labkit.mnist`, which ships the 10,000 official
# MNIST test images. MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges
# and is licensed CC BY-SA 3.0.
#
# ## What you will learn
#
# - to build the sheet's two-layer XOR network as an `nn.Module`, train it with a
#   `DataLoader`, and count its learnable parameters by formula and with `numel`;
# - why one epoch of batch-size-1 SGD is, to first order, one full-batch step with four
#   times the learning rate, and how that lets us train 40 networks in the time of one;
# - how often a 2-2-1 network solves XOR with the sigmoid and with the ReLU, over 20
#   seeds each, and why the ReLU version fails more often (dead units);
# - to recompute a trained network's outputs from its weights with matrix operations;
# - to classify MNIST digits with two hidden layers and read the confusion matrix.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [1 XOR with the sigmoid](#exercise-1-a-two-layer-network-for-xor-with-the-sigmoid) | `count_by_formula`, `xor_sgd_step` | 2 |
# | [2 XOR with the ReLU](#exercise-2-the-same-network-with-the-relu) | `relu_unit_status` | 1 |
# | [3 The outputs by hand](#exercise-3-the-outputs-by-hand) | `outputs_by_hand` | 1 |
# | [4 MNIST](#exercise-4-mnist-with-two-hidden-layers) | `accuracy`, `confusion_matrix` | 2 |
# | [Without activation functions](#from-the-sheets-introduction-a-network-without-activation-functions) | an answer | — |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import copy
import math
import textwrap
import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from labkit import compare, get_device, mnist, plot, seed_everything, selfcheck, train
from labkit.display import answer, paren, show_markdown, show_math, table

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# ## Exercise 1: a two-layer network for XOR with the sigmoid
#
# *Implement a two-layer feed-forward network for the XOR gate with 2-bit binary input,
# using the sigmoid. Verify the number of learnable parameters in the model.*
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
# $W_2 \in \mathbb{R}^{1 \times 2}$, $b_2 \in \mathbb{R}$ and $a = \sigma$ (exercise 1)
# or $a = \operatorname{ReLU}$ (exercise 2). For the four inputs stacked as the rows of
# $X \in \mathbb{R}^{4 \times 2}$, `nn.Linear` computes the same thing row by row:
#
# $$
# H = a(X W_1^\top + \mathbf{1}\mathbf{b}_1^\top), \qquad
# \hat{\mathbf{y}} = H W_2^\top + \mathbf{1} b_2 .
# $$
#
# The loss is the mean squared error $L = \frac{1}{N}\sum_i (\hat y_i - y_i)^2$, and the
# network's answer is $[\hat y > 0.5]$.
#
# **Why the hidden layer is needed.** Without it, $\hat y = w_1 x_1 + w_2 x_2 + b$.
# Classifying $(0,1)$ and $(1,0)$ as 1 needs $w_2 + b > \tfrac12$ and
# $w_1 + b > \tfrac12$; adding them, $w_1 + w_2 + 2b > 1$. Classifying $(0,0)$ and
# $(1,1)$ as 0 needs $b < \tfrac12$ and $w_1 + w_2 + b < \tfrac12$; adding them,
# $w_1 + w_2 + 2b < 1$. Both cannot hold, so no linear model solves XOR.
#
# Step 1, the truth table. Step 2, the model; it takes an `activation` argument so that
# exercise 2 can reuse it.

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
for name, p in model.named_parameters():
    print(f"{name:<15} shape {tuple(p.shape)!s:<8} numel {p.numel()}")

# %% [markdown]
# **The number of learnable parameters.** A linear layer from $n_\text{in}$ to
# $n_\text{out}$ units has $n_\text{in} n_\text{out}$ weights and $n_\text{out}$ biases,
# so a network with layer sizes $n_0, n_1, \dots, n_L$ has
#
# $$
# P = \sum_{l=1}^{L} \left( n_{l-1} n_l + n_l \right)
# $$
#
# learnable parameters; activations have none.
#
# ### Your turn

# %%
def count_by_formula(layer_sizes):
    """P = Σ (n_in·n_out + n_out) over consecutive sizes, e.g. [2, 2, 1] -> 9."""
    ### BEGIN SOLUTION
    pairs = zip(layer_sizes[:-1], layer_sizes[1:])
    return sum(n_in * n_out + n_out for n_in, n_out in pairs)
    ### END SOLUTION


# %%
count_by_formula = selfcheck.check("count_by_formula", count_by_formula)

# %% [markdown]
# By formula, and by counting the elements of every parameter tensor:

# %%
def count_by_numel(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


xor_count = count_by_formula([2, 2, 1])
print("sum of numel:", count_by_numel(model), "| formula:", xor_count)

# %% tags=["hide-input"]
show_math(r"P = (2 \cdot 2 + 2) + (2 \cdot 1 + 1) = @P", P=xor_count)

# %% [markdown]
# Step 3, the `Dataset` and the `DataLoader` with batch size 1 and shuffling, then the
# sheet's `train_one_epoch`, written with the four numbered steps.


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


# %% [markdown]
# **The sheet's loop, all 10,000 epochs.** Besides the sheet's epoch loss (the average of
# the four per-example losses *during* the epoch) we record the loss on all four examples
# at the start of an epoch, which is what a full-batch loop sees (every epoch for the
# first 200, then every tenth), and the parameters after 200 epochs for a comparison
# below.


# %%
def full_data_loss(model: nn.Module) -> float:
    with torch.no_grad():
        return loss_fn(model(X.to(device)).flatten(), Y.to(device)).item()


num_epochs = 10_000
to_vector = nn.utils.parameters_to_vector
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
losses_sheet, full_losses_sheet = [], {}  # full_losses_sheet: epoch -> loss
start = time.perf_counter()
for epoch in range(num_epochs):
    if epoch < 200 or epoch % 10 == 0:
        full_losses_sheet[epoch] = full_data_loss(model)
    model.train(True)
    losses_sheet.append(train_one_epoch(model, train_data_loader, optimizer))
    if epoch == 199:
        theta_sheet_200 = to_vector(model.parameters()).detach().clone()  # (9,)
    if epoch % 2000 == 0:
        print(f"Epoch {epoch}/{num_epochs}, Loss: {losses_sheet[-1]:.6f}, "
              f"loss on all four: {full_losses_sheet[epoch]:.6f}")
seconds_sheet = time.perf_counter() - start
with torch.no_grad():
    outputs_sheet = model(X.to(device)).flatten().cpu()  # (4,)
loss_sheet = full_data_loss(model)
print("outputs after 10,000 epochs:", [round(v, 4) for v in outputs_sheet.tolist()])

# %% tags=["timing"]
steps_per_run = num_epochs * len(X) // batch_size
print(f"the sheet's loop: {seconds_sheet:.1f} s for {steps_per_run:,} steps, "
      f"{seconds_sheet / steps_per_run * 1e6:.0f} µs per step")

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
ax.plot(range(1, num_epochs + 1), losses_sheet, color=plot.COLORS[0], lw=1.0,
        alpha=0.35, label="the sheet's epoch loss")
ax.plot([e + 1 for e in full_losses_sheet], list(full_losses_sheet.values()),
        color=plot.COLORS[0], label="loss on all four, start of the epoch")
ax.set(xscale="log", yscale="log", xlabel="epoch", ylabel="MSE",
       title="Exercise 1: the sheet's loop, batch size 1, seed 42")
ax.legend()
plt.show()

# %% tags=["hide-input"]
answer(
    r"`XORModel` is the sheet's network, trained with its `Dataset`, `DataLoader` "
    r"(batch size 1, shuffled), `MSELoss` and `SGD` with $\eta = 0.03$ for the full "
    r"10,000 epochs. The count by formula, $(2\cdot 2 + 2) + (2 \cdot 1 + 1) = @P$, "
    r"equals the sum of `numel` over `model.parameters()` ($@numel$): four weights and "
    r"two biases in the hidden layer, two weights and one bias in the output layer. "
    r"With seed 42 the loss on the four examples sits on a plateau near $@plateau$ "
    r"until it falls below 0.01 at epoch $@drop$, and ends at $@final$: the outputs "
    r"for $(0,0), (0,1), (1,0), (1,1)$ are $@o0, @o1, @o2, @o3$, so the network "
    r"@verdict XOR. One seed is one draw: exercise 2 trains 20 of them per activation.",
    P=xor_count, numel=count_by_numel(model), plateau=full_losses_sheet[100],
    drop=min(e for e, v in full_losses_sheet.items() if v < 0.01), final=loss_sheet,
    o0=outputs_sheet[0], o1=outputs_sheet[1], o2=outputs_sheet[2], o3=outputs_sheet[3],
    verdict="solves" if bool(((outputs_sheet > 0.5).float() == Y).all())
    else "does not solve",
)

# %% [markdown]
# ### Many seeds: one epoch of batch-size-1 SGD is one full-batch step, to first order
#
# The run above took 40,000 optimizer steps. 20 seeds for each of two activations would
# take 40 times as many, and the step of a tiny network is all overhead. So for the seed
# sweep we use a stand-in. One epoch visits the four examples in a shuffled order $\pi$
# and takes four steps on the per-example losses
# $\ell_i(\theta) = (\hat y_i(\theta) - y_i)^2$:
#
# $$
# \theta_k = \theta_{k-1} - \eta \nabla \ell_{\pi(k)}(\theta_{k-1}),
# \quad k = 1, \dots, 4 .
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
# One full-batch step on the mean loss with learning rate $4\eta$ moves the parameters
# as far as one epoch of the sheet's loop, up to $O(\eta^2)$. It is not *identical*: the
# $O(\eta^2)$ terms and the random order add up over 10,000 epochs, so a single run can
# end differently, but the dynamics are the same.
#
# ### Your turn
#
# One full-batch step, written with autograd on plain tensors in `nn.Linear`'s
# orientation ($W_1$ is (2, 2), $W_2$ is (1, 2)): forward, loss, gradients
# (`torch.autograd.grad`, or `backward` on copies with `requires_grad`), update.

# %%
def xor_sgd_step(W1, b1, W2, b2, X, y, lr):
    """One SGD step on the MSE of σ(X W1ᵀ + b1) W2ᵀ + b2 against y: (N,).

    Returns (loss before the step, W1, b1, W2, b2 after it), as new tensors.
    """
    ### BEGIN SOLUTION
    params = [p.detach().clone().requires_grad_() for p in (W1, b1, W2, b2)]
    W1, b1, W2, b2 = params
    H = torch.sigmoid(X @ W1.T + b1)  # 1. forward, (N, 2)
    y_hat = (H @ W2.T + b2).flatten()  # (N,)
    loss = ((y_hat - y) ** 2).mean()  # 2. loss
    grads = torch.autograd.grad(loss, params)  # 3. backward
    new = [(p - lr * g).detach() for p, g in zip(params, grads)]  # 4. update
    return (loss.detach(), *new)
    ### END SOLUTION


# %%
xor_sgd_step = selfcheck.check("xor_sgd_step", xor_sgd_step)

# %% [markdown]
# 200 epochs of your step from the initial weights of seed 42, with learning rate
# $4\eta$. The same network as an `nn.Module` trained with `torch.optim.SGD` on the full
# batch must end at the same parameters:


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
params = [initial_state[k] for k in
          ("linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias")]
X_dev, Y_dev = X.to(device), Y.to(device)
losses_step = []
for _ in range(200):
    loss, *params = xor_sgd_step(*params, X_dev, Y_dev, lr_full_batch)
    losses_step.append(loss.item())
model_full_batch = XORModel(nn.Sigmoid).to(device)
model_full_batch.load_state_dict(initial_state)
losses_full_batch = train_full_batch(model_full_batch, lr_full_batch, 200)
for (name, p_module), p_mine in zip(model_full_batch.named_parameters(), params):
    compare(name, p_mine, p_module.detach())

# %% [markdown]
# Against the sheet's loop after its first 200 epochs (recorded above), from the same
# initial weights:

# %%
theta_0 = torch.cat([p.flatten() for p in initial_state.values()])  # (9,)
move_sheet = theta_sheet_200 - theta_0  # (9,)
move_full = to_vector(model_full_batch.parameters()).detach() - theta_0  # (9,)
cosine = nn.functional.cosine_similarity(move_sheet, move_full, dim=0)
print(f"distance moved, batch size 1: {move_sheet.norm():.4f}")
print(f"distance moved, full batch:   {move_full.norm():.4f}")
print(f"distance between the end points: {(move_sheet - move_full).norm():.4f}")
print(f"cosine of the angle between the two moves: {cosine:.4f}")

# %%
ax = plot.plot_loss([full_losses_sheet[e] for e in range(200)],
                    label=f"batch size 1, lr {lr}: on all four")
plot.plot_loss(losses_step, ax=ax, label=f"full batch, lr {lr_full_batch:g}")
ax.plot(losses_sheet[:200], color=plot.COLORS[0], lw=1.0, alpha=0.35,
        label="batch size 1: the sheet's epoch loss")
ax.set(ylabel="MSE", title="The first 200 epochs: batch size 1 against full batch")
ax.legend()
plt.show()

# %% [markdown]
# Measured the same way, on all four examples at the start of each epoch, the two loops
# follow the same loss curve and move the weights in a similar direction (the cosine
# above), but they do not end at the same point: on the plateau where the network
# starts, the mean gradient is small while the four per-example gradients are large and
# pull in different directions, so the $O(\eta^2)$ terms and the random order matter.
# The sheet's own epoch loss (faint) is higher and noisy: each of its four terms is
# measured right after steps taken for the *other* examples. The full-batch loop is the
# noise-free version of the sheet's loop, not a replica of it; exercise 2 checks that
# over 10,000 epochs it reaches the same verdict for seed 42.
#
# ## Exercise 2: the same network with the ReLU
#
# *Repeat exercise 1 with the ReLU activation.*
#
# Only the hidden activation changes, so the parameter count is the same. To see how
# often each variant solves XOR we train $S = 40$ networks, 20 seeds per activation, with
# the full-batch stand-in. **Training many networks as one:** stack their weights,
# $W_1 \in \mathbb{R}^{S \times 2 \times 2}$ and so on, run all of them with one batched
# matrix product (`torch.baddbmm`), and minimise the *sum* of their losses. Because
# $L_r$ does not depend on $\theta_s$ for $r \ne s$,
#
# $$
# \frac{\partial}{\partial \theta_s} \sum_{r=1}^{S} L_r(\theta_r)
#   = \frac{\partial L_s}{\partial \theta_s},
# $$
#
# so one SGD step on the sum is $S$ independent SGD steps, one per network.
#
# `StackedXOR` holds the $S$ copies of `XORModel` as stacked tensors. Each network is
# built by the sheet's code, `torch.manual_seed(seed); XORModel(activation)`, and copied
# in, so network 0 starts exactly like the model above, and the sigmoid and ReLU
# networks of the same seed start from the same weights.


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


num_seeds = 20
variants = {"sigmoid": nn.Sigmoid, "ReLU": nn.ReLU}
seeds = list(range(42, 42 + num_seeds))
labels = [(name, seed) for name in variants for seed in seeds]
nets = [make_net(seed, variants[name]) for name, seed in labels]
stack = StackedXOR(nets)
with torch.no_grad():
    compare("stack(X) vs nets", stack(X_dev), torch.stack([n(X_dev) for n in nets]))
    compare("net 0 vs model", to_vector(nets[0].parameters()), theta_0)

# %% [markdown]
# **The stacked networks are the sheet's networks**: a fresh stack trained for 200 epochs
# must end where the full-batch model above ended (same seed 42, same initial weights,
# same learning rate).

# %%
check_stack = StackedXOR([make_net(seed, nn.Sigmoid) for seed in seeds[:3]])
train_stack(check_stack, lr_full_batch, 200)
for (name, p_single), p_full in zip(check_stack.net(0).named_parameters(),
                                    model_full_batch.parameters()):
    compare(name, p_single, p_full)

# %% [markdown]
# Training all 40 networks for the sheet's 10,000 epochs, one loss per network summed
# before `backward`:

# %%
start = time.perf_counter()
stack_losses = train_stack(stack, lr_full_batch, num_epochs)  # (10000, 40)
seconds_stacked = time.perf_counter() - start

# %% tags=["timing"]
num_nets = len(labels)
print(f"{num_nets} networks, {num_epochs:,} epochs, full batch: "
      f"{seconds_stacked:.1f} s")
print(f"the same with the sheet's loop, one network at a time: about "
      f"{num_nets * seconds_sheet / 60:.0f} minutes")

# %% [markdown]
# Which runs solved XOR? A run solves it when all four outputs lie on the right side of
# 0.5. For the ReLU networks we look at where each hidden unit is on ($z_j > 0$) or off
# ($z_j \le 0$: output and gradient zero). A unit that is off on all four inputs is
# *dead*; one that is on for all four is *linear on the data*, since its bend at
# $z_j = 0$ lies outside the four points.
#
# ### Your turn
#
# From the pre-activations $Z_1$ of one or many networks, shape (..., N, units), find the
# dead and the always-on units: one answer per unit.

# %%
def relu_unit_status(Z1):
    """(dead, always_on), each of shape (..., units): z ≤ 0, resp. z > 0, on all N."""
    ### BEGIN SOLUTION
    return (Z1 <= 0).all(dim=-2), (Z1 > 0).all(dim=-2)
    ### END SOLUTION


# %%
relu_unit_status = selfcheck.check("relu_unit_status", relu_unit_status)

# %% [markdown]
# A *silent* input has every unit off, so the network outputs the constant $b_2$ there
# and no gradient reaches the first layer from it. We also record when each run's loss
# first fell below 0.01.

# %%
with torch.no_grad():
    y_hat_all = stack(X_dev).squeeze(-1).cpu()  # (S, 4)
    Z1_all = stack.hidden_pre_activation(X_dev).cpu()  # (S, 4, 2)
solved = ((y_hat_all > 0.5).float() == Y).all(dim=1)  # (S,)
unit_off, unit_on = relu_unit_status(Z1_all)  # (S, 2) each
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


def outcome(k: int) -> str:
    return f"{verdict(k)}, {final_loss[k].item():.1e}"


show_markdown(table(
    ["seed", "sigmoid: outcome, loss", "ReLU: outcome, loss", "ReLU units: dead",
     "always on", "silent inputs"],
    [[str(seed), outcome(k), outcome(num_seeds + k), int(unit_off[num_seeds + k].sum()),
      int(unit_on[num_seeds + k].sum()), int(silent[num_seeds + k].sum())]
     for k, seed in enumerate(seeds)],
    align="lllrrr",
))

# %% [markdown]
# Per variant: how many runs solved XOR, the median final loss, and, over the solved
# runs, the median number of epochs until the loss first fell below 0.01 ("epochs to
# fit"). Then the failed ReLU runs by cause.

# %%
summary = {}
for name in variants:
    mask = is_relu if name == "ReLU" else ~is_relu
    summary[name] = (int(solved[mask].sum()), final_loss[mask].median(),
                     int(epochs_to_fit[mask & solved].median()))
show_markdown(table(
    ["activation", "solved XOR (of 20)", "median final loss", "epochs to fit"],
    [[name, *values] for name, values in summary.items()],
))
failed_relu = is_relu & ~solved
causes = {
    "linear on the data (each unit dead or always on)": net_is_linear,
    "two silent inputs with different targets": stuck,
    "either": net_is_linear | stuck,
}
cause_counts = {cause: int((failed_relu & mask).sum())
                for cause, mask in causes.items()}
print(f"failed ReLU runs: {int(failed_relu.sum())}, of which")
for cause, count in cause_counts.items():
    print(f"  {cause:<50} {count:>3}")

# %% [markdown]
# **Seed 42 at full length.** The stand-in's sigmoid network of seed 42 against the
# sheet's own loop of exercise 1, both after 10,000 epochs:

# %%
k42 = labels.index(("sigmoid", 42))
print("sheet's loop, outputs:", [round(v, 4) for v in outputs_sheet.tolist()],
      f"loss {loss_sheet:.6f}")
print("full batch,   outputs:", [round(v, 4) for v in y_hat_all[k42].tolist()],
      f"loss {final_loss[k42].item():.6f}")
print("same verdict:", bool(((outputs_sheet > 0.5) == (y_hat_all[k42] > 0.5)).all()))

# %% [markdown]
# Every run's loss, coloured by whether it ended up solving XOR. The dotted line is the
# loss of the best *affine* function of $\mathbf{x}$, fitted by least squares: a network
# that is linear on the four points can do no better. It equals the loss of predicting
# the mean target everywhere: for XOR the best affine fit is a constant.

# %%
A = torch.cat([X, torch.ones(len(X), 1)], dim=1)  # (4, 3): x1, x2, 1
coef = torch.linalg.lstsq(A, Y.unsqueeze(1)).solution  # (3, 1)
constant_loss = ((A @ coef).flatten() - Y).pow(2).mean().item()
print("best affine fit: w1, w2, b =",
      [round(c, 6) + 0.0 for c in coef.flatten().tolist()])
print(f"its MSE: {constant_loss:.6f}; "
      f"MSE of predicting the mean target: {Y.var(correction=0).item():.6f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.4), sharey=True)
# The x axis is logarithmic: 400 log-spaced epochs per curve are enough.
shown_epochs = torch.logspace(0, math.log10(num_epochs), 400).round().long().unique()
for ax, name in zip(axes, variants):
    for k, (run_name, seed) in enumerate(labels):
        if run_name == name:
            color = plot.COLORS[2] if solved[k] else plot.COLORS[3]
            ax.plot(shown_epochs, stack_losses[shown_epochs - 1, k], color=color,
                    lw=1.0)
    ax.axhline(constant_loss, color=plot.INK, ls=":", lw=1.5)
    ax.set(xscale="log", yscale="log", xlabel="epoch")
    ax.set_title(f"{name}: {summary[name][0]} of {num_seeds} solved")
axes[0].set_ylabel("MSE")
axes[1].plot([], [], color=plot.COLORS[2], label="solved")
axes[1].plot([], [], color=plot.COLORS[3], label="not solved")
axes[1].legend(loc="lower left")
plt.show()

# %% [markdown]
# What the trained networks compute: the output $\hat y$ over the input plane for the
# seed-42 networks and, for contrast, the first ReLU run that did solve XOR. The dark
# line is $\hat y = 0.5$, the decision boundary.

# %%
relu_solved = [k for k, (name, _) in enumerate(labels)
               if name == "ReLU" and solved[k]]
shown = [k42, labels.index(("ReLU", 42)), relu_solved[0]]
fig, axes = plt.subplots(2, 2, figsize=(plot.WIDTH, 6.6))
for ax, k in zip(axes.flat, shown):
    net = stack.net(k).cpu()
    name, seed = labels[k]
    plot.decision_boundary(net, X, Y, ax=ax, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5),
                           resolution=120, title=f"{name}, seed {seed}: {verdict(k)}")
axes.flat[-1].remove()
fig.suptitle(r"output $\hat y$ of trained XOR networks; line: $\hat y = 0.5$")
plt.show()

# %% tags=["hide-input"]
answer(
    r"Started from the *same* initial weights, the ReLU networks solve XOR less often "
    r"than the sigmoid ones ($@sr$ of 20 against $@ss$ of 20), but when they do, they "
    r"get there much sooner (median $@er$ epochs to a loss of 0.01, against $@es$)."
    "\n\n"
    r"The on/off columns of the per-seed table say why. A ReLU unit bends only where "
    r"$z_j = 0$, and to help with XOR that bend has to fall between the four points. "
    r"Of the $@nf$ failed ReLU runs, $@nlin$ are **linear on the data**: each unit is "
    r"dead or always on, so the network is an affine function on the four points, and "
    r"the best affine fit of XOR is the constant $\tfrac12$, whose loss $@closs$ is "
    r"the dotted line. Gradient descent stops there: the residuals of a least-squares "
    r"fit are orthogonal to every affine function of $\mathbf{x}$, so the gradients of "
    r"$W_2$, $b_2$ and of the always-on units' weights vanish, and a dead unit gets no "
    r"gradient at all. $@nstuck$ have **two silent inputs with different targets**: "
    r"both get the output $b_2$, which settles at the mean of their targets, "
    r"$\tfrac12$, and neither sends a gradient to the first layer that could switch a "
    r"unit on; $@neither$ runs fall in one trap or the other."
    "\n\n"
    r"The sigmoid is never exactly zero nor exactly linear, so its gradients never "
    r"vanish exactly: sigmoid networks leave such plateaus, slowly, which is what the "
    r"long flat stretches of the sigmoid curves are. The stand-in agrees with the "
    r"sheet's own loop on seed 42: both @both42 XOR after 10,000 epochs.",
    sr=summary["ReLU"][0], ss=summary["sigmoid"][0], er=summary["ReLU"][2],
    es=summary["sigmoid"][2], nf=int(failed_relu.sum()),
    nlin=cause_counts["linear on the data (each unit dead or always on)"],
    nstuck=cause_counts["two silent inputs with different targets"],
    neither=cause_counts["either"], closs=constant_loss,
    both42="solve" if bool(solved[k42]) else "fail to solve",
)

# %% [markdown]
# ## Exercise 3: the outputs by hand
#
# *Verify the output values by hand from the learned weights and biases of
# `linear1` and `linear2` for exercise 1: apply the transformations to the input $X$.*
#
# `nn.Linear(in, out)` stores its weight as an `(out, in)` matrix and computes
# $\mathbf{x}W^\top + \mathbf{b}$ for a row $\mathbf x$, so for all four inputs
# $\hat{\mathbf{y}} = a(XW_1^\top + \mathbf{b}_1)W_2^\top + b_2$.
#
# ### Your turn
#
# With matrix operations only: `@`, `+`, `torch.sigmoid` or `torch.relu`.

# %%
def outputs_by_hand(X, W1, b1, W2, b2, activation):
    """a(X W1ᵀ + b1) W2ᵀ + b2, shape (N, 1); activation is "sigmoid" or "relu"."""
    ### BEGIN SOLUTION
    a = torch.sigmoid if activation == "sigmoid" else torch.relu
    H = a(X @ W1.T + b1)  # (N, hidden)
    return H @ W2.T + b2  # (N, 1)
    ### END SOLUTION


# %%
outputs_by_hand = selfcheck.check("outputs_by_hand", outputs_by_hand)

# %% [markdown]
# The trained sigmoid and ReLU networks of seed 42 from the stack, their parameters
# printed as the sheet does, and your outputs against `model(X)`:

# %%
trained = {name: stack.net(labels.index((name, 42))) for name in variants}
by_hand = {}
for name, net in trained.items():
    print(f"--- {name}, seed 42")
    for param_name, param in net.named_parameters():
        values = [round(v, 4) for v in param.detach().flatten().tolist()]
        print(f"{param_name:<15}", values)
    weights = [p.detach() for p in net.parameters()]  # W1, b1, W2, b2
    by_hand[name] = outputs_by_hand(X_dev, *weights, name.lower())  # (4, 1)
    with torch.no_grad():
        compare(f"{name} by hand", by_hand[name], net(X_dev))
for name, outputs in by_hand.items():
    values = ", ".join(f"{v:.6f}" for v in outputs.flatten().tolist())
    print(f"{name:<8} outputs by hand for X: {values}")

# %% [markdown]
# Written out for the sheet's inference input $\mathbf{x} = (0, 1)$ and the sigmoid
# network:

# %% tags=["hide-input"]
W1, b1, W2, b2 = [p.detach().cpu() for p in trained["sigmoid"].parameters()]
x01 = torch.tensor([0.0, 1.0])
z01 = W1 @ x01 + b1  # (2,)
h01 = torch.sigmoid(z01)  # (2,)
show_math(
    r"""\begin{aligned}
    \mathbf{z} &= W_1\mathbf{x} + \mathbf{b}_1 = @W1 @x + @b1 = @z\\
    \mathbf{h} &= \sigma(\mathbf{z}) = @h\\
    \hat y &= W_2\mathbf{h} + b_2 = @W2 @h + @b2 = @y
    \end{aligned}""",
    W1=W1, x=x01, b1=b1, z=z01, h=h01, W2=W2, b2=paren(b2),
    y=f"{(W2 @ h01 + b2).item():.6f}",
)

# %% tags=["hide-input"]
answer(
    r"For both trained networks, $a(XW_1^\top + \mathbf{b}_1)W_2^\top + b_2$ computed "
    r"with `@`, `+` and `torch.sigmoid` or `torch.relu` reproduces `model(X)` (largest "
    r"differences $@ds$ for the sigmoid and $@dr$ for the ReLU network). The sigmoid "
    r"network's outputs are $@s0, @s1, @s2, @s3$; the ReLU network's are "
    r"$@r0, @r1, @r2, @r3$. For $\mathbf x = (0, 1)$ the worked example shows each "
    r"intermediate vector. The ReLU network has $@nsilent$ *silent* inputs (every "
    r"hidden unit off, the trap of exercise 2), where it outputs $b_2 = @b2$. The "
    r"transposes appear because `nn.Linear(in, out)` stores its weight as an "
    r"`(out, in)` matrix.",
    nsilent=int(silent[labels.index(("ReLU", 42))].sum()),
    b2=trained["ReLU"].linear2.bias,
    ds=(by_hand["sigmoid"] - trained["sigmoid"](X_dev)).abs().max(),
    dr=(by_hand["ReLU"] - trained["ReLU"](X_dev)).abs().max(),
    s0=by_hand["sigmoid"][0], s1=by_hand["sigmoid"][1], s2=by_hand["sigmoid"][2],
    s3=by_hand["sigmoid"][3], r0=by_hand["ReLU"][0], r1=by_hand["ReLU"][1],
    r2=by_hand["ReLU"][2], r3=by_hand["ReLU"][3],
)

# %% [markdown]
# ## Exercise 4: MNIST with two hidden layers
#
# *Implement a feed-forward network with two hidden layers to classify handwritten
# digits from MNIST. Display the classification accuracy as a confusion matrix and verify
# the number of learnable parameters.*
#
# A $28 \times 28$ image flattened to $\mathbf{x} \in \mathbb{R}^{784}$ goes through two
# hidden layers with ReLU to ten class scores (logits):
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
# trained with the cross-entropy $-\log \operatorname{softmax}(\mathbf{o})_{c}$ of the
# true class $c$. `labkit.mnist.load_mnist("lab")` gives 8,000 training and 2,000 test
# images from the official MNIST test set that ships with labkit, scaled to $[0, 1]$ and
# standardised with the training images' mean and standard deviation:

# %%
data = mnist.load_mnist("lab")
print(textwrap.fill(data.description, 80))
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
mnist_count = count_by_formula(sizes)
print(f"sum of numel: {count_by_numel(mnist_model):,} | formula: {mnist_count:,}")

# %% tags=["hide-input"]
show_math(
    r"""\begin{aligned}
    P &= (@n0 \cdot @n1 + @n1) + (@n1 \cdot @n2 + @n2) + (@n2 \cdot @n3 + @n3)\\
      &= @P
    \end{aligned}""",
    n0=num_inputs, n1=num_hiddens1, n2=num_hiddens2, n3=num_outputs, P=mnist_count,
)

# %% [markdown]
# Training with mini-batches of 64 and SGD with momentum, with `labkit.train.train_epoch`:
# the four numbered steps of `train_one_epoch` above, for any loss and any batch size
# (the Summary shows that the two agree). After every epoch, `labkit.train.evaluate`
# measures the test loss and accuracy.

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
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.2))
plot.plot_loss(history["train loss"], ax=ax_loss, label="train")
plot.plot_loss(history["test loss"], ax=ax_loss, label="test", ylabel="cross-entropy")
plot.plot_loss(history["test accuracy"], ax=ax_acc, label="test", ylabel="accuracy")
for ax in (ax_loss, ax_acc):
    ax.set_xticks(range(mnist_epochs), [str(e + 1) for e in range(mnist_epochs)])
ax_loss.set_title("MNIST: loss per epoch")
ax_acc.set_title("MNIST: test accuracy per epoch")
plt.show()

# %% [markdown]
# **The confusion matrix** $C \in \mathbb{N}^{10 \times 10}$ counts
# $C_{ij} = \#\{n : c_n = i,\ \hat c_n = j\}$: rows are true classes, columns
# predictions. Its diagonal holds the correct predictions, so the accuracy is
# $\operatorname{tr}(C) / \sum_{ij} C_{ij}$.
#
# ### Your turn
#
# The accuracy from the logits, and the confusion matrix from the labels. Watch out:
# `cm[y_true, y_pred] += 1` does *not* count repeated pairs.

# %%
def accuracy(logits, y):
    """Fraction of rows of logits (N, C) whose argmax equals y (N,), as a float."""
    ### BEGIN SOLUTION
    return (logits.argmax(dim=1) == y).double().mean().item()
    ### END SOLUTION


def confusion_matrix(y_true, y_pred, num_classes):
    """(C, C) int64 counts: entry [i, j] = #examples of class i predicted as j."""
    ### BEGIN SOLUTION
    cm = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    ones = torch.ones(len(y_true), dtype=torch.int64)
    return cm.index_put_((y_true.cpu(), y_pred.cpu()), ones, accumulate=True)
    ### END SOLUTION


# %%
accuracy = selfcheck.check("accuracy", accuracy)
confusion_matrix = selfcheck.check("confusion_matrix", confusion_matrix)

# %%
mnist_model.eval()
with torch.no_grad():
    logits_test = mnist_model(data.X_test.to(device)).cpu()  # (2000, 10)
y_pred = logits_test.argmax(dim=1)  # (2000,)
cm = confusion_matrix(data.y_test, y_pred, 10)
test_acc = accuracy(logits_test, data.y_test)
train_acc = train.evaluate(mnist_model, data.X_train, data.y_train)[1]
print(f"train accuracy {train_acc:.2%}, test accuracy {test_acc:.2%}")
print(f"trace(C) / sum(C) = {cm.trace().item()} / {cm.sum().item()} "
      f"= {cm.trace().item() / cm.sum().item():.2%}")
print("rows sum to the class counts of the test split:",
      torch.equal(cm.sum(dim=1), torch.bincount(data.y_test, minlength=10)))

# %%
num_test = len(data.y_test)
plot.plot_confusion_matrix(cm, title=f"MNIST 'lab' split, {num_test:,} test images")
plt.show()

# %% [markdown]
# The most frequent confusions (off-diagonal entries of $C$, largest first), and the
# accuracy per class (the diagonal divided by the row sums):

# %%
off_diagonal = cm.clone()
off_diagonal.fill_diagonal_(0)
counts, flat_index = off_diagonal.flatten().topk(5)
confusions = [(index // 10, index % 10, count)
              for count, index in zip(counts.tolist(), flat_index.tolist())]
per_class = cm.diagonal() / cm.sum(dim=1)  # (10,)
show_markdown(table(["true", "predicted as", "times"],
                    [[str(t), str(p), c] for t, p, c in confusions], align="llr"))
show_markdown(table([str(c) for c in range(10)],
                    [[f"{a:.1%}" for a in per_class.tolist()]], align="r" * 10))

# %%
wrong = (y_pred != data.y_test).nonzero().flatten()[:24]
titles = [f"{data.y_test[i]} → {y_pred[i]}" for i in wrong.tolist()]
fig = plot.show_images(data.X_test[wrong], titles, ncols=8)
fig.suptitle(f"{len(wrong)} misclassified test digits (true → predicted)")
plt.show()
print(mnist.CREDIT)

# %% tags=["hide-input"]
worst = int(per_class.argmin())
answer(
    r"The 784-128-64-10 ReLU network reaches a test accuracy of @test on the 2,000 "
    r"test images of the 'lab' split after 8 epochs, while its training accuracy is "
    r"@train: with $@P$ parameters and 8,000 training images it starts to memorise (the"
    r" test loss is lowest at epoch $@best$ and then stops falling while the training "
    r"loss keeps dropping). The confusion matrix is dominated by its diagonal, "
    r"$\operatorname{tr}(C) = @trace$ of $@n$; the largest off-diagonal entry is "
    r"$@c0$ images of a @t0 predicted as @p0, and the hardest class is @worst "
    r"(@worstacc correct). These are the classic MNIST confusions between digits that "
    r"share strokes. The parameter count by formula equals the sum of `numel`; "
    r"$@first$ of the $@P$ parameters, @share, sit in the first layer's "
    r"$784 \times 128$ weights. The real 60,000 training images "
    r"(`load_mnist('full', download=True)` on a machine with internet; the build never"
    r" downloads) give the same network more examples per parameter, the usual remedy "
    r"for memorising.",
    test=f"{test_acc:.2%}", train=f"{train_acc:.2%}", P=mnist_count,
    best=min(range(mnist_epochs), key=history["test loss"].__getitem__) + 1,
    trace=cm.trace().item(), n=cm.sum().item(), c0=confusions[0][2],
    t0=str(confusions[0][0]), p0=str(confusions[0][1]), worst=str(worst),
    worstacc=f"{per_class[worst].item():.1%}", first=num_inputs * num_hiddens1,
    share=f"{num_inputs * num_hiddens1 / mnist_count:.0%}",
)

# %% [markdown]
# ## From the sheet's introduction: a network without activation functions
#
# *What if a neural network had no activation functions?*

# %% tags=["hide-input"]
answer(
    r"Then every layer is affine and so is their composition: "
    r"$W_2(W_1\mathbf{x} + \mathbf{b}_1) + b_2 = (W_2 W_1)\mathbf{x} + "
    r"(W_2\mathbf{b}_1 + b_2)$. However many layers, the network is one linear model, "
    r"and exercise 1 shows that no linear model classifies XOR correctly: the best "
    r"affine fit of XOR is the constant $\tfrac12$, with loss $@closs$, which no "
    r"threshold turns into the right answer.",
    closs=constant_loss,
)

# %% [markdown]
# ## Summary
#
# `labkit.train.train_epoch` is the sheet's `train_one_epoch` for any loss and batch
# size, and `labkit.train.accuracy` and `confusion_matrix` are the metrics you wrote.
# From the same weights and the same shuffling, `train_epoch` must produce the same
# parameters and epoch losses, and the metrics the same numbers:


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
compare("confusion", train.confusion_matrix(data.y_test, y_pred, 10), cm)
_ = compare("accuracy", torch.tensor(train.accuracy(logits_test, data.y_test)),
            torch.tensor(test_acc))

# %% [markdown]
# - A feed-forward network is a chain of `nn.Linear` layers with activations in between;
#   a layer from $n_\text{in}$ to $n_\text{out}$ units has
#   $n_\text{in} n_\text{out} + n_\text{out}$ parameters, and
#   `sum(p.numel() for p in model.parameters())` confirms the count.
# - XOR is not linearly separable, so it needs a hidden layer and a non-linear
#   activation.
# - One epoch of batch-size-1 SGD equals, to first order, one full-batch step with the
#   learning rate times the number of batches; independent networks can be trained
#   together by summing their losses.
# - Over 20 seeds, the sigmoid 2-2-1 network solves XOR more often than the ReLU one,
#   whose failures come from units that are off (dead) or on for every input, leaving
#   the network linear on the data; where the ReLU network succeeds, it is much faster.
# - A trained network's output is reproduced exactly by
#   $a(XW_1^\top + \mathbf{b}_1)W_2^\top + b_2$.
# - On MNIST, two hidden layers reach high test accuracy on 8,000 training images, and
#   the confusion matrix shows which digits are mixed up. From now on `labkit.train`
#   provides `train_epoch`, `evaluate`, `accuracy` and `confusion_matrix`,
#   `labkit.plot.plot_confusion_matrix` draws the matrix, and `labkit.mnist.load_mnist`
#   gives the data.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Give the XOR network 3 or 4 hidden units instead of 2 and rerun the 20-seed sweep
#    with the ReLU. How does the success rate change, and why (count the bends)?
# 2. Replace the MSE of the XOR network by `BCEWithLogitsLoss` on the output logit.
#    Does the sigmoid network still sit on the plateau?
# 3. Train the MNIST network with a third hidden layer of 64 units. Does the gap between
#    training and test accuracy grow or shrink?
#
# ## Next
#
# [An MLP without torch.nn layers](07-mlp-from-scratch.py) opens the black box: the same
# kind of network written with tensors only.
