"""Tests for labkit.graph: walking grad_fn into labelled nodes, layout and drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.patches import FancyBboxPatch

from labkit.graph import draw_graph, graph_edges, op_name


def leaf(value: float) -> torch.Tensor:
    return torch.tensor(value, requires_grad=True)


def test_problem_1_chain():
    x = leaf(3.5)
    y = x * x
    z = 2 * y + 3
    assert graph_edges(z, {"x": x, "y": y, "z": z}) == [
        ("x", []),
        ("y", ["x", "x"]),
        ("mul", ["y"]),
        ("z", ["mul"]),
    ]


def test_unnamed_nodes_get_op_names_numbered_in_layer_order():
    a, b = leaf(1.0), leaf(2.0)
    out = (a * b) * (a * 3)
    edges = graph_edges(out)
    labels = [label for label, _ in edges]
    assert labels[:2] == ["leaf", "leaf_1"]
    assert sorted(labels[2:4]) == ["mul", "mul_1"]
    assert labels[-1] == "mul_2"
    assert len(set(labels)) == len(labels)


def test_operand_order_and_op_names():
    x, y, z = leaf(0.5), leaf(1.0), leaf(0.8)
    a = 2 * x
    b = torch.sin(y)
    c = a / b
    d = z * c
    e = torch.log(1 + d)
    f = torch.tanh(e)
    edges = dict(graph_edges(f, dict(x=x, y=y, z=z, a=a, b=b, c=c, d=d, e=e)))
    assert edges["c"] == ["a", "b"]
    assert edges["d"] == ["z", "c"]
    assert edges["e"] == ["add"]
    assert edges["add"] == ["d"]
    assert edges["tanh"] == ["e"]
    assert graph_edges(f)[-1][0] == "tanh"


def test_output_comes_last_and_parents_before_children():
    w = torch.randn(3, 2, requires_grad=True)
    X = torch.randn(5, 3)
    loss = torch.sigmoid(X @ w).sum()
    edges = graph_edges(loss, {"w": w})
    position = {label: k for k, (label, _) in enumerate(edges)}
    assert edges[-1][0] == "sum"
    for label, parents in edges:
        assert all(position[p] < position[label] for p in parents)


def test_graph_survives_backward():
    x = leaf(2.0)
    y = x**2 + 5
    before = graph_edges(y, {"x": x})
    y.backward()
    assert graph_edges(y, {"x": x}) == before == [("x", []), ("pow", ["x"]), ("add", ["pow"])]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda t: t * 2, "mul"),
        (lambda t: t + 1, "add"),
        (lambda t: 1 - t, "rsub"),
        (lambda t: torch.exp(t), "exp"),
        (lambda t: torch.relu(t), "relu"),
    ],
)
def test_op_name(make, expected):
    assert op_name(make(leaf(1.0)).grad_fn) == expected


def test_op_name_of_leaf_node():
    x = leaf(1.0)
    assert op_name((x * 2).grad_fn.next_functions[0][0]) == "leaf"


def test_draw_graph_returns_figure_with_one_box_per_node():
    plt.close("all")
    a, b = leaf(1.5), leaf(-0.5)
    x = 2 * a + 3 * b
    y = 5 * a * a + 3 * b * b * b
    z = 2 * x + 3 * y
    names = {"a": a, "b": b, "x": x, "y": y, "z": z}
    fig = draw_graph(z, names, title="exercise 1")
    assert isinstance(fig, plt.Figure)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(graph_edges(z, names))
    texts = {t.get_text() for t in ax.texts}
    assert {"a", "b", "x\nadd", "z\nadd"} <= texts
    plt.close(fig)


def test_draw_graph_marks_an_input_used_twice():
    x = leaf(3.0)
    fig = draw_graph(x * x, {"x": x})
    assert "×2" in {t.get_text() for t in fig.axes[0].texts}
    plt.close(fig)


def test_draw_graph_into_given_axes():
    fig, ax = plt.subplots()
    x = leaf(1.0)
    assert draw_graph(torch.sin(x), {"x": x}, ax=ax) is fig
    plt.close(fig)


def test_error_tensor_without_grad_fn():
    with pytest.raises(ValueError, match="has no grad_fn"):
        graph_edges(torch.tensor(1.0) * 2)


def test_error_leaf_tensor():
    with pytest.raises(ValueError, match="is a leaf"):
        draw_graph(leaf(1.0))


def test_error_no_grad_context():
    x = leaf(1.0)
    with torch.no_grad():
        y = x * 2
    with pytest.raises(ValueError, match="no_grad"):
        graph_edges(y)


def test_error_not_a_tensor():
    with pytest.raises(TypeError, match="tensor must be a torch.Tensor, got float"):
        graph_edges(1.0)


def test_error_names_not_a_dict():
    x = leaf(1.0)
    with pytest.raises(TypeError, match="names must be a dict"):
        graph_edges(x * 2, [x])


def test_error_name_without_grad():
    x = leaf(1.0)
    c = torch.tensor(2.0)
    with pytest.raises(ValueError, match=r"names\['c'\] does not require grad"):
        graph_edges(x * c, {"x": x, "c": c})


def test_error_name_not_in_graph():
    x, other = leaf(1.0), leaf(2.0)
    with pytest.raises(ValueError, match=r"names\['other'\] is not part of the graph"):
        graph_edges(x * 2, {"x": x, "other": other})


def test_error_two_names_for_one_node():
    x = leaf(1.0)
    with pytest.raises(ValueError, match="refer to the same node"):
        graph_edges(x * 2, {"x": x, "also_x": x})
