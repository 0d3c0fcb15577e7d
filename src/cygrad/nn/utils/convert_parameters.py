"""Flattening parameters to one vector and back (``torch.nn.utils.convert_parameters``)."""
from ..._core._tensor import TensorBase
from ...autograd.grad_mode import no_grad
from ...functional import cat

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """One 1-d tensor holding every parameter's values, in order (recorded by autograd).

    Examples
    --------
    >>> nn.utils.parameters_to_vector([cygrad.ones(2, 2), cygrad.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d ``vec`` into ``parameters`` (in place).

    Examples
    --------
    >>> ps = [cygrad.zeros(2), cygrad.zeros(1)]
    >>> nn.utils.vector_to_parameters(cygrad.tensor([1., 2., 3.]), ps)
    >>> ps[1]
    tensor([3.])
    """
    if not isinstance(vec, TensorBase):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    start = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[start:start + n].view_as(p))
            start += n
