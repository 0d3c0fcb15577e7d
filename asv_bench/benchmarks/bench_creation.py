"""Tensor creation and NumPy interop, beside NumPy and PyTorch."""
import numpy as np

import cygrad

from .common import FLOAT_DTYPES, THREADS, cg_dtype, random_array, set_threads, torch, \
    torch_dtype, torch_only


class FromList:
    """``tensor(data)`` from 10k Python floats, flat or as 100 nested lists of 100."""

    params = [["flat", "nested"]]
    param_names = ["shape"]

    def setup(self, shape):
        values = random_array((10_000,), "float64")
        if shape == "nested":
            values = values.reshape(100, 100)
        self.data = values.tolist()

    def time_tensor_from_list_cygrad(self, shape):
        cygrad.tensor(self.data, dtype=cygrad.float32)

    def time_tensor_from_list_numpy(self, shape):
        np.array(self.data, dtype=np.float32)

    @torch_only
    def time_tensor_from_list_torch(self, shape):
        torch.tensor(self.data, dtype=torch.float32)


class NumpyRoundTrip:
    """``from_numpy(a).numpy()``: zero-copy, so the time should not grow with size.

    NumPy's reference is ``a.view()``, the cheapest way it has to make a new array object
    over the same buffer.
    """

    params = [[10, 1_000_000]]
    param_names = ["size"]

    def setup(self, size):
        self.a = random_array((size,), "float32")

    def time_roundtrip_cygrad(self, size):
        cygrad.from_numpy(self.a).numpy()

    def time_roundtrip_numpy(self, size):
        self.a.view()

    @torch_only
    def time_roundtrip_torch(self, size):
        torch.from_numpy(self.a).numpy()


class Zeros:
    """``zeros((1000, 1000))``.

    A library that allocates with ``calloc`` (NumPy does) may get fresh, lazily zeroed pages
    from the OS, and then pays for the zeroing at first touch rather than here.
    """

    params = [FLOAT_DTYPES, THREADS]
    param_names = ["dtype", "threads"]

    def setup(self, dtype, threads):
        set_threads(threads)
        self.cg_dtype = cg_dtype(dtype)
        self.np_dtype = np.dtype(dtype)
        self.th_dtype = torch_dtype(dtype) if torch is not None else None

    def time_zeros_cygrad(self, dtype, threads):
        cygrad.zeros((1000, 1000), dtype=self.cg_dtype)

    def time_zeros_numpy(self, dtype, threads):
        np.zeros((1000, 1000), dtype=self.np_dtype)

    @torch_only
    def time_zeros_torch(self, dtype, threads):
        torch.zeros((1000, 1000), dtype=self.th_dtype)
