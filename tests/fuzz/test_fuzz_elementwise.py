"""Fuzz: binary and unary elementwise ops over random shapes, layouts, dtypes and scalars,
against NumPy computed in the result dtype (and PyTorch's result dtype when installed)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import cygrad
from fuzzutil import (NP_DTYPES, VIEWS, as_view, assert_same, fuzz, seeds, shapes, torch_or_none,
                      values)

BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal, "lt": np.less,
    "ge": np.greater_equal, "fmod": np.fmod, "remainder": np.remainder,
    "floor_divide": np.floor_divide, "atan2": np.arctan2,
}
DIVISIONS = {"fmod", "remainder", "floor_divide"}
SCALARS = st.one_of(st.integers(-5, 5), st.floats(-8, 8, width=32), st.booleans())


def _call(fn, *args):
    """``(result, None)`` or ``(None, exception)`` for the errors an op may raise."""
    try:
        return fn(*args), None
    except (RuntimeError, TypeError, ValueError, IndexError) as e:
        return None, e


@fuzz
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0,
                                         max_side=4),
       st.sampled_from(NP_DTYPES), st.sampled_from(NP_DTYPES), st.sampled_from(VIEWS),
       st.sampled_from(VIEWS), st.sampled_from(sorted(BINARY)), seeds)
def test_binary_tensor_tensor(shapes, da, db, va, vb, name, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a, b = values(rng, sa, da), values(rng, sb, db)
    got, err = _call(getattr(cygrad, name), as_view(a, va, rng), as_view(b, vb, rng))
    torch = torch_or_none()
    if torch is not None:           # PyTorch is the reference: values, dtype and errors
        expected, terr = _call(getattr(torch, name), torch.from_numpy(a.copy()),
                               torch.from_numpy(b.copy()))
        assert (err is None) == (terr is None), (err, terr)
        if err is None:
            assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
            assert_same(got, expected.numpy())
        return
    # NumPy in the result dtype; the error cases are PyTorch's rules
    rdt = np.dtype(str(cygrad.promote_types(cygrad.from_numpy(a.copy()).dtype,
                                            cygrad.from_numpy(b.copy()).dtype)).split(".")[1])
    if name in ("div", "atan2") and rdt.kind != "f":
        rdt = np.dtype(np.float32)
    out_size = int(np.prod(shapes.result_shape))
    if name == "sub" and np.bool_ in (da, db):
        assert err is not None and "Subtraction" in str(err)
    elif rdt == np.bool_ and name in ("div", "fmod", "remainder", "floor_divide", "atan2",
                                       "sub"):
        assert err is not None or name == "div"
    elif name in DIVISIONS and rdt.kind == "i" and out_size and (b == 0).any():
        assert err is not None and "ZeroDivisionError" in str(err)
    elif name in ("remainder", "floor_divide") and not (np.isfinite(a).all() and
                                                         np.isfinite(b).all()):
        pass                        # NumPy's specials differ from PyTorch's here
    else:
        assert err is None, err
        with np.errstate(all="ignore"):
            assert_same(got, BINARY[name](a.astype(rdt), b.astype(rdt)))


@fuzz
@given(shapes_a=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
       da=st.sampled_from(NP_DTYPES), scalar=SCALARS, name=st.sampled_from(
           ["add", "mul", "maximum", "eq", "lt", "fmod", "remainder"]), reflected=st.booleans(),
       seed=seeds)
def test_binary_tensor_scalar(shapes_a, da, scalar, name, reflected, seed):
    rng = np.random.default_rng(seed)
    a = values(rng, shapes_a, da)
    ta = as_view(a, "stepped", rng)
    torch = torch_or_none()
    fn = getattr(cygrad, name)
    args = (scalar, ta) if reflected else (ta, scalar)
    if name in ("fmod", "remainder") and reflected:
        return                      # PyTorch's functions take the tensor first
    got, err = _call(fn, *args)
    if torch is None:
        return                      # scalar promotion is PyTorch's rule: no NumPy reference
    tt = torch.from_numpy(np.array(a))
    expected, terr = _call(getattr(torch, name), *((scalar, tt) if reflected else (tt, scalar)))
    if isinstance(terr, TypeError) and err is None:
        return                      # torch.maximum(t, 2) is refused; cygrad takes numbers
    assert (err is None) == (terr is None), (err, terr)
    if err is None:
        assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
        assert_same(got, expected.numpy(), rtol=1e-5)


UNARY = {"neg": np.negative, "abs": np.abs, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
         "tanh": np.tanh, "sin": np.sin, "floor": np.floor, "sign": np.sign,
         "isnan": np.isnan, "logical_not": np.logical_not}


@fuzz
@given(shapes, st.sampled_from(NP_DTYPES[1:]), st.sampled_from(VIEWS),
       st.sampled_from(sorted(UNARY)), seeds)
def test_unary(shape, dt, view, name, seed):
    rng = np.random.default_rng(seed)
    a = values(rng, shape, dt)
    t = as_view(a, view, rng)
    if name in ("exp", "log", "sqrt", "tanh", "sin") and a.dtype.kind != "f":
        a = a.astype(np.float32)
    with np.errstate(all="ignore"):
        expected = UNARY[name](a)
    if name == "sign":
        expected = np.where(np.isnan(expected), 0, expected)    # PyTorch: sign(nan) == 0
    assert_same(getattr(cygrad, name)(t), expected, rtol=1e-5)


@fuzz
@given(st.integers(2, 9), st.integers(1, 4), st.sampled_from(["add_", "mul_", "copy_"]),
       st.booleans(), seeds)
def test_in_place_on_overlapping_views(n, shift, op, forward, seed):
    # x[shift:] op= x[:-shift] (and the reverse): the result is as if the right side had
    # been copied first, as NumPy and PyTorch guarantee
    rng = np.random.default_rng(seed)
    a = rng.integers(-5, 5, size=n + shift).astype(np.float64)
    x = cygrad.from_numpy(a.copy())
    dst, src = (slice(shift, None), slice(None, -shift)) if forward else \
        (slice(None, -shift), slice(shift, None))
    expected = a.copy()
    if op == "add_":
        expected[dst] = a[dst] + a[src]
    elif op == "mul_":
        expected[dst] = a[dst] * a[src]
    else:
        expected[dst] = a[src]
    getattr(x[dst], op)(x[src])
    assert_same(x, expected)
