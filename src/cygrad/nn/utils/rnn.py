"""Packing and padding batches of variable-length sequences, as ``torch.nn.utils.rnn``.

A :class:`PackedSequence` stores a batch of sequences time step by time step: ``data``
holds, for ``t = 0, 1, ...``, the ``t``-th element of every sequence longer than ``t``
(longest sequence first), and ``batch_sizes[t]`` says how many there are. The layout, the
sort order and the error messages are PyTorch's, so a packed batch holds the same numbers as
PyTorch's for the same input.

Every conversion is one recorded gather (advanced indexing with an ``int64`` index tensor
computed with NumPy from the lengths), after at most one ``cat``: no Python loop runs over
elements or time steps, and gradients flow back to the padded or packed input.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import NamedTuple, Optional

import numpy as np

from ... import _dtype, creation
from ..._core._tensor import TensorBase
from ...functional import cat
from ...tensor import _dtype_name

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_SORT_MESSAGE = ("`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                 "is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                 "and/or pack_sequence to sidestep this requirement if you do not need ONNX "
                 "exportability.")
_ZERO_MESSAGE = ("Length of all samples has to be greater than 0, but found an element in "
                 "'lengths' that is <= 0")


class PackedSequence_(NamedTuple):
    """The four fields of a :class:`PackedSequence` (PyTorch's base class of that name)."""

    data: TensorBase
    batch_sizes: TensorBase
    sorted_indices: Optional[TensorBase]
    unsorted_indices: Optional[TensorBase]


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """A batch of variable-length sequences stored time step by time step.

    Made by :func:`pack_padded_sequence` and :func:`pack_sequence`, and turned back into a
    padded tensor by :func:`pad_packed_sequence`. It is a named tuple:
    ``data, batch_sizes, sorted_indices, unsorted_indices = packed`` works.

    Parameters
    ----------
    data : Tensor
        The packed elements, shape ``(sum(lengths), *)``: the first element of every
        sequence (longest first), then the second element of every sequence longer than 1,
        and so on. Alternatively the pair ``(data, batch_sizes)``, with ``batch_sizes``
        left out.
    batch_sizes : Tensor, optional
        ``int64`` (1-d, on the CPU): ``batch_sizes[t]`` is the number of sequences longer
        than ``t``.
    sorted_indices : Tensor, optional
        ``int64``: the batch position of the ``j``-th longest sequence, or None when the
        batch was packed as given (already sorted).
    unsorted_indices : Tensor, optional
        The inverse permutation of ``sorted_indices`` (computed when left out).

    Attributes
    ----------
    data : Tensor
    batch_sizes : Tensor
    sorted_indices : Tensor or None
    unsorted_indices : Tensor or None

    Examples
    --------
    >>> packed = nn.utils.rnn.pack_sequence([cygrad.tensor([1, 2, 3]), cygrad.tensor([4])])
    >>> packed
    PackedSequence(data=tensor([1, 4, 2, 3]), batch_sizes=tensor([2, 1, 1]), sorted_indices=None, unsorted_indices=None)
    >>> data, batch_sizes, *_ = packed
    >>> batch_sizes.tolist()
    [2, 1, 1]
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(cls, *_packed_sequence_init_args(
            data, batch_sizes, sorted_indices, unsorted_indices))

    def to(self, *args, **kwargs):
        """Convert ``data`` as :meth:`cygrad.Tensor.to` does.

        ``batch_sizes`` stays as it is (an ``int64`` CPU tensor); the index tensors follow
        ``data``'s device.

        Parameters
        ----------
        *args, **kwargs
            The arguments of :meth:`cygrad.Tensor.to` (a dtype, a device, a tensor, ...).

        Returns
        -------
        PackedSequence
            ``self`` when ``data`` does not change, otherwise a new packed sequence.

        Examples
        --------
        >>> packed = nn.utils.rnn.pack_sequence([cygrad.tensor([1., 2.]), cygrad.tensor([3.])])
        >>> packed.to(cygrad.float64).data
        tensor([1., 3., 2.], dtype=cygrad.float64)
        >>> packed.to(cygrad.float32) is packed
        True
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        non_blocking = kwargs.get("non_blocking", False)

        def call_to(t):
            return t.to(data.device, non_blocking=non_blocking)

        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, call_to),
                          _bind(self.unsorted_indices, call_to))

    def cuda(self, device=None, non_blocking=False, **kwargs):
        """Move ``data`` to a CUDA device (cygrad runs on the CPU only, so this raises).

        Parameters
        ----------
        device : str or device, optional
        non_blocking : bool, optional

        Returns
        -------
        PackedSequence

        Raises
        ------
        RuntimeError
            Always: cygrad supports only the ``'cpu'`` device.
        """
        return self.to(device="cuda" if device is None else device,
                       non_blocking=non_blocking, **kwargs)

    def cpu(self, **kwargs):
        """The packed sequence with ``data`` on the CPU (where it already is).

        Returns
        -------
        PackedSequence
            ``self``.
        """
        return self.to(device="cpu", **kwargs)

    def double(self):
        """``data`` converted to ``float64`` (see :meth:`to`).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.float64)

    def float(self):
        """``data`` converted to ``float32`` (see :meth:`to`).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.float32)

    def half(self):
        """``data`` converted to ``float16``, which cygrad tensors do not support (raises).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.float16)

    def long(self):
        """``data`` converted to ``int64`` (see :meth:`to`).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.int64)

    def int(self):
        """``data`` converted to ``int32`` (see :meth:`to`).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.int32)

    def short(self):
        """``data`` converted to ``int16``, which cygrad tensors do not support (raises).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.int16)

    def char(self):
        """``data`` converted to ``int8``, which cygrad tensors do not support (raises).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.int8)

    def byte(self):
        """``data`` converted to ``uint8``, which cygrad tensors do not support (raises).

        Returns
        -------
        PackedSequence
        """
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self):
        """bool: Whether ``data`` is on a CUDA device (always False in cygrad)."""
        return bool(getattr(self.data, "is_cuda", False))

    def is_pinned(self):
        """Whether ``data`` is in pinned memory (always False in cygrad).

        Returns
        -------
        bool
        """
        is_pinned = getattr(self.data, "is_pinned", None)
        return bool(is_pinned()) if is_pinned is not None else False

    def pin_memory(self):
        """Copy ``data`` to pinned memory, which needs an accelerator (raises in cygrad).

        Returns
        -------
        PackedSequence

        Raises
        ------
        RuntimeError
            Always, as PyTorch does without an accelerator.
        """
        if not hasattr(self.data, "pin_memory"):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return type(self)(self.data.pin_memory(), self.batch_sizes,
                          _bind(self.sorted_indices, lambda t: t.pin_memory()),
                          _bind(self.unsorted_indices, lambda t: t.pin_memory()))


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None,
                               unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        device = getattr(batch_sizes, "device", None)
        if device is not None and getattr(device, "type", "cpu") != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should "
                "never be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


# ------------------------------------------------------------------------------- helpers
def _index(arr):
    """An ``int64`` cygrad tensor of the NumPy integer array ``arr``."""
    return creation.from_numpy(np.ascontiguousarray(arr, dtype=np.int64))


def _numpy_int(t):
    """A private NumPy ``int64`` copy of the 1-d cygrad tensor ``t``."""
    return np.array(t.tolist(), dtype=np.int64).reshape(-1)


def _check_long_vector(t):
    if t.ndim != 1 or t.dtype is not _dtype.int64:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{t.ndim}D cpu {_dtype_name(t)} tensor")


def _lengths_array(lengths):
    """``lengths`` (a tensor, list, tuple or array) as a NumPy ``int64`` vector, with
    PyTorch's conversion (floats truncate) and its 1-d check."""
    if isinstance(lengths, TensorBase):
        t = lengths.to(_dtype.int64)
    elif lengths is None:
        raise TypeError("'NoneType' object cannot be interpreted as an integer")
    else:
        t = creation.as_tensor(lengths, dtype=_dtype.int64)
    _check_long_vector(t)
    return _numpy_int(t)


def _check_dim1(t):
    if t.ndim == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    if t.ndim == 1:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but "
                         "got 1)")


def _check_sorted_lengths(lengths, batch_size):
    """PyTorch's checks of a packing's (already sorted, if asked) lengths, in its order."""
    if len(lengths) != batch_size:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch_size})")
    if batch_size == 0:
        return
    if lengths[-1] <= 0:
        raise RuntimeError(_ZERO_MESSAGE)
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError(_SORT_MESSAGE)


def _sort_order(lengths, enforce_sorted):
    """``(sorted_lengths, order)``: ``order[j]`` is the batch position of the ``j``-th
    longest sequence (ties keep their order, as PyTorch's sort does for small batches);
    ``order`` is None with ``enforce_sorted``."""
    if enforce_sorted:
        return lengths, None
    order = np.argsort(-lengths, kind="stable")
    return lengths[order], order


def _batch_sizes(sorted_lengths):
    """``batch_sizes[t]``: how many of the (descending) lengths exceed ``t``."""
    if len(sorted_lengths) == 0:
        return np.zeros(0, dtype=np.int64)
    steps = int(sorted_lengths[0])
    counts = np.bincount(sorted_lengths, minlength=steps + 1)
    return (len(sorted_lengths) - np.cumsum(counts)[:steps]).astype(np.int64)


def _packed_positions(sorted_lengths):
    """``(t, j)`` of every packed element in packing order: time step ``t`` of the
    ``j``-th longest sequence."""
    steps = int(sorted_lengths[0]) if len(sorted_lengths) else 0
    mask = np.arange(steps)[:, None] < sorted_lengths[None, :]
    return np.nonzero(mask)


def _sorted_index_tensors(order):
    if order is None:
        return None, None
    return _index(order), _index(np.argsort(order, kind="stable"))


def _finish_pack(data, sorted_lengths, order):
    sorted_indices, unsorted_indices = _sorted_index_tensors(order)
    return PackedSequence(data, _index(_batch_sizes(sorted_lengths)), sorted_indices,
                          unsorted_indices)


def _check_sequences(sequences, name="pad_sequence"):
    """The sequences as a tuple of tensors, with PyTorch's checks of ``pad_sequence``."""
    if isinstance(sequences, TensorBase):
        sequences = tuple(sequences.unbind(0)) if sequences.ndim else sequences
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"{name}: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}")
    sequences = tuple(sequences)
    for i, s in enumerate(sequences):
        if not isinstance(s, TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(s).__name__}")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if sequences[0].ndim == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    for s in sequences[1:]:
        if s.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return sequences


def _check_broadcast(dest, src):
    """PyTorch's errors for copying a ``src``-shaped sequence into a ``dest``-shaped slot."""
    n = max(len(dest), len(src))
    a, b = (1,) * (n - len(dest)) + dest, (1,) * (n - len(src)) + src
    for i in range(n):
        if a[i] != b[i] and a[i] != 1 and b[i] != 1:
            raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor "
                               f"b ({b[i]}) at non-singleton dimension {i}")
    full = [max(x, y) for x, y in zip(a, b)]
    if full != list(dest):
        raise RuntimeError(f"output with shape {list(dest)} doesn't match the broadcast "
                           f"shape {full}")


def _concat(sequences, padding_value=None):
    """``(flat, lengths, offsets)``: the sequences, converted to the first one's dtype and
    broadcast to its trailing shape (as PyTorch copies them into the padded output), one
    after the other along dim 0 (in one ``cat``), followed by a row of ``padding_value``
    unless that is None."""
    first = sequences[0]
    trailing = tuple(first.shape[1:])
    parts = []
    for s in sequences:
        if s.dtype is not first.dtype:
            s = s.to(first.dtype)
        shape = (s.shape[0],) + trailing
        if tuple(s.shape) != shape:
            _check_broadcast(shape, tuple(s.shape))
            s = s.expand(shape)
        parts.append(s)
    lengths = np.array([p.shape[0] for p in parts], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    if padding_value is not None:
        parts.append(_padding_row(first, padding_value))
    flat = parts[0] if len(parts) == 1 else cat(parts)
    return flat, lengths, offsets


def _padding_row(like, padding_value):
    """One row (dim 0 of size 1) of ``padding_value``, with ``like``'s dtype and trailing
    shape."""
    return creation.full((1,) + tuple(like.shape[1:]), padding_value, dtype=like.dtype)


def _check_padding_value(padding_value, name, position, kind="float"):
    if not isinstance(padding_value, numbers.Real):
        raise TypeError(f"{name}(): argument 'padding_value' (position {position}) must be "
                        f"{kind}, not {type(padding_value).__name__}")


# ------------------------------------------------------------------------ public functions
def invert_permutation(permutation):
    """The inverse of a permutation (``out[permutation[i]] = i``), or None for None.

    Converts between a :class:`PackedSequence`'s ``sorted_indices`` and
    ``unsorted_indices``.

    Parameters
    ----------
    permutation : Tensor or None
        A 1-d integer tensor holding a permutation of ``0, ..., n - 1``.

    Returns
    -------
    Tensor or None
        The inverse permutation, with ``permutation``'s dtype.

    Examples
    --------
    >>> nn.utils.rnn.invert_permutation(cygrad.tensor([2, 0, 1]))
    tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = np.array(permutation.tolist(), dtype=np.int64).reshape(-1)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=np.int64)
    return _index(out).to(permutation.dtype).reshape(tuple(permutation.shape))


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of variable-length sequences into a :class:`PackedSequence`.

    Parameters
    ----------
    input : Tensor
        The padded batch, shape ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``, where
        ``T`` is at least the longest length and ``*`` is any number of trailing dims.
    lengths : Tensor or list of int
        The length of each of the ``B`` sequences (a tensor is converted to ``int64``).
    batch_first : bool, optional
        Whether ``input`` is ``(B, T, *)``. False by default.
    enforce_sorted : bool, optional
        True (the default) requires ``lengths`` in decreasing order (raises otherwise);
        False sorts the batch, longest first (equal lengths keep their order), and
        records the permutation in ``sorted_indices`` and ``unsorted_indices``.

    Returns
    -------
    PackedSequence
        ``data`` of shape ``(sum(lengths), *)``, differentiable with respect to ``input``
        (the padding positions get zero gradient).

    Raises
    ------
    RuntimeError
        If ``lengths`` is not in decreasing order with ``enforce_sorted``, a length is not
        positive or exceeds ``T``, the number of lengths is not ``B``, or ``input`` is empty.

    Examples
    --------
    >>> x = cygrad.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    >>> packed = nn.utils.rnn.pack_padded_sequence(x, [2, 1, 3], batch_first=True,
    ...                                            enforce_sorted=False)
    >>> packed.data
    tensor([4, 1, 3, 5, 2, 6])
    >>> packed.batch_sizes
    tensor([3, 2, 1])
    >>> packed.sorted_indices
    tensor([2, 0, 1])
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"_pack_padded_sequence(): argument 'input' (position 1) must be "
                        f"Tensor, not {type(input).__name__}")
    lengths = _lengths_array(lengths)
    _check_dim1(input)
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch})")
    sorted_lengths, order = _sort_order(lengths, enforce_sorted)
    _check_sorted_lengths(sorted_lengths, batch)
    if sorted_lengths[0] > steps:
        raise RuntimeError(f"Expected all lengths to be at most the padded length of the "
                           f"input ({steps}), but found a length of {int(sorted_lengths[0])}")
    t, j = _packed_positions(sorted_lengths)
    b = j if order is None else order[j]
    flat_index = b * steps + t if batch_first else t * batch + b
    rows = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    return _finish_pack(rows[_index(flat_index)], sorted_lengths, order)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Pad a :class:`PackedSequence` back into one tensor (the inverse of
    :func:`pack_padded_sequence`).

    Parameters
    ----------
    sequence : PackedSequence
        The packed batch.
    batch_first : bool, optional
        Return ``(B, T, *)`` instead of ``(T, B, *)``. False by default.
    padding_value : float, optional
        The value of the padding positions. 0 by default.
    total_length : int, optional
        Pad to this length instead of the longest sequence's.

    Returns
    -------
    padded : Tensor
        Shape ``(T, B, *)`` (or ``(B, T, *)``), in the batch order the sequences were packed
        from (``unsorted_indices`` undoes the sorting); differentiable with respect to
        ``sequence.data``.
    lengths : Tensor
        ``int64``: the length of each sequence, in the same order.

    Raises
    ------
    ValueError
        If ``total_length`` is less than the longest sequence's length.

    Examples
    --------
    >>> x = cygrad.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]])
    >>> packed = nn.utils.rnn.pack_padded_sequence(x, [2, 1, 3], batch_first=True,
    ...                                            enforce_sorted=False)
    >>> padded, lengths = nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)
    >>> padded
    tensor([[1, 2, 0],
            [3, 0, 0],
            [4, 5, 6]])
    >>> lengths
    tensor([2, 1, 3])
    """
    batch_sizes = sequence.batch_sizes
    max_seq_length = batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_seq_length}")
        if isinstance(total_length, bool) or not isinstance(total_length, numbers.Integral):
            raise TypeError(f"_pad_packed_sequence(): argument 'total_length' (position 5) "
                            f"must be int, not {type(total_length).__name__}")
        max_seq_length = int(total_length)
    _check_padding_value(padding_value, "_pad_packed_sequence", 4, "Number")
    _check_long_vector(batch_sizes)
    data = sequence.data
    bs = _numpy_int(batch_sizes)
    steps = len(bs)
    batch = int(bs[0]) if steps else 0
    # sorted_lengths[j]: how many steps have more than j sequences
    sorted_lengths = (bs[None, :] > np.arange(batch)[:, None]).sum(1).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(bs)[:-1])).astype(np.int64)
    unsorted = sequence.unsorted_indices
    # column b of the output is the sorted batch's column perm[b]
    perm = np.arange(batch) if unsorted is None else _numpy_int(unsorted)
    bs_ext = np.zeros(max_seq_length, dtype=np.int64)
    bs_ext[:steps] = bs
    off_ext = np.zeros(max_seq_length, dtype=np.int64)
    off_ext[:steps] = offsets
    valid = perm[None, :] < bs_ext[:, None]
    n = data.shape[0]
    index = np.where(valid, off_ext[:, None] + perm[None, :], n)
    if batch_first:
        index = index.T
    source = data if valid.all() else cat([data, _padding_row(data, padding_value)])
    out_shape = tuple(index.shape) + tuple(data.shape[1:])
    padded = source[_index(index.reshape(-1))].reshape(out_shape)
    return padded, _index(sorted_lengths[perm])


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length sequences into one tensor, padded to the longest.

    Parameters
    ----------
    sequences : sequence of Tensor
        Tensors of shape ``(L_i, *)`` with the same trailing dims ``*`` (a tensor is split
        along dim 0). The output has the first one's dtype.
    batch_first : bool, optional
        Return ``(B, T, *)`` instead of ``(T, B, *)``. False by default.
    padding_value : float, optional
        The value of the padding positions. 0 by default.
    padding_side : {'right', 'left'}, optional
        Pad after each sequence (the default) or before it.

    Returns
    -------
    Tensor
        Shape ``(T, B, *)`` (or ``(B, T, *)``) with ``T = max(L_i)``; differentiable with
        respect to every sequence.

    Examples
    --------
    >>> a, b = cygrad.tensor([1., 2., 3.]), cygrad.tensor([4.])
    >>> nn.utils.rnn.pad_sequence([a, b])
    tensor([[1., 4.],
            [2., 0.],
            [3., 0.]])
    >>> nn.utils.rnn.pad_sequence([a, b], batch_first=True, padding_value=-1.,
    ...                           padding_side="left")
    tensor([[ 1.,  2.,  3.],
            [-1., -1.,  4.]])
    """
    sequences = _check_sequences(sequences)
    _check_padding_value(padding_value, "pad_sequence", 3)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps = int(lengths.max())
    t = np.arange(steps)[:, None]
    start = (steps - lengths if padding_side == "left" else np.zeros_like(lengths))[None, :]
    valid = (t >= start) & (t < start + lengths[None, :])
    # the padding row (index sum(lengths)) is appended only when some position needs it
    source, _, offsets = _concat(sequences, None if valid.all() else padding_value)
    index = np.where(valid, offsets[None, :] + t - start, int(lengths.sum()))
    if batch_first:
        index = index.T
    out_shape = tuple(index.shape) + tuple(source.shape[1:])
    return source[_index(index.reshape(-1))].reshape(out_shape)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch into its variable-length sequences (the inverse of
    :func:`pad_sequence`).

    Unlike PyTorch's, it does not transpose ``padded_sequences`` in place.

    Parameters
    ----------
    padded_sequences : Tensor
        Shape ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
    lengths : Tensor or list of int
        The length of each of the ``B`` sequences.
    batch_first : bool, optional
        Whether ``padded_sequences`` is ``(B, T, *)``. False by default.

    Returns
    -------
    list of Tensor
        ``B`` tensors of shape ``(L_i, *)`` (new tensors, not views of the input),
        differentiable with respect to ``padded_sequences``.

    Examples
    --------
    >>> padded = cygrad.tensor([[1., 4.], [2., 0.], [3., 0.]])
    >>> nn.utils.rnn.unpad_sequence(padded, cygrad.tensor([3, 1]))
    [tensor([1., 2., 3.]), tensor([4.])]
    """
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    batch, steps = x.shape[0], x.shape[1]
    if isinstance(lengths, TensorBase):
        lens = np.array(lengths.tolist()).reshape(-1)
    else:
        lens = np.array(list(lengths)).reshape(-1)
    if len(lens) != batch:
        longer = "shorter" if len(lens) < batch else "longer"
        raise ValueError(f"zip() argument 2 is {longer} than argument 1")
    # the mask ``arange(T) < length`` of PyTorch, counted
    counts = (np.arange(steps)[None, :] < lens[:, None]).sum(1).astype(np.int64)
    b = np.repeat(np.arange(batch), counts)
    t = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = x.reshape((batch * steps,) + tuple(x.shape[2:]))
    flat = rows[_index(b * steps + t)]
    return list(flat.split(counts.tolist()))


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length sequences into a :class:`PackedSequence`.

    The same as :func:`pad_sequence` followed by :func:`pack_padded_sequence`, in one
    gather.

    Parameters
    ----------
    sequences : sequence of Tensor
        Tensors of shape ``(L_i, *)`` with the same trailing dims ``*``.
    enforce_sorted : bool, optional
        True (the default) requires the sequences in order of decreasing length (raises
        otherwise); False sorts them (see :func:`pack_padded_sequence`).

    Returns
    -------
    PackedSequence
        Differentiable with respect to every sequence.

    Examples
    --------
    >>> a, b, c = cygrad.tensor([1, 2, 3]), cygrad.tensor([4, 5]), cygrad.tensor([6])
    >>> nn.utils.rnn.pack_sequence([a, b, c])
    PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), sorted_indices=None, unsorted_indices=None)
    """
    sequences = _check_sequences(sequences)
    flat, lengths, offsets = _concat(sequences)
    if flat.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    sorted_lengths, order = _sort_order(lengths, enforce_sorted)
    _check_sorted_lengths(sorted_lengths, len(lengths))
    t, j = _packed_positions(sorted_lengths)
    b = j if order is None else order[j]
    return _finish_pack(flat[_index(offsets[b] + t)], sorted_lengths, order)


def unpack_sequence(packed_sequences):
    """Split a :class:`PackedSequence` into its variable-length sequences (the inverse of
    :func:`pack_sequence`).

    Parameters
    ----------
    packed_sequences : PackedSequence
        The packed batch.

    Returns
    -------
    list of Tensor
        The sequences in the order they were packed from (``unsorted_indices`` undoes the
        sorting), differentiable with respect to ``packed_sequences.data``.

    Examples
    --------
    >>> a, b, c = cygrad.tensor([1, 2, 3]), cygrad.tensor([4, 5]), cygrad.tensor([6])
    >>> packed = nn.utils.rnn.pack_sequence([b, a, c], enforce_sorted=False)
    >>> nn.utils.rnn.unpack_sequence(packed)
    [tensor([4, 5]), tensor([1, 2, 3]), tensor([6])]
    """
    batch_sizes = packed_sequences.batch_sizes
    _check_long_vector(batch_sizes)
    bs = _numpy_int(batch_sizes)
    batch = int(bs[0]) if len(bs) else 0
    sorted_lengths = (bs[None, :] > np.arange(batch)[:, None]).sum(1).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(bs)[:-1])).astype(np.int64)
    unsorted = packed_sequences.unsorted_indices
    perm = np.arange(batch) if unsorted is None else _numpy_int(unsorted)
    counts = sorted_lengths[perm]                  # lengths in the original order
    j = np.repeat(perm, counts)
    t = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    flat = packed_sequences.data[_index(offsets[t] + j)]
    return list(flat.split(counts.tolist()))
