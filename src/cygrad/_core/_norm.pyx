"""Layer normalisation, fused per row, and its backward.

The input is seen as a contiguous block ``(rows, M)``, ``M`` being the number of elements
of the normalised trailing dims (a non-contiguous input is copied first). Each row, while
it is in cache: its mean, the deviations ``x - mean`` written to the output, their mean
square (the biased variance), and one pass that scales by ``rstd = 1/sqrt(var + eps)`` and
applies the optional ``weight`` and ``bias`` (contiguous, ``M`` elements). The row means
and ``rstd`` are returned for the backward, as PyTorch's ``native_layer_norm`` does.

The backward, per row, with ``xhat = (x - mean) * rstd`` and ``gw = grad * weight``::

    dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat))

and the weight and bias gradients are column sums over the rows, ``sum(grad * xhat)`` and
``sum(grad)``, accumulated in float64 per range of rows and added up in range order at the end. Rows are
independent: threads split them above a grain size. The float32 rows run in C helpers of
``_vecmath.h`` compiled per instruction set (the row sums accumulated in float64 lanes);
float64 rows in the loops here.
"""
from libc.math cimport sqrt
from libc.stdlib cimport malloc, free
from libc.string cimport memset

from ._typedefs cimport DT_FLOAT32, DT_FLOAT64
from ._tensor cimport TensorBase, new_tensor
from ._elementwise cimport as_contiguous
from ._iter cimport get_threads, parallel_for, n_tasks, GRAIN_CHEAP

cdef extern from "_vecmath.h" nogil:
    float cg_dot_f32(const float* x, const float* y, Py_ssize_t n)
    double cg_dot_f64(const double* x, const double* y, Py_ssize_t n)
    double cg_sum_f32(const float* x, Py_ssize_t n)
    void cg_layer_norm_rows_f32(const float* x, float* o, float* mean, float* rstd,
                                const float* w, const float* b, Py_ssize_t r0, Py_ssize_t r1,
                                Py_ssize_t M, double eps)
    void cg_layer_norm_bwd_rows_f32(const float* g, const float* x, const float* mean,
                                    const float* rstd, const float* w, float* dx, double* dw,
                                    double* db, float* xh, float* gw, Py_ssize_t r0,
                                    Py_ssize_t r1, Py_ssize_t M)

ctypedef fused real:
    float
    double


cdef inline double _sum(const real* x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    cdef double s = 0.0
    if real is float:
        return cg_sum_f32(x, n)
    for j in range(n):
        s += x[j]
    return s


cdef inline double _dot(const real* x, const real* y, Py_ssize_t n) noexcept nogil:
    if real is float:
        return cg_dot_f32(x, y, n)
    return cg_dot_f64(x, y, n)


cdef void _fwd_rows(const real* x, real* o, real* mean, real* rstd, const real* w,
                    const real* b, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t M,
                    double eps) noexcept nogil:
    cdef Py_ssize_t r, j
    cdef const real* xr
    cdef real* orow
    cdef real m, s
    if real is float:
        cg_layer_norm_rows_f32(x, o, mean, rstd, w, b, r0, r1, M, eps)
        return
    for r in range(r0, r1):
        xr = x + r * M
        orow = o + r * M
        m = <real>(_sum(xr, M) / M)
        for j in range(M):
            orow[j] = xr[j] - m
        s = <real>(1.0 / sqrt(_dot(orow, orow, M) / M + eps))
        mean[r] = m
        rstd[r] = s
        if w != NULL and b != NULL:
            for j in range(M):
                orow[j] = orow[j] * s * w[j] + b[j]
        elif w != NULL:
            for j in range(M):
                orow[j] = orow[j] * s * w[j]
        elif b != NULL:
            for j in range(M):
                orow[j] = orow[j] * s + b[j]
        else:
            for j in range(M):
                orow[j] = orow[j] * s


cdef void _bwd_rows(const real* g, const real* x, const real* mean, const real* rstd,
                    const real* w, real* dx, double* dw, double* db, real* xh, real* gw,
                    Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t M) noexcept nogil:
    """Rows ``[r0, r1)``: ``dx`` (if not NULL) and the column sums added into ``dw``/``db``
    (if not NULL); ``xh`` and ``gw`` are scratch rows of ``M``."""
    cdef Py_ssize_t r, j
    cdef const real* gr
    cdef const real* xr
    cdef real* dxr
    cdef real m, s, a, c
    if real is float:
        cg_layer_norm_bwd_rows_f32(g, x, mean, rstd, w, dx, dw, db, xh, gw, r0, r1, M)
        return
    for r in range(r0, r1):
        gr = g + r * M
        xr = x + r * M
        m = mean[r]
        s = rstd[r]
        for j in range(M):
            xh[j] = (xr[j] - m) * s
        if dw != NULL:
            for j in range(M):
                dw[j] += <double>gr[j] * xh[j]
        if db != NULL:
            for j in range(M):
                db[j] += gr[j]
        if dx == NULL:
            continue
        if w != NULL:
            for j in range(M):
                gw[j] = gr[j] * w[j]
        else:
            for j in range(M):
                gw[j] = gr[j]
        a = <real>(_dot(gw, xh, M) / M)
        c = <real>(_sum(gw, M) / M)
        dxr = dx + r * M
        for j in range(M):
            dxr[j] = s * (gw[j] - c - xh[j] * a)


cdef int _threads(Py_ssize_t rows, Py_ssize_t M) noexcept nogil:
    cdef int nthr = get_threads()
    if rows * M < GRAIN_CHEAP:
        return 1
    if nthr > rows:
        nthr = <int>rows
    return nthr if nthr > 1 else 1


cdef struct _NormCtx:
    # one layer-norm pass for the pool: operands (NULL where absent), row geometry, and for
    # the backward the per-range accumulators and per-thread scratch rows
    int dt
    const char* g
    const char* x
    char* out
    char* mean
    char* rstd
    const void* w
    const void* b
    Py_ssize_t rows, M, ntasks
    double eps
    double* acc            # 2 * M doubles per range: weight then bias sums
    bint need_weight, need_bias
    char* scratch          # 2 * M elements per thread
    size_t isz


cdef void _fwd_task(void* p, Py_ssize_t r0, Py_ssize_t r1, int slot) noexcept nogil:
    cdef _NormCtx* c = <_NormCtx*>p
    if c.dt == DT_FLOAT32:
        _fwd_rows(<const float*>c.x, <float*>c.out, <float*>c.mean, <float*>c.rstd,
                  <const float*>c.w, <const float*>c.b, r0, r1, c.M, c.eps)
    else:
        _fwd_rows(<const double*>c.x, <double*>c.out, <double*>c.mean, <double*>c.rstd,
                  <const double*>c.w, <const double*>c.b, r0, r1, c.M, c.eps)


cdef void _bwd_task(void* p, Py_ssize_t t0, Py_ssize_t t1, int slot) noexcept nogil:
    """Ranges ``[t0, t1)`` of ``ntasks``, each summing into its own accumulators so that the
    weight and bias gradients do not depend on which thread ran which range."""
    cdef _NormCtx* c = <_NormCtx*>p
    cdef Py_ssize_t t, M = c.M
    cdef double* acc
    cdef char* sc = c.scratch + 2 * M * slot * c.isz
    for t in range(t0, t1):
        acc = c.acc + 2 * M * t
        _bwd_chunk(c.dt, c.g, c.x, c.mean, c.rstd, c.w, c.out,
                   acc if c.need_weight else NULL, acc + M if c.need_bias else NULL, sc,
                   c.rows * t // c.ntasks, c.rows * (t + 1) // c.ntasks, M)


cdef TensorBase _param(object t, TensorBase x, Py_ssize_t M, str name):
    """``weight``/``bias`` as a contiguous tensor of ``M`` elements of ``x``'s dtype."""
    cdef TensorBase p
    if t is None:
        return None
    p = <TensorBase?>t
    if p._dtype != x._dtype:
        raise RuntimeError(f"layer_norm: expected {name} of dtype {x.dtype}, got {p.dtype}")
    if p.numel_c() != M:
        raise RuntimeError(f"layer_norm: {name} has {p.numel_c()} elements, the normalised "
                           f"dims {M}")
    return as_contiguous(p)


cdef inline const void* _ptr_or_null(TensorBase t) noexcept:
    return NULL if t is None else <const void*>t.ptr()


def forward(TensorBase x, Py_ssize_t M, weight=None, bias=None, double eps=1e-5):
    """Normalise each row of ``M`` trailing elements of ``x``; returns ``(out, mean, rstd)``.

    ``out`` has ``x``'s shape (contiguous); ``mean`` and ``rstd`` are 1-d, one per row.
    ``weight`` and ``bias`` (``M`` elements each, ``x``'s dtype) may be None.
    """
    cdef Py_ssize_t n, rows, one[1]
    cdef int nthr
    cdef _NormCtx c
    cdef TensorBase xc, out, mean, rstd, w, b
    if x._dtype != DT_FLOAT32 and x._dtype != DT_FLOAT64:
        raise RuntimeError(f"layer_norm: expected a floating point input, got {x.dtype}")
    n = x.numel_c()
    if M <= 0 or n % M:
        raise RuntimeError(f"layer_norm: {n} elements are not rows of {M}")
    w = _param(weight, x, M, "weight")
    b = _param(bias, x, M, "bias")
    rows = n // M
    one[0] = rows
    xc = as_contiguous(x)
    out = new_tensor(x._ndim, x._shape, x._dtype, False)
    mean = new_tensor(1, one, x._dtype, False)
    rstd = new_tensor(1, one, x._dtype, False)
    if rows == 0:
        return out, mean, rstd
    c.dt = x._dtype
    c.x = xc.ptr()
    c.out = out.ptr()
    c.mean = mean.ptr()
    c.rstd = rstd.ptr()
    c.w = _ptr_or_null(w)
    c.b = _ptr_or_null(b)
    c.M = M
    c.eps = eps
    nthr = _threads(rows, M)
    with nogil:
        parallel_for(_fwd_task, &c, rows,
                     n_tasks(rows, GRAIN_CHEAP // M + 1, nthr) if nthr > 1 else 1, nthr)
    return out, mean, rstd


cdef void _bwd_chunk(int dt, const char* g, const char* x, const char* mean,
                     const char* rstd, const void* w, char* dx, double* dw, double* db,
                     char* scratch, Py_ssize_t r0, Py_ssize_t r1,
                     Py_ssize_t M) noexcept nogil:
    if dt == DT_FLOAT32:
        _bwd_rows(<const float*>g, <const float*>x, <const float*>mean, <const float*>rstd,
                  <const float*>w, <float*>dx, dw, db, <float*>scratch,
                  <float*>scratch + M, r0, r1, M)
    else:
        _bwd_rows(<const double*>g, <const double*>x, <const double*>mean,
                  <const double*>rstd, <const double*>w, <double*>dx, dw, db,
                  <double*>scratch, <double*>scratch + M, r0, r1, M)


cdef void _store(int dt, const double* acc, char* out, Py_ssize_t M) noexcept nogil:
    cdef Py_ssize_t j
    if out == NULL:
        return
    if dt == DT_FLOAT32:
        for j in range(M):
            (<float*>out)[j] = <float>acc[j]
    else:
        for j in range(M):
            (<double*>out)[j] = acc[j]


def backward(TensorBase grad, TensorBase x, TensorBase mean, TensorBase rstd, weight=None,
             Py_ssize_t M=1, bint need_input=True, bint need_weight=False,
             bint need_bias=False):
    """Gradients of ``forward(x, M, weight, bias)`` for output gradient ``grad``.

    Returns ``(dx, dweight, dbias)``: ``dx`` shaped as ``x``, the other two 1-d of ``M``
    elements; each is None unless asked for.
    """
    cdef Py_ssize_t n, rows, t, ntasks, one[1]
    cdef Py_ssize_t j
    cdef int nthr, dt = x._dtype, i
    cdef _NormCtx c
    cdef TensorBase gc, xc, mc, sc, w, dx = None, dwt = None, dbt = None
    cdef double* acc = NULL
    cdef char* scratch = NULL
    cdef size_t isz
    if dt != DT_FLOAT32 and dt != DT_FLOAT64:
        raise RuntimeError(f"layer_norm_backward: expected a floating point input, got "
                           f"{x.dtype}")
    n = x.numel_c()
    if grad._dtype != dt or grad.numel_c() != n or grad._ndim != x._ndim:
        raise RuntimeError(f"layer_norm_backward: grad ({grad.dtype}, {list(grad.shape)}) "
                           f"does not match the input ({x.dtype}, {list(x.shape)})")
    for i in range(x._ndim):
        if grad._shape[i] != x._shape[i]:
            raise RuntimeError(f"layer_norm_backward: grad of shape {list(grad.shape)} for "
                               f"an input of shape {list(x.shape)}")
    if M <= 0 or n % M:
        raise RuntimeError(f"layer_norm_backward: {n} elements are not rows of {M}")
    rows = n // M
    if (mean._dtype != dt or rstd._dtype != dt or mean.numel_c() != rows
            or rstd.numel_c() != rows):
        raise RuntimeError("layer_norm_backward: mean and rstd must hold one value per row")
    w = _param(weight, x, M, "weight")
    gc = as_contiguous(grad)
    xc = as_contiguous(x)
    mc = as_contiguous(mean)
    sc = as_contiguous(rstd)
    one[0] = M
    if need_input:
        dx = new_tensor(x._ndim, x._shape, dt, False)
    if need_weight:
        dwt = new_tensor(1, one, dt, False)
    if need_bias:
        dbt = new_tensor(1, one, dt, False)
    nthr = _threads(rows, M)
    ntasks = n_tasks(rows, GRAIN_CHEAP // M + 1, nthr) if nthr > 1 else 1
    isz = 4 if dt == DT_FLOAT32 else 8
    acc = <double*>malloc(2 * M * ntasks * sizeof(double) + 1)
    scratch = <char*>malloc(2 * M * nthr * isz + 1)
    if acc == NULL or scratch == NULL:
        free(acc)
        free(scratch)
        raise MemoryError("layer_norm_backward: cannot allocate the accumulators")
    memset(acc, 0, 2 * M * ntasks * sizeof(double))
    c.dt = dt
    c.g = gc.ptr()
    c.x = xc.ptr()
    c.mean = mc.ptr()
    c.rstd = sc.ptr()
    c.w = _ptr_or_null(w)
    c.out = NULL if dx is None else dx.ptr()
    c.rows = rows
    c.M = M
    c.ntasks = ntasks
    c.acc = acc
    c.need_weight = need_weight
    c.need_bias = need_bias
    c.scratch = scratch
    c.isz = isz
    cdef char* pdw = NULL if dwt is None else dwt.ptr()
    cdef char* pdb = NULL if dbt is None else dbt.ptr()
    try:
        with nogil:
            parallel_for(_bwd_task, &c, ntasks, ntasks, nthr)
            for t in range(1, ntasks):       # the ranges' sums, in range order
                for j in range(2 * M):
                    acc[j] += acc[2 * M * t + j]
            _store(dt, acc, pdw, M)
            _store(dt, acc + M, pdb, M)
    finally:
        free(acc)
        free(scratch)
    return dx, dwt, dbt
