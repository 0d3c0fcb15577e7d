"""The :class:`Optimizer` base class of ``cygrad.optim`` (PyTorch's ``torch.optim.Optimizer``).

Also holds small helpers the optimizers share. cygrad has no fused ``lerp_``, ``addcmul_`` or
``addcdiv_``; the optimizers compose them from elementwise ops in the operation order of
PyTorch's CPU kernels (``a + (value * b) * c``, ``a + (value * b) / c``, PyTorch's two-branch
lerp), rounding each intermediate to the tensor's dtype. PyTorch's kernels fuse some
multiply-adds (FMA), so float32 results can differ from PyTorch's in the last bit per
operation.
"""
import struct
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

from .._core._tensor import TensorBase
from .._dtype import float32
from ..autograd import enable_grad, no_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Singleton class representing a required parameter for an Optimizer."""

    def __repr__(self):
        return "<required parameter>"


#: Default of a hyper-parameter every parameter group must give (as ``torch.optim.required``).
required = _RequiredParameter()


def _typename(obj):
    """``torch.typename``: ``'cygrad.FloatTensor'`` for tensors, the qualified type otherwise."""
    if isinstance(obj, TensorBase):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def _to_scalar(x):
    """A hyper-parameter as a Python number (1-element tensors are read with ``item``)."""
    return x.item() if isinstance(x, TensorBase) else x


def _check_tensor_lr(lr):
    if isinstance(lr, TensorBase) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


def _round32(x):
    """``x`` rounded to the nearest float32 (as PyTorch casts a scalar for a float32 kernel)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _closure_loss(closure):
    """Run ``closure`` with grad mode on (PyTorch's ``step(closure)`` contract)."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _grad_for_update(param, grad, maximize, weight_decay):
    """``(g, owned)``: the gradient the update uses, ``-grad`` if maximizing, plus
    ``weight_decay * param``; ``owned`` is True if ``g`` is a fresh tensor (not ``.grad``).

    PyTorch computes ``grad.add(param, alpha=weight_decay)``; this is the same sum in one
    temporary: ``weight_decay * param`` rounded, then the gradient added.
    """
    if weight_decay != 0:
        g = param.mul(weight_decay)
        if maximize:
            g.sub_(grad)
        else:
            g.add_(grad)
        return g, True
    if maximize:
        return grad.neg(), True
    return grad, False


def _lerp_(start, end, weight):
    """``start.lerp_(end, weight)`` with PyTorch's two formulas (``weight < 0.5`` or not)."""
    if weight < 0.5:
        d = end.sub(start)                       # start + weight * (end - start)
        d.mul_(weight)
        start.add_(d)
    else:                                        # end - (end - start) * (1 - weight)
        w = _round32(weight) if start.dtype is float32 else weight
        d = start.sub(end)
        d.mul_(1.0 - w)
        d.add_(end)
        start.copy_(d)
    return start


class Optimizer:
    r"""Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    An optimizer holds the tensors it updates in :attr:`param_groups`, a list of dicts with
    one entry ``'params'`` (the tensors) and one entry per hyper-parameter (``'lr'``,
    ``'momentum'``, ...). Hyper-parameters a group does not give take their value from
    :attr:`defaults`. Per-parameter buffers (momentum, running averages) live in
    :attr:`state`, a dict keyed by the parameter tensors themselves.

    Subclasses implement :meth:`step`.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or parameter groups: dicts with a ``'params'`` entry and
        per-group hyper-parameters. Use an ordered collection (a list, not a set): the
        order identifies the parameters in :meth:`state_dict`.
    defaults : dict
        The default value of every hyper-parameter (used where a group does not give one).

    Attributes
    ----------
    defaults : dict
        The default hyper-parameters.
    param_groups : list of dict
        The parameter groups.
    state : collections.defaultdict
        Per-parameter state, keyed by parameter tensor.

    Raises
    ------
    TypeError
        If ``params`` is a single tensor, or contains something that is not a tensor.
    ValueError
        If ``params`` is empty, or a tensor appears in two groups.

    Examples
    --------
    A parameter group with its own learning rate:

    >>> from cygrad import optim
    >>> w = cygrad.zeros(3, requires_grad=True)
    >>> b = cygrad.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([{'params': [w]}, {'params': [b], 'lr': 0.5}], lr=0.1)
    >>> [g['lr'] for g in opt.param_groups]
    [0.1, 0.5]
    >>> optim.SGD(w)
    Traceback (most recent call last):
        ...
    TypeError: params argument given to the optimizer should be an iterable of Tensors or dicts, but got cygrad.FloatTensor
    """

    # Options of a parameter group that a state pickled by an older version may lack, with
    # their defaults; __setstate__ fills them in. Each optimizer lists its own.
    _group_defaults = {}

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, TensorBase):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # ---------------------------------------------------------------- pickling and repr
    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, value in self._group_defaults.items():
                group.setdefault(key, value)
        self._steps_to_float()

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        format_string += ")"
        return format_string

    def _steps_to_float(self):
        # cygrad's optimizers keep state['step'] as a Python float (PyTorch: a float32 0-d
        # tensor on the CPU, which holds the same integral values); loaded tensor steps are
        # converted.
        for s in self.state.values():
            if isinstance(s, dict) and isinstance(s.get("step"), TensorBase):
                s["step"] = float(s["step"].item())

    # ---------------------------------------------------------------- the API
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors.

        Parameters
        ----------
        set_to_none : bool, optional
            Set each ``.grad`` to None (default) instead of filling it with zeros. A
            parameter whose ``.grad`` is None is skipped by :meth:`step`; one with a zero
            gradient is still updated (weight decay and momentum apply).

        Examples
        --------
        >>> from cygrad import optim
        >>> w = cygrad.ones(2, requires_grad=True)
        >>> (w * w).sum().backward()
        >>> opt = optim.SGD([w])
        >>> opt.zero_grad(set_to_none=False)
        >>> w.grad
        tensor([0., 0.])
        >>> opt.zero_grad()
        >>> w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g.requires_grad_(False)
                        g.zero_()

    def step(self, closure=None):
        """Perform one optimization step (update the parameters once).

        Parameters whose ``.grad`` is None are skipped. The update runs without recording
        the graph, one parameter group at a time.

        Parameters
        ----------
        closure : callable, optional
            A function that re-evaluates the model and returns the loss; it runs with grad
            mode enabled. Optional for the optimizers in this module.

        Returns
        -------
        object
            What ``closure`` returned, or None without a closure.
        """
        loss = _closure_loss(closure)
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group):
        """Apply the algorithm to the parameters of ``group`` (each optimizer's own part of
        :meth:`step`; a subclass may instead override :meth:`step` itself)."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Add a parameter group to :attr:`param_groups`.

        Useful to train more of a model as training goes on (unfreezing layers). The group's
        missing hyper-parameters take the values of :attr:`defaults`.

        Parameters
        ----------
        param_group : dict
            ``'params'`` (a tensor, or an iterable of tensors or of ``(name, tensor)``
            pairs) and any per-group hyper-parameters.

        Raises
        ------
        TypeError
            If ``param_group`` is not a dict, ``'params'`` is a set or holds a non-tensor.
        ValueError
            If a tensor is not a leaf, is already in another group, or a required
            hyper-parameter is missing.

        Examples
        --------
        >>> from cygrad import optim
        >>> w = cygrad.zeros(2, requires_grad=True)
        >>> b = cygrad.zeros(1, requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1)
        >>> opt.add_param_group({'params': [b], 'lr': 0.01})
        >>> [g['lr'] for g in opt.param_groups]
        [0.1, 0.01]
        >>> opt.add_param_group({'params': [w]})
        Traceback (most recent call last):
            ...
        ValueError: some parameters appear in more than one parameter group
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, TensorBase):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names

        for param in tensors:
            if not isinstance(param, TensorBase):
                raise TypeError("optimizer can only optimize Tensors, but one of the params "
                                "is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (
                    param.is_leaf or getattr(param, "retains_grad", False)):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        if len(tensors) != len(set(tensors)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)

        param_set = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not param_set.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def state_dict(self):
        """The optimizer's state as a dict, in PyTorch's format.

        Returns
        -------
        dict
            ``'state'``: the per-parameter state, keyed by the parameter's index (counting
            through the groups in order); ``'param_groups'``: one dict per group with its
            hyper-parameters and ``'params'`` as a list of those indices. As in PyTorch the
            state's tensors are not copied: save or clone the dict before stepping again if
            you need a snapshot.

        Examples
        --------
        >>> from cygrad import optim
        >>> w = cygrad.ones(2, requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> sd = opt.state_dict()
        >>> sd['state']
        {0: {'momentum_buffer': tensor([2., 2.])}}
        >>> sd['param_groups'][0]['params'], sd['param_groups'][0]['momentum']
        ([0], 0.9)
        """
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_mappings.setdefault(id(p), i)
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, TensorBase) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Load a state saved by :meth:`state_dict` (parameters matched by position).

        The tensors of the loaded state are copied (cast to the parameter's dtype when it is
        floating point), so the optimizer that produced ``state_dict`` and this one do not
        share buffers. The hyper-parameters of the groups (``lr``, ...) are replaced by the
        saved ones.

        Parameters
        ----------
        state_dict : dict
            A dict returned by :meth:`state_dict`.

        Raises
        ------
        ValueError
            If the number of groups or of parameters per group differ.

        Examples
        --------
        >>> from cygrad import optim
        >>> w = cygrad.ones(2, requires_grad=True)
        >>> opt = optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w2 = w.detach().clone().requires_grad_()
        >>> opt2 = optim.Adam([w2])
        >>> opt2.load_state_dict(opt.state_dict())
        >>> opt2.param_groups[0]['lr'], opt2.state[w2]['step']
        (0.1, 1.0)
        """
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, TensorBase):
                if key != "step" and param.is_floating_point() and value.dtype is not param.dtype:
                    return value.to(param.dtype)
                return value.detach().clone()
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
