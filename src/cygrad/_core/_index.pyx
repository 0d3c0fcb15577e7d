"""Indexing: ``__getitem__``/``__setitem__`` for basic (views) and advanced (gather/scatter)
indices, and ``nonzero``.

The front end parses the key once into the geometry of a basic-indexing view (ints, slices,
``None``, ``...``) plus a list of advanced indices (integer tensors/lists, boolean masks turned
into integer indices). Advanced indices are broadcast together, bounds-checked (IndexError)
and turned into element offsets; the gather and scatter loops then copy whole sub-blocks,
following NumPy's rule for where the broadcast index dims go in the result (in place of the
indexed dims if they are adjacent, else first).
"""
from libc.stdint cimport uint64_t, int32_t, int64_t, uint8_t
from libc.string cimport memcpy

from ._typedefs cimport (MAX_NDIM, DT_BOOL, DT_INT32, DT_INT64, DT_FLOAT32, DT_FLOAT64,
                         inner_fn, category)
from ._tensor cimport (TensorBase, new_tensor, make_view, wrap_dim, shape_list, _itemsize,
                       TENSOR_CLS)
from ._iter cimport NdIter, iter_setup, iter_serial, broadcast_shapes
from ._elementwise cimport cast_c, copy_c, cast_loop, binary_loop, check_writable
from . import _elementwise
from . import _create

cdef int OP_ADD = _elementwise.BINARY_OPS["add"]


cdef class _Parsed:
    """A parsed key: the basic view and its advanced indices (dim in view, int64 tensor)."""
    cdef TensorBase view
    cdef list adv


cdef int _consumed(object item) except -1:
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if isinstance(item, TensorBase) and (<TensorBase>item)._dtype == DT_BOOL:
        return (<TensorBase>item)._ndim
    return 1


cdef object _as_index_tensor(object item):
    """Lists, tuples, ranges and arrays inside a key become tensors; everything else is
    returned."""
    cdef TensorBase t
    cdef Py_ssize_t n
    if isinstance(item, range):
        n = len(item)
        t = new_tensor(1, &n, DT_INT64, False)
        _create.arange_fill(t, item.start, item.step)
        return t
    if isinstance(item, (list, tuple)) or (hasattr(item, "__array_interface__")
                                           and not isinstance(item, TensorBase)):
        t = _create.from_data(item, None)
        if t.numel_c() == 0 and t._dtype != DT_BOOL:   # [] indexes nothing: int64
            t = cast_c(t, DT_INT64)
        return t
    return item


cdef int _bools_as_masks(list items) except -1:
    """Python bools in a key that also holds advanced indices (or another bool) become 0-d
    bool masks, which broadcast with the other advanced indices as in NumPy and PyTorch
    (``x[True, [0, 1]]`` has the shape of ``x[[0, 1]]``). A lone bool stays a new dim of
    size 1 or 0, as ``None`` is."""
    cdef Py_ssize_t i, n_bool = 0
    cdef bint advanced = False
    for item in items:
        if isinstance(item, bool):
            n_bool += 1
        elif isinstance(item, TensorBase):
            advanced = True
    if n_bool == 0 or (n_bool == 1 and not advanced):
        return 0
    for i in range(len(items)):
        if isinstance(items[i], bool):
            items[i] = _create.from_data(items[i], None)
    return 0


cdef _Parsed parse_key(TensorBase t, object key):
    cdef Py_ssize_t sh[MAX_NDIM]
    cdef Py_ssize_t st[MAX_NDIM]
    cdef Py_ssize_t off = t._offset, size, start, stop, step, ix, n
    cdef int src = 0, out = 0, consumed = 0, i, k
    cdef TensorBase it
    cdef _Parsed res = _Parsed.__new__(_Parsed)
    res.adv = []
    if isinstance(key, tuple):
        items = [_as_index_tensor(x) for x in key]
    else:
        items = [_as_index_tensor(key)]
    _bools_as_masks(items)
    n_ell = 0
    for item in items:
        consumed += _consumed(item)
        if item is Ellipsis:
            n_ell += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > t._ndim:
        raise IndexError(f"too many indices for tensor of dimension {t._ndim}")
    for item in items:
        if out >= MAX_NDIM and item is not Ellipsis:
            raise IndexError(f"cygrad supports at most {MAX_NDIM} dimensions")
        if item is None or isinstance(item, bool):
            sh[out] = 0 if item is False else 1
            st[out] = 0
            out += 1
        elif item is Ellipsis:
            for i in range(t._ndim - consumed):
                if out >= MAX_NDIM:
                    raise IndexError(f"cygrad supports at most {MAX_NDIM} dimensions")
                sh[out] = t._shape[src]
                st[out] = t._strides[src]
                out += 1
                src += 1
        elif isinstance(item, slice):
            size = t._shape[src]
            if item.step is not None and item.step.__index__() <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = item.indices(size)
            n = (stop - start + step - 1) // step if stop > start else 0
            sh[out] = n
            st[out] = t._strides[src] * step
            if n > 0:
                off += start * t._strides[src]
            out += 1
            src += 1
        elif isinstance(item, TensorBase):
            it = item
            if it._dtype == DT_BOOL:
                for i in range(it._ndim):
                    if it._shape[i] != t._shape[src + i]:
                        raise IndexError(
                            f"The shape of the mask {list(it.shape)} at index {i} does not match "
                            f"the shape of the indexed tensor {list(t.shape)} at index "
                            f"{src + i}")
                if it._ndim == 0:       # a 0-d mask adds a dim of size 1 or 0
                    coords = nonzero(it._unsqueeze(0))
                    sh[out] = 1
                    st[out] = 0
                    res.adv.append((out, coords._select(1, 0)))
                    out += 1
                    continue
                coords = nonzero(it)
                for i in range(it._ndim):
                    if out >= MAX_NDIM:
                        raise IndexError(f"cygrad supports at most {MAX_NDIM} dimensions")
                    sh[out] = t._shape[src]
                    st[out] = t._strides[src]
                    res.adv.append((out, coords._select(1, i)))
                    out += 1
                    src += 1
            elif category(it._dtype) == 1:
                sh[out] = t._shape[src]
                st[out] = t._strides[src]
                res.adv.append((out, it))
                out += 1
                src += 1
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
        elif hasattr(item, "__index__"):
            ix = item.__index__()
            size = t._shape[src]
            if ix < -size or ix >= size:
                raise IndexError(f"index {ix} is out of bounds for dimension {src} with size "
                                 f"{size}")
            if ix < 0:
                ix += size
            off += ix * t._strides[src]
            src += 1
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {type(item).__name__})")
    while src < t._ndim:
        if out >= MAX_NDIM:
            raise IndexError(f"cygrad supports at most {MAX_NDIM} dimensions")
        sh[out] = t._shape[src]
        st[out] = t._strides[src]
        out += 1
        src += 1
    res.view = make_view(t, out, sh, st, off)
    return res


cdef class _Plan:
    """Geometry shared by gather and scatter: offsets per index position and the layout."""
    cdef TensorBase offsets          # int64, contiguous, the broadcast index shape B
    cdef int nb                      # rank of B
    cdef Py_ssize_t bshape[MAX_NDIM]
    cdef int nrest
    cdef Py_ssize_t rshape[MAX_NDIM]
    cdef Py_ssize_t rstrides[MAX_NDIM]    # of the view, for the non-indexed dims
    cdef int first                   # where B goes in the result
    cdef int rank                    # rank of the result
    cdef Py_ssize_t shape[MAX_NDIM]  # result shape


cdef bint _all_in_range(const int64_t* x, Py_ssize_t n, Py_ssize_t size) noexcept nogil:
    """Every ``x[i]`` in ``[0, size)``, in one pass that vectorises on any x86-64: ``x[i]``
    and ``size - 1 - x[i]`` are both non-negative exactly then, so OR them all and test the
    sign bit."""
    cdef uint64_t acc = <uint64_t>(size - 1), top = <uint64_t>(size - 1)
    cdef Py_ssize_t i
    for i in range(n):
        acc |= <uint64_t>x[i] | (top - <uint64_t>x[i])    # unsigned: wraps, never overflows
    return (acc >> 63) == 0


cdef _Plan make_plan(TensorBase v, list adv):
    cdef _Plan p = _Plan.__new__(_Plan)
    cdef Py_ssize_t tmp[MAX_NDIM]
    cdef bint indexed[MAX_NDIM]
    cdef int nb = 0, i, d, j
    cdef TensorBase idx, b
    cdef Py_ssize_t n, size, stride, k
    cdef int64_t* po
    cdef const int64_t* pi
    cdef int64_t val
    for i in range(v._ndim):
        indexed[i] = False
    dims = []
    for d, idx in adv:
        try:
            nb = broadcast_shapes(nb, p.bshape, idx._ndim, idx._shape, tmp)
        except RuntimeError:
            shapes = ", ".join(str(list(i.shape)) for _, i in adv)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast "
                             f"together with shapes {shapes}") from None
        memcpy(p.bshape, tmp, nb * sizeof(Py_ssize_t))
        indexed[d] = True
        dims.append(d)
    p.nb = nb
    if len(adv) == 1 and v._strides[adv[0][0]] == 1:
        # one index along a unit-stride dim: its values are the offsets when all lie in
        # [0, size) (checked in one pass that writes nothing), so they are used as they are
        d, idx = adv[0]
        b = idx._expand(tuple(shape_list(nb, p.bshape)))
        if b._dtype != DT_INT64 or not b.contiguous_c() or b._storage is v._storage:
            b = cast_c(b, DT_INT64)     # (a copy also when x[x] = ... writes into it)
        if _all_in_range(<const int64_t*>b.ptr(), b.numel_c(), v._shape[d]):
            p.offsets = b
            adv = []
    if adv:
        p.offsets = new_tensor(nb, p.bshape, DT_INT64, True)
    po = <int64_t*>p.offsets.ptr()
    n = p.offsets.numel_c()
    for d, idx in adv:
        size = v._shape[d]
        stride = v._strides[d]
        b = idx._expand(tuple(shape_list(nb, p.bshape)))
        if b._dtype != DT_INT64 or not b.contiguous_c():
            b = cast_c(b, DT_INT64)
        pi = <const int64_t*>b.ptr()
        for k in range(n):
            val = pi[k]
            if val < -size or val >= size:
                raise IndexError(f"index {val} is out of bounds for dimension {d} with size "
                                 f"{size}")
            if val < 0:
                val += size
            po[k] += val * stride
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    p.first = dims[0] if adjacent else 0
    p.nrest = 0
    p.rank = 0
    for i in range(v._ndim):
        if not indexed[i]:
            p.rshape[p.nrest] = v._shape[i]
            p.rstrides[p.nrest] = v._strides[i]
            p.nrest += 1
    if p.nrest + nb > MAX_NDIM:
        raise IndexError(f"cygrad supports at most {MAX_NDIM} dimensions")
    j = 0
    for i in range(p.nrest + nb):
        if p.first <= i < p.first + nb:
            p.shape[i] = p.bshape[i - p.first]
        else:
            p.shape[i] = p.rshape[j]
            j += 1
    p.rank = p.nrest + nb
    return p


cdef void _one_dim_copy(char* dst, char* src, const int64_t* offs, Py_ssize_t n,
                        Py_ssize_t bstride, Py_ssize_t isz, bint scatter) noexcept nogil:
    """``x[idx] = v`` (``scatter``) or ``x[idx]`` with one 1-d index and nothing else, for
    4- and 8-byte elements: one load and one store per index. The indexed side moves to
    element ``offs[i]``, the other by ``bstride`` bytes (0: one value for every index)."""
    cdef Py_ssize_t i
    cdef int32_t v4
    cdef int64_t v8
    if scatter and bstride == 0:
        if isz == 4:
            v4 = (<int32_t*>src)[0]
            for i in range(n):
                (<int32_t*>dst)[offs[i]] = v4
        else:
            v8 = (<int64_t*>src)[0]
            for i in range(n):
                (<int64_t*>dst)[offs[i]] = v8
    elif scatter:
        if isz == 4:
            for i in range(n):
                (<int32_t*>dst)[offs[i]] = (<int32_t*>(src + i * bstride))[0]
        else:
            for i in range(n):
                (<int64_t*>dst)[offs[i]] = (<int64_t*>(src + i * bstride))[0]
    else:
        if isz == 4:
            for i in range(n):
                (<int32_t*>(dst + i * bstride))[0] = (<int32_t*>src)[offs[i]]
        else:
            for i in range(n):
                (<int64_t*>(dst + i * bstride))[0] = (<int64_t*>src)[offs[i]]


cdef inline Py_ssize_t _step(Py_ssize_t* idx, int nb, const Py_ssize_t* bshape,
                             const Py_ssize_t* bstrides) noexcept nogil:
    """Advance the row-major counter ``idx`` over ``bshape`` by one; the change in byte
    position by ``bstrides``."""
    cdef Py_ssize_t delta = 0
    cdef int d = nb - 1
    while d >= 0:
        idx[d] += 1
        delta += bstrides[d]
        if idx[d] < bshape[d]:
            break
        delta -= bshape[d] * bstrides[d]
        idx[d] = 0
        d -= 1
    return delta


cdef void _add_elements(int dt, char* dst, const char* src, const int64_t* offs,
                        Py_ssize_t n, int nb, const Py_ssize_t* bshape,
                        const Py_ssize_t* bstrides) noexcept nogil:
    """``dst[offs[i]] += src[position i]`` for single elements (``index_put_`` with
    ``accumulate`` and nothing but the indexed dims, as ``scatter_add_`` and ``index_add_``
    of a 1-d tensor make): one add per index instead of an iterator run. The source
    position walks the broadcast index dims row-major by ``bstrides`` (bytes)."""
    cdef Py_ssize_t idx[MAX_NDIM]
    cdef Py_ssize_t i, bpos = 0
    cdef int d
    cdef const char* sp
    for d in range(nb):
        idx[d] = 0
    for i in range(n):
        sp = src + bpos
        if dt == DT_FLOAT32:
            (<float*>dst)[offs[i]] += (<const float*>sp)[0]
        elif dt == DT_FLOAT64:
            (<double*>dst)[offs[i]] += (<const double*>sp)[0]
        elif dt == DT_INT32:
            (<int32_t*>dst)[offs[i]] += (<const int32_t*>sp)[0]
        else:
            (<int64_t*>dst)[offs[i]] += (<const int64_t*>sp)[0]
        bpos += _step(idx, nb, bshape, bstrides)


cdef void _blocks(NdIter* it, inner_fn fn, const int64_t* offs, Py_ssize_t nbpos, int nb,
                  const Py_ssize_t* bshape, const Py_ssize_t* bstrides, unsigned indexed,
                  Py_ssize_t isz) noexcept nogil:
    """For each index position i, run ``fn`` over one sub-block: operands whose bit is set in
    ``indexed`` move to element offset ``offs[i]`` of the indexed tensor, the others to the
    byte position of i in the broadcast index dims (row-major over ``bshape``)."""
    cdef char* base[3]
    cdef char* p[3]
    cdef Py_ssize_t idx[MAX_NDIM]
    cdef Py_ssize_t bpos = 0, i, row = 0
    cdef int d, k
    # a copy of one element, or of one contiguous row, needs no iterator
    cdef bint plain_copy = it.nop == 2 and (it.size == 1 or (it.ndim == 1 and (
        it.strides[0][0] == isz and it.strides[1][0] == isz)))
    if plain_copy:
        row = it.size * isz
    for k in range(it.nop):
        base[k] = it.data[k]
    if it.size == 1 and plain_copy and nb == 1 and (isz == 4 or isz == 8) and indexed != 3:
        _one_dim_copy(base[0], base[1], offs, nbpos, bstrides[0], isz, indexed == 1)
        return
    for d in range(nb):
        idx[d] = 0
    for i in range(nbpos):
        for k in range(it.nop):
            if indexed & (1u << k):
                p[k] = base[k] + offs[i] * isz
            else:
                p[k] = base[k] + bpos
        if plain_copy:
            if row == 4:
                (<int32_t*>p[0])[0] = (<int32_t*>p[1])[0]
            elif row == 8:
                (<int64_t*>p[0])[0] = (<int64_t*>p[1])[0]
            elif row == 1:
                p[0][0] = p[1][0]
            else:
                memcpy(p[0], p[1], row)
        else:
            for k in range(it.nop):
                it.data[k] = p[k]
            iter_serial(it, fn, NULL)
        bpos += _step(idx, nb, bshape, bstrides)
    for k in range(it.nop):
        it.data[k] = base[k]


cdef void _split_strides(_Plan p, TensorBase t, Py_ssize_t* rst, Py_ssize_t* bst):
    """Split ``t``'s strides (t has the result's shape) into rest dims and B dims (bytes)."""
    cdef int i, j = 0
    cdef Py_ssize_t isz = _itemsize(t._dtype)
    for i in range(p.rank):
        if p.first <= i < p.first + p.nb:
            bst[i - p.first] = t._strides[i] * isz
        else:
            rst[j] = t._strides[i]
            j += 1


cdef TensorBase gather(TensorBase v, list adv):
    cdef _Plan p = make_plan(v, adv)
    cdef TensorBase res = new_tensor(p.rank, p.shape, v._dtype, False)
    cdef Py_ssize_t rst[MAX_NDIM]
    cdef Py_ssize_t bst[MAX_NDIM]
    cdef NdIter it
    if res.numel_c() == 0:
        return res
    _split_strides(p, res, rst, bst)
    dst = make_view(res, p.nrest, p.rshape, rst, 0)
    src = make_view(v, p.nrest, p.rshape, p.rstrides, v._offset)
    iter_setup(&it, (dst, src))
    with nogil:
        _blocks(&it, cast_loop(v._dtype, v._dtype), <const int64_t*>p.offsets.ptr(),
                p.offsets.numel_c(), p.nb, p.bshape, bst, 2u, _itemsize(v._dtype))
    return res


cdef int scatter(TensorBase v, list adv, object value, bint accumulate) except -1:
    cdef _Plan p = make_plan(v, adv)
    cdef Py_ssize_t rst[MAX_NDIM]
    cdef Py_ssize_t bst[MAX_NDIM]
    cdef NdIter it
    cdef TensorBase val
    check_writable(v)
    if isinstance(value, TensorBase):
        val = value
        if val._dtype != v._dtype or val._storage is v._storage:
            val = cast_c(val, v._dtype)
    else:
        val = _create.from_data(value, v.dtype)
    val = val._expand(tuple(shape_list(p.rank, p.shape)))   # broadcast to the indexed shape
    if p.offsets.numel_c() == 0:
        return 0
    _split_strides(p, val, rst, bst)
    dst = make_view(v, p.nrest, p.rshape, p.rstrides, v._offset)
    src = make_view(val, p.nrest, p.rshape, rst, val._offset)
    v._storage.version += 1
    if accumulate:
        iter_setup(&it, (dst, dst, src))
        if it.size == 1 and v._dtype in (DT_FLOAT32, DT_FLOAT64, DT_INT32, DT_INT64):
            with nogil:
                _add_elements(v._dtype, it.data[0], it.data[2],
                              <const int64_t*>p.offsets.ptr(), p.offsets.numel_c(), p.nb,
                              p.bshape, bst)
            return 0
        with nogil:
            _blocks(&it, binary_loop(OP_ADD, v._dtype), <const int64_t*>p.offsets.ptr(),
                    p.offsets.numel_c(), p.nb, p.bshape, bst, 3u, _itemsize(v._dtype))
    else:
        iter_setup(&it, (dst, src))
        with nogil:
            _blocks(&it, cast_loop(v._dtype, v._dtype), <const int64_t*>p.offsets.ptr(),
                    p.offsets.numel_c(), p.nb, p.bshape, bst, 1u, _itemsize(v._dtype))
    return 0


cdef TensorBase _select_by_mask(TensorBase t, TensorBase mask):
    """``t[mask]`` for a bool mask of exactly ``t``'s shape: one counting pass and one
    compacting pass over contiguous copies, in row-major order."""
    cdef TensorBase x = t if t.contiguous_c() else cast_c(t, t._dtype)
    cdef TensorBase m = mask if mask.contiguous_c() else cast_c(mask, DT_BOOL)
    cdef const uint8_t* pm = <const uint8_t*>m.ptr()
    cdef Py_ssize_t n = m.numel_c(), count = 0, i, j = 0
    cdef Py_ssize_t isz = _itemsize(t._dtype)
    cdef TensorBase out
    cdef const char* px = x.ptr()
    cdef char* po
    for i in range(n):
        count += pm[i] != 0
    out = new_tensor(1, &count, t._dtype, False)
    po = out.ptr()
    with nogil:
        if isz == 4:
            for i in range(n):
                if pm[i]:
                    (<int32_t*>po)[j] = (<const int32_t*>px)[i]
                    j += 1
        elif isz == 8:
            for i in range(n):
                if pm[i]:
                    (<int64_t*>po)[j] = (<const int64_t*>px)[i]
                    j += 1
        else:
            for i in range(n):
                if pm[i]:
                    po[j] = px[i]
                    j += 1
    return out


cdef bint _same_shape(TensorBase a, TensorBase b):
    cdef int i
    if a._ndim != b._ndim:
        return False
    for i in range(a._ndim):
        if a._shape[i] != b._shape[i]:
            return False
    return True


def masked_select(TensorBase t, TensorBase mask):
    """The elements of ``t`` where the bool ``mask`` (same shape) is true, as a 1-d copy."""
    if mask._dtype != DT_BOOL:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask")
    if not _same_shape(t, mask):
        raise RuntimeError("masked_select: mask and tensor shapes must match here; broadcast "
                           "them first")
    return _select_by_mask(t, mask)


def getitem(TensorBase t, key):
    """``t[key]``: a view for basic indices, a gathered copy with advanced indices."""
    cdef _Parsed r
    if (isinstance(key, TensorBase) and (<TensorBase>key)._dtype == DT_BOOL
            and (<TensorBase>key)._ndim > 0 and _same_shape(t, key)):
        return _select_by_mask(t, key)
    r = parse_key(t, key)
    if not r.adv:
        return r.view
    return gather(r.view, r.adv)


def setitem(TensorBase t, key, value):
    """``t[key] = value`` (value broadcast to the indexed shape and converted)."""
    cdef _Parsed r = parse_key(t, key)
    if not r.adv:
        if isinstance(value, TensorBase):
            copy_c(r.view, value)
        else:
            _elementwise.fill_(r.view, value)
        return
    scatter(r.view, r.adv, value, False)


def index_put_(TensorBase t, tuple indices, value, bint accumulate=False):
    """``t[indices] = value``, or ``+=`` with repeated indices summed if ``accumulate``."""
    cdef _Parsed r = parse_key(t, indices)
    if not r.adv:
        if accumulate:
            _elementwise.binary(OP_ADD, r.view, value, r.view)
        elif isinstance(value, TensorBase):
            copy_c(r.view, value)
        else:
            _elementwise.fill_(r.view, value)
        return t
    scatter(r.view, r.adv, value, accumulate)
    return t


def nonzero(TensorBase t):
    """Indices of the non-zero elements of ``t`` as an int64 tensor of shape ``(n, t.dim())``."""
    cdef TensorBase m = cast_c(t, DT_BOOL)
    cdef const uint8_t* pm = <const uint8_t*>m.ptr()
    cdef Py_ssize_t n = m.numel_c(), count = 0, i, row = 0
    cdef Py_ssize_t shape[2]
    cdef Py_ssize_t idx[MAX_NDIM]
    cdef int nd = t._ndim, d
    cdef TensorBase res
    cdef int64_t* pr
    for i in range(n):
        count += pm[i]
    shape[0] = count
    shape[1] = nd
    res = new_tensor(2, shape, DT_INT64, False)
    pr = <int64_t*>res.ptr()
    for d in range(nd):
        idx[d] = 0
    with nogil:
        if nd == 1:
            for i in range(n):
                if pm[i]:
                    pr[row] = i
                    row += 1
            n = 0
        for i in range(n):
            if pm[i]:
                for d in range(nd):
                    pr[row * nd + d] = idx[d]
                row += 1
            d = nd - 1
            while d >= 0:
                idx[d] += 1
                if idx[d] < t._shape[d]:
                    break
                idx[d] = 0
                d -= 1
    return res
