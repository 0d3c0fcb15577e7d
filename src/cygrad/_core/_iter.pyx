"""The broadcasting iterator: one mechanism for every elementwise kernel and reduction.

``iter_setup`` broadcasts the operands against operand 0's shape (a broadcast dim gets a
stride of 0), then ``iter_prepare``:

1. drops size-1 dims (an empty dim makes the iteration empty),
2. orders dims so the innermost has the smallest stride in the deciding operand (the output
   for elementwise kernels, the input for reductions),
3. coalesces dim i into its inner neighbour wherever every operand allows it, so a
   contiguous N-d add becomes one flat loop,
4. marks the iteration *tiled* when some operand is fastest along the second dim (``A.T+B``).

Runners call an inner loop ``fn(n, pointers, byte steps, extra)`` per row: ``nd_loop`` over a
linear range of elements, ``tiled_loop`` over 2-d cache tiles, split across the threads of
``parallel_for`` only above a grain size.
"""
import os

from libc.stdlib cimport abs as c_abs

from ._typedefs cimport MAX_NDIM, MAX_OPS, inner_fn, task_fn
from ._tensor cimport TensorBase, shape_list, _itemsize


cdef extern from "_pool.h" nogil:
    void cg_pool_run(task_fn fn, void* ctx, Py_ssize_t n, Py_ssize_t ntasks, int nthreads)
    int cg_pool_threaded()
    int cg_pool_workers()

cdef enum:
    TILE = 64


def _default_threads():
    """``OMP_NUM_THREADS`` when set to a positive integer (its first entry, as OpenMP reads a
    list, so that the variable users set for PyTorch and NumPy's BLAS works here too), else
    the CPUs this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


cdef int NUM_THREADS = _default_threads() if cg_pool_threaded() else 1


cdef void parallel_for(task_fn fn, void* ctx, Py_ssize_t n, Py_ssize_t ntasks,
                       int nthreads) noexcept nogil:
    """Run ``fn(ctx, lo, hi, slot)`` over ``ntasks`` near-equal ranges of ``[0, n)`` on up to
    ``nthreads`` threads, the calling one included (the pool of ``_pool.h``).

    Threads claim ranges one at a time, so a thread the OS has descheduled delays only the
    range it holds, and one that has not started yet delays nothing: give a few ranges per
    thread. Ranges must be independent; slot numbers index per-thread buffers.
    """
    cg_pool_run(fn, ctx, n, ntasks, nthreads)


cdef Py_ssize_t n_tasks(Py_ssize_t units, Py_ssize_t grain, int nthreads) noexcept nogil:
    """How many ranges to cut ``units`` of work into for ``nthreads`` threads, when a range
    should hold at least ``grain`` units: up to four per thread, so that a thread which
    starts late or is descheduled leaves the others little to wait for."""
    cdef Py_ssize_t most = units // grain if grain > 0 else units
    cdef Py_ssize_t t = 4 * <Py_ssize_t>nthreads
    if t > most:
        t = most
    return t if t > 1 else 1


cdef int get_threads() noexcept nogil:
    return NUM_THREADS


def set_num_threads(n):
    """Set the number of threads kernels use above their grain size.

    Parameters
    ----------
    n : int
        Number of threads, at least 1. The default is ``OMP_NUM_THREADS`` when that is set,
        else the number of CPUs the process may run on.
    """
    global NUM_THREADS
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    if cg_pool_threaded():
        NUM_THREADS = n


def get_num_threads():
    """Number of threads kernels use above their grain size."""
    return NUM_THREADS


def have_threads():
    """True if the core was built with its thread pool (POSIX threads)."""
    return bool(cg_pool_threaded())


def _pool_workers():
    """Worker threads the pool has started in this process (for tests)."""
    return cg_pool_workers()


cdef int broadcast_shapes(int nd_a, const Py_ssize_t* a, int nd_b, const Py_ssize_t* b,
                          Py_ssize_t* out) except -1:
    """Broadcast two shapes into ``out``; returns its rank or raises PyTorch's error."""
    cdef int nd = nd_a if nd_a > nd_b else nd_b
    cdef int i, ia, ib
    cdef Py_ssize_t sa, sb
    for i in range(nd):
        ia = i - (nd - nd_a)
        ib = i - (nd - nd_b)
        sa = a[ia] if ia >= 0 else 1
        sb = b[ib] if ib >= 0 else 1
        if sa == sb or sb == 1:
            out[i] = sa
        elif sa == 1:
            out[i] = sb
        else:
            raise RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b "
                               f"({sb}) at non-singleton dimension {i}")
    return nd


def broadcast_shapes_py(*shapes):
    """Broadcast any number of shapes (tuples of ints) to one, as ``torch.broadcast_shapes``."""
    cdef Py_ssize_t acc[MAX_NDIM]
    cdef Py_ssize_t cur[MAX_NDIM]
    cdef Py_ssize_t res[MAX_NDIM]
    cdef int nd = 0, n, i
    for s in shapes:
        if isinstance(s, int):
            s = (s,)
        n = len(s)
        if n > MAX_NDIM:
            raise RuntimeError(f"cygrad supports at most {MAX_NDIM} dimensions")
        for i in range(n):
            cur[i] = s[i]
        nd = broadcast_shapes(nd, acc, n, cur, res)
        for i in range(nd):
            acc[i] = res[i]
    return tuple(shape_list(nd, acc))


cdef int iter_setup(NdIter* it, tuple ops, int order_op=0) except -1:
    """Fill ``it`` for ``ops`` (tensors; ops[0] fixes the shape) and prepare it.

    Every other operand must broadcast to ops[0]'s shape; the caller has checked that.
    """
    cdef TensorBase out = ops[0]
    cdef TensorBase t
    cdef int k, d, src
    cdef Py_ssize_t isz
    it.nop = len(ops)
    it.ndim = out._ndim
    it.order_op = order_op
    for d in range(out._ndim):
        it.shape[d] = out._shape[d]
    for k in range(it.nop):
        if ops[k] is None:          # a scalar: the caller points data[k] at it
            it.data[k] = NULL
            for d in range(out._ndim):
                it.strides[k][d] = 0
            continue
        t = ops[k]
        isz = _itemsize(t._dtype)
        it.data[k] = t.ptr()
        for d in range(out._ndim):
            src = d - (out._ndim - t._ndim)
            if src < 0 or (t._shape[src] == 1 and out._shape[d] != 1):
                it.strides[k][d] = 0
            else:
                it.strides[k][d] = t._strides[src] * isz
    iter_prepare(it)
    return 0


cdef inline bint _inner_of(NdIter* it, int i, int j) noexcept nogil:
    """True if dim ``i`` should be iterated inside dim ``j`` (i has smaller strides)."""
    cdef int k, kk
    cdef Py_ssize_t si, sj
    for kk in range(it.nop):
        k = (it.order_op + kk) % it.nop
        si = c_abs(it.strides[k][i])
        sj = c_abs(it.strides[k][j])
        if si == 0 or sj == 0 or si == sj:
            continue
        return si < sj
    return False


cdef void iter_prepare(NdIter* it) noexcept nogil:
    cdef int perm[MAX_NDIM]
    cdef Py_ssize_t shape[MAX_NDIM]
    cdef Py_ssize_t strides[MAX_OPS][MAX_NDIM]
    cdef int n = 0, d, k, i, j, tmp
    cdef bint ok
    it.size = 1
    for d in range(it.ndim):
        it.size *= it.shape[d]
    if it.size == 0:
        it.ndim = 0
        it.tiled = False
        return
    # 1. keep the dims of size > 1 (in natural order: outermost first)
    for d in range(it.ndim):
        if it.shape[d] != 1:
            perm[n] = d
            n += 1
    # 2. stable insertion sort, outermost first: move a dim outward past dims it is inner of
    for i in range(1, n):
        j = i
        while j > 0 and _inner_of(it, perm[j - 1], perm[j]):
            tmp = perm[j]
            perm[j] = perm[j - 1]
            perm[j - 1] = tmp
            j -= 1
    # reverse into innermost-first order
    for i in range(n):
        d = perm[n - 1 - i]
        shape[i] = it.shape[d]
        for k in range(it.nop):
            strides[k][i] = it.strides[k][d]
    # 3. coalesce dim i+1 (outer) into dim i (inner) where every operand is uniform across
    j = 0
    for i in range(n):
        if i == 0:
            it.shape[0] = shape[0]
            for k in range(it.nop):
                it.strides[k][0] = strides[k][0]
            continue
        ok = True
        for k in range(it.nop):
            if strides[k][i] != it.shape[j] * it.strides[k][j]:
                ok = False
                break
        if ok:
            it.shape[j] *= shape[i]
        else:
            j += 1
            it.shape[j] = shape[i]
            for k in range(it.nop):
                it.strides[k][j] = strides[k][i]
    it.ndim = j + 1 if n > 0 else 0
    if it.ndim == 0:           # a single element: one "dim" of size 1
        it.ndim = 1
        it.shape[0] = 1
        for k in range(it.nop):
            it.strides[k][0] = 0
    # 4. tiled when an operand is fastest along dim 1
    it.tiled = False
    if it.ndim >= 2 and it.shape[0] >= TILE // 2 and it.shape[1] >= TILE // 2:
        for k in range(it.nop):
            if it.strides[k][1] != 0 and c_abs(it.strides[k][1]) < c_abs(it.strides[k][0]):
                it.tiled = True


cdef void nd_loop(NdIter* it, inner_fn fn, void* extra, Py_ssize_t start,
                  Py_ssize_t end) noexcept nogil:
    """Run ``fn`` over the elements ``[start, end)`` of the iteration, row by row."""
    cdef Py_ssize_t idx[MAX_NDIM]
    cdef char* ptrs[MAX_OPS]
    cdef Py_ssize_t steps[MAX_OPS]
    cdef Py_ssize_t rem = start, n, pos = start
    cdef int d, k
    cdef int nd = it.ndim, nop = it.nop
    if start >= end:
        return
    for k in range(nop):
        ptrs[k] = it.data[k]
        steps[k] = it.strides[k][0]
    for d in range(nd):
        idx[d] = rem % it.shape[d]
        rem = rem // it.shape[d]
        for k in range(nop):
            ptrs[k] += idx[d] * it.strides[k][d]
    while True:
        n = it.shape[0] - idx[0]
        if n > end - pos:
            n = end - pos
        fn(n, ptrs, steps, extra)
        pos += n
        if pos >= end:
            return
        # carry: dim 0 is exhausted here
        for k in range(nop):
            ptrs[k] -= idx[0] * it.strides[k][0]      # back to the start of the row
        idx[0] = 0
        d = 1
        while d < nd:
            idx[d] += 1
            for k in range(nop):
                ptrs[k] += it.strides[k][d]
            if idx[d] < it.shape[d]:
                break
            for k in range(nop):
                ptrs[k] -= it.shape[d] * it.strides[k][d]
            idx[d] = 0
            d += 1


cdef void tiled_loop(NdIter* it, inner_fn fn, void* extra, Py_ssize_t u0,
                     Py_ssize_t u1) noexcept nogil:
    """Run units ``[u0, u1)``; a unit is one TILE-tall stripe of dim 1 in one outer slice,
    walked in TILE x TILE tiles so every operand is read along its cache lines."""
    cdef Py_ssize_t nb1 = (it.shape[1] + TILE - 1) // TILE
    cdef Py_ssize_t u, rem, outer, b1, r, r1, c, cn, idx
    cdef char* base[MAX_OPS]
    cdef char* ptrs[MAX_OPS]
    cdef Py_ssize_t steps[MAX_OPS]
    cdef int d, k, nop = it.nop
    for k in range(nop):
        steps[k] = it.strides[k][0]
    for u in range(u0, u1):
        b1 = u % nb1
        outer = u // nb1
        for k in range(nop):
            base[k] = it.data[k]
        rem = outer
        for d in range(2, it.ndim):
            idx = rem % it.shape[d]
            rem = rem // it.shape[d]
            for k in range(nop):
                base[k] += idx * it.strides[k][d]
        r1 = (b1 + 1) * TILE
        if r1 > it.shape[1]:
            r1 = it.shape[1]
        c = 0
        while c < it.shape[0]:
            cn = it.shape[0] - c
            if cn > TILE:
                cn = TILE
            for r in range(b1 * TILE, r1):
                for k in range(nop):
                    ptrs[k] = base[k] + r * it.strides[k][1] + c * it.strides[k][0]
                fn(cn, ptrs, steps, extra)
            c += cn


cdef inline Py_ssize_t _n_units(NdIter* it) noexcept nogil:
    cdef Py_ssize_t n = (it.shape[1] + TILE - 1) // TILE
    cdef int d
    for d in range(2, it.ndim):
        n *= it.shape[d]
    return n


cdef void iter_serial(NdIter* it, inner_fn fn, void* extra) noexcept nogil:
    """Run the whole iteration on the calling thread."""
    if it.size == 0:
        return
    if it.tiled:
        tiled_loop(it, fn, extra, 0, _n_units(it))
    else:
        nd_loop(it, fn, extra, 0, it.size)


cdef struct _RunCtx:
    NdIter* it
    inner_fn fn
    void* extra


cdef void _run_range(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``iter_run``'s parallel body: cache tiles ``[lo, hi)`` of a tiled iteration, or lines
    of 64 elements (whole cache lines of the output) of a linear one."""
    cdef _RunCtx* c = <_RunCtx*>ctx
    if c.it.tiled:
        tiled_loop(c.it, c.fn, c.extra, lo, hi)
    else:
        nd_loop(c.it, c.fn, c.extra, lo * 64, hi * 64 if hi * 64 < c.it.size else c.it.size)


cdef void iter_run(NdIter* it, inner_fn fn, void* extra, Py_ssize_t grain) noexcept nogil:
    """Run the iteration, split over threads if ``size >= 2*grain`` (``parallel_for``, ranges
    of at least ``grain`` elements).

    Only for iterations whose operand 0 is written once per element (never a reduction).
    """
    cdef int nthr = NUM_THREADS
    cdef Py_ssize_t units
    cdef _RunCtx ctx
    if it.size == 0:
        return
    if nthr > it.size // grain:
        nthr = <int>(it.size // grain)
    if nthr <= 1:
        iter_serial(it, fn, extra)
        return
    if it.tiled:
        units = _n_units(it)
        grain = grain * units // it.size
    else:
        units = (it.size + 63) // 64
        grain = grain // 64
    ctx.it = it
    ctx.fn = fn
    ctx.extra = extra
    parallel_for(_run_range, &ctx, units, n_tasks(units, grain, nthr), nthr)
