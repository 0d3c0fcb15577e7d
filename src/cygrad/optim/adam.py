"""The Adam optimizer: ``torch.optim.Adam``."""
from .. import functional as _F
from .._core._tensor import TensorBase
from ..creation import zeros_like
from .optimizer import (Optimizer, _check_tensor_lr, _grad_for_update, _lerp_,
                        _to_scalar)

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay):
    _check_tensor_lr(lr)
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    r"""Adam (``torch.optim.Adam``): steps scaled by running moments of the gradient.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``), at
    step :math:`t = 1, 2, \ldots`:

    .. math::

        g &\leftarrow g + \lambda \theta \\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \theta &\leftarrow \theta - \frac{\gamma}{1 - \beta_1^t}\,
            \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    With ``amsgrad``, :math:`v` in the last line is replaced by the running maximum of
    :math:`v`. With ``decoupled_weight_decay`` the first line becomes
    :math:`\theta \leftarrow (1 - \gamma\lambda)\theta` (this is :class:`AdamW`). The update
    follows PyTorch's single-tensor CPU implementation operation by operation.

    The state of a parameter holds ``'step'`` (a Python float; PyTorch keeps a float32 0-d
    tensor with the same value), ``'exp_avg'``, ``'exp_avg_sq'`` and, with ``amsgrad``,
    ``'max_exp_avg_sq'``.

    Parameters
    ----------
    params : iterable of Tensor or iterable of dict
        The tensors to optimize, or parameter groups (dicts, see :class:`Optimizer`).
    lr : float, optional
        Learning rate (default: 1e-3).
    betas : tuple of 2 floats, optional
        Decay rates of the running averages of the gradient and of its square
        (default: ``(0.9, 0.999)``).
    eps : float, optional
        Added to the denominator (default: 1e-8).
    weight_decay : float, optional
        L2 penalty (default: 0).
    amsgrad : bool, optional
        Use the running maximum of the second moment (default: False).
    maximize : bool, optional
        Maximize the objective instead of minimizing it (default: False).
    decoupled_weight_decay : bool, optional
        Shrink the parameters directly instead of adding to the gradient (AdamW).
    foreach, fused : bool, optional
        Accepted for compatibility with PyTorch and ignored.
    capturable, differentiable : bool, optional
        Must be False (CUDA graphs and a differentiable step are not supported).

    Examples
    --------
    >>> from cygrad import optim
    >>> w = cygrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()           # the first Adam step moves each entry by about lr
    >>> w
    tensor([ 0.9000, -1.9000], requires_grad=True)
    >>> sorted(opt.state[w])
    ['exp_avg', 'exp_avg_sq', 'step']
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        if all(isinstance(b, TensorBase) for b in betas):
            betas = tuple(float(b.item()) for b in betas)
        elif not all(isinstance(b, float) for b in betas):
            raise ValueError("betas must be either both floats or both Tensors")
        if capturable or differentiable:
            raise NotImplementedError("cygrad.optim does not support capturable=True or "
                                      "differentiable=True")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    _group_defaults = {"amsgrad": False, "maximize": False, "foreach": None,
                       "capturable": False, "differentiable": False,
                       "decoupled_weight_decay": False, "fused": None}

    def _update_group(self, group):
        state = self.state
        lr = _to_scalar(group["lr"])
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        w1 = 1 - beta1
        w2 = 1 - beta2
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            st = state[p]
            if len(st) == 0:
                st["step"] = 0.0
                st["exp_avg"] = zeros_like(p)
                st["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    st["max_exp_avg_sq"] = zeros_like(p)
            step = st["step"] + 1.0
            st["step"] = step
            exp_avg = st["exp_avg"]
            exp_avg_sq = st["exp_avg_sq"]

            if weight_decay != 0 and decoupled:
                p.mul_(1 - lr * weight_decay)
                grad, _ = _grad_for_update(p, grad, maximize, 0)
            else:
                grad, _ = _grad_for_update(p, grad, maximize, weight_decay)

            # exp_avg.lerp_(grad, 1 - beta1)
            if w1 < 0.5:
                tmp = grad.sub(exp_avg)
                exp_avg.add_(tmp.mul_(w1))
                # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2),
                # in the temporary of the lerp
                _F.mul(grad, w2, out=tmp)
            else:
                _lerp_(exp_avg, grad, w1)
                tmp = grad.mul(w2)
            exp_avg_sq.mul_(beta2).add_(tmp.mul_(grad))

            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                max_sq = st["max_exp_avg_sq"]
                max_sq.maximum_(exp_avg_sq)
                denom = max_sq.sqrt()
            else:
                denom = exp_avg_sq.sqrt()
            denom.div_(bias_correction2_sqrt).add_(eps)
            # param.addcdiv_(exp_avg, denom, value=-step_size), in the temporary
            _F.mul(exp_avg, -step_size, out=tmp)
            p.add_(tmp.div_(denom))
