"""Indexing: views, integer gathers, boolean masks, assignment and ``cat``, beside NumPy and
PyTorch."""
import numpy as np

import cygrad

from .common import THREADS, random_array, rng, set_threads, torch, torch_only, trio

# Basic-indexing keys on a (1000, 1000) matrix; each yields a view, so this times key
# parsing and view construction only.
BASIC_KEYS = {
    "int": 5,
    "slice": slice(10, 900),
    "stepped_2d": (slice(10, 900, 3), slice(None, None, 2)),
    "ellipsis_newaxis": (Ellipsis, None),
}


class BasicSlice:
    """Cost of making a view with basic indexing (no data is touched)."""

    params = [list(BASIC_KEYS)]
    param_names = ["key"]

    def setup(self, key):
        self.key = BASIC_KEYS[key]
        self.x_np, self.x_cg, self.x_th = trio(random_array((1000, 1000), "float32"))

    def time_view_cygrad(self, key):
        self.x_cg[self.key]

    def time_view_numpy(self, key):
        self.x_np[self.key]

    @torch_only
    def time_view_torch(self, key):
        self.x_th[self.key]


GATHER_SOURCES = {"1000000": (1_000_000,), "10000x64": (10_000, 64)}


class Gather:
    """``x[idx]`` with 100k random int64 row indices (with repeats) into a float32 source."""

    params = [list(GATHER_SOURCES), THREADS]
    param_names = ["source", "threads"]

    def setup(self, source, threads):
        set_threads(threads)
        g = rng()
        shape = GATHER_SOURCES[source]
        self.x_np, self.x_cg, self.x_th = trio(random_array(shape, "float32", g))
        idx = g.integers(0, shape[0], size=100_000, dtype=np.int64)
        self.i_np, self.i_cg, self.i_th = trio(idx)

    def time_gather_cygrad(self, source, threads):
        self.x_cg[self.i_cg]

    def time_gather_numpy(self, source, threads):
        self.x_np[self.i_np]

    @torch_only
    def time_gather_torch(self, source, threads):
        self.x_th[self.i_th]


class MaskSelect:
    """``x[mask]`` on 1M float32 with a random boolean mask of the given density."""

    params = [[0.1, 0.5, 0.9], THREADS]
    param_names = ["density", "threads"]

    def setup(self, density, threads):
        set_threads(threads)
        g = rng()
        self.x_np, self.x_cg, self.x_th = trio(random_array((1_000_000,), "float32", g))
        self.m_np, self.m_cg, self.m_th = trio(g.random(1_000_000) < density)

    def time_mask_select_cygrad(self, density, threads):
        self.x_cg[self.m_cg]

    def time_mask_select_numpy(self, density, threads):
        self.x_np[self.m_np]

    @torch_only
    def time_mask_select_torch(self, density, threads):
        self.x_th[self.m_th]


class Cat:
    """``cat`` of ten (1000, 100) float32 tensors along ``dim``."""

    params = [[0, 1], THREADS]
    param_names = ["dim", "threads"]

    def setup(self, dim, threads):
        set_threads(threads)
        g = rng()
        parts = [trio(random_array((1000, 100), "float32", g)) for _ in range(10)]
        self.l_np = [p[0] for p in parts]
        self.l_cg = [p[1] for p in parts]
        self.l_th = [p[2] for p in parts]

    def time_cat_cygrad(self, dim, threads):
        cygrad.cat(self.l_cg, dim=dim)

    def time_cat_numpy(self, dim, threads):
        np.concatenate(self.l_np, axis=dim)

    @torch_only
    def time_cat_torch(self, dim, threads):
        torch.cat(self.l_th, dim=dim)


class SetItem:
    """In-place assignment of a scalar into 1M float32: ``x[mask] = 0.5`` (half the
    elements), ``x[idx] = 0.5`` (100k random int64 indices) and ``x[100:900_000] = 0.5``.

    The data changes after the first call but the cost does not depend on the values.
    """

    params = [["mask", "index", "slice"], THREADS]
    param_names = ["key", "threads"]

    def setup(self, key, threads):
        set_threads(threads)
        g = rng()
        self.x_np, self.x_cg, self.x_th = trio(random_array((1_000_000,), "float32", g))
        if key == "mask":
            self.k_np, self.k_cg, self.k_th = trio(g.random(1_000_000) < 0.5)
        elif key == "index":
            self.k_np, self.k_cg, self.k_th = trio(
                g.integers(0, 1_000_000, size=100_000, dtype=np.int64))
        else:
            self.k_np = self.k_cg = self.k_th = slice(100, 900_000)

    def time_setitem_cygrad(self, key, threads):
        self.x_cg[self.k_cg] = 0.5

    def time_setitem_numpy(self, key, threads):
        self.x_np[self.k_np] = 0.5

    @torch_only
    def time_setitem_torch(self, key, threads):
        self.x_th[self.k_th] = 0.5


class ScatterAdd:
    """Accumulating scatters, the backward of gathers: ``x.index_add_(0, idx, src)`` of
    100k rows of 16 float32 into (10k, 16) (an embedding's gradient) and
    ``x.scatter_add_(1, idx, src)`` of a (1000, 100) index into (1000, 1000). NumPy's
    reference is ``np.add.at``."""

    params = [["index_add_", "scatter_add_"], THREADS]
    param_names = ["op", "threads"]

    def setup(self, op, threads):
        set_threads(threads)
        g = rng()
        if op == "index_add_":
            x = np.zeros((10_000, 16), np.float32)
            idx = g.integers(0, 10_000, 100_000)
            src = random_array((100_000, 16), "float32", g)
            self.np_args = (x, idx, src)
        else:
            x = np.zeros((1000, 1000), np.float32)
            idx = g.integers(0, 1000, (1000, 100))
            src = random_array((1000, 100), "float32", g)
            self.np_args = (x, (np.arange(1000)[:, None], idx), src)
        self.cg = tuple(cygrad.from_numpy(a.copy()) for a in (x, idx, src))
        self.th = tuple(torch.from_numpy(a.copy()) for a in (x, idx, src)) if torch else None

    def time_scatter_cygrad(self, op, threads):
        x, idx, src = self.cg
        if op == "index_add_":
            x.index_add_(0, idx, src)
        else:
            x.scatter_add_(1, idx, src)

    def time_scatter_numpy(self, op, threads):
        x, idx, src = self.np_args
        np.add.at(x, idx, src)

    @torch_only
    def time_scatter_torch(self, op, threads):
        x, idx, src = self.th
        if op == "index_add_":
            x.index_add_(0, idx, src)
        else:
            x.scatter_add_(1, idx, src)
