cdef class Storage:
    cdef char* data            # first byte of the buffer
    cdef void* block           # what malloc/calloc returned (data is aligned inside it)
    cdef size_t capacity       # the block's size class in bytes if it may be cached, else 0
    cdef Py_ssize_t nbytes     # size of the buffer in bytes
    cdef bint borrowed         # True if ``view`` holds a buffer borrowed from ``owner``
    cdef Py_buffer view
    cdef object owner          # the exporter kept alive while we borrow its memory
    cdef readonly bint readonly
    cdef public Py_ssize_t version   # bumped by every in-place write through any view

cdef Storage storage_alloc(Py_ssize_t nbytes, bint zero)
cdef Storage storage_borrow(object obj, Py_buffer* view, char* base, Py_ssize_t nbytes)
