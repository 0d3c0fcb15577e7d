"""Higher-level derivatives: ``vjp``, ``jvp``, ``jacobian``, ``hessian`` (as
``torch.autograd.functional``), built on reverse mode."""
from ..creation import ones_like, zeros, zeros_like
from ._functions import stack
from .engine import grad

__all__ = ["vjp", "jvp", "jacobian", "hessian"]


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _prep(inputs):
    return tuple(x.detach().requires_grad_(True) for x in _tuple(inputs))


def _zeros_for(gs, xs):
    return tuple(zeros_like(x) if g is None else g for g, x in zip(gs, xs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    single = not isinstance(inputs, (tuple, list))
    xs = _prep(inputs)
    out = func(*xs)
    outs = _tuple(out)
    if v is None:
        if any(o.numel() != 1 for o in outs):
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        v = tuple(ones_like(o) for o in outs)
    gs = grad(list(outs), list(xs), list(_tuple(v)), create_graph=create_graph,
              allow_unused=True)
    gs = _zeros_for(gs, xs)
    res = out if create_graph else (tuple(o.detach() for o in outs) if isinstance(out, tuple)
                                    else out.detach())
    return res, (gs[0] if single else gs)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)`` by the double-vjp trick (reverse mode twice)."""
    xs = _prep(inputs)
    out = func(*xs)
    outs = _tuple(out)
    if v is None:
        if any(x.numel() != 1 for x in xs):
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = tuple(ones_like(x) for x in xs)
    us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
    gs = grad(list(outs), list(xs), list(us), create_graph=True, allow_unused=True)
    pairs = [(g, vi) for g, vi in zip(gs, _tuple(v)) if g is not None]
    if not pairs:
        jv = tuple(zeros_like(o) for o in outs)
    else:
        jv = grad([g for g, _ in pairs], list(us), [vi for _, vi in pairs],
                  create_graph=create_graph, allow_unused=True)
        jv = _zeros_for(jv, outs)
    res = out if create_graph else (tuple(o.detach() for o in outs) if isinstance(out, tuple)
                                    else out.detach())
    return res, (jv[0] if not isinstance(out, tuple) else jv)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``out.shape + input.shape``.

    Tuples of inputs/outputs give nested tuples, as PyTorch.

    Examples
    --------
    >>> J = cygrad.autograd.functional.jacobian(lambda x: x * x, cygrad.tensor([1., 2.]))
    >>> J
    tensor([[2., 0.],
            [0., 4.]])
    """
    single_in = not isinstance(inputs, (tuple, list))
    xs = _prep(inputs)
    out = func(*xs)
    single_out = not isinstance(out, tuple)
    outs = _tuple(out)
    result = []
    for o in outs:
        rows = [[] for _ in xs]
        flat_n = o.numel()
        for e in range(flat_n):
            g = zeros(tuple(o.shape), dtype=o.dtype)
            g.reshape(-1)[e] = 1.0
            gs = grad([o], list(xs), [g], retain_graph=True, create_graph=create_graph,
                      allow_unused=True)
            for k, (gk, x) in enumerate(zip(gs, xs)):
                rows[k].append(zeros(tuple(x.shape), dtype=x.dtype) if gk is None else gk)
        per_input = []
        for k, x in enumerate(xs):
            if flat_n:
                j = stack(rows[k]).reshape(tuple(o.shape) + tuple(x.shape))
            else:
                j = zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
            per_input.append(j if create_graph else j.detach())
        result.append(per_input[0] if single_in else tuple(per_input))
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient."""
    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element "
                               "Tensor")
        gs = grad([out], list(xs), create_graph=True, allow_unused=True)
        return _zeros_for(gs, xs)[0] if len(xs) == 1 else _zeros_for(gs, xs)

    return jacobian(gradient, inputs, create_graph=create_graph)
