"""``Parameter``: a leaf tensor that a :class:`~cygrad.nn.Module` registers as learnable."""
from ..creation import empty
from ..tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it to a :class:`Module` attribute
    registers it, and it requires grad by default.

    ``Parameter(data)`` shares memory with ``data`` (as PyTorch's does); operations on a
    parameter return plain :class:`~cygrad.Tensor` objects.

    Parameters
    ----------
    data : Tensor, optional
        The values (an empty float tensor when omitted).
    requires_grad : bool
        Whether the parameter is trained (default True).

    Examples
    --------
    >>> p = nn.Parameter(cygrad.zeros(2))
    >>> p
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    >>> p.is_leaf, type(p * 2).__name__
    (True, 'Tensor')
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        t = data.detach()
        t.__class__ = cls
        t.requires_grad = requires_grad
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach().clone(), self.requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor assigned to a :class:`Module` attribute as a buffer (PyTorch 2.5+).

    ``Buffer(data, persistent=True)`` returns ``data`` tagged so that
    ``module.x = nn.Buffer(t)`` calls ``register_buffer('x', t, persistent)``.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        t = data.detach()
        t.__class__ = cls
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass
