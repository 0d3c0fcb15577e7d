"""Elementwise ops: cygrad beside NumPy (and PyTorch when installed) on the same data."""
import numpy as np

import cygrad

from .common import (FLOAT_DTYPES, LAYOUTS, SIZES, THREADS, layout_trio, random_array, rng,
                     set_threads, shape_of, torch, torch_only, trio)


class Add:
    """``a + b`` on square operands; ``a`` takes the layout, ``b`` is contiguous.

    ``contiguous`` is the plain add (10k or 1M elements), ``transposed`` is ``A.T + B`` and
    ``stepped`` is ``A[:, ::2] + B``.
    """

    params = [SIZES, FLOAT_DTYPES, LAYOUTS, THREADS]
    param_names = ["size", "dtype", "layout", "threads"]

    def setup(self, size, dtype, layout, threads):
        set_threads(threads)
        g = rng()
        shape = shape_of(size)
        self.a_np, self.a_cg, self.a_th = layout_trio(shape, layout, dtype, g)
        self.b_np, self.b_cg, self.b_th = trio(random_array(shape, dtype, g))

    def time_add_cygrad(self, size, dtype, layout, threads):
        self.a_cg + self.b_cg

    def time_add_numpy(self, size, dtype, layout, threads):
        self.a_np + self.b_np

    @torch_only
    def time_add_torch(self, size, dtype, layout, threads):
        self.a_th + self.b_th


class Broadcast:
    """An (n, n) matrix + a row vector ``(n,)`` or a column vector ``(n, 1)``."""

    params = [SIZES, FLOAT_DTYPES, ["row", "column"], THREADS]
    param_names = ["size", "dtype", "operand", "threads"]

    def setup(self, size, dtype, operand, threads):
        set_threads(threads)
        g = rng()
        shape = shape_of(size)
        self.a_np, self.a_cg, self.a_th = trio(random_array(shape, dtype, g))
        vshape = (shape[1],) if operand == "row" else (shape[0], 1)
        self.b_np, self.b_cg, self.b_th = trio(random_array(vshape, dtype, g))

    def time_broadcast_add_cygrad(self, size, dtype, operand, threads):
        self.a_cg + self.b_cg

    def time_broadcast_add_numpy(self, size, dtype, operand, threads):
        self.a_np + self.b_np

    @torch_only
    def time_broadcast_add_torch(self, size, dtype, operand, threads):
        self.a_th + self.b_th


class Exp:
    """``exp`` of a square operand (10k or 1M elements) in each layout."""

    params = [SIZES, FLOAT_DTYPES, LAYOUTS, THREADS]
    param_names = ["size", "dtype", "layout", "threads"]

    def setup(self, size, dtype, layout, threads):
        set_threads(threads)
        self.x_np, self.x_cg, self.x_th = layout_trio(shape_of(size), layout, dtype)

    def time_exp_cygrad(self, size, dtype, layout, threads):
        self.x_cg.exp()

    def time_exp_numpy(self, size, dtype, layout, threads):
        np.exp(self.x_np)

    @torch_only
    def time_exp_torch(self, size, dtype, layout, threads):
        self.x_th.exp()


# The transcendentals over 100,000 elements on one thread, each on a range where it is
# defined and not saturated. NumPy's name where it differs; None: NumPy has no such function.
_TRANSCENDENTALS = {
    "exp": (np.exp, (-3, 3)), "exp2": (np.exp2, (-3, 3)), "expm1": (np.expm1, (-3, 3)),
    "log": (np.log, (0.01, 10)), "log2": (np.log2, (0.01, 10)),
    "log10": (np.log10, (0.01, 10)), "log1p": (np.log1p, (-0.9, 10)),
    "tanh": (np.tanh, (-3, 3)), "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-3, 3)),
    "sin": (np.sin, (-3, 3)), "cos": (np.cos, (-3, 3)), "tan": (np.tan, (-1.5, 1.5)),
    "asin": (np.arcsin, (-1, 1)), "acos": (np.arccos, (-1, 1)), "atan": (np.arctan, (-3, 3)),
    "sinh": (np.sinh, (-3, 3)), "cosh": (np.cosh, (-3, 3)), "asinh": (np.arcsinh, (-3, 3)),
    "acosh": (np.arccosh, (1, 10)), "atanh": (np.arctanh, (-0.99, 0.99)),
    "erf": (None, (-3, 3)), "erfc": (None, (-3, 3)), "erfinv": (None, (-0.99, 0.99)),
    "sqrt": (np.sqrt, (0, 10)),
}


class Transcendental:
    """One transcendental function over 100,000 contiguous elements, one thread."""

    params = [sorted(_TRANSCENDENTALS), FLOAT_DTYPES]
    param_names = ["function", "dtype"]

    def setup(self, function, dtype):
        set_threads(1)
        lo, hi = _TRANSCENDENTALS[function][1]
        self.x_np, self.x_cg, self.x_th = trio(rng().uniform(lo, hi, 100_000).astype(dtype))
        self.f_cg = getattr(cygrad, function)

    def time_cygrad(self, function, dtype):
        self.f_cg(self.x_cg)

    def time_numpy(self, function, dtype):
        _TRANSCENDENTALS[function][0](self.x_np)

    def _numpy_has(*params):
        """Skip (asv's NotImplementedError from a method's setup, called with the
        parameters) where NumPy lacks the function."""
        function = params[-2]
        if _TRANSCENDENTALS[function][0] is None:
            raise NotImplementedError(f"NumPy has no {function}")

    time_numpy.setup = _numpy_has

    @torch_only
    def time_torch(self, function, dtype):
        getattr(torch, function)(self.x_th)


class Pow:
    """``x ** e`` over 100,000 positive elements, one thread: ``e`` one number (1.7, or 0.5
    and 3, which PyTorch and cygrad turn into sqrt and products) or a tensor of exponents."""

    params = [["1.7", "0.5", "3", "tensor"], FLOAT_DTYPES]
    param_names = ["exponent", "dtype"]

    def setup(self, exponent, dtype):
        set_threads(1)
        g = rng()
        self.x_np, self.x_cg, self.x_th = trio(g.uniform(0.01, 10, 100_000).astype(dtype))
        if exponent == "tensor":
            self.e_np, self.e_cg, self.e_th = trio(g.uniform(-2, 2, 100_000).astype(dtype))
        else:
            self.e_np = self.e_cg = self.e_th = float(exponent)

    def time_cygrad(self, exponent, dtype):
        self.x_cg ** self.e_cg

    def time_numpy(self, exponent, dtype):
        self.x_np ** self.e_np

    @torch_only
    def time_torch(self, exponent, dtype):
        self.x_th ** self.e_th


class Fmod:
    """``fmod`` of a square operand by a scalar (C's ``fmod``, a kernel of its own)."""

    params = [SIZES, FLOAT_DTYPES, THREADS]
    param_names = ["size", "dtype", "threads"]

    def setup(self, size, dtype, threads):
        set_threads(threads)
        self.x_np, self.x_cg, self.x_th = layout_trio(shape_of(size), "contiguous", dtype)

    def time_fmod_cygrad(self, size, dtype, threads):
        self.x_cg.fmod(0.7)

    def time_fmod_numpy(self, size, dtype, threads):
        np.fmod(self.x_np, 0.7)

    @torch_only
    def time_fmod_torch(self, size, dtype, threads):
        self.x_th.fmod(0.7)


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


class PeakMemAdd:
    """Peak resident memory of ``a + b`` on (4000, 4000) float64 (128 MB per operand).

    ``a`` takes the layout: a library that copies a non-contiguous operand before adding
    (rather than reading it in place) shows one more 128 MB buffer. The process baseline
    includes every imported library and the inputs, so the differences are what counts.
    """

    params = [LAYOUTS]
    param_names = ["layout"]

    def setup(self, layout):
        g = rng()
        self.a_np, self.a_cg, self.a_th = layout_trio((4000, 4000), layout, "float64", g)
        self.b_np, self.b_cg, self.b_th = trio(random_array((4000, 4000), "float64", g))

    def peakmem_add_cygrad(self, layout):
        self.a_cg + self.b_cg

    def peakmem_add_numpy(self, layout):
        self.a_np + self.b_np

    @torch_only
    def peakmem_add_torch(self, layout):
        self.a_th + self.b_th
