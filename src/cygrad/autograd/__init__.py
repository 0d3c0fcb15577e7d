"""Automatic differentiation, as PyTorch draws it: ``Node``/``Edge`` graphs recorded by every
op on tensors that require grad, and a reverse-mode engine (``backward``, ``grad``)."""
from . import functional, graph
from . import engine
from .engine import run_backward
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import AccumulateGrad, Edge, Node

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Node", "Edge", "AccumulateGrad",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck", "GradcheckError", "functional", "graph"]


def _seq(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _make_grads(outputs, grad_outputs):
    from ..creation import ones_like

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
    tensors = _seq(tensors)
    grads = _seq(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _seq(inputs)
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
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grads = _seq(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs, False,
                       bool(allow_unused) or materialize_grads)
    if materialize_grads:
        from ..creation import zeros_like

        res = tuple(zeros_like(x) if r is None else r for r, x in zip(res, inputs))
    return res


def _register():
    import sys

    from . import _functions

    # the module, not the ``cygrad.tensor`` function that shadows it on the package
    tensor_module = sys.modules[__name__.rsplit(".", 2)[0] + ".tensor"]
    tensor_module._AG = _functions
    tensor_module._AG_ENGINE = engine
    tensor_module._grad_enabled = is_grad_enabled


_register()
