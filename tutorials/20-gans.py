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
# # Generative adversarial networks
#
# **Lab:** lab manual, Lab No 12, "Generative Adversarial Networks (GANs)". The manual
# only titles this lab; the exercises below are written in its style: something to
# implement, then a question to answer with an experiment.
#
# **What you need:** binary cross-entropy from logits and the VAE as another generative
# model ([Encoder–decoders and VAEs](19-autoencoders-vae.py)), the LeNet classifier
# ([Convolutional networks](13-cnn.py)), Adam ([Optimizers](16-optimizers.py)), and the KL
# divergence.
#
# ## What you will learn
#
# - the GAN's minimax game, its optimal discriminator $D^* = p_\text{data} /
#   (p_\text{data} + p_g)$, and why the game then minimises the Jensen–Shannon
#   divergence, all checked numerically on 1-D densities;
# - why generators are trained with the *non-saturating* loss, seen in the gradients;
# - to train GANs on a ring of 8 Gaussians, count the modes they cover, and recognise
#   *mode collapse*;
# - to train a small GAN on MNIST and judge it with numbers rather than by eye: a
#   classifier's confidence on the samples, the classes it sees, and whether the samples
#   are copies of training images.
#
# ## The exercises on this page
#
# | exercise | you write | self-checks |
# |---|---|---|
# | [20.1 The minimax game](#exercise-201-the-minimax-game-and-the-optimal-discriminator) | `gan_value`, `optimal_discriminator` | 2 |
# | [20.2 The Jensen–Shannon link](#exercise-202-the-jensenshannon-link) | `js_divergence` | 1 |
# | [20.3 The non-saturating loss](#exercise-203-the-non-saturating-generator-loss) | `generator_losses` | 1 |
# | [20.4 A ring of 8 Gaussians](#exercise-204-a-gan-on-a-ring-of-8-gaussians) | `discriminator_loss` | 1 |
# | [20.5 Mode collapse](#exercise-205-mode-collapse) | an experiment | — |
# | [20.6 A GAN on MNIST](#exercise-206-a-gan-on-mnist) | an experiment | — |
# | [20.7 A classifier as judge](#exercise-207-a-classifier-as-judge) | `confidence_and_class` | 1 |
# | [20.8 Copies of the training set?](#exercise-208-copies-of-the-training-set) | `nearest_neighbours` | 1 |
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
from labkit.display import answer, show_markdown, table

plot.use_style()
seed_everything(0)
device = get_device()
SEEDS = [0, 1, 2]
f64 = dict(dtype=torch.float64, device=device)


def mean_std(values, digits=3):
    """'mean ± std' of a list of numbers (the spread over seeds), for tables."""
    values = torch.as_tensor(values, dtype=torch.float64)
    return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"


def pm(values, digits=3):
    r"""The same in LaTeX (± as \pm), for answers."""
    return mean_std(values, digits).replace("±", r"\pm")


# %% [markdown]
# ## Exercise 20.1: the minimax game and the optimal discriminator
#
# *Write the GAN's value $V(D, G)$ for densities given on a grid, and the optimal
# discriminator $D^*$. On a 1-D example, check that no other discriminator reaches a
# higher value.*
#
# **The game.** A generator $G$ turns noise $\mathbf{z} \sim p_z$ into samples whose
# density we call $p_g$; a discriminator $D(\mathbf{x}) \in (0, 1)$ is the probability
# it gives that $\mathbf{x}$ is real. $D$ maximises and $G$ minimises
#
# $$
# \begin{aligned}
# V(D, G) &= \mathbb{E}_{\mathbf{x} \sim p_\text{data}}[\log D(\mathbf{x})]
#   + \mathbb{E}_{\mathbf{z} \sim p_z}[\log (1 - D(G(\mathbf{z})))] \\
# &= \int p_\text{data}(\mathbf{x}) \log D(\mathbf{x})
#   + p_g(\mathbf{x}) \log (1 - D(\mathbf{x}))\, d\mathbf{x}.
# \end{aligned}
# $$
#
# $-V$ is the discriminator's binary cross-entropy with label 1 on data and 0 on fakes.
#
# **The optimal discriminator.** For a fixed $G$, maximise the integrand at each
# $\mathbf{x}$ separately. With $a = p_\text{data}(\mathbf{x})$, $b = p_g(\mathbf{x})$ and
# $y = D(\mathbf{x})$, the function $a \log y + b \log(1 - y)$ is concave and its
# derivative vanishes where
#
# $$
# \frac{a}{y} - \frac{b}{1 - y} = 0
# \quad\Longleftrightarrow\quad
# D^*(\mathbf{x}) = \frac{p_\text{data}(\mathbf{x})}{p_\text{data}(\mathbf{x}) + p_g(\mathbf{x})}.
# $$
#
# ### Your turn
#
# On a grid of step `dx`, an integral is a sum times `dx`.

# %%
def gan_value(p_data, p_g, d, dx):
    """V(D, G) on a grid. p_data, p_g: densities (num_points,); d: D(x) in (0, 1)."""
    ### BEGIN SOLUTION
    real_term = (p_data * torch.log(d)).sum() * dx
    fake_term = (p_g * torch.log(1 - d)).sum() * dx
    return real_term + fake_term
    ### END SOLUTION


def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g), point by point. Both (num_points,), positive."""
    ### BEGIN SOLUTION
    return p_data / (p_data + p_g)
    ### END SOLUTION


# %%
gan_value = selfcheck.check("gan_value", gan_value)
optimal_discriminator = selfcheck.check("optimal_discriminator", optimal_discriminator)

# %% [markdown]
# **A 1-D example.** The data: a mixture of two Gaussians. The generator: one Gaussian,
# $\mathcal{N}(2, 1)$. A grid of 2,601 points on $[-10, 16]$, wide enough for every generator
# of 20.2, in `float64`.

# %%
x = torch.linspace(-10, 16, 2601, **f64)
dx = (x[1] - x[0]).item()


def normal_pdf(mean, std):
    return torch.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


p_data = 0.5 * normal_pdf(-1.0, 0.5) + 0.5 * normal_pdf(1.5, 0.8)
p_g = normal_pdf(2.0, 1.0)
d_star = optimal_discriminator(p_data, p_g)
print(f"both integrate to 1: {p_data.sum().item() * dx:.6f}, "
      f"{p_g.sum().item() * dx:.6f}")

# %% [markdown]
# Other discriminators: $D^*$ blurred towards ½, and $D^*$ with its logit shifted
# or scaled. Each must score lower.

# %%
logit_star = torch.log(d_star) - torch.log1p(-d_star)
others = {
    "0.9 D* + 0.05": 0.9 * d_star + 0.05,
    "D = 1/2 everywhere": torch.full_like(d_star, 0.5),
    "logit(D*) + 0.5": torch.sigmoid(logit_star + 0.5),
    "logit(D*) - 0.5": torch.sigmoid(logit_star - 0.5),
    "2 logit(D*)": torch.sigmoid(2 * logit_star),
}
value_star = gan_value(p_data, p_g, d_star, dx)
rows = [["D*", value_star.item(), 0.0]]
for name, d in others.items():
    value = gan_value(p_data, p_g, d, dx)
    rows.append([name, value.item(), (value - value_star).item()])
show_markdown(table(["discriminator", "$V(D, G)$", "$V(D, G) - V(D^*, G)$"], rows))
_ = compare("V(D*, G)", value_star, generative.gan_value(p_data, p_g, dx=dx),
            atol=1e-12)

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
ax.plot(x.cpu(), p_data.cpu(), color=plot.COLORS[0], label=r"$p_\mathrm{data}$")
ax.plot(x.cpu(), p_g.cpu(), color=plot.COLORS[1], label="$p_g$")
ax.plot(x.cpu(), d_star.cpu(), "--", color=plot.INK, label="$D^*$")
ax.set(xlabel="$x$", xlim=(-4, 6))
ax.set_title("two densities and the optimal discriminator")
ax.legend()
plt.show()

# %% tags=["hide-input"]
answer(
    r"$D^*$ is close to 1 where only the data has mass (around $-1$), close to 0 where "
    r"only the generator has (beyond 4), and ½ where the two densities cross. Its "
    r"value is $V(D^*, G) = @v$; every other discriminator scores lower, by $@close$ "
    r"for the nearest one tried and by $@far$ for the worst, so the pointwise maximum "
    r"is the maximum. labkit's `gan_value`, which evaluates $V$ at $D^*$ directly from "
    r"the densities, gives the same number.",
    v=value_star.item(), close=-max(r[2] for r in rows[1:]),
    far=-min(r[2] for r in rows[1:]),
)

# %% [markdown]
# ## Exercise 20.2: the Jensen–Shannon link
#
# *Show that at the optimal discriminator the game's value is $-\log 4 + 2\,
# \mathrm{JS}(p_\text{data} \Vert p_g)$. Check it numerically for generators
# $\mathcal{N}(m, 1)$, $m$ from $-4$ to $10$. What happens to the generator's signal
# when $p_g$ is far from the data?*
#
# **Derivation.** Put $D^*$ into $V$ and divide inside each log by 2, paying $\log 2$
# twice (each density integrates to 1); with the mixture $m = (p_\text{data} + p_g) / 2$:
#
# $$
# \begin{aligned}
# V(D^*, G) &= \int p_\text{data} \log \frac{p_\text{data}}{p_\text{data} + p_g}
#   + p_g \log \frac{p_g}{p_\text{data} + p_g}\, d\mathbf{x} \\
# &= -\log 4 + \operatorname{KL}(p_\text{data} \Vert m) + \operatorname{KL}(p_g \Vert m) \\
# &= -\log 4 + 2\, \mathrm{JS}(p_\text{data} \Vert p_g).
# \end{aligned}
# $$
#
# The Jensen–Shannon divergence $\mathrm{JS}(p \Vert q) = \tfrac12
# \operatorname{KL}(p \Vert m) + \tfrac12 \operatorname{KL}(q \Vert m)$ is 0 exactly when
# $p = q$ and at most $\log 2$. So against the best discriminator, the generator
# minimises JS, and the game's optimum is $p_g = p_\text{data}$ with value $-\log 4$.
#
# ### Your turn
#
# $0 \log 0$ counts as 0: `torch.special.xlogy(a, b)` computes $a \log b$ and gives 0
# where $a = 0$. Write $p \log(p/m)$ as `xlogy(p, p) - xlogy(p, m)`: `p / m` would be
# $0/0$ where both densities vanish.

# %%
def js_divergence(p, q, dx):
    """JS(p || q) in nats for densities on a grid of step dx. p, q: (num_points,)."""
    ### BEGIN SOLUTION
    xlogy = torch.special.xlogy
    m = 0.5 * (p + q)
    kl_pm = (xlogy(p, p) - xlogy(p, m)).sum() * dx
    kl_qm = (xlogy(q, q) - xlogy(q, m)).sum() * dx
    return 0.5 * (kl_pm + kl_qm)
    ### END SOLUTION


# %%
js_divergence = selfcheck.check("js_divergence", js_divergence)

# %% [markdown]
# The check. Far from the data, $p_g$ is below $10^{-16}$ of $p_\text{data}$ in places, so
# $D^*$ rounds to exactly 1 there and $\log(1 - D^*) = -\infty$. Clamping $D^*$ to
# $[10^{-12}, 1 - 10^{-12}]$ changes $V$ by less than $10^{-10}$ and keeps it finite.

# %%
shifts = torch.linspace(-4, 10, 57)
value_at_star, via_js, js_values = [], [], []
for shift in shifts.tolist():
    p_shift = normal_pdf(shift, 1.0)
    d = optimal_discriminator(p_data, p_shift).clamp(1e-12, 1 - 1e-12)
    value_at_star.append(gan_value(p_data, p_shift, d, dx))
    js_values.append(js_divergence(p_data, p_shift, dx))
    via_js.append(-math.log(4) + 2 * js_values[-1])
value_at_star, via_js = torch.stack(value_at_star), torch.stack(via_js)
js_values = torch.stack(js_values).cpu()
_ = compare("V(D*) vs JS", value_at_star, via_js, atol=1e-9)
p_shift = normal_pdf(shifts[20].item(), 1.0)
_ = compare("JS vs labkit", js_values[20],
            generative.js_divergence(p_data, p_shift, dx).cpu(), atol=1e-12)

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
ax.plot(shifts, js_values, color=plot.COLORS[0],
        label=r"JS$(p_\mathrm{data} \Vert p_g)$")
ax.axhline(math.log(2), ls="--", color=plot.INK, label=r"$\log 2$")
ax.set(xlabel="mean $m$ of the generator $\\mathcal{N}(m, 1)$", ylabel="nats")
ax.set_title("Jensen–Shannon divergence against the generator's position")
ax.legend(loc="center right")
plt.show()

# %% tags=["hide-input"]
slope = (js_values[1:] - js_values[:-1]) / (shifts[1] - shifts[0])
answer(
    r"$V(D^*, G)$ and $-\log 4 + 2\,\mathrm{JS}$ agree to $@diff$ for every $m$. JS is "
    r"smallest, $@jmin$, for $m = @mbest$, where $\mathcal{N}(m, 1)$ overlaps the "
    r"mixture best, and climbs to $@jmax$ at $m = 10$, within $@gap$ of its ceiling "
    r"$\log 2$: the supports barely overlap. There the curve is flat; its slope in $m$ "
    r"is $@slope$ per unit at the far end, against $@steep$ at its steepest. A "
    r"generator that minimised JS exactly would get almost no signal telling it which "
    r"way the data lies. In high dimensions, where real and generated images occupy "
    r"thin, barely overlapping sets, this is the normal case early in training, and it "
    r"is one reason why the generator is not trained on $V$ itself (20.3).",
    diff=float((value_at_star - via_js).abs().max()), jmin=js_values.min().item(),
    mbest=shifts[js_values.argmin()].item(), jmax=js_values[-1].item(),
    gap=math.log(2) - js_values[-1].item(), slope=slope[-1].abs().item(),
    steep=slope.abs().max().item(),
)

# %% [markdown]
# ## Exercise 20.3: the non-saturating generator loss
#
# *Write the generator's two losses from the discriminator's logits $\ell$ (with
# $D = \sigma(\ell)$): the minimax ("saturating") loss $\mathbb{E}[\log(1 - D(G(z)))]$
# and the non-saturating loss $-\mathbb{E}[\log D(G(z))]$. Compare their gradients when
# the discriminator wins.*
#
# **Derivation.** Both push $D(G(\mathbf{z}))$ up. Their derivatives with respect to the
# logit of one fake sample are, with $\sigma'(\ell) = \sigma(\ell)(1 - \sigma(\ell))$,
#
# $$
# \begin{aligned}
# \frac{\partial}{\partial \ell} \log(1 - \sigma(\ell)) &= -\sigma(\ell) = -D, \\
# \frac{\partial}{\partial \ell} \bigl(-\log \sigma(\ell)\bigr) &= -(1 - \sigma(\ell))
#   = -(1 - D).
# \end{aligned}
# $$
#
# Early in training the discriminator easily rejects the fakes, $D(G(\mathbf{z})) \to 0$:
# the saturating loss's gradient vanishes with $D$, exactly when the generator most needs
# to learn, while the non-saturating one tends to $-1$. Goodfellow et al. (2014)
# proposed the second for this reason; it is what GANs use.
#
# **Stable forms.** Written from $D$, $\log(1 - \sigma(\ell))$ is $\log 0 = -\infty$ as
# soon as $\sigma(\ell)$ rounds to 1 ($\ell \gtrsim 17$ in `float32`). From the logit:
# $\log(1 - \sigma(\ell)) = -\operatorname{softplus}(\ell)$ and $-\log \sigma(\ell) =
# \operatorname{softplus}(-\ell)$, with $\operatorname{softplus}(\ell) = \log(1 +
# e^{\ell})$ (`F.softplus`), which never overflows.
#
# ### Your turn

# %%
def generator_losses(d_fake_logits):
    """(saturating, non-saturating) generator losses, means over the batch. (N,)."""
    ### BEGIN SOLUTION
    saturating = -F.softplus(d_fake_logits).mean()  # mean log(1 - D)
    nonsaturating = F.softplus(-d_fake_logits).mean()  # -mean log D
    return saturating, nonsaturating
    ### END SOLUTION


# %%
generator_losses = selfcheck.check("generator_losses", generator_losses)

# %% [markdown]
# **The gradients against $D$.** Autograd through your losses, for one logit at a time:

# %%
logits = torch.linspace(-12, 6, 400, dtype=torch.float64, requires_grad=True)
grads = []
for which in (0, 1):
    (grad,) = torch.autograd.grad(generator_losses(logits)[which] * len(logits), logits)
    grads.append(grad.abs())
_ = compare("saturating", grads[0], torch.sigmoid(logits.detach()), atol=1e-12)
_ = compare("non-saturating", grads[1], 1 - torch.sigmoid(logits.detach()), atol=1e-12)

fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
D_values = torch.sigmoid(logits.detach())
ax.loglog(D_values, grads[0], color=plot.COLORS[0], label="saturating: $D$")
ax.loglog(D_values, grads[1], color=plot.COLORS[1], label="non-saturating: $1 - D$")
ax.set(xlabel="$D(G(z))$", ylabel=r"$|\partial \mathrm{loss} / \partial \ell|$")
ax.set_title("gradient at the logit against the discriminator's output")
ax.legend(loc="lower left")
plt.show()

# %% [markdown]
# **When the discriminator wins, in a real network.** The generator and discriminator of
# the next exercise (small MLPs on 2-D points), at initialisation; the discriminator
# alone trains for 200 steps against the frozen generator, so it wins. Then we measure
# the norm of the gradient that each loss sends to the generator's weights. Three seeds.

# %%
def make_mlp(n_in, n_out, hidden=64):
    return nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                         nn.ReLU(), nn.Linear(hidden, n_out))


def generator_grad_norm(G, loss):
    G.zero_grad()
    loss.backward()
    return torch.cat([p.grad.flatten() for p in G.parameters()]).norm().item()


d_wins = []
for seed in SEEDS:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    G, D = make_mlp(2, 2).to(device), make_mlp(2, 1).to(device)
    optimizer_D = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for _ in range(200):
        real = generative.ring_of_gaussians(128, generator=gen)[0].to(device)
        with torch.no_grad():
            fake = G(torch.randn(128, 2, generator=gen).to(device))
        loss_D = generative.discriminator_loss(D(real), D(fake))
        optimizer_D.zero_grad()
        loss_D.backward()
        optimizer_D.step()
    z = torch.randn(512, 2, generator=gen).to(device)
    norms = [generator_grad_norm(G, generator_losses(D(G(z)).flatten())[which])
             for which in (0, 1)]
    with torch.no_grad():
        mean_d = torch.sigmoid(D(G(z))).mean().item()
    d_wins.append([seed, mean_d, norms[0], norms[1], norms[1] / norms[0]])
show_markdown(table(["seed", "mean $D(G(z))$", "‖∇G‖ saturating", "‖∇G‖ non-saturating",
                     "ratio"], d_wins))

# %% tags=["hide-input"]
ratios = [r[4] for r in d_wins]
answer(
    r"The saturating loss's gradient is $D$ itself and the non-saturating one's is $1 "
    r"- D$: at $D = 10^{-3}$ the first is a thousand times weaker. In the networks, "
    r"after 200 steps the discriminator gives the fakes $D(G(z)) \approx @d$ on "
    r"average, and the gradient reaching the generator's weights is $@ratio$ times "
    r"larger with the non-saturating loss (at least $@low$ times, whatever the seed). "
    r"With plain gradient descent the saturating generator would move that many times "
    r"more slowly, just when it is furthest from the data. (Adam divides each step by "
    r"a running average of the gradient's size, which hides a uniformly small "
    r"gradient; that is why the saturating loss sometimes still trains with Adam on "
    r"small problems. It does not fix the direction, which the few fakes with the "
    r"largest $D$ dominate.)",
    d=sum(r[1] for r in d_wins) / len(d_wins), ratio=pm(ratios, 0),
    low=f"{min(ratios):.0f}",
)


# %% [markdown]
# ## Exercise 20.4: a GAN on a ring of 8 Gaussians
#
# *Write the discriminator's loss, train GANs on 8 Gaussians placed on a circle, and
# count the modes they cover as training goes on.*
#
# The data (`labkit.generative.ring_of_gaussians`): 8 Gaussians of standard deviation
# 0.05 on a circle of radius 2. A sample is *good* if it lies within 3 standard
# deviations of a mode's centre; a mode is *covered* if at least 1% of the samples are
# good samples of it (`labkit.generative.modes_covered`).
#
# The discriminator minimises $-V$: binary cross-entropy with label 1 on real samples
# and 0 on fakes, each averaged over its own batch:
#
# $$
# \mathcal{L}_D = -\frac{1}{N_r} \sum_{i} \log \sigma(\ell^\text{real}_i)
#   - \frac{1}{N_f} \sum_{j} \log (1 - \sigma(\ell^\text{fake}_j)).
# $$
#
# ### Your turn
#
# From the logits, with softplus as in 20.3.

# %%
def discriminator_loss(real_logits, fake_logits):
    """-mean log D(x) - mean log(1 - D(G(z))). Logits: (N_real,) and (N_fake,)."""
    ### BEGIN SOLUTION
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
    ### END SOLUTION


# %%
discriminator_loss = selfcheck.check("discriminator_loss", discriminator_loss)


# %% [markdown]
# **Three GANs at once.** The networks are tiny (2 → 64 → 64 → 2 and 2 → 64 → 64 → 1),
# so a training step costs mostly Python overhead, not arithmetic. We therefore train the
# three seeds' networks together: layer $l$ holds one weight matrix per seed,
# stacked into a tensor of shape (seeds, in, out), and `torch.baddbmm` applies each seed's
# layer to its own batch. Each seed's loss depends only on its own weights, so summing
# the three losses gives every seed exactly its own gradient, and Adam, which works
# element by element, updates each seed as if it were alone. Each seed starts from the
# weights `nn.Linear` would give it.

# %%
class MLPStack(nn.Module):
    """One ReLU MLP per seed, run together: x (S, B, n_in) -> (S, B, n_out)."""

    def __init__(self, sizes, seeds):
        super().__init__()
        per_seed = []
        for seed in seeds:
            torch.manual_seed(seed)
            per_seed.append([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.W = nn.ParameterList([nn.Parameter(torch.stack(
            [layers[l].weight.detach().T for layers in per_seed]))  # (S, in, out)
            for l in range(len(sizes) - 1)])
        self.b = nn.ParameterList([nn.Parameter(torch.stack(
            [layers[l].bias.detach()[None] for layers in per_seed]))  # (S, 1, out)
            for l in range(len(sizes) - 1)])

    def forward(self, x):
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            x = torch.baddbmm(b, x, W)
            if l < len(self.W) - 1:
                x = torch.relu(x)
        return x


def train_ring(lr_G, lr_D, num_steps, batch_size=128, check_every=50):
    """Non-saturating GANs, one per seed; samples and coverage every check_every."""
    S = len(SEEDS)
    G = MLPStack([2, 64, 64, 2], SEEDS).to(device)
    D = MLPStack([2, 64, 64, 1], [100 + seed for seed in SEEDS]).to(device)
    optimizer_G = torch.optim.Adam(G.parameters(), lr=lr_G, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(D.parameters(), lr=lr_D, betas=(0.5, 0.999))
    gen = torch.Generator().manual_seed(0)
    z_check = torch.randn(S, 2000, 2, generator=torch.Generator().manual_seed(1))
    history = {"step": [], "samples": [], "cover": []}
    for step in range(num_steps + 1):
        if step % check_every == 0:
            with torch.no_grad():
                samples = G(z_check.to(device)).cpu()  # (S, 2000, 2)
            history["step"].append(step)
            history["samples"].append(samples)
            history["cover"].append([generative.modes_covered(s) for s in samples])
        if step == num_steps:
            break
        real = generative.ring_of_gaussians(S * batch_size, generator=gen)[0]
        real = real.reshape(S, batch_size, 2).to(device)
        fake = G(torch.randn(S, batch_size, 2, generator=gen).to(device))
        real_logits, fake_logits = D(real), D(fake.detach())  # (S, B, 1) each
        loss_D = sum(discriminator_loss(r.flatten(), f.flatten())
                     for r, f in zip(real_logits, fake_logits))  # one loss per seed
        optimizer_D.zero_grad()
        loss_D.backward()
        optimizer_D.step()
        loss_G = sum(generator_losses(f.flatten())[1] for f in D(fake))
        optimizer_G.zero_grad()
        loss_G.backward()
        optimizer_G.step()
    return history


# %% [markdown]
# The training: Adam ($\beta_1 = 0.5$, as usual for GANs) with learning rate
# $2 \times 10^{-3}$ for both networks, batches of 128, one discriminator step per
# generator step, 1,000 steps.

# %%
start = time.process_time()
balanced = train_ring(lr_G=2e-3, lr_D=2e-3, num_steps=1000)
ring_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three ring GANs, 1,000 steps: {ring_seconds:.1f} s of CPU time")

# %%
ring_gen = torch.Generator().manual_seed(2)
ring_data = generative.ring_of_gaussians(2000, generator=ring_gen)[0]


def snapshots(history, steps, title, lim=3.5):
    """Seed 0's samples at the given steps, over the data; points beyond the frame are
    drawn on its edge."""
    fig, axes = plt.subplots(1, len(steps), figsize=(plot.WIDTH, 2.2))
    for ax, step in zip(axes, steps):
        index = history["step"].index(step)
        count = history["cover"][index][0].count
        points = history["samples"][index][0].clamp(-lim, lim)
        ax.scatter(ring_data[:, 0], ring_data[:, 1], s=2, color=plot.INK, alpha=0.15,
                   rasterized=True)
        ax.scatter(points[:, 0], points[:, 1], s=2, color=plot.COLORS[1], alpha=0.4,
                   rasterized=True)
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xticks=[], yticks=[])
        ax.set_title(f"step {step}: {count} mode{'' if count == 1 else 's'}")
    fig.suptitle(title)
    plt.show()


snapshots(balanced, [0, 300, 600, 1000], "balanced GAN, seed 0 (grey: data)")

# %%
final = [cover for cover in balanced["cover"][-1]]
show_markdown(table(
    ["seed", "modes covered", "good samples", "good samples per mode"],
    [[seed, c.count, f"{c.high_quality:.2f}", ", ".join(map(str, c.per_mode.tolist()))]
     for seed, c in zip(SEEDS, final)],
))

# %% tags=["hide-input"]
first_full = []
for s in range(len(SEEDS)):
    steps_full = [step for step, covers in zip(balanced["step"], balanced["cover"])
                  if covers[s].count == 8]
    first_full.append(steps_full[0] if steps_full else None)
answer(
    r"After 1,000 steps the three GANs cover $@modes$ of the 8 modes, with $@good$ of "
    r"their samples within 3 standard deviations of a mode. Seed 0's snapshots show "
    r"the usual course: the generator first produces a blob around the centre, then "
    r"stretches it into a ring, and the ring gathers into clusters that sharpen onto "
    r"the modes. The first step at which all 8 modes were covered was @first (checked "
    r"every 50 steps; none means never). The spread between seeds is large for such a "
    r"small problem; GAN training is a game, not a descent on one loss, and its course "
    r"depends on the start.",
    modes=pm([c.count for c in final], 1), good=pm([c.high_quality for c in final], 2),
    first=", ".join("none" if f is None else str(f) for f in first_full),
)

# %% [markdown]
# ## Exercise 20.5: mode collapse
#
# *Train the same GANs with a strong generator and a weak discriminator (learning
# rates $3 \times 10^{-3}$ and $10^{-4}$). How many modes do they cover, and how does
# the generator behave over time?*

# %%
start = time.process_time()
collapsed = train_ring(lr_G=3e-3, lr_D=1e-4, num_steps=600)
collapse_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three ring GANs, 600 steps: {collapse_seconds:.1f} s of CPU time")

# %%
snapshots(collapsed, [150, 300, 450, 600],
          "strong generator, weak discriminator, seed 0")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.0), sharey=True)
for ax, history, title in [(ax1, balanced, "balanced (2e-3, 2e-3)"),
                           (ax2, collapsed, "strong G, weak D (3e-3, 1e-4)")]:
    for s, color in zip(range(len(SEEDS)), plot.COLORS):
        counts = [covers[s].count for covers in history["cover"]]
        ax.plot(history["step"], counts, "o-", ms=3, color=color,
                label=f"seed {SEEDS[s]}")
    ax.set(xlabel="step", ylim=(-0.3, 8.3))
    ax.set_title(title)
ax1.set_ylabel("modes covered")
ax1.legend(loc="lower right")
plt.show()

# %% [markdown]
# Where do the samples go? Assign every sample to its nearest mode, good or not
# (`modes_covered` with a threshold larger than the ring), and follow the share of the
# fullest mode: $1/8$ for a generator that spreads evenly, 1 for one that has collapsed.


# %%
def fullest_mode(samples):
    """(index, share of all samples) of the mode nearest to the most samples."""
    nearest_counts = generative.modes_covered(samples, threshold=10.0).per_mode
    return int(nearest_counts.argmax()), (nearest_counts.max() / len(samples)).item()


hops = []
for step, samples, covers in zip(collapsed["step"], collapsed["samples"],
                                 collapsed["cover"]):
    if step >= 200:
        mode, share = fullest_mode(samples[0])
        hops.append([step, covers[0].count, mode, f"{share:.2f}"])
show_markdown(table(["step", "modes covered (seed 0)", "fullest mode",
                     "share of the samples nearest to it"], hops))

# %% tags=["hide-input"]
late = [(covers, samples) for step, covers, samples in
        zip(collapsed["step"], collapsed["cover"], collapsed["samples"]) if step >= 300]
late_counts = [c.count for covers, _ in late for c in covers]
late_shares = [fullest_mode(s)[1] for _, samples in late for s in samples]
balanced_shares = [fullest_mode(s)[1] for s in balanced["samples"][-1]]
answer(
    r"Almost none: from step 300 on, the three generators cover $@late$ modes on "
    r"average (at most @most at any check), against $@modes$ for the balanced GANs at "
    r"the end, and $@share$ of their samples lie nearest to one single mode, against "
    r"$@bshare$ for the balanced GANs (an even spread would give $1/8$). This is *mode "
    r"collapse*: the generator maps almost all of its inputs to one small region, "
    r"often not even onto a mode. And the region moves: seed 0's fullest mode changes "
    r"between checks (modes @path). With a slow discriminator, the generator's best "
    r"move is to put everything where the discriminator currently says *real*; by the "
    r"time the discriminator learns to reject that spot, the whole generator jumps to "
    r"the next one. Nothing in the loss rewards covering *all* modes, because each "
    r"fake is judged on its own. Remedies change what the discriminator sees "
    r"(statistics of a whole batch), how it learns (balanced learning rates, as in "
    r"20.4), or the divergence itself (Wasserstein GANs).",
    late=pm(late_counts, 2), most=max(late_counts),
    modes=pm([c.count for c in final], 1),
    share=pm(late_shares, 2), bshare=pm(balanced_shares, 2),
    path=" → ".join(str(row[2]) for row in hops),
)

# %% [markdown]
# ## Exercise 20.6: a GAN on MNIST
#
# *Train a small GAN on the MNIST "lab" training images and show a grid of samples.*
#
# Multilayer perceptrons: the generator maps $\mathbf{z} \in \mathbb{R}^{64}$ through two
# hidden layers of 128 units (LeakyReLU with slope 0.2) to 784 pixels with a final tanh;
# the discriminator mirrors it and outputs one logit. Pixels are rescaled to $[-1, 1]$ to
# match the tanh. Adam with learning rate $2 \times 10^{-3}$ and $\beta_1 = 0.5$, batches
# of 64, 700 steps, three seeds. During the generator's step the discriminator's weights
# need no gradient, so we switch it off: the same result, less work.

# %%
data = mnist.load_mnist("lab", normalize=False)
print(mnist.CREDIT)
X_train, y_train = data.X_train.to(device), data.y_train.to(device)  # pixels in [0, 1]
X_test, y_test = data.X_test.to(device), data.y_test.to(device)
Z_DIM = 64


def make_generator():
    return nn.Sequential(nn.Linear(Z_DIM, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128),
                         nn.LeakyReLU(0.2), nn.Linear(128, 784), nn.Tanh())


def make_discriminator():
    return nn.Sequential(nn.Linear(784, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128),
                         nn.LeakyReLU(0.2), nn.Linear(128, 1))


def train_mnist_gan(seed, num_steps=700, batch_size=64, lr=2e-3):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    G, D = make_generator().to(device), make_discriminator().to(device)
    optimizer_G = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    optimizer_D = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    for _ in range(num_steps):
        index = torch.randint(len(X_train), (batch_size,), generator=gen).to(device)
        real = 2 * X_train[index] - 1  # (B, 784) in [-1, 1]
        fake = G(torch.randn(batch_size, Z_DIM, generator=gen).to(device))
        loss_D = discriminator_loss(D(real).flatten(), D(fake.detach()).flatten())
        optimizer_D.zero_grad()
        loss_D.backward()
        optimizer_D.step()
        D.requires_grad_(False)  # the generator's step: gradients for G only
        loss_G = generator_losses(D(fake).flatten())[1]
        optimizer_G.zero_grad()
        loss_G.backward()
        optimizer_G.step()
        D.requires_grad_(True)
    return G.eval()


start = time.process_time()
mnist_gans = [train_mnist_gan(seed) for seed in SEEDS]
gan_seconds = time.process_time() - start

# %% tags=["timing"]
print(f"three MNIST GANs, 700 steps each: {gan_seconds:.1f} s of CPU time")

# %%
z_fixed = torch.randn(500, Z_DIM, generator=torch.Generator().manual_seed(3)).to(device)
with torch.no_grad():
    generated = [(G(z_fixed) + 1) / 2 for G in mnist_gans]  # (500, 784) in [0, 1] each
fig = plot.show_images(generated[0][:32].cpu(), ncols=8)
fig.suptitle("32 samples of the MNIST GAN, seed 0")
plt.show()

# %% [markdown]
# Judged by eye: blotchy, speckled shapes, some clearly digits (0, 3, 7, 9), many not.
# The next two exercises put numbers on "recognisable" and ask whether the generator
# merely copies its training images.
#
# ## Exercise 20.7: a classifier as judge
#
# *Train page 13's LeNet on the real digits (at least 97% test accuracy) and use it to
# judge the generated ones: how confident is it on them, and which classes does it see,
# compared with real test digits?*
#
# A good generator's samples should look like digits to a good classifier (high
# confidence) and cover all ten classes about equally (a flat histogram of predicted
# classes; a collapsed generator would give a spike). This is the idea behind the
# Inception score and the FID, which use a large ImageNet network instead of a LeNet.
#
# ### Your turn
#
# The classifier's confidence is its largest softmax probability.

# %%
def confidence_and_class(logits):
    """Largest softmax probability of each row, and its class. logits: (N, 10)."""
    ### BEGIN SOLUTION
    probs = F.softmax(logits, dim=1)
    confidence, predicted = probs.max(dim=1)
    return confidence, predicted
    ### END SOLUTION


# %%
confidence_and_class = selfcheck.check("confidence_and_class", confidence_and_class)


# %% [markdown]
# The judge: page 13's LeNet, trained on the same 8,000 images with pixels in $[0, 1]$,
# Adam with a one-cycle schedule up to $8 \times 10^{-3}$, batches of 128, 4 epochs,
# seed 0.

# %%
def make_lenet():  # page 13's network
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),  # (6, 12, 12)
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),  # (16, 4, 4)
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def as_images(X):
    return X.reshape(-1, 1, 28, 28)


start = time.process_time()
torch.manual_seed(0)
gen = torch.Generator().manual_seed(0)
judge = make_lenet().to(device)
optimizer = torch.optim.Adam(judge.parameters(), lr=8e-3)
num_epochs, batch_size = 4, 128
steps_per_epoch = math.ceil(len(X_train) / batch_size)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=8e-3, total_steps=num_epochs * steps_per_epoch)
for _ in range(num_epochs):
    for batch in torch.randperm(len(X_train), generator=gen).split(batch_size):
        batch = batch.to(device)
        loss = F.cross_entropy(judge(as_images(X_train[batch])), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
judge.eval()
judge_seconds = time.process_time() - start
with torch.no_grad():
    judge_accuracy = (judge(as_images(X_test)).argmax(dim=1) == y_test).float().mean()
print(f"the judge's accuracy on the 2,000 test images: {judge_accuracy:.2%}")

# %% tags=["timing"]
print(f"the judge: {judge_seconds:.1f} s of CPU time")


# %%
@torch.no_grad()
def judge_images(images):
    """Mean confidence, fraction above 0.9, class histogram and its entropy."""
    confidence, predicted = confidence_and_class(judge(as_images(images)))
    histogram = torch.bincount(predicted, minlength=10).float().cpu()
    shares = histogram / histogram.sum()
    entropy = -torch.special.xlogy(shares, shares).sum().item()
    return {"confidence": confidence.mean().item(),
            "sure": (confidence > 0.9).float().mean().item(),
            "histogram": histogram, "entropy": entropy}


real_judged = judge_images(X_test[:500])
gan_judged = [judge_images(images) for images in generated]
show_markdown(table(
    ["500 images", "mean confidence", "confidence > 0.9", "entropy of the classes"],
    [["real test digits", f"{real_judged['confidence']:.3f}",
      f"{real_judged['sure']:.3f}", f"{real_judged['entropy']:.3f}"],
     ["GAN samples (3 seeds)", *[mean_std([j[key] for j in gan_judged])
                                 for key in ("confidence", "sure", "entropy")]]],
))

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.0))
digits = torch.arange(10)
gan_hist = torch.stack([j["histogram"] for j in gan_judged])  # (3, 10)
ax.bar(digits - 0.2, real_judged["histogram"], width=0.4, color=plot.COLORS[0],
       label="real test digits")
ax.bar(digits + 0.2, gan_hist.mean(0), width=0.4, yerr=gan_hist.std(0), capsize=2,
       color=plot.COLORS[1], ecolor=plot.INK, label="GAN samples (mean ± std, 3 seeds)")
ax.set(xticks=digits.tolist(), xlabel="class predicted by the judge",
       ylabel="images (of 500)")
ax.set_title("which digits the judge sees")
ax.legend()
plt.show()

# %% tags=["hide-input"]
excess = gan_hist.mean(0) - real_judged["histogram"]  # (10,)
answer(
    r"The judge is right on $@acc$ of the real test digits and is sure of them: mean "
    r"confidence $@rconf$, and $@rsure$ of them above 0.9. On the GAN's samples its "
    r"mean confidence is $@gconf$ and only $@gsure$ pass 0.9: a minority look like "
    r"clean digits to it, the rest are ambiguous shapes between two digits or "
    r"scribbles. The classes are spread over all ten digits (entropy $@gent$ nats, "
    r"against $@rent$ for real digits and $\ln 10 = @ln10$ for a perfectly flat "
    r"histogram), unevenly: the GANs make too many @most (@more more per 500 than the "
    r"real digits) and too few @least (@fewer fewer)." "\n\n"
    r"That is the quality that 700 steps of two small perceptrons reach (their CPU "
    r"time is in the timing cell above): speckled, often ambiguous digits that are not "
    r"copies (20.8). Longer training and convolutional networks (a DCGAN) are the way "
    r"to clean digits, at many times this cost.",
    acc=f"{judge_accuracy:.1%}".replace("%", r"\%"), rconf=real_judged["confidence"],
    rsure=real_judged["sure"], gconf=pm([j["confidence"] for j in gan_judged]),
    gsure=pm([j["sure"] for j in gan_judged]),
    gent=pm([j["entropy"] for j in gan_judged]), rent=real_judged["entropy"],
    ln10=math.log(10),
    most=f"{int(excess.argmax())}s", more=f"{excess.max().item():.0f}",
    least=f"{int(excess.argmin())}s", fewer=f"{-excess.min().item():.0f}",
)


# %% [markdown]
# ## Exercise 20.8: copies of the training set?
#
# *For each generated digit find its nearest training image (Euclidean distance between
# the 784 pixels). Is the generator copying its training data?*
#
# A generator could score well on 20.7 by reproducing training images. The test: compare
# each sample's distance to its nearest training image with the same distance for *real
# test images*, which are new digits by construction. Copies would sit much closer.
#
# ### Your turn
#
# `torch.cdist(A, B)` gives all pairwise Euclidean distances between the rows.

# %%
def nearest_neighbours(samples, train):
    """Distance to the nearest row of train, and its index. samples: (N, d)."""
    ### BEGIN SOLUTION
    distances = torch.cdist(samples, train)  # (N, M)
    distance, index = distances.min(dim=1)
    return distance, index
    ### END SOLUTION


# %%
nearest_neighbours = selfcheck.check("nearest_neighbours", nearest_neighbours)

# %%
real_distance, _ = nearest_neighbours(X_test[:500], X_train)
gan_neighbours = [nearest_neighbours(images, X_train) for images in generated]
show_markdown(table(
    ["500 images", "median distance to nearest training image", "smallest distance"],
    [["real test digits", f"{real_distance.median():.2f}",
      f"{real_distance.min():.2f}"],
     ["GAN samples (3 seeds)",
      mean_std([d.median().item() for d, _ in gan_neighbours], 2),
      mean_std([d.min().item() for d, _ in gan_neighbours], 2)]],
))

# %%
distance, index = gan_neighbours[0]
pairs = torch.cat([generated[0][:8], X_train[index[:8]]])
titles = [f"{d:.1f}" for d in distance[:8].tolist()] + ["nearest"] * 8
fig = plot.show_images(pairs.cpu(), titles=titles, ncols=8)
fig.suptitle("GAN samples (top, with the distance) and their nearest training images")
plt.show()

# %% tags=["hide-input"]
answer(
    r"No. The generated digits are *farther* from their nearest training image (median "
    r"$@gmed$) than real test digits are ($@rmed$), and even the closest of 500 "
    r"samples ($@gmin$) is farther than the closest real test digit ($@rmin$). The "
    r"pairs show the same: the nearest training image is a digit of the same kind, not "
    r"the same picture. The generator has learnt shapes, not copies. (A small distance "
    r"would not prove copying either; it is the comparison with real, unseen digits "
    r"that calibrates the number. Pixel distances are crude; published checks compare "
    r"features of a trained network.)",
    gmed=pm([d.median().item() for d, _ in gan_neighbours], 2),
    rmed=real_distance.median().item(),
    gmin=pm([d.min().item() for d, _ in gan_neighbours], 2),
    rmin=real_distance.min().item(),
)

# %% [markdown]
# ## Summary
#
# `labkit.generative` has the pieces of this page, and they agree with yours: the value,
# the optimal discriminator and JS on a grid, and the losses from logits (also at logits
# of ±100, where the logs of probabilities overflow).

# %%
p_far = normal_pdf(7.0, 0.2)
_ = compare("gan_value", gan_value(p_data, p_g, d_star, dx),
            generative.gan_value(p_data, p_g, d_star, dx), atol=1e-12)
_ = compare("D*", optimal_discriminator(p_data, p_g),
            generative.optimal_discriminator(p_data, p_g))
_ = compare("JS", js_divergence(p_data, p_far, dx),
            generative.js_divergence(p_data, p_far, dx), atol=1e-12)
extreme = torch.tensor([-100.0, -5.0, 0.0, 5.0, 100.0])
mine = generator_losses(extreme)
_ = compare("saturating", mine[0], generative.generator_loss_saturating(extreme))
_ = compare("non-saturating", mine[1], generative.generator_loss_nonsaturating(extreme))
_ = compare("D loss", discriminator_loss(extreme, -extreme),
            generative.discriminator_loss(extreme, -extreme))

# %% [markdown]
# - The discriminator's best response is $D^* = p_\text{data} / (p_\text{data} + p_g)$,
#   and against it the generator minimises $-\log 4 + 2\,\mathrm{JS}(p_\text{data} \Vert
#   p_g)$, minimal exactly at $p_g = p_\text{data}$. JS saturates at $\log 2$ when the
#   distributions do not overlap, and the signal for the generator with it.
# - The generator is trained with the non-saturating loss $-\log D(G(z))$: its
#   gradient is $1 - D$ where the minimax loss's is $D$, which vanishes when the
#   discriminator wins.
# - GANs on the ring of Gaussians cover most of the modes when the two players learn at
#   the same pace, and collapse onto one mode at a time, hopping between them, when the
#   generator outpaces the discriminator.
# - Generated digits are judged with numbers: a classifier's confidence and class
#   histogram, and the distance to the nearest training image compared with that of
#   real unseen digits.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Train the ring GANs of 20.4 with the *saturating* loss, once with Adam and once with
#    plain SGD (after a short discriminator head start). Which one fails, and why does
#    Adam hide the problem?
# 2. Replace the MNIST GAN's perceptrons by a small DCGAN (transposed convolutions in the
#    generator, strided convolutions in the discriminator, batch normalisation). How do
#    the judge's numbers change per second of training?
# 3. Give the judge of 20.7 the VAE of page 19: decode 500 samples from its prior and
#    compare confidence, class histogram and nearest-neighbour distances with the GAN's.
# 4. Minibatch discrimination: let the discriminator of 20.5 see the standard deviation
#    of each batch as an extra feature. Does the strong generator still collapse?
#
# ## Next
#
# [The mini-project](21-mini-project.py), the last page of Part IV: a project of your own,
# with a template, a rubric and a worked example.
