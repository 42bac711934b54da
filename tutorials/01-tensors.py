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
# # Tensors
#
# **Sheets:** Intro to Deep Learning, exercise session 1, §1 (exercises 1.1 and 1.2);
# Deep Learning Lab manual, lab 1 "Introduction to tensors" (lab exercises 1–11).
#
# **What you need:** Python (lists, loops, functions) and the matrix–vector product from
# linear algebra. No PyTorch experience is assumed. A GPU is not needed: every cell runs
# on the CPU and uses a GPU automatically when one is present.

# %% [markdown]
# ## What you will learn
#
# - what a tensor is (shape, `ndim`, `dtype`, `device`) and how to create one from a list,
#   at random, or filled with ones and zeros;
# - the default dtypes (`float32` for decimals, `int64` for integers), what `float16` costs in
#   precision, and how dtypes are promoted when they are mixed;
# - how `reshape`, `view`, `stack`, `squeeze`, `unsqueeze` and `permute` change the shape,
#   and which of them share memory with the original;
# - the dot product, the matrix–vector and matrix–matrix product, and the shape rules that
#   decide whether `@` works; element-wise versus matrix multiplication;
# - the broadcasting rules, including a pair of shapes that fails and why;
# - indexing, the NumPy round trip, device-agnostic code, `max`/`argmax`, and a first
#   glimpse of what makes tensors more than NumPy arrays: gradients.

# %% [markdown]
# ## Derivation
#
# **A tensor** is an $n$-dimensional array of numbers of one type. Its *shape*
# $(d_0, d_1, \dots, d_{n-1})$ lists the size of every dimension, its *rank* `ndim` is $n$,
# and it holds $d_0 d_1 \cdots d_{n-1}$ numbers. A scalar has rank 0, a vector rank 1,
# a matrix rank 2.
#
# **Memory layout.** The numbers sit in one flat block of memory (the *storage*), row after
# row. For a contiguous $R \times C$ matrix, element $(i, j)$ is at position
#
# $$
# \text{offset}(i, j) = i \cdot C + j \cdot 1,
# $$
#
# so its *strides* are $(C, 1)$: step $C$ to go one row down, $1$ to go one column right.
# A *view* is a second shape and stride pair over the *same* storage: `view`, `squeeze`,
# `unsqueeze`, `permute`, transposition and slicing change only shape and strides, so writing
# through the view changes the original. `reshape` returns a view when the strides allow
# it and a copy otherwise. This is also why reshaping reads the numbers in row order.
#
# **Dot product** of $\mathbf{x}, \mathbf{w} \in \mathbb{R}^n$:
#
# $$
# \mathbf{x} \cdot \mathbf{w} = \sum_{i=1}^{n} x_i w_i .
# $$
#
# **Matrix–vector product** of $\mathbf{W} \in \mathbb{R}^{m \times n}$ and
# $\mathbf{x} \in \mathbb{R}^{n}$: each output is the dot product of one row of
# $\mathbf{W}$ with $\mathbf{x}$,
#
# $$
# (\mathbf{W}\mathbf{x})_i = \sum_{j=1}^{n} W_{ij} x_j , \qquad \mathbf{W}\mathbf{x} \in \mathbb{R}^{m}.
# $$
#
# **Matrix product** of $\mathbf{A} \in \mathbb{R}^{m \times n}$ and
# $\mathbf{B} \in \mathbb{R}^{n \times p}$:
#
# $$
# (\mathbf{A}\mathbf{B})_{ik} = \sum_{j=1}^{n} A_{ij} B_{jk}, \qquad \mathbf{A}\mathbf{B} \in \mathbb{R}^{m \times p}.
# $$
#
# The sum runs over $j$, the column index of $\mathbf{A}$ and the row index of
# $\mathbf{B}$, which gives the two shape rules of the lab manual:
#
# 1. the **inner** dimensions must match: $(m, \mathbf{n}) @ (\mathbf{n}, p)$;
# 2. the result has the **outer** dimensions: $(m, p)$.
#
# **Element-wise (Hadamard) product** of two tensors of the same shape multiplies
# matching entries and sums nothing:
#
# $$
# (\mathbf{A} \odot \mathbf{B})_{ij} = A_{ij} B_{ij} .
# $$
#
# **Broadcasting** lets an element-wise operation combine tensors of different shapes
# by treating size-1 (or missing) dimensions as if they were repeated:
#
# | step | rule |
# |---|---|
# | 1. align | write both shapes right-aligned; pad the shorter one on the left with 1s |
# | 2. compare | in every position the two sizes must be **equal**, or one of them must be **1** |
# | 3. result | the result's size in each position is the larger of the two |
# | 4. stretch | a size-1 dimension is stretched to that size, without copying (its stride is 0) |
# | fail | if some position has two different sizes, neither 1, the operation raises a `RuntimeError` |
#
# For example, $(2, 3) + (3,)$ aligns as $(2, 3) + (1, 3)$ and gives $(2, 3)$: the vector
# is added to every row.
#
# **Gradients.** The dot product $y = \mathbf{x} \cdot \mathbf{w}$ changes with each weight
# at the rate
#
# $$
# \frac{\partial y}{\partial w_i} = \frac{\partial}{\partial w_i} \sum_{k} x_k w_k = x_i ,
# \qquad \text{so} \qquad \nabla_{\mathbf{w}}\, y = \mathbf{x}.
# $$
#
# PyTorch can compute this gradient for us; the implementation checks that it does.

# %% [markdown]
# ## Implementation
#
# We import PyTorch and labkit, apply the plot style and seed every random number
# generator so the page shows the same numbers on every run.

# %%
import matplotlib.pyplot as plt
import torch

from labkit import compare, describe_device, get_device, plot, seed_everything
from labkit.display import fmt, show_markdown, show_math

plot.use_style()
seed_everything(0)
print("torch", torch.__version__)


# %% [markdown]
# Derivations with numbers below are built from the tensors themselves. This small
# helper writes a 1-D tensor (as a column) or a 2-D tensor as a LaTeX matrix.

# %%
def bmatrix(t: torch.Tensor, digits: int = 4) -> str:
    """LaTeX ``bmatrix`` of a tensor of shape (n,) (shown as a column) or (m, n)."""
    t = t.detach().cpu()
    if t.ndim == 1:
        t = t.unsqueeze(1)  # (n, 1): vectors are columns in the math
    rows = [" & ".join(fmt(v, digits) for v in row) for row in t.tolist()]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


show_math(r"\text{example: } " + bmatrix(torch.tensor([[1.0, 2.0], [3.0, 4.5]])))

# %% [markdown]
# ### Scalars, vectors, matrices and tensors
#
# The lab starts by creating a tensor of each rank and reading its `ndim` and `shape`.
# `.item()` turns a one-element tensor into a Python number.

# %%
scalar = torch.tensor(7)
vector = torch.tensor([7, 7])
MATRIX = torch.tensor([[7, 8], [9, 10]])
TENSOR = torch.tensor([[[1, 2, 3], [3, 6, 9], [2, 4, 5]]])
for name, t in [("scalar", scalar), ("vector", vector), ("MATRIX", MATRIX), ("TENSOR", TENSOR)]:
    print(f"{name:<7} ndim={t.ndim}  shape={tuple(t.shape)}  numel={t.numel()}")
print("scalar.item() =", scalar.item(), type(scalar.item()).__name__)

# %% [markdown]
# ### Exercise 1.1: creating and manipulating tensors
#
# (a) A tensor from the list `[1, 2, 3, 4, 5]`, with its shape and data type.

# %%
t = torch.tensor([1, 2, 3, 4, 5])
print(t)
print("shape:", t.shape, " dtype:", t.dtype, " device:", t.device)

# %% [markdown]
# The list held Python integers, so PyTorch chose its default integer type, `int64`.
#
# (b) A $3 \times 4$ tensor of samples from the standard normal distribution
# $\mathcal{N}(0, 1)$ (`torch.randn`; `torch.rand` would draw uniformly from $[0, 1)$).

# %%
R = torch.randn(3, 4)
print(R)
print("shape:", R.shape, " dtype:", R.dtype)

# %% [markdown]
# (c) A $2 \times 3$ tensor of ones and one of zeros.

# %%
ones = torch.ones(2, 3)
zeros = torch.zeros(2, 3)
print(ones, ones.dtype)
print(zeros, zeros.dtype)
print("zeros_like(t):", torch.zeros_like(t), " arange(0, 10):", torch.arange(0, 10))

# %% [markdown]
# (d) Reshape the tensor from (b) to $(2, 6)$ and then to $(12, 1)$. The 12 numbers are
# read in row order (the storage order), so the first row of the $(2, 6)$ result is the
# first row of `R` followed by the first two numbers of its second row.

# %%
R26 = R.reshape(2, 6)
R121 = R26.reshape(12, 1)
print(R26, R26.shape)
print(R121.T, R121.shape, "(printed transposed to save space)")
print("shares memory with R:", R121.data_ptr() == R.data_ptr())

# %% [markdown]
# ### Data types
#
# Every tensor has one dtype. Decimals default to `float32` (4 bytes each), integers to
# `int64` (8 bytes); `float16` halves the memory of `float32` but keeps only about three
# significant decimal digits. The `eps` column is the gap between 1 and the next
# representable number.

# %%
f32 = torch.tensor([3.0, 6.0, 9.0])
f16 = torch.tensor([3.0, 6.0, 9.0], dtype=torch.float16)
i64 = torch.tensor([3, 6, 9])
for name, x_ in [("f32", f32), ("f16", f16), ("i64", i64)]:
    print(f"{name}: dtype={x_.dtype}, bytes per element={x_.element_size()}, device={x_.device}")

third = torch.tensor(1 / 3, dtype=torch.float64)
for dt in (torch.float16, torch.float32, torch.float64):
    print(f"1/3 in {str(dt):<14} = {third.to(dt).item():.17f}   eps = {torch.finfo(dt).eps:.2e}")

# %% [markdown]
# When dtypes are mixed, PyTorch *promotes* to the type that can hold both; dividing
# integers gives a float. Integer tensors are what indices and class labels use.

# %%
print("int64 + float32   ->", (i64 + f32).dtype)
print("float16 + float32 ->", (f16 + f32).dtype)
print("int64 / 2         ->", (i64 / 2).dtype, i64 / 2)
print("int64 // 2        ->", (i64 // 2).dtype, i64 // 2)
print("f32.to(float16)   ->", f32.to(torch.float16).dtype, " f32.half() ->", f32.half().dtype)

# %% [markdown]
# ### Exercise 1.2 (a): the dot product
#
# With the sheet's $\mathbf{x} = [1, 2, 3]$ and $\mathbf{w} = [0.5, -0.3, 0.8]$,
# `torch.dot` evaluates $\sum_i x_i w_i$:

# %%
x = torch.tensor([1.0, 2.0, 3.0])
w = torch.tensor([0.5, -0.3, 0.8])
dot = torch.dot(x, w)
terms = " + ".join(f"{fmt(a)} \\cdot ({fmt(b)})" for a, b in zip(x.tolist(), w.tolist()))
show_math(rf"\mathbf{{x}} \cdot \mathbf{{w}} = {terms} = {fmt(dot)}")
print("torch.dot(x, w) =", dot)

# %% [markdown]
# ### Exercise 1.2 (b): a matrix–vector product
#
# A random $\mathbf{W} \in \mathbb{R}^{3 \times 2}$ and $\mathbf{x} \in \mathbb{R}^{2}$;
# `W @ x` (the same as `torch.matmul(W, x)`) has shape $(3,)$: the inner sizes 2 and 2
# match, and the outer size 3 remains.

# %%
W = torch.randn(3, 2)
x2 = torch.randn(2)
Wx = W @ x2  # (3,)
rows = r" \\ ".join(
    f"{fmt(W[i, 0])} \\cdot ({fmt(x2[0])}) + {fmt(W[i, 1])} \\cdot ({fmt(x2[1])})" for i in range(3)
)
show_math(rf"\mathbf{{W}}\mathbf{{x}} = {bmatrix(W)} {bmatrix(x2)} = \begin{{bmatrix}} {rows} \end{{bmatrix}} = {bmatrix(Wx)}")
print("W @ x =", Wx, " shape:", Wx.shape)
print("torch.matmul(W, x) equal:", torch.equal(torch.matmul(W, x2), Wx))

# %% [markdown]
# ### Exercise 1.2 (c): element-wise addition and broadcasting
#
# Two $(2, 3)$ tensors add entry by entry. Adding a $(3,)$ tensor to a $(2, 3)$ tensor
# broadcasts: by the rules in the derivation the vector is added to each row.

# %%
A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
B = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
b = torch.tensor([100.0, 200.0, 300.0])
print("A + B =\n", A + B)
print("A + b =\n", A + b, tuple((A + b).shape))
print("b stretched to (2, 3): stride", b.expand(2, 3).stride(), "- the 0 means no copy")

# %% [markdown]
# ### Broadcasting rules, shape by shape
#
# The table below is computed: for each pair of shapes the code tries the addition and
# records the result's shape or the failure. The "aligned" column pads the shorter
# shape with 1s on the left (rule 1).

# %%
def aligned(shape: tuple, ndim: int) -> tuple:
    return (1,) * (ndim - len(shape)) + tuple(shape)


pairs = [((2, 3), (3,)), ((2, 3), (2, 1)), ((3, 1), (1, 4)), ((4, 1, 3), (2, 1)), ((2, 3), (2,)), ((2, 3), (3, 2))]
lines = ["| left | right | aligned | result |", "|---|---|---|---|"]
for sa, sb in pairs:
    n = max(len(sa), len(sb))
    try:
        result = f"`{tuple((torch.zeros(sa) + torch.zeros(sb)).shape)}`"
    except RuntimeError:
        result = "**RuntimeError**"
    lines.append(f"| `{sa}` | `{sb}` | `{aligned(sa, n)}` vs `{aligned(sb, n)}` | {result} |")
show_markdown("\n".join(lines))

# %% [markdown]
# The failing case $(2, 3) + (2,)$, with the error caught and its message printed:

# %%
try:
    A + torch.tensor([1.0, 2.0])
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# Broadcasting aligns shapes **from the right**, so the vector's size 2 is compared with
# the *last* dimension of `A`, which is 3 (the "non-singleton dimension 1" of the message).
# The sizes differ and neither is 1, so rule 2 fails. Broadcasting never guesses that
# you meant the first dimension; to add one number per *row*, make that explicit with a
# $(2, 1)$ column, as `unsqueeze(1)` does:

# %%
per_row = torch.tensor([1.0, 2.0]).unsqueeze(1)  # (2, 1)
print(A + per_row, tuple((A + per_row).shape))

# %% [markdown]
# ### Matrix multiplication shape rules
#
# The lab manual's three cases. The first is caught and its message printed.

# %%
for sa, sb in [((3, 2), (3, 2)), ((2, 3), (3, 2)), ((3, 2), (2, 3))]:
    try:
        out = torch.rand(sa) @ torch.rand(sb)
        print(f"{sa} @ {sb} -> {tuple(out.shape)}")
    except RuntimeError as err:
        print(f"{sa} @ {sb} -> RuntimeError: {err}")

# %% [markdown]
# The message lists the two shapes: `mat1` is $3 \times 2$ and `mat2` is $3 \times 2$.
# In $(\mathbf{A}\mathbf{B})_{ik} = \sum_j A_{ij} B_{jk}$ the index $j$ runs over the 2
# columns of `A` and the 3 rows of `B` at once, which is impossible: the inner dimensions
# differ. Transposing one factor makes them match, and the outer dimensions decide the
# result:

# %%
M = torch.rand(3, 2)
print("M @ M.T :", tuple((M @ M.T).shape), "   M.T @ M :", tuple((M.T @ M).shape))

# %% [markdown]
# ### Element-wise versus matrix multiplication
#
# `*` multiplies matching entries; `@` multiplies *and sums*. For the lab's vector
# $[1, 2, 3]$:

# %%
v = torch.tensor([1, 2, 3])
products = [f"{a} \\cdot {a}" for a in v.tolist()]
show_math(
    rf"v \odot v = [{', '.join(products)}] = [{', '.join(map(str, (v * v).tolist()))}]"
    rf"\qquad v \cdot v = {' + '.join(products)} = {(v @ v).item()}"
)
print("v * v =", v * v, "   v @ v =", v @ v, "   torch.matmul(v, v) =", torch.matmul(v, v))

# %% [markdown]
# For matrices the two differ in shape as well as in value: `A * A` keeps $(2, 3)$,
# `A @ A.T` is $(2, 2)$ and `A @ A` fails.

# %%
print("A * A   =\n", A * A)
print("A @ A.T =\n", A @ A.T)

# %% [markdown]
# ### Lab exercise 1: reshape, view, stack, squeeze, unsqueeze
#
# `view` gives a new shape over the same storage, so writing through the view changes
# the original. `data_ptr()` is the address of the first element: equal addresses mean
# shared memory.

# %%
z = torch.arange(1.0, 10.0)  # (9,)
z_view = z.view(3, 3)
z_reshaped = z.reshape(1, 9)
z_view[0, 0] = 100.0  # write through the view ...
print("z after writing z_view[0, 0]:", z)  # ... and the original changed
print("same storage:", z_view.data_ptr() == z.data_ptr(), z_reshaped.data_ptr() == z.data_ptr())

# %% [markdown]
# `view` needs strides that fit the new shape. After a transpose the numbers are no longer
# in row order, so `view` refuses and `reshape` falls back to a copy:

# %%
zt = z_view.T  # (3, 3), strides (1, 3): not contiguous
print("contiguous:", zt.is_contiguous(), " strides:", zt.stride())
try:
    zt.view(9)
except RuntimeError as err:
    print("view ->", type(err).__name__ + ":", str(err).split(".")[0])
flat = zt.reshape(9)
print("reshape ->", flat, " copy:", flat.data_ptr() != z.data_ptr())

# %% [markdown]
# `stack` joins tensors of equal shape along a **new** dimension (`cat` joins along an
# existing one). `squeeze` removes dimensions of size 1 and `unsqueeze(d)` inserts one at
# position `d`; both are views.

# %%
s = torch.arange(1.0, 4.0)  # (3,)
print("stack dim=0:", tuple(torch.stack([s, 10 * s], dim=0).shape), " dim=1:", tuple(torch.stack([s, 10 * s], dim=1).shape))
print(torch.stack([s, 10 * s], dim=1))
print("cat:", tuple(torch.cat([s, 10 * s]).shape))
u = s.unsqueeze(0)  # (1, 3)
print("unsqueeze(0):", tuple(u.shape), " unsqueeze(1):", tuple(s.unsqueeze(1).shape), " squeeze:", tuple(u.squeeze().shape))

# %% [markdown]
# ### Lab exercise 2: `torch.permute`
#
# `permute` reorders dimensions, for instance an image stored as (height, width, colour
# channels) into the (channels, height, width) order that PyTorch's image layers expect.
# It is a view too: only the strides are reordered.

# %%
img = torch.rand(224, 224, 3)  # (H, W, C)
img_chw = img.permute(2, 0, 1)  # (C, H, W)
print("shapes:", tuple(img.shape), "->", tuple(img_chw.shape))
print("strides:", img.stride(), "->", img_chw.stride())
img[0, 0, 0] = 7.0
print("img_chw[0, 0, 0] after writing img[0, 0, 0]:", img_chw[0, 0, 0].item())

# %% [markdown]
# ### Lab exercise 3: indexing
#
# Indexing works as for Python lists, one index (or slice) per dimension, from the
# outermost dimension inwards. `:` keeps a whole dimension.

# %%
T3 = torch.arange(1, 10).reshape(1, 3, 3)
print(T3, tuple(T3.shape))
print("T3[0]       =", T3[0].tolist())
print("T3[0, 0]    =", T3[0, 0].tolist(), "  T3[0][0][0] =", T3[0][0][0].item())
print("T3[:, 0]    =", T3[:, 0].tolist(), "  (first row of every matrix)")
print("T3[:, :, 1] =", T3[:, :, 1].tolist(), "  (middle column)")
print("T3[0, 1, 1] =", T3[0, 1, 1].item(), "  T3[0, 0, :] =", T3[0, 0, :].tolist())
print("T3[0, :, 2] =", T3[0, :, 2].tolist(), "  T3[T3 > 6] =", T3[T3 > 6].tolist())

# %% [markdown]
# ### Lab exercise 4: the NumPy round trip
#
# This exercise is about NumPy, so NumPy is used here only. `torch.from_numpy` wraps
# the array's memory without copying, so an in-place change of the array shows in the
# tensor. NumPy's default float is `float64`, and the tensor keeps it; `.float()` makes a
# `float32` copy. `torch.tensor(array)` always copies.

# %%
import numpy as np

array = np.arange(1.0, 8.0)
from_np = torch.from_numpy(array)  # shares memory
copied = torch.tensor(array)  # independent copy
print("array:", array, array.dtype, " -> tensor dtype:", from_np.dtype, " .float():", from_np.float().dtype)
array += 1  # in place
print("from_numpy after array += 1:", from_np)
print("torch.tensor copy unchanged:", copied)

# %% [markdown]
# Back again: `.numpy()` also shares memory with a CPU tensor. A tensor on a GPU has to be
# copied to the CPU first, so device-agnostic code writes `.cpu().numpy()` (a no-op on
# the CPU).

# %%
ones7 = torch.ones(7)
back = ones7.cpu().numpy()
ones7.add_(1)  # in place
print("numpy after ones7.add_(1):", back, back.dtype, type(back).__name__)

# %% [markdown]
# ### Lab exercise 5: a random $(7, 7)$ tensor
#
# The lab uses `torch.rand`, uniform on $[0, 1)$.

# %%
X7 = torch.rand(7, 7)
print(X7)

# %% [markdown]
# ### Lab exercise 6: $(7, 7)$ times a random $(1, 7)$ tensor
#
# (The manual says "the tensor from 2"; it means the tensor from exercise 5.) The
# product $(7, 7) @ (1, 7)$ fails on the inner sizes 7 and 1; transposing the second
# tensor to $(7, 1)$ gives $(7, 7) @ (7, 1) \to (7, 1)$.

# %%
Y7 = torch.rand(1, 7)
try:
    X7 @ Y7
except RuntimeError as err:
    print("X7 @ Y7   -> RuntimeError:", err)
XY = X7 @ Y7.T  # (7, 1)
print("X7 @ Y7.T ->", tuple(XY.shape))
print(XY)

# %% [markdown]
# ### Lab exercise 7: two random $(2, 3)$ tensors on the GPU, device-agnostic
#
# `labkit.get_device()` returns CUDA when a GPU is present and the CPU otherwise, so the
# same code runs everywhere. The line below states what *this page* ran on. The tensors
# are drawn on the CPU and then moved, so their values are the same on every device.

# %%
device = get_device()
print("running on:", describe_device(device))
G1 = torch.rand(2, 3).to(device)
G2 = torch.rand(2, 3).to(device)
print(G1, G1.device)
print(G2, G2.device)

# %% [markdown]
# ### Lab exercise 8: their matrix product
#
# (The manual says "the tensors you created in 6"; it means those of exercise 7.) Two
# $(2, 3)$ tensors do not multiply; transposing the second gives
# $(2, 3) @ (3, 2) \to (2, 2)$.

# %%
G = G1 @ G2.T  # (2, 2), computed on `device`
print(G, tuple(G.shape), G.device)

# %% [markdown]
# ### Lab exercises 9 and 10: maximum, minimum and their indices
#
# "The output of 7" is the product from exercise 8. `argmax`/`argmin` without a `dim`
# return the index into the flattened tensor; `torch.unravel_index` turns it into a
# (row, column) pair.

# %%
print(f"max: {G.max().item():.4f}   min: {G.min().item():.4f}")
i_max, i_min = G.argmax(), G.argmin()
print("argmax (flat):", i_max.item(), " -> (row, col)", tuple(k.item() for k in torch.unravel_index(i_max, G.shape)))
print("argmin (flat):", i_min.item(), " -> (row, col)", tuple(k.item() for k in torch.unravel_index(i_min, G.shape)))
row_max = G.max(dim=1)  # per row: values and their column indices
print("max per row:", row_max.values, " at columns", row_max.indices)

# %% [markdown]
# ### Lab exercise 11: seed 7, $(1, 1, 1, 10) \to (10,)$
#
# `torch.manual_seed(7)` restarts the random number generator, so the ten numbers are
# the same on every run. `squeeze()` removes all four size-1 dimensions.

# %%
torch.manual_seed(7)
T1 = torch.rand(1, 1, 1, 10)
T2 = T1.squeeze()
print(T1, T1.shape)
print(T2, T2.shape)

# %% [markdown]
# ### Tensors track gradients (the sheet's key takeaway)
#
# Marking $\mathbf{w}$ with `requires_grad=True` makes PyTorch record the operations
# applied to it; `backward()` then computes $\nabla_{\mathbf{w}}(\mathbf{x} \cdot \mathbf{w})$,
# which the derivation says is $\mathbf{x}$.

# %%
w_g = torch.tensor([0.5, -0.3, 0.8], requires_grad=True)
y = torch.dot(x, w_g)
y.backward()
print("y =", y, "\nw.grad =", w_g.grad, "  x =", x)

# %% [markdown]
# ## Check
#
# Every built-in used above is compared with the definition written out by hand; each line
# prints the maximum absolute difference.

# %%
dot_loop = sum(x[i] * w[i] for i in range(3))
Wx_loop = torch.stack([sum(W[i, j] * x2[j] for j in range(2)) for i in range(3)])
XY_loop = torch.stack([sum(X7[i, j] * Y7[0, j] for j in range(7)) for i in range(7)]).unsqueeze(1)
compare("x . w", dot_loop, dot)
compare("W @ x", Wx_loop, Wx)
compare("X7 @ Y7.T", XY_loop, XY)
compare("A + b", A + b.unsqueeze(0).repeat(2, 1), A + b)
compare("G on device", G.cpu(), G1.cpu() @ G2.cpu().T)
compare("squeeze", T2, T1.reshape(10))
compare("numpy trip", torch.from_numpy(ones7.numpy()), ones7)
compare("dy/dw", w_g.grad, x)

# %% [markdown]
# ## Plot
#
# Broadcasting $(2, 3) + (3,)$ from exercise 1.2 (c): the vector `b` is one row in memory;
# the dashed second row is the copy that broadcasting pretends is there (stride 0), never
# stored. Each panel has its own colour scale.

# %%
def heatmap(ax: plt.Axes, values: torch.Tensor, title: str, virtual_rows: tuple = ()) -> None:
    """Draw a 2-D tensor as coloured cells labelled with their values; dash the virtual rows."""
    values = values.detach().cpu()
    lo, hi = values.min().item(), values.max().item()
    ax.imshow(values, cmap="viridis", vmin=lo, vmax=hi + 1e-9)
    for i, row in enumerate(values.tolist()):
        for j, val in enumerate(row):
            light_cell = (val - lo) / (hi - lo + 1e-9) > 0.6
            ax.text(j, i, fmt(val, 2), ha="center", va="center", fontsize=8,
                    color="#1f2937" if light_cell else "white", style="italic" if i in virtual_rows else "normal")
    for i in virtual_rows:
        ax.add_patch(plt.Rectangle((-0.45, i - 0.45), values.shape[1] - 0.1, 0.9, fill=False,
                                   edgecolor="white", linestyle="--", linewidth=1.5))
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.0))
heatmap(axes[0], A, "A  (2, 3)")
heatmap(axes[1], b.expand(2, 3), "b  (3,), broadcast to (2, 3)", virtual_rows=(1,))
heatmap(axes[2], A + b, "A + b  (2, 3)")
plt.show()

# %% [markdown]
# Lab exercise 6 as shapes: the $(7, 7)$ matrix times the $(7, 1)$ column gives a
# $(7, 1)$ column; each output entry is the dot product of one row of `X7` with the column.

# %%
fig, axes = plt.subplots(1, 3, figsize=(6.0, 3.2), gridspec_kw={"width_ratios": [7, 1.6, 1.6]})
heatmap(axes[0], X7, "X7\n(7, 7)")
heatmap(axes[1], Y7.T, "Y7.T\n(7, 1)")
heatmap(axes[2], XY, "X7 @ Y7.T\n(7, 1)")
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# **1. Key takeaway of §1: how are PyTorch tensors like NumPy arrays, and what do they add?**
#
# <details><summary>Answer</summary>
#
# They are the same kind of object: an $n$-dimensional array of one dtype with a shape and
# strides, indexed, sliced, reshaped and broadcast by the same rules. `torch.from_numpy` even
# wraps a NumPy array's memory without copying (lab exercise 4). Tensors add two things
# deep learning needs. They carry a **device**: `.to(device)` puts them on a GPU, where the
# same operations run in parallel (lab exercise 7). And they **track gradients**: with
# `requires_grad=True` PyTorch records the operations and `backward()` computes derivatives;
# above, the gradient of $\mathbf{x} \cdot \mathbf{w}$ with respect to $\mathbf{w}$ came out
# equal to $\mathbf{x}$, as derived.
#
# </details>
#
# **2. Why train networks with tensors rather than NumPy arrays?**
#
# <details><summary>Answer</summary>
#
# Training is mostly large matrix products and element-wise operations, repeated for
# millions of steps. NumPy runs them only on the CPU and cannot differentiate; with NumPy you
# would write every backward pass by hand (later tutorials do so once, to learn how, and
# check it against autograd). Tensors run the same code on a GPU, compute gradients
# automatically, and plug into `torch.nn` and `torch.optim`. NumPy stays useful around the
# model (loading data, plotting), which is why the cheap round trip of exercise 4 matters.
#
# </details>
#
# **3. Lab exercise 7 needs "access to a GPU". What happens without one, and what did this
# page run on?**
#
# <details><summary>Answer</summary>
#
# The code asks `get_device()` instead of writing `"cuda"`, so without a GPU it simply
# uses the CPU and gives the same numbers (the tensors are drawn on the CPU first). The
# line printed in exercise 7 states the device of this run. Two details make code
# device-agnostic: create or move every tensor with `.to(device)` (operands of one operation
# must live on the same device), and call `.cpu()` before `.numpy()`, because NumPy cannot
# read GPU memory.
#
# </details>
#
# **4. Which shape operations share memory with the original, and when does `view` fail?**
#
# <details><summary>Answer</summary>
#
# `view`, `squeeze`, `unsqueeze`, `permute`, `.T`, slicing, `expand` and `from_numpy` only
# change shape and strides, so they share memory: writing `z_view[0, 0]` changed `z`, and
# writing `img` changed `img_chw`. `view` requires that the new shape can be expressed with
# strides over the existing storage; after a transpose it cannot, and it raises, while
# `reshape` silently copies. `stack`, `cat`, `repeat`, `clone` and `torch.tensor(...)` always
# make new memory.
#
# </details>
#
# **5. Why does $(3, 2) @ (3, 2)$ fail while $(2, 3) + (3,)$ works?**
#
# <details><summary>Answer</summary>
#
# They follow different rules. A matrix product sums over the inner index, so the columns
# of the left factor must equal the rows of the right one: 2 against 3 fails, and one factor
# has to be transposed. Addition is element-wise and follows broadcasting: shapes are
# aligned from the right, $(2, 3)$ against $(1, 3)$, every pair is equal or 1, so the
# vector is reused for each row. Broadcasting fails only when aligned sizes differ and
# neither is 1, as for $(2, 3) + (2,)$.
#
# </details>
#
# **6. Which dtype should you use?**
#
# <details><summary>Answer</summary>
#
# `float32` (the default for decimals) for parameters and data: accurate enough for
# training and fast on every device. `float16` (or `bfloat16`) halves memory and is faster on
# GPUs, at the cost of precision (see its much larger `eps` above), so it is used in
# mixed-precision training with care. `float64` is for checks such as `gradcheck`, where
# rounding must not hide an error. `int64` (the default for integers) is for indices and
# class labels. Mixing dtypes promotes to the wider one.
#
# </details>

# %% [markdown]
# ## Summary
#
# - A tensor is an array with a shape, a dtype (`float32` and `int64` by default) and a
#   device; create it with `torch.tensor`, `rand`, `randn`, `ones`, `zeros`, `arange`.
# - `view`, `squeeze`, `unsqueeze`, `permute` and `.T` re-interpret the same memory;
#   `reshape` copies only when it must; `stack` and `cat` build new tensors.
# - `*` is element-wise, `@` is the matrix product: inner dimensions must match and the
#   outer ones remain.
# - Broadcasting aligns shapes from the right and stretches size-1 dimensions without
#   copying; two different sizes, neither 1, raise an error.
# - Write device-agnostic code with `labkit.get_device()`, `.to(device)` and
#   `.cpu().numpy()`; seed with `torch.manual_seed` for repeatable random numbers.
# - Unlike NumPy arrays, tensors run on GPUs and track gradients: `backward()` gave
#   $\nabla_{\mathbf{w}}(\mathbf{x} \cdot \mathbf{w}) = \mathbf{x}$.
