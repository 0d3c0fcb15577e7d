"""Learning-rate schedules: ``torch.optim.lr_scheduler``.

A scheduler wraps an optimizer and sets the ``'lr'`` of its parameter groups each time its
:meth:`~LRScheduler.step` is called (usually once per epoch, after ``optimizer.step()``).
The formulas, including the recursive (chainable) forms, are PyTorch's, so the learning
rates are the same floats PyTorch computes.
"""
import math
import types
import warnings
from functools import wraps
from weakref import ref

from .._core._tensor import TensorBase
from .optimizer import Optimizer, _to_scalar

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "ExponentialLR", "CosineAnnealingLR"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)


def _param_groups_val_list(optimizer, key):
    """``group[key]`` of every group (tensors cloned, so they never alias the group's)."""
    return [group[key].clone() if isinstance(group[key], TensorBase) else group[key]
            for group in optimizer.param_groups]


def _update_param_group_val(param_group, key, val):
    """Set ``param_group[key]`` to ``val`` (filled in place if the group holds a tensor)."""
    if isinstance(param_group[key], TensorBase):
        param_group[key].fill_(_to_scalar(val))
    else:
        param_group[key] = val


class _enable_get_lr_call:
    def __init__(self, o):
        self.o = o

    def __enter__(self):
        self.o._get_lr_called_within_step = True
        return self

    def __exit__(self, type, value, traceback):
        self.o._get_lr_called_within_step = False


class _initial_mode:
    def __init__(self, o):
        self.o = o

    def __enter__(self):
        self.o._is_initial = True

    def __exit__(self, type, value, traceback):
        self.o._is_initial = False


def _warn_get_lr_called_within_step(scheduler):
    if not scheduler._get_lr_called_within_step:
        warnings.warn("To get the last learning rate computed by the scheduler, "
                      "please use `get_last_lr()`.", UserWarning, stacklevel=2)


class LRScheduler:
    r"""Base class of the learning-rate schedulers (``torch.optim.lr_scheduler.LRScheduler``).

    The constructor records each group's starting learning rate as ``group['initial_lr']``
    (unless resuming, ``last_epoch >= 0``, where it must already be there) and in
    :attr:`base_lrs`, then takes the initial step (epoch 0). Subclasses implement
    :meth:`get_lr`, the learning rates of epoch :attr:`last_epoch`.

    As in PyTorch, the optimizer's ``step`` method is wrapped so that calling the
    scheduler's :meth:`step` before the optimizer's warns (the first learning rate of the
    schedule would be skipped).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    last_epoch : int, optional
        The index of the last epoch; -1 (default) starts a new schedule. Use another value
        only to resume one.

    Attributes
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    base_lrs : list of float
        The ``initial_lr`` of each parameter group.
    last_epoch : int
        The epoch of the current learning rates (0 after construction).
    """

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                initial_lr = group["lr"]
                if isinstance(initial_lr, TensorBase):
                    initial_lr = initial_lr.clone()
                group.setdefault("initial_lr", initial_lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming scheduler with last_epoch >= 0.\n"
                        "This typically happens when:\n"
                        "1. You're trying to resume training from a checkpoint but haven't "
                        "properly loaded the optimizer state\n"
                        "2. You're using last_epoch >= 0 for a fresh training run (not "
                        "recommended)")
        self.base_lrs = _param_groups_val_list(optimizer, "initial_lr")
        self.last_epoch = last_epoch

        # Track whether optimizer.step() ran before scheduler.step() (pytorch/pytorch#20124):
        # the bound step method is replaced by a wrapper that sets optimizer._opt_called.
        def patch_track_step_called(opt):
            if hasattr(opt.step, "_wrapped_by_lr_sched"):
                return
            opt_ref = ref(opt)
            func = opt.step.__func__

            @wraps(func)
            def wrapper(*args, **kwargs):
                o = opt_ref()
                o._opt_called = True
                return func.__get__(o, o.__class__)(*args, **kwargs)

            wrapper._wrapped_by_lr_sched = True
            opt.step = wrapper

        patch_track_step_called(self.optimizer)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        with _initial_mode(self):
            self.step()

    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer.

        Returns
        -------
        dict
            ``last_epoch``, ``base_lrs``, ``_last_lr``, ``_step_count`` and the
            scheduler's own settings (``step_size``, ``gamma``, ...).

        Examples
        --------
        >>> from cygrad import optim
        >>> opt = optim.SGD([cygrad.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2)
        >>> sd = sched.state_dict()
        >>> sd['last_epoch'], sd['base_lrs'], sd['step_size'], sd['gamma']
        (0, [1.0], 2, 0.1)
        """
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state returned by :meth:`state_dict`.

        Parameters
        ----------
        state_dict : dict
            The saved state.
        """
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The learning rates the last :meth:`step` set, one per parameter group.

        Returns
        -------
        list of float
            A copy of the groups' ``'lr'`` after the last step.
        """
        return self._last_lr

    def get_lr(self):
        """The learning rates of epoch :attr:`last_epoch` (implemented by subclasses).

        Called by :meth:`step`; to read the current rates use :meth:`get_last_lr`.

        Returns
        -------
        list of float
            One learning rate per parameter group.
        """
        raise NotImplementedError

    def step(self, epoch=None):
        """Advance the schedule by one epoch and set the optimizer's learning rates.

        Call it after ``optimizer.step()``.

        Parameters
        ----------
        epoch : int, optional
            Deprecated (as in PyTorch): jump to this epoch using the closed-form formula
            where the scheduler has one.
        """
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(
                    "Seems like `optimizer.step()` has been overridden after learning rate "
                    "scheduler initialization. Please, make sure to call `optimizer.step()` "
                    "before `lr_scheduler.step()`. See more details at "
                    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                    UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(
                    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
                    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
                    "will result in PyTorch skipping the first value of the learning rate "
                    "schedule. See more details at "
                    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                    UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        with _enable_get_lr_call(self):
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                if hasattr(self, "_get_closed_form_lr"):
                    values = self._get_closed_form_lr()
                else:
                    values = self.get_lr()
        for param_group, lr in zip(self.optimizer.param_groups, values):
            _update_param_group_val(param_group, "lr", lr)
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")


class LambdaLR(LRScheduler):
    """The initial learning rate times a function of the epoch (``torch.optim.lr_scheduler.LambdaLR``).

    ``lr = base_lr * lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    lr_lambda : callable or list of callable
        A function of the integer epoch giving a multiplicative factor, or one such
        function per parameter group.
    last_epoch : int, optional
        The index of the last epoch (default: -1, a new schedule).

    Examples
    --------
    >>> from cygrad import optim
    >>> opt = optim.SGD([cygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
    >>> lrs = []
    >>> for epoch in range(4):
    ...     opt.step()
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 0.3333333333333333, 0.25]
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        if not isinstance(lr_lambda, (list, tuple)):
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        else:
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got "
                                 f"{len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer and the functions.

        A function is saved only through its ``__dict__``, and only if it is a callable
        object rather than a plain function or lambda (as in PyTorch).

        Returns
        -------
        dict
            The state, with ``'lr_lambdas'`` a list of None or ``__dict__`` copies.
        """
        state_dict = {key: value for key, value in self.__dict__.items()
                      if key not in ("optimizer", "lr_lambdas")}
        state_dict["lr_lambdas"] = [None] * len(self.lr_lambdas)
        for idx, fn in enumerate(self.lr_lambdas):
            if not isinstance(fn, types.FunctionType):
                state_dict["lr_lambdas"][idx] = fn.__dict__.copy()
        return state_dict

    def load_state_dict(self, state_dict):
        """Restore a state returned by :meth:`state_dict`.

        Parameters
        ----------
        state_dict : dict
            The saved state.
        """
        lr_lambdas = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        state_dict["lr_lambdas"] = lr_lambdas
        for idx, fn in enumerate(lr_lambdas):
            if fn is not None:
                self.lr_lambdas[idx].__dict__.update(fn)

    def get_lr(self):
        """``base_lr * lr_lambda(last_epoch)`` for each group.

        Returns
        -------
        list of float
            One learning rate per parameter group.
        """
        _warn_get_lr_called_within_step(self)
        return [base_lr * lmbda(self.last_epoch)
                for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs
    (``torch.optim.lr_scheduler.StepLR``).

    ``lr = base_lr * gamma ** (epoch // step_size)``, computed recursively (the current rate
    times ``gamma``) as PyTorch does, so changes made to the rate by other code persist.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    step_size : int
        The period of the decay, in epochs.
    gamma : float, optional
        The decay factor (default: 0.1).
    last_epoch : int, optional
        The index of the last epoch (default: -1, a new schedule).

    Examples
    --------
    >>> from cygrad import optim
    >>> opt = optim.SGD([cygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(6):
    ...     opt.step()
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The current rates, times ``gamma`` at non-zero multiples of ``step_size``.

        Returns
        -------
        list of float
            One learning rate per parameter group.
        """
        _warn_get_lr_called_within_step(self)
        if (self.last_epoch == 0) or (self.last_epoch % self.step_size != 0):
            return _param_groups_val_list(self.optimizer, "lr")
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch
    (``torch.optim.lr_scheduler.ExponentialLR``).

    ``lr = base_lr * gamma ** epoch``, computed recursively as PyTorch does.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    gamma : float
        The decay factor.
    last_epoch : int, optional
        The index of the last epoch (default: -1, a new schedule).

    Examples
    --------
    >>> from cygrad import optim
    >>> opt = optim.SGD([cygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> for epoch in range(3):
    ...     opt.step()
    ...     sched.step()
    >>> sched.get_last_lr(), opt.param_groups[0]['lr']
    ([0.125], 0.125)
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The current rates times ``gamma`` (unchanged at the initial step).

        Returns
        -------
        list of float
            One learning rate per parameter group.
        """
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return _param_groups_val_list(self.optimizer, "lr")
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing of the learning rate (``torch.optim.lr_scheduler.CosineAnnealingLR``).

    The rate follows

    .. math::

        \eta_t = \eta_{\min} + \frac{1}{2}(\eta_{\max} - \eta_{\min})
            \left(1 + \cos\frac{t \pi}{T_{\max}}\right)

    from the initial rate :math:`\eta_{\max}` at :math:`t = 0` to ``eta_min`` at
    :math:`t = T_{\max}`, and back up after that (no restarts). It is computed with
    PyTorch's recursive formula

    .. math::

        \eta_{t+1} = \eta_{\min} + (\eta_t - \eta_{\min})
            \frac{1 + \cos\frac{(t + 1)\pi}{T_{\max}}}{1 + \cos\frac{t\pi}{T_{\max}}}

    so the values are the floats PyTorch produces (which differ from the closed form in
    the last bits).

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    T_max : int
        The number of epochs of the half cosine period.
    eta_min : float, optional
        The minimum learning rate (default: 0).
    last_epoch : int, optional
        The index of the last epoch (default: -1, a new schedule).

    Examples
    --------
    >>> from cygrad import optim
    >>> opt = optim.SGD([cygrad.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     opt.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 6))
    ...     sched.step()
    >>> lrs
    [1.0, 0.853553, 0.5, 0.146447, 0.0]
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """The next rates by PyTorch's recursive cosine formula.

        Returns
        -------
        list of float
            One learning rate per parameter group.
        """
        _warn_get_lr_called_within_step(self)
        if self._is_initial:
            return _param_groups_val_list(self.optimizer, "lr")
        if self._step_count == 1 and self.last_epoch > 0:
            return [self.eta_min + (base_lr - self.eta_min)
                    * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base_lr in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [group["lr"] + (base_lr - self.eta_min)
                    * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)]
        return [(1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
                * (group["lr"] - self.eta_min) + self.eta_min
                for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]
