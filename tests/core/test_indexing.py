"""Advanced indexing (gather/scatter), index_select, gather, masked_fill, index_put_, nonzero,
cat/stack/split, and property tests of basic and advanced keys against NumPy."""
import numpy as np
import pytest

import cygrad
from conftest import LAYOUTS, check, from_np, make_layout, to_numpy

try:
    from hypothesis import given, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover
    given = None

A = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)


def _conv(k):
    """Key items as cygrad wants them: NumPy int/bool arrays become tensors."""
    if isinstance(k, tuple):
        return tuple(_conv(x) for x in k)
    if isinstance(k, np.ndarray):
        return cygrad.from_numpy(k.copy())
    return k


ADV_KEYS = [
    [0, 1],
    [1, 0, 1, -1],
    np.array([[0, 1], [1, 1]]),
    (slice(None), [0, 2, -1]),
    (slice(None), [2, 0]),
    ([0, 1], [1, 2]),
    ([0, 1], [[1], [2]]),                       # broadcasting index tensors
    (np.array([[1], [0]]), np.array([0, 2, 1])),
    ([0, 1], slice(None), [1, 2]),              # non-adjacent: broadcast dims go first
    ([1, 0], slice(1, 3), [3, 0], slice(None)),
    (slice(None), [0, 1], [1, 3]),              # adjacent: in place
    (slice(None), [0, 1], slice(None), [4, 0]),
    (Ellipsis, [0, 4]),
    (Ellipsis, [1], slice(None)),
    (0, [0, 2], slice(None), [1, 3]),           # an int separates the advanced indices
    (slice(None), 1, [0, 1], slice(1, None, 2)),
    ([1], None, [2]),
    (None, [0, 1]),
    (np.array([1, 0]), np.array([2, 0]), np.array([3, 3]), np.array([4, 0])),
    np.array([], dtype=np.int64),
    (slice(None), np.array([[[0]]])),
    np.array([True, False]),                     # boolean masks
    (slice(None), np.array([True, False, True])),
    np.array([[True, False, True], [False, False, True]]),
    np.array([[True, False, True], [True, True, False]]),
    (Ellipsis, np.array([False, True, True, False, True])),
    (slice(None), np.array([True, True, False]), [1, 3]),
    (np.array([True, False]), slice(None), [0, 0, 1]),
    np.zeros((2, 3), dtype=bool),
    (slice(1, None), np.array([[[True, False, True, False, True]] * 4] * 3)),
]


def _id(k):
    return repr(k).replace("\n", "").replace(" ", "")[:60]


@pytest.mark.parametrize("key", ADV_KEYS, ids=_id)
@pytest.mark.parametrize("layout", ["contiguous", "negative", "sliced"])
def test_advanced_getitem_matches_numpy(key, layout):
    t = make_layout(A, layout)
    expected = A[key]
    got = t[_conv(key)]
    check(got, expected)
    # a copy, not a view
    if expected.size:
        got.fill_(-1)
        check(t, A)


def test_advanced_getitem_with_int_tensors_of_both_dtypes():
    t = from_np(A)
    for dt in (cygrad.int32, cygrad.int64):
        idx = cygrad.tensor([1, 0, -1], dtype=dt)
        check(t[:, idx], A[:, [1, 0, -1]])


def test_empty_list_index():
    t = from_np(A)
    check(t[[]], A[np.array([], dtype=np.int64)])


def test_0d_bool_index():
    t = from_np(A)
    check(t[cygrad.tensor(True)], A[np.True_])
    check(t[cygrad.tensor(False)], A[np.False_])
    check(t[0, cygrad.tensor(True)], A[0, np.True_])
    s = cygrad.tensor(3.0)
    check(s[cygrad.tensor(True)], np.array([3.0], np.float32))
    check(s[cygrad.tensor(False)], np.zeros((0,), np.float32))


def test_0d_int_tensor_index_is_basic():
    t = from_np(A)
    check(t[cygrad.tensor(1)], A[1])
    check(t[:, cygrad.tensor(-1)], A[:, -1])


def test_mask_from_comparison():
    t = from_np(A)
    check(t[t > 60], A[A > 60])
    check(t[(t % 7) == 0], A[(A % 7) == 0])
    m = t.sum((2, 3)) > 200
    check(t[m], A[A.sum((2, 3)) > 200])
    check(t.masked_select(t < 5), A[A < 5])


@pytest.mark.parametrize("key", [[2], [0, -3], (slice(None), [3]), (0, 0, [-5, 4]),
                                 (slice(None), slice(None), [0], [5])])
def test_advanced_out_of_range_raises_index_error(key):
    t = from_np(A)
    with pytest.raises(IndexError):
        t[key]
    with pytest.raises(IndexError):
        t[key] = 1.0
    check(t, A)


def test_bad_index_types_raise():
    t = from_np(A)
    with pytest.raises(IndexError):
        t[cygrad.tensor([0.5])]
    with pytest.raises(IndexError):
        t[np.array([True])]  # wrong mask shape
    with pytest.raises(IndexError):
        t[:, cygrad.tensor([True, False])]
    with pytest.raises(IndexError):
        t[0, 0, 0, 0, 0]
    with pytest.raises(IndexError):
        t[..., 0, ...]


def test_advanced_indexing_matches_torch():
    torch = pytest.importorskip("torch")
    tt = torch.from_numpy(A)
    t = from_np(A)
    for key in ADV_KEYS:
        tk = tuple(torch.from_numpy(k) if isinstance(k, np.ndarray) else k
                   for k in (key if isinstance(key, tuple) else (key,)))
        expected = tt[tk if isinstance(key, tuple) else tk[0]]
        check(t[_conv(key)], expected.numpy())


# ---------------------------------------------------------------------------- setitem
@pytest.mark.parametrize("key", ADV_KEYS, ids=_id)
def test_advanced_setitem_scalar(key):
    t = from_np(A)
    e = A.copy()
    e[key] = -7
    t[_conv(key)] = -7
    check(t, e)


@pytest.mark.parametrize("key", ADV_KEYS, ids=_id)
def test_advanced_setitem_tensor_values(key):
    t = from_np(A)
    e = A.copy()
    shape = A[key].shape
    rng = np.random.default_rng(0)
    # unique indices only: with repeats the winner is unspecified
    if A[key].size != np.unique(A[key]).size:
        pytest.skip("repeated indices")
    vals = rng.standard_normal(shape)
    e[key] = vals
    t[_conv(key)] = make_layout(vals, "negative")
    check(t, e)
    if len(shape) >= 1 and shape[-1] > 0:  # broadcast a row
        row = rng.standard_normal(shape[-1:])
        e[key] = row
        t[_conv(key)] = from_np(row)
        check(t, e)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_one_index_along_a_unit_stride_dim(dtype):
    """One index along a unit-stride dim uses its values as the offsets when they all lie in
    range; negative, out-of-range and aliasing indices take the general path."""
    rng = np.random.default_rng(0)
    base = (rng.random(1000) * 100).astype(dtype)
    cases = [rng.integers(0, 1000, 300), rng.integers(-1000, 1000, 300),
             rng.integers(0, 1000, 300).astype(np.int32), np.array([999, 0, 999]),
             rng.integers(0, 1000, (6, 7)), np.zeros(0, np.int64)]
    for idx in cases:
        x, t = base.copy(), from_np(base)
        check(t[from_np(idx)], x[idx])
        vals = (rng.random(idx.shape) * 100).astype(dtype)
        x[idx] = vals
        t[from_np(idx)] = from_np(vals)
        check(t, x)
        x[idx] = base[:1]
        t[from_np(idx)] = from_np(base[:1])[0]
        check(t, x)
    # transposed: dim 0 has unit stride, the rest dims come along
    m = rng.random((5, 40))
    t = from_np(np.ascontiguousarray(m.T)).T      # (5, 40), strides (1, 5)
    idx = np.array([4, 0, 2, 2])
    check(t[from_np(idx)], m[idx])
    t[from_np(idx)] = 7.0
    m[idx] = 7.0
    check(t, m)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
@pytest.mark.parametrize("cols", [1, 2, 3])
def test_rows_of_a_few_elements(dtype, cols):
    """Rows whose byte size equals a 4- or 8-byte element's (two float32, one float64) are
    still moved as rows of elements."""
    rng = np.random.default_rng(1)
    base = (rng.random((50, cols)) * 100).astype(dtype)
    idx = rng.integers(0, 50, 30)
    x, t = base.copy(), from_np(base)
    check(t[from_np(idx)], x[idx])
    check(t[from_np(idx), 0], x[idx, 0])
    vals = (rng.random((30, cols)) * 100).astype(dtype)
    x[idx] = vals
    t[from_np(idx)] = from_np(vals)
    check(t, x)


def test_one_index_out_of_range_writes_nothing():
    x = cygrad.arange(10.0)
    for bad in ([3, 10], [0, -11], [2**62, 1], [-(2**63), 1]):
        with pytest.raises(IndexError, match="out of bounds"):
            x[cygrad.tensor(bad)] = -1.0
        with pytest.raises(IndexError, match="out of bounds"):
            x[cygrad.tensor(bad)]
    check(x, np.arange(10.0, dtype=np.float32))


def test_index_that_is_the_indexed_tensor():
    """``x[x] = v`` reads the indices before any of them is overwritten (as NumPy does)."""
    a = np.array([2, 0, 1, 3, 3])
    x = from_np(a)
    x[x] = from_np(np.array([10, 20, 30, 40, 50]))
    ref = a.copy()
    ref[a.copy()] = [10, 20, 30, 40, 50]
    check(x, ref)


def test_setitem_basic_keys():
    a = np.zeros((4, 5, 6))
    t = from_np(a)
    e = a.copy()
    t[1] = 3
    e[1] = 3
    t[:, ::2, 1:4] = cygrad.tensor([1.0, 2.0, 3.0])
    e[:, ::2, 1:4] = [1.0, 2.0, 3.0]
    t[..., -1] = from_np(np.arange(20.0).reshape(4, 5))
    e[..., -1] = np.arange(20.0).reshape(4, 5)
    t[None, 2, 3] = 9.5
    e[None, 2, 3] = 9.5
    t[3, 4, 5] = cygrad.tensor(-1.0)
    e[3, 4, 5] = -1
    t[0] = t[1]  # tensor from the same storage
    e[0] = e[1]
    check(t, e)
    t[1:] = t[:-1].clone()
    e[1:] = e[:-1].copy()
    check(t, e)


def test_setitem_converts_dtype():
    t = cygrad.zeros(3, dtype=cygrad.int64)
    t[0] = 2.9
    t[1:] = cygrad.tensor([1.5, -1.5])
    check(t, np.array([2, 1, -1]))
    b = cygrad.zeros(3, dtype=cygrad.bool)
    b[[0, 2]] = 5
    check(b, np.array([True, False, True]))


def test_setitem_value_shape_mismatch_raises():
    t = cygrad.zeros(3, 4)
    with pytest.raises(RuntimeError):
        t[[0, 1]] = cygrad.zeros(3, 4)
    with pytest.raises(RuntimeError):
        t[0] = cygrad.zeros(5)
    check(t, np.zeros((3, 4), np.float32))


def test_setitem_examples_match_torch():
    torch = pytest.importorskip("torch")
    x = torch.zeros(3, 4)
    t = cygrad.zeros(3, 4)
    for key, val in [([0, 2], [1.0, 2.0, 3.0, 4.0]), (([0, 1], [1, 2]), [7.0, 8.0]),
                     ((slice(None), [0, 3]), [[9.0], [9.0], [9.0]]),
                     (([0, 0], [1, 1]), [5.0, 5.0]), ([True, False, True], 1.0)]:
        if isinstance(key, list) and isinstance(key[0], bool):
            x[torch.tensor(key)] = val
            t[cygrad.tensor(key)] = val
        else:
            x[key] = torch.tensor(val)
            t[key] = cygrad.tensor(val)
        check(t, x.numpy())


def test_setitem_into_readonly_and_expanded_raises():
    e = cygrad.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError):
        e[[0, 1]] = 1.0
    with pytest.raises(RuntimeError):
        e[0] = 1.0


# ---------------------------------------------------------------------------- index_select / gather
@pytest.mark.parametrize("layout", LAYOUTS)
def test_index_select(layout):
    t = make_layout(A, layout)
    for dim in range(-4, 4):
        idx = [0, A.shape[dim] - 1, 0]
        check(t.index_select(dim, cygrad.tensor(idx)), np.take(A, idx, axis=dim))
        check(cygrad.index_select(t, dim, cygrad.tensor(idx, dtype=cygrad.int32)),
              np.take(A, idx, axis=dim))
    check(t.index_select(1, cygrad.tensor([], dtype=cygrad.int64)),
          np.take(A, np.array([], np.int64), axis=1))


def test_index_select_errors():
    t = from_np(A)
    with pytest.raises(IndexError):
        t.index_select(0, cygrad.tensor([[0]]))
    with pytest.raises(IndexError):
        t.index_select(0, cygrad.tensor([2]))
    with pytest.raises(IndexError):
        t.index_select(0, cygrad.tensor([0.0]))
    with pytest.raises(IndexError):
        t.index_select(4, cygrad.tensor([0]))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_gather_matches_take_along_axis(layout):
    rng = np.random.default_rng(2)
    t = make_layout(A, layout)
    for dim in range(4):
        shape = list(A.shape)
        shape[dim] = 3
        idx = rng.integers(-A.shape[dim], A.shape[dim], size=shape) % A.shape[dim]
        check(t.gather(dim, cygrad.from_numpy(idx)), np.take_along_axis(A, idx, axis=dim))
        check(cygrad.gather(t, dim - 4, cygrad.from_numpy(idx)),
              np.take_along_axis(A, idx, axis=dim))
    # index smaller than the input in the other dims
    m = np.arange(12.0).reshape(3, 4)
    idx = np.array([[0, 3], [2, 1]])
    check(from_np(m).gather(1, cygrad.from_numpy(idx)), np.array([[0.0, 3.0], [6.0, 5.0]]))


def test_gather_errors_and_torch():
    t = cygrad.arange(6, dtype=cygrad.float32).reshape(2, 3)
    with pytest.raises(RuntimeError):
        t.gather(1, cygrad.tensor([0, 1]))  # rank mismatch
    with pytest.raises(RuntimeError):
        t.gather(0, cygrad.tensor([[1, 0, 1, 0]]))  # too large in a non-gathered dim
    with pytest.raises((RuntimeError, IndexError)):
        t.gather(1, cygrad.tensor([[3]]))
    torch = pytest.importorskip("torch")
    e = torch.arange(6.0).view(2, 3).gather(1, torch.tensor([[0, 0], [2, 1]]))
    check(t.gather(1, cygrad.tensor([[0, 0], [2, 1]])), e.numpy())


# ---------------------------------------------------------------------------- masked_fill / index_put_
@pytest.mark.parametrize("layout", LAYOUTS)
def test_masked_fill(layout):
    a = np.arange(24.0).reshape(4, 6)
    t = make_layout(a, layout)
    mask = (a % 3) == 0
    check(t.masked_fill(from_np(mask), -1.0), np.where(mask, -1.0, a))
    row = np.array([True, False, True, False, False, True])
    check(t.masked_fill(from_np(row), 5), np.where(row, 5.0, a))
    check(cygrad.masked_fill(t, from_np(row), cygrad.tensor(2.0)), np.where(row, 2.0, a))
    check(t, a)  # unchanged
    t.masked_fill_(from_np(mask), 0.5)
    check(t, np.where(mask, 0.5, a))


def test_masked_fill_dtype_and_errors():
    i = cygrad.arange(6).reshape(2, 3)
    r = i.masked_fill(cygrad.tensor([True, False, True]), 2.7)
    assert r.dtype is cygrad.int64
    check(r, np.array([[2, 1, 2], [2, 4, 2]]))
    with pytest.raises(RuntimeError):
        i.masked_fill(cygrad.tensor([1, 0, 1]), 2)
    with pytest.raises(RuntimeError):
        i.masked_fill(cygrad.tensor([True, False, True]), cygrad.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        cygrad.arange(3).masked_fill(cygrad.tensor([[True], [False]]), 1)  # would broadcast self


@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64, cygrad.int32, cygrad.int64])
def test_index_put_accumulate_matches_add_at(dtype):
    rng = np.random.default_rng(4)
    base = rng.integers(-5, 5, size=(5, 4)).astype(np.float64)
    npdt = {cygrad.float32: np.float32, cygrad.float64: np.float64, cygrad.int32: np.int32,
            cygrad.int64: np.int64}[dtype]
    base = base.astype(npdt)
    rows = np.array([0, 3, 0, 0, 4, 3])
    vals = rng.integers(-3, 4, size=(6, 4)).astype(npdt)
    e = base.copy()
    np.add.at(e, rows, vals)
    t = from_np(base)
    r = t.index_put_((cygrad.from_numpy(rows),), cygrad.from_numpy(vals), accumulate=True)
    assert r is t
    check(t, e)
    # two index tensors, repeated pairs, scalar value
    cols = np.array([1, 1, 1, 2, 0, 1])
    e2 = base.copy()
    np.add.at(e2, (rows, cols), 2)
    t2 = from_np(base)
    t2.index_put_((cygrad.from_numpy(rows), cygrad.from_numpy(cols)),
                  cygrad.tensor(2, dtype=dtype), accumulate=True)
    check(t2, e2)
    # out-of-place version leaves the input alone
    t3 = from_np(base)
    out = t3.index_put((cygrad.from_numpy(rows),), cygrad.from_numpy(vals), accumulate=True)
    check(out, e)
    check(t3, base)


def test_index_put_without_accumulate_and_torch():
    t = cygrad.zeros(5)
    t.index_put_((cygrad.tensor([0, 2]),), cygrad.tensor([1.0, 3.0]))
    check(t, np.array([1, 0, 3, 0, 0], np.float32))
    torch = pytest.importorskip("torch")
    x = torch.zeros(5)
    x.index_put_((torch.tensor([0, 0, 2]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    y = cygrad.zeros(5)
    y.index_put_((cygrad.tensor([0, 0, 2]),), cygrad.tensor([1.0, 2.0, 3.0]), accumulate=True)
    check(y, x.numpy())


def test_index_put_accumulate_into_view():
    a = np.zeros((4, 6))
    t = from_np(a)
    v = t.t()  # (6, 4)
    v.index_put_((cygrad.tensor([1, 1, 5]),), cygrad.tensor(1.0), accumulate=True)
    e = np.zeros((4, 6))
    np.add.at(e.T, np.array([1, 1, 5]), 1.0)
    check(t, e)


# ---------------------------------------------------------------------------- nonzero
@pytest.mark.parametrize("layout", LAYOUTS)
def test_nonzero(layout):
    a = (np.arange(60).reshape(3, 4, 5) % 7 == 0).astype(np.float32)
    t = make_layout(a, layout)
    check(t.nonzero(), np.argwhere(a).astype(np.int64))
    tup = t.nonzero(as_tuple=True)
    assert len(tup) == 3
    for got, exp in zip(tup, np.nonzero(a)):
        check(got, exp.astype(np.int64))
    check(cygrad.nonzero(t), np.argwhere(a))


def test_nonzero_edge_cases():
    check(cygrad.zeros(2, 0).nonzero(), np.zeros((0, 2), np.int64))
    check(cygrad.zeros(3).nonzero(), np.zeros((0, 1), np.int64))
    check(cygrad.tensor([[0, 1], [2, 0]]).nonzero(), np.array([[0, 1], [1, 0]]))
    check(cygrad.tensor([True, False, True]).nonzero(), np.array([[0], [2]]))
    check(cygrad.tensor(3).nonzero(), np.zeros((1, 0), np.int64))
    check(cygrad.tensor(0).nonzero(), np.zeros((0, 0), np.int64))


def test_nonzero_0d_as_tuple_matches_torch():
    torch = pytest.importorskip("torch")
    for v in (0, 3):
        e = torch.tensor(v).nonzero(as_tuple=True)
        g = cygrad.tensor(v).nonzero(as_tuple=True)
        assert len(g) == len(e)
        for x, y in zip(g, e):
            check(x, y.numpy())


# ---------------------------------------------------------------------------- cat / stack
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_cat_dims_and_layouts(dim):
    rng = np.random.default_rng(0)
    shapes = [[2, 3, 4], [2, 3, 4], [2, 3, 4]]
    for s, n in zip(shapes, (1, 2, 3)):
        s[dim] = n
    arrays = [rng.standard_normal(s) for s in shapes]
    tensors = [make_layout(x, lay) for x, lay in zip(arrays, ["negative", "transposed",
                                                              "sliced"])]
    check(cygrad.cat(tensors, dim), np.concatenate(arrays, axis=dim))
    check(cygrad.cat(tensors, dim=dim), np.concatenate(arrays, axis=dim))
    check(cygrad.concat(tuple(tensors), dim), np.concatenate(arrays, axis=dim))


def test_cat_promotion_and_empty():
    r = cygrad.cat([cygrad.zeros(2, 3), cygrad.ones(2, 3, dtype=cygrad.int32)])
    assert r.dtype is cygrad.float32
    check(r, np.concatenate([np.zeros((2, 3)), np.ones((2, 3))]).astype(np.float32))
    r = cygrad.cat([cygrad.tensor([1, 2], dtype=cygrad.int32), cygrad.tensor([True])])
    assert r.dtype is cygrad.int32
    r = cygrad.cat([cygrad.tensor([1.0], dtype=cygrad.float64), cygrad.tensor([1.0])])
    assert r.dtype is cygrad.float64
    r = cygrad.cat([cygrad.zeros(2, 3), cygrad.zeros(0)])  # legacy 1-d empty is skipped
    assert r.shape == (2, 3)
    check(cygrad.cat([cygrad.zeros(0, 3), cygrad.ones(2, 3)]), np.ones((2, 3), np.float32))
    check(cygrad.cat([cygrad.tensor([1.0])]), np.array([1.0], np.float32))


def test_cat_errors():
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 0\\) cannot "
                                           "be concatenated"):
        cygrad.cat([cygrad.tensor(1.0), cygrad.tensor(2.0)])
    with pytest.raises(RuntimeError) as ei:
        cygrad.cat([cygrad.zeros(2, 3), cygrad.zeros(2, 4)])
    assert str(ei.value) == ("Sizes of tensors must match except in dimension 0. Expected size 3 "
                             "but got size 4 for tensor number 1 in the list.")
    with pytest.raises((RuntimeError, ValueError)):
        cygrad.cat([])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 "
                                           "and 1"):
        cygrad.cat([cygrad.zeros(2, 3), cygrad.zeros(3)])
    with pytest.raises(IndexError):
        cygrad.cat([cygrad.zeros(2, 3)], dim=2)
    with pytest.raises(TypeError):
        cygrad.cat(cygrad.zeros(2, 3))
    with pytest.raises(TypeError):
        cygrad.cat([cygrad.zeros(2), [1.0, 2.0]])


def test_cat_out():
    out = cygrad.empty(4)
    r = cygrad.cat([cygrad.ones(2), cygrad.zeros(2)], out=out)
    assert r is out
    check(out, np.array([1, 1, 0, 0], np.float32))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack(dim):
    arrays = [np.arange(6.0).reshape(2, 3) + i for i in range(3)]
    tensors = [make_layout(x, lay) for x, lay in zip(arrays, ["contiguous", "transposed",
                                                              "negative"])]
    check(cygrad.stack(tensors, dim), np.stack(arrays, axis=dim))


def test_stack_promotion_and_errors():
    r = cygrad.stack([cygrad.tensor(1), cygrad.tensor(2.5)])
    assert r.dtype is cygrad.float32
    check(r, np.array([1.0, 2.5], np.float32))
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[2\] at entry 0 and \[3\] at entry 1"):
        cygrad.stack([cygrad.zeros(2), cygrad.zeros(3)])
    with pytest.raises(IndexError):
        cygrad.stack([cygrad.zeros(2), cygrad.zeros(2)], dim=2)
    with pytest.raises((RuntimeError, ValueError)):
        cygrad.stack([])
    check(cygrad.hstack([cygrad.ones(2), cygrad.zeros(1)]), np.array([1, 1, 0], np.float32))
    check(cygrad.vstack([cygrad.ones(2), cygrad.zeros(2)]), np.array([[1, 1], [0, 0]],
                                                                     np.float32))


def test_cat_stack_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.integers(0, 5, (2, 3)).astype(np.int32)
    for dim in (0, 1, -1):
        e = torch.cat([torch.from_numpy(a), torch.from_numpy(b)], dim)
        check(cygrad.cat([cygrad.from_numpy(a), cygrad.from_numpy(b)], dim), e.numpy())
    for dim in (0, 1, 2, -1):
        e = torch.stack([torch.from_numpy(a), torch.from_numpy(a) * 2], dim)
        check(cygrad.stack([cygrad.from_numpy(a), cygrad.from_numpy(a) * 2], dim), e.numpy())
    for tensors in ([torch.zeros(2, 3), torch.zeros(2, 4)], [torch.zeros(2), torch.zeros(3, 1)]):
        with pytest.raises(RuntimeError) as te:
            torch.cat(tensors)
        with pytest.raises(RuntimeError) as ce:
            cygrad.cat([cygrad.zeros(tuple(x.shape)) for x in tensors])
        assert str(ce.value) == str(te.value)


def test_split_chunk_roundtrip_with_cat():
    a = np.arange(70.0).reshape(7, 10)
    t = from_np(a)
    for dim in (0, 1):
        for size in (1, 3, 4, 10):
            parts = t.split(size, dim)
            assert all(p.shape[dim] <= size for p in parts)
            check(cygrad.cat(parts, dim), a)
        for n in (1, 2, 3, 5):
            check(cygrad.cat(t.chunk(n, dim), dim), a)
        check(cygrad.cat(cygrad.split(t, [2, 5] if dim == 0 else [3, 3, 4], dim), dim), a)


# ---------------------------------------------------------------------------- hypothesis
if given is not None:
    _LAY = st.sampled_from(["contiguous", "transposed", "negative", "sliced"])

    @st.composite
    def shape_and_basic_key(draw):
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6))
        key = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True,
                                     allow_ellipsis=True))
        items = key if isinstance(key, tuple) else (key,)
        # PyTorch (and cygrad) reject negative steps: make them positive
        fixed = tuple(slice(k.start, k.stop, -k.step) if isinstance(k, slice) and k.step
                      is not None and k.step < 0 else k for k in items)
        return shape, fixed if isinstance(key, tuple) else fixed[0]

    @given(shape_and_basic_key(), _LAY)
    def test_hypothesis_basic_keys(sk, layout):
        shape, key = sk
        a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        t = make_layout(a, layout)
        check(t[key], a[key])
        a2 = a.copy()
        a2[key] = -1.0
        t[key] = -1.0
        check(t, a2)

    @st.composite
    def shape_and_adv_key(draw):
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5))
        nd = len(shape)
        key = []
        for d in range(nd):
            kind = draw(st.sampled_from(["slice", "int", "array", "skip"]))
            if kind == "slice":
                start = draw(st.integers(-shape[d], shape[d]))
                step = draw(st.integers(1, 3))
                key.append(slice(start, None, step))
            elif kind == "int":
                key.append(draw(st.integers(-shape[d], shape[d] - 1)))
            elif kind == "array":
                n = draw(st.integers(0, 4))
                idx = draw(st.lists(st.integers(-shape[d], shape[d] - 1), min_size=n,
                                    max_size=n))
                key.append(np.array(idx, dtype=np.int64))
            else:
                key.append(slice(None))
        return shape, tuple(key)

    @given(shape_and_adv_key(), _LAY)
    def test_hypothesis_advanced_keys(sk, layout):
        shape, key = sk
        arrays = [k for k in key if isinstance(k, np.ndarray)]
        if len({len(x) for x in arrays}) > 1:
            return  # index arrays of different lengths do not broadcast
        a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        t = make_layout(a, layout)
        check(t[_conv(key)], a[key])
        a2 = a.copy()
        a2[key] = -3.0
        t[_conv(key)] = -3.0
        check(t, a2)


# ------------------------------------------------------------------------ Python bools in keys
BOOL_KEYS = [(True, [0, 1]), (True, True), (True, Ellipsis, True), ([0, 1], True),
             (False, True), (True,), (False,), (True, slice(None), [2, 0]),
             (1, True, [0, 2])]


@pytest.mark.parametrize("key", BOOL_KEYS)
def test_python_bools_mixed_with_indices_match_numpy(key):
    a = np.arange(6.0).reshape(2, 3)
    x = cygrad.from_numpy(a.copy())
    expected = a[key]
    check(x[key], expected)
    # set: the same positions change
    b = a.copy()
    b[key] = -1.0
    y = cygrad.from_numpy(a.copy())
    y[key] = -1.0
    check(y, b)


@pytest.mark.parametrize("key", [(False, [0, 1]), ([0, 1], False)])
def test_false_with_an_index_cannot_broadcast(key):
    x = cygrad.zeros(2, 3)
    with pytest.raises(IndexError, match="shape mismatch"):
        x[key]
    with pytest.raises(IndexError, match="shape mismatch"):
        x[key] = 1.0


def test_python_bools_match_torch():
    torch = pytest.importorskip("torch")
    for key in BOOL_KEYS:
        assert tuple(cygrad.zeros(2, 3)[key].shape) == tuple(torch.zeros(2, 3)[key].shape)


# ---------------------------------------------------------------------------- range keys
@pytest.mark.parametrize("r", [range(3), range(1, 4), range(4, 0, -2), range(0), range(5, 5)])
def test_range_indexes_as_its_list(r):
    a = np.arange(20.0).reshape(5, 4)
    t = from_np(a)
    check(t[r], a[list(r)])
    check(t[:, range(1, 3)], a[:, [1, 2]])
    u = t.clone()
    u[r] = -1.0
    b = a.copy()
    b[list(r)] = -1.0
    check(u, b)


def test_range_index_against_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(to_numpy(from_np(a)[range(2), :, range(1, 3)]),
                                  torch.from_numpy(a)[range(2), :, range(1, 3)].numpy())


def test_setitem_drops_leading_size_one_dims_of_the_value():
    a = np.zeros((3, 4))
    t = from_np(a)
    t[0] = cygrad.ones(1, 1, 4, dtype=cygrad.float64)
    t[1:3] = cygrad.full((1, 2, 4), 2.0, dtype=cygrad.float64)
    check(t, np.array([[1.0] * 4, [2.0] * 4, [2.0] * 4]))
    t[[0, 2]] = cygrad.full((1, 1, 2, 4), 3.0, dtype=cygrad.float64)
    check(t[0], np.full(4, 3.0))
    with pytest.raises(RuntimeError):
        t[0] = cygrad.ones(2, 4, dtype=cygrad.float64)       # 2 is not a leading 1
    # the value's gradient keeps the value's shape
    v = cygrad.ones(1, 1, 4, dtype=cygrad.float64, requires_grad=True)
    base = cygrad.zeros(3, 4, dtype=cygrad.float64, requires_grad=True)
    x = base * 1
    x[0] = v * 2
    x.sum().backward()
    check(v.grad, np.full((1, 1, 4), 2.0))
    check(base.grad, np.array([[0.0] * 4, [1.0] * 4, [1.0] * 4]))
