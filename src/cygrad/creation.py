"""Creating tensors: from data, filled, ranges, random (NumPy's Generator supplies the bits)."""
import builtins

from ._core import _create, _elementwise
from ._core import _tensor as _core_tensor
from ._core._tensor import TensorBase
from ._dtype import bool_, float32, get_default_dtype, int64
from ._device import check_cpu as _device

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "zeros_like", "ones_like", "full_like", "empty_like", "rand",
           "randn", "randint", "rand_like", "randn_like", "randint_like", "manual_seed",
           "Generator", "initial_seed", "seed", "randperm"]


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)) or (
            len(size) == 1 and type(size[0]).__name__ == "Size"):
        return tuple(size[0])
    return tuple(size)


def _finish(t, requires_grad, device):
    if device is not None:
        _device(device)
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _code(dtype):
    return _core_tensor.code_of_dtype(dtype if dtype is not None else get_default_dtype())


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data``.

    Parameters
    ----------
    data : number, nested sequence, NumPy array, buffer or Tensor
        The values; nested lists must be rectangular.
    dtype : cygrad.dtype, optional
        Inferred when omitted: any float gives the default float dtype (``float32``), else any
        int gives ``int64``, else ``bool``; arrays keep their dtype.
    device : str, optional
        Only ``"cpu"``.
    requires_grad : bool
        Record operations on the result for autograd (floating dtypes only).

    Examples
    --------
    >>> cygrad.tensor([[1., 2.], [3., 4.]])
    tensor([[1., 2.],
            [3., 4.]])
    >>> cygrad.tensor([1, 2, 3]).dtype
    cygrad.int64
    """
    if isinstance(data, TensorBase):
        import warnings

        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.clone().detach() rather than cygrad.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    return _finish(_create.from_data(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory when it already is one (or a NumPy array) of the
    requested dtype; otherwise a copy."""
    if device is not None:
        _device(device)
    if isinstance(data, TensorBase):
        return data if dtype is None else data.to(dtype)
    if hasattr(data, "__array_interface__") and not isinstance(data, (list, tuple)):
        return _create.from_buffer_any(data, dtype)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (zero-copy; writes show in both).

    Supported dtypes: float64, float32, int64, int32 and bool. Negative strides are kept.
    A read-only array gives a tensor whose in-place writes raise.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(3.0)
    >>> t = cygrad.from_numpy(a)
    >>> t[0] = 7
    >>> a[0]
    np.float64(7.0)
    """
    if not hasattr(ndarray, "__array_interface__") or isinstance(ndarray, TensorBase):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return _create.from_buffer_any(ndarray)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of shape ``size``."""
    return _finish(_core_tensor.empty_tensor(_size(size), _code(dtype)), requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros of shape ``size``.

    Examples
    --------
    >>> cygrad.zeros(2, 3).shape
    cygrad.Size([2, 3])
    """
    return _finish(_core_tensor.empty_tensor(_size(size), _code(dtype), True), requires_grad,
                   device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones of shape ``size``."""
    return full(_size(size), 1, dtype=dtype or get_default_dtype(), device=device,
                requires_grad=requires_grad)


def _fill_dtype(value):
    c = _elementwise.scalar_category(value)
    if c < 0:
        if isinstance(value, TensorBase) and value.ndim == 0:
            return value.dtype
        raise TypeError(f"full(): fill_value must be a number, got {type(value).__name__}")
    return (bool_, int64, get_default_dtype())[c]


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    dt = dtype if dtype is not None else _fill_dtype(fill_value)
    t = _core_tensor.empty_tensor(_size((size,)) if isinstance(size, int) else tuple(size),
                                  _core_tensor.code_of_dtype(dt))
    _elementwise.fill_(t, fill_value)
    return _finish(t, requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with ``input``'s shape (and dtype)."""
    return empty(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    """Zeros with ``input``'s shape (and dtype)."""
    return zeros(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    """Ones with ``input``'s shape (and dtype)."""
    return ones(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` with ``input``'s shape (and dtype)."""
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` (default 0) up to but excluding ``end``, ``step`` apart.

    The dtype is int64 when all arguments are ints, else the default float dtype.

    Examples
    --------
    >>> cygrad.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> cygrad.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if end is None:
        start, end = 0, start
    for v in (start, end, step):
        if isinstance(v, TensorBase):
            raise TypeError("arange() arguments must be numbers")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    all_int = all(isinstance(v, int) for v in (start, end, step))
    if dtype is None:
        dtype = int64 if all_int else get_default_dtype()
    n = builtins.int(-(-(end - start) // step)) if all_int else \
        builtins.int(__import__("math").ceil((end - start) / step))
    t = _core_tensor.empty_tensor((n,), _core_tensor.code_of_dtype(dtype))
    _create.arange_fill(t, start, step)
    return _finish(t, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    t = _core_tensor.empty_tensor((steps,), _code(dtype))
    _create.linspace_fill(t, float(start), float(end))
    return _finish(t, requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """A 2-d tensor with ones on the diagonal and zeros elsewhere, shape ``(n, m)``."""
    m = n if m is None else m
    if n < 0 or m < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {builtins.min(n, m)}")
    t = zeros(n, m, dtype=dtype)
    if n and m:
        t.as_strided((builtins.min(n, m),), (m + 1,)).fill_(1)
    return _finish(t, requires_grad, device)


# ------------------------------------------------------------------ random
class Generator:
    """A source of random numbers (NumPy's PCG64 underneath).

    Parameters
    ----------
    device : str
        Only ``"cpu"``.
    """

    def __init__(self, device="cpu"):
        _device(device)
        self._seed = None
        self._np = None

    def manual_seed(self, seed):
        """Reseed; returns the generator."""
        import numpy as np

        self._seed = builtins.int(seed)
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        """Reseed from fresh entropy; returns the new seed."""
        import numpy as np

        s = builtins.int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed last set."""
        if self._seed is None:
            self.seed()
        return self._seed

    def _bits(self):
        if self._np is None:
            self.seed()
        return self._np


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator so that ``rand``/``randn``/``randint`` repeat.

    Examples
    --------
    >>> _ = cygrad.manual_seed(0)
    >>> a = cygrad.rand(3)
    >>> _ = cygrad.manual_seed(0)
    >>> bool((a == cygrad.rand(3)).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from fresh entropy."""
    return default_generator.seed()


def initial_seed():
    """The default generator's seed."""
    return default_generator.initial_seed()


def _checked_size(size):
    size = _size(size)
    for s in size:
        if isinstance(s, builtins.bool) or not hasattr(s, "__index__"):
            raise TypeError(f"size must be a tuple of ints, got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
    return tuple(builtins.int(s) for s in size)


def _float_np(dtype):
    import numpy as np

    dt = dtype if dtype is not None else get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{dt}'")
    return np.float32 if dt is float32 else np.float64


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples from ``[0, 1)`` of shape ``size``."""
    g = (generator or default_generator)._bits()
    a = g.random(_checked_size(size), dtype=_float_np(dtype))
    return _finish(_create.from_buffer(a), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples of shape ``size``."""
    g = (generator or default_generator)._bits()
    a = g.standard_normal(_checked_size(size), dtype=_float_np(dtype))
    return _finish(_create.from_buffer(a), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform in ``[low, high)`` of shape ``size`` (int64 by default).

    Called as ``randint(high, size)`` or ``randint(low, high, size)``.
    """
    import numpy as np

    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    g = (generator or default_generator)._bits()
    a = g.integers(low, high, size=_checked_size((size,)), dtype=np.int64)
    t = _create.from_buffer(a)
    if dtype is not None and dtype is not int64:
        t = t.to(dtype)
    return _finish(t, requires_grad, device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    """``rand`` with ``input``'s shape (and dtype)."""
    return rand(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    """``randn`` with ``input``'s shape (and dtype)."""
    return randn(tuple(input.shape), dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    """``randint`` with ``input``'s shape (and dtype)."""
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of the integers ``0`` to ``n - 1`` (int64 by default).

    Examples
    --------
    >>> g = cygrad.Generator().manual_seed(0)
    >>> sorted(cygrad.randperm(4, generator=g).tolist())
    [0, 1, 2, 3]
    """
    if isinstance(n, builtins.bool) or not hasattr(n, "__index__"):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    n = n.__index__()
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    g = (generator or default_generator)._bits()
    t = _create.from_buffer(g.permutation(n).astype("int64", copy=False))
    if dtype is not None and dtype is not int64:
        t = t.to(dtype)
    return _finish(t, requires_grad, device)
