"""Sliding-window kernels of the 2-d convolution and pooling layers, over ``P`` contiguous
planes of ``H x W`` (``P = N * C``; the Python layer makes the input contiguous and reshapes).

``im2col``
    The columns of a convolution: ``cols[p, i, j, oy, ox] = x[p, y, x]`` with
    ``y = oy * sh - ph + i * dh`` and ``x = ox * sw - pw + j * dw``, zero where that falls in
    the padding. One pass, no padded copy of the input.
``col2im``
    Its adjoint, the input gradient of a convolution: every column entry added back to the
    input position it was read from (padding positions dropped), into a new zeroed tensor.
``max_pool2d_forward``
    The maximum of each window and the flat ``y * W + x`` index it came from, with
    PyTorch's rules: a window starts from its first in-bounds element, a larger value or any
    NaN takes over (so NaN propagates and the last NaN's index is kept), ties keep the first.
``max_pool2d_backward``
    Each output's gradient added at its saved index, into a new zeroed ``(P, H, W)``.

The geometry (stride, padding, dilation, output size) is validated by the Python layer
holding the GIL; the loops cannot fail. Planes are independent and split over the threads
above a grain size.
"""
from libc.math cimport isnan, INFINITY
from libc.stdint cimport int32_t, int64_t

from ._typedefs cimport DT_INT32, DT_INT64, DT_FLOAT32, DT_FLOAT64
from ._tensor cimport TensorBase, new_tensor
from ._iter cimport get_threads, parallel_for, n_tasks

ctypedef fused number:
    float
    double
    int32_t
    int64_t

ctypedef fused real:
    float
    double

cdef enum:
    GRAIN = 32768       # window elements below which one thread does all planes


cdef struct Geom:
    Py_ssize_t H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow


cdef Geom _geom(TensorBase x, tuple k, tuple s, tuple p, tuple d, tuple o) except *:
    cdef Geom g
    g.H = x._shape[x._ndim - 2]
    g.W = x._shape[x._ndim - 1]
    g.kh, g.kw = k
    g.sh, g.sw = s
    g.ph, g.pw = p
    g.dh, g.dw = d
    g.oh, g.ow = o
    return g


cdef enum:
    K_IM2COL, K_COL2IM, K_MAXPOOL, K_MAXPOOL_BWD     # the plane loops of this module


cdef struct _PlaneCtx:
    # one plane loop for the pool: which, the dtype, source and destination, the geometry
    int kind
    int dt
    const char* src
    char* dst
    int64_t* idx
    Geom g
    Py_ssize_t per, plane    # elements per plane of the per-plane output (or input) and of x


cdef void _plane_task(void* ctx, Py_ssize_t p0, Py_ssize_t p1, int slot) noexcept nogil:
    """Planes ``[p0, p1)`` of the loop ``ctx`` describes."""
    cdef _PlaneCtx* c = <_PlaneCtx*>ctx
    cdef Py_ssize_t p, o, per = c.per, plane = c.plane
    cdef int dt = c.dt
    for p in range(p0, p1):
        if c.kind == K_IM2COL:
            if dt == DT_FLOAT32:
                _im2col_plane((<const float*>c.src) + p * plane, (<float*>c.dst) + p * per,
                              &c.g)
            elif dt == DT_FLOAT64:
                _im2col_plane((<const double*>c.src) + p * plane, (<double*>c.dst) + p * per,
                              &c.g)
            elif dt == DT_INT32:
                _im2col_plane((<const int32_t*>c.src) + p * plane,
                              (<int32_t*>c.dst) + p * per, &c.g)
            else:
                _im2col_plane((<const int64_t*>c.src) + p * plane,
                              (<int64_t*>c.dst) + p * per, &c.g)
        elif c.kind == K_COL2IM:
            if dt == DT_FLOAT32:
                _col2im_plane((<const float*>c.src) + p * per, (<float*>c.dst) + p * plane,
                              &c.g)
            else:
                _col2im_plane((<const double*>c.src) + p * per, (<double*>c.dst) + p * plane,
                              &c.g)
        elif c.kind == K_MAXPOOL:
            if dt == DT_FLOAT32:
                _maxpool_plane((<const float*>c.src) + p * plane, (<float*>c.dst) + p * per,
                               c.idx + p * per, &c.g)
            else:
                _maxpool_plane((<const double*>c.src) + p * plane, (<double*>c.dst) + p * per,
                               c.idx + p * per, &c.g)
        elif dt == DT_FLOAT32:
            for o in range(per):
                (<float*>c.dst)[p * plane + c.idx[p * per + o]] += \
                    (<const float*>c.src)[p * per + o]
        else:
            for o in range(per):
                (<double*>c.dst)[p * plane + c.idx[p * per + o]] += \
                    (<const double*>c.src)[p * per + o]


cdef void _run_planes(_PlaneCtx* c, Py_ssize_t P, Py_ssize_t work) noexcept nogil:
    """Run a plane loop of ``work`` window elements in all over ``P`` planes, on the pool
    above the grain size (a few ranges of planes per thread)."""
    cdef int n = get_threads()
    if work < GRAIN or P < 2 or n < 2:
        parallel_for(_plane_task, c, P, 1, 1)
        return
    if n > P:
        n = <int>P
    parallel_for(_plane_task, c, P, n_tasks(P, GRAIN * P // work + 1, n), n)


cdef inline void _valid_ox(Geom* g, Py_ssize_t j, Py_ssize_t* lo, Py_ssize_t* hi) noexcept nogil:
    """The outputs ``lo <= ox < hi`` whose column ``ox * sw - pw + j * dw`` lies in
    ``[0, W)`` (a contiguous range, as the column grows with ox)."""
    cdef Py_ssize_t off = j * g.dw - g.pw, a = 0, b = g.ow
    # first ox with ox * sw + off >= 0, first ox with ox * sw + off >= W
    if off < 0:
        a = (-off + g.sw - 1) // g.sw
    if (g.ow - 1) * g.sw + off >= g.W:
        b = (g.W - off + g.sw - 1) // g.sw if g.W > off else 0
    if a > g.ow:
        a = g.ow
    if b < a:
        b = a
    lo[0] = a
    hi[0] = b


cdef void _im2col_plane(const number* x, number* cols, Geom* g) noexcept nogil:
    cdef Py_ssize_t i, j, oy, ox, y, lo, hi, off
    cdef number* c = cols
    cdef const number* xr
    for i in range(g.kh):
        for j in range(g.kw):
            _valid_ox(g, j, &lo, &hi)
            off = j * g.dw - g.pw
            for oy in range(g.oh):
                y = oy * g.sh - g.ph + i * g.dh
                if y < 0 or y >= g.H:
                    for ox in range(g.ow):
                        c[ox] = 0
                else:
                    xr = x + y * g.W + off
                    for ox in range(lo):
                        c[ox] = 0
                    if g.sw == 1:
                        for ox in range(lo, hi):
                            c[ox] = xr[ox]
                    else:
                        for ox in range(lo, hi):
                            c[ox] = xr[ox * g.sw]
                    for ox in range(hi, g.ow):
                        c[ox] = 0
                c += g.ow


cdef void _col2im_plane(const real* cols, real* gx, Geom* g) noexcept nogil:
    cdef Py_ssize_t i, j, oy, ox, y, lo, hi, off
    cdef const real* c = cols
    cdef real* row
    for i in range(g.kh):
        for j in range(g.kw):
            _valid_ox(g, j, &lo, &hi)
            off = j * g.dw - g.pw
            for oy in range(g.oh):
                y = oy * g.sh - g.ph + i * g.dh
                if 0 <= y < g.H:
                    row = gx + y * g.W + off
                    if g.sw == 1:
                        for ox in range(lo, hi):
                            row[ox] += c[ox]
                    else:
                        for ox in range(lo, hi):
                            row[ox * g.sw] += c[ox]
                c += g.ow


cdef void _maxpool_plane(const real* x, real* out, int64_t* idx, Geom* g) noexcept nogil:
    """One plane, a row of outputs at a time: start every window of the row at its first
    in-bounds element, then visit the window offsets (i, j) in row-major order, each over
    the whole row (the per-window order of the comparisons is the scalar loop's)."""
    cdef Py_ssize_t i, j, oy, ox, y, y_first, lo, hi, off, base
    cdef Py_ssize_t W = g.W, sw = g.sw    # locals: the stores below may not alias them
    cdef real v, bv
    cdef bint take
    cdef real* best
    cdef int64_t* bi
    cdef const real* xr
    for oy in range(g.oh):
        best = out + oy * g.ow
        bi = idx + oy * g.ow
        y_first = 0         # (a window has an in-bounds row whenever the output size is >= 1)
        for i in range(g.kh):
            y = oy * g.sh - g.ph + i * g.dh
            if 0 <= y < g.H:
                y_first = y
                break
        for ox in range(g.ow):              # first in-bounds column of each window
            best[ox] = -INFINITY
            bi[ox] = y_first * g.W
            for j in range(g.kw):
                y = ox * g.sw - g.pw + j * g.dw
                if 0 <= y < g.W:
                    bi[ox] = y_first * g.W + y
                    break
        for i in range(g.kh):
            y = oy * g.sh - g.ph + i * g.dh
            if y < 0 or y >= g.H:
                continue
            for j in range(g.kw):
                _valid_ox(g, j, &lo, &hi)
                off = j * g.dw - g.pw
                xr = x + y * W + off
                base = y * W + off
                for ox in range(lo, hi):       # selects, not branches: random data
                    v = xr[ox * sw]                # would mispredict half the time
                    bv = best[ox]
                    take = (v > bv) | (v != v)
                    best[ox] = v if take else bv
                    bi[ox] = (base + ox * sw) if take else bi[ox]


def im2col(TensorBase x, tuple kernel, tuple stride, tuple padding, tuple dilation,
           tuple out_hw):
    """``(P, kh, kw, oh, ow)`` columns of the contiguous ``(P, H, W)`` tensor ``x``."""
    cdef Geom g = _geom(x, kernel, stride, padding, dilation, out_hw)
    cdef Py_ssize_t P = x._shape[0], p
    cdef Py_ssize_t shape[5]
    shape[0] = P
    shape[1] = g.kh
    shape[2] = g.kw
    shape[3] = g.oh
    shape[4] = g.ow
    cdef TensorBase cols = new_tensor(5, shape, x._dtype, False)
    cdef Py_ssize_t per = g.kh * g.kw * g.oh * g.ow, plane = g.H * g.W
    cdef int dt = x._dtype
    cdef _PlaneCtx c
    if dt not in (DT_FLOAT32, DT_FLOAT64, DT_INT32, DT_INT64):
        raise TypeError(f"im2col: unsupported dtype code {dt}")
    c.kind = K_IM2COL
    c.dt = dt
    c.src = x.ptr()
    c.dst = cols.ptr()
    c.g = g
    c.per = per
    c.plane = plane
    with nogil:
        _run_planes(&c, P, P * per)
    return cols


def col2im(TensorBase cols, tuple in_hw, tuple kernel, tuple stride, tuple padding,
           tuple dilation, tuple out_hw):
    """The ``(P, H, W)`` sum of the contiguous float columns ``cols`` (P, kh, kw, oh, ow)
    back at the input positions they were read from."""
    cdef Py_ssize_t P = cols._shape[0], p
    cdef Py_ssize_t shape[3]
    shape[0] = P
    shape[1], shape[2] = in_hw
    cdef TensorBase gx = new_tensor(3, shape, cols._dtype, True)
    cdef Geom g = _geom(gx, kernel, stride, padding, dilation, out_hw)
    cdef Py_ssize_t per = g.kh * g.kw * g.oh * g.ow, plane = g.H * g.W
    cdef _PlaneCtx c
    if cols._dtype not in (DT_FLOAT32, DT_FLOAT64):
        raise TypeError("col2im: expected float32 or float64 columns")
    c.kind = K_COL2IM
    c.dt = cols._dtype
    c.src = cols.ptr()
    c.dst = gx.ptr()
    c.g = g
    c.per = per
    c.plane = plane
    with nogil:
        _run_planes(&c, P, P * per)
    return gx


def max_pool2d_forward(TensorBase x, tuple kernel, tuple stride, tuple padding,
                       tuple dilation, tuple out_hw):
    """``(values, indices)``, both ``(P, oh, ow)``, of the contiguous float ``(P, H, W)``."""
    cdef Geom g = _geom(x, kernel, stride, padding, dilation, out_hw)
    cdef Py_ssize_t P = x._shape[0], p
    cdef Py_ssize_t shape[3]
    shape[0] = P
    shape[1] = g.oh
    shape[2] = g.ow
    cdef TensorBase out = new_tensor(3, shape, x._dtype, False)
    cdef TensorBase idx = new_tensor(3, shape, DT_INT64, False)
    cdef Py_ssize_t per = g.oh * g.ow, plane = g.H * g.W
    cdef _PlaneCtx c
    if x._dtype not in (DT_FLOAT32, DT_FLOAT64):
        raise TypeError("max_pool2d_forward: expected a float32 or float64 input")
    c.kind = K_MAXPOOL
    c.dt = x._dtype
    c.src = x.ptr()
    c.dst = out.ptr()
    c.idx = <int64_t*>idx.ptr()
    c.g = g
    c.per = per
    c.plane = plane
    with nogil:
        _run_planes(&c, P, P * per * g.kh * g.kw)
    return out, idx


def max_pool2d_backward(TensorBase grad, TensorBase idx, tuple in_hw):
    """The ``(P, H, W)`` input gradient: contiguous ``grad`` (P, oh, ow) added at the flat
    indices ``idx`` (int64, same shape, each in ``[0, H * W)``) of its plane."""
    cdef Py_ssize_t P = grad._shape[0], p, o
    cdef Py_ssize_t shape[3]
    shape[0] = P
    shape[1], shape[2] = in_hw
    cdef TensorBase gx = new_tensor(3, shape, grad._dtype, True)
    cdef Py_ssize_t per = grad._shape[1] * grad._shape[2], plane = shape[1] * shape[2]
    cdef _PlaneCtx c
    if grad._dtype not in (DT_FLOAT32, DT_FLOAT64):
        raise TypeError("max_pool2d_backward: expected a float32 or float64 gradient")
    c.kind = K_MAXPOOL_BWD
    c.dt = grad._dtype
    c.src = grad.ptr()
    c.dst = gx.ptr()
    c.idx = <int64_t*>idx.ptr()
    c.per = per
    c.plane = plane
    with nogil:
        _run_planes(&c, P, P * per * 4)
    return gx
