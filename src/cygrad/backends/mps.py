"""``cygrad.backends.mps``: Apple's Metal backend is never available."""
__all__ = ["is_available", "is_built"]


def is_available():
    """Whether an MPS device can be used: always ``False``.

    Examples
    --------
    >>> cygrad.backends.mps.is_available()
    False
    """
    return False


def is_built():
    """Whether cygrad was built with MPS: always ``False``."""
    return False
