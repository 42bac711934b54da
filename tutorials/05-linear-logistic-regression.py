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
# **Sheet:** Deep Learning Lab (CSE 3281) manual, lab 3 "Deep Learning Library in PyTorch"
# (linear regression and logistic regression): exercise questions 1–7 and the additional
# question.
#
# **What you need:** autograd, `requires_grad` and `.backward()` (tutorial 04, "Computation
# graphs and autograd"), derivatives of sums and squares, and a little linear algebra (a
# symmetric matrix's eigenvalues) for the section on the learning rate.

# %% [markdown]
# ## What you will learn
#
# - four ways to write the same linear regression in PyTorch: a loop with autograd and a
#   manual update, a hand-made model class, an `nn.Module` fed by a `Dataset` and `DataLoader`
#   and trained with `torch.optim.SGD`, and `nn.Linear`;
# - how to derive `w.grad` and `b.grad` by hand and check them against autograd, for either
#   sign convention of the error;
# - why the sheet's learning rate of 0.001 makes training crawl on some data and how to predict
#   from the data alone which learning rates diverge: the step-size bound $2/\lambda_{\max}$;
#   and how standardising the input fixes it;
# - multiple linear regression, checked against the closed-form least-squares solution;
# - logistic regression: a sigmoid fitted to 0/1 labels and its 0.5 decision boundary.

# %%
import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from labkit import compare, get_device, plot, seed_everything
from labkit.display import fmt, show_markdown, show_math
from labkit.regression import (
    gd_fit, least_squares, max_stable_lr, mse_hessian, mse_linear, mse_linear_grad,
    standardize, unstandardize,
)

plot.use_style()
seed_everything(0)
device = get_device()
device

# %% [markdown]
# ## Derivation
#
# ### The model, the loss and its gradient
#
# Linear regression predicts $\hat y_i = w x_i + b$ and minimises the mean squared error over
# the $N$ training points,
#
# $$
# L(w, b) = \frac{1}{N}\sum_{i=1}^{N} \bigl(\hat y_i - y_i\bigr)^2 = \frac{1}{N}\sum_{i=1}^{N} e_i^2,
# \qquad e_i = \hat y_i - y_i = w x_i + b - y_i .
# $$
#
# The chain rule through $e_i$, with $\partial e_i/\partial w = x_i$ and $\partial e_i/\partial b = 1$:
#
# $$
# \frac{\partial L}{\partial w} = \frac{2}{N}\sum_{i} e_i\, x_i, \qquad
# \frac{\partial L}{\partial b} = \frac{2}{N}\sum_{i} e_i .
# $$
#
# Gradient descent with learning rate $\eta$ updates
# $w \leftarrow w - \eta\,\partial L/\partial w$, $b \leftarrow b - \eta\,\partial L/\partial b$.
# With several inputs per point ($\mathbf x_i \in \mathbb R^D$, exercise 6) the same steps give
# $\hat y_i = \mathbf x_i^\top \mathbf w + b$ and $\nabla_{\mathbf w} L = \frac{2}{N} X^\top \mathbf e$.
#
# ### Exercise 2 and the additional question: the sign of the error
#
# The sheet's exercise 2 writes the error as $\hat y - y$, the additional question as
# $y - \hat y$. Squaring removes the difference, and so does the chain rule:
#
# $$
# \frac{\partial}{\partial w}(y_i - \hat y_i)^2 = 2\,(y_i - \hat y_i)\cdot\frac{\partial (y_i - \hat y_i)}{\partial w}
# = 2\,(y_i - \hat y_i)\cdot(-x_i) = 2\,(\hat y_i - y_i)\, x_i .
# $$
#
# Both sign flips (the error's and its inner derivative's) cancel: the loss, the gradient and
# the updates are the same. The only trap is to drop the inner derivative $-x_i$ and write
# $2(y_i - \hat y_i)x_i$: that is the gradient with the wrong sign, and "descending" along it
# climbs the loss. The Check section works the two epochs out with numbers for the sheet's data
# $x = (2, 4)$, $y = (20, 40)$, $w = b = 1$, $\eta = 0.001$.
#
# ### Why a learning rate converges, crawls or diverges
#
# $L$ is a quadratic in $\boldsymbol\theta = (w, b)$. Its Hessian does not depend on
# $\boldsymbol\theta$:
#
# $$
# H = \frac{2}{N} A^\top A = 2\begin{pmatrix} \overline{x^2} & \bar x \\ \bar x & 1 \end{pmatrix},
# \qquad A = \begin{pmatrix} x_1 & 1 \\ \vdots & \vdots \\ x_N & 1\end{pmatrix},
# $$
#
# where bars are means over the data. Writing $\boldsymbol\theta^*$ for the minimiser,
# $\nabla L = H(\boldsymbol\theta - \boldsymbol\theta^*)$, so one step maps
#
# $$
# \boldsymbol\theta_{t+1} - \boldsymbol\theta^* = (I - \eta H)\,(\boldsymbol\theta_t - \boldsymbol\theta^*).
# $$
#
# Along an eigenvector of $H$ with eigenvalue $\lambda$, the distance to the minimum is
# multiplied by $1 - \eta\lambda$ every epoch. Hence:
#
# - **divergence** when $|1 - \eta\lambda_{\max}| > 1$, i.e. $\eta > 2/\lambda_{\max}$: the
#   steepest direction overshoots further each step;
# - **crawling** along the flattest direction: it shrinks only by $1 - \eta\lambda_{\min}$ per
#   epoch, so it needs about $1/(\eta\lambda_{\min})$ epochs per factor $e$;
# - the best any single $\eta$ can do is limited by the **condition number**
#   $\kappa = \lambda_{\max}/\lambda_{\min}$: stability forces $\eta\lambda_{\min} < 2/\kappa$.
#
# With $x$ in the tens, $\overline{x^2}$ is in the hundreds while the $b$-entry is 1: $H$ is
# badly conditioned. In practice $w$ is found within a few epochs and $b$ barely moves. The fix
# is to **standardise** the input, $z = (x - \bar x)/s_x$: then $\bar z = 0$ and
# $\overline{z^2} \approx 1$, $H \approx 2I$, $\kappa \approx 1$, and an $\eta$ near $1/2$
# converges in a few epochs. A line fitted to $z$ converts back to $x$ with
# $w = w_z/s_x$, $b = b_z - w_z\bar x/s_x$.
#
# ### Multiple linear regression and the closed form (exercise 6)
#
# Setting the gradient to zero gives the normal equations $A^\top A\,\boldsymbol\theta = A^\top \mathbf y$
# with $A = [X\ \mathbf 1]$. `torch.linalg.lstsq(A, y)` solves them stably (without forming
# $A^\top A$); gradient descent must reach the same $\boldsymbol\theta^*$.
#
# ### Logistic regression (exercise 7)
#
# For labels $y_i \in \{0, 1\}$ the model outputs a probability $p_i = \sigma(w x_i + b)$ and is
# fitted by minimising the binary cross-entropy
#
# $$
# L = -\frac{1}{N}\sum_i \bigl[y_i \ln p_i + (1 - y_i)\ln(1 - p_i)\bigr],
# \qquad \frac{\partial L}{\partial w} = \frac{1}{N}\sum_i (p_i - y_i)\,x_i,
# \qquad \frac{\partial L}{\partial b} = \frac{1}{N}\sum_i (p_i - y_i),
# $$
#
# using $\sigma' = \sigma(1-\sigma)$. The model predicts class 1 when $p \ge 0.5$, i.e. when
# $w x + b \ge 0$: the decision boundary is the point $x^* = -b/w$. The same scaling argument
# as above applies (the cross-entropy's Hessian is $A^\top A$ weighted by $p_i(1-p_i) \le \tfrac14$),
# so we standardise $x$, which runs up to 100, before fitting.

# %% [markdown]
# ## Implementation
#
# The two data sets of the sheet: 23 points for exercises 1 and 5, and the 5-point set of its
# worked problem, which exercises 3 and 4 use.

# %%
x23 = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8,
                    20.3, 22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7,
                    21.2], device=device)
y23 = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4,
                    17.7, 19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2,
                    18.6], device=device)
x5 = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0], device=device)
y5 = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0], device=device)
learning_rate = 0.001  # the sheet's, for every exercise
num_epochs = 100
print(len(x23), "points;", len(x5), "points")

# %% [markdown]
# Each fit is shown as its loss curve next to the data, the fitted line and, dashed, the
# least-squares line (the exact minimiser, from `labkit.regression.least_squares`):

# %%
def show_fit(losses, w, b, x, y, title):
    fig, (ax_loss, ax_fit) = plt.subplots(1, 2, figsize=(9.6, 3.4))
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
    ax_fit.set_xlabel("$x$")
    ax_fit.set_ylabel("$y$")
    ax_fit.set_title(f"{title}: fit")
    ax_fit.legend()
    plt.show()


# %% [markdown]
# ### Exercise 1: a loop with autograd and a manual update (23 points)
#
# The sheet's loop with $w = b = 1$ as the exercise asks: accumulate the loss sample by
# sample, average, `backward()`, update inside `torch.no_grad()` (the update must not become
# part of the graph), reset the gradients.

# %%
w = torch.ones(1, requires_grad=True, device=device)
b = torch.ones(1, requires_grad=True, device=device)
loss_list = []
for epoch in range(num_epochs):
    loss = 0.0
    for j in range(len(x23)):  # 1. forward, sample by sample
        y_p = w * x23[j] + b
        loss += (y_p - y23[j]) ** 2
    loss = loss / len(x23)  # 2. the average loss
    loss_list.append(loss.item())
    loss.backward()  # 3. dL/dw and dL/db
    with torch.no_grad():  # 4. update
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if epoch % 25 == 0 or epoch == num_epochs - 1:
        print(f"epoch {epoch:3d}: w = {w.item():.4f}, b = {b.item():.4f}, "
              f"loss = {loss.item():.4f}")
w_ex1, b_ex1, losses_ex1 = w.detach().clone(), b.detach().clone(), loss_list

# %%
show_fit(losses_ex1, w_ex1, b_ex1, x23, y23, "Exercise 1")

# %% [markdown]
# ### Exercise 3: a `RegressionModel` class (5 points)
#
# The sheet asks for `w` and `b` initialised to 1 and four methods. (Its text says
# `reset_grad()` "resets parameters to zero"; it resets their *gradients*, as its code does.)

# %%
class RegressionModel:
    def __init__(self, lr):
        self.w = torch.ones(1, requires_grad=True, device=device)
        self.b = torch.ones(1, requires_grad=True, device=device)
        self.lr = lr

    def forward(self, x):
        return self.w * x + self.b

    def update(self):
        with torch.no_grad():
            self.w -= self.lr * self.w.grad
            self.b -= self.lr * self.b.grad

    def reset_grad(self):
        self.w.grad.zero_()
        self.b.grad.zero_()

    def criterion(self, y, yp):
        return ((y - yp) ** 2).mean()


model = RegressionModel(learning_rate)
loss_list = []
for epoch in range(num_epochs):
    loss = 0.0
    for j in range(len(x5)):
        loss += model.criterion(y5[j], model.forward(x5[j]))
    loss = loss / len(x5)
    loss_list.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()
print(f"w = {model.w.item():.4f}, b = {model.b.item():.4f}, "
      f"loss = {loss_list[-1]:.2f}")
losses_ex3 = loss_list

# %%
show_fit(losses_ex3, model.w.detach(), model.b.detach(), x5, y5, "Exercise 3")

# %% [markdown]
# The loss drops within a few epochs, then flattens well above the least-squares loss; the
# fitted line has found the slope but not the intercept. The Plot section shows why.
#
# ### Exercise 4: `nn.Module`, `Dataset`, `DataLoader` and `torch.optim.SGD` (5 points)
#
# The model's parameters become `nn.Parameter`s, so `model.parameters()` finds them for the
# optimizer; `forward` is the method `nn.Module` calls for `model(x)`. A `Dataset` says how many
# points there are (`__len__`) and how to get one (`__getitem__`); a `DataLoader` draws shuffled
# mini-batches from it. We use mini-batches of one point, so an epoch is 5 updates (the sheet
# does not fix the batch size). The shuffling uses its own seeded generator, for repeatable
# output.

# %%
class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.w * x + self.b


class PointsDataset(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


loader = DataLoader(PointsDataset(x5, y5), batch_size=1, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
model4 = LinearRegressionModel().to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model4.parameters(), lr=learning_rate)
model4

# %%
losses_ex4 = []
for epoch in range(num_epochs):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()  # 1. reset the gradients
        loss = criterion(model4(xb), yb)  # 2. forward and loss
        loss.backward()  # 3. backward
        optimizer.step()  # 4. update
        total += loss.item()
    losses_ex4.append(total / len(loader))
print(f"w = {model4.w.item():.4f}, b = {model4.b.item():.4f}, "
      f"mean loss of the last epoch = {losses_ex4[-1]:.2f}")

# %%
show_fit(losses_ex4, model4.w.detach(), model4.b.detach(), x5, y5, "Exercise 4")

# %% [markdown]
# One point per step makes the loss curve noisier and moves $b$ five times per epoch, but the
# picture is the same: the slope is found fast, the intercept slowly.
#
# ### Exercise 5: `nn.Linear` (23 points)
#
# `nn.Linear(1, 1)` holds the weight as a $1 \times 1$ matrix and the bias as a vector and
# expects inputs of shape (N, 1). We set both to 1 so that the run is comparable with
# exercise 1, and update on the whole data set at once, as exercise 1 does.

# %%
linear = nn.Linear(1, 1).to(device)
with torch.no_grad():
    linear.weight.fill_(1.0)
    linear.bias.fill_(1.0)
optimizer = torch.optim.SGD(linear.parameters(), lr=learning_rate)
X23 = x23.unsqueeze(1)  # (23, 1)
losses_ex5 = []
for epoch in range(num_epochs):
    optimizer.zero_grad()
    loss = criterion(linear(X23).squeeze(1), y23)
    loss.backward()
    optimizer.step()
    losses_ex5.append(loss.item())
print(f"w = {linear.weight.item():.4f}, b = {linear.bias.item():.4f}, "
      f"loss = {losses_ex5[-1]:.4f}")

# %%
w_ex5, b_ex5 = linear.weight.detach(), linear.bias.detach()
show_fit(losses_ex5, w_ex5, b_ex5, x23, y23, "Exercise 5")

# %% [markdown]
# ### Exercise 6: multiple linear regression
#
# Two inputs per subject, so `nn.Linear(2, 1)`. Before choosing the learning rate we ask the
# data for its bound $2/\lambda_{\max}$ (derivation above): the sheet's 0.001 would be safe but
# slow here, so we take 0.02, just below the bound, and enough epochs for the flattest direction
# (the printed time constant $1/(\eta\lambda_{\min})$ is the number of epochs per factor $e$).

# %%
X6 = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]],
                  device=device)
y6 = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7], device=device)
lam6 = torch.linalg.eigvalsh(mse_hessian(X6))
lr6, num_epochs6 = 0.02, 3000
print(f"bound 2/λmax = {max_stable_lr(X6):.4f}, lr = {lr6}")
print(f"time constant 1/(lr·λmin) = {1 / (lr6 * lam6[0].item()):.0f} epochs, "
      f"epochs = {num_epochs6}")

# %%
seed_everything(0)
multi = nn.Linear(2, 1).to(device)
optimizer = torch.optim.SGD(multi.parameters(), lr=lr6)
losses_ex6 = []
for epoch in range(num_epochs6):
    optimizer.zero_grad()
    loss = criterion(multi(X6).squeeze(1), y6)
    loss.backward()
    optimizer.step()
    losses_ex6.append(loss.item())
query = torch.tensor([[3.0, 2.0]], device=device)
with torch.no_grad():
    y_query = multi(query).item()
w6 = multi.weight.detach().squeeze(0)
print(f"w = ({w6[0].item():.4f}, {w6[1].item():.4f}), b = {multi.bias.item():.4f}")
print(f"prediction at X1 = 3, X2 = 2: {y_query:.4f}")

# %%
ax = plot.plot_loss(losses_ex6, logy=True)
ax.set_title("Exercise 6: loss")
plt.show()

# %% [markdown]
# ### Exercise 7: logistic regression
#
# `nn.Linear(1, 1)` followed by a sigmoid, trained with the binary cross-entropy `nn.BCELoss`
# on the standardised $x$ (see the derivation). Learning rate 0.5, full batch.

# %%
x7 = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0],
                  device=device)
y7 = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], device=device)
Z7, mean7, std7 = standardize(x7.unsqueeze(1))  # (9, 1)

seed_everything(0)
logistic = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()).to(device)
optimizer = torch.optim.SGD(logistic.parameters(), lr=0.5)
bce = nn.BCELoss()
losses_ex7 = []
for epoch in range(1000):
    optimizer.zero_grad()
    loss = bce(logistic(Z7).squeeze(1), y7)
    loss.backward()
    optimizer.step()
    losses_ex7.append(loss.item())
layer7 = logistic[0]
w7, b7 = unstandardize(layer7.weight.detach().squeeze(0),
                       layer7.bias.detach().squeeze(0), mean7, std7)
boundary7 = -b7 / w7
with torch.no_grad():
    p7 = logistic(Z7).squeeze(1)
print(f"in original units: w = {w7.item():.4f}, b = {b7.item():.4f}, "
      f"boundary x* = -b/w = {boundary7.item():.2f}")
print("p(y=1|x):", [round(p, 3) for p in p7.tolist()])
print("accuracy:", ((p7 >= 0.5).float() == y7).float().mean().item())
midpoint7 = (x7[y7 == 0].max() + x7[y7 == 1].min()) / 2
print("midpoint of the gap between the classes:", midpoint7.item())

# %% [markdown]
# ## Check
#
# ### Exercise 2 and the additional question: two epochs by hand
#
# The sheet's data and settings, in `float64` so that the comparison shows only genuine
# differences. One function builds the LaTeX of an epoch from the current $w, b$:

# %%
x2 = torch.tensor([2.0, 4.0], dtype=torch.float64, device=device)
y2 = torch.tensor([20.0, 40.0], dtype=torch.float64, device=device)


def epoch_by_hand(epoch, w, b, lr=0.001):
    """One epoch of the derivation with numbers; returns gradients and parameters."""
    y_hat = w * x2 + b
    e = y_hat - y2
    n = len(x2)
    dw = 2 / n * (e * x2).sum()
    db = 2 / n * e.sum()
    w_new, b_new = w - lr * dw, b - lr * db
    e0, e1 = fmt(e[0], 6), fmt(e[1], 6)
    show_math(
        r"\begin{aligned}"
        rf"&\textbf{{epoch {epoch}}}:\ w = {fmt(w, 6)},\ b = {fmt(b, 6)}\\"
        rf"&\hat y = w x + b = ({fmt(y_hat[0], 6)},\ {fmt(y_hat[1], 6)}),\quad"
        rf" e = \hat y - y = ({e0},\ {e1})\\"
        rf"&\frac{{\partial L}}{{\partial w}} = \frac{{2}}{{{n}}}"
        rf"\bigl(({e0})({fmt(x2[0])}) + ({e1})({fmt(x2[1])})\bigr) = {fmt(dw, 6)}\\"
        rf"&\frac{{\partial L}}{{\partial b}} = \frac{{2}}{{{n}}}"
        rf"\bigl(({e0}) + ({e1})\bigr)"
        rf" = {fmt(db, 6)}\\"
        rf"&w \leftarrow {fmt(w, 6)} - {fmt(lr)}\cdot({fmt(dw, 6)})"
        rf" = {fmt(w_new, 6)}\\"
        rf"&b \leftarrow {fmt(b, 6)} - {fmt(lr)}\cdot({fmt(db, 6)})"
        rf" = {fmt(b_new, 6)}"
        r"\end{aligned}"
    )
    return dw, db, w_new, b_new


w_h = torch.tensor(1.0, dtype=torch.float64, device=device)
b_h = torch.tensor(1.0, dtype=torch.float64, device=device)
by_hand = []
for epoch in (1, 2):
    dw, db, w_h, b_h = epoch_by_hand(epoch, w_h, b_h)
    by_hand.append((dw, db, w_h, b_h))

# %% [markdown]
# The same two epochs with autograd, once with each sign convention of the error; `compare`
# then takes the largest difference over all eight numbers of each run:

# %%
def two_epochs_autograd(error):
    w = torch.tensor(1.0, dtype=torch.float64, device=device, requires_grad=True)
    b = torch.tensor(1.0, dtype=torch.float64, device=device, requires_grad=True)
    record = []
    for _ in range(2):
        loss = (error(w * x2 + b, y2) ** 2).mean()
        loss.backward()
        grads = (w.grad.clone(), b.grad.clone())
        with torch.no_grad():
            w -= 0.001 * w.grad
            b -= 0.001 * b.grad
        w.grad.zero_()
        b.grad.zero_()
        record.append((*grads, w.detach().clone(), b.detach().clone()))
    return record


auto_a = two_epochs_autograd(lambda y_hat, y: y_hat - y)  # exercise 2
auto_b = two_epochs_autograd(lambda y_hat, y: y - y_hat)  # additional question
rows = []
for epoch in range(2):
    for k, name in enumerate(["`w.grad`", "`b.grad`", "$w$ after", "$b$ after"]):
        values = (by_hand[epoch][k], auto_a[epoch][k], auto_b[epoch][k])
        cells = " | ".join(fmt(v, 6) for v in values)
        rows.append(f"| {epoch + 1}: {name} | {cells} |")
show_markdown(r"| epoch: value | by hand | autograd, $\hat y - y$ "
              r"| autograd, $y - \hat y$ |"
              "\n|---|---:|---:|---:|\n" + "\n".join(rows))
hand = torch.stack([v for epoch in by_hand for v in epoch])
for name, auto in [("(yp-y) all", auto_a), ("(y-yp) all", auto_b)]:
    compare(name, hand, torch.stack([v for epoch in auto for v in epoch]))

# %% [markdown]
# The first epoch with the error written $y - \hat y$ and its inner derivative $-x$, as in the
# derivation; and the "forgotten inner derivative" version, which has the opposite sign:

# %%
e_rev = y2 - (1.0 * x2 + 1.0)
dw_rev = 2 / len(x2) * (e_rev * (-x2)).sum()
dw_forgot = 2 / len(x2) * (e_rev * x2).sum()
show_math(
    rf"e' = y - \hat y = ({fmt(e_rev[0])},\ {fmt(e_rev[1])}),\qquad"
    rf"\frac{{2}}{{N}}\sum_i e'_i\,(-x_i) = {fmt(dw_rev)},\qquad"
    rf"\frac{{2}}{{N}}\sum_i e'_i\,x_i = {fmt(dw_forgot)}\ \text{{(wrong sign)}}"
)
print("dw from y - yp equals dw from yp - y:", bool(dw_rev == by_hand[0][0]))

# %% [markdown]
# ### labkit's version agrees
#
# `labkit.regression.mse_linear_grad` is the gradient of the derivation and `gd_fit` the loop of
# exercise 1 (full batch, loss recorded before each update) with that gradient instead of
# autograd. Against exercise 2's autograd gradients, and against exercises 1 and 5:

# %%
one64 = torch.tensor(1.0, dtype=torch.float64, device=device)
dw_lab, db_lab = mse_linear_grad(x2.unsqueeze(1), y2, one64.reshape(1), one64)
one = torch.tensor(1.0, device=device)
w_gd, b_gd, losses_gd = gd_fit(X23, y23, one.reshape(1), one, lr=learning_rate,
                               num_epochs=num_epochs)
checks = [
    ("labkit dw", dw_lab, auto_a[0][0].reshape(1)),
    ("labkit db", db_lab, auto_a[0][1]),
    ("ex1 w vs gd_fit", w_ex1, w_gd),
    ("ex1 b vs gd_fit", b_ex1, b_gd.reshape(1)),
    ("ex5 w vs gd_fit", linear.weight.detach().reshape(1), w_gd),
    ("ex5 b vs gd_fit", linear.bias.detach(), b_gd.reshape(1)),
]
compare("ex1 loss curve", torch.tensor(losses_ex1), losses_gd.cpu(), atol=1e-5)
for name, mine, reference in checks:
    compare(name, mine, reference)

# %% [markdown]
# The loss curves differ in the last `float32` digits (hence the tolerance of $10^{-5}$ for
# losses of order 1 to 10): exercise 1 sums the loss point by point, `gd_fit` sums a whole
# vector, so the additions happen in another order.
#
# ### Exercise 6: gradient descent against the closed form

# %%
w_ls6, b_ls6 = least_squares(X6.double(), y6.double())
y_query_ls = (query.double() @ w_ls6 + b_ls6).item()
for name, mine, reference in [
    ("w vs lstsq", multi.weight.detach().squeeze(0).double(), w_ls6),
    ("b vs lstsq", multi.bias.detach().squeeze(0).double(), b_ls6),
    ("prediction", torch.tensor(y_query), torch.tensor(y_query_ls)),
]:
    compare(name, mine, reference, atol=1e-3)
show_math(
    rf"\text{{least squares: }}\hat y(3, 2) = {fmt(w_ls6[0])}\cdot 3"
    rf" + ({fmt(w_ls6[1])})\cdot 2 + {fmt(b_ls6)} = {fmt(y_query_ls)}"
)
show_math(rf"\text{{gradient descent: }}\hat y(3, 2) = {fmt(y_query)}")

# %% [markdown]
# `compare`'s tolerance is set to $10^{-3}$ here: gradient descent stops after a finite number
# of epochs, so it is close to the minimiser, not on it.
#
# ### All linear fits against least squares
#
# The final parameters and loss of every run, each next to (after the slash) the exact
# minimiser $(w^*, b^*)$ of its data set and the loss there:

# %%
rows = []
for label, x, y, w_fit, b_fit in [
    ("ex. 1 (23 pts)", x23, y23, w_ex1, b_ex1),
    ("ex. 5 (23 pts)", x23, y23, w_ex5, b_ex5),
    ("ex. 3 (5 pts)", x5, y5, model.w.detach(), model.b.detach()),
    ("ex. 4 (5 pts)", x5, y5, model4.w.detach(), model4.b.detach()),
]:
    X = x.unsqueeze(1)
    w_ls, b_ls = least_squares(X, y)
    loss_fit = mse_linear(X, y, w_fit.reshape(1), b_fit.reshape(()))
    loss_ls = mse_linear(X, y, w_ls, b_ls)
    pairs = [(w_fit, w_ls), (b_fit, b_ls), (loss_fit, loss_ls)]
    rows.append(f"| {label} | " + " | ".join(f"{fmt(a)} / {fmt(b)}" for a, b in pairs)
                + " |")
show_markdown("| run | $w$ / $w^*$ | $b$ / $b^*$ | loss / minimum |\n"
              "|---|---:|---:|---:|\n" + "\n".join(rows))

# %% [markdown]
# ## Plot
#
# ### The sheet's learning rate on the 5-point set
#
# What the derivation predicts, computed from the data: the divergence bound
# $2/\lambda_{\max}$, the condition number $\kappa = \lambda_{\max}/\lambda_{\min}$ of the Hessian, and
# $1/(\eta\lambda_{\min})$, the number of epochs the flattest direction needs per factor
# $e$ at the sheet's $\eta = 0.001$; for both data sets, and for the 5-point set with $x$
# standardised to $z$ (see the fix below):

# %%
def scale_report(label, x):
    lam = torch.linalg.eigvalsh(mse_hessian(x.unsqueeze(1)).double())
    bound = max_stable_lr(x.unsqueeze(1))
    return (f"| {label} | {fmt(bound, 5)} | {fmt(lam[1] / lam[0], 0)} "
            f"| {fmt(1 / (learning_rate * lam[0]), 0)} |")


# float64: the fix below is compared with least squares to rounding
Z5, mean5, std5 = standardize(x5.unsqueeze(1).double())
show_markdown(
    r"| data | $2/\lambda_{\max}$ | $\kappa$ | $1/(\eta\lambda_{\min})$ |"
    "\n|---|---:|---:|---:|\n"
    + "\n".join([scale_report("5 pts, $x$", x5),
                 scale_report("23 pts, $x$", x23),
                 scale_report("5 pts, $z$", Z5.squeeze(1))])
)

# %% [markdown]
# So the sheet's 0.001 is below the bound on both data sets: it does not diverge, it
# **crawls**. Three runs on the 5-point set show the three regimes: the sheet's rate for 100
# epochs and for much longer, and a rate 5 % above the bound. The vertical axis is the gap to
# the least-squares loss, on a log scale.

# %%
X5 = x5.unsqueeze(1).double()
Y5 = y5.double()
b0 = torch.tensor(1.0, dtype=torch.float64, device=device)
w0 = b0.reshape(1)
loss_star5 = mse_linear(X5, Y5, *least_squares(X5, Y5))
bound5 = max_stable_lr(X5)
w_slow, b_slow, losses_slow = gd_fit(X5, Y5, w0, b0, lr=0.001, num_epochs=8000)
_, _, losses_div = gd_fit(X5, Y5, w0, b0, lr=1.05 * bound5, num_epochs=150)
epochs_to_1pct = int(((losses_slow - loss_star5) > 0.01 * loss_star5).sum().item())
print(f"bound = {bound5:.5f}; diverging run uses lr = {1.05 * bound5:.5f}")
b_100 = gd_fit(X5, Y5, w0, b0, lr=0.001, num_epochs=100)[1]
print(f"lr = 0.001: b after 100 epochs = {b_100.item():.3f}, "
      f"after 8000 epochs = {b_slow.item():.3f}")
print(f"least squares: b* = {least_squares(X5, Y5)[1].item():.3f}")
print(f"epochs until the loss is within 1 % of the minimum: {epochs_to_1pct}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.6, 3.4))
gap = (losses_slow - loss_star5).cpu()
ax1.plot(range(100), gap[:100], label="η = 0.001 (sheet)")
ax1.plot(range(150), (losses_div - loss_star5).cpu(),
         label="η = 1.05 × bound: diverges")
ax1.set_yscale("log")
ax1.set_xlabel("epoch")
ax1.set_ylabel("loss − minimum")
ax1.set_title("first 100 epochs")
ax1.legend()
ax2.plot(range(len(gap)), gap, label="η = 0.001 (sheet)")
ax2.set_yscale("log")
ax2.set_xlabel("epoch")
ax2.set_title("the sheet's rate, 8000 epochs")
ax2.legend()
plt.show()

# %% [markdown]
# Left: the sheet's rate drops the loss by orders of magnitude in a few epochs (the steep
# $w$-direction) and then almost stops: the remaining gap lies along the flat direction, which
# shrinks by a factor $1 - \eta\lambda_{\min}$ per epoch. A rate just above the bound diverges
# exponentially instead, with the loss growing by $(\eta\lambda_{\max}-1)^2$ per epoch. Right:
# at the sheet's rate the gap does close, as a straight line on the log scale (a constant
# factor per epoch), but only after thousands of epochs.
#
# ### The fix (clearly a change to the sheet): standardise $x$
#
# Same data, same loss, same gradient descent, but on $z = (x - \bar x)/s_x$ with $\eta = 0.3$
# (well below the standardised bound in the table), 100 epochs as in the sheet; the line is then
# converted back to $x$:

# %%
zero64 = torch.tensor(0.0, dtype=torch.float64, device=device)
w_z, b_z, losses_fix = gd_fit(Z5, Y5, zero64.reshape(1), zero64, lr=0.3,
                              num_epochs=100)
w_fix, b_fix = unstandardize(w_z, b_z, mean5, std5)
w_star5, b_star5 = least_squares(X5, Y5)
for name, mine, reference in [("w (fix) vs lstsq", w_fix, w_star5),
                               ("b (fix) vs lstsq", b_fix, b_star5)]:
    compare(name, mine, reference, atol=1e-4)

# %%
fig, ax = plt.subplots()
ax.plot(range(100), gap[:100], label="sheet: x, η = 0.001")
ax.plot(range(100), (losses_fix - loss_star5).clamp_min(1e-12).cpu(),
        label="fix: standardised x, η = 0.3")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("loss − minimum")
ax.legend()
plt.show()

# %% [markdown]
# The standardised problem reaches the least-squares line to rounding within the sheet's 100
# epochs. (Once the gap is below the rounding of `float64` on a loss in the hundreds it can even
# come out slightly negative; the curve is floored at $10^{-12}$ so the log scale can show it.)
#
# ### Exercise 7: the fitted sigmoid and the 0.5 boundary

# %%
grid7 = torch.linspace(0, 105, 300, device=device)
with torch.no_grad():
    p_grid = logistic((grid7.unsqueeze(1) - mean7) / std7).squeeze(1)
fig, ax = plt.subplots()
ax.scatter(x7.cpu(), y7.cpu(), s=24, color=plot.COLORS[0], label="data", zorder=3)
ax.plot(grid7.cpu(), p_grid.cpu(), color=plot.COLORS[1], label=r"$\sigma(wx + b)$")
ax.axhline(0.5, color=plot.COLORS[4], lw=1, ls=":")
ax.axvline(boundary7.item(), color=plot.COLORS[2], ls="--",
           label=f"boundary x* = {boundary7.item():.1f}")
ax.set_xlabel("$x$")
ax.set_ylabel("$p(y = 1 \\mid x)$")
ax.legend(loc="center right")
plt.show()

# %% [markdown]
# ## Answers to the exercise questions
#
# ### Exercise 1: what does the loss curve show?
#
# <details><summary>Answer</summary>
#
# The loss falls steeply over the first epochs and then flattens. The fitted line is close to
# the least-squares line over the range of the data, but the table in the Check section shows
# how: $w$ is near $w^*$ while $b$ has hardly left its initial value 1. The
# data set's condition number (Plot section) explains it: the flat direction of the loss is
# almost the $b$-axis, and at $\eta = 0.001$ it needs thousands of epochs. Since $x$ only spans
# 12–22, a small error in $b$ is almost absorbed by $w$, so the loss is already small.
#
# </details>
#
# ### Exercise 2 and the additional question: $w$.grad, $b$.grad and the updates
#
# <details><summary>Answer</summary>
#
# The two epochs are worked out with their numbers in the Check section, and autograd gives the
# same gradients and updated parameters for both definitions of the error. With $y - \hat y$
# instead of $\hat y - y$ the error changes sign, but so does its derivative with respect to
# $w$ and $b$ ($-x$ and $-1$ instead of $x$ and $1$); the product, and thus the gradient, is
# unchanged. The gradients are large and negative in the first epoch (the line $y = x + 1$ is
# far below the points), so both parameters increase.
#
# </details>
#
# ### Exercises 3 and 4: is the sheet's learning rate of 0.001 right for the 5-point set?
#
# <details><summary>Answer</summary>
#
# It does not diverge: the bound $2/\lambda_{\max}$ computed from the data lies above it. But
# it **crawls**: with $x$ up to 20 the Hessian's eigenvalues are far apart (the condition
# number $\kappa$ in the Plot section's table), so after the slope is found the intercept creeps towards $b^*$ by a tiny
# fraction per epoch and 100 epochs leave it far from $b^*$ (Check table, Plot section). The
# sheet's own worked problem uses the same data. Raising $\eta$ helps only up to the bound;
# just above it the loss explodes. Standardising $x$ makes the eigenvalues equal, so one
# moderate $\eta$ suits every direction and 100 epochs are plenty. Exercise 4 updates after each
# point instead of each epoch; each single-point loss has its own, larger curvature
# $2(x_i^2 + 1)$, and 0.001 is below $2/(2(x_i^2+1))$ for $x_i = 20$ too, so it is stable as
# well, and crawls the same way.
#
# </details>
#
# ### Exercise 4: what do `Dataset` and `DataLoader` add?
#
# <details><summary>Answer</summary>
#
# Nothing to the mathematics: the model, loss and update are those of exercise 3. The
# `Dataset` separates *what* the data are from *how* they are served; the `DataLoader` batches
# and shuffles them (and, for large data sets, loads them in parallel), and `torch.optim.SGD`
# replaces the hand-written `update` and `reset_grad` with `step` and `zero_grad` for any
# number of parameters. The same training loop then works for any model and data set.
#
# </details>
#
# ### Exercise 6: the prediction at $X_1 = 3$, $X_2 = 2$
#
# <details><summary>Answer</summary>
#
# Gradient descent and the closed-form least-squares solution give the same prediction to
# within the tolerance printed in the Check section. Five subjects and three parameters leave
# two degrees of freedom, so the plane does not pass through every point, and the prediction
# is the value of the best plane, not a data point.
#
# </details>
#
# ### Exercise 7: where is the boundary, and does training ever stop?
#
# <details><summary>Answer</summary>
#
# The fitted sigmoid is near 0 for the small $x$ and near 1 for the large ones, every point is
# classified correctly, and the boundary $x^* = -b/w$ (printed in the Implementation section and
# drawn in the plot) lies in the gap between the largest $x$ labelled 0 and the smallest
# labelled 1. Because the classes are separable, the cross-entropy has no minimum at finite
# $w$: scaling $w$ and $b$ up makes every $p_i$ closer to its label and the loss smaller, so
# gradient descent keeps growing them and the loss creeps towards 0 forever. The boundary
# itself settles; continuing to train only sharpens the sigmoid. (For separable data, gradient
# descent on the logistic loss tends towards the maximum-margin boundary, here the midpoint of
# the gap, printed next to $x^*$.)
#
# </details>

# %% [markdown]
# ## Summary
#
# - Linear regression minimises $\frac1N\sum(\hat y - y)^2$; its gradient is
#   $\frac2N\sum e_i x_i$ and $\frac2N\sum e_i$, whichever way the error is written.
# - A loop with `backward()`, a hand-made class, `nn.Module` + `DataLoader` + `SGD`, and
#   `nn.Linear` are the same algorithm; exercises 1 and 5 give the same line, and so does
#   `labkit.regression.gd_fit`.
# - The loss is a quadratic with Hessian $\frac2N A^\top A$: gradient descent diverges above
#   $2/\lambda_{\max}$ and crawls along $\lambda_{\min}$. With $x$ in the tens, the sheet's
#   $\eta = 0.001$ is stable but leaves $b$ far from its optimum after 100 epochs;
#   standardising $x$ fixes that.
# - Multiple regression by gradient descent matches `torch.linalg.lstsq`.
# - Logistic regression fits $\sigma(wx + b)$ by cross-entropy; its boundary is $x^* = -b/w$.
#
# **labkit:** `labkit.regression` has `mse_linear` / `mse_linear_grad`, `gd_fit`,
# `mse_hessian`, `max_stable_lr`, `least_squares`, `standardize` and `unstandardize`.
