"""``cygrad.backends``: the backend switches PyTorch scripts set or query, with the values
a CPU-only PyTorch build reports.

cygrad has one backend (its own CPU kernels), so the switches change nothing: a script that
writes ``torch.backends.cudnn.benchmark = True`` or asks
``torch.backends.mps.is_available()`` runs unchanged.
"""
from . import cuda, cudnn, mps, openmp

__all__ = ["cuda", "cudnn", "mps", "openmp"]
