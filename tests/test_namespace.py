"""The public namespaces: what ``__all__`` lists is there, once, and star-imports work."""
import importlib

import pytest

import cygrad

from test_docs_coverage import MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_all_lists_each_name_once(module_name):
    names = importlib.import_module(module_name).__all__
    twice = sorted({n for n in names if names.count(n) > 1})
    assert twice == []


@pytest.mark.parametrize("module_name", MODULES)
def test_all_names_resolve(module_name):
    module = importlib.import_module(module_name)
    assert [n for n in module.__all__ if not hasattr(module, n)] == []


def test_save_and_load_are_public():
    assert {"save", "load"} <= set(cygrad.__all__)
    namespace = {}
    exec("from cygrad import *", namespace)
    assert namespace["save"] is cygrad.save and namespace["load"] is cygrad.load


def test_logical_not_function_checks_its_input():
    # one cygrad.logical_not, made with the other unary functions: it refuses non-tensors
    # with PyTorch's message and writes into ``out``
    with pytest.raises(TypeError, match=r"logical_not\(\): argument 'input' \(position 1\) "
                                        r"must be Tensor, not int"):
        cygrad.logical_not(1)
    out = cygrad.empty(3, dtype=cygrad.bool)
    res = cygrad.logical_not(cygrad.tensor([0.0, 2.0, -1.0]), out=out)
    assert res is out and out.tolist() == [True, False, False]


def test_logical_not_matches_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="must be Tensor, not int"):
        torch.logical_not(1)
    assert cygrad.logical_not(cygrad.tensor([0, 3])).tolist() == \
        torch.logical_not(torch.tensor([0, 3])).tolist()
