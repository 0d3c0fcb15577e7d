"""Gradient clipping, as ``torch.nn.utils.clip_grad``: in place on ``.grad``, under
``no_grad``."""
import math

from ... import creation
from ..._core._tensor import TensorBase
from ...autograd.grad_mode import no_grad
from ...functional import stack

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, TensorBase):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of ``parameters`` in place so that their joint ``norm_type``-norm
    (the norm of the per-tensor norms) is at most ``max_norm``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Tensors whose ``.grad`` is clipped (those without one are skipped).
    max_norm : float
    norm_type : float, optional
        2 by default; ``inf`` for the largest absolute value.
    error_if_nonfinite : bool, optional
        Raise instead of scaling when the total norm is ``nan`` or ``inf``.
    foreach : bool, optional
        Accepted for PyTorch's signature (there is one implementation).

    Returns
    -------
    Tensor
        The total norm before clipping (0-d).

    Examples
    --------
    >>> w = cygrad.zeros(2, requires_grad=True)
    >>> w.grad = cygrad.tensor([3., 4.])
    >>> nn.utils.clip_grad_norm_([w], 1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not grads:
        return creation.tensor(0.0)
    with no_grad():
        norms = [g.norm(norm_type) for g in grads]
        dt = norms[0].dtype
        total = stack([n.to(dt) for n in norms]).norm(norm_type)
        value = total.item()
        if error_if_nonfinite and not math.isfinite(value):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                               f"`parameters` is non-finite, so it cannot be clipped. To "
                               f"disable this error and scale the gradients by the "
                               f"non-finite norm anyway, set `error_if_nonfinite=False`")
        coef = min(max_norm / (value + 1e-6), 1.0) if not math.isnan(value) else math.nan
        for g in grads:
            g.mul_(coef)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    Examples
    --------
    >>> w = cygrad.zeros(2, requires_grad=True)
    >>> w.grad = cygrad.tensor([-3., 0.5])
    >>> nn.utils.clip_grad_value_(w, 1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
