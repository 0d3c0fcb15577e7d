"""The user-facing :class:`Tensor`: PyTorch's tensor API over the Cython core.

This module stands on autograd, as ``torch/_tensor.py`` does: every op funnels through one
of the four functions of ``autograd/dispatch.py`` (``_unary``, ``_binary``, ``_reduction``
and ``_op`` here), the single place where the graph is recorded. When an input requires grad
and grad mode is on, they run the op's autograd primitive (``autograd/_functions.py``);
otherwise they call the kernel directly.
"""
import builtins

from ._core import _create, _elementwise, _index, _iter, _matmul, _reduce, _sort
from ._core import _tensor as _core_tensor
from ._core._tensor import Size, TensorBase
from ._device import check_cpu as _check_cpu, device
from ._dtype import DTYPES, dtype, float32, float64, int32, int64, bool_
from . import _dtype as _dtype_module, _tensor_str, creation
from .autograd import engine as _engine
from .autograd._functions import (_clamp_kernel, _diagonal_view, _repeat_kernel,
                                  _reshape_kernel, _roll_kernel, _scan_kernel,
                                  _sqrt_zero_grad_kernel, _t_view, _tri_kernel,
                                  log_softmax as _log_softmax, softmax as _softmax)
from .autograd.dispatch import binary as _binary, op as _op, reduction as _reduction, \
    unary as _unary
from .autograd.grad_mode import needs_grad as _needs_grad
from .autograd.graph import _Handle, _meta

__all__ = ["Tensor"]

_CPU = device("cpu")

_B = _elementwise.BINARY_OPS
_U = _elementwise.UNARY_OPS
_R = _reduce.REDUCE_OPS
_code = _core_tensor.code_of_dtype

# op codes used in the hot dunders
_ADD, _SUB, _MUL, _DIV = _B["add"], _B["sub"], _B["mul"], _B["div"]


def _is_operand(x):
    return isinstance(x, (TensorBase, int, float)) or _elementwise.scalar_category(x) >= 0


def _shape_args(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        return tuple(args[0])
    return args


def _dunder(op, reflected=False):
    def method(self, other):
        try:
            return _binary(op, other, self) if reflected else _binary(op, self, other)
        except TypeError:
            if not _is_operand(other):
                if hasattr(other, "__array_interface__") or isinstance(other, (list, tuple)):
                    other = _create.from_data(other, None)
                    return _binary(op, other, self) if reflected else _binary(op, self, other)
                return NotImplemented
            raise
    return method


def _inplace(op):
    def method(self, other):
        _binary(op, self, other, self)
        return self
    return method


class Tensor(TensorBase):
    """A strided, typed N-d array with PyTorch's API.

    Create tensors with :func:`cygrad.tensor`, :func:`cygrad.zeros`, :func:`cygrad.from_numpy`
    and friends rather than calling the class. Views (slicing, ``view``, ``transpose``, ...)
    share memory with their base.

    Examples
    --------
    >>> t = cygrad.tensor([[1., 2.], [3., 4.]])
    >>> t.shape
    cygrad.Size([2, 2])
    >>> (t + 1).sum().item()
    14.0
    """

    __array_priority__ = 1000  # NumPy defers binary operators to us

    def __new__(cls, *args, dtype=None, device=None):
        # PyTorch's legacy constructor: Tensor(2, 3) is uninitialised, Tensor([1, 2]) copies
        # data; both in the default float dtype. Kernels bypass this and build instances
        # through TensorBase.
        if len(args) == 1 and not isinstance(args[0], int):
            return creation.tensor(args[0], dtype=dtype or creation.get_default_dtype())
        return creation.empty(*args if args else (0,), dtype=dtype)

    # ---------------------------------------------------------------- metadata
    @property
    def device(self):
        """Always ``device(type='cpu')``."""
        return _CPU

    @property
    def is_cuda(self):
        """Always False."""
        return False

    # ---------------------------------------------------------------- autograd
    @property
    def requires_grad(self):
        """Whether autograd records operations on this tensor (only floating dtypes can)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = builtins.bool(value)
        if self._grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if value and not self.is_floating_point():
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        """Set :attr:`requires_grad` in place; returns ``self``."""
        if requires_grad and not self.is_floating_point():   # PyTorch's wording for the method
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (their ``grad_fn`` is None)."""
        return self._grad_fn is None

    @property
    def grad_fn(self):
        """The node that produced this tensor (``None`` for leaves)."""
        return self._grad_fn

    @property
    def grad(self):
        """Accumulated gradient (leaves, and non-leaves that called :meth:`retain_grad`)."""
        if self._grad_fn is not None and not self.retains_grad and self._grad is None:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.", UserWarning,
                stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, TensorBase):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @property
    def retains_grad(self):
        """True if :meth:`retain_grad` was called on this non-leaf."""
        return self._ag is not None and self._ag.retains_grad

    def retain_grad(self):
        """Also fill ``.grad`` of this non-leaf during backward."""
        import weakref

        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self.retains_grad:
            return
        _meta(self).retains_grad = True
        ref = weakref.ref(self)

        def store(g):
            t = ref()
            if t is not None:
                t._grad = g.detach() if t._grad is None else t._grad + g.detach()

        store._retains_grad = True
        self._grad_fn.register_prehook(store)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._grad_fn is not None:
            handle = self._grad_fn.register_prehook(hook)
            # retain_grad's hook always runs last, so .grad sees what the hooks returned
            self._grad_fn._pre_hooks.sort(key=lambda f: getattr(f, "_retains_grad", False))
            return handle
        meta = _meta(self)
        if meta.hooks is None:
            meta.hooks = []
        meta.hooks.append(hook)
        return _Handle(meta.hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' ``.grad``.

        A non-scalar tensor needs ``gradient`` (the vector of the vector-Jacobian product).

        Examples
        --------
        >>> x = cygrad.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        >>> y = cygrad.tensor([[2., 3.], [4., 5.]], requires_grad=True)
        >>> (x * y + y ** 2).sum().backward()
        >>> x.grad
        tensor([[2., 3.],
                [4., 5.]])
        >>> y.grad
        tensor([[ 5.,  8.],
                [11., 14.]])
        """
        if gradient is None and inputs is None and not create_graph and self._requires_grad \
                and self.numel() == 1:
            # the common ``loss.backward()``: skip the general argument handling
            one = _core_tensor.empty_tensor(self._tshape(), self._dtype_code)
            _elementwise.fill_(one, 1)
            _engine.run_backward((self,), (one,), builtins.bool(retain_graph))
            return
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """A tensor sharing this one's memory, outside the graph (no ``grad_fn``)."""
        return TensorBase._as_strided(self, tuple(self.shape), self.stride(),
                                      self.storage_offset())

    def detach_(self):
        """Detach in place: drop ``grad_fn`` and ``requires_grad``."""
        if self._ag is not None and self._ag.is_view:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The tensor's values outside the graph (same memory, as :meth:`detach`).

        Assigning ``t.data = other`` makes ``t`` share ``other``'s memory, shape and dtype
        while keeping its identity and autograd state (how ``Module.to`` converts
        parameters in place).
        """
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, TensorBase):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        if self._requires_grad and not value.is_floating_point():
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point")
        self._set_data(value)

    @property
    def T(self):
        """The tensor with its dimensions reversed (a view)."""
        return _op(TensorBase._permute, self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):
        """The last two dimensions swapped (a view); needs at least 2 dimensions."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    # ---------------------------------------------------------------- conversion
    def numpy(self, *, force=False):
        """A NumPy array sharing this tensor's memory (zero-copy).

        Examples
        --------
        >>> t = cygrad.zeros(3)
        >>> a = t.numpy()
        >>> a[0] = 5
        >>> t[0].item()
        5.0
        """
        import numpy as np

        return np.asarray(memoryview(self))

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        if copy:
            return a.copy()
        return a

    def tolist(self):
        """The elements as (nested) Python lists of numbers; a number for a 0-d tensor."""
        return _create.to_list(self)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return _create.item(self)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} is ambiguous")
        return builtins.bool(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self):
        return _tensor_str.tensor_repr(self)

    def __format__(self, spec):
        if self.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    __hash__ = object.__hash__

    def __reduce_ex__(self, proto):
        # the raw bytes of a contiguous copy (a DataLoader worker pickles every batch)
        c = self if self.is_contiguous() else _elementwise.clone(self)
        return (_rebuild_raw, (bytes(memoryview(c)), repr(self.dtype).split(".")[1],
                               tuple(self.shape), self.requires_grad))

    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        # PyTorch's semantics: a leaf becomes an independent leaf with the same flag and a
        # copy of .grad; tensors that share memory share the copied memory too.
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        storage = self.untyped_storage()
        key = ("cygrad storage", id(storage), self.dtype)
        whole = memo.get(key)
        if whole is None:
            numel = storage.nbytes_() // self.element_size()
            whole = TensorBase._as_strided(self, (numel,), (1,), 0).clone()
            memo[key] = whole
            memo.setdefault(id(memo), []).append(storage)   # keeps id(storage) unique
        new = TensorBase._as_strided(whole, self._tshape(), self.stride(), self.storage_offset())
        new.requires_grad_(self.requires_grad)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    # ---------------------------------------------------------------- dtype / device
    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """Convert to another dtype (``t.to(cygrad.float64)``, ``t.to(other)``, ``t.to("cpu")``).

        Returns ``self`` when nothing changes, unless ``copy=True``.
        """
        for a in args:
            if isinstance(a, _dtype_cls):
                dtype = a
            elif isinstance(a, TensorBase):
                dtype = a.dtype
            elif isinstance(a, (str, _device_cls)):
                _check_cpu(a)
            else:
                raise TypeError(f"to() received an invalid argument: {a!r}")
        if device is not None:
            _check_cpu(device)
        if dtype is None or dtype is self.dtype:
            return self.clone() if copy else self
        return _op(_elementwise.cast, self, _code(dtype))

    def type(self, dtype=None):
        """The type name (``'cygrad.FloatTensor'``) or a copy converted to ``dtype``."""
        if dtype is None:
            return f"{_core_tensor.repr_namespace()}.{_dtype_name(self)}Tensor"
        return self.to(dtype)

    def float(self):
        """Convert to ``float32``."""
        return self.to(float32)

    def double(self):
        """Convert to ``float64``."""
        return self.to(float64)

    def long(self):
        """Convert to ``int64``."""
        return self.to(int64)

    def int(self):
        """Convert to ``int32``."""
        return self.to(int32)

    def bool(self):
        """Convert to ``bool``."""
        return self.to(bool_)

    def cpu(self):
        """Returns ``self``: every tensor is on the CPU."""
        return self

    # ---------------------------------------------------------------- new tensors like this one
    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A new tensor holding a copy of ``data``, with this tensor's dtype by default.

        Examples
        --------
        >>> cygrad.zeros(2, dtype=cygrad.int32).new_tensor([1.7, 2.2])
        tensor([1, 2], dtype=cygrad.int32)
        """
        return creation.tensor(data, dtype=dtype or self.dtype, device=device,
                               requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """An uninitialised tensor of ``size``, with this tensor's dtype by default."""
        return creation.empty(*size, dtype=dtype or self.dtype, device=device,
                              requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` (ints or one sequence), with this tensor's dtype by default.

        Examples
        --------
        >>> cygrad.ones(3, dtype=cygrad.float64).new_zeros(2, 2)
        tensor([[0., 0.],
                [0., 0.]], dtype=cygrad.float64)
        """
        return creation.zeros(*size, dtype=dtype or self.dtype, device=device,
                              requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of ``size`` (ints or one sequence), with this tensor's dtype by default."""
        return creation.ones(*size, dtype=dtype or self.dtype, device=device,
                             requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """``fill_value`` in a tensor of ``size`` (a sequence), with this tensor's dtype by
        default.

        Examples
        --------
        >>> cygrad.zeros(1, dtype=cygrad.int64).new_full((2,), 7)
        tensor([7, 7])
        """
        return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                             requires_grad=requires_grad)

    # ---------------------------------------------------------------- copies
    def clone(self, *, memory_format=None):
        """A contiguous copy."""
        return _op(_elementwise.clone, self)

    def contiguous(self, memory_format=None):
        """``self`` if already contiguous, else a contiguous copy."""
        return self if self.is_contiguous() else self.clone()

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` (broadcast and converted) into ``self`` in place."""
        _op(_elementwise.copy_, self, src)
        return self

    def fill_(self, value):
        """Fill with ``value`` in place."""
        _op(_elementwise.fill_, self, value)
        return self

    def zero_(self):
        """Fill with zeros in place."""
        return self.fill_(0)

    # ---------------------------------------------------------------- views
    def view(self, *shape):
        """A view with another shape; raises if the strides do not allow it (use reshape).

        One size may be -1 (inferred).

        Examples
        --------
        >>> cygrad.arange(6).view(2, -1).shape
        cygrad.Size([2, 3])
        """
        return _op(TensorBase._view, self, _shape_args(shape))

    def view_as(self, other):
        """``self.view(other.shape)``."""
        return self.view(other.shape)

    def reshape(self, *shape):
        """A view with another shape when strides allow it, else a reshaped copy."""
        return _op(_reshape_kernel, self, _shape_args(shape))

    def reshape_as(self, other):
        """``self.reshape(other.shape)``."""
        return self.reshape(other.shape)

    def transpose(self, dim0, dim1):
        """Swap two dimensions (a view)."""
        return _op(TensorBase._transpose, self, dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def t(self):
        """Transpose a tensor of at most 2 dimensions (a view)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D")
        if self.ndim == 2:
            return _op(_t_view, self)
        return self.view(tuple(self.shape))

    def permute(self, *dims):
        """Reorder the dimensions (a view)."""
        return _op(TensorBase._permute, self, _shape_args(dims))

    def movedim(self, source, destination):
        """Move dims ``source`` to positions ``destination`` (a view)."""
        src = [source] if isinstance(source, int) else list(source)
        dst = [destination] if isinstance(destination, int) else list(destination)
        nd = self.ndim
        if len(src) != len(dst):
            raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                               f"should contain the same number of dims as destination ({dst} "
                               f"dims)")
        src = [_core_tensor.wrap_dim_py(s, nd) for s in src]
        dst = [_core_tensor.wrap_dim_py(d, nd) for d in dst]
        for name, dims in (("source", src), ("destination", dst)):
            if len(set(dims)) != len(dims):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
        if nd == 0:             # the one pseudo-dim of a 0-d tensor stays where it is
            return self.permute(())
        order = [None] * nd
        for s, d in zip(src, dst):
            order[d] = s
        rest = iter(i for i in range(nd) if i not in src)
        order = [o if o is not None else next(rest) for o in order]
        return self.permute(order)

    moveaxis = movedim

    def expand(self, *sizes):
        """Broadcast size-1 dims to larger sizes with stride 0 (a view); -1 keeps a size."""
        return _op(TensorBase._expand, self, _shape_args(sizes))

    def expand_as(self, other):
        """``self.expand(other.shape)``."""
        return self.expand(other.shape)

    def broadcast_to(self, shape):
        """``self.expand(shape)``."""
        return self.expand(shape)

    def squeeze(self, dim=None):
        """Remove dims of size 1 (all, or those in ``dim``) (a view)."""
        return _op(TensorBase._squeeze, self, dim)

    def unsqueeze(self, dim):
        """Insert a dim of size 1 at ``dim`` (a view)."""
        return _op(TensorBase._unsqueeze, self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims ``start_dim..end_dim`` into one (a view when possible)."""
        nd = self.ndim
        if nd == 0:
            return self.reshape(1)
        s = _core_tensor.wrap_dim_py(start_dim, nd)
        e = _core_tensor.wrap_dim_py(end_dim, nd)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = list(self.shape)
        n = 1
        for k in shape[s:e + 1]:
            n *= k
        return self.reshape(shape[:s] + [n] + shape[e + 1:])

    def unflatten(self, dim, sizes):
        """Split dim ``dim`` into ``sizes`` (one may be -1)."""
        d = _core_tensor.wrap_dim_py(dim, self.ndim)
        shape = list(self.shape)
        sizes = list(sizes)
        if -1 in sizes:
            known = 1
            for k in sizes:
                if k != -1:
                    known *= k
            sizes[sizes.index(-1)] = shape[d] // known if known else 0
        n = 1
        for k in sizes:
            n *= k
        if n != shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size "
                               f"of dim {dim} ({shape[d]}) in the input tensor")
        return self.view(shape[:d] + sizes + shape[d + 1:])

    def narrow(self, dim, start, length):
        """Restrict dim ``dim`` to ``start:start+length`` (a view)."""
        return _op(TensorBase._narrow, self, dim, start, length)

    def select(self, dim, index):
        """Index one position of dim ``dim``, removing it (a view)."""
        return _op(TensorBase._select, self, dim, index)

    def unbind(self, dim=0):
        """All slices along ``dim`` as a tuple of views."""
        return tuple(self.select(dim, i) for i in range(self.size(dim)))

    def split(self, split_size_or_sections, dim=0):
        """Views of consecutive chunks of ``dim``: equal chunks of a size, or given sizes."""
        d = _core_tensor.wrap_dim_py(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, int):
            size = split_size_or_sections
            if size <= 0 and not (size == 0 and n == 0):
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {n}")
            sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                                   f"(input tensor's size at dimension {d}), but got "
                                   f"split_sizes={sizes}")
        out, start = [], 0
        for s in sizes:
            out.append(self.narrow(d, start, s))
            start += s
        return tuple(out)

    def chunk(self, chunks, dim=0):
        """Split into ``chunks`` views of (nearly) equal size along ``dim``."""
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        n = self.size(dim)
        if n == 0:              # PyTorch: ``chunks`` empty pieces
            return tuple(self.narrow(dim, 0, 0) for _ in range(chunks))
        return self.split(-(-n // chunks), dim)

    def as_strided(self, size, stride, storage_offset=None):
        """A view with explicit sizes and strides over the same storage (bounds-checked)."""
        return _op(TensorBase._as_strided, self, tuple(size), tuple(stride), storage_offset)

    # ---------------------------------------------------------------- indexing
    def __getitem__(self, key):
        return _op(_index.getitem, self, key)

    def __setitem__(self, key, value):
        if isinstance(value, TensorBase) and value.ndim and value.shape[0] == 1:
            # PyTorch drops a value's leading size-1 dims (``x[0] = ones(1, 1, 4)``)
            n = 0
            while n < value.ndim and value.shape[n] == 1:
                n += 1
            value = value.reshape(tuple(value.shape)[n:])
        _op(_index.setitem, self, key, value)

    def index_select(self, dim, index):
        """The entries at integer positions ``index`` (1-d) along ``dim`` (a copy)."""
        index = _as_index(index)
        if index.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        d = _core_tensor.wrap_dim_py(dim, self.ndim)
        if self.ndim == 0:
            return self[index.reshape(-1)].reshape(())
        return self[(slice(None),) * d + (index.reshape(-1),)]

    def gather(self, dim, index):
        """``out[i][j][k] = self[i][index[i][j][k]][k]`` for ``dim=1`` (any rank)."""
        index = _as_index(index)
        nd = self.ndim
        d = _core_tensor.wrap_dim_py(dim, nd)
        if index.ndim != nd:
            raise RuntimeError("Index tensor must have the same number of dimensions as input "
                               "tensor")
        return self[_along_dim_key(self, d, index)]

    def masked_fill(self, mask, value):
        """A copy with ``value`` where the bool ``mask`` (broadcast) is true."""
        if not isinstance(mask, TensorBase) or mask.dtype is not bool_:
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with "
                               f"dtype {getattr(mask, 'dtype', type(mask).__name__)}")
        if isinstance(value, TensorBase):
            if value.ndim != 0:
                raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, "
                                   f"but got tensor with {value.ndim} dimension(s).")
            value = value.item()
        out = _op(_elementwise.where, mask, _scalar_tensor(value, self.dtype), self)
        if tuple(out.shape) != tuple(self.shape):
            raise RuntimeError(f"The size of tensor a ({self.shape}) must match the broadcast "
                               f"shape {out.shape}")
        return out

    def masked_fill_(self, mask, value):
        """In-place :meth:`masked_fill`."""
        return self.copy_(self.masked_fill(mask, value))

    def index_put_(self, indices, values, accumulate=False):
        """``self[indices] = values``; with ``accumulate`` repeated indices add up."""
        _op(_index.index_put_, self, tuple(indices), values, accumulate)
        return self

    def index_put(self, indices, values, accumulate=False):
        """Out-of-place :meth:`index_put_`."""
        return self.clone().index_put_(indices, values, accumulate)

    def index_add_(self, dim, index, source, *, alpha=1):
        """Add ``alpha * source`` into the entries ``index`` selects along ``dim``, in place.

        For ``dim=0``: ``self[index[i]] += alpha * source[i]``; repeated indices add up (the
        backward of :meth:`index_select`).

        Parameters
        ----------
        dim : int
            The dim ``index`` runs along.
        index : Tensor
            int64 or int32, 0-d or 1-d, each in ``[-self.shape[dim], self.shape[dim])``.
        source : Tensor
            ``self``'s dtype and shape, except ``len(index)`` at ``dim``.
        alpha : number, optional
            Scale of ``source``.

        Returns
        -------
        Tensor
            ``self``.

        Examples
        --------
        >>> x = cygrad.zeros(3, 2)
        >>> x.index_add_(0, cygrad.tensor([0, 2, 0]), cygrad.ones(3, 2))
        tensor([[2., 2.],
                [0., 0.],
                [1., 1.]])
        """
        d, index = self._index_add_args("index_add_", dim, index, source)
        if alpha != 1:
            source = source * alpha
        if self.ndim == 0:
            return self.copy_(self.reshape(1).index_add(0, index, source.reshape(1))
                              .reshape(()))
        return self.index_put_((slice(None),) * d + (index,), source, accumulate=True)

    def index_add(self, dim, index, source, *, alpha=1):
        """Out-of-place :meth:`index_add_`."""
        return self.clone().index_add_(dim, index, source, alpha=alpha)

    def _index_add_args(self, name, dim, index, source):
        """Validate :meth:`index_add_`'s arguments: ``(dim, 1-d index)``."""
        d = _core_tensor.wrap_dim_py(dim, self.ndim)
        if not isinstance(index, TensorBase) or index.dtype not in (int64, int32):
            raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got "
                               f"{getattr(index, 'dtype', type(index).__name__)}")
        if index.ndim > 1:
            raise IndexError(f"{name}(): Index is supposed to be a vector")
        if not isinstance(source, TensorBase):
            raise TypeError(f"{name}(): argument 'source' must be Tensor, not "
                            f"{type(source).__name__}")
        if source.dtype is not self.dtype:
            raise RuntimeError(f"{name}(): self ({_dtype_name(self)}) and source "
                               f"({_dtype_name(source)}) must have the same scalar type")
        index = index.reshape(-1)
        want = list(self.shape)
        if self.ndim:
            want[d] = index.shape[0]
        if list(source.shape) != want and not (self.ndim == 0 and source.numel() == 1):
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding "
                               f"the specified dimension. Got self.shape = {list(self.shape)} "
                               f"source.shape = {list(source.shape)} (index has "
                               f"{index.shape[0]} entries)")
        return d, index

    def scatter_add_(self, dim, index, src):
        """Add ``src`` at the positions ``index`` names along ``dim``, in place.

        For a 3-d tensor and ``dim=1``: ``self[i][index[i][j][k]][k] += src[i][j][k]`` for
        every position of ``index``; repeated indices add up (the backward of
        :meth:`gather`).

        Parameters
        ----------
        dim : int
            The dim ``index`` addresses.
        index : Tensor
            int64, the rank of ``self``, no larger than ``src`` in any dim nor than ``self``
            outside ``dim``.
        src : Tensor
            Values of ``self``'s dtype (only its leading ``index.shape`` block is read).

        Returns
        -------
        Tensor
            ``self``.

        Examples
        --------
        >>> x = cygrad.zeros(2, 3)
        >>> x.scatter_add_(1, cygrad.tensor([[0, 0], [2, 1]]), cygrad.ones(2, 2))
        tensor([[2., 0., 0.],
                [0., 1., 1.]])
        """
        key, src = self._scatter_args("scatter_add_", dim, index, src)
        if key is None:
            return self
        if self.ndim == 0:
            return self.copy_(self.reshape(1).clone().index_put_(
                (index.reshape(1),), src.reshape(1), accumulate=True).reshape(()))
        return self.index_put_(key, src, accumulate=True)

    def scatter_add(self, dim, index, src):
        """Out-of-place :meth:`scatter_add_`."""
        return self.clone().scatter_add_(dim, index, src)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """Write ``src`` (or the number ``value``) at the positions ``index`` names along
        ``dim``, in place: ``self[i][index[i][j][k]][k] = src[i][j][k]`` for ``dim=1``.

        Where ``index`` repeats a position, one of the values written there lands (which one
        is unspecified, as in PyTorch). ``reduce='add'`` adds instead (as
        :meth:`scatter_add_`); ``'multiply'`` is not supported.

        Parameters
        ----------
        dim : int
        index : Tensor
            int64, as in :meth:`scatter_add_`.
        src : Tensor or number
            The values; a number (or ``value=``) writes that number everywhere.
        reduce : {None, 'add'}, optional

        Returns
        -------
        Tensor
            ``self``.

        Examples
        --------
        >>> cygrad.zeros(2, 3).scatter_(1, cygrad.tensor([[2], [0]]), 5.0)
        tensor([[0., 0., 5.],
                [5., 0., 0.]])
        """
        if src is None:
            if value is None:
                raise TypeError("scatter_(): expected a 'src' tensor or a 'value'")
            src = value
        if reduce not in (None, "add"):
            if reduce == "multiply":
                raise NotImplementedError("scatter_(): reduce='multiply' is not supported")
            raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
        key, src = self._scatter_args("scatter_", dim, index, src)
        if key is None:
            return self
        if self.ndim == 0:
            src = src.reshape(1) if isinstance(src, TensorBase) else src
            return self.copy_(self.reshape(1).clone().index_put_(
                (index.reshape(1),), src, accumulate=reduce == "add").reshape(()))
        return self.index_put_(key, src, accumulate=reduce == "add")

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """Out-of-place :meth:`scatter_`."""
        return self.clone().scatter_(dim, index, src, value=value, reduce=reduce)

    def _scatter_args(self, name, dim, index, src):
        """Validate a scatter's arguments; ``(key, values)`` for :meth:`index_put_`, or
        ``(None, None)`` when ``index`` is empty."""
        nd = self.ndim
        d = _core_tensor.wrap_dim_py(dim, nd)
        if not isinstance(index, TensorBase) or index.dtype is not int64:
            raise RuntimeError(f"{name}(): Expected dtype int64 for index")
        if isinstance(src, TensorBase):
            if src.dtype is not self.dtype:
                raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
            if src.ndim != index.ndim and index.numel():
                raise RuntimeError("Index tensor must have the same number of dimensions as "
                                   "src tensor")
        if index.ndim != builtins.max(nd, 1) and not (nd == 0 and index.ndim == 0) \
                and index.numel():
            raise RuntimeError("Index tensor must have the same number of dimensions as self "
                               "tensor")
        if index.numel() == 0:
            return None, None
        key = _along_dim_key(self, d, index)
        if isinstance(src, TensorBase):
            for i in range(nd):
                if index.shape[i] > src.shape[i]:
                    raise RuntimeError(f"Size does not match at dimension {i} expected index "
                                       f"{list(index.shape)} to be smaller than src "
                                       f"{list(src.shape)}")
            src = src[tuple(slice(0, n) for n in index.shape)]
        return key, src

    def nonzero(self, *, as_tuple=False):
        """Indices of non-zero elements, shape ``(n, ndim)`` (or a tuple of 1-d tensors)."""
        if as_tuple:
            idx = _op(_index.nonzero, self.reshape(-1) if self.ndim == 0 else self)
            return tuple(idx[:, i] for i in range(builtins.max(self.ndim, 1)))
        return _op(_index.nonzero, self)

    def masked_select(self, mask):
        """The elements where ``mask`` (broadcast) is true, as a 1-d copy."""
        a, m = _broadcast_pair(self, mask)
        return _op(_index.masked_select, a, m)

    # ---------------------------------------------------------------- ordering and scans
    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)`` sorted along ``dim``.

        The sort is always stable (equal values keep their order) and NaN sorts as the
        largest value, as in PyTorch.

        Parameters
        ----------
        dim : int, optional
            The dim to sort along (the last by default).
        descending : bool, optional
        stable : bool, optional
            Accepted for PyTorch's signature; every sort here is stable.

        Returns
        -------
        (Tensor, Tensor)
            A named tuple ``(values, indices)``; ``indices`` are int64.

        Examples
        --------
        >>> cygrad.tensor([3., 1., 2.]).sort()
        cygrad.return_types.sort(
        values=tensor([1., 2., 3.]),
        indices=tensor([1, 2, 0]))
        """
        return _return_types.sort(*_op(_sort.sort, self, dim, builtins.bool(descending)))

    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort ``self`` along ``dim`` (``sort(...).indices``).

        Examples
        --------
        >>> cygrad.tensor([3., 1., 2.]).argsort(descending=True)
        tensor([0, 2, 1])
        """
        return _sort.sort(self, dim, builtins.bool(descending))[1]

    def msort(self):
        """``self.sort(dim=0).values``."""
        return self.sort(0).values

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (``largest=False``: smallest) entries along ``dim``.

        Ties go to the lower index, so the result equals the first ``k`` of a descending
        stable sort. With ``sorted=False`` the ``k`` entries come in no particular order.

        Parameters
        ----------
        k : int
            ``0 <= k <= self.size(dim)``.
        dim : int, optional
            The last dim by default.
        largest, sorted : bool, optional

        Returns
        -------
        (Tensor, Tensor)
            A named tuple ``(values, indices)``.

        Examples
        --------
        >>> cygrad.tensor([1., 5., 3., 4.]).topk(2)
        cygrad.return_types.topk(
        values=tensor([5., 4.]),
        indices=tensor([1, 3]))
        """
        return _return_types.topk(*_op(_sort.topk, self, k, dim, builtins.bool(largest),
                                       builtins.bool(sorted)))

    def cumsum(self, dim, *, dtype=None):
        """Running sums along ``dim``; bool and integer inputs give int64, floats
        accumulate in float64.

        Parameters
        ----------
        dim : int
        dtype : cygrad.dtype, optional
            Cast the input to this dtype first.

        Examples
        --------
        >>> cygrad.tensor([1, 2, 3]).cumsum(0)
        tensor([1, 3, 6])
        """
        return _op(_scan_kernel, self, 0, dim, None if dtype is None else _code(dtype))

    def cumprod(self, dim, *, dtype=None):
        """Running products along ``dim`` (dtypes as :meth:`cumsum`).

        Examples
        --------
        >>> cygrad.tensor([1., 2., 3.]).cumprod(0)
        tensor([1., 2., 6.])
        """
        return _op(_scan_kernel, self, 1, dim, None if dtype is None else _code(dtype))

    def cumsum_(self, dim, *, dtype=None):
        """In-place :meth:`cumsum`."""
        return self.copy_(self.cumsum(dim, dtype=dtype))

    def cumprod_(self, dim, *, dtype=None):
        """In-place :meth:`cumprod`."""
        return self.copy_(self.cumprod(dim, dtype=dtype))

    def flip(self, *dims):
        """A copy reversed along ``dims``.

        Examples
        --------
        >>> cygrad.tensor([[1, 2], [3, 4]]).flip(0)
        tensor([[3, 4],
                [1, 2]])
        """
        return _op(_sort.flip, self, _dim_list(_shape_args(dims), self.ndim))

    def fliplr(self):
        """``self.flip(1)`` (at least 2-d)."""
        if self.ndim < 2:
            raise RuntimeError("Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self):
        """``self.flip(0)`` (at least 1-d)."""
        if self.ndim < 1:
            raise RuntimeError("Input must be >= 1-d.")
        return self.flip(0)

    def roll(self, shifts, dims=None):
        """Shift the elements along ``dims`` cyclically (``dims`` None: the flattened
        tensor, shape restored).

        Examples
        --------
        >>> cygrad.tensor([1, 2, 3, 4]).roll(1)
        tensor([4, 1, 2, 3])
        """
        shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
        for sh in shifts:
            if isinstance(sh, builtins.bool) or not hasattr(sh, "__index__"):
                raise TypeError(f"roll(): argument 'shifts' must be tuple of ints, not "
                                f"{type(sh).__name__}")
        shifts = tuple(sh.__index__() for sh in shifts)
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                                   f"dims:0")
            return _op(_roll_kernel, self, shifts, None)
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if len(dims) != len(shifts):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:{len(dims)}")
        if self.ndim == 0:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        dims = tuple(_core_tensor.wrap_dim_py(d, self.ndim) for d in dims)
        return _op(_roll_kernel, self, shifts, dims)

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims (``j - i <= diagonal``), zeros above.

        Examples
        --------
        >>> cygrad.ones(2, 2).tril()
        tensor([[1., 0.],
                [1., 1.]])
        """
        return self._tri(diagonal, False)

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims (``j - i >= diagonal``), zeros below."""
        return self._tri(diagonal, True)

    def tril_(self, diagonal=0):
        """In-place :meth:`tril`."""
        return self.copy_(self.tril(diagonal))

    def triu_(self, diagonal=0):
        """In-place :meth:`triu`."""
        return self.copy_(self.triu(diagonal))

    def _tri(self, diagonal, upper):
        if self.ndim < 2:
            raise RuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at "
                               f"least 2 dimensions")
        if isinstance(diagonal, builtins.bool) or not hasattr(diagonal, "__index__"):
            raise TypeError(f"{'triu' if upper else 'tril'}(): argument 'diagonal' must be "
                            f"int, not {type(diagonal).__name__}")
        return _op(_tri_kernel, self, diagonal.__index__(), upper)

    def repeat(self, *sizes):
        """Tile ``self`` ``sizes[i]`` times along dim ``i`` (a copy; ``sizes`` may have more
        dims than ``self``, which then gains leading dims).

        Examples
        --------
        >>> cygrad.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
        """
        sizes = _shape_args(sizes)
        for r in sizes:
            if isinstance(r, builtins.bool) or not hasattr(r, "__index__"):
                raise TypeError(f"repeat(): argument 'repeats' must be tuple of ints, but found "
                                f"element of type {type(r).__name__}")
        sizes = tuple(r.__index__() for r in sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                               "number of dimensions of tensor")
        if builtins.any(r < 0 for r in sizes):
            raise RuntimeError(f"Trying to create tensor with negative dimension "
                               f"{builtins.min(sizes)}: {list(sizes)}")
        return _op(_repeat_kernel, self, sizes)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The ``p``-norm over ``dim`` (all elements by default), as ``torch.norm``.

        ``p`` is a number, ``inf``/``-inf`` or ``'fro'`` (the 2-norm of the entries);
        ``'nuc'`` needs an SVD, which cygrad does not have.

        Examples
        --------
        >>> cygrad.tensor([3., 4.]).norm()
        tensor(5.)
        """
        if p == "fro" or p is None:
            p = 2
        elif isinstance(p, str):
            raise NotImplementedError(f"norm(): p={p!r} needs an SVD, which cygrad does not "
                                      f"implement")
        return _vector_norm(self, p, dim, keepdim, dtype)

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        """Draw ``num_samples`` category indices from each row of the (unnormalised)
        probabilities ``self`` (1-d or 2-d).

        Without replacement each row yields distinct categories (by sorting
        ``p / Exponential(1)`` keys, PyTorch's method); with replacement each draw is an
        independent inverse-CDF lookup.

        Parameters
        ----------
        num_samples : int
        replacement : bool, optional
        generator : cygrad.Generator, optional

        Returns
        -------
        Tensor
            int64, shape ``(num_samples,)`` or ``(rows, num_samples)``.

        Examples
        --------
        >>> g = cygrad.Generator().manual_seed(0)
        >>> cygrad.tensor([0., 1., 0.]).multinomial(2, replacement=True, generator=g)
        tensor([1, 1])
        """
        return _multinomial(self, num_samples, replacement, generator)

    def histc(self, bins=100, min=0, max=0):
        """A histogram of ``bins`` equal bins over ``[min, max]`` (``min == max``: the data's
        range); values outside are ignored, ``max`` falls in the last bin.

        Examples
        --------
        >>> cygrad.tensor([1., 2., 1.]).histc(bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
        """
        return _histc(self, bins, min, max)

    # ---------------------------------------------------------------- arithmetic dunders
    __add__ = _dunder(_ADD)
    __radd__ = _dunder(_ADD, True)
    __sub__ = _dunder(_SUB)
    __rsub__ = _dunder(_SUB, True)
    __mul__ = _dunder(_MUL)
    __rmul__ = _dunder(_MUL, True)
    __truediv__ = _dunder(_DIV)
    __rtruediv__ = _dunder(_DIV, True)
    __floordiv__ = _dunder(_B["floor_divide"])
    __rfloordiv__ = _dunder(_B["floor_divide"], True)
    __mod__ = _dunder(_B["remainder"])
    __rmod__ = _dunder(_B["remainder"], True)
    __pow__ = _dunder(_B["pow"])
    __rpow__ = _dunder(_B["pow"], True)
    __and__ = _dunder(_B["bitwise_and"])
    __rand__ = _dunder(_B["bitwise_and"], True)
    __or__ = _dunder(_B["bitwise_or"])
    __ror__ = _dunder(_B["bitwise_or"], True)
    __xor__ = _dunder(_B["bitwise_xor"])
    __rxor__ = _dunder(_B["bitwise_xor"], True)
    __eq__ = _dunder(_B["eq"])
    __ne__ = _dunder(_B["ne"])
    __lt__ = _dunder(_B["lt"])
    __le__ = _dunder(_B["le"])
    __gt__ = _dunder(_B["gt"])
    __ge__ = _dunder(_B["ge"])
    __iadd__ = _inplace(_ADD)
    __isub__ = _inplace(_SUB)
    __imul__ = _inplace(_MUL)
    __itruediv__ = _inplace(_DIV)
    __ifloordiv__ = _inplace(_B["floor_divide"])
    __imod__ = _inplace(_B["remainder"])
    __ipow__ = _inplace(_B["pow"])
    __iand__ = _inplace(_B["bitwise_and"])
    __ior__ = _inplace(_B["bitwise_or"])
    __ixor__ = _inplace(_B["bitwise_xor"])

    def __neg__(self):
        return _unary(_U["neg"], self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary(_U["abs"], self)

    def __invert__(self):
        return _unary(_U["bitwise_not"], self)

    # ---------------------------------------------------------------- named arithmetic
    def add(self, other, *, alpha=1):
        """``self + alpha * other``."""
        if alpha != 1:
            other = _binary(_MUL, other, alpha)
        return _binary(_ADD, self, other)

    def sub(self, other, *, alpha=1):
        """``self - alpha * other``."""
        if alpha != 1:
            other = _binary(_MUL, other, alpha)
        return _binary(_SUB, self, other)

    def add_(self, other, *, alpha=1):
        """In-place ``self += alpha * other``."""
        if alpha != 1:
            other = _binary(_MUL, other, alpha)
        _binary(_ADD, self, other, self)
        return self

    def sub_(self, other, *, alpha=1):
        """In-place ``self -= alpha * other``."""
        if alpha != 1:
            other = _binary(_MUL, other, alpha)
        _binary(_SUB, self, other, self)
        return self

    def div(self, other, *, rounding_mode=None):
        """True division, or ``rounding_mode='floor'``/``'trunc'`` division."""
        if rounding_mode is None:
            return _binary(_DIV, self, other)
        if rounding_mode == "floor":
            return _binary(_B["floor_divide"], self, other)
        if rounding_mode == "trunc":
            dt = _elementwise.result_type(self, other)
            if dt in (int32._code, int64._code):        # exact, in the integer kernel
                return _binary(_B["trunc_divide"], self, other)
            q = _unary(_U["trunc"], _binary(_DIV, self, other))
            return q if DTYPES[dt].is_floating_point else q.to(DTYPES[dt])
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{rounding_mode}'")

    def div_(self, other, *, rounding_mode=None):
        """In-place :meth:`div`."""
        if rounding_mode is None:
            _binary(_DIV, self, other, self)
            return self
        return self.copy_(self.div(other, rounding_mode=rounding_mode))

    def clamp(self, min=None, max=None):
        """Limit values to ``[min, max]`` (either may be None; numbers or tensors)."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        return _op(_clamp_kernel, self, min, max)

    clip = clamp

    def clamp_(self, min=None, max=None):
        """In-place :meth:`clamp`."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if _needs_grad(self, min, max):
            return self.copy_(self.clone().clamp(min, max))
        if min is not None:
            _binary(_B["maximum"], self, min, self)
        if max is not None:
            _binary(_B["minimum"], self, max, self)
        return self

    clip_ = clamp_

    def round(self, decimals=0):
        """Round half to even, optionally to ``decimals`` decimal places."""
        if decimals == 0:
            return _unary(_U["round"], self)
        scale = 10.0 ** decimals
        return _unary(_U["round"], self * scale) / scale

    def round_(self, decimals=0):
        """In-place :meth:`round`."""
        return self.copy_(self.round(decimals))

    def where(self, condition, other):
        """``self`` where ``condition`` is true, else ``other``."""
        return _op(_elementwise.where, condition, self, other)

    def lerp(self, end, weight):
        """``self + weight * (end - self)``."""
        return self + weight * (end - self)

    def lerp_(self, end, weight):
        """In-place :meth:`lerp`."""
        return self.copy_(self.lerp(end, weight))

    def addcmul(self, tensor1, tensor2, *, value=1):
        """``self + value * tensor1 * tensor2`` (broadcasting).

        Examples
        --------
        >>> cygrad.ones(2).addcmul(cygrad.tensor([1., 2.]), cygrad.tensor([3., 4.]), value=0.5)
        tensor([2.5000, 5.0000])
        """
        prod = tensor1 * tensor2
        return self + (prod * value if value != 1 else prod)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        """In-place :meth:`addcmul`."""
        prod = tensor1 * tensor2
        return self.add_(prod * value if value != 1 else prod)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """``self + value * tensor1 / tensor2`` (broadcasting).

        Examples
        --------
        >>> cygrad.zeros(2).addcdiv(cygrad.tensor([1., 2.]), cygrad.tensor([4., 4.]), value=2)
        tensor([0.5000, 1.0000])
        """
        q = tensor1 / tensor2
        return self + (q * value if value != 1 else q)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        """In-place :meth:`addcdiv`."""
        q = tensor1 / tensor2
        return self.add_(q * value if value != 1 else q)

    # ---------------------------------------------------------------- products
    def __matmul__(self, other):
        if not isinstance(other, TensorBase):
            if not hasattr(other, "__array_interface__"):
                return NotImplemented
            other = _create.from_data(other, None)      # a NumPy array, as in ``self + a``
        return _op(_matmul.matmul, self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, TensorBase):
            if not hasattr(other, "__array_interface__"):
                return NotImplemented
            other = _create.from_data(other, None)
        return _op(_matmul.matmul, other, self)

    def matmul(self, other):
        """Matrix product with NumPy's rules: dot, matrix-vector, batched with broadcasting.

        Examples
        --------
        >>> a = cygrad.ones(2, 1, 4, 5)
        >>> b = cygrad.ones(3, 5, 6)
        >>> (a @ b).shape
        cygrad.Size([2, 3, 4, 6])
        """
        return _op(_matmul.matmul, self, other)

    def mm(self, mat2):
        """Product of two matrices (2-d only)."""
        return _op(_matmul.mm, self, mat2)

    def bmm(self, mat2):
        """Product of two batches of matrices (3-d, same batch size)."""
        return _op(_matmul.bmm, self, mat2)

    def mv(self, vec):
        """Matrix-vector product."""
        return _op(_matmul.mv, self, vec)

    def dot(self, other):
        """Inner product of two 1-d tensors."""
        return _op(_matmul.dot, self, other)

    def outer(self, vec2):
        """Outer product of two 1-d tensors: ``out[i, j] = self[i] * vec2[j]``."""
        if self.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D tensors, got {self.ndim}-D and "
                               f"{vec2.ndim}-D")
        return self.unsqueeze(1) * vec2

    ger = outer

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """``beta * self + alpha * (mat1 @ mat2)``."""
        return _op(_matmul.addmm, self, mat1, mat2, beta, alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """``beta * self + alpha * bmm(batch1, batch2)``."""
        return _op(_matmul.addmm, self, batch1, batch2, beta, alpha, True)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The diagonal of the (dim1, dim2) planes as a view, appended as the last dim."""
        nd = self.ndim
        d1 = _core_tensor.wrap_dim_py(dim1, nd)
        d2 = _core_tensor.wrap_dim_py(dim2, nd)
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        shape, stride = list(self.shape), list(self.stride())
        start = self.storage_offset()
        if offset >= 0:
            n = builtins.max(builtins.min(shape[d1], shape[d2] - offset), 0)
            start += offset * stride[d2] if n else 0
        else:
            n = builtins.max(builtins.min(shape[d1] + offset, shape[d2]), 0)
            start -= offset * stride[d1] if n else 0
        new_shape = [k for i, k in enumerate(shape) if i not in (d1, d2)] + [n]
        new_stride = [k for i, k in enumerate(stride) if i not in (d1, d2)] + [stride[d1] +
                                                                              stride[d2]]
        return _op(_diagonal_view, self, tuple(new_shape), tuple(new_stride), start,
                   (offset, d1, d2))

    def trace(self):
        """Sum of the main diagonal of a matrix."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        return self.diagonal().sum()

    # ---------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        """Sum over all elements or over ``dim`` (an int or tuple of ints).

        Integer and bool tensors sum to int64. ``dtype`` converts the input first.
        """
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        x = self if dtype is None else self.to(dtype)
        return _reduction(_R["sum"], x, dim, keepdim)

    def nansum(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        """Sum treating NaN as zero."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        x = self if dtype is None else self.to(dtype)
        if x.is_floating_point():
            x = _op(_elementwise.where, _unary(_U["isnan"], x), 0, x)
        return _reduction(_R["sum"], x, dim, keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        """Mean over all elements or over ``dim``; needs a floating dtype."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        x = self if dtype is None else self.to(dtype)
        if not x.is_floating_point():
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {x.type()[len('cygrad.'):-len('Tensor')]}")
        n = _reduced_count(x, dim)
        return _reduction(_R["sum"], x, dim, keepdim, 1.0 / n if n else float("nan"))

    def prod(self, dim=None, keepdim=False, *, dtype=None, keepdims=None):
        """Product over all elements or over ``dim``."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        x = self if dtype is None else self.to(dtype)
        return _reduction(_R["prod"], x, dim, keepdim)

    def amax(self, dim=(), keepdim=False, *, keepdims=None):
        """Maximum over ``dim`` (all dims by default); NaN propagates."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        return _reduction(_R["max"], self, dim, keepdim)

    def amin(self, dim=(), keepdim=False, *, keepdims=None):
        """Minimum over ``dim`` (all dims by default); NaN propagates."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        return _reduction(_R["min"], self, dim, keepdim)

    def max(self, dim=None, keepdim=False, *, keepdims=None):
        """The maximum; with ``dim``, a ``(values, indices)`` named tuple; with a tensor,
        the elementwise :func:`cygrad.maximum`."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        if isinstance(dim, TensorBase):
            return _binary(_B["maximum"], self, dim)
        if dim is None:
            return _reduction(_R["max"], self, None, False)
        return _return_types.max(*_op(_reduce.arg_reduce, 0, self, dim, keepdim))

    def min(self, dim=None, keepdim=False, *, keepdims=None):
        """The minimum; with ``dim``, a ``(values, indices)`` named tuple; with a tensor,
        the elementwise :func:`cygrad.minimum`."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        if isinstance(dim, TensorBase):
            return _binary(_B["minimum"], self, dim)
        if dim is None:
            return _reduction(_R["min"], self, None, False)
        return _return_types.min(*_op(_reduce.arg_reduce, 1, self, dim, keepdim))

    def argmax(self, dim=None, keepdim=False, *, keepdims=None):
        """Index of the (first) maximum, over the flattened tensor or along ``dim``."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        return _arg(0, self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False, *, keepdims=None):
        """Index of the (first) minimum, over the flattened tensor or along ``dim``."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        return _arg(1, self, dim, keepdim)

    def var(self, dim=None, *, correction=1, keepdim=False, unbiased=None, keepdims=None):
        """Variance over ``dim`` with Bessel's ``correction`` (1 by default, as PyTorch)."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        if unbiased is not None:
            correction = 1 if unbiased else 0
        if not self.is_floating_point():
            raise RuntimeError("std and var only support floating point and complex dtypes")
        n = _reduced_count(self, dim)
        mu = self.mean(dim, keepdim=True)
        dev = self - mu
        # square in place (one temporary, not two) unless the graph needs the deviations
        dev = _binary(_MUL, dev, dev, None if dev._requires_grad else dev)
        ss = _reduction(_R["sum"], dev, dim, keepdim)
        return ss / float(builtins.max(n - correction, 0))

    def std(self, dim=None, *, correction=1, keepdim=False, unbiased=None, keepdims=None):
        """Standard deviation: the square root of :meth:`var`."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        return _op(_sqrt_zero_grad_kernel, self.var(dim, correction=correction, keepdim=keepdim,
                                             unbiased=unbiased))

    def softmax(self, dim, dtype=None):
        """``exp(x) / exp(x).sum(dim)``, shifted by the maximum for stability.

        Examples
        --------
        >>> cygrad.tensor([0., 0.]).softmax(0)
        tensor([0.5000, 0.5000])
        """
        return _softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        """``x - logsumexp(x, dim)`` (stable even for logits of ``1e4``).

        Examples
        --------
        >>> cygrad.tensor([0., 1e4]).log_softmax(0)
        tensor([-10000.,      0.])
        """
        return _log_softmax(self, dim, dtype)

    def logsumexp(self, dim, keepdim=False, *, keepdims=None):
        """``log(sum(exp(self), dim))`` computed stably (shifted by the maximum)."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        x = self if self.is_floating_point() else self.float()
        if x.numel() == 0 and _reduced_count(x, dim) == 0:
            s = x.exp().sum(dim, keepdim=True).log()          # an empty sum: log(0) = -inf
            return s if keepdim else s.squeeze(dim)
        m = x.amax(dim, keepdim=True)
        m = _op(_elementwise.where, _unary(_U["isinf"], m), 0.0, m)
        s = (x - m).exp().sum(dim, keepdim=True).log() + m
        return s if keepdim else s.squeeze(dim)

    def any(self, dim=None, keepdim=False, *, keepdims=None):
        """True if any element (over ``dim``) is non-zero; ``dim=()`` tests each element."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        if isinstance(dim, (tuple, list)) and len(dim) == 0:
            return self.to(bool_, copy=True)
        return _op(_reduce.reduce, _R["max"], self.bool(), () if dim is None else dim,
                   keepdim, 1.0, True)

    def all(self, dim=None, keepdim=False, *, keepdims=None):
        """True if every element (over ``dim``) is non-zero; ``dim=()`` tests each element."""
        keepdim = keepdim if keepdims is None else keepdims    # NumPy's spelling
        if isinstance(dim, (tuple, list)) and len(dim) == 0:
            return self.to(bool_, copy=True)
        return _op(_reduce.reduce, _R["min"], self.bool(), () if dim is None else dim,
                   keepdim, 1.0, True)

    def count_nonzero(self, dim=None):
        """Number of non-zero elements (over ``dim``)."""
        return self.bool().sum(dim)

    def equal(self, other):
        """True if both have the same shape and elements."""
        return tuple(self.shape) == tuple(other.shape) and builtins.bool((self == other).all())

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True if ``|self - other| <= atol + rtol * |other|`` everywhere."""
        return builtins.bool(self.isclose(other, rtol, atol, equal_nan).all())

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Elementwise ``|self - other| <= atol + rtol * |other|``."""
        close = (self - other).abs() <= atol + rtol * _abs_any(other)
        close = close | (self == other)
        if equal_nan:
            close = close | (self.isnan() & _isnan_any(other))
        return close


def _abs_any(x):
    return x.abs() if isinstance(x, TensorBase) else abs(x)


def _isnan_any(x):
    return x.isnan() if isinstance(x, TensorBase) else (x != x)


def _rebuild_raw(raw, dtype_name, shape, requires_grad=False):
    """Unpickle a tensor from its raw bytes (native byte order)."""
    import numpy as np

    a = np.frombuffer(bytearray(raw), dtype=np.dtype(dtype_name)).reshape(shape)
    t = _create.from_buffer(a)
    t._requires_grad = requires_grad
    return t


def _rebuild(data, dtype_name, shape, requires_grad=False):
    """Unpickle a tensor from nested lists (the format of older pickles)."""
    t = _create.from_data(data, getattr(_dtype_module, dtype_name)).reshape(shape)
    t._requires_grad = requires_grad
    return t


_dtype_cls = dtype
_device_cls = device        # the methods' ``device=`` arguments shadow the class


def _return_type(name, fields):
    """A named tuple printed as PyTorch prints its ``torch.return_types``."""
    from collections import namedtuple

    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"{_core_tensor.repr_namespace()}.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__module__": "cygrad.return_types"})


class _return_types:
    """Named tuples returned by ``max(dim)``, ``min(dim)``, ``sort``, ``topk`` and
    ``histogram`` (``.values``/``.indices``, ``.hist``/``.bin_edges``)."""

    max = _return_type("max", ["values", "indices"])
    min = _return_type("min", ["values", "indices"])
    sort = _return_type("sort", ["values", "indices"])
    topk = _return_type("topk", ["values", "indices"])
    histogram = _return_type("histogram", ["hist", "bin_edges"])


def _arg(which, x, dim, keepdim):
    if dim is None:
        flat = x.reshape(-1)
        _, idx = _op(_reduce.arg_reduce, which, flat, 0, False)
        return idx.reshape([1] * x.ndim) if keepdim else idx
    return _op(_reduce.arg_reduce, which, x, dim, keepdim)[1]


def _dim_list(dims, nd):
    """``dims`` wrapped for an ``nd``-d tensor, each at most once (a 0-d tensor's one
    pseudo-dim names nothing to reverse)."""
    if isinstance(dims, builtins.int):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    out = []
    for d in dims:
        w = _core_tensor.wrap_dim_py(d, nd)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out) if nd else ()


def _vector_norm(x, ord, dim, keepdim, dtype):
    """The vector ``ord``-norm over ``dim`` (all elements when None): behind
    ``Tensor.norm`` and ``linalg.vector_norm``."""
    import math

    if dtype is not None:
        x = x.to(dtype)
    if not x.is_floating_point():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {_dtype_name(x)}")
    a = x.abs()
    if ord == math.inf:
        return a.amax(() if dim is None else dim, keepdim)
    if ord == -math.inf:
        return a.amin(() if dim is None else dim, keepdim)
    if ord == 0:
        return (a != 0).to(x.dtype).sum(dim, keepdim)
    if ord == 1:
        return a.sum(dim, keepdim)
    if ord == 2:
        return _op(_sqrt_zero_grad_kernel, (a * a).sum(dim, keepdim))
    return (a ** ord).sum(dim, keepdim) ** (1.0 / ord)


def _dtype_name(t):
    """PyTorch's scalar-type name of ``t``'s dtype (``'Float'``, ``'Long'``), for messages."""
    return _elementwise._TYPE_NAMES[t._dtype_code]


def _multinomial(p, num_samples, replacement, generator):
    if not p.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dtype_name(p)}")
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if isinstance(num_samples, builtins.bool) or not hasattr(num_samples, "__index__"):
        raise TypeError(f"multinomial(): argument 'num_samples' must be int, not "
                        f"{type(num_samples).__name__}")
    n = num_samples.__index__()
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    cats = p.shape[-1]
    if not replacement and n > cats:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rows = _reshape_kernel(p.detach(), (-1, cats))
    out_shape = (n,) if p.ndim == 1 else (rows.shape[0], n)
    if rows.shape[0] == 0:
        return _core_tensor.empty_tensor(out_shape, int64._code)
    p64 = _elementwise.cast(rows, float64._code)
    if cats == 0 or not builtins.bool(_elementwise.unary(_U["isfinite"], p64).all()) \
            or p64.amin().item() < 0:
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if builtins.bool((p64.sum(1) <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    bits = (generator or creation.default_generator)._bits()
    if replacement:
        u = _create.from_buffer(bits.random((rows.shape[0], n)))
        out = _sort.multinomial_search(_sort.scan(0, p64, 1), u)
    else:
        # PyTorch's method: the n largest of p / E with E ~ Exponential(1) are a draw
        # without replacement (categories of probability 0 come last)
        e = _create.from_buffer(bits.standard_exponential((rows.shape[0], cats)))
        out = _sort.topk(_binary(_DIV, p64, e), n, 1, True, True)[1]
    return TensorBase._view(out, out_shape)


def _bin_counts(v, pos, bins, weight, dt):
    """``bins`` counts (or sums of ``weight``) of the int64 bin positions ``pos``."""
    hist = _core_tensor.empty_tensor((bins,), dt._code, True)
    w = weight if weight is not None else _core_tensor.empty_tensor(tuple(pos.shape),
                                                                     dt._code)
    if weight is None:
        _elementwise.fill_(w, 1)
    _index.index_put_(hist, (pos,), w, True)
    return hist


def _histc(x, bins, lo, hi):
    if not x.is_floating_point():
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_dtype_name(x)}'")
    if isinstance(bins, builtins.bool) or not hasattr(bins, "__index__"):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    bins = bins.__index__()
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           f"dimension 0")
    v = _reshape_kernel(x.detach(), (-1,))
    lo, hi = builtins.float(lo), builtins.float(hi)
    if lo == hi and v.numel():
        lo, hi = v.amin().item(), v.amax().item()
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (builtins.abs(lo) < float("inf") and builtins.abs(hi) < float("inf")):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    v, pos = _positions(v, lo, hi, bins)
    return _bin_counts(v, pos, bins, None, x.dtype)


def _positions(v, lo, hi, bins):
    """The values of 1-d ``v`` inside ``[lo, hi]`` and their bin among ``bins`` equal bins
    (``hi`` itself in the last)."""
    inside = (v >= lo) & (v <= hi)
    v = v[inside]
    pos = ((v - lo) * (bins / (hi - lo))).to(int64)
    return v, pos.clamp(0, bins - 1)


def _reduced_count(x, dim):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return x.numel()
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    n = 1
    for d in dims:
        n *= x.shape[_core_tensor.wrap_dim_py(d, x.ndim)] if x.ndim else 1
    return n


def _scalar_tensor(value, dt):
    return _create.from_data(value, dt)


def _as_index(index):
    if isinstance(index, TensorBase):
        if index.dtype.is_floating_point or index.dtype is bool_:
            raise IndexError("index must be an integer (int64 or int32) tensor")
        return index
    return _create.from_data(index, int64)


def _along_dim_key(t, d, index):
    """The advanced-indexing key of :meth:`Tensor.gather` and the scatters: ``index`` at
    dim ``d`` and, at every other dim ``i``, ``arange(index.shape[i])`` shaped to broadcast
    (``index`` no larger than ``t`` outside ``d``, else the error PyTorch gives)."""
    nd = t.ndim
    key = []
    for i in range(nd):
        if i == d:
            key.append(index)
            continue
        if index.shape[i] > t.shape[i]:
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{list(index.shape)} to be smaller than self "
                               f"{list(t.shape)} apart from dimension {d}")
        shape = [1] * nd
        shape[i] = index.shape[i]
        key.append(_arange_index(index.shape[i]).view(shape))
    return tuple(key)


def _arange_index(n):
    t = _core_tensor.empty_tensor((n,), int64._code)
    return _create.arange_fill(t, 0, 1)


def _broadcast_pair(a, b):
    shape = _iter.broadcast_shapes_py(tuple(a.shape), tuple(b.shape))
    return a.expand(shape), b.expand(shape)


def _make_unary(name, doc):
    code = _U[name]

    def method(self):
        return _unary(code, self)

    def method_(self):
        _unary(code, self, self)
        return self

    method.__name__ = name
    method.__qualname__ = "Tensor." + name
    method.__doc__ = doc
    method_.__name__ = name + "_"
    method_.__qualname__ = "Tensor." + name + "_"
    method_.__doc__ = f"In-place :meth:`{name}`."
    return method, method_


def _make_binary(name, doc):
    code = _B[name]

    def method(self, other):
        return _binary(code, self, other)

    def method_(self, other):
        _binary(code, self, other, self)
        return self

    method.__name__ = name
    method.__qualname__ = "Tensor." + name
    method.__doc__ = doc
    method_.__name__ = name + "_"
    method_.__qualname__ = "Tensor." + name + "_"
    method_.__doc__ = f"In-place :meth:`{name}`."
    return method, method_


UNARY_DOCS = {
    "neg": "``-self``, elementwise.", "abs": "Absolute value, elementwise.",
    "sign": "-1, 0 or 1 by the sign of each element (NaN stays NaN).",
    "exp": "``e**x``, elementwise.", "exp2": "``2**x``, elementwise.",
    "log": "Natural logarithm, elementwise.", "log2": "Base-2 logarithm, elementwise.",
    "log10": "Base-10 logarithm, elementwise.", "log1p": "``log(1 + x)``, accurate near 0.",
    "expm1": "``exp(x) - 1``, accurate near 0.", "sqrt": "Square root, elementwise.",
    "rsqrt": "``1 / sqrt(x)``, elementwise.", "reciprocal": "``1 / x``, elementwise.",
    "sin": "Sine, elementwise.", "cos": "Cosine, elementwise.", "tan": "Tangent, elementwise.",
    "asin": "Arcsine, elementwise.", "acos": "Arccosine, elementwise.",
    "atan": "Arctangent, elementwise.", "sinh": "Hyperbolic sine, elementwise.",
    "cosh": "Hyperbolic cosine, elementwise.", "tanh": "Hyperbolic tangent, elementwise.",
    "erf": "The error function, elementwise.",
    "erfc": "The complementary error function ``1 - erf(x)``, accurate where erf is near 1.",
    "erfinv": "The inverse error function, elementwise (``+-inf`` at ``+-1``, NaN beyond).",
    "asinh": "Inverse hyperbolic sine, elementwise.",
    "acosh": "Inverse hyperbolic cosine, elementwise (NaN below 1).",
    "atanh": "Inverse hyperbolic tangent, elementwise (``+-inf`` at ``+-1``, NaN beyond).",
    "sigmoid": "The logistic function ``1 / (1 + exp(-x))``, elementwise.",
    "relu": "``max(x, 0)``, elementwise (NaN stays NaN).",
    "floor": "Largest integer <= x, elementwise.", "ceil": "Smallest integer >= x, elementwise.",
    "trunc": "Round towards zero, elementwise.", "square": "``x * x``, elementwise.",
    "bitwise_not": "Bitwise NOT of integer or bool tensors (``~x``).",
    "logical_not": "``x == 0`` as a bool tensor.", "isnan": "True where NaN.",
    "isinf": "True where +-inf.", "isfinite": "True where neither NaN nor infinite.",
}
BINARY_DOCS = {
    "mul": "``self * other``, elementwise with broadcasting.",
    "true_divide": "``self / other``; integer inputs give the default float dtype.",
    "floor_divide": "``self // other`` (rounds towards minus infinity, as Python).",
    "remainder": "``self % other`` with the sign of the divisor (Python's rule).",
    "pow": "``self ** other``, elementwise.",
    "maximum": "Elementwise maximum (NaN propagates).",
    "minimum": "Elementwise minimum (NaN propagates).",
    "bitwise_and": "Bitwise AND of integer or bool tensors.",
    "bitwise_or": "Bitwise OR of integer or bool tensors.",
    "bitwise_xor": "Bitwise XOR of integer or bool tensors.",
    "eq": "``self == other`` as a bool tensor.", "ne": "``self != other`` as a bool tensor.",
    "lt": "``self < other`` as a bool tensor.", "le": "``self <= other`` as a bool tensor.",
    "gt": "``self > other`` as a bool tensor.", "ge": "``self >= other`` as a bool tensor.",
    "logical_and": "Elementwise logical AND (non-zero is true), as bool.",
    "logical_or": "Elementwise logical OR (non-zero is true), as bool.",
    "logical_xor": "Elementwise logical XOR (non-zero is true), as bool.",
    "atan2": "Elementwise ``atan2(self, other)``.",
    "fmod": "C's remainder ``fmod(self, other)``: the sign of the dividend (integer inputs "
            "stay integers; an integer divisor of 0 raises).",
}

for _name, _doc in UNARY_DOCS.items():
    _m, _m_ = _make_unary(_name, _doc)
    setattr(Tensor, _name, _m)
    if _name not in ("isnan", "isinf", "isfinite"):
        setattr(Tensor, _name + "_", _m_)
_square = Tensor.square
Tensor.square = lambda self: _square(self.long() if self.dtype is bool_ else self)
Tensor.square.__doc__ = _square.__doc__ + " bool tensors give int64, as PyTorch."
Tensor.negative = Tensor.neg
Tensor.absolute = Tensor.abs
# NumPy-style names PyTorch keeps as aliases (``torch.arcsin`` is ``torch.asin``)
ARC_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
               "arccosh": "acosh", "arctanh": "atanh"}
for _alias, _name in ARC_ALIASES.items():
    setattr(Tensor, _alias, getattr(Tensor, _name))
    setattr(Tensor, _alias + "_", getattr(Tensor, _name + "_"))
del _alias
for _name, _doc in BINARY_DOCS.items():
    _m, _m_ = _make_binary("div" if _name == "true_divide" else _name, _doc)
    if _name in ("eq", "ne", "lt", "le", "gt", "ge"):
        _m.__name__ = _name
    setattr(Tensor, _name, _m)
    setattr(Tensor, _name + "_", _m_)
Tensor.multiply = Tensor.mul
Tensor.arctan2 = Tensor.atan2
Tensor.arctan2_ = Tensor.atan2_
Tensor.greater = Tensor.gt
Tensor.less = Tensor.lt
Tensor.greater_equal = Tensor.ge
Tensor.less_equal = Tensor.le
Tensor.not_equal = Tensor.ne
del _name, _doc, _m, _m_

_core_tensor.register(Tensor, DTYPES)
