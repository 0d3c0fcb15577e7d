"""Utilities outside the tensor core, under PyTorch's names (``torch.utils``).

* :mod:`cygrad.utils.data`: datasets, samplers, ``DataLoader`` and ``default_collate``.
"""
from . import data

__all__ = ["data"]
