"""Ordering, scans and sampling: sort/argsort/topk, cumsum/cumprod, flip/roll, tril/triu,
repeat, norm, multinomial/randperm, histc/histogram.

Values against NumPy over layouts and dtypes, gradients by finite differences (float64),
and PyTorch on the same inputs when it is installed.
"""
import math

import numpy as np
import pytest

import cygrad
from cygrad.autograd import gradcheck
from conftest import LAYOUTS, check, from_np, make_layout, np_dtype, sample

F32, F64, I32, I64, B = (cygrad.float32, cygrad.float64, cygrad.int32, cygrad.int64,
                         cygrad.bool)
ALL = [F32, F64, I32, I64, B]


def _leaf(a):
    return from_np(np.asarray(a, np.float64)).requires_grad_()


# ---------------------------------------------------------------------------- sort
def _np_sort(a, dim, descending):
    """NumPy's stable sort with PyTorch's order: NaN largest, ties by position."""
    if not descending:
        idx = np.argsort(a, axis=dim, kind="stable")      # NumPy also puts NaN last
    elif a.dtype == np.bool_:
        idx = np.argsort(~a, axis=dim, kind="stable")
    elif a.dtype.kind != "f":
        idx = np.argsort(-a.astype(np.int64), axis=dim, kind="stable")
    else:
        # by descending value, then (a second stable sort) NaN first
        first = np.argsort(np.where(np.isnan(a), -np.inf, -a), axis=dim, kind="stable")
        nan_last = np.take_along_axis(~np.isnan(a), first, dim)
        idx = np.take_along_axis(first, np.argsort(nan_last, axis=dim, kind="stable"), dim)
    return np.take_along_axis(a, idx, dim), idx.astype(np.int64)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", ALL, ids=repr)
def test_sort_matches_numpy_stable(layout, dim, descending, dtype):
    a = sample((4, 7, 5), dtype, low=-3, high=3, seed=2)
    if dtype in (F32, F64):
        a = np.round(a)                     # plenty of ties
    t = make_layout(a, layout)
    v, i = t.sort(dim, descending)
    ev, ei = _np_sort(a, dim, descending)
    check(v, ev)
    check(i, ei)
    check(t.argsort(dim, descending=descending), ei)
    check(cygrad.sort(t, dim=dim, descending=descending).indices, ei)
    assert v.is_contiguous() and i.is_contiguous()


@pytest.mark.parametrize("descending", [False, True])
def test_sort_nan_and_inf_order(descending):
    a = np.array([1.0, np.nan, -np.inf, 3.0, np.inf, np.nan, -0.0, 0.0], np.float64)
    v, i = cygrad.tensor(a).sort(descending=descending)
    if descending:
        expect_i = [1, 5, 4, 3, 0, 6, 7, 2]
    else:
        expect_i = [2, 6, 7, 0, 3, 4, 1, 5]
    assert i.tolist() == expect_i
    check(v, a[expect_i])


@pytest.mark.parametrize("n", [0, 1, 2, 23, 24, 25, 100, 1000, 50_000])
def test_sort_lengths_around_runs_and_threads(n):
    rng = np.random.default_rng(n)
    a = rng.integers(-50, 50, n).astype(np.float32)
    v, i = cygrad.from_numpy(a).sort(stable=True)
    check(i, np.argsort(a, kind="stable").astype(np.int64))
    check(v, np.sort(a))
    # many rows (the threaded path) with ties
    b = rng.integers(0, 5, (64, 600)).astype(np.int32)
    check(cygrad.from_numpy(b).sort(1).indices,
          np.argsort(b, axis=1, kind="stable").astype(np.int64))
    check(cygrad.from_numpy(b).sort(0).indices,
          np.argsort(b, axis=0, kind="stable").astype(np.int64))


def test_sort_zero_d_and_empty():
    v, i = cygrad.tensor(3.0).sort()
    check(v, np.float32(3.0))
    check(i, np.int64(0))
    v, i = cygrad.zeros(0, 3).sort(0)
    assert v.shape == (0, 3) and i.dtype is cygrad.int64
    v, i = cygrad.zeros(2, 0).sort()
    assert v.shape == (2, 0)
    with pytest.raises(IndexError):
        cygrad.zeros(2, 3).sort(2)
    with pytest.raises(IndexError):
        cygrad.tensor(1.0).sort(1)


def test_sort_gradient():
    x = _leaf(sample((3, 5), F64, seed=1))
    assert gradcheck(lambda t: t.sort(1)[0], (x,))
    assert gradcheck(lambda t: t.sort(0, descending=True).values * 2, (x,))
    assert x.sort()[0].grad_fn.name() == "SortBackward0"
    assert x.argsort().requires_grad is False


# ---------------------------------------------------------------------------- topk
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("k", [0, 1, 3, 7])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", [F32, F64, I32, I64], ids=repr)
def test_topk_equals_head_of_stable_sort(layout, k, largest, dtype):
    a = sample((5, 7), dtype, low=-4, high=4, seed=k)
    if dtype in (F32, F64):
        a = np.round(a)
    t = make_layout(a, layout)
    v, i = t.topk(k, 1, largest)
    ev, ei = t.sort(1, descending=largest)
    check(v, to_np(ev)[:, :k])
    check(i, to_np(ei)[:, :k])
    vu, iu = t.topk(k, 1, largest, sorted=False)
    check(vu.sort(1, descending=largest).values, to_np(ev)[:, :k])
    check(cygrad.gather(t, 1, iu), to_np(vu))
    v0, i0 = t.topk(min(k, 5), 0, largest)
    ev0, ei0 = t.sort(0, descending=largest)
    check(i0, to_np(ei0)[:min(k, 5)])


def to_np(t):
    from conftest import to_numpy

    return to_numpy(t)


@pytest.mark.parametrize("n,k", [(1000, 1), (1000, 10), (1000, 999), (100_000, 50),
                                 (3, 3), (64, 32)])
def test_topk_sizes_and_adversarial_orders(n, k):
    for a in (np.arange(n, dtype=np.float64), np.arange(n, 0, -1, dtype=np.float64),
              np.zeros(n), np.random.default_rng(n).standard_normal(n)):
        v, i = cygrad.from_numpy(a).topk(k)
        ei = np.argsort(-a, kind="stable")[:k]
        check(i, ei.astype(np.int64))
        check(v, a[ei])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", [F32, F64, I32, I64], ids=repr)
def test_topk_small_k_on_long_rows(dim, largest, dtype):
    # k much smaller than the row: the one-pass selection, through strided rows (dim 0),
    # with many ties (small integer range) and NaN, against the head of the stable sort
    rng = np.random.default_rng(7)
    shape = [3, 3]
    shape[dim] = 400
    a = rng.integers(-5, 6, size=shape).astype(np_dtype(dtype))
    if dtype in (F32, F64):
        a[rng.random(shape) < 0.05] = np.nan
    t = cygrad.from_numpy(a)
    for k in (1, 5, 25):
        v, i = t.topk(k, dim, largest)
        ev, ei = t.sort(dim, descending=largest)
        sl = [slice(None)] * 2
        sl[dim] = slice(0, k)
        check(i, to_np(ei)[tuple(sl)])
        check(v, to_np(ev)[tuple(sl)])
        vu, iu = t.topk(k, dim, largest, sorted=False)
        check(cygrad.gather(t, dim, iu), to_np(vu))
        check(vu.sort(dim, descending=largest).values, to_np(ev)[tuple(sl)])


def test_topk_errors_nan_and_zero_d():
    x = cygrad.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(-1)
    with pytest.raises(TypeError):
        x.topk(1.5)
    v, i = cygrad.tensor([1.0, float("nan"), 3.0]).topk(2)
    assert math.isnan(v[0].item()) and i.tolist() == [1, 2]
    v, i = cygrad.tensor(3.0).topk(1)
    assert v.shape == () and i.item() == 0
    assert cygrad.tensor(3.0).topk(0).values.shape == ()


def test_topk_gradient():
    x = _leaf(sample((4, 6), F64, seed=3))
    assert gradcheck(lambda t: t.topk(3, 1)[0], (x,))
    assert gradcheck(lambda t: t.topk(2, 0, largest=False, sorted=False)[0], (x,))
    assert x.topk(2).values.grad_fn.name() == "TopkBackward0"


# ---------------------------------------------------------------------------- scans
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", ALL, ids=repr)
def test_cumsum_cumprod_match_numpy(layout, dim, dtype):
    a = sample((3, 4, 5), dtype, low=-2, high=3, seed=4)
    t = make_layout(a, layout)
    out_np = np.int64 if dtype in (I32, I64, B) else np_dtype(dtype)
    check(t.cumsum(dim), np.cumsum(a, axis=dim, dtype=np.float64 if out_np != np.int64
                                    else np.int64).astype(out_np), rtol=1e-6)
    check(cygrad.cumprod(t, dim), np.cumprod(a, axis=dim, dtype=np.float64 if out_np
                                             != np.int64 else np.int64).astype(out_np),
          rtol=1e-6)
    check(t.cumsum(dim, dtype=cygrad.float64), np.cumsum(a.astype(np.float64), axis=dim))
    check(t.cumsum(dim, dtype=cygrad.int32),
          np.cumsum(a.astype(np.int32), axis=dim).astype(np.int32))


def test_cumsum_float32_accumulates_in_double():
    a = np.full(1_000_000, 0.1, np.float32)
    got = cygrad.from_numpy(a).cumsum(0)[-1].item()
    assert abs(got - 100000.0) < 0.01                 # a float32 running sum is off by ~1e3


def test_cumsum_zero_d_empty_errors_and_inplace():
    check(cygrad.tensor(3.0).cumsum(0), np.float32(3.0))
    assert cygrad.zeros(0, 2).cumsum(0).shape == (0, 2)
    with pytest.raises(IndexError):
        cygrad.zeros(2, 3).cumsum(2)
    with pytest.raises(TypeError):
        cygrad.zeros(2, 3).cumsum()
    x = cygrad.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    r = x.cumsum_(0)
    assert r is x
    check(x, np.array([[3.0, 1.0, 2.0], [3.0, 6.0, 6.0]], np.float32))
    big = cygrad.ones(300, 700, dtype=cygrad.int64)            # the threaded path
    check(big.cumsum(1)[:, -1], np.full(300, 700, np.int64))
    check(big.cumsum(0)[-1], np.full(700, 300, np.int64))


def test_scan_gradients_including_zeros():
    x = _leaf(sample((3, 5), F64, seed=6))
    assert gradcheck(lambda t: t.cumsum(1), (x,))
    assert gradcheck(lambda t: t.cumsum(0), (x,))
    assert gradcheck(lambda t: t.cumprod(1), (x,))
    z = _leaf([[0.5, 0.0, 2.0, -1.5], [0.0, 0.0, 1.2, 0.7]])
    assert gradcheck(lambda t: t.cumprod(1), (z,))
    assert gradcheck(lambda t: t.cumprod(0), (z,))
    assert x.cumsum(0).grad_fn.name() == "CumsumBackward0"
    assert x.cumprod(0).grad_fn.name() == "CumprodBackward0"
    # double backward through cumsum and through cumprod without zeros
    y = _leaf([0.5, 1.5, 2.0, 0.8])
    (g,) = cygrad.autograd.grad(y.cumprod(0).sum(), y, create_graph=True)
    (gg,) = cygrad.autograd.grad(g.sum(), y)
    torch = pytest.importorskip("torch")
    ty = torch.tensor([0.5, 1.5, 2.0, 0.8], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(ty.cumprod(0).sum(), ty, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), ty)
    np.testing.assert_allclose(to_np(gg), tgg.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- flip / roll
@pytest.mark.parametrize("layout", LAYOUTS)
def test_flip_and_roll_match_numpy(layout):
    a = sample((3, 4, 5), I64, low=0, high=100, seed=7)
    t = make_layout(a, layout)
    check(t.flip(0), np.flip(a, 0))
    check(t.flip(0, 2), np.flip(a, (0, 2)))
    check(cygrad.flip(t, [-1]), np.flip(a, -1))
    check(t.flip(()), a)
    check(t[0].fliplr(), np.fliplr(a[0]))
    check(t.flipud(), np.flipud(a))
    check(t.roll(3), np.roll(a, 3))
    check(t.roll(-2, 1), np.roll(a, -2, 1))
    check(t.roll((1, 7), (0, 2)), np.roll(a, (1, 7), (0, 2)))
    check(cygrad.roll(t, 13, -1), np.roll(a, 13, -1))


def test_flip_roll_errors_and_edges():
    x = cygrad.arange(6).view(2, 3)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        x.flip(0, -2)
    with pytest.raises(IndexError):
        x.flip(2)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        cygrad.flip(x, 0)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        x.roll((1, 2), (0,))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        x.roll((1, 2))
    with pytest.raises(IndexError):
        cygrad.tensor(3.0).roll(1, 0)
    check(cygrad.tensor(3.0).flip(0), np.float32(3.0))
    check(cygrad.tensor(3.0).roll(1), np.float32(3.0))
    assert cygrad.zeros(0, 3).roll(2, 0).shape == (0, 3)
    r = x.roll(0)
    assert r.tolist() == x.tolist() and not r._same_storage(x)
    f = x.flip(0)
    assert not f._same_storage(x) and f.is_contiguous()


def test_flip_roll_gradients():
    x = _leaf(sample((3, 4), F64, seed=8))
    assert gradcheck(lambda t: t.flip(0, 1) * cygrad.arange(4.0, dtype=cygrad.float64), (x,))
    assert gradcheck(lambda t: t.roll(2, 1) * cygrad.arange(4.0, dtype=cygrad.float64), (x,))
    assert gradcheck(lambda t: t.roll(5) * cygrad.arange(4.0, dtype=cygrad.float64), (x,))
    assert x.flip(0).grad_fn.name() == "FlipBackward0"
    assert x.roll(1, 0).grad_fn.name() == "RollBackward0"


# ---------------------------------------------------------------------------- tril / triu
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 9])
@pytest.mark.parametrize("dtype", [F32, I64, B], ids=repr)
def test_tril_triu_match_numpy(layout, k, dtype):
    a = sample((2, 4, 5), dtype, low=1, high=9, seed=9)
    t = make_layout(a, layout)
    check(t.tril(k), np.tril(a, k))
    check(cygrad.triu(t, k), np.triu(a, k))
    c = t.clone()
    assert c.tril_(k) is c
    check(c, np.tril(a, k))
    check(t.clone().triu_(diagonal=k), np.triu(a, k))


def test_tril_triu_errors_grad_and_mask_pattern():
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2"):
        cygrad.ones(3).tril()
    with pytest.raises(RuntimeError, match="triu: input tensor must have at least 2"):
        cygrad.tensor(1.0).triu()
    assert cygrad.zeros(0, 3).tril().shape == (0, 3)
    x = _leaf(sample((4, 4), F64, seed=10))
    assert gradcheck(lambda t: t.tril(), (x,))
    assert gradcheck(lambda t: t.triu(1), (x,))
    assert x.tril().grad_fn.name() == "TrilBackward0"
    # the causal mask of the language-model programs
    T = 4
    wei = cygrad.zeros(T, T).masked_fill(cygrad.tril(cygrad.ones(T, T)) == 0, float("-inf"))
    wei = wei.softmax(-1)
    check(wei[-1], np.full(T, 0.25, np.float32))
    check(wei[0], np.array([1, 0, 0, 0], np.float32))


# ---------------------------------------------------------------------------- repeat
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("reps", [(1, 1), (2, 3), (2, 1, 2), (0, 2), (3, 1, 1, 1)])
def test_repeat_matches_numpy_tile(layout, reps):
    a = sample((2, 3), F32, seed=11)
    t = make_layout(a, layout)
    check(t.repeat(*reps), np.tile(a, reps))
    check(t.repeat(reps), np.tile(a, reps))


def test_repeat_errors_zero_d_and_grad():
    x = cygrad.ones(2, 3)
    with pytest.raises(RuntimeError, match="can not be smaller than number of dimensions"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="negative dimension"):
        x.repeat(-1, 2)
    check(cygrad.tensor(3.0).repeat(2), np.array([3.0, 3.0], np.float32))
    check(cygrad.tensor(3.0).repeat(()), np.float32(3.0))
    w = _leaf(sample((2, 3), F64, seed=12))
    assert gradcheck(lambda t: t.repeat(2, 1, 2) * 1.5, (w,))
    assert w.repeat(2, 1).grad_fn.name() == "RepeatBackward0"


# ---------------------------------------------------------------------------- norm
def test_tensor_norm_matches_numpy():
    a = sample((3, 4), F64, seed=13)
    t = from_np(a)
    check(t.norm(), np.linalg.norm(a))
    check(t.norm(p="fro"), np.linalg.norm(a))
    check(t.norm(p=1), np.abs(a).sum())
    check(t.norm(dim=1), np.linalg.norm(a, axis=1))
    check(t.norm(3, dim=0, keepdim=True), (np.abs(a) ** 3).sum(0, keepdims=True) ** (1 / 3))
    check(t.norm(float("inf"), 1), np.abs(a).max(1))
    check(t.norm(0), np.float64(np.count_nonzero(a)))
    check(cygrad.norm(t, dim=(0, 1)), np.linalg.norm(a))
    a32 = a.astype(np.float32)
    check(from_np(a32).norm(dtype=cygrad.float64), np.linalg.norm(a32.astype(np.float64)))
    with pytest.raises(RuntimeError, match="Expected a floating point .* Got Long"):
        cygrad.tensor([1, 2]).norm()
    with pytest.raises(NotImplementedError, match="nuc"):
        t.norm(p="nuc")
    x = _leaf(a)
    assert gradcheck(lambda v: v.norm(), (x,))
    assert gradcheck(lambda v: v.norm(p=3, dim=1), (x,))
    z = cygrad.zeros(3, dtype=cygrad.float64, requires_grad=True)
    z.norm().backward()
    check(z.grad, np.zeros(3))                 # PyTorch: a zero subgradient, not NaN


# ---------------------------------------------------------------------------- sampling
def test_multinomial_with_replacement_frequencies():
    g = cygrad.Generator().manual_seed(1)
    p = cygrad.tensor([[0.0, 1.0, 3.0, 0.0], [5.0, 0.0, 0.0, 5.0]])
    s = p.multinomial(40_000, replacement=True, generator=g)
    assert s.shape == (2, 40_000) and s.dtype is cygrad.int64
    counts = np.stack([np.bincount(to_np(s[r]), minlength=4) for r in range(2)])
    assert counts[0, 0] == 0 and counts[0, 3] == 0 and counts[1, 1] == 0 and counts[1, 2] == 0
    assert abs(counts[0, 2] / 40_000 - 0.75) < 0.01
    assert abs(counts[1, 0] / 40_000 - 0.5) < 0.01
    # reproducible through the generator and the global seed
    a = p.multinomial(5, True, generator=cygrad.Generator().manual_seed(7))
    b = p.multinomial(5, True, generator=cygrad.Generator().manual_seed(7))
    assert a.tolist() == b.tolist()
    cygrad.manual_seed(3)
    c = cygrad.multinomial(p[0], 6, replacement=True)
    cygrad.manual_seed(3)
    assert c.tolist() == cygrad.multinomial(p[0], 6, replacement=True).tolist()
    assert c.shape == (6,)


def test_multinomial_without_replacement():
    g = cygrad.Generator().manual_seed(2)
    p = cygrad.tensor([1.0, 2.0, 0.0, 4.0, 8.0], dtype=cygrad.float64)
    first = []
    for _ in range(3000):
        s = p.multinomial(3, generator=g).tolist()
        assert len(set(s)) == 3 and 2 not in s
        first.append(s[0])
    freq = np.bincount(first, minlength=5) / 3000
    np.testing.assert_allclose(freq, [1 / 15, 2 / 15, 0, 4 / 15, 8 / 15], atol=0.03)
    # all categories, the zero-probability one last
    s = p.multinomial(5, generator=g).tolist()
    assert sorted(s) == [0, 1, 2, 3, 4] and s[-1] == 2


def test_multinomial_errors():
    with pytest.raises(RuntimeError, match="element < 0"):
        cygrad.tensor([-1.0, 2.0]).multinomial(1)
    with pytest.raises(RuntimeError, match="element < 0"):
        cygrad.tensor([float("nan"), 2.0]).multinomial(1)
    with pytest.raises(RuntimeError, match="element < 0"):
        cygrad.tensor([float("inf"), 2.0]).multinomial(1, True)
    with pytest.raises(RuntimeError, match=r"sum of probabilities <= 0"):
        cygrad.tensor([[1.0, 1.0], [0.0, 0.0]]).multinomial(1)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        cygrad.tensor([1.0, 1.0]).multinomial(3)
    with pytest.raises(RuntimeError, match="n_sample <= 0"):
        cygrad.tensor([1.0, 1.0]).multinomial(0)
    with pytest.raises(RuntimeError, match="floating-point dtypes for input, got: Long"):
        cygrad.tensor([1, 1]).multinomial(1)
    with pytest.raises(RuntimeError, match="prob_dist must be 1 or 2 dim"):
        cygrad.tensor(1.0).multinomial(1)
    assert cygrad.ones(0, 3).multinomial(2).shape == (0, 2)


def test_randperm():
    g = cygrad.Generator().manual_seed(0)
    for n in (0, 1, 5, 1000):
        r = cygrad.randperm(n, generator=g)
        assert r.dtype is cygrad.int64 and sorted(r.tolist()) == list(range(n))
    assert cygrad.randperm(4, dtype=cygrad.float32).dtype is cygrad.float32
    with pytest.raises(RuntimeError, match="negative dimension"):
        cygrad.randperm(-1)
    a = cygrad.randperm(50, generator=cygrad.Generator().manual_seed(5)).tolist()
    assert a == cygrad.randperm(50, generator=cygrad.Generator().manual_seed(5)).tolist()
    assert a != list(range(50))


# ---------------------------------------------------------------------------- histograms
def test_histc_matches_numpy():
    rng = np.random.default_rng(14)
    a = rng.standard_normal(1000)
    check(from_np(a).histc(bins=10, min=-2, max=2),
          np.histogram(a[(a >= -2) & (a <= 2)], 10, (-2, 2))[0].astype(np.float64))
    check(cygrad.histc(from_np(a), bins=7),
          np.histogram(a, 7)[0].astype(np.float64))
    check(cygrad.tensor([1.0, 1.0, 1.0]).histc(4), np.array([0, 0, 3, 0], np.float32))
    check(cygrad.tensor([0.0, 1, 2, 3]).histc(3, 0, 3), np.array([1, 1, 2], np.float32))
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        cygrad.tensor([1.0]).histc(4, min=3, max=0)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        cygrad.tensor([1, 2]).histc()
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        cygrad.tensor([1.0]).histc(0)
    with pytest.raises(RuntimeError, match="not finite"):
        cygrad.tensor([1.0, float("inf")]).histc()


def test_histogram_matches_numpy():
    rng = np.random.default_rng(15)
    a = rng.standard_normal(500)
    w = rng.uniform(0, 1, 500)
    h = cygrad.histogram(from_np(a), 12, range=(-1.5, 2.0), weight=from_np(w), density=True)
    eh, ee = np.histogram(a, 12, (-1.5, 2.0), weights=w, density=True)
    check(h.hist, eh, rtol=1e-6)
    check(h.bin_edges, ee, rtol=1e-12)
    edges = np.array([-3.0, -1.0, 0.0, 0.5, 3.0])
    h = cygrad.histogram(from_np(a), from_np(edges))
    check(h.hist, np.histogram(a, edges)[0].astype(np.float64))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        cygrad.histogram(cygrad.tensor([1, 2]), 3)
    hist, bin_edges = cygrad.histogram(cygrad.tensor([1.0, 2, 1]), bins=4, range=(0.0, 3.0))
    check(hist, np.array([0, 2, 1, 0], np.float32))


# ---------------------------------------------------------------------------- PyTorch
def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(16)
    a = np.round(rng.standard_normal((4, 6, 5)) * 2)
    a[0, 0, 0] = np.nan
    t, tt = from_np(a), torch.from_numpy(a.copy())
    for dim in (0, 1, -1):
        for desc in (False, True):
            v, i = t.sort(dim, desc)
            tv, ti = tt.sort(dim=dim, descending=desc, stable=True)
            np.testing.assert_array_equal(to_np(i), ti.numpy())
            np.testing.assert_array_equal(to_np(v), tv.numpy())
        for k in (1, 3):
            v, i = t.topk(k, dim)
            tv, ti = tt.topk(k, dim)
            np.testing.assert_array_equal(to_np(v), tv.numpy())
        np.testing.assert_allclose(to_np(t.cumsum(dim)), tt.cumsum(dim).numpy())
        np.testing.assert_allclose(to_np(t.cumprod(dim)), tt.cumprod(dim).numpy())
    ti32 = torch.tensor([1, 2, 3], dtype=torch.int32)
    assert str(cygrad.tensor([1, 2, 3], dtype=cygrad.int32).cumsum(0).dtype).split(".")[1] \
        == str(ti32.cumsum(0).dtype).split(".")[1]
    b = rng.standard_normal((3, 4))
    cb, tb = from_np(b), torch.from_numpy(b)
    np.testing.assert_array_equal(to_np(cb.roll((1, -2), (0, 1))),
                                  tb.roll((1, -2), (0, 1)).numpy())
    np.testing.assert_array_equal(to_np(cb.roll(5)), tb.roll(5).numpy())
    np.testing.assert_array_equal(to_np(cb.tril(-1)), tb.tril(-1).numpy())
    np.testing.assert_array_equal(to_np(cb.triu(2)), tb.triu(2).numpy())
    np.testing.assert_array_equal(to_np(cb.repeat(2, 1, 3)), tb.repeat(2, 1, 3).numpy())
    np.testing.assert_allclose(to_np(cb.norm(p=3, dim=1)), tb.norm(p=3, dim=1).numpy())
    np.testing.assert_array_equal(to_np(cygrad.histc(cb, 5)), torch.histc(tb, 5).numpy())
    # gradients through the same graphs
    x = from_np(b).requires_grad_()
    tx = torch.from_numpy(b.copy()).requires_grad_()
    w = rng.standard_normal((3, 2))
    loss = (x.topk(2, 1).values * from_np(w)).sum() + x.cumprod(1).sum() + x.flip(0).roll(
        1, 1).tril().sum() + x.repeat(2, 2).pow(2).sum()
    tloss = (tx.topk(2, 1).values * torch.from_numpy(w)).sum() + tx.cumprod(1).sum() + \
        tx.flip(0).roll(1, 1).tril().sum() + tx.repeat(2, 2).pow(2).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-10)
    for name in ("sort", "topk", "cumsum", "cumprod", "flip", "roll", "tril", "triu"):
        node = getattr(x, name)(*((1,) if name == "topk" else (0,) if name in
                                  ("cumsum", "cumprod", "flip", "roll") else ()))
        node = node[0] if isinstance(node, tuple) else node
        tnode = getattr(tx, name)(*((1,) if name == "topk" else (0,) if name in
                                    ("cumsum", "cumprod", "flip", "roll") else ()))
        tnode = tnode[0] if isinstance(tnode, tuple) else tnode
        assert node.grad_fn.name() == tnode.grad_fn.name()
