"""The window kernels behind conv2d and max_pool2d (``_core/_conv.pyx``): values, indices and
gradients against PyTorch on the same inputs, NumPy references for the dtypes torch's conv
does not take, special values, empty batches and the threaded path (gradients against
finite differences are in test_functional_gradcheck.py)."""
import numpy as np
import pytest

import cygrad
import cygrad.nn.functional as F
from cygrad._core import _conv

from .nnutil import assert_close, np_of
from .test_functional_gradcheck import CONV_CASES, MAXPOOL_CASES


def _torch():
    return pytest.importorskip("torch")


def _pair(a, requires_grad=True):
    torch = _torch()
    c = cygrad.tensor(a).requires_grad_(requires_grad)
    t = torch.tensor(a).requires_grad_(requires_grad)
    return c, t


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv2d_forward_and_backward_match_torch(name, dtype):
    torch = _torch()
    xs, ws, has_bias, kw = CONV_CASES[name]
    rng = np.random.default_rng(1)
    x, tx = _pair(rng.standard_normal(xs).astype(dtype))
    w, tw = _pair(rng.standard_normal(ws).astype(dtype))
    b, tb = _pair(rng.standard_normal(ws[0]).astype(dtype)) if has_bias else (None, None)
    out = F.conv2d(x, w, b, **kw)
    tout = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    tol = (1e-5, 1e-5) if dtype == "float32" else (1e-12, 1e-12)
    assert_close(out, tout, *tol)
    g = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    out.backward(cygrad.tensor(g))
    tout.backward(torch.tensor(g))
    assert_close(x.grad, tx.grad, *tol)
    assert_close(w.grad, tw.grad, *tol)
    if has_bias:
        assert_close(b.grad, tb.grad, *tol)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_conv2d_integer_columns_match_numpy(dtype):
    rng = np.random.default_rng(2)
    x = rng.integers(-5, 5, (2, 3, 6, 5)).astype(dtype)
    w = rng.integers(-3, 3, (4, 3, 3, 2)).astype(dtype)
    out = F.conv2d(cygrad.tensor(x), cygrad.tensor(w), stride=(2, 1), padding=1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    oh, ow = (8 - 3) // 2 + 1, 7 - 2 + 1
    ref = np.zeros((2, 4, oh, ow), np.int64)
    for i in range(3):
        for j in range(2):
            win = xp[:, :, i:i + 2 * (oh - 1) + 1:2, j:j + ow]
            ref += np.einsum("nchw,oc->nohw", win.astype(np.int64), w[:, :, i, j])
    assert out.dtype is getattr(cygrad, dtype)
    np.testing.assert_array_equal(np_of(out), ref)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(MAXPOOL_CASES))
def test_max_pool2d_values_indices_and_gradient_match_torch(name, dtype):
    torch = _torch()
    shape, kw = MAXPOOL_CASES[name]
    rng = np.random.default_rng(3)
    # few distinct values: many ties inside windows
    a = rng.integers(-3, 3, shape).astype(dtype)
    x, tx = _pair(a)
    v, i = F.max_pool2d(x, return_indices=True, **kw)
    tv, ti = torch.nn.functional.max_pool2d(tx, return_indices=True, **kw)
    assert_close(v, tv, 0, 0)
    np.testing.assert_array_equal(np_of(i), ti.numpy())
    g = rng.standard_normal(tuple(tv.shape)).astype(dtype)
    v.backward(cygrad.tensor(g))
    tv.backward(torch.tensor(g))
    assert_close(x.grad, tx.grad, 1e-6, 1e-6)


def test_max_pool2d_special_values_match_torch():
    torch = _torch()
    nan, inf = float("nan"), float("inf")
    a = np.array([[[[nan, 1.0, -inf, -inf],
                    [2.0, nan, -inf, -inf],
                    [inf, 0.0, -0.0, 0.0],
                    [1.0, inf, 0.0, -0.0]]]], np.float32)
    for kw in [dict(kernel_size=2), dict(kernel_size=2, stride=1),
               dict(kernel_size=3, stride=1, padding=1)]:
        v, i = F.max_pool2d(cygrad.tensor(a), return_indices=True, **kw)
        tv, ti = torch.nn.functional.max_pool2d(torch.tensor(a), return_indices=True, **kw)
        np.testing.assert_array_equal(np_of(v), tv.numpy())
        np.testing.assert_array_equal(np.signbit(np_of(v)), np.signbit(tv.numpy()))
        np.testing.assert_array_equal(np_of(i), ti.numpy())


def test_max_pool2d_all_minus_inf_window_picks_its_first_element():
    a = np.full((1, 1, 3, 3), -np.inf, np.float32)
    v, i = F.max_pool2d(cygrad.tensor(a), 2, 1, 1, return_indices=True)
    assert np.isneginf(np_of(v)).all()
    # every window's first in-bounds element (never a padding position)
    np.testing.assert_array_equal(np_of(i)[0, 0], [[0, 0, 1, 2], [0, 0, 1, 2],
                                                   [3, 3, 4, 5], [6, 6, 7, 8]])
    try:
        import torch
    except ImportError:
        return
    ti = torch.nn.functional.max_pool2d(torch.tensor(a), 2, 1, 1, return_indices=True)[1]
    np.testing.assert_array_equal(np_of(i), ti.numpy())


def test_empty_batch_and_channels():
    for shape in [(0, 2, 5, 5), (2, 0, 5, 5)]:
        x = cygrad.zeros(shape, requires_grad=True)
        v = F.max_pool2d(x, 2)
        assert tuple(v.shape) == shape[:2] + (2, 2)
        v.sum().backward()
        assert tuple(x.grad.shape) == shape
    x = cygrad.zeros((0, 3, 5, 5), requires_grad=True)
    w = cygrad.ones((2, 3, 3, 3), requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    assert tuple(out.shape) == (0, 2, 5, 5)
    out.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 5, 5)
    np.testing.assert_array_equal(np_of(w.grad), np.zeros((2, 3, 3, 3), np.float32))


@pytest.mark.parametrize("threads", [1, 2])
def test_planes_split_over_threads(threads):
    """Above the grain the planes are split over the threads; the result is the same."""
    torch = _torch()
    old = cygrad.get_num_threads()
    cygrad.set_num_threads(threads)
    try:
        rng = np.random.default_rng(4)
        x, tx = _pair(rng.standard_normal((16, 8, 28, 28)).astype(np.float32))
        w, tw = _pair(rng.standard_normal((4, 8, 3, 3)).astype(np.float32))
        out = F.max_pool2d(F.conv2d(x, w, padding=1), 3, 2, 1)
        tout = torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, padding=1),
                                              3, 2, 1)
        assert_close(out, tout, 1e-4, 1e-4)
        out.sum().backward()
        tout.sum().backward()
        assert_close(x.grad, tx.grad, 1e-4, 1e-4)
        assert_close(w.grad, tw.grad, 1e-3, 1e-4)
    finally:
        cygrad.set_num_threads(old)


def test_kernels_reject_other_dtypes():
    b = cygrad.zeros((1, 3, 3), dtype=cygrad.bool)
    geom = ((2, 2), (1, 1), (0, 0), (1, 1), (2, 2))
    with pytest.raises(TypeError, match="dtype"):
        _conv.im2col(b, *geom)
    with pytest.raises(TypeError, match="float32 or float64"):
        _conv.max_pool2d_forward(cygrad.zeros((1, 3, 3), dtype=cygrad.int64), *geom)
    with pytest.raises(TypeError, match="float32 or float64"):
        _conv.col2im(cygrad.zeros((1, 2, 2, 2, 2), dtype=cygrad.int64), (3, 3), *geom)
