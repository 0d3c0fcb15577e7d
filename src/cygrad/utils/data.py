"""Datasets, samplers and the ``DataLoader``, as in ``torch.utils.data``.

A *map-style* dataset (:class:`Dataset`) returns sample ``i`` from ``dataset[i]`` and knows
its length; an *iterable* dataset (:class:`IterableDataset`) yields its samples. A *sampler*
yields dataset indices (:class:`SequentialSampler`, :class:`RandomSampler`, ...), a
:class:`BatchSampler` groups them into lists, and the :class:`DataLoader` fetches the samples
of each list and merges them into a batch with ``collate_fn`` (:func:`default_collate` by
default, which stacks tensors and turns numbers and NumPy arrays into tensors).

Everything runs in the calling process: ``num_workers`` must be 0. Shuffling draws from
cygrad's random number generators, so ``cygrad.manual_seed(s)`` (or a
``generator=cygrad.Generator().manual_seed(s)``) makes it repeat. The permutations are not
the ones PyTorch draws for the same seed.

When the dataset is a :class:`TensorDataset` (possibly inside :class:`Subset` objects, as
:func:`random_split` returns) and ``collate_fn`` is the default, the loader gathers each batch
with one indexing operation per tensor instead of indexing and stacking sample by sample; the
result is the same.
"""
import bisect
import collections.abc
import copy
import math
import re
import warnings

import numpy as np

from .._core._tensor import TensorBase
from .._dtype import float64
from ..functional import stack
from ..creation import Generator, default_generator, from_numpy, tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DataLoader",
           "default_collate", "default_convert", "get_worker_info"]


# ----------------------------------------------------------------------------- random helpers
def _bits(generator):
    """The NumPy ``Generator`` behind a cygrad ``Generator`` (the default one for ``None``)."""
    if generator is None:
        generator = default_generator
    if isinstance(generator, Generator):
        return generator._bits()
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a cygrad.Generator, got {type(generator).__name__}")


def _randperm(n, generator=None):
    """A random permutation of ``range(n)`` as an int64 NumPy array."""
    return _bits(generator).permutation(n).astype(np.int64, copy=False)


# ----------------------------------------------------------------------------- datasets
class Dataset:
    """A map-style dataset: sample ``i`` is ``dataset[i]``.

    Subclasses implement ``__getitem__`` and, for the default samplers, ``__len__``.
    ``dataset_a + dataset_b`` is a :class:`ConcatDataset`.

    Examples
    --------
    >>> from cygrad.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> ds = Squares()
    >>> [ds[i] for i in range(len(ds))]
    [0, 1, 4, 9]
    >>> len(ds + ds)
    8
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])

    def __class_getitem__(cls, item):  # ``Dataset[T]`` in type hints, as with typing.Generic
        return cls


class IterableDataset(Dataset):
    """A dataset that yields its samples (``__iter__``) instead of indexing them.

    The :class:`DataLoader` batches consecutive samples; it cannot shuffle them or take a
    sampler. ``a + b`` chains two iterable datasets (:class:`ChainDataset`).

    Examples
    --------
    >>> from cygrad.utils.data import DataLoader, IterableDataset
    >>> class Count(IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(5))
    >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """A dataset of tensors indexed along their first dimension.

    Sample ``i`` is the tuple ``(t[i] for t in tensors)``.

    Parameters
    ----------
    *tensors : Tensor
        Tensors with the same size in dimension 0.

    Raises
    ------
    AssertionError
        ``"Size mismatch between tensors"`` when the first dimensions differ (as in PyTorch).

    Examples
    --------
    >>> from cygrad.utils.data import TensorDataset
    >>> ds = TensorDataset(cygrad.arange(6.).reshape(3, 2), cygrad.tensor([0, 1, 0]))
    >>> len(ds)
    3
    >>> ds[1]
    (tensor([2., 3.]), tensor(1))
    """

    def __init__(self, *tensors):
        if not all(tensors[0].size(0) == t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class ConcatDataset(Dataset):
    """The concatenation of map-style datasets.

    Parameters
    ----------
    datasets : iterable of Dataset
        At least one dataset; iterable datasets are refused.

    Attributes
    ----------
    cumulative_sizes : list of int
        The running total of the lengths.

    Examples
    --------
    >>> from cygrad.utils.data import ConcatDataset
    >>> ds = ConcatDataset([[10, 11], [20, 21, 22]])
    >>> len(ds), ds[1], ds[2], ds[-1]
    (5, 11, 20, 22)
    """

    @staticmethod
    def cumsum(sequence):
        """The running totals of the lengths of ``sequence``'s datasets."""
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if d == 0 else idx - self.cumulative_sizes[d - 1]
        return self.datasets[d][sample_idx]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after the other.

    Examples
    --------
    >>> from cygrad.utils.data import ChainDataset
    >>> list(ChainDataset([range(2), range(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
        The whole dataset.
    indices : sequence of int
        The positions kept.

    Examples
    --------
    >>> from cygrad.utils.data import Subset
    >>> s = Subset(['a', 'b', 'c', 'd'], [3, 0])
    >>> len(s), s[0], s[1]
    (2, 'd', 'a')
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        """The samples at a list of positions (what the :class:`DataLoader` asks for)."""
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split a dataset into non-overlapping random subsets.

    Parameters
    ----------
    dataset : Dataset
        The dataset to split; it needs ``__len__``.
    lengths : sequence of int or float
        The sizes of the parts, summing to ``len(dataset)``; or fractions summing to 1, in
        which case each part gets ``floor(frac * len(dataset))`` samples and the remainder is
        handed out one by one from the first part on.
    generator : Generator, optional
        Source of the permutation; the default generator (seeded by
        :func:`cygrad.manual_seed`) when omitted.

    Returns
    -------
    list of Subset

    Raises
    ------
    ValueError
        If the lengths do not add up to the dataset length or a fraction is outside [0, 1].

    Examples
    --------
    >>> from cygrad.utils.data import random_split
    >>> train, test = random_split(range(10), [0.8, 0.2],
    ...                            generator=cygrad.Generator().manual_seed(0))
    >>> len(train), len(test)
    (8, 2)
    >>> sorted(list(train) + list(test))
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              f"empty dataset.", stacklevel=2)
    for length in lengths:
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise ValueError(f"lengths must be non-negative integers or fractions summing to "
                             f"1, got {lengths!r}")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = _randperm(n, generator).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, indices[offset:offset + length]))
        offset += length
    return out


# ----------------------------------------------------------------------------- samplers
class Sampler:
    """Base class of samplers: iterables of dataset indices (or of index lists).

    Subclasses implement ``__iter__`` and usually ``__len__``.
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def __class_getitem__(cls, item):
        return cls


def _sampler_indices(sampler):
    """The indices of one pass of a cygrad sampler as an int64 NumPy array (None for other
    samplers, whose ``__iter__`` may do anything)."""
    if type(sampler) in (SequentialSampler, RandomSampler, SubsetRandomSampler,
                         WeightedRandomSampler):
        return sampler._indices()
    return None


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Examples
    --------
    >>> from cygrad.utils.data import SequentialSampler
    >>> list(SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order.

    Parameters
    ----------
    data_source : Dataset
        The dataset (only its length is used).
    replacement : bool
        Draw ``num_samples`` indices independently (with repeats) instead of permuting.
    num_samples : int, optional
        How many indices one pass yields; ``len(data_source)`` by default. Without
        replacement, more than that chains several permutations.
    generator : Generator, optional
        Source of randomness; the default generator (seeded by :func:`cygrad.manual_seed`)
        when omitted. Each pass draws new indices.

    Examples
    --------
    >>> from cygrad.utils.data import RandomSampler
    >>> s = RandomSampler(range(5), generator=cygrad.Generator().manual_seed(0))
    >>> sorted(s)
    [0, 1, 2, 3, 4]
    >>> len(RandomSampler(range(5), replacement=True, num_samples=8))
    8
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def _indices(self):
        n, m = len(self.data_source), self.num_samples
        bits = _bits(self.generator)
        if self.replacement:
            return bits.integers(0, n, size=m, dtype=np.int64)
        parts = [bits.permutation(n) for _ in range(m // n)]
        if m % n:
            parts.append(bits.permutation(n)[:m % n])
        return np.concatenate(parts).astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in random order.

    Examples
    --------
    >>> from cygrad.utils.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([7, 3, 5]))
    [3, 5, 7]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _indices(self):
        perm = _randperm(len(self.indices), self.generator)
        return np.asarray([self.indices[i] for i in perm.tolist()], dtype=np.int64)

    def __iter__(self):
        perm = _randperm(len(self.indices), self.generator)
        return iter([self.indices[i] for i in perm.tolist()])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float
        One non-negative weight per index (they need not sum to one).
    num_samples : int
        How many indices one pass yields.
    replacement : bool
        Draw with replacement (default). Without it ``num_samples`` cannot exceed the number
        of non-zero weights.
    generator : Generator, optional
        Source of randomness.

    Examples
    --------
    >>> from cygrad.utils.data import WeightedRandomSampler
    >>> list(WeightedRandomSampler([0., 1., 0.], 3))
    [1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or \
                num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(weights.tolist() if isinstance(weights, TensorBase) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = tensor(w.tolist(), dtype=float64)
        self._w = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _indices(self):
        w = self._w
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0, inf, nan or all zero)")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        return _bits(self.generator).choice(len(w), size=self.num_samples,
                                            replace=self.replacement,
                                            p=w / w.sum()).astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler or iterable
        Yields the indices.
    batch_size : int
        Size of each batch (the last one may be smaller).
    drop_last : bool
        Drop the last batch when it is smaller than ``batch_size``.

    Examples
    --------
    >>> from cygrad.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=True))
    [[0, 1, 2], [3, 4, 5]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self):
        """The batches of one pass as int64 NumPy arrays (None if the sampler is foreign)."""
        idx = _sampler_indices(self.sampler)
        if idx is None:
            return None
        n, bs = len(idx), self.batch_size
        stop = n - n % bs if self.drop_last else n
        return (idx[s:s + bs] for s in range(0, stop, bs))

    def __iter__(self):
        batches = self._index_batches()
        if batches is not None:
            for b in batches:
                yield b.tolist()
            return
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class _InfiniteConstantSampler(Sampler):
    """Yields ``None`` forever: the placeholder sampler of iterable datasets."""

    def __iter__(self):
        while True:
            yield None


# ----------------------------------------------------------------------------- collation
_np_str_obj = re.compile(r"[SaUO]")
_collate_err = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found {}")


def _np_tensor(a):
    """``cygrad.as_tensor`` of a NumPy array or scalar, with a clear error for the dtypes
    cygrad lacks."""
    a = np.asarray(a)
    if a.dtype.kind in "biuf" and not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    if a.dtype not in (np.float32, np.float64, np.int32, np.int64, np.bool_):
        raise TypeError(f"cygrad has no dtype for NumPy {a.dtype} data; convert it to float32, "
                        f"float64, int32, int64 or bool in the dataset")
    return from_numpy(a)


def default_collate(batch):
    """Merge a list of samples into a batch, as ``torch.utils.data.default_collate``.

    The result follows the structure of the first sample:

    * tensors are stacked along a new first dimension (:func:`cygrad.stack`);
    * NumPy arrays and scalars become tensors of their dtype, then are stacked;
    * Python ``float`` values become a ``float64`` tensor, ``int`` values an ``int64`` one
      (``bool`` values a ``bool`` one);
    * ``str`` and ``bytes`` values are returned as the list;
    * mappings are collated key by key (keeping their type, e.g. ``OrderedDict``),
      named tuples field by field;
    * other sequences are collated position by position; tuples give a list, as in PyTorch.

    Parameters
    ----------
    batch : list
        The samples.

    Raises
    ------
    TypeError
        For any other element type (or NumPy string/object arrays).
    RuntimeError
        When sequences or tensors in the batch differ in size.

    Examples
    --------
    >>> from cygrad.utils.data import default_collate
    >>> default_collate([cygrad.tensor([1., 2.]), cygrad.tensor([3., 4.])])
    tensor([[1., 2.],
            [3., 4.]])
    >>> default_collate([(1, 2.0), (3, 4.0)])
    [tensor([1, 3]), tensor([2., 4.], dtype=cygrad.float64)]
    >>> default_collate([{'y': 0, 'name': 'a'}, {'y': 1, 'name': 'b'}])
    {'y': tensor([0, 1]), 'name': ['a', 'b']}
    """
    elem = batch[0]
    if isinstance(elem, TensorBase):
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if _np_str_obj.search(elem.dtype.str) is not None:
            raise TypeError(_collate_err.format(elem.dtype))
        return default_collate([_np_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return _np_tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return collated
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(collated):
                    clone[i] = c
                return clone
            return type(elem)(collated)
        except TypeError:
            return collated
    raise TypeError(_collate_err.format(type(elem)))


def default_convert(data):
    """Turn the NumPy arrays in one sample into tensors, as ``torch.utils.data.default_convert``.

    This is the ``collate_fn`` of a :class:`DataLoader` without batching
    (``batch_size=None``). Containers are converted element by element (tuples give lists);
    anything else is returned unchanged.

    Examples
    --------
    >>> from cygrad.utils.data import default_convert
    >>> default_convert(np.array([1, 2]))
    tensor([1, 2])
    >>> default_convert((np.zeros(1), 3))
    [tensor([0.], dtype=cygrad.float64), 3]
    """
    t = type(data)
    if isinstance(data, TensorBase):
        return data
    if t.__module__ == "numpy" and t.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and _np_str_obj.search(data.dtype.str) is not None:
            return data
        return _np_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return t(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return t(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, c in enumerate(converted):
                    clone[i] = c
                return clone
            return t(converted)
        except TypeError:
            return converted
    return data


def get_worker_info():
    """Information about the current loader worker: always ``None`` (cygrad loads in the
    main process)."""
    return None


# ----------------------------------------------------------------------------- loader
def _tensor_source(dataset):
    """``(tensors, subset_indices)`` when ``dataset`` is a :class:`TensorDataset`, possibly
    under :class:`Subset` objects, whose samples are plain rows (no overridden item access);
    else None. ``subset_indices`` lists the Subsets' index arrays, outermost first."""
    maps = []
    while isinstance(dataset, Subset):
        if type(dataset).__getitem__ is not Subset.__getitem__ or \
                type(dataset).__getitems__ is not Subset.__getitems__:
            return None
        try:
            idx = np.asarray(dataset.indices.tolist() if isinstance(dataset.indices, TensorBase)
                             else dataset.indices)
        except Exception:
            return None
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            return None
        maps.append(idx.astype(np.int64, copy=False))
        dataset = dataset.dataset
    if not isinstance(dataset, TensorDataset) or \
            type(dataset).__getitem__ is not TensorDataset.__getitem__ or \
            getattr(type(dataset), "__getitems__", None) is not None:
        return None
    if not all(isinstance(t, TensorBase) for t in dataset.tensors):
        return None
    return dataset.tensors, maps


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader``.

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        Where the samples come from.
    batch_size : int or None
        Samples per batch (default 1). ``None`` turns batching off: each item is one sample
        passed through ``collate_fn`` (:func:`default_convert` by default).
    shuffle : bool
        Visit the samples in a new random order each epoch (a :class:`RandomSampler` using
        ``generator``).
    sampler : Sampler or iterable, optional
        The order of the indices; excludes ``shuffle``.
    batch_sampler : Sampler or iterable, optional
        Yields whole lists of indices; excludes ``batch_size``, ``shuffle``, ``sampler`` and
        ``drop_last``.
    num_workers : int
        Must be 0: cygrad loads in the calling process.
    collate_fn : callable, optional
        Merges a list of samples into a batch (:func:`default_collate` by default).
    pin_memory : bool
        Accepted for compatibility; there is no accelerator memory to pin.
    drop_last : bool
        Drop the last batch if it is smaller than ``batch_size``.
    timeout, worker_init_fn, multiprocessing_context, prefetch_factor
        Accepted for compatibility; they concern worker processes.
    persistent_workers, pin_memory_device, in_order
        Likewise.
    generator : Generator, optional
        Source of randomness of the default :class:`RandomSampler` (``shuffle=True``); the
        default generator (seeded by :func:`cygrad.manual_seed`) when omitted.

    Raises
    ------
    NotImplementedError
        If ``num_workers > 0``.
    ValueError
        For contradictory options (as PyTorch).

    Notes
    -----
    With a :class:`TensorDataset` (also inside :class:`Subset` objects) and the default
    ``collate_fn``, each batch is gathered with one indexing operation per tensor
    (``t[index_tensor]``) rather than by indexing every sample and stacking the rows; the
    batches are the same, a list with one tensor per dataset tensor.

    Examples
    --------
    >>> from cygrad.utils.data import DataLoader, TensorDataset
    >>> X, y = cygrad.arange(10.).reshape(5, 2), cygrad.arange(5)
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=2)
    >>> len(loader)
    3
    >>> for xb, yb in loader:
    ...     print(tuple(xb.shape), yb)
    (2, 2) tensor([0, 1])
    (2, 2) tensor([2, 3])
    (1, 2) tensor([4])

    Shuffling visits every sample once per epoch, in an order fixed by the seed:

    >>> def epoch(seed):
    ...     g = cygrad.Generator().manual_seed(seed)
    ...     loader = DataLoader(TensorDataset(X, y), batch_size=2, shuffle=True, generator=g)
    ...     return [i for _, yb in loader for i in yb.tolist()]
    >>> sorted(epoch(0))
    [0, 1, 2, 3, 4]
    >>> epoch(0) == epoch(0)
    True
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if num_workers > 0:
            raise NotImplementedError(
                f"cygrad's DataLoader loads batches in the main process only: num_workers must "
                f"be 0, got num_workers={num_workers}")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if persistent_workers:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)

        if isinstance(dataset, IterableDataset):
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if isinstance(dataset, IterableDataset):
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return (length + self.batch_size - 1) // self.batch_size
            return length
        return len(self._index_sampler)

    def __iter__(self):
        return _SingleProcessDataLoaderIter(self)

    # -- the batches of one epoch
    def _batches(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._iterable_batches()
            return
        if not self._auto_collation:
            for i in self.sampler:
                yield self.collate_fn(self.dataset[i])
            return
        fast = None
        if self.collate_fn is default_collate and type(self.batch_sampler) is BatchSampler:
            source = _tensor_source(self.dataset)
            batches = self.batch_sampler._index_batches() if source is not None else None
            if batches is not None:
                fast = source, batches
        if fast is not None:
            (tensors, maps), batches = fast
            for idx in batches:
                for m in maps:
                    idx = m[idx]
                it = from_numpy(np.ascontiguousarray(idx, dtype=np.int64))
                yield [t[it] for t in tensors]
            return
        getitems = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if callable(getitems):
                data = getitems(indices)
            else:
                data = [self.dataset[i] for i in indices]
            yield self.collate_fn(data)

    def _iterable_batches(self):
        it = iter(self.dataset)
        if not self._auto_collation:
            for sample in it:
                yield self.collate_fn(sample)
            return
        bs = self.batch_size
        while True:
            batch = []
            for sample in it:
                batch.append(sample)
                if len(batch) == bs:
                    break
            if not batch or (self.drop_last and len(batch) < bs):
                return
            yield self.collate_fn(batch)


class _SingleProcessDataLoaderIter:
    """The iterator of one epoch of a :class:`DataLoader`."""

    def __init__(self, loader):
        self._loader = loader
        self._gen = loader._batches()
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __next__(self):
        data = next(self._gen)
        self._num_yielded += 1
        return data

    def __len__(self):
        return len(self._loader)
