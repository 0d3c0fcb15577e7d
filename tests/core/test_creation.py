"""Creating tensors: tensor() from data, filled tensors, ranges, *_like, random, sizes."""
import math

import numpy as np
import pytest

import cygrad
from conftest import ALL_DTYPES, check, np_dtype, torch_dtype


# ---------------------------------------------------------------------------- tensor(data)
@pytest.mark.parametrize("data, dtype, expected", [
    ([1.0, 2.0, 3.0], cygrad.float32, np.array([1, 2, 3], np.float32)),
    ([1, 2, 3], cygrad.int64, np.array([1, 2, 3], np.int64)),
    ([True, False], cygrad.bool, np.array([True, False])),
    ([1, 2.5], cygrad.float32, np.array([1, 2.5], np.float32)),
    ([[1, 2], [3.5, 4]], cygrad.float32, np.array([[1, 2], [3.5, 4]], np.float32)),
    ([True, 2], cygrad.int64, np.array([1, 2], np.int64)),
    ([True, 2.0], cygrad.float32, np.array([1, 2], np.float32)),
    (((1, 2), (3, 4)), cygrad.int64, np.array([[1, 2], [3, 4]], np.int64)),
    ([(1, 2), [3, 4]], cygrad.int64, np.array([[1, 2], [3, 4]], np.int64)),
    (3, cygrad.int64, np.array(3, np.int64)),
    (3.5, cygrad.float32, np.array(3.5, np.float32)),
    (True, cygrad.bool, np.array(True)),
    ([], cygrad.float32, np.zeros((0,), np.float32)),
    ([[]], cygrad.float32, np.zeros((1, 0), np.float32)),
    ([[], []], cygrad.float32, np.zeros((2, 0), np.float32)),
    ([[[1], [2]], [[3], [4]]], cygrad.int64, np.array([[[1], [2]], [[3], [4]]], np.int64)),
    ([float("nan"), float("inf"), -float("inf")], cygrad.float32,
     np.array([np.nan, np.inf, -np.inf], np.float32)),
    ([-2**63, 2**63 - 1], cygrad.int64, np.array([-2**63, 2**63 - 1], np.int64)),
])
def test_tensor_dtype_inference(data, dtype, expected):
    t = cygrad.tensor(data)
    assert t.dtype is dtype
    check(t, expected)


def test_tensor_empty_list_is_float32_1d():
    t = cygrad.tensor([])
    assert t.dtype is cygrad.float32
    assert tuple(t.shape) == (0,)
    assert t.numel() == 0 and t.ndim == 1


def test_tensor_scalar_is_0d():
    t = cygrad.tensor(2.5)
    assert t.ndim == 0 and tuple(t.shape) == () and t.numel() == 1
    assert t.item() == 2.5


def test_tensor_follows_default_dtype():
    cygrad.set_default_dtype(cygrad.float64)
    assert cygrad.tensor([1.5]).dtype is cygrad.float64
    assert cygrad.tensor([1, 2]).dtype is cygrad.int64
    assert cygrad.get_default_dtype() is cygrad.float64
    cygrad.set_default_dtype(cygrad.float32)
    assert cygrad.tensor([1.5]).dtype is cygrad.float32


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError):
        cygrad.set_default_dtype(cygrad.int64)
    assert cygrad.get_default_dtype() is cygrad.float32


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=repr)
def test_tensor_explicit_dtype(dtype):
    data = [[0, 1.0, -2.0], [3.0, 0.0, 5.0]]
    t = cygrad.tensor(data, dtype=dtype)
    assert t.dtype is dtype
    check(t, np.array(data).astype(np_dtype(dtype)))


def test_tensor_explicit_int_dtype_truncates_floats():
    check(cygrad.tensor([1.7, -1.7, 2.5], dtype=cygrad.int64), np.array([1, -1, 2], np.int64))
    check(cygrad.tensor([0, 2, -1], dtype=cygrad.bool), np.array([False, True, True]))


@pytest.mark.parametrize("arr", [
    np.arange(6, dtype=np.float32).reshape(2, 3),
    np.arange(6, dtype=np.float64).reshape(3, 2),
    np.arange(4, dtype=np.int32),
    np.arange(4, dtype=np.int64),
    np.array([True, False, True]),
    np.array(2.5),
    np.arange(12.0).reshape(3, 4)[::2, ::-1],
    np.zeros((0, 3)),
], ids=lambda a: f"{a.dtype}{a.shape}")
def test_tensor_from_numpy_array_copies_and_keeps_dtype(arr):
    t = cygrad.tensor(arr)
    check(t, arr)
    if arr.size:
        before = arr.copy()
        t.fill_(1)
        np.testing.assert_array_equal(arr, before)  # a copy, not a view


def test_tensor_from_numpy_with_dtype():
    check(cygrad.tensor(np.arange(3), dtype=cygrad.float32), np.arange(3, dtype=np.float32))


def test_tensor_of_tensor_warns_and_copies():
    a = cygrad.tensor([1.0, 2.0])
    with pytest.warns(UserWarning):
        b = cygrad.tensor(a)
    b[0] = 5
    check(a, np.array([1, 2], np.float32))


@pytest.mark.parametrize("data", [
    [[1, 2], [3]],
    [[1, 2], [3, 4, 5]],
    [[[1, 2], [3, 4]], [[5, 6]]],
    [[1], 2],
])
def test_tensor_ragged_raises_value_error(data):
    exc = (ValueError, TypeError) if data == [[1], 2] else ValueError
    with pytest.raises(exc):
        cygrad.tensor(data)


@pytest.mark.parametrize("data", ["abc", ["a", "b"], [1, "2"], [[1.0], ["x"]]])
def test_tensor_strings_raise_type_error(data):
    with pytest.raises(TypeError):
        cygrad.tensor(data)


def test_tensor_none_raises():
    with pytest.raises((TypeError, RuntimeError)):
        cygrad.tensor([1, None])


def test_tensor_int_overflow_raises():
    with pytest.raises((RuntimeError, ValueError, OverflowError)):
        cygrad.tensor([2**70])


def test_tensor_bad_dtype_argument():
    with pytest.raises(TypeError):
        cygrad.tensor([1, 2], dtype="float32")


@pytest.mark.parametrize("data", [
    [1.0, 2.0], [1, 2], [True, False], [1, 2.5], 3, 3.5, True, [], [[]],
    np.array([1, 2], dtype=np.int32), np.array(2.5), np.float64(2.5), [np.float64(2.5), 1],
    np.array([1.5, 2.5], dtype=np.float32), [np.int32(1), 2],
])
def test_tensor_dtype_inference_matches_torch(data):
    torch = pytest.importorskip("torch")
    expected = torch.tensor(data)
    t = cygrad.tensor(data)
    assert repr(t.dtype).split(".")[1] == str(expected.dtype).split(".")[1], data
    check(t, expected.numpy())


# ---------------------------------------------------------------------------- filled
@pytest.mark.parametrize("fn, value", [(cygrad.zeros, 0), (cygrad.ones, 1)])
@pytest.mark.parametrize("size_args", [(2, 3), ((2, 3),), ([2, 3],), (cygrad.Size([2, 3]),),
                                       (4,), ((),), (0, 3)])
def test_zeros_ones_sizes(fn, value, size_args):
    t = fn(*size_args)
    shape = size_args[0] if len(size_args) == 1 and not isinstance(size_args[0], int) \
        else size_args
    expected = np.full(tuple(shape), value, dtype=np.float32)
    check(t, expected)
    assert t.is_contiguous()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=repr)
def test_zeros_ones_dtype(dtype):
    check(cygrad.zeros(2, 2, dtype=dtype), np.zeros((2, 2), np_dtype(dtype)))
    check(cygrad.ones(3, dtype=dtype), np.ones(3, np_dtype(dtype)))


def test_zeros_is_really_zero_after_reuse():
    for _ in range(3):
        a = cygrad.empty(1000)
        a.fill_(7)
        del a
        check(cygrad.zeros(1000), np.zeros(1000, np.float32))


@pytest.mark.parametrize("value, dtype", [(3, cygrad.int64), (3.0, cygrad.float32),
                                          (True, cygrad.bool), (-2.5, cygrad.float32)])
def test_full_infers_dtype(value, dtype):
    t = cygrad.full((2, 3), value)
    assert t.dtype is dtype
    check(t, np.full((2, 3), value, dtype=np_dtype(dtype)))


def test_full_explicit_dtype_and_int_size():
    check(cygrad.full((2,), 7, dtype=cygrad.float64), np.full(2, 7.0))
    check(cygrad.full(3, 1.5), np.full(3, 1.5, np.float32))
    check(cygrad.full((), 4), np.array(4, np.int64))


def test_full_rejects_non_number():
    with pytest.raises(TypeError):
        cygrad.full((2,), "x")


def test_empty_shape_and_dtype():
    t = cygrad.empty(3, 4, dtype=cygrad.int32)
    assert tuple(t.shape) == (3, 4) and t.dtype is cygrad.int32 and t.is_contiguous()
    assert t.stride() == (4, 1)
    assert cygrad.empty(0).numel() == 0
    assert cygrad.empty((2, 0, 3)).shape == (2, 0, 3)


def test_like_functions():
    base = cygrad.tensor([[1, 2, 3], [4, 5, 6]], dtype=cygrad.int32)
    check(cygrad.zeros_like(base), np.zeros((2, 3), np.int32))
    check(cygrad.ones_like(base), np.ones((2, 3), np.int32))
    check(cygrad.full_like(base, 2.7), np.full((2, 3), 2, np.int32))
    check(cygrad.zeros_like(base, dtype=cygrad.float64), np.zeros((2, 3)))
    e = cygrad.empty_like(base)
    assert e.shape == base.shape and e.dtype is cygrad.int32
    f = cygrad.tensor([1.0, 2.0])
    check(cygrad.ones_like(f.expand(3, 2)), np.ones((3, 2), np.float32))
    r = cygrad.rand_like(cygrad.zeros(4, 5, dtype=cygrad.float64))
    assert r.shape == (4, 5) and r.dtype is cygrad.float64
    rn = cygrad.randn_like(cygrad.zeros(4, 5))
    assert rn.shape == (4, 5) and rn.dtype is cygrad.float32
    ri = cygrad.randint_like(base, 3, 7)
    assert ri.shape == (2, 3) and ri.dtype is cygrad.int32
    v = to_list_flat(ri)
    assert all(3 <= x < 7 for x in v)


def to_list_flat(t):
    return list(np.asarray(t.tolist()).ravel())


# ---------------------------------------------------------------------------- arange
@pytest.mark.parametrize("args, expected", [
    ((5,), np.arange(5)),
    ((2, 7), np.arange(2, 7)),
    ((0, 5, 2), np.arange(0, 5, 2)),
    ((5, 0, -1), np.arange(5, 0, -1)),
    ((10, -3, -4), np.arange(10, -3, -4)),
    ((-3, 3, 2), np.arange(-3, 3, 2)),
    ((5, 5), np.arange(5, 5)),
    ((0,), np.arange(0)),
])
def test_arange_int(args, expected):
    t = cygrad.arange(*args)
    assert t.dtype is cygrad.int64
    check(t, expected.astype(np.int64))


@pytest.mark.parametrize("args, expected", [
    ((0, 1, 0.25), [0, 0.25, 0.5, 0.75]),
    ((1.0, 0.0, -0.25), [1.0, 0.75, 0.5, 0.25]),
    ((0.5, 3), [0.5, 1.5, 2.5]),
    ((3.0,), [0.0, 1.0, 2.0]),
    ((0, 1, 0.1), np.arange(0, 1, 0.1)),
    ((-1, 1, 0.5), [-1, -0.5, 0, 0.5]),
])
def test_arange_float(args, expected):
    t = cygrad.arange(*args)
    assert t.dtype is cygrad.float32
    check(t, np.asarray(expected, dtype=np.float32), rtol=1e-6, atol=1e-7)


def test_arange_dtype_argument():
    check(cygrad.arange(5, dtype=cygrad.float64), np.arange(5.0))
    check(cygrad.arange(4, dtype=cygrad.int32), np.arange(4, dtype=np.int32))


@pytest.mark.parametrize("args", [(0, 10, 0), (0, 10, -1), (10, 0, 1), (0.0, 1.0, 0.0)])
def test_arange_errors(args):
    with pytest.raises(RuntimeError):
        cygrad.arange(*args)


@pytest.mark.parametrize("args", [(5,), (0, 5, 2), (5, 0, -1), (0, 1, 0.1), (0.5, 3),
                                  (1.0, 0.0, -0.3), (-2, 2, 0.5)])
def test_arange_matches_torch(args):
    torch = pytest.importorskip("torch")
    expected = torch.arange(*args)
    t = cygrad.arange(*args)
    check(t, expected.numpy())


# ---------------------------------------------------------------------------- linspace / eye
@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-1, 1, 5), (0, 1, 1), (0, 1, 0),
                                               (3, -3, 7), (0, 10, 11), (1e-3, 1e3, 4)])
def test_linspace(start, end, steps):
    t = cygrad.linspace(start, end, steps)
    assert t.dtype is cygrad.float32
    check(t, np.linspace(start, end, steps).astype(np.float32), rtol=1e-6, atol=1e-7)
    if steps >= 2:
        assert t[0].item() == np.float32(start) and t[-1].item() == np.float32(end)


def test_linspace_dtype_and_errors():
    check(cygrad.linspace(0, 1, 3, dtype=cygrad.float64), np.linspace(0, 1, 3))
    check(cygrad.linspace(0, 10, 5, dtype=cygrad.int64), np.array([0, 2, 5, 7, 10], np.int64))
    with pytest.raises(RuntimeError):
        cygrad.linspace(0, 1, -1)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1,), (3, 0)])
def test_eye(args):
    t = cygrad.eye(*args)
    assert t.dtype is cygrad.float32
    check(t, np.eye(*args, dtype=np.float32))


def test_eye_dtype_and_errors():
    check(cygrad.eye(3, dtype=cygrad.int64), np.eye(3, dtype=np.int64))
    check(cygrad.eye(2, 3, dtype=cygrad.bool), np.eye(2, 3, dtype=bool))
    with pytest.raises(RuntimeError):
        cygrad.eye(-1)
    with pytest.raises(RuntimeError):
        cygrad.eye(2, -1)


# ---------------------------------------------------------------------------- random
def test_rand_shape_dtype_range():
    cygrad.manual_seed(0)
    t = cygrad.rand(100, 50)
    assert t.shape == (100, 50) and t.dtype is cygrad.float32
    a = t.numpy()
    assert a.min() >= 0 and a.max() < 1
    assert 0.45 < a.mean() < 0.55
    t64 = cygrad.rand((10,), dtype=cygrad.float64)
    assert t64.dtype is cygrad.float64 and t64.shape == (10,)
    assert cygrad.rand(()).shape == ()


def test_randn_shape_dtype_stats():
    cygrad.manual_seed(0)
    t = cygrad.randn(200, 100)
    assert t.shape == (200, 100) and t.dtype is cygrad.float32
    a = t.numpy().astype(np.float64)
    assert abs(a.mean()) < 0.05 and 0.95 < a.std() < 1.05
    assert cygrad.randn(2, 3, dtype=cygrad.float64).dtype is cygrad.float64


def test_rand_int_dtype_raises():
    with pytest.raises((RuntimeError, NotImplementedError)):
        cygrad.rand(3, dtype=cygrad.int64)
    with pytest.raises((RuntimeError, NotImplementedError)):
        cygrad.randn(3, dtype=cygrad.int32)


def test_randint_forms_and_ranges():
    cygrad.manual_seed(0)
    t = cygrad.randint(3, 10, (1000,))
    assert t.dtype is cygrad.int64 and t.shape == (1000,)
    a = t.numpy()
    assert a.min() >= 3 and a.max() < 10
    assert set(a.tolist()) == set(range(3, 10))  # 1000 draws hit every value
    t2 = cygrad.randint(5, (4, 5))
    assert t2.shape == (4, 5)
    assert 0 <= t2.numpy().min() and t2.numpy().max() < 5
    t3 = cygrad.randint(-5, 0, (50,), dtype=cygrad.int32)
    assert t3.dtype is cygrad.int32
    assert t3.numpy().min() >= -5 and t3.numpy().max() < 0
    with pytest.raises(RuntimeError):
        cygrad.randint(5, 5, (3,))


def test_manual_seed_reproducible():
    cygrad.manual_seed(1234)
    a = (cygrad.rand(5), cygrad.randn(3, 2), cygrad.randint(0, 100, (7,)))
    cygrad.manual_seed(1234)
    b = (cygrad.rand(5), cygrad.randn(3, 2), cygrad.randint(0, 100, (7,)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    cygrad.manual_seed(4321)
    c = cygrad.rand(5)
    assert not np.array_equal(a[0].numpy(), c.numpy())
    assert cygrad.initial_seed() == 4321


def test_generator_object():
    g1 = cygrad.Generator().manual_seed(7)
    g2 = cygrad.Generator().manual_seed(7)
    np.testing.assert_array_equal(cygrad.rand(4, generator=g1).numpy(),
                                  cygrad.rand(4, generator=g2).numpy())


# ---------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("fn", [cygrad.zeros, cygrad.ones, cygrad.empty, cygrad.rand,
                                cygrad.randn])
def test_negative_size_raises(fn):
    with pytest.raises(RuntimeError):
        fn(-1)
    with pytest.raises(RuntimeError):
        fn(2, -3)


def test_negative_size_full_raises():
    with pytest.raises(RuntimeError):
        cygrad.full((2, -1), 1.0)


def test_non_int_size_raises():
    with pytest.raises(TypeError):
        cygrad.zeros(2.5)
    with pytest.raises(TypeError):
        cygrad.zeros((2, "3"))


def test_byte_count_overflow_raises():
    with pytest.raises(RuntimeError):
        cygrad.empty(2**62, 2**62)
    with pytest.raises(RuntimeError):
        cygrad.zeros(2**31, 2**31, 2**31)
    with pytest.raises(RuntimeError):
        cygrad.empty(2**61, dtype=cygrad.float64)  # 2**64 bytes


def test_huge_allocation_raises_cleanly():
    with pytest.raises((RuntimeError, MemoryError)):
        cygrad.empty(2**50)
    with pytest.raises((RuntimeError, MemoryError)):
        cygrad.zeros(2**50)
    with pytest.raises((RuntimeError, MemoryError)):
        cygrad.empty(2**30, 2**25)
    assert issubclass(cygrad.OutOfMemoryError, RuntimeError)
    # the process is still healthy
    check(cygrad.ones(3), np.ones(3, np.float32))


def test_zero_size_with_huge_other_dims_is_fine():
    t = cygrad.empty(0, 2**62)
    assert t.numel() == 0 and tuple(t.shape) == (0, 2**62)


def test_requires_grad_on_int_raises():
    with pytest.raises(RuntimeError):
        cygrad.zeros(2, dtype=cygrad.int64, requires_grad=True)


def test_device_argument():
    assert cygrad.zeros(2, device="cpu").device == "cpu"
    with pytest.raises(RuntimeError):
        cygrad.zeros(2, device="cuda")


def test_device_with_an_index():
    # PyTorch accepts 'cpu:0'; the device keeps its index, a tensor's device has none.
    d = cygrad.device("cpu:0")
    assert (d.type, d.index) == ("cpu", 0)
    assert repr(d) == "device(type='cpu', index=0)" and str(d) == "cpu:0"
    assert d == "cpu:0" and d != cygrad.device("cpu") and d != "cuda"
    assert cygrad.zeros(2, device="cpu:0").device == cygrad.device("cpu")
    assert len({cygrad.device("cpu"), cygrad.device("cpu:0"), cygrad.device("cpu")}) == 2
    with pytest.raises(RuntimeError, match="Invalid device string: 'cpu:x'"):
        cygrad.device("cpu:x")
    assert repr(cygrad.device("cuda:0")) == "device(type='cuda', index=0)"
    assert cygrad.device("cuda") != cygrad.device("cpu") and cygrad.device("mps") == "mps"
    with pytest.raises(RuntimeError, match="only the 'cpu' device, got 'cuda:0'"):
        cygrad.zeros(2, device=cygrad.device("cuda:0"))
    with pytest.raises(RuntimeError, match="only the 'cpu' device, got 'cuda'"):
        cygrad.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        cygrad.device("gpu")


def test_device_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ("cpu", "cpu:0", "cpu:1"):
        assert repr(cygrad.device(name)) == repr(torch.device(name))
        assert str(cygrad.device(name)) == str(torch.device(name))
    assert (cygrad.device("cpu:0") == cygrad.device("cpu")) == \
        (torch.device("cpu:0") == torch.device("cpu"))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=repr)
def test_filled_match_torch(dtype):
    torch = pytest.importorskip("torch")
    tdt = torch_dtype(torch, dtype)
    check(cygrad.ones(2, 3, dtype=dtype), torch.ones(2, 3, dtype=tdt).numpy())
    check(cygrad.eye(3, 2, dtype=dtype), torch.eye(3, 2, dtype=tdt).numpy())
    check(cygrad.full((2,), 1, dtype=dtype), torch.full((2,), 1, dtype=tdt).numpy())
    check(cygrad.arange(4, dtype=dtype if dtype is not cygrad.bool else cygrad.int64),
          torch.arange(4, dtype=tdt if dtype is not cygrad.bool else torch.int64).numpy())


def test_linspace_matches_torch_exactly():
    torch = pytest.importorskip("torch")
    for start, end, steps in [(0, 1, 7), (-3, 5, 11), (0, 1, 100), (2, -2, 9)]:
        for dt in (cygrad.float32, cygrad.float64):
            e = torch.linspace(start, end, steps, dtype=torch_dtype(torch, dt)).numpy()
            t = cygrad.linspace(start, end, steps, dtype=dt)
            check(t, e, rtol=0, atol=float(np.finfo(np_dtype(dt)).eps) * 8)
    assert math.isclose(cygrad.linspace(0, 1, 3)[1].item(), 0.5)


def test_tensor_from_list_of_tensors():
    t = cygrad.tensor([cygrad.tensor(1.0), cygrad.tensor(2.0)])
    assert t.dtype is cygrad.float32
    check(t, np.array([1.0, 2.0], np.float32))
    t = cygrad.tensor([[cygrad.tensor(1), 2], [3, cygrad.tensor(4)]])
    check(t, np.array([[1, 2], [3, 4]]))
    with pytest.raises(ValueError):
        cygrad.tensor([cygrad.tensor([1.0, 2.0])])


def test_clone_and_contiguous_of_expanded():
    e = cygrad.tensor([1.0, 2.0]).expand(3, 2)
    c = e.contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1)
    check(c, np.tile(np.array([1.0, 2.0], np.float32), (3, 1)))
    c.add_(1)  # writable: real memory
    check(e, np.tile(np.array([1.0, 2.0], np.float32), (3, 1)))
    check(e.clone(), np.tile(np.array([1.0, 2.0], np.float32), (3, 1)))


def test_cuda_module_answers_device_checks():
    # The first lines of many PyTorch scripts: pick CUDA when it is there.
    device = "cuda" if cygrad.cuda.is_available() else "cpu"
    assert device == "cpu" and cygrad.cuda.device_count() == 0
    assert cygrad.cuda.manual_seed(0) is None and cygrad.cuda.manual_seed_all(0) is None
    assert cygrad.zeros(2, device=device).device == "cpu"


def test_dir_lists_each_name_once():
    import cygrad.nn  # noqa: F401  (an imported lazy module is also a global)
    names = dir(cygrad)
    assert len(names) == len(set(names))
    assert {"nn", "optim", "utils", "cuda", "save", "load"} <= set(names)


@pytest.mark.parametrize("make", [cygrad.empty, cygrad.zeros, cygrad.ones],
                         ids=["empty", "zeros", "ones"])
@pytest.mark.parametrize("n", [0, 1, 3, 17, 1000, 10**6])
def test_owned_storage_is_64_byte_aligned(make, n):
    # owned buffers start on a cache line, whether malloc'd or calloc'd (zeros)
    for dtype in (cygrad.float32, cygrad.float64, cygrad.bool):
        t = make(n, dtype=dtype)
        assert t.data_ptr() % 64 == 0
        assert t.untyped_storage().nbytes_() == n * t.element_size()
    assert (cygrad.arange(5.0) + 1).data_ptr() % 64 == 0


def test_results_reuse_memory_without_page_faults():
    # ``x = x + y`` keeps the previous result alive while the next is allocated; the
    # allocator must reuse its memory instead of mapping fresh pages every time (a 4 MB
    # result faulted in about 1000 pages per call with posix_memalign).
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("page-fault counts are checked with glibc's allocator on Linux")
    resource = pytest.importorskip("resource")
    y = cygrad.ones(10**6)
    x = cygrad.zeros(10**6)
    for _ in range(20):
        x = x + y
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        x = x + y
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50
    assert faults < 100, f"{faults:.0f} page faults per 4 MB result"
    assert x[0].item() == 70.0


def test_freed_blocks_are_reused_without_page_faults():
    # two large temporaries freed together at the end of each call (a forward pass): glibc
    # would return them to the system every time; the storage keeps them for the next call
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("page-fault counts are checked with glibc's allocator on Linux")
    resource = pytest.importorskip("resource")
    q = cygrad.ones(12, 4, 64, 32)

    def chain():
        s = q @ q.mT
        p = s.softmax(-1)
        return p @ q
    for _ in range(5):
        chain()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        out = chain()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    assert faults < 50, f"{faults:.0f} page faults per call"
    assert out[0, 0, 0, 0].item() == 1.0


def test_cached_blocks_are_bounded_and_come_back_clean():
    from cygrad._core import _storage

    _storage.empty_cache()
    assert _storage.cached_bytes() == 0
    x = cygrad.full((100_000,), 7.0)
    ptr = x.data_ptr()
    del x
    assert _storage.cached_bytes() >= 400_000
    z = cygrad.zeros(100_000)                    # same size class: the same block, zeroed
    assert z.data_ptr() == ptr and not z.any()
    y = cygrad.empty(99_000)                     # same class (12.5% steps) reuses it too
    del z
    y2 = cygrad.empty(99_000)
    assert y2.data_ptr() == ptr
    del y, y2
    big = [cygrad.empty(2**24) for _ in range(20)]   # 20 x 64 MB: more than the cache holds
    del big
    assert _storage.cached_bytes() <= 2**28
    assert _storage.empty_cache() > 0 and _storage.cached_bytes() == 0


# ------------------------------------------------------------------------ Tensor.new_*
@pytest.mark.parametrize("base_dtype", [cygrad.int32, cygrad.float64, cygrad.bool])
def test_new_methods_take_the_dtype_of_self(base_dtype):
    base = cygrad.zeros(3, dtype=base_dtype)
    assert base.new_zeros(2, 3).dtype is base_dtype and base.new_zeros(2, 3).shape == (2, 3)
    assert base.new_ones((2,)).tolist() == cygrad.ones(2, dtype=base_dtype).tolist()
    assert base.new_full((2, 1), 1).dtype is base_dtype
    assert base.new_empty(4).shape == (4,) and base.new_empty(4).dtype is base_dtype
    assert base.new_tensor([1, 0]).dtype is base_dtype
    assert base.new_zeros(2, dtype=cygrad.float32).dtype is cygrad.float32
    t = cygrad.ones(2).new_tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_new_tensor_copies():
    src = cygrad.arange(3.0)
    t = src.new_tensor(src)
    t[0] = 5.0
    assert src.tolist() == [0.0, 1.0, 2.0]


def test_new_methods_match_torch():
    torch = pytest.importorskip("torch")
    for dt, tdt in [(cygrad.int32, torch.int32), (cygrad.float64, torch.float64)]:
        c, t = cygrad.zeros(1, dtype=dt), torch.zeros(1, dtype=tdt)
        for name, args in [("new_zeros", (2, 3)), ("new_ones", ((2,),)),
                           ("new_full", ((2,), 7)), ("new_tensor", ([1.5, -2.5],))]:
            a, b = getattr(c, name)(*args), getattr(t, name)(*args)
            assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
            assert a.tolist() == b.tolist()
