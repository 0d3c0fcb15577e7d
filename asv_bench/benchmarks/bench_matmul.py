"""Matrix products: cygrad's GEMM beside NumPy's OpenBLAS (and PyTorch when installed).

Threads are set for all three libraries (NumPy's BLAS through threadpoolctl when it is
installed; otherwise NumPy keeps its default). GFLOP/s = 2*M*N*K / time.
"""
import numpy as np

import cygrad

from .common import FLOAT_DTYPES, THREADS, random_array, set_threads, torch, torch_only, trio

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # the NumPy reference then runs with its default threads
    threadpool_limits = None


def _set_all_threads(self, threads):
    set_threads(threads)
    self._limits = threadpool_limits(threads, user_api="blas") if threadpool_limits else None


def _restore(self, *params):
    if getattr(self, "_limits", None) is not None:
        self._limits.unregister()


class MatmulSquare:
    """C = A @ B for square matrices."""

    params = [[64, 128, 512, 1024, 2048], FLOAT_DTYPES, THREADS]
    param_names = ["n", "dtype", "threads"]
    timeout = 120

    def setup(self, n, dtype, threads):
        _set_all_threads(self, threads)
        self.a_np, self.a_cg, self.a_th = trio(random_array((n, n), dtype))
        self.b_np, self.b_cg, self.b_th = trio(random_array((n, n), dtype)[::-1].copy())

    teardown = _restore

    def time_matmul_cygrad(self, n, dtype, threads):
        self.a_cg @ self.b_cg

    def time_matmul_numpy(self, n, dtype, threads):
        self.a_np @ self.b_np

    @torch_only
    def time_matmul_torch(self, n, dtype, threads):
        self.a_th @ self.b_th


def _operand(base, kind):
    """``base`` (contiguous), ``base.T`` ("t") or ``base[:, ::2]`` ("s"), in its own library."""
    if kind == "t":
        return base.T
    if kind == "s":
        return base[:, ::2]
    return base


class MatmulLayout:
    """(512, 512) @ (512, 512) with each operand contiguous ("n"), transposed ("t": a view
    ``X.T``) or stepped ("s": ``X[:, ::2]`` of a (512, 1024) buffer, unit stride in
    neither dimension). cygrad's packing routines read "n" and "t" operands in place;
    BLAS cannot take an "s" operand as it is."""

    params = [["nn", "tn", "nt", "tt", "ss"], FLOAT_DTYPES, THREADS]
    param_names = ["layout", "dtype", "threads"]

    def setup(self, layout, dtype, threads):
        _set_all_threads(self, threads)
        g = np.random.default_rng(0)
        a = random_array((512, 1024 if layout[0] == "s" else 512), dtype, g)
        b = random_array((512, 1024 if layout[1] == "s" else 512), dtype, g)
        # the views are taken in each library, so all three see the same strides
        self.a = [None if t is None else _operand(t, layout[0]) for t in trio(a)]
        self.b = [None if t is None else _operand(t, layout[1]) for t in trio(b)]

    teardown = _restore

    def time_matmul_cygrad(self, layout, dtype, threads):
        self.a[1] @ self.b[1]

    def time_matmul_numpy(self, layout, dtype, threads):
        self.a[0] @ self.b[0]

    @torch_only
    def time_matmul_torch(self, layout, dtype, threads):
        self.a[2] @ self.b[2]


class MatmulLayer:
    """Float32 products of a Transformer layer of width 128 (batch 12 x context 64 = 768
    rows, MLP width 512): the forward ``x @ w.T`` (a transposed weight), the input gradient
    ``g @ w`` and the weight gradient ``g.T @ x`` (a transposed, column-major left operand).
    B has few columns here, so the packing of A is a large share of each product."""

    params = [["x@w.T", "g@w", "g.T@x"], THREADS]
    param_names = ["product", "threads"]

    def setup(self, product, threads):
        _set_all_threads(self, threads)
        g = np.random.default_rng(0)
        x = trio(random_array((768, 512), "float32", g))
        w = trio(random_array((128, 512), "float32", g))
        gr = trio(random_array((768, 128), "float32", g))
        if product == "x@w.T":
            self.pairs = [(a, None if b is None else b.T) for a, b in zip(x, w)]
        elif product == "g@w":
            self.pairs = list(zip(gr, w))
        else:
            self.pairs = [(None if a is None else a.T, b) for a, b in zip(gr, x)]

    teardown = _restore

    def time_matmul_cygrad(self, product, threads):
        a, b = self.pairs[1]
        a @ b

    def time_matmul_numpy(self, product, threads):
        a, b = self.pairs[0]
        a @ b

    @torch_only
    def time_matmul_torch(self, product, threads):
        a, b = self.pairs[2]
        a @ b


class MatmulBatched:
    """(32, 128, 128) @ (32, 128, 128)."""

    params = [FLOAT_DTYPES, THREADS]
    param_names = ["dtype", "threads"]

    def setup(self, dtype, threads):
        _set_all_threads(self, threads)
        g = np.random.default_rng(0)
        self.a = trio(random_array((32, 128, 128), dtype, g))
        self.b = trio(random_array((32, 128, 128), dtype, g))

    teardown = _restore

    def time_bmm_cygrad(self, dtype, threads):
        self.a[1] @ self.b[1]

    def time_bmm_numpy(self, dtype, threads):
        self.a[0] @ self.b[0]

    @torch_only
    def time_bmm_torch(self, dtype, threads):
        self.a[2] @ self.b[2]


class MatmulTiny:
    """Float32 products where call overhead dominates: 4x4, 16x16 and a (64, 10) layer
    output; with 2 threads, a library that starts its pool for them pays for it here."""

    params = [["4x4", "16x16", "64x128@128x10"], THREADS]
    param_names = ["case", "threads"]

    def setup(self, case, threads):
        _set_all_threads(self, threads)
        shapes = {"4x4": ((4, 4), (4, 4)), "16x16": ((16, 16), (16, 16)),
                  "64x128@128x10": ((64, 128), (128, 10))}[case]
        g = np.random.default_rng(0)
        self.a = trio(random_array(shapes[0], "float32", g))
        self.b = trio(random_array(shapes[1], "float32", g))

    teardown = _restore

    def time_matmul_cygrad(self, case, threads):
        self.a[1] @ self.b[1]

    def time_matmul_numpy(self, case, threads):
        self.a[0] @ self.b[0]

    @torch_only
    def time_matmul_torch(self, case, threads):
        self.a[2] @ self.b[2]


class MatmulFewColumns:
    """Products with few output columns and a long K, as a classifier's last layer makes:
    ``(256, 784) @ (784, 10)`` (an MNIST batch through a linear model), a small batch of
    the same, and ``(4096, 1024) @ (1024, 8)``. Float32."""

    params = [["256x784@784x10", "32x784@784x10", "4096x1024@1024x8"], THREADS]
    param_names = ["case", "threads"]

    def setup(self, case, threads):
        _set_all_threads(self, threads)
        (m, k), (_, n) = [tuple(int(v) for v in side.split("x")) for side in case.split("@")]
        g = np.random.default_rng(0)
        self.a = trio(random_array((m, k), "float32", g))
        self.b = trio(random_array((k, n), "float32", g))

    teardown = _restore

    def time_matmul_cygrad(self, case, threads):
        self.a[1] @ self.b[1]

    def time_matmul_numpy(self, case, threads):
        self.a[0] @ self.b[0]

    @torch_only
    def time_matmul_torch(self, case, threads):
        self.a[2] @ self.b[2]


class Solve:
    """LU-based ``solve(A, B)`` with 8 right-hand sides and ``inv(A)``, float64, for a
    diagonally dominant ``A`` (well conditioned)."""

    params = [[64, 256], THREADS]
    param_names = ["n", "threads"]

    def setup(self, n, threads):
        _set_all_threads(self, threads)
        g = np.random.default_rng(0)
        self.a = trio(random_array((n, n), "float64", g) + n * np.eye(n))
        self.b = trio(random_array((n, 8), "float64", g))

    teardown = _restore

    def time_solve_cygrad(self, n, threads):
        cygrad.linalg.solve(self.a[1], self.b[1])

    def time_solve_numpy(self, n, threads):
        np.linalg.solve(self.a[0], self.b[0])

    @torch_only
    def time_solve_torch(self, n, threads):
        torch.linalg.solve(self.a[2], self.b[2])

    def time_inv_cygrad(self, n, threads):
        cygrad.linalg.inv(self.a[1])

    def time_inv_numpy(self, n, threads):
        np.linalg.inv(self.a[0])

    @torch_only
    def time_inv_torch(self, n, threads):
        torch.linalg.inv(self.a[2])
