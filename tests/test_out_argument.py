"""The ``out=`` keyword of the ``cygrad.*`` functions: written in place and returned, with
PyTorch's dtype and autograd rules."""
import numpy as np
import pytest

import cygrad
from conftest import check, from_np


@pytest.mark.parametrize("name,args", [
    ("matmul", lambda a: (a, a.t())), ("mm", lambda a: (a, a.t())),
    ("mul", lambda a: (a, 2.0)), ("add", lambda a: (a, a)), ("exp", lambda a: (a,)),
    ("sum", lambda a: (a, 1)), ("cumsum", lambda a: (a, 0)), ("clamp", lambda a: (a, 0.0)),
    ("cat", lambda a: ([a, a],)), ("stack", lambda a: ([a, a],)),
    ("tril", lambda a: (a,)), ("flip", lambda a: (a, [0])), ("topk", lambda a: (a, 2)),
])
def test_out_is_written_and_returned(name, args):
    a = from_np(np.arange(12.0).reshape(3, 4) / 7)
    fn = getattr(cygrad, name)
    ref = fn(*args(a))
    if isinstance(ref, tuple):
        out = tuple(cygrad.empty(r.shape, dtype=r.dtype) for r in ref)
        got = fn(*args(a), out=out)
        for o, g, r in zip(out, got, ref):
            assert g is o
            check(o, r.numpy())
        assert type(got) is type(ref)
        return
    out = cygrad.empty(ref.shape, dtype=ref.dtype)
    assert fn(*args(a), out=out) is out
    check(out, ref.numpy())


def test_out_rules():
    a = cygrad.arange(6.0).view(2, 3)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        cygrad.sum(a, 0, out=cygrad.empty(3, dtype=cygrad.int64))
    with pytest.raises(RuntimeError, match="out= has shape \\[4\\] but the result has shape"):
        cygrad.sum(a, 0, out=cygrad.empty(4))
    w = cygrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        cygrad.matmul(w, w, out=cygrad.empty(()))
    with cygrad.no_grad():
        o = cygrad.empty(())
        assert cygrad.matmul(w, w, out=o) is o and o.item() == 3.0
    o64 = cygrad.empty(3, dtype=cygrad.float64)
    cygrad.sum(a, 0, out=o64)                      # a wider out is fine
    check(o64, np.array([3.0, 5.0, 7.0]))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        cygrad.sum(a, out=[1.0])


def test_out_against_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    o, to = cygrad.empty(3, 3), torch.empty(3, 3)
    cygrad.matmul(from_np(a), from_np(a.T), out=o)
    torch.matmul(torch.from_numpy(a), torch.from_numpy(a.T), out=to)
    np.testing.assert_allclose(o.numpy(), to.numpy(), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda w, o: cygrad.exp(w, out=o), lambda w, o: cygrad.add(w, 1, out=o),
    lambda w, o: cygrad.mul(2.0, w, out=o), lambda w, o: cygrad.sub(w, w, alpha=2, out=o),
    lambda w, o: cygrad.div(w, 2, rounding_mode="floor", out=o),
    lambda w, o: cygrad.sum(w, 0, keepdim=True, out=o[:1]),
    lambda w, o: cygrad.exp(w.detach(), out=w),      # out itself requires grad
])
def test_out_refused_when_autograd_would_record(call):
    # PyTorch raises rather than recording a graph into out (or writing garbage into it)
    w = cygrad.full((3,), 2.5, requires_grad=True)
    o = cygrad.zeros(3)
    with pytest.raises(RuntimeError, match=r"\w+\(\): functions with out=\.\.\. arguments "
                                           r"don't support automatic differentiation"):
        call(w, o)
    with cygrad.no_grad():
        call(w, o)                                   # without recording it is fine
    assert o.grad_fn is None and not o.requires_grad


def test_elementwise_out_values():
    a = from_np(np.array([0.5, -1.25, 3.0]))
    o = cygrad.zeros(3, dtype=cygrad.float64)
    assert cygrad.exp(a, out=o) is o
    check(o, np.exp(a.numpy()))
    cygrad.div(a, 0.5, rounding_mode="floor", out=o)
    check(o, np.floor(a.numpy() / 0.5))
    cygrad.sub(a, a, alpha=3, out=o)
    check(o, -2 * a.numpy())
