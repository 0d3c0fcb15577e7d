"""Finite-difference checks of gradients: ``gradcheck`` and ``gradgradcheck``."""
from .._core._tensor import TensorBase
from ..creation import randn, zeros
from .engine import grad as autograd_grad
from .grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when analytical and numerical Jacobians differ."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _numerical_jacobian(func, inputs, k, eps):
    """Central differences of every output element w.r.t. every element of ``inputs[k]``."""

    x = inputs[k]
    n = x.numel()
    cols = []
    xd = x.detach()                # shares x's memory, whatever its strides
    shape = tuple(x.shape)
    with no_grad():
        for j in range(n):
            idx, rem = [], j      # row-major position j as a multi-index
            for s in reversed(shape):
                idx.append(rem % s)
                rem //= s
            idx = tuple(reversed(idx))
            orig = xd[idx].item()
            xd[idx] = orig + eps
            plus = [o.detach().double().clone().reshape(-1) for o in _as_tuple(func(*inputs))]
            xd[idx] = orig - eps
            minus = [o.detach().double().clone().reshape(-1) for o in _as_tuple(func(*inputs))]
            xd[idx] = orig
            cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    return cols        # cols[j][i]: d out_i / d x_j


def _analytical_jacobian(func, inputs, k):
    outs = _as_tuple(func(*inputs))
    rows = []      # rows[i][e]: d out_i[e] / d inputs[k] (flattened)
    for o in outs:
        per = []
        if not o.requires_grad:           # an output independent of the inputs: zeros
            rows.append([None] * o.numel())
            continue
        for e in range(o.numel()):
            g = zeros(tuple(o.shape), dtype=o.dtype)
            g.reshape(-1)[e] = 1.0
            (gi,) = autograd_grad([o], [inputs[k]], [g], retain_graph=True,
                                  allow_unused=True)
            per.append(None if gi is None else gi.reshape(-1).double())
        rows.append(per)
    return rows


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              check_undefined_grad=False, **_unused):
    """Compare gradients from backward with central finite differences.

    Parameters
    ----------
    func : callable
        Takes ``inputs`` and returns a tensor or a tuple of tensors.
    inputs : tensor or tuple of tensors
        Those with ``requires_grad=True`` are checked; use float64 for meaningful results.
    eps, atol, rtol : float
        Perturbation and tolerances (PyTorch's defaults).
    raise_exception : bool
        Raise :class:`GradcheckError` on mismatch (else return False).

    Returns
    -------
    bool
        True if every checked Jacobian entry agrees.
    """
    inputs = _as_tuple(inputs)
    for k, x in enumerate(inputs):
        if not (isinstance(x, TensorBase) and x.requires_grad):
            continue
        num = _numerical_jacobian(func, inputs, k, eps)
        ana = _analytical_jacobian(func, inputs, k)
        for i in range(len(ana)):
            for e in range(len(ana[i])):
                row = ana[i][e]
                for j in range(len(num)):
                    n_val = num[j][i][e].item()
                    a_val = 0.0 if row is None else row[j].item()
                    if abs(a_val - n_val) > atol + rtol * abs(n_val):
                        if raise_exception:
                            raise GradcheckError(
                                f"Jacobian mismatch for output {i} with respect to input {k},"
                                f"\nnumerical:{n_val}\nanalytical:{a_val}\n(element {e} of "
                                f"the output, element {j} of the input)")
                        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **_unused):
    """Check second derivatives: :func:`gradcheck` of the vector-Jacobian product of
    ``func`` (computed with ``create_graph=True``) with respect to ``inputs``."""
    inputs = _as_tuple(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(randn(tuple(o.shape), dtype=o.dtype) for o in outs)
    diff = [x for x in inputs if isinstance(x, TensorBase) and x.requires_grad]

    def first_order(*xs):
        mapping = dict(zip([id(x) for x in diff], xs))
        real = tuple(mapping.get(id(x), x) for x in inputs)
        with enable_grad():        # the numerical pass calls this under no_grad
            os_ = _as_tuple(func(*real))
            gs = autograd_grad(list(os_), list(xs), list(grad_outputs), create_graph=True,
                               allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_order, tuple(diff), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
