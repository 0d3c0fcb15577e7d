"""The backward engine: dependency counts over the graph, per-node gradient buffers, nodes run
when every gradient they will receive has arrived.

No recursion anywhere (a 100k-deep chain works): the graph is walked with an explicit stack
to count, for each node, how many edges lead into it; a node becomes ready when that count
reaches zero, and ready nodes run latest-created first (a heap on the sequence number), as
PyTorch orders them. Broadcasting's backward happens in one place, ``sum_to_shape``, applied
to every gradient against the shape of the input it flows into.
"""
import heapq
import threading

from .._core import _elementwise
from .._core._tensor import TensorBase
from .._dtype import DTYPES as _DTYPES
from ..creation import ones_like, zeros_like
from . import grad_mode
from .graph import AccumulateGrad, grad_accumulator

__all__ = ["backward", "grad", "run_backward", "sum_to_shape"]

_clone = _elementwise.clone
_binary_kernel = _elementwise.binary
_ADD = _elementwise.BINARY_OPS["add"]


def sum_to_shape(grad, shape):
    """Sum ``grad`` over the dims that broadcasting added or stretched, back to ``shape``."""
    gshape = tuple(grad.shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0:
        return grad.reshape(shape)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape)
                                if s == 1 and gshape[lead + i] != 1]
    if dims:
        grad = grad.sum(dims, keepdim=True)
    return grad.reshape(shape) if lead or tuple(grad.shape) != shape else grad


def _apply_hooks(hooks, grad):
    """Run tensor hooks in order: each sees the gradient so far and may return a new one."""
    for hook in list(hooks):
        r = hook(grad)
        if r is not None:
            if not isinstance(r, TensorBase):
                raise TypeError(f"expected Tensor, but hook {getattr(hook, '__name__', hook)!r} "
                                f"returned '{type(r).__name__}'")
            grad = r
    return grad


# Backward may run in several threads over one graph (``retain_graph=True``): the test for a
# missing ``.grad`` and the in-place add, which releases the GIL for large tensors, must not
# interleave, or accumulations are lost.
_accumulate_lock = threading.Lock()


def _accumulate(v, grad, create_graph):
    """AccumulateGrad: add ``grad`` into the leaf's ``v.grad`` (its hooks have run)."""
    with _accumulate_lock:
        if v._grad is None:
            # a fresh tensor: the incoming gradient may be shared with other edges or the caller
            v._grad = grad if create_graph else _clone(grad)
        elif create_graph:
            v._grad = v._grad + grad
        else:
            _binary_kernel(_ADD, v._grad, grad, v._grad)


def run_backward(roots, grads, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate ``grads`` from the ``roots`` tensors.

    With ``accumulate`` (``Tensor.backward``) gradients are added into the ``.grad`` of the
    leaves (only those in ``inputs`` when given). Without it (``autograd.grad``) nothing is
    accumulated and the gradients of ``inputs`` are returned.
    """
    prev = grad_mode.is_grad_enabled()
    grad_mode._set_enabled(create_graph)
    try:
        return _run(roots, grads, retain_graph, create_graph, inputs, accumulate,
                    allow_unused)
    finally:
        grad_mode._set_enabled(prev)


def _root_node(t):
    return t._grad_fn if t._grad_fn is not None else grad_accumulator(t)


def _run(roots, grads, retain_graph, create_graph, inputs, accumulate, allow_unused):
    buffers = {}
    heap = []
    starts = []
    for t, g in zip(roots, grads):
        node = _root_node(t)
        key = id(node)
        if key in buffers:
            buffers[key] = buffers[key] + g
        else:
            buffers[key] = g
            starts.append(node)
    # which nodes' incoming gradients are wanted: id(node) -> position in ``inputs``
    capture = None
    only = None
    if inputs is not None:
        capture = {}
        for i, t in enumerate(inputs):
            if not isinstance(t, TensorBase):
                raise TypeError("inputs must be tensors")
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(id(_root_node(t)), []).append(i)
        if accumulate:
            only = capture
    # 1. dependency counts, explicit stack
    # (the roots start at 0, so a root reached from another root is not walked twice)
    deps = dict.fromkeys(map(id, starts), 0)
    stack = list(starts)
    while stack:
        for f, _nr in stack.pop().next_edges:
            if f is not None:
                k = id(f)
                if k in deps:
                    deps[k] += 1
                else:
                    deps[k] = 1
                    stack.append(f)
    for node in starts:
        if deps[id(node)] == 0:
            heapq.heappush(heap, (-node._seq, id(node), node))
    results = [None] * (len(inputs) if inputs is not None else 0)
    # 2. run ready nodes
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        _, key, node = pop(heap)
        g = buffers.pop(key, None)
        if g is None:
            # no gradient reached this node: it still releases its children's dependencies
            for f, _nr in node.next_edges:
                if f is not None:
                    k = id(f)
                    deps[k] -= 1
                    if deps[k] == 0:
                        push(heap, (-f._seq, k, f))
            continue
        if node._pre_hooks:
            g = _apply_hooks(node._pre_hooks, g)
        if node.__class__ is AccumulateGrad:
            v = node._variable()
            if v is None:       # the leaf was deleted: nobody can read its gradient
                continue
            if v._ag is not None and v._ag.hooks:
                g = _apply_hooks(v._ag.hooks, g)
            if capture and key in capture:
                for i in capture[key]:
                    results[i] = g
            if accumulate and (only is None or key in only):
                _accumulate(v, g, create_graph)
            continue
        if capture:
            if key in capture:
                for i in capture[key]:
                    results[i] = g
            if only is not None and key in only:
                t = _non_leaf_input(inputs, node)
                if t is not None:
                    t._grad = g if t._grad is None else t._grad + g
        grads = node.apply(g)
        if node._hooks:
            for hook in list(node._hooks):
                r = hook(grads, (g,))
                if r is not None:
                    grads = r
        if not retain_graph and node._saved:
            node._saved = ()
            node._released = True
        metas = node._meta
        i = -1
        for f, _nr in node.next_edges:
            i += 1
            if f is None:
                continue
            k = id(f)
            gi = grads[i]
            if gi is not None:
                shape, dtype = metas[i]
                if not gi._has_shape(shape):
                    gi = sum_to_shape(gi, shape)
                if gi._dtype_code != dtype:
                    gi = gi.to(_DTYPES[dtype])
                prev_g = buffers.get(k)
                buffers[k] = gi if prev_g is None else prev_g + gi
            n = deps[k] - 1
            deps[k] = n
            if n == 0:
                push(heap, (-f._seq, k, f))
    if inputs is not None and not accumulate:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        return tuple(results)
    return None


def _non_leaf_input(inputs, node):
    for t in inputs:
        if t._grad_fn is node:
            return t
    return None


def _as_list(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _make_grads(outputs, grad_outputs):
    grads = []
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if not o.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                                   f"have a grad_fn")
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ones_like(o)
        elif tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of {o.shape}.")
        if not o.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        Roots (scalars unless ``grad_tensors`` are given).
    grad_tensors : Tensor or sequence, optional
        The vectors of the vector-Jacobian products.
    retain_graph : bool, optional
        Keep saved tensors for another backward (defaults to ``create_graph``).
    create_graph : bool
        Record the backward pass itself, for higher-order derivatives.
    inputs : sequence of Tensor, optional
        Accumulate only into these.
    """
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_list(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(tensors, grads, retain_graph, create_graph, inputs, True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (nothing accumulates in
    ``.grad``).

    Returns
    -------
    tuple of Tensor
        One per input (``None`` for unused inputs when ``allow_unused=True``).

    Examples
    --------
    >>> x = cygrad.tensor([1., 2.], requires_grad=True)
    >>> cygrad.autograd.grad((x ** 2).sum(), x)
    (tensor([2., 4.]),)
    """
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs, False,
                       bool(allow_unused) or materialize_grads)
    if materialize_grads:
        res = tuple(zeros_like(x) if r is None else r for r, x in zip(res, inputs))
    return res
