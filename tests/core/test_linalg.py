"""cygrad.linalg: inv, det, slogdet, solve, norm, vector_norm, matrix_norm and LinAlgError,
compared with numpy.linalg (in float64) on batched inputs of every memory layout."""
import math

import numpy as np
import pytest

import cygrad
from conftest import LAYOUTS, check_torch, from_np, make_layout, np_dtype, to_numpy

FLOATS = [cygrad.float32, cygrad.float64]
DT_IDS = lambda d: repr(d).split(".")[1]  # noqa: E731
# tolerance relative to the largest absolute value of the float64 reference
RTOL = {cygrad.float32: 1e-4, cygrad.float64: 1e-10}
INF = float("inf")


def check_close(got, expected, dtype, rtol=None, atol=0.0):
    """Shape, dtype and values within ``rtol * max|expected| + atol`` (NaN / inf must match)."""
    expected = np.asarray(expected, dtype=np.float64)
    assert isinstance(got, cygrad.Tensor), f"expected a cygrad.Tensor, got {type(got).__name__}"
    assert got.dtype is dtype, f"dtype {got.dtype} != {dtype}"
    assert tuple(got.shape) == expected.shape, \
        f"shape {tuple(got.shape)} != expected {expected.shape}"
    g = to_numpy(got).astype(np.float64)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(g), np.isposinf(expected))
    np.testing.assert_array_equal(np.isneginf(g), np.isneginf(expected))
    fin = np.isfinite(expected)
    tol = (RTOL[dtype] if rtol is None else rtol) * float(np.abs(expected[fin]).max(initial=0.0))
    tol += atol
    np.testing.assert_allclose(g[fin], expected[fin], rtol=0, atol=tol)


def well_conditioned(batch, n, dtype, seed=0, scale=None):
    """A batch of invertible (condition number ~ a few) matrices that need row pivoting: a row
    permutation of ``I + 0.3 * R / sqrt(n)`` (or ``R + n I`` style when ``scale`` is given)."""
    rng = np.random.default_rng(seed)
    r = rng.standard_normal(tuple(batch) + (n, n))
    a = np.eye(n) + 0.3 * r / math.sqrt(max(n, 1))
    if scale is not None:
        a = a * scale
    perm = rng.permutation(n)
    a = a[..., perm, :]
    return a.astype(np_dtype(dtype))


def f64(x):
    return np.asarray(x).astype(np.float64)


# ---------------------------------------------------------------------------- lu_factor
def reconstruct(lu, piv):
    """P^-1 L U from a packed factorisation with 1-based LAPACK row swaps (one matrix)."""
    lu = np.asarray(lu, dtype=np.float64)
    n = lu.shape[-1]
    a = np.tril(lu, -1) + np.eye(n)
    a = a @ np.triu(lu)
    for k in range(n - 1, -1, -1):       # undo the swaps, last first
        p = int(piv[k]) - 1
        a[[k, p]] = a[[p, k]]
    return a


# The factorisation and the triangular solves recurse on halves down to 16 columns; these
# sizes end in leaves of every width, split off-multiples of 8 and recurse several levels.
LU_SIZES = [16, 17, 24, 63, 100, 129, 257]


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("n", LU_SIZES)
def test_lu_factor_reconstructs(n, dtype):
    a = well_conditioned((), n, dtype, seed=n)
    lu, piv = cygrad.linalg.lu_factor(from_np(a))
    assert lu.dtype is dtype and piv.dtype is cygrad.int64
    assert tuple(lu.shape) == (n, n) and tuple(piv.shape) == (n,)
    p = to_numpy(piv)
    assert ((p >= np.arange(1, n + 1)) & (p <= n)).all()
    # partial pivoting: every multiplier is at most 1 in magnitude
    assert np.abs(np.tril(to_numpy(lu), -1)).max(initial=0) <= 1.0
    check_close(from_np(reconstruct(to_numpy(lu), p)), f64(a), cygrad.float64,
                rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("n", [5, 40, 130])
def test_lu_factor_matches_torch(n, dtype):
    torch = pytest.importorskip("torch")
    a = well_conditioned((2,), n, dtype, seed=3)
    lu, piv = cygrad.linalg.lu_factor(from_np(a))
    tlu, tpiv = torch.linalg.lu_factor(torch.from_numpy(a))
    np.testing.assert_array_equal(to_numpy(piv), tpiv.numpy())
    # an entry formed by cancellation (1.6e-7 among entries near 1) is only as accurate as
    # LU's backward error, n * eps * max|LU|, not to a relative tolerance of its own
    eps = float(np.finfo(np_dtype(dtype)).eps)
    check_torch(lu, tlu, rtol=RTOL[dtype] * 10, atol=n * eps * float(tlu.abs().max()))


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("n", [100, 257])
def test_inv_and_solve_large(n, dtype):
    a = well_conditioned((), n, dtype, seed=n + 1)
    b = np.random.default_rng(n).standard_normal((n, 7)).astype(np_dtype(dtype))
    check_close(cygrad.linalg.inv(from_np(a)), np.linalg.inv(f64(a)), dtype)
    check_close(cygrad.linalg.solve(from_np(a), from_np(b)), np.linalg.solve(f64(a), f64(b)),
                dtype)
    check_close(cygrad.linalg.det(from_np(a)), np.linalg.det(f64(a)), dtype)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("batch", [(1,), (3,)])
def test_inv_and_solve_large_batched(batch, threads):
    """One matrix runs its GEMMs on the thread team; several run one per thread."""
    old = cygrad.get_num_threads()
    cygrad.set_num_threads(threads)
    try:
        a = well_conditioned(batch, 90, cygrad.float64, seed=9)
        b = np.random.default_rng(9).standard_normal(batch + (90, 90))
        check_close(cygrad.linalg.inv(from_np(a)), np.linalg.inv(a), cygrad.float64)
        check_close(cygrad.linalg.solve(from_np(a), from_np(b)), np.linalg.solve(a, b),
                    cygrad.float64)
    finally:
        cygrad.set_num_threads(old)


@pytest.mark.parametrize("n, zero", [(40, 0), (40, 17), (100, 63), (100, 99), (257, 130)])
def test_zero_pivot_deep_in_the_recursion(n, zero):
    """A zero column makes pivot ``zero`` exactly zero wherever it falls in the recursion:
    ``info`` names it, as LAPACK's getrf does, and inv and solve raise."""
    from cygrad.linalg import LinAlgError

    a = well_conditioned((), n, cygrad.float64, seed=n)
    a[:, zero] = 0.0
    lu, piv = cygrad.linalg.lu_factor(from_np(a))
    u = np.triu(to_numpy(lu))
    assert u[zero, zero] == 0.0
    assert (np.abs(np.diag(u))[np.arange(n) != zero] > 0).all()
    check_close(from_np(reconstruct(to_numpy(lu), to_numpy(piv))), a, cygrad.float64)
    with pytest.raises(LinAlgError, match=f"diagonal element {zero + 1} is zero"):
        cygrad.linalg.inv(from_np(a))
    with pytest.raises(LinAlgError):
        cygrad.linalg.solve(from_np(a), cygrad.ones(n, dtype=cygrad.float64))
    assert float(cygrad.linalg.det(from_np(a))) == 0.0


# ---------------------------------------------------------------------------- LinAlgError
def test_linalg_error_is_runtime_error():
    from cygrad.linalg import LinAlgError

    assert cygrad.linalg.LinAlgError is LinAlgError
    assert issubclass(LinAlgError, RuntimeError)
    assert isinstance(LinAlgError("x"), RuntimeError)


# ---------------------------------------------------------------------------- inv
@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 17, 33, 65])
def test_inv(n, dtype):
    a = well_conditioned((), n, dtype, seed=n)
    inv = cygrad.linalg.inv(from_np(a))
    check_close(inv, np.linalg.inv(f64(a)), dtype)
    # A @ inv(A) = I
    np.testing.assert_allclose(f64(a) @ to_numpy(inv).astype(np.float64), np.eye(n),
                               atol=RTOL[dtype] * 10)


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("batch", [(0,), (1,), (4,), (2, 3)])
def test_inv_batched(batch, dtype):
    a = well_conditioned(batch, 5, dtype, seed=len(batch))
    check_close(cygrad.linalg.inv(from_np(a)), np.linalg.inv(f64(a)), dtype)


def test_inv_layouts(layout):
    for dtype in FLOATS:
        a = well_conditioned((3,), 7, dtype, seed=11)
        check_close(cygrad.linalg.inv(make_layout(a, layout)), np.linalg.inv(f64(a)), dtype)
    a = well_conditioned((), 17, cygrad.float64, seed=12)
    t = make_layout(a, layout)
    check_close(cygrad.linalg.inv(t), np.linalg.inv(a), cygrad.float64)
    np.testing.assert_array_equal(to_numpy(t), a)  # the input is not overwritten


def test_inv_expanded_and_negative_strides():
    a = well_conditioned((), 6, cygrad.float64, seed=3)
    e = from_np(a).expand(4, 6, 6)
    check_close(cygrad.linalg.inv(e), np.linalg.inv(np.broadcast_to(a, (4, 6, 6))),
                cygrad.float64)
    f = np.flip(a)
    check_close(cygrad.linalg.inv(cygrad.from_numpy(f)), np.linalg.inv(f), cygrad.float64)


def test_inv_needs_pivoting():
    for dtype in FLOATS:
        a = np.array([[0.0, 1.0], [1.0, 0.0]])
        check_close(cygrad.linalg.inv(from_np(a.astype(np_dtype(dtype)))), a, dtype)
        b = np.array([[1e-20, 1.0], [1.0, 1.0]])
        check_close(cygrad.linalg.inv(cygrad.tensor(b.tolist(), dtype=dtype)),
                    np.linalg.inv(b), dtype)
        p = np.array([[0, 0, 2.0], [0, 3.0, 0], [4.0, 0, 0]])
        check_close(cygrad.linalg.inv(from_np(p.astype(np_dtype(dtype)))), np.linalg.inv(p),
                    dtype)


def test_inv_known_values():
    a = cygrad.tensor([[4.0, 7.0], [2.0, 6.0]], dtype=cygrad.float64)
    check_close(cygrad.linalg.inv(a), [[0.6, -0.7], [-0.2, 0.4]], cygrad.float64)


def test_inv_empty():
    for shape in [(0, 0), (3, 0, 0), (0, 2, 2)]:
        out = cygrad.linalg.inv(cygrad.zeros(shape))
        assert tuple(out.shape) == shape and out.dtype is cygrad.float32


@pytest.mark.parametrize("a", [
    [[0.0, 0.0], [0.0, 0.0]],
    [[1.0, 2.0], [2.0, 4.0]],
    [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0, 0.0, 0.0]],
    [[0.0]],
])
def test_inv_singular_raises(a):
    from cygrad.linalg import LinAlgError

    for dtype in FLOATS:
        with pytest.raises(LinAlgError):
            cygrad.linalg.inv(cygrad.tensor(a, dtype=dtype))
        with pytest.raises(RuntimeError):
            cygrad.linalg.inv(cygrad.tensor(a, dtype=dtype))


def test_inv_batch_with_one_singular_raises():
    a = well_conditioned((3,), 4, cygrad.float64, seed=5)
    a[1] = 0.0
    with pytest.raises(cygrad.linalg.LinAlgError):
        cygrad.linalg.inv(from_np(a))


def test_inv_errors():
    with pytest.raises(RuntimeError):      # not square
        cygrad.linalg.inv(cygrad.ones(2, 3))
    with pytest.raises(RuntimeError):      # batch of non-square
        cygrad.linalg.inv(cygrad.ones(4, 3, 2))
    with pytest.raises(RuntimeError):      # 1-d
        cygrad.linalg.inv(cygrad.ones(3))
    with pytest.raises(RuntimeError):      # 0-d
        cygrad.linalg.inv(cygrad.ones(()))
    for dt in (cygrad.int32, cygrad.int64, cygrad.bool):
        with pytest.raises(RuntimeError):  # integer / bool input
            cygrad.linalg.inv(cygrad.eye(3, dtype=dt))


def test_inv_dtype_preserved():
    for dtype in FLOATS:
        assert cygrad.linalg.inv(cygrad.eye(3, dtype=dtype)).dtype is dtype


# ---------------------------------------------------------------------------- det / slogdet
@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 17, 33])
def test_det(n, dtype):
    a = well_conditioned((), n, dtype, seed=n + 100)
    d = cygrad.linalg.det(from_np(a))
    ref = np.linalg.det(f64(a))
    assert d.dim() == 0
    check_close(d, ref, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
def test_det_batched_and_layouts(dtype):
    a = well_conditioned((2, 3), 5, dtype, seed=7)
    ref = np.linalg.det(f64(a))
    check_close(cygrad.linalg.det(from_np(a)), ref, dtype)
    for layout in LAYOUTS:
        # elementwise relative check (dets of the batch differ in magnitude)
        got = to_numpy(cygrad.linalg.det(make_layout(a, layout))).astype(np.float64)
        np.testing.assert_allclose(got, ref, rtol=RTOL[dtype])


def test_det_known_values():
    f = cygrad.float64
    assert cygrad.linalg.det(cygrad.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=f)).item() \
        == pytest.approx(-2.0, rel=1e-14)
    assert cygrad.linalg.det(cygrad.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=f)).item() == -1.0
    assert cygrad.linalg.det(cygrad.tensor([[0.0, 0.0], [0.0, 0.0]], dtype=f)).item() == 0.0
    assert cygrad.linalg.det(cygrad.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=f)).item() == 0.0
    p = np.eye(5)[[1, 0, 3, 4, 2]]  # odd permutation (a transposition and a 3-cycle)
    assert cygrad.linalg.det(from_np(p)).item() == pytest.approx(np.linalg.det(p))
    assert cygrad.linalg.det(from_np(np.diag([2.0, -3.0, 0.5]))).item() == pytest.approx(-3.0)
    d = cygrad.linalg.det(cygrad.tensor([[7.5]]))
    assert d.item() == 7.5 and d.dtype is cygrad.float32


def test_det_empty():
    d = cygrad.linalg.det(cygrad.zeros(0, 0))
    assert d.dim() == 0 and d.item() == 1.0
    check_close(cygrad.linalg.det(cygrad.zeros(3, 0, 0)), np.ones(3), cygrad.float32)
    assert tuple(cygrad.linalg.det(cygrad.zeros(0, 4, 4)).shape) == (0,)


def test_det_errors():
    with pytest.raises(RuntimeError):
        cygrad.linalg.det(cygrad.ones(2, 3))
    with pytest.raises(RuntimeError):
        cygrad.linalg.det(cygrad.ones(5, 3, 4))
    with pytest.raises(RuntimeError):
        cygrad.linalg.det(cygrad.ones(3))
    with pytest.raises(RuntimeError):
        cygrad.linalg.det(cygrad.eye(3, dtype=cygrad.int64))


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
def test_slogdet(dtype):
    a = well_conditioned((4,), 6, dtype, seed=21)
    a[2, 0] *= -1.0  # one row negated: flips the sign of that determinant
    res = cygrad.linalg.slogdet(from_np(a))
    sign_ref, logabs_ref = np.linalg.slogdet(f64(a))
    assert isinstance(res, tuple) and len(res) == 2
    sign, logabsdet = res
    assert res.sign is sign and res.logabsdet is logabsdet
    check_close(sign, sign_ref, dtype, rtol=0)
    check_close(logabsdet, logabs_ref, dtype, rtol=0, atol=RTOL[dtype] * 10)


def test_slogdet_special():
    f = cygrad.float64
    s, l = cygrad.linalg.slogdet(cygrad.zeros(2, 2, dtype=f))
    assert s.item() == 0.0 and l.item() == -INF
    s, l = cygrad.linalg.slogdet(cygrad.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=f))
    assert s.item() == -1.0 and l.item() == 0.0
    s, l = cygrad.linalg.slogdet(cygrad.tensor([[2.0, 0.0], [0.0, 3.0]], dtype=f))
    assert s.item() == 1.0 and l.item() == pytest.approx(math.log(6.0), rel=1e-14)
    s, l = cygrad.linalg.slogdet(cygrad.zeros(0, 0, dtype=f))
    assert s.item() == 1.0 and l.item() == 0.0
    # batch with a singular element
    a = np.stack([np.eye(3), np.zeros((3, 3)), -np.eye(3)])
    s, l = cygrad.linalg.slogdet(from_np(a))
    assert s.tolist() == [1.0, 0.0, -1.0]
    assert l.tolist() == [0.0, -INF, 0.0]
    for dtype in FLOATS:
        s, l = cygrad.linalg.slogdet(cygrad.eye(3, dtype=dtype))
        assert s.dtype is dtype and l.dtype is dtype


def test_slogdet_beyond_det_range():
    """log|det| of a matrix whose determinant overflows (10**350)."""
    n = 350
    rng = np.random.default_rng(3)
    a = 10.0 * np.eye(n) + 0.01 * rng.standard_normal((n, n))
    sign_ref, logabs_ref = np.linalg.slogdet(a)
    s, l = cygrad.linalg.slogdet(from_np(a))
    assert s.item() == sign_ref
    assert l.item() == pytest.approx(logabs_ref, rel=1e-10)
    assert math.isinf(cygrad.linalg.det(from_np(a)).item())


def test_slogdet_layouts(layout):
    a = well_conditioned((2,), 5, cygrad.float64, seed=9)
    sign_ref, logabs_ref = np.linalg.slogdet(a)
    s, l = cygrad.linalg.slogdet(make_layout(a, layout))
    check_close(s, sign_ref, cygrad.float64, rtol=0)
    check_close(l, logabs_ref, cygrad.float64, rtol=0, atol=1e-10)


def test_slogdet_errors():
    with pytest.raises(RuntimeError):
        cygrad.linalg.slogdet(cygrad.ones(2, 3))
    with pytest.raises(RuntimeError):
        cygrad.linalg.slogdet(cygrad.ones(3))


# ---------------------------------------------------------------------------- solve
@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("n", [1, 2, 5, 17, 65])
def test_solve_vector_and_matrix(n, dtype):
    a = well_conditioned((), n, dtype, seed=n)
    rng = np.random.default_rng(n)
    b1 = rng.standard_normal(n).astype(np_dtype(dtype))
    bk = rng.standard_normal((n, 3)).astype(np_dtype(dtype))
    x1 = cygrad.linalg.solve(from_np(a), from_np(b1))
    check_close(x1, np.linalg.solve(f64(a), f64(b1)), dtype)
    xk = cygrad.linalg.solve(from_np(a), from_np(bk))
    check_close(xk, np.linalg.solve(f64(a), f64(bk)), dtype)
    # residual
    resid = f64(a) @ to_numpy(xk).astype(np.float64) - f64(bk)
    assert np.abs(resid).max() <= RTOL[dtype] * 10 * max(1.0, np.abs(bk).max())


@pytest.mark.parametrize("sa, sb, sx", [
    ((3, 4, 4), (3, 4, 2), (3, 4, 2)),
    ((2, 1, 4, 4), (3, 4, 2), (2, 3, 4, 2)),   # batch broadcasting
    ((4, 4), (5, 4, 2), (5, 4, 2)),            # A broadcast over B's batch
    ((5, 4, 4), (4, 2), (5, 4, 2)),            # B broadcast over A's batch
    ((5, 4, 4), (4,), (5, 4)),                 # a 1-d B broadcast over A's batch
    ((1, 4, 4), (3, 4, 1), (3, 4, 1)),
    ((0, 4, 4), (4, 2), (0, 4, 2)),
    ((4, 4), (4, 0), (4, 0)),
])
def test_solve_batched_broadcast(sa, sb, sx):
    for dtype in FLOATS:
        n = sa[-1]
        a = well_conditioned(sa[:-2], n, dtype, seed=len(sa))
        b = np.random.default_rng(1).standard_normal(sb).astype(np_dtype(dtype))
        x = cygrad.linalg.solve(from_np(a), from_np(b))
        if len(sb) == 1:
            ref = np.linalg.solve(f64(a), f64(b)[:, None])[..., 0]
        else:
            ref = np.linalg.solve(f64(a), f64(b))
        assert ref.shape == sx
        check_close(x, ref, dtype)


def test_solve_batch_of_vectors_matches_torch():
    torch = pytest.importorskip("torch")
    a = well_conditioned((3,), 4, cygrad.float64, seed=2)
    b = np.random.default_rng(2).standard_normal((3, 4))
    x = cygrad.linalg.solve(from_np(a), from_np(b))
    tx = torch.linalg.solve(torch.from_numpy(a), torch.from_numpy(b))
    assert tuple(x.shape) == tuple(tx.shape) == (3, 4)
    check_torch(x, tx, rtol=1e-10)


def test_solve_layouts(layout):
    a = well_conditioned((2,), 6, cygrad.float64, seed=4)
    b = np.random.default_rng(4).standard_normal((2, 6, 3))
    ref = np.linalg.solve(a, b)
    x = cygrad.linalg.solve(make_layout(a, layout), make_layout(b, layout))
    check_close(x, ref, cygrad.float64)
    x1 = cygrad.linalg.solve(make_layout(a[0], layout), make_layout(b[0, :, 0], layout))
    check_close(x1, np.linalg.solve(a[0], b[0, :, 0]), cygrad.float64)


def test_solve_needs_pivoting():
    a = np.array([[0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    b = np.array([1.0, 2.0, 3.0])
    for dtype in FLOATS:
        x = cygrad.linalg.solve(cygrad.tensor(a.tolist(), dtype=dtype),
                                cygrad.tensor(b.tolist(), dtype=dtype))
        check_close(x, np.linalg.solve(a, b), dtype)


def test_solve_does_not_modify_inputs():
    a = well_conditioned((), 5, cygrad.float64, seed=8)
    b = np.random.default_rng(8).standard_normal((5, 2))
    ta, tb = from_np(a), from_np(b)
    cygrad.linalg.solve(ta, tb)
    np.testing.assert_array_equal(to_numpy(ta), a)
    np.testing.assert_array_equal(to_numpy(tb), b)


def test_solve_singular_raises():
    from cygrad.linalg import LinAlgError

    for dtype in FLOATS:
        with pytest.raises(LinAlgError):
            cygrad.linalg.solve(cygrad.zeros(3, 3, dtype=dtype), cygrad.ones(3, dtype=dtype))
        with pytest.raises(LinAlgError):
            cygrad.linalg.solve(cygrad.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=dtype),
                                cygrad.ones(2, 2, dtype=dtype))
    a = well_conditioned((3,), 4, cygrad.float64, seed=6)
    a[2] = 0.0
    with pytest.raises(LinAlgError):
        cygrad.linalg.solve(from_np(a), cygrad.ones(3, 4, 1, dtype=cygrad.float64))


def test_solve_errors():
    f = cygrad.float64
    with pytest.raises(RuntimeError):   # A not square
        cygrad.linalg.solve(cygrad.ones(3, 4, dtype=f), cygrad.ones(3, dtype=f))
    with pytest.raises(RuntimeError):   # B rows do not match
        cygrad.linalg.solve(cygrad.eye(4, dtype=f), cygrad.ones(5, dtype=f))
    with pytest.raises(RuntimeError):
        cygrad.linalg.solve(cygrad.eye(4, dtype=f), cygrad.ones(3, 2, dtype=f))
    with pytest.raises(RuntimeError):   # batch dims do not broadcast
        cygrad.linalg.solve(cygrad.eye(3, dtype=f).expand(2, 3, 3), cygrad.ones(4, 3, 1, dtype=f))
    with pytest.raises(RuntimeError):   # dtype mismatch
        cygrad.linalg.solve(cygrad.eye(3), cygrad.ones(3, dtype=f))
    with pytest.raises(RuntimeError):   # integer input
        cygrad.linalg.solve(cygrad.eye(3, dtype=cygrad.int64), cygrad.ones(3, dtype=cygrad.int64))
    with pytest.raises(RuntimeError):   # 1-d A
        cygrad.linalg.solve(cygrad.ones(3, dtype=f), cygrad.ones(3, dtype=f))


# ---------------------------------------------------------------------------- norm
VEC_ORDS = [None, 2, 1, INF, -INF, 0, 3, 0.5, -1, 2.5]


def _np_vector_norm(x, ord, axis=None, keepdims=False):
    """Vector norm over ``axis`` (None: all elements, flattened)."""
    x = np.abs(f64(x))
    if axis is None:
        axis = tuple(range(x.ndim))
    if ord is None or ord == 2:
        r = np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    elif ord == INF:
        r = np.max(x, axis=axis, keepdims=keepdims)
    elif ord == -INF:
        r = np.min(x, axis=axis, keepdims=keepdims)
    elif ord == 0:
        r = np.sum(x != 0, axis=axis, keepdims=keepdims).astype(np.float64)
    else:
        with np.errstate(divide="ignore"):
            r = np.sum(x ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return r


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
@pytest.mark.parametrize("ord", VEC_ORDS, ids=str)
def test_norm_vector(ord, dtype):
    x = np.random.default_rng(1).uniform(-3, 3, 17).astype(np_dtype(dtype))
    x[4] = 0.0
    with np.errstate(divide="ignore"):
        ref = np.linalg.norm(f64(x), ord=ord)
    check_close(cygrad.linalg.norm(from_np(x), ord=ord), ref, dtype, rtol=RTOL[dtype] / 10)
    check_close(cygrad.linalg.norm(from_np(x), ord), ref, dtype, rtol=RTOL[dtype] / 10)
    ord_v = 2 if ord is None else ord
    check_close(cygrad.linalg.vector_norm(from_np(x), ord=ord_v), ref, dtype,
                rtol=RTOL[dtype] / 10)


def test_norm_known_values():
    x = cygrad.tensor([3.0, -4.0])
    assert cygrad.linalg.norm(x).item() == 5.0
    assert cygrad.linalg.norm(x, ord=1).item() == 7.0
    assert cygrad.linalg.norm(x, ord=INF).item() == 4.0
    assert cygrad.linalg.norm(x, ord=-INF).item() == 3.0
    assert cygrad.linalg.norm(cygrad.tensor([0.0, 2.0, -3.0]), ord=0).item() == 2.0
    r = cygrad.linalg.norm(cygrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert r.item() == pytest.approx(math.sqrt(30.0), rel=1e-6) and r.dim() == 0
    assert cygrad.linalg.vector_norm(cygrad.zeros(0)).item() == 0.0


def test_norm_default_flattens_any_rank(layout):
    a = np.random.default_rng(2).standard_normal((2, 3, 4))
    for dtype in FLOATS:
        x = make_layout(a.astype(np_dtype(dtype)), layout)
        ref = np.linalg.norm(a.ravel())
        check_close(cygrad.linalg.norm(x), ref, dtype, rtol=RTOL[dtype] / 10)
        check_close(cygrad.linalg.vector_norm(x), ref, dtype, rtol=RTOL[dtype] / 10)
        check_close(cygrad.linalg.norm(x, keepdim=True), np.full((1, 1, 1), ref), dtype,
                    rtol=RTOL[dtype] / 10)


@pytest.mark.parametrize("ord", [None, 2, 1, INF, -INF, 0, 3], ids=str)
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm_dim(ord, dim, keepdim):
    a = np.random.default_rng(3).uniform(-2, 2, (3, 4, 5))
    a[0, 1, 2] = 0.0
    for dtype in FLOATS:
        x = from_np(a.astype(np_dtype(dtype)))
        ref = np.linalg.norm(a, ord=ord, axis=dim, keepdims=keepdim)
        check_close(cygrad.linalg.norm(x, ord=ord, dim=dim, keepdim=keepdim), ref, dtype,
                    rtol=RTOL[dtype] / 10)
        check_close(cygrad.linalg.vector_norm(x, ord=2 if ord is None else ord, dim=dim,
                                              keepdim=keepdim), ref, dtype,
                    rtol=RTOL[dtype] / 10)


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 3, 0.5], ids=str)
@pytest.mark.parametrize("dim", [(0, 2), (1, 2), (0, 1, 2), (-1,), None])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm_multi_dim(ord, dim, keepdim, layout):
    a = np.random.default_rng(4).uniform(-2, 2, (3, 4, 5))
    x = make_layout(a, layout)
    ref = _np_vector_norm(a, ord, axis=dim, keepdims=keepdim)
    check_close(cygrad.linalg.vector_norm(x, ord=ord, dim=dim, keepdim=keepdim), ref,
                cygrad.float64)


@pytest.mark.parametrize("dtype", FLOATS, ids=DT_IDS)
def test_norm_fro(dtype):
    a = np.random.default_rng(5).uniform(-2, 2, (2, 3, 4, 5)).astype(np_dtype(dtype))
    m = a[0, 0]
    ref = np.linalg.norm(f64(m), "fro")
    rt = RTOL[dtype] / 10
    check_close(cygrad.linalg.norm(from_np(m), ord="fro"), ref, dtype, rtol=rt)
    check_close(cygrad.linalg.norm(from_np(m), "fro"), ref, dtype, rtol=rt)
    check_close(cygrad.linalg.matrix_norm(from_np(m)), ref, dtype, rtol=rt)
    check_close(cygrad.linalg.matrix_norm(from_np(m), ord="fro"), ref, dtype, rtol=rt)
    # batched over the last two dims
    ref_b = np.linalg.norm(f64(a), "fro", axis=(-2, -1))
    check_close(cygrad.linalg.matrix_norm(from_np(a)), ref_b, dtype, rtol=rt)
    check_close(cygrad.linalg.matrix_norm(from_np(a), keepdim=True),
                np.linalg.norm(f64(a), "fro", axis=(-2, -1), keepdims=True), dtype, rtol=rt)
    check_close(cygrad.linalg.norm(from_np(a), ord="fro", dim=(-2, -1)), ref_b, dtype, rtol=rt)
    # other dims
    ref_02 = np.linalg.norm(f64(a), "fro", axis=(0, 2))
    check_close(cygrad.linalg.matrix_norm(from_np(a), dim=(0, 2)), ref_02, dtype, rtol=rt)
    check_close(cygrad.linalg.norm(from_np(a), ord="fro", dim=(0, 2)), ref_02, dtype, rtol=rt)
    check_close(cygrad.linalg.norm(from_np(a), dim=(1, 3), keepdim=True),
                np.linalg.norm(f64(a), axis=(1, 3), keepdims=True), dtype, rtol=rt)
    for layout in LAYOUTS:
        check_close(cygrad.linalg.matrix_norm(make_layout(a, layout)), ref_b, dtype, rtol=rt)


def test_norm_matrix_ords():
    """ord 1 / inf / -1 / -inf of a 2-d input are matrix norms (max / min column or row abs
    sums), as in numpy.linalg.norm and torch.linalg.norm."""
    a = np.array([[1.0, -2.0, 0.5], [3.0, 4.0, -1.0]])
    for ord in (1, -1, INF, -INF):
        ref = np.linalg.norm(a, ord)
        check_close(cygrad.linalg.norm(from_np(a), ord=ord), ref, cygrad.float64)
        check_close(cygrad.linalg.matrix_norm(from_np(a), ord=ord), ref, cygrad.float64)


def test_norm_dtype_and_errors():
    for dtype in FLOATS:
        assert cygrad.linalg.norm(cygrad.ones(3, dtype=dtype)).dtype is dtype
        assert cygrad.linalg.vector_norm(cygrad.ones(3, dtype=dtype)).dtype is dtype
        assert cygrad.linalg.matrix_norm(cygrad.ones(2, 3, dtype=dtype)).dtype is dtype


@pytest.mark.parametrize("call", [
    # ord given without dim: the input must be 1-d or 2-d (as torch.linalg.norm)
    lambda: cygrad.linalg.norm(cygrad.ones(2, 3, 4), ord=1),
    lambda: cygrad.linalg.norm(cygrad.ones(2, 3, 4), ord=2),
    lambda: cygrad.linalg.norm(cygrad.ones(2, 3, 4), ord="fro"),
    # matrix norms need 2 dims
    lambda: cygrad.linalg.matrix_norm(cygrad.ones(4)),
    lambda: cygrad.linalg.norm(cygrad.ones(4), ord="fro"),
    lambda: cygrad.linalg.norm(cygrad.ones(2, 3), ord="fro", dim=1),
], ids=["norm3d-ord1", "norm3d-ord2", "norm3d-fro", "matrix_norm-1d", "fro-1d", "fro-1dim"])
def test_norm_errors(call):
    with pytest.raises(RuntimeError):
        call()


# ---------------------------------------------------------------------------- torch parity
def test_linalg_matches_torch():
    torch = pytest.importorskip("torch")
    for dtype, tdt, rt in ((cygrad.float64, torch.float64, 1e-10),
                           (cygrad.float32, torch.float32, 1e-4)):
        a = well_conditioned((2,), 5, dtype, seed=31)
        b = np.random.default_rng(31).standard_normal((2, 5, 3)).astype(np_dtype(dtype))
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        ca, cb = from_np(a), from_np(b)
        check_torch(cygrad.linalg.inv(ca), torch.linalg.inv(ta), rtol=rt, atol=rt)
        check_torch(cygrad.linalg.det(ca), torch.linalg.det(ta), rtol=rt)
        s, l = cygrad.linalg.slogdet(ca)
        ts = torch.linalg.slogdet(ta)
        check_torch(s, ts.sign)
        check_torch(l, ts.logabsdet, rtol=rt, atol=rt)
        check_torch(cygrad.linalg.solve(ca, cb), torch.linalg.solve(ta, tb), rtol=rt, atol=rt)
        x = torch.from_numpy(b)
        m, tm = from_np(b[0]), torch.from_numpy(b[0])
        for kw in ({}, {"ord": 1}, {"ord": INF}, {"ord": "fro"}):   # 2-d: matrix norms
            check_torch(cygrad.linalg.norm(m, **kw), torch.linalg.norm(tm, **kw), rtol=rt)
        for kw in ({}, {"dim": 1}, {"dim": (1, 2)}, {"ord": "fro", "dim": (0, 2)},
                   {"ord": 3, "dim": -1, "keepdim": True}):
            check_torch(cygrad.linalg.norm(cb, **kw), torch.linalg.norm(x, **kw), rtol=rt)
        for kw in ({}, {"ord": 0}, {"ord": INF, "dim": (0, 1)}, {"dim": 2, "keepdim": True}):
            check_torch(cygrad.linalg.vector_norm(cb, **kw), torch.linalg.vector_norm(x, **kw),
                        rtol=rt)
        check_torch(cygrad.linalg.matrix_norm(cb), torch.linalg.matrix_norm(x), rtol=rt)
