"""Plotting helpers with a style that reads on the site's light and dark palettes.

Figures are saved with a transparent background and drawn in a neutral grey
with medium-luminance colours, so the same PNG sits on a white page and on
Material's dark "slate" page without a white box around it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import torch

from labkit._validate import check_tensor

__all__ = [
    "COLORS",
    "use_style",
    "plot_loss",
    "decision_boundary",
    "show_images",
]

#: Colours of medium luminance: readable on white and on Material's slate.
COLORS = ["#3b82f6", "#f97316", "#10b981", "#ef4444", "#a855f7", "#eab308", "#06b6d4", "#ec4899"]
_INK = "#8a8f98"

STYLE: dict[str, object] = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.autolayout": True,
    "font.size": 10,
    "text.color": _INK,
    "axes.labelcolor": _INK,
    "axes.edgecolor": _INK,
    "axes.titlecolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "grid.color": _INK,
    "grid.alpha": 0.3,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "legend.frameon": False,
    "legend.labelcolor": _INK,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
}


def use_style() -> None:
    """Apply the course's matplotlib style (call once, at the top of a tutorial)."""
    mpl.rcParams.update(STYLE)


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
    """
    values = torch.as_tensor(losses, dtype=torch.float64).detach().cpu()
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
        _, ax = plt.subplots(figsize=(4.6, 4.0))
    filled = ax.contourf(gx, gy, scores, levels=levels, cmap="coolwarm", alpha=0.75)
    if scores.min() < 0.5 < scores.max():
        ax.contour(gx, gy, scores, levels=[0.5], colors=[_INK], linewidths=1.5)
    classes = sorted(set(labels.tolist()))
    for i, c in enumerate(classes):
        mask = labels == c
        ax.scatter(
            X[mask, 0], X[mask, 1], s=28, color=["#1d4ed8", "#b91c1c", "#047857", "#7e22ce"][i % 4],
            edgecolor="white", linewidth=0.8, label=f"class {c:g}", zorder=3,
        )
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    # Below the axes: over the shaded regions the grey labels would be hard to read.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(classes), fontsize=8)
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
    """
    check_tensor(images, "images", ndim=(2, 3))
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
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.3 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    return fig
