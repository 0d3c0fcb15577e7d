"""Elementwise ops: cygrad beside NumPy (and PyTorch when installed) on the same data."""
import numpy as np

from .common import (FLOAT_DTYPES, LAYOUTS, THREADS, layout_trio, random_array, rng,
                     set_threads, torch_only, trio)


class Add:
    """``a + b`` on (1000, 1000) operands; ``a`` takes the layout, ``b`` is contiguous.

    ``contiguous`` is the plain 1M-element add, ``transposed`` is ``A.T + B`` and ``stepped``
    is ``A[:, ::2] + B``.
    """

    params = [FLOAT_DTYPES, LAYOUTS, THREADS]
    param_names = ["dtype", "layout", "threads"]

    def setup(self, dtype, layout, threads):
        set_threads(threads)
        g = rng()
        self.a_np, self.a_cg, self.a_th = layout_trio((1000, 1000), layout, dtype, g)
        self.b_np, self.b_cg, self.b_th = trio(random_array((1000, 1000), dtype, g))

    def time_add_cygrad(self, dtype, layout, threads):
        self.a_cg + self.b_cg

    def time_add_numpy(self, dtype, layout, threads):
        self.a_np + self.b_np

    @torch_only
    def time_add_torch(self, dtype, layout, threads):
        self.a_th + self.b_th


class Broadcast:
    """(1000, 1000) + a row vector ``(1000,)`` or a column vector ``(1000, 1)``."""

    params = [FLOAT_DTYPES, ["row", "column"], THREADS]
    param_names = ["dtype", "operand", "threads"]

    def setup(self, dtype, operand, threads):
        set_threads(threads)
        g = rng()
        self.a_np, self.a_cg, self.a_th = trio(random_array((1000, 1000), dtype, g))
        shape = (1000,) if operand == "row" else (1000, 1)
        self.b_np, self.b_cg, self.b_th = trio(random_array(shape, dtype, g))

    def time_broadcast_add_cygrad(self, dtype, operand, threads):
        self.a_cg + self.b_cg

    def time_broadcast_add_numpy(self, dtype, operand, threads):
        self.a_np + self.b_np

    @torch_only
    def time_broadcast_add_torch(self, dtype, operand, threads):
        self.a_th + self.b_th


class Exp:
    """``exp`` of a (1000, 1000) operand (1M elements) in each layout."""

    params = [FLOAT_DTYPES, LAYOUTS, THREADS]
    param_names = ["dtype", "layout", "threads"]

    def setup(self, dtype, layout, threads):
        set_threads(threads)
        self.x_np, self.x_cg, self.x_th = layout_trio((1000, 1000), layout, dtype)

    def time_exp_cygrad(self, dtype, layout, threads):
        self.x_cg.exp()

    def time_exp_numpy(self, dtype, layout, threads):
        np.exp(self.x_np)

    @torch_only
    def time_exp_torch(self, dtype, layout, threads):
        self.x_th.exp()


class TinyOp:
    """10-element float32 ops: per-call overhead (dispatch, allocation, thread start-up)."""

    params = [THREADS]
    param_names = ["threads"]

    def setup(self, threads):
        set_threads(threads)
        g = rng()
        self.a_np, self.a_cg, self.a_th = trio(random_array((10,), "float32", g))
        self.b_np, self.b_cg, self.b_th = trio(random_array((10,), "float32", g))

    def time_tiny_add_cygrad(self, threads):
        self.a_cg + self.b_cg

    def time_tiny_add_numpy(self, threads):
        self.a_np + self.b_np

    @torch_only
    def time_tiny_add_torch(self, threads):
        self.a_th + self.b_th

    def time_tiny_add_scalar_cygrad(self, threads):
        self.a_cg + 1.5

    def time_tiny_add_scalar_numpy(self, threads):
        self.a_np + 1.5

    @torch_only
    def time_tiny_add_scalar_torch(self, threads):
        self.a_th + 1.5
