"""index_add_, scatter_add_ and scatter_ (and their out-of-place forms): values against NumPy's
``np.add.at`` and against PyTorch, gradients against finite differences, errors."""
import numpy as np
import pytest

import cygrad
from conftest import check, from_np, to_numpy

F64 = cygrad.float64


def _torch():
    return pytest.importorskip("torch")


def ref_index_add(x, dim, index, source, alpha=1):
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, index, alpha * np.moveaxis(source, dim, 0))
    return np.moveaxis(out, 0, dim)


def ref_scatter(x, dim, index, src, add):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        v = src[pos] if isinstance(src, np.ndarray) else src
        if add:
            out[tuple(tgt)] += v
        else:
            out[tuple(tgt)] = v
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("shape, dim", [((5,), 0), ((4, 3), 0), ((4, 3), 1), ((2, 5, 3), 1),
                                        ((2, 3, 4), -1), ((3, 0), 0)])
def test_index_add_matches_add_at(shape, dim, dtype):
    rng = np.random.default_rng(0)
    x = (rng.random(shape) * 10).astype(dtype)
    d = dim % len(shape)
    index = rng.integers(-shape[d], shape[d], 7) if shape[d] else np.zeros(0, np.int64)
    sshape = list(shape)
    sshape[d] = len(index)
    source = (rng.random(sshape) * 10).astype(dtype)
    ref = ref_index_add(x, d, index % shape[d] if shape[d] else index, source)
    t = from_np(x)
    out = t.index_add_(dim, from_np(index), from_np(source))
    assert out is t
    check(t, ref)
    check(cygrad.index_add(from_np(x), dim, from_np(index), from_np(source)), ref)
    if dtype.startswith("float"):
        got = from_np(x).index_add(dim, from_np(index.astype(np.int32)), from_np(source),
                                   alpha=-0.5)
        check(got, ref_index_add(x, d, index % shape[d] if shape[d] else index, source,
                                 -0.5), rtol=1e-6)


@pytest.mark.parametrize("add", [False, True])
@pytest.mark.parametrize("shape, ishape, dim", [((6,), (4,), 0), ((4, 5), (3, 2), 0),
                                                ((4, 5), (4, 5), 1), ((3, 4, 5), (2, 3, 2), 2),
                                                ((3, 4, 5), (3, 1, 5), -2)])
def test_scatter_matches_a_loop(shape, ishape, dim, add):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    d = dim % len(shape)
    # distinct targets per line for the overwriting form, repeats for the adding one
    if add:
        index = rng.integers(0, shape[d], ishape)
    else:
        index = np.argsort(rng.random(ishape[:d] + (shape[d],) + ishape[d + 1:]),
                           axis=d).take(range(ishape[d]), axis=d)
    src = rng.standard_normal(tuple(n + 1 for n in ishape))    # larger than the index
    ref = ref_scatter(x, d, index, src, add)
    t = from_np(x)
    if add:
        assert t.scatter_add_(dim, from_np(index), from_np(src)) is t
        check(cygrad.scatter_add(from_np(x), dim, from_np(index), from_np(src)), ref)
    else:
        assert t.scatter_(dim, from_np(index), from_np(src)) is t
        check(cygrad.scatter(from_np(x), dim, from_np(index), from_np(src)), ref)
    check(t, ref)
    check(from_np(x).scatter(dim, from_np(index), from_np(src), reduce="add" if add else None),
          ref)
    # a number as the source
    check(from_np(x).scatter(dim, from_np(index), 2.5), ref_scatter(x, d, index, 2.5, False))
    check(from_np(x).scatter_(dim, from_np(index), value=-1.0),
          ref_scatter(x, d, index, -1.0, False))


def test_against_torch_including_0d_and_empty():
    torch = _torch()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    idx = np.array([3, 0, 3, 1])
    src = rng.standard_normal((4, 3)).astype(np.float32)
    got = from_np(x).index_add_(0, from_np(idx), from_np(src), alpha=2)
    exp = torch.from_numpy(x.copy()).index_add_(0, torch.from_numpy(idx),
                                                torch.from_numpy(src), alpha=2)
    check(got, exp.numpy(), rtol=1e-6)
    sidx = rng.integers(0, 3, (4, 2))
    got = from_np(x).scatter_add_(1, from_np(sidx), from_np(src))
    exp = torch.from_numpy(x.copy()).scatter_add_(1, torch.from_numpy(sidx),
                                                  torch.from_numpy(src))
    check(got, exp.numpy(), rtol=1e-6)
    for name in ("scatter_", "scatter_add_"):
        a = getattr(cygrad.zeros(()), name)(0, cygrad.tensor(0), cygrad.tensor(3.0))
        b = getattr(torch.zeros(()), name)(0, torch.tensor(0), torch.tensor(3.0))
        assert a.shape == () and float(a) == float(b) == 3.0
    a = cygrad.zeros(()).index_add_(0, cygrad.tensor([0]), cygrad.tensor(2.0))
    assert a.shape == () and float(a) == 2.0
    with pytest.raises(RuntimeError, match="source tensor shape must match"):
        cygrad.zeros(()).index_add_(0, cygrad.tensor([0, 0]), cygrad.tensor(2.0))
    # an empty index changes nothing
    e = from_np(x).scatter_(0, cygrad.zeros((0, 3), dtype=cygrad.int64), 1.0)
    check(e, x)
    e = from_np(x).index_add_(1, cygrad.zeros(0, dtype=cygrad.int64), cygrad.zeros(4, 0))
    check(e, x)


@pytest.mark.parametrize("case", ["index_add", "scatter_add", "scatter"])
def test_gradients(case):
    rng = np.random.default_rng(3)
    x = from_np(rng.standard_normal((4, 3))).requires_grad_()
    if case == "index_add":
        s = from_np(rng.standard_normal((5, 3))).requires_grad_()
        idx = cygrad.tensor([0, 3, 3, 1, 0])
        fn = lambda a, b: a.index_add(0, idx, b, alpha=1.5) ** 2  # noqa: E731
    elif case == "scatter_add":
        s = from_np(rng.standard_normal((4, 3))).requires_grad_()
        idx = cygrad.tensor([[2, 2], [0, 1], [1, 1], [0, 2]])
        fn = lambda a, b: a.scatter_add(1, idx, b) ** 2  # noqa: E731
    else:
        s = from_np(rng.standard_normal((4, 3))).requires_grad_()
        idx = cygrad.tensor([[2, 0], [0, 1], [1, 2], [0, 2]])
        fn = lambda a, b: a.scatter(1, idx, b) ** 2  # noqa: E731
    assert cygrad.autograd.gradcheck(fn, (x, s))


def test_gradients_match_torch():
    torch = _torch()
    rng = np.random.default_rng(4)
    # (torch's backward needs src of the index's shape)
    x, s, w = (rng.standard_normal((4, 3)), rng.standard_normal((4, 2)),
               rng.standard_normal((4, 3)))
    idx = np.array([[2, 0], [0, 1], [1, 2], [0, 2]])
    for name in ("scatter", "scatter_add"):
        cx, cs = from_np(x).requires_grad_(), from_np(s).requires_grad_()
        tx, ts = torch.tensor(x, requires_grad=True), torch.tensor(s, requires_grad=True)
        (getattr(cx, name)(1, from_np(idx), cs) * from_np(w)).sum().backward()
        (getattr(tx, name)(1, torch.from_numpy(idx), ts) * torch.tensor(w)).sum().backward()
        check(cx.grad, tx.grad.numpy())
        check(cs.grad, ts.grad.numpy())


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = cygrad.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.index_add_(0, cygrad.tensor([0]), cygrad.ones(1))


def test_errors():
    x = cygrad.zeros(4, 3)
    with pytest.raises(RuntimeError, match="int32/int64 for index"):
        x.index_add_(0, cygrad.tensor([0.0]), cygrad.ones(1, 3))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        x.index_add_(0, cygrad.tensor([[0]]), cygrad.ones(1, 3))
    with pytest.raises(RuntimeError, match="same scalar type"):
        x.index_add_(0, cygrad.tensor([0]), cygrad.ones(1, 3, dtype=F64))
    with pytest.raises(RuntimeError, match="source tensor shape must match"):
        x.index_add_(0, cygrad.tensor([0, 1]), cygrad.ones(1, 3))
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_add_(0, cygrad.tensor([4]), cygrad.ones(1, 3))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.index_add_(2, cygrad.tensor([0]), cygrad.ones(1, 3))
    with pytest.raises(RuntimeError, match="dtype int64 for index"):
        x.scatter_(0, cygrad.tensor([[0]], dtype=cygrad.int32), 1.0)
    with pytest.raises(RuntimeError, match="same number of dimensions as self"):
        x.scatter_(0, cygrad.tensor([0]), 1.0)
    with pytest.raises(RuntimeError, match="smaller than self"):
        x.scatter_(0, cygrad.zeros(1, 4, dtype=cygrad.int64), 1.0)
    with pytest.raises(RuntimeError, match="smaller than src"):
        x.scatter_add_(0, cygrad.zeros(2, 2, dtype=cygrad.int64), cygrad.ones(1, 2))
    with pytest.raises(RuntimeError, match="self.dtype to be equal to src.dtype"):
        x.scatter_add_(0, cygrad.zeros(1, 1, dtype=cygrad.int64), cygrad.ones(1, 1, dtype=F64))
    with pytest.raises(NotImplementedError, match="multiply"):
        x.scatter_(0, cygrad.zeros(1, 1, dtype=cygrad.int64), 2.0, reduce="multiply")
    with pytest.raises(IndexError, match="out of bounds"):
        x.scatter_(1, cygrad.tensor([[3]]), 1.0)
    with pytest.raises(TypeError, match="src"):
        x.scatter_(0, cygrad.zeros(1, 1, dtype=cygrad.int64))


def test_torch_error_types_agree():
    torch = _torch()
    cases = [
        lambda lib: lib.zeros(4, 3).index_add_(0, lib.tensor([0, 1]), lib.ones(1, 3)),
        lambda lib: lib.zeros(4, 3).index_add_(0, lib.tensor([[0]]), lib.ones(1, 3)),
        lambda lib: lib.zeros(4, 3).scatter_(0, lib.tensor([0]), 1.0),
        lambda lib: lib.zeros(4, 3).scatter_(0, lib.zeros(1, 4, dtype=lib.int64), 1.0),
        lambda lib: lib.zeros(4, 3).scatter_add_(0, lib.zeros(1, 1, dtype=lib.int64),
                                                 lib.ones(1, 1, dtype=lib.float64)),
    ]
    for make in cases:
        with pytest.raises(Exception) as ours:
            make(cygrad)
        with pytest.raises(Exception) as theirs:
            make(torch)
        assert isinstance(ours.value, type(theirs.value)) or \
            isinstance(theirs.value, type(ours.value)), (ours.value, theirs.value)
    assert to_numpy(cygrad.zeros(2)).shape == (2,)
