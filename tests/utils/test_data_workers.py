"""``DataLoader(num_workers > 0)``: batches built in worker processes (fork and spawn), the
same batches as in the main process, seeds, worker info, errors, timeouts, dead workers,
persistent workers, and workers forked after the parent ran threaded kernels."""
import os
import random
import time

import numpy as np
import pytest

import cygrad
from cygrad.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                               get_worker_info)

METHODS = [m for m in ("fork", "spawn") if m in __import__("multiprocessing")
           .get_all_start_methods()]


class Squares(Dataset):
    """A map-style dataset with per-sample work in Python."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return cygrad.tensor([float(i), float(i) ** 2]), i


class Shards(IterableDataset):
    """Each worker yields its own share of ``range(n)``."""

    def __init__(self, n=17):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Info(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return [info.id, info.num_workers, info.seed, random.random(),
                cygrad.rand(1).item(), os.getpid()]


class Failing(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 4:
            raise ValueError(f"sample {i} is broken")
        return i


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(3)
        return i


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(3)


class Threaded(Dataset):
    """Runs large (multi-threaded in the parent) kernels inside the worker."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        a = cygrad.ones(300, 300)
        return (a @ a).sum() + cygrad.ones(1_000_000).sum()


def _set_flag(worker_id):
    random.seed(1000 + worker_id)


def _rows(loader):
    """The samples of :class:`Info` batches (default_collate made one tensor per field)."""
    return [row for b in loader for row in zip(*[t.tolist() for t in b])]


def _batches(loader):
    return [[t.tolist() if isinstance(t, cygrad.Tensor) else t for t in b] for b in loader]


@pytest.mark.parametrize("method", METHODS)
def test_workers_give_the_main_process_batches(method):
    ds = Squares()
    ref = _batches(DataLoader(ds, batch_size=4))
    got = _batches(DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context=method))
    assert got == ref
    X = cygrad.arange(40.0).view(20, 2)
    y = cygrad.arange(20)
    td = TensorDataset(X, y)
    assert _batches(DataLoader(td, batch_size=3, num_workers=2, drop_last=True,
                               multiprocessing_context=method)) == \
        _batches(DataLoader(td, batch_size=3, drop_last=True))
    # no auto-collation: one converted sample per item
    assert [b[1] for b in DataLoader(ds, batch_size=None, num_workers=2,
                                     multiprocessing_context=method)] == list(range(23))


@pytest.mark.parametrize("method", METHODS)
def test_iterable_dataset_shards_by_worker_info(method):
    loader = DataLoader(Shards(), batch_size=3, num_workers=3, multiprocessing_context=method)
    got = sorted(x for b in loader for x in b.tolist())
    assert got == list(range(17))


def test_shuffled_epochs_with_a_seeded_generator_repeat():
    ds = Squares(30)

    def epoch(seed, workers):
        g = cygrad.Generator().manual_seed(seed)
        loader = DataLoader(ds, batch_size=5, shuffle=True, generator=g, num_workers=workers)
        return [b[1].tolist() for b in loader]

    assert epoch(3, 2) == epoch(3, 0)
    assert sorted(sum(epoch(3, 2), [])) == list(range(30))


def test_worker_info_seeds_and_init_fn():
    g = cygrad.Generator().manual_seed(0)
    rows = _rows(DataLoader(Info(), batch_size=2, num_workers=2, generator=g,
                            worker_init_fn=_set_flag))
    ids = {int(r[0]) for r in rows}
    assert ids == {0, 1} and {int(r[1]) for r in rows} == {2}
    seeds = {int(r[0]): int(r[2]) for r in rows}
    assert seeds[1] == seeds[0] + 1
    pids = {int(r[5]) for r in rows}
    assert len(pids) == 2 and os.getpid() not in pids
    # worker_init_fn ran: Python's random was reseeded with 1000 + id
    first = {}
    for r in rows:
        first.setdefault(int(r[0]), r[3])
    for wid, value in first.items():
        random.seed(1000 + wid)
        assert abs(value - random.random()) < 1e-6
    # cygrad's generator is seeded per worker: the two workers draw differently
    draws = [r[4] for r in rows]
    assert len(set(draws)) == len(draws)


def test_worker_exception_is_reraised_with_its_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process") as e:
        list(loader)
    assert "sample 4 is broken" in str(e.value) and "Traceback" in str(e.value)


def test_timeout_and_dead_worker():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 1 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=1))
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(Dies(), batch_size=1, num_workers=1))


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Info(), batch_size=2, num_workers=2, persistent_workers=True)
    pids = []
    for _ in range(3):
        rows = _rows(loader)
        assert len(rows) == 8
        pids.append({int(r[5]) for r in rows})
    assert pids[0] == pids[1] == pids[2]
    it = iter(loader)
    next(it)                                    # an epoch left half-way
    assert len([b for b in loader]) == 4        # the next one is whole
    loader._workers_iter._shutdown()
    # iterable datasets restart each epoch
    loader = DataLoader(Shards(), batch_size=4, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(x for b in loader for x in b.tolist()) == list(range(17))
    loader._workers_iter._shutdown()


@pytest.mark.parametrize("method", METHODS)
def test_workers_after_the_parent_ran_threaded_kernels(method):
    a = cygrad.ones(600, 600)
    (a @ a).sum()                               # starts the thread pool's workers
    cygrad.ones(2_000_000).sum()
    out = [b.tolist() for b in DataLoader(Threaded(), batch_size=2, num_workers=2,
                                          multiprocessing_context=method, timeout=120)]
    expect = 300.0 * 300 * 300 + 1_000_000
    assert np.allclose(out, [[expect, expect], [expect, expect]])


def test_random_sampler_with_replacement_is_drawn_lazily():
    from cygrad.utils.data import RandomSampler

    ds = TensorDataset(cygrad.arange(100.0))
    s = RandomSampler(ds, replacement=True, num_samples=int(1e10),
                      generator=cygrad.Generator().manual_seed(0))
    assert len(s) == 10 ** 10                    # 74 GiB if it were materialised
    it = iter(s)
    first = [next(it) for _ in range(1000)]
    assert all(0 <= i < 100 for i in first) and len(set(first)) > 50
    loader = DataLoader(ds, sampler=s, batch_size=32)
    assert len(loader) == -(-10 ** 10 // 32)
    b = next(iter(loader))[0]
    assert b.shape == (32,)
    # small passes are unchanged: a chained permutation without replacement
    s2 = RandomSampler(ds, num_samples=250, generator=cygrad.Generator().manual_seed(1))
    got = list(s2)
    assert len(got) == 250 and sorted(got[:100]) == list(range(100))
    assert sorted(got[200:]) == sorted(set(got[200:]))
