"""Ordering, scans and sampling: sort, topk, cumsum and multinomial, each beside NumPy's
(or the nearest NumPy expression) and PyTorch's on the same data.

NumPy has no ``topk``: its reference is ``argpartition`` plus a sort of the ``k`` picked,
what a NumPy user writes. ``multinomial`` with replacement is compared with
``Generator.choice`` on one row, and, over many rows, with the inverse-CDF NumPy idiom
(``cumsum`` + ``searchsorted`` per row is what ``choice`` does underneath).
"""
import numpy as np

import cygrad

from .common import (FLOAT_DTYPES, THREADS, random_array, set_threads, torch, torch_only,
                     trio)


class Sort:
    """``sort`` of a 1M vector, and along the last dim of a (1000, 1000) matrix (rows are
    split between threads)."""

    params = [["1000000", "1000x1000"], FLOAT_DTYPES, THREADS]
    param_names = ["shape", "dtype", "threads"]

    def setup(self, shape, dtype, threads):
        set_threads(threads)
        dims = tuple(int(s) for s in shape.split("x"))
        self.x_np, self.x_cg, self.x_th = trio(random_array(dims, dtype))

    def time_sort_cygrad(self, shape, dtype, threads):
        self.x_cg.sort(-1)

    def time_sort_numpy(self, shape, dtype, threads):
        # argsort + take: PyTorch's sort returns both values and indices
        idx = np.argsort(self.x_np, axis=-1, kind="stable")
        np.take_along_axis(self.x_np, idx, -1)

    @torch_only
    def time_sort_torch(self, shape, dtype, threads):
        self.x_th.sort(dim=-1, stable=True)

    def peakmem_sort_cygrad(self, shape, dtype, threads):
        self.x_cg.sort(-1)


class Topk:
    """``topk`` of a (256, 50_000) float32 matrix of logits (the sampling step of a
    language model over a 50k vocabulary) and of one 1M vector."""

    params = [["256x50000", "1000000"], [1, 10, 100], THREADS]
    param_names = ["shape", "k", "threads"]

    def setup(self, shape, k, threads):
        set_threads(threads)
        dims = tuple(int(s) for s in shape.split("x"))
        self.k = k
        self.x_np, self.x_cg, self.x_th = trio(random_array(dims, "float32"))

    def time_topk_cygrad(self, shape, k, threads):
        self.x_cg.topk(self.k, -1)

    def time_topk_numpy(self, shape, k, threads):
        part = np.argpartition(-self.x_np, self.k - 1, axis=-1)[..., :self.k]
        vals = np.take_along_axis(self.x_np, part, -1)
        order = np.argsort(-vals, axis=-1)
        np.take_along_axis(part, order, -1)

    @torch_only
    def time_topk_torch(self, shape, k, threads):
        self.x_th.topk(self.k, -1)


class Cumsum:
    """``cumsum`` along each dim of a (1000, 1000) matrix, and of a 1M vector."""

    params = [["1000000:0", "1000x1000:0", "1000x1000:1"], FLOAT_DTYPES, THREADS]
    param_names = ["case", "dtype", "threads"]

    def setup(self, case, dtype, threads):
        set_threads(threads)
        shape, dim = case.split(":")
        self.dim = int(dim)
        dims = tuple(int(s) for s in shape.split("x"))
        self.x_np, self.x_cg, self.x_th = trio(random_array(dims, dtype))

    def time_cumsum_cygrad(self, case, dtype, threads):
        self.x_cg.cumsum(self.dim)

    def time_cumsum_numpy(self, case, dtype, threads):
        np.cumsum(self.x_np, axis=self.dim)

    @torch_only
    def time_cumsum_torch(self, case, dtype, threads):
        self.x_th.cumsum(self.dim)


class Multinomial:
    """``multinomial`` from (rows, 27)-category distributions (makemore's character model
    samples from 27 letters) and one row over a 50k vocabulary."""

    params = [["1x50000:1", "1024x27:1", "1024x27:20", "1x50000:100"], [True, False]]
    param_names = ["case", "replacement"]

    def setup(self, case, replacement):
        shape, n = case.split(":")
        rows, cats = (int(s) for s in shape.split("x"))
        self.n = int(n)
        p = np.abs(random_array((rows, cats), "float32")) + np.float32(0.01)
        self.p_np, self.p_cg, self.p_th = trio(p)
        self.g_cg = cygrad.Generator().manual_seed(0)
        self.g_np = np.random.default_rng(0)
        if torch is not None:
            self.g_th = torch.Generator().manual_seed(0)

    def time_multinomial_cygrad(self, case, replacement):
        self.p_cg.multinomial(self.n, replacement, generator=self.g_cg)

    def time_multinomial_numpy(self, case, replacement):
        p = self.p_np.astype(np.float64)
        if replacement:
            cdf = np.cumsum(p, axis=1)
            u = self.g_np.random((p.shape[0], self.n)) * cdf[:, -1:]
            for r in range(p.shape[0]):
                np.searchsorted(cdf[r], u[r], side="right")
        else:
            for r in range(p.shape[0]):
                self.g_np.choice(p.shape[1], self.n, replace=False, p=p[r] / p[r].sum())

    @torch_only
    def time_multinomial_torch(self, case, replacement):
        self.p_th.multinomial(self.n, replacement, generator=self.g_th)
