"""Walk the computation graph that autograd recorded for a tensor.

Derived in the tutorial "Computation graphs and autograd" (04-autograd). Every
tensor computed from tensors with ``requires_grad=True`` carries a ``grad_fn``:
the backward node of the operation that produced it. Each node lists the
nodes of its inputs in ``next_functions``; a leaf tensor appears as an
``AccumulateGrad`` node (its ``.variable`` is the leaf). Walking these links
from the output back to the leaves recovers the graph the lab sheets draw by
hand. [`graph_edges`][labkit.graph.graph_edges] lists it; [`draw_graph`][labkit.graph.draw_graph] draws it left to right
(inputs on the left, output on the right) with the layered layout of
[`labkit.graph_layout`][labkit.graph_layout]: no Graphviz, no networkx.

Constants (Python numbers, tensors without ``requires_grad``) are not nodes
of the autograd graph and are not drawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import matplotlib.pyplot as plt
import torch

from labkit._validate import check_tensor
from labkit.graph_layout import GraphLayout, GraphNode, draw_layout, layout_graph

__all__ = ["graph_edges", "draw_graph", "op_name"]


def op_name(node: object) -> str:
    """Short lower-case name of a backward node: ``MulBackward0`` → ``"mul"``.

    Args:
        node: a ``grad_fn`` (or an entry of ``grad_fn.next_functions``).

    Returns:
        ``"leaf"`` for ``AccumulateGrad``, else the class name without its
            ``Backward<n>`` suffix, lower-cased (``"addmm"``, ``"sigmoid"``, ``"rsub"``).

    Examples:
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> y = torch.sigmoid(3 * x)
        >>> op_name(y.grad_fn), op_name(y.grad_fn.next_functions[0][0])
        ('sigmoid', 'mul')
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


def _walk(tensor: torch.Tensor, names: Mapping[str, torch.Tensor] | None) -> list[GraphNode]:
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

    nodes: list[GraphNode] = []
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
            nodes.append(GraphNode(op=op_name(current), is_leaf=op_name(current) == "leaf", fn=current))
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


def _label_nodes(nodes: list[GraphNode]) -> None:
    """Named nodes keep their name; the others get their op name, numbered when repeated.

    Numbering goes column by column, top to bottom (after the layout).
    """
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
) -> tuple[list[GraphNode], GraphLayout]:
    nodes = _walk(tensor, names)
    layout = layout_graph(nodes)
    _label_nodes(nodes)
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

    Examples:
        >>> x = torch.tensor(3.5, requires_grad=True)
        >>> y = x * x
        >>> z = 2 * y + 3
        >>> for node, inputs in graph_edges(z, {"x": x, "y": y, "z": z}):
        ...     print(node, inputs)
        x []
        y ['x', 'x']
        mul ['y']
        z ['mul']
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
        title: figure title (the figure's alt text on the site).
        ax: axes to draw into; a new figure sized to the graph (at most
            ``plot.WIDTH`` wide) when ``None``.

    Returns:
        The figure.

    Raises:
        ValueError: as in ``graph_edges``.
        TypeError: as in ``graph_edges``.

    Examples:
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> f = (x - 2) ** 2
        >>> fig = draw_graph(f, {"x": x, "f": f}, title="f = (x - 2)²")
        >>> [t.get_text() for t in fig.axes[0].texts if t.get_text()]
        ['f\\npow', 'sub', 'x']
    """
    nodes, layout = _build(tensor, names)
    return draw_layout(nodes, layout, title=title, ax=ax)
