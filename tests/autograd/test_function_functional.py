"""Custom ``cygrad.autograd.Function``, tensor hooks, and ``cygrad.autograd.functional``
(vjp, jvp, jacobian, hessian) against ``torch.autograd.functional``."""
import numpy as np
import pytest

import cygrad
from cygrad.autograd import Function, gradcheck
from cygrad.autograd import functional as F
from agutil import _grad_mode_enabled, as_leaf, assert_close, leaf, to_torch  # noqa: F401

INPLACE = ("one of the variables needed for gradient computation has been modified by an "
           "inplace operation")


# ---------------------------------------------------------------------------- custom Function
def _scaled_mul(base):
    """``k * x * y`` with saved tensors, a non-tensor argument and needs_input_grad."""

    class ScaledMul(base):
        seen_needs = []

        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            ScaledMul.seen_needs.append(tuple(ctx.needs_input_grad))
            gx = g * y * ctx.k if ctx.needs_input_grad[0] else None
            gy = g * x * ctx.k if ctx.needs_input_grad[2] else None
            return gx, None, gy

    return ScaledMul


def test_custom_function_gradients_and_ctx():
    torch = pytest.importorskip("torch")
    CyF, TF = _scaled_mul(Function), _scaled_mul(torch.autograd.Function)
    x, y = leaf((2, 3), seed=1), leaf((2, 3), seed=2)
    tx, ty = to_torch(x), to_torch(y)
    out = CyF.apply(x, 2.5, y)
    tout = TF.apply(tx, 2.5, ty)
    assert_close(out, tout)
    assert out.requires_grad and not out.is_leaf
    assert out.grad_fn.name() == tout.grad_fn.name() == "ScaledMulBackward"
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)
    assert CyF.seen_needs == TF.seen_needs == [(True, False, True)]


def test_custom_function_needs_input_grad_partial():
    CyF = _scaled_mul(Function)
    x, y = leaf((3,), seed=3), leaf((3,), seed=4).detach()
    out = CyF.apply(x, -1.0, y)
    out.sum().backward()
    assert CyF.seen_needs == [(True, False, False)]
    np.testing.assert_allclose(x.grad.tolist(), (-1.0 * y).tolist())
    assert y.grad is None


def test_custom_function_gradcheck():
    CyF = _scaled_mul(Function)
    assert gradcheck(lambda a, b: CyF.apply(a, 0.7, b), (leaf((2, 2), seed=5),
                                                          leaf((2, 2), seed=6)))


def test_custom_function_next_functions():
    CyF = _scaled_mul(Function)
    x = leaf((2,), seed=7)
    h = x * 2
    out = CyF.apply(h, 3.0, x)
    names = [None if f is None else type(f).__name__ for f, _ in out.grad_fn.next_functions]
    assert names == ["MulBackward0", None, "AccumulateGrad"]


def test_custom_function_no_grad_and_no_inputs_requiring_grad():
    CyF = _scaled_mul(Function)
    x = leaf((2,), seed=8)
    with cygrad.no_grad():
        out = CyF.apply(x, 2.0, x)
    assert not out.requires_grad and out.grad_fn is None
    out = CyF.apply(x.detach(), 2.0, x.detach())
    assert not out.requires_grad and out.grad_fn is None


def test_custom_function_forward_runs_without_recording():
    class Probe(Function):
        inside = []

        @staticmethod
        def forward(ctx, a):
            Probe.inside.append(cygrad.is_grad_enabled())
            return a.exp()

        @staticmethod
        def backward(ctx, g):
            return g

    Probe.apply(leaf((2,), seed=9))
    assert Probe.inside == [False]


def test_custom_function_saved_tensor_modified_inplace():
    class Cube(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 3 * a * a * g

    x = leaf((3,), seed=10)
    h = x * 1.5
    out = Cube.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE):
        out.sum().backward()


def test_custom_function_returning_none_for_an_input_used_elsewhere():
    # an input whose gradient is None here still gets its gradient through other paths
    torch = pytest.importorskip("torch")

    def make(base):
        class OnlySecond(base):
            @staticmethod
            def forward(ctx, a, b):
                return a + b

            @staticmethod
            def backward(ctx, g):
                return None, g
        return OnlySecond

    C, T = make(Function), make(torch.autograd.Function)
    x = leaf((2,), seed=11)
    tx = to_torch(x)
    C.apply(x * 2, x).sum().backward()
    T.apply(tx * 2, tx).sum().backward()
    assert x.grad is not None
    assert_close(x.grad, tx.grad)


def test_custom_function_wrong_number_of_grads():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    x, y = leaf((2,), seed=12), leaf((2,), seed=13)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, y).sum().backward()


def test_custom_function_returning_input():
    class Identity(Function):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    x = leaf((2,), seed=14)
    out = Identity.apply(x)
    assert out is not x and out.grad_fn is not None and x.is_leaf
    out.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_custom_function_double_backward():
    class Square(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    x = as_leaf([1.0, -2.0])
    (g,) = cygrad.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [2.0, -4.0]
    (h,) = cygrad.autograd.grad(g.sum(), x)
    assert h.tolist() == [2.0, 2.0]


def test_custom_function_mark_non_differentiable():
    class Round(Function):
        @staticmethod
        def forward(ctx, a):
            out = a.round()
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    out = Round.apply(leaf((3,), seed=15))
    assert not out.requires_grad


# ---------------------------------------------------------------------------- register_hook
def test_register_hook_on_intermediate_and_leaf_vs_torch():
    torch = pytest.importorskip("torch")
    x = leaf((4,), seed=16)
    tx = to_torch(x)
    logs = {}
    for name, a in (("cy", x), ("t", tx)):
        seen = logs.setdefault(name, [])
        h = a.sin()
        hh = h.register_hook(lambda g, s=seen: s.append(g.tolist()) or g * 3)
        a.register_hook(lambda g: g + 1)
        (h * h).sum().backward()
        hh.remove()
    np.testing.assert_allclose(logs["cy"], logs["t"])
    assert_close(x.grad, tx.grad)


def test_grad_fn_register_hook_and_prehook():
    x = as_leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.grad_fn.register_prehook(lambda go: seen.append(("pre", go.tolist())))
    y.grad_fn.register_hook(lambda gi, go: seen.append(("post", gi[0].tolist())))
    y.sum().backward()
    assert seen == [("pre", [1.0, 1.0]), ("post", [3.0, 3.0])]


# ---------------------------------------------------------------------------- functional
def _both_functional(name, fn, inputs, **kw):
    torch = pytest.importorskip("torch")
    cy_in = tuple(inputs) if isinstance(inputs, tuple) else inputs
    t_in = (tuple(to_torch(c, False) for c in inputs) if isinstance(inputs, tuple)
            else to_torch(inputs, False))
    cy_kw = {k: v for k, v in kw.items()}
    t_kw = {k: (tuple(to_torch(x, False) for x in v) if isinstance(v, tuple)
                else to_torch(v, False)) if k == "v" else v for k, v in kw.items()}
    cy = getattr(F, name)(lambda *a: fn(cygrad, *a), cy_in, **cy_kw)
    t = getattr(torch.autograd.functional, name)(lambda *a: fn(torch, *a), t_in, **t_kw)
    _compare_nested(cy, t)
    return cy, t


def _compare_nested(cy, t):
    if isinstance(t, (tuple, list)):
        assert isinstance(cy, (tuple, list)) and len(cy) == len(t), (type(cy), len(t))
        for c, tt in zip(cy, t):
            _compare_nested(c, tt)
    else:
        assert_close(cy, t, rtol=1e-9, atol=1e-11)


def f_single(T, x):
    return (x ** 3 + 2 * x).sum(-1) * x[..., 0]


def f_pair(T, x, y):
    return x * y + y.exp() * x.sin()


def f_scalar(T, x):
    return (x * x * x).sum() + (x[0] * x[1]) ** 2


def f_scalar_pair(T, x, y):
    return (x * x * y).sum() + (y ** 3).sum() * x.sum()


def f_smooth(T, x):
    return (x.exp() * x.tanh()).sum() + x.sigmoid().prod()


def f_multi_out(T, x, y):
    return x * y, (x + y).sum(0), x.exp()


def test_vjp_single_and_tuple():
    x = leaf((2, 3), seed=20)
    v = leaf((2,), seed=21).detach()
    _both_functional("vjp", f_single, x, v=v)
    a, b = leaf((3,), seed=22), leaf((3,), seed=23)
    w = leaf((3,), seed=24).detach()
    _both_functional("vjp", f_pair, (a, b), v=w)
    _both_functional("vjp", f_scalar, leaf((3,), seed=25))


def test_vjp_does_not_touch_inputs():
    x = leaf((3,), seed=26)
    F.vjp(lambda a: (a * a).sum(), x)
    assert x.grad is None


def test_jvp_single_and_tuple():
    x = leaf((2, 3), seed=27)
    v = leaf((2, 3), seed=28).detach()
    _both_functional("jvp", f_single, x, v=v)
    a, b = leaf((3,), seed=29), leaf((3,), seed=30)
    va, vb = leaf((3,), seed=31).detach(), leaf((3,), seed=32).detach()
    _both_functional("jvp", f_pair, (a, b), v=(va, vb))


def test_jvp_polynomial():
    x = leaf((4,), seed=33)
    v = leaf((4,), seed=34).detach()
    _both_functional("jvp", lambda T, a: a * a * a - a, x, v=v)


def test_jacobian_single_input():
    _both_functional("jacobian", f_single, leaf((2, 3), seed=35))
    _both_functional("jacobian", lambda T, a: a * a * 3 - a, leaf((4,), seed=36))
    _both_functional("jacobian", lambda T, a: a.sum(), leaf((2, 2), seed=37))


def test_jacobian_tuple_inputs_and_outputs():
    a, b = leaf((3,), seed=38), leaf((3,), seed=39)
    _both_functional("jacobian", f_pair, (a, b))
    _both_functional("jacobian", f_multi_out, (leaf((2, 2), seed=40), leaf((2, 2), seed=41)))
    _both_functional("jacobian", lambda T, x, y: x * 2, (leaf((2,), seed=42),
                                                         leaf((2,), seed=43)))


def test_jacobian_of_matmul():
    W = leaf((2, 3), seed=44).detach()
    _both_functional("jacobian", lambda T, x: (W if T is cygrad else to_torch(W, False)) @ x,
                     leaf((3,), seed=45))


def test_hessian_polynomial():
    _both_functional("hessian", f_scalar, leaf((3,), seed=46))
    _both_functional("hessian", f_scalar_pair, (leaf((2,), seed=47), leaf((2,), seed=48)))


def test_hessian_smooth_functions():
    _both_functional("hessian", f_smooth, leaf((3,), seed=49))
    _both_functional("hessian", lambda T, x: (x * x + 1).log().sum(), leaf((3,), seed=50))
    _both_functional("hessian", lambda T, x: x.sqrt().sum(), leaf((3,), "pos", seed=53))


def test_hessian_matmul_quadratic_form():
    A = leaf((3, 3), seed=51).detach()

    def quad(T, x):
        M = A if T is cygrad else to_torch(A, False)
        return x @ (M @ x)

    _both_functional("hessian", quad, leaf((3,), seed=52))
