"""Tests for labkit.graph_layout: placing and drawing a graph of GraphNode."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch

from labkit import figures, plot
from labkit.graph import draw_graph
from labkit.graph_layout import GraphLayout, GraphNode, draw_layout, layout_graph
from labkit.plot import WIDTH


def chain(length: int) -> list[GraphNode]:
    """x -> op -> op -> ... : the output first, as labkit.graph's walk returns it."""
    nodes = [GraphNode(op="op", depth=length - 1 - k, label=f"n{k}") for k in range(length - 1)]
    for k in range(length - 2):
        nodes[k].parents = [k + 1]
    nodes.append(GraphNode(op="leaf", is_leaf=True, name="x", label="x", depth=0))
    nodes[length - 2].parents = [length - 1]
    return nodes


def test_two_inputs_are_stacked_and_the_output_between_them():
    a = GraphNode(op="leaf", is_leaf=True, depth=0)
    b = GraphNode(op="leaf", is_leaf=True, depth=0)
    out = GraphNode(op="add", parents=[1, 2], depth=1)
    layout = layout_graph([out, a, b])
    assert layout.num_layers == 2
    assert a.y > b.y  # the first operand above the second
    assert out.y == pytest.approx((a.y + b.y) / 2)
    assert [route[:2] for route in layout.routes] == [(1, 0), (2, 0)]


def test_long_edge_is_routed_through_one_slot_per_column():
    x = GraphNode(op="leaf", is_leaf=True, depth=0)
    mid = GraphNode(op="exp", parents=[2], depth=1)
    out = GraphNode(op="mul", parents=[1, 2], depth=2)  # x also skips a column
    layout = layout_graph([out, mid, x])
    long_route = [points for p, c, points in layout.routes if (p, c) == (2, 0)][0]
    assert [column for column, _ in long_route] == [0, 1, 2]


def test_rows_keep_at_least_one_row_between_nodes_of_a_column():
    leaves = [GraphNode(op="leaf", is_leaf=True, depth=0) for _ in range(4)]
    out = GraphNode(op="cat", parents=[1, 2, 3, 4], depth=1)
    layout_graph([out, *leaves])
    rows = sorted(n.y for n in leaves)
    assert all(b - a >= 1 - 1e-9 for a, b in zip(rows, rows[1:]))


@pytest.mark.parametrize("length", [2, 5, 7, 12])
def test_figure_never_wider_than_the_column_and_text_stays_legible(length):
    nodes = chain(length)
    fig = draw_layout(nodes, layout_graph(nodes), title="a chain")
    width, _ = fig.get_size_inches()
    assert width <= WIDTH + 1e-9
    sizes = [t.get_fontsize() for t in fig.axes[0].texts if t.get_text()]
    if length <= 7:  # the longest graph of the course pages has 7 columns
        assert min(sizes) >= 8.0  # 8 pt at 100 dpi is 11.1 CSS px
    plt.close(fig)


def test_text_reaches_contrast_floor_on_both_palettes():
    x = torch.tensor(0.5, requires_grad=True)
    f = torch.tanh(torch.log(1 + torch.sin(x) * x))
    with matplotlib.rc_context(plot.STYLE):
        fig = draw_graph(f, {"x": x, "f": f}, title="contrast")
        report = figures.render(fig)
    assert report.contrast["light"] >= 4.5 and report.contrast["dark"] >= 4.5
    plt.close(fig)


def test_errors():
    with pytest.raises(TypeError, match="non-empty list of GraphNode"):
        layout_graph([])
    with pytest.raises(ValueError, match="expected an index from 0 to 0"):
        layout_graph([GraphNode(op="mul", parents=[3], depth=1)])
    a = GraphNode(op="leaf", is_leaf=True, depth=1)
    with pytest.raises(ValueError, match="a parent must sit in an earlier column"):
        layout_graph([GraphNode(op="mul", parents=[1], depth=1), a])
    nodes = chain(3)
    with pytest.raises(TypeError, match="layout must be the GraphLayout"):
        draw_layout(nodes, {"num_layers": 3})


def test_layout_is_a_dataclass_with_margins():
    nodes = chain(3)
    layout = layout_graph(nodes)
    assert isinstance(layout, GraphLayout)
    assert layout.bottom < min(n.y for n in nodes) and layout.top > max(n.y for n in nodes)
