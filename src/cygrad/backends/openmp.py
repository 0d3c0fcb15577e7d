"""``cygrad.backends.openmp``: whether the kernels use OpenMP threads (they do not)."""

__all__ = ["is_available"]


def is_available():
    """Whether the kernels were built with OpenMP: always ``False``.

    PyTorch answers ``True`` here on most builds because its CPU kernels run on OpenMP
    threads. cygrad's run on its own thread pool of POSIX threads instead (see
    :func:`cygrad.set_num_threads`, which also reads ``OMP_NUM_THREADS``), so code that
    asks this question to decide whether CPU threads exist should ask
    :func:`cygrad.get_num_threads` instead.

    Returns
    -------
    bool
        ``False``.

    Examples
    --------
    >>> import cygrad
    >>> cygrad.backends.openmp.is_available()
    False
    """
    return False
