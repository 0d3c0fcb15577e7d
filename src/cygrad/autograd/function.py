"""User-defined differentiable operations: ``cygrad.autograd.Function``.

Subclass it with ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` static methods
and call ``MyFn.apply(*args)``; ``ctx`` is the graph node (named ``MyFnBackward``), which
offers ``save_for_backward``, ``saved_tensors`` and ``needs_input_grad`` as in PyTorch.
"""
from .._core._tensor import TensorBase
from . import grad_mode
from .graph import Node, _edge, _info

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx(Node):
    """The ``ctx`` of a custom :class:`Function`, which is also its backward node.

    ``forward(ctx, ...)`` stores what ``backward(ctx, ...)`` needs on it: tensors with
    :meth:`save_for_backward` (checked for in-place changes), anything else as attributes
    (``ctx.scale = 2``). ``ctx.needs_input_grad`` holds one bool per input of ``forward``.
    Once recorded, ``ctx`` is the output's ``grad_fn``, named after the Function.

    Examples
    --------
    >>> class Cube(cygrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> y = Cube.apply(cygrad.tensor([2.0], requires_grad=True))
    >>> y.grad_fn.name(), y.grad_fn.needs_input_grad
    ('CubeBackward', (True,))
    """

    __slots__ = ("_fn", "needs_input_grad", "_attrs", "_non_diff", "materialize_grads")

    def __init__(self, fn, edges, meta):
        Node.__init__(self, edges, meta)
        self._fn = fn
        self.needs_input_grad = tuple(e.function is not None for e in edges)
        self._attrs = {}
        self._non_diff = set()
        self.materialize_grads = True

    def __getattr__(self, name):          # ctx.anything = value, as PyTorch allows
        try:
            return object.__getattribute__(self, "_attrs")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        if name in FunctionCtx.__slots__ or name in Node.__slots__:
            object.__setattr__(self, name, value)
        else:
            self._attrs[name] = value

    def save_for_backward(self, *tensors):
        """Keep tensors for ``backward`` (in-place changes to them are detected)."""
        self.save(*tensors)

    @property
    def saved_tensors(self):
        """The tensors given to :meth:`save_for_backward`."""
        return self.saved

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient."""
        self._non_diff.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        """Whether missing output gradients are passed as zeros (default) or None."""
        self.materialize_grads = value

    def name(self):
        """``<Function name>Backward``, the node's name in the graph."""
        return self._fn.__name__ + "Backward"

    def apply(self, g):
        grads = self._fn.backward(self, g)
        if not isinstance(grads, tuple):
            grads = (grads,)
        n = len(self.next_edges)
        if len(grads) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(grads)})")
        return grads


class Function:
    """Base class of user-defined autograd operations.

    Examples
    --------
    >>> class Square(cygrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = cygrad.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    tensor([6.])
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the output from ``args`` (runs without recording); override it."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Return one gradient per ``forward`` argument (None for non-tensors); override it."""
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    @classmethod
    def apply(cls, *args):
        """Run ``forward`` and, if any tensor argument requires grad, record the node."""
        ctx = FunctionCtx(cls, tuple(_edge(a) for a in args), tuple(_info(a) for a in args))
        record = grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        if not record:
            return out
        outs = out if isinstance(out, tuple) else (out,)
        if len(outs) != 1:
            raise NotImplementedError("custom Functions with several outputs are not "
                                      "supported yet")
        o = outs[0]
        if isinstance(o, TensorBase) and id(o) not in ctx._non_diff and o.is_floating_point():
            if any(o is a for a in args):       # returned an input: give it a fresh alias
                o = o.view_as(o)
                out = o
            o._requires_grad = True
            o._grad_fn = ctx
        return out
