"""Lay out and draw a computation graph: layered, left to right, without Graphviz.

The walk over autograd's ``grad_fn`` links lives in [`labkit.graph`][labkit.graph], which
turns a tensor into a list of [`GraphNode`][labkit.graph_layout.GraphNode] (the output first). This module
places those nodes and draws them; it knows nothing about autograd, so a graph
can also be built by hand. Used by the tutorial "Computation graphs and
autograd" (04-autograd) through [`draw_graph`][labkit.graph.draw_graph].

The layout is the Sugiyama construction, kept small:

1. every node has a *depth* (its column); an edge spanning several columns is
   routed through one invisible dummy slot per column it crosses;
2. each column is ordered by barycentre sweeps (keeping the order with the
   fewest crossings);
3. rows are placed by pulling each slot towards the mean of its neighbours
   while keeping the column's order and a minimum gap (an isotonic regression
   per column, solved by pooling adjacent violators).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from labkit.plot import COLORS, INK, WIDTH

__all__ = ["GraphNode", "GraphLayout", "layout_graph", "draw_layout"]

_LEAF_COLOR, _OP_COLOR, _OUT_COLOR = COLORS[0], COLORS[1], COLORS[2]

# Inches per layout unit: boxes and fonts have the same size in every graph
# that fits the column; a wider graph is scaled down to plot.WIDTH.
_SCALE = 0.8
_DX, _BOX_W, _BOX_H = 1.6, 1.15, 0.62
_MIN_DX = 1.4  # the box plus a short arrow
_TINT = 0.14  # box fill: the node colour, translucent (pale on white, dark on slate)


@dataclass
class GraphNode:
    """One node of a computation graph.

    Attributes:
        op: short operation name (``"mul"``, ``"leaf"`` for an input).
        is_leaf: whether the node is an input (drawn blue, in no column of its own).
        parents: indices (into the node list) of the node's inputs, in operand
            order; an input used twice appears twice.
        name: the user's name for the tensor, or ``None``.
        depth: the node's column, 0 on the left.
        label: text shown for the node (its name, else its op; set by
            [`graph_edges`][labkit.graph.graph_edges] and [`draw_graph`][labkit.graph.draw_graph]).
        y: the node's row (set by [`layout_graph`][labkit.graph_layout.layout_graph]).
        fn: the autograd node it came from, if any.

    Examples:
        >>> GraphNode(op="leaf", is_leaf=True, name="x").label
        ''
    """

    op: str
    is_leaf: bool = False
    parents: list[int] = field(default_factory=list)
    name: str | None = None
    depth: int = 0
    label: str = ""
    y: float = 0.0
    fn: object = None


@dataclass
class GraphLayout:
    """Rows of the nodes (stored in each ``GraphNode.y``) and the routes of the edges.

    Attributes:
        num_layers: number of columns.
        bottom: lowest row used, with half a row of margin.
        top: highest row used, with half a row of margin.
        routes: one ``(parent, child, points)`` per edge, ``points`` the
            ``(column, row)`` of every slot from the parent to the child.
    """

    num_layers: int
    bottom: float
    top: float
    routes: list[tuple[int, int, list[tuple[int, float]]]]


def _check_nodes(nodes: object) -> list[GraphNode]:
    if not isinstance(nodes, list) or not nodes or not all(isinstance(n, GraphNode) for n in nodes):
        raise TypeError("nodes must be a non-empty list of GraphNode (the output first)")
    for i, node in enumerate(nodes):
        for p in node.parents:
            if not isinstance(p, int) or not 0 <= p < len(nodes):
                raise ValueError(f"node {i} has parent {p!r}, expected an index from 0 to {len(nodes) - 1}")
            if nodes[p].depth >= node.depth:
                raise ValueError(
                    f"node {i} (depth {node.depth}) has parent {p} at depth {nodes[p].depth}: "
                    "a parent must sit in an earlier column"
                )
    return nodes


def _order_layers(depth: list[int], parents: list[list[int]]) -> list[list[int]]:
    """Order the slots of each column by barycentre sweeps; keep the fewest crossings."""
    children: list[list[int]] = [[] for _ in depth]
    for c, ps in enumerate(parents):
        for p in ps:
            children[p].append(c)
    layers: list[list[int]] = [[] for _ in range(1 + max(depth))]
    # Initial order: a depth-first walk back from the output in operand order,
    # so the first operand of each operation starts above the second.
    seen: set[int] = set()
    stack = [0]
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
    return best[1]


def _place_rows(layers: list[list[int]], parents: list[list[int]], size: list[float]) -> list[float]:
    """Rows that keep each column's order and gaps, each slot near its neighbours' mean."""
    children: list[list[int]] = [[] for _ in size]
    for c, ps in enumerate(parents):
        for p in ps:
            children[p].append(c)
    y = [0.0] * len(size)
    for layer in layers:
        for k, i in enumerate(layer):
            y[i] = (len(layer) - 1) / 2 - k
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
    return y


def layout_graph(nodes: list[GraphNode]) -> GraphLayout:
    """Give every node a row (``node.y``) and route every edge.

    Args:
        nodes: the graph, the output at index 0, each node's ``depth`` larger
            than its parents'.

    Returns:
        The layout: columns, vertical extent and edge routes.

    Raises:
        TypeError: ``nodes`` is not a non-empty list of ``GraphNode``.
        ValueError: a parent index is out of range or not in an earlier column.

    Examples:
        >>> x = GraphNode(op="leaf", is_leaf=True, name="x", depth=0)
        >>> w = GraphNode(op="leaf", is_leaf=True, name="w", depth=0)
        >>> out = GraphNode(op="mul", parents=[1, 2], depth=1)
        >>> layout = layout_graph([out, x, w])
        >>> layout.num_layers, (x.y, w.y, out.y)
        (2, (0.5, -0.5, 0.0))
    """
    nodes = _check_nodes(nodes)
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
    layers = _order_layers(depth, parents)
    size = [1.0 if i < len(nodes) else 0.4 for i in range(len(depth))]  # dummies: narrow
    y = _place_rows(layers, parents, size)
    for i, node in enumerate(nodes):
        node.y = y[i]
    routes = [(p, c, [(depth[s], y[s]) for s in chain]) for p, c, chain in chains]
    return GraphLayout(1 + max(depth), min(y) - 0.5, max(y) + 0.5, routes)


def _geometry(num_layers: int) -> tuple[float, float]:
    """Column spacing and scale that keep the figure within ``plot.WIDTH``.

    A wide graph first loses space between its columns (down to a short
    arrow), then shrinks as a whole, fonts included.
    """
    span = max(num_layers - 1, 1)
    width = _SCALE * ((num_layers - 1) * _DX + _BOX_W + 0.2)
    dx = _DX
    if width > WIDTH:
        dx = max(_MIN_DX, (WIDTH / _SCALE - _BOX_W - 0.2) / span)
        width = _SCALE * ((num_layers - 1) * dx + _BOX_W + 0.2)
    return dx, min(1.0, WIDTH / width)


def draw_layout(
    nodes: list[GraphNode],
    layout: GraphLayout,
    *,
    title: str | None = None,
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """Draw a laid-out graph: leaves blue, operations orange, the output (node 0) green.

    A named intermediate node shows its name above its operation; an input
    used twice by one operation gets one arrow marked ``×2``.

    Args:
        nodes: the graph, laid out by [`layout_graph`][labkit.graph_layout.layout_graph], each with its ``label``.
        layout: what [`layout_graph`][labkit.graph_layout.layout_graph] returned for ``nodes``.
        title: figure title (it is also the figure's alt text on the site).
        ax: axes to draw into; a new figure sized to the graph (at most
            ``plot.WIDTH`` wide) when ``None``.

    Returns:
        The figure.

    Raises:
        TypeError: ``nodes`` or ``layout`` has the wrong type.

    Examples:
        >>> x = GraphNode(op="leaf", is_leaf=True, name="x", depth=0, label="x")
        >>> out = GraphNode(op="mul", parents=[1, 1], depth=1, name="y", label="y")
        >>> layout = layout_graph([out, x])
        >>> fig = draw_layout([out, x], layout, title="y = x * x")
        >>> [t.get_text() for t in fig.axes[0].texts]
        ['y\\nmul', 'x', '×2']
    """
    nodes = _check_nodes(nodes)
    if not isinstance(layout, GraphLayout):
        raise TypeError(f"layout must be the GraphLayout of layout_graph(nodes), got {type(layout).__name__}")
    dx, shrink = _geometry(layout.num_layers)
    xlim = (-_BOX_W / 2 - 0.1, (layout.num_layers - 1) * dx + _BOX_W / 2 + 0.1)
    ylim = (layout.bottom - 0.1, layout.top + 0.1)
    if ax is None:
        width = shrink * _SCALE * (xlim[1] - xlim[0])
        height = shrink * _SCALE * (ylim[1] - ylim[0])
        title_h = 0.35 if title else 0.0
        fig = plt.figure(figsize=(width, height + title_h))
        fig.set_layout_engine("none")
        ax = fig.add_axes((0.0, 0.0, 1.0, height / (height + title_h)))
    fig = ax.figure
    _draw_boxes(ax, nodes, dx, shrink)
    _draw_edges(ax, layout, dx, shrink, INK)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


def _draw_boxes(ax: plt.Axes, nodes: list[GraphNode], dx: float, shrink: float) -> None:
    for i, node in enumerate(nodes):
        x = node.depth * dx
        color = _LEAF_COLOR if node.is_leaf else (_OUT_COLOR if i == 0 else _OP_COLOR)
        ax.add_patch(FancyBboxPatch(
            (x - _BOX_W / 2, node.y - _BOX_H / 2), _BOX_W, _BOX_H,
            boxstyle="round,pad=0,rounding_size=0.12", facecolor=mpl.colors.to_rgba(color, _TINT),
            edgecolor=color, linewidth=1.6 * shrink, zorder=2,
        ))
        text = node.label
        if node.name is not None and not node.is_leaf:
            text = f"{node.name}\n{node.op}"
        longest = max(len(line) for line in text.split("\n"))
        # Text in the node's colour: it keeps 4.5:1 against the page in both palettes.
        ax.text(x, node.y, text, ha="center", va="center", color=color, zorder=3,
                fontsize=shrink * min(10.0, 10.0 * 9 / max(9, longest)), fontweight="bold")


def _draw_edges(ax: plt.Axes, layout: GraphLayout, dx: float, shrink: float, ink: str) -> None:
    multiplicity: dict[tuple[int, int], int] = {}
    for p, c, _ in layout.routes:
        multiplicity[(p, c)] = multiplicity.get((p, c), 0) + 1
    drawn: set[tuple[int, int]] = set()
    lw = 1.3 * shrink
    for p, c, points in layout.routes:
        if (p, c) in drawn:
            continue
        drawn.add((p, c))
        xy = [(d * dx, y) for d, y in points]
        xy[0] = (xy[0][0] + _BOX_W / 2, xy[0][1])
        xy[-1] = (xy[-1][0] - _BOX_W / 2, xy[-1][1])
        if len(xy) > 2:
            ax.plot([q[0] for q in xy[:-1]], [q[1] for q in xy[:-1]], color=ink, lw=lw, zorder=1)
        # A patch of the axes (not an annotation's arrow), so the dark palette recolours it.
        ax.add_patch(FancyArrowPatch(
            xy[-2], xy[-1], arrowstyle="-|>", mutation_scale=12 * shrink, color=ink, lw=lw,
            shrinkA=0, shrinkB=0, zorder=1,
        ))
        if multiplicity[(p, c)] > 1:
            # The same input used twice (x * x): one arrow, marked with its count.
            mx, my = (xy[-2][0] + xy[-1][0]) / 2, (xy[-2][1] + xy[-1][1]) / 2
            ax.text(mx, my + 0.08, f"×{multiplicity[(p, c)]}", ha="center", va="bottom",
                    color=ink, fontsize=max(9.0 * shrink, 8.0), zorder=3)
