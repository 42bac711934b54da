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
# # Encoder–decoders and VAEs
#
# **Lab:** lab manual, Lab No 10, "Encoder-Decoders and Variational Autoencoders", for the
# course outcome "Apply different types of auto encoders with dimensionality reduction and
# regularization". The manual only titles this lab; the exercises below are written in its
# style: something to implement, then a question to answer with an experiment.
#
# **What you need:** the LSTM and `nn.LSTM` ([Long short-term memory](18-lstm.py)),
# cross-entropy ([Softmax cross-entropy backprop](11-softmax-backprop.py)), a training
# loop on MNIST ([Feedforward networks](06-feedforward-networks.py)), and, for the last
# two exercises, the normal distribution and the expectation of a function of a random
# variable.
#
# ## What you will learn
#
# - to build an encoder–decoder that reads a whole sequence into one vector and writes
#   another sequence from it, to train it with *teacher forcing*, and to measure where
#   that single vector runs out of room;
# - that a linear autoencoder trained by gradient descent finds the subspace of PCA (not
#   its axes), checked with principal angles against the SVD of the data;
# - to train autoencoders with a 2-D code and a denoising autoencoder on MNIST, and to
#   judge them against PCA and against each other;
# - the variational autoencoder: the evidence lower bound (ELBO), the
#   reparameterisation trick, the Gaussian KL in closed form, and new digits decoded from
#   a 2-D latent space.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [19.1 A sequence-to-sequence model](#exercise-191-a-sequence-to-sequence-model) | `seq2seq_batch` | 1 |
# | [19.2 Where the context vector breaks](#exercise-192-where-the-context-vector-breaks) | an experiment | — |
# | [19.3 A linear autoencoder is PCA](#exercise-193-a-linear-autoencoder-learns-pcas-subspace) | `linear_ae_loss`, `principal_angles` | 2 |
# | [19.4 A 2-D autoencoder](#exercise-194-an-autoencoder-with-a-2-d-code) | `reconstruction_loss` | 1 |
# | [19.5 A denoising autoencoder](#exercise-195-a-denoising-autoencoder) | `corrupt` | 1 |
# | [19.6 The ELBO and the KL](#exercise-196-the-elbo-the-kl-and-the-reparameterisation-trick) | `gaussian_kl`, `reparameterize` | 2 |
# | [19.7 A VAE on MNIST](#exercise-197-a-vae-with-a-2-d-latent-space) | `negative_elbo` | 1 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from labkit import compare, generative, get_device, mnist, plot, seed_everything
from labkit import selfcheck
from labkit.display import answer, show_markdown, show_math, table

plot.use_style()
seed_everything(0)
device = get_device()
SEEDS = [0, 1, 2]


def mean_std(values, digits=3):
    """'mean ± std' of a list of numbers (the spread over seeds), for tables."""
    values = torch.as_tensor(values, dtype=torch.float64)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def pm(values, digits=3):
    r"""The same in LaTeX (± as \pm), for answers."""
    return mean_std(values, digits).replace("±", r"\pm")


# %% [markdown]
# ## Exercise 19.1: a sequence-to-sequence model
#
# *Build an encoder–decoder of two LSTMs that reverses strings of digits
# ($3\,1\,4\,1\,5 \mapsto 5\,1\,4\,1\,3$), train it with teacher forcing on strings of 2
# to 12 digits, and decode new strings greedily.*
#
# **The model.** The *encoder* LSTM reads the input digits $x_1, \dots, x_L$ and keeps
# only its final state, the *context* $(\mathbf{h}_L, \mathbf{c}_L)$: two vectors of 64
# numbers, whatever $L$ is. The *decoder* LSTM starts from that state and writes the
# output one digit at a time; at step $t$ its input is the previous output digit (a
# start symbol `BOS` at $t = 1$) and a linear layer turns its hidden state into the
# logits of the ten digits:
#
# $$
# \begin{aligned}
# (\mathbf{h}_L, \mathbf{c}_L) &= \operatorname{LSTM}_\text{enc}(x_1, \dots, x_L), \\
# \mathbf{s}_t &= \operatorname{LSTM}_\text{dec}(y_{t-1}, \mathbf{s}_{t-1}),
#   \quad \mathbf{s}_0 = (\mathbf{h}_L, \mathbf{c}_L),\ y_0 = \mathrm{BOS}, \\
# p(y_t \mid y_{<t}, x) &= \operatorname{softmax}(W \mathbf{h}^\text{dec}_t + \mathbf{b}).
# \end{aligned}
# $$
#
# **Teacher forcing.** In training, the decoder's input at step $t$ is the *true* digit
# $y_{t-1}$, not its own guess, so all $L$ steps run in one call and a mistake at step 2
# does not derail steps 3 to $L$. The decoder's input sequence is therefore the target
# shifted right by one step, with `BOS` in front. At test time there is no target: the
# decoder feeds back its own most likely digit (greedy decoding).
#
# ### Your turn
#
# Write the decoder input and the target for a batch of input strings.

# %%
BOS = 10  # the start symbol: one more than the largest digit


def seq2seq_batch(src, bos):
    """Teacher forcing for reversal. src: (N, L) int64 digits.

    Returns (decoder_in, target), both (N, L): target is each string reversed;
    decoder_in is bos followed by target[:, :-1].
    """
    ### BEGIN SOLUTION
    target = src.flip(1)  # reverse along time, not along the batch
    start = torch.full_like(src[:, :1], bos)  # (N, 1)
    decoder_in = torch.cat([start, target[:, :-1]], dim=1)
    return decoder_in, target
    ### END SOLUTION


# %%
seq2seq_batch = selfcheck.check("seq2seq_batch", seq2seq_batch)

# %%
example = torch.tensor([[3, 1, 4, 1, 5]])
example_in, example_target = seq2seq_batch(example, BOS)
print("input string: ", example.tolist()[0])
print("decoder input:", example_in.tolist()[0], "  (10 = BOS)")
print("target:       ", example_target.tolist()[0])


# %% [markdown]
# The model: embeddings of size 16, two `nn.LSTM` of 64 units, and a linear read-out.
# `greedy` decodes as many digits as the input has, because reversal keeps the length.

# %%
class Seq2Seq(nn.Module):
    """LSTM encoder-decoder: the encoder's final (h, c) is all the decoder gets."""

    def __init__(self, hidden=64, embed=16):
        super().__init__()
        self.embed_src = nn.Embedding(10, embed)
        self.embed_tgt = nn.Embedding(11, embed)  # ten digits and BOS
        self.encoder = nn.LSTM(embed, hidden, batch_first=True)
        self.decoder = nn.LSTM(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 10)

    def forward(self, src, decoder_in):  # teacher forcing: all steps in one call
        _, context = self.encoder(self.embed_src(src))  # (h, c), each (1, N, hidden)
        states, _ = self.decoder(self.embed_tgt(decoder_in), context)  # (N, L, hidden)
        return self.out(states)  # (N, L, 10) logits

    @torch.no_grad()
    def greedy(self, src):  # test time: feed back its own guesses
        _, state = self.encoder(self.embed_src(src))
        token = torch.full_like(src[:, :1], BOS)  # (N, 1)
        outputs = []
        for _ in range(src.shape[1]):
            step, state = self.decoder(self.embed_tgt(token), state)
            token = self.out(step).argmax(dim=-1)  # (N, 1)
            outputs.append(token)
        return torch.cat(outputs, dim=1)  # (N, L)


# %% [markdown]
# **Training.** Each step draws a length $L$ from 2 to 12 and a batch of 32 random
# strings of that length; Adam with learning rate $8 \times 10^{-3}$, gradients clipped
# to norm 1 (page 17), 300 steps. Three seeds (weights and data).

# %%
def train_seq2seq(seed, num_steps=300, batch_size=32, max_len=12):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = Seq2Seq().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=8e-3)
    for _ in range(num_steps):
        length = int(torch.randint(2, max_len + 1, (1,), generator=gen))
        src = torch.randint(10, (batch_size, length), generator=gen).to(device)
        decoder_in, target = seq2seq_batch(src, BOS)
        logits = model(src, decoder_in)  # 1. forward
        loss = F.cross_entropy(logits.reshape(-1, 10), target.reshape(-1))  # 2. loss
        optimizer.zero_grad()
        loss.backward()  # 3. backward
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()  # 4. update
    return model.eval()


start = time.process_time()
seq_models = [train_seq2seq(seed) for seed in SEEDS]
seq_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three encoder-decoders: {seq_seconds:.1f} s of CPU time")

# %% [markdown]
# ## Exercise 19.2: where the context vector breaks
#
# *Measure the exact-match accuracy (the whole string right) against the length, on new
# strings of 2 to 14 digits, and the accuracy of each output position at $L = 12$. Where
# does the model break, and why?*
#
# 300 new strings per length, the same for every seed.

# %%
eval_gen = torch.Generator().manual_seed(123)
test_lengths = list(range(2, 15))
test_strings = {L: torch.randint(10, (300, L), generator=eval_gen).to(device)
                for L in test_lengths}
exact = torch.zeros(len(SEEDS), len(test_lengths))  # (seeds, lengths)
digit_acc = torch.zeros(len(SEEDS), len(test_lengths))
forced_acc = torch.zeros(len(SEEDS))  # digit accuracy at L = 12 with teacher forcing
position_acc = torch.zeros(len(SEEDS), 12)  # per output position at L = 12
for i, model in enumerate(seq_models):
    for j, L in enumerate(test_lengths):
        src = test_strings[L]
        decoder_in, target = seq2seq_batch(src, BOS)
        correct = (model.greedy(src) == target).float().cpu()  # (300, L)
        exact[i, j] = correct.prod(dim=1).mean()
        digit_acc[i, j] = correct.mean()
        if L == 12:
            position_acc[i] = correct.mean(dim=0)
            with torch.no_grad():
                forced = model(src, decoder_in).argmax(dim=-1) == target
            forced_acc[i] = forced.float().mean().cpu()

show_markdown(table(
    ["$L$", "exact match", "digits right"],
    [[L, mean_std(exact[:, j]), mean_std(digit_acc[:, j])]
     for j, L in enumerate(test_lengths) if L in (2, 4, 6, 8, 10, 12, 14)],
))

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.3))
for values, label, color in [(exact, "exact match", plot.COLORS[0]),
                             (digit_acc, "digits right", plot.COLORS[1])]:
    ax1.errorbar(test_lengths, values.mean(0), yerr=values.std(0), marker="o", ms=4,
                 color=color, label=label, capsize=2)
ax1.axvspan(12.5, 14.5, color=plot.INK, alpha=0.1, lw=0)
ax1.text(13.5, 0.8, "longer than\ntrained", ha="center", fontsize=9, color=plot.INK)
ax1.set(xlabel="string length $L$", ylabel="accuracy (3 seeds)", ylim=(-0.03, 1.05))
ax1.set_title("accuracy against length")
ax1.legend(loc="lower left")
positions = torch.arange(1, 13)
ax2.errorbar(positions, position_acc.mean(0), yerr=position_acc.std(0), marker="o",
             ms=4, color=plot.COLORS[2], capsize=2)
ax2.set(xlabel="output position $t$ (needs input digit $13 - t$)", ylim=(0, 1.05))
ax2.set_title("each output digit, $L = 12$")
plt.show()

# %% tags=["hide-input"]
col = {L: j for j, L in enumerate(test_lengths)}
worst = int(position_acc.mean(0).argmin())
answer(
    r"Strings of up to 4 digits are almost always reversed exactly ($@e4$ at $L = 4$); "
    r"then exact match falls fast: $@e6$ at $L = 6$, $@e8$ at $L = 8$, $@e10$ at $L = "
    r"10$ and $@e12$ at $L = 12$, although every length up to 12 was trained equally "
    r"often. It is not a problem of unseen lengths. Per digit the decline is gentler "
    r"($@d12$ of the digits right at $L = 12$), and the right panel shows which digits "
    r"fail: the first outputs, which repeat the *last* digits read, are right ($@p1$ "
    r"at position 1), while the outputs that need the early inputs are mostly wrong: "
    r"$@pw$ at position @w, against 0.1 for guessing." "\n\n"
    r"The cause is the architecture. Everything the decoder knows about the input is "
    r"the encoder's final state, two vectors of 64 numbers, and the LSTM writes over "
    r"it at every step, so the early digits are the most overwritten. A longer string "
    r"has to fit more digits into the same vector. Teacher forcing hides part of the "
    r"damage: fed the true previous digits, the decoder gets $@tf$ of the digits right "
    r"at $L = 12$, against $@d12$ when it feeds back its own guesses, because one "
    r"wrong digit then changes every later input. *Attention* removes the bottleneck: "
    r"the decoder looks at all the encoder's states at every step, not only the last "
    r"one.",
    e4=pm(exact[:, col[4]]),
    e6=pm(exact[:, col[6]]), e8=pm(exact[:, col[8]]),
    e10=pm(exact[:, col[10]]), e12=pm(exact[:, col[12]]),
    d12=pm(digit_acc[:, col[12]]), p1=pm(position_acc[:, 0]),
    pw=pm(position_acc[:, worst]), w=worst + 1, tf=pm(forced_acc),
)

# %% [markdown]
# ## Exercise 19.3: a linear autoencoder learns PCA's subspace
#
# *Train a linear autoencoder $\mathbf{x} \mapsto D E \mathbf{x}$ with a code of $k = 8$
# numbers on centred MNIST images, by gradient descent. Show that its decoder spans the
# same subspace as the top 8 principal components from the SVD of the data: principal
# angles of about 0. Does it also find the principal axes themselves?*
#
# **The loss needs only the covariance.** With centred images $\mathbf{x}_n \in
# \mathbb{R}^{784}$, encoder $E$ ($k \times 784$) and decoder $D$ ($784 \times k$), expand
# the mean squared error and use $\mathbf{a}^\top \mathbf{b} = \operatorname{tr}(\mathbf{b}
# \mathbf{a}^\top)$ and the cyclic property of the trace:
#
# $$
# \begin{aligned}
# \mathcal{L}(E, D) &= \frac{1}{N} \sum_n \lVert \mathbf{x}_n - D E \mathbf{x}_n \rVert^2 \\
# &= \frac{1}{N} \sum_n \left( \mathbf{x}_n^\top \mathbf{x}_n
#   - 2\, \mathbf{x}_n^\top D E \mathbf{x}_n
#   + \mathbf{x}_n^\top E^\top D^\top D E \mathbf{x}_n \right) \\
# &= \operatorname{tr} C - 2 \operatorname{tr}(E C D)
#   + \operatorname{tr}(D^\top D\, E C E^\top),
# \qquad C = \frac{1}{N} \sum_n \mathbf{x}_n \mathbf{x}_n^\top .
# \end{aligned}
# $$
#
# So full-batch training costs products with the $784 \times 784$ matrix $C$, not with
# all 8,000 images, and has no minibatch noise.
#
# **What the optimum is.** $DE$ has rank at most $k$, and the best rank-$k$
# approximation (Eckart–Young) projects onto the top $k$ eigenvectors $V_k$ of $C$, the
# first $k$ right singular vectors of the data matrix. The smallest loss is the variance
# left out, $\mathcal{L}^* = \sum_{i > k} \lambda_i$ with $\lambda_i = s_i^2 / N$. But any
# invertible $k \times k$ matrix $A$ gives the same product: $D = V_k A$,
# $E = A^{-1} V_k^\top$. The loss fixes the *subspace* spanned by $D$'s columns, not the
# columns themselves.
#
# **Principal angles** compare two subspaces. Orthonormalise bases of both ($Q_A$, $Q_B$,
# e.g. by QR); the singular values of $Q_A^\top Q_B$ are the cosines of the principal
# angles $\theta_1 \le \dots \le \theta_k$. All angles are 0 exactly when the subspaces
# are equal; random 8-dimensional subspaces of $\mathbb{R}^{784}$ are close to $90°$.
#
# ### Your turn
#
# Write the loss from the covariance (the last line above) and the principal angles.

# %%
def linear_ae_loss(E, D, C):
    """Mean of ||x - D E x||^2 from the covariance. E: (k, d), D: (d, k), C: (d, d)."""
    ### BEGIN SOLUTION
    EC = E @ C  # (k, d): the only product with the (d, d) matrix C
    cross = torch.trace(EC @ D)  # tr(DEC) = tr(ECD), a (k, k) matrix
    quadratic = torch.trace((D.T @ D) @ (EC @ E.T))
    return torch.trace(C) - 2 * cross + quadratic
    ### END SOLUTION


def principal_angles(A, B):
    """Angles (radians, ascending) between the column spaces of A and B, both (d, k)."""
    ### BEGIN SOLUTION
    Q_A, _ = torch.linalg.qr(A)
    Q_B, _ = torch.linalg.qr(B)
    cosines = torch.linalg.svdvals(Q_A.T @ Q_B).clamp(max=1.0)  # rounding can pass 1
    return torch.acos(cosines)  # svdvals is descending, so the angles ascend
    ### END SOLUTION


# %%
linear_ae_loss = selfcheck.check("linear_ae_loss", linear_ae_loss)
principal_angles = selfcheck.check("principal_angles", principal_angles)

# %% [markdown]
# **The data and its SVD.** The 8,000 training images of the "lab" split, pixels in
# $[0, 1]$, centred. The autoencoder trains in `float64`, so that angles of a hundredth
# of a degree are not rounding. The SVD runs in `float32`, twice as fast; the last line
# measures how far its top 8 directions are from those of $C$ in `float64`.

# %%
data = mnist.load_mnist("lab", normalize=False)
print(mnist.CREDIT)
X_train, y_train = data.X_train.to(device), data.y_train.to(device)
X_test, y_test = data.X_test.to(device), data.y_test.to(device)
pixel_mean = X_train.mean(dim=0)
X_centred = X_train - pixel_mean  # (8000, 784)
_, S, Vh = torch.linalg.svd(X_centred, full_matrices=False)  # Vh: (784, 784)
Xc = X_centred.double()
C = Xc.T @ Xc / len(Xc)  # (784, 784)
eigenvalues = S.double() ** 2 / len(Xc)  # the eigenvalues of C, largest first
k = 8
V_k = Vh[:k].T.double()  # (784, k): the top k principal directions
best_loss = eigenvalues[k:].sum()
print("top 8 eigenvalues:", [round(v, 3) for v in eigenvalues[:k].tolist()])
V_k_float64 = torch.linalg.eigh(C).eigenvectors[:, -k:]  # eigh sorts ascending
svd_error = torch.rad2deg(principal_angles(V_k, V_k_float64)).max()
print(f"float32 SVD against float64 eigenvectors: largest angle {svd_error:.1e}°")

# %% [markdown]
# Check the covariance form against the mean over the images, for a random $E$ and $D$:

# %%
gen = torch.Generator().manual_seed(0)
E_rand = torch.randn(k, 784, generator=gen, dtype=torch.float64).to(device) / 28
D_rand = torch.randn(784, k, generator=gen, dtype=torch.float64).to(device) / 28
direct = ((Xc @ E_rand.T @ D_rand.T - Xc) ** 2).sum(dim=1).mean()
_ = compare("loss via C", linear_ae_loss(E_rand, D_rand, C), direct, atol=1e-9)

# %% [markdown]
# And the principal angles against an independent formula: the sine of the largest
# angle is the spectral norm of the difference of the two orthogonal projections,
# $\sin \theta_k = \lVert P_A - P_B \rVert_2$.

# %%
Q_rand, _ = torch.linalg.qr(D_rand)
P_difference = Q_rand @ Q_rand.T - V_k @ V_k.T
_ = compare("sin(max angle)", torch.sin(principal_angles(D_rand, V_k).max()),
            torch.linalg.matrix_norm(P_difference, ord=2), atol=1e-9)
random_angles = torch.rad2deg(principal_angles(D_rand, V_k))
print(f"a random subspace: angles from {random_angles[0]:.1f}° "
      f"to {random_angles[-1]:.1f}°")


# %% [markdown]
# **Training.** Gradient descent with momentum 0.9 and learning rate 0.02 on the
# covariance loss, 500 steps, from small random weights (columns of norm about 1; much
# larger ones diverge at this learning rate). Every 20 steps we record the largest
# principal angle between $D$'s columns and $V_k$.

# %%
def train_linear_ae(seed, num_steps=500, lr=0.02):
    gen = torch.Generator().manual_seed(seed)
    E = torch.randn(k, 784, generator=gen, dtype=torch.float64) / 28
    D = torch.randn(784, k, generator=gen, dtype=torch.float64) / 28
    E, D = E.to(device).requires_grad_(), D.to(device).requires_grad_()
    optimizer = torch.optim.SGD([E, D], lr=lr, momentum=0.9)
    largest_angle = []
    for step in range(num_steps + 1):
        if step % 20 == 0:
            largest_angle.append(principal_angles(D.detach(), V_k).max().item())
        if step == num_steps:
            break
        loss = linear_ae_loss(E, D, C)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return E.detach(), D.detach(), torch.tensor(largest_angle)


start = time.process_time()
linear_runs = [train_linear_ae(seed) for seed in SEEDS]
linear_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three linear autoencoders: {linear_seconds:.1f} s of CPU time")

# %%
rows = []
for seed, (E, D, _) in zip(SEEDS, linear_runs):
    angles = torch.rad2deg(principal_angles(D, V_k))
    column_cos = F.cosine_similarity(D, V_k, dim=0).abs().clamp(max=1)  # (k,)
    column_angles = torch.rad2deg(torch.acos(column_cos))  # column j against v_j
    rows.append([seed, linear_ae_loss(E, D, C).item(), best_loss.item(),
                 angles.max().item(), angles.mean().item(), column_angles.min().item()])
show_markdown(table(
    ["seed", r"loss $\mathcal{L}$", r"PCA's $\mathcal{L}^*$", "largest angle (°)",
     "mean angle (°)", r"smallest angle column $j$ to $\mathbf{v}_j$ (°)"],
    rows, digits=4,
))

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
steps = torch.arange(0, 501, 20)
for (_, _, largest_angle), seed, color in zip(linear_runs, SEEDS, plot.COLORS):
    ax.plot(steps, torch.rad2deg(largest_angle), color=color, label=f"seed {seed}")
ax.set_yscale("log")
ax.set(xlabel="gradient step", ylabel="largest angle (°)")
ax.set_title("largest principal angle between the decoder and PCA's top 8")
ax.legend()
plt.show()

# %% tags=["hide-input"]
largest = torch.tensor([r[3] for r in rows])
answer(
    r"Yes, the subspace: after 500 steps the largest of the 8 principal angles between "
    r"the decoder's columns and the top 8 right singular vectors is $@a$ degrees "
    r"(three seeds), from about $90°$ at the start, and the loss is within $@gap$ of "
    r"PCA's $\mathcal{L}^* = @best$. The angle shrinks geometrically (a straight line "
    r"on the log scale): each direction converges at a rate set by its eigenvalue gap, "
    r"and the smallest gap among the top 9 sets the pace." "\n\n"
    r"No, not the axes: no column of $D$ is within $@c$ degrees of its principal "
    r"direction. The loss only sees $DE$, so any basis of the subspace is as good as "
    r"PCA's, and gradient descent stops at whichever one it reaches. PCA's ordered, "
    r"orthogonal axes need an extra constraint (orthonormal $D$ with $E = D^\top$, "
    r"plus an ordering).",
    a=pm(largest), best=best_loss.item(),
    gap=max(r[1] - r[2] for r in rows),
    c=f"{min(r[5] for r in rows):.0f}",
)


# %% [markdown]
# ## Exercise 19.4: an autoencoder with a 2-D code
#
# *Train a nonlinear autoencoder 784 → 256 → 2 → 256 → 784 on MNIST. Draw the codes of
# the test images coloured by digit and compare some reconstructions with PCA's
# (a linear code of the same size). How much better is the nonlinear code?*
#
# The decoder outputs one logit per pixel and we read $\sigma(\text{logit})$ as the
# probability that the pixel is on (a Bernoulli decoder); pixel intensities in
# $[0, 1]$ serve as soft targets. The loss is the binary cross-entropy *summed* over the
# 784 pixels (the negative log-likelihood of the whole image) and averaged over the
# batch:
#
# $$
# \mathcal{L}_\text{rec} = \frac{1}{N} \sum_{n=1}^{N} \sum_{i=1}^{784}
#   -\left[ x_{ni} \log \sigma(\ell_{ni}) + (1 - x_{ni}) \log (1 - \sigma(\ell_{ni}))
#   \right].
# $$
#
# ### Your turn
#
# Use `F.binary_cross_entropy_with_logits`, which computes the bracket stably from the
# logits.

# %%
def reconstruction_loss(x_logits, x):
    """BCE summed over pixels, mean over the batch. x_logits, x: (N, 784)."""
    ### BEGIN SOLUTION
    per_pixel = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")
    return per_pixel.sum(dim=1).mean()
    ### END SOLUTION


# %%
reconstruction_loss = selfcheck.check("reconstruction_loss", reconstruction_loss)


# %% [markdown]
# The training loop serves this exercise and the next: `noise`, if given, corrupts the
# encoder's input while the loss compares with the clean image. Adam with learning
# rate $3 \times 10^{-3}$, batches of 128.

# %%
def mlp(*sizes):
    """Linear layers with ReLU between them (none after the last)."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def train_autoencoder(seed, sizes, num_epochs, noise=None):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    encoder, decoder = mlp(*sizes).to(device), mlp(*sizes[::-1]).to(device)
    params = [*encoder.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(params, lr=3e-3)
    for _ in range(num_epochs):
        for batch in torch.randperm(len(X_train), generator=gen).split(128):
            x = X_train[batch.to(device)]
            x_in = x if noise is None else noise(x, gen)
            loss = reconstruction_loss(decoder(encoder(x_in)), x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return encoder.eval(), decoder.eval()


@torch.no_grad()
def knn_accuracy(Z_train, Z_test, k=5):
    """Test accuracy of a k-nearest-neighbour vote among the training codes."""
    nearest = torch.cdist(Z_test, Z_train).topk(k, largest=False).indices  # (N_test, k)
    votes = y_train[nearest].mode(dim=1).values
    return (votes == y_test).float().mean().item()


start = time.process_time()
ae_models = [train_autoencoder(seed, (784, 256, 2), num_epochs=3) for seed in SEEDS]
ae_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three 2-D autoencoders: {ae_seconds:.1f} s of CPU time")

# %% [markdown]
# Two numbers per model, on the 2,000 test images: the squared error of the
# reconstruction per image, and how well the 2-D codes separate the digits, measured as
# the accuracy of a 5-nearest-neighbour vote among the training codes. PCA with 2
# components is the linear baseline (no seeds: it is computed, not trained).

# %%
V_2 = Vh[:2].T  # (784, 2)
pca_train = (X_train - pixel_mean) @ V_2
pca_test = (X_test - pixel_mean) @ V_2
pca_recon = (pixel_mean + pca_test @ V_2.T).clamp(0, 1)
pca_error = ((pca_recon - X_test) ** 2).sum(dim=1).mean().item()
ae_error, ae_knn = [], []
with torch.no_grad():
    for encoder, decoder in ae_models:
        recon = torch.sigmoid(decoder(encoder(X_test)))
        ae_error.append(((recon - X_test) ** 2).sum(dim=1).mean().item())
        ae_knn.append(knn_accuracy(encoder(X_train), encoder(X_test)))
show_markdown(table(
    ["2-D code", "squared error per test image", "5-NN accuracy of the codes"],
    [["PCA (2 components)", f"{pca_error:.2f}",
      f"{knn_accuracy(pca_train, pca_test):.3f}"],
     ["autoencoder (3 seeds)", mean_std(ae_error, 2), mean_std(ae_knn)]],
))


# %%
def scatter_codes(ax, Z, title, ticks=False):
    """Codes (N, 2) coloured by digit, each digit written at its median code."""
    Z, labels = Z.cpu(), y_test.cpu()
    ax.scatter(Z[:, 0], Z[:, 1], c=labels, cmap="tab10", s=3, alpha=0.6, vmin=-0.5,
               vmax=9.5, rasterized=True)
    for digit in range(10):
        centre = Z[labels == digit].median(dim=0).values
        ax.text(centre[0], centre[1], str(digit), fontsize=12, weight="bold",
                color=plot.INK, ha="center", va="center",
                bbox=dict(boxstyle="circle,pad=0.15", fc="white", ec="none", alpha=0.8))
    ax.set_title(title)
    if not ticks:
        ax.set_xticks([])
        ax.set_yticks([])


encoder, decoder = ae_models[0]
with torch.no_grad():
    ae_codes = encoder(X_test)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.6))
scatter_codes(ax1, pca_test, "PCA: first two components")
scatter_codes(ax2, ae_codes, "autoencoder's 2-D code (seed 0)")
plt.show()

# %%
with torch.no_grad():
    shown = X_test[:8]
    grid = torch.cat([shown, torch.sigmoid(decoder(encoder(shown))), pca_recon[:8]])
fig = plot.show_images(grid.cpu(), ncols=8)
fig.suptitle("test digits (top), autoencoder (middle) and PCA (bottom), both 2-D")
plt.show()

# %% tags=["hide-input"]
answer(
    r"With the same two numbers per image, the autoencoder does better on both counts, "
    r"though not by a wide margin after three epochs: a squared error of $@ae$ per "
    r"image against PCA's $@pca$, and a 5-nearest-neighbour vote among its codes is "
    r"right for $@knn$ of the test images, against $@pknn$ for PCA's two components. "
    r"In the scatter, PCA separates only the 0s and the 1s from a central crowd; the "
    r"autoencoder also pulls the 4-7-9 family into its own region, while 2, 3, 5, 6 "
    r"and 8 still overlap. The reconstructions show the same: both draw a blurred "
    r"prototype of a family (a 4 comes back as a 9-like shape), the autoencoder's "
    r"sharper. Two numbers are simply too few for ten digits in all their styles. Note "
    r"also that the codes have no particular scale and leave empty regions: nothing in "
    r"the loss asks them to fill the plane, so a random point need not decode to a "
    r"digit. The VAE below adds exactly that requirement.",
    ae=pm(ae_error, 2), pca=f"{pca_error:.2f}", knn=pm(ae_knn),
    pknn=knn_accuracy(pca_train, pca_test),
)


# %% [markdown]
# ## Exercise 19.5: a denoising autoencoder
#
# *Train an autoencoder 784 → 128 → 32 → 128 → 784 to reconstruct clean digits from
# noisy ones (Gaussian noise of standard deviation $\sigma = 0.5$, clamped to
# $[0, 1]$), and the same network without noise. Which removes noise better, and what
# does each do with a clean input?*
#
# A 32-number code is wide enough for an ordinary autoencoder to copy much of its input,
# noise included. Corrupting the input while asking for the clean image forbids that:
# the network must learn what digits look like. This is a *regularisation* of the
# autoencoder by its training data, in the spirit of data augmentation.
#
# ### Your turn

# %%
def corrupt(x, eps, sigma):
    """x + sigma * eps, clamped to [0, 1]. x, eps: same shape; eps ~ N(0, 1)."""
    ### BEGIN SOLUTION
    return (x + sigma * eps).clamp(0.0, 1.0)
    ### END SOLUTION


# %%
corrupt = selfcheck.check("corrupt", corrupt)


# %%
def add_noise(x, gen):
    return corrupt(x, torch.randn(x.shape, generator=gen).to(device), 0.5)


start = time.process_time()
plain_models = [train_autoencoder(seed, (784, 128, 32), num_epochs=2) for seed in SEEDS]
denoising_models = [train_autoencoder(seed, (784, 128, 32), num_epochs=2,
                                      noise=add_noise) for seed in SEEDS]
dae_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"six autoencoders with a 32-number code: {dae_seconds:.1f} s of CPU time")

# %% [markdown]
# The test images with fixed noise; every error is measured against the clean image.

# %%
noise_gen = torch.Generator().manual_seed(99)
X_noisy = add_noise(X_test, noise_gen)


def squared_error(images):
    return ((images - X_test) ** 2).sum(dim=1).mean().item()


errors = {}
with torch.no_grad():
    for name, models in [("plain autoencoder", plain_models),
                         ("denoising autoencoder", denoising_models)]:
        for input_name, inputs in [("noisy", X_noisy), ("clean", X_test)]:
            errors[name, input_name] = [
                squared_error(torch.sigmoid(dec(enc(inputs)))) for enc, dec in models]
noisy_error = squared_error(X_noisy)
show_markdown(table(
    ["model", "error on noisy input", "error on clean input"],
    [["none (the input itself)", f"{noisy_error:.2f}", "0"]]
    + [[name, mean_std(errors[name, "noisy"], 2), mean_std(errors[name, "clean"], 2)]
       for name in ("plain autoencoder", "denoising autoencoder")],
))

# %%
(plain_enc, plain_dec), (dae_enc, dae_dec) = plain_models[0], denoising_models[0]
with torch.no_grad():
    grid = torch.cat([X_noisy[:8], torch.sigmoid(plain_dec(plain_enc(X_noisy[:8]))),
                      torch.sigmoid(dae_dec(dae_enc(X_noisy[:8]))), X_test[:8]])
fig = plot.show_images(grid.cpu(), ncols=8)
fig.suptitle("noisy input, plain AE, denoising AE, clean (top to bottom)")
plt.show()

# %% tags=["hide-input"]
answer(
    r"On noisy test images the denoising autoencoder's output is $@dn$ away from the "
    r"clean image (squared error per image), against $@pn$ for the plain autoencoder "
    r"and $@nn$ for the noisy image itself. The plain autoencoder already removes much "
    r"of the noise, because a 32-number code cannot store every speck, but it keeps "
    r"blotches of it and loses the stroke; the denoising one returns smooth digits on "
    r"a black background, blurred and sometimes the wrong family (a noisy 4 comes back "
    r"as a 9-like shape): with $\sigma = 0.5$ the noise hides much of the digit, and "
    r"two epochs are short." "\n\n"
    r"On *clean* inputs the order reverses: $@dc$ for the denoising autoencoder "
    r"against $@pc$ for the plain one, worse even than its own result on noisy inputs. "
    r"It never saw a clean image: clamped noise makes the background brighter on "
    r"average (only the positive half survives the clamp at 0), so a clean image is "
    r"off its training distribution. A denoising autoencoder is trained for one kind "
    r"of noise; the corruption is a regulariser that fits the model to the inputs it "
    r"will see.",
    dn=pm(errors["denoising autoencoder", "noisy"], 2),
    pn=pm(errors["plain autoencoder", "noisy"], 2), nn=f"{noisy_error:.2f}",
    dc=pm(errors["denoising autoencoder", "clean"], 2),
    pc=pm(errors["plain autoencoder", "clean"], 2),
)

# %% [markdown]
# ## Exercise 19.6: the ELBO, the KL and the reparameterisation trick
#
# *Derive the evidence lower bound of a VAE. Write the KL divergence of a diagonal
# Gaussian from $\mathcal{N}(0, I)$ in closed form and check it against a Monte Carlo
# estimate; write the reparameterisation $\mathbf{z} = \boldsymbol{\mu} +
# \boldsymbol{\sigma} \odot \boldsymbol{\epsilon}$ and check the gradients it gives.*
#
# **The model.** A VAE is a generative model: draw a code $\mathbf{z} \sim p(\mathbf{z})
# = \mathcal{N}(0, I)$, then an image $\mathbf{x} \sim p_\theta(\mathbf{x} \mid
# \mathbf{z})$, the Bernoulli decoder of 19.4. Training should maximise the likelihood
# $\log p_\theta(\mathbf{x}) = \log \int p_\theta(\mathbf{x} \mid \mathbf{z})
# p(\mathbf{z})\, d\mathbf{z}$, an integral nobody can compute. The *encoder* proposes
# where to look: a Gaussian $q_\phi(\mathbf{z} \mid \mathbf{x}) = \mathcal{N}(
# \boldsymbol{\mu}, \operatorname{diag} \boldsymbol{\sigma}^2)$ whose $\boldsymbol{\mu}$
# and $\log \boldsymbol{\sigma}^2$ it outputs.
#
# **The ELBO.** Multiply and divide by $q$, then use Jensen's inequality
# ($\log \mathbb{E}[Y] \ge \mathbb{E}[\log Y]$, the log being concave):
#
# $$
# \begin{aligned}
# \log p_\theta(\mathbf{x})
# &= \log \mathbb{E}_{q_\phi(\mathbf{z} \mid \mathbf{x})}\!\left[
#    \frac{p_\theta(\mathbf{x} \mid \mathbf{z})\, p(\mathbf{z})}
#         {q_\phi(\mathbf{z} \mid \mathbf{x})} \right] \\
# &\ge \mathbb{E}_{q_\phi}\!\left[ \log p_\theta(\mathbf{x} \mid \mathbf{z}) \right]
#    - \mathbb{E}_{q_\phi}\!\left[ \log \frac{q_\phi(\mathbf{z} \mid \mathbf{x})}
#    {p(\mathbf{z})} \right] \\
# &= \underbrace{\mathbb{E}_{q_\phi}\!\left[ \log p_\theta(\mathbf{x} \mid \mathbf{z})
#    \right]}_{-\text{reconstruction loss}}
#    - \underbrace{\operatorname{KL}\!\left( q_\phi(\mathbf{z} \mid \mathbf{x})
#    \,\Vert\, p(\mathbf{z}) \right)}_{\text{regulariser}}
#    = \operatorname{ELBO}.
# \end{aligned}
# $$
#
# The gap is exactly $\operatorname{KL}(q_\phi(\mathbf{z} \mid \mathbf{x}) \Vert
# p_\theta(\mathbf{z} \mid \mathbf{x}))$, so maximising the ELBO both raises the
# likelihood and pulls $q$ towards the true posterior. The VAE minimises the
# *negative* ELBO: the reconstruction loss of 19.4 plus a KL term that keeps every code
# distribution close to $\mathcal{N}(0, I)$, a regulariser that the plain autoencoder
# lacks.
#
# **The KL in closed form.** For one dimension, with $\log q(z) = -\tfrac12 \log(2\pi
# \sigma^2) - \frac{(z-\mu)^2}{2\sigma^2}$ and $\log p(z) = -\tfrac12 \log(2\pi) -
# \tfrac{z^2}{2}$, and $\mathbb{E}_q[(z - \mu)^2] = \sigma^2$,
# $\mathbb{E}_q[z^2] = \mu^2 + \sigma^2$:
#
# $$
# \begin{aligned}
# \operatorname{KL}(q \Vert p) &= \mathbb{E}_q[\log q(z) - \log p(z)] \\
# &= -\tfrac12 \log \sigma^2 - \tfrac12 + \tfrac12 (\mu^2 + \sigma^2) \\
# &= \tfrac12 \left( \sigma^2 + \mu^2 - 1 - \log \sigma^2 \right),
# \end{aligned}
# $$
#
# and for a diagonal Gaussian the $J$ independent dimensions add up:
# $\operatorname{KL} = \tfrac12 \sum_{j=1}^{J} (\sigma_j^2 + \mu_j^2 - 1 - \log
# \sigma_j^2)$. It is 0 only at $\mu_j = 0$, $\sigma_j = 1$.
#
# ### Your turn
#
# The encoder outputs `logvar` $= \log \sigma^2$, which can be any real number.

# %%
def gaussian_kl(mu, logvar):
    """KL(N(mu, diag(exp(logvar))) || N(0, I)) per row. mu, logvar: (N, J) -> (N,)."""
    ### BEGIN SOLUTION
    return 0.5 * (logvar.exp() + mu**2 - 1 - logvar).sum(dim=1)
    ### END SOLUTION


# %%
gaussian_kl = selfcheck.check("gaussian_kl", gaussian_kl)

# %% [markdown]
# **Check against a Monte Carlo estimate.** `labkit.generative.monte_carlo_kl` draws
# samples $z \sim q$ and averages $\log q(z) - \log p(z)$: no closed form involved. It
# also returns the estimate's standard error, so we can ask whether the closed form lies
# within a few standard errors of it. And against `torch.distributions`:

# %%
gen = torch.Generator().manual_seed(0)
mu = torch.randn(5, 2, generator=gen, dtype=torch.float64)
logvar = 0.8 * torch.randn(5, 2, generator=gen, dtype=torch.float64)
kl_closed = gaussian_kl(mu, logvar)
kl_mc, kl_se = generative.monte_carlo_kl(mu, logvar, 100_000, generator=gen)
show_markdown(table(
    ["row", "closed form", "Monte Carlo (100,000 samples)", "standard error",
     "difference / s.e."],
    [[n, a, b, s, (a - b) / s] for n, (a, b, s) in
     enumerate(zip(kl_closed.tolist(), kl_mc.tolist(), kl_se.tolist()))],
))
q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
_ = compare("KL", kl_closed, torch.distributions.kl_divergence(q, p).sum(dim=1),
            atol=1e-12)

# %% tags=["hide-input"]
z_scores = ((kl_closed - kl_mc) / kl_se).abs()
answer(
    r"The closed form and the sampling estimate agree: the largest difference is $@z$ "
    r"standard errors, as expected of an unbiased estimate (beyond 3 would be "
    r"suspicious), and `torch.distributions` gives the same values to rounding.",
    z=z_scores.max().item(),
)

# %% [markdown]
# **The reparameterisation trick.** The reconstruction term is an expectation over
# $\mathbf{z} \sim q_\phi$, and sampling is not differentiable in $\phi$. Write the
# sample as a deterministic function of the encoder's outputs and of noise that does not
# depend on them:
#
# $$
# \mathbf{z} = \boldsymbol{\mu} + \boldsymbol{\sigma} \odot \boldsymbol{\epsilon},
# \qquad \boldsymbol{\epsilon} \sim \mathcal{N}(0, I),
# \qquad \boldsymbol{\sigma} = \exp(\tfrac12 \log \boldsymbol{\sigma}^2).
# $$
#
# Then $\nabla_\phi \mathbb{E}_q[f(\mathbf{z})] = \mathbb{E}_{\boldsymbol{\epsilon}}[
# \nabla_\phi f(\boldsymbol{\mu} + \boldsymbol{\sigma} \odot \boldsymbol{\epsilon})]$:
# backpropagation goes through $\mathbf{z}$ into $\boldsymbol{\mu}$ and
# $\log \boldsymbol{\sigma}^2$, and one sample per image gives an unbiased gradient.
#
# ### Your turn
#
# The noise is an argument, so that the function is deterministic (and checkable).

# %%
def reparameterize(mu, logvar, eps):
    """z = mu + sigma * eps with sigma = exp(logvar / 2). All (N, J)."""
    ### BEGIN SOLUTION
    return mu + torch.exp(0.5 * logvar) * eps
    ### END SOLUTION


# %%
reparameterize = selfcheck.check("reparameterize", reparameterize)

# %% [markdown]
# **Check the gradient it gives.** For $f(z) = z^2$ we know the answer:
# $\mathbb{E}[z^2] = \mu^2 + \sigma^2$, so $\partial / \partial \mu = 2\mu$ and
# $\partial / \partial \log \sigma^2 = \sigma^2$. Autograd through 200,000
# reparameterised samples should agree within a few standard errors (the standard error
# of a mean of per-sample gradients, computed alongside).

# %%
mu0 = torch.tensor([[0.7]], dtype=torch.float64, requires_grad=True)
logvar0 = torch.tensor([[math.log(0.5)]], dtype=torch.float64, requires_grad=True)
eps = torch.randn(200_000, 1, generator=gen, dtype=torch.float64)
z = reparameterize(mu0, logvar0, eps)  # (200000, 1): broadcast over the samples
(z**2).mean().backward()
sigma0 = math.exp(0.5 * logvar0.item())
z = z.detach()
checks = {  # name: (autograd's gradient, per-sample gradients, exact value)
    "d/dmu": (mu0.grad, 2 * z, 2 * mu0.item()),
    "d/dlogvar": (logvar0.grad, 2 * z * 0.5 * sigma0 * eps, sigma0**2),
}
for name, (autograd_grad, per_sample, exact_value) in checks.items():
    se = (per_sample.std() / math.sqrt(len(per_sample))).item()
    print(f"{name}: exact {exact_value:.4f}, reparameterised "
          f"{autograd_grad.item():.4f}, standard error {se:.4f}")
    _ = compare(name, autograd_grad.reshape(()),
                torch.tensor(exact_value, dtype=torch.float64), atol=4 * se)


# %% [markdown]
# ## Exercise 19.7: a VAE with a 2-D latent space
#
# *Train a VAE with the networks of 19.4 (784 → 256 → 2 for $\boldsymbol{\mu}$ and
# $\log \boldsymbol{\sigma}^2$, 2 → 256 → 784 for the decoder). Decode a grid of latent
# points, sample new digits from the prior, and interpolate between two test digits. What
# does the KL term change compared with the plain autoencoder?*
#
# ### Your turn
#
# The negative ELBO per image, as two terms averaged over the batch: your
# `reconstruction_loss` (one sample of $\mathbf{z}$ per image) and the mean of your
# `gaussian_kl`.

# %%
def negative_elbo(x, x_logits, mu, logvar):
    """(recon, kl), each a mean over the batch. x, x_logits: (N, 784); mu: (N, J)."""
    ### BEGIN SOLUTION
    recon = reconstruction_loss(x_logits, x)
    kl = gaussian_kl(mu, logvar).mean()
    return recon, kl
    ### END SOLUTION


# %%
negative_elbo = selfcheck.check("negative_elbo", negative_elbo)


# %% [markdown]
# The model, and its training: Adam with learning rate $3 \times 10^{-3}$, batches of 128,
# 3 epochs, three seeds. The noise $\boldsymbol{\epsilon}$ comes from the seed's own
# generator.

# %%
class VAE(nn.Module):
    def __init__(self, hidden=256, latent=2):
        super().__init__()
        self.encoder = mlp(784, hidden, 2 * latent)  # outputs mu and logvar
        self.decoder = mlp(latent, hidden, 784)  # outputs pixel logits

    def forward(self, x, eps):
        mu, logvar = self.encoder(x).chunk(2, dim=1)  # (N, latent) each
        z = reparameterize(mu, logvar, eps)
        return self.decoder(z), mu, logvar


def train_vae(seed, num_epochs=3):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(num_epochs):
        for batch in torch.randperm(len(X_train), generator=gen).split(128):
            x = X_train[batch.to(device)]
            eps = torch.randn(len(x), 2, generator=gen).to(device)
            recon, kl = negative_elbo(x, *model(x, eps))
            loss = recon + kl
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


start = time.process_time()
vaes = [train_vae(seed) for seed in SEEDS]
vae_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three VAEs: {vae_seconds:.1f} s of CPU time")

# %% [markdown]
# The test negative ELBO (one sample of $\mathbf{z}$ per image, fixed noise), its two
# terms, and the 5-NN accuracy of the means $\boldsymbol{\mu}$:

# %%
eps_test = torch.randn(len(X_test), 2, generator=torch.Generator().manual_seed(7))
vae_rows = {"recon": [], "kl": [], "knn": []}
with torch.no_grad():
    for model in vaes:
        recon, kl = negative_elbo(X_test, *model(X_test, eps_test.to(device)))
        vae_rows["recon"].append(recon.item())
        vae_rows["kl"].append(kl.item())
        mu_train = model.encoder(X_train).chunk(2, dim=1)[0]
        mu_test = model.encoder(X_test).chunk(2, dim=1)[0]
        vae_rows["knn"].append(knn_accuracy(mu_train, mu_test))
neg_elbo = [r + k for r, k in zip(vae_rows["recon"], vae_rows["kl"])]
show_markdown(table(
    ["VAE (3 seeds)", "value"],
    [["negative ELBO (nats per image)", mean_std(neg_elbo, 1)],
     ["reconstruction term", mean_std(vae_rows["recon"], 1)],
     ["KL term", mean_std(vae_rows["kl"], 2)],
     ["5-NN accuracy of the means", mean_std(vae_rows["knn"])]],
))

# %% [markdown]
# The means of the test images (seed 0) next to the decoded grid. The grid's points are
# the 3%, …, 97% quantiles of $\mathcal{N}(0, 1)$ on each axis, so each square covers
# the same prior probability.

# %%
vae = vaes[0]
with torch.no_grad():
    mu_test = vae.encoder(X_test).chunk(2, dim=1)[0]
    ticks = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.03, 0.97, 12))
    z_1, z_2 = torch.meshgrid(ticks, -ticks, indexing="xy")  # (12, 12), z_2 decreasing
    z_grid = torch.stack([z_1, z_2], dim=-1)  # (12, 12, 2)
    tiles = torch.sigmoid(vae.decoder(z_grid.reshape(-1, 2).to(device))).cpu()
mosaic = tiles.reshape(12, 12, 28, 28).permute(0, 2, 1, 3).reshape(12 * 28, 12 * 28)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.6))
scatter_codes(ax1, mu_test, r"VAE: means $\mu$ of the test images", ticks=True)
ax1.add_patch(plt.Circle((0, 0), 2, fill=False, ls="--", color=plot.INK))
ax1.set_aspect("equal")
ax2.imshow(mosaic, cmap="gray", extent=(ticks[0] - 0.1, ticks[-1] + 0.1,
                                        ticks[0] - 0.1, ticks[-1] + 0.1))
ax2.set(xlabel="$z_1$", ylabel="$z_2$")
ax2.grid(False)
ax2.set_title("decoded grid of $z$")
plt.show()

# %%
with torch.no_grad():
    z_prior = torch.randn(16, 2, generator=torch.Generator().manual_seed(5))
    samples = torch.sigmoid(vae.decoder(z_prior.to(device)))
fig = plot.show_images(samples.cpu(), ncols=8)
fig.suptitle(r"16 new digits: $z \sim \mathcal{N}(0, I)$, decoded")
plt.show()

# %% [markdown]
# An interpolation from a typical 7 to a typical 0 (the test images whose means lie
# closest to the median mean of their digit): along the straight line between their
# latent means (top), and, for comparison, a cross-fade of the two images' pixels
# (bottom).

# %%
def typical(digit):
    """Index of the test image whose mean is closest to its digit's median mean."""
    members = (y_test == digit).nonzero().flatten()
    centre = mu_test[members].median(dim=0).values
    return int(members[(mu_test[members] - centre).norm(dim=1).argmin()])


ends = X_test[[typical(7), typical(0)]]  # (2, 784)
weights = torch.linspace(0, 1, 8, device=device)[:, None]  # (8, 1)
with torch.no_grad():
    mu_ends = vae.encoder(ends).chunk(2, dim=1)[0]  # (2, 2)
    latent_path = torch.sigmoid(vae.decoder((1 - weights) * mu_ends[0]
                                            + weights * mu_ends[1]))  # (8, 784)
cross_fade = (1 - weights) * ends[0] + weights * ends[1]  # (8, 784)
titles = [f"{w:.2f}" for w in weights.flatten().tolist()] + [""] * 8
fig = plot.show_images(torch.cat([latent_path, cross_fade]).cpu(), titles=titles,
                       ncols=8)
fig.suptitle("a 7 to a 0: through the latent space (top) and in pixels (bottom)")
plt.show()

# %% tags=["hide-input"]
radius = mu_test.norm(dim=1).cpu()
answer(
    r"The VAE's negative ELBO is $@elbo$ nats per test image: a reconstruction term of "
    r"$@rec$ plus only $@kl$ nats of KL. Two numbers per image cannot carry much "
    r"information, and the KL is the price of every nat the code carries. Its means "
    r"separate the digits a little less well than the plain autoencoder's codes (5-NN "
    r"$@knn$ against $@aeknn$), and they look different: the KL pulls every code "
    r"towards $\mathcal{N}(0, I)$, so the means gather in one round region around the "
    r"origin, on the scale of the prior: @inside of them lie inside the dashed circle "
    r"of radius 2, which holds @prior of $\mathcal{N}(0, I)$." "\n\n"
    r"That is what makes it a generator. Every point of the grid decodes to something "
    r"digit-like, with smooth transitions between neighbouring classes; digits drawn "
    r"from the prior are mostly legible, though blurry (a Bernoulli decoder averages "
    r"over what the two numbers cannot say, and three epochs are few); and the path "
    r"from a 7 to a 0 passes through other digit-like shapes, where the cross-fade of "
    r"the pixels overlays two images. The plain autoencoder has no such guarantee: a "
    r"point in an empty region of its code plane was never trained on.",
    elbo=pm(neg_elbo, 1), rec=pm(vae_rows["recon"], 1),
    kl=pm(vae_rows["kl"], 2), knn=pm(vae_rows["knn"]),
    aeknn=pm(ae_knn), inside=f"{(radius < 2).float().mean().item():.0%}",
    prior=f"{1 - math.exp(-2):.0%}",
)

# %% [markdown]
# ## Summary
#
# `labkit.generative` has the VAE's pieces, and they agree with yours: the binary
# cross-entropy from logits, the KL, the reparameterisation (labkit draws
# $\boldsymbol{\epsilon}$ from a generator; the same seed gives the same noise) and the
# two ELBO terms.

# %%
f64 = dict(dtype=torch.float64, device=device)  # sums over 784 pixels: float64
gen = torch.Generator(device).manual_seed(3)
x = torch.rand(4, 784, generator=gen, **f64)
x_logits = 3 * torch.randn(4, 784, generator=gen, **f64)
mu = torch.randn(4, 2, generator=gen, **f64)
logvar = torch.randn(4, 2, generator=gen, **f64)
eps = torch.randn(4, 2, generator=torch.Generator(device).manual_seed(11), **f64)
z_labkit = generative.reparameterize(
    mu, logvar, generator=torch.Generator(device).manual_seed(11))
bce_sum = generative.bce_with_logits(x_logits, x).sum(dim=1).mean()
_ = compare("recon loss", reconstruction_loss(x_logits, x), bce_sum)
_ = compare("gaussian_kl", gaussian_kl(mu, logvar), generative.gaussian_kl(mu, logvar))
_ = compare("reparameterize", reparameterize(mu, logvar, eps), z_labkit)
for name, mine, lab in zip(["ELBO recon", "ELBO kl"],
                           negative_elbo(x, x_logits, mu, logvar),
                           generative.elbo_terms(x, x_logits, mu, logvar)):
    _ = compare(name, mine, lab)

# %% [markdown]
# - An encoder–decoder squeezes a sequence into the encoder's final state. Trained with
#   teacher forcing (the true previous output as the decoder's input), two LSTMs of 64
#   units reverse short strings exactly, and fail on long ones even within the trained
#   lengths: the oldest inputs are lost first. Attention is the fix.
# - A linear autoencoder's loss depends on the data only through the covariance, and its
#   minimum is PCA's: gradient descent finds the top-$k$ principal *subspace* (angles of
#   hundredths of a degree), in an arbitrary basis of it.
# - A nonlinear 2-D autoencoder reconstructs and separates digits far better than two
#   principal components; a denoising autoencoder, trained on corrupted inputs, learns
#   to remove the noise it was trained on.
# - The VAE maximises the ELBO = reconstruction − KL(q ‖ prior). The KL of diagonal
#   Gaussians has a closed form, the reparameterisation $\mathbf{z} = \boldsymbol{\mu} +
#   \boldsymbol{\sigma} \odot \boldsymbol{\epsilon}$ lets gradients through the sampling,
#   and the KL keeps the latent space filled, so decoding any $\mathbf{z}$ from the prior
#   gives a digit.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Attention: let the decoder of 19.1 compute, at every step, a softmax-weighted
#    average of all the encoder's hidden states and feed it with its input. Plot exact
#    match against length again. Where does it break now?
# 2. Train the 19.1 model with hidden sizes 32, 64 and 128. How does the length at which
#    exact match drops below 50% move with the size of the context vector?
# 3. Weight the KL of the VAE by $\beta \in \{0.1, 1, 4\}$ ($\beta$-VAE). How do the
#    reconstruction term, the KL and the decoded grid change? At what $\beta$ does the
#    latent space stop being usable for sampling?
# 4. Replace the Gaussian noise of 19.5 by *masking* noise (set 30% of the pixels to 0).
#    Does the denoising autoencoder trained on it also remove Gaussian noise?
#
# ## Next
#
# [Generative adversarial networks](20-gans.py) generate digits without an encoder or a
# likelihood: a generator and a discriminator train against each other.
