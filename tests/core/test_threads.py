"""Threading: the thread-count API, and identical results with 1 and 2 threads on inputs large
enough to be split across threads."""
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cygrad
from conftest import check, from_np, run_child


def test_set_get_num_threads():
    cygrad.set_num_threads(1)
    assert cygrad.get_num_threads() == 1
    cygrad.set_num_threads(2)
    assert cygrad.get_num_threads() == 2
    cygrad.set_num_threads(3)  # more threads than cores is allowed
    assert cygrad.get_num_threads() == 3


@pytest.mark.parametrize("bad", [0, -1, -100])
def test_set_num_threads_rejects_non_positive(bad):
    before = cygrad.get_num_threads()
    with pytest.raises((ValueError, RuntimeError)):
        cygrad.set_num_threads(bad)
    assert cygrad.get_num_threads() == before


@pytest.mark.parametrize("bad", [1.5, "2", None])
def test_set_num_threads_rejects_non_int(bad):
    before = cygrad.get_num_threads()
    with pytest.raises((TypeError, RuntimeError)):
        cygrad.set_num_threads(bad)
    assert cygrad.get_num_threads() == before


def _both(fn):
    """``fn()`` as NumPy arrays with 1 thread and with 2 threads."""
    cygrad.set_num_threads(1)
    r1 = fn()
    cygrad.set_num_threads(2)
    r2 = fn()
    out = []
    for r in (r1, r2):
        if isinstance(r, tuple):
            out.append(tuple(np.array(x.numpy(), copy=True) for x in r))
        else:
            out.append(np.array(r.numpy(), copy=True))
    return out


def _identical(r1, r2):
    if isinstance(r1, tuple):
        for a, b in zip(r1, r2):
            _identical(a, b)
        return
    assert r1.dtype == r2.dtype and r1.shape == r2.shape
    np.testing.assert_array_equal(r1, r2)  # bitwise: NaN-aware exact equality


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(123)
    a = rng.standard_normal(1_000_003).astype(np.float32)
    b = rng.standard_normal(1_000_003).astype(np.float32)
    m = rng.standard_normal((1000, 1000)).astype(np.float32)
    n = rng.standard_normal((1000, 1000)).astype(np.float32)
    return a, b, m, n


def test_threads_add_exp(big):
    a, b, _, _ = big
    ta, tb = from_np(a), from_np(b)
    r1, r2 = _both(lambda: ta + tb)
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, a + b)
    r1, r2 = _both(lambda: cygrad.exp(ta))
    _identical(r1, r2)
    np.testing.assert_allclose(r2, np.exp(a.astype(np.float64)), rtol=4e-6)
    r1, r2 = _both(lambda: ta[:999_999:3] * tb[1:1_000_000:3])
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, a[:999_999:3] * b[1:1_000_000:3])
    r1, r2 = _both(lambda: cygrad.where(ta > 0, ta, tb))
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, np.where(a > 0, a, b))
    r1, r2 = _both(lambda: ta.to(cygrad.float64))
    _identical(r1, r2)


def test_threads_sum_full(big):
    a, _, _, _ = big
    for n in (1_000_000, 1_000_003, 777_777):
        t = from_np(a[:n])
        r1, r2 = _both(lambda: t.sum())
        _identical(r1, r2)
        exact = a[:n].astype(np.float64).sum()
        assert abs(float(r2) - exact) <= 1e-6 * np.abs(a[:n]).astype(np.float64).sum()
    ti = from_np((a * 100).astype(np.int64))
    r1, r2 = _both(lambda: ti.sum())
    _identical(r1, r2)
    assert int(r2) == int((a * 100).astype(np.int64).sum())
    r1, r2 = _both(lambda: from_np(a).amax())
    _identical(r1, r2)
    assert float(r2) == a.max()


def test_threads_sum_dims(big):
    _, _, m, _ = big
    t = from_np(m)
    for dim in (0, 1):
        r1, r2 = _both(lambda: t.sum(dim))
        _identical(r1, r2)
        np.testing.assert_allclose(r2, m.astype(np.float64).sum(dim), rtol=1e-5, atol=1e-5)
        r1, r2 = _both(lambda: t.t().sum(dim))
        _identical(r1, r2)
        r1, r2 = _both(lambda: t.mean(dim, keepdim=True))
        _identical(r1, r2)


def test_threads_amax_argmax(big):
    _, _, m, _ = big
    t = from_np(m)
    r1, r2 = _both(lambda: t.amax(1))
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m.max(1))
    r1, r2 = _both(lambda: t.amax(0))
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m.max(0))
    r1, r2 = _both(lambda: tuple(t.max(1)))
    _identical(r1, r2)
    np.testing.assert_array_equal(r2[1], m.argmax(1))
    r1, r2 = _both(lambda: t.t().argmin(1))
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m.argmin(0))


def test_threads_transposed_plus(big):
    _, _, m, n = big
    tm, tn = from_np(m), from_np(n)
    r1, r2 = _both(lambda: tm.t() + tn)
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m.T + n)
    r1, r2 = _both(lambda: tm + tn.t())
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m + n.T)
    r1, r2 = _both(lambda: tm.t().contiguous())
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m.T)


def test_threads_inplace(big):
    _, _, m, n = big

    def run():
        t = from_np(m)
        t.t().add_(from_np(n))
        t.mul_(2)
        return t

    r1, r2 = _both(run)
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, (m + n.T) * 2)


def test_threads_indexing(big):
    a, _, m, _ = big
    t = from_np(m)
    idx = cygrad.from_numpy(np.arange(999, -1, -3))
    r1, r2 = _both(lambda: t[idx])
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, m[np.arange(999, -1, -3)])
    mask = from_np(a > 1.0)
    ta = from_np(a)
    r1, r2 = _both(lambda: ta[mask])
    _identical(r1, r2)
    np.testing.assert_array_equal(r2, a[a > 1.0])


def test_concurrent_python_threads(big):
    """Kernels release the GIL: several Python threads may run them at once."""
    a, b, m, _ = big
    cygrad.set_num_threads(2)
    ta, tb, tm = from_np(a), from_np(b), from_np(m)
    expected_sum = ta.sum().item()
    expected_add = (ta + tb).numpy().copy()
    expected_rows = tm.sum(1).numpy().copy()

    def work(i):
        if i % 3 == 0:
            return ta.sum().item() == expected_sum
        if i % 3 == 1:
            return np.array_equal((ta + tb).numpy(), expected_add)
        return np.array_equal(tm.sum(1).numpy(), expected_rows)

    with ThreadPoolExecutor(max_workers=4) as ex:
        results = list(ex.map(work, range(24)))
    assert all(results)


def test_threads_small_inputs_unaffected():
    x = cygrad.arange(10, dtype=cygrad.float64)
    for n in (1, 2, 4):
        cygrad.set_num_threads(n)
        check(x.sum(), np.array(45.0))
        check(x * 2, np.arange(10.0) * 2)


# ------------------------------------------------------------------------ fork
needs_fork = pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")


def fork_exit_code(parent, child):
    """Run ``parent`` in a fresh interpreter, fork, and run ``child`` in the child, which
    must set ``ok``; returns the child's exit code (0 when ``ok``). A hung child dies after
    60 s instead of lingering."""
    indented = "\n".join("    " + line for line in textwrap.dedent(child).splitlines())
    code = (textwrap.dedent(parent) + "\nimport os, signal\npid = os.fork()\n"
            "if pid == 0:\n    signal.alarm(60)\n" + indented +
            "\n    os._exit(0 if ok else 3)\n"
            "print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n")
    rc, out = run_child(code)
    assert rc == 0, out
    return int(out.split()[-1])


# every threaded kernel once, large enough to be split (the parent runs it before fork)
EVERY_KERNEL = """
x = cygrad.ones(1 << 20)
a = cygrad.rand(4, 64, 64, dtype=cygrad.float64)
s = cygrad.rand(256, 512)
img = cygrad.rand(64, 8, 28, 28)
w = cygrad.rand(16, 8, 3, 3)
def every_kernel():
    ok = float((x + x).sum()) == 2 * (1 << 20)                    # elementwise, reduction
    ok &= float(x.exp().sum()) > 0
    ok &= tuple((cygrad.rand(300, 300) @ cygrad.rand(300, 300)).shape) == (300, 300)
    ok &= tuple(cygrad.linalg.solve(a, a).shape) == (4, 64, 64)   # batched LU
    ok &= abs(float(s.softmax(-1).sum()) - 256) < 1e-2            # softmax
    ok &= tuple(cygrad.nn.functional.layer_norm(s, (512,)).shape) == (256, 512)
    v = s.sort(-1).values                                         # sort
    ok &= bool((v[:, 1:] >= v[:, :-1]).all())
    ok &= float(s.cumsum(-1)[:, -1].min()) > 0                    # scan
    y = cygrad.nn.functional.conv2d(img, w, padding=1)            # im2col
    ok &= tuple(cygrad.nn.functional.max_pool2d(y, 2).shape) == (64, 16, 14, 14)
    return ok
"""


@needs_fork
def test_forked_child_runs_every_kernel_on_threads():
    # the pool's workers do not survive fork(); the child starts its own, whatever the
    # parent ran, so a DataLoader worker forked from a training process keeps its threads
    parent = "import warnings, cygrad\ncygrad.set_num_threads(2)\n" + EVERY_KERNEL
    assert fork_exit_code(parent + "assert every_kernel()\n", """
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            cygrad.set_num_threads(2)
        ok = every_kernel()
        ok &= cygrad.get_num_threads() == 2 and cygrad._core._iter._pool_workers() >= 1
    """) == 0


@needs_fork
def test_child_forked_before_any_parallel_kernel_keeps_its_threads():
    # a fork server (asv's, multiprocessing's forkserver) imports cygrad and forks workers
    # before running anything
    assert fork_exit_code("""
        import warnings, cygrad
        cygrad.set_num_threads(2)
        small = cygrad.ones(10).exp()          # no parallel region yet
    """, """
        x = cygrad.ones(1 << 20)
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            cygrad.set_num_threads(2)
        ok = cygrad.get_num_threads() == 2 and float(x.exp().sum()) > 0
    """) == 0


# ------------------------------------------------------------------ the thread pool
def test_matmul_identical_on_one_and_two_threads():
    # every block, sliver and batch matrix is computed the same way on whichever thread
    # claims it, so products do not depend on the thread count or on scheduling
    rng = np.random.default_rng(5)
    cases = [((512, 300), (300, 384)), ((256, 784), (784, 10)), ((256, 784), (784, 256)),
             ((16, 96, 80), (16, 80, 72))]
    for sa, sb in cases:
        for dt in (np.float32, np.float64):
            a = from_np(rng.standard_normal(sa).astype(dt))
            b = from_np(rng.standard_normal(sb).astype(dt))
            r1, r2 = _both(lambda: a @ b)
            _identical(r1, r2)
            np.testing.assert_allclose(r2, a.numpy() @ b.numpy(), rtol=1e-4, atol=1e-3)
            r1, r2 = _both(lambda: b.transpose(-1, -2) @ a.transpose(-1, -2))
            _identical(r1, r2)


def test_pool_shared_by_concurrent_callers():
    """Two Python threads running threaded kernels at once: the one that finds the pool busy
    runs its ranges itself, with the same partition, so results are bitwise the same."""
    rng = np.random.default_rng(6)
    a = from_np(rng.standard_normal((384, 512)).astype(np.float32))
    b = from_np(rng.standard_normal((512, 448)).astype(np.float32))
    x = from_np(rng.standard_normal(1 << 20).astype(np.float32))
    cygrad.set_num_threads(2)
    want_mm, want_sum, want_exp = (a @ b).numpy().copy(), x.sum().item(), x.exp().numpy().copy()

    def work(i):
        if i % 3 == 0:
            return np.array_equal((a @ b).numpy(), want_mm)
        if i % 3 == 1:
            return x.sum().item() == want_sum
        return np.array_equal(x.exp().numpy(), want_exp)

    with ThreadPoolExecutor(max_workers=3) as ex:
        assert all(ex.map(work, range(30)))


def test_pool_starts_workers_for_the_thread_count():
    rc, out = run_child("""
        import cygrad
        from cygrad._core import _iter
        assert _iter._pool_workers() == 0            # nothing threaded has run yet
        cygrad.set_num_threads(1)
        x = cygrad.ones(1 << 20)
        (x + x).sum()
        assert _iter._pool_workers() == 0
        cygrad.set_num_threads(3)
        assert float((x + x).sum()) == 2 * (1 << 20)
        assert _iter._pool_workers() == (2 if _iter.have_threads() else 0)
        cygrad.set_num_threads(2)                    # fewer threads: extra workers stay idle
        assert float((x * 3).sum()) == 3 * (1 << 20)
        print("ok")
    """)
    assert rc == 0 and out.strip().endswith("ok"), out


@pytest.mark.parametrize("env, expected", [("3", "3"), ("2,1", "2"), ("", None), ("x", None)])
def test_default_threads_follow_omp_num_threads(env, expected):
    import os
    import subprocess
    import sys
    e = dict(os.environ, OMP_NUM_THREADS=env)
    out = subprocess.run([sys.executable, "-c", "import os, cygrad; print(cygrad.get_num_threads(),"
                          " len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity')"
                          " else os.cpu_count())"], capture_output=True, text=True, env=e,
                         timeout=120).stdout.split()
    assert out[0] == (expected if expected is not None else out[1])


# ------------------------------------------------ row, plane and batch kernels on the pool
def test_row_kernels_identical_on_one_and_two_threads():
    # softmax, layer norm, sort, top-k and the scans split rows (or blocks of rows) across
    # threads; each row is computed by one thread in one way, so results are bitwise equal
    rng = np.random.default_rng(7)
    F = cygrad.nn.functional
    for dt in (np.float32, np.float64):
        # above every kernel's grain size (the scans': 131072 elements)
        x = from_np(rng.standard_normal((600, 257)).astype(dt))
        g = from_np(rng.standard_normal((600, 257)).astype(dt))
        xt = from_np(rng.standard_normal((64, 257, 9)).astype(dt))
        for fn in (lambda: x.softmax(-1), lambda: x.log_softmax(-1), lambda: xt.softmax(1),
                   lambda: F.layer_norm(x, (257,)), lambda: x.sort(-1), lambda: x.topk(7, -1),
                   lambda: xt.sort(1), lambda: x.cumsum(-1), lambda: xt.cumprod(1),
                   lambda: x.argsort(-1, descending=True)):
            r1, r2 = _both(lambda: tuple(fn()) if isinstance(fn(), tuple) else fn())
            _identical(r1, r2)
        # against NumPy
        xn = x.numpy()
        e = np.exp(xn - xn.max(-1, keepdims=True))
        np.testing.assert_allclose(x.softmax(-1).numpy(), e / e.sum(-1, keepdims=True),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(x.sort(-1).values.numpy(), np.sort(xn, -1))
        np.testing.assert_allclose(xt.cumsum(1).numpy(), np.cumsum(xt.numpy(), 1),
                                   rtol=1e-5, atol=1e-4)
        # layer norm backward: the input gradient is per row (bitwise); the weight and bias
        # gradients are sums over ranges of rows, the same on every run at a thread count
        w = from_np(rng.standard_normal(257).astype(dt)).requires_grad_()
        b = from_np(rng.standard_normal(257).astype(dt)).requires_grad_()
        xr = x.detach().requires_grad_()

        def grads():
            xr.grad = w.grad = b.grad = None
            F.layer_norm(xr, (257,), w, b).backward(g)
            return xr.grad, w.grad, b.grad

        (dx1, dw1, db1), (dx2, dw2, db2) = _both(grads)
        _identical(dx1, dx2)
        cygrad.set_num_threads(2)
        for _ in range(3):
            _identical((dw2, db2), tuple(np.array(t.numpy(), copy=True) for t in grads()[1:]))
        mean = xn.mean(-1, keepdims=True)
        xhat = (xn - mean) / np.sqrt(xn.var(-1, keepdims=True) + 1e-5)
        tol = dict(rtol=1e-4, atol=1e-3) if dt == np.float32 else dict(rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(dw2, (g.numpy() * xhat).sum(0), **tol)
        np.testing.assert_allclose(db2, g.numpy().sum(0), **tol)
        np.testing.assert_allclose(dw1, dw2, **tol)


def test_plane_and_batch_kernels_identical_on_one_and_two_threads():
    rng = np.random.default_rng(8)
    F = cygrad.nn.functional
    for dt in (np.float32, np.float64):
        img = from_np(rng.standard_normal((32, 6, 30, 30)).astype(dt))
        w = from_np(rng.standard_normal((8, 6, 3, 3)).astype(dt))
        imr = img.detach().requires_grad_()

        def conv_grad():
            imr.grad = None
            F.conv2d(imr, w, padding=1).sum().backward()          # im2col and col2im
            return imr.grad

        def pool_grad():
            imr.grad = None
            F.max_pool2d(imr, 3, stride=2).sum().backward()
            return imr.grad

        a = from_np(rng.standard_normal((12, 48, 48)).astype(dt) + 48 * np.eye(48, dtype=dt))
        rhs = from_np(rng.standard_normal((12, 48, 5)).astype(dt))
        for fn in (lambda: F.conv2d(img, w, padding=1), lambda: F.max_pool2d(img, 2),
                   conv_grad, pool_grad, lambda: cygrad.linalg.solve(a, rhs),
                   lambda: cygrad.linalg.inv(a), lambda: cygrad.linalg.det(a)):
            r1, r2 = _both(fn)
            _identical(r1, r2)
        tol = 1e-4 if dt == np.float32 else 1e-10
        np.testing.assert_allclose(cygrad.linalg.solve(a, rhs).numpy(),
                                   np.linalg.solve(a.numpy(), rhs.numpy()), rtol=tol, atol=tol)
        np.testing.assert_allclose(cygrad.linalg.det(a).numpy(), np.linalg.det(a.numpy()),
                                   rtol=tol * 10)
