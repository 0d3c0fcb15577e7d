"""The record-or-run switch: the one place an op decides whether to record the graph.

Every ``Tensor`` method and ``cygrad.*`` function ends in one of these four functions. When
grad mode is on and one of the op's tensor inputs requires grad (or, for an in-place op, its
output does), the op runs as its recorded primitive in ``_functions`` (the same kernel, plus
the node); otherwise the kernel runs directly, and that branch is what keeps a 10-element
``a + b`` near a microsecond.

- :func:`binary` and :func:`unary`: elementwise ops by op code (``out`` for in-place forms);
- :func:`reduction`: ``sum``/``prod``/``amax``/``amin`` (and ``mean`` through ``scale``);
- :func:`op`: every other kernel (views, indexing, products, copies), recorded through the
  derivative table ``_functions.HANDLERS``.

This module is below ``tensor.py``: it receives tensors and returns what the kernels make,
without importing the module that defines the class.
"""
from .._core import _elementwise, _reduce
from .._core._tensor import TensorBase
from . import _functions
from .grad_mode import _state

__all__ = ["binary", "unary", "reduction", "op"]

_binary_kernel = _elementwise.binary
_unary_kernel = _elementwise.unary
_reduce_kernel = _reduce.reduce
_HANDLERS = _functions.HANDLERS


def binary(op, a, b, out=None):
    """``a <op> b`` for the binary op code ``op``, written into ``out`` when given.

    The test is ``grad_mode.needs_grad`` spelled out: this is the hottest path of the
    library, and the call made a 10-element add run 9% more instructions.
    """
    if ((isinstance(a, TensorBase) and a._requires_grad)
            or (isinstance(b, TensorBase) and b._requires_grad)
            or (out is not None and out._requires_grad)) and _state.enabled:
        if out is None:
            return _functions.binary(op, a, b)
        return _functions.inplace_binary(op, out, a, b)
    return _binary_kernel(op, a, b, out)


def unary(op, a, out=None):
    """The unary op code ``op`` on ``a`` (in place when ``out`` is ``a``)."""
    if a._requires_grad and _state.enabled:
        return _functions.unary(op, a) if out is None else _functions.inplace_unary(op, out)
    return _unary_kernel(op, a, out)


def reduction(op, x, dim, keepdim, scale=1.0):
    """The reduction ``op`` of ``x`` over ``dim`` (None: all dims), times ``scale``."""
    if x._requires_grad and _state.enabled:
        return _functions.reduction(op, x, dim, keepdim, scale)
    return _reduce_kernel(op, x, dim, keepdim, scale)


def op(fn, *args):
    """``fn(*args)`` for any other kernel; recorded by its entry in the derivative table
    (``grad_mode.needs_grad`` spelled out, as in :func:`binary`)."""
    for a in args:
        if isinstance(a, TensorBase) and a._requires_grad:
            if _state.enabled:
                handler = _HANDLERS.get(fn)
                if handler is not None:
                    return handler(*args)
            break
    return fn(*args)
