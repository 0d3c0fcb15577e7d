"""dtype objects: ``cygrad.float32`` and friends, and the default float dtype."""
from ._core import _tensor as _core_tensor

__all__ = ["dtype", "float32", "float64", "int32", "int64", "bool", "float16", "bfloat16",
           "half", "uint8", "int8", "int16", "get_default_dtype", "set_default_dtype",
           "promote_types"]


class dtype:
    """The element type of a tensor, e.g. ``cygrad.float32``.

    Attributes
    ----------
    itemsize : int
        Bytes per element.
    is_floating_point : bool
        True for ``float32`` and ``float64``.
    is_signed : bool
        False only for ``bool``.
    """

    __slots__ = ("_name", "_code", "itemsize", "is_floating_point", "is_signed")

    def __init__(self, name, code, itemsize, is_floating_point, is_signed):
        self._name = name
        self._code = code
        self.itemsize = itemsize
        self.is_floating_point = is_floating_point
        self.is_signed = is_signed

    def __repr__(self):
        return f"{_core_tensor.repr_namespace()}.{self._name}"

    def __reduce__(self):
        return self._name

    def to_numpy(self):
        """The matching ``numpy.dtype``."""
        import numpy as np

        if self._name == "bfloat16":
            raise TypeError("NumPy has no bfloat16 dtype")
        return np.dtype(self._name)


bool_ = dtype("bool", 0, 1, False, False)
int32 = dtype("int32", 1, 4, False, True)
int64 = dtype("int64", 2, 8, False, True)
float32 = dtype("float32", 3, 4, True, True)
float64 = dtype("float64", 4, 8, True, True)
bool = bool_  # noqa: A001  (PyTorch's name)
DTYPES = (bool_, int32, int64, float32, float64)

# PyTorch's other dtype names exist so that scripts can name them (``dtype=torch.float16 if
# ... else torch.float32``, ``x.dtype == torch.uint8``); making a tensor of one raises
# "not supported", as cygrad has no kernels for them.
float16 = dtype("float16", None, 2, True, True)
bfloat16 = dtype("bfloat16", None, 2, True, True)
half = float16
uint8 = dtype("uint8", None, 1, False, False)
int8 = dtype("int8", None, 1, False, True)
int16 = dtype("int16", None, 2, False, True)


def get_default_dtype():
    """The dtype of floating-point tensors created from Python floats (``float32``).

    Examples
    --------
    >>> cygrad.get_default_dtype()
    cygrad.float32
    """
    return DTYPES[_core_tensor.get_default_float()]


def set_default_dtype(d):
    """Set the default floating-point dtype (``cygrad.float32`` or ``cygrad.float64``).

    Parameters
    ----------
    d : dtype
        ``cygrad.float32`` or ``cygrad.float64``.
    """
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _supported(d)
    _core_tensor.set_default_float(d._code)


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing category.

    Examples
    --------
    >>> cygrad.promote_types(cygrad.int32, cygrad.float32)
    cygrad.float32
    """
    return DTYPES[max(_supported(type1)._code, _supported(type2)._code)]


def _supported(d):
    if d._code is None:
        raise TypeError(f"{d!r} is not supported: cygrad tensors are float32, float64, int32, "
                        f"int64 or bool")
    return d
