"""Creating tensors from Python data and buffers, and tensors back to Python.

* ``from_data``: nested lists/tuples of numbers (shape and dtype inferred as PyTorch does:
  any float -> the default float dtype, else any int -> int64, else bool), buffer-protocol
  objects (copied), numbers (0-d).
* ``from_buffer``: a zero-copy tensor over any buffer-protocol exporter (``from_numpy``).
* ``arange`` / ``linspace`` fills; ``to_list`` / ``item`` back to Python numbers.
"""
from cpython.buffer cimport (PyObject_GetBuffer, PyObject_CheckBuffer, PyBuffer_Release,
                             PyBUF_RECORDS, PyBUF_RECORDS_RO)
from libc.stdint cimport int32_t, int64_t, uint8_t, INT32_MIN, INT32_MAX
from libc.math cimport ceil

from ._typedefs cimport (MAX_NDIM, DT_BOOL, DT_INT32, DT_INT64, DT_FLOAT32, DT_FLOAT64,
                         category, is_floating)
from ._storage cimport Storage, storage_borrow
from ._tensor cimport (TensorBase, new_tensor, make_view, TENSOR_CLS, default_float_dtype,
                       dtype_code, _itemsize, checked_numel)
from ._elementwise cimport cast_c, scalar_category
from . import _elementwise


cdef int _leaf_dtype(object v) except -2:
    """The dtype code a leaf value infers (as PyTorch: Python floats take the default float
    dtype, NumPy scalars and one-element tensors keep theirs), -1 if not a number."""
    cdef int c
    cdef type tp = type(v)
    if tp is float:
        return default_float_dtype()
    if tp is int:
        return DT_INT64
    if tp is bool:
        return DT_BOOL
    if isinstance(v, TensorBase):
        if (<TensorBase>v).numel_c() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return (<TensorBase>v)._dtype
    if isinstance(v, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(v).__name__}'")
    c = scalar_category(v)
    if c < 0:
        return -1
    if type(v).__module__ == "numpy":
        name = v.dtype.name
        if name in _NUMPY_CODES:
            return _NUMPY_CODES[name]
    return DT_BOOL if c == 0 else (DT_INT64 if c == 1 else default_float_dtype())


_NUMPY_CODES = {"bool": DT_BOOL, "int32": DT_INT32, "int64": DT_INT64, "float32": DT_FLOAT32,
                "float64": DT_FLOAT64, "int8": DT_INT64, "int16": DT_INT64, "uint8": DT_INT64,
                "uint16": DT_INT64, "uint32": DT_INT64, "float16": DT_FLOAT32}


cdef int _flatten(object obj, int depth, list shape, list flat) except -2:
    """Append the leaves of ``obj`` to ``flat`` checking it is rectangular; returns the
    promoted dtype code of the leaves (-1 if there are none)."""
    cdef int c = -1, cc
    cdef Py_ssize_t n
    if depth < len(shape):
        if not isinstance(obj, (list, tuple)):
            if _leaf_dtype(obj) >= 0 or isinstance(obj, TensorBase):
                raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} "
                                 f"(got {type(obj).__name__})")
            raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
        n = len(obj)
        if n != shape[depth]:
            raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} "
                             f"(got {n})")
        for item in obj:
            cc = _flatten(item, depth + 1, shape, flat)
            c = cc if cc > c else c
        return c
    if isinstance(obj, (list, tuple)):
        raise ValueError(f"expected a number at dim {depth}, got a sequence of length "
                         f"{len(obj)} (ragged nested sequence)")
    c = _leaf_dtype(obj)
    if c < 0:
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    flat.append(obj.item() if isinstance(obj, TensorBase) else obj)
    return c


cdef TensorBase _from_flat(list flat, list shape, int dt):
    cdef Py_ssize_t sh[MAX_NDIM]
    cdef int nd = len(shape), i
    cdef Py_ssize_t k, n
    cdef TensorBase t
    if nd > MAX_NDIM:
        raise ValueError(f"cygrad supports at most {MAX_NDIM} dimensions, got {nd}")
    for i in range(nd):
        sh[i] = shape[i]
    t = new_tensor(nd, sh, dt, False)
    n = len(flat)
    cdef char* p = t.ptr()
    cdef int64_t v
    try:
        if dt == DT_FLOAT32:
            for k in range(n):
                (<float*>p)[k] = <float>float(flat[k])
        elif dt == DT_FLOAT64:
            for k in range(n):
                (<double*>p)[k] = float(flat[k])
        elif dt == DT_INT64:
            for k in range(n):
                (<int64_t*>p)[k] = int(flat[k])
        elif dt == DT_INT32:
            for k in range(n):
                v = int(flat[k])
                if v < INT32_MIN or v > INT32_MAX:
                    raise OverflowError
                (<int32_t*>p)[k] = <int32_t>v
        else:
            for k in range(n):
                (<uint8_t*>p)[k] = 1 if flat[k] else 0
    except (OverflowError, ValueError):     # out of range, or int() of inf or nan
        name = "int32" if dt == DT_INT32 else ("int64" if dt == DT_INT64 else str(t.dtype))
        raise RuntimeError(f"value cannot be converted to type {name} without "
                           f"overflow") from None
    return t


def from_data(data, dtype=None):
    """A new tensor holding a copy of ``data`` (nested sequences, a buffer or a number)."""
    cdef int dt = -1 if dtype is None else dtype_code(dtype)
    cdef int c
    cdef TensorBase t
    if isinstance(data, TensorBase):
        t = data
        return cast_c(t, t._dtype if dt < 0 else dt)
    if not isinstance(data, (list, tuple)) and scalar_category(data) < 0 \
            and PyObject_CheckBuffer(data):
        t = _borrow(data)        # read-only is fine: the data is copied
        return cast_c(t, t._dtype if dt < 0 else dt)
    shape = []
    obj = data
    while isinstance(obj, (list, tuple)):
        shape.append(len(obj))
        if len(shape) > MAX_NDIM:   # before any recursion: a deep list cannot reach the C stack
            raise ValueError(f"too many dimensions '{type(obj).__name__}': cygrad supports at "
                             f"most {MAX_NDIM}")
        if len(obj) == 0:
            break
        obj = obj[0]
    flat = []
    c = _flatten(data, 0, shape, flat)
    if dt < 0:
        dt = c if c >= 0 else default_float_dtype()   # empty: the default float dtype
    return _from_flat(flat, shape, dt)


cdef int _format_dtype(bytes f, Py_ssize_t itemsize) except -1:
    if f[:1] in (b"@", b"=", b"<"):
        f = f[1:]
    elif f[:1] in (b">", b"!"):
        if itemsize != 1:
            raise TypeError("can't convert a big-endian array; use .astype('=...') first")
        f = f[1:]
    if f == b"?":
        return DT_BOOL
    if f == b"f" and itemsize == 4:
        return DT_FLOAT32
    if f == b"d" and itemsize == 8:
        return DT_FLOAT64
    if f in (b"i", b"l", b"q") and itemsize == 4:
        return DT_INT32
    if f in (b"l", b"q") and itemsize == 8:
        return DT_INT64
    raise TypeError(f"can't convert an array of format '{f.decode()}' (itemsize {itemsize}). "
                    f"The only supported types are: float64, float32, int64, int32, and bool.")


def from_buffer(obj):
    """A tensor sharing the memory of ``obj`` (any buffer-protocol exporter); zero-copy.

    The exporter is kept alive while any view of the tensor exists. Negative and zero strides
    are kept; strides that are not a multiple of the element size raise ``ValueError``.
    Raises ``BufferError`` if the exporter is read-only (see ``from_buffer_any``).
    """
    cdef Py_buffer view
    if PyObject_GetBuffer(obj, &view, PyBUF_RECORDS) != 0:
        raise BufferError("could not get a buffer")
    return _wrap_buffer(obj, &view)


cdef object _wrap_buffer(object obj, Py_buffer* view):
    cdef int dt, nd, i
    cdef Py_ssize_t sh[MAX_NDIM]
    cdef Py_ssize_t st[MAX_NDIM]
    cdef Py_ssize_t isz = view.itemsize, lo = 0, hi = 0, numel = 1
    cdef TensorBase t
    cdef Storage s
    try:
        fmt = view.format if view.format != NULL else b"B"
        dt = _format_dtype(fmt, isz)
        nd = view.ndim
        if nd > MAX_NDIM:
            raise ValueError(f"cygrad supports at most {MAX_NDIM} dimensions, got {nd}")
        for i in range(nd):
            sh[i] = view.shape[i]
            numel *= sh[i]
            if view.strides == NULL:
                st[i] = 0
            else:
                if view.strides[i] % isz != 0:
                    raise ValueError(
                        "given numpy array strides not a multiple of the element byte size. "
                        "Copy the numpy array to reallocate the memory.")
                st[i] = view.strides[i] // isz
        if view.strides == NULL:        # C-contiguous
            numel = 1
            for i in range(nd - 1, -1, -1):
                st[i] = numel
                numel *= sh[i]
        if numel > 0:
            for i in range(nd):
                if st[i] < 0:
                    lo += (sh[i] - 1) * st[i]
                else:
                    hi += (sh[i] - 1) * st[i]
        else:
            hi = -1
    except BaseException:
        PyBuffer_Release(view)
        raise
    s = storage_borrow(obj, view, <char*>view.buf + lo * isz, (hi - lo + 1) * isz)
    t = TensorBase.__new__(TENSOR_CLS)
    t._storage = s
    t._offset = -lo
    t._ndim = nd
    t._dtype = dt
    for i in range(nd):
        t._shape[i] = sh[i]
        t._strides[i] = st[i]
    return t


cdef TensorBase _borrow(object obj):
    """A tensor over ``obj``'s memory, writable or not (a read-only one's writes raise)."""
    cdef Py_buffer view
    if PyObject_GetBuffer(obj, &view, PyBUF_RECORDS_RO) != 0:
        raise BufferError("could not get a buffer")
    return _wrap_buffer(obj, &view)


def from_buffer_any(obj, dtype=None):
    """``from_buffer``, or a read-only borrow whose in-place writes raise (with PyTorch's
    warning about non-writable arrays) when the exporter is read-only. With a ``dtype``
    other than the buffer's, a converted copy (no sharing, so no warning)."""
    cdef TensorBase t = _borrow(obj)     # an unsupported dtype raises here, without warning
    cdef int dt = -1 if dtype is None else dtype_code(dtype)
    if dt >= 0 and dt != t._dtype:
        return cast_c(t, dt)
    if t._storage.readonly:
        import warnings
        warnings.warn("The given NumPy array is not writable; cygrad shares its memory "
                      "read-only: in-place writes to the tensor raise. Copy the array to get "
                      "a writable tensor.", UserWarning, stacklevel=2)
    return t


def arange_fill(TensorBase t, start, step):
    """Write ``start + i*step`` into the contiguous 1-d tensor ``t``."""
    cdef Py_ssize_t n = t.numel_c(), i
    cdef double ds, dst
    cdef int64_t is_, ist
    cdef TensorBase tmp
    if is_floating(t._dtype):
        ds = start
        dst = step
        tmp = new_tensor(1, &n, DT_FLOAT64, False)
        with nogil:
            for i in range(n):
                (<double*>tmp.ptr())[i] = ds + i * dst
    else:
        is_ = start
        ist = step
        tmp = new_tensor(1, &n, DT_INT64, False)
        with nogil:
            for i in range(n):
                (<int64_t*>tmp.ptr())[i] = is_ + i * ist
    _elementwise.copy_(t, tmp)
    return t


def linspace_fill(TensorBase t, double start, double end):
    """``steps`` evenly spaced values from start to end, symmetric as PyTorch computes them."""
    cdef Py_ssize_t n = t.numel_c(), i, half
    cdef double step
    cdef TensorBase tmp = new_tensor(1, &n, DT_FLOAT64, False)
    cdef double* p = <double*>tmp.ptr()
    if n == 1:
        p[0] = start
    elif n > 1:
        step = (end - start) / (n - 1)
        half = n // 2
        with nogil:
            for i in range(n):
                p[i] = start + step * i if i < half else end - step * (n - 1 - i)
    _elementwise.copy_(t, tmp)
    return t


cdef object _read(const char* p, int dt):
    if dt == DT_FLOAT32:
        return (<const float*>p)[0]
    if dt == DT_FLOAT64:
        return (<const double*>p)[0]
    if dt == DT_INT64:
        return (<const int64_t*>p)[0]
    if dt == DT_INT32:
        return (<const int32_t*>p)[0]
    return (<const uint8_t*>p)[0] != 0


cdef object _to_list(TensorBase t, const char* p, int d):
    cdef Py_ssize_t i, step = t._strides[d] * _itemsize(t._dtype)
    if d == t._ndim - 1:
        return [_read(p + i * step, t._dtype) for i in range(t._shape[d])]
    return [_to_list(t, p + i * step, d + 1) for i in range(t._shape[d])]


def to_list(TensorBase t):
    """Nested Python lists of the elements (a number for a 0-d tensor)."""
    if t._ndim == 0:
        return _read(t.ptr(), t._dtype)
    return _to_list(t, t.ptr(), 0)


def item(TensorBase t):
    """The single element of a one-element tensor as a Python number."""
    cdef Py_ssize_t n = t.numel_c(), off = 0
    cdef int i
    if n != 1:
        raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
    return _read(t.ptr(), t._dtype)
