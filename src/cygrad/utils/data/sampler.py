"""Samplers: which dataset indices a ``DataLoader`` fetches, in which order
(``torch.utils.data.sampler``)."""
import numpy as np

from ..._core._tensor import TensorBase
from ..._dtype import float64
from ...creation import Generator, default_generator, tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


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

    _CHUNK = 1 << 16

    def _chunks(self):
        """The indices of one pass, drawn lazily in int64 chunks: ``num_samples`` may be far
        larger than memory (makemore asks for ``1e10``)."""
        n, m = len(self.data_source), self.num_samples
        bits = _bits(self.generator)
        if self.replacement:
            for start in range(0, m, self._CHUNK):
                yield bits.integers(0, n, size=min(self._CHUNK, m - start), dtype=np.int64)
            return
        for _ in range(m // n):
            yield bits.permutation(n).astype(np.int64, copy=False)
        if m % n:
            yield bits.permutation(n)[:m % n].astype(np.int64, copy=False)

    def _indices(self):
        return np.concatenate(list(self._chunks()) or [np.zeros(0, np.int64)])

    def __iter__(self):
        for chunk in self._chunks():
            yield from chunk.tolist()

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
        """The batches of one pass as int64 NumPy arrays, made lazily from the sampler's
        chunks (None if the sampler is foreign)."""
        if type(self.sampler) is RandomSampler:
            chunks = self.sampler._chunks()
        else:
            idx = _sampler_indices(self.sampler)
            if idx is None:
                return None
            chunks = iter([idx])
        return self._rebatch(chunks)

    def _rebatch(self, chunks):
        bs = self.batch_size
        carry = np.zeros(0, np.int64)
        for c in chunks:
            if len(carry):
                c = np.concatenate([carry, c])
            full = len(c) - len(c) % bs
            for s in range(0, full, bs):
                yield c[s:s + bs]
            carry = c[full:]
        if len(carry) and not self.drop_last:
            yield carry

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
