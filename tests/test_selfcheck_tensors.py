"""Self-checks of tutorial 01: wrong answers a student writes, and the hint each gets."""

from __future__ import annotations

import pytest
import torch

from labkit import selfcheck


def _hint(name, fn):
    verdict = selfcheck.verdict(name, fn)
    assert verdict.status == "failed", verdict.message
    return verdict.hint


def _argmax_swapped(G):
    i = G.argmax().item()
    return i % G.shape[1], i // G.shape[1]


def _argmax_by_rows(G):
    rows, _ = G.shape
    i = G.argmax().item()
    return divmod(i, rows)


def _argmin_position(G):
    i = torch.argmin(G).item()
    return divmod(i, G.shape[1])


@pytest.mark.parametrize(
    ("name", "wrong", "expected"),
    [
        ("reshape_twice", lambda R: (R.t().reshape(2, -1), R.t().reshape(-1, 1)), "column by column"),
        ("reshape_twice", lambda R: (R.view(R.numel() // 2, 2), R.view(R.numel(), 1)), "sizes are swapped"),
        ("reshape_twice", lambda R: (R.view(2, R.numel() // 2), R.flatten().unsqueeze(0)), "a row (1, N)"),
        ("reshape_twice", lambda R: (R.reshape(2, -1), R.reshape(-1)), "wrong shape"),
        ("dot_product", torch.mul, "element-wise product"),
        ("dot_product", lambda x, w: torch.sum(x + w), "adds x and w"),
        ("dot_product", lambda x, w: torch.sum(x) * torch.sum(w), "multiplies the two sums"),
        ("dot_product", lambda x, w: torch.mean(x * w), "there is no 1/n"),
        ("matvec", lambda W, x: torch.sum(W * x, 0), "sums over the rows"),
        ("matvec", lambda W, x: torch.matmul(W.t(), x), "W.T @ x"),
        ("matvec", lambda W, x: W * x.unsqueeze(0), "does not sum"),
        ("matvec", lambda W, x: -(W @ x), "opposite sign"),
        ("add_per_row", lambda A, r: A + r.unsqueeze(0), "one number per column"),
        ("add_per_row", lambda A, r: A * r[:, None], "multiplied"),
        ("add_per_row", lambda A, r: A - r.reshape(-1, 1), "subtracted"),
        ("add_per_row", lambda A, r: (A + r[:, None]).double(), "do not hard-code a dtype"),
        ("stack_columns", lambda a, b: torch.stack((a, b)), "dim=0"),
        ("stack_columns", lambda a, b: torch.cat((a, b), dim=0), "torch.cat"),
        ("stack_columns", lambda a, b: torch.stack((b, a), 1), "wrong order"),
        ("stack_columns", lambda a, b: torch.stack([a, b], 0).T.contiguous() * 2, "constant factor 2"),
        ("hwc_to_chw", lambda img: img.view(img.shape[2], img.shape[0], img.shape[1]), "scrambles"),
        ("hwc_to_chw", lambda img: img.transpose(0, 2), "height and width are swapped"),
        ("hwc_to_chw", lambda img: img.permute(1, 2, 0), "the way back"),
        ("take_column", lambda M, j: M[j, :], "row j"),
        ("take_column", lambda M, j: M[:, [j]], "keeps the dimension"),
        ("take_column", lambda M, j: M.T[j - 1], "indices start at 0"),
        ("times_column", lambda X, y: torch.matmul(y, X), "y @ X"),
        ("times_column", lambda X, y: torch.mul(X, y), "element-wise"),
        ("times_column", lambda X, y: (X @ y.T).T, "a row (1, m)"),
        ("gram", lambda G1, G2: torch.matmul(G1.t(), G2), "multiplies the columns"),
        ("gram", lambda G1, G2: (G1 @ G2.T).T, "transpose of the answer"),
        ("gram", lambda G1, G2: G1.mul(G2), "element-wise"),
        ("max_and_min", lambda G: (torch.min(G), torch.max(G)), "swapped"),
        ("max_and_min", lambda G: (G.max(0)[0], G.min(0)[0]), "per column"),
        ("max_and_min", lambda G: (torch.abs(G).max(), torch.abs(G).min()), "keeps the sign"),
        ("argmax_2d", _argmax_swapped, "row and column are swapped"),
        ("argmax_2d", _argmax_by_rows, "not G.shape[0]"),
        ("argmax_2d", _argmin_position, "minimum"),
        ("argmax_2d", lambda G: G.argmax().item(), "returns 1 value(s), expected 2 (row, col)"),
        ("squeeze_all", lambda t: torch.squeeze(t, 0), "removes only the first"),
        ("squeeze_all", torch.flatten, "flattens everything"),
        ("squeeze_all", lambda t: t[0][0][0], "indexing [0, 0, 0]"),
    ],
)
def test_wrong_answer_gets_its_hint(name, wrong, expected):
    assert expected in _hint(name, wrong)


def test_matvec_written_with_a_loop_passes():
    def matvec(W, x):
        return torch.stack([sum(W[i, j] * x[j] for j in range(W.shape[1])) for i in range(W.shape[0])])

    assert selfcheck.verdict("matvec", matvec).passed


def test_argmax_as_tensors_passes():
    def argmax_2d(G):
        return torch.unravel_index(G.argmax(), G.shape)

    assert selfcheck.verdict("argmax_2d", argmax_2d).passed
