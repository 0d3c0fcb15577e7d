"""The time loops of the recurrent layers (Elman tanh/ReLU, LSTM, GRU), forward and backward.

One call runs one layer in one direction over a whole sequence. The input projection
``xg = x @ w_ih.T + b`` of every step has already been computed by one matrix product
(recorded by autograd, so its own backward gives the input, ``w_ih`` and bias gradients);
what remains per step is one small product with the recurrent weight and one pointwise
pass over the gates (``_rnn_kernel.h``). The recurrent weight (and the LSTM projection) is
packed once per call in the GEMM's layout (``_matmul.pxd``), so a step packs only its small
state. The whole loop runs without the GIL.

Sequences are packed and time-major, as in PyTorch's ``PackedSequence``: step ``t`` owns
rows ``[off_t, off_t + bs_t)`` of ``xg`` and of the output, with non-increasing batch sizes
``bs_t``; a padded ``(T, B)`` input is the case ``bs_t = B``. A sequence that ends early keeps
its state in the state buffers, which is why those are also its final ``h_n``/``c_n``;
running backwards in time (``reverse``), a sequence starts at its own last step from its row
of ``h0``.

Per step the forward saves what the backward needs (the activated gates, the state before
the step, ``tanh(c)``); the backward walks the steps the other way and returns the gradient
of ``xg`` (the pre-activation gate gradients of every step), of ``h0``/``c0``, and the row
blocks whose products with the saved states give the weight gradients (computed by the
caller as single matrix products).
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset

from ._typedefs cimport DT_FLOAT32, DT_FLOAT64
from ._tensor cimport TensorBase, new_tensor
from ._iter cimport get_threads
from ._matmul cimport packed_b_size, pack_b_whole, packed_a_size, gemm_packed_b

cdef extern from "_rnn_kernel.h" nogil:
    void cg_lstm_fwd_f32(Py_ssize_t bs, Py_ssize_t H, const float* xg, const float* hg,
                         float* c, float* acts, float* cprev, float* tc, float* h,
                         Py_ssize_t ldh)
    void cg_lstm_fwd_f64(Py_ssize_t bs, Py_ssize_t H, const double* xg, const double* hg,
                         double* c, double* acts, double* cprev, double* tc, double* h,
                         Py_ssize_t ldh)
    void cg_lstm_bwd_f32(Py_ssize_t bs, Py_ssize_t H, const float* dh, Py_ssize_t lddh,
                         float* dc, const float* acts, const float* cprev, const float* tc,
                         float* dg)
    void cg_lstm_bwd_f64(Py_ssize_t bs, Py_ssize_t H, const double* dh, Py_ssize_t lddh,
                         double* dc, const double* acts, const double* cprev,
                         const double* tc, double* dg)
    void cg_gru_fwd_f32(Py_ssize_t bs, Py_ssize_t H, const float* xg, const float* hg,
                        const float* hprev, Py_ssize_t ldp, float* acts, float* h,
                        Py_ssize_t ldh)
    void cg_gru_fwd_f64(Py_ssize_t bs, Py_ssize_t H, const double* xg, const double* hg,
                        const double* hprev, Py_ssize_t ldp, double* acts, double* h,
                        Py_ssize_t ldh)
    void cg_gru_bwd_f32(Py_ssize_t bs, Py_ssize_t H, const float* dh, Py_ssize_t lddh,
                        const float* acts, const float* hprev, Py_ssize_t ldp, float* dx,
                        float* dhg, float* dhp, Py_ssize_t lddp)
    void cg_gru_bwd_f64(Py_ssize_t bs, Py_ssize_t H, const double* dh, Py_ssize_t lddh,
                        const double* acts, const double* hprev, Py_ssize_t ldp, double* dx,
                        double* dhg, double* dhp, Py_ssize_t lddp)
    void cg_elman_fwd_f32(Py_ssize_t bs, Py_ssize_t H, const float* xg, const float* hg,
                          int relu, float* h, Py_ssize_t ldh)
    void cg_elman_fwd_f64(Py_ssize_t bs, Py_ssize_t H, const double* xg, const double* hg,
                          int relu, double* h, Py_ssize_t ldh)
    void cg_elman_bwd_f32(Py_ssize_t bs, Py_ssize_t H, const float* dh, Py_ssize_t lddh,
                          const float* h, Py_ssize_t ldh, int relu, float* dpre)
    void cg_elman_bwd_f64(Py_ssize_t bs, Py_ssize_t H, const double* dh, Py_ssize_t lddh,
                          const double* h, Py_ssize_t ldh, int relu, double* dpre)

cpdef enum Mode:
    RNN_TANH = 0
    RNN_RELU = 1
    LSTM = 2
    GRU = 3

MODES = {"RNN_TANH": RNN_TANH, "RNN_RELU": RNN_RELU, "LSTM": LSTM, "GRU": GRU}


cdef inline int _gates(int mode) noexcept nogil:
    return 4 if mode == LSTM else (3 if mode == GRU else 1)


# ------------------------------------------------------------------ validation (with the GIL)
cdef class _Plan:
    """The validated sizes of one call: steps, their rows, and the layer's widths."""
    cdef int mode, dt, nthr
    cdef Py_ssize_t T, B, N, H, P, G
    cdef Py_ssize_t* off
    cdef Py_ssize_t* bs
    cdef bint reverse

    def __dealloc__(self):
        free(self.off)
        free(self.bs)


cdef TensorBase _need(object t, str name, int dt, Py_ssize_t d0, Py_ssize_t d1):
    """``t`` as a contiguous 2-d (or, with ``d1 < 0``, 1-d) tensor of the given sizes."""
    cdef TensorBase x = <TensorBase?>t
    if x._dtype != dt:
        raise RuntimeError(f"recurrent layer: {name} has dtype {x.dtype}, expected "
                           f"{'float32' if dt == DT_FLOAT32 else 'float64'}")
    if d1 < 0:
        if x._ndim != 1 or x._shape[0] != d0:
            raise RuntimeError(f"recurrent layer: {name} has shape {list(x.shape)}, "
                               f"expected [{d0}]")
    elif x._ndim != 2 or x._shape[0] != d0 or x._shape[1] != d1:
        raise RuntimeError(f"recurrent layer: {name} has shape {list(x.shape)}, expected "
                           f"[{d0}, {d1}]")
    if not x.contiguous_c():
        raise RuntimeError(f"recurrent layer: {name} must be contiguous")
    return x


cdef _Plan _plan(int mode, int dt, object batch_sizes, TensorBase w_hh, object w_hr,
                 bint reverse):
    cdef _Plan p = _Plan()
    cdef Py_ssize_t t, s, prev
    if mode < 0 or mode > 3:
        raise ValueError(f"recurrent layer: unknown mode {mode}")
    p.mode = mode
    p.dt = dt
    if dt != DT_FLOAT32 and dt != DT_FLOAT64:
        raise RuntimeError("recurrent layer: expected a floating point input")
    p.G = _gates(mode)
    sizes = [int(b) for b in batch_sizes]
    p.T = len(sizes)
    if p.T == 0 or sizes[0] <= 0:
        raise RuntimeError("recurrent layer: the sequence needs at least one step with a "
                           "positive batch size")
    if w_hh._ndim != 2 or w_hh._shape[0] % p.G:
        raise RuntimeError(f"recurrent layer: weight_hh has shape {list(w_hh.shape)}")
    p.H = w_hh._shape[0] // p.G
    p.P = w_hh._shape[1]
    if w_hr is None and p.P != p.H:
        raise RuntimeError(f"recurrent layer: weight_hh has shape {list(w_hh.shape)}, "
                           f"expected [{p.G * p.H}, {p.H}]")
    if w_hr is not None and mode != LSTM:
        raise RuntimeError("recurrent layer: only the LSTM has a projection")
    p.B = sizes[0]
    p.off = <Py_ssize_t*>malloc(p.T * sizeof(Py_ssize_t))
    p.bs = <Py_ssize_t*>malloc(p.T * sizeof(Py_ssize_t))
    if p.off == NULL or p.bs == NULL:
        raise MemoryError()
    s = 0
    prev = p.B
    for t in range(p.T):
        if sizes[t] <= 0 or sizes[t] > prev:
            raise RuntimeError(f"recurrent layer: batch sizes must be positive and "
                               f"non-increasing, got {sizes}")
        prev = sizes[t]
        p.off[t] = s
        p.bs[t] = sizes[t]
        s += sizes[t]
    p.N = s
    _need(w_hh, "weight_hh", p.dt, p.G * p.H, p.P)
    if w_hr is not None:
        _need(w_hr, "weight_hr", p.dt, p.P, p.H)
    p.reverse = reverse
    p.nthr = get_threads()
    return p


cdef TensorBase _new2(Py_ssize_t a, Py_ssize_t b, int dt, bint zero=False):
    cdef Py_ssize_t shape[2]
    shape[0] = a
    shape[1] = b
    return new_tensor(2, shape, dt, zero)


cdef inline Py_ssize_t _isz(int dt) noexcept nogil:
    return 4 if dt == DT_FLOAT32 else 8


cdef inline char* _row(TensorBase t, Py_ssize_t r, Py_ssize_t width) noexcept nogil:
    """Pointer to row ``r`` of a contiguous 2-d tensor ``width`` elements wide."""
    return t.ptr() + r * width * _isz(t._dtype)


cdef inline void _add_rows(int dt, char* o, const char* a, const char* b,
                           Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    if dt == DT_FLOAT32:
        for j in range(n):
            (<float*>o)[j] = (<const float*>a)[j] + (<const float*>b)[j]
    else:
        for j in range(n):
            (<double*>o)[j] = (<const double*>a)[j] + (<const double*>b)[j]


cdef inline void _fill_rows(int dt, char* o, const char* row, Py_ssize_t rows,
                            Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t r
    for r in range(rows):
        memcpy(o + r * n * _isz(dt), row, n * _isz(dt))


cdef TensorBase _copy(TensorBase t):
    cdef TensorBase o = _new2(t._shape[0], t._shape[1], t._dtype)
    memcpy(o.ptr(), t.ptr(), t.numel_c() * _isz(t._dtype))
    return o


cdef class _Packed:
    """A weight packed for ``gemm_packed_b`` plus the per-thread workspace of its products."""
    cdef void* b
    cdef void* work
    cdef Py_ssize_t K, N

    def __dealloc__(self):
        free(self.b)
        free(self.work)


cdef _Packed _pack(int dt, TensorBase w, bint transpose, Py_ssize_t rows, int nthr):
    """``w.T`` (``transpose``) or ``w`` as the right operand of ``rows``-row products."""
    cdef _Packed p = _Packed()
    cdef Py_ssize_t K, N, rsb, csb
    if transpose:
        K, N, rsb, csb = w._shape[1], w._shape[0], 1, w._shape[1]
    else:
        K, N, rsb, csb = w._shape[0], w._shape[1], w._shape[1], 1
    p.K = K
    p.N = N
    p.b = malloc(packed_b_size(dt, K, N) * _isz(dt))
    p.work = malloc(packed_a_size(dt, rows, K) * nthr * _isz(dt))
    if p.b == NULL or p.work == NULL:
        raise MemoryError("recurrent layer: cannot allocate the packed weights")
    with nogil:
        pack_b_whole(dt, p.b, w.ptr(), rsb, csb, K, N)
    return p


cdef inline void _mm(int dt, _Packed w, Py_ssize_t m, const char* a, Py_ssize_t lda,
                     bint accumulate, char* c, Py_ssize_t ldc, int nthr) noexcept nogil:
    gemm_packed_b(dt, m, w.N, w.K, a, lda, 1, w.b, accumulate, c, ldc, 1, w.work, nthr)


# ------------------------------------------------------------------ forward
def forward(int mode, TensorBase xg, batch_sizes, TensorBase h0, c0, TensorBase w_hh,
            b_hh=None, w_hr=None, bint reverse=False):
    """Run one layer and direction over the packed sequence ``xg``.

    Parameters
    ----------
    mode : int
        ``MODES[name]`` for ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'``, ``'GRU'``.
    xg : TensorBase
        ``(N, G*H)``, contiguous: every step's input projection (with both biases, except
        ``b_hh`` for the GRU).
    batch_sizes : sequence of int
        Rows of each step, non-increasing, summing to ``N``.
    h0, c0 : TensorBase
        ``(B, P)`` and, for the LSTM, ``(B, H)`` initial states (``c0`` None otherwise).
    w_hh : TensorBase
        ``(G*H, P)``; ``P`` is ``H`` unless the LSTM has a projection ``w_hr`` ``(P, H)``.
    b_hh : TensorBase or None
        ``(3*H,)``, the GRU's hidden bias.
    reverse : bool
        Walk the steps from the last to the first.

    Returns
    -------
    tuple
        ``(out (N, P), h_n (B, P), c_n (B, H) or None, saved)``; ``saved`` is the tuple
        :func:`backward` takes.
    """
    cdef _Plan p = _plan(mode, xg._dtype, batch_sizes, w_hh, w_hr, reverse)
    cdef int dt = p.dt, nthr = p.nthr
    cdef Py_ssize_t H = p.H, P = p.P, G = p.G, B = p.B, i, t, r0, bs
    cdef TensorBase h, c = None, tb = None, whr = None, out, hprev
    cdef TensorBase acts = None, cprev = None, tc = None, hraw = None
    cdef _Packed pw, pr = None
    cdef char* hg = NULL
    cdef char* hdst
    cdef Py_ssize_t ldh
    _need(xg, "the projected input", dt, p.N, G * H)
    h = _copy(_need(h0, "h0", dt, B, P))
    if mode == LSTM:
        c = _copy(_need(c0, "c0", dt, B, H))
    if mode == GRU and b_hh is not None:
        tb = _need(b_hh, "bias_hh", dt, G * H, -1)
    if w_hr is not None:
        whr = <TensorBase>w_hr
    out = _new2(p.N, P, dt)
    hprev = _new2(p.N, P, dt)
    if mode == LSTM or mode == GRU:
        acts = _new2(p.N, 4 * H, dt)
    if mode == LSTM:
        cprev = _new2(p.N, H, dt)
        tc = _new2(p.N, H, dt)
        if whr is not None:
            hraw = _new2(p.N, H, dt)
    pw = _pack(dt, w_hh, True, B, nthr)
    if whr is not None:
        pr = _pack(dt, whr, True, B, nthr)
    hg = <char*>malloc(B * G * H * _isz(dt) + 1)
    if hg == NULL:
        raise MemoryError("recurrent layer: cannot allocate the gate buffer")
    try:
        with nogil:
            for i in range(p.T):
                t = p.T - 1 - i if reverse else i
                r0 = p.off[t]
                bs = p.bs[t]
                memcpy(_row(hprev, r0, P), h.ptr(), bs * P * _isz(dt))
                if mode == GRU and tb is not None:
                    _fill_rows(dt, hg, tb.ptr(), bs, G * H)
                _mm(dt, pw, bs, h.ptr(), P, mode == GRU and tb is not None, hg, G * H,
                    nthr)
                if mode == LSTM:
                    hdst = _row(hraw, r0, H) if pr is not None else _row(out, r0, P)
                    ldh = H if pr is not None else P
                    if dt == DT_FLOAT32:
                        cg_lstm_fwd_f32(bs, H, <float*>_row(xg, r0, G * H), <float*>hg,
                                        <float*>c.ptr(), <float*>_row(acts, r0, 4 * H),
                                        <float*>_row(cprev, r0, H), <float*>_row(tc, r0, H),
                                        <float*>hdst, ldh)
                    else:
                        cg_lstm_fwd_f64(bs, H, <double*>_row(xg, r0, G * H), <double*>hg,
                                        <double*>c.ptr(), <double*>_row(acts, r0, 4 * H),
                                        <double*>_row(cprev, r0, H),
                                        <double*>_row(tc, r0, H), <double*>hdst, ldh)
                    if pr is not None:
                        _mm(dt, pr, bs, hdst, H, False, _row(out, r0, P), P, nthr)
                elif mode == GRU:
                    if dt == DT_FLOAT32:
                        cg_gru_fwd_f32(bs, H, <float*>_row(xg, r0, G * H), <float*>hg,
                                       <float*>h.ptr(), H, <float*>_row(acts, r0, 4 * H),
                                       <float*>_row(out, r0, H), H)
                    else:
                        cg_gru_fwd_f64(bs, H, <double*>_row(xg, r0, G * H), <double*>hg,
                                       <double*>h.ptr(), H, <double*>_row(acts, r0, 4 * H),
                                       <double*>_row(out, r0, H), H)
                else:
                    if dt == DT_FLOAT32:
                        cg_elman_fwd_f32(bs, H, <float*>_row(xg, r0, H), <float*>hg,
                                         mode == RNN_RELU, <float*>_row(out, r0, H), H)
                    else:
                        cg_elman_fwd_f64(bs, H, <double*>_row(xg, r0, H), <double*>hg,
                                         mode == RNN_RELU, <double*>_row(out, r0, H), H)
                memcpy(h.ptr(), _row(out, r0, P), bs * P * _isz(dt))
    finally:
        free(hg)
    return out, h, c, (hprev, acts, cprev, tc, hraw)


# ------------------------------------------------------------------ backward
def backward(int mode, batch_sizes, TensorBase w_hh, w_hr, bint reverse, TensorBase out,
             tuple saved, dout=None, dhn=None, dcn=None):
    """Gradients of :func:`forward` given the gradients of its outputs (None: zero).

    Returns
    -------
    tuple
        ``(dxg (N, G*H), dh0 (B, P), dc0 (B, H) or None, dhg, dhout)``: for the GRU ``dhg``
        ``(N, 3*H)`` holds the hidden-gate gradients (``dxg`` the input-gate ones), else it
        is ``dxg`` itself; ``dhout`` ``(N, P)`` is the gradient reaching each step's
        projected output (LSTM with projection only, else None). The recurrent weight's
        gradient is ``dhg.T @ hprev``, the projection's ``dhout.T @ hraw``, the GRU hidden
        bias's ``dhg.sum(0)``.
    """
    cdef TensorBase hprev = saved[0], acts = saved[1], cprev = saved[2], tc = saved[3]
    cdef TensorBase hraw = saved[4]
    cdef _Plan p
    cdef int dt, nthr
    cdef Py_ssize_t H, P, G, B, i, t, r0, bs
    cdef TensorBase dxg, dhg, dh, dc = None, tdo = None, tdhn, tdcn, whr = None, dhout = None
    cdef _Packed pw, pr = None
    cdef char* dtmp = NULL
    cdef char* draw = NULL
    cdef const char* dgate
    cdef Py_ssize_t ldd
    p = _plan(mode, out._dtype, batch_sizes, w_hh, w_hr, reverse)
    dt, nthr, H, P, G, B = p.dt, p.nthr, p.H, p.P, p.G, p.B
    _need(out, "the output", dt, p.N, P)
    if dout is not None:
        tdo = _need(dout, "the output gradient", dt, p.N, P)
    dh = _new2(B, P, dt, dhn is None)
    if dhn is not None:
        tdhn = _need(dhn, "the h_n gradient", dt, B, P)
        memcpy(dh.ptr(), tdhn.ptr(), B * P * _isz(dt))
    if mode == LSTM:
        dc = _new2(B, H, dt, dcn is None)
        if dcn is not None:
            tdcn = _need(dcn, "the c_n gradient", dt, B, H)
            memcpy(dc.ptr(), tdcn.ptr(), B * H * _isz(dt))
    if w_hr is not None:
        whr = <TensorBase>w_hr
        dhout = _new2(p.N, P, dt)
    dxg = _new2(p.N, G * H, dt)
    dhg = _new2(p.N, G * H, dt) if mode == GRU else dxg
    pw = _pack(dt, w_hh, False, B, nthr)
    if whr is not None:
        pr = _pack(dt, whr, False, B, nthr)
    dtmp = <char*>malloc(B * P * _isz(dt) + 1)
    draw = <char*>malloc(B * H * _isz(dt) + 1)
    if dtmp == NULL or draw == NULL:
        free(dtmp)
        free(draw)
        raise MemoryError("recurrent layer: cannot allocate the gradient buffers")
    try:
        with nogil:
            for i in range(p.T):
                t = i if reverse else p.T - 1 - i
                r0 = p.off[t]
                bs = p.bs[t]
                if tdo is not None:
                    _add_rows(dt, dtmp, dh.ptr(), _row(tdo, r0, P), bs * P)
                else:
                    memcpy(dtmp, dh.ptr(), bs * P * _isz(dt))
                if mode == LSTM:
                    dgate = dtmp
                    ldd = P
                    if pr is not None:
                        memcpy(_row(dhout, r0, P), dtmp, bs * P * _isz(dt))
                        _mm(dt, pr, bs, dtmp, P, False, draw, H, nthr)
                        dgate = draw
                        ldd = H
                    if dt == DT_FLOAT32:
                        cg_lstm_bwd_f32(bs, H, <const float*>dgate, ldd, <float*>dc.ptr(),
                                        <float*>_row(acts, r0, 4 * H),
                                        <float*>_row(cprev, r0, H), <float*>_row(tc, r0, H),
                                        <float*>_row(dxg, r0, 4 * H))
                    else:
                        cg_lstm_bwd_f64(bs, H, <const double*>dgate, ldd, <double*>dc.ptr(),
                                        <double*>_row(acts, r0, 4 * H),
                                        <double*>_row(cprev, r0, H),
                                        <double*>_row(tc, r0, H),
                                        <double*>_row(dxg, r0, 4 * H))
                    _mm(dt, pw, bs, _row(dxg, r0, 4 * H), 4 * H, False, dh.ptr(), P, nthr)
                elif mode == GRU:
                    if dt == DT_FLOAT32:
                        cg_gru_bwd_f32(bs, H, <float*>dtmp, H, <float*>_row(acts, r0, 4 * H),
                                       <float*>_row(hprev, r0, H), H,
                                       <float*>_row(dxg, r0, 3 * H),
                                       <float*>_row(dhg, r0, 3 * H), <float*>dh.ptr(), H)
                    else:
                        cg_gru_bwd_f64(bs, H, <double*>dtmp, H,
                                       <double*>_row(acts, r0, 4 * H),
                                       <double*>_row(hprev, r0, H), H,
                                       <double*>_row(dxg, r0, 3 * H),
                                       <double*>_row(dhg, r0, 3 * H), <double*>dh.ptr(), H)
                    _mm(dt, pw, bs, _row(dhg, r0, 3 * H), 3 * H, True, dh.ptr(), H, nthr)
                else:
                    if dt == DT_FLOAT32:
                        cg_elman_bwd_f32(bs, H, <float*>dtmp, H, <float*>_row(out, r0, H), H,
                                         mode == RNN_RELU, <float*>_row(dxg, r0, H))
                    else:
                        cg_elman_bwd_f64(bs, H, <double*>dtmp, H, <double*>_row(out, r0, H),
                                         H, mode == RNN_RELU, <double*>_row(dxg, r0, H))
                    _mm(dt, pw, bs, _row(dxg, r0, H), H, False, dh.ptr(), H, nthr)
    finally:
        free(dtmp)
        free(draw)
    return dxg, dh, dc, dhg, dhout
