"""Saving and loading tensors and state dicts: ``cygrad.save`` and ``cygrad.load``.

A saved file is a NumPy ``.npz`` archive: one ``.npy`` array per tensor, plus one JSON
*manifest* describing the saved object, in which tensors appear by the name of their array.
Plain data is stored that way, without pickle: tensors, ``dict`` (and ``OrderedDict``),
``list``, ``tuple``, ``str``, ``int``, ``float``, ``bool``, ``None``, :class:`cygrad.Size`
and cygrad dtypes, nested in any way, which covers a module's ``state_dict()`` and an
optimizer's. Loading reads the arrays with ``numpy.load(..., allow_pickle=False)`` and the
manifest with :mod:`json`.

Any other object inside (a NumPy array, a whole ``nn.Module``, an instance of the script's
own class) is pickled into an entry of its own, as PyTorch saves it. PyTorch's policy
decides loading: with the default ``weights_only=True``, :func:`load` refuses such an entry
with PyTorch's :class:`pickle.UnpicklingError` text (naming the first global the pickle
would import, found by reading its opcodes, not by running them); only
``weights_only=False``, for a file from a trusted source, unpickles it. So loading never runs
code unless asked to.

**Format, version 1.** The file is a ZIP archive (stored, not compressed) with these entries:

* ``manifest.json``: a UTF-8 JSON object
  ``{"format": "cygrad", "version": 1, "writer": "cygrad <version>", "root": NODE}``.
* ``t0.npy``, ``t1.npy``, ...: one array in NumPy's ``.npy`` format per distinct tensor, in
  C order, little-endian, of dtype ``bool``, ``int32``, ``int64``, ``float32`` or
  ``float64``. ``numpy.load(path)`` lists them under the keys ``t0``, ``t1``, ...

``NODE`` describes one value:

* JSON ``null``, ``true``/``false``, strings, integers and finite floats stand for
  ``None``, ``bool``, ``str``, ``int`` and ``float`` (a float is always written with a
  decimal point or an exponent, so ``1.0`` stays a float);
* a JSON array is a ``list`` of nodes;
* a JSON object is a tagged node, its ``"$type"`` one of:

  - ``{"$type": "tensor", "key": "t0", "dtype": "float32", "shape": [2, 3]}``: a tensor,
    stored in entry ``t0.npy`` (whose dtype and shape must match);
  - ``{"$type": "tuple", "items": [NODE, ...]}``;
  - ``{"$type": "dict", "items": [[KEY, NODE], ...]}`` and the same with
    ``"OrderedDict"``: the pairs in insertion order; ``KEY`` is a node for a ``str``,
    ``int``, ``float``, ``bool``, ``None`` or a tuple of those, so ``{0: ...}`` keeps its
    ``int`` key;
  - ``{"$type": "float", "value": "nan"}`` (or ``"inf"``, ``"-inf"``): non-finite floats,
    which JSON cannot write;
  - ``{"$type": "Size", "items": [2, 3]}``: a :class:`cygrad.Size`;
  - ``{"$type": "dtype", "name": "float32"}``: a cygrad dtype;
  - ``{"$type": "pickle", "key": "p0"}``: any other object, pickled into entry ``p0.pkl``.

For example ``{'w': t, 'step': 3, 'betas': (0.9, 0.999)}`` has the root node::

    {"$type": "dict", "items": [
        ["w", {"$type": "tensor", "key": "t0", "dtype": "float32", "shape": [2]}],
        ["step", 3],
        ["betas", {"$type": "tuple", "items": [0.9, 0.999]}]]}

A tensor is saved as its values only: a view saves the elements it shows (not its base's
storage), the saved array is contiguous, and ``requires_grad`` is not kept. The same tensor
object appearing twice is stored once and loads as one tensor object appearing twice; distinct
tensors that share memory (a tensor and a view of it) are stored, and load, separately.
Readers refuse an unknown ``"$type"`` and a ``version`` newer than theirs.
"""
import contextlib
import io
import json
import math
import os
import pickle
import pickletools
import zipfile
from collections import OrderedDict

import numpy as np

from ._core._tensor import Size, TensorBase
from ._dtype import DTYPES, dtype as _dtype_cls
from ._version import __version__
from .creation import from_numpy
from ._device import check_cpu as _device

__all__ = ["save", "load"]

FORMAT_NAME = "cygrad"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

_DTYPE_NAMES = {dt: repr(dt).split(".", 1)[1] for dt in DTYPES}   # cygrad.float32 -> 'float32'
_DTYPES_BY_NAME = {name: dt for dt, name in _DTYPE_NAMES.items()}
_NP_NAMES = {("b", 1): "bool", ("i", 4): "int32", ("i", 8): "int64", ("f", 4): "float32",
             ("f", 8): "float64"}
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


# ----------------------------------------------------------------------------- saving
class _Encoder:
    """Turns an object tree into a manifest node, collecting the tensors' arrays."""

    def __init__(self, protocol=None):
        self.protocol = pickle.DEFAULT_PROTOCOL if protocol is None else protocol
        self.pickles = []    # (key, bytes)
        self.arrays = []     # (key, ndarray)
        self.memo = {}       # id(tensor) -> tensor node
        self.keep = []       # the memoised tensors, so their ids stay unique
        self.active = set()  # ids of the containers being encoded (cycle detection)

    def encode(self, obj, where):
        if obj is None or obj is True or obj is False:
            return obj
        if isinstance(obj, TensorBase):
            return self.tensor(obj)
        if isinstance(obj, (bool, np.bool_)):
            return bool(obj)
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            return _float_node(float(obj))
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, _dtype_cls):
            return {"$type": "dtype", "name": _DTYPE_NAMES[obj]}
        if isinstance(obj, Size):
            return {"$type": "Size", "items": [int(s) for s in obj]}
        if isinstance(obj, dict):
            tag = "OrderedDict" if isinstance(obj, OrderedDict) else "dict"
            with self._entering(obj, where):
                items = [[self.key(k, where), self.encode(v, f"{where}[{k!r}]")]
                         for k, v in obj.items()]
            return {"$type": tag, "items": items}
        if isinstance(obj, list):
            with self._entering(obj, where):
                return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if type(obj) is tuple:
            with self._entering(obj, where):
                return {"$type": "tuple",
                        "items": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        return self.pickled(obj, where)

    def pickled(self, obj, where):
        """Any other object (a NumPy array, a whole module, a named tuple...) is pickled
        into its own entry, as PyTorch's policy has it; :func:`load` unpickles it only with
        ``weights_only=False``."""
        key = f"p{len(self.pickles)}"
        try:
            data = pickle.dumps(obj, protocol=self.protocol)
        except Exception as exc:
            raise TypeError(f"cygrad.save cannot save an object of type "
                            f"{type(obj).__qualname__} (at {where}): it is not plain data and "
                            f"cannot be pickled ({type(exc).__name__}: {exc})") from exc
        self.pickles.append((key, data))
        return {"$type": "pickle", "key": key}

    def key(self, k, where):
        if k is None or isinstance(k, (bool, int, float, str, np.bool_, np.integer,
                                       np.floating)):
            return self.encode(k, where)
        if type(k) is tuple:
            return {"$type": "tuple", "items": [self.key(x, where) for x in k]}
        raise TypeError(f"cygrad.save cannot save a dict key of type {type(k).__qualname__} "
                        f"(in {where}); keys must be str, int, float, bool, None or tuples of "
                        f"those")

    def tensor(self, t):
        node = self.memo.get(id(t))
        if node is None:
            key = f"t{len(self.arrays)}"
            arr = np.require(t.detach().numpy(), requirements=["C"])  # keeps 0-d
            arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)  # no-op on x86/ARM
            self.arrays.append((key, arr))
            node = {"$type": "tensor", "key": key, "dtype": _DTYPE_NAMES[t.dtype],
                    "shape": [int(s) for s in t.shape]}
            self.memo[id(t)] = node
            self.keep.append(t)
        return node

    @contextlib.contextmanager
    def _entering(self, obj, where):
        if id(obj) in self.active:
            raise ValueError(f"cygrad.save cannot save a self-referencing object (at {where})")
        self.active.add(id(obj))
        try:
            yield
        finally:
            self.active.discard(id(obj))


def _float_node(x):
    if math.isfinite(x):
        return x
    return {"$type": "float", "value": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _is_path(f):
    return isinstance(f, (str, bytes, os.PathLike))


def _writer_version():
    return f"cygrad {__version__}"


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save tensors, or dicts/lists/tuples of them, to a file, as ``torch.save``.

    The file is a NumPy ``.npz`` archive with one array per tensor and a JSON description of
    the object (the format is described in :mod:`cygrad.serialization`); any object that is
    not plain data is pickled into the archive, and loading it needs ``weights_only=False``.

    Parameters
    ----------
    obj : object
        A tensor, or any nesting of ``dict``, ``OrderedDict``, ``list`` and ``tuple`` holding
        tensors, ``str``, ``int``, ``float``, ``bool``, ``None``, :class:`cygrad.Size` and
        cygrad dtypes (for example a module's or an optimizer's ``state_dict()``), stored
        without pickle; anything else inside is pickled. Dict keys may be ``str``, ``int``,
        ``float``, ``bool``, ``None`` or tuples of those.
    f : str, os.PathLike or binary file object
        Where to write. A path is written as given (no suffix is added); a file object must be
        open for writing bytes.
    pickle_protocol : int, optional
        The protocol of the pickled entries.
    pickle_module, _use_new_zipfile_serialization, _disable_byteorder_record
        Accepted for compatibility with ``torch.save`` and ignored.

    Raises
    ------
    TypeError
        If a dict key is not one of those types, or an object cannot be pickled (nothing is
        written then).
    ValueError
        If ``obj`` contains itself.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> cygrad.save({'weight': cygrad.ones(2, 3), 'step': 10}, buf)
    >>> _ = buf.seek(0)
    >>> cygrad.load(buf)
    {'weight': tensor([[1., 1., 1.],
            [1., 1., 1.]]), 'step': 10}

    Saving to a path:

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, 'model.pt')
    ...     cygrad.save([cygrad.arange(3)], path)
    ...     cygrad.load(path)
    [tensor([0, 1, 2])]
    """
    enc = _Encoder(pickle_protocol)
    root = enc.encode(obj, "obj")
    manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "writer": _writer_version(),
                "root": root}
    data = json.dumps(manifest, allow_nan=False, separators=(",", ":")).encode("utf-8")
    if _is_path(f):
        with open(f, "wb") as fh:
            _write_zip(fh, data, enc.arrays, enc.pickles)
    elif callable(getattr(f, "write", None)):
        _write_zip(f, data, enc.arrays, enc.pickles)
    else:
        raise TypeError(f"cygrad.save: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")


def _write_zip(fh, manifest, arrays, pickles=()):
    with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(MANIFEST, manifest)
        for key, arr in arrays:
            with zf.open(key + ".npy", "w", force_zip64=True) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)
        for key, data in pickles:
            zf.writestr(key + ".pkl", data)


# ----------------------------------------------------------------------------- loading
class _Decoder:
    """Rebuilds the object tree of a manifest, reading tensors from the archive."""

    def __init__(self, npz, names, fname, weights_only=True):
        self.npz = npz
        self.names = names
        self.fname = fname
        self.weights_only = weights_only
        self.tensors = {}

    def unpickle(self, node, where):
        key = node.get("key")
        entry = f"{key}.pkl"
        if not isinstance(key, str) or entry not in self.names:
            self.fail(f"a pickle node without its entry {entry!r}", where)
        data = self.npz.zip.read(entry)
        if self.weights_only:
            raise pickle.UnpicklingError(_weights_only_message(data))
        return pickle.loads(data)

    def fail(self, problem, where):
        raise RuntimeError(f"cygrad.load: {self.fname} is corrupt: {problem} (at {where} in "
                           f"{MANIFEST})")

    def decode(self, node, where, key=False):
        if node is None or isinstance(node, (bool, str)):
            return node
        if isinstance(node, int):
            return node
        if isinstance(node, float):
            return node
        if isinstance(node, list):
            if key:
                self.fail("a list used as a dict key", where)
            return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict):  # pragma: no cover (json gives nothing else)
            self.fail(f"unexpected JSON value {node!r}", where)
        tag = node.get("$type")
        if tag == "tuple":
            items = self._items(node, where)
            return tuple(self.decode(v, f"{where}[{i}]", key) for i, v in enumerate(items))
        if tag == "float":
            value = node.get("value")
            if value not in ("nan", "inf", "-inf"):
                self.fail(f"bad float value {value!r}", where)
            return float(value)
        if key:
            self.fail(f"a {tag!r} node used as a dict key", where)
        if tag in ("dict", "OrderedDict"):
            out = OrderedDict() if tag == "OrderedDict" else {}
            for i, pair in enumerate(self._items(node, where)):
                if not isinstance(pair, list) or len(pair) != 2:
                    self.fail("a dict item that is not a [key, value] pair", f"{where}#{i}")
                k = self.decode(pair[0], f"{where}#{i}", key=True)
                out[k] = self.decode(pair[1], f"{where}[{k!r}]")
            return out
        if tag == "tensor":
            return self.tensor(node, where)
        if tag == "pickle":
            return self.unpickle(node, where)
        if tag == "Size":
            items = self._items(node, where)
            if not all(type(s) is int and s >= 0 for s in items):
                self.fail("a Size with entries that are not non-negative integers", where)
            return Size(items)
        if tag == "dtype":
            name = node.get("name")
            if name not in _DTYPES_BY_NAME:
                self.fail(f"unknown dtype {name!r}", where)
            return _DTYPES_BY_NAME[name]
        self.fail(f"unknown node type {tag!r}", where)

    def _items(self, node, where):
        items = node.get("items")
        if not isinstance(items, list):
            self.fail(f"a {node.get('$type')!r} node without an 'items' list", where)
        return items

    def tensor(self, node, where):
        key, dt, shape = node.get("key"), node.get("dtype"), node.get("shape")
        if not isinstance(key, str) or not isinstance(dt, str) or dt not in _DTYPES_BY_NAME or \
                not isinstance(shape, list) or \
                not all(type(s) is int and s >= 0 for s in shape):
            self.fail("a tensor node needs a 'key' string, a 'dtype' among bool, int32, "
                      "int64, float32, float64 and a 'shape' list of sizes", where)
        cached = self.tensors.get(key)
        if cached is not None:      # a tensor shared in the tree: every node must agree
            t, cached_dt, cached_shape = cached
            if (cached_dt, cached_shape) != (dt, shape):
                self.fail(f"entry {key!r} is described as dtype {cached_dt} and shape "
                          f"{cached_shape} elsewhere but as dtype {dt} and shape {shape} here",
                          where)
            return t
        entry = key + ".npy"
        if entry not in self.names:
            raise RuntimeError(f"cygrad.load: {self.fname} is corrupt: missing entry "
                               f"{entry!r} (the tensor at {where})")
        try:
            arr = self.npz[entry]
        except Exception as exc:  # any failure reading a member means a damaged archive
            if isinstance(exc, ValueError) and ("allow_pickle" in str(exc) or
                                                "Object arrays" in str(exc)):
                raise RuntimeError(f"cygrad.load: {self.fname}: entry {entry!r} holds pickled "
                                   f"Python objects (an object array), which cygrad.load "
                                   f"refuses to read") from exc
            raise RuntimeError(f"cygrad.load: {self.fname} is corrupt or truncated: cannot read "
                               f"entry {entry!r} ({type(exc).__name__}: {exc})") from exc
        if not isinstance(arr, np.ndarray):
            raise RuntimeError(f"cygrad.load: {self.fname} is corrupt: entry {entry!r} is not "
                               f"a .npy array")
        got = _NP_NAMES.get((arr.dtype.kind, arr.dtype.itemsize))
        if got is None or arr.dtype.fields is not None:
            raise RuntimeError(f"cygrad.load: {self.fname}: entry {entry!r} has NumPy dtype "
                               f"{arr.dtype}, which cygrad does not support")
        if got != dt or list(arr.shape) != shape:
            raise RuntimeError(f"cygrad.load: {self.fname} is corrupt: entry {entry!r} holds "
                               f"dtype {got} and shape {list(arr.shape)}, the manifest says "
                               f"dtype {dt} and shape {shape}")
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        arr = np.require(arr, requirements=["C", "W"])
        t = from_numpy(arr)
        self.tensors[key] = (t, dt, shape)
        return t


def _check_map_location(map_location):
    if map_location is None or callable(map_location):
        return  # everything loads on the CPU, the only device
    if isinstance(map_location, dict):
        for v in map_location.values():
            _device(v)
        return
    _device(map_location)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with :func:`cygrad.save`, as ``torch.load``.

    Only cygrad archives are read. Tensors are read with ``numpy.load(...,
    allow_pickle=False)`` and the object tree from a JSON manifest (see
    :mod:`cygrad.serialization` for the format); pickled entries (objects that are not plain
    data) are unpickled only with ``weights_only=False``.

    Parameters
    ----------
    f : str, os.PathLike or binary file object
        The file; a file object is read from its current position and must be seekable (else
        it is read into memory first).
    map_location : None, str, cygrad.device, dict or callable
        Accepted for compatibility with ``torch.load``; everything loads on the CPU, and a
        device other than ``'cpu'`` raises :class:`RuntimeError`.
    pickle_module, **pickle_load_args
        Accepted for compatibility and ignored.
    weights_only : bool, optional
        ``True`` or ``None`` (the default, as in PyTorch 2.6 and later): load plain data only,
        and raise :class:`pickle.UnpicklingError` at a pickled entry. ``False``: unpickle
        such entries too, which can run arbitrary code; only for trusted files.
    mmap : bool, optional
        Only ``None`` or ``False``.

    Returns
    -------
    object
        The saved object. Tensors come back with their dtype and shape, contiguous, owning
        their memory and not requiring grad; dicts keep their key order and ``OrderedDict``
        type, tuples stay tuples.

    Raises
    ------
    RuntimeError
        Naming the file and the problem when it is not a cygrad archive (for instance a file
        written by ``torch.save``), is truncated or corrupt, lacks an entry, holds an object
        array, or comes from a newer format version.

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> cygrad.save({'state': {0: {'step': 3}}, 'param_groups': [{'betas': (0.9, 0.999)}]}, buf)
    >>> _ = buf.seek(0)
    >>> cygrad.load(buf, map_location='cpu', weights_only=True)
    {'state': {0: {'step': 3}}, 'param_groups': [{'betas': (0.9, 0.999)}]}
    >>> cygrad.load(io.BytesIO(b'not an archive'))
    Traceback (most recent call last):
        ...
    RuntimeError: cygrad.load: <BytesIO> is not a cygrad archive (it is not a zip file)
    """
    _check_map_location(map_location)
    if weights_only is not None and not isinstance(weights_only, bool):
        raise TypeError(f"weights_only must be a bool or None, got {type(weights_only).__name__}")
    if mmap:
        raise NotImplementedError("cygrad.load does not support mmap=True: archives are read "
                                  "into memory")
    if _is_path(f):
        fname = repr(os.fsdecode(f))
        with open(f, "rb") as fh:
            return _load(fh, fname, weights_only is not False)
    if not callable(getattr(f, "read", None)):
        raise TypeError(f"cygrad.load: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    name = getattr(f, "name", None)
    fname = repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"
    seekable = getattr(f, "seekable", None)
    if not isinstance(f, io.TextIOBase) and not (callable(seekable) and seekable()):
        f = io.BytesIO(f.read())
    return _load(f, fname, weights_only is not False)


def _load(fh, fname, weights_only=True):
    if isinstance(fh, io.TextIOBase):
        raise TypeError(f"cygrad.load: {fname} must be opened in binary mode ('rb'), not as "
                        f"text")
    start = fh.tell()
    magic = fh.read(4)
    if not isinstance(magic, bytes):
        raise TypeError(f"cygrad.load: {fname} must be opened in binary mode")
    fh.seek(start)
    if magic not in _ZIP_MAGICS:
        if not magic:
            why = "it is empty"
        elif magic[:1] == b"\x80":
            why = ("it is a Python pickle, e.g. written by torch.save with "
                   "_use_new_zipfile_serialization=False; cygrad reads only its own archives")
        elif magic == b"\x93NUM":
            why = "it is a single NumPy .npy array"
        else:
            why = "it is not a zip file"
        raise RuntimeError(f"cygrad.load: {fname} is not a cygrad archive ({why})")
    try:
        npz = np.load(fh, allow_pickle=False)
    except Exception as exc:  # zipfile raises many kinds on damaged input
        raise RuntimeError(f"cygrad.load: {fname} is truncated or corrupt: cannot read the zip "
                           f"archive ({type(exc).__name__}: {exc})") from exc
    with npz:
        names = set(npz.zip.namelist())
        if MANIFEST not in names:
            if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
                why = ("it was written by torch.save (a pickle-based archive); load it with "
                       "torch and save its tensors again with cygrad")
            else:
                why = f"missing entry {MANIFEST!r}"
            raise RuntimeError(f"cygrad.load: {fname} is not a cygrad archive ({why})")
        try:
            raw = npz.zip.read(MANIFEST)
        except Exception as exc:
            raise RuntimeError(f"cygrad.load: {fname} is corrupt or truncated: cannot read "
                               f"{MANIFEST!r} ({type(exc).__name__}: {exc})") from exc
        try:
            manifest = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise RuntimeError(f"cygrad.load: {fname} is corrupt: {MANIFEST!r} is not valid "
                               f"JSON ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME or \
                "root" not in manifest:
            raise RuntimeError(f"cygrad.load: {fname} is not a cygrad archive ({MANIFEST!r} "
                               f"does not describe a cygrad object)")
        version = manifest.get("version")
        if type(version) is not int or version < 1:
            raise RuntimeError(f"cygrad.load: {fname} is corrupt: bad format version "
                               f"{version!r}")
        if version > FORMAT_VERSION:
            raise RuntimeError(f"cygrad.load: {fname} uses format version {version}, written "
                               f"by a newer cygrad ({manifest.get('writer')}); this cygrad "
                               f"reads version {FORMAT_VERSION}")
        try:
            return _Decoder(npz, names, fname, weights_only).decode(manifest["root"], "root")
        except RecursionError as exc:
            raise RuntimeError(f"cygrad.load: {fname} is corrupt: the object tree is nested "
                               f"too deeply") from exc


_OWN_GLOBALS = ("cygrad.tensor ", "cygrad.nn.parameter ", "collections OrderedDict", "copyreg ",
                "builtins ")


def _first_global(data):
    """The first global a pickle would import, found by reading its opcodes (nothing is
    executed), skipping cygrad's own tensor rebuilding; None if there is none."""
    strings = []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings.append(arg)
            elif op.name in ("GLOBAL", "STACK_GLOBAL", "INST"):
                name = arg if op.name != "STACK_GLOBAL" else " ".join(strings[-2:])
                if not name.startswith(_OWN_GLOBALS):
                    return name.replace(" ", ".")
    except Exception:
        return None
    return None


def _weights_only_message(data):
    found = _first_global(data)
    detail = (f"Unsupported global: GLOBAL {found} was not an allowed global by default."
              if found else "Unsupported object: the entry is a pickle.")
    return ("Weights only load failed. This file can still be loaded, to do so you have two "
            "options, do those steps only if you trust the source of the checkpoint. \n\t(1) "
            "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
            "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` "
            "set to `False` will likely succeed, but it can result in arbitrary code "
            "execution. Do it only if you got the file from a trusted source.\n\t(2) cygrad "
            "has no allowlist of globals: load plain data (tensors, containers, numbers, "
            "strings) with weights_only=True, or everything with weights_only=False.\n\t"
            f"WeightsUnpickler error: {detail}")


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")
