# Front ends of the reductions (included by _reduce.pyx.tp).
from libc.stdlib cimport malloc, free

_NAMES = ("sum", "prod", "amax", "amin")
cdef int COMBINE[4]
COMBINE[R_SUM] = _elementwise.BINARY_OPS["add"]
COMBINE[R_PROD] = _elementwise.BINARY_OPS["mul"]
COMBINE[R_MAX] = _elementwise.BINARY_OPS["maximum"]
COMBINE[R_MIN] = _elementwise.BINARY_OPS["minimum"]


cdef int parse_dims(TensorBase x, object dims, bint* red) except -1:
    """Mark the reduced dims in ``red``; ``None`` or an empty tuple/list reduces all."""
    cdef int nd = x._ndim, d, i, count = 0
    cdef bint seen_scalar_dim = False
    for i in range(nd):
        red[i] = False
    if dims is None or (isinstance(dims, (tuple, list)) and len(dims) == 0):
        for i in range(nd):
            red[i] = True
        return nd
    if not isinstance(dims, (tuple, list)):
        dims = (dims,)
    for dim in dims:
        if isinstance(dim, bool) or not hasattr(dim, "__index__"):
            raise TypeError(f"dim must be an int or a tuple of ints, got {type(dim).__name__}")
        d = wrap_dim(dim.__index__(), nd)
        if nd == 0:             # 0 and -1 both name the one pseudo-dim of a 0-d tensor
            if seen_scalar_dim:
                raise RuntimeError("dim 0 appears multiple times in the list of dims")
            seen_scalar_dim = True
            continue
        if red[d]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        red[d] = True
        count += 1
    return count


cdef object _identity(int op, int dt):
    if op == R_SUM:
        return 0
    if op == R_PROD:
        return 1
    if dt == DT_BOOL:
        return 0 if op == R_MAX else 1
    if dt == DT_INT32:
        return INT32_MIN if op == R_MAX else INT32_MAX
    if dt == DT_INT64:
        return INT64_MIN if op == R_MAX else INT64_MAX
    return -INFINITY if op == R_MAX else INFINITY


cdef struct _ReduceCtx:
    NdIter* it
    inner_fn fn
    int dim             # the dim the ranges split (-1: a full reduction's linear range)
    Py_ssize_t total    # its length (elements, for a full reduction)
    Py_ssize_t ntasks
    char* priv          # per-range partial results (full or private), else NULL
    Py_ssize_t priv_size


cdef void _reduce_range(void* ctx, Py_ssize_t t, Py_ssize_t t1, int slot) noexcept nogil:
    """``_run_reduce``'s parallel body for range ``t`` (of ``ntasks``): a slice of the split
    dim (or of the linear order), folded into ``acc`` itself when the dim is kept and into
    range ``t``'s own partial otherwise."""
    cdef _ReduceCtx* c = <_ReduceCtx*>ctx
    cdef NdIter sub
    cdef Py_ssize_t lo = c.total * t // c.ntasks, hi = c.total * (t + 1) // c.ntasks
    cdef int k
    memcpy(&sub, c.it, sizeof(NdIter))
    if c.priv != NULL:
        sub.data[0] = c.priv + t * c.priv_size
        sub.data[1] = sub.data[0]
    if c.dim < 0:
        nd_loop(&sub, c.fn, NULL, lo, hi)
        return
    sub.shape[c.dim] = hi - lo
    sub.size = c.it.size // c.total * (hi - lo)
    for k in range(sub.nop):
        if c.priv == NULL or k == 2:
            sub.data[k] = sub.data[k] + lo * sub.strides[k][c.dim]
    if sub.size > 0:
        iter_serial(&sub, c.fn, NULL)


cdef void _run_reduce(NdIter* it, inner_fn fn, int op, bint full, int acc_dt, int nthr,
                      Py_ssize_t n_acc) noexcept nogil:
    """Run a reduction iteration whose operands are (acc, acc, x); ``acc`` is contiguous
    with ``n_acc`` elements.

    Threads split a kept dim, except when the innermost dim is kept (an outer reduction
    such as ``sum(dim=0)``): then each range folds a slice of the outermost reduced dim into
    a private copy of a small ``acc`` (every thread streams whole rows). A full reduction
    folds each range of the linear order into its own partial. Partials are combined in
    range order, so a result depends on the thread count only, never on the scheduling.
    """
    cdef int d, split = -1, rsplit = -1
    cdef Py_ssize_t isz = 8 if (acc_dt == DT_INT64 or acc_dt == DT_FLOAT64) else (
        4 if (acc_dt == DT_INT32 or acc_dt == DT_FLOAT32) else 1)
    cdef Py_ssize_t t, most
    cdef _ReduceCtx ctx
    cdef char* ptrs[3]
    cdef Py_ssize_t steps[3]
    if nthr > 1 and not full:
        for d in range(it.ndim - 1, -1, -1):
            if it.strides[0][d] != 0 and it.shape[d] >= nthr:
                split = d
                break
        if split == 0 and n_acc <= 65536:
            for d in range(it.ndim - 1, 0, -1):
                if it.strides[0][d] == 0 and it.shape[d] >= nthr:
                    rsplit = d
                    break
    if nthr <= 1 or (not full and split < 0):
        iter_serial(it, fn, NULL)
        return
    ctx.it = it
    ctx.fn = fn
    ctx.priv = NULL
    ctx.priv_size = 0
    if full:
        ctx.dim = -1
        ctx.total = it.size
        ctx.ntasks = n_tasks(it.size, GRAIN_CHEAP, nthr)
        ctx.priv_size = isz
    elif rsplit > 0:
        ctx.dim = rsplit
        ctx.total = it.shape[rsplit]
        # each range's private copy costs n_acc more combines: keep them well below the work
        most = it.size // (8 * n_acc)
        ctx.ntasks = n_tasks(ctx.total, 1, nthr)
        if ctx.ntasks > most:
            ctx.ntasks = most if most > nthr else nthr
        ctx.priv_size = n_acc * isz
    else:
        ctx.dim = split
        ctx.total = it.shape[split]
        ctx.ntasks = n_tasks(ctx.total, GRAIN_CHEAP * ctx.total // it.size, nthr)
    if ctx.priv_size > 0:
        ctx.priv = <char*>malloc(ctx.ntasks * ctx.priv_size)
        if ctx.priv == NULL:
            iter_serial(it, fn, NULL)
            return
        for t in range(ctx.ntasks):
            memcpy(ctx.priv + t * ctx.priv_size, it.data[0], ctx.priv_size)    # the identity
    parallel_for(_reduce_range, &ctx, ctx.ntasks, ctx.ntasks, nthr)
    if full:
        ptrs[0] = it.data[0]
        ptrs[2] = ctx.priv
        _fold_partials(ptrs, <int>ctx.ntasks, isz, binary_loop(COMBINE[op], acc_dt))
    elif ctx.priv != NULL:
        steps[0] = isz
        steps[1] = isz
        steps[2] = isz
        for t in range(ctx.ntasks):
            ptrs[0] = it.data[0]
            ptrs[1] = it.data[0]
            ptrs[2] = ctx.priv + t * ctx.priv_size
            binary_loop(COMBINE[op], acc_dt)(n_acc, ptrs, steps, NULL)
    free(ctx.priv)


cdef void _fold_partials(char** ptrs, int nthr, Py_ssize_t isz, inner_fn comb) noexcept nogil:
    """Combine partials one at a time with an elementwise combine loop (n = 1 each)."""
    cdef Py_ssize_t steps[3]
    cdef char* p[3]
    cdef int t
    steps[0] = 0
    steps[1] = 0
    steps[2] = 0
    for t in range(nthr):
        p[0] = ptrs[0]
        p[1] = ptrs[0]
        p[2] = ptrs[2] + t * isz
        comb(1, p, steps, NULL)


def reduce(int op, TensorBase x, dims=None, bint keepdim=False, double scale=1.0,
           bint empty_ok=False):
    """Reduce ``x`` over ``dims`` with op ``REDUCE_OPS[name]``.

    Sums and products of integer or bool tensors are computed in int64 (PyTorch's rule);
    ``scale`` multiplies the accumulated result (``mean`` passes ``1/n``). Max and min of an
    empty dim raise unless ``empty_ok`` (``any``/``all`` give their identity instead).
    """
    cdef bint red[MAX_NDIM]
    cdef Py_ssize_t keep_shape[MAX_NDIM]
    cdef Py_ssize_t out_shape[MAX_NDIM]
    cdef Py_ssize_t out_strides[MAX_NDIM]
    cdef Py_ssize_t it_strides[MAX_NDIM]
    cdef int nd = x._ndim, d, n_out = 0, dt, acc_dt, nthr
    cdef bint full
    cdef TensorBase acc, acc_view, res
    cdef NdIter it
    cdef inner_fn fn
    parse_dims(x, dims, red)
    dt = x._dtype
    if (op == R_SUM or op == R_PROD) and not is_floating(dt):
        x = cast_c(x, DT_INT64)
        dt = DT_INT64
    acc_dt = DT_FLOAT64 if (op == R_SUM and dt == DT_FLOAT32) else dt
    full = True
    for d in range(nd):
        if red[d]:
            keep_shape[d] = 1
        else:
            keep_shape[d] = x._shape[d]
            full = False
        if keepdim or not red[d]:
            out_shape[n_out] = keep_shape[d]
            n_out += 1
    if x.numel_c() == 0 and (op == R_MAX or op == R_MIN) and not empty_ok:
        if full:
            raise RuntimeError(f"{_NAMES[op]}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                               f"argument.")
        for d in range(nd):
            if red[d] and x._shape[d] == 0:
                raise IndexError(f"{_NAMES[op]}(): Expected reduction dim {d} to have "
                                 f"non-zero size.")
    acc = new_tensor(nd, keep_shape, acc_dt, False)
    _elementwise.fill_(acc, _identity(op, dt))
    if x.numel_c() > 0:
        for d in range(nd):
            it_strides[d] = 0 if red[d] else acc._strides[d]
        acc_view = make_view(acc, nd, x._shape, it_strides, 0)
        iter_setup(&it, (acc_view, acc_view, x), 2)
        if it.strides[0][0] == 0:
            fn = ROW_LOOPS[op][dt]
        elif op == R_SUM and dt == DT_FLOAT32:
            fn = _accumulate_float32
        else:
            fn = binary_loop(COMBINE[op], dt)
        nthr = get_threads()
        if nthr > it.size // GRAIN_CHEAP:
            nthr = <int>(it.size // GRAIN_CHEAP)
        if it.size >= NOGIL_MIN:
            with nogil:
                _run_reduce(&it, fn, op, full, acc_dt, nthr, acc.numel_c())
        else:
            _run_reduce(&it, fn, op, full, acc_dt, nthr, acc.numel_c())
    if scale != 1.0:
        _elementwise.binary(COMBINE[R_PROD], acc, scale, acc)
    res = acc if acc_dt == dt else cast_c(acc, dt)
    # drop the reduced dims (the result is contiguous, so strides follow the shape)
    cdef Py_ssize_t st = 1
    for d in range(n_out - 1, -1, -1):
        out_strides[d] = st
        st *= out_shape[d] if out_shape[d] > 0 else 1
    return make_view(res, n_out, out_shape, out_strides, 0)


cdef TensorBase _create_zero_index():
    return new_tensor(0, NULL, DT_INT64, True)


def arg_reduce(int which, TensorBase x, int dim, bint keepdim):
    """``(values, indices)`` of the max (``which=0``) or min (``which=1``) along ``dim``."""
    cdef int nd = x._ndim, d, i, j = 0
    cdef Py_ssize_t kept[MAX_NDIM]
    cdef Py_ssize_t kept_st[MAX_NDIM]
    cdef ArgExtra ex
    cdef TensorBase vals, idxs, xk
    cdef NdIter it
    cdef Py_ssize_t grain
    if nd == 0:
        wrap_dim(dim, 0)
        return cast_c(x, x._dtype), _create_zero_index()
    else:
        d = wrap_dim(dim, nd)
    if x._shape[d] == 0:
        raise IndexError(f"{'argmax' if which == 0 else 'argmin'}(): Expected reduction dim "
                         f"{d} to have non-zero size.")
    for i in range(nd):
        if i != d:
            kept[j] = x._shape[i]
            kept_st[j] = x._strides[i]
            j += 1
    vals = new_tensor(nd - 1, kept, x._dtype, False)
    idxs = new_tensor(nd - 1, kept, DT_INT64, False)
    xk = make_view(x, nd - 1, kept, kept_st, x._offset)
    ex.length = x._shape[d]
    ex.step = x._strides[d] * _itemsize(x._dtype)
    if vals.numel_c() > 0:
        iter_setup(&it, (vals, idxs, xk))
        grain = GRAIN_CHEAP // ex.length if ex.length < GRAIN_CHEAP else 1
        if it.size * ex.length >= NOGIL_MIN:
            with nogil:
                iter_run(&it, ARG_LOOPS[which][x._dtype], &ex, grain)
        else:
            iter_run(&it, ARG_LOOPS[which][x._dtype], &ex, grain)
    if keepdim:
        return vals._unsqueeze(d), idxs._unsqueeze(d)
    return vals, idxs
