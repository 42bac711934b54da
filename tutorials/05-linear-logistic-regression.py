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
# # Linear and logistic regression
#
# **Sheets:** Deep Learning Lab manual (CSE 3281), lab 3 "Deep Learning Library in
# PyTorch": exercise questions 1–7 and the additional question.
#
# **What you need:** autograd, `requires_grad` and `.backward()`
# ([Computation graphs and autograd](04-autograd.py)), the sigmoid
# ([Activation functions](02-activations.py)), derivatives of sums and squares, and a
# little linear algebra (the eigenvalues of a symmetric matrix) for the learning rate in
# exercise 3.
#
# ## What you will learn
#
# - four ways to write one linear regression in PyTorch: a loop with autograd and a
#   manual update, a hand-made class, an `nn.Module` fed by a `Dataset` and a
#   `DataLoader` and trained with `torch.optim.SGD`, and `nn.Linear`;
# - to derive `w.grad` and `b.grad` by hand and check them against autograd, for either
#   sign convention of the error;
# - why the sheet's learning rate of 0.001 makes training crawl on some data, how to
#   predict from the data alone which rates diverge (the bound $2/\lambda_{\max}$), and
#   how standardising the input fixes it;
# - multiple linear regression, checked against the closed-form least-squares solution;
# - logistic regression: a sigmoid fitted to 0/1 labels with the cross-entropy, its
#   gradient by hand, and its 0.5 decision boundary.
#
# ## The exercises on this page
#
# | exercise | you write | self-check |
# |---|---|---|
# | [1 A loop with autograd](#exercise-1-a-loop-with-autograd-and-a-manual-update) | `mse_loss`, `gd_step` | 2 |
# | [2 The gradients by hand](#exercise-2-and-the-additional-question-the-gradients-by-hand) | `linreg_grad` | 1 |
# | [3 A RegressionModel class](#exercise-3-a-regressionmodel-class) | `RegressionModel`, `fit_regression_model` | 1 |
# | [4 nn.Module, Dataset, DataLoader, SGD](#exercise-4-nnmodule-dataset-dataloader-and-sgd) | `LinearRegressionModel`, `PointsDataset`, `fit_with_dataloader` | 1 |
# | [5 nn.Linear](#exercise-5-nnlinear) | `fit_nn_linear` | 1 |
# | [6 Multiple linear regression](#exercise-6-multiple-linear-regression) | `linreg_grad_multi`, `normal_equations` | 2 |
# | [7 Logistic regression](#exercise-7-logistic-regression) | `logistic_forward`, `logistic_grad` | 2 |
#
# Each exercise has a **Your turn** cell: a function to fill in, the worked solution
# folded under it, and a self-check that runs your function on random inputs and names
# the likely mistake. Download the *exercise notebook* (top of the page) to work on your
# own copy: there the solutions are blank and every self-check says "not attempted yet"
# until you write the function.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from labkit import compare, get_device, plot, seed_everything, selfcheck
from labkit.display import answer, show_markdown, show_math, table
from labkit.regression import (
    gd_fit, least_squares, max_stable_lr, mse_hessian, mse_linear, mse_linear_grad,
    standardize, unstandardize,
)

plot.use_style()
seed_everything(0)
device = get_device()

# %% [markdown]
# The sheet's two data sets: 23 points for exercises 1 and 5, and the 5 points of its
# worked problem, which exercises 3 and 4 use. Its learning rate is 0.001 throughout.

# %%
x23 = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8,
                    20.3, 22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7,
                    21.2], device=device)
y23 = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4,
                    17.7, 19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2,
                    18.6], device=device)
x5 = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0], device=device)
y5 = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0], device=device)
learning_rate = 0.001
num_epochs = 100

# %% [markdown]
# Each fit is shown as its loss curve next to the data, the fitted line and, dashed, the
# least-squares line (the exact minimiser, from `labkit.regression.least_squares`):


# %%
def show_fit(losses, w, b, x, y, title):
    fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.2))
    plot.plot_loss(losses, ax=ax_loss, logy=True)
    ax_loss.set_title(f"{title}: loss")
    w_ls, b_ls = least_squares(x.unsqueeze(1), y)
    grid = torch.linspace(0, x.max().item() * 1.05, 50, device=x.device)
    ax_fit.scatter(x.cpu(), y.cpu(), s=18, color=plot.COLORS[0], label="data",
                   zorder=3)
    ax_fit.plot(grid.cpu(), (float(w) * grid + float(b)).cpu(), color=plot.COLORS[1],
                label="fitted")
    ax_fit.plot(grid.cpu(), (w_ls * grid + b_ls).cpu(), "--", color=plot.COLORS[2],
                label="least squares")
    ax_fit.set(xlabel="$x$", ylabel="$y$", title=f"{title}: fit")
    ax_fit.legend()
    plt.show()


# %% [markdown]
# ## Exercise 1: a loop with autograd and a manual update
#
# *Build a linear regression model for the 23 points, with $w$ and $b$ initialised to 1
# and learning rate 0.001. Plot the loss against the epoch.*
#
# The model predicts $\hat y_i = w x_i + b$ and the loss is the sheet's mean squared
# error over the $N$ points,
#
# $$
# L(w, b) = \frac{1}{N}\sum_{i=1}^{N} \bigl(\hat y_i - y_i\bigr)^2 .
# $$
#
# Gradient descent with learning rate $\eta$ moves each parameter against its gradient:
#
# $$
# w \leftarrow w - \eta\,\frac{\partial L}{\partial w}, \qquad
# b \leftarrow b - \eta\,\frac{\partial L}{\partial b} .
# $$
#
# The sheet's loop does this in four steps per epoch: compute the predictions and the
# loss, let autograd fill `w.grad` and `b.grad` (`loss.backward()`), update the two
# parameters inside `torch.no_grad()` (the update must not become part of the graph), and
# reset the gradients, which `backward` would otherwise add to.
#
# ### Your turn
#
# Write the loss and the update. `gd_step` returns new tensors and leaves its inputs
# alone; the loop below copies the result into `w` and `b`.

# %%
def mse_loss(y_hat, y):
    """Mean squared error (1/N) Σ (ŷ_i − y_i)². y_hat, y: (N,). Returns shape ()."""
    ### BEGIN SOLUTION
    return ((y_hat - y) ** 2).mean()
    ### END SOLUTION


def gd_step(w, b, dw, db, lr):
    """One gradient-descent step: returns (w − lr·dw, b − lr·db) as new tensors."""
    ### BEGIN SOLUTION
    return w - lr * dw, b - lr * db
    ### END SOLUTION


# %%
mse_loss = selfcheck.check("mse_loss", mse_loss)
gd_step = selfcheck.check("gd_step", gd_step)

# %% [markdown]
# The sheet's loop with these two functions. The sheet adds up the loss point by point
# in an inner loop over `j`; `mse_loss` computes the same sum for all points at once.

# %%
w = torch.ones(1, requires_grad=True, device=device)
b = torch.ones(1, requires_grad=True, device=device)
losses_ex1 = []
for epoch in range(num_epochs):
    loss = mse_loss(w * x23 + b, y23)  # 1. forward and loss
    losses_ex1.append(loss.item())
    loss.backward()  # 2. dL/dw and dL/db
    with torch.no_grad():  # 3. update, outside the graph
        w_new, b_new = gd_step(w, b, w.grad, b.grad, learning_rate)
        w.copy_(w_new)
        b.copy_(b_new)
    w.grad.zero_()  # 4. reset the gradients
    b.grad.zero_()
    if epoch % 25 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d}: w = {w.item():.4f}, b = {b.item():.4f}, "
              f"loss = {loss.item():.4f}")
w_ex1, b_ex1 = w.detach().clone(), b.detach().clone()

# %%
show_fit(losses_ex1, w_ex1, b_ex1, x23, y23, "Exercise 1")

# %% [markdown]
# Where the run stopped, against the exact minimiser $(w^*, b^*)$ of the 23 points, and
# the eigenvalues of the loss's Hessian (exercise 3 explains why they matter):

# %%
X23 = x23.unsqueeze(1)  # (23, 1)
w_star23, b_star23 = least_squares(X23, y23)
lam23 = torch.linalg.eigvalsh(mse_hessian(X23.double()))  # ascending
loss_star23 = mse_linear(X23, y23, w_star23, b_star23)
print(f"after 100 epochs: w = {w_ex1.item():.4f}, b = {b_ex1.item():.4f}, "
      f"loss = {losses_ex1[-1]:.4f}")
print(f"least squares:    w* = {w_star23.item():.4f}, b* = {b_star23.item():.4f}, "
      f"loss = {loss_star23.item():.4f}")
print(f"Hessian eigenvalues {lam23[0].item():.4f} and {lam23[1].item():.1f}")

# %% tags=["hide-input"]
answer(
    r"The loss falls steeply over the first epochs, from $@l0$ to $@l10$ after 10, "
    r"then flattens at $@l100$ after 100, above the minimum $@lstar$. The fitted line "
    r"looks close to the least-squares line over the data, but not for the right "
    r"reason: $b = @b$ has hardly left its initial value 1 ($b^* = @bstar$), and the "
    r"slope $w = @w$ stays below $w^* = @wstar$ to make up for the too-high intercept. "
    r"Since $x$ only spans $@xmin$ to $@xmax$, a smaller slope almost compensates, so "
    r"the loss is already small. The Hessian's eigenvalues, $@lmin$ and $@lmax$ "
    r"(condition "
    r"number $@kappa$), say why the intercept crawls: exercise 3 works it out.",
    l0=losses_ex1[0], l10=losses_ex1[10], l100=losses_ex1[-1], lstar=loss_star23,
    w=w_ex1, wstar=w_star23, b=b_ex1, bstar=b_star23, lmin=lam23[0], lmax=lam23[1],
    xmin=x23.min(), xmax=x23.max(),
    kappa=round((lam23[1] / lam23[0]).item()),
)

# %% [markdown]
# ## Exercise 2 and the additional question: the gradients by hand
#
# *For $x = (2, 4)$, $y = (20, 40)$, $w = b = 1$ and learning rate 0.001, find `w.grad`
# and `b.grad` analytically, implement them, and verify the gradients and the updated
# parameters for two epochs, with the error written $\hat y - y$ (exercise 2) and
# $y - \hat y$ (the additional question).*
#
# **Derivation.** Write the error $e_i = \hat y_i - y_i = w x_i + b - y_i$. The chain rule
# through $e_i$, with $\partial e_i/\partial w = x_i$ and $\partial e_i/\partial b = 1$:
#
# $$
# \frac{\partial L}{\partial w} = \frac{2}{N}\sum_{i} e_i\, x_i, \qquad
# \frac{\partial L}{\partial b} = \frac{2}{N}\sum_{i} e_i .
# $$
#
# The additional question writes the error the other way round. Squaring removes the
# difference, and so does the chain rule:
#
# $$
# \begin{aligned}
# \frac{\partial}{\partial w}(y_i - \hat y_i)^2
#   &= 2\,(y_i - \hat y_i)\cdot\frac{\partial (y_i - \hat y_i)}{\partial w} \\
#   &= 2\,(y_i - \hat y_i)\cdot(-x_i) = 2\,(\hat y_i - y_i)\, x_i .
# \end{aligned}
# $$
#
# Both sign flips, the error's and its inner derivative's, cancel: the loss, the gradient
# and the updates are the same. The trap is to drop the inner derivative $-x_i$ and
# write $2(y_i - \hat y_i)x_i$: that is the gradient with the wrong sign, and
# "descending" along it climbs the loss.
#
# ### Your turn

# %%
def linreg_grad(x, y, w, b):
    """(dL/dw, dL/db) of the MSE of ŷ = wx + b. x, y: (N,); w, b: shape ()."""
    ### BEGIN SOLUTION
    e = w * x + b - y  # (N,)
    n = len(x)
    return 2 / n * (e * x).sum(), 2 / n * e.sum()
    ### END SOLUTION


# %%
linreg_grad = selfcheck.check("linreg_grad", linreg_grad)

# %% [markdown]
# **Two epochs by hand**, in `float64` so that the comparison shows only genuine
# differences: each epoch's numbers come from your `linreg_grad` and `gd_step`.

# %%
f64 = dict(dtype=torch.float64, device=device)
x2 = torch.tensor([2.0, 4.0], **f64)
y2 = torch.tensor([20.0, 40.0], **f64)
w_h = b_h = torch.tensor(1.0, **f64)
by_hand = []  # per epoch: (dw, db, w after, b after)
before = []  # per epoch: (w, b, ŷ, e) before the update
for epoch in (1, 2):
    dw, db = linreg_grad(x2, y2, w_h, b_h)
    w_next, b_next = gd_step(w_h, b_h, dw, db, learning_rate)
    before.append((w_h, b_h, w_h * x2 + b_h, w_h * x2 + b_h - y2))
    by_hand.append((dw, db, w_next, b_next))
    w_h, b_h = w_next, b_next

# %% tags=["hide-input"]
for epoch, ((w_h, b_h, y_hat, e), (dw, db, w_next, b_next)) in enumerate(
        zip(before, by_hand), start=1):
    show_math(
        r"""\begin{aligned}
        &\textbf{epoch @k}:\ w = @w,\ b = @b\\
        &\hat y = w x + b = (@yh0,\ @yh1),\quad e = \hat y - y = (@e0,\ @e1)\\
        &\frac{\partial L}{\partial w} = \tfrac{2}{2}\bigl((@e0)\cdot 2
          + (@e1)\cdot 4\bigr) = @dw\\
        &\frac{\partial L}{\partial b} = \tfrac{2}{2}\bigl((@e0) + (@e1)\bigr) = @db\\
        &w \leftarrow @w - 0.001\cdot(@dw) = @wn\\
        &b \leftarrow @b - 0.001\cdot(@db) = @bn
        \end{aligned}""",
        digits=6, k=epoch, w=w_h, b=b_h, yh0=y_hat[0], yh1=y_hat[1], e0=e[0], e1=e[1],
        dw=dw, db=db, wn=w_next, bn=b_next,
    )

# %% [markdown]
# **Check against autograd**: the same two epochs with `loss.backward()`, once with each
# sign convention of the error. `compare` takes the largest difference over all eight
# numbers of each run.


# %%
def two_epochs_autograd(error):
    w = torch.tensor(1.0, **f64, requires_grad=True)
    b = torch.tensor(1.0, **f64, requires_grad=True)
    record = []
    for _ in range(2):
        loss = (error(w * x2 + b, y2) ** 2).mean()
        loss.backward()
        grads = (w.grad.clone(), b.grad.clone())
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
        record.append((*grads, w.detach().clone(), b.detach().clone()))
    return record


auto_a = two_epochs_autograd(lambda y_hat, y: y_hat - y)  # exercise 2
auto_b = two_epochs_autograd(lambda y_hat, y: y - y_hat)  # additional question
names = ["`w.grad`", "`b.grad`", "$w$ after", "$b$ after"]
show_markdown(table(
    ["epoch: value", "by hand", r"autograd, $\hat y - y$", r"autograd, $y - \hat y$"],
    [[f"{epoch + 1}: {name}", by_hand[epoch][k], auto_a[epoch][k], auto_b[epoch][k]]
     for epoch in range(2) for k, name in enumerate(names)],
    digits=6,
))
hand = torch.stack([v for epoch in by_hand for v in epoch])
for name, auto in [("(yp-y) all", auto_a), ("(y-yp) all", auto_b)]:
    compare(name, hand, torch.stack([v for epoch in auto for v in epoch]))

# %% [markdown]
# The first epoch with the error written $y - \hat y$ and its inner derivative $-x$, as in
# the derivation, and the version that forgets the inner derivative:

# %% tags=["hide-input"]
e_rev = y2 - (x2 + 1.0)  # w = b = 1
show_math(
    r"""\begin{aligned}
    e' &= y - \hat y = (@e0,\ @e1)\\
    \tfrac{2}{N}\textstyle\sum_i e'_i\,(-x_i) &= @right\\
    \tfrac{2}{N}\textstyle\sum_i e'_i\,x_i &= @wrong
      \quad\text{(inner derivative forgotten)}
    \end{aligned}""",
    e0=e_rev[0], e1=e_rev[1], right=(e_rev * -x2).mean() * 2,
    wrong=(e_rev * x2).mean() * 2,
)

# %% tags=["hide-input"]
answer(
    r"In the first epoch $\hat y = (@yh0, @yh1)$ and $e = (@e0, @e1)$, so `w.grad` $= "
    r"@dw1$ and `b.grad` $= @db1$; the update gives $w = @w1$ and $b = @b1$. The "
    r"second epoch starts from there: `w.grad` $= @dw2$, `b.grad` $= @db2$, $w = @w2$, "
    r"$b = @b2$. Autograd gives the same eight numbers for both definitions of the "
    r"error (largest difference $@diff$). With $y - \hat y$ the error changes sign, "
    r"but so does its derivative with respect to $w$ and $b$ ($-x$ and $-1$); the "
    r"product is unchanged. The gradients are large and negative because the"
    r" line $y = x + 1$ lies far below the points, so both parameters increase.",
    yh0=before[0][2][0], yh1=before[0][2][1], e0=before[0][3][0], e1=before[0][3][1],
    dw1=by_hand[0][0], db1=by_hand[0][1], w1=by_hand[0][2],
    b1=by_hand[0][3], dw2=by_hand[1][0], db2=by_hand[1][1], w2=by_hand[1][2],
    b2=by_hand[1][3],
    diff=max((hand - torch.stack([v for ep in a for v in ep])).abs().max().item()
             for a in (auto_a, auto_b)),
)

# %% [markdown]
# ## Exercise 3: a RegressionModel class
#
# *Write a class `RegressionModel` with $w$ and $b$ initialised to 1 and four methods:
# `forward(x)` for $wx + b$, `update()` for the gradient step, `reset_grad()` and
# `criterion(y, yp)` for the squared error. Create a `model`, invoke every method, and
# plot the loss over 100 epochs on the 5 points.*
#
# The sheet says `reset_grad()` "resets parameters to zero"; it resets their
# *gradients*, as its code does. The class holds what exercise 1 kept in loose
# variables; the loop is the same.
#
# ### Your turn
#
# Write the four methods, then `fit_regression_model`, which creates the model and runs
# the sheet's loop (the loss accumulated point by point, averaged, then `backward`,
# `update`, `reset_grad`). It returns the final `w`, `b` and the losses as a tensor.

# %%
class RegressionModel:
    def __init__(self, lr, device=None):
        ### BEGIN SOLUTION
        self.w = torch.ones(1, requires_grad=True, device=device)
        self.b = torch.ones(1, requires_grad=True, device=device)
        self.lr = lr
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.w * x + self.b
        ### END SOLUTION

    def update(self):
        ### BEGIN SOLUTION
        with torch.no_grad():
            self.w -= self.lr * self.w.grad
            self.b -= self.lr * self.b.grad
        ### END SOLUTION

    def reset_grad(self):
        ### BEGIN SOLUTION
        self.w.grad.zero_()
        self.b.grad.zero_()
        ### END SOLUTION

    def criterion(self, y, yp):
        ### BEGIN SOLUTION
        return (y - yp) ** 2
        ### END SOLUTION


def fit_regression_model(x, y, lr, num_epochs):
    """Train a RegressionModel on x, y: (N,). Returns (w (1,), b (1,), losses)."""
    ### BEGIN SOLUTION
    model = RegressionModel(lr, device=x.device)
    loss_list = []
    for _ in range(num_epochs):
        loss = 0.0
        for j in range(len(x)):
            loss += model.criterion(y[j], model.forward(x[j]))
        loss = loss / len(x)
        loss_list.append(loss.item())
        loss.backward()
        model.update()
        model.reset_grad()
    return model.w.detach(), model.b.detach(), torch.tensor(loss_list)
    ### END SOLUTION


# %%
fit_regression_model = selfcheck.check("fit_regression_model", fit_regression_model)

# %%
w_ex3, b_ex3, losses_ex3 = fit_regression_model(x5, y5, learning_rate, num_epochs)
print(f"w = {w_ex3.item():.4f}, b = {b_ex3.item():.4f}, loss = {losses_ex3[-1]:.2f}")
show_fit(losses_ex3, w_ex3, b_ex3, x5, y5, "Exercise 3")

# %% [markdown]
# The loss drops within a few epochs, then flattens well above the least-squares loss:
# the line has found the slope but not the intercept. Why?
#
# ### Why a learning rate converges, crawls or diverges
#
# $L$ is a quadratic in $\boldsymbol\theta = (w, b)$, and its Hessian does not depend
# on $\boldsymbol\theta$:
#
# $$
# \begin{aligned}
# H &= \frac{2}{N} A^\top A
#    = 2\begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1 \end{pmatrix},\\
# A &= \begin{pmatrix} x_1 & 1 \\ \vdots & \vdots \\ x_N & 1\end{pmatrix},
# \end{aligned}
# $$
#
# where bars are means over the data. With $\boldsymbol\theta^*$ the minimiser,
# $\nabla L = H(\boldsymbol\theta - \boldsymbol\theta^*)$, so one step maps
#
# $$
# \boldsymbol\theta_{t+1} - \boldsymbol\theta^*
#   = (I - \eta H)\,(\boldsymbol\theta_t - \boldsymbol\theta^*).
# $$
#
# Along an eigenvector of $H$ with eigenvalue $\lambda$, the distance to the minimum is
# multiplied by $1 - \eta\lambda$ every epoch. Hence:
#
# - **divergence** when $|1 - \eta\lambda_{\max}| > 1$, that is $\eta > 2/\lambda_{\max}$:
#   the steepest direction overshoots further each step;
# - **crawling** along the flattest direction, which shrinks only by
#   $1 - \eta\lambda_{\min}$ per epoch: about $1/(\eta\lambda_{\min})$ epochs per factor
#   $e$;
# - the best a single $\eta$ can do is limited by the **condition number**
#   $\kappa = \lambda_{\max}/\lambda_{\min}$: stability forces
#   $\eta\lambda_{\min} < 2/\kappa$.
#
# With $x$ in the tens, $\overline{x^2}$ is in the hundreds while the $b$-entry is 1: $H$
# is badly conditioned. The fix is to **standardise** the input,
# $z = (x - \bar x)/s_x$, with $s_x$ the sample standard deviation (divided by $N - 1$,
# as `torch.std` does). Then $\bar z = 0$ and $\overline{z^2} = (N-1)/N$, so
#
# $$
# H_z = 2\begin{pmatrix} (N-1)/N & 0 \\ 0 & 1 \end{pmatrix}:
# $$
#
# diagonal, with eigenvalues $2(N-1)/N$ and 2, close to each other but not equal. A line
# fitted to $z$ converts back with $w = w_z/s_x$, $b = b_z - w_z\bar x/s_x$.
#
# What this predicts, computed from the data: the bound $2/\lambda_{\max}$, $\kappa$ and
# the epochs per factor $e$ at the sheet's $\eta = 0.001$, for both data sets and for
# the 5 points standardised (in `float64`, so the fix below can be compared with least
# squares to rounding):

# %%
X5 = x5.unsqueeze(1).double()  # (5, 1)
Y5 = y5.double()
Z5, mean5, std5 = standardize(X5)
rows = []
for label, X in [("5 points, $x$", X5), ("23 points, $x$", X23.double()),
                 ("5 points, $z$", Z5)]:
    lam = torch.linalg.eigvalsh(mse_hessian(X))  # ascending
    kappa = round((lam[1] / lam[0]).item(), 2)
    rows.append([label, lam[0], lam[1], kappa, max_stable_lr(X),
                 round(1 / (learning_rate * lam[0].item()))])
show_markdown(table(
    ["data", r"$\lambda_{\min}$", r"$\lambda_{\max}$", r"$\kappa$",
     r"$2/\lambda_{\max}$", r"$1/(\eta\lambda_{\min})$"],
    rows,
))

# %% [markdown]
# The sheet's 0.001 is below the bound on both data sets: it does not diverge, it
# **crawls**. Three runs on the 5 points show the three regimes: the sheet's rate for 100
# epochs and for much longer, and a rate 5 % above the bound. The vertical axis is the
# gap to the least-squares loss, on a log scale. `gd_fit` is the loop above with the
# gradient of exercise 2 in place of autograd.

# %%
b0 = torch.tensor(1.0, **f64)
w0 = b0.reshape(1)
w_star5, b_star5 = least_squares(X5, Y5)
loss_star5 = mse_linear(X5, Y5, w_star5, b_star5)
bound5 = max_stable_lr(X5)
_, b_100, _ = gd_fit(X5, Y5, w0, b0, lr=learning_rate, num_epochs=100)
_, b_slow, losses_slow = gd_fit(X5, Y5, w0, b0, lr=learning_rate, num_epochs=8000)
_, _, losses_div = gd_fit(X5, Y5, w0, b0, lr=1.05 * bound5, num_epochs=150)
epochs_to_1pct = int(((losses_slow - loss_star5) > 0.01 * loss_star5).sum())
print(f"bound = {bound5:.5f}; the diverging run uses lr = {1.05 * bound5:.5f}")
print(f"lr = 0.001: b after 100 epochs = {b_100.item():.3f}, "
      f"after 8000 epochs = {b_slow.item():.3f}; "
      f"least squares b* = {b_star5.item():.3f}")
print(f"epochs until the loss is within 1 % of the minimum: {epochs_to_1pct}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(plot.WIDTH, 3.2))
gap = (losses_slow - loss_star5).cpu()
ax1.plot(range(100), gap[:100], label="η = 0.001 (sheet)")
ax1.plot(range(150), (losses_div - loss_star5).cpu(), label="η = 1.05 × bound")
ax1.set(yscale="log", xlabel="epoch", ylabel="loss − minimum",
        title="first 100 epochs")
ax1.legend()
ax2.plot(range(len(gap)), gap, label="η = 0.001 (sheet)")
ax2.set(yscale="log", xlabel="epoch", title="the sheet's rate, 8000 epochs")
ax2.legend()
plt.show()

# %% [markdown]
# Left: the sheet's rate drops the loss by orders of magnitude in a few epochs (the
# steep direction) and then almost stops: the remaining gap lies along the flat
# direction, which shrinks by $1 - \eta\lambda_{\min}$ per epoch. A rate just above the
# bound diverges instead, the loss growing by $(\eta\lambda_{\max}-1)^2$ per epoch.
# Right: at the sheet's rate the gap does close, as a straight line on the log scale (a
# constant factor per epoch), but only after thousands of epochs.
#
# **The fix** (a change to the sheet): the same data, loss and gradient descent, on $z$
# with $\eta = 0.3$, well below the standardised bound in the table, for the sheet's 100
# epochs; the line is then converted back to $x$.

# %%
zero64 = torch.tensor(0.0, **f64)
w_z, b_z, losses_fix = gd_fit(Z5, Y5, zero64.reshape(1), zero64, lr=0.3,
                              num_epochs=100)
w_fix, b_fix = unstandardize(w_z, b_z, mean5, std5)
compare("w (fix) vs lstsq", w_fix, w_star5, atol=1e-4)
_ = compare("b (fix) vs lstsq", b_fix, b_star5, atol=1e-4)

# %%
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.2))
ax.plot(range(100), gap[:100], label="sheet: x, η = 0.001")
ax.plot(range(100), (losses_fix - loss_star5).clamp_min(1e-12).cpu(),
        label="fix: standardised x, η = 0.3")
ax.set(yscale="log", xlabel="epoch", ylabel="loss − minimum",
       title="100 epochs on the 5 points: raw against standardised x")
ax.legend()
plt.show()

# %% [markdown]
# The standardised problem reaches the least-squares line to rounding within the sheet's
# 100 epochs. (Once the gap is below the rounding of `float64` on a loss in the hundreds
# it can come out slightly negative; the curve is floored at $10^{-12}$ for the log
# scale.)

# %% tags=["hide-input"]
answer(
    r"The sheet's $\eta = 0.001$ is stable on the 5 points (the bound is $@bound$) but "
    r"it **crawls**: the Hessian's eigenvalues are $@l0$ and $@l1$, a condition number "
    r"of $@kappa$, so once the slope is found the intercept creeps towards $b^*$ by a "
    r"factor $1 - \eta\lambda_{\min}$ per epoch. After 100 epochs $b = @b100$ against "
    r"$b^* = @bstar$; after 8,000 it is $@bslow$, and the loss comes within 1 % of its "
    r"minimum only after $@epochs$ epochs. Raising $\eta$ helps only up to the bound; "
    r"just above it the loss explodes. Standardising $x$ (with the sample standard "
    r"deviation) makes the Hessian diagonal with eigenvalues $@z0$ and $@z1$: not equal"
    r" (with the population standard deviation they would both be 2), but "
    r"$\kappa = @zkappa$ instead of $@kappa$, so one moderate $\eta$ suits both "
    r"directions and 100 epochs reach $b^*$ to $@bdiff$.",
    bound=bound5, l0=rows[0][1], l1=rows[0][2], kappa=round(rows[0][3]),
    b100=b_100, bstar=b_star5, bslow=b_slow, epochs=epochs_to_1pct, z0=rows[2][1],
    z1=rows[2][2], zkappa=rows[2][3], bdiff=(b_fix - b_star5).abs(),
)

# %% [markdown]
# ## Exercise 4: nn.Module, Dataset, DataLoader and SGD
#
# *Convert the program of exercise 3 to extend `nn.Module`, override the necessary
# methods, use `Dataset` and `DataLoader` from `torch.utils.data`, and the optimizer
# `torch.optim.SGD`.*
#
# The parameters become `nn.Parameter`s, so `model.parameters()` finds them for the
# optimizer; `forward` is the method `nn.Module` calls for `model(x)`. A `Dataset` says
# how many points there are (`__len__`) and how to get one (`__getitem__`); a
# `DataLoader` draws shuffled mini-batches from it. We use mini-batches of one point, so
# an epoch is 5 updates (the sheet does not fix the batch size), and `optimizer.step()`
# and `optimizer.zero_grad()` replace `update` and `reset_grad`.
#
# ### Your turn
#
# Write the two classes and `fit_with_dataloader`. Shuffle with
# `generator=torch.Generator().manual_seed(seed)`, so that a run can be repeated (and
# checked). The epoch's loss is the mean of its batch losses.

# %%
class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.w = nn.Parameter(torch.ones(1))
        self.b = nn.Parameter(torch.ones(1))
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.w * x + self.b
        ### END SOLUTION


class PointsDataset(Dataset):
    def __init__(self, x, y):
        ### BEGIN SOLUTION
        self.x, self.y = x, y
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.x)
        ### END SOLUTION

    def __getitem__(self, idx):
        ### BEGIN SOLUTION
        return self.x[idx], self.y[idx]
        ### END SOLUTION


def fit_with_dataloader(x, y, lr, num_epochs, seed):
    """SGD on one shuffled point at a time. Returns (w (1,), b (1,), losses)."""
    ### BEGIN SOLUTION
    model = LinearRegressionModel().to(x.device)
    loader = DataLoader(PointsDataset(x, y), batch_size=1, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()  # 1. reset the gradients
            loss = criterion(model(xb), yb)  # 2. forward and loss
            loss.backward()  # 3. backward
            optimizer.step()  # 4. update
            total += loss.item()
        losses.append(total / len(loader))
    return model.w.detach(), model.b.detach(), torch.tensor(losses)
    ### END SOLUTION


# %%
fit_with_dataloader = selfcheck.check("fit_with_dataloader", fit_with_dataloader)

# %%
w_ex4, b_ex4, losses_ex4 = fit_with_dataloader(x5, y5, learning_rate, num_epochs, 0)
print(f"w = {w_ex4.item():.4f}, b = {b_ex4.item():.4f}, "
      f"mean loss of the last epoch = {losses_ex4[-1]:.2f}")
show_fit(losses_ex4, w_ex4, b_ex4, x5, y5, "Exercise 4")

# %% [markdown]
# One point per step makes the loss curve noisier and moves $b$ five times per epoch,
# but the picture is that of exercise 3: the slope is found fast, the intercept slowly.
# Is 0.001 stable for single points? The loss of point $i$ alone,
# $(w x_i + b - y_i)^2$, has Hessian
# $2\begin{pmatrix} x_i^2 & x_i \\ x_i & 1\end{pmatrix}$, whose largest eigenvalue is
# $2(x_i^2 + 1)$, so its bound is $1/(x_i^2 + 1)$:

# %%
point_bounds = 1 / (x5**2 + 1)
print("bound per point:", [f"{v:.5f}" for v in point_bounds.tolist()])

# %% tags=["hide-input"]
answer(
    r"Nothing changes in the mathematics: the model, loss and update are those of "
    r"exercise 3, and the run ends at $w = @w$, $b = @b$ (exercise 3: $w = @w3$, "
    r"$b = @b3$). The `Dataset` separates *what* the data are from *how* they are "
    r"served; the `DataLoader` batches and shuffles them (and, for large data sets, "
    r"loads them in parallel); `torch.optim.SGD` replaces the hand-written `update` and"
    r" `reset_grad` with `step` and `zero_grad` for any number of parameters. The same "
    r"training loop then works for any model and data set. Single-point steps are "
    r"stable too: the smallest per-point bound, at $x = @xmax$, is $@pb > 0.001$.",
    w=w_ex4, b=b_ex4, w3=w_ex3, b3=b_ex3, pb=point_bounds.min(), xmax=x5.max(),
)

# %% [markdown]
# ## Exercise 5: nn.Linear
#
# *Use PyTorch's `nn.Linear()` for the linear regression of exercise 1's data, and plot
# the graph.*
#
# `nn.Linear(1, 1)` holds the weight as a $1 \times 1$ matrix and the bias as a vector,
# and expects inputs of shape (N, 1); its output has shape (N, 1) too. Both parameters
# are set to 1 so that the run can be compared with exercise 1, and each step uses the
# whole data set, as exercise 1 does.
#
# ### Your turn
#
# Return `linear.weight` (shape (1, 1)), `linear.bias` (shape (1,)) and the losses.
# Mind the shapes: `nn.MSELoss` compares the output with the targets element by element.

# %%
def fit_nn_linear(x, y, lr, num_epochs):
    """Full-batch gradient descent with nn.Linear(1, 1) set to 1. x, y: (N,)."""
    ### BEGIN SOLUTION
    linear = nn.Linear(1, 1).to(x.device)
    with torch.no_grad():
        linear.weight.fill_(1.0)
        linear.bias.fill_(1.0)
    optimizer = torch.optim.SGD(linear.parameters(), lr=lr)
    criterion = nn.MSELoss()
    X = x.unsqueeze(1)  # (N, 1)
    losses = []
    for _ in range(num_epochs):
        optimizer.zero_grad()
        loss = criterion(linear(X).squeeze(1), y)  # (N,) against (N,)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return linear.weight.detach(), linear.bias.detach(), torch.tensor(losses)
    ### END SOLUTION


# %%
fit_nn_linear = selfcheck.check("fit_nn_linear", fit_nn_linear)

# %%
w_ex5, b_ex5, losses_ex5 = fit_nn_linear(x23, y23, learning_rate, num_epochs)
print(f"w = {w_ex5.item():.4f}, b = {b_ex5.item():.4f}, loss = {losses_ex5[-1]:.4f}")
compare("w: ex. 5 vs ex. 1", w_ex5.reshape(1), w_ex1, atol=1e-5)
_ = compare("b: ex. 5 vs ex. 1", b_ex5, b_ex1, atol=1e-5)

# %%
show_fit(losses_ex5, w_ex5, b_ex5, x23, y23, "Exercise 5")

# %% tags=["hide-input"]
answer(
    r"`nn.Linear` is exercise 1 with the parameters packed into a layer: the run ends "
    r"at $w = @w$, $b = @b$ with loss $@l$, the line of exercise 1 (largest difference "
    r"in $w$ and $b$: $@d$), with the same loss curve. The only new trap is the shape:"
    r" `linear(X)` is (N, 1), and comparing it with a target of shape (N,) would "
    r"broadcast to an (N, N) matrix of every prediction against every target.",
    w=w_ex5, b=b_ex5, l=losses_ex5[-1],
    d=max((w_ex5.reshape(1) - w_ex1).abs().item(), (b_ex5 - b_ex1).abs().item()),
)

# %% [markdown]
# ## Exercise 6: multiple linear regression
#
# *Implement multiple linear regression for the five subjects below and verify the
# answer at $X_1 = 3$, $X_2 = 2$.*
#
# | subject | $X_1$ | $X_2$ | $Y$ |
# |---:|---:|---:|---:|
# | 1 | 3 | 8 | −3.7 |
# | 2 | 4 | 5 | 3.5 |
# | 3 | 5 | 7 | 2.5 |
# | 4 | 6 | 3 | 11.5 |
# | 5 | 2 | 1 | 5.7 |
#
# With two inputs per subject, $\hat y_i = \mathbf x_i^\top \mathbf w + b$, or for all
# subjects $\hat{\mathbf y} = X\mathbf w + b$ with $X \in \mathbb R^{N \times 2}$. The
# same chain rule as in exercise 2, now with $\partial e_i/\partial w_d = x_{id}$:
#
# $$
# \nabla_{\mathbf w} L = \frac{2}{N} X^\top \mathbf e, \qquad
# \frac{\partial L}{\partial b} = \frac{2}{N}\sum_i e_i, \qquad
# \mathbf e = X\mathbf w + b - \mathbf y .
# $$
#
# Setting the gradient to zero gives the **normal equations**
# $A^\top A\,\boldsymbol\theta = A^\top \mathbf y$ with $A = [X\ \mathbf 1]$ and
# $\boldsymbol\theta = (\mathbf w, b)$: the exact minimiser, which gradient descent
# must approach.
#
# ### Your turn
#
# The gradient in matrix form, and the closed form. `torch.linalg.lstsq(A, y)` solves
# the normal equations without forming $A^\top A$ (more accurate);
# `torch.linalg.solve(A.T @ A, A.T @ y)` is the textbook form.

# %%
def linreg_grad_multi(X, y, w, b):
    """(dL/dw, dL/db) of the MSE of ŷ = Xw + b. X: (N, D), y: (N,), w: (D,), b: ()."""
    ### BEGIN SOLUTION
    e = X @ w + b - y  # (N,)
    n = X.shape[0]
    return 2 / n * (X.T @ e), 2 / n * e.sum()
    ### END SOLUTION


def normal_equations(X, y):
    """Least-squares (w (D,), b ()) for X: (N, D), y: (N,)."""
    ### BEGIN SOLUTION
    A = torch.cat([X, torch.ones_like(X[:, :1])], dim=1)  # (N, D + 1)
    theta = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)  # (D + 1,)
    return theta[:-1], theta[-1]
    ### END SOLUTION


# %%
linreg_grad_multi = selfcheck.check("linreg_grad_multi", linreg_grad_multi)
normal_equations = selfcheck.check("normal_equations", normal_equations)

# %% [markdown]
# Before choosing the learning rate we ask the data for its bound $2/\lambda_{\max}$:
# the sheet's 0.001 would be safe but slow here, so we take 0.02, below the bound, and
# enough epochs for the flattest direction ($1/(\eta\lambda_{\min})$ epochs per factor
# $e$). `nn.Linear(2, 1)` trains on all five subjects at once; at its first step,
# autograd's gradient must equal yours.

# %%
X6 = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]],
                  device=device)
y6 = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7], device=device)
lam6 = torch.linalg.eigvalsh(mse_hessian(X6))
lr6, num_epochs6 = 0.02, 3000
print(f"bound 2/λmax = {max_stable_lr(X6):.4f}, lr = {lr6}; "
      f"1/(lr·λmin) = {1 / (lr6 * lam6[0].item()):.0f} epochs, epochs = {num_epochs6}")

seed_everything(0)
multi = nn.Linear(2, 1).to(device)
optimizer = torch.optim.SGD(multi.parameters(), lr=lr6)
criterion = nn.MSELoss()
losses_ex6 = []
for epoch in range(num_epochs6):
    optimizer.zero_grad()
    loss = criterion(multi(X6).squeeze(1), y6)
    loss.backward()
    if epoch == 0:
        dw_mine, db_mine = linreg_grad_multi(
            X6, y6, multi.weight.detach().squeeze(0), multi.bias.detach().squeeze(0))
        compare("dw vs autograd", dw_mine, multi.weight.grad.squeeze(0))
        compare("db vs autograd", db_mine, multi.bias.grad.squeeze(0))
    optimizer.step()
    losses_ex6.append(loss.item())
w6, b6 = multi.weight.detach().squeeze(0), multi.bias.detach().squeeze(0)
print(f"w = ({w6[0].item():.4f}, {w6[1].item():.4f}), b = {b6.item():.4f}")

# %%
ax = plot.plot_loss(losses_ex6, logy=True)
ax.set_title("Exercise 6: loss of nn.Linear(2, 1)")
plt.show()

# %% [markdown]
# **Verification** against your closed form (in `float64`), and the prediction at
# $X_1 = 3$, $X_2 = 2$. The tolerance is $10^{-3}$: gradient descent stops after a
# finite number of epochs, close to the minimiser, not on it.

# %%
w_ls6, b_ls6 = normal_equations(X6.double(), y6.double())
query = torch.tensor([3.0, 2.0], device=device)
y_query = (query @ w6 + b6).item()
y_query_ls = (query.double() @ w_ls6 + b_ls6).item()
for name, mine, reference in [
    ("w vs lstsq", w6.double(), w_ls6),
    ("b vs lstsq", b6.double(), b_ls6),
    ("prediction", torch.tensor(y_query), torch.tensor(y_query_ls)),
]:
    compare(name, mine, reference, atol=1e-3)

# %% tags=["hide-input"]
show_math(
    r"""\begin{aligned}
    \text{least squares: } \hat y(3, 2) &= @w1 \cdot 3 + (@w2) \cdot 2 + @b = @yls\\
    \text{gradient descent: } \hat y(3, 2) &= @ygd
    \end{aligned}""",
    w1=w_ls6[0], w2=w_ls6[1], b=b_ls6, yls=y_query_ls, ygd=y_query,
)

# %% tags=["hide-input"]
answer(
    r"Gradient descent ends at $\mathbf w = (@gw1, @gw2)$, $b = @gb$ and the normal "
    r"equations give $\mathbf w^* = (@w1, @w2)$, $b^* = @b$. At $X_1 = 3$, $X_2 = 2$ "
    r"the model predicts $\hat y = @ygd$ (least squares: $@yls$, a difference of "
    r"$@diff$). Five subjects and three parameters leave two degrees of freedom, so the"
    r" plane does not pass through every point (the least-squares loss is $@lmin$, not"
    r" 0): the prediction is the best plane's value, not a data point.",
    gw1=w6[0], gw2=w6[1], gb=b6, w1=w_ls6[0], w2=w_ls6[1], b=b_ls6, ygd=y_query,
    yls=y_query_ls, diff=abs(y_query - y_query_ls),
    lmin=mse_linear(X6.double(), y6.double(), w_ls6, b_ls6),
)

# %% [markdown]
# ## Exercise 7: logistic regression
#
# *Implement logistic regression for $x = (1, 5, 10, 10, 25, 50, 70, 75, 100)$ and
# $y = (0, 0, 0, 0, 0, 1, 1, 1, 1)$.*
#
# For labels $y_i \in \{0, 1\}$ the model outputs a probability
# $p_i = \sigma(z_i)$ with the *logit* $z_i = w x_i + b$, and is fitted by minimising the
# binary cross-entropy
#
# $$
# L = -\frac{1}{N}\sum_i \bigl[y_i \ln p_i + (1 - y_i)\ln(1 - p_i)\bigr].
# $$
#
# **Derivation.** For one point,
# $\partial \ell/\partial p = -y/p + (1-y)/(1-p) = (p - y)/\bigl(p(1-p)\bigr)$, and the
# sigmoid contributes $\partial p/\partial z = \sigma'(z) = p(1-p)$: the two
# $p(1-p)$ cancel, and $\partial \ell/\partial z = p - y$. With
# $\partial z/\partial w = x$ and $\partial z/\partial b = 1$:
#
# $$
# \begin{aligned}
# \frac{\partial L}{\partial w} &= \frac{1}{N}\sum_i (p_i - y_i)\,x_i,\\
# \frac{\partial L}{\partial b} &= \frac{1}{N}\sum_i (p_i - y_i).
# \end{aligned}
# $$
#
# The model predicts class 1 when $p \ge 0.5$, that is when $w x + b \ge 0$: the
# decision boundary is the point $x^* = -b/w$. The argument of exercise 3 applies here
# too (the cross-entropy's Hessian is $A^\top A$ weighted by $p_i(1-p_i) \le \tfrac14$),
# so we standardise $x$, which runs up to 100, before fitting.
#
# ### Your turn

# %%
def logistic_forward(x, w, b):
    """p = σ(wx + b), the probability of class 1. x: (N,); w, b: shape ()."""
    ### BEGIN SOLUTION
    return torch.sigmoid(w * x + b)
    ### END SOLUTION


def logistic_grad(x, y, w, b):
    """(dL/dw, dL/db) of the mean binary cross-entropy. x, y: (N,); w, b: ()."""
    ### BEGIN SOLUTION
    r = logistic_forward(x, w, b) - y  # (N,) dL/dz for each point, times N
    return (r * x).mean(), r.mean()
    ### END SOLUTION


# %%
logistic_forward = selfcheck.check("logistic_forward", logistic_forward)
logistic_grad = selfcheck.check("logistic_grad", logistic_grad)

# %% [markdown]
# **Which loss.** The network outputs the logit $z$, and `nn.BCEWithLogitsLoss` applies
# the sigmoid and the cross-entropy in one step, computing $\ln \sigma(z)$ directly
# instead of taking the log of a rounded probability (page 03 recommends it for the same
# reason). `nn.BCELoss` on $\sigma(z)$ goes wrong as soon as $\sigma(z)$ rounds to 1:
# for $z = 20$ and label 0 the true loss is $\ln(1 + e^{20}) \approx 20$.

# %%
z_big, label0 = torch.tensor([20.0]), torch.tensor([0.0])
print("BCELoss(sigmoid(z)):", nn.BCELoss()(torch.sigmoid(z_big), label0).item())
print("BCEWithLogitsLoss(z):", nn.BCEWithLogitsLoss()(z_big, label0).item())

# %% [markdown]
# `BCELoss` clamps $\ln 0$ to $-100$ and reports 100, with a zero gradient; the logit
# form gives the right 20. **Check** of your gradient against autograd of
# `BCEWithLogitsLoss`, at random parameters on the standardised data:

# %%
x7 = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0],
                  device=device)
y7 = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], device=device)
Z7, mean7, std7 = standardize(x7.unsqueeze(1))  # (9, 1)
z7 = Z7.squeeze(1)  # (9,)
w_t = torch.randn((), device=device, requires_grad=True)
b_t = torch.randn((), device=device, requires_grad=True)
nn.BCEWithLogitsLoss()(w_t * z7 + b_t, y7).backward()
dw7, db7 = logistic_grad(z7, y7, w_t.detach(), b_t.detach())
compare("dw vs autograd", dw7, w_t.grad)
_ = compare("db vs autograd", db7, b_t.grad)

# %% [markdown]
# Training: `nn.Linear(1, 1)` produces the logit, `BCEWithLogitsLoss` the loss, with
# learning rate 0.5 on the full batch for 1,000 epochs; the parameters are then
# converted back to the units of $x$.

# %%
seed_everything(0)
logistic = nn.Linear(1, 1).to(device)
optimizer = torch.optim.SGD(logistic.parameters(), lr=0.5)
bce = nn.BCEWithLogitsLoss()
losses_ex7 = []
for epoch in range(1000):
    optimizer.zero_grad()
    loss = bce(logistic(Z7).squeeze(1), y7)
    loss.backward()
    optimizer.step()
    losses_ex7.append(loss.item())
w7, b7 = unstandardize(logistic.weight.detach().squeeze(0),
                       logistic.bias.detach().squeeze(0), mean7, std7)
boundary7 = -b7 / w7
p7 = logistic_forward(x7, w7, b7)
accuracy7 = ((p7 >= 0.5).float() == y7).float().mean()
midpoint7 = (x7[y7 == 0].max() + x7[y7 == 1].min()) / 2
print(f"in the units of x: w = {w7.item():.4f}, b = {b7.item():.4f}, "
      f"boundary x* = -b/w = {boundary7.item():.2f}")
print("p(y=1|x):", [round(p, 3) for p in p7.tolist()])
print(f"accuracy {accuracy7.item():.0%}; "
      f"midpoint of the gap between the classes: {midpoint7.item():g}")
print(f"loss after 100 and 1000 epochs: {losses_ex7[99]:.4f}, {losses_ex7[-1]:.4f}")

# %%
grid7 = torch.linspace(0, 105, 300, device=device)
fig, ax = plt.subplots(figsize=(plot.WIDTH, 3.4))
ax.scatter(x7.cpu(), y7.cpu(), s=24, color=plot.COLORS[0], label="data", zorder=3)
ax.plot(grid7.cpu(), logistic_forward(grid7, w7, b7).cpu(), color=plot.COLORS[1],
        label=r"$\sigma(wx + b)$")
ax.axhline(0.5, color=plot.INK, lw=1, ls=":")
ax.axvline(boundary7.item(), color=plot.COLORS[2], ls="--",
           label=f"boundary x* = {boundary7.item():.1f}")
ax.set(xlabel="$x$", ylabel=r"$p(y = 1 \mid x)$",
       title="Exercise 7: the fitted sigmoid and its 0.5 boundary")
ax.legend(loc="lower right")
plt.show()

# %% tags=["hide-input"]
answer(
    r"The fitted sigmoid is near 0 for the small $x$ and near 1 for the large ones ($p "
    r"= @p0$ at $x = 1$, $@p9$ at $x = 100$), and classifies the nine points with "
    r"accuracy @acc. The boundary $x^* = -b/w = @xstar$ lies in the gap between the "
    r"largest $x$ labelled 0 ($@x0$) and the smallest labelled 1 ($@x1$). Because the "
    r"classes are separable, the cross-entropy has no minimum at finite $w$: scaling "
    r"$w$ and $b$ up brings every $p_i$ closer to its label, so gradient descent keeps "
    r"growing them and the loss creeps towards 0 ($@l100$ after 100 epochs, $@l1000$ "
    r"after 1,000) without stopping. The boundary settles; training longer only "
    r"sharpens the sigmoid. (For separable data, gradient descent on the logistic loss "
    r"tends "
    r"towards the maximum-margin boundary, here the midpoint of the gap, $@mid$.)",
    p0=p7[0], p9=p7[-1], acc=f"{accuracy7.item():.0%}", xstar=boundary7,
    x0=x7[y7 == 0].max(), x1=x7[y7 == 1].min(), l100=losses_ex7[99],
    l1000=losses_ex7[-1], mid=midpoint7,
)

# %% [markdown]
# ## Summary
#
# labkit's `labkit.regression` holds what this page wrote by hand: `mse_linear_grad` is
# the gradient of exercises 2 and 6, `gd_fit` the loop of exercise 1 with that gradient
# in place of autograd, and `least_squares` the closed form of exercise 6. They agree
# with your functions and with exercises 1 and 5:

# %%
dw_lab, db_lab = mse_linear_grad(x2.unsqueeze(1), y2, torch.ones(1, **f64),
                                 torch.tensor(1.0, **f64))
w_gd, b_gd, losses_gd = gd_fit(X23, y23, torch.ones(1, device=device),
                               torch.tensor(1.0, device=device), lr=learning_rate,
                               num_epochs=num_epochs)
w_lab6, b_lab6 = least_squares(X6.double(), y6.double())
for name, mine, reference, atol in [
    ("dw (ex. 2)", by_hand[0][0].reshape(1), dw_lab, 1e-6),
    ("db (ex. 2)", by_hand[0][1], db_lab, 1e-6),
    ("w (ex. 1)", w_ex1, w_gd, 1e-5),
    ("b (ex. 1)", b_ex1, b_gd.reshape(1), 1e-5),
    ("losses (ex. 1)", torch.tensor(losses_ex1), losses_gd.cpu(), 1e-4),
    ("w (ex. 5)", w_ex5.reshape(1), w_gd, 1e-5),
    ("w (ex. 6)", w_ls6, w_lab6, 1e-6),
]:
    compare(name, mine, reference, atol=atol)

# %% [markdown]
# The loss curves differ in the last `float32` digits (hence the tolerance of
# $10^{-4}$ on losses of order 1 to 10): the order of the additions differs.
#
# Every linear fit of the page, next to (after the slash) the exact minimiser
# $(w^*, b^*)$ of its data and the loss there:

# %%
rows = []
for label, x, y, w_fit, b_fit in [
    ("ex. 1 (23 points)", x23, y23, w_ex1, b_ex1),
    ("ex. 5 (23 points)", x23, y23, w_ex5, b_ex5),
    ("ex. 3 (5 points)", x5, y5, w_ex3, b_ex3),
    ("ex. 4 (5 points)", x5, y5, w_ex4, b_ex4),
]:
    X = x.unsqueeze(1)
    w_ls, b_ls = least_squares(X, y)
    loss_fit = mse_linear(X, y, w_fit.reshape(1), b_fit.reshape(()))
    loss_ls = mse_linear(X, y, w_ls, b_ls)
    rows.append([label] + [f"${a.item():.4g}$ / ${b.item():.4g}$" for a, b in
                           [(w_fit, w_ls), (b_fit, b_ls), (loss_fit, loss_ls)]])
show_markdown(table(["run", "$w$ / $w^*$", "$b$ / $b^*$", "loss / minimum"], rows,
                    align="lrrr"))

# %% [markdown]
# - Linear regression minimises $\frac1N\sum(\hat y - y)^2$; its gradient is
#   $\frac2N\sum e_i x_i$ and $\frac2N\sum e_i$, whichever way the error is written.
# - A loop with `backward()`, a hand-made class, `nn.Module` + `DataLoader` + `SGD`, and
#   `nn.Linear` are the same algorithm; exercises 1 and 5 give the same line, and so
#   does `labkit.regression.gd_fit`.
# - The loss is a quadratic with Hessian $\frac2N A^\top A$: gradient descent diverges
#   above $2/\lambda_{\max}$ and crawls along $\lambda_{\min}$. With $x$ in the tens,
#   the sheet's $\eta = 0.001$ is stable but leaves $b$ far from its optimum after 100
#   epochs; standardising $x$ brings $\kappa$ close to 1 and fixes that.
# - Multiple regression by gradient descent matches the normal equations.
# - Logistic regression fits $\sigma(wx + b)$ by cross-entropy, best computed from the
#   logits (`BCEWithLogitsLoss`); its gradient is the mean of $(p - y)x$ and its
#   boundary $x^* = -b/w$.
#
# ## Going further
#
# These have no solution on the page.
#
# 1. Exercise 3 with momentum (`torch.optim.SGD(..., momentum=0.9)`) on the raw $x$:
#    how many epochs does the intercept need now? Relate the answer to
#    $\sqrt{\kappa}$.
# 2. Derive the Hessian of the logistic loss of exercise 7 and compute its condition
#    number on the raw and the standardised $x$ at the fitted parameters.
# 3. Add an L2 penalty $\lambda w^2$ to exercise 7's loss. Does the loss now have a
#    minimum at finite $w$? Where does the boundary end up as $\lambda \to 0$?
#
# ## Next
#
# [Feed-forward networks](06-feedforward-networks.py) stacks these linear layers, with
# activations in between, to solve a problem no line can: XOR.
