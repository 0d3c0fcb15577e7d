/* Branch-free float32 exp that GCC vectorises (the libm call it replaces does not).
 *
 * x = k*ln2 + r with |r| <= ln2/2 (ln2 in two parts, the first exact times any k), then
 * e^r = 1 + (r + r^2 G(r)) with G a degree-5 polynomial fitted to (e^r - 1 - r) / r^2, added
 * in that order so the result is rounded about once; then a scale by 2^k built from exponent
 * bits in two halves so results down to the denormal range stay right. Accuracy: within
 * 0.6 ulp of the correctly rounded result over the whole range (tests/core/test_vecmath.py);
 * exp(NaN) = NaN, exp(+inf) = inf, exp(-inf) = 0.
 */
#ifndef CYGRAD_VECMATH_H
#define CYGRAD_VECMATH_H
#include <stdint.h>
#include <string.h>
#include <math.h>

/* Large kernels the compiler would otherwise call once per element (which stops the loop from
 * vectorising) are forced inline into the loops. */
#if defined(__GNUC__)
#define CG_INLINE static inline __attribute__((always_inline))
#else
#define CG_INLINE static inline
#endif

static inline float cg_bits_to_float(int32_t i) { float f; memcpy(&f, &i, 4); return f; }
static inline int32_t cg_float_to_bits(float f) { int32_t i; memcpy(&i, &f, 4); return i; }

/* e^r - 1 - r for |r| <= log(2)/2: r^2 G(r), G of degree 5 (relative error 2e-10). */
static inline float cg_expm1_tailf(float r)
{
    float g = 1.9899276235e-04f;
    g = g * r + 1.3933643523e-03f;
    g = g * r + 8.3332984803e-03f;
    g = g * r + 4.1666464976e-02f;
    g = g * r + 1.6666666719e-01f;
    g = g * r + 5.0000000135e-01f;
    return r * r * g;
}

/* exp(x) 2^sc as hi + lo: hi the rounded result, lo the rounding error of its last two sums
 * (the sigmoid, sinh and cosh use both); x past xmax gives inf. */
CG_INLINE float cg_expf_scaled_split(float x, int32_t sc, float xmax, float *lo)
{
    const float lo_x = -103.97208404541015625f;
    float xc = x > xmax ? xmax : x;
    xc = xc < lo_x ? lo_x : xc;
    /* round x*log2(e) to the nearest integer by the 1.5*2^23 trick (vectorises everywhere) */
    float k = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - k * 0.693359375f - k * -2.12194440e-4f;
    float q = cg_expm1_tailf(r);
    float u = r + q;
    float p = 1.0f + u;
    float pl = (u - (p - 1.0f)) + ((r - u) + q);
    int32_t ki = (int32_t)k + sc;
    int32_t k1 = ki / 2, k2 = ki - k1;
    float s1 = cg_bits_to_float((k1 + 127) << 23), s2 = cg_bits_to_float((k2 + 127) << 23);
    float res = p * s1 * s2;
    *lo = pl * s1 * s2;
    res = x > xmax ? INFINITY : res;
    return x < lo_x ? 0.0f : res;
}
static inline float cg_expf_split(float x, float *lo)
{
    return cg_expf_scaled_split(x, 0, 88.72283935546875f, lo);
}
static inline float cg_expf(float x)
{
    float lo;
    return cg_expf_split(x, &lo);
}

/* sigmoid: n / (1 + e) with e = exp(-|x|) and n = 1 (x >= 0) or e (below, so that large
 * negative x gives its denormal value instead of 1 / inf = 0), corrected for the rounding of
 * e and of 1 + e: s = q + (n_lo - q t_lo) / t with q = n / t, t + t_lo = 1 + e. Uncorrected,
 * the error of e, magnified where the result lies in a higher binade than e, reached 2.2 ulp. */
static inline float cg_sigmoidf(float x)
{
    float el, e = cg_expf_split(-fabsf(x), &el);
    float t = 1.0f + e;
    float tl = ((1.0f - t) + e) + el;
    float n = x >= 0.0f ? 1.0f : e, nl = x >= 0.0f ? 0.0f : el;
    float q = n / t;
    /* the correction is below an ulp of q, so a 1 / t good to 4 bits (from its exponent
     * bits, t being in [1, 2]) does instead of a second division */
    float rt = cg_bits_to_float(0x7ef311c7 - cg_float_to_bits(t));
    float res = q + (nl - q * tl) * rt;
    return x != x ? x : res;
}

/* The gate sigmoid of the fused recurrent kernels (_rnn_kernel.h): 1 / (1 + exp(-x)), one
 * division and no correction: within 2.5 ulp (2.43 measured), and results below about 1e-38
 * (x < -87) flush to zero, as in PyTorch's own sigmoid. The elementwise op uses the
 * corrected cg_sigmoidf above (1.2 ulp, about 1.5x the time). */
static inline float cg_sigmoid_gatef(float x)
{
    return 1.0f / (1.0f + cg_expf(-x));
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

/* o[i] = FN(x[i]) over contiguous n elements, one clone per instruction set. */
#define CG_CONTIG_LOOP(NAME, T, FN)                                                     \
CG_CLONES static void NAME(Py_ssize_t n, T *o, const T *x)                              \
{                                                                                       \
    for (Py_ssize_t i = 0; i < n; i++) o[i] = FN(x[i]);                                 \
}

CG_CONTIG_LOOP(cg_expf_contig, float, cg_expf)

CG_CONTIG_LOOP(cg_tanhf_contig, float, cg_tanhf)

CG_CONTIG_LOOP(cg_sigmoidf_contig, float, cg_sigmoidf)

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
CG_CONTIG_LOOP(cg_erff_contig, float, cg_erff)

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
CG_CONTIG_LOOP(cg_geluf_contig, float, cg_geluf)
CG_CONTIG_LOOP(cg_gelu_gradf_contig, float, cg_gelu_gradf)

/* o[i] = exp(a * x[i] - b): the exponent pass of a softmax row (b the row's maximum of
 * a * x, so every term is in [0, 1]). */
CG_CLONES static void cg_exp_affine_f32(Py_ssize_t n, float *o, const float *x, float a,
                                        float b)
{
    for (Py_ssize_t i = 0; i < n; i++) o[i] = cg_expf(a * x[i] - b);
}
/* ------------------------------------------------------------------------------------
 * More transcendentals, branch-free so that GCC vectorises the contiguous loops over them
 * (one clone per instruction set, like the loops above). Each reduces its argument exactly,
 * evaluates a polynomial fitted by least squares on Chebyshev nodes (in float64 against a
 * 40-digit reference) and puts the special values back by selects. Accuracy (max ulp against
 * a float64 reference for float32, long double for float64, over dense sweeps) is enforced
 * by tests/core/test_vecmath.py. */
static inline double cg_bits_to_double(int64_t i) { double d; memcpy(&d, &i, 8); return d; }
static inline int64_t cg_double_to_bits(double d) { int64_t i; memcpy(&i, &d, 8); return i; }

/* x = 2^k * (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)), for finite x > 0 (subnormals are
 * scaled by 2^23 first). f is exact. */
static inline float cg_logf_reduce(float x, float *k)
{
    int sub = x < 1.17549435e-38f;
    float xs = sub ? x * 8388608.0f : x;
    int32_t ix = cg_float_to_bits(xs) - 0x3f3504f3;             /* bits of sqrt(1/2) */
    *k = (float)((ix >> 23) - (sub ? 23 : 0));
    return cg_bits_to_float((ix & 0x007fffff) + 0x3f3504f3) - 1.0f;
}

/* log(1 + f) - f for f in [sqrt(1/2) - 1, sqrt(2) - 1]: -f^2/2 + f^3 P(f), P of degree 8
 * (relative error 5e-9). */
static inline float cg_log1p_tailf(float f)
{
    float p = 7.1497538904e-02f;
    p = p * f + -1.1571200727e-01f;
    p = p * f + 1.1661511068e-01f;
    p = p * f + -1.2411050684e-01f;
    p = p * f + 1.4249936533e-01f;
    p = p * f + -1.6668480240e-01f;
    p = p * f + 2.0000707478e-01f;
    p = p * f + -2.4999989049e-01f;
    p = p * f + 3.3333331191e-01f;
    float z = f * f;
    return z * f * p - 0.5f * z;
}

/* log, log2 and log10 of float32 share the reduction; k log(2) is added in two parts (the
 * high one exact for every k). log(0) = -inf, log(x < 0) = NaN, log(inf) = inf. */
static inline float cg_log_specialf(float x, float r)
{
    r = x == 0.0f ? -INFINITY : r;
    r = x < 0.0f ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    return x != x ? x : r;
}
static inline float cg_logf(float x)
{
    float k, f = cg_logf_reduce(x, &k);
    float r = k * 0.693359375f + (f + (cg_log1p_tailf(f) + k * -2.12194440e-4f));
    return cg_log_specialf(x, r);
}
/* log(1 + f) = f + t as hi + lo with hi cut to 12 bits, so that hi times a short constant
 * is exact (log2 and log10 scale it by log2(e), log10(e)). */
static inline float cg_log1p_splitf(float f, float *lo)
{
    float t = cg_log1p_tailf(f);
    float h = f + t;
    float hh = cg_bits_to_float(cg_float_to_bits(h) & (int32_t)0xfffff000);
    *lo = (h - hh) + (t - (h - f));
    return hh;
}
static inline float cg_log2f(float x)
{
    float k, lo, f = cg_logf_reduce(x, &k);
    float hi = cg_log1p_splitf(f, &lo);
    /* log2(e) = 1.4375 + 5.19504089e-3 */
    float r = k + (hi * 1.4375f + (hi * 5.19504089e-3f + lo * 1.44269504f));
    return cg_log_specialf(x, r);
}
static inline float cg_log10f(float x)
{
    float k, lo, f = cg_logf_reduce(x, &k);
    float hi = cg_log1p_splitf(f, &lo);
    /* log10(2) = 0.30078125 + 2.48745664e-4, log10(e) = 0.43359375 + 7.00731903e-4 */
    float r = k * 0.30078125f + (hi * 0.43359375f +
              (k * 2.48745664e-4f + (hi * 7.00731903e-4f + lo * 0.434294482f)));
    return cg_log_specialf(x, r);
}
/* log1p: u = 1 + x rounded, log(u) as above plus the rounding error of u divided by u. */
static inline float cg_log1pf(float x)
{
    float u = 1.0f + x;
    float k, f = cg_logf_reduce(u, &k);
    float c = x < 1.0f ? x - (u - 1.0f) : 1.0f - (u - x);
    c = c / u;
    c = x < 16777216.0f ? c : 0.0f;
    float r = k * 0.693359375f + (f + (cg_log1p_tailf(f) + (k * -2.12194440e-4f + c)));
    r = x == -1.0f ? -INFINITY : r;
    r = x < -1.0f ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    r = x == 0.0f ? x : r;                      /* log1p(-0) = -0 */
    return x != x ? x : r;
}

/* 2^k as two factors 2^(k/2) and 2^(k - k/2), so that scaling by it is right from the
 * denormal range to the largest finite value; |k| <= 254. */
static inline float cg_scale2f(float v, int32_t k)
{
    int32_t k1 = k / 2, k2 = k - k1;
    return v * cg_bits_to_float((k1 + 127) << 23) * cg_bits_to_float((k2 + 127) << 23);
}
/* expm1 = 2^k (p + 1 - 2^-k) with x = k log 2 + r and p = expm1(r): one rounding in the sum
 * for every k (1 - 2^-k is exact where it matters). x below -20 gives -1. */
static inline float cg_expm1f(float x)
{
    float xc = x > 88.7228f ? 88.7228f : (x < -20.0f ? -20.0f : x);
    float kf = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - kf * 0.693359375f - kf * -2.12194440e-4f;
    float p = r + cg_expm1_tailf(r);
    int32_t k = (int32_t)kf;
    int32_t kk = k > 40 ? 40 : k;
    float res = cg_scale2f(p + (1.0f - cg_bits_to_float((127 - kk) << 23)), k);
    res = x > 88.7228f ? INFINITY : res;
    res = x == 0.0f ? x : res;                  /* expm1(-0) = -0 */
    return x != x ? x : res;
}
/* exp2 = 2^k e^(r log 2), k = round(x). */
static inline float cg_exp2f(float x)
{
    float xc = x > 128.0f ? 128.0f : (x < -151.0f ? -151.0f : x);
    float kf = (xc + 12582912.0f) - 12582912.0f;
    float r = (xc - kf) * 0.693147180559945309f;
    float p = 1.0f + (r + cg_expm1_tailf(r));
    float res = cg_scale2f(p, (int32_t)kf);
    res = x >= 128.0f ? INFINITY : res;
    res = x < -151.0f ? 0.0f : res;
    return x != x ? x : res;
}

/* sin and cos of float32: x = k pi/2 + r, |r| <= pi/4, reduced in float64 with pi/2 in two
 * parts (the first of 33 bits, so k times it is exact for |k| < 2^20) and rounded once to
 * float; sin(r) = r + r^3 S(r^2), cos(r) = 1 - r^2/2 + r^4 C(r^2), and the quadrant k mod 4
 * picks one with its sign. Valid for |x| <= CG_TRIG_MAXF: the loops hand larger, infinite and
 * NaN arguments to libm. */
#define CG_TRIG_MAXF 65536.0f
static inline float cg_sincos_polyf(float x, int odd)
{
    double xd = x;
    double kd = (xd * 0.63661977236758134 + 6755399441055744.0) - 6755399441055744.0;
    float r = (float)((xd - kd * 1.5707963267341256) - kd * 6.077100506506192e-11);
    float z = r * r;
    float sp = -1.9587949872e-04f;
    sp = sp * z + 8.3327486346e-03f;
    sp = sp * z + -1.6666664665e-01f;
    float sn = r + r * z * sp;
    float cp = 2.4547991314e-05f;
    cp = cp * z + -1.3888303340e-03f;
    cp = cp * z + 4.1666664662e-02f;
    float cs = (1.0f - 0.5f * z) + z * z * cp;
    int32_t q = (int32_t)(float)kd + odd;       /* cos(x) = sin(x + pi/2) */
    float v = (q & 1) ? cs : sn;
    return (q & 2) ? -v : v;
}
static inline float cg_sinf(float x)
{
    float v = cg_sincos_polyf(x, 0);
    return x == 0.0f ? x : v;                   /* sin(-0) = -0 */
}
static inline float cg_cosf(float x) { return cg_sincos_polyf(x, 1); }

/* float64 exp: x = k log 2 + r (log 2 in two parts, fdlibm's), e^r = 1 + r + r^2/2 + r^3 H(r)
 * with H of degree 9, then 2^k in two factors. Within 1 ulp; exp(-inf) = 0, exp(inf) = inf. */
static inline double cg_scale2(double v, int64_t k)
{
    int64_t k1 = (int64_t)((uint64_t)(k + 2048) >> 1) - 1024, k2 = k - k1;
    return v * cg_bits_to_double((int64_t)((uint64_t)(k1 + 1023) << 52)) *
           cg_bits_to_double((int64_t)((uint64_t)(k2 + 1023) << 52));
}
/* e^r - 1 - r for |r| <= log(2)/2: r^2/2 + r^3 H(r), H of degree 9. */
static inline double cg_expm1_tail(double r)
{
    double h = 2.10896922549605667e-09;
    h = h * r + 2.51031571759817094e-08;
    h = h * r + 2.75568377468504737e-07;
    h = h * r + 2.75572623418924391e-06;
    h = h * r + 2.48015876737806835e-05;
    h = h * r + 1.98412698673843414e-04;
    h = h * r + 1.38888888887936011e-03;
    h = h * r + 8.33333333332901202e-03;
    h = h * r + 4.16666666666666782e-02;
    h = h * r + 1.66666666666666713e-01;
    return 0.5 * r * r + r * r * r * h;
}
/* exp(x + xl) 2^sc as hi + lo: hi the rounded result, lo its rounding error (to a few bits),
 * for the sigmoid, the hyperbolic functions and erfc (whose argument -x^2 comes in two
 * parts, xl tiny against x); x past xmax gives inf. */
CG_INLINE double cg_exp_core(double x, double xl, int64_t sc, double xmax, double *lo)
{
    const double lo_x = -745.1332191019412;
    double xc = x > xmax ? xmax : (x < lo_x ? lo_x : x);
    double t = (xc + xl) * 1.4426950408889634 + 6755399441055744.0;
    double kd = t - 6755399441055744.0;
    int64_t k = cg_double_to_bits(t) - cg_double_to_bits(6755399441055744.0);
    double r = (xc - kd * 6.93147180369123816490e-01) + (xl - kd * 1.90821492927058770002e-10);
    double q = cg_expm1_tail(r);
    double u = r + q;
    double p = 1.0 + u;
    double pl = (u - (p - 1.0)) + ((r - u) + q);   /* the two roundings above */
    double res = cg_scale2(p, k + sc);
    *lo = cg_scale2(pl, k + sc);
    res = x > xmax ? INFINITY : res;
    res = x < lo_x ? 0.0 : res;
    *lo = x < lo_x ? 0.0 : *lo;
    return x != x ? x : res;
}
static inline double cg_exp_scaled_split(double x, int64_t sc, double xmax, double *lo)
{
    return cg_exp_core(x, 0.0, sc, xmax, lo);
}
static inline double cg_exp_split(double x, double *lo)
{
    return cg_exp_scaled_split(x, 0, 709.782712893384, lo);
}
CG_INLINE double cg_exp(double x)
{
    double lo;
    return cg_exp_split(x, &lo);
}
/* float64 sigmoid: n / (1 + e) with e = exp(-|x|) and n = 1 (x >= 0) or e, corrected for the
 * rounding of e and of 1 + e: s = q + (n_lo - q t_lo) / t with q = n / t, t + t_lo = 1 + e.
 * Without the correction the error of e, magnified where the result lies in a higher binade
 * than e, reached 2.2 ulp. */
static inline double cg_sigmoid(double x)
{
    double el, e = cg_exp_split(-fabs(x), &el);
    double t = 1.0 + e;
    double tl = ((1.0 - t) + e) + el;
    double n = x >= 0.0 ? 1.0 : e, nl = x >= 0.0 ? 0.0 : el;
    double q = n / t;
    double res = q + (nl - q * tl) / t;
    return x != x ? x : res;
}
/* float64 log: x = 2^k (1 + f), 1 + f in [sqrt(1/2), sqrt(2)); with s = f / (2 + f),
 * log(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2))), R(z) = z P(z), P of degree 6 (fdlibm's
 * arrangement, our own fit). Subnormals are scaled by 2^54 first. */
static inline double cg_log_reduce(double x, double *kd)
{
    int sub = x < 2.2250738585072014e-308;
    double xs = sub ? x * 18014398509481984.0 : x;
    int64_t ix = cg_double_to_bits(xs) - 0x3fe6a09e667f3bcdLL;
    int64_t k = (int64_t)((uint64_t)(ix + 0x3ff0000000000000LL) >> 52) - 1023 - (sub ? 54 : 0);
    *kd = cg_bits_to_double(0x4338000000000000LL + k) - 6755399441055744.0;
    return cg_bits_to_double((ix & 0x000fffffffffffffLL) + 0x3fe6a09e667f3bcdLL) - 1.0;
}
/* k log 2 + log(1 + f) + c, c a small correction added with the low parts. */
static inline double cg_log_assemble(double f, double kd, double c)
{
    double s = f / (2.0 + f), z = s * s;
    double p = 1.46179216687890912e-01;
    p = p * z + 1.53315953743035915e-01;
    p = p * z + 1.81828932394309251e-01;
    p = p * z + 2.22222110712806620e-01;
    p = p * z + 2.85714286264423467e-01;
    p = p * z + 3.99999999998981670e-01;
    p = p * z + 6.66666666666667074e-01;
    double hfsq = 0.5 * f * f;
    return kd * 6.93147180369123816490e-01 +
           (f - (hfsq - (s * (hfsq + z * p) + (kd * 1.90821492927058770002e-10 + c))));
}

/* log(u) + c / u (c a small correction to u) times 2^e (e added to u's exponent: the factor
 * 2 of asinh and acosh for large arguments). */
static inline double cg_log_corrected(double u, double c, double e)
{
    double kd, f = cg_log_reduce(u, &kd);
    return cg_log_assemble(f, kd + e, c / u);
}
/* The rounding error of u = 1 + y, y > -1. */
static inline double cg_one_plus_err(double y, double u)
{
    return y < 1.0 ? y - (u - 1.0) : 1.0 - (u - y);
}
/* log1p: u = 1 + x rounded, log(u) plus the rounding error of u divided by u. */
static inline double cg_log1p(double x)
{
    double u = 1.0 + x;
    double c = x < 9007199254740992.0 ? cg_one_plus_err(x, u) : 0.0;
    double r = cg_log_corrected(u, c, 0.0);
    r = x == -1.0 ? -INFINITY : r;
    r = x < -1.0 ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    r = x == 0.0 ? x : r;
    return x != x ? x : r;
}
/* float64 log2 and log10: log(1 + f) as hi + lo with hi cut to 21 bits, so that hi and k
 * times the 21-bit heads of 1/log(2), 1/log(10), log10(2) are exact, the tails added in the
 * low part, and one final sum. */
static inline double cg_log_hilo(double x, double *kd, double *lo)
{
    double f = cg_log_reduce(x, kd);
    double s = f / (2.0 + f), z = s * s;
    double p = 1.46179216687890912e-01;
    p = p * z + 1.53315953743035915e-01;
    p = p * z + 1.81828932394309251e-01;
    p = p * z + 2.22222110712806620e-01;
    p = p * z + 2.85714286264423467e-01;
    p = p * z + 3.99999999998981670e-01;
    p = p * z + 6.66666666666667074e-01;
    double hfsq = 0.5 * f * f;
    double hi = cg_bits_to_double(cg_double_to_bits(f - hfsq) & (int64_t)0xffffffff00000000ULL);
    *lo = ((f - hi) - hfsq) + s * (hfsq + z * p);
    return hi;
}
static inline double cg_log_special(double x, double r)
{
    r = x == 0.0 ? -INFINITY : r;
    r = x < 0.0 ? NAN : r;
    r = x == INFINITY ? INFINITY : r;
    return x != x ? x : r;
}
CG_INLINE double cg_log(double x)
{
    double kd, f = cg_log_reduce(x, &kd);
    return cg_log_special(x, cg_log_assemble(f, kd, 0.0));
}
static inline double cg_log2(double x)
{
    double kd, lo, hi = cg_log_hilo(x, &kd, &lo);
    double vh = hi * 1.4426946640014648;
    double vl = (lo + hi) * 3.768874985636099e-07 + lo * 1.4426946640014648;
    double w = kd + vh;
    vl += (kd - w) + vh;
    return cg_log_special(x, vl + w);
}
static inline double cg_log10(double x)
{
    double kd, lo, hi = cg_log_hilo(x, &kd, &lo);
    double vh = hi * 0.4342944622039795, y = kd * 0.30102992057800293;
    double vl = kd * 7.508597826552624e-08 + (lo + hi) * 1.9699272335463627e-08 +
                lo * 0.4342944622039795;
    double w = y + vh;
    vl += (y - w) + vh;
    return cg_log_special(x, vl + w);
}
/* float64 exp2 = 2^k e^(r log 2), k = round(x), r = x - k exact (|r| <= 1/2, so rounding
 * r log 2 costs under a quarter ulp). */
static inline double cg_exp2(double x)
{
    double xc = x > 1024.0 ? 1024.0 : (x < -1080.0 ? -1080.0 : x);
    double t = xc + 6755399441055744.0;
    double kd = t - 6755399441055744.0;
    int64_t k = cg_double_to_bits(t) - cg_double_to_bits(6755399441055744.0);
    double r = (xc - kd) * 0.69314718055994531;
    double res = cg_scale2(1.0 + (r + cg_expm1_tail(r)), k);
    res = x >= 1024.0 ? INFINITY : res;
    res = x < -1080.0 ? 0.0 : res;
    return x != x ? x : res;
}

/* float64 expm1 = 2^k (p + 1 - 2^-k), p = expm1(r), as the float32 one; x below -40 gives -1.
 * The rounding errors of the last two sums are added back once more (1.8 ulp without) and
 * what remains goes to *lo (the tanh corrects for it). */
static inline double cg_expm1_split(double x, double *lo)
{
    const double hi = 709.782712893384;
    double xc = x > hi ? hi : (x < -40.0 ? -40.0 : x);
    double t = xc * 1.4426950408889634 + 6755399441055744.0;
    double kd = t - 6755399441055744.0;
    int64_t k = cg_double_to_bits(t) - cg_double_to_bits(6755399441055744.0);
    double r = (xc - kd * 6.93147180369123816490e-01) - kd * 1.90821492927058770002e-10;
    double q = cg_expm1_tail(r);
    double p = r + q, pl = (r - p) + q;
    int64_t kk = k > 60 ? 60 : k;
    double c = 1.0 - cg_bits_to_double((int64_t)((uint64_t)(1023 - kk) << 52));
    double sum = p + c;
    double sl = (k == 0 ? 0.0 : (c - sum) + p) + pl;    /* |c| >= 1/2 > |p| unless k = 0 */
    double s2 = sum + sl;                               /* the errors folded back in */
    double res = cg_scale2(s2, k);
    *lo = cg_scale2(sl - (s2 - sum), k);
    res = x > hi ? INFINITY : res;
    res = x == 0.0 ? x : res;
    return x != x ? x : res;
}
static inline double cg_expm1(double x)
{
    double lo;
    return cg_expm1_split(x, &lo);
}
/* float64 tanh = e / (e + 2), e = expm1(2|x|), with the sign of x; |x| past 20 gives +-1. The
 * quotient is corrected for the rounding of e and of e + 2, as the sigmoid's is (uncorrected:
 * 2.01 ulp near |x| = 0.03). */
static inline double cg_tanh(double x)
{
    double a = fabs(x);
    a = a > 20.0 ? 20.0 : a;
    double el, e = cg_expm1_split(2.0 * a, &el);
    double t = e + 2.0, bb = t - e;
    double tl = ((e - (t - bb)) + (2.0 - bb)) + el;
    double q = e / t;
    return copysign(q + (el - q * tl) / t, x);
}

/* cosh = h + 1/(4h) and, from |x| = 1, sinh = h - 1/(4h), with h = e^|x| / 2 as hi + lo
 * (finite up to |x| = 710.47 in float64, 89.416 in float32, where e^|x| itself overflows).
 * Below 1, sinh(a) = a + a z S(z), z = a^2, S the Taylor series to a^19 / 19! (float64,
 * remainder below 2e-20) or a^13 / 13! (float32). Both precisions from one macro. */
static inline double cg_sinh_poly(double z)
{
    double p = 8.22063524662433e-18;
    p = p * z + 2.8114572543455206e-15;
    p = p * z + 7.647163731819816e-13;
    p = p * z + 1.6059043836821613e-10;
    p = p * z + 2.505210838544172e-08;
    p = p * z + 2.7557319223985893e-06;
    p = p * z + 0.0001984126984126984;
    p = p * z + 0.008333333333333333;
    p = p * z + 0.16666666666666666;
    return p;
}
static inline float cg_sinh_polyf(float z)
{
    float p = 1.6059043836821613e-10f;
    p = p * z + 2.505210838544172e-08f;
    p = p * z + 2.7557319223985893e-06f;
    p = p * z + 0.0001984126984126984f;
    p = p * z + 0.008333333333333333f;
    p = p * z + 0.16666666666666666f;
    return p;
}
#define CG_SINH_COSH(SINH, COSH, T, FABS, COPYSIGN, EXP_HALF_SPLIT, XMAX, POLY)            \
static inline T COSH(T x)                                                               \
{                                                                                       \
    T hl, h = EXP_HALF_SPLIT(FABS(x), -1, XMAX, &hl);                                   \
    T res = h + ((T)0.25 / h + hl);                                                     \
    return x != x ? x : res;                                                            \
}                                                                                       \
static inline T SINH(T x)                                                               \
{                                                                                       \
    T a = FABS(x);                                                                      \
    T hl, h = EXP_HALF_SPLIT(a, -1, XMAX, &hl);                                         \
    T q = (T)0.25 / h;                                                                  \
    T big = (h - q) + (hl + (T)4.0 * q * q * hl);     /* 1/(4(h + hl)) = q - 4 q^2 hl */ \
    T z = a * a;                                                                        \
    T small = a + a * z * POLY(z);                                                      \
    T res = COPYSIGN(a < (T)1.0 ? small : big, x);                                      \
    return x != x ? x : res;                                                            \
}
CG_SINH_COSH(cg_sinh, cg_cosh, double, fabs, copysign, cg_exp_scaled_split,
             710.4758600739439, cg_sinh_poly)
CG_SINH_COSH(cg_sinhf, cg_coshf, float, fabsf, copysignf, cg_expf_scaled_split,
             89.41598629223294f, cg_sinh_polyf)

/* atan: |x| by the intervals [0, 7/16), [7/16, 11/16), [11/16, 19/16), [19/16, 39/16) and
 * beyond, as c + atan(u) with c = 0, atan(1/2), pi/4, atan(3/2), pi/2 (each as hi + lo) and
 * u = |x|, (2|x| - 1)/(2 + |x|), (|x| - 1)/(|x| + 1), (|x| - 3/2)/(1 + 3/2 |x|), -1/|x|, whose
 * numerators are exact there; atan(u) = u + u z P(z), z = u^2 <= (7/16)^2, P of degree 11 in
 * float64 (relative error 6e-17), 5 in float32 (4e-8). The interval's constants are picked
 * one select after another (nested selects kept the loop from vectorising). */
static inline double cg_atan_poly(double z)
{
    double p = 0.014765672579295772;
    p = p * z + -0.033120205412416844;
    p = p * z + 0.04491897813192446;
    p = p * z + -0.05216586580546373;
    p = p * z + 0.058769315438208604;
    p = p * z + -0.06666240389180404;
    p = p * z + 0.0769228545347931;
    p = p * z + -0.0909090835142111;
    p = p * z + 0.11111111096544377;
    p = p * z + -0.14285714285565562;
    p = p * z + 0.19999999999999404;
    p = p * z + -0.3333333333333333;
    return p;
}
static inline float cg_atan_polyf(float z)
{
    float p = 4.819621518e-02f;
    p = p * z + -8.530836552e-02f;
    p = p * z + 1.105800942e-01f;
    p = p * z + -1.428338438e-01f;
    p = p * z + 1.999996156e-01f;
    p = p * z + -3.333333433e-01f;
    return p;
}
#define CG_ATAN(NAME, T, FABS, COPYSIGN, POLY, H1, L1, H2, L2, H3, L3, H4, L4)              \
static inline T NAME(T x)                                                               \
{                                                                                       \
    T a = FABS(x);                                                                      \
    T m = 1, c = 0, pm = 0, qd = 1, bh = 0, bl = 0;                                     \
    m = a >= (T)0.4375 ? 2 : m;                                                         \
    c = a >= (T)0.4375 ? 1 : c;                                                         \
    pm = a >= (T)0.4375 ? 1 : pm;                                                       \
    qd = a >= (T)0.4375 ? 2 : qd;                                                       \
    bh = a >= (T)0.4375 ? H1 : bh;                                                      \
    bl = a >= (T)0.4375 ? L1 : bl;                                                      \
    m = a >= (T)0.6875 ? 1 : m;                                                         \
    qd = a >= (T)0.6875 ? 1 : qd;                                                       \
    bh = a >= (T)0.6875 ? H2 : bh;                                                      \
    bl = a >= (T)0.6875 ? L2 : bl;                                                      \
    c = a >= (T)1.1875 ? (T)1.5 : c;                                                    \
    pm = a >= (T)1.1875 ? (T)1.5 : pm;                                                  \
    bh = a >= (T)1.1875 ? H3 : bh;                                                      \
    bl = a >= (T)1.1875 ? L3 : bl;                                                      \
    m = a >= (T)2.4375 ? 0 : m;                                                         \
    c = a >= (T)2.4375 ? 1 : c;                                                         \
    pm = a >= (T)2.4375 ? 1 : pm;                                                       \
    qd = a >= (T)2.4375 ? 0 : qd;                                                       \
    bh = a >= (T)2.4375 ? H4 : bh;                                                      \
    bl = a >= (T)2.4375 ? L4 : bl;                                                      \
    T u = (a * m - c) / (a * pm + qd);                                                  \
    u = a == INFINITY ? (T)-0.0 : u;                                                    \
    T z = u * u;                                                                        \
    T r = COPYSIGN(bh + ((u * z * POLY(z) + bl) + u), x);                               \
    return x != x ? x : r;                                                              \
}
CG_ATAN(cg_atan, double, fabs, copysign, cg_atan_poly,
        0.4636476090008061, 2.2698777452961687e-17, 0.7853981633974483, 3.061616997868383e-17,
        0.982793723247329, 1.3903311031230998e-17, 1.5707963267948966, 6.123233995736766e-17)
CG_ATAN(cg_atanf, float, fabsf, copysignf, cg_atan_polyf,
        4.636476040e-01f, 5.012158688e-09f, 7.853981853e-01f, -2.185569414e-08f,
        9.827937484e-01f, -2.513142405e-08f, 1.570796371e+00f, -4.371138829e-08f)

/* asin(t) - t = t z B(z), z = t^2 <= 1/4, B of degree 13 in float64 (relative error 6e-17),
 * 5 in float32. */
static inline double cg_asin_poly(double z)
{
    double p = 0.02961784360278849;
    p = p * z + -0.019251063609761476;
    p = p * z + 0.019561197368064193;
    p = p * z + 0.003042112803367317;
    p = p * z + 0.009320298817537808;
    p = p * z + 0.00962171028406244;
    p = p * z + 0.011566475960553163;
    p = p * z + 0.013963778636220892;
    p = p * z + 0.017352816617756082;
    p = p * z + 0.022372157440717466;
    p = p * z + 0.030381944475591983;
    p = p * z + 0.044642857142551236;
    p = p * z + 0.07500000000000118;
    p = p * z + 0.16666666666666666;
    return p;
}
static inline float cg_asin_polyf(float z)
{
    float p = 3.368483111e-02f;
    p = p * z + 1.715300046e-02f;
    p = p * z + 3.109983914e-02f;
    p = p * z + 4.459947348e-02f;
    p = p * z + 7.500094175e-02f;
    p = p * z + 1.666666567e-01f;
    return p;
}
/* sqrt(w) as d + c: d is the root cut to its upper half of bits (21 in float64, 12 in
 * float32), so d * d and w - d * d are exact, and c = (w - d^2) / (s + d) the rest. */
static inline double cg_sqrt_split(double w, double *c)
{
    double s = sqrt(w);
    double d = cg_bits_to_double(cg_double_to_bits(s) & (int64_t)0xFFFFFFFF00000000LL);
    *c = s > 0.0 ? (w - d * d) / (s + d) : 0.0;
    return d;
}
static inline float cg_sqrt_splitf(float w, float *c)
{
    float s = sqrtf(w);
    float d = cg_bits_to_float(cg_float_to_bits(s) & (int32_t)0xFFFFF000);
    *c = s > 0.0f ? (w - d * d) / (s + d) : 0.0f;
    return d;
}
/* asin and acos: |x| <= 1/2 from the polynomial directly; above, with w = (1 - |x|)/2 (exact)
 * and sqrt(w) = d + c, asin(|x|) = pi/2 - 2 asin(sqrt(w)), acos(|x|) = 2 asin(sqrt(w)) and
 * acos(-|x|) = pi - 2 asin(sqrt(w)); the root kept in two parts so that the subtraction from
 * pi/2 loses nothing. |x| > 1 gives NaN. PIO2_L is the low part of pi/2 (and half that of
 * pi), PIO4_H, PIO2_H, PI_H the rounded pi/4, pi/2, pi. */
#define CG_ASIN_ACOS(ASIN, ACOS, T, FABS, COPYSIGN, POLY, SPLIT, PIO4_H, PIO2_H, PIO2_L, PI_H) \
static inline T ASIN(T x)                                                               \
{                                                                                       \
    T a = FABS(x);                                                                      \
    int big = a > (T)0.5;                                                               \
    T w = (T)0.5 * ((T)1.0 - (a > (T)1.0 ? (T)1.0 : a));                                \
    T z = big ? w : x * x;                                                              \
    T bz = z * POLY(z);                                                                 \
    T cc, d = SPLIT(w, &cc);                                                            \
    T sw = d + cc;                                                                      \
    T pp = (T)2.0 * sw * bz - (PIO2_L - (T)2.0 * cc);                                   \
    T qq = PIO4_H - (T)2.0 * d;                                                         \
    T rb = PIO4_H - (pp - qq);                                                          \
    T rs = a + a * bz;                                                                  \
    T r = COPYSIGN(big ? rb : rs, x);                                                   \
    r = a > (T)1.0 ? NAN : r;                                                           \
    return x != x ? x : r;                                                              \
}                                                                                       \
static inline T ACOS(T x)                                                               \
{                                                                                       \
    T a = FABS(x);                                                                      \
    int big = a > (T)0.5;                                                               \
    T w = (T)0.5 * ((T)1.0 - (a > (T)1.0 ? (T)1.0 : a));                                \
    T z = big ? w : x * x;                                                              \
    T bz = z * POLY(z);                                                                 \
    T cc, d = SPLIT(w, &cc);                                                            \
    T sw = d + cc;                                                                      \
    T rpos = (T)2.0 * (d + (cc + sw * bz));                         /* x > 1/2 */       \
    T rneg = PI_H - (T)2.0 * (sw + (sw * bz - PIO2_L));                                 \
    T rs = PIO2_H - (x - (PIO2_L - x * bz));                                            \
    T r = big ? (x > 0 ? rpos : rneg) : rs;                                             \
    r = a > (T)1.0 ? NAN : r;                                                           \
    return x != x ? x : r;                                                              \
}
CG_ASIN_ACOS(cg_asin, cg_acos, double, fabs, copysign, cg_asin_poly, cg_sqrt_split,
             0.7853981633974483, 1.5707963267948966, 6.123233995736766e-17, 3.141592653589793)
CG_ASIN_ACOS(cg_asinf, cg_acosf, float, fabsf, copysignf, cg_asin_polyf, cg_sqrt_splitf,
             7.853981853e-01f, 1.570796371e+00f, -4.371138829e-08f, 3.141592741e+00f)

/* float64 inverse hyperbolic functions, on the vector log (cg_log_corrected). */
/* asinh(x) = log1p(a + a^2 / (1 + sqrt(1 + a^2))) with the sign of x (a = |x|); past 2^28,
 * log(2a). acosh(x) = log1p(t + sqrt(2t + t^2)), t = x - 1 (NaN below 1); past 2^28,
 * log(2x). atanh(x) = log1p(2a / (1 - a)) / 2 with the sign of x, 2a / (1 - a) written as
 * 2a + 2a a / (1 - a) below 1/2. */
static inline double cg_asinh(double x)
{
    double a = fabs(x);
    int big = a > 268435456.0;
    double ac = big ? 1.0 : a;
    double y = ac + ac * ac / (1.0 + sqrt(1.0 + ac * ac));
    double u = big ? a : 1.0 + y;
    double c = big ? 0.0 : cg_one_plus_err(y, u);
    double r = cg_log_corrected(u, c, big ? 1.0 : 0.0);
    r = a == INFINITY ? a : r;
    r = copysign(r, x);
    return x != x ? x : r;
}
static inline double cg_acosh(double x)
{
    int big = x > 268435456.0;
    double t = x - 1.0;
    double tc = big ? 1.0 : (t < 0.0 ? 0.0 : t);
    double y = tc + sqrt(2.0 * tc + tc * tc);
    double u = big ? x : 1.0 + y;
    double c = big ? 0.0 : cg_one_plus_err(y, u);
    double r = cg_log_corrected(u, c, big ? 1.0 : 0.0);
    r = x == 1.0 ? 0.0 : r;
    r = x == INFINITY ? x : r;
    r = x < 1.0 ? NAN : r;
    return x != x ? x : r;
}
#define CG_ATANH(NAME, T, FABS, COPYSIGN, LOG1P)                                         \
static inline T NAME(T x)                                                               \
{                                                                                       \
    T a = FABS(x), t = a + a;                                                           \
    T y = a < (T)0.5 ? t + t * a / ((T)1.0 - a) : t / ((T)1.0 - a);                     \
    T r = COPYSIGN((T)0.5 * LOG1P(y), x);                                               \
    r = a > (T)1.0 ? NAN : r;                                                           \
    return x != x ? x : r;                                                              \
}
CG_ATANH(cg_atanh, double, fabs, copysign, cg_log1p)
CG_ATANH(cg_atanhf, float, fabsf, copysignf, cg_log1pf)

/* a * b = p + e exactly (Dekker's product). The factors are split by masking their low 27
 * bits rather than by Veltkamp's multiplication, so every intermediate is exact and a
 * compiler that fuses a multiply and an add (the AVX-512 clone) cannot change the result. */
static inline double cg_two_prod(double a, double b, double *e)
{
    double p = a * b;
    const int64_t mask = (int64_t)0xFFFFFFFFF8000000LL;
    double ah = cg_bits_to_double(cg_double_to_bits(a) & mask), al = a - ah;
    double bh = cg_bits_to_double(cg_double_to_bits(b) & mask), bl = b - bh;
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return p;
}
/* float64 erf and erfc. Below |x| = 0.84375, erf(x) = x + x P(x^2), P of degree 14
 * (absolute error 1.3e-17), and erfc = 1 - erf, written 0.5 - ((x - 0.5) + x P) from 1/4 on
 * so that nothing cancels. Above, erfc(|x|) = exp(-x^2) erfcx(|x|): exp(-x^2) with x^2 in two
 * parts (x cut to 21 bits, so its square is exact), erfcx(x) = exp(x^2) erfc(x) by a
 * polynomial of degree 16 in 1/x - c on [0.84375, 1.6875), [1.6875, 3.375), ..., [13.5, 27.5)
 * (each x from its interval's lower end to twice that), c the interval's lower end in 1/x, so
 * that 1/x - c is exact and no term cancels (relative error 8e-17), 1/x carried with its
 * rounding error and the constant term in two parts; erf = 1 - erfc, erfc(-x) = 2 - erfc(x).
 * Both come from one pass (cg_erf_pair). */
CG_INLINE double cg_erf_small(double z)
{
    double p = 3.2058094723285247e-13;
    p = p * z + -6.426511484421219e-12;
    p = p * z + 9.38326451275311e-11;
    p = p * z + -1.2286890217165487e-09;
    p = p * z + 1.4806954559106595e-08;
    p = p * z + -1.6365833595039105e-07;
    p = p * z + 1.646211399289701e-06;
    p = p * z + -1.4925650349397967e-05;
    p = p * z + 0.00012055332981635876;
    p = p * z + -0.0008548327023449052;
    p = p * z + 0.005223977625442174;
    p = p * z + -0.026866170645131252;
    p = p * z + 0.11283791670955126;
    p = p * z + -0.37612638903183754;
    p = p * z + 0.1283791670955126;
    return p;
}
/* The value of the interval of erfcx's fit that x lies in: [0.84375, 1.6875), [1.6875, 3.375),
 * [3.375, 6.75), [6.75, 13.5), [13.5, 27.5) (one select after another, so loops vectorise). */
CG_INLINE double cg_erfcx_pick(double x, double c0, double c1, double c2, double c3, double c4)
{
    double k = c0;
    k = x >= 1.6875 ? c1 : k;
    k = x >= 3.375 ? c2 : k;
    k = x >= 6.75 ? c3 : k;
    k = x >= 13.5 ? c4 : k;
    return k;
}
CG_INLINE double cg_erfcx_tail(double x, double t, double tl, double *lo)
{
    double c = cg_erfcx_pick(x, 0.5925925925925926, 0.2962962962962963, 0.14814814814814814,
                             0.07407407407407407, 0.03636363636363636);
    double d = (t - c) + tl;
    double p = cg_erfcx_pick(x, -0.00032789859550837197, -0.19777718485985835,
                             53.22670005565198, -520.1920992669177, 661.3915415213584);
    p = p * d + cg_erfcx_pick(x, 0.0023596655546793965, 0.2747275618080791,
                              -70.60143179859288, 371.10920859887466, 110.00294432029426);
    p = p * d + cg_erfcx_pick(x, -0.008229911632893664, 0.27015938099570075,
                              32.65128294816451, -45.19042080746846, -214.61526286644747);
    p = p * d + cg_erfcx_pick(x, 0.018614106933388462, -1.1224941265516977,
                              3.397901119656496, -52.95872804098557, 26.008862568265492);
    p = p * d + cg_erfcx_pick(x, -0.03070184780808847, 1.5281245298412136,
                              -11.9944191288848, 22.05010248200116, 31.867769027014713);
    p = p * d + cg_erfcx_pick(x, 0.038942284912248805, -1.222559485172435,
                              5.674407223175677, 5.12056127651787, -8.510994524935706);
    p = p * d + cg_erfcx_pick(x, -0.03797043141956079, 0.539831517088783,
                              0.3824475242072819, -6.045344232156801, -5.511112059794477);
    p = p * d + cg_erfcx_pick(x, 0.025252288652161822, 0.05659211474354273,
                              -1.8301414698970064, 0.2380184245841414, 2.598757905400985);
    p = p * d + cg_erfcx_pick(x, -0.0022347677047856495, -0.321741583264165,
                              0.7601694716698134, 1.5734554630432616, 1.0867252162776644);
    p = p * d + cg_erfcx_pick(x, -0.025599260847978873, 0.2710011779443362,
                              0.29011640379211756, -0.46914410582714, -0.8908660019976462);
    p = p * d + cg_erfcx_pick(x, 0.049105394736206516, -0.0629784763521283,
                              -0.46164067483902704, -0.43753420201712045, -0.2547942011068048);
    p = p * d + cg_erfcx_pick(x, -0.0560208801834285, -0.12775885385450736,
                              0.09946420300291649, 0.3141217487996162, 0.3945652906907366);
    p = p * d + cg_erfcx_pick(x, 0.031662557673754484, 0.1859874918002068,
                              0.21950575886432158, 0.14264806320360826, 0.07518383744630476);
    p = p * d + cg_erfcx_pick(x, 0.040220829820410704, -0.07589990834671315,
                              -0.20430001071067636, -0.2599428079805326, -0.276563551041463);
    p = p * d + cg_erfcx_pick(x, -0.1764863431433989, -0.17444808218141636,
                              -0.1130203886955925, -0.061015873840786335, -0.030571914345713363);
    p = p * d + cg_erfcx_pick(x, 0.3935919481709377, 0.5025481926396137,
                              0.5465632225589988, 0.5596085512704063, 0.5630742121596396);
    double c0 = cg_erfcx_pick(x, 0.2933816487652772, 0.1606310681265444, 0.08269505677505305,
                              0.041678096764088145, 0.0205024473846148);
    double c0l = cg_erfcx_pick(x, -4.082194228763277e-19, -5.857711819661772e-18,
                               2.620536662045591e-18, 2.187688457283372e-18,
                               -1.608180784144968e-18);
    double sm = p * d + c0l, hi = c0 + sm;
    *lo = (c0 - hi) + sm;
    return hi;
}

CG_INLINE double cg_erf_pair(double x, double *erfc_out)
{
    double a = fabs(x);
    double y = x * cg_erf_small(x * x);
    double es = x + y;
    double cs = x < 0.25 ? 1.0 - es : 0.5 - ((x - 0.5) + y);
    double ac = a < 0.84375 ? 0.84375 : (a > 28.0 ? 28.0 : a);   /* erfc(28) is 0 */
    double t = 1.0 / ac, pe, pp = cg_two_prod(t, ac, &pe);
    double tl = ((1.0 - pp) - pe) * t;              /* 1/x - t */
    double hl, h = cg_erfcx_tail(ac, t, tl, &hl);
    double xh = cg_bits_to_double(cg_double_to_bits(ac) & (int64_t)0xFFFFFFFF00000000LL);
    double el, e = cg_exp_core(-(xh * xh), -((ac - xh) * (ac + xh)), 0, 0.0, &el);
    double ec = e * h + (el * h + e * hl);          /* erfc(|x|) */
    int small = a < 0.84375;
    double erfc_v = small ? cs : (x > 0.0 ? ec : 2.0 - ec);
    double erf_v = small ? es : copysign(1.0 - ec, x);
    *erfc_out = x != x ? x : erfc_v;
    return x != x ? x : erf_v;
}
CG_INLINE double cg_erf(double x)
{
    double c;
    return cg_erf_pair(x, &c);
}
CG_INLINE double cg_erfc(double x)
{
    double c;
    cg_erf_pair(x, &c);
    return c;
}
/* float32 erfc in float64 with the float32 result's accuracy in mind (relative error 2e-10
 * before the one rounding, 0.5 ulp): 1 - erf below 0.84375, erf(x) = x + x S(x^2) with S of
 * degree 7; above, exp(-x^2) (x^2 exact for a float32 x) times erfcx by polynomials of
 * degree 10 in 1/x on [0.84375, 2) and [2, 10.1] (past 10.1 erfc rounds to 0). */
CG_INLINE float cg_erfcf(float x)
{
    double xd = x;
    double a = fabs(xd);
    a = a < 0.84375 ? 0.84375 : (a > 10.1 ? 10.1 : a);
    double t = 1.0 / a;
    double z = xd * xd;
    double s = -1.0944160171347311e-05;
    s = s * z + 0.00011620386456016327;
    s = s * z + -0.0008522871556015582;
    s = s * z + 0.005223142715498941;
    s = s * z + -0.026866021076560043;
    s = s * z + 0.11283790350805147;
    s = s * z + -0.37612638858702874;
    s = s * z + 0.12837916709305033;
    double d = t - (a >= 2.0 ? 0.09900990099009901 : 0.5), k;
    k = a >= 2.0 ? 0.6604412126384039 : -0.0014602540845052717;
    double h = k;
    k = a >= 2.0 ? -1.3638224758803383 : 0.003014460225887039;
    h = h * d + k;
    k = a >= 2.0 ? 0.934790993981207 : 0.005659288554033859;
    h = h * d + k;
    k = a >= 2.0 ? 0.10276108140751304 : -0.033004225598857836;
    h = h * d + k;
    k = a >= 2.0 ? -0.5538232459595924 : 0.06922982404114578;
    h = h * d + k;
    k = a >= 2.0 ? 0.25235083051412205 : -0.08880696941371481;
    h = h * d + k;
    k = a >= 2.0 ? 0.17682941697013083 : 0.0647544920886524;
    h = h * d + k;
    k = a >= 2.0 ? -0.24387076336885793 : 0.022835109119749085;
    h = h * d + k;
    k = a >= 2.0 ? -0.0798840009126548 : -0.18552714083979813;
    h = h * d + k;
    k = a >= 2.0 ? 0.5560901295117868 : 0.42718583949299044;
    h = h * d + k;
    k = a >= 2.0 ? 0.05559048700064225 : 0.25539567633061855;
    h = h * d + k;

    double cs = 1.0 - (xd + xd * s);
    double ec = cg_exp(-a * a) * h;
    double r = fabs(xd) < 0.84375 ? cs : (xd > 0.0 ? ec : 2.0 - ec);
    return x != x ? x : (float)r;
}

/* float32 tan computed in float64 (then one rounding): simpler than a float32 form that keeps
 * 2 ulp, at half the vector width. */
/* tan: the reduction of cg_sincos_polyf in float64, sin and cos of r by degree-3 polynomials
 * in r^2 (relative error 2e-11), sin / cos or -cos / sin by the quadrant. */
static inline float cg_tanf(float x)
{
    double xd = x;
    double kd = (xd * 0.63661977236758134 + 6755399441055744.0) - 6755399441055744.0;
    double r = (xd - kd * 1.5707963267341256) - kd * 6.077100506506192e-11;
    double z = r * r;
    double sp = 2.7249963648264692e-06;
    sp = sp * z + -1.9840087085618759e-04;
    sp = sp * z + 8.3333318755205825e-03;
    sp = sp * z + -1.6666666663858076e-01;
    double sn = r + r * z * sp;
    double cp = -2.7300986241846128e-07;
    cp = cp * z + 2.4800600627403390e-05;
    cp = cp * z + -1.3888887672595853e-03;
    cp = cp * z + 4.1666666664323213e-02;
    double cs = (1.0 - 0.5 * z) + z * z * cp;
    int32_t q = (int32_t)(float)kd;
    float v = (float)((q & 1) ? -cs / sn : sn / cs);
    return x == 0.0f ? x : v;
}

/* float32 inverse hyperbolic functions through the float32 log1p: asinh(x) = log1p(a + a^2 /
 * (1 + sqrt(1 + a^2))) with the sign of x (a = |x|), log(a) + log 2 past 4096 (where the
 * neglected 1/(4a^2) is far below an ulp); acosh(x) = log1p(t + sqrt(2t + t^2)), t = x - 1
 * (NaN below 1), in float64. atanh: CG_ATANH above, in float32 arithmetic. */
static inline float cg_asinhf(float x)
{
    float a = fabsf(x);
    int big = a > 4096.0f;
    float ac = big ? 1.0f : a;
    float rs = cg_log1pf(ac + ac * ac / (1.0f + sqrtf(1.0f + ac * ac)));
    float rb = cg_logf(a) + 0.693147180559945f;
    float r = copysignf(big ? rb : rs, x);
    return x != x ? x : r;
}
static inline float cg_acoshf(float x)
{
    /* in float64 (0.5 ulp): in float32 this form reached 2.4 ulp near x = 1.008 */
    double t = (double)x - 1.0;
    double tc = t < 0.0 ? 0.0 : t;
    double r = cg_log1p(tc + sqrt(2.0 * tc + tc * tc));
    float v = (float)r;
    v = x < 1.0f ? NAN : v;
    return x != x ? x : v;
}

/* erfinv = x P(w), w = -log(1 - x^2), P a fitted polynomial in w below w = 5, in sqrt(w)
 * on [sqrt 5, 4.1) and [4.1, 6.1] (relative errors 1.5e-12, 6.6e-12 and 3.3e-15), degree 14
 * each: the float32 result directly (0.5 ulp), the float64 one after a Newton step on
 * erf(y) = x, whose residual is taken as (1 - |x|) - erfc(y) past |x| = 0.5 so that it keeps
 * its digits near 1 (the step squares the relative error, times y^2 <= 36). erfinv(+-1) =
 * +-inf, |x| > 1 gives NaN. Branch-free, on the vector log, exp and erf. */
/* One Newton step on erf(y) = a (a in [0, 1)). */
CG_INLINE double cg_erfinv_newton(double y, double a)
{
    double c, e = cg_erf_pair(y, &c);
    double r = a <= 0.5 ? e - a : (1.0 - a) - c;
    return y - r / (1.1283791670955126 * cg_exp(-y * y));
}
CG_INLINE double cg_erfinv_steps(double x, int steps)
{
    double a = fabs(x);
    double ac = a < 1.0 ? a : 0.5;
    double w = -cg_log((1.0 - ac) * (1.0 + ac));
    double t = w - 2.5;
    double p = 4.48839475380365e-13;
    p = p * t + -3.3400628086471587e-13;
    p = p * t + -3.0348930849414626e-11;
    p = p * t + 1.2972529401630948e-10;
    p = p * t + 9.044394441482154e-10;
    p = p * t + -1.0905879754344712e-08;
    p = p * t + 1.3420950810932294e-08;
    p = p * t + 4.788340255685472e-07;
    p = p * t + -3.4166178100327125e-06;
    p = p * t + -4.996217433223483e-06;
    p = p * t + 0.0002182502548029104;
    p = p * t + -0.0012527078302520082;
    p = p * t + -0.004177317718479367;
    p = p * t + 0.24664027673149533;
    p = p * t + 1.5014093511103095;
    double u = sqrt(w) - (w >= 16.81 ? 5.1 : 3.1680339887498947), k;
    k = w >= 16.81 ? 1.0465884568733288e-09 : -1.935024611634918e-07;
    double q = k;
    k = w >= 16.81 ? -3.051995732285135e-09 : -3.6276528010862587e-06;
    q = q * u + k;
    k = w >= 16.81 ? 3.916689218974588e-09 : 1.020342853232005e-05;
    q = q * u + k;
    k = w >= 16.81 ? -6.669061440985904e-09 : 4.405676068254937e-06;
    q = q * u + k;
    k = w >= 16.81 ? 1.6877848949972886e-08 : -5.824459404034599e-05;
    q = q * u + k;
    k = w >= 16.81 ? -4.6551786950232044e-08 : 0.00011308990272808875;
    q = q * u + k;
    k = w >= 16.81 ? 1.789590455368995e-07 : -4.094966506304383e-05;
    q = q * u + k;
    k = w >= 16.81 ? -8.306175883679131e-07 : -0.0003516630210489562;
    q = q * u + k;
    k = w >= 16.81 ? 3.889990048199802e-06 : 0.0011577064887699925;
    q = q * u + k;
    k = w >= 16.81 ? -1.71627277490175e-05 : -0.00220737200910542;
    q = q * u + k;
    k = w >= 16.81 ? 6.680006081358587e-05 : 0.003286323543815279;
    q = q * u + k;
    k = w >= 16.81 ? -0.00018651300856669382 : -0.004692561645154119;
    q = q * u + k;
    k = w >= 16.81 ? -0.00019885886819028174 : 0.0064037299212375606;
    q = q * u + k;
    k = w >= 16.81 ? 1.0102665645020585 : 1.0042970054667375;
    q = q * u + k;
    k = w >= 16.81 ? 4.95093485307887 : 3.0015268114690743;
    q = q * u + k;
    double y = (w < 5.0 ? p : q) * ac;
    if (steps > 0) y = cg_erfinv_newton(y, ac);
    double res = copysign(y, x);
    res = a == 1.0 ? copysign(INFINITY, x) : res;
    res = a > 1.0 ? NAN : res;
    res = a == 0.0 ? x : res;
    return x != x ? x : res;
}
CG_INLINE double cg_erfinv(double x) { return cg_erfinv_steps(x, 1); }
CG_INLINE float cg_erfinvf(float x) { return (float)cg_erfinv_steps((double)x, 0); }

CG_CONTIG_LOOP(cg_logf_contig, float, cg_logf)
CG_CONTIG_LOOP(cg_log2f_contig, float, cg_log2f)
CG_CONTIG_LOOP(cg_log10f_contig, float, cg_log10f)
CG_CONTIG_LOOP(cg_log1pf_contig, float, cg_log1pf)
CG_CONTIG_LOOP(cg_expm1f_contig, float, cg_expm1f)
CG_CONTIG_LOOP(cg_exp2f_contig, float, cg_exp2f)
CG_CONTIG_LOOP(cg_exp_contig, double, cg_exp)
CG_CONTIG_LOOP(cg_log_contig, double, cg_log)
CG_CONTIG_LOOP(cg_sigmoid_contig, double, cg_sigmoid)
CG_CONTIG_LOOP(cg_log1p_contig, double, cg_log1p)
CG_CONTIG_LOOP(cg_expm1_contig, double, cg_expm1)
CG_CONTIG_LOOP(cg_tanh_contig, double, cg_tanh)
CG_CONTIG_LOOP(cg_log2_contig, double, cg_log2)
CG_CONTIG_LOOP(cg_log10_contig, double, cg_log10)
CG_CONTIG_LOOP(cg_exp2_contig, double, cg_exp2)
CG_CONTIG_LOOP(cg_sinh_contig, double, cg_sinh)
CG_CONTIG_LOOP(cg_cosh_contig, double, cg_cosh)
CG_CONTIG_LOOP(cg_atan_contig, double, cg_atan)
CG_CONTIG_LOOP(cg_asin_contig, double, cg_asin)
CG_CONTIG_LOOP(cg_acos_contig, double, cg_acos)
CG_CONTIG_LOOP(cg_asinh_contig, double, cg_asinh)
CG_CONTIG_LOOP(cg_acosh_contig, double, cg_acosh)
CG_CONTIG_LOOP(cg_atanh_contig, double, cg_atanh)
CG_CONTIG_LOOP(cg_erf_contig, double, cg_erf)
CG_CONTIG_LOOP(cg_erfc_contig, double, cg_erfc)
CG_CONTIG_LOOP(cg_erfcf_contig, float, cg_erfcf)
CG_CONTIG_LOOP(cg_erfinv_contig, double, cg_erfinv)
CG_CONTIG_LOOP(cg_erfinvf_contig, float, cg_erfinvf)
CG_CONTIG_LOOP(cg_sinhf_contig, float, cg_sinhf)
CG_CONTIG_LOOP(cg_coshf_contig, float, cg_coshf)
CG_CONTIG_LOOP(cg_atanf_contig, float, cg_atanf)
CG_CONTIG_LOOP(cg_asinf_contig, float, cg_asinf)
CG_CONTIG_LOOP(cg_acosf_contig, float, cg_acosf)
CG_CONTIG_LOOP(cg_asinhf_contig, float, cg_asinhf)
CG_CONTIG_LOOP(cg_acoshf_contig, float, cg_acoshf)
CG_CONTIG_LOOP(cg_atanhf_contig, float, cg_atanhf)

/* float32 pow through float64: |a|^b = exp(b log |a|) (an error of 1e-14 in the exponent at
 * most, far below float32's ulp, so the result is the float64 value rounded once), negative
 * for a negative base and an odd integer exponent; b == 2 is a * a exactly. Valid for finite,
 * non-zero a and finite b, with a > 0 or b an integer: cg_powf_loop hands every other block
 * (zeros, infinities, NaN, negative bases with fractional exponents) to libm's powf. */
static inline int cg_powf_ok(float a, float b)
{
    float ib = (float)(int32_t)b;
    return (a - a == 0.0f) & (a != 0.0f) & (b - b == 0.0f) & ((a > 0.0f) | ((b == ib) & (fabsf(b) < 2147483648.0f)));
}
static inline float cg_powf_fast(float a, float b)
{
    double r = cg_exp((double)b * cg_log(fabs((double)a)));
    double hb = 0.5 * (double)b;        /* b odd: b / 2 is not an integer (in float64 lanes, */
    r = (a < 0.0f) & (hb != floor(hb)) ? -r : r;        /* as the rest, so loops vectorise) */
    float v = (float)r;
    return b == 2.0f ? a * a : v;
}
/* o[i] = x[i] ** y[i * sy] (sy = 1: a tensor of exponents, 0: one exponent), contiguous, o
 * possibly x or y itself: each block of 256 is checked before any of it is written, and the
 * loops read element i before writing it (ivdep: GCC would not vectorise them otherwise).
 * One exponent of 1/2, -1/2, 1, -1, 2, 3 or -2 takes sqrt, 1 / sqrt or products, as PyTorch
 * does (within 1 ulp). */
#define CG_POW_BLOCK(EXPR)                                                              \
    _Pragma("GCC ivdep") for (Py_ssize_t i = i0; i < i1; i++) { __typeof__(x[0]) a = x[i];      \
                                                                o[i] = (EXPR); }
CG_CLONES static void cg_powf_loop(Py_ssize_t n, float *o, const float *x, const float *y,
                                   Py_ssize_t sy)
{
    for (Py_ssize_t i0 = 0; i0 < n; i0 += 256) {
        Py_ssize_t i1 = n - i0 < 256 ? n : i0 + 256;
        int ok = 1;                 /* an integer AND: a float product would not vectorise */
        if (sy == 0) {
            float b = y[0];
            for (Py_ssize_t i = i0; i < i1; i++) ok &= cg_powf_ok(x[i], b);
            if (!ok) CG_POW_BLOCK(b == 2.0f ? a * a : powf(a, b))
            else if (b == 0.5f) CG_POW_BLOCK(sqrtf(a))
            else if (b == -0.5f) CG_POW_BLOCK(1.0f / sqrtf(a))
            else if (b == 1.0f) CG_POW_BLOCK(a)
            else if (b == -1.0f) CG_POW_BLOCK(1.0f / a)
            else if (b == 2.0f) CG_POW_BLOCK(a * a)
            else if (b == 3.0f) CG_POW_BLOCK(a * a * a)
            else if (b == -2.0f) CG_POW_BLOCK((1.0f / a) * (1.0f / a))  /* a * a may be denormal */
            else CG_POW_BLOCK(cg_powf_fast(a, b))
        } else {
            for (Py_ssize_t i = i0; i < i1; i++) ok &= cg_powf_ok(x[i], y[i]);
            if (ok)
                _Pragma("GCC ivdep") for (Py_ssize_t i = i0; i < i1; i++)
                    o[i] = cg_powf_fast(x[i], y[i]);
            else
                for (Py_ssize_t i = i0; i < i1; i++)
                    o[i] = y[i] == 2.0f ? x[i] * x[i] : powf(x[i], y[i]);
        }
    }
}

/* float64 pow: one exponent of 1/2, -1/2, +-1, 2, 3 or -2 as sqrt or products (blocks whose
 * bases are finite and non-zero, positive for +-1/2), libm's pow for everything else. */
static inline int cg_pow_ok(double a, double b)
{
    return (a - a == 0.0) & (a != 0.0) & ((a > 0.0) | (b == floor(b)));
}
CG_CLONES static void cg_pow_loop(Py_ssize_t n, double *o, const double *x, const double *y,
                                  Py_ssize_t sy)
{
    if (sy != 0) {
        for (Py_ssize_t i = 0; i < n; i++) o[i] = y[i] == 2.0 ? x[i] * x[i] : pow(x[i], y[i]);
        return;
    }
    double b = y[0];
    int special = b == 0.5 || b == -0.5 || b == 1.0 || b == -1.0 || b == 2.0 || b == 3.0 ||
                  b == -2.0;
    for (Py_ssize_t i0 = 0; i0 < n; i0 += 256) {
        Py_ssize_t i1 = n - i0 < 256 ? n : i0 + 256;
        int ok = special;
        if (ok)
            for (Py_ssize_t i = i0; i < i1; i++) ok &= cg_pow_ok(x[i], b);
        if (!ok)
            for (Py_ssize_t i = i0; i < i1; i++) o[i] = b == 2.0 ? x[i] * x[i] : pow(x[i], b);
        else if (b == 0.5) CG_POW_BLOCK(sqrt(a))
        else if (b == -0.5) CG_POW_BLOCK(1.0 / sqrt(a))
        else if (b == 1.0) CG_POW_BLOCK(a)
        else if (b == -1.0) CG_POW_BLOCK(1.0 / a)
        else if (b == 2.0) CG_POW_BLOCK(a * a)
        else if (b == 3.0) CG_POW_BLOCK(a * a * a)
        else CG_POW_BLOCK((1.0 / a) * (1.0 / a))
    }
}

/* sin / cos / tan over blocks: a block whose arguments are all within CG_TRIG_MAXF (NaN fails the
 * test) runs the vector polynomial, any other block libm's sinf / cosf (exact reduction). */
#define CG_TRIG_LOOP(NAME, FN, LIBM)                                                    \
CG_CLONES static void NAME(Py_ssize_t n, float *o, const float *x)                      \
{                                                                                       \
    for (Py_ssize_t i0 = 0; i0 < n; i0 += 256) {                                        \
        Py_ssize_t i1 = n - i0 < 256 ? n : i0 + 256;                                    \
        int ok = 1;                                                                     \
        for (Py_ssize_t i = i0; i < i1; i++) ok &= fabsf(x[i]) <= CG_TRIG_MAXF;         \
        if (ok)                                                                         \
            for (Py_ssize_t i = i0; i < i1; i++) o[i] = FN(x[i]);                       \
        else                                                                            \
            for (Py_ssize_t i = i0; i < i1; i++) o[i] = LIBM(x[i]);                     \
    }                                                                                   \
}
CG_TRIG_LOOP(cg_sinf_contig, cg_sinf, sinf)
CG_TRIG_LOOP(cg_cosf_contig, cg_cosf, cosf)
CG_TRIG_LOOP(cg_tanf_contig, cg_tanf, tanf)

/* float64 sin, cos and tan. |x| <= CG_TRIG_MAX: x = k pi/2 + r, pi/2 in three parts (the first
 * two of 33 bits, so k times them is exact for |k| < 2^20), r kept as rh + rl; sin(r) and
 * cos(r) by their Taylor series to r^17 and r^18 (remainders below 1e-19 for |r| <= pi/4), cos
 * with the rounding of 1 - r^2/2 added back; the quadrant picks sin, cos and their signs; tan
 * is their quotient corrected for the low parts of both (no exactness is asked of a product:
 * the compiler may fuse it into a multiply-add in the AVX-512 clone). Where the
 * reduction cancels (a result below 1e-13 or, for tan, above 1e13, for |x| > pi/4) or |x|
 * exceeds CG_TRIG_MAX, the loops below send the block to libm (exact reduction). */
#define CG_TRIG_MAX 1.0e6
static inline double cg_trig_reduce(double x, double *rl, int64_t *q)
{
    double t = x * 0.6366197723675814 + 6755399441055744.0;
    double kd = t - 6755399441055744.0;
    *q = cg_double_to_bits(t) - cg_double_to_bits(6755399441055744.0);
    double a = kd * 6.077100506303966e-11, b = kd * 2.0222662487959506e-21;
    double t1 = x - kd * 1.5707963267341256;
    double t2 = t1 - a;
    double e2 = (t1 - t2) - a;
    double t3 = t2 - b;
    double e3 = (t2 - t3) - b;
    *rl = e2 + e3;
    return t3;
}
/* sin(rh + rl) - rh. */
static inline double cg_sin_tail(double rh, double rl, double z)
{
    double p = 2.8114572543455206e-15;
    p = p * z + -7.647163731819816e-13;
    p = p * z + 1.6059043836821613e-10;
    p = p * z + -2.505210838544172e-08;
    p = p * z + 2.7557319223985893e-06;
    p = p * z + -0.0001984126984126984;
    p = p * z + 0.008333333333333333;
    p = p * z + -0.16666666666666666;
    return rh * z * p + rl * (1.0 - 0.5 * z);
}
/* cos(rh + rl) as w + (its low part), w = 1 - r^2/2 rounded. */
static inline double cg_cos_kernel(double rh, double rl, double z, double *lo)
{
    double p = -1.5619206968586225e-16;
    p = p * z + 4.779477332387385e-14;
    p = p * z + -1.1470745597729725e-11;
    p = p * z + 2.08767569878681e-09;
    p = p * z + -2.755731922398589e-07;
    p = p * z + 2.48015873015873e-05;
    p = p * z + -0.001388888888888889;
    p = p * z + 0.041666666666666664;
    double hz = 0.5 * z, w = 1.0 - hz;
    *lo = ((1.0 - w) - hz) + (z * z * p - rh * rl);
    return w;
}
/* sin and cos of x's reduced argument, and the quadrant. */
static inline double cg_sincos_parts(double x, int64_t *q, double *cs)
{
    double rl, rh = cg_trig_reduce(x, &rl, q), z = rh * rh;
    double cl, c = cg_cos_kernel(rh, rl, z, &cl);
    *cs = c + cl;
    return rh + cg_sin_tail(rh, rl, z);
}
static inline double cg_sin(double x)
{
    int64_t q;
    double cs, sn = cg_sincos_parts(x, &q, &cs);
    double r = (q & 1) ? cs : sn;
    r = (q & 2) ? -r : r;
    return x == 0.0 ? x : r;
}
static inline double cg_cos(double x)
{
    int64_t q;
    double cs, sn = cg_sincos_parts(x, &q, &cs);
    double r = (q & 1) ? sn : cs;
    return ((q + 1) & 2) ? -r : r;
}
static inline double cg_tan(double x)
{
    int64_t q;
    double rl, rh = cg_trig_reduce(x, &rl, &q), z = rh * rh;
    double cl, c = cg_cos_kernel(rh, rl, z, &cl);
    double ch = c + cl, cll = (c - ch) + cl;            /* cos and sin as value + error */
    double st = cg_sin_tail(rh, rl, z);
    double sh = rh + st, sl = (rh - sh) + st;
    int odd = (int)(q & 1);
    /* num / den: sin / cos, or -cos / sin in the odd quadrants */
    double nh = odd ? -ch : sh, nl = odd ? -cll : sl;
    double dh = odd ? sh : ch, dl = odd ? sl : cll;
    double t = nh / dh;
    double res = t + (nl - t * dl) / dh;
    return x == 0.0 ? x : res;
}
/* The blocks: the vector kernel, then libm's for a block where the reduction may have lost
 * digits (see above) or an argument is past CG_TRIG_MAX, NaN or infinite. The arguments are
 * copied first, since o may be x (in place). */
#define CG_TRIG64_LOOP(NAME, FN, LIBM, BAD)                                             \
CG_CLONES static void NAME(Py_ssize_t n, double *o, const double *x)                    \
{                                                                                       \
    double xb[256];                                                                     \
    for (Py_ssize_t i0 = 0; i0 < n; i0 += 256) {                                        \
        Py_ssize_t m = n - i0 < 256 ? n - i0 : 256;                                     \
        double *ob = o + i0;                                                            \
        int ok = 1;                                                                     \
        memcpy(xb, x + i0, (size_t)m * sizeof(double));                                 \
        for (Py_ssize_t i = 0; i < m; i++) ob[i] = FN(xb[i]);                           \
        for (Py_ssize_t i = 0; i < m; i++) {                                            \
            double a = fabs(xb[i]), v = fabs(ob[i]);                                    \
            ok &= (a <= CG_TRIG_MAX) & ((a < 0.78) | !(BAD));                           \
        }                                                                               \
        if (!ok)                                                                        \
            for (Py_ssize_t i = 0; i < m; i++) ob[i] = LIBM(xb[i]);                     \
    }                                                                                   \
}
CG_TRIG64_LOOP(cg_sin_contig, cg_sin, sin, v < 1e-13)
CG_TRIG64_LOOP(cg_cos_contig, cg_cos, cos, v < 1e-13)
CG_TRIG64_LOOP(cg_tan_contig, cg_tan, tan, (v < 1e-13) | (v > 1e13))

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

