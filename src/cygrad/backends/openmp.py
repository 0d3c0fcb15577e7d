"""``cygrad.backends.openmp``: whether the kernels were built with OpenMP threads."""
from .._core import _iter

__all__ = ["is_available"]


def is_available():
    """``True`` when the kernels were compiled with OpenMP.

    Elementwise kernels, reductions and matrix products run on cygrad's own thread pool
    whatever this says; convolution, normalisation, softmax, sort and batched LU use OpenMP
    threads when it is ``True`` (see :func:`cygrad.set_num_threads`).
    """
    return _iter.have_openmp()
