"""Helpers and settings of the property-based fuzz suite (``tests/fuzz/``).

In CI every property runs ``FUZZ_EXAMPLES`` derandomized examples, so a run is reproducible.
For a soak, set ``CYGRAD_FUZZ_EXAMPLES`` (say ten times the default): the examples are then
drawn from a fresh random seed each run::

    CYGRAD_FUZZ_EXAMPLES=1000 python -m pytest tests/fuzz -q
"""
import os

import numpy as np
import pytest

try:
    from hypothesis import HealthCheck, settings, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover
    pytest.skip("the fuzz suite needs hypothesis", allow_module_level=True)

import cygrad

FUZZ_EXAMPLES = 100
_SOAK = os.environ.get("CYGRAD_FUZZ_EXAMPLES")

fuzz = settings(max_examples=int(_SOAK) if _SOAK else FUZZ_EXAMPLES, derandomize=not _SOAK,
                deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

NP_DTYPES = [np.bool_, np.int32, np.int64, np.float32, np.float64]
VIEWS = ["contiguous", "transposed", "stepped", "flipped", "expanded", "numpy_stepped"]


def values(rng, shape, dt):
    """Random values of NumPy dtype ``dt``: small integers, or floats with a few specials."""
    dt = np.dtype(dt)
    if dt == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    if dt.kind == "i":
        return np.asarray(rng.integers(-6, 7, size=shape), dtype=dt)
    a = np.asarray(rng.standard_normal(shape) * 4, dtype=dt)
    if a.size and rng.random() < 0.3:
        a.flat[rng.integers(0, a.size)] = rng.choice([0.0, np.inf, -np.inf, np.nan])
    return a


def as_view(a, kind, rng):
    """A cygrad tensor with the values of ``a`` in memory layout ``kind`` (a view where the
    layout needs one), built the way users get such tensors."""
    a = np.asarray(a)
    if kind == "contiguous" or a.ndim == 0:
        return cygrad.from_numpy(a.copy())
    if kind == "transposed":
        return cygrad.from_numpy(np.ascontiguousarray(a.T)).permute(*range(a.ndim - 1, -1, -1))
    if kind == "stepped":
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
        key = tuple(slice(1, None, 2) for _ in a.shape)
        big[key] = a
        return cygrad.from_numpy(big)[key]
    if kind == "flipped":          # negative strides, from NumPy
        return cygrad.from_numpy(np.flip(np.flip(a).copy()))
    if kind == "expanded":         # zero strides where a dim is 1
        if 1 in a.shape:
            return cygrad.from_numpy(a.copy()).expand(*a.shape)
        return cygrad.from_numpy(a.copy())
    if kind == "numpy_stepped":
        big = np.zeros(tuple(3 * s for s in a.shape), dtype=a.dtype)
        key = tuple(slice(2, None, 3) for _ in a.shape)
        big[key] = a
        return cygrad.from_numpy(big[key])
    raise ValueError(kind)


def numpy_of(t):
    """The values of a tensor as a NumPy array (through ``tolist``, not the buffer)."""
    out = np.array(t.tolist(), dtype=str(t.dtype).split(".")[1])
    return out.reshape(tuple(t.shape))


def assert_same(got, expected, rtol=None, atol=1e-30):
    """``got`` (a tensor) has ``expected``'s shape and values (NaN equal to NaN)."""
    expected = np.asarray(expected)
    assert tuple(got.shape) == expected.shape, (tuple(got.shape), expected.shape)
    g = numpy_of(got)
    if g.dtype.kind == "f":
        if rtol is None:
            rtol = 2e-6 if g.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(g.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, expected.astype(g.dtype))


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
seeds = st.integers(0, 2 ** 32 - 1)
