"""``cygrad.device``: where a tensor lives. cygrad computes on the CPU only.

A ``device('cuda')`` (or ``'mps'``, ``'cuda:1'``) can be constructed, compared and printed
as in PyTorch, so that scripts which build a device descriptor up front run; putting a
tensor or a module on it raises :func:`check_cpu`'s error.
"""

__all__ = ["device", "check_cpu"]

_TYPES = ("cpu", "cuda", "mps", "meta", "xpu")


class device:
    """Where a tensor lives: ``device('cpu')`` (the only one tensors can use), or a
    descriptor of another device type (``'cuda'``, ``'cuda:0'``, ``'mps'``).

    Parameters
    ----------
    type : str or device
        ``'cpu'``, ``'cuda'``, ``'mps'``, ... optionally with ``':index'``.
    index : int, optional

    Examples
    --------
    >>> cygrad.device("cuda:0")
    device(type='cuda', index=0)
    >>> cygrad.device("cpu") == "cpu"
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if isinstance(type, int) and not isinstance(type, bool) and index is None:
            raise RuntimeError("cygrad supports only the 'cpu' device, got device ordinal "
                               f"{type} (a CUDA device)")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: got "
                            f"({type.__class__.__name__})")
        name = type
        if ":" in type and index is None:
            type, _, number = type.partition(":")      # 'cpu:0', 'cuda:1'
            index = int(number) if number.isdigit() else -1
            if index < 0:
                raise RuntimeError(f"Invalid device string: '{name}'")
        if type not in _TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                               f"device string: {name}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return (isinstance(other, device) and other.type == self.type
                and other.index == self.index)

    def __hash__(self):
        return hash((self.type, self.index))


def check_cpu(d):
    """``d`` as a :class:`device`, which must be the CPU (RuntimeError naming it otherwise)."""
    dev = device(d)
    if dev.type != "cpu":
        raise RuntimeError(f"cygrad supports only the 'cpu' device, got {str(dev)!r}")
    return dev


_CPU = device("cpu")
