"""Views: shape changes, transposes, expand, squeeze, slicing, basic indexing and lifetimes."""
import gc
import weakref

import numpy as np
import pytest

import cygrad
from conftest import check, collect, from_np, make_layout, same_storage

try:
    from hypothesis import given, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover
    given = None


def arange_t(*shape, dtype=np.float32):
    a = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return from_np(a), a


def is_view_of(v, base):
    return same_storage(v, base)


# ---------------------------------------------------------------------------- view / reshape
@pytest.mark.parametrize("shape, new", [
    ((2, 3), (6,)), ((2, 3), (3, 2)), ((2, 3), (-1,)), ((2, 3), (3, -1)), ((6,), (1, 2, 1, 3)),
    ((2, 3, 4), (4, -1)), ((2, 3, 4), (2, 12)), ((), (1,)), ((), (1, 1)), ((1,), ()),
    ((0, 3), (-1,)), ((0, 3), (3, 0)), ((4,), (2, 2)),
])
def test_view_shapes(shape, new):
    t, a = arange_t(*shape)
    v = t.view(*new) if new else t.view(())
    check(v, a.reshape(new))
    assert is_view_of(v, t)
    assert v.data_ptr() == t.data_ptr()


def test_view_accepts_tuple_list_size():
    t, a = arange_t(2, 3)
    check(t.view((3, 2)), a.reshape(3, 2))
    check(t.view([3, 2]), a.reshape(3, 2))
    check(t.view(cygrad.Size([6])), a.reshape(6))
    check(t.view_as(cygrad.zeros(3, 2)), a.reshape(3, 2))


def test_view_errors():
    t, _ = arange_t(2, 3)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        t.view(4, -1)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        t.view(-1, -1)
    with pytest.raises(RuntimeError):
        t.view(7)
    with pytest.raises(RuntimeError):
        t.view(-2, 3)
    with pytest.raises(RuntimeError):
        cygrad.zeros(0, 3).view(0, -1)


def test_view_incompatible_strides_mentions_reshape():
    t, a = arange_t(2, 3)
    with pytest.raises(RuntimeError, match=r"\.reshape"):
        t.t().view(6)
    with pytest.raises(RuntimeError, match=r"\.reshape"):
        t[:, ::2].view(4)


def test_view_of_non_contiguous_when_compatible():
    t, a = arange_t(4, 6)
    s = t[:, 1:5]  # rows are not contiguous with each other, but a split of dim 1 is fine
    v = s.view(4, 2, 2)
    check(v, a[:, 1:5].reshape(4, 2, 2))
    assert is_view_of(v, t)
    tt = t.t()  # (6, 4) transposed: merging nothing, splitting dim 0 is fine
    v2 = tt.view(2, 3, 4)
    check(v2, a.T.reshape(2, 3, 4))
    assert is_view_of(v2, t)


def test_reshape_is_view_when_possible():
    t, a = arange_t(2, 3, 4)
    r = t.reshape(6, 4)
    assert is_view_of(r, t) and r.data_ptr() == t.data_ptr()
    check(r, a.reshape(6, 4))
    r[0, 0] = 100
    assert t[0, 0, 0].item() == 100


def test_reshape_copies_when_needed():
    t, a = arange_t(3, 4)
    tt = t.t()
    r = tt.reshape(12)
    check(r, a.T.reshape(12))
    assert not is_view_of(r, t)
    r[0] = -1
    assert t[0, 0].item() == 0
    r2 = t[:, :3].reshape(-1)
    check(r2, a[:, :3].reshape(-1))
    assert not is_view_of(r2, t)
    r3 = t[:, ::2].reshape(-1)  # uniform stride 2: still a view
    check(r3, a[:, ::2].reshape(-1))
    assert is_view_of(r3, t) and r3.stride() == (2,)


@pytest.mark.parametrize("layout_name", ["transposed", "sliced", "negative", "numpy_sliced"])
def test_reshape_any_layout(layout_name):
    a = np.arange(24, dtype=np.float64).reshape(4, 6)
    t = make_layout(a, layout_name)
    for shape in [(24,), (6, 4), (2, 3, 4), (-1, 2)]:
        check(t.reshape(shape), a.reshape(shape))
    check(t.flatten(), a.reshape(-1))


def test_reshape_errors():
    t, _ = arange_t(2, 3)
    with pytest.raises(RuntimeError):
        t.reshape(-1, 4)
    with pytest.raises(RuntimeError):
        t.reshape(5)


# ---------------------------------------------------------------------------- transposes
def test_transpose_and_t():
    t, a = arange_t(2, 3, 4)
    v = t.transpose(0, 2)
    check(v, a.transpose(2, 1, 0))
    assert is_view_of(v, t) and not v.is_contiguous()
    check(t.transpose(-1, -2), np.swapaxes(a, -1, -2))
    check(t.swapaxes(0, 1), np.swapaxes(a, 0, 1))
    check(t.transpose(1, 1), a)
    m, am = arange_t(3, 5)
    check(m.t(), am.T)
    assert m.t().stride() == (1, 5)
    v1, a1 = arange_t(5)
    check(v1.t(), a1)
    check(cygrad.tensor(2.0).t(), np.array(2.0, np.float32))
    with pytest.raises(RuntimeError):
        t.t()
    with pytest.raises(IndexError):
        m.transpose(0, 2)


def test_T_and_mT():
    t, a = arange_t(2, 3, 4)
    check(t.T, a.T)
    check(t.mT, np.swapaxes(a, -1, -2))
    m, am = arange_t(3, 5)
    check(m.T, am.T)
    check(m.mT, am.T)
    assert is_view_of(m.T, m) and is_view_of(m.mT, m)
    with pytest.raises(RuntimeError):
        cygrad.zeros(3).mT


def test_permute():
    t, a = arange_t(2, 3, 4)
    for perm in [(0, 1, 2), (2, 0, 1), (1, 2, 0), (2, 1, 0), (-1, 0, 1)]:
        v = t.permute(*perm)
        check(v, a.transpose([p % 3 for p in perm]))
        assert is_view_of(v, t)
    check(t.permute((2, 0, 1)), a.transpose(2, 0, 1))
    check(t.permute([2, 0, 1]), a.transpose(2, 0, 1))
    check(cygrad.permute(t, (1, 0, 2)), a.transpose(1, 0, 2))


@pytest.mark.parametrize("dims, exc", [((0, 1), RuntimeError), ((0, 0, 1), RuntimeError),
                                       ((0, 1, 3), IndexError), ((0, 1, 2, 3), RuntimeError)])
def test_permute_errors(dims, exc):
    t, _ = arange_t(2, 3, 4)
    with pytest.raises(exc):
        t.permute(*dims)


def test_movedim():
    t, a = arange_t(2, 3, 4)
    check(t.movedim(0, 2), np.moveaxis(a, 0, 2))
    check(t.movedim((0, 1), (2, 0)), np.moveaxis(a, (0, 1), (2, 0)))
    check(t.moveaxis(-1, 0), np.moveaxis(a, -1, 0))


# ---------------------------------------------------------------------------- expand
def test_expand():
    t, a = arange_t(3, 1)
    e = t.expand(3, 4)
    check(e, np.broadcast_to(a, (3, 4)))
    assert e.stride() == (1, 0) and is_view_of(e, t)
    check(t.expand(2, 3, 4), np.broadcast_to(a, (2, 3, 4)))
    check(t.expand(-1, 5), np.broadcast_to(a, (3, 5)))
    check(t.expand((2, 3, 2)), np.broadcast_to(a, (2, 3, 2)))
    s = cygrad.tensor(7.0)
    check(s.expand(2, 3), np.full((2, 3), 7.0, np.float32))
    assert s.expand(2, 3).stride() == (0, 0)
    check(t.expand_as(cygrad.zeros(3, 6)), np.broadcast_to(a, (3, 6)))
    check(t.broadcast_to((3, 2)), np.broadcast_to(a, (3, 2)))
    check(cygrad.zeros(3, 1).expand(3, 0), np.zeros((3, 0), np.float32))


def test_expand_errors_match_torch_messages():
    t = cygrad.zeros(2, 3)
    with pytest.raises(RuntimeError) as ei:
        t.expand(3, 3)
    assert str(ei.value) == ("The expanded size of the tensor (3) must match the existing size "
                             "(2) at non-singleton dimension 0.  Target sizes: [3, 3].  Tensor "
                             "sizes: [2, 3]")
    with pytest.raises(RuntimeError, match=r"the number of sizes provided \(1\) must be greater "
                                           r"or equal to the number of dimensions in the tensor "
                                           r"\(2\)"):
        t.expand(3)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(-1\) isn't "
                                           r"allowed in a leading, non-existing dimension 0"):
        cygrad.zeros(3).expand(-1, 3)
    with pytest.raises(RuntimeError):
        cygrad.zeros(1, 3).expand(-1, 4)


@pytest.mark.parametrize("shape, sizes", [((2, 3), (3, 3)), ((2, 3), (3,)), ((3,), (-1, 3)),
                                          ((1, 3), (-1, 4)), ((2, 1), (2, 2, 3, 2))])
def test_expand_error_messages_equal_torch(shape, sizes):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as te:
        torch.zeros(*shape).expand(*sizes)
    with pytest.raises(RuntimeError) as ce:
        cygrad.zeros(*shape).expand(*sizes)
    assert str(ce.value) == str(te.value).replace("torch.", "cygrad.")


# ---------------------------------------------------------------------------- squeeze / unsqueeze
def test_squeeze():
    t, a = arange_t(1, 3, 1, 2, 1)
    check(t.squeeze(), a.squeeze())
    check(t.squeeze(0), a.squeeze(0))
    check(t.squeeze(-1), a.squeeze(-1))
    check(t.squeeze(1), a)  # not size 1: unchanged
    check(t.squeeze((0, 2)), a.squeeze((0, 2)))
    check(t.squeeze((0, -1, 1)), a.squeeze((0, 4)))
    check(t.squeeze([2]), a.squeeze(2))
    assert is_view_of(t.squeeze(), t)
    with pytest.raises(IndexError):
        t.squeeze(5)
    z = cygrad.tensor(3.0)
    check(z.squeeze(), np.array(3.0, np.float32))
    check(z.squeeze(0), np.array(3.0, np.float32))
    check(cygrad.zeros(1, 0, 1).squeeze(), np.zeros((0,), np.float32))


def test_unsqueeze():
    t, a = arange_t(2, 3)
    for d in range(-3, 3):
        check(t.unsqueeze(d), np.expand_dims(a, d))
        assert is_view_of(t.unsqueeze(d), t)
    with pytest.raises(IndexError):
        t.unsqueeze(3)
    with pytest.raises(IndexError):
        t.unsqueeze(-4)
    check(cygrad.tensor(1.0).unsqueeze(0), np.array([1.0], np.float32))
    # unsqueeze of a non-contiguous view still reads the right elements
    tt = t.t().unsqueeze(1)
    check(tt, np.expand_dims(a.T, 1))
    check(tt.contiguous(), np.expand_dims(a.T, 1))


def test_flatten_unflatten():
    t, a = arange_t(2, 3, 4)
    check(t.flatten(), a.reshape(-1))
    check(t.flatten(1), a.reshape(2, 12))
    check(t.flatten(0, 1), a.reshape(6, 4))
    check(t.flatten(-2, -1), a.reshape(2, 12))
    assert is_view_of(t.flatten(), t)
    check(cygrad.tensor(5.0).flatten(), np.array([5.0], np.float32))
    with pytest.raises(RuntimeError):
        t.flatten(2, 1)
    check(t.flatten().unflatten(0, (4, -1)), a.reshape(4, 6))
    check(t.unflatten(2, (2, 2)), a.reshape(2, 3, 2, 2))
    with pytest.raises(RuntimeError):
        t.unflatten(1, (2, 2))


# ---------------------------------------------------------------------------- narrow / select / split
def test_narrow_select():
    t, a = arange_t(4, 5)
    check(t.narrow(0, 1, 2), a[1:3])
    check(t.narrow(1, -3, 2), a[:, 2:4])
    check(t.narrow(1, 5, 0), a[:, 5:5])
    assert is_view_of(t.narrow(0, 1, 2), t)
    with pytest.raises(RuntimeError):
        t.narrow(0, 3, 2)
    with pytest.raises((IndexError, RuntimeError)):
        t.narrow(0, 6, 1)
    with pytest.raises(RuntimeError):
        cygrad.tensor(1.0).narrow(0, 0, 1)
    check(t.select(0, 2), a[2])
    check(t.select(1, -1), a[:, -1])
    assert is_view_of(t.select(1, 0), t)
    with pytest.raises(IndexError):
        t.select(0, 4)
    with pytest.raises(IndexError):
        t.select(1, -6)
    with pytest.raises(IndexError):
        cygrad.tensor(1.0).select(0, 0)


def test_split_chunk_unbind():
    t, a = arange_t(7, 3)
    parts = t.split(3)
    assert [tuple(p.shape) for p in parts] == [(3, 3), (3, 3), (1, 3)]
    for p, e in zip(parts, np.split(a, [3, 6])):
        check(p, e)
        assert is_view_of(p, t)
    parts = t.split([2, 5])
    check(parts[0], a[:2])
    check(parts[1], a[2:])
    parts = t.split(2, dim=1)
    check(parts[0], a[:, :2])
    check(parts[1], a[:, 2:])
    with pytest.raises(RuntimeError):
        t.split([2, 2])
    chunks = t.chunk(3)
    assert [c.shape[0] for c in chunks] == [3, 3, 1]
    chunks = cygrad.zeros(6).chunk(4)
    assert [c.shape[0] for c in chunks] == [2, 2, 2]
    chunks = cygrad.zeros(5).chunk(3, 0)
    assert [c.shape[0] for c in chunks] == [2, 2, 1]
    with pytest.raises(RuntimeError):
        t.chunk(0)
    rows = t.unbind()
    assert len(rows) == 7
    check(rows[4], a[4])
    cols = t.unbind(1)
    assert len(cols) == 3
    check(cols[2], a[:, 2])
    check(cygrad.stack(cols, 1), a)


def test_split_chunk_match_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(30, dtype=np.float32).reshape(10, 3)
    t = from_np(a)
    tt = torch.from_numpy(a)
    for args in [(3,), (4,), (10,), (11,), ([1, 2, 7],), (1, 1), ([0, 3], 1)]:
        ours = t.split(*args)
        theirs = tt.split(*args)
        assert len(ours) == len(theirs), args
        for o, e in zip(ours, theirs):
            check(o, e.numpy())
    for n in (1, 3, 4, 6, 9, 10, 20):
        ours = t.chunk(n)
        theirs = tt.chunk(n)
        assert [tuple(o.shape) for o in ours] == [tuple(e.shape) for e in theirs], n


# ---------------------------------------------------------------------------- contiguity / as_strided
def test_contiguous():
    t, a = arange_t(3, 4)
    assert t.is_contiguous()
    assert t.contiguous() is t
    tt = t.t()
    assert not tt.is_contiguous()
    c = tt.contiguous()
    assert c.is_contiguous() and c.stride() == (3, 1)
    check(c, a.T)
    assert not is_view_of(c, t)
    assert t[1:].is_contiguous()
    assert not t[:, 1:].is_contiguous()
    assert t[:1, :].t().is_contiguous() is True  # (4, 1) with stride (1, 4): size-1 dims ignored
    assert t[:, :1].t().is_contiguous() is False  # (1, 3) with stride (1, 4)
    assert cygrad.zeros(3, 1).expand(3, 4).is_contiguous() is False
    assert cygrad.zeros(0, 5).t().is_contiguous()


def test_as_strided():
    t, a = arange_t(12)
    v = t.as_strided((3, 2), (4, 1))
    check(v, np.lib.stride_tricks.as_strided(a, (3, 2), (16, 4)))
    assert is_view_of(v, t)
    v2 = t.as_strided((2, 2), (1, 2), 3)
    check(v2, np.array([[3, 5], [4, 6]], np.float32))
    assert v2.storage_offset() == 3
    w = t.as_strided((4,), (0,), 5)
    check(w, np.full(4, 5.0, np.float32))
    with pytest.raises(RuntimeError):
        t.as_strided((13,), (1,))
    with pytest.raises(RuntimeError):
        t.as_strided((2, 2), (1,))
    with pytest.raises(RuntimeError):
        t.as_strided((4,), (4,), 1)


# ---------------------------------------------------------------------------- basic indexing
BASIC_KEYS = [
    0, -1, 2, slice(None), slice(1, None), slice(None, None, 2), slice(1, 4, 2),
    slice(-3, None), slice(None, -1), slice(10, 20), slice(-100, 100), slice(3, 1),
    (0, 1), (-1, -2, -3), (slice(None), 1), (Ellipsis, 1), (1, Ellipsis), (Ellipsis,),
    (None,), (None, 0), (0, None, 1), (Ellipsis, None), (slice(None), None, slice(None, None, 2)),
    (slice(1, None, 2), Ellipsis, slice(None, None, 3)), (None, Ellipsis, None),
    (1, slice(None), -1), (slice(None, None, 3), slice(1, 3), slice(None, None, 2)),
    (Ellipsis, slice(0, 0)), (),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_indexing_matches_numpy(key):
    a = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    t = from_np(a)
    v = t[key]
    check(v, a[key])
    assert is_view_of(v, t)


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_indexing_non_contiguous_base(key):
    base = np.arange(6 * 8 * 12, dtype=np.int64).reshape(6, 8, 12)
    a = base[::-1, 1::2, ::2].transpose(0, 2, 1)[:4, :6, :5].transpose(0, 2, 1)  # (4, 5, 6)
    t = cygrad.from_numpy(a)
    check(t[key], a[key])


def test_indexing_0d_and_scalar_results():
    t, a = arange_t(3, 4)
    e = t[1, 2]
    assert e.ndim == 0 and e.item() == a[1, 2]
    s = cygrad.tensor(5.0)
    check(s[()], np.array(5.0, np.float32))
    check(s[None], np.array([5.0], np.float32))
    check(s[...], np.array(5.0, np.float32))
    with pytest.raises(IndexError):
        s[0]


def test_basic_indexing_errors():
    t, _ = arange_t(2, 3)
    with pytest.raises(IndexError):
        t[2]
    with pytest.raises(IndexError):
        t[0, -4]
    with pytest.raises(IndexError):
        t[0, 0, 0]
    with pytest.raises(ValueError):
        t[::-1]
    with pytest.raises(ValueError):
        t[::0]
    with pytest.raises(IndexError):
        t[:, 1.5]
    with pytest.raises(IndexError):
        t["a"]


def test_index_with_numpy_and_tensor_ints():
    t, a = arange_t(4, 5)
    check(t[np.int64(2)], a[2])
    check(t[cygrad.tensor(1)], a[1])
    check(t[1:np.int32(3)], a[1:3])


# ---------------------------------------------------------------------------- writes through views
def test_writes_through_views_visible_in_base():
    t, a = arange_t(4, 6)
    exp = a.copy()
    t[1:3, ::2].fill_(-1)
    exp[1:3, ::2] = -1
    check(t, exp)
    t.t()[0].fill_(9)  # column 0
    exp[:, 0] = 9
    check(t, exp)
    v = t.view(24)
    v[5] = 42
    exp.reshape(24)[5] = 42
    check(t, exp)
    t.transpose(0, 1)[2, 3] = 7
    exp[3, 2] = 7
    check(t, exp)
    t[..., -1] += 100
    exp[..., -1] += 100
    check(t, exp)
    t.narrow(0, 3, 1).mul_(2)
    exp[3] *= 2
    check(t, exp)
    t.unsqueeze(0)[0, 0, 1] = -5
    exp[0, 1] = -5
    check(t, exp)
    for row in t.unbind(0):
        row[0] = 0
    exp[:, 0] = 0
    check(t, exp)
    t.as_strided((4,), (7,)).zero_()
    exp.reshape(-1)[::7] = 0
    check(t, exp)


def test_views_share_version_counter():
    t, _ = arange_t(3)
    v = t[1:]
    before = t._version
    v.add_(1)
    assert t._version > before and t._version == v._version


def test_view_outlives_base():
    base = cygrad.arange(100, dtype=cygrad.float64).reshape(10, 10)
    view = base[2:5, ::3].t()
    ref = weakref.ref(base)
    del base
    collect()
    assert ref() is None
    # allocate and scribble over freed memory to catch a dangling pointer
    junk = [cygrad.full((100,), -1.0, dtype=cygrad.float64) for _ in range(20)]
    expected = np.arange(100.0).reshape(10, 10)[2:5, ::3].T
    check(view, expected)
    view[0, 0] = 1000.0
    assert view[0, 0].item() == 1000.0
    del junk


def test_chained_views_outlive_everything():
    def make():
        b = cygrad.arange(24, dtype=cygrad.int64)
        return b.view(2, 3, 4).permute(2, 0, 1)[1:, :, ::2].unsqueeze(0)

    v = make()
    collect()
    _ = [cygrad.zeros(24, dtype=cygrad.int64) + 7 for _ in range(10)]
    check(v, np.expand_dims(np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1)[1:, :, ::2], 0))


def test_numpy_borrowed_tensor_outlives_array_variable():
    a = np.arange(10.0)
    ref = weakref.ref(a)
    t = cygrad.from_numpy(a)[::2]
    del a
    collect()
    assert ref() is not None  # kept alive by the tensor
    junk = [np.full(10, -1.0) for _ in range(20)]
    check(t, np.arange(10.0)[::2])
    del t, junk
    collect()
    assert ref() is None  # released when the last view goes


def test_numpy_flipped_borrow_outlives_array():
    t = cygrad.from_numpy(np.flip(np.arange(12).reshape(3, 4)))
    collect()
    check(t, np.flip(np.arange(12).reshape(3, 4)))
    check(t.t()[1:], np.flip(np.arange(12).reshape(3, 4)).T[1:])


def test_many_views_no_leak_of_correctness():
    t = cygrad.arange(10, dtype=cygrad.int64)
    vs = [t[i:] for i in range(10)]
    for i, v in enumerate(vs):
        assert v[0].item() == i
    del t
    gc.collect()
    assert [v[0].item() for v in vs] == list(range(10))


# ---------------------------------------------------------------------------- metadata
def test_metadata():
    t, _ = arange_t(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4)
    assert isinstance(t.shape, cygrad.Size) and repr(t.shape) == "cygrad.Size([2, 3, 4])"
    assert t.size(1) == 3 and t.size(-1) == 4
    assert t.stride() == (12, 4, 1) and t.stride(0) == 12 and t.stride(-1) == 1
    assert t.dim() == t.ndim == 3
    assert t.numel() == 24 and t.nelement() == 24 and t.shape.numel() == 24
    assert t.element_size() == 4
    assert t[1].storage_offset() == 12
    assert t.transpose(0, 2).stride() == (1, 4, 12)
    with pytest.raises(IndexError):
        t.size(3)
    assert cygrad.zeros(2, dtype=cygrad.float64).element_size() == 8
    assert cygrad.zeros(2, dtype=cygrad.bool).element_size() == 1


# ---------------------------------------------------------------------------- hypothesis
if given is not None:
    @given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5), st.data())
    def test_hypothesis_reshape_view(shape, data):
        a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        perm = data.draw(st.permutations(range(len(shape))))
        ap = a.transpose(perm)
        t = cygrad.from_numpy(a).permute(*perm) if shape else cygrad.from_numpy(a)
        n = ap.size
        divisors = [d for d in range(1, n + 1) if n % d == 0] or [0]
        d = data.draw(st.sampled_from(divisors))
        new = (d, -1) if n else (0, 5)
        check(t.reshape(new), ap.reshape(new))


# ------------------------------------------------------------------------ empty splits, 0-d movedim
@pytest.mark.parametrize("size", [1, 2, 5])
def test_split_of_an_empty_dim_gives_one_piece(size):
    pieces = cygrad.zeros(0, 3).split(size)
    assert len(pieces) == 1 and tuple(pieces[0].shape) == (0, 3)


@pytest.mark.parametrize("chunks", [1, 2, 3])
def test_chunk_of_an_empty_dim_gives_chunks_pieces(chunks):
    pieces = cygrad.zeros(0, 3).chunk(chunks)
    assert len(pieces) == chunks and all(tuple(p.shape) == (0, 3) for p in pieces)
    assert len(cygrad.zeros(3, 0).chunk(chunks, dim=1)) == chunks


def test_movedim_of_a_0d_tensor_and_bad_dims():
    x = cygrad.tensor(3.0)
    for src, dst in [(0, 0), (-1, 0), ([0], [-1])]:
        y = x.movedim(src, dst)
        assert y.ndim == 0 and y.item() == 3.0 and same_storage(x, y)
    z = cygrad.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="same number of dims"):
        z.movedim([0, 1], [2])
    with pytest.raises(RuntimeError, match="repeated dim in `source`"):
        z.movedim([0, 0], [1, 2])
    with pytest.raises(RuntimeError, match="repeated dim in `destination`"):
        z.movedim([0, 1], [2, -1])
    assert tuple(z.movedim([0, 1], [2, 0]).shape) == np.moveaxis(np.zeros((2, 3, 4)),
                                                                [0, 1], [2, 0]).shape


def test_empty_split_chunk_movedim_match_torch():
    torch = pytest.importorskip("torch")
    assert len(cygrad.zeros(0, 3).split(2)) == len(torch.zeros(0, 3).split(2))
    assert len(cygrad.zeros(0, 3).chunk(2)) == len(torch.zeros(0, 3).chunk(2))
    assert torch.tensor(3.0).movedim(0, 0).item() == cygrad.tensor(3.0).movedim(0, 0).item()
