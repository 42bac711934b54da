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
# # Recurrent networks
#
# **Lab:** lab manual, Lab No 8, "Recurrent Neural Networks". The manual only titles this
# lab; the exercises below are written in its style: something to implement, then a
# question to answer with an experiment.
#
# **What you need:** tanh and its derivative ([Activation functions](02-activations.py)),
# the chain rule through a graph ([Backpropagation by hand](09-backprop-by-hand.py)),
# softmax and cross-entropy ([Softmax cross-entropy backprop](11-softmax-backprop.py)) and
# why products of small derivatives vanish ([Vanishing gradients](10-vanishing-gradients.py)).
#
# ## What you will learn
#
# - to measure a language model by its negative log-likelihood per character on names it
#   has never seen, starting from a bigram count model and its smoothing;
# - to write the recurrent cell $\mathbf{h}_t = \tanh(\mathbf{x}_t W_{ih}^\top +
#   \mathbf{h}_{t-1} W_{hh}^\top + \mathbf{b})$ and backpropagation through time by hand,
#   and to check both against PyTorch;
# - to train a character-level RNN on 23,596 names, beat the bigram, and sample new names
#   at two temperatures;
# - why gradients through time vanish or explode, measured step by step, and how gradient
#   clipping tames the exploding case.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [17.1 A bigram baseline](#exercise-171-a-bigram-baseline) | `bigram_probs`, `bigram_nll` | 2 |
# | [17.2 The RNN cell](#exercise-172-the-rnn-cell-by-hand) | `rnn_cell` | 1 |
# | [17.3 Backpropagation through time](#exercise-173-backpropagation-through-time) | `rnn_bptt` | 1 |
# | [17.4 A language model on names](#exercise-174-an-rnn-language-model-on-names) | `masked_char_nll` | 1 |
# | [17.5 Sampling names](#exercise-175-sampling-names-at-two-temperatures) | `temperature_probs` | 1 |
# | [17.6 Gradient norms over time](#exercise-176-gradient-norms-over-time) | an experiment | — |
# | [17.7 Gradient clipping](#exercise-177-gradient-clipping) | `clip_grad_norm` | 1 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import math
import textwrap
import time
from collections import Counter

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from labkit import compare, get_device, plot, rnn, seed_everything, selfcheck
from labkit import text
from labkit.display import answer, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()
f64 = dict(dtype=torch.float64, device=device)

# %% [markdown]
# ## Exercise 17.1: a bigram baseline
#
# *Count how often each character follows each other character in the training names,
# turn the counts into next-character probabilities with add-$\alpha$ smoothing, and
# measure the model by its negative log-likelihood per character on the validation and
# test names. Why is the test NLL infinite without smoothing, and which $\alpha$ is best?*
#
# **The data.** `labkit.text` ships the names of
# [makemore](https://github.com/karpathy/makemore), one lower-case name per line, with
# their MD5 sum, which it checks on every load. The file has one line per name and list
# (girls' names first, then boys'), so a name given to both appears twice. `names_split`
# keeps each distinct name once, then sends every tenth name to validation and the next
# to test, so no name is in two splits and "a new name" means "not in the training split".

# %%
print(textwrap.fill(text.CREDIT, 88))
all_names = text.load_names()
repeats = Counter(Counter(all_names).values())
train_names, val_names, test_names = (text.names_split(s) for s in text.SPLITS)
print(f"{len(all_names):,} lines; {len(set(all_names)):,} distinct names; "
      f"{repeats[2]:,} appear twice, none more often")
print(f"train / validation / test: {len(train_names):,} / {len(val_names):,} / "
      f"{len(test_names):,} names")
print("first training names:", ", ".join(train_names[:8]))
vocab = text.Vocab()
train_set = set(train_names)

# %% [markdown]
# A name is read one character at a time, starting from the boundary token `.` and
# ending with it: `emma` is the five predictions `. → e`, `e → m`, `m → m`, `m → a`,
# `a → .`. `text.make_examples(names, vocab, context=1)` lists these pairs as two index
# tensors, the current character $x$ and the next one $y$. Counting them gives the
# $27 \times 27$ matrix $N_{xy}$; the bigram model predicts with its rows,
#
# $$
# \begin{aligned}
# P(y \mid x) &= \frac{N_{xy} + \alpha}{\sum_{k} N_{xk} + V\alpha}, \\
# \text{NLL} &= -\frac{1}{E} \sum_{e=1}^{E} \ln P(y_e \mid x_e)
# \quad\text{(nats per character)},
# \end{aligned}
# $$
#
# where $V = 27$ and $E$ counts every character of the held-out names plus one end token
# per name. Adding $\alpha$ to every count is *smoothing*: it is the posterior mean of
# the probabilities under a symmetric Dirichlet prior with parameter $\alpha$, as if every
# pair had been seen $\alpha$ extra times. With $\alpha = 0$ a pair never seen in
# training gets probability 0, and one such pair in the test names makes the NLL
# infinite. A model that knows nothing, the uniform $1/27$, scores $\ln 27 \approx 3.30$.
#
# ### Your turn
#
# `torch.bincount` counts integers; the pair $(x, y)$ is the single integer $xV + y$.

# %%
def bigram_probs(X, Y, vocab_size, alpha):
    """P[x, y] = (N[x, y] + alpha) / sum_k (N[x, k] + alpha). X, Y: (E,) int64."""
    ### BEGIN SOLUTION
    counts = torch.bincount(X * vocab_size + Y, minlength=vocab_size**2)
    counts = counts.reshape(vocab_size, vocab_size).float() + alpha  # (V, V)
    return counts / counts.sum(1, keepdim=True)
    ### END SOLUTION


def bigram_nll(P, X, Y):
    """Mean of -ln P[x_e, y_e] over the E pairs: a 0-dim tensor."""
    ### BEGIN SOLUTION
    return -P[X, Y].log().mean()
    ### END SOLUTION


# %%
bigram_probs = selfcheck.check("bigram_probs", bigram_probs)
bigram_nll = selfcheck.check("bigram_nll", bigram_nll)

# %% [markdown]
# The validation names choose $\alpha$; the test names are scored once, at the end.

# %%
def pairs(names):
    X, Y = text.make_examples(names, vocab, context=1)  # X: (E, 1), Y: (E,)
    return X[:, 0], Y


X_train, Y_train = pairs(train_names)
X_val, Y_val = pairs(val_names)
X_test, Y_test = pairs(test_names)
V = vocab.size
uniform = math.log(V)  # the NLL of P(y | x) = 1/27
alphas = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
val_nll = [bigram_nll(bigram_probs(X_train, Y_train, V, a), X_val, Y_val).item()
           for a in alphas]
best_alpha = alphas[min(range(len(alphas)), key=val_nll.__getitem__)]
P_bigram = bigram_probs(X_train, Y_train, V, best_alpha)
bigram_test = bigram_nll(P_bigram, X_test, Y_test).item()
bigram_val = min(val_nll)
cells = [[f"${a:g}$", n if math.isfinite(n) else r"$\infty$"]
         for a, n in zip(alphas, val_nll)] + [["", ""]]  # two columns of (alpha, NLL)
show_markdown(table(["$\\alpha$", "validation NLL"] * 2,
                    [cells[i] + cells[i + 5] for i in range(5)], align="lrlr"))
print(f"best alpha on validation: {best_alpha}; test NLL {bigram_test:.4f}")

# %% [markdown]
# Where does the $\infty$ come from? The pairs of the held-out names that never occur in
# the training names:

# %%
counts = torch.bincount(X_train * V + Y_train, minlength=V * V)
unseen_val = int((counts[X_val * V + Y_val] == 0).sum())
is_unseen = counts[X_test * V + Y_test] == 0
unseen = sorted({vocab.decode([x, y]) for x, y in
                 zip(X_test[is_unseen].tolist(), Y_test[is_unseen].tolist())})
print(f"pairs never seen in training: {unseen_val} of {len(Y_val):,} validation pairs,")
print(f"{int(is_unseen.sum())} of {len(Y_test):,} test pairs: {', '.join(unseen)}")

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
ax.plot(alphas[1:], val_nll[1:], "o-", color=plot.COLORS[0], label="validation NLL")
ax.axvline(best_alpha, color=plot.INK, ls=":", label=f"best α = {best_alpha}")
ax.set(xscale="log", xlabel="smoothing α (pseudo-count per pair)",
       ylabel="nats per character", title="Bigram model: validation NLL against α")
ax.legend()
plt.show()

# %% tags=["hide-input"]
answer(
    r"Without smoothing the validation NLL is $\infty$: $@uv$ of the $@Ev$ validation "
    r"pairs never occur in the training names (and $@ut$ of the $@Et$ test pairs, the "
    r"rare letter combinations listed above), so the model gives them probability 0 "
    r"and $-\ln 0 = \infty$. Any $\alpha > 0$ fixes that. Small $\alpha$ trusts the "
    r"counts; large $\alpha$ pulls every row towards the uniform distribution, which "
    r"costs likelihood on the common pairs. The validation NLL is lowest at $\alpha = "
    r"@a$ ($@v$ nats), and the curve is flat over two decades of $\alpha$: with $@En$ "
    r"training pairs, smoothing only matters for the rare ones. On the test names the "
    r"bigram scores **$@t$ nats per character**, the baseline for the rest of the "
    r"page; the uniform model scores $\ln 27 = @u$.",
    uv=unseen_val, Ev=len(Y_val), ut=int(is_unseen.sum()), Et=len(Y_test),
    En=len(Y_train), a=best_alpha, v=bigram_val, t=bigram_test, u=uniform,
)

# %% [markdown]
# ## Exercise 17.2: the RNN cell by hand
#
# *Write one step of the tanh RNN cell and check it against `nn.RNNCell` with the same
# weights. Then run it over a sequence: how many parameters does the network have for a
# sequence of length $T$?*
#
# A bigram sees one character. A recurrent network carries a *hidden state*
# $\mathbf{h}_t$ that summarises everything read so far, and updates it with the same
# weights at every step. For a batch with one sequence per row ($\mathbf{x}_t$: N × input,
# $\mathbf{h}_t$: N × hidden) and torch's weight orientation (out × in):
#
# $$
# \mathbf{h}_t = \tanh\bigl(\mathbf{x}_t W_{ih}^\top + \mathbf{b}_{ih}
#   + \mathbf{h}_{t-1} W_{hh}^\top + \mathbf{b}_{hh}\bigr),
# $$
#
# with $W_{ih}$: hidden × input, $W_{hh}$: hidden × hidden and two bias vectors (torch
# keeps both, although only their sum matters).
#
# ### Your turn

# %%
def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One tanh RNN step. x: (N, input), h: (N, hidden); returns h_new (N, hidden)."""
    ### BEGIN SOLUTION
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
    ### END SOLUTION


# %%
rnn_cell = selfcheck.check("rnn_cell", rnn_cell)

# %% [markdown]
# **Check against PyTorch.** `rnn.params_from_torch` copies a torch cell's four weight
# tensors; one step, then a whole sequence against `nn.RNN` (time first, as
# `nn.RNN` expects without `batch_first`):

# %%
torch.manual_seed(1)
cell = nn.RNNCell(3, 5).to(device)
W_ih, W_hh, b_ih, b_hh = rnn.params_from_torch(cell)
x, h = torch.randn(4, 3, device=device), torch.randn(4, 5, device=device)
with torch.no_grad():
    compare("one step", rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh), cell(x, h))

seq_rnn = nn.RNN(3, 5).to(device)
X_seq = torch.randn(7, 4, 3, device=device)  # (T, N, input)
params = rnn.params_from_torch(seq_rnn)
h, H_mine = torch.zeros(4, 5, device=device), []
for x_t in X_seq:
    h = rnn_cell(x_t, h, *params)
    H_mine.append(h)
with torch.no_grad():
    compare("7 steps", torch.stack(H_mine), seq_rnn(X_seq)[0])
num_params = sum(p.numel() for p in seq_rnn.parameters())
print(f"nn.RNN(3, 5) has {num_params} parameters, for any sequence length")

# %% tags=["hide-input"]
answer(
    r"The cell equals `nn.RNNCell` to float32 rounding, one step or seven. The network "
    r"has $@n = 5 \cdot 3 + 5 \cdot 5 + 5 + 5$ parameters whatever $T$ is: the same "
    r"$W_{ih}, W_{hh}, \mathbf{b}_{ih}, \mathbf{b}_{hh}$ act at every step. Unrolled "
    r"over $T$ steps it is a $T$-layer network whose layers share their weights, which "
    r"is what lets it read names of any length.",
    n=num_params,
)

# %% [markdown]
# ## Exercise 17.3: backpropagation through time
#
# *Given the gradient of a loss with respect to every hidden state, $\mathrm{dH}_t =
# \partial L / \partial \mathbf{h}_t$ as the loss reads it, compute the gradients of the
# inputs, the initial state and the shared weights by walking the steps backwards. Check
# against autograd. Then: if the backward pass stops after $k$ steps (truncated BPTT), how
# wrong is $\partial L / \partial W_{hh}$?*
#
# **Derivation.** Write $\mathbf{a}_t$ for the pre-activation, $\mathbf{h}_t =
# \tanh(\mathbf{a}_t)$. The state $\mathbf{h}_t$ reaches the loss directly (through
# $\mathrm{dH}_t$) and through $\mathbf{a}_{t+1} = \dots + \mathbf{h}_t W_{hh}^\top$, so
# going backwards from $t = T$ (where the second term is 0):
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial \mathbf{h}_t} &= \mathrm{dH}_t
#   + \frac{\partial L}{\partial \mathbf{a}_{t+1}} W_{hh}, \\
# \frac{\partial L}{\partial \mathbf{a}_t} &= \frac{\partial L}{\partial \mathbf{h}_t}
#   \odot \bigl(1 - \mathbf{h}_t^2\bigr), \\
# \frac{\partial L}{\partial \mathbf{x}_t} &= \frac{\partial L}{\partial \mathbf{a}_t}
#   W_{ih}, \qquad
# \frac{\partial L}{\partial \mathbf{h}_0} = \frac{\partial L}{\partial \mathbf{a}_1}
#   W_{hh}.
# \end{aligned}
# $$
#
# The weights are shared by all steps, so their gradients are sums over $t$, each step
# using the state that entered it:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial W_{ih}} &= \sum_{t=1}^{T}
#   \Bigl(\frac{\partial L}{\partial \mathbf{a}_t}\Bigr)^{\!\top} \mathbf{x}_t, \\
# \frac{\partial L}{\partial W_{hh}} &= \sum_{t=1}^{T}
#   \Bigl(\frac{\partial L}{\partial \mathbf{a}_t}\Bigr)^{\!\top} \mathbf{h}_{t-1}, \\
# \frac{\partial L}{\partial \mathbf{b}} &= \sum_{t=1}^{T} \sum_{n}
#   \Bigl(\frac{\partial L}{\partial \mathbf{a}_t}\Bigr)_{n},
# \end{aligned}
# $$
#
# the same for $\mathbf{b}_{ih}$ and $\mathbf{b}_{hh}$.
#
# ### Your turn
#
# Run the forward pass first and keep every state, $\mathbf{h}_0$ included; then one loop
# from $t = T$ down to 1. Return `db` once (it is both biases' gradient).

# %%
def rnn_bptt(X, h0, W_ih, W_hh, b_ih, b_hh, dH):
    """X: (T, N, input), h0: (N, hidden), dH: (T, N, hidden).

    Returns (dX, dh0, dW_ih, dW_hh, db), shaped like X, h0, W_ih, W_hh, b_ih.
    """
    ### BEGIN SOLUTION
    hs = [h0]
    for x_t in X:
        hs.append(rnn_cell(x_t, hs[-1], W_ih, W_hh, b_ih, b_hh))
    dX = torch.zeros_like(X)
    dW_ih, dW_hh = torch.zeros_like(W_ih), torch.zeros_like(W_hh)
    db = torch.zeros_like(b_ih)
    dh_next = torch.zeros_like(h0)  # what step t + 1 sends back; nothing after T
    for t in reversed(range(len(X))):
        dh = dH[t] + dh_next  # dL/dh_t
        da = dh * (1 - hs[t + 1] ** 2)  # through tanh
        dX[t] = da @ W_ih
        dh_next = da @ W_hh
        dW_ih = dW_ih + da.T @ X[t]
        dW_hh = dW_hh + da.T @ hs[t]  # hs[t] is h_{t-1}
        db = db + da.sum(0)
    return dX, dh_next, dW_ih, dW_hh, db
    ### END SOLUTION


# %%
rnn_bptt = selfcheck.check("rnn_bptt", rnn_bptt)

# %% [markdown]
# **Check against autograd**, in float64 on a sequence of 12 steps with a loss that reads
# every state: $L = \sum_t \sum \mathrm{dH}_t \odot \mathbf{h}_t$, whose gradient with
# respect to $\mathbf{h}_t$ is exactly $\mathrm{dH}_t$.

# %%
g = torch.Generator().manual_seed(3)
T_b, N_b, n_in, n_hid = 12, 3, 4, 6
X_b = torch.randn(T_b, N_b, n_in, generator=g).to(**f64)
h0_b = torch.randn(N_b, n_hid, generator=g).to(**f64)
dH_b = torch.randn(T_b, N_b, n_hid, generator=g).to(**f64)
weights = [torch.randn(*s, generator=g).to(**f64) / n_hid**0.5
           for s in [(n_hid, n_in), (n_hid, n_hid), (n_hid,), (n_hid,)]]
mine = rnn_bptt(X_b, h0_b, *weights, dH_b)

leaves = [t.clone().requires_grad_() for t in (X_b, h0_b, *weights)]
h, loss = leaves[1], 0
for t in range(T_b):
    h = torch.tanh(leaves[0][t] @ leaves[2].T + leaves[4] + h @ leaves[3].T + leaves[5])
    loss = loss + (dH_b[t] * h).sum()
loss.backward()
for name, ours, leaf in zip(["dX", "dh0", "dW_ih", "dW_hh", "db"], mine, leaves):
    compare(name, ours, leaf.grad)
_ = compare("db_hh", mine[4], leaves[5].grad)

# %% [markdown]
# **Truncated BPTT.** The backward pass needs every state of the forward pass, so its
# memory grows with $T$. Long texts are therefore cut into windows of $k$ steps, and the
# state is passed on between windows *without* its gradient (`h.detach()`). On the same
# sequence, whose weights have entries of standard deviation $1/\sqrt{6}$ (the scale of
# torch's initialisation for 6 hidden units), how far is $\partial L / \partial W_{hh}$ from the full gradient?

# %%
def truncated_dW_hh(k):
    W = weights[1].clone().requires_grad_()
    h, loss = h0_b, 0
    for t in range(T_b):
        if t % k == 0:
            h = h.detach()  # no gradient flows back into the previous window
        h = torch.tanh(X_b[t] @ weights[0].T + weights[2] + h @ W.T + weights[3])
        loss = loss + (dH_b[t] * h).sum()
    loss.backward()
    return W.grad


windows = [1, 2, 3, 4, 6, 12]
rel_err = [((truncated_dW_hh(k) - mine[3]).norm() / mine[3].norm()).item()
           for k in windows]
show_markdown(table(["window $k$"] + [f"${k}$" for k in windows],
                    [["relative error of $\\partial L/\\partial W_{hh}$"]
                     + [e if e > 1e-12 else "$< 10^{-12}$" for e in rel_err]],
                    digits=3))

# %% tags=["hide-input"]
answer(
    r"All five gradients equal autograd's to float64 rounding. The weight gradients "
    r"are *sums over time*: step $t$ contributes through the state it received, and "
    r"through every later step its state influenced. Truncation drops the terms that "
    r"cross a window boundary. With $k = 1$ (no backpropagation through time at all) "
    r"the error is $@e1$, with $k = 3$ it is $@e3$ and with $k = 6$ still $@e6$; only "
    r"$k = 12$, the whole sequence, is exact. The error does not fall steadily ($k = "
    r"2$: $@e2$) because windows of different lengths cut the sequence at different "
    r"places. With these weights, the terms that cross more than a few steps are a "
    r"large part of the gradient, and a model trained with windows of $k$ steps gets "
    r"no gradient at all for what links steps more than $k$ apart.",
    e1=rel_err[0], e2=rel_err[1], e3=rel_err[2], e6=rel_err[4],
)

# %% [markdown]
# ## Exercise 17.4: an RNN language model on names
#
# *Train a character-level RNN on the training names to predict each next character, and
# measure its NLL per character on the validation and test names, over three seeds. Does
# it beat the bigram by a clear margin?*
#
# **The model.** Each character index becomes a learned vector of 16 numbers (an
# embedding, the row $E[x_t]$ of a $27 \times 16$ table), the RNN of exercise 17.2 with
# 64 hidden units reads them, and a linear layer turns every hidden state into 27 logits
# for the next character:
#
# $$
# \begin{aligned}
# \mathbf{h}_t &= \tanh\bigl(E[x_t] W_{ih}^\top + \mathbf{b}_{ih}
#   + \mathbf{h}_{t-1} W_{hh}^\top + \mathbf{b}_{hh}\bigr), \\
# P(x_{t+1} \mid x_1, \dots, x_t) &= \operatorname{softmax}\bigl(\mathbf{h}_t
#   W_{out}^\top + \mathbf{b}_{out}\bigr).
# \end{aligned}
# $$
#
# Unlike the bigram, the prediction can depend on every character so far. Names have
# different lengths, so a batch is padded: `text.pad_batch` returns inputs `. c1 … cL`,
# targets `c1 … cL .`, and the target $-100$ (`text.IGNORE_INDEX`) at the padded
# positions. The loss is the mean NLL over the *real* characters only, exactly the
# quantity the bigram was scored with.
#
# ### Your turn
#
# Use `log_softmax` over the vocabulary, pick the target's entry with `gather` (the
# padded targets, $-100$, must be replaced by a valid index first and then masked out).

# %%
def masked_char_nll(logits, targets):
    """logits: (N, T, V); targets: (N, T), -100 where padded. Mean NLL per character."""
    ### BEGIN SOLUTION
    mask = targets != text.IGNORE_INDEX  # (N, T)
    logp = logits.log_softmax(-1)  # (N, T, V)
    picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (N, T)
    return -(picked * mask).sum() / mask.sum()
    ### END SOLUTION


# %%
masked_char_nll = selfcheck.check("masked_char_nll", masked_char_nll)

# %% [markdown]
# `F.cross_entropy` does the same when given the logits with the vocabulary as axis 1;
# it skips targets equal to its `ignore_index`, $-100$ by default:

# %%
toy_in, toy_targets, toy_mask = text.pad_batch(["ava", "bo", "kai"], vocab)
print("targets (-100 = padding):", toy_targets.tolist())
toy_logits = torch.randn(3, toy_in.shape[1], V, device=device)
toy_targets = toy_targets.to(device)
_ = compare("masked NLL", masked_char_nll(toy_logits, toy_targets),
            F.cross_entropy(toy_logits.transpose(1, 2), toy_targets))

# %% [markdown]
# **Training.** Adam with learning rate $10^{-2}$, divided by 10 for the last 20 % of the
# 300 steps, each on 64 names drawn at random; a batch is cut to its longest name. The
# class takes the recurrent layer as an argument, so [the next page](18-lstm.py) can swap
# in an LSTM.

# %%
class CharRNN(nn.Module):
    """Embedding -> recurrent layer -> linear: next-character logits at every step."""

    def __init__(self, vocab_size, num_embed=16, num_hiddens=64, cell=nn.RNN):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, num_embed)
        self.rnn = cell(num_embed, num_hiddens, batch_first=True)
        self.out = nn.Linear(num_hiddens, vocab_size)

    def forward(self, inputs, state=None):  # inputs (N, T) -> logits (N, T, V)
        H, state = self.rnn(self.embed(inputs), state)
        return self.out(H), state


def to_device(names):
    inputs, targets, mask = text.pad_batch(names, vocab)
    return inputs.to(device), targets.to(device), mask.sum(1)


train_in, train_tg, train_len = to_device(train_names)
val_in, val_tg, _ = to_device(val_names)
test_in, test_tg, _ = to_device(test_names)


def train_lm(seed, cell=nn.RNN, steps=300, batch_size=64, lr=1e-2):
    torch.manual_seed(seed)
    model = CharRNN(V, cell=cell).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(0.8 * steps)], gamma=0.1)
    g = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        idx = torch.randint(len(train_names), (batch_size,), generator=g)
        T = int(train_len[idx].max())  # cut the padding the batch does not need
        logits, _ = model(train_in[idx, :T])  # 1. forward
        loss = masked_char_nll(logits, train_tg[idx, :T])  # 2. loss
        opt.zero_grad()
        loss.backward()  # 3. backward (through time)
        opt.step()  # 4. update
        sched.step()
        losses.append(loss.item())
    return model, losses


@torch.no_grad()
def nll(model, inputs, targets):
    return masked_char_nll(model(inputs)[0], targets).item()


seeds = [0, 1, 2]
start = time.process_time()
models, curves, rows = {}, {}, []
for seed in seeds:
    models[seed], curves[seed] = train_lm(seed)
    model = models[seed]
    rows.append([nll(model, val_in, val_tg), nll(model, test_in, test_tg)])
seconds = (time.process_time() - start) / len(seeds)
rnn_val, rnn_test = torch.tensor(rows).T  # (3,) each


def pm(values, digits=4):
    """mean ± std over seeds, as LaTeX."""
    return f"${values.mean():.{digits}f} \\pm {values.std():.{digits}f}$"


show_markdown(table(
    ["model", "validation NLL", "test NLL"],
    [["uniform", uniform, uniform],
     [f"bigram, α = {best_alpha}", bigram_val, bigram_test]]
    + [[f"RNN, seed {s}", v, t] for s, (v, t) in zip(seeds, rows)]
    + [["RNN, mean ± std", pm(rnn_val), pm(rnn_test)]],
))

# %% tags=["timing"]
print(f"training one RNN: {seconds:.1f} s of CPU time")

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
for seed, color in zip(seeds, plot.COLORS):
    c = torch.tensor(curves[seed])
    smooth = c.unfold(0, 20, 1).mean(1)  # running mean over 20 steps
    ax.plot(range(20, len(c) + 1), smooth, color=color,
            label=f"RNN, seed {seed} (train)")
ax.axhline(bigram_test, color=plot.INK, ls="--", label="bigram (test)")
ax.axhline(rnn_test.mean(), color=plot.COLORS[3], ls=":", label="RNN mean (test)")
ax.set(xlabel="training step (running mean over 20)", ylabel="nats per character",
       ylim=(2.0, 2.8),
       title="Character RNN on names: training loss against the bigram")
ax.legend()
plt.show()

# %% tags=["hide-input"]
margin = bigram_test - rnn_test
answer(
    r"Yes. After 300 steps the RNN's test NLL is $@m \pm @s$ nats per character over "
    r"three seeds, against the bigram's $@b$: it is lower by $@d$ nats, about $@pct$ "
    r"of the bigram's NLL and $@k$ times the seeds' standard deviation. Per character, "
    r"the RNN's probability of the right next character is on average $e^{@d} \approx "
    r"@ratio$ times the bigram's. The validation NLL ($@vm$) is close to the test NLL: "
    r"300 steps of 64 names draw $@seen$ names, fewer than the $@ntrain$ training "
    r"names, so the model has not had the chance to overfit. The gain comes from "
    r"context: the bigram predicts the letter after `a` the same way at the start and "
    r"at the end of a name; the RNN's state knows how much of the name has been read "
    r"and what came before.",
    m=rnn_test.mean(), s=rnn_test.std(), b=bigram_test, d=margin.mean(),
    pct=f"{100 * margin.mean() / bigram_test:.0f}\\,\\%", ratio=margin.mean().exp(),
    vm=rnn_val.mean(), k=int(margin.mean() / rnn_test.std()), seen=300 * 64,
    ntrain=len(train_names),
)

# %% [markdown]
# ## Exercise 17.5: sampling names at two temperatures
#
# *Generate names by sampling one character at a time from the model, at temperature
# $\tau = 0.5$ and $\tau = 1$: 20 names per temperature and seed. How many of them are
# already in the training set?*
#
# Sampling starts from the boundary token, draws the next character from the model's
# distribution, feeds it back in, and stops at the next boundary token. The temperature
# $\tau$ rescales the logits $\mathbf{z}$ before the softmax:
#
# $$
# p_i(\tau) = \frac{e^{z_i / \tau}}{\sum_j e^{z_j / \tau}} .
# $$
#
# $\tau = 1$ is the model's own distribution; $\tau < 1$ sharpens it towards the most
# likely character ($\tau \to 0$ is the argmax), $\tau > 1$ flattens it towards uniform.
#
# ### Your turn

# %%
def temperature_probs(logits, temperature):
    """softmax(logits / temperature) over the last axis."""
    ### BEGIN SOLUTION
    return torch.softmax(logits / temperature, dim=-1)
    ### END SOLUTION


# %%
temperature_probs = selfcheck.check("temperature_probs", temperature_probs)

# %% [markdown]
# The sampler runs all 20 names as one batch and carries the RNN's state from step to
# step, so each step costs one cell update. The random draws come from a CPU generator
# with a fixed seed, so the names are the same on every machine.

# %%
@torch.no_grad()
def sample_names(model, n, temperature, seed, max_len=20):
    g = torch.Generator().manual_seed(seed)
    ids = torch.zeros(n, 1, dtype=torch.int64)  # every name starts after "."
    state, drawn = None, []
    for _ in range(max_len):
        logits, state = model(ids.to(device), state)  # (n, 1, V)
        probs = temperature_probs(logits[:, -1].cpu(), temperature)  # (n, V)
        ids = torch.multinomial(probs, 1, generator=g)  # (n, 1)
        drawn.append(ids[:, 0])
    names = []
    for row in torch.stack(drawn, 1).tolist():
        names.append(vocab.decode(row[: row.index(0)] if 0 in row else row))
    return names


temperatures = [0.5, 1.0]
samples = {(s, tau): sample_names(models[s], 20, tau, seed=100 + s)
           for s in seeds for tau in temperatures}
known = {key: sum(name in train_set for name in names)
         for key, names in samples.items()}


def marked(names):  # bold: already a training name
    return ", ".join(f"**{n}**" if n in train_set else (n or "(empty)") for n in names)


show_markdown(table(["τ", "20 names from the seed-0 RNN (bold: in the training set)"],
                    [[f"{tau}", marked(samples[0, tau])] for tau in temperatures]))
known_t = {tau: torch.tensor([float(known[s, tau]) for s in seeds])
           for tau in temperatures}
show_markdown(table(
    ["τ"] + [f"seed {s}" for s in seeds] + ["mean ± std"],
    [[f"{tau}"] + [known[s, tau] for s in seeds] + [pm(known_t[tau], 1)]
     for tau in temperatures],
))

# %% [markdown]
# For contrast, 20 names from the bigram ($\tau = 1$), which only knows the previous letter:

# %%
g = torch.Generator().manual_seed(100)
ids, drawn = torch.zeros(20, dtype=torch.int64), []
for _ in range(20):
    ids = torch.multinomial(P_bigram[ids], 1, generator=g)[:, 0]
    drawn.append(ids)
bigram_names = [vocab.decode(r[: r.index(0)] if 0 in r else r)
                for r in torch.stack(drawn, 1).tolist()]
bigram_known = sum(n in train_set for n in bigram_names)
show_markdown(table(["model", "20 names (bold: in the training set)"],
                    [["bigram", marked(bigram_names)]]))

# %% tags=["hide-input"]
answer(
    r"At $\tau = 0.5$, $@k5 \pm @s5$ of the 20 names per seed are already training "
    r"names; at $\tau = 1$, $@k1 \pm @s1$ (three seeds, 20 names each). The bigram's "
    r"20 include $@kb$, $@kbs$ of them with one or two letters. A low temperature "
    r"concentrates the draws on the most likely continuations, which are the common "
    r"patterns of real names, so it produces plausible names and, often, names that "
    r"exist; at $\tau = 1$ the model's full uncertainty shows and most names are new, "
    r"some odd. The bigram's names look much less like names: it cannot count letters, "
    r"so its names run from $@bmin$ to $@bmax$ letters (the RNN's at $\tau = 1$: "
    r"$@rmin$ to $@rmax$; the training names: $@tmin$ to $@tmax$), made of pairs that "
    r"only make sense locally. A name that is new is not necessarily good: the NLL of "
    r"exercise 17.4, not the novelty count, is the measure of the model.",
    k5=f"{known_t[0.5].mean():.1f}", s5=f"{known_t[0.5].std():.1f}",
    k1=f"{known_t[1.0].mean():.1f}", s1=f"{known_t[1.0].std():.1f}", kb=bigram_known,
    kbs=sum(n in train_set and len(n) <= 2 for n in bigram_names),
    bmin=min(map(len, bigram_names)), bmax=max(map(len, bigram_names)),
    rmin=min(len(n) for s in seeds for n in samples[s, 1.0]),
    rmax=max(len(n) for s in seeds for n in samples[s, 1.0]),
    tmin=min(map(len, train_names)), tmax=max(map(len, train_names)),
)

# %% [markdown]
# ## Exercise 17.6: gradient norms over time
#
# *For a loss that reads only the last state $\mathbf{h}_T$, plot
# $\lVert \partial L / \partial \mathbf{h}_t \rVert$ against $t$ for recurrent weights of
# different sizes. When does the gradient vanish, when does it explode?*
#
# **Derivation.** With no loss at the intermediate steps, BPTT's first line gives
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial \mathbf{h}_{t-1}}
#   &= \Bigl(\frac{\partial L}{\partial \mathbf{h}_t} \odot (1 - \mathbf{h}_t^2)\Bigr)
#   W_{hh}, \\
# \Bigl\lVert \frac{\partial L}{\partial \mathbf{h}_{t-1}} \Bigr\rVert
#   &\le \lVert W_{hh} \rVert_2 \, \Bigl\lVert \frac{\partial L}{\partial \mathbf{h}_t}
#   \Bigr\rVert ,
# \end{aligned}
# $$
#
# because $0 < 1 - h^2 \le 1$. Take $W_{hh} = \gamma Q$ with $Q$ a random orthogonal
# matrix, so that $\lVert W_{hh} \rVert_2 = \gamma$ exactly. For $\gamma < 1$ the gradient
# must shrink at least like $\gamma^{T-t}$: it **vanishes**. For $\gamma > 1$ it can grow
# like $\gamma^{T-t}$ and **explode**, as long as the units are not saturated
# ($1 - h^2$ near 1); saturation pulls every step's factor down.
#
# The experiment uses labkit's BPTT (`rnn.rnn_forward`, `rnn.rnn_backward`: the
# function of exercise 17.3, which also returns $\lVert \partial L / \partial
# \mathbf{h}_t \rVert$ for every $t$), in float64 so that tiny gradients keep their
# digits: 50 steps, 8 sequences of 4 random inputs, 32 hidden units, and a random
# $\partial L / \partial \mathbf{h}_{50}$.

# %%
g = torch.Generator().manual_seed(0)
T_n, N_n, hid = 50, 8, 32
X_n = torch.randn(T_n, N_n, 4, generator=g).to(**f64)
W_ih_n = (torch.randn(hid, 4, generator=g) / 2).to(**f64)
Q = torch.linalg.qr(torch.randn(hid, hid, generator=g, dtype=torch.float64))[0]
Q = Q.to(device)  # a random orthogonal matrix
zero_b = torch.zeros(hid, **f64)
dH_n = torch.zeros(T_n, N_n, hid, **f64)
dH_n[-1] = torch.randn(N_n, hid, generator=g).to(**f64)  # the loss reads h_T only
gains = [0.5, 0.9, 1.0, 1.5, 3.0]
norms, saturated = {}, {}
for gain in gains:
    H_n, cache = rnn.rnn_forward(X_n, torch.zeros(N_n, hid, **f64),
                                 (W_ih_n, gain * Q, zero_b, zero_b))
    norms[gain] = rnn.rnn_backward(dH_n, cache).dh_norms.cpu()  # (T,)
    saturated[gain] = (H_n.abs() > 0.99).double().mean().item()
factor = {gain: (n[0] / n[-1]) ** (1 / (T_n - 1)) for gain, n in norms.items()}
show_markdown(table(
    ["$\\gamma$", "$\\lVert\\partial L/\\partial h_{50}\\rVert$",
     "$\\lVert\\partial L/\\partial h_{1}\\rVert$", "mean factor per step",
     "saturated units"],
    [[g_, n[-1].item(), n[0].item(), factor[g_].item(), f"{saturated[g_]:.0%}"]
     for g_, n in norms.items()],
))

# %%
steps = torch.arange(1, T_n + 1)
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.6))
for gain, color in zip(gains, plot.COLORS):
    ax.plot(steps, norms[gain], color=color, label=f"γ = {gain}")
ax.set(yscale="log", xlabel="time step t (the loss reads h_50)",
       ylabel="‖∂L/∂h_t‖", title="Gradient norm through time, W_hh = γ·Q")
ax.legend(ncols=2)
plt.show()

# %% tags=["hide-input"]
answer(
    r"Read the plot from right to left, the way the gradient travels. With $\gamma = "
    r"0.5$ the gradient loses a factor $@f05$ per step and arrives at $\mathbf{h}_1$ "
    r"as $@n05$, $10^{@e05}$ times smaller than at $\mathbf{h}_{50}$: it **vanishes**, "
    r"and so does any information the first steps could learn from the loss. Even "
    r"$\gamma = 1$ (an orthogonal $W_{hh}$, which preserves norms) loses a factor "
    r"$@f10$ per step, because every $1 - h^2 < 1$ shrinks it. With $\gamma = 3$ the "
    r"gradient grows by $@f30$ per step to $@n30$ at $\mathbf{h}_1$: it **explodes**, "
    r"and one update would throw the weights far away. It grows by less than $\gamma = "
    r"3$ per step because $@sat$ of the units are saturated. With $\gamma = 1.5$ the "
    r"shrinking $1 - h^2$ still wins (factor $@f15$): the gradient explodes only well "
    r"above $\gamma = 1$. A vanilla RNN trained on long sequences lives on this knife "
    r"edge; the LSTM of the next page adds a path along which the gradient neither "
    r"vanishes nor explodes.",
    f05=factor[0.5], n05=norms[0.5][0],
    e05=int(torch.log10(norms[0.5][-1] / norms[0.5][0])),
    f10=factor[1.0], f15=factor[1.5], f30=factor[3.0], n30=norms[3.0][0],
    sat=f"{saturated[3.0]:.0%}".replace("%", r"\,\%"),
)

# %% [markdown]
# ## Exercise 17.7: gradient clipping
#
# *Write gradient clipping by norm: if the joint norm of all gradients exceeds a
# threshold, rescale them all so that it equals the threshold. Check it against
# `torch.nn.utils.clip_grad_norm_`, then train an RNN whose gradient explodes, with and
# without clipping. What does clipping change?*
#
# With all gradients $g_1, \dots, g_K$ seen as one long vector,
#
# $$
# \lVert g \rVert = \sqrt{\textstyle\sum_{k} \lVert g_k \rVert^2}, \qquad
# g_k \leftarrow g_k \cdot \min\Bigl(1, \frac{c}{\lVert g \rVert}\Bigr).
# $$
#
# The direction of the step is kept, only its length is capped at $c$ (torch adds
# $10^{-6}$ to $\lVert g \rVert$ to avoid dividing by zero).
#
# ### Your turn
#
# Return the clipped gradients as new tensors (leave the inputs unchanged) and the norm
# before clipping.

# %%
def clip_grad_norm(grads, max_norm):
    """grads: list of tensors. Returns (clipped list, total norm before clipping)."""
    ### BEGIN SOLUTION
    total = torch.sqrt(sum((g**2).sum() for g in grads))
    scale = min(1.0, max_norm / (total.item() + 1e-6))
    return [g * scale for g in grads], total
    ### END SOLUTION


# %%
clip_grad_norm = selfcheck.check("clip_grad_norm", clip_grad_norm)

# %% [markdown]
# **Check against PyTorch** on the exploding gradients of exercise 17.6 ($\gamma = 3$):
# `clip_grad_norm_` works in place on the `.grad` of parameters, so the gradients are put
# there first.

# %%
H_n, cache = rnn.rnn_forward(X_n, torch.zeros(N_n, hid, **f64),
                             (W_ih_n, 3.0 * Q, zero_b, zero_b))
grads3 = list(rnn.rnn_backward(dH_n, cache)[2:6])  # dW_ih, dW_hh, db_ih, db_hh
holders = [torch.zeros_like(t, requires_grad=True) for t in grads3]
for p, g_ in zip(holders, grads3):
    p.grad = g_.clone()
torch_total = nn.utils.clip_grad_norm_(holders, max_norm=1.0)
clipped3, total3 = clip_grad_norm(grads3, 1.0)
compare("total norm", total3, torch_total)
for name, mine_g, p in zip(["dW_ih", "dW_hh", "db_ih", "db_hh"], clipped3, holders):
    compare(name, mine_g, p.grad)

# %% [markdown]
# **Training with and without clipping.** An RNN of 32 units learns to map 8 sequences
# of 50 small inputs to targets for $\mathbf{h}_{50}$, $L = \frac{1}{2N} \sum_n \lVert
# \mathbf{h}_{50} - \mathbf{y} \rVert^2$, by gradient descent (learning rate 0.1, 100
# steps) with labkit's BPTT. The recurrent weights start at $W_{hh} = 1.1\,Q$ and the
# inputs are small, so the tanh units are in their linear range and the gradient grows
# by about 1.1 per step back.

# %%
g = torch.Generator().manual_seed(0)
X_c = (0.05 * torch.randn(50, 8, 4, generator=g)).to(**f64)
y_c = (0.5 * torch.randn(8, hid, generator=g).tanh()).to(**f64)
W_ih_c = (torch.randn(hid, 4, generator=g) / 2).to(**f64)


def descend(max_norm=None, steps=100, lr=0.1):
    params_c = [W_ih_c, 1.1 * Q, zero_b, zero_b]
    losses, grad_norms = [], []
    for _ in range(steps):
        H, cache = rnn.rnn_forward(X_c, torch.zeros(8, hid, **f64), params_c)
        losses.append((0.5 * ((H[-1] - y_c) ** 2).sum() / 8).item())
        dH = torch.zeros_like(H)
        dH[-1] = (H[-1] - y_c) / 8
        grads = list(rnn.rnn_backward(dH, cache)[2:6])
        if max_norm is not None:
            grads, total = clip_grad_norm(grads, max_norm)
        else:
            total = torch.sqrt(sum((g_**2).sum() for g_ in grads))
        grad_norms.append(total.item())
        params_c = [w - lr * g_ for w, g_ in zip(params_c, grads)]
    return losses, grad_norms, (H.abs() > 0.99).double().mean().item()


runs = {"no clipping": descend(), "clipped at 1": descend(max_norm=1.0)}

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.2))
for (label, (losses, grad_norms, _)), color in zip(runs.items(), plot.COLORS):
    ax1.plot(losses, color=color, label=label)
    ax2.plot(grad_norms, color=color, label=label)
ax1.set(yscale="log", xlabel="step", ylabel="loss", title="Loss")
ax2.set(yscale="log", xlabel="step", ylabel="‖g‖ before clipping",
        title="Gradient norm")
ax1.legend()
fig.suptitle("Gradient descent on an RNN with exploding gradients")
plt.show()

# %% tags=["hide-input"]
(loss_free, norm_free, sat_free), (loss_clip, norm_clip, sat_clip) = runs.values()
answer(
    r"Both runs start at the same loss, $@l0$, and the first gradient has norm $@g0$. "
    r"Without clipping, the first steps are too long: the loss rises instead of "
    r"falling ($@lf1$ after one step, $@lf10$ after ten), the gradient norm reaches "
    r"$@gfmax$, and after 100 steps the loss is $@lfend$, with $@sf$ of the units "
    r"saturated ($@sc$ with clipping), where their gradient is nearly 0. With clipping "
    r"at $c = 1$ every step has length at most $0.1 \cdot 1$; the loss falls to "
    r"$@lcend$. Clipping does not change the direction of the gradient, only its "
    r"length when it explodes, so it costs nothing when the gradient is tame. It does "
    r"nothing against *vanishing* gradients: a gradient that is too small is not made "
    r"larger. That needs a different architecture, the LSTM of the next page.",
    l0=loss_free[0], g0=norm_free[0], lf1=loss_free[1], lf10=loss_free[10],
    gfmax=max(norm_free), lfend=loss_free[-1], lcend=loss_clip[-1],
    sf=f"{sat_free:.0%}".replace("%", r"\,\%"),
    sc=f"{sat_clip:.0%}".replace("%", r"\,\%"),
)

# %% [markdown]
# ## Summary
#
# The cell, backpropagation through time and clipping live on in `labkit.rnn`
# (`rnn_cell_forward`, `rnn_forward` / `rnn_backward`, `clip_grad_norm`), which the next
# page reuses; the names data in `labkit.text`. They agree with yours:

# %%
x_s, h_s = torch.randn(4, 3, device=device), torch.randn(4, 5, device=device)
h_lab, _ = rnn.rnn_cell_forward(x_s, h_s, *params)
compare("rnn_cell", rnn_cell(x_s, h_s, *params), h_lab)
grads_lab = rnn.rnn_backward(dH_b, rnn.rnn_forward(X_b, h0_b, weights)[1])
for name, ours, lab in zip(["dX", "dh0", "dW_ih", "dW_hh", "db"], mine, grads_lab):
    compare(name, ours, lab)
clipped_lab, total_lab = rnn.clip_grad_norm(grads3, 1.0)
_ = compare("clip", torch.cat([c.flatten() for c in clipped3]),
            torch.cat([c.flatten() for c in clipped_lab]))

# %% [markdown]
# - A language model is measured by its NLL per character on held-out text. The bigram
#   count model needs smoothing (add-$\alpha$) to give unseen pairs a non-zero
#   probability; the uniform model scores $\ln 27 \approx 3.30$ nats.
# - The RNN cell $\mathbf{h}_t = \tanh(\mathbf{x}_t W_{ih}^\top + \mathbf{b}_{ih} +
#   \mathbf{h}_{t-1} W_{hh}^\top + \mathbf{b}_{hh})$ reuses its weights at every step;
#   BPTT walks the steps backwards and sums the weight gradients over time.
# - A character RNN beats the bigram on names clearly; sampling at a low temperature
#   gives plausible names, often existing ones, and at $\tau = 1$ mostly new ones.
# - Through time the gradient is multiplied by $(1 - \mathbf{h}_t^2) W_{hh}$ at every
#   step: it vanishes when $\lVert W_{hh} \rVert < 1$ (and often when it is 1), and can
#   explode when it is larger. Clipping by norm caps the exploding steps; nothing here
#   helps the vanishing ones.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Train the RNN longer (1,000 steps, or batches of 256) and with 128 hidden units.
#    Plot the validation NLL as it trains: where does it stop improving, and does the
#    gap to the training loss open?
# 2. Bengio et al.'s (2003) neural language model sees a fixed window: build it from
#    `text.make_examples(names, vocab, context=3)`, an embedding and an MLP. With the same
#    number of parameters as the RNN, which has the lower test NLL?
# 3. Add a window $k$ to the hand-written BPTT of exercise 17.3 (no gradient flows
#    further back than $k$ steps from each loss term) and compare it with the
#    `detach()` version: they truncate different terms. Which is closer to the full
#    gradient for the same $k$?
# 4. Repeat exercise 17.6 with a ReLU RNN (`nn.RNN(..., nonlinearity="relu")`) whose
#    $W_{hh}$ starts as the identity (Le et al., 2015). What happens to the gradient
#    norm over 50 steps?
#
# ## Next
#
# [Long short-term memory](18-lstm.py) writes the LSTM cell by hand and shows how its
# cell state keeps the gradient alive over 100 steps.
