"""Helpers shared by the autograd tests: leaves with controlled values and torch twins."""
import numpy as np
import pytest

import cygrad
from conftest import from_np, to_numpy


def values(shape, kind="any", seed=0):
    """Deterministic float64 NumPy values of ``shape``.

    * ``any``: magnitudes in [0.1, 2] with random signs (away from 0: abs/relu are smooth);
    * ``pos``: in [0.5, 2];
    * ``unit``: in [-0.8, 0.8] (asin/acos/tan domains);
    * ``nz``: magnitudes in [0.5, 2] with random signs (divisors);
    * ``gt1``: in [1.2, 3] (acosh).
    """
    rng = np.random.default_rng(seed)
    if kind == "pos":
        a = rng.uniform(0.5, 2.0, shape)
    elif kind == "unit":
        a = rng.uniform(-0.8, 0.8, shape)
    elif kind == "nz":
        a = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    elif kind == "gt1":
        a = rng.uniform(1.2, 3.0, shape)
    elif kind == "any":
        a = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    else:  # pragma: no cover
        raise ValueError(kind)
    return np.asarray(a, dtype=np.float64)


def leaf(shape, kind="any", seed=0, dtype=cygrad.float64):
    """A contiguous cygrad leaf tensor that requires grad."""
    a = values(shape, kind, seed)
    t = from_np(a)
    if dtype is not cygrad.float64:
        t = t.to(dtype)
    return t.requires_grad_()


def as_leaf(a, dtype=cygrad.float64, requires_grad=True):
    """A cygrad leaf holding NumPy array ``a``."""
    t = from_np(np.asarray(a, dtype=np.float64))
    if dtype is not cygrad.float64:
        t = t.to(dtype)
    return t.requires_grad_(requires_grad)


def to_torch(t, requires_grad=None):
    """A torch leaf with the values and dtype of cygrad tensor ``t``."""
    torch = pytest.importorskip("torch")

    tt = torch.from_numpy(np.array(to_numpy(t), copy=True))
    rg = t.requires_grad if requires_grad is None else requires_grad
    return tt.requires_grad_(rg) if tt.is_floating_point() else tt


def np_of(t):
    """NumPy values of a cygrad or torch tensor."""
    if isinstance(t, cygrad.Tensor):
        return to_numpy(t)
    return t.detach().numpy()


def assert_close(cy, tt, rtol=1e-6, atol=1e-7, dtype=True):
    """A cygrad tensor equals a torch tensor: shape, dtype and values."""
    torch = pytest.importorskip("torch")

    assert cy is not None, "cygrad gradient is None"
    assert tt is not None, "torch gradient is None"
    assert tuple(cy.shape) == tuple(tt.shape), f"shape {tuple(cy.shape)} vs {tuple(tt.shape)}"
    if dtype:
        names = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64",
                 torch.int32: "int32", torch.bool: "bool"}
        assert repr(cy.dtype).split(".")[1] == names[tt.dtype], f"{cy.dtype} vs {tt.dtype}"
    np.testing.assert_allclose(np_of(cy).astype(np.float64),
                               tt.detach().numpy().astype(np.float64), rtol=rtol, atol=atol)


@pytest.fixture(autouse=True)
def _grad_mode_enabled():
    """Every test starts with grad mode on, and a test that leaves it off does not leak that
    into the next ones (the failure stays with the test that caused it)."""
    cygrad.set_grad_enabled(True)
    yield
    cygrad.set_grad_enabled(True)
