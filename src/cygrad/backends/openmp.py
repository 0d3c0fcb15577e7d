"""``cygrad.backends.openmp``: whether the kernels were built with OpenMP threads."""
from .._core import _iter

__all__ = ["is_available"]


def is_available():
    """``True`` when the kernels were compiled with OpenMP (see :func:`cygrad.set_num_threads`)."""
    return _iter.have_openmp()
