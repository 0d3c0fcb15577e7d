"""The ``DataLoader`` and the collate functions that merge samples into batches
(``torch.utils.data.dataloader``)."""
import collections.abc
import copy
import functools
import itertools
import multiprocessing
import queue
import re
import time
import warnings

import numpy as np

from ..._core._tensor import TensorBase
from ..._dtype import float64
from ...creation import default_generator, from_numpy, tensor
from ...functional import stack
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from . import _worker
from ._worker import get_worker_info

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
        0 (the default) loads in the calling process; ``n > 0`` starts ``n`` worker
        processes (``multiprocessing_context``: ``'fork'``, ``'spawn'``, ``'forkserver'`` or
        a context; the platform's default otherwise) that build batches ahead, up to
        ``prefetch_factor`` each. The batches come back in order. The dataset and
        ``collate_fn`` must be picklable for ``'spawn'``.
    collate_fn : callable, optional
        Merges a list of samples into a batch (:func:`default_collate` by default).
    pin_memory : bool
        Accepted for compatibility; there is no accelerator memory to pin.
    drop_last : bool
        Drop the last batch if it is smaller than ``batch_size``.
    timeout : float
        With workers, seconds to wait for a batch before raising (0: wait for ever).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker before loading.
    multiprocessing_context : str or context, optional
    prefetch_factor : int, optional
        Batches each worker prepares ahead (2 by default with workers).
    persistent_workers : bool
        Keep the workers alive between epochs.
    pin_memory_device, in_order
        Accepted for compatibility (batches always arrive in order).
    generator : Generator, optional
        Source of randomness of the default :class:`RandomSampler` (``shuffle=True``); the
        default generator (seeded by :func:`cygrad.manual_seed`) when omitted.

    Raises
    ------
    ValueError
        For contradictory options (as PyTorch).

    Notes
    -----
    Each worker seeds Python's ``random`` and cygrad's default generator with
    ``base_seed + worker_id`` (``base_seed`` drawn from ``generator`` each epoch) and runs
    its kernels on one thread; :func:`get_worker_info` tells a dataset which worker it is
    in. An exception in a worker is re-raised in the main process with the worker's
    traceback.

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
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(multiprocessing_context, str):
            valid = multiprocessing.get_all_start_methods()
            if multiprocessing_context not in valid:
                raise ValueError(f"multiprocessing_context option should specify a valid start "
                                 f"method in {valid!r}, but got "
                                 f"multiprocessing_context={multiprocessing_context!r}")
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
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        if self.persistent_workers:
            it = getattr(self, "_workers_iter", None)
            if it is None or it._shut:
                it = self._workers_iter = _MultiProcessingDataLoaderIter(self)
            else:
                it._reset()
            return it
        return _MultiProcessingDataLoaderIter(self)

    def _base_seed(self):
        """The workers' base seed for an epoch: derived from the generator's state without
        drawing from it, so that workers do not change the order ``shuffle`` gives."""
        gen = self.generator if self.generator is not None else default_generator
        st = gen._bits().bit_generator.state["state"]
        words = [(v >> k) & 0xFFFFFFFF for v in (st["state"], st["inc"]) for k in (0, 32, 64, 96)]
        return int(np.random.SeedSequence(words).generate_state(1, np.uint64)[0] >> np.uint64(1))

    def _fetcher(self):
        """``(fetch, iterable)`` for the workers: picklable builders of one batch."""
        if isinstance(self.dataset, IterableDataset):
            bs = self.batch_size if self._auto_collation else None
            return None, functools.partial(_iterable_batches, self.collate_fn, bs,
                                           self.drop_last)
        return functools.partial(_fetch, self.collate_fn, self._auto_collation), None

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
        for indices in self.batch_sampler:
            yield _fetch(self.collate_fn, True, self.dataset, indices)

    def _iterable_batches(self):
        bs = self.batch_size if self._auto_collation else None
        return _iterable_batches(self.collate_fn, bs, self.drop_last, self.dataset)


def _fetch(collate_fn, auto_collation, dataset, indices):
    """One batch of a map-style dataset: the samples at ``indices`` collated (or, without
    auto-collation, the one sample at ``indices`` converted)."""
    if not auto_collation:
        return collate_fn(dataset[indices])
    getitems = getattr(dataset, "__getitems__", None)
    if callable(getitems):
        return collate_fn(getitems(indices))
    return collate_fn([dataset[i] for i in indices])


def _iterable_batches(collate_fn, batch_size, drop_last, dataset):
    """The batches of an iterable dataset (``batch_size`` None: one converted sample each)."""
    it = iter(dataset)
    if batch_size is None:
        for sample in it:
            yield collate_fn(sample)
        return
    while True:
        batch = []
        for sample in it:
            batch.append(sample)
            if len(batch) == batch_size:
                break
        if not batch or (drop_last and len(batch) < batch_size):
            return
        yield collate_fn(batch)


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


class _MultiProcessingDataLoaderIter:
    """One epoch of a :class:`DataLoader` with worker processes.

    Batch ``k`` of the epoch is task ``k``: its indices go to the workers round-robin, at
    most ``prefetch_factor`` tasks per worker outstanding, and results are handed out in
    task order (a result that arrives early waits in ``_pending``). An iterable dataset's
    worker that runs dry answers :class:`_worker.IterableDone` and gets no more tasks.
    """

    _POLL = 2.0      # seconds between checks that the workers are still alive

    def __init__(self, loader):
        self._loader = loader
        self._shut = False
        n = loader.num_workers
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context()
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        fetch, iterable = loader._fetcher()
        seed = loader._base_seed()
        self._data_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        for i in range(n):
            iq = ctx.Queue()
            w = ctx.Process(target=_worker.worker_loop,
                            args=(loader.dataset, iterable, fetch, iq, self._data_queue,
                                  seed + i, loader.worker_init_fn, i, n),
                            daemon=True)
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._start_epoch()

    def _start_epoch(self):
        self._sampler_iter = iter(self._loader._index_sampler)
        self._active = list(range(len(self._workers)))
        self._next_worker = itertools.cycle(range(len(self._workers)))
        self._send_idx = 0
        self._rcvd_idx = 0
        self._owner = {}          # task -> worker
        self._pending = {}        # task -> data that arrived before its turn
        self._num_yielded = 0
        for _ in range(max(1, self._loader.prefetch_factor) * len(self._workers)):
            self._put_task()

    def _reset(self):
        """Persistent workers: finish what the last epoch left in flight, start a new one."""
        outstanding = set(self._owner) - set(self._pending)
        while outstanding:
            idx, _ = self._get()
            outstanding.discard(idx)
        if isinstance(self._loader.dataset, IterableDataset):
            for q in self._index_queues:
                q.put(_worker.RESUME)
        self._start_epoch()

    def _put_task(self):
        if not self._active:
            return
        try:
            indices = next(self._sampler_iter)
        except StopIteration:
            return
        while True:
            w = next(self._next_worker)
            if w in self._active:
                break
        self._index_queues[w].put((self._send_idx, indices))
        self._owner[self._send_idx] = w
        self._send_idx += 1

    def _get(self):
        """The next ``(task, data)`` from any worker, watching the timeout and the workers."""
        timeout = self._loader.timeout
        start = time.monotonic()
        while True:
            wait = self._POLL if not timeout else min(self._POLL, timeout)
            try:
                return self._data_queue.get(timeout=wait)
            except queue.Empty:
                pass
            dead = [w.pid for w in self._workers if w.exitcode is not None]
            if dead:
                self._shutdown()
                raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) "
                                   f"exited unexpectedly")
            if timeout and time.monotonic() - start >= timeout:
                self._shutdown()
                raise RuntimeError(f"DataLoader timed out after {timeout} seconds")

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._rcvd_idx >= self._send_idx:
                if not self._loader.persistent_workers:
                    self._shutdown()
                raise StopIteration
            idx = self._rcvd_idx
            if idx in self._pending:
                data = self._pending.pop(idx)
            else:
                got, data = self._get()
                if got != idx:
                    self._pending[got] = data
                    continue
            worker = self._owner.pop(idx)
            self._rcvd_idx += 1
            if isinstance(data, _worker.IterableDone):
                if worker in self._active:
                    self._active.remove(worker)
                continue
            self._put_task()
            if isinstance(data, _worker.ExceptionWrapper):
                self._shutdown()
                data.reraise()
            self._num_yielded += 1
            return data

    def __len__(self):
        return len(self._loader)

    def _shutdown(self):
        if self._shut:
            return
        self._shut = True
        for q in self._index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.join(timeout=5)
            if w.is_alive():
                w.terminate()
                w.join(timeout=1)
        for q in self._index_queues + [self._data_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        try:
            self._shutdown()
        except Exception:
            pass
