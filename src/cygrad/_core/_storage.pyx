"""Storage: one refcounted buffer shared by every view of it.

A ``Storage`` either owns memory it allocated (64-byte aligned) or borrows the memory of a
buffer-protocol exporter (a NumPy array, ``bytearray``, ...), keeping the exporter alive and
releasing the buffer when the last view of it is gone. Every storage carries the version
counter that in-place operations bump.
"""
from cpython.buffer cimport PyBuffer_Release, PyBUF_WRITABLE
from libc.stdint cimport uintptr_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

# Owned buffers start on a 64-byte boundary (a cache line; what PyTorch's CPU allocator
# gives). They are cut out of a plain malloc block rather than taken from posix_memalign:
# glibc serves large posix_memalign requests with fresh pages each time when a result is
# still alive as the next one is allocated (x = x + y), so every call paid about 650 page
# faults per 4 MB, where malloc reuses its heap (measured in the developer guide).
cdef enum:
    ALIGN = 64

# Freed blocks of 64 KB and more are kept for the next tensor of the same size class (a
# power of two split in eight steps, so at most 12.5% over), up to CACHE_LIMIT bytes in all.
# Without it, glibc returns the top of its heap to the system whenever more than twice its
# (adaptive) mmap threshold is free there, which a forward pass does every iteration: a
# chain matmul -> softmax -> matmul of (12, 4, 64, 64) scores took 448 page faults (about
# 1.6 ms here) per call. All cache traffic happens with the GIL held (allocation makes a
# Python object; deallocation runs in its destructor).
cdef Py_ssize_t CACHE_MIN = 1 << 16
cdef Py_ssize_t CACHE_LIMIT = 1 << 28
cdef dict _cache = {}              # size class -> list of block addresses
cdef Py_ssize_t _cached = 0        # bytes held in _cache


cdef size_t _size_class(size_t n) noexcept:
    """``n`` rounded up to one of eight steps per power of two."""
    cdef size_t step = 1
    while step * 16 <= n:
        step <<= 1
    return (n + step - 1) // step * step


cdef void* _cache_take(size_t cap):
    global _cached
    cdef list blocks
    if _cache is None:
        return NULL
    blocks = _cache.get(cap)
    if not blocks:
        return NULL
    _cached -= cap
    return <void*><uintptr_t>blocks.pop()


cdef void _cache_give(void* block, size_t cap):
    """Keep ``block`` for reuse, or free it; a full cache is emptied first (so sizes no longer
    in use do not hold it forever)."""
    global _cached
    if _cache is None or <Py_ssize_t>cap > CACHE_LIMIT:
        free(block)
        return
    if _cached + <Py_ssize_t>cap > CACHE_LIMIT:
        empty_cache()
    _cache.setdefault(cap, []).append(<uintptr_t>block)
    _cached += cap


def empty_cache():
    """Free every cached block; returns the number of bytes released."""
    global _cached
    cdef Py_ssize_t released = _cached
    cdef list blocks
    for blocks in _cache.values():
        for addr in blocks:
            free(<void*><uintptr_t>addr)
    _cache.clear()
    _cached = 0
    return released


def cached_bytes():
    """Bytes held by freed blocks kept for reuse."""
    return _cached


class OutOfMemoryError(RuntimeError, MemoryError):
    """Raised when a tensor's memory cannot be allocated.

    Subclasses both :class:`RuntimeError` (what PyTorch raises) and :class:`MemoryError`.
    """


cdef class Storage:
    """A flat byte buffer shared by tensors that view it.

    Not created directly: tensors make their storage. ``len(storage)`` is its size in bytes
    and ``memoryview(storage)`` exposes the bytes.
    """

    def __cinit__(self):
        self.data = NULL
        self.block = NULL
        self.capacity = 0
        self.nbytes = 0
        self.borrowed = False
        self.owner = None
        self.readonly = False
        self.version = 0

    def __dealloc__(self):
        if self.borrowed:
            PyBuffer_Release(&self.view)
        elif self.block != NULL:
            if self.capacity:
                _cache_give(self.block, self.capacity)
            else:
                free(self.block)
        self.data = NULL
        self.block = NULL

    def __len__(self):
        return self.nbytes

    def nbytes_(self):
        return self.nbytes

    def data_ptr(self):
        """Address of the first byte, as an int."""
        return <size_t>self.data

    def __getbuffer__(self, Py_buffer* buf, int flags):
        if (flags & PyBUF_WRITABLE) and self.readonly:
            raise BufferError("cygrad storage is read-only")
        buf.buf = self.data
        buf.obj = self
        buf.len = self.nbytes
        buf.readonly = self.readonly
        buf.itemsize = 1
        buf.format = "B"
        buf.ndim = 1
        buf.shape = &self.nbytes
        buf.strides = &buf.itemsize
        buf.suboffsets = NULL
        buf.internal = NULL

    def __releasebuffer__(self, Py_buffer* buf):
        # tensors export their views through their storage (TensorBase.__getbuffer__), with
        # shape and strides in a block they malloc'd; the storage's own export has none
        free(buf.internal)

    def __repr__(self):
        kind = "borrowed" if self.borrowed else "owned"
        return f"<cygrad Storage of {self.nbytes} bytes ({kind})>"


cdef Storage storage_alloc(Py_ssize_t nbytes, bint zero):
    """Allocate ``nbytes`` (at least 1), 64-byte aligned; zero-filled when ``zero`` (a
    cached block by ``memset``, a new one by ``calloc``, which maps fresh zero pages for large
    sizes instead of writing them)."""
    cdef Storage s = Storage.__new__(Storage)
    cdef void* mem = NULL
    cdef size_t n = <size_t>(nbytes if nbytes > 0 else 1)
    cdef size_t cap = 0
    if nbytes < 0:
        raise RuntimeError(f"cannot allocate a negative number of bytes ({nbytes})")
    if n <= (<size_t>-1) - ALIGN:
        n += ALIGN
        if <Py_ssize_t>n >= CACHE_MIN and n <= <size_t>CACHE_LIMIT:
            cap = _size_class(n)
            mem = _cache_take(cap)
            if mem != NULL:
                if zero:
                    memset(mem, 0, n)
            else:
                n = cap
        if mem == NULL:
            mem = calloc(n, 1) if zero else malloc(n)
    if mem == NULL:
        raise OutOfMemoryError(
            f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {nbytes} bytes.")
    s.block = mem
    s.capacity = cap
    s.data = <char*>((<uintptr_t>mem + ALIGN - 1) & ~(<uintptr_t>(ALIGN - 1)))
    s.nbytes = nbytes
    return s


cdef Storage storage_borrow(object obj, Py_buffer* view, char* base, Py_ssize_t nbytes):
    """Take ownership of an acquired buffer ``view`` of ``obj`` (released on dealloc)."""
    cdef Storage s = Storage.__new__(Storage)
    memcpy(&s.view, view, sizeof(Py_buffer))
    s.borrowed = True
    s.owner = obj
    s.data = base
    s.nbytes = nbytes
    s.readonly = view.readonly
    return s
