"""``cygrad.nn.utils.rnn`` (packing and padding variable-length sequences) against
``torch.nn.utils.rnn`` on the same inputs: values, the packed layout, the sort order,
gradients through pack/pad round trips, gradcheck, the ``PackedSequence`` API and PyTorch's
errors."""
import pickle

import numpy as np
import pytest

import cygrad
import cygrad.nn as nn
from cygrad.autograd import gradcheck
from cygrad.nn.utils import rnn
from .nnutil import assert_close, to_numpy

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

DTYPES = {"float32": (cygrad.float32, torch.float32, np.float32),
          "float64": (cygrad.float64, torch.float64, np.float64)}
TRAILING = [(), (3,), (2, 3)]


def _arr(shape, dtype="float64", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(DTYPES[dtype][2])


def _both(arr, requires_grad=False):
    c = cygrad.tensor(arr, requires_grad=requires_grad)
    t = torch.tensor(arr, requires_grad=requires_grad)
    return c, t


def _padded_shape(steps, batch, trailing, batch_first):
    return ((batch, steps) if batch_first else (steps, batch)) + tuple(trailing)


def assert_packed_equal(cp, tp, rtol=1e-6, atol=1e-7):
    assert isinstance(cp, rnn.PackedSequence) and isinstance(cp, tuple)
    assert_close(cp.data, tp.data, rtol=rtol, atol=atol)
    assert cp.batch_sizes.dtype is cygrad.int64
    assert cp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for name in ("sorted_indices", "unsorted_indices"):
        c, t = getattr(cp, name), getattr(tp, name)
        assert (c is None) == (t is None), name
        if c is not None:
            assert c.dtype is cygrad.int64
            assert c.tolist() == t.tolist(), name


def _lengths_arg(lengths, kind, lib):
    if kind == "list":
        return list(lengths)
    return lib.tensor(list(lengths))


LENGTHS = {
    "sorted": [5, 3, 3, 1],
    "unsorted": [2, 5, 1, 3],
    "equal": [4, 4, 4],
    "single": [3],
    "ties": [2, 4, 2, 4, 1],
}


# ------------------------------------------------------------------- pack_padded_sequence
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("trailing", TRAILING)
@pytest.mark.parametrize("case", list(LENGTHS))
@pytest.mark.parametrize("kind", ["list", "tensor"])
def test_pack_padded_sequence_matches_torch(dtype, batch_first, enforce_sorted, trailing,
                                            case, kind):
    lengths = LENGTHS[case]
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    steps = max(lengths) + 1                       # one step of padding beyond the longest
    arr = _arr(_padded_shape(steps, len(lengths), trailing, batch_first), dtype)
    cx, tx = _both(arr)
    cp = rnn.pack_padded_sequence(cx, _lengths_arg(lengths, kind, cygrad), batch_first,
                                  enforce_sorted)
    tp = trnn.pack_padded_sequence(tx, _lengths_arg(lengths, kind, torch), batch_first,
                                   enforce_sorted)
    assert_packed_equal(cp, tp)
    assert tuple(cp.data.shape) == (sum(lengths),) + trailing


def test_pack_padded_sequence_layout():
    # time-major: step 0 of every sequence (longest first), then step 1 of those longer
    x = cygrad.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    p = rnn.pack_padded_sequence(x, [2, 1, 3], batch_first=True, enforce_sorted=False)
    assert p.data.tolist() == [4, 1, 3, 5, 2, 6]
    assert p.batch_sizes.tolist() == [3, 2, 1]
    assert p.sorted_indices.tolist() == [2, 0, 1]
    assert p.unsorted_indices.tolist() == [1, 2, 0]


@pytest.mark.parametrize("lengths_dtype", ["int32", "float64", "bool"])
def test_pack_padded_sequence_lengths_tensor_dtypes(lengths_dtype):
    arr = _arr((3, 3, 2))
    cx, tx = _both(arr)
    vals = [3, 2, 1] if lengths_dtype != "bool" else [True, True, True]
    cp = rnn.pack_padded_sequence(cx, cygrad.tensor(vals, dtype=getattr(cygrad, lengths_dtype)))
    tp = trnn.pack_padded_sequence(tx, torch.tensor(vals, dtype=getattr(torch, lengths_dtype)))
    assert_packed_equal(cp, tp)


def test_pack_padded_sequence_lengths_tuple_and_array():
    arr = _arr((4, 3))
    cx, tx = _both(arr)
    tp = trnn.pack_padded_sequence(tx, [4, 2, 1])
    assert_packed_equal(rnn.pack_padded_sequence(cx, (4, 2, 1)), tp)
    assert_packed_equal(rnn.pack_padded_sequence(cx, np.array([4, 2, 1])), tp)


def test_pack_padded_sequence_integer_and_bool_data():
    arr = np.arange(12).reshape(4, 3)
    for c, t in [(cygrad.tensor(arr), torch.tensor(arr)),
                 (cygrad.tensor(arr) > 4, torch.tensor(arr) > 4)]:
        assert_packed_equal(rnn.pack_padded_sequence(c, [3, 2, 1]),
                            trnn.pack_padded_sequence(t, [3, 2, 1]))


def test_sort_is_stable_for_ties():
    # PyTorch's sort keeps ties in order for batches up to 16; ours is stable always
    lengths = [2, 3, 2, 3, 1, 2, 3, 3, 2, 2, 2, 1, 3, 2]
    arr = _arr((3, len(lengths)))
    cx, tx = _both(arr)
    cp = rnn.pack_padded_sequence(cx, lengths, enforce_sorted=False)
    tp = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    assert_packed_equal(cp, tp)
    assert cp.sorted_indices.tolist() == list(np.argsort(-np.array(lengths), kind="stable"))


def test_large_batch_with_ties_round_trip_matches_torch():
    # above 16 PyTorch's tie order is unspecified; the padded result is the same anyway
    rng = np.random.default_rng(3)
    lengths = rng.integers(1, 6, 40).tolist()
    arr = _arr((6, 40, 2), seed=4)
    cx, tx = _both(arr)
    cp = rnn.pack_padded_sequence(cx, lengths, enforce_sorted=False)
    tp = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    assert cp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    order = cp.sorted_indices.tolist()
    assert [lengths[i] for i in order] == sorted(lengths, reverse=True)
    cpad, clen = rnn.pad_packed_sequence(cp, total_length=6)
    tpad, tlen = trnn.pad_packed_sequence(tp, total_length=6)
    assert_close(cpad, tpad)
    assert clen.tolist() == tlen.tolist() == lengths


# -------------------------------------------------------------------- pad_packed_sequence
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("trailing", TRAILING)
@pytest.mark.parametrize("case", list(LENGTHS))
@pytest.mark.parametrize("options", [{}, {"padding_value": -2.5}, {"total_length": 7},
                                     {"padding_value": 1, "total_length": 6}])
def test_pad_packed_sequence_matches_torch(dtype, batch_first, enforce_sorted, trailing, case,
                                           options):
    lengths = LENGTHS[case]
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    steps = max(lengths)
    arr = _arr(_padded_shape(steps, len(lengths), trailing, batch_first), dtype, seed=1)
    cx, tx = _both(arr)
    cp = rnn.pack_padded_sequence(cx, lengths, batch_first, enforce_sorted)
    tp = trnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted)
    for out_batch_first in (batch_first, not batch_first):
        cpad, clen = rnn.pad_packed_sequence(cp, out_batch_first, **options)
        tpad, tlen = trnn.pad_packed_sequence(tp, out_batch_first, **options)
        assert_close(cpad, tpad)
        assert clen.dtype is cygrad.int64
        assert clen.tolist() == tlen.tolist() == lengths


def test_pad_packed_sequence_round_trip_restores_input():
    arr = _arr((5, 4, 2), seed=2)
    lengths = [3, 5, 1, 5]
    mask = (np.arange(5)[:, None] < np.array(lengths)[None, :])[..., None]
    x = cygrad.tensor(arr * mask)
    padded, lens = rnn.pad_packed_sequence(
        rnn.pack_padded_sequence(x, lengths, enforce_sorted=False))
    np.testing.assert_array_equal(to_numpy(padded), arr * mask)
    assert lens.tolist() == lengths


# ---------------------------------------------------------------------------- pad_sequence
def _seq_pairs(lengths, trailing, dtype="float64", seed=0, requires_grad=False):
    pairs = [_both(_arr((n,) + tuple(trailing), dtype, seed + i), requires_grad)
             for i, n in enumerate(lengths)]
    return [c for c, _ in pairs], [t for _, t in pairs]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", TRAILING)
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("lengths", [[3, 5, 1], [4, 4], [2], [0, 2, 3]])
def test_pad_sequence_matches_torch(dtype, batch_first, trailing, padding_side, lengths):
    cs, ts = _seq_pairs(lengths, trailing, dtype)
    for value in (0.0, -1.5):
        assert_close(rnn.pad_sequence(cs, batch_first, value, padding_side),
                     trnn.pad_sequence(ts, batch_first, value, padding_side))
    assert_close(rnn.pad_sequence(cs, batch_first=batch_first, padding_side=padding_side),
                 trnn.pad_sequence(ts, batch_first=batch_first, padding_side=padding_side))


def test_pad_sequence_inputs_like_torch():
    a, b = np.arange(6.).reshape(3, 2), np.arange(2.).reshape(1, 2)
    ca, ta = _both(a)
    cb, tb = _both(b)
    # a tensor is split along dim 0; a generator works; the first sequence sets the dtype
    assert_close(rnn.pad_sequence(ca), trnn.pad_sequence(ta))
    assert_close(rnn.pad_sequence(s for s in [ca, cb]), trnn.pad_sequence(s for s in [ta, tb]))
    assert_close(rnn.pad_sequence([cb.long(), ca], padding_value=2.5),
                 trnn.pad_sequence([tb.long(), ta], padding_value=2.5))
    assert_close(rnn.pad_sequence([ca, cb.long()]), trnn.pad_sequence([ta, tb.long()]))
    assert_close(rnn.pad_sequence([ca > 2, cb > 0]), trnn.pad_sequence([ta > 2, tb > 0]))
    assert_close(rnn.pad_sequence([ca, cb], padding_value=True),
                 trnn.pad_sequence([ta, tb], padding_value=True))
    # trailing dims broadcast as PyTorch's copy into the output does
    for other in (np.ones((2, 1)), np.ones(2)):
        assert_close(rnn.pad_sequence([ca, cygrad.tensor(other)]),
                     trnn.pad_sequence([ta, torch.tensor(other)]))
    # all sequences empty
    assert tuple(rnn.pad_sequence([cygrad.ones(0, 2)]).shape) == (0, 1, 2)


# ------------------------------------------------------------- pack_sequence and unpacking
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("trailing", TRAILING)
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("case", list(LENGTHS))
def test_pack_sequence_and_unpack_match_torch(dtype, trailing, enforce_sorted, case):
    lengths = LENGTHS[case]
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    cs, ts = _seq_pairs(lengths, trailing, dtype, seed=5)
    cp = rnn.pack_sequence(cs, enforce_sorted=enforce_sorted)
    tp = trnn.pack_sequence(ts, enforce_sorted=enforce_sorted)
    assert_packed_equal(cp, tp)
    cu, tu = rnn.unpack_sequence(cp), trnn.unpack_sequence(tp)
    assert len(cu) == len(tu) == len(lengths)
    for c, t, s in zip(cu, tu, cs):
        assert_close(c, t)
        np.testing.assert_array_equal(to_numpy(c), to_numpy(s))


def test_pack_sequence_mixed_dtypes_like_torch():
    a, b = np.arange(6.).reshape(3, 2), np.arange(2).reshape(1, 2)
    assert_packed_equal(rnn.pack_sequence([cygrad.tensor(a), cygrad.tensor(b)]),
                        trnn.pack_sequence([torch.tensor(a), torch.tensor(b)]))
    assert_packed_equal(rnn.pack_sequence([cygrad.tensor(b), cygrad.tensor(a)], False),
                        trnn.pack_sequence([torch.tensor(b), torch.tensor(a)], False))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", TRAILING)
@pytest.mark.parametrize("kind", ["list", "tensor"])
def test_unpad_sequence_matches_torch(batch_first, trailing, kind):
    lengths = [3, 5, 1, 4]
    cs, ts = _seq_pairs(lengths, trailing, seed=7)
    cpad = rnn.pad_sequence(cs, batch_first)
    tpad = trnn.pad_sequence(ts, batch_first)
    cu = rnn.unpad_sequence(cpad, _lengths_arg(lengths, kind, cygrad), batch_first)
    tu = trnn.unpad_sequence(tpad, torch.tensor(lengths), batch_first)
    assert len(cu) == len(tu)
    for c, t in zip(cu, tu):
        assert_close(c, t)
    # unlike PyTorch's, the input is not transposed in place
    assert tuple(cpad.shape) == _padded_shape(5, 4, trailing, batch_first)


def test_unpad_sequence_odd_lengths_like_torch():
    a, b = np.arange(6.).reshape(3, 2), np.arange(2.).reshape(1, 2)
    cpad = rnn.pad_sequence([cygrad.tensor(a), cygrad.tensor(b)])
    tpad = trnn.pad_sequence([torch.tensor(a), torch.tensor(b)])
    for lengths in ([5, 1], [0, 1], [-1, 1.5]):
        cu = rnn.unpad_sequence(cpad, cygrad.tensor(lengths))
        tu = trnn.unpad_sequence(tpad.clone(), torch.tensor(lengths))
        for c, t in zip(cu, tu):
            assert_close(c, t)


def test_unpadded_sequences_are_copies():
    padded = cygrad.tensor([[1., 4.], [2., 0.], [3., 0.]])
    first, _ = rnn.unpad_sequence(padded, [3, 1])
    first.add_(10.)
    assert padded.tolist() == [[1., 4.], [2., 0.], [3., 0.]]


# ------------------------------------------------------------------------------ gradients
def _weights(shape, seed):
    return _arr(shape, "float64", seed)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("trailing", TRAILING)
def test_pack_pad_round_trip_gradients_match_torch(batch_first, enforce_sorted, trailing):
    lengths = [4, 2, 2, 1] if enforce_sorted else [2, 4, 1, 2]
    steps = 5
    arr = _arr(_padded_shape(steps, 4, trailing, batch_first), seed=11)
    cx, tx = _both(arr, requires_grad=True)
    cp = rnn.pack_padded_sequence(cx, lengths, batch_first, enforce_sorted)
    tp = trnn.pack_padded_sequence(tx, lengths, batch_first, enforce_sorted)
    assert cp.data.requires_grad and cp.data.grad_fn is not None
    wd = _weights(tuple(cp.data.shape), 12)
    cpad, _ = rnn.pad_packed_sequence(cp, batch_first, padding_value=3.0, total_length=6)
    tpad, _ = trnn.pad_packed_sequence(tp, batch_first, padding_value=3.0, total_length=6)
    wp = _weights(tuple(cpad.shape), 13)
    closs = (cp.data * cygrad.tensor(wd)).sum() + (cpad * cygrad.tensor(wp)).sum()
    tloss = (tp.data * torch.tensor(wd)).sum() + (tpad * torch.tensor(wp)).sum()
    closs.backward()
    tloss.backward()
    assert_close(cx.grad, tx.grad)
    assert not np.allclose(to_numpy(cx.grad), 0)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_and_unpack_gradients_match_torch(batch_first, padding_side):
    lengths = [3, 5, 1]
    cleaves, tleaves = _seq_pairs(lengths, (2,), seed=21, requires_grad=True)
    # the last sequence is broadcast over the trailing dim
    cs, ts = cleaves[:2] + [cleaves[2].sum(1)], tleaves[:2] + [tleaves[2].sum(1)]
    cpad = rnn.pad_sequence(cs, batch_first, -1.0, padding_side)
    tpad = trnn.pad_sequence(ts, batch_first, -1.0, padding_side)
    w = _weights(tuple(cpad.shape), 22)
    cpacked = rnn.pack_sequence(cs[:2], enforce_sorted=False)
    tpacked = trnn.pack_sequence(ts[:2], enforce_sorted=False)
    wk = _weights(tuple(cpacked.data.shape), 23)
    cun = rnn.unpack_sequence(cpacked)
    tun = trnn.unpack_sequence(tpacked)
    closs = (cpad * cygrad.tensor(w)).sum() + (cpacked.data * cygrad.tensor(wk)).sum() \
        + sum((u * (i + 2)).sum() for i, u in enumerate(cun))
    tloss = (tpad * torch.tensor(w)).sum() + (tpacked.data * torch.tensor(wk)).sum() \
        + sum((u * (i + 2)).sum() for i, u in enumerate(tun))
    closs.backward()
    tloss.backward()
    for c, t in zip(cleaves, tleaves):
        assert_close(c.grad, t.grad)


def test_unpad_sequence_gradient_matches_torch():
    arr = _arr((5, 3, 2), seed=31)
    cx, tx = _both(arr, requires_grad=True)
    lengths = [5, 2, 3]
    cu = rnn.unpad_sequence(cx, cygrad.tensor(lengths))
    tu = trnn.unpad_sequence(tx.clone(), torch.tensor(lengths))
    sum(((u * (i + 1)) ** 2).sum() for i, u in enumerate(cu)).backward()
    sum(((u * (i + 1)) ** 2).sum() for i, u in enumerate(tu)).backward()
    assert_close(cx.grad, tx.grad)


def _leaf64(shape, seed):
    return cygrad.tensor(_arr(shape, "float64", seed), requires_grad=True)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_gradcheck_pack_padded_sequence(batch_first, enforce_sorted):
    lengths = [3, 3, 1] if enforce_sorted else [1, 3, 2]
    x = _leaf64(_padded_shape(4, 3, (2,), batch_first), 41)
    assert gradcheck(lambda x: rnn.pack_padded_sequence(x, lengths, batch_first,
                                                        enforce_sorted).data, (x,))


@pytest.mark.parametrize("batch_first", [False, True])
def test_gradcheck_pad_packed_sequence(batch_first):
    packed = rnn.pack_padded_sequence(cygrad.zeros(3, 4), [1, 3, 2, 3], enforce_sorted=False)
    data = _leaf64((9,), 42)

    def f(d):
        p = rnn.PackedSequence(d, packed.batch_sizes, packed.sorted_indices,
                               packed.unsorted_indices)
        return rnn.pad_packed_sequence(p, batch_first, padding_value=0.5, total_length=5)[0]

    assert gradcheck(f, (data,))


@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_gradcheck_pad_pack_unpad_unpack(padding_side):
    a, b, c = _leaf64((3, 2), 43), _leaf64((1, 2), 44), _leaf64((2, 2), 45)
    assert gradcheck(lambda a, b, c: rnn.pad_sequence([a, b, c], True, 0.0, padding_side),
                     (a, b, c))
    assert gradcheck(lambda a, b, c: rnn.pack_sequence([a, b, c], False).data, (a, b, c))
    assert gradcheck(lambda a, b, c: cygrad.cat(
        rnn.unpack_sequence(rnn.pack_sequence([b, a, c], False))), (a, b, c))
    padded = _leaf64((4, 3, 2), 46)
    assert gradcheck(lambda x: cygrad.cat(rnn.unpad_sequence(x, [4, 1, 2])), (padded,))


# ---------------------------------------------------------------------- PackedSequence API
def test_packed_sequence_is_a_named_tuple():
    x = cygrad.tensor([[1., 2.], [3., 0.]])
    p = rnn.pack_padded_sequence(x, [2, 1])
    assert isinstance(p, tuple) and len(p) == 4
    data, batch_sizes, *rest = p
    assert data is p.data and batch_sizes is p.batch_sizes and rest == [None, None]
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert p.batch_sizes.dtype is cygrad.int64 and p.batch_sizes.device.type == "cpu"
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is rnn.PackedSequence and q.data.tolist() == p.data.tolist()


def test_packed_sequence_repr_matches_torch():
    seqs = [[1, 2, 3], [4, 5], [6]]
    cp = rnn.pack_sequence([cygrad.tensor(s) for s in seqs])
    tp = trnn.pack_sequence([torch.tensor(s) for s in seqs])
    assert repr(cp) == repr(tp)
    cp = rnn.pack_sequence([cygrad.tensor(s) for s in seqs[::-1]], enforce_sorted=False)
    tp = trnn.pack_sequence([torch.tensor(s) for s in seqs[::-1]], enforce_sorted=False)
    assert repr(cp) == repr(tp)


def test_packed_sequence_constructor_forms():
    data, bs = cygrad.tensor([1., 2., 3.]), cygrad.tensor([2, 1])
    p = rnn.PackedSequence(data, bs, cygrad.tensor([1, 0]))
    assert p.unsorted_indices.tolist() == [1, 0]
    p = rnn.PackedSequence((data, bs))
    assert p.data is data and p.batch_sizes is bs and p.sorted_indices is None
    with pytest.raises(AssertionError, match="Expected data to be a list or tuple of length 2"):
        rnn.PackedSequence(data)


def test_packed_sequence_conversions():
    x = cygrad.tensor([[1., 2.], [3., 0.]])
    p = rnn.pack_padded_sequence(x, [1, 2], enforce_sorted=False)
    assert p.to(cygrad.float32) is p and p.float() is p and p.cpu() is p
    assert p.to("cpu") is p
    for q, dtype in [(p.double(), cygrad.float64), (p.to(cygrad.float64), cygrad.float64),
                     (p.to(dtype=cygrad.float64), cygrad.float64), (p.long(), cygrad.int64),
                     (p.int(), cygrad.int32)]:
        assert type(q) is rnn.PackedSequence and q is not p
        assert q.data.dtype is dtype
        assert q.data.tolist() == p.data.tolist()
        assert q.batch_sizes is p.batch_sizes
        assert q.sorted_indices.tolist() == [1, 0] and q.unsorted_indices.tolist() == [1, 0]
    assert p.is_cuda is False and p.is_pinned() is False
    with pytest.raises(RuntimeError, match="only the 'cpu' device"):
        p.cuda()
    with pytest.raises(RuntimeError, match="Cannot access accelerator device"):
        p.pin_memory()
    with pytest.raises(TypeError, match="not supported"):
        p.half()


def test_invert_permutation_matches_torch():
    perm = [3, 0, 4, 1, 2]
    assert rnn.invert_permutation(None) is None
    assert (rnn.invert_permutation(cygrad.tensor(perm)).tolist()
            == trnn.invert_permutation(torch.tensor(perm)).tolist())


def test_reachable_as_nn_utils_rnn():
    assert nn.utils.rnn is rnn
    from cygrad.nn.utils.rnn import PackedSequence, pack_padded_sequence  # noqa: F401
    assert set(rnn.__all__) == set(trnn.__all__)


# ---------------------------------------------------------------------------------- errors
_X = np.arange(24.).reshape(4, 3, 2)
_A, _B = np.arange(6.).reshape(3, 2), np.arange(2.).reshape(1, 2)

ERRORS = [
    # (name, call(lib, rnn_module), exception, match)
    ("unsorted", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [2, 3, 1]),
     RuntimeError, r"`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                   r"is True\. You can pass `enforce_sorted=False` to pack_padded_sequence "
                   r"and/or pack_sequence to sidestep this requirement if you do not need "
                   r"ONNX exportability\."),
    ("unsorted_zero_inside", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [3, 0, 2]),
     RuntimeError, "must be sorted in decreasing order"),
    ("zero", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [3, 1, 0]),
     RuntimeError, r"Length of all samples has to be greater than 0, but found an element in "
                   r"'lengths' that is <= 0"),
    ("zero_unsorted", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [0, 3, 2],
                                                          enforce_sorted=False),
     RuntimeError, "Length of all samples has to be greater than 0"),
    ("negative", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [3, -1, 2],
                                                     enforce_sorted=False),
     RuntimeError, "Length of all samples has to be greater than 0"),
    ("too_few_lengths", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [3, 2]),
     RuntimeError, r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 "
                   r"\(batch_size=3\)"),
    ("too_many_lengths", lambda T, R: R.pack_padded_sequence(T.tensor(_X), [3, 2, 1, 1]),
     RuntimeError, r"but got 4 \(batch_size=3\)"),
    ("lengths_2d", lambda T, R: R.pack_padded_sequence(T.tensor(_X), T.tensor([[3, 2, 1]])),
     RuntimeError, r"'lengths' argument should be a 1D CPU int64 tensor, but got 2D cpu "
                   r"Long tensor"),
    ("lengths_scalar", lambda T, R: R.pack_padded_sequence(T.tensor(_X), 3),
     RuntimeError, "should be a 1D CPU int64 tensor, but got 0D"),
    ("lengths_str", lambda T, R: R.pack_padded_sequence(T.tensor(_X), "abc"),
     TypeError, "invalid data type 'str'"),
    ("lengths_none", lambda T, R: R.pack_padded_sequence(T.tensor(_X), None),
     TypeError, "'NoneType' object cannot be interpreted as an integer"),
    ("input_list", lambda T, R: R.pack_padded_sequence([[1., 2.]], [1]),
     TypeError, r"argument 'input' \(position 1\) must be Tensor, not list"),
    ("input_1d", lambda T, R: R.pack_padded_sequence(T.ones(4), [3]),
     IndexError, "Dimension out of range"),
    ("input_empty", lambda T, R: R.pack_padded_sequence(T.ones(4, 0), []),
     RuntimeError, r"Cannot pack empty tensors\."),
    ("total_length", lambda T, R: R.pad_packed_sequence(
        R.pack_padded_sequence(T.tensor(_X), [4, 2, 1]), total_length=3),
     ValueError, r"Expected total_length to be at least the length of the longest sequence "
                 r"in input, but got total_length=3 and max sequence length being 4"),
    ("total_length_float", lambda T, R: R.pad_packed_sequence(
        R.pack_padded_sequence(T.tensor(_X), [4, 2, 1]), total_length=4.5),
     TypeError, r"argument 'total_length' \(position 5\) must be int, not float"),
    ("pad_packed_tuple", lambda T, R: R.pad_packed_sequence((T.ones(3), T.tensor([2, 1]))),
     AttributeError, "batch_sizes"),
    ("pad_empty", lambda T, R: R.pad_sequence([]),
     RuntimeError, "received an empty list of sequences"),
    ("pad_not_iterable", lambda T, R: R.pad_sequence(5),
     RuntimeError, r"pad_sequence: Expected iterable for input sequences, but got arg of "
                   r"type: <class 'int'>"),
    ("pad_element_list", lambda T, R: R.pad_sequence([T.tensor(_A), [1., 2.]]),
     TypeError, "expected Tensor as element 1 in argument 0, but got list"),
    ("pad_side", lambda T, R: R.pad_sequence([T.tensor(_A)], padding_side="middle"),
     RuntimeError, r"Expected padding_side to be one of left or right, but got middle\."),
    ("pad_value_none", lambda T, R: R.pad_sequence([T.tensor(_A)], padding_value=None),
     TypeError, r"argument 'padding_value' \(position 3\) must be float, not NoneType"),
    ("pad_mismatch", lambda T, R: R.pad_sequence([T.tensor(_A), T.ones(2, 3)]),
     RuntimeError, r"The size of tensor a \(2\) must match the size of tensor b \(3\) at "
                   r"non-singleton dimension 1"),
    ("pad_too_many_dims", lambda T, R: R.pad_sequence([T.tensor(_A), T.ones(2, 1, 2)]),
     RuntimeError, r"output with shape \[2, 2\] doesn't match the broadcast shape "
                   r"\[2, 2, 2\]"),
    ("pad_into_size_one", lambda T, R: R.pad_sequence([T.ones(3, 1), T.ones(2, 3)]),
     RuntimeError, r"output with shape \[2, 1\] doesn't match the broadcast shape \[2, 3\]"),
    ("pad_dim_mismatch", lambda T, R: R.pad_sequence([T.ones(3, 1), T.ones(2, 4, 2)]),
     RuntimeError, r"The size of tensor a \(2\) must match the size of tensor b \(4\) at "
                   r"non-singleton dimension 1"),
    ("pad_scalar_element", lambda T, R: R.pad_sequence([T.ones(3), T.ones(())]),
     IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    ("pack_seq_unsorted", lambda T, R: R.pack_sequence([T.tensor(_B), T.tensor(_A)]),
     RuntimeError, "must be sorted in decreasing order"),
    ("pack_seq_zero", lambda T, R: R.pack_sequence([T.tensor(_A), T.ones(0, 2)]),
     RuntimeError, "Length of all samples has to be greater than 0"),
    ("pack_seq_empty", lambda T, R: R.pack_sequence([]),
     RuntimeError, "received an empty list of sequences"),
    ("pack_seq_no_features", lambda T, R: R.pack_sequence([T.ones(2, 0), T.ones(1, 0)]),
     RuntimeError, "Cannot pack empty tensors"),
    ("unpad_short", lambda T, R: R.unpad_sequence(T.ones(3, 2), T.tensor([3])),
     ValueError, "zip\\(\\) argument 2 is shorter than argument 1"),
    ("unpad_long", lambda T, R: R.unpad_sequence(T.ones(3, 2), T.tensor([3, 1, 1])),
     ValueError, "zip\\(\\) argument 2 is longer than argument 1"),
]


@pytest.mark.parametrize("call, exc, match", [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_errors_match_torch(call, exc, match):
    with pytest.raises(exc, match=match):
        call(cygrad, rnn)
    with pytest.raises(exc, match=match):          # the same error as PyTorch's
        call(torch, trnn)


def test_length_longer_than_input_raises():
    # PyTorch packs a silently truncated ``data`` here (its batch_sizes sum to more rows
    # than ``data`` has); cygrad refuses
    with pytest.raises(RuntimeError, match=r"at most the padded length of the input \(4\), "
                                           r"but found a length of 5"):
        rnn.pack_padded_sequence(cygrad.tensor(_X), [5, 2, 1])
    with pytest.raises(RuntimeError, match="at most the padded length"):
        rnn.pack_padded_sequence(cygrad.tensor(_X), [1, 5, 2], batch_first=False,
                                 enforce_sorted=False)


def test_too_few_lengths_unsorted_raises():
    # PyTorch drops the sequences without a length when ``enforce_sorted=False``
    with pytest.raises(RuntimeError, match=r"but got 2 \(batch_size=3\)"):
        rnn.pack_padded_sequence(cygrad.tensor(_X), [3, 2], enforce_sorted=False)
