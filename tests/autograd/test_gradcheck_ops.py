"""Finite-difference checks (``cygrad.autograd.gradcheck``, float64) of every differentiable op,
across broadcasting patterns, memory layouts and 0-d shapes; and second derivatives
(``gradgradcheck``, double backward through ``create_graph=True``)."""
import math

import numpy as np
import pytest

import cygrad
from cygrad.autograd import gradcheck, gradgradcheck
from agutil import _grad_mode_enabled, as_leaf, leaf, values  # noqa: F401


def run_gradcheck(fn, *inputs):
    assert gradcheck(fn, tuple(inputs))


# ---------------------------------------------------------------------------- unary ops
UNARY = [  # (name, function, value kind)
    ("neg", lambda x: -x, "any"),
    ("abs", lambda x: x.abs(), "any"),
    ("exp", lambda x: x.exp(), "any"),
    ("exp2", lambda x: x.exp2(), "any"),
    ("log", lambda x: x.log(), "pos"),
    ("log2", lambda x: x.log2(), "pos"),
    ("log10", lambda x: x.log10(), "pos"),
    ("log1p", lambda x: x.log1p(), "unit"),
    ("expm1", lambda x: x.expm1(), "any"),
    ("sqrt", lambda x: x.sqrt(), "pos"),
    ("rsqrt", lambda x: x.rsqrt(), "pos"),
    ("reciprocal", lambda x: x.reciprocal(), "nz"),
    ("sin", lambda x: x.sin(), "any"),
    ("cos", lambda x: x.cos(), "any"),
    ("tan", lambda x: x.tan(), "unit"),
    ("asin", lambda x: x.asin(), "unit"),
    ("acos", lambda x: x.acos(), "unit"),
    ("atan", lambda x: x.atan(), "any"),
    ("sinh", lambda x: x.sinh(), "any"),
    ("cosh", lambda x: x.cosh(), "any"),
    ("tanh", lambda x: x.tanh(), "any"),
    ("erf", lambda x: x.erf(), "any"),
    ("erfc", lambda x: x.erfc(), "any"),
    ("erfinv", lambda x: x.erfinv(), "unit"),
    ("asinh", lambda x: x.asinh(), "any"),
    ("acosh", lambda x: x.acosh(), "gt1"),
    ("atanh", lambda x: x.atanh(), "unit"),
    ("fn_arcsinh", lambda x: cygrad.arcsinh(x), "any"),
    ("sigmoid", lambda x: x.sigmoid(), "any"),
    ("relu", lambda x: x.relu(), "any"),
    ("square", lambda x: x.square(), "any"),
    ("fn_exp", lambda x: cygrad.exp(x), "any"),
    ("fn_sqrt", lambda x: cygrad.sqrt(x), "pos"),
    ("fn_sigmoid", lambda x: cygrad.sigmoid(x), "any"),
]
UNARY_IDS = [u[0] for u in UNARY]


@pytest.mark.parametrize("name, fn, kind", UNARY, ids=UNARY_IDS)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=["0d", "1d", "2d"])
def test_unary(name, fn, kind, shape):
    run_gradcheck(fn, leaf(shape, kind, seed=1))


@pytest.mark.parametrize("name, fn, kind", UNARY, ids=UNARY_IDS)
def test_unary_sliced_layout(name, fn, kind):
    # the op sees a stepped, offset view of the leaf
    x = leaf((4, 6), kind, seed=2)
    run_gradcheck(lambda a: fn(a[1::2, ::3]), x)


TRANSPOSED_UNARY = [u for u in UNARY if u[0] in ("exp", "log", "sin", "tanh", "sqrt", "sigmoid",
                                                 "abs", "reciprocal")]


@pytest.mark.parametrize("name, fn, kind", TRANSPOSED_UNARY, ids=[u[0] for u in TRANSPOSED_UNARY])
def test_unary_transposed_layout(name, fn, kind):
    x = leaf((3, 2), kind, seed=3)
    run_gradcheck(lambda a: fn(a.t()), x)


# ---------------------------------------------------------------------------- binary ops
def _remainder_pair(shape_a, shape_b, seed=0):
    """Values with a / b well away from integers (remainder is smooth there)."""
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        b = rng.uniform(0.5, 2.0, shape_b) * rng.choice([-1.0, 1.0], shape_b)
        a = rng.uniform(-4.0, 4.0, shape_a)
        q = np.asarray(a / b)
        frac = q - np.floor(q)
        if np.all((frac > 0.05) & (frac < 0.95)):
            return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    raise AssertionError("no remainder values found")  # pragma: no cover


BINARY = {  # name -> (function, kind of a, kind of b)
    "add": (lambda a, b: a + b, "any", "any"),
    "sub": (lambda a, b: a - b, "any", "any"),
    "mul": (lambda a, b: a * b, "any", "any"),
    "div": (lambda a, b: a / b, "any", "nz"),
    "pow": (lambda a, b: a ** b, "pos", "any"),
    "maximum": (lambda a, b: cygrad.maximum(a, b), "any", "any"),
    "minimum": (lambda a, b: cygrad.minimum(a, b), "any", "any"),
    "atan2": (lambda a, b: cygrad.atan2(a, b), "any", "any"),
    "remainder": (lambda a, b: a % b, None, None),
    "fn_add": (lambda a, b: cygrad.add(a, b, alpha=2.5), "any", "any"),
    "fn_sub": (lambda a, b: cygrad.sub(a, b, alpha=0.5), "any", "any"),
    "fn_mul": (lambda a, b: cygrad.mul(a, b), "any", "any"),
    "fn_div": (lambda a, b: cygrad.div(a, b), "any", "nz"),
    "fn_pow": (lambda a, b: cygrad.pow(a, b), "pos", "any"),
    "fn_remainder": (lambda a, b: cygrad.remainder(a, b), None, None),
}
SHAPES = {
    "same": ((2, 3), (2, 3)),
    "bcast_3x1_4": ((3, 1), (4,)),
    "bcast_4_3x1": ((4,), (3, 1)),
    "tensor_0d": ((2, 3), ()),
    "0d_tensor": ((), (2, 3)),
    "0d_0d": ((), ()),
    "bcast_1x3_2x1": ((1, 3), (2, 1)),
}


def _binary_inputs(name, sa, sb, seed=0):
    _, ka, kb = BINARY[name]
    if ka is None:
        a, b = _remainder_pair(sa, sb, seed)
        return as_leaf(a), as_leaf(b)
    return leaf(sa, ka, seed=seed), leaf(sb, kb, seed=seed + 100)


@pytest.mark.parametrize("pattern", list(SHAPES))
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, pattern):
    sa, sb = SHAPES[pattern]
    a, b = _binary_inputs(name, sa, sb)
    run_gradcheck(BINARY[name][0], a, b)


@pytest.mark.parametrize("name", [n for n in BINARY if not n.startswith("fn_")])
def test_binary_one_input_requires_grad(name):
    a, b = _binary_inputs(name, (2, 3), (3,), seed=4)
    fn = BINARY[name][0]
    run_gradcheck(fn, a, b.detach())
    run_gradcheck(fn, a.detach(), b)


@pytest.mark.parametrize("name", [n for n in BINARY if not n.startswith("fn_")])
def test_binary_layouts(name):
    # a is a transposed view, b a stepped slice of the leaves
    if name == "remainder":   # keep a / b away from integers for the sliced b too
        av, bv = _remainder_pair((2, 3), (2, 3), seed=5)
        big = np.ones((4, 6))
        big[::2, ::2] = bv
        a, b = as_leaf(av.T), as_leaf(big)
    else:
        a, b = _binary_inputs(name, (3, 2), (4, 6), seed=5)
    run_gradcheck(lambda x, y: BINARY[name][0](x.t(), y[::2, ::2]), a, b)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "remainder"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_binary_python_scalar(name, side):
    s = 1.5
    if name == "remainder":
        # x / 1.5 and 1.5 / x well away from integers
        if side == "right":
            x = as_leaf(1.5 * (np.array([[-2.0, -1.0, 0.0], [1.0, 2.0, 0.0]])
                               + np.array([[0.3, 0.6, 0.5], [0.25, 0.7, 0.4]])))
        else:
            x = as_leaf([[0.7, -0.9, 1.1], [-1.3, 2.2, 0.45]])
    else:
        kind = "pos" if name == "pow" else ("nz" if name == "div" and side == "left" else "any")
        x = leaf((2, 3), kind, seed=7)
    op = BINARY[name][0]
    if side == "right":
        fn = (lambda a: op(a, s))
    else:
        fn = (lambda a: op(s, a))
    run_gradcheck(fn, x)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 0, 1, 2.0])
def test_pow_scalar_exponent(exponent):
    kind = "pos" if exponent not in (2, 3, 0, 1, 2.0) else "any"
    run_gradcheck(lambda a: a ** exponent, leaf((2, 3), kind, seed=8))
    run_gradcheck(lambda a: cygrad.pow(a, exponent), leaf((), kind, seed=9))


@pytest.mark.parametrize("base", [2.0, 0.5, math.e, 3])
def test_pow_scalar_base(base):
    run_gradcheck(lambda a: base ** a, leaf((2, 3), "any", seed=10))
    run_gradcheck(lambda a: cygrad.pow(base, a), leaf((3,), "any", seed=11))


def test_pow_zero_base_integer_exponent():
    # d/da a**2 at a == 0 is 0; d/db 0**b for b > 0 is 0 (torch's convention)
    a = as_leaf([0.0, 1.5, -0.7, 0.0])
    run_gradcheck(lambda x: x ** 2, a)
    run_gradcheck(lambda x: x ** 3.0, a)
    b = as_leaf([2.0, 1.3, 2.0, 3.0])
    run_gradcheck(lambda x, y: x ** y, as_leaf([0.0, 1.5, 0.7, 0.0]).detach(), b)


def test_pow_tensor_exponent_0d():
    run_gradcheck(lambda a, b: a ** b, leaf((2, 3), "pos", seed=12), leaf((), "any", seed=13))


# ---------------------------------------------------------------------------- clamp / where
def test_clamp_number_bounds():
    x = leaf((3, 4), "any", seed=14)
    run_gradcheck(lambda a: a.clamp(-0.5, 0.5), x)
    run_gradcheck(lambda a: a.clamp(min=0.3), x)
    run_gradcheck(lambda a: a.clamp(max=-0.2), x)
    run_gradcheck(lambda a: cygrad.clamp(a, -1.0, 1.0), x)
    run_gradcheck(lambda a: a.clip(-0.25, 1.25), x)


def test_clamp_tensor_bounds():
    x = leaf((3, 4), "any", seed=15)
    lo = as_leaf(values((3, 1), "pos", seed=16) * -0.5)          # in [-1, -0.25]
    hi = as_leaf(values((4,), "pos", seed=17) * 0.5)             # in [0.25, 1]
    run_gradcheck(lambda a, l, h: a.clamp(l, h), x, lo, hi)
    run_gradcheck(lambda a, l: a.clamp(min=l), x, lo)
    run_gradcheck(lambda a, h: a.clamp(max=h), x, hi)
    run_gradcheck(lambda a, l, h: cygrad.clamp(a, l, h), x, lo, hi)


def test_clamp_0d():
    run_gradcheck(lambda a: a.clamp(-0.5, 0.5), as_leaf(0.3))
    run_gradcheck(lambda a: a.clamp(-0.5, 0.5), as_leaf(1.3))


def _cond(shape, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.random(shape) < 0.5
    return cygrad.from_numpy(np.array(c)).clone()


def test_where():
    c = _cond((3, 4), seed=18)
    a, b = leaf((3, 4), seed=19), leaf((3, 4), seed=20)
    run_gradcheck(lambda x, y: cygrad.where(c, x, y), a, b)
    run_gradcheck(lambda x: cygrad.where(c, x, 0.0), a)
    run_gradcheck(lambda y: cygrad.where(c, 2.5, y), b)
    run_gradcheck(lambda x, y: x.where(c, y), a, b)


def test_where_broadcast():
    c = _cond((3, 1), seed=21)
    a, b = leaf((4,), seed=22), leaf((), seed=23)
    run_gradcheck(lambda x, y: cygrad.where(c, x, y), a, b)
    c2 = _cond((2, 3, 4), seed=24)
    run_gradcheck(lambda x, y: cygrad.where(c2, x, y), leaf((3, 1), seed=25), leaf((4,), seed=26))


def test_where_condition_from_input():
    a = leaf((3, 4), seed=27)
    run_gradcheck(lambda x: cygrad.where(x > 0, x * x, x.exp()), a)


# ---------------------------------------------------------------------------- reductions
SUM_DIMS = [None, 0, -1, (0, 2), (2, 0), (), 1]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", SUM_DIMS, ids=str)
def test_sum_mean(dim, keepdim):
    x = leaf((2, 3, 4), seed=28)
    if dim is None:
        run_gradcheck(lambda a: a.sum(), x)
        run_gradcheck(lambda a: a.mean(), x)
        run_gradcheck(lambda a: cygrad.sum(a), x)
        return
    run_gradcheck(lambda a: a.sum(dim, keepdim=keepdim), x)
    run_gradcheck(lambda a: a.mean(dim, keepdim=keepdim), x)
    run_gradcheck(lambda a: cygrad.mean(a, dim, keepdim), x)


def test_sum_mean_0d_and_layouts():
    run_gradcheck(lambda a: a.sum(), leaf((), seed=29))
    run_gradcheck(lambda a: a.mean(), leaf((), seed=30))
    run_gradcheck(lambda a: a.sum(0), leaf((), seed=31))
    x = leaf((3, 4), seed=32)
    run_gradcheck(lambda a: a.t().sum(0), x)
    run_gradcheck(lambda a: a[::2, 1::2].mean(1, keepdim=True), x)


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False),
                                           (2, True)])
def test_prod(dim, keepdim):
    x = leaf((2, 3, 4), seed=33)
    if dim is None:
        run_gradcheck(lambda a: a.prod(), x)
    else:
        run_gradcheck(lambda a: a.prod(dim, keepdim=keepdim), x)


def test_prod_tuple_dims():
    x = leaf((2, 3, 4), seed=34)
    run_gradcheck(lambda a: a.prod((0, 2)), x)
    run_gradcheck(lambda a: a.prod((0, 2), keepdim=True), x)


def test_prod_0d():
    run_gradcheck(lambda a: a.prod(), leaf((), seed=35))


@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 2)], [(0, 1), (0, 2)],
                                   [(0, 0), (0, 1), (0, 2)]],
                         ids=["one_zero", "two_zeros_diff_rows", "two_zeros_same_row",
                              "three_zeros"])
def test_prod_with_zeros(zeros):
    a = values((2, 3), "any", seed=36)
    for z in zeros:
        a[z] = 0.0
    x = as_leaf(a)
    run_gradcheck(lambda t: t.prod(), x)
    run_gradcheck(lambda t: t.prod(1), x)
    run_gradcheck(lambda t: t.prod(0), x)
    run_gradcheck(lambda t: t.prod(-1, keepdim=True), x)


def test_prod_with_zeros_values():
    # exact gradients: one zero gets the product of the others, everything else 0
    x = as_leaf([2.0, 0.0, 3.0, 4.0])
    x.prod().backward()
    np.testing.assert_allclose(x.grad.tolist(), [0.0, 24.0, 0.0, 0.0])
    y = as_leaf([2.0, 0.0, 3.0, 0.0])
    y.prod().backward()
    np.testing.assert_allclose(y.grad.tolist(), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("dim, keepdim", [((), False), (1, False), (1, True), ((0, 2), False),
                                           ((0, 2), True), (-1, False)])
def test_amax_amin(dim, keepdim):
    x = leaf((2, 3, 4), seed=37)
    run_gradcheck(lambda a: a.amax(dim, keepdim), x)
    run_gradcheck(lambda a: a.amin(dim, keepdim), x)


def test_max_min_full():
    x = leaf((3, 4), seed=38)
    run_gradcheck(lambda a: a.max(), x)
    run_gradcheck(lambda a: a.min(), x)
    run_gradcheck(lambda a: cygrad.max(a), x)
    run_gradcheck(lambda a: cygrad.min(a), x)
    run_gradcheck(lambda a: a.max(), leaf((), seed=39))


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, False), (-1, True), (0, True)])
def test_max_min_dim_values(dim, keepdim):
    x = leaf((3, 4), seed=40)
    run_gradcheck(lambda a: a.max(dim, keepdim).values, x)
    run_gradcheck(lambda a: a.min(dim, keepdim=keepdim)[0], x)
    run_gradcheck(lambda a: cygrad.max(a, dim, keepdim).values, x)
    x3 = leaf((2, 3, 4), seed=41)
    run_gradcheck(lambda a: a.max(dim, keepdim).values, x3)


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (1, True), ((0, 2), False),
                                           (-1, True)])
def test_var_std(dim, keepdim, correction):
    x = leaf((2, 3, 4), seed=42)
    run_gradcheck(lambda a: a.var(dim, correction=correction, keepdim=keepdim), x)
    run_gradcheck(lambda a: a.std(dim, correction=correction, keepdim=keepdim), x)


def test_var_std_unbiased_flag():
    x = leaf((3, 4), seed=43)
    run_gradcheck(lambda a: a.var(1, unbiased=False), x)
    run_gradcheck(lambda a: cygrad.std(a, 0, unbiased=True), x)


@pytest.mark.parametrize("dim, keepdim", [(1, False), (-1, True), ((0, 2), False), (0, True)])
def test_logsumexp(dim, keepdim):
    x = leaf((2, 3, 4), seed=44)
    run_gradcheck(lambda a: a.logsumexp(dim, keepdim), x)
    run_gradcheck(lambda a: cygrad.logsumexp(a * 10, dim, keepdim), x)


# ---------------------------------------------------------------------------- views / reshapes
VIEWS = [
    ("view", (2, 3, 4), lambda a: a.view(6, 4)),
    ("view_minus1", (2, 3, 4), lambda a: a.view(-1)),
    ("view_0d", (), lambda a: a.view(1, 1)),
    ("view_to_0d", (1,), lambda a: a.view(())),
    ("reshape_contig", (2, 3, 4), lambda a: a.reshape(4, 6)),
    ("reshape_sliced_copy", (2, 6, 4), lambda a: a[:, ::2].reshape(-1)),
    ("reshape_transposed_copy", (2, 3, 4), lambda a: a.transpose(0, 2).reshape(-1)),
    ("transpose", (2, 3, 4), lambda a: a.transpose(0, 2)),
    ("transpose_neg", (2, 3, 4), lambda a: a.transpose(-1, -2)),
    ("t", (3, 4), lambda a: a.t()),
    ("t_1d", (3,), lambda a: a.t()),
    ("permute", (2, 3, 4), lambda a: a.permute(2, 0, 1)),
    ("permute_neg", (2, 3, 4), lambda a: a.permute(-1, 0, -2)),
    ("movedim", (2, 3, 4), lambda a: a.movedim(0, -1)),
    ("expand", (3, 1), lambda a: a.expand(2, 3, 4)),
    ("expand_minus1", (3, 1), lambda a: a.expand(-1, 5)),
    ("expand_0d", (), lambda a: a.expand(2, 3)),
    ("expand_as", (1, 4), lambda a: a.expand_as(cygrad.zeros(3, 4))),
    ("broadcast_to", (4,), lambda a: a.broadcast_to((2, 3, 4))),
    ("squeeze_all", (1, 3, 1), lambda a: a.squeeze()),
    ("squeeze_dim", (1, 3, 1), lambda a: a.squeeze(0)),
    ("squeeze_0d", (), lambda a: a.squeeze()),
    ("unsqueeze", (2, 3), lambda a: a.unsqueeze(1)),
    ("unsqueeze_neg", (2, 3), lambda a: a.unsqueeze(-1)),
    ("unsqueeze_0d", (), lambda a: a.unsqueeze(0)),
    ("flatten", (2, 3, 4), lambda a: a.flatten()),
    ("flatten_range", (2, 3, 4), lambda a: a.flatten(1)),
    ("flatten_0d", (), lambda a: a.flatten()),
    ("unflatten", (2, 6), lambda a: a.unflatten(1, (2, 3))),
    ("narrow", (2, 5), lambda a: a.narrow(1, 1, 3)),
    ("narrow_neg_start", (2, 5), lambda a: a.narrow(-1, -3, 2)),
    ("select", (2, 3, 4), lambda a: a.select(2, -1)),
    ("select_0", (2, 3), lambda a: a.select(0, 1)),
    ("split_size", (2, 5), lambda a: a.split(2, dim=1)),
    ("split_sections", (3, 4), lambda a: a.split([1, 2], dim=0)),
    ("chunk", (2, 5), lambda a: a.chunk(2, dim=-1)),
    ("fn_split", (6,), lambda a: cygrad.split(a, 4)),
    ("unbind", (2, 3), lambda a: a.unbind(1)),
    ("fn_unbind", (3, 2), lambda a: cygrad.unbind(a)),
    ("T", (3, 4), lambda a: a.T),
    ("T_3d", (2, 3, 4), lambda a: a.permute(2, 1, 0)),
    ("mT", (2, 3, 4), lambda a: a.mT),
    ("diagonal", (3, 4), lambda a: a.diagonal()),
    ("diagonal_pos", (3, 4), lambda a: a.diagonal(1)),
    ("diagonal_neg", (4, 3), lambda a: a.diagonal(-1)),
    ("diagonal_3d", (2, 3, 3), lambda a: a.diagonal(0, 1, 2)),
    ("diagonal_3d_outer", (3, 2, 3), lambda a: a.diagonal(0, 0, 2)),
    ("diagonal_3d_swapped", (3, 2, 4), lambda a: a.diagonal(1, 2, 0)),
    ("trace", (3, 3), lambda a: a.trace()),
    ("trace_rect", (3, 4), lambda a: cygrad.trace(a)),
    ("contiguous", (3, 4), lambda a: a.t().contiguous()),
    ("clone", (3, 4), lambda a: a.clone()),
    ("to_float32_and_back", (3, 4), lambda a: a.float().double() * 1.0),
    ("view_chain", (2, 3, 4), lambda a: a.transpose(0, 1)[1:].reshape(2, -1).unsqueeze(0)),
]


@pytest.mark.parametrize("name, shape, fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_views(name, shape, fn):
    if name == "to_float32_and_back":
        # float32 round trip loses precision; check the gradient exactly instead
        x = leaf(shape, seed=45)
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.tolist(), np.ones(shape))
        assert x.grad.dtype is cygrad.float64
        return
    run_gradcheck(fn, leaf(shape, seed=46))


def test_views_of_views_sum_gradients():
    # several views of the same leaf; their gradients add up
    x = leaf((3, 3), seed=47)
    run_gradcheck(lambda a: a.t() * a.T + a[0] + a.select(1, 2).unsqueeze(1), x)


# ---------------------------------------------------------------------------- indexing
def _idx(v):
    return cygrad.tensor(v, dtype=cygrad.int64)


def _mask(shape, seed):
    rng = np.random.default_rng(seed)
    m = rng.random(shape) < 0.5
    m.flat[0] = True
    return cygrad.from_numpy(np.array(m)).clone()


INDEXING = [
    ("slice", lambda a: a[1:3]),
    ("slice_steps", lambda a: a[::2, 1::2]),
    ("slice_step3", lambda a: a[1::3, ::3]),
    ("slice_neg_bounds", lambda a: a[-3:-1, :-2]),
    ("int", lambda a: a[1]),
    ("int_neg", lambda a: a[-1, 2]),
    ("int_slice", lambda a: a[2, 1:4:2]),
    ("none_ellipsis", lambda a: a[None, ..., 1]),
    ("ellipsis_none", lambda a: a[..., None]),
    ("ellipsis_only", lambda a: a[...]),
    ("adv_repeated", lambda a: a[_idx([0, 2, 0, 3, 0])]),
    ("adv_pair_repeated", lambda a: a[_idx([0, 1, 0, 3]), _idx([4, 2, 4, 4])]),
    ("adv_2d_index", lambda a: a[_idx([[0, 0], [3, 1]])]),
    ("adv_second_dim", lambda a: a[:, _idx([1, 1, 4])]),
    ("adv_list", lambda a: a[[1, 1, 2]]),
    ("adv_with_slice", lambda a: a[1:, _idx([0, 0, 2])]),
    ("adv_broadcast", lambda a: a[_idx([[0], [2]]), _idx([1, 1, 3])]),
    ("adv_neg", lambda a: a[_idx([-1, -1, 0])]),
    ("bool_mask_full", lambda a: a[_mask((4, 5), 48)]),
    ("bool_mask_rows", lambda a: a[_mask((4,), 49)]),
    ("masked_select", lambda a: a.masked_select(_mask((4, 5), 50))),
    ("masked_select_bcast", lambda a: a.masked_select(_mask((5,), 51))),
    ("index_select_0", lambda a: a.index_select(0, _idx([3, 0, 3]))),
    ("index_select_1", lambda a: a.index_select(1, _idx([0, 0, 3]))),
    ("fn_index_select", lambda a: cygrad.index_select(a, -1, _idx([4, 1, 4, 4]))),
    ("gather_1", lambda a: a.gather(1, _idx([[0, 0, 4], [1, 2, 1], [3, 3, 3], [0, 1, 2]]))),
    ("gather_0", lambda a: a.gather(0, _idx([[0, 1, 3, 3, 0], [0, 0, 0, 2, 1]]))),
    ("fn_gather", lambda a: cygrad.gather(a, 1, _idx([[1], [1], [0], [4]]))),
    ("masked_fill", lambda a: a.masked_fill(_mask((4, 5), 52), 0.5)),
    ("masked_fill_bcast", lambda a: a.masked_fill(_mask((5,), 53), -1.0)),
    ("fn_masked_fill", lambda a: cygrad.masked_fill(a, _mask((4, 1), 54), 2.0)),
    ("index_then_index", lambda a: a[_idx([0, 0, 2])][:, _idx([1, 1])]),
    ("slice_then_adv", lambda a: a[::2][_idx([1, 1, 0])]),
]


@pytest.mark.parametrize("name, fn", INDEXING, ids=[v[0] for v in INDEXING])
def test_indexing(name, fn):
    run_gradcheck(fn, leaf((4, 5), seed=55))


def test_indexing_repeated_indices_accumulate():
    x = as_leaf([1.0, 2.0, 3.0])
    x[_idx([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_indexing_0d_and_3d():
    run_gradcheck(lambda a: a[...], leaf((), seed=56))
    run_gradcheck(lambda a: a[None], leaf((), seed=57))
    run_gradcheck(lambda a: a[1, ..., _idx([2, 2, 0])], leaf((2, 3, 4), seed=58))
    run_gradcheck(lambda a: a[:, _idx([0, 2, 2]), 1:3], leaf((2, 3, 4), seed=59))


def test_index_put_out_of_place():
    x = leaf((4, 3), seed=60)
    v = leaf((2, 3), seed=61)
    run_gradcheck(lambda a, b: a.index_put((_idx([1, 3]),), b), x, v)
    run_gradcheck(lambda a, b: a.index_put((_idx([1, 1]),), b, accumulate=True), x, v)


# ---------------------------------------------------------------------------- cat / stack
def test_cat():
    a, b, c = leaf((2, 3), seed=62), leaf((1, 3), seed=63), leaf((2, 1), seed=64)
    run_gradcheck(lambda x, y: cygrad.cat([x, y]), a, b)
    run_gradcheck(lambda x, y: cygrad.cat([x, y, x], dim=0), a, b)
    run_gradcheck(lambda x, z: cygrad.cat([x, z], dim=1), a, c)
    run_gradcheck(lambda x, z: cygrad.cat((z, x, z), dim=-1), a, c)
    run_gradcheck(lambda x: cygrad.cat([x, b.detach()]), a)
    run_gradcheck(lambda x: cygrad.cat([cygrad.zeros(0), x.reshape(-1)]), a)


def test_cat_layouts():
    a, b = leaf((3, 2), seed=65), leaf((4, 6), seed=66)
    run_gradcheck(lambda x, y: cygrad.cat([x.t(), y[::2, ::2]], dim=0), a, b)


@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_stack(dim):
    a, b = leaf((2, 3), seed=67), leaf((2, 3), seed=68)
    run_gradcheck(lambda x, y: cygrad.stack([x, y, x], dim), a, b)


def test_stack_0d_and_hstack_vstack():
    a, b = leaf((), seed=69), leaf((), seed=70)
    run_gradcheck(lambda x, y: cygrad.stack([x, y]), a, b)
    c, d = leaf((3,), seed=71), leaf((3,), seed=72)
    run_gradcheck(lambda x, y: cygrad.hstack([x, y]), c, d)
    run_gradcheck(lambda x, y: cygrad.vstack([x, y]), c, d)


# ---------------------------------------------------------------------------- products
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
    ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 2, 3), (2, 3, 2)), ((2, 1, 2, 3), (3, 3, 2)),
    ((3, 1, 1, 2), (2, 2, 3)), ((2, 3), (2, 3, 2)), ((1, 2, 3), (2, 3, 2)),
]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul(sa, sb):
    a, b = leaf(sa, seed=73), leaf(sb, seed=74)
    run_gradcheck(lambda x, y: x @ y, a, b)
    run_gradcheck(lambda x, y: cygrad.matmul(x, y), a, b)


def test_matmul_one_side_and_layouts():
    a, b = leaf((2, 3), seed=75), leaf((3, 4), seed=76)
    run_gradcheck(lambda x: x @ b.detach(), a)
    run_gradcheck(lambda y: a.detach() @ y, b)
    # transposed and sliced operands
    at, bs = leaf((3, 2), seed=77), leaf((6, 8), seed=78)
    run_gradcheck(lambda x, y: x.t() @ y[::2, ::2], at, bs)
    run_gradcheck(lambda x, y: x.mT @ y, leaf((2, 4, 3), seed=79), leaf((2, 4, 2), seed=80))
    # a batch against one matrix (folded into one product, and the weight's gradient one
    # product over the batch) with a batch that does not fold into a view
    run_gradcheck(lambda x, y: x.transpose(0, 1) @ y, leaf((3, 2, 4), seed=94),
                  leaf((4, 2), seed=95))
    run_gradcheck(lambda x, y: x @ y.t(), leaf((2, 1, 3, 4), seed=96), leaf((2, 4), seed=97))
    # ... and with nothing to sum over (K = 0): zero gradients of the right shapes
    z, w = cygrad.ones(2, 3, 0, requires_grad=True), cygrad.ones(0, 4, requires_grad=True)
    (z @ w).sum().backward()
    assert tuple(z.grad.shape) == (2, 3, 0) and tuple(w.grad.shape) == (0, 4)
    # the same tensor on both sides
    run_gradcheck(lambda x: x @ x, leaf((3, 3), seed=81))


def test_mm_bmm_mv_dot_outer():
    run_gradcheck(lambda x, y: x.mm(y), leaf((2, 3), seed=82), leaf((3, 4), seed=83))
    run_gradcheck(lambda x, y: cygrad.mm(x, y), leaf((2, 3), seed=84), leaf((3, 2), seed=85))
    run_gradcheck(lambda x, y: x.bmm(y), leaf((2, 2, 3), seed=86), leaf((2, 3, 2), seed=87))
    run_gradcheck(lambda x, y: x.mv(y), leaf((2, 3), seed=88), leaf((3,), seed=89))
    run_gradcheck(lambda x, y: x.dot(y), leaf((4,), seed=90), leaf((4,), seed=91))
    run_gradcheck(lambda x, y: cygrad.dot(x, y), leaf((4,), seed=92), leaf((4,), seed=93))
    run_gradcheck(lambda x, y: x.outer(y), leaf((3,), seed=94), leaf((2,), seed=95))
    run_gradcheck(lambda x, y: cygrad.outer(x, y), leaf((2,), seed=96), leaf((3,), seed=97))


def test_addmm():
    inp, m1, m2 = leaf((2, 4), seed=98), leaf((2, 3), seed=99), leaf((3, 4), seed=100)
    run_gradcheck(lambda i, a, b: cygrad.addmm(i, a, b), inp, m1, m2)
    run_gradcheck(lambda i, a, b: i.addmm(a, b, beta=0.5, alpha=2.0), inp, m1, m2)
    run_gradcheck(lambda i, a, b: cygrad.addmm(i, a, b, beta=0), inp, m1, m2)
    run_gradcheck(lambda i, a, b: cygrad.addmm(i, a, b), leaf((4,), seed=101), m1, m2)
    run_gradcheck(lambda i, a, b: cygrad.addmm(i, a, b), leaf((), seed=102), m1, m2)


def test_baddbmm():
    run_gradcheck(lambda i, a, b: cygrad.baddbmm(i, a, b, beta=0.5, alpha=1.5),
                  leaf((2, 2, 2), seed=103), leaf((2, 2, 3), seed=104), leaf((2, 3, 2), seed=105))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ijk->kj", [(2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("bii->bi", [(2, 3, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
]


@pytest.mark.parametrize("eq, shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(eq, shapes):
    ops = [leaf(s, seed=106 + k) for k, s in enumerate(shapes)]
    run_gradcheck(lambda *xs: cygrad.einsum(eq, *xs), *ops)


@pytest.mark.parametrize("dims, sa, sb", [(2, (2, 3, 4), (3, 4, 2)), (1, (2, 3), (3, 2)),
                                           (0, (2,), (3,)), (([1, 0], [0, 1]), (3, 2, 2), (2, 3)),
                                           (([2], [0]), (2, 3, 4), (4, 2))])
def test_tensordot(dims, sa, sb):
    run_gradcheck(lambda x, y: cygrad.tensordot(x, y, dims=dims), leaf(sa, seed=120),
                  leaf(sb, seed=121))


NORMS = [
    ("default_vector", (4,), lambda a: cygrad.linalg.norm(a)),
    ("default_matrix", (3, 4), lambda a: cygrad.linalg.norm(a)),
    ("dim", (3, 4), lambda a: cygrad.linalg.norm(a, dim=1)),
    ("dim_keepdim", (3, 4), lambda a: cygrad.linalg.norm(a, dim=0, keepdim=True)),
    ("ord1", (5,), lambda a: cygrad.linalg.norm(a, 1)),
    ("ord3", (5,), lambda a: cygrad.linalg.norm(a, 3)),
    ("ord_inf", (5,), lambda a: cygrad.linalg.norm(a, math.inf)),
    ("ord_neg_inf", (5,), lambda a: cygrad.linalg.norm(a, -math.inf)),
    ("fro", (3, 4), lambda a: cygrad.linalg.norm(a, "fro")),
    ("matrix_ord1", (3, 4), lambda a: cygrad.linalg.norm(a, 1)),
    ("matrix_ord_inf", (3, 4), lambda a: cygrad.linalg.norm(a, math.inf)),
    ("vector_norm", (2, 3), lambda a: cygrad.linalg.vector_norm(a, 2, dim=(0, 1))),
    ("vector_norm_ord_half", (4,), lambda a: cygrad.linalg.vector_norm(a, 0.5)),
    ("matrix_norm_fro", (2, 3, 3), lambda a: cygrad.linalg.matrix_norm(a)),
]


@pytest.mark.parametrize("name, shape, fn", NORMS, ids=[n[0] for n in NORMS])
def test_linalg_norm(name, shape, fn):
    run_gradcheck(fn, leaf(shape, seed=122))


# ---------------------------------------------------------------------------- composites
def test_composites():
    x, w, b = leaf((4, 3), seed=130), leaf((3, 2), seed=131), leaf((2,), seed=132)
    run_gradcheck(lambda x, w, b: ((x @ w + b).tanh() ** 2).sum(1).mean(), x, w, b)
    run_gradcheck(lambda x, w, b: (x @ w + b).sigmoid().log().sum(), x, w, b)
    run_gradcheck(lambda x: (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True), x)
    run_gradcheck(lambda x: (x - x.logsumexp(1, keepdim=True)).exp(), x)   # softmax
    run_gradcheck(lambda x: x * x.sigmoid(), x)                             # silu
    run_gradcheck(lambda x: (x.relu() + 0.1 * (-x).relu()).prod(0), x)


# ---------------------------------------------------------------------------- gradcheck itself
def test_gradcheck_detects_wrong_gradient():
    class Bad(cygrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * a

        @staticmethod
        def backward(ctx, g):
            return g          # wrong: should be 2 a g

    x = leaf((3,), seed=133)
    assert not gradcheck(lambda a: Bad.apply(a), (x,), raise_exception=False)
    with pytest.raises(cygrad.autograd.GradcheckError):
        gradcheck(lambda a: Bad.apply(a), (x,))


def test_gradcheck_non_contiguous_leaf():
    # torch.autograd.gradcheck accepts non-contiguous inputs; the perturbation must reach
    # the input's own memory
    base = leaf((2, 3), seed=134)
    x = base.detach().t().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda a: a * a, (x,))
    y = leaf((4, 6), seed=135).detach()[::2, 1::3].requires_grad_()
    assert gradcheck(lambda a: a.exp(), (y,))


def test_gradcheck_output_without_grad():
    # outputs that do not depend on the inputs have a zero Jacobian (torch returns True)
    x = leaf((3,), seed=136)
    assert gradcheck(lambda a: (a * 2, cygrad.ones(2, dtype=cygrad.float64)), (x,))


def test_gradcheck_tuple_outputs():
    x, y = leaf((3,), seed=137), leaf((3,), seed=138)
    assert gradcheck(lambda a, b: (a * b, a.exp(), (a + b).sum()), (x, y))


# ---------------------------------------------------------------------------- gradgradcheck
GRADGRAD = [
    ("mul", lambda a, b: a * b, [((2, 3), "any"), ((2, 3), "any")]),
    ("mul_bcast", lambda a, b: a * b * a, [((2, 3), "any"), ((3,), "any")]),
    ("div", lambda a, b: a / b, [((2, 3), "any"), ((2, 3), "nz")]),
    ("div_scalar_num", lambda b: 2.0 / b, [((3,), "nz")]),
    ("pow_tensor", lambda a, b: a ** b, [((2, 3), "pos"), ((2, 3), "any")]),
    ("pow_scalar", lambda a: a ** 3, [((2, 3), "any")]),
    ("pow_scalar_base", lambda a: 2.0 ** a, [((2, 3), "any")]),
    ("exp", lambda a: a.exp(), [((2, 3), "any")]),
    ("tanh", lambda a: a.tanh(), [((2, 3), "any")]),
    ("sigmoid", lambda a: a.sigmoid(), [((2, 3), "any")]),
    ("sum", lambda a: a.sum(), [((2, 3), "any")]),
    ("sum_dim", lambda a: a.sum(1), [((2, 3), "any")]),
    ("sum_of_square", lambda a: (a * a).sum(0) ** 2, [((2, 3), "any")]),
    ("mean", lambda a: a.mean(), [((2, 3), "any")]),
    ("mean_of_cube", lambda a: (a ** 3).mean(1), [((2, 3), "any")]),
    ("matmul", lambda a, b: a @ b, [((2, 3), "any"), ((3, 2), "any")]),
    ("matmul_batched", lambda a, b: a @ b, [((2, 2, 3), "any"), ((3,), "any")]),
    ("matmul_square", lambda a: a @ a, [((3, 3), "any")]),
    ("where", None, [((3, 4), "any"), ((3, 4), "any")]),
    ("where_nonlinear", None, [((3, 4), "any"), ((3, 4), "any")]),
]


@pytest.mark.parametrize("name, fn, specs", GRADGRAD, ids=[g[0] for g in GRADGRAD])
def test_gradgradcheck(name, fn, specs):
    ins = [leaf(s, k, seed=140 + i) for i, (s, k) in enumerate(specs)]
    if name == "where":
        c = _cond((3, 4), seed=150)
        fn = (lambda a, b: cygrad.where(c, a, b))
    elif name == "where_nonlinear":
        c = _cond((3, 4), seed=151)
        fn = (lambda a, b: cygrad.where(c, a * b, b.exp()))
    cygrad.manual_seed(0)        # gradgradcheck draws random grad_outputs
    assert gradgradcheck(fn, tuple(ins))


def test_double_backward_values():
    # d2/dx2 of x**3 is 6x; of sin is -sin
    x = as_leaf([0.5, -1.0, 2.0])
    (g,) = cygrad.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g.tolist(), [0.75, 3.0, 12.0])
    (h,) = cygrad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.tolist(), [3.0, -6.0, 12.0])
    y = as_leaf([0.3, 1.1])
    (g,) = cygrad.autograd.grad(y.sin().sum(), y, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(y.grad.tolist(), (-np.sin([0.3, 1.1])).tolist())


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_one_operand_requires_grad(sa, sb):
    a, b = leaf(sa, seed=160), leaf(sb, seed=161)
    run_gradcheck(lambda x: x @ b.detach(), a)
    run_gradcheck(lambda y: a.detach() @ y, b)


GRADGRAD_MORE = [
    ("index_repeated", lambda a: a[_idx([0, 0, 2])] ** 2, (3, 4)),
    ("gather", lambda a: a.gather(1, _idx([[0, 0], [1, 3], [2, 2]])) ** 3, (3, 4)),
    ("masked_fill", lambda a: a.masked_fill(_mask((3, 4), 170), 0.0) ** 2, (3, 4)),
    ("views", lambda a: (a.t().reshape(-1).unsqueeze(0).expand(2, 12) ** 2).permute(1, 0),
     (3, 4)),
    ("cat_stack", lambda a: cygrad.stack([cygrad.cat([a, a * a]), cygrad.cat([a.exp(), a])]),
     (3,)),
    ("prod", lambda a: a.prod(1), (2, 3)),
    ("amax", lambda a: (a * a).amax(1), (2, 3)),
    ("max_dim", lambda a: (a * a).max(0).values, (2, 3)),
    ("logsumexp", lambda a: a.logsumexp(1), (2, 3)),
    ("var_std", lambda a: a.var(1) + a.std(0).sum(), (3, 3)),
    ("norm", lambda a: cygrad.linalg.norm(a, dim=1), (2, 3)),
    ("clamp", lambda a: a.clamp(-1.0, 1.0) * a, (2, 3)),
    ("abs_relu", lambda a: a.abs() * a + a.relu() * a, (2, 3)),
    ("atan2", lambda a: cygrad.atan2(a, a * a + 1), (2, 3)),
    ("sqrt_log", lambda a: (a * a + 1).sqrt() * (a * a + 2).log(), (2, 3)),
    ("trig", lambda a: a.sin() * a.cos() + a.atan() + (a * 0.3).asin() + a.erf(), (2, 3)),
    ("reciprocal_rsqrt", lambda a: (a * a + 1).reciprocal() + (a * a + 1).rsqrt(), (2, 3)),
    ("einsum", lambda a: cygrad.einsum("ij,kj->ik", a, a * a), (2, 3)),
    ("addmm", lambda a: cygrad.addmm(a[0], a.t(), a * a), (3, 3)),
    ("diagonal_trace", lambda a: (a @ a).diagonal() * a.trace(), (3, 3)),
    ("softmax", lambda a: (a - a.logsumexp(1, keepdim=True)).exp(), (2, 3)),
]


@pytest.mark.parametrize("name, fn, shape", GRADGRAD_MORE, ids=[g[0] for g in GRADGRAD_MORE])
def test_gradgradcheck_more(name, fn, shape):
    cygrad.manual_seed(1)
    assert gradgradcheck(fn, (leaf(shape, seed=171),))


def test_addcmul_addcdiv_gradients():
    rng = np.random.default_rng(11)
    a, b = (cygrad.tensor(rng.standard_normal(s), dtype=cygrad.float64, requires_grad=True)
            for s in [(3, 4), (4,)])
    d = cygrad.tensor(rng.random((3, 1)) + 1, dtype=cygrad.float64, requires_grad=True)
    assert cygrad.autograd.gradcheck(lambda x, y, z: x.addcmul(y, z, value=0.3), (a, b, d))
    assert cygrad.autograd.gradcheck(lambda x, y, z: x.addcdiv(y, z, value=-2), (a, b, d))
