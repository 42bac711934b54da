"""Self-checks of tutorial 14: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from labkit import selfcheck, transfer


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


# ------------------------------------------------------------ few-shot subsets


def few_shot_first_block(y, order, n, num_classes):
    return order[:num_classes * n].clone()


def few_shot_data_order(y, order, n, num_classes):
    picked = []
    for c in range(num_classes):
        where = (y == c).nonzero().flatten()
        picked.append(where[:n])
    return torch.cat(picked)


def few_shot_positions(y, order, n, num_classes):
    labels = y[order]
    out = []
    for c in range(num_classes):
        out += [i for i in range(len(labels)) if labels[i] == c][:n]
    return torch.tensor(out)


def few_shot_round_robin(y, order, n, num_classes):
    per_class = [[i for i in order.tolist() if y[i] == c][:n] for c in range(num_classes)]
    return torch.tensor([per_class[c][k] for k in range(n) for c in range(num_classes)])


def few_shot_labels(y, order, n, num_classes):
    idx = torch.cat([order[y[order] == c][:n] for c in range(num_classes)])
    return y[idx]


# ------------------------------------------------------------------------ PCA


def pca_forgot_centring(features):
    U, S, Vh = torch.linalg.svd(features, full_matrices=False)
    V2 = Vh[:2]
    V2 = V2 * torch.sign(V2.gather(1, V2.abs().argmax(1, keepdim=True)))
    return features @ V2.T


def pca_returns_u(features):
    centred = features - features.mean(dim=0, keepdim=True)
    U, S, Vh = torch.linalg.svd(centred, full_matrices=False)
    V2 = Vh[:2]
    signs = torch.sign(V2.gather(1, V2.abs().argmax(1, keepdim=True))).T  # (1, 2)
    return U[:, :2] * signs


def pca_columns_of_vh(features):
    centred = features - features.mean(0)
    _, _, Vh = torch.linalg.svd(centred, full_matrices=False)
    directions = Vh[:, :2]  # (D, 2), but these are not the principal directions
    for j in range(2):
        if directions[directions[:, j].abs().argmax(), j] < 0:
            directions[:, j] = -directions[:, j]
    return centred @ directions


def pca_eigh_ascending(features):
    centred = features - features.mean(0)
    _, vectors = torch.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
    V2 = vectors[:, :2].T
    V2 = V2 * torch.sign(V2.gather(1, V2.abs().argmax(1, keepdim=True)))
    return centred @ V2.T


def pca_no_sign_fix_flipped(features):
    """Writes the convention backwards: makes the largest entry negative."""
    centred = features - features.mean(0)
    _, _, Vh = torch.linalg.svd(centred, full_matrices=False)
    V2 = Vh[:2]
    V2 = -V2 * torch.sign(V2.gather(1, V2.abs().argmax(1, keepdim=True)))
    return centred @ V2.T


# ----------------------------------------------------------------- linear head


def head_no_zero_grad(features, y, num_classes, steps, lr):
    W = torch.zeros(num_classes, features.shape[1], dtype=features.dtype, requires_grad=True)
    b = torch.zeros(num_classes, dtype=features.dtype, requires_grad=True)
    opt = torch.optim.Adam([W, b], lr=lr)
    for _ in range(steps):
        F.cross_entropy(features @ W.T + b, y).backward()
        opt.step()
    return W.detach(), b.detach()


def head_without_bias(features, y, num_classes, steps, lr):
    head = torch.nn.Linear(features.shape[1], num_classes, bias=False).to(features.dtype)
    torch.nn.init.zeros_(head.weight)
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(head(features), y).backward()
        opt.step()
    return head.weight.detach(), torch.zeros(num_classes, dtype=features.dtype)


def head_probabilities_into_ce(features, y, num_classes, steps, lr):
    head = torch.nn.Linear(features.shape[1], num_classes).to(features.dtype)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    opt = torch.optim.Adam(head.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        probs = torch.softmax(head(features), dim=1)
        F.cross_entropy(probs, y).backward()
        opt.step()
    return head.weight.detach(), head.bias.detach()


def head_gradient_descent_by_hand(features, y, num_classes, steps, lr):
    W = torch.zeros(num_classes, features.shape[1], dtype=features.dtype, requires_grad=True)
    b = torch.zeros(num_classes, dtype=features.dtype, requires_grad=True)
    for _ in range(steps):
        loss = F.cross_entropy(features @ W.T + b, y)
        gW, gb = torch.autograd.grad(loss, [W, b])
        with torch.no_grad():
            W -= lr * gW
            b -= lr * gb
    return W.detach(), b.detach()


# ------------------------------------------------------------ normalisation


def normalize_times_std(X, mean, std):
    return (X - mean[None, :, None, None]) * std[None, :, None, None]


def normalize_swapped(X, mean, std):
    out = torch.empty_like(X)
    for c in range(X.shape[1]):
        out[:, c] = (X[:, c] - std[c]) / mean[c]
    return out


def normalize_divide_first(X, mean, std):
    return X / std.view(1, 3, 1, 1) - mean.view(1, 3, 1, 1)


def normalize_batch_stats(X, mean, std):
    m = X.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
    s = X.std(dim=(0, 2, 3)).view(1, -1, 1, 1)
    return (X - m) / s


# ------------------------------------------------------------------ counting


def count_everything(model):
    return sum(p.numel() for _, p in model.named_parameters())


def count_tensors(model):
    return len([p for p in model.parameters() if p.requires_grad])


def count_frozen(model):
    total = 0
    for p in model.parameters():
        if p.requires_grad is False:
            total += p.numel()
    return total


def count_weight_matrices(model):
    return sum(p.numel() for name, p in model.named_parameters()
               if p.requires_grad and name.endswith("weight"))


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("few_shot_indices", few_shot_first_block, "not balanced"),
        ("few_shot_indices", few_shot_data_order, "random order is ignored"),
        ("few_shot_indices", few_shot_positions, "positions along `order`"),
        ("few_shot_indices", few_shot_round_robin, "interleaved"),
        ("few_shot_indices", few_shot_labels, "labels of the chosen examples"),
        ("pca_2d", pca_forgot_centring, "not centred"),
        ("pca_2d", pca_returns_u, "U[:, :2]"),
        ("pca_2d", pca_columns_of_vh, "*rows* of Vh"),
        ("pca_2d", pca_eigh_ascending, "*smallest* variance"),
        ("pca_2d", pca_no_sign_fix_flipped, "opposite sign"),
        ("fit_linear_head", head_no_zero_grad, "zero_grad"),
        ("fit_linear_head", head_without_bias, "bias is not trained"),
        ("fit_linear_head", head_probabilities_into_ce, "softmax is applied twice"),
        ("fit_linear_head", head_gradient_descent_by_hand, "plain SGD"),
        ("imagenet_normalize", normalize_times_std, "multiplied by std"),
        ("imagenet_normalize", normalize_swapped, "swapped"),
        ("imagenet_normalize", normalize_divide_first, "after dividing"),
        ("imagenet_normalize", normalize_batch_stats, "batch's own"),
        ("count_trainable", count_everything, "every parameter, frozen or not"),
        ("count_trainable", count_tensors, "parameter tensors"),
        ("count_trainable", count_frozen, "counts the frozen"),
        ("count_trainable", count_weight_matrices, "biases are missing"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_pca_reference_matches_pca_lowrank_up_to_sign():
    exercise = selfcheck.exercises()["pca_2d"]
    for (X,) in exercise.cases(torch.Generator().manual_seed(0)):
        _, _, V = torch.pca_lowrank(X, q=X.shape[1], center=True, niter=4)
        expected = (X - X.mean(0)) @ V[:, :2]
        torch.testing.assert_close(exercise.reference(X).abs(), expected.abs())


def test_head_reference_equals_labkit_optim_adam_on_nn_linear():
    from labkit import optim

    exercise = selfcheck.exercises()["fit_linear_head"]
    for X, y, C, steps, lr in exercise.cases(torch.Generator().manual_seed(0)):
        head = torch.nn.Linear(X.shape[1], C).double()
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
        opt = optim.Adam(head.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(head(X), y).backward()
            opt.step()
        W, b = exercise.reference(X, y, C, steps, lr)
        torch.testing.assert_close(W, head.weight.detach())
        torch.testing.assert_close(b, head.bias.detach())


def test_count_cases_leave_the_global_seed_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    selfcheck.exercises()["count_trainable"].cases(torch.Generator().manual_seed(0))
    torch.testing.assert_close(torch.rand(3), expected)


def test_normalize_reference_is_torchvision_normalize():
    import torchvision

    exercise = selfcheck.exercises()["imagenet_normalize"]
    for X, mean, std in exercise.cases(torch.Generator().manual_seed(0)):
        expected = torchvision.transforms.functional.normalize(X, mean.tolist(), std.tolist())
        torch.testing.assert_close(transfer.imagenet_normalize(X, mean, std), expected)
