"""Matrix products: matmul / ``@`` (all rank combinations, batch broadcasting), mm, bmm, mv, dot,
outer, addmm, baddbmm, tensordot, einsum, trace and diagonal.

Values are compared with NumPy computed in float64 (float32 results within 1e-4 of the largest
absolute value of the result, float64 within 1e-10) or exactly for integer dtypes, on operands
of every memory layout and on sizes that are not multiples of the GEMM tiles.
"""
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import cygrad
from conftest import (LAYOUTS, check, check_torch, collect, from_np, make_layout, np_dtype,
                      same_storage, sample, to_numpy, torch_dtype)

try:
    from hypothesis import given, strategies as st
except ImportError:  # pragma: no cover
    given = None

MM_DTYPES = [cygrad.float32, cygrad.float64, cygrad.int32, cygrad.int64]
DT_IDS = lambda d: repr(d).split(".")[1]  # noqa: E731

# tolerance relative to the largest absolute value of the (float64) reference
MM_RTOL = {cygrad.float32: 1e-4, cygrad.float64: 1e-10}


def check_mm(got, expected, dtype):
    """Assert ``got`` (cygrad) matches the reference ``expected`` (NumPy, any precision).

    Shape and dtype must match exactly; floating values must be within
    ``MM_RTOL[dtype] * max|expected|`` (so an all-zero reference requires exact zeros);
    integer values must be equal.
    """
    expected = np.asarray(expected)
    assert isinstance(got, cygrad.Tensor), f"expected a cygrad.Tensor, got {type(got).__name__}"
    assert got.dtype is dtype, f"dtype {got.dtype} != {dtype}"
    assert tuple(got.shape) == expected.shape, \
        f"shape {tuple(got.shape)} != expected {expected.shape}"
    g = to_numpy(got)
    if dtype in MM_RTOL:
        ref = expected.astype(np.float64)
        tol = MM_RTOL[dtype] * float(np.abs(ref).max(initial=0.0))
        assert not np.isnan(g).any(), "NaN in the result"
        np.testing.assert_allclose(g.astype(np.float64), ref, rtol=0, atol=tol)
    else:
        np.testing.assert_array_equal(g, expected.astype(np.dtype(np_dtype(dtype))))


def ref_matmul(a, b):
    """np.matmul in float64 for floating inputs, in the input dtype for integers."""
    if a.dtype.kind == "f":
        return np.matmul(a.astype(np.float64), b.astype(np.float64))
    return np.matmul(a, b)


def data(shape, dtype, seed=0):
    """Sample values: uniform in [-1, 1) for floats, integers in [-5, 5]."""
    if dtype in MM_RTOL:
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, size=shape).astype(np_dtype(dtype))
    return sample(shape, dtype, seed=seed)


# ---------------------------------------------------------------------------- matmul: ranks
MATMUL_SHAPES = [
    ((5,), (5,)),                    # dot -> 0-d
    ((1,), (1,)),
    ((3, 5), (5,)),                  # matrix @ vector
    ((5,), (5, 4)),                  # vector @ matrix
    ((3, 5), (5, 4)),
    ((1, 1), (1, 1)),
    ((1, 7), (7, 1)),
    ((7, 1), (1, 6)),                # K = 1: outer product
    ((2, 3, 4), (2, 4, 5)),          # batched, same batch
    ((2, 1, 4, 5), (3, 5, 6)),       # batch broadcasting -> (2, 3, 4, 6)
    ((1, 4, 5), (3, 5, 2)),
    ((3, 1, 4, 5), (1, 2, 5, 6)),
    ((4, 5), (2, 5, 3)),             # 2-d @ 3-d
    ((2, 4, 5), (5, 3)),             # 3-d @ 2-d
    ((5,), (2, 3, 5, 4)),            # 1-d @ N-d -> (2, 3, 4)
    ((2, 3, 4, 5), (5,)),            # N-d @ 1-d -> (2, 3, 4)
    ((5,), (1, 5, 1)),
    ((2, 1, 5), (5,)),
    ((2, 2, 1, 3, 4), (2, 1, 4, 2)),  # 5-d @ 4-d
    # zero-size dims
    ((0, 5), (5, 3)),                # M = 0
    ((3, 5), (5, 0)),                # N = 0
    ((3, 0), (0, 4)),                # K = 0 -> zeros
    ((0,), (0,)),                    # empty dot -> 0
    ((0,), (0, 3)),
    ((3, 0), (0,)),
    ((0, 3, 4), (4, 5)),             # empty batch
    ((2, 3, 0), (2, 0, 4)),          # batched K = 0 -> zeros
    ((2, 0, 3), (1, 3, 4)),
]


def _shape_id(p):
    return "x".join(map(str, p)) or "scalar"


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES,
                         ids=[f"{_shape_id(a)}@{_shape_id(b)}" for a, b in MATMUL_SHAPES])
def test_matmul_shapes(sa, sb, dtype):
    a, b = data(sa, dtype, 1), data(sb, dtype, 2)
    ta, tb = from_np(a), from_np(b)
    ref = ref_matmul(a, b)
    check_mm(cygrad.matmul(ta, tb), ref, dtype)
    check_mm(ta @ tb, ref, dtype)
    check_mm(ta.matmul(tb), ref, dtype)


def test_matmul_known_values():
    a = cygrad.tensor([[1., 2.], [3., 4.]])
    b = cygrad.tensor([[5., 6.], [7., 8.]])
    assert (a @ b).tolist() == [[19., 22.], [43., 50.]]
    v = cygrad.tensor([1., 2.])
    assert (a @ v).tolist() == [5., 11.]
    assert (v @ a).tolist() == [7., 10.]
    d = v @ v
    assert d.dim() == 0 and d.item() == 5.0
    i = cygrad.tensor([[1, 2], [3, 4]])
    assert (i @ i).tolist() == [[7, 10], [15, 22]] and (i @ i).dtype is cygrad.int64


def test_matmul_k0_gives_zeros_not_garbage():
    for dtype in MM_DTYPES:
        out = cygrad.matmul(cygrad.empty(9, 0, dtype=dtype), cygrad.empty(0, 11, dtype=dtype))
        check_mm(out, np.zeros((9, 11)), dtype)
        out = cygrad.empty(0, dtype=dtype) @ cygrad.empty(0, dtype=dtype)
        check_mm(out, np.zeros(()), dtype)


# ---------------------------------------------------------------------------- matmul: sizes
SIZES = [1, 2, 5, 7, 17, 33, 65, 129, 257]


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("s", SIZES)
def test_matmul_square_sizes(s, dtype):
    a, b = data((s, s), dtype, s), data((s, s), dtype, s + 1)
    check_mm(from_np(a) @ from_np(b), ref_matmul(a, b), dtype)


MNK = [(1, 257, 1), (257, 1, 257), (2, 129, 65), (5, 7, 17), (33, 65, 1), (1, 1, 129),
       (65, 33, 257), (129, 5, 2), (17, 257, 7), (7, 17, 129), (257, 2, 5), (3, 300, 4),
       (97, 300, 103), (100, 300, 100), (101, 300, 99)]


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("m, k, n", MNK, ids=[f"{m}x{k}x{n}" for m, k, n in MNK])
def test_matmul_rectangular_sizes(m, k, n, dtype):
    a, b = data((m, k), dtype, m), data((k, n), dtype, n)
    check_mm(cygrad.matmul(from_np(a), from_np(b)), ref_matmul(a, b), dtype)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("m, k, n", [(5, 7, 3), (17, 33, 9), (65, 129, 33)])
def test_matmul_batched_sizes(m, k, n, dtype):
    a, b = data((3, m, k), dtype, 5), data((3, k, n), dtype, 6)
    check_mm(from_np(a) @ from_np(b), ref_matmul(a, b), dtype)
    a2, b2 = data((2, 1, m, k), dtype, 7), data((3, k, n), dtype, 8)
    check_mm(from_np(a2) @ from_np(b2), ref_matmul(a2, b2), dtype)


def test_matmul_vector_sizes():
    for dtype in MM_DTYPES:
        for s in SIZES + [300]:
            a, b = data((s, 33), dtype, s), data((33,), dtype, 1)
            check_mm(from_np(a) @ from_np(b), ref_matmul(a, b), dtype)
            c, d = data((s,), dtype, 2), data((s, 17), dtype, 3)
            check_mm(from_np(c) @ from_np(d), ref_matmul(c, d), dtype)
            check_mm(from_np(c) @ from_np(c), ref_matmul(c, c), dtype)


# ---------------------------------------------------------------------------- matmul: layouts
@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64, cygrad.int64], ids=DT_IDS)
@pytest.mark.parametrize("layout_b", LAYOUTS)
@pytest.mark.parametrize("layout_a", LAYOUTS)
def test_matmul_layouts(layout_a, layout_b, dtype):
    a, b = data((17, 33), dtype, 1), data((33, 7), dtype, 2)
    ta, tb = make_layout(a, layout_a), make_layout(b, layout_b)
    check_mm(ta @ tb, ref_matmul(a, b), dtype)
    # the operands are untouched
    np.testing.assert_array_equal(to_numpy(ta), a)
    np.testing.assert_array_equal(to_numpy(tb), b)
    # batched operands of the same layouts
    a3, b3 = data((3, 5, 9), dtype, 3), data((3, 9, 4), dtype, 4)
    check_mm(make_layout(a3, layout_a) @ make_layout(b3, layout_b), ref_matmul(a3, b3), dtype)
    # vectors
    v = data((33,), dtype, 5)
    check_mm(ta @ make_layout(v, layout_b), ref_matmul(a, v), dtype)
    check_mm(make_layout(v, layout_a) @ tb, ref_matmul(v, b), dtype)


@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64], ids=DT_IDS)
@pytest.mark.parametrize("layout_b", LAYOUTS)
@pytest.mark.parametrize("layout_a", LAYOUTS)
def test_matmul_layouts_blocked(layout_a, layout_b, dtype):
    """K = 300 and M, N around 100: several cache blocks of non-contiguous operands."""
    a, b = data((97, 300), dtype, 11), data((300, 103), dtype, 12)
    check_mm(make_layout(a, layout_a) @ make_layout(b, layout_b), ref_matmul(a, b), dtype)


# row-major A is read in place by the register tiles (no packed copy) unless its rows lie a
# multiple of 4 KiB apart or alpha scales it; column-major A is packed MR reals per k. Each
# case here lands on one of those paths, with M past one cache block and not a multiple of
# the tile, so full, partial and block-edge tiles all run.
GEMM_A_PATHS = [  # (layout of A, M, K, N); K = None: rows exactly 4 KiB apart
    ("rows in place", 150, 300, 70),
    ("rows in place, row stride > K", 151, 300, 70),
    ("rows 4 KiB apart", 149, None, 40),
    ("column-major", 151, 300, 70),
    ("column-major, stepped", 148, 130, 70),
    # N <= 16: the narrow 12-row tiles, whose packed slivers are 12 rows wide
    ("column-major", 6, 12, 15),
    ("column-major", 30, 13, 14),
    ("rows in place", 30, 40, 9),
]


@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64], ids=DT_IDS)
@pytest.mark.parametrize("case", GEMM_A_PATHS, ids=[f"{c[0]}-{c[1]}x{c[3]}" for c in GEMM_A_PATHS])
def test_matmul_a_read_in_place_or_packed(case, dtype):
    name, m, k, n = case
    if k is None:
        k = 4096 // np.dtype(np_dtype(dtype)).itemsize
    a = data((m, k), dtype, 21)
    b = data((k, n), dtype, 22)
    if name == "rows in place, row stride > K":
        wide = data((m, k + 37), dtype, 23)
        wide[:, :k] = a
        ta = from_np(wide)[:, :k]
    elif name == "column-major":
        ta = from_np(np.ascontiguousarray(a.T)).T
    elif name == "column-major, stepped":
        big = data((2 * k, m), dtype, 24)
        big[::2] = a.T
        ta = from_np(big)[::2].T
    else:
        ta = from_np(a)
    # the operand has the layout the case names (so it takes the path meant)
    if name.startswith("column-major"):
        assert ta.stride()[0] == 1 and ta.stride()[1] >= m, ta.stride()
    else:
        assert ta.stride()[1] == 1 and ta.stride()[0] >= k, ta.stride()
    if name == "rows 4 KiB apart":
        assert ta.stride()[0] * ta.element_size() == 4096
    check_mm(ta @ from_np(b), ref_matmul(a, b), dtype)
    # alpha != 1 always packs (the packed copy is scaled); beta adds the input
    c = data((m, n), dtype, 25)
    got = cygrad.addmm(from_np(c), ta, from_np(b), beta=0.5, alpha=0.25)
    check_mm(got, 0.5 * c.astype(np.float64) + 0.25 * ref_matmul(a, b), dtype)


@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64], ids=DT_IDS)
@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 20])
@pytest.mark.parametrize("k", [1, 2, 257])
def test_matmul_edge_tile_heights(m, k, dtype):
    """The last row tile is 2, 4 or 6 rows tall by what is left of M (the 2-row tile splits
    even and odd k into two sums: odd K has a tail step), A packed or read in place, and
    a last column sliver that is partly filled."""
    n = 70
    a, b = data((m, k), dtype, 31), data((k, n), dtype, 32)
    ref = ref_matmul(a, b)
    check_mm(from_np(a) @ from_np(b), ref, dtype)                        # rows in place
    check_mm(from_np(np.ascontiguousarray(a.T)).T @ from_np(b), ref, dtype)  # packed
    c = data((m, n), dtype, 33)
    got = cygrad.addmm(from_np(c), from_np(a), from_np(b), beta=1.0, alpha=0.5)
    check_mm(got, c.astype(np.float64) + 0.5 * ref, dtype)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m, k, n", [(1, 512, 5), (3, 517, 6), (6, 784, 10), (9, 600, 16),
                                     (257, 784, 7), (13, 1031, 3), (5, 2048, 1 + 1)])
def test_matmul_few_columns_long_k(m, k, n, threads):
    """Up to 16 output columns with a long K run as tiles of 4 x 4 dot products of rows:
    edge rows and columns of every count, K with a tail past the last vector, B transposed
    or not, the threads' shares of rows, and beta / alpha through addmm."""
    old = cygrad.get_num_threads()
    cygrad.set_num_threads(threads)
    try:
        dtype = cygrad.float32
        a, b = data((m, k), dtype, 41), data((k, n), dtype, 42)
        ref = ref_matmul(a, b)
        check_mm(from_np(a) @ from_np(b), ref, dtype)
        check_mm(from_np(a) @ from_np(np.ascontiguousarray(b.T)).T, ref, dtype)
        c = data((m, n), dtype, 43)
        got = cygrad.addmm(from_np(c), from_np(a), from_np(b), beta=0.5, alpha=-2.0)
        check_mm(got, 0.5 * c.astype(np.float64) - 2.0 * ref, dtype)
        out = from_np(np.full((n, m), np.nan, np.float32)).T          # column-major C
        cygrad.matmul(from_np(a), from_np(b), out=out)
        check_mm(out, ref, dtype)
    finally:
        cygrad.set_num_threads(old)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_matmul_transpose_views(dtype):
    a, b = data((33, 17), dtype, 1), data((7, 33), dtype, 2)
    ta, tb = from_np(a), from_np(b)
    check_mm(ta.T @ tb.T, ref_matmul(a.T, b.T), dtype)
    check_mm(ta.mT @ tb.mT, ref_matmul(a.T, b.T), dtype)
    check_mm(tb @ ta, ref_matmul(b, a), dtype)
    check_mm(ta.t() @ ta, ref_matmul(a.T, a), dtype)          # same storage on both sides
    check_mm(ta @ ta.T, ref_matmul(a, a.T), dtype)
    a3, b3 = data((4, 9, 5), dtype, 3), data((4, 6, 9), dtype, 4)
    check_mm(from_np(a3).mT @ from_np(b3).mT,
             ref_matmul(np.swapaxes(a3, -1, -2), np.swapaxes(b3, -1, -2)), dtype)
    check_mm(from_np(a3).transpose(1, 2) @ from_np(b3).transpose(-1, -2),
             ref_matmul(np.swapaxes(a3, 1, 2), np.swapaxes(b3, 1, 2)), dtype)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_matmul_stepped_slices(dtype):
    big_a, big_b = data((40, 70), dtype, 1), data((70, 50), dtype, 2)
    ta, tb = from_np(big_a), from_np(big_b)
    a, b = big_a[::2, 1::3], big_b[1::3, ::2]      # (20, 23) @ (23, 25)
    check_mm(ta[::2, 1::3] @ tb[1::3, ::2], ref_matmul(a, b), dtype)
    check_mm(ta[1:18, 3:40] @ tb[5:42, 2:9], ref_matmul(big_a[1:18, 3:40], big_b[5:42, 2:9]),
             dtype)
    check_mm(ta[::3, ::7] @ tb[::7, ::5], ref_matmul(big_a[::3, ::7], big_b[::7, ::5]), dtype)
    # stepped 1-d operands
    check_mm(ta[::2, 1::3] @ tb[1::3, 4], ref_matmul(a, big_b[1::3, 4]), dtype)
    check_mm(ta[3, 1::3] @ tb[1::3, ::2], ref_matmul(big_a[3, 1::3], b), dtype)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_matmul_negative_strides(dtype):
    a, b = data((33, 65), dtype, 1), data((65, 17), dtype, 2)
    for fa, fb in [(np.flip(a), np.flip(b)), (np.flip(a, 0), b), (a, np.flip(b, 1)),
                   (np.flip(a, 1), np.flip(b, 0)), (np.flip(a)[::2, ::-3], np.flip(b)[::-3])]:
        check_mm(cygrad.from_numpy(fa) @ cygrad.from_numpy(fb), ref_matmul(fa, fb), dtype)
    v = data((65,), dtype, 3)
    check_mm(cygrad.from_numpy(a) @ cygrad.from_numpy(v[::-1]), ref_matmul(a, v[::-1]), dtype)
    check_mm(cygrad.from_numpy(v[::-1]) @ cygrad.from_numpy(v), ref_matmul(v[::-1], v), dtype)
    a3 = data((3, 5, 65), dtype, 4)
    f3 = np.flip(a3)
    check_mm(cygrad.from_numpy(f3) @ cygrad.from_numpy(b), ref_matmul(f3, b), dtype)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_matmul_expanded_operands(dtype):
    # a row repeated with stride 0 (the whole matrix is one row of memory)
    row, col = data((1, 33), dtype, 1), data((17, 1), dtype, 2)
    b = data((33, 17), dtype, 3)
    er = from_np(row).expand(9, 33)
    assert er.stride()[0] == 0
    check_mm(er @ from_np(b), ref_matmul(np.broadcast_to(row, (9, 33)), b), dtype)
    ec = from_np(col).expand(17, 5)
    check_mm(from_np(b) @ ec, ref_matmul(b, np.broadcast_to(col, (17, 5))), dtype)
    # a scalar expanded to a matrix (all strides 0)
    s = data((1, 1), dtype, 4)
    es = from_np(s).expand(33, 33)
    check_mm(es @ from_np(b), ref_matmul(np.broadcast_to(s, (33, 33)), b), dtype)
    # expanded (stride 0) batch dims on both sides
    a = data((1, 5, 9), dtype, 5)
    c = data((3, 1, 9, 4), dtype, 6)
    ea = from_np(a).expand(3, 2, 5, 9)
    eb = from_np(c).expand(3, 2, 9, 4)
    assert ea.stride()[:2] == (0, 0) and eb.stride()[1] == 0
    ra, rc = np.broadcast_to(a, (3, 2, 5, 9)), np.broadcast_to(c, (3, 2, 9, 4))
    check_mm(ea @ eb, ref_matmul(ra, rc), dtype)
    check_mm(ea @ from_np(c), ref_matmul(ra, c), dtype)
    check_mm(from_np(a) @ eb, ref_matmul(a, rc), dtype)
    check_mm(ea @ from_np(c).expand(3, 4, 9, 4)[:, ::2], ref_matmul(ra, rc), dtype)
    # bmm / matmul where the batch of one operand is an expanded single matrix
    m = data((9, 4), dtype, 7)
    bm = from_np(m).expand(6, 9, 4)
    a6 = data((6, 5, 9), dtype, 8)
    check_mm(cygrad.bmm(from_np(a6), bm), ref_matmul(a6, np.broadcast_to(m, (6, 9, 4))), dtype)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_matmul_noncontiguous_batch(dtype):
    # the batch dim is not the outermost one in memory
    a = data((5, 4, 7), dtype, 1)        # (M, B, K) -> permute to (B, M, K)
    b = data((7, 4, 3), dtype, 2)        # (K, B, N) -> permute to (B, K, N)
    ta = from_np(a).permute(1, 0, 2)
    tb = from_np(b).permute(1, 0, 2)
    ra, rb = np.transpose(a, (1, 0, 2)), np.transpose(b, (1, 0, 2))
    check_mm(ta @ tb, ref_matmul(ra, rb), dtype)
    check_mm(cygrad.bmm(ta, tb), ref_matmul(ra, rb), dtype)
    # stepped batch
    big = data((9, 6, 7), dtype, 3)
    check_mm(from_np(big)[::2] @ from_np(b).permute(1, 0, 2)[:1],
             ref_matmul(big[::2], rb[:1]), dtype)
    # 4-d with the batch dims swapped
    c = data((3, 2, 5, 6), dtype, 4)
    d = data((2, 3, 6, 4), dtype, 5)
    check_mm(from_np(c).transpose(0, 1) @ from_np(d),
             ref_matmul(np.swapaxes(c, 0, 1), d), dtype)


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_matmul_batch_times_matrix_folds_every_layout(dtype):
    # a batch against one matrix runs as one product with the batch in its rows: as a
    # view when the batch walks memory with the row stride, through a copy otherwise
    a = data((4, 6, 9, 7), dtype, 6)
    b = data((7, 5), dtype, 7)
    tb = from_np(b)
    views = {
        "contiguous": (lambda t: t, lambda x: x),
        "batch transposed": (lambda t: t.transpose(0, 2), lambda x: np.swapaxes(x, 0, 2)),
        "rows flipped": (lambda t: t.flip(2), lambda x: x[:, :, ::-1]),
        "stepped batch": (lambda t: t[::2, 1:], lambda x: x[::2, 1:]),
        "size-1 dims": (lambda t: t[1:2, :, 3:4], lambda x: x[1:2, :, 3:4]),
        "expanded batch": (lambda t: t[:1].expand(3, 6, 9, 7), lambda x: np.broadcast_to(
            x[:1], (3, 6, 9, 7))),
        "K-strided": (lambda t: t[..., ::2], lambda x: x[..., ::2]),
    }
    for name, (view, ref) in views.items():
        ta = view(from_np(a))
        bb = b if ta.shape[-1] == 7 else b[::2]
        got = ta @ (tb if ta.shape[-1] == 7 else tb[::2])
        check_mm(got, ref_matmul(ref(a), bb), dtype)
        assert got.is_contiguous(), name
    # a 1-d right operand, empty batches and empty rows
    check_mm(from_np(a).transpose(1, 2) @ from_np(b[:, 0].copy()),
             ref_matmul(np.swapaxes(a, 1, 2), b[:, 0]), dtype)
    check_mm(from_np(a[:0]) @ tb, ref_matmul(a[:0], b), dtype)
    check_mm(from_np(a[:, :, :0]) @ tb, ref_matmul(a[:, :, :0], b), dtype)


def test_matmul_result_is_new_tensor():
    a, b = from_np(data((4, 5), cygrad.float32)), from_np(data((5, 3), cygrad.float32, 1))
    out = a @ b
    assert not same_storage(out, a) and not same_storage(out, b)
    assert out.is_contiguous()
    before = to_numpy(out)
    a.fill_(0)
    np.testing.assert_array_equal(to_numpy(out), before)


def test_matmul_special_values():
    a = np.array([[np.inf, 1.0], [np.nan, 2.0], [1.0, 1.0]])
    b = np.array([[1.0, 0.0], [2.0, 3.0]])
    for dt in (np.float32, np.float64):
        got = to_numpy(from_np(a.astype(dt)) @ from_np(b.astype(dt)))
        with np.errstate(invalid="ignore"):
            ref = a @ b
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_array_equal(got[~np.isnan(ref)], ref[~np.isnan(ref)])


# ---------------------------------------------------------------------------- matmul: dtypes
def test_matmul_dtype_preserved():
    for dtype in MM_DTYPES:
        a = cygrad.ones(3, 4, dtype=dtype)
        assert (a @ cygrad.ones(4, 2, dtype=dtype)).dtype is dtype
        assert (a @ cygrad.ones(4, dtype=dtype)).dtype is dtype
        assert (cygrad.ones(4, dtype=dtype) @ cygrad.ones(4, dtype=dtype)).dtype is dtype


@pytest.mark.parametrize("sa, sb", [((2, 3), (3, 2)), ((3,), (3,)), ((2, 3), (3,)),
                                    ((3,), (3, 2)), ((2, 2, 3), (2, 3, 2)), ((2, 3), (2, 3, 4))])
def test_matmul_bool_raises(sa, sb):
    a = cygrad.ones(*sa, dtype=cygrad.bool)
    b = cygrad.ones(*sb, dtype=cygrad.bool)
    with pytest.raises(RuntimeError):
        cygrad.matmul(a, b)
    with pytest.raises(RuntimeError):
        a @ b


def test_mm_bool_raises():
    with pytest.raises(RuntimeError):
        cygrad.mm(cygrad.ones(2, 3, dtype=cygrad.bool), cygrad.ones(3, 2, dtype=cygrad.bool))
    with pytest.raises(RuntimeError):
        cygrad.dot(cygrad.ones(3, dtype=cygrad.bool), cygrad.ones(3, dtype=cygrad.bool))


@pytest.mark.parametrize("da, db", [(cygrad.float32, cygrad.float64),
                                    (cygrad.float64, cygrad.float32),
                                    (cygrad.int64, cygrad.int32),
                                    (cygrad.int32, cygrad.float32),
                                    (cygrad.float32, cygrad.int64)],
                         ids=lambda d: DT_IDS(d))
def test_matmul_mixed_dtypes_raise(da, db):
    a, b = cygrad.ones(2, 3, dtype=da), cygrad.ones(3, 2, dtype=db)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        a @ b
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        cygrad.mm(a, b)
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 2, 3), (2, 3, 2)),
                   ((2, 3), (4, 3, 2))]:
        with pytest.raises(RuntimeError):
            cygrad.ones(*sa, dtype=da) @ cygrad.ones(*sb, dtype=db)
    with pytest.raises(RuntimeError):
        cygrad.bmm(cygrad.ones(2, 2, 3, dtype=da), cygrad.ones(2, 3, 2, dtype=db))
    with pytest.raises(RuntimeError):
        cygrad.mv(cygrad.ones(2, 3, dtype=da), cygrad.ones(3, dtype=db))
    with pytest.raises(RuntimeError):
        cygrad.dot(cygrad.ones(3, dtype=da), cygrad.ones(3, dtype=db))


# ---------------------------------------------------------------------------- matmul: errors
def test_matmul_2d_mismatch_message():
    a, b = cygrad.zeros(4, 3), cygrad.zeros(2, 1)
    for fn in (cygrad.matmul, lambda x, y: x @ y, cygrad.mm, lambda x, y: x.mm(y)):
        with pytest.raises(RuntimeError) as exc:
            fn(a, b)
        assert str(exc.value) == "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x1)"


def _mentions(msg, n):
    return re.search(rf"(?<!\d){n}(?!\d)", msg) is not None


@pytest.mark.parametrize("sa, sb, sizes", [
    ((2, 3), (4,), (3, 4)),
    ((3,), (4,), (3, 4)),
    ((4,), (2, 3), (4, 2)),
    ((2, 2, 3), (2, 4, 5), (3, 4)),
    ((2, 2, 3), (4,), (3, 4)),
    ((5,), (2, 4, 3), (5, 4)),
    ((2, 3), (2, 4, 5), (3, 4)),
    ((2, 5, 3), (4, 7), (3, 4)),
    ((2, 2, 3), (3, 3, 5), (2, 3)),   # batch dims do not broadcast
    ((4, 2, 2, 3), (5, 3, 2), (2, 5)),
])
def test_matmul_mismatch_messages(sa, sb, sizes):
    with pytest.raises(RuntimeError) as exc:
        cygrad.zeros(*sa) @ cygrad.zeros(*sb)
    msg = str(exc.value)
    for n in sizes:
        assert _mentions(msg, n), f"message {msg!r} does not mention {n}"


@pytest.mark.parametrize("sa, sb", [((), (3,)), ((3,), ()), ((), ()), ((), (2, 3)),
                                    ((2, 3), ())])
def test_matmul_0d_raises(sa, sb):
    a, b = cygrad.ones(sa), cygrad.ones(sb)
    with pytest.raises(RuntimeError):
        cygrad.matmul(a, b)
    with pytest.raises(RuntimeError):
        a @ b


# ---------------------------------------------------------------------------- mm / bmm / mv / dot
@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_mm(dtype):
    a, b = data((17, 33), dtype, 1), data((33, 9), dtype, 2)
    ta, tb = from_np(a), from_np(b)
    check_mm(cygrad.mm(ta, tb), ref_matmul(a, b), dtype)
    check_mm(ta.mm(tb), ref_matmul(a, b), dtype)
    check_mm(cygrad.mm(tb.T, ta.T), ref_matmul(b.T, a.T), dtype)
    check_mm(cygrad.mm(cygrad.zeros(0, 3, dtype=dtype), cygrad.zeros(3, 2, dtype=dtype)),
             np.zeros((0, 2)), dtype)
    check_mm(cygrad.mm(cygrad.ones(2, 0, dtype=dtype), cygrad.ones(0, 3, dtype=dtype)),
             np.zeros((2, 3)), dtype)


@pytest.mark.parametrize("sa, sb", [((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)), ((4,), (4, 2)),
                                    ((3, 4), (4,)), ((), (4, 2)), ((2, 3), (4, 2))])
def test_mm_rank_and_shape_errors(sa, sb):
    with pytest.raises(RuntimeError):
        cygrad.mm(cygrad.ones(sa), cygrad.ones(sb))
    with pytest.raises(RuntimeError):
        cygrad.ones(sa).mm(cygrad.ones(sb))


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
def test_bmm(dtype):
    a, b = data((4, 9, 17), dtype, 1), data((4, 17, 5), dtype, 2)
    ta, tb = from_np(a), from_np(b)
    check_mm(cygrad.bmm(ta, tb), ref_matmul(a, b), dtype)
    check_mm(ta.bmm(tb), ref_matmul(a, b), dtype)
    check_mm(cygrad.bmm(tb.mT, ta.mT), ref_matmul(np.swapaxes(b, 1, 2), np.swapaxes(a, 1, 2)),
             dtype)
    check_mm(cygrad.bmm(cygrad.ones(0, 2, 3, dtype=dtype), cygrad.ones(0, 3, 4, dtype=dtype)),
             np.zeros((0, 2, 4)), dtype)
    check_mm(cygrad.bmm(cygrad.ones(3, 2, 0, dtype=dtype), cygrad.ones(3, 0, 4, dtype=dtype)),
             np.zeros((3, 2, 4)), dtype)


@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 2)), ((2, 3, 4), (3, 4, 2)),
                                    ((2, 3, 4), (2, 5, 2)), ((1, 3, 4), (2, 4, 2)),
                                    ((2, 3, 4), (4, 2)), ((2, 2, 3, 4), (2, 2, 4, 2)),
                                    ((4,), (2, 4, 2))])
def test_bmm_errors(sa, sb):
    with pytest.raises(RuntimeError):
        cygrad.bmm(cygrad.ones(sa), cygrad.ones(sb))
    with pytest.raises(RuntimeError):
        cygrad.ones(sa).bmm(cygrad.ones(sb))


@pytest.mark.parametrize("layout_v", LAYOUTS)
@pytest.mark.parametrize("layout_m", LAYOUTS)
def test_mv_layouts(layout_m, layout_v):
    for dtype in MM_DTYPES:
        m, v = data((33, 17), dtype, 1), data((17,), dtype, 2)
        tm, tv = make_layout(m, layout_m), make_layout(v, layout_v)
        check_mm(cygrad.mv(tm, tv), ref_matmul(m, v), dtype)
        check_mm(tm.mv(tv), ref_matmul(m, v), dtype)


def test_mv_sizes_and_errors():
    for s in [0, 1, 7, 129, 257]:
        m, v = data((s, 65), cygrad.float64, s), data((65,), cygrad.float64, 1)
        check_mm(cygrad.mv(from_np(m), from_np(v)), m @ v, cygrad.float64)
        m, v = data((9, s), cygrad.float32, s), data((s,), cygrad.float32, 1)
        check_mm(cygrad.mv(from_np(m), from_np(v)), ref_matmul(m, v), cygrad.float32)
    for sm, sv in [((3, 4), (3,)), ((3, 4), (4, 1)), ((4,), (4,)), ((2, 3, 4), (4,)),
                   ((3, 4), ())]:
        with pytest.raises(RuntimeError):
            cygrad.mv(cygrad.ones(sm), cygrad.ones(sv))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_dot(layout):
    for dtype in MM_DTYPES:
        for n in [0, 1, 5, 17, 129, 1000]:
            a, b = data((n,), dtype, n), data((n,), dtype, n + 1)
            ta, tb = make_layout(a, layout), make_layout(b, "contiguous")
            r = cygrad.dot(ta, tb)
            check_mm(r, ref_matmul(a, b), dtype)
            assert r.dim() == 0
            check_mm(tb.dot(ta), ref_matmul(b, a), dtype)


def test_dot_errors():
    for sa, sb in [((3,), (4,)), ((3, 1), (3, 1)), ((), ()), ((3,), (1, 3)), ((2, 3), (3,))]:
        with pytest.raises(RuntimeError):
            cygrad.dot(cygrad.ones(sa), cygrad.ones(sb))
        with pytest.raises(RuntimeError):
            cygrad.ones(sa).dot(cygrad.ones(sb))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_outer(layout):
    for dtype in MM_DTYPES:
        a, b = data((7,), dtype, 1), data((5,), dtype, 2)
        ta, tb = make_layout(a, layout), make_layout(b, layout)
        ref = np.outer(a, b)
        check(cygrad.outer(ta, tb), ref)       # exact: one product per element
        check(ta.outer(tb), ref)
        check(cygrad.outer(tb, ta), np.outer(b, a))
    check(cygrad.outer(cygrad.zeros(0), cygrad.zeros(3)), np.zeros((0, 3), np.float32))
    check(cygrad.outer(cygrad.ones(3), cygrad.ones(0)), np.zeros((3, 0), np.float32))


def test_outer_errors():
    for sa, sb in [((3, 1), (2,)), ((3,), (2, 1)), ((), (2,)), ((3,), ())]:
        with pytest.raises(RuntimeError):
            cygrad.outer(cygrad.ones(sa), cygrad.ones(sb))


# ---------------------------------------------------------------------------- addmm / baddbmm
@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64], ids=DT_IDS)
@pytest.mark.parametrize("in_shape", [(5, 4), (4,), (1, 4), (5, 1), (1, 1), ()])
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0), (-1.5, 0.25), (0, 3), (2, 0)])
def test_addmm(in_shape, beta, alpha, dtype):
    inp, m1, m2 = data(in_shape, dtype, 1), data((5, 7), dtype, 2), data((7, 4), dtype, 3)
    ref = beta * inp.astype(np.float64) + alpha * ref_matmul(m1, m2)
    out = cygrad.addmm(from_np(inp), from_np(m1), from_np(m2), beta=beta, alpha=alpha)
    check_mm(out, ref, dtype)


def test_addmm_defaults_and_layouts():
    for dtype in MM_DTYPES:
        inp, m1, m2 = data((33, 17), dtype, 1), data((33, 65), dtype, 2), data((65, 17), dtype, 3)
        ref = inp + ref_matmul(m1, m2)
        check_mm(cygrad.addmm(from_np(inp), from_np(m1), from_np(m2)), ref, dtype)
        for layout in LAYOUTS:
            check_mm(cygrad.addmm(make_layout(inp, layout), make_layout(m1, layout),
                                  make_layout(m2, layout)), ref, dtype)


def test_addmm_int_alpha_beta():
    for dtype in (cygrad.int32, cygrad.int64):
        inp, m1, m2 = data((3, 4), dtype, 1), data((3, 5), dtype, 2), data((5, 4), dtype, 3)
        out = cygrad.addmm(from_np(inp), from_np(m1), from_np(m2), beta=2, alpha=-3)
        check_mm(out, 2 * inp - 3 * (m1 @ m2), dtype)


def test_addmm_beta_zero_ignores_nan_input():
    inp = cygrad.full((2, 3), float("nan"))
    m1, m2 = data((2, 4), cygrad.float32, 1), data((4, 3), cygrad.float32, 2)
    out = cygrad.addmm(inp, from_np(m1), from_np(m2), beta=0)
    check_mm(out, ref_matmul(m1, m2), cygrad.float32)
    out = cygrad.addmm(cygrad.full((3,), float("inf")), from_np(m1), from_np(m2), beta=0,
                       alpha=2)
    check_mm(out, 2 * ref_matmul(m1, m2), cygrad.float32)


def test_addmm_does_not_modify_input():
    inp = data((3, 4), cygrad.float64, 1)
    t = from_np(inp)
    cygrad.addmm(t, cygrad.ones(3, 2, dtype=cygrad.float64), cygrad.ones(2, 4, dtype=cygrad.float64))
    np.testing.assert_array_equal(to_numpy(t), inp)


def test_addmm_errors():
    with pytest.raises(RuntimeError):  # mat shapes
        cygrad.addmm(cygrad.ones(2, 4), cygrad.ones(2, 3), cygrad.ones(4, 4))
    with pytest.raises(RuntimeError):  # input not broadcastable to (2, 4)
        cygrad.addmm(cygrad.ones(3, 4), cygrad.ones(2, 3), cygrad.ones(3, 4))
    with pytest.raises(RuntimeError):  # 3-d mats
        cygrad.addmm(cygrad.ones(2, 4), cygrad.ones(1, 2, 3), cygrad.ones(3, 4))
    with pytest.raises(RuntimeError):  # dtype mismatch
        cygrad.addmm(cygrad.ones(2, 4), cygrad.ones(2, 3),
                     cygrad.ones(3, 4, dtype=cygrad.float64))
    with pytest.raises(TypeError):     # beta and alpha are keyword-only
        cygrad.addmm(cygrad.ones(2, 4), cygrad.ones(2, 3), cygrad.ones(3, 4), 1, 1)


@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64], ids=DT_IDS)
@pytest.mark.parametrize("in_shape", [(3, 5, 4), (5, 4), (4,), (1, 5, 4), (3, 1, 1), ()])
@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, -2.0), (0, 1.5)])
def test_baddbmm(in_shape, beta, alpha, dtype):
    inp, b1, b2 = data(in_shape, dtype, 1), data((3, 5, 9), dtype, 2), data((3, 9, 4), dtype, 3)
    ref = beta * inp.astype(np.float64) + alpha * ref_matmul(b1, b2)
    out = cygrad.baddbmm(from_np(inp), from_np(b1), from_np(b2), beta=beta, alpha=alpha)
    check_mm(out, ref, dtype)


def test_baddbmm_defaults_layouts_and_ints():
    for dtype in MM_DTYPES:
        inp, b1, b2 = data((2, 17, 7), dtype, 1), data((2, 17, 33), dtype, 2), \
            data((2, 33, 7), dtype, 3)
        ref = inp + ref_matmul(b1, b2)
        for layout in LAYOUTS:
            check_mm(cygrad.baddbmm(make_layout(inp, layout), make_layout(b1, layout),
                                    make_layout(b2, layout)), ref, dtype)
    inp = cygrad.full((2, 3, 4), float("nan"))
    b1, b2 = data((2, 3, 5), cygrad.float32, 1), data((2, 5, 4), cygrad.float32, 2)
    check_mm(cygrad.baddbmm(inp, from_np(b1), from_np(b2), beta=0), ref_matmul(b1, b2),
             cygrad.float32)
    i1, i2 = data((2, 3, 5), cygrad.int64, 1), data((2, 5, 4), cygrad.int64, 2)
    out = cygrad.baddbmm(cygrad.ones(2, 3, 4, dtype=cygrad.int64), from_np(i1), from_np(i2),
                         beta=3, alpha=2)
    check_mm(out, 3 + 2 * (i1 @ i2), cygrad.int64)


def test_baddbmm_errors():
    with pytest.raises(RuntimeError):  # batch mismatch
        cygrad.baddbmm(cygrad.ones(2, 3, 4), cygrad.ones(2, 3, 5), cygrad.ones(3, 5, 4))
    with pytest.raises(RuntimeError):  # inner mismatch
        cygrad.baddbmm(cygrad.ones(2, 3, 4), cygrad.ones(2, 3, 5), cygrad.ones(2, 6, 4))
    with pytest.raises(RuntimeError):  # 2-d batches
        cygrad.baddbmm(cygrad.ones(3, 4), cygrad.ones(3, 5), cygrad.ones(5, 4))
    with pytest.raises(RuntimeError):  # input not broadcastable
        cygrad.baddbmm(cygrad.ones(2, 2, 4), cygrad.ones(2, 3, 5), cygrad.ones(2, 5, 4))


# ---------------------------------------------------------------------------- tensordot
TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2, 2),
    ((2, 3, 4), (4, 5), 1, 1),
    ((2, 3), (4, 5), 0, 0),
    ((3, 4), (3, 4), 2, 2),
    ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0]), ([1, 2], [1, 0])),
    ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]], ([1, 2], [1, 0])),
    ((2, 3, 4), (4, 3, 5), ([2], [0]), ([2], [0])),
    ((2, 3, 4), (4, 3, 5), ([-1], [0]), ([2], [0])),
    ((5, 2, 3), (3, 7, 5), ([0, 2], [2, 0]), ([0, 2], [2, 0])),
    ((17, 33), (33, 9), 1, 1),
    ((3, 0, 4), (0, 4, 2), 2, 2),
]


@pytest.mark.parametrize("dtype", MM_DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("sa, sb, dims, np_axes", TENSORDOT_CASES)
def test_tensordot(sa, sb, dims, np_axes, dtype):
    a, b = data(sa, dtype, 1), data(sb, dtype, 2)
    if dtype in MM_RTOL:
        ref = np.tensordot(a.astype(np.float64), b.astype(np.float64), axes=np_axes)
    else:
        ref = np.tensordot(a, b, axes=np_axes)
    check_mm(cygrad.tensordot(from_np(a), from_np(b), dims=dims), ref, dtype)
    for layout in ("transposed", "negative", "sliced"):
        check_mm(cygrad.tensordot(make_layout(a, layout), make_layout(b, layout), dims=dims),
                 ref, dtype)


def test_tensordot_default_dims_is_2():
    a, b = data((2, 3, 4), cygrad.float64, 1), data((3, 4, 5), cygrad.float64, 2)
    check_mm(cygrad.tensordot(from_np(a), from_np(b)), np.tensordot(a, b), cygrad.float64)


def test_tensordot_errors():
    with pytest.raises(RuntimeError):
        cygrad.tensordot(cygrad.ones(2, 3), cygrad.ones(4, 5), dims=1)
    with pytest.raises(RuntimeError):
        cygrad.tensordot(cygrad.ones(2, 3, 4), cygrad.ones(4, 3, 5), dims=([1, 2], [0, 1]))


# ---------------------------------------------------------------------------- einsum
EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk->ik", [(17, 33), (33, 9)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ji,jk->ik", [(4, 3), (4, 5)]),
    ("i,i->", [(7,)] * 2),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 5, 4), (2, 3, 6, 4)]),
    ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("ij,jk", [(3, 4), (4, 5)]),            # implicit output
    ("ij,jk->ki", [(3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij,jk->ik", [(3, 0), (0, 5)]),
]


@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64, cygrad.int64], ids=DT_IDS)
@pytest.mark.parametrize("eq, shapes", EINSUM_CASES,
                         ids=[f"{e}:{'_'.join(_shape_id(s) for s in sh)}"
                              for e, sh in EINSUM_CASES])
def test_einsum(eq, shapes, dtype):
    arrays = [data(s, dtype, i + 1) for i, s in enumerate(shapes)]
    if dtype in MM_RTOL:
        ref = np.einsum(eq, *[x.astype(np.float64) for x in arrays])
    else:
        ref = np.einsum(eq, *arrays)
    check_mm(cygrad.einsum(eq, *[from_np(x) for x in arrays]), ref, dtype)
    check_mm(cygrad.einsum(eq, [from_np(x) for x in arrays]), ref, dtype)  # list form
    check_mm(cygrad.einsum(eq, *[make_layout(x, "transposed") for x in arrays]), ref, dtype)


def test_einsum_diagonal_patterns():
    a = data((4, 4), cygrad.float64, 1)
    check_mm(cygrad.einsum("ii->i", from_np(a)), np.einsum("ii->i", a), cygrad.float64)
    check_mm(cygrad.einsum("ii->", from_np(a)), np.einsum("ii->", a), cygrad.float64)


def test_einsum_spaces():
    b = data((3, 4), cygrad.float64, 2)
    check_mm(cygrad.einsum(" ij , jk -> ik ", from_np(b.T), from_np(b)),
             np.einsum("ij,jk->ik", b.T, b), cygrad.float64)


def test_einsum_ellipsis():
    a, b = data((5, 2, 3), cygrad.float64, 1), data((3, 4), cygrad.float64, 2)
    check_mm(cygrad.einsum("...ij,...jk->...ik", from_np(a), from_np(b)),
             np.einsum("...ij,...jk->...ik", a, b), cygrad.float64)


def test_einsum_errors():
    with pytest.raises(RuntimeError):  # j has sizes 3 and 4
        cygrad.einsum("ij,jk->ik", cygrad.ones(2, 3), cygrad.ones(4, 4))
    with pytest.raises(RuntimeError):  # wrong number of subscripts
        cygrad.einsum("ijk,jk->ik", cygrad.ones(2, 3), cygrad.ones(3, 4))
    with pytest.raises(RuntimeError):  # operand count
        cygrad.einsum("ij,jk->ik", cygrad.ones(2, 3))


# ---------------------------------------------------------------------------- diagonal / trace
@pytest.mark.parametrize("offset", [-4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
def test_diagonal_2d(offset):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = from_np(a)
    check(t.diagonal(offset), np.diagonal(a, offset))
    check(t.diagonal(offset=offset), np.diagonal(a, offset))
    check(cygrad.diagonal(t, offset), np.diagonal(a, offset))
    check(cygrad.diagonal(t, offset=offset, dim1=1, dim2=0), np.diagonal(a, offset, 1, 0))
    check(t.diagonal(offset, -1, -2), np.diagonal(a, offset, -1, -2))


@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1), (-1, -2),
                                  (-3, -1), (0, -1)])
@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 3])
def test_diagonal_3d(dims, offset):
    a = np.arange(2 * 3 * 4, dtype=np.int64).reshape(2, 3, 4)
    t = from_np(a)
    d1, d2 = dims
    check(t.diagonal(offset=offset, dim1=d1, dim2=d2), np.diagonal(a, offset, d1, d2))
    check(cygrad.diagonal(t, offset, d1, d2), np.diagonal(a, offset, d1, d2))


def test_diagonal_is_view():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    t = from_np(a)
    d = t.diagonal()
    assert same_storage(d, t)
    assert d.stride() == (5,)
    d1 = t.diagonal(1)
    assert d1.stride() == (5,) and d1.storage_offset() == t.storage_offset() + 1
    dm = t.diagonal(-1)
    assert dm.storage_offset() == t.storage_offset() + 4
    d[1] = -7.0                          # writes through to the base
    assert t[1, 1].item() == -7.0
    t[2, 3] = 100.0
    assert d1[2].item() == 100.0
    del t
    collect()
    assert d1.tolist() == [1.0, 6.0, 100.0]
    t3 = cygrad.zeros(2, 3, 4)
    v = t3.diagonal(0, 1, 2)
    assert same_storage(v, t3) and tuple(v.shape) == (2, 3)
    v.fill_(1.0)
    assert to_numpy(t3).sum() == 6.0


def test_diagonal_layouts(layout):
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    t = make_layout(a, layout)
    for off in (-2, 0, 1, 4):
        check(t.diagonal(off), np.diagonal(a, off))
        check(t.diagonal(off, 1, 0), np.diagonal(a, off, 1, 0))
    a3 = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    t3 = make_layout(a3, layout)
    check(t3.diagonal(1, -2, -1), np.diagonal(a3, 1, -2, -1))
    check(t3.diagonal(-1, 0, 2), np.diagonal(a3, -1, 0, 2))


def test_diagonal_errors():
    with pytest.raises((IndexError, RuntimeError)):
        cygrad.ones(3).diagonal()
    with pytest.raises(RuntimeError):
        cygrad.ones(3, 4).diagonal(0, 0, 0)
    with pytest.raises(RuntimeError):
        cygrad.ones(3, 4).diagonal(0, 1, -1)
    with pytest.raises((IndexError, RuntimeError)):
        cygrad.ones(3, 4).diagonal(0, 0, 2)


@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 3), (1, 1), (0, 0), (0, 3), (1, 7),
                                   (129, 65)])
def test_trace(shape):
    for dtype in MM_DTYPES:
        a = data(shape, dtype, 1)
        t = from_np(a)
        out_dt = {cygrad.int32: cygrad.int64}.get(dtype, dtype)   # integer sums are int64
        ref = np.trace(a.astype(np.float64) if dtype in MM_RTOL else a.astype(np.int64))
        for r in (t.trace(), cygrad.trace(t)):
            assert r.dim() == 0
            check_mm(r, ref, out_dt)


def test_trace_layouts(layout):
    a = sample((6, 5), cygrad.float64, seed=3)
    check_mm(make_layout(a, layout).trace(), np.trace(a), cygrad.float64)
    ai = sample((6, 5), cygrad.int64, seed=4)
    check(make_layout(ai, layout).trace(), np.array(np.trace(ai)))


def test_trace_errors():
    for shape in [(3,), (), (2, 3, 3)]:
        with pytest.raises(RuntimeError):
            cygrad.ones(shape).trace()
        with pytest.raises(RuntimeError):
            cygrad.trace(cygrad.ones(shape))


# ---------------------------------------------------------------------------- threads
@pytest.mark.parametrize("dtype", [cygrad.float32, cygrad.float64, cygrad.int64], ids=DT_IDS)
@pytest.mark.parametrize("m, k, n", [(300, 257, 190), (768, 130, 70), (1001, 97, 65)])
def test_matmul_threads_identical(m, k, n, dtype):
    """Two threads split the rows into equal blocks (768 rows: 6 of 128); every element is
    summed in the same order either way, so the results are bitwise equal."""
    a, b = data((m, k), dtype, 1), data((k, n), dtype, 2)
    ta, tb = from_np(a), from_np(b)
    before = cygrad.get_num_threads()
    try:
        cygrad.set_num_threads(1)
        r1 = np.array((ta @ tb).numpy(), copy=True)
        r1t = np.array((tb.T @ ta.T).numpy(), copy=True)
        cygrad.set_num_threads(2)
        r2 = np.array((ta @ tb).numpy(), copy=True)
        r2t = np.array((tb.T @ ta.T).numpy(), copy=True)
    finally:
        cygrad.set_num_threads(before)
    assert cygrad.get_num_threads() == before
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(r1t, r2t)
    check_mm(from_np(r2), ref_matmul(a, b), dtype)
    check_mm(from_np(r2t), ref_matmul(b.T, a.T), dtype)


# ---------------------------------------------------------------------------- GEMM ISA cap
_ISA_SCRIPT = textwrap.dedent("""
    import numpy as np
    import cygrad

    rng = np.random.default_rng(0)
    for dt, rtol in ((np.float32, 1e-4), (np.float64, 1e-10)):
        for m, k, n, trans in ((70, 130, 50, False), (70, 130, 50, True), (1, 1, 1, False),
                               (17, 33, 5, False), (33, 300, 65, True)):
            a = rng.uniform(-1, 1, (m, k)).astype(dt)
            b = rng.uniform(-1, 1, (k, n)).astype(dt)
            if trans:
                ta = cygrad.from_numpy(np.ascontiguousarray(a.T)).T
                tb = cygrad.from_numpy(np.ascontiguousarray(b.T)).T
            else:
                ta, tb = cygrad.from_numpy(a), cygrad.from_numpy(b)
            got = (ta @ tb).numpy()
            ref = a.astype(np.float64) @ b.astype(np.float64)
            assert got.dtype == dt and got.shape == (m, n), (got.dtype, got.shape)
            err = float(np.abs(got.astype(np.float64) - ref).max())
            tol = rtol * float(np.abs(ref).max())
            assert err <= tol, (dt.__name__, m, k, n, trans, err, tol)
    print("ok")
""")


@pytest.mark.parametrize("isa", ["0", "1", "2"])
def test_gemm_isa_env_cap(isa):
    env = {**os.environ, "CYGRAD_GEMM_ISA": isa}
    proc = subprocess.run([sys.executable, "-c", _ISA_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok", proc.stdout + proc.stderr


# ---------------------------------------------------------------------------- property test
if given is not None:
    @st.composite
    def _matmul_case(draw):
        m, k, n = (draw(st.integers(1, 9)) for _ in range(3))
        batch = draw(st.lists(st.integers(1, 9), min_size=0, max_size=2))

        def operand(core, vec):
            if draw(st.integers(0, 3)) == 0:  # a 1-d operand
                return vec, False
            nb = draw(st.integers(0, len(batch)))
            b = [1 if draw(st.booleans()) else s for s in batch[len(batch) - nb:]]
            return tuple(b) + core, draw(st.booleans())

        sa, trans_a = operand((m, k), (k,))
        sb, trans_b = operand((k, n), (k,))
        seed = draw(st.integers(0, 2**31 - 1))
        return sa, trans_a, sb, trans_b, seed

    def _build(x, transposed):
        if transposed:
            t = from_np(np.swapaxes(x, -1, -2)).transpose(-1, -2)
            assert tuple(t.shape) == x.shape
            return t
        return from_np(x)

    @given(_matmul_case())
    def test_matmul_property_random_shapes(case):
        sa, trans_a, sb, trans_b, seed = case
        rng = np.random.default_rng(seed)
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        got = cygrad.matmul(_build(a, trans_a), _build(b, trans_b))
        check_mm(got, np.matmul(a, b), cygrad.float64)


# ---------------------------------------------------------------------------- torch parity
@pytest.mark.parametrize("sa, sb", [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 4)),
                                    ((2, 1, 4, 5), (3, 5, 6)), ((5,), (2, 3, 5, 4)),
                                    ((2, 3, 4, 5), (5,)), ((3, 0), (0, 4)), ((0,), (0,))])
def test_matmul_matches_torch(sa, sb):
    torch = pytest.importorskip("torch")
    for dtype in MM_DTYPES:
        a, b = data(sa, dtype, 1), data(sb, dtype, 2)
        tt = torch.matmul(torch.from_numpy(a), torch.from_numpy(b))
        cy = cygrad.matmul(from_np(a), from_np(b))
        assert cy.dtype is dtype and tt.dtype == torch_dtype(torch, dtype)
        check_mm(cy, tt.numpy(), dtype)


def test_linear_ops_match_torch():
    torch = pytest.importorskip("torch")
    f = cygrad.float64
    a, b, v = data((4, 6), f, 1), data((6, 3), f, 2), data((6,), f, 3)
    A, B, V = (torch.from_numpy(x) for x in (a, b, v))
    ta, tb, tv = from_np(a), from_np(b), from_np(v)
    check_torch(cygrad.mm(ta, tb), torch.mm(A, B), rtol=1e-12)
    check_torch(cygrad.mv(ta, tv), torch.mv(A, V), rtol=1e-12)
    check_torch(cygrad.dot(tv, tv), torch.dot(V, V), rtol=1e-12)
    check_torch(cygrad.outer(tv, tv), torch.outer(V, V))
    check_torch(cygrad.trace(ta), torch.trace(A), rtol=1e-12)
    check_torch(ta.diagonal(1), A.diagonal(1))
    ia = data((3, 3), cygrad.int32, 4)
    check_torch(from_np(ia).trace(), torch.from_numpy(ia).trace())
    # outer promotes like a broadcast multiplication
    o = cygrad.outer(cygrad.ones(3), cygrad.ones(2, dtype=cygrad.float64))
    check_torch(o, torch.outer(torch.ones(3), torch.ones(2, dtype=torch.float64)))
    inp = data((4, 3), f, 5)
    check_torch(cygrad.addmm(from_np(inp), ta, tb, beta=0.5, alpha=2.0),
                torch.addmm(torch.from_numpy(inp), A, B, beta=0.5, alpha=2.0), rtol=1e-12)
    x, y = data((2, 3, 4), f, 6), data((4, 3, 5), f, 7)
    check_torch(cygrad.tensordot(from_np(x), from_np(y), dims=([1, 2], [1, 0])),
                torch.tensordot(torch.from_numpy(x), torch.from_numpy(y), dims=([1, 2], [1, 0])),
                rtol=1e-12)
    check_torch(cygrad.einsum("bij,bkj->bik", from_np(x), from_np(x)),
                torch.einsum("bij,bkj->bik", torch.from_numpy(x), torch.from_numpy(x)),
                rtol=1e-12)


@pytest.mark.parametrize("sa, sb", [((4, 3), (2, 1)), ((2, 3), (4,)), ((3,), (4,)),
                                    ((2, 2, 3), (2, 4, 5)), ((2, 2, 3), (3, 3, 5)),
                                    ((), (3,)), ((3,), ())])
def test_matmul_errors_match_torch(sa, sb):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as t_exc:
        torch.zeros(sa) @ torch.zeros(sb)
    with pytest.raises(RuntimeError) as c_exc:
        cygrad.zeros(sa) @ cygrad.zeros(sb)
    if sa == (4, 3):
        assert str(c_exc.value) == str(t_exc.value)
