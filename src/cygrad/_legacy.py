"""PyTorch's legacy tensor types (``torch.FloatTensor(...)``) and the default-device switch.

``FloatTensor``, ``DoubleTensor``, ``LongTensor``, ``IntTensor`` and ``BoolTensor`` are
constructors, as in PyTorch: called with data they make a tensor of their dtype from it,
called with sizes (ints or a :class:`Size`) an uninitialised tensor of that shape, and with
nothing an empty 1-d tensor. ``isinstance(t, cygrad.FloatTensor)`` is true for any float32
tensor.
"""
from ._core._tensor import Size, TensorBase
from ._device import check_cpu, device
from ._dtype import bool_, float32, float64, int32, int64
from .creation import empty, tensor

__all__ = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
           "set_default_device", "get_default_device"]


class _LegacyType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, TensorBase) and obj.dtype is cls.dtype

    def __call__(cls, *args, device=None):
        if device is not None:
            check_cpu(device)
        if not args:
            return empty(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Size):
            return empty(tuple(args[0]), dtype=cls.dtype)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return empty(args, dtype=cls.dtype)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}() takes a sequence of data or sizes, got "
                            f"{len(args)} arguments that are not all ints")
        data = args[0]
        if isinstance(data, TensorBase):
            return data.to(cls.dtype)
        return tensor(data, dtype=cls.dtype)


def _legacy(name, dt):
    doc = (f"A {dt!r} tensor: ``{name}(data)`` from data, ``{name}(*sizes)`` uninitialised "
           f"of that shape, ``{name}()`` empty.\n\n    Examples\n    --------\n"
           f"    >>> cygrad.{name}([1, 2]).dtype\n    {dt!r}\n")
    return _LegacyType(name, (), {"dtype": dt, "__doc__": doc, "__module__": "cygrad"})


FloatTensor = _legacy("FloatTensor", float32)
DoubleTensor = _legacy("DoubleTensor", float64)
LongTensor = _legacy("LongTensor", int64)
IntTensor = _legacy("IntTensor", int32)
BoolTensor = _legacy("BoolTensor", bool_)


def set_default_device(device):
    """Set the device new tensors are created on: only the CPU (or ``None``, the CPU) is
    accepted.

    Parameters
    ----------
    device : str or device or None
    """
    if device is not None:
        check_cpu(device)


def get_default_device():
    """The device new tensors are created on: always ``device(type='cpu')``.

    Examples
    --------
    >>> cygrad.get_default_device()
    device(type='cpu')
    """
    return device("cpu")
