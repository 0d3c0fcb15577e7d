"""Stochastic gradient descent, optionally with (Nesterov) momentum: ``torch.optim.SGD``."""
from .optimizer import Optimizer, _check_tensor_lr, _grad_for_update, _to_scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``).

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``):

    .. math::

        g &\leftarrow g + \lambda \theta \\
        b &\leftarrow \mu b + (1 - \tau) g \quad (b = g \text{ at the first step}) \\
        g &\leftarrow g + \mu b \text{ (nesterov) or } b \\
        \theta &\leftarrow \theta - \gamma g

    with learning rate :math:`\gamma`, weight decay :math:`\lambda`, momentum :math:`\mu`
    and dampening :math:`\tau`. The momentum lines apply only if ``momentum != 0``. This is
    PyTorch's formulation (the learning rate multiplies the buffer, not the gradient inside
    it), and the update follows PyTorch's single-tensor CPU implementation operation by
    operation.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or parameter groups (dicts, see :class:`Optimizer`).
    lr : float, optional
        Learning rate (default: 1e-3, as PyTorch 2).
    momentum : float, optional
        Momentum factor (default: 0).
    dampening : float, optional
        Dampening of the momentum (default: 0).
    weight_decay : float, optional
        L2 penalty added to the gradient (default: 0).
    nesterov : bool, optional
        Nesterov momentum (default: False); needs ``momentum > 0`` and zero dampening.
    maximize : bool, optional
        Maximize the objective instead of minimizing it (default: False).
    foreach, fused : bool, optional
        Accepted for compatibility with PyTorch and ignored: cygrad always runs the
        per-tensor update.
    differentiable : bool, optional
        Must be False (cygrad does not record the optimizer step in the graph).

    Examples
    --------
    Minimize :math:`\sum (w - 3)^2` from :math:`w = 0`:

    >>> from cygrad import optim
    >>> w = cygrad.zeros(2, requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1, momentum=0.5)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     loss = ((w - 3) ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    >>> w
    tensor([3.0000, 3.0000], requires_grad=True)
    >>> opt.state[w]['momentum_buffer'].abs().max().item() < 1e-3
    True
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_tensor_lr(lr)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("cygrad.optim does not support differentiable=True")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    _group_defaults = {"nesterov": False, "maximize": False, "foreach": None,
                       "differentiable": False, "fused": False}

    def _update_group(self, group):
        state = self.state
        lr = _to_scalar(group["lr"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        weight_decay = group["weight_decay"]
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            grad, owned = _grad_for_update(p, grad, maximize, weight_decay)
            if momentum != 0:
                st = state[p]
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = grad if owned else grad.detach().clone()
                    st["momentum_buffer"] = buf
                    owned = False
                else:
                    buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                if nesterov:
                    t = buf.mul(momentum)        # grad + momentum * buf
                    grad = t.add_(grad)
                    owned = True
                else:
                    grad = buf
                    owned = False
            if owned:
                p.add_(grad.mul_(-lr))
            else:
                p.add_(grad, alpha=-lr)
