/* The GEMM micro-kernels: C[MR x NR] (+)= A_packed[kc x MR]^T . B_packed[kc x NR].
 *
 * One source, instantiated per instruction set with GCC vector extensions (the compiler
 * emits FMAs for the AVX2 and AVX-512 variants); cg_gemm_isa() picks the best variant the
 * running CPU supports, so the default build runs on any x86-64. MR is 6 everywhere; NR is two
 * vector registers wide: 16 floats / 8 doubles with AVX2, 32 / 16 with AVX-512, 8 / 4 baseline.
 * The accumulator tile (12 vector registers) stays in registers for the whole kc loop.
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

#define CG_ROW(i) c##i##a += A[k * CG_MR + i] * b0; c##i##b += A[k * CG_MR + i] * b1;
#define CG_STORE_ROW(i)                                                                 \
    if (full) {                                                                         \
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

#define CG_DEFINE_KERNEL(NAME, T, VB, ATTR)                                             \
ATTR static void NAME(Py_ssize_t kc, const T *restrict A, const T *restrict B, T *C,    \
                      Py_ssize_t rsc, Py_ssize_t csc, int m, int n, int acc)            \
{                                                                                       \
    typedef T cg_elem_t;                                                                \
    typedef T V __attribute__((vector_size(VB)));                                       \
    enum { L = VB / sizeof(T) };                                                        \
    V c0a = {0}, c0b = {0}, c1a = {0}, c1b = {0}, c2a = {0}, c2b = {0};                 \
    V c3a = {0}, c3b = {0}, c4a = {0}, c4b = {0}, c5a = {0}, c5b = {0};                 \
    T buf[CG_MR * 2 * L];                                                               \
    int full = m == CG_MR && n == 2 * L && csc == 1;                                    \
    for (Py_ssize_t k = 0; k < kc; k++) {                                               \
        V b0, b1;                                                                       \
        memcpy(&b0, B + k * 2 * L, sizeof(V));                                          \
        memcpy(&b1, B + k * 2 * L + L, sizeof(V));                                      \
        CG_ROW(0) CG_ROW(1) CG_ROW(2) CG_ROW(3) CG_ROW(4) CG_ROW(5)                     \
    }                                                                                   \
    CG_STORE_ROW(0) CG_STORE_ROW(1) CG_STORE_ROW(2)                                     \
    CG_STORE_ROW(3) CG_STORE_ROW(4) CG_STORE_ROW(5)                                     \
    if (!full) {                                                                        \
        for (int i = 0; i < m; i++)                                                     \
            for (int j = 0; j < n; j++) {                                               \
                T *c = C + i * rsc + j * csc;                                           \
                *c = acc ? *c + buf[i * 2 * L + j] : buf[i * 2 * L + j];                \
            }                                                                           \
    }                                                                                   \
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define CG_X86 1
CG_DEFINE_KERNEL(cg_kernel_f32_avx512, float, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL(cg_kernel_f64_avx512, double, 64, __attribute__((target("avx512f,avx2,fma"))))
CG_DEFINE_KERNEL(cg_kernel_f32_avx2, float, 32, __attribute__((target("avx2,fma"))))
CG_DEFINE_KERNEL(cg_kernel_f64_avx2, double, 32, __attribute__((target("avx2,fma"))))
#endif
CG_DEFINE_KERNEL(cg_kernel_f32_base, float, 16, )
CG_DEFINE_KERNEL(cg_kernel_f64_base, double, 16, )

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

static cg_kernel_f32 cg_pick_f32(int isa, int *nr)
{
#ifdef CG_X86
    if (isa == 2) { *nr = 32; return cg_kernel_f32_avx512; }
    if (isa == 1) { *nr = 16; return cg_kernel_f32_avx2; }
#endif
    *nr = 8;
    return cg_kernel_f32_base;
}

static cg_kernel_f64 cg_pick_f64(int isa, int *nr)
{
#ifdef CG_X86
    if (isa == 2) { *nr = 16; return cg_kernel_f64_avx512; }
    if (isa == 1) { *nr = 8; return cg_kernel_f64_avx2; }
#endif
    *nr = 4;
    return cg_kernel_f64_base;
}
#endif
