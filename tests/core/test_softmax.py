"""The fused softmax kernel (``cygrad._core._softmax``) behind ``softmax``/``log_softmax``
and attention: values against NumPy, edge cases against PyTorch's rules, the backward
against the closed form."""
import numpy as np
import pytest

import cygrad
from cygrad._core import _softmax
from conftest import from_np, to_numpy


def np_softmax(x, dim, log=False, scale=1.0):
    z = scale * x.astype(np.float64)
    m = z.max(axis=dim, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=dim, keepdims=True)
    return (z - m - np.log(s)) if log else e / s


@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-6), (np.float64, 1e-13)])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 40), (4, 1, 6), (2, 33, 3)])
@pytest.mark.parametrize("log", [False, True])
def test_every_dim_matches_numpy(dtype, tol, shape, log):
    a = np.random.default_rng(1).standard_normal(shape).astype(dtype) * 4
    for dim in range(-len(shape), len(shape)):
        got = to_numpy(_softmax.forward(from_np(a), dim, log))
        assert got.dtype == dtype
        np.testing.assert_allclose(got, np_softmax(a, dim, log), rtol=tol, atol=tol)


def test_scale_inside_the_exponent_and_a_negative_scale():
    a = np.random.default_rng(2).standard_normal((3, 50)).astype(np.float32)
    for scale in (0.125, 3.0, -0.5):
        got = to_numpy(_softmax.forward(from_np(a), -1, False, scale))
        np.testing.assert_allclose(got, np_softmax(a, -1, scale=scale), rtol=2e-6, atol=1e-7)


def test_non_contiguous_and_negative_stride_inputs():
    a = np.random.default_rng(3).standard_normal((6, 8)).astype(np.float32)
    x = from_np(a)
    t = x.t()                                    # column-major view
    np.testing.assert_allclose(to_numpy(_softmax.forward(t, 1)), np_softmax(a.T, 1),
                               rtol=2e-6, atol=1e-7)
    r = x.flip(1)                                # negative strides
    np.testing.assert_allclose(to_numpy(_softmax.forward(r, 1)), np_softmax(a[:, ::-1], 1),
                               rtol=2e-6, atol=1e-7)
    e = cygrad.tensor([0.5, -1.0]).expand(3, 2)  # zero stride
    np.testing.assert_allclose(to_numpy(_softmax.forward(e, 1)),
                               np.tile(np_softmax(np.array([0.5, -1.0]), 0), (3, 1)),
                               rtol=2e-6)


def test_huge_logits_stay_finite():
    x = cygrad.tensor([[1e4, 0.0, -1e4], [3e38, 3e38, 0.0]])
    np.testing.assert_allclose(to_numpy(_softmax.forward(x, 1)),
                               [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-7)
    assert to_numpy(_softmax.forward(x, 1, True))[0].tolist() == [0.0, -1e4, -2e4]


def test_empty_zero_d_and_inf_rows():
    assert _softmax.forward(cygrad.zeros(0, 3), 1).shape == (0, 3)
    assert _softmax.forward(cygrad.zeros(3, 0), 1).shape == (3, 0)
    assert _softmax.forward(cygrad.tensor(2.5), 0).item() == 1.0
    assert _softmax.forward(cygrad.tensor(2.5), 0, True).item() == 0.0
    inf = float("inf")
    x = cygrad.tensor([[-inf, -inf], [0.0, -inf], [inf, 0.0], [float("nan"), 0.0]])
    got = to_numpy(_softmax.forward(x, 1))
    assert np.isnan(got[0]).all()                # torch.softmax: all -inf rows are NaN
    assert got[1].tolist() == [1.0, 0.0]
    assert np.isnan(got[2, 0]) and np.isnan(got[3]).all()
    # attention's rule: a row with nothing to attend to gives zeros
    assert to_numpy(_softmax.forward(x[:1], 1, False, 1.0, 0, True)).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("L,S", [(5, 5), (3, 7), (7, 3)])
def test_causal_keeps_the_lower_triangle_aligned_top_left(L, S):
    a = np.random.default_rng(4).standard_normal((2, 3, L, S)).astype(np.float32)
    keep = np.tril(np.ones((L, S), bool))
    z = np.where(keep, 0.5 * a, -np.inf)
    got = to_numpy(_softmax.forward(from_np(a), -1, False, 0.5, L))
    np.testing.assert_allclose(got, np_softmax(z, -1), rtol=2e-6, atol=1e-7)
    assert (got[..., ~keep] == 0).all()


def test_causal_is_refused_where_it_has_no_meaning():
    with pytest.raises(RuntimeError, match="last dim"):
        _softmax.forward(cygrad.zeros(3, 4), 0, False, 1.0, 3)
    with pytest.raises(RuntimeError, match="last dim"):
        _softmax.forward(cygrad.zeros(4), 0, False, 1.0, 4)
    with pytest.raises(RuntimeError, match="floating point"):
        _softmax.forward(cygrad.zeros(4, dtype=cygrad.int64), 0)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_backward_is_the_closed_form(log, dim):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4, 5))
    g = rng.standard_normal((3, 4, 5))
    y = np_softmax(a, dim, log, 0.7)
    if log:
        want = g - np.exp(y) * g.sum(dim, keepdims=True)
        got = _softmax.backward(from_np(g), from_np(y), dim, True)
    else:
        want = 0.7 * y * (g - (g * y).sum(dim, keepdims=True))
        got = _softmax.backward(from_np(g), from_np(y), dim, False, 0.7)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-14)


def test_backward_checks_its_operands():
    y = cygrad.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"shape \[3, 2\]"):
        _softmax.backward(cygrad.zeros(3, 2), y, 1)
    with pytest.raises(RuntimeError, match="does not match"):
        _softmax.backward(cygrad.zeros(2, 3, dtype=cygrad.float64), y, 1)


def test_threaded_rows_agree_with_one_thread():
    a = np.random.default_rng(6).standard_normal((64, 300)).astype(np.float32)
    before = cygrad.get_num_threads()
    try:
        cygrad.set_num_threads(1)
        one = to_numpy(_softmax.forward(from_np(a), 1))
        cygrad.set_num_threads(2)
        two = to_numpy(_softmax.forward(from_np(a), 1))
    finally:
        cygrad.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


def test_matches_torch_on_the_same_inputs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(7).standard_normal((4, 6, 9)).astype(np.float32) * 3
    for dim in (0, 1, 2):
        np.testing.assert_allclose(to_numpy(cygrad.softmax(from_np(a), dim)),
                                   torch.softmax(torch.from_numpy(a), dim).numpy(),
                                   rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(to_numpy(cygrad.log_softmax(from_np(a), dim)),
                                   torch.log_softmax(torch.from_numpy(a), dim).numpy(),
                                   rtol=1e-6, atol=1e-6)
