/* The GEMM micro-kernels: C[MR x NR] (+)= A_packed[kc x MR]^T . B_packed[kc x NR].
 *
 * One source, instantiated per instruction set with GCC vector extensions (the compiler
 * emits FMAs for the AVX2 and AVX-512 variants); cg_gemm_isa() picks the best variant the
 * running CPU supports, so the default build runs on any x86-64. MR is 6 everywhere (with 4-
 * and 2-row variants for the last tile of M); NR is two vector registers wide: 16 floats / 8
 * doubles with AVX2, 32 / 16 with AVX-512, 8 / 4 baseline. The accumulator tile (12 vector
 * registers) stays in registers for the whole kc loop.
 */
#ifndef CYGRAD_GEMM_KERNEL_H
#define CYGRAD_GEMM_KERNEL_H
#include <stddef.h>
#include <string.h>
#include <Python.h>

#define CG_MR 6

typedef void (*cg_kernel_f32)(Py_ssize_t, const float *, const float *, float *, Py_ssize_t,
                              Py_ssize_t, int, int, int);
typedef void (*cg_kernel_f64)(Py_ssize_t, const double *, const double *, double *, Py_ssize_t,
                              Py_ssize_t, int, int, int);

/* A[i, k] of the tile: from the packed sliver (k-major, MR per k) or, for a row-major A read
 * in place, from six row pointers a0..a5 (rows past m alias row 0; their results are dropped). */
#define CG_A_PACKED(i) A[k * CG_MR + i]
#define CG_A_ROWS(i) a##i[k]
#define CG_FMA(AT, i, ca, cb) { cg_elem_t ai = AT(i); ca += ai * b0; cb += ai * b1; }
#define CG_ROW(AT, i) if (i < ROWS) CG_FMA(AT, i, c##i##a, c##i##b)
#define CG_LOAD_B memcpy(&b0, B + k * 2 * L, sizeof(V)); memcpy(&b1, B + k * 2 * L + L, sizeof(V));
#define CG_STORE_ROW(i)                                                                 \
    if (i >= ROWS) {                                                                    \
    } else if (full) {                                                                  \
        V t0, t1;                                                                       \
        cg_elem_t *c = C + i * rsc;                                                     \
        if (acc) {                                                                      \
            memcpy(&t0, c, sizeof(V)); memcpy(&t1, c + L, sizeof(V));                   \
            t0 += c##i##a; t1 += c##i##b;                                               \
        } else { t0 = c##i##a; t1 = c##i##b; }                                          \
        memcpy(c, &t0, sizeof(V)); memcpy(c + L, &t1, sizeof(V));                       \
    } else {                                                                            \
        memcpy(buf + i * 2 * L, &c##i##a, sizeof(V));                                   \
        memcpy(buf + i * 2 * L + L, &c##i##b, sizeof(V));                               \
    }

/* The kc loop and the store of an R x NR tile (R = 6, 4 or 2: the edge tiles of M not a
 * multiple of 6 do a third or two thirds of the work), A read through AT. R is a constant, so
 * the rows at and past it compile away. Two rows are four accumulators, too few to hide the
 * FMA latency (4 cycles, one FMA per accumulator per k): that tile runs even and odd k into
 * two banks and adds them at the end. */
#define CG_KERNEL_BODY(T, VB, AT, R)                                                    \
    typedef T cg_elem_t;                                                                \
    typedef T V __attribute__((vector_size(VB)));                                       \
    enum { L = VB / sizeof(T), ROWS = R };                                              \
    V c0a = {0}, c0b = {0}, c1a = {0}, c1b = {0}, c2a = {0}, c2b = {0};                 \
    V c3a = {0}, c3b = {0}, c4a = {0}, c4b = {0}, c5a = {0}, c5b = {0};                 \
    T buf[CG_MR * 2 * L];                                                               \
    int full = m == R && n == 2 * L && csc == 1;                                        \
    if (ROWS == 2) {                                                                    \
        Py_ssize_t k0 = 0;                                                              \
        for (; k0 + 1 < kc; k0 += 2) {                                                  \
            V b0, b1;                                                                   \
            { Py_ssize_t k = k0; CG_LOAD_B CG_FMA(AT, 0, c0a, c0b) CG_FMA(AT, 1, c1a, c1b) } \
            { Py_ssize_t k = k0 + 1; CG_LOAD_B                                          \
              CG_FMA(AT, 0, c2a, c2b) CG_FMA(AT, 1, c3a, c3b) }                          \
        }                                                                               \
        if (k0 < kc) {                                                                  \
            V b0, b1;                                                                   \
            Py_ssize_t k = k0; CG_LOAD_B CG_FMA(AT, 0, c0a, c0b) CG_FMA(AT, 1, c1a, c1b)  \
        }                                                                               \
        c0a += c2a; c0b += c2b; c1a += c3a; c1b += c3b;                                 \
    } else {                                                                            \
        for (Py_ssize_t k = 0; k < kc; k++) {                                           \
            V b0, b1;                                                                   \
            CG_LOAD_B                                                                   \
            CG_ROW(AT, 0) CG_ROW(AT, 1) CG_ROW(AT, 2)                                   \
            CG_ROW(AT, 3) CG_ROW(AT, 4) CG_ROW(AT, 5)                                   \
        }                                                                               \
    }                                                                                   \
    CG_STORE_ROW(0) CG_STORE_ROW(1) CG_STORE_ROW(2)                                     \
    CG_STORE_ROW(3) CG_STORE_ROW(4) CG_STORE_ROW(5)                                     \
    if (!full) {                                                                        \
        for (int i = 0; i < m; i++)                                                     \
            for (int j = 0; j < n; j++) {                                               \
                T *c = C + i * rsc + j * csc;                                           \
                *c = acc ? *c + buf[i * 2 * L + j] : buf[i * 2 * L + j];                \
            }                                                                           \
    }

#define CG_DEFINE_KERNEL_R(NAME, T, VB, ATTR, R)                                        \
ATTR static void NAME(Py_ssize_t kc, const T *restrict A, const T *restrict B, T *C,    \
                      Py_ssize_t rsc, Py_ssize_t csc, int m, int n, int acc)            \
{                                                                                       \
    CG_KERNEL_BODY(T, VB, CG_A_PACKED, R)                                               \
}

/* The same tile with A row-major in place (unit column stride, row stride lda): no packing
 * of A at all, which is most of the overhead when B has few columns to reuse a packed A. */
#define CG_DEFINE_KERNEL_ROWS_A_R(NAME, T, VB, ATTR, R)                                 \
ATTR static void NAME(Py_ssize_t kc, const T *A, Py_ssize_t lda, const T *restrict B,    \
                      T *C, Py_ssize_t rsc, Py_ssize_t csc, int m, int n, int acc)      \
{                                                                                       \
    const T *a0 = A, *a1 = m > 1 ? A + lda : A, *a2 = m > 2 ? A + 2 * lda : A;          \
    const T *a3 = m > 3 ? A + 3 * lda : A, *a4 = m > 4 ? A + 4 * lda : A;               \
    const T *a5 = m > 5 ? A + 5 * lda : A;                                              \
    CG_KERNEL_BODY(T, VB, CG_A_ROWS, R)                                                 \
}

/* Each kernel in its three heights: NAME##_6, NAME##_4, NAME##_2. */
#define CG_DEFINE_KERNEL(NAME, T, VB, ATTR)                                             \
    CG_DEFINE_KERNEL_R(NAME##_6, T, VB, ATTR, 6)                                        \
    CG_DEFINE_KERNEL_R(NAME##_4, T, VB, ATTR, 4)                                        \
    CG_DEFINE_KERNEL_R(NAME##_2, T, VB, ATTR, 2)
#define CG_DEFINE_KERNEL_ROWS_A(NAME, T, VB, ATTR)                                      \
    CG_DEFINE_KERNEL_ROWS_A_R(NAME##_6, T, VB, ATTR, 6)                                 \
    CG_DEFINE_KERNEL_ROWS_A_R(NAME##_4, T, VB, ATTR, 4)                                 \
    CG_DEFINE_KERNEL_ROWS_A_R(NAME##_2, T, VB, ATTR, 2)

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define CG_X86 1
CG_DEFINE_KERNEL(cg_kernel_f32_avx512, float, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL(cg_kernel_f64_avx512, double, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL(cg_kernel_f32_avx2, float, 32, __attribute__((target("avx2,fma"))))
CG_DEFINE_KERNEL(cg_kernel_f64_avx2, double, 32, __attribute__((target("avx2,fma"))))
#endif
CG_DEFINE_KERNEL(cg_kernel_f32_base, float, 16, )
CG_DEFINE_KERNEL(cg_kernel_f64_base, double, 16, )
#ifdef CG_X86
CG_DEFINE_KERNEL_ROWS_A(cg_kernel_rows_a_f32_avx512, float, 64,
                        __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL_ROWS_A(cg_kernel_rows_a_f64_avx512, double, 64,
                        __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL_ROWS_A(cg_kernel_rows_a_f32_avx2, float, 32, __attribute__((target("avx2,fma"))))
CG_DEFINE_KERNEL_ROWS_A(cg_kernel_rows_a_f64_avx2, double, 32, __attribute__((target("avx2,fma"))))
#endif
CG_DEFINE_KERNEL_ROWS_A(cg_kernel_rows_a_f32_base, float, 16, )
CG_DEFINE_KERNEL_ROWS_A(cg_kernel_rows_a_f64_base, double, 16, )

/* 2: AVX-512, 1: AVX2 + FMA, 0: baseline. CYGRAD_GEMM_ISA=0/1/2 caps it (for tests). */
static int cg_gemm_isa(void)
{
    int isa = 0;
#ifdef CG_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa = 1;
    if (isa && __builtin_cpu_supports("avx512f")) isa = 2;
#endif
    const char *cap = getenv("CYGRAD_GEMM_ISA");
    if (cap && cap[0] >= '0' && cap[0] <= '2' && cap[0] - '0' < isa) isa = cap[0] - '0';
    return isa;
}

typedef void (*cg_kernel_rows_a_f32)(Py_ssize_t, const float *, Py_ssize_t, const float *,
                                     float *, Py_ssize_t, Py_ssize_t, int, int, int);
typedef void (*cg_kernel_rows_a_f64)(Py_ssize_t, const double *, Py_ssize_t, const double *,
                                     double *, Py_ssize_t, Py_ssize_t, int, int, int);

/* The packed-A kernels for ``isa`` (their NR in *nr) in k[0..2] and, in rows_a[0..2], their
 * twins reading a row-major A in place, always of one instruction set and width. Index
 * (m - 1) / 2 picks the lowest of the heights 2, 4, 6 that covers a tile of m rows. */
#define CG_PICK(K, RA, NAME, RNAME)                                                     \
    { K[0] = NAME##_2; K[1] = NAME##_4; K[2] = NAME##_6;                                \
      RA[0] = RNAME##_2; RA[1] = RNAME##_4; RA[2] = RNAME##_6; }

static void cg_pick_f32(int isa, int *nr, cg_kernel_f32 *k, cg_kernel_rows_a_f32 *rows_a)
{
#ifdef CG_X86
    if (isa == 2) {
        *nr = 32; CG_PICK(k, rows_a, cg_kernel_f32_avx512, cg_kernel_rows_a_f32_avx512) return;
    }
    if (isa == 1) {
        *nr = 16; CG_PICK(k, rows_a, cg_kernel_f32_avx2, cg_kernel_rows_a_f32_avx2) return;
    }
#endif
    *nr = 8;
    CG_PICK(k, rows_a, cg_kernel_f32_base, cg_kernel_rows_a_f32_base)
}

static void cg_pick_f64(int isa, int *nr, cg_kernel_f64 *k, cg_kernel_rows_a_f64 *rows_a)
{
#ifdef CG_X86
    if (isa == 2) {
        *nr = 16; CG_PICK(k, rows_a, cg_kernel_f64_avx512, cg_kernel_rows_a_f64_avx512) return;
    }
    if (isa == 1) {
        *nr = 8; CG_PICK(k, rows_a, cg_kernel_f64_avx2, cg_kernel_rows_a_f64_avx2) return;
    }
#endif
    *nr = 4;
    CG_PICK(k, rows_a, cg_kernel_f64_base, cg_kernel_rows_a_f64_base)
}

/* Narrow outputs (N <= 16 floats / 8 doubles) with AVX-512: a 12 x NR tile whose rows are a
 * single vector each (12 accumulators), so few output columns still fill the FMA units.
 * A is packed in 12-row slivers for it (CG_MR_NARROW). */
#define CG_MR_NARROW 12
#define CG_NROW(i) c##i += A[k * CG_MR_NARROW + i] * b0;
#define CG_NSTORE(i)                                                                    \
    if (full) {                                                                         \
        V t0; cg_elem_t *c = C + i * rsc;                                               \
        if (acc) { memcpy(&t0, c, sizeof(V)); t0 += c##i; } else t0 = c##i;             \
        memcpy(c, &t0, sizeof(V));                                                      \
    } else memcpy(buf + i * L, &c##i, sizeof(V));

#define CG_DEFINE_KERNEL_NARROW(NAME, T, VB, ATTR)                                      \
ATTR static void NAME(Py_ssize_t kc, const T *restrict A, const T *restrict B, T *C,    \
                      Py_ssize_t rsc, Py_ssize_t csc, int m, int n, int acc)            \
{                                                                                       \
    typedef T cg_elem_t;                                                                \
    typedef T V __attribute__((vector_size(VB)));                                       \
    enum { L = VB / sizeof(T) };                                                        \
    V c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0};                       \
    V c6 = {0}, c7 = {0}, c8 = {0}, c9 = {0}, c10 = {0}, c11 = {0};                     \
    T buf[CG_MR_NARROW * L];                                                            \
    int full = m == CG_MR_NARROW && n == L && csc == 1;                                 \
    for (Py_ssize_t k = 0; k < kc; k++) {                                               \
        V b0;                                                                           \
        memcpy(&b0, B + k * L, sizeof(V));                                              \
        CG_NROW(0) CG_NROW(1) CG_NROW(2) CG_NROW(3) CG_NROW(4) CG_NROW(5)               \
        CG_NROW(6) CG_NROW(7) CG_NROW(8) CG_NROW(9) CG_NROW(10) CG_NROW(11)             \
    }                                                                                   \
    CG_NSTORE(0) CG_NSTORE(1) CG_NSTORE(2) CG_NSTORE(3) CG_NSTORE(4) CG_NSTORE(5)       \
    CG_NSTORE(6) CG_NSTORE(7) CG_NSTORE(8) CG_NSTORE(9) CG_NSTORE(10) CG_NSTORE(11)     \
    if (!full) {                                                                        \
        for (int i = 0; i < m; i++)                                                     \
            for (int j = 0; j < n; j++) {                                               \
                T *c = C + i * rsc + j * csc;                                           \
                *c = acc ? *c + buf[i * L + j] : buf[i * L + j];                        \
            }                                                                           \
    }                                                                                   \
}

#ifdef CG_X86
CG_DEFINE_KERNEL_NARROW(cg_kernel_f32_avx512_narrow, float, 64,
                        __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL_NARROW(cg_kernel_f64_avx512_narrow, double, 64,
                        __attribute__((target("avx512f,avx2,fma"))))
#endif

/* The narrow kernel for ``isa`` (NULL when there is none: fall back to the 6-row tiles). */
static cg_kernel_f32 cg_pick_f32_narrow(int isa, int *nr)
{
#ifdef CG_X86
    if (isa == 2) { *nr = 16; return cg_kernel_f32_avx512_narrow; }
#endif
    *nr = 0;
    return NULL;
}

static cg_kernel_f64 cg_pick_f64_narrow(int isa, int *nr)
{
#ifdef CG_X86
    if (isa == 2) { *nr = 8; return cg_kernel_f64_avx512_narrow; }
#endif
    *nr = 0;
    return NULL;
}
/* Narrow products without packing A: C[i, 0:n] = sum_k A[i, k] * Bp[k, :] for rows of A
 * read in place (unit column stride), four rows at a time against one vector of B per k.
 * Bp is B packed K x L (L = one vector, zero-padded beyond n). acc: add into C. */
#define CG_DEFINE_ROWS(NAME, T, VB, ATTR)                                               \
ATTR static void NAME(Py_ssize_t M, Py_ssize_t K, const T *A, Py_ssize_t rsa,           \
                      const T *Bp, T *C, Py_ssize_t rsc, Py_ssize_t csc, int n, int acc) \
{                                                                                       \
    typedef T V __attribute__((vector_size(VB)));                                       \
    enum { L = VB / sizeof(T) };                                                        \
    T buf[4 * L];                                                                       \
    for (Py_ssize_t i = 0; i < M; i += 4) {                                             \
        int rows = M - i < 4 ? (int)(M - i) : 4;                                        \
        const T *a0 = A + i * rsa;                                                      \
        const T *a1 = rows > 1 ? a0 + rsa : a0;                                         \
        const T *a2 = rows > 2 ? a0 + 2 * rsa : a0;                                     \
        const T *a3 = rows > 3 ? a0 + 3 * rsa : a0;                                     \
        V c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, b;                                    \
        for (Py_ssize_t k = 0; k < K; k++) {                                            \
            memcpy(&b, Bp + k * L, sizeof(V));                                          \
            c0 += a0[k] * b; c1 += a1[k] * b; c2 += a2[k] * b; c3 += a3[k] * b;         \
        }                                                                               \
        memcpy(buf, &c0, sizeof(V)); memcpy(buf + L, &c1, sizeof(V));                   \
        memcpy(buf + 2 * L, &c2, sizeof(V)); memcpy(buf + 3 * L, &c3, sizeof(V));       \
        for (int r = 0; r < rows; r++)                                                  \
            for (int j = 0; j < n; j++) {                                               \
                T *c = C + (i + r) * rsc + j * csc;                                     \
                *c = acc ? *c + buf[r * L + j] : buf[r * L + j];                        \
            }                                                                           \
    }                                                                                   \
}

/* Products with few output columns and a long K, as dot products: C[i, j] = alpha * A[i, :] .
 * Bt[j, :] + beta * C[i, j] for rows of A read in place (unit column stride) and B transposed
 * to contiguous rows Bt (N x K). Tiles of 4 rows x 4 columns keep 16 vector accumulators
 * (8 loads per 16 FMAs); each is summed across its lanes once per tile (a plain loop over
 * the lanes measured faster here than folding halves through narrower vector types). Rows and columns
 * past the edge alias the tile's first one and their results are dropped. beta == 0 never
 * reads C. */
#define CG_DOTS_ACC(r, c) V s##r##c = {0};
#define CG_DOTS_ROW(r) CG_DOTS_ACC(r, 0) CG_DOTS_ACC(r, 1) CG_DOTS_ACC(r, 2) CG_DOTS_ACC(r, 3)
#define CG_DOTS_FMA(r) s##r##0 += x##r * y0; s##r##1 += x##r * y1;                         \
                       s##r##2 += x##r * y2; s##r##3 += x##r * y3;
#define CG_DOTS_SUM(r, c) { cg_dots_t t = 0; for (int l = 0; l < L; l++) t += s##r##c[l];     \
                            for (Py_ssize_t k = kv; k < K; k++) t += a##r[k] * b##c[k];       \
                            out[r][c] = t; }
#define CG_DOTS_SUMROW(r) CG_DOTS_SUM(r, 0) CG_DOTS_SUM(r, 1) CG_DOTS_SUM(r, 2) CG_DOTS_SUM(r, 3)
#define CG_DEFINE_DOTS(NAME, T, VB, ATTR)                                               \
ATTR static void NAME(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, T alpha, const T *A,     \
                      Py_ssize_t rsa, const T *Bt, T beta, T *C, Py_ssize_t rsc,         \
                      Py_ssize_t csc)                                                    \
{                                                                                       \
    typedef T V __attribute__((vector_size(VB)));                                       \
    typedef T cg_dots_t;                                                                \
    enum { L = VB / sizeof(T) };                                                        \
    Py_ssize_t kv = K / L * L;                                                          \
    T out[4][4];                                                                        \
    for (Py_ssize_t i = 0; i < M; i += 4) {                                             \
        int rows = M - i < 4 ? (int)(M - i) : 4;                                        \
        const T *a0 = A + i * rsa;                                                      \
        const T *a1 = rows > 1 ? a0 + rsa : a0;                                         \
        const T *a2 = rows > 2 ? a0 + 2 * rsa : a0;                                     \
        const T *a3 = rows > 3 ? a0 + 3 * rsa : a0;                                     \
        for (Py_ssize_t j = 0; j < N; j += 4) {                                         \
            int cols = N - j < 4 ? (int)(N - j) : 4;                                    \
            const T *b0 = Bt + j * K;                                                   \
            const T *b1 = cols > 1 ? b0 + K : b0;                                       \
            const T *b2 = cols > 2 ? b0 + 2 * K : b0;                                   \
            const T *b3 = cols > 3 ? b0 + 3 * K : b0;                                   \
            CG_DOTS_ROW(0) CG_DOTS_ROW(1) CG_DOTS_ROW(2) CG_DOTS_ROW(3)                 \
            for (Py_ssize_t k = 0; k < kv; k += L) {                                    \
                V x0, x1, x2, x3, y0, y1, y2, y3;                                       \
                memcpy(&y0, b0 + k, VB); memcpy(&y1, b1 + k, VB);                       \
                memcpy(&y2, b2 + k, VB); memcpy(&y3, b3 + k, VB);                       \
                memcpy(&x0, a0 + k, VB); memcpy(&x1, a1 + k, VB);                       \
                memcpy(&x2, a2 + k, VB); memcpy(&x3, a3 + k, VB);                       \
                CG_DOTS_FMA(0) CG_DOTS_FMA(1) CG_DOTS_FMA(2) CG_DOTS_FMA(3)             \
            }                                                                           \
            CG_DOTS_SUMROW(0) CG_DOTS_SUMROW(1) CG_DOTS_SUMROW(2) CG_DOTS_SUMROW(3)     \
            for (int r = 0; r < rows; r++)                                              \
                for (int c = 0; c < cols; c++) {                                        \
                    T *cp = C + (i + r) * rsc + (j + c) * csc;                          \
                    *cp = beta == 0 ? alpha * out[r][c] : alpha * out[r][c] + beta * *cp; \
                }                                                                       \
        }                                                                               \
    }                                                                                   \
}

#ifdef CG_X86
CG_DEFINE_DOTS(cg_dots_f32_avx512, float, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_DOTS(cg_dots_f64_avx512, double, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_DOTS(cg_dots_f32_avx2, float, 32, __attribute__((target("avx2,fma"))))
CG_DEFINE_DOTS(cg_dots_f64_avx2, double, 32, __attribute__((target("avx2,fma"))))
#endif
CG_DEFINE_DOTS(cg_dots_f32_base, float, 16, )
CG_DEFINE_DOTS(cg_dots_f64_base, double, 16, )

typedef void (*cg_dots_f32)(Py_ssize_t, Py_ssize_t, Py_ssize_t, float, const float *,
                            Py_ssize_t, const float *, float, float *, Py_ssize_t, Py_ssize_t);
typedef void (*cg_dots_f64)(Py_ssize_t, Py_ssize_t, Py_ssize_t, double, const double *,
                            Py_ssize_t, const double *, double, double *, Py_ssize_t,
                            Py_ssize_t);

static cg_dots_f32 cg_pick_dots_f32(int isa)
{
#ifdef CG_X86
    if (isa == 2) return cg_dots_f32_avx512;
    if (isa == 1) return cg_dots_f32_avx2;
#endif
    return cg_dots_f32_base;
}

static cg_dots_f64 cg_pick_dots_f64(int isa)
{
#ifdef CG_X86
    if (isa == 2) return cg_dots_f64_avx512;
    if (isa == 1) return cg_dots_f64_avx2;
#endif
    return cg_dots_f64_base;
}

#ifdef CG_X86
CG_DEFINE_ROWS(cg_rows_f32_avx512, float, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_ROWS(cg_rows_f64_avx512, double, 64, __attribute__((target("avx512f,avx2,fma"))))
#endif
#endif
