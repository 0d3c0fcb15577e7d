"""Softmax and log-softmax along one dim, fused per row, and their backward.

The input is seen as a contiguous block ``(outer, length, inner)``, the dim being
``length`` (a non-contiguous input is copied first); a *row* is the ``length`` elements of
one ``(a, b)`` pair, ``inner`` apart. Each row, while it is in cache: its maximum, the pass
``exp(scale * x - max)``, its sum, and one pass that normalises (``log``: subtracts the log
of the sum). Contiguous float32 rows (``inner == 1``, the last dim) use the vector exp, sum
and folds of ``_vecmath.h`` (a combined exp-and-sum loop measured no faster than the two). The backward is one dot product (``log``: one sum) and one pass.

Attention asks two more things of the forward, so that it needs no extra passes over its
``(L, S)`` score blocks:

* ``scale`` multiplies the input inside the exponent (``1/sqrt(E)``);
* ``causal = L`` keeps, in row ``i`` of every ``(L, S)`` block, only columns ``j <= i``
  (PyTorch's ``is_causal``, aligned to the top left); the other columns come out 0.

With ``zero_empty`` a row with nothing to attend to (every kept entry ``-inf``) comes out
all zeros, as in PyTorch's attention; plain softmax keeps NaN for it, as ``torch.softmax``
does. Rows are independent: threads split them above a grain size.
"""
from libc.math cimport exp, log, INFINITY

from ._typedefs cimport DT_FLOAT32, DT_FLOAT64, task_fn
from ._tensor cimport TensorBase, new_tensor, split_dim, wrap_dim
from ._elementwise cimport as_contiguous
from ._iter cimport get_threads, parallel_for, n_tasks, GRAIN_TRANSCENDENTAL

cdef extern from "_vecmath.h" nogil:
    float cg_fold_max_f32(const float* x, Py_ssize_t n)
    float cg_fold_min_f32(const float* x, Py_ssize_t n)
    float cg_dot_f32(const float* x, const float* y, Py_ssize_t n)
    void cg_exp_affine_f32(Py_ssize_t n, float* o, const float* x, float a, float b)
    double cg_sum_f32(const float* x, Py_ssize_t n)
    float cg_expf(float x)

ctypedef fused real:
    float
    double


cdef inline double _row_extremum(const real* x, Py_ssize_t n, Py_ssize_t st,
                                 double scale) noexcept nogil:
    """The maximum of ``scale * x`` over a row (NaN if the row holds one)."""
    cdef Py_ssize_t j
    cdef double m, v
    if real is float:
        if st == 1:
            return scale * (cg_fold_max_f32(x, n) if scale >= 0 else cg_fold_min_f32(x, n))
    m = -INFINITY
    for j in range(n):
        v = scale * x[j * st]
        if v != v:
            return v
        if v > m:
            m = v
    return m


cdef void _fwd_row(const real* x, real* o, Py_ssize_t n, Py_ssize_t valid, Py_ssize_t st,
                   double scale, bint logsm, bint zero_empty) noexcept nogil:
    cdef Py_ssize_t j
    cdef double m = -INFINITY, s = 0.0, r, ls
    if valid:
        m = _row_extremum(x, valid, st, scale)
    if valid == 0 or (zero_empty and m == -INFINITY):
        for j in range(n):
            o[j * st] = 0
        return
    if real is float:
        if st == 1:
            cg_exp_affine_f32(valid, o, x, <float>scale, <float>m)
            s = cg_sum_f32(o, valid)
        else:
            for j in range(valid):
                o[j * st] = cg_expf(<float>(scale * x[j * st] - m))
                s += o[j * st]
    else:
        for j in range(valid):
            o[j * st] = exp(scale * x[j * st] - m)
            s += o[j * st]
    if logsm:
        ls = m + log(s)
        for j in range(valid):
            o[j * st] = <real>(scale * x[j * st] - ls)
    else:
        r = 1.0 / s
        for j in range(valid):
            o[j * st] = <real>(o[j * st] * r)
    for j in range(valid, n):
        o[j * st] = 0


cdef void _bwd_row(const real* g, const real* y, real* o, Py_ssize_t n, Py_ssize_t st,
                   double scale, bint logsm) noexcept nogil:
    cdef Py_ssize_t j
    cdef double d = 0.0
    if logsm:
        for j in range(n):
            d += g[j * st]
        for j in range(n):
            if real is float:
                o[j * st] = <real>(g[j * st] - cg_expf(y[j * st]) * d)
            else:
                o[j * st] = <real>(g[j * st] - exp(y[j * st]) * d)
        return
    if real is float:
        if st == 1:
            d = cg_dot_f32(g, y, n)
        else:
            for j in range(n):
                d += g[j * st] * y[j * st]
    else:
        for j in range(n):
            d += g[j * st] * y[j * st]
    for j in range(n):
        o[j * st] = <real>(scale * y[j * st] * (g[j * st] - d))


cdef void _fwd_rows(const real* x, real* o, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t length,
                    Py_ssize_t inner, double scale, bint logsm, Py_ssize_t causal,
                    bint zero_empty) noexcept nogil:
    cdef Py_ssize_t r, base, valid
    for r in range(r0, r1):
        base = (r // inner) * length * inner + r % inner
        valid = length
        if causal > 0 and r % causal + 1 < length:
            valid = r % causal + 1
        _fwd_row(x + base, o + base, length, valid, inner, scale, logsm, zero_empty)


cdef void _bwd_rows(const real* g, const real* y, real* o, Py_ssize_t r0, Py_ssize_t r1,
                    Py_ssize_t length, Py_ssize_t inner, double scale,
                    bint logsm) noexcept nogil:
    cdef Py_ssize_t r, base
    for r in range(r0, r1):
        base = (r // inner) * length * inner + r % inner
        _bwd_row(g + base, y + base, o + base, length, inner, scale, logsm)



cdef struct _RowsCtx:
    # one softmax pass for the pool: the operands and the row geometry
    const char* a          # x (forward) or grad (backward)
    const char* b          # y (backward)
    char* out
    Py_ssize_t length, inner, causal
    double scale
    bint log, zero_empty, f64


cdef void _fwd_task(void* p, Py_ssize_t r0, Py_ssize_t r1, int slot) noexcept nogil:
    cdef _RowsCtx* c = <_RowsCtx*>p
    if c.f64:
        _fwd_rows(<const double*>c.a, <double*>c.out, r0, r1, c.length, c.inner, c.scale,
                  c.log, c.causal, c.zero_empty)
    else:
        _fwd_rows(<const float*>c.a, <float*>c.out, r0, r1, c.length, c.inner, c.scale,
                  c.log, c.causal, c.zero_empty)


cdef void _bwd_task(void* p, Py_ssize_t r0, Py_ssize_t r1, int slot) noexcept nogil:
    cdef _RowsCtx* c = <_RowsCtx*>p
    if c.f64:
        _bwd_rows(<const double*>c.a, <const double*>c.b, <double*>c.out, r0, r1, c.length,
                  c.inner, c.scale, c.log)
    else:
        _bwd_rows(<const float*>c.a, <const float*>c.b, <float*>c.out, r0, r1, c.length,
                  c.inner, c.scale, c.log)

cdef int _threads(Py_ssize_t rows, Py_ssize_t length) noexcept nogil:
    cdef int nthr = get_threads()
    if rows * length < 2 * GRAIN_TRANSCENDENTAL:
        return 1
    if nthr > rows:
        nthr = <int>rows
    return nthr if nthr > 1 else 1


cdef void _run(task_fn fn, _RowsCtx* c, Py_ssize_t rows, Py_ssize_t length) noexcept nogil:
    """Run a row pass over ``rows`` rows, on the pool above the grain size (a few ranges
    per thread, each of at least ``GRAIN_TRANSCENDENTAL`` elements)."""
    cdef int nthr = _threads(rows, length)
    cdef Py_ssize_t grain = GRAIN_TRANSCENDENTAL // length if length < GRAIN_TRANSCENDENTAL else 1
    parallel_for(fn, c, rows, n_tasks(rows, grain, nthr) if nthr > 1 else 1, nthr)


cdef int _check(TensorBase x, str name) except -1:
    if x._dtype != DT_FLOAT32 and x._dtype != DT_FLOAT64:
        raise RuntimeError(f"{name}(): expected a floating point input, got "
                           f"{x.dtype}")
    return 0


def forward(TensorBase x, int dim, bint log=False, double scale=1.0, Py_ssize_t causal=0,
            bint zero_empty=False):
    """``softmax(scale * x, dim)`` (``log``: its logarithm) as a new contiguous tensor.

    ``causal = L > 0`` (last dim only) keeps columns ``j <= i`` of row ``i`` of every
    ``(L, length)`` block; ``zero_empty`` gives rows with nothing kept (all ``-inf``) zeros.
    """
    cdef Py_ssize_t outer, length, inner, rows
    cdef int d
    cdef _RowsCtx c
    cdef TensorBase xc, out
    _check(x, "log_softmax" if log else "softmax")
    d = wrap_dim(dim, x._ndim) if x._ndim else 0
    if causal and (log or causal < 0 or x._ndim < 2 or d != x._ndim - 1):
        raise RuntimeError("softmax: a causal mask needs softmax over the last dim of an "
                           "input of at least 2 dims")
    xc = as_contiguous(x)
    out = new_tensor(x._ndim, x._shape, x._dtype, False)
    split_dim(xc, d, &outer, &length, &inner)
    rows = outer * inner
    if rows == 0 or length == 0:
        return out
    c.a = <const char*>xc.ptr()
    c.out = <char*>out.ptr()
    c.length = length
    c.inner = inner
    c.causal = causal
    c.scale = scale
    c.log = log
    c.zero_empty = zero_empty
    c.f64 = x._dtype == DT_FLOAT64
    with nogil:
        _run(_fwd_task, &c, rows, length)
    return out


def backward(TensorBase grad, TensorBase y, int dim, bint log=False, double scale=1.0):
    """The input gradient of ``y = forward(x, dim, log, scale)`` for output gradient ``grad``:
    ``scale * y * (grad - sum(grad * y))``, or ``grad - exp(y) * sum(grad)`` for ``log``."""
    cdef Py_ssize_t outer, length, inner, rows
    cdef int d, i
    cdef _RowsCtx c
    cdef TensorBase gc, yc, out
    _check(y, "softmax_backward")
    if grad._dtype != y._dtype or grad._ndim != y._ndim:
        raise RuntimeError(f"softmax_backward: grad ({grad.dtype}, {list(grad.shape)}) does "
                           f"not match the output ({y.dtype}, {list(y.shape)})")
    for i in range(y._ndim):
        if grad._shape[i] != y._shape[i]:
            raise RuntimeError(f"softmax_backward: grad of shape {list(grad.shape)} for an "
                               f"output of shape {list(y.shape)}")
    d = wrap_dim(dim, y._ndim) if y._ndim else 0
    gc = as_contiguous(grad)
    yc = as_contiguous(y)
    out = new_tensor(y._ndim, y._shape, y._dtype, False)
    split_dim(yc, d, &outer, &length, &inner)
    rows = outer * inner
    if rows == 0 or length == 0:
        return out
    c.a = <const char*>gc.ptr()
    c.b = <const char*>yc.ptr()
    c.out = <char*>out.ptr()
    c.length = length
    c.inner = inner
    c.causal = 0
    c.scale = scale
    c.log = log
    c.zero_empty = False
    c.f64 = y._dtype == DT_FLOAT64
    with nogil:
        _run(_bwd_task, &c, rows, length)
    return out
