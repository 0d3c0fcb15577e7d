# Front ends of the matrix products (included by _matmul.pyx): shape checks with PyTorch's
# messages, batch broadcasting, workspace allocation; then the nogil loops run.

_TYPE_NAMES = ("Bool", "Int", "Long", "Float", "Double")


cdef int _check_dtypes(TensorBase a, TensorBase b) except -1:
    if a._dtype != b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_c_name(a._dtype)} != {_c_name(b._dtype)}")
    if a._dtype == DT_BOOL:
        raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return 0


cdef str _c_name(int dt):
    return ("bool", "int", "long int", "float", "double")[dt]


cdef Py_ssize_t* _batch_offsets(TensorBase t, int nbd, const Py_ssize_t* bshape,
                                Py_ssize_t nb) except NULL:
    """Element offset of each batch matrix of ``t`` (whose last two dims are the matrix),
    walking the broadcast batch shape in row-major order (broadcast dims have stride 0)."""
    cdef Py_ssize_t* offs = <Py_ssize_t*>malloc((nb if nb > 0 else 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t idx[MAX_NDIM]
    cdef Py_ssize_t st[MAX_NDIM]
    cdef Py_ssize_t cur = t._offset, i
    cdef int d, src, tb = t._ndim - 2
    if offs == NULL:
        raise MemoryError()
    for d in range(nbd):
        src = d - (nbd - tb)
        st[d] = 0 if (src < 0 or t._shape[src] == 1) else t._strides[src]
        idx[d] = 0
    for i in range(nb):
        offs[i] = cur
        d = nbd - 1
        while d >= 0:
            idx[d] += 1
            cur += st[d]
            if idx[d] < bshape[d]:
                break
            cur -= bshape[d] * st[d]
            idx[d] = 0
            d -= 1
    return offs


cdef struct _BatchCtx:
    Py_ssize_t M, N, K, rsa, csa, rsb, csb, rsc, csc, per
    double alpha, beta
    char* pa
    char* pb
    char* pc
    Py_ssize_t* oa
    Py_ssize_t* ob
    Py_ssize_t* oc
    char* work


cdef void _batch_task(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``_run``'s parallel body: batch matrices ``[lo, hi)``, one thread each (float32)."""
    cdef _BatchCtx* b = <_BatchCtx*>ctx
    cdef Py_ssize_t i
    for i in range(lo, hi):
        one_product[float](<float*>b.work + slot * b.per, 1, b.M, b.N, b.K, <float>b.alpha,
                           <float*>b.pa + b.oa[i], b.rsa, b.csa, <float*>b.pb + b.ob[i],
                           b.rsb, b.csb, <float>b.beta, <float*>b.pc + b.oc[i], b.rsc, b.csc)


cdef void _batch_task64(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``_run``'s parallel body: batch matrices ``[lo, hi)``, one thread each (float64)."""
    cdef _BatchCtx* b = <_BatchCtx*>ctx
    cdef Py_ssize_t i
    for i in range(lo, hi):
        one_product[double](<double*>b.work + slot * b.per, 1, b.M, b.N, b.K, b.alpha,
                            <double*>b.pa + b.oa[i], b.rsa, b.csa, <double*>b.pb + b.ob[i],
                            b.rsb, b.csb, b.beta, <double*>b.pc + b.oc[i], b.rsc, b.csc)


cdef int _run(TensorBase a, TensorBase b, TensorBase c, int nbd, const Py_ssize_t* bshape,
              double alpha, double beta) except -1:
    """c[batch] = alpha * a[batch] @ b[batch] + beta * c[batch] over the broadcast batch."""
    cdef Py_ssize_t nb = 1, i, per = 0
    cdef Py_ssize_t M = a._shape[a._ndim - 2], K = a._shape[a._ndim - 1]
    cdef Py_ssize_t N = b._shape[b._ndim - 1]
    cdef Py_ssize_t rsa = a._strides[a._ndim - 2], csa = a._strides[a._ndim - 1]
    cdef Py_ssize_t rsb = b._strides[b._ndim - 2], csb = b._strides[b._ndim - 1]
    cdef Py_ssize_t rsc = c._strides[c._ndim - 2], csc = c._strides[c._ndim - 1]
    cdef Py_ssize_t *oa = NULL
    cdef Py_ssize_t *ob = NULL
    cdef Py_ssize_t *oc = NULL
    cdef Py_ssize_t one[3]
    cdef int dt = a._dtype, nthreads = get_threads(), d
    cdef bint batch_parallel
    cdef char* work = NULL
    cdef char* pa = a._storage.data
    cdef char* pb = b._storage.data
    cdef char* pc = c._storage.data
    cdef double flops
    cdef _BatchCtx bc
    for d in range(nbd):
        nb *= bshape[d]
    if nb == 0 or M == 0 or N == 0:
        return 0
    flops = <double>M * N * K
    if flops * nb < PARALLEL_MIN:
        nthreads = 1
    batch_parallel = nthreads > 1 and nb >= nthreads and flops < 256.0 * 256 * 256
    try:
        if nb == 1:         # a single product: no offset tables
            one[0] = a._offset
            one[1] = b._offset
            one[2] = c._offset
        else:
            oa = _batch_offsets(a, nbd, bshape, nb)
            ob = _batch_offsets(b, nbd, bshape, nb)
            oc = _batch_offsets(c, nbd, bshape, nb)
        if is_floating(dt) and N > 1 and flops > SMALL:
            per = gemm_work_size(M, N, K, 1 if batch_parallel else nthreads, dt)
            work = <char*>malloc(per * (nthreads if batch_parallel else 1) * _itemsize(dt))
            if work == NULL:
                raise MemoryError("matmul: cannot allocate the packing buffers")
        with nogil:
            if nb == 1:
                oa = one
                ob = one + 1
                oc = one + 2
            if batch_parallel:
                bc.M = M
                bc.N = N
                bc.K = K
                bc.alpha = alpha
                bc.beta = beta
                bc.pa = pa
                bc.pb = pb
                bc.pc = pc
                bc.oa = oa
                bc.ob = ob
                bc.oc = oc
                bc.rsa = rsa
                bc.csa = csa
                bc.rsb = rsb
                bc.csb = csb
                bc.rsc = rsc
                bc.csc = csc
                bc.work = work
                bc.per = per
            if dt == DT_FLOAT32:
                if batch_parallel:
                    parallel_for(_batch_task, &bc, nb, nb, nthreads)
                else:
                    for i in range(nb):
                        one_product[float](<float*>work, nthreads, M, N, K, <float>alpha,
                            <float*>pa + oa[i], rsa, csa, <float*>pb + ob[i], rsb, csb,
                            <float>beta, <float*>pc + oc[i], rsc, csc)
            elif dt == DT_FLOAT64:
                if batch_parallel:
                    parallel_for(_batch_task64, &bc, nb, nb, nthreads)
                else:
                    for i in range(nb):
                        one_product[double](<double*>work, nthreads, M, N, K, alpha,
                            <double*>pa + oa[i], rsa, csa, <double*>pb + ob[i], rsb, csb, beta,
                            <double*>pc + oc[i], rsc, csc)
            elif dt == DT_INT64:
                for i in range(nb):
                    int_gemm[int64_t](M, N, K, <int64_t*>pa + oa[i], rsa, csa,
                                      <int64_t*>pb + ob[i], rsb, csb, <int64_t*>pc + oc[i],
                                      rsc, csc, <int64_t>alpha, <int64_t>beta)
            else:
                for i in range(nb):
                    int_gemm[int32_t](M, N, K, <int32_t*>pa + oa[i], rsa, csa,
                                      <int32_t*>pb + ob[i], rsb, csb, <int32_t*>pc + oc[i],
                                      rsc, csc, <int64_t>alpha, <int64_t>beta)
    finally:
        if nb != 1:
            free(oa)
            free(ob)
            free(oc)
        free(work)
    c._storage.version += 1
    return 0


cdef TensorBase _fold_rows(TensorBase A):
    """``A`` (batch..., M, K) as one (batch * M, K) matrix: a view when the batch dims and
    the row dim walk memory with one stride, else a contiguous copy (one pass over ``A``,
    against the product's K * N per row)."""
    cdef Py_ssize_t rows = 1, rs = 0, st = 0
    cdef Py_ssize_t shape[2]
    cdef Py_ssize_t strides[2]
    cdef bint first = True, fold = True
    cdef int d, nd = A._ndim
    cdef TensorBase T
    for d in range(nd - 2, -1, -1):           # innermost row dim outwards, size-1 dims skipped
        rows *= A._shape[d]
        if A._shape[d] == 1:
            continue
        if first:
            rs = A._strides[d]
            first = False
        elif A._strides[d] != st:
            fold = False
        st = A._strides[d] * A._shape[d]
    shape[0] = rows
    shape[1] = A._shape[nd - 1]
    if fold:
        strides[0] = rs if not first else shape[1]
        strides[1] = A._strides[nd - 1]
        return make_view(A, 2, shape, strides, A._offset)
    T = new_tensor(nd, A._shape, A._dtype, False)
    copy_c(T, A)
    strides[0] = shape[1]
    strides[1] = 1
    return make_view(T, 2, shape, strides, 0)


cdef str _shape_str(TensorBase t):
    return "x".join(str(s) for s in t.shape)


cdef int _fold_into_rows(TensorBase A, TensorBase B, TensorBase C) except -1:
    """``C = A @ B`` for a batched ``A``, 2-d ``B`` and contiguous ``C`` of the broadcast
    shape, run as one (batch * M, K) @ (K, N) product."""
    cdef TensorBase A2 = _fold_rows(A)
    cdef Py_ssize_t shape[2]
    cdef Py_ssize_t strides[2]
    shape[0] = A2._shape[0]
    shape[1] = B._shape[1]
    strides[0] = shape[1]
    strides[1] = 1
    _run(A2, B, make_view(C, 2, shape, strides, 0), 0, shape, 1.0, 0.0)
    return 0


def matmul(TensorBase a, TensorBase b):
    """``a @ b`` with NumPy's and PyTorch's semantics (dot, matrix-vector, batched with
    broadcast batch dims); 1-d operands get a dim prepended/appended, then removed."""
    cdef int da = a._ndim, db = b._ndim, nbd, i
    cdef TensorBase A, B, C
    cdef Py_ssize_t bshape[MAX_NDIM]
    cdef Py_ssize_t cshape[MAX_NDIM]
    cdef Py_ssize_t M, K1, K2, N
    _check_dtypes(a, b)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    A = a._unsqueeze(0) if da == 1 else a
    B = b._unsqueeze(1) if db == 1 else b
    M = A._shape[A._ndim - 2]
    K1 = A._shape[A._ndim - 1]
    K2 = B._shape[B._ndim - 2]
    N = B._shape[B._ndim - 1]
    if K1 != K2:
        if da == 1 and db == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{K1}] and src "
                               f"[{K2}] to have the same number of elements, but got {K1} "
                               f"and {K2} elements respectively")
        if da <= 2 and db == 1:
            raise RuntimeError(f"size mismatch, got input ({M}), mat ({M}x{K1}), vec ({K2})")
        if da <= 2 and db <= 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({M}x{K1} and "
                               f"{K2}x{N})")
        raise RuntimeError(f"matmul: shapes {list(a.shape)} and {list(b.shape)} cannot be "
                           f"multiplied (the last dim of the first, {K1}, must match the "
                           f"second-to-last dim of the second, {K2})")
    nbd = broadcast_shapes(A._ndim - 2, A._shape, B._ndim - 2, B._shape, bshape)
    for i in range(nbd):
        cshape[i] = bshape[i]
    cshape[nbd] = M
    cshape[nbd + 1] = N
    C = new_tensor(nbd + 2, cshape, a._dtype, False)
    if nbd > 0 and B._ndim == 2:
        # a batch of matrices times one matrix is one product with the batch in its rows
        # (one packing of B, one tall GEMM), as PyTorch folds it
        _fold_into_rows(A, B, C)
    else:
        _run(A, B, C, nbd, bshape, 1.0, 0.0)
    if da == 1 and db == 1:
        return C._squeeze((-2, -1))
    if da == 1:
        return C._squeeze(-2)
    if db == 1:
        return C._squeeze(-1)
    return C


def addmm(TensorBase inp, TensorBase m1, TensorBase m2, double beta=1.0, double alpha=1.0,
          bint batched=False):
    """``beta * inp + alpha * (m1 @ m2)`` for matrices (``batched``: 3-d ``baddbmm``)."""
    cdef int want = 3 if batched else 2
    cdef Py_ssize_t shape[3]
    cdef TensorBase C
    _check_dtypes(m1, m2)
    if m1._ndim != want:
        raise RuntimeError(f"{'batch1' if batched else 'mat1'} must be a "
                           f"{'3D tensor' if batched else 'matrix'}, got {m1._ndim}-D tensor")
    if m2._ndim != want:
        raise RuntimeError(f"{'batch2' if batched else 'mat2'} must be a "
                           f"{'3D tensor' if batched else 'matrix'}, got {m2._ndim}-D tensor")
    if batched and m1._shape[0] != m2._shape[0] or m1._shape[want - 1] != m2._shape[want - 2]:
        if batched:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{m1._shape[0]}, {m1._shape[2]}] but got: [{m2._shape[0]}, "
                               f"{m2._shape[1]}].")
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(m1)} and "
                           f"{_shape_str(m2)})")
    if batched:
        shape[0] = m1._shape[0]
    shape[want - 2] = m1._shape[want - 2]
    shape[want - 1] = m2._shape[want - 1]
    C = new_tensor(want, shape, m1._dtype, False)
    if beta != 0:
        if inp._dtype != m1._dtype:
            raise RuntimeError(f"expected scalar type {_TYPE_NAMES[m1._dtype]} but found "
                               f"{_TYPE_NAMES[inp._dtype]}")
        copy_c(C, inp)
    _run(m1, m2, C, want - 2, shape, alpha, beta)
    return C


def dot(TensorBase a, TensorBase b):
    """Inner product of two 1-d tensors."""
    _check_dtypes(a, b)
    if a._ndim != 1 or b._ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._ndim}D and {b._ndim}D tensors")
    return matmul(a, b)


def mv(TensorBase m, TensorBase v):
    """Matrix-vector product."""
    _check_dtypes(m, v)
    if m._ndim != 2 or v._ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m._ndim}, {v._ndim}")
    return matmul(m, v)


def mm(TensorBase a, TensorBase b):
    """Matrix product of two 2-d tensors."""
    _check_dtypes(a, b)
    if a._ndim != 2:
        raise RuntimeError(f"self must be a matrix")
    if b._ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    return matmul(a, b)


def bmm(TensorBase a, TensorBase b):
    """Batched matrix product of two 3-d tensors with the same batch size."""
    _check_dtypes(a, b)
    if a._ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor")
    if b._ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor")
    if a._shape[0] != b._shape[0] or a._shape[2] != b._shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a._shape[0]}, {a._shape[2]}] but got: [{b._shape[0]}, "
                           f"{b._shape[1]}].")
    return matmul(a, b)
