from ._typedefs cimport inner_fn
from ._tensor cimport TensorBase

cdef inner_fn binary_loop(int op, int dt) noexcept nogil
cdef inner_fn cast_loop(int src, int dst) noexcept nogil
cdef TensorBase cast_c(TensorBase t, int dtype)
cdef TensorBase as_contiguous(TensorBase t)
cdef int copy_c(TensorBase dst, TensorBase src) except -1
cdef int check_writable(TensorBase dst) except -1
cpdef int scalar_category(object v) except -2
cdef int result_type_c(tuple ops) except -1
