"""Reductions: sum/mean/prod/amax/amin/max/min/argmax/argmin/var/std/logsumexp/any/all over
dims, keepdim, layouts, empty and 0-d inputs, NaN propagation and float32 accuracy."""
import numpy as np
import pytest

import cygrad
from conftest import LAYOUTS, check, from_np, make_layout, np_dtype, sample

try:
    from hypothesis import given, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover
    given = None

F32, F64, I32, I64, B = cygrad.float32, cygrad.float64, cygrad.int32, cygrad.int64, cygrad.bool

DIMS = [None, 0, 1, -1, 2, (0, 1), (0, 2), (-1, 0), (2, 1, 0), (1,)]


def np_dims(dims, nd):
    if dims is None or dims == ():
        return None
    if isinstance(dims, int):
        return dims % nd
    return tuple(d % nd for d in dims)


def _np_reduce(fn, a, dims, keepdim, **kw):
    axis = np_dims(dims, a.ndim)
    return np.asarray(fn(a, axis=axis, keepdims=keepdim, **kw))


def _logsumexp(a, axis, keepdims):
    a = a.astype(np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isinf(m), 0, m)
    with np.errstate(divide="ignore"):
        s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        s = np.squeeze(s, axis=axis) if axis is not None else s.reshape(())
    return s


def _sum_ref(a, axis, keepdims):
    if a.dtype.kind in "bi":
        return np.sum(a.astype(np.int64), axis=axis, keepdims=keepdims)
    return np.sum(a.astype(np.float64), axis=axis, keepdims=keepdims).astype(a.dtype)


def _prod_ref(a, axis, keepdims):
    if a.dtype.kind in "bi":
        return np.prod(a.astype(np.int64), axis=axis, keepdims=keepdims)
    return np.prod(a.astype(np.float64), axis=axis, keepdims=keepdims).astype(a.dtype)


def _mean_ref(a, axis, keepdims):
    return np.mean(a.astype(np.float64), axis=axis, keepdims=keepdims).astype(a.dtype)


# ---------------------------------------------------------------------------- values vs NumPy
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dims", DIMS, ids=repr)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [F32, F64], ids=repr)
def test_float_reductions(layout, dims, keepdim, dtype):
    rng = np.random.default_rng(7)
    a = rng.uniform(0.5, 1.5, size=(3, 4, 5)).astype(np_dtype(dtype))
    t = make_layout(a, layout)
    axis = np_dims(dims, 3)
    rt = 1e-5 if dtype is F32 else 1e-12
    # dim=None with keepdim=True keeps every dim with size 1 (as torch.sum(dim=None, keepdim))
    check(t.sum(dims, keepdim), _sum_ref(a, axis, keepdim), rtol=rt)
    check(cygrad.sum(t, dims, keepdim), _sum_ref(a, axis, keepdim), rtol=rt)
    check(t.mean(dims, keepdim), _mean_ref(a, axis, keepdim), rtol=rt)
    check(t.prod(dims, keepdim), _prod_ref(a, axis, keepdim), rtol=rt)
    dd = dims if dims is not None else ()
    check(t.amax(dd, keepdim), np.max(a, axis=axis, keepdims=keepdim))
    check(t.amin(dd, keepdim), np.min(a, axis=axis, keepdims=keepdim))
    check(cygrad.amax(t, dd, keepdim), np.max(a, axis=axis, keepdims=keepdim))
    ddof_dims = dims
    for corr in (0, 1, 2):
        n = a.size if axis is None else int(np.prod([a.shape[i] for i in np.atleast_1d(axis)]))
        if n - corr <= 0:
            continue
        exp_var = np.var(a.astype(np.float64), axis=axis, ddof=corr, keepdims=keepdim)
        got = t.var(ddof_dims, correction=corr, keepdim=keepdim)
        check(got, exp_var.astype(a.dtype), rtol=1e-4 if dtype is F32 else 1e-10)
        got = t.std(ddof_dims, correction=corr, keepdim=keepdim)
        check(got, np.sqrt(exp_var).astype(a.dtype), rtol=1e-4 if dtype is F32 else 1e-10)
    if dims is not None:
        check(t.logsumexp(dims, keepdim), _logsumexp(a, axis, keepdim).astype(a.dtype),
              rtol=rt)
    check(t.any(dims, keepdim) if dims is not None else t.any(),
          np.any(a, axis=axis, keepdims=keepdim) if dims is not None else np.any(a))
    check(t.all(dims, keepdim) if dims is not None else t.all(),
          np.all(a, axis=axis, keepdims=keepdim) if dims is not None else np.all(a))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dims", DIMS, ids=repr)
@pytest.mark.parametrize("dtype", [I32, I64, B], ids=repr)
def test_int_and_bool_reductions(layout, dims, dtype):
    a = sample((3, 4, 5), dtype, low=-4, high=4, seed=11)
    t = make_layout(a, layout)
    axis = np_dims(dims, 3)
    s = t.sum(dims) if dims is not None else t.sum()
    assert s.dtype is I64  # integer and bool sums are int64
    check(s, np.sum(a.astype(np.int64), axis=axis))
    p = t.prod(dims) if dims is not None else t.prod()
    assert p.dtype is I64
    check(p, np.prod(a.astype(np.int64), axis=axis))
    dd = dims if dims is not None else ()
    check(t.amax(dd), np.max(a, axis=axis))
    check(t.amin(dd), np.min(a, axis=axis))
    check(t.any(dims) if dims is not None else t.any(), np.any(a, axis=axis))
    check(t.all(dims) if dims is not None else t.all(), np.all(a, axis=axis))
    check(t.count_nonzero(dims) if dims is not None else t.count_nonzero(),
          np.count_nonzero(a, axis=axis))
    if dtype is not B:
        with pytest.raises(RuntimeError, match="mean"):
            t.mean()
        with pytest.raises(RuntimeError):
            t.var()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [F32, F64, I32, I64, B], ids=repr)
def test_max_min_dim_and_arg(layout, dim, keepdim, dtype):
    a = sample((3, 4, 5), dtype, low=-3, high=3, seed=5)  # small ints: plenty of ties
    if dtype in (F32, F64):
        a = np.round(a)  # ties in floats too
    t = make_layout(a, layout)
    r = t.max(dim, keepdim)
    check(r.values, np.max(a, axis=dim, keepdims=keepdim))
    check(r.indices, np.argmax(a, axis=dim, keepdims=keepdim).astype(np.int64))
    values, indices = t.min(dim, keepdim=keepdim)
    check(values, np.min(a, axis=dim, keepdims=keepdim))
    check(indices, np.argmin(a, axis=dim, keepdims=keepdim).astype(np.int64))
    check(t.argmax(dim, keepdim), np.argmax(a, axis=dim, keepdims=keepdim).astype(np.int64))
    check(t.argmin(dim, keepdim=keepdim),
          np.argmin(a, axis=dim, keepdims=keepdim).astype(np.int64))
    check(cygrad.max(t, dim).values, np.max(a, axis=dim))
    check(cygrad.min(t, dim).indices, np.argmin(a, axis=dim).astype(np.int64))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_full_max_min_argmax(layout):
    a = np.array([[3.0, 7.0, -1.0], [7.0, 2.0, -1.0]], np.float32)
    t = make_layout(a, layout)
    check(t.max(), np.array(7.0, np.float32))
    check(t.min(), np.array(-1.0, np.float32))
    check(cygrad.max(t), np.array(7.0, np.float32))
    check(t.argmax(), np.array(1))  # first occurrence in the flattened order
    check(t.argmin(), np.array(2))
    check(t.argmax(keepdim=True), np.array([[1]]))
    check(cygrad.argmin(t), np.array(2))


def test_reduction_results_are_fresh_tensors():
    t = cygrad.ones(3, 4)
    s = t.sum(0)
    s.add_(1)
    check(t, np.ones((3, 4), np.float32))
    m = t.amax(1, keepdim=True)
    assert m.is_contiguous()


# ---------------------------------------------------------------------------- NaN
@pytest.mark.parametrize("n", [5, 8, 9, 17, 130, 1000, 5000])
@pytest.mark.parametrize("pos", ["first", "middle", "last"])
@pytest.mark.parametrize("dtype", [F32, F64], ids=repr)
def test_nan_propagates_in_max_min(n, pos, dtype):
    a = np.linspace(-1, 1, n).astype(np_dtype(dtype))
    i = {"first": 0, "middle": n // 2, "last": n - 1}[pos]
    a[i] = np.nan
    for layout in ("contiguous", "negative", "sliced"):
        t = make_layout(a, layout)
        for name in ("amax", "amin", "max", "min"):
            r = getattr(t, name)()
            assert np.isnan(r.item()), (name, layout)
        assert t.argmax().item() == i
        assert t.argmin().item() == i
        v, idx = t.max(0)
        assert np.isnan(v.item()) and idx.item() == i
    # along a dim, only the rows with a NaN are NaN
    m = np.tile(np.linspace(0, 1, n).astype(np_dtype(dtype)), (3, 1))
    m[1, i] = np.nan
    tm = from_np(m)
    for t2, axis in ((tm, 1), (tm.t(), 0)):
        check(t2.amax(axis), np.max(m, axis=1))
        check(t2.amin(axis), np.min(m, axis=1))
        check(t2.max(axis).indices, np.argmax(m, axis=1).astype(np.int64))
    check(tm.amax(0), np.max(m, axis=0))
    check(tm.max(0).values, np.max(m, axis=0))


def test_nan_in_sum_and_nansum():
    a = np.array([1.0, np.nan, 2.0], np.float32)
    assert np.isnan(from_np(a).sum().item())
    assert np.isnan(from_np(a).mean().item())
    check(from_np(a).nansum(), np.array(3.0, np.float32))
    inf = np.array([np.inf, 1.0, -np.inf], np.float64)
    assert np.isnan(from_np(inf).sum().item())
    assert from_np(inf[:2]).sum().item() == np.inf


def test_max_with_inf():
    a = np.array([-np.inf, -np.inf], np.float32)
    check(from_np(a).amax(), np.array(-np.inf, np.float32))
    check(from_np(a).max(0).values, np.array(-np.inf, np.float32))
    b = np.array([np.inf, 1.0], np.float32)
    check(from_np(b).amin(), np.array(1.0, np.float32))


# ---------------------------------------------------------------------------- empty / 0-d
def test_empty_reductions():
    e = cygrad.zeros(0)
    check(e.sum(), np.array(0.0, np.float32))
    check(e.prod(), np.array(1.0, np.float32))
    assert np.isnan(e.mean().item())
    check(cygrad.zeros(0, dtype=I32).sum(), np.array(0))
    check(cygrad.zeros(0, dtype=I64).prod(), np.array(1))


def test_empty_any_all():
    e = cygrad.zeros(0)
    check(e.any(), np.array(False))
    check(e.all(), np.array(True))
    z = cygrad.zeros(0, 3)
    check(z.any(0), np.zeros(3, bool))
    check(z.all(0), np.ones(3, bool))
    check(z.any(1), np.zeros(0, bool))


def test_empty_max_raises():
    e = cygrad.zeros(0)
    with pytest.raises(RuntimeError):
        e.amax()
    with pytest.raises(RuntimeError):
        e.amin()
    with pytest.raises(RuntimeError):
        e.max()
    with pytest.raises((RuntimeError, IndexError)):
        e.argmax()


def test_empty_dim_reductions():
    z = cygrad.zeros(0, 3)
    check(z.sum(0), np.zeros(3, np.float32))
    check(z.prod(0), np.ones(3, np.float32))
    check(z.sum(1), np.zeros(0, np.float32))
    check(z.amax(1), np.zeros(0, np.float32))
    check(z.sum(0, keepdim=True), np.zeros((1, 3), np.float32))
    assert np.isnan(z.mean(0).numpy()).all() and z.mean(0).shape == (3,)
    with pytest.raises(IndexError):
        z.amax(0)
    with pytest.raises(IndexError):
        z.max(0)
    with pytest.raises(IndexError):
        z.argmax(0)
    r = z.max(1)
    assert r.values.shape == (0,) and r.indices.shape == (0,)
    assert r.indices.dtype is I64
    check(cygrad.zeros(2, 0).prod(1), np.ones(2, np.float32))
    assert np.isnan(cygrad.zeros(2, 0).mean(1).numpy()).all()
    assert np.isnan(z.var().item())


def test_empty_reductions_match_torch():
    torch = pytest.importorskip("torch")
    cases = [((0,), None), ((0, 3), 0), ((0, 3), 1), ((2, 0), 1), ((2, 0), (0, 1))]
    for shape, dim in cases:
        tt = torch.zeros(shape)
        ct = cygrad.zeros(shape)
        for name in ("sum", "prod", "mean", "any", "all"):
            if name == "prod" and not isinstance(dim, (int, type(None))):
                continue        # torch's prod takes a single int dim
            e = getattr(tt, name)() if dim is None else (
                getattr(tt, name)(dim) if name in ("sum", "mean", "prod") or isinstance(dim, int)
                else None)
            if e is None:
                continue
            g = getattr(ct, name)() if dim is None else getattr(ct, name)(dim)
            check(g, e.numpy())


def test_0d_reductions():
    s = cygrad.tensor(5.0)
    for dim in (None, 0, -1, (), (0,)):
        args = () if dim is None else (dim,)
        check(s.sum(*args), np.array(5.0, np.float32))
        check(s.mean(*args), np.array(5.0, np.float32))
        check(s.prod(*args), np.array(5.0, np.float32))
    check(s.sum(0, keepdim=True), np.array(5.0, np.float32))
    check(s.amax(0), np.array(5.0, np.float32))
    check(s.amin(), np.array(5.0, np.float32))
    check(s.argmax(), np.array(0))
    check(s.argmax(0), np.array(0))
    r = s.max(0)
    check(r.values, np.array(5.0, np.float32))
    check(r.indices, np.array(0))
    assert np.isnan(s.var().item())
    check(s.std(correction=0), np.array(0.0, np.float32))
    check(s.logsumexp(0), np.array(5.0, np.float32))
    check(cygrad.tensor(3).sum(), np.array(3))
    check(cygrad.tensor(True).any(), np.array(True))
    with pytest.raises(IndexError):
        s.sum(1)


def test_0d_keepdim_shapes():
    s = cygrad.tensor(5.0)
    r = s.max(0, keepdim=True)
    assert r.values.shape == () and r.indices.shape == ()
    assert s.argmax(0, keepdim=True).shape == ()
    assert s.sum(0, keepdim=True).shape == ()
    assert s.amax(0, keepdim=True).shape == ()


# ---------------------------------------------------------------------------- errors
def test_duplicate_dims_raise():
    t = cygrad.ones(2, 3)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        t.sum((0, 0))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        t.sum((0, -2))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        t.amax((1, 1))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        t.mean((1, -1))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        t.var((0, 0))


def test_dim_out_of_range_raises():
    t = cygrad.ones(2, 3)
    with pytest.raises(IndexError):
        t.sum(2)
    with pytest.raises(IndexError):
        t.amax(-3)
    with pytest.raises(IndexError):
        t.max(2)
    with pytest.raises(IndexError):
        t.argmax(5)
    with pytest.raises(TypeError):
        t.sum(1.5)


# ---------------------------------------------------------------------------- specifics
def test_sum_dtype_argument():
    t = cygrad.tensor([1, 2, 3])
    r = t.sum(dtype=F32)
    assert r.dtype is F32
    check(r, np.array(6.0, np.float32))
    f = cygrad.tensor([0.1, 0.2])
    assert f.sum(dtype=F64).dtype is F64
    assert f.mean(dtype=F64).dtype is F64
    check(cygrad.tensor([1, 2]).mean(dtype=F32), np.array(1.5, np.float32))


def test_sum_int64_wraps_like_torch():
    big = 2**62
    check(cygrad.tensor([big, big]).sum(), np.array([big, big]).sum())


def test_var_std_examples():
    t = cygrad.tensor([1.0, 2.0, 4.0])
    check(t.var(), np.array(np.var([1, 2, 4], ddof=1), np.float32), rtol=1e-6)
    check(t.var(unbiased=False), np.array(np.var([1, 2, 4]), np.float32), rtol=1e-6)
    check(t.var(correction=2), np.array(np.var([1, 2, 4], ddof=2), np.float32), rtol=1e-6)
    check(t.std(unbiased=True), np.array(np.std([1, 2, 4], ddof=1), np.float32), rtol=1e-6)
    check(cygrad.tensor([1.0, 2.0]).var(correction=2), np.array(np.inf, np.float32))
    check(cygrad.var(t, 0), np.array(np.var([1, 2, 4], ddof=1), np.float32), rtol=1e-6)
    # large offset: the two-pass formula keeps precision
    big = np.array([1e8 + 1, 1e8 + 2, 1e8 + 4], np.float64)
    check(from_np(big).var(), np.array(np.var(big, ddof=1)), rtol=1e-9)


def test_logsumexp_stability():
    t = cygrad.tensor([1e4, 1e4, 1e4])
    check(t.logsumexp(0), np.array(1e4 + np.log(3), np.float32), rtol=1e-6)
    t = cygrad.tensor([-1e4, -1e4])
    check(t.logsumexp(0), np.array(-1e4 + np.log(2), np.float32), rtol=1e-6)
    m = cygrad.tensor([[1e4, 0.0], [-np.inf, -np.inf], [np.inf, 1.0]])
    check(m.logsumexp(1), np.array([1e4, -np.inf, np.inf], np.float32))
    check(m.logsumexp(1, keepdim=True), np.array([[1e4], [-np.inf], [np.inf]], np.float32))
    a = np.random.default_rng(0).standard_normal((3, 4, 5)) * 100
    check(from_np(a).logsumexp((0, 2)), _logsumexp(a, (0, 2), False))
    check(cygrad.logsumexp(from_np(a), -1), _logsumexp(a, -1, False))
    i = cygrad.tensor([1, 2])
    r = i.logsumexp(0)
    assert r.dtype is F32
    check(r, np.array(np.log(np.e + np.e**2), np.float32), rtol=1e-6)


def test_any_all_values():
    t = cygrad.tensor([[1, 0], [2, 2]])
    check(t.any(1), np.array([True, True]))
    check(t.all(1), np.array([False, True]))
    check(t.all(), np.array(False))
    f = cygrad.tensor([[1.0, 0.0], [2.0, 2.0]])
    check(f.all(0), np.array([True, False]))
    check(cygrad.tensor([0.0, float("nan")]).any(), np.array(True))
    check(cygrad.any(f), np.array(True))
    check(cygrad.all(f, 1, True), np.array([[False], [True]]))


# ---------------------------------------------------------------------------- accuracy
def test_float32_ones_sum_exact():
    t = cygrad.ones(10**7)
    r = t.sum()
    assert r.dtype is F32
    assert r.item() == 1e7
    assert t.mean().item() == 1.0


def test_float32_large_sum_accuracy():
    rng = np.random.default_rng(42)
    a = rng.uniform(0, 1, 10**6).astype(np.float32)
    exact = a.astype(np.float64).sum()
    got = from_np(a).sum().item()
    assert abs(got - exact) <= 1e-6 * abs(exact)
    got_strided = cygrad.from_numpy(a[::-1]).sum().item()
    assert abs(got_strided - exact) <= 1e-6 * abs(exact)
    m = a.reshape(1000, 1000)
    tm = from_np(m)
    check(tm.sum(0), m.astype(np.float64).sum(0).astype(np.float32), rtol=1e-6)
    check(tm.sum(1), m.astype(np.float64).sum(1).astype(np.float32), rtol=1e-6)
    check(tm.t().sum(0), m.astype(np.float64).sum(1).astype(np.float32), rtol=1e-6)
    mean = tm.mean().item()
    assert abs(mean - exact / 1e6) <= 1e-6 * abs(exact / 1e6)


def test_float32_sum_of_many_small_values():
    a = np.full(2**24 + 8, 1.0, np.float32)  # naive float32 accumulation stalls at 2**24
    assert from_np(a).sum().item() == float(2**24 + 8)
    b = np.full((3, 2**22), 0.1, np.float32)
    check(from_np(b).sum(1), b.astype(np.float64).sum(1).astype(np.float32), rtol=1e-6)


# ---------------------------------------------------------------------------- torch parity
@pytest.mark.parametrize("dims", [None, 0, 1, -1, (0, 2), (2, 0, 1)], ids=repr)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_match_torch(dims, keepdim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4, 5)).astype(np.float32)
    a[1, 2, 3] = np.nan
    ta = torch.from_numpy(a)
    ca = cygrad.from_numpy(a)
    for name in ("sum", "mean", "amax", "amin", "var", "std", "logsumexp", "any", "all",
                 "nansum"):
        if dims is None:
            if name == "logsumexp":
                continue
            e = getattr(ta, name)()
            g = getattr(ca, name)()
        else:
            e = getattr(ta, name)(dims, keepdim=keepdim)
            g = getattr(ca, name)(dims, keepdim=keepdim)
        check(g, e.numpy(), rtol=1e-5, atol=1e-6)
    if isinstance(dims, int):
        for name in ("max", "min"):
            e = getattr(ta, name)(dims, keepdim)
            g = getattr(ca, name)(dims, keepdim)
            check(g.values, e.values.numpy())
            check(g.indices, e.indices.numpy())
        check(ca.argmax(dims, keepdim), ta.argmax(dims, keepdim).numpy())
    i = rng.integers(-3, 3, size=(3, 4, 5)).astype(np.int32)
    ti, ci = torch.from_numpy(i), cygrad.from_numpy(i)
    for name in ("sum", "prod"):
        e = getattr(ti, name)() if dims is None or name == "prod" and not isinstance(dims, int) \
            else getattr(ti, name)(dims, keepdim=keepdim)
        g = getattr(ci, name)() if dims is None or name == "prod" and not isinstance(dims, int) \
            else getattr(ci, name)(dims, keepdim=keepdim)
        check(g, e.numpy())


# ---------------------------------------------------------------------------- hypothesis
if given is not None:
    @st.composite
    def shape_and_dims(draw):
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=6))
        nd = len(shape)
        dims = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                             unique_by=lambda d: d % nd))
        return shape, tuple(dims)

    @given(shape_and_dims(), st.booleans(),
           st.sampled_from(["contiguous", "transposed", "sliced", "negative", "numpy_sliced"]),
           st.integers(0, 2**16))
    def test_hypothesis_sum_amax(sd, keepdim, layout, seed):
        shape, dims = sd
        rng = np.random.default_rng(seed)
        a = rng.standard_normal(shape)
        t = make_layout(a, layout)
        axis = tuple(d % len(shape) for d in dims)
        check(t.sum(dims, keepdim), np.sum(a, axis=axis, keepdims=keepdim), rtol=1e-10,
              atol=1e-12)
        check(t.amax(dims, keepdim), np.max(a, axis=axis, keepdims=keepdim))
        check(t.mean(dims, keepdim), np.mean(a, axis=axis, keepdims=keepdim), rtol=1e-10,
              atol=1e-12)
        i = (a * 10).astype(np.int64)
        ti = make_layout(i, layout)
        check(ti.sum(dims, keepdim), np.sum(i, axis=axis, keepdims=keepdim))
        check(ti.amin(dims, keepdim), np.min(i, axis=axis, keepdims=keepdim))


# ---------------------------------------------------------------------------- medium layouts
@pytest.mark.parametrize("shape, perm", [((40, 70), (1, 0)), ((3, 40, 70), (0, 2, 1)),
                                         ((40, 3, 70), (2, 1, 0)),
                                         ((2, 3, 33, 65), (3, 1, 0, 2))], ids=str)
@pytest.mark.parametrize("dtype", [F32, F64, I32, I64], ids=repr)
def test_reductions_on_permuted_medium_tensors(shape, perm, dtype):
    base = sample(shape, dtype, seed=9, low=-50, high=50)
    a = base.transpose(perm)
    t = from_np(base).permute(*perm)
    nd = len(shape)
    for dims in [0, nd - 1, 1, (0, nd - 1), tuple(range(nd)), (1, 0)]:
        axis = np_dims(dims, nd)
        exp_sum = _sum_ref(a, axis, False)
        check(t.sum(dims), exp_sum, rtol=1e-5 if dtype is F32 else 1e-12)
        check(t.amax(dims), np.max(a, axis=axis))
        check(t.amin(dims, keepdim=True), np.min(a, axis=axis, keepdims=True))
        if dtype in (F32, F64):
            check(t.mean(dims), _mean_ref(a, axis, False), rtol=1e-5 if dtype is F32 else 1e-12)
    for d in range(nd):
        v, i = t.max(d)
        check(v, np.max(a, axis=d))
        check(i, np.argmax(a, axis=d).astype(np.int64))
        check(t.argmin(d), np.argmin(a, axis=d).astype(np.int64))


def test_dims_as_list():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = from_np(a)
    check(t.sum([0, 2]), a.sum((0, 2)))
    check(t.amax([1]), a.max(1))
    check(t.mean([-1, 0], keepdim=True), a.mean((2, 0), keepdims=True))


# ------------------------------------------------------------------------ dim=() and repeated dims
@pytest.mark.parametrize("dim", [(), []])
def test_any_all_over_no_dims_are_elementwise(dim):
    x = cygrad.tensor([[0.0, 2.0, float("nan")], [0.0, 0.0, -1.0]])
    a = x.numpy()
    check(x.any(dim=dim), a != 0)
    check(x.all(dim=dim), a != 0)
    check(x.any(dim=dim, keepdim=True), a != 0)
    y = cygrad.tensor([True, False])
    assert y.any(dim=dim) is not y


def test_repeated_dims_on_a_0d_tensor():
    x = cygrad.tensor(1.0)
    for fn in (lambda: x.var((0, 0)), lambda: x.sum((0, -1)), lambda: x.amax((0, 0))):
        with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
            fn()
    assert x.sum((0,)).item() == 1.0


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 0), ((0,), 0), ((2, 0), (0, 1))])
def test_logsumexp_over_empty_dims_is_minus_inf(shape, dim):
    x = cygrad.zeros(*shape)
    a = np.zeros(shape)
    with np.errstate(divide="ignore"):
        expected = np.log(np.exp(a).sum(axis=dim))
    check(x.logsumexp(dim), expected.astype(np.float32))
    with np.errstate(divide="ignore"):
        expected_kept = np.log(np.exp(a).sum(axis=dim, keepdims=True))
    check(x.logsumexp(dim, keepdim=True), expected_kept.astype(np.float32))


def test_dim_edge_cases_match_torch():
    torch = pytest.importorskip("torch")
    assert tuple(cygrad.zeros(2, 3).any(dim=()).shape) == tuple(torch.zeros(2, 3).any(dim=()).shape)
    assert cygrad.zeros(2, 0).logsumexp(1).tolist() == torch.zeros(2, 0).logsumexp(1).tolist()
    with pytest.raises(RuntimeError, match="appears multiple times"):
        torch.tensor(1.0).var((0, 0))


# ------------------------------------------------------------------------ keepdims= alias
KEEPDIMS_CALLS = [("sum", (1,)), ("nansum", (1,)), ("mean", (1,)), ("prod", (1,)),
                  ("amax", (1,)), ("amin", (1,)), ("argmax", (1,)), ("argmin", (1,)),
                  ("var", (1,)), ("std", (1,)), ("logsumexp", (1,)), ("any", (1,)),
                  ("all", (1,))]


@pytest.mark.parametrize("name, args", KEEPDIMS_CALLS)
def test_keepdims_is_an_alias_of_keepdim(name, args):
    x = cygrad.arange(6.0).reshape(2, 3)
    kept = getattr(x, name)(*args, keepdims=True)
    assert tuple(kept.shape) == (2, 1)
    check(kept, getattr(x, name)(*args, keepdim=True).numpy())
    assert tuple(getattr(x, name)(*args, keepdims=False).shape) == (2,)
    assert tuple(getattr(cygrad, name)(x, *args, keepdims=True).shape) == (2, 1)


def test_keepdims_on_max_min_and_match_torch():
    x = cygrad.arange(6.0).reshape(2, 3)
    assert tuple(x.max(1, keepdims=True).values.shape) == (2, 1)
    assert tuple(cygrad.min(x, 0, keepdims=True).indices.shape) == (1, 3)
    torch = pytest.importorskip("torch")
    t = torch.arange(6.0).reshape(2, 3)
    for name, args in KEEPDIMS_CALLS:
        assert tuple(getattr(x, name)(*args, keepdims=True).shape) == \
            tuple(getattr(t, name)(*args, keepdims=True).shape)
