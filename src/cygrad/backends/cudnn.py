"""``cygrad.backends.cudnn``: cuDNN is never available; its flags are kept but unused.

Attributes
----------
enabled : bool
    ``True``, as in PyTorch (cuDNN would be used if present).
benchmark, deterministic : bool
    ``False`` by default; settable, without effect.
allow_tf32 : bool
    ``True`` by default; settable, without effect.
"""
__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """Whether cuDNN can be used: always ``False``.

    Examples
    --------
    >>> cygrad.backends.cudnn.is_available()
    False
    """
    return False


def version():
    """The cuDNN version: ``None`` (there is none)."""
    return None
