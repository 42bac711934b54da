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
# # Convolutional networks
#
# **Sheets:** Deep Learning Lab manual (CSE 3281), "Convolutional Neural Network" (lab 4 in
# the manual's contents). The manual only titles this lab; its outcome is to "design
# Convolutional Neural Network and perform classification using Convolutional Neural
# Network". The exercises below are written for this course in the manual's style: each
# asks you to implement something, then to answer a question with an experiment.
#
# **What you need:** tensor indexing and matrix products ([Tensors](01-tensors.py)); the
# MNIST "lab" split, the training loop and the 784-128-64-10 network of
# [Feed-forward networks](06-feedforward-networks.py), which is the baseline here; backward
# passes written by hand and checked against autograd
# ([Softmax cross-entropy backprop](11-softmax-backprop.py)).
#
# ## What you will learn
#
# - to compute a convolutional layer three ways (loops, unfold and a matrix product,
#   `F.conv2d`), and the size of its output;
# - to derive its backward pass: the input's gradient is a *full* convolution with the
#   flipped kernel, the weights' gradient a correlation of the input with the output's
#   gradient; and max pooling's, which routes each gradient to one pixel;
# - to design a LeNet-style network that beats page 06's MLP on MNIST with fewer
#   parameters, and to read its confusion matrix;
# - why a CNN tolerates small shifts of its input, where that tolerance ends, and how far
#   one of its outputs can see (the receptive field).
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [13.1 Convolution as loops and as a matrix product](#exercise-131-convolution-as-loops-and-as-a-matrix-product) | `conv2d_loops`, `conv2d_im2col` | 2 |
# | [13.2 The output size](#exercise-132-the-output-size) | `conv_output_size` | 1 |
# | [13.3 The backward pass](#exercise-133-the-backward-pass) | `conv2d_input_grad`, `conv2d_weight_grad` | 2 |
# | [13.4 Max pooling](#exercise-134-max-pooling-forward-and-backward) | `maxpool2d`, `maxpool2d_backward` | 2 |
# | [13.5 A LeNet-style CNN on MNIST](#exercise-135-a-lenet-style-cnn-on-mnist) | `conv_num_parameters`, a network | 1 |
# | [13.6 Shifted digits](#exercise-136-shifted-digits) | `shift_images` | 1 |
# | [13.7 Filters and feature maps](#exercise-137-filters-and-feature-maps) | two figures | — |
# | [13.8 The receptive field](#exercise-138-the-receptive-field) | `receptive_field` | 1 |
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
from matplotlib.patches import Rectangle
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from labkit import compare, conv, get_device, mnist, plot, seed_everything, selfcheck
from labkit import train
from labkit.display import answer, show_markdown, show_math, table

plot.use_style()
seed_everything(0)
device = get_device()
f64 = dict(dtype=torch.float64, device=device)
torch.backends.cudnn.allow_tf32 = False  # full float32 convolutions on GPUs (see 13.1)

data = mnist.load_mnist("lab", flatten=False)
X_train, y_train = data.X_train.unsqueeze(1), data.y_train  # (8000, 1, 28, 28), (8000,)
X_test, y_test = data.X_test.unsqueeze(1), data.y_test  # (2000, 1, 28, 28), (2000,)
background = X_train.min().item()  # a blank pixel, after standardisation
print(f"train {tuple(X_train.shape)}, test {tuple(X_test.shape)}")
print(mnist.CREDIT)

# %% [markdown]
# ## Exercise 13.1: convolution as loops and as a matrix product
#
# *Implement the cross-correlation that a convolutional layer computes, (a) with one Python
# loop per output index, (b) by copying every window into a column (im2col) and one matrix
# product. Check both against `F.conv2d` on random shapes with stride and padding. What
# does each version cost?*
#
# A layer with $C_\text{out}$ kernels $W \in \mathbb{R}^{C_\text{out} \times C_\text{in}
# \times k_H \times k_W}$ and biases $b \in \mathbb{R}^{C_\text{out}}$ maps a batch $X \in
# \mathbb{R}^{N \times C_\text{in} \times H \times W}$, padded with $p$ zeros on every side
# ($\tilde X$), to
#
# $$
# \begin{aligned}
# Y_{n,o,i,j} &= b_o + \sum_{c=1}^{C_\text{in}} \sum_{u=0}^{k_H-1} \sum_{v=0}^{k_W-1}
#   \tilde X_{n,\,c,\,is+u,\,js+v}\; W_{o,c,u,v},
# \end{aligned}
# $$
#
# with stride $s$: output pixel $(i, j)$ is the dot product of kernel $o$ with the window
# whose top-left corner is at $(is, js)$. The kernel is *not* flipped, so deep learning's
# "convolution" is a cross-correlation; the convolution of signal processing would use
# $W_{o,c,k_H-1-u,k_W-1-v}$. Since the weights are learned, the two are equally
# expressive, but a hand-written layer must use the same one as `F.conv2d`.
#
# **im2col.** `F.unfold` copies the window of output pixel $\ell = i W_\text{out} + j$ into
# column $\ell$ of a matrix $\mathrm{cols}_n \in \mathbb{R}^{C_\text{in} k_H k_W \times L}$,
# $L = H_\text{out} W_\text{out}$, ordered (channel, row, column). With each kernel
# flattened in the same order into a row of $W_\text{flat} \in \mathbb{R}^{C_\text{out}
# \times C_\text{in} k_H k_W}$, the whole layer is one matrix product per image:
#
# $$
# Y_n = W_\text{flat}\, \mathrm{cols}_n + b \mathbf{1}^\top
#   \in \mathbb{R}^{C_\text{out} \times L}.
# $$
#
# ### Your turn
#
# `F.pad(X, (p, p, p, p))` pads the last two axes. The output size is
# $\lfloor (H + 2p - k_H)/s \rfloor + 1$ (exercise 13.2 derives it).

# %%
def conv2d_loops(X, W, b, stride, padding):
    """Cross-correlation by its definition. X: (N, C_in, H, W),
    W: (C_out, C_in, kH, kW), b: (C_out,). Returns (N, C_out, H_out, W_out)."""
    ### BEGIN SOLUTION
    N, C_in, H, W_in = X.shape
    C_out, _, kH, kW = W.shape
    Xp = F.pad(X, (padding, padding, padding, padding))  # (N, C_in, H + 2p, W + 2p)
    H_out = (H + 2 * padding - kH) // stride + 1
    W_out = (W_in + 2 * padding - kW) // stride + 1
    out = X.new_zeros(N, C_out, H_out, W_out)
    for n in range(N):
        for o in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + kH)
                    cols = slice(j * stride, j * stride + kW)
                    out[n, o, i, j] = (Xp[n, :, rows, cols] * W[o]).sum() + b[o]
    return out
    ### END SOLUTION


def conv2d_im2col(X, W, b, stride, padding):
    """The same with F.unfold and one matrix product.
    Returns (N, C_out, H_out, W_out)."""
    ### BEGIN SOLUTION
    N, _, H, _ = X.shape
    C_out, _, kH, kW = W.shape
    cols = F.unfold(X, (kH, kW), padding=padding, stride=stride)  # (N, C_in*kH*kW, L)
    out = W.reshape(C_out, -1) @ cols + b.reshape(1, C_out, 1)  # (N, C_out, L)
    H_out = (H + 2 * padding - kH) // stride + 1
    return out.reshape(N, C_out, H_out, -1)
    ### END SOLUTION


# %%
conv2d_loops = selfcheck.check("conv2d_loops", conv2d_loops)
conv2d_im2col = selfcheck.check("conv2d_im2col", conv2d_im2col)

# %% [markdown]
# **Check against `F.conv2d`** on random shapes: square and non-square kernels, strides 1
# to 3, padding 0 to 2. The loops run in `float64`: in `float32` their sum runs in another
# order than `F.conv2d`'s and differs by about $10^{-6}$. The weights are scaled like
# PyTorch's initialisation ($1/\sqrt{C_\text{in} k_H k_W}$), so outputs are of order 1.
# (On a GPU, PyTorch computes `float32` convolutions in TF32, with a 10-bit mantissa,
# unless `torch.backends.cudnn.allow_tf32` is off; the first cell turns it off.)

# %%
shape_cases = [  # (N, C_in, H, W, C_out, kH, kW, stride, padding)
    (2, 1, 7, 7, 3, 3, 3, 1, 1),
    (1, 3, 9, 8, 4, 3, 2, 2, 0),
    (2, 2, 10, 6, 5, 5, 5, 3, 2),
    (1, 4, 6, 9, 2, 1, 3, 1, 0),
]


def random_layer(case, generator):
    """X, W, b in float64 for one row of shape_cases."""
    N, C_in, H, W_in, C_out, kH, kW, _, _ = case
    X = torch.randn(N, C_in, H, W_in, generator=generator, dtype=torch.float64)
    W = torch.randn(C_out, C_in, kH, kW, generator=generator, dtype=torch.float64)
    b = torch.randn(C_out, generator=generator, dtype=torch.float64)
    return X.to(device), (W / (C_in * kH * kW) ** 0.5).to(device), b.to(device)


g = torch.Generator().manual_seed(1)
for case in shape_cases:
    X, W, b = random_layer(case, g)
    s, p = case[7], case[8]
    Y_ref = F.conv2d(X, W, b, stride=s, padding=p)
    label = f"X {tuple(X.shape)}, W {tuple(W.shape)}, s={s}, p={p}"
    compare(f"loops (float64)  {label}", conv2d_loops(X, W, b, s, p), Y_ref)
    Y_im2col = conv2d_im2col(X.float(), W.float(), b.float(), s, p)
    compare(f"im2col (float32) {label}", Y_im2col, Y_ref.float())

# %% [markdown]
# **What each costs.** One layer of the network of exercise 13.5 (six $5 \times 5$ kernels)
# on 64 digits, each version timed once:

# %% tags=["timing"]
W_six = torch.randn(6, 1, 5, 5, generator=g).to(device) / 5
b_six = torch.zeros(6, device=device)
X_batch = X_train[:64].to(device)
seconds = {}
for name, fn, batch in [("loops (2 images)", conv2d_loops, X_batch[:2]),
                        ("im2col", conv2d_im2col, X_batch),
                        ("F.conv2d", lambda *a: F.conv2d(a[0], a[1], a[2]), X_batch)]:
    start = time.perf_counter()
    fn(batch, W_six, b_six, 1, 0)
    seconds[name] = (time.perf_counter() - start) * 64 / len(batch)
for name, sec in seconds.items():
    print(f"{name:17s} {1000 * sec:8.2f} ms per 64 images")

# %% [markdown]
# What does a layer see? Two hand-made $3 \times 3$ kernels on one digit: the first
# responds to a bright row above a dark one (a horizontal edge), the second to a bright
# column left of a dark one (a vertical edge).

# %%
edge_kernels = torch.tensor([[[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]]],
                             [[[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]]])
digit = X_test[:1].double().to(device)  # (1, 1, 28, 28)
edge_kernels = edge_kernels.double().to(device)
edges = conv2d_loops(digit, edge_kernels, torch.zeros(2, **f64), 1, 1)  # padding 1
fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.6))
panels = [(digit[0, 0], "the digit", "gray"),
          (edges[0, 0], "horizontal-edge kernel", "RdBu"),
          (edges[0, 1], "vertical-edge kernel", "RdBu")]
for ax, (image, title, cmap) in zip(axes, panels):
    limit = image.abs().max().item()
    scale = {} if cmap == "gray" else dict(vmin=-limit, vmax=limit)  # 0 in the middle
    ax.imshow(image.cpu(), cmap=cmap, **scale)
    ax.set_title(title)
    ax.axis("off")
fig.suptitle("Exercise 13.1: one digit and two edge detectors (padding 1)")
plt.show()

# %% tags=["hide-input"]
cols_mnist = F.unfold(X_batch[:1], 5)  # (1, 25, 576)
answer(
    r"Both versions equal `F.conv2d` on every shape above. The loops do $N "
    r"C_\text{out} H_\text{out} W_\text{out}$ small dot products in Python, so they "
    r"are orders of magnitude slower (the timing above); they are the definition, to "
    r"check the others against. im2col turns the layer into one matrix product, the "
    r"operation hardware runs fastest, at a price in memory: for a $28 \times 28$ "
    r"digit and a $5 \times 5$ kernel, `cols` holds $@rows \times @L = @numel$ "
    r"numbers, $@ratio$ times the $784$ pixels, because each pixel is copied into up "
    r"to $25$ windows. `F.conv2d` picks among such algorithms (im2col, direct, FFT or "
    r"Winograd) for each shape. In the figure, the edge kernels' outputs are large "
    r"(red or blue) only along the strokes' edges of their orientation, and zero on "
    r"the flat background.",
    rows=cols_mnist.shape[1], L=cols_mnist.shape[2], numel=cols_mnist.numel(),
    ratio=f"{cols_mnist.numel() / 784:.1f}",
)

# %% [markdown]
# ## Exercise 13.2: the output size
#
# *Derive the number of output pixels along one axis for an input of size $n$, a kernel of
# size $k$, stride $s$ and padding $p$, implement it, and check it against `F.conv2d` on a
# table of cases. When is the last part of the input ignored?*
#
# The padded axis has $n + 2p$ pixels, indexed $0, \dots, n + 2p - 1$. Window $i$ covers
# pixels $is, \dots, is + k - 1$, and it fits when its last pixel does:
#
# $$
# \begin{aligned}
# is + k - 1 &\le n + 2p - 1 \\
# i &\le \frac{n + 2p - k}{s} \\
# n_\text{out} &= \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1,
# \end{aligned}
# $$
#
# counting $i = 0$. When $s$ does not divide $n + 2p - k$, the remainder
# $(n + 2p - k) \bmod s$ pixels at the end are in no window.
#
# ### Your turn

# %%
def conv_output_size(size, kernel, stride, padding):
    """Number of windows along one axis (ints in, an int out)."""
    ### BEGIN SOLUTION
    return (size + 2 * padding - kernel) // stride + 1
    ### END SOLUTION


# %%
conv_output_size = selfcheck.check("conv_output_size", conv_output_size)

# %% [markdown]
# A table of cases: the four layers of exercise 13.5's network, "same" padding, strides
# that do and do not divide $n + 2p - k$, and the first layer of ResNet
# ($224 \times 224$ images, $7 \times 7$ kernels, stride 2, padding 3). The last two columns
# are the output length that `F.conv2d` returns ("torch") and the number of pixels at the
# end that no window reaches ("unused").

# %%
size_cases = [  # (n, k, s, p, what)
    (28, 5, 1, 0, "LeNet conv1"), (24, 2, 2, 0, "LeNet pool1"),
    (12, 5, 1, 0, "LeNet conv2"), (8, 2, 2, 0, "LeNet pool2"),
    (28, 3, 1, 1, "same padding"), (28, 5, 1, 2, "same padding"),
    (28, 3, 2, 1, "stride 2"), (7, 3, 2, 0, "stride 2"), (10, 4, 3, 2, "stride 3"),
    (9, 2, 2, 0, "odd size, pool"), (224, 7, 2, 3, "ResNet stem"),
]
rows, dropped = [], {}
for n, k, s, p, what in size_cases:
    by_formula = conv_output_size(n, k, s, p)
    by_torch = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s,
                        padding=p).shape[-1]
    assert by_formula == by_torch == conv.conv_output_size(n, k, s, p)
    dropped[(n, k, s, p)] = (n + 2 * p - k) % s
    rows.append([what, f"{n}, {k}, {s}, {p}", by_formula, by_torch,
                 dropped[(n, k, s, p)]])
show_markdown(table(["layer", "$n, k, s, p$", "formula", "torch", "unused"], rows,
                    align="lrrrr"))

# %% tags=["hide-input"]
answer(
    r"The formula equals `F.conv2d`'s output length in all $@num$ cases. With stride "
    r"1, padding $p = (k - 1)/2$ keeps the size ($28 \to @same3$ with $k = 3, p = 1$, "
    r"and $28 \to @same5$ with $k = 5, p = 2$): that is 'same' padding, possible for "
    r"odd $k$. The last part of the input is ignored when the stride does not divide "
    r"$n + 2p - k$: for $n = 7, k = 3, s = 2$ nothing is lost ($@d7$ pixels), but for "
    r"$n = 10, k = 4, s = 3, p = 2$ the last $@d10$ padded pixel is in no window, and "
    r"a $2 \times 2$ pooling of a $9 \times 9$ map ignores its last row and column "
    r"($@d9$). Such pixels get no gradient either. ResNet's stem halves $224$ to "
    r"$@res$.",
    num=len(size_cases), same3=conv_output_size(28, 3, 1, 1),
    same5=conv_output_size(28, 5, 1, 2), d7=dropped[(7, 3, 2, 0)],
    d10=dropped[(10, 4, 3, 2)], d9=dropped[(9, 2, 2, 0)],
    res=conv_output_size(224, 7, 2, 3),
)

# %% [markdown]
# ## Exercise 13.3: the backward pass
#
# *Derive the gradients of the loss with respect to the input and to the weights of a
# convolutional layer, implement them, and check them against autograd and with
# `gradcheck`. (a) Show that the input's gradient is a full convolution of the output's
# gradient with the flipped kernel. (b) What changes with a stride?*
#
# **Derivation.** Write $G = \partial L / \partial Y$, of $Y$'s shape. Take one input and
# one output channel, stride 1; pixel $\tilde X_{r,c}$ of the padded input enters output
# $Y_{i,j}$ through the weight $W_{u,v}$ with $(r, c) = (i + u, j + v)$. The chain rule sums
# over every output:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial W_{u,v}} &= \sum_{i,j} G_{i,j}\, \tilde X_{i+u,\,j+v},
# \qquad \frac{\partial L}{\partial b} = \sum_{i,j} G_{i,j}, \\
# \frac{\partial L}{\partial \tilde X_{r,c}} &= \sum_{u,v} G_{r-u,\,c-v}\, W_{u,v},
# \end{aligned}
# $$
#
# with $G$ taken as 0 outside its range. The first is a cross-correlation of the input with
# $G$. In the last, substitute $u' = k - 1 - u$ and $v' = k - 1 - v$:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial \tilde X_{r,c}}
#   &= \sum_{u',v'} G_{r-k+1+u',\,c-k+1+v'}\; W_{k-1-u',\,k-1-v'} \\
#   &= \sum_{u',v'} \hat G_{r+u',\,c+v'}\; W^\text{flip}_{u',v'},
# \end{aligned}
# $$
#
# where $\hat G$ is $G$ padded with $k - 1$ zeros on every side and $W^\text{flip}$ is the
# kernel flipped in both axes. So $\partial L / \partial \tilde X$ is the cross-correlation
# of the fully padded $G$ with the flipped kernel, a "full" convolution, whose output has
# the size of $\tilde X$; cropping $p$ pixels on each side gives $\partial L / \partial X$.
# With channels, input channel $c$ collects from every output channel $o$ through
# $W_{o,c}$: the kernels of this correlation are `W.flip(2, 3).transpose(0, 1)`, of shape
# $(C_\text{in}, C_\text{out}, k_H, k_W)$. For the weights with channels and any stride,
# $\partial L / \partial W_{o,c,u,v} = \sum_{n,i,j} G_{n,o,i,j} \tilde X_{n,c,is+u,js+v}$,
# and the windows $\tilde X_{n,c,is+u,js+v}$ are the columns of im2col:
#
# $$
# \frac{\partial L}{\partial W_\text{flat}} = \sum_n G_n\, \mathrm{cols}_n^\top,
# \qquad G_n \in \mathbb{R}^{C_\text{out} \times L}.
# $$
#
# ### Your turn
#
# The input's gradient for stride 1, reusing your `conv2d_im2col` with a zero bias; the
# weights' for any stride.

# %%
def conv2d_input_grad(dout, W, padding):
    """dL/dX of a stride-1 layer: a full correlation of dout with the flipped kernel.
    dout: (N, C_out, H_out, W_out), W: (C_out, C_in, kH, kW).
    Returns (N, C_in, H, W)."""
    ### BEGIN SOLUTION
    C_in, kH, kW = W.shape[1], W.shape[2], W.shape[3]
    full = F.pad(dout, (kW - 1, kW - 1, kH - 1, kH - 1))  # G padded by k - 1 all round
    W_flip = W.flip(2, 3).transpose(0, 1)  # (C_in, C_out, kH, kW)
    dXp = conv2d_im2col(full, W_flip, W.new_zeros(C_in), 1, 0)  # (N, C_in, H+2p, W+2p)
    H, W_in = dXp.shape[2] - 2 * padding, dXp.shape[3] - 2 * padding
    return dXp[:, :, padding:padding + H, padding:padding + W_in]
    ### END SOLUTION


def conv2d_weight_grad(dout, X, kernel_size, stride, padding):
    """dL/dW: (C_out, C_in, kH, kW) and dL/db: (C_out,). dout: (N, C_out, H_out, W_out),
    X: (N, C_in, H, W), kernel_size: (kH, kW)."""
    ### BEGIN SOLUTION
    N, C_out = dout.shape[:2]
    cols = F.unfold(X, kernel_size, padding=padding, stride=stride)  # (N, C_in*k*k, L)
    G = dout.reshape(N, C_out, -1)  # (N, C_out, L)
    dW = (G @ cols.transpose(1, 2)).sum(0)  # (C_out, C_in*kH*kW)
    db = dout.sum((0, 2, 3))  # (C_out,)
    return dW.reshape(C_out, X.shape[1], *kernel_size), db
    ### END SOLUTION


# %%
conv2d_input_grad = selfcheck.check("conv2d_input_grad", conv2d_input_grad)
conv2d_weight_grad = selfcheck.check("conv2d_weight_grad", conv2d_weight_grad)

# %% [markdown]
# **Check against autograd** on the shapes of exercise 13.1 (the input's gradient on the
# stride-1 ones), for the loss $L = \sum Y \odot G$ with a random $G$, whose gradient with
# respect to $Y$ is $G$:

# %%
g = torch.Generator().manual_seed(2)
for case in shape_cases:
    X, W, b = (t.requires_grad_() for t in random_layer(case, g))
    s, p = case[7], case[8]
    Y = F.conv2d(X, W, b, stride=s, padding=p)
    G = torch.randn(Y.shape, generator=g, dtype=torch.float64).to(device)
    (Y * G).sum().backward()
    label = f"X {tuple(X.shape)}, W {tuple(W.shape)}, s={s}, p={p}"
    dW, db = conv2d_weight_grad(G, X.detach(), tuple(W.shape[2:]), s, p)
    compare(f"dW {label}", dW, W.grad)
    compare(f"db {label}", db, b.grad)
    if s == 1:
        compare(f"dX {label}", conv2d_input_grad(G, W.detach(), p), X.grad)

# %% [markdown]
# **`gradcheck`** compares an analytical gradient with finite differences
# $(f(x + \epsilon) - f(x - \epsilon)) / 2\epsilon$, one input entry at a time, in
# `float64`. To make it use *your* backward, wrap the forward and backward in a
# `torch.autograd.Function`:

# %%
class Conv2dByHand(torch.autograd.Function):
    """Forward: conv2d_im2col with stride 1. Backward: the two functions above."""

    @staticmethod
    def forward(ctx, X, W, b, padding):
        ctx.save_for_backward(X, W)
        ctx.padding = padding
        return conv2d_im2col(X, W, b, 1, padding)

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        dX = conv2d_input_grad(dout, W, ctx.padding)
        dW, db = conv2d_weight_grad(dout, X, tuple(W.shape[2:]), 1, ctx.padding)
        return dX, dW, db, None


for case in [(2, 2, 5, 6, 3, 3, 2, 1, 1), (1, 3, 6, 5, 2, 2, 3, 1, 0)]:
    X, W, b = (t.requires_grad_() for t in random_layer(case, g))
    passed = torch.autograd.gradcheck(Conv2dByHand.apply, (X, W, b, case[8]))
    print(f"gradcheck, X {tuple(X.shape)}, W {tuple(W.shape)}, p={case[8]}: {passed}")

# %% [markdown]
# **(b) A stride.** With stride $s$, input pixel $r$ meets $W_u$ in output $i$ when
# $is + u = r$, so only every $s$-th shift of the kernel is present. Spreading $G$ out with
# $s - 1$ zeros between its entries turns this back into the stride-1 case;
# `labkit.conv.conv2d_input_grad_flipped` does that before the full correlation:

# %%
for case in shape_cases:
    X, W, b = (t.requires_grad_() for t in random_layer(case, g))
    s, p = case[7], case[8]
    Y = F.conv2d(X, W, b, stride=s, padding=p)
    G = torch.randn(Y.shape, generator=g, dtype=torch.float64).to(device)
    (Y * G).sum().backward()
    dX = conv.conv2d_input_grad_flipped(G, W.detach(), s, p, X.shape)
    compare(f"dX, stride {s}, X {tuple(X.shape)}, W {tuple(W.shape)}", dX, X.grad)

# %% [markdown]
# What the gradient of a single output pixel looks like for an asymmetric $3 \times 3$
# kernel (stride 1), and how many windows cover each input pixel with stride 2 (the
# gradient of the sum of all outputs when every weight is 1):

# %%
kernel = torch.arange(1.0, 10.0, **f64).reshape(1, 1, 3, 3)
one_hot = torch.zeros(1, 1, 4, 4, **f64)
one_hot[0, 0, 1, 2] = 1.0  # dL/dY = 1 at output pixel (1, 2), 0 elsewhere
dX_one = conv.conv2d_input_grad_flipped(one_hot, kernel, 1, 0, (1, 1, 6, 6))
ones = torch.ones(1, 1, 4, 4, **f64)  # G = 1 and W = 1: dX counts windows per pixel
dX_all = conv.conv2d_input_grad_flipped(ones, torch.ones_like(kernel), 2, 0,
                                        (1, 1, 9, 9))
fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.7))
panels = [(kernel[0, 0], "the kernel W"), (dX_one[0, 0], "dX of output (1, 2), s = 1"),
          (dX_all[0, 0], "s = 2, G = 1, W = 1")]
for ax, (image, title) in zip(axes, panels):
    ax.imshow(image.cpu(), cmap="Blues", vmin=0, vmax=2 * image.max().item())
    for r, row in enumerate(image.tolist()):
        for c, value in enumerate(row):
            ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=9,
                    color=plot.INK)
    ax.set_title(title)
    ax.axis("off")
fig.suptitle("Exercise 13.3: the gradient with respect to the input")
plt.show()

# %% tags=["hide-input"]
coverage = F.fold(F.unfold(torch.ones(1, 1, 9, 9), 3, stride=2), (9, 9), 3, stride=2)
answer(
    r"(a) Your full correlation with the flipped kernel equals autograd's gradient, "
    r"and `gradcheck` passes. The middle panel shows why the flip is not a paradox: "
    r"the gradient of one output pixel is the kernel itself, *unflipped*, placed on "
    r"that pixel's window, because each input pixel of the window was multiplied by "
    r"the weight at its position. Computing all input pixels at once as a correlation "
    r"reads that picture from the input's side, and there the kernel appears "
    r"flipped." "\n\n"
    r"(b) With stride 2 and a $3 \times 3$ kernel, the windows overlap on every "
    r"second row and column: of the $81$ input pixels, $@one$ lie in one window, "
    r"$@two$ in two and $@four$ in four (right panel), so even a uniform $G$ reaches "
    r"the input as a checkerboard. This uneven coverage is why strided layers whose "
    r"kernel size is not a multiple of the stride leave checkerboard patterns in the "
    r"images that transposed convolutions (the same operation, used as a layer) "
    r"generate.",
    one=int((coverage == 1).sum()), two=int((coverage == 2).sum()),
    four=int((coverage == 4).sum()),
)

# %% [markdown]
# ## Exercise 13.4: max pooling, forward and backward
#
# *Implement $k \times k$ max pooling with stride $k$ and its backward pass, check them
# against `F.max_pool2d` and autograd, also with ties. Which pixels of a digit receive a
# gradient?*
#
# Each output is the largest pixel of its window,
# $Y_{i,j} = \max_{0 \le u, v < k} X_{ik+u,\,jk+v}$. The maximum is locally the identity of
# one pixel, the *argmax*, and constant in all the others, so
#
# $$
# \frac{\partial L}{\partial X_{r,c}} =
# \begin{cases}
# G_{i,j} & \text{if } (r, c) \text{ is the argmax of window } (i, j), \\
# 0 & \text{otherwise.}
# \end{cases}
# $$
#
# When several pixels tie for the maximum, the maximum has no derivative; PyTorch takes
# the first maximal pixel of the window in row-major order, which is what `argmax`
# returns.
#
# ### Your turn
#
# Unfold each channel separately (reshape to $(N C, 1, H, W)$), so that each column holds
# one window of one channel. `scatter` writes values at given indices, and `F.fold` is
# unfold's adjoint: it adds every column back into its window.

# %%
def maxpool2d(X, kernel):
    """k x k max pooling, stride k. X: (N, C, H, W). Returns (N, C, H // k, W // k)."""
    ### BEGIN SOLUTION
    N, C, H, W_in = X.shape
    one_channel = X.reshape(N * C, 1, H, W_in)
    cols = F.unfold(one_channel, kernel, stride=kernel)  # (N*C, k*k, L)
    return cols.max(dim=1).values.reshape(N, C, H // kernel, W_in // kernel)
    ### END SOLUTION


def maxpool2d_backward(dout, X, kernel):
    """dL/dX of maxpool2d: each window's gradient goes to its (first) maximum."""
    ### BEGIN SOLUTION
    N, C, H, W_in = X.shape
    one_channel = X.reshape(N * C, 1, H, W_in)
    cols = F.unfold(one_channel, kernel, stride=kernel)  # (N*C, k*k, L)
    first_max = cols.argmax(dim=1, keepdim=True)  # (N*C, 1, L)
    dcols = torch.zeros_like(cols).scatter(1, first_max, dout.reshape(N * C, 1, -1))
    return F.fold(dcols, (H, W_in), kernel, stride=kernel).reshape(X.shape)
    ### END SOLUTION


# %%
maxpool2d = selfcheck.check("maxpool2d", maxpool2d)
maxpool2d_backward = selfcheck.check("maxpool2d_backward", maxpool2d_backward)

# %% [markdown]
# **Checks**: random inputs, an input full of ties (small integers), and `gradcheck` on
# distinct values (at a tie the finite differences of a maximum are not a derivative).

# %%
for name, X in [("random", torch.randn(2, 3, 8, 6, generator=g, dtype=torch.float64)),
                ("ties", torch.randint(0, 3, (2, 3, 8, 6), generator=g).double())]:
    X = X.to(device).requires_grad_()
    Y = F.max_pool2d(X, 2)
    G = torch.randn(Y.shape, generator=g, dtype=torch.float64).to(device)
    (Y * G).sum().backward()
    compare(f"max pool, {name}", maxpool2d(X.detach(), 2), Y)
    compare(f"max pool backward, {name}", maxpool2d_backward(G, X.detach(), 2), X.grad)


class MaxPoolByHand(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, kernel):
        ctx.save_for_backward(X)
        ctx.kernel = kernel
        return maxpool2d(X, kernel)

    @staticmethod
    def backward(ctx, dout):
        (X,) = ctx.saved_tensors
        return maxpool2d_backward(dout, X, ctx.kernel), None


distinct = torch.randperm(2 * 2 * 6 * 6, generator=g).double().reshape(2, 2, 6, 6) / 10
distinct = distinct.to(device).requires_grad_()
passed = torch.autograd.gradcheck(MaxPoolByHand.apply, (distinct, 2))
print(f"gradcheck of the max-pool backward: {passed}")

# %% [markdown]
# On a digit: which pixels receive the gradient of a $2 \times 2$ pooling with
# $G = 1$ everywhere?

# %%
digit = X_test[:1].to(device)  # (1, 1, 28, 28)
pooled = maxpool2d(digit, 2)
routed = maxpool2d_backward(torch.ones_like(pooled), digit, 2)
fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.6))
panels = [(digit, "the digit, 28 x 28"), (pooled, "max-pooled, 14 x 14"),
          (routed, "pixels that get a gradient")]
for ax, (image, title) in zip(axes, panels):
    ax.imshow(image[0, 0].cpu(), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
fig.suptitle("Exercise 13.4: 2 x 2 max pooling of one digit")
plt.show()

# %% tags=["hide-input"]
windows = F.unfold(digit, 2, stride=2)[0]  # (4, 196)
blank = (windows == background).all(dim=0)
answer(
    r"Both functions equal PyTorch's, ties included, and `gradcheck` passes. Exactly "
    r"one pixel per window gets the gradient: $@routed$ of the $784$ pixels, $1/k^2 = "
    r"25\%$. On the strokes it is the brightest pixel of each window. The digit is "
    r"mostly background: $@blank$ of the $196$ windows are blank, all four pixels "
    r"tied at the background value, and there the whole gradient goes to the window's "
    r"top-left pixel, the regular grid of dots in the right panel. The other three "
    r"pixels of every window get no gradient at all from this layer.",
    routed=int((routed != 0).sum()), blank=int(blank.sum()),
)

# %% [markdown]
# ## Exercise 13.5: a LeNet-style CNN on MNIST
#
# *Design a convolutional network in the style of LeNet-5, count its parameters, and train
# it on the "lab" split. Compare its test accuracy (three seeds) and its number of
# parameters with page 06's MLP. Show its confusion matrix and the digits it gets wrong.
# Where does it save parameters?*
#
# The network: two blocks of convolution, ReLU and $2 \times 2$ max pooling, then three
# fully connected layers. Its layer sizes, with your `conv_output_size`:

# %%
def make_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),  # (6, 24, 24) -> (6, 12, 12)
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # (16, 8, 8) -> (16, 4, 4)
        nn.Flatten(),  # 256
        nn.Linear(256, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def make_mlp():  # page 06's network: 784 -> 128 -> 64 -> 10
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                         nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


side, shapes = 28, []
for name, channels, k in [("conv1 5x5", 6, 5), ("pool1 2x2", 6, 2),
                          ("conv2 5x5", 16, 5), ("pool2 2x2", 16, 2)]:
    stride = 2 if name.startswith("pool") else 1
    side = conv_output_size(side, k, stride, 0)
    shapes.append([name, f"({channels}, {side}, {side})", channels * side * side])
show_markdown(table(["layer", "output (C, H, W)", "values"], shapes))

# %% [markdown]
# **Parameters.** A convolution with $C_\text{in}$ input and $C_\text{out}$ output channels
# and $k \times k$ kernels has $C_\text{out}$ kernels of $C_\text{in} k^2$ weights and one
# bias each, whatever the image size; a fully connected layer has
# $(n_\text{in} + 1)\, n_\text{out}$.
#
# ### Your turn

# %%
def conv_num_parameters(C_in, C_out, k):
    """Weights and biases of nn.Conv2d(C_in, C_out, k)."""
    ### BEGIN SOLUTION
    return C_out * (C_in * k * k + 1)
    ### END SOLUTION


# %%
conv_num_parameters = selfcheck.check("conv_num_parameters", conv_num_parameters)

# %%
lenet_counts = {"conv1": conv_num_parameters(1, 6, 5),
                "conv2": conv_num_parameters(6, 16, 5),
                "fc 256-120": 257 * 120, "fc 120-84": 121 * 84, "fc 84-10": 85 * 10}
num_lenet = sum(lenet_counts.values())
num_mlp = 785 * 128 + 129 * 64 + 65 * 10
for name, model, by_formula in [("CNN", make_lenet(), num_lenet),
                                ("MLP", make_mlp(), num_mlp)]:
    by_numel = sum(p.numel() for p in model.parameters())
    print(f"{name}: by formula {by_formula:,}, by numel {by_numel:,}")
show_markdown(table(["LeNet layer", "parameters"],
                    [[name, count] for name, count in lenet_counts.items()]))

# %% [markdown]
# **Training.** The MLP with page 06's recipe (SGD with momentum 0.9, learning rate 0.05,
# batches of 64, 8 epochs). The CNN with Adam and a *one-cycle* schedule: the learning rate
# rises to $2 \times 10^{-3}$ over the first 15% of the steps, then decays to almost 0, so
# that the last steps settle instead of jumping around a minimum; 4 epochs. Each model is
# trained with seeds 0, 1 and 2 (initial weights and batch order); seed 0 of the MLP
# repeats page 06's run exactly.

# %%
def fit(make, seed, optimizer_fn, num_epochs, one_cycle_lr=None):
    """Train make() on the training split; the 4 numbered steps of page 06."""
    torch.manual_seed(seed)
    model = make().to(device)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    optimizer = optimizer_fn(model.parameters())
    scheduler = None
    if one_cycle_lr is not None:
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=one_cycle_lr, total_steps=num_epochs * len(loader),
            pct_start=0.15)
    for _ in range(num_epochs):
        model.train()
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            loss = F.cross_entropy(model(X), y)  # 1. forward, 2. loss
            optimizer.zero_grad()
            loss.backward()  # 3. backward
            optimizer.step()  # 4. update
            if scheduler is not None:
                scheduler.step()
    return model.eval()


seeds = [0, 1, 2]
models = {"MLP": [], "CNN": []}
cpu_seconds = {"MLP": [], "CNN": []}
wall_seconds = {"MLP": [], "CNN": []}
for seed in seeds:
    for name in models:
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        if name == "MLP":
            model = fit(make_mlp, seed,
                        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), 8)
        else:
            model = fit(make_lenet, seed, lambda ps: torch.optim.Adam(ps, lr=2e-3), 4,
                        one_cycle_lr=2e-3)
        cpu_seconds[name].append(time.process_time() - start_cpu)
        wall_seconds[name].append(time.perf_counter() - start_wall)
        models[name].append(model)

# %% tags=["timing"]
for name in models:
    cpu, wall = cpu_seconds[name], wall_seconds[name]
    print(f"{name}: {sum(cpu) / len(cpu):.1f} s CPU, "
          f"{sum(wall) / len(wall):.1f} s wall per training run "
          f"({torch.get_num_threads()} thread(s), {device.type})")

# %%
@torch.no_grad()
def accuracy_on(model, X, y):
    return train.accuracy(model(X.to(device)).cpu(), y)


acc = {name: torch.tensor([accuracy_on(m, X_test, y_test) for m in ms])
       for name, ms in models.items()}
counts = {"MLP": num_mlp, "CNN": num_lenet}
show_markdown(table(
    ["model", "parameters", "seed 0", "seed 1", "seed 2", "mean ± std"],
    [[name, counts[name], *[f"{a:.2%}" for a in acc[name].tolist()],
      f"{acc[name].mean():.2%} ± {acc[name].std():.2%}"] for name in models],
))

# %% [markdown]
# The confusion matrix of the CNN of seed 0 (rows: true class, columns: predicted), and
# the test digits it gets wrong:

# %%
cnn = models["CNN"][0]
with torch.no_grad():
    y_pred = cnn(X_test.to(device)).argmax(dim=1).cpu()
    y_pred_mlp = models["MLP"][0](X_test.to(device)).argmax(dim=1).cpu()
cm = train.confusion_matrix(y_test, y_pred, 10)
plot.plot_confusion_matrix(cm, title="CNN (seed 0) on the 2,000 test digits")
plt.show()

# %%
wrong = (y_pred != y_test).nonzero().flatten()
titles = [f"{y_test[i]} → {y_pred[i]}" for i in wrong[:24].tolist()]
fig = plot.show_images(X_test[wrong[:24], 0], titles, ncols=8)
fig.suptitle(f"The first {min(24, len(wrong))} of the CNN's {len(wrong)} mistakes "
             "(true → predicted)")
plt.show()

# %% tags=["hide-input"]
off_diagonal = cm.clone().fill_diagonal_(0)
worst = int(off_diagonal.argmax())
both_wrong = int(((y_pred != y_test) & (y_pred_mlp != y_test)).sum())
conv_share = (lenet_counts["conv1"] + lenet_counts["conv2"]) / num_lenet
answer(
    r"Over three seeds the CNN reaches @cnn test accuracy against @mlp for page 06's "
    r"MLP, with $@ncnn$ parameters instead of $@nmlp$, $@ratio$ times fewer. The "
    r"saving is in the first layer: the MLP gives each of its 128 hidden units its "
    r"own weight for every one of the 784 pixels ($@first$ weights), while conv1 "
    r"slides the same six $5 \times 5$ kernels over the whole image ($@c1$ parameters "
    r"for $@v1$ outputs). Both convolutions together hold only @share of the CNN's "
    r"parameters; most sit in the fully connected layers after them. The most "
    r"frequent confusion of the seed-0 CNN is a @t predicted as @p ($@n$ times); "
    r"$@both$ of its $@errs$ mistakes are also mistakes of the MLP: digits that are "
    r"ambiguous, badly cut or drawn in an unusual style.",
    cnn=f"{acc['CNN'].mean():.2%} ± {acc['CNN'].std():.2%}",
    mlp=f"{acc['MLP'].mean():.2%} ± {acc['MLP'].std():.2%}",
    ncnn=num_lenet, nmlp=num_mlp, ratio=f"{num_mlp / num_lenet:.1f}",
    first=784 * 128, c1=lenet_counts["conv1"], v1=6 * 24 * 24,
    share=f"{conv_share:.0%}",
    t=str(worst // 10), p=str(worst % 10), n=int(off_diagonal.max()), both=both_wrong,
    errs=len(wrong),
)

# %% [markdown]
# ## Exercise 13.6: shifted digits
#
# *Shift the test digits by 0 to 4 pixels and plot the test accuracy of the MLP and of the
# CNN against the shift. Why does the CNN degrade more slowly, and why does it still
# degrade?*
#
# MNIST's digits are centred (by their centre of mass) in the $28 \times 28$ frame, and the
# networks never saw them elsewhere. A shift by $(d_y, d_x)$ moves every pixel $d_y$ rows
# down and $d_x$ columns right; the rows and columns it uncovers get the background value.
#
# ### Your turn

# %%
def shift_images(X, dy, dx, fill):
    """Move X: (N, C, H, W) by dy rows down and dx columns right (negative: up, left);
    the uncovered pixels get the value fill."""
    ### BEGIN SOLUTION
    H, W_in = X.shape[-2:]
    out = torch.full_like(X, fill)
    rows_to = slice(max(dy, 0), H + min(dy, 0))  # where the kept rows land
    rows_from = slice(max(-dy, 0), H - max(dy, 0))  # the rows that stay in the frame
    cols_to = slice(max(dx, 0), W_in + min(dx, 0))
    cols_from = slice(max(-dx, 0), W_in - max(dx, 0))
    out[..., rows_to, cols_to] = X[..., rows_from, cols_from]
    return out
    ### END SOLUTION


# %%
shift_images = selfcheck.check("shift_images", shift_images)

# %% [markdown]
# For each shift $d \in \{0, \dots, 4\}$ every test digit moves $d$ pixels in one of the
# four directions, drawn at random (with a fixed seed), so that each point of the curve
# averages over all directions and all 2,000 test digits:

# %%
directions = torch.randint(0, 4, (len(X_test),),
                           generator=torch.Generator().manual_seed(0))
unit_steps = [(0, 1), (0, -1), (1, 0), (-1, 0)]  # right, left, down, up


def shifted_test_set(d):
    out = X_test.clone()
    for index, (uy, ux) in enumerate(unit_steps):
        chosen = directions == index
        out[chosen] = shift_images(X_test[chosen], uy * d, ux * d, background)
    return out


shifts = list(range(5))
shift_acc = {name: torch.zeros(len(seeds), len(shifts)) for name in models}
for j, d in enumerate(shifts):
    X_shifted = shifted_test_set(d)
    for name, ms in models.items():
        for i, model in enumerate(ms):
            shift_acc[name][i, j] = accuracy_on(model, X_shifted, y_test)

examples = torch.cat([shift_images(X_test[:1], 0, d, background)[:, 0] for d in shifts])
fig = plot.show_images(examples, [f"{d} px right" for d in shifts], ncols=5)
fig.suptitle("One test digit shifted right by 0 to 4 pixels")
plt.show()

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
for (name, accs), color in zip(shift_acc.items(), plot.COLORS):
    mean, std = accs.mean(0), accs.std(0)
    ax.plot(shifts, mean, "o-", color=color, label=f"{name} (mean of 3 seeds)")
    ax.fill_between(shifts, mean - std, mean + std, color=color, alpha=0.25)
ax.set(xlabel="shift (pixels)", ylabel="test accuracy", xticks=shifts)
ax.set_title("Exercise 13.6: accuracy on shifted test digits (band: ± 1 std)")
ax.legend()
plt.show()

# %% tags=["hide-input"]
mean_acc = {name: accs.mean(0) for name, accs in shift_acc.items()}
answer(
    r"Shifted by 1 pixel, the MLP falls to @m1 and the CNN stays at @c1; at 2 pixels "
    r"they are at @m2 and @c2, at 4 pixels at @m4 and @c4. The MLP's first layer has "
    r"one weight per pixel and per unit: a digit moved by two pixels meets weights "
    r"that were trained on other pixels, as if it were a different image. The CNN's "
    r"convolutions slide the same kernel over every position, so a shifted input "
    r"gives the same feature maps, shifted (*equivariance*), and each $2 \times 2$ "
    r"max pooling keeps the largest response of a window wherever it lies inside it, "
    r"which absorbs part of a small shift." "\n\n"
    r"It still degrades because it is not "
    r"shift-*invariant* as a whole. After two poolings, one cell of the final $4 "
    r"\times 4$ maps stands for a step of 4 input pixels: a shift of 1 to 3 pixels "
    r"moves features across pooling windows and changes the maps, and a shift of 4 "
    r"moves every feature to the neighbouring cell. The fully connected layers after "
    r"them give every cell its own weights, like the MLP does for pixels, and were "
    r"trained only on centred digits. Near the border, parts of the digit also fall "
    r"outside the $28 \times 28$ frame. Training on shifted copies (data "
    r"augmentation, page 15) teaches the network the shifts it should ignore.",
    m1=f"{mean_acc['MLP'][1]:.1%}", c1=f"{mean_acc['CNN'][1]:.1%}",
    m2=f"{mean_acc['MLP'][2]:.1%}", c2=f"{mean_acc['CNN'][2]:.1%}",
    m4=f"{mean_acc['MLP'][4]:.1%}", c4=f"{mean_acc['CNN'][4]:.1%}",
)

# %% [markdown]
# ## Exercise 13.7: filters and feature maps
#
# *Show the six kernels that the first layer of the CNN learned, and the feature maps of
# one digit after each convolution. What do the layers respond to?*
#
# A forward hook is not needed: `cnn[:2]` is the network up to conv1's ReLU, and
# `cnn[:5]` up to conv2's.

# %%
kernels = cnn[0].weight.detach().cpu()[:, 0]  # (6, 5, 5)
limit = kernels.abs().max().item()
fig, axes = plt.subplots(1, 6, figsize=(plot.WIDTH, 1.9))
for index, (ax, k) in enumerate(zip(axes, kernels)):
    ax.imshow(k, cmap="RdBu", vmin=-limit, vmax=limit)
    ax.set_title(f"kernel {index}")
    ax.axis("off")
fig.suptitle("conv1's six 5 x 5 kernels (red < 0 < blue)")
plt.show()

# %%
digit = X_test[3:4].to(device)
with torch.no_grad():
    maps1 = cnn[:2](digit)[0].cpu()  # (6, 24, 24)
    maps2 = cnn[:5](digit)[0].cpu()  # (16, 8, 8)
fig = plot.show_images(maps1, [f"map {i}" for i in range(6)], ncols=6, cmap="viridis")
fig.suptitle(f"conv1 + ReLU on a {y_test[3].item()}: six 24 x 24 feature maps")
plt.show()
fig = plot.show_images(maps2, [f"map {i}" for i in range(16)], ncols=8, cmap="viridis")
fig.suptitle("conv2 + ReLU: sixteen 8 x 8 feature maps")
plt.show()

# %% tags=["hide-input"]
answer(
    r"The first-layer kernels pair regions of one sign with regions of the "
    r"other: oriented edge and stroke detectors, like the hand-made ones of exercise "
    r"13.1. Each of conv1's maps is the digit seen through one of them, bright where "
    r"a stroke of its orientation and polarity lies; after the ReLU @z1 of their "
    r"values are 0. conv2 combines them over $5 \times 5$ windows of the pooled maps, "
    r"so its 16 maps are coarser ($8 \times 8$) and respond to larger parts of the "
    r"digit (a curve, a crossing, an end of a stroke); @z2 of their values are 0. "
    r"Sparse, part-based features are what the fully connected layers combine into a "
    r"digit.",
    z1=f"{(maps1 == 0).double().mean():.0%}", z2=f"{(maps2 == 0).double().mean():.0%}",
)

# %% [markdown]
# ## Exercise 13.8: the receptive field
#
# *Compute how many input pixels one output of each layer of the CNN depends on (its
# receptive field) by a formula, and check the formula with a gradient: the input pixels
# with a nonzero $\partial y / \partial x$.*
#
# Let $j_l$ be the distance, in input pixels, between two neighbouring pixels of layer
# $l$'s output (its *jump*) and $r_l$ the side of the input square one of them sees. A layer
# with kernel $k_l$ and stride $s_l$ looks at $k_l$ neighbouring pixels of the layer below,
# which span $(k_l - 1) j_{l-1}$ more input pixels than one of them:
#
# $$
# \begin{aligned}
# r_0 &= 1, & j_0 &= 1, \\
# r_l &= r_{l-1} + (k_l - 1)\, j_{l-1}, & j_l &= j_{l-1}\, s_l.
# \end{aligned}
# $$
#
# Padding shifts the square but does not change its size; a pooling layer counts like a
# convolution with the same kernel and stride.
#
# ### Your turn

# %%
def receptive_field(layers):
    """Side r of the input square that one output of the stack sees.
    layers: [(kernel, stride), ...] from the input up."""
    ### BEGIN SOLUTION
    r, jump = 1, 1
    for kernel, stride in layers:
        r = r + (kernel - 1) * jump
        jump = jump * stride
    return r
    ### END SOLUTION


# %%
receptive_field = selfcheck.check("receptive_field", receptive_field)

# %% [markdown]
# **The check.** Two versions of the trained CNN's feature extractor, for one output
# pixel near the centre of each layer's map:
#
# - *linear*: the trained kernels without the ReLUs, and average pooling instead of max
#   pooling. Every input pixel in the receptive field then has a path to the output whose
#   weights are all nonzero, so its gradient is nonzero (unless terms cancel exactly).
# - *the real network* on one digit: a ReLU that is off, or a pixel that is not the maximum
#   of its pooling window, cuts paths, so the gradient is nonzero on fewer pixels, but
#   never outside the receptive field.

# %%
lenet_layers = [(5, 1), (2, 2), (5, 1), (2, 2)]
layer_names = ["conv1", "pool1", "conv2", "pool2"]


def linear_version(model):
    return nn.Sequential(model[0], nn.AvgPool2d(2), model[3], nn.AvgPool2d(2))


def gradient_support(features, upto, x):
    """Input pixels with a nonzero gradient of the centre pixel of output `upto`."""
    x = x.clone().requires_grad_()
    y = features[:upto](x)  # (1, C, h, w)
    centre = y[0, :, y.shape[2] // 2, y.shape[3] // 2]  # (C,)
    centre[centre.argmax()].backward()  # the channel most active there
    support = x.grad[0, 0] != 0  # (28, 28)
    rows, cols = support.nonzero(as_tuple=True)
    side = (rows.max() - rows.min() + 1).item(), (cols.max() - cols.min() + 1).item()
    return support.cpu(), side


linear = linear_version(cnn)
real = cnn[:6]  # conv1, ReLU, pool1, conv2, ReLU, pool2
cuts_real = {"conv1": 1, "pool1": 3, "conv2": 4, "pool2": 6}  # modules up to each layer
rows, supports = [], {}
for i, name in enumerate(layer_names):
    r = receptive_field(lenet_layers[:i + 1])
    lin_support, lin_side = gradient_support(linear, i + 1, torch.ones(1, 1, 28, 28,
                                                                       device=device))
    real_support, real_side = gradient_support(real, cuts_real[name],
                                               X_test[3:4].to(device))
    supports[name] = (r, lin_support, real_support)
    rows.append([name, r, f"{lin_side[0]} x {lin_side[1]}", int(lin_support.sum()),
                 f"{real_side[0]} x {real_side[1]}", int(real_support.sum())])
show_markdown(table(["layer", "r by formula", "linear: square", "linear: pixels",
                     "real network: box", "real network: pixels"], rows))

# %%
fig, axes = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.4))
r, lin_support, real_support = supports["pool2"]
for ax, (support, title) in zip(axes, [(lin_support, "linear version"),
                                       (real_support, "real network, one digit")]):
    ax.imshow(X_test[3, 0], cmap="gray", alpha=0.35)
    ax.imshow(support.double(), cmap="Blues", alpha=0.6)
    rows_nz, cols_nz = lin_support.nonzero(as_tuple=True)
    ax.add_patch(Rectangle((cols_nz.min() - 0.5, rows_nz.min() - 0.5), r, r, fill=False,
                           edgecolor=plot.COLORS[3], linewidth=2))
    ax.set_title(title)
    ax.axis("off")
fig.suptitle(f"Nonzero gradient of one pool2 output; red: the {r} x {r} field")
plt.show()

# %% tags=["hide-input"]
r_pool2, lin_pool2, real_pool2 = supports["pool2"]
answer(
    r"The formula gives $r = @r1, @r2, @r3, @r4$ for conv1, pool1, conv2 and pool2, "
    r"and in the linear version the pixels with a nonzero gradient fill exactly an $r "
    r"\times r$ square at every layer ($@lin$ pixels for pool2). In the real network "
    r"only $@real$ of those $@lin$ pixels have a nonzero gradient for this digit: the "
    r"ReLUs that are off and the pixels that are not a pooling window's maximum cut "
    r"the other paths; at every layer, $@outside$ pixels outside the square have a "
    r"nonzero gradient. So each of the $4 \times 4$ cells that the fully connected "
    r"layers read sees a $@r4 \times @r4$ patch, more than half of the 28-pixel "
    r"frame, and neighbouring cells' patches overlap by $@overlap$ pixels (the jump "
    r"is $4$).",
    r1=supports["conv1"][0], r2=supports["pool1"][0], r3=supports["conv2"][0],
    r4=r_pool2, lin=int(lin_pool2.sum()), real=int(real_pool2.sum()),
    overlap=r_pool2 - 4,
    outside=sum(int((real & ~lin).sum()) for _, lin, real in supports.values()),
)

# %% [markdown]
# ## Summary
#
# Everything this page wrote by hand is in `labkit.conv`, for later pages, and agrees
# with yours (the loops in `float64`):

# %%
X, W, b = random_layer((2, 3, 9, 8, 4, 3, 2, 2, 1), g)
compare("conv2d_loops", conv2d_loops(X, W, b, 2, 1), conv.conv2d_loops(X, W, b, 2, 1))
out, cache = conv.conv2d_forward(X, W, b, 2, 1)
compare("conv2d_im2col", conv2d_im2col(X, W, b, 2, 1), out)
G = torch.randn(out.shape, generator=g, dtype=torch.float64).to(device)
dX, dW, db = conv.conv2d_backward(G, cache)
compare("conv2d_weight_grad: dW", conv2d_weight_grad(G, X, (3, 2), 2, 1)[0], dW)
out1, cache1 = conv.conv2d_forward(X, W, b, 1, 1)
G1 = torch.randn(out1.shape, generator=g, dtype=torch.float64).to(device)
compare("conv2d_input_grad", conv2d_input_grad(G1, W, 1),
        conv.conv2d_backward(G1, cache1)[0])
pooled, pool_cache = conv.maxpool2d_forward(X, 2)
compare("maxpool2d", maxpool2d(X, 2), pooled)
G2 = torch.randn(pooled.shape, generator=g, dtype=torch.float64).to(device)
compare("maxpool2d_backward", maxpool2d_backward(G2, X, 2),
        conv.maxpool2d_backward(G2, pool_cache))
print("conv_output_size agrees:", all(conv_output_size(n, k, s, p) ==
                                      conv.conv_output_size(n, k, s, p)
                                      for n, k, s, p, _ in size_cases))
print("receptive_field agrees:", receptive_field(lenet_layers) ==
      conv.receptive_field(lenet_layers))

# %% [markdown]
# - A convolutional layer is a cross-correlation of the padded input with each kernel,
#   $\lfloor (n + 2p - k)/s \rfloor + 1$ outputs per axis; im2col turns it into one
#   matrix product.
# - Its backward pass: $\partial L/\partial W = \sum_n G_n \mathrm{cols}_n^\top$, and
#   $\partial L/\partial X$ is a full convolution of $G$ with the flipped kernel (with
#   $s - 1$ zeros between $G$'s entries for a stride $s$). Max pooling sends each
#   gradient to its window's maximum.
# - Sharing one small kernel over all positions makes the LeNet-style network more
#   accurate than the MLP with fewer parameters, and tolerant of shifts of a pixel or
#   two, but not invariant to larger ones; each of its last features sees a
#   $16 \times 16$ patch.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Train the CNN on the training digits plus copies shifted by up to 3 pixels, and
#    redo the plot of exercise 13.6. How much of the gap to the unshifted accuracy
#    closes, and what does it cost in clean accuracy?
# 2. Replace `Flatten` and the first fully connected layer by a global average pooling
#    over the $4 \times 4$ cells (`nn.AdaptiveAvgPool2d(1)`) followed by a linear layer.
#    Count the parameters, and redo the shift plot: is the network now invariant?
# 3. Train the LeNet with `labkit.conv`'s hand-written layers, each wrapped in a
#    `torch.autograd.Function` like `Conv2dByHand`, for one epoch. Do the losses match
#    `nn.Conv2d`'s, and how much slower is it?
# 4. Add dilation $d$ (gaps of $d - 1$ pixels between kernel taps) to
#    `conv_output_size` and `receptive_field`, and check both against `F.conv2d` and a
#    gradient.
#
# ## Next
#
# [Transfer learning](14-transfer-learning.py) reuses a CNN trained on one task for
# another, with far fewer labelled images.
