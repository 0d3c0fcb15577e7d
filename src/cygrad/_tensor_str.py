"""PyTorch-style ``repr`` of tensors: ``tensor([[1., 2.], [3., 4.]])``."""
import math

from ._core._tensor import TensorBase
from ._dtype import get_default_dtype

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


def _edge_values(t):
    """Nested lists of the shown values, with ``None`` standing for ``...``."""
    summarize = t.numel() > THRESHOLD

    def rec(x):
        if x.ndim == 0:
            return x.item()
        n = x.shape[0]
        if summarize and n > 2 * EDGEITEMS:
            if x.ndim == 1:     # only the shown values become Python numbers
                return x[:EDGEITEMS].tolist() + [None] + x[n - EDGEITEMS:].tolist()
            idx = list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n))
        else:
            if x.ndim == 1:
                return x.tolist()
            idx = range(n)
        return [None if i is None else rec(x[i]) for i in idx]

    return rec(t)


def _flat(v, out):
    if isinstance(v, list):
        for x in v:
            _flat(x, out)
    elif v is not None:
        out.append(v)
    return out


class _Formatter:
    """PyTorch's element formatter: the mode (integer-valued, fixed or scientific) and the
    column width come from the finite non-zero values (all values for int/bool tensors)."""

    def __init__(self, values, is_float, is_bool):
        self.is_float = is_float
        self.int_mode = True
        self.sci = False
        if is_bool or not is_float:
            self.width = max((len(str(v)) for v in values), default=1)
            return
        nonzero = [v for v in values if math.isfinite(v) and v != 0]
        self.int_mode = all(v == math.ceil(v) for v in nonzero)
        if nonzero:
            amax = max(abs(v) for v in nonzero)
            amin = min(abs(v) for v in nonzero)
            if self.int_mode:
                self.sci = amax / amin > 1000.0 or amax > 1.0e8
            else:
                self.sci = amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4
        self.width = max((len(self.fmt(v)) for v in nonzero), default=1)

    def fmt(self, v):
        if not self.is_float or not math.isfinite(v):
            return str(v)
        if self.sci:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{PRECISION}f}"

    def cell(self, v):
        return self.fmt(v).rjust(self.width)


def _render(v, fmt, indent, ndim):
    if ndim == 1:
        cells = [" ..." if x is None else fmt.cell(x) for x in v]
        per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(cells[i:i + per_line]) for i in range(0, len(cells), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (ndim - 1) + " " * (indent + 1)
    parts = ["..." if x is None else _render(x, fmt, indent + 1, ndim - 1) for x in v]
    return "[" + sep.join(parts) + "]"


def tensor_repr(t, prefix="tensor("):
    """The string PyTorch prints for ``t``."""
    dt = repr(t.dtype).split(".")[1]
    suffixes = []
    indent = len(prefix)
    if t.numel() == 0:
        body = "[]"
        if tuple(t.shape) != (0,):
            suffixes.append(f"size={tuple(t.shape)}")
    else:
        values = _edge_values(t)
        is_float = t.dtype.is_floating_point
        flat = _flat(values, []) if t.ndim else [values]
        fmt = _Formatter(flat, is_float, dt == "bool")
        body = fmt.fmt(values) if t.ndim == 0 else _render(values, fmt, indent, t.ndim)
    default = _default_dtype()
    if t.numel() == 0:
        shown = t.dtype is not default        # empty tensors show any non-default dtype
    else:
        shown = t.dtype is not default and dt not in ("int64", "bool")
    if shown:
        suffixes.append(f"dtype={t.dtype!r}")
    if isinstance(t, TensorBase) and t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif isinstance(t, TensorBase) and t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def _add_suffixes(text, suffixes, indent):
    """PyTorch's rule: a suffix that would overrun the line width starts a new line."""
    parts = [text]
    # PyTorch's count (two more than the last line's length), kept so lines break alike
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"


def _default_dtype():
    return get_default_dtype()
