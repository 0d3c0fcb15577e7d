"""Shared helpers and fixtures of the cygrad test suite.

Values are compared with NumPy (always) and PyTorch (when it is installed; the parity tests
call ``pytest.importorskip("torch")`` themselves).

Helpers importable from test modules (``from conftest import check, ...``):

* :func:`check` compares a cygrad tensor with a NumPy array: shape, dtype mapping and values
  (NaN equal to NaN, infinities by sign).
* :func:`to_numpy` reads a tensor back through ``tolist`` (independent of the buffer protocol).
* :func:`make_layout` builds a tensor holding given values in a given memory layout
  (contiguous, transposed, stepped slices, negative strides, ...).
* :func:`run_child` runs code in a fresh interpreter (for cases that crashed or hung, and
  for ``fork``).
"""
import gc
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import cygrad

try:  # Hypothesis profile: small and deterministic enough for a fast suite
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "cygrad", max_examples=60, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("cygrad-long", max_examples=1000, deadline=None)
    settings.load_profile("cygrad")
except ImportError:  # pragma: no cover
    pass


# ---------------------------------------------------------------------------- dtypes
DTYPE_PAIRS = [
    (cygrad.bool, np.dtype(np.bool_)),
    (cygrad.int32, np.dtype(np.int32)),
    (cygrad.int64, np.dtype(np.int64)),
    (cygrad.float32, np.dtype(np.float32)),
    (cygrad.float64, np.dtype(np.float64)),
]
CY2NP = {c: n for c, n in DTYPE_PAIRS}
NP2CY = {n: c for c, n in DTYPE_PAIRS}
ALL_DTYPES = [c for c, _ in DTYPE_PAIRS]
FLOAT_DTYPES = [cygrad.float32, cygrad.float64]
INT_DTYPES = [cygrad.int32, cygrad.int64]
NUMERIC_DTYPES = INT_DTYPES + FLOAT_DTYPES

# default relative tolerances when comparing floating results with NumPy
RTOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-12}


def np_dtype(cy_dtype):
    """The NumPy dtype matching a cygrad dtype."""
    return CY2NP[cy_dtype]


def cy_dtype(np_dt):
    """The cygrad dtype matching a NumPy dtype."""
    return NP2CY[np.dtype(np_dt)]


def torch_dtype(torch, cy_dt):
    """The torch dtype matching a cygrad dtype."""
    return {cygrad.bool: torch.bool, cygrad.int32: torch.int32, cygrad.int64: torch.int64,
            cygrad.float32: torch.float32, cygrad.float64: torch.float64}[cy_dt]


def cy_of_torch_dtype(torch, t_dt):
    return {torch.bool: cygrad.bool, torch.int32: cygrad.int32, torch.int64: cygrad.int64,
            torch.float32: cygrad.float32, torch.float64: cygrad.float64}[t_dt]


# ---------------------------------------------------------------------------- reading back
def to_numpy(t):
    """A NumPy copy of the tensor ``t`` read through ``tolist`` (so not the buffer protocol).

    Large tensors are read through ``numpy()`` to keep the suite fast.
    """
    assert isinstance(t, cygrad.Tensor), f"expected a cygrad.Tensor, got {type(t).__name__}"
    dt = np_dtype(t.dtype)
    shape = tuple(t.shape)
    if t.numel() > 200_000:
        return np.array(t.numpy(), dtype=dt, copy=True)
    vals = t.tolist()
    if t.numel() == 0:
        return np.zeros(shape, dtype=dt)
    out = np.array(vals, dtype=dt)
    assert out.shape == shape, f"tolist() gave shape {out.shape}, tensor shape is {shape}"
    return out


def check(cy, expected, rtol=None, atol=0.0, *, dtype=True):
    """Assert that cygrad tensor ``cy`` equals ``expected`` (array-like).

    * the shapes are equal;
    * the dtypes correspond (cygrad.float32 <-> np.float32, ...) unless ``dtype=False``;
    * the values are equal (integers, bools) or close (floats, relative ``rtol`` defaulting to a
      few ulp of the dtype), NaN equal to NaN and infinities equal only with the same sign.
    """
    expected = np.asarray(expected)
    assert isinstance(cy, cygrad.Tensor), f"expected a cygrad.Tensor, got {type(cy).__name__}"
    assert tuple(cy.shape) == expected.shape, \
        f"shape {tuple(cy.shape)} != expected {expected.shape}"
    if dtype:
        assert np_dtype(cy.dtype) == expected.dtype, \
            f"dtype {cy.dtype} does not match expected {expected.dtype}"
    got = to_numpy(cy)
    if got.dtype.kind == "f" or expected.dtype.kind == "f":
        if rtol is None:
            rtol = max(RTOL.get(got.dtype, 0.0), RTOL.get(expected.dtype, 0.0))
        exp = expected.astype(np.float64) if expected.dtype.kind != "f" else expected
        np.testing.assert_allclose(got.astype(np.float64), exp.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True)
        # the signs of infinities must match too (assert_allclose checks this) and NaNs
        # must be at the same places
        np.testing.assert_array_equal(np.isnan(got), np.isnan(exp))
    else:
        np.testing.assert_array_equal(got, expected)


def check_torch(cy, tt, rtol=None, atol=0.0):
    """Assert a cygrad tensor equals a torch tensor (shape, dtype, values)."""
    import torch

    assert cy.dtype is cy_of_torch_dtype(torch, tt.dtype), f"dtype {cy.dtype} vs {tt.dtype}"
    check(cy, tt.numpy(), rtol=rtol, atol=atol)


def from_np(a):
    """A contiguous cygrad-owned copy of NumPy array ``a`` (through ``from_numpy`` + ``clone``,
    so the helpers do not depend on ``cygrad.tensor(ndarray)``)."""
    a = np.array(a, copy=True, order="C")
    t = cygrad.from_numpy(a).clone()
    assert tuple(t.shape) == a.shape
    return t


def same_storage(a, b):
    """True if tensors ``a`` and ``b`` view the same memory buffer."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


# ---------------------------------------------------------------------------- layouts
LAYOUTS = ["contiguous", "transposed", "sliced", "negative", "numpy_sliced"]


def make_layout(a, layout):
    """A cygrad tensor with the values of NumPy array ``a`` in memory layout ``layout``.

    * ``contiguous``: a fresh row-major copy;
    * ``transposed``: a transpose view (the last two dims swapped) of a contiguous tensor;
    * ``sliced``: a view with steps and offsets (``base[1::2, 1::3, ...]``) of a larger tensor;
    * ``negative``: ``from_numpy`` of a flipped NumPy array (negative strides everywhere);
    * ``numpy_sliced``: ``from_numpy`` of a stepped NumPy slice (strides > 1, offset > 0).

    0-d and 1-d inputs get the nearest meaningful layout (a 0-d tensor is a view into a
    larger tensor where possible).
    """
    a = np.asarray(a)
    nd = a.ndim
    if layout == "contiguous":
        t = from_np(a)
    elif layout == "transposed":
        if nd < 2:
            return make_layout(a, "sliced")
        base = from_np(np.swapaxes(a, -1, -2))
        t = base.transpose(-1, -2)
        if a.size > 1 and a.shape[-1] > 1 and a.shape[-2] > 1:
            assert not t.is_contiguous()
    elif layout == "sliced":
        steps = [2 + (i % 2) for i in range(nd)]
        big = np.zeros(tuple(s * st + 1 for s, st in zip(a.shape, steps)), dtype=a.dtype)
        key = tuple(slice(1, 1 + s * st, st) for s, st in zip(a.shape, steps))
        big[key] = a
        base = from_np(big)
        t = base[key]
        if nd == 0:
            base = from_np(np.array([0, a.item(), 0], dtype=a.dtype))
            t = base[1]
    elif layout == "negative":
        flipped = np.array(np.flip(a), copy=True, order="C")
        arr = np.flip(flipped) if nd else flipped[...]
        t = cygrad.from_numpy(arr)
    elif layout == "numpy_sliced":
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
        key = tuple(slice(1, None, 2) for _ in a.shape)
        big[key] = a
        t = cygrad.from_numpy(big[key] if nd else big[...])
    else:  # pragma: no cover
        raise ValueError(layout)
    assert tuple(t.shape) == a.shape
    return t


@pytest.fixture(params=LAYOUTS)
def layout(request):
    """Each memory layout of :func:`make_layout`."""
    return request.param


@pytest.fixture(params=ALL_DTYPES, ids=lambda d: repr(d).split(".")[1])
def any_dtype(request):
    return request.param


@pytest.fixture(params=FLOAT_DTYPES, ids=lambda d: repr(d).split(".")[1])
def float_dtype(request):
    return request.param


@pytest.fixture(params=NUMERIC_DTYPES, ids=lambda d: repr(d).split(".")[1])
def numeric_dtype(request):
    return request.param


# ---------------------------------------------------------------------------- sample data
def sample(shape, dtype, *, seed=0, low=-5, high=5, positive=False, nonzero=False):
    """Deterministic NumPy sample data of ``shape`` and cygrad dtype ``dtype``."""
    rng = np.random.default_rng(seed)
    dt = np_dtype(dtype) if not isinstance(dtype, np.dtype) else dtype
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind == "i":
        lo = 1 if positive else low
        a = rng.integers(lo, high + 1, size=shape).astype(dt)
        if nonzero:
            a[a == 0] = 1
        return a
    a = rng.uniform(0.1 if positive else low, high, size=shape).astype(dt)
    if nonzero:
        a[a == 0] = 1
    return a


@pytest.fixture(autouse=True)
def _restore_global_state():
    """Every test starts with the default dtype float32 and the default thread count."""
    default = cygrad.get_default_dtype()
    nthreads = cygrad.get_num_threads()
    yield
    cygrad.set_default_dtype(default)
    cygrad.set_num_threads(nthreads)


def collect():
    """Run the garbage collector a few times (views must outlive their bases)."""
    for _ in range(3):
        gc.collect()


def run_child(code, timeout=120):
    """Run ``code`` (dedented) in a fresh interpreter; returns ``(returncode, stdout +
    stderr)``, so a crash is a failed test rather than a dead test run."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr
