"""``cygrad.linalg``: determinants, solves, inverses and norms, as ``torch.linalg``.

LU factorisation with partial pivoting runs in Cython (``_core/_linalg.pyx``), batched over
leading dims, for float32 and float64 inputs.
"""
import builtins
import math
from collections import namedtuple

from ._core import _linalg
from ._core._tensor import TensorBase
from .autograd._functions import record
from .autograd.dispatch import op as _op
from .autograd.grad_mode import needs_grad
from .autograd.graph import Node
from .creation import arange, eye, ones
from .functional import broadcast_shapes
from .tensor import _vector_norm

__all__ = ["LinAlgError", "det", "slogdet", "solve", "inv", "norm", "vector_norm",
           "matrix_norm", "lu_factor"]


class LinAlgError(RuntimeError):
    """Raised for singular matrices (as ``torch.linalg.LinAlgError``, a RuntimeError)."""


slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])


def _check_square(name, a):
    if not isinstance(a, TensorBase):
        raise TypeError(f"linalg.{name}: expected a Tensor, got {type(a).__name__}")
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{name}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if not a.is_floating_point():
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {repr(a.dtype).split('.')[1].capitalize()}")


def lu_factor(A):
    """``(LU, pivots)`` of the LU factorisation with partial pivoting ``P A = L U``.

    ``pivots`` are 1-based row swaps as LAPACK (and PyTorch) return them.
    """
    _check_square("lu_factor", A)
    lu, piv, _ = _linalg.lu_factor(A)
    return lu, piv + 1


def _lu(name, A):
    _check_square(name, A)
    return _linalg.lu_factor(A)


def _diag(lu):
    return lu.diagonal(0, -2, -1)


def _perm_sign(piv):
    n = piv.shape[-1]
    ar = _arange(n, piv)
    swaps = (piv != ar).sum(-1)
    return 1 - 2 * (swaps % 2)


def _arange(n, like):
    return arange(n, dtype=like.dtype)


def det(A):
    """Determinant of square matrices (batched).

    Examples
    --------
    >>> cygrad.linalg.det(cygrad.tensor([[1., 2.], [3., 4.]], dtype=cygrad.float64)).item()
    -2.0
    """
    lu, piv, _ = _lu("det", A)
    if A.shape[-1] == 0:
        return _ones_like_batch(A)
    out = (_diag(lu).prod(-1) * _perm_sign(piv).to(A.dtype)).detach()
    if needs_grad(A):
        node = record(LinalgDetBackward0, (A,), out)
        node.save(A, out.detach())
    return out


class LinalgDetBackward0(Node):
    """d det(A) / dA = det(A) * A^{-T} (A must be invertible)."""

    __slots__ = ()

    def apply(self, g):
        A, d = self.saved
        return ((g * d).unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)


class LinalgSlogdetBackward0(Node):
    """d logabsdet / dA = A^{-T}; the sign has no gradient."""

    __slots__ = ()

    def apply(self, g):
        (A,) = self.saved
        return (g.unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)


class LinalgInvExBackward0(Node):
    """d(A^{-1}) = -A^{-1} dA A^{-1}, so dA = -Y^T g Y^T with Y = A^{-1}."""

    __slots__ = ()

    def apply(self, g):
        (Y,) = self.saved
        return (-(Y.mT @ g @ Y.mT),)


class LinalgSolveExBackward0(Node):
    """X = A^{-1} B: dB = A^{-T} g, dA = -dB X^T."""

    __slots__ = ("vector",)

    def apply(self, g):
        A, X = self.saved
        gB = solve(A.mT, g)
        gA = None
        if self.needs(0):
            gA = -(gB.unsqueeze(-1) * X.unsqueeze(-2)) if self.vector else -(gB @ X.mT)
        return gA, (gB if self.needs(1) else None)


def _ones_like_batch(A):
    return ones(tuple(A.shape[:-2]), dtype=A.dtype)


def slogdet(A):
    """``(sign, logabsdet)`` of square matrices: the determinant is ``sign * exp(logabsdet)``.

    A singular matrix gives sign 0 and logabsdet ``-inf``.
    """
    lu, piv, _ = _lu("slogdet", A)
    if A.shape[-1] == 0:
        one = _ones_like_batch(A)
        return slogdet_result(one, one * 0)
    d = _diag(lu)
    sign = (d.sign().prod(-1) * _perm_sign(piv).to(A.dtype)).detach()
    logabs = d.abs().log().sum(-1).detach()
    if needs_grad(A):
        node = record(LinalgSlogdetBackward0, (A,), logabs)
        node.save(A)
    return slogdet_result(sign, logabs)


def solve(A, B, *, left=True):
    """The solution ``X`` of ``A @ X = B`` (``B`` of shape (..., n) or (..., n, k)).

    Batch dims broadcast. Raises :class:`LinAlgError` if ``A`` is singular.
    """
    if not left:
        return solve(A.mT, B.mT).mT
    _check_square("solve", A)
    A0, B0 = A, B
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {A.dtype} and B of type {B.dtype} instead")
    n = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({A.shape[-2]}x{A.shape[-1]} and {Bm.shape[-2]}x"
                           f"{Bm.shape[-1]})")
    batch = broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    A = A.expand(tuple(batch) + (n, n))
    Bm = Bm.expand(tuple(batch) + tuple(Bm.shape[-2:]))
    lu, piv, info = _linalg.lu_factor(A)
    if n and builtins.bool((info > 0).any()):
        raise LinAlgError("linalg.solve: The solver failed because the input matrix is "
                          "singular.")
    X = _linalg.lu_solve(lu, piv, Bm)
    X = X.squeeze(-1) if vector else X
    if needs_grad(A0, B0):
        X = X.detach()
        node = record(LinalgSolveExBackward0, (A0, B0), X)
        node.vector = vector
        node.save(A0, X.detach())
    return X


def inv(A):
    """Inverse of square matrices (batched); raises :class:`LinAlgError` if singular.

    Examples
    --------
    >>> cygrad.linalg.inv(cygrad.tensor([[2., 0.], [0., 4.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check_square("inv", A)
    n = A.shape[-1]
    lu, piv, info = _linalg.lu_factor(A)
    bad = (info > 0)
    if n and builtins.bool(bad.any()):
        first = int(info.reshape(-1)[bad.reshape(-1)][0].item())
        raise LinAlgError(f"linalg.inv: The diagonal element {first} is zero, the inversion "
                          f"could not be completed because the input matrix is singular.")
    eye_b = eye(n, dtype=A.dtype).expand(tuple(A.shape))
    Y = _linalg.lu_solve(lu, piv, eye_b)
    if needs_grad(A):
        node = record(LinalgInvExBackward0, (A,), Y)
        node.save(Y.detach())
    return Y


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ``ord``-norm over ``dim`` (all elements by default).

    ``ord`` may be any real number, ``inf`` (max abs), ``-inf`` (min abs) or 0 (count of
    non-zeros).
    """
    return _vector_norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norms: ``'fro'``, and the induced 1, -1, inf and -inf norms.

    The spectral (2, -2) and nuclear norms need an SVD, which cygrad does not have yet.
    """
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = dim
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(sum_dim, keepdim=True)
        r = s.amax(red_dim, keepdim=True) if ord > 0 else s.amin(red_dim, keepdim=True)
        return r if keepdim else r.squeeze((d0, d1))
    raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs an SVD, which cygrad "
                              f"does not implement yet")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Vector or matrix norm, chosen as ``torch.linalg.norm`` does.

    With ``ord=None``: the 2-norm of the flattened input, or the Frobenius norm when ``dim``
    is a 2-tuple. A string ``ord`` or a 2-d input with a numeric ``ord`` and no ``dim``
    selects a matrix norm.
    """
    if isinstance(dim, int):
        dim = (dim,)
    if ord is not None and dim is None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str) and (dim is not None and len(dim) != 2):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                           f"Got {list(dim)}" if len(dim) > 2 else
                           f"linalg.norm: ord='{ord}' needs a 2-tuple dim. Got {list(dim)}")
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2) or (dim is None and
                                                                       A.ndim == 2):
        return matrix_norm(A, ord, dim if dim is not None else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)
