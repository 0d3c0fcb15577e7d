"""Fuzz: reductions with every form of ``dim``, and the view, join and split operations, on
random shapes (0-d and empty included) and layouts, against NumPy."""
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import cygrad
from fuzzutil import VIEWS, as_view, assert_same, fuzz, seeds, shapes, values

REDUCTIONS = {"sum": np.sum, "prod": np.prod, "amax": np.max, "amin": np.min,
              "mean": np.mean, "any": np.any, "all": np.all}


@st.composite
def dims_for(draw, ndim):
    kind = draw(st.sampled_from(["none", "int", "tuple", "empty"]))
    if kind == "none" or (ndim == 0 and kind == "int"):
        return None
    if kind == "empty":
        return ()
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    picked = draw(st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim))
    return tuple(d - ndim if draw(st.booleans()) else d for d in picked)


@fuzz
@given(st.data(), shapes, st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
       st.sampled_from(VIEWS), st.sampled_from(sorted(REDUCTIONS)), st.booleans(), seeds)
def test_reductions(data, shape, dt, view, name, keepdim, seed):
    rng = np.random.default_rng(seed)
    a = values(rng, shape, dt)
    if name == "mean" and a.dtype.kind != "f":
        return                       # mean of integers raises (tested elsewhere)
    dim = data.draw(dims_for(len(shape)))
    t = as_view(a, view, rng)
    fn = getattr(t, name)
    if dim == () and name in ("any", "all"):
        assert_same(fn(dim=dim, keepdim=keepdim), a != 0)
        return
    axis = None if dim is None or dim == () else dim
    reduced = range(a.ndim) if axis is None else ([axis] if isinstance(axis, int) else axis)
    empty_reduce = any(a.shape[d] == 0 for d in reduced) or (a.size == 0 and axis is None)
    if name in ("amax", "amin") and empty_reduce:
        with pytest.raises((IndexError, RuntimeError)):
            fn(dim if dim is not None else ()) if dim is not None else fn()
        return
    with np.errstate(all="ignore"):
        expected = REDUCTIONS[name](a if a.dtype != np.bool_ or name in ("any", "all")
                                    else a.astype(np.int64), axis=axis,
                                    keepdims=keepdim and dim is not None)
    if dim is None:
        got = fn()
    elif name in ("amax", "amin", "any", "all"):
        got = fn(dim, keepdim)
    else:
        got = fn(dim, keepdim=keepdim)
    if name in ("sum", "prod") and a.dtype.kind in "bi":
        expected = np.asarray(expected).astype(np.int64)
    assert_same(got, np.asarray(expected).astype(numpy_dtype(got)), rtol=1e-5)


def numpy_dtype(t):
    return np.dtype(str(t.dtype).split(".")[1])


@fuzz
@given(shapes, st.sampled_from(VIEWS), seeds, st.data())
def test_views_match_numpy(shape, view, seed, data):
    rng = np.random.default_rng(seed)
    a = values(rng, shape, np.float64)
    t = as_view(a, view, rng)
    nd = a.ndim
    perm = data.draw(st.permutations(range(nd)))
    assert_same(t.permute(*perm), a.transpose(perm))
    assert_same(t.reshape(-1), a.reshape(-1))
    if nd:
        d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        assert_same(t.transpose(d0, d1), np.swapaxes(a, d0, d1))
        src = data.draw(st.integers(-nd, nd - 1))
        dst = data.draw(st.integers(-nd, nd - 1))
        assert_same(t.movedim(src, dst), np.moveaxis(a, src, dst))
        d = data.draw(st.integers(-nd, nd - 1))
        size = data.draw(st.integers(1, 4))
        n = a.shape[d]
        pieces = t.split(size, d)
        bounds = list(range(size, n, size))
        expected = np.split(a, bounds, axis=d) if n else [a]
        assert len(pieces) == len(expected)
        for p, e in zip(pieces, expected):
            assert_same(p, e)
        chunks = data.draw(st.integers(1, 4))
        got = t.chunk(chunks, d)
        assert len(got) == (chunks if n == 0 else len(range(0, n, -(-n // chunks))))
        assert_same(cygrad.cat(got, d), a)
    assert_same(t.unsqueeze(0), a[None])
    assert_same(cygrad.stack([t, t], 0), np.stack([a, a], 0))
    if nd and data.draw(st.booleans()):
        new = list(a.shape)
        new[0] = data.draw(st.integers(0, 3)) if a.shape[0] in (0, 1) else a.shape[0]
        if a.shape[0] == 1 or new[0] == a.shape[0]:
            assert_same(t.expand(*new), np.broadcast_to(a, new))


MATMUL_SHAPES = st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4))


@fuzz
@given(MATMUL_SHAPES, st.integers(0, 2), st.integers(0, 2), st.booleans(), st.booleans(),
       st.sampled_from([np.float32, np.float64]), st.sampled_from(VIEWS), seeds)
def test_matmul_shapes(mnk, batch_a, batch_b, vec_a, vec_b, dt, view, seed):
    m, n, k = mnk
    rng = np.random.default_rng(seed)
    sa = (k,) if vec_a else (2,) * batch_a + (m, k)
    sb = (k,) if vec_b else (2,) * batch_b + (k, n)
    if rng.random() < 0.2:          # a mismatch
        sb = sb[:-2] + (k + 1,) + sb[-1:] if not vec_b else (k + 1,)
    a = (rng.standard_normal(sa)).astype(dt)
    b = (rng.standard_normal(sb)).astype(dt)
    ta, tb = as_view(a, view, rng), as_view(b, "contiguous", rng)
    try:
        expected = np.matmul(a, b)
    except ValueError:
        with pytest.raises(RuntimeError):
            ta @ tb
        return
    # a sum of k products of N(0, 1) values: rounding is absolute, about k * eps
    eps = 1.2e-7 if dt == np.float32 else 2.3e-16
    assert_same(ta @ tb, expected, rtol=1e-4 if dt == np.float32 else 1e-10,
                atol=16 * eps * max(k, 1))
