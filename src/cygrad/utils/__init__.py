"""Utilities outside the tensor core, under PyTorch's names (``torch.utils``).

* :mod:`cygrad.utils.data`: datasets, samplers, ``DataLoader`` and ``default_collate``, with
  the submodules ``dataset``, ``sampler`` and ``dataloader`` as in ``torch.utils.data``.
"""
from . import data

__all__ = ["data"]
