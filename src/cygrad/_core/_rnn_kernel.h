/* The pointwise part of one recurrent time step, forward and backward, for the LSTM, GRU and
 * Elman (tanh / ReLU) cells (see _rnn.pyx for the step loops around them). Each function
 * handles the `bs` rows of one step; rows are `ld*` elements apart, gate blocks `H` apart in
 * PyTorch's order (LSTM i, f, g, o; GRU r, z, n). Compiled per instruction set so the gate
 * loops run in AVX2 / AVX-512 vectors (the float32 sigmoid is the one-division
 * cg_sigmoid_gatef); float64 uses cg_sigmoid and cg_tanh. */
#ifndef CYGRAD_RNN_KERNEL_H
#define CYGRAD_RNN_KERNEL_H
#include "_vecmath.h"

/* Pointers that do not alias: without it GCC gives up vectorising the gate loops ("complicated
 * access pattern", too many pairs to check at run time). */
#define CG_R __restrict__

/* LSTM forward: pre = xg + hg; i, f, o = sigmoid, g = tanh; c = f * c + i * g (c updated in
 * place), h = o * tanh(c). Saved per row: the activated gates (acts), c before the step
 * (cprev) and tanh of the new c (tc). */
#define CG_LSTM_FWD(NAME, T, SIG, TANH)                                                    \
CG_CLONES static void NAME(Py_ssize_t bs, Py_ssize_t H, const T *CG_R xg, const T *CG_R hg, \
                           T *CG_R c, T *CG_R acts, T *CG_R cprev,                         \
                           T *CG_R tc, T *CG_R h, Py_ssize_t ldh)                          \
{                                                                                          \
    for (Py_ssize_t b = 0; b < bs; b++) {                                                  \
        const T *CG_R x = xg + b * 4 * H, *CG_R y = hg + b * 4 * H;                        \
        T *CG_R a = acts + b * 4 * H, *CG_R cb = c + b * H, *CG_R cp = cprev + b * H;      \
        T *CG_R t = tc + b * H;                                                            \
        T *CG_R hb = h + b * ldh;                                                          \
        for (Py_ssize_t j = 0; j < H; j++) {                                               \
            T i = SIG(x[j] + y[j]), f = SIG(x[H + j] + y[H + j]);                          \
            T g = TANH(x[2 * H + j] + y[2 * H + j]), o = SIG(x[3 * H + j] + y[3 * H + j]); \
            T cn = f * cb[j] + i * g;                                                      \
            T tn = TANH(cn);                                                               \
            a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o;                    \
            cp[j] = cb[j]; cb[j] = cn; t[j] = tn;                                          \
            hb[j] = o * tn;                                                                \
        }                                                                                  \
    }                                                                                      \
}

/* LSTM backward: dh (the gradient reaching h at this step), dc (reaching c, updated in place
 * to the gradient of c before the step) -> dgates (pre-activation). */
#define CG_LSTM_BWD(NAME, T)                                                               \
CG_CLONES static void NAME(Py_ssize_t bs, Py_ssize_t H, const T *CG_R dh, Py_ssize_t lddh, \
                           T *CG_R dc, const T *CG_R acts, const T *CG_R cprev,            \
                           const T *CG_R tc, T *CG_R dg)                                   \
{                                                                                          \
    for (Py_ssize_t b = 0; b < bs; b++) {                                                  \
        const T *CG_R a = acts + b * 4 * H, *CG_R cp = cprev + b * H, *CG_R t = tc + b * H; \
        const T *CG_R d = dh + b * lddh;                                                   \
        T *CG_R dcb = dc + b * H, *CG_R o = dg + b * 4 * H;                                \
        for (Py_ssize_t j = 0; j < H; j++) {                                               \
            T i = a[j], f = a[H + j], g = a[2 * H + j], og = a[3 * H + j], tn = t[j];      \
            T dcn = dcb[j] + d[j] * og * (1 - tn * tn);                                    \
            o[j] = dcn * g * i * (1 - i);                                                  \
            o[H + j] = dcn * cp[j] * f * (1 - f);                                          \
            o[2 * H + j] = dcn * i * (1 - g * g);                                          \
            o[3 * H + j] = d[j] * tn * og * (1 - og);                                      \
            dcb[j] = dcn * f;                                                              \
        }                                                                                  \
    }                                                                                      \
}

/* GRU forward: r, z = sigmoid(xg + hg), n = tanh(xg_n + r * hg_n),
 * h = (1 - z) * n + z * hprev (hg includes b_hh). Saved: r, z, n and hg_n (acts). */
#define CG_GRU_FWD(NAME, T, SIG, TANH)                                                     \
CG_CLONES static void NAME(Py_ssize_t bs, Py_ssize_t H, const T *CG_R xg, const T *CG_R hg, \
                           const T *CG_R hprev, Py_ssize_t ldp,                            \
                           T *CG_R acts, T *CG_R h, Py_ssize_t ldh)                        \
{                                                                                          \
    for (Py_ssize_t b = 0; b < bs; b++) {                                                  \
        const T *CG_R x = xg + b * 3 * H, *CG_R y = hg + b * 3 * H, *CG_R p = hprev + b * ldp; \
        T *CG_R a = acts + b * 4 * H, *CG_R hb = h + b * ldh;                              \
        for (Py_ssize_t j = 0; j < H; j++) {                                               \
            T r = SIG(x[j] + y[j]), z = SIG(x[H + j] + y[H + j]);                          \
            T hn = y[2 * H + j];                                                           \
            T n = TANH(x[2 * H + j] + r * hn);                                             \
            a[j] = r; a[H + j] = z; a[2 * H + j] = n; a[3 * H + j] = hn;                   \
            hb[j] = (1 - z) * n + z * p[j];                                                \
        }                                                                                  \
    }                                                                                      \
}

/* GRU backward: dh -> the input-gate gradients dx (r, z, n) and the hidden-gate ones dhg
 * (r, z, r * dn); dhp receives z * dh (the direct path to hprev). */
#define CG_GRU_BWD(NAME, T)                                                                \
CG_CLONES static void NAME(Py_ssize_t bs, Py_ssize_t H, const T *CG_R dh, Py_ssize_t lddh, \
                           const T *CG_R acts, const T *CG_R hprev, Py_ssize_t ldp,        \
                           T *CG_R dx, T *CG_R dhg,                                        \
                           T *CG_R dhp, Py_ssize_t lddp)                                   \
{                                                                                          \
    for (Py_ssize_t b = 0; b < bs; b++) {                                                  \
        const T *CG_R a = acts + b * 4 * H, *CG_R p = hprev + b * ldp, *CG_R d = dh + b * lddh; \
        T *CG_R ox = dx + b * 3 * H, *CG_R oh = dhg + b * 3 * H, *CG_R q = dhp + b * lddp; \
        for (Py_ssize_t j = 0; j < H; j++) {                                               \
            T r = a[j], z = a[H + j], n = a[2 * H + j], hn = a[3 * H + j], g = d[j];       \
            T dn = g * (1 - z) * (1 - n * n);                                              \
            T dr = dn * hn * r * (1 - r);                                                  \
            T dz = g * (p[j] - n) * z * (1 - z);                                           \
            ox[j] = dr; ox[H + j] = dz; ox[2 * H + j] = dn;                                \
            oh[j] = dr; oh[H + j] = dz; oh[2 * H + j] = dn * r;                            \
            q[j] = g * z;                                                                  \
        }                                                                                  \
    }                                                                                      \
}

/* Elman forward: h = act(xg + hg) with act tanh (relu = 0) or ReLU (relu = 1). */
#define CG_ELMAN_FWD(NAME, T, TANH)                                                        \
CG_CLONES static void NAME(Py_ssize_t bs, Py_ssize_t H, const T *CG_R xg, const T *CG_R hg, \
                           int relu, T *CG_R h, Py_ssize_t ldh)                            \
{                                                                                          \
    for (Py_ssize_t b = 0; b < bs; b++) {                                                  \
        const T *CG_R x = xg + b * H, *CG_R y = hg + b * H;                                \
        T *CG_R hb = h + b * ldh;                                                          \
        if (relu)                                                                          \
            for (Py_ssize_t j = 0; j < H; j++) {                                           \
                T v = x[j] + y[j];                                                         \
                hb[j] = v > 0 ? v : (v != v ? v : 0);                                      \
            }                                                                              \
        else                                                                               \
            for (Py_ssize_t j = 0; j < H; j++) hb[j] = TANH(x[j] + y[j]);                  \
    }                                                                                      \
}

/* Elman backward: dpre = dh * act'(h), from the step's output h. */
#define CG_ELMAN_BWD(NAME, T)                                                              \
CG_CLONES static void NAME(Py_ssize_t bs, Py_ssize_t H, const T *CG_R dh, Py_ssize_t lddh, \
                           const T *CG_R h, Py_ssize_t ldh, int relu, T *CG_R dpre)        \
{                                                                                          \
    for (Py_ssize_t b = 0; b < bs; b++) {                                                  \
        const T *CG_R d = dh + b * lddh, *CG_R hb = h + b * ldh;                           \
        T *CG_R o = dpre + b * H;                                                          \
        if (relu)                                                                          \
            for (Py_ssize_t j = 0; j < H; j++) o[j] = hb[j] > 0 ? d[j] : 0;                \
        else                                                                               \
            for (Py_ssize_t j = 0; j < H; j++) o[j] = d[j] * (1 - hb[j] * hb[j]);          \
    }                                                                                      \
}

CG_LSTM_FWD(cg_lstm_fwd_f32, float, cg_sigmoid_gatef, cg_tanhf)
CG_LSTM_FWD(cg_lstm_fwd_f64, double, cg_sigmoid, cg_tanh)
CG_LSTM_BWD(cg_lstm_bwd_f32, float)
CG_LSTM_BWD(cg_lstm_bwd_f64, double)
CG_GRU_FWD(cg_gru_fwd_f32, float, cg_sigmoid_gatef, cg_tanhf)
CG_GRU_FWD(cg_gru_fwd_f64, double, cg_sigmoid, cg_tanh)
CG_GRU_BWD(cg_gru_bwd_f32, float)
CG_GRU_BWD(cg_gru_bwd_f64, double)
CG_ELMAN_FWD(cg_elman_fwd_f32, float, cg_tanhf)
CG_ELMAN_FWD(cg_elman_fwd_f64, double, cg_tanh)
CG_ELMAN_BWD(cg_elman_bwd_f32, float)
CG_ELMAN_BWD(cg_elman_bwd_f64, double)
#endif
