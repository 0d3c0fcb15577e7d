/* Branch-free float32 exp that GCC vectorises (the libm call it replaces does not).
 *
 * Cephes' expf: x = k*ln2 + r with |r| <= ln2/2, exp(r) by a degree-6 polynomial, then a
 * scale by 2^k built from exponent bits in two halves so results down to the denormal range
 * stay right. Accuracy: within 2 ulp of the correctly rounded result over the whole range;
 * exp(NaN) = NaN, exp(+inf) = inf, exp(-inf) = 0.
 */
#ifndef CYGRAD_VECMATH_H
#define CYGRAD_VECMATH_H
#include <stdint.h>
#include <string.h>
#include <math.h>

static inline float cg_bits_to_float(int32_t i) { float f; memcpy(&f, &i, 4); return f; }

static inline float cg_expf(float x)
{
    const float hi = 88.72283935546875f, lo = -103.97208404541015625f;
    float xc = x > hi ? hi : x;
    xc = xc < lo ? lo : xc;
    /* round x*log2(e) to the nearest integer by the 1.5*2^23 trick (vectorises everywhere) */
    float k = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - k * 0.693359375f - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t ki = (int32_t)k;
    int32_t k1 = ki / 2, k2 = ki - k1;
    float res = p * cg_bits_to_float((k1 + 127) << 23) * cg_bits_to_float((k2 + 127) << 23);
    res = x > hi ? INFINITY : res;
    return x < lo ? 0.0f : res;
}

static inline float cg_sigmoidf(float x)
{
    return 1.0f / (1.0f + cg_expf(-x));
}
static inline double cg_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Branch-free float32 tanh (Cephes' tanhf): an odd polynomial below |x| = 0.625, else
 * 1 - 2 / (exp(2|x|) + 1) with the vector exp, both computed and one selected so that loops
 * vectorise. About 2 ulp; tanh(+-inf) = +-1, tanh(NaN) = NaN, tanh(-0) = -0. */
static inline float cg_tanhf(float x)
{
    float a = fabsf(x);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    float big = 1.0f - 2.0f / (cg_expf(2.0f * a) + 1.0f);
    float r = a < 0.625f ? small : big;
    return a != a ? x : copysignf(r, x);      /* odd: the sign of x, -0 included */
}

/* Contiguous loops compiled for several instruction sets, chosen at load time by the CPU
 * (GCC's target_clones): the default build stays runnable on any x86-64. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define CG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CG_CLONES
#endif

CG_CLONES static void cg_expf_contig(Py_ssize_t n, float *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_expf(x[i]);
}

CG_CLONES static void cg_tanhf_contig(Py_ssize_t n, float *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_tanhf(x[i]);
}

CG_CLONES static void cg_sigmoidf_contig(Py_ssize_t n, float *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_sigmoidf(x[i]);
}

/* erf in float32, branch-free so that loops over it vectorise: below |x| = 0.75,
 * x + x * (c0 - 1 + t * P(t)) with t = x * x (x itself added last, exactly); above,
 * 1 - exp(-x^2) * Q(1/|x|) / |x| with Q a polynomial in 1/|x| - 0.625 fitted to
 * erfc(a) * exp(a^2) * a on [0.75, 4] (past 4 erf rounds to +-1). Max error 1.5 ulp against
 * a float64 reference (tests/core/test_elementwise.py). NaN passes through. */
static inline float cg_erff(float x)
{
    float ax = fabsf(x), t = x * x;
    float p = -1.203954119e-05f;
    p = p * t + 1.183932751e-04f;
    p = p * t + -8.540054382e-04f;
    p = p * t + 5.223810352e-03f;
    p = p * t + -2.686615383e-02f;
    p = p * t + 1.128379160e-01f;
    p = p * t + -3.761263890e-01f;
    float small = x + x * (1.283791671e-01f + t * p);
    float a = ax < 0.75f ? 0.75f : (ax > 4.0f ? 4.0f : ax);
    float u = 1.0f / a, v = u - 0.625f;
    float q = -1.872854836e-03f;
    q = q * v + -3.336502596e-03f;
    q = q * v + 2.472239759e-02f;
    q = q * v + -4.589579208e-02f;
    q = q * v + 4.634176556e-02f;
    q = q * v + -2.500000716e-02f;
    q = q * v + -1.017810686e-02f;
    q = q * v + 4.964747466e-02f;
    q = q * v + -7.803639055e-02f;
    q = q * v + 7.210065155e-02f;
    q = q * v + -1.294555825e-03f;
    q = q * v + -1.715856386e-01f;
    q = q * v + 4.895247877e-01f;
    float large = copysignf(1.0f - cg_expf(-a * a) * (q * u), x);
    float r = ax < 0.75f ? small : large;
    return x != x ? x : copysignf(r, x);
}
CG_CLONES static void cg_erff_contig(Py_ssize_t n, float *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_erff(x[i]);
}

/* GELU, exact form: x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)), and its derivative
 * Phi(x) + x * phi(x), for F.gelu's forward and backward (one pass each). */
static inline float cg_geluf(float x)
{
    return 0.5f * x * (1.0f + cg_erff(x * 0.70710678118654752f));
}
static inline double cg_gelu(double x)
{
    return 0.5 * x * (1.0 + erf(x * 0.70710678118654752));
}
static inline float cg_gelu_gradf(float x)
{
    return 0.5f * (1.0f + cg_erff(x * 0.70710678118654752f)) +
           x * cg_expf(-0.5f * x * x) * 0.39894228040143268f;
}
static inline double cg_gelu_grad(double x)
{
    return 0.5 * (1.0 + erf(x * 0.70710678118654752)) +
           x * exp(-0.5 * x * x) * 0.39894228040143268;
}
CG_CLONES static void cg_geluf_contig(Py_ssize_t n, float *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_geluf(x[i]);
}
CG_CLONES static void cg_gelu_gradf_contig(Py_ssize_t n, float *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_gelu_gradf(x[i]);
}

/* o[i] = exp(a * x[i] - b): the exponent pass of a softmax row (b the row's maximum of
 * a * x, so every term is in [0, 1]). */
CG_CLONES static void cg_exp_affine_f32(Py_ssize_t n, float *o, const float *x, float a,
                                        float b)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_expf(a * x[i] - b);
}
/* Contiguous max/min folds with NaN propagation, 8 lanes of GCC vector extensions (NumPy and
 * PyTorch semantics: any NaN makes the result NaN). n >= 1. */
#define CG_FOLD_EXTREMUM(NAME, T, IT, CMP)                                              \
CG_CLONES static T NAME(const T *x, Py_ssize_t n)                                       \
{                                                                                       \
    typedef T vT __attribute__((vector_size(8 * sizeof(T))));                           \
    typedef IT vI __attribute__((vector_size(8 * sizeof(T))));                          \
    Py_ssize_t i = 0;                                                                   \
    T best = x[0];                                                                      \
    int nan = x[0] != x[0];                                                             \
    if (n >= 16) {                                                                      \
        vT m, v;                                                                        \
        vI isnan = {0}, mask;                                                           \
        memcpy(&m, x, sizeof(vT));                                                      \
        for (i = 8; i + 8 <= n; i += 8) {                                               \
            memcpy(&v, x + i, sizeof(vT));                                              \
            mask = v CMP m;                                                             \
            m = (vT)(((vI)v & mask) | ((vI)m & ~mask));                                 \
            isnan |= (v != v);                                                          \
        }                                                                               \
        best = m[0];                                                                    \
        for (int j = 0; j < 8; j++) {                                                   \
            best = m[j] CMP best ? m[j] : best;                                         \
            nan |= isnan[j] != 0 || m[j] != m[j];                                       \
        }                                                                               \
    }                                                                                   \
    for (; i < n; i++) {                                                                \
        best = x[i] CMP best ? x[i] : best;                                             \
        nan |= x[i] != x[i];                                                            \
    }                                                                                   \
    return nan ? (T)NAN : best;                                                         \
}

CG_FOLD_EXTREMUM(cg_fold_max_f32, float, int32_t, >)
CG_FOLD_EXTREMUM(cg_fold_min_f32, float, int32_t, <)
CG_FOLD_EXTREMUM(cg_fold_max_f64, double, int64_t, >)
CG_FOLD_EXTREMUM(cg_fold_min_f64, double, int64_t, <)
/* o[i] += x[i]: float32 rows into a float64 accumulator (outer-dim float32 sums). */
CG_CLONES static void cg_accumulate_f32_f64(Py_ssize_t n, double *o, const float *x)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] += x[i];
}
/* Sum of float32 values accumulated in float64 (4 x 4 lanes): accurate without pairwise
 * recursion and, with the AVX2 clone, as fast as the memory. The vectors are 256 bits wide:
 * GCC's AVX2 code for 512-bit generic vectors keeps the accumulators on the stack (measured
 * 5x slower), and 256-bit ones cost the AVX-512 clone nothing that matters here. */
CG_CLONES static double cg_sum_f32(const float *x, Py_ssize_t n)
{
    typedef double v4d __attribute__((vector_size(32)));
    typedef float v4f __attribute__((vector_size(16)));
    v4d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    v4f f0, f1, f2, f3;
    Py_ssize_t i = 0;
    for (; i + 16 <= n; i += 16) {
        memcpy(&f0, x + i, 16); memcpy(&f1, x + i + 4, 16);
        memcpy(&f2, x + i + 8, 16); memcpy(&f3, x + i + 12, 16);
        a0 += __builtin_convertvector(f0, v4d); a1 += __builtin_convertvector(f1, v4d);
        a2 += __builtin_convertvector(f2, v4d); a3 += __builtin_convertvector(f3, v4d);
    }
    v4d t = (a0 + a1) + (a2 + a3);
    double s = (t[0] + t[1]) + (t[2] + t[3]);
    for (; i < n; i++) s += x[i];
    return s;
}
/* Dot products of contiguous vectors with 4 vector accumulators of 256 bits (narrow matrix
 * products, softmax and layer-norm rows). */
#define CG_DOT(NAME, T)                                                                 \
CG_CLONES static T NAME(const T *x, const T *y, Py_ssize_t n)                           \
{                                                                                       \
    typedef T vT __attribute__((vector_size(32)));                                      \
    enum { L = 32 / sizeof(T) };                                                        \
    vT a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, u0, u1, u2, u3, w0, w1, w2, w3;          \
    Py_ssize_t i = 0;                                                                   \
    for (; i + 4 * L <= n; i += 4 * L) {                                                \
        memcpy(&u0, x + i, 32); memcpy(&w0, y + i, 32);                                 \
        memcpy(&u1, x + i + L, 32); memcpy(&w1, y + i + L, 32);                         \
        memcpy(&u2, x + i + 2 * L, 32); memcpy(&w2, y + i + 2 * L, 32);                 \
        memcpy(&u3, x + i + 3 * L, 32); memcpy(&w3, y + i + 3 * L, 32);                 \
        a0 += u0 * w0; a1 += u1 * w1; a2 += u2 * w2; a3 += u3 * w3;                     \
    }                                                                                   \
    for (; i + L <= n; i += L) {                                                        \
        memcpy(&u0, x + i, 32); memcpy(&w0, y + i, 32);                                 \
        a0 += u0 * w0;                                                                  \
    }                                                                                   \
    a0 = (a0 + a1) + (a2 + a3);                                                         \
    T s = 0;                                                                            \
    for (int j = 0; j < L; j++) s += a0[j];                                             \
    for (; i < n; i++) s += x[i] * y[i];                                                \
    return s;                                                                           \
}
CG_DOT(cg_dot_f32, float)
CG_DOT(cg_dot_f64, double)
/* Layer normalisation of float32 rows [r0, r1) of M elements (see _norm.pyx): the row sum in
 * float64 lanes, the deviations written to the output, their mean square (a vector dot), then
 * one pass that scales and applies the optional weight and bias. */
CG_CLONES static void cg_layer_norm_rows_f32(const float *x, float *o, float *mean,
                                             float *rstd, const float *w, const float *b,
                                             Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t M,
                                             double eps)
{
    for (Py_ssize_t r = r0; r < r1; r++) {
        const float *xr = x + r * M;
        float *orow = o + r * M;
        float m = (float)(cg_sum_f32(xr, M) / M);
        for (Py_ssize_t j = 0; j < M; j++) orow[j] = xr[j] - m;
        float sc = (float)(1.0 / sqrt((double)cg_dot_f32(orow, orow, M) / M + eps));
        mean[r] = m;
        rstd[r] = sc;
        if (w && b)
            for (Py_ssize_t j = 0; j < M; j++) orow[j] = orow[j] * sc * w[j] + b[j];
        else if (w)
            for (Py_ssize_t j = 0; j < M; j++) orow[j] = orow[j] * sc * w[j];
        else if (b)
            for (Py_ssize_t j = 0; j < M; j++) orow[j] = orow[j] * sc + b[j];
        else
            for (Py_ssize_t j = 0; j < M; j++) orow[j] = orow[j] * sc;
    }
}

/* Its backward over rows [r0, r1): dx (if not NULL) and the column sums added into dw and db
 * (float64, if not NULL); xh and gw are scratch rows of M. */
CG_CLONES static void cg_layer_norm_bwd_rows_f32(const float *g, const float *x,
                                                 const float *mean, const float *rstd,
                                                 const float *w, float *dx, double *dw,
                                                 double *db, float *xh, float *gw,
                                                 Py_ssize_t r0, Py_ssize_t r1, Py_ssize_t M)
{
    for (Py_ssize_t r = r0; r < r1; r++) {
        const float *gr = g + r * M, *xr = x + r * M;
        float m = mean[r], sc = rstd[r];
        for (Py_ssize_t j = 0; j < M; j++) xh[j] = (xr[j] - m) * sc;
        if (dw)
            for (Py_ssize_t j = 0; j < M; j++) dw[j] += (double)gr[j] * xh[j];
        if (db)
            for (Py_ssize_t j = 0; j < M; j++) db[j] += gr[j];
        if (!dx) continue;
        const float *gg = gr;
        if (w) {
            for (Py_ssize_t j = 0; j < M; j++) gw[j] = gr[j] * w[j];
            gg = gw;
        }
        float af = cg_dot_f32(gg, xh, M) / M, cf = (float)(cg_sum_f32(gg, M) / M);
        float *dxr = dx + r * M;
        for (Py_ssize_t j = 0; j < M; j++) dxr[j] = sc * (gg[j] - cf - xh[j] * af);
    }
}
#endif

