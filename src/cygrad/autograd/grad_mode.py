"""Grad mode: whether operations record the autograd graph (thread-local, as PyTorch)."""
import functools
import threading

from .._core._tensor import TensorBase

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]

class _State(threading.local):
    enabled = True      # the class attribute is every new thread's default (a fast lookup)


_state = _State()


def is_grad_enabled():
    """True if operations on tensors that require grad currently record the graph."""
    return _state.enabled


def _set_enabled(mode):
    _state.enabled = bool(mode)


def needs_grad(*args):
    """True if an op on ``args`` must record the graph: grad mode is on and one of the
    tensors among ``args`` requires grad (the other arguments are ignored)."""
    for a in args:
        if isinstance(a, TensorBase) and a._requires_grad:
            return _state.enabled
    return False


class _DecoratorContextManager:
    """A context manager that also works as a function decorator."""

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return func(*args, **kwargs)
        return wrapper

    _args = ()


class no_grad(_DecoratorContextManager):
    """Disable graph recording inside a ``with`` block or a decorated function.

    Examples
    --------
    >>> x = cygrad.ones(2, requires_grad=True)
    >>> with cygrad.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(False)

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


class enable_grad(_DecoratorContextManager):
    """Enable graph recording (inside :class:`no_grad`, for example)."""

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(True)

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode to ``mode``; usable as a function call, a context manager or a decorator.

    Parameters
    ----------
    mode : bool
        True to record the graph, False not to.
    """

    def __init__(self, mode):
        self._args = (mode,)
        self._prev = is_grad_enabled()
        _set_enabled(mode)

    def __call__(self, func):
        _set_enabled(self._prev)       # used as a decorator: only calls change the mode
        return super().__call__(func)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


class inference_mode(no_grad):
    """Like :class:`no_grad` (cygrad has no separate inference tensors)."""

    def __init__(self, mode=True):
        self._mode = mode

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(not self._mode)
