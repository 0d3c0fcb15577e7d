"""The ``DataLoader`` and the collate functions that merge samples into batches
(``torch.utils.data.dataloader``)."""
import collections.abc
import copy
import re
import warnings

import numpy as np

from ..._core._tensor import TensorBase
from ..._dtype import float64
from ...creation import from_numpy, tensor
from ...functional import stack
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


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
