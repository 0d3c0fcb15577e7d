"""Datasets: map-style and iterable, their combinations, and ``random_split``
(``torch.utils.data.dataset``)."""
import bisect
import math
import warnings

import numpy as np

from .sampler import _randperm

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]


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
