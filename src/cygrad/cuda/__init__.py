"""``cygrad.cuda``: cygrad runs on the CPU only.

The module exists so that the device checks PyTorch scripts start with run unchanged::

    device = "cuda" if torch.cuda.is_available() else "cpu"
"""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all"]

from . import amp  # noqa: E402  (torch.cuda.amp.GradScaler)


def is_available():
    """Whether a CUDA device can be used: always ``False`` in cygrad.

    Examples
    --------
    >>> cygrad.cuda.is_available()
    False
    """
    return False


def device_count():
    """The number of CUDA devices: always 0 in cygrad.

    Examples
    --------
    >>> cygrad.cuda.device_count()
    0
    """
    return 0


def manual_seed(seed):
    """Seed the current CUDA device's generator: does nothing, as there is none.

    Parameters
    ----------
    seed : int
        Ignored. Seed the CPU generator with :func:`cygrad.manual_seed`.
    """


def manual_seed_all(seed):
    """Seed every CUDA device's generator: does nothing, as there are none.

    Parameters
    ----------
    seed : int
        Ignored. Seed the CPU generator with :func:`cygrad.manual_seed`.
    """
