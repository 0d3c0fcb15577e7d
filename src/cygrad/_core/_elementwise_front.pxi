# Front ends of the elementwise kernels (included by _elementwise.pyx.tp): validation, type
# promotion, broadcasting and allocation happen here, holding the GIL; then the loops run.
from libc.string cimport memchr

_TYPE_NAMES = ("Bool", "Int", "Long", "Float", "Double")

cdef union Scalar:
    uint8_t b
    int32_t i32
    int64_t i64
    float f32
    double f64

cdef int OP_SUB = BINARY_OPS["sub"]
cdef int OP_DIV = BINARY_OPS["div"]
cdef int OP_ATAN2 = BINARY_OPS["atan2"]
cdef int OP_FLOORDIV = BINARY_OPS["floor_divide"]
cdef int OP_REMAINDER = BINARY_OPS["remainder"]
cdef int OP_FMOD = BINARY_OPS["fmod"]
cdef int OP_TRUNCDIV = BINARY_OPS["trunc_divide"]
cdef int OP_POW = BINARY_OPS["pow"]
cdef int OP_EQ = BINARY_OPS["eq"]
cdef int OP_LT = BINARY_OPS["lt"]
cdef int OP_NEG = UNARY_OPS["neg"]


cdef inner_fn binary_loop(int op, int dt) noexcept nogil:
    return BINARY_LOOPS[op][dt]


cdef inner_fn cast_loop(int src, int dst) noexcept nogil:
    return CAST_LOOPS[src][dst]


cpdef int scalar_category(object v) except -2:
    """0/1/2 for a Python (or NumPy) bool/int/float scalar, -1 for anything else."""
    if isinstance(v, bool):
        return 0
    if isinstance(v, (int, float)):
        return 1 if isinstance(v, int) else 2
    if isinstance(v, TensorBase):
        return -1
    t = type(v)
    if t.__module__ == "numpy" and t.__name__ != "ndarray" and hasattr(v, "dtype"):
        k = v.dtype.kind
        return 0 if k == "b" else (1 if k in "iu" else (2 if k == "f" else -1))
    return -1


cdef int _default_for_category(int cat) noexcept:
    return DT_BOOL if cat == 0 else (DT_INT64 if cat == 1 else default_float_dtype())


cdef int result_type_c(tuple ops) except -1:
    """PyTorch's type promotion: dimensioned tensors > 0-d tensors > Python scalars."""
    cdef int dim_dt = -1, zd_dt = -1, sc_cat = -1, res, c
    cdef TensorBase t
    for v in ops:
        if isinstance(v, TensorBase):
            t = v
            if t._ndim > 0:
                dim_dt = t._dtype if t._dtype > dim_dt else dim_dt
            else:
                zd_dt = t._dtype if t._dtype > zd_dt else zd_dt
        else:
            c = scalar_category(v)
            if c < 0:
                raise TypeError(f"unsupported operand type: {type(v).__name__}")
            sc_cat = c if c > sc_cat else sc_cat
    res = dim_dt
    if zd_dt >= 0 and (res < 0 or category(zd_dt) > category(res)):
        res = zd_dt
    if sc_cat >= 0 and (res < 0 or sc_cat > category(res)):
        res = _default_for_category(sc_cat)
    return res


def result_type(a, b):
    """The dtype code an operation on ``a`` and ``b`` computes in (PyTorch's promotion)."""
    return result_type_c((a, b))


cdef int to_scalar(object v, int dt, Scalar* out) except -1:
    """Convert a Python number to the C value of dtype ``dt``."""
    try:
        if dt == DT_BOOL:
            out.b = 1 if v else 0
        elif dt == DT_INT32:
            out.i32 = <int32_t>PyLong_AsLongLong(int(v))
        elif dt == DT_INT64:
            out.i64 = PyLong_AsLongLong(int(v))
        elif dt == DT_FLOAT32:
            out.f32 = <float>float(v)
        else:
            out.f64 = float(v)
    except OverflowError:
        raise RuntimeError(f"value cannot be converted to type {DTYPE_OBJS[dt]} without "
                           f"overflow") from None
    return 0


cdef int to_scalar_exact(object v, int dt, Scalar* out) except -1:
    """:func:`to_scalar` for values that are stored (``fill_``, ``full``, ``t[i] = v``): a
    value the integer dtype cannot hold (out of range, NaN, infinite) raises, as in PyTorch,
    instead of wrapping as an operand of arithmetic does."""
    cdef object iv
    if dt == DT_INT32 or dt == DT_INT64:
        try:
            iv = int(v)
        except (OverflowError, ValueError):     # inf, nan
            iv = None
        if iv is None or not (INT_BOUNDS[dt][0] <= iv <= INT_BOUNDS[dt][1]):
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES[dt]} without "
                               f"overflow")
    return to_scalar(v, dt, out)


INT_BOUNDS = {DT_INT32: (-2 ** 31, 2 ** 31 - 1), DT_INT64: (-2 ** 63, 2 ** 63 - 1)}
_C_NAMES = ("bool", "int32", "int64", "float32", "float64")


cdef int check_writable(TensorBase dst) except -1:
    """In-place writes need real, distinct memory locations."""
    cdef int i
    if dst._storage.readonly:
        raise RuntimeError("cannot write into this tensor: its memory is read-only")
    if dst.numel_c() == 0:      # nothing is written, so nothing can overlap
        return 0
    for i in range(dst._ndim):
        if dst._strides[i] == 0 and dst._shape[i] > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location. Please clone() the tensor before performing the "
                "operation.")
    return 0


cdef bint _same_geometry(TensorBase a, TensorBase b):
    cdef int i
    if a._offset != b._offset or a._ndim != b._ndim or a._dtype != b._dtype:
        return False
    for i in range(a._ndim):
        if a._shape[i] != b._shape[i] or a._strides[i] != b._strides[i]:
            return False
    return True


cdef bint _overlaps(TensorBase a, TensorBase b):
    """True if ``a`` reads memory ``b`` writes, other than element-for-element."""
    cdef Py_ssize_t alo, ahi, blo, bhi
    if a is None or a._storage is not b._storage or _same_geometry(a, b):
        return False
    if a.numel_c() == 0 or b.numel_c() == 0:
        return False
    _byte_range(a, &alo, &ahi)
    _byte_range(b, &blo, &bhi)
    return alo < bhi and blo < ahi


cdef void _byte_range(TensorBase t, Py_ssize_t* lo, Py_ssize_t* hi):
    cdef Py_ssize_t isz = _itemsize(t._dtype)
    cdef Py_ssize_t l = t._offset, h = t._offset
    cdef int i
    for i in range(t._ndim):
        if t._strides[i] < 0:
            l += (t._shape[i] - 1) * t._strides[i]
        else:
            h += (t._shape[i] - 1) * t._strides[i]
    lo[0] = l * isz
    hi[0] = (h + 1) * isz


cdef inline void _run(NdIter* it, inner_fn fn, Py_ssize_t grain):
    if it.size >= NOGIL_MIN:
        with nogil:
            iter_run(it, fn, NULL, grain)
    else:
        iter_run(it, fn, NULL, grain)


cdef TensorBase as_contiguous(TensorBase t):
    """``t`` itself if C-contiguous, else a contiguous copy of it."""
    return t if t.contiguous_c() else cast_c(t, t._dtype)


cdef TensorBase cast_c(TensorBase t, int dtype):
    """A contiguous copy of ``t`` converted to ``dtype``."""
    cdef TensorBase out = new_tensor(t._ndim, t._shape, dtype, False)
    cdef NdIter it
    iter_setup(&it, (out, t))
    _run(&it, CAST_LOOPS[t._dtype][dtype], GRAIN_CHEAP)
    return out


def cast(TensorBase t, int dtype):
    """A contiguous copy of ``t`` converted to dtype code ``dtype``."""
    return cast_c(t, dtype)


def clone(TensorBase t):
    """A contiguous copy of ``t``."""
    return cast_c(t, t._dtype)


cdef int _check_out_shape(TensorBase out, int nd, const Py_ssize_t* shape) except -1:
    cdef int i
    cdef bint ok = out._ndim == nd
    if ok:
        for i in range(nd):
            if out._shape[i] != shape[i]:
                ok = False
    if not ok:
        raise RuntimeError(f"output with shape {list(out.shape)} doesn't match the broadcast "
                           f"shape {shape_list(nd, shape)}")
    return 0


cdef int copy_c(TensorBase dst, TensorBase src) except -1:
    """Copy ``src`` (broadcast, converted) into ``dst``."""
    cdef Py_ssize_t shape[MAX_NDIM]
    cdef int nd = broadcast_shapes(dst._ndim, dst._shape, src._ndim, src._shape, shape)
    cdef NdIter it
    _check_out_shape(dst, nd, shape)
    check_writable(dst)
    if _overlaps(src, dst):
        src = cast_c(src, src._dtype)
    iter_setup(&it, (dst, src))
    _run(&it, CAST_LOOPS[src._dtype][dst._dtype], GRAIN_CHEAP)
    dst._storage.version += 1
    return 0


def copy_(TensorBase dst, src):
    """Copy ``src`` (a tensor or a number, broadcast and converted) into ``dst``."""
    if isinstance(src, TensorBase):
        copy_c(dst, src)
    else:
        fill_(dst, src)
    return dst


def fill_(TensorBase dst, value):
    """Write the number ``value`` (converted to ``dst``'s dtype) into every element of ``dst``."""
    cdef Scalar sv
    cdef NdIter it
    if isinstance(value, TensorBase):
        if (<TensorBase>value)._ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {(<TensorBase>value)._ndim} dimensions.")
        value = value.item()
    if scalar_category(value) < 0:
        raise TypeError(f"fill_(): value must be a number, got {type(value).__name__}")
    check_writable(dst)
    to_scalar_exact(value, dst._dtype, &sv)
    iter_setup(&it, (dst, None))
    it.data[1] = <char*>&sv
    _run(&it, CAST_LOOPS[dst._dtype][dst._dtype], GRAIN_CHEAP)
    dst._storage.version += 1
    return dst


cdef int _not_implemented(str name, int dt) except -1:
    raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_TYPE_NAMES[dt]}'")


cdef bint _any_true(TensorBase mask):
    """True if any element of a fresh contiguous bool tensor is set."""
    cdef Py_ssize_t n = mask.numel_c()
    return n > 0 and memchr(mask.ptr(), 1, n) != NULL


cdef inline bint _is_bool_operand(object v):
    """A bool tensor or a bool number (Python's or NumPy's)."""
    if isinstance(v, TensorBase):
        return (<TensorBase>v)._dtype == DT_BOOL
    return scalar_category(v) == 0


cdef TensorBase _operand(object v, int dt, Scalar* sv):
    """``v`` as a tensor of dtype ``dt``, or None after writing a scalar ``v`` into ``sv``."""
    cdef TensorBase t
    if isinstance(v, TensorBase):
        t = v
        return t if t._dtype == dt else cast_c(t, dt)
    to_scalar(v, dt, sv)
    return None


def binary(int op, a, b, TensorBase out=None):
    """Elementwise binary op ``op`` (a code of ``BINARY_OPS``) of tensors or numbers.

    Parameters
    ----------
    op : int
        The op code.
    a, b : TensorBase or number
        At least one is a tensor. They are promoted to their common dtype and broadcast.
    out : TensorBase, optional
        Written in place (in-place ops); must have the broadcast shape and a dtype the result
        can be cast to.
    """
    cdef TensorBase ta, tb, res
    cdef Scalar sa, sb
    cdef Py_ssize_t shape[MAX_NDIM]
    cdef int dt, odt, nd
    cdef inner_fn fn
    cdef NdIter it
    if (isinstance(a, TensorBase) and isinstance(b, TensorBase)
            and (<TensorBase>a)._dtype == (<TensorBase>b)._dtype):
        dt = (<TensorBase>a)._dtype
    else:
        dt = result_type_c((a, b))
    if (op == OP_DIV or op == OP_ATAN2) and not is_floating(dt):
        dt = default_float_dtype()
    if op == OP_SUB and (_is_bool_operand(a) or _is_bool_operand(b)):
        if dt == DT_BOOL:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    fn = BINARY_LOOPS[op][dt]
    if fn == NULL:
        _not_implemented(_BINARY_NAMES[op], dt)
    odt = DT_BOOL if BINARY_TO_BOOL[op] else dt
    ta = _operand(a, dt, &sa)
    tb = _operand(b, dt, &sb)
    if category(dt) == 1 and (op == OP_FLOORDIV or op == OP_REMAINDER or op == OP_FMOD
                              or op == OP_TRUNCDIV or op == OP_POW) \
            and (ta is None or ta.numel_c() > 0) and (tb is None or tb.numel_c() > 0):
        # (an empty operand makes an empty result: no element is divided)
        if tb is None:
            bad = (sb.i64 if dt == DT_INT64 else sb.i32)
            bad = (bad == 0) if op != OP_POW else (bad < 0)
        else:
            bad = _any_true(binary(OP_EQ if op != OP_POW else OP_LT, tb, 0))
        if bad and op == OP_POW:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if bad:
            raise RuntimeError("ZeroDivisionError")
    if ta is not None and tb is not None:
        nd = broadcast_shapes(ta._ndim, ta._shape, tb._ndim, tb._shape, shape)
    elif ta is not None:
        nd = ta._ndim
        memcpy(shape, ta._shape, nd * sizeof(Py_ssize_t))
    elif tb is not None:
        nd = tb._ndim
        memcpy(shape, tb._shape, nd * sizeof(Py_ssize_t))
    else:
        raise TypeError("binary(): at least one operand must be a tensor")
    if out is None:
        res = new_tensor(nd, shape, odt, False)
    else:
        _check_out_shape(out, nd, shape)
        check_writable(out)
        if out._dtype != odt:
            if category(odt) > category(out._dtype):
                raise RuntimeError(f"result type {_TYPE_NAMES[odt]} can't be cast to the "
                                   f"desired output type {_TYPE_NAMES[out._dtype]}")
            copy_c(out, binary(op, a, b))
            return out
        if _overlaps(ta, out):
            ta = cast_c(ta, dt)
        if _overlaps(tb, out):
            tb = cast_c(tb, dt)
        res = out
        out._storage.version += 1
    iter_setup(&it, (res, ta, tb))
    if ta is None:
        it.data[1] = <char*>&sa
    if tb is None:
        it.data[2] = <char*>&sb
    _run(&it, fn, BINARY_GRAIN[op])
    return res


def unary(int op, TensorBase a, TensorBase out=None):
    """Elementwise unary op ``op`` (a code of ``UNARY_OPS``); integer inputs of float-only
    ops (``exp``, ``sin``, ...) are computed in the default float dtype."""
    cdef int dt = a._dtype, odt
    cdef inner_fn fn
    cdef TensorBase res
    cdef NdIter it
    if UNARY_FLOAT_ONLY[op] and not is_floating(dt):
        dt = default_float_dtype()
    fn = UNARY_LOOPS[op][dt]
    if fn == NULL:
        if op == OP_NEG and dt == DT_BOOL:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        _not_implemented(_UNARY_NAMES[op], dt)
    odt = DT_BOOL if UNARY_TO_BOOL[op] else dt
    if a._dtype != dt:
        a = cast_c(a, dt)
    if out is None:
        res = new_tensor(a._ndim, a._shape, odt, False)
    else:
        _check_out_shape(out, a._ndim, a._shape)
        check_writable(out)
        if out._dtype != odt:
            if category(odt) > category(out._dtype):
                raise RuntimeError(f"result type {_TYPE_NAMES[odt]} can't be cast to the "
                                   f"desired output type {_TYPE_NAMES[out._dtype]}")
            copy_c(out, unary(op, a))
            return out
        if _overlaps(a, out):
            a = cast_c(a, dt)
        res = out
        out._storage.version += 1
    iter_setup(&it, (res, a))
    _run(&it, fn, UNARY_GRAIN[op])
    return res


def where(TensorBase cond, a, b):
    """``a`` where ``cond`` is true, else ``b`` (tensors or numbers, promoted and broadcast)."""
    cdef TensorBase ta, tb, out
    cdef Scalar sa, sb
    cdef Py_ssize_t shape[MAX_NDIM]
    cdef Py_ssize_t tmp[MAX_NDIM]
    cdef int dt, nd
    cdef NdIter it
    if cond._dtype != DT_BOOL:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_TYPE_NAMES[cond._dtype]}")
    dt = result_type_c((a, b))
    ta = _operand(a, dt, &sa)
    tb = _operand(b, dt, &sb)
    nd = cond._ndim
    memcpy(shape, cond._shape, nd * sizeof(Py_ssize_t))
    for t in (ta, tb):
        if t is not None:
            nd = broadcast_shapes(nd, shape, (<TensorBase>t)._ndim, (<TensorBase>t)._shape, tmp)
            memcpy(shape, tmp, nd * sizeof(Py_ssize_t))
    out = new_tensor(nd, shape, dt, False)
    iter_setup(&it, (out, cond, ta, tb))
    if ta is None:
        it.data[2] = <char*>&sa
    if tb is None:
        it.data[3] = <char*>&sb
    _run(&it, WHERE_LOOPS[dt], GRAIN_CHEAP)
    return out
