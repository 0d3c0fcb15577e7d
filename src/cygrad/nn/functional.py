"""``cygrad.nn.functional``: the layers, activations and losses as functions (PyTorch's API).

Composite ops are written from recorded primitives, so autograd differentiates them for
free. Ops whose backward is cheaper or more stable written by hand (``linear``,
``log_softmax``, ``nll_loss``, ``mse_loss``, the binary cross entropies, ``conv2d``,
``max_pool2d``, ``embedding``, ``gelu``) compute their forward on detached tensors and record
one node whose ``apply`` is the derivative, written beside the forward as in
``cygrad.autograd._functions``.
"""
import builtins
import math
import warnings

from .._core import _elementwise, _matmul, _reduce, _norm as _norm_core
from .._core import _conv as _conv_core
from .._core import _softmax as _softmax_core
from .._core._tensor import TensorBase
from .. import _dtype, creation as _creation
from ..autograd import grad_mode
from ..autograd._functions import (_differentiable, _where, index_put,
                                   log_softmax as _log_softmax, record, softmax as _softmax)
from ..autograd.grad_mode import needs_grad
from ..autograd.graph import Node
from ..functional import cat as _cat, einsum as _einsum

_B = _elementwise.BINARY_OPS
_U = _elementwise.UNARY_OPS
_R = _reduce.REDUCE_OPS

__all__ = [
    "linear", "bilinear", "relu", "relu_", "leaky_relu", "sigmoid", "tanh", "gelu", "silu",
    "softplus", "elu", "softmax", "log_softmax", "dropout", "one_hot", "embedding",
    "layer_norm", "batch_norm", "conv1d", "conv2d", "max_pool2d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "pad",
    "flatten", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss",
    "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits", "normalize",
    "scaled_dot_product_attention", "multi_head_attention_forward",
]

_binary_kernel = _elementwise.binary
_unary_kernel = _elementwise.unary
_REDUCTIONS = ("none", "mean", "sum")


def _d(t):
    """``t`` without history, for a hand-written node's forward."""
    return t.detach() if t._requires_grad else t


_INT_NAMES = {0: "Bool", 1: "Int", 2: "Long"}


def _check_float(kernel, input):
    """PyTorch's error for an activation applied to an integer tensor."""
    if not input.is_floating_point():
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_INT_NAMES[input._dtype_code]}'")


def _no_weight_grad(fn, name, weight):
    """Loss weights are constants, as in PyTorch (which refuses them requiring grad)."""
    if weight is not None and weight._requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to "
                           f"argument '{name}'. This input cannot have requires_grad True.")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average`` / ``reduce`` arguments mapped to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduce_loss(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _single(v, name):
    if isinstance(v, int):
        return (v,)
    v = tuple(v)
    if len(v) != 1 or not isinstance(v[0], int):
        raise ValueError(f"{name} must be an int or a 1-tuple of ints, got {v!r}")
    return v


def _pair(v, name):
    if isinstance(v, int):
        return (v, v)
    v = tuple(v)
    if len(v) == 1:
        return (v[0], v[0])
    if len(v) != 2 or not all(isinstance(i, int) for i in v):
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return v


# ====================================================================== linear
class AddmmBackward0(Node):
    """``out = bias + input @ weight.T``: inputs are (bias, input, weight)."""

    __slots__ = ()

    def apply(self, g):
        x, w = self.saved
        gb = g.sum(0) if self.needs(0) else None
        gx = g @ w if self.needs(1) else None
        gw = g.mT @ x if self.needs(2) else None
        return gb, gx, gw


def linear(input, weight, bias=None):
    """``y = input @ weight.T + bias``.

    Parameters
    ----------
    input : Tensor
        ``(*, in_features)``.
    weight : Tensor
        ``(out_features, in_features)``.
    bias : Tensor, optional
        ``(out_features,)``.

    Returns
    -------
    Tensor
        ``(*, out_features)``.

    Examples
    --------
    >>> x = cygrad.ones(2, 3)
    >>> w = cygrad.tensor([[1., 2., 3.]])
    >>> F.linear(x, w, cygrad.tensor([0.5]))
    tensor([[6.5000],
            [6.5000]])
    """
    if not isinstance(input, TensorBase) or not isinstance(weight, TensorBase):
        raise TypeError("linear(): input and weight must be Tensors")
    if weight.ndim not in (1, 2):
        raise RuntimeError(f"linear(): weight must be 1-d or 2-d, got {weight.ndim}-d")
    if input.ndim == 2 and weight.ndim == 2 and bias is not None and bias.ndim <= 1:
        # kernels ignore autograd flags: no need to detach before calling them
        out = _matmul.addmm(bias, input, TensorBase._transpose(weight, 0, 1), 1.0, 1.0)
        if needs_grad(input, weight, bias):
            node = record(AddmmBackward0, (bias, input, weight), out)
            node.save(input if node.needs(2) else None, weight if node.needs(1) else None)
        return out
    if (input.ndim > 2 and weight.ndim == 2 and bias is not None and bias.ndim <= 1
            and input.shape[-1] == weight.shape[1]):
        # (*, in) rows as one matrix, as PyTorch folds them: the bias is added by the
        # product itself, and its gradient is one reduction over rows
        lead = tuple(input.shape[:-1])
        rows = 1
        for s in lead:
            rows *= s
        out = linear(input.reshape(rows, input.shape[-1]), weight, bias)
        return out.view(lead + (out.shape[-1],))
    out = input @ weight.mT if weight.ndim == 2 else input @ weight
    if bias is not None:
        out = out + bias
    return out


def bilinear(input1, input2, weight, bias=None):
    """``y = x1^T A x2 + b`` for each output feature; ``weight`` is ``(out, in1, in2)``."""
    out = _einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out


# ====================================================================== activations
def relu(input, inplace=False):
    """``max(input, 0)`` elementwise.

    Examples
    --------
    >>> F.relu(cygrad.tensor([-1., 0., 2.]))
    tensor([0., 0., 2.])
    """
    return input.relu_() if inplace else input.relu()


def relu_(input):
    """In-place :func:`relu`."""
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Examples
    --------
    >>> F.leaky_relu(cygrad.tensor([-1., 2.]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    _check_float("leaky_relu_cpu", input)
    out = _where(input > 0, input, input * negative_slope)
    return input.copy_(out) if inplace else out


def sigmoid(input):
    """``1 / (1 + exp(-x))``."""
    return input.sigmoid()


def tanh(input):
    """Hyperbolic tangent."""
    return input.tanh()


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (also called swish)."""
    _check_float("silu_cpu", input)
    out = input * input.sigmoid()
    return input.copy_(out) if inplace else out


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Examples
    --------
    >>> F.softplus(cygrad.tensor([0., 30.]))
    tensor([ 0.6931, 30.0000])
    """
    _check_float("softplus_cpu", input)
    bx = input * beta
    soft = (bx.clamp(max=threshold).exp()).log1p() / beta
    return _where(bx > threshold, input, soft)


def elu(input, alpha=1.0, inplace=False):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    _check_float("elu_cpu", input)
    out = _where(input > 0, input, (input.clamp(max=0.0).expm1()) * alpha)
    return input.copy_(out) if inplace else out


_SQRT1_2 = 1.0 / math.sqrt(2.0)
_SQRT2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class GeluBackward0(Node):
    """d/dx [x Phi(x)] = Phi(x) + x phi(x) (exact), or the derivative of the tanh form."""

    __slots__ = ("approximate",)

    def apply(self, g):
        (x,) = self.saved
        if self.approximate == "tanh":
            inner = (x + 0.044715 * x * x * x) * _SQRT2_PI
            t = inner.tanh()
            dinner = (1 + 3 * 0.044715 * x * x) * _SQRT2_PI
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner),)
        if _differentiable(g, x):
            cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
            pdf = (-0.5 * x * x).exp() * _INV_SQRT_2PI
            return (g * (cdf + x * pdf),)
        return (g * _unary_kernel(_U["gelu_grad"], x),)


def gelu(input, approximate="none"):
    """Gaussian error linear unit: ``x * Phi(x)`` (``approximate='tanh'`` for the tanh form).

    Examples
    --------
    >>> F.gelu(cygrad.tensor([-1., 0., 1.]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    _check_float("GeluKernelImpl", input)
    x = _d(input)
    if approximate == "tanh":
        out = 0.5 * x * (1 + ((x + 0.044715 * x * x * x) * _SQRT2_PI).tanh())
    else:
        out = _unary_kernel(_U["gelu"], x)
    if needs_grad(input):
        node = record(GeluBackward0, (input,), out)
        node.approximate = approximate
        node.save(input)
    return out


def _softmax_dim(name, ndim, stacklevel=3):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / exp(x).sum(dim)``, computed stably (shifted by the maximum).

    Examples
    --------
    >>> F.softmax(cygrad.tensor([1., 1., 2.]), dim=0)
    tensor([0.2119, 0.2119, 0.5761])
    """
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x, dim)``: stable for any finite logits (even ``1e4``).

    Examples
    --------
    >>> F.log_softmax(cygrad.tensor([0., 1e4]), dim=0)
    tensor([-10000.,      0.])
    """
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """``x / max(||x||_p, eps)`` along ``dim``."""
    n = input.abs().pow(p).sum(dim, keepdim=True).pow(1.0 / p) if p != 2.0 else \
        (input * input).sum(dim, keepdim=True).sqrt()
    return input / n.clamp(min=eps)


# ====================================================================== dropout, one_hot
def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The mask comes from cygrad's global generator (:func:`cygrad.manual_seed`), so it is
    reproducible but not the same draws as PyTorch's.

    Examples
    --------
    >>> x = cygrad.ones(1000)
    >>> F.dropout(x, 0.5, training=False) is x
    True
    >>> y = F.dropout(x, 0.5)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    """
    if not (0.0 <= p <= 1.0):
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    if not input.is_floating_point():
        raise RuntimeError("dropout(): expected a floating point input, got "
                           f"{input.dtype}")
    keep = _creation.rand(tuple(input.shape), dtype=input.dtype)
    mask = _binary_kernel(_B["ge"], keep, p)
    scale = _binary_kernel(_B["mul"], mask, 1.0 / (1.0 - p))
    if scale.dtype is not input.dtype:
        scale = scale.to(input.dtype)
    return input.mul_(scale) if inplace else input * scale


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding: ``out[..., i] = (tensor == i)``.

    Examples
    --------
    >>> F.one_hot(cygrad.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    if not isinstance(tensor, TensorBase) or tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel() and int(tensor.min().item()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if tensor.numel() and int(tensor.max().item()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = _creation.arange(num_classes)
    return (tensor.unsqueeze(-1) == classes).long()


# ====================================================================== embedding
class EmbeddingBackward0(Node):
    """Scatter-add the output gradient into the rows that were looked up (each divided by
    how often its row occurs with ``scale_grad_by_freq``)."""

    __slots__ = ("num", "padding_idx", "by_freq")

    def apply(self, g):
        (idx,) = self.saved
        w_shape = (self.num, g.shape[-1])
        gw = _creation.zeros(w_shape, dtype=g.dtype)
        flat = idx.reshape(-1)
        rows = g.reshape(-1, w_shape[1])
        if self.padding_idx is not None:
            keep = (flat != self.padding_idx).unsqueeze(-1).to(g.dtype)
            rows = rows * keep
        if self.by_freq:                 # each row's gradient divided by its count
            counts = _creation.zeros((self.num,), dtype=g.dtype).index_put_(
                (flat,), _creation.ones(tuple(flat.shape), dtype=g.dtype), accumulate=True)
            rows = rows / counts[flat].unsqueeze(-1)
        return (index_put(gw, (flat,), rows, True) if rows._requires_grad else
                gw.index_put_((flat,), rows, accumulate=True),)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer ``input`` (any shape).

    Examples
    --------
    >>> w = cygrad.tensor([[0., 0.], [1., 2.], [3., 4.]])
    >>> F.embedding(cygrad.tensor([2, 1]), w)
    tensor([[3., 4.],
            [1., 2.]])
    """
    if not isinstance(input, TensorBase) or input.dtype not in (_dtype.int64,
                                                                _dtype.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"{getattr(input, 'dtype', type(input).__name__)} instead")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError("embedding(): sparse=True needs sparse gradients, which "
                                  "cygrad does not have; use sparse=False")
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += n
        if not 0 <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
    if input.numel():
        lo, hi = int(input.min().item()), int(input.max().item())
        if lo < 0 or hi >= n:
            raise IndexError(f"index {hi if hi >= n else lo} is out of bounds for dimension 0 "
                             f"with size {n}")
    if max_norm is not None and input.numel():
        _embedding_renorm_(weight, input, max_norm, norm_type)
    out = _d(weight)[input]
    if needs_grad(weight):
        node = record(EmbeddingBackward0, (weight,), out)
        node.num = n
        node.padding_idx = padding_idx
        node.by_freq = scale_grad_by_freq
        node.save(input)
    return out


def _embedding_renorm_(weight, input, max_norm, norm_type):
    """Rescale, in place and unrecorded, the rows ``input`` looks up whose ``norm_type``-norm
    exceeds ``max_norm`` to norm ``max_norm`` (PyTorch's ``embedding_renorm_``)."""
    with grad_mode.no_grad():
        w = _d(weight)
        present = _creation.zeros((w.shape[0],), dtype=_dtype.bool)
        present[input.reshape(-1)] = True
        rows = present.nonzero().reshape(-1)
        norms = w[rows].norm(p=norm_type, dim=1)
        big = norms > max_norm
        if bool(big.any()):
            rows = rows[big]
            scale = (max_norm / (norms[big] + 1e-7)).unsqueeze(1)
            w[rows] = w[rows] * scale


# ====================================================================== attention
_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "bool": "bool"}


def _c_name(dt):
    """The C++ type name PyTorch's attention errors print for a dtype."""
    return _C_NAMES[dt._name]


class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    """``out = dropout(softmax(scale * q @ k.mT + mask)) @ v``: inputs (q, k, v, mask).

    Saved: the inputs, the attention weights ``P`` (before dropout) and, with dropout, the
    kept-and-rescaled weights ``Pd`` and the dropout mask's scale ``keep``. Backward: two
    products for the value and weight gradients, one fused softmax backward (the scale
    folded in), two products for the query and key gradients. Under ``create_graph`` the
    weights are recomputed from the inputs with recorded ops, so the backward is itself
    differentiable.
    """

    __slots__ = ("scale", "causal")

    def apply(self, g):
        q, k, v, mask, p, pd, keep = self.saved
        gq = gk = gv = gm = None
        if _differentiable(g, q, k, v, *(() if mask is None else (mask,))):
            p = _attention_weights(q, k, mask, self.scale, self.causal)
            pd = p if keep is None else p * keep
        elif pd is None:
            pd = p
        if self.needs(2):
            gv = pd.mT @ g
        if not (self.needs(0) or self.needs(1) or self.needs(3)):
            return gq, gk, gv, gm
        gp = g @ v.mT
        if keep is not None:
            gp = gp * keep
        if _differentiable(gp, p):
            gz = p * (gp - (gp * p).sum(-1, keepdim=True))
            gs = gz * self.scale
        else:
            gz = None
            gs = _softmax_core.backward(gp, p, -1, False, self.scale)
        if self.needs(0):
            gq = gs @ k
        if self.needs(1):
            gk = gs.mT @ q
        if self.needs(3):
            gm = gz if gz is not None else _softmax_core.backward(gp, p, -1, False, 1.0)
        return gq, gk, gv, gm


def _attention_weights(q, k, mask, scale, causal):
    """``softmax(scale * q @ k.mT + mask)`` in recorded ops (double backward), rows with
    nothing to attend to set to zero."""
    z = (q @ k.mT) * scale
    L, S = z.shape[-2], z.shape[-1]
    if causal:
        mask = _creation.ones((L, S), dtype=_dtype.bool).tril()
    if mask is not None and mask.dtype is _dtype.bool:
        z = _where(mask, z, float("-inf"))
    elif mask is not None:
        z = z + mask
    p = z.softmax(-1)
    if mask is not None:
        empty = z.amax(-1, keepdim=True) == float("-inf")
        p = _where(empty, 0.0, p)
    return p


def _check_attention(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, TensorBase):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be "
                            f"Tensor, not {type(t).__name__}")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.ndim} key.dim: {key.ndim} and "
                           f"value.dim: {value.ndim} instead.")
    if not (query.dtype is key.dtype is value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_c_name(query.dtype)} key.dtype: "
                           f"{_c_name(key.dtype)} and value.dtype: {_c_name(value.dtype)} "
                           "instead.")
    if not query.is_floating_point():
        raise RuntimeError(f"expected scalar type Float but found "
                           f"{_INT_NAMES.get(query._dtype_code, 'Bool')}")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got "
                           f"{dropout_p}")
    E, S = query.shape[-1], key.shape[-2]
    if key.shape[-1] != E:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{S}, {E}] but got: [{S}, {key.shape[-1]}].")
    if value.shape[-2] != S:
        raise RuntimeError(f"scaled_dot_product_attention(): key has {S} positions but value "
                           f"has {value.shape[-2]} (key.shape {list(key.shape)}, value.shape "
                           f"{list(value.shape)})")
    if attn_mask is not None:
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
        if not isinstance(attn_mask, TensorBase):
            raise TypeError("scaled_dot_product_attention(): argument 'attn_mask' must be "
                            f"Tensor, not {type(attn_mask).__name__}")
        if attn_mask.dtype is not _dtype.bool and attn_mask.dtype is not query.dtype:
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match "
                               "query dtype, but got attn_mask.dtype: "
                               f"{_c_name(attn_mask.dtype)} and  query.dtype: "
                               f"{_c_name(query.dtype)} instead.")
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hk == 0 or hq % hk:
            raise RuntimeError("scaled_dot_product_attention(): with enable_gqa the number "
                               f"of query heads ({hq}) must be a multiple of the number of "
                               f"key and value heads ({hk}, {hv})")


def _repeat_heads(t, groups):
    """``t.repeat_interleave(groups, dim=-3)``: each key/value head serves ``groups``
    consecutive query heads (grouped-query attention)."""
    shape = tuple(t.shape)
    t = t.unsqueeze(-3).expand(shape[:-2] + (groups,) + shape[-2:])
    return t.reshape(shape[:-3] + (shape[-3] * groups,) + shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    r"""Attention: ``softmax(query @ key.mT * scale + attn_mask) @ value``.

    Parameters
    ----------
    query : Tensor
        ``(*, L, E)``: ``L`` target positions.
    key : Tensor
        ``(*, S, E)``: ``S`` source positions.
    value : Tensor
        ``(*, S, Ev)``.
    attn_mask : Tensor, optional
        Broadcastable to ``(*, L, S)``. A bool mask keeps the positions that are ``True``;
        a float mask (the dtype of ``query``) is added to the scores.
    dropout_p : float
        Probability of dropping an attention weight (the rest are scaled by
        ``1 / (1 - dropout_p)``). Pass 0 when evaluating: this function does not know
        about ``train()``/``eval()``.
    is_causal : bool
        Position ``i`` attends to positions ``j <= i`` only (a lower-triangular mask aligned
        to the top left when ``L != S``). Not together with ``attn_mask``.
    scale : float, optional
        Factor on the scores; ``1 / sqrt(E)`` by default.
    enable_gqa : bool
        Grouped-query attention: ``key``/``value`` carry fewer heads (dim ``-3``), each one
        shared by consecutive query heads.

    Returns
    -------
    Tensor
        ``(*, L, Ev)``. A query row that may attend to nothing (every position masked) gives
        zeros, as in PyTorch.

    Notes
    -----
    One node does the whole computation: two batched products around one fused softmax
    kernel (the scale and the causal mask are applied inside it, so no ``(L, S)`` mask is
    built), and its backward is two products for the value and score gradients, one fused
    softmax backward and two products for the query and key gradients. Batch dimensions
    broadcast.

    Examples
    --------
    >>> q = k = v = cygrad.eye(3).reshape(1, 3, 3)
    >>> F.scaled_dot_product_attention(q, k, v, scale=200.0)
    tensor([[[1., 0., 0.],
             [0., 1., 0.],
             [0., 0., 1.]]])
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)[0, 1]
    tensor([0.3595, 0.6405, 0.0000])
    """
    _check_attention(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    q, k, v = _d(query), _d(key), _d(value)
    scores = _matmul.matmul(q, k.mT)
    L = scores.shape[-2]
    if attn_mask is None:
        p = _softmax_core.forward(scores, -1, False, scale, L if is_causal else 0, True)
    else:
        m = _d(attn_mask)
        if m.dtype is _dtype.bool:
            z = _binary_kernel(_B["mul"], scores, scale)
            z = _where(m, z, float("-inf"))
        else:
            z = _binary_kernel(_B["add"], _binary_kernel(_B["mul"], scores, scale), m)
        p = _softmax_core.forward(z, -1, False, 1.0, 0, True)
    pd = keep = None
    if dropout_p > 0.0:
        if dropout_p == 1.0:
            keep = _creation.zeros(tuple(p.shape), dtype=p.dtype)
        else:
            u = _creation.rand(tuple(p.shape), dtype=p.dtype)
            keep = _binary_kernel(_B["mul"], _binary_kernel(_B["ge"], u, dropout_p),
                                  1.0 / (1.0 - dropout_p))
            if keep.dtype is not p.dtype:
                keep = keep.to(p.dtype)
        pd = _binary_kernel(_B["mul"], p, keep)
    out = _matmul.matmul(p if pd is None else pd, v)
    mask_grad = attn_mask is not None and attn_mask.dtype is not _dtype.bool
    inputs = (query, key, value, attn_mask if mask_grad else None)
    if builtins.any(t is not None and needs_grad(t) for t in inputs):
        node = record(ScaledDotProductFlashAttentionForCpuBackward0, inputs, out)
        node.scale = scale
        node.causal = is_causal
        node.save(query, key, value, attn_mask, p, pd, keep)
    return out


def _canonical_mask(mask, name, dtype):
    """A bool mask (``True``: do not attend) as the float mask to add; float masks as is."""
    if mask is None:
        return None
    if mask.dtype is _dtype.bool:
        return _creation.zeros(tuple(mask.shape), dtype=dtype).masked_fill(mask,
                                                                            float("-inf"))
    if not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """The computation of :class:`~cygrad.nn.MultiheadAttention`, weights passed explicitly.

    Parameters
    ----------
    query : Tensor
        ``(L, N, E)``, or ``(L, E)`` unbatched.
    key, value : Tensor
        ``(S, N, kdim)`` and ``(S, N, vdim)`` (``(S, kdim)``, ``(S, vdim)`` unbatched).
    embed_dim_to_check : int
        ``E``, checked against ``query``.
    num_heads : int
        Heads; ``E`` must be divisible by it.
    in_proj_weight, in_proj_bias : Tensor or None
        The packed ``(3E, E)`` projection and its ``(3E,)`` bias.
    bias_k, bias_v : Tensor or None
        ``(1, 1, E)`` rows appended to the keys and values.
    add_zero_attn : bool
        Append a row of zeros to the (projected) keys and values.
    dropout_p : float
        Dropout on the attention weights (when ``training``).
    out_proj_weight, out_proj_bias : Tensor
        The output projection.
    training : bool
        Whether dropout applies.
    key_padding_mask : Tensor, optional
        ``(N, S)``: ``True`` (or ``-inf``) marks keys to ignore.
    need_weights : bool
        Also return the attention weights.
    attn_mask : Tensor, optional
        ``(L, S)`` or ``(N * num_heads, L, S)``: ``True`` marks pairs *not* allowed to
        attend (the opposite of :func:`scaled_dot_product_attention`'s bool masks); a float
        mask is added to the scores.
    use_separate_proj_weight : bool
        Use ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` instead of the packed
        ``in_proj_weight`` (when ``kdim`` or ``vdim`` differ from ``E``).
    q_proj_weight, k_proj_weight, v_proj_weight : Tensor, optional
    static_k, static_v : Tensor, optional
        ``(N * num_heads, S, E / num_heads)`` keys/values used instead of projecting.
    average_attn_weights : bool
        Average the returned weights over heads.
    is_causal : bool
        A hint that ``attn_mask`` is the causal mask (then, without ``need_weights`` or a
        key padding mask, the mask is not materialised).

    Returns
    -------
    attn_output : Tensor
        ``(L, N, E)`` (``(L, E)`` unbatched).
    attn_output_weights : Tensor or None
        ``(N, L, S)`` averaged (``(N, num_heads, L, S)`` otherwise), or ``None`` when
        ``need_weights`` is false.

    Examples
    --------
    >>> mha = nn.MultiheadAttention(4, 2)
    >>> x = cygrad.randn(3, 1, 4)
    >>> out, w = F.multi_head_attention_forward(
    ...     x, x, x, 4, 2, mha.in_proj_weight, mha.in_proj_bias, None, None, False, 0.0,
    ...     mha.out_proj.weight, mha.out_proj.bias)
    >>> out.shape, w.shape
    (cygrad.Size([3, 1, 4]), cygrad.Size([1, 3, 3]))
    """
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError("query, key and value should all be 3-D (batched) or 2-D "
                             f"(unbatched), but got query.dim(): {query.ndim}, key.dim(): "
                             f"{key.ndim} and value.dim(): {value.ndim}")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, "
                             f"but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                             f"{tuple(key_padding_mask.shape)}")
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None                      # the kernel applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
        if key_padding_mask is not None:
            is_causal = False
    # input projections
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, "
                                 "k_proj_weight or v_proj_weight is None")
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = in_proj_bias.chunk(3)
        q = linear(query, q_proj_weight, bq)
        k = linear(key, k_proj_weight, bk)
        v = linear(value, v_proj_weight, bv)
    else:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is "
                                 "None")
        if query is key and key is value:     # self-attention: one packed GEMM
            q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            wq, wk, wv = in_proj_weight.chunk(3)
            bq = bk = bv = None
            if in_proj_bias is not None:
                bq, bk, bv = in_proj_bias.chunk(3)
            q, k, v = linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is "
                                   f"{list(attn_mask.shape)}, but should be "
                                   f"{[tgt_len, src_len]}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is "
                                   f"{list(attn_mask.shape)}, but should be "
                                   f"{[bsz * num_heads, tgt_len, src_len]}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = _cat([k, bias_k.repeat(1, bsz, 1)])
        v = _cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    bh = bsz * num_heads
    q = q.reshape(tgt_len, bh, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bh, head_dim).transpose(0, 1) if static_k is None
         else static_k)
    v = (v.reshape(v.shape[0], bh, head_dim).transpose(0, 1) if static_v is None
         else static_v)
    if tuple(k.shape[::2]) != (bh, head_dim) or tuple(v.shape[::2]) != (bh, head_dim):
        raise AssertionError(f"expecting static_k and static_v of shape "
                             f"({bh}, S, {head_dim}), got {tuple(k.shape)} and "
                             f"{tuple(v.shape)}")
    if add_zero_attn:
        k = _cat([k, _creation.zeros((bh, 1, head_dim), dtype=k.dtype)], 1)
        v = _cat([v, _creation.zeros((bh, 1, head_dim), dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bh, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * math.sqrt(1.0 / head_dim)) @ k.mT
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else
                     attn_mask.reshape(bsz, num_heads, -1, src_len))
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    return (out if batched else out.squeeze(1)), None


# ====================================================================== normalisation
class NativeLayerNormBackward0(Node):
    """``y = (x - mean) * rstd * weight + bias`` over the trailing ``normalized_shape`` dims:
    inputs (x, weight, bias).

    Saved: the input, the weight and the per-row ``mean`` and ``rstd`` of the forward. One
    fused kernel gives all three gradients; under ``create_graph`` the formula is written in
    recorded ops (the statistics recomputed from the input), so it is differentiable again.
    """

    __slots__ = ("dims", "eps")

    def apply(self, g):
        x, w, mean, rstd = self.saved
        if _differentiable(g, x, *(() if w is None else (w,))):
            return self._recorded(g, x, w)
        m = 1
        for d in self.dims:
            m *= x.shape[d]
        gx, gw, gb = _norm_core.backward(g, x, mean, rstd, w, m, self.needs(0),
                                         self.needs(1), self.needs(2))
        if gw is not None:
            gw = gw.view(w.shape)
        if gb is not None:
            gb = gb.view(w.shape if w is not None else x.shape[x.ndim - len(self.dims):])
        return gx, gw, gb

    def _recorded(self, g, x, w):
        dims = self.dims
        mean = x.mean(dims, keepdim=True)
        dev = x - mean
        rstd = ((dev * dev).mean(dims, keepdim=True) + self.eps).rsqrt()
        xhat = dev * rstd
        gw = g if w is None else g * w
        gx = rstd * (gw - gw.mean(dims, keepdim=True)
                     - xhat * (gw * xhat).mean(dims, keepdim=True))
        lead = tuple(range(x.ndim - len(dims)))
        dw = g * xhat if self.needs(1) else None
        db = g if self.needs(2) else None
        if lead:
            dw = None if dw is None else dw.sum(lead)
            db = None if db is None else db.sum(lead)
        return (gx if self.needs(0) else None), dw, db


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance).

    One fused kernel pass per row forward (mean, variance, scale and shift) and one
    backward (:class:`NativeLayerNormBackward0`, PyTorch's node name).

    Examples
    --------
    >>> F.layer_norm(cygrad.tensor([[1., 3.]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(str(s) for s in normalized_shape)}], "
                           f"but got input of size{list(input.shape)}")
    _check_float("LayerNormKernelImpl", input)
    for name, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if tuple(p.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(p.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
        if p.dtype is not input.dtype:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                               + ("Float" if input.dtype is _dtype.float32 else "Double"))
    m = 1
    for s in normalized_shape:
        m *= s
    out, mean, rstd = _norm_core.forward(_d(input), m, None if weight is None else _d(weight),
                                         None if bias is None else _d(bias), eps)
    if builtins.any(t is not None and needs_grad(t) for t in (input, weight, bias)):
        node = record(NativeLayerNormBackward0, (input, weight, bias), out)
        node.dims = tuple(range(input.ndim - k, input.ndim))
        node.eps = eps
        node.save(input, weight, mean, rstd)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) by batch statistics (training) or running ones.

    In training, ``running_mean`` / ``running_var`` are updated in place with ``momentum``
    (the variance with Bessel's correction, as PyTorch does); ``momentum=None`` gives a
    cumulative average, which needs the caller's batch count (see :class:`BatchNorm1d`).

    Examples
    --------
    >>> x = cygrad.tensor([[1., 2.], [3., 6.]])
    >>> F.batch_norm(x, None, None, training=True)
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    """
    if input.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {input.ndim}D input)")
    c = input.shape[1]
    dims = (0,) + tuple(range(2, input.ndim))
    shape = [1, c] + [1] * (input.ndim - 2)
    if training:
        n = input.numel() // c if c else 0
        if n <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        mean = input.mean(dims, keepdim=True)
        dev = input - mean
        var = (dev * dev).mean(dims, keepdim=True)
        if running_mean is not None or running_var is not None:
            m = momentum if momentum is not None else 0.1
            with grad_mode.no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - m).add_(mean.detach().reshape(c).to(
                        running_mean.dtype), alpha=m)
                if running_var is not None:
                    unbiased = var.detach().reshape(c) * (n / (n - 1))
                    running_var.mul_(1 - m).add_(unbiased.to(running_var.dtype), alpha=m)
        out = dev * (var + eps).rsqrt()
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation "
                               "mode")
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


# ====================================================================== convolution, pooling
def _conv_geometry(name, x, kh, kw, stride, padding, dilation):
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"{name}: non-positive stride is not supported")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"{name}: dilation should be greater than zero")
    if isinstance(padding, str):
        if padding == "valid":
            ph = pw = (0, 0)
        elif padding == "same":
            if sh != 1 or sw != 1:
                raise ValueError("padding='same' is not supported for strided convolutions")
            th, tw = dh * (kh - 1), dw * (kw - 1)
            ph, pw = (th // 2, th - th // 2), (tw // 2, tw - tw // 2)
        else:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
    else:
        p = _pair(padding, "padding")
        if p[0] < 0 or p[1] < 0:
            raise RuntimeError(f"{name}: negative padding is not supported")
        ph, pw = (p[0], p[0]), (p[1], p[1])
    H, W = x.shape[-2], x.shape[-1]
    Hp, Wp = H + ph[0] + ph[1], W + pw[0] + pw[1]
    oh = (Hp - dh * (kh - 1) - 1) // sh + 1
    ow = (Wp - dw * (kw - 1) - 1) // sw + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"{name}: the padded input size per channel ({Hp} x {Wp}) is "
                           f"smaller than the (dilated) kernel size "
                           f"({dh * (kh - 1) + 1} x {dw * (kw - 1) + 1})")
    return (sh, sw), (dh, dw), ph, pw, oh, ow


def _pad_hw(x, ph, pw, value):
    """``x`` (N, C, H, W) padded with ``value`` (a copy; ``x`` itself when no padding)."""
    if not (ph[0] or ph[1] or pw[0] or pw[1]):
        return x
    N, C, H, W = x.shape
    out = _creation.full((N, C, H + ph[0] + ph[1], W + pw[0] + pw[1]), value,
                           dtype=x.dtype)
    out[:, :, ph[0]:ph[0] + H, pw[0]:pw[0] + W] = x
    return out


def _windows(xp, kh, kw, stride, dilation, oh, ow):
    """The (N, C, kh, kw, oh, ow) strided view of the sliding windows (no copy)."""
    sN, sC, sH, sW = xp.stride()
    return xp.as_strided((xp.shape[0], xp.shape[1], kh, kw, oh, ow),
                         (sN, sC, dilation[0] * sH, dilation[1] * sW, stride[0] * sH,
                          stride[1] * sW), xp.storage_offset())


# dtypes the window kernels of _core/_conv.pyx take (others use strided views and copies)
_WINDOW_DTYPES = (_dtype.float32, _dtype.float64, _dtype.int32, _dtype.int64)
_FLOAT_WINDOW_DTYPES = (_dtype.float32, _dtype.float64)


class ConvolutionBackward0(Node):
    """im2col convolution: ``out = W @ cols``; inputs are (input, weight, bias)."""

    __slots__ = ("geom", "in_shape", "w_shape", "groups", "batched")

    def apply(self, g):
        if grad_mode.is_grad_enabled():
            raise RuntimeError("conv2d: double backward (create_graph=True) is not supported")
        cols, w = self.saved
        kh, kw, stride, dilation, ph, pw, oh, ow = self.geom
        N, C, H, W = self.in_shape
        oc, groups = self.w_shape[0], self.groups
        if not self.batched:
            g = g.unsqueeze(0)
        G = g.reshape(N, groups, oc // groups, oh * ow)
        gx = gw = gb = None
        if self.needs(0):
            w2 = w.reshape(groups, oc // groups, -1)
            # (only float tensors carry gradients, the dtypes col2im takes)
            gcols = (w2.mT @ G).reshape(N * C, kh, kw, oh, ow)
            gx = _conv_core.col2im(gcols, (H, W), (kh, kw), stride, (ph[0], pw[0]), dilation,
                                   (oh, ow)).reshape(N, C, H, W)
            gx = gx if self.batched else gx[0]
        if self.needs(1):
            gw = (G @ cols.mT).sum(0).reshape(self.w_shape)
        if self.needs(2):
            gb = g.sum((0, 2, 3))
        return gx, gw, gb


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation: :func:`conv2d` over a height-1 image.

    Parameters
    ----------
    input : Tensor
        ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
    weight : Tensor
        ``(C_out, C_in / groups, kL)``.
    bias : Tensor, optional
        ``(C_out,)``.
    stride, padding, dilation : int or 1-tuple
        As PyTorch; ``padding`` may also be ``'valid'`` or ``'same'``.
    groups : int

    Examples
    --------
    >>> F.conv1d(cygrad.arange(5.).reshape(1, 1, 5), cygrad.ones(1, 1, 2))
    tensor([[[1., 3., 5., 7.]]])
    """
    if weight.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for conv1d, but got weight of size "
                           f"{list(weight.shape)}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got "
                           f"input of size: {list(input.shape)}")
    (s,) = _single(stride, "stride")
    (d,) = _single(dilation, "dilation")
    pad = padding if isinstance(padding, str) else (0, _single(padding, "padding")[0])
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), pad, (1, d), groups)
    return out.squeeze(-2)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation, computed as im2col (a strided copy) and one batched GEMM.

    Parameters
    ----------
    input : Tensor
        ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``.
    weight : Tensor
        ``(C_out, C_in / groups, kH, kW)``.
    bias : Tensor, optional
        ``(C_out,)``.
    stride, padding, dilation : int or tuple
        As PyTorch; ``padding`` may also be ``'valid'`` or ``'same'``.
    groups : int
        Split channels into ``groups`` independent convolutions.

    Examples
    --------
    >>> x = cygrad.arange(16.).reshape(1, 1, 4, 4)
    >>> F.conv2d(x, cygrad.ones(1, 1, 2, 2), stride=2)
    tensor([[[[10., 18.],
              [42., 50.]]]])
    """
    if weight.ndim != 4:
        raise RuntimeError(f"Expected 4-dimensional weight for conv2d, but got weight of size "
                           f"{list(weight.shape)}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                           f"input of size: {list(input.shape)}")
    batched = input.ndim == 4
    x = _d(input) if batched else _d(input).unsqueeze(0)
    oc, cg, kh, kw = weight.shape
    N, C, H, W = x.shape
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if oc % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{list(weight.shape)}] instead")
    if C != cg * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(input.shape)} to have {cg * groups} channels, "
                           f"but got {C} channels instead")
    if bias is not None and tuple(bias.shape) != (oc,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {oc} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    if x.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({x.type()}) and weight type ({weight.type()}) should "
                           "be the same")
    stride, dilation, ph, pw, oh, ow = _conv_geometry("conv2d", x, kh, kw, stride, padding,
                                                      dilation)
    if x.dtype in _WINDOW_DTYPES:
        cols = _conv_core.im2col(x.contiguous().reshape(N * C, H, W), (kh, kw), stride,
                                 (ph[0], pw[0]), dilation, (oh, ow))
        cols = cols.reshape(N, groups, cg * kh * kw, oh * ow)
    else:
        xp = _pad_hw(x, ph, pw, 0.0)
        cols = _windows(xp, kh, kw, stride, dilation, oh, ow).reshape(N, groups,
                                                                       cg * kh * kw, oh * ow)
    w2 = _d(weight).reshape(groups, oc // groups, cg * kh * kw)
    out = (w2 @ cols).reshape(N, oc, oh, ow)
    if bias is not None:
        _binary_kernel(_B["add"], out, _d(bias).reshape(1, oc, 1, 1), out)
    if not batched:
        out = out[0]
    if needs_grad(input, weight, bias):
        node = record(ConvolutionBackward0, (input, weight, bias), out)
        node.geom = (kh, kw, stride, dilation, ph, pw, oh, ow)
        node.in_shape = (N, C, H, W)
        node.w_shape = tuple(weight.shape)
        node.groups = groups
        node.batched = batched
        node.save(cols if node.needs(1) else None, _d(weight) if node.needs(0) else None)
    return out


class MaxPool2DWithIndicesBackward0(Node):
    """The gradient goes to the input position each window's maximum came from."""

    __slots__ = ("in_shape", "batched")

    def apply(self, g):
        (flat_idx,) = self.saved
        N, C, H, W = self.in_shape
        if not self.batched:
            g = g.unsqueeze(0)
        if g.dtype in _FLOAT_WINDOW_DTYPES and not g._requires_grad:
            P, oh, ow = N * C, g.shape[-2], g.shape[-1]
            gx = _conv_core.max_pool2d_backward(g.contiguous().reshape(P, oh, ow),
                                                flat_idx.contiguous().reshape(P, oh, ow),
                                                (H, W)).reshape(N, C, H, W)
            return (gx if self.batched else gx[0],)
        gx = _creation.zeros((N * C, H * W), dtype=g.dtype)
        rows = _creation.arange(N * C).unsqueeze(-1)
        vals = g.reshape(N * C, -1)
        gx = index_put(gx, (rows, flat_idx.reshape(N * C, -1)), vals, True) \
            if vals._requires_grad else \
            gx.index_put_((rows, flat_idx.reshape(N * C, -1)), vals, accumulate=True)
        gx = gx.reshape(N, C, H, W)
        return (gx if self.batched else gx[0],)


def _pool_args(name, input, kernel_size, stride, padding, dilation):
    """Check a pooling call's input and window: ``((kh, kw), stride, (ph, pw))``, the stride
    defaulting to the kernel size as in PyTorch."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D tensor, but got {list(input.shape)}")
    kh, kw = _pair(kernel_size, "kernel_size")
    if stride is None or (not isinstance(stride, int) and len(tuple(stride)) == 0):
        stride = (kh, kw)
    ph, pw = _pair(padding, "padding")
    if ph > kh // 2 or pw > kw // 2:
        raise RuntimeError("pad should be at most half of effective kernel size, but got "
                           f"pad={ph}, kernel_size={kh} and dilation={dilation}")
    return (kh, kw), stride, (ph, pw)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Maximum over sliding ``kernel_size`` windows (padding counts as ``-inf``).

    With ``return_indices=True`` also returns, per output, the flat ``H * W`` index of the
    input element that was picked (PyTorch's convention).

    Examples
    --------
    >>> x = cygrad.arange(16.).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    (kh, kw), stride, (ph_, pw_) = _pool_args("max_pool2d", input, kernel_size, stride,
                                              padding, dilation)
    batched = input.ndim == 4
    x = _d(input) if batched else _d(input).unsqueeze(0)
    N, C, H, W = x.shape
    st, dil, ph, pw, oh, ow = _conv_geometry("max_pool2d", x, kh, kw, stride,
                                             (ph_, pw_), dilation)
    if ceil_mode:
        def ceil_out(size, k, s, p, d):
            o = -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1
            if (o - 1) * s >= size + p:     # the last window must start inside the input
                o -= 1
            return o
        oh = ceil_out(H, kh, st[0], ph_, dil[0])
        ow = ceil_out(W, kw, st[1], pw_, dil[1])
        extra_h = builtins.max(0, (oh - 1) * st[0] + dil[0] * (kh - 1) + 1 - (H + 2 * ph_))
        extra_w = builtins.max(0, (ow - 1) * st[1] + dil[1] * (kw - 1) + 1 - (W + 2 * pw_))
        ph, pw = (ph_, ph_ + extra_h), (pw_, pw_ + extra_w)
    if x.dtype in _FLOAT_WINDOW_DTYPES:
        vals, flat_idx = _conv_core.max_pool2d_forward(
            x.contiguous().reshape(N * C, H, W), (kh, kw), st, (ph[0], pw[0]), dil, (oh, ow))
        vals, flat_idx = vals.reshape(N, C, oh, ow), flat_idx.reshape(N, C, oh, ow)
    else:
        xp = _pad_hw(x, ph, pw, int(x.min().item()) if x.numel() else 0)
        win = _windows(xp, kh, kw, st, dil, oh, ow).permute(0, 1, 4, 5, 2, 3)
        vals, k = win.reshape(N, C, oh, ow, kh * kw).max(-1)
        ar = _creation.arange
        row = ar(oh).reshape(oh, 1) * st[0] - ph[0] + (k // kw) * dil[0]
        col = ar(ow) * st[1] - pw[0] + (k % kw) * dil[1]
        flat_idx = row * W + col
    if not batched:
        vals, flat_idx = vals[0], flat_idx[0]
    if needs_grad(input):
        node = record(MaxPool2DWithIndicesBackward0, (input,), vals)
        node.in_shape = (N, C, H, W)
        node.batched = batched
        node.save(flat_idx)
    return (vals, flat_idx) if return_indices else vals


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding ``kernel_size`` windows (a depthwise convolution with ones).

    Padding counts as zeros in the mean (``count_include_pad=True``); integer inputs are
    averaged with truncating division, as PyTorch does.

    Examples
    --------
    >>> F.avg_pool2d(cygrad.arange(16.).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    if ceil_mode or not count_include_pad:
        raise NotImplementedError("avg_pool2d: ceil_mode and count_include_pad=False are not "
                                  "supported")
    (kh, kw), stride, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1)
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    C = x.shape[1]
    div = divisor_override or kh * kw
    if not x.is_floating_point():
        xs = x.to(_dtype.float64)
        w = _creation.ones((C, 1, kh, kw), dtype=xs.dtype)
        out = (conv2d(xs, w, None, stride, padding, 1, C) / div).trunc().to(x.dtype)
    else:
        w = _creation.full((C, 1, kh, kw), 1.0 / div, dtype=x.dtype)
        out = conv2d(x, w, None, stride, padding, 1, C)
    return out if batched else out[0]


def _adaptive_matrix(size, out, dtype):
    """The ``(out, size)`` averaging matrix of adaptive pooling: row ``i`` averages the
    input positions ``floor(i * size / out) .. ceil((i + 1) * size / out) - 1`` (PyTorch's
    bins, which overlap when ``size`` is not a multiple of ``out``)."""
    m = _creation.zeros((out, size), dtype=dtype)
    for i in range(out):
        a, b = (i * size) // out, -(-((i + 1) * size) // out)
        m[i, a:b] = 1.0 / (b - a)
    return m


def _adaptive_avg_pool(name, input, output_size, nd):
    """Adaptive average pooling over the last ``nd`` dims: one product with the averaging
    matrix per pooled dim (a mean when the output is a single bin), so autograd, double
    backward included, comes from the products."""
    if input.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{name})")
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    _check_float(name, input)
    sizes = (output_size,) if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) == 1 and nd == 2:
        sizes = sizes * 2
    if len(sizes) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    spatial = tuple(input.shape[-nd:])
    sizes = tuple(spatial[i] if o is None else o for i, o in enumerate(sizes))
    if builtins.any(not isinstance(o, int) or o < 0 for o in sizes):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal "
                           f"to 0 but received {{{', '.join(str(o) for o in sizes)}}}")
    for d in range(input.ndim - nd, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes "
                               f"{list(input.shape)} with dimension {d} being empty")
    if sizes == (1,) * nd:
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    out = input
    for i, o in enumerate(sizes):
        if o == spatial[i]:
            continue
        m = _adaptive_matrix(spatial[i], o, input.dtype)
        if i == nd - 1:
            out = out @ m.mT
        else:                                   # the pooled dim is second to last (2-d)
            out = m @ out
    return out if out is not input else input.clone()


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed length: output position ``i`` averages the input
    positions ``floor(i * L / output_size)`` to ``ceil((i + 1) * L / output_size) - 1``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, L)`` or ``(C, L)``, floating point.
    output_size : int
        The output length.

    Returns
    -------
    Tensor
        ``(N, C, output_size)`` or ``(C, output_size)``.

    See Also
    --------
    adaptive_avg_pool2d, avg_pool2d

    Examples
    --------
    >>> F.adaptive_avg_pool1d(cygrad.arange(5.).reshape(1, 1, 5), 2)
    tensor([[[1., 3.]]])
    """
    return _adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``(H_out, W_out)``, whatever the input's size: the bins of
    :func:`adaptive_avg_pool1d` along each of the last two dims.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or ``(C, H, W)``, floating point.
    output_size : int or tuple of (int or None)
        ``(H_out, W_out)``; one int means a square output, ``None`` keeps that dim's size.

    Returns
    -------
    Tensor
        ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    See Also
    --------
    adaptive_avg_pool1d, avg_pool2d

    Examples
    --------
    >>> x = cygrad.arange(16.).reshape(1, 1, 4, 4)
    >>> F.adaptive_avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    >>> F.adaptive_avg_pool2d(x, 1).shape
    cygrad.Size([1, 1, 1, 1])
    """
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


class ConstantPadNdBackward0(Node):
    """The gradient of the kept part of the input is the matching part of the output's."""

    __slots__ = ("src", "dst", "shape")

    def apply(self, g):
        part = g[self.dst]
        if tuple(part.shape) == self.shape:     # nothing was cropped
            return (part,)
        gi = _creation.zeros(self.shape, dtype=g.dtype)
        if part._requires_grad:
            return (_pad_scatter(gi, self.src, part),)
        gi[self.src] = part
        return (gi,)


def _pad_scatter(base, key, part):
    """``base[key] = part`` recorded (double backward through pad)."""
    return pad(part, _pad_amounts(key, base.shape, part.shape))


def _pad_amounts(key, shape, part_shape):
    amounts = []
    for d in range(len(shape) - 1, -1, -1):
        start = key[d].start or 0
        amounts += [start, shape[d] - start - part_shape[d]]
    return tuple(amounts)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``.

    Only ``mode='constant'`` is supported; negative pads crop.

    Examples
    --------
    >>> F.pad(cygrad.tensor([[1., 2.]]), (1, 1))
    tensor([[0., 1., 2., 0.]])
    """
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (only 'constant')")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length must be divisible by 2 and at most twice the "
                           f"number of dimensions of the input, got {len(pad)}")
    shape = list(input.shape)
    src = [slice(None)] * input.ndim
    dst = [slice(None)] * input.ndim
    for i in range(len(pad) // 2):
        d = input.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        n = shape[d]
        new = n + lo + hi
        if new < 0:
            raise RuntimeError(f"The input size {n}, plus negative padding {lo} and {hi} "
                               "resulted in a negative output size, which is invalid.")
        s0, s1 = builtins.max(-lo, 0), n - builtins.max(-hi, 0)
        if s1 < s0 or s1 < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        kept = s1 - s0
        src[d] = slice(s0, s0 + kept)
        dst[d] = slice(builtins.max(lo, 0), builtins.max(lo, 0) + kept)
        shape[d] = new
    src, dst = tuple(src), tuple(dst)
    out = _creation.full(shape, 0 if value is None else value, dtype=input.dtype)
    out[dst] = _d(input)[src]
    if needs_grad(input):
        node = record(ConstantPadNdBackward0, (input,), out)
        node.src, node.dst, node.shape = src, dst, tuple(input.shape)
    return out


def flatten(input, start_dim=0, end_dim=-1):
    """See :meth:`cygrad.Tensor.flatten`."""
    return input.flatten(start_dim, end_dim)


# ====================================================================== losses
def _warn_broadcast(input, target):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


class MseLossBackward0(Node):
    """``d/dx mean((x - t)^2) = 2 (x - t) / n``; the target gets the negative."""

    __slots__ = ("scale",)

    def apply(self, g):
        x, t = self.saved
        gx = g * self.scale * (x - t)
        return (gx if self.needs(0) else None, -gx if self.needs(1) else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``.

    Examples
    --------
    >>> F.mse_loss(cygrad.tensor([1., 2.]), cygrad.tensor([0., 0.]))
    tensor(2.5000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_broadcast(input, target)
    diff = _binary_kernel(_B["sub"], input, target)
    sq = _binary_kernel(_B["mul"], diff, diff)
    n = sq.numel()
    if reduction == "none":
        out = sq
    else:
        scale = (1.0 / n if n else math.nan) if reduction == "mean" else 1.0
        out = _reduce.reduce(_R["sum"], sq, (), False, scale)
    if needs_grad(input, target):
        node = record(MseLossBackward0, (input, target), out)
        node.scale = 2.0 if reduction != "mean" else (2.0 / n if n else math.nan)
        node.save(input, target)
    return out


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error ``|input - target|``, reduced by ``reduction``.

    Examples
    --------
    >>> F.l1_loss(cygrad.tensor([1., -2.]), cygrad.tensor([0., 0.]))
    tensor(1.5000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_broadcast(input, target)
    return _reduce_loss((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input -
    target``), reduced by ``reduction``; ``beta=0`` is :func:`l1_loss`.

    Examples
    --------
    >>> F.smooth_l1_loss(cygrad.tensor([0.5, 3.]), cygrad.tensor([0., 0.]))
    tensor(1.3125)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_broadcast(input, target)
    d = input - target
    a = d.abs()
    if beta == 0:
        return _reduce_loss(a, reduction)
    return _reduce_loss(_where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, reduced by
    ``reduction`` (``delta`` times :func:`smooth_l1_loss` with ``beta=delta``).

    Parameters
    ----------
    input, target : Tensor
    reduction : {'mean', 'sum', 'none'}
    delta : float
        Positive.
    weight : Tensor, optional
        Multiplies the elementwise loss (broadcast) before the reduction.

    Examples
    --------
    >>> F.huber_loss(cygrad.tensor([0.5, 3.]), cygrad.tensor([0., 0.]), delta=2.)
    tensor(2.0625)
    """
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_broadcast(input, target)
    d = input - target
    a = d.abs()
    loss = _where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce_loss(loss, reduction)


class NllLossBackward0(Node):
    """``-w[t] * logp[t]``: the gradient is ``-w[t]`` (scaled) at each row's target."""

    __slots__ = ("reduction", "shape")

    def apply(self, g):
        rows, t, w, denom = self.saved
        if self.reduction == "mean":
            vals = w * (-(g / denom))
        else:
            vals = w * -g.reshape(-1) if self.reduction == "none" else w * -g
        gi = _creation.zeros(self.shape, dtype=vals.dtype)
        if vals._requires_grad:
            return (index_put(gi, (rows, t), vals, False),)
        return (gi.index_put_((rows, t), vals),)


def _check_targets(t, C, ignore_index):
    if t.numel() == 0:
        return
    valid = t != ignore_index
    if not bool(valid.all()):
        t = t[valid]
        if t.numel() == 0:
            return
    lo, hi = int(t.min().item()), int(t.max().item())
    if lo < 0 or hi >= C:
        raise IndexError(f"Target {hi if hi >= C else lo} is out of bounds.")


def _nll_2d(logp, target, weight, ignore_index, reduction):
    """nll over ``(M, C)`` log-probabilities and ``(M,)`` class indices."""
    M, C = logp.shape
    ar = _creation.arange(M)
    lp = _d(logp)
    has_ignore = M and bool((target == ignore_index).any())
    if has_ignore:
        valid = target != ignore_index
        t = _where(valid, target, 0)
    else:
        t = target
    picked = lp[ar, t]
    if weight is not None:
        w = _d(weight)[t]
        if w.dtype is not lp.dtype:
            w = w.to(lp.dtype)
        if has_ignore:
            w = w * valid
    elif has_ignore:
        w = valid.to(lp.dtype)
    else:
        w = None
    loss = -picked if w is None else -(picked * w)
    if reduction == "none":
        out = loss
        denom = None
    elif reduction == "sum":
        out = loss.sum()
        denom = None
    else:
        denom = float(M) if w is None else w.sum()
        out = loss.sum() / denom
    if needs_grad(logp):
        node = record(NllLossBackward0, (logp,), out)
        node.reduction = reduction
        node.shape = (M, C)
        if w is None:
            w = _creation.ones((M,), dtype=lp.dtype)
        if denom is not None:
            # every target ignored: denom is 0 and so is every w (zero gradient, as PyTorch)
            denom = (denom or 1.0) if isinstance(denom, float) else _where(denom == 0, 1.0,
                                                                           denom)
        node.save(ar, t, w, denom)
    return out


def _class_last(input):
    """``(N, C, d1, ...)`` -> ``(N * d1 * ..., C)`` (class dim last, flattened)."""
    C = input.shape[1]
    return input.movedim(1, -1).reshape(-1, C)


def _check_nll_shapes(input, target):
    if not isinstance(target, TensorBase) or target.dtype not in (_dtype.int64,):
        raise RuntimeError("expected scalar type Long but found "
                           f"{getattr(target, 'dtype', type(target).__name__)}")
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError(f"1D target tensor expected, multi-target not supported; got "
                               f"input of shape {list(input.shape)} and target of shape "
                               f"{list(target.shape)}")
        return
    if input.shape[0] != (target.shape[0] if target.ndim else -1):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    if tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, "
                           f"got {list(target.shape)}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``.

    ``input`` is ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; ``target`` the matching int64
    indices; ``weight`` a per-class weight. ``'mean'`` divides by the summed weights of the
    targets that are not ``ignore_index``.

    Examples
    --------
    >>> logp = cygrad.tensor([[-0.5, -1.0], [-2.0, -0.1]])
    >>> F.nll_loss(logp, cygrad.tensor([0, 1]))
    tensor(0.3000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_nll_shapes(input, target)
    _no_weight_grad("nll_loss_forward", "weight", weight)
    C = input.shape[1] if input.ndim >= 2 else input.shape[0]
    if weight is not None and tuple(weight.shape) != (C,):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    _check_targets(target, C, ignore_index)
    if input.ndim == 1:
        out = _nll_2d(input.unsqueeze(0), target.reshape(1), weight, ignore_index, reduction)
        return out.reshape(()) if reduction == "none" else out
    if input.ndim == 2:
        return _nll_2d(input, target, weight, ignore_index, reduction)
    out = _nll_2d(_class_last(input), target.reshape(-1), weight, ignore_index, reduction)
    return out.reshape(target.shape) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits ``input`` against class indices or class probabilities.

    Computed as :func:`log_softmax` (shifted by the maximum, so logits of ``1e4`` are fine)
    followed by :func:`nll_loss` for indices, or ``-(target * log_softmax).sum(1)`` for
    probabilities. ``label_smoothing`` mixes the target with the uniform distribution as
    PyTorch does.

    Parameters
    ----------
    input : Tensor
        Logits ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``.
    target : Tensor
        int64 class indices of shape ``(N, d1, ...)``, or float probabilities shaped like
        ``input``.
    weight : Tensor, optional
        Per-class weight ``(C,)``.
    ignore_index : int
        Class index that contributes nothing (indices only).
    reduction : {'mean', 'sum', 'none'}
    label_smoothing : float
        In ``[0, 1]``.

    Examples
    --------
    >>> logits = cygrad.tensor([[2., 0.], [0., 2.]])
    >>> F.cross_entropy(logits, cygrad.tensor([0, 1]))
    tensor(0.1269)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    if not isinstance(input, TensorBase) or not input.is_floating_point():
        raise RuntimeError("cross_entropy(): expected a floating point input, got "
                           f"{getattr(input, 'dtype', type(input).__name__)}")
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    cdim = 1 if input.ndim >= 2 else 0
    C = input.shape[cdim]
    _no_weight_grad("nll_loss_forward", "weight", weight)
    logp = _log_softmax(input, cdim, None)
    if weight is not None and tuple(weight.shape) != (C,):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    wshape = [1] * input.ndim
    wshape[cdim] = C
    if isinstance(target, TensorBase) and target.is_floating_point():
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected target size {list(input.shape)}, got "
                               f"{list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape(wshape)
        if reduction == "none":
            return -prod.sum(cdim)
        if reduction == "sum":
            return -prod.sum()
        return -prod.sum() / (input.numel() / C if C else math.nan)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    ignore = target == ignore_index
    if weight is not None:
        smooth = -(logp * weight.reshape(wshape)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = _where(ignore, 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            kept = target[~ignore] if target.ndim else target.reshape(1)[~ignore.reshape(1)]
            smooth = smooth.sum() / weight[kept].sum()
        else:
            smooth = smooth.sum() / (~ignore).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / C)


class BinaryCrossEntropyBackward0(Node):
    """PyTorch's formula: ``g * w * (x - t) / max(x (1 - x), 1e-12)``; inputs (x, t, w)."""

    __slots__ = ("scale",)

    def apply(self, g):
        x, t, w = self.saved
        if self.scale != 1.0:
            g = g * self.scale
        gx = gt = None
        if self.needs(0):
            gx = g * (x - t) / (x * (1 - x)).clamp(min=1e-12)
            if w is not None:
                gx = gx * w
        if self.needs(1):
            gt = g * ((1 - x).log().clamp(min=-100) - x.log().clamp(min=-100))
            if w is not None:
                gt = gt * w
        return gx, gt, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-w (t log x + (1 - t) log(1 - x))`` with the logs clamped at -100 (PyTorch's rule).

    Examples
    --------
    >>> F.binary_cross_entropy(cygrad.tensor([0.9, 0.2]), cygrad.tensor([1., 0.]))
    tensor(0.1643)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the "
                         "same size.")
    _no_weight_grad("binary_cross_entropy", "weight", weight)
    x, t = _d(input), _d(target)
    if x.numel() and (bool((x < 0).any()) or bool((x > 1).any())):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(t * x.log().clamp(min=-100) + (1 - t) * (1 - x).log().clamp(min=-100))
    w = None
    if weight is not None:
        w = _d(weight)
        loss = loss * w
    n = loss.numel()
    out = _reduce_loss(loss, reduction)
    if needs_grad(input, target, weight):
        node = record(BinaryCrossEntropyBackward0, (input, target, weight), out)
        node.scale = (1.0 / n if n else math.nan) if reduction == "mean" else 1.0
        node.save(input, target, weight)
    return out


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one stable formula (logits of any size are fine).

    ``loss = (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``, times ``weight``.

    Examples
    --------
    >>> loss = F.binary_cross_entropy_with_logits(cygrad.tensor([100., -100.]),
    ...                                           cygrad.tensor([1., 0.]))
    >>> bool(loss < 1e-30)      # exp(-100) would underflow a naive sigmoid-then-log
    True
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    _no_weight_grad("binary_cross_entropy_with_logits", "weight", weight)
    _no_weight_grad("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    # softplus(-x) = max(-x, 0) + log1p(exp(-|x|)), differentiated by its own node below
    sp = _softplus_neg(input)
    if pos_weight is not None:
        lw = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + lw * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce_loss(loss, reduction)


class SoftplusBackward0(Node):
    """``d/dx softplus(-x) = -sigmoid(-x)`` (exact at 0, unlike a max/abs composite)."""

    __slots__ = ()

    def apply(self, g):
        (x,) = self.saved
        return (-g * (-x).sigmoid(),)


def _softplus_neg(x):
    xd = _d(x)
    out = (-xd).clamp(min=0.0) + (-(xd.abs())).exp().log1p()
    if needs_grad(x):
        node = record(SoftplusBackward0, (x,), out)
        node.save(x)
    return out
