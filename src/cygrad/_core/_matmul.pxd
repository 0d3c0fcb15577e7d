# The matrix products other core modules call without Python objects (the recurrent layers'
# step loops): a right operand packed once and multiplied many times.
cdef Py_ssize_t packed_b_size(int dt, Py_ssize_t K, Py_ssize_t N) noexcept nogil
cdef void pack_b_whole(int dt, void* dst, const void* b, Py_ssize_t rsb, Py_ssize_t csb,
                       Py_ssize_t K, Py_ssize_t N) noexcept nogil
cdef Py_ssize_t packed_a_size(int dt, Py_ssize_t M, Py_ssize_t K) noexcept nogil
cdef void gemm_packed_b(int dt, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const void* a,
                        Py_ssize_t rsa, Py_ssize_t csa, const void* bp, bint accumulate,
                        void* c, Py_ssize_t rsc, Py_ssize_t csc, void* work,
                        int nthreads) noexcept nogil

# One C = alpha * A @ B + beta * C of either float dtype (element strides), for the blocked
# factorisations of _linalg: ``work`` holds ``product_work_size`` reals of that dtype.
cdef Py_ssize_t product_work_size(int dt, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                                  int nthreads) noexcept nogil
cdef void product(int dt, int nthreads, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                  double alpha, const void* a, Py_ssize_t rsa, Py_ssize_t csa, const void* b,
                  Py_ssize_t rsb, Py_ssize_t csb, double beta, void* c, Py_ssize_t rsc,
                  Py_ssize_t csc, void* work) noexcept nogil
