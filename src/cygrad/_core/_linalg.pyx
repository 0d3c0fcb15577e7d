"""Dense linear algebra kernels: LU factorisation with partial pivoting and the solves built
on it (``det``, ``slogdet``, ``solve``, ``inv`` in ``cygrad.linalg``), batched over any
leading dims, for float32 and float64.

The factorisation and the triangular solves are recursive (halving the columns or rows down
to ``LEAF``) so that nearly all their work is GEMMs, run by ``_matmul``'s kernels and
threads. The
front ends copy the input into a contiguous work tensor and allocate the GEMM workspace
holding the GIL; the factor and substitution loops then run without it. A zero pivot is reported through ``info`` (never an
error inside the loop); the Python layer turns it into ``LinAlgError``.
"""
from libc.math cimport fabs
from libc.stdlib cimport malloc, free
from libc.stdint cimport int64_t

from ._typedefs cimport DT_FLOAT32, DT_FLOAT64, is_floating
from ._tensor cimport TensorBase, new_tensor
from ._elementwise cimport cast_c
from ._iter cimport get_threads, parallel_for, n_tasks
from ._matmul cimport product, product_work_size

ctypedef fused real:
    float
    double


cdef enum:
    LEAF = 16   # at most this many rows or columns: the recursions end in direct loops


cdef inline Py_ssize_t _half(Py_ssize_t p) noexcept nogil:
    """Where a recursion splits ``p > LEAF`` rows or columns: near the middle, on a multiple
    of 8 so that the GEMM tiles of the first half are whole."""
    return (p // 2 + 7) // 8 * 8


cdef void _trsm_lower_unit(const real* l, Py_ssize_t ldl, Py_ssize_t p, real* b,
                           Py_ssize_t ldb, Py_ssize_t w, int nthreads,
                           real* work) noexcept nogil:
    """B := L^-1 B for the unit lower triangle L (p x p, row stride ``ldl``) and the p x w
    block B (row stride ``ldb``). Recursive: solve the top half, subtract it from the bottom
    half with one GEMM, solve the bottom half."""
    cdef int dt = DT_FLOAT32 if real is float else DT_FLOAT64
    cdef Py_ssize_t i, k, j, h
    cdef real f
    cdef real* bi
    cdef const real* bk
    if p <= LEAF:
        for i in range(1, p):
            bi = b + i * ldb
            for k in range(i):
                f = l[i * ldl + k]
                bk = b + k * ldb
                for j in range(w):
                    bi[j] -= f * bk[j]
        return
    h = _half(p)
    _trsm_lower_unit(l, ldl, h, b, ldb, w, nthreads, work)
    product(dt, nthreads, p - h, w, h, -1.0, l + h * ldl, ldl, 1, b, ldb, 1, 1.0,
            b + h * ldb, ldb, 1, work)
    _trsm_lower_unit(l + h * ldl + h, ldl, p - h, b + h * ldb, ldb, w, nthreads, work)


cdef void _trsm_upper(const real* u, Py_ssize_t ldu, Py_ssize_t p, real* b, Py_ssize_t ldb,
                      Py_ssize_t w, int nthreads, real* work) noexcept nogil:
    """B := U^-1 B for the upper triangle U (p x p, its own diagonal); recursive as
    ``_trsm_lower_unit``, from the bottom half up."""
    cdef int dt = DT_FLOAT32 if real is float else DT_FLOAT64
    cdef Py_ssize_t i, k, j, h
    cdef real f
    cdef real* bi
    cdef const real* bk
    if p <= LEAF:
        for i in range(p - 1, -1, -1):
            bi = b + i * ldb
            for k in range(i + 1, p):
                f = u[i * ldu + k]
                bk = b + k * ldb
                for j in range(w):
                    bi[j] -= f * bk[j]
            f = u[i * ldu + i]
            for j in range(w):
                bi[j] /= f
        return
    h = _half(p)
    _trsm_upper(u + h * ldu + h, ldu, p - h, b + h * ldb, ldb, w, nthreads, work)
    product(dt, nthreads, h, w, p - h, -1.0, u + h, ldu, 1, b + h * ldb, ldb, 1, 1.0, b, ldb,
            1, work)
    _trsm_upper(u, ldu, h, b, ldb, w, nthreads, work)


cdef int64_t _lu_panel(real* a, Py_ssize_t n, Py_ssize_t c0, Py_ssize_t c1, int64_t* piv,
                       int nthreads, real* work) noexcept nogil:
    """Factor columns ``c0..c1`` of rows ``c0..n`` of the row-major n x n ``a``, whose
    columns before ``c0`` are factored already (recursive LU, as LAPACK's getrf2).

    Split the columns in two halves: factor the left one, solve the top of the right one
    against its unit lower triangle, update the rest of the right one with one GEMM, factor
    that. Rows are swapped whole, so every column sees every interchange. Returns 0 or 1 +
    the index of the first exactly-zero pivot (factorisation goes on past it, as in getrf).
    """
    cdef int dt = DT_FLOAT32 if real is float else DT_FLOAT64
    cdef Py_ssize_t k, i, j, p, h
    cdef real big, v, f, tmp
    cdef real* rk
    cdef real* ri
    cdef int64_t info = 0, info2
    if c1 - c0 > LEAF:
        h = c0 + _half(c1 - c0)
        info = _lu_panel(a, n, c0, h, piv, nthreads, work)
        _trsm_lower_unit(a + c0 * n + c0, n, h - c0, a + c0 * n + h, n, c1 - h, nthreads,
                         work)
        product(dt, nthreads, n - h, c1 - h, h - c0, -1.0, a + h * n + c0, n, 1,
                a + c0 * n + h, n, 1, 1.0, a + h * n + h, n, 1, work)
        info2 = _lu_panel(a, n, h, c1, piv, nthreads, work)
        return info if info != 0 else info2
    for k in range(c0, c1):
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
            for j in range(k + 1, c1):
                ri[j] -= f * rk[j]
    return info


cdef int64_t _lu(real* a, Py_ssize_t n, int64_t* piv, int nthreads,
                 real* work) noexcept nogil:
    """In-place LU of the row-major n x n matrix ``a`` (PA = LU, unit lower L); ``piv[k]`` is
    the row swapped with row k. See ``_lu_panel``."""
    return _lu_panel(a, n, 0, n, piv, nthreads, work)


cdef void _lu_solve(const real* lu, Py_ssize_t n, const int64_t* piv, real* b,
                    Py_ssize_t m, int nthreads, real* work) noexcept nogil:
    """Solve (PA = LU) A X = B in place for the row-major n x m right-hand side ``b``."""
    cdef Py_ssize_t k, j
    cdef real tmp
    for k in range(n):
        if piv[k] != k:
            for j in range(m):
                tmp = b[k * m + j]
                b[k * m + j] = b[piv[k] * m + j]
                b[piv[k] * m + j] = tmp
    _trsm_lower_unit(lu, n, n, b, m, m, nthreads, work)     # L y = Pb
    _trsm_upper(lu, n, n, b, m, m, nthreads, work)          # U x = y


cdef void* _workspace(int dt, Py_ssize_t n, Py_ssize_t m, int nthreads, int copies,
                      Py_ssize_t* per) except NULL:
    """``copies`` GEMM workspaces for products up to n x max(n, m) x n (GIL held)."""
    per[0] = product_work_size(dt, n, n if n > m else m, n, nthreads) + 16
    cdef void* w = malloc(copies * per[0] * (4 if dt == DT_FLOAT32 else 8))
    if w == NULL:
        raise MemoryError("linalg: cannot allocate the factorisation workspace")
    return w


cdef struct _BatchCtx:
    # a batch of factorisations (or solves) for the pool, one matrix at a time per thread,
    # each thread with its own GEMM workspace of ``per`` elements
    bint f64
    char* lu
    int64_t* piv
    int64_t* info
    char* x
    Py_ssize_t n, m, per
    void* work


cdef void _lu_task(void* ctx, Py_ssize_t i0, Py_ssize_t i1, int slot) noexcept nogil:
    cdef _BatchCtx* c = <_BatchCtx*>ctx
    cdef Py_ssize_t i, n = c.n
    for i in range(i0, i1):
        if c.f64:
            c.info[i] = _lu[double](<double*>c.lu + i * n * n, n, c.piv + i * n, 1,
                                    <double*>c.work + slot * c.per)
        else:
            c.info[i] = _lu[float](<float*>c.lu + i * n * n, n, c.piv + i * n, 1,
                                   <float*>c.work + slot * c.per)


cdef void _solve_task(void* ctx, Py_ssize_t i0, Py_ssize_t i1, int slot) noexcept nogil:
    cdef _BatchCtx* c = <_BatchCtx*>ctx
    cdef Py_ssize_t i, n = c.n, m = c.m
    for i in range(i0, i1):
        if c.f64:
            _lu_solve[double](<double*>c.lu + i * n * n, n, c.piv + i * n,
                              <double*>c.x + i * n * m, m, 1, <double*>c.work + slot * c.per)
        else:
            _lu_solve[float](<float*>c.lu + i * n * n, n, c.piv + i * n,
                             <float*>c.x + i * n * m, m, 1, <float*>c.work + slot * c.per)


def lu_factor(TensorBase a):
    """``(lu, pivots, info)`` for a batch of square matrices ``a`` (..., n, n).

    ``lu`` is a new contiguous tensor; ``pivots`` and ``info`` are int64 tensors of shapes
    (..., n) and (...); ``info`` is 0 or 1 + the first zero pivot's index.
    """
    cdef TensorBase lu = cast_c(a, a._dtype)        # contiguous working copy
    cdef Py_ssize_t n = a._shape[a._ndim - 1], nb = 1, i
    cdef TensorBase piv, info
    cdef int d
    cdef _BatchCtx c
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
    cdef int nthr = get_threads()
    cdef bint batch_parallel = nb >= 2 and n * n * n * nb > 64 * 64 * 64
    cdef int inner = 1 if batch_parallel else nthr
    cdef Py_ssize_t per
    cdef void* work
    if n > 0 and nb > 0:
        work = _workspace(a._dtype, n, n, inner, nthr if batch_parallel else 1, &per)
        with nogil:
            if batch_parallel:
                c.f64 = a._dtype == DT_FLOAT64
                c.lu = pl
                c.piv = pp
                c.info = pi
                c.n = n
                c.per = per
                c.work = work
                parallel_for(_lu_task, &c, nb, nb, nthr)
            else:
                for i in range(nb):
                    if a._dtype == DT_FLOAT32:
                        pi[i] = _lu[float](<float*>pl + i * n * n, n, pp + i * n, inner,
                                           <float*>work)
                    else:
                        pi[i] = _lu[double](<double*>pl + i * n * n, n, pp + i * n, inner,
                                            <double*>work)
        free(work)
    return lu, piv, info


def lu_solve(TensorBase lu, TensorBase piv, TensorBase b):
    """Solve in place into a contiguous copy of ``b`` (..., n, m) (batch already matching)."""
    cdef TensorBase x = cast_c(b, b._dtype)
    cdef Py_ssize_t n = lu._shape[lu._ndim - 1], m = x._shape[x._ndim - 1], nb = 1, i
    cdef int d
    cdef _BatchCtx c
    for d in range(lu._ndim - 2):
        nb *= lu._shape[d]
    cdef const int64_t* pp = <const int64_t*>piv.ptr()
    cdef char* pl = lu.ptr()
    cdef char* px = x.ptr()
    cdef int nthr = get_threads()
    cdef bint batch_parallel = nb >= 2 and n * n * m * nb > 64 * 64 * 64
    cdef int inner = 1 if batch_parallel else nthr
    cdef Py_ssize_t per
    cdef void* work
    if n > 0 and m > 0 and nb > 0:
        work = _workspace(lu._dtype, n, m, inner, nthr if batch_parallel else 1, &per)
        with nogil:
            if batch_parallel:
                c.f64 = lu._dtype == DT_FLOAT64
                c.lu = pl
                c.piv = <int64_t*>pp
                c.x = px
                c.n = n
                c.m = m
                c.per = per
                c.work = work
                parallel_for(_solve_task, &c, nb, nb, nthr)
            else:
                for i in range(nb):
                    if lu._dtype == DT_FLOAT32:
                        _lu_solve[float](<float*>pl + i * n * n, n, pp + i * n,
                                         <float*>px + i * n * m, m, inner, <float*>work)
                    else:
                        _lu_solve[double](<double*>pl + i * n * n, n, pp + i * n,
                                          <double*>px + i * n * m, m, inner, <double*>work)
        free(work)
    x._storage.version += 1
    return x
