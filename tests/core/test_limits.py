"""Inputs at and past the core's limits raise clear Python errors, never crash or wrap.

The rank limit (16 dims) on every path that builds a shape, nesting depth of Python data,
shape and stride products that would overflow, and values an integer dtype cannot hold.
Each case here crashed the interpreter or returned garbage before; the crashing ones run in
a child process so a regression shows as a failed test, not a dead test run.
"""
import numpy as np
import pytest

import cygrad
from conftest import run_child

MAX_NDIM = 16


# ------------------------------------------------------------------------ rank limit
@pytest.mark.parametrize("key", [
    (None, None, Ellipsis), (None, Ellipsis), (Ellipsis, None), (None,) * 2,
    (None, cygrad.ones(2, 2, dtype=cygrad.bool), Ellipsis),
])
def test_indexing_past_16_dims_raises(key):
    x = cygrad.zeros(*[2] * MAX_NDIM)
    with pytest.raises(IndexError, match="at most 16 dimensions"):
        x[key]


def test_indexing_past_16_dims_does_not_crash_in_a_child():
    rc, out = run_child("""
        import cygrad
        x = cygrad.zeros(*[2] * 16)
        for key in [(None, None, ...), (None, ...)]:
            try:
                x[key]
            except IndexError as e:
                print("IndexError", e)
    """)
    assert rc == 0, out
    assert out.count("IndexError") == 2


def test_indexing_up_to_16_dims_has_right_strides():
    x = cygrad.zeros(*[2] * 15)
    y = x[None, ...]
    a = np.zeros([2] * 15, dtype=np.float32)[None, ...]
    assert tuple(y.shape) == a.shape
    assert y.stride()[1:] == tuple(s // 4 for s in a.strides[1:])
    z = x[..., None]
    assert tuple(z.shape) == (2,) * 15 + (1,)


def test_deep_nested_list_raises_before_recursing():
    rc, out = run_child("""
        import cygrad
        data = 1.0
        for _ in range(40000):
            data = [data]
        try:
            cygrad.tensor(data)
        except ValueError as e:
            print("ValueError", e)
    """)
    assert rc == 0, out
    assert "ValueError too many dimensions" in out


def test_nested_list_at_the_limit():
    data = 1.0
    for _ in range(MAX_NDIM):
        data = [data]
    assert cygrad.tensor(data).ndim == MAX_NDIM
    with pytest.raises(ValueError, match="too many dimensions"):
        cygrad.tensor([data])


# ------------------------------------------------------------------------ shape / stride overflow
@pytest.mark.parametrize("stride", [2 ** 61, 2 ** 62, -2 ** 61, 2 ** 60, 2 ** 59 + 1])
def test_as_strided_extent_overflow(stride):
    with pytest.raises(RuntimeError, match="Storage size calculation overflowed"):
        cygrad.zeros(4).as_strided((3,), (stride,), 3 if stride < 0 else 0)


def test_as_strided_out_of_bounds_and_in_bounds():
    x = cygrad.arange(8.0)
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.as_strided((3,), (4,))
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.as_strided((2,), (-1,))
    with pytest.raises(RuntimeError, match="invalid storage offset"):
        x.as_strided((1,), (1,), -1)
    assert x.as_strided((2,), (7,)).tolist() == [0.0, 7.0]
    assert x.as_strided((2,), (-3,), 3).tolist() == [3.0, 0.0]
    assert x.as_strided((0,), (2 ** 62,)).shape == (0,)      # no element, no reach


def test_as_strided_overflow_in_a_child():
    rc, out = run_child("""
        import cygrad
        for st in (2 ** 61, 2 ** 62):
            try:
                print(cygrad.zeros(4).as_strided((3,), (st,)).tolist())
            except RuntimeError as e:
                print("RuntimeError", e)
    """)
    assert rc == 0, out
    assert out.count("RuntimeError Storage size calculation overflowed") == 2


@pytest.mark.parametrize("shape", [(2, 2 ** 62 + 1, 2), (2 ** 62, 4), (-1, 2 ** 62, 4),
                                   (2 ** 32, 2 ** 32, 2 ** 32)])
def test_view_and_reshape_shape_overflow(shape):
    x = cygrad.arange(4.0)
    with pytest.raises(RuntimeError, match="is invalid for input of size 4"):
        x.view(*shape)
    with pytest.raises(RuntimeError, match="is invalid for input of size 4"):
        x.reshape(*shape)


def test_view_with_zero_sizes_after_huge_ones():
    x = cygrad.zeros(0)
    assert x.view(2 ** 62, 0).shape == (2 ** 62, 0)
    assert x.reshape(0, 2 ** 40, 2 ** 40).shape == (0, 2 ** 40, 2 ** 40)


@pytest.mark.parametrize("sizes", [(2 ** 33, 2 ** 31), (2 ** 62, 4), (2 ** 21,) * 3])
def test_expand_numel_overflow(sizes):
    with pytest.raises(RuntimeError, match="overflow"):
        cygrad.zeros([1] * len(sizes)).expand(*sizes)


def test_expand_large_but_representable():
    y = cygrad.zeros(1, 1).expand(2 ** 20, 2 ** 20)
    assert y.shape == (2 ** 20, 2 ** 20) and y.stride() == (0, 0)


# ------------------------------------------------------------------------ integer conversion
INT32_BAD = [2 ** 40, 2 ** 31, -2 ** 31 - 1, 1e10, float("nan"), float("inf")]


@pytest.mark.parametrize("value", INT32_BAD)
def test_int32_values_that_do_not_fit_raise(value):
    msg = "value cannot be converted to type int32 without overflow"
    with pytest.raises(RuntimeError, match=msg):
        cygrad.tensor([value], dtype=cygrad.int32)
    with pytest.raises(RuntimeError, match=msg):
        cygrad.zeros(2, dtype=cygrad.int32).fill_(value)
    with pytest.raises(RuntimeError, match=msg):
        cygrad.full((2,), value, dtype=cygrad.int32)
    x = cygrad.zeros(2, dtype=cygrad.int32)
    with pytest.raises(RuntimeError, match=msg):
        x[0] = value
    with pytest.raises(RuntimeError, match=msg):
        x[[0, 1]] = value
    with pytest.raises(RuntimeError, match=msg):
        x.masked_fill_(cygrad.tensor([True, False]), value)
    assert x.tolist() == [0, 0]


@pytest.mark.parametrize("value", [2 ** 63, -2 ** 63 - 1, float("nan"), 1e19])
def test_int64_values_that_do_not_fit_raise(value):
    msg = "value cannot be converted to type int64 without overflow"
    with pytest.raises(RuntimeError, match=msg):
        cygrad.tensor([value], dtype=cygrad.int64)
    with pytest.raises(RuntimeError, match=msg):
        cygrad.zeros(2, dtype=cygrad.int64).fill_(value)


def test_integer_bounds_are_accepted():
    assert cygrad.tensor([2 ** 31 - 1, -2 ** 31], dtype=cygrad.int32).tolist() == \
        [2 ** 31 - 1, -2 ** 31]
    x = cygrad.zeros(2, dtype=cygrad.int64)
    x[0] = -2 ** 63
    x[1] = 2 ** 63 - 1
    assert x.tolist() == [-2 ** 63, 2 ** 63 - 1]
    assert cygrad.zeros(1, dtype=cygrad.int32).fill_(2.9).tolist() == [2]


def test_arithmetic_operands_wrap_as_in_pytorch():
    # a number as an operand of arithmetic is converted with wrap-around, as PyTorch does
    assert (cygrad.zeros(2, dtype=cygrad.int32) + 2 ** 40).tolist() == [0, 0]


def test_integer_overflow_matches_torch():
    torch = pytest.importorskip("torch")
    for value in INT32_BAD:
        with pytest.raises(RuntimeError, match="without overflow"):
            torch.tensor([value], dtype=torch.int32)
        with pytest.raises(RuntimeError, match="without overflow"):
            torch.zeros(2, dtype=torch.int32).fill_(value)
    assert (torch.zeros(2, dtype=torch.int32) + 2 ** 40).tolist() == [0, 0]
