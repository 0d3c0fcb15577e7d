"""``Variable``: PyTorch's wrapper of tensors before version 0.4, now only a name for them."""
from .._core._tensor import TensorBase

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, TensorBase)        # every tensor is a Variable


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: a tensor sharing ``data``'s memory, as
    ``torch.autograd.Variable`` has been since PyTorch 0.4 (old scripts still write it).

    The result is a new leaf outside ``data``'s graph (``data.detach()``) that requires grad
    when asked to; every tensor is an instance of ``Variable``.

    Parameters
    ----------
    data : Tensor
        The values (not copied).
    requires_grad : bool
        Whether the new tensor requires grad.
    volatile : bool
        Ignored, as in PyTorch (use :class:`cygrad.no_grad`).

    Examples
    --------
    >>> from cygrad.autograd import Variable
    >>> x = Variable(cygrad.ones(2), requires_grad=True)
    >>> (x * 3).sum().backward()
    >>> x.grad, isinstance(x, Variable)
    (tensor([3., 3.]), True)
    """

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, TensorBase):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        t = data.detach()
        if requires_grad:
            t.requires_grad_(True)
        return t
