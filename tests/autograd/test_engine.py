"""The backward engine and graph life cycle: accumulation, retain_graph, deep graphs,
``autograd.grad``, ``backward(inputs=...)``, retain_grad, hooks, grad modes, detach,
in-place ops (version counters), reference cycles and memory over many steps."""
import gc
import re
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import cygrad
from agutil import _grad_mode_enabled, as_leaf, assert_close, leaf, to_torch  # noqa: F401

FREED = "Trying to backward through the graph a second time"
INPLACE = ("one of the variables needed for gradient computation has been modified by an "
           "inplace operation")
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def grad_list(t):
    return None if t.grad is None else t.grad.tolist()


# ---------------------------------------------------------------------------- accumulation
def test_accumulates_across_backward_calls():
    x = as_leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    assert grad_list(x) == [2.0, 4.0, 6.0]
    (x * x).sum().backward()
    assert grad_list(x) == [4.0, 8.0, 12.0]
    x.grad.zero_()
    (x * 3).sum().backward()
    assert grad_list(x) == [3.0, 3.0, 3.0]
    x.grad = None
    (x * 3).sum().backward()
    assert grad_list(x) == [3.0, 3.0, 3.0]


def test_grad_is_not_aliased_to_internal_buffers():
    # the first gradient stored is a fresh tensor: accumulating into it must not change
    # anything else (e.g. the upstream gradient given by the caller)
    x = as_leaf([1.0, 2.0])
    v = as_leaf([1.0, 1.0], requires_grad=False)
    (x + 0).backward(v)
    (x + 0).backward(v)
    assert grad_list(x) == [2.0, 2.0]
    assert v.tolist() == [1.0, 1.0]


def test_retain_graph_allows_second_backward():
    x = as_leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert grad_list(x) == [4.0, 8.0]


def test_second_backward_without_retain_graph_raises():
    x = as_leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=FREED):
        y.backward()
    z = x.exp().sum()
    cygrad.autograd.grad(z, x)
    with pytest.raises(RuntimeError, match=FREED):
        cygrad.autograd.grad(z, x)


def test_second_backward_through_nodes_without_saved_tensors_is_allowed():
    # like torch: add/sum save nothing, so there is nothing to free
    x = as_leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert grad_list(x) == [2.0, 2.0]


def test_deep_chain_no_recursion():
    x0 = as_leaf([1.0, 2.0], dtype=cygrad.float32)
    x = x0
    for _ in range(100_000):
        x = x * 1.0001
    x.sum().backward()
    expected = (x / x0).detach().tolist()
    np.testing.assert_allclose(x0.grad.tolist(), expected, rtol=1e-3)
    del x       # freeing the 100k-node chain must not overflow the C stack either


def test_diamond_graph_runs_each_node_once():
    calls = []
    x = as_leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: calls.append(g.tolist()))
    z = y * y + y.exp() + y
    z.sum().backward()
    assert len(calls) == 1
    tx = to_torch(x)
    ty = tx * 2
    (ty * ty + ty.exp() + ty).sum().backward()
    assert_close(x.grad, tx.grad)


# ---------------------------------------------------------------------------- autograd.grad
def test_grad_basic_does_not_accumulate():
    x = as_leaf([1.0, 2.0])
    (g,) = cygrad.autograd.grad((x ** 2).sum(), x)
    assert g.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_grad_create_graph():
    x = as_leaf([1.0, 2.0])
    (g,) = cygrad.autograd.grad((x ** 3).sum(), [x], create_graph=True)
    assert g.requires_grad
    assert g.tolist() == [3.0, 12.0]
    (h,) = cygrad.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, 12.0]
    assert x.grad is None


def test_grad_without_create_graph_has_no_history():
    x = as_leaf([1.0, 2.0])
    (g,) = cygrad.autograd.grad((x ** 3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_grad_allow_unused():
    x, y = as_leaf([1.0, 2.0]), as_leaf([3.0, 4.0])
    gx, gy = cygrad.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0]
    assert gy is None
    gx, gy = cygrad.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    assert gy.tolist() == [0.0, 0.0]


def test_grad_unused_raises():
    x, y = as_leaf([1.0, 2.0]), as_leaf([3.0, 4.0])
    with pytest.raises(RuntimeError, match=r"appears to not have been used in the graph.*"
                                           r"allow_unused=True"):
        cygrad.autograd.grad((x * 2).sum(), [x, y])


def test_grad_input_not_requiring_grad_raises():
    x = as_leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        cygrad.autograd.grad((x * 2).sum(), [as_leaf([1.0, 1.0], requires_grad=False)])


def test_grad_wrt_non_leaf_and_multiple_outputs():
    x = as_leaf([1.0, 2.0])
    y = x * 2
    z = (y * y).sum()
    gy, gx = cygrad.autograd.grad(z, [y, x])
    assert gy.tolist() == [4.0, 8.0]
    assert gx.tolist() == [8.0, 16.0]
    a, b = (x * 3).sum(), (x * x).sum()
    (g,) = cygrad.autograd.grad([a, b], [x])
    assert g.tolist() == [5.0, 7.0]
    (g,) = cygrad.autograd.grad([x * 3, x * x], [x], [as_leaf([1.0, 0.0], requires_grad=False),
                                                      as_leaf([0.0, 1.0], requires_grad=False)])
    assert g.tolist() == [3.0, 4.0]


def test_backward_one_element_non_scalar():
    # torch accepts any one-element output without an explicit gradient
    x = as_leaf([1.0, 2.0])
    x.reshape(1, 2)[:, :1].backward()
    assert x.grad.tolist() == [1.0, 0.0]


def test_backward_create_graph_gives_differentiable_grad():
    x = as_leaf([1.0, 2.0])
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.tolist() == [3.0, 12.0]
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    (h,) = cygrad.autograd.grad(x.grad.sum(), x)
    assert h.tolist() == [6.0, 12.0]


def test_backward_errors():
    x = as_leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        as_leaf([1.0], requires_grad=False).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(as_leaf([1.0, 2.0], requires_grad=False))


# ---------------------------------------------------------------------------- backward(inputs)
def test_backward_inputs_accumulates_only_into_those():
    x, y = as_leaf([1.0, 2.0]), as_leaf([3.0, 4.0])
    z = (x * y).sum()
    z.backward(inputs=[x])
    assert grad_list(x) == [3.0, 4.0]
    assert y.grad is None
    w = (x * y).sum()
    cygrad.autograd.backward(w, inputs=[y])
    assert grad_list(y) == [1.0, 2.0]
    assert grad_list(x) == [3.0, 4.0]


def test_backward_inputs_non_leaf():
    x = as_leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    assert x.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # torch fills it without the non-leaf warning
        assert y.grad.tolist() == [4.0, 8.0]


# ---------------------------------------------------------------------------- retain_grad
def test_retain_grad_non_leaf():
    x = as_leaf([1.0, 2.0])
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]


def test_non_leaf_grad_access_warns():
    x = as_leaf([1.0, 2.0])
    y = x * 3
    y.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.grad     # a leaf: no warning
        y.retain_grad()
        y.grad     # retains grad: no warning


def test_retain_grad_sees_hook_modified_gradient():
    # torch: the retained .grad is the gradient after the tensor's hooks ran, whatever the
    # registration order
    x = as_leaf([1.0, 2.0])
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert y.grad.tolist() == [10.0, 10.0]
    assert x.grad.tolist() == [10.0, 10.0]


# ---------------------------------------------------------------------------- hooks
def test_hook_on_leaf_modifies_gradient_and_removes():
    x = as_leaf([1.0, 2.0])
    seen = []
    h1 = x.register_hook(lambda g: seen.append(g.tolist()))
    h2 = x.register_hook(lambda g: g * 2)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [6.0, 6.0]
    h2.remove()
    h1.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert seen == [[3.0, 3.0]]


def test_hook_on_non_leaf_modifies_gradient_flowing_on():
    x = as_leaf([1.0, 2.0])
    y = x * 2
    h = y.register_hook(lambda g: g + 100)
    (y * 3).sum().backward()
    assert x.grad.tolist() == [206.0, 206.0]
    h.remove()
    x.grad = None
    y2 = x * 2
    (y2 * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_hook_returning_none_keeps_gradient_and_hook_on_no_grad_tensor_raises():
    x = as_leaf([1.0, 2.0])
    x.register_hook(lambda g: None)
    (x * 5).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        as_leaf([1.0], requires_grad=False).register_hook(lambda g: g)


def test_leaf_hook_runs_for_autograd_grad():
    # torch runs a leaf's tensor hooks on the gradient autograd.grad returns for it
    x = as_leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (g,) = cygrad.autograd.grad((x * 3).sum(), x)
    assert g.tolist() == [30.0, 30.0]
    assert x.grad is None


def test_hooks_match_torch():
    x = leaf((3,), seed=1)
    tx = to_torch(x)
    for a in (x, tx):
        y = a.exp()
        y.register_hook(lambda g: g * g)
        a.register_hook(lambda g: g - 1)
        (y * a).sum().backward()
    assert_close(x.grad, tx.grad)


# ---------------------------------------------------------------------------- grad modes
def test_no_grad_context():
    x = as_leaf([1.0, 2.0])
    with cygrad.no_grad():
        y = x * 2
        assert not cygrad.is_grad_enabled()
    assert cygrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    z = x * 2
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_decorator_and_enable_grad():
    x = as_leaf([1.0, 2.0])

    @cygrad.no_grad()
    def f(a):
        return a * 2, cygrad.is_grad_enabled()

    @cygrad.enable_grad()
    def g(a):
        return a * 2

    y, enabled = f(x)
    assert not enabled and not y.requires_grad and y.grad_fn is None
    with cygrad.no_grad():
        z = g(x)
        with cygrad.enable_grad():
            w = x * 3
        v = x * 4
    assert z.requires_grad and z.grad_fn is not None
    assert w.requires_grad
    assert not v.requires_grad


def test_set_grad_enabled():
    x = as_leaf([1.0, 2.0])
    with cygrad.set_grad_enabled(False):
        y = x * 2
    assert not y.requires_grad
    assert cygrad.is_grad_enabled()
    cygrad.set_grad_enabled(False)
    try:
        assert not cygrad.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        cygrad.set_grad_enabled(True)
    assert (x * 2).requires_grad

    try:
        @cygrad.set_grad_enabled(False)
        def f(a):
            return a * 2

        # as torch: decorating does not change the current mode
        assert cygrad.is_grad_enabled()
        assert not f(x).requires_grad
        assert cygrad.is_grad_enabled()
    finally:
        cygrad.set_grad_enabled(True)


def test_no_grad_covers_every_kind_of_op():
    x = leaf((3, 4), seed=2)
    with cygrad.no_grad():
        outs = [x + 1, x.exp(), x.sum(), x.t(), x[0], x[cygrad.tensor([0, 0])], x @ x.t(),
                cygrad.cat([x, x]), cygrad.where(x > 0, x, 0.0), x.clamp(0, 1), x.max(1).values,
                x.reshape(-1), x.clone(), x.float(), x.var()]
    for o in outs:
        assert not o.requires_grad and o.grad_fn is None


def test_grad_mode_is_thread_local():
    import threading

    x = as_leaf([1.0])
    seen = {}

    def worker():
        seen["enabled"] = cygrad.is_grad_enabled()
        seen["requires_grad"] = (x * 2).requires_grad

    with cygrad.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == {"enabled": True, "requires_grad": True}


def test_inference_mode():
    x = as_leaf([1.0])
    with cygrad.inference_mode():
        y = x * 2
    assert not y.requires_grad


# ---------------------------------------------------------------------------- detach / data
def test_detach_shares_memory_and_has_no_grad_fn():
    x = as_leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    assert d.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()
    d[0] = 7.0
    assert y.tolist()[0] == 7.0
    dx = x.detach()
    assert dx.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    assert not x.data.requires_grad and x.data.grad_fn is None


def test_detach_breaks_the_graph():
    x = as_leaf([1.0, 2.0])
    y = (x * x).detach() * x
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 4.0]


def test_requires_grad_flag_rules():
    x = as_leaf([1.0], requires_grad=False)
    x.requires_grad = True
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        cygrad.tensor([1, 2]).requires_grad_()


# ---------------------------------------------------------------------------- in-place
def test_inplace_on_saved_output_raises():
    x = as_leaf([1.0, 2.0, 3.0])
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE):
        y.sum().backward()


def test_inplace_on_saved_input_raises():
    x = as_leaf([1.0, 2.0, 3.0])
    w = as_leaf([2.0, 3.0, 4.0])
    h = x * 2          # a non-leaf saved by the next mul
    a = h * w
    h.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE):
        a.sum().backward()


def test_inplace_on_unsaved_tensor_is_fine():
    x = as_leaf([1.0, 2.0, 3.0])
    h = x * 2
    a = h + 5          # add saves nothing
    h.mul_(10)
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_inplace_on_leaf_raises():
    x = as_leaf([1.0, 2.0])
    for op in (lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.exp_(),
               lambda t: t.zero_(), lambda t: t.__setitem__(0, 5.0), lambda t: t.copy_(t * 0),
               lambda t: t.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match=re.escape(LEAF_INPLACE)):
            op(x)
    with cygrad.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("name", ["add_mul", "setitem_mask", "sub_div_scalar", "sigmoid_",
                                  "exp_", "clamp_", "sin_", "pow_", "mul_tensor", "div_tensor",
                                  "copy_", "masked_fill_", "zero_slice"])
def test_inplace_on_non_leaf_matches_torch(name):
    torch = pytest.importorskip("torch")

    def body(T, x, w):
        y = x * 2
        if name == "add_mul":
            y.add_(1)
            y.mul_(3)
        elif name == "setitem_mask":
            y[y < 0] = 0
        elif name == "sub_div_scalar":
            y.sub_(0.5)
            y.div_(4)
        elif name == "sigmoid_":
            y.sigmoid_()
        elif name == "exp_":
            y.exp_()
        elif name == "clamp_":
            y.clamp_(-1, 1)
        elif name == "sin_":
            y.sin_()
        elif name == "pow_":
            y.pow_(2)
        elif name == "mul_tensor":
            y.mul_(w)
        elif name == "div_tensor":
            y.div_(w)
        elif name == "copy_":
            y.copy_(w * w)
        elif name == "masked_fill_":
            y.masked_fill_(y > 1, 0.5)
        elif name == "zero_slice":
            y[1:3] = 0.0
        return (y * y).sum()

    x, w = leaf((5,), seed=3), leaf((5,), "nz", seed=4)
    tx, tw = to_torch(x), to_torch(w)
    body(cygrad, x, w).backward()
    body(torch, tx, tw).backward()
    assert_close(x.grad, tx.grad)
    if tw.grad is None:
        assert w.grad is None
    else:
        assert_close(w.grad, tw.grad)


def test_retain_grad_then_inplace_follows_the_tensor():
    # torch: .grad of a retained non-leaf is the gradient w.r.t. its latest value
    torch = pytest.importorskip("torch")

    out = {}
    for T in (cygrad, torch):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.mul_(3)
        (y * y).sum().backward()
        out[T.__name__] = (y.grad.tolist(), x.grad.tolist())
    assert out["cygrad"] == out["torch"]        # torch: ([12, 24, 36], [72, 144, 216])


def test_setitem_and_index_put_values_on_non_leaf():
    torch = pytest.importorskip("torch")

    out = {}
    for T in (cygrad, torch):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = T.tensor([5.0, 7.0], requires_grad=True)
        y = x * 1
        y[T.tensor([0, 2])] = v
        z = x * 1
        z.index_put_((T.tensor([0, 0]),), v, accumulate=True)
        (y * y + z * z).sum().backward()
        out[T.__name__] = (x.grad.tolist(), v.grad.tolist())
    assert out["cygrad"] == out["torch"]


def test_setitem_mask_on_non_leaf_values():
    x = as_leaf([1.0, -2.0, 3.0])
    y = x * 2
    y[y < 0] = 0
    (y * y).sum().backward()
    assert x.grad.tolist() == [8.0, 0.0, 24.0]


def test_inplace_version_counter_bumps():
    x = as_leaf([1.0, 2.0])
    y = x * 2
    v = y._version
    y.add_(1)
    assert y._version > v
    d = y.detach()
    d.mul_(2)
    assert y._version > v + 1      # the detached alias shares the version counter


# ---------------------------------------------------------------------------- lifetimes
def test_grad_fn_freed_by_refcount_when_output_deleted():
    gc.collect()
    gc.disable()
    try:
        x = as_leaf([1.0, 2.0])
        w = as_leaf([3.0, 4.0])
        loss = ((x * w).exp() + x.sin()).sum()
        ref = weakref.ref(loss.grad_fn)
        inner = weakref.ref(loss.grad_fn.next_functions[0][0])
        del loss
        assert ref() is None
        assert inner() is None
    finally:
        gc.enable()


def test_no_reference_cycles_after_backward():
    gc.collect()
    gc.disable()
    try:
        x = as_leaf([[1.0, 2.0], [3.0, 4.0]])
        w = as_leaf([[0.5], [-1.0]])
        h = (x @ w).tanh()
        h.retain_grad()
        loss = (h * h).mean() + x[cygrad.tensor([0, 0])].sum() + x.t().exp().sum()
        ref = weakref.ref(loss.grad_fn)
        href = weakref.ref(h)
        loss.backward()
        del loss, h
        assert ref() is None
        assert href() is None
        del x, w
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0, f"{found} objects were only freed by the cycle collector"


def test_no_reference_cycles_with_hooks_and_custom_function():
    class Sq(cygrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    gc.collect()
    gc.disable()
    try:
        x = as_leaf([1.0, 2.0])
        y = Sq.apply(x)
        y.register_hook(lambda g: g * 2)
        loss = y.sum()
        ref = weakref.ref(y.grad_fn)
        loss.backward()
        del loss, y
        assert ref() is None
        del x
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0


def test_leaf_is_freed_with_its_graph():
    gc.collect()
    gc.disable()
    try:
        x = as_leaf([1.0, 2.0])
        xref = weakref.ref(x)
        loss = (x * x).sum()
        del x
        assert xref() is not None      # the graph keeps the leaf alive (AccumulateGrad)
        del loss
        assert xref() is None
    finally:
        gc.enable()


def test_memory_flat_over_many_training_steps():
    cygrad.manual_seed(0)
    X = cygrad.randn(4, 3)
    Y = cygrad.randn(4, 1)
    w = cygrad.randn(3, 1).requires_grad_()
    b = cygrad.zeros(1, requires_grad=True)

    def step():
        nonlocal w, b
        loss = ((X @ w + b - Y) ** 2).mean()
        loss.backward()
        with cygrad.no_grad():
            w -= 0.01 * w.grad
            b -= 0.01 * b.grad
            w.grad.zero_()
            b.grad.zero_()

    for _ in range(200):      # warm-up (caches, first allocations)
        step()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for _ in range(1000):
            step()
        cur1, peak1 = tracemalloc.get_traced_memory()
        for _ in range(8000):
            step()
        tracemalloc.reset_peak()
        for _ in range(1000):
            step()
        cur2, peak2 = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak2 - peak1 < 4096, (peak1, peak2)
    assert cur2 - cur1 < 4096, (cur1, cur2)


# ------------------------------------------------------------------------ threads, hooks
def test_backward_in_several_threads_accumulates_every_gradient():
    # four threads run backward over one shared graph; every accumulation into .grad lands
    # (the add into a large .grad runs without the GIL, and the first one creates .grad)
    import threading

    n, calls = 1 << 17, 25
    for _ in range(3):
        w = cygrad.ones(n, requires_grad=True)
        loss = (w * 2.0).sum()
        barrier = threading.Barrier(4)

        def work():
            barrier.wait()
            for _ in range(calls):
                loss.backward(retain_graph=True)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        g = w.grad.numpy()
        assert g.min() == g.max() == 2.0 * 4 * calls


@pytest.mark.parametrize("leaf_hook", [True, False])
def test_hook_returning_a_non_tensor_raises_type_error(leaf_hook):
    x = cygrad.ones(2, requires_grad=True)
    y = x * 2

    def bad_hook(g):
        return 5

    (x if leaf_hook else y).register_hook(bad_hook)
    with pytest.raises(TypeError, match="expected Tensor, but hook 'bad_hook' returned 'int'"):
        (y * 3).sum().backward()


# ------------------------------------------------------------------------ Variable
def test_variable_is_a_name_for_tensors():
    from cygrad.autograd import Variable

    data = cygrad.ones(3)
    v = Variable(data, requires_grad=True)
    assert isinstance(v, cygrad.Tensor) and isinstance(data, Variable)
    assert v is not data and v.is_leaf and v.requires_grad and not data.requires_grad
    assert v.data_ptr() == data.data_ptr()
    (v * 2).sum().backward()
    assert v.grad.tolist() == [2.0, 2.0, 2.0]
    assert not Variable(data).requires_grad
    assert not isinstance(3, Variable)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        Variable(3)


def test_variable_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.autograd import Variable as TV

    x = torch.ones(2)
    v = TV(x, requires_grad=True)
    assert v is not x and v.requires_grad and not x.requires_grad and isinstance(x, TV)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        TV(3)
