"""``cygrad.utils.data``: datasets, samplers, the DataLoader (both the per-sample path and the
TensorDataset gather fast path) and ``default_collate``; compared with ``torch.utils.data``
where PyTorch is installed."""
import collections
import warnings

import numpy as np
import pytest

import cygrad
from conftest import check
from cygrad.utils import data as cdata
from cygrad.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                               IterableDataset, RandomSampler, SequentialSampler, Subset,
                               SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                               default_collate, default_convert, get_worker_info, random_split)

Point = collections.namedtuple("Point", ["x", "y"])


def make_data(n=10, d=3):
    X = cygrad.arange(n * d, dtype=cygrad.float32).reshape(n, d)
    y = cygrad.arange(n)
    return X, y


def slow(batch):
    """default_collate behind another function object: disables the gather fast path."""
    return default_collate(batch)


def labels(loader):
    """The label batches of one epoch, as lists."""
    return [yb.tolist() for _, yb in loader]


# ----------------------------------------------------------------------------- datasets
def test_tensor_dataset():
    X, y = make_data()
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    check(xi, np.arange(9, 12, dtype=np.float32))
    assert yi.item() == 3 and yi.ndim == 0
    assert ds.tensors[0] is X
    xs, ys = ds[2:4]
    assert tuple(xs.shape) == (2, 3) and ys.tolist() == [2, 3]


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(cygrad.zeros(3, 2), cygrad.zeros(4))


def test_subset_concat_and_add():
    s = Subset(list("abcdef"), [5, 0, 2])
    assert len(s) == 3 and [s[i] for i in range(3)] == ["f", "a", "c"]
    assert s.__getitems__([0, 2]) == ["f", "c"]

    c = ConcatDataset([[0, 1], [10, 11, 12]])
    assert len(c) == 5 and c.cumulative_sizes == [2, 5]
    assert [c[i] for i in range(5)] == [0, 1, 10, 11, 12]
    assert c[-1] == 12 and c[-5] == 0
    with pytest.raises(ValueError, match="absolute value of index"):
        c[-6]
    with pytest.raises(AssertionError, match="empty iterable"):
        ConcatDataset([])

    class Range(Dataset):
        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return i

    both = Range(2) + Range(3)
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(5)] == [0, 1, 0, 1, 2]
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    assert Dataset[int] is Dataset  # usable in type hints


def test_iterable_and_chain_dataset():
    class Gen(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    chained = Gen(2) + Gen(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2]
    with pytest.raises(AssertionError, match="IterableDataset"):
        ConcatDataset([Gen(2)])


# ----------------------------------------------------------------------------- random_split
def test_random_split_lengths_disjoint_and_covering():
    parts = random_split(range(10), [3, 7], generator=cygrad.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    a, b = (set(p) for p in parts)
    assert not a & b and a | b == set(range(10))
    assert all(isinstance(p, Subset) for p in parts)


def test_random_split_fractions():
    parts = random_split(range(10), [0.33, 0.33, 0.34])
    assert [len(p) for p in parts] == [4, 3, 3]   # floor 3,3,3 and the remainder round-robin
    assert sorted(i for p in parts for i in p) == list(range(10))
    parts = random_split(range(7), [0.5, 0.5])
    assert [len(p) for p in parts] == [4, 3]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(3), [0.9, 0.1])


def test_random_split_reproducible():
    def split(**kw):
        return [list(p) for p in random_split(range(50), [20, 30], **kw)]

    assert split(generator=cygrad.Generator().manual_seed(3)) == \
        split(generator=cygrad.Generator().manual_seed(3))
    assert split(generator=cygrad.Generator().manual_seed(3)) != \
        split(generator=cygrad.Generator().manual_seed(4))
    cygrad.manual_seed(5)
    first = split()
    cygrad.manual_seed(5)
    assert split() == first


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.raises(ValueError, match="non-negative integers"):
        random_split(range(10), [0.3, 0.3])


# ----------------------------------------------------------------------------- samplers
def test_sequential_and_random_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4
    s = RandomSampler(range(20), generator=cygrad.Generator().manual_seed(1))
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second                      # each pass draws a new permutation
    assert all(type(i) is int for i in first)


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(4), num_samples=10)
    idx = list(s)
    assert len(s) == len(idx) == 10
    assert sorted(idx[:4]) == sorted(idx[4:8]) == [0, 1, 2, 3]   # chained permutations
    r = RandomSampler(range(3), replacement=True, num_samples=50)
    idx = list(r)
    assert len(idx) == 50 and set(idx) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(0))
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(TypeError, match="cygrad.Generator"):
        list(RandomSampler(range(3), generator=42))


def test_subset_and_weighted_sampler():
    assert sorted(SubsetRandomSampler([7, 3, 5])) == [3, 5, 7]
    assert len(SubsetRandomSampler([7, 3, 5])) == 3
    assert list(WeightedRandomSampler([0.0, 1.0, 0.0], 5)) == [1, 1, 1, 1, 1]
    w = WeightedRandomSampler(cygrad.tensor([1.0, 1.0, 1.0, 0.0]), 3, replacement=False)
    assert sorted(w) == [0, 1, 2] and len(w) == 3
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(RuntimeError, match="invalid multinomial"):
        list(WeightedRandomSampler([0.0, 0.0], 2))


def test_batch_sampler():
    seq = SequentialSampler(range(7))
    assert list(BatchSampler(seq, 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(seq, 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(seq, 3, False)) == 3 and len(BatchSampler(seq, 3, True)) == 2
    # any iterable of indices works as the sampler
    assert list(BatchSampler(iter([4, 2, 0]), 2, False)) == [[4, 2], [0]]
    assert len(BatchSampler(range(10), 5, True)) == 2
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(seq, bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(seq, 2, 1)


# ----------------------------------------------------------------------------- the loader
@pytest.mark.parametrize("collate", [None, slow], ids=["fast", "per-sample"])
def test_batches_and_last_partial_batch(collate):
    X, y = make_data(10, 3)
    loader = DataLoader(TensorDataset(X, y), batch_size=4, collate_fn=collate)
    assert len(loader) == 3
    batches = list(loader)
    assert len(batches) == 3
    for b in batches:
        assert isinstance(b, list) and len(b) == 2   # default_collate makes tuples lists
    assert [tuple(b[0].shape) for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    check(batches[1][0], np.arange(12, 24, dtype=np.float32).reshape(4, 3))
    assert batches[0][0].dtype is cygrad.float32 and batches[0][1].dtype is cygrad.int64


@pytest.mark.parametrize("collate", [None, slow], ids=["fast", "per-sample"])
def test_drop_last(collate):
    X, y = make_data(10, 3)
    loader = DataLoader(TensorDataset(X, y), batch_size=4, drop_last=True, collate_fn=collate)
    assert len(loader) == 2
    assert labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    exact = DataLoader(TensorDataset(X, y), batch_size=5, drop_last=True, collate_fn=collate)
    assert len(exact) == 2 and labels(exact) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_batch_size_one_and_larger_than_dataset():
    X, y = make_data(3, 2)
    assert labels(DataLoader(TensorDataset(X, y))) == [[0], [1], [2]]
    assert labels(DataLoader(TensorDataset(X, y), batch_size=10)) == [[0, 1, 2]]
    assert list(DataLoader(TensorDataset(X, y), batch_size=10, drop_last=True)) == []


@pytest.mark.parametrize("collate", [None, slow], ids=["fast", "per-sample"])
def test_shuffle_visits_every_sample_once(collate):
    X, y = make_data(103, 2)
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, collate_fn=collate)
    for _ in range(2):
        seen = [i for b in labels(loader) for i in b]
        assert sorted(seen) == list(range(103))
        assert seen != list(range(103))
    # the rows stay aligned with their labels
    for xb, yb in loader:
        check(xb[:, 0], (yb * 2).float().numpy())


@pytest.mark.parametrize("collate", [None, slow], ids=["fast", "per-sample"])
def test_shuffle_reproducible_with_manual_seed(collate):
    X, y = make_data(50, 2)

    def two_epochs():
        loader = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, collate_fn=collate)
        return labels(loader), labels(loader)

    cygrad.manual_seed(0)
    a1, a2 = two_epochs()
    cygrad.manual_seed(0)
    b1, b2 = two_epochs()
    assert a1 == b1 and a2 == b2
    assert a1 != a2                                 # the next epoch is another order
    cygrad.manual_seed(1)
    assert two_epochs()[0] != a1


@pytest.mark.parametrize("collate", [None, slow], ids=["fast", "per-sample"])
def test_shuffle_reproducible_with_generator(collate):
    X, y = make_data(50, 2)

    def epoch(seed):
        g = cygrad.Generator().manual_seed(seed)
        return labels(DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, generator=g,
                                 collate_fn=collate))

    assert epoch(7) == epoch(7) and epoch(7) != epoch(8)
    # a private generator leaves the global one alone
    cygrad.manual_seed(0)
    expected = cygrad.rand(3).tolist()
    cygrad.manual_seed(0)
    epoch(7)
    assert cygrad.rand(3).tolist() == expected


def test_fast_path_matches_per_sample_path():
    cygrad.manual_seed(0)
    X = cygrad.randn(37, 5)
    y = cygrad.randint(0, 3, (37,))
    w = cygrad.rand(37, 2, 2, dtype=cygrad.float64)
    m = X[:, 0] > 0
    ds = TensorDataset(X, y, w, m)
    for kw in ({}, {"shuffle": True}, {"drop_last": True}, {"batch_size": 1}):
        kw = {"batch_size": 6, **kw}
        cygrad.manual_seed(11)
        fast = list(DataLoader(ds, **kw))
        cygrad.manual_seed(11)
        per_sample = list(DataLoader(ds, collate_fn=slow, **kw))
        assert len(fast) == len(per_sample)
        for fb, sb in zip(fast, per_sample):
            assert isinstance(fb, list) and len(fb) == 4
            for f, s in zip(fb, sb):
                assert f.dtype is s.dtype and tuple(f.shape) == tuple(s.shape)
                assert bool((f == s).all())


def test_fast_path_gathers_without_stacking(monkeypatch):
    X, y = make_data(20, 3)

    def no_stack(*a, **k):
        raise AssertionError("the TensorDataset fast path must not stack rows")

    monkeypatch.setattr(cdata.dataloader, "stack", no_stack)   # where DataLoader looks it up
    assert labels(DataLoader(TensorDataset(X, y), batch_size=8))[0] == list(range(8))
    # also through Subsets (what random_split returns)
    train, _ = random_split(TensorDataset(X, y), [15, 5])
    inner = Subset(train, [0, 2, 4])
    got = [i for b in labels(DataLoader(inner, batch_size=2)) for i in b]
    assert got == [train.indices[0], train.indices[2], train.indices[4]]
    seen = [i for b in labels(DataLoader(train, batch_size=4, shuffle=True)) for i in b]
    assert sorted(seen) == sorted(train.indices)
    # the per-sample path does stack (so the patch above is in effect)
    with pytest.raises(AssertionError, match="must not stack"):
        list(DataLoader(TensorDataset(X, y), batch_size=8, collate_fn=slow))


def test_tensor_dataset_subclass_uses_its_getitem():
    X, y = make_data(6, 2)

    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, t = super().__getitem__(i)
            return x * 2, t

    xb, yb = next(iter(DataLoader(Doubled(X, y), batch_size=6)))
    check(xb, 2 * np.arange(12, dtype=np.float32).reshape(6, 2))


def test_subset_fast_path_values():
    X, y = make_data(12, 2)
    sub = Subset(TensorDataset(X, y), [11, 3, 5, 0, 7])
    assert labels(DataLoader(sub, batch_size=2)) == [[11, 3], [5, 0], [7]]
    xb, _ = next(iter(DataLoader(sub, batch_size=5)))
    check(xb[:, 0], np.array([22, 6, 10, 0, 14], dtype=np.float32))


def test_map_dataset_with_dict_samples():
    class Samples(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(3, i, dtype=np.float32), "label": i, "name": f"s{i}"}

    batches = list(DataLoader(Samples(), batch_size=2))
    assert len(batches) == 3
    b = batches[0]
    assert set(b) == {"x", "label", "name"}
    check(b["x"], np.array([[0, 0, 0], [1, 1, 1]], dtype=np.float32))
    assert b["label"].dtype is cygrad.int64 and b["label"].tolist() == [0, 1]
    assert b["name"] == ["s0", "s1"]
    assert batches[-1]["label"].tolist() == [4]


def test_dataset_getitems_is_used():
    class Batched(Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):  # pragma: no cover - the loader asks __getitems__
            raise AssertionError

        def __getitems__(self, idx):
            self.calls.append(list(idx))
            return [float(i) for i in idx]

    out = [b.tolist() for b in DataLoader(Batched(), batch_size=3)]
    assert out == [[0.0, 1.0, 2.0], [3.0, 4.0]]
    assert Batched.calls == [[0, 1, 2], [3, 4]]


def test_custom_sampler_and_batch_sampler():
    X, y = make_data(6, 2)
    ds = TensorDataset(X, y)
    assert labels(DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])) == \
        [[5, 4], [3, 2], [1, 0]]
    loader = DataLoader(ds, batch_sampler=[[0, 5], [1], [2, 3, 4]])
    assert loader.batch_size is None and len(loader) == 3
    assert labels(loader) == [[0, 5], [1], [2, 3, 4]]
    bs = BatchSampler(RandomSampler(ds, generator=cygrad.Generator().manual_seed(0)), 4, False)
    seen = [i for b in labels(DataLoader(ds, batch_sampler=bs)) for i in b]
    assert sorted(seen) == list(range(6))


def test_no_batching():
    X, y = make_data(3, 2)
    items = list(DataLoader(TensorDataset(X, y), batch_size=None))
    assert len(items) == 3
    assert isinstance(items[0], list)      # default_convert turns the sample tuple into a list
    assert tuple(items[0][0].shape) == (2,) and items[2][1].item() == 2
    arrays = list(DataLoader([np.arange(2), np.arange(2) + 1], batch_size=None))
    assert all(isinstance(a, cygrad.Tensor) for a in arrays)
    assert arrays[1].tolist() == [1, 2]


def test_iterable_dataset_loader():
    class Stream(IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                         [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2
    assert list(DataLoader(Stream(2), batch_size=None)) == [0, 1]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])


def test_loader_iterator_protocol():
    X, y = make_data(5, 2)
    loader = DataLoader(TensorDataset(X, y), batch_size=2)
    it = iter(loader)
    assert iter(it) is it and len(it) == 3
    assert next(it)[1].tolist() == [0, 1]
    assert [b[1].tolist() for b in it] == [[2, 3], [4]]
    with pytest.raises(StopIteration):
        next(it)
    assert get_worker_info() is None


def test_loader_errors():
    X, y = make_data(4, 2)
    ds = TensorDataset(X, y)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="multiprocessing_context option should specify"):
        DataLoader(ds, num_workers=1, multiprocessing_context="threads")
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], drop_last=True)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        DataLoader(TensorDataset(cygrad.zeros(0, 2)), shuffle=True)
    with pytest.warns(UserWarning, match="pin_memory"):
        DataLoader(ds, pin_memory=True)
    # out-of-range indices from a user sampler raise IndexError on both paths
    with pytest.raises(IndexError):
        list(DataLoader(ds, batch_size=2, sampler=[0, 9]))
    with pytest.raises(IndexError):
        list(DataLoader(ds, batch_size=2, sampler=[0, 9], collate_fn=slow))


def test_loader_accepts_compat_keywords():
    X, y = make_data(4, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loader = DataLoader(TensorDataset(X, y), batch_size=2, shuffle=False, num_workers=0,
                            timeout=0, worker_init_fn=None, prefetch_factor=None,
                            persistent_workers=False, pin_memory_device="", in_order=True)
    assert len(list(loader)) == 2


# ----------------------------------------------------------------------------- collation
def test_collate_tensors():
    out = default_collate([cygrad.tensor([1.0, 2.0]), cygrad.tensor([3.0, 4.0])])
    check(out, np.array([[1, 2], [3, 4]], dtype=np.float32))
    out = default_collate([cygrad.tensor(1), cygrad.tensor(2)])
    assert out.tolist() == [1, 2] and out.dtype is cygrad.int64
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([cygrad.zeros(2), cygrad.zeros(3)])


def test_collate_numbers():
    ints = default_collate([1, 2, 3])
    assert ints.dtype is cygrad.int64 and ints.tolist() == [1, 2, 3]
    floats = default_collate([1.5, 2.0])
    assert floats.dtype is cygrad.float64 and floats.tolist() == [1.5, 2.0]
    bools = default_collate([True, False])
    assert bools.dtype is cygrad.bool and bools.tolist() == [True, False]
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_collate_numpy():
    out = default_collate([np.zeros(2, np.float32), np.ones(2, np.float32)])
    check(out, np.array([[0, 0], [1, 1]], dtype=np.float32))
    out = default_collate([np.arange(3), np.arange(3)])
    assert out.dtype is cygrad.int64
    assert default_collate([np.float32(1), np.float32(2)]).dtype is cygrad.float32
    assert default_collate([np.float64(1), np.float64(2)]).dtype is cygrad.float64
    assert default_collate([np.int32(1), np.int32(2)]).dtype is cygrad.int32
    assert default_collate([np.bool_(True), np.bool_(False)]).dtype is cygrad.bool
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="no dtype for NumPy uint8"):
        default_collate([np.zeros(2, np.uint8)] * 2)


def test_collate_tuples_lists_dicts():
    out = default_collate([(1, 2.0, "a"), (3, 4.0, "b")])
    assert isinstance(out, list) and len(out) == 3
    assert out[0].tolist() == [1, 3] and out[0].dtype is cygrad.int64
    assert out[1].dtype is cygrad.float64 and out[2] == ["a", "b"]
    out = default_collate([[1, 2], [3, 4]])
    assert isinstance(out, list) and [o.tolist() for o in out] == [[1, 3], [2, 4]]
    out = default_collate([{"a": 1, "b": {"c": cygrad.zeros(2)}},
                           {"a": 2, "b": {"c": cygrad.ones(2)}}])
    assert type(out) is dict and list(out) == ["a", "b"]
    assert out["a"].tolist() == [1, 2]
    check(out["b"]["c"], np.array([[0, 0], [1, 1]], dtype=np.float32))
    od = default_collate([collections.OrderedDict([("z", 1), ("a", 2)])] * 2)
    assert type(od) is collections.OrderedDict and list(od) == ["z", "a"]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(p) is Point and p.x.tolist() == [1, 3] and p.y.dtype is cygrad.float64
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])


def test_collate_errors():
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <class 'object'>"):
        default_collate([object()])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])


def test_default_convert():
    assert default_convert(3) == 3
    t = default_convert(np.array([1, 2]))
    assert isinstance(t, cygrad.Tensor) and t.dtype is cygrad.int64
    out = default_convert({"a": np.zeros(1), "b": (np.ones(1), "s")})
    assert isinstance(out["a"], cygrad.Tensor) and isinstance(out["b"], list)
    assert out["b"][1] == "s"
    p = default_convert(Point(np.array(0), 1))
    assert type(p) is Point and isinstance(p.x, cygrad.Tensor) and p.y == 1
    s = np.array(["x"])
    assert default_convert(s) is s


# ----------------------------------------------------------------------------- PyTorch parity
def _to_torch_like(torch, obj):
    """Replace cygrad tensors by (shape, dtype name, values) so outputs compare with torch's."""
    if isinstance(obj, cygrad.Tensor):
        return ("tensor", tuple(obj.shape), repr(obj.dtype).split(".")[1], obj.tolist())
    if isinstance(obj, torch.Tensor):
        return ("tensor", tuple(obj.shape), str(obj.dtype).split(".")[1], obj.tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, _to_torch_like(torch, v)) for k, v in obj.items()])
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return ("namedtuple", [_to_torch_like(torch, v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_to_torch_like(torch, v) for v in obj])
    return obj


COLLATE_CASES = [
    [1, 2, 3],
    [1.5, 2.5],
    [True, False],
    ["a", "b"],
    [(1, 2.0), (3, 4.0)],
    [[1, 2], [3, 4]],
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    [collections.OrderedDict([("z", 0), ("a", 1.0)])] * 3,
    [Point(1, 2.0), Point(3, 4.0)],
    [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
    [np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)],
    [np.float32(1.0), np.float32(2.0)],
    [np.float64(1.0), np.float64(2.0)],
    [np.int64(1), np.int64(2)],
    [(np.zeros(2), {"k": 3})] * 2,
]


@pytest.mark.parametrize("case", range(len(COLLATE_CASES)))
def test_collate_matches_torch(case):
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    batch = COLLATE_CASES[case]
    assert _to_torch_like(torch, default_collate(batch)) == \
        _to_torch_like(torch, torch_collate(batch))


def test_collate_tensors_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    rows = np.arange(12, dtype=np.float64).reshape(3, 4)
    ours = default_collate([(cygrad.from_numpy(r.copy()), i) for i, r in enumerate(rows)])
    theirs = torch_collate([(torch.from_numpy(r.copy()), i) for i, r in enumerate(rows)])
    assert _to_torch_like(torch, ours) == _to_torch_like(torch, theirs)


@pytest.mark.parametrize("kw", [{"batch_size": 4}, {"batch_size": 4, "drop_last": True},
                                {"batch_size": 3, "shuffle": True}, {"batch_size": 1},
                                {"batch_size": None}])
def test_loader_shapes_match_torch(kw):
    torch = pytest.importorskip("torch")
    Xn = np.arange(30, dtype=np.float32).reshape(10, 3)
    yn = np.arange(10)
    ours = DataLoader(TensorDataset(cygrad.from_numpy(Xn), cygrad.from_numpy(yn)), **kw)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(Xn), torch.from_numpy(yn)), **kw)
    assert len(ours) == len(theirs)
    ob, tb = list(ours), list(theirs)
    assert len(ob) == len(tb)
    for o, t in zip(ob, tb):
        assert type(o) is type(t)
        for oo, tt in zip(o, t):
            assert tuple(oo.shape) == tuple(tt.shape)
            assert repr(oo.dtype).split(".")[1] == str(tt.dtype).split(".")[1]
            if not kw.get("shuffle"):
                assert oo.tolist() == tt.tolist()


def test_random_split_sizes_match_torch():
    torch = pytest.importorskip("torch")
    for n, fr in [(10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (100, [0.8, 0.1, 0.1]),
                  (5, [0.2] * 5), (11, [0.25, 0.75])]:
        ours = [len(s) for s in random_split(range(n), fr)]
        theirs = [len(s) for s in torch.utils.data.random_split(range(n), fr)]
        assert ours == theirs


def test_submodules_as_in_torch():
    # programs import from torch.utils.data's submodules; the names are the package's
    from cygrad.utils.data.dataloader import DataLoader as DL, default_collate as dc
    from cygrad.utils.data.dataset import Dataset as DS, TensorDataset as TD, random_split as rs
    from cygrad.utils.data.sampler import BatchSampler as BS, RandomSampler as RS
    assert (DL, dc, DS, TD, rs, BS, RS) == (DataLoader, cdata.default_collate, cdata.Dataset,
                                           TensorDataset, random_split, cdata.BatchSampler,
                                           cdata.RandomSampler)
    torch = pytest.importorskip("torch")
    for sub in ("dataloader", "dataset", "sampler"):
        mine = set(getattr(cdata, sub).__all__)
        theirs = set(dir(getattr(torch.utils.data, sub)))
        assert mine <= theirs, mine - theirs
