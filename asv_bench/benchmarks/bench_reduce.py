"""Reductions: cygrad beside NumPy (and PyTorch when installed) on the same data.

``var`` is the unbiased estimate everywhere (PyTorch's default; NumPy gets ``ddof=1``).
"""
from .common import (FLOAT_DTYPES, LAYOUTS, THREADS, layout_trio, random_array, set_threads,
                     torch_only, trio)


class Reduce1D:
    """Full reductions of a vector of 10k or 1M elements."""

    params = [[10_000, 1_000_000], FLOAT_DTYPES, THREADS]
    param_names = ["n", "dtype", "threads"]

    def setup(self, n, dtype, threads):
        set_threads(threads)
        self.x_np, self.x_cg, self.x_th = trio(random_array((n,), dtype))

    def time_sum_cygrad(self, n, dtype, threads):
        self.x_cg.sum()

    def time_sum_numpy(self, n, dtype, threads):
        self.x_np.sum()

    @torch_only
    def time_sum_torch(self, n, dtype, threads):
        self.x_th.sum()

    def time_mean_cygrad(self, n, dtype, threads):
        self.x_cg.mean()

    def time_mean_numpy(self, n, dtype, threads):
        self.x_np.mean()

    @torch_only
    def time_mean_torch(self, n, dtype, threads):
        self.x_th.mean()

    def time_var_cygrad(self, n, dtype, threads):
        self.x_cg.var()

    def time_var_numpy(self, n, dtype, threads):
        self.x_np.var(ddof=1)

    @torch_only
    def time_var_torch(self, n, dtype, threads):
        self.x_th.var()


class Reduce2D:
    """Reductions over one dim of a (1000, 1000) matrix: contiguous, a transposed view
    (``X.T``) or a stepped view (``X[:, ::2]`` of a (1000, 2000) buffer)."""

    params = [FLOAT_DTYPES, LAYOUTS, THREADS]
    param_names = ["dtype", "layout", "threads"]

    def setup(self, dtype, layout, threads):
        set_threads(threads)
        self.x_np, self.x_cg, self.x_th = layout_trio((1000, 1000), layout, dtype)

    def time_sum_dim0_cygrad(self, dtype, layout, threads):
        self.x_cg.sum(dim=0)

    def time_sum_dim0_numpy(self, dtype, layout, threads):
        self.x_np.sum(axis=0)

    @torch_only
    def time_sum_dim0_torch(self, dtype, layout, threads):
        self.x_th.sum(dim=0)

    def time_sum_dim1_cygrad(self, dtype, layout, threads):
        self.x_cg.sum(dim=1)

    def time_sum_dim1_numpy(self, dtype, layout, threads):
        self.x_np.sum(axis=1)

    @torch_only
    def time_sum_dim1_torch(self, dtype, layout, threads):
        self.x_th.sum(dim=1)

    def time_amax_dim1_cygrad(self, dtype, layout, threads):
        self.x_cg.amax(dim=1)

    def time_amax_dim1_numpy(self, dtype, layout, threads):
        self.x_np.max(axis=1)

    @torch_only
    def time_amax_dim1_torch(self, dtype, layout, threads):
        self.x_th.amax(dim=1)


class PeakMemVar:
    """Peak resident memory of ``var`` over 10M float64 (80 MB of input).

    The input is large so that a full-size temporary (NumPy's ``x - mean``, for one) stands
    out against the process baseline, which includes every imported library.
    """

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        self.x_np, self.x_cg, self.x_th = trio(random_array((10_000_000,), "float64"))

    def peakmem_var_cygrad(self, threads):
        self.x_cg.var()

    def peakmem_var_numpy(self, threads):
        self.x_np.var(ddof=1)

    @torch_only
    def peakmem_var_torch(self, threads):
        self.x_th.var()
