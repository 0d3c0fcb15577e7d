"""The ``cygrad.*`` functions (``cygrad.exp(t)``, ``cygrad.cat([...])``, ...) with PyTorch's
names, as ``torch/functional.py``: most are the ``Tensor`` method of the same name, the rest
(joining, broadcasting, einsum, ...) are written here on the methods and the dispatch."""
import builtins
import inspect

from ._core import _elementwise, _iter
from ._core import _tensor as _core_tensor
from ._core._tensor import TensorBase
from ._dtype import DTYPES
from .creation import tensor as _new_tensor
from .autograd import _functions as _autograd_functions
from .autograd.dispatch import binary as _binary, op as _op, unary as _unary
from .autograd.grad_mode import is_grad_enabled as _grad_enabled
from .tensor import (ARC_ALIASES, BINARY_DOCS, UNARY_DOCS, Tensor, _B, _U, _bin_counts,
                     _dtype_name, _positions, _return_types)

__all__ = []


def _export(fn, name=None):
    name = name or fn.__name__
    fn.__name__ = name
    fn.__qualname__ = name
    globals()[name] = fn
    __all__.append(name)
    return fn


def _check_tensor(name, x):
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def _out_without_grad(name, out, *args):
    """PyTorch's refusal of ``out=`` when autograd would have to record the call: the
    result written into ``out`` would have no history to flow back through."""
    if _grad_enabled() and (out._requires_grad or builtins.any(
            isinstance(a, TensorBase) and a._requires_grad for a in args)):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           f"automatic differentiation, but one of the arguments requires "
                           f"grad.")


def _unary_function(name, doc, export_name=None):
    code = _U[name]

    def fn(input, *, out=None):
        _check_tensor(name, input)
        if out is not None:
            _out_without_grad(name, out, input)
        return _unary(code, input, out)

    fn.__doc__ = doc + "\n\nParameters\n----------\ninput : Tensor\nout : Tensor, optional\n" \
        "    Written in place when given.\n"
    return _export(fn, export_name or name)


def _binary_function(name, doc, code_name=None, export_name=None):
    code = _B[code_name or name]

    def fn(input, other, *, out=None):
        if out is not None:
            _out_without_grad(name, out, input, other)
        return _binary(code, input, other, out)

    fn.__doc__ = doc + "\n\nParameters\n----------\ninput, other : Tensor or number\n" \
        "    Broadcast together and promoted to a common dtype.\nout : Tensor, optional\n" \
        "    Written in place when given.\n"
    return _export(fn, export_name or name)


for _name, _doc in UNARY_DOCS.items():
    if _name != "square":
        _unary_function(_name, _doc)
for _name, _doc in BINARY_DOCS.items():
    _binary_function(_name, _doc, "div" if _name == "true_divide" else None)
del _name, _doc
negative = _export(lambda input: _unary(_U["neg"], input), "negative")
negative.__doc__ = "Alias of :func:`neg`."
absolute = _export(lambda input: _unary(_U["abs"], input), "absolute")
absolute.__doc__ = "Alias of :func:`abs`."
for _alias, _target in ARC_ALIASES.items():
    _unary_function(_target, f"Alias of :func:`{_target}`.", _alias)
_binary_function("atan2", "Alias of :func:`atan2`.", export_name="arctan2")
del _alias, _target
multiply = _export(lambda input, other: _binary(_B["mul"], input, other), "multiply")
multiply.__doc__ = "Alias of :func:`mul`."


def _method_function(name, doc=None):
    method = getattr(Tensor, name)

    def fn(input, *args, out=None, **kwargs):
        _check_tensor(name, input)
        res = method(input, *args, **kwargs)
        return res if out is None else _into(out, res, name)

    if doc is None:
        summary, _, rest = inspect.cleandoc(method.__doc__ or "").partition("\n\n")
        doc = f"{summary}\n\nSame as ``input.{name}(...)``.\n\n{rest}".rstrip() + "\n"
    fn.__doc__ = doc
    return _export(fn, name)


for _name in ("sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "var", "std",
              "logsumexp", "any", "all", "nansum", "count_nonzero", "reshape", "transpose",
              "swapaxes", "permute", "movedim", "squeeze", "unsqueeze", "flatten", "unflatten",
              "split", "chunk", "unbind", "narrow", "select", "index_select", "gather",
              "masked_fill", "masked_select", "nonzero", "clamp", "clip", "round", "t",
              "broadcast_to", "clone", "isclose", "allclose", "equal", "lerp",
              "index_put", "index_add", "scatter", "scatter_add", "as_strided", "square", "matmul", "mm", "bmm", "mv", "dot",
              "outer", "ger", "diagonal", "trace", "softmax", "log_softmax",
              "addcmul", "addcdiv", "sort", "argsort", "msort", "topk", "cumsum", "cumprod",
              "fliplr", "flipud", "roll", "tril", "triu", "norm", "multinomial", "histc"):
    _method_function(_name)
del _name


@_export
def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting and type promotion.

    Examples
    --------
    >>> cygrad.add(cygrad.tensor([1, 2]), 10)
    tensor([11, 12])
    """
    if out is not None:
        _out_without_grad("add", out, input, other)
    if alpha != 1:
        other = _binary(_B["mul"], other, alpha)
    return _binary(_B["add"], input, other, out)


@_export
def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other`` with broadcasting and type promotion."""
    if out is not None:
        _out_without_grad("sub", out, input, other)
    if alpha != 1:
        other = _binary(_B["mul"], other, alpha)
    return _binary(_B["sub"], input, other, out)


subtract = _export(sub, "subtract")


@_export
def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``: true division, or ``rounding_mode='floor'``/``'trunc'``."""
    if out is not None:
        _out_without_grad("div", out, input, other)
    if rounding_mode is None:
        return _binary(_B["div"], input, other, out)
    if not isinstance(input, TensorBase):
        input = tensor_like(input, other)
    return _into(out, input.div(other, rounding_mode=rounding_mode), "div")


divide = _export(div, "divide")


def tensor_like(value, ref):
    return _new_tensor(value, dtype=DTYPES[_elementwise.result_type(value, ref)])


@_export
def max(input, dim=None, keepdim=False, *, keepdims=None):
    """The maximum of all elements; with ``dim``, named tuple ``(values, indices)``; with a
    tensor, the elementwise :func:`maximum`."""
    _check_tensor("max", input)
    return input.max(dim, keepdim, keepdims=keepdims)


@_export
def min(input, dim=None, keepdim=False, *, keepdims=None):
    """The minimum of all elements; with ``dim``, named tuple ``(values, indices)``; with a
    tensor, the elementwise :func:`minimum`."""
    _check_tensor("min", input)
    return input.min(dim, keepdim, keepdims=keepdims)


@_export
def where(condition, input=None, other=None):
    """``input`` where ``condition`` is true, else ``other`` (broadcast, promoted).

    With only ``condition``, the tuple of its non-zero indices per dim.

    Examples
    --------
    >>> x = cygrad.tensor([-1., 2., -3.])
    >>> cygrad.where(x > 0, x, 0.)
    tensor([0., 2., 0.])
    """
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return _op(_elementwise.where, condition, input, other)


@_export
def numel(input):
    """Number of elements of ``input``."""
    return input.numel()


@_export
def is_tensor(obj):
    """True if ``obj`` is a cygrad tensor."""
    return isinstance(obj, TensorBase)


@_export
def is_floating_point(input):
    """True if ``input`` has a floating dtype."""
    return input.is_floating_point()


@_export
def result_type(tensor1, tensor2):
    """The dtype an op on ``tensor1`` and ``tensor2`` (tensors or numbers) computes in.

    Examples
    --------
    >>> cygrad.result_type(cygrad.tensor([1, 2]), 2.5)
    cygrad.float32
    """
    return DTYPES[_elementwise.result_type(tensor1, tensor2)]


@_export
def broadcast_shapes(*shapes):
    """The shape tensors of ``shapes`` broadcast to (PyTorch's error if they cannot).

    Examples
    --------
    >>> cygrad.broadcast_shapes((3, 1), (4,))
    cygrad.Size([3, 4])
    """
    return _core_tensor.Size(_iter.broadcast_shapes_py(*shapes))


@_export
def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common broadcast shape."""
    shape = broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(t.expand(shape) for t in tensors)


def _into(out, res, name="op"):
    """``res``, or ``res`` copied into ``out`` (the ``out=`` argument) and ``out``.

    As PyTorch: ``out`` must be able to hold the result's dtype, and the call may not be
    recorded by autograd. ``out`` must have the result's shape (cygrad does not resize).
    A tuple result goes into a tuple of ``out`` tensors.
    """
    if out is None:
        return res
    if isinstance(res, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(f"{name}(): out= must be a tuple of {len(res)} tensors")
        filled = [_into(o, r, name) for o, r in zip(out, res)]
        return type(res)(*filled) if hasattr(res, "_fields") else tuple(filled)
    if not isinstance(out, TensorBase):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    _out_without_grad(name, out, res)
    if tuple(out.shape) != tuple(res.shape):
        raise RuntimeError(f"{name}(): out= has shape {list(out.shape)} but the result has "
                           f"shape {list(res.shape)} (cygrad does not resize out= tensors)")
    if _category(res.dtype) > _category(out.dtype):
        raise RuntimeError(f"result type {_dtype_name(res)} can't be cast to the desired "
                           f"output type {_dtype_name(out)}")
    out.copy_(res)
    return out


def _category(dt):
    return 2 if dt.is_floating_point else (0 if dt is DTYPES[0] else 1)


@_export
def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim ``dim`` (a copy).

    All must have the same shape except along ``dim`` (1-d empty tensors are skipped, as in
    PyTorch); the result has the promoted dtype.

    Examples
    --------
    >>> cygrad.cat([cygrad.zeros(2, 1), cygrad.ones(2, 2)], dim=1).shape
    cygrad.Size([2, 3])
    """
    return _into(out, _autograd_functions.cat(tensors, dim), "cat")


concat = _export(cat, "concat")
concatenate = _export(cat, "concatenate")


@_export
def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim ``dim``.

    Examples
    --------
    >>> cygrad.stack([cygrad.zeros(3), cygrad.ones(3)]).shape
    cygrad.Size([2, 3])
    """
    return _into(out, _autograd_functions.stack(tensors, dim), "stack")


@_export
def hstack(tensors):
    """Stack horizontally: along dim 1 (dim 0 for 1-d tensors)."""
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@_export
def vstack(tensors):
    """Stack vertically: along dim 0 (1-d tensors become rows)."""
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


@_export
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` (``input`` broadcast to the result)."""
    return input.addmm(mat1, mat2, beta=beta, alpha=alpha)


@_export
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    return input.baddbmm(batch1, batch2, beta=beta, alpha=alpha)


@_export
def tensordot(a, b, dims=2):
    """Contract ``a`` and ``b`` over ``dims``: the last ``dims`` dims of ``a`` with the first
    ``dims`` of ``b``, or the given lists ``([dims of a], [dims of b])``.

    Computed as one matrix product after permuting and reshaping (no index loop).

    Examples
    --------
    >>> cygrad.tensordot(cygrad.ones(3, 4, 5), cygrad.ones(4, 5, 2), dims=2).shape
    cygrad.Size([3, 2])
    """
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da = [_core_tensor.wrap_dim_py(d, a.ndim) for d in da]
    db = [_core_tensor.wrap_dim_py(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = ma = nb = 1
    for d in da:
        k *= a.shape[d]
    for d in fa:
        ma *= a.shape[d]
    for d in fb:
        nb *= b.shape[d]
    am = a.permute(fa + da).reshape(ma, k)
    bm = b.permute(db + fb).reshape(k, nb)
    return (am @ bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])


def _einsum_pair(a, sa, b, sb, keep):
    """Contract operands with subscripts ``sa``/``sb`` keeping letters ``keep`` (any order);
    returns (result, its subscripts). Batch letters become bmm's batch, the rest its M/N/K."""
    sizes = {}
    for t, sub in ((a, sa), (b, sb)):
        for ch, n in zip(sub, t.shape):
            if sizes.setdefault(ch, n) != n:
                raise RuntimeError(f"einsum(): subscript {ch} has size {n} for operand which "
                                   f"does not broadcast with previously seen size "
                                   f"{sizes[ch]}")
    # letters only one operand has and nobody keeps are summed right away
    a_sum = [ch for ch in sa if ch not in sb and ch not in keep]
    b_sum = [ch for ch in sb if ch not in sa and ch not in keep]
    if a_sum:
        a = a.sum([sa.index(ch) for ch in a_sum])
        sa = "".join(ch for ch in sa if ch not in a_sum)
    if b_sum:
        b = b.sum([sb.index(ch) for ch in b_sum])
        sb = "".join(ch for ch in sb if ch not in b_sum)
    batch = [ch for ch in sa if ch in sb and ch in keep]
    contract = [ch for ch in sa if ch in sb and ch not in keep]
    m_letters = [ch for ch in sa if ch not in sb]
    n_letters = [ch for ch in sb if ch not in sa]

    def prod(letters):
        n = 1
        for ch in letters:
            n *= sizes[ch]
        return n

    am = a.permute([sa.index(ch) for ch in batch + m_letters + contract]).reshape(
        prod(batch), prod(m_letters), prod(contract))
    bm = b.permute([sb.index(ch) for ch in batch + contract + n_letters]).reshape(
        prod(batch), prod(contract), prod(n_letters))
    out = (am @ bm).reshape([sizes[ch] for ch in batch + m_letters + n_letters])
    return out, "".join(batch + m_letters + n_letters)


def _einsum_single(t, sub, keep):
    # repeated letters take the diagonal (as trace / diag do)
    while len(set(sub)) != len(sub):
        ch = next(c for c in sub if sub.count(c) > 1)
        i = sub.index(ch)
        j = sub.index(ch, i + 1)
        t = t.diagonal(0, i, j)
        sub = "".join(c for k, c in enumerate(sub) if k not in (i, j)) + ch
    drop = [i for i, ch in enumerate(sub) if ch not in keep]
    if drop:
        t = t.sum(drop)
        sub = "".join(ch for ch in sub if ch in keep)
    return t, sub


def _expand_ellipsis(subs, out, operands):
    """Replace ``...`` by fresh letters for the broadcast dims (right-aligned, as NumPy);
    size-1 dims are expanded to the broadcast size so pairs see equal sizes."""
    used = set("".join(subs) + (out or ""))
    fresh = [ch for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if ch not in used]
    ranks = [t.ndim - (len(s) - 3) if "..." in s else 0 for s, t in zip(subs, operands)]
    e = builtins.max(ranks)
    letters = "".join(fresh[:e])
    shapes = [tuple(t.shape[s.index("..."):s.index("...") + r]) if "..." in s else ()
              for s, t, r in zip(subs, operands, ranks)]
    bshape = tuple(broadcast_shapes(*shapes)) if shapes else ()
    new_subs, new_ops = [], []
    for s, t, r in zip(subs, operands, ranks):
        if "..." in s:
            i = s.index("...")
            mine = letters[e - r:]
            s = s.replace("...", mine)
            full = list(t.shape)
            full[i:i + r] = bshape[e - r:]
            t = t.expand(full)
        new_subs.append(s)
        new_ops.append(t)
    if out is None:
        rest = "".join(new_subs).replace(",", "")
        out = letters + "".join(sorted(ch for ch in set(rest) if rest.count(ch) == 1
                                       and ch not in letters))
    else:
        out = out.replace("...", letters)
    return new_subs, out, tuple(new_ops)


@_export
def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``.

    Operands are contracted pairwise, left to right, each pair as one batched matrix
    product after permuting and reshaping (no per-element index loop). Repeated subscripts
    within one operand take diagonals; ``...`` stands for broadcast batch dims.

    Examples
    --------
    >>> a, b = cygrad.ones(2, 3), cygrad.ones(3, 4)
    >>> cygrad.einsum('ij,jk->ik', a, b).shape
    cygrad.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation" if len(operands) > len(subs) else
                           "einsum(): fewer operands were provided than specified in the "
                           "equation")
    if "..." in eq:
        subs, out, operands = _expand_ellipsis(subs, out if arrow else None, operands)
    elif not arrow:
        letters = lhs.replace(",", "")
        out = "".join(sorted(ch for ch in set(letters) if letters.count(ch) == 1))
    for sub, t in zip(subs, operands):
        if len(sub) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(sub)}) does not match the number of dimensions "
                               f"({t.ndim}) for operand {subs.index(sub)}")
    cur, cs = _einsum_single(operands[0], subs[0], set(out) | set("".join(subs[1:])))
    for k in range(1, len(operands)):
        later = set(out) | set("".join(subs[k + 1:]))
        t, ts = _einsum_single(operands[k], subs[k], later | set(cs))
        cur, cs = _einsum_pair(cur, cs, t, ts, later)
    cur, cs = _einsum_single(cur, cs, set(out))
    return cur.permute([cs.index(ch) for ch in out]) if out else cur.reshape(())


@_export
def flip(input, dims, *, out=None):
    """A copy of ``input`` reversed along ``dims`` (a tuple or list of ints).

    Examples
    --------
    >>> cygrad.flip(cygrad.arange(4), [0])
    tensor([3, 2, 1, 0])
    """
    _check_tensor("flip", input)
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    return _into(out, input.flip(tuple(dims)), "flip")


@_export
def histogram(input, bins, *, range=None, weight=None, density=False):
    """A histogram of ``input``'s values: ``(hist, bin_edges)``.

    Parameters
    ----------
    input : Tensor
        Floating point; flattened.
    bins : int or Tensor
        The number of equal bins over ``range`` (the data's range by default), or the
        increasing bin edges (values outside them are ignored; the last edge is inclusive).
    range : (float, float), optional
    weight : Tensor, optional
        One weight per element, summed instead of counting.
    density : bool, optional
        Normalise so that the histogram integrates to 1.

    Returns
    -------
    (Tensor, Tensor)
        A named tuple ``(hist, bin_edges)``.

    Examples
    --------
    >>> cygrad.histogram(cygrad.tensor([1., 2., 1.]), bins=4, range=(0., 3.)).hist
    tensor([0., 2., 1., 0.])
    """
    _check_tensor("histogram", input)
    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for "
                                  f"'{_dtype_name(input)}'")
    v = input.detach().reshape(-1)
    w = None
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError("torch.histogram: if weight tensor is provided it should have "
                               "the same shape as the input tensor")
        w = weight.detach().reshape(-1).to(input.dtype)
    if isinstance(bins, TensorBase):
        edges = bins.detach().to(input.dtype)
        if edges.ndim != 1 or edges.numel() < 2:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension and "
                               "at least 2 elements")
        nb = edges.numel() - 1
        inside = (v >= edges[0]) & (v <= edges[-1])
        if w is not None:
            w = w[inside]
        v = v[inside]
        pos = ((v.unsqueeze(-1) >= edges).sum(-1) - 1).clamp(0, nb - 1)
    else:
        if isinstance(bins, builtins.bool) or not hasattr(bins, "__index__") or bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               f"dimension 0")
        nb = bins.__index__()
        if range is not None:
            lo, hi = builtins.float(range[0]), builtins.float(range[1])
        elif v.numel():
            lo, hi = v.amin().item(), v.amax().item()
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min "
                               f"{lo} max {hi}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        from .creation import linspace

        edges = linspace(lo, hi, nb + 1, dtype=input.dtype)
        if w is not None:
            w = w[(v >= lo) & (v <= hi)]
        v, pos = _positions(v, lo, hi, nb)
    hist = _bin_counts(v, pos, nb, w, input.dtype)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return _return_types.histogram(hist, edges)
