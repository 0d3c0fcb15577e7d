"""The autograd graph: ``Node``, ``Edge``, ``AccumulateGrad``, saved tensors, and pictures.

As in PyTorch, an op's output holds its ``grad_fn`` node; a node holds one ``Edge(function,
input_nr)`` per forward input (``Edge(None, 0)`` for inputs that need no gradient) pointing
at the node that produced that input, or at the leaf's ``AccumulateGrad``. Nodes never hold
their outputs (an output a backward formula needs is saved as a detached alias), so a graph
is freed by reference counting alone.
"""
import itertools
import weakref
from collections import namedtuple

from .._core._tensor import TensorBase
from .grad_mode import is_grad_enabled

__all__ = ["Edge", "Node", "AccumulateGrad", "to_dot", "to_ascii"]

Edge = namedtuple("Edge", ["function", "input_nr"])
Edge.__doc__ = """Where a gradient flows: input slot ``input_nr`` of node ``function``."""
NO_EDGE = Edge(None, 0)

_seq = itertools.count()

_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the graph "
          "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
          "you need to backward through the graph a second time or if you need to access saved "
          "tensors after calling backward.")


class SavedTensor:
    """A tensor kept for backward, with the storage version it had when saved.

    A node's own output is saved without its history (no cycle output -> node -> output);
    when it is unpacked while recording (``create_graph=True``) it gets the node back as its
    ``grad_fn``, so higher-order gradients flow through it.
    """

    __slots__ = ("tensor", "version", "is_output")

    def __init__(self, tensor, is_output=False):
        self.tensor = tensor
        self.version = tensor._version
        self.is_output = is_output

    def unpack(self, node):
        t = self.tensor
        if t._version != self.version:
            shape = "x".join(str(s) for s in t.shape)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{t.type()} [{shape}]], which is used by "
                f"{node.name()}, is at version {t._version}; expected version "
                f"{self.version} instead. Hint: the backtrace further above shows the operation "
                "that failed to compute its gradient. The variable in question was changed in "
                "there or anywhere later. Good luck!")
        if self.is_output and is_grad_enabled():
            t = TensorBase._as_strided(t, t._tshape(), t.stride(), t.storage_offset())
            t._requires_grad = True
            t._grad_fn = node
        return t


class SavedOutput:
    """Marks a node's own output for :meth:`Node.save` (see :class:`SavedTensor`)."""

    __slots__ = ("tensor",)

    def __init__(self, tensor):
        self.tensor = tensor


class _Plain:
    """A saved value that is not a tensor."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def unpack(self, node):
        return self.value


class Node:
    """A backward function: maps the gradient of its output to gradients of its inputs.

    Attributes
    ----------
    next_edges : tuple of Edge
        One per forward input.
    """

    __slots__ = ("next_edges", "_saved", "_released", "_seq", "_pre_hooks", "_hooks",
                 "_meta", "_ctx", "__weakref__")

    def __init__(self, next_edges=(), meta=()):
        self.next_edges = next_edges
        self._saved = ()
        self._released = False
        self._seq = next(_seq)
        self._pre_hooks = None
        self._hooks = None
        self._meta = meta          # per input: (shape, dtype) for sum_to_shape / casting
        self._ctx = None

    def name(self):
        """The node's name, e.g. ``'MulBackward0'``."""
        return type(self).__name__

    @property
    def next_functions(self):
        """``((node, input_nr), ...)`` as PyTorch shows them."""
        return tuple((e.function, e.input_nr) for e in self.next_edges)

    @property
    def metadata(self):
        """A dict for user annotations on the node (as ``torch.autograd.Node.metadata``)."""
        if self._ctx is None:
            self._ctx = {}
        return self._ctx

    def save(self, *values):
        """Keep tensors (with their version) and plain values (numbers, None) for backward."""
        self._saved = tuple([SavedTensor(v) if isinstance(v, TensorBase) else
                             SavedTensor(v.tensor, True) if isinstance(v, SavedOutput) else
                             _Plain(v) for v in values])

    @property
    def saved(self):
        """The values kept by :meth:`save` (tensors checked against their saved version);
        raises once they were freed by a backward without ``retain_graph``."""
        if self._released:
            raise RuntimeError(_FREED)
        return tuple([s.unpack(self) for s in self._saved])

    def needs(self, i):
        """True if forward input ``i`` needs a gradient."""
        return self.next_edges[i].function is not None

    def apply(self, grad):
        """Gradients for each input given the gradient of the output."""
        raise NotImplementedError

    def __call__(self, grad):
        return self.apply(grad)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node (may return new grads)."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node (may return a new grad)."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _Handle(self._pre_hooks, fn)

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class _Handle:
    """Returned by hook registration; ``remove()`` unregisters."""

    __slots__ = ("_list", "_fn")

    def __init__(self, lst, fn):
        self._list = lst
        self._fn = fn

    def remove(self):
        try:
            self._list.remove(self._fn)
        except ValueError:
            pass


class AccumulateGrad(Node):
    """The node behind a leaf tensor: adds incoming gradients into ``variable.grad``.

    The leaf keeps its accumulator (so building a graph does not make a new one per op);
    the accumulator refers back to the leaf weakly, so the pair forms no reference cycle.
    A gradient that arrives after the leaf was deleted is dropped (nobody can read it).
    """

    __slots__ = ("_variable",)

    def __init__(self, variable):
        Node.__init__(self)
        self._variable = weakref.ref(variable)

    @property
    def variable(self):
        """The leaf tensor (None once it has been deleted)."""
        return self._variable()


def grad_accumulator(t):
    """The leaf's ``AccumulateGrad`` node (created once, kept by the leaf)."""
    meta = t._ag
    if meta is not None:
        acc = meta.accumulator
        if acc is not None:
            return acc
    acc = AccumulateGrad(t)
    _meta(t).accumulator = acc
    return acc


def _edge(t):
    """The edge a gradient for ``t`` flows along (``Edge(None, 0)`` if it needs none)."""
    if not isinstance(t, TensorBase) or not t._requires_grad:
        return NO_EDGE
    fn = t._grad_fn
    return Edge(fn if fn is not None else grad_accumulator(t), 0)


def _info(t):
    """What the engine needs of a forward input: its shape and dtype code (None if not a
    tensor)."""
    return (t._tshape(), t._dtype_code) if isinstance(t, TensorBase) else None


class AutogradMeta:
    """Per-tensor autograd extras, created only when needed."""

    __slots__ = ("accumulator", "hooks", "retains_grad", "is_view")

    def __init__(self):
        self.accumulator = None
        self.hooks = None
        self.retains_grad = False
        self.is_view = False


def _meta(t):
    if t._ag is None:
        t._ag = AutogradMeta()
    return t._ag


# ------------------------------------------------------------------ pictures
def _walk(root):
    """Nodes reachable from ``root`` (explicit stack), in discovery order."""
    seen, order, stack = {id(root)}, [root], [root]
    while stack:
        node = stack.pop()
        for e in node.next_edges:
            f = e.function
            if f is not None and id(f) not in seen:
                seen.add(id(f))
                order.append(f)
                stack.append(f)
    return order


def _leaf_text(node):
    """``leaf (2, 1) float32``, or ``leaf (deleted)`` once the leaf tensor is gone."""
    v = node.variable
    if v is None:
        return "leaf (deleted)"
    return f"leaf {tuple(v.shape)} {repr(v.dtype).split('.')[1]}"


def _label(node):
    if isinstance(node, AccumulateGrad):
        return f"AccumulateGrad\\n{_leaf_text(node)}"
    return node.name()


def to_dot(tensor):
    """Graphviz DOT text of the backward graph behind ``tensor``.

    Nodes are the backward functions (leaves appear as ``AccumulateGrad`` with their shape);
    each edge points from a node to the node its gradient flows into and is labelled with
    the ``input_nr`` of the edge. No Graphviz installation is needed to produce the text.

    Examples
    --------
    >>> x = cygrad.ones(2, requires_grad=True)
    >>> print(cygrad.autograd.graph.to_dot((x * 2).sum()))  # doctest: +ELLIPSIS
    digraph autograd {
    ...
    """
    if tensor.grad_fn is None:
        raise RuntimeError("to_dot: the tensor has no grad_fn (it is a leaf or does not "
                           "require grad)")
    nodes = _walk(tensor.grad_fn)
    ids = {id(n): f"n{i}" for i, n in enumerate(nodes)}
    lines = ["digraph autograd {", "  rankdir=BT;", "  node [shape=box, fontname=monospace];",
             f'  out [label="output {tuple(tensor.shape)}", shape=ellipse];',
             f"  out -> {ids[id(nodes[0])]};"]
    for n in nodes:
        style = ', style=filled, fillcolor="#dbeafe"' if isinstance(n, AccumulateGrad) else ""
        lines.append(f'  {ids[id(n)]} [label="{_label(n)}"{style}];')
    for n in nodes:
        for i, e in enumerate(n.next_edges):
            if e.function is not None:
                lines.append(f'  {ids[id(n)]} -> {ids[id(e.function)]} '
                             f'[label="input {i} -> input_nr {e.input_nr}"];')
    lines.append("}")
    return "\n".join(lines)


def to_ascii(tensor):
    """The backward graph behind ``tensor`` drawn as an indented ASCII tree.

    Each line is a node; children are the nodes its gradient flows into, with the edge's
    ``input_nr``; a node reached twice is printed once and then referenced by name.

    Examples
    --------
    >>> x = cygrad.tensor([1., 2.], requires_grad=True)
    >>> y = cygrad.tensor([3., 4.], requires_grad=True)
    >>> print(cygrad.autograd.graph.to_ascii((x * y + y).sum()))
    SumBackward0
    └── [0] AddBackward0
        ├── [0] MulBackward0
        │   ├── [0] AccumulateGrad (leaf (2,) float32) #1
        │   └── [0] AccumulateGrad (leaf (2,) float32) #2
        └── [0] AccumulateGrad #2 (see above)
    """
    if tensor.grad_fn is None:
        raise RuntimeError("to_ascii: the tensor has no grad_fn (it is a leaf or does not "
                           "require grad)")
    numbers, seen_nodes = {}, set()

    def children(node, prefix):
        edges = [e for e in node.next_edges if e.function is not None]
        return [(e.function, e.input_nr, prefix + ("└── " if k == len(edges) - 1 else "├── "),
                 prefix + ("    " if k == len(edges) - 1 else "│   "))
                for k, e in enumerate(edges)]

    lines = [tensor.grad_fn.name()]
    stack = list(reversed(children(tensor.grad_fn, "")))
    while stack:        # depth-first, numbering nodes in the order they are printed
        node, input_nr, head, prefix = stack.pop()
        seen = id(node) in seen_nodes
        seen_nodes.add(id(node))
        if isinstance(node, AccumulateGrad) and not seen:
            numbers[id(node)] = len(numbers) + 1
        if isinstance(node, AccumulateGrad):
            text = (f"AccumulateGrad #{numbers[id(node)]} (see above)" if seen else
                    f"AccumulateGrad ({_leaf_text(node)}) #{numbers[id(node)]}")
        else:
            text = node.name() + (" (see above)" if seen else "")
        lines.append(f"{head}[{input_nr}] {text}")
        if not seen:
            stack.extend(reversed(children(node, prefix)))
    return "\n".join(lines)
