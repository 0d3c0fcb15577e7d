from ._typedefs cimport MAX_NDIM, MAX_OPS, inner_fn, task_fn
from ._tensor cimport TensorBase

cdef struct NdIter:
    int nop                                   # operands; operand 0 is the output
    int ndim                                  # after coalescing; dim 0 is the innermost
    Py_ssize_t size                           # elements in the iteration space
    Py_ssize_t shape[MAX_NDIM]
    Py_ssize_t strides[MAX_OPS][MAX_NDIM]     # byte strides per operand
    char* data[MAX_OPS]
    int order_op                              # operand whose layout decides the loop order
    bint tiled                                # operands disagree on the innermost dim

cdef int broadcast_shapes(int nd_a, const Py_ssize_t* a, int nd_b, const Py_ssize_t* b,
                          Py_ssize_t* out) except -1
cdef int iter_setup(NdIter* it, tuple ops, int order_op=*) except -1
cdef void iter_prepare(NdIter* it) noexcept nogil
cdef void iter_serial(NdIter* it, inner_fn fn, void* extra) noexcept nogil
cdef void iter_run(NdIter* it, inner_fn fn, void* extra, Py_ssize_t grain) noexcept nogil
cdef void nd_loop(NdIter* it, inner_fn fn, void* extra, Py_ssize_t start,
                  Py_ssize_t end) noexcept nogil
cdef int get_threads() noexcept nogil
cdef void parallel_for(task_fn fn, void* ctx, Py_ssize_t n, Py_ssize_t ntasks,
                       int nthreads) noexcept nogil
cdef Py_ssize_t n_tasks(Py_ssize_t units, Py_ssize_t grain, int nthreads) noexcept nogil

cdef enum:
    GRAIN_CHEAP = 32768        # elements per thread below which +,*,copy stay serial
    GRAIN_TRANSCENDENTAL = 4096    # exp, tanh, sin, ...
    NOGIL_MIN = 4096           # below this a kernel keeps the GIL (releasing costs more)
