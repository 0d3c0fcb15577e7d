"""Ordering and scans along one dim: ``sort`` (stable), ``topk``, ``cumsum``/``cumprod``
(with ``cumprod``'s backward), the inverse-CDF search behind ``multinomial``, and
``flip`` (a copy through negated strides).

Every kernel sees its input as a contiguous block of shape ``(outer, length, inner)``, the
dim being ``length``: a non-contiguous input is copied first (the work is ``n log n`` or a
dependent chain, so the copy is cheap beside it), and outputs are new contiguous tensors of
the input's shape. A *row* is the ``length`` elements of one ``(a, b)`` pair, ``inner``
apart. Rows are independent, so threads split rows (each thread with its own scratch
buffers, allocated before the GIL is released); one long row runs on one thread.

Order is PyTorch's: NaN is larger than every number (last when ascending, first when
descending), equal keys keep their original order, and ``topk`` breaks ties by the lower
index, so ``topk(x, k)`` equals ``sort(x, descending=True)[:k]``.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from ._typedefs cimport MAX_NDIM, DT_BOOL, DT_INT32, DT_INT64, DT_FLOAT32, DT_FLOAT64
from ._tensor cimport TensorBase, new_tensor, make_view, split_dim, wrap_dim, _itemsize
from ._elementwise cimport as_contiguous, cast_c
from ._iter cimport get_threads, parallel_for, n_tasks

ctypedef fused key_t:
    uint8_t
    int32_t
    int64_t
    float
    double

ctypedef fused scan_t:
    int64_t
    float
    double

cdef enum:
    RUN = 24                  # insertion-sorted run length before merging
    SORT_GRAIN = 16384        # elements per thread below which a sort stays serial
    SCAN_GRAIN = 65536        # same for the scans
    SELECT_DEPTH = 64         # quickselect rounds before falling back to a full sort
    HEAP_RATIO = 16           # topk keeps a k-heap while scanning when k * this <= length


# ------------------------------------------------------------------ comparisons
cdef inline bint _lt(key_t a, key_t b, bint desc) noexcept nogil:
    """``a`` goes strictly before ``b``: NaN is the largest value."""
    if key_t is float or key_t is double:
        if desc:
            return a > b or (a != a and b == b)
        return a < b or (b != b and a == a)
    else:
        if desc:
            return a > b
        return a < b


cdef inline bint _before(key_t a, int64_t ia, key_t b, int64_t ib, bint desc) noexcept nogil:
    """The total order of (key, index) pairs: by key, ties by the lower index."""
    if _lt(a, b, desc):
        return True
    if _lt(b, a, desc):
        return False
    return ia < ib


# ------------------------------------------------------------------ sorting one row
cdef void _msort(key_t* k, int64_t* ix, key_t* tk, int64_t* ti, Py_ssize_t n, bint desc,
                 bint lex) noexcept nogil:
    """Sort ``n`` (key, index) pairs in place: stable merge sort (insertion-sorted runs of
    ``RUN``, then merges ping-ponging between ``k``/``ix`` and the scratch ``tk``/``ti``).
    With ``lex`` ties are ordered by index instead of by position."""
    cdef Py_ssize_t lo, hi, i, j, w, l, m, r, a, b, o
    cdef key_t kv
    cdef int64_t iv
    cdef key_t* sk = k
    cdef int64_t* si = ix
    cdef key_t* dk = tk
    cdef int64_t* di = ti
    cdef key_t* swk
    cdef int64_t* swi
    cdef bint take_b
    lo = 0
    while lo < n:
        hi = lo + RUN if lo + RUN < n else n
        for i in range(lo + 1, hi):
            kv = k[i]
            iv = ix[i]
            j = i - 1
            while j >= lo and (_before(kv, iv, k[j], ix[j], desc) if lex
                               else _lt(kv, k[j], desc)):
                k[j + 1] = k[j]
                ix[j + 1] = ix[j]
                j -= 1
            k[j + 1] = kv
            ix[j + 1] = iv
        lo = hi
    w = RUN
    while w < n:
        l = 0
        while l < n:
            m = l + w if l + w < n else n
            r = l + 2 * w if l + 2 * w < n else n
            a = l
            b = m
            o = l
            while a < m and b < r:
                if lex:
                    take_b = _before(sk[b], si[b], sk[a], si[a], desc)
                else:
                    take_b = _lt(sk[b], sk[a], desc)
                if take_b:
                    dk[o] = sk[b]
                    di[o] = si[b]
                    b += 1
                else:
                    dk[o] = sk[a]
                    di[o] = si[a]
                    a += 1
                o += 1
            while a < m:
                dk[o] = sk[a]
                di[o] = si[a]
                a += 1
                o += 1
            while b < r:
                dk[o] = sk[b]
                di[o] = si[b]
                b += 1
                o += 1
            l = r
        swk = sk
        sk = dk
        dk = swk
        swi = si
        si = di
        di = swi
        w *= 2
    if sk != k:
        memcpy(k, sk, n * sizeof(key_t))
        memcpy(ix, si, n * sizeof(int64_t))


cdef inline void _swap(key_t* k, int64_t* ix, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    cdef key_t kv = k[a]
    cdef int64_t iv = ix[a]
    k[a] = k[b]
    ix[a] = ix[b]
    k[b] = kv
    ix[b] = iv


cdef void _select(key_t* k, int64_t* ix, key_t* tk, int64_t* ti, Py_ssize_t n,
                  Py_ssize_t kk, bint desc) noexcept nogil:
    """Rearrange the pairs so that the first ``kk`` are the ``kk`` first in the (key,
    index) order, in no particular order (quickselect, median-of-three pivots; a full
    sort of what is left after ``SELECT_DEPTH`` rounds bounds the worst case)."""
    cdef Py_ssize_t lo = 0, hi = n - 1, mid, i, store, rounds = 0
    cdef key_t pk
    cdef int64_t pi
    while hi > lo:
        rounds += 1
        if rounds > SELECT_DEPTH:
            _msort(k + lo, ix + lo, tk, ti, hi - lo + 1, desc, True)
            return
        mid = lo + (hi - lo) // 2
        if _before(k[mid], ix[mid], k[lo], ix[lo], desc):
            _swap(k, ix, mid, lo)
        if _before(k[hi], ix[hi], k[lo], ix[lo], desc):
            _swap(k, ix, hi, lo)
        if _before(k[hi], ix[hi], k[mid], ix[mid], desc):
            _swap(k, ix, hi, mid)
        _swap(k, ix, mid, hi)           # the median is the pivot, parked at hi
        pk = k[hi]
        pi = ix[hi]
        store = lo
        for i in range(lo, hi):
            if _before(k[i], ix[i], pk, pi, desc):
                _swap(k, ix, i, store)
                store += 1
        _swap(k, ix, store, hi)
        if store == kk - 1 or store == kk:
            return      # all before the pivot is left of it: the first kk are in place
        if store < kk:
            lo = store + 1
        else:
            hi = store - 1


cdef inline void _sift_down(key_t* k, int64_t* ix, Py_ssize_t p, Py_ssize_t n,
                            bint desc) noexcept nogil:
    """Restore the heap below ``p``: every parent comes after its children in the (key,
    index) order, so the root is the last of the kept pairs."""
    cdef Py_ssize_t c
    while True:
        c = 2 * p + 1
        if c >= n:
            return
        if c + 1 < n and _before(k[c], ix[c], k[c + 1], ix[c + 1], desc):
            c += 1
        if not _before(k[p], ix[p], k[c], ix[c], desc):
            return
        _swap(k, ix, p, c)
        p = c


cdef void _heap_select(const key_t* x, Py_ssize_t length, Py_ssize_t inner, key_t* k,
                       int64_t* ix, Py_ssize_t kk, bint desc) noexcept nogil:
    """The first ``kk`` of a strided row (``inner`` apart) in the (key, index) order, into
    ``k``/``ix`` as a heap: one pass that keeps the ``kk`` best seen so far. A later entry
    has the larger index, so it displaces the root only when its key goes strictly before
    the root's: most entries cost one comparison."""
    cdef Py_ssize_t j, p
    cdef key_t v
    for j in range(kk):
        k[j] = x[j * inner]
        ix[j] = j
    p = kk // 2
    while p > 0:
        p -= 1
        _sift_down(k, ix, p, kk, desc)
    for j in range(kk, length):
        v = x[j * inner]
        if _lt(v, k[0], desc):
            k[0] = v
            ix[0] = j
            _sift_down(k, ix, 0, kk, desc)


# ------------------------------------------------------------------ row drivers
cdef void _sort_rows(const key_t* x, key_t* vals, int64_t* idx, Py_ssize_t length,
                     Py_ssize_t inner, Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t kk,
                     bint desc, bint topk, bint sort_selected, key_t* kb,
                     int64_t* ib) noexcept nogil:
    """Rows ``r0 .. r1`` of a sort (``topk`` false) or a top-``kk`` selection; the outputs
    have ``kk`` elements per row (``length`` for a sort), ``inner`` apart."""
    cdef Py_ssize_t r, a, b, j, base, obase
    cdef key_t* tk = kb + length
    cdef int64_t* ti = ib + length
    for r in range(r0, r1):
        a = r // inner
        b = r - a * inner
        base = a * length * inner + b
        obase = a * kk * inner + b
        if topk and kk * HEAP_RATIO <= length:
            _heap_select(x + base, length, inner, kb, ib, kk, desc)
        else:
            for j in range(length):
                kb[j] = x[base + j * inner]
                ib[j] = j
        if not topk:
            _msort(kb, ib, tk, ti, length, desc, False)
        else:
            if kk < length and kk * HEAP_RATIO > length:
                _select(kb, ib, tk, ti, length, kk, desc)
            if sort_selected:
                _msort(kb, ib, tk, ti, kk, desc, True)
        for j in range(kk):
            vals[obase + j * inner] = kb[j]
            idx[obase + j * inner] = ib[j]


cdef struct _SortCtx:
    # one sort or top-k for the pool: the operands, the row geometry and per-thread scratch
    int dt
    const void* x
    void* v
    int64_t* o
    Py_ssize_t length, inner, kk
    bint desc, topk, sort_selected
    char* kb               # 2 * length keys per thread
    int64_t* ib            # 2 * length indices per thread
    size_t ksz


cdef void _sort_task(void* p, Py_ssize_t r0, Py_ssize_t r1, int slot) noexcept nogil:
    cdef _SortCtx* c = <_SortCtx*>p
    cdef Py_ssize_t off = slot * 2 * c.length
    cdef char* kb = c.kb + off * c.ksz
    cdef int64_t* ib = c.ib + off
    if c.dt == DT_BOOL:
        _sort_rows(<const uint8_t*>c.x, <uint8_t*>c.v, c.o, c.length, c.inner, r0, r1, c.kk,
                   c.desc, c.topk, c.sort_selected, <uint8_t*>kb, ib)
    elif c.dt == DT_INT32:
        _sort_rows(<const int32_t*>c.x, <int32_t*>c.v, c.o, c.length, c.inner, r0, r1, c.kk,
                   c.desc, c.topk, c.sort_selected, <int32_t*>kb, ib)
    elif c.dt == DT_INT64:
        _sort_rows(<const int64_t*>c.x, <int64_t*>c.v, c.o, c.length, c.inner, r0, r1, c.kk,
                   c.desc, c.topk, c.sort_selected, <int64_t*>kb, ib)
    elif c.dt == DT_FLOAT32:
        _sort_rows(<const float*>c.x, <float*>c.v, c.o, c.length, c.inner, r0, r1, c.kk,
                   c.desc, c.topk, c.sort_selected, <float*>kb, ib)
    else:
        _sort_rows(<const double*>c.x, <double*>c.v, c.o, c.length, c.inner, r0, r1, c.kk,
                   c.desc, c.topk, c.sort_selected, <double*>kb, ib)


cdef int _run_sort(TensorBase xc, TensorBase vals, TensorBase idx, Py_ssize_t outer,
                   Py_ssize_t length, Py_ssize_t inner, Py_ssize_t kk, bint desc, bint topk,
                   bint sort_selected) except -1:
    cdef Py_ssize_t rows = outer * inner, ntasks
    cdef int nthr = get_threads()
    cdef Py_ssize_t total = rows * length
    cdef _SortCtx c
    if rows == 0 or length == 0 or kk == 0:
        return 0
    if nthr > rows:
        nthr = <int>rows
    if total < SORT_GRAIN * 2 or nthr < 1:
        nthr = 1
    ntasks = n_tasks(rows, SORT_GRAIN // length + 1, nthr) if nthr > 1 else 1
    c.dt = xc._dtype
    c.ksz = _itemsize(c.dt)
    c.x = xc.ptr()
    c.v = vals.ptr()
    c.o = <int64_t*>idx.ptr()
    c.length = length
    c.inner = inner
    c.kk = kk
    c.desc = desc
    c.topk = topk
    c.sort_selected = sort_selected
    c.kb = <char*>malloc(nthr * 2 * length * c.ksz)
    c.ib = <int64_t*>malloc(nthr * 2 * length * sizeof(int64_t))
    if c.kb == NULL or c.ib == NULL:
        free(c.kb)
        free(c.ib)
        raise MemoryError(f"cannot allocate scratch space for {length} elements")
    try:
        with nogil:
            parallel_for(_sort_task, &c, rows, ntasks, nthr)
    finally:
        free(c.kb)
        free(c.ib)
    return 0



def sort(TensorBase x, dim, bint descending):
    """``(values, indices)`` of ``x`` sorted along ``dim`` (stable; NaN largest).

    Parameters
    ----------
    x : TensorBase
    dim : int
    descending : bool

    Returns
    -------
    tuple of TensorBase
        New contiguous ``values`` (``x``'s dtype) and ``indices`` (int64), ``x``'s shape.
    """
    cdef int d = wrap_dim(dim, x._ndim) if x._ndim else (wrap_dim(dim, 0) * 0)
    cdef Py_ssize_t outer, length, inner
    cdef TensorBase xc = as_contiguous(x)
    cdef TensorBase vals = new_tensor(x._ndim, x._shape, x._dtype, False)
    cdef TensorBase idx = new_tensor(x._ndim, x._shape, DT_INT64, False)
    split_dim(x, d, &outer, &length, &inner)
    _run_sort(xc, vals, idx, outer, length, inner, length, descending, False, False)
    return vals, idx


def topk(TensorBase x, k, dim, bint largest, bint sorted):
    """``(values, indices)`` of the ``k`` largest (or smallest) entries along ``dim``.

    Parameters
    ----------
    x : TensorBase
    k : int
        ``0 <= k <= x.shape[dim]`` (RuntimeError otherwise, PyTorch's text).
    dim : int
    largest : bool
    sorted : bool
        Return them in order (else in the order the selection leaves them).

    Returns
    -------
    tuple of TensorBase
        ``x``'s shape with ``k`` at ``dim``; ties taken by the lower index.
    """
    cdef int d = wrap_dim(dim, x._ndim) if x._ndim else (wrap_dim(dim, 0) * 0)
    cdef Py_ssize_t outer, length, inner, kk
    cdef Py_ssize_t shape[MAX_NDIM]
    cdef int i
    cdef TensorBase xc, vals, idx
    if isinstance(k, bool) or not hasattr(k, "__index__"):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not "
                        f"{type(k).__name__}")
    kk = k.__index__()
    split_dim(x, d, &outer, &length, &inner)
    if kk < 0 or kk > length:
        raise RuntimeError("selected index k out of range")
    for i in range(x._ndim):
        shape[i] = x._shape[i]
    if x._ndim:
        shape[d] = kk
    xc = as_contiguous(x)
    vals = new_tensor(x._ndim, shape, x._dtype, False)
    idx = new_tensor(x._ndim, shape, DT_INT64, False)
    _run_sort(xc, vals, idx, outer, length, inner, kk, largest, True, sorted)
    return vals, idx


# ------------------------------------------------------------------ scans
cdef void _scan_block(const scan_t* x, scan_t* o, Py_ssize_t a0, Py_ssize_t a1,
                      Py_ssize_t length, Py_ssize_t inner, bint prod,
                      double* acc) noexcept nogil:
    """Blocks ``a0 .. a1`` of a cumulative sum/product; ``acc`` holds ``inner`` running
    values (double for floats, int64 reinterpreted for int64)."""
    cdef Py_ssize_t a, j, b, base
    cdef double s
    cdef int64_t si
    cdef int64_t* iacc = <int64_t*>acc
    for a in range(a0, a1):
        base = a * length * inner
        if inner == 1:
            if scan_t is int64_t:
                si = 1 if prod else 0
                for j in range(length):
                    if prod:
                        si = si * x[base + j]
                    else:
                        si = si + x[base + j]
                    o[base + j] = si
            else:
                s = 1.0 if prod else 0.0
                for j in range(length):
                    if prod:
                        s = s * x[base + j]
                    else:
                        s = s + x[base + j]
                    o[base + j] = <scan_t>s
            continue
        for b in range(inner):
            if scan_t is int64_t:
                iacc[b] = 1 if prod else 0
            else:
                acc[b] = 1.0 if prod else 0.0
        for j in range(length):
            if scan_t is int64_t:
                if prod:
                    for b in range(inner):
                        iacc[b] = iacc[b] * x[base + j * inner + b]
                        o[base + j * inner + b] = iacc[b]
                else:
                    for b in range(inner):
                        iacc[b] = iacc[b] + x[base + j * inner + b]
                        o[base + j * inner + b] = iacc[b]
            else:
                if prod:
                    for b in range(inner):
                        acc[b] = acc[b] * x[base + j * inner + b]
                        o[base + j * inner + b] = <scan_t>acc[b]
                else:
                    for b in range(inner):
                        acc[b] = acc[b] + x[base + j * inner + b]
                        o[base + j * inner + b] = <scan_t>acc[b]


cdef struct _ScanCtx:
    # one cumulative sum or product for the pool; ``inner`` running values per thread
    int dt
    const void* x
    void* o
    Py_ssize_t length, inner
    bint prod
    double* acc


cdef void _scan_task(void* p, Py_ssize_t a0, Py_ssize_t a1, int slot) noexcept nogil:
    cdef _ScanCtx* c = <_ScanCtx*>p
    cdef double* acc = c.acc + slot * c.inner
    if c.dt == DT_INT64:
        _scan_block(<const int64_t*>c.x, <int64_t*>c.o, a0, a1, c.length, c.inner, c.prod, acc)
    elif c.dt == DT_FLOAT32:
        _scan_block(<const float*>c.x, <float*>c.o, a0, a1, c.length, c.inner, c.prod, acc)
    else:
        _scan_block(<const double*>c.x, <double*>c.o, a0, a1, c.length, c.inner, c.prod, acc)


cdef int _run_scan(TensorBase xc, TensorBase out, Py_ssize_t outer, Py_ssize_t length,
                   Py_ssize_t inner, bint prod) except -1:
    cdef int nthr = get_threads()
    cdef Py_ssize_t ntasks, block = length * inner
    cdef _ScanCtx c
    if outer * length * inner == 0:
        return 0
    if nthr > outer:
        nthr = <int>outer
    if outer * block < SCAN_GRAIN * 2 or nthr < 1:
        nthr = 1
    ntasks = n_tasks(outer, SCAN_GRAIN // block + 1, nthr) if nthr > 1 else 1
    c.dt = xc._dtype
    c.x = xc.ptr()
    c.o = out.ptr()
    c.length = length
    c.inner = inner
    c.prod = prod
    c.acc = <double*>malloc(nthr * inner * sizeof(double))
    if c.acc == NULL:
        raise MemoryError(f"cannot allocate scratch space for {inner} elements")
    try:
        with nogil:
            parallel_for(_scan_task, &c, outer, ntasks, nthr)
    finally:
        free(c.acc)
    return 0


def scan(int op, TensorBase x, dim):
    """The cumulative sum (``op`` 0) or product (1) of ``x`` along ``dim``.

    ``x`` must be int64, float32 or float64 (the caller casts bool and int32 to int64, as
    PyTorch's result type asks); floats accumulate in float64.

    Returns
    -------
    TensorBase
        A new contiguous tensor of ``x``'s shape and dtype.
    """
    cdef int d = wrap_dim(dim, x._ndim) if x._ndim else (wrap_dim(dim, 0) * 0)
    cdef Py_ssize_t outer, length, inner
    cdef TensorBase xc, out
    if x._dtype not in (DT_INT64, DT_FLOAT32, DT_FLOAT64):
        raise TypeError("scan(): expects int64, float32 or float64 input")
    if op not in (0, 1):
        raise ValueError(f"scan(): unknown op {op}")
    split_dim(x, d, &outer, &length, &inner)
    xc = as_contiguous(x)
    out = new_tensor(x._ndim, x._shape, x._dtype, False)
    _run_scan(xc, out, outer, length, inner, op == 1)
    return out


cdef void _cumprod_grad_rows(const scan_t* x, const scan_t* g, scan_t* o, Py_ssize_t r0,
                             Py_ssize_t r1, Py_ssize_t length,
                             Py_ssize_t inner) noexcept nogil:
    """``o[k] = prod(x[:k]) * S[k]`` with ``S[k] = g[k] + x[k+1] * S[k+1]``: the exact
    gradient of a cumulative product, zeros in ``x`` included, in O(length)."""
    cdef Py_ssize_t r, a, b, base, j
    cdef double s, p
    for r in range(r0, r1):
        a = r // inner
        b = r - a * inner
        base = a * length * inner + b
        s = 0.0
        for j in range(length - 1, -1, -1):
            if j == length - 1:
                s = g[base + j * inner]
            else:
                s = g[base + j * inner] + x[base + (j + 1) * inner] * s
            o[base + j * inner] = <scan_t>s
        p = 1.0
        for j in range(length):
            s = o[base + j * inner]
            o[base + j * inner] = <scan_t>(p * s)
            p = p * x[base + j * inner]


def cumprod_backward(TensorBase x, TensorBase g, dim):
    """The gradient of ``cumprod(x, dim)`` for the output gradient ``g`` (same shape and
    floating dtype as ``x``); exact where ``x`` has zeros."""
    cdef int d = wrap_dim(dim, x._ndim) if x._ndim else (wrap_dim(dim, 0) * 0)
    cdef Py_ssize_t outer, length, inner
    cdef int i
    cdef TensorBase xc, gc, out
    if x._dtype not in (DT_FLOAT32, DT_FLOAT64) or g._dtype != x._dtype:
        raise TypeError("cumprod_backward(): expects float32/float64 tensors of one dtype")
    if g._ndim != x._ndim:
        raise RuntimeError("cumprod_backward(): shapes differ")
    for i in range(x._ndim):
        if g._shape[i] != x._shape[i]:
            raise RuntimeError("cumprod_backward(): shapes differ")
    split_dim(x, d, &outer, &length, &inner)
    xc = as_contiguous(x)
    gc = as_contiguous(g)
    out = new_tensor(x._ndim, x._shape, x._dtype, False)
    if outer * length * inner:
        if x._dtype == DT_FLOAT32:
            with nogil:
                _cumprod_grad_rows(<const float*>xc.ptr(), <const float*>gc.ptr(),
                                   <float*>out.ptr(), 0, outer * inner, length, inner)
        else:
            with nogil:
                _cumprod_grad_rows(<const double*>xc.ptr(), <const double*>gc.ptr(),
                                   <double*>out.ptr(), 0, outer * inner, length, inner)
    return out


# ------------------------------------------------------------------ multinomial
def multinomial_search(TensorBase cdf, TensorBase u):
    """For each row ``r`` of the running sums ``cdf`` (float64, ``(R, C)``) and each
    uniform ``u[r, s]`` in ``[0, 1)`` (float64, ``(R, S)``): the first category ``i`` with
    ``cdf[r, i] > u[r, s] * cdf[r, C-1]``. A category of probability zero is never drawn
    (rounding that lands past the end takes the last category of positive probability).

    The caller has checked that every row is finite, non-negative and sums to more than 0.

    Returns
    -------
    TensorBase
        int64 of shape ``(R, S)``.
    """
    cdef Py_ssize_t R, C, S, r, s, lo, hi, mid, last
    cdef double t, total
    cdef const double* c
    cdef const double* uu
    cdef int64_t* o
    cdef TensorBase out
    cdef Py_ssize_t shape[2]
    if (cdf._dtype != DT_FLOAT64 or u._dtype != DT_FLOAT64 or cdf._ndim != 2
            or u._ndim != 2 or cdf._shape[0] != u._shape[0] or cdf._shape[1] == 0):
        raise ValueError("multinomial_search(): expects float64 (R, C) and (R, S) tensors")
    cdf = as_contiguous(cdf)
    u = as_contiguous(u)
    R = cdf._shape[0]
    C = cdf._shape[1]
    S = u._shape[1]
    shape[0] = R
    shape[1] = S
    out = new_tensor(2, shape, DT_INT64, False)
    c = <const double*>cdf.ptr()
    uu = <const double*>u.ptr()
    o = <int64_t*>out.ptr()
    with nogil:
        for r in range(R):
            total = c[r * C + C - 1]
            last = C - 1
            while last > 0 and c[r * C + last] <= c[r * C + last - 1]:
                last -= 1
            for s in range(S):
                t = uu[r * S + s] * total
                lo = 0
                hi = last
                while lo < hi:
                    mid = lo + (hi - lo) // 2
                    if c[r * C + mid] > t:
                        hi = mid
                    else:
                        lo = mid + 1
                o[r * S + s] = lo
    return out


# ------------------------------------------------------------------ reversal
def flip(TensorBase x, tuple dims):
    """A contiguous copy of ``x`` reversed along the (already wrapped, distinct) ``dims``:
    a view with those strides negated, copied."""
    cdef Py_ssize_t strides[MAX_NDIM]
    cdef Py_ssize_t offset = x._offset
    cdef int i, d
    for i in range(x._ndim):
        strides[i] = x._strides[i]
    for dd in dims:
        d = dd
        if d < 0 or d >= x._ndim:
            raise IndexError(f"flip(): dim {d} out of range for {x._ndim}-d tensor")
        if x._shape[d] > 1:
            offset += (x._shape[d] - 1) * x._strides[d]
            strides[d] = -x._strides[d]
    if x.numel_c() == 0:
        return cast_c(x, x._dtype)
    return cast_c(make_view(x, x._ndim, x._shape, strides, offset), x._dtype)
