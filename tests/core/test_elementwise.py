"""Elementwise ops: unary and binary kernels over dtypes and layouts, broadcasting, type
promotion, in-place forms, clamp and where."""
import math
import operator

import numpy as np
import pytest

import cygrad
from conftest import (ALL_DTYPES, LAYOUTS, check, from_np, make_layout, np_dtype,
                      sample, to_numpy, torch_dtype)

try:
    from hypothesis import given, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover
    given = None

B, I32, I64, F32, F64 = cygrad.bool, cygrad.int32, cygrad.int64, cygrad.float32, cygrad.float64
DT_IDS = {B: "bool", I32: "int32", I64: "int64", F32: "float32", F64: "float64"}


def dt_id(d):
    return DT_IDS[d]


# ---------------------------------------------------------------------------- unary tables
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _erfinv(x):
    """erfinv by bisection on math.erf (to the last bit of float64), +-inf at +-1."""
    def one(v):
        if v in (1.0, -1.0):
            return math.copysign(math.inf, v)
        if not -1.0 < v < 1.0:
            return math.nan
        lo, hi = -6.0, 6.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (mid, hi) if math.erf(mid) < v else (lo, mid)
        return 0.5 * (lo + hi)
    return np.vectorize(one, otypes=[np.float64])(x)


# name -> (NumPy reference, domain, float_only, dtypes it is defined for)
#   domain: "any", "pos" (> 0), "unit" ([-1, 1]), "nonzero", "gt1" (>= 1)
UNARY = {
    "neg": (np.negative, "any", False, (I32, I64, F32, F64)),
    "abs": (np.abs, "any", False, (I32, I64, F32, F64)),
    "sign": (np.sign, "any", False, (B, I32, I64, F32, F64)),
    "exp": (np.exp, "any", True, ALL_DTYPES),
    "exp2": (np.exp2, "any", True, ALL_DTYPES),
    "log": (np.log, "pos", True, ALL_DTYPES),
    "log2": (np.log2, "pos", True, ALL_DTYPES),
    "log10": (np.log10, "pos", True, ALL_DTYPES),
    "log1p": (np.log1p, "pos", True, ALL_DTYPES),
    "expm1": (np.expm1, "any", True, ALL_DTYPES),
    "sqrt": (np.sqrt, "pos", True, ALL_DTYPES),
    "rsqrt": (lambda x: 1.0 / np.sqrt(x), "pos", True, ALL_DTYPES),
    "reciprocal": (lambda x: 1.0 / x, "nonzero", True, ALL_DTYPES),
    "sin": (np.sin, "any", True, ALL_DTYPES),
    "cos": (np.cos, "any", True, ALL_DTYPES),
    "tan": (np.tan, "any", True, ALL_DTYPES),
    "asin": (np.arcsin, "unit", True, ALL_DTYPES),
    "acos": (np.arccos, "unit", True, ALL_DTYPES),
    "atan": (np.arctan, "any", True, ALL_DTYPES),
    "sinh": (np.sinh, "any", True, ALL_DTYPES),
    "cosh": (np.cosh, "any", True, ALL_DTYPES),
    "tanh": (np.tanh, "any", True, ALL_DTYPES),
    "erf": (_erf, "any", True, ALL_DTYPES),
    "erfc": (np.vectorize(math.erfc, otypes=[np.float64]), "any", True, ALL_DTYPES),
    "erfinv": (_erfinv, "unit", True, ALL_DTYPES),
    "asinh": (np.arcsinh, "any", True, ALL_DTYPES),
    "acosh": (np.arccosh, "gt1", True, ALL_DTYPES),
    "atanh": (np.arctanh, "unit", True, ALL_DTYPES),
    "sigmoid": (_sigmoid, "any", True, ALL_DTYPES),
    "relu": (lambda x: np.maximum(x, 0), "any", False, (I32, I64, F32, F64)),
    "floor": (np.floor, "any", False, (I32, I64, F32, F64)),
    "ceil": (np.ceil, "any", False, (I32, I64, F32, F64)),
    "trunc": (np.trunc, "any", False, (I32, I64, F32, F64)),
    "round": (np.round, "any", False, (I32, I64, F32, F64)),
    "square": (np.square, "any", False, (I32, I64, F32, F64)),
    "bitwise_not": (np.invert, "any", False, (B, I32, I64)),
    "logical_not": (np.logical_not, "any", False, ALL_DTYPES),
    "isnan": (np.isnan, "any", False, ALL_DTYPES),
    "isinf": (np.isinf, "any", False, ALL_DTYPES),
    "isfinite": (np.isfinite, "any", False, ALL_DTYPES),
}
TO_BOOL = {"logical_not", "isnan", "isinf", "isfinite"}


def unary_input(name, dtype, shape=(4, 6), seed=0):
    _, domain, _, _ = UNARY[name]
    dt = np_dtype(dtype)
    rng = np.random.default_rng(seed)
    if dt.kind == "b":
        return rng.random(shape) < 0.5
    if dt.kind == "i":
        if domain in ("pos", "gt1"):
            return rng.integers(1, 10, size=shape).astype(dt)
        if domain == "unit":
            return rng.integers(-1, 2, size=shape).astype(dt)
        a = rng.integers(-6, 7, size=shape).astype(dt)
        if domain == "nonzero":
            a[a == 0] = 3
        return a
    if domain == "pos":
        return rng.uniform(0.05, 8, size=shape).astype(dt)
    if domain == "unit":
        return rng.uniform(-1, 1, size=shape).astype(dt)
    if domain == "gt1":
        return rng.uniform(1, 8, size=shape).astype(dt)
    a = rng.uniform(-4, 4, size=shape).astype(dt)
    a.flat[::5] = np.round(a.flat[::5]) + 0.5  # exact halves (round half to even)
    return a


def unary_expected(name, a):
    ref, _, float_only, _ = UNARY[name]
    if name in TO_BOOL:
        return ref(a)
    if a.dtype.kind in "bi" and float_only:
        out_dt = np.dtype(np.float32)
    else:
        out_dt = a.dtype
    if out_dt.kind == "f":
        with np.errstate(all="ignore"):
            return ref(a.astype(np.float64)).astype(out_dt)
    if a.dtype.kind == "b" and name == "sign":
        return a.copy()  # sign of a bool is the bool itself (PyTorch)
    return ref(a).astype(out_dt)


UNARY_CASES = [(n, d) for n, spec in UNARY.items() for d in spec[3]]


@pytest.mark.parametrize("name, dtype", UNARY_CASES, ids=[f"{n}-{dt_id(d)}" for n, d in UNARY_CASES])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_unary_matches_numpy(name, dtype, layout):
    a = unary_input(name, dtype)
    t = make_layout(a, layout)
    expected = unary_expected(name, a)
    rtol = 4e-6 if expected.dtype == np.float32 else None
    check(getattr(cygrad, name)(t), expected, rtol=rtol, atol=1e-30)
    check(getattr(t, name)(), expected, rtol=rtol, atol=1e-30)
    # the input is unchanged
    check(t, a)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (1, 1, 5)], ids=str)
def test_unary_shapes(name, shape):
    a = unary_input(name, UNARY[name][3][-1], shape=shape)
    t = from_np(a)
    check(getattr(cygrad, name)(t), unary_expected(name, a))


@pytest.mark.parametrize("name", ["neg", "relu", "floor", "ceil", "trunc", "round"])
def test_unary_unsupported_on_bool(name):
    with pytest.raises(RuntimeError):
        getattr(cygrad, name)(cygrad.tensor([True, False]))


@pytest.mark.parametrize("dtype", [F32, F64], ids=dt_id)
def test_bitwise_not_float_raises(dtype):
    with pytest.raises((RuntimeError, TypeError)):
        ~cygrad.ones(2, dtype=dtype)


def test_neg_bool_message():
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -cygrad.tensor([True])


def test_unary_dunders():
    a = np.array([-2.5, 0.0, 3.0], np.float32)
    t = from_np(a)
    check(-t, -a)
    check(abs(t), np.abs(a))
    assert +t is t
    check(~cygrad.tensor([1, -2, 0]), np.invert(np.array([1, -2, 0])))
    check(~cygrad.tensor([True, False]), np.array([False, True]))
    check(cygrad.negative(t), -a)
    check(cygrad.absolute(t), np.abs(a))


def test_round_half_to_even_and_decimals():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5], np.float32)
    check(from_np(x).round(), np.round(x))
    y = np.array([1.2345, -2.5551, 0.125], np.float64)
    check(from_np(y).round(decimals=2), np.round(y, 2))


SPECIAL = [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-30, -1e-30, 1e30, -1e30,
           0.5, -0.5, 1.0, -1.0, 2.5, -1.5, 88.0, -88.0, 700.0, 1e-8]


_FLOAT_UNARY = [(n, d) for n, d in UNARY_CASES if d in (F32, F64)]


@pytest.mark.parametrize("name, dtype", _FLOAT_UNARY,
                         ids=[f"{n}-{dt_id(d)}" for n, d in _FLOAT_UNARY])
def test_unary_special_values_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    data = np.array(SPECIAL, dtype=np_dtype(dtype))
    tt = torch.from_numpy(data.copy())
    expected = getattr(torch, name)(tt).numpy()
    got = getattr(cygrad, name)(cygrad.from_numpy(data.copy()))
    rtol = 4e-6 if expected.dtype == np.float32 else 1e-12
    check(got, expected, rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=dt_id)
def test_unary_dtype_support_matches_torch(name, dtype):
    """Same result dtype and values as PyTorch, or an error where PyTorch raises."""
    torch = pytest.importorskip("torch")
    data = np.array([0, 1, 2, 3, -1, -4, 5], np.int64)
    tt = torch.from_numpy(data).to(torch_dtype(torch, dtype))
    t = cygrad.from_numpy(data).to(dtype)
    try:
        expected = getattr(torch, name)(tt)
    except Exception as e:  # noqa: BLE001
        with pytest.raises((RuntimeError, TypeError)):
            getattr(cygrad, name)(t)
        return
    got = getattr(cygrad, name)(t)
    check(got, expected.numpy(), rtol=4e-6, atol=1e-30)


# ---------------------------------------------------------------------------- binary tables
# name -> (NumPy reference, dtypes it is defined for, operator for the dunder or None)
ARITH = (I32, I64, F32, F64)
BINARY = {
    "add": (np.add, ALL_DTYPES, operator.add),
    "sub": (np.subtract, ARITH, operator.sub),
    "mul": (np.multiply, ALL_DTYPES, operator.mul),
    "div": (None, ALL_DTYPES, operator.truediv),
    "floor_divide": (np.floor_divide, ARITH, operator.floordiv),
    "remainder": (np.remainder, ARITH, operator.mod),
    "pow": (np.power, ARITH, operator.pow),
    "maximum": (np.maximum, ALL_DTYPES, None),
    "minimum": (np.minimum, ALL_DTYPES, None),
    "bitwise_and": (np.bitwise_and, (B, I32, I64), operator.and_),
    "bitwise_or": (np.bitwise_or, (B, I32, I64), operator.or_),
    "bitwise_xor": (np.bitwise_xor, (B, I32, I64), operator.xor),
    "eq": (np.equal, ALL_DTYPES, operator.eq),
    "ne": (np.not_equal, ALL_DTYPES, operator.ne),
    "lt": (np.less, ALL_DTYPES, operator.lt),
    "le": (np.less_equal, ALL_DTYPES, operator.le),
    "gt": (np.greater, ALL_DTYPES, operator.gt),
    "ge": (np.greater_equal, ALL_DTYPES, operator.ge),
    "logical_and": (np.logical_and, ALL_DTYPES, None),
    "logical_or": (np.logical_or, ALL_DTYPES, None),
    "logical_xor": (np.logical_xor, ALL_DTYPES, None),
    "atan2": (np.arctan2, (F32, F64), None),
}
CMP = {"eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"}


def binary_inputs(name, dtype, shape_a=(4, 6), shape_b=(4, 6), seed=0):
    dt = np_dtype(dtype)
    rng = np.random.default_rng(seed)
    if dt.kind == "b":
        return rng.random(shape_a) < 0.5, rng.random(shape_b) < 0.5
    if dt.kind == "i":
        a = rng.integers(-6, 7, size=shape_a).astype(dt)
        if name == "pow":
            b = rng.integers(0, 5, size=shape_b).astype(dt)
        else:
            b = rng.integers(-6, 7, size=shape_b).astype(dt)
        if name in ("floor_divide", "remainder", "div"):
            b[b == 0] = 3
        if name in CMP:  # plenty of equal pairs
            b = np.where(rng.random(shape_b) < 0.3, 0, b).astype(dt)
        return a, b
    a = rng.uniform(-4, 4, size=shape_a).astype(dt)
    b = rng.uniform(-4, 4, size=shape_b).astype(dt)
    if name == "pow":
        a = np.abs(a) + np.asarray(0.1, dt)
    if name in CMP and a.shape == b.shape and a.size:
        b.flat[::3] = a.flat[::3]
    return a, b


def binary_expected(name, a, b):
    ref = BINARY[name][0]
    if name == "div":
        rd = np.result_type(a, b)
        if rd.kind != "f":
            rd = np.dtype(np.float32)
        with np.errstate(all="ignore"):
            return np.true_divide(a.astype(rd), b.astype(rd))
    with np.errstate(all="ignore"):
        if name == "atan2":
            return ref(a.astype(np.float64), b.astype(np.float64)).astype(np.result_type(a, b))
        return ref(a, b)


BINARY_CASES = [(n, d) for n, spec in BINARY.items() for d in spec[1]]
LAYOUT_PAIRS = [(LAYOUTS[i], LAYOUTS[(i + 2) % len(LAYOUTS)]) for i in range(len(LAYOUTS))]


@pytest.mark.parametrize("name, dtype", BINARY_CASES,
                         ids=[f"{n}-{dt_id(d)}" for n, d in BINARY_CASES])
@pytest.mark.parametrize("layouts", LAYOUT_PAIRS, ids=lambda p: f"{p[0]}+{p[1]}")
def test_binary_matches_numpy(name, dtype, layouts):
    a, b = binary_inputs(name, dtype)
    ta, tb = make_layout(a, layouts[0]), make_layout(b, layouts[1])
    expected = binary_expected(name, a, b)
    rtol = 4e-6 if expected.dtype == np.float32 else None
    check(getattr(cygrad, name)(ta, tb), expected, rtol=rtol)
    check(getattr(ta, name)(tb), expected, rtol=rtol)
    op = BINARY[name][2]
    if op is not None:
        check(op(ta, tb), expected, rtol=rtol)
    check(ta, a)
    check(tb, b)


BROADCAST_SHAPES = [((3, 1), (4,)), ((), (2, 3)), ((2, 3), ()), ((2, 1, 4), (3, 1)),
                    ((0, 3), (3,)), ((0, 3), (1, 3)), ((), ()), ((1,), (5, 1, 2)),
                    ((4, 1), (1, 0))]


_BCAST_CASES = [(n, d) for n, d in BINARY_CASES if d in (I64, F32)]


@pytest.mark.parametrize("name, dtype", _BCAST_CASES,
                         ids=[f"{n}-{dt_id(d)}" for n, d in _BCAST_CASES])
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_broadcasting(name, dtype, shapes):
    a, b = binary_inputs(name, dtype, *shapes)
    ta, tb = from_np(a), from_np(b)
    expected = np.asarray(binary_expected(name, a, b))
    rtol = 4e-6 if expected.dtype == np.float32 else None
    check(getattr(cygrad, name)(ta, tb), expected, rtol=rtol)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_expanded_and_broadcast_views(name):
    dtype = BINARY[name][1][-1]
    a, b = binary_inputs(name, dtype, (3, 1), (1, 5))
    ta = from_np(a).expand(3, 5)
    tb = from_np(b).expand(3, 5)
    expected = binary_expected(name, np.broadcast_to(a, (3, 5)), np.broadcast_to(b, (3, 5)))
    check(getattr(cygrad, name)(ta, tb), expected)
    check(getattr(cygrad, name)(ta.t(), tb.t()), expected.T)


# Python scalars on either side
SCALAR_OPS = [
    ("+", operator.add), ("-", operator.sub), ("*", operator.mul), ("/", operator.truediv),
    ("//", operator.floordiv), ("%", operator.mod), ("**", operator.pow),
    ("==", operator.eq), ("!=", operator.ne), ("<", operator.lt), ("<=", operator.le),
    (">", operator.gt), (">=", operator.ge),
]


@pytest.mark.parametrize("sym, op", SCALAR_OPS, ids=[s for s, _ in SCALAR_OPS])
@pytest.mark.parametrize("scalar", [2, 2.5, -3], ids=repr)
@pytest.mark.parametrize("dtype", [I64, I32, F32, F64], ids=dt_id)
def test_scalar_operands_both_sides(sym, op, scalar, dtype):
    dt = np_dtype(dtype)
    if dt.kind == "i":
        a = np.array([[1, 2, 3], [4, 5, 6]], dt)
    else:
        a = np.array([[0.5, 1.5, 2.0], [3.0, 4.25, 6.0]], dt)
    t = make_layout(a, "transposed")
    is_float_result = dt.kind == "f" or isinstance(scalar, float) or sym == "/"
    rdt = dt if dt.kind == "f" else (np.dtype(np.float32) if is_float_result else dt)
    bool_result = sym in ("==", "!=", "<", "<=", ">", ">=")
    for left in (False, True):
        if sym == "**" and not left and dt.kind == "i" and scalar == -3:
            continue  # int tensor ** negative int raises (tested separately)
        x = np.asarray(scalar, dtype=rdt) if not bool_result else scalar
        av = a.astype(rdt) if not bool_result else a
        with np.errstate(all="ignore"):
            expected = op(x, av) if left else op(av, x)
        expected = np.asarray(expected)
        if not bool_result:
            expected = expected.astype(rdt)
        got = op(scalar, t) if left else op(t, scalar)
        check(got, expected, rtol=4e-6)


def test_reflected_ops_examples():
    t = cygrad.tensor([1.0, 2.0, 4.0])
    check(2 - t, np.array([1, 0, -2], np.float32))
    check(2 ** t, np.array([2, 4, 16], np.float32))
    check(2 / t, np.array([2, 1, 0.5], np.float32))
    check(7 // t, np.array([7, 3, 1], np.float32))
    check(7 % t, np.array([0, 1, 3], np.float32))
    i = cygrad.tensor([1, 2, 3])
    check(2 ** i, np.array([2, 4, 8], np.int64))
    check(2 - i, np.array([1, 0, -1], np.int64))
    check(10 // i, np.array([10, 5, 3], np.int64))
    check(10 % i, np.array([0, 0, 1], np.int64))
    check(1 / i, np.array([1, 0.5, 1 / 3], np.float32))
    check(2.5 ** i, np.array([2.5, 6.25, 15.625], np.float32))
    check(1 & i, np.array([1, 0, 1], np.int64))
    check(4 | i, np.array([5, 6, 7], np.int64))
    check(1 ^ i, np.array([0, 3, 2], np.int64))
    check(1 & cygrad.tensor([True, False]), np.array([1, 0], np.int64))
    check(True & cygrad.tensor([True, False]), np.array([True, False]))
    check(2 < i, np.array([False, False, True]))


def test_numpy_scalar_operands():
    t = cygrad.tensor([1.0, 2.0])
    check(t + np.float64(1.5), np.array([2.5, 3.5], np.float32))
    check(t * np.int64(3), np.array([3, 6], np.float32))
    check(np.float32(2) * t, np.array([2, 4], np.float32))


# ---------------------------------------------------------------------------- promotion
def _operand(kind, dtype):
    """A cygrad operand: a 1-d tensor, a 0-d tensor or a Python scalar."""
    if kind == "tensor":
        return cygrad.ones(2, dtype=dtype)
    if kind == "0d":
        return cygrad.ones((), dtype=dtype)
    return {"bool": True, "int": 2, "float": 2.5}[dtype]


OPERANDS = ([("tensor", d) for d in ALL_DTYPES] + [("0d", d) for d in ALL_DTYPES]
            + [("scalar", s) for s in ("bool", "int", "float")])


def _op_id(o):
    return f"{o[0]}-{o[1] if isinstance(o[1], str) else dt_id(o[1])}"


@pytest.mark.parametrize("x", OPERANDS, ids=_op_id)
@pytest.mark.parametrize("y", OPERANDS, ids=_op_id)
def test_result_type_matches_torch(x, y):
    if x[0] == "scalar" and y[0] == "scalar":
        return
    torch = pytest.importorskip("torch")

    def tval(o):
        if o[0] == "scalar":
            return _operand(*o)
        shape = (2,) if o[0] == "tensor" else ()
        return torch.ones(shape, dtype=torch_dtype(torch, o[1]))

    expected = repr(torch.result_type(tval(x), tval(y))).split(".")[1]
    a, b = _operand(*x), _operand(*y)
    assert repr(cygrad.result_type(a, b)).split(".")[1] == expected
    assert repr((a + b).dtype).split(".")[1] == expected
    assert repr((a * b).dtype).split(".")[1] == expected
    if x[0] != "scalar" and y[0] != "scalar":
        assert repr(cygrad.maximum(a, b).dtype).split(".")[1] == expected
    assert (a == b).dtype is cygrad.bool


@pytest.mark.parametrize("a, b, expected", [
    (cygrad.tensor([1, 2]), 2.5, F32),
    (cygrad.tensor([1, 2], dtype=I32), 2.5, F32),
    (cygrad.tensor([1, 2], dtype=I32), cygrad.tensor(5), I32),
    (cygrad.tensor([1, 2], dtype=I32), 7, I32),
    (cygrad.tensor([1, 2], dtype=I32), True, I32),
    (cygrad.tensor([True]), cygrad.tensor([False]), B),
    (cygrad.tensor([True]), 2, I64),
    (cygrad.tensor([True]), 2.5, F32),
    (cygrad.tensor([True]), cygrad.tensor(3, dtype=I32), I32),
    (cygrad.tensor([1.0]), cygrad.tensor([1.0], dtype=F64), F64),
    (cygrad.tensor([1.0]), cygrad.tensor(1.0, dtype=F64), F32),
    (cygrad.tensor([1], dtype=I32), cygrad.tensor(1.0, dtype=F64), F64),
    (cygrad.tensor(1, dtype=I32), cygrad.tensor(1.0), F32),
    (cygrad.tensor([1], dtype=I32), cygrad.tensor([1], dtype=I64), I64),
    (cygrad.tensor([1.0], dtype=F64), 2, F64),
])
def test_promotion_fixed_expectations(a, b, expected):
    assert cygrad.result_type(a, b) is expected
    assert (a + b).dtype is expected
    assert (b + a).dtype is expected


def test_promotion_special_cases():
    assert (cygrad.tensor([True]) + cygrad.tensor([True])).dtype is B
    check(cygrad.tensor([True, False]) + cygrad.tensor([True, True]), np.array([True, True]))
    check(cygrad.tensor([True, False]) * cygrad.tensor([True, True]), np.array([True, False]))
    r = cygrad.tensor([1, 2]) / cygrad.tensor([2, 2])
    assert r.dtype is F32
    check(r, np.array([0.5, 1.0], np.float32))
    r = cygrad.tensor([1, 2], dtype=I32) / 2
    assert r.dtype is F32
    cygrad.set_default_dtype(F64)
    assert (cygrad.tensor([1, 2]) / cygrad.tensor([2, 2])).dtype is F64
    assert (cygrad.tensor([1, 2]) + 0.5).dtype is F64
    assert cygrad.exp(cygrad.tensor([1, 2])).dtype is F64


def test_promote_types():
    assert cygrad.promote_types(I32, F32) is F32
    assert cygrad.promote_types(I32, I64) is I64
    assert cygrad.promote_types(B, I32) is I32
    assert cygrad.promote_types(F32, F64) is F64


def test_bool_sub_raises():
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool"):
        cygrad.tensor([True]) - cygrad.tensor([False])


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("da", ALL_DTYPES, ids=dt_id)
@pytest.mark.parametrize("db", ALL_DTYPES, ids=dt_id)
def test_binary_dtype_support_matches_torch(name, da, db):
    """Every op on every pair of dtypes: PyTorch's dtype and values, or an error."""
    torch = pytest.importorskip("torch")
    xa = np.array([1, 2, 3, 4, 0, 5], np.int64)
    xb = np.array([1, 1, 2, 3, 2, 1], np.int64)
    ta = torch.from_numpy(xa).to(torch_dtype(torch, da))
    tb = torch.from_numpy(xb).to(torch_dtype(torch, db))
    ca = cygrad.from_numpy(xa).to(da)
    cb = cygrad.from_numpy(xb).to(db)
    try:
        expected = getattr(torch, name)(ta, tb)
    except Exception:  # noqa: BLE001
        with pytest.raises((RuntimeError, TypeError)):
            getattr(cygrad, name)(ca, cb)
        return
    got = getattr(cygrad, name)(ca, cb)
    check(got, expected.numpy(), rtol=4e-6)


# ---------------------------------------------------------------------------- errors
def test_broadcast_mismatch_message():
    with pytest.raises(RuntimeError) as ei:
        cygrad.zeros(2, 3) + cygrad.zeros(2, 4)
    assert str(ei.value) == ("The size of tensor a (3) must match the size of tensor b (4) at "
                             "non-singleton dimension 1")
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 0"):
        cygrad.zeros(3) * cygrad.zeros(4)
    assert cygrad.broadcast_shapes((3, 1), (4,)) == (3, 4)
    with pytest.raises(RuntimeError):
        cygrad.broadcast_shapes((2,), (3,))


@pytest.mark.parametrize("dtype", [I32, I64], ids=dt_id)
def test_integer_division_by_zero_raises(dtype):
    t = cygrad.tensor([1, 2, 3], dtype=dtype)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        t // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        t % 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        t // cygrad.tensor([1, 0, 1], dtype=dtype)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        t % cygrad.tensor([1, 1, 0], dtype=dtype)
    with pytest.raises(RuntimeError):
        cygrad.floor_divide(t, cygrad.zeros((), dtype=dtype))
    with pytest.raises(RuntimeError):
        5 // cygrad.tensor([1, 0], dtype=dtype)
    # true division by zero is fine: it is float division
    check(t / 0, np.array([np.inf, np.inf, np.inf], np.float32))


def test_float_division_by_zero():
    t = cygrad.tensor([1.0, -1.0, 0.0])
    check(t / 0, np.array([np.inf, -np.inf, np.nan], np.float32))
    check(t // 0, np.array([np.inf, -np.inf, np.nan], np.float32))
    check(t % 0, np.array([np.nan, np.nan, np.nan], np.float32))


@pytest.mark.parametrize("dtype", [I32, I64], ids=dt_id)
def test_int_pow_negative_raises(dtype):
    t = cygrad.tensor([1, 2, 3], dtype=dtype)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        t ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        t ** cygrad.tensor([1, -1, 2], dtype=dtype)
    with pytest.raises(RuntimeError):
        2 ** cygrad.tensor([1, -1], dtype=dtype)
    check(t ** 0, np.ones(3, np_dtype(dtype)))
    check(t ** -1.0, np.array([1, 0.5, 1 / 3], np.float32))


def test_integer_division_semantics():
    a = np.array([-7, 7, -7, 7, 0, -1, 6], np.int64)
    b = np.array([3, -3, -3, 3, 5, 2, -4], np.int64)
    check(from_np(a) // from_np(b), a // b)
    check(from_np(a) % from_np(b), a % b)
    lo = np.iinfo(np.int64).min
    check(cygrad.tensor([lo, 5]) // -1, np.array([lo, -5], np.int64))
    check(cygrad.tensor([lo, 5]) % -1, np.array([0, 0], np.int64))
    x = np.array([-7.5, 7.5, -7.0, 7.0, 0.5], np.float64)
    y = np.array([2.0, -2.0, 3.5, -3.5, -0.25], np.float64)
    check(from_np(x) // from_np(y), x // y)
    check(from_np(x) % from_np(y), x % y)


def test_div_rounding_modes():
    a = np.array([-7, 7, -8, 9], np.int64)
    b = np.array([2, 2, 3, -4], np.int64)
    ta, tb = from_np(a), from_np(b)
    check(ta.div(tb), (a / b).astype(np.float32))
    check(ta.div(tb, rounding_mode="floor"), a // b)
    check(ta.div(tb, rounding_mode="trunc"), np.trunc(a / b).astype(np.int64))
    check(cygrad.div(ta, tb, rounding_mode="trunc"), np.trunc(a / b).astype(np.int64))
    f = from_np(a.astype(np.float32))
    check(f.div(2.0, rounding_mode="trunc"), np.trunc(a / 2.0).astype(np.float32))
    with pytest.raises(ValueError):
        ta.div(tb, rounding_mode="round")


def test_add_sub_alpha():
    a = cygrad.tensor([1.0, 2.0])
    b = cygrad.tensor([10.0, 20.0])
    check(cygrad.add(a, b, alpha=2), np.array([21, 42], np.float32))
    check(a.sub(b, alpha=0.5), np.array([-4, -8], np.float32))
    c = a.clone()
    c.add_(b, alpha=-1)
    check(c, np.array([-9, -18], np.float32))


def test_fmod_and_lerp():
    a = np.array([-7.5, 7.5, -3.0], np.float32)
    b = np.array([2.0, -2.0, 2.0], np.float32)
    check(from_np(a).fmod(from_np(b)), np.fmod(a, b))
    check(from_np(a).lerp(from_np(b), 0.25), a + 0.25 * (b - a))


@pytest.mark.parametrize("dt", [np.int32, np.int64])
def test_fmod_keeps_integer_dtype(dt):
    a = np.array([-7, 7, -3, 3, 0], dt)
    b = np.array([2, -2, 2, 5, 3], dt)
    r = from_np(a).fmod(from_np(b))
    check(r, np.fmod(a, b))          # the dtype is checked too: it stays an integer
    check(cygrad.fmod(from_np(a), 2), np.fmod(a, dt(2)))
    check(from_np(a).fmod(2.5), np.fmod(a, 2.5).astype(np.float32))


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_addcmul_addcdiv_lerp_(dt):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4)).astype(dt)
    b = rng.standard_normal(4).astype(dt)
    d = (rng.random((3, 1)) + 1).astype(dt)
    rtol = 1e-6 if dt == np.float32 else 1e-14
    check(cygrad.addcmul(from_np(a), from_np(b), from_np(d), value=0.3), a + 0.3 * b * d,
          rtol=rtol)
    check(cygrad.addcdiv(from_np(a), from_np(b), from_np(d), value=-2), a - 2 * b / d,
          rtol=rtol)
    t = from_np(a.copy())
    assert t.addcmul_(from_np(b), from_np(d)) is t
    check(t, a + b * d, rtol=rtol)
    t = from_np(a.copy())
    t.addcdiv_(from_np(b), from_np(d), value=0.5)
    check(t, a + 0.5 * b / d, rtol=rtol)
    t = from_np(a.copy())
    t.lerp_(from_np(b), 0.25)
    check(t, a + 0.25 * (b - a), rtol=rtol)


def test_out_argument():
    a, b = cygrad.tensor([1.0, 2.0]), cygrad.tensor([3.0, 4.0])
    out = cygrad.empty(2)
    r = cygrad.add(a, b, out=out)
    check(out, np.array([4, 6], np.float32))
    assert r is out
    out64 = cygrad.empty(2, dtype=F64)
    cygrad.mul(a, b, out=out64)
    check(out64, np.array([3, 8], np.float64))
    e = cygrad.empty(2)
    cygrad.exp(a, out=e)
    check(e, np.exp(np.array([1, 2], np.float32)))
    with pytest.raises(RuntimeError):
        cygrad.add(a, b, out=cygrad.empty(3))
    with pytest.raises(RuntimeError):
        cygrad.add(a, b, out=cygrad.empty(2, dtype=I64))


# ---------------------------------------------------------------------------- in-place
INPLACE_BINARY = [
    ("add_", np.add), ("sub_", np.subtract), ("mul_", np.multiply), ("div_", np.true_divide),
    ("maximum_", np.maximum), ("minimum_", np.minimum), ("pow_", np.power),
    ("remainder_", np.remainder), ("floor_divide_", np.floor_divide), ("atan2_", np.arctan2),
]


def _view_of(base_t, base_a, which):
    if which == "transposed":
        return base_t.t(), base_a.T
    if which == "sliced":
        return base_t[::2, 1::3], base_a[::2, 1::3]
    if which == "column":
        return base_t[:, 2], base_a[:, 2]
    if which == "select_t":
        return base_t.t()[1:4], base_a.T[1:4]
    return base_t, base_a


@pytest.mark.parametrize("method, ref", INPLACE_BINARY, ids=[m for m, _ in INPLACE_BINARY])
@pytest.mark.parametrize("which", ["whole", "transposed", "sliced", "column", "select_t"])
@pytest.mark.parametrize("other_kind", ["tensor", "scalar", "broadcast"])
def test_inplace_binary_into_views(method, ref, which, other_kind):
    rng = np.random.default_rng(1)
    base_a = rng.uniform(0.5, 3, size=(6, 8)).astype(np.float64)
    base_t = from_np(base_a)
    v, va = _view_of(base_t, base_a, which)
    if other_kind == "tensor":
        oa = rng.uniform(0.5, 3, size=va.shape)
        other = make_layout(oa, "negative")
    elif other_kind == "scalar":
        oa = 1.75
        other = oa
    else:
        oa = rng.uniform(0.5, 3, size=va.shape[-1:])
        other = from_np(oa)
    with np.errstate(all="ignore"):
        exp_view = ref(va, oa)
    r = getattr(v, method)(other)
    assert r is v
    # write the expected view into a copy of the base
    expected_base = base_a.copy()
    if which == "whole":
        expected_base[...] = exp_view
    elif which == "transposed":
        expected_base.T[...] = exp_view
    elif which == "sliced":
        expected_base[::2, 1::3] = exp_view
    elif which == "column":
        expected_base[:, 2] = exp_view
    else:
        expected_base.T[1:4] = exp_view
    check(base_t, expected_base)


@pytest.mark.parametrize("sym", ["+=", "-=", "*=", "/=", "//=", "%=", "**="])
@pytest.mark.parametrize("dtype", [I64, F32], ids=dt_id)
def test_augmented_assignment_on_view(sym, dtype):
    dt = np_dtype(dtype)
    a = (np.arange(24).reshape(4, 6) % 7 + 1).astype(dt)
    t = from_np(a)
    other_a = np.full((3,), 2, dt)
    other = from_np(other_a)
    v = t[1:, ::2]
    vid = id(v)
    exp = a.copy()
    ns = {"v": v, "o": other}
    if sym == "/=" and dt.kind == "i":
        with pytest.raises(RuntimeError, match="result type Float can't be cast"):
            exec(f"v {sym} o", ns)
        check(t, a)
        return
    exec(f"v {sym} o", ns)
    assert id(ns["v"]) == vid  # in place: the same object
    nv = {"v": exp[1:, ::2], "o": other_a}
    exec(f"v {sym} o", nv)
    check(t, exp)


def test_inplace_int_true_divide_raises():
    t = cygrad.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        t /= 2
    check(t, np.array([1, 2, 3]))


def test_inplace_int_plus_float_raises():
    t = cygrad.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        t += 1.5
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        t.add_(cygrad.tensor([0.5, 0.5, 0.5]))
    with pytest.raises(RuntimeError, match="output type Int"):
        cygrad.tensor([1], dtype=I32).mul_(2.5)
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired "
                                           "output type Bool"):
        cygrad.tensor([True]).add_(1)
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        t.exp_()
    check(t, np.array([1, 2, 3]))


def test_inplace_downcast_within_category_is_allowed():
    f = cygrad.tensor([1.0, 2.0])
    f.add_(cygrad.tensor([0.5, 0.25], dtype=F64))
    assert f.dtype is F32
    check(f, np.array([1.5, 2.25], np.float32))
    f.add_(cygrad.tensor([1, 1]))
    check(f, np.array([2.5, 3.25], np.float32))
    i = cygrad.tensor([1, 2], dtype=I32)
    i += cygrad.tensor([5, 5])
    assert i.dtype is I32
    check(i, np.array([6, 7], np.int32))


def test_inplace_into_expanded_raises():
    e = cygrad.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1)
    with pytest.raises(RuntimeError):
        e += 1
    with pytest.raises(RuntimeError):
        e.mul_(cygrad.ones(3, 4))
    with pytest.raises(RuntimeError):
        e.exp_()
    with pytest.raises(RuntimeError):
        e.clamp_(0, 1)
    with pytest.raises(RuntimeError):
        e.fill_(2)
    with pytest.raises(RuntimeError):
        e.copy_(cygrad.ones(3, 4))
    with pytest.raises(RuntimeError):
        e.zero_()
    with pytest.raises(RuntimeError):
        cygrad.add(cygrad.ones(3, 4), 1, out=e)
    # a size-1 expanded dim with stride 0 is fine to write
    ok = cygrad.zeros(3, 1).expand(3, 1)
    ok.add_(1)
    check(ok, np.ones((3, 1), np.float32))


def test_inplace_broadcast_shape_rules():
    t = cygrad.zeros(3, 4)
    t += cygrad.tensor([1.0, 2.0, 3.0, 4.0])
    check(t, np.tile(np.array([1, 2, 3, 4], np.float32), (3, 1)))
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the "
                                           r"broadcast shape \[2, 3\]"):
        cygrad.zeros(3).add_(cygrad.zeros(2, 3))


def test_inplace_self_aliasing():
    t = cygrad.arange(6, dtype=F64).reshape(2, 3)
    t.add_(t)
    check(t, 2 * np.arange(6.0).reshape(2, 3))
    t.mul_(t)
    check(t, (2 * np.arange(6.0).reshape(2, 3)) ** 2)
    s = cygrad.arange(9, dtype=F64).reshape(3, 3)
    s.sub_(s[0])  # other overlaps the output
    check(s, np.arange(9.0).reshape(3, 3) - np.arange(3.0))


UNARY_INPLACE = ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor",
                 "ceil", "round", "square", "reciprocal", "trunc", "sign", "erf", "expm1",
                 "log1p", "rsqrt"]


@pytest.mark.parametrize("name", UNARY_INPLACE)
@pytest.mark.parametrize("which", ["whole", "transposed", "sliced", "column"])
def test_inplace_unary_into_views(name, which):
    base_a = unary_input(name, F32, shape=(6, 8))
    base_t = from_np(base_a)
    v, va = _view_of(base_t, base_a, which)
    exp_view = unary_expected(name, np.ascontiguousarray(va))
    r = getattr(v, name + "_")()
    assert r is v
    expected = base_a.copy()
    _, ev = _view_of(from_np(expected), expected, which)
    ev[...] = exp_view
    check(base_t, expected, rtol=4e-6)


def test_inplace_bumps_version():
    t = cygrad.zeros(3)
    v0 = t._version
    t.add_(1)
    v1 = t._version
    t.exp_()
    v2 = t._version
    t[0] = 5
    v3 = t._version
    assert v0 < v1 < v2 < v3


# ---------------------------------------------------------------------------- clamp / where
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [I32, I64, F32, F64], ids=dt_id)
def test_clamp_numbers(layout, dtype):
    a = sample((4, 6), dtype, low=-10, high=10)
    t = make_layout(a, layout)
    check(t.clamp(-3, 4), np.clip(a, -3, 4))
    check(t.clamp(min=-3), np.maximum(a, np.asarray(-3, a.dtype)))
    check(t.clamp(max=2), np.minimum(a, np.asarray(2, a.dtype)))
    check(cygrad.clamp(t, 0, 1), np.clip(a, 0, 1))
    check(t.clip(-1, 1), np.clip(a, -1, 1))
    check(t.clamp(5, 1), np.full(a.shape, 1, a.dtype))  # min > max: max wins (PyTorch)


def test_clamp_tensors_and_promotion():
    a = np.array([[-2.0, 0.5, 3.0], [4.0, -1.0, 0.0]], np.float32)
    lo = np.array([0.0, 1.0, -5.0], np.float32)
    hi = np.array([[1.0], [2.0]], np.float32)
    t = from_np(a)
    check(t.clamp(from_np(lo), from_np(hi)), np.minimum(np.maximum(a, lo), hi))
    check(t.clamp(min=from_np(lo)), np.maximum(a, lo))
    check(t.clamp(max=from_np(hi)), np.minimum(a, hi))
    i = cygrad.tensor([1, 2, 3])
    r = i.clamp(min=1.5)
    assert r.dtype is F32
    check(r, np.array([1.5, 2, 3], np.float32))
    n = cygrad.tensor([1.0, float("nan"), -1.0])
    check(n.clamp(0, 0.5), np.array([0.5, np.nan, 0.0], np.float32))
    with pytest.raises(RuntimeError):
        t.clamp()


def test_clamp_inplace():
    a = np.arange(-6.0, 6.0).reshape(3, 4)
    t = from_np(a)
    t.t()[1:3].clamp_(-1, 1)
    exp = a.copy()
    exp.T[1:3] = np.clip(exp.T[1:3], -1, 1)
    check(t, exp)
    i = cygrad.tensor([1, 5, 9])
    i.clamp_(2, 6)
    check(i, np.array([2, 5, 6]))
    with pytest.raises(RuntimeError):
        cygrad.tensor([1, 2]).clamp_(min=0.5)
    with pytest.raises(RuntimeError):
        cygrad.ones(3).clamp_()


def test_clamp_matches_torch():
    torch = pytest.importorskip("torch")
    data = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, np.nan, np.inf, -np.inf], np.float32)
    for lo, hi in [(-1, 1), (None, 0.25), (0, None), (2, -2)]:
        e = torch.from_numpy(data).clamp(lo, hi).numpy()
        check(cygrad.from_numpy(data).clamp(lo, hi), e)
    ti = torch.tensor([1, 2, 3], dtype=torch.int32)
    e = ti.clamp(min=1.5)
    check(cygrad.tensor([1, 2, 3], dtype=I32).clamp(min=1.5), e.numpy())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_where_layouts(layout):
    rng = np.random.default_rng(3)
    c = rng.random((4, 6)) < 0.5
    a = rng.standard_normal((4, 6))
    b = rng.standard_normal((4, 6)).astype(np.float32)
    tc, ta, tb = make_layout(c, layout), make_layout(a, layout), make_layout(b, "negative")
    check(cygrad.where(tc, ta, tb), np.where(c, a, b))
    check(ta.where(tc, tb), np.where(c, a, b))


def test_where_broadcast_scalars_promotion():
    c = np.array([[True], [False], [True]])
    a = np.arange(4, dtype=np.int32)
    tc, ta = from_np(c), from_np(a)
    r = cygrad.where(tc, ta, 2.5)
    assert r.dtype is F32
    check(r, np.where(c, a, 2.5).astype(np.float32))
    r = cygrad.where(tc, ta, 7)
    assert r.dtype is I32
    check(r, np.where(c, a, 7).astype(np.int32))
    r = cygrad.where(tc, 1, 2.5)
    assert r.dtype is F32
    check(r, np.where(c, 1, 2.5).astype(np.float32))
    r = cygrad.where(tc, 1, 2)
    assert r.dtype is I64
    r = cygrad.where(tc, ta, cygrad.tensor([0.5], dtype=F64))
    assert r.dtype is F64
    check(r, np.where(c, a, 0.5))
    r = cygrad.where(tc, ta, cygrad.tensor(9))
    assert r.dtype is I32
    check(cygrad.where(cygrad.tensor(True), ta, 0), a)
    check(cygrad.where(from_np(np.zeros((0, 1), bool)), ta, 0),
          np.zeros((0, 4), np.int32))


def test_where_errors():
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        cygrad.where(cygrad.tensor([1, 0]), cygrad.ones(2), cygrad.zeros(2))
    with pytest.raises(RuntimeError):
        cygrad.where(cygrad.tensor([True, False]), cygrad.ones(3), cygrad.zeros(2))


def test_where_single_argument_is_nonzero():
    c = cygrad.tensor([[True, False], [False, True]])
    r = cygrad.where(c)
    assert isinstance(r, tuple) and len(r) == 2
    check(r[0], np.array([0, 1]))
    check(r[1], np.array([0, 1]))


def test_where_matches_torch_promotion():
    torch = pytest.importorskip("torch")
    cond = [True, False, True]
    operands = [
        (lambda m: m.tensor([1, 2, 3], dtype=m.int32), 2.5),
        (lambda m: m.tensor([1, 2, 3], dtype=m.int32), 2),
        (lambda m: m.tensor([1.0, 2.0, 3.0]), lambda m: m.tensor([1.0], dtype=m.float64)),
        (lambda m: m.tensor([True, False, True]), 3),
        (lambda m: m.tensor([1, 2, 3]), lambda m: m.tensor(0.5, dtype=m.float64)),
    ]
    for x, y in operands:
        ex = torch.where(torch.tensor(cond), x(torch) if callable(x) else x,
                         y(torch) if callable(y) else y)
        got = cygrad.where(cygrad.tensor(cond), x(cygrad) if callable(x) else x,
                           y(cygrad) if callable(y) else y)
        check(got, ex.numpy())


# ---------------------------------------------------------------------------- misc
def test_maximum_minimum_nan_propagation():
    a = np.array([1.0, np.nan, 3.0, np.nan], np.float32)
    b = np.array([np.nan, 2.0, 1.0, np.nan], np.float32)
    check(cygrad.maximum(from_np(a), from_np(b)), np.maximum(a, b))
    check(cygrad.minimum(from_np(a), from_np(b)), np.minimum(a, b))
    check(from_np(a).max(from_np(b)), np.maximum(a, b))
    check(from_np(a).min(from_np(b)), np.minimum(a, b))


def test_comparison_nan_and_mixed_dtypes():
    a = from_np(np.array([np.nan, 1.0, 2.0]))
    check(a == a, np.array([False, True, True]))
    check(a != a, np.array([True, False, False]))
    check(cygrad.tensor([1, 2]) == cygrad.tensor([1.0, 2.5]), np.array([True, False]))
    check(cygrad.tensor([1, 2]) < 1.5, np.array([True, False]))


def test_isclose_allclose_equal():
    a = cygrad.tensor([1.0, 2.0, float("nan")])
    b = cygrad.tensor([1.0 + 1e-7, 2.1, float("nan")])
    check(a.isclose(b), np.array([True, False, False]))
    check(a.isclose(b, equal_nan=True), np.array([True, False, True]))
    assert not a.allclose(b)
    assert cygrad.tensor([1.0, 2.0]).allclose(cygrad.tensor([1.0, 2.0 + 1e-9]))
    assert cygrad.tensor([1, 2]).equal(cygrad.tensor([1, 2]))
    assert not cygrad.tensor([1, 2]).equal(cygrad.tensor([1, 3]))
    assert not cygrad.tensor([1, 2]).equal(cygrad.tensor([[1, 2]]))


def test_large_contiguous_binary_and_unary():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(300_001).astype(np.float32)
    b = rng.standard_normal(300_001).astype(np.float32)
    ta, tb = from_np(a), from_np(b)
    check(ta + tb, a + b)
    check(ta * tb, a * b)
    check(cygrad.exp(ta), np.exp(a.astype(np.float64)).astype(np.float32), rtol=4e-6)
    check(ta[1::3] - tb[2::3], a[1::3] - b[2::3])
    m = a[:300_000].reshape(500, 600)
    tm = from_np(m)
    check(tm.t() + tm.t(), m.T + m.T)
    check(tm.t() + from_np(np.ascontiguousarray(m.T)), m.T + m.T)


def test_casts_between_all_dtypes():
    vals = np.array([-2.7, -1.0, 0.0, 0.4, 1.0, 3.9], np.float64)
    for src in ALL_DTYPES:
        sa = vals.astype(np_dtype(src))
        t = make_layout(sa, "negative")
        for dst in ALL_DTYPES:
            r = t.to(dst)
            assert r.dtype is dst
            check(r, sa.astype(np_dtype(dst)))
    f = cygrad.tensor([1.5])
    assert f.to(F32) is f
    assert f.to(F32, copy=True) is not f
    check(f.double(), np.array([1.5]))
    check(f.long(), np.array([1]))
    check(f.int(), np.array([1], np.int32))
    check(f.bool(), np.array([True]))
    check(cygrad.tensor([1]).float(), np.array([1.0], np.float32))
    check(f.to(cygrad.tensor([1])), np.array([1]))
    assert f.type() == "cygrad.FloatTensor"
    assert cygrad.tensor([1]).type() == "cygrad.LongTensor"


def test_copy_and_fill_into_views():
    a = np.zeros((4, 5))
    t = from_np(a)
    t[1:3, ::2].copy_(cygrad.tensor([1, 2, 3]))
    exp = np.zeros((4, 5))
    exp[1:3, ::2] = [1, 2, 3]
    check(t, exp)
    t.t()[4].fill_(7)
    exp[:, 4] = 7
    check(t, exp)
    v = t.view(20)
    v.copy_(cygrad.from_numpy(np.arange(20.0)[::-1].copy()))
    check(t, np.arange(20.0)[::-1].reshape(4, 5))
    t.copy_(t.t().contiguous().t().contiguous())  # same values
    check(t, np.arange(20.0)[::-1].reshape(4, 5))


def test_copy_overlapping_self():
    t = cygrad.arange(10, dtype=F64)
    t[1:].copy_(t[:-1])
    check(t, np.concatenate([[0.0], np.arange(9.0)]))


# ---------------------------------------------------------------------------- hypothesis
if given is not None:
    _LAYOUT_CHOICES = st.sampled_from(["contiguous", "transposed", "sliced", "negative",
                                       "numpy_sliced"])

    @given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                             min_side=0, max_side=5),
           _LAYOUT_CHOICES, _LAYOUT_CHOICES,
           st.sampled_from([np.float64, np.float32, np.int64, np.int32]), st.integers(0, 2**16))
    def test_hypothesis_add_mul_broadcast(shapes, la, lb, dt, seed):
        sa, sb = shapes.input_shapes
        rng = np.random.default_rng(seed)
        a = (rng.standard_normal(sa) * 10).astype(dt)
        b = (rng.standard_normal(sb) * 10).astype(dt)
        ta, tb = make_layout(a, la), make_layout(b, lb)
        check(ta + tb, a + b)
        check(ta * tb, a * b)
        check(tb - ta, b - a)

    @given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4,
                                             min_side=0, max_side=4),
           _LAYOUT_CHOICES, _LAYOUT_CHOICES, _LAYOUT_CHOICES, st.integers(0, 2**16))
    def test_hypothesis_where_broadcast(shapes, lc, la, lb, seed):
        sc, sa, sb = shapes.input_shapes
        rng = np.random.default_rng(seed)
        c = rng.random(sc) < 0.5
        a = rng.standard_normal(sa)
        b = rng.integers(-5, 5, size=sb).astype(np.int32)
        got = cygrad.where(make_layout(c, lc), make_layout(a, la), make_layout(b, lb))
        check(got, np.where(c, a, b))

    @given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), _LAYOUT_CHOICES,
           st.integers(0, 2**16))
    def test_hypothesis_inplace_add_into_layout(shape, la, seed):
        rng = np.random.default_rng(seed)
        a = rng.standard_normal(shape)
        b = rng.standard_normal(shape[-1:])
        t = make_layout(a, la)
        t += from_np(b)
        check(t, a + b)


# ---------------------------------------------------------------------------- tiled iteration
# Operands that disagree on their fastest dim, with two dims >= 32, take the tiled loop.
TILED_CASES = [
    ((40, 70), (1, 0)),
    ((70, 40), (1, 0)),
    ((3, 40, 70), (0, 2, 1)),
    ((40, 3, 70), (2, 1, 0)),
    ((2, 3, 33, 65), (0, 1, 3, 2)),
    ((33, 2, 65), (2, 0, 1)),
    ((64, 64), (1, 0)),
    ((100, 129), (1, 0)),
]


@pytest.mark.parametrize("shape, perm", TILED_CASES, ids=str)
@pytest.mark.parametrize("dtype", [F32, F64, I32, B], ids=dt_id)
def test_tiled_layouts(shape, perm, dtype):
    base = sample(shape, dtype, seed=len(shape))
    a = np.ascontiguousarray(base.transpose(perm))          # logical shape: shape permuted
    b = sample(a.shape, dtype, seed=7)
    ta = from_np(base).permute(*perm)                       # strided view with values a
    tb = from_np(b)                                         # contiguous
    assert not ta.is_contiguous()
    check(ta.contiguous(), a)
    check(ta.to(F64), a.astype(np.float64))
    check(ta == tb, a == b)  # bool output: a different itemsize from the inputs
    check(tb <= ta, b <= a)
    if dtype is B:
        check(ta | tb, a | b)
        check(cygrad.where(ta, tb, False), np.where(a, b, False))
    else:
        check(ta + tb, a + b)
        check(tb * ta, b * a)
        check(cygrad.maximum(ta, tb), np.maximum(a, b))
        check(cygrad.where(ta > tb, ta, tb), np.where(a > b, a, b))
        # broadcast operand with a zero stride
        row = sample(a.shape[-1:], dtype, seed=3)
        check(ta - from_np(row), a - row)
        col = sample(a.shape[:-1] + (1,), dtype, seed=4)
        check(ta + from_np(col).expand(*a.shape), a + col)
        # in place into the strided view: the base tensor sees the writes
        tbase = from_np(base)
        v = tbase.permute(*perm)
        v.add_(tb)
        check(v, a + b)
        check(tbase, (a + b).transpose(np.argsort(perm)))


@pytest.mark.parametrize("shape, perm", TILED_CASES, ids=str)
def test_tiled_out_is_strided(shape, perm):
    """The output is the transposed operand (in-place into a transposed view of a tensor)."""
    a = sample(shape, F64, seed=1)
    b = sample(tuple(shape[p] for p in perm), F64, seed=2)
    t = from_np(a)
    v = t.permute(*perm)
    v.mul_(from_np(b))
    check(t, a * b.transpose(np.argsort(perm)))
    u = from_np(a)
    u.permute(*perm).copy_(from_np(b))
    check(u, b.transpose(np.argsort(perm)))


# ------------------------------------------------------------------------ fmod, trunc division
@pytest.mark.parametrize("a, b, dt", [
    (1e17, 3.0, cygrad.float64), (5e7, 0.3, cygrad.float32), (3.0, float("inf"), cygrad.float64),
    (-7.5, 2.0, cygrad.float32), (7.5, -2.0, cygrad.float64), (-0.0, 1.0, cygrad.float64),
])
def test_fmod_is_c_fmod(a, b, dt):
    np_dt = np_dtype(dt)
    expected = np.fmod(np.array([a], dtype=np_dt), np_dt.type(b))
    check(cygrad.fmod(cygrad.tensor([a], dtype=dt), b), expected)
    check(cygrad.tensor([a], dtype=dt).fmod(cygrad.tensor([b], dtype=dt)), expected)


def test_fmod_integers_and_bools():
    x = cygrad.tensor([5, -7, 7, -8])
    assert cygrad.fmod(x, 2).tolist() == [1, -1, 1, 0]
    assert cygrad.fmod(x, -3).tolist() == [2, -1, 1, -2]
    assert cygrad.fmod(x, 2).dtype is cygrad.int64
    assert cygrad.fmod(cygrad.tensor([True, False]), 5).tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cygrad.fmod(x, 0)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        x.fmod(cygrad.tensor([1, 2, 0, 1]))
    y = x.clone()
    y.fmod_(3)
    assert y.tolist() == [2, -1, 1, -2]


def test_fmod_gradient():
    a = cygrad.tensor([5.0, -7.0, 2.5], dtype=cygrad.float64, requires_grad=True)
    b = cygrad.tensor([3.0, 2.0, -1.5], dtype=cygrad.float64, requires_grad=True)
    assert cygrad.autograd.gradcheck(cygrad.fmod, (a, b))
    assert cygrad.fmod(a, b).grad_fn.name() == "FmodBackward1"
    assert cygrad.fmod(a, 2.0).grad_fn.name() == "FmodBackward0"


def test_integer_trunc_division():
    x = cygrad.tensor([7, -7, 2 ** 62 + 1, -2 ** 63])
    assert x.div(2, rounding_mode="trunc").tolist() == [3, -3, 2 ** 61, -2 ** 62]
    assert x.div(-1, rounding_mode="trunc").tolist()[:3] == [-7, 7, -2 ** 62 - 1]
    assert x.div(2, rounding_mode="trunc").dtype is cygrad.int64
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cygrad.tensor([5]).div(0, rounding_mode="trunc")
    assert cygrad.tensor([5]).div(2.0, rounding_mode="trunc").tolist() == [2.0]


def test_fmod_and_trunc_match_torch():
    torch = pytest.importorskip("torch")
    for a, b in [(1e17, 3.0), (3.0, float("inf")), (-7.5, 2.0)]:
        assert cygrad.fmod(cygrad.tensor([a], dtype=cygrad.float64), b).tolist() == \
            torch.fmod(torch.tensor([a], dtype=torch.float64), b).tolist()
    assert cygrad.fmod(cygrad.tensor([5e7]), 0.3).tolist() == \
        torch.fmod(torch.tensor([5e7]), 0.3).tolist()
    ints = [5, -7, 7, -8]
    assert cygrad.fmod(cygrad.tensor(ints), -3).tolist() == \
        torch.fmod(torch.tensor(ints), -3).tolist()
    assert cygrad.tensor(ints).div(2, rounding_mode="trunc").tolist() == \
        torch.tensor(ints).div(2, rounding_mode="trunc").tolist()


# ------------------------------------------------------------------------ bool subtraction
@pytest.mark.parametrize("make", [
    lambda: cygrad.tensor([1]) - True, lambda: True - cygrad.tensor([1.0]),
    lambda: cygrad.tensor([1.0]) - np.bool_(True), lambda: cygrad.tensor([True]) - 1,
])
def test_subtracting_a_bool_is_refused(make):
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with"):
        make()


# ------------------------------------------------------------------------ empty outputs
@pytest.mark.parametrize("write", [
    lambda t: t.add_(1), lambda t: t.zero_(), lambda t: t.fill_(2.0),
    lambda t: t.__setitem__(Ellipsis, 1), lambda t: t.copy_(cygrad.ones(4, 0, dtype=t.dtype)),
    lambda t: t.exp_(),
])
def test_in_place_writes_to_empty_tensors_with_zero_strides(write):
    # NumPy gives empty arrays zero strides; an empty tensor has nothing to overlap
    t = cygrad.from_numpy(np.zeros((4, 0)))
    write(t)
    assert tuple(t.shape) == (4, 0)
    with pytest.raises(RuntimeError, match="single memory location"):
        cygrad.zeros(1).expand(3).add_(1)


def test_float32_erf_is_within_two_ulp_and_keeps_special_values():
    # the vectorised float32 erf (``cg_erff`` in _vecmath.h), contiguous and strided
    xs = np.concatenate([np.linspace(-6, 6, 400001), np.geomspace(1e-38, 6, 40001),
                         -np.geomspace(1e-38, 6, 40001)]).astype(np.float32)
    ref = np.array([math.erf(v) for v in xs.astype(np.float64)])
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    for got in (to_numpy(from_np(xs).erf()), to_numpy(from_np(np.repeat(xs, 2))[::2].erf())):
        err = np.abs(got.astype(np.float64) - ref) / ulp
        assert err.max() <= 2.0, f"{err.max():.2f} ulp at {xs[err.argmax()]!r}"
    sp = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-45, -1e-45, 1e-40, 4.0, 100.0],
                  np.float32)
    got = to_numpy(from_np(sp).erf())
    assert got[0] == 1.0 and got[1] == -1.0 and np.isnan(got[2])
    assert got[3] == 0.0 and np.signbit(got[3]) and not np.signbit(got[4])
    assert got[5] == np.float32(1e-45) and got[6] == -np.float32(1e-45)
    assert abs(got[7] - 1.1283792e-40) <= 3e-45 and got[8] == 1.0 and got[9] == 1.0


def test_float32_tanh_is_within_two_ulp_and_keeps_special_values():
    # the vectorised float32 tanh (``cg_tanhf`` in _vecmath.h), contiguous and strided
    xs = np.concatenate([np.linspace(-12, 12, 400001), np.geomspace(1e-38, 12, 40001),
                         -np.geomspace(1e-38, 12, 40001)]).astype(np.float32)
    ref = np.tanh(xs.astype(np.float64))
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    for got in (to_numpy(from_np(xs).tanh()), to_numpy(from_np(np.repeat(xs, 2))[::2].tanh())):
        err = np.abs(got.astype(np.float64) - ref) / ulp
        assert err.max() <= 2.0, f"{err.max():.2f} ulp at {xs[err.argmax()]!r}"
    sp = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 1e-45, -1e-45, 9.0, -100.0],
                  np.float32)
    got = to_numpy(from_np(sp).tanh())
    assert got[0] == 1.0 and got[1] == -1.0 and np.isnan(got[2])
    assert got[3] == 0.0 and np.signbit(got[3]) and not np.signbit(got[4])
    assert got[5] == np.float32(1e-45) and got[6] == -np.float32(1e-45)
    assert got[7] == np.float32(np.tanh(9.0)) and got[8] == -1.0


def test_numpy_style_aliases_are_pytorchs():
    # torch.arcsin is torch.asin, and so on, as functions, methods and in-place methods
    x = from_np(np.array([0.25, -0.5, 0.75]))
    for alias, name in [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arctanh", "atanh")]:
        want = to_numpy(getattr(cygrad, name)(x))
        assert np.array_equal(to_numpy(getattr(cygrad, alias)(x)), want)
        assert np.array_equal(to_numpy(getattr(x, alias)()), want)
        y = x.clone()
        getattr(y, alias + "_")()
        assert np.array_equal(to_numpy(y), want)
    big = from_np(np.array([1.5, 2.0]))
    assert np.array_equal(to_numpy(cygrad.arccosh(big)), to_numpy(big.acosh()))
    assert np.array_equal(to_numpy(cygrad.arctan2(x, big[:1])), to_numpy(x.atan2(big[:1])))
    assert np.array_equal(to_numpy(x.arctan2(big[:1])), to_numpy(cygrad.atan2(x, big[:1])))
    torch = pytest.importorskip("torch")
    for alias in ["arcsin", "arccos", "arctan", "arctan2", "arcsinh", "arccosh", "arctanh"]:
        assert hasattr(torch, alias) and hasattr(torch.Tensor, alias + "_")
