"""Every differentiable primitive: its forward (a kernel call) beside its backward.

Each primitive is a ``Node`` subclass named as PyTorch names it (``MulBackward0``...). Its
``forward`` runs the kernel and saves what the backward needs; ``apply`` maps the output's
gradient to one gradient per input (``None`` where no gradient is needed). Backward
formulas are written with ordinary tensor operations, so with ``create_graph=True`` they
record a graph of their own (double backward). Broadcasting is undone by the engine's
``sum_to_shape``; dtypes are cast back by the engine too.
"""
import builtins
import math

from .._core import _elementwise, _index, _matmul, _reduce, _softmax, _sort
from .._core import _tensor as _core_tensor
from .._core._tensor import TensorBase
from ..creation import arange, full, zeros
from .engine import sum_to_shape
from .graph import (NO_EDGE, Edge, Node, SavedOutput, _meta, grad_accumulator)
from . import grad_mode
from .grad_mode import needs_grad

_B = _elementwise.BINARY_OPS
_U = _elementwise.UNARY_OPS
_R = _reduce.REDUCE_OPS
_binary_kernel = _elementwise.binary
_unary_kernel = _elementwise.unary


def record(cls, inputs, out, *, view=False):
    """Attach a new ``cls`` node to ``out`` with one edge per forward input."""
    edges = []
    metas = []
    for t in inputs:
        if isinstance(t, TensorBase):
            metas.append((t._tshape(), t._dtype_code))
            if t._requires_grad:
                fn = t._grad_fn
                edges.append(_new_edge(Edge, (fn if fn is not None else grad_accumulator(t),
                                              0)))
                continue
        else:
            metas.append(None)
        edges.append(NO_EDGE)
    node = cls(tuple(edges), tuple(metas))
    if out._dtype_code >= 3:         # floating point outputs only
        out._requires_grad = True
        out._grad_fn = node
        if view:
            _meta(out).is_view = True
    return node


_new_edge = tuple.__new__


def alias(t):
    """A node's output for ``Node.save``: kept without history, re-linked when unpacked
    during a recorded backward (double backward)."""
    return SavedOutput(TensorBase._as_strided(t, t._tshape(), t.stride(), t.storage_offset()))


# ------------------------------------------------------------------ elementwise binary
class _Binary(Node):
    __slots__ = ("a", "b")


class AddBackward0(_Binary):
    def apply(self, g):
        return (g if self.needs(0) else None, g if self.needs(1) else None)


class SubBackward0(_Binary):
    def apply(self, g):
        return (g if self.needs(0) else None, -g if self.needs(1) else None)


class MulBackward0(_Binary):
    def apply(self, g):
        a, b = self.saved
        return (g * b if self.needs(0) else None, g * a if self.needs(1) else None)


class DivBackward0(_Binary):
    def apply(self, g):
        a, b = self.saved
        ga = g / b if self.needs(0) else None
        gb = -g * a / (b * b) if self.needs(1) else None
        return ga, gb


class PowBackward0(_Binary):
    """``tensor ** number`` (one edge); PowBackward1 is ``tensor ** tensor`` and
    PowBackward2 ``number ** tensor`` (one edge, the exponent)."""

    def apply(self, g):
        a, b, out = self.saved
        ga, gb = self._grads(g, a, b, out)
        return (ga,)

    def _grads(self, g, a, b, out):
        ga = gb = None
        if isinstance(a, TensorBase) and a._requires_grad:
            ga = g * b * a ** (b - 1)
            ga = ga.masked_fill(_as_mask(b == 0, ga), 0) if _any_tensor(b) or b == 0 else ga
        if isinstance(b, TensorBase) and b._requires_grad:
            if isinstance(a, TensorBase):
                gb = g * out * a.log()
                gb = gb.masked_fill((a == 0) & (b >= 0), 0)
            else:
                gb = g * out * (math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
        return ga, gb


class PowBackward1(PowBackward0):
    __slots__ = ()

    def apply(self, g):
        a, b, out = self.saved
        return self._grads(g, a, b, out)


class PowBackward2(PowBackward0):
    __slots__ = ()

    def apply(self, g):
        a, b, out = self.saved
        return (self._grads(g, a, b, out)[1],)


def _any_tensor(x):
    return isinstance(x, TensorBase)


def _as_mask(m, like):
    if isinstance(m, TensorBase):
        return m
    return full(tuple(like.shape), bool(m), dtype=_core_tensor.dtype_of_code(0))


class MaximumBackward0(_Binary):
    """Ties send half the gradient to each input (PyTorch's rule)."""

    def apply(self, g):
        a, b = self.saved
        tie = (a == b).to(g.dtype) * 0.5
        ga = g * ((a > b).to(g.dtype) + tie) if self.needs(0) else None
        gb = g * ((b > a).to(g.dtype) + tie) if self.needs(1) else None
        return ga, gb


class MinimumBackward0(_Binary):
    def apply(self, g):
        a, b = self.saved
        tie = (a == b).to(g.dtype) * 0.5
        ga = g * ((a < b).to(g.dtype) + tie) if self.needs(0) else None
        gb = g * ((b < a).to(g.dtype) + tie) if self.needs(1) else None
        return ga, gb


class Atan2Backward0(_Binary):
    def apply(self, g):
        a, b = self.saved
        d = a * a + b * b
        return (g * b / d if self.needs(0) else None, -g * a / d if self.needs(1) else None)


class RemainderBackward0(_Binary):
    def apply(self, g):
        a, b = self.saved
        gb = -g * (a // b) if self.needs(1) else None
        return (g if self.needs(0) else None, gb)


class FmodBackward0(_Binary):
    """``fmod(tensor, number)``; FmodBackward1 is ``fmod(tensor, tensor)``."""

    def apply(self, g):
        a, b = self.saved
        gb = -g * a.div(b, rounding_mode="trunc") if self.needs(1) else None
        return (g if self.needs(0) else None, gb)


class FmodBackward1(FmodBackward0):
    __slots__ = ()


class FloorDivideBackward0(_Binary):
    def apply(self, g):
        return (g * 0 if self.needs(0) else None, g * 0 if self.needs(1) else None)


# each binary op's node and what its backward needs saved: 0 nothing, 1 the inputs a and b,
# 2 the inputs and the output
_BINARY_NODES = {
    _B["add"]: (AddBackward0, 0), _B["sub"]: (SubBackward0, 0),
    _B["mul"]: (MulBackward0, 1), _B["div"]: (DivBackward0, 1),
    _B["pow"]: (PowBackward0, 2), _B["maximum"]: (MaximumBackward0, 1),
    _B["minimum"]: (MinimumBackward0, 1), _B["atan2"]: (Atan2Backward0, 1),
    _B["remainder"]: (RemainderBackward0, 1), _B["floor_divide"]: (FloorDivideBackward0, 0),
    _B["fmod"]: (FmodBackward0, 1),
}


def binary(op, a, b):
    """Record a binary op (out of place)."""
    out = _binary_kernel(op, a, b)
    entry = _BINARY_NODES.get(op)
    if entry is None or out._dtype_code < 3:
        return out          # comparisons, logical and bitwise ops have no gradient
    cls, save = entry
    if cls is PowBackward0:
        ta, tb = isinstance(a, TensorBase), isinstance(b, TensorBase)
        cls = PowBackward1 if ta and tb else (PowBackward0 if ta else PowBackward2)
        node = record(cls, (a, b) if cls is PowBackward1 else ((a,) if ta else (b,)), out)
        node.save(a, b, alias(out))
        return out
    if cls is FmodBackward0 and isinstance(b, TensorBase):
        cls = FmodBackward1
    node = record(cls, (a, b), out)
    if cls is MulBackward0:
        e = node.next_edges
        node.save(a if e[1][0] is not None else None, b if e[0][0] is not None else None)
    elif save == 1:
        node.save(a, b)
    elif save == 2:
        node.save(a, b, alias(out))
    return out


# ------------------------------------------------------------------ elementwise unary
class _Unary(Node):
    __slots__ = ()


def _unary_node(name, formula, uses):
    """A unary node class: ``formula(g, x, y)`` with x the input and y the output."""

    def apply(self, g):
        x, y = self.saved
        return (formula(g, x, y),)

    cls = type(name, (_Unary,), {"__slots__": (), "apply": apply, "_uses": uses})
    return cls


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_UNARY_FORMULAS = {
    "neg": ("NegBackward0", lambda g, x, y: -g, ""),
    "abs": ("AbsBackward0", lambda g, x, y: g * x.sign(), "x"),
    "sign": ("SignBackward0", lambda g, x, y: g * 0, ""),
    "exp": ("ExpBackward0", lambda g, x, y: g * y, "y"),
    "exp2": ("Exp2Backward0", lambda g, x, y: g * y * _LN2, "y"),
    "log": ("LogBackward0", lambda g, x, y: g / x, "x"),
    "log2": ("Log2Backward0", lambda g, x, y: g / (x * _LN2), "x"),
    "log10": ("Log10Backward0", lambda g, x, y: g / (x * _LN10), "x"),
    "log1p": ("Log1PBackward0", lambda g, x, y: g / (x + 1), "x"),
    "expm1": ("Expm1Backward0", lambda g, x, y: g * (y + 1), "y"),
    "sqrt": ("SqrtBackward0", lambda g, x, y: g / (2 * y), "y"),
    "rsqrt": ("RsqrtBackward0", lambda g, x, y: -0.5 * g * y * y * y, "y"),
    "reciprocal": ("ReciprocalBackward0", lambda g, x, y: -g * y * y, "y"),
    "sin": ("SinBackward0", lambda g, x, y: g * x.cos(), "x"),
    "cos": ("CosBackward0", lambda g, x, y: -g * x.sin(), "x"),
    "tan": ("TanBackward0", lambda g, x, y: g * (1 + y * y), "y"),
    "asin": ("AsinBackward0", lambda g, x, y: g * (1 - x * x).rsqrt(), "x"),
    "acos": ("AcosBackward0", lambda g, x, y: -g * (1 - x * x).rsqrt(), "x"),
    "atan": ("AtanBackward0", lambda g, x, y: g / (1 + x * x), "x"),
    "sinh": ("SinhBackward0", lambda g, x, y: g * x.cosh(), "x"),
    "cosh": ("CoshBackward0", lambda g, x, y: g * x.sinh(), "x"),
    "tanh": ("TanhBackward0", lambda g, x, y: g * (1 - y * y), "y"),
    "erf": ("ErfBackward0", lambda g, x, y: g * (2 / math.sqrt(math.pi)) * (-(x * x)).exp(),
            "x"),
    "erfc": ("ErfcBackward0", lambda g, x, y: g * (-2 / math.sqrt(math.pi)) * (-(x * x)).exp(),
             "x"),
    "erfinv": ("ErfinvBackward0", lambda g, x, y: g * (math.sqrt(math.pi) / 2) * (y * y).exp(),
               "y"),
    "asinh": ("AsinhBackward0", lambda g, x, y: g * (x * x + 1).rsqrt(), "x"),
    "acosh": ("AcoshBackward0", lambda g, x, y: g * (x * x - 1).rsqrt(), "x"),
    "atanh": ("AtanhBackward0", lambda g, x, y: g / (1 - x * x), "x"),
    "sigmoid": ("SigmoidBackward0", lambda g, x, y: g * y * (1 - y), "y"),
    "relu": ("ReluBackward0", lambda g, x, y: g * (y > 0), "y"),
    "floor": ("FloorBackward0", lambda g, x, y: g * 0, ""),
    "ceil": ("CeilBackward0", lambda g, x, y: g * 0, ""),
    "trunc": ("TruncBackward0", lambda g, x, y: g * 0, ""),
    "round": ("RoundBackward0", lambda g, x, y: g * 0, ""),
    "square": ("PowBackward0", lambda g, x, y: 2 * g * x, "x"),
}
_UNARY_NODES = {_U[name]: _unary_node(cls, f, uses)
                for name, (cls, f, uses) in _UNARY_FORMULAS.items()}


def unary(op, x):
    out = _unary_kernel(op, x)
    cls = _UNARY_NODES.get(op)
    if cls is None or not out.is_floating_point():
        return out
    node = record(cls, (x,), out)
    node.save(x if "x" in cls._uses else None, alias(out) if "y" in cls._uses else None)
    return out


# ------------------------------------------------------------------ where / clamp / cast
class WhereBackward0(Node):
    __slots__ = ()

    def apply(self, g):
        (cond,) = self.saved
        zero = g * 0
        ga = _where(cond, g, zero) if self.needs(1) else None
        gb = _where(cond, zero, g) if self.needs(2) else None
        return None, ga, gb


def _where(c, a, b):
    """``where(c, a, b)`` inside backward formulas: recorded when ``a`` or ``b`` carries
    history (double backward)."""
    if needs_grad(a, b):
        return where(c, a, b)
    return _elementwise.where(c, a, b)


def where(cond, a, b):
    out = _elementwise.where(cond, a, b)
    if out.is_floating_point():
        node = record(WhereBackward0, (cond, a, b), out)
        node.save(cond)
    return out


class ClampBackward1(Node):
    """Gradient passes where ``min <= x <= max`` (inclusive, as PyTorch's clamp)."""

    __slots__ = ()

    def apply(self, g):
        x, lo, hi = self.saved
        keep = None
        if lo is not None:
            keep = x >= lo
        if hi is not None:
            keep = (x <= hi) if keep is None else keep & (x <= hi)
        gx = g * keep if self.needs(0) else None
        glo = g * (x < lo) if lo is not None and self.needs(1) else None
        ghi = g * (x > hi) if hi is not None and self.needs(2) else None
        return gx, glo, ghi


def _clamp_kernel(x, lo, hi):
    """``min(max(x, lo), hi)`` on the kernels (either bound may be None)."""
    out = x
    if lo is not None:
        out = _binary_kernel(_B["maximum"], out, lo)
    if hi is not None:
        out = _binary_kernel(_B["minimum"], out, hi)
    return out


def clamp(x, lo, hi):
    out = _clamp_kernel(x, lo, hi)
    node = record(ClampBackward1, (x, lo, hi), out)
    node.save(x, lo, hi)
    return out


class ToCopyBackward0(Node):
    __slots__ = ()

    def apply(self, g):
        return (g,)      # the engine casts to the input's dtype


class CloneBackward0(Node):
    __slots__ = ()

    def apply(self, g):
        return (g,)


def cast(x, code):
    out = _elementwise.cast(x, code)
    if out.is_floating_point():
        record(ToCopyBackward0, (x,), out)
    return out


def clone(x):
    out = _elementwise.clone(x)
    record(CloneBackward0, (x,), out)
    return out


# ------------------------------------------------------------------ reductions
class _Reduce(Node):
    __slots__ = ("dims", "keepdim", "shape", "scale")


def _unsqueeze_reduced(g, shape, dims, keepdim):
    """Put back the reduced dims of ``g`` as size 1 so it broadcasts against ``shape``."""
    nd = len(shape)
    if keepdim or nd == 0:
        return g
    if dims is None or (isinstance(dims, (tuple, list)) and len(dims) == 0):
        return g.reshape([1] * nd)
    ds = dims if isinstance(dims, (tuple, list)) else (dims,)
    ds = sorted(_core_tensor.wrap_dim_py(d, nd) for d in ds)
    for d in ds:
        g = g.unsqueeze(d)
    return g


class SumBackward0(_Reduce):
    def apply(self, g):
        g = _unsqueeze_reduced(g, self.shape, self.dims, self.keepdim)
        if self.scale != 1.0:
            g = g * self.scale
        return (g.expand(self.shape),)


class SumBackward1(SumBackward0):
    __slots__ = ()


class MeanBackward0(SumBackward0):
    __slots__ = ()


class MeanBackward1(SumBackward0):
    __slots__ = ()


class ProdBackward0(_Reduce):
    """Exact with zeros: one zero in a slice gets the product of the others."""

    def apply(self, g):
        x, out = self.saved
        dims = self.dims
        g = _unsqueeze_reduced(g, self.shape, dims, self.keepdim)
        out = _unsqueeze_reduced(out, self.shape, dims, self.keepdim)
        rd = () if dims is None else dims
        zero = x == 0
        nz = zero.sum(rd, keepdim=True)
        others = _where(zero, 1.0, x).prod(rd, keepdim=True)
        safe = _where(zero, 1.0, x)
        no_zero = g * out / safe
        one_zero = g * others
        res = _where(nz == 0, no_zero, _where(zero & (nz == 1), one_zero, no_zero * 0))
        return (res,)


class ProdBackward1(ProdBackward0):
    __slots__ = ()


class AmaxBackward0(_Reduce):
    """The gradient is shared evenly among tied extremes (PyTorch's amax/amin rule)."""

    def apply(self, g):
        x, out = self.saved
        out = _unsqueeze_reduced(out, self.shape, self.dims, self.keepdim)
        g = _unsqueeze_reduced(g, self.shape, self.dims, self.keepdim)
        mask = (x == out).to(g.dtype)
        rd = () if self.dims is None else self.dims
        return (g * mask / mask.sum(rd, keepdim=True),)


class AminBackward0(AmaxBackward0):
    __slots__ = ()


class MaxBackward1(AmaxBackward0):
    __slots__ = ()


class MinBackward1(AmaxBackward0):
    __slots__ = ()


_REDUCE_NAMES = {
    (_R["sum"], False, True): SumBackward0, (_R["sum"], False, False): SumBackward1,
    (_R["sum"], True, True): MeanBackward0, (_R["sum"], True, False): MeanBackward1,
    (_R["prod"], False, True): ProdBackward0, (_R["prod"], False, False): ProdBackward1,
    (_R["max"], False, True): MaxBackward1, (_R["max"], False, False): AmaxBackward0,
    (_R["min"], False, True): MinBackward1, (_R["min"], False, False): AminBackward0,
}


def reduction(op, x, dims, keepdim, scale=1.0):
    out = _reduce.reduce(op, x, dims, keepdim, scale)
    if not out.is_floating_point():
        return out
    # PyTorch names the node by the call: sum()/mean()/max() without a dim get the
    # full-reduction node, any dim argument (even () for all dims) the dim one
    cls = _REDUCE_NAMES[(op, scale != 1.0, dims is None)]
    node = record(cls, (x,), out)
    node.dims = dims
    node.keepdim = keepdim
    node.shape = tuple(x.shape)
    node.scale = scale
    if op != _R["sum"]:
        node.save(x, alias(out))
    return out


class MaxBackward0(Node):
    """``max(dim)`` / ``min(dim)``: the gradient goes to the index that was picked."""

    __slots__ = ("dim", "keepdim", "shape")

    def apply(self, g):
        (idx,) = self.saved
        return (_scatter_along(g, idx, self.dim, self.keepdim, self.shape),)


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _scatter_along(g, idx, dim, keepdim, shape):
    nd = len(shape)
    if nd == 0:
        return g.reshape(())
    d = _core_tensor.wrap_dim_py(dim, nd)
    if not keepdim:
        g = g.unsqueeze(d)
        idx = idx.unsqueeze(d)
    res = zeros(shape, dtype=g.dtype)
    key = []
    for i in range(nd):
        if i == d:
            key.append(idx)
        else:
            s = [1] * nd
            s[i] = shape[i]
            key.append(_arange(shape[i]).view(s))
    return _index_put(res, tuple(key), g, True)


def _arange(n):
    return arange(n)


def arg_reduce(which, x, dim, keepdim):
    vals, idx = _reduce.arg_reduce(which, x, dim, keepdim)
    if vals.is_floating_point():
        node = record(MaxBackward0 if which == 0 else MinBackward0, (x,), vals)
        node.dim = dim
        node.keepdim = keepdim
        node.shape = tuple(x.shape)
        node.save(idx)
    return vals, idx


# ------------------------------------------------------------------ views and indexing
class _Shape(Node):
    __slots__ = ("shape", "args")


class ViewBackward0(_Shape):
    def apply(self, g):
        return (g.reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


class SqueezeBackward0(ViewBackward0):
    __slots__ = ()


class SqueezeBackward1(ViewBackward0):
    __slots__ = ()


class UnsqueezeBackward0(ViewBackward0):
    __slots__ = ()


class TransposeBackward0(_Shape):
    def apply(self, g):
        return (g.transpose(*self.args),)


class SqrtZeroGradBackward0(Node):
    """``sqrt`` inside norms/std: the gradient at 0 is 0, not inf * 0."""

    __slots__ = ()

    def apply(self, g):
        (y,) = self.saved
        return (_where(y == 0, 0.0, g / (2 * y)),)


def _sqrt_zero_grad_kernel(x):
    """``sqrt`` whose gradient at 0 is 0 (the subgradient PyTorch uses for norms and std)."""
    return _unary_kernel(_U["sqrt"], x)


def _sqrt_zero_grad(x):
    out = _sqrt_zero_grad_kernel(x)
    node = record(SqrtZeroGradBackward0, (x,), out)
    node.save(alias(out))
    return out


class TBackward0(_Shape):
    def apply(self, g):
        return (g.t(),)


def _t_view(t):
    """``t.t()`` of a matrix: its two dims swapped (a view)."""
    return TensorBase._transpose(t, 0, 1)


class PermuteBackward0(_Shape):
    def apply(self, g):
        dims = [_core_tensor.wrap_dim_py(d, len(self.shape)) for d in self.args[0]]
        inv = [0] * len(dims)
        for i, d in enumerate(dims):
            inv[d] = i
        return (g.permute(inv),)


class ExpandBackward0(_Shape):
    def apply(self, g):
        return (sum_to_shape(g, self.shape),)


class IndexBackward0(_Shape):
    """Any indexing: the gradient is scattered back (repeated indices add up)."""

    def apply(self, g):
        res = zeros(self.shape, dtype=g.dtype)
        return (_index_put(res, self.args, g, True),)


class SelectBackward0(IndexBackward0):
    __slots__ = ()


class SliceBackward0(IndexBackward0):
    __slots__ = ()


class DiagonalBackward0(_Shape):
    """Scatter into the diagonal positions (advanced indices), so it is differentiable."""

    def apply(self, g):
        offset, d1, d2 = self.args
        nd = len(self.shape)
        n = g.shape[-1]
        i = _arange(n)
        key = [slice(None)] * nd
        key[d1] = i + max(-offset, 0)
        key[d2] = i + max(offset, 0)
        pos = min(d1, d2) if abs(d1 - d2) == 1 else 0     # where the index dim lands
        res = zeros(self.shape, dtype=g.dtype)
        return (_index_put(res, tuple(key), g.movedim(-1, pos), True),)


class MaskedSelectBackward0(_Shape):
    def apply(self, g):
        (mask,) = self.saved
        res = zeros(tuple(mask.shape), dtype=g.dtype)
        return (_index_put(res, (mask,), g, True), None)


def _index_put(res, key, values, accumulate):
    """``res[key] += values`` recorded when values carry history (double backward)."""
    if needs_grad(values):
        return index_put(res, key, values, accumulate)
    _index.index_put_(res, key if isinstance(key, tuple) else (key,), values, accumulate)
    return res


class IndexPutBackward0(Node):
    """``out = base.index_put(key, values, accumulate)``."""

    __slots__ = ("key", "accumulate")

    def apply(self, g):
        gbase = gval = None
        if self.needs(0):
            gbase = g if self.accumulate else _zero_at(g, self.key)
        if self.needs(1):
            gval = g[self.key]
        return gbase, gval


def _zero_at(g, key):
    """``g`` with the positions ``key`` selects set to 0 (recorded when ``g`` has history)."""
    if needs_grad(g):
        return index_put(g, key, 0.0, False)
    out = _elementwise.clone(g)
    _index.index_put_(out, key, 0.0, False)
    return out


def index_put(base, key, values, accumulate):
    out = _elementwise.clone(base)
    _index.index_put_(out, key, values, accumulate)
    node = record(IndexPutBackward0, (base, values), out)
    node.key = key
    node.accumulate = accumulate
    return out


class CatBackward0(Node):
    __slots__ = ("dim", "sizes")

    def apply(self, g):
        out, start = [], 0
        for i, n in enumerate(self.sizes):
            out.append(g.narrow(self.dim, start, n) if self.needs(i) and n else
                       (g.narrow(self.dim, start, n) if self.needs(i) else None))
            start += n
        return tuple(out)


def _check_tensor_list(tensors, name):
    if isinstance(tensors, TensorBase) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    if len(tensors) == 0:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")


def _cat_kernel(parts, dim):
    """Copy ``parts`` side by side along ``dim`` into a new tensor of the promoted dtype."""
    ref = parts[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _core_tensor.wrap_dim_py(dim, ref.ndim)
    code = ref._dtype_code
    for i, t in enumerate(parts):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {t.shape[k]} for "
                                   f"tensor number {i} in the list.")
        code = builtins.max(code, t._dtype_code)
    shape = list(ref.shape)
    shape[d] = builtins.sum(t.shape[d] for t in parts)
    res = _core_tensor.empty_tensor(tuple(shape), code)
    start = 0
    for t in parts:
        n = t.shape[d]
        if n:
            _elementwise.copy_(TensorBase._narrow(res, d, start, n), t)
        start += n
    return res, d


def cat(tensors, dim=0):
    """``cygrad.cat``: join tensors along an existing dim (a copy), recorded when an input
    requires grad. 1-d empty tensors are skipped, as in PyTorch."""
    _check_tensor_list(tensors, "torch.cat")
    parts = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)]
    if not parts:
        return tensors[0].clone()
    res, d = _cat_kernel(parts, dim)
    if res._dtype_code >= 3 and needs_grad(*parts):
        node = record(CatBackward0, tuple(parts), res)
        node.dim = d
        node.sizes = [t.shape[d] for t in parts]
    return res


# ------------------------------------------------------------------ matrix products
class MmBackward0(Node):
    __slots__ = ("da", "db")

    def apply(self, g):
        a, b = self.saved
        da, db = self.da, self.db
        if da == 1 and db == 1:         # dot product: the gradient is a scaled copy
            return (g * b if self.needs(0) else None, g * a if self.needs(1) else None)
        G = g
        if da == 1:
            G = G.unsqueeze(-2)
        if db == 1:
            G = G.unsqueeze(-1)
        ga = gb = None
        if self.needs(0):
            B = b.unsqueeze(1) if db == 1 else b
            ga = G @ B.mT
            if da == 1:
                ga = ga.squeeze(-2)
        if self.needs(1):
            A = a.unsqueeze(0) if da == 1 else a
            if db == 2 and A.ndim > 2:
                # one matrix against a batch: the batch is summed, so it is one product
                # with the batch in its inner dim, not a batch of products reduced after
                rows = _numel(A.shape[:-1])
                gb = A.reshape(rows, A.shape[-1]).mT @ G.reshape(rows, G.shape[-1])
            else:
                gb = A.mT @ G
            if db == 1:
                gb = gb.squeeze(-1)
        return ga, gb


class DotBackward0(MmBackward0):
    __slots__ = ()


class MvBackward0(MmBackward0):
    __slots__ = ()


class BmmBackward0(MmBackward0):
    __slots__ = ()


class MatmulBackward0(MmBackward0):
    __slots__ = ()


def matmul(a, b):
    out = _matmul.matmul(a, b)
    if not out.is_floating_point():
        return out
    da, db = a.ndim, b.ndim
    cls = (DotBackward0 if da == db == 1 else MmBackward0 if da == db == 2 else
           MvBackward0 if (da, db) == (2, 1) else BmmBackward0 if da == db == 3 else
           MatmulBackward0)
    node = record(cls, (a, b), out)
    node.da, node.db = da, db
    node.save(a if node.needs(1) else None, b if node.needs(0) else None)
    return out


class AsStridedBackward0(_Shape):
    """General strided view of a contiguous input: scatter-add by storage position."""

    def apply(self, g):
        size, stride, offset, base_offset = self.args
        flat = zeros((_numel(self.shape),), dtype=g.dtype)
        pos = _strided_positions(size, stride, offset - base_offset)
        return (_index_put(flat, (pos,), g.reshape(-1), True).reshape(self.shape),)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _strided_positions(size, stride, offset):
    pos = zeros(tuple(size), dtype=_core_tensor.dtype_of_code(2)) + offset
    for d, (n, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        pos = pos + arange(n).view(shape) * st
    return pos.reshape(-1)


# ------------------------------------------------------------------ dispatch of ``_op``
def _view_handler(cls, kernel, args_of=lambda t, *a: a):
    def handler(t, *args):
        out = kernel(t, *args)
        node = record(cls, (t,), out, view=True)
        node.shape = tuple(t.shape)
        node.args = args_of(t, *args)
        return out
    return handler


def _squeeze(t, dim=None):
    out = TensorBase._squeeze(t, dim)
    node = record(SqueezeBackward0 if dim is None else SqueezeBackward1, (t,), out, view=True)
    node.shape = tuple(t.shape)
    node.args = ()
    return out


class StackBackward0(Node):
    __slots__ = ("dim",)

    def apply(self, g):
        return tuple(g.select(self.dim, i) if self.needs(i) else None
                     for i in range(len(self.next_edges)))


def stack(tensors, dim=0):
    """``cygrad.stack``: join same-shaped tensors along a new dim, recorded when an input
    requires grad."""
    _check_tensor_list(tensors, "stack")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(ref.shape):
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ref.shape)} at entry 0 and {list(t.shape)} at entry {i}")
    d = _core_tensor.wrap_dim_py(dim, ref.ndim + 1)
    res, _ = _cat_kernel([TensorBase._unsqueeze(t, d) for t in tensors], d)
    if res._dtype_code >= 3 and needs_grad(*tensors):
        node = record(StackBackward0, tuple(tensors), res)
        node.dim = d
    return res


def _narrow_key(t, dim, start, length):
    d = _core_tensor.wrap_dim_py(dim, t.ndim)
    s = start + t.shape[d] if start < 0 else start
    return (slice(None),) * d + (slice(s, s + length),)


def _select_key(t, dim, index):
    d = _core_tensor.wrap_dim_py(dim, t.ndim)
    return (slice(None),) * d + (index,)


def _getitem(t, key):
    out = _index.getitem(t, key)
    if out.is_floating_point():
        kind = key if not isinstance(key, tuple) or len(key) != 1 else key[0]
        cls = (SelectBackward0 if isinstance(kind, int) else
               SliceBackward0 if isinstance(kind, slice) else IndexBackward0)
        node = record(cls, (t,), out, view=out._same_storage(t))
        node.shape = tuple(t.shape)
        node.args = key if isinstance(key, tuple) else (key,)
    return out


def _masked_select(t, mask):
    out = _index.masked_select(t, mask)
    node = record(MaskedSelectBackward0, (t, mask), out)
    node.shape = tuple(t.shape)
    node.save(mask)
    return out


def _as_strided(t, size, stride, storage_offset=None):
    out = TensorBase._as_strided(t, size, stride, storage_offset)
    if not t.is_contiguous():
        raise NotImplementedError("as_strided: gradients through as_strided of a "
                                  "non-contiguous tensor are not supported")
    node = record(AsStridedBackward0, (t,), out, view=True)
    node.shape = tuple(t.shape)
    node.args = (tuple(size), tuple(stride), out.storage_offset(), t.storage_offset())
    return out


def _diagonal_view(t, size, stride, offset, diag_args):
    """The diagonal view ``Tensor.diagonal`` computed the strides of (``diag_args`` are
    ``(offset, dim1, dim2)``, for the backward)."""
    return TensorBase._as_strided(t, size, stride, offset)


def _diagonal(t, size, stride, offset, diag_args):
    out = _diagonal_view(t, size, stride, offset, diag_args)
    node = record(DiagonalBackward0, (t,), out, view=True)
    node.shape = tuple(t.shape)
    node.args = diag_args
    return out


def _checked(kernel, a, b):
    # run the kernel's own argument checks (mm needs 2-d, ...), then record a matmul
    if kernel is _matmul.mm and (a.ndim != 2 or b.ndim != 2):
        return kernel(a, b)
    if kernel is _matmul.bmm and (a.ndim != 3 or b.ndim != 3):
        return kernel(a, b)
    if kernel is _matmul.mv and (a.ndim != 2 or b.ndim != 1):
        return kernel(a, b)
    if kernel is _matmul.dot and (a.ndim != 1 or b.ndim != 1):
        return kernel(a, b)
    return matmul(a, b)


def _addmm(inp, m1, m2, beta=1.0, alpha=1.0, batched=False):
    """``beta * inp + alpha * m1 @ m2`` from recorded primitives."""
    prod = _checked(_matmul.bmm if batched else _matmul.mm, m1, m2)
    prod = prod * alpha if alpha != 1 else prod       # tensor operators: recorded as needed
    if beta == 0:
        return prod
    return (inp * beta if beta != 1 else inp) + prod


def _reshape_kernel(t, shape):
    """A view with ``shape`` when the strides allow it, else a reshaped copy."""
    v, resolved = TensorBase._try_view(t, shape)
    return v if v is not None else TensorBase._view(_elementwise.clone(t), resolved)


def _reshape(t, shape):
    out = _reshape_kernel(t, shape)
    node = record(ViewBackward0 if out._same_storage(t) else UnsafeViewBackward0, (t,), out,
                  view=out._same_storage(t))
    node.shape = tuple(t.shape)
    node.args = ()
    return out


# ------------------------------------------------------------------ in-place ops
_LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def check_inplace(t):
    """In-place writes are refused on leaves that require grad and on views of recorded
    tensors (whose base would not see the write)."""
    if t._requires_grad and t._grad_fn is None and grad_mode.is_grad_enabled():
        raise RuntimeError(_LEAF_INPLACE)
    if t._ag is not None and t._ag.is_view and grad_mode.is_grad_enabled():
        raise NotImplementedError(
            "in-place operations on a view of a tensor that requires grad are not supported; "
            "use the out-of-place form (e.g. y = y.mul(2)) or clone() the view first")


def commit(t, res):
    """Write ``res`` into ``t``'s memory and give ``t`` the history of ``res``."""
    _elementwise.copy_(t, res)
    if res._requires_grad:
        old = t._grad_fn
        t._grad_fn = res._grad_fn
        t._requires_grad = True
        if old is not None and old._pre_hooks and t._ag is not None and t._ag.retains_grad:
            # .retain_grad() follows the tensor to its new node
            moved = [h for h in old._pre_hooks if getattr(h, "_retains_grad", False)]
            for h in moved:
                old._pre_hooks.remove(h)
                t._grad_fn.register_prehook(h)
    return t


def inplace_binary(op, t, a, b):
    # the op reads a recorded clone of ``t``: what it saves is not overwritten by the write
    check_inplace(t)
    src = clone(t) if t._requires_grad else t
    return commit(t, binary(op, src if a is t else a, src if b is t else b))


def inplace_unary(op, t):
    check_inplace(t)
    return commit(t, unary(op, clone(t) if t._requires_grad else t))


def inplace_copy(t, src):
    check_inplace(t)
    if not isinstance(src, TensorBase):
        return inplace_fill(t, src)
    res = CopyFrom.make(t, src)
    return commit(t, res)


def inplace_fill(t, value):
    check_inplace(t)
    out = _elementwise.clone(t)
    _elementwise.fill_(out, value)
    if isinstance(value, TensorBase) and value._requires_grad:
        res = CopyFrom.make(t, value.expand(tuple(t.shape)) if value.ndim == 0 else value)
        return commit(t, res)
    if t._requires_grad:
        record(FillBackward0, (t,), out)
    return commit(t, out)


class FillBackward0(Node):
    __slots__ = ()

    def apply(self, g):
        return (g * 0,)


class CopyBackwards(Node):
    """``t.copy_(src)``: the old values of ``t`` get no gradient, ``src`` gets it all."""

    __slots__ = ()

    def apply(self, g):
        return (g * 0 if self.needs(0) else None, g if self.needs(1) else None)


class CopyFrom:
    @staticmethod
    def make(t, src):
        out = _elementwise.clone(t)
        _elementwise.copy_(out, src)
        record(CopyBackwards, (t, src), out)
        return out


def inplace_setitem(t, key, value):
    check_inplace(t)
    return commit(t, index_put(t, key if isinstance(key, tuple) else (key,), value, False))


def inplace_index_put(t, indices, values, accumulate=False):
    check_inplace(t)
    return commit(t, index_put(t, tuple(indices), values, accumulate))


# ------------------------------------------------------------------ softmax
def _softmax_input(name, x, dim, dtype):
    if dtype is not None:
        x = x.to(dtype)
    if not x.is_floating_point():
        raise RuntimeError(f"{name}(): expected a floating point input, got {x.dtype}")
    return x, _core_tensor.wrap_dim_py(dim, x.ndim) if x.ndim else 0


class LogSoftmaxBackward0(Node):
    """``y = log_softmax(x)``: ``dx = g - exp(y) * g.sum(dim)``."""

    __slots__ = ("dim",)

    def apply(self, g):
        (y,) = self.saved
        if _differentiable(g, y):
            dims = (self.dim,) if y.ndim else ()
            return (g - y.exp() * g.sum(dims, keepdim=True),)
        return (_softmax.backward(g, y, self.dim, True),)


class SoftmaxBackward0(Node):
    """``y = softmax(x)``: ``dx = y * (g - (g * y).sum(dim))``."""

    __slots__ = ("dim",)

    def apply(self, g):
        (y,) = self.saved
        if _differentiable(g, y):
            dims = (self.dim,) if y.ndim else ()
            gy = g * y
            return (gy - y * gy.sum(dims, keepdim=True),)
        return (_softmax.backward(g, y, self.dim, False),)


def _differentiable(*ts):
    """Whether a backward formula must itself be recorded (``create_graph``): then it is
    written in differentiable ops; otherwise one fused kernel computes it."""
    return grad_mode.is_grad_enabled() and builtins.any(t._requires_grad for t in ts)


def log_softmax(x, dim, dtype=None):
    """``x - logsumexp(x, dim)`` as one recorded node (stable for huge logits)."""
    src = x
    x, d = _softmax_input("log_softmax", x, dim, dtype)
    if x is not src and x._requires_grad:
        return log_softmax(x, d)        # the cast is recorded; then the op itself
    out = _softmax.forward(x, d, True)
    if needs_grad(x):
        node = record(LogSoftmaxBackward0, (x,), out)
        node.dim = d
        node.save(alias(out))
    return out


def softmax(x, dim, dtype=None):
    """``exp(x) / exp(x).sum(dim)`` as one recorded node."""
    src = x
    x, d = _softmax_input("softmax", x, dim, dtype)
    if x is not src and x._requires_grad:
        return softmax(x, d)
    out = _softmax.forward(x, d, False)
    if needs_grad(x):
        node = record(SoftmaxBackward0, (x,), out)
        node.dim = d
        node.save(alias(out))
    return out


# ------------------------------------------------------------------ ordering and scans
class SortBackward0(Node):
    """``sort``/``topk``: each gradient goes back to the position its value came from."""

    __slots__ = ("dim", "shape")

    def apply(self, g):
        (idx,) = self.saved
        return (_scatter_along(g, idx, self.dim, True, self.shape),)


class TopkBackward0(SortBackward0):
    __slots__ = ()


def _ordered(cls, res, x, dim):
    vals, idx = res
    if vals._dtype_code >= 3:
        node = record(cls, (x,), vals)
        node.dim = dim
        node.shape = tuple(x.shape)
        node.save(idx)
    return vals, idx


def sort(x, dim, descending):
    return _ordered(SortBackward0, _sort.sort(x, dim, descending), x, dim)


def topk(x, k, dim, largest, sorted):
    return _ordered(TopkBackward0, _sort.topk(x, k, dim, largest, sorted), x, dim)


def _scan_kernel(x, op, dim, code):
    """``cumsum`` (op 0) / ``cumprod`` (op 1) along ``dim``, in dtype ``code`` (None: the
    input's, with bool and int32 widened to int64 as PyTorch does)."""
    if code is None:
        code = 2 if x._dtype_code < 2 else x._dtype_code
    if code < 2:                  # int32/bool results: computed in int64, then narrowed
        return _elementwise.cast(_sort.scan(op, _elementwise.cast(x, 2), dim), code)
    if code != x._dtype_code:
        x = _elementwise.cast(x, code)
    return _sort.scan(op, x, dim)


class CumsumBackward0(Node):
    """The gradient of a running sum is the running sum of the gradient, from the end."""

    __slots__ = ("dim",)

    def apply(self, g):
        return (g.flip(self.dim).cumsum(self.dim).flip(self.dim),)


class CumprodBackward0(Node):
    """Exact where the input has zeros (one O(n) pass of the kernel); when the backward is
    itself recorded (``create_graph``), written with tensor ops, which needs no zeros."""

    __slots__ = ("dim",)

    def apply(self, g):
        x, out = self.saved
        d = self.dim
        if needs_grad(g, x):
            if bool((x == 0).any()):
                raise NotImplementedError("double backward of cumprod through an input with "
                                          "zeros is not supported")
            return ((g * out).flip(d).cumsum(d).flip(d) / x,)
        if g.dtype != x.dtype:
            g = g.to(x.dtype)
        return (_sort.cumprod_backward(x, g, d),)


def scan(x, op, dim, code):
    if code is not None and code != x._dtype_code and code >= 3:
        x = cast(x, code)                             # the cast is recorded too
    out = _scan_kernel(x, op, dim, code)
    if out._dtype_code >= 3:
        node = record(CumsumBackward0 if op == 0 else CumprodBackward0, (x,), out)
        node.dim = dim
        if op == 1:
            node.save(x, alias(out))
    return out


class FlipBackward0(Node):
    __slots__ = ("dims",)

    def apply(self, g):
        return (g.flip(self.dims),)


def flip(x, dims):
    out = _sort.flip(x, dims)
    node = record(FlipBackward0, (x,), out)
    node.dims = dims
    return out


def _roll_kernel(x, shifts, dims):
    """``roll``: each ``shifts[i]`` along ``dims[i]`` (``dims`` None: the flattened tensor),
    as two block copies per dim."""
    if dims is None:
        return TensorBase._view(_roll_kernel(_reshape_kernel(x, (-1,)), shifts, (0,)),
                                tuple(x.shape))
    res = x
    for shift, d in zip(shifts, dims):
        n = res.shape[d]
        s = shift % n if n else 0
        if s == 0:
            continue
        out = _core_tensor.empty_tensor(tuple(res.shape), res._dtype_code)
        narrow = TensorBase._narrow
        _elementwise.copy_(narrow(out, d, s, n - s), narrow(res, d, 0, n - s))
        _elementwise.copy_(narrow(out, d, 0, s), narrow(res, d, n - s, s))
        res = out
    return _elementwise.clone(x) if res is x else res


class RollBackward0(Node):
    __slots__ = ("shifts", "dims")

    def apply(self, g):
        return (g.roll(tuple(-s for s in self.shifts), self.dims),)


def roll(x, shifts, dims):
    out = _roll_kernel(x, shifts, dims)
    node = record(RollBackward0, (x,), out)
    node.shifts = shifts
    node.dims = dims
    return out


def _tri_kernel(x, diagonal, upper):
    """``tril`` (``upper`` false: keep ``j - i <= diagonal``) or ``triu`` (``j - i >=
    diagonal``) of the last two dims, through a broadcast mask."""
    n, m = x.shape[-2], x.shape[-1]
    offset = _binary_kernel(_B["sub"], arange(m).view(1, m), arange(n).view(n, 1))
    mask = _binary_kernel(_B["ge" if upper else "le"], offset, diagonal)
    return _elementwise.where(mask, x, zeros((), dtype=x.dtype))


class TrilBackward0(Node):
    __slots__ = ("diagonal",)

    def apply(self, g):
        return (g.tril(self.diagonal),)


class TriuBackward0(Node):
    __slots__ = ("diagonal",)

    def apply(self, g):
        return (g.triu(self.diagonal),)


def tri(x, diagonal, upper):
    out = _tri_kernel(x, diagonal, upper)
    node = record(TriuBackward0 if upper else TrilBackward0, (x,), out)
    node.diagonal = diagonal
    return out


def _repeat_kernel(x, repeats):
    """``repeat``: ``x`` (with leading 1s up to ``len(repeats)`` dims) tiled ``repeats[i]``
    times along dim ``i``: an interleaved broadcast view, copied."""
    shape = (1,) * (len(repeats) - x.ndim) + tuple(x.shape)
    inter = []
    big = []
    for r, n in zip(repeats, shape):
        inter += [1, n]
        big += [r, n]
    view = TensorBase._expand(_reshape_kernel(x, tuple(inter)), tuple(big))
    return TensorBase._view(_elementwise.clone(view),
                            tuple(r * n for r, n in zip(repeats, shape)))


class RepeatBackward0(Node):
    """The gradient of a tiled tensor: the sum over the tiles."""

    __slots__ = ("repeats", "shape")

    def apply(self, g):
        nd = len(self.repeats)
        shape = (1,) * (nd - len(self.shape)) + self.shape
        inter = []
        for r, n in zip(self.repeats, shape):
            inter += [r, n]
        return (g.reshape(inter).sum(tuple(range(0, 2 * nd, 2))).reshape(self.shape),)


def repeat(x, repeats):
    out = _repeat_kernel(x, repeats)
    node = record(RepeatBackward0, (x,), out)
    node.repeats = repeats
    node.shape = tuple(x.shape)
    return out


# ------------------------------------------------------------------ the derivative table
# What ``dispatch.op`` runs when ``fn(*args)`` must be recorded: each kernel maps to its
# recorded form above. A kernel missing here (``nonzero``, for one) has no gradient and just
# runs.
HANDLERS = {
    TensorBase._view: _view_handler(ViewBackward0, TensorBase._view),
    _reshape_kernel: _reshape,
    TensorBase._transpose: _view_handler(TransposeBackward0, TensorBase._transpose),
    _t_view: _view_handler(TBackward0, _t_view),
    _sqrt_zero_grad_kernel: _sqrt_zero_grad,
    TensorBase._permute: _view_handler(PermuteBackward0, TensorBase._permute),
    TensorBase._expand: _view_handler(ExpandBackward0, TensorBase._expand),
    TensorBase._squeeze: _squeeze,
    TensorBase._unsqueeze: _view_handler(UnsqueezeBackward0, TensorBase._unsqueeze),
    TensorBase._narrow: _view_handler(SliceBackward0, TensorBase._narrow, _narrow_key),
    TensorBase._select: _view_handler(SelectBackward0, TensorBase._select, _select_key),
    TensorBase._as_strided: _as_strided,
    _diagonal_view: _diagonal,
    _index.getitem: _getitem,
    _index.masked_select: _masked_select,
    _elementwise.where: where,
    _elementwise.cast: cast,
    _elementwise.clone: clone,
    _clamp_kernel: clamp,
    _matmul.matmul: matmul,
    _matmul.mm: lambda a, b: _checked(_matmul.mm, a, b),
    _matmul.bmm: lambda a, b: _checked(_matmul.bmm, a, b),
    _matmul.mv: lambda a, b: _checked(_matmul.mv, a, b),
    _matmul.dot: lambda a, b: _checked(_matmul.dot, a, b),
    _matmul.addmm: _addmm,
    _reduce.reduce: reduction,
    _reduce.arg_reduce: arg_reduce,
    _elementwise.copy_: inplace_copy,
    _elementwise.fill_: inplace_fill,
    _index.setitem: inplace_setitem,
    _index.index_put_: inplace_index_put,
    _sort.sort: sort,
    _sort.topk: topk,
    _scan_kernel: scan,
    _sort.flip: flip,
    _roll_kernel: roll,
    _tri_kernel: tri,
    _repeat_kernel: repeat,
}
