"""``TensorBase``: the C fields of a tensor and every operation that only changes them.

A tensor is a view: a :class:`Storage`, an element offset, a shape and element strides (which
may be 0 for broadcast dimensions or negative for data borrowed from NumPy). Everything here
is metadata work (views, shape arithmetic, the buffer protocol); the loops live in the kernel
modules. The Python ``Tensor`` class subclasses ``TensorBase`` and registers itself with
:func:`register` so that kernels create their outputs as ``Tensor`` instances.
"""
from cpython.buffer cimport PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from ._typedefs cimport (MAX_NDIM, DT_BOOL, DT_INT32, DT_INT64, DT_FLOAT32, DT_FLOAT64,
                         N_DTYPES, is_floating)
from ._storage cimport Storage, storage_alloc

cdef object TENSOR_CLS = None
cdef tuple DTYPE_OBJS = ()
cdef int DEFAULT_FLOAT = DT_FLOAT32
cdef dict DTYPE_LOOKUP = {}

cdef char* _FORMAT_CHARS[5]
_FORMAT_CHARS[:] = [b"?", b"i", b"q", b"f", b"d"]
_TYPE_NAMES = ("Bool", "Int", "Long", "Float", "Double")


cdef str _repr_namespace = "cygrad"


def repr_namespace():
    """The package name reprs print (``cygrad.float32``, ``cygrad.Size([2])``): ``"torch"``
    while cygrad stands in for torch, so a torch program prints what it prints on PyTorch."""
    return _repr_namespace


def set_repr_namespace(str name):
    """Set the name :func:`repr_namespace` returns."""
    global _repr_namespace
    _repr_namespace = name


class Size(tuple):
    """The shape of a tensor: a tuple of ints that prints as ``cygrad.Size([2, 3])``."""

    def __repr__(self):
        return f"{_repr_namespace}.Size({list(self)})"

    def numel(self):
        """Number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return Size(r) if isinstance(key, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


def register(cls, dtypes):
    """Register the Python ``Tensor`` class and the five dtype objects (in code order)."""
    global TENSOR_CLS, DTYPE_OBJS, DTYPE_LOOKUP
    TENSOR_CLS = cls
    DTYPE_OBJS = tuple(dtypes)
    DTYPE_LOOKUP = {d: i for i, d in enumerate(DTYPE_OBJS)}


def set_default_float(int code):
    global DEFAULT_FLOAT
    if code != DT_FLOAT32 and code != DT_FLOAT64:
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULT_FLOAT = code


def get_default_float():
    return DEFAULT_FLOAT


cdef int default_float_dtype():
    return DEFAULT_FLOAT


cdef int dtype_code(object dtype) except -1:
    """Code of a dtype object (or of a Python type ``float``/``int``/``bool``)."""
    try:
        return DTYPE_LOOKUP[dtype]
    except (KeyError, TypeError):
        pass
    if dtype is float:
        return DT_FLOAT64
    if dtype is int:
        return DT_INT64
    if dtype is bool:
        return DT_BOOL
    if getattr(dtype, "_code", 0) is None:      # a dtype name cygrad knows but has no kernels for
        raise TypeError(f"{dtype!r} is not supported: cygrad tensors are float32, float64, "
                        f"int32, int64 or bool")
    raise TypeError(f"dtype must be a cygrad dtype (float32, float64, int32, int64 or bool), "
                    f"got {dtype!r}")


def dtype_of_code(int code):
    return DTYPE_OBJS[code]


def code_of_dtype(dtype):
    return dtype_code(dtype)


cdef object shape_list(int ndim, const Py_ssize_t* shape):
    return [shape[i] for i in range(ndim)]


cdef void split_dim(TensorBase x, int d, Py_ssize_t* outer, Py_ssize_t* length,
                    Py_ssize_t* inner) noexcept:
    """``x``'s shape as ``(outer, length, inner)`` around dim ``d`` (a 0-d tensor: one row
    of length 1): the rows of a contiguous ``x`` along ``d`` start ``length * inner`` apart,
    their elements ``inner`` apart."""
    cdef int i
    outer[0] = 1
    inner[0] = 1
    for i in range(d):
        outer[0] *= x._shape[i]
    for i in range(d + 1, x._ndim):
        inner[0] *= x._shape[i]
    length[0] = x._shape[d] if x._ndim else 1


cdef Py_ssize_t checked_numel(int ndim, const Py_ssize_t* shape, int dtype) except -1:
    """Number of elements, raising if a size is negative or the byte count overflows."""
    cdef Py_ssize_t n = 1, i
    cdef Py_ssize_t limit = (<Py_ssize_t>1 << 62) // _itemsize(dtype)
    for i in range(ndim):
        if shape[i] < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {shape[i]}: "
                               f"{shape_list(ndim, shape)}")
    for i in range(ndim):
        if shape[i] == 0:
            return 0
    for i in range(ndim):
        if n > limit // shape[i]:
            raise RuntimeError(f"Storage size calculation overflowed with sizes="
                               f"{shape_list(ndim, shape)}")
        n *= shape[i]
    return n


# The largest reach of a strided view, in bytes, that cygrad computes with; sizes and strides
# that would pass it are refused before any product can wrap.
cdef Py_ssize_t EXTENT_LIMIT = (<Py_ssize_t>1) << 62


cdef int _strided_overflow(int n, const Py_ssize_t* sh, const Py_ssize_t* st) except -1:
    raise RuntimeError(f"Storage size calculation overflowed with sizes={shape_list(n, sh)} "
                       f"and strides={shape_list(n, st)}")


cdef int parse_shape(object args, Py_ssize_t* out, bint allow_infer=False) except -1:
    """Read a shape given as ``(2, 3)``, ``[2, 3]``, ``Size`` or unpacked ints into ``out``.

    Returns the rank. Sizes must be ints; ``-1`` is allowed only with ``allow_infer``.
    """
    cdef int n, i
    cdef Py_ssize_t v
    if isinstance(args, tuple) and len(args) == 1 and not isinstance(args[0], int):
        args = args[0]
    if isinstance(args, int):
        args = (args,)
    if isinstance(args, TensorBase):
        raise TypeError("a shape must be a tuple of ints, not a tensor")
    try:
        n = len(args)
    except TypeError:
        raise TypeError(f"a shape must be a tuple of ints, got {type(args).__name__}") from None
    if n > MAX_NDIM:
        raise RuntimeError(f"cygrad supports at most {MAX_NDIM} dimensions, got {n}")
    for i in range(n):
        a = args[i]
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"a shape must be a tuple of ints, but element {i} is "
                            f"{type(a).__name__}")
        v = a.__index__()
        if v < 0 and not (allow_infer and v == -1):
            raise RuntimeError(f"Trying to create tensor with negative dimension {v}: "
                               f"{list(args)}")
        out[i] = v
    return n


cdef int wrap_dim(Py_ssize_t dim, int ndim) except -100:
    """Wrap a possibly negative dim into ``[0, ndim)`` (a 0-d tensor accepts -1 and 0)."""
    cdef int n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    if dim < 0:
        dim += n
    return <int>dim


def wrap_dim_py(dim, int ndim):
    if not hasattr(dim, "__index__") or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    return wrap_dim(dim.__index__(), ndim)


cdef TensorBase new_tensor(int ndim, const Py_ssize_t* shape, int dtype, bint zero=False):
    """A new contiguous tensor of the registered ``Tensor`` class (uninitialised unless zero)."""
    cdef Py_ssize_t numel = checked_numel(ndim, shape, dtype)
    cdef TensorBase t = TensorBase.__new__(TENSOR_CLS)
    cdef Py_ssize_t st = 1
    cdef int i
    t._storage = storage_alloc(numel * _itemsize(dtype), zero)
    t._offset = 0
    t._ndim = ndim
    t._dtype = dtype
    for i in range(ndim - 1, -1, -1):
        t._shape[i] = shape[i]
        t._strides[i] = st
        st *= shape[i] if shape[i] > 0 else 1
    return t


cdef TensorBase new_like_shape(TensorBase t, int dtype):
    return new_tensor(t._ndim, t._shape, dtype, False)


cdef TensorBase make_view(TensorBase base, int ndim, const Py_ssize_t* shape,
                          const Py_ssize_t* strides, Py_ssize_t offset):
    """A tensor sharing ``base``'s storage with the given geometry."""
    cdef TensorBase t = TensorBase.__new__(TENSOR_CLS)
    cdef int i
    t._storage = base._storage
    t._offset = offset
    t._ndim = ndim
    t._dtype = base._dtype
    for i in range(ndim):
        t._shape[i] = shape[i]
        t._strides[i] = strides[i]
    return t


def empty_tensor(shape, dtype, bint zero=False):
    """Allocate a contiguous tensor; ``dtype`` is a dtype object or a code."""
    cdef Py_ssize_t sh[MAX_NDIM]
    cdef int nd = parse_shape(shape, sh)
    cdef int code = dtype if isinstance(dtype, int) else dtype_code(dtype)
    return new_tensor(nd, sh, code, zero)


cdef bint _compute_view_strides(TensorBase t, int nnew, const Py_ssize_t* newshape,
                                Py_ssize_t* newstride):
    """PyTorch's ``computeStride``: strides that view ``t`` as ``newshape``, if they exist."""
    cdef int view_d = nnew - 1, tensor_d, i
    cdef Py_ssize_t chunk_base_stride, tensor_numel = 1, view_numel = 1
    cdef int nd = t._ndim
    cdef Py_ssize_t st = 1
    if t.numel_c() == 0 or nd == 0:
        # contiguous strides; an empty tensor may have sizes whose product overflows, and
        # its strides are never used to reach an element, so they stop growing there
        for i in range(nnew - 1, -1, -1):
            newstride[i] = st
            if newshape[i] > 1 and st <= PY_SSIZE_T_MAX // newshape[i]:
                st *= newshape[i]
        return True
    chunk_base_stride = t._strides[nd - 1]
    for tensor_d in range(nd - 1, -1, -1):
        tensor_numel *= t._shape[tensor_d]
        if tensor_d == 0 or (t._shape[tensor_d - 1] != 1 and
                             t._strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return False
            if tensor_d > 0:
                chunk_base_stride = t._strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    return view_d == -1


cdef int _infer_shape(TensorBase t, object shape, Py_ssize_t* out) except -1:
    cdef int n = parse_shape(shape, out, True)
    cdef int i, infer = -1
    cdef Py_ssize_t known = 1, numel = t.numel_c()
    cdef bint overflow = False
    for i in range(n):
        if out[i] == -1:
            if infer >= 0:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif out[i] == 0:
            known = 0
            overflow = False
        elif known != 0:
            if known > PY_SSIZE_T_MAX // out[i]:
                overflow = True         # far more elements than any tensor can hold
            else:
                known *= out[i]
    if overflow:
        raise RuntimeError(f"shape '{shape_list(n, out)}' is invalid for input of size {numel}")
    if infer >= 0:
        if known == 0 or numel % known != 0:
            raise RuntimeError(f"shape '{shape_list(n, out)}' is invalid for input of size "
                               f"{numel}")
        out[infer] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape_list(n, out)}' is invalid for input of size {numel}")
    return n


cdef class TensorBase:
    """The C part of a tensor: storage, offset, shape, strides and dtype.

    Users work with :class:`cygrad.Tensor`, which subclasses this type.
    """

    def __cinit__(self):
        self._ndim = 0
        self._offset = 0
        self._dtype = DT_FLOAT32
        self._requires_grad = False
        self._grad = None
        self._grad_fn = None
        self._ag = None

    cdef Py_ssize_t numel_c(self) noexcept nogil:
        cdef Py_ssize_t n = 1
        cdef int i
        for i in range(self._ndim):
            n *= self._shape[i]
        return n

    cdef bint contiguous_c(self) noexcept nogil:
        cdef Py_ssize_t expected = 1
        cdef int i
        for i in range(self._ndim - 1, -1, -1):
            if self._shape[i] == 0:
                return True
            if self._shape[i] != 1:
                if self._strides[i] != expected:
                    return False
                expected *= self._shape[i]
        return True

    # ---------------------------------------------------------------- metadata
    @property
    def shape(self):
        """The size of each dimension, as a :class:`cygrad.Size`."""
        return Size([self._shape[i] for i in range(self._ndim)])

    def _tshape(self):
        """The shape as a plain tuple (cheaper than :attr:`shape` on hot paths)."""
        return tuple([self._shape[i] for i in range(self._ndim)])

    def _has_shape(self, tuple shape):
        """True if the shape equals the plain tuple ``shape``."""
        cdef int i
        if len(shape) != self._ndim:
            return False
        for i in range(self._ndim):
            if self._shape[i] != <Py_ssize_t>shape[i]:
                return False
        return True

    @property
    def ndim(self):
        """Number of dimensions (same as :meth:`dim`)."""
        return self._ndim

    @property
    def dtype(self):
        """The element type, e.g. ``cygrad.float32``."""
        return DTYPE_OBJS[self._dtype]

    @property
    def _dtype_code(self):
        return self._dtype

    @property
    def _version(self):
        """Version counter of the storage: bumped by every in-place write."""
        return self._storage.version

    def _bump_version(self):
        self._storage.version += 1

    @property
    def _is_readonly(self):
        return self._storage.readonly

    def dim(self):
        """Number of dimensions."""
        return self._ndim

    def size(self, dim=None):
        """The shape, or the size of one dimension ``dim``."""
        if dim is None:
            return self.shape
        return self._shape[wrap_dim(dim, self._ndim)] if self._ndim else 1

    def stride(self, dim=None):
        """Element strides, as a tuple, or the stride of one dimension ``dim``."""
        if dim is None:
            return tuple([self._strides[i] for i in range(self._ndim)])
        return self._strides[wrap_dim(dim, self._ndim)] if self._ndim else 1

    def storage_offset(self):
        """Offset of the first element in the storage, in elements."""
        return self._offset

    def numel(self):
        """Number of elements."""
        return self.numel_c()

    def nelement(self):
        """Alias of :meth:`numel`."""
        return self.numel_c()

    def element_size(self):
        """Size of one element in bytes."""
        return _itemsize(self._dtype)

    def is_contiguous(self, memory_format=None):
        """True if the elements lie in row-major order without gaps (size-1 dims ignored)."""
        return self.contiguous_c()

    def is_floating_point(self):
        """True for ``float32`` and ``float64`` tensors."""
        return is_floating(self._dtype)

    def data_ptr(self):
        """Address of the first element, as an int."""
        return <size_t>self.ptr()

    def untyped_storage(self):
        """The :class:`Storage` this tensor views."""
        return self._storage

    def _same_storage(self, TensorBase other):
        return self._storage is other._storage

    # ---------------------------------------------------------------- view primitives
    def _set_data(self, TensorBase other):
        """Make this tensor an alias of ``other``'s memory, shape, strides and dtype (what
        ``t.data = other`` does); the autograd fields are left alone."""
        cdef int i
        self._storage = other._storage
        self._offset = other._offset
        self._ndim = other._ndim
        self._dtype = other._dtype
        for i in range(other._ndim):
            self._shape[i] = other._shape[i]
            self._strides[i] = other._strides[i]

    def _as_strided(self, size, stride, storage_offset=None):
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef int n = parse_shape(size, sh)
        cdef int i
        cdef Py_ssize_t off = self._offset if storage_offset is None else storage_offset
        cdef Py_ssize_t lo = off, hi = off
        cdef Py_ssize_t limit = EXTENT_LIMIT // _itemsize(self._dtype)
        if off < 0 or off > limit:
            raise RuntimeError(f"Tensor: invalid storage offset {off}")
        if len(stride) != n:
            raise RuntimeError(f"mismatch in length of strides and shape")
        for i in range(n):
            st[i] = stride[i]
        if checked_numel(n, sh, self._dtype) > 0:
            for i in range(n):
                # the reach of the view, in bytes, stays below 2**62: nothing below can wrap
                if sh[i] > 1 and (st[i] > limit // (sh[i] - 1)
                                  or st[i] < -(limit // (sh[i] - 1))):
                    _strided_overflow(n, sh, st)
                if st[i] < 0:
                    lo += (sh[i] - 1) * st[i]
                else:
                    hi += (sh[i] - 1) * st[i]
                if hi > limit or lo < -limit:
                    _strided_overflow(n, sh, st)
            if lo < 0 or hi >= self._storage.nbytes // _itemsize(self._dtype):
                raise RuntimeError(
                    f"setStorage: sizes {shape_list(n, sh)}, strides {shape_list(n, st)} and "
                    f"storage offset {off} are out of bounds for storage of "
                    f"{self._storage.nbytes} bytes")
        return make_view(self, n, sh, st, off)

    def _view(self, shape):
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef int n = _infer_shape(self, shape, sh)
        if not _compute_view_strides(self, n, sh, st):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least "
                "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                "instead.")
        return make_view(self, n, sh, st, self._offset)

    def _try_view(self, shape):
        """The view with ``shape`` if strides allow it, else ``(None, resolved shape)``."""
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef int n = _infer_shape(self, shape, sh)
        if not _compute_view_strides(self, n, sh, st):
            return None, tuple(shape_list(n, sh))
        return make_view(self, n, sh, st, self._offset), None

    def _transpose(self, dim0, dim1):
        cdef int a = wrap_dim(dim0, self._ndim), b = wrap_dim(dim1, self._ndim)
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        if self._ndim == 0:
            return make_view(self, 0, sh, st, self._offset)
        memcpy(sh, self._shape, self._ndim * sizeof(Py_ssize_t))
        memcpy(st, self._strides, self._ndim * sizeof(Py_ssize_t))
        sh[a], sh[b] = sh[b], sh[a]
        st[a], st[b] = st[b], st[a]
        return make_view(self, self._ndim, sh, st, self._offset)

    def _permute(self, dims):
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef bint seen[MAX_NDIM]
        cdef int i, d
        if len(dims) != self._ndim:
            raise RuntimeError(
                f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                f"the length of the desired ordering of dimensions i.e. input.dim() = "
                f"{self._ndim} is not equal to len(dims) = {len(dims)}")
        for i in range(self._ndim):
            seen[i] = False
        for i in range(self._ndim):
            d = wrap_dim(dims[i], self._ndim)
            if seen[d]:
                raise RuntimeError("permute(): duplicate dims are not allowed.")
            seen[d] = True
            sh[i] = self._shape[d]
            st[i] = self._strides[d]
        return make_view(self, self._ndim, sh, st, self._offset)

    def _expand(self, sizes):
        cdef Py_ssize_t req[MAX_NDIM]
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef int n = parse_shape(sizes, req, True)
        cdef int i, src, lead
        if n < self._ndim:
            raise RuntimeError(
                f"expand({self._torch_type()}{{{list(self.shape)}}}, size={shape_list(n, req)}): "
                f"the number of sizes provided ({n}) must be greater or equal to the number of "
                f"dimensions in the tensor ({self._ndim})")
        lead = n - self._ndim
        for i in range(n):
            src = i - lead
            if src < 0:
                if req[i] == -1:
                    raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                       f"leading, non-existing dimension {i}")
                sh[i] = req[i]
                st[i] = 0
            else:
                if req[i] == -1 or req[i] == self._shape[src]:
                    sh[i] = self._shape[src]
                    st[i] = self._strides[src]
                elif self._shape[src] == 1:
                    sh[i] = req[i]
                    st[i] = 0
                else:
                    raise RuntimeError(
                        f"The expanded size of the tensor ({req[i]}) must match the existing "
                        f"size ({self._shape[src]}) at non-singleton dimension {i}.  Target "
                        f"sizes: {shape_list(n, req)}.  Tensor sizes: {list(self.shape)}")
        checked_numel(n, sh, self._dtype)       # numel overflow raises
        return make_view(self, n, sh, st, self._offset)

    def _squeeze(self, dim=None):
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef bint drop[MAX_NDIM]
        cdef int i, n = 0
        for i in range(self._ndim):
            drop[i] = dim is None and self._shape[i] == 1
        if dim is not None:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            for d in dims:
                i = wrap_dim(d, self._ndim)
                if self._ndim and self._shape[i] == 1:
                    drop[i] = True
        for i in range(self._ndim):
            if not drop[i]:
                sh[n] = self._shape[i]
                st[n] = self._strides[i]
                n += 1
        return make_view(self, n, sh, st, self._offset)

    def _unsqueeze(self, dim):
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        cdef int d = wrap_dim(dim, self._ndim + 1), i, j = 0
        if self._ndim + 1 > MAX_NDIM:
            raise RuntimeError(f"cygrad supports at most {MAX_NDIM} dimensions")
        for i in range(self._ndim + 1):
            if i == d:
                sh[i] = 1
                st[i] = self._shape[d] * self._strides[d] if d < self._ndim else 1
            else:
                sh[i] = self._shape[j]
                st[i] = self._strides[j]
                j += 1
        return make_view(self, self._ndim + 1, sh, st, self._offset)

    def _narrow(self, dim, start, length):
        cdef int d
        cdef Py_ssize_t s = start, ln = length
        cdef Py_ssize_t sh[MAX_NDIM]
        if self._ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        d = wrap_dim(dim, self._ndim)
        if s < 0:
            s += self._shape[d]
        if s < 0 or s > self._shape[d]:
            raise IndexError(f"start out of range (expected to be in range of "
                             f"[{-self._shape[d]}, {self._shape[d]}], but got {start})")
        if ln < 0 or s + ln > self._shape[d]:
            raise RuntimeError(f"start ({s}) + length ({ln}) exceeds dimension size "
                               f"({self._shape[d]}).")
        memcpy(sh, self._shape, self._ndim * sizeof(Py_ssize_t))
        sh[d] = ln
        return make_view(self, self._ndim, sh, self._strides, self._offset + s * self._strides[d])

    def _select(self, dim, index):
        cdef int d, i, j = 0
        cdef Py_ssize_t ix = index
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        if self._ndim == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        d = wrap_dim(dim, self._ndim)
        if ix < -self._shape[d] or ix >= self._shape[d]:
            raise IndexError(f"index {index} is out of bounds for dimension {d} with size "
                             f"{self._shape[d]}")
        if ix < 0:
            ix += self._shape[d]
        for i in range(self._ndim):
            if i != d:
                sh[j] = self._shape[i]
                st[j] = self._strides[i]
                j += 1
        return make_view(self, self._ndim - 1, sh, st, self._offset + ix * self._strides[d])

    def _slice(self, int d, Py_ssize_t start, Py_ssize_t stop, Py_ssize_t step):
        """View of dim ``d`` restricted to ``range(start, stop, step)`` (already clamped)."""
        cdef Py_ssize_t sh[MAX_NDIM]
        cdef Py_ssize_t st[MAX_NDIM]
        memcpy(sh, self._shape, self._ndim * sizeof(Py_ssize_t))
        memcpy(st, self._strides, self._ndim * sizeof(Py_ssize_t))
        sh[d] = (stop - start + step - 1) // step if stop > start else 0
        st[d] = self._strides[d] * step
        return make_view(self, self._ndim, sh, st, self._offset + start * self._strides[d])

    def _torch_type(self):
        return "cygrad." + _TYPE_NAMES[self._dtype] + "Tensor"

    # ---------------------------------------------------------------- buffer protocol
    def __getbuffer__(self, Py_buffer* buf, int flags):
        cdef Py_ssize_t* meta
        cdef Py_ssize_t isz = _itemsize(self._dtype)
        cdef int i
        if (flags & PyBUF_WRITABLE) and self._storage.readonly:
            raise BufferError("this tensor's memory is read-only")
        if (flags & PyBUF_STRIDES) != PyBUF_STRIDES and not self.contiguous_c():
            raise BufferError("tensor is not contiguous; request a strided buffer")
        meta = <Py_ssize_t*>malloc(2 * (self._ndim + 1) * sizeof(Py_ssize_t))
        if meta == NULL:
            raise MemoryError()
        for i in range(self._ndim):
            meta[i] = self._shape[i]
            meta[self._ndim + 1 + i] = self._strides[i] * isz
        buf.buf = self.ptr()
        # the exporter is the storage, not the tensor: ``t.data = other`` gives the tensor
        # other memory, and a NumPy array made from the buffer must keep the old one alive.
        # Storage.__releasebuffer__ frees ``meta``.
        buf.obj = self._storage
        buf.len = self.numel_c() * isz
        buf.readonly = self._storage.readonly
        buf.itemsize = isz
        buf.format = _FORMAT_CHARS[self._dtype] if (flags & PyBUF_FORMAT) else NULL
        buf.ndim = self._ndim
        buf.shape = meta
        buf.strides = meta + self._ndim + 1
        buf.suboffsets = NULL
        buf.internal = meta


