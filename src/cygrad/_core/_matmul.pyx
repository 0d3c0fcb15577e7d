"""Matrix multiplication: a cache-blocked GEMM (GotoBLAS/BLIS structure) and its front ends.

``gemm`` computes ``C = alpha * A @ B + beta * C`` for operands of any strides:

* loop over NC-wide column panels of B and KC-deep slices of K; pack the B panel into
  NR-wide slivers (L3/L2), then for each MC-tall block of A pack MR-tall slivers (L2) and run
  the MR x NR register-tile micro-kernel of ``_gemm_kernel.h`` (L1) over the block;
* packing reads any strides, so transposed, sliced or negatively strided operands are never
  copied beforehand; partial tiles are zero-padded in the packed buffers;
* an A with unit column stride is not packed at all: the tiles read its rows in place (the
  packed copy only reorders it, and costs a quarter of the product when B has few columns),
  except when its rows lie a multiple of 4 KiB apart (they would share one L1 set);
* threads (``_iter.parallel_for``) claim whole MC blocks one at a time (each with its own
  packed A, sharing packed B) above a work threshold; batched products run matrices in
  parallel when there are enough of them;
* products too small to amortise packing (M*N*K < 32^3), matrix-vector and vector-matrix
  products take direct loops; integer dtypes use a simple exact loop.

Buffers are allocated while holding the GIL; nothing inside the ``nogil`` loops can fail.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from libc.stdint cimport int32_t, int64_t

from ._typedefs cimport (MAX_NDIM, DT_BOOL, DT_INT32, DT_INT64, DT_FLOAT32, DT_FLOAT64,
                         is_floating, task_fn)
from ._tensor cimport TensorBase, new_tensor, make_view, shape_list, _itemsize
from ._iter cimport broadcast_shapes, get_threads, parallel_for, n_tasks
from ._elementwise cimport copy_c

cdef extern from "_vecmath.h" nogil:
    float cg_dot_f32(const float* x, const float* y, Py_ssize_t n)
    double cg_dot_f64(const double* x, const double* y, Py_ssize_t n)

cdef extern from "_gemm_kernel.h" nogil:
    ctypedef void (*cg_dots_f32)(Py_ssize_t, Py_ssize_t, Py_ssize_t, float, const float*,
                                 Py_ssize_t, const float*, float, float*, Py_ssize_t,
                                 Py_ssize_t)
    ctypedef void (*cg_dots_f64)(Py_ssize_t, Py_ssize_t, Py_ssize_t, double, const double*,
                                 Py_ssize_t, const double*, double, double*, Py_ssize_t,
                                 Py_ssize_t)
    cg_dots_f32 cg_pick_dots_f32(int isa)
    cg_dots_f64 cg_pick_dots_f64(int isa)
    ctypedef void (*cg_kernel_f32)(Py_ssize_t, const float*, const float*, float*, Py_ssize_t,
                                   Py_ssize_t, int, int, int)
    ctypedef void (*cg_kernel_f64)(Py_ssize_t, const double*, const double*, double*,
                                   Py_ssize_t, Py_ssize_t, int, int, int)
    int cg_gemm_isa()
    cg_kernel_f32 cg_pick_f32_narrow(int isa, int* nr)
    void cg_rows_f32_avx512(Py_ssize_t M, Py_ssize_t K, const float* A, Py_ssize_t rsa,
                            const float* Bp, float* C, Py_ssize_t rsc, Py_ssize_t csc, int n,
                            int acc)
    void cg_rows_f64_avx512(Py_ssize_t M, Py_ssize_t K, const double* A, Py_ssize_t rsa,
                            const double* Bp, double* C, Py_ssize_t rsc, Py_ssize_t csc,
                            int n, int acc)
    cg_kernel_f64 cg_pick_f64_narrow(int isa, int* nr)
    ctypedef void (*cg_kernel_rows_a_f32)(Py_ssize_t, const float*, Py_ssize_t, const float*,
                                          float*, Py_ssize_t, Py_ssize_t, int, int, int)
    ctypedef void (*cg_kernel_rows_a_f64)(Py_ssize_t, const double*, Py_ssize_t,
                                          const double*, double*, Py_ssize_t, Py_ssize_t, int,
                                          int, int)
    void cg_pick_f32(int isa, int* nr, cg_kernel_f32* k, cg_kernel_rows_a_f32* rows_a)
    void cg_pick_f64(int isa, int* nr, cg_kernel_f64* k, cg_kernel_rows_a_f64* rows_a)

ctypedef fused real:
    float
    double

ctypedef fused integer:
    int32_t
    int64_t

cdef enum:
    MR = 6
    MR_NARROW = 12     # rows of the narrow tiles (MC is a multiple of both)
    KC = 256
    MC = 144           # multiple of MR
    NC = 3072          # multiple of every NR
    SMALL = 8 * 8 * 8          # up to this many multiply-adds: direct loops, no packing
    PARALLEL_MIN = 96 * 96 * 96    # below this, one thread
    NARROW = 4         # products with at most this many output columns use dot products
    ROWS_MAX_WORK = 256 * 1024   # narrow products up to this size skip packing A (AVX-512)
    # Up to DOTS_N output columns, K >= DOTS_K and B^T within DOTS_BYTES (L1): dot products
    # of rows (narrow_gemm) beat the tiles. (256,784)@(784,10) float32: 70 us against 116
    # (NumPy 94); for K <= 300, or B^T beyond L1 (float64 at K = 784), the tiles win.
    DOTS_N = 16
    DOTS_K = 512
    DOTS_BYTES = 32 * 1024

cdef int ISA = cg_gemm_isa()
cdef int NR32 = 0
cdef int NR64 = 0
# KERNEL*_ROWS_A: the same tiles reading a row-major A in place (no packing of A)
# The tile kernels by height: [2, 4, 6] rows, indexed by (rows - 1) // 2.
cdef cg_kernel_f32 KERNEL32[3]
cdef cg_kernel_f64 KERNEL64[3]
cdef cg_kernel_rows_a_f32 KERNEL32_ROWS_A[3]
cdef cg_kernel_rows_a_f64 KERNEL64_ROWS_A[3]
cg_pick_f32(ISA, &NR32, KERNEL32, KERNEL32_ROWS_A)
cg_pick_f64(ISA, &NR64, KERNEL64, KERNEL64_ROWS_A)
# narrow outputs (N <= 16 floats / 8 doubles) on AVX-512: 12 x one-vector tiles, so a layer
# with few units (e.g. (64, 10)) still fills the FMA units; none below AVX-512
cdef cg_dots_f32 DOTS32 = cg_pick_dots_f32(ISA)
cdef cg_dots_f64 DOTS64 = cg_pick_dots_f64(ISA)
cdef int NR32_NARROW = 0
cdef int NR64_NARROW = 0
cdef cg_kernel_f32 KERNEL32_NARROW = cg_pick_f32_narrow(ISA, &NR32_NARROW)
cdef cg_kernel_f64 KERNEL64_NARROW = cg_pick_f64_narrow(ISA, &NR64_NARROW)
_ISA_NAMES = ("baseline", "avx2+fma", "avx512")


def kernel_info():
    """The micro-kernel in use: ``(isa name, MR, NR float32, NR float64)``."""
    return _ISA_NAMES[ISA], MR, NR32, NR64


cdef inline Py_ssize_t _min(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a < b else b


cdef inline Py_ssize_t _round_up(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return (a + b - 1) // b * b


# ------------------------------------------------------------------ packing
cdef void _pack_a(real* dst, const real* a, Py_ssize_t rsa, Py_ssize_t csa, Py_ssize_t mc,
                  Py_ssize_t kc, real alpha, int tile) noexcept nogil:
    """``tile``-tall slivers of the mc x kc block: dst[s][k][i] = alpha * a[s*tile + i, k]."""
    cdef Py_ssize_t s, i, k, mr
    cdef real* d
    cdef const real* src
    cdef const real* rows[MR_NARROW]
    cdef Py_ssize_t si
    for si in range((mc + tile - 1) // tile):
        s = si * tile
        mr = _min(tile, mc - s)
        d = dst + si * kc * tile
        if mr < tile:
            memset(d, 0, kc * tile * sizeof(real))
        if csa == 1 and mr == tile:
            # ``tile`` row streams read in step, one contiguous write stream
            for i in range(tile):
                rows[i] = a + (s + i) * rsa
            if alpha == 1:
                for k in range(kc):
                    for i in range(tile):
                        d[k * tile + i] = rows[i][k]
            else:
                for k in range(kc):
                    for i in range(tile):
                        d[k * tile + i] = alpha * rows[i][k]
        elif csa == 1:
            for i in range(mr):
                src = a + (s + i) * rsa
                for k in range(kc):
                    d[k * tile + i] = alpha * src[k]
        elif rsa == 1 and tile == MR and mr == MR:
            # column-major A (a transposed operand): MR contiguous reals per k
            for k in range(kc):
                src = a + s + k * csa
                for i in range(MR):
                    d[k * MR + i] = alpha * src[i]
        else:
            for k in range(kc):
                for i in range(mr):
                    d[k * tile + i] = alpha * a[(s + i) * rsa + k * csa]


cdef void _pack_b(real* dst, const real* b, Py_ssize_t rsb, Py_ssize_t csb, Py_ssize_t kc,
                  Py_ssize_t nc, int nr, Py_ssize_t s0, Py_ssize_t s1) noexcept nogil:
    """Slivers s0..s1 of the kc x nc panel: dst[s][k][j] = b[k, s*nr + j] (zero-padded)."""
    cdef Py_ssize_t s, j, k, nn
    cdef real* d
    cdef const real* src
    for s in range(s0, s1):
        nn = _min(nr, nc - s * nr)
        d = dst + s * kc * nr
        if nn < nr:
            memset(d, 0, kc * nr * sizeof(real))
        if csb == 1 and nn == nr:
            for k in range(kc):
                memcpy(d + k * nr, b + k * rsb + s * nr, nr * sizeof(real))
        elif rsb == 1:
            for j in range(nn):
                src = b + (s * nr + j) * csb
                for k in range(kc):
                    d[k * nr + j] = src[k]
        else:
            for k in range(kc):
                for j in range(nn):
                    d[k * nr + j] = b[k * rsb + (s * nr + j) * csb]


cdef inline void _kernel(Py_ssize_t kc, const real* a, const real* b, real* c, Py_ssize_t rsc,
                         Py_ssize_t csc, int m, int n, int acc, bint narrow) noexcept nogil:
    if real is float:
        (KERNEL32_NARROW if narrow else KERNEL32[(m - 1) >> 1])(kc, a, b, c, rsc, csc, m, n,
                                                               acc)
    else:
        (KERNEL64_NARROW if narrow else KERNEL64[(m - 1) >> 1])(kc, a, b, c, rsc, csc, m, n,
                                                               acc)


cdef inline void _kernel_rows_a(Py_ssize_t kc, const real* a, Py_ssize_t lda, const real* b,
                                real* c, Py_ssize_t rsc, Py_ssize_t csc, int m, int n,
                                int acc) noexcept nogil:
    if real is float:
        KERNEL32_ROWS_A[(m - 1) >> 1](kc, a, lda, b, c, rsc, csc, m, n, acc)
    else:
        KERNEL64_ROWS_A[(m - 1) >> 1](kc, a, lda, b, c, rsc, csc, m, n, acc)


cdef inline bint _reads_a_in_place(Py_ssize_t rsa, Py_ssize_t csa, real alpha,
                                   bint narrow) noexcept nogil:
    """Whether the MR x NR tiles read A where it lies: rows with unit stride and nothing to
    scale (the packed copy would only reorder it), unless the rows lie a multiple of 4 KiB
    apart: then a tile's rows all fall in one L1 set and evict the packed B sliver."""
    return (csa == 1 and alpha == 1 and not narrow
            and (rsa * <Py_ssize_t>sizeof(real)) % 4096 != 0)


cdef void _block(Py_ssize_t ic, Py_ssize_t mc, Py_ssize_t jc, Py_ssize_t nc, Py_ssize_t pc,
                 Py_ssize_t kc, real alpha, const real* a, Py_ssize_t rsa, Py_ssize_t csa,
                 const real* bp, real* ap, real* c, Py_ssize_t rsc, Py_ssize_t csc, int nr,
                 int acc) noexcept nogil:
    """One MC block: pack it (unless the tiles read it in place), then sweep the register
    tiles over the packed B panel."""
    cdef Py_ssize_t jr, ir, jj, ii
    cdef bint narrow, direct
    cdef int tile
    if real is float:
        narrow = nr != NR32
    else:
        narrow = nr != NR64
    tile = MR_NARROW if narrow else MR
    direct = _reads_a_in_place(rsa, csa, alpha, narrow)
    if not direct:
        _pack_a(ap, a + ic * rsa + pc * csa, rsa, csa, mc, kc, alpha, tile)
    for jj in range((nc + nr - 1) // nr):
        jr = jj * nr
        for ii in range((mc + tile - 1) // tile):
            ir = ii * tile
            if direct:
                _kernel_rows_a(kc, a + (ic + ir) * rsa + pc, rsa, bp + jr * kc,
                               c + (ic + ir) * rsc + (jc + jr) * csc, rsc, csc,
                               <int>_min(tile, mc - ir), <int>_min(nr, nc - jr), acc)
            else:
                _kernel(kc, ap + ir * kc, bp + jr * kc,
                        c + (ic + ir) * rsc + (jc + jr) * csc, rsc, csc,
                        <int>_min(tile, mc - ir), <int>_min(nr, nc - jr), acc, narrow)


cdef inline void _work_sizes(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, int nr, Py_ssize_t* bsz,
                             Py_ssize_t* asz) noexcept nogil:
    bsz[0] = _min(KC, K) * _round_up(_min(NC, N), nr)
    asz[0] = _min(MC, _round_up(M, MR_NARROW)) * _min(KC, K)


cdef Py_ssize_t gemm_work_size(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, int nthreads,
                               int dt) noexcept nogil:
    """Reals of workspace ``one_product`` needs: one packed B panel and one packed A block
    per thread for ``gemm``, or B transposed for ``narrow_gemm``."""
    cdef Py_ssize_t bsz, asz
    _work_sizes(M, N, K, NR32 if dt == DT_FLOAT32 else NR64, &bsz, &asz)
    return bsz + nthreads * asz + K * 16     # K * 16 holds B^T for narrow_gemm (N <= 16)


cdef void rows_gemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, real alpha, const real* a,
                    Py_ssize_t rsa, const real* b, Py_ssize_t rsb, Py_ssize_t csb, real beta,
                    real* c, Py_ssize_t rsc, Py_ssize_t csc, real* bp) noexcept nogil:
    """Few output columns on AVX-512: B (scaled by alpha) packed as one vector per k, rows of
    A read in place; no A packing at all."""
    cdef Py_ssize_t i, j, k
    cdef int lanes = 16 if real is float else 8
    for k in range(K):
        for j in range(lanes):
            bp[k * lanes + j] = alpha * b[k * rsb + j * csb] if j < N else 0
    if beta != 0 and beta != 1:
        for i in range(M):
            for j in range(N):
                c[i * rsc + j * csc] *= beta
    if real is float:
        cg_rows_f32_avx512(M, K, a, rsa, bp, c, rsc, csc, <int>N, beta != 0)
    else:
        cg_rows_f64_avx512(M, K, a, rsa, bp, c, rsc, csc, <int>N, beta != 0)


cdef struct _GemmCtx:
    # one parallel step of a product: the operands, and the panel or block being computed
    Py_ssize_t M, N, K, mc, jc, nc, pc, kc, rsa, csa, rsb, csb, rsc, csc, bsz, asz
    double alpha, beta
    const void* a
    const void* b
    void* c
    void* work
    int nr, acc


cdef void _dots_task(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``narrow_gemm``'s parallel body: rows ``4*lo`` to ``4*hi`` (float32)."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    cdef Py_ssize_t r0 = lo * 4, r1 = _min(g.M, hi * 4)
    DOTS32(r1 - r0, g.N, g.K, <float>g.alpha, <const float*>g.a + r0 * g.rsa, g.rsa,
           <const float*>g.work, <float>g.beta, <float*>g.c + r0 * g.rsc, g.rsc, g.csc)


cdef void _dots_task64(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``narrow_gemm``'s parallel body: rows ``4*lo`` to ``4*hi`` (float64)."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    cdef Py_ssize_t r0 = lo * 4, r1 = _min(g.M, hi * 4)
    DOTS64(r1 - r0, g.N, g.K, g.alpha, <const double*>g.a + r0 * g.rsa, g.rsa,
           <const double*>g.work, g.beta, <double*>g.c + r0 * g.rsc, g.rsc, g.csc)


cdef void narrow_gemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, real alpha, const real* a,
                      Py_ssize_t rsa, const real* b, Py_ssize_t rsb, Py_ssize_t csb,
                      real beta, real* c, Py_ssize_t rsc, Py_ssize_t csc, real* bt,
                      int nthreads) noexcept nogil:
    """Few output columns and a long K (a layer with few units): copy B^T contiguous once,
    then every C[i, j] is a dot product of contiguous rows, computed by tiles of 4 x 4 dots
    (``cg_dots_*``); threads claim ranges of rows. Needs A's rows contiguous."""
    cdef Py_ssize_t j, k, quads = (M + 3) // 4
    cdef _GemmCtx g
    for j in range(N):
        for k in range(K):
            bt[j * K + k] = b[k * rsb + j * csb]
    if nthreads > quads:
        nthreads = <int>quads
    if nthreads <= 1:
        if real is float:
            DOTS32(M, N, K, alpha, a, rsa, bt, beta, c, rsc, csc)
        else:
            DOTS64(M, N, K, alpha, a, rsa, bt, beta, c, rsc, csc)
        return
    g.M = M
    g.N = N
    g.K = K
    g.alpha = alpha
    g.beta = beta
    g.a = a
    g.rsa = rsa
    g.work = bt
    g.c = c
    g.rsc = rsc
    g.csc = csc
    parallel_for(_dots_task if real is float else _dots_task64, &g, quads,
                 n_tasks(quads, 2, nthreads), nthreads)


cdef void _pack_task(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``gemm``'s parallel packing of B slivers ``[lo, hi)`` (float32)."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    _pack_b(<float*>g.work, <const float*>g.b + g.pc * g.rsb + g.jc * g.csb, g.rsb, g.csb,
            g.kc, g.nc, g.nr, lo, hi)


cdef void _pack_task64(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``gemm``'s parallel packing of B slivers ``[lo, hi)`` (float64)."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    _pack_b(<double*>g.work, <const double*>g.b + g.pc * g.rsb + g.jc * g.csb, g.rsb, g.csb,
            g.kc, g.nc, g.nr, lo, hi)


cdef void _block_task(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``gemm``'s parallel body: MC blocks ``[lo, hi)``, A packed in the slot's buffer."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    cdef Py_ssize_t blk
    for blk in range(lo, hi):
        _block(blk * g.mc, _min(g.mc, g.M - blk * g.mc), g.jc, g.nc, g.pc, g.kc,
               <float>g.alpha, <const float*>g.a, g.rsa, g.csa, <float*>g.work,
               <float*>g.work + g.bsz + slot * g.asz, <float*>g.c, g.rsc, g.csc, g.nr, g.acc)


cdef void _block_task64(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``gemm``'s parallel body: MC blocks ``[lo, hi)``, A packed in the slot's buffer."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    cdef Py_ssize_t blk
    for blk in range(lo, hi):
        _block(blk * g.mc, _min(g.mc, g.M - blk * g.mc), g.jc, g.nc, g.pc, g.kc,
               g.alpha, <const double*>g.a, g.rsa, g.csa, <double*>g.work,
               <double*>g.work + g.bsz + slot * g.asz, <double*>g.c, g.rsc, g.csc, g.nr,
               g.acc)


cdef void gemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, real alpha, const real* a,
               Py_ssize_t rsa, Py_ssize_t csa, const real* b, Py_ssize_t rsb, Py_ssize_t csb,
               real beta, real* c, Py_ssize_t rsc, Py_ssize_t csc, int nthreads,
               real* work) noexcept nogil:
    """C = alpha*A@B + beta*C (element strides); ``work`` holds ``gemm_work_size`` reals."""
    cdef int nr = NR32 if real is float else NR64
    cdef int nr_narrow = NR32_NARROW if real is float else NR64_NARROW
    cdef Py_ssize_t jc, pc, nc, kc, blk, nblk, mc_eff, i, j, nsl, bsz, asz
    cdef int acc
    if M == 0 or N == 0:
        return
    if beta != 0 and beta != 1:
        for i in range(M):
            for j in range(N):
                c[i * rsc + j * csc] *= beta
    if K == 0:
        if beta == 0:
            for i in range(M):
                for j in range(N):
                    c[i * rsc + j * csc] = 0
        return
    _work_sizes(M, N, K, nr, &bsz, &asz)
    cdef int tile = MR
    if N <= nr_narrow:
        nr = nr_narrow
        tile = MR_NARROW
    mc_eff = _min(MC, _round_up((M + nthreads - 1) // nthreads, tile))
    nblk = (M + mc_eff - 1) // mc_eff
    if nthreads > 1:
        # equal blocks, a whole number per thread: 768 rows on 2 threads run as 6 blocks of
        # 128 rather than 5 of 144 and one of 48 (one thread would do 432 rows, the other 336)
        nblk = _round_up(nblk, nthreads)
        mc_eff = _round_up((M + nblk - 1) // nblk, tile)
        nblk = (M + mc_eff - 1) // mc_eff
    if nthreads > nblk:
        nthreads = <int>nblk
    cdef Py_ssize_t jci, pci
    cdef _GemmCtx g
    g.M = M
    g.mc = mc_eff
    g.alpha = alpha
    g.a = a
    g.rsa = rsa
    g.csa = csa
    g.b = b
    g.rsb = rsb
    g.csb = csb
    g.work = work
    g.bsz = bsz
    g.asz = asz
    g.c = c
    g.rsc = rsc
    g.csc = csc
    g.nr = nr
    for jci in range((N + NC - 1) // NC):
        jc = jci * NC
        nc = _min(NC, N - jc)
        nsl = (nc + nr - 1) // nr
        for pci in range((K + KC - 1) // KC):
            pc = pci * KC
            kc = _min(KC, K - pc)
            acc = pc > 0 or beta != 0
            if nthreads > 1:
                g.jc = jc
                g.nc = nc
                g.pc = pc
                g.kc = kc
                g.acc = acc
                parallel_for(_pack_task if real is float else _pack_task64, &g, nsl,
                             n_tasks(nsl, 8, nthreads), nthreads)
                parallel_for(_block_task if real is float else _block_task64, &g, nblk,
                             nblk, nthreads)
            else:
                _pack_b(work, b + pc * rsb + jc * csb, rsb, csb, kc, nc, nr, 0, nsl)
                for blk in range(nblk):
                    _block(blk * mc_eff, _min(mc_eff, M - blk * mc_eff), jc, nc, pc, kc, alpha,
                           a, rsa, csa, work, work + bsz, c, rsc, csc, nr, acc)


# ------------------------------------------------------------------ direct loops
cdef void small_gemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, real alpha, const real* a,
                     Py_ssize_t rsa, Py_ssize_t csa, const real* b, Py_ssize_t rsb,
                     Py_ssize_t csb, real beta, real* c, Py_ssize_t rsc,
                     Py_ssize_t csc) noexcept nogil:
    """Row-by-row axpy form (vectorised along contiguous rows of B and C)."""
    cdef Py_ssize_t i, j, k
    cdef real av
    cdef real* crow
    cdef const real* brow
    for i in range(M):
        crow = c + i * rsc
        if beta == 0:
            for j in range(N):
                crow[j * csc] = 0
        elif beta != 1:
            for j in range(N):
                crow[j * csc] *= beta
        for k in range(K):
            av = alpha * a[i * rsa + k * csa]
            brow = b + k * rsb
            if csc == 1 and csb == 1:
                for j in range(N):
                    crow[j] += av * brow[j]
            else:
                for j in range(N):
                    crow[j * csc] += av * brow[j * csb]


cdef real _dotk(Py_ssize_t n, const real* x, Py_ssize_t sx, const real* y,
              Py_ssize_t sy) noexcept nogil:
    """Dot product with 8 independent accumulators (vectorisable, and more accurate)."""
    cdef real r[8]
    cdef real s = 0
    cdef Py_ssize_t i, j, nb = n // 8
    for j in range(8):
        r[j] = 0
    if sx == 1 and sy == 1:
        for i in range(nb):
            for j in range(8):
                r[j] += x[i * 8 + j] * y[i * 8 + j]
    else:
        for i in range(nb):
            for j in range(8):
                r[j] += x[(i * 8 + j) * sx] * y[(i * 8 + j) * sy]
    for i in range(nb * 8, n):
        s += x[i * sx] * y[i * sy]
    return s + ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))


cdef void int_gemm(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const integer* a, Py_ssize_t rsa,
                   Py_ssize_t csa, const integer* b, Py_ssize_t rsb, Py_ssize_t csb, integer* c,
                   Py_ssize_t rsc, Py_ssize_t csc, int64_t alpha, int64_t beta) noexcept nogil:
    """Exact integer product (wrapping like PyTorch), C = alpha*A@B + beta*C."""
    cdef Py_ssize_t i, j, k
    cdef int64_t s
    for i in range(M):
        for j in range(N):
            s = 0
            for k in range(K):
                s += <int64_t>a[i * rsa + k * csa] * <int64_t>b[k * rsb + j * csb]
            if beta == 0:
                c[i * rsc + j * csc] = <integer>(alpha * s)
            else:
                c[i * rsc + j * csc] = <integer>(alpha * s + beta * c[i * rsc + j * csc])


cdef void one_product(real* work, int nthreads, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                      real alpha, const real* a, Py_ssize_t rsa, Py_ssize_t csa, const real* b,
                      Py_ssize_t rsb, Py_ssize_t csb, real beta, real* c, Py_ssize_t rsc,
                      Py_ssize_t csc) noexcept nogil:
    """Pick the loop for one C = alpha*A@B + beta*C."""
    cdef Py_ssize_t i, j
    cdef real* cp
    cdef int rows_max = NR64_NARROW
    if real is float:
        rows_max = NR32_NARROW
    if N == 1 and M * K > 0:         # matrix-vector: dots along the rows of A
        for i in range(M):
            cp = c + i * rsc
            cp[0] = alpha * _dotk(K, a + i * rsa, csa, b, rsb) + (beta * cp[0] if beta != 0 else 0)
    elif M * N * K <= SMALL or work == NULL:
        small_gemm(M, N, K, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
    elif csa == 1 and (N <= NARROW or (N <= DOTS_N and K >= DOTS_K
                                       and N * K * sizeof(real) <= DOTS_BYTES)):
        narrow_gemm(M, N, K, alpha, a, rsa, b, rsb, csb, beta, c, rsc, csc, work, nthreads)
    elif ISA == 2 and csa == 1 and N <= rows_max and M * N * K <= ROWS_MAX_WORK:
        rows_gemm(M, N, K, alpha, a, rsa, b, rsb, csb, beta, c, rsc, csc, work)
    else:
        gemm(M, N, K, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc, nthreads, work)


cdef Py_ssize_t product_work_size(int dt, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                                  int nthreads) noexcept nogil:
    """Reals of workspace ``product`` needs for an M x N x K product on ``nthreads``."""
    return gemm_work_size(M, N, K, nthreads, dt)


cdef void product(int dt, int nthreads, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                  double alpha, const void* a, Py_ssize_t rsa, Py_ssize_t csa, const void* b,
                  Py_ssize_t rsb, Py_ssize_t csb, double beta, void* c, Py_ssize_t rsc,
                  Py_ssize_t csc, void* work) noexcept nogil:
    """``one_product`` for a float32 or float64 ``dt``, on one thread below the parallel
    threshold."""
    if <double>M * N * K < PARALLEL_MIN:
        nthreads = 1
    if dt == DT_FLOAT32:
        one_product[float](<float*>work, nthreads, M, N, K, <float>alpha, <const float*>a,
                           rsa, csa, <const float*>b, rsb, csb, <float>beta, <float*>c, rsc,
                           csc)
    else:
        one_product[double](<double*>work, nthreads, M, N, K, alpha, <const double*>a, rsa,
                            csa, <const double*>b, rsb, csb, beta, <double*>c, rsc, csc)


# ------------------------------------------------------------------ a right operand packed once
# A recurrent layer multiplies a small state by the same weight matrix at every time step.
# Packing that matrix once per sequence (every KC slice and NC panel, in the micro-kernel's
# layout) leaves each step only the packing of its small left operand.
cdef Py_ssize_t packed_b_size(int dt, Py_ssize_t K, Py_ssize_t N) noexcept nogil:
    """Reals needed by ``pack_b_whole`` for a K x N matrix."""
    return K * _round_up(N, NR32 if dt == DT_FLOAT32 else NR64) + 1


cdef void _pack_whole(real* dst, const real* b, Py_ssize_t rsb, Py_ssize_t csb, Py_ssize_t K,
                      Py_ssize_t N, int nr) noexcept nogil:
    cdef Py_ssize_t pc, jc, kc, nc, pci, jci, npad = _round_up(N, nr)
    for pci in range((K + KC - 1) // KC):
        pc = pci * KC
        kc = _min(KC, K - pc)
        for jci in range((N + NC - 1) // NC):
            jc = jci * NC
            nc = _min(NC, N - jc)
            _pack_b(dst + pc * npad + jc * kc, b + pc * rsb + jc * csb, rsb, csb, kc, nc, nr,
                    0, (nc + nr - 1) // nr)


cdef void pack_b_whole(int dt, void* dst, const void* b, Py_ssize_t rsb, Py_ssize_t csb,
                       Py_ssize_t K, Py_ssize_t N) noexcept nogil:
    """Pack the K x N matrix ``b`` (element strides) into ``dst`` for ``gemm_packed_b``."""
    if dt == DT_FLOAT32:
        _pack_whole(<float*>dst, <const float*>b, rsb, csb, K, N, NR32)
    else:
        _pack_whole(<double*>dst, <const double*>b, rsb, csb, K, N, NR64)


cdef void _packed_part(real* ap, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const real* a,
                       Py_ssize_t rsa, Py_ssize_t csa, const real* bp, bint accumulate,
                       real* c, Py_ssize_t rsc, Py_ssize_t csc, int nr, Py_ssize_t s0,
                       Py_ssize_t s1) noexcept nogil:
    """Column slivers ``s0..s1`` (``nr`` wide) of C (+)= A @ B, B packed by ``_pack_whole``;
    ``ap`` holds one packed MC x KC block of A."""
    cdef Py_ssize_t pc, kc, ic, mc, s, jr, jc, ir, pci, ici, iri, npad = _round_up(N, nr)
    cdef int acc
    if s0 >= s1:
        return
    for pci in range((K + KC - 1) // KC):
        pc = pci * KC
        kc = _min(KC, K - pc)
        acc = pc > 0 or accumulate
        for ici in range((M + MC - 1) // MC):
            ic = ici * MC
            mc = _min(MC, M - ic)
            _pack_a(ap, a + ic * rsa + pc * csa, rsa, csa, mc, kc, 1, MR)
            for s in range(s0, s1):
                jr = s * nr
                jc = jr // NC * NC
                for iri in range((mc + MR - 1) // MR):
                    ir = iri * MR
                    _kernel(kc, ap + ir * kc, bp + pc * npad + jc * kc + (jr - jc) * kc,
                            c + (ic + ir) * rsc + jr * csc, rsc, csc, <int>_min(MR, mc - ir),
                            <int>_min(nr, N - jr), acc, False)


cdef Py_ssize_t packed_a_size(int dt, Py_ssize_t M, Py_ssize_t K) noexcept nogil:
    """Reals of workspace per thread for ``gemm_packed_b``."""
    return _min(MC, _round_up(M, MR)) * _min(KC, K) + 1


cdef void gemm_packed_b(int dt, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const void* a,
                        Py_ssize_t rsa, Py_ssize_t csa, const void* bp, bint accumulate,
                        void* c, Py_ssize_t rsc, Py_ssize_t csc, void* work,
                        int nthreads) noexcept nogil:
    """C = A @ B (``accumulate``: C += A @ B) with B packed by ``pack_b_whole``; ``work``
    holds ``nthreads * packed_a_size`` reals. Threads split the columns (a recurrent step
    has few rows and many columns)."""
    cdef int nr = NR32 if dt == DT_FLOAT32 else NR64
    cdef Py_ssize_t nsl = (N + nr - 1) // nr, per = packed_a_size(dt, M, K), t, i, j
    if M == 0 or N == 0:
        return
    if K == 0:
        if not accumulate:
            for i in range(M):
                for j in range(N):
                    if dt == DT_FLOAT32:
                        (<float*>c)[i * rsc + j * csc] = 0
                    else:
                        (<double*>c)[i * rsc + j * csc] = 0
        return
    if <double>M * N * K < PARALLEL_MIN or nsl < 2:
        nthreads = 1
    if nthreads > nsl:
        nthreads = <int>nsl
    if nthreads == 1:
        if dt == DT_FLOAT32:
            _packed_part(<float*>work, M, N, K, <const float*>a, rsa, csa, <const float*>bp,
                         accumulate, <float*>c, rsc, csc, nr, 0, nsl)
        else:
            _packed_part(<double*>work, M, N, K, <const double*>a, rsa, csa,
                         <const double*>bp, accumulate, <double*>c, rsc, csc, nr, 0, nsl)
        return
    cdef _GemmCtx g
    g.M = M
    g.N = N
    g.K = K
    g.a = a
    g.rsa = rsa
    g.csa = csa
    g.b = bp
    g.acc = accumulate
    g.c = c
    g.rsc = rsc
    g.csc = csc
    g.work = work
    g.asz = per
    g.nr = nr
    parallel_for(_packed_task if dt == DT_FLOAT32 else _packed_task64, &g, nsl,
                 n_tasks(nsl, 4, nthreads), nthreads)


cdef void _packed_task(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``gemm_packed_b``'s parallel body: column slivers ``[lo, hi)`` (float32)."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    _packed_part(<float*>g.work + slot * g.asz, g.M, g.N, g.K, <const float*>g.a, g.rsa,
                 g.csa, <const float*>g.b, g.acc, <float*>g.c, g.rsc, g.csc, g.nr, lo, hi)


cdef void _packed_task64(void* ctx, Py_ssize_t lo, Py_ssize_t hi, int slot) noexcept nogil:
    """``gemm_packed_b``'s parallel body: column slivers ``[lo, hi)`` (float64)."""
    cdef _GemmCtx* g = <_GemmCtx*>ctx
    _packed_part(<double*>g.work + slot * g.asz, g.M, g.N, g.K, <const double*>g.a, g.rsa,
                 g.csa, <const double*>g.b, g.acc, <double*>g.c, g.rsc, g.csc, g.nr, lo, hi)


include "_matmul_front.pxi"
