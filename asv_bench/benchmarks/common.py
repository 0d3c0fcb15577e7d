"""Shared helpers for the cygrad benchmark suite (no benchmarks live here).

Every case builds its data once in ``setup`` from ``numpy.random.default_rng(0)`` and hands
the *same* buffer to each library (``cygrad.from_numpy`` and ``torch.from_numpy`` are
zero-copy), then applies any layout change (transpose, stepped slice) natively in each
library, so all three see identical values and identical memory layouts.
"""
import numpy as np

import cygrad

try:
    import torch
except ImportError:  # the PyTorch reference is optional
    torch = None

THREADS = [1, 2]
FLOAT_DTYPES = ["float32", "float64"]
LAYOUTS = ["contiguous", "transposed", "stepped"]
# Square operand sizes: 10k elements (per-call and threading overhead still show) and 1M
# (memory bandwidth and kernel speed dominate).
SIZES = ["100x100", "1000x1000"]


def shape_of(size):
    """``"100x100"`` -> ``(100, 100)``."""
    return tuple(int(n) for n in size.split("x"))


def rng():
    """The seeded generator every ``setup`` draws its data from."""
    return np.random.default_rng(0)


def set_threads(n):
    """Use ``n`` intra-op threads in cygrad and (when present) PyTorch.

    NumPy's elementwise loops and reductions are single-threaded, so it has no knob here.
    """
    cygrad.set_num_threads(n)
    if torch is not None:
        torch.set_num_threads(n)


def cg_dtype(name):
    return getattr(cygrad, name)


def torch_dtype(name):
    return getattr(torch, name)


def random_array(shape, dtype="float32", seed_rng=None):
    """Standard-normal data of ``dtype`` (a name such as ``"float32"``)."""
    g = rng() if seed_rng is None else seed_rng
    return g.standard_normal(shape, dtype=np.dtype(dtype))


def layout_base_shape(shape, layout):
    """Shape of the contiguous buffer that ``apply_layout`` turns into ``shape``."""
    rows, cols = shape
    if layout == "contiguous":
        return (rows, cols)
    if layout == "transposed":
        return (cols, rows)
    if layout == "stepped":
        return (rows, 2 * cols)
    raise ValueError(f"unknown layout {layout!r}")


def apply_layout(x, layout):
    """A view of ``x`` with the named layout; the same syntax works in all three libraries.

    ``contiguous``: ``x`` itself; ``transposed``: ``x.T``; ``stepped``: ``x[:, ::2]``.
    """
    if layout == "contiguous":
        return x
    if layout == "transposed":
        return x.T
    if layout == "stepped":
        return x[:, ::2]
    raise ValueError(f"unknown layout {layout!r}")


def trio(arr):
    """``(numpy, cygrad, torch-or-None)`` views of one NumPy buffer (no copies)."""
    return arr, cygrad.from_numpy(arr), (torch.from_numpy(arr) if torch is not None else None)


def layout_trio(shape, layout, dtype="float32", seed_rng=None):
    """``trio`` of a ``shape`` array with ``layout`` built natively in each library."""
    base = random_array(layout_base_shape(shape, layout), dtype, seed_rng)
    return tuple(None if t is None else apply_layout(t, layout) for t in trio(base))


def mlp(lib, sizes):
    """``Linear-ReLU-...-Linear`` through ``sizes`` (no activation after the last layer),
    built with ``lib`` (``cygrad`` or ``torch``)."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers.append(lib.nn.ReLU())
        layers.append(lib.nn.Linear(fan_in, fan_out))
    return lib.nn.Sequential(*layers)


def _require_torch(*params):
    if torch is None:
        raise NotImplementedError("PyTorch is not installed")


def torch_only(func):
    """Mark a ``*_torch`` benchmark: asv skips it when PyTorch is not installed.

    asv runs a benchmark function's own ``setup`` attribute after the class ``setup``, and
    treats ``NotImplementedError`` raised from a setup as "skipped".
    """
    func.setup = _require_torch
    return func
