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
# # Transfer learning
#
# **Sheets:** Deep Learning Lab manual (CSE 3281), "Transfer Learning" (lab 5 in the
# manual's contents). The manual only titles this lab; its outcomes are to "implement
# some of the important well-known deep neural architectures for Computer Vision" and to
# "understand implementation detail of deep learning models". The exercises below are
# written for this course in the manual's style: each asks you to implement something,
# then to answer a question with an experiment.
#
# **What you need:** a convolutional network and its layers
# ([Convolutional networks](13-cnn.py)); the MNIST "lab" split and the training loop of
# [Feed-forward networks](06-feedforward-networks.py); `torch.optim.Adam`, used here as a
# black box ([Optimizers](16-optimizers.py) derives it).
#
# ## What you will learn
#
# - to reuse a network trained on one task (the *source*) for another (the *target*) that
#   has few labelled examples, three ways: train from scratch, train a new head on frozen
#   features, or fine-tune everything with a smaller learning rate for the reused part;
# - to measure where transfer helps, with the spread over seeds, rather than assume it;
# - to see what pretraining does to the features, with a PCA computed by an SVD;
# - the real API, as you would use it on your own machine: `torchvision.models.resnet18`,
#   a new `fc`, frozen parameters, parameter groups, the ImageNet normalisation, and the
#   BatchNorm trap of a frozen backbone.
#
# No pretrained weights can be downloaded while this page is built, so it makes its own
# transfer problem: a small CNN pretrained on the digits 0–4 learns the digits 5–9 from
# 10, 50 or 200 labelled images per class.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [14.1 A transfer problem made from MNIST](#exercise-141-a-transfer-problem-made-from-mnist) | `few_shot_indices` | 1 |
# | [14.2 Features before and after pretraining](#exercise-142-features-before-and-after-pretraining) | `pca_2d` | 1 |
# | [14.3 A new head on frozen features](#exercise-143-a-new-head-on-frozen-features) | `fit_linear_head` | 1 |
# | [14.4 From scratch, frozen or fine-tuned](#exercise-144-from-scratch-frozen-or-fine-tuned) | parameter groups, a plot | — |
# | [14.5 The real API: ResNet-18](#exercise-145-the-real-api-resnet-18) | `imagenet_normalize`, `count_trainable` | 2 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import ResNet18_Weights, resnet18
from torchvision.transforms import v2 as transforms

from labkit import compare, get_device, mnist, plot, seed_everything, selfcheck
from labkit import transfer
from labkit.display import answer, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()

data = mnist.load_mnist("lab", flatten=False)
X_train = data.X_train.unsqueeze(1).to(device)  # (8000, 1, 28, 28)
X_test = data.X_test.unsqueeze(1).to(device)  # (2000, 1, 28, 28)
y_train, y_test = data.y_train.to(device), data.y_test.to(device)
print(mnist.CREDIT)

# %% [markdown]
# ## Exercise 14.1: a transfer problem made from MNIST
#
# *Split the "lab" training images into a source task, the digits 0–4, and a target task,
# the digits 5–9 (relabelled 0–4). Write a function that picks $n$ labelled images of
# each class in a seeded random order. Pretrain a small CNN on the source task with three
# seeds: how accurate is it on the source's test digits?*
#
# Transfer learning assumes that what a network learns on the source task is useful for
# the target. Here both tasks are handwritten digits, with the same strokes, pen widths
# and centring, but no digit in common: the network must reuse *features*, not answers.
# The source has every labelled image of 0–4; the target is only allowed $n$ per class,
# drawn from a *pool* of unused training images of 5–9, and is tested on all the test
# images of 5–9.

# %%
is_source = y_train < 5
X_source, y_source = X_train[is_source], y_train[is_source]
X_pool, y_pool = X_train[~is_source], y_train[~is_source] - 5  # labels 0..4 mean 5..9
is_target_test = y_test >= 5
X_target_test, y_target_test = X_test[is_target_test], y_test[is_target_test] - 5
X_source_test, y_source_test = X_test[~is_target_test], y_test[~is_target_test]
show_markdown(table(
    ["set", "digits", "images"],
    [["source: training", "0–4", len(X_source)],
     ["source: test", "0–4", len(X_source_test)],
     ["target: pool to draw from", "5–9", len(X_pool)],
     ["target: test", "5–9", len(X_target_test)]],
))

# %% [markdown]
# Each seed draws its own images: a random permutation `order` of the pool (from a
# generator seeded with the seed), and then, for each class, the first $n$ images of that
# class met along `order`. Taking the first $n \cdot 5$ entries of `order` instead would
# give each class only *about* $n$ images (the cell after the check counts them).
#
# ### Your turn

# %%
def few_shot_indices(y, order, n, num_classes):
    """Indices of the first n examples of each class along order, class 0 first.
    y: (N,) labels; order: (N,) a permutation of 0..N-1. Returns (num_classes * n,)."""
    ### BEGIN SOLUTION
    labels = y[order]  # the labels in the order they are met
    return torch.cat([order[labels == c][:n] for c in range(num_classes)])
    ### END SOLUTION


# %%
few_shot_indices = selfcheck.check("few_shot_indices", few_shot_indices)

# %% [markdown]
# The samples of the experiment: three seeds and $n \in \{10, 50, 200\}$. With a fixed
# seed, the smaller samples are the first images of the larger ones.

# %%
seeds, sizes = [0, 1, 2], [10, 50, 200]


def pool_order(seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randperm(len(y_pool), generator=generator).to(device)


samples = {(n, seed): few_shot_indices(y_pool, pool_order(seed), n, 5)
           for n in sizes for seed in seeds}
idx = samples[(10, 0)]
counts = torch.bincount(y_pool[idx], minlength=5).tolist()
print("images per digit 5..9 in the n = 10 sample of seed 0:", counts)
first_50 = torch.bincount(y_pool[pool_order(0)[:50]], minlength=5).tolist()
print("in the first 50 entries of order instead:           ", first_50)
same = all(torch.equal(samples[(n, s)],
                       transfer.few_shot_indices(y_pool, pool_order(s), n, 5))
           for n in sizes for s in seeds)
print("labkit.transfer.few_shot_indices agrees on all nine samples:", same)
fig = plot.show_images(X_pool[idx, 0], ncols=10)
fig.suptitle("The 50 labelled images of the target task (n = 10, seed 0), "
             "a row per digit")
plt.show()

# %% [markdown]
# **The network.** Two $3 \times 3$ convolutions with stride 2 and padding 1 (each halves
# the image: $28 \to 14 \to 7$, by the output-size formula of page 13), ReLUs, and a
# flatten: a *backbone* that turns a digit into $16 \cdot 7 \cdot 7 = 784$ features. A
# *head*, one linear layer, turns the features into 5 class scores. Strided convolutions
# replace page 13's max pooling because they are several times faster on one CPU
# thread, and every run on this page is repeated for three seeds.

# %%
NUM_FEATURES = 16 * 7 * 7


def make_backbone():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),  # (8, 14, 14)
        nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),  # (16, 7, 7)
        nn.Flatten(),  # (784,)
    ).to(device)


def train_steps(model, optimizer, X, y, steps, batch_size, generator):
    """Adam steps on random batches; the numbered steps of page 06."""
    model.train()
    for _ in range(steps):
        batch = torch.randperm(len(X), generator=generator)[:batch_size].to(device)
        loss = F.cross_entropy(model(X[batch]), y[batch])  # 1. forward, 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
    return model.eval()


@torch.no_grad()
def accuracy(model, X, y):
    return (model(X).argmax(dim=1) == y).double().mean().item()


backbone = make_backbone()
count = sum(p.numel() for p in backbone.parameters())
print(f"backbone: {count:,} parameters; head: {NUM_FEATURES * 5 + 5:,} parameters")

# %% [markdown]
# **Pretraining** on the 4,108 source images: Adam with learning rate $10^{-2}$, batches
# of 64, two epochs (129 steps). One backbone per seed; the transfer runs of seed $s$
# reuse backbone $s$, so the spread over seeds includes the pretraining's.

# %%
pretrained, source_acc = {}, []
start_cpu, start_wall = time.process_time(), time.perf_counter()
for seed in seeds:
    torch.manual_seed(seed)
    backbone = make_backbone()
    model = nn.Sequential(backbone, nn.Linear(NUM_FEATURES, 5).to(device))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    steps = 2 * ((len(X_source) + 63) // 64)  # two epochs' worth of batches
    train_steps(model, optimizer, X_source, y_source, steps, 64,
                torch.Generator().manual_seed(seed))
    pretrained[seed] = backbone
    source_acc.append(accuracy(model, X_source_test, y_source_test))
source_acc = torch.tensor(source_acc)
pretrain_cpu = time.process_time() - start_cpu
pretrain_wall = time.perf_counter() - start_wall

# %% tags=["timing"]
print(f"pretraining, three seeds: {pretrain_cpu:.1f} s CPU, {pretrain_wall:.1f} s wall")
print(f"({torch.get_num_threads()} thread(s), {device.type}; the first optimizer of a")
print("process also imports torch._dynamo, once)")

# %% tags=["hide-input"]
answer(
    r"With two epochs on the 4,108 source images, the small CNN classifies the "
    r"source's @nt test digits 0–4 with @acc accuracy (mean ± std over seeds 0, 1, 2; "
    r"per seed: @each). Its backbone is what the next exercises reuse. The target task "
    r"gets exactly $n$ images of each digit from `few_shot_indices`; the first 50 "
    r"entries of `order` alone would have held @first of the digits 5–9, so with $n = "
    r"10$ some digits would have had about half as many examples as others.",
    nt=len(X_source_test), acc=f"{source_acc.mean():.1%} ± {source_acc.std():.1%}",
    each=", ".join(f"{a:.1%}" for a in source_acc.tolist()),
    first=", ".join(str(c) for c in first_50),
)

# %% [markdown]
# ## Exercise 14.2: features before and after pretraining
#
# *Write a PCA that projects features on their two principal directions, with an SVD.
# Draw the backbone's features of the test digits, before pretraining (the random
# initialisation) and after it, for the source digits 0–4 and for the target digits 5–9,
# which pretraining never saw. How much better does pretraining separate the classes of
# each?*
#
# **Derivation.** Let $F \in \mathbb{R}^{N \times D}$ hold one feature vector per row and
# $F_c = F - \mathbf{1}\bar f^\top$ the centred features. The variance of the data along a
# unit direction $v$ is $\lVert F_c v \rVert^2 / N$. With the SVD
# $F_c = U S V^\top$ ($U$ and $V$ with orthonormal columns, $s_1 \ge s_2 \ge \dots$):
#
# $$
# \begin{aligned}
# \lVert F_c v \rVert^2 &= \lVert S V^\top v \rVert^2
#   = \sum_k s_k^2\, (v_k^\top v)^2 \le s_1^2,
# \end{aligned}
# $$
#
# since $\sum_k (v_k^\top v)^2 \le \lVert v \rVert^2 = 1$, with equality for $v = v_1$. So
# the first principal direction is $v_1$, the first row of `Vh` in `torch.linalg.svd`'s
# notation ($F_c = U\,\mathrm{diag}(S)\,V_h$), the second is $v_2$, and the 2-D coordinates
# are
#
# $$
# \begin{aligned}
# Z &= F_c \begin{bmatrix} v_1 & v_2 \end{bmatrix} = U_{:, 1:2}\, \mathrm{diag}(s_1, s_2), \\
# \text{share} &= \frac{s_1^2 + s_2^2}{\sum_k s_k^2}.
# \end{aligned}
# $$
#
# (the share of the variance that the picture shows).
#
# $v$ and $-v$ are equally good directions, and an SVD may return either, so fix the
# sign: flip each direction to make its largest-magnitude entry positive.
#
# ### Your turn

# %%
def pca_2d(features):
    """Coordinates of the rows of features: (N, D) on their two principal directions,
    each direction's largest-magnitude entry positive. Returns (N, 2)."""
    ### BEGIN SOLUTION
    centred = features - features.mean(dim=0)  # (N, D)
    _, _, Vh = torch.linalg.svd(centred, full_matrices=False)
    directions = Vh[:2]  # (2, D), one per row
    biggest = directions.abs().argmax(dim=1, keepdim=True)  # (2, 1)
    directions = directions * directions.gather(1, biggest).sign()
    return centred @ directions.T
    ### END SOLUTION


# %%
pca_2d = selfcheck.check("pca_2d", pca_2d)

# %% [markdown]
# **Check** against the eigenvectors of the covariance matrix $F_c^\top F_c / N$, whose
# eigenvalues are $s_k^2 / N$: the same directions, up to their signs (float64, on the
# target test features of the pretrained backbone of seed 0). `torch.pca_lowrank` finds
# them too, by a faster randomised algorithm whose result is only approximate.

# %%
@torch.no_grad()
def features_of(backbone, X):
    return backbone.eval()(X)  # (N, 784)


random_backbones = {}
for seed in seeds:
    torch.manual_seed(seed)
    random_backbones[seed] = make_backbone()  # where pretraining started from
F_after = features_of(pretrained[0], X_target_test).double()
centred = F_after - F_after.mean(dim=0)
_, eigenvectors = torch.linalg.eigh(centred.T @ centred / len(centred))  # ascending
Z_eigh = centred @ eigenvectors[:, [-1, -2]]
compare("|pca_2d| vs |eigh|", pca_2d(F_after).abs(), Z_eigh.abs())

# %% [markdown]
# The pictures, for the source's test digits 0–4 (which the pretraining learned) and
# the target's 5–9 (which it never saw), and a number for the separation: the ratio of
# the between-class to the within-class spread of all 784 features,
# $\sum_c N_c \lVert \bar f_c - \bar f \rVert^2 \big/ \sum_i \lVert f_i - \bar f_{y_i}
# \rVert^2$, for the three seeds.

# %%
def separation(features, y, num_classes=5):
    """Between-class over within-class sum of squares."""
    mean = features.mean(dim=0)
    between = within = 0.0
    for c in range(num_classes):
        of_class = features[y == c]
        centre = of_class.mean(dim=0)
        between += len(of_class) * (centre - mean).pow(2).sum()
        within += (of_class - centre).pow(2).sum()
    return (between / within).item()


backbones = {"random": random_backbones, "pretrained": pretrained}
test_sets = {"source 0–4": (X_source_test, y_source_test),
             "target 5–9": (X_target_test, y_target_test)}
ratios = {(name, task): torch.tensor([separation(features_of(nets[seed], X), y)
                                      for seed in seeds])
          for name, nets in backbones.items() for task, (X, y) in test_sets.items()}


def variance_share(features):
    """The share of the variance on the two principal directions."""
    s = torch.linalg.svdvals(features - features.mean(dim=0))
    return (s[:2].pow(2).sum() / s.pow(2).sum()).item()


show_markdown(table(
    ["test digits", "backbone", "between / within (3 seeds)",
     "variance in the picture (seed 0)"],
    [[task, name,
      f"{ratios[(name, task)].mean():.3f} ± {ratios[(name, task)].std():.3f}",
      f"{variance_share(features_of(backbones[name][0], X).double()):.0%}"]
     for task, (X, _) in test_sets.items() for name in backbones],
))

# %%
fig, axes = plt.subplots(2, 2, figsize=(plot.WIDTH, 6.6))
class_colors = [plot.COLORS[i] for i in (0, 1, 2, 4, 5)]  # five distinct hues
for row, (task, (X, y)) in enumerate(test_sets.items()):
    first_digit = 0 if task.startswith("source") else 5
    for col, (name, nets) in enumerate(backbones.items()):
        ax = axes[row, col]
        Z = pca_2d(features_of(nets[0], X).double()).cpu()
        for c, color in enumerate(class_colors):
            chosen = (y == c).cpu()
            ax.scatter(Z[chosen, 0], Z[chosen, 1], s=5, alpha=0.6, color=color,
                       label=str(c + first_digit))
        ax.set_title(f"{task}, {name} backbone")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[row, 1].legend(title="digit", markerscale=2.5, loc="center left",
                        bbox_to_anchor=(1.0, 0.5))
for ax in axes[1]:
    ax.set_xlabel("principal direction 1")
for ax in axes[:, 0]:
    ax.set_ylabel("principal direction 2")
fig.suptitle("Exercise 14.2: test features of seed 0's backbones, PCA to 2-D")
plt.show()

# %% tags=["hide-input"]
def ratio_text(name, task):
    r = ratios[(name, task)]
    return f"{r.mean():.3f} ± {r.std():.3f}"


gain_source = (ratios[("pretrained", "source 0–4")].mean()
               / ratios[("random", "source 0–4")].mean())
gain_target = (ratios[("pretrained", "target 5–9")].mean()
               / ratios[("random", "target 5–9")].mean())
answer(
    r"A random backbone already gives features with some class structure, since "
    r"similar images give similar features whatever the weights. Pretraining improves "
    r"the separation of the digits it was trained on most: on 0–4 the between/within "
    r"ratio goes from @rs to @ps (@gs times). On the target digits 5–9, which it never "
    r"saw, it goes from @rt to @pt (@gt times): less, and from a lower start, but "
    r"clearly more than the spread over seeds. In two dimensions the target classes "
    r"still overlap; the head of exercise 14.3 uses all 784 features. What transfers "
    r"are the strokes, curves and their positions that the two sets of digits share, "
    r"not the source's classes; exercises 14.3 and 14.4 measure what that is worth to "
    r"a classifier.",
    rs=ratio_text("random", "source 0–4"), ps=ratio_text("pretrained", "source 0–4"),
    rt=ratio_text("random", "target 5–9"), pt=ratio_text("pretrained", "target 5–9"),
    gs=f"{gain_source:.1f}", gt=f"{gain_target:.1f}",
)

# %% [markdown]
# ## Exercise 14.3: a new head on frozen features
#
# *Freeze the pretrained backbone, compute the features of the target images once, and
# train a new linear head on them: write the training loop, full-batch Adam from zero
# weights. How accurate is it on the target test digits for
# $n \in \{10, 50, 200\}$?*
#
# With the backbone frozen, its features $\phi(x)$ are constants: the head
# $z = W \phi(x) + b$ with the cross-entropy loss is multinomial logistic regression on
# $\phi(x)$, a convex problem, and the network before the head needs no gradient. So the
# features of every image are computed once, in evaluation mode and without autograd,
# and training the head costs no more than a logistic regression on 784 numbers per
# image. Starting from $W = 0$, $b = 0$ with the whole sample as the batch, the result
# depends on the sample only.
#
# ### Your turn
#
# `torch.optim.Adam([W, b], lr=lr)` accepts plain tensors with `requires_grad=True`.

# %%
def fit_linear_head(features, y, num_classes, steps, lr):
    """Full-batch Adam on cross-entropy, from W = 0, b = 0 in features' dtype.
    features: (N, D), y: (N,). Returns W: (num_classes, D), b: (num_classes,)."""
    ### BEGIN SOLUTION
    D = features.shape[1]
    W = torch.zeros(num_classes, D, dtype=features.dtype, device=features.device,
                    requires_grad=True)
    b = torch.zeros(num_classes, dtype=features.dtype, device=features.device,
                    requires_grad=True)
    optimizer = torch.optim.Adam([W, b], lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(features @ W.T + b, y)  # 1. forward, 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
    return W.detach(), b.detach()
    ### END SOLUTION


# %%
fit_linear_head = selfcheck.check("fit_linear_head", fit_linear_head)

# %% [markdown]
# For each seed: the features of the whole pool and of the target test set, once; then
# one head per $n$, 50 Adam steps with learning rate $10^{-2}$.

# %%
acc = {}
start_cpu = time.process_time()
for seed in seeds:
    F_pool = features_of(pretrained[seed], X_pool)  # (3892, 784)
    F_test = features_of(pretrained[seed], X_target_test)  # (969, 784)
    for n in sizes:
        idx = samples[(n, seed)]
        W, b = fit_linear_head(F_pool[idx], y_pool[idx], 5, 50, 1e-2)
        predicted = (F_test @ W.T + b).argmax(dim=1)
        acc[("frozen", n, seed)] = (predicted == y_target_test).double().mean().item()
frozen_cpu = time.process_time() - start_cpu
W_lab, b_lab = transfer.fit_linear_head(F_pool[idx], y_pool[idx], 5, 50, 1e-2)
compare("W vs labkit", W, W_lab)
compare("b vs labkit", b, b_lab)


def spread(method, n):
    values = torch.tensor([acc[(method, n, s)] for s in seeds])
    return values.mean().item(), values.std().item()


show_markdown(table(
    ["frozen backbone + new head", *[f"$n = {n}$" for n in sizes]],
    [["test accuracy on 5–9", *[f"{spread('frozen', n)[0]:.1%} ± "
                                f"{spread('frozen', n)[1]:.1%}" for n in sizes]]],
))

# %% tags=["hide-input"]
answer(
    r"With 10 labelled images per class, a linear head on the frozen pretrained "
    r"features classifies the 969 test digits 5–9 with @a10 accuracy, with 50 per "
    r"class @a50 and with 200 per class @a200 (mean ± std over three seeds, each with "
    r"its own backbone and sample). Only $@nh$ numbers are trained (the timing cell "
    r"below gives the CPU time of all nine heads).",
    a10=f"{spread('frozen', 10)[0]:.1%} ± {spread('frozen', 10)[1]:.1%}",
    a50=f"{spread('frozen', 50)[0]:.1%} ± {spread('frozen', 50)[1]:.1%}",
    a200=f"{spread('frozen', 200)[0]:.1%} ± {spread('frozen', 200)[1]:.1%}",
    nh=NUM_FEATURES * 5 + 5,
)

# %% [markdown]
# ## Exercise 14.4: from scratch, frozen or fine-tuned
#
# *Train the same network on the target sample from scratch, and fine-tune the
# pretrained one with a learning rate ten times smaller for the backbone than for the new
# head (parameter groups). Plot the test accuracy of the three methods against $n$ with
# the spread over seeds. Where does transfer help most, and why?*
#
# **Parameter groups.** An optimizer also takes a list of dicts instead of a list of
# parameters: each dict holds some parameters under `"params"` and may override any
# hyper-parameter, such as `"lr"`; a group without its own value uses the one passed to
# the optimizer. `fine_tuned` below gives the backbone's group a learning rate ten times
# smaller than the head's.
#
# The new head starts random, so its first gradients, which flow back into the
# backbone, carry no information about the target yet. With the head's learning rate,
# a few such steps would overwrite the pretrained filters; ten times smaller steps
# leave the backbone close to its pretrained weights while the head catches up, and then
# let it adapt to the new digits.
#
# Both trainable methods get the frozen head's number of steps: 50 Adam steps, here on
# batches of 50 images drawn from the sample (the whole sample when $n = 10$), learning
# rate $10^{-2}$.

# %%
def from_scratch(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(make_backbone(), nn.Linear(NUM_FEATURES, 5).to(device))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2)


def fine_tuned(seed, lr=1e-2, backbone_factor=0.1):
    torch.manual_seed(seed)
    backbone = make_backbone()
    backbone.load_state_dict(pretrained[seed].state_dict())  # a copy: pretrained stays
    head = nn.Linear(NUM_FEATURES, 5).to(device)
    optimizer = torch.optim.Adam([
        {"params": backbone.parameters(), "lr": lr * backbone_factor},
        {"params": head.parameters()},
    ], lr=lr)
    return nn.Sequential(backbone, head), optimizer


model, optimizer = fine_tuned(0)
for i, group in enumerate(optimizer.param_groups):
    size = sum(p.numel() for p in group["params"])
    print(f"group {i}: {len(group['params'])} tensors, {size:,} numbers, "
          f"lr {group['lr']:g}")

start_cpu = time.process_time()
for method, make in [("scratch", from_scratch), ("fine-tuned", fine_tuned)]:
    for n in sizes:
        for seed in seeds:
            idx = samples[(n, seed)]
            model, optimizer = make(seed)
            train_steps(model, optimizer, X_pool[idx], y_pool[idx], 50, 50,
                        torch.Generator().manual_seed(seed))
            acc[(method, n, seed)] = accuracy(model, X_target_test, y_target_test)
trained_cpu = time.process_time() - start_cpu

# %% tags=["timing"]
print(f"18 transfer runs: {trained_cpu:.1f} s CPU; "
      f"9 frozen heads: {frozen_cpu:.1f} s CPU")

# %%
methods = ["scratch", "frozen", "fine-tuned"]
show_markdown(table(
    ["method", *[f"$n = {n}$ per class" for n in sizes]],
    [[method, *[f"{spread(method, n)[0]:.1%} ± {spread(method, n)[1]:.1%}"
                for n in sizes]] for method in methods],
))

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.6))
for method, color, marker in zip(methods, plot.COLORS, "osD"):
    mean = torch.tensor([spread(method, n)[0] for n in sizes])
    std = torch.tensor([spread(method, n)[1] for n in sizes])
    ax.plot(sizes, mean, marker=marker, color=color, label=method)
    ax.fill_between(sizes, mean - std, mean + std, color=color, alpha=0.2)
ax.set_xscale("log")
ax.set_xticks(sizes, [str(n) for n in sizes])
ax.minorticks_off()
ax.set(xlabel="labelled images per class, n", ylabel="test accuracy on digits 5–9")
ax.set_title("Exercise 14.4: accuracy against n (mean of 3 seeds, band ± 1 std)")
ax.legend()
plt.show()

# %% tags=["hide-input"]
best_transfer = {n: max(spread("frozen", n)[0], spread("fine-tuned", n)[0])
                 for n in sizes}
gain = {n: best_transfer[n] - spread("scratch", n)[0] for n in sizes}
error_cut = {n: gain[n] / (1 - spread("scratch", n)[0]) for n in sizes}
tuning_gap = {n: spread("fine-tuned", n)[0] - spread("frozen", n)[0] for n in sizes}
answer(
    r"In accuracy points, transfer helps most with the fewest labels: the better of "
    r"the two transfer methods beats training from scratch by @g10 points at $n = 10$, "
    r"@g50 at $n = 50$ and @g200 at $n = 200$. It also makes the result far less "
    r"dependent on luck: at $n = 10$ the three from-scratch runs spread by @s10 (std), "
    r"the frozen heads by @f10. Why: from 50 images, a network trained from scratch "
    r"must find stroke detectors and a classifier at once, with 5,173 numbers and "
    r"little evidence for each; the pretrained backbone brings detectors learned from "
    r"4,108 images of other digits, so only the head (or small changes) must be "
    r"learned. As $n$ grows, the target data alone pins down more of the network and "
    r"the scratch curve catches up, in points. Measured as errors avoided, the picture "
    r"is different: transfer removes @e10 of the from-scratch errors at $n = 10$, @e50 "
    r"at $n = 50$ and @e200 at $n = 200$: relative to what is left to gain, transfer "
    r"helps at every $n$."
    "\n\n"
    r"With the same 50 steps, fine-tuning minus the frozen head is @d10, @d50 and "
    r"@d200 points at $n = 10, 50, 200$. Two things work against fine-tuning here. Its "
    r"first steps come from a random head, and their gradients disturb the pretrained "
    r"filters before the head has learned anything; and its head sees batches of 50 "
    r"images, where the frozen head sees the whole sample at every step. Fine-tuning "
    r"pays off when the target differs more from the source, with more labels and "
    r"steps, or after the head has first been trained on the frozen features; freezing "
    r"is cheaper and, with few labels, cannot overfit the backbone.",
    g10=f"{100 * gain[10]:.1f}", g50=f"{100 * gain[50]:.1f}",
    g200=f"{100 * gain[200]:.1f}",
    s10=f"{spread('scratch', 10)[1]:.1%}", f10=f"{spread('frozen', 10)[1]:.1%}",
    e10=f"{error_cut[10]:.0%}", e50=f"{error_cut[50]:.0%}",
    e200=f"{error_cut[200]:.0%}",
    d10=f"{100 * tuning_gap[10]:+.1f}", d50=f"{100 * tuning_gap[50]:+.1f}",
    d200=f"{100 * tuning_gap[200]:+.1f}",
)

# %% [markdown]
# ## Exercise 14.5: the real API: ResNet-18
#
# *Apply the recipe to torchvision's ResNet-18 as you would on your own machine: build
# it, replace its last layer, freeze the rest, optimise parameter groups, and normalise
# the inputs as the ImageNet weights expect. Count what trains. What happens to a frozen
# backbone's BatchNorm layers in training mode?*
#
# **The weights.** `torchvision.models.resnet18(weights=...)` takes a member of the enum
# `ResNet18_Weights`, or `None` for a random initialisation. The enum describes the
# weights (URL, accuracy, class names, preprocessing) without downloading them; only
# building the model with it downloads the 45 MB file, once, into torch's cache. This
# page is built without network access, so it uses `weights=None`. On your machine, set
# the environment variable `LABKIT_PRETRAINED=1` before starting Jupyter, and
# `labkit.transfer.resnet18_weights()` returns `ResNet18_Weights.IMAGENET1K_V1`: every
# cell below then runs with the ImageNet weights.

# %%
weights = transfer.resnet18_weights()  # None unless LABKIT_PRETRAINED=1
print("weights:", weights, "(LABKIT_PRETRAINED=1 for ImageNet's)")
torch.manual_seed(0)
resnet = resnet18(weights=weights).to(device)
total = sum(p.numel() for p in resnet.parameters())
print(f"resnet18: {total:,} parameters; its last layer:")
print(" ", resnet.fc)

enum = ResNet18_Weights.IMAGENET1K_V1  # a description: nothing is downloaded here
preprocess = enum.transforms()
print("the ImageNet weights' file:", enum.url.rsplit("/", 1)[-1])
print(f"top-1 accuracy {enum.meta['_metrics']['ImageNet-1K']['acc@1']}%, "
      f"{len(enum.meta['categories'])} classes, e.g. {enum.meta['categories'][:2]}")
print(f"resize to {preprocess.resize_size}, crop {preprocess.crop_size}, then")
print(f"mean {preprocess.mean}, std {preprocess.std}")

# %% [markdown]
# **The normalisation.** The pretrained filters were trained on images in $[0, 1]$
# standardised per channel with ImageNet's mean and standard deviation, so they expect
# the same at test time: $x_c \leftarrow (x_c - \mu_c) / \sigma_c$ for the channels R,
# G, B. Feeding unnormalised images shifts every first-layer response. A grey digit
# becomes an RGB image by repeating its channel three times; it is then normalised with
# ImageNet's numbers, not the digits' own.
#
# ### Your turn

# %%
def imagenet_normalize(X, mean, std):
    """(X[:, c] - mean[c]) / std[c]. X: (N, C, H, W) in [0, 1]; mean, std: (C,)."""
    ### BEGIN SOLUTION
    return (X - mean.reshape(1, -1, 1, 1)) / std.reshape(1, -1, 1, 1)
    ### END SOLUTION


def count_trainable(model):
    """Number of numbers the optimizer updates: parameters with requires_grad."""
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION


# %%
imagenet_normalize = selfcheck.check("imagenet_normalize", imagenet_normalize)
count_trainable = selfcheck.check("count_trainable", count_trainable)

# %% [markdown]
# Sixteen target digits as ImageNet inputs: pixels in $[0, 1]$, three channels, resized
# to $64 \times 64$ (the network accepts any size from $32 \times 32$; $224 \times 224$ is
# what `preprocess` would crop), normalised. torchvision's own `Normalize` agrees:

# %%
raw = mnist.load_mnist("lab", normalize=False, flatten=False)
target_digits = raw.y_train >= 5
digits01 = raw.X_train[target_digits][:16].unsqueeze(1).to(device)  # (16, 1, 28, 28)
labels16 = (raw.y_train[target_digits][:16] - 5).to(device)
rgb = digits01.repeat(1, 3, 1, 1)  # (16, 3, 28, 28): grey as R = G = B
rgb = F.interpolate(rgb, size=64, mode="bilinear")  # (16, 3, 64, 64)
mean = torch.tensor(preprocess.mean, device=device)
std = torch.tensor(preprocess.std, device=device)
X_resnet = imagenet_normalize(rgb, mean, std)
compare("normalised vs torchvision", X_resnet,
        transforms.Normalize(preprocess.mean, preprocess.std)(rgb))
print(f"input {tuple(X_resnet.shape)}, channel means "
      f"{[round(m, 2) for m in X_resnet.mean((0, 2, 3)).tolist()]}")

# %% [markdown]
# **Freeze, replace the head, count.** Freezing sets `requires_grad=False`, so autograd
# stops at the frozen layers and the optimizer has nothing to update there. The new
# `fc` is created after freezing, so it trains. The backbone goes to evaluation mode (the
# BatchNorm trap below says why):

# %%
for p in resnet.parameters():
    p.requires_grad_(False)
resnet.fc = nn.Linear(resnet.fc.in_features, 5).to(device)
resnet.eval()  # a frozen backbone: BatchNorm uses its stored statistics
trainable = count_trainable(resnet)
print(f"trainable: {trainable:,} of {sum(p.numel() for p in resnet.parameters()):,}")
optimizer = torch.optim.Adam(resnet.fc.parameters(), lr=1e-3)
losses = []
for _ in range(5):
    loss = F.cross_entropy(resnet(X_resnet), labels16)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
with_grad = [name for name, p in resnet.named_parameters() if p.grad is not None]
print("head-only losses:", [round(v, 3) for v in losses])
print("parameters that received a gradient:", with_grad)

# %% [markdown]
# **Fine-tuning with parameter groups.** Unfreeze everything and give the backbone a
# smaller learning rate than the new head, as in exercise 14.4. `named_parameters` tells
# the head from the rest:

# %%
for p in resnet.parameters():
    p.requires_grad_(True)
head_params = [p for name, p in resnet.named_parameters() if name.startswith("fc.")]
body_params = [p for name, p in resnet.named_parameters() if not name.startswith("fc.")]
optimizer = torch.optim.Adam([{"params": body_params, "lr": 1e-4},
                              {"params": head_params}], lr=1e-3)
for i, group in enumerate(optimizer.param_groups):
    print(f"group {i}: {len(group['params'])} tensors, "
          f"{sum(p.numel() for p in group['params']):,} numbers, lr {group['lr']:g}")

# %% [markdown]
# **The BatchNorm trap.** `requires_grad=False` stops the *gradient*, but BatchNorm's
# running mean and variance are not parameters: in `train()` mode every forward pass
# moves them towards the statistics of the current batch, frozen or not. Three
# training-mode forward passes through the frozen network, and what they do to its
# evaluation-mode outputs:

# %%
for p in resnet.parameters():
    p.requires_grad_(False)
resnet.eval()
with torch.no_grad():
    before_logits = resnet(X_resnet)
    before_mean = resnet.bn1.running_mean.clone()
    resnet.train()  # the mistake: a frozen backbone left in training mode
    for _ in range(3):
        resnet(X_resnet)
    resnet.eval()
    after_logits = resnet(X_resnet)
moved = (resnet.bn1.running_mean - before_mean).abs().max().item()
changed = (after_logits - before_logits).abs().max().item()
print(f"bn1.running_mean moved by up to {moved:.3f}; "
      f"eval-mode logits changed by up to {changed:.3f}")
print("parameters changed:", any(p.requires_grad for p in resnet.parameters()))

# %% tags=["hide-input"]
answer(
    r"ResNet-18 has $@total$ parameters; with every one frozen and a new 5-class `fc`, "
    r"$@trainable$ are trained (@share), and after `backward` only `fc.weight` and "
    r"`fc.bias` hold a gradient: autograd does not even compute the backbone's. "
    r"Fine-tuning puts the $@body$ backbone numbers in a group with learning rate "
    r"$10^{-4}$ and the head in one with $10^{-3}$. The inputs are standardised with "
    r"the mean @mean and standard deviation @std that "
    r"`ResNet18_Weights.IMAGENET1K_V1.transforms()` lists; your function equals "
    r"torchvision's. The trap: no parameter changed, yet three forward passes in "
    r"training mode moved `bn1`'s running mean by up to $@moved$ and changed the "
    r"evaluation-mode logits by up to $@changed$, because every BatchNorm layer "
    r"replaced part of its stored statistics by those of 16 digits. With the "
    r"pretrained weights those are ImageNet's, and the frozen features silently "
    r"degrade. Keep a frozen backbone in `eval()` mode (call it again after every "
    r"`model.train()`), or put its BatchNorm layers in `eval()` mode one by one.",
    total=total, trainable=trainable, share=f"{trainable / total:.2%}",
    body=sum(p.numel() for p in body_params), mean=str(tuple(preprocess.mean)),
    std=str(tuple(preprocess.std)), moved=moved, changed=changed,
)

# %% [markdown]
# ## Summary
#
# The functions of this page are in `labkit.transfer`, with the switch for the ImageNet
# weights, and agree with yours:

# %%
order0 = pool_order(0)
print("few_shot_indices agrees:", torch.equal(few_shot_indices(y_pool, order0, 50, 5),
                                              transfer.few_shot_indices(y_pool, order0,
                                                                        50, 5)))
compare("pca_2d", pca_2d(F_after), transfer.pca_2d(F_after))
compare("imagenet_normalize", imagenet_normalize(rgb, mean, std),
        transfer.imagenet_normalize(rgb, mean, std))
same_count = count_trainable(resnet) == transfer.count_trainable(resnet)
print("count_trainable agrees:", same_count)
print("labkit's ImageNet statistics:", transfer.imagenet_stats())

# %% [markdown]
# - To transfer, keep the backbone of a network trained on a large source task and
#   train a new head on the target: on frozen features (a convex problem on features
#   computed once) or by fine-tuning everything, the backbone with a smaller learning
#   rate (parameter groups).
# - Here, pretraining on the digits 0–4 made the features of 5–9 more separable, and
#   transfer gained the most accuracy points, and the most stability across seeds, with
#   the fewest labels; with more labels the scratch network catches up in points.
# - With torchvision: `resnet18(weights=...)`, a new `fc`, `requires_grad_(False)`,
#   parameter groups, the ImageNet mean and standard deviation from the weights' own
#   `transforms()`, and a frozen backbone kept in `eval()` mode.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. *Where you cut matters.* Add a `Linear(784, 64)` and a ReLU at the end of the
#    backbone, pretrain again, and transfer the 64 features. Are the frozen features
#    still better than training from scratch? Look at the PCA of the 64 features: what
#    did that layer specialise in?
# 2. Fine-tune with `backbone_factor` in $\{0, 0.01, 0.1, 1\}$ and more steps. Which
#    factor is best at each $n$, and does fine-tuning overtake the frozen head?
# 3. Reverse the transfer: pretrain on 5–9 and learn 0–4. Is the gain the same?
# 4. On your own machine, with `LABKIT_PRETRAINED=1`: train only the new `fc` of the
#    ImageNet ResNet-18 on 10 images per class of your own photos (or CIFAR-10), then
#    fine-tune with parameter groups, and compare with `weights=None`.
#
# ## Next
#
# [Regularization](15-regularization.py): weight decay, dropout, early stopping, data
# augmentation and batch normalisation, for networks that fit their training data too
# well.
