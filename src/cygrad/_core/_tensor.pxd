from ._typedefs cimport MAX_NDIM
from ._storage cimport Storage

cdef class TensorBase:
    cdef Storage _storage
    cdef Py_ssize_t _offset                 # in elements
    cdef int _ndim
    cdef int _dtype
    cdef Py_ssize_t _shape[MAX_NDIM]
    cdef Py_ssize_t _strides[MAX_NDIM]      # in elements, may be 0 or negative
    # autograd state: plain slots, managed entirely by the Python layers above
    cdef public bint _requires_grad
    cdef public object _grad
    cdef public object _grad_fn
    cdef public object _ag                  # further autograd bookkeeping (hooks, ...)
    cdef object __weakref__

    cdef inline char* ptr(self) noexcept nogil:
        return self._storage.data + self._offset * _itemsize(self._dtype)
    cdef Py_ssize_t numel_c(self) noexcept nogil
    cdef bint contiguous_c(self) noexcept nogil


cdef inline Py_ssize_t _itemsize(int dt) noexcept nogil:
    return 1 if dt == 0 else (4 if (dt == 1 or dt == 3) else 8)

cdef object TENSOR_CLS
cdef tuple DTYPE_OBJS
cdef int default_float_dtype()
cdef TensorBase new_tensor(int ndim, const Py_ssize_t* shape, int dtype, bint zero=*)
cdef TensorBase new_like_shape(TensorBase t, int dtype)
cdef TensorBase make_view(TensorBase base, int ndim, const Py_ssize_t* shape,
                          const Py_ssize_t* strides, Py_ssize_t offset)
cdef int parse_shape(object args, Py_ssize_t* out, bint allow_infer=*) except -1
cdef int wrap_dim(Py_ssize_t dim, int ndim) except -100
cdef int dtype_code(object dtype) except -1
cdef object shape_list(int ndim, const Py_ssize_t* shape)
cdef void split_dim(TensorBase x, int d, Py_ssize_t* outer, Py_ssize_t* length,
                    Py_ssize_t* inner) noexcept
cdef Py_ssize_t checked_numel(int ndim, const Py_ssize_t* shape, int dtype) except -1
