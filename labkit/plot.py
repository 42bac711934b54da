"""Plotting helpers with a style that reads on the site's light and dark palettes.

Figures have a transparent background, are drawn [`WIDTH`][labkit.plot.WIDTH] inches wide
(the width of the site's content column at 100 dpi, so nothing is scaled
down and 9-point tick labels stay 12 CSS pixels tall) and use the course's
colours ([`COLORS`][labkit.plot.COLORS], [`INK`][labkit.plot.INK]), each with at least 4.5:1 contrast on
white. The site shows every figure twice, once per palette: see
[`labkit.figures`][labkit.figures], which swaps each course colour for its dark partner.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import torch

from labkit import figures
from labkit._validate import check_tensor

__all__ = [
    "COLORS",
    "INK",
    "WIDTH",
    "STYLE",
    "use_style",
    "plot_loss",
    "decision_boundary",
    "show_images",
    "plot_confusion_matrix",
]

COLORS = [figures.LIGHT[k] for k in ("blue", "orange", "green", "red", "purple", "yellow", "cyan", "pink")]
"""Data colours, in cycle order: blue, orange, green, red, purple, yellow, cyan, pink."""

INK = figures.LIGHT["ink"]
"""Text, axes and neutral lines."""

WIDTH = 7.0
"""Width of a full-width figure in inches: the site's content column (700 CSS px) at 100 dpi."""

STYLE: dict[str, object] = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "figure.figsize": (WIDTH, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": figures.DPI,
    "figure.autolayout": True,
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 11,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": INK,
    "grid.alpha": 0.25,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "legend.frameon": False,
    "legend.labelcolor": INK,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
}
"""The matplotlib settings [`use_style`][labkit.plot.use_style] applies: transparent background, course colours, ink and fonts sized for the site's column (9 pt ticks, 10 pt labels, 10.5 pt titles)."""


def _site_png(fig):
    """IPython's PNG formatter for the site build: light PNG, dark PNG and report as metadata."""
    report = figures.render(fig)
    meta = {
        "width": report.width,
        "height": report.height,
        "labkit": {
            "dark_png": __import__("base64").b64encode(report.dark_png).decode("ascii"),
            "alt": report.alt,
            "dpi": figures.DPI,
            "min_font_pt": report.min_font_pt,
            "contrast": report.contrast,
        },
    }
    return report.light_png, meta


def _retina_png(fig):
    """IPython's PNG formatter for Jupyter and Colab: a sharp PNG shown at its CSS size."""
    report_png = figures._png(fig)  # noqa: SLF001 - the same rendering as the site's light PNG
    width, height = figures._png_size(report_png)  # noqa: SLF001
    return report_png, {"width": round(width * 100 / figures.DPI), "height": round(height * 100 / figures.DPI)}


def use_style() -> None:
    """Apply the course's matplotlib style (call once, at the top of a tutorial).

    Under IPython it also registers how figures are shown: a sharp PNG at
    twice the pixels in Jupyter and Colab; in the site build
    (``LABKIT_SITE_FIGURES=1``) a PNG per palette with alt text and a legibility
    report, which the build turns into the page's figure.

    Examples:
        >>> use_style()
        >>> import matplotlib as mpl
        >>> mpl.rcParams["figure.figsize"][0] == WIDTH, mpl.rcParams["savefig.dpi"]
        (True, 200.0)
    """
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None  # noqa: N806 - plain Python: no display formatter to register
    shell = get_ipython() if get_ipython else None
    if shell is not None:
        # Resolve the (lazily loaded) inline backend now: loading it registers its own
        # PNG formatter and rcParams, which would otherwise replace ours later.
        plt.switch_backend(mpl.get_backend())
    mpl.rcParams.update(STYLE)
    if shell is None:
        return
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, _site_png if os.environ.get("LABKIT_SITE_FIGURES") == "1" else _retina_png)


def plot_loss(
    losses: Sequence[float] | torch.Tensor,
    *,
    ax: plt.Axes | None = None,
    label: str | None = None,
    logy: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
) -> plt.Axes:
    """Plot a loss curve.

    Args:
        losses: one value per epoch or step, shape (num_epochs,).
        ax: axes to draw into; a new figure when ``None``.
        label: legend label.
        logy: log-scale the y axis.

    Returns:
        The axes drawn into.

    Examples:
        >>> ax = plot_loss([1.0, 0.5, 0.25], label="train", logy=True)
        >>> ax.get_yscale(), len(ax.get_lines())
        ('log', 1)
        >>> plt.close(ax.figure)
    """
    if ax is not None and not isinstance(ax, plt.Axes):
        raise TypeError(f"ax must be matplotlib Axes or None, got {type(ax).__name__}")
    if isinstance(losses, torch.Tensor) and (losses.is_complex() or losses.dtype == torch.bool):
        raise TypeError(f"losses must be real numbers, got a {losses.dtype} tensor")
    try:
        values = torch.as_tensor(losses, dtype=torch.float64).detach().cpu()
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"losses must be a sequence of numbers or a tensor, got {type(losses).__name__}") from None
    if values.ndim != 1 or values.numel() == 0:
        raise ValueError(f"losses must be a non-empty 1-D sequence, got shape {tuple(values.shape)}")
    if ax is None:
        _, ax = plt.subplots()
    ax.plot(range(len(values)), values.tolist(), label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if label is not None:
        ax.legend()
    return ax


def decision_boundary(
    predict: Callable[[torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    ax: plt.Axes | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    resolution: int = 200,
    levels: int | Sequence[float] = 20,
    title: str | None = None,
) -> plt.Axes:
    """Shade ``predict`` over a grid and overlay the labelled points.

    The grid is built with ``torch.meshgrid(..., indexing="xy")`` and drawn
    with ``contourf``; the 0.5 contour (the decision boundary of a
    probability output) is drawn as a line.

    Args:
        predict: maps points of shape (M, 2) to scores of shape (M,) or (M, 1),
            for example probabilities of class 1. Called under ``torch.no_grad``.
        X: points, shape (N, 2).
        y: integer or 0/1 labels, shape (N,) or (N, 1).
        ax: axes to draw into; a new figure when ``None``.
        xlim: x range of the grid; defaults to the data range plus a margin.
        ylim: y range of the grid; defaults to the data range plus a margin.
        resolution: grid points per axis.
        levels: contour levels passed to ``contourf``.
        title: axes title.

    Returns:
        The axes drawn into.

    Examples:
        >>> X = torch.tensor([[0.0, 0.0], [1.0, 1.0]]); y = torch.tensor([0, 1])
        >>> ax = decision_boundary(lambda P: P.sum(1) / 2, X, y, resolution=20, title="x1 + x2")
        >>> ax.get_title()
        'x1 + x2'
        >>> plt.close(ax.figure)
    """
    check_tensor(X, "X", shape=("N", 2))
    check_tensor(y, "y", ndim=(1, 2))
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per row of X ({X.shape[0]}), got {y.shape[0]}")
    X = X.detach().cpu().float()
    labels = y.detach().cpu().reshape(-1)
    margin = 0.5
    xlim = xlim or (X[:, 0].min().item() - margin, X[:, 0].max().item() + margin)
    ylim = ylim or (X[:, 1].min().item() - margin, X[:, 1].max().item() + margin)
    xs = torch.linspace(xlim[0], xlim[1], resolution)
    ys = torch.linspace(ylim[0], ylim[1], resolution)
    gx, gy = torch.meshgrid(xs, ys, indexing="xy")  # (resolution, resolution)
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (resolution², 2)
    with torch.no_grad():
        scores = predict(grid).detach().cpu().float().reshape(gx.shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(WIDTH * 0.62, 4.0))
    # Translucent tints of the class colours: over white they are pale, over the dark
    # palette dark, so the points (in the class colours, ringed in the page colour)
    # stay distinct from their own region on both.
    regions = mpl.colors.LinearSegmentedColormap.from_list(
        "labkit_regions", [figures.LIGHT["blue"], "#9ca3af", figures.LIGHT["red"]]
    )
    # matplotlib takes arrays: hand it NumPy views of the CPU tensors (no copy, no warning)
    gx, gy, scores = gx.numpy(), gy.numpy(), scores.numpy()
    filled = ax.contourf(gx, gy, scores, levels=levels, cmap=regions, alpha=0.3)
    if scores.min() < 0.5 < scores.max():
        ax.contour(gx, gy, scores, levels=[0.5], colors=[INK], linewidths=1.5)
    classes = sorted(set(labels.tolist()))
    point_colours = [figures.LIGHT[k] for k in ("blue", "red", "green", "purple")]
    for i, c in enumerate(classes):
        mask = labels == c
        ax.scatter(
            X[mask, 0].numpy(), X[mask, 1].numpy(), s=28, color=point_colours[i % 4],
            edgecolor=figures.LIGHT["paper"], linewidth=0.8, label=f"class {c:g}", zorder=3,
        )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    # Below the axes: over the shaded regions the grey labels would be hard to read.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(classes), fontsize=9)
    if title:
        ax.set_title(title)
    plt.colorbar(filled, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_images(
    images: torch.Tensor,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    cmap: str = "gray",
) -> plt.Figure:
    """Show a grid of grey-scale images.

    Args:
        images: shape (N, H, W) or (N, H*W) with H = W (e.g. MNIST's 784).
        titles: one title per image.
        ncols: images per row.
        cmap: colour map.

    Returns:
        The figure.

    Examples:
        >>> fig = show_images(torch.rand(3, 28, 28), titles=["a", "b", "c"])
        >>> len(fig.axes), fig.axes[1].get_title()
        (3, 'b')
        >>> plt.close(fig)
    """
    check_tensor(images, "images", ndim=(2, 3))
    if not isinstance(cmap, str) or cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be the name of a matplotlib colour map such as 'gray', got {cmap!r}")
    images = images.detach().cpu().float()
    if images.ndim == 2:
        side = int(round(images.shape[1] ** 0.5))
        if side * side != images.shape[1]:
            raise ValueError(f"flat images must have a square number of pixels, got {images.shape[1]}")
        images = images.reshape(-1, side, side)
    n = images.shape[0]
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    side = min(1.1, WIDTH / ncols)  # inches per image: a full row never exceeds the column
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols, (side + 0.25) * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i].numpy(), cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    return fig


def plot_confusion_matrix(
    cm: torch.Tensor,
    ax: plt.Axes | None = None,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Draw a confusion matrix with its counts written in the cells.

    Each cell is tinted with the course blue, its opacity the square root of
    its share of the largest count, so the few off-diagonal mistakes stay
    visible next to the large diagonal counts. The tint is translucent (as in
    [`decision_boundary`][labkit.plot.decision_boundary]), so the counts, in the ink colour, read on both
    palettes. Computed by [`labkit.train.confusion_matrix`][labkit.train.confusion_matrix]; first drawn in
    the tutorial "Feed-forward networks" (lab 4, MNIST).

    Args:
        cm: (C, C) counts, rows true class, columns predicted class; C ≥ 1,
            finite and non-negative.
        ax: axes to draw into; a new figure when ``None``.
        class_names: C tick labels; default ``0..C-1``.
        title: axes title.

    Returns:
        The axes drawn into.

    Raises:
        TypeError: cm is not a tensor.
        ValueError: cm is not square, has no classes, or holds negative or
            non-finite counts; class_names of the wrong length.

    Examples:
        >>> ax = plot_confusion_matrix(torch.tensor([[5, 1], [0, 7]]), title="toy")
        >>> [t.get_text() for t in ax.texts]
        ['5', '1', '0', '7']
        >>> plt.close("all")
    """
    check_tensor(cm, "cm", ndim=2)
    if cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must have shape (C, C), got {tuple(cm.shape)}")
    num_classes = cm.shape[0]
    if num_classes == 0:
        raise ValueError("cm must have at least one class, got shape (0, 0)")
    counts = cm.detach().cpu().double()
    if not torch.isfinite(counts).all() or (counts < 0).any():
        raise ValueError("cm must hold finite, non-negative counts")
    names = [str(i) for i in range(num_classes)] if class_names is None else list(class_names)
    if len(names) != num_classes:
        raise ValueError(f"class_names must have {num_classes} entries, got {len(names)}")
    if ax is None:
        side = min(WIDTH, 1.4 + 0.5 * num_classes)
        _, ax = plt.subplots(figsize=(side, side - 0.3))
    # Opacity at most 0.45: ink text keeps 4.5:1 contrast on the darkest cell over
    # white, and the light ink of the dark palette on the same cell over slate.
    share = (counts / max(counts.max().item(), 1.0)).sqrt()  # (C, C) in [0, 1]
    blue = mpl.colors.to_rgb(figures.LIGHT["blue"])
    rgba = [[(*blue, 0.45 * s) for s in row] for row in share.tolist()]
    ax.imshow(rgba, interpolation="nearest")
    for i, row in enumerate(counts.tolist()):
        for j, value in enumerate(row):
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9, color=INK)
    ax.set_xticks(range(num_classes), names)
    ax.set_yticks(range(num_classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax
