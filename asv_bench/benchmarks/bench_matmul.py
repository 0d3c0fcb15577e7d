"""Matrix products: cygrad's GEMM beside NumPy's OpenBLAS (and PyTorch when installed).

Threads are set for all three libraries (NumPy's BLAS through threadpoolctl when it is
installed; otherwise NumPy keeps its default). GFLOP/s = 2*M*N*K / time.
"""
from .common import FLOAT_DTYPES, THREADS, random_array, set_threads, torch_only, trio

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


class MatmulLayout:
    """Transposed operands are read in place by the packing routines (512^2, float32)."""

    params = [["nn", "tn", "nt", "tt"], THREADS]
    param_names = ["layout", "threads"]

    def setup(self, layout, threads):
        _set_all_threads(self, threads)
        a = random_array((512, 512), "float32")
        b = random_array((512, 512), "float32")
        self.a = trio(a)
        self.b = trio(b)
        self.ta, self.tb = layout[0] == "t", layout[1] == "t"

    teardown = _restore

    def _run(self, i):
        a = self.a[i].T if self.ta else self.a[i]
        b = self.b[i].T if self.tb else self.b[i]
        return a @ b

    def time_matmul_cygrad(self, layout, threads):
        self._run(1)

    def time_matmul_numpy(self, layout, threads):
        self._run(0)

    @torch_only
    def time_matmul_torch(self, layout, threads):
        self._run(2)


class MatmulBatched:
    """(32, 128, 128) @ (32, 128, 128) float32."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        _set_all_threads(self, threads)
        self.a = trio(random_array((32, 128, 128), "float32"))
        self.b = trio(random_array((32, 128, 128), "float32"))

    teardown = _restore

    def time_bmm_cygrad(self, threads):
        self.a[1] @ self.b[1]

    def time_bmm_numpy(self, threads):
        self.a[0] @ self.b[0]

    @torch_only
    def time_bmm_torch(self, threads):
        self.a[2] @ self.b[2]


class MatmulTiny:
    """Products where call overhead dominates: 4x4, 16x16 and a (64, 10) layer output."""

    params = [["4x4", "16x16", "64x128@128x10"]]
    param_names = ["case"]

    def setup(self, case):
        shapes = {"4x4": ((4, 4), (4, 4)), "16x16": ((16, 16), (16, 16)),
                  "64x128@128x10": ((64, 128), (128, 10))}[case]
        self.a = trio(random_array(shapes[0], "float32"))
        self.b = trio(random_array(shapes[1], "float32"))

    def time_matmul_cygrad(self, case):
        self.a[1] @ self.b[1]

    def time_matmul_numpy(self, case):
        self.a[0] @ self.b[0]

    @torch_only
    def time_matmul_torch(self, case):
        self.a[2] @ self.b[2]


class Solve:
    """LU-based linear solve and inverse (n = 256, float64)."""

    params = [[64, 256]]
    param_names = ["n"]

    def setup(self, n):
        import numpy as np

        a = random_array((n, n), "float64") + n * np.eye(n)
        self.a = trio(a)
        self.b = trio(random_array((n, 8), "float64"))

    def time_solve_cygrad(self, n):
        import cygrad

        cygrad.linalg.solve(self.a[1], self.b[1])

    def time_solve_numpy(self, n):
        import numpy as np

        np.linalg.solve(self.a[0], self.b[0])

    def time_inv_cygrad(self, n):
        import cygrad

        cygrad.linalg.inv(self.a[1])

    def time_inv_numpy(self, n):
        import numpy as np

        np.linalg.inv(self.a[0])
