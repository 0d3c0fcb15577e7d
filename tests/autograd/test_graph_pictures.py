"""Pictures of the backward graph: ``cygrad.autograd.graph.to_dot`` and ``to_ascii``."""
import re

import pytest

import cygrad
from cygrad.autograd.graph import to_ascii, to_dot
from agutil import _grad_mode_enabled, leaf  # noqa: F401


def seed_graph():
    x = cygrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = cygrad.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
    return x, y, (x * y + y ** 2).sum()


def test_to_dot_text():
    x, y, z = seed_graph()
    dot = to_dot(z)
    assert isinstance(dot, str)
    assert dot.lstrip().startswith("digraph")
    assert dot.rstrip().endswith("}")
    for name in ("SumBackward0", "AddBackward0", "MulBackward0", "PowBackward0",
                 "AccumulateGrad"):
        assert name in dot
    # edges are labelled with their input_nr
    assert "input_nr" in dot
    edges = re.findall(r"(\w+) -> (\w+) \[label=\"([^\"]*)\"\]", dot)
    assert edges and all("input_nr 0" in label for _, _, label in edges)
    # one edge per graph connection: Sum->Add, Add->Mul, Add->Pow, Mul->x, Mul->y, Pow->y
    assert len(edges) == 6


def test_to_dot_nodes_are_declared_once():
    x, y, z = seed_graph()
    dot = to_dot(z)
    decl = re.findall(r"^\s*(\w+) \[label=\"([^\"]*)\"", dot, flags=re.M)
    ids = [i for i, _ in decl]
    assert len(ids) == len(set(ids))
    labels = [label for _, label in decl]
    assert sum("AccumulateGrad" in label for label in labels) == 2     # x and y, once each
    assert sum(label.startswith("MulBackward0") for label in labels) == 1


def test_to_dot_multi_input_edges():
    # cat has three inputs: the edge labels name their positions
    a = leaf((2,), seed=1)
    b = leaf((2,), seed=2)
    out = cygrad.cat([a * 2, b, a]).sum()
    dot = to_dot(out)
    assert "CatBackward0" in dot
    labels = re.findall(r"\[label=\"(input \d+[^\"]*)\"\]", dot)
    assert any(label.startswith("input 2") for label in labels)


def test_to_ascii_seed_expression():
    x, y, z = seed_graph()
    text = to_ascii(z)
    lines = text.splitlines()
    assert lines[0] == "SumBackward0"
    for name in ("SumBackward0", "AddBackward0", "MulBackward0", "PowBackward0"):
        assert sum(name in line for line in lines) == 1, name
    acc = [line for line in lines if "AccumulateGrad" in line]
    # two distinct leaves; y appears twice (through Mul and Pow) but is described once
    assert len({re.search(r"#(\d+)", line).group(1) for line in acc}) == 2
    assert sum("see above" in line for line in acc) == 1
    assert all("(2, 2)" in line for line in acc if "see above" not in line)
    # nesting: Mul and Pow hang under Add, the leaves under them
    depth = {name: next(len(line) - len(line.lstrip("│ ├└─")) for line in lines
                        if name in line)
             for name in ("AddBackward0", "MulBackward0", "PowBackward0")}
    assert depth["MulBackward0"] == depth["PowBackward0"] > depth["AddBackward0"]


def test_pictures_of_leaf_raise():
    x = leaf((2,), seed=3)
    with pytest.raises(RuntimeError, match="no grad_fn"):
        to_dot(x)
    with pytest.raises(RuntimeError, match="no grad_fn"):
        to_ascii(x.detach())


def test_pictures_of_deep_graph_do_not_recurse():
    # deeper than the default recursion limit (the ASCII tree indents every level, so it
    # stays moderately deep to keep the text small)
    x = leaf((2,), seed=4)
    y = x
    for _ in range(1500):
        y = y + 1
    assert to_ascii(y).count("AddBackward0") == 1500
    for _ in range(3500):
        y = y + 1
    assert to_dot(y).count("AddBackward0") == 5000


def test_pictures_after_the_leaf_was_deleted():
    # The graph refers to its leaves weakly; once a leaf is gone its node is still drawn.
    def loss():
        w = cygrad.ones(2, requires_grad=True)
        return (w * 2).sum()

    out = loss()
    assert 'n2 [label="AccumulateGrad\\nleaf (deleted)"' in to_dot(out)
    assert to_ascii(out).splitlines()[-1] == "    └── [0] AccumulateGrad (leaf (deleted)) #1"
