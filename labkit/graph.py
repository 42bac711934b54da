"""Draw the computation graph that autograd recorded for a tensor.

Derived in the tutorial "Computation graphs and autograd" (04-autograd). Every
tensor computed from tensors with ``requires_grad=True`` carries a ``grad_fn``:
the backward node of the operation that produced it. Each node lists the
nodes of its inputs in ``next_functions``; a leaf tensor appears as an
``AccumulateGrad`` node (its ``.variable`` is the leaf). Walking these links
from the output back to the leaves recovers the graph the lab sheets draw by
hand, which ``draw_graph`` lays out left to right (inputs on the left,
output on the right) with a simple layered layout: no Graphviz, no networkx.

Constants (Python numbers, tensors without ``requires_grad``) are not nodes
of the autograd graph and are not drawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import matplotlib as mpl
import matplotlib.pyplot as plt
import torch
from matplotlib.patches import FancyBboxPatch

from labkit._validate import check_tensor
from labkit.plot import COLORS

__all__ = ["graph_edges", "draw_graph", "op_name"]

_LEAF_COLOR, _OP_COLOR, _OUT_COLOR = COLORS[0], COLORS[1], COLORS[2]


@dataclass
class _Node:
    fn: object
    op: str
    is_leaf: bool
    parents: list[int] = field(default_factory=list)
    name: str | None = None
    label: str = ""
    depth: int = 0
    y: float = 0.0


def op_name(node: object) -> str:
    """Short lower-case name of a backward node: ``MulBackward0`` → ``"mul"``.

    Args:
        node: a ``grad_fn`` (or an entry of ``grad_fn.next_functions``).

    Returns:
        ``"leaf"`` for ``AccumulateGrad``, else the class name without its
            ``Backward<n>`` suffix, lower-cased (``"addmm"``, ``"sigmoid"``, ``"rsub"``).
    """
    cls = type(node).__name__
    if cls == "AccumulateGrad":
        return "leaf"
    return re.sub(r"Backward\d*$", "", cls).lower() or cls


def _check_names(names: Mapping[str, torch.Tensor] | None) -> dict[str, torch.Tensor]:
    if names is None:
        return {}
    if not isinstance(names, Mapping):
        raise TypeError(f"names must be a dict mapping str to torch.Tensor, got {type(names).__name__}")
    out: dict[str, torch.Tensor] = {}
    for key, value in names.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"names keys must be non-empty str, got {key!r}")
        check_tensor(value, f"names[{key!r}]")
        if not value.requires_grad:
            raise ValueError(
                f"names[{key!r}] does not require grad, so it is not a node of the autograd graph "
                "(create it with requires_grad=True, or compute it from such a tensor)"
            )
        out[key] = value
    return out


def _walk(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None) -> list[_Node]:
    """Collect the graph of ``tensor``: its nodes with parents, names and depths."""
    check_tensor(tensor, "tensor")
    named = _check_names(names)
    if tensor.grad_fn is None:
        if tensor.requires_grad:
            raise ValueError(
                "tensor is a leaf (created by the user with requires_grad=True), so it has no grad_fn "
                "and no graph: pass a tensor computed from it, e.g. z = 2 * x + 3"
            )
        raise ValueError(
            "tensor has no grad_fn: it was not computed from tensors with requires_grad=True "
            "(or it was computed under torch.no_grad() or detached)"
        )

    nodes: list[_Node] = []
    index: dict[int, int] = {}  # id(backward node) -> position in nodes

    def visit(fn: object) -> int:
        # Iterative DFS: deep graphs (long loops) would overflow Python's recursion.
        stack: list[tuple[object, bool]] = [(fn, False)]
        while stack:
            current, expanded = stack.pop()
            key = id(current)
            if expanded:
                node = nodes[index[key]]
                node.parents = [index[id(p)] for p, _ in current.next_functions if p is not None]
                node.depth = 1 + max((nodes[p].depth for p in node.parents), default=-1)
                continue
            if key in index:
                continue
            index[key] = len(nodes)
            nodes.append(_Node(fn=current, op=op_name(current), is_leaf=op_name(current) == "leaf"))
            stack.append((current, True))
            for parent, _ in reversed(current.next_functions):
                if parent is not None and id(parent) not in index:
                    stack.append((parent, False))
        return index[id(fn)]

    visit(tensor.grad_fn)

    leaf_of = {id(n.fn.variable): i for i, n in enumerate(nodes) if n.is_leaf}
    owner: dict[int, str] = {}
    for name, value in named.items():
        if value.grad_fn is not None:
            pos = index.get(id(value.grad_fn))
        else:
            pos = leaf_of.get(id(value))
        if pos is None:
            raise ValueError(
                f"names[{name!r}] is not part of the graph of the tensor: the output does not "
                "depend on it through operations recorded by autograd"
            )
        if pos in owner:
            raise ValueError(f"names {owner[pos]!r} and {name!r} refer to the same node of the graph")
        owner[pos] = name
        nodes[pos].name = name

    # A leaf sits one column left of its first consumer, not in column 0:
    # inputs then enter the graph where the sheets draw them, with short edges.
    first_use: dict[int, int] = {}
    for node in nodes:
        for p in node.parents:
            if nodes[p].is_leaf:
                first_use[p] = min(first_use.get(p, node.depth), node.depth)
    for p, d in first_use.items():
        nodes[p].depth = d - 1
    shift = min(n.depth for n in nodes)
    for node in nodes:
        node.depth -= shift
    return nodes


@dataclass
class _Layout:
    """Row positions of the real nodes, plus the routes of the edges.

    An edge that spans several layers is routed through one invisible dummy
    slot per layer it crosses (the Sugiyama construction), so that ordering
    the layers also keeps long edges from passing through boxes.
    """

    num_layers: int
    bottom: float
    top: float
    routes: list[tuple[int, int, list[tuple[int, float]]]]  # (parent, child, points)


def _layout(nodes: list[_Node]) -> _Layout:
    """Order each depth layer by barycentre sweeps and route edges through dummy slots."""
    depth = [n.depth for n in nodes]
    parents: list[list[int]] = [[] for _ in nodes]
    chains: list[tuple[int, int, list[int]]] = []
    for c, node in enumerate(nodes):
        for p in node.parents:
            prev, chain = p, [p]
            for d in range(nodes[p].depth + 1, node.depth):
                depth.append(d)
                parents.append([prev])
                prev = len(depth) - 1
                chain.append(prev)
            parents[c].append(prev)
            chains.append((p, c, chain + [c]))
    children: list[list[int]] = [[] for _ in depth]
    for c, ps in enumerate(parents):
        for p in ps:
            children[p].append(c)

    num_layers = 1 + max(depth)
    layers: list[list[int]] = [[] for _ in range(num_layers)]
    # Initial order: a depth-first walk back from the output in operand order,
    # so the first operand of each operation starts above the second.
    seen: set[int] = set()
    stack = [0]  # slot 0 is the output node
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        layers[depth[i]].append(i)
        stack.extend(reversed(parents[i]))
    y = [0.0] * len(depth)

    def place(layer: list[int]) -> None:
        for k, i in enumerate(layer):
            y[i] = (len(layer) - 1) / 2 - k

    def barycentre(links: list[int], i: int) -> float:
        return -sum(y[j] for j in links) / len(links) if links else -y[i]

    def crossings() -> int:
        edges = [(y[p], y[c], depth[c]) for c in range(len(depth)) for p in parents[c]]
        return sum(
            1 for k, (p1, c1, d1) in enumerate(edges) for p2, c2, d2 in edges[k + 1:]
            if d1 == d2 and (p1 - p2) * (c1 - c2) < 0
        )

    for layer in layers:
        place(layer)
    best = (crossings(), [list(layer) for layer in layers])
    for _ in range(4):
        for layer in layers[1:]:
            layer.sort(key=lambda i: barycentre(parents[i], i))
            place(layer)
        for layer in reversed(layers[:-1]):
            layer.sort(key=lambda i: barycentre(children[i], i))
            place(layer)
        count = crossings()
        if count < best[0]:
            best = (count, [list(layer) for layer in layers])
    layers = best[1]
    for layer in layers:
        place(layer)

    # Positions: keep each layer's order, pull every slot towards the mean of
    # its neighbours, and keep slots at least one row apart (half a row for
    # dummy slots). Each layer is an isotonic regression solved by pooling.
    size = [1.0 if i < len(nodes) else 0.4 for i in range(len(depth))]
    for _ in range(6):
        for layer in layers[1:] + list(reversed(layers[:-1])):
            want = []
            for i in layer:
                links = parents[i] + children[i]
                want.append(sum(y[j] for j in links) / len(links) if links else y[i])
            offset = [0.0]
            for a, b in zip(layer, layer[1:]):
                offset.append(offset[-1] + (size[a] + size[b]) / 2)
            # y_k = z_k - offset_k with z non-increasing: pool adjacent violators.
            blocks: list[list[float]] = []  # [mean, count]
            for k in range(len(layer)):
                blocks.append([want[k] + offset[k], 1.0])
                while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
                    m2, n2 = blocks.pop()
                    m1, n1 = blocks.pop()
                    blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
            k = 0
            for mean, count in blocks:
                for _ in range(int(count)):
                    y[layer[k]] = mean - offset[k]
                    k += 1
    for i, node in enumerate(nodes):
        node.y = y[i]
    routes = [(p, c, [(depth[s], y[s]) for s in chain]) for p, c, chain in chains]
    real = [n.y for n in nodes]
    return _Layout(num_layers, min(real + y) - 0.5, max(real + y) + 0.5, routes)


def _assign_labels(nodes: list[_Node]) -> None:
    """Named nodes keep their name; the others get their op name, numbered when repeated."""
    used = {n.name for n in nodes if n.name is not None}
    counts: dict[str, int] = {}
    for node in sorted(nodes, key=lambda n: (n.depth, -n.y)):
        if node.name is not None:
            node.label = node.name
            continue
        k = counts.get(node.op, 0)
        label = node.op if k == 0 else f"{node.op}_{k}"
        while label in used:
            k += 1
            label = f"{node.op}_{k}"
        counts[node.op] = k + 1
        used.add(label)
        node.label = label


def _build(
    tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None
) -> tuple[list[_Node], _Layout]:
    nodes = _walk(tensor, names)
    layout = _layout(nodes)
    _assign_labels(nodes)
    return nodes, layout


def graph_edges(
    tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None
) -> list[tuple[str, list[str]]]:
    """The computation graph of ``tensor`` as a list of (node label, parent labels).

    A node's parents are the nodes of its inputs, in operand order; an input
    used twice (``x * x``) is listed twice. Nodes come in layer order (leaves
    first, the output last).

    Args:
        tensor: a tensor with a ``grad_fn``, any shape.
        names: optional ``{"x": x, "w": w, "y": y}``; named leaves and named
            intermediate tensors are labelled by their name. Unnamed operation
            nodes are labelled by ``op_name`` (``"mul"``, then ``"mul_1"``,
            ...), unnamed leaves ``"leaf"``.

    Returns:
        ``[(label, [parent_label, ...]), ...]``.

    Raises:
        ValueError: ``tensor`` has no ``grad_fn``, or a named tensor does not
            require grad or is not part of the graph.
        TypeError: ``tensor`` is not a tensor or ``names`` is not a dict of tensors.
    """
    nodes, _ = _build(tensor, names)
    order = sorted(range(len(nodes)), key=lambda i: (nodes[i].depth, -nodes[i].y))
    return [(nodes[i].label, [nodes[p].label for p in nodes[i].parents]) for i in order]


def draw_graph(
    tensor: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    *,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Draw the computation graph of ``tensor`` left to right as a matplotlib figure.

    Leaves (blue) sit in the left column, each operation one column right of
    its deepest input, the output (green) on the right; operations are orange.
    A named intermediate tensor shows its name above its operation.

    Args:
        tensor: a tensor with a ``grad_fn``, any shape.
        names: ``{"x": x, ...}`` as in ``graph_edges``.
        title: figure title.
        ax: axes to draw into; a new figure sized to the graph when ``None``.

    Returns:
        The figure.

    Raises:
        ValueError: as in ``graph_edges``.
        TypeError: as in ``graph_edges``.
    """
    nodes, layout = _build(tensor, names)
    out = id(tensor.grad_fn)
    num_layers = layout.num_layers
    dx, box_w, box_h = 1.6, 1.15, 0.62
    xlim = (-box_w / 2 - 0.1, (num_layers - 1) * dx + box_w / 2 + 0.1)
    ylim = (layout.bottom - 0.1, layout.top + 0.1)
    if ax is None:
        # Fixed inches per unit, so boxes and fonts have the same size in every graph.
        scale, title_h = 0.8, (0.35 if title else 0.0)
        width, height = scale * (xlim[1] - xlim[0]), scale * (ylim[1] - ylim[0])
        fig = plt.figure(figsize=(width, height + title_h))
        fig.set_layout_engine("none")
        ax = fig.add_axes((0.0, 0.0, 1.0, height / (height + title_h)))
    else:
        fig = ax.figure
    ink = mpl.rcParams["text.color"]

    for node in nodes:
        x = node.depth * dx
        color = _LEAF_COLOR if node.is_leaf else (_OUT_COLOR if id(node.fn) == out else _OP_COLOR)
        ax.add_patch(FancyBboxPatch(
            (x - box_w / 2, node.y - box_h / 2), box_w, box_h,
            boxstyle="round,pad=0,rounding_size=0.12", facecolor=color, edgecolor="none", zorder=2,
        ))
        text = node.label
        if node.name is not None and not node.is_leaf:
            text = f"{node.name}\n{node.op}"
        longest = max(len(line) for line in text.split("\n"))
        ax.text(x, node.y, text, ha="center", va="center", color="white", zorder=3,
                fontsize=min(10.0, 10.0 * 9 / max(9, longest)), fontweight="bold")

    multiplicity: dict[tuple[int, int], int] = {}
    for p, c, _ in layout.routes:
        multiplicity[(p, c)] = multiplicity.get((p, c), 0) + 1
    drawn: set[tuple[int, int]] = set()
    for p, c, points in layout.routes:
        if (p, c) in drawn:
            continue
        drawn.add((p, c))
        xy = [(d * dx, y) for d, y in points]
        xy[0] = (xy[0][0] + box_w / 2, xy[0][1])
        xy[-1] = (xy[-1][0] - box_w / 2, xy[-1][1])
        if len(xy) > 2:
            ax.plot([q[0] for q in xy[:-1]], [q[1] for q in xy[:-1]], color=ink, lw=1.3, zorder=1)
        ax.annotate("", xy=xy[-1], xytext=xy[-2], zorder=1, arrowprops={
            "arrowstyle": "-|>", "color": ink, "lw": 1.3, "shrinkA": 0, "shrinkB": 0})
        if multiplicity[(p, c)] > 1:
            # The same input used twice (x * x): one arrow, marked with its count.
            mx, my = (xy[-2][0] + xy[-1][0]) / 2, (xy[-2][1] + xy[-1][1]) / 2
            ax.text(mx, my + 0.08, f"×{multiplicity[(p, c)]}", ha="center", va="bottom",
                    color=ink, fontsize=9, zorder=3)

    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig
