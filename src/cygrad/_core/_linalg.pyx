"""Dense linear algebra kernels: LU factorisation with partial pivoting and the solves built
on it (``det``, ``slogdet``, ``solve``, ``inv`` in ``cygrad.linalg``), batched over any
leading dims, for float32 and float64.

The front ends copy the input into a contiguous work tensor holding the GIL; the factor and
substitution loops then run without it. A zero pivot is reported through ``info`` (never an
error inside the loop); the Python layer turns it into ``LinAlgError``.
"""
from cython.parallel cimport prange
from libc.math cimport fabs
from libc.stdint cimport int64_t

from ._typedefs cimport DT_FLOAT32, DT_FLOAT64, is_floating
from ._tensor cimport TensorBase, new_tensor
from ._elementwise cimport cast_c
from ._iter cimport get_threads, team

ctypedef fused real:
    float
    double


cdef int64_t _lu(real* a, Py_ssize_t n, int64_t* piv) noexcept nogil:
    """In-place LU of the row-major n x n matrix ``a`` (PA = LU, unit lower L).

    Returns 0, or 1 + the index of the first exactly-zero pivot (factorisation continues
    past it, as LAPACK's getrf does). ``piv[k]`` is the row swapped with row k.
    """
    cdef Py_ssize_t k, i, j, p
    cdef real big, v, f, tmp
    cdef real* rk
    cdef real* ri
    cdef int64_t info = 0
    for k in range(n):
        p = k
        big = fabs(a[k * n + k])
        for i in range(k + 1, n):
            v = fabs(a[i * n + k])
            if v > big:
                big = v
                p = i
        piv[k] = p
        if p != k:
            for j in range(n):
                tmp = a[k * n + j]
                a[k * n + j] = a[p * n + j]
                a[p * n + j] = tmp
        if a[k * n + k] == 0:
            if info == 0:
                info = k + 1
            continue
        rk = a + k * n
        for i in range(k + 1, n):
            ri = a + i * n
            f = ri[k] / rk[k]
            ri[k] = f
            for j in range(k + 1, n):
                ri[j] -= f * rk[j]
    return info


cdef void _lu_solve(const real* lu, Py_ssize_t n, const int64_t* piv, real* b,
                    Py_ssize_t m) noexcept nogil:
    """Solve (PA = LU) A X = B in place for the row-major n x m right-hand side ``b``."""
    cdef Py_ssize_t k, i, j
    cdef real tmp, f
    for k in range(n):
        if piv[k] != k:
            for j in range(m):
                tmp = b[k * m + j]
                b[k * m + j] = b[piv[k] * m + j]
                b[piv[k] * m + j] = tmp
    for i in range(n):                  # L y = Pb (unit diagonal)
        for k in range(i):
            f = lu[i * n + k]
            for j in range(m):
                b[i * m + j] -= f * b[k * m + j]
    for i in range(n - 1, -1, -1):      # U x = y
        for k in range(i + 1, n):
            f = lu[i * n + k]
            for j in range(m):
                b[i * m + j] -= f * b[k * m + j]
        f = lu[i * n + i]
        for j in range(m):
            b[i * m + j] /= f


def lu_factor(TensorBase a):
    """``(lu, pivots, info)`` for a batch of square matrices ``a`` (..., n, n).

    ``lu`` is a new contiguous tensor; ``pivots`` and ``info`` are int64 tensors of shapes
    (..., n) and (...); ``info`` is 0 or 1 + the first zero pivot's index.
    """
    cdef TensorBase lu = cast_c(a, a._dtype)        # contiguous working copy
    cdef Py_ssize_t n = a._shape[a._ndim - 1], nb = 1, i
    cdef TensorBase piv, info
    cdef int d
    cdef Py_ssize_t pshape[16]
    for d in range(a._ndim - 2):
        nb *= a._shape[d]
        pshape[d] = a._shape[d]
    pshape[a._ndim - 2] = n
    piv = new_tensor(a._ndim - 1, pshape, 2, True)
    info = new_tensor(a._ndim - 2, pshape, 2, True)
    cdef int64_t* pp = <int64_t*>piv.ptr()
    cdef int64_t* pi = <int64_t*>info.ptr()
    cdef char* pl = lu.ptr()
    cdef int nthr = get_threads() if nb >= 2 and n * n * n * nb > 64 * 64 * 64 else 1
    if n > 0:
        with nogil:
            if a._dtype == DT_FLOAT32:
                for i in prange(nb, num_threads=team(nthr), schedule="static"):
                    pi[i] = _lu[float](<float*>pl + i * n * n, n, pp + i * n)
            else:
                for i in prange(nb, num_threads=team(nthr), schedule="static"):
                    pi[i] = _lu[double](<double*>pl + i * n * n, n, pp + i * n)
    return lu, piv, info


def lu_solve(TensorBase lu, TensorBase piv, TensorBase b):
    """Solve in place into a contiguous copy of ``b`` (..., n, m) (batch already matching)."""
    cdef TensorBase x = cast_c(b, b._dtype)
    cdef Py_ssize_t n = lu._shape[lu._ndim - 1], m = x._shape[x._ndim - 1], nb = 1, i
    cdef int d
    for d in range(lu._ndim - 2):
        nb *= lu._shape[d]
    cdef const int64_t* pp = <const int64_t*>piv.ptr()
    cdef char* pl = lu.ptr()
    cdef char* px = x.ptr()
    cdef int nthr = get_threads() if nb >= 2 and n * n * m * nb > 64 * 64 * 64 else 1
    if n > 0 and m > 0:
        with nogil:
            if lu._dtype == DT_FLOAT32:
                for i in prange(nb, num_threads=team(nthr), schedule="static"):
                    _lu_solve[float](<float*>pl + i * n * n, n, pp + i * n,
                                     <float*>px + i * n * m, m)
            else:
                for i in prange(nb, num_threads=team(nthr), schedule="static"):
                    _lu_solve[double](<double*>pl + i * n * n, n, pp + i * n,
                                      <double*>px + i * n * m, m)
    x._storage.version += 1
    return x
