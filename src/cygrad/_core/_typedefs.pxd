# Shared C-level definitions of the cygrad core: dtype codes, limits, the inner-loop contract.
from libc.stdint cimport int32_t, int64_t, uint8_t

cdef enum:
    MAX_NDIM = 16     # the highest rank a tensor may have
    MAX_OPS = 4       # the most operands one iteration walks together (out + 3 inputs)

# dtype codes, ordered so that type promotion between tensors of one category is ``max``
cdef enum:
    DT_BOOL = 0
    DT_INT32 = 1
    DT_INT64 = 2
    DT_FLOAT32 = 3
    DT_FLOAT64 = 4
    N_DTYPES = 5

# The inner-loop contract (NumPy's): a count, one data pointer per operand and one byte step
# per operand; a step of 0 is a broadcast operand. ``extra`` carries per-call parameters.
# Operand 0 is the output. Nothing called through this signature may fail.
ctypedef void (*inner_fn)(Py_ssize_t n, char** p, const Py_ssize_t* s, void* extra) noexcept nogil

# A parallel loop's body (``_iter.parallel_for``): run units [lo, hi) of the loop; ``slot``
# (0 on the calling thread) is unique among the threads of one loop, for per-thread buffers.
ctypedef void (*task_fn)(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil


cdef inline int category(int dt) noexcept nogil:
    """0 for bool, 1 for integers, 2 for floating point."""
    if dt == DT_BOOL:
        return 0
    if dt == DT_INT32 or dt == DT_INT64:
        return 1
    return 2


cdef inline bint is_floating(int dt) noexcept nogil:
    return dt == DT_FLOAT32 or dt == DT_FLOAT64
