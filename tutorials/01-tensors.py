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
#
# ## What you will learn
#
# - what a tensor is (shape, `ndim`, `dtype`, `device`), how to create one, and which
#   dtypes PyTorch picks and promotes to;
# - how `reshape`, `view`, `stack`, `squeeze`, `unsqueeze` and `permute` change the shape,
#   and which of them share memory with the original;
# - the dot product, the matrix–vector and matrix–matrix product, the shape rules that
#   decide whether `@` works, and how `*` differs from `@`;
# - the broadcasting rules, including a pair of shapes that fails and why;
# - indexing, the NumPy round trip, device-agnostic code, `max`/`argmax`, and what makes
#   tensors more than NumPy arrays: they track gradients.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [1.1 Creating and reshaping](#exercise-11-creating-and-manipulating-tensors) | `reshape_twice` | 1 |
# | [1.2 (a) The dot product](#exercise-12-a-the-dot-product) | `dot_product` | 1 |
# | [1.2 (b) Matrix times vector](#exercise-12-b-a-matrixvector-product) | `matvec` | 1 |
# | [1.2 (c) Broadcasting](#exercise-12-c-element-wise-addition-and-broadcasting) | `add_per_row` | 1 |
# | [Lab 1: reshape, view, stack, squeeze](#lab-exercise-1-reshape-view-stack-squeeze-unsqueeze) | `stack_columns` | 1 |
# | [Lab 2: `torch.permute`](#lab-exercise-2-torchpermute) | `hwc_to_chw` | 1 |
# | [Lab 3: indexing](#lab-exercise-3-indexing) | `take_column` | 1 |
# | [Lab 4: the NumPy round trip](#lab-exercise-4-the-numpy-round-trip) | a round trip | — |
# | [Lab 5: a random (7, 7) tensor](#lab-exercise-5-a-random-7-7-tensor) | one line | — |
# | [Lab 6: (7, 7) times (1, 7)](#lab-exercise-6-7-7-times-a-random-1-7-tensor) | `times_column` | 1 |
# | [Lab 7: tensors on the GPU](#lab-exercise-7-two-random-2-3-tensors-on-the-gpu) | device-agnostic code | — |
# | [Lab 8: their product](#lab-exercise-8-their-matrix-product) | `gram` | 1 |
# | [Lab 9: maximum and minimum](#lab-exercise-9-maximum-and-minimum) | `max_and_min` | 1 |
# | [Lab 10: where they are](#lab-exercise-10-the-positions-of-the-maximum-and-minimum) | `argmax_2d` | 1 |
# | [Lab 11: seed 7 and `squeeze`](#lab-exercise-11-seed-7-and-squeeze) | `squeeze_all` | 1 |
# | [§1's key takeaway: gradients](#key-takeaway-tensors-track-gradients) | two answers | — |
#
# Each exercise where you write code has a **Your turn** cell: a function to fill in, the
# worked solution folded under it, and a self-check that runs your function on random
# inputs and names the likely mistake. Download the *exercise notebook* (top of the page)
# to work on your own copy: there the solutions are blank and every self-check says "not
# attempted yet" until you write the function.

# %%
import textwrap

import matplotlib.pyplot as plt
import torch
from matplotlib import colors as mcolors

from labkit import compare, describe_device, get_device, plot, selfcheck
from labkit import seed_everything
from labkit.display import answer, paren, show_markdown, show_math, table
from labkit.figures import LIGHT

plot.use_style()
seed_everything(0)
print("torch", torch.__version__)

# %% [markdown]
# ## Exercise 1.1: creating and manipulating tensors
#
# *(a) Create a tensor from the list `[1, 2, 3, 4, 5]` and print its shape and data type.
# (b) Create a $3 \times 4$ tensor of random values from a standard normal distribution.
# (c) Create a $2 \times 3$ tensor of ones and one of zeros. (d) Reshape the tensor from (b)
# to shape $(2, 6)$ and then to $(12, 1)$.*
#
# **A tensor** is an $n$-dimensional array of numbers of one type. Its *shape*
# $(d_0, d_1, \dots, d_{n-1})$ lists the size of every dimension, its *rank* `ndim` is $n$,
# and it holds $d_0 d_1 \cdots d_{n-1}$ numbers. A scalar has rank 0, a vector rank 1, a
# matrix rank 2. The lab manual starts with one of each; `.item()` turns a one-element
# tensor into a Python number.

# %%
scalar = torch.tensor(7)
vector = torch.tensor([7, 7])
MATRIX = torch.tensor([[7, 8], [9, 10]])
TENSOR = torch.tensor([[[1, 2, 3], [3, 6, 9], [2, 4, 5]]])
examples = {"scalar": scalar, "vector": vector, "MATRIX": MATRIX, "TENSOR": TENSOR}
for name, t in examples.items():
    print(f"{name:<7} ndim={t.ndim}  shape={tuple(t.shape)}  numel={t.numel()}")
print("scalar.item() =", scalar.item(), type(scalar.item()).__name__)

# %% [markdown]
# (a) The list holds Python integers, so PyTorch picks its default integer type, `int64`:

# %%
t = torch.tensor([1, 2, 3, 4, 5])
print(t)
print("shape:", tuple(t.shape), " dtype:", t.dtype, " device:", t.device)

# %% [markdown]
# **Data types.** Every tensor has one dtype. Decimals default to `float32` (4 bytes each),
# integers to `int64` (8 bytes); `float16` halves the memory of `float32` but keeps only
# about three significant decimal digits. The `eps` column is the gap between 1 and the
# next representable number.

# %%
f32 = torch.tensor([3.0, 6.0, 9.0])
f16 = torch.tensor([3.0, 6.0, 9.0], dtype=torch.float16)
i64 = torch.tensor([3, 6, 9])
for name, x_ in [("f32", f32), ("f16", f16), ("i64", i64)]:
    print(f"{name}: dtype={x_.dtype}, bytes per element={x_.element_size()}")

third = torch.tensor(1 / 3, dtype=torch.float64)
eps = {dt: torch.finfo(dt).eps for dt in (torch.float16, torch.float32, torch.float64)}
for dt, e in eps.items():
    print(f"1/3 in {str(dt):<14} = {third.to(dt).item():.17f}   eps = {e:.2e}")

# %% [markdown]
# When dtypes are mixed, PyTorch *promotes* to the type that can hold both; dividing
# integers gives a float. Integer tensors are what indices and class labels use.

# %%
print("int64 + float32   ->", (i64 + f32).dtype)
print("float16 + float32 ->", (f16 + f32).dtype)
print("int64 / 2         ->", (i64 / 2).dtype, i64 / 2)
print("int64 // 2        ->", (i64 // 2).dtype, i64 // 2)
print("f32.half()        ->", f32.half().dtype)

# %% tags=["hide-input"]
answer(
    r"**Which dtype should you use?** `float32`, the default for decimals, for "
    r"parameters and data: accurate enough for training and fast on every device. "
    r"`float16` (or `bfloat16`) halves the memory and is faster on GPUs, but its gap "
    r"after 1 is $@e16$ against $@e32$ for `float32`, so it is used in mixed-precision "
    r"training, with care. `float64` ($@e64$) is for checks such as `gradcheck`, where "
    r"rounding must not hide an error. `int64` is for indices and class labels. Mixing "
    r"dtypes "
    r"promotes to the wider one.",
    e16=eps[torch.float16], e32=eps[torch.float32], e64=eps[torch.float64],
)

# %% [markdown]
# (b) `torch.randn` samples the standard normal distribution $\mathcal{N}(0, 1)$;
# `torch.rand` would draw uniformly from $[0, 1)$. (c) `torch.ones` and `torch.zeros`
# take the shape; the `_like` versions copy the shape (and dtype) of another tensor.

# %%
R = torch.randn(3, 4)
print(R)
print("shape:", tuple(R.shape), " dtype:", R.dtype)
ones = torch.ones(2, 3)
zeros = torch.zeros(2, 3)
print(ones, ones.dtype)
print(zeros, zeros.dtype)
print("zeros_like(t):", torch.zeros_like(t), " arange(0, 10):", torch.arange(0, 10))

# %% [markdown]
# (d) **How reshaping reads the numbers.** A tensor's numbers sit in one flat block of
# memory (the *storage*), row after row. For a contiguous $R \times C$ matrix, element
# $(i, j)$ is at position
#
# $$
# \text{offset}(i, j) = i \cdot C + j \cdot 1,
# $$
#
# so its *strides* are $(C, 1)$: step $C$ to go one row down, $1$ to go one column right.
# Reshaping keeps the storage and reads it in that order, so the first row of the
# $(2, 6)$ result is the first row of `R` followed by the first two numbers of its second
# row.
#
# ### Your turn
#
# Return `R` as a tensor with 2 rows, and as a column. `-1` in a shape means "whatever
# size makes the count right".

# %%
def reshape_twice(R):
    """R: (m, n) with m * n even. Returns (R as (2, m*n/2), R as (m*n, 1))."""
    ### BEGIN SOLUTION
    return R.reshape(2, -1), R.reshape(-1, 1)
    ### END SOLUTION


# %%
reshape_twice = selfcheck.check("reshape_twice", reshape_twice)

# %% [markdown]
# On `R` from (b), with the column printed transposed to save space:

# %%
R26, R121 = reshape_twice(R)
print(R26, tuple(R26.shape))
print(R121.T, tuple(R121.shape))
print("strides of R:", R.stride(), " of R26:", R26.stride())
print("shares memory with R:", R121.data_ptr() == R.data_ptr())

# %% [markdown]
# ## Exercise 1.2 (a): the dot product
#
# *Create $\mathbf{x} = [1, 2, 3]$ and $\mathbf{w} = [0.5, -0.3, 0.8]$ and compute their
# dot product with `torch.dot()`.*
#
# The dot product of $\mathbf{x}, \mathbf{w} \in \mathbb{R}^n$ multiplies matching entries
# and sums the products:
#
# $$
# \mathbf{x} \cdot \mathbf{w} = \sum_{i=1}^{n} x_i w_i .
# $$
#
# ### Your turn
#
# Write it with element-wise operations (`*` multiplies matching entries, `.sum()` adds
# all entries); `torch.dot` then checks it.

# %%
def dot_product(x, w):
    """x, w: (n,). Returns the 0-dimensional tensor sum_i x_i w_i."""
    ### BEGIN SOLUTION
    return (x * w).sum()
    ### END SOLUTION


# %%
dot_product = selfcheck.check("dot_product", dot_product)

# %% [markdown]
# With the sheet's vectors, against `torch.dot`:

# %%
x = torch.tensor([1.0, 2.0, 3.0])
w = torch.tensor([0.5, -0.3, 0.8])
dot = torch.dot(x, w)
_ = compare("x . w", dot_product(x, w), dot)

# %% tags=["hide-input"]
show_math(
    r"\mathbf{x} \cdot \mathbf{w}"
    r" = @x1 \cdot @w1 + @x2 \cdot @w2 + @x3 \cdot @w3 = @dot",
    x1=x[0], x2=x[1], x3=x[2], w1=w[0], w2=paren(w[1]), w3=w[2], dot=dot,
)

# %% [markdown]
# **Element-wise versus dot product.** `*` multiplies matching entries and keeps the
# shape; `@` (or `torch.matmul`) on two vectors multiplies *and sums*. For the lab's
# vector $v = [1, 2, 3]$:

# %%
v = torch.tensor([1, 2, 3])
print("v * v =", v * v, "  v @ v =", v @ v, "  matmul(v, v) =", torch.matmul(v, v))

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"v \odot v &= [1 \cdot 1,\ 2 \cdot 2,\ 3 \cdot 3] = @vv \\"
    r"v \cdot v &= 1 \cdot 1 + 2 \cdot 2 + 3 \cdot 3 = @vdot"
    r"\end{aligned}",
    vv=str((v * v).tolist()), vdot=int(v @ v),
)

# %% [markdown]
# ## Exercise 1.2 (b): a matrix–vector product
#
# *Create a matrix $\mathbf{W} \in \mathbb{R}^{3 \times 2}$ with random values and a vector
# $\mathbf{x} \in \mathbb{R}^2$. Compute $\mathbf{W}\mathbf{x}$ with `torch.matmul()` or
# the `@` operator.*
#
# Each output of $\mathbf{W} \in \mathbb{R}^{m \times n}$ times
# $\mathbf{x} \in \mathbb{R}^{n}$ is the dot product of one row of $\mathbf{W}$ with
# $\mathbf{x}$:
#
# $$
# (\mathbf{W}\mathbf{x})_i = \sum_{j=1}^{n} W_{ij} x_j ,
# \qquad \mathbf{W}\mathbf{x} \in \mathbb{R}^{m}.
# $$
#
# ### Your turn
#
# Write it without `@`: `W * x` broadcasts `x` over the rows of `W` (exercise 1.2 (c)
# explains how), and `.sum(dim=...)` adds along one dimension.

# %%
def matvec(W, x):
    """W: (m, n), x: (n,). Returns W x, shape (m,)."""
    ### BEGIN SOLUTION
    return (W * x).sum(dim=1)  # row i times x, summed over the columns j
    ### END SOLUTION


# %%
matvec = selfcheck.check("matvec", matvec)

# %% [markdown]
# A random $\mathbf{W}$ and $\mathbf{x}$ as the sheet asks; `W @ x` (the same as
# `torch.matmul(W, x)`) has shape $(3,)$: the inner sizes 2 and 2 match, the outer size 3
# remains.

# %%
W = torch.randn(3, 2)
x2 = torch.randn(2)
Wx = W @ x2  # (3,)
print("W @ x =", Wx, " shape:", tuple(Wx.shape))
_ = compare("matvec", matvec(W, x2), Wx)
_ = compare("torch.matmul", torch.matmul(W, x2), Wx)

# %% tags=["hide-input"]
show_math(
    r"\begin{aligned}"
    r"\mathbf{W}\mathbf{x} &= @W @x \\"
    r"&= \begin{bmatrix} @w11 \cdot @x1 + @w12 \cdot @x2 \\"
    r" @w21 \cdot @x1 + @w22 \cdot @x2 \\ @w31 \cdot @x1 + @w32 \cdot @x2 \end{bmatrix}"
    r" = @Wx"
    r"\end{aligned}",
    W=W, x=x2, Wx=Wx, x1=paren(x2[0]), x2=paren(x2[1]),
    w11=W[0, 0], w12=W[0, 1], w21=W[1, 0], w22=W[1, 1], w31=W[2, 0], w32=W[2, 1],
)

# %% [markdown]
# **The matrix product** of $\mathbf{A} \in \mathbb{R}^{m \times n}$ and
# $\mathbf{B} \in \mathbb{R}^{n \times p}$ does this for every column of $\mathbf{B}$:
#
# $$
# (\mathbf{A}\mathbf{B})_{ik} = \sum_{j=1}^{n} A_{ij} B_{jk},
# \qquad \mathbf{A}\mathbf{B} \in \mathbb{R}^{m \times p}.
# $$
#
# The sum runs over $j$, the column index of $\mathbf{A}$ and the row index of
# $\mathbf{B}$, which gives the lab manual's two shape rules:
#
# 1. the **inner** dimensions must match: $(m, \mathbf{n}) @ (\mathbf{n}, p)$;
# 2. the result has the **outer** dimensions: $(m, p)$.
#
# The lab manual's three cases; the first fails and its message is printed:

# %%
for sa, sb in [((3, 2), (3, 2)), ((2, 3), (3, 2)), ((3, 2), (2, 3))]:
    try:
        out = torch.rand(sa) @ torch.rand(sb)
        print(f"{sa} @ {sb} -> {tuple(out.shape)}")
    except RuntimeError as err:
        print(f"{sa} @ {sb} -> RuntimeError: {err}")

# %% [markdown]
# `mat1` is $3 \times 2$ and `mat2` is $3 \times 2$: in $\sum_j A_{ij} B_{jk}$ the index $j$
# would have to run over the 2 columns of `A` and the 3 rows of `B` at once. Transposing
# one factor makes the inner sizes match, and the outer sizes decide the result:

# %%
M = torch.rand(3, 2)
print("M @ M.T :", tuple((M @ M.T).shape), "   M.T @ M :", tuple((M.T @ M).shape))

# %% [markdown]
# For matrices, `*` and `@` differ in shape as well as in value: `A * A` keeps $(2, 3)$,
# `A @ A.T` is $(2, 2)$, and `A @ A` fails.

# %%
A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print("A * A   =\n", A * A)
print("A @ A.T =\n", A @ A.T)

# %% [markdown]
# ## Exercise 1.2 (c): element-wise addition and broadcasting
#
# *Create two tensors of shape $(2, 3)$ and add them element-wise. Then add a tensor of
# shape $(3,)$ to the $(2, 3)$ tensor (broadcasting).*
#
# **Broadcasting** lets an element-wise operation combine tensors of different shapes by
# treating size-1 (or missing) dimensions as if they were repeated:
#
# | step | rule |
# |---|---|
# | 1. align | write both shapes right-aligned; pad the shorter one on the left with 1s |
# | 2. compare | in every position the sizes must be **equal**, or one of them **1** |
# | 3. result | the result's size in each position is the larger of the two |
# | 4. stretch | a size-1 dimension is stretched, without copying (its stride is 0) |
# | fail | two different sizes, neither 1: the operation raises a `RuntimeError` |
#
# So $(2, 3) + (3,)$ aligns as $(2, 3) + (1, 3)$ and gives $(2, 3)$: the vector is added to
# every row.

# %%
B = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
b = torch.tensor([100.0, 200.0, 300.0])
print("A + B =\n", A + B)
print("A + b =\n", A + b, tuple((A + b).shape))
print("b stretched to (2, 3): stride", b.expand(2, 3).stride(), "- the 0 means no copy")
_ = compare("A + b", A + b, A + b.unsqueeze(0).repeat(2, 1))

# %% [markdown]
# The rules shape by shape: for each pair the code tries the addition and records the
# result's shape or the failure; "aligned" pads the shorter shape with 1s on the left.

# %%
def aligned(shape: tuple, ndim: int) -> str:
    return str((1,) * (ndim - len(shape)) + tuple(shape))


shape_pairs = [((2, 3), (3,)), ((2, 3), (2, 1)), ((3, 1), (1, 4)), ((4, 1, 3), (2, 1)),
               ((2, 3), (2,)), ((2, 3), (3, 2))]
rows = []
for sa, sb in shape_pairs:
    n = max(len(sa), len(sb))
    try:
        result = f"`{tuple((torch.zeros(sa) + torch.zeros(sb)).shape)}`"
    except RuntimeError:
        result = "**RuntimeError**"
    both = f"`{aligned(sa, n)}` vs `{aligned(sb, n)}`"
    rows.append([f"`{sa}`", f"`{sb}`", both, result])
show_markdown(table(["left", "right", "aligned", "result"], rows))

# %% [markdown]
# The failing case $(2, 3) + (2,)$, with the error caught and its message printed:

# %%
try:
    A + torch.tensor([1.0, 2.0])
except RuntimeError as err:
    print("RuntimeError:", textwrap.fill(str(err), 60))

# %% [markdown]
# Broadcasting aligns shapes **from the right**, so the vector's size 2 meets the *last*
# dimension of `A`, which is 3 (the "non-singleton dimension 1" of the message). To add one
# number per *row*, make the vector a $(2, 1)$ column, as `unsqueeze(1)` does.
#
# ### Your turn
#
# Add `r[i]` to every entry of row `i` of `A`.

# %%
def add_per_row(A, r):
    """A: (m, n), r: (m,). Returns A with r[i] added to row i, shape (m, n)."""
    ### BEGIN SOLUTION
    return A + r.unsqueeze(1)  # (m, n) + (m, 1)
    ### END SOLUTION


# %%
add_per_row = selfcheck.check("add_per_row", add_per_row)

# %%
per_row = torch.tensor([1.0, 2.0])
print(add_per_row(A, per_row))

# %% [markdown]
# The broadcast $(2, 3) + (3,)$ as a picture: `b` is one row in memory; the dashed second
# row is the copy that broadcasting pretends is there (stride 0) and never stores. Each
# panel shades its own values, darker for larger.

# %%
def draw_cells(ax, values, title, colour=plot.COLORS[0], virtual_rows=()):
    """A 2-D tensor as a grid of cells tinted by value, each labelled with its value."""
    values = values.detach().cpu().double()
    lo, hi = values.min().item(), values.max().item()
    for i, row in enumerate(values.tolist()):
        for j, value in enumerate(row):
            tint = 0.08 + 0.27 * (value - lo) / (hi - lo or 1.0)
            virtual = i in virtual_rows
            ax.add_patch(plt.Rectangle(
                (j - 0.5, i - 0.5), 1, 1, facecolor=mcolors.to_rgba(colour, tint),
                edgecolor=plot.INK if virtual else LIGHT["paper"],
                linestyle="--" if virtual else "-", linewidth=1.2))
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=9,
                    color=plot.INK, style="italic" if virtual else "normal")
    ax.set_xlim(-0.5, values.shape[1] - 0.5)
    ax.set_ylim(values.shape[0] - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)


fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 2.1))
draw_cells(axes[0], A, "A (2, 3)")
draw_cells(axes[1], b.expand(2, 3), "b (3,) broadcast", plot.COLORS[1],
           virtual_rows=(1,))
draw_cells(axes[2], A + b, "A + b (2, 3)", plot.COLORS[2])
plt.show()

# %% tags=["hide-input"]
answer(
    r"**Why does $(3, 2) @ (3, 2)$ fail while $(2, 3) + (3,)$ works?** They follow "
    r"different rules. A matrix product sums over the inner index, so the columns of "
    r"the left factor must equal the rows of the right one: 2 against 3 fails, and one "
    r"factor has to be transposed. Addition is element-wise and broadcasts: the shapes "
    r"align from the right as $(2, 3)$ and $(1, 3)$, every pair is equal or 1, so `b` "
    r"is reused for each row, and `A + b` has shape $@shape$. Broadcasting fails only "
    r"when aligned "
    r"sizes differ and neither is 1, as for $(2, 3) + (2,)$.",
    shape=str(tuple((A + b).shape)),
)

# %% [markdown]
# ## Lab exercise 1: reshape, view, stack, squeeze, unsqueeze
#
# *Illustrate the functions for reshaping, viewing, stacking, squeezing and unsqueezing
# tensors.*
#
# A *view* is a second shape-and-stride pair over the *same* storage: `view`, `squeeze`,
# `unsqueeze`, `permute`, transposition and slicing change only shape and strides, so
# writing through the view changes the original. `data_ptr()` is the address of the first
# element: equal addresses mean shared memory.

# %%
z = torch.arange(1.0, 10.0)  # (9,)
z_view = z.view(3, 3)
z_reshaped = z.reshape(1, 9)
z_view[0, 0] = 100.0  # write through the view ...
print("z after writing z_view[0, 0]:", z)  # ... and the original changed
print("same storage:", z_view.data_ptr() == z.data_ptr(),
      z_reshaped.data_ptr() == z.data_ptr())

# %% [markdown]
# `view` needs strides that fit the new shape. After a transpose the numbers are no
# longer in row order, so `view` refuses and `reshape` falls back to a copy:

# %%
zt = z_view.T  # (3, 3), strides (1, 3): not contiguous
print("contiguous:", zt.is_contiguous(), " strides:", zt.stride())
try:
    zt.view(9)
except RuntimeError as err:
    print("view -> RuntimeError:", textwrap.fill(str(err).split(".")[0], 60))
flat = zt.reshape(9)
print("reshape ->", flat, " copy:", flat.data_ptr() != z.data_ptr())

# %% [markdown]
# `stack` joins tensors of equal shape along a **new** dimension (`cat` joins along an
# existing one). `squeeze` removes dimensions of size 1 and `unsqueeze(d)` inserts one at
# position `d`; both are views.

# %%
s = torch.arange(1.0, 4.0)  # (3,)
print("stack dim=0:", tuple(torch.stack([s, 10 * s], dim=0).shape),
      " dim=1:", tuple(torch.stack([s, 10 * s], dim=1).shape))
print("cat:", tuple(torch.cat([s, 10 * s]).shape))
u = s.unsqueeze(0)  # (1, 3)
print("unsqueeze(0):", tuple(u.shape), " unsqueeze(1):", tuple(s.unsqueeze(1).shape),
      " squeeze:", tuple(u.squeeze().shape))

# %% [markdown]
# ### Your turn
#
# Put two vectors side by side as the two columns of a matrix.

# %%
def stack_columns(a, b):
    """a, b: (n,). Returns the (n, 2) matrix whose columns are a and b."""
    ### BEGIN SOLUTION
    return torch.stack([a, b], dim=1)
    ### END SOLUTION


# %%
stack_columns = selfcheck.check("stack_columns", stack_columns)

# %%
print(stack_columns(s, 10 * s))

# %% tags=["hide-input"]
answer(
    r"**Which shape operations share memory with the original, and when does `view` "
    r"fail?** `view`, `squeeze`, `unsqueeze`, `permute`, `.T`, slicing, `expand` and "
    r"`from_numpy` only change shape and strides, so they share memory: writing "
    r"`z_view[0, 0]` changed `z` to start with $@z0$. `view` needs a new shape that "
    r"strides over the existing storage can express; after a transpose (strides "
    r"$@strides$) they cannot, and it raises, while `reshape` copies. `stack`, `cat`, "
    r"`repeat`, `clone` and `torch.tensor(...)` always make new memory.",
    z0=z[0].item(), strides=str(zt.stride()),
)

# %% [markdown]
# ## Lab exercise 2: `torch.permute`
#
# *Illustrate the use of `torch.permute()`.*
#
# `permute` reorders dimensions: an image stored as (height, width, colour channels) goes
# to the (channels, height, width) order that PyTorch's image layers expect. Entry $k$ of
# the argument says which old dimension goes to place $k$. It is a view too: only the
# strides are reordered.
#
# ### Your turn

# %%
def hwc_to_chw(img):
    """img: (H, W, C). Returns the same pixels as (C, H, W)."""
    ### BEGIN SOLUTION
    return img.permute(2, 0, 1)
    ### END SOLUTION


# %%
hwc_to_chw = selfcheck.check("hwc_to_chw", hwc_to_chw)

# %% [markdown]
# On a $224 \times 224$ RGB image, the size the lab manual uses:

# %%
img = torch.rand(224, 224, 3)  # (H, W, C)
img_chw = hwc_to_chw(img)  # (C, H, W)
print("shapes:", tuple(img.shape), "->", tuple(img_chw.shape))
print("strides:", img.stride(), "->", img_chw.stride())
img[0, 0, 0] = 7.0
print("img_chw[0, 0, 0] after writing img[0, 0, 0]:", img_chw[0, 0, 0].item())

# %% [markdown]
# ## Lab exercise 3: indexing
#
# *Illustrate indexing in tensors.*
#
# Indexing works as for Python lists, one index (or slice) per dimension, from the
# outermost dimension inwards. `:` keeps a whole dimension; an integer index removes its
# dimension, a slice keeps it.

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
# ### Your turn
#
# Return column `j` of a matrix as a vector.

# %%
def take_column(M, j):
    """M: (m, n), j: an int in [0, n). Returns column j, shape (m,)."""
    ### BEGIN SOLUTION
    return M[:, j]
    ### END SOLUTION


# %%
take_column = selfcheck.check("take_column", take_column)

# %%
print("column 2 of T3[0]:", take_column(T3[0], 2).tolist())

# %% [markdown]
# ## Lab exercise 4: the NumPy round trip
#
# *Show how NumPy arrays are converted to tensors and back again to NumPy arrays.*
#
# This exercise is about NumPy, so NumPy is used here only. `torch.from_numpy` wraps the
# array's memory without copying, so an in-place change of the array shows in the tensor.
# NumPy's default float is `float64`, and the tensor keeps it; `.float()` makes a
# `float32` copy. `torch.tensor(array)` always copies.

# %%
import numpy as np  # noqa: E402 - only this exercise needs it

array = np.arange(1.0, 8.0)
from_np = torch.from_numpy(array)  # shares memory
copied = torch.tensor(array)  # independent copy
print("array:", array, array.dtype)
print("tensor dtype:", from_np.dtype, " .float():", from_np.float().dtype)
array += 1  # in place
print("from_numpy after array += 1:", from_np)
print("torch.tensor copy unchanged:", copied)

# %% [markdown]
# Back again: `.numpy()` also shares memory with a CPU tensor. A tensor on a GPU has to
# be copied to the CPU first, so device-agnostic code writes `.cpu().numpy()` (a no-op on
# the CPU).

# %%
ones7 = torch.ones(7)
back = ones7.cpu().numpy()
ones7.add_(1)  # in place
print("numpy after ones7.add_(1):", back, back.dtype, type(back).__name__)
_ = compare("numpy trip", torch.from_numpy(back), ones7)

# %% tags=["hide-input"]
answer(
    r"**Why train networks with tensors rather than NumPy arrays?** Training is mostly "
    r"large matrix products and element-wise operations, repeated for millions of "
    r"steps. NumPy runs them only on the CPU and cannot differentiate; with NumPy you "
    r"would write every backward pass by hand (later tutorials do so once, to learn "
    r"how, and check it against autograd). Tensors run the same code on a GPU, compute "
    r"gradients automatically, and plug into `torch.nn` and `torch.optim`. NumPy stays "
    r"useful around the model (loading data, plotting), which is why the round trip is "
    r"cheap: the "
    r"$@n$ numbers above were shared, not copied.",
    n=back.size,
)

# %% [markdown]
# ## Lab exercise 5: a random $(7, 7)$ tensor
#
# *Create a random tensor with shape $(7, 7)$.* The lab uses `torch.rand`, uniform on
# $[0, 1)$.

# %%
X7 = torch.rand(7, 7)
print(X7)

# %% [markdown]
# ## Lab exercise 6: $(7, 7)$ times a random $(1, 7)$ tensor
#
# *Perform a matrix multiplication on the tensor from 2 with another random tensor with
# shape $(1, 7)$ (hint: you may have to transpose the second tensor).* The manual's "the
# tensor from 2" is the tensor of exercise 5.
#
# The product $(7, 7) @ (1, 7)$ fails on the inner sizes 7 and 1; transposing the second
# tensor to $(7, 1)$ gives $(7, 7) @ (7, 1) \to (7, 1)$:

# %%
Y7 = torch.rand(1, 7)
try:
    X7 @ Y7
except RuntimeError as err:
    print("X7 @ Y7 -> RuntimeError:", err)

# %% [markdown]
# ### Your turn

# %%
def times_column(X, y):
    """X: (m, n), y: (1, n). Returns X times y as a column, shape (m, 1)."""
    ### BEGIN SOLUTION
    return X @ y.T  # (m, n) @ (n, 1)
    ### END SOLUTION


# %%
times_column = selfcheck.check("times_column", times_column)

# %% [markdown]
# Each entry of the result is the dot product of one row of `X7` with `Y7`, which a loop
# over the definition confirms:

# %%
XY = times_column(X7, Y7)
XY_loop = torch.stack([sum(X7[i, j] * Y7[0, j] for j in range(7)) for i in range(7)])
print("X7 @ Y7.T ->", tuple(XY.shape))
_ = compare("X7 @ Y7.T", XY_loop.unsqueeze(1), XY)

# %%
fig, axes = plt.subplots(1, 3, figsize=(plot.WIDTH, 3.9),
                         gridspec_kw={"width_ratios": [7, 1.4, 1.4]})
draw_cells(axes[0], X7, "X7 (7, 7)")
draw_cells(axes[1], Y7.T, "Y7.T", plot.COLORS[1])
draw_cells(axes[2], XY, "X7 @ Y7.T", plot.COLORS[2])
plt.show()

# %% [markdown]
# ## Lab exercise 7: two random $(2, 3)$ tensors on the GPU
#
# *Create two random tensors of shape $(2, 3)$ and send them both to the GPU (you'll need
# access to a GPU for this).*
#
# `labkit.get_device()` returns CUDA when a GPU is present and the CPU otherwise, so the
# same code runs everywhere. The tensors are drawn on the CPU and then moved, so their
# values are the same on every device. The first line says what *this page* ran on.

# %%
device = get_device()
print("running on:", describe_device(device))
G1 = torch.rand(2, 3).to(device)
G2 = torch.rand(2, 3).to(device)
print(G1, G1.device)
print(G2, G2.device)

# %% tags=["hide-input"]
answer(
    r"**What happens without a GPU?** The code asks `get_device()` instead of writing "
    r'`"cuda"`, so without a GPU it uses the CPU and gives the same numbers (the '
    r"tensors are drawn on the CPU first); this page ran on `@dev`. Two details make "
    r"code device-agnostic: create or move every tensor with `.to(device)` (the "
    r"operands of one operation must live on the same device), and call `.cpu()` "
    r"before `.numpy()`, because NumPy cannot read GPU memory.",
    dev=device.type,
)

# %% [markdown]
# ## Lab exercise 8: their matrix product
#
# *Perform a matrix multiplication on the tensors you created in 6 (again, you may have to
# adjust the shapes of one of the tensors).* The manual means the tensors of exercise 7.
# Two $(2, 3)$ tensors do not multiply; transposing the second gives
# $(2, 3) @ (3, 2) \to (2, 2)$.
#
# ### Your turn

# %%
def gram(G1, G2):
    """G1: (m, n), G2: (p, n). Returns the (m, p) products of their rows, G1 G2^T."""
    ### BEGIN SOLUTION
    return G1 @ G2.T
    ### END SOLUTION


# %%
gram = selfcheck.check("gram", gram)

# %% [markdown]
# On `device`, and against the same product computed on the CPU:

# %%
G = gram(G1, G2)  # (2, 2), computed on `device`
print(G, tuple(G.shape), G.device)
_ = compare("G on device", G.cpu(), G1.cpu() @ G2.cpu().T)

# %% [markdown]
# ## Lab exercise 9: maximum and minimum
#
# *Find the maximum and minimum values of the output of 7.* "The output of 7" is the
# product of exercise 8.
#
# ### Your turn

# %%
def max_and_min(G):
    """G: any shape. Returns (largest entry, smallest entry), each a 0-dim tensor."""
    ### BEGIN SOLUTION
    return G.max(), G.min()
    ### END SOLUTION


# %%
max_and_min = selfcheck.check("max_and_min", max_and_min)

# %%
G_max, G_min = max_and_min(G)
print(f"max: {G_max.item():.4f}   min: {G_min.item():.4f}")
row_max = G.max(dim=1)  # per row: values and their column indices
print("max per row:", row_max.values, " at columns", row_max.indices)

# %% [markdown]
# ## Lab exercise 10: the positions of the maximum and minimum
#
# *Find the maximum and minimum index values of the output of 7.*
#
# `argmax` and `argmin` without a `dim` return an index into the *flattened* tensor. The
# flattened order is the storage order of exercise 1.1 (d): row $r$, column $c$ of an
# $R \times C$ matrix has flat index $i = r \cdot C + c$, so $r = \lfloor i / C \rfloor$
# and $c = i \bmod C$.
#
# ### Your turn

# %%
def argmax_2d(G):
    """G: (R, C). Returns (row, column) of its largest entry, two ints."""
    ### BEGIN SOLUTION
    i = G.argmax().item()  # index into the flattened G
    num_cols = G.shape[1]
    return i // num_cols, i % num_cols
    ### END SOLUTION


# %%
argmax_2d = selfcheck.check("argmax_2d", argmax_2d)

# %% [markdown]
# `torch.unravel_index` does the same, and `-G` turns the minimum into a maximum:

# %%
i_max, i_min = G.argmax().item(), G.argmin().item()
print("argmax (flat):", i_max, "-> (row, col)", argmax_2d(G))
print("argmin (flat):", i_min, "-> (row, col)", argmax_2d(-G))
unravelled = tuple(k.item() for k in torch.unravel_index(G.argmax(), G.shape))
print("torch.unravel_index agrees:", unravelled == tuple(argmax_2d(G)))

# %% [markdown]
# ## Lab exercise 11: seed 7 and `squeeze`
#
# *Make a random tensor with shape $(1, 1, 1, 10)$ and then create a new tensor with all
# the 1 dimensions removed, to be left with a tensor of shape $(10)$. Set the seed to 7
# when you create it and print out the first tensor and its shape as well as the second
# tensor and its shape.*
#
# ### Your turn

# %%
def squeeze_all(t):
    """t: any shape. Returns t without its dimensions of size 1."""
    ### BEGIN SOLUTION
    return t.squeeze()
    ### END SOLUTION


# %%
squeeze_all = selfcheck.check("squeeze_all", squeeze_all)

# %% [markdown]
# `torch.manual_seed(7)` restarts the random number generator, so the ten numbers are the
# same on every run:

# %%
torch.manual_seed(7)
T1 = torch.rand(1, 1, 1, 10)
T2 = squeeze_all(T1)
print(T1, tuple(T1.shape))
print(T2, tuple(T2.shape))
_ = compare("squeeze", T2, T1.reshape(10))

# %% [markdown]
# ## Key takeaway: tensors track gradients
#
# *PyTorch tensors work similarly to NumPy arrays but can be moved to GPU and track
# gradients.*
#
# The dot product $y = \mathbf{x} \cdot \mathbf{w}$ of exercise 1.2 (a) changes with each
# weight at the rate
#
# $$
# \frac{\partial y}{\partial w_i} = \frac{\partial}{\partial w_i} \sum_{k} x_k w_k = x_i ,
# \qquad \text{so} \qquad \nabla_{\mathbf{w}}\, y = \mathbf{x}.
# $$
#
# Marking $\mathbf{w}$ with `requires_grad=True` makes PyTorch record the operations
# applied to it; `backward()` then computes this gradient:

# %%
w_g = torch.tensor([0.5, -0.3, 0.8], requires_grad=True)
y = torch.dot(x, w_g)
y.backward()
print(f"y = {y.item():.4f}   w.grad = {w_g.grad}   x = {x}")
_ = compare("dy/dw", w_g.grad, x)

# %% tags=["hide-input"]
answer(
    r"**How are PyTorch tensors like NumPy arrays, and what do they add?** They are "
    r"the same kind of object: an $n$-dimensional array of one dtype with a shape and "
    r"strides, indexed, sliced, reshaped and broadcast by the same rules, and "
    r"`torch.from_numpy` even wraps a NumPy array's memory (lab exercise 4). Tensors "
    r"add two things deep learning needs. They carry a **device**: `.to(device)` puts "
    r"them on a GPU, where the same operations run in parallel (lab exercise 7). And "
    r"they **track gradients**: with `requires_grad=True` PyTorch records the "
    r"operations and `backward()` computes derivatives. Above, the gradient of "
    r"$\mathbf{x} \cdot \mathbf{w}$ with respect to "
    r"$\mathbf{w}$ came out as $@grad$, which is $\mathbf{x}$, as derived.",
    grad=str(w_g.grad.tolist()),
)

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
#
# Every function you wrote here is one line of PyTorch; later pages use PyTorch's own
# versions (`@`, `torch.stack`, `permute`, `squeeze`, `argmax`).
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Write `matmul(A, B)` for $(m, n) @ (n, p)$ with broadcasting and one `.sum`, no `@`
#    and no loop. (Hint: give `A` and `B` shapes $(m, n, 1)$ and $(1, n, p)$.) How much
#    memory does the intermediate take for $m = n = p = 1000$?
# 2. `torch.einsum("ij,j->i", W, x)` is `W @ x`. Write the dot product, the matrix
#    product and `add_per_row` as `einsum` calls.
# 3. Time `X @ Y` against your loop version of lab exercise 6 for $n = 10, 100, 300$.
#    How does each grow with $n$?
#
# ## Next
#
# [Activation functions](02-activations.py) applies functions element-wise to tensors and
# differentiates them.
