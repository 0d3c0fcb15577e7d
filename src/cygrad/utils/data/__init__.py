"""Datasets, samplers and the ``DataLoader``, as in ``torch.utils.data``.

A *map-style* dataset (:class:`Dataset`) returns sample ``i`` from ``dataset[i]`` and knows
its length; an *iterable* dataset (:class:`IterableDataset`) yields its samples. A *sampler*
yields dataset indices (:class:`SequentialSampler`, :class:`RandomSampler`, ...), a
:class:`BatchSampler` groups them into lists, and the :class:`DataLoader` fetches the samples
of each list and merges them into a batch with ``collate_fn`` (:func:`default_collate` by
default, which stacks tensors and turns numbers and NumPy arrays into tensors).

Batches are built in the calling process, or with ``num_workers > 0`` in worker processes
(fork, spawn or forkserver) that prepare them ahead. Shuffling draws from
cygrad's random number generators, so ``cygrad.manual_seed(s)`` (or a
``generator=cygrad.Generator().manual_seed(s)``) makes it repeat. The permutations are not
the ones PyTorch draws for the same seed.

When the dataset is a :class:`TensorDataset` (possibly inside :class:`Subset` objects, as
:func:`random_split` returns) and ``collate_fn`` is the default, the loader gathers each batch
with one indexing operation per tensor instead of indexing and stacking sample by sample; the
result is the same.
"""
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                      TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DataLoader",
           "default_collate", "default_convert", "get_worker_info"]
