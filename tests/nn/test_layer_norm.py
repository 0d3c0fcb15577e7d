"""``F.layer_norm`` (one fused kernel forward and backward) against PyTorch and NumPy:
values and all three gradients over layouts, dtypes, affine options, empty and threaded
inputs; float64 gradcheck and gradgradcheck; PyTorch's errors."""
import numpy as np
import pytest

import cygrad
import cygrad.nn.functional as F
from cygrad.autograd import gradcheck, gradgradcheck
from .nnutil import assert_close


def _np_layer_norm(x, k, w, b, eps):
    dims = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(dims, keepdims=True)
    var = ((x - mean) ** 2).mean(dims, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


CASES = [((4, 7), (7,)), ((3, 5, 8), (8,)), ((2, 3, 4, 5), (4, 5)), ((6,), (6,)),
         ((0, 5), (5,)), ((3, 0, 4), (4,)), ((300, 257), (257,)), ((2, 1), (1,))]


@pytest.mark.parametrize("shape,ns", CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_values_against_numpy(shape, ns, dtype, affine):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    w = rng.standard_normal(ns).astype(dtype) if affine in ("both", "weight") else None
    b = rng.standard_normal(ns).astype(dtype) if affine in ("both", "bias") else None
    y = F.layer_norm(cygrad.tensor(x), ns, None if w is None else cygrad.tensor(w),
                     None if b is None else cygrad.tensor(b), eps=1e-4)
    ref = _np_layer_norm(x.astype(np.float64), len(ns), w, b, 1e-4)
    assert y.dtype is getattr(cygrad, dtype) and tuple(y.shape) == shape
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5 if dtype == "float32" else 1e-12,
                               atol=2e-5 if dtype == "float32" else 1e-12)


def test_constant_rows_give_the_bias():
    x = cygrad.full((3, 4), 2.5)
    b = cygrad.tensor([1.0, 2.0, 3.0, 4.0])
    y = F.layer_norm(x, (4,), cygrad.ones(4), b)
    np.testing.assert_array_equal(y.numpy(), np.tile([1.0, 2.0, 3.0, 4.0], (3, 1)))


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced", "negative",
                                    "broadcast"])
def test_layouts(layout):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 10)).astype(np.float32)
    x = cygrad.tensor(base)
    if layout == "transposed":
        x, base = x.t(), base.T
    elif layout == "sliced":
        x, base = x[::2, 1::3], base[::2, 1::3]
    elif layout == "negative":
        x = cygrad.from_numpy(np.ascontiguousarray(base)[:, ::-1])
        base = base[:, ::-1]
    elif layout == "broadcast":
        x = x[:1].expand(4, 10)
        base = np.broadcast_to(base[:1], (4, 10))
    n = base.shape[-1]
    y = F.layer_norm(x, (n,))
    np.testing.assert_allclose(y.numpy(), _np_layer_norm(base.astype(np.float64), 1, None,
                                                         None, 1e-5), rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize("shape,ns", [((4, 7), (7,)), ((2, 3, 4, 5), (4, 5)),
                                      ((64, 600), (600,)), ((0, 3), (3,))], ids=str)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_gradients_against_torch(shape, ns, affine):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal(ns).astype(np.float32)
    b = rng.standard_normal(ns).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    cx, tx = cygrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cw = cygrad.tensor(w, requires_grad=True) if affine in ("both", "weight") else None
    tw = torch.tensor(w, requires_grad=True) if cw is not None else None
    cb = cygrad.tensor(b, requires_grad=True) if affine in ("both", "bias") else None
    tb = torch.tensor(b, requires_grad=True) if cb is not None else None
    cy = F.layer_norm(cx, ns, cw, cb)
    ty = torch.nn.functional.layer_norm(tx, ns, tw, tb)
    assert cy.grad_fn.name() == type(ty.grad_fn).__name__ == "NativeLayerNormBackward0"
    assert_close(cy, ty, rtol=1e-5, atol=1e-5)
    cy.backward(cygrad.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(cx.grad, tx.grad, rtol=1e-4, atol=1e-4)
    for c, t in ((cw, tw), (cb, tb)):
        if c is not None:
            assert tuple(c.grad.shape) == tuple(t.grad.shape)
            assert_close(c.grad, t.grad, rtol=1e-4, atol=1e-4)


def test_only_parameter_gradients():
    """An input that needs no gradient: the weight and bias gradients alone."""
    rng = np.random.default_rng(3)
    x = cygrad.tensor(rng.standard_normal((5, 4)))
    w = cygrad.ones(4, dtype=cygrad.float64, requires_grad=True)
    b = cygrad.zeros(4, dtype=cygrad.float64, requires_grad=True)
    y = F.layer_norm(x, (4,), w, b)
    (y * y).sum().backward()
    xh = _np_layer_norm(x.numpy(), 1, None, None, 1e-5)
    np.testing.assert_allclose(w.grad.numpy(), (2 * xh * xh).sum(0), rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), (2 * xh).sum(0), atol=1e-10)
    assert x.grad is None


@pytest.mark.parametrize("ns,shape", [((4,), (3, 4)), ((2, 3), (2, 2, 3)), ((5,), (5,))])
def test_gradcheck(ns, shape):
    rng = np.random.default_rng(4)
    x = cygrad.tensor(rng.standard_normal(shape), requires_grad=True)
    w = cygrad.tensor(rng.standard_normal(ns), requires_grad=True)
    b = cygrad.tensor(rng.standard_normal(ns), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, ns, w, b, eps=1e-3), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, ns, w, b, eps=1e-3), (x, w, b))
    assert gradgradcheck(lambda x: F.layer_norm(x, ns), (x,))


def test_errors_match_torch():
    x = cygrad.randn(3, 4)
    with pytest.raises(RuntimeError, match=r"Expected weight to be of same shape as "
                       r"normalized_shape, but got weight of shape \[3\] and "
                       r"normalized_shape = \[4\]"):
        F.layer_norm(x, (4,), cygrad.ones(3))
    with pytest.raises(RuntimeError, match=r"Expected bias to be of same shape"):
        F.layer_norm(x, (4,), None, cygrad.ones(2, 2))
    with pytest.raises(RuntimeError, match="mixed dtype \\(CPU\\): expect parameter to have "
                       "scalar type of Float"):
        F.layer_norm(x, (4,), cygrad.ones(4, dtype=cygrad.float64))
    with pytest.raises(NotImplementedError, match="\"LayerNormKernelImpl\" not implemented "
                       "for 'Long'"):
        F.layer_norm(cygrad.ones(3, 4, dtype=cygrad.int64), (4,))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input "
                       r"with shape \[\*, 5\], but got input of size\[3, 4\]"):
        F.layer_norm(x, (5,))


def test_zero_dim_input_is_refused():
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(cygrad.tensor(1.0), (1,))
