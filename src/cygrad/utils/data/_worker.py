"""What runs inside a :class:`~cygrad.utils.data.DataLoader` worker process.

A worker receives ``(task index, batch indices)`` on its own queue, builds the batch
(``collate_fn`` of the samples, or the next batch of its replica of an iterable dataset) and
puts ``(task index, batch)`` on the shared result queue. An exception is sent back wrapped,
with its traceback, and re-raised in the main process; ``None`` on the queue stops the
worker. Each worker seeds Python's ``random`` and cygrad's default generator with
``base_seed + worker_id`` and uses one kernel thread (the machine's cores are shared by
the workers and the main process), as PyTorch's workers do.
"""
import random
import traceback

from ..._core._iter import set_num_threads
from ...creation import manual_seed

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None


class WorkerInfo:
    """Describes the current loader worker (see :func:`get_worker_info`).

    Attributes
    ----------
    id : int
        The worker's number, ``0 .. num_workers - 1``.
    num_workers : int
    seed : int
        The seed of this worker's generators.
    dataset : Dataset
        This worker's copy of the dataset.
    """

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):
        self.id = id
        self.num_workers = num_workers
        self.seed = seed
        self.dataset = dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


def get_worker_info():
    """The :class:`WorkerInfo` of the loader worker this runs in, or ``None`` in the main
    process. An :class:`~cygrad.utils.data.IterableDataset` uses it to give each worker its
    own share of the data.

    Examples
    --------
    >>> from cygrad.utils.data import get_worker_info
    >>> get_worker_info() is None
    True
    """
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process as its type and text."""

    def __init__(self, exc, where):
        self.exc_type = type(exc)
        self.where = where
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.text}"
        if self.exc_type is KeyError:           # KeyError's str() would quote the message
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class KeyErrorMessage(str):
    """A ``KeyError`` message printed as is."""

    def __repr__(self):
        return self


class IterableDone:
    """Sent by a worker whose replica of an iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


RESUME = "resume"           # persistent workers: restart the iterable replica for an epoch


def worker_loop(dataset, iterable, fetch, index_queue, data_queue, seed, init_fn, worker_id,
                num_workers):
    """The body of worker ``worker_id``. ``fetch(dataset, indices)`` builds one batch of a
    map-style dataset; ``iterable`` is a function making a batch iterator of an iterable
    dataset (None for map-style)."""
    global _worker_info
    set_num_threads(1)
    random.seed(seed)
    manual_seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    where = f"in DataLoader worker process {worker_id}"
    failure = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
    except Exception as e:            # reported for every batch asked of this worker
        failure = ExceptionWrapper(e, where)
    batches = None
    while True:
        try:
            task = index_queue.get()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        if task == RESUME:
            batches = None
            continue
        idx, indices = task
        if failure is not None:
            data_queue.put((idx, failure))
            continue
        try:
            if iterable is not None:
                if batches is None:
                    batches = iterable(dataset)
                try:
                    data = next(batches)
                except StopIteration:
                    data = IterableDone(worker_id)
            else:
                data = fetch(dataset, indices)
        except Exception as e:
            data = ExceptionWrapper(e, where)
        data_queue.put((idx, data))
