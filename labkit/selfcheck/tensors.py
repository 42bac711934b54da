"""Self-checks of tutorial 01, "Tensors": shapes, products, broadcasting and indexing.

Each exercise's first input is chosen so that the typical mistakes give
different answers there: square matrices where a transpose would still run,
non-square ones where rows and columns must not be confused.
"""

from __future__ import annotations

import torch

from labkit.selfcheck import register
from labkit.selfcheck.core import Exercise, Mistake

PAGE = "01-tensors"


def _randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=dtype)


def _one_matrix(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, 3, 4),), (_randn(gen, 2, 5),), (_randn(gen, 4, 6, dtype=torch.float64),)]


def _two_vectors(gen: torch.Generator) -> list[tuple]:
    return [
        (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.5, -0.3, 0.8])),
        (_randn(gen, 5), _randn(gen, 5)),
        (_randn(gen, 7, dtype=torch.float64), _randn(gen, 7, dtype=torch.float64)),
    ]


def _matrix_and_vector(gen: torch.Generator) -> list[tuple]:
    """A square matrix first (a transposed product still runs), then the sheet's (3, 2)."""
    return [
        (_randn(gen, 3, 3), _randn(gen, 3)),
        (_randn(gen, 3, 2), _randn(gen, 2)),
        (_randn(gen, 4, 5, dtype=torch.float64), _randn(gen, 5, dtype=torch.float64)),
    ]


def _matrix_and_rows(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 3, 3), _randn(gen, 3)),
        (_randn(gen, 2, 3), _randn(gen, 2)),
        (_randn(gen, 4, 5, dtype=torch.float64), _randn(gen, 4, dtype=torch.float64)),
    ]


def _images(gen: torch.Generator) -> list[tuple]:
    """(H, W, C): a square image first (a swapped H and W keeps the shape)."""
    return [(_randn(gen, 4, 4, 3),), (_randn(gen, 2, 5, 3),), (_randn(gen, 3, 2, 1, dtype=torch.float64),)]


def _matrix_and_index(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, 3, 3), 1), (_randn(gen, 2, 4), 3), (_randn(gen, 5, 2, dtype=torch.float64), 0)]


def _matrix_and_row(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 4, 4), _randn(gen, 1, 4)),
        (_randn(gen, 7, 7), _randn(gen, 1, 7)),
        (_randn(gen, 3, 5, dtype=torch.float64), _randn(gen, 1, 5, dtype=torch.float64)),
    ]


def _two_matrices(gen: torch.Generator) -> list[tuple]:
    return [
        (_randn(gen, 2, 3), _randn(gen, 2, 3)),
        (_randn(gen, 4, 2), _randn(gen, 3, 2)),
        (_randn(gen, 3, 5, dtype=torch.float64), _randn(gen, 3, 5, dtype=torch.float64)),
    ]


def _unit_dims(gen: torch.Generator) -> list[tuple]:
    return [(_randn(gen, 1, 1, 1, 10),), (_randn(gen, 1, 3, 1, 4),), (_randn(gen, 2, 1, 5, dtype=torch.float64),)]


def _reshape_twice(R):
    return R.reshape(2, -1), R.reshape(-1, 1)


def _argmax_2d(G):
    flat = int(G.argmax())
    return flat // G.shape[1], flat % G.shape[1]


register(
    Exercise(
        name="reshape_twice",
        page=PAGE,
        reference=_reshape_twice,
        cases=_one_matrix,
        output_names=("R2", "R1"),
        what="gives (2, N/2) and (N, 1) in row order",
        mistakes=[
            Mistake(
                "the numbers are read column by column: R.T.reshape(...) reorders them. reshape reads "
                "the storage row after row, so reshape R itself.",
                lambda R: (R.T.reshape(2, -1), R.T.reshape(-1, 1)),
            ),
            Mistake(
                "the two sizes are swapped: (N/2, 2) instead of (2, N/2). The first size is the number "
                "of rows.",
                lambda R: (R.reshape(-1, 2), R.reshape(-1, 1)),
            ),
            Mistake(
                "the second result is a row (1, N); the exercise asks for a column (N, 1).",
                lambda R: (R.reshape(2, -1), R.reshape(1, -1)),
            ),
        ],
    ),
    Exercise(
        name="dot_product",
        page=PAGE,
        reference=torch.dot,
        cases=_two_vectors,
        what="equals torch.dot(x, w)",
        mistakes=[
            Mistake("x * w is the element-wise product; the dot product also sums it: (x * w).sum().",
                    lambda x, w: x * w),
            Mistake("this adds x and w; the dot product multiplies matching entries, then sums.",
                    lambda x, w: (x + w).sum()),
            Mistake("(Σ x)(Σ w) multiplies the two sums; the dot product sums the products x_i w_i.",
                    lambda x, w: x.sum() * w.sum()),
            Mistake("a mean, not a sum: there is no 1/n in Σ x_i w_i.", lambda x, w: (x * w).mean()),
        ],
    ),
    Exercise(
        name="matvec",
        page=PAGE,
        reference=lambda W, x: W @ x,
        cases=_matrix_and_vector,
        what="equals W @ x",
        mistakes=[
            Mistake(
                "this sums over the rows (dim=0). Entry i is row i of W times x, so sum over the "
                "columns: (W * x).sum(dim=1).",
                lambda W, x: (W * x).sum(dim=0),
            ),
            Mistake("this is W.T @ x: each output uses a column of W; (Wx)_i uses row i.",
                    lambda W, x: W.T @ x),
            Mistake("W * x multiplies each row by x but does not sum: add .sum(dim=1).",
                    lambda W, x: W * x),
        ],
    ),
    Exercise(
        name="add_per_row",
        page=PAGE,
        reference=lambda A, r: A + r.unsqueeze(1),
        cases=_matrix_and_rows,
        what="adds r[i] to every entry of row i",
        mistakes=[
            Mistake(
                "A + r adds r along the last dimension, one number per column. Broadcasting aligns "
                "shapes from the right: make r a column of shape (m, 1) with r.unsqueeze(1).",
                lambda A, r: A + r,
            ),
            Mistake("the rows are multiplied by r; the exercise adds.", lambda A, r: A * r.unsqueeze(1)),
            Mistake("r is subtracted; add it: A + r.unsqueeze(1).", lambda A, r: A - r.unsqueeze(1)),
        ],
    ),
    Exercise(
        name="stack_columns",
        page=PAGE,
        reference=lambda a, b: torch.stack([a, b], dim=1),
        cases=lambda gen: [(_randn(gen, 3), _randn(gen, 3)), (_randn(gen, 5), _randn(gen, 5)),
                           (_randn(gen, 4, dtype=torch.float64), _randn(gen, 4, dtype=torch.float64))],
        what="equals torch.stack([a, b], dim=1)",
        mistakes=[
            Mistake("dim=0 stacks a and b as rows (2, n); as columns it is dim=1, shape (n, 2).",
                    lambda a, b: torch.stack([a, b], dim=0)),
            Mistake("torch.cat joins along the existing dimension (2n,); stack adds a new one.",
                    lambda a, b: torch.cat([a, b])),
            Mistake("the columns are in the wrong order: a first, then b.",
                    lambda a, b: torch.stack([b, a], dim=1)),
        ],
    ),
    Exercise(
        name="hwc_to_chw",
        page=PAGE,
        reference=lambda img: img.permute(2, 0, 1),
        cases=_images,
        what="equals img.permute(2, 0, 1)",
        mistakes=[
            Mistake(
                "reshape keeps the storage order, so it scrambles the pixels: the shape is right, the "
                "content is not. Reorder the dimensions with permute.",
                lambda img: img.reshape(img.shape[2], img.shape[0], img.shape[1]),
            ),
            Mistake("this is (C, W, H): height and width are swapped. permute(2, 0, 1) puts C, then H, "
                    "then W.", lambda img: img.permute(2, 1, 0)),
            Mistake("permute(1, 2, 0) is the way back, from (C, H, W) to (H, W, C); here it gives "
                    "(W, C, H). Each number says which old dimension goes to that place.",
                    lambda img: img.permute(1, 2, 0)),
        ],
    ),
    Exercise(
        name="take_column",
        page=PAGE,
        reference=lambda M, j: M[:, j],
        cases=_matrix_and_index,
        what="equals M[:, j]",
        mistakes=[
            Mistake("M[j] is row j; a column keeps every row: M[:, j].", lambda M, j: M[j]),
            Mistake("M[:, j:j+1] keeps the dimension, shape (m, 1); an integer index drops it: M[:, j].",
                    lambda M, j: M[:, j:j + 1]),
            Mistake("indices start at 0: column j is M[:, j], not M[:, j - 1].", lambda M, j: M[:, j - 1]),
        ],
    ),
    Exercise(
        name="times_column",
        page=PAGE,
        reference=lambda X, y: X @ y.T,
        cases=_matrix_and_row,
        what="equals X @ y.T, shape (m, 1)",
        mistakes=[
            Mistake("y @ X multiplies the row y by the columns of X (shape (1, n)); transpose y instead: "
                    "X @ y.T.", lambda X, y: y @ X),
            Mistake("X * y is element-wise (broadcast over the rows), not a matrix product.",
                    lambda X, y: X * y),
            Mistake("y @ X.T is (X @ y.T).T, a row (1, m); the exercise wants the column X @ y.T.",
                    lambda X, y: y @ X.T),
        ],
    ),
    Exercise(
        name="gram",
        page=PAGE,
        reference=lambda G1, G2: G1 @ G2.T,
        cases=_two_matrices,
        what="equals G1 @ G2.T",
        mistakes=[
            Mistake("G1.T @ G2 multiplies the columns: shape (n, n). Transpose the second factor.",
                    lambda G1, G2: G1.T @ G2),
            Mistake("G2 @ G1.T is the transpose of the answer: the order of the factors matters.",
                    lambda G1, G2: G2 @ G1.T),
            Mistake("G1 * G2 is element-wise; a matrix product is @.", lambda G1, G2: G1 * G2),
        ],
    ),
    Exercise(
        name="max_and_min",
        page=PAGE,
        reference=lambda G: (G.max(), G.min()),
        cases=_one_matrix,
        output_names=("maximum", "minimum"),
        what="equals (G.max(), G.min())",
        mistakes=[
            Mistake("the two are swapped: return the maximum first.", lambda G: (G.min(), G.max())),
            Mistake("max(dim=0) is per column; without dim, max() looks at every entry.",
                    lambda G: (G.max(dim=0).values, G.min(dim=0).values)),
            Mistake("these are the largest and smallest |G|; the exercise keeps the sign.",
                    lambda G: (G.abs().max(), G.abs().min())),
        ],
    ),
    Exercise(
        name="argmax_2d",
        page=PAGE,
        reference=_argmax_2d,
        # max at (0, 2) and min at (0, 1): each mistake gives a different wrong answer there
        cases=lambda gen: [(torch.tensor([[0.3, -1.2, 2.0], [0.5, 0.1, -0.4]]),), (_randn(gen, 4, 4),),
                           (_randn(gen, 3, 5, dtype=torch.float64),)],
        output_names=("row", "col"),
        what="gives the (row, column) of the largest entry",
        mistakes=[
            Mistake("row and column are swapped: the flat index is row · (number of columns) + column.",
                    lambda G: tuple(reversed(_argmax_2d(G)))),
            Mistake(
                "the flat index counts whole rows of G.shape[1] entries: row = i // G.shape[1], "
                "col = i % G.shape[1] (not G.shape[0]).",
                lambda G: (int(G.argmax()) // G.shape[0], int(G.argmax()) % G.shape[0]),
            ),
            Mistake("this is the position of the minimum: use argmax.",
                    lambda G: (int(G.argmin()) // G.shape[1], int(G.argmin()) % G.shape[1])),
        ],
    ),
    Exercise(
        name="squeeze_all",
        page=PAGE,
        reference=lambda t: t.squeeze(),
        cases=_unit_dims,
        what="removes every dimension of size 1",
        mistakes=[
            Mistake("squeeze(0) removes only the first dimension; squeeze() removes all of size 1.",
                    lambda t: t.squeeze(0)),
            Mistake("reshape(-1) flattens everything into one dimension; squeeze keeps the dimensions "
                    "larger than 1.", lambda t: t.reshape(-1)),
            Mistake("indexing [0, 0, 0] drops the first three dimensions whatever their size; squeeze "
                    "drops exactly those of size 1.", lambda t: t[0, 0, 0]),
        ],
    ),
)
