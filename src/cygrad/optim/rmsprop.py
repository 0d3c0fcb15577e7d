"""The RMSprop optimizer: ``torch.optim.RMSprop``."""
from .. import functional as _F
from ..creation import zeros_like
from .optimizer import (Optimizer, _check_tensor_lr, _grad_for_update, _lerp_,
                        _to_scalar)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``): steps divided by a running RMS of the gradient.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``):

    .. math::

        g &\leftarrow g + \lambda \theta \\
        v &\leftarrow \alpha v + (1 - \alpha) g^2 \\
        \bar g &\leftarrow \alpha \bar g + (1 - \alpha) g \quad\text{(centered only)} \\
        d &\leftarrow \sqrt{v} + \epsilon \quad\text{or}\quad
            \sqrt{v - \bar g^2} + \epsilon \text{ (centered)} \\
        b &\leftarrow \mu b + g / d, \quad \theta \leftarrow \theta - \gamma b
            \quad\text{if } \mu > 0, \text{ else } \theta \leftarrow \theta - \gamma g / d

    The update follows PyTorch's single-tensor CPU implementation operation by operation.
    The state of a parameter holds ``'step'`` (a Python float), ``'square_avg'`` and, when
    used, ``'momentum_buffer'`` and ``'grad_avg'``.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or parameter groups (dicts, see :class:`Optimizer`).
    lr : float, optional
        Learning rate (default: 1e-2).
    alpha : float, optional
        Smoothing constant of the running average of the squared gradient (default: 0.99).
    eps : float, optional
        Added to the denominator (default: 1e-8).
    weight_decay : float, optional
        L2 penalty (default: 0).
    momentum : float, optional
        Momentum factor (default: 0).
    centered : bool, optional
        Normalize by an estimate of the gradient's variance instead of its second moment
        (default: False).
    maximize : bool, optional
        Maximize the objective instead of minimizing it (default: False).
    foreach : bool, optional
        Accepted for compatibility with PyTorch and ignored.
    capturable, differentiable : bool, optional
        Must be False.

    Examples
    --------
    >>> from cygrad import optim
    >>> w = cygrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()           # the first step is lr / sqrt(1 - alpha) = 0.1 per entry
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_tensor_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        if capturable or differentiable:
            raise NotImplementedError("cygrad.optim does not support capturable=True or "
                                      "differentiable=True")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _group_defaults = {"momentum": 0, "centered": False, "foreach": None, "maximize": False,
                       "differentiable": False, "capturable": False}

    def _update_group(self, group):
        state = self.state
        lr = _to_scalar(group["lr"])
        alpha = group["alpha"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        w = 1 - alpha
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            st = state[p]
            if len(st) == 0:
                st["step"] = 0.0
                st["square_avg"] = zeros_like(p)
                if momentum > 0:
                    st["momentum_buffer"] = zeros_like(p)
                if centered:
                    st["grad_avg"] = zeros_like(p)
            st["step"] += 1.0
            grad, _ = _grad_for_update(p, grad, maximize, weight_decay)
            square_avg = st["square_avg"]

            # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            tmp = grad.mul(w)
            square_avg.mul_(alpha).add_(tmp.mul_(grad))

            if centered:
                grad_avg = st["grad_avg"]
                _lerp_(grad_avg, grad, w)
                # square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                _F.mul(grad_avg, grad_avg, out=tmp)
                avg = square_avg.sub(tmp).sqrt_()
            else:
                avg = square_avg.sqrt()
            avg.add_(eps)

            if momentum > 0:
                # buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
                buf = st["momentum_buffer"]
                _F.div(grad, avg, out=tmp)
                buf.mul_(momentum).add_(tmp)
                p.add_(_F.mul(buf, -lr, out=tmp))
            else:
                # param.addcdiv_(grad, avg, value=-lr)
                _F.mul(grad, -lr, out=tmp)
                p.add_(tmp.div_(avg))
