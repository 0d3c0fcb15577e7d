"""The Adagrad optimizer: ``torch.optim.Adagrad``."""
from .. import functional as _F
from ..creation import full_like
from .optimizer import Optimizer, _check_tensor_lr, _grad_for_update, _to_scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``): steps divided by the root of the summed squared
    gradients.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``), at
    step :math:`t = 1, 2, \ldots`:

    .. math::

        g &\leftarrow g + \lambda \theta \\
        \tilde\gamma &\leftarrow \gamma / (1 + (t - 1) \eta) \\
        s &\leftarrow s + g^2 \\
        \theta &\leftarrow \theta - \tilde\gamma\, g / (\sqrt{s} + \epsilon)

    with learning rate decay :math:`\eta`. The sum :math:`s` starts at
    ``initial_accumulator_value``. The update follows PyTorch's single-tensor CPU
    implementation operation by operation. As in PyTorch the state (``'step'``, a Python
    float here, and ``'sum'``) of every parameter is created by the constructor; parameters
    added later with :meth:`add_param_group` get theirs at their first step.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or parameter groups (dicts, see :class:`Optimizer`).
    lr : float, optional
        Learning rate (default: 1e-2).
    lr_decay : float, optional
        Learning rate decay (default: 0).
    weight_decay : float, optional
        L2 penalty (default: 0).
    initial_accumulator_value : float, optional
        Starting value of the sum of squared gradients (default: 0).
    eps : float, optional
        Added to the denominator (default: 1e-10).
    foreach, fused : bool, optional
        Accepted for compatibility with PyTorch and ignored.
    maximize : bool, optional
        Maximize the objective instead of minimizing it (default: False).
    differentiable : bool, optional
        Must be False.

    Examples
    --------
    >>> from cygrad import optim
    >>> w = cygrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()           # the first step moves each entry by lr
    >>> w
    tensor([ 0.5000, -1.5000], requires_grad=True)
    >>> opt.state[w]['sum']
    tensor([ 4., 16.])
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_tensor_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if differentiable:
            raise NotImplementedError("cygrad.optim does not support differentiable=True")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        st = self.state[p]
        st["step"] = 0.0
        st["sum"] = full_like(p, group["initial_accumulator_value"])
        return st

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "fused": None}

    def _update_group(self, group):
        state = self.state
        lr = _to_scalar(group["lr"])
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            st = state.get(p)
            if not st:
                st = self._init_state(p, group)
            step = st["step"] + 1.0
            st["step"] = step
            grad, _ = _grad_for_update(p, grad, maximize, weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)

            state_sum = st["sum"]
            tmp = grad.mul(grad)        # state_sum.addcmul_(grad, grad, value=1)
            state_sum.add_(tmp)
            std = state_sum.sqrt().add_(eps)
            # param.addcdiv_(grad, std, value=-clr)
            _F.mul(grad, -clr, out=tmp)
            p.add_(tmp.div_(std))
